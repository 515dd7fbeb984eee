//! libvirt's rules for a driver's list of domains (`virdomainobjlist.c`): which domains pass
//! the filter flags of `virConnectListAllDomains`, and when a new definition may join the
//! list. Every driver keeps its domains its own way and asks these two functions.

use uuid::Uuid;

use crate::{
    error::{Error, Result},
    flags,
    state::DomainState,
};

/// What the list filter looks at in one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFacts {
    /// The domain's state.
    pub state: DomainState,
    /// Whether it has a persistent definition.
    pub persistent: bool,
    /// Whether it has a managed save image.
    pub managed_save: bool,
    /// Whether it starts with the service.
    pub autostart: bool,
    /// Whether it has snapshots.
    pub has_snapshot: bool,
}

/// Whether a domain passes one pair of opposite filter flags: with neither or both set,
/// everything passes.
fn pair(flags: u32, yes: u32, no: u32, is: bool) -> bool {
    let (y, n) = (flags & yes != 0, flags & no != 0);
    y == n || (y && is) || (n && !is)
}

/// Whether a domain passes the filter flags of `virConnectListAllDomains` (and of the stats
/// calls, which share the first eight of them).
pub fn matches(dom: ListFacts, f: u32) -> bool {
    use flags::list::*;
    if !pair(f, ACTIVE, INACTIVE, dom.state.is_active())
        || !pair(f, PERSISTENT, TRANSIENT, dom.persistent)
        || !pair(f, MANAGEDSAVE, NO_MANAGEDSAVE, dom.managed_save)
        || !pair(f, AUTOSTART, NO_AUTOSTART, dom.autostart)
        || !pair(f, HAS_SNAPSHOT, NO_SNAPSHOT, dom.has_snapshot)
        || !pair(f, HAS_CHECKPOINT, NO_CHECKPOINT, false)
    {
        return false;
    }
    let states = f & (RUNNING | PAUSED | SHUTOFF | OTHER);
    if states != 0 {
        let bit = match dom.state {
            DomainState::Running => RUNNING,
            DomainState::Paused => PAUSED,
            DomainState::Shutoff => SHUTOFF,
            _ => OTHER,
        };
        if states & bit == 0 {
            return false;
        }
    }
    true
}

/// How a definition joins the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMode {
    /// `virDomainDefineXML`: becomes (or replaces) the persistent definition.
    Define,
    /// `virDomainCreateXML` / restore: a definition about to run.
    Live,
}

/// The domain already listed under the new definition's UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed<'a> {
    /// Its name.
    pub name: &'a str,
    /// Whether it runs.
    pub active: bool,
    /// Whether it has a persistent definition.
    pub persistent: bool,
}

/// `virDomainObjListAddLocked`'s checks: a UUID already used by a domain of another name, a
/// name already used by another UUID, and (to start a definition) a domain already running
/// or being started. `same_uuid` is the domain listed under `uuid`, `same_name` the UUID
/// listed under `name`.
pub fn check_add(
    name: &str,
    uuid: &Uuid,
    same_uuid: Option<Listed<'_>>,
    same_name: Option<Uuid>,
    mode: AddMode,
) -> Result<()> {
    if let Some(listed) = same_uuid {
        if listed.name != name {
            return Err(Error::OperationFailed(format!(
                "domain '{}' is already defined with uuid {uuid}",
                listed.name
            )));
        }
        if mode == AddMode::Live {
            if listed.active {
                return Err(Error::OperationInvalid(format!(
                    "domain '{}' is already active",
                    listed.name
                )));
            }
            if !listed.persistent {
                return Err(Error::OperationInvalid(format!(
                    "domain '{}' is already being started",
                    listed.name
                )));
            }
        }
    } else if let Some(other) = same_name {
        return Err(Error::OperationFailed(format!(
            "domain '{name}' already exists with uuid {other}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::list::*;

    fn facts(state: DomainState, persistent: bool) -> ListFacts {
        ListFacts {
            state,
            persistent,
            managed_save: false,
            autostart: false,
            has_snapshot: false,
        }
    }

    #[test]
    fn filters_pair_and_state_flags() {
        let running = facts(DomainState::Running, true);
        let off = facts(DomainState::Shutoff, false);
        assert!(matches(running, 0));
        assert!(matches(running, ACTIVE | INACTIVE));
        assert!(matches(running, ACTIVE) && !matches(off, ACTIVE));
        assert!(matches(off, TRANSIENT) && !matches(running, TRANSIENT));
        assert!(matches(running, RUNNING | SHUTOFF) && matches(off, RUNNING | SHUTOFF));
        assert!(!matches(running, PAUSED));
        assert!(matches(facts(DomainState::Crashed, true), OTHER));
        assert!(!matches(running, HAS_CHECKPOINT));
    }

    #[test]
    fn add_refuses_libvirts_collisions() {
        let u = Uuid::from_u128(1);
        let listed = |name, active, persistent| Listed {
            name,
            active,
            persistent,
        };
        assert!(check_add("a", &u, None, None, AddMode::Define).is_ok());
        assert_eq!(
            check_add(
                "b",
                &u,
                Some(listed("a", false, true)),
                None,
                AddMode::Define
            )
            .unwrap_err()
            .to_string(),
            format!("operation failed: domain 'a' is already defined with uuid {u}")
        );
        assert_eq!(
            check_add("a", &u, None, Some(Uuid::from_u128(2)), AddMode::Define)
                .unwrap_err()
                .to_string(),
            format!(
                "operation failed: domain 'a' already exists with uuid {}",
                Uuid::from_u128(2)
            )
        );
        assert!(check_add(
            "a",
            &u,
            Some(listed("a", true, true)),
            None,
            AddMode::Define
        )
        .is_ok());
        assert_eq!(
            check_add("a", &u, Some(listed("a", true, true)), None, AddMode::Live)
                .unwrap_err()
                .to_string(),
            "Requested operation is not valid: domain 'a' is already active"
        );
        assert_eq!(
            check_add(
                "a",
                &u,
                Some(listed("a", false, false)),
                None,
                AddMode::Live
            )
            .unwrap_err()
            .to_string(),
            "Requested operation is not valid: domain 'a' is already being started"
        );
    }
}
