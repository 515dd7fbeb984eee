//! The node device definition (`<device>`), as libvirt's `virNodeDeviceDef` holds it
//! (`src/conf/node_device_conf.h`), for the capabilities virtbus models: `system`, `pci`,
//! `usb_device`, `usb`, `net`, `scsi_host` (with its `fc_host` and `vport_ops`
//! sub-capabilities), `scsi_target`, `scsi` and `storage`.

/// The `<hardware>` facts of a `system` capability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemHardware {
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// `<version>`.
    pub version: Option<String>,
    /// `<serial>`.
    pub serial: Option<String>,
    /// `<uuid>`, in libvirt's canonical form; required by the parser.
    pub uuid: Option<String>,
}

/// The `<firmware>` facts of a `system` capability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFirmware {
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// `<version>`.
    pub version: Option<String>,
    /// `<release_date>`.
    pub release_date: Option<String>,
}

/// The `fc_host` sub-capability of a SCSI host: its world wide names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FcHost {
    /// World wide node name.
    pub wwnn: String,
    /// World wide port name.
    pub wwpn: String,
    /// The fabric's world wide name.
    pub fabric_wwn: Option<String>,
}

/// A PCI function's address as node device documents write it
/// (`<address domain='0x0000' bus='0x02' slot='0x10' function='0x0'/>`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PciFunctionAddress {
    /// PCI domain (segment).
    pub domain: u32,
    /// Bus, at most 0xFF.
    pub bus: u32,
    /// Slot, at most 0x1F.
    pub slot: u32,
    /// Function, at most 7.
    pub function: u32,
}

/// A `<product id=...>` or `<vendor id=...>`: a numeric id and its optional name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HexId {
    /// The id, written as `0x%04x`.
    pub id: u32,
    /// The element's text, when there is one.
    pub name: Option<String>,
}

/// The `virt_functions` sub-capability of an SR-IOV physical function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtFunctions {
    /// `maxCount`: how many virtual functions the device can have (0: not written).
    pub max_count: u32,
    /// The virtual functions that exist now.
    pub addresses: Vec<PciFunctionAddress>,
}

/// `<iommuGroup>`: the group number and every function in the group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IommuGroup {
    /// The group number.
    pub number: u32,
    /// The functions of the group; a group without any is not written.
    pub addresses: Vec<PciFunctionAddress>,
}

/// The speed of a PCI Express link (`virPCIELinkSpeed`), in GT/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcieLinkSpeed {
    /// 2.5 GT/s.
    Gt2_5,
    /// 5 GT/s.
    Gt5,
    /// 8 GT/s.
    Gt8,
    /// 16 GT/s.
    Gt16,
    /// 32 GT/s.
    Gt32,
    /// 64 GT/s.
    Gt64,
}

impl PcieLinkSpeed {
    /// Every speed, with the word libvirt writes for it.
    pub const ALL: [(PcieLinkSpeed, &'static str); 6] = [
        (PcieLinkSpeed::Gt2_5, "2.5"),
        (PcieLinkSpeed::Gt5, "5"),
        (PcieLinkSpeed::Gt8, "8"),
        (PcieLinkSpeed::Gt16, "16"),
        (PcieLinkSpeed::Gt32, "32"),
        (PcieLinkSpeed::Gt64, "64"),
    ];

    /// The word libvirt writes for the speed.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("", |(_, w)| w)
    }

    /// The speed `word` names.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, w)| *w == word).map(|(s, _)| *s)
    }
}

/// One `<link validity=...>` of a PCI Express device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PcieLink {
    /// The port number, when known.
    pub port: Option<i32>,
    /// The speed, when known.
    pub speed: Option<PcieLinkSpeed>,
    /// The lane count.
    pub width: u32,
}

/// `<pci-express>`: the link's capability and its current status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PciExpress {
    /// `<link validity='cap'>`.
    pub link_cap: Option<PcieLink>,
    /// `<link validity='sta'>`.
    pub link_sta: Option<PcieLink>,
}

/// The PCI header type a bridge announces with `<capability type='pci-bridge'/>` or
/// `<capability type='cardbus-bridge'/>` (`virPCIHeaderType`; endpoints write nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PciHeaderType {
    /// A PCI-to-PCI bridge.
    PciBridge,
    /// A CardBus bridge.
    CardbusBridge,
}

impl PciHeaderType {
    /// The capability type libvirt writes for the header type.
    pub fn as_str(self) -> &'static str {
        match self {
            PciHeaderType::PciBridge => "pci-bridge",
            PciHeaderType::CardbusBridge => "cardbus-bridge",
        }
    }
}

/// The `pci` capability (`virNodeDevCapPCIDev`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PciDevCap {
    /// The 24-bit class code, written `0x%06x`.
    pub class: Option<u32>,
    /// The function's PCI domain.
    pub domain: u32,
    /// The function's bus.
    pub bus: u32,
    /// The function's slot.
    pub slot: u32,
    /// The function number.
    pub function: u32,
    /// `<product id=...>`.
    pub product: HexId,
    /// `<vendor id=...>`.
    pub vendor: HexId,
    /// `phys_function`: the physical function of an SR-IOV virtual function.
    pub phys_function: Option<PciFunctionAddress>,
    /// `virt_functions`: the virtual functions of an SR-IOV physical function.
    pub virt_functions: Option<VirtFunctions>,
    /// The header type of a bridge.
    pub header_type: Option<PciHeaderType>,
    /// `<iommuGroup>`.
    pub iommu_group: Option<IommuGroup>,
    /// `<numa node=...>`.
    pub numa_node: Option<i32>,
    /// `<pci-express>`.
    pub pci_express: Option<PciExpress>,
}

/// The `usb_device` capability (`virNodeDevCapUSBDev`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbDeviceCap {
    /// The bus number.
    pub bus: u32,
    /// The device number on the bus.
    pub device: u32,
    /// `<product id=...>`.
    pub product: HexId,
    /// `<vendor id=...>`.
    pub vendor: HexId,
}

/// The `usb` capability: one interface of a USB device (`virNodeDevCapUSBIf`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbInterfaceCap {
    /// The interface number.
    pub number: u32,
    /// The interface class.
    pub class: u32,
    /// The interface subclass.
    pub subclass: u32,
    /// The interface protocol.
    pub protocol: u32,
    /// `<description>`.
    pub description: Option<String>,
}

/// The state of a network link (`virNetDevIfState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetLinkState {
    /// `unknown`.
    Unknown,
    /// `notpresent`.
    NotPresent,
    /// `down`.
    Down,
    /// `lowerlayerdown`.
    LowerLayerDown,
    /// `testing`.
    Testing,
    /// `dormant`.
    Dormant,
    /// `up`.
    Up,
}

impl NetLinkState {
    /// Every state, with the word libvirt writes for it.
    pub const ALL: [(NetLinkState, &'static str); 7] = [
        (NetLinkState::Unknown, "unknown"),
        (NetLinkState::NotPresent, "notpresent"),
        (NetLinkState::Down, "down"),
        (NetLinkState::LowerLayerDown, "lowerlayerdown"),
        (NetLinkState::Testing, "testing"),
        (NetLinkState::Dormant, "dormant"),
        (NetLinkState::Up, "up"),
    ];

    /// The word libvirt writes for the state.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("", |(_, w)| w)
    }

    /// The state `word` names.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, w)| *w == word).map(|(s, _)| *s)
    }
}

/// The offload features of a network device, in libvirt's order (`virNetDevFeature`):
/// `<feature name=...>` elements are written in this order, each once.
pub const NET_DEV_FEATURES: [&str; 14] = [
    "rx",
    "tx",
    "sg",
    "tso",
    "gso",
    "gro",
    "lro",
    "rxvlan",
    "txvlan",
    "ntuple",
    "rxhash",
    "rdma",
    "txudptnl",
    "switchdev",
];

/// The sub-capability of a network device: its link layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetSubCap {
    /// `80203`: Ethernet.
    Ieee80203,
    /// `80211`: wireless.
    Ieee80211,
}

impl NetSubCap {
    /// The capability type libvirt writes.
    pub fn as_str(self) -> &'static str {
        match self {
            NetSubCap::Ieee80203 => "80203",
            NetSubCap::Ieee80211 => "80211",
        }
    }
}

/// The `net` capability (`virNodeDevCapNet`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetCap {
    /// The interface name.
    pub interface: String,
    /// The MAC address.
    pub address: Option<String>,
    /// Link speed in Mbit/s (0: unknown, not written).
    pub link_speed: u32,
    /// Link state.
    pub link_state: Option<NetLinkState>,
    /// Feature names, each one of [`NET_DEV_FEATURES`], in that order, without repeats.
    pub features: Vec<&'static str>,
    /// The link layer sub-capability.
    pub subtype: Option<NetSubCap>,
}

/// The `scsi_target` capability (`virNodeDevCapSCSITarget`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScsiTargetCap {
    /// The target name (`target0:0:0`).
    pub target: String,
    /// `fc_remote_port`: (rport, wwpn) of a fibre channel remote port.
    pub fc_remote_port: Option<(String, String)>,
}

/// The `scsi` capability: one logical unit (`virNodeDevCapSCSI`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScsiCap {
    /// Host number.
    pub host: u32,
    /// Bus number.
    pub bus: u32,
    /// Target number.
    pub target: u32,
    /// Logical unit number.
    pub lun: u32,
    /// The device type (`disk`, `cdrom`, ...).
    pub kind: Option<String>,
}

/// The `removable` sub-capability of a storage device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemovableMedia {
    /// Whether a medium is in the drive.
    pub available: bool,
    /// The medium's size in bytes.
    pub size: u64,
    /// The medium's label.
    pub label: Option<String>,
}

/// The `storage` capability (`virNodeDevCapStorage`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorageCap {
    /// The block device path.
    pub block: String,
    /// The bus (`ata`, `usb`, `scsi`, ...).
    pub bus: Option<String>,
    /// The drive type (`disk`, `cdrom`, ...).
    pub drive_type: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Size in bytes of a fixed device (removable devices write the medium's size).
    pub size: u64,
    /// Logical block size in bytes (0: not written).
    pub logical_block_size: u64,
    /// Number of logical blocks (0: not written).
    pub num_blocks: u64,
    /// The `removable` sub-capability.
    pub removable: Option<RemovableMedia>,
    /// The `hotpluggable` sub-capability.
    pub hotpluggable: bool,
}

/// One capability of a device (`virNodeDevCapData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeDevCap {
    /// `system`: the host itself.
    System {
        /// `<product>`.
        product: Option<String>,
        /// `<hardware>`.
        hardware: SystemHardware,
        /// `<firmware>`.
        firmware: SystemFirmware,
    },
    /// `pci`: a PCI function.
    Pci(PciDevCap),
    /// `usb_device`: a USB device.
    UsbDevice(UsbDeviceCap),
    /// `usb`: an interface of a USB device.
    UsbInterface(UsbInterfaceCap),
    /// `net`: a network interface.
    Net(NetCap),
    /// `scsi_host`: a SCSI host adapter, possibly a fibre channel HBA.
    ScsiHost {
        /// The host number.
        host: u32,
        /// `<unique_id>`.
        unique_id: Option<i32>,
        /// `fc_host`: the world wide names of a fibre channel HBA.
        fc_host: Option<FcHost>,
        /// `vport_ops`: (max_vports, vports) when the HBA can create vHBAs.
        vport_ops: Option<(u32, u32)>,
    },
    /// `scsi_target`: a SCSI target.
    ScsiTarget(ScsiTargetCap),
    /// `scsi`: a SCSI logical unit.
    Scsi(ScsiCap),
    /// `storage`: a block device.
    Storage(StorageCap),
}

impl NodeDevCap {
    /// The capability's type as `<capability type=...>` and `virNodeDeviceListCaps` write it.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeDevCap::System { .. } => "system",
            NodeDevCap::Pci(_) => "pci",
            NodeDevCap::UsbDevice(_) => "usb_device",
            NodeDevCap::UsbInterface(_) => "usb",
            NodeDevCap::Net(_) => "net",
            NodeDevCap::ScsiHost { .. } => "scsi_host",
            NodeDevCap::ScsiTarget(_) => "scsi_target",
            NodeDevCap::Scsi(_) => "scsi",
            NodeDevCap::Storage(_) => "storage",
        }
    }

    /// The `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bits the capability answers
    /// (`virNodeDeviceObjHasCap`): its own type, and for a SCSI host also FC_HOST and VPORTS
    /// by its sub-capabilities. libvirt 9.0 matches no other sub-capability: a PCI function
    /// with `virt_functions` answers PCI_DEV only, a net device with `80203` NET only.
    pub fn list_flags(&self) -> u32 {
        use crate::flags::node_device_list::*;
        match self {
            NodeDevCap::System { .. } => CAP_SYSTEM,
            NodeDevCap::Pci(_) => CAP_PCI_DEV,
            NodeDevCap::UsbDevice(_) => CAP_USB_DEV,
            NodeDevCap::UsbInterface(_) => CAP_USB_INTERFACE,
            NodeDevCap::Net(_) => CAP_NET,
            NodeDevCap::ScsiHost {
                fc_host, vport_ops, ..
            } => {
                let mut bits = CAP_SCSI_HOST;
                if fc_host.is_some() {
                    bits |= CAP_FC_HOST;
                }
                if vport_ops.is_some() {
                    bits |= CAP_VPORTS;
                }
                bits
            }
            NodeDevCap::ScsiTarget(_) => CAP_SCSI_TARGET,
            NodeDevCap::Scsi(_) => CAP_SCSI,
            NodeDevCap::Storage(_) => CAP_STORAGE,
        }
    }
}

/// The WWNs a vHBA document names its parent by (`<parent wwnn=... wwpn=... fabric_wwn=...>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParentWwns {
    /// `wwnn`: given together with `wwpn`.
    pub wwnn: Option<String>,
    /// `wwpn`: given together with `wwnn`.
    pub wwpn: Option<String>,
    /// `fabric_wwn`.
    pub fabric_wwn: Option<String>,
}

/// A node device definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeDeviceDef {
    /// The device name.
    pub name: String,
    /// `<path>`: the sysfs path.
    pub sysfs_path: Option<String>,
    /// `<devnode type='dev'>`.
    pub devnode: Option<String>,
    /// `<devnode type='link'>`, in order.
    pub devlinks: Vec<String>,
    /// The parent device's name; `None` for the root device.
    pub parent: Option<String>,
    /// The parent's WWNs as a vHBA document gives them; never written back.
    pub parent_wwns: ParentWwns,
    /// `<driver><name>`: the bound kernel driver.
    pub driver: Option<String>,
    /// The capabilities, in document order.
    pub caps: Vec<NodeDevCap>,
}

impl NodeDeviceDef {
    /// The world wide names of the device if it is a fibre channel HBA
    /// (`virNodeDeviceGetWWNs`).
    pub fn fc_host(&self) -> Option<&FcHost> {
        self.caps.iter().find_map(|c| match c {
            NodeDevCap::ScsiHost {
                fc_host: Some(fc), ..
            } => Some(fc),
            _ => None,
        })
    }

    /// Whether the device can create vHBAs (`vport_ops`).
    pub fn has_vport_ops(&self) -> bool {
        self.caps.iter().any(|c| {
            matches!(
                c,
                NodeDevCap::ScsiHost {
                    vport_ops: Some(_),
                    ..
                }
            )
        })
    }

    /// The `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bits of every capability.
    pub fn list_flags(&self) -> u32 {
        self.caps.iter().fold(0, |bits, c| bits | c.list_flags())
    }
}
