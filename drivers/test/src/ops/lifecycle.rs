//! Starting, stopping, pausing and undefining domains, with the test driver's states,
//! events and texts.

use uuid::Uuid;
use virtbus_core::{
    event::{lifecycle, Event, ObjectId},
    flags::{self, check_flags},
    model::{DomainDef, LifecycleAction},
    state::{paused, running, shutoff, DomainState, Operation, StateReason},
    Error, Result,
};

use crate::{
    store::{lifecycle_event, removed_events, Store},
    TestDriver,
};

/// What the guest does on a power-off or reboot request, per its `on_*` action.
fn act(
    store: &mut Store,
    uuid: &Uuid,
    action: LifecycleAction,
    events: &mut Vec<Event>,
) -> Result<()> {
    match action {
        LifecycleAction::Restart | LifecycleAction::RenameRestart => {
            store.get_mut(uuid)?.state = StateReason::new(DomainState::Running, running::BOOTED);
            Ok(())
        }
        _ => store.stop_with_event(
            uuid,
            shutoff::SHUTDOWN,
            lifecycle::stopped::SHUTDOWN,
            events,
        ),
    }
}

impl TestDriver {
    /// virDomainCreateWithFlags.
    pub(crate) fn op_create(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainCreateWithFlags")?;
        self.with(|store, events| {
            store.get(uuid)?.allows(Operation::Start)?;
            store.start(uuid, running::BOOTED)?;
            events.push(lifecycle_event(
                *uuid,
                lifecycle::STARTED,
                lifecycle::started::BOOTED,
            ));
            Ok(())
        })
    }

    /// virDomainDestroyFlags.
    pub(crate) fn op_destroy(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, flags::DESTROY_GRACEFUL, "testDomainDestroyFlags")?;
        self.with(|store, events| {
            store.get(uuid)?.allows(Operation::Destroy)?;
            store.stop_with_event(
                uuid,
                shutoff::DESTROYED,
                lifecycle::stopped::DESTROYED,
                events,
            )
        })
    }

    /// virDomainShutdownFlags: the guest's `on_poweroff` action decides what happens.
    pub(crate) fn op_shutdown(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainShutdownFlags")?;
        self.guest_request(uuid, Operation::Shutdown, |def| def.on_poweroff)
    }

    /// virDomainReboot: the guest's `on_reboot` action decides what happens.
    pub(crate) fn op_reboot(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, flags::REBOOT_ALL, "testDomainReboot")?;
        self.guest_request(uuid, Operation::Reboot, |def| def.on_reboot)
    }

    /// virDomainReset: nothing changes, the domain only has to be active.
    pub(crate) fn op_reset(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainReset")?;
        self.read(|store| store.get(uuid)?.allows(Operation::Reset))
    }

    /// virDomainSuspend.
    pub(crate) fn op_suspend(&self, uuid: &Uuid) -> Result<()> {
        self.change_state(
            uuid,
            Operation::Suspend,
            StateReason::new(DomainState::Paused, paused::USER),
            (lifecycle::SUSPENDED, lifecycle::suspended::PAUSED),
        )
    }

    /// virDomainResume.
    pub(crate) fn op_resume(&self, uuid: &Uuid) -> Result<()> {
        self.change_state(
            uuid,
            Operation::Resume,
            StateReason::new(DomainState::Running, running::UNPAUSED),
            (lifecycle::RESUMED, lifecycle::resumed::UNPAUSED),
        )
    }

    /// A power-off or reboot request, if the state allows `op`: the guest carries out the
    /// action `action` reads from its running definition.
    fn guest_request(
        &self,
        uuid: &Uuid,
        op: Operation,
        action: fn(&DomainDef) -> LifecycleAction,
    ) -> Result<()> {
        self.with(|store, events| {
            let dom = store.get(uuid)?;
            dom.allows(op)?;
            let action = action(&dom.cur);
            act(store, uuid, action, events)
        })
    }

    /// Puts the domain in `state` if its present state allows `op`, with the lifecycle
    /// event (`event`, `detail`).
    fn change_state(
        &self,
        uuid: &Uuid,
        op: Operation,
        state: StateReason,
        (event, detail): (i32, i32),
    ) -> Result<()> {
        self.with(|store, events| {
            let dom = store.get_mut(uuid)?;
            dom.allows(op)?;
            dom.state = state;
            events.push(lifecycle_event(*uuid, event, detail));
            Ok(())
        })
    }

    /// virDomainUndefineFlags: an inactive domain disappears (with its snapshots, which
    /// VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA must then allow), an active one becomes
    /// transient and keeps running.
    pub(crate) fn op_undefine(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(
            flags,
            flags::undefine::MANAGED_SAVE | flags::undefine::SNAPSHOTS_METADATA,
            "testDomainUndefineFlags",
        )?;
        self.with(|store, events| {
            let dom = store.get_mut(uuid)?;
            if dom.managed_save && flags & flags::undefine::MANAGED_SAVE == 0 {
                return Err(Error::OperationInvalid(
                    "Refusing to undefine while domain managed save image exists".to_owned(),
                ));
            }
            let snapshots = dom.snapshot_count();
            if !dom.is_active() && snapshots > 0 && flags & flags::undefine::SNAPSHOTS_METADATA == 0
            {
                return Err(Error::OperationInvalid(format!(
                    "cannot delete inactive domain with {snapshots} snapshots"
                )));
            }
            dom.managed_save = false;
            events.push(lifecycle_event(
                *uuid,
                lifecycle::UNDEFINED,
                lifecycle::undefined::REMOVED,
            ));
            if dom.is_active() {
                dom.persistent = false;
                dom.next = None;
            } else {
                let snapshots = dom.snapshot_names();
                store.remove(uuid);
                removed_events(uuid, snapshots, events);
            }
            Ok(())
        })
    }

    /// virDomainRename: only for an inactive persistent domain.
    pub(crate) fn op_rename(&self, uuid: &Uuid, new_name: &str, flags: u32) -> Result<()> {
        if new_name.is_empty() {
            return Err(Error::InvalidArgBare(
                "string new_name in virDomainRename must not be empty".to_owned(),
            ));
        }
        check_flags(flags, 0, "testDomainRename")?;
        self.with(|store, events| {
            let dom = store.get(uuid)?;
            dom.allows(Operation::Rename)?;
            if !dom.persistent {
                return Err(Error::OperationInvalid(
                    "cannot rename a transient domain".to_owned(),
                ));
            }
            if dom.name() == new_name {
                return Err(Error::OperationInvalid(
                    "Can't rename domain to itself".to_owned(),
                ));
            }
            if store.by_name(new_name).is_some() {
                return Err(Error::OperationInvalid(format!(
                    "domain with name '{new_name}' already exists"
                )));
            }
            if new_name.contains('/') {
                return Err(Error::Xml(format!("name {new_name} cannot contain '/'")));
            }
            store.rename(uuid, new_name)?;
            events.push(lifecycle_event(
                *uuid,
                lifecycle::UNDEFINED,
                lifecycle::undefined::RENAMED,
            ));
            events.push(lifecycle_event(
                *uuid,
                lifecycle::DEFINED,
                lifecycle::defined::RENAMED,
            ));
            Ok(())
        })
    }

    /// virDomainSetAutostart: no check at all in the test driver.
    pub(crate) fn op_set_autostart(&self, uuid: &Uuid, autostart: bool) -> Result<()> {
        self.with(|store, events| {
            let dom = store.get_mut(uuid)?;
            if dom.autostart != autostart {
                dom.autostart = autostart;
                events.push(Event::PropertiesMayHaveChanged(ObjectId::Domain(*uuid)));
            }
            Ok(())
        })
    }
}
