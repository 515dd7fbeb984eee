//! The network definition (`<network>`), as libvirt's `virNetworkDef` holds the parts
//! virtbus models. Parts libvirt knows but virtbus does not model (the forward `<driver>`,
//! PCI forward addresses, DHCP lease times) are refused when parsed, never dropped.

use std::net::{IpAddr, Ipv4Addr};

use uuid::Uuid;

use super::{BandwidthDef, MetadataElement};

/// `<forward mode=...>` (`virNetworkForwardType`, without NONE: no `<forward>` at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardMode {
    Nat,
    Route,
    Open,
    Bridge,
    Private,
    Vepa,
    Passthrough,
    Hostdev,
}

impl ForwardMode {
    /// Every mode, in libvirt's enum order.
    pub const ALL: [ForwardMode; 8] = [
        ForwardMode::Nat,
        ForwardMode::Route,
        ForwardMode::Open,
        ForwardMode::Bridge,
        ForwardMode::Private,
        ForwardMode::Vepa,
        ForwardMode::Passthrough,
        ForwardMode::Hostdev,
    ];

    /// The mode as the XML writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardMode::Nat => "nat",
            ForwardMode::Route => "route",
            ForwardMode::Open => "open",
            ForwardMode::Bridge => "bridge",
            ForwardMode::Private => "private",
            ForwardMode::Vepa => "vepa",
            ForwardMode::Passthrough => "passthrough",
            ForwardMode::Hostdev => "hostdev",
        }
    }

    /// The mode written `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether the network has a libvirt-managed bridge (nat, route, open; isolated too).
    pub fn has_bridge(self) -> bool {
        matches!(
            self,
            ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open
        )
    }
}

/// `<nat>` inside a NAT `<forward>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NatDef {
    /// `ipv6='yes|no'`.
    pub ipv6: Option<bool>,
    /// `<address start end/>`: the SNAT address range.
    pub address: Option<(Ipv4Addr, Ipv4Addr)>,
    /// `<port start end/>`: the SNAT port range (0 = unset).
    pub port_start: u32,
    pub port_end: u32,
}

/// `<forward>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardDef {
    pub mode: ForwardMode,
    /// `managed='yes'` (hostdev mode).
    pub managed: bool,
    /// The forward devices: `dev=` and the `<interface dev>` pool, first one first.
    pub interfaces: Vec<String>,
    /// `<pf dev>`: the SR-IOV physical function.
    pub pf: Option<String>,
    pub nat: Option<NatDef>,
}

/// `<bridge>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BridgeDef {
    pub name: Option<String>,
    pub zone: Option<String>,
    /// Spanning tree: on unless `stp='off'`.
    pub stp: bool,
    /// Forward delay in seconds.
    pub delay: u64,
    /// `macTableManager='kernel|libvirt'`.
    pub mac_table_manager: Option<String>,
}

/// `<domain name localOnly register/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainNameDef {
    pub name: String,
    pub local_only: Option<bool>,
    pub register: Option<bool>,
}

/// `<dns><forwarder addr port domain/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsForwarder {
    pub addr: Option<IpAddr>,
    pub port: Option<u16>,
    pub domain: Option<String>,
}

/// `<dns><host ip><hostname>..</hostname></host>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsHost {
    pub ip: IpAddr,
    pub hostnames: Vec<String>,
}

/// `<dns><srv .../>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsSrv {
    pub service: String,
    pub protocol: String,
    pub domain: Option<String>,
    pub target: Option<String>,
    pub port: u32,
    pub priority: u32,
    pub weight: u32,
}

/// `<dns><txt name value/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsTxt {
    pub name: String,
    pub value: String,
}

/// `<dns>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsDef {
    pub enable: Option<bool>,
    pub forward_plain_names: Option<bool>,
    pub forwarders: Vec<DnsForwarder>,
    pub txts: Vec<DnsTxt>,
    pub srvs: Vec<DnsSrv>,
    pub hosts: Vec<DnsHost>,
}

impl DnsDef {
    /// Whether there is anything to print.
    pub fn is_empty(&self) -> bool {
        self.enable.is_none()
            && self.forward_plain_names.is_none()
            && self.forwarders.is_empty()
            && self.txts.is_empty()
            && self.srvs.is_empty()
            && self.hosts.is_empty()
    }
}

/// `<dhcp><range start end/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpRange {
    pub start: IpAddr,
    pub end: IpAddr,
}

/// `<dhcp><host mac id name ip/>`: a static lease.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DhcpHost {
    pub mac: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub ip: Option<IpAddr>,
}

/// `<ip>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpDef {
    /// `family='ipv4|ipv6'` as written (absent means IPv4).
    pub family: Option<String>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    /// 0 = not given.
    pub prefix: u32,
    pub local_ptr: Option<bool>,
    /// `<tftp root>`.
    pub tftp_root: Option<String>,
    pub ranges: Vec<DhcpRange>,
    pub hosts: Vec<DhcpHost>,
    /// `<bootp file server>`.
    pub bootp: Option<(String, Option<IpAddr>)>,
}

/// `<route>`: a static route through a gateway on this network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteDef {
    pub family: Option<String>,
    pub address: IpAddr,
    pub netmask: Option<IpAddr>,
    pub prefix: Option<u32>,
    pub gateway: IpAddr,
    pub metric: Option<u32>,
}

/// `<vlan>` (`virNetDevVlan`): one tag, or a trunk of several, one of which may be native.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VlanDef {
    /// `trunk='yes'`, implied by more than one tag.
    pub trunk: bool,
    /// The `<tag id>`s, 0..=4095, in document order.
    pub tags: Vec<u32>,
    /// The native tag and its mode (`tagged` or `untagged`).
    pub native: Option<(u32, String)>,
}

/// `<virtualport>` (`virNetDevVPortProfile`): the port profile of an 802.1Qbg/802.1Qbh
/// switch, an Open vSwitch or a MidoNet port. Each parameter is kept only when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualPortDef {
    /// `802.1Qbg`, `802.1Qbh`, `openvswitch` or `midonet`; `None` when not given (allowed
    /// in a port group, where the interface's or network's type applies).
    pub port_type: Option<String>,
    /// 802.1Qbg `managerid`, 0..=255.
    pub manager_id: Option<u8>,
    /// 802.1Qbg `typeid`, 0..=0xffffff.
    pub type_id: Option<u32>,
    /// 802.1Qbg `typeidversion`, 0..=255.
    pub type_id_version: Option<u8>,
    /// 802.1Qbg `instanceid`.
    pub instance_id: Option<Uuid>,
    /// 802.1Qbh and openvswitch `profileid`, under 40 bytes.
    pub profile_id: Option<String>,
    /// openvswitch and midonet `interfaceid`.
    pub interface_id: Option<Uuid>,
}

/// `<portgroup>`: a named set of VLAN, virtual port and bandwidth settings an interface
/// picks with `<source portgroup=...>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortGroupDef {
    pub name: String,
    /// `default='yes'`: used by interfaces that name no port group.
    pub is_default: bool,
    pub trust_guest_rx_filters: Option<bool>,
    pub vlan: Option<VlanDef>,
    pub virtualport: Option<VirtualPortDef>,
    pub bandwidth: Option<Box<BandwidthDef>>,
}

/// A network definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub uuid: Uuid,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `ipv6='yes'`: guest-to-guest IPv6 without a gateway address.
    pub ipv6: bool,
    pub trust_guest_rx_filters: Option<bool>,
    /// `None`: an isolated network.
    pub forward: Option<ForwardDef>,
    pub bridge: BridgeDef,
    pub mtu: Option<u32>,
    /// The bridge's MAC address.
    pub mac: Option<String>,
    pub domain: Option<DomainNameDef>,
    pub dns: DnsDef,
    pub ips: Vec<IpDef>,
    pub routes: Vec<RouteDef>,
    /// `<metadata>`: the applications' elements, one per namespace.
    pub metadata: Vec<MetadataElement>,
    pub vlan: Option<VlanDef>,
    /// `<bandwidth>`: the network's own limits (no `floor`).
    pub bandwidth: Option<Box<BandwidthDef>>,
    /// `<port isolated='yes|no'>`.
    pub isolated_port: Option<bool>,
    pub virtualport: Option<VirtualPortDef>,
    pub portgroups: Vec<PortGroupDef>,
}

impl NetworkDef {
    /// The forward mode, `None` for an isolated network.
    pub fn forward_mode(&self) -> Option<ForwardMode> {
        self.forward.as_ref().map(|f| f.mode)
    }
}
