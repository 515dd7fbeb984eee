//! Character devices: serial ports, consoles and channels, each a `-chardev` back end (pty,
//! file, unix socket, null) and a `-device` front end.

use virtbus_core::{model::CharDeviceDef, Result};

use super::{address, json::opt_value, paths, unsupported, Builder};

/// `-chardev TYPE,id=ID,...` for the back end of `dev`.
pub fn backend(dev: &CharDeviceDef, id: &str, what: &str) -> Result<String> {
    if dev.log.is_some() {
        return Err(unsupported(format!(
            "<log> of a {what} is not supported by this driver"
        )));
    }
    let path = || {
        dev.source_path.as_deref().ok_or_else(|| {
            unsupported(format!(
                "{what} of type '{}' has no source path",
                dev.char_type
            ))
        })
    };
    Ok(match dev.char_type.as_str() {
        "pty" => format!("pty,id={id}"),
        "null" => format!("null,id={id}"),
        "file" => {
            let p = path()?;
            paths::check_parent_dir(p, &format!("{what} file"))?;
            format!("file,id={id},path={}", opt_value(p))
        }
        "unix" => {
            let p = path()?;
            paths::check_parent_dir(p, &format!("{what} socket"))?;
            if p.len() > crate::store::MAX_SOCKET_PATH {
                return Err(unsupported(format!(
                    "{what} socket path '{p}' is longer than {} bytes",
                    crate::store::MAX_SOCKET_PATH
                )));
            }
            let server = match dev.source_mode.as_deref() {
                Some("bind") => "on",
                None | Some("connect") => "off",
                Some(other) => return Err(unsupported(format!("invalid source mode '{other}'"))),
            };
            let wait = if server == "on" { ",wait=off" } else { "" };
            format!("socket,id={id},path={},server={server}{wait}", opt_value(p))
        }
        other => {
            return Err(unsupported(format!(
                "{what} of type '{other}' is not supported by this driver"
            )))
        }
    })
}

/// Serial ports (`isa-serial`), the serial console that mirrors the first of them, and
/// virtio consoles.
pub fn serials_and_consoles(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for serial in &def.devices.serials {
        if !matches!(serial.target_type.as_deref(), None | Some("isa-serial"))
            || !matches!(serial.target_model.as_deref(), None | Some("isa-serial"))
        {
            return Err(unsupported(format!(
                "serial target type '{}' is not supported by this driver",
                serial
                    .target_model
                    .as_deref()
                    .or(serial.target_type.as_deref())
                    .unwrap_or_default()
            )));
        }
        if let Some(addr) = &serial.address {
            if address::kind(addr) != "isa" {
                return Err(unsupported("serial ports take only ISA addresses"));
            }
        }
        let port = serial.target_port.unwrap_or(0);
        if port > 3 {
            return Err(unsupported(format!(
                "serial port {port} is out of range: an ISA machine has ports 0-3"
            )));
        }
        let chardev = format!("charserial{port}");
        b.opt("-chardev", backend(serial, &chardev, "serial")?);
        b.device(
            super::json::Json::new()
                .str("driver", "isa-serial")
                .str("chardev", &chardev)
                .str("id", &format!("serial{port}"))
                .num("index", u64::from(port)),
        );
    }
    for (i, console) in def.devices.consoles.iter().enumerate() {
        match console.target_type.as_deref() {
            // The first serial console is a view of serial port 0 (made so by post-parse).
            Some("serial") if i == 0 && !def.devices.serials.is_empty() => {}
            Some("virtio") => {
                let chardev = format!("charconsole{i}");
                b.opt("-chardev", backend(console, &chardev, "console")?);
                b.device(
                    super::json::Json::new()
                        .str("driver", "virtconsole")
                        .str("bus", "virtio-serial0.0")
                        .str("chardev", &chardev)
                        .str("id", &format!("console{i}")),
                );
            }
            other => {
                return Err(unsupported(format!(
                    "unsupported console target type {}",
                    other.unwrap_or("none")
                )))
            }
        }
    }
    Ok(())
}

/// `<channel>` devices with a virtio target: virtio-serial ports.
pub fn channels(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for (i, channel) in def.devices.channels.iter().enumerate() {
        if channel.target_type.as_deref() != Some("virtio") {
            return Err(unsupported(format!(
                "channel target type '{}' is not supported by this driver",
                channel.target_type.as_deref().unwrap_or("none")
            )));
        }
        let chardev = format!("charchannel{i}");
        b.opt("-chardev", backend(channel, &chardev, "channel")?);
        let (bus, nr) = match &channel.address {
            Some(addr) if address::kind(addr) == "virtio-serial" => (
                format!(
                    "virtio-serial{}.{}",
                    address::number(addr, "controller")?,
                    address::number(addr, "bus")?
                ),
                Some(u64::from(address::number(addr, "port")?)),
            ),
            Some(_) => return Err(unsupported("channels take only virtio-serial addresses")),
            None => ("virtio-serial0.0".to_owned(), None),
        };
        let mut dev = super::json::Json::new()
            .str("driver", "virtserialport")
            .str("bus", &bus)
            .opt_num("nr", nr.filter(|n| *n > 0))
            .str("chardev", &chardev)
            .str("id", &format!("channel{i}"));
        if let Some(name) = channel.target_name.as_deref() {
            dev = dev.str("name", name);
        }
        b.device(dev);
    }
    Ok(())
}
