//! Network filters as a kind of object: their path element, their key, and the properties
//! of `org.libvirt.NWFilter`, each defined once here.

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{
    driver::{Driver, NWFilterSummary},
    ObjectId, Result as CoreResult,
};
use zbus::Variant;

use super::{NWFilterObject, INTERFACE};
use crate::bus::{
    kind::{ObjectKind, Property, UuidText, Wanted},
    path,
};

/// The network filters of a driver, at `<connection>/nwfilter/_<uuid>`.
pub struct NWFilterKind;

/// What the properties of one filter are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NWFilterValues {
    summary: NWFilterSummary,
    uuid: UuidText,
}

impl NWFilterValues {
    /// The values of a filter with `summary`.
    pub fn new(summary: NWFilterSummary) -> Self {
        let uuid = UuidText::new(&summary.uuid);
        Self { summary, uuid }
    }
}

impl ObjectKind for NWFilterKind {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.NWFilter.xml");
    const ELEMENT: &'static str = path::NWFILTER;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // virNWFilterGetName.
        Property::read("Name", |v: &NWFilterValues| {
            Ok(Variant::from(v.summary.name.as_str()))
        }),
        // virNWFilterGetUUIDString: the identity of the object, never changes.
        Property::read("UUID", |v: &NWFilterValues| {
            Ok(Variant::from(v.uuid.as_str()))
        }),
    ];

    type Handle = NWFilterObject;
    type Key = Uuid;
    type Values = NWFilterValues;

    fn decode(element: &str) -> CoreResult<Uuid> {
        path::decode_uuid(element)
    }

    fn encode(key: &Uuid, out: &mut String) {
        path::push_encoded_uuid(out, key);
    }

    fn key_of(values: &NWFilterValues) -> &Uuid {
        &values.summary.uuid
    }

    fn id(key: &Uuid) -> ObjectId {
        ObjectId::NWFilter(*key)
    }

    fn handle(driver: Arc<dyn Driver>, key: Uuid) -> NWFilterObject {
        NWFilterObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        driver.list_nwfilters(0).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a Uuid,
        _wanted: Wanted<'a>,
    ) -> CoreResult<NWFilterValues> {
        Ok(NWFilterValues::new(driver.nwfilter_summary(key).await?))
    }
}
