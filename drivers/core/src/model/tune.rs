//! Resource tuning carried by a definition: `<memtune>`, `<blkiotune>`, `<cputune>`,
//! `<numatune>`, `<iothreadids>` and `<perf>` at domain level, `<iotune>` of a disk and
//! `<bandwidth>` of an interface. Most domains have none of it, so the definition holds each
//! part behind an `Option<Box<…>>`.

/// libvirt's "no limit" for memory tunables (`VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`), in KiB.
pub const MEMORY_UNLIMITED: u64 = 9_007_199_254_740_991;

/// How host resources are chosen (`placement=` of `<vcpu>` and `<numatune><memory>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placement {
    /// Given in the definition (`cpuset`, `nodeset`).
    #[default]
    Static,
    /// Chosen when the domain starts.
    Auto,
}

impl Placement {
    /// The XML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Static => "static",
            Placement::Auto => "auto",
        }
    }
}

/// `<memtune>`: memory limits in KiB, as libvirt keeps them.
///
/// A hard, soft or swap limit is set when below [`MEMORY_UNLIMITED`]; the guarantee is set
/// when not zero. Only set limits are written to XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemtuneDef {
    pub hard_limit: u64,
    pub soft_limit: u64,
    pub min_guarantee: u64,
    pub swap_hard_limit: u64,
}

impl Default for MemtuneDef {
    fn default() -> Self {
        Self {
            hard_limit: MEMORY_UNLIMITED,
            soft_limit: MEMORY_UNLIMITED,
            min_guarantee: 0,
            swap_hard_limit: MEMORY_UNLIMITED,
        }
    }
}

impl MemtuneDef {
    /// Whether a hard, soft or swap limit is set (libvirt's `virMemoryLimitIsSet`).
    pub fn is_limit_set(value: u64) -> bool {
        value < MEMORY_UNLIMITED
    }
}

/// One `<blkiotune><device>`: per-device weight and throttles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlkioDeviceDef {
    pub path: String,
    pub weight: u32,
    pub read_iops_sec: u32,
    pub write_iops_sec: u32,
    pub read_bytes_sec: u64,
    pub write_bytes_sec: u64,
}

impl BlkioDeviceDef {
    /// Whether every value is zero: such a device is not written to XML.
    pub fn is_empty(&self) -> bool {
        self.weight == 0
            && self.read_iops_sec == 0
            && self.write_iops_sec == 0
            && self.read_bytes_sec == 0
            && self.write_bytes_sec == 0
    }
}

/// `<blkiotune>`: the domain's block I/O weight (0 = unset) and per-device tuning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlkiotuneDef {
    pub weight: u32,
    pub devices: Vec<BlkioDeviceDef>,
}

/// One `<cputune><vcpupin>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcpuPinDef {
    pub vcpu: u32,
    /// The host CPUs the vCPU may run on, indexed by CPU number.
    pub cpuset: Vec<bool>,
}

/// `<cputune>`. A period or quota of 0 is unset; `shares` is set even when 0, as libvirt
/// keeps it. I/O thread pinning lives with the threads ([`IothreadDef::cpuset`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CputuneDef {
    pub shares: Option<u64>,
    pub period: u64,
    pub quota: i64,
    pub global_period: u64,
    pub global_quota: i64,
    pub emulator_period: u64,
    pub emulator_quota: i64,
    pub iothread_period: u64,
    pub iothread_quota: i64,
    /// Pinned vCPUs, in vCPU order.
    pub vcpupin: Vec<VcpuPinDef>,
    /// `<emulatorpin cpuset=…>`.
    pub emulatorpin: Option<Vec<bool>>,
}

impl CputuneDef {
    /// The CPU set of vCPU `vcpu`, if pinned.
    pub fn vcpu_pin(&self, vcpu: u32) -> Option<&[bool]> {
        self.vcpupin
            .iter()
            .find(|p| p.vcpu == vcpu)
            .map(|p| p.cpuset.as_slice())
    }

    /// Pins `vcpu` to `cpuset`, keeping the pins in vCPU order.
    pub fn set_vcpu_pin(&mut self, vcpu: u32, cpuset: Vec<bool>) {
        match self.vcpupin.binary_search_by_key(&vcpu, |p| p.vcpu) {
            Ok(at) => self.vcpupin[at].cpuset = cpuset,
            Err(at) => self.vcpupin.insert(at, VcpuPinDef { vcpu, cpuset }),
        }
    }
}

/// `<numatune><memory mode=…>`, libvirt's `virDomainNumatuneMemMode` in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumaMode {
    #[default]
    Strict,
    Preferred,
    Interleave,
    Restrictive,
}

impl NumaMode {
    /// Every mode, in libvirt's numbering (0 strict ... 3 restrictive).
    pub const ALL: [NumaMode; 4] = [
        NumaMode::Strict,
        NumaMode::Preferred,
        NumaMode::Interleave,
        NumaMode::Restrictive,
    ];

    /// The XML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NumaMode::Strict => "strict",
            NumaMode::Preferred => "preferred",
            NumaMode::Interleave => "interleave",
            NumaMode::Restrictive => "restrictive",
        }
    }

    /// Parses the XML spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// libvirt's number for the mode (the `numa_mode` parameter).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The mode numbered `code`.
    pub fn from_code(code: i32) -> Option<Self> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }
}

/// `<numatune>`: the memory policy (the `<memory>` element).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumatuneDef {
    pub mode: NumaMode,
    pub placement: Placement,
    /// The host NUMA nodes, indexed by node number; set with static placement.
    pub nodeset: Option<Vec<bool>>,
}

/// One I/O thread (`<iothreadids><iothread id=…>`), with its pinning
/// (`<cputune><iothreadpin>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IothreadDef {
    pub id: u32,
    /// Whether the id was filled in to reach the `<iothreads>` count rather than written:
    /// `<iothreadids>` is only printed when some id was written or added.
    pub autofill: bool,
    /// The host CPUs the thread may run on, if pinned.
    pub cpuset: Option<Vec<bool>>,
}

/// The perf events libvirt 9.0 knows, in its order (`virPerfEventType`).
pub const PERF_EVENTS: [&str; 22] = [
    "cmt",
    "mbmt",
    "mbml",
    "cpu_cycles",
    "instructions",
    "cache_references",
    "cache_misses",
    "branch_instructions",
    "branch_misses",
    "bus_cycles",
    "stalled_cycles_frontend",
    "stalled_cycles_backend",
    "ref_cpu_cycles",
    "cpu_clock",
    "task_clock",
    "page_faults",
    "context_switches",
    "cpu_migrations",
    "page_faults_min",
    "page_faults_maj",
    "alignment_faults",
    "emulation_faults",
];

/// `<perf>`: each event enabled, disabled or left unset, indexed like [`PERF_EVENTS`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PerfDef {
    pub events: [Option<bool>; PERF_EVENTS.len()],
}

/// The numeric `<iotune>` fields, in libvirt's order (that of `virDomainGetBlockIoTune`;
/// `group_name` comes after `size_iops_sec`, see [`IOTUNE_GROUP_AFTER`]).
pub const IOTUNE_FIELDS: [&str; 19] = [
    "total_bytes_sec",
    "read_bytes_sec",
    "write_bytes_sec",
    "total_iops_sec",
    "read_iops_sec",
    "write_iops_sec",
    "total_bytes_sec_max",
    "read_bytes_sec_max",
    "write_bytes_sec_max",
    "total_iops_sec_max",
    "read_iops_sec_max",
    "write_iops_sec_max",
    "size_iops_sec",
    "total_bytes_sec_max_length",
    "read_bytes_sec_max_length",
    "write_bytes_sec_max_length",
    "total_iops_sec_max_length",
    "read_iops_sec_max_length",
    "write_iops_sec_max_length",
];

/// Index of `size_iops_sec` in [`IOTUNE_FIELDS`]; `group_name` comes right after it.
pub const IOTUNE_GROUP_AFTER: usize = 12;

/// `<iotune>` of a disk: throttles (0 = unset) indexed like [`IOTUNE_FIELDS`], and the
/// throttle group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IoTuneDef {
    pub values: [u64; IOTUNE_FIELDS.len()],
    pub group_name: Option<String>,
}

impl IoTuneDef {
    /// Whether nothing is set: such a disk has no `<iotune>`.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|v| *v == 0) && self.group_name.is_none()
    }

    /// libvirt's rule that a total and its read/write parts are not set together: the first
    /// limit (`bytes_sec`, `iops_sec`, `bytes_sec_max`, `iops_sec_max`) that breaks it.
    pub fn total_with_parts(&self) -> Option<&'static str> {
        let v = &self.values;
        [
            (0, 1, 2, "bytes_sec"),
            (3, 4, 5, "iops_sec"),
            (6, 7, 8, "bytes_sec_max"),
            (9, 10, 11, "iops_sec_max"),
        ]
        .into_iter()
        .find(|&(total, read, write, _)| v[total] != 0 && (v[read] != 0 || v[write] != 0))
        .map(|(.., what)| what)
    }
}

/// One direction of `<bandwidth>` (`<inbound>` or `<outbound>`); 0 = unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateDef {
    /// KiB/s.
    pub average: u64,
    /// KiB/s.
    pub peak: u64,
    /// KiB/s, inbound only.
    pub floor: u64,
    /// KiB.
    pub burst: u64,
}

/// `<bandwidth>` of an interface. Present but with neither direction, it is still written
/// (as an empty element), as libvirt does after a setter cleared both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BandwidthDef {
    pub inbound: Option<RateDef>,
    pub outbound: Option<RateDef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numa_modes_follow_libvirt_numbering() {
        assert_eq!(NumaMode::from_code(2), Some(NumaMode::Interleave));
        assert_eq!(NumaMode::from_code(4), None);
        assert_eq!(NumaMode::from_code(-1), None);
        assert_eq!(NumaMode::parse("restrictive").map(NumaMode::code), Some(3));
    }

    #[test]
    fn vcpu_pins_stay_ordered() {
        let mut c = CputuneDef::default();
        c.set_vcpu_pin(3, vec![true]);
        c.set_vcpu_pin(1, vec![false, true]);
        c.set_vcpu_pin(3, vec![false, false, true]);
        let order: Vec<u32> = c.vcpupin.iter().map(|p| p.vcpu).collect();
        assert_eq!(order, [1, 3]);
        assert_eq!(c.vcpu_pin(3), Some(&[false, false, true][..]));
        assert_eq!(c.vcpu_pin(0), None);
    }

    #[test]
    fn unset_values() {
        let m = MemtuneDef::default();
        assert!(!MemtuneDef::is_limit_set(m.hard_limit));
        assert!(MemtuneDef::is_limit_set(0));
        assert!(BlkioDeviceDef::default().is_empty());
        assert!(IoTuneDef::default().is_empty());
    }
}
