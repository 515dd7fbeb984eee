//! Typed events with libvirt's event and detail codes, for every kind of object, and the
//! bounded channel drivers publish them on.
//!
//! A driver publishes an event only after it has released its own locks; the bus front has one
//! task that receives every event and turns it into signals, `PropertiesChanged` and object
//! registry updates. The channel is bounded ([`EVENT_QUEUE_CAPACITY`]): publishing never
//! blocks and never fails the driver, and what does not fit is counted and reported to the
//! receiver as [`Received::Lost`].

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use tokio::sync::mpsc::{self, error::TrySendError};
use uuid::Uuid;

pub use crate::object::ObjectId;
use crate::params::TypedParams;

/// `virDomainEventType`: the `event` argument of `DomainEvent(o,i,i)`.
pub mod lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const SUSPENDED: i32 = 3;
    pub const RESUMED: i32 = 4;
    pub const STOPPED: i32 = 5;
    pub const SHUTDOWN: i32 = 6;
    pub const PMSUSPENDED: i32 = 7;
    pub const CRASHED: i32 = 8;

    /// Details of DEFINED.
    pub mod defined {
        pub const ADDED: i32 = 0;
        pub const UPDATED: i32 = 1;
        pub const RENAMED: i32 = 2;
        pub const FROM_SNAPSHOT: i32 = 3;
    }
    /// Details of UNDEFINED.
    pub mod undefined {
        pub const REMOVED: i32 = 0;
        pub const RENAMED: i32 = 1;
    }
    /// Details of STARTED.
    pub mod started {
        pub const BOOTED: i32 = 0;
        pub const MIGRATED: i32 = 1;
        pub const RESTORED: i32 = 2;
        pub const FROM_SNAPSHOT: i32 = 3;
        pub const WAKEUP: i32 = 4;
    }
    /// Details of SUSPENDED.
    pub mod suspended {
        pub const PAUSED: i32 = 0;
        pub const MIGRATED: i32 = 1;
        pub const IOERROR: i32 = 2;
        pub const WATCHDOG: i32 = 3;
        pub const RESTORED: i32 = 4;
        pub const FROM_SNAPSHOT: i32 = 5;
        pub const API_ERROR: i32 = 6;
        pub const POSTCOPY: i32 = 7;
        pub const POSTCOPY_FAILED: i32 = 8;
    }
    /// Details of RESUMED.
    pub mod resumed {
        pub const UNPAUSED: i32 = 0;
        pub const MIGRATED: i32 = 1;
        pub const FROM_SNAPSHOT: i32 = 2;
        pub const POSTCOPY: i32 = 3;
        pub const POSTCOPY_FAILED: i32 = 4;
    }
    /// Details of STOPPED.
    pub mod stopped {
        pub const SHUTDOWN: i32 = 0;
        pub const DESTROYED: i32 = 1;
        pub const CRASHED: i32 = 2;
        pub const MIGRATED: i32 = 3;
        pub const SAVED: i32 = 4;
        pub const FAILED: i32 = 5;
        pub const FROM_SNAPSHOT: i32 = 6;
    }
    /// Details of SHUTDOWN.
    pub mod shutdown {
        pub const FINISHED: i32 = 0;
        pub const GUEST: i32 = 1;
        pub const HOST: i32 = 2;
    }
    /// Details of PMSUSPENDED.
    pub mod pmsuspended {
        pub const MEMORY: i32 = 0;
        pub const DISK: i32 = 1;
    }
    /// Details of CRASHED.
    pub mod crashed {
        pub const PANICKED: i32 = 0;
        pub const CRASHLOADED: i32 = 1;
    }
}

/// `virNetworkEventLifecycleType`: the `event` of `NetworkEvent(o,i)`. libvirt defines no
/// detail codes; the detail is 0.
pub mod network_lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const STOPPED: i32 = 3;
}

/// `virStoragePoolEventLifecycleType`: the `event` of `StoragePoolEvent(o,i,i)`. libvirt
/// defines no detail codes; the detail is 0.
pub mod storage_pool_lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const STOPPED: i32 = 3;
    pub const CREATED: i32 = 4;
    pub const DELETED: i32 = 5;
}

/// `virNodeDeviceEventLifecycleType`: the `event` of `NodeDeviceEvent(o,i,i)`. libvirt
/// defines no detail codes; the detail is 0.
pub mod node_device_lifecycle {
    pub const CREATED: i32 = 0;
    pub const DELETED: i32 = 1;
    pub const DEFINED: i32 = 2;
    pub const UNDEFINED: i32 = 3;
}

/// `virSecretEventLifecycleType`: the `event` of `SecretEvent(o,i,i)`. libvirt defines no
/// detail codes; the detail is 0.
pub mod secret_lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
}

/// One graphics endpoint of a `Graphics` event: (family, node, service).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphicsAddress {
    /// 0 IPv4, 1 IPv6, 2 UNIX.
    pub family: i32,
    pub node: String,
    pub service: String,
}

/// What happened to a domain. Each variant is one libvirt domain event id.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEventKind {
    /// VIR_DOMAIN_EVENT_ID_LIFECYCLE (0): see [`lifecycle`] for the codes.
    Lifecycle { event: i32, detail: i32 },
    /// REBOOT (1).
    Reboot,
    /// RTC_CHANGE (2): new offset from UTC in seconds.
    RtcChange { utcoffset: i64 },
    /// WATCHDOG (3).
    Watchdog { action: i32 },
    /// IO_ERROR_REASON (6).
    IoError {
        src_path: String,
        device: String,
        action: i32,
        reason: String,
    },
    /// GRAPHICS (5).
    Graphics {
        phase: i32,
        local: GraphicsAddress,
        remote: GraphicsAddress,
        auth_scheme: String,
        identities: Vec<(String, String)>,
    },
    /// CONTROL_ERROR (7).
    ControlError,
    /// BLOCK_JOB_2 (16): disk target, job type, status.
    BlockJob {
        disk: String,
        kind: i32,
        status: i32,
    },
    /// DISK_CHANGE (9).
    DiskChange {
        old_src_path: String,
        new_src_path: String,
        device: String,
        reason: i32,
    },
    /// TRAY_CHANGE (10).
    TrayChange { device: String, reason: i32 },
    /// PMWAKEUP (11).
    PmWakeup { reason: i32 },
    /// PMSUSPEND (12).
    PmSuspend { reason: i32 },
    /// BALLOON_CHANGE (13): actual memory in KiB.
    BalloonChange { actual: u64 },
    /// PMSUSPEND_DISK (14).
    PmSuspendDisk { reason: i32 },
    /// DEVICE_REMOVED (15): device alias.
    DeviceRemoved { device: String },
    /// TUNABLE (17).
    Tunable { params: TypedParams },
    /// AGENT_LIFECYCLE (18).
    AgentLifecycle { state: i32, reason: i32 },
    /// DEVICE_ADDED (19).
    DeviceAdded { device: String },
    /// MIGRATION_ITERATION (20).
    MigrationIteration { iteration: i32 },
    /// JOB_COMPLETED (21).
    JobCompleted { params: TypedParams },
    /// DEVICE_REMOVAL_FAILED (22).
    DeviceRemovalFailed { device: String },
    /// METADATA_CHANGE (23): metadata type and namespace URI ("" for title/description).
    MetadataChange { kind: i32, nsuri: String },
    /// BLOCK_THRESHOLD (24): writes to a disk went past the threshold set with
    /// virDomainSetBlockThreshold. `dev` is the disk target (or `target[index]`), `path` its
    /// source, `excess` how many bytes past the threshold the write that fired it reached.
    BlockThreshold {
        dev: String,
        path: String,
        threshold: u64,
        excess: u64,
    },
}

/// What happened to which domain.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    pub uuid: Uuid,
    pub kind: DomainEventKind,
}

/// What happened, to which object. Each lifecycle variant carries libvirt's event and detail
/// codes for its kind (see [`lifecycle`], [`network_lifecycle`], [`storage_pool_lifecycle`],
/// [`node_device_lifecycle`], [`secret_lifecycle`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An object now exists (defined, or transient and started), published before its
    /// lifecycle event so that the bus front can announce the object first.
    Added(ObjectId),
    /// An object is gone (undefined while inactive, or transient and stopped), published
    /// after its lifecycle event.
    Removed(ObjectId),
    /// Something happened to an existing domain.
    Domain(DomainEvent),
    /// A network lifecycle event (`VIR_NETWORK_EVENT_ID_LIFECYCLE`).
    Network { uuid: Uuid, event: i32, detail: i32 },
    /// A storage pool lifecycle event (`VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE`).
    StoragePool { uuid: Uuid, event: i32, detail: i32 },
    /// A storage pool was refreshed (`VIR_STORAGE_POOL_EVENT_ID_REFRESH`).
    StoragePoolRefresh(Uuid),
    /// A node device lifecycle event (`VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE`), by device name.
    NodeDevice {
        name: String,
        event: i32,
        detail: i32,
    },
    /// A secret lifecycle event (`VIR_SECRET_EVENT_ID_LIFECYCLE`).
    Secret { uuid: Uuid, event: i32, detail: i32 },
    /// Not a libvirt event: a property of the object (autostart, name, ...) may have changed
    /// without any of the events above. The bus front re-reads the properties.
    PropertiesMayHaveChanged(ObjectId),
}

/// How many events the channel of [`channel`] holds before it drops new ones.
pub const EVENT_QUEUE_CAPACITY: usize = 4096;

/// The sending side of a driver's event stream. Cheap to clone; sending never blocks and
/// never fails: an event that does not fit in the queue is dropped and counted, and the
/// receiver learns of it as [`Received::Lost`].
#[derive(Debug, Clone)]
pub struct EventSender {
    tx: mpsc::Sender<Event>,
    lost: Arc<AtomicU64>,
}

/// What [`EventReceiver::recv`] hands out.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// The next event, in the order the driver sent them.
    Event(Event),
    /// This many events were dropped because the queue was full. The receiver's picture of
    /// the driver's objects may be stale: it must re-read the driver's state.
    Lost(u64),
}

/// The receiving side of a driver's event stream, held by the bus front's fan-out task.
///
/// The queue holds at most its capacity ([`EVENT_QUEUE_CAPACITY`] for [`channel`]); events
/// sent while it is full are dropped and counted rather than blocking the driver or growing
/// memory without limit. As soon as some were dropped, the next [`recv`](Self::recv) (or
/// [`try_recv`](Self::try_recv)) returns [`Received::Lost`] with their number, once, before
/// any further queued event, and the count starts again at 0. The events that follow arrive
/// in the order they were sent, but the receiver cannot know what the lost ones said: on
/// `Lost` it must treat everything it knows of the driver's objects as possibly stale and
/// re-read the driver's state.
#[derive(Debug)]
pub struct EventReceiver {
    rx: mpsc::Receiver<Event>,
    lost: Arc<AtomicU64>,
    /// An event taken from the queue while a loss was still to be reported.
    pending: Option<Event>,
}

/// A new event channel holding up to [`EVENT_QUEUE_CAPACITY`] events.
pub fn channel() -> (EventSender, EventReceiver) {
    channel_with_capacity(EVENT_QUEUE_CAPACITY)
}

/// A new event channel holding up to `capacity` events (at least 1).
pub fn channel_with_capacity(capacity: usize) -> (EventSender, EventReceiver) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let lost = Arc::new(AtomicU64::new(0));
    (
        EventSender {
            tx,
            lost: Arc::clone(&lost),
        },
        EventReceiver {
            rx,
            lost,
            pending: None,
        },
    )
}

impl EventSender {
    /// Publishes an event, at once. A full queue drops it and counts it as lost; nobody
    /// listening is not an error either: the service may be shutting down.
    pub fn send(&self, event: Event) {
        match self.tx.try_send(event) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.lost.fetch_add(1, Ordering::Release);
            }
        }
    }

    /// Publishes that `id` now exists.
    pub fn added(&self, id: ObjectId) {
        self.send(Event::Added(id));
    }

    /// Publishes that `id` is gone.
    pub fn removed(&self, id: ObjectId) {
        self.send(Event::Removed(id));
    }

    /// Publishes that the properties of `id` may have changed.
    pub fn properties_may_have_changed(&self, id: ObjectId) {
        self.send(Event::PropertiesMayHaveChanged(id));
    }

    /// Publishes a domain event of `kind` for `uuid`.
    pub fn domain(&self, uuid: Uuid, kind: DomainEventKind) {
        self.send(Event::Domain(DomainEvent { uuid, kind }));
    }

    /// Publishes a domain lifecycle event.
    pub fn lifecycle(&self, uuid: Uuid, event: i32, detail: i32) {
        self.domain(uuid, DomainEventKind::Lifecycle { event, detail });
    }

    /// Publishes a network lifecycle event ([`network_lifecycle`]).
    pub fn network(&self, uuid: Uuid, event: i32, detail: i32) {
        self.send(Event::Network {
            uuid,
            event,
            detail,
        });
    }

    /// Publishes a storage pool lifecycle event ([`storage_pool_lifecycle`]).
    pub fn storage_pool(&self, uuid: Uuid, event: i32, detail: i32) {
        self.send(Event::StoragePool {
            uuid,
            event,
            detail,
        });
    }

    /// Publishes that storage pool `uuid` was refreshed.
    pub fn storage_pool_refresh(&self, uuid: Uuid) {
        self.send(Event::StoragePoolRefresh(uuid));
    }

    /// Publishes a node device lifecycle event ([`node_device_lifecycle`]).
    pub fn node_device(&self, name: impl Into<String>, event: i32, detail: i32) {
        self.send(Event::NodeDevice {
            name: name.into(),
            event,
            detail,
        });
    }

    /// Publishes a secret lifecycle event ([`secret_lifecycle`]).
    pub fn secret(&self, uuid: Uuid, event: i32, detail: i32) {
        self.send(Event::Secret {
            uuid,
            event,
            detail,
        });
    }
}

impl EventReceiver {
    /// The events lost since the last report, if any, taken (the count restarts at 0).
    fn take_lost(&self) -> Option<Received> {
        match self.lost.swap(0, Ordering::AcqRel) {
            0 => None,
            n => Some(Received::Lost(n)),
        }
    }

    /// `event` just taken from the queue, or the loss of events dropped before it was sent
    /// (`event` then waits for the next call): a drop that happened before a send is always
    /// reported before the event of that send.
    fn deliver(&mut self, event: Event) -> Received {
        match self.take_lost() {
            Some(lost) => {
                self.pending = Some(event);
                lost
            }
            None => Received::Event(event),
        }
    }

    /// The next thing to know: [`Received::Lost`] if events were dropped since the last
    /// call, else the next event, waiting for one. `None` once every sender is gone and
    /// everything has been received.
    pub async fn recv(&mut self) -> Option<Received> {
        if let Some(lost) = self.take_lost() {
            return Some(lost);
        }
        if let Some(event) = self.pending.take() {
            return Some(Received::Event(event));
        }
        match self.rx.recv().await {
            Some(event) => Some(self.deliver(event)),
            // Events dropped just before the last sender went are still reported.
            None => self.take_lost(),
        }
    }

    /// [`recv`](Self::recv) without waiting: `None` when nothing is queued and nothing was
    /// lost.
    pub fn try_recv(&mut self) -> Option<Received> {
        if let Some(lost) = self.take_lost() {
            return Some(lost);
        }
        if let Some(event) = self.pending.take() {
            return Some(Received::Event(event));
        }
        match self.rx.try_recv() {
            Ok(event) => Some(self.deliver(event)),
            Err(_) => self.take_lost(),
        }
    }

    /// How many events the queue holds at most.
    pub fn capacity(&self) -> usize {
        self.rx.max_capacity()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn added(n: u128) -> Event {
        Event::Added(ObjectId::Domain(Uuid::from_u128(n)))
    }

    /// Everything receivable now, without waiting.
    fn drain(rx: &mut EventReceiver) -> Vec<Received> {
        std::iter::from_fn(|| rx.try_recv()).collect()
    }

    #[test]
    fn a_full_queue_drops_and_counts_then_reports_once() {
        let (tx, mut rx) = channel_with_capacity(8);
        assert_eq!(rx.capacity(), 8);
        for n in 0..20 {
            tx.send(added(n));
            assert!(rx.rx.len() <= 8, "the queue holds at most its capacity");
        }
        assert_eq!(rx.rx.len(), 8);
        let got = drain(&mut rx);
        assert_eq!(got[0], Received::Lost(12), "exactly the dropped count");
        assert_eq!(
            got[1..],
            (0..8)
                .map(|n| Received::Event(added(n)))
                .collect::<Vec<_>>()[..],
            "the queued events, in order"
        );
        assert_eq!(got.len(), 9, "Lost is reported once");

        // The count restarted: what is sent now arrives in order, with no Lost.
        for n in 100..105 {
            tx.send(added(n));
        }
        assert_eq!(
            drain(&mut rx),
            (100..105)
                .map(|n| Received::Event(added(n)))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_loss_is_reported_before_the_events_sent_after_it() {
        let (tx, mut rx) = channel_with_capacity(2);
        tx.send(added(0));
        tx.send(added(1));
        tx.send(added(2)); // dropped
        assert_eq!(rx.try_recv(), Some(Received::Lost(1)));
        assert_eq!(rx.try_recv(), Some(Received::Event(added(0))));
        tx.send(added(3));
        tx.send(added(4)); // dropped: 1 and 3 are queued
                           // 1 was sent before the drop; the loss is reported before it is delivered.
        assert_eq!(rx.try_recv(), Some(Received::Lost(1)));
        assert_eq!(rx.try_recv(), Some(Received::Event(added(1))));
        assert_eq!(rx.try_recv(), Some(Received::Event(added(3))));
        assert_eq!(rx.try_recv(), None);
    }

    #[test]
    fn sending_on_a_full_queue_returns_at_once_without_a_runtime() {
        let (tx, rx) = channel_with_capacity(1);
        let start = Instant::now();
        let sender = std::thread::spawn(move || {
            for n in 0..10_000 {
                tx.send(added(n));
            }
        });
        sender.join().expect("the sender never panics");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "10,000 sends on a full queue took {:?}",
            start.elapsed()
        );
        assert_eq!(rx.lost.load(Ordering::Acquire), 9_999);
        drop(rx);
    }

    #[test]
    fn a_closed_channel_is_no_error_and_no_loss() {
        let (tx, rx) = channel_with_capacity(1);
        drop(rx);
        tx.send(added(0));
        tx.send(added(1));
    }

    #[test]
    fn recv_reports_loss_then_events_then_the_end() {
        let (tx, mut rx) = channel_with_capacity(2);
        for n in 0..5 {
            tx.send(added(n));
        }
        tx.removed(ObjectId::Network(Uuid::from_u128(9)));
        drop(tx);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let got = rt.block_on(async {
            let mut got = Vec::new();
            while let Some(r) = rx.recv().await {
                got.push(r);
            }
            got
        });
        assert_eq!(
            got,
            vec![
                Received::Lost(4),
                Received::Event(added(0)),
                Received::Event(added(1)),
            ]
        );
    }
}
