//! What libvirt's qemu driver answers from a running guest: `virDomainGetInfo`'s numbers,
//! `virConnectGetAllDomainStats`/`virDomainListGetStats` records, `virDomainMemoryStats`,
//! `virDomainBlockStats` and `virDomainInterfaceStats`.
//!
//! Each function takes the guest's monitor, its live definition and the emulator's pid; the
//! caller holds whatever lock the domain table needs and passes a clone of the [`Qmp`] handle.
//! Sources, as libvirt reads them without cgroups:
//! - CPU time: `/proc/PID/stat` (`utime` + `stime`, clock ticks turned into ns); per vCPU,
//!   `/proc/PID/task/TID/stat` of the thread `query-cpus-fast` names (and its `sched` and
//!   `schedstat` for `vcpu.N.wait` and `vcpu.N.delay`).
//! - memory: `query-balloon` (`actual`) when the guest has a balloon, the balloon device's QOM
//!   property `guest-stats` for the guest's own figures (reported by the guest driver only when
//!   polling is enabled; QEMU answers `u64::MAX` for a figure it has not got, which is left out),
//!   `VmRSS` of `/proc/PID/status`.
//! - disks: `query-blockstats` (matched to disks by the device id in `qdev`) and
//!   `query-named-block-nodes` (capacity and physical size of each disk's top node).
//! - interfaces: the host side of a tap device in `/proc/net/dev`, its rx and tx swapped to the
//!   guest's view. User-mode networking has no host device and QEMU exposes no counters for it:
//!   such interfaces are counted in `net.count` but have no `net.N.*` entries, and
//!   [`interface_stats`] refuses them.

use std::collections::HashMap;

use serde_json::json;
use virtbus_core::{
    args,
    flags::stats as group,
    model::{DiskDef, DomainDef, InterfaceDef},
    params::{self, TypedParams},
    state::StateReason,
    Error, Result,
};

use crate::{command_line::disks, qmp::Qmp};

/// `virDomainMemoryStatTags`.
pub mod tag {
    /// VIR_DOMAIN_MEMORY_STAT_SWAP_IN (KiB).
    pub const SWAP_IN: i32 = 0;
    /// VIR_DOMAIN_MEMORY_STAT_SWAP_OUT (KiB).
    pub const SWAP_OUT: i32 = 1;
    /// VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT.
    pub const MAJOR_FAULT: i32 = 2;
    /// VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT.
    pub const MINOR_FAULT: i32 = 3;
    /// VIR_DOMAIN_MEMORY_STAT_UNUSED (KiB).
    pub const UNUSED: i32 = 4;
    /// VIR_DOMAIN_MEMORY_STAT_AVAILABLE (KiB).
    pub const AVAILABLE: i32 = 5;
    /// VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON (KiB).
    pub const ACTUAL_BALLOON: i32 = 6;
    /// VIR_DOMAIN_MEMORY_STAT_RSS (KiB).
    pub const RSS: i32 = 7;
    /// VIR_DOMAIN_MEMORY_STAT_USABLE (KiB).
    pub const USABLE: i32 = 8;
    /// VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE (seconds since the epoch).
    pub const LAST_UPDATE: i32 = 9;
    /// VIR_DOMAIN_MEMORY_STAT_DISK_CACHES (KiB).
    pub const DISK_CACHES: i32 = 10;
    /// VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC.
    pub const HUGETLB_PGALLOC: i32 = 11;
    /// VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL.
    pub const HUGETLB_PGFAIL: i32 = 12;
}

/// The guest's own memory figures: QEMU's `guest-stats` name, libvirt's tag, the name in the
/// `balloon` stats group, and whether the figure is bytes to report in KiB.
const GUEST_STATS: &[(&str, i32, &str, bool)] = &[
    ("stat-swap-in", tag::SWAP_IN, "swap_in", true),
    ("stat-swap-out", tag::SWAP_OUT, "swap_out", true),
    ("stat-major-faults", tag::MAJOR_FAULT, "major_fault", false),
    ("stat-minor-faults", tag::MINOR_FAULT, "minor_fault", false),
    ("stat-free-memory", tag::UNUSED, "unused", true),
    ("stat-total-memory", tag::AVAILABLE, "available", true),
    ("stat-available-memory", tag::USABLE, "usable", true),
    ("stat-disk-caches", tag::DISK_CACHES, "disk_caches", true),
    (
        "stat-htlb-pgalloc",
        tag::HUGETLB_PGALLOC,
        "hugetlb_pgalloc",
        false,
    ),
    (
        "stat-htlb-pgfail",
        tag::HUGETLB_PGFAIL,
        "hugetlb_pgfail",
        false,
    ),
];

/// `virVcpuState`: VIR_VCPU_RUNNING.
const VCPU_RUNNING: i32 = 1;

/// `virDomainGetInfo`'s numbers (the state comes from the driver's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainInfoNumbers {
    /// `<memory>`, KiB.
    pub max_mem_kib: u64,
    /// The memory the guest has now, KiB: the balloon's actual size when there is a
    /// balloon, `<currentMemory>` otherwise.
    pub memory_kib: u64,
    /// The vCPUs online.
    pub nr_virt_cpu: u32,
    /// The CPU time the emulator used, ns.
    pub cpu_time_ns: u64,
}

/// `virDomainBlockStats`; `errs` is -1 as libvirt's qemu driver reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockStats {
    /// Read requests.
    pub rd_req: i64,
    /// Bytes read.
    pub rd_bytes: i64,
    /// Write requests.
    pub wr_req: i64,
    /// Bytes written.
    pub wr_bytes: i64,
    /// Errors (not known to QEMU: -1).
    pub errs: i64,
}

/// `virDomainInterfaceStats`, from the guest's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InterfaceStats {
    /// Bytes received by the guest.
    pub rx_bytes: i64,
    /// Packets received by the guest.
    pub rx_packets: i64,
    /// Receive errors.
    pub rx_errs: i64,
    /// Received packets dropped.
    pub rx_drop: i64,
    /// Bytes sent by the guest.
    pub tx_bytes: i64,
    /// Packets sent by the guest.
    pub tx_packets: i64,
    /// Send errors.
    pub tx_errs: i64,
    /// Sent packets dropped.
    pub tx_drop: i64,
}

/// A monitor command's failure, as the driver reports it.
fn monitor(e: crate::qmp::QmpError) -> Error {
    Error::Internal(e.to_string())
}

/// Whether the definition has a memory balloon (one of model `none` does not count).
pub fn has_balloon(live: &DomainDef) -> bool {
    live.devices
        .memballoon
        .as_ref()
        .is_some_and(|b| b.model != "none")
}

/// The balloon's actual size in KiB (`query-balloon`), or `<currentMemory>` without a
/// balloon.
async fn balloon_actual_kib(qmp: &Qmp, live: &DomainDef) -> Result<u64> {
    if !has_balloon(live) {
        return Ok(live.current_memory_kib);
    }
    let reply = qmp.execute("query-balloon", None).await.map_err(monitor)?;
    reply["actual"]
        .as_u64()
        .map(|bytes| bytes / 1024)
        .ok_or_else(|| Error::Internal(format!("unexpected query-balloon reply: {reply}")))
}

/// The clock ticks per second the kernel's `/proc` times count in.
fn clock_ticks() -> u64 {
    // SAFETY: sysconf takes a constant and has no other effect.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// (user, system) CPU time in ns of a `/proc/.../stat` file.
fn proc_cpu_times(path: &str) -> Result<(u64, u64)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::System(format!("cannot read {path}: {e}")))?;
    // The command name may hold spaces and parentheses: fields count after the last ')'.
    let rest = text
        .rfind(')')
        .map(|end| &text[end + 1..])
        .ok_or_else(|| Error::Internal(format!("unexpected contents of {path}")))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ... utime(14) stime(15), i.e. indexes 11 and 12 here.
    let field = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::Internal(format!("unexpected contents of {path}")))
    };
    let ns_per_tick = 1_000_000_000 / clock_ticks();
    Ok((field(11)? * ns_per_tick, field(12)? * ns_per_tick))
}

/// (wait, delay) of a thread in ns, as libvirt reports them per vCPU: `wait_sum` of
/// `/proc/PID/task/TID/sched` (in ms there; 0 when the kernel keeps no schedstats) and the
/// run-queue time of `/proc/PID/task/TID/schedstat`.
fn thread_wait_and_delay(pid: u32, tid: u64) -> (u64, u64) {
    let wait = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/sched"))
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.trim()
                    .ends_with("wait_sum")
                    .then(|| value.trim().parse::<f64>().ok())
                    .flatten()
            })
        })
        .map_or(0, |ms| (ms * 1_000_000.0) as u64);
    let delay = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat"))
        .ok()
        .and_then(|text| text.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    (wait, delay)
}

/// `VmRSS` of `/proc/PID/status`, KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::System(format!("cannot read {path}: {e}")))?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| Error::Internal(format!("no VmRSS in {path}")))
}

/// One online vCPU: its index and its host thread.
struct Vcpu {
    index: u32,
    thread: u64,
}

/// The online vCPUs (`query-cpus-fast`).
async fn vcpus(qmp: &Qmp) -> Result<Vec<Vcpu>> {
    let reply = qmp
        .execute("query-cpus-fast", None)
        .await
        .map_err(monitor)?;
    let list = reply
        .as_array()
        .ok_or_else(|| Error::Internal(format!("unexpected query-cpus-fast reply: {reply}")))?;
    list.iter()
        .map(
            |cpu| match (cpu["cpu-index"].as_u64(), cpu["thread-id"].as_u64()) {
                (Some(index), Some(thread)) => Ok(Vcpu {
                    index: index as u32,
                    thread,
                }),
                _ => Err(Error::Internal(format!(
                    "unexpected query-cpus-fast entry: {cpu}"
                ))),
            },
        )
        .collect()
}

/// `virDomainGetInfo`'s numbers for a running guest.
pub async fn info(qmp: &Qmp, live: &DomainDef, pid: u32) -> Result<DomainInfoNumbers> {
    let memory_kib = balloon_actual_kib(qmp, live).await?;
    let online = vcpus(qmp).await?.len() as u32;
    let (user, system) = proc_cpu_times(&format!("/proc/{pid}/stat"))?;
    Ok(DomainInfoNumbers {
        max_mem_kib: live.memory_kib,
        memory_kib,
        nr_virt_cpu: online,
        cpu_time_ns: user + system,
    })
}

/// The guest's own memory figures from the balloon's `guest-stats`: (tag, group name, value).
async fn guest_memory_stats(qmp: &Qmp, live: &DomainDef) -> Result<Vec<(i32, &'static str, u64)>> {
    let reply = qmp
        .execute(
            "qom-get",
            Some(json!({ "path": balloon_path(live), "property": "guest-stats" })),
        )
        .await
        .map_err(monitor)?;
    let mut out = Vec::new();
    for &(name, tag, group_name, bytes) in GUEST_STATS {
        match reply["stats"][name].as_u64() {
            Some(u64::MAX) | None => {}
            Some(value) => out.push((tag, group_name, if bytes { value / 1024 } else { value })),
        }
    }
    if let Some(update) = reply["last-update"].as_u64().filter(|&t| t != 0) {
        out.push((tag::LAST_UPDATE, "last-update", update));
    }
    Ok(out)
}

/// `virDomainMemoryStats`: the balloon's actual size, the guest's own figures when its
/// balloon driver reports them, and the emulator's resident set, in libvirt's order.
pub async fn memory_stats(qmp: &Qmp, live: &DomainDef, pid: u32) -> Result<Vec<(i32, u64)>> {
    let mut out = Vec::new();
    if has_balloon(live) {
        out.push((tag::ACTUAL_BALLOON, balloon_actual_kib(qmp, live).await?));
        out.extend(
            guest_memory_stats(qmp, live)
                .await?
                .into_iter()
                .map(|(tag, _, value)| (tag, value)),
        );
    }
    out.push((tag::RSS, rss_kib(pid)?));
    Ok(out)
}

/// The QOM path of the guest's balloon device.
fn balloon_path(live: &DomainDef) -> String {
    let alias = live
        .devices
        .memballoon
        .as_ref()
        .and_then(|b| b.alias.clone())
        .unwrap_or_else(|| "balloon0".to_owned());
    format!("/machine/peripheral/{alias}")
}

/// `virDomainSetMemoryStatsPeriod` on a running guest: how often, in seconds, the guest's
/// balloon driver reports its figures (0 stops it), through the balloon's QOM property
/// `guest-stats-polling-interval`. The caller stores the period in the definition's
/// `<memballoon><stats period=.../>`.
pub async fn set_memory_stats_period(qmp: &Qmp, live: &DomainDef, period: i32) -> Result<()> {
    if !has_balloon(live) {
        return Err(Error::OperationInvalid(
            "No memory balloon device configured, can not set the collection period".to_owned(),
        ));
    }
    args::non_negative(period, "period", "virDomainSetMemoryStatsPeriod")?;
    qmp.execute(
        "qom-set",
        Some(json!({
            "path": balloon_path(live),
            "property": "guest-stats-polling-interval",
            "value": period,
        })),
    )
    .await
    .map_err(monitor)?;
    Ok(())
}

/// Per-disk figures gathered from the monitor.
#[derive(Debug, Default, Clone)]
struct DiskFigures {
    rd_reqs: u64,
    rd_bytes: u64,
    rd_times: u64,
    wr_reqs: u64,
    wr_bytes: u64,
    wr_times: u64,
    fl_reqs: u64,
    fl_times: u64,
    allocation: Option<u64>,
    capacity: Option<u64>,
    physical: Option<u64>,
}

/// The device id of a disk: its live alias, or the one the command line gives it.
fn disk_alias(disk: &DiskDef) -> Option<String> {
    disk.alias.clone().or_else(|| disks::alias(disk).ok())
}

/// The device id in a `query-blockstats` entry's `qdev`
/// (`/machine/peripheral/virtio-disk0/virtio-backend` → `virtio-disk0`).
fn qdev_id(qdev: &str) -> Option<&str> {
    qdev.strip_prefix("/machine/peripheral/")
        .map(|rest| rest.split('/').next().unwrap_or(rest))
        .or(Some(qdev))
}

/// `query-blockstats` by device id, and the top node's name of each.
async fn block_figures(qmp: &Qmp) -> Result<HashMap<String, (Option<String>, DiskFigures)>> {
    let reply = qmp
        .execute("query-blockstats", None)
        .await
        .map_err(monitor)?;
    let list = reply
        .as_array()
        .ok_or_else(|| Error::Internal(format!("unexpected query-blockstats reply: {reply}")))?;
    let mut out = HashMap::new();
    for entry in list {
        let id = match entry["qdev"].as_str().and_then(qdev_id) {
            Some(id) => id.to_owned(),
            None => match entry["device"].as_str() {
                Some(device) if !device.is_empty() => device.to_owned(),
                _ => continue,
            },
        };
        let s = &entry["stats"];
        let n = |key: &str| s[key].as_u64().unwrap_or(0);
        // The highest offset written is the storage node's (the parent of the format node).
        let allocation = entry["parent"]["stats"]["wr_highest_offset"]
            .as_u64()
            .or_else(|| s["wr_highest_offset"].as_u64());
        let figures = DiskFigures {
            rd_reqs: n("rd_operations"),
            rd_bytes: n("rd_bytes"),
            rd_times: n("rd_total_time_ns"),
            wr_reqs: n("wr_operations"),
            wr_bytes: n("wr_bytes"),
            wr_times: n("wr_total_time_ns"),
            fl_reqs: n("flush_operations"),
            fl_times: n("flush_total_time_ns"),
            allocation,
            ..DiskFigures::default()
        };
        let node = entry["node-name"].as_str().map(str::to_owned);
        out.insert(id, (node, figures));
    }
    Ok(out)
}

/// (virtual size, on-disk size) of every named block node.
async fn node_sizes(qmp: &Qmp) -> Result<HashMap<String, (Option<u64>, Option<u64>)>> {
    let reply = qmp
        .execute("query-named-block-nodes", Some(json!({ "flat": true })))
        .await
        .map_err(monitor)?;
    let list = reply.as_array().ok_or_else(|| {
        Error::Internal(format!("unexpected query-named-block-nodes reply: {reply}"))
    })?;
    Ok(list
        .iter()
        .filter_map(|node| {
            let name = node["node-name"].as_str()?.to_owned();
            let image = &node["image"];
            Some((
                name,
                (
                    image["virtual-size"].as_u64(),
                    image["actual-size"].as_u64(),
                ),
            ))
        })
        .collect())
}

/// The figures of each disk of `live`, in its order (`None` for a disk QEMU has no
/// statistics for, such as an empty CD-ROM drive).
async fn disk_figures(qmp: &Qmp, live: &DomainDef) -> Result<Vec<Option<DiskFigures>>> {
    let mut stats = block_figures(qmp).await?;
    let sizes = node_sizes(qmp).await?;
    Ok(live
        .devices
        .disks
        .iter()
        .map(|disk| {
            let (node, mut figures) = stats.remove(&disk_alias(disk)?)?;
            if let Some((capacity, physical)) = node.and_then(|n| sizes.get(&n)) {
                figures.capacity = *capacity;
                figures.physical = *physical;
            }
            Some(figures)
        })
        .collect())
}

/// The disk `name` names: its target (`vda`) or its source path, as `virDomainDiskByName`.
fn find_disk<'a>(live: &'a DomainDef, name: &str) -> Result<(usize, &'a DiskDef)> {
    let disks = &live.devices.disks;
    disks
        .iter()
        .enumerate()
        .find(|(_, d)| d.target_dev == name)
        .or_else(|| {
            disks
                .iter()
                .enumerate()
                .find(|(_, d)| d.source.as_deref() == Some(name))
        })
        .ok_or_else(|| Error::InvalidArg(format!("invalid path: {name}")))
}

/// `virDomainBlockStats` of the disk `disk` names (target or source path).
pub async fn block_stats(qmp: &Qmp, live: &DomainDef, disk: &str) -> Result<BlockStats> {
    let (index, _) = find_disk(live, disk)?;
    let figures = disk_figures(qmp, live)
        .await?
        .swap_remove(index)
        .ok_or_else(|| Error::Internal(format!("cannot find statistics for device '{disk}'")))?;
    let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok(BlockStats {
        rd_req: signed(figures.rd_reqs),
        rd_bytes: signed(figures.rd_bytes),
        wr_req: signed(figures.wr_reqs),
        wr_bytes: signed(figures.wr_bytes),
        errs: -1,
    })
}

/// The host's counters of network device `ifname` in `/proc/net/dev`, turned to the guest's
/// view (what the host's tap sends, the guest receives).
fn tap_counters(ifname: &str) -> Result<InterfaceStats> {
    let text = std::fs::read_to_string("/proc/net/dev")
        .map_err(|e| Error::System(format!("cannot read /proc/net/dev: {e}")))?;
    let line = text
        .lines()
        .find_map(|l| {
            let (name, rest) = l.split_once(':')?;
            (name.trim() == ifname).then_some(rest)
        })
        .ok_or_else(|| {
            Error::OperationFailed(format!("/proc/net/dev: Interface not found: {ifname}"))
        })?;
    let v: Vec<i64> = line
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    // Host receive: bytes packets errs drop (0-3); host transmit: bytes packets errs drop (8-11).
    Ok(InterfaceStats {
        rx_bytes: at(8),
        rx_packets: at(9),
        rx_errs: at(10),
        rx_drop: at(11),
        tx_bytes: at(0),
        tx_packets: at(1),
        tx_errs: at(2),
        tx_drop: at(3),
    })
}

/// The interface `device` names: its host device (`vnet0`), MAC address or alias.
fn find_interface<'a>(live: &'a DomainDef, device: &str) -> Result<&'a InterfaceDef> {
    live.devices
        .interfaces
        .iter()
        .find(|n| {
            n.target_dev.as_deref() == Some(device)
                || n.mac
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(device))
                || n.alias.as_deref() == Some(device)
        })
        .ok_or_else(|| Error::InvalidArg(format!("'{device}' is not a known interface")))
}

/// `virDomainInterfaceStats` of the interface `device` names. User-mode networking has no
/// host device and QEMU exposes no counters for it: refused as not supported.
pub fn interface_stats(live: &DomainDef, device: &str) -> Result<InterfaceStats> {
    let net = find_interface(live, device)?;
    match net.target_dev.as_deref() {
        Some(ifname) if net.if_type != "user" => tap_counters(ifname),
        _ => Err(Error::OperationUnsupported(format!(
            "interface statistics of '{device}': a user-mode network interface has no host \
             device and QEMU reports no counters for it"
        ))),
    }
}

/// `virConnectGetAllDomainStats`/`virDomainListGetStats` record of a running guest for the
/// groups in `groups` (`VIR_DOMAIN_STATS_*` bits; 0 means every group this driver reports),
/// with libvirt's parameter names, groups in libvirt's order.
pub async fn domain_stats(
    qmp: &Qmp,
    live: &DomainDef,
    pid: u32,
    state: StateReason,
    groups: u32,
) -> Result<TypedParams> {
    let groups = if groups == 0 {
        SUPPORTED_GROUPS
    } else {
        groups
    };
    let mut out = TypedParams::new();
    if groups & group::STATE != 0 {
        out.push(params::int("state.state", state.state as i32));
        out.push(params::int("state.reason", state.reason));
    }
    if groups & group::CPU_TOTAL != 0 {
        let (user, system) = proc_cpu_times(&format!("/proc/{pid}/stat"))?;
        out.push(params::ullong("cpu.time", user + system));
        out.push(params::ullong("cpu.user", user));
        out.push(params::ullong("cpu.system", system));
    }
    if groups & group::BALLOON != 0 {
        out.push(params::ullong(
            "balloon.current",
            balloon_actual_kib(qmp, live).await?,
        ));
        out.push(params::ullong("balloon.maximum", live.memory_kib));
        if has_balloon(live) {
            for (_, name, value) in guest_memory_stats(qmp, live).await? {
                out.push(params::ullong(&format!("balloon.{name}"), value));
            }
        }
        out.push(params::ullong("balloon.rss", rss_kib(pid)?));
    }
    if groups & group::VCPU != 0 {
        let online = vcpus(qmp).await?;
        out.push(params::uint("vcpu.current", online.len() as u32));
        out.push(params::uint("vcpu.maximum", live.vcpu.max));
        for vcpu in &online {
            let (user, system) = proc_cpu_times(&format!("/proc/{pid}/task/{}/stat", vcpu.thread))?;
            out.push(params::int(
                &format!("vcpu.{}.state", vcpu.index),
                VCPU_RUNNING,
            ));
            out.push(params::ullong(
                &format!("vcpu.{}.time", vcpu.index),
                user + system,
            ));
            let (wait, delay) = thread_wait_and_delay(pid, vcpu.thread);
            out.push(params::ullong(&format!("vcpu.{}.wait", vcpu.index), wait));
            out.push(params::ullong(&format!("vcpu.{}.delay", vcpu.index), delay));
        }
    }
    if groups & group::INTERFACE != 0 {
        push_interfaces(&mut out, live);
    }
    if groups & group::BLOCK != 0 {
        push_blocks(&mut out, live, disk_figures(qmp, live).await?);
    }
    Ok(out)
}

/// The groups [`domain_stats`] reports.
pub const SUPPORTED_GROUPS: u32 = group::STATE
    | group::CPU_TOTAL
    | group::BALLOON
    | group::VCPU
    | group::INTERFACE
    | group::BLOCK;

/// The `net.*` entries: every interface counts; those with a host device have their counters.
fn push_interfaces(out: &mut TypedParams, live: &DomainDef) {
    let nets = &live.devices.interfaces;
    out.push(params::uint("net.count", nets.len() as u32));
    for (i, net) in nets.iter().enumerate() {
        let Some(ifname) = net.target_dev.as_deref().filter(|_| net.if_type != "user") else {
            continue;
        };
        out.push(params::string(&format!("net.{i}.name"), ifname));
        // A device that vanished meanwhile has no counters; libvirt skips it the same way.
        let Ok(s) = tap_counters(ifname) else {
            continue;
        };
        for (key, value) in [
            ("rx.bytes", s.rx_bytes),
            ("rx.pkts", s.rx_packets),
            ("rx.errs", s.rx_errs),
            ("rx.drop", s.rx_drop),
            ("tx.bytes", s.tx_bytes),
            ("tx.pkts", s.tx_packets),
            ("tx.errs", s.tx_errs),
            ("tx.drop", s.tx_drop),
        ] {
            out.push(params::ullong(
                &format!("net.{i}.{key}"),
                u64::try_from(value).unwrap_or(0),
            ));
        }
    }
}

/// The `block.*` entries of every disk.
fn push_blocks(out: &mut TypedParams, live: &DomainDef, figures: Vec<Option<DiskFigures>>) {
    let disks = &live.devices.disks;
    out.push(params::uint("block.count", disks.len() as u32));
    for (i, (disk, figures)) in disks.iter().zip(figures).enumerate() {
        out.push(params::string(&format!("block.{i}.name"), &disk.target_dev));
        if let Some(path) = disk.source.as_deref() {
            out.push(params::string(&format!("block.{i}.path"), path));
        }
        let Some(f) = figures else {
            continue;
        };
        for (key, value) in [
            ("rd.reqs", f.rd_reqs),
            ("rd.bytes", f.rd_bytes),
            ("rd.times", f.rd_times),
            ("wr.reqs", f.wr_reqs),
            ("wr.bytes", f.wr_bytes),
            ("wr.times", f.wr_times),
            ("fl.reqs", f.fl_reqs),
            ("fl.times", f.fl_times),
        ] {
            out.push(params::ullong(&format!("block.{i}.{key}"), value));
        }
        for (key, value) in [
            ("allocation", f.allocation),
            ("capacity", f.capacity),
            ("physical", f.physical),
        ] {
            if let Some(value) = value {
                out.push(params::ullong(&format!("block.{i}.{key}"), value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qdev_paths_give_the_device_id() {
        assert_eq!(
            qdev_id("/machine/peripheral/virtio-disk0/virtio-backend"),
            Some("virtio-disk0")
        );
        assert_eq!(qdev_id("/machine/peripheral/ide0-0-0"), Some("ide0-0-0"));
    }

    #[test]
    fn cpu_times_of_this_process_are_read_after_the_command_name() {
        let (user, system) = proc_cpu_times("/proc/self/stat").unwrap();
        // Both are multiples of a tick in ns.
        let tick = 1_000_000_000 / clock_ticks();
        assert_eq!(user % tick, 0);
        assert_eq!(system % tick, 0);
    }

    #[test]
    fn an_unknown_interface_is_refused_with_libvirts_words() {
        let live = DomainDef::default();
        let err = interface_stats(&live, "vnet9").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: 'vnet9' is not a known interface"
        );
    }
}
