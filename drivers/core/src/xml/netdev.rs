//! The network-device pieces a network and its port groups share with libvirt's other
//! documents: `<vlan>` (`src/conf/netdev_vlan_conf.c`) and `<virtualport>`
//! (`src/conf/netdev_vport_profile_conf.c`), parsed and formatted with libvirt's rules and
//! error texts.

use super::{
    conv::c_strtoul,
    tree::Element,
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{VirtualPortDef, VlanDef},
};

/// The largest VLAN tag.
const MAX_VLAN_TAG: u64 = 4095;

/// The virtual port types (`virNetDevVPortProfile`, without `none`).
const VIRTUALPORT_TYPES: &[&str] = &["802.1Qbg", "802.1Qbh", "openvswitch", "midonet"];

/// `LIBVIRT_IFLA_VF_PORT_PROFILE_MAX`: a profile id is shorter than this.
const PROFILE_ID_MAX: usize = 40;

/// `virStrToLong_ui` with base 0: an unsigned int, a negative one wrapped to 32 bits.
fn c_uint(s: &str) -> Option<u32> {
    let v = c_strtoul(s, 0)?;
    let v = if v >> 32 == 0xffff_ffff {
        v & 0xffff_ffff
    } else {
        v
    };
    u32::try_from(v).ok()
}

/// `virNetDevVlanParse`.
pub(crate) fn parse_vlan(el: &Element) -> Result<VlanDef> {
    let xml = |m: String| Error::Xml(m);
    let tags: Vec<&Element> = el.children_named("tag").collect();
    if tags.is_empty() {
        return Err(xml(
            "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"
                .to_owned(),
        ));
    }
    let mut vlan = VlanDef::default();
    for tag in &tags {
        let Some(id) = tag.attr("id").and_then(|v| c_strtoul(v, 10)) else {
            return Err(xml("missing or invalid vlan tag id attribute".to_owned()));
        };
        if id > MAX_VLAN_TAG {
            return Err(xml(format!("vlan tag id {id} too large (maximum 4095)")));
        }
        let id = u32::try_from(id).unwrap_or_default();
        if let Some(mode) = tag.attr("nativeMode") {
            if vlan.native.is_some() {
                return Err(xml("duplicate native vlan setting".to_owned()));
            }
            if mode != "tagged" && mode != "untagged" {
                return Err(Error::ConfigUnsupported(format!(
                    "Invalid \"nativeMode='{mode}'\" in vlan <tag> element"
                )));
            }
            vlan.native = Some((id, mode.to_owned()));
        }
        vlan.tags.push(id);
    }
    vlan.trunk = vlan.tags.len() > 1;
    if let Some(trunk) = el.attr("trunk") {
        vlan.trunk = trunk.eq_ignore_ascii_case("yes");
        if !vlan.trunk {
            if vlan.tags.len() > 1 {
                return Err(xml(format!(
                    "invalid \"trunk='{trunk}'\" in <vlan> - trunk='yes' is required for more than one vlan tag"
                )));
            }
            if vlan.native.is_some() {
                return Err(xml(
                    "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id"
                        .to_owned(),
                ));
            }
            if !trunk.eq_ignore_ascii_case("no") {
                return Err(xml(format!(
                    "invalid \"trunk='{trunk}'\" in <vlan> - must be yes or no"
                )));
            }
        }
    }
    Ok(vlan)
}

/// `virNetDevVlanFormat`.
pub(crate) fn format_vlan(o: &mut XmlOut, vlan: Option<&VlanDef>) {
    let Some(vlan) = vlan.filter(|v| !v.tags.is_empty()) else {
        return;
    };
    o.open("vlan", &[("trunk", vlan.trunk.then(|| "yes".to_owned()))]);
    for id in &vlan.tags {
        let mode = vlan
            .native
            .as_ref()
            .filter(|(native, _)| native == id)
            .map(|(_, mode)| mode.clone());
        o.empty("tag", &[("id", some(id)), ("nativeMode", mode)]);
    }
    o.close("vlan");
}

/// `virNetDevVPortProfileParse`; `require_type` is `VIR_VPORT_XML_REQUIRE_TYPE` (a network's
/// own `<virtualport>`, not a port group's).
pub(crate) fn parse_virtualport(el: &Element, require_type: bool) -> Result<VirtualPortDef> {
    let xml = |m: &str| Error::Xml(m.to_owned());
    let mut vp = VirtualPortDef::default();
    if let Some(t) = el.attr("type") {
        if !VIRTUALPORT_TYPES.contains(&t) {
            return Err(Error::ConfigUnsupported(format!(
                "unknown virtualport type {t}"
            )));
        }
        vp.port_type = Some(t.to_owned());
    }
    if vp.port_type.is_none() && require_type {
        return Err(xml("missing required virtualport type"));
    }
    // libvirt reads the first <parameters> only.
    let params = el.child("parameters");
    let param = |name: &str| params.and_then(|p| p.attr(name));
    if let Some(v) = param("managerid") {
        let n = c_uint(v).ok_or_else(|| xml("cannot parse value of managerid parameter"))?;
        vp.manager_id = Some(u8::try_from(n).map_err(|_| xml("value of managerid out of range"))?);
    }
    if let Some(v) = param("typeid") {
        let n = c_uint(v).ok_or_else(|| xml("cannot parse value of typeid parameter"))?;
        if n > 0x00ff_ffff {
            return Err(xml("value for typeid out of range"));
        }
        vp.type_id = Some(n);
    }
    if let Some(v) = param("typeidversion") {
        let n = c_uint(v).ok_or_else(|| xml("cannot parse value of typeidversion parameter"))?;
        vp.type_id_version =
            Some(u8::try_from(n).map_err(|_| xml("value of typeidversion out of range"))?);
    }
    if let Some(v) = param("instanceid") {
        vp.instance_id = Some(
            crate::uuid_str::parse(v)
                .map_err(|_| xml("cannot parse instanceid parameter as a uuid"))?,
        );
    }
    if let Some(v) = param("profileid") {
        if v.len() >= PROFILE_ID_MAX {
            return Err(xml("profileid parameter too long"));
        }
        // An empty profile id is no profile id.
        vp.profile_id = Some(v.to_owned()).filter(|p| !p.is_empty());
    }
    if let Some(v) = param("interfaceid") {
        vp.interface_id = Some(
            crate::uuid_str::parse(v)
                .map_err(|_| xml("cannot parse interfaceid parameter as a uuid"))?,
        );
    }
    check_no_extras(&vp)?;
    Ok(vp)
}

/// `virNetDevVPortProfileCheckNoExtras`: the first parameter the type does not take.
fn check_no_extras(vp: &VirtualPortDef) -> Result<()> {
    let Some(t) = vp.port_type.as_deref() else {
        return Ok(());
    };
    let qbg = [
        ("managerid", vp.manager_id.is_some()),
        ("typeid", vp.type_id.is_some()),
        ("typeidversion", vp.type_id_version.is_some()),
        ("instanceid", vp.instance_id.is_some()),
    ];
    let profile = ("profileid", vp.profile_id.is_some());
    let interface = ("interfaceid", vp.interface_id.is_some());
    let extra = match t {
        "802.1Qbg" => [profile, interface].into_iter().find(|(_, set)| *set),
        "802.1Qbh" => qbg.into_iter().chain([interface]).find(|(_, set)| *set),
        "openvswitch" => qbg.into_iter().find(|(_, set)| *set),
        _ => qbg.into_iter().chain([profile]).find(|(_, set)| *set),
    };
    match extra {
        Some((name, _)) => Err(Error::ConfigUnsupported(format!(
            "attribute {name} not allowed in <virtualport type='{t}'>"
        ))),
        None => Ok(()),
    }
}

/// `virNetDevVPortProfileFormat`: each parameter printed only for the types that take it.
pub(crate) fn format_virtualport(o: &mut XmlOut, vp: Option<&VirtualPortDef>) {
    let Some(vp) = vp else {
        return;
    };
    let no_parameters = vp.manager_id.is_none()
        && vp.type_id.is_none()
        && vp.type_id_version.is_none()
        && vp.instance_id.is_none()
        && vp.profile_id.is_none()
        && vp.interface_id.is_none();
    let t = vp.port_type.as_deref();
    let attrs = [("type", t.map(str::to_owned))];
    if no_parameters {
        if t.is_some() {
            o.empty("virtualport", &attrs);
        }
        return;
    }
    let takes = |types: &[&str]| t.is_none_or(|t| types.contains(&t));
    let qbg = takes(&["802.1Qbg"]);
    let with_interface = takes(&["midonet", "openvswitch"]);
    let with_profile = takes(&["openvswitch", "802.1Qbh"]);
    o.open("virtualport", &attrs);
    o.empty(
        "parameters",
        &[
            (
                "managerid",
                vp.manager_id.filter(|_| qbg).map(|v| v.to_string()),
            ),
            ("typeid", vp.type_id.filter(|_| qbg).map(|v| v.to_string())),
            (
                "typeidversion",
                vp.type_id_version.filter(|_| qbg).map(|v| v.to_string()),
            ),
            (
                "instanceid",
                vp.instance_id.filter(|_| qbg).map(|v| v.to_string()),
            ),
            (
                "interfaceid",
                vp.interface_id
                    .filter(|_| with_interface)
                    .map(|v| v.to_string()),
            ),
            ("profileid", vp.profile_id.clone().filter(|_| with_profile)),
        ],
    );
    o.close("virtualport");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_c_reads_them() {
        assert_eq!(c_strtoul(" 12", 10), Some(12));
        assert_eq!(c_strtoul("0x1f", 0), Some(31));
        assert_eq!(c_strtoul("017", 0), Some(15));
        assert_eq!(c_strtoul("0", 0), Some(0));
        assert_eq!(c_strtoul("12a", 10), None);
        assert_eq!(c_strtoul("", 10), None);
        assert_eq!(c_strtoul("-1", 10), Some(u64::MAX));
        assert_eq!(c_uint("-1"), Some(u32::MAX));
        assert_eq!(c_uint("0x100000000"), None);
    }
}
