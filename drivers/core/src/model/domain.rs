//! The domain model: the definition parsed from XML ([`DomainDef`]); each driver keeps its
//! runtime object (state, id, persistence, live and next-boot definitions) itself.

use std::{borrow::Cow, sync::Arc};

use uuid::Uuid;

use super::{
    sparse::{EmptyValue, Sparse},
    tune::{
        BandwidthDef, BlkiotuneDef, CputuneDef, IoTuneDef, IothreadDef, MemtuneDef, NumatuneDef,
        PerfDef, Placement,
    },
};

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

/// A boot device of `<os><boot dev=…>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootDev {
    Hd,
    Cdrom,
    Network,
    Fd,
}

impl BootDev {
    /// The XML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BootDev::Hd => "hd",
            BootDev::Cdrom => "cdrom",
            BootDev::Network => "network",
            BootDev::Fd => "fd",
        }
    }

    /// Parses the XML spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "hd" => BootDev::Hd,
            "cdrom" => BootDev::Cdrom,
            "network" => BootDev::Network,
            "fd" => BootDev::Fd,
            _ => return None,
        })
    }
}

/// The boot devices of `<os>` in order: at most [`BootOrder::MAX`], as libvirt keeps them.
/// Held inline, four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BootOrder([Option<BootDev>; BootOrder::MAX]);

impl BootOrder {
    /// Most boot devices kept.
    pub const MAX: usize = 4;

    /// Appends `dev`; returns false (and keeps the order as it was) when already full.
    pub fn push(&mut self, dev: BootDev) -> bool {
        match self.0.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => {
                *slot = Some(dev);
                true
            }
            None => false,
        }
    }

    /// The devices in order.
    pub fn iter(&self) -> impl Iterator<Item = BootDev> + '_ {
        self.0.iter().map_while(|d| *d)
    }

    /// How many devices there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }
}

impl FromIterator<BootDev> for BootOrder {
    fn from_iter<I: IntoIterator<Item = BootDev>>(iter: I) -> Self {
        let mut order = BootOrder::default();
        for dev in iter {
            if !order.push(dev) {
                break;
            }
        }
        order
    }
}

/// `<os>`: guest type, architecture, machine and boot order, with the firmware and direct
/// kernel boot settings kept out of line (most domains have none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsDef {
    /// `hvm`, `xen`, `linux`, `exe`.
    pub os_type: Cow<'static, str>,
    pub arch: Option<Cow<'static, str>>,
    pub machine: Option<String>,
    /// Boot devices in order.
    pub boot: BootOrder,
    pub boot_menu: Option<bool>,
    /// `<bootmenu timeout='ms'>`.
    pub bootmenu_timeout: Option<u32>,
    /// `firmware=`, `<loader>` and `<nvram>`.
    pub loader: Sparse<LoaderDef>,
    /// `<kernel>`, `<initrd>`, `<cmdline>` and `<init>`.
    pub direct: Sparse<DirectBootDef>,
}

/// The firmware part of `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoaderDef {
    /// `<os firmware='efi|bios'>`.
    pub firmware: Option<String>,
    /// The `<loader>` path.
    pub path: Option<String>,
    /// `<loader readonly='yes'>`.
    pub readonly: Option<bool>,
    /// `<loader type='rom|pflash'>`.
    pub loader_type: Option<String>,
    /// `<loader secure='yes'>`.
    pub secure: Option<bool>,
    /// `<nvram>` path.
    pub nvram: Option<String>,
    /// `<nvram template='...'>`.
    pub nvram_template: Option<String>,
}

static EMPTY_LOADER: LoaderDef = LoaderDef {
    firmware: None,
    path: None,
    readonly: None,
    loader_type: None,
    secure: None,
    nvram: None,
    nvram_template: None,
};

impl EmptyValue for LoaderDef {
    fn empty() -> &'static Self {
        &EMPTY_LOADER
    }
}

/// Direct kernel boot (and the init of a container) in `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectBootDef {
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
    /// `<init>`: the init binary of an `exe` (container) guest.
    pub init: Option<String>,
}

static EMPTY_DIRECT_BOOT: DirectBootDef = DirectBootDef {
    kernel: None,
    initrd: None,
    cmdline: None,
    init: None,
};

impl EmptyValue for DirectBootDef {
    fn empty() -> &'static Self {
        &EMPTY_DIRECT_BOOT
    }
}

/// `<vcpu current='N'>MAX</vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuDef {
    pub max: u32,
    pub current: u32,
    pub placement: Placement,
    pub cpuset: Option<String>,
}

impl Default for VcpuDef {
    fn default() -> Self {
        Self {
            max: 1,
            current: 1,
            placement: Placement::Static,
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
    /// `migratable='on|off'` (host-passthrough).
    pub migratable: Option<bool>,
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
    pub offset: Cow<'static, str>,
    pub adjustment: Option<String>,
    /// `basis='utc|localtime'` of a `variable` clock.
    pub basis: Option<String>,
    /// `timezone='Europe/Paris'` of a `timezone` clock.
    pub timezone: Option<String>,
    pub timers: Vec<TimerDef>,
}

/// The clock of a definition without `<clock>`: UTC, no timers.
static DEFAULT_CLOCK: ClockDef = ClockDef {
    offset: Cow::Borrowed("utc"),
    adjustment: None,
    basis: None,
    timezone: None,
    timers: Vec::new(),
};

impl Default for ClockDef {
    fn default() -> Self {
        DEFAULT_CLOCK.clone()
    }
}

impl EmptyValue for ClockDef {
    fn empty() -> &'static Self {
        &DEFAULT_CLOCK
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
    /// `<driver discard='unmap|ignore'>`.
    pub driver_discard: Option<String>,
    /// `<driver io='native|threads|io_uring'>`.
    pub driver_io: Option<String>,
    /// `<source protocol='nbd|iscsi|...'>` of a network disk.
    pub source_protocol: Option<String>,
    /// `<source pool='...'>` of a volume disk (`source` holds the volume name).
    pub source_pool: Option<String>,
    /// `<source startupPolicy='optional'>`.
    pub startup_policy: Option<String>,
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
    /// `<iotune>`: I/O throttling.
    pub iotune: Option<Box<IoTuneDef>>,
}

/// `<controller>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ControllerDef {
    pub controller_type: String,
    pub index: u32,
    pub model: Option<String>,
    /// `ports='N'` (USB controllers).
    pub ports: Option<u32>,
    /// `vectors='N'`.
    pub vectors: Option<u32>,
    /// `<model name='...'/>` (PCI controllers).
    pub model_name: Option<String>,
    /// Attributes of `<target>` (PCI controllers: `chassis`, `port`, `busNr`, ...), as written.
    pub target: Vec<(String, String)>,
    /// `<driver queues='N' iothread='N'>` attributes as written.
    pub driver: Vec<(String, String)>,
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
    /// `<source mode='bridge|vepa|private|passthrough'>` of a direct interface.
    pub source_mode: Option<String>,
    /// `<source portgroup='...'>` of a network interface.
    pub portgroup: Option<String>,
    /// `<driver name='vhost|qemu' queues='N'>` attributes as written.
    pub driver: Vec<(String, String)>,
    /// `<link state='up|down'>`.
    pub link_state: Option<String>,
    /// `<mtu size='N'>`.
    pub mtu: Option<u32>,
    /// `<boot order='N'>`.
    pub boot_order: Option<u32>,
    /// `<bandwidth>`: inbound and outbound rates.
    pub bandwidth: Option<Box<BandwidthDef>>,
    /// `<filterref filter=...>`: the network filter applied to the interface (ethernet,
    /// network and bridge interfaces only, as in libvirt).
    pub filterref: Option<Box<crate::model::FilterRef>>,
}

/// `<serial>`, `<console>` or `<channel>` (character devices).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharDeviceDef {
    /// `pty`, `file`, `unix`, `null`, `stdio`, ...
    pub char_type: String,
    /// Source path (a pty path once running, a file, a socket).
    pub source_path: Option<String>,
    pub target_type: Option<String>,
    pub target_port: Option<u32>,
    /// `<source mode='bind|connect'>` (unix and tcp sources).
    pub source_mode: Option<String>,
    /// `<source host='...'>` (tcp, udp).
    pub source_host: Option<String>,
    /// `<source service='...'>` (tcp, udp).
    pub source_service: Option<String>,
    /// `<protocol type='raw|telnet'>` (tcp).
    pub protocol: Option<String>,
    /// `<target name='org.qemu.guest_agent.0'>` (channels).
    pub target_name: Option<String>,
    /// `<target><model name='isa-serial'/>` (serials).
    pub target_model: Option<String>,
    /// `<log file='...' append='on'>`: (file, append).
    pub log: Option<(String, Option<bool>)>,
    pub address: Option<AddressDef>,
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
    /// The listen type: `address`, `network`, `socket` or `none`. With `network`, `listen`
    /// holds the network name; with `socket`, the socket path.
    pub listen_type: Option<String>,
    pub keymap: Option<String>,
    /// `tlsPort` (spice).
    pub tls_port: Option<i32>,
    /// `websocket` (vnc).
    pub websocket: Option<i32>,
    /// Children such as spice's `<image compression='off'/>`, `<gl enable='no'/>`, as written.
    pub children: Vec<FeatureDef>,
}

/// `<video>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VideoDef {
    pub model: String,
    pub vram: Option<u64>,
    pub heads: Option<u32>,
    /// `ram` (qxl), KiB.
    pub ram: Option<u64>,
    /// `vgamem` (qxl), KiB.
    pub vgamem: Option<u64>,
    /// `<acceleration accel3d='yes'>`.
    pub accel3d: Option<bool>,
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
    pub address: Option<AddressDef>,
}

/// `<watchdog>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatchdogDef {
    pub model: String,
    pub action: Option<String>,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<panic>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PanicDef {
    pub model: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<memballoon>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemballoonDef {
    pub model: String,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
    /// `autodeflate='on|off'`.
    pub autodeflate: Option<bool>,
    /// `freePageReporting='on|off'`.
    pub free_page_reporting: Option<bool>,
    /// `<stats period='N'/>` in seconds.
    pub stats_period: Option<u32>,
}

/// `<sound>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SoundDef {
    /// `ich9`, `ich6`, `ac97`, `es1370`, `sb16`, `usb`, ...
    pub model: String,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<audio id='1' type='spice'/>`: an audio backend.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AudioDef {
    pub id: u32,
    /// `none`, `spice`, `pulseaudio`, `alsa`, ...
    pub audio_type: String,
}

/// `<rng>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RngDef {
    /// `virtio` (also `virtio-transitional`, `virtio-non-transitional`).
    pub model: String,
    /// `<backend model='random|egd|builtin'>`.
    pub backend_model: String,
    /// The source of a `random` backend (`/dev/urandom`).
    pub backend_source: Option<String>,
    /// `<rate bytes='N' period='ms'>`.
    pub rate: Option<(u32, Option<u32>)>,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// `<redirdev bus='usb' type='spicevmc'>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RedirdevDef {
    pub bus: String,
    /// The character device type: `spicevmc`, `tcp`.
    pub redir_type: String,
    pub alias: Option<String>,
    pub address: Option<AddressDef>,
}

/// Most devices of one kind accepted in a definition.
pub const MAX_DEVICES_PER_KIND: usize = 1024;

/// One device, as given to AttachDevice, DetachDevice and UpdateDevice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceDef {
    Disk(DiskDef),
    Controller(ControllerDef),
    Interface(InterfaceDef),
    Serial(CharDeviceDef),
    Console(CharDeviceDef),
    Channel(CharDeviceDef),
    Graphics(GraphicsDef),
    Video(VideoDef),
    Redirdev(RedirdevDef),
    Input(InputDef),
    Sound(SoundDef),
    Audio(AudioDef),
    Watchdog(WatchdogDef),
    Rng(RngDef),
    Panic(PanicDef),
    Memballoon(MemballoonDef),
}

impl DeviceDef {
    /// The element name of the device (`disk`, `interface`, ...).
    pub fn element_name(&self) -> &'static str {
        match self {
            DeviceDef::Disk(_) => "disk",
            DeviceDef::Controller(_) => "controller",
            DeviceDef::Interface(_) => "interface",
            DeviceDef::Serial(_) => "serial",
            DeviceDef::Console(_) => "console",
            DeviceDef::Channel(_) => "channel",
            DeviceDef::Graphics(_) => "graphics",
            DeviceDef::Video(_) => "video",
            DeviceDef::Redirdev(_) => "redirdev",
            DeviceDef::Input(_) => "input",
            DeviceDef::Sound(_) => "sound",
            DeviceDef::Audio(_) => "audio",
            DeviceDef::Watchdog(_) => "watchdog",
            DeviceDef::Rng(_) => "rng",
            DeviceDef::Panic(_) => "panic",
            DeviceDef::Memballoon(_) => "memballoon",
        }
    }
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
    /// `<channel>` devices (guest agent, spice vdagent).
    pub channels: Vec<CharDeviceDef>,
    pub sounds: Vec<SoundDef>,
    pub audios: Vec<AudioDef>,
    pub rngs: Vec<RngDef>,
    /// `<redirdev>` (USB redirection).
    pub redirdevs: Vec<RedirdevDef>,
}

/// The devices of a definition without any.
static NO_DEVICES: DevicesDef = DevicesDef {
    emulator: None,
    disks: Vec::new(),
    controllers: Vec::new(),
    interfaces: Vec::new(),
    serials: Vec::new(),
    consoles: Vec::new(),
    graphics: Vec::new(),
    videos: Vec::new(),
    inputs: Vec::new(),
    watchdogs: Vec::new(),
    panics: Vec::new(),
    memballoon: None,
    channels: Vec::new(),
    sounds: Vec::new(),
    audios: Vec::new(),
    rngs: Vec::new(),
    redirdevs: Vec::new(),
};

impl EmptyValue for DevicesDef {
    fn empty() -> &'static Self {
        &NO_DEVICES
    }
}

/// One element inside `<metadata>`: its namespace URI and the element as XML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataElement {
    pub nsuri: String,
    /// The element, serialised with its namespace prefix declared on it.
    pub xml: String,
}

/// A parsed `<domain>` definition. It knows nothing of runtime state.
///
/// The layout keeps what every domain has inline and puts the parts most domains leave empty
/// behind a pointer ([`Sparse`] or `Option<Box<…>>`), so that a host with many small domains
/// pays for what they use. Strings from a fixed set (types, the clock offset) borrow static
/// text, and the name is shared with the driver's name index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainDef {
    /// The `type` attribute: `test`, `qemu`, `kvm`, ...
    pub domain_type: Cow<'static, str>,
    pub name: Arc<str>,
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
    /// `<blkiotune>`.
    pub blkiotune: Option<Box<BlkiotuneDef>>,
    /// `<memtune>`.
    pub memtune: Option<Box<MemtuneDef>>,
    pub vcpu: VcpuDef,
    /// The I/O threads (`<iothreads>` is their number, `<iothreadids>` their ids).
    pub iothreadids: Vec<IothreadDef>,
    /// `<cputune>` (except I/O thread pinning, kept in [`DomainDef::iothreadids`]).
    pub cputune: Option<Box<CputuneDef>>,
    /// `<numatune>`.
    pub numatune: Option<Box<NumatuneDef>>,
    pub os: OsDef,
    pub features: Vec<FeatureDef>,
    pub cpu: Option<Box<CpuDef>>,
    pub clock: Sparse<ClockDef>,
    pub on_poweroff: LifecycleAction,
    pub on_reboot: LifecycleAction,
    pub on_crash: LifecycleAction,
    /// `<pm>`: (suspend-to-mem enabled, suspend-to-disk enabled), each optional.
    pub pm: (Option<bool>, Option<bool>),
    /// `<perf>`.
    pub perf: Option<Box<PerfDef>>,
    pub devices: Sparse<DevicesDef>,
}

impl DomainDef {
    /// The I/O thread with id `id`.
    pub fn iothread(&self, id: u32) -> Option<&IothreadDef> {
        self.iothreadids.iter().find(|t| t.id == id)
    }
}
