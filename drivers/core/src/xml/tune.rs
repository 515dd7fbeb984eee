//! Tuning elements, read and written with libvirt 9.0's rules and texts: `<blkiotune>`,
//! `<memtune>`, `<iothreads>`/`<iothreadids>`, `<cputune>`, `<numatune>` and `<perf>` of a
//! domain, `<iotune>` of a disk and `<bandwidth>` of an interface.

use std::fmt::Display;

use super::{
    conv::{invalid_attr, missing_attr, num_attr, parse_num, yes_no_attr},
    tree::Element,
    units::parse_kib_capped,
    writer::{some, XmlOut},
};
use crate::{
    bitmap,
    error::{Error, Result},
    model::{
        BandwidthDef, BlkioDeviceDef, BlkiotuneDef, CputuneDef, DomainDef, IoTuneDef, IothreadDef,
        MemtuneDef, NumaMode, NumatuneDef, PerfDef, Placement, RateDef, VcpuDef, IOTUNE_FIELDS,
        IOTUNE_GROUP_AFTER, MEMORY_UNLIMITED, PERF_EVENTS,
    },
};

/// Most I/O threads accepted in a definition.
pub const MAX_IOTHREADS: u32 = 4096;

/// Largest memory limit accepted, in bytes (libvirt's `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`
/// KiB).
const MEMORY_LIMIT_MAX_BYTES: u64 = MEMORY_UNLIMITED << 10;

/// Bounds of cputune periods (`VIR_CGROUP_CPU_PERIOD_MIN/MAX`).
const PERIOD_RANGE: (u64, u64) = (1000, 1_000_000);
/// Bounds of positive cputune quotas (`VIR_CGROUP_CPU_QUOTA_MIN/MAX`).
const QUOTA_RANGE: (i64, i64) = (1000, 17_592_186_044_415);

/// The text of child `name`, `None` when absent or empty (libvirt's `virXPathString`).
fn child_value(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|t| !t.is_empty())
}

/// A CPU or node set attribute: parsed, and refused when it names nothing.
fn cpuset_attr(text: &str, what: &str) -> Result<Vec<bool>> {
    let bits = bitmap::parse(text)
        .ok_or_else(|| Error::InvalidArg(format!("Failed to parse bitmap '{text}'")))?;
    if bitmap::is_empty(&bits) {
        return Err(Error::ConfigUnsupported(format!(
            "Invalid value of '{what}': {text}"
        )));
    }
    Ok(bits)
}

/// A non-zero id attribute (`VIR_XML_PROP_NONZERO`).
fn nonzero_id(el: &Element, name: &str) -> Result<u32> {
    match num_attr::<u32>(el, name)? {
        None => Err(missing_attr(el, name)),
        Some(0) => Err(Error::Xml(format!(
            "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
            el.name
        ))),
        Some(id) => Ok(id),
    }
}

// ---------------------------------------------------------------------------------------------
// <memtune>

/// `<memtune>`; `None` when absent or setting nothing.
pub(crate) fn parse_memtune(root: &Element) -> Result<Option<Box<MemtuneDef>>> {
    let Some(el) = root.child("memtune") else {
        return Ok(None);
    };
    let mut m = MemtuneDef::default();
    for (name, slot) in [
        ("hard_limit", &mut m.hard_limit),
        ("soft_limit", &mut m.soft_limit),
        ("min_guarantee", &mut m.min_guarantee),
        ("swap_hard_limit", &mut m.swap_hard_limit),
    ] {
        let Some(limit) = el.child(name) else {
            continue;
        };
        let text = limit.text();
        if text.is_empty() {
            continue;
        }
        let xpath = format!("./memtune/{name}[1]");
        *slot = parse_kib_capped(&text, limit.attr("unit"), &xpath, MEMORY_LIMIT_MAX_BYTES)?;
    }
    Ok((m != MemtuneDef::default()).then(|| Box::new(m)))
}

/// Writes `<memtune>` with the limits that are set, in libvirt's order.
pub(crate) fn format_memtune(out: &mut XmlOut, m: Option<&MemtuneDef>) {
    let Some(m) = m else {
        return;
    };
    let limits = [
        (
            "hard_limit",
            m.hard_limit,
            MemtuneDef::is_limit_set(m.hard_limit),
        ),
        (
            "soft_limit",
            m.soft_limit,
            MemtuneDef::is_limit_set(m.soft_limit),
        ),
        ("min_guarantee", m.min_guarantee, m.min_guarantee != 0),
        (
            "swap_hard_limit",
            m.swap_hard_limit,
            MemtuneDef::is_limit_set(m.swap_hard_limit),
        ),
    ];
    if !limits.iter().any(|(_, _, set)| *set) {
        return;
    }
    out.open("memtune", &[]);
    for (name, value, set) in limits {
        if set {
            out.text(name, &[("unit", some("KiB"))], &value.to_string());
        }
    }
    out.close("memtune");
}

// ---------------------------------------------------------------------------------------------
// <blkiotune>

/// The per-device fields: element name, the word libvirt's error text uses, 32-bit or not.
const BLKIO_DEVICE_FIELDS: [(&str, &str, bool); 5] = [
    ("weight", "weight", true),
    ("read_iops_sec", "read iops sec", true),
    ("write_iops_sec", "write iops sec", true),
    ("read_bytes_sec", "read bytes sec", false),
    ("write_bytes_sec", "write bytes sec", false),
];

/// `<blkiotune>`; `None` when absent or setting nothing.
pub(crate) fn parse_blkiotune(root: &Element) -> Result<Option<Box<BlkiotuneDef>>> {
    let Some(el) = root.child("blkiotune") else {
        return Ok(None);
    };
    let mut b = BlkiotuneDef {
        // libvirt ignores a weight it cannot read.
        weight: el
            .child_text("weight")
            .and_then(|t| parse_num::<u32>(t.trim()))
            .unwrap_or(0),
        devices: Vec::new(),
    };
    for d in el.children_named("device") {
        let Some(path) = child_value(d, "path") else {
            return Err(Error::ConfigUnsupported(
                "missing per-device path".to_owned(),
            ));
        };
        let mut dev = BlkioDeviceDef {
            path,
            ..BlkioDeviceDef::default()
        };
        for (name, words, small) in BLKIO_DEVICE_FIELDS {
            let Some(text) = d.child_text(name) else {
                continue;
            };
            let bad = || Error::ConfigUnsupported(format!("could not parse {words} {text}"));
            let value = parse_num::<u64>(text.trim()).ok_or_else(bad)?;
            if small && value > u64::from(u32::MAX) {
                return Err(bad());
            }
            set_blkio_field(&mut dev, name, value);
        }
        if b.devices.iter().any(|o| o.path == dev.path) {
            return Err(Error::ConfigUnsupported(format!(
                "duplicate blkio device path '{}'",
                dev.path
            )));
        }
        b.devices.push(dev);
    }
    Ok((b != BlkiotuneDef::default()).then(|| Box::new(b)))
}

/// Sets the per-device field `name` (one of [`BLKIO_DEVICE_FIELDS`]); 32-bit fields take
/// the low bits, the caller having checked the range.
fn set_blkio_field(dev: &mut BlkioDeviceDef, name: &str, value: u64) {
    let small = u32::try_from(value).unwrap_or(u32::MAX);
    match name {
        "weight" => dev.weight = small,
        "read_iops_sec" => dev.read_iops_sec = small,
        "write_iops_sec" => dev.write_iops_sec = small,
        "read_bytes_sec" => dev.read_bytes_sec = value,
        _ => dev.write_bytes_sec = value,
    }
}

/// Writes `<blkiotune>`: the weight if set, then every device with a value set.
pub(crate) fn format_blkiotune(out: &mut XmlOut, b: Option<&BlkiotuneDef>) {
    let Some(b) = b else {
        return;
    };
    if b.weight == 0 && b.devices.iter().all(BlkioDeviceDef::is_empty) {
        return;
    }
    out.open("blkiotune", &[]);
    if b.weight != 0 {
        out.text("weight", &[], &b.weight.to_string());
    }
    for d in b.devices.iter().filter(|d| !d.is_empty()) {
        out.open("device", &[]);
        out.text("path", &[], &d.path);
        for (name, value) in [
            ("weight", u64::from(d.weight)),
            ("read_iops_sec", u64::from(d.read_iops_sec)),
            ("write_iops_sec", u64::from(d.write_iops_sec)),
            ("read_bytes_sec", d.read_bytes_sec),
            ("write_bytes_sec", d.write_bytes_sec),
        ] {
            if value != 0 {
                out.text(name, &[], &value.to_string());
            }
        }
        out.close("device");
    }
    out.close("blkiotune");
}

// ---------------------------------------------------------------------------------------------
// <iothreads>, <iothreadids>

/// `<iothreads>` and `<iothreadids>`: the written ids, then ids filled in (lowest unused
/// first) up to the `<iothreads>` count.
pub(crate) fn parse_iothreads(root: &Element) -> Result<Vec<IothreadDef>> {
    let count = match root.child("iothreads") {
        Some(el) => {
            let t = el.text();
            parse_num::<u32>(t.trim())
                .ok_or_else(|| Error::Xml(format!("invalid iothreads count '{t}'")))?
        }
        None => 0,
    };
    let mut threads: Vec<IothreadDef> = Vec::new();
    if let Some(ids) = root.child("iothreadids") {
        for t in ids.children_named("iothread") {
            let id = nonzero_id(t, "id")?;
            if threads.iter().any(|o| o.id == id) {
                return Err(Error::Xml(format!("duplicate iothread id '{id}' found")));
            }
            if threads.len() >= MAX_IOTHREADS as usize {
                return Err(too_many_iothreads());
            }
            threads.push(IothreadDef {
                id,
                autofill: false,
                cpuset: None,
            });
        }
    }
    if count > MAX_IOTHREADS {
        return Err(too_many_iothreads());
    }
    let mut next = 1;
    while threads.len() < count as usize {
        while threads.iter().any(|t| t.id == next) {
            next += 1;
        }
        threads.push(IothreadDef {
            id: next,
            autofill: true,
            cpuset: None,
        });
    }
    Ok(threads)
}

fn too_many_iothreads() -> Error {
    Error::Xml(format!(
        "iothreads count exceeds the supported maximum of {MAX_IOTHREADS}"
    ))
}

/// Writes `<iothreads>`, and `<iothreadids>` unless every id was filled in.
fn format_iothreads(out: &mut XmlOut, threads: &[IothreadDef]) {
    if threads.is_empty() {
        return;
    }
    out.text("iothreads", &[], &threads.len().to_string());
    if threads.iter().all(|t| t.autofill) {
        return;
    }
    out.open("iothreadids", &[]);
    for t in threads {
        out.empty("iothread", &[("id", some(&t.id))]);
    }
    out.close("iothreadids");
}

// ---------------------------------------------------------------------------------------------
// <cputune>

/// An optional number child of `<cputune>`; `what` names it in libvirt's error text.
fn cputune_number<T: std::str::FromStr>(el: &Element, name: &str, what: &str) -> Result<Option<T>> {
    match el.child_text(name) {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => t
            .parse::<T>()
            .map(Some)
            .map_err(|_| Error::Xml(format!("can't parse cputune {what} value"))),
    }
}

/// `<cputune>`, given the vCPUs (pins of missing vCPUs are ignored, as libvirt does) and
/// the I/O threads, which receive their `<iothreadpin>`.
pub(crate) fn parse_cputune(
    root: &Element,
    vcpu: &VcpuDef,
    iothreads: &mut [IothreadDef],
) -> Result<Option<Box<CputuneDef>>> {
    let Some(el) = root.child("cputune") else {
        return Ok(None);
    };
    let mut c = CputuneDef {
        shares: cputune_number(el, "shares", "shares")?,
        period: cputune_number(el, "period", "period")?.unwrap_or(0),
        quota: cputune_number(el, "quota", "quota")?.unwrap_or(0),
        global_period: cputune_number(el, "global_period", "global period")?.unwrap_or(0),
        global_quota: cputune_number(el, "global_quota", "global quota")?.unwrap_or(0),
        emulator_period: cputune_number(el, "emulator_period", "emulator period")?.unwrap_or(0),
        emulator_quota: cputune_number(el, "emulator_quota", "emulator quota")?.unwrap_or(0),
        iothread_period: cputune_number(el, "iothread_period", "iothread period")?.unwrap_or(0),
        iothread_quota: cputune_number(el, "iothread_quota", "iothread quota")?.unwrap_or(0),
        ..CputuneDef::default()
    };
    for pin in el.children_named("vcpupin") {
        let id: u32 = num_attr(pin, "vcpu")?.ok_or_else(|| missing_attr(pin, "vcpu"))?;
        if id >= vcpu.max {
            tracing::warn!(vcpu = id, "ignoring vcpupin for a missing vCPU");
            let _ = pin.attr("cpuset");
            continue;
        }
        let text = pin
            .attr("cpuset")
            .ok_or_else(|| Error::Internal("missing cpuset for vcpupin".to_owned()))?;
        if c.vcpu_pin(id).is_some() {
            return Err(Error::Internal(format!(
                "duplicate vcpupin for vcpu '{id}'"
            )));
        }
        let set = cpuset_attr(text, "cpuset")?;
        c.set_vcpu_pin(id, set);
    }
    let mut emulatorpins = el.children_named("emulatorpin");
    if let Some(pin) = emulatorpins.next() {
        if emulatorpins.next().is_some() {
            return Err(Error::Xml("only one emulatorpin is supported".to_owned()));
        }
        let text = pin
            .attr("cpuset")
            .ok_or_else(|| Error::Internal("missing cpuset for emulatorpin".to_owned()))?;
        c.emulatorpin = Some(cpuset_attr(text, "cpuset")?);
    }
    for pin in el.children_named("iothreadpin") {
        let id = nonzero_id(pin, "iothread")?;
        let Some(thread) = iothreads.iter_mut().find(|t| t.id == id) else {
            return Err(Error::ConfigUnsupported(format!(
                "Cannot find 'iothread' : {id}"
            )));
        };
        if thread.cpuset.is_some() {
            return Err(Error::Internal(format!(
                "duplicate iothreadpin for same iothread '{id}'"
            )));
        }
        let text = pin
            .attr("cpuset")
            .ok_or_else(|| Error::Internal("missing cpuset for iothreadpin".to_owned()))?;
        thread.cpuset = Some(cpuset_attr(text, "cpuset")?);
    }
    check_cputune(&c)?;
    Ok((c != CputuneDef::default()).then(|| Box::new(c)))
}

/// libvirt's range checks of periods, then of positive quotas.
fn check_cputune(c: &CputuneDef) -> Result<()> {
    check_set_in_range(
        [
            ("period", c.period),
            ("global_period", c.global_period),
            ("emulator_period", c.emulator_period),
            ("iothread_period", c.iothread_period),
        ],
        PERIOD_RANGE,
    )?;
    check_set_in_range(
        [
            ("quota", c.quota),
            ("global_quota", c.global_quota),
            ("emulator_quota", c.emulator_quota),
            ("iothread_quota", c.iothread_quota),
        ],
        QUOTA_RANGE,
    )
}

/// Fails for the first named value that is set (above 0) and out of `(min, max)`.
fn check_set_in_range<T>(values: [(&str, T); 4], (min, max): (T, T)) -> Result<()>
where
    T: PartialOrd + Default + Display + Copy,
{
    for (name, value) in values {
        if value > T::default() && !(min..=max).contains(&value) {
            return Err(Error::ConfigUnsupported(format!(
                "Value of cputune '{name}' must be in range [{min}, {max}]"
            )));
        }
    }
    Ok(())
}

/// Writes `<cputune>` in libvirt's order, with the I/O thread pins of `threads`.
fn format_cputune(out: &mut XmlOut, c: Option<&CputuneDef>, threads: &[IothreadDef]) {
    let mut inner = XmlOut::with_indent(out.indent() + 1);
    if let Some(c) = c {
        if let Some(shares) = c.shares {
            inner.text("shares", &[], &shares.to_string());
        }
        let numbers: [(&str, i128); 8] = [
            ("period", c.period.into()),
            ("quota", c.quota.into()),
            ("global_period", c.global_period.into()),
            ("global_quota", c.global_quota.into()),
            ("emulator_period", c.emulator_period.into()),
            ("emulator_quota", c.emulator_quota.into()),
            ("iothread_period", c.iothread_period.into()),
            ("iothread_quota", c.iothread_quota.into()),
        ];
        for (name, value) in numbers {
            if value != 0 {
                inner.text(name, &[], &value.to_string());
            }
        }
        for pin in &c.vcpupin {
            inner.empty(
                "vcpupin",
                &[
                    ("vcpu", some(&pin.vcpu)),
                    ("cpuset", Some(bitmap::format(&pin.cpuset))),
                ],
            );
        }
        if let Some(set) = &c.emulatorpin {
            inner.empty("emulatorpin", &[("cpuset", Some(bitmap::format(set)))]);
        }
    }
    for t in threads {
        if let Some(set) = &t.cpuset {
            inner.empty(
                "iothreadpin",
                &[
                    ("iothread", some(&t.id)),
                    ("cpuset", Some(bitmap::format(set))),
                ],
            );
        }
    }
    let inner = inner.finish();
    if !inner.is_empty() {
        out.open("cputune", &[]);
        out.append(&inner);
        out.close("cputune");
    }
}

/// Writes `<iothreads>`, `<iothreadids>`, `<cputune>` and `<numatune>`, which follow
/// `<vcpu>` in libvirt's order.
pub(crate) fn format_cpu_tuning(out: &mut XmlOut, def: &DomainDef) {
    format_iothreads(out, &def.iothreadids);
    format_cputune(out, def.cputune.as_deref(), &def.iothreadids);
    format_numatune(out, def.numatune.as_deref());
}

// ---------------------------------------------------------------------------------------------
// <numatune>

/// `<numatune>`. Automatic placement, asked or inherited from `<vcpu placement='auto'>`,
/// drops the node set.
pub(crate) fn parse_numatune(root: &Element, vcpu: &VcpuDef) -> Result<Option<Box<NumatuneDef>>> {
    let Some(el) = root.child("numatune") else {
        return Ok(None);
    };
    if el.child("memnode").is_some() {
        return Err(Error::Xml(
            "Element 'memnode' is invalid without any guest NUMA cells".to_owned(),
        ));
    }
    let Some(mem) = el.child("memory") else {
        return Ok(None);
    };
    let mode = match mem.attr("mode") {
        None => NumaMode::Strict,
        Some(m) => NumaMode::parse(m).ok_or_else(|| {
            Error::ConfigUnsupported(format!("Unsupported NUMA memory tuning mode '{m}'"))
        })?,
    };
    let placement = match mem.attr("placement") {
        None => None,
        Some("static") => Some(Placement::Static),
        Some("auto") => Some(Placement::Auto),
        Some(p) => {
            return Err(Error::ConfigUnsupported(format!(
                "Unsupported NUMA memory placement mode '{p}'"
            )))
        }
    };
    let nodeset = match mem.attr("nodeset") {
        Some(text) => Some(cpuset_attr(text, "nodeset")?),
        None => None,
    };
    let vcpu_auto = vcpu.placement == Placement::Auto;
    let placement = placement.unwrap_or(if nodeset.is_none() && vcpu_auto {
        Placement::Auto
    } else {
        Placement::Static
    });
    let nodeset = match placement {
        Placement::Static if nodeset.is_none() => {
            return Err(Error::ConfigUnsupported(
                "nodeset for NUMA memory tuning must be set if 'placement' is 'static'".to_owned(),
            ))
        }
        Placement::Static => nodeset,
        Placement::Auto => None,
    };
    Ok(Some(Box::new(NumatuneDef {
        mode,
        placement,
        nodeset,
    })))
}

/// libvirt's follow-up of automatic NUMA placement: the vCPUs are placed automatically
/// too, unless the definition pins anything (CPU set, vCPU, emulator or I/O thread pins).
pub(crate) fn inherit_auto_placement(def: &mut DomainDef) {
    let numa_auto = def
        .numatune
        .as_deref()
        .is_some_and(|n| n.placement == Placement::Auto);
    let pinned = def.vcpu.cpuset.is_some()
        || def
            .cputune
            .as_deref()
            .is_some_and(|c| !c.vcpupin.is_empty() || c.emulatorpin.is_some())
        || def.iothreadids.iter().any(|t| t.cpuset.is_some());
    if numa_auto && !pinned {
        def.vcpu.placement = Placement::Auto;
    }
}

/// Writes `<numatune><memory …/></numatune>`.
fn format_numatune(out: &mut XmlOut, n: Option<&NumatuneDef>) {
    let Some(n) = n else {
        return;
    };
    out.open("numatune", &[]);
    let (placement, nodeset) = match n.placement {
        Placement::Auto => (some("auto"), None),
        Placement::Static => (None, n.nodeset.as_deref().map(bitmap::format)),
    };
    out.empty(
        "memory",
        &[
            ("mode", some(n.mode.as_str())),
            ("nodeset", nodeset),
            ("placement", placement),
        ],
    );
    out.close("numatune");
}

// ---------------------------------------------------------------------------------------------
// <perf>

/// `<perf>`; `None` when absent or naming no event.
pub(crate) fn parse_perf(root: &Element) -> Result<Option<Box<PerfDef>>> {
    let Some(el) = root.child("perf") else {
        return Ok(None);
    };
    let mut p = PerfDef::default();
    for ev in el.children_named("event") {
        let name = ev.attr("name").ok_or_else(|| missing_attr(ev, "name"))?;
        let index = PERF_EVENTS
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| invalid_attr(ev, "name", name))?;
        let enabled = yes_no_attr(ev, "enabled")?.ok_or_else(|| missing_attr(ev, "enabled"))?;
        if p.events[index].is_some() {
            return Err(Error::Xml(format!(
                "perf event '{name}' was already specified"
            )));
        }
        p.events[index] = Some(enabled);
    }
    Ok((p != PerfDef::default()).then(|| Box::new(p)))
}

/// Writes `<perf>` with every event set, in libvirt's order.
pub(crate) fn format_perf(out: &mut XmlOut, p: Option<&PerfDef>) {
    let Some(p) = p else {
        return;
    };
    if p.events.iter().all(Option::is_none) {
        return;
    }
    out.open("perf", &[]);
    for (name, state) in PERF_EVENTS.iter().zip(p.events) {
        if let Some(on) = state {
            out.empty(
                "event",
                &[
                    ("name", some(*name)),
                    ("enabled", some(if on { "yes" } else { "no" })),
                ],
            );
        }
    }
    out.close("perf");
}

// ---------------------------------------------------------------------------------------------
// Disk <iotune>

/// A disk's `<iotune>`; `None` when absent or setting nothing.
pub(crate) fn parse_iotune(disk: &Element) -> Result<Option<Box<IoTuneDef>>> {
    let Some(el) = disk.child("iotune") else {
        return Ok(None);
    };
    let mut t = IoTuneDef::default();
    for (i, name) in IOTUNE_FIELDS.iter().enumerate() {
        if let Some(text) = el.child_text(name) {
            t.values[i] = parse_num::<u64>(text.trim()).ok_or_else(|| {
                Error::Xml(format!("disk iotune field '{name}' must be an integer"))
            })?;
        }
    }
    t.group_name = child_value(el, "group_name");
    if let Some(what) = t.total_with_parts() {
        return Err(Error::Xml(format!(
            "total and read/write {what} cannot be set at the same time"
        )));
    }
    Ok((!t.is_empty()).then(|| Box::new(t)))
}

/// Writes a disk's `<iotune>`: the values set, `group_name` after `size_iops_sec`.
pub(crate) fn format_iotune(out: &mut XmlOut, t: Option<&IoTuneDef>) {
    let Some(t) = t.filter(|t| !t.is_empty()) else {
        return;
    };
    out.open("iotune", &[]);
    for (i, name) in IOTUNE_FIELDS.iter().enumerate() {
        if t.values[i] != 0 {
            out.text(name, &[], &t.values[i].to_string());
        }
        if i == IOTUNE_GROUP_AFTER {
            out.opt_text("group_name", t.group_name.as_deref());
        }
    }
    out.close("iotune");
}

// ---------------------------------------------------------------------------------------------
// Interface <bandwidth>

/// One `<inbound>` or `<outbound>` (`virNetDevBandwidthParseRate`, its checks in its order);
/// `None` when it limits nothing (average and floor 0).
fn parse_rate(el: &Element) -> Result<Option<RateDef>> {
    let number = |name: &str, v: &str| -> Result<u64> {
        parse_num::<u64>(v.trim()).ok_or_else(|| {
            Error::ConfigUnsupported(format!("could not convert bandwidth {name} value '{v}'"))
        })
    };
    let (average, peak, burst, floor) = (
        el.attr("average"),
        el.attr("peak"),
        el.attr("burst"),
        el.attr("floor"),
    );
    let average = average.map(|v| number("average", v)).transpose()?;
    if average.is_none() && floor.is_none() {
        return Err(Error::XmlDetail(
            "Missing mandatory average or floor attributes".to_owned(),
        ));
    }
    if (peak.is_some() || burst.is_some()) && average.is_none() {
        return Err(Error::ConfigUnsupported(
            "'peak' and 'burst' require 'average' attribute".to_owned(),
        ));
    }
    let rate = RateDef {
        average: average.unwrap_or(0),
        peak: peak.map(|v| number("peak", v)).transpose()?.unwrap_or(0),
        burst: burst.map(|v| number("burst", v)).transpose()?.unwrap_or(0),
        floor: floor.map(|v| number("floor", v)).transpose()?.unwrap_or(0),
    };
    Ok((rate.average != 0 || rate.floor != 0).then_some(rate))
}

/// An interface's `<bandwidth>`: `None` when it has neither `<inbound>` nor `<outbound>`.
pub(crate) fn parse_bandwidth(iface: &Element) -> Result<Option<Box<BandwidthDef>>> {
    parse_bandwidth_with(iface, true)
}

/// `virNetDevBandwidthParse` of the `<bandwidth>` child of `parent`; `allow_floor` false (a
/// network or a port group) refuses an inbound `floor`.
pub(crate) fn parse_bandwidth_with(
    parent: &Element,
    allow_floor: bool,
) -> Result<Option<Box<BandwidthDef>>> {
    let Some(el) = parent.child("bandwidth") else {
        return Ok(None);
    };
    let mut found = [None, None];
    for (slot, name) in found.iter_mut().zip(["inbound", "outbound"]) {
        let mut all = el.children_named(name);
        *slot = all.next();
        if all.next().is_some() {
            return Err(Error::XmlDetail(format!(
                "Only one child <{name}> element allowed"
            )));
        }
    }
    let mut bw = BandwidthDef::default();
    if let Some(inbound) = found[0] {
        bw.inbound = parse_rate(inbound)?;
        if !allow_floor && bw.inbound.is_some_and(|r| r.floor != 0) {
            return Err(Error::ConfigUnsupported(
                "floor attribute is not supported for this config".to_owned(),
            ));
        }
    }
    if let Some(outbound) = found[1] {
        bw.outbound = parse_rate(outbound)?;
        if bw.outbound.is_some_and(|r| r.floor != 0) {
            return Err(Error::ConfigUnsupported(
                "'floor' attribute allowed only in <inbound> element".to_owned(),
            ));
        }
    }
    Ok(found.iter().any(Option::is_some).then(|| Box::new(bw)))
}

/// Writes an interface's `<bandwidth>`; present but empty, it is written open and closed,
/// as libvirt does.
pub(crate) fn format_bandwidth(out: &mut XmlOut, bw: Option<&BandwidthDef>) {
    let Some(bw) = bw else {
        return;
    };
    let nonzero = |v: u64| (v != 0).then(|| v.to_string());
    out.open("bandwidth", &[]);
    if let Some(r) = &bw.inbound {
        out.empty(
            "inbound",
            &[
                ("average", nonzero(r.average)),
                ("peak", nonzero(r.peak)),
                ("floor", nonzero(r.floor)),
                ("burst", nonzero(r.burst)),
            ],
        );
    }
    if let Some(r) = &bw.outbound {
        out.empty(
            "outbound",
            &[
                ("average", nonzero(r.average)),
                ("peak", nonzero(r.peak)),
                ("burst", nonzero(r.burst)),
            ],
        );
    }
    out.close("bandwidth");
}
