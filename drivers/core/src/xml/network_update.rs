//! `virNetworkUpdate` on a definition: libvirt's `virNetworkDefUpdateSection` and its
//! per-section helpers (`src/conf/network_conf.c`), with their error texts.

use std::net::IpAddr;

use super::{
    network::{
        parse_dhcp_host, parse_dns_host, parse_mac, parse_portgroup, parse_range, parse_srv,
        parse_txt,
    },
    tree::{self, Element},
};
use crate::{
    error::{Error, Result},
    model::{DnsHost, DnsTxt, IpDef, NetworkDef},
};

/// `virNetworkUpdateCommand`.
pub mod command {
    pub const MODIFY: u32 = 1;
    pub const DELETE: u32 = 2;
    pub const ADD_LAST: u32 = 3;
    pub const ADD_FIRST: u32 = 4;
}

/// `virNetworkUpdateSection`.
pub mod section {
    pub const BRIDGE: u32 = 1;
    pub const DOMAIN: u32 = 2;
    pub const IP: u32 = 3;
    pub const IP_DHCP_HOST: u32 = 4;
    pub const IP_DHCP_RANGE: u32 = 5;
    pub const FORWARD: u32 = 6;
    pub const FORWARD_INTERFACE: u32 = 7;
    pub const FORWARD_PF: u32 = 8;
    pub const PORTGROUP: u32 = 9;
    pub const DNS_HOST: u32 = 10;
    pub const DNS_TXT: u32 = 11;
    pub const DNS_SRV: u32 = 12;
}

fn no_support(def: &NetworkDef, section: &str) -> Error {
    Error::OperationUnsupported(format!(
        "can't update '{section}' section of network '{}'",
        def.name
    ))
}

fn unknown_command(command: u32) -> Error {
    Error::OperationUnsupported(format!(
        "unrecognized network update command code {command}"
    ))
}

fn check_element(def: &NetworkDef, el: &Element, section: &str) -> Result<()> {
    if el.name != section {
        return Err(Error::Xml(format!(
            "unexpected element <{}>, expecting <{section}>, while updating network '{}'",
            el.name, def.name
        )));
    }
    Ok(())
}

fn is_add(command: u32) -> bool {
    command == command::ADD_FIRST || command == command::ADD_LAST
}

/// Inserts `item` first or last as `command` says.
fn insert<T>(list: &mut Vec<T>, command: u32, item: T) {
    if command == command::ADD_FIRST {
        list.insert(0, item);
    } else {
        list.push(item);
    }
}

/// Applies one `virNetworkUpdate` change to `def`.
pub fn update_network(
    def: &mut NetworkDef,
    command: u32,
    section: u32,
    parent_index: i32,
    xml: &str,
) -> Result<()> {
    let el = tree::parse_fragment(xml, "network_update_xml")?;
    match section {
        section::BRIDGE => Err(no_support(def, "bridge")),
        section::DOMAIN => Err(no_support(def, "domain")),
        section::IP => Err(no_support(def, "ip")),
        section::IP_DHCP_HOST => update_dhcp_host(def, command, parent_index, &el),
        section::IP_DHCP_RANGE => update_dhcp_range(def, command, parent_index, &el),
        section::FORWARD => Err(no_support(def, "forward")),
        section::FORWARD_INTERFACE => update_forward_interface(def, command, &el),
        section::FORWARD_PF => Err(no_support(def, "forward pf")),
        section::PORTGROUP => update_portgroup(def, command, &el),
        section::DNS_HOST => update_dns_host(def, command, &el),
        section::DNS_TXT => update_dns_txt(def, command, &el),
        section::DNS_SRV => update_dns_srv(def, command, &el),
        _ => Err(Error::OperationUnsupported(
            "can't update unrecognized section of network".to_owned(),
        )),
    }
}

/// `virNetworkDefUpdatePortGroup`: port groups are found by name; only one is the default.
fn update_portgroup(def: &mut NetworkDef, command: u32, el: &Element) -> Result<()> {
    check_element(def, el, "portgroup")?;
    let pg = parse_portgroup(el)?;
    let found = def.portgroups.iter().position(|p| p.name == pg.name);
    let default = def.portgroups.iter().rposition(|p| p.is_default);
    match found {
        None if command == command::MODIFY || command == command::DELETE => {
            return Err(Error::OperationInvalid(format!(
                "couldn't find a portgroup entry in network '{}' matching <portgroup name='{}'>",
                def.name, pg.name
            )))
        }
        Some(_) if is_add(command) => {
            return Err(Error::OperationInvalid(format!(
                "there is an existing portgroup entry in network '{}' that matches \"<portgroup name='{}'>\"",
                def.name, pg.name
            )))
        }
        _ => {}
    }
    if command != command::DELETE && pg.is_default && default.is_some() && default != found {
        return Err(Error::OperationInvalid(format!(
            "a different portgroup entry in network '{}' is already set as the default. Only one default is allowed.",
            def.name
        )));
    }
    match (command, found) {
        (command::MODIFY, Some(i)) => def.portgroups[i] = pg,
        (command::DELETE, Some(i)) => {
            def.portgroups.remove(i);
        }
        (c, _) if is_add(c) => insert(&mut def.portgroups, c, pg),
        _ => return Err(unknown_command(command)),
    }
    Ok(())
}

/// `virNetworkIPDefByIndex`: the `<ip>` whose DHCP part is updated.
fn ip_by_index(def: &NetworkDef, parent_index: i32) -> Result<usize> {
    if let Ok(i) = usize::try_from(parent_index) {
        if i < def.ips.len() {
            return Ok(i);
        }
        return Err(Error::OperationInvalid(format!(
            "couldn't update dhcp host entry - no <ip> element found at index {parent_index} in network '{}'",
            def.name
        )));
    }
    def.ips
        .iter()
        .position(|ip| !ip.ranges.is_empty() || !ip.hosts.is_empty())
        .or_else(|| def.ips.iter().position(|ip| ip.address.is_ipv4()))
        .or_else(|| def.ips.iter().position(|ip| ip.address.is_ipv6()))
        .ok_or_else(|| {
            Error::OperationInvalid(format!(
                "couldn't update dhcp host entry - no <ip> element found in network '{}'",
                def.name
            ))
        })
}

/// `virNetworkDefUpdateCheckMultiDHCP`: DHCP on one address per family only.
fn check_multi_dhcp(def: &NetworkDef, index: usize) -> Result<()> {
    let v4 = def.ips[index].address.is_ipv4();
    let busy = |(i, ip): (usize, &IpDef)| {
        i != index && ip.address.is_ipv4() == v4 && (!ip.ranges.is_empty() || !ip.hosts.is_empty())
    };
    if def.ips.iter().enumerate().any(busy) {
        return Err(Error::OperationInvalid(format!(
            "dhcp is supported only for a single {} address on each network",
            if v4 { "IPv4" } else { "IPv6" }
        )));
    }
    Ok(())
}

fn same_mac(a: &Option<String>, b: &Option<String>) -> bool {
    match (
        a.as_deref().and_then(parse_mac),
        b.as_deref().and_then(parse_mac),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn update_dhcp_host(
    def: &mut NetworkDef,
    command: u32,
    parent_index: i32,
    el: &Element,
) -> Result<()> {
    check_element(def, el, "host")?;
    let index = ip_by_index(def, parent_index)?;
    let partial = command == command::DELETE;
    let parent = def.ips[index].address;
    let host = parse_dhcp_host(&def.name, parent, el, partial)?;
    if !partial && host.ip.map(|a| a.is_ipv4()) != Some(parent.is_ipv4()) {
        return Err(Error::OperationInvalid(
            "the address family of a host entry IP must match the address family of the dhcp element's parent"
                .to_owned(),
        ));
    }
    let ip_text = host
        .ip
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    let name = def.name.clone();
    match command {
        command::MODIFY => {
            let hosts = &mut def.ips[index].hosts;
            let Some(i) = hosts.iter().position(|h| {
                same_mac(&host.mac, &h.mac)
                    || (host.ip.is_some() && host.ip == h.ip)
                    || (host.name.is_some() && host.name == h.name)
            }) else {
                return Err(Error::OperationInvalid(format!(
                    "couldn't locate an existing dhcp host entry with \"mac='{}'\" \"name='{}'\" \"ip='{ip_text}'\" in network '{name}'",
                    host.mac.as_deref().unwrap_or("unknown"),
                    host.name.as_deref().unwrap_or("(null)"),
                )));
            };
            hosts[i] = host;
        }
        c if is_add(c) => {
            check_multi_dhcp(def, index)?;
            let hosts = &mut def.ips[index].hosts;
            if hosts.iter().any(|h| {
                same_mac(&host.mac, &h.mac)
                    || (host.name.is_some() && host.name == h.name)
                    || (host.ip.is_some() && host.ip == h.ip)
            }) {
                return Err(Error::OperationInvalid(format!(
                    "there is an existing dhcp host entry in network '{name}' that matches \"<host mac='{}' name='{}' ip='{ip_text}'/>\"",
                    host.mac.as_deref().unwrap_or("unknown"),
                    host.name.as_deref().unwrap_or("(null)"),
                )));
            }
            insert(hosts, c, host);
        }
        command::DELETE => {
            let hosts = &mut def.ips[index].hosts;
            let Some(i) = hosts.iter().position(|h| {
                (host.mac.is_none() || h.mac.is_none() || same_mac(&host.mac, &h.mac))
                    && (host.name.is_none() || host.name == h.name)
                    && (host.ip.is_none() || host.ip == h.ip)
            }) else {
                return Err(Error::OperationInvalid(format!(
                    "couldn't locate a matching dhcp host entry in network '{name}'"
                )));
            };
            hosts.remove(i);
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_dhcp_range(
    def: &mut NetworkDef,
    command: u32,
    parent_index: i32,
    el: &Element,
) -> Result<()> {
    check_element(def, el, "range")?;
    let index = ip_by_index(def, parent_index)?;
    if command == command::MODIFY {
        return Err(Error::OperationUnsupported(
            "dhcp ranges cannot be modified, only added or deleted".to_owned(),
        ));
    }
    let range = parse_range(&def.name, &def.ips[index], el)?;
    if range.start.is_ipv4() != def.ips[index].address.is_ipv4() {
        return Err(Error::OperationInvalid(
            "the address family of a dhcp range must match the address family of the dhcp element's parent"
                .to_owned(),
        ));
    }
    let found = def.ips[index].ranges.iter().position(|r| *r == range);
    let name = def.name.clone();
    match command {
        c if is_add(c) => {
            check_multi_dhcp(def, index)?;
            if found.is_some() {
                return Err(Error::OperationInvalid(format!(
                    "there is an existing dhcp range entry in network '{name}' that matches \"<range start='{}' end='{}'/>\"",
                    range.start, range.end
                )));
            }
            insert(&mut def.ips[index].ranges, c, range);
        }
        command::DELETE => {
            let Some(i) = found else {
                return Err(Error::OperationInvalid(format!(
                    "couldn't locate a matching dhcp range entry in network '{name}'"
                )));
            };
            def.ips[index].ranges.remove(i);
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_forward_interface(def: &mut NetworkDef, command: u32, el: &Element) -> Result<()> {
    check_element(def, el, "interface")?;
    if command == command::MODIFY {
        return Err(Error::OperationUnsupported(
            "forward interface entries cannot be modified, only added or deleted".to_owned(),
        ));
    }
    let Some(dev) = el.attr_string("dev") else {
        return Err(Error::Xml(
            "missing dev attribute in <interface> element".to_owned(),
        ));
    };
    let name = def.name.clone();
    let Some(fwd) = def.forward.as_mut() else {
        // An isolated network has no forward interfaces: nothing to delete, and libvirt
        // keeps the added ones on a forward of type "none" it never prints.
        return Err(no_support(def, "forward interface"));
    };
    let found = fwd.interfaces.iter().position(|d| *d == dev);
    match command {
        c if is_add(c) => {
            if found.is_some() {
                return Err(Error::OperationInvalid(format!(
                    "there is an existing interface entry in network '{name}' that matches \"<interface dev='{dev}'>\""
                )));
            }
            insert(&mut fwd.interfaces, c, dev);
        }
        command::DELETE => {
            let Some(i) = found else {
                return Err(Error::OperationInvalid(format!(
                    "couldn't find an interface entry in network '{name}' matching <interface dev='{dev}'>"
                )));
            };
            fwd.interfaces.remove(i);
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_dns_host(def: &mut NetworkDef, command: u32, el: &Element) -> Result<()> {
    check_element(def, el, "host")?;
    let add = is_add(command);
    let (ip, hostnames) = parse_dns_host(&def.name, el, !add)?;
    let name = def.name.clone();
    let hosts = &mut def.dns.hosts;
    let mut found = Vec::new();
    let mut modify_at = None;
    for (i, h) in hosts.iter().enumerate() {
        let mut this = ip.is_some_and(|a: IpAddr| a == h.ip);
        if this {
            modify_at = Some(i);
        }
        if command == command::DELETE && !this {
            this = hostnames.iter().any(|n| h.hostnames.contains(n));
        }
        if this {
            found.push(i);
        }
    }
    let not_found = || {
        Error::OperationInvalid(format!(
            "couldn't locate a matching DNS HOST record in network {name}"
        ))
    };
    let multiple = || {
        Error::OperationInvalid(format!(
            "multiple matching DNS HOST records were found in network {name}"
        ))
    };
    match command {
        c if add => {
            if !found.is_empty() {
                return Err(Error::OperationInvalid(format!(
                    "there is already at least one DNS HOST record with a matching field in network {name}"
                )));
            }
            let Some(ip) = ip else {
                return Err(not_found());
            };
            insert(hosts, c, DnsHost { ip, hostnames });
        }
        command::DELETE | command::MODIFY => {
            match found.len() {
                0 => return Err(not_found()),
                1 => {}
                _ => return Err(multiple()),
            }
            if command == command::DELETE {
                hosts.remove(found[0]);
            } else {
                let (Some(i), Some(ip)) = (modify_at, ip) else {
                    return Err(not_found());
                };
                hosts[i] = DnsHost { ip, hostnames };
            }
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_dns_txt(def: &mut NetworkDef, command: u32, el: &Element) -> Result<()> {
    check_element(def, el, "txt")?;
    let add = is_add(command);
    let (tname, value) = parse_txt(&def.name, el, !add)?;
    let name = def.name.clone();
    let txts = &mut def.dns.txts;
    let found = txts.iter().position(|t| t.name == tname);
    let not_found = || {
        Error::OperationInvalid(format!(
            "couldn't locate a matching DNS TXT record in network {name}"
        ))
    };
    match command {
        c if add => {
            if found.is_some() {
                return Err(Error::OperationInvalid(format!(
                    "there is already a DNS TXT record with name '{tname}' in network {name}"
                )));
            }
            insert(
                txts,
                c,
                DnsTxt {
                    name: tname,
                    value: value.unwrap_or_default(),
                },
            );
        }
        command::DELETE => {
            txts.remove(found.ok_or_else(not_found)?);
        }
        command::MODIFY => {
            let i = found.ok_or_else(not_found)?;
            let Some(value) = value else {
                return Err(Error::OperationInvalid(format!(
                    "missing value of modifying DNS TXT record in network {name}"
                )));
            };
            txts[i].value = value;
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_dns_srv(def: &mut NetworkDef, command: u32, el: &Element) -> Result<()> {
    if command == command::MODIFY {
        return Err(Error::OperationUnsupported(
            "DNS SRV records cannot be modified, only added or deleted".to_owned(),
        ));
    }
    check_element(def, el, "srv")?;
    let add = is_add(command);
    let srv = parse_srv(&def.name, el, !add)?;
    let name = def.name.clone();
    let srvs = &mut def.dns.srvs;
    let matching: Vec<usize> = srvs
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            (srv.domain.is_none() || srv.domain == s.domain)
                && (srv.service.is_empty() || srv.service == s.service)
                && (srv.protocol.is_empty() || srv.protocol == s.protocol)
                && (srv.target.is_none() || srv.target == s.target)
        })
        .map(|(i, _)| i)
        .collect();
    match command {
        c if add => {
            if !matching.is_empty() {
                return Err(Error::OperationInvalid(format!(
                    "there is already at least one DNS SRV record matching all specified fields in network {name}"
                )));
            }
            insert(srvs, c, srv);
        }
        command::DELETE => match matching.as_slice() {
            [] => {
                return Err(Error::OperationInvalid(format!(
                    "couldn't locate a matching DNS SRV record in network {name}"
                )))
            }
            [i] => {
                srvs.remove(*i);
            }
            _ => {
                return Err(Error::OperationInvalid(format!(
                    "multiple DNS SRV records matching all specified fields were found in network {name}"
                )))
            }
        },
        c => return Err(unknown_command(c)),
    }
    Ok(())
}
