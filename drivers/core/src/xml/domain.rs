//! `<domain>` parsing (raw tree → [`DomainDef`]) and formatting ([`DomainDef`] → libvirt's
//! text).

use std::sync::Arc;

use uuid::Uuid;

use super::{
    conv::{
        enum_attr, generic, intern, invalid_attr, missing_attr, num_attr, on_off_attr, yes_no_attr,
    },
    devices::{self, DevFormat},
    metadata,
    options::ParseOptions,
    postparse,
    tree::{self, Element},
    tune,
    units::parse_kib,
    writer::{on_off, opt, some, yes_no, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{
        BootDev, ClockDef, CpuDef, DomainDef, LifecycleAction, OsDef, Placement, Sparse, TimerDef,
        VcpuDef,
    },
};

/// Most vCPUs accepted in a definition.
pub const MAX_VCPUS: u32 = 4096;
/// Longest domain name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// The domain types libvirt knows (`virDomainVirtType`, without `none`).
const DOMAIN_TYPES: &[&str] = &[
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "hvf",
];

/// Whether libvirt knows the domain (virt) type `t` (`virDomainVirtType`, without `none`).
pub fn is_known_domain_type(t: &str) -> bool {
    DOMAIN_TYPES.contains(&t)
}

/// The OS types libvirt knows (`virDomainOSType`).
const OS_TYPES: &[&str] = &["hvm", "xen", "linux", "exe", "uml", "xenpvh"];

/// Architectures whose name is kept as static text (any other is kept as written).
const ARCHES: &[&str] = &[
    "i686",
    "x86_64",
    "aarch64",
    "armv7l",
    "armv6l",
    "ppc64",
    "ppc64le",
    "s390x",
    "riscv64",
    "loongarch64",
    "mips64el",
];

/// The clock offsets libvirt knows.
const CLOCK_OFFSETS: &[&str] = &["utc", "localtime", "timezone", "variable", "absolute"];

/// How to format a domain definition.
#[derive(Debug, Clone, Default)]
pub struct FormatOptions {
    /// The `id` attribute of an active domain; `None` for an inactive one.
    pub id: Option<i32>,
    /// VIR_DOMAIN_XML_SECURE: include passwords.
    pub secure: bool,
    /// VIR_DOMAIN_XML_INACTIVE: format the inactive (next-boot) form: no id, no runtime data.
    pub inactive: bool,
    /// VIR_DOMAIN_XML_MIGRATABLE.
    pub migratable: bool,
    /// Indentation levels (two spaces each) of the whole document, for a definition
    /// embedded in another document (a snapshot's `<domain>`).
    pub indent: usize,
}

/// Parses a `<domain>` document; unknown elements and attributes are dropped, as libvirt
/// does without validation.
pub fn parse_domain(xml: &str) -> Result<DomainDef> {
    parse_domain_with(xml, &ParseOptions::default())
}

/// Parses a `<domain>` document with `opts`.
pub fn parse_domain_with(xml: &str, opts: &ParseOptions) -> Result<DomainDef> {
    let root = tree::parse_document(xml, "domain_definition", "domain")?;
    domain_from_element(&root, opts)
}

/// Converts a `<domain>` element already read (the document root, or the `<domain>` inside a
/// snapshot) with libvirt's post-parse defaults.
pub(crate) fn domain_from_element(root: &Element, opts: &ParseOptions) -> Result<DomainDef> {
    root.mark();
    let mut def = domain_from_tree(root, opts.live)?;
    postparse::domain_defaults(&mut def)?;
    if opts.validate {
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against the domain schema\n{what}"
            )));
        }
    }
    Ok(def)
}

/// The text of an optional child element, `None` when absent or empty (libvirt's
/// `virXPathString`).
fn nonempty_text(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

fn domain_from_tree(root: &Element, live: bool) -> Result<DomainDef> {
    let domain_type = match root.attr("type") {
        None => return Err(Error::Internal("missing domain type attribute".to_owned())),
        Some(t) if DOMAIN_TYPES.contains(&t) => intern(t, DOMAIN_TYPES),
        Some(t) => {
            return Err(Error::ConfigUnsupported(format!("invalid domain type {t}")));
        }
    };
    // The id of a live domain is runtime data; a definition never carries it.
    let _ = root.attr("id");

    let uuid = match nonempty_text(root, "uuid") {
        None => Uuid::new_v4(),
        Some(text) => crate::uuid_str::parse(text.trim())
            .map_err(|_| Error::Internal("malformed uuid element".to_owned()))?,
    };
    let name = parse_name(root)?;
    let title = nonempty_text(root, "title");
    if title.as_deref().is_some_and(|t| t.contains('\n')) {
        return Err(Error::Xml("Domain title can't contain newlines".to_owned()));
    }
    let description = nonempty_text(root, "description");
    let metadata = match root.child("metadata") {
        Some(m) => metadata::parse_metadata_in(m, &[root]),
        None => Vec::new(),
    };

    let memory_kib = match root.child("memory") {
        Some(m) => {
            let _ = m.attr("dumpCore");
            parse_kib(&m.text(), m.attr("unit"), "./memory[1]")?
        }
        None => 0,
    };
    let mut current_memory_kib = match root.child("currentMemory") {
        Some(m) => parse_kib(&m.text(), m.attr("unit"), "./currentMemory[1]")?,
        None => 0,
    };
    let max_memory = match root.child("maxMemory") {
        Some(m) => {
            let size = parse_kib(&m.text(), m.attr("unit"), "./maxMemory[1]")?;
            let slots: Option<u32> = num_attr(m, "slots")?;
            match slots {
                Some(s) if size > 0 => Some((size, s)),
                _ => {
                    return Err(Error::Xml(
                        "both maximum memory size and memory slot count must be specified"
                            .to_owned(),
                    ))
                }
            }
        }
        None => None,
    };
    let blkiotune = tune::parse_blkiotune(root)?;
    let memtune = tune::parse_memtune(root)?;
    let vcpu = parse_vcpu(root)?;
    let mut iothreadids = tune::parse_iothreads(root)?;
    let cputune = tune::parse_cputune(root, &vcpu, &mut iothreadids)?;
    let numatune = tune::parse_numatune(root, &vcpu)?;
    let mut os = parse_os(root)?;
    let features = match root.child("features") {
        Some(f) => f
            .elements()
            .filter(|e| e.ns.is_none())
            .map(|e| {
                let g = generic(e);
                e.mark_all();
                g
            })
            .collect(),
        None => Vec::new(),
    };
    let cpu = match root.child("cpu") {
        Some(c) => Some(Box::new(parse_cpu(c)?)),
        None => None,
    };
    let clock = match root.child("clock") {
        Some(c) => parse_clock(c)?,
        None => ClockDef::default(),
    };
    let on_poweroff = parse_lifecycle(root, "on_poweroff", LifecycleAction::Destroy)?;
    let on_reboot = parse_lifecycle(root, "on_reboot", LifecycleAction::Restart)?;
    let on_crash = parse_lifecycle(root, "on_crash", LifecycleAction::Destroy)?;
    let pm = match root.child("pm") {
        Some(p) => (
            match p.child("suspend-to-mem") {
                Some(s) => yes_no_attr(s, "enabled")?,
                None => None,
            },
            match p.child("suspend-to-disk") {
                Some(s) => yes_no_attr(s, "enabled")?,
                None => None,
            },
        ),
        None => (None, None),
    };
    let perf = tune::parse_perf(root)?;
    let devices = match root.child("devices") {
        Some(d) => devices::parse_devices(d, live)?,
        None => Default::default(),
    };

    // Post-parse rules.
    let device_boot = devices.disks.iter().any(|d| d.boot_order.is_some())
        || devices.interfaces.iter().any(|i| i.boot_order.is_some());
    if device_boot && !os.boot.is_empty() {
        return Err(Error::ConfigUnsupported(
            "per-device boot elements cannot be used together with os/boot elements".to_owned(),
        ));
    }
    if os.boot.is_empty() && !device_boot && os.os_type == "hvm" {
        os.boot.push(BootDev::Hd);
    }
    if memory_kib == 0 {
        return Err(Error::Xml(
            "Memory size must be specified via <memory> or in the <numa> configuration".to_owned(),
        ));
    }
    if current_memory_kib == 0 || current_memory_kib > memory_kib {
        current_memory_kib = memory_kib;
    }

    let mut def = DomainDef {
        domain_type,
        name: Arc::from(name),
        uuid,
        title,
        description,
        metadata,
        memory_kib,
        current_memory_kib,
        max_memory,
        blkiotune,
        memtune,
        vcpu,
        iothreadids,
        cputune,
        numatune,
        os,
        features,
        cpu,
        clock: Sparse::new(clock),
        on_poweroff,
        on_reboot,
        on_crash,
        pm,
        perf,
        devices: Sparse::new(devices),
    };
    tune::inherit_auto_placement(&mut def);
    Ok(def)
}

/// `<name>` with libvirt's rules plus ours (names become file names in the QEMU driver).
fn parse_name(root: &Element) -> Result<String> {
    let Some(name) = nonempty_text(root, "name") else {
        return Err(Error::NoName);
    };
    check_name(&name)?;
    Ok(name)
}

/// Checks a domain name: no '/', not "." or "..", no control characters, at most
/// [`MAX_NAME_BYTES`] bytes.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::NoName);
    }
    if name.contains('/') {
        return Err(Error::Xml(format!("name {name} cannot contain '/'")));
    }
    if name == "." || name == ".." {
        return Err(Error::Xml(format!("name '{name}' is not allowed")));
    }
    // libvirt refuses '\n' with this text; we refuse every control character the same way,
    // because names become file names and log lines.
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(Error::InvalidArgBare(format!("invalid char in name: {c}")));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::Xml(format!(
            "name is longer than {MAX_NAME_BYTES} bytes"
        )));
    }
    Ok(())
}

fn parse_vcpu(root: &Element) -> Result<VcpuDef> {
    let Some(el) = root.child("vcpu") else {
        return Ok(VcpuDef::default());
    };
    let text = el.text();
    let max: u32 = crate::xml::conv::parse_num(text.trim())
        .ok_or_else(|| Error::Xml("maximum vcpus count must be an integer".to_owned()))?;
    if max == 0 {
        return Err(Error::Xml("Invalid number of vcpus '0'".to_owned()));
    }
    if max > MAX_VCPUS {
        return Err(Error::Xml(format!(
            "vcpu count {max} exceeds the supported maximum of {MAX_VCPUS}"
        )));
    }
    let current = num_attr::<u32>(el, "current")?.unwrap_or(max);
    if current == 0 {
        return Err(Error::Xml("Invalid number of vcpus '0'".to_owned()));
    }
    if current > max {
        return Err(Error::ConfigUnsupported(
            "maximum vCPU count must not be less than current vCPU count".to_owned(),
        ));
    }
    let placement = match el.attr("placement") {
        None | Some("static") => Placement::Static,
        Some("auto") => Placement::Auto,
        Some(p) => return Err(invalid_attr(el, "placement", p)),
    };
    Ok(VcpuDef {
        max,
        current,
        placement,
        cpuset: el.attr_string("cpuset"),
    })
}

fn parse_os(root: &Element) -> Result<OsDef> {
    let Some(os_el) = root.child("os") else {
        return Err(Error::Xml("an os <type> must be specified".to_owned()));
    };
    let type_el = os_el.child("type");
    let os_type = match type_el.map(|t| t.text()) {
        Some(t) if !t.trim().is_empty() => t.trim().to_owned(),
        _ => return Err(Error::Xml("an os <type> must be specified".to_owned())),
    };
    if !OS_TYPES.contains(&os_type.as_str()) {
        return Err(Error::ConfigUnsupported(format!(
            "unknown OS type '{os_type}'"
        )));
    }
    let mut os = OsDef {
        os_type: intern(&os_type, OS_TYPES),
        arch: type_el
            .and_then(|t| t.attr("arch"))
            .map(|a| intern(a, ARCHES)),
        machine: type_el.and_then(|t| t.attr_string("machine")),
        ..Default::default()
    };
    let firmware = enum_attr(os_el, "firmware", &["bios", "efi"])?;
    if firmware.is_some() {
        os.loader.firmware = firmware;
    }
    let (kernel, initrd, cmdline, init) = (
        nonempty_text(os_el, "kernel"),
        nonempty_text(os_el, "initrd"),
        nonempty_text(os_el, "cmdline"),
        nonempty_text(os_el, "init"),
    );
    if kernel.is_some() || initrd.is_some() || cmdline.is_some() || init.is_some() {
        let direct = &mut *os.direct;
        (direct.kernel, direct.initrd, direct.cmdline, direct.init) =
            (kernel, initrd, cmdline, init);
    }
    if let Some(l) = os_el.child("loader") {
        let loader = &mut *os.loader;
        loader.path = Some(l.text()).filter(|s| !s.is_empty());
        loader.readonly = yes_no_attr(l, "readonly")?;
        loader.secure = yes_no_attr(l, "secure")?;
        loader.loader_type = enum_attr(l, "type", &["rom", "pflash"])?;
    }
    if let Some(n) = os_el.child("nvram") {
        let loader = &mut *os.loader;
        loader.nvram = Some(n.text()).filter(|s| !s.is_empty());
        loader.nvram_template = n.attr_string("template");
    }
    os.loader.compact();
    for b in os_el.children_named("boot") {
        match b.attr("dev") {
            Some(d) => match BootDev::parse(d) {
                // libvirt keeps the first four.
                Some(dev) => {
                    os.boot.push(dev);
                }
                None => return Err(invalid_attr(b, "dev", d)),
            },
            None => return Err(missing_attr(b, "dev")),
        }
    }
    if let Some(m) = os_el.child("bootmenu") {
        os.boot_menu = yes_no_attr(m, "enable")?;
        os.bootmenu_timeout = num_attr(m, "timeout")?;
    }
    Ok(os)
}

fn parse_cpu(el: &Element) -> Result<CpuDef> {
    let mut cpu = CpuDef {
        mode: enum_attr(
            el,
            "mode",
            &["custom", "host-model", "host-passthrough", "maximum"],
        )?,
        match_: enum_attr(el, "match", &["minimum", "exact", "strict"])?,
        check: enum_attr(el, "check", &["none", "partial", "full"])?,
        migratable: on_off_attr(el, "migratable")?,
        vendor: nonempty_text(el, "vendor"),
        ..Default::default()
    };
    if let Some(m) = el.child("model") {
        cpu.model = Some(m.text()).filter(|s| !s.is_empty());
        cpu.fallback = enum_attr(m, "fallback", &["allow", "forbid"])?;
    }
    if let Some(t) = el.child("topology") {
        let get = |name: &str| -> Result<u32> {
            let v: Option<u32> = num_attr(t, name)?;
            match v {
                Some(0) => Err(invalid_attr(t, name, "0")),
                Some(n) => Ok(n),
                None => Err(missing_attr(t, name)),
            }
        };
        let dies = match num_attr::<u32>(t, "dies")? {
            Some(0) => return Err(invalid_attr(t, "dies", "0")),
            Some(n) => n,
            None => 1,
        };
        cpu.topology = Some((get("sockets")?, dies, get("cores")?, get("threads")?));
    }
    for f in el.children_named("feature") {
        let policy = enum_attr(
            f,
            "policy",
            &["force", "require", "optional", "disable", "forbid"],
        )?
        .unwrap_or_else(|| "require".to_owned());
        let name = f
            .attr_string("name")
            .ok_or_else(|| missing_attr(f, "name"))?;
        cpu.features.push((policy, name));
    }
    Ok(cpu)
}

fn parse_clock(el: &Element) -> Result<ClockDef> {
    let offset = match el.attr("offset") {
        None => "utc".to_owned(),
        Some(o @ ("utc" | "localtime" | "timezone" | "variable" | "absolute")) => o.to_owned(),
        Some(o) => {
            return Err(Error::ConfigUnsupported(format!(
                "unknown clock offset '{o}'"
            )))
        }
    };
    let mut clock = ClockDef {
        offset: intern(&offset, CLOCK_OFFSETS),
        adjustment: el.attr_string("adjustment"),
        basis: enum_attr(el, "basis", &["utc", "localtime"])?,
        timezone: el.attr_string("timezone"),
        timers: Vec::new(),
    };
    let _ = el.attr("start");
    for t in el.children_named("timer") {
        let name = enum_attr(
            t,
            "name",
            &[
                "platform",
                "pit",
                "rtc",
                "hpet",
                "tsc",
                "kvmclock",
                "hypervclock",
                "armvtimer",
            ],
        )?
        .ok_or_else(|| missing_attr(t, "name"))?;
        clock.timers.push(TimerDef {
            name,
            present: yes_no_attr(t, "present")?,
            tickpolicy: enum_attr(t, "tickpolicy", &["delay", "catchup", "merge", "discard"])?,
        });
    }
    Ok(clock)
}

fn parse_lifecycle(
    root: &Element,
    name: &str,
    default: LifecycleAction,
) -> Result<LifecycleAction> {
    match root.child_text(name) {
        None => Ok(default),
        Some(t) => LifecycleAction::parse(t.trim())
            .ok_or_else(|| Error::ConfigUnsupported(format!("unknown {name} action: {t}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting

/// Formats a definition as libvirt does.
pub fn format_domain(def: &DomainDef, opts: &FormatOptions) -> String {
    let mut out = XmlOut::with_indent(opts.indent);
    let id = if opts.inactive { None } else { opts.id };
    out.open(
        "domain",
        &[("type", some(&def.domain_type)), ("id", opt(&id))],
    );
    out.text("name", &[], &def.name);
    out.text("uuid", &[], &def.uuid.to_string());
    out.opt_text("title", def.title.as_deref());
    out.opt_text("description", def.description.as_deref());
    if !def.metadata.is_empty() {
        out.open("metadata", &[]);
        let level = out.indent();
        for m in &def.metadata {
            if let Some(text) = metadata::dump_at_level(m, level) {
                out.append(&"  ".repeat(level));
                out.append(&text);
                out.append("\n");
            }
        }
        out.close("metadata");
    }
    if let Some((size, slots)) = def.max_memory {
        out.text(
            "maxMemory",
            &[("slots", some(&slots)), ("unit", some("KiB"))],
            &size.to_string(),
        );
    }
    out.text(
        "memory",
        &[("unit", some("KiB"))],
        &def.memory_kib.to_string(),
    );
    out.text(
        "currentMemory",
        &[("unit", some("KiB"))],
        &def.current_memory_kib.to_string(),
    );
    tune::format_blkiotune(&mut out, def.blkiotune.as_deref());
    tune::format_memtune(&mut out, def.memtune.as_deref());
    let current = (def.vcpu.current < def.vcpu.max).then_some(def.vcpu.current);
    out.text(
        "vcpu",
        &[
            ("placement", some(def.vcpu.placement.as_str())),
            ("cpuset", opt(&def.vcpu.cpuset)),
            ("current", opt(&current)),
        ],
        &def.vcpu.max.to_string(),
    );
    tune::format_cpu_tuning(&mut out, def);
    format_os(&mut out, &def.os);
    if !def.features.is_empty() {
        out.open("features", &[]);
        for f in &def.features {
            devices::format_generic(&mut out, f);
        }
        out.close("features");
    }
    if let Some(cpu) = &def.cpu {
        format_cpu(&mut out, cpu);
    }
    format_clock(&mut out, &def.clock);
    out.text("on_poweroff", &[], def.on_poweroff.as_str());
    out.text("on_reboot", &[], def.on_reboot.as_str());
    out.text("on_crash", &[], def.on_crash.as_str());
    if def.pm.0.is_some() || def.pm.1.is_some() {
        out.open("pm", &[]);
        if def.pm.0.is_some() {
            out.empty("suspend-to-mem", &[("enabled", yes_no(def.pm.0))]);
        }
        if def.pm.1.is_some() {
            out.empty("suspend-to-disk", &[("enabled", yes_no(def.pm.1))]);
        }
        out.close("pm");
    }
    tune::format_perf(&mut out, def.perf.as_deref());
    devices::format_devices(
        &mut out,
        &def.devices,
        DevFormat {
            secure: opts.secure,
            inactive: opts.inactive,
        },
    );
    out.close("domain");
    out.finish()
}

fn format_os(out: &mut XmlOut, os: &OsDef) {
    let loader = &*os.loader;
    let direct = &*os.direct;
    out.open("os", &[("firmware", opt(&loader.firmware))]);
    out.text(
        "type",
        &[("arch", opt(&os.arch)), ("machine", opt(&os.machine))],
        &os.os_type,
    );
    out.opt_text("init", direct.init.as_deref());
    let loader_attrs = [
        ("readonly", yes_no(loader.readonly)),
        ("secure", yes_no(loader.secure)),
        ("type", opt(&loader.loader_type)),
    ];
    match &loader.path {
        Some(l) => out.text("loader", &loader_attrs, l),
        None if loader_attrs.iter().any(|(_, v)| v.is_some()) => out.empty("loader", &loader_attrs),
        None => {}
    }
    let template = [("template", opt(&loader.nvram_template))];
    match &loader.nvram {
        Some(n) => out.text("nvram", &template, n),
        None if loader.nvram_template.is_some() => out.empty("nvram", &template),
        None => {}
    }
    out.opt_text("kernel", direct.kernel.as_deref());
    out.opt_text("initrd", direct.initrd.as_deref());
    out.opt_text("cmdline", direct.cmdline.as_deref());
    for b in os.boot.iter() {
        out.empty("boot", &[("dev", some(b.as_str()))]);
    }
    if os.boot_menu.is_some() || os.bootmenu_timeout.is_some() {
        out.empty(
            "bootmenu",
            &[
                ("enable", yes_no(os.boot_menu)),
                ("timeout", opt(&os.bootmenu_timeout)),
            ],
        );
    }
    out.close("os");
}

fn format_cpu(out: &mut XmlOut, cpu: &CpuDef) {
    let attrs = [
        ("mode", opt(&cpu.mode)),
        ("match", opt(&cpu.match_)),
        ("check", opt(&cpu.check)),
        ("migratable", on_off(cpu.migratable)),
    ];
    let has_children = cpu.model.is_some()
        || cpu.fallback.is_some()
        || cpu.vendor.is_some()
        || cpu.topology.is_some()
        || !cpu.features.is_empty();
    if !has_children {
        out.empty("cpu", &attrs);
        return;
    }
    out.open("cpu", &attrs);
    match &cpu.model {
        Some(m) => out.text("model", &[("fallback", opt(&cpu.fallback))], m),
        None if cpu.fallback.is_some() => out.empty("model", &[("fallback", opt(&cpu.fallback))]),
        None => {}
    }
    out.opt_text("vendor", cpu.vendor.as_deref());
    if let Some((s, d, c, t)) = cpu.topology {
        out.empty(
            "topology",
            &[
                ("sockets", some(&s)),
                ("dies", some(&d)),
                ("cores", some(&c)),
                ("threads", some(&t)),
            ],
        );
    }
    for (policy, name) in &cpu.features {
        out.empty("feature", &[("policy", some(policy)), ("name", some(name))]);
    }
    out.close("cpu");
}

fn format_clock(out: &mut XmlOut, clock: &ClockDef) {
    let attrs = [
        ("offset", some(&clock.offset)),
        ("adjustment", opt(&clock.adjustment)),
        ("basis", opt(&clock.basis)),
        ("timezone", opt(&clock.timezone)),
    ];
    if clock.timers.is_empty() {
        out.empty("clock", &attrs);
        return;
    }
    out.open("clock", &attrs);
    for t in &clock.timers {
        out.empty(
            "timer",
            &[
                ("name", some(&t.name)),
                ("present", yes_no(t.present)),
                ("tickpolicy", opt(&t.tickpolicy)),
            ],
        );
    }
    out.close("clock");
}
