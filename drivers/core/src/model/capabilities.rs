//! What a connection reports about its host and the guests it can run
//! (`virConnectGetCapabilities`), and the host's SMBIOS tables (`virConnectGetSysinfo`).
//!
//! Every driver fills these in from its own source (the test driver from libvirt's fixed
//! test host, the QEMU driver from /proc, sysfs and the emulators it finds) and formats them
//! with [`crate::xml::format_capabilities`] and [`crate::xml::format_sysinfo`], so the
//! document's shape is written once.

/// `<capabilities>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `<host>`.
    pub host: HostCaps,
    /// One `<guest>` per (OS type, architecture).
    pub guests: Vec<GuestCaps>,
}

/// `<host>`: the machine the connection runs guests on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCaps {
    /// `<uuid>`, the host's SMBIOS UUID when known.
    pub uuid: Option<String>,
    /// `<cpu>`.
    pub cpu: HostCpuCaps,
    /// The children of `<power_management>` (`suspend_mem`, `suspend_disk`,
    /// `suspend_hybrid`); empty prints `<power_management/>`.
    pub power_management: Vec<String>,
    /// `<iommu support=...>`, absent when unknown.
    pub iommu: Option<bool>,
    /// `<migration_features>` with `<live/>` and these URI transports, absent when `None`.
    pub migration_transports: Option<Vec<String>>,
    /// The NUMA cells of `<topology><cells>`; empty leaves `<topology>` out.
    pub cells: Vec<CellCaps>,
    /// One `<secmodel>` each.
    pub secmodels: Vec<SecModelCaps>,
}

/// `<host><cpu>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCpuCaps {
    /// `<arch>`.
    pub arch: String,
    /// `<model>`, when the driver can name the host CPU.
    pub model: Option<String>,
    /// `<vendor>` ("Intel", "AMD").
    pub vendor: Option<String>,
    /// `<topology>`.
    pub topology: Option<CpuTopology>,
    /// `<feature name=.../>`, in order.
    pub features: Vec<String>,
    /// Empty elements of `<features>` (the test host's `pae`, `nonpae`).
    pub flag_features: Vec<String>,
    /// `<pages unit='KiB' size=.../>`: the page sizes, KiB.
    pub page_sizes_kib: Vec<u64>,
}

/// `<topology sockets dies cores threads>` of the host CPU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTopology {
    pub sockets: u32,
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
}

/// `<cell>` of the host's NUMA topology.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellCaps {
    /// `id`.
    pub id: u32,
    /// `<memory unit='KiB'>`.
    pub memory_kib: u64,
    /// `<pages unit='KiB' size=...>count</pages>`: (size in KiB, free pages).
    pub pages: Vec<(u64, u64)>,
    /// `<distances><sibling id value/>`: (cell, distance); empty leaves it out.
    pub distances: Vec<(u32, u32)>,
    /// `<cpus>`.
    pub cpus: Vec<CellCpu>,
}

/// `<cpu>` inside a cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellCpu {
    pub id: u32,
    pub socket_id: u32,
    pub die_id: u32,
    pub core_id: u32,
    /// The CPU list of its thread siblings, as libvirt writes it ("0,4", "2-3").
    pub siblings: String,
}

/// `<secmodel>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecModelCaps {
    /// `<model>`.
    pub model: String,
    /// `<doi>`.
    pub doi: String,
    /// `<baselabel type=...>label</baselabel>`: (domain type, label).
    pub base_labels: Vec<(String, String)>,
}

/// `<guest>`: one OS type on one architecture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestCaps {
    /// `<os_type>` ("hvm").
    pub os_type: String,
    /// `<arch name=...>`.
    pub arch: String,
    /// `<wordsize>`.
    pub wordsize: u32,
    /// `<emulator>`.
    pub emulator: Option<String>,
    /// `<machine>` entries.
    pub machines: Vec<MachineCaps>,
    /// `<domain type=.../>`: "qemu", "kvm", "test".
    pub domain_types: Vec<String>,
    /// `<features>` children.
    pub features: Vec<GuestFeature>,
}

/// `<machine>` of a guest architecture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineCaps {
    /// The machine type's name (the element's text).
    pub name: String,
    /// `canonical`: the versioned type an alias stands for (`pc` → `pc-i440fx-7.2`).
    pub canonical: Option<String>,
    /// `maxCpus`.
    pub max_cpus: Option<u32>,
    /// `deprecated='yes'`.
    pub deprecated: bool,
}

/// A `<features>` child of a guest: `<name/>` or `<name default toggle/>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestFeature {
    pub name: String,
    /// `default='on'|'off'`.
    pub default_on: Option<bool>,
    /// `toggle='yes'|'no'`.
    pub toggle: Option<bool>,
}

impl GuestFeature {
    /// A feature without attributes (`<cpuselection/>`).
    pub fn plain(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// A feature with its default and whether it can be toggled (`<acpi default='on'
    /// toggle='yes'/>`).
    pub fn toggled(name: &str, default_on: bool, toggle: bool) -> Self {
        Self {
            name: name.to_owned(),
            default_on: Some(default_on),
            toggle: Some(toggle),
        }
    }
}

/// `<sysinfo type='smbios'>`: the host's SMBIOS tables, each a list of (entry name, value)
/// in libvirt's order. Empty tables are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sysinfo {
    /// `<bios>`: vendor, version, date, release.
    pub bios: Vec<(String, String)>,
    /// `<system>`: manufacturer, product, version, serial, uuid, sku, family.
    pub system: Vec<(String, String)>,
    /// `<baseBoard>`: manufacturer, product, version, serial, asset, location.
    pub base_board: Vec<(String, String)>,
    /// `<chassis>`: manufacturer, version, serial, asset, sku.
    pub chassis: Vec<(String, String)>,
}
