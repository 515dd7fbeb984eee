//! Disks and CD-ROMs: `-blockdev` storage and format nodes plus a `-device` front end, as
//! libvirt builds them (reference §5.2). File and block sources, raw and qcow2 (with its
//! backing chain checked on disk, and opened by QEMU from the image header).

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    path::{Path, PathBuf},
};

use virtbus_core::{model::DiskDef, Result};

use super::{
    address,
    json::Json,
    paths::{self, SourceKind},
    unsupported, Builder, MachineFamily,
};
use crate::store::errno_text;

/// Longest backing chain followed.
const MAX_BACKING_DEPTH: usize = 32;

/// The alias libvirt gives a disk (`virtio-disk0`, `ide0-0-1`, `sata0-0-2`, `scsi0-0-0-3`).
pub fn alias(disk: &DiskDef) -> Result<String> {
    let drive = drive_address(disk)?;
    Ok(match disk.target_bus.as_deref() {
        Some("virtio") => format!("virtio-disk{}", disk_index(disk)?),
        Some("ide") => format!("ide{}-{}-{}", drive.controller, drive.bus, drive.unit),
        Some("sata") => format!("sata{}-0-{}", drive.controller, drive.unit),
        Some("scsi") => format!(
            "scsi{}-{}-{}-{}",
            drive.controller, drive.bus, drive.target, drive.unit
        ),
        other => return Err(bus_error(other)),
    })
}

fn bus_error(bus: Option<&str>) -> virtbus_core::Error {
    unsupported(format!(
        "disk bus '{}' is not supported by this driver",
        bus.unwrap_or("none")
    ))
}

/// The index of a target name (`vda` → 0).
fn disk_index(disk: &DiskDef) -> Result<u32> {
    let name = disk.target_dev.as_str();
    let invalid = || unsupported(format!("invalid disk target '{name}'"));
    let rest = ["vd", "sd", "hd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .filter(|r| !r.is_empty() && r.len() <= 3)
        .ok_or_else(invalid)?;
    let mut idx: u32 = 0;
    for (i, c) in rest.chars().enumerate() {
        if !c.is_ascii_lowercase() {
            return Err(invalid());
        }
        let v = u32::from(c as u8 - b'a');
        idx = if i == 0 { v } else { (idx + 1) * 26 + v };
    }
    Ok(idx)
}

/// A drive address (controller, bus, target, unit), all 0 when absent.
#[derive(Debug, Default, Clone, Copy)]
struct Drive {
    controller: u32,
    bus: u32,
    target: u32,
    unit: u32,
}

fn drive_address(disk: &DiskDef) -> Result<Drive> {
    let Some(addr) = disk.address.as_ref() else {
        return Ok(Drive::default());
    };
    if address::kind(addr) != "drive" {
        return Ok(Drive::default());
    }
    Ok(Drive {
        controller: address::number(addr, "controller")?,
        bus: address::number(addr, "bus")?,
        target: address::number(addr, "target")?,
        unit: address::number(addr, "unit")?,
    })
}

/// The image format of a disk: `raw` when not given, as libvirt defaults it.
fn format(disk: &DiskDef) -> Result<&str> {
    match disk.driver_type.as_deref() {
        None | Some("raw") => Ok("raw"),
        Some("qcow2") => Ok("qcow2"),
        Some(other) => Err(unsupported(format!(
            "disk format '{other}' is not supported by this driver"
        ))),
    }
}

/// `-blockdev`/`-device` for every disk.
pub fn disks(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for (i, disk) in def.devices.disks.iter().enumerate() {
        let node = format!("libvirt-{}", i + 1);
        disk_args(b, disk, &node, b.disk_boot.get(i).copied().flatten())?;
    }
    Ok(())
}

fn disk_args(b: &mut Builder<'_>, disk: &DiskDef, node: &str, boot: Option<u32>) -> Result<()> {
    let target = disk.target_dev.as_str();
    let cdrom = match disk.device.as_str() {
        "disk" => false,
        "cdrom" => true,
        other => {
            return Err(unsupported(format!(
                "disk device '{other}' is not supported by this driver"
            )))
        }
    };
    let kind = match disk.disk_type.as_str() {
        "file" => SourceKind::File,
        "block" => SourceKind::Block,
        other => {
            return Err(unsupported(format!(
                "disk type '{other}' is not supported by this driver"
            )))
        }
    };
    if let Some(name) = disk.driver_name.as_deref() {
        if name != "qemu" {
            return Err(unsupported(format!(
                "unsupported driver name '{name}' for disk '{}'",
                disk.source.as_deref().unwrap_or(target)
            )));
        }
    }
    if let Some(serial) = disk.serial.as_deref() {
        const SAFE: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .+";
        if !serial.chars().all(|c| SAFE.contains(c)) {
            return Err(virtbus_core::Error::Internal(format!(
                "driver serial '{serial}' contains unsafe characters"
            )));
        }
    }
    if disk.readonly && !cdrom {
        match disk.target_bus.as_deref() {
            Some("ide") => return Err(unsupported("readonly ide disks are not supported")),
            Some("sata") => return Err(unsupported("readonly sata disks are not supported")),
            _ => {}
        }
    }
    if disk.iotune.is_some() {
        return Err(unsupported(format!(
            "I/O throttling (<iotune>) of disk '{target}' is not supported by this driver"
        )));
    }
    if disk.startup_policy.is_some() {
        return Err(unsupported(format!(
            "startupPolicy of disk '{target}' is not supported by this driver"
        )));
    }
    let format = format(disk)?;
    let read_only = disk.readonly || cdrom;
    let (cache_direct, no_flush, write_cache) = match disk.driver_cache.as_deref() {
        None | Some("default") | Some("writeback") => (false, false, true),
        Some("none") => (true, false, true),
        Some("writethrough") => (false, false, false),
        Some("directsync") => (true, false, false),
        Some("unsafe") => (false, true, true),
        Some(other) => {
            return Err(unsupported(format!(
                "disk cache mode '{other}' is not supported"
            )))
        }
    };
    let explicit_cache = disk.driver_cache.is_some();
    let front = front_end(b, disk, cdrom)?;

    let drive = match disk.source.as_deref() {
        None if cdrom => None,
        None => return Err(unsupported(format!("disk '{target}' has no source"))),
        Some(source) => {
            paths::check_storage(source, kind)?;
            if format == "qcow2" {
                check_backing_chain(source)?;
            }
            let storage_node = format!("{node}-storage");
            let mut storage = Json::new()
                .str(
                    "driver",
                    if kind == SourceKind::Block {
                        "host_device"
                    } else {
                        "file"
                    },
                )
                .str("filename", source)
                .str("node-name", &storage_node)
                .bool("auto-read-only", true);
            if let Some(discard) = disk.driver_discard.as_deref() {
                if !matches!(discard, "unmap" | "ignore") {
                    return Err(unsupported(format!("invalid discard mode '{discard}'")));
                }
                storage = storage.str("discard", discard);
            }
            if let Some(io) = disk.driver_io.as_deref() {
                if !matches!(io, "native" | "threads" | "io_uring") {
                    return Err(unsupported(format!("invalid io mode '{io}'")));
                }
                if io == "native"
                    && !matches!(disk.driver_cache.as_deref(), Some("none" | "directsync"))
                {
                    return Err(unsupported(
                        "io='native' needs either no disk cache or directsync cache mode",
                    ));
                }
                storage = storage.str("aio", io);
            }
            let cache = Json::new()
                .bool("direct", cache_direct)
                .bool("no-flush", no_flush);
            if explicit_cache {
                storage = storage.object("cache", cache.clone());
            }
            if format == "raw" && read_only {
                storage = storage.bool("read-only", true);
            }
            b.opt("-blockdev", storage.finish());
            if format == "raw" {
                // libvirt leaves out the raw format node; the device uses the storage node.
                Some(storage_node)
            } else {
                let format_node = format!("{node}-format");
                let mut fmt = Json::new()
                    .str("node-name", &format_node)
                    .bool("read-only", read_only);
                if explicit_cache {
                    fmt = fmt.object("cache", cache);
                }
                fmt = fmt.str("driver", format).str("file", &storage_node);
                b.opt("-blockdev", fmt.finish());
                Some(format_node)
            }
        }
    };

    let mut dev = front.opt_str("drive", drive.as_deref());
    dev = dev.str("id", &alias(disk)?);
    if let Some(index) = boot {
        dev = dev.num("bootindex", u64::from(index));
    }
    if explicit_cache {
        dev = dev.str("write-cache", if write_cache { "on" } else { "off" });
    }
    if disk.shareable {
        dev = dev.bool("share-rw", true);
    }
    if let Some(serial) = disk.serial.as_deref() {
        dev = dev.str("serial", serial);
    }
    b.device(dev);
    Ok(())
}

/// The device driver and bus properties of a disk's front end.
fn front_end(b: &Builder<'_>, disk: &DiskDef, cdrom: bool) -> Result<Json> {
    let drive = drive_address(disk)?;
    let bus = disk.target_bus.as_deref();
    Ok(match bus {
        Some("virtio") => {
            if cdrom {
                return Err(unsupported(format!(
                    "disk type of '{}' does not support ejectable media",
                    disk.target_dev
                )));
            }
            Json::new()
                .str("driver", "virtio-blk-pci")
                .merge(address::pci(
                    disk.address
                        .as_ref()
                        .filter(|a| address::kind(a) != "drive"),
                    b.family,
                    "a virtio disk",
                )?)
        }
        Some("ide") => {
            if b.family == MachineFamily::Q35 {
                return Err(unsupported(
                    "IDE controllers are unsupported for this QEMU binary or machine type",
                ));
            }
            if drive.controller != 0 {
                return Err(virtbus_core::Error::Internal(
                    "Only 1 IDE controller is supported".into(),
                ));
            }
            if drive.target != 0 {
                return Err(unsupported("target must be 0 for ide controller"));
            }
            if drive.bus > 1 || drive.unit > 1 {
                return Err(unsupported(format!(
                    "invalid IDE address for disk '{}': bus 0-1, unit 0-1",
                    disk.target_dev
                )));
            }
            Json::new()
                .str("driver", if cdrom { "ide-cd" } else { "ide-hd" })
                .str("bus", &format!("ide.{}", drive.bus))
                .num("unit", u64::from(drive.unit))
        }
        Some("sata") => {
            if drive.bus != 0 {
                return Err(unsupported("bus must be 0 for sata controller"));
            }
            if drive.target != 0 {
                return Err(unsupported("target must be 0 for sata controller"));
            }
            if drive.controller != 0 || drive.unit > 5 {
                return Err(unsupported(format!(
                    "invalid SATA address for disk '{}': controller 0, unit 0-5",
                    disk.target_dev
                )));
            }
            let bus = match b.family {
                MachineFamily::Q35 => format!("ide.{}", drive.unit),
                MachineFamily::I440fx => format!("sata0.{}", drive.unit),
            };
            Json::new()
                .str("driver", if cdrom { "ide-cd" } else { "ide-hd" })
                .str("bus", &bus)
        }
        Some("scsi") => {
            if drive.bus != 0 {
                return Err(virtbus_core::Error::Internal(
                    "SCSI controller only supports 1 bus".into(),
                ));
            }
            let model = super::devices::scsi_model(b.def, drive.controller)?;
            let json = Json::new()
                .str("driver", if cdrom { "scsi-cd" } else { "scsi-hd" })
                .str("bus", &format!("scsi{}.0", drive.controller));
            if model == "virtio-scsi" {
                json.num("channel", u64::from(drive.bus))
                    .num("scsi-id", u64::from(drive.target))
                    .num("lun", u64::from(drive.unit))
            } else {
                if drive.target != 0 {
                    return Err(unsupported(
                        "target must be 0 for controller model 'lsilogic'",
                    ));
                }
                if drive.unit > 6 {
                    return Err(unsupported(format!(
                        "invalid SCSI address for disk '{}': unit 0-6 on an lsilogic controller",
                        disk.target_dev
                    )));
                }
                json.num("scsi-id", u64::from(drive.unit))
            }
        }
        other => return Err(bus_error(other)),
    })
}

/// Follows the backing chain of the qcow2 image at `path` from its headers: every backing
/// file must exist (libvirt's "Cannot access backing file" otherwise); protocol backings
/// (`nbd:`, `json:`) are refused.
pub fn check_backing_chain(path: &str) -> Result<()> {
    let mut current = PathBuf::from(path);
    for _ in 0..MAX_BACKING_DEPTH {
        let Some(backing) = qcow2_backing(&current)? else {
            return Ok(());
        };
        let shown = current.display().to_string();
        if backing.contains(':') && !backing.starts_with('/') && !backing.starts_with('.') {
            return Err(unsupported(format!(
                "backing file '{backing}' of '{shown}' uses a protocol, which this driver does not support"
            )));
        }
        let next = if Path::new(&backing).is_absolute() {
            PathBuf::from(&backing)
        } else {
            current.parent().unwrap_or(Path::new("/")).join(&backing)
        };
        if let Err(e) = std::fs::metadata(&next) {
            return Err(paths::storage_error(
                &next.display().to_string(),
                Some(&shown),
                &errno_text(&e),
            ));
        }
        current = next;
    }
    Err(unsupported(format!(
        "the backing chain of '{path}' is longer than {MAX_BACKING_DEPTH} images"
    )))
}

/// The backing file name in the header of the image at `path`, `None` for an image that is
/// not qcow2 or has no backing file.
fn qcow2_backing(path: &Path) -> Result<Option<String>> {
    let io_err = |e: std::io::Error| {
        paths::storage_error(&path.display().to_string(), None, &errno_text(&e))
    };
    let mut f = File::open(path).map_err(io_err)?;
    let mut header = [0u8; 20];
    if f.read_exact(&mut header).is_err() || header[..4] != *b"QFI\xfb" {
        return Ok(None);
    }
    let offset = u64::from_be_bytes(header[8..16].try_into().expect("8 bytes"));
    let size = u32::from_be_bytes(header[16..20].try_into().expect("4 bytes"));
    if offset == 0 || size == 0 {
        return Ok(None);
    }
    if size > 1023 {
        return Err(unsupported(format!(
            "qcow2 image '{}' has a corrupt backing file name",
            path.display()
        )));
    }
    let mut name = vec![0u8; size as usize];
    f.seek(SeekFrom::Start(offset)).map_err(io_err)?;
    f.read_exact(&mut name).map_err(io_err)?;
    String::from_utf8(name).map(Some).map_err(|_| {
        unsupported(format!(
            "qcow2 image '{}' has a backing file name that is not UTF-8",
            path.display()
        ))
    })
}
