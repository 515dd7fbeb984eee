//! [`QemuDriver`]: the connection `qemu:///session` or `qemu:///system`, its configuration,
//! what it answers about the host, and its start-up (loading definitions, reattaching to the
//! guests still running, autostart).

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicI32, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
    time::Duration,
};

use async_trait::async_trait;
use virtbus_core::{
    args, cpu,
    cpu::x86_compare,
    driver::{
        ConnectDriver, Driver, InterfaceDriver, NWFilterDriver, NetworkDriver, NodeDeviceDriver,
        SecretDriver, SnapshotDriver, StoragePoolDriver, StorageVolDriver,
    },
    event::{Event, EventSender},
    flags::check_flags,
    model::{Capabilities, GuestCaps, GuestFeature, MachineCaps},
    xml::{format_capabilities, format_domain_capabilities, format_sysinfo, parse_cpu_def},
    Error, Result,
};

use crate::{
    command_line::HostFacts,
    domain_caps,
    domains::Domains,
    emulator,
    host::HostFs,
    store::{Mode, Store, StoreDirs},
};

/// VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE.
pub const COMPARE_CPU_FAIL_INCOMPATIBLE: u32 = 1;
/// VIR_CONNECT_COMPARE_CPU_VALIDATE_XML (accepted; the XML is checked by the parser).
pub const COMPARE_CPU_VALIDATE_XML: u32 = 2;

/// libvirt's version that virtbus's API follows (`virConnectGetLibVersion`): 9.0.0.
pub const LIB_VERSION: u64 = 9_000_000;

/// How the QEMU connection is set up.
#[derive(Debug, Clone)]
pub struct QemuConfig {
    /// System or session flavour.
    pub mode: Mode,
    /// Where definitions, status, logs and sockets live.
    pub dirs: StoreDirs,
    /// How long an emulator may take from spawn to the monitor's greeting.
    pub start_timeout: Duration,
    /// The timeout of each monitor command.
    pub command_timeout: Duration,
    /// How long destroy waits after SIGTERM before SIGKILL (libvirt: 10 s).
    pub destroy_grace: Duration,
    /// Whether autostart domains are started when the connection opens.
    pub autostart: bool,
}

impl QemuConfig {
    /// The defaults of `mode`, with the default directories.
    pub fn new(mode: Mode) -> Result<Self> {
        Ok(Self::with_dirs(mode, StoreDirs::defaults(mode)?))
    }

    /// The defaults of `mode` over `dirs`.
    pub fn with_dirs(mode: Mode, dirs: StoreDirs) -> Self {
        Self {
            mode,
            dirs,
            start_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(30),
            destroy_grace: Duration::from_secs(10),
            autostart: true,
        }
    }
}

/// What every part of the driver shares, behind one `Arc` so that guest supervisors outlive
/// a call.
pub(crate) struct Inner {
    pub uri: &'static str,
    pub events: EventSender,
    pub store: Store,
    pub config: QemuConfig,
    pub host: HostFacts,
    pub hostfs: HostFs,
    domains: Mutex<Domains>,
    next_id: AtomicI32,
}

impl Inner {
    /// The domain table; never hold it across an `.await`.
    pub fn domains(&self) -> MutexGuard<'_, Domains> {
        self.domains.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next domain id, as libvirt numbers running domains from 1.
    pub fn next_id(&self) -> i32 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Makes sure the next id is above `id` (a reattached guest keeps its id).
    pub fn reserve_id(&self, id: i32) {
        self.next_id.fetch_max(id + 1, Ordering::Relaxed);
    }

    /// Publishes `events` (after every lock is released).
    pub fn publish(&self, events: Vec<Event>) {
        for event in events {
            self.events.send(event);
        }
    }
}

/// The native QEMU driver.
#[derive(Clone)]
pub struct QemuDriver {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for QemuDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QemuDriver")
            .field("uri", &self.inner.uri)
            .finish_non_exhaustive()
    }
}

impl QemuDriver {
    /// Opens the connection: loads every persistent definition, reattaches to every guest
    /// whose runtime status is on disk (a guest that died meanwhile is marked shut off, with
    /// its event), then starts the autostart domains in the background. A definition or
    /// status file that cannot be read is logged and skipped.
    pub async fn open(config: QemuConfig, events: EventSender) -> Result<Self> {
        let uri = match config.mode {
            Mode::System => "qemu:///system",
            Mode::Session => "qemu:///session",
        };
        let driver = Self {
            inner: Arc::new(Inner {
                uri,
                events,
                store: Store::new(config.dirs.clone()),
                host: HostFacts::probe(),
                hostfs: HostFs::real(),
                config,
                domains: Mutex::new(Domains::default()),
                next_id: AtomicI32::new(1),
            }),
        };
        crate::guest::load(&driver.inner).await?;
        Ok(driver)
    }

    /// The configuration.
    pub fn config(&self) -> &QemuConfig {
        &self.inner.config
    }

    /// The directory of the persistent definitions.
    pub fn config_dir(&self) -> PathBuf {
        self.inner.store.config_dir()
    }
}

impl Driver for QemuDriver {
    fn name(&self) -> &'static str {
        "QEMU"
    }

    fn uri(&self) -> &str {
        self.inner.uri
    }

    fn events(&self) -> &EventSender {
        &self.inner.events
    }
}

/// The guests of the capabilities document: one per emulator found on PATH for the
/// architectures the driver runs.
fn guest_caps(host: &HostFacts) -> Vec<GuestCaps> {
    let mut guests = Vec::new();
    for (arch, wordsize) in [("x86_64", 64), ("i686", 32)] {
        let Ok(path) = emulator::locate(None, arch) else {
            continue;
        };
        let Ok(emu) = emulator::probe(&path) else {
            continue;
        };
        let mut machines = Vec::new();
        for m in &emu.machines {
            machines.push(MachineCaps {
                name: m.name.clone(),
                canonical: None,
                max_cpus: Some(m.cpu_max),
                deprecated: false,
            });
            if let Some(alias) = &m.alias {
                machines.push(MachineCaps {
                    name: alias.clone(),
                    canonical: Some(m.name.clone()),
                    max_cpus: Some(m.cpu_max),
                    deprecated: false,
                });
            }
        }
        let mut domain_types = vec!["qemu".to_owned()];
        if host.kvm_usable {
            domain_types.push("kvm".to_owned());
        }
        let mut features = Vec::new();
        if arch == "i686" {
            features.push(GuestFeature::plain("pae"));
            features.push(GuestFeature::plain("nonpae"));
        }
        features.extend([
            GuestFeature::toggled("acpi", true, true),
            GuestFeature::toggled("apic", true, false),
            GuestFeature::plain("cpuselection"),
            GuestFeature::plain("deviceboot"),
            GuestFeature::toggled("disksnapshot", true, false),
        ]);
        guests.push(GuestCaps {
            os_type: "hvm".to_owned(),
            arch: arch.to_owned(),
            wordsize,
            emulator: Some(path.display().to_string()),
            machines,
            domain_types,
            features,
        });
    }
    guests
}

/// The host's architecture as libvirt names it.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        other => other,
    }
}

#[async_trait]
impl ConnectDriver for QemuDriver {
    async fn hostname(&self) -> Result<String> {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc != 0 {
            return Err(Error::System(
                "failed to determine host name: gethostname failed".to_owned(),
            ));
        }
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
    }

    /// The version of the emulator for the host's architecture, as libvirt encodes it.
    async fn version(&self) -> Result<u64> {
        tokio::task::spawn_blocking(|| {
            let path = emulator::locate(None, host_arch())?;
            Ok(emulator::probe(&path)?.version)
        })
        .await
        .map_err(|e| Error::Internal(format!("emulator probe failed: {e}")))?
    }

    async fn lib_version(&self) -> Result<u64> {
        Ok(LIB_VERSION)
    }

    async fn is_encrypted(&self) -> Result<bool> {
        Ok(false)
    }

    async fn is_secure(&self) -> Result<bool> {
        Ok(true)
    }

    async fn capabilities(&self) -> Result<String> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let host = inner.hostfs.host_caps(host_arch())?;
            let guests = guest_caps(&inner.host);
            Ok(format_capabilities(&Capabilities { host, guests }))
        })
        .await
        .map_err(|e| Error::Internal(format!("capabilities probe failed: {e}")))?
    }

    async fn sysinfo(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "qemuConnectGetSysinfo")?;
        Ok(format_sysinfo(&self.inner.hostfs.sysinfo()?))
    }

    async fn cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        check_flags(flags, 0, "qemuConnectGetCPUModelNames")?;
        cpu::model_names(arch)
    }

    async fn domain_capabilities(
        &self,
        emulator: &str,
        arch: &str,
        machine: &str,
        virttype: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, 0, "qemuConnectGetDomainCapabilities")?;
        let inner = Arc::clone(&self.inner);
        let (emulator, arch, machine, virttype) = (
            emulator.to_owned(),
            arch.to_owned(),
            machine.to_owned(),
            virttype.to_owned(),
        );
        tokio::task::spawn_blocking(move || {
            let req = domain_caps::Request {
                emulator: &emulator,
                arch: &arch,
                machine: &machine,
                virttype: &virttype,
            };
            let caps = domain_caps::domain_capabilities(&req, &inner.host)?;
            Ok(format_domain_capabilities(&caps))
        })
        .await
        .map_err(|e| Error::Internal(format!("domain capabilities probe failed: {e}")))?
    }

    async fn compare_cpu(&self, xml: &str, flags: u32) -> Result<i32> {
        check_flags(
            flags,
            COMPARE_CPU_FAIL_INCOMPATIBLE | COMPARE_CPU_VALIDATE_XML,
            "qemuConnectCompareCPU",
        )?;
        let host = self.inner.hostfs.host_cpu()?;
        let cpu = parse_cpu_def(xml)?;
        let arch = host_arch();
        if cpu::driver_for(arch) != Some(cpu::CpuDriver::X86) {
            return Err(Error::NoSupportDetail(format!(
                "cannot compare CPUs of {arch} architecture"
            )));
        }
        x86_compare::compare(&host, &cpu, flags & COMPARE_CPU_FAIL_INCOMPATIBLE != 0)
    }

    async fn baseline_cpu(&self, xml_cpus: &[String], flags: u32) -> Result<String> {
        cpu::baseline_xml(
            xml_cpus,
            flags,
            cpu::BASELINE_EXPAND_FEATURES | cpu::BASELINE_MIGRATABLE,
            "qemuConnectBaselineCPU",
        )
    }

    async fn node_cpu_map(&self, flags: u32) -> Result<Vec<bool>> {
        check_flags(flags, 0, "qemuNodeGetCPUMap")?;
        self.inner.hostfs.cpu_map()
    }

    async fn node_cpu_stats(&self, cpu: i32, flags: u32) -> Result<Vec<(String, u64)>> {
        args::minus_one_or_more(cpu, "cpuNum", "virNodeGetCPUStats")?;
        check_flags(flags, 0, "qemuNodeGetCPUStats")?;
        self.inner.hostfs.cpu_stats(cpu)
    }

    async fn node_free_memory(&self) -> Result<u64> {
        self.inner.hostfs.free_memory()
    }

    async fn node_memory_stats(&self, cell: i32, flags: u32) -> Result<Vec<(String, u64)>> {
        args::minus_one_or_more(cell, "cellNum", "virNodeGetMemoryStats")?;
        check_flags(flags, 0, "qemuNodeGetMemoryStats")?;
        self.inner.hostfs.memory_stats(cell)
    }

    async fn node_security_model(&self) -> Result<(String, String)> {
        Ok(("none".to_owned(), "0".to_owned()))
    }
}

// The groups the QEMU connection does not serve yet: every call answers libvirt's "not
// supported by the connection driver".
impl SnapshotDriver for QemuDriver {}
impl NetworkDriver for QemuDriver {}
impl StoragePoolDriver for QemuDriver {}
impl StorageVolDriver for QemuDriver {}
impl NodeDeviceDriver for QemuDriver {}
impl InterfaceDriver for QemuDriver {}
impl NWFilterDriver for QemuDriver {}
impl SecretDriver for QemuDriver {}
