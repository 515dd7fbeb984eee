//! The `usb_device` and `usb` (interface) capabilities: `virNodeDevCapUSBDevParseXML`,
//! `virNodeDevCapUSBInterfaceParseXML` and their formatters.

use super::numbers::{required_hex_id, required_u32, text_of};
use crate::{
    error::Result,
    model::{HexId, UsbDeviceCap, UsbInterfaceCap},
    xml::{tree::Element, writer::XmlOut},
};

/// Reads a `usb_device` capability of device `dev`.
pub(super) fn parse_device(el: &Element, dev: &str) -> Result<UsbDeviceCap> {
    let bus = required_u32(el, "bus", "USB bus number", dev)?;
    let device = required_u32(el, "device", "USB device number", dev)?;
    let vendor = required_hex_id(el, "vendor", "USB vendor ID", dev)?;
    let product = required_hex_id(el, "product", "USB product ID", dev)?;
    Ok(UsbDeviceCap {
        bus,
        device,
        product: HexId {
            id: product,
            name: text_of(el, "product"),
        },
        vendor: HexId {
            id: vendor,
            name: text_of(el, "vendor"),
        },
    })
}

/// `<product id='0x%04x'>name</product>`, or libvirt's `<product id='0x%04x' />` (with the
/// space) without a name.
fn format_id(o: &mut XmlOut, element: &str, id: &HexId) {
    let attrs = [("id", Some(format!("0x{:04x}", id.id)))];
    match &id.name {
        Some(name) => o.text(element, &attrs, name),
        None => {
            let pad = "  ".repeat(o.indent());
            o.append(&format!("{pad}<{element} id='0x{:04x}' />\n", id.id));
        }
    }
}

/// Writes the body of a `usb_device` capability.
pub(super) fn format_device(o: &mut XmlOut, usb: &UsbDeviceCap) {
    o.text("bus", &[], &usb.bus.to_string());
    o.text("device", &[], &usb.device.to_string());
    format_id(o, "product", &usb.product);
    format_id(o, "vendor", &usb.vendor);
}

/// Reads a `usb` (interface) capability of device `dev`.
pub(super) fn parse_interface(el: &Element, dev: &str) -> Result<UsbInterfaceCap> {
    Ok(UsbInterfaceCap {
        number: required_u32(el, "number", "USB interface number", dev)?,
        class: required_u32(el, "class", "USB interface class", dev)?,
        subclass: required_u32(el, "subclass", "USB interface subclass", dev)?,
        protocol: required_u32(el, "protocol", "USB interface protocol", dev)?,
        description: text_of(el, "description"),
    })
}

/// Writes the body of a `usb` (interface) capability.
pub(super) fn format_interface(o: &mut XmlOut, usb: &UsbInterfaceCap) {
    o.text("number", &[], &usb.number.to_string());
    o.text("class", &[], &usb.class.to_string());
    o.text("subclass", &[], &usb.subclass.to_string());
    o.text("protocol", &[], &usb.protocol.to_string());
    o.opt_text("description", usb.description.as_deref());
}
