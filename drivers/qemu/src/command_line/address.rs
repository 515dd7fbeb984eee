//! Device addresses from the definition as QEMU bus properties. Devices without an address
//! are placed by QEMU itself.

use virtbus_core::{model::AddressDef, Result};

use super::{json::Json, unsupported, MachineFamily};

/// The value of attribute `name`.
pub fn attr<'a>(addr: &'a AddressDef, name: &str) -> Option<&'a str> {
    addr.attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The address type.
pub fn kind(addr: &AddressDef) -> &str {
    attr(addr, "type").unwrap_or("")
}

/// A number written in decimal or `0x` hex, as libvirt accepts it in addresses.
pub fn number(addr: &AddressDef, name: &str) -> Result<u32> {
    let Some(text) = attr(addr, name) else {
        return Ok(0);
    };
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    };
    parsed.ok_or_else(|| unsupported(format!("invalid {name} '{text}' in device address")))
}

/// `"bus"`, `"addr"` (and `"multifunction"`) of a PCI device; `what` names the device in
/// errors.
pub fn pci(addr: Option<&AddressDef>, family: MachineFamily, what: &str) -> Result<Json> {
    let Some(addr) = addr else {
        return Ok(Json::new());
    };
    if kind(addr) != "pci" {
        return Err(unsupported(format!(
            "address type '{}' is not supported for {what}",
            kind(addr)
        )));
    }
    if number(addr, "domain")? != 0 {
        return Err(unsupported(format!(
            "PCI domains other than 0 are not supported ({what})"
        )));
    }
    let bus = number(addr, "bus")?;
    let slot = number(addr, "slot")?;
    let function = number(addr, "function")?;
    if slot > 31 || function > 7 {
        return Err(unsupported(format!(
            "invalid PCI address slot {slot} function {function} for {what}"
        )));
    }
    let bus_name = if bus == 0 {
        family.root_bus().to_owned()
    } else {
        format!("pci.{bus}")
    };
    let addr_text = if function == 0 {
        format!("0x{slot:x}")
    } else {
        format!("0x{slot:x}.0x{function:x}")
    };
    let json = Json::new().str("bus", &bus_name).str("addr", &addr_text);
    Ok(match attr(addr, "multifunction") {
        Some("on") => json.bool("multifunction", true),
        _ => json,
    })
}

/// `"bus"` (and `"port"`) of a USB device.
pub fn usb(addr: Option<&AddressDef>, what: &str) -> Result<Json> {
    let Some(addr) = addr else {
        return Ok(Json::new().str("bus", "usb.0"));
    };
    if kind(addr) != "usb" {
        return Err(unsupported(format!(
            "address type '{}' is not supported for {what}",
            kind(addr)
        )));
    }
    let bus = number(addr, "bus")?;
    if bus != 0 {
        return Err(unsupported(format!("only USB bus 0 is supported ({what})")));
    }
    let json = Json::new().str("bus", "usb.0");
    Ok(match attr(addr, "port") {
        Some(port) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit() || c == '.') => {
            json.str("port", port)
        }
        Some(port) => return Err(unsupported(format!("invalid USB port '{port}'"))),
        None => json,
    })
}
