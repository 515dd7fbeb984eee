//! The node device definition (`<device>`), as libvirt's `virNodeDeviceDef` holds it
//! (`src/conf/node_device_conf.h`), for the capabilities the test driver has: `system` and
//! `scsi_host` (with its `fc_host` and `vport_ops` sub-capabilities).

/// The `<hardware>` or `<firmware>` facts of a `system` capability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemHardware {
    pub vendor: Option<String>,
    pub version: Option<String>,
    pub serial: Option<String>,
    pub uuid: Option<String>,
}

/// The `<firmware>` facts of a `system` capability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFirmware {
    pub vendor: Option<String>,
    pub version: Option<String>,
    pub release_date: Option<String>,
}

/// The `fc_host` sub-capability of a SCSI host: its world wide names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FcHost {
    pub wwnn: String,
    pub wwpn: String,
    pub fabric_wwn: Option<String>,
}

/// One capability of a device (`virNodeDevCapData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeDevCap {
    /// `system`: the host itself.
    System {
        product: Option<String>,
        hardware: SystemHardware,
        firmware: SystemFirmware,
    },
    /// `scsi_host`: a SCSI host adapter, possibly a fibre channel HBA.
    ScsiHost {
        host: u32,
        unique_id: Option<i32>,
        fc_host: Option<FcHost>,
        /// `vport_ops`: (max_vports, vports) when the HBA can create vHBAs.
        vport_ops: Option<(u32, u32)>,
    },
}

impl NodeDevCap {
    /// The capability's type as `<capability type=...>` and `virNodeDeviceListCaps` write it.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeDevCap::System { .. } => "system",
            NodeDevCap::ScsiHost { .. } => "scsi_host",
        }
    }

    /// The `VIR_CONNECT_LIST_NODE_DEVICES_CAP_*` bits the capability answers
    /// (`virNodeDeviceCapMatch`: a SCSI host also matches FC_HOST and VPORTS by its
    /// sub-capabilities).
    pub fn list_flags(&self) -> u32 {
        use crate::flags::node_device_list::*;
        match self {
            NodeDevCap::System { .. } => CAP_SYSTEM,
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
        }
    }
}

/// A node device definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDeviceDef {
    pub name: String,
    /// The parent device's name; `None` for the root device.
    pub parent: Option<String>,
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
}
