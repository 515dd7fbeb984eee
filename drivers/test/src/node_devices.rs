//! Node devices: the `virNodeDevice*` calls of libvirt's test driver
//! (`src/test/test_driver.c`: `testConnectListAllNodeDevices`, `testNodeDevice*`), seeded
//! with the four devices of its `defaultConnXML`.
//!
//! Devices live in the same store as domains, behind the same lock; events are queued while
//! the lock is held and published once it is released: `Added` before the CREATED event of
//! a new device, `Removed` after the DELETED event of a destroyed one.
//!
//! libvirt's test driver has no `virNodeDeviceLookupSCSIHostByWWN`, no detach, reattach or
//! reset: those keep the trait's "not supported" answers.

use async_trait::async_trait;
use virtbus_core::{
    driver::{NodeDeviceDriver, NodeDeviceSummary},
    event::{node_device_lifecycle, Event, ObjectId},
    flags::{check_flags, node_device_list},
    model::{FcHost, NodeDevCap, NodeDeviceDef},
    xml::{format_node_device, parse_node_device, NodeDeviceParse},
    Error, Result,
};

use crate::driver::TestDriver;

/// The devices of libvirt's `defaultConnXML`, in its order.
pub const DEFAULT_XML: [&str; 4] = [
    "<device>
  <name>computer</name>
  <capability type='system'>
    <hardware>
      <vendor>Libvirt</vendor>
      <version>Test driver</version>
      <serial>123456</serial>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
      <vendor>Libvirt</vendor>
      <version>Test Driver</version>
      <release_date>01/22/2007</release_date>
    </firmware>
  </capability>
</device>",
    "<device>
  <name>scsi_host1</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>1</host>
    <unique_id>0</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>1</vports>
    </capability>
  </capability>
</device>",
    "<device>
  <name>scsi_host2</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>2</host>
    <unique_id>1</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000056785678</wwnn>
      <wwpn>1000000056785678</wwpn>
      <fabric_wwn>2000000087658765</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>",
    "<device>
  <name>scsi_host11</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000034563456</wwnn>
      <wwpn>1000000034563456</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>",
];

/// The device the test driver copies to mock a new vHBA, and the name the copy takes
/// (`testNodeDeviceMockCreateVport`).
const VPORT_TEMPLATE: &str = "scsi_host11";
const VPORT_NAME: &str = "scsi_host12";

/// Every node device, in the order they were added.
#[derive(Debug, Default)]
pub struct NodeDevices {
    devs: Vec<NodeDeviceDef>,
}

/// "no node device with matching name 'N'" (`testNodeDeviceObjFindByName`).
fn no_name(name: &str) -> Error {
    Error::NoNodeDevice(format!("no node device with matching name '{name}'"))
}

impl NodeDevices {
    /// Adds the devices of libvirt's `defaultConnXML`.
    pub fn seed(&mut self) -> Result<()> {
        for xml in DEFAULT_XML {
            self.assign(parse_node_device(xml, NodeDeviceParse::Existing)?);
        }
        Ok(())
    }

    fn find(&self, name: &str) -> Option<&NodeDeviceDef> {
        self.devs.iter().find(|d| d.name == name)
    }

    fn get(&self, name: &str) -> Result<&NodeDeviceDef> {
        self.find(name).ok_or_else(|| no_name(name))
    }

    /// `virNodeDeviceObjListAssignDef`: a device of the same name takes the new definition.
    /// Returns whether the device is new.
    fn assign(&mut self, def: NodeDeviceDef) -> bool {
        match self.devs.iter_mut().find(|d| d.name == def.name) {
            Some(old) => {
                *old = def;
                false
            }
            None => {
                self.devs.push(def);
                true
            }
        }
    }

    /// `virNodeDeviceObjListGetParentHost`: the parent a vHBA document names, by name (which
    /// must then be able to create vports), else by the parent's WWNN and WWPN, else by its
    /// fabric WWN (each of which finds only HBAs with `vport_ops`), else the first device
    /// that can create vports.
    fn check_parent_host(&self, def: &NodeDeviceDef) -> Result<()> {
        let not_found =
            || Error::Internal(format!("Could not find parent device for '{}'", def.name));
        let wwns = &def.parent_wwns;
        if let Some(parent) = &def.parent {
            let p = self.find(parent).ok_or_else(not_found)?;
            if !p.has_vport_ops() {
                return Err(Error::Internal(format!(
                    "Parent device {} is not capable of vport operations",
                    p.name
                )));
            }
            return Ok(());
        }
        let vport_hba = |matches: &dyn Fn(&FcHost) -> bool| {
            self.devs
                .iter()
                .any(|d| d.has_vport_ops() && d.fc_host().is_some_and(matches))
        };
        let found = match (&wwns.wwnn, &wwns.wwpn, &wwns.fabric_wwn) {
            (Some(wwnn), Some(wwpn), _) => vport_hba(&|fc| fc.wwnn == *wwnn && fc.wwpn == *wwpn),
            (_, _, Some(fabric)) => vport_hba(&|fc| fc.fabric_wwn.as_ref() == Some(fabric)),
            _ => {
                if self.devs.iter().any(NodeDeviceDef::has_vport_ops) {
                    return Ok(());
                }
                return Err(Error::Internal(
                    "Could not find any vport capable device".to_owned(),
                ));
            }
        };
        if found {
            Ok(())
        } else {
            Err(not_found())
        }
    }
}

/// Whether `def` passes the capability filters of `virConnectListAllNodeDevices`
/// (`virNodeDeviceObjMatch`): any one of the asked capabilities will do.
fn matches(def: &NodeDeviceDef, flags: u32) -> bool {
    let wanted = flags & node_device_list::FILTERS_CAP;
    wanted == 0 || def.list_flags() & wanted != 0
}

fn event(name: &str, event: i32) -> Event {
    Event::NodeDevice {
        name: name.to_owned(),
        event,
        detail: 0,
    }
}

#[async_trait]
impl NodeDeviceDriver for TestDriver {
    async fn list_node_devices(&self, flags: u32) -> Result<Vec<String>> {
        check_flags(
            flags,
            node_device_list::FILTERS_CAP,
            "testConnectListAllNodeDevices",
        )?;
        self.read(|s| {
            Ok(s.node_devices
                .devs
                .iter()
                .filter(|d| matches(d, flags))
                .map(|d| d.name.clone())
                .collect())
        })
    }

    async fn node_device_summary(&self, name: &str) -> Result<NodeDeviceSummary> {
        self.read(|s| {
            let d = s.node_devices.get(name)?;
            Ok(NodeDeviceSummary {
                name: d.name.clone(),
                parent: d.parent.clone(),
            })
        })
    }

    async fn node_device_lookup_by_name(&self, name: &str) -> Result<String> {
        self.read(|s| s.node_devices.get(name).map(|d| d.name.clone()))
    }

    async fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testNodeDeviceCreateXML")?;
        let def = parse_node_device(xml, NodeDeviceParse::Create)?;
        // virNodeDeviceGetWWNs: only a fibre channel HBA can be created.
        let Some(fc) = def.fc_host().cloned() else {
            return Err(fc_only());
        };
        self.with(|s, events| {
            s.node_devices.check_parent_host(&def)?;
            // testNodeDeviceMockCreateVport: a copy of scsi_host11 renamed scsi_host12 with
            // the new WWNs. As in libvirt, the host number and unique id stay those of the
            // copy, and so does the parent.
            let Some(template) = s.node_devices.find(VPORT_TEMPLATE) else {
                return Err(no_name(VPORT_TEMPLATE));
            };
            let mut created = template.clone();
            created.name = VPORT_NAME.to_owned();
            for cap in &mut created.caps {
                if let NodeDevCap::ScsiHost {
                    fc_host: Some(copy),
                    ..
                } = cap
                {
                    copy.wwnn = fc.wwnn.clone();
                    copy.wwpn = fc.wwpn.clone();
                }
            }
            if s.node_devices.assign(created) {
                events.push(Event::Added(ObjectId::NodeDevice(VPORT_NAME.to_owned())));
            } else {
                events.push(Event::PropertiesMayHaveChanged(ObjectId::NodeDevice(
                    VPORT_NAME.to_owned(),
                )));
            }
            events.push(event(VPORT_NAME, node_device_lifecycle::CREATED));
            Ok(VPORT_NAME.to_owned())
        })
    }

    /// As libvirt 9.0's `testNodeDeviceDestroy`, whose result starts at success: a device
    /// that is no fibre channel HBA, or whose parent is gone, reports its error to nobody and
    /// the call succeeds without destroying anything.
    async fn node_device_destroy(&self, name: &str) -> Result<()> {
        self.with(|s, events| {
            let def = s.node_devices.get(name)?;
            if def.fc_host().is_none() {
                tracing::debug!(device = name, error = %fc_only(), "destroy ignored");
                return Ok(());
            }
            let parent_found = def
                .parent
                .as_deref()
                .is_some_and(|p| s.node_devices.find(p).is_some());
            if !parent_found {
                tracing::debug!(
                    device = name,
                    "destroy ignored: cannot find parent definition"
                );
                return Ok(());
            }
            s.node_devices.devs.retain(|d| d.name != name);
            events.push(event(name, node_device_lifecycle::DELETED));
            events.push(Event::Removed(ObjectId::NodeDevice(name.to_owned())));
            Ok(())
        })
    }

    async fn node_device_xml_desc(&self, name: &str, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testNodeDeviceGetXMLDesc")?;
        self.read(|s| Ok(format_node_device(s.node_devices.get(name)?)))
    }

    async fn node_device_list_caps(&self, name: &str) -> Result<Vec<String>> {
        self.read(|s| {
            Ok(s.node_devices
                .get(name)?
                .caps
                .iter()
                .map(|c| c.type_name().to_owned())
                .collect())
        })
    }
}

/// `virNodeDeviceGetWWNs` on a device without `fc_host`.
fn fc_only() -> Error {
    Error::Internal("Device is not a fibre channel HBA".to_owned())
}

#[cfg(test)]
mod tests {
    use virtbus_core::event::{channel, Received};

    use super::*;

    fn driver() -> (TestDriver, virtbus_core::event::EventReceiver) {
        let (tx, rx) = channel();
        (TestDriver::new(tx), rx)
    }

    #[tokio::test]
    async fn the_default_devices_and_their_filters() {
        let (d, _rx) = driver();
        {
            assert_eq!(
                d.list_node_devices(0).await.unwrap(),
                ["computer", "scsi_host1", "scsi_host2", "scsi_host11"]
            );
            assert_eq!(
                d.list_node_devices(node_device_list::CAP_SYSTEM)
                    .await
                    .unwrap(),
                ["computer"]
            );
            assert_eq!(
                d.list_node_devices(node_device_list::CAP_VPORTS)
                    .await
                    .unwrap(),
                ["scsi_host1", "scsi_host2"]
            );
            assert_eq!(
                d.list_node_devices(node_device_list::CAP_PCI_DEV)
                    .await
                    .unwrap(),
                Vec::<String>::new()
            );
            assert_eq!(
                d.list_node_devices(1 << 31).await.unwrap_err().to_string(),
                "unsupported flags (0x80000000) in function testConnectListAllNodeDevices"
            );
            assert_eq!(
                d.node_device_lookup_by_name("x")
                    .await
                    .unwrap_err()
                    .to_string(),
                "Node device not found: no node device with matching name 'x'"
            );
            let s = d.node_device_summary("scsi_host11").await.unwrap();
            assert_eq!(s.parent.as_deref(), Some("scsi_host1"));
            assert_eq!(
                d.node_device_summary("computer").await.unwrap().parent,
                None
            );
            assert_eq!(
                d.node_device_list_caps("scsi_host1").await.unwrap(),
                ["scsi_host"]
            );
            assert_eq!(
                d.node_device_list_caps("computer").await.unwrap(),
                ["system"]
            );
            assert_eq!(
                d.node_device_lookup_scsi_host_by_wwn("a", "b", 0)
                    .await
                    .unwrap_err()
                    .to_string(),
                "this function is not supported by the connection driver: \
                 virNodeDeviceLookupSCSIHostByWWN"
            );
        }
    }

    #[tokio::test]
    async fn create_mocks_a_vhba_and_destroy_removes_it() {
        let (d, mut rx) = driver();
        {
            let xml = "<device><parent>scsi_host1</parent><capability type='scsi_host'>\
                <capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn>\
                <wwpn>2101001b32a9da4e</wwpn></capability></capability></device>";
            assert_eq!(
                d.node_device_create_xml(xml, 0).await.unwrap(),
                "scsi_host12"
            );
            let out = d.node_device_xml_desc("scsi_host12", 0).await.unwrap();
            assert!(out.contains("<name>scsi_host12</name>"), "{out}");
            assert!(out.contains("<parent>scsi_host1</parent>"), "{out}");
            assert!(out.contains("<wwnn>2001001b32a9da4e</wwnn>"), "{out}");
            assert!(out.contains("<host>11</host>"), "{out}");
            d.node_device_destroy("scsi_host12").await.unwrap();
            assert!(d.node_device_lookup_by_name("scsi_host12").await.is_err());
            let mut seen = Vec::new();
            while let Some(Received::Event(e)) = rx.try_recv() {
                seen.push(e);
            }
            assert_eq!(
                seen,
                [
                    Event::Added(ObjectId::NodeDevice("scsi_host12".into())),
                    event("scsi_host12", node_device_lifecycle::CREATED),
                    event("scsi_host12", node_device_lifecycle::DELETED),
                    Event::Removed(ObjectId::NodeDevice("scsi_host12".into())),
                ]
            );

            let bad_parent = xml.replace("scsi_host1<", "scsi_host11<");
            assert_eq!(
                d.node_device_create_xml(&bad_parent, 0)
                    .await
                    .unwrap_err()
                    .to_string(),
                "internal error: Parent device scsi_host11 is not capable of vport operations"
            );
            let no_parent = xml.replace("scsi_host1<", "nope<");
            assert_eq!(
                d.node_device_create_xml(&no_parent, 0)
                    .await
                    .unwrap_err()
                    .to_string(),
                "internal error: Could not find parent device for 'new device'"
            );
            // Not an HBA: libvirt reports the error to nobody and succeeds.
            d.node_device_destroy("computer").await.unwrap();
            assert!(d.node_device_lookup_by_name("computer").await.is_ok());
        }
    }

    /// What `virsh nodedev-dumpxml scsi_host12` prints on libvirt 9.0 after the vHBA below.
    const CREATED_XML: &str = "<device>
  <name>scsi_host12</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2001001b32a9da4e</wwnn>
      <wwpn>2101001b32a9da4e</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
";

    fn vhba(parent: &str) -> String {
        format!(
            "<device>{parent}<capability type='scsi_host'><capability type='fc_host'>\
             <wwnn>2001001b32a9da4e</wwnn><wwpn>2101001b32a9da4e</wwpn></capability>\
             </capability></device>"
        )
    }

    #[tokio::test]
    async fn the_parent_is_found_by_name_wwns_or_fabric() {
        let (d, _rx) = driver();
        for parent in [
            "<parent wwnn='2000000012341234' wwpn='1000000012341234'/>",
            "<parent fabric_wwn='2000000087658765'/>",
            "",
        ] {
            assert_eq!(
                d.node_device_create_xml(&vhba(parent), 0).await.unwrap(),
                "scsi_host12",
                "{parent}"
            );
            assert_eq!(
                d.node_device_xml_desc("scsi_host12", 0).await.unwrap(),
                CREATED_XML
            );
            d.node_device_destroy("scsi_host12").await.unwrap();
        }
        // scsi_host11 has the WWNs but no vport_ops; a wrong WWN takes precedence over a
        // right fabric.
        for parent in [
            "<parent wwnn='2000000034563456' wwpn='1000000034563456'/>",
            "<parent wwnn='2000000012341234' wwpn='9999'/>",
            "<parent fabric_wwn='77'/>",
            "<parent fabric_wwn='2000000043214321' wwnn='2000000034563456' wwpn='1000000034563456'/>",
        ] {
            assert_eq!(
                d.node_device_create_xml(&vhba(parent), 0)
                    .await
                    .unwrap_err()
                    .to_string(),
                "internal error: Could not find parent device for 'new device'",
                "{parent}"
            );
        }
        assert_eq!(d.list_node_devices(0).await.unwrap().len(), 4);
    }

    #[tokio::test]
    async fn only_vhbas_are_created() {
        let (d, _rx) = driver();
        let pci = "<device><parent>computer</parent><capability type='pci'><domain>0</domain>\
                   <bus>2</bus><slot>0</slot><function>0</function><product id='0x1521'/>\
                   <vendor id='0x8086'/></capability></device>";
        assert_eq!(
            d.node_device_create_xml(pci, 0)
                .await
                .unwrap_err()
                .to_string(),
            "internal error: Device is not a fibre channel HBA"
        );
        assert_eq!(
            d.node_device_create_xml(&pci.replace("<bus>2", "<bus>x"), 0)
                .await
                .unwrap_err()
                .to_string(),
            "internal error: invalid PCI bus ID supplied for 'new device'"
        );
        assert_eq!(
            d.node_device_create_xml("<device><capability type='mdev'/></device>", 0)
                .await
                .unwrap_err()
                .to_string(),
            "unsupported configuration: the 'mdev' node device capability is not supported \
             by virtbus"
        );
        assert_eq!(d.list_node_devices(0).await.unwrap().len(), 4);
        use node_device_list::*;
        for bits in [
            CAP_PCI_DEV,
            CAP_USB_DEV,
            CAP_USB_INTERFACE,
            CAP_NET,
            CAP_SCSI_TARGET,
            CAP_SCSI,
            CAP_STORAGE,
            CAP_MDEV,
            CAP_VDPA,
        ] {
            assert!(
                d.list_node_devices(bits).await.unwrap().is_empty(),
                "{bits:#x}"
            );
        }
        assert_eq!(
            d.list_node_devices(CAP_FC_HOST).await.unwrap(),
            ["scsi_host1", "scsi_host2", "scsi_host11"]
        );
        assert_eq!(
            d.list_node_devices(CAP_SYSTEM | CAP_VPORTS).await.unwrap(),
            ["computer", "scsi_host1", "scsi_host2"]
        );
    }
}
