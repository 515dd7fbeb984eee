//! `<filter>` parsing and formatting with libvirt's rules and error texts
//! (`src/conf/nwfilter_conf.c`: `virNWFilterDefParseXML`, `virNWFilterRuleParse`,
//! `virNWFilterIncludeParse`, `virNWFilterDefFormat`).
//!
//! Each protocol element has libvirt's attribute table: attributes it does not know are
//! ignored (refused under VIR_NWFILTER_DEFINE_VALIDATE), values it cannot use are refused,
//! and `$VARIABLE` references are kept as written.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{
    network::parse_mac,
    tree::{self, Element},
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{
        FilterRef, NWFilterDef, NWFilterEntry, NWFilterRule, RuleAction, RuleDirection, RuleMatch,
    },
};

/// Filter priorities (`NWFILTER_MIN/MAX_FILTER_PRIORITY`) and rule priorities.
const MIN_PRIORITY: i32 = -1000;
const MAX_PRIORITY: i32 = 1000;
/// A rule's priority when none (or none in range) is given.
const DEFAULT_RULE_PRIORITY: i32 = 500;
/// Longest `comment` value (`MAX_COMMENT_LENGTH`).
const MAX_COMMENT: usize = 256;

/// The chain suffixes (`virNWFilterChainSuffixType`) with their default priorities.
const CHAINS: [(&str, i32); 8] = [
    ("root", 0),
    ("mac", -800),
    ("vlan", -750),
    ("stp", -810),
    ("arp", -500),
    ("rarp", -400),
    ("ipv4", -700),
    ("ipv6", -600),
];

/// How an attribute value is read and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Mac,
    Ipv4,
    Ipv4Mask,
    Ipv6,
    Ipv6Mask,
    U8,
    U16,
    U32,
    U8Hex,
    U16Hex,
    /// A string (comments, ipset names), at most [`MAX_COMMENT`] characters.
    Str,
    /// `NEW,ESTABLISHED,RELATED,INVALID` or `NONE`.
    State,
    /// `MASK/FLAGS` of TCP flag names.
    TcpFlags,
    /// `src,dst,...` (at most 6).
    IpsetFlags,
    /// A MAC protocol id: `arp`, `rarp`, `ipv4`, `ipv6` or a 16-bit number.
    MacProto,
    /// An IP protocol: a name or an 8-bit number.
    IpProto,
    /// ARP opcode: a name or a 16-bit number.
    ArpOp,
    /// `yes`/`no`/`true`/`false`/`1`/`0`.
    Bool,
}

type Table = &'static [(&'static str, Ty)];

const MAC_PROPS: [(&str, Ty); 4] = [
    ("srcmacaddr", Ty::Mac),
    ("srcmacmask", Ty::Mac),
    ("dstmacaddr", Ty::Mac),
    ("dstmacmask", Ty::Mac),
];

const fn ip_common(addr: Ty, mask: Ty) -> [(&'static str, Ty); 14] {
    [
        ("srcmacaddr", Ty::Mac),
        ("srcipaddr", addr),
        ("srcipmask", mask),
        ("dstipaddr", addr),
        ("dstipmask", mask),
        ("srcipfrom", addr),
        ("srcipto", addr),
        ("dstipfrom", addr),
        ("dstipto", addr),
        ("dscp", Ty::U8),
        ("comment", Ty::Str),
        ("state", Ty::State),
        ("ipset", Ty::Str),
        ("ipsetflags", Ty::IpsetFlags),
    ]
}

const PORTS: [(&str, Ty); 4] = [
    ("srcportstart", Ty::U16),
    ("srcportend", Ty::U16),
    ("dstportstart", Ty::U16),
    ("dstportend", Ty::U16),
];

macro_rules! table {
    ($($part:expr),* $(,)?) => {{
        const PARTS: &[&[(&str, Ty)]] = &[$(&$part),*];
        const LEN: usize = { let mut n = 0; let mut i = 0; while i < PARTS.len() { n += PARTS[i].len(); i += 1; } n };
        const OUT: [(&str, Ty); LEN] = {
            let mut out = [("", Ty::Str); LEN];
            let mut n = 0;
            let mut i = 0;
            while i < PARTS.len() {
                let mut j = 0;
                while j < PARTS[i].len() {
                    out[n] = PARTS[i][j];
                    n += 1;
                    j += 1;
                }
                i += 1;
            }
            out
        };
        &OUT
    }};
}

const IP4: [(&str, Ty); 14] = ip_common(Ty::Ipv4, Ty::Ipv4Mask);
const IP6: [(&str, Ty); 14] = ip_common(Ty::Ipv6, Ty::Ipv6Mask);
const COMMENT: [(&str, Ty); 1] = [("comment", Ty::Str)];

/// libvirt's attribute table of every protocol element.
static PROTOCOLS: &[(&str, Table)] = &[
    (
        "mac",
        table!(MAC_PROPS, [("protocolid", Ty::MacProto)], COMMENT),
    ),
    (
        "vlan",
        table!(
            MAC_PROPS,
            [("vlanid", Ty::U16Hex), ("encap-protocol", Ty::MacProto)],
            COMMENT
        ),
    ),
    (
        "stp",
        table!(
            [("srcmacaddr", Ty::Mac), ("srcmacmask", Ty::Mac)],
            [
                ("type", Ty::U8Hex),
                ("flags", Ty::U8Hex),
                ("root-priority", Ty::U16),
                ("root-priority-hi", Ty::U16),
                ("root-address", Ty::Mac),
                ("root-address-mask", Ty::Mac),
                ("root-cost", Ty::U32),
                ("root-cost-hi", Ty::U32),
                ("sender-priority", Ty::U16),
                ("sender-priority-hi", Ty::U16),
                ("sender-address", Ty::Mac),
                ("sender-address-mask", Ty::Mac),
                ("port", Ty::U16),
                ("port-hi", Ty::U16),
                ("msg-age", Ty::U16),
                ("msg-age-hi", Ty::U16),
                ("max-age", Ty::U16),
                ("max-age-hi", Ty::U16),
                ("hello-time", Ty::U16),
                ("hello-time-hi", Ty::U16),
                ("forward-delay", Ty::U16),
                ("forward-delay-hi", Ty::U16),
            ],
            COMMENT
        ),
    ),
    ("arp", ARP),
    ("rarp", ARP),
    (
        "ip",
        table!(
            MAC_PROPS,
            [
                ("srcipaddr", Ty::Ipv4),
                ("srcipmask", Ty::Ipv4Mask),
                ("dstipaddr", Ty::Ipv4),
                ("dstipmask", Ty::Ipv4Mask),
                ("protocol", Ty::IpProto),
            ],
            PORTS,
            [("dscp", Ty::U8)],
            COMMENT
        ),
    ),
    (
        "ipv6",
        table!(
            MAC_PROPS,
            [
                ("srcipaddr", Ty::Ipv6),
                ("srcipmask", Ty::Ipv6Mask),
                ("dstipaddr", Ty::Ipv6),
                ("dstipmask", Ty::Ipv6Mask),
                ("protocol", Ty::IpProto),
            ],
            PORTS,
            [
                ("type", Ty::U8),
                ("typeend", Ty::U8),
                ("code", Ty::U8),
                ("codeend", Ty::U8),
            ],
            COMMENT
        ),
    ),
    (
        "tcp",
        table!(IP4, PORTS, [("option", Ty::U8), ("flags", Ty::TcpFlags)]),
    ),
    ("udp", table!(IP4, PORTS)),
    ("udplite", &IP4),
    ("esp", &IP4),
    ("ah", &IP4),
    ("sctp", table!(IP4, PORTS)),
    ("icmp", table!(IP4, [("type", Ty::U8), ("code", Ty::U8)])),
    ("igmp", &IP4),
    ("all", &IP4),
    (
        "tcp-ipv6",
        table!(IP6, PORTS, [("option", Ty::U8), ("flags", Ty::TcpFlags)]),
    ),
    ("udp-ipv6", table!(IP6, PORTS)),
    ("udplite-ipv6", &IP6),
    ("esp-ipv6", &IP6),
    ("ah-ipv6", &IP6),
    ("sctp-ipv6", table!(IP6, PORTS)),
    ("icmpv6", table!(IP6, [("type", Ty::U8), ("code", Ty::U8)])),
    ("all-ipv6", &IP6),
];

const ARP: Table = table!(
    MAC_PROPS,
    [
        ("hwtype", Ty::U16),
        ("protocoltype", Ty::U16),
        ("opcode", Ty::ArpOp),
        ("arpsrcmacaddr", Ty::Mac),
        ("arpdstmacaddr", Ty::Mac),
        ("arpsrcipaddr", Ty::Ipv4),
        ("arpsrcipmask", Ty::Ipv4Mask),
        ("arpdstipaddr", Ty::Ipv4),
        ("arpdstipmask", Ty::Ipv4Mask),
        ("gratuitous", Ty::Bool),
    ],
    COMMENT
);

/// A number written in decimal or, with `0x`, in hexadecimal.
fn number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn bounded(s: &str, max: u64) -> Option<u64> {
    number(s).filter(|n| *n <= max)
}

/// Whether `s` is a variable reference (`$NAME`, `$NAME[3]`, `$NAME[@1]`).
fn is_variable(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('$') else {
        return false;
    };
    let (name, index) = match rest.split_once('[') {
        Some((n, i)) => (n, Some(i)),
        None => (rest, None),
    };
    let name_ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    let index_ok = index.is_none_or(|i| {
        i.strip_suffix(']').is_some_and(|i| {
            let i = i.strip_prefix('@').unwrap_or(i);
            !i.is_empty() && i.chars().all(|c| c.is_ascii_digit())
        })
    });
    name_ok && index_ok
}

fn mask_prefix(s: &str, bits: u32, as_addr: impl Fn(&str) -> Option<u128>) -> Option<String> {
    if let Some(n) = number(s) {
        return (n <= u64::from(bits)).then(|| n.to_string());
    }
    let v = as_addr(s)?;
    let ones = v.leading_ones();
    // A mask is contiguous ones followed by zeros.
    (v.checked_shl(ones).unwrap_or(0) == 0).then(|| ones.to_string())
}

fn list_of(s: &str, names: &[&str]) -> bool {
    !s.is_empty() && s.split(',').all(|p| names.contains(&p))
}

/// The printed form of `value` for an attribute of type `ty`, `None` if it is not valid.
fn normalize(ty: Ty, value: &str) -> Option<String> {
    if is_variable(value) {
        return Some(value.to_owned());
    }
    match ty {
        Ty::Mac => parse_mac(value).map(|m| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        }),
        Ty::Ipv4 => value.parse::<Ipv4Addr>().ok().map(|a| a.to_string()),
        Ty::Ipv6 => value.parse::<Ipv6Addr>().ok().map(|a| a.to_string()),
        Ty::Ipv4Mask => mask_prefix(value, 32, |s| {
            s.parse::<Ipv4Addr>()
                .ok()
                .map(|a| u128::from(u32::from(a)) << 96)
        }),
        Ty::Ipv6Mask => mask_prefix(value, 128, |s| s.parse::<Ipv6Addr>().ok().map(u128::from)),
        Ty::U8 => bounded(value, 0xff).map(|n| n.to_string()),
        Ty::U16 => bounded(value, 0xffff).map(|n| n.to_string()),
        Ty::U32 => bounded(value, 0xffff_ffff).map(|n| n.to_string()),
        Ty::U8Hex => bounded(value, 0xff).map(|n| format!("0x{n:x}")),
        Ty::U16Hex => bounded(value, 0xffff).map(|n| format!("0x{n:x}")),
        Ty::Str => (value.chars().count() <= MAX_COMMENT).then(|| value.to_owned()),
        Ty::State => (value == "NONE"
            || list_of(value, &["NEW", "ESTABLISHED", "RELATED", "INVALID"]))
        .then(|| value.to_owned()),
        Ty::TcpFlags => {
            const FLAGS: [&str; 8] = ["SYN", "ACK", "URG", "PSH", "FIN", "RST", "ALL", "NONE"];
            let (mask, set) = value.split_once('/')?;
            (list_of(mask, &FLAGS) && list_of(set, &FLAGS)).then(|| value.to_owned())
        }
        Ty::IpsetFlags => {
            let parts: Vec<&str> = value.split(',').collect();
            (parts.len() <= 6 && list_of(value, &["src", "dst"])).then(|| value.to_owned())
        }
        Ty::MacProto => {
            if ["arp", "rarp", "ipv4", "ipv6"].contains(&value) {
                Some(value.to_owned())
            } else {
                bounded(value, 0xffff)
                    .filter(|n| *n >= 0x600)
                    .map(|n| format!("0x{n:x}"))
            }
        }
        Ty::IpProto => {
            const NAMES: [&str; 9] = [
                "tcp", "udp", "udplite", "esp", "ah", "icmp", "igmp", "sctp", "icmpv6",
            ];
            if NAMES.contains(&value) {
                Some(value.to_owned())
            } else {
                bounded(value, 0xff).map(|n| n.to_string())
            }
        }
        Ty::ArpOp => {
            const NAMES: [&str; 9] = [
                "Request",
                "Reply",
                "Request_Reverse",
                "Reply_Reverse",
                "DRARP_Request",
                "DRARP_Reply",
                "DRARP_Error",
                "InARP_Request",
                "ARP_NAK",
            ];
            if NAMES.contains(&value) {
                Some(value.to_owned())
            } else {
                bounded(value, 0xffff).map(|n| n.to_string())
            }
        }
        // Anything but a word for true is false, as libvirt reads it.
        Ty::Bool => Some(
            if matches!(value, "yes" | "true" | "1") {
                "true"
            } else {
                "false"
            }
            .to_owned(),
        ),
    }
}

/// Parses a `<filter>` document (`virNWFilterDefParseString`), generating a UUID when the
/// document has none.
pub fn parse_nwfilter(xml: &str) -> Result<NWFilterDef> {
    parse_nwfilter_with(xml, false)
}

/// [`parse_nwfilter`], and with `validate` (VIR_NWFILTER_DEFINE_VALIDATE) anything the
/// filter schema does not know fails instead of being ignored.
pub fn parse_nwfilter_with(xml: &str, validate: bool) -> Result<NWFilterDef> {
    let root = tree::parse_document(xml, "nwfilter_definition", "filter")?;
    root.mark();
    let def = filter_from_element(&root)?;
    if validate {
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against /usr/share/libvirt/schemas/nwfilter.rng\n{what}"
            )));
        }
    }
    Ok(def)
}

fn invalid_chain(chain: &str) -> Error {
    let prefixes: Vec<&str> = CHAINS[1..].iter().map(|(n, _)| *n).collect();
    Error::InvalidArg(format!(
        "Invalid chain name '{chain}'. Please use a chain name called 'root' or any of the following prefixes: {}",
        prefixes.join(", ")
    ))
}

/// The longest chain name (`MAX_CHAIN_SUFFIX_SIZE`).
const MAX_CHAIN_NAME: usize = 12;

/// `virNWFilterIsValidChainName` then `virNWFilterIsAllowedChain`: the default priority of
/// an allowed chain name (`root`, or a name starting with another suffix).
fn chain_priority(chain: &str) -> Result<i32> {
    if chain.len() > MAX_CHAIN_NAME {
        return Err(Error::InvalidArg(format!(
            "Name of chain is longer than {MAX_CHAIN_NAME} characters"
        )));
    }
    if !chain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
    {
        return Err(Error::InvalidArg(
            "Chain name contains invalid characters".to_owned(),
        ));
    }
    if chain == "root" {
        return Ok(0);
    }
    if chain.starts_with("root") {
        // libvirt refuses 'root' as a prefix without reporting why: the caller sees the
        // generic failure.
        return Err(Error::Internal(
            "An error occurred, but the cause is unknown".to_owned(),
        ));
    }
    CHAINS[1..]
        .iter()
        .find(|(name, _)| chain.starts_with(name))
        .map(|(_, pri)| *pri)
        .ok_or_else(|| invalid_chain(chain))
}

fn filter_from_element(root: &Element) -> Result<NWFilterDef> {
    let Some(name) = root.attr_string("name").filter(|s| !s.is_empty()) else {
        return Err(Error::Internal("filter has no name".to_owned()));
    };
    let priority = match root.attr("priority").filter(|s| !s.is_empty()) {
        None => None,
        Some(p) => {
            let n: i32 = p
                .parse()
                .map_err(|_| Error::InvalidArg(format!("Could not parse chain priority '{p}'")))?;
            if !(MIN_PRIORITY..=MAX_PRIORITY).contains(&n) {
                return Err(Error::InvalidArg(format!(
                    "Priority '{n}' is outside valid range of [{MIN_PRIORITY},{MAX_PRIORITY}]"
                )));
            }
            Some(n)
        }
    };
    // Without a chain the filter is the root chain, priority 0 whatever was given.
    let (chain, priority) = match root.attr_string("chain").filter(|s| !s.is_empty()) {
        None => ("root".to_owned(), 0),
        Some(chain) => {
            let default_priority = chain_priority(&chain)?;
            let priority = priority.unwrap_or(default_priority);
            (chain, priority)
        }
    };
    let (uuid, uuid_specified) = match root.child_text("uuid").filter(|s| !s.is_empty()) {
        None => (uuid::Uuid::new_v4(), false),
        Some(text) => (
            crate::uuid_str::parse(text.trim())
                .map_err(|_| Error::Xml("malformed uuid element".to_owned()))?,
            true,
        ),
    };
    let mut entries = Vec::new();
    for el in root.elements() {
        match el.name.as_str() {
            "rule" => {
                el.mark();
                entries.push(NWFilterEntry::Rule(parse_rule(el)?));
            }
            "filterref" => {
                el.mark();
                entries.push(NWFilterEntry::Ref(parse_ref(el)?));
            }
            // libvirt skips what it does not know.
            _ => {}
        }
    }
    Ok(NWFilterDef {
        name,
        uuid,
        uuid_specified,
        chain,
        priority,
        entries,
    })
}

/// `virNWFilterRuleParse`.
fn parse_rule(el: &Element) -> Result<NWFilterRule> {
    let Some(action) = el.attr("action") else {
        return Err(Error::Internal(
            "rule node requires action attribute".to_owned(),
        ));
    };
    let Some(action) = RuleAction::parse(action) else {
        return Err(Error::ConfigUnsupported(
            "unknown rule action attribute value".to_owned(),
        ));
    };
    let Some(direction) = el.attr("direction") else {
        return Err(Error::Internal(
            "rule node requires direction attribute".to_owned(),
        ));
    };
    let Some(direction) = RuleDirection::parse(direction) else {
        return Err(Error::ConfigUnsupported(
            "unknown rule direction attribute value".to_owned(),
        ));
    };
    // An unparsable or out-of-range priority silently gives the default.
    let priority = el
        .attr("priority")
        .and_then(|p| p.parse::<i32>().ok())
        .filter(|p| (MIN_PRIORITY..=MAX_PRIORITY).contains(p))
        .unwrap_or(DEFAULT_RULE_PRIORITY);
    let no_statematch = el
        .attr("statematch")
        .is_some_and(|s| s == "0" || s.eq_ignore_ascii_case("false"));
    let mut matches = None;
    for child in el.elements() {
        let Some((protocol, table)) = PROTOCOLS.iter().find(|(n, _)| *n == child.name) else {
            continue;
        };
        child.mark();
        let negated = child.attr("match") == Some("no");
        let mut attrs = Vec::new();
        // virNWFilterRuleDetailsParse reads every attribute; the last bad one is reported.
        let mut illegal = None;
        for (attr, ty) in table.iter() {
            let Some(value) = child.attr(attr) else {
                continue;
            };
            match normalize(*ty, value) {
                Some(printed) => attrs.push(((*attr).to_owned(), printed)),
                None => illegal = Some(format!("{attr} has illegal value {value}")),
            }
        }
        if let Some(text) = illegal {
            return Err(Error::Internal(text));
        }
        check_ports_need_protocol(protocol, &attrs)?;
        matches = Some(RuleMatch {
            protocol: (*protocol).to_owned(),
            negated,
            attrs,
        });
        // libvirt uses the first protocol element only.
        break;
    }
    Ok(NWFilterRule {
        action,
        direction,
        priority,
        no_statematch,
        matches,
    })
}

/// The number of an IP protocol as `<ip protocol>` names it (`checkIPProtocolID`); 0 for a
/// variable, which libvirt reads as 0 here.
fn ip_protocol_number(value: &str) -> u64 {
    const NAMES: [(&str, u64); 9] = [
        ("tcp", 6),
        ("udp", 17),
        ("udplite", 136),
        ("esp", 50),
        ("ah", 51),
        ("icmp", 1),
        ("igmp", 2),
        ("sctp", 132),
        ("icmpv6", 58),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, v)| *v)
        .or_else(|| number(value))
        .unwrap_or(0)
}

/// `virNWFilterRuleValidate`: an `ip` or `ipv6` rule that names ports must name a protocol
/// with ports (tcp, udp, dccp or sctp).
fn check_ports_need_protocol(protocol: &str, attrs: &[(String, String)]) -> Result<()> {
    let family = match protocol {
        "ip" => "IP",
        "ipv6" => "IPv6",
        _ => return Ok(()),
    };
    let has = |name: &str| {
        attrs
            .iter()
            .find(|(a, _)| a == name)
            .map(|(_, v)| v.as_str())
    };
    let has_ports = ["srcportstart", "dstportstart", "srcportend", "dstportend"]
        .iter()
        .any(|p| has(p).is_some());
    if !has_ports {
        return Ok(());
    }
    match has("protocol").map(ip_protocol_number) {
        Some(6 | 17 | 33 | 132) => Ok(()),
        _ => Err(Error::Internal(format!(
            "{family} rule with port specification requires protocol specification with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)"
        ))),
    }
}

/// `virNWFilterIncludeParse`.
fn parse_ref(el: &Element) -> Result<FilterRef> {
    let Some(filter) = el.attr_string("filter") else {
        // libvirt's text for a <filterref> without filter= (sic).
        return Err(Error::Internal(
            "rule node requires action attribute".to_owned(),
        ));
    };
    Ok(FilterRef {
        filter,
        params: parse_filter_params(el),
    })
}

/// The characters of a variable name (`VALID_VARNAME`).
fn is_var_name(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The characters of a variable value (`VALID_VARVALUE`); a value is never empty.
fn is_var_value(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':'))
}

/// `virNWFilterParseParamAttributes`: the `<parameter name value/>` children of a
/// `<filterref>`, in the order libvirt prints them (by name, the values of one name in
/// document order). A parameter without both attributes, or with a name or value of
/// characters libvirt does not allow, is skipped, as libvirt does.
pub(crate) fn parse_filter_params(el: &Element) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = el
        .children_named("parameter")
        .filter_map(|p| Some((p.attr_string("name")?, p.attr_string("value")?)))
        .filter(|(name, value)| is_var_name(name) && is_var_value(value))
        .collect();
    params.sort_by(|a, b| a.0.cmp(&b.0));
    params
}

/// `virNWFilterFormatParamAttributes`: `<filterref filter=...>` with its parameters.
pub(crate) fn format_filterref(o: &mut XmlOut, f: &FilterRef) {
    if f.params.is_empty() {
        o.empty("filterref", &[("filter", some(&f.filter))]);
        return;
    }
    o.open("filterref", &[("filter", some(&f.filter))]);
    for (k, v) in &f.params {
        o.empty("parameter", &[("name", some(k)), ("value", some(v))]);
    }
    o.close("filterref");
}

/// Formats a filter as `virNWFilterDefFormat` does.
pub fn format_nwfilter(def: &NWFilterDef) -> String {
    let mut o = XmlOut::default();
    let priority = (def.priority != 0).then(|| def.priority.to_string());
    o.open(
        "filter",
        &[
            ("name", some(&def.name)),
            ("chain", some(&def.chain)),
            ("priority", priority),
        ],
    );
    o.text("uuid", &[], &def.uuid.to_string());
    for entry in &def.entries {
        match entry {
            NWFilterEntry::Rule(r) => {
                let attrs = [
                    ("action", some(r.action.as_str())),
                    ("direction", some(r.direction.as_str())),
                    ("priority", some(&r.priority)),
                    ("statematch", r.no_statematch.then(|| "false".to_owned())),
                ];
                match &r.matches {
                    None => o.empty("rule", &attrs),
                    Some(m) => {
                        o.open("rule", &attrs);
                        let mut list: Vec<(&str, Option<String>)> = Vec::new();
                        if m.negated {
                            list.push(("match", some("no")));
                        }
                        list.extend(m.attrs.iter().map(|(k, v)| (k.as_str(), some(v))));
                        o.empty(&m.protocol, &list);
                        o.close("rule");
                    }
                }
            }
            NWFilterEntry::Ref(f) => format_filterref(&mut o, f),
        }
    }
    o.close("filter");
    o.finish()
}
