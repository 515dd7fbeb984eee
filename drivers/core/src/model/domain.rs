//! The domain model: the definition parsed from XML ([`DomainDef`]) kept apart from the runtime
//! object ([`DomainObj`]: state, id, persistence, live and next-boot definitions).

use uuid::Uuid;

use crate::state::StateReason;

/// What a driver does when the guest powers off, reboots or crashes (`on_*` elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LifecycleAction {
    #[default]
    Destroy,
    Restart,
    Preserve,
    RenameRestart,
    CoredumpDestroy,
    CoredumpRestart,
}

impl LifecycleAction {
    /// The XML spelling ("destroy", "restart", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleAction::Destroy => "destroy",
            LifecycleAction::Restart => "restart",
            LifecycleAction::Preserve => "preserve",
            LifecycleAction::RenameRestart => "rename-restart",
            LifecycleAction::CoredumpDestroy => "coredump-destroy",
            LifecycleAction::CoredumpRestart => "coredump-restart",
        }
    }

    /// Parses the XML spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "destroy" => LifecycleAction::Destroy,
            "restart" => LifecycleAction::Restart,
            "preserve" => LifecycleAction::Preserve,
            "rename-restart" => LifecycleAction::RenameRestart,
            "coredump-destroy" => LifecycleAction::CoredumpDestroy,
            "coredump-restart" => LifecycleAction::CoredumpRestart,
            _ => return None,
        })
    }
}

/// `<os>`: guest type, architecture, machine, boot order and direct kernel boot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsDef {
    /// `hvm`, `xen`, `linux`, `exe`.
    pub os_type: String,
    pub arch: Option<String>,
    pub machine: Option<String>,
    /// Boot devices in order: `hd`, `cdrom`, `network`, `fd`.
    pub boot: Vec<String>,
    pub boot_menu: Option<bool>,
    pub loader: Option<String>,
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
}

/// `<vcpu current='N'>MAX</vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuDef {
    pub max: u32,
    pub current: u32,
    pub placement: Option<String>,
    pub cpuset: Option<String>,
}

impl Default for VcpuDef {
    fn default() -> Self {
        Self {
            max: 1,
            current: 1,
            placement: None,
            cpuset: None,
        }
    }
}

/// `<cpu>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuDef {
    pub mode: Option<String>,
    pub match_: Option<String>,
    pub check: Option<String>,
    pub model: Option<String>,
    pub fallback: Option<String>,
    pub vendor: Option<String>,
    /// (sockets, dies, cores, threads).
    pub topology: Option<(u32, u32, u32, u32)>,
    /// (policy, name).
    pub features: Vec<(String, String)>,
}

/// One `<timer>` of `<clock>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimerDef {
    pub name: String,
    pub present: Option<bool>,
    pub tickpolicy: Option<String>,
}

/// `<clock offset='utc'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockDef {
    pub offset: String,
    pub adjustment: Option<String>,
    pub timers: Vec<TimerDef>,
}

impl Default for ClockDef {
    fn default() -> Self {
        Self {
            offset: "utc".to_owned(),
            adjustment: None,
            timers: Vec::new(),
        }
    }
}

/// One child of `<features>`: its name, attributes and child elements (for `<hyperv>` and the
/// like), kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeatureDef {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<FeatureDef>,
}

/// `<address>` of a device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressDef {
    /// All attributes as written (`type`, `domain`, `bus`, `slot`, `function`, ...).
    pub attributes: Vec<(String, String)>,
}

/// `<disk>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskDef {
    /// `file`, `block`, `network`, `volume`, `dir`.
    pub disk_type: String,
    /// `disk`, `cdrom`, `floppy`, `lun`.
    pub device: String,
    pub driver_name: Option<String>,
    pub driver_type: Option<String>,
    pub driver_cache: Option<String>,
    /// The source path (file, dev or dir attribute) or network name.
    pub source: Option<String>,
    pub target_dev: String,
    pub target_bus: Option<String>,
    pub readonly: bool,
    pub shareable: bool,
    pub serial: Option<String>,
    pub boot_order: Option<u32>,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<controller>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ControllerDef {
    pub controller_type: String,
    pub index: u32,
    pub model: Option<String>,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<interface>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceDef {
    /// `network`, `bridge`, `user`, `ethernet`, `direct`.
    pub if_type: String,
    pub mac: Option<String>,
    /// Source network, bridge or device, depending on the type.
    pub source: Option<String>,
    pub target_dev: Option<String>,
    pub model: Option<String>,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<serial>` or `<console>` (character devices).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharDeviceDef {
    /// `pty`, `file`, `unix`, `null`, `stdio`, ...
    pub char_type: String,
    /// Source path (a pty path once running, a file, a socket).
    pub source_path: Option<String>,
    pub target_type: Option<String>,
    pub target_port: Option<u32>,
    pub alias: Option<String>,
}

/// `<graphics>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GraphicsDef {
    /// `vnc`, `spice`, `sdl`, ...
    pub graphics_type: String,
    pub port: Option<i32>,
    pub autoport: Option<bool>,
    pub listen: Option<String>,
    pub passwd: Option<String>,
}

/// `<video>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VideoDef {
    pub model: String,
    pub vram: Option<u64>,
    pub heads: Option<u32>,
    pub primary: bool,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<input>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputDef {
    pub input_type: String,
    pub bus: Option<String>,
    pub alias: Option<String>,
}

/// `<watchdog>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatchdogDef {
    pub model: String,
    pub action: Option<String>,
    pub alias: Option<String>,
}

/// `<panic>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PanicDef {
    pub model: Option<String>,
}

/// `<memballoon>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemballoonDef {
    pub model: String,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<devices>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DevicesDef {
    pub emulator: Option<String>,
    pub disks: Vec<DiskDef>,
    pub controllers: Vec<ControllerDef>,
    pub interfaces: Vec<InterfaceDef>,
    pub serials: Vec<CharDeviceDef>,
    pub consoles: Vec<CharDeviceDef>,
    pub graphics: Vec<GraphicsDef>,
    pub videos: Vec<VideoDef>,
    pub inputs: Vec<InputDef>,
    pub watchdogs: Vec<WatchdogDef>,
    pub panics: Vec<PanicDef>,
    pub memballoon: Option<MemballoonDef>,
}

/// One element inside `<metadata>`: its namespace URI and the element as XML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataElement {
    pub nsuri: String,
    /// The element, serialised with its namespace prefix declared on it.
    pub xml: String,
}

/// A parsed `<domain>` definition. It knows nothing of runtime state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainDef {
    /// The `type` attribute: `test`, `qemu`, `kvm`, ...
    pub domain_type: String,
    pub name: String,
    pub uuid: Uuid,
    pub title: Option<String>,
    pub description: Option<String>,
    pub metadata: Vec<MetadataElement>,
    /// `<memory>` in KiB.
    pub memory_kib: u64,
    /// `<currentMemory>` in KiB.
    pub current_memory_kib: u64,
    /// `<maxMemory slots='N'>` in KiB.
    pub max_memory: Option<(u64, u32)>,
    pub vcpu: VcpuDef,
    pub iothreads: u32,
    pub os: OsDef,
    pub features: Vec<FeatureDef>,
    pub cpu: Option<CpuDef>,
    pub clock: ClockDef,
    pub on_poweroff: LifecycleAction,
    pub on_reboot: LifecycleAction,
    pub on_crash: LifecycleAction,
    /// `<pm>`: (suspend-to-mem enabled, suspend-to-disk enabled), each optional.
    pub pm: (Option<bool>, Option<bool>),
    pub devices: DevicesDef,
}

/// The runtime object of a domain, as libvirt's `virDomainObj`.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainObj {
    /// The definition in force: the live one while active, the persistent one otherwise.
    pub def: DomainDef,
    /// The persistent definition that applies at next boot, when it differs from the live one.
    pub new_def: Option<DomainDef>,
    pub state: StateReason,
    /// Hypervisor id while active; -1 when inactive.
    pub id: i32,
    pub persistent: bool,
    pub autostart: bool,
    /// Whether the live definition was changed since start (`virDomainIsUpdated`).
    pub updated: bool,
    pub has_managed_save: bool,
}

impl DomainObj {
    /// A new inactive, persistent object for `def`.
    pub fn new_defined(def: DomainDef) -> Self {
        Self {
            def,
            new_def: None,
            state: StateReason::defined(),
            id: -1,
            persistent: true,
            autostart: false,
            updated: false,
            has_managed_save: false,
        }
    }

    /// Whether the domain is active.
    pub fn is_active(&self) -> bool {
        self.state.state.is_active()
    }

    /// The definition that applies at next boot: the pending one if any, else the current one.
    pub fn persistent_def(&self) -> &DomainDef {
        self.new_def.as_ref().unwrap_or(&self.def)
    }
}
