//! Storage volumes as a kind of object: their path element, their key, and the properties of
//! `org.libvirt.StorageVol`, each defined once here.

use std::sync::Arc;

use virtbus_core::{
    driver::{Driver, StorageVolSummary},
    Error as CoreError, ObjectId, Result as CoreResult,
};
use zbus::Variant;

use super::{StorageVolObject, INTERFACE};
use crate::bus::{
    kind::{ObjectKind, Property, Wanted},
    path,
};

/// The volumes of every storage pool of a driver, at `<connection>/storagevol/<enc(key)>`.
pub struct StorageVolKind;

impl ObjectKind for StorageVolKind {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.StorageVol.xml");
    const ELEMENT: &'static str = path::STORAGE_VOL;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // virStorageVolGetName.
        Property::read("Name", |v: &StorageVolSummary| {
            Ok(Variant::from(v.name.as_str()))
        }),
        // virStorageVolGetKey: the identity of the object.
        Property::read("Key", |v: &StorageVolSummary| {
            Ok(Variant::from(v.key.as_str()))
        }),
        // virStorageVolGetPath.
        Property::read("Path", |v: &StorageVolSummary| {
            Ok(Variant::from(v.path.as_str()))
        }),
    ];

    type Handle = StorageVolObject;
    type Key = String;
    type Values = StorageVolSummary;

    /// Any element decodes: one that is no valid hex escaping names no volume.
    fn decode(element: &str) -> CoreResult<String> {
        path::decode_key(element).ok_or_else(|| {
            CoreError::NoStorageVol(format!("no storage vol with matching key {element}"))
        })
    }

    fn encode(key: &String, out: &mut String) {
        out.push_str(&path::encode_key(key));
    }

    fn key_of(values: &StorageVolSummary) -> &String {
        &values.key
    }

    fn id(key: &String) -> ObjectId {
        ObjectId::StorageVol(key.clone())
    }

    fn handle(driver: Arc<dyn Driver>, key: String) -> StorageVolObject {
        StorageVolObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<String>> {
        let mut keys = Vec::new();
        for pool in driver.list_storage_pools(0).await? {
            // An inactive pool lists no volumes; one gone meanwhile neither.
            if let Ok(volumes) = driver.storage_pool_list_volumes(&pool, 0).await {
                keys.extend(volumes);
            }
        }
        Ok(keys)
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a String,
        _wanted: Wanted<'a>,
    ) -> CoreResult<StorageVolSummary> {
        driver.storage_vol_summary(key).await
    }
}
