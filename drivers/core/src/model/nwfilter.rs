//! The network filter definition (`<filter>`), as libvirt's `virNWFilterDef` holds it
//! (`src/conf/nwfilter_conf.h`): a chain, a priority, and rules and references to other
//! filters in document order.
//!
//! A rule's protocol match keeps its attributes as libvirt prints them (in the order of
//! libvirt's attribute table for the protocol, values normalized: MAC addresses in lower
//! case, masks as prefix lengths, hexadecimal fields as `0x..`), since the firewall itself is
//! never built here.

use uuid::Uuid;

/// `virNWFilterRuleActionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Drop,
    Accept,
    Reject,
    Return,
    Continue,
}

impl RuleAction {
    pub const ALL: [RuleAction; 5] = [
        RuleAction::Drop,
        RuleAction::Accept,
        RuleAction::Reject,
        RuleAction::Return,
        RuleAction::Continue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::Drop => "drop",
            RuleAction::Accept => "accept",
            RuleAction::Reject => "reject",
            RuleAction::Return => "return",
            RuleAction::Continue => "continue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// `virNWFilterRuleDirectionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleDirection {
    In,
    Out,
    InOut,
}

impl RuleDirection {
    pub const ALL: [RuleDirection; 3] =
        [RuleDirection::In, RuleDirection::Out, RuleDirection::InOut];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleDirection::In => "in",
            RuleDirection::Out => "out",
            RuleDirection::InOut => "inout",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The protocol match of a rule (`<mac>`, `<ip>`, `<tcp>` ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// The element name (`mac`, `tcp-ipv6`, ...).
    pub protocol: String,
    /// `match='no'`: the rule applies when the attributes do not match.
    pub negated: bool,
    /// (attribute, value), in libvirt's table order, values normalized.
    pub attrs: Vec<(String, String)>,
}

/// `<rule>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NWFilterRule {
    pub action: RuleAction,
    pub direction: RuleDirection,
    /// -1000..=1000; 500 when not given or out of range.
    pub priority: i32,
    /// `statematch='false'`.
    pub no_statematch: bool,
    /// `None`: the rule matches every packet.
    pub matches: Option<RuleMatch>,
}

/// `<filterref filter=...>` with its `<parameter name value/>`s, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterRef {
    pub filter: String,
    pub params: Vec<(String, String)>,
}

/// One entry of a filter, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NWFilterEntry {
    Rule(NWFilterRule),
    Ref(FilterRef),
}

/// A network filter definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NWFilterDef {
    pub name: String,
    pub uuid: Uuid,
    /// Whether the document gave the UUID (a redefinition by name keeps the old one).
    pub uuid_specified: bool,
    /// `chain=`: `root` when not given.
    pub chain: String,
    /// `priority=`: the chain's default when not given.
    pub priority: i32,
    pub entries: Vec<NWFilterEntry>,
}

impl NWFilterDef {
    /// The names of the filters this one references, in order.
    pub fn references(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|e| match e {
            NWFilterEntry::Ref(r) => Some(r.filter.as_str()),
            NWFilterEntry::Rule(_) => None,
        })
    }
}
