//! What libvirt's qemu driver fills in when a definition is defined (its post-parse): the
//! emulator path, the architecture, the versioned machine type, and the implicit devices of
//! an x86 machine (PCI root, USB controller, PS/2 input, memory balloon, a video card for
//! graphics). Meant for define time, so that the stored definition reads back as libvirt's
//! would; [`refuse_unmodelled_devices`] refuses, also at define time, the device kinds the
//! model would silently drop.

use virtbus_core::{
    model::{ControllerDef, DomainDef, InputDef, MemballoonDef, VideoDef},
    Result,
};

use super::{unsupported, MachineFamily};
use crate::emulator::Emulator;

/// Fills in the defaults of `def` for `emulator`.
pub fn apply(def: &mut DomainDef, emulator: &Emulator) -> Result<()> {
    let machine = match def.os.machine.as_deref() {
        Some(name) => emulator.machine(name),
        None => emulator.default_machine(),
    }
    .ok_or_else(|| {
        unsupported(format!(
            "Emulator '{}' does not support machine type '{}'",
            emulator.path.display(),
            def.os.machine.as_deref().unwrap_or_default()
        ))
    })?;
    let name = machine.name.clone();
    let family = if name.starts_with("pc-q35-") {
        MachineFamily::Q35
    } else {
        MachineFamily::I440fx
    };
    def.os.machine = Some(name);
    if def.os.arch.is_none() {
        def.os.arch = Some("x86_64".into());
    }
    let d = &mut *def.devices;
    if d.emulator.is_none() {
        d.emulator = Some(emulator.path.to_string_lossy().into_owned());
    }
    let has = |d: &virtbus_core::model::DevicesDef, ty: &str, index: u32| {
        d.controllers
            .iter()
            .any(|c| c.controller_type == ty && c.index == index)
    };
    let add = |d: &mut virtbus_core::model::DevicesDef, ty: &str, model: Option<&str>| {
        if !has(d, ty, 0) {
            d.controllers.push(ControllerDef {
                controller_type: ty.to_owned(),
                index: 0,
                model: model.map(str::to_owned),
                ..Default::default()
            });
        }
    };
    match family {
        MachineFamily::I440fx => {
            add(d, "usb", Some("piix3-uhci"));
            add(d, "pci", Some("pci-root"));
        }
        MachineFamily::Q35 => {
            add(d, "usb", Some("qemu-xhci"));
            add(d, "sata", None);
            add(d, "pci", Some("pcie-root"));
        }
    }
    for kind in ["mouse", "keyboard"] {
        if !d.inputs.iter().any(|i| i.input_type == kind) {
            d.inputs.push(InputDef {
                input_type: kind.to_owned(),
                bus: Some("ps2".to_owned()),
                ..Default::default()
            });
        }
    }
    if d.memballoon.is_none() {
        d.memballoon = Some(MemballoonDef {
            model: "virtio".to_owned(),
            ..Default::default()
        });
    }
    for v in d.videos.iter_mut().filter(|v| v.model == "default") {
        v.model = "vga".to_owned();
    }
    if d.videos.is_empty() && !d.graphics.is_empty() {
        d.videos.push(VideoDef {
            model: "vga".to_owned(),
            vram: Some(16384),
            heads: Some(1),
            primary: true,
            ..Default::default()
        });
    }
    Ok(())
}

/// The device elements libvirt knows that the core model does not keep: the parser drops
/// them (as libvirt drops unknown elements without validation), so a define must refuse them
/// here, before they are silently lost.
const UNMODELLED_DEVICES: &[&str] = &[
    "hostdev",
    "filesystem",
    "tpm",
    "smartcard",
    "hub",
    "parallel",
    "shmem",
    "iommu",
    "vsock",
    "memory",
    "crypto",
    "lease",
    "nvram",
    "pstore",
];

/// Refuses a domain document whose `<devices>` holds a device kind the driver cannot keep
/// (`<hostdev>`, `<filesystem>`, `<tpm>`, ...). Meant for define and create, on the text the
/// caller gave: the parsed definition no longer has them. The scan looks only for start tags
/// of those names inside `<devices>`, outside comments; namespaced metadata cannot match.
pub fn refuse_unmodelled_devices(xml: &str) -> Result<()> {
    let mut text = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find("<!--") {
        text.push_str(&rest[..at]);
        rest = match rest[at..].find("-->") {
            Some(end) => &rest[at + end + 3..],
            None => "",
        };
    }
    text.push_str(rest);
    let Some(start) = text.find("<devices") else {
        return Ok(());
    };
    let end = text[start..]
        .find("</devices>")
        .map_or(text.len(), |e| start + e);
    let devices = &text[start..end];
    for name in UNMODELLED_DEVICES {
        let tag = format!("<{name}");
        let found = devices.match_indices(&tag).any(|(at, _)| {
            devices[at + tag.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/')
        });
        if found {
            return Err(unsupported(format!(
                "device <{name}> is not supported by this driver"
            )));
        }
    }
    Ok(())
}
