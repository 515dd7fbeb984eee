//! The host interface definition (`<interface>`), as libvirt's `virInterfaceDef` holds it
//! (`src/conf/interface_conf.h`): ethernet, bridge, bond and vlan interfaces with their start
//! mode, MTU and IP protocols.

/// `virInterfaceStartMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    None,
    OnBoot,
    Hotplug,
}

impl StartMode {
    /// The mode as `<start mode=...>` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StartMode::None => "none",
            StartMode::OnBoot => "onboot",
            StartMode::Hotplug => "hotplug",
        }
    }

    /// The mode written `s`.
    pub fn parse(s: &str) -> Option<Self> {
        [StartMode::None, StartMode::OnBoot, StartMode::Hotplug]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One `<ip>` of a protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceIp {
    pub address: String,
    /// 0 when not given.
    pub prefix: u32,
}

/// One `<protocol>`: its family (`ipv4`, `ipv6`) and how it is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfaceProtocol {
    pub family: String,
    /// `<autoconf/>` (IPv6).
    pub autoconf: bool,
    /// `<dhcp>`, with its `peerdns` attribute when given.
    pub dhcp: Option<Option<bool>>,
    pub ips: Vec<IfaceIp>,
    pub gateway: Option<String>,
}

/// The type-specific part of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfaceKind {
    Ethernet,
    /// `<bridge stp= delay=>` and the enslaved interfaces.
    Bridge {
        stp: Option<bool>,
        delay: Option<String>,
        members: Vec<HostInterfaceDef>,
    },
    /// `<bond mode=>` with its link monitor and the enslaved interfaces.
    Bond {
        mode: Option<String>,
        /// The link monitor: MII or ARP (a bond with both keeps MII, as libvirt does).
        monitor: Option<BondMonitor>,
        members: Vec<HostInterfaceDef>,
    },
    /// `<vlan tag=>` over the interface `device`.
    Vlan {
        tag: String,
        device: String,
    },
}

/// How a bond watches its links (`virInterfaceBondMonit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BondMonitor {
    Mii(BondMiimon),
    Arp(BondArpmon),
}

/// `<miimon freq= downdelay= updelay= carrier=>` of a bond (C ints, as libvirt reads them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BondMiimon {
    pub freq: i32,
    /// Printed when positive.
    pub downdelay: Option<i32>,
    /// Printed when positive.
    pub updelay: Option<i32>,
    /// `ioctl` or `netif`.
    pub carrier: Option<String>,
}

/// `<arpmon interval= target= validate=>` of a bond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BondArpmon {
    pub interval: i32,
    /// The IP address probed.
    pub target: String,
    /// `active`, `backup` or `all`.
    pub validate: Option<String>,
}

/// `<link speed= state=>` (`virNetDevIfLink`): not read or printed for a bridge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfaceLink {
    /// Mbit/s, 0 when not given.
    pub speed: u32,
    /// `unknown`, `notpresent`, `down`, `lowerlayerdown`, `testing`, `dormant` or `up`.
    pub state: Option<String>,
}

impl IfaceKind {
    /// The type as `<interface type=...>` writes it.
    pub fn type_name(&self) -> &'static str {
        match self {
            IfaceKind::Ethernet => "ethernet",
            IfaceKind::Bridge { .. } => "bridge",
            IfaceKind::Bond { .. } => "bond",
            IfaceKind::Vlan { .. } => "vlan",
        }
    }
}

/// A host interface definition; members of a bridge or bond are definitions too, without
/// start mode or protocols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInterfaceDef {
    pub name: String,
    pub kind: IfaceKind,
    /// `None` when not given (nothing is printed), unlike `StartMode::None`.
    pub start_mode: Option<StartMode>,
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    pub protocols: Vec<IfaceProtocol>,
    pub link: IfaceLink,
}
