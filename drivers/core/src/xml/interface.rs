//! `<interface>` (host interface) parsing and formatting with libvirt's rules and error texts
//! (`src/conf/interface_conf.c`: `virInterfaceDefParseXML`, `virInterfaceDefFormat`).

use super::{
    conv::{invalid_attr, invalid_uint_attr},
    tree::{self, Element},
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{
        BondArpmon, BondMiimon, BondMonitor, HostInterfaceDef, IfaceIp, IfaceKind, IfaceLink,
        IfaceProtocol, StartMode,
    },
};

/// `virNetDevIfState` without its empty first value.
const LINK_STATES: [&str; 7] = [
    "unknown",
    "notpresent",
    "down",
    "lowerlayerdown",
    "testing",
    "dormant",
    "up",
];

/// The bonding modes libvirt knows (`virInterfaceBondMode`).
const BOND_MODES: [&str; 7] = [
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
];

fn xml_err(text: impl Into<String>) -> Error {
    Error::Xml(text.into())
}

/// Parses an `<interface>` document (`virInterfaceDefParseString`).
pub fn parse_interface(xml: &str) -> Result<HostInterfaceDef> {
    parse_interface_with(xml, false)
}

/// [`parse_interface`], and with `validate` (VIR_INTERFACE_DEFINE_VALIDATE) anything the
/// interface schema does not know fails instead of being ignored.
pub fn parse_interface_with(xml: &str, validate: bool) -> Result<HostInterfaceDef> {
    let root = tree::parse_tree(xml, "(interface_definition)")?;
    if root.name != "interface" {
        return Err(xml_err(format!(
            "unexpected root element <{}>, expecting <interface>",
            root.name
        )));
    }
    root.mark();
    let def = parse_def(&root, None)?;
    if validate {
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against /usr/share/libvirt/schemas/interface.rng\n{what}"
            )));
        }
    }
    Ok(def)
}

/// `virXPathInt` on an attribute: `Ok(None)` when absent or empty, `Err(())` when it is
/// not a whole C int.
fn xpath_int(el: &Element, attr: &str) -> std::result::Result<Option<i32>, ()> {
    match el.attr(attr).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.trim_start().parse::<i32>().map(Some).map_err(|_| ()),
    }
}

/// `virInterfaceLinkParseXML`.
fn parse_link(el: &Element) -> Result<IfaceLink> {
    let state = match el.attr("state") {
        None => None,
        Some(s) if LINK_STATES.contains(&s) => Some(s.to_owned()),
        Some(s) => return Err(invalid_attr(el, "state", s)),
    };
    let speed = match el.attr("speed") {
        None => 0,
        Some(v) => v
            .trim_start()
            .parse::<u32>()
            .map_err(|_| invalid_uint_attr(el, "speed", v))?,
    };
    Ok(IfaceLink { speed, state })
}

/// The `<miimon>` or `<arpmon>` of a bond (`virInterfaceDefParseBond`).
fn parse_bond_monitor(bond: &Element) -> Result<Option<BondMonitor>> {
    if let Some(mii) = bond.child("miimon") {
        let freq = xpath_int(mii, "freq")
            .ok()
            .flatten()
            .ok_or_else(|| xml_err("bond interface miimon freq missing or invalid"))?;
        let downdelay = xpath_int(mii, "downdelay")
            .map_err(|_| xml_err("bond interface miimon downdelay invalid"))?;
        let updelay = xpath_int(mii, "updelay")
            .map_err(|_| xml_err("bond interface miimon updelay invalid"))?;
        let carrier = match mii.attr("carrier") {
            None => None,
            Some(c @ ("ioctl" | "netif")) => Some(c.to_owned()),
            Some(c) => return Err(xml_err(format!("unknown mii bonding carrier {c}"))),
        };
        return Ok(Some(BondMonitor::Mii(BondMiimon {
            freq,
            downdelay,
            updelay,
            carrier,
        })));
    }
    let Some(arp) = bond.child("arpmon") else {
        return Ok(None);
    };
    let interval = xpath_int(arp, "interval")
        .ok()
        .flatten()
        .ok_or_else(|| xml_err("bond interface arpmon interval missing or invalid"))?;
    let Some(target) = arp.attr_string("target").filter(|t| !t.is_empty()) else {
        return Err(xml_err("bond interface arpmon target missing"));
    };
    let validate = match arp.attr("validate") {
        None => None,
        Some(v @ ("active" | "backup" | "all")) => Some(v.to_owned()),
        Some(v) => return Err(xml_err(format!("unknown arp bonding validate {v}"))),
    };
    Ok(Some(BondMonitor::Arp(BondArpmon {
        interval,
        target,
        validate,
    })))
}

fn parse_u32(el: &Element, attr: &str, err: &str) -> Result<Option<u32>> {
    match el.attr(attr) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| xml_err(err)),
    }
}

/// `virInterfaceDefParseXML`; `parent` is the type of the interface this one is enslaved
/// to, `None` at the top level.
fn parse_def(el: &Element, parent: Option<&str>) -> Result<HostInterfaceDef> {
    let top = parent.is_none();
    let Some(type_str) = el.attr("type") else {
        return Err(xml_err("interface misses the type attribute"));
    };
    if !["ethernet", "bridge", "bond", "vlan"].contains(&type_str) {
        return Err(Error::ConfigUnsupported(format!(
            "unknown interface type {type_str}"
        )));
    }
    let allowed = match parent {
        None => true,
        Some("bond") => type_str == "ethernet",
        Some("bridge") => type_str != "bridge",
        Some(_) => false,
    };
    if !allowed {
        return Err(xml_err(format!(
            "interface has unsupported type '{type_str}'"
        )));
    }
    let Some(name) = el.attr("name").filter(|n| !n.is_empty()) else {
        return Err(xml_err("interface has no name"));
    };
    // Start mode, MTU and protocols belong to the top level only; a member's are not read.
    let start_mode = match top
        .then(|| el.child("start"))
        .flatten()
        .and_then(|s| s.attr("mode"))
    {
        Some(mode) => Some(
            StartMode::parse(mode)
                .ok_or_else(|| xml_err(format!("unknown interface startmode {mode}")))?,
        ),
        None => None,
    };
    let mtu = match top.then(|| el.child("mtu")).flatten() {
        None => None,
        Some(m) => match parse_u32(m, "size", "interface mtu value is improper")? {
            Some(size) if size > 100_000 => return Err(xml_err("interface mtu value is improper")),
            size => size,
        },
    };
    let mut protocols = Vec::new();
    if top {
        for proto in el.children_named("protocol") {
            match proto.attr("family") {
                Some(family @ ("ipv4" | "ipv6")) => protocols.push(parse_protocol(proto, family)?),
                Some(other) => {
                    return Err(xml_err(format!("unsupported protocol family '{other}'")))
                }
                None => return Err(xml_err("protocol misses the family attribute")),
            }
        }
    }
    // Link status makes no sense for a bridge.
    let link = match (type_str != "bridge").then(|| el.child("link")).flatten() {
        Some(l) => parse_link(l)?,
        None => IfaceLink::default(),
    };
    // Only an ethernet interface has its MAC address read.
    let mac = (type_str == "ethernet")
        .then(|| el.child("mac"))
        .flatten()
        .and_then(|m| m.attr_string("address"));
    let kind = match type_str {
        "ethernet" => IfaceKind::Ethernet,
        "bridge" => {
            let Some(bridge) = el.child("bridge") else {
                return Err(xml_err("bridge interface misses the bridge element"));
            };
            let stp = match bridge.attr("stp") {
                None => None,
                Some("on") => Some(true),
                Some("off") => Some(false),
                Some(other) => {
                    return Err(xml_err(format!(
                        "bridge interface stp should be on or off got {other}"
                    )))
                }
            };
            let members = bridge
                .children_named("interface")
                .map(|m| parse_def(m, Some("bridge")))
                .collect::<Result<Vec<_>>>()?;
            IfaceKind::Bridge {
                stp,
                delay: bridge.attr_string("delay"),
                members,
            }
        }
        "bond" => {
            let Some(bond) = el.child("bond") else {
                return Err(xml_err("bond interface misses the bond element"));
            };
            let mode = match bond.attr("mode") {
                None => None,
                Some(m) if BOND_MODES.contains(&m) => Some(m.to_owned()),
                Some(m) => return Err(xml_err(format!("unknown bonding mode {m}"))),
            };
            let members = bond
                .children_named("interface")
                .map(|m| parse_def(m, Some("bond")))
                .collect::<Result<Vec<_>>>()?;
            let monitor = parse_bond_monitor(bond)?;
            IfaceKind::Bond {
                mode,
                monitor,
                members,
            }
        }
        "vlan" => {
            let Some(vlan) = el.child("vlan") else {
                return Err(xml_err("vlan interface misses the vlan element"));
            };
            let Some(tag) = vlan.attr_string("tag") else {
                return Err(xml_err("vlan interface misses the tag attribute"));
            };
            let Some(device) = vlan.child("interface").and_then(|i| i.attr_string("name")) else {
                return Err(xml_err("vlan interface misses name attribute"));
            };
            IfaceKind::Vlan { tag, device }
        }
        _ => unreachable!("the type was checked above"),
    };
    Ok(HostInterfaceDef {
        name: name.to_owned(),
        kind,
        start_mode,
        mac,
        mtu,
        protocols,
        link,
    })
}

fn parse_protocol(proto: &Element, family: &str) -> Result<IfaceProtocol> {
    let dhcp = match proto.child("dhcp") {
        None => None,
        Some(d) => Some(match d.attr("peerdns") {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(other) => return Err(xml_err(format!("unknown dhcp peerdns value {other}"))),
        }),
    };
    let mut ips = Vec::new();
    for ip in proto.children_named("ip") {
        // An <ip> without address is kept by libvirt but never printed: leave it out.
        let Some(address) = ip.attr_string("address") else {
            continue;
        };
        let prefix =
            parse_u32(ip, "prefix", "Invalid ip address prefix value")?.unwrap_or_default();
        ips.push(IfaceIp { address, prefix });
    }
    Ok(IfaceProtocol {
        family: family.to_owned(),
        autoconf: family == "ipv6" && proto.child("autoconf").is_some(),
        dhcp,
        ips,
        gateway: proto.child("route").and_then(|r| r.attr_string("gateway")),
    })
}

/// Formats an interface as `virInterfaceDefFormat` does.
pub fn format_interface(def: &HostInterfaceDef) -> String {
    let mut o = XmlOut::default();
    format_def(&mut o, def, true);
    o.finish()
}

/// `virInterfaceDefDevFormat`: start mode, MTU and protocols only at the top level, then the
/// MAC address of an ethernet interface or the bridge, bond or vlan element.
fn format_def(o: &mut XmlOut, def: &HostInterfaceDef, top: bool) {
    o.open(
        "interface",
        &[
            ("type", some(def.kind.type_name())),
            ("name", some(&def.name)),
        ],
    );
    if top {
        if let Some(mode) = def.start_mode {
            o.empty("start", &[("mode", some(mode.as_str()))]);
        }
        if let Some(mtu) = def.mtu.filter(|m| *m > 0) {
            o.empty("mtu", &[("size", some(&mtu))]);
        }
        format_protocols(o, def);
    }
    if !matches!(def.kind, IfaceKind::Bridge { .. })
        && (def.link.speed > 0 || def.link.state.is_some())
    {
        o.empty(
            "link",
            &[
                (
                    "speed",
                    (def.link.speed > 0).then(|| def.link.speed.to_string()),
                ),
                ("state", def.link.state.clone()),
            ],
        );
    }
    match &def.kind {
        IfaceKind::Ethernet => {
            if let Some(mac) = &def.mac {
                o.empty("mac", &[("address", some(mac))]);
            }
        }
        IfaceKind::Bridge {
            stp,
            delay,
            members,
        } => {
            let stp = stp.map(|on| if on { "on" } else { "off" }.to_owned());
            o.open("bridge", &[("stp", stp), ("delay", delay.clone())]);
            for m in members {
                format_def(o, m, false);
            }
            o.close("bridge");
        }
        IfaceKind::Bond {
            mode,
            monitor,
            members,
        } => {
            o.open("bond", &[("mode", mode.clone())]);
            let positive = |v: Option<i32>| v.filter(|v| *v > 0).map(|v| v.to_string());
            match monitor {
                Some(BondMonitor::Mii(mii)) => o.empty(
                    "miimon",
                    &[
                        ("freq", some(&mii.freq)),
                        ("downdelay", positive(mii.downdelay)),
                        ("updelay", positive(mii.updelay)),
                        ("carrier", mii.carrier.clone()),
                    ],
                ),
                Some(BondMonitor::Arp(arp)) => o.empty(
                    "arpmon",
                    &[
                        ("interval", some(&arp.interval)),
                        ("target", some(&arp.target)),
                        ("validate", arp.validate.clone()),
                    ],
                ),
                None => {}
            }
            for m in members {
                format_def(o, m, false);
            }
            o.close("bond");
        }
        IfaceKind::Vlan { tag, device } => {
            o.open("vlan", &[("tag", some(tag))]);
            o.empty("interface", &[("name", some(device))]);
            o.close("vlan");
        }
    }
    o.close("interface");
}

fn format_protocols(o: &mut XmlOut, def: &HostInterfaceDef) {
    for p in &def.protocols {
        o.open("protocol", &[("family", some(&p.family))]);
        if p.autoconf {
            o.empty("autoconf", &[]);
        }
        if let Some(peerdns) = p.dhcp {
            let peerdns = peerdns.map(|y| if y { "yes" } else { "no" }.to_owned());
            o.empty("dhcp", &[("peerdns", peerdns)]);
        }
        for ip in &p.ips {
            let prefix = (ip.prefix > 0).then(|| ip.prefix.to_string());
            o.empty("ip", &[("address", some(&ip.address)), ("prefix", prefix)]);
        }
        if let Some(gw) = &p.gateway {
            o.empty("route", &[("gateway", some(gw))]);
        }
        o.close("protocol");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(xml: &str) -> HostInterfaceDef {
        let def = parse_interface(xml).unwrap();
        assert_eq!(format_interface(&def), xml);
        def
    }

    #[test]
    fn the_test_drivers_eth1_round_trips() {
        let def = round_trip(
            "<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
",
        );
        assert_eq!(def.mac.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
        assert_eq!(def.start_mode, Some(StartMode::OnBoot));
        assert_eq!(def.mtu, Some(1492));
    }

    #[test]
    fn a_bridge_over_a_bond_with_dhcp_and_ipv6_round_trips() {
        round_trip(
            "<interface type='bridge' name='br0'>
  <start mode='onboot'/>
  <mtu size='9000'/>
  <protocol family='ipv4'>
    <dhcp peerdns='no'/>
  </protocol>
  <protocol family='ipv6'>
    <autoconf/>
    <ip address='2001:db8::5' prefix='64'/>
    <route gateway='2001:db8::1'/>
  </protocol>
  <bridge stp='off' delay='0.01'>
    <interface type='bond' name='bond0'>
      <bond mode='active-backup'>
        <miimon freq='100' updelay='10' carrier='ioctl'/>
        <interface type='ethernet' name='eth0'>
          <mac address='52:54:00:aa:bb:01'/>
        </interface>
        <interface type='ethernet' name='eth2'>
          <mac address='52:54:00:aa:bb:02'/>
        </interface>
      </bond>
    </interface>
  </bridge>
</interface>
",
        );
    }

    #[test]
    fn a_vlan_round_trips() {
        round_trip(
            "<interface type='vlan' name='eth0.42'>
  <start mode='hotplug'/>
  <protocol family='ipv4'>
    <dhcp/>
  </protocol>
  <vlan tag='42'>
    <interface name='eth0'/>
  </vlan>
</interface>
",
        );
    }

    #[test]
    fn libvirts_refusals() {
        let err = |xml: &str| parse_interface(xml).unwrap_err().to_string();
        assert_eq!(
            err("<interface/>"),
            "XML error: interface misses the type attribute"
        );
        assert_eq!(
            err("<interface type='ethernet'/>"),
            "XML error: interface has no name"
        );
        assert_eq!(
            err("<interface type='token-ring' name='tr0'/>"),
            "unsupported configuration: unknown interface type token-ring"
        );
        assert_eq!(
            err("<interface type='ethernet' name='e'><start mode='always'/></interface>"),
            "XML error: unknown interface startmode always"
        );
        assert_eq!(
            err("<interface type='ethernet' name='e'><mtu size='big'/></interface>"),
            "XML error: interface mtu value is improper"
        );
        assert_eq!(
            err("<interface type='bond' name='b'><bond>\
                 <interface type='vlan' name='v'/></bond></interface>"),
            "XML error: interface has unsupported type 'vlan'"
        );
        assert_eq!(
            err("<interface type='ethernet' name='e'><protocol family='ipx'/></interface>"),
            "XML error: unsupported protocol family 'ipx'"
        );
        assert_eq!(
            err("<interface type='vlan' name='v'><vlan tag='1'/></interface>"),
            "XML error: vlan interface misses name attribute"
        );
        assert_eq!(
            err("<interface type='bond' name='b'><bond mode='x'/></interface>"),
            "XML error: unknown bonding mode x"
        );
        assert_eq!(
            err("<network/>"),
            "XML error: unexpected root element <network>, expecting <interface>"
        );
    }
}
