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
    Start,
    Suspend,
    Resume,
    Shutdown,
    Reboot,
    Reset,
    Destroy,
    Save,
    PmWakeup,
}

/// Checks that `op` is allowed from `from`, with the wording of libvirt's test driver.
///
/// `name` is the domain name, used in the messages that carry it.
pub fn valid_transition(op: Operation, from: DomainState, name: &str) -> Result<()> {
    use DomainState::*;
    let active = from.is_active();
    match op {
        Operation::Start if active => Err(Error::Internal(format!(
            "Domain '{name}' is already running"
        ))),
        Operation::Start => Ok(()),
        Operation::Suspend => match from {
            Running | Blocked => Ok(()),
            PmSuspended => Err(Error::OperationInvalid("domain is pmsuspended".to_owned())),
            _ => Err(Error::Internal(format!("domain '{name}' not running"))),
        },
        Operation::Resume => match from {
            Paused => Ok(()),
            _ => Err(Error::Internal(format!("domain '{name}' not paused"))),
        },
        Operation::Shutdown => match from {
            Running | Blocked | Paused | Crashed => Ok(()),
            _ => Err(Error::Internal(format!("domain '{name}' not running"))),
        },
        Operation::PmWakeup => match from {
            PmSuspended => Ok(()),
            _ => Err(Error::OperationInvalid(
                "domain is not suspended".to_owned(),
            )),
        },
        Operation::Reboot | Operation::Reset | Operation::Destroy | Operation::Save => {
            if active {
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

    #[test]
    fn only_active_domains_stop() {
        for op in [
            Operation::Destroy,
            Operation::Reboot,
            Operation::Reset,
            Operation::Save,
        ] {
            assert!(valid_transition(op, DomainState::Running, "d").is_ok());
            assert_eq!(
                valid_transition(op, DomainState::Shutoff, "d").unwrap_err(),
                Error::not_running()
            );
        }
    }

    #[test]
    fn suspend_and_resume_follow_the_test_driver() {
        assert!(valid_transition(Operation::Suspend, DomainState::Running, "d").is_ok());
        assert_eq!(
            valid_transition(Operation::Suspend, DomainState::Paused, "d")
                .unwrap_err()
                .to_string(),
            "internal error: domain 'd' not running"
        );
        assert!(valid_transition(Operation::Resume, DomainState::Paused, "d").is_ok());
        assert_eq!(
            valid_transition(Operation::Resume, DomainState::Running, "d")
                .unwrap_err()
                .to_string(),
            "internal error: domain 'd' not paused"
        );
    }

    #[test]
    fn start_needs_an_inactive_domain() {
        assert!(valid_transition(Operation::Start, DomainState::Shutoff, "d").is_ok());
        assert!(valid_transition(Operation::Start, DomainState::Paused, "d").is_err());
    }
}
