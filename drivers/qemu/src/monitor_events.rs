//! What a QMP event means for a domain, as libvirt's qemu driver decides it
//! (`qemu_process.c`, reference/libvirt-semantics.md §3): the state change, the domain events
//! to publish, and the work the driver must do next (stop the emulator, or libvirt's "fake
//! reboot").
//!
//! [`Lifecycle`] is a pure state machine: it performs no I/O, so every rule of the mapping is
//! tested here without an emulator, and the driver only carries out the [`FollowUp`] it is
//! given and publishes the [`Outcome`]'s events after releasing its locks.

use serde_json::Value;
use virtbus_core::{
    event::{lifecycle, DomainEventKind},
    model::LifecycleAction,
    state::{crashed, paused, pmsuspended, running, shutdown, shutoff, DomainState, StateReason},
};

/// A QMP event the driver acts on, decoded from its name and `data`.
///
/// Events libvirt handles only internally (or not at all, like POWERDOWN) are
/// [`MonitorEvent::Other`]; malformed data of a known event decodes to the event with its
/// fields absent, as libvirt's handlers treat missing members.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitorEvent {
    /// `SHUTDOWN {guest, reason}`: `guest` absent on old QEMU.
    Shutdown { guest: Option<bool> },
    /// `STOP`: the vCPUs stopped.
    Stop,
    /// `RESUME`: the vCPUs run again.
    Resume,
    /// `RESET`: the machine was reset (by the guest or by `system_reset`).
    Reset,
    /// `GUEST_PANICKED`: the guest reported a panic through pvpanic.
    GuestPanicked,
    /// `GUEST_CRASHLOADED`: the guest loaded a crash kernel.
    GuestCrashloaded,
    /// `WATCHDOG {action}`: the watchdog fired.
    Watchdog { action: Option<String> },
    /// `BLOCK_IO_ERROR {device, node-name, action, nospace}`.
    BlockIoError {
        device: Option<String>,
        node_name: Option<String>,
        action: Option<String>,
        nospace: bool,
    },
    /// `RTC_CHANGE {offset}`: the guest set its clock, `offset` seconds from the host's.
    RtcChange { offset: i64 },
    /// `DEVICE_DELETED {device}`: a device finished unplugging.
    DeviceDeleted { device: Option<String> },
    /// `DEVICE_UNPLUG_GUEST_ERROR {device}`: the guest refused to release a device.
    DeviceUnplugGuestError { device: Option<String> },
    /// `ACPI_DEVICE_OST {info}`: the guest's ACPI _OST status for a hot-plug slot.
    AcpiDeviceOst {
        device: Option<String>,
        slot_type: Option<String>,
        source: u64,
        status: u64,
    },
    /// `BALLOON_CHANGE {actual}`: the balloon's size in bytes.
    BalloonChange { actual: u64 },
    /// `SUSPEND`: the guest entered S3.
    Suspend,
    /// `SUSPEND_DISK`: the guest entered S4.
    SuspendDisk,
    /// `WAKEUP`: the guest woke from S3.
    Wakeup,
    /// `DEVICE_TRAY_MOVED {device, id, tray-open}`.
    DeviceTrayMoved {
        device: Option<String>,
        id: Option<String>,
        tray_open: bool,
    },
    /// `BLOCK_WRITE_THRESHOLD {node-name, write-threshold, amount-exceeded}`.
    BlockWriteThreshold {
        node_name: Option<String>,
        threshold: u64,
        excess: u64,
    },
    /// Any other event: forwarded nowhere, changes nothing.
    Other(String),
}

fn text(data: &Value, key: &str) -> Option<String> {
    data.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(data: &Value, key: &str) -> u64 {
    data.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn flag(data: &Value, key: &str) -> bool {
    data.get(key).and_then(Value::as_bool).unwrap_or(false)
}

impl MonitorEvent {
    /// Decodes the event `name` with its `data` member (`Value::Null` when absent).
    pub fn decode(name: &str, data: &Value) -> Self {
        match name {
            "SHUTDOWN" => Self::Shutdown {
                guest: data.get("guest").and_then(Value::as_bool),
            },
            "STOP" => Self::Stop,
            "RESUME" => Self::Resume,
            "RESET" => Self::Reset,
            "GUEST_PANICKED" => Self::GuestPanicked,
            "GUEST_CRASHLOADED" => Self::GuestCrashloaded,
            "WATCHDOG" => Self::Watchdog {
                action: text(data, "action"),
            },
            "BLOCK_IO_ERROR" => Self::BlockIoError {
                device: text(data, "device").filter(|d| !d.is_empty()),
                node_name: text(data, "node-name"),
                action: text(data, "action"),
                nospace: flag(data, "nospace"),
            },
            "RTC_CHANGE" => Self::RtcChange {
                offset: data.get("offset").and_then(Value::as_i64).unwrap_or(0),
            },
            "DEVICE_DELETED" => Self::DeviceDeleted {
                device: text(data, "device"),
            },
            "DEVICE_UNPLUG_GUEST_ERROR" => Self::DeviceUnplugGuestError {
                device: text(data, "device"),
            },
            "ACPI_DEVICE_OST" => {
                let info = data.get("info").unwrap_or(&Value::Null);
                Self::AcpiDeviceOst {
                    device: text(info, "device"),
                    slot_type: text(info, "slot-type"),
                    source: number(info, "source"),
                    status: number(info, "status"),
                }
            }
            "BALLOON_CHANGE" => Self::BalloonChange {
                actual: number(data, "actual"),
            },
            "SUSPEND" => Self::Suspend,
            "SUSPEND_DISK" => Self::SuspendDisk,
            "WAKEUP" => Self::Wakeup,
            "DEVICE_TRAY_MOVED" => Self::DeviceTrayMoved {
                device: text(data, "device").filter(|d| !d.is_empty()),
                id: text(data, "id").filter(|d| !d.is_empty()),
                tray_open: flag(data, "tray-open"),
            },
            "BLOCK_WRITE_THRESHOLD" => Self::BlockWriteThreshold {
                node_name: text(data, "node-name"),
                threshold: number(data, "write-threshold"),
                excess: number(data, "amount-exceeded"),
            },
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A disk of the running guest, as the driver named it on the command line: what the
/// mapping needs to turn QEMU's device ids and node names into libvirt's disk alias, target
/// and source path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningDisk {
    /// libvirt's alias (`virtio-disk0`, `ide0-1-0`): the `-device` id.
    pub alias: String,
    /// The node name of the disk's top block node.
    pub node_name: String,
    /// The target (`vda`).
    pub target: String,
    /// The source path, empty for an empty CD-ROM.
    pub path: String,
}

impl RunningDisk {
    fn find<'a>(disks: &'a [RunningDisk], key: &str) -> Option<&'a RunningDisk> {
        disks
            .iter()
            .find(|d| d.alias == key || d.node_name == key || format!("drive-{}", d.alias) == key)
    }
}

/// `virDomainEventWatchdogAction` of a QMP watchdog action.
fn watchdog_action(action: Option<&str>) -> i32 {
    match action {
        Some("pause") => 1,
        Some("reset") => 2,
        Some("poweroff") => 3,
        Some("shutdown") => 4,
        Some("debug") => 5,
        Some("inject-nmi") => 6,
        _ => 0,
    }
}

/// `virDomainEventIOErrorAction` of a QMP block error action.
fn io_error_action(action: Option<&str>) -> i32 {
    match action {
        Some("stop") => 1,
        Some("report") => 2,
        _ => 0,
    }
}

/// The SUSPENDED detail libvirt derives from a paused reason
/// (`qemuDomainPausedReasonToSuspendedEvent`).
fn suspended_detail(reason: i32) -> i32 {
    use lifecycle::suspended;
    match reason {
        paused::MIGRATION => suspended::MIGRATED,
        paused::FROM_SNAPSHOT => suspended::FROM_SNAPSHOT,
        paused::IOERROR => suspended::IOERROR,
        paused::WATCHDOG => suspended::WATCHDOG,
        _ => suspended::PAUSED,
    }
}

/// The RESUMED detail libvirt derives from a running reason
/// (`qemuDomainRunningReasonToResumeEvent`).
fn resumed_detail(reason: i32) -> i32 {
    use lifecycle::resumed;
    match reason {
        running::RESTORED | running::FROM_SNAPSHOT => resumed::FROM_SNAPSHOT,
        running::MIGRATED => resumed::MIGRATED,
        _ => resumed::UNPAUSED,
    }
}

/// The STARTED detail of a start that ends with the running reason `reason`.
fn started_detail(reason: i32) -> i32 {
    use lifecycle::started;
    match reason {
        running::RESTORED => started::RESTORED,
        running::FROM_SNAPSHOT => started::FROM_SNAPSHOT,
        running::MIGRATED => started::MIGRATED,
        running::WAKEUP => started::WAKEUP,
        _ => started::BOOTED,
    }
}

/// Work the driver must do after an event, outside the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// The guest powered off: send SIGTERM to the emulator without waiting; its monitor's
    /// end then finishes the stop ([`Lifecycle::monitor_closed`]).
    Terminate,
    /// libvirt's fake reboot: `system_reset`, then `cont`.
    FakeReboot,
    /// Stop the emulator now, then report it with [`Lifecycle::stopped`] and these codes.
    Stop {
        /// The SHUTOFF reason.
        reason: i32,
        /// The STOPPED event's detail.
        detail: i32,
    },
}

/// What one event changed: events to publish in order, the next piece of work, and the
/// runtime facts the live definition must take.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Domain events to publish, in order.
    pub events: Vec<DomainEventKind>,
    /// Whether the state or its reason changed (the status file must be saved).
    pub state_changed: bool,
    /// Work for the driver.
    pub follow_up: Option<FollowUp>,
    /// The balloon's new size in KiB (the live `<currentMemory>`).
    pub current_memory_kib: Option<u64>,
    /// The alias of a device that left the live definition.
    pub removed_device: Option<String>,
    /// A disk alias whose tray is now open (`Some(true)`) or closed.
    pub tray: Option<(String, bool)>,
}

impl Outcome {
    fn lifecycle(&mut self, event: i32, detail: i32) {
        self.events
            .push(DomainEventKind::Lifecycle { event, detail });
    }
}

/// The lifecycle facts of one running domain that QMP events read and change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// The state and its reason.
    pub state: StateReason,
    /// A reboot was asked for (virDomainReboot, or a shutdown with `on_poweroff` restart):
    /// the next SHUTDOWN becomes a fake reboot instead of a stop.
    pub fake_reboot: bool,
    /// QEMU stopped for a fake reboot: its STOP is not a pause.
    pub paused_shutdown: bool,
    /// Destroy is in progress: the end of the monitor is expected and reported by it.
    pub being_destroyed: bool,
    /// The guest panicked and `on_crash` destroys it: the emulator is being stopped for the
    /// crash, and the SHUTDOWN QEMU reports on its way out is not the guest's (libvirt
    /// stops such a domain before the event could be handled).
    pub stopping_after_crash: bool,
    /// The paused reason the next STOP reports (set before the driver sends `stop`).
    pub pending_pause_reason: Option<i32>,
    /// The running reason the next RESUME reports (set before the driver sends `cont`).
    pub pending_running_reason: Option<i32>,
    /// `<on_poweroff>`.
    pub on_poweroff: LifecycleAction,
    /// `<on_crash>`.
    pub on_crash: LifecycleAction,
}

impl Lifecycle {
    /// A domain whose emulator was just spawned, paused with `-S` until the driver sends
    /// `cont` (libvirt's PAUSED/STARTING_UP).
    pub fn starting(on_poweroff: LifecycleAction, on_crash: LifecycleAction) -> Self {
        Self {
            state: StateReason::new(DomainState::Paused, paused::STARTING_UP),
            fake_reboot: false,
            paused_shutdown: false,
            being_destroyed: false,
            stopping_after_crash: false,
            pending_pause_reason: None,
            pending_running_reason: None,
            on_poweroff,
            on_crash,
        }
    }

    fn set_state(&mut self, out: &mut Outcome, state: DomainState, reason: i32) {
        let next = StateReason::new(state, reason);
        if next != self.state {
            self.state = next;
            out.state_changed = true;
        }
    }

    fn restarts_on_poweroff(&self) -> bool {
        matches!(
            self.on_poweroff,
            LifecycleAction::Restart | LifecycleAction::RenameRestart
        )
    }

    /// Applies one QMP event. `disks` resolves QEMU's device names to libvirt's.
    pub fn on_event(&mut self, event: &MonitorEvent, disks: &[RunningDisk]) -> Outcome {
        let mut out = Outcome::default();
        let state = self.state.state;
        match event {
            MonitorEvent::Shutdown { guest } => {
                if state == DomainState::Shutdown || !state.is_active() || self.stopping_after_crash
                {
                    return out;
                }
                if self.fake_reboot || self.restarts_on_poweroff() {
                    // The stop is transient: no state change, no event; the STOP that follows
                    // is not a pause.
                    self.fake_reboot = false;
                    self.paused_shutdown = true;
                    out.follow_up = Some(FollowUp::FakeReboot);
                    return out;
                }
                self.set_state(&mut out, DomainState::Shutdown, shutdown::UNKNOWN);
                let detail = match guest {
                    Some(true) => lifecycle::shutdown::GUEST,
                    Some(false) => lifecycle::shutdown::HOST,
                    None => lifecycle::shutdown::FINISHED,
                };
                out.lifecycle(lifecycle::SHUTDOWN, detail);
                out.follow_up = Some(FollowUp::Terminate);
            }
            MonitorEvent::Stop => {
                if state == DomainState::Running && !self.paused_shutdown {
                    let reason = self.pending_pause_reason.take().unwrap_or(paused::UNKNOWN);
                    self.set_state(&mut out, DomainState::Paused, reason);
                    out.lifecycle(lifecycle::SUSPENDED, suspended_detail(reason));
                }
            }
            MonitorEvent::Resume => {
                self.paused_shutdown = false;
                let reason = self
                    .pending_running_reason
                    .take()
                    .unwrap_or(running::UNPAUSED);
                if state != DomainState::Running {
                    let starting = self.state.reason == paused::STARTING_UP;
                    self.set_state(&mut out, DomainState::Running, reason);
                    out.lifecycle(lifecycle::RESUMED, resumed_detail(reason));
                    // The end of a start: libvirt's `cont` shows as RESUMED, then the start
                    // itself as STARTED (the order clients of libvirt's qemu driver see).
                    if starting && state == DomainState::Paused {
                        out.lifecycle(lifecycle::STARTED, started_detail(reason));
                    }
                }
            }
            MonitorEvent::Reset => {
                self.fake_reboot = false;
                let starting =
                    state == DomainState::Paused && self.state.reason == paused::STARTING_UP;
                if !starting {
                    out.events.push(DomainEventKind::Reboot);
                }
            }
            MonitorEvent::GuestPanicked => {
                if !state.is_active() {
                    return out;
                }
                self.set_state(&mut out, DomainState::Crashed, crashed::PANICKED);
                out.lifecycle(lifecycle::CRASHED, lifecycle::crashed::PANICKED);
                match self.on_crash {
                    LifecycleAction::Destroy | LifecycleAction::CoredumpDestroy => {
                        self.stopping_after_crash = true;
                        out.follow_up = Some(FollowUp::Stop {
                            reason: shutoff::CRASHED,
                            detail: lifecycle::stopped::CRASHED,
                        });
                    }
                    LifecycleAction::Restart | LifecycleAction::CoredumpRestart => {
                        self.pending_running_reason = Some(running::CRASHED);
                        out.follow_up = Some(FollowUp::FakeReboot);
                    }
                    LifecycleAction::Preserve | LifecycleAction::RenameRestart => {}
                }
            }
            MonitorEvent::GuestCrashloaded => {
                out.lifecycle(lifecycle::CRASHED, lifecycle::crashed::CRASHLOADED);
            }
            MonitorEvent::Watchdog { action } => {
                let action = action.as_deref();
                out.events.push(DomainEventKind::Watchdog {
                    action: watchdog_action(action),
                });
                if action == Some("pause") && state == DomainState::Running {
                    self.set_state(&mut out, DomainState::Paused, paused::WATCHDOG);
                    out.lifecycle(lifecycle::SUSPENDED, lifecycle::suspended::WATCHDOG);
                    self.paused_by_event();
                }
            }
            MonitorEvent::BlockIoError {
                device,
                node_name,
                action,
                nospace,
            } => {
                let disk = device
                    .as_deref()
                    .and_then(|d| RunningDisk::find(disks, d))
                    .or_else(|| {
                        node_name
                            .as_deref()
                            .and_then(|n| RunningDisk::find(disks, n))
                    });
                let action = action.as_deref();
                out.events.push(DomainEventKind::IoError {
                    src_path: disk.map(|d| d.path.clone()).unwrap_or_default(),
                    device: disk.map(|d| d.alias.clone()).unwrap_or_default(),
                    action: io_error_action(action),
                    reason: if *nospace { "enospc" } else { "" }.to_owned(),
                });
                if action == Some("stop") && state == DomainState::Running {
                    self.set_state(&mut out, DomainState::Paused, paused::IOERROR);
                    out.lifecycle(lifecycle::SUSPENDED, lifecycle::suspended::IOERROR);
                    self.paused_by_event();
                }
            }
            MonitorEvent::RtcChange { offset } => {
                out.events
                    .push(DomainEventKind::RtcChange { utcoffset: *offset });
            }
            MonitorEvent::DeviceDeleted { device } => {
                if let Some(device) = device {
                    out.events.push(DomainEventKind::DeviceRemoved {
                        device: device.clone(),
                    });
                    out.removed_device = Some(device.clone());
                }
            }
            MonitorEvent::DeviceUnplugGuestError { device } => {
                if let Some(device) = device {
                    out.events.push(DomainEventKind::DeviceRemovalFailed {
                        device: device.clone(),
                    });
                }
            }
            MonitorEvent::AcpiDeviceOst {
                device,
                slot_type,
                source,
                status,
            } => {
                let ejecting = matches!(source, 0x003 | 0x103);
                let failed = *status == 0x01 || (0x80..=0x83).contains(status);
                if slot_type.as_deref() == Some("DIMM") && ejecting && failed {
                    if let Some(device) = device {
                        out.events.push(DomainEventKind::DeviceRemovalFailed {
                            device: device.clone(),
                        });
                    }
                }
            }
            MonitorEvent::BalloonChange { actual } => {
                let kib = actual.div_ceil(1024);
                out.events
                    .push(DomainEventKind::BalloonChange { actual: kib });
                out.current_memory_kib = Some(kib);
            }
            MonitorEvent::Suspend => {
                out.events.push(DomainEventKind::PmSuspend { reason: 0 });
                if state == DomainState::Running {
                    self.set_state(&mut out, DomainState::PmSuspended, pmsuspended::UNKNOWN);
                    out.lifecycle(lifecycle::PMSUSPENDED, lifecycle::pmsuspended::MEMORY);
                }
            }
            MonitorEvent::SuspendDisk => {
                out.events
                    .push(DomainEventKind::PmSuspendDisk { reason: 0 });
                if state == DomainState::Running {
                    self.set_state(&mut out, DomainState::PmSuspended, pmsuspended::UNKNOWN);
                    out.lifecycle(lifecycle::PMSUSPENDED, lifecycle::pmsuspended::DISK);
                }
            }
            MonitorEvent::Wakeup => {
                out.events.push(DomainEventKind::PmWakeup { reason: 0 });
                if state == DomainState::PmSuspended {
                    self.set_state(&mut out, DomainState::Running, running::WAKEUP);
                    out.lifecycle(lifecycle::STARTED, lifecycle::started::WAKEUP);
                }
            }
            MonitorEvent::DeviceTrayMoved {
                device,
                id,
                tray_open,
            } => {
                let disk = id
                    .as_deref()
                    .and_then(|i| RunningDisk::find(disks, i))
                    .or_else(|| device.as_deref().and_then(|d| RunningDisk::find(disks, d)));
                if let Some(disk) = disk {
                    out.events.push(DomainEventKind::TrayChange {
                        device: disk.alias.clone(),
                        reason: if *tray_open { 0 } else { 1 },
                    });
                    out.tray = Some((disk.alias.clone(), *tray_open));
                }
            }
            MonitorEvent::BlockWriteThreshold {
                node_name,
                threshold,
                excess,
            } => {
                if let Some(disk) = node_name
                    .as_deref()
                    .and_then(|n| RunningDisk::find(disks, n))
                {
                    out.events.push(DomainEventKind::BlockThreshold {
                        dev: disk.target.clone(),
                        path: disk.path.clone(),
                        threshold: *threshold,
                        excess: *excess,
                    });
                }
            }
            MonitorEvent::Other(_) => {}
        }
        out
    }

    /// A pause QEMU made on its own (watchdog, I/O error): its STOP must not report again.
    fn paused_by_event(&mut self) {
        self.pending_pause_reason = None;
    }

    /// The monitor closed while the emulator was not being destroyed
    /// (`processMonitorEOFEvent`): a guest that had shut down stops normally, anything else
    /// is a failure. Returns nothing while a destroy is in progress.
    pub fn monitor_closed(&mut self) -> Outcome {
        if self.being_destroyed || !self.state.state.is_active() {
            return Outcome::default();
        }
        if self.state.state == DomainState::Shutdown {
            self.stopped(shutoff::SHUTDOWN, lifecycle::stopped::SHUTDOWN)
        } else {
            self.stopped(shutoff::CRASHED, lifecycle::stopped::FAILED)
        }
    }

    /// The monitor sent something that is not QMP, or stopped answering, while the emulator
    /// runs: CONTROL_ERROR, and the guest is left running.
    pub fn monitor_failed(&self) -> Outcome {
        Outcome {
            events: vec![DomainEventKind::ControlError],
            ..Outcome::default()
        }
    }

    /// The emulator is gone: SHUTOFF with `reason`, and STOPPED with `detail`.
    pub fn stopped(&mut self, reason: i32, detail: i32) -> Outcome {
        let mut out = Outcome::default();
        self.set_state(&mut out, DomainState::Shutoff, reason);
        self.fake_reboot = false;
        self.paused_shutdown = false;
        out.lifecycle(lifecycle::STOPPED, detail);
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn running() -> Lifecycle {
        let mut l = Lifecycle::starting(LifecycleAction::Destroy, LifecycleAction::Destroy);
        l.state = StateReason::new(DomainState::Running, running::BOOTED);
        l
    }

    fn lc(event: i32, detail: i32) -> DomainEventKind {
        DomainEventKind::Lifecycle { event, detail }
    }

    fn apply(l: &mut Lifecycle, name: &str, data: Value) -> Outcome {
        l.on_event(&MonitorEvent::decode(name, &data), &disks())
    }

    fn disks() -> Vec<RunningDisk> {
        vec![RunningDisk {
            alias: "virtio-disk0".into(),
            node_name: "libvirt-1-format".into(),
            target: "vda".into(),
            path: "/var/lib/images/a.qcow2".into(),
        }]
    }

    #[test]
    fn guest_poweroff_is_shutdown_then_terminate_then_stopped_on_eof() {
        let mut l = running();
        let out = apply(
            &mut l,
            "SHUTDOWN",
            json!({"guest": true, "reason": "guest-shutdown"}),
        );
        assert_eq!(
            out.events,
            vec![lc(lifecycle::SHUTDOWN, lifecycle::shutdown::GUEST)]
        );
        assert_eq!(out.follow_up, Some(FollowUp::Terminate));
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Shutdown, shutdown::UNKNOWN)
        );
        // The STOP that -no-shutdown sends, and the SHUTDOWN of our SIGTERM, change nothing.
        assert_eq!(apply(&mut l, "STOP", Value::Null), Outcome::default());
        assert_eq!(
            apply(&mut l, "SHUTDOWN", json!({"guest": false})),
            Outcome::default()
        );
        let out = l.monitor_closed();
        assert_eq!(
            out.events,
            vec![lc(lifecycle::STOPPED, lifecycle::stopped::SHUTDOWN)]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Shutoff, shutoff::SHUTDOWN)
        );
    }

    #[test]
    fn host_signal_and_old_qemu_give_host_and_finished_details() {
        let mut l = running();
        let out = apply(
            &mut l,
            "SHUTDOWN",
            json!({"guest": false, "reason": "host-signal"}),
        );
        assert_eq!(
            out.events,
            vec![lc(lifecycle::SHUTDOWN, lifecycle::shutdown::HOST)]
        );
        let mut l = running();
        let out = apply(&mut l, "SHUTDOWN", Value::Null);
        assert_eq!(
            out.events,
            vec![lc(lifecycle::SHUTDOWN, lifecycle::shutdown::FINISHED)]
        );
    }

    #[test]
    fn emulator_dying_while_running_is_failed_and_crashed() {
        let mut l = running();
        let out = l.monitor_closed();
        assert_eq!(
            out.events,
            vec![lc(lifecycle::STOPPED, lifecycle::stopped::FAILED)]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Shutoff, shutoff::CRASHED)
        );
        // A second end of the same monitor reports nothing.
        assert_eq!(l.monitor_closed(), Outcome::default());
    }

    #[test]
    fn destroy_hides_the_monitor_end() {
        let mut l = running();
        l.being_destroyed = true;
        assert_eq!(l.monitor_closed(), Outcome::default());
        let out = l.stopped(shutoff::DESTROYED, lifecycle::stopped::DESTROYED);
        assert_eq!(
            out.events,
            vec![lc(lifecycle::STOPPED, lifecycle::stopped::DESTROYED)]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Shutoff, shutoff::DESTROYED)
        );
    }

    #[test]
    fn api_reboot_is_a_fake_reboot_seen_only_as_reboot() {
        let mut l = running();
        l.fake_reboot = true;
        let out = apply(&mut l, "SHUTDOWN", json!({"guest": true}));
        assert!(out.events.is_empty());
        assert_eq!(out.follow_up, Some(FollowUp::FakeReboot));
        assert_eq!(l.state.state, DomainState::Running);
        assert_eq!(apply(&mut l, "STOP", Value::Null), Outcome::default());
        let out = apply(&mut l, "RESET", json!({"guest": false}));
        assert_eq!(out.events, vec![DomainEventKind::Reboot]);
        let out = apply(&mut l, "RESUME", Value::Null);
        assert!(out.events.is_empty(), "state never left RUNNING");
        // After the fake reboot a user pause is reported again.
        l.pending_pause_reason = Some(paused::USER);
        let out = apply(&mut l, "STOP", Value::Null);
        assert_eq!(
            out.events,
            vec![lc(lifecycle::SUSPENDED, lifecycle::suspended::PAUSED)]
        );
        assert_eq!(l.state, StateReason::new(DomainState::Paused, paused::USER));
    }

    #[test]
    fn on_poweroff_restart_turns_guest_poweroff_into_a_reboot() {
        let mut l = Lifecycle::starting(LifecycleAction::Restart, LifecycleAction::Destroy);
        l.state = StateReason::new(DomainState::Running, running::BOOTED);
        let out = apply(&mut l, "SHUTDOWN", json!({"guest": true}));
        assert_eq!(out.follow_up, Some(FollowUp::FakeReboot));
        assert!(out.events.is_empty());
    }

    #[test]
    fn start_sequence_resumed_from_starting_up_and_reset_ignored() {
        let mut l = Lifecycle::starting(LifecycleAction::Destroy, LifecycleAction::Destroy);
        assert!(apply(&mut l, "RESET", Value::Null).events.is_empty());
        l.pending_running_reason = Some(running::BOOTED);
        let out = apply(&mut l, "RESUME", Value::Null);
        assert_eq!(
            out.events,
            vec![
                lc(lifecycle::RESUMED, lifecycle::resumed::UNPAUSED),
                lc(lifecycle::STARTED, lifecycle::started::BOOTED)
            ]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Running, running::BOOTED)
        );
    }

    #[test]
    fn pause_and_resume_with_stashed_reasons() {
        let mut l = running();
        let out = apply(&mut l, "STOP", Value::Null);
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Paused, paused::UNKNOWN)
        );
        assert_eq!(
            out.events,
            vec![lc(lifecycle::SUSPENDED, lifecycle::suspended::PAUSED)]
        );
        l.pending_running_reason = Some(running::RESTORED);
        let out = apply(&mut l, "RESUME", Value::Null);
        assert_eq!(
            out.events,
            vec![lc(lifecycle::RESUMED, lifecycle::resumed::FROM_SNAPSHOT)]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Running, running::RESTORED)
        );
    }

    #[test]
    fn panic_follows_on_crash() {
        let mut l = running();
        let out = apply(&mut l, "GUEST_PANICKED", json!({"action": "pause"}));
        assert_eq!(
            out.events,
            vec![lc(lifecycle::CRASHED, lifecycle::crashed::PANICKED)]
        );
        assert_eq!(
            out.follow_up,
            Some(FollowUp::Stop {
                reason: shutoff::CRASHED,
                detail: lifecycle::stopped::CRASHED
            })
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Crashed, crashed::PANICKED)
        );
        assert_eq!(apply(&mut l, "STOP", Value::Null), Outcome::default());
        // The SHUTDOWN of the emulator being stopped for the crash reports nothing.
        assert_eq!(
            apply(&mut l, "SHUTDOWN", json!({"guest": false})),
            Outcome::default()
        );

        let mut l = Lifecycle::starting(LifecycleAction::Destroy, LifecycleAction::Restart);
        l.state = StateReason::new(DomainState::Running, running::BOOTED);
        let out = apply(&mut l, "GUEST_PANICKED", Value::Null);
        assert_eq!(out.follow_up, Some(FollowUp::FakeReboot));
        apply(&mut l, "RESET", Value::Null);
        let out = apply(&mut l, "RESUME", Value::Null);
        assert_eq!(
            out.events,
            vec![lc(lifecycle::RESUMED, lifecycle::resumed::UNPAUSED)]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Running, running::CRASHED)
        );

        let mut l = Lifecycle::starting(LifecycleAction::Destroy, LifecycleAction::Preserve);
        l.state = StateReason::new(DomainState::Running, running::BOOTED);
        let out = apply(&mut l, "GUEST_PANICKED", Value::Null);
        assert_eq!(out.follow_up, None);
        assert_eq!(l.state.state, DomainState::Crashed);
    }

    #[test]
    fn io_error_names_the_disk_and_pauses_on_stop() {
        let mut l = running();
        let out = apply(
            &mut l,
            "BLOCK_IO_ERROR",
            json!({"device": "", "node-name": "libvirt-1-format", "action": "stop", "nospace": true, "operation": "write"}),
        );
        assert_eq!(
            out.events,
            vec![
                DomainEventKind::IoError {
                    src_path: "/var/lib/images/a.qcow2".into(),
                    device: "virtio-disk0".into(),
                    action: 1,
                    reason: "enospc".into(),
                },
                lc(lifecycle::SUSPENDED, lifecycle::suspended::IOERROR),
            ]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Paused, paused::IOERROR)
        );
        // An unknown disk is reported with empty names; "report" does not pause.
        let mut l = running();
        let out = apply(
            &mut l,
            "BLOCK_IO_ERROR",
            json!({"device": "nope", "action": "report", "nospace": false}),
        );
        assert_eq!(
            out.events,
            vec![DomainEventKind::IoError {
                src_path: String::new(),
                device: String::new(),
                action: 2,
                reason: String::new(),
            }]
        );
        assert_eq!(l.state.state, DomainState::Running);
    }

    #[test]
    fn watchdog_pause_suspends() {
        let mut l = running();
        let out = apply(&mut l, "WATCHDOG", json!({"action": "pause"}));
        assert_eq!(
            out.events,
            vec![
                DomainEventKind::Watchdog { action: 1 },
                lc(lifecycle::SUSPENDED, lifecycle::suspended::WATCHDOG)
            ]
        );
        let mut l = running();
        let out = apply(&mut l, "WATCHDOG", json!({"action": "reset"}));
        assert_eq!(out.events, vec![DomainEventKind::Watchdog { action: 2 }]);
        assert_eq!(l.state.state, DomainState::Running);
    }

    #[test]
    fn power_management_events() {
        let mut l = running();
        let out = apply(&mut l, "SUSPEND", Value::Null);
        assert_eq!(
            out.events,
            vec![
                DomainEventKind::PmSuspend { reason: 0 },
                lc(lifecycle::PMSUSPENDED, lifecycle::pmsuspended::MEMORY)
            ]
        );
        assert_eq!(l.state.state, DomainState::PmSuspended);
        let out = apply(&mut l, "WAKEUP", Value::Null);
        assert_eq!(
            out.events,
            vec![
                DomainEventKind::PmWakeup { reason: 0 },
                lc(lifecycle::STARTED, lifecycle::started::WAKEUP)
            ]
        );
        assert_eq!(
            l.state,
            StateReason::new(DomainState::Running, running::WAKEUP)
        );
        let out = apply(&mut l, "SUSPEND_DISK", Value::Null);
        assert_eq!(
            out.events[1],
            lc(lifecycle::PMSUSPENDED, lifecycle::pmsuspended::DISK)
        );
        assert_eq!(pmsuspended::UNKNOWN, l.state.reason);
    }

    #[test]
    fn device_events() {
        let mut l = running();
        let out = apply(
            &mut l,
            "DEVICE_DELETED",
            json!({"device": "net1", "path": "/x"}),
        );
        assert_eq!(
            out.events,
            vec![DomainEventKind::DeviceRemoved {
                device: "net1".into()
            }]
        );
        assert_eq!(out.removed_device.as_deref(), Some("net1"));
        // A deleted block node without a device id is internal.
        assert!(apply(&mut l, "DEVICE_DELETED", json!({"path": "/x"}))
            .events
            .is_empty());
        let out = apply(
            &mut l,
            "DEVICE_UNPLUG_GUEST_ERROR",
            json!({"device": "hostdev0"}),
        );
        assert_eq!(
            out.events,
            vec![DomainEventKind::DeviceRemovalFailed {
                device: "hostdev0".into()
            }]
        );
        let ost = |status: u64, slot: &str| json!({"info": {"device": "dimm1", "slot-type": slot, "slot": "1", "source": 3, "status": status}});
        assert_eq!(
            apply(&mut l, "ACPI_DEVICE_OST", ost(1, "DIMM")).events,
            vec![DomainEventKind::DeviceRemovalFailed {
                device: "dimm1".into()
            }]
        );
        assert!(apply(&mut l, "ACPI_DEVICE_OST", ost(0, "DIMM"))
            .events
            .is_empty());
        assert!(apply(&mut l, "ACPI_DEVICE_OST", ost(1, "CPU"))
            .events
            .is_empty());
        let out = apply(
            &mut l,
            "DEVICE_TRAY_MOVED",
            json!({"device": "", "id": "virtio-disk0", "tray-open": true}),
        );
        assert_eq!(
            out.events,
            vec![DomainEventKind::TrayChange {
                device: "virtio-disk0".into(),
                reason: 0
            }]
        );
    }

    #[test]
    fn balloon_rtc_threshold_and_unknown_events() {
        let mut l = running();
        let out = apply(&mut l, "BALLOON_CHANGE", json!({"actual": 134_217_729u64}));
        assert_eq!(
            out.events,
            vec![DomainEventKind::BalloonChange { actual: 131_073 }]
        );
        assert_eq!(out.current_memory_kib, Some(131_073));
        let out = apply(&mut l, "RTC_CHANGE", json!({"offset": -3600}));
        assert_eq!(
            out.events,
            vec![DomainEventKind::RtcChange { utcoffset: -3600 }]
        );
        let out = apply(
            &mut l,
            "BLOCK_WRITE_THRESHOLD",
            json!({"node-name": "libvirt-1-format", "write-threshold": 1000, "amount-exceeded": 24}),
        );
        assert_eq!(
            out.events,
            vec![DomainEventKind::BlockThreshold {
                dev: "vda".into(),
                path: "/var/lib/images/a.qcow2".into(),
                threshold: 1000,
                excess: 24
            }]
        );
        assert_eq!(apply(&mut l, "POWERDOWN", Value::Null), Outcome::default());
        assert_eq!(
            apply(&mut l, "NIC_RX_FILTER_CHANGED", json!({"name": "net0"})),
            Outcome::default()
        );
    }

    #[test]
    fn control_error_leaves_the_guest_running() {
        let l = running();
        assert_eq!(
            l.monitor_failed().events,
            vec![DomainEventKind::ControlError]
        );
        assert_eq!(l.state.state, DomainState::Running);
    }
}
