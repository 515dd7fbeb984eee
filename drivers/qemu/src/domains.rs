//! The driver's domains in memory: one [`Slot`] per domain, found by UUID or name.
//!
//! A slot has two locks. `job` (async) serializes the API calls that change one domain, as
//! libvirt's domain jobs do, and is held across monitor commands; `obj` (a plain mutex) guards
//! the domain's data and is never held across an `.await`, so the supervisor of a running
//! guest can always apply a monitor event, even while a job waits on QEMU.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use uuid::Uuid;
use virtbus_core::{
    domain_list::{check_add, AddMode, ListFacts, Listed},
    driver::DomainSummary,
    model::DomainDef,
    state::StateReason,
    Error, Result,
};

use crate::{
    monitor_events::{Lifecycle, RunningDisk},
    process::Emulator,
    qmp::Qmp,
};

/// A running guest: its emulator, monitor and live definition.
#[derive(Debug)]
pub struct Run {
    /// The domain id (`virDomainGetID`).
    pub id: i32,
    /// The live definition.
    pub live: DomainDef,
    /// The emulator process.
    pub emulator: Emulator,
    /// The monitor; `None` once it failed (the guest runs on, uncontrollable).
    pub monitor: Option<Qmp>,
    /// The state machine QMP events drive.
    pub lifecycle: Lifecycle,
    /// The disks as the command line named them, for events.
    pub disks: Vec<RunningDisk>,
    /// Becomes true once the supervisor has applied the monitor's last event.
    pub drained: tokio::sync::watch::Receiver<bool>,
    /// The open console sessions; they end with the guest.
    pub consoles: crate::console::Consoles,
}

/// One domain.
#[derive(Debug)]
pub struct Dom {
    /// The persistent definition, or the definition of a transient domain.
    pub def: DomainDef,
    /// Whether the definition is on disk.
    pub persistent: bool,
    /// Whether the domain starts with the service.
    pub autostart: bool,
    /// Whether a managed save image waits for the next start.
    pub managed_save: bool,
    /// The state while the domain does not run.
    pub inactive_state: StateReason,
    /// The guest, while it runs.
    pub run: Option<Run>,
}

impl Dom {
    /// A domain that does not run.
    pub fn new(def: DomainDef, persistent: bool) -> Self {
        Self {
            def,
            persistent,
            autostart: false,
            managed_save: false,
            inactive_state: StateReason::defined(),
            run: None,
        }
    }

    /// The state and its reason.
    pub fn state(&self) -> StateReason {
        self.run
            .as_ref()
            .map_or(self.inactive_state, |run| run.lifecycle.state)
    }

    /// Whether the guest runs.
    pub fn is_active(&self) -> bool {
        self.run.is_some()
    }

    /// The running guest, or libvirt's "domain is not running".
    pub fn running(&mut self) -> Result<&mut Run> {
        self.run.as_mut().ok_or_else(Error::not_running)
    }

    /// The monitor of the running guest; "domain is not running" or, after a monitor
    /// failure, libvirt's error for a guest it can no longer control.
    pub fn monitor(&mut self) -> Result<Qmp> {
        self.running()?.monitor.clone().ok_or_else(|| {
            Error::OperationFailed("the monitor of this domain has failed".to_owned())
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// What the list filters look at.
    pub fn list_facts(&self) -> ListFacts {
        ListFacts {
            state: self.state().state,
            persistent: self.persistent,
            managed_save: self.managed_save,
            autostart: self.autostart,
            has_snapshot: false,
        }
    }

    /// The summary the bus front lists and reads properties from.
    pub fn summary(&self) -> DomainSummary {
        DomainSummary {
            uuid: self.def.uuid,
            name: self.def.name.to_string(),
            id: self.run.as_ref().map_or(-1, |run| run.id),
            state: self.state(),
            persistent: self.persistent,
            autostart: self.autostart,
            updated: false,
            os_type: self.def.os.os_type.to_string(),
            has_managed_save: self.managed_save,
        }
    }
}

/// A domain and its two locks.
#[derive(Debug)]
pub struct Slot {
    /// Held by an API call for the whole of its work on the domain.
    pub job: tokio::sync::Mutex<()>,
    obj: Mutex<Dom>,
}

impl Slot {
    /// A slot holding `dom`.
    pub fn new(dom: Dom) -> Arc<Self> {
        Arc::new(Self {
            job: tokio::sync::Mutex::new(()),
            obj: Mutex::new(dom),
        })
    }

    /// The domain's data; never hold it across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, Dom> {
        self.obj.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every domain, by UUID and by name.
#[derive(Debug, Default)]
pub struct Domains {
    by_uuid: HashMap<Uuid, Arc<Slot>>,
    by_name: HashMap<String, Uuid>,
}

impl Domains {
    /// The slot of `uuid`, or libvirt's "no domain with matching uuid".
    pub fn get(&self, uuid: &Uuid) -> Result<Arc<Slot>> {
        self.by_uuid
            .get(uuid)
            .cloned()
            .ok_or_else(|| Error::NoDomain(format!("no domain with matching uuid '{uuid}'")))
    }

    /// The UUID of the domain called `name`.
    pub fn uuid_of(&self, name: &str) -> Result<Uuid> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| Error::no_domain_name(name))
    }

    /// Every slot.
    pub fn slots(&self) -> Vec<Arc<Slot>> {
        self.by_uuid.values().cloned().collect()
    }

    /// libvirt's checks before `def` joins the list (see [`check_add`]); the existing slot
    /// under the same UUID, if any.
    pub fn check(&self, def: &DomainDef, mode: AddMode) -> Result<Option<Arc<Slot>>> {
        let existing = self.by_uuid.get(&def.uuid).cloned();
        let facts = existing.as_ref().map(|slot| {
            let dom = slot.lock();
            (dom.name().to_owned(), dom.is_active(), dom.persistent)
        });
        check_add(
            &def.name,
            &def.uuid,
            facts.as_ref().map(|(name, active, persistent)| Listed {
                name,
                active: *active,
                persistent: *persistent,
            }),
            self.by_name.get(&*def.name).copied(),
            mode,
        )?;
        Ok(existing)
    }

    /// Adds a new domain (after [`Domains::check`]).
    pub fn insert(&mut self, dom: Dom) -> Arc<Slot> {
        let uuid = dom.def.uuid;
        self.by_name.insert(dom.def.name.to_string(), uuid);
        let slot = Slot::new(dom);
        self.by_uuid.insert(uuid, Arc::clone(&slot));
        slot
    }

    /// Removes the domain `uuid` called `name`.
    pub fn remove(&mut self, uuid: &Uuid, name: &str) {
        self.by_uuid.remove(uuid);
        if self.by_name.get(name) == Some(uuid) {
            self.by_name.remove(name);
        }
    }

    /// The domain with id `id`.
    pub fn by_id(&self, id: i32) -> Option<Uuid> {
        self.by_uuid.iter().find_map(|(uuid, slot)| {
            let dom = slot.lock();
            (dom.run.as_ref().map(|r| r.id) == Some(id)).then_some(*uuid)
        })
    }
}
