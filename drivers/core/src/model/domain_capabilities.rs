//! What a hypervisor can give a guest on one emulator, architecture, machine type and virt
//! type (`virConnectGetDomainCapabilities`), as libvirt 9.0's `virDomainCaps` describes it.
//!
//! A driver fills these in from its own probe and formats them with
//! [`crate::xml::format_domain_capabilities`], so the document's shape is written once. The
//! element names and their order follow libvirt's `virDomainCapsFormat`.

/// `<enum name=...>` with its `<value>`s; no values prints `<enum name='...'/>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapsEnum {
    /// The enum's name (`diskDevice`, `bus`, `model`, ...).
    pub name: String,
    /// Its values, in libvirt's order.
    pub values: Vec<String>,
}

impl CapsEnum {
    /// An enum called `name` with `values`.
    pub fn new(name: &str, values: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }
}

/// An element with `supported='yes|no'` and enums inside (a device, `<memoryBacking>`, a
/// feature, `<loader>`). When unsupported, libvirt prints it empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapsElement {
    /// The element's name (`disk`, `graphics`, `gic`, ...).
    pub name: String,
    /// `supported`.
    pub supported: bool,
    /// `<value>` children before the enums (only `<loader>` has them: firmware paths).
    pub values: Vec<String>,
    /// The `<enum>` children.
    pub enums: Vec<CapsEnum>,
}

impl CapsElement {
    /// A supported element called `name` with `enums`.
    pub fn yes(name: &str, enums: Vec<CapsEnum>) -> Self {
        Self {
            name: name.to_owned(),
            supported: true,
            values: Vec::new(),
            enums,
        }
    }

    /// An unsupported element called `name`.
    pub fn no(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            supported: false,
            values: Vec::new(),
            enums: Vec::new(),
        }
    }

    /// The enum called `name`, if the element has it.
    pub fn enum_values(&self, name: &str) -> Option<&[String]> {
        self.enums
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.values.as_slice())
    }
}

/// `<os supported=...>`: the firmware enum and the loader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsCaps {
    /// `supported`.
    pub supported: bool,
    /// `<enum name='firmware'>` values (`bios`, `efi`), empty when autoselection finds none.
    pub firmware: Vec<String>,
    /// `<loader>`.
    pub loader: Option<CapsElement>,
}

/// A CPU mode without a model list (`host-passthrough`, `maximum`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuModeCaps {
    /// `supported`.
    pub supported: bool,
    /// Its enums (`hostPassthroughMigratable`, `maximumMigratable`).
    pub enums: Vec<CapsEnum>,
}

/// `<mode name='host-model'>`: the CPU a host-model guest gets, as a model, vendor and
/// features.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostModelCaps {
    /// `supported`.
    pub supported: bool,
    /// `<model fallback=...>`: (name, fallback); `None` prints no model.
    pub model: Option<(String, String)>,
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// `<feature policy name/>`: (policy, name), in libvirt's order.
    pub features: Vec<(String, String)>,
}

/// Whether a CPU model of the custom mode runs on this host (`usable`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Usable {
    /// `yes`: nothing the model needs is missing.
    Yes,
    /// `no`: some of its features are unavailable.
    No,
    /// `unknown`: the hypervisor did not say.
    #[default]
    Unknown,
}

impl Usable {
    /// The attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Usable::Yes => "yes",
            Usable::No => "no",
            Usable::Unknown => "unknown",
        }
    }
}

/// `<model usable vendor [deprecated]>NAME</model>` of the custom mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuModelCaps {
    /// The model's name.
    pub name: String,
    /// `usable`.
    pub usable: Usable,
    /// `deprecated='yes'` when the hypervisor deprecates it.
    pub deprecated: bool,
    /// `vendor`: the model's vendor in the CPU map, `unknown` when it has none.
    pub vendor: String,
}

/// `<cpu>`: the four modes, in libvirt's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuCaps {
    /// `<mode name='host-passthrough'>`.
    pub host_passthrough: CpuModeCaps,
    /// `<mode name='maximum'>`.
    pub maximum: CpuModeCaps,
    /// `<mode name='host-model'>`.
    pub host_model: HostModelCaps,
    /// `<mode name='custom' supported=...>`: whether custom models work.
    pub custom_supported: bool,
    /// The custom mode's models.
    pub custom: Vec<CpuModelCaps>,
}

/// `<domainCapabilities>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainCaps {
    /// `<path>`: the emulator binary.
    pub path: String,
    /// `<domain>`: the virt type (`qemu`, `kvm`).
    pub domain: String,
    /// `<machine>`: the canonical machine type.
    pub machine: Option<String>,
    /// `<arch>`.
    pub arch: String,
    /// `<vcpu max=...>`.
    pub vcpu_max: Option<u32>,
    /// `<iothreads supported=...>`.
    pub iothreads: Option<bool>,
    /// `<os>`.
    pub os: Option<OsCaps>,
    /// `<cpu>`.
    pub cpu: Option<CpuCaps>,
    /// `<memoryBacking>`.
    pub memory_backing: Option<CapsElement>,
    /// The children of `<devices>`, in libvirt's order (disk, graphics, video, hostdev, rng,
    /// filesystem, tpm, redirdev, channel).
    pub devices: Vec<CapsElement>,
    /// The children of `<features>`, in libvirt's order.
    pub features: Vec<CapsElement>,
}

impl DomainCaps {
    /// The device element called `name`.
    pub fn device(&self, name: &str) -> Option<&CapsElement> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// The feature element called `name`.
    pub fn feature(&self, name: &str) -> Option<&CapsElement> {
        self.features.iter().find(|d| d.name == name)
    }
}
