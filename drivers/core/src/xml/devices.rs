//! `<devices>`: parsing each device kind from the raw tree and formatting it back in libvirt's
//! order and shape; [`crate::model::DeviceDef`] for single-device documents (AttachDevice and
//! friends).

use super::{
    conv::{
        address, alias, all_attrs, boot_order, enum_attr, generic, int_attr, invalid_attr,
        missing_attr, num_attr, on_off_attr, req_attr, req_enum_attr, yes_no_attr,
    },
    options::ParseOptions,
    postparse,
    tree::{self, Element},
    tune,
    writer::{on_off, opt, some, yes_no, Attrs, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{
        AddressDef, AudioDef, CharDeviceDef, ControllerDef, DeviceDef, DevicesDef, DiskDef,
        FeatureDef, FilterRef, GraphicsDef, InputDef, InterfaceDef, MemballoonDef, PanicDef,
        RedirdevDef, RngDef, SoundDef, VideoDef, WatchdogDef, MAX_DEVICES_PER_KIND,
    },
};

/// How devices are formatted (the parts of the domain's format options they need).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DevFormat {
    /// Include passwords.
    pub secure: bool,
    /// Inactive form: no runtime data such as aliases and pty paths.
    pub inactive: bool,
}

/// Parses one `<devices>` element, with the per-device post-parse rules applied (`live`:
/// keep runtime data).
pub(crate) fn parse_devices(el: &Element, live: bool) -> Result<DevicesDef> {
    let mut d = DevicesDef {
        emulator: el
            .child_text("emulator")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        ..Default::default()
    };
    // The bus each disk was written with: libvirt orders disks before filling in defaults.
    let mut written_buses: Vec<Option<String>> = Vec::new();
    for child in el.elements() {
        if child.ns.is_some() || child.name == "emulator" {
            continue;
        }
        let Some(mut dev) = parse_device_element(child)? else {
            continue;
        };
        let written_bus = match &dev {
            DeviceDef::Disk(x) => x.target_bus.clone(),
            _ => None,
        };
        postparse::device_defaults(&mut dev, live);
        match dev {
            DeviceDef::Disk(x) => {
                check_bound(d.disks.len(), "disk")?;
                if let Some(other) = d.disks.iter().find(|o| o.target_dev == x.target_dev) {
                    return Err(Error::Xml(format!(
                        "target '{}' duplicated for disk sources '{}' and '{}'",
                        x.target_dev,
                        other.source.as_deref().unwrap_or("<null>"),
                        x.source.as_deref().unwrap_or("<null>"),
                    )));
                }
                let at = postparse::disk_insert_position(
                    written_buses
                        .iter()
                        .zip(d.disks.iter().map(|o| o.target_dev.as_str())),
                    &written_bus,
                    &x.target_dev,
                );
                d.disks.insert(at, x);
                written_buses.insert(at, written_bus);
            }
            DeviceDef::Controller(x) => {
                check_bound(d.controllers.len(), "controller")?;
                if d.controllers
                    .iter()
                    .any(|o| o.controller_type == x.controller_type && o.index == x.index)
                {
                    return Err(Error::Xml(format!(
                        "Multiple '{}' controllers with index '{}'",
                        x.controller_type, x.index
                    )));
                }
                postparse::insert_controller(&mut d.controllers, x);
            }
            other => push_device(&mut d, other)?,
        }
    }
    Ok(d)
}

fn check_bound(len: usize, kind: &str) -> Result<()> {
    if len >= MAX_DEVICES_PER_KIND {
        return Err(Error::Xml(format!(
            "too many <{kind}> devices: at most {MAX_DEVICES_PER_KIND} are supported"
        )));
    }
    Ok(())
}

/// Adds `dev` to `d`, enforcing the per-kind bound and the single memballoon.
pub(crate) fn push_device(d: &mut DevicesDef, dev: DeviceDef) -> Result<()> {
    fn bounded<T>(v: &mut Vec<T>, item: T, kind: &str) -> Result<()> {
        check_bound(v.len(), kind)?;
        v.push(item);
        Ok(())
    }
    match dev {
        DeviceDef::Disk(x) => bounded(&mut d.disks, x, "disk"),
        DeviceDef::Controller(x) => bounded(&mut d.controllers, x, "controller"),
        DeviceDef::Interface(x) => bounded(&mut d.interfaces, x, "interface"),
        DeviceDef::Serial(x) => bounded(&mut d.serials, x, "serial"),
        DeviceDef::Console(x) => bounded(&mut d.consoles, x, "console"),
        DeviceDef::Channel(x) => bounded(&mut d.channels, x, "channel"),
        DeviceDef::Graphics(x) => bounded(&mut d.graphics, x, "graphics"),
        DeviceDef::Video(x) => bounded(&mut d.videos, x, "video"),
        DeviceDef::Redirdev(x) => bounded(&mut d.redirdevs, x, "redirdev"),
        DeviceDef::Input(x) => bounded(&mut d.inputs, x, "input"),
        DeviceDef::Sound(x) => bounded(&mut d.sounds, x, "sound"),
        DeviceDef::Audio(x) => bounded(&mut d.audios, x, "audio"),
        DeviceDef::Watchdog(x) => bounded(&mut d.watchdogs, x, "watchdog"),
        DeviceDef::Rng(x) => bounded(&mut d.rngs, x, "rng"),
        DeviceDef::Panic(x) => bounded(&mut d.panics, x, "panic"),
        DeviceDef::Memballoon(x) => {
            if d.memballoon.is_some() {
                return Err(Error::Xml(
                    "only a single memory balloon device is supported".into(),
                ));
            }
            d.memballoon = Some(x);
            Ok(())
        }
    }
}

/// Parses one device element; `None` for an element that is not a device we know (left
/// unmarked, so validation reports it).
pub(crate) fn parse_device_element(el: &Element) -> Result<Option<DeviceDef>> {
    let dev = match el.name.as_str() {
        "disk" => DeviceDef::Disk(parse_disk(el)?),
        "controller" => DeviceDef::Controller(parse_controller(el)?),
        "interface" => DeviceDef::Interface(parse_interface(el)?),
        "serial" => DeviceDef::Serial(parse_chardev(el)?),
        "console" => DeviceDef::Console(parse_chardev(el)?),
        "channel" => DeviceDef::Channel(parse_chardev(el)?),
        "graphics" => DeviceDef::Graphics(parse_graphics(el)?),
        "video" => DeviceDef::Video(parse_video(el)?),
        "redirdev" => DeviceDef::Redirdev(parse_redirdev(el)?),
        "input" => DeviceDef::Input(parse_input(el)?),
        "sound" => DeviceDef::Sound(parse_sound(el)?),
        "audio" => DeviceDef::Audio(parse_audio(el)?),
        "watchdog" => DeviceDef::Watchdog(parse_watchdog(el)?),
        "rng" => DeviceDef::Rng(parse_rng(el)?),
        "panic" => DeviceDef::Panic(parse_panic(el)?),
        "memballoon" => DeviceDef::Memballoon(parse_memballoon(el)?),
        _ => return Ok(None),
    };
    el.mark();
    Ok(Some(dev))
}

/// Parses a document holding one device element, as `virDomainDeviceDefParse` does, with the
/// per-device post-parse rules applied (bus from the target name, generated MAC address, ...).
pub fn parse_device(xml: &str) -> Result<DeviceDef> {
    parse_device_with(xml, &ParseOptions::default())
}

/// [`parse_device`] with options: `validate` fails with VIR_ERR_XML_INVALID_SCHEMA on
/// anything not understood; `live` keeps runtime data.
pub fn parse_device_with(xml: &str, opts: &ParseOptions) -> Result<DeviceDef> {
    let root = tree::parse_tree(xml, "device_definition")?;
    let mut dev = match parse_device_element(&root)? {
        Some(d) => d,
        None => return Err(Error::Xml(format!("unknown device type '{}'", root.name))),
    };
    postparse::device_defaults(&mut dev, opts.live);
    if opts.validate {
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against the domain schema\n{what}"
            )));
        }
    }
    Ok(dev)
}

/// Formats one device as libvirt does for a device document (no indentation).
pub fn format_device(dev: &DeviceDef, secure: bool) -> String {
    let mut out = XmlOut::default();
    let f = DevFormat {
        secure,
        inactive: false,
    };
    format_one(&mut out, dev, f);
    out.finish()
}

fn format_one(out: &mut XmlOut, dev: &DeviceDef, f: DevFormat) {
    match dev {
        DeviceDef::Disk(x) => format_disk(out, x, f),
        DeviceDef::Controller(x) => format_controller(out, x, f),
        DeviceDef::Interface(x) => format_interface(out, x, f),
        DeviceDef::Serial(x) => format_chardev(out, "serial", x, f),
        DeviceDef::Console(x) => format_chardev(out, "console", x, f),
        DeviceDef::Channel(x) => format_chardev(out, "channel", x, f),
        DeviceDef::Graphics(x) => format_graphics(out, x, f),
        DeviceDef::Video(x) => format_video(out, x, f),
        DeviceDef::Redirdev(x) => format_redirdev(out, x, f),
        DeviceDef::Input(x) => format_input(out, x, f),
        DeviceDef::Sound(x) => format_sound(out, x, f),
        DeviceDef::Audio(x) => format_audio(out, x),
        DeviceDef::Watchdog(x) => format_watchdog(out, x, f),
        DeviceDef::Rng(x) => format_rng(out, x, f),
        DeviceDef::Panic(x) => format_panic(out, x, f),
        DeviceDef::Memballoon(x) => format_memballoon(out, x, f),
    }
}

/// Formats `<devices>` in libvirt's device order.
pub(crate) fn format_devices(out: &mut XmlOut, d: &DevicesDef, f: DevFormat) {
    out.open("devices", &[]);
    out.opt_text("emulator", d.emulator.as_deref());
    for x in &d.disks {
        format_disk(out, x, f);
    }
    for x in &d.controllers {
        format_controller(out, x, f);
    }
    for x in &d.interfaces {
        format_interface(out, x, f);
    }
    for x in &d.serials {
        format_chardev(out, "serial", x, f);
    }
    for x in &d.consoles {
        format_chardev(out, "console", x, f);
    }
    for x in &d.channels {
        format_chardev(out, "channel", x, f);
    }
    for x in &d.inputs {
        format_input(out, x, f);
    }
    for x in &d.graphics {
        format_graphics(out, x, f);
    }
    for x in &d.sounds {
        format_sound(out, x, f);
    }
    for x in &d.audios {
        format_audio(out, x);
    }
    for x in &d.videos {
        format_video(out, x, f);
    }
    for x in &d.redirdevs {
        format_redirdev(out, x, f);
    }
    for x in &d.watchdogs {
        format_watchdog(out, x, f);
    }
    if let Some(x) = &d.memballoon {
        format_memballoon(out, x, f);
    }
    for x in &d.rngs {
        format_rng(out, x, f);
    }
    for x in &d.panics {
        format_panic(out, x, f);
    }
    out.close("devices");
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// Whether an alias is printed: always in the live form; in the inactive form only user
/// aliases (`ua-` prefix), as libvirt does.
fn show_alias(alias: &Option<String>, f: DevFormat) -> Option<&str> {
    alias
        .as_deref()
        .filter(|a| !f.inactive || a.starts_with("ua-"))
}

/// `<boot order>`, `<alias>` and `<address>`, the device-info tail of most devices.
fn format_info(
    out: &mut XmlOut,
    boot: Option<u32>,
    alias: &Option<String>,
    addr: &Option<AddressDef>,
    f: DevFormat,
) {
    if let Some(order) = boot {
        out.empty("boot", &[("order", some(&order))]);
    }
    if let Some(a) = show_alias(alias, f) {
        out.empty("alias", &[("name", some(a))]);
    }
    if let Some(addr) = addr {
        format_address(out, addr);
    }
}

fn format_address(out: &mut XmlOut, addr: &AddressDef) {
    let attrs: Vec<(&str, Option<String>)> = addr
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.clone())))
        .collect();
    out.empty("address", &attrs);
}

/// Writes `el` with `attrs` and the children produced by `body`, as an empty element when
/// `body` writes nothing.
fn element_with(out: &mut XmlOut, name: &str, attrs: &Attrs<'_>, body: impl FnOnce(&mut XmlOut)) {
    let mut inner = XmlOut::with_indent(out.indent() + 1);
    body(&mut inner);
    let inner = inner.finish();
    if inner.is_empty() {
        out.empty(name, attrs);
    } else {
        out.open(name, attrs);
        out.append(&inner);
        out.close(name);
    }
}

/// Generic kept-as-written elements.
pub(crate) fn format_generic(out: &mut XmlOut, g: &FeatureDef) {
    let attrs: Vec<(&str, Option<String>)> = g
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.clone())))
        .collect();
    if g.children.is_empty() {
        out.empty(&g.name, &attrs);
    } else {
        out.open(&g.name, &attrs);
        for c in &g.children {
            format_generic(out, c);
        }
        out.close(&g.name);
    }
}

fn pairs_attrs(pairs: &[(String, String)]) -> Vec<(&str, Option<String>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.clone())))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Disk

const DISK_TYPES: &[&str] = &[
    "file",
    "block",
    "dir",
    "network",
    "volume",
    "nvme",
    "vhostuser",
];
const DISK_DEVICES: &[&str] = &["disk", "cdrom", "floppy", "lun"];

fn parse_disk(el: &Element) -> Result<DiskDef> {
    let disk_type = enum_attr(el, "type", DISK_TYPES)?.unwrap_or_else(|| "file".to_owned());
    let device = enum_attr(el, "device", DISK_DEVICES)?.unwrap_or_else(|| "disk".to_owned());
    let mut d = DiskDef {
        disk_type,
        device,
        ..Default::default()
    };
    if let Some(drv) = el.child("driver") {
        d.driver_name = drv.attr_string("name");
        d.driver_type = drv.attr_string("type");
        d.driver_cache = drv.attr_string("cache");
        d.driver_io = drv.attr_string("io");
        d.driver_discard = drv.attr_string("discard");
    }
    if let Some(src) = el.child("source") {
        d.source = match d.disk_type.as_str() {
            "file" => src.attr_string("file"),
            "block" => src.attr_string("dev"),
            "dir" => src.attr_string("dir"),
            "network" => {
                d.source_protocol = src.attr_string("protocol");
                src.attr_string("name")
            }
            "volume" => {
                d.source_pool = src.attr_string("pool");
                src.attr_string("volume")
            }
            _ => None,
        };
        d.startup_policy = enum_attr(
            src,
            "startupPolicy",
            &["mandatory", "requisite", "optional"],
        )?;
    }
    let target = el.child("target");
    d.target_dev = match target.and_then(|t| t.attr_string("dev")) {
        Some(dev) if !dev.is_empty() => dev,
        _ => return Err(Error::NoTarget(d.source.clone())),
    };
    d.target_bus = target.and_then(|t| t.attr_string("bus"));
    d.iotune = tune::parse_iotune(el)?;
    // A CD-ROM is always read-only, as libvirt marks it when parsing.
    d.readonly = el.child("readonly").is_some() || d.device == "cdrom";
    d.shareable = el.child("shareable").is_some();
    d.serial = el.child_text("serial");
    d.boot_order = boot_order(el)?;
    d.alias = alias(el);
    d.address = address(el);
    Ok(d)
}

fn format_disk(out: &mut XmlOut, d: &DiskDef, f: DevFormat) {
    out.open(
        "disk",
        &[("type", some(&d.disk_type)), ("device", some(&d.device))],
    );
    if d.driver_name.is_some()
        || d.driver_type.is_some()
        || d.driver_cache.is_some()
        || d.driver_io.is_some()
        || d.driver_discard.is_some()
    {
        out.empty(
            "driver",
            &[
                ("name", opt(&d.driver_name)),
                ("type", opt(&d.driver_type)),
                ("cache", opt(&d.driver_cache)),
                ("io", opt(&d.driver_io)),
                ("discard", opt(&d.driver_discard)),
            ],
        );
    }
    let policy = ("startupPolicy", opt(&d.startup_policy));
    match d.disk_type.as_str() {
        "file" if d.source.is_some() || d.startup_policy.is_some() => {
            out.empty("source", &[("file", opt(&d.source)), policy])
        }
        "block" if d.source.is_some() => out.empty("source", &[("dev", opt(&d.source)), policy]),
        "dir" if d.source.is_some() => out.empty("source", &[("dir", opt(&d.source)), policy]),
        "network" if d.source.is_some() || d.source_protocol.is_some() => out.empty(
            "source",
            &[
                ("protocol", opt(&d.source_protocol)),
                ("name", opt(&d.source)),
            ],
        ),
        "volume" if d.source.is_some() || d.source_pool.is_some() => out.empty(
            "source",
            &[
                ("pool", opt(&d.source_pool)),
                ("volume", opt(&d.source)),
                policy,
            ],
        ),
        _ => {}
    }
    out.empty(
        "target",
        &[("dev", some(&d.target_dev)), ("bus", opt(&d.target_bus))],
    );
    tune::format_iotune(out, d.iotune.as_deref());
    if d.readonly {
        out.empty("readonly", &[]);
    }
    if d.shareable {
        out.empty("shareable", &[]);
    }
    out.opt_text("serial", d.serial.as_deref());
    format_info(out, d.boot_order, &d.alias, &d.address, f);
    out.close("disk");
}

// ---------------------------------------------------------------------------------------------
// Controller

const CONTROLLER_TYPES: &[&str] = &[
    "ide",
    "fdc",
    "scsi",
    "sata",
    "virtio-serial",
    "ccid",
    "usb",
    "pci",
    "xenbus",
    "isa",
    "nvme",
];

fn parse_controller(el: &Element) -> Result<ControllerDef> {
    let controller_type =
        enum_attr(el, "type", CONTROLLER_TYPES)?.unwrap_or_else(|| "ide".to_owned());
    let index: Option<u32> = num_attr(el, "index")?;
    Ok(ControllerDef {
        controller_type,
        index: index.unwrap_or(0),
        model: el.attr_string("model"),
        ports: num_attr(el, "ports")?,
        vectors: num_attr(el, "vectors")?,
        model_name: el.child("model").and_then(|m| m.attr_string("name")),
        target: el.child("target").map(all_attrs).unwrap_or_default(),
        driver: el.child("driver").map(all_attrs).unwrap_or_default(),
        alias: alias(el),
        address: address(el),
    })
}

fn format_controller(out: &mut XmlOut, c: &ControllerDef, f: DevFormat) {
    let attrs = [
        ("type", some(&c.controller_type)),
        ("index", some(&c.index)),
        ("model", opt(&c.model)),
        ("ports", opt(&c.ports)),
        ("vectors", opt(&c.vectors)),
    ];
    element_with(out, "controller", &attrs, |o| {
        if let Some(name) = &c.model_name {
            o.empty("model", &[("name", some(name))]);
        }
        if !c.driver.is_empty() {
            o.empty("driver", &pairs_attrs(&c.driver));
        }
        if !c.target.is_empty() {
            o.empty("target", &pairs_attrs(&c.target));
        }
        format_info(o, None, &c.alias, &c.address, f);
    });
}

// ---------------------------------------------------------------------------------------------
// Interface

const INTERFACE_TYPES: &[&str] = &[
    "user",
    "ethernet",
    "vhostuser",
    "server",
    "client",
    "mcast",
    "network",
    "bridge",
    "internal",
    "direct",
    "hostdev",
    "udp",
    "vdpa",
    "null",
    "vds",
];

fn parse_interface(el: &Element) -> Result<InterfaceDef> {
    let if_type = req_enum_attr(el, "type", INTERFACE_TYPES)?;
    let mut d = InterfaceDef {
        if_type,
        ..Default::default()
    };
    if let Some(mac) = el.child("mac") {
        let addr = req_attr(mac, "address")?;
        d.mac = Some(
            normalize_mac(&addr)
                .ok_or_else(|| Error::Xml(format!("unable to parse mac address '{addr}'")))?,
        );
    }
    if let Some(src) = el.child("source") {
        d.source = match d.if_type.as_str() {
            "network" => {
                d.portgroup = src.attr_string("portgroup");
                src.attr_string("network")
            }
            "bridge" => src.attr_string("bridge"),
            "direct" => {
                d.source_mode = src.attr_string("mode");
                src.attr_string("dev")
            }
            "internal" => src.attr_string("name"),
            _ => None,
        };
    }
    d.bandwidth = tune::parse_bandwidth(el)?;
    d.target_dev = el.child("target").and_then(|t| t.attr_string("dev"));
    d.model = el.child("model").and_then(|m| m.attr_string("type"));
    d.driver = el.child("driver").map(all_attrs).unwrap_or_default();
    d.filterref = parse_interface_filterref(el, &d.if_type);
    d.link_state = match el.child("link") {
        Some(l) => enum_attr(l, "state", &["up", "down"])?,
        None => None,
    };
    d.mtu = match el.child("mtu") {
        Some(m) => num_attr(m, "size")?,
        None => None,
    };
    d.boot_order = boot_order(el)?;
    d.alias = alias(el);
    d.address = address(el);
    Ok(d)
}

/// An interface's `<filterref>`: kept for the types libvirt applies filters to (ethernet,
/// network, bridge), ignored for the others and without `filter=`, as libvirt does.
fn parse_interface_filterref(el: &Element, if_type: &str) -> Option<Box<FilterRef>> {
    let f = el.child("filterref")?;
    let filter = f.attr_string("filter");
    let params = super::nwfilter::parse_filter_params(f);
    let filter = filter.filter(|_| matches!(if_type, "ethernet" | "network" | "bridge"))?;
    Some(Box::new(FilterRef { filter, params }))
}

/// Lower-cases a MAC address, `None` unless it is six hex octets separated by colons.
fn normalize_mac(mac: &str) -> Option<String> {
    let parts: Vec<&str> = mac.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut out = Vec::with_capacity(6);
    for p in parts {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        let n = u8::from_str_radix(p, 16).ok()?;
        out.push(format!("{n:02x}"));
    }
    Some(out.join(":"))
}

fn format_interface(out: &mut XmlOut, d: &InterfaceDef, f: DevFormat) {
    out.open("interface", &[("type", some(&d.if_type))]);
    if let Some(mac) = &d.mac {
        out.empty("mac", &[("address", some(mac))]);
    }
    match d.if_type.as_str() {
        "network" if d.source.is_some() => out.empty(
            "source",
            &[
                ("network", opt(&d.source)),
                ("portgroup", opt(&d.portgroup)),
            ],
        ),
        "bridge" if d.source.is_some() => out.empty("source", &[("bridge", opt(&d.source))]),
        "direct" if d.source.is_some() => out.empty(
            "source",
            &[("dev", opt(&d.source)), ("mode", opt(&d.source_mode))],
        ),
        "internal" if d.source.is_some() => out.empty("source", &[("name", opt(&d.source))]),
        _ => {}
    }
    tune::format_bandwidth(out, d.bandwidth.as_deref());
    if let Some(t) = &d.target_dev {
        out.empty("target", &[("dev", some(t))]);
    }
    if let Some(m) = &d.model {
        out.empty("model", &[("type", some(m))]);
    }
    if !d.driver.is_empty() {
        out.empty("driver", &pairs_attrs(&d.driver));
    }
    if let Some(f) = &d.filterref {
        super::nwfilter::format_filterref(out, f);
    }
    if let Some(s) = &d.link_state {
        out.empty("link", &[("state", some(s))]);
    }
    if let Some(m) = d.mtu {
        out.empty("mtu", &[("size", some(&m))]);
    }
    format_info(out, d.boot_order, &d.alias, &d.address, f);
    out.close("interface");
}

// ---------------------------------------------------------------------------------------------
// Character devices

const CHAR_TYPES: &[&str] = &[
    "null",
    "vc",
    "pty",
    "dev",
    "file",
    "pipe",
    "stdio",
    "udp",
    "tcp",
    "unix",
    "spicevmc",
    "spiceport",
    "nmdm",
    "qemu-vdagent",
    "dbus",
];

fn parse_chardev(el: &Element) -> Result<CharDeviceDef> {
    let char_type = enum_attr(el, "type", CHAR_TYPES)?.unwrap_or_else(|| "pty".to_owned());
    let _ = el.attr("tty");
    let mut d = CharDeviceDef {
        char_type,
        ..Default::default()
    };
    for src in el.children_named("source") {
        if d.source_path.is_none() {
            d.source_path = src.attr_string("path");
        }
        if d.source_mode.is_none() {
            d.source_mode = enum_attr(src, "mode", &["bind", "connect"])?;
        }
        if d.source_host.is_none() {
            d.source_host = src.attr_string("host");
        }
        if d.source_service.is_none() {
            d.source_service = src.attr_string("service");
        }
    }
    d.protocol = el.child("protocol").and_then(|p| p.attr_string("type"));
    if let Some(t) = el.child("target") {
        d.target_type = t.attr_string("type");
        d.target_port = num_attr(t, "port")?;
        d.target_name = t.attr_string("name");
        let _ = t.attr("state");
        d.target_model = t.child("model").and_then(|m| m.attr_string("name"));
    }
    if let Some(l) = el.child("log") {
        let file = req_attr(l, "file")?;
        d.log = Some((file, on_off_attr(l, "append")?));
    }
    d.alias = alias(el);
    d.address = address(el);
    Ok(d)
}

fn format_chardev(out: &mut XmlOut, name: &str, d: &CharDeviceDef, f: DevFormat) {
    // A pty's path only exists while the domain runs.
    let path = match d.char_type.as_str() {
        "pty" if f.inactive => None,
        _ => d.source_path.clone(),
    };
    let tty = match (name, d.char_type.as_str()) {
        ("console", "pty") if !f.inactive => d.source_path.clone(),
        _ => None,
    };
    out.open(name, &[("type", some(&d.char_type)), ("tty", tty)]);
    let has_source = path.is_some()
        || d.source_mode.is_some()
        || d.source_host.is_some()
        || d.source_service.is_some();
    if has_source {
        out.empty(
            "source",
            &[
                ("mode", opt(&d.source_mode)),
                ("host", opt(&d.source_host)),
                ("service", opt(&d.source_service)),
                ("path", path),
            ],
        );
    }
    if let Some(p) = &d.protocol {
        out.empty("protocol", &[("type", some(p))]);
    }
    if let Some((file, append)) = &d.log {
        out.empty("log", &[("file", some(file)), ("append", on_off(*append))]);
    }
    let target_attrs = [
        ("type", opt(&d.target_type)),
        ("name", opt(&d.target_name)),
        ("port", opt(&d.target_port)),
    ];
    if target_attrs.iter().any(|(_, v)| v.is_some()) || d.target_model.is_some() {
        element_with(out, "target", &target_attrs, |o| {
            if let Some(m) = &d.target_model {
                o.empty("model", &[("name", some(m))]);
            }
        });
    }
    format_info(out, None, &d.alias, &d.address, f);
    out.close(name);
}

// ---------------------------------------------------------------------------------------------
// Graphics

const GRAPHICS_TYPES: &[&str] = &[
    "sdl",
    "vnc",
    "rdp",
    "desktop",
    "spice",
    "egl-headless",
    "dbus",
];

fn parse_graphics(el: &Element) -> Result<GraphicsDef> {
    let graphics_type = req_enum_attr(el, "type", GRAPHICS_TYPES)?;
    let mut d = GraphicsDef {
        graphics_type,
        port: int_attr(el, "port")?,
        autoport: yes_no_attr(el, "autoport")?,
        passwd: el.attr_string("passwd"),
        keymap: el.attr_string("keymap"),
        tls_port: int_attr(el, "tlsPort")?,
        websocket: int_attr(el, "websocket")?,
        ..Default::default()
    };
    if d.port == Some(-1) && d.autoport.is_none() {
        d.autoport = Some(true);
    }
    let listen_attr = el.attr_string("listen");
    if let Some(l) = el.child("listen") {
        let ty = enum_attr(l, "type", &["address", "network", "socket", "none"])?
            .ok_or_else(|| missing_attr(l, "type"))?;
        d.listen = match ty.as_str() {
            "address" => l.attr_string("address").or(listen_attr),
            "network" => {
                let _ = l.attr("address");
                l.attr_string("network")
            }
            "socket" => l.attr_string("socket"),
            _ => None,
        };
        d.listen_type = Some(ty);
    } else if let Some(a) = listen_attr {
        d.listen = Some(a);
        d.listen_type = Some("address".to_owned());
    }
    for child in el.elements() {
        if child.name != "listen" && child.ns.is_none() {
            d.children.push(generic(child));
            child.mark_all();
        }
    }
    Ok(d)
}

fn format_graphics(out: &mut XmlOut, d: &GraphicsDef, f: DevFormat) {
    let listen_attr = match d.listen_type.as_deref() {
        Some("address") => d.listen.clone(),
        _ => None,
    };
    let spice = d.graphics_type == "spice";
    let vnc = d.graphics_type == "vnc";
    // An automatically chosen port is runtime data.
    let auto = f.inactive && d.autoport == Some(true);
    let port = match (auto, vnc) {
        (true, true) => Some(-1),
        (true, false) => None,
        (false, _) => d.port,
    };
    let tls_port = if spice && !auto { d.tls_port } else { None };
    let attrs = [
        ("type", some(&d.graphics_type)),
        ("port", opt(&port)),
        ("tlsPort", opt(&tls_port)),
        ("autoport", yes_no(d.autoport)),
        ("websocket", if vnc { opt(&d.websocket) } else { None }),
        ("listen", listen_attr),
        ("passwd", if f.secure { opt(&d.passwd) } else { None }),
        ("keymap", opt(&d.keymap)),
    ];
    element_with(out, "graphics", &attrs, |o| {
        match d.listen_type.as_deref() {
            Some("address") => o.empty(
                "listen",
                &[("type", some("address")), ("address", opt(&d.listen))],
            ),
            Some("network") => o.empty(
                "listen",
                &[("type", some("network")), ("network", opt(&d.listen))],
            ),
            Some("socket") => o.empty(
                "listen",
                &[("type", some("socket")), ("socket", opt(&d.listen))],
            ),
            Some("none") => o.empty("listen", &[("type", some("none"))]),
            _ => {}
        }
        for c in &d.children {
            format_generic(o, c);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Video, input, sound, audio

fn parse_video(el: &Element) -> Result<VideoDef> {
    let mut d = VideoDef::default();
    if let Some(m) = el.child("model") {
        d.model = m.attr_string("type").unwrap_or_default();
        d.ram = num_attr(m, "ram")?;
        d.vram = num_attr(m, "vram")?;
        d.vgamem = num_attr(m, "vgamem")?;
        d.heads = num_attr(m, "heads")?;
        d.primary = yes_no_attr(m, "primary")?.unwrap_or(false);
        if let Some(acc) = m.child("acceleration") {
            d.accel3d = yes_no_attr(acc, "accel3d")?;
        }
    }
    if d.model.is_empty() {
        d.model = "default".to_owned();
    }
    d.alias = alias(el);
    d.address = address(el);
    Ok(d)
}

fn format_video(out: &mut XmlOut, d: &VideoDef, f: DevFormat) {
    out.open("video", &[]);
    let attrs = [
        ("type", some(&d.model)),
        ("ram", opt(&d.ram)),
        ("vram", opt(&d.vram)),
        ("vgamem", opt(&d.vgamem)),
        ("heads", opt(&d.heads)),
        ("primary", if d.primary { some("yes") } else { None }),
    ];
    element_with(out, "model", &attrs, |o| {
        if d.accel3d.is_some() {
            o.empty("acceleration", &[("accel3d", yes_no(d.accel3d))]);
        }
    });
    format_info(out, None, &d.alias, &d.address, f);
    out.close("video");
}

fn parse_redirdev(el: &Element) -> Result<RedirdevDef> {
    let bus = match el.attr("bus") {
        None | Some("usb") => "usb".to_owned(),
        Some(b) => return Err(invalid_attr(el, "bus", b)),
    };
    let redir_type = req_enum_attr(el, "type", &["spicevmc", "tcp"])?;
    Ok(RedirdevDef {
        bus,
        redir_type,
        alias: alias(el),
        address: address(el),
    })
}

fn format_redirdev(out: &mut XmlOut, d: &RedirdevDef, f: DevFormat) {
    let attrs = [("bus", some(&d.bus)), ("type", some(&d.redir_type))];
    element_with(out, "redirdev", &attrs, |o| {
        format_info(o, None, &d.alias, &d.address, f)
    });
}

fn parse_input(el: &Element) -> Result<InputDef> {
    let input_type = match el.attr("type") {
        Some(t @ ("mouse" | "tablet" | "keyboard" | "passthrough" | "evdev")) => t.to_owned(),
        Some(t) => {
            return Err(Error::ConfigUnsupported(format!(
                "unknown input device type '{t}'"
            )))
        }
        None => return Err(missing_attr(el, "type")),
    };
    Ok(InputDef {
        input_type,
        bus: el.attr_string("bus"),
        alias: alias(el),
        address: address(el),
    })
}

fn format_input(out: &mut XmlOut, d: &InputDef, f: DevFormat) {
    let attrs = [("type", some(&d.input_type)), ("bus", opt(&d.bus))];
    element_with(out, "input", &attrs, |o| {
        format_info(o, None, &d.alias, &d.address, f)
    });
}

fn parse_sound(el: &Element) -> Result<SoundDef> {
    Ok(SoundDef {
        model: req_attr(el, "model")?,
        alias: alias(el),
        address: address(el),
    })
}

fn format_sound(out: &mut XmlOut, d: &SoundDef, f: DevFormat) {
    element_with(out, "sound", &[("model", some(&d.model))], |o| {
        format_info(o, None, &d.alias, &d.address, f)
    });
}

fn parse_audio(el: &Element) -> Result<AudioDef> {
    let id: Option<u32> = num_attr(el, "id")?;
    Ok(AudioDef {
        id: id.ok_or_else(|| missing_attr(el, "id"))?,
        audio_type: req_attr(el, "type")?,
    })
}

fn format_audio(out: &mut XmlOut, d: &AudioDef) {
    out.empty(
        "audio",
        &[("id", some(&d.id)), ("type", some(&d.audio_type))],
    );
}

// ---------------------------------------------------------------------------------------------
// Watchdog, rng, panic, memballoon

fn parse_watchdog(el: &Element) -> Result<WatchdogDef> {
    let model = match el.attr("model") {
        Some(m @ ("i6300esb" | "ib700" | "diag288" | "itco")) => m.to_owned(),
        Some(m) => {
            return Err(Error::ConfigUnsupported(format!(
                "unknown watchdog model '{m}'"
            )))
        }
        None => return Err(missing_attr(el, "model")),
    };
    Ok(WatchdogDef {
        model,
        action: enum_attr(
            el,
            "action",
            &[
                "reset",
                "shutdown",
                "poweroff",
                "pause",
                "none",
                "dump",
                "inject-nmi",
            ],
        )?,
        alias: alias(el),
        address: address(el),
    })
}

fn format_watchdog(out: &mut XmlOut, d: &WatchdogDef, f: DevFormat) {
    let attrs = [("model", some(&d.model)), ("action", opt(&d.action))];
    element_with(out, "watchdog", &attrs, |o| {
        format_info(o, None, &d.alias, &d.address, f)
    });
}

fn parse_rng(el: &Element) -> Result<RngDef> {
    let model = req_attr(el, "model")?;
    let backend = el
        .child("backend")
        .ok_or_else(|| Error::Xml("missing RNG device backend".to_owned()))?;
    let backend_model = req_attr(backend, "model")?;
    let source = backend.text();
    let rate = match el.child("rate") {
        Some(r) => {
            let bytes: Option<u32> = num_attr(r, "bytes")?;
            Some((
                bytes.ok_or_else(|| missing_attr(r, "bytes"))?,
                num_attr(r, "period")?,
            ))
        }
        None => None,
    };
    Ok(RngDef {
        model,
        backend_model,
        backend_source: Some(source.trim().to_owned()).filter(|s| !s.is_empty()),
        rate,
        alias: alias(el),
        address: address(el),
    })
}

fn format_rng(out: &mut XmlOut, d: &RngDef, f: DevFormat) {
    out.open("rng", &[("model", some(&d.model))]);
    if let Some((bytes, period)) = d.rate {
        out.empty("rate", &[("bytes", some(&bytes)), ("period", opt(&period))]);
    }
    match &d.backend_source {
        Some(src) => out.text("backend", &[("model", some(&d.backend_model))], src),
        None => out.empty("backend", &[("model", some(&d.backend_model))]),
    }
    format_info(out, None, &d.alias, &d.address, f);
    out.close("rng");
}

fn parse_panic(el: &Element) -> Result<PanicDef> {
    Ok(PanicDef {
        model: el.attr_string("model"),
        address: address(el),
    })
}

fn format_panic(out: &mut XmlOut, d: &PanicDef, f: DevFormat) {
    element_with(out, "panic", &[("model", opt(&d.model))], |o| {
        format_info(o, None, &None, &d.address, f)
    });
}

fn parse_memballoon(el: &Element) -> Result<MemballoonDef> {
    let model = req_enum_attr(
        el,
        "model",
        &[
            "virtio",
            "xen",
            "none",
            "virtio-transitional",
            "virtio-non-transitional",
        ],
    )?;
    Ok(MemballoonDef {
        model,
        autodeflate: on_off_attr(el, "autodeflate")?,
        free_page_reporting: on_off_attr(el, "freePageReporting")?,
        stats_period: match el.child("stats") {
            Some(s) => num_attr(s, "period")?,
            None => None,
        },
        alias: alias(el),
        address: address(el),
    })
}

fn format_memballoon(out: &mut XmlOut, d: &MemballoonDef, f: DevFormat) {
    let attrs = [
        ("model", some(&d.model)),
        ("autodeflate", on_off(d.autodeflate)),
        ("freePageReporting", on_off(d.free_page_reporting)),
    ];
    element_with(out, "memballoon", &attrs, |o| {
        if let Some(p) = d.stats_period {
            o.empty("stats", &[("period", some(&p))]);
        }
        format_info(o, None, &d.alias, &d.address, f);
    });
}
