//! libvirt's generic post-parse rules, applied after the tree is converted: the defaults and
//! implicit devices that `virDomainDefPostParse` adds for every driver (checked against the
//! test driver of libvirt 9.0), so that a definition reads back as libvirt would print it.
//!
//! Device-level rules ([`device_defaults`]) also apply to single-device documents
//! (AttachDevice); domain-level rules ([`domain_defaults`]) need the whole definition.

use crate::{
    error::{Error, Result},
    model::{
        AddressDef, CharDeviceDef, ControllerDef, DeviceDef, DevicesDef, DiskDef, DomainDef,
        GraphicsDef, InterfaceDef, VideoDef, MAX_DEVICES_PER_KIND,
    },
};

/// Applies the per-device rules. Without `live`, runtime data (aliases other than user
/// aliases, pty paths, automatic VNC ports) is dropped, as libvirt's inactive parse does.
pub(crate) fn device_defaults(dev: &mut DeviceDef, live: bool) {
    match dev {
        DeviceDef::Disk(d) => {
            disk_defaults(d);
            strip_alias(&mut d.alias, live);
        }
        DeviceDef::Controller(c) => strip_alias(&mut c.alias, live),
        DeviceDef::Interface(i) => {
            interface_defaults(i);
            strip_alias(&mut i.alias, live);
        }
        DeviceDef::Serial(c) | DeviceDef::Console(c) | DeviceDef::Channel(c) => {
            if !live && c.char_type == "pty" {
                c.source_path = None;
            }
            strip_alias(&mut c.alias, live);
        }
        DeviceDef::Graphics(g) => graphics_defaults(g, live),
        DeviceDef::Video(v) => {
            video_defaults(v);
            strip_alias(&mut v.alias, live);
        }
        DeviceDef::Redirdev(r) => strip_alias(&mut r.alias, live),
        DeviceDef::Input(i) => strip_alias(&mut i.alias, live),
        DeviceDef::Sound(s) => strip_alias(&mut s.alias, live),
        DeviceDef::Watchdog(w) => strip_alias(&mut w.alias, live),
        DeviceDef::Rng(r) => strip_alias(&mut r.alias, live),
        DeviceDef::Memballoon(m) => strip_alias(&mut m.alias, live),
        DeviceDef::Audio(_) | DeviceDef::Panic(_) => {}
    }
}

/// Aliases are runtime data except user aliases (`ua-` prefix).
fn strip_alias(alias: &mut Option<String>, live: bool) {
    if !live && !alias.as_deref().is_some_and(|a| a.starts_with("ua-")) {
        *alias = None;
    }
}

/// libvirt's `virDiskNameToIndex`: `vda` → 0, `sdb` → 1, `hdaa` → 26; `None` when the name
/// has no known prefix or no letters.
pub(crate) fn disk_name_index(name: &str) -> Option<u32> {
    let rest = ["fd", "hd", "vd", "sd", "xvd", "ubd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let mut idx: u64 = 0;
    let mut letters = 0;
    for c in rest.chars() {
        if !c.is_ascii_lowercase() {
            break;
        }
        let v = u64::from(c as u8 - b'a');
        idx = if letters == 0 { v } else { (idx + 1) * 26 + v };
        if idx > u64::from(u32::MAX / 2) {
            return None;
        }
        letters += 1;
    }
    if letters == 0 {
        return None;
    }
    // Anything after the letters must be a partition number.
    if !rest[letters..].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    u32::try_from(idx).ok()
}

fn disk_defaults(d: &mut DiskDef) {
    if d.target_bus.is_none() {
        let dev = d.target_dev.as_str();
        d.target_bus = if d.device == "floppy" {
            Some("fdc")
        } else if dev.starts_with("hd") {
            Some("ide")
        } else if dev.starts_with("sd") {
            Some("scsi")
        } else if dev.starts_with("vd") {
            Some("virtio")
        } else if dev.starts_with("xvd") {
            Some("xen")
        } else if dev.starts_with("ubd") {
            Some("uml")
        } else {
            None
        }
        .map(str::to_owned);
    }
    if d.address.is_none() {
        let Some(idx) = disk_name_index(&d.target_dev) else {
            return;
        };
        let (controller, bus, unit) = match d.target_bus.as_deref() {
            Some("ide") => (idx / 4, (idx % 4) / 2, idx % 2),
            Some("sata") => (idx / 6, 0, idx % 6),
            Some("scsi") => (idx / 7, 0, idx % 7),
            Some("fdc") => (0, 0, idx),
            _ => return,
        };
        d.address = Some(drive_address(controller, bus, unit));
    }
}

fn drive_address(controller: u32, bus: u32, unit: u32) -> AddressDef {
    AddressDef {
        attributes: vec![
            ("type".to_owned(), "drive".to_owned()),
            ("controller".to_owned(), controller.to_string()),
            ("bus".to_owned(), bus.to_string()),
            ("target".to_owned(), "0".to_owned()),
            ("unit".to_owned(), unit.to_string()),
        ],
    }
}

fn interface_defaults(i: &mut InterfaceDef) {
    if i.mac.is_none() {
        let b = uuid::Uuid::new_v4();
        let b = b.as_bytes();
        i.mac = Some(format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2]));
    }
}

fn graphics_defaults(g: &mut GraphicsDef, live: bool) {
    match g.graphics_type.as_str() {
        "vnc" => {
            if g.port.is_none() || g.port == Some(-1) {
                g.port = Some(-1);
                g.autoport = Some(true);
            } else if g.autoport == Some(true) && !live {
                g.port = Some(-1);
            } else if g.autoport.is_none() {
                g.autoport = Some(false);
            }
        }
        "spice" => {
            if g.autoport == Some(true) && !live {
                g.port = None;
                g.tls_port = None;
            } else if g.port.is_some() && g.autoport.is_none() {
                g.autoport = Some(false);
            }
        }
        _ => {}
    }
    if matches!(g.graphics_type.as_str(), "vnc" | "spice" | "rdp") && g.listen_type.is_none() {
        g.listen_type = Some("address".to_owned());
    }
}

fn video_defaults(v: &mut VideoDef) {
    match v.model.as_str() {
        "vga" | "cirrus" | "vmvga" => {
            v.vram.get_or_insert(16384);
        }
        "qxl" => {
            v.ram.get_or_insert(65536);
            v.vram.get_or_insert(65536);
        }
        _ => {}
    }
    if v.model != "none" {
        v.heads.get_or_insert(1);
    }
}

/// Where libvirt's `virDomainDiskInsert` puts a disk with target `dev` on `bus` among
/// existing disks given as (bus, target) pairs: before the first disk on the same bus whose
/// target sorts after it, else after the last disk on that bus, else at the end.
pub(crate) fn disk_insert_position<'a>(
    existing: impl DoubleEndedIterator<Item = (&'a Option<String>, &'a str)> + ExactSizeIterator,
    bus: &Option<String>,
    dev: &str,
) -> usize {
    let len = existing.len();
    let new_idx = disk_name_index(dev);
    let mut insert_at: Option<usize> = None;
    for (i, (b, target)) in existing.enumerate().rev() {
        if b != bus {
            continue;
        }
        if disk_name_index(target) > new_idx {
            insert_at = Some(i);
        } else if insert_at.is_none() {
            insert_at = Some(i + 1);
        }
    }
    insert_at.unwrap_or(len).min(len)
}

/// Inserts `disk` into `disks` as libvirt does when a disk is attached.
pub fn insert_disk(disks: &mut Vec<DiskDef>, disk: DiskDef) {
    let at = disk_insert_position(
        disks.iter().map(|d| (&d.target_bus, d.target_dev.as_str())),
        &disk.target_bus,
        &disk.target_dev,
    );
    disks.insert(at, disk);
}

/// Inserts a controller as libvirt's `virDomainControllerInsert` does: among controllers of
/// the same type by index, else at the end.
pub(crate) fn insert_controller(controllers: &mut Vec<ControllerDef>, c: ControllerDef) {
    let mut insert_at: Option<usize> = None;
    for (i, cur) in controllers.iter().enumerate().rev() {
        if cur.controller_type != c.controller_type {
            continue;
        }
        if cur.index > c.index {
            insert_at = Some(i);
        } else if insert_at.is_none() {
            insert_at = Some(i + 1);
        }
    }
    let at = insert_at
        .unwrap_or(controllers.len())
        .min(controllers.len());
    controllers.insert(at, c);
}

/// Applies the domain-level rules: character device ports, the serial console of HVM
/// guests, the primary video, and the controllers the devices imply. Fails when the implied
/// controllers would pass the per-kind device bound.
pub(crate) fn domain_defaults(def: &mut DomainDef) -> Result<()> {
    let hvm = def.os.os_type == "hvm";
    let test_driver = def.domain_type == "test";
    if def.devices.is_empty() {
        // Nothing to complete; writing would only allocate an empty device list.
        return Ok(());
    }
    let d = &mut *def.devices;
    // The video model left to the driver: the test driver's choice is cirrus; other drivers
    // resolve "default" themselves.
    if test_driver {
        for v in d.videos.iter_mut().filter(|v| v.model == "default") {
            v.model = "cirrus".to_owned();
            video_defaults(v);
        }
    }
    assign_ports(&mut d.serials);
    assign_ports(&mut d.consoles);
    if hvm {
        console_compat(d);
    }
    if !d.videos.is_empty() && !d.videos.iter().any(|v| v.primary) {
        d.videos[0].primary = true;
    }
    implicit_controllers(d)
}

/// Gives each character device without a target port the next port after those before it.
fn assign_ports(devs: &mut [CharDeviceDef]) {
    for i in 0..devs.len() {
        if devs[i].target_port.is_none() {
            let next = devs[..i]
                .iter()
                .filter_map(|d| d.target_port)
                .max()
                .map_or(0, |m| m.saturating_add(1));
            devs[i].target_port = Some(next);
        }
    }
}

/// libvirt's serial-console compatibility for HVM guests: the first console of type serial is
/// a view of the first serial port, created from it when missing, and the serial port is
/// created from the console when only the console was given.
fn console_compat(d: &mut DevicesDef) {
    if let Some(first) = d.consoles.first_mut() {
        if first.target_type.is_none() {
            first.target_type = Some("serial".to_owned());
        }
    }
    let first_is_serial = d
        .consoles
        .first()
        .is_some_and(|c| c.target_type.as_deref() == Some("serial"));
    if d.serials.is_empty() {
        if first_is_serial {
            let console = &d.consoles[0];
            d.serials.push(CharDeviceDef {
                target_type: None,
                target_model: None,
                target_name: None,
                address: None,
                ..console.clone()
            });
        }
        return;
    }
    let serial = &d.serials[0];
    let console = CharDeviceDef {
        target_type: Some("serial".to_owned()),
        target_port: serial.target_port,
        target_model: None,
        target_name: None,
        address: None,
        ..serial.clone()
    };
    if first_is_serial {
        d.consoles[0] = console;
    } else {
        d.consoles.insert(0, console);
    }
}

/// The value of attribute `name` of an address of type `ty`.
fn address_attr<'a>(addr: &'a Option<AddressDef>, ty: &str, name: &str) -> Option<&'a str> {
    let a = addr.as_ref()?;
    let is_ty = a.attributes.iter().any(|(k, v)| k == "type" && v == ty);
    if !is_ty {
        return None;
    }
    a.attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Adds a controller of `ty` with `index` unless one exists.
fn maybe_add_controller(d: &mut DevicesDef, ty: &str, index: u32) -> Result<()> {
    if d.controllers
        .iter()
        .any(|c| c.controller_type == ty && c.index == index)
    {
        return Ok(());
    }
    if d.controllers.len() >= MAX_DEVICES_PER_KIND {
        return Err(Error::Xml(format!(
            "too many <controller> devices: at most {MAX_DEVICES_PER_KIND} are supported"
        )));
    }
    insert_controller(
        &mut d.controllers,
        ControllerDef {
            controller_type: ty.to_owned(),
            index,
            ..Default::default()
        },
    );
    Ok(())
}

/// The disk controllers the disks' drive addresses refer to, and the virtio-serial
/// controllers of virtio consoles and channels.
fn implicit_controllers(d: &mut DevicesDef) -> Result<()> {
    for (ty, bus) in [
        ("scsi", "scsi"),
        ("fdc", "fdc"),
        ("ide", "ide"),
        ("sata", "sata"),
    ] {
        let max = d
            .disks
            .iter()
            .filter(|disk| disk.target_bus.as_deref() == Some(bus))
            .filter_map(|disk| address_attr(&disk.address, "drive", "controller"))
            .filter_map(super::conv::parse_num::<u32>)
            .max();
        if let Some(max) = max {
            // Bounded: adding fails once the controller count reaches the limit.
            for i in 0..=max {
                maybe_add_controller(d, ty, i)?;
            }
        }
    }
    let mut virtio_serial: Vec<u32> = Vec::new();
    for c in d.channels.iter().chain(d.consoles.iter()) {
        if c.target_type.as_deref() == Some("virtio") {
            let idx = address_attr(&c.address, "virtio-serial", "controller")
                .and_then(super::conv::parse_num::<u32>)
                .unwrap_or(0);
            virtio_serial.push(idx);
        }
    }
    for idx in virtio_serial {
        maybe_add_controller(d, "virtio-serial", idx)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_names_index_like_libvirt() {
        assert_eq!(disk_name_index("vda"), Some(0));
        assert_eq!(disk_name_index("hdc"), Some(2));
        assert_eq!(disk_name_index("sdz"), Some(25));
        assert_eq!(disk_name_index("sdaa"), Some(26));
        assert_eq!(disk_name_index("xvdb1"), Some(1));
        assert_eq!(disk_name_index("foo"), None);
        assert_eq!(disk_name_index("sd"), None);
        assert_eq!(disk_name_index(&format!("sd{}", "z".repeat(40))), None);
    }
}
