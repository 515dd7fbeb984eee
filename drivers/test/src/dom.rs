//! One domain of the test driver: its definitions, state and private runtime data, and the
//! rules that pick the definition a call acts on (libvirt's "modification impact").

use virtbus_core::{
    flags::affect,
    model::DomainDef,
    state::{valid_transition, DomainState, Operation, StateReason},
    Error, Result,
};

use crate::snapshots::Snapshots;

/// The test driver's private per-domain data, kept for the object's lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// Guest time (`virDomainGetTime`), also driving `virDomainGetControlInfo`.
    pub seconds: i64,
    pub nseconds: u32,
    /// Whether "/" and "/boot" are frozen (`virDomainFSFreeze`).
    pub frozen: [bool; 2],
}

impl Default for Runtime {
    fn default() -> Self {
        Self {
            seconds: 627_319_920,
            nseconds: 0,
            frozen: [false, false],
        }
    }
}

/// One domain: libvirt's `virDomainObj` for the test driver.
///
/// Tuning set through the parameter calls is part of each definition, so live and
/// persistent changes stay apart exactly as other fields of the definition do.
#[derive(Debug, Clone, PartialEq)]
pub struct Dom {
    /// The definition in force: the live one while active, the persistent one otherwise.
    pub cur: DomainDef,
    /// The next-boot definition while active (persistent domains only).
    pub next: Option<Box<DomainDef>>,
    pub state: StateReason,
    /// Hypervisor id while active, -1 otherwise.
    pub id: i32,
    pub persistent: bool,
    pub autostart: bool,
    pub managed_save: bool,
    pub rt: Runtime,
    /// The snapshots, once the domain has had one.
    pub snapshots: Option<Box<Snapshots>>,
}

impl Dom {
    /// A new inactive domain for `def`.
    pub fn new(def: DomainDef, persistent: bool) -> Self {
        Self {
            cur: def,
            next: None,
            state: StateReason::defined(),
            id: -1,
            persistent,
            autostart: false,
            managed_save: false,
            rt: Runtime::default(),
            snapshots: None,
        }
    }

    /// The domain's name.
    pub fn name(&self) -> &str {
        &self.cur.name
    }

    /// How many snapshots the domain has.
    pub fn snapshot_count(&self) -> usize {
        self.snapshots.as_ref().map_or(0, |s| s.len())
    }

    /// The names of all the domain's snapshots.
    pub fn snapshot_names(&self) -> Vec<String> {
        self.snapshots
            .as_ref()
            .map(|s| s.descendants(None))
            .unwrap_or_default()
    }

    /// Whether the domain has any snapshot.
    pub fn has_snapshots(&self) -> bool {
        self.snapshots.as_ref().is_some_and(|s| !s.is_empty())
    }

    /// Whether the domain is active.
    pub fn is_active(&self) -> bool {
        self.state.state.is_active()
    }

    /// Fails with "domain is not running" unless the domain is active.
    pub fn check_active(&self) -> Result<()> {
        if self.is_active() {
            Ok(())
        } else {
            Err(Error::not_running())
        }
    }

    /// Fails with libvirt's error unless the domain's state allows `op`
    /// ([`virtbus_core::state::valid_transition`]).
    pub fn allows(&self, op: Operation) -> Result<()> {
        valid_transition(op, self.state.state, self.name())
    }

    /// Whether the state is exactly RUNNING.
    pub fn is_running(&self) -> bool {
        self.state.state == DomainState::Running
    }

    /// Resolves AFFECT_CURRENT and checks the request against the domain, as libvirt's
    /// `virDomainObjUpdateModificationImpact`. Returns (live, config).
    pub fn impact(&self, flags: u32) -> Result<(bool, bool)> {
        affect::impact(flags, self.is_active(), self.persistent)
    }

    /// The one definition a getter or single-definition setter acts on, as libvirt's
    /// `virDomainObjGetOneDefState`; the flag says whether it is the live one.
    pub fn one_def(&self, flags: u32) -> Result<(&DomainDef, bool)> {
        let Some(live) = self.one_def_pick(flags)? else {
            let next = self.next.as_deref();
            return Ok((next.ok_or_else(Error::no_persistent_config)?, false));
        };
        Ok((&self.cur, live))
    }

    /// Mutable form of [`Dom::one_def`].
    pub fn one_def_mut(&mut self, flags: u32) -> Result<(&mut DomainDef, bool)> {
        let Some(live) = self.one_def_pick(flags)? else {
            let next = self.next.as_deref_mut();
            return Ok((next.ok_or_else(Error::no_persistent_config)?, false));
        };
        Ok((&mut self.cur, live))
    }

    /// Which definition [`Dom::one_def`] picks: `None` for the persistent one kept beside the
    /// running definition, else `Some(live)` for the current one.
    fn one_def_pick(&self, flags: u32) -> Result<Option<bool>> {
        affect::check_exclusive(flags)?;
        let (live, config) = self.impact(flags)?;
        Ok(if self.is_active() && config {
            None
        } else {
            Some(live)
        })
    }

    /// The live and persistent definitions a two-sided setter acts on, as libvirt's
    /// `virDomainObjGetDefs`: either may be absent, never both.
    pub fn defs_mut(
        &mut self,
        flags: u32,
    ) -> Result<(Option<&mut DomainDef>, Option<&mut DomainDef>)> {
        let (live, config) = self.impact(flags)?;
        if self.is_active() {
            let live_conf = if live { Some(&mut self.cur) } else { None };
            let persistent = if config {
                Some(
                    self.next
                        .as_deref_mut()
                        .ok_or_else(Error::no_persistent_config)?,
                )
            } else {
                None
            };
            Ok((live_conf, persistent))
        } else {
            Ok((None, Some(&mut self.cur)))
        }
    }
}
