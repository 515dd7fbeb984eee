//! Node devices as a kind of object: their path element, their key (the device name), and
//! the properties of `org.libvirt.NodeDevice`, each defined once here.

use std::sync::Arc;

use virtbus_core::{
    driver::{Driver, NodeDeviceSummary},
    Error as CoreError, ObjectId, Result as CoreResult,
};
use zbus::Variant;

use super::{NodeDeviceObject, INTERFACE};
use crate::bus::{
    kind::{ObjectKind, Property, Wanted},
    path,
};

/// The node devices of a driver, at `<connection>/nodedev/<enc(name)>`.
pub struct NodeDeviceKind;

impl ObjectKind for NodeDeviceKind {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.NodeDevice.xml");
    const ELEMENT: &'static str = path::NODE_DEVICE;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // virNodeDeviceGetName: the identity of the object.
        Property::read("Name", |v: &NodeDeviceSummary| {
            Ok(Variant::from(v.name.as_str()))
        }),
        // virNodeDeviceGetParent: the root device has none, and reading it fails with the
        // test driver's text (testNodeDeviceGetParent); GetAll leaves it out.
        Property::read("Parent", |v: &NodeDeviceSummary| match &v.parent {
            Some(parent) => Ok(Variant::from(parent.as_str())),
            None => Err(CoreError::Internal("no parent for this device".to_owned())),
        }),
    ];

    type Handle = NodeDeviceObject;
    type Key = String;
    type Values = NodeDeviceSummary;

    /// Any element decodes: one that is no valid hex escaping names no device.
    fn decode(element: &str) -> CoreResult<String> {
        path::decode_key(element).ok_or_else(|| {
            CoreError::NoNodeDevice(format!("no node device with matching name '{element}'"))
        })
    }

    fn encode(key: &String, out: &mut String) {
        out.push_str(&path::encode_key(key));
    }

    fn key_of(values: &NodeDeviceSummary) -> &String {
        &values.name
    }

    fn id(key: &String) -> ObjectId {
        ObjectId::NodeDevice(key.clone())
    }

    fn handle(driver: Arc<dyn Driver>, key: String) -> NodeDeviceObject {
        NodeDeviceObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<String>> {
        driver.list_node_devices(0).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a String,
        _wanted: Wanted<'a>,
    ) -> CoreResult<NodeDeviceSummary> {
        driver.node_device_summary(key).await
    }
}
