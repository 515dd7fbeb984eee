//! StoragePools as a kind of object: what sets them apart from the other objects of their shape
//! (see [`crate::bus::startable`]).

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{driver::Driver, ObjectId, Result as CoreResult};

use super::{StoragePoolObject, INTERFACE};
use crate::bus::{
    kind::BoxFuture,
    path,
    startable::{Startable, StartableKind, StartableValues},
};

/// The storage pools of a driver, at `<connection>/storagepool/_<uuid>`.
pub type StoragePoolKind = StartableKind<StoragePools>;

/// StoragePools, as [`Startable`] says.
pub struct StoragePools;

impl Startable for StoragePools {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.StoragePool.xml");
    const ELEMENT: &'static str = path::STORAGE_POOL;
    const INTERFACE: &'static str = INTERFACE;

    type Handle = StoragePoolObject;

    fn handle(driver: Arc<dyn Driver>, uuid: Uuid) -> StoragePoolObject {
        StoragePoolObject::new(driver, uuid)
    }

    fn id(uuid: Uuid) -> ObjectId {
        ObjectId::StoragePool(uuid)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        driver.list_storage_pools(0).await
    }

    async fn read<'a>(driver: &'a dyn Driver, uuid: &'a Uuid) -> CoreResult<StartableValues> {
        let s = driver.storage_pool_summary(uuid).await?;
        Ok(StartableValues::new(
            s.uuid,
            s.name,
            s.active,
            s.persistent,
            s.autostart,
        ))
    }

    fn set_autostart(
        driver: Arc<dyn Driver>,
        uuid: Uuid,
        autostart: bool,
    ) -> BoxFuture<'static, CoreResult<()>> {
        Box::pin(async move { driver.storage_pool_set_autostart(&uuid, autostart).await })
    }
}
