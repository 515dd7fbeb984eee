//! The SCSI capabilities: `scsi_host` (with `fc_host` and `vport_ops`), `scsi_target` (with
//! `fc_remote_port`) and `scsi`, as `virNodeDevCapSCSIHostParseXML`,
//! `virNodeDevCapSCSITargetParseXML`, `virNodeDevCapSCSIParseXML` and their formatters do.

use super::{
    numbers::{c_i32, invalid, required_u32, text_of},
    NodeDeviceParse,
};
use crate::{
    error::{Error, Result},
    model::{FcHost, NodeDevCap, ScsiCap, ScsiTargetCap},
    xml::{
        tree::Element,
        writer::{some, XmlOut},
    },
};

/// Reads a `scsi_host` capability of device `dev`. A device being created has no host
/// number or unique id yet: they are not read.
pub(super) fn parse_host(el: &Element, dev: &str, how: NodeDeviceParse) -> Result<NodeDevCap> {
    let (host, unique_id) = match how {
        NodeDeviceParse::Create => (0, None),
        NodeDeviceParse::Existing => (
            required_u32(el, "host", "SCSI host ID", dev)?,
            // -1 is libvirt's "no unique id"; other negative ids are kept and written.
            match text_of(el, "unique_id") {
                None => None,
                Some(t) => Some(c_i32(&t, 10).ok_or_else(|| invalid("unique_id", dev))?)
                    .filter(|id| *id != -1),
            },
        ),
    };
    let mut fc_host = None;
    let mut vport_ops = None;
    for sub in el.children_named("capability") {
        match sub.attr("type") {
            Some("fc_host") => {
                let wwn = |n: &str, what: &str| {
                    text_of(sub, n).ok_or_else(|| {
                        Error::Internal(format!(
                            "no {what} supplied for '{dev}', and auto-generation failed"
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
            Some("vport_ops") => {
                sub.mark_all();
                vport_ops = Some((0, 0));
            }
            Some(other) => {
                return Err(Error::Internal(format!(
                    "unknown SCSI host capability type '{other}' for '{dev}'"
                )))
            }
            None => {
                return Err(Error::Internal(format!(
                    "missing SCSI host capability type for '{dev}'"
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

/// Writes the body of a `scsi_host` capability.
pub(super) fn format_host(
    o: &mut XmlOut,
    host: u32,
    unique_id: Option<i32>,
    fc_host: Option<&FcHost>,
    vport_ops: Option<(u32, u32)>,
) {
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

/// Reads a `scsi_target` capability of device `dev`.
pub(super) fn parse_target(el: &Element, dev: &str) -> Result<ScsiTargetCap> {
    let Some(target) = text_of(el, "target") else {
        return Err(Error::Internal(format!(
            "no target name supplied for '{dev}'"
        )));
    };
    let mut fc_remote_port = None;
    for sub in el.children_named("capability") {
        match sub.attr("type") {
            None => {
                return Err(Error::Internal(format!(
                    "missing type for SCSI target capability for '{dev}'"
                )))
            }
            Some("fc_remote_port") => {
                let rport = text_of(sub, "rport")
                    .ok_or_else(|| Error::Internal(format!("missing rport name for '{dev}'")))?;
                let wwpn = text_of(sub, "wwpn").ok_or_else(|| {
                    Error::Internal(format!("missing wwpn identifier for '{dev}'"))
                })?;
                fc_remote_port = Some((rport, wwpn));
            }
            Some(other) => {
                return Err(Error::Internal(format!(
                    "unknown SCSI target capability type '{other}' for '{dev}'"
                )))
            }
        }
    }
    Ok(ScsiTargetCap {
        target,
        fc_remote_port,
    })
}

/// Writes the body of a `scsi_target` capability.
pub(super) fn format_target(o: &mut XmlOut, t: &ScsiTargetCap) {
    o.text("target", &[], &t.target);
    if let Some((rport, wwpn)) = &t.fc_remote_port {
        o.open("capability", &[("type", some("fc_remote_port"))]);
        o.text("rport", &[], rport);
        o.text("wwpn", &[], wwpn);
        o.close("capability");
    }
}

/// Reads a `scsi` capability of device `dev`.
pub(super) fn parse_lun(el: &Element, dev: &str) -> Result<ScsiCap> {
    Ok(ScsiCap {
        host: required_u32(el, "host", "SCSI host ID", dev)?,
        bus: required_u32(el, "bus", "SCSI bus ID", dev)?,
        target: required_u32(el, "target", "SCSI target ID", dev)?,
        lun: required_u32(el, "lun", "SCSI LUN ID", dev)?,
        kind: text_of(el, "type"),
    })
}

/// Writes the body of a `scsi` capability.
pub(super) fn format_lun(o: &mut XmlOut, s: &ScsiCap) {
    o.text("host", &[], &s.host.to_string());
    o.text("bus", &[], &s.bus.to_string());
    o.text("target", &[], &s.target.to_string());
    o.text("lun", &[], &s.lun.to_string());
    o.opt_text("type", s.kind.as_deref());
}
