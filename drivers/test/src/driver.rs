//! The driver object: the store behind one lock, and the event sender used once the lock is
//! released.

use std::sync::{Mutex, MutexGuard};

use virtbus_core::{
    driver::Driver,
    event::{Event, EventSender},
    Result,
};

use crate::{
    default_domain, parse,
    store::{AddMode, Store},
};

/// libvirt's embedded `test:///default` driver, all in memory.
///
/// It starts with the default domain `test` running (id 1, reason UNKNOWN). Every operation
/// takes the one lock, validates, applies its change completely or not at all, releases the
/// lock and only then publishes its events.
pub struct TestDriver {
    store: Mutex<Store>,
    events: EventSender,
}

impl TestDriver {
    /// A driver seeded like libvirt's `test:///default`, publishing on `events`.
    pub fn new(events: EventSender) -> TestDriver {
        let mut store = Store::new();
        if let Err(e) = seed(&mut store) {
            tracing::error!(error = %e, "the default domain of the test driver could not be created");
        }
        if let Err(e) = store.networks.seed() {
            tracing::error!(error = %e, "the default network of the test driver could not be created");
        }
        if let Err(e) = store.interfaces.seed() {
            tracing::error!(error = %e, "the default interface of the test driver could not be created");
        }
        if let Err(e) = store.node_devices.seed() {
            tracing::error!(error = %e, "the default node devices of the test driver could not be created");
        }
        if let Err(e) = store.pools.seed() {
            tracing::error!(error = %e, "the default storage pool of the test driver could not be created");
        }
        TestDriver {
            store: Mutex::new(store),
            events,
        }
    }

    /// The store, locked. A panic in another holder never makes the store unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the locked store, then publishes the events it queued if it succeeded.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Store, &mut Vec<Event>) -> Result<T>,
    ) -> Result<T> {
        let mut events = Vec::new();
        let result = {
            let mut store = self.lock();
            f(&mut store, &mut events)
        };
        if result.is_ok() {
            for event in events {
                self.events.send(event);
            }
        }
        result
    }

    /// Runs `f` on the locked store, read only.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let store = self.lock();
        f(&store)
    }
}

/// Adds the default domain and starts it as libvirt does when the driver opens.
fn seed(store: &mut Store) -> Result<()> {
    let def = parse::parse_def(default_domain::XML, false)?;
    let (uuid, _) = store.add(def, AddMode::Define)?;
    store.start_seeded(&uuid)
}

impl Driver for TestDriver {
    fn name(&self) -> &'static str {
        "Test"
    }

    fn uri(&self) -> &str {
        "test:///default"
    }

    fn events(&self) -> &EventSender {
        &self.events
    }
}

// Networks are in `networks`, storage pools and volumes in `storage`, secrets in `secrets`,
// network filters in `nwfilters`, node devices in `node_devices`, host interfaces in
// `interfaces`.
