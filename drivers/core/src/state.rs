//! Domain states, their reasons, and the transition rules every driver shares.
//!
//! The numbers are libvirt's (`virDomainState` and the per-state reason enums), because they
//! travel unchanged over the bus in `Domain.GetState`.

use crate::error::{Error, Result};

/// `virDomainState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum DomainState {
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PmSuspended = 7,
}

impl DomainState {
    /// Whether a domain in this state is active (has a running hypervisor process).
    pub fn is_active(self) -> bool {
        !matches!(self, DomainState::Shutoff | DomainState::NoState)
    }
}

/// `virDomainRunningReason` values.
pub mod running {
    pub const UNKNOWN: i32 = 0;
    pub const BOOTED: i32 = 1;
    pub const MIGRATED: i32 = 2;
    pub const RESTORED: i32 = 3;
    pub const FROM_SNAPSHOT: i32 = 4;
    pub const UNPAUSED: i32 = 5;
    pub const MIGRATION_CANCELED: i32 = 6;
    pub const SAVE_CANCELED: i32 = 7;
    pub const WAKEUP: i32 = 8;
    pub const CRASHED: i32 = 9;
}

/// `virDomainPausedReason` values.
pub mod paused {
    pub const UNKNOWN: i32 = 0;
    pub const USER: i32 = 1;
    pub const MIGRATION: i32 = 2;
    pub const SAVE: i32 = 3;
    pub const DUMP: i32 = 4;
    pub const IOERROR: i32 = 5;
    pub const WATCHDOG: i32 = 6;
    pub const FROM_SNAPSHOT: i32 = 7;
    pub const SHUTTING_DOWN: i32 = 8;
    pub const SNAPSHOT: i32 = 9;
    pub const CRASHED: i32 = 10;
    pub const STARTING_UP: i32 = 11;
}

/// `virDomainShutoffReason` values.
pub mod shutoff {
    pub const UNKNOWN: i32 = 0;
    pub const SHUTDOWN: i32 = 1;
    pub const DESTROYED: i32 = 2;
    pub const CRASHED: i32 = 3;
    pub const MIGRATED: i32 = 4;
    pub const SAVED: i32 = 5;
    pub const FAILED: i32 = 6;
    pub const FROM_SNAPSHOT: i32 = 7;
    pub const DAEMON: i32 = 8;
}

/// `virDomainCrashedReason` values.
pub mod crashed {
    pub const UNKNOWN: i32 = 0;
    pub const PANICKED: i32 = 1;
}

/// `virDomainShutdownReason` values.
pub mod shutdown {
    pub const UNKNOWN: i32 = 0;
    pub const USER: i32 = 1;
}

/// `virDomainPMSuspendedReason` values.
pub mod pmsuspended {
    pub const UNKNOWN: i32 = 0;
}

/// A state together with its reason, as `virDomainGetState` returns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateReason {
    pub state: DomainState,
    pub reason: i32,
}

impl StateReason {
    pub const fn new(state: DomainState, reason: i32) -> Self {
        Self { state, reason }
    }

    /// Defined but never started: SHUTOFF/UNKNOWN.
    pub const fn defined() -> Self {
        Self::new(DomainState::Shutoff, shutoff::UNKNOWN)
    }
}

/// An operation that moves a domain between states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// virDomainCreate: boot an inactive domain.
    Start,
    /// virDomainSuspend.
    Suspend,
    /// virDomainResume.
    Resume,
    /// virDomainShutdown: ask the guest to power off.
    Shutdown,
    /// virDomainReboot.
    Reboot,
    /// virDomainReset.
    Reset,
    /// virDomainDestroy.
    Destroy,
    /// virDomainSave and virDomainManagedSave.
    Save,
    /// virDomainCoreDump.
    CoreDump,
    /// virDomainRename: only a domain that is shut off.
    Rename,
}

/// Checks that `op` is allowed from `from`, with the wording of libvirt's test driver.
///
/// `name` is the domain name, used in the messages that carry it.
pub fn valid_transition(op: Operation, from: DomainState, name: &str) -> Result<()> {
    use DomainState::*;
    let not_running = || Error::Internal(format!("domain '{name}' not running"));
    match op {
        Operation::Start => match from {
            Shutoff => Ok(()),
            _ => Err(Error::Internal(format!(
                "Domain '{name}' is already running"
            ))),
        },
        Operation::Suspend => match from {
            Shutoff | Paused => Err(not_running()),
            _ => Ok(()),
        },
        Operation::Resume => match from {
            Paused => Ok(()),
            _ => Err(Error::Internal(format!("domain '{name}' not paused"))),
        },
        Operation::Shutdown => match from {
            Shutoff => Err(not_running()),
            _ => Ok(()),
        },
        Operation::Rename => match from {
            Shutoff => Ok(()),
            NoState => Err(Error::OperationInvalid(
                "domain has to be shutoff before renaming".to_owned(),
            )),
            _ => Err(Error::OperationInvalid(
                "cannot rename active domain".to_owned(),
            )),
        },
        Operation::Reboot
        | Operation::Reset
        | Operation::Destroy
        | Operation::Save
        | Operation::CoreDump => {
            if from.is_active() {
                Ok(())
            } else {
                Err(Error::not_running())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "";
    const ALREADY: &str = "internal error: Domain 'd' is already running";
    const NOT_RUNNING: &str = "internal error: domain 'd' not running";
    const NOT_PAUSED: &str = "internal error: domain 'd' not paused";
    const INACTIVE: &str = "Requested operation is not valid: domain is not running";
    const RENAME_ACTIVE: &str = "Requested operation is not valid: cannot rename active domain";
    const RENAME_NOT_SHUTOFF: &str =
        "Requested operation is not valid: domain has to be shutoff before renaming";

    /// Every state, in `virDomainState` order.
    const STATES: [DomainState; 8] = [
        DomainState::NoState,
        DomainState::Running,
        DomainState::Blocked,
        DomainState::Paused,
        DomainState::Shutdown,
        DomainState::Shutoff,
        DomainState::Crashed,
        DomainState::PmSuspended,
    ];

    /// What each operation answers from each state of [`STATES`]: "" when allowed, else the
    /// exact error text.
    fn expected(op: Operation) -> [&'static str; 8] {
        match op {
            // In STATES order: NoState, Running, Blocked, Paused, Shutdown, Shutoff, Crashed,
            // PmSuspended.
            Operation::Start => [
                ALREADY, ALREADY, ALREADY, ALREADY, ALREADY, OK, ALREADY, ALREADY,
            ],
            Operation::Suspend => [OK, OK, OK, NOT_RUNNING, OK, NOT_RUNNING, OK, OK],
            Operation::Resume => [
                NOT_PAUSED, NOT_PAUSED, NOT_PAUSED, OK, NOT_PAUSED, NOT_PAUSED, NOT_PAUSED,
                NOT_PAUSED,
            ],
            Operation::Shutdown => [OK, OK, OK, OK, OK, NOT_RUNNING, OK, OK],
            Operation::Rename => [
                RENAME_NOT_SHUTOFF,
                RENAME_ACTIVE,
                RENAME_ACTIVE,
                RENAME_ACTIVE,
                RENAME_ACTIVE,
                OK,
                RENAME_ACTIVE,
                RENAME_ACTIVE,
            ],
            Operation::Reboot
            | Operation::Reset
            | Operation::Destroy
            | Operation::Save
            | Operation::CoreDump => [INACTIVE, OK, OK, OK, OK, INACTIVE, OK, OK],
        }
    }

    #[test]
    fn every_operation_from_every_state() {
        for op in [
            Operation::Start,
            Operation::Suspend,
            Operation::Resume,
            Operation::Shutdown,
            Operation::Reboot,
            Operation::Reset,
            Operation::Destroy,
            Operation::Save,
            Operation::CoreDump,
            Operation::Rename,
        ] {
            for (state, want) in STATES.into_iter().zip(expected(op)) {
                let got = match valid_transition(op, state, "d") {
                    Ok(()) => String::new(),
                    Err(e) => e.to_string(),
                };
                assert_eq!(got, want, "{op:?} from {state:?}");
            }
        }
    }
}
