//! Typed domain events with libvirt's event and detail codes, and the channel drivers publish
//! them on.
//!
//! A driver publishes an event only after it has released its own locks; the bus front has one
//! task that receives every event and turns it into signals, `PropertiesChanged` and object
//! registry updates.

use tokio::sync::mpsc;
use uuid::Uuid;

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
    /// Not a libvirt event: a property of the domain (autostart, name, ...) may have changed
    /// without any of the events above. The bus front re-reads the properties.
    PropertiesMayHaveChanged,
}

/// What happened to which domain.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    pub uuid: Uuid,
    pub kind: DomainEventKind,
}

/// Changes to the set of objects a driver exposes, so the bus front can add and remove objects
/// before (define, create) or after (undefine, transient stop) the lifecycle event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A domain now exists (defined, or transient and started).
    DomainAdded(Uuid),
    /// A domain is gone (undefined while inactive, or transient and stopped).
    DomainRemoved(Uuid),
    /// Something happened to an existing domain.
    Domain(DomainEvent),
}

/// The sending side of a driver's event stream. Cheap to clone; sending never blocks.
#[derive(Debug, Clone)]
pub struct EventSender(mpsc::UnboundedSender<Event>);

/// The receiving side, held by the bus front's fan-out task.
pub type EventReceiver = mpsc::UnboundedReceiver<Event>;

/// A new event channel.
pub fn channel() -> (EventSender, EventReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    (EventSender(tx), rx)
}

impl EventSender {
    /// Publishes an event. Nobody listening is not an error: the service may be shutting down.
    pub fn send(&self, event: Event) {
        let _ = self.0.send(event);
    }

    /// Publishes a domain event of `kind` for `uuid`.
    pub fn domain(&self, uuid: Uuid, kind: DomainEventKind) {
        self.send(Event::Domain(DomainEvent { uuid, kind }));
    }

    /// Publishes a lifecycle event.
    pub fn lifecycle(&self, uuid: Uuid, event: i32, detail: i32) {
        self.domain(uuid, DomainEventKind::Lifecycle { event, detail });
    }
}
