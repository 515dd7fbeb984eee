//! Running guests: starting one, the supervisor that follows each guest's monitor and
//! process, stopping one, and the driver's start-up (definitions loaded, running guests
//! reattached, autostart).
//!
//! Every state change goes through the guest's [`Lifecycle`] under the domain's data lock,
//! and its events are published after the lock is released. An API call that commands QEMU
//! (`cont`, `stop`) applies the matching monitor event itself as soon as QEMU has answered,
//! so it returns with the state already real; the event QEMU sends afterwards then changes
//! nothing, and the events are published exactly once, whoever applies them first.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use serde_json::json;
use tokio::sync::watch;
use uuid::Uuid;
use virtbus_core::{
    event::{lifecycle, DomainEvent, DomainEventKind, Event, ObjectId},
    model::{DomainDef, LifecycleAction},
    state::{paused, running, shutoff, DomainState, StateReason},
    Error, Result,
};

use crate::{
    command_line::{self, disks, live, LaunchContext},
    domains::{Dom, Run, Slot},
    driver::Inner,
    emulator,
    monitor_events::{FollowUp, Lifecycle, MonitorEvent, Outcome, RunningDisk},
    process::{Emulator, Launch, ProcessError},
    qmp::{EventStream, Qmp, QmpError},
    runtime,
    store::DomainStatus,
};

/// A process or monitor failure as libvirt reports it: an internal error with the reason.
pub(crate) fn process_error(e: ProcessError) -> Error {
    Error::Internal(e.to_string())
}

/// A monitor command's failure.
pub(crate) fn monitor_error(e: QmpError) -> Error {
    Error::Internal(e.to_string())
}

/// The domain events of `outcome` for `uuid`, as driver events.
fn domain_events(uuid: Uuid, outcome: Outcome) -> Vec<Event> {
    outcome
        .events
        .into_iter()
        .map(|kind| Event::Domain(DomainEvent { uuid, kind }))
        .collect()
}

/// The architecture of a definition, the host's when it names none.
pub(crate) fn arch_of(def: &DomainDef) -> String {
    def.os
        .arch
        .as_deref()
        .unwrap_or(std::env::consts::ARCH)
        .to_owned()
}

/// Finds and probes the emulator of `def` (cached by path and modification time).
pub(crate) async fn emulator_for(def: &DomainDef) -> Result<Arc<emulator::Emulator>> {
    let wanted = def.devices.emulator.clone();
    let arch = arch_of(def);
    tokio::task::spawn_blocking(move || {
        let path = emulator::locate(wanted.as_deref(), &arch)?;
        emulator::probe(&path)
    })
    .await
    .map_err(|e| Error::Internal(format!("emulator probe failed: {e}")))?
}

/// Checks that `def` can be started by this driver: the emulator, every element and device
/// the command line needs. Host paths that do not exist yet are not checked here (a disk
/// may be created after its domain is defined, as with libvirt).
pub(crate) async fn check_startable(inner: &Inner, def: &DomainDef) -> Result<()> {
    let emu = emulator_for(def).await?;
    let socket = PathBuf::from("/nonexistent/monitor");
    let ctx = LaunchContext {
        emulator: &emu,
        host: &inner.host,
        monitor_socket: &socket,
    };
    match command_line::build(def, &ctx) {
        Ok(_) => Ok(()),
        // A missing disk or kernel is the caller's to create before the start.
        Err(Error::System(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The disks of the live definition as the command line named them.
fn running_disks(live: &DomainDef) -> Vec<RunningDisk> {
    live.devices
        .disks
        .iter()
        .enumerate()
        .map(|(i, disk)| RunningDisk {
            alias: disks::alias(disk).unwrap_or_default(),
            node_name: format!("libvirt-{}-format", i + 1),
            target: disk.target_dev.clone(),
            path: disk.source.clone().unwrap_or_default(),
        })
        .collect()
}

/// Writes the runtime status of the running guest of `dom`; a failure is logged (the guest
/// runs on, and the next state change writes again).
pub(crate) fn save_status(inner: &Inner, dom: &Dom) {
    let Some(run) = &dom.run else { return };
    let status = DomainStatus {
        state: run.lifecycle.state,
        pid: run.emulator.pid(),
        monitor: run.emulator.monitor_socket().to_path_buf(),
        id: run.id,
        def: run.live.clone(),
    };
    if let Err(error) = inner.store.save_status(&status) {
        tracing::error!(domain = %dom.name(), %error, "cannot write the runtime status");
    }
}

/// Where a guest's state comes from when it starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Boot<'a> {
    /// A fresh boot.
    Fresh,
    /// The save image at this path (virDomainRestore, or a managed save).
    Restore(&'a Path),
}

impl Boot<'_> {
    /// The running reason the start ends with.
    fn running_reason(self) -> i32 {
        match self {
            Boot::Fresh => running::BOOTED,
            Boot::Restore(_) => running::RESTORED,
        }
    }
}

/// Starts `live` as the running definition of the domain in `slot` (its job held), from
/// `boot`, paused if asked, and returns once the guest runs (or is paused), its runtime
/// details (pty paths, VNC port) in the live definition. On failure nothing is left running
/// and the domain is shut off again.
pub(crate) async fn start(
    inner: &Arc<Inner>,
    slot: &Arc<Slot>,
    mut live: DomainDef,
    start_paused: bool,
    boot: Boot<'_>,
) -> Result<()> {
    let uuid = live.uuid;
    let emu = emulator_for(&live).await?;
    let socket = inner.store.monitor_path(&uuid)?;
    let log_file = inner.store.log_path(&live.name)?;
    inner.store.prepare_runtime_dirs()?;
    let (_, family) = command_line::machine(&live, &emu)?;
    live::assign_aliases(&mut live, family)?;
    if !live.devices.channels.is_empty() {
        let dir = inner.store.channel_dir(&uuid);
        crate::store::atomic::create_private_dir(&dir)?;
        live::fill_channel_paths(&mut live, &dir);
    }
    let command = command_line::build(
        &live,
        &LaunchContext {
            emulator: &emu,
            host: &inner.host,
            monitor_socket: &socket,
        },
    )?;
    // The live XML shows the CPU a host-model guest got (the command line already has it).
    if let Some(cpu) = live.cpu.as_deref() {
        if cpu.mode.as_deref() == Some("host-model") && live.domain_type != "kvm" {
            let got = crate::domain_caps::tcg_host_model_live_cpu(&emu.path, cpu)?;
            live.cpu = Some(Box::new(got));
        }
    }
    let mut args = command.args.clone();
    if let Boot::Restore(_) = boot {
        args.extend(crate::save::incoming_args());
    }
    let launch = Launch {
        program: command.program.clone(),
        args,
        monitor_socket: socket,
        log_file,
        start_timeout: inner.config.start_timeout,
        command_timeout: inner.config.command_timeout,
    };
    let started = Emulator::spawn(&launch).await.map_err(process_error)?;
    let prepared = async {
        runtime::fill_runtime_details(&started.monitor, &mut live).await?;
        if let Boot::Restore(path) = boot {
            crate::save::restore(&started.monitor, path).await?;
        }
        Ok::<_, Error>(())
    }
    .await;
    if let Err(error) = prepared {
        let _ = started.emulator.kill().await;
        return Err(error);
    }
    let (drained_tx, drained) = watch::channel(false);
    let emulator = started.emulator.clone();
    let monitor = started.monitor.clone();
    let pid = emulator.pid();
    {
        let mut dom = slot.lock();
        let lifecycle = Lifecycle::starting(live.on_poweroff, live.on_crash);
        dom.run = Some(Run {
            id: inner.next_id(),
            disks: running_disks(&live),
            live,
            emulator: emulator.clone(),
            monitor: Some(monitor.clone()),
            lifecycle,
            drained,
            consoles: Default::default(),
        });
        save_status(inner, &dom);
    }
    tokio::spawn(supervise(
        Arc::clone(inner),
        Arc::clone(slot),
        uuid,
        started.events,
        emulator.clone(),
        drained_tx,
    ));
    match finish_start(
        inner,
        slot,
        &monitor,
        command.balloon_target_kib,
        start_paused,
        boot.running_reason(),
    )
    .await
    {
        Ok(events) => {
            inner.publish(events);
            Ok(())
        }
        Err(error) => {
            {
                let mut dom = slot.lock();
                if let Some(run) = dom.run.as_mut() {
                    run.lifecycle.being_destroyed = true;
                }
            }
            let _ = emulator.kill().await;
            let mut dom = slot.lock();
            if dom.run.as_ref().map(|r| r.emulator.pid()) == Some(pid) {
                dom.run = None;
                dom.inactive_state = StateReason::new(DomainState::Shutoff, shutoff::FAILED);
                let name = dom.name().to_owned();
                drop(dom);
                let _ = inner.store.remove_status(&name);
            }
            Err(error)
        }
    }
}

/// The last steps of a start, over the monitor: the balloon target, then `cont` (or the
/// paused state), the guest running for `reason` (BOOTED or RESTORED). Returns the events
/// to publish.
async fn finish_start(
    inner: &Inner,
    slot: &Slot,
    monitor: &Qmp,
    balloon_target_kib: Option<u64>,
    start_paused: bool,
    reason: i32,
) -> Result<Vec<Event>> {
    if let Some(kib) = balloon_target_kib {
        monitor
            .execute("balloon", Some(json!({ "value": kib * 1024 })))
            .await
            .map_err(monitor_error)?;
    }
    if start_paused {
        let mut dom = slot.lock();
        let uuid = dom.def.uuid;
        let run = dom.running()?;
        run.lifecycle.state = StateReason::new(DomainState::Paused, paused::USER);
        save_status(inner, &dom);
        return Ok(vec![
            Event::Domain(DomainEvent {
                uuid,
                kind: DomainEventKind::Lifecycle {
                    event: lifecycle::STARTED,
                    detail: if reason == running::RESTORED {
                        lifecycle::started::RESTORED
                    } else {
                        lifecycle::started::BOOTED
                    },
                },
            }),
            Event::Domain(DomainEvent {
                uuid,
                kind: DomainEventKind::Lifecycle {
                    event: lifecycle::SUSPENDED,
                    detail: lifecycle::suspended::PAUSED,
                },
            }),
        ]);
    }
    slot.lock().running()?.lifecycle.pending_running_reason = Some(reason);
    monitor.execute("cont", None).await.map_err(monitor_error)?;
    Ok(apply_locally(inner, slot, &MonitorEvent::Resume))
}

/// Applies `event` as if QEMU had sent it (after the command that causes it succeeded), and
/// returns the events to publish.
pub(crate) fn apply_locally(inner: &Inner, slot: &Slot, event: &MonitorEvent) -> Vec<Event> {
    let mut dom = slot.lock();
    let uuid = dom.def.uuid;
    let Some(run) = dom.run.as_mut() else {
        return Vec::new();
    };
    let outcome = run.lifecycle.on_event(event, &run.disks);
    if outcome.state_changed {
        save_status(inner, &dom);
    }
    domain_events(uuid, outcome)
}

/// Marks the running guest of `slot` as being destroyed, so that the end of its monitor and
/// process is reported by the caller, not by its supervisor. Returns its emulator, and what
/// tells when the supervisor has applied the monitor's last event.
pub(crate) fn begin_destroy(slot: &Slot) -> Result<(Emulator, watch::Receiver<bool>)> {
    let mut dom = slot.lock();
    let run = dom.running()?;
    run.lifecycle.being_destroyed = true;
    Ok((run.emulator.clone(), run.drained.clone()))
}

/// Stops the emulator of the running guest of `slot` (its job held): SIGTERM, then SIGKILL
/// after the grace period, or SIGTERM alone when `graceful` (a guest still running then is
/// an error and stays as it was). Once the supervisor has applied QEMU's last event, `report`
/// gives the STOPPED change to publish.
pub(crate) async fn stop_emulator(
    inner: &Inner,
    slot: &Slot,
    graceful: bool,
    report: impl FnOnce(&mut Lifecycle) -> Outcome,
) -> Result<()> {
    let (emulator, drained) = begin_destroy(slot)?;
    let pid = emulator.pid();
    let grace = inner.config.destroy_grace;
    let ended = if graceful {
        emulator.terminate_gracefully(grace).await
    } else {
        emulator.terminate(grace).await
    };
    if let Err(error) = ended {
        if let Some(run) = slot.lock().run.as_mut() {
            run.lifecycle.being_destroyed = false;
        }
        return Err(process_error(error));
    }
    wait_drained(drained).await;
    finish_stop(inner, slot, pid, report);
    Ok(())
}

/// Waits (briefly) until the supervisor has applied the last event of a monitor that has
/// closed, so that what QEMU reported before exiting (SHUTDOWN from the signal) is published
/// before the caller's STOPPED.
pub(crate) async fn wait_drained(mut drained: watch::Receiver<bool>) {
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        drained.wait_for(|done| *done),
    )
    .await;
}

/// The guest of `slot` whose emulator had `pid` is gone: `report` gives the last lifecycle
/// change (STOPPED with its detail), the runtime status is removed and a transient domain
/// leaves the list. Does nothing when that guest was already finished (or replaced).
pub(crate) fn finish_stop(
    inner: &Inner,
    slot: &Slot,
    pid: u32,
    report: impl FnOnce(&mut Lifecycle) -> Outcome,
) {
    let (uuid, name, outcome, remove) = {
        let mut dom = slot.lock();
        let Some(run) = dom.run.as_mut() else { return };
        if run.emulator.pid() != pid {
            return;
        }
        let outcome = report(&mut run.lifecycle);
        if outcome.events.is_empty() && run.lifecycle.state.state != DomainState::Shutoff {
            // Nothing to finish (a destroy in progress reports it).
            return;
        }
        dom.inactive_state = run.lifecycle.state;
        dom.run = None;
        (
            dom.def.uuid,
            dom.name().to_owned(),
            outcome,
            !dom.persistent,
        )
    };
    if let Err(error) = inner.store.remove_status(&name) {
        tracing::warn!(domain = %name, %error, "cannot remove the runtime status");
    }
    let mut events = domain_events(uuid, outcome);
    if remove {
        inner.domains().remove(&uuid, &name);
        events.push(Event::Removed(ObjectId::Domain(uuid)));
    }
    inner.publish(events);
}

/// Follows one guest until its emulator is gone: applies every monitor event, carries out
/// the follow-up work, reports a broken monitor as CONTROL_ERROR, and finishes the stop when
/// the emulator exits on its own.
async fn supervise(
    inner: Arc<Inner>,
    slot: Arc<Slot>,
    uuid: Uuid,
    mut events: EventStream,
    emulator: Emulator,
    drained: watch::Sender<bool>,
) {
    let pid = emulator.pid();
    let end = loop {
        match events.next().await {
            Ok(event) => on_monitor_event(&inner, &slot, uuid, pid, &event.name, &event.data),
            Err(end) => break end,
        }
    };
    drained.send_replace(true);
    if end == QmpError::Eof {
        // QEMU closed its monitor: it is exiting. One that lingers is stopped, as libvirt
        // stops it on monitor EOF.
        let grace = inner.config.destroy_grace;
        if tokio::time::timeout(grace, emulator.exited())
            .await
            .is_err()
        {
            let _ = emulator.kill().await;
        }
    } else {
        tracing::warn!(%uuid, pid, error = %end, "the monitor of a guest failed");
        monitor_failed(&inner, &slot, uuid, pid);
        emulator.exited().await;
    }
    finish_stop(&inner, &slot, pid, Lifecycle::monitor_closed);
}

/// The monitor of the guest with `pid` can no longer be used: CONTROL_ERROR, once, and the
/// guest runs on without control.
pub(crate) fn monitor_failed(inner: &Inner, slot: &Slot, uuid: Uuid, pid: u32) {
    let outcome = {
        let mut dom = slot.lock();
        let Some(run) = dom.run.as_mut() else { return };
        if run.emulator.pid() != pid || run.monitor.is_none() {
            return;
        }
        run.monitor = None;
        if run.lifecycle.being_destroyed {
            return;
        }
        run.lifecycle.monitor_failed()
    };
    inner.publish(domain_events(uuid, outcome));
}

/// One QMP event of the guest with `pid`.
fn on_monitor_event(
    inner: &Arc<Inner>,
    slot: &Arc<Slot>,
    uuid: Uuid,
    pid: u32,
    name: &str,
    data: &serde_json::Value,
) {
    let event = MonitorEvent::decode(name, data);
    tracing::debug!(%uuid, event = name, "monitor event");
    let (outcome, monitor, emulator, destroying) = {
        let mut dom = slot.lock();
        let Some(run) = dom.run.as_mut() else { return };
        if run.emulator.pid() != pid {
            return;
        }
        let outcome = run.lifecycle.on_event(&event, &run.disks);
        if let Some(kib) = outcome.current_memory_kib {
            run.live.current_memory_kib = kib;
        }
        if let Some(FollowUp::Stop { .. }) = outcome.follow_up {
            run.lifecycle.being_destroyed = true;
        }
        let handles = (
            run.monitor.clone(),
            run.emulator.clone(),
            run.lifecycle.being_destroyed,
        );
        if outcome.state_changed {
            save_status(inner, &dom);
        }
        (outcome, handles.0, handles.1, handles.2)
    };
    let follow_up = outcome.follow_up;
    inner.publish(domain_events(uuid, outcome));
    match follow_up {
        None => {}
        // A destroy in progress stops the emulator itself.
        Some(FollowUp::Terminate) if destroying => {}
        Some(FollowUp::Terminate) => {
            if let Err(error) = emulator.signal(libc::SIGTERM) {
                tracing::warn!(%uuid, %error, "cannot stop the emulator after the guest shut down");
            }
        }
        Some(FollowUp::FakeReboot) => {
            let (inner, slot) = (Arc::clone(inner), Arc::clone(slot));
            tokio::spawn(async move {
                let rebooted = match &monitor {
                    Some(monitor) => match monitor.execute("system_reset", None).await {
                        Ok(_) => monitor.execute("cont", None).await.map(|_| ()),
                        Err(e) => Err(e),
                    },
                    None => Err(QmpError::Eof),
                };
                if let Err(error) = rebooted {
                    tracing::warn!(%uuid, %error, "fake reboot failed; stopping the guest");
                    let _ = emulator.kill().await;
                } else {
                    let events = apply_locally(&inner, &slot, &MonitorEvent::Resume);
                    inner.publish(events);
                }
            });
        }
        Some(FollowUp::Stop { reason, detail }) => {
            let (inner, slot) = (Arc::clone(inner), Arc::clone(slot));
            tokio::spawn(async move {
                let _ = emulator.terminate(inner.config.destroy_grace).await;
                finish_stop(&inner, &slot, pid, |l| l.stopped(reason, detail));
            });
        }
    }
}

/// Loads the persistent definitions, reattaches to the guests whose runtime status is on
/// disk, and starts the autostart domains in the background.
pub(crate) async fn load(inner: &Arc<Inner>) -> Result<()> {
    let defs = inner.store.load_definitions()?;
    for problem in &defs.problems {
        tracing::warn!(path = %problem.path.display(), error = %problem.error, "definition skipped");
    }
    for def in defs.items {
        let name = def.name.to_string();
        let mut dom = Dom::new(def, true);
        dom.autostart = inner.store.autostart(&name).unwrap_or(false);
        dom.managed_save = inner.store.has_managed_save(&name);
        if dom.managed_save {
            dom.inactive_state = StateReason::new(DomainState::Shutoff, shutoff::SAVED);
        }
        let mut domains = inner.domains();
        if domains
            .check(&dom.def, virtbus_core::domain_list::AddMode::Define)
            .is_ok()
        {
            domains.insert(dom);
        }
    }
    let statuses = inner.store.load_statuses()?;
    for problem in &statuses.problems {
        tracing::warn!(path = %problem.path.display(), error = %problem.error, "runtime status skipped");
    }
    for status in statuses.items {
        reattach(inner, status).await;
    }
    if inner.config.autostart {
        let autostart: Vec<Arc<Slot>> = inner
            .domains()
            .slots()
            .into_iter()
            .filter(|slot| {
                let dom = slot.lock();
                dom.autostart && dom.persistent && !dom.is_active()
            })
            .collect();
        for slot in autostart {
            let inner = Arc::clone(inner);
            tokio::spawn(async move {
                let _job = slot.job.lock().await;
                let name = {
                    let dom = slot.lock();
                    if dom.is_active() {
                        return;
                    }
                    dom.name().to_owned()
                };
                if let Err(error) = crate::saving::start_defined(&inner, &slot, 0).await {
                    tracing::error!(domain = %name, %error, "autostart failed");
                }
            });
        }
    }
    Ok(())
}

/// Takes back the guest of `status` after a service restart, or reports it gone.
async fn reattach(inner: &Arc<Inner>, status: DomainStatus) {
    let uuid = status.def.uuid;
    let name = status.def.name.to_string();
    let slot = {
        let mut domains = inner.domains();
        match domains.get(&uuid) {
            Ok(slot) => slot,
            Err(_) => domains.insert(Dom::new(status.def.clone(), false)),
        }
    };
    let attached = match Emulator::attach(status.pid, &status.monitor) {
        Ok(emulator) => {
            match Qmp::connect(&status.monitor, inner.config.command_timeout).await {
                Ok((monitor, _greeting, events)) => Some((emulator, monitor, events)),
                Err(error) => {
                    // A guest that cannot be controlled must not run twice: stop it.
                    tracing::warn!(domain = %name, %error, "cannot reconnect to the monitor; stopping the guest");
                    let _ = emulator.kill().await;
                    None
                }
            }
        }
        Err(error) => {
            tracing::info!(domain = %name, %error, "guest gone while the service was down");
            None
        }
    };
    let Some((emulator, monitor, events)) = attached else {
        let remove = {
            let mut dom = slot.lock();
            dom.inactive_state = StateReason::new(DomainState::Shutoff, shutoff::CRASHED);
            !dom.persistent
        };
        let _ = inner.store.remove_status(&name);
        let mut published = vec![Event::Domain(DomainEvent {
            uuid,
            kind: DomainEventKind::Lifecycle {
                event: lifecycle::STOPPED,
                detail: lifecycle::stopped::FAILED,
            },
        })];
        if remove {
            inner.domains().remove(&uuid, &name);
            published.push(Event::Removed(ObjectId::Domain(uuid)));
        }
        inner.publish(published);
        return;
    };
    let mut lifecycle = Lifecycle::starting(status.def.on_poweroff, status.def.on_crash);
    lifecycle.state = status.state;
    if let Ok(answer) = monitor.execute("query-status", None).await {
        let qemu_runs = answer.get("running").and_then(|v| v.as_bool());
        let qemu_status = answer.get("status").and_then(|v| v.as_str()).unwrap_or("");
        lifecycle.state = match (qemu_runs, status.state.state) {
            (Some(true), DomainState::Running) => status.state,
            (Some(true), _) => StateReason::new(DomainState::Running, running::UNPAUSED),
            (Some(false), DomainState::Paused | DomainState::Shutdown | DomainState::Crashed) => {
                status.state
            }
            (Some(false), _) if qemu_status == "shutdown" => {
                StateReason::new(DomainState::Shutdown, 0)
            }
            (Some(false), _) => StateReason::new(DomainState::Paused, paused::UNKNOWN),
            (None, _) => status.state,
        };
    }
    inner.reserve_id(status.id);
    let pid = emulator.pid();
    let (drained_tx, drained) = watch::channel(false);
    {
        let mut dom = slot.lock();
        dom.run = Some(Run {
            id: status.id,
            disks: running_disks(&status.def),
            live: status.def,
            emulator: emulator.clone(),
            monitor: Some(monitor),
            lifecycle,
            drained,
            consoles: Default::default(),
        });
        save_status(inner, &dom);
    }
    tracing::info!(domain = %name, pid, "reattached to a running guest");
    tokio::spawn(supervise(
        Arc::clone(inner),
        Arc::clone(&slot),
        uuid,
        events,
        emulator,
        drained_tx,
    ));
    // A guest that had powered off while nobody watched is stopped now, as libvirt does.
    let shut_down = slot.lock().state().state == DomainState::Shutdown;
    if shut_down {
        if let Ok(emulator) = begin_destroy_for_shutdown(&slot) {
            let _ = emulator.signal(libc::SIGTERM);
        }
    }
}

/// The emulator of a guest found in the SHUTDOWN state, to be terminated so that its end is
/// reported as a normal stop (the supervisor reports it).
fn begin_destroy_for_shutdown(slot: &Slot) -> Result<Emulator> {
    let mut dom = slot.lock();
    Ok(dom.running()?.emulator.clone())
}

/// Whether `action` restarts the guest (on_reboot and on_poweroff).
pub(crate) fn restarts(action: LifecycleAction) -> bool {
    matches!(
        action,
        LifecycleAction::Restart | LifecycleAction::RenameRestart
    )
}
