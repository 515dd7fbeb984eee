//! The runtime details the live XML shows that come from the command line: device aliases,
//! the ids [`super::build`] gives the devices (so that QMP events naming a device id map back
//! to the device).

use std::path::Path;

use virtbus_core::{model::DomainDef, Result};

use super::{disks, MachineFamily};

/// Sets the alias of every device to the id the command line gives it, as libvirt's live XML
/// shows them (`virtio-disk0`, `net0`, `serial0`, `video0`, `balloon0`, ...).
pub fn assign_aliases(def: &mut DomainDef, family: MachineFamily) -> Result<()> {
    if def.devices.is_empty() {
        return Ok(());
    }
    let d = &mut *def.devices;
    for disk in &mut d.disks {
        disk.alias = Some(disks::alias(disk)?);
    }
    for (i, net) in d.interfaces.iter_mut().enumerate() {
        net.alias = Some(format!("net{i}"));
    }
    for serial in &mut d.serials {
        serial.alias = Some(format!("serial{}", serial.target_port.unwrap_or(0)));
    }
    let first_serial = d.serials.first().and_then(|s| s.alias.clone());
    for (i, console) in d.consoles.iter_mut().enumerate() {
        console.alias = match console.target_type.as_deref() {
            Some("serial") if i == 0 => first_serial.clone(),
            _ => Some(format!("console{i}")),
        };
    }
    for (i, channel) in d.channels.iter_mut().enumerate() {
        channel.alias = Some(format!("channel{i}"));
    }
    for (i, video) in d.videos.iter_mut().enumerate() {
        video.alias = Some(format!("video{i}"));
    }
    for (i, input) in d.inputs.iter_mut().enumerate() {
        input.alias = Some(format!("input{i}"));
    }
    for watchdog in &mut d.watchdogs {
        watchdog.alias = Some("watchdog0".to_owned());
    }
    if let Some(balloon) = d.memballoon.as_mut() {
        balloon.alias = Some("balloon0".to_owned());
    }
    for (i, rng) in d.rngs.iter_mut().enumerate() {
        rng.alias = Some(format!("rng{i}"));
    }
    for c in &mut d.controllers {
        c.alias = Some(match (c.controller_type.as_str(), c.index) {
            ("pci", 0) => family.root_bus().to_owned(),
            ("pci", n) => format!("pci.{n}"),
            ("usb", _) => "usb".to_owned(),
            ("ide", _) => "ide".to_owned(),
            ("sata", _) if family == MachineFamily::Q35 => "ide".to_owned(),
            (ty, n) => format!("{ty}{n}"),
        });
    }
    Ok(())
}

/// Gives every unix channel without a source path one in `dir` (`dir/NAME` after the
/// channel's target name, or `dir/channelN`), in bind mode, as libvirt does at start; the
/// driver creates `dir` and calls this on the live definition before [`super::build`].
pub fn fill_channel_paths(def: &mut DomainDef, dir: &Path) {
    if def.devices.is_empty() {
        return;
    }
    for (i, channel) in def.devices.channels.iter_mut().enumerate() {
        if channel.char_type != "unix" || channel.source_path.is_some() {
            continue;
        }
        let file = match channel.target_name.as_deref() {
            Some(name)
                if !name.is_empty()
                    && !name.starts_with('.')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) =>
            {
                name.to_owned()
            }
            _ => format!("channel{i}"),
        };
        channel.source_path = Some(dir.join(file).to_string_lossy().into_owned());
        channel.source_mode = Some("bind".to_owned());
    }
}
