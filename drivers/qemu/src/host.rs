//! Facts about the real host, read from /proc and sysfs the way libvirt's Linux code reads
//! them (`virhostcpu.c`, `virhostmem.c`, `virnuma.c`, `virsysinfo.c`): the CPU map and CPU
//! times, memory statistics per host and per NUMA cell, the NUMA topology and the SMBIOS
//! tables of the capabilities and sysinfo documents.
//!
//! Every path is read under a root folder ([`HostFs::real`] is `/`), so the parsing is
//! tested on fixed files as well as on the machine the tests run on.
//!
//! Not reported: the host CPU's model name and feature list (libvirt decodes them from
//! CPUID against its CPU map, which virtbus does not carry for the host), CPU caches and
//! power-management capabilities.

use std::{collections::BTreeMap, fs, path::PathBuf};

use virtbus_core::{
    model::{CellCaps, CellCpu, CpuTopology, HostCaps, HostCpuCaps, SecModelCaps, Sysinfo},
    Error, Result,
};

/// Where /proc and /sys are read from.
#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
}

/// `VIR_NODE_CPU_STATS_ALL_CPUS` and `VIR_NODE_MEMORY_STATS_ALL_CELLS`.
pub const ALL: i32 = -1;

impl HostFs {
    /// The running system.
    pub fn real() -> Self {
        Self::under("/")
    }

    /// A tree laid out like `/` (for tests).
    pub fn under(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    fn read(&self, rel: &str) -> Result<String> {
        let path = self.path(rel);
        fs::read_to_string(&path)
            .map_err(|e| Error::System(format!("cannot read {}: {}", path.display(), e)))
    }

    fn read_opt(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.path(rel))
            .ok()
            .map(|s| s.trim().to_owned())
    }

    fn read_u64(&self, rel: &str) -> Option<u64> {
        self.read_opt(rel).and_then(|s| s.parse().ok())
    }

    /// `virNodeGetCPUMap`: one entry per present CPU, true where it is online.
    pub fn cpu_map(&self) -> Result<Vec<bool>> {
        let present = parse_cpu_list(&self.read("sys/devices/system/cpu/present")?)?;
        let online = parse_cpu_list(&self.read("sys/devices/system/cpu/online")?)?;
        let count = present.iter().max().map_or(0, |m| m + 1);
        Ok((0..count).map(|cpu| online.contains(&cpu)).collect())
    }

    /// `virNodeGetCPUStats`: kernel, user, idle and iowait time in nanoseconds, of one CPU
    /// or of all ([`ALL`]), from /proc/stat.
    pub fn cpu_stats(&self, cpu: i32) -> Result<Vec<(String, u64)>> {
        let stat = self.read("proc/stat")?;
        let label = if cpu == ALL {
            "cpu".to_owned()
        } else {
            format!("cpu{cpu}")
        };
        let line = stat
            .lines()
            .find(|l| l.split_whitespace().next() == Some(label.as_str()))
            .ok_or_else(|| {
                Error::InvalidArg("Invalid cpuNum in virHostCPUGetStatsLinux".to_owned())
            })?;
        let ticks: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        let tick = |i: usize| ticks.get(i).copied().unwrap_or(0);
        let ns = nanoseconds_per_tick();
        // user nice system idle iowait irq softirq
        Ok(vec![
            ("kernel".to_owned(), (tick(2) + tick(5) + tick(6)) * ns),
            ("user".to_owned(), (tick(0) + tick(1)) * ns),
            ("idle".to_owned(), tick(3) * ns),
            ("iowait".to_owned(), tick(4) * ns),
        ])
    }

    /// The NUMA nodes sysfs lists, in order; empty on a kernel without NUMA.
    fn numa_nodes(&self) -> Vec<u32> {
        match self.read_opt("sys/devices/system/node/online") {
            Some(list) => parse_cpu_list(&list).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// `virNodeGetMemoryStats`: total, free, buffers and cached KiB of the host, or total
    /// and free of one NUMA cell.
    pub fn memory_stats(&self, cell: i32) -> Result<Vec<(String, u64)>> {
        let nodes = self.numa_nodes();
        // Without NUMA, libvirt claims one cell and answers cell 0 for the whole host.
        let cell = if nodes.is_empty() && cell == 0 {
            ALL
        } else {
            cell
        };
        let (text, wanted): (String, &[(&str, &str)]) = if cell == ALL {
            (
                self.read("proc/meminfo")?,
                &[
                    ("MemTotal:", "total"),
                    ("MemFree:", "free"),
                    ("Buffers:", "buffers"),
                    ("Cached:", "cached"),
                ],
            )
        } else {
            let max = nodes.iter().max().copied().unwrap_or(0);
            if cell < 0 || cell as u32 > max {
                return Err(Error::InvalidArg(format!(
                    "cellNum in virHostMemGetStats must be less than or equal to {max}"
                )));
            }
            (
                self.read(&format!("sys/devices/system/node/node{cell}/meminfo"))?,
                &[("MemTotal:", "total"), ("MemFree:", "free")],
            )
        };
        let values = parse_meminfo(&text);
        let stats: Vec<(String, u64)> = wanted
            .iter()
            .filter_map(|(key, name)| values.get(*key).map(|v| ((*name).to_owned(), *v)))
            .collect();
        if stats.is_empty() {
            return Err(Error::Internal("no available memory line found".to_owned()));
        }
        Ok(stats)
    }

    /// `virNodeGetFreeMemory`: free bytes, summed over the NUMA cells when there are any.
    pub fn free_memory(&self) -> Result<u64> {
        let nodes = self.numa_nodes();
        let kib = if nodes.is_empty() {
            parse_meminfo(&self.read("proc/meminfo")?)
                .get("MemFree:")
                .copied()
                .unwrap_or(0)
        } else {
            let mut sum = 0;
            for node in nodes {
                let text = self.read(&format!("sys/devices/system/node/node{node}/meminfo"))?;
                sum += parse_meminfo(&text).get("MemFree:").copied().unwrap_or(0);
            }
            sum
        };
        Ok(kib * 1024)
    }

    /// The host part of the capabilities document.
    pub fn host_caps(&self, arch: &str) -> Result<HostCaps> {
        let cpus = self.cpu_topologies()?;
        let huge = self.huge_page_sizes();
        let mut page_sizes_kib = vec![page_size_kib()];
        page_sizes_kib.extend(huge.iter().copied());
        let cells = self.cells(&cpus, &huge)?;
        let sockets = cpus
            .values()
            .map(|c| c.socket_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            .max(1) as u32;
        let cores = cpus
            .values()
            .map(|c| (c.socket_id, c.core_id))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            .max(1) as u32;
        let threads = (cpus.len().max(1) as u32 / cores).max(1);
        let (model, features) = self.cpu_model(arch);
        Ok(HostCaps {
            uuid: self.read_opt("sys/class/dmi/id/product_uuid"),
            cpu: HostCpuCaps {
                arch: arch.to_owned(),
                model,
                features,
                vendor: self.cpu_vendor(),
                topology: Some(CpuTopology {
                    sockets,
                    dies: 1,
                    cores: cores / sockets,
                    threads,
                }),
                page_sizes_kib,
                ..HostCpuCaps::default()
            },
            iommu: Some(
                fs::read_dir(self.path("sys/kernel/iommu_groups"))
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false),
            ),
            migration_transports: Some(vec!["tcp".to_owned(), "rdma".to_owned()]),
            cells,
            secmodels: vec![SecModelCaps {
                model: "none".to_owned(),
                doi: "0".to_owned(),
                base_labels: vec![],
            }],
            ..HostCaps::default()
        })
    }

    /// The host CPU as libvirt names it in capabilities (x86 only): a model of the CPU map and
    /// the features beyond it.
    fn cpu_model(&self, arch: &str) -> (Option<String>, Vec<String>) {
        if !matches!(arch, "x86_64" | "i686") {
            return (None, Vec::new());
        }
        let Some((model, extra)) = self
            .host_cpu()
            .ok()
            .and_then(|cpu| virtbus_core::cpu::x86_compare::describe_host(&cpu))
        else {
            return (None, Vec::new());
        };
        (
            Some(model.to_owned()),
            extra.into_iter().map(str::to_owned).collect(),
        )
    }

    fn cpu_vendor(&self) -> Option<String> {
        let info = self.read_opt("proc/cpuinfo")?;
        let vendor = info
            .lines()
            .find(|l| l.starts_with("vendor_id"))?
            .split(':')
            .nth(1)?
            .trim()
            .to_owned();
        Some(match vendor.as_str() {
            "GenuineIntel" => "Intel".to_owned(),
            "AuthenticAMD" => "AMD".to_owned(),
            "HygonGenuine" => "Hygon".to_owned(),
            _ => vendor,
        })
    }

    /// Every online CPU's place: socket, die, core and thread siblings.
    fn cpu_topologies(&self) -> Result<BTreeMap<u32, CellCpu>> {
        let online = parse_cpu_list(&self.read("sys/devices/system/cpu/online")?)?;
        let mut cpus = BTreeMap::new();
        for id in online {
            let topo =
                |f: &str| self.read_opt(&format!("sys/devices/system/cpu/cpu{id}/topology/{f}"));
            let num = |f: &str| topo(f).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
            cpus.insert(
                id,
                CellCpu {
                    id,
                    socket_id: num("physical_package_id"),
                    die_id: num("die_id"),
                    core_id: num("core_id"),
                    siblings: topo("thread_siblings_list").unwrap_or_else(|| id.to_string()),
                },
            );
        }
        Ok(cpus)
    }

    /// The huge page sizes the kernel offers, KiB, ascending.
    fn huge_page_sizes(&self) -> Vec<u64> {
        let mut sizes: Vec<u64> = fs::read_dir(self.path("sys/kernel/mm/hugepages"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("hugepages-")?
                    .strip_suffix("kB")?
                    .parse()
                    .ok()
            })
            .collect();
        sizes.sort_unstable();
        sizes
    }

    /// The NUMA cells, or one cell holding every CPU and all memory without NUMA.
    fn cells(&self, cpus: &BTreeMap<u32, CellCpu>, huge: &[u64]) -> Result<Vec<CellCaps>> {
        let nodes = self.numa_nodes();
        if nodes.is_empty() {
            let total = parse_meminfo(&self.read("proc/meminfo")?)
                .get("MemTotal:")
                .copied()
                .unwrap_or(0);
            let huge_pages: Vec<(u64, u64)> = huge
                .iter()
                .map(|size| {
                    let count = self
                        .read_u64(&format!(
                            "sys/kernel/mm/hugepages/hugepages-{size}kB/nr_hugepages"
                        ))
                        .unwrap_or(0);
                    (*size, count)
                })
                .collect();
            return Ok(vec![cell(
                0,
                total,
                huge_pages,
                vec![],
                cpus.values().cloned().collect(),
            )]);
        }
        let mut cells = Vec::new();
        for node in &nodes {
            let dir = format!("sys/devices/system/node/node{node}");
            let total = parse_meminfo(&self.read(&format!("{dir}/meminfo"))?)
                .get("MemTotal:")
                .copied()
                .unwrap_or(0);
            let huge_pages = huge
                .iter()
                .map(|size| {
                    let count = self
                        .read_u64(&format!("{dir}/hugepages/hugepages-{size}kB/nr_hugepages"))
                        .unwrap_or(0);
                    (*size, count)
                })
                .collect();
            let distances = self
                .read_opt(&format!("{dir}/distance"))
                .map(|d| {
                    nodes
                        .iter()
                        .zip(d.split_whitespace())
                        .filter_map(|(id, v)| Some((*id, v.parse().ok()?)))
                        .collect()
                })
                .unwrap_or_default();
            let node_cpus = self
                .read_opt(&format!("{dir}/cpulist"))
                .map(|l| parse_cpu_list(&l).unwrap_or_default())
                .unwrap_or_default();
            let members = node_cpus
                .iter()
                .filter_map(|c| cpus.get(c).cloned())
                .collect();
            cells.push(cell(*node, total, huge_pages, distances, members));
        }
        Ok(cells)
    }

    /// `virConnectGetSysinfo`'s tables from the kernel's DMI export, in libvirt's entry
    /// order. A host without SMBIOS (a microVM) has none: libvirt's "Host SMBIOS information
    /// is not available".
    pub fn sysinfo(&self) -> Result<Sysinfo> {
        if !self.path("sys/class/dmi/id").is_dir() {
            return Err(Error::ConfigUnsupported(
                "Host SMBIOS information is not available".to_owned(),
            ));
        }
        let table = |entries: &[(&str, &str)]| -> Vec<(String, String)> {
            entries
                .iter()
                .filter_map(|(name, file)| {
                    let value = self.read_opt(&format!("sys/class/dmi/id/{file}"))?;
                    (!value.is_empty()).then(|| ((*name).to_owned(), value))
                })
                .collect()
        };
        Ok(Sysinfo {
            bios: table(&[
                ("vendor", "bios_vendor"),
                ("version", "bios_version"),
                ("date", "bios_date"),
                ("release", "bios_release"),
            ]),
            system: table(&[
                ("manufacturer", "sys_vendor"),
                ("product", "product_name"),
                ("version", "product_version"),
                ("serial", "product_serial"),
                ("uuid", "product_uuid"),
                ("sku", "product_sku"),
                ("family", "product_family"),
            ]),
            base_board: table(&[
                ("manufacturer", "board_vendor"),
                ("product", "board_name"),
                ("version", "board_version"),
                ("serial", "board_serial"),
                ("asset", "board_asset_tag"),
            ]),
            chassis: table(&[
                ("manufacturer", "chassis_vendor"),
                ("version", "chassis_version"),
                ("serial", "chassis_serial"),
                ("asset", "chassis_asset_tag"),
            ]),
        })
    }
}

fn cell(
    id: u32,
    total_kib: u64,
    huge_pages: Vec<(u64, u64)>,
    distances: Vec<(u32, u32)>,
    cpus: Vec<CellCpu>,
) -> CellCaps {
    let small = page_size_kib();
    let huge_kib: u64 = huge_pages.iter().map(|(size, count)| size * count).sum();
    let mut pages = vec![(small, total_kib.saturating_sub(huge_kib) / small)];
    pages.extend(huge_pages);
    CellCaps {
        id,
        memory_kib: total_kib,
        pages,
        distances,
        cpus,
    }
}

/// The system page size, KiB.
fn page_size_kib() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let bytes = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if bytes > 0 {
        bytes as u64 / 1024
    } else {
        4
    }
}

/// Nanoseconds per clock tick of /proc/stat.
fn nanoseconds_per_tick() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        1_000_000_000 / hz as u64
    } else {
        10_000_000
    }
}

/// `MemTotal:  123 kB` lines (with or without a `Node N ` prefix) as a map from the
/// header, with its colon, to KiB.
fn parse_meminfo(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace().peekable();
            if words.peek() == Some(&"Node") {
                words.next();
                words.next();
            }
            let key = words.next()?;
            let value = words.next()?.parse().ok()?;
            Some((key.to_owned(), value))
        })
        .collect()
}

/// A kernel CPU list ("0-3,8,10-11") as the CPU numbers it names.
fn parse_cpu_list(text: &str) -> Result<Vec<u32>> {
    let bad = || Error::Internal(format!("failed to parse CPU list '{}'", text.trim()));
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) =
                    (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                if b < a || b - a > 65_535 {
                    return Err(bad());
                }
                cpus.extend(a..=b);
            }
            None => cpus.push(part.parse().map_err(|_| bad())?),
        }
    }
    Ok(cpus)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A two-node, four-CPU host with 2 MiB huge pages.
    fn fake_host() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(r, "sys/devices/system/cpu/present", "0-3\n");
        write(r, "sys/devices/system/cpu/online", "0-1,3\n");
        for (cpu, socket, core, siblings) in [(0, 0, 0, "0"), (1, 0, 1, "1"), (3, 1, 0, "3")] {
            let base = format!("sys/devices/system/cpu/cpu{cpu}/topology");
            write(
                r,
                &format!("{base}/physical_package_id"),
                &format!("{socket}\n"),
            );
            write(r, &format!("{base}/core_id"), &format!("{core}\n"));
            write(r, &format!("{base}/die_id"), "0\n");
            write(
                r,
                &format!("{base}/thread_siblings_list"),
                &format!("{siblings}\n"),
            );
        }
        write(
            r,
            "proc/stat",
            "cpu  100 10 50 1000 5 1 2 0 0 0\ncpu0 60 5 30 500 3 1 1 0 0 0\n",
        );
        write(
            r,
            "proc/meminfo",
            "MemTotal:       8000 kB\nMemFree:        3000 kB\nMemAvailable:   5000 kB\n\
             Buffers:         100 kB\nCached:         2000 kB\n",
        );
        write(r, "sys/devices/system/node/online", "0-1\n");
        write(
            r,
            "sys/devices/system/node/node0/meminfo",
            "Node 0 MemTotal:       4096 kB\nNode 0 MemFree:        1000 kB\n",
        );
        write(
            r,
            "sys/devices/system/node/node1/meminfo",
            "Node 1 MemTotal:       4096 kB\nNode 1 MemFree:        2000 kB\n",
        );
        write(r, "sys/devices/system/node/node0/cpulist", "0-1\n");
        write(r, "sys/devices/system/node/node1/cpulist", "3\n");
        write(r, "sys/devices/system/node/node0/distance", "10 20\n");
        write(r, "sys/devices/system/node/node1/distance", "20 10\n");
        write(
            r,
            "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages",
            "1\n",
        );
        write(
            r,
            "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
            "1\n",
        );
        write(
            r,
            "proc/cpuinfo",
            "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae \
             mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 syscall nx \
             lm pni cx16 rep_good\n",
        );
        dir
    }

    #[test]
    fn cpu_map_marks_offline_cpus() {
        let dir = fake_host();
        let host = HostFs::under(dir.path());
        assert_eq!(host.cpu_map().unwrap(), vec![true, true, false, true]);
    }

    #[test]
    fn cpu_stats_convert_ticks_like_libvirt() {
        let dir = fake_host();
        let host = HostFs::under(dir.path());
        let ns = nanoseconds_per_tick();
        assert_eq!(
            host.cpu_stats(ALL).unwrap(),
            vec![
                ("kernel".to_owned(), 53 * ns),
                ("user".to_owned(), 110 * ns),
                ("idle".to_owned(), 1000 * ns),
                ("iowait".to_owned(), 5 * ns),
            ]
        );
        assert_eq!(host.cpu_stats(0).unwrap()[1], ("user".to_owned(), 65 * ns));
        let err = host.cpu_stats(7).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: Invalid cpuNum in virHostCPUGetStatsLinux"
        );
    }

    #[test]
    fn memory_stats_for_the_host_and_one_cell() {
        let dir = fake_host();
        let host = HostFs::under(dir.path());
        assert_eq!(
            host.memory_stats(ALL).unwrap(),
            vec![
                ("total".to_owned(), 8000),
                ("free".to_owned(), 3000),
                ("buffers".to_owned(), 100),
                ("cached".to_owned(), 2000),
            ]
        );
        assert_eq!(
            host.memory_stats(1).unwrap(),
            vec![("total".to_owned(), 4096), ("free".to_owned(), 2000)]
        );
        assert_eq!(
            host.memory_stats(2).unwrap_err().to_string(),
            "invalid argument: cellNum in virHostMemGetStats must be less than or equal to 1"
        );
        assert_eq!(host.free_memory().unwrap(), 3000 * 1024);
    }

    #[test]
    fn host_caps_from_sysfs() {
        let dir = fake_host();
        let host = HostFs::under(dir.path()).host_caps("x86_64").unwrap();
        assert_eq!(host.cpu.vendor.as_deref(), Some("Intel"));
        // kvm64 is the newest model the CPU has every feature of; vme is beyond it.
        assert_eq!(host.cpu.model.as_deref(), Some("kvm64"));
        assert_eq!(host.cpu.features, ["vme"]);
        assert_eq!(
            host.cpu.topology,
            Some(CpuTopology {
                sockets: 2,
                dies: 1,
                cores: 1,
                threads: 1
            })
        );
        assert_eq!(host.cells.len(), 2);
        let small = page_size_kib();
        assert_eq!(
            host.cells[0].pages,
            vec![(small, (4096 - 2048) / small), (2048, 1)]
        );
        assert_eq!(host.cells[0].distances, vec![(0, 10), (1, 20)]);
        assert_eq!(
            host.cells[1].cpus.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![3]
        );
        assert_eq!(host.uuid, None);
    }

    #[test]
    fn no_smbios_is_libvirts_error() {
        let dir = fake_host();
        let err = HostFs::under(dir.path()).sysinfo().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported configuration: Host SMBIOS information is not available"
        );
        write(dir.path(), "sys/class/dmi/id/bios_vendor", "SeaBIOS\n");
        write(dir.path(), "sys/class/dmi/id/sys_vendor", "QEMU\n");
        let info = HostFs::under(dir.path()).sysinfo().unwrap();
        assert_eq!(info.bios, vec![("vendor".to_owned(), "SeaBIOS".to_owned())]);
        assert_eq!(
            info.system,
            vec![("manufacturer".to_owned(), "QEMU".to_owned())]
        );
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-2,5\n").unwrap(), vec![0, 1, 2, 5]);
        assert_eq!(parse_cpu_list("").unwrap(), Vec::<u32>::new());
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("x").is_err());
    }

    #[test]
    fn the_real_host_answers() {
        let host = HostFs::real();
        let map = host.cpu_map().unwrap();
        assert!(map.iter().any(|online| *online));
        let stats = host.cpu_stats(ALL).unwrap();
        assert_eq!(stats.len(), 4);
        assert!(host.free_memory().unwrap() > 0);
        let caps = host.host_caps("x86_64").unwrap();
        let cpus: usize = caps.cells.iter().map(|c| c.cpus.len()).sum();
        assert_eq!(cpus, map.iter().filter(|o| **o).count());
    }
}
