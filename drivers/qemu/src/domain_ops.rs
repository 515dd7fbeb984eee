//! `DomainDriver` for the QEMU connection: definitions, lookups and listings, and every
//! lifecycle call, with the rules of libvirt's qemu driver (`qemu_driver.c`). Calls the
//! driver does not implement yet keep the trait's "not supported by the connection driver".

use std::{path::Path, sync::Arc};

use async_trait::async_trait;
use serde_json::json;
use uuid::Uuid;
use virtbus_core::{
    args,
    domain_list::{self, AddMode},
    driver::{DomainDriver, DomainSummary},
    event::{lifecycle, DomainEvent, DomainEventKind, Event, ObjectId},
    flags::{self, check_flags},
    model::DomainDef,
    params::TypedParams,
    state::{paused, running, DomainState, StateReason},
    xml::{format_domain, parse_domain_with, FormatOptions, ParseOptions},
    Error, Result,
};

use crate::{
    command_line::defaults,
    domains::{Dom, Slot},
    driver::{Inner, QemuDriver},
    guest::{self, apply_locally, check_startable, restarts},
    monitor_events::MonitorEvent,
    saving, stats, stats_ops,
};

/// The domain types this driver runs.
const DOMAIN_TYPES: [&str; 2] = ["qemu", "kvm"];

/// Parses a definition for this driver: libvirt's parser, then the qemu driver's own
/// checks (virtualization type, the emulator, every element the command line needs).
pub(crate) async fn parse_for_qemu(inner: &Inner, xml: &str, validate: bool) -> Result<DomainDef> {
    let opts = ParseOptions {
        validate,
        ..ParseOptions::default()
    };
    // Device kinds the model does not keep are refused before they could be dropped.
    defaults::refuse_unmodelled_devices(xml)?;
    let mut def = parse_domain_with(xml, &opts)?;
    crate::store::check_file_name(&def.name)?;
    if !DOMAIN_TYPES.contains(&&*def.domain_type) {
        return Err(Error::ConfigUnsupported(format!(
            "virt type '{}' is not supported by the QEMU driver",
            def.domain_type
        )));
    }
    if def.os.arch.is_none() {
        def.os.arch = Some(std::env::consts::ARCH.into());
    }
    let emu = guest::emulator_for(&def).await?;
    defaults::apply(&mut def, &emu)?;
    check_startable(inner, &def).await?;
    Ok(def)
}

fn lifecycle_event(uuid: Uuid, event: i32, detail: i32) -> Event {
    Event::Domain(DomainEvent {
        uuid,
        kind: DomainEventKind::Lifecycle { event, detail },
    })
}

impl QemuDriver {
    fn slot(&self, uuid: &Uuid) -> Result<Arc<Slot>> {
        self.inner.domains().get(uuid)
    }

    /// Adds `def` to the list, or replaces the definition of the domain with its UUID;
    /// returns the slot and whether the domain is new.
    fn add(&self, def: DomainDef, mode: AddMode, persistent: bool) -> Result<(Arc<Slot>, bool)> {
        let mut domains = self.inner.domains();
        match domains.check(&def, mode)? {
            Some(slot) => Ok((slot, false)),
            None => Ok((domains.insert(Dom::new(def, persistent)), true)),
        }
    }

    /// Runs `def` as a live domain (virDomainCreateXML, virDomainRestore): a new transient
    /// domain, or the inactive domain with its UUID running `def`. A new domain whose start
    /// fails leaves the list again.
    async fn start_live(
        &self,
        def: DomainDef,
        paused: bool,
        boot: guest::Boot<'_>,
    ) -> Result<Uuid> {
        let (uuid, name) = (def.uuid, def.name.to_string());
        let (slot, new) = self.add(def.clone(), AddMode::Live, false)?;
        if new {
            self.inner
                .publish(vec![Event::Added(ObjectId::Domain(uuid))]);
        }
        let _job = slot.job.lock().await;
        if slot.lock().is_active() {
            return Err(Error::OperationInvalid(format!(
                "domain '{name}' is already active"
            )));
        }
        let started = guest::start(&self.inner, &slot, def, paused, boot).await;
        if started.is_err() && new {
            self.forget(&uuid, &name);
        }
        started.map(|()| uuid)
    }

    /// Removes a transient domain that never ran (a failed create).
    fn forget(&self, uuid: &Uuid, name: &str) {
        self.inner.domains().remove(uuid, name);
        self.inner
            .publish(vec![Event::Removed(ObjectId::Domain(*uuid))]);
    }
}

#[async_trait]
impl DomainDriver for QemuDriver {
    async fn list_domains(&self, flags: u32) -> Result<Vec<Uuid>> {
        check_flags(flags, flags::list::ALL, "qemuConnectListAllDomains")?;
        let slots = self.inner.domains().slots();
        Ok(slots
            .iter()
            .filter_map(|slot| {
                let dom = slot.lock();
                domain_list::matches(dom.list_facts(), flags).then_some(dom.def.uuid)
            })
            .collect())
    }

    async fn summary(&self, uuid: &Uuid) -> Result<DomainSummary> {
        Ok(self.slot(uuid)?.lock().summary())
    }

    async fn summaries(&self) -> Result<Vec<DomainSummary>> {
        let slots = self.inner.domains().slots();
        Ok(slots.iter().map(|slot| slot.lock().summary()).collect())
    }

    async fn lookup_by_name(&self, name: &str) -> Result<Uuid> {
        self.inner.domains().uuid_of(name)
    }

    async fn lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.slot(uuid).map(|_| *uuid)
    }

    async fn lookup_by_id(&self, id: i32) -> Result<Uuid> {
        args::non_negative(id, "id", "virDomainLookupByID")?;
        self.inner
            .domains()
            .by_id(id)
            .ok_or_else(|| Error::NoDomain(format!("no domain with matching id {id}")))
    }

    async fn define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(flags, flags::DEFINE_VALIDATE, "qemuDomainDefineXMLFlags")?;
        let def = parse_for_qemu(&self.inner, xml, flags & flags::DEFINE_VALIDATE != 0).await?;
        let uuid = def.uuid;
        let (slot, new) = self.add(def.clone(), AddMode::Define, true)?;
        let _job = slot.job.lock().await;
        // Written before memory changes: a failed write leaves the domain as it was.
        self.inner.store.save_definition(&def)?;
        let detail = {
            let mut dom = slot.lock();
            let was_persistent = dom.persistent;
            dom.def = def;
            dom.persistent = true;
            if new || !was_persistent {
                lifecycle::defined::ADDED
            } else {
                lifecycle::defined::UPDATED
            }
        };
        let mut events = Vec::new();
        if new {
            events.push(Event::Added(ObjectId::Domain(uuid)));
        }
        events.push(lifecycle_event(uuid, lifecycle::DEFINED, detail));
        self.inner.publish(events);
        Ok(uuid)
    }

    async fn create_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(
            flags,
            flags::start::PAUSED | flags::start::VALIDATE,
            "qemuDomainCreateXML",
        )?;
        let def = parse_for_qemu(&self.inner, xml, flags & flags::start::VALIDATE != 0).await?;
        let paused = flags & flags::start::PAUSED != 0;
        self.start_live(def, paused, guest::Boot::Fresh).await
    }

    async fn create_xml_with_files(&self, xml: &str, nfiles: usize, flags: u32) -> Result<Uuid> {
        if nfiles > 0 {
            return Err(Error::NoSupport("virDomainCreateXMLWithFiles"));
        }
        self.create_xml(xml, flags).await
    }

    async fn create(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(
            flags,
            flags::start::PAUSED
                | flags::start::BYPASS_CACHE
                | flags::start::FORCE_BOOT
                | flags::start::VALIDATE,
            "qemuDomainCreateWithFlags",
        )?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        saving::start_defined(&self.inner, &slot, flags).await
    }

    async fn create_with_files(&self, uuid: &Uuid, nfiles: usize, flags: u32) -> Result<()> {
        if nfiles > 0 {
            return Err(Error::NoSupport("virDomainCreateWithFiles"));
        }
        self.create(uuid, flags).await
    }

    async fn destroy(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, flags::DESTROY_GRACEFUL, "qemuDomainDestroyFlags")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        guest::stop_emulator(
            &self.inner,
            &slot,
            flags & flags::DESTROY_GRACEFUL != 0,
            |l| {
                l.stopped(
                    virtbus_core::state::shutoff::DESTROYED,
                    lifecycle::stopped::DESTROYED,
                )
            },
        )
        .await
    }

    async fn shutdown(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(
            flags,
            flags::power::ACPI_POWER_BTN | flags::power::GUEST_AGENT,
            "qemuDomainShutdownFlags",
        )?;
        if flags == flags::power::GUEST_AGENT {
            return Err(Error::ArgumentUnsupported(
                "QEMU guest agent is not configured".to_owned(),
            ));
        }
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let monitor = {
            let mut dom = slot.lock();
            let restart = restarts(dom.def.on_poweroff);
            let monitor = dom.monitor()?;
            let run = dom.running()?;
            if run.lifecycle.state.state != DomainState::Running {
                return Err(Error::not_running());
            }
            // on_poweroff=restart: a shutdown request is a reboot request.
            if restart {
                run.lifecycle.fake_reboot = true;
            }
            monitor
        };
        monitor
            .execute("system_powerdown", None)
            .await
            .map_err(guest::monitor_error)?;
        Ok(())
    }

    async fn reboot(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(
            flags,
            flags::power::ACPI_POWER_BTN | flags::power::GUEST_AGENT,
            "qemuDomainReboot",
        )?;
        if flags == flags::power::GUEST_AGENT {
            return Err(Error::ArgumentUnsupported(
                "QEMU guest agent is not configured".to_owned(),
            ));
        }
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let monitor = {
            let mut dom = slot.lock();
            let restart = restarts(dom.def.on_reboot);
            let monitor = dom.monitor()?;
            let run = dom.running()?;
            if run.lifecycle.state.state != DomainState::Running {
                return Err(Error::not_running());
            }
            // on_reboot=destroy/preserve: the reboot degrades to a plain shutdown.
            run.lifecycle.fake_reboot = restart;
            monitor
        };
        monitor
            .execute("system_powerdown", None)
            .await
            .map_err(guest::monitor_error)?;
        Ok(())
    }

    async fn reset(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "qemuDomainReset")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let monitor = slot.lock().monitor()?;
        monitor
            .execute("system_reset", None)
            .await
            .map_err(guest::monitor_error)?;
        let mut dom = slot.lock();
        if let Some(run) = dom.run.as_mut() {
            if run.lifecycle.state.state == DomainState::Crashed {
                run.lifecycle.state = StateReason::new(DomainState::Paused, paused::CRASHED);
            }
        }
        Ok(())
    }

    async fn suspend(&self, uuid: &Uuid) -> Result<()> {
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let monitor = {
            let mut dom = slot.lock();
            let monitor = dom.monitor()?;
            let run = dom.running()?;
            match run.lifecycle.state.state {
                DomainState::PmSuspended => {
                    return Err(Error::OperationInvalid("domain is pmsuspended".to_owned()))
                }
                DomainState::Paused => return Ok(()),
                _ => {}
            }
            run.lifecycle.pending_pause_reason = Some(paused::USER);
            monitor
        };
        monitor
            .execute("stop", None)
            .await
            .map_err(guest::monitor_error)?;
        let events = apply_locally(&self.inner, &slot, &MonitorEvent::Stop);
        self.inner.publish(events);
        Ok(())
    }

    async fn resume(&self, uuid: &Uuid) -> Result<()> {
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let monitor = {
            let mut dom = slot.lock();
            let monitor = dom.monitor()?;
            let run = dom.running()?;
            match run.lifecycle.state.state {
                DomainState::PmSuspended => {
                    return Err(Error::OperationInvalid("domain is pmsuspended".to_owned()))
                }
                DomainState::Paused => {}
                _ => return Ok(()),
            }
            run.lifecycle.pending_running_reason = Some(running::UNPAUSED);
            monitor
        };
        monitor
            .execute("cont", None)
            .await
            .map_err(guest::monitor_error)?;
        let events = apply_locally(&self.inner, &slot, &MonitorEvent::Resume);
        self.inner.publish(events);
        Ok(())
    }

    async fn undefine(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        use flags::undefine::*;
        check_flags(
            flags,
            MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM | KEEP_NVRAM | CHECKPOINTS_METADATA,
            "qemuDomainUndefineFlags",
        )?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let (name, active) = {
            let dom = slot.lock();
            if !dom.persistent {
                return Err(Error::OperationInvalid(
                    "cannot undefine transient domain".to_owned(),
                ));
            }
            if dom.managed_save && flags & MANAGED_SAVE == 0 {
                return Err(Error::OperationInvalid(
                    "Refusing to undefine while domain managed save image exists".to_owned(),
                ));
            }
            (dom.name().to_owned(), dom.is_active())
        };
        saving::remove_managed_save(&self.inner, &slot)?;
        self.inner.store.remove_definition(&name)?;
        let mut events = vec![lifecycle_event(
            *uuid,
            lifecycle::UNDEFINED,
            lifecycle::undefined::REMOVED,
        )];
        {
            let mut dom = slot.lock();
            dom.persistent = false;
            dom.autostart = false;
        }
        if !active {
            self.inner.domains().remove(uuid, &name);
            events.push(Event::Removed(ObjectId::Domain(*uuid)));
        }
        self.inner.publish(events);
        Ok(())
    }

    async fn xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(
            flags,
            flags::xml::SECURE | flags::xml::INACTIVE | flags::xml::MIGRATABLE | 4,
            "qemuDomainGetXMLDesc",
        )?;
        let slot = self.slot(uuid)?;
        let dom = slot.lock();
        let inactive = flags & flags::xml::INACTIVE != 0;
        let opts = FormatOptions {
            secure: flags & flags::xml::SECURE != 0,
            inactive,
            migratable: flags & flags::xml::MIGRATABLE != 0,
            ..FormatOptions::default()
        };
        Ok(match dom.run.as_ref().filter(|_| !inactive) {
            Some(run) => format_domain(
                &run.live,
                &FormatOptions {
                    id: Some(run.id),
                    ..opts
                },
            ),
            None => format_domain(&dom.def, &opts),
        })
    }

    async fn state(&self, uuid: &Uuid, flags: u32) -> Result<StateReason> {
        check_flags(flags, 0, "qemuDomainGetState")?;
        Ok(self.slot(uuid)?.lock().state())
    }

    async fn control_info(&self, uuid: &Uuid, flags: u32) -> Result<(u32, u32, u64)> {
        check_flags(flags, 0, "qemuDomainGetControlInfo")?;
        let slot = self.slot(uuid)?;
        let dom = slot.lock();
        let run = dom.run.as_ref().ok_or_else(Error::not_running)?;
        // VIR_DOMAIN_CONTROL_OK, or VIR_DOMAIN_CONTROL_ERROR with reason MONITOR (1).
        Ok(if run.monitor.is_some() {
            (0, 0, 0)
        } else {
            (3, 1, 0)
        })
    }

    async fn os_type(&self, uuid: &Uuid) -> Result<String> {
        Ok(self.slot(uuid)?.lock().def.os.os_type.to_string())
    }

    async fn set_autostart(&self, uuid: &Uuid, autostart: bool) -> Result<()> {
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let name = {
            let dom = slot.lock();
            if !dom.persistent {
                return Err(Error::OperationInvalid(
                    "cannot set autostart for transient domain".to_owned(),
                ));
            }
            dom.name().to_owned()
        };
        self.inner.store.set_autostart(&name, autostart)?;
        slot.lock().autostart = autostart;
        self.inner
            .publish(vec![Event::PropertiesMayHaveChanged(ObjectId::Domain(
                *uuid,
            ))]);
        Ok(())
    }

    async fn set_memory(&self, uuid: &Uuid, kib: u64, flags: u32) -> Result<()> {
        check_flags(flags, flags::affect::BOTH, "qemuDomainSetMemoryFlags")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let (monitor, live, config) = {
            let mut dom = slot.lock();
            let active = dom.is_active();
            let (live, config) = flags::affect::impact(flags, active, dom.persistent)?;
            let max = dom
                .run
                .as_ref()
                .filter(|_| live)
                .map_or(dom.def.memory_kib, |r| r.live.memory_kib);
            if kib > max {
                return Err(Error::InvalidArg(
                    "cannot set memory higher than max memory".to_owned(),
                ));
            }
            let monitor = if live { Some(dom.monitor()?) } else { None };
            (monitor, live, config)
        };
        if let Some(monitor) = monitor.filter(|_| live) {
            monitor
                .execute("balloon", Some(json!({ "value": kib * 1024 })))
                .await
                .map_err(guest::monitor_error)?;
        }
        if config {
            let def = {
                let mut dom = slot.lock();
                dom.def.current_memory_kib = kib;
                dom.def.clone()
            };
            self.inner.store.save_definition(&def)?;
        }
        Ok(())
    }

    async fn vcpus(&self, uuid: &Uuid, flags: u32) -> Result<u32> {
        let slot = self.slot(uuid)?;
        crate::vcpus::get(&slot, flags)
    }

    async fn set_vcpus(&self, uuid: &Uuid, count: u32, flags: u32) -> Result<()> {
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        crate::vcpus::set(&self.inner, &slot, count, flags).await
    }

    async fn open_console(
        &self,
        uuid: &Uuid,
        dev: Option<&str>,
        fd: std::os::fd::OwnedFd,
        flags: u32,
    ) -> Result<()> {
        let slot = self.slot(uuid)?;
        crate::console::open(&slot, dev, fd, flags)
    }

    async fn open_graphics_fd(
        &self,
        uuid: &Uuid,
        idx: u32,
        flags: u32,
    ) -> Result<std::os::fd::OwnedFd> {
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        crate::graphics::open_fd(&slot, idx, flags).await
    }

    async fn save(&self, uuid: &Uuid, to: &str, xml: &str, flags: u32) -> Result<()> {
        saving::check_save_flags(flags, "qemuDomainSaveFlags")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        saving::save_guest(&self.inner, &slot, Path::new(to), xml, flags).await
    }

    async fn restore(&self, from: &str, xml: &str, flags: u32) -> Result<()> {
        saving::check_save_flags(flags, "qemuDomainRestoreFlags")?;
        let path = Path::new(from);
        let (image, def) = saving::restore_definition(&self.inner, path, xml).await?;
        let paused = saving::restore_paused(flags, image.was_running);
        self.start_live(def, paused, guest::Boot::Restore(path))
            .await
            .map(|_| ())
    }

    async fn save_image_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        check_flags(
            flags,
            flags::SAVE_IMAGE_XML_SECURE,
            "qemuDomainSaveImageGetXMLDesc",
        )?;
        let (_, def) = saving::read_saved(&self.inner, Path::new(file)).await?;
        Ok(format_domain(
            &def,
            &FormatOptions {
                secure: flags & flags::SAVE_IMAGE_XML_SECURE != 0,
                ..FormatOptions::default()
            },
        ))
    }

    async fn managed_save(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        saving::check_save_flags(flags, "qemuDomainManagedSave")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        saving::managed_save(&self.inner, &slot, flags).await
    }

    async fn managed_save_remove(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "qemuDomainManagedSaveRemove")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        saving::remove_managed_save(&self.inner, &slot)?;
        self.inner
            .publish(vec![Event::PropertiesMayHaveChanged(ObjectId::Domain(
                *uuid,
            ))]);
        Ok(())
    }

    async fn has_managed_save_image(&self, uuid: &Uuid, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "qemuDomainHasManagedSaveImage")?;
        Ok(self.slot(uuid)?.lock().managed_save)
    }

    async fn stats(&self, uuid: &Uuid, stats: u32, flags: u32) -> Result<TypedParams> {
        let groups = stats_ops::groups(stats, flags)?;
        let slot = self.slot(uuid)?;
        if !stats_ops::selected(&slot, flags) {
            return Err(stats_ops::filtered_out());
        }
        Ok(stats_ops::record(&slot, groups).await)
    }

    async fn all_domain_stats(&self, stats: u32, flags: u32) -> Result<Vec<(String, TypedParams)>> {
        let groups = stats_ops::groups(stats, flags)?;
        let slots = self.inner.domains().slots();
        let mut out = Vec::new();
        for slot in slots.iter().filter(|s| stats_ops::selected(s, flags)) {
            let record = stats_ops::record(slot, groups).await;
            if !record.is_empty() {
                out.push((slot.lock().name().to_owned(), record));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn memory_stats(&self, uuid: &Uuid, flags: u32) -> Result<Vec<(i32, u64)>> {
        check_flags(flags, 0, "qemuDomainMemoryStats")?;
        stats_ops::memory(&*self.slot(uuid)?).await
    }

    async fn set_memory_stats_period(&self, uuid: &Uuid, period: i32, flags: u32) -> Result<()> {
        args::non_negative(period, "period", "virDomainSetMemoryStatsPeriod")?;
        check_flags(flags, flags::affect::BOTH, "qemuDomainSetMemoryStatsPeriod")?;
        let slot = self.slot(uuid)?;
        let _job = slot.job.lock().await;
        let (monitor, live, config) = {
            let mut dom = slot.lock();
            let active = dom.is_active();
            let (live, config) = flags::affect::impact(flags, active, dom.persistent)?;
            let monitor = if live {
                Some((dom.monitor()?, dom.running()?.live.clone()))
            } else {
                None
            };
            (monitor, live, config)
        };
        if let Some((monitor, def)) = monitor.filter(|_| live) {
            stats::set_memory_stats_period(&monitor, &def, period).await?;
            if let Some(balloon) = slot
                .lock()
                .run
                .as_mut()
                .and_then(|run| run.live.devices.memballoon.as_mut())
            {
                balloon.stats_period = Some(period as u32);
            }
        }
        if config {
            let def = {
                let mut dom = slot.lock();
                let balloon = dom.def.devices.memballoon.as_mut().ok_or_else(|| {
                    Error::OperationInvalid(
                        "No memory balloon device configured, can not set the collection period"
                            .to_owned(),
                    )
                })?;
                balloon.stats_period = Some(period as u32);
                dom.def.clone()
            };
            self.inner.store.save_definition(&def)?;
        }
        Ok(())
    }
}
