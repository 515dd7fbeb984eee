//! The `pci` capability: `virNodeDevCapPCIDevParseXML` and `virNodeDeviceCapPCIDefFormat`.

use super::numbers::{c_i32, c_u32, invalid, optional_i32, required_hex_id, required_u32, text_of};
use crate::{
    error::{Error, Result},
    model::{
        HexId, IommuGroup, PciDevCap, PciExpress, PciFunctionAddress, PciHeaderType, PcieLink,
        PcieLinkSpeed, VirtFunctions,
    },
    xml::{
        conv::{invalid_attr, invalid_uint_attr, missing_attr, on_off_attr},
        tree::Element,
        writer::{some, XmlOut},
    },
};

/// The PCI sub-capabilities virtbus does not model; a document with one is refused.
const UNMODELLED: [&str; 2] = ["mdev_types", "vpd"];

/// Reads a `pci` capability of device `dev`.
pub(super) fn parse(el: &Element, dev: &str) -> Result<PciDevCap> {
    let class = match text_of(el, "class") {
        None => None,
        Some(t) => match c_i32(&t, 16) {
            Some(c) if c > 0xff_ffff => return Err(invalid("PCI class", dev)),
            // libvirt keeps a negative class as "no class".
            Some(c) => u32::try_from(c).ok(),
            None => return Err(invalid("PCI class", dev)),
        },
    };
    let mut pci = PciDevCap {
        class,
        domain: required_u32(el, "domain", "PCI domain ID", dev)?,
        bus: required_u32(el, "bus", "PCI bus ID", dev)?,
        slot: required_u32(el, "slot", "PCI slot ID", dev)?,
        function: required_u32(el, "function", "PCI function ID", dev)?,
        ..PciDevCap::default()
    };
    let vendor = required_hex_id(el, "vendor", "PCI vendor ID", dev)?;
    let product = required_hex_id(el, "product", "PCI product ID", dev)?;
    pci.vendor = HexId {
        id: vendor,
        name: text_of(el, "vendor"),
    };
    pci.product = HexId {
        id: product,
        name: text_of(el, "product"),
    };
    for sub in el.children_named("capability") {
        parse_sub_capability(sub, &mut pci)?;
    }
    if let Some(group) = el.child("iommuGroup") {
        let number = match group.attr("number") {
            None => return Err(missing_attr(group, "number")),
            Some(v) => c_u32(v, 10).ok_or_else(|| invalid_uint_attr(group, "number", v))?,
        };
        let addresses: Vec<_> = group
            .children_named("address")
            .map(parse_address)
            .collect::<Result<_>>()?;
        // libvirt writes no group without addresses: keep none, so the model round-trips.
        if !addresses.is_empty() {
            pci.iommu_group = Some(IommuGroup { number, addresses });
        }
    }
    let numa = el
        .child("numa")
        .and_then(|n| n.attr_string("node"))
        .filter(|s| !s.is_empty());
    pci.numa_node = optional_i32(numa, "NUMA node ID", dev)?;
    if let Some(pcie) = el.child("pci-express") {
        pci.pci_express = Some(PciExpress {
            link_cap: parse_link(pcie, "cap")?,
            link_sta: parse_link(pcie, "sta")?,
        });
    }
    Ok(pci)
}

/// One `<capability type=...>` inside `pci` (`virNodeDevPCICapabilityParseXML`). A type
/// libvirt does not know is ignored, as libvirt does.
fn parse_sub_capability(sub: &Element, pci: &mut PciDevCap) -> Result<()> {
    let Some(kind) = sub.attr("type") else {
        return Err(Error::Xml("Missing capability type".to_owned()));
    };
    match kind {
        "phys_function" => {
            let Some(addr) = sub.child("address") else {
                return Err(Error::Xml(
                    "Missing address in 'phys_function' capability".to_owned(),
                ));
            };
            pci.phys_function = Some(parse_address(addr)?);
        }
        "virt_functions" => {
            let max_count = match sub.attr("maxCount") {
                None => 0,
                Some(v) => c_u32(v, 10)
                    .ok_or_else(|| Error::Xml("Malformed 'maxCount' parameter".to_owned()))?,
            };
            pci.virt_functions = Some(VirtFunctions {
                max_count,
                addresses: sub
                    .children_named("address")
                    .map(parse_address)
                    .collect::<Result<_>>()?,
            });
        }
        "pci-bridge" if pci.header_type.is_none() => {
            pci.header_type = Some(PciHeaderType::PciBridge);
        }
        "cardbus-bridge" if pci.header_type.is_none() => {
            pci.header_type = Some(PciHeaderType::CardbusBridge);
        }
        other if UNMODELLED.contains(&other) => {
            return Err(Error::ConfigUnsupported(format!(
                "the '{other}' PCI capability is not supported by virtbus"
            )))
        }
        _ => sub.mark_all(),
    }
    Ok(())
}

/// `<address domain= bus= slot= function=/>` (`virPCIDeviceAddressParseXML`): every part
/// optional, numbers in C's notation, and libvirt's range checks.
fn parse_address(el: &Element) -> Result<PciFunctionAddress> {
    let part = |name: &str| -> Result<u32> {
        match el.attr(name) {
            None => Ok(0),
            Some(v) => c_u32(v, 0).ok_or_else(|| invalid_uint_attr(el, name, v)),
        }
    };
    let addr = PciFunctionAddress {
        domain: part("domain")?,
        bus: part("bus")?,
        slot: part("slot")?,
        function: part("function")?,
    };
    on_off_attr(el, "multifunction")?;
    if addr.bus > 0xFF {
        return Err(Error::Xml(format!(
            "Invalid PCI address bus='{:#x}', must be <= 0xFF",
            addr.bus
        )));
    }
    if addr.slot > 0x1F {
        return Err(Error::Xml(format!(
            "Invalid PCI address slot='{:#x}', must be <= 0x1F",
            addr.slot
        )));
    }
    if addr.function > 7 {
        return Err(Error::Xml(format!(
            "Invalid PCI address function={:#x}, must be <= 7",
            addr.function
        )));
    }
    Ok(addr)
}

/// The `<link validity='...'>` of `<pci-express>` (`virPCIEDeviceInfoLinkParseXML`).
fn parse_link(pcie: &Element, validity: &str) -> Result<Option<PcieLink>> {
    let Some(link) = pcie
        .elements()
        .find(|l| l.name == "link" && l.attr("validity") == Some(validity))
    else {
        return Ok(None);
    };
    link.mark();
    let width = match link.attr("width") {
        None => return Err(missing_attr(link, "width")),
        Some(v) => c_u32(v, 0).ok_or_else(|| invalid_uint_attr(link, "width", v))?,
    };
    let speed = match link.attr("speed") {
        None | Some("") => None,
        Some(v) => Some(PcieLinkSpeed::from_word(v).ok_or_else(|| invalid_attr(link, "speed", v))?),
    };
    let port = match link.attr("port") {
        None => None,
        Some(v) => {
            let p = c_i32(v, 10).ok_or_else(|| {
                Error::Xml(format!(
                    "Invalid value for attribute 'port' in element 'link': '{v}'. Expected integer value"
                ))
            })?;
            (p >= 0).then_some(p)
        }
    };
    Ok(Some(PcieLink { port, speed, width }))
}

/// `<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%d'/>`.
fn format_address(o: &mut XmlOut, a: &PciFunctionAddress) {
    o.empty(
        "address",
        &[
            ("domain", Some(format!("0x{:04x}", a.domain))),
            ("bus", Some(format!("0x{:02x}", a.bus))),
            ("slot", Some(format!("0x{:02x}", a.slot))),
            ("function", Some(format!("0x{}", a.function))),
        ],
    );
}

/// `<product id='0x%04x'>name</product>`, or `<product id='0x%04x'/>` without a name.
fn format_id(o: &mut XmlOut, element: &str, id: &HexId) {
    let attrs = [("id", Some(format!("0x{:04x}", id.id)))];
    match &id.name {
        Some(name) => o.text(element, &attrs, name),
        None => o.empty(element, &attrs),
    }
}

fn format_link(o: &mut XmlOut, link: &PcieLink, validity: &str) {
    o.empty(
        "link",
        &[
            ("validity", some(validity)),
            ("port", link.port.map(|p| p.to_string())),
            ("speed", link.speed.map(|s| s.as_str().to_owned())),
            ("width", some(&link.width)),
        ],
    );
}

/// Writes the body of a `pci` capability.
pub(super) fn format(o: &mut XmlOut, pci: &PciDevCap) {
    if let Some(class) = pci.class {
        o.text("class", &[], &format!("0x{class:06x}"));
    }
    o.text("domain", &[], &pci.domain.to_string());
    o.text("bus", &[], &pci.bus.to_string());
    o.text("slot", &[], &pci.slot.to_string());
    o.text("function", &[], &pci.function.to_string());
    format_id(o, "product", &pci.product);
    format_id(o, "vendor", &pci.vendor);
    if let Some(pf) = &pci.phys_function {
        o.open("capability", &[("type", some("phys_function"))]);
        format_address(o, pf);
        o.close("capability");
    }
    if let Some(vfs) = &pci.virt_functions {
        let attrs = [
            ("type", some("virt_functions")),
            (
                "maxCount",
                (vfs.max_count != 0).then(|| vfs.max_count.to_string()),
            ),
        ];
        if vfs.addresses.is_empty() {
            o.empty("capability", &attrs);
        } else {
            o.open("capability", &attrs);
            for a in &vfs.addresses {
                format_address(o, a);
            }
            o.close("capability");
        }
    }
    if let Some(h) = pci.header_type {
        o.empty("capability", &[("type", some(h.as_str()))]);
    }
    if let Some(group) = pci.iommu_group.as_ref().filter(|g| !g.addresses.is_empty()) {
        o.open("iommuGroup", &[("number", some(&group.number))]);
        for a in &group.addresses {
            format_address(o, a);
        }
        o.close("iommuGroup");
    }
    if let Some(node) = pci.numa_node {
        o.empty("numa", &[("node", some(&node))]);
    }
    if let Some(pcie) = &pci.pci_express {
        if pcie.link_cap.is_none() && pcie.link_sta.is_none() {
            o.empty("pci-express", &[]);
        } else {
            o.open("pci-express", &[]);
            if let Some(l) = &pcie.link_cap {
                format_link(o, l, "cap");
            }
            if let Some(l) = &pcie.link_sta {
                format_link(o, l, "sta");
            }
            o.close("pci-express");
        }
    }
}
