//! `<network>` parsing and formatting with libvirt 9.0's rules and error texts
//! (`src/conf/network_conf.c`: `virNetworkDefParseXML`, `virNetworkDefFormatBuf`).
//!
//! Output is libvirt's canonical form: the order of `virNetworkDefFormatBuf`, two-space
//! indentation, the bridge's `stp`/`delay` spelled out for the modes that have a bridge.

use std::net::IpAddr;

use super::{
    conv::{invalid_uint_attr, num_attr, yes_no_attr},
    metadata, netdev,
    tree::{self, Element},
    tune,
    writer::{some, yes_no, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{
        BridgeDef, DhcpHost, DhcpRange, DnsDef, DnsForwarder, DnsHost, DnsSrv, DnsTxt,
        DomainNameDef, ForwardDef, ForwardMode, IpDef, NatDef, NetworkDef, PortGroupDef, RouteDef,
    },
};

/// A part of a network document libvirt knows and virtbus does not model (the forward
/// `<driver>`, PCI forward addresses, DHCP lease times): refused so that nothing the caller
/// asked for is silently dropped.
fn unmodeled(what: &str, network: &str) -> Error {
    Error::ConfigUnsupported(format!("{what} in network '{network}' is not supported"))
}

/// The text of the first child `name`, `None` when absent or empty (`virXPathString`).
fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// An attribute, `None` when absent (libvirt's `virXMLPropString`).
fn attr(el: &Element, name: &str) -> Option<String> {
    el.attr_string(name)
}

/// `virSocketAddrParse`: a numeric IPv4 or IPv6 address.
fn socket_addr(s: &str) -> Result<IpAddr> {
    s.parse::<IpAddr>().map_err(|_| {
        Error::System(format!(
            "Cannot parse socket address '{s}': Name or service not known"
        ))
    })
}

/// `virMacAddrParse` and `virMacAddrFormat`: six hex bytes, printed lower case.
pub(super) fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for byte in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *byte = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn format_mac(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Parses a `<network>` document (`virNetworkDefParseString`), generating a UUID when the
/// document has none.
pub fn parse_network(xml: &str) -> Result<NetworkDef> {
    parse_network_with(xml, false)
}

/// [`parse_network`], and with `validate` (VIR_NETWORK_DEFINE_VALIDATE) anything the
/// network schema does not know fails instead of being ignored.
pub fn parse_network_with(xml: &str, validate: bool) -> Result<NetworkDef> {
    let root = tree::parse_document(xml, "network_definition", "network")?;
    root.mark();
    let def = network_from_element(&root)?;
    if validate {
        // What the schema allows and the definition does not keep: the run-time
        // connection counts libvirt prints for an active network.
        root.attr("connections");
        if let Some(fwd) = root.child("forward") {
            for iface in fwd.children_named("interface") {
                iface.attr("connections");
            }
        }
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against /usr/share/libvirt/schemas/network.rng\n{what}"
            )));
        }
    }
    Ok(def)
}

fn network_from_element(root: &Element) -> Result<NetworkDef> {
    let Some(name) = text_of(root, "name") else {
        return Err(Error::NoName);
    };
    if name.contains('/') {
        return Err(Error::XmlDetail("invalid char in name: /".to_owned()));
    }
    let uuid = match text_of(root, "uuid") {
        None => uuid::Uuid::new_v4(),
        Some(text) => crate::uuid_str::parse(text.trim())
            .map_err(|_| Error::Internal("malformed uuid element".to_owned()))?,
    };
    let title = text_of(root, "title");
    if title.as_deref().is_some_and(|t| t.contains('\n')) {
        return Err(Error::Xml(
            "Network title can't contain newlines".to_owned(),
        ));
    }
    let description = text_of(root, "description");
    let ipv6 = match root.attr("ipv6") {
        None => false,
        Some("yes") => true,
        Some("no") => false,
        Some(v) => {
            return Err(Error::Xml(format!(
                "Invalid ipv6 setting '{v}' in network '{name}'"
            )))
        }
    };
    let trust_guest_rx_filters = yes_no_attr(root, "trustGuestRxFilters")?;
    let domain = match root.child("domain") {
        None => None,
        Some(el) => {
            let local_only = yes_no_attr(el, "localOnly")?;
            let register = yes_no_attr(el, "register")?;
            if register == Some(true) && local_only != Some(true) {
                return Err(Error::ConfigUnsupported(format!(
                    "attribute 'register=yes' in <domain> element requires 'localOnly=yes' in network {name}"
                )));
            }
            attr(el, "name").map(|n| DomainNameDef {
                name: n,
                local_only,
                register,
            })
        }
    };
    let bandwidth = tune::parse_bandwidth_with(root, false)?;
    let vlan = root.child("vlan").map(netdev::parse_vlan).transpose()?;
    let isolated_port = match root.child("port") {
        Some(p) => yes_no_attr(p, "isolated")?,
        None => None,
    };

    let bridge_el = root.child("bridge");
    let stp_attr = bridge_el.and_then(|b| attr(b, "stp"));
    let stp_given = stp_attr.as_deref().is_some_and(|s| !s.is_empty());
    let mut bridge = BridgeDef {
        name: bridge_el
            .and_then(|b| attr(b, "name"))
            .filter(|s| !s.is_empty()),
        zone: bridge_el
            .and_then(|b| attr(b, "zone"))
            .filter(|s| !s.is_empty()),
        stp: stp_attr.as_deref() != Some("off"),
        delay: 0,
        mac_table_manager: None,
    };
    if let Some(delay) = bridge_el
        .and_then(|b| attr(b, "delay"))
        .filter(|s| !s.is_empty())
    {
        bridge.delay = delay
            .parse::<u64>()
            .map_err(|_| Error::Xml(format!("Invalid delay value in network '{name}'")))?;
    }
    if let Some(m) = bridge_el
        .and_then(|b| attr(b, "macTableManager"))
        .filter(|s| !s.is_empty())
    {
        if m != "kernel" && m != "libvirt" {
            return Err(Error::Xml(format!(
                "Invalid macTableManager setting '{m}' in network '{name}'"
            )));
        }
        bridge.mac_table_manager = Some(m);
    }

    let mac = match root.child("mac").and_then(|m| attr(m, "address")) {
        None => None,
        Some(m) => {
            let Some(bytes) = parse_mac(&m) else {
                return Err(Error::Xml(format!(
                    "Invalid bridge mac address '{m}' in network '{name}'"
                )));
            };
            if bytes[0] & 1 == 1 {
                return Err(Error::Xml(format!(
                    "Invalid multicast bridge mac address '{m}' in network '{name}'"
                )));
            }
            Some(format_mac(bytes))
        }
    };
    let mtu = match root.child("mtu").and_then(|m| attr(m, "size")) {
        None => None,
        Some(s) => Some(
            s.parse::<u32>()
                .map_err(|_| Error::Xml(format!("Invalid mtu size '{s}' in network '{name}'")))?,
        ),
    };
    let dns = match root.child("dns") {
        None => DnsDef::default(),
        Some(el) => parse_dns(&name, el)?,
    };
    let virtualport = root
        .child("virtualport")
        .map(|el| netdev::parse_virtualport(el, true))
        .transpose()?;
    let portgroups = root
        .children_named("portgroup")
        .map(parse_portgroup)
        .collect::<Result<Vec<_>>>()?;
    let ips = root
        .children_named("ip")
        .map(|el| parse_ip(&name, el))
        .collect::<Result<Vec<_>>>()?;
    let routes = root
        .children_named("route")
        .map(|el| parse_route(&name, el))
        .collect::<Result<Vec<_>>>()?;
    check_route_gateways(&name, &ips, &routes)?;
    let forward = match root.child("forward") {
        None => None,
        Some(el) => Some(parse_forward(&name, el)?),
    };

    let def = NetworkDef {
        name,
        uuid,
        title,
        description,
        ipv6,
        trust_guest_rx_filters,
        forward,
        bridge,
        mtu,
        mac,
        domain,
        dns,
        ips,
        routes,
        metadata: Vec::new(),
        vlan,
        bandwidth,
        isolated_port,
        virtualport,
        portgroups,
    };
    check_forward(&def, stp_given)?;
    let metadata = match root.child("metadata") {
        Some(m) => metadata::parse_metadata_in(m, &[root]),
        None => Vec::new(),
    };
    Ok(NetworkDef { metadata, ..def })
}

/// `virNetworkPortGroupParseXML`.
pub(super) fn parse_portgroup(el: &Element) -> Result<PortGroupDef> {
    let Some(name) = attr(el, "name") else {
        return Err(Error::Xml(
            "Missing required name attribute in portgroup".to_owned(),
        ));
    };
    let is_default = attr(el, "default").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
    let trust_guest_rx_filters = yes_no_attr(el, "trustGuestRxFilters")?;
    let virtualport = el
        .child("virtualport")
        .map(|v| netdev::parse_virtualport(v, false))
        .transpose()?;
    let bandwidth = tune::parse_bandwidth_with(el, false)?;
    let vlan = el.child("vlan").map(netdev::parse_vlan).transpose()?;
    Ok(PortGroupDef {
        name,
        is_default,
        trust_guest_rx_filters,
        vlan,
        virtualport,
        bandwidth,
    })
}

/// The checks `virNetworkDefParseXML` makes once the forward mode is known.
fn check_forward(def: &NetworkDef, stp_given: bool) -> Result<()> {
    let name = &def.name;
    let Some(fwd) = &def.forward else {
        return Ok(());
    };
    let mode = fwd.mode.as_str();
    match fwd.mode {
        ForwardMode::Route | ForwardMode::Nat => {
            if def.ips.is_empty() {
                return Err(Error::Xml(format!(
                    "{mode} forwarding requested, but no IP address provided for network '{name}'"
                )));
            }
            if fwd.interfaces.len() > 1 {
                return Err(Error::Xml(format!(
                    "multiple forwarding interfaces specified for network '{name}', only one is supported"
                )));
            }
        }
        ForwardMode::Open => {
            if !fwd.interfaces.is_empty() {
                return Err(Error::Xml(format!(
                    "forward dev not allowed for network '{name}' with forward mode='{mode}'"
                )));
            }
        }
        ForwardMode::Private
        | ForwardMode::Vepa
        | ForwardMode::Passthrough
        | ForwardMode::Hostdev
        | ForwardMode::Bridge => {
            if fwd.mode != ForwardMode::Bridge {
                if def.bridge.name.is_some() {
                    return Err(Error::Xml(format!(
                        "bridge name not allowed in {mode} mode (network '{name}')"
                    )));
                }
                if def.bridge.zone.is_some() {
                    return Err(Error::Xml(format!(
                        "bridge zone not allowed in {mode} mode (network '{name}')"
                    )));
                }
                if def.bridge.mac_table_manager.is_some() {
                    return Err(Error::Xml(format!(
                        "bridge macTableManager setting not allowed in {mode} mode (network '{name}')"
                    )));
                }
            }
            if def.bridge.delay != 0 || stp_given || def.bridge.zone.is_some() {
                return Err(Error::Xml(format!(
                    "bridge delay/stp/zone options only allowed in open, route, nat, and isolated mode, not in {mode} (network '{name}')"
                )));
            }
            if def.bridge.name.is_some() && (!fwd.interfaces.is_empty() || fwd.pf.is_some()) {
                return Err(Error::Xml(format!(
                    "A network with forward mode='{mode}' can specify a bridge name or a forward dev, but not both (network '{name}')"
                )));
            }
        }
    }
    if def.mtu.is_some_and(|m| m != 0) && !fwd.mode.has_bridge() {
        return Err(Error::Xml(format!(
            "mtu size only allowed in open, route, nat, and isolated mode, not in {mode} (network '{name}')"
        )));
    }
    Ok(())
}

fn parse_forward(name: &str, el: &Element) -> Result<ForwardDef> {
    let mode = match attr(el, "mode").filter(|s| !s.is_empty()) {
        None => ForwardMode::Nat,
        Some(m) => ForwardMode::parse(&m)
            .ok_or_else(|| Error::ConfigUnsupported(format!("unknown forwarding type '{m}'")))?,
    };
    let managed = attr(el, "managed").is_some_and(|m| m.eq_ignore_ascii_case("yes"));
    if el.child("driver").is_some() {
        return Err(unmodeled("<forward> <driver>", name));
    }
    let nats: Vec<&Element> = el.children_named("nat").collect();
    let nat = match nats.as_slice() {
        [] => None,
        [nat] => Some(parse_nat(name, mode, nat)?),
        _ => {
            return Err(Error::Xml(format!(
                "Only one <nat> element is allowed in <forward> of network {name}"
            )))
        }
    };
    let ifs: Vec<&Element> = el.children_named("interface").collect();
    let n_addrs = el.children_named("address").count();
    let pfs: Vec<&Element> = el.children_named("pf").collect();
    let dev = attr(el, "dev").filter(|s| !s.is_empty());
    if dev.is_some() && (n_addrs > 0 || !pfs.is_empty()) {
        return Err(Error::Xml(format!(
            "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network {name}"
        )));
    }
    let mut interfaces: Vec<String> = Vec::new();
    let mut pf = None;
    if !ifs.is_empty() || dev.is_some() {
        if let Some(d) = &dev {
            interfaces.push(d.clone());
        }
        for (i, iface) in ifs.iter().enumerate() {
            let Some(d) = attr(iface, "dev") else {
                return Err(Error::Xml(format!(
                    "Missing required dev attribute in <forward> <interface> element of network {name}"
                )));
            };
            if i == 0 && dev.is_some() {
                if Some(&d) != dev.as_ref() {
                    return Err(Error::Xml(format!(
                        "<forward dev='{}'> must match first <interface dev='{d}'/> in network {name}",
                        dev.as_deref().unwrap_or_default()
                    )));
                }
                continue;
            }
            if interfaces.contains(&d) {
                return Err(Error::Xml(format!(
                    "interface '{d}' can only be listed once in network {name}"
                )));
            }
            interfaces.push(d);
        }
    } else if n_addrs > 0 {
        return Err(unmodeled("<forward> <address>", name));
    } else if pfs.len() > 1 {
        return Err(Error::Xml(format!(
            "Only one <pf> element is allowed in <forward> of network {name}"
        )));
    } else if let Some(p) = pfs.first() {
        let Some(d) = attr(p, "dev") else {
            return Err(Error::Xml(format!(
                "Missing required dev attribute in <pf> element of network '{name}'"
            )));
        };
        pf = Some(d);
    }
    Ok(ForwardDef {
        mode,
        managed,
        interfaces,
        pf,
        nat,
    })
}

fn parse_nat(name: &str, mode: ForwardMode, el: &Element) -> Result<NatDef> {
    if mode != ForwardMode::Nat {
        return Err(Error::Xml(format!(
            "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {name}"
        )));
    }
    let mut nat = NatDef {
        ipv6: yes_no_attr(el, "ipv6")?,
        ..NatDef::default()
    };
    let addrs: Vec<&Element> = el.children_named("address").collect();
    match addrs.as_slice() {
        [] => {}
        [a] => {
            let Some(start) = attr(a, "start") else {
                return Err(Error::Xml(format!(
                    "missing 'start' attribute in <address> element in <nat> in <forward> in network {name}"
                )));
            };
            let Some(end) = attr(a, "end") else {
                return Err(Error::Xml(format!(
                    "missing 'end' attribute in <address> element in <nat> in <forward> in network {name}"
                )));
            };
            let s = start.parse().map_err(|_| {
                Error::Xml(format!(
                    "Bad ipv4 start address '{start}' in <nat> in <forward> in network '{name}'"
                ))
            })?;
            let e = end.parse().map_err(|_| {
                Error::Xml(format!(
                    "Bad ipv4 end address '{end}' in <nat> in <forward> in network '{name}'"
                ))
            })?;
            nat.address = Some((s, e));
        }
        _ => {
            return Err(Error::Xml(format!(
                "Only one <address> element is allowed in <nat> in <forward> in network {name}"
            )))
        }
    }
    let ports: Vec<&Element> = el.children_named("port").collect();
    match ports.as_slice() {
        [] => {}
        [p] => {
            let start = p.attr("start").and_then(|v| v.trim().parse::<u32>().ok());
            let Some(start) = start.filter(|s| *s <= 65535) else {
                return Err(Error::XmlDetail(format!(
                    "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network {name}"
                )));
            };
            let end = p.attr("end").and_then(|v| v.trim().parse::<u32>().ok());
            let Some(end) = end.filter(|e| *e <= 65535 && *e >= start) else {
                return Err(Error::XmlDetail(format!(
                    "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {name}"
                )));
            };
            nat.port_start = start;
            nat.port_end = end;
        }
        _ => {
            return Err(Error::Xml(format!(
                "Only one <port> element is allowed in <nat> in <forward> in network {name}"
            )))
        }
    }
    Ok(nat)
}

fn parse_dns(name: &str, el: &Element) -> Result<DnsDef> {
    let mut dns = DnsDef {
        enable: yes_no_attr(el, "enable")?,
        forward_plain_names: yes_no_attr(el, "forwardPlainNames")?,
        ..DnsDef::default()
    };
    for f in el.children_named("forwarder") {
        let mut fwd = DnsForwarder {
            addr: None,
            port: None,
            domain: None,
        };
        let addr = attr(f, "addr");
        if let Some(a) = &addr {
            fwd.addr = Some(a.parse().map_err(|_| {
                Error::Xml(format!(
                    "Invalid forwarder IP address '{a}' in network '{name}'"
                ))
            })?);
            if let Some(p) = f.attr("port") {
                let port = p
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| invalid_uint_attr(f, "port", p))?;
                if port > 65535 {
                    return Err(Error::InvalidArg(format!("port '{port}' out of range")));
                }
                fwd.port = u16::try_from(port).ok();
            }
        }
        fwd.domain = attr(f, "domain");
        if addr.is_none() && fwd.domain.is_none() {
            return Err(Error::Xml(
                "Invalid forwarder element, must contain at least one of addr or domain".to_owned(),
            ));
        }
        dns.forwarders.push(fwd);
    }
    for h in el.children_named("host") {
        let (ip, hostnames) = parse_dns_host(name, h, false)?;
        if let Some(ip) = ip {
            dns.hosts.push(DnsHost { ip, hostnames });
        }
    }
    for s in el.children_named("srv") {
        dns.srvs.push(parse_srv(name, s, false)?);
    }
    for t in el.children_named("txt") {
        let (tname, value) = parse_txt(name, t, false)?;
        dns.txts.push(DnsTxt {
            name: tname,
            value: value.unwrap_or_default(),
        });
    }
    if dns.enable == Some(false)
        && !(dns.forwarders.is_empty()
            && dns.hosts.is_empty()
            && dns.srvs.is_empty()
            && dns.txts.is_empty())
    {
        return Err(Error::Xml(format!(
            "Extra data in disabled network '{name}'"
        )));
    }
    Ok(dns)
}

/// `virNetworkDNSHostDefParseXML`: `partial` (a record to delete or modify) may lack the
/// address or the names, not both.
pub(super) fn parse_dns_host(
    name: &str,
    h: &Element,
    partial: bool,
) -> Result<(Option<IpAddr>, Vec<String>)> {
    let mut hostnames = Vec::new();
    for n in h.children_named("hostname") {
        let t = n.text();
        if t.is_empty() {
            return Err(Error::XmlDetail(format!(
                "Missing hostname in network '{name}' DNS HOST record"
            )));
        }
        hostnames.push(t);
    }
    if hostnames.is_empty() && !partial {
        return Err(Error::XmlDetail(format!(
            "Missing hostname in network '{name}' DNS HOST record"
        )));
    }
    let ip = match attr(h, "ip") {
        Some(ip) => Some(ip.parse().map_err(|_| {
            Error::XmlDetail(format!(
                "Invalid IP address in network '{name}' DNS HOST record"
            ))
        })?),
        None if !partial => {
            return Err(Error::XmlDetail(format!(
                "Missing IP address in network '{name}' DNS HOST record"
            )))
        }
        None if hostnames.is_empty() => {
            return Err(Error::XmlDetail(format!(
                "Missing ip and hostname in network '{name}' DNS HOST record"
            )))
        }
        None => None,
    };
    Ok((ip, hostnames))
}

/// `virNetworkDNSTxtDefParseXML`: `partial` may lack the value.
pub(super) fn parse_txt(
    name: &str,
    t: &Element,
    partial: bool,
) -> Result<(String, Option<String>)> {
    let Some(tname) = attr(t, "name") else {
        return Err(Error::XmlDetail(format!(
            "missing required name attribute in DNS TXT record of network {name}"
        )));
    };
    if tname.contains([' ', ',']) {
        return Err(Error::XmlDetail(format!(
            "prohibited character in DNS TXT record name '{tname}' of network {name}"
        )));
    }
    let value = attr(t, "value");
    if value.is_none() && !partial {
        return Err(Error::XmlDetail(format!(
            "missing required value attribute in DNS TXT record named '{tname}' of network {name}"
        )));
    }
    check_line_breaks("TXT", "value", value.as_deref())?;
    Ok((tname, value))
}

fn check_line_breaks(record: &str, field: &str, value: Option<&str>) -> Result<()> {
    if value.is_some_and(|v| v.contains(['\r', '\n'])) {
        return Err(Error::XmlDetail(format!(
            "invalid line break in DNS {record} record {field} attribute"
        )));
    }
    Ok(())
}

/// `DNS_RECORD_LENGTH_SRV`.
const SRV_SERVICE_MAX: usize = 15;

/// `virNetworkDNSSrvDefParseXML`: `partial` may lack the service and the protocol (left
/// empty).
pub(super) fn parse_srv(name: &str, el: &Element, partial: bool) -> Result<DnsSrv> {
    let Some(service) = attr(el, "service").or_else(|| partial.then(String::new)) else {
        return Err(Error::XmlDetail(format!(
            "missing required service attribute in DNS SRV record of network '{name}'"
        )));
    };
    if service.len() > SRV_SERVICE_MAX {
        return Err(Error::XmlDetail(format!(
            "service attribute '{service}' in network '{name}' is too long, limit is {SRV_SERVICE_MAX} bytes"
        )));
    }
    if !service
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-+/*".contains(c))
    {
        return Err(Error::XmlDetail(format!(
            "invalid character in service attribute '{service}' in DNS SRV record of network '{name}'"
        )));
    }
    let Some(protocol) = attr(el, "protocol").or_else(|| partial.then(String::new)) else {
        return Err(Error::XmlDetail(format!(
            "missing required protocol attribute in DNS SRV record '{service}' of network '{name}'"
        )));
    };
    if !protocol
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-+/".contains(c))
    {
        return Err(Error::XmlDetail(format!(
            "invalid character in protocol attribute '{protocol}' in DNS SRV record of network '{name}'"
        )));
    }
    let domain = attr(el, "domain");
    let target = attr(el, "target");
    check_line_breaks("SRV", "domain", domain.as_deref())?;
    check_line_breaks("SRV", "target", target.as_deref())?;
    let mut srv = DnsSrv {
        service,
        protocol,
        domain,
        target,
        ..DnsSrv::default()
    };
    for (field, what, max, min) in [
        ("port", "invalid DNS SRV port", 65535, 1),
        ("priority", "Invalid DNS SRV priority", 65535, 0),
        ("weight", "invalid DNS SRV weight", 65535, 0),
    ] {
        let Some(v) = el.attr(field) else { continue };
        if srv.target.is_none() {
            return Err(Error::XmlDetail(format!(
                "DNS SRV {field} attribute not permitted without target for service '{}' in network '{name}'",
                srv.service
            )));
        }
        let n = v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                Error::XmlDetail(format!(
                    "{what} attribute for service '{}' in network '{name}'",
                    srv.service
                ))
            })?;
        match field {
            "port" => srv.port = n,
            "priority" => srv.priority = n,
            _ => srv.weight = n,
        }
    }
    Ok(srv)
}

fn parse_ip(name: &str, el: &Element) -> Result<IpDef> {
    let family = attr(el, "family").filter(|s| !s.is_empty());
    let Some(address) = attr(el, "address").filter(|s| !s.is_empty()) else {
        return Err(Error::Xml(format!(
            "Missing required address attribute in network '{name}'"
        )));
    };
    let addr: IpAddr = address
        .parse()
        .map_err(|_| Error::Xml(format!("Invalid address '{address}' in network '{name}'")))?;
    let netmask_text = attr(el, "netmask").filter(|s| !s.is_empty());
    let netmask = match &netmask_text {
        None => None,
        Some(m) => Some(
            m.parse::<IpAddr>()
                .map_err(|_| Error::Xml(format!("Invalid netmask '{m}' in network '{name}'")))?,
        ),
    };
    let prefix = num_attr::<u32>(el, "prefix")?.unwrap_or(0);
    let local_ptr = yes_no_attr(el, "localPtr")?;
    match family.as_deref() {
        None | Some("ipv4") => {
            if !addr.is_ipv4() {
                return Err(Error::ConfigUnsupported(format!(
                    "{} family specified for non-IPv4 address '{address}' in network '{name}'",
                    if family.is_none() { "no" } else { "ipv4" }
                )));
            }
            if let Some(m) = &netmask_text {
                if !netmask.is_some_and(|n| n.is_ipv4()) {
                    return Err(Error::ConfigUnsupported(format!(
                        "Invalid netmask '{m}' for address '{address}' in network '{name}' (both must be IPv4)"
                    )));
                }
                if prefix > 0 {
                    return Err(Error::ConfigUnsupported(format!(
                        "Network '{name}' IP address cannot have both a prefix and a netmask"
                    )));
                }
            } else if prefix > 32 {
                return Err(Error::ConfigUnsupported(format!(
                    "Invalid IPv4 prefix '{prefix}' in network '{name}'"
                )));
            }
        }
        Some("ipv6") => {
            if !addr.is_ipv6() {
                return Err(Error::ConfigUnsupported(format!(
                    "Family 'ipv6' specified for non-IPv6 address '{address}' in network '{name}'"
                )));
            }
            if netmask_text.is_some() {
                return Err(Error::ConfigUnsupported(format!(
                    "netmask not allowed for IPv6 address '{address}' in network '{name}'"
                )));
            }
            if prefix > 128 {
                return Err(Error::ConfigUnsupported(format!(
                    "Invalid IPv6 prefix '{prefix}' in network '{name}'"
                )));
            }
        }
        Some(f) => {
            return Err(Error::Xml(format!(
                "Unrecognized family '{f}' in network '{name}'"
            )))
        }
    }
    let mut ip = IpDef {
        family,
        address: addr,
        netmask,
        prefix,
        local_ptr,
        tftp_root: None,
        ranges: Vec::new(),
        hosts: Vec::new(),
        bootp: None,
    };
    if let Some(dhcp) = el.child("dhcp") {
        parse_dhcp(name, dhcp, &mut ip)?;
    }
    if let Some(tftp) = el.child("tftp") {
        if !addr.is_ipv4() {
            return Err(Error::ConfigUnsupported(format!(
                "Unsupported <tftp> element in an IPv6 element in network '{name}'"
            )));
        }
        ip.tftp_root = attr(tftp, "root");
    }
    Ok(ip)
}

fn parse_dhcp(name: &str, el: &Element, ip: &mut IpDef) -> Result<()> {
    for r in el.children_named("range") {
        let range = parse_range(name, ip, r)?;
        ip.ranges.push(range);
    }
    for h in el.children_named("host") {
        let host = parse_dhcp_host(name, ip.address, h, false)?;
        ip.hosts.push(host);
    }
    if let Some(b) = el.child("bootp") {
        if ip.address.is_ipv4() {
            let Some(file) = attr(b, "file") else {
                return Err(Error::Xml(
                    "Missing required attribute 'file' in element 'bootp'".to_owned(),
                ));
            };
            let server = match attr(b, "server") {
                None => None,
                Some(s) => Some(socket_addr(&s)?),
            };
            ip.bootp = Some((file, server));
        }
    }
    Ok(())
}

/// `virNetworkDHCPRangeDefParseXML`.
pub(super) fn parse_range(name: &str, parent: &IpDef, r: &Element) -> Result<DhcpRange> {
    let Some(start) = attr(r, "start") else {
        return Err(Error::Xml(format!(
            "Missing 'start' attribute in dhcp range for network '{name}'"
        )));
    };
    let start = socket_addr(&start)?;
    let Some(end) = attr(r, "end") else {
        return Err(Error::Xml(format!(
            "Missing 'end' attribute in dhcp range for network '{name}'"
        )));
    };
    let end = socket_addr(&end)?;
    check_range(start, end, parent.address, ip_prefix(parent))?;
    if r.child("lease").is_some() {
        return Err(unmodeled("<lease>", name));
    }
    Ok(DhcpRange { start, end })
}

/// `virNetworkDHCPHostDefParseXML` for a host of the `<ip>` whose address is `parent`:
/// `partial` (a host to delete) needs only one of mac, name and ip.
pub(super) fn parse_dhcp_host(
    name: &str,
    parent: IpAddr,
    h: &Element,
    partial: bool,
) -> Result<DhcpHost> {
    let mac = attr(h, "mac");
    if let Some(m) = &mac {
        if parent.is_ipv6() {
            return Err(Error::Xml(format!(
                "Invalid to specify MAC address '{m}' in network '{name}' IPv6 static host definition"
            )));
        }
        let Some(bytes) = parse_mac(m) else {
            return Err(Error::Xml(format!(
                "Cannot parse MAC address '{m}' in network '{name}'"
            )));
        };
        if bytes[0] & 1 == 1 {
            return Err(Error::Xml(format!(
                "expected unicast mac address, found multicast '{m}' in network '{name}'"
            )));
        }
    }
    let id = attr(h, "id");
    if let Some(id) = &id {
        if let Some(c) = id.chars().find(|c| !(c.is_ascii_hexdigit() || *c == ':')) {
            return Err(Error::Xml(format!(
                "Invalid character '{c}' in id '{id}' of network '{name}'"
            )));
        }
    }
    let hname = attr(h, "name");
    if let Some(n) = &hname {
        if !n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::Xml(format!(
                "Cannot use host name '{n}' in network '{name}'"
            )));
        }
    }
    let host_ip = match attr(h, "ip") {
        None => None,
        Some(a) => Some(a.parse::<IpAddr>().map_err(|_| {
            Error::Xml(format!(
                "Invalid IP address in static host definition for network '{name}'"
            ))
        })?),
    };
    if partial {
        if mac.is_none() && hname.is_none() && host_ip.is_none() {
            return Err(Error::Xml(format!(
                "At least one of name, mac, or ip attribute must be specified for static host definition in network '{name}'"
            )));
        }
    } else {
        if parent.is_ipv6() {
            if id.is_none() && hname.is_none() {
                return Err(Error::Xml(format!(
                    "Static host definition in IPv6 network '{name}' must have id or name attribute"
                )));
            }
        } else if mac.is_none() && hname.is_none() {
            return Err(Error::Xml(format!(
                "Static host definition in IPv4 network '{name}' must have mac or name attribute"
            )));
        }
        if host_ip.is_none() {
            return Err(Error::Xml(format!(
                "Missing IP address in static host definition for network '{name}'"
            )));
        }
    }
    if h.child("lease").is_some() {
        return Err(unmodeled("<lease>", name));
    }
    Ok(DhcpHost {
        mac,
        id,
        name: hname,
        ip: host_ip,
    })
}

/// `virNetDevIPRouteParseXML` and `virNetDevIPRouteCreate` (`networkcommon_conf.c`).
fn parse_route(name: &str, el: &Element) -> Result<RouteDef> {
    let xml_err = |m: String| Err(Error::Xml(format!("{name}: {m}")));
    let family = attr(el, "family");
    let prefix = num_attr::<u32>(el, "prefix")?;
    let metric = num_attr::<u32>(el, "metric")?;
    if metric == Some(0) {
        return Err(Error::Xml(format!(
            "Invalid value for attribute 'metric' in element '{}': Zero is not permitted",
            el.name
        )));
    }
    let Some(address) = attr(el, "address") else {
        return xml_err("Missing required address attribute in route definition".to_owned());
    };
    let Some(gateway) = attr(el, "gateway") else {
        return xml_err("Missing required gateway attribute in route definition".to_owned());
    };
    let Ok(addr) = address.parse::<IpAddr>() else {
        return xml_err(format!(
            "Bad network address '{address}' in route definition"
        ));
    };
    let Ok(gw) = gateway.parse::<IpAddr>() else {
        return xml_err(format!(
            "Bad gateway address '{gateway}' in route definition"
        ));
    };
    let netmask_text = attr(el, "netmask");
    let mut netmask = None;
    match family.as_deref() {
        None | Some("ipv4") => {
            let what = if family.is_none() { "No" } else { "IPv4" };
            if !addr.is_ipv4() {
                return xml_err(format!(
                    "{what} family specified for non-IPv4 address '{address}' in route definition"
                ));
            }
            if !gw.is_ipv4() {
                // libvirt names the address here, not the gateway.
                return xml_err(format!(
                    "{what} family specified for non-IPv4 gateway '{address}' in route definition"
                ));
            }
            if let Some(m) = &netmask_text {
                let Ok(mask) = m.parse::<IpAddr>() else {
                    return xml_err(format!("Bad netmask address '{m}' in route definition"));
                };
                if !mask.is_ipv4() {
                    return xml_err(format!(
                        "Invalid netmask '{m}' for address '{address}' (both must be IPv4)"
                    ));
                }
                if prefix.is_some() {
                    return xml_err(
                        "Route definition cannot have both a prefix and a netmask".to_owned(),
                    );
                }
                netmask = Some(mask);
            }
            if let Some(p) = prefix.filter(|p| *p > 32) {
                return xml_err(format!(
                    "Invalid prefix {p} specified in route definition, must be 0 - 32"
                ));
            }
        }
        Some("ipv6") => {
            if !addr.is_ipv6() {
                return xml_err(format!(
                    "ipv6 family specified for non-IPv6 address '{address}' in route definition"
                ));
            }
            if netmask_text.is_some() {
                return xml_err(format!(
                    "Specifying netmask invalid for IPv6 address '{address}' in route definition"
                ));
            }
            if !gw.is_ipv6() {
                return xml_err(format!(
                    "ipv6 specified for non-IPv6 gateway address '{gateway}' in route definition"
                ));
            }
            if let Some(p) = prefix.filter(|p| *p > 128) {
                return xml_err(format!(
                    "Invalid prefix {p} specified in route definition, must be 0 - 128"
                ));
            }
        }
        Some(f) => return xml_err(format!("Unrecognized family '{f}' in route definition")),
    }
    // The address must be a network address.
    let network_address = match (addr, netmask) {
        (IpAddr::V4(a), Some(IpAddr::V4(m))) => u32::from(a) & u32::from(m) == u32::from(a),
        // Masked by the prefix (0 when absent), only the first `p` bits may be set.
        (IpAddr::V4(a), _) => {
            let p = prefix.unwrap_or(0);
            u32::from(a) & u32::MAX.checked_shr(p).unwrap_or(0) == 0
        }
        (IpAddr::V6(a), _) => {
            let p = prefix.unwrap_or(0);
            u128::from(a) & u128::MAX.checked_shr(p).unwrap_or(0) == 0
        }
    };
    if !network_address {
        return xml_err(format!(
            "Address '{address}' in route definition is not a network address"
        ));
    }
    Ok(RouteDef {
        family,
        address: addr,
        netmask,
        prefix,
        gateway: gw,
        metric,
    })
}

/// The prefix length of an `<ip>` (`virSocketAddrGetIPPrefix`): its prefix, or the bits of
/// its netmask, or the natural prefix of its address; -1 when there is none.
fn ip_prefix(ip: &IpDef) -> i32 {
    if ip.prefix > 0 {
        return i32::try_from(ip.prefix).unwrap_or(-1);
    }
    if let Some(IpAddr::V4(m)) = ip.netmask {
        let bits = u32::from(m);
        // A netmask is contiguous ones.
        return if bits.leading_ones() + bits.trailing_zeros() == 32 {
            i32::try_from(bits.leading_ones()).unwrap_or(-1)
        } else {
            -1
        };
    }
    match ip.address {
        IpAddr::V4(a) if a.is_unspecified() => 0,
        IpAddr::V4(a) => match a.octets()[0] {
            0..=127 => 8,
            128..=191 => 16,
            192..=223 => 24,
            _ => -1,
        },
        IpAddr::V6(a) if a.is_unspecified() => 0,
        IpAddr::V6(_) => 64,
    }
}

fn same_subnet(a: IpAddr, b: IpAddr, prefix: i32) -> bool {
    let Ok(prefix) = u32::try_from(prefix) else {
        return false;
    };
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) if prefix <= 32 => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if prefix <= 128 => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// `virSocketAddrGetRange`'s checks of a DHCP range of the network at `network`/`prefix`.
fn check_range(start: IpAddr, end: IpAddr, network: IpAddr, prefix: i32) -> Result<()> {
    let fail = |m: String| Err(Error::Internal(m));
    if start.is_ipv4() != end.is_ipv4() {
        return fail(format!(
            "mismatch of address family in range {start} - {end}"
        ));
    }
    if start.is_ipv4() != network.is_ipv4() {
        return fail(format!(
            "mismatch of address family in range {start} - {end} for network {network}"
        ));
    }
    let max = if network.is_ipv4() { 32 } else { 128 };
    if !(0..=max).contains(&prefix) {
        return fail(format!(
            "bad prefix {prefix} for network {network} when checking range {start} - {end}"
        ));
    }
    if !same_subnet(start, network, prefix) || !same_subnet(end, network, prefix) {
        return fail(format!(
            "range {start} - {end} is not entirely within network {network}/{prefix}"
        ));
    }
    match (start, end, network) {
        (IpAddr::V4(s), IpAddr::V4(e), IpAddr::V4(n)) => {
            let mask = u32::MAX
                .checked_shl(32 - prefix.unsigned_abs())
                .unwrap_or(0);
            let net = u32::from(n) & mask;
            if u32::from(s) == net {
                return fail(format!(
                    "start of range {start} - {end} in network {network}/{prefix} is the network address"
                ));
            }
            if u32::from(e) == net | !mask {
                return fail(format!(
                    "end of range {start} - {end} in network {network}/{prefix} is the broadcast address"
                ));
            }
            let (s, e) = (s.octets(), e.octets());
            if s[..2] != e[..2] {
                return fail(format!("range {start} - {end} is too large (> 65535)"));
            }
            if (i32::from(e[2]) - i32::from(s[2])) * 256 + i32::from(e[3]) - i32::from(s[3]) < 0 {
                return fail(format!("range {start} - {end} is reversed "));
            }
        }
        (IpAddr::V6(s), IpAddr::V6(e), _) => {
            let (s, e) = (s.segments(), e.segments());
            if s[..7] != e[..7] {
                return fail(format!("range {start} - {end} is too large (> 65535)"));
            }
            if e[7] < s[7] {
                return fail(format!("range {start} - {end} start larger than end"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Every static route's gateway must be on one of the network's own subnets.
fn check_route_gateways(name: &str, ips: &[IpDef], routes: &[RouteDef]) -> Result<()> {
    for r in routes {
        if !ips
            .iter()
            .any(|ip| same_subnet(ip.address, r.gateway, ip_prefix(ip)))
        {
            return Err(Error::ConfigUnsupported(format!(
                "unreachable static route gateway '{}' specified for network '{name}'",
                r.gateway
            )));
        }
    }
    Ok(())
}

/// Formats a network as `virNetworkDefFormat` does.
pub fn format_network(def: &NetworkDef) -> String {
    let mut o = XmlOut::default();
    o.open(
        "network",
        &[
            ("ipv6", def.ipv6.then(|| "yes".to_owned())),
            ("trustGuestRxFilters", yes_no(def.trust_guest_rx_filters)),
        ],
    );
    o.text("name", &[], &def.name);
    o.text("uuid", &[], &def.uuid.to_string());
    o.opt_text("title", def.title.as_deref());
    o.opt_text("description", def.description.as_deref());
    metadata::format_metadata(&mut o, &def.metadata);
    if let Some(fwd) = &def.forward {
        format_forward(&mut o, fwd);
    }
    let has_bridge = def.forward_mode().is_none_or(ForwardMode::has_bridge);
    let b = &def.bridge;
    if has_bridge || b.name.is_some() || b.mac_table_manager.is_some() {
        let stp = has_bridge.then(|| if b.stp { "on" } else { "off" }.to_owned());
        o.empty(
            "bridge",
            &[
                ("name", b.name.clone()),
                ("zone", b.zone.clone()),
                ("stp", stp),
                ("delay", has_bridge.then(|| b.delay.to_string())),
                ("macTableManager", b.mac_table_manager.clone()),
            ],
        );
    }
    if let Some(mtu) = def.mtu.filter(|m| *m != 0) {
        o.empty("mtu", &[("size", some(&mtu))]);
    }
    if let Some(mac) = &def.mac {
        o.empty("mac", &[("address", some(mac))]);
    }
    if let Some(d) = &def.domain {
        o.empty(
            "domain",
            &[
                ("name", some(&d.name)),
                ("localOnly", yes_no(d.local_only)),
                ("register", yes_no(d.register)),
            ],
        );
    }
    format_dns(&mut o, &def.dns);
    netdev::format_vlan(&mut o, def.vlan.as_ref());
    tune::format_bandwidth(&mut o, def.bandwidth.as_deref());
    if let Some(isolated) = def.isolated_port {
        o.empty("port", &[("isolated", yes_no(Some(isolated)))]);
    }
    for ip in &def.ips {
        format_ip(&mut o, ip);
    }
    for r in &def.routes {
        o.empty(
            "route",
            &[
                ("family", r.family.clone()),
                ("address", some(&r.address)),
                ("netmask", r.netmask.map(|m| m.to_string())),
                ("prefix", r.prefix.map(|p| p.to_string())),
                ("gateway", some(&r.gateway)),
                ("metric", r.metric.map(|m| m.to_string())),
            ],
        );
    }
    netdev::format_virtualport(&mut o, def.virtualport.as_ref());
    for pg in &def.portgroups {
        format_portgroup(&mut o, pg);
    }
    o.close("network");
    o.finish()
}

/// `virPortGroupDefFormat`.
fn format_portgroup(o: &mut XmlOut, pg: &PortGroupDef) {
    o.open(
        "portgroup",
        &[
            ("name", some(&pg.name)),
            ("default", pg.is_default.then(|| "yes".to_owned())),
            ("trustGuestRxFilters", yes_no(pg.trust_guest_rx_filters)),
        ],
    );
    netdev::format_vlan(o, pg.vlan.as_ref());
    netdev::format_virtualport(o, pg.virtualport.as_ref());
    tune::format_bandwidth(o, pg.bandwidth.as_deref());
    o.close("portgroup");
}

fn format_forward(o: &mut XmlOut, fwd: &ForwardDef) {
    let dev = if fwd.pf.is_none() {
        fwd.interfaces.first().cloned()
    } else {
        None
    };
    let managed = (fwd.mode == ForwardMode::Hostdev)
        .then(|| if fwd.managed { "yes" } else { "no" }.to_owned());
    let nat = fwd.nat.as_ref().filter(|n| {
        fwd.mode == ForwardMode::Nat
            && (n.ipv6.is_some() || n.address.is_some() || n.port_start != 0 || n.port_end != 0)
    });
    let attrs = [
        ("dev", dev),
        ("mode", some(fwd.mode.as_str())),
        ("managed", managed),
    ];
    if fwd.interfaces.is_empty() && fwd.pf.is_none() && nat.is_none() {
        o.empty("forward", &attrs);
        return;
    }
    o.open("forward", &attrs);
    if let Some(nat) = nat {
        let ipv6 = yes_no(nat.ipv6);
        if nat.address.is_none() && nat.port_start == 0 && nat.port_end == 0 {
            o.empty("nat", &[("ipv6", ipv6)]);
        } else {
            o.open("nat", &[("ipv6", ipv6)]);
            if let Some((s, e)) = nat.address {
                o.empty("address", &[("start", some(&s)), ("end", some(&e))]);
            }
            if nat.port_start != 0 || nat.port_end != 0 {
                o.empty(
                    "port",
                    &[
                        ("start", some(&nat.port_start)),
                        ("end", (nat.port_end != 0).then(|| nat.port_end.to_string())),
                    ],
                );
            }
            o.close("nat");
        }
    }
    if let Some(pf) = &fwd.pf {
        o.empty("pf", &[("dev", some(pf))]);
    }
    for dev in &fwd.interfaces {
        o.empty("interface", &[("dev", some(dev))]);
    }
    o.close("forward");
}

fn format_dns(o: &mut XmlOut, dns: &DnsDef) {
    if dns.is_empty() {
        return;
    }
    let attrs = [
        ("enable", yes_no(dns.enable)),
        ("forwardPlainNames", yes_no(dns.forward_plain_names)),
    ];
    if dns.forwarders.is_empty()
        && dns.hosts.is_empty()
        && dns.srvs.is_empty()
        && dns.txts.is_empty()
    {
        o.empty("dns", &attrs);
        return;
    }
    o.open("dns", &attrs);
    for f in &dns.forwarders {
        o.empty(
            "forwarder",
            &[
                ("domain", f.domain.clone()),
                ("addr", f.addr.map(|a| a.to_string())),
                ("port", f.port.map(|p| p.to_string())),
            ],
        );
    }
    for t in &dns.txts {
        o.empty("txt", &[("name", some(&t.name)), ("value", some(&t.value))]);
    }
    for s in &dns.srvs {
        let nz = |v: u32| (v != 0).then(|| v.to_string());
        o.empty(
            "srv",
            &[
                ("service", some(&s.service)),
                ("protocol", some(&s.protocol)),
                ("domain", s.domain.clone()),
                ("target", s.target.clone()),
                ("port", nz(s.port)),
                ("priority", nz(s.priority)),
                ("weight", nz(s.weight)),
            ],
        );
    }
    for h in &dns.hosts {
        o.open("host", &[("ip", some(&h.ip))]);
        for n in &h.hostnames {
            o.text("hostname", &[], n);
        }
        o.close("host");
    }
    o.close("dns");
}

fn format_ip(o: &mut XmlOut, ip: &IpDef) {
    let attrs = [
        ("family", ip.family.clone()),
        ("address", some(&ip.address)),
        ("netmask", ip.netmask.map(|m| m.to_string())),
        ("prefix", (ip.prefix > 0).then(|| ip.prefix.to_string())),
        ("localPtr", yes_no(ip.local_ptr)),
    ];
    let has_dhcp = !ip.ranges.is_empty() || !ip.hosts.is_empty();
    if ip.tftp_root.is_none() && !has_dhcp {
        o.empty("ip", &attrs);
        return;
    }
    o.open("ip", &attrs);
    if let Some(root) = &ip.tftp_root {
        o.empty("tftp", &[("root", some(root))]);
    }
    if has_dhcp {
        o.open("dhcp", &[]);
        for r in &ip.ranges {
            o.empty("range", &[("start", some(&r.start)), ("end", some(&r.end))]);
        }
        for h in &ip.hosts {
            o.empty(
                "host",
                &[
                    ("mac", h.mac.clone()),
                    ("id", h.id.clone()),
                    ("name", h.name.clone()),
                    ("ip", h.ip.map(|a| a.to_string())),
                ],
            );
        }
        if let Some((file, server)) = &ip.bootp {
            o.empty(
                "bootp",
                &[
                    ("file", some(file)),
                    ("server", server.map(|s| s.to_string())),
                ],
            );
        }
        o.close("dhcp");
    }
    o.close("ip");
}
