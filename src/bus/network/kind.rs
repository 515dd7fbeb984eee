//! Networks as a kind of object: their path element, their key, and the properties of
//! `org.libvirt.Network`, each defined once here.

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{
    driver::{Driver, NetworkSummary},
    Error as CoreError, ObjectId, Result as CoreResult,
};
use zbus::{OwnedVariant, Variant};

use super::{NetworkObject, INTERFACE};
use crate::bus::{
    kind::{BoxFuture, ObjectKind, Property, UuidText, Wanted},
    path,
};

/// The networks of a driver, at `<connection>/network/_<uuid>`.
pub struct NetworkKind;

/// What the properties of one network are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkValues {
    summary: NetworkSummary,
    uuid: UuidText,
}

impl NetworkValues {
    /// The values of a network with `summary`.
    pub fn new(summary: NetworkSummary) -> Self {
        let uuid = UuidText::new(&summary.uuid);
        Self { summary, uuid }
    }
}

/// `Properties.Set` of `Autostart` (virNetworkSetAutostart).
fn set_autostart(
    driver: Arc<dyn Driver>,
    uuid: Uuid,
    value: OwnedVariant,
) -> BoxFuture<'static, CoreResult<()>> {
    Box::pin(async move {
        let autostart = bool::try_from(&*value)
            .map_err(|e| CoreError::InvalidArg(format!("Autostart: {e}")))?;
        driver.network_set_autostart(&uuid, autostart).await
    })
}

impl ObjectKind for NetworkKind {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.Network.xml");
    const ELEMENT: &'static str = path::NETWORK;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // virNetworkIsActive.
        Property::read("Active", |v: &NetworkValues| {
            Ok(Variant::from(v.summary.active))
        }),
        // virNetworkGetAutostart, virNetworkSetAutostart.
        Property::write(
            "Autostart",
            |v: &NetworkValues| Ok(Variant::from(v.summary.autostart)),
            set_autostart,
        ),
        // virNetworkGetName.
        Property::read("Name", |v: &NetworkValues| {
            Ok(Variant::from(v.summary.name.as_str()))
        }),
        // virNetworkIsPersistent.
        Property::read("Persistent", |v: &NetworkValues| {
            Ok(Variant::from(v.summary.persistent))
        }),
        // virNetworkGetUUIDString: the identity of the object, never changes.
        Property::read("UUID", |v: &NetworkValues| {
            Ok(Variant::from(v.uuid.as_str()))
        }),
    ];

    type Handle = NetworkObject;
    type Key = Uuid;
    type Values = NetworkValues;

    fn decode(element: &str) -> CoreResult<Uuid> {
        path::decode_uuid(element)
    }

    fn encode(key: &Uuid, out: &mut String) {
        path::push_encoded_uuid(out, key);
    }

    fn key_of(values: &NetworkValues) -> &Uuid {
        &values.summary.uuid
    }

    fn id(key: &Uuid) -> ObjectId {
        ObjectId::Network(*key)
    }

    fn handle(driver: Arc<dyn Driver>, key: Uuid) -> NetworkObject {
        NetworkObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        driver.list_networks(0).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a Uuid,
        _wanted: Wanted<'a>,
    ) -> CoreResult<NetworkValues> {
        Ok(NetworkValues::new(driver.network_summary(key).await?))
    }

    async fn read_all(driver: &dyn Driver) -> CoreResult<Vec<NetworkValues>> {
        let uuids = match driver.list_networks(0).await {
            // A driver without networks has none to list.
            Err(CoreError::NoSupport(_)) => return Ok(Vec::new()),
            other => other?,
        };
        let mut all = Vec::with_capacity(uuids.len());
        for uuid in uuids {
            // A network that vanished between the two calls is simply not listed.
            if let Ok(summary) = driver.network_summary(&uuid).await {
                all.push(NetworkValues::new(summary));
            }
        }
        Ok(all)
    }
}
