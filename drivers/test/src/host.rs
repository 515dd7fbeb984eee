//! Facts about the test driver's simulated host, as libvirt 9.0's `test:///default` reports
//! them: capabilities, sysinfo, node CPU map and statistics.

use virtbus_core::{
    model::{
        Capabilities, CellCaps, CellCpu, GuestCaps, GuestFeature, HostCaps, HostCpuCaps,
        SecModelCaps, Sysinfo,
    },
    xml::{format_capabilities, format_sysinfo},
};

/// `virConnectGetCapabilities`: built like libvirt's test driver builds it, with one `<cell>`
/// per entry of [`CELLS`] and one `<guest>` per entry of [`GUEST_OS_TYPES`].
pub fn capabilities() -> String {
    let flag_features = vec!["pae".to_owned(), "nonpae".to_owned()];
    let host = HostCaps {
        cpu: HostCpuCaps {
            arch: "i686".into(),
            flag_features: flag_features.clone(),
            page_sizes_kib: [4, 8].into_iter().chain(HUGE_PAGES).collect(),
            ..HostCpuCaps::default()
        },
        iommu: Some(false),
        cells: CELLS
            .into_iter()
            .enumerate()
            .map(|(cell, (memory, page))| cell_caps(cell, memory, page))
            .collect(),
        secmodels: vec![SecModelCaps {
            model: "testSecurity".into(),
            doi: String::new(),
            base_labels: vec![],
        }],
        ..HostCaps::default()
    };
    let guests = GUEST_OS_TYPES
        .into_iter()
        .map(|os_type| GuestCaps {
            os_type: os_type.into(),
            arch: "i686".into(),
            wordsize: 32,
            emulator: Some("/usr/bin/test-hv".into()),
            domain_types: vec!["test".into()],
            features: flag_features
                .iter()
                .map(|f| GuestFeature::plain(f))
                .collect(),
            ..GuestCaps::default()
        })
        .collect();
    format_capabilities(&Capabilities { host, guests })
}

/// The guest OS types, each on the same i686 test machine.
const GUEST_OS_TYPES: [&str; 2] = ["hvm", "xen"];

/// The NUMA cells: (memory in KiB, size in KiB of the cell's own page size). All of a cell's
/// memory is counted free in pages of that size; the huge page sizes have none free.
const CELLS: [(u64, u64); 2] = [(2_097_152, 4), (4_194_304, 8)];

/// The huge page sizes every cell lists, KiB.
const HUGE_PAGES: [u64; 2] = [2048, 1_048_576];

/// CPUs per cell: one core each, socket = cell, core = the CPU's place in its cell.
const CPUS_PER_CELL: usize = 8;

/// One `<cell>`: all of its memory free in pages of `page` KiB, none in huge pages.
fn cell_caps(cell: usize, memory: u64, page: u64) -> CellCaps {
    let free = [(page, memory / page)].into_iter();
    CellCaps {
        id: cell as u32,
        memory_kib: memory,
        pages: free.chain(HUGE_PAGES.map(|size| (size, 0))).collect(),
        distances: vec![],
        cpus: (0..CPUS_PER_CELL)
            .map(|core| {
                let id = (cell * CPUS_PER_CELL + core) as u32;
                CellCpu {
                    id,
                    socket_id: cell as u32,
                    die_id: 0,
                    core_id: core as u32,
                    siblings: id.to_string(),
                }
            })
            .collect(),
    }
}

/// `virConnectGetSysinfo`.
pub fn sysinfo() -> String {
    let entry = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    format_sysinfo(&Sysinfo {
        bios: vec![
            entry("vendor", "LENOVO"),
            entry("version", "G4ETA1WW (2.61 )"),
            entry("date", "05/07/2014"),
            entry("release", "2.61"),
        ],
        ..Sysinfo::default()
    })
}

/// `virConnectGetVersion`: the test hypervisor's version, 0.0.2.
pub const VERSION: u64 = 2;

/// `virConnectGetLibVersion`: libvirt 9.0.0.
pub const LIB_VERSION: u64 = 9_000_000;

/// `virNodeGetFreeMemory`: the sum of the two cells' free memory.
pub const FREE_MEMORY: u64 = 3_145_728;

/// `virConnectGetMaxVcpus`.
pub const MAX_VCPUS: u32 = 32;

/// `virNodeGetCPUMap`: 8 CPUs, online mask 0x15.
pub const CPU_MAP: [bool; 8] = [true, false, true, false, true, false, false, false];

/// `virNodeGetCPUStats`: the same counters for every CPU.
pub const CPU_STATS: [(&str, u64); 4] = [
    ("user", 9_797_400_000),
    ("kernel", 34_678_723_400_000),
    ("idle", 87_264_900_000),
    ("iowait", 763_600_000),
];

/// `virNodeGetSecurityModel`: (model, doi).
pub const SECURITY_MODEL: (&str, &str) = ("testSecurity", "");

#[cfg(test)]
mod tests {
    /// The documents libvirt 9.0's test driver answers, byte for byte.
    #[test]
    fn capabilities_and_sysinfo_are_libvirts() {
        assert_eq!(
            super::capabilities(),
            include_str!("fixtures/capabilities.xml")
        );
        assert_eq!(super::sysinfo(), include_str!("fixtures/sysinfo.xml"));
    }
}
