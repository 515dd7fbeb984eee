//! `<interface>` (host interface) parsing and formatting with libvirt's rules and error texts
//! (`src/conf/interface_conf.c`: `virInterfaceDefParseXML`, `virInterfaceDefFormat`).

use super::{
    tree::{self, Element},
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{BondMiimon, HostInterfaceDef, IfaceIp, IfaceKind, IfaceProtocol, StartMode},
};

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
    let root = tree::parse_document(xml, "(interface_definition)", "interface")?;
    parse_def(&root, true)
}

fn parse_u32(el: &Element, attr: &str, err: &str) -> Result<Option<u32>> {
    match el.attr(attr) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| xml_err(err)),
    }
}

fn parse_def(el: &Element, top: bool) -> Result<HostInterfaceDef> {
    let Some(type_str) = el.attr("type") else {
        return Err(xml_err("interface has no type"));
    };
    let Some(name) = el.attr("name").filter(|n| !n.is_empty()) else {
        return Err(xml_err("interface has no name"));
    };
    let start_mode = match (top, el.child("start").and_then(|s| s.attr("mode"))) {
        (true, Some(mode)) => Some(
            StartMode::parse(mode)
                .ok_or_else(|| xml_err(format!("unknown interface startmode {mode}")))?,
        ),
        _ => None,
    };
    let mtu = match el.child("mtu") {
        None => None,
        Some(m) => parse_u32(m, "size", "interface mtu value is improper")?,
    };
    let mac = el
        .child("mac")
        .and_then(|m| m.attr_string("address"))
        .filter(|m| !m.is_empty());
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
                .map(|m| parse_def(m, false))
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
            let miimon = match bond.child("miimon") {
                None => None,
                Some(mii) => Some(BondMiimon {
                    freq: parse_u32(mii, "freq", "bond interface miimon freq missing or invalid")?
                        .ok_or_else(|| xml_err("bond interface miimon freq missing or invalid"))?,
                    downdelay: parse_u32(
                        mii,
                        "downdelay",
                        "bond interface miimon downdelay invalid",
                    )?,
                    updelay: parse_u32(mii, "updelay", "bond interface miimon updelay invalid")?,
                    carrier: mii.attr_string("carrier"),
                }),
            };
            let members = bond
                .children_named("interface")
                .map(|m| parse_def(m, false))
                .collect::<Result<Vec<_>>>()?;
            if members.is_empty() {
                return Err(xml_err("bond has no interfaces"));
            }
            IfaceKind::Bond {
                mode,
                miimon,
                members,
            }
        }
        "vlan" => {
            let Some(vlan) = el.child("vlan") else {
                return Err(xml_err("vlan interface misses the vlan element"));
            };
            let Some(tag) = vlan.attr_string("tag").filter(|t| !t.is_empty()) else {
                return Err(xml_err("vlan interface misses the tag name"));
            };
            let Some(device) = vlan
                .child("interface")
                .and_then(|i| i.attr_string("name"))
                .filter(|d| !d.is_empty())
            else {
                return Err(xml_err("vlan interface misses name attribute"));
            };
            IfaceKind::Vlan { tag, device }
        }
        other => return Err(xml_err(format!("unknown interface type {other}"))),
    };
    let mut protocols = Vec::new();
    if top {
        for proto in el.children_named("protocol") {
            if let Some(family @ ("ipv4" | "ipv6")) = proto.attr("family") {
                protocols.push(parse_protocol(proto, family)?);
            }
        }
    }
    Ok(HostInterfaceDef {
        name: name.to_owned(),
        kind,
        start_mode,
        mac,
        mtu,
        protocols,
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
        let Some(address) = ip.attr_string("address").filter(|a| !a.is_empty()) else {
            return Err(xml_err("ip address misses the address attribute"));
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
        gateway: proto
            .child("route")
            .and_then(|r| r.attr_string("gateway"))
            .filter(|g| !g.is_empty()),
    })
}

/// Formats an interface as `virInterfaceDefFormat` does.
pub fn format_interface(def: &HostInterfaceDef) -> String {
    let mut o = XmlOut::default();
    format_def(&mut o, def);
    o.finish()
}

fn format_def(o: &mut XmlOut, def: &HostInterfaceDef) {
    o.open(
        "interface",
        &[
            ("type", some(def.kind.type_name())),
            ("name", some(&def.name)),
        ],
    );
    if let Some(mode) = def.start_mode {
        o.empty("start", &[("mode", some(mode.as_str()))]);
    }
    let mtu = |o: &mut XmlOut| {
        if let Some(mtu) = def.mtu {
            o.empty("mtu", &[("size", some(&mtu))]);
        }
    };
    let mac = |o: &mut XmlOut| {
        if let Some(mac) = &def.mac {
            o.empty("mac", &[("address", some(mac))]);
        }
    };
    match &def.kind {
        IfaceKind::Ethernet => {
            mac(o);
            mtu(o);
            format_protocols(o, def);
        }
        IfaceKind::Bridge {
            stp,
            delay,
            members,
        } => {
            mtu(o);
            format_protocols(o, def);
            let stp = stp.map(|on| if on { "on" } else { "off" }.to_owned());
            o.open("bridge", &[("stp", stp), ("delay", delay.clone())]);
            for m in members {
                format_def(o, m);
            }
            o.close("bridge");
        }
        IfaceKind::Bond {
            mode,
            miimon,
            members,
        } => {
            mtu(o);
            format_protocols(o, def);
            o.open("bond", &[("mode", mode.clone())]);
            if let Some(mii) = miimon {
                o.empty(
                    "miimon",
                    &[
                        ("freq", some(&mii.freq)),
                        ("downdelay", mii.downdelay.map(|v| v.to_string())),
                        ("updelay", mii.updelay.map(|v| v.to_string())),
                        ("carrier", mii.carrier.clone()),
                    ],
                );
            }
            for m in members {
                format_def(o, m);
            }
            o.close("bond");
        }
        IfaceKind::Vlan { tag, device } => {
            mac(o);
            mtu(o);
            format_protocols(o, def);
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
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
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
        assert_eq!(err("<interface/>"), "XML error: interface has no type");
        assert_eq!(
            err("<interface type='ethernet'/>"),
            "XML error: interface has no name"
        );
        assert_eq!(
            err("<interface type='token-ring' name='tr0'/>"),
            "XML error: unknown interface type token-ring"
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
            err("<interface type='vlan' name='v'><vlan tag='1'/></interface>"),
            "XML error: vlan interface misses name attribute"
        );
        assert_eq!(
            err("<interface type='bond' name='b'><bond mode='x'/></interface>"),
            "XML error: unknown bonding mode x"
        );
        assert_eq!(
            err("<network/>"),
            "XML error: expecting root element of 'interface', not 'network'"
        );
    }
}
