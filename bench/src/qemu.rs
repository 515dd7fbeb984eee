//! The QEMU phase: real guests on `/org/libvirt/QEMU` under TCG, for the service under test
//! and, when installed, libvirt-dbus over libvirtd on the same definitions, with raw qemu
//! spawn-to-greeting as the floor. Each service runs on a fresh private bus of its own.

use std::path::PathBuf;

use zbus::{fdo::DBusProxy, Connection};

use crate::{
    bus::PrivateBus,
    domain_events::EventWatcher,
    error::BenchError,
    figures::Measured,
    guests::{self, GuestFiles, GuestKind},
    libvirtd::{LibvirtDaemons, LibvirtPrograms},
    load,
    process::{self, StrayGuard},
    programs,
    qemu_calls::{self, QEMU_ROOT},
    qemu_lifecycle::{self, LifecycleFigures, Rounds},
    qemu_load::{self, Load, LoadFigures},
    service::{self, ServiceSpec},
};

/// The start of every guest name of the phase.
pub const GUEST_PREFIX: &str = "virtbus-bench-";

/// The emulator looked for on PATH.
pub const EMULATOR: &str = "qemu-system-x86_64";

/// How the QEMU phase is sized.
#[derive(Debug, Clone)]
pub struct QemuSettings {
    /// The dbus-daemon program.
    pub dbus_daemon: String,
    /// Counted Create/Destroy rounds per guest (and raw spawns), after one warm-up.
    pub rounds: usize,
    /// Guests running at once for the RSS and events figures.
    pub guests: usize,
    /// Suspend + resume cycles per guest in the events workload.
    pub cycles: usize,
    /// Client connections the events workload spreads its guests over.
    pub clients: usize,
    /// The tiny guest's folder; `None` finds or builds it.
    pub tiny_guest: Option<PathBuf>,
    /// Whether to measure libvirt-dbus over libvirtd when installed.
    pub libvirtd: bool,
}

/// What one stack (a service and what it needs) measured.
#[derive(Debug, Clone)]
pub struct StackFigures {
    /// Timed rounds per guest kind.
    pub lifecycle: Vec<(GuestKind, Measured<LifecycleFigures>)>,
    /// The many-guests run.
    pub load: Measured<LoadFigures>,
}

impl StackFigures {
    /// The rounds of `kind`.
    pub fn rounds(&self, kind: GuestKind) -> Measured<&LifecycleFigures> {
        self.lifecycle
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, m)| m.as_ref().map_err(Clone::clone))
            .unwrap_or_else(|| Err("not reached".into()))
    }
}

/// Everything the phase measured.
#[derive(Debug, Clone)]
pub struct QemuFigures {
    /// The emulator used.
    pub emulator: PathBuf,
    /// The settings it ran with.
    pub settings: QemuSettings,
    /// The service under test.
    pub ours: Measured<StackFigures>,
    /// libvirt-dbus over libvirtd, or why not.
    pub libvirt: Measured<StackFigures>,
    /// Remarks for the report.
    pub notes: Vec<String>,
    /// The 1-minute load average when the phase started and when it ended.
    pub load_average: (Option<f64>, Option<f64>),
}

/// The phase's outcome.
#[derive(Debug, Clone)]
pub enum QemuPhase {
    /// Not run, and why.
    Skipped(String),
    /// Run.
    Ran(Box<QemuFigures>),
}

/// Runs the phase for the service binary `ours`; an error is a harness failure (bus or
/// service start), figures measured before it are lost only for that stack.
pub async fn run(ours: &str, settings: &QemuSettings) -> QemuPhase {
    let Some(emulator) = programs::find(EMULATOR) else {
        return QemuPhase::Skipped(format!("{EMULATOR} not found on PATH"));
    };
    let mut notes = Vec::new();
    let load_at_start = process::load_average();
    progress("tiny guest");
    let tiny = match guests::tiny_guest_folder(settings.tiny_guest.as_deref()) {
        Ok(dir) => Some(dir),
        Err(e) => {
            notes.push(format!("tiny guest rows skipped: {e}"));
            None
        }
    };
    let files = match GuestFiles::stage(tiny.as_deref()) {
        Ok(files) => files,
        Err(e) => return QemuPhase::Skipped(format!("cannot stage the guests' files: {e}")),
    };

    let ours = measure_ours(ours, settings, &files, &emulator).await;

    let libvirt = if settings.libvirtd {
        measure_libvirt(settings, &files, &emulator).await
    } else {
        Err("not asked for (--qemu-no-libvirtd)".into())
    };
    QemuPhase::Ran(Box::new(QemuFigures {
        emulator,
        settings: settings.clone(),
        ours: ours.map_err(|e| e.to_string()),
        libvirt,
        notes,
        load_average: (load_at_start, process::load_average()),
    }))
}

/// The service under test with the QEMU connection, its folders in the bus's directory.
async fn measure_ours(
    binary: &str,
    settings: &QemuSettings,
    files: &GuestFiles,
    emulator: &std::path::Path,
) -> Result<StackFigures, BenchError> {
    let bus = PrivateBus::start(&settings.dbus_daemon).await?;
    // The guests' sockets are in the run folder, inside the bus's directory.
    let _strays = StrayGuard::new("qemu-system", bus.dir().display().to_string());
    let control = load::client_connection(bus.address()).await?;
    let dbus = DBusProxy::new(&control).await?;
    let folder = |name: &str| bus.dir().join(name).display().to_string();
    let mut args: Vec<String> = ["--session", "--connections", "test,qemu"]
        .map(str::to_owned)
        .into();
    for option in ["config", "data", "run", "log"] {
        args.push(format!("--{option}-dir"));
        args.push(folder(option));
    }
    let spec = ServiceSpec {
        binary: binary.to_owned(),
        args,
        env: Vec::new(),
    };
    progress("ours: starting with --connections test,qemu");
    let (mut running, _) = service::start(&spec, &bus, &dbus, "qemu").await?;
    let pid = running.pid();
    let raw = (pid, bus.dir().join("raw-qemu.sock"));
    let result = measure_stack(
        "ours",
        bus.address(),
        Some(raw),
        &[pid],
        files,
        emulator,
        settings,
    )
    .await;
    running.check_alive()?;
    running.stop(&dbus).await?;
    result
}

/// libvirtd + libvirt-dbus `--system` on a private bus; `Err` says why not measured.
async fn measure_libvirt(
    settings: &QemuSettings,
    files: &GuestFiles,
    emulator: &std::path::Path,
) -> Measured<StackFigures> {
    let programs = LibvirtPrograms::find().map_err(|e| e.to_string())?;
    let bus = PrivateBus::start(&settings.dbus_daemon)
        .await
        .map_err(|e| e.to_string())?;
    progress("libvirt: starting virtlogd and libvirtd");
    let _strays = StrayGuard::new("qemu-system", format!("guest={GUEST_PREFIX}"));
    let daemons = LibvirtDaemons::start(&programs, bus.dir())
        .await
        .map_err(|e| e.to_string())?;
    let result = async {
        let control = load::client_connection(bus.address()).await?;
        let dbus = DBusProxy::new(&control).await?;
        let spec = ServiceSpec {
            binary: programs.libvirt_dbus.display().to_string(),
            args: vec!["--system".into()],
            env: vec![("DBUS_SYSTEM_BUS_ADDRESS".into(), bus.address().to_owned())],
        };
        progress("libvirt: starting libvirt-dbus --system");
        let (running, _) = service::start(&spec, &bus, &dbus, "libvirt-dbus").await?;
        let [libvirtd, virtlogd] = daemons.pids();
        let pids = [running.pid(), libvirtd, virtlogd];
        let figures = measure_stack(
            "libvirt",
            bus.address(),
            None,
            &pids,
            files,
            emulator,
            settings,
        )
        .await;
        running.stop(&dbus).await?;
        figures
    }
    .await;
    // Stopping libvirtd polls for up to a few seconds: off the runtime's threads.
    let _ = tokio::task::spawn_blocking(move || drop(daemons)).await;
    result.map_err(|e: BenchError| e.to_string())
}

/// The timed rounds of both guests, then the many-guests run, through `org.libvirt` on the
/// bus at `address`. `raw` is the pid whose qemu children are the guests, and a socket path
/// for raw spawns of their command lines; `pids` are the processes whose RSS is the stack's.
async fn measure_stack(
    who: &str,
    address: &str,
    raw: Option<(u32, PathBuf)>,
    pids: &[u32],
    files: &GuestFiles,
    emulator: &std::path::Path,
    settings: &QemuSettings,
) -> Result<StackFigures, BenchError> {
    let clients = load::connect_clients(address, settings.clients.max(1)).await?;
    let mut watcher = EventWatcher::start(address, QEMU_ROOT).await?;
    let mut lifecycle = Vec::new();
    for (index, kind) in [GuestKind::NoDisk, GuestKind::Tiny].into_iter().enumerate() {
        progress(&format!(
            "{who}: {} Create/Destroy x {} (+1 warm-up)",
            kind.label(),
            settings.rounds
        ));
        let measured = one_guest(
            &clients[0],
            &mut watcher,
            files,
            emulator,
            kind,
            index,
            raw.as_ref(),
            settings.rounds,
        )
        .await;
        lifecycle.push((kind, measured));
    }
    progress(&format!(
        "{who}: {} guests running, suspend/resume x {}",
        settings.guests, settings.cycles
    ));
    let load = qemu_load::measure(
        &clients,
        &mut watcher,
        files,
        &Load {
            guests: settings.guests,
            cycles: settings.cycles,
            pids,
            emulator,
        },
    )
    .await;
    Ok(StackFigures { lifecycle, load })
}

/// Defines the guest of `kind`, times its rounds, and removes it again.
#[allow(clippy::too_many_arguments)]
async fn one_guest(
    conn: &Connection,
    watcher: &mut EventWatcher,
    files: &GuestFiles,
    emulator: &std::path::Path,
    kind: GuestKind,
    index: usize,
    raw: Option<&(u32, PathBuf)>,
    rounds: usize,
) -> Measured<LifecycleFigures> {
    let name = match kind {
        GuestKind::NoDisk => format!("{GUEST_PREFIX}nodisk"),
        GuestKind::Tiny => format!("{GUEST_PREFIX}tiny"),
    };
    let name = name.as_str();
    let xml = files
        .xml(kind, name, index, emulator)
        .ok_or("tiny guest not available")?;
    qemu_calls::remove(conn, name).await;
    let domain = qemu_calls::define(conn, &xml).await?;
    let serial = files.serial_log(name);
    let rounds = Rounds {
        count: rounds,
        serial: (kind == GuestKind::Tiny).then_some(serial.as_path()),
        raw: raw.map(|(pid, socket)| (*pid, socket.as_path())),
    };
    let result = qemu_lifecycle::measure(conn, watcher, &domain, &rounds).await;
    qemu_calls::remove(conn, name).await;
    result
}

fn progress(what: &str) {
    eprintln!("bench: [qemu] {what}");
}
