//! Host interfaces as a kind of object: their path element, their key (the MAC address), and
//! the properties of `org.libvirt.Interface`, each defined once here.

use std::sync::Arc;

use virtbus_core::{
    driver::{Driver, InterfaceSummary},
    Error as CoreError, ObjectId, Result as CoreResult,
};
use zbus::Variant;

use super::{InterfaceObject, INTERFACE};
use crate::bus::{
    kind::{ObjectKind, Property, Wanted},
    path,
};

/// The host interfaces of a driver, at `<connection>/interface/<enc(MAC)>`.
pub struct InterfaceKind;

impl ObjectKind for InterfaceKind {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.Interface.xml");
    const ELEMENT: &'static str = path::INTERFACE;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // virInterfaceIsActive.
        Property::read("Active", |v: &InterfaceSummary| Ok(Variant::from(v.active))),
        // virInterfaceGetMACString: the identity of the object.
        Property::read("MAC", |v: &InterfaceSummary| {
            Ok(Variant::from(v.mac.as_str()))
        }),
        // virInterfaceGetName.
        Property::read("Name", |v: &InterfaceSummary| {
            Ok(Variant::from(v.name.as_str()))
        }),
    ];

    type Handle = InterfaceObject;
    type Key = String;
    type Values = InterfaceSummary;

    /// Any element decodes: one that is no valid hex escaping names no interface.
    fn decode(element: &str) -> CoreResult<String> {
        path::decode_key(element).ok_or_else(|| {
            CoreError::NoInterface(format!("no interface with matching mac '{element}'"))
        })
    }

    fn encode(key: &String, out: &mut String) {
        out.push_str(&path::encode_key(key));
    }

    fn key_of(values: &InterfaceSummary) -> &String {
        &values.mac
    }

    fn id(key: &String) -> ObjectId {
        ObjectId::Interface(key.clone())
    }

    fn handle(driver: Arc<dyn Driver>, key: String) -> InterfaceObject {
        InterfaceObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<String>> {
        driver.list_interfaces(0).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a String,
        _wanted: Wanted<'a>,
    ) -> CoreResult<InterfaceSummary> {
        driver.interface_summary(key).await
    }
}
