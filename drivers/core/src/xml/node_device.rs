//! `<device>` parsing and formatting with libvirt's rules and error texts
//! (`src/conf/node_device_conf.c`: `virNodeDeviceDefParseXML`, `virNodeDeviceDefFormat`), for
//! the capabilities the test driver knows: `system` and `scsi_host`.

use super::{
    tree::{self, Element},
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{FcHost, NodeDevCap, NodeDeviceDef, SystemFirmware, SystemHardware},
};

/// How a document is read (`virNodeDeviceDefParseString`'s `create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeDeviceParse {
    /// EXISTING_DEVICE: the name and the SCSI host number are required.
    Existing,
    /// CREATE_DEVICE: the name is "new device", the host number is not read.
    Create,
}

fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// Parses a `<device>` document.
pub fn parse_node_device(xml: &str, how: NodeDeviceParse) -> Result<NodeDeviceDef> {
    let root = tree::parse_document(xml, "(node_device_definition)", "device")?;
    let name = match how {
        NodeDeviceParse::Create => "new device".to_owned(),
        NodeDeviceParse::Existing => text_of(&root, "name").ok_or(Error::NoName)?,
    };
    let parent = text_of(&root, "parent");
    let mut caps = Vec::new();
    for el in root.children_named("capability") {
        caps.push(parse_cap(el, &name, how)?);
    }
    if caps.is_empty() {
        return Err(Error::Internal(format!(
            "no device capabilities for '{name}'"
        )));
    }
    Ok(NodeDeviceDef { name, parent, caps })
}

fn parse_cap(el: &Element, name: &str, how: NodeDeviceParse) -> Result<NodeDevCap> {
    let Some(kind) = el.attr("type") else {
        return Err(Error::Xml("missing capability type".to_owned()));
    };
    match kind {
        "system" => {
            let hw = el.child("hardware");
            let fw = el.child("firmware");
            let get = |e: Option<&Element>, n: &str| e.and_then(|e| text_of(e, n));
            Ok(NodeDevCap::System {
                product: text_of(el, "product"),
                hardware: SystemHardware {
                    vendor: get(hw, "vendor"),
                    version: get(hw, "version"),
                    serial: get(hw, "serial"),
                    uuid: match get(hw, "uuid") {
                        None => None,
                        Some(u) => Some(
                            crate::uuid_str::parse(u.trim())
                                .map_err(|_| {
                                    Error::Internal(format!("malformed uuid element for '{name}'"))
                                })?
                                .to_string(),
                        ),
                    },
                },
                firmware: SystemFirmware {
                    vendor: get(fw, "vendor"),
                    version: get(fw, "version"),
                    release_date: get(fw, "release_date"),
                },
            })
        }
        "scsi_host" => parse_scsi_host(el, name, how),
        other => Err(Error::Internal(format!(
            "unknown capability type '{other}'"
        ))),
    }
}

fn parse_scsi_host(el: &Element, name: &str, how: NodeDeviceParse) -> Result<NodeDevCap> {
    let host = match (how, el.child_text("host")) {
        (NodeDeviceParse::Create, _) => 0,
        (NodeDeviceParse::Existing, None) => {
            return Err(Error::Internal(format!(
                "no SCSI host ID supplied for '{name}'"
            )))
        }
        (NodeDeviceParse::Existing, Some(t)) => t
            .trim()
            .parse()
            .map_err(|_| Error::Internal(format!("invalid SCSI host ID supplied for '{name}'")))?,
    };
    let unique_id =
        match el.child_text("unique_id") {
            None => None,
            Some(t) => Some(t.trim().parse().map_err(|_| {
                Error::Internal(format!("invalid unique_id supplied for '{name}'"))
            })?),
        };
    let mut fc_host = None;
    let mut vport_ops = None;
    for sub in el.children_named("capability") {
        match sub.attr("type") {
            Some("fc_host") => {
                let wwn = |n: &str, what: &str| {
                    text_of(sub, n).ok_or_else(|| {
                        Error::Internal(format!(
                            "no {what} supplied for '{name}', and auto-generation failed"
                        ))
                    })
                };
                fc_host = Some(FcHost {
                    wwnn: wwn("wwnn", "WWNN")?,
                    wwpn: wwn("wwpn", "WWPN")?,
                    fabric_wwn: text_of(sub, "fabric_wwn"),
                });
            }
            // libvirt 9.0 does not read the counts back: they print as 0.
            Some("vport_ops") => vport_ops = Some((0, 0)),
            Some(other) => {
                return Err(Error::Internal(format!(
                    "unknown SCSI host capability type '{other}' for '{name}'"
                )))
            }
            None => {
                return Err(Error::Xml(format!(
                    "missing SCSI host capability type for '{name}'"
                )))
            }
        }
    }
    Ok(NodeDevCap::ScsiHost {
        host,
        unique_id,
        fc_host,
        vport_ops,
    })
}

/// Formats a device as `virNodeDeviceDefFormat` does.
pub fn format_node_device(def: &NodeDeviceDef) -> String {
    let mut o = XmlOut::default();
    o.open("device", &[]);
    o.text("name", &[], &def.name);
    o.opt_text("parent", def.parent.as_deref());
    for cap in &def.caps {
        o.open("capability", &[("type", some(cap.type_name()))]);
        match cap {
            NodeDevCap::System {
                product,
                hardware,
                firmware,
            } => {
                o.opt_text("product", product.as_deref());
                o.open("hardware", &[]);
                o.opt_text("vendor", hardware.vendor.as_deref());
                o.opt_text("version", hardware.version.as_deref());
                o.opt_text("serial", hardware.serial.as_deref());
                o.text(
                    "uuid",
                    &[],
                    hardware
                        .uuid
                        .as_deref()
                        .unwrap_or("00000000-0000-0000-0000-000000000000"),
                );
                o.close("hardware");
                o.open("firmware", &[]);
                o.opt_text("vendor", firmware.vendor.as_deref());
                o.opt_text("version", firmware.version.as_deref());
                o.opt_text("release_date", firmware.release_date.as_deref());
                o.close("firmware");
            }
            NodeDevCap::ScsiHost {
                host,
                unique_id,
                fc_host,
                vport_ops,
            } => {
                o.text("host", &[], &host.to_string());
                if let Some(id) = unique_id {
                    o.text("unique_id", &[], &id.to_string());
                }
                if let Some(fc) = fc_host {
                    o.open("capability", &[("type", some("fc_host"))]);
                    o.text("wwnn", &[], &fc.wwnn);
                    o.text("wwpn", &[], &fc.wwpn);
                    o.opt_text("fabric_wwn", fc.fabric_wwn.as_deref());
                    o.close("capability");
                }
                if let Some((max, now)) = vport_ops {
                    o.open("capability", &[("type", some("vport_ops"))]);
                    o.text("max_vports", &[], &max.to_string());
                    o.text("vports", &[], &now.to_string());
                    o.close("capability");
                }
            }
        }
        o.close("capability");
    }
    o.close("device");
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCSI_HOST1: &str = "<device>
  <name>scsi_host1</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>1</host>
    <unique_id>0</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>0</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
";

    #[test]
    fn an_fc_hba_round_trips() {
        let def = parse_node_device(SCSI_HOST1, NodeDeviceParse::Existing).unwrap();
        assert_eq!(def.parent.as_deref(), Some("computer"));
        assert_eq!(def.fc_host().unwrap().wwpn, "1000000012341234");
        assert!(def.has_vport_ops());
        assert_eq!(format_node_device(&def), SCSI_HOST1);
    }

    #[test]
    fn a_system_device_round_trips() {
        let xml = "<device>
  <name>computer</name>
  <capability type='system'>
    <hardware>
      <vendor>Libvirt</vendor>
      <version>Test driver</version>
      <serial>123456</serial>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
      <vendor>Libvirt</vendor>
      <version>Test Driver</version>
      <release_date>01/22/2007</release_date>
    </firmware>
  </capability>
</device>
";
        let def = parse_node_device(xml, NodeDeviceParse::Existing).unwrap();
        assert_eq!(def.parent, None);
        assert_eq!(format_node_device(&def), xml);
    }

    #[test]
    fn libvirts_refusals() {
        let err = |xml: &str, how| parse_node_device(xml, how).unwrap_err().to_string();
        assert_eq!(
            err("<device/>", NodeDeviceParse::Existing),
            "missing name information"
        );
        assert_eq!(
            err("<device><name>x</name></device>", NodeDeviceParse::Existing),
            "internal error: no device capabilities for 'x'"
        );
        assert_eq!(
            err(
                "<device><name>x</name><capability type='gpu'/></device>",
                NodeDeviceParse::Existing
            ),
            "internal error: unknown capability type 'gpu'"
        );
        assert_eq!(
            err(
                "<device><name>x</name><capability type='scsi_host'/></device>",
                NodeDeviceParse::Existing
            ),
            "internal error: no SCSI host ID supplied for 'x'"
        );
        assert_eq!(
            err("<nodedev/>", NodeDeviceParse::Create),
            "XML error: expecting root element of 'device', not 'nodedev'"
        );
        let def = parse_node_device(
            "<device><parent>scsi_host1</parent><capability type='scsi_host'>\
             <capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn>\
             <wwpn>2101001b32a9da4e</wwpn></capability></capability></device>",
            NodeDeviceParse::Create,
        )
        .unwrap();
        assert_eq!(def.name, "new device");
        assert_eq!(def.fc_host().unwrap().wwnn, "2001001b32a9da4e");
    }
}
