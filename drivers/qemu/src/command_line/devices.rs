//! Controllers, input, graphics, video, watchdog, panic, balloon and RNG devices, and the
//! refusal of device kinds the driver does not build.

use virtbus_core::{
    model::{ControllerDef, DomainDef},
    Result,
};

use super::{address, json::Json, unsupported, Builder, MachineFamily};

/// The model of SCSI controller `index`: `lsilogic` (libvirt's x86 default) or `virtio-scsi`.
pub fn scsi_model(def: &DomainDef, index: u32) -> Result<&str> {
    let c = def
        .devices
        .controllers
        .iter()
        .find(|c| c.controller_type == "scsi" && c.index == index);
    match c.and_then(|c| c.model.as_deref()) {
        None | Some("lsilogic") => Ok("lsilogic"),
        Some("virtio-scsi") => Ok("virtio-scsi"),
        Some(other) => Err(unsupported(format!(
            "SCSI controller model '{other}' is not supported by this driver"
        ))),
    }
}

fn controller_pci(b: &Builder<'_>, c: &ControllerDef) -> Result<Json> {
    address::pci(
        c.address.as_ref(),
        b.family,
        &format!("{} controller", c.controller_type),
    )
}

/// One `-device` per controller QEMU does not build in; PCI controllers first, by index, so
/// that the buses exist before the devices on them.
pub fn controllers(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    let mut ordered: Vec<&ControllerDef> = def.devices.controllers.iter().collect();
    ordered.sort_by_key(|c| (c.controller_type != "pci", c.index));
    for c in ordered {
        if !c.driver.is_empty() {
            return Err(unsupported(format!(
                "{} controller driver options are not supported by this driver",
                c.controller_type
            )));
        }
        let dev = match (c.controller_type.as_str(), c.model.as_deref()) {
            ("pci", Some("pci-root")) if b.family == MachineFamily::I440fx => None,
            ("pci", Some("pcie-root")) if b.family == MachineFamily::Q35 => None,
            ("pci", None) if c.index == 0 => None,
            ("pci", Some("pcie-root-port")) if b.family == MachineFamily::Q35 => {
                let target = |name: &str| -> Result<Option<u64>> {
                    match c.target.iter().find(|(k, _)| k == name) {
                        None => Ok(None),
                        Some((_, v)) => {
                            let addr = virtbus_core::model::AddressDef {
                                attributes: vec![("n".into(), v.clone())],
                            };
                            Ok(Some(u64::from(address::number(&addr, "n")?)))
                        }
                    }
                };
                Some(
                    Json::new()
                        .str("driver", "pcie-root-port")
                        .opt_num("port", target("port")?)
                        .num("chassis", target("chassis")?.unwrap_or(u64::from(c.index)))
                        .str("id", &format!("pci.{}", c.index))
                        .merge(controller_pci(b, c)?),
                )
            }
            ("pci", Some("pci-bridge")) => Some(
                Json::new()
                    .str("driver", "pci-bridge")
                    .num("chassis_nr", u64::from(c.index))
                    .str("id", &format!("pci.{}", c.index))
                    .merge(controller_pci(b, c)?),
            ),
            ("usb", Some("none")) => {
                if c.index != 0 {
                    return Err(unsupported("USB controller model 'none' must have index 0"));
                }
                None
            }
            ("usb", model) => {
                if c.index != 0 {
                    return Err(unsupported(
                        "only one USB controller is supported by this driver",
                    ));
                }
                let driver = match (model, b.family) {
                    (None, MachineFamily::I440fx) | (Some("piix3-uhci"), _) => "piix3-usb-uhci",
                    (None, MachineFamily::Q35) | (Some("qemu-xhci"), _) => "qemu-xhci",
                    (Some("piix4-uhci"), _) => "piix4-usb-uhci",
                    (Some("nec-xhci"), _) => "nec-usb-xhci",
                    (Some("ich9-ehci1"), _) => "ich9-usb-ehci1",
                    (Some(other), _) => {
                        return Err(unsupported(format!(
                            "USB controller model '{other}' is not supported by this driver"
                        )))
                    }
                };
                let xhci = driver.ends_with("xhci");
                if let Some(ports) = c.ports {
                    if !xhci {
                        return Err(unsupported(format!(
                            "usb controller type {} doesn't support 'ports'",
                            model.unwrap_or("default")
                        )));
                    }
                    if ports > 15 {
                        return Err(unsupported(format!(
                            "'{ports}' is not a valid number of ports for an xHCI controller (1-15)"
                        )));
                    }
                }
                let ports = c.ports.map(u64::from);
                Some(
                    Json::new()
                        .str("driver", driver)
                        .opt_num("p2", ports)
                        .opt_num("p3", ports)
                        .str("id", "usb")
                        .merge(controller_pci(b, c)?),
                )
            }
            ("ide", _) if b.family == MachineFamily::I440fx && c.index == 0 => None,
            ("ide", _) if b.family == MachineFamily::I440fx => {
                return Err(virtbus_core::Error::Internal(
                    "Only 1 IDE controller is supported".into(),
                ))
            }
            ("ide", _) => {
                return Err(unsupported(
                    "IDE controllers are unsupported for this QEMU binary or machine type",
                ))
            }
            ("sata", _) if c.index == 0 && b.family == MachineFamily::Q35 => None,
            ("sata", _) if c.index == 0 => Some(
                Json::new()
                    .str("driver", "ich9-ahci")
                    .str("id", "sata0")
                    .merge(controller_pci(b, c)?),
            ),
            ("scsi", _) => {
                let driver = match scsi_model(def, c.index)? {
                    "virtio-scsi" => "virtio-scsi-pci",
                    _ => "lsi",
                };
                Some(
                    Json::new()
                        .str("driver", driver)
                        .str("id", &format!("scsi{}", c.index))
                        .merge(controller_pci(b, c)?),
                )
            }
            // Implied by floppy disks only.
            ("fdc", _) => {
                return Err(unsupported(
                    "disk device 'floppy' is not supported by this driver",
                ))
            }
            ("virtio-serial", _) => Some(
                Json::new()
                    .str("driver", "virtio-serial-pci")
                    .str("id", &format!("virtio-serial{}", c.index))
                    .opt_num("max_ports", c.ports.map(u64::from))
                    .opt_num("vectors", c.vectors.map(u64::from))
                    .merge(controller_pci(b, c)?),
            ),
            (ty, model) => {
                return Err(unsupported(format!(
                    "{ty} controller{} with index {} is not supported by this driver",
                    model.map(|m| format!(" model '{m}'")).unwrap_or_default(),
                    c.index
                )))
            }
        };
        if let Some(dev) = dev {
            b.device(dev);
        }
    }
    Ok(())
}

fn has_usb(def: &DomainDef) -> bool {
    def.devices
        .controllers
        .iter()
        .any(|c| c.controller_type == "usb" && c.model.as_deref() != Some("none"))
}

/// Input devices: PS/2 ones are built into the machine; USB and virtio ones are devices.
pub fn inputs(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for (i, input) in def.devices.inputs.iter().enumerate() {
        let bus = input.bus.as_deref().unwrap_or("ps2");
        let id = format!("input{i}");
        let dev = match (input.input_type.as_str(), bus) {
            ("mouse" | "keyboard", "ps2") => None,
            (kind @ ("tablet" | "mouse" | "keyboard"), "usb") => {
                if !has_usb(def) {
                    return Err(unsupported(format!("a USB {kind} needs a USB controller")));
                }
                let driver = match kind {
                    "tablet" => "usb-tablet",
                    "mouse" => "usb-mouse",
                    _ => "usb-kbd",
                };
                Some(
                    Json::new()
                        .str("driver", driver)
                        .str("id", &id)
                        .merge(address::usb(input.address.as_ref(), "an input device")?),
                )
            }
            (kind @ ("tablet" | "mouse" | "keyboard"), "virtio") => {
                let driver = match kind {
                    "tablet" => "virtio-tablet-pci",
                    "mouse" => "virtio-mouse-pci",
                    _ => "virtio-keyboard-pci",
                };
                Some(
                    Json::new()
                        .str("driver", driver)
                        .str("id", &id)
                        .merge(address::pci(
                            input.address.as_ref(),
                            b.family,
                            "an input device",
                        )?),
                )
            }
            (kind, bus) => {
                return Err(unsupported(format!(
                    "input device '{kind}' on bus '{bus}' is not supported by this driver"
                )))
            }
        };
        if let Some(dev) = dev {
            b.device(dev);
        }
    }
    Ok(())
}

/// VNC graphics (`-vnc`, with a silent audio back end as libvirt gives it); returns whether
/// there are graphics. Automatic ports are left to QEMU (first free display from 5900), and
/// read back over QMP (`query-vnc`) once it runs.
pub fn graphics(b: &mut Builder<'_>) -> Result<bool> {
    let def = b.def;
    let list = &def.devices.graphics;
    let Some(g) = list.first() else {
        return Ok(false);
    };
    if list.len() > 1 {
        return Err(unsupported(
            "only one graphics device is supported by this driver",
        ));
    }
    if g.graphics_type != "vnc" {
        return Err(unsupported(format!(
            "graphics type '{}' is not supported by this driver",
            g.graphics_type
        )));
    }
    if g.passwd.is_some() {
        return Err(unsupported(
            "VNC passwords are not supported by this driver",
        ));
    }
    if g.tls_port.is_some() || !g.children.is_empty() {
        return Err(unsupported("VNC options beyond listen, port, websocket and keymap are not supported by this driver"));
    }
    let mut vnc = match g.listen_type.as_deref() {
        None | Some("address") => {
            let listen = g.listen.as_deref().unwrap_or("127.0.0.1");
            if !listen
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':'))
            {
                return Err(unsupported(format!(
                    "invalid VNC listen address '{listen}'"
                )));
            }
            let host = if listen.contains(':') {
                format!("[{listen}]")
            } else {
                listen.to_owned()
            };
            let auto = g.autoport == Some(true) || g.port.is_none_or(|p| p == -1);
            if auto {
                format!("{host}:0,to=99")
            } else {
                let port = g.port.unwrap_or_default();
                if !(5900..=65535).contains(&port) {
                    return Err(unsupported("vnc port must be in range [5900,65535]"));
                }
                format!("{host}:{}", port - 5900)
            }
        }
        Some("socket") => {
            let path = g
                .listen
                .as_deref()
                .ok_or_else(|| unsupported("VNC socket listen needs a socket path"))?;
            super::paths::check_parent_dir(path, "VNC socket")?;
            format!("unix:{}", super::json::opt_value(path))
        }
        Some("none") => "none".to_owned(),
        Some(other) => {
            return Err(unsupported(format!(
                "VNC listen type '{other}' is not supported by this driver"
            )))
        }
    };
    if let Some(ws) = g.websocket {
        if ws > 0 {
            vnc.push_str(&format!(",websocket={ws}"));
        } else {
            return Err(unsupported(
                "automatic VNC websocket ports are not supported by this driver",
            ));
        }
    }
    let audio_id = audio_backend(def)?;
    b.opt(
        "-audiodev",
        Json::new()
            .str("id", &format!("audio{audio_id}"))
            .str("driver", "none")
            .finish(),
    );
    vnc.push_str(&format!(",audiodev=audio{audio_id}"));
    b.opt("-vnc", vnc);
    if let Some(keymap) = g.keymap.as_deref() {
        if !keymap
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(unsupported(format!("invalid keymap '{keymap}'")));
        }
        b.opt("-k", keymap);
    }
    Ok(true)
}

/// The id of the silent audio back end: `<audio type='none'>` when given, else 1.
fn audio_backend(def: &DomainDef) -> Result<u32> {
    match def.devices.audios.as_slice() {
        [] => Ok(1),
        [a] if a.audio_type == "none" => Ok(a.id.max(1)),
        [a] => Err(unsupported(format!(
            "audio type '{}' is not supported by this driver",
            a.audio_type
        ))),
        _ => Err(unsupported(
            "only one audio backend is supported by this driver",
        )),
    }
}

/// Video devices; with graphics and no `<video>`, a VGA card as libvirt adds one.
pub fn videos(b: &mut Builder<'_>, has_graphics: bool) -> Result<()> {
    let def = b.def;
    if def.devices.videos.is_empty() && has_graphics {
        b.device(
            Json::new()
                .str("driver", "VGA")
                .str("id", "video0")
                .num("vgamem_mb", 16),
        );
        return Ok(());
    }
    for (i, v) in def.devices.videos.iter().enumerate() {
        let primary = i == 0;
        if v.accel3d == Some(true) {
            return Err(unsupported(if v.model == "virtio" {
                "3d acceleration is not supported by this QEMU binary"
            } else {
                "3d acceleration is supported only with 'virtio' video device"
            }));
        }
        if matches!(v.model.as_str(), "vga" | "cirrus") && v.vram.is_some_and(|k| k < 1024) {
            return Err(unsupported(
                "value for 'vram' must be at least 1 MiB (1024 KiB)",
            ));
        }
        let vgamem_mb = v.vram.map_or(16, |k| (k / 1024).max(1));
        let base = Json::new();
        let dev = match v.model.as_str() {
            "none" => continue,
            "vga" | "default" | "cirrus" | "bochs" if !primary => {
                return Err(unsupported(format!(
                    "video type '{}' is only valid as primary video device",
                    v.model
                )))
            }
            "vga" | "default" => base
                .str("driver", "VGA")
                .str("id", &format!("video{i}"))
                .num("vgamem_mb", vgamem_mb),
            "cirrus" => base
                .str("driver", "cirrus-vga")
                .str("id", &format!("video{i}"))
                .num("vgamem_mb", vgamem_mb),
            "bochs" => base
                .str("driver", "bochs-display")
                .str("id", &format!("video{i}"))
                .num("vgamem", v.vram.unwrap_or(16384) * 1024),
            "virtio" => base
                .str(
                    "driver",
                    if primary {
                        "virtio-vga"
                    } else {
                        "virtio-gpu-pci"
                    },
                )
                .str("id", &format!("video{i}"))
                .opt_num("max_outputs", v.heads.filter(|h| *h > 1).map(u64::from)),
            other => {
                return Err(unsupported(format!(
                    "video model '{other}' is not supported by this driver"
                )))
            }
        };
        if v.heads.is_some_and(|h| h != 1) && v.model != "virtio" {
            return Err(unsupported(format!(
                "video type '{}' doesn't support multiple 'heads'",
                v.model
            )));
        }
        b.device(dev.merge(address::pci(
            v.address.as_ref(),
            b.family,
            "a video device",
        )?));
    }
    Ok(())
}

/// The QEMU watchdog action for `-action watchdog=...`, from the first watchdog.
pub fn watchdog_action(def: &DomainDef) -> Result<Option<&'static str>> {
    let Some(w) = def.devices.watchdogs.first() else {
        return Ok(None);
    };
    Ok(Some(match w.action.as_deref().unwrap_or("reset") {
        "reset" => "reset",
        "shutdown" => "shutdown",
        "poweroff" => "poweroff",
        "pause" => "pause",
        "none" => "none",
        "inject-nmi" => "inject-nmi",
        other => {
            return Err(unsupported(format!(
                "watchdog action '{other}' is not supported by this driver"
            )))
        }
    }))
}

/// The watchdog device.
pub fn watchdogs(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    let list = &def.devices.watchdogs;
    let Some(w) = list.first() else {
        return Ok(());
    };
    if list.len() > 1 {
        return Err(unsupported("only one watchdog is supported by this driver"));
    }
    let dev = match w.model.as_str() {
        "i6300esb" => Json::new()
            .str("driver", "i6300esb")
            .str("id", "watchdog0")
            .merge(address::pci(w.address.as_ref(), b.family, "a watchdog")?),
        "ib700" => Json::new().str("driver", "ib700").str("id", "watchdog0"),
        "itco" if b.family == MachineFamily::Q35 => {
            // Built into the ICH9 LPC bridge; only its reboot strap needs setting.
            b.opt("-global", "ICH9-LPC.noreboot=off");
            return Ok(());
        }
        other => {
            return Err(unsupported(format!(
                "watchdog model '{other}' is not supported by this driver"
            )))
        }
    };
    b.device(dev);
    Ok(())
}

/// The panic notifier (pvpanic), which makes QEMU report GUEST_PANICKED for `on_crash`.
pub fn panics(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for p in &def.devices.panics {
        let dev = match p.model.as_deref() {
            None | Some("isa") => {
                let ioport = match &p.address {
                    Some(a) if address::kind(a) == "isa" => {
                        u64::from(address::number(a, "iobase")?).max(1)
                    }
                    Some(_) => {
                        return Err(unsupported("panic is supported only with ISA address type"))
                    }
                    None => 0x505,
                };
                Json::new().str("driver", "pvpanic").num("ioport", ioport)
            }
            Some("pvpanic") => {
                if p.address
                    .as_ref()
                    .is_some_and(|a| address::kind(a) != "pci")
                {
                    return Err(unsupported(
                        "pvpanic is supported only with PCI address type",
                    ));
                }
                Json::new().str("driver", "pvpanic-pci").merge(address::pci(
                    p.address.as_ref(),
                    b.family,
                    "a panic device",
                )?)
            }
            Some(other) => {
                return Err(unsupported(format!(
                    "panic model '{other}' is not supported by this driver"
                )))
            }
        };
        b.device(dev);
    }
    Ok(())
}

/// The virtio memory balloon.
pub fn memballoon(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    let Some(m) = def.devices.memballoon.as_ref() else {
        return Ok(());
    };
    let driver = match m.model.as_str() {
        "none" => return Ok(()),
        "virtio" => "virtio-balloon-pci",
        "virtio-transitional" => "virtio-balloon-pci-transitional",
        "virtio-non-transitional" => "virtio-balloon-pci-non-transitional",
        other => {
            return Err(unsupported(format!(
                "memballoon model '{other}' is not supported by this driver"
            )))
        }
    };
    b.device(
        Json::new()
            .str("driver", driver)
            .str("id", "balloon0")
            .opt_bool("deflate-on-oom", m.autodeflate)
            .opt_bool("free-page-reporting", m.free_page_reporting)
            .merge(address::pci(m.address.as_ref(), b.family, "a memballoon")?),
    );
    Ok(())
}

/// Random number generators: virtio-rng over `/dev/urandom`, `/dev/random`, `/dev/hwrng` or
/// QEMU's built-in source.
pub fn rngs(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for (i, r) in def.devices.rngs.iter().enumerate() {
        if r.model != "virtio" {
            return Err(unsupported(format!(
                "RNG model '{}' is not supported by this driver",
                r.model
            )));
        }
        let object_id = format!("objrng{i}");
        let object = match r.backend_model.as_str() {
            "random" => {
                let source = r.backend_source.as_deref().unwrap_or("/dev/urandom");
                if !matches!(source, "/dev/urandom" | "/dev/random" | "/dev/hwrng") {
                    return Err(unsupported(format!(
                        "file '{source}' is not a supported random source"
                    )));
                }
                Json::new()
                    .str("qom-type", "rng-random")
                    .str("id", &object_id)
                    .str("filename", source)
            }
            "builtin" => Json::new()
                .str("qom-type", "rng-builtin")
                .str("id", &object_id),
            other => {
                return Err(unsupported(format!(
                    "RNG backend '{other}' is not supported by this driver"
                )))
            }
        };
        b.opt("-object", object.finish());
        let mut dev = Json::new()
            .str("driver", "virtio-rng-pci")
            .str("rng", &object_id)
            .str("id", &format!("rng{i}"));
        if let Some((bytes, period)) = r.rate {
            dev = dev
                .num("max-bytes", u64::from(bytes))
                .num("period", u64::from(period.unwrap_or(1000)));
        }
        b.device(dev.merge(address::pci(r.address.as_ref(), b.family, "an RNG")?));
    }
    Ok(())
}

/// Device kinds no builder handles.
pub fn refuse_others(def: &DomainDef) -> Result<()> {
    if !def.devices.sounds.is_empty() {
        return Err(unsupported(
            "sound devices are not supported by this driver",
        ));
    }
    if !def.devices.redirdevs.is_empty() {
        return Err(unsupported(
            "USB redirection is not supported by this driver",
        ));
    }
    Ok(())
}
