//! Watching `org.libvirt.Connect.DomainEvent` on a connection object from a subscriber of
//! its own, each signal stamped with the moment it arrived: the end of a timed Create or
//! Destroy, and the count of the events-per-second workload.

use std::{collections::HashSet, num::NonZeroUsize};

use futures_util::StreamExt;
use tokio::{
    sync::mpsc,
    task::JoinHandle,
    time::{Duration, Instant},
};
use zbus::{
    fdo::DBusProxy, message::Type as MessageType, names::BusName, MatchRule, MessageStream,
    OwnedObjectPath,
};

use crate::{load, service::BUS_NAME};

/// libvirt's lifecycle event codes the phase waits for.
pub mod lifecycle {
    /// VIR_DOMAIN_EVENT_STARTED.
    pub const STARTED: i32 = 2;
    /// VIR_DOMAIN_EVENT_SUSPENDED.
    pub const SUSPENDED: i32 = 3;
    /// VIR_DOMAIN_EVENT_RESUMED.
    pub const RESUMED: i32 = 4;
    /// VIR_DOMAIN_EVENT_STOPPED.
    pub const STOPPED: i32 = 5;
}

/// Room in the subscriber's queue.
const QUEUE: NonZeroUsize = NonZeroUsize::new(64 * 1024).unwrap();

/// One `DomainEvent(o domain, i event, i detail)` as received.
#[derive(Debug, Clone)]
pub struct SeenEvent {
    /// The domain's path.
    pub domain: OwnedObjectPath,
    /// The lifecycle event code.
    pub event: i32,
    /// When the subscriber received it.
    pub at: Instant,
}

/// A subscriber to the DomainEvent signals of one connection object; stops when dropped.
#[derive(Debug)]
pub struct EventWatcher {
    events: mpsc::UnboundedReceiver<SeenEvent>,
    reader: JoinHandle<()>,
}

impl Drop for EventWatcher {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl EventWatcher {
    /// Subscribes on a new connection to the bus at `address` to the DomainEvent signals the
    /// owner of `org.libvirt` sends from `root`. Returns once the bus has the match rule.
    pub async fn start(address: &str, root: &str) -> zbus::Result<Self> {
        let conn = load::client_connection(address).await?;
        let owner = DBusProxy::new(&conn)
            .await?
            .get_name_owner(BusName::try_from(BUS_NAME)?)
            .await?;
        let rule = MatchRule::builder()
            .msg_type(MessageType::Signal)
            .sender(owner.as_str())
            .path(root)
            .interface("org.libvirt.Connect")
            .member("DomainEvent")
            .build()?;
        let mut stream = MessageStream::for_match_rule(rule, &conn, Some(QUEUE)).await?;
        let (tx, events) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            // The connection lives as long as the reader.
            let _conn = conn;
            while let Some(Ok(msg)) = stream.next().await {
                let at = Instant::now();
                let Ok((domain, event, _detail)) =
                    msg.body().deserialize::<(OwnedObjectPath, i32, i32)>()
                else {
                    continue;
                };
                if tx.send(SeenEvent { domain, event, at }).is_err() {
                    break;
                }
            }
        });
        Ok(Self { events, reader })
    }

    /// Forgets every event received so far.
    pub fn clear(&mut self) {
        while self.events.try_recv().is_ok() {}
    }

    /// Waits until `event` arrives for `domain`, skipping others; its arrival time, or `None`
    /// at `deadline`.
    pub async fn wait_for(
        &mut self,
        domain: &OwnedObjectPath,
        event: i32,
        deadline: Instant,
    ) -> Option<Instant> {
        loop {
            let seen = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .ok()??;
            if seen.event == event && &seen.domain == domain {
                return Some(seen.at);
            }
        }
    }

    /// Counts events whose code is in `events` for a domain in `domains` until `expected`
    /// have arrived, or until none has arrived for `quiet`, or `deadline`: the count and the
    /// arrival time of the last one counted.
    pub async fn count(
        &mut self,
        domains: &HashSet<OwnedObjectPath>,
        events: &[i32],
        expected: u64,
        quiet: Duration,
        deadline: Instant,
    ) -> (u64, Option<Instant>) {
        let mut counted = 0;
        let mut last = None;
        while counted < expected {
            let wait = deadline.min(Instant::now() + quiet);
            let Ok(Some(seen)) = tokio::time::timeout_at(wait, self.events.recv()).await else {
                break;
            };
            if events.contains(&seen.event) && domains.contains(&seen.domain) {
                counted += 1;
                last = Some(seen.at);
            }
        }
        (counted, last)
    }
}
