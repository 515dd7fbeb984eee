//! Bounds on the calls the dispatcher works on at once, overall and per caller.
//!
//! Every call runs in a task of its own and holds its message and, until it is sent, its
//! reply: a `GetXMLDesc` of a 1 MiB domain holds about 3 MB. Without a bound, a client that
//! sends calls faster than they are answered makes the service allocate without limit.
//!
//! - At most [`MAX_CALLS_IN_FLIGHT`] calls are read and not yet answered. Past that, the dispatcher
//!   stops reading: further calls wait in zbus's bounded queue (64 messages), the socket and the
//!   bus daemon (which holds them against the caller's own limits), not in the service's memory.
//! - Of those, at most [`MAX_CALLS_PER_SENDER`] of one caller run at once; its other calls wait,
//!   holding only their message, until one of its calls is answered. So one busy caller does not
//!   keep the others' calls from running until it has filled the overall bound with waiting calls;
//!   then every caller waits for its calls to be answered.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The most calls the service works on at once, over all callers.
pub const MAX_CALLS_IN_FLIGHT: usize = 64;

/// The most calls one caller (one unique bus name) has the service work on at once.
pub const MAX_CALLS_PER_SENDER: usize = 8;

/// The calls in flight.
pub struct InFlight {
    total: Arc<Semaphore>,
    senders: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// What a call in flight holds until it is answered: its place in the overall bound and in
/// its caller's.
pub struct Slot {
    _total: OwnedSemaphorePermit,
    _sender: SenderSlot,
}

impl Default for InFlight {
    fn default() -> Self {
        Self::new()
    }
}

impl InFlight {
    /// No call in flight yet.
    pub fn new() -> Self {
        Self {
            total: Arc::new(Semaphore::new(MAX_CALLS_IN_FLIGHT)),
            senders: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Waits until one more call may run overall. Taken before the next call is read.
    pub async fn overall(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.total)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// Waits until `sender` may have one more call running; `total` is the overall place the
    /// call already has.
    pub async fn for_sender(&self, total: OwnedSemaphorePermit, sender: &str) -> Slot {
        let semaphore = {
            let mut senders = self.senders.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                senders
                    .entry(sender.to_owned())
                    .or_insert_with(|| Arc::new(Semaphore::new(MAX_CALLS_PER_SENDER))),
            )
        };
        let permit = semaphore
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        Slot {
            _total: total,
            _sender: SenderSlot {
                senders: Arc::clone(&self.senders),
                sender: sender.to_owned(),
                permit: Some(permit),
            },
        }
    }

    /// How many callers have calls in flight.
    #[cfg(test)]
    fn senders(&self) -> usize {
        self.senders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many calls are in flight.
    #[cfg(test)]
    fn calls(&self) -> usize {
        MAX_CALLS_IN_FLIGHT - self.total.available_permits()
    }
}

/// A call's place in its caller's bound. The caller's entry goes when its last call is
/// answered, so callers that left the bus are not remembered.
struct SenderSlot {
    senders: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    sender: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for SenderSlot {
    fn drop(&mut self) {
        let mut senders = self.senders.lock().unwrap_or_else(PoisonError::into_inner);
        drop(self.permit.take());
        let idle = senders.get(&self.sender).is_some_and(|s| {
            // Nobody else holds or waits for it: only the map has it.
            Arc::strong_count(s) == 1 && s.available_permits() == MAX_CALLS_PER_SENDER
        });
        if idle {
            senders.remove(&self.sender);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_sender_stops_at_its_bound_and_is_forgotten_when_idle() {
        let limits = InFlight::new();
        let mut slots = Vec::new();
        for _ in 0..MAX_CALLS_PER_SENDER {
            let total = limits.overall().await;
            slots.push(limits.for_sender(total, ":1.1").await);
        }
        assert_eq!(limits.calls(), MAX_CALLS_PER_SENDER);
        let total = limits.overall().await;
        let blocked =
            tokio::time::timeout(Duration::from_millis(50), limits.for_sender(total, ":1.1")).await;
        assert!(blocked.is_err(), "a ninth call of one sender must wait");
        // Another sender is not held back by the first one's bound.
        let total = limits.overall().await;
        let other = limits.for_sender(total, ":1.2").await;
        assert_eq!(limits.senders(), 2);
        drop(other);
        assert_eq!(limits.senders(), 1);
        slots.clear();
        assert_eq!(limits.senders(), 0);
        assert_eq!(limits.calls(), 0);
    }

    #[tokio::test]
    async fn the_overall_bound_holds_over_every_sender() {
        let limits = InFlight::new();
        let mut slots = Vec::new();
        for i in 0..MAX_CALLS_IN_FLIGHT {
            let total = limits.overall().await;
            slots.push(limits.for_sender(total, &format!(":1.{i}")).await);
        }
        let waited = tokio::time::timeout(Duration::from_millis(50), limits.overall()).await;
        assert!(
            waited.is_err(),
            "call {} must wait",
            MAX_CALLS_IN_FLIGHT + 1
        );
        slots.pop();
        let _freed = tokio::time::timeout(Duration::from_secs(1), limits.overall())
            .await
            .expect("a place frees when a call is answered");
    }
}
