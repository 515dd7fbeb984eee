//! `org.libvirt.StoragePool`: one object per storage pool, at
//! `<connection>/storagepool/_<uuid>`.
//!
//! The object is a thin handle (driver + UUID): every call goes to the driver. Volumes made
//! or found through the pool are returned as `org.libvirt.StorageVol` paths. The properties
//! are defined once, with the kind ([`StoragePoolKind`]); lifecycle events go out as
//! `StoragePoolEvent` on the connection object, and a refresh as this interface's `Refresh`
//! signal on the pool's object.

mod kind;

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{driver::Driver, ObjectId};
use zbus::{interface, message::Header, OwnedObjectPath};

pub use self::kind::{StoragePoolKind, StoragePools};
use super::{error::Result, path};

/// The D-Bus interface name served by [`StoragePoolObject`].
pub const INTERFACE: &str = "org.libvirt.StoragePool";

/// The `org.libvirt.StoragePool` object of one pool: the driver that owns it and its UUID.
pub struct StoragePoolObject {
    driver: Arc<dyn Driver>,
    uuid: Uuid,
}

impl StoragePoolObject {
    /// A handle on pool `uuid` of `driver`. The pool need not exist: calls then fail with
    /// libvirt's "Storage pool not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, uuid: Uuid) -> Self {
        Self { driver, uuid }
    }

    /// The object path of the volume with key `key`, under the connection object of the
    /// call.
    fn volume_path(&self, hdr: &Header<'_>, key: String) -> OwnedObjectPath {
        let root = path::call_root(hdr, path::STORAGE_POOL, self.driver.name());
        path::object_path(&root, &ObjectId::StorageVol(key))
    }
}

#[interface(name = "org.libvirt.StoragePool")]
impl StoragePoolObject {
    /// Makes the pool's underlying storage (virStoragePoolBuild).
    #[zbus(name = "Build")]
    async fn build(&self, flags: u32) -> Result<()> {
        Ok(self.driver.storage_pool_build(&self.uuid, flags).await?)
    }

    /// Starts the defined pool (virStoragePoolCreate).
    #[zbus(name = "Create")]
    async fn create(&self, flags: u32) -> Result<()> {
        Ok(self.driver.storage_pool_create(&self.uuid, flags).await?)
    }

    /// Removes the pool's underlying storage (virStoragePoolDelete).
    #[zbus(name = "Delete")]
    async fn delete(&self, flags: u32) -> Result<()> {
        Ok(self.driver.storage_pool_delete(&self.uuid, flags).await?)
    }

    /// Stops the pool; a transient pool is gone afterwards (virStoragePoolDestroy).
    #[zbus(name = "Destroy")]
    async fn destroy(&self) -> Result<()> {
        Ok(self.driver.storage_pool_destroy(&self.uuid).await?)
    }

    /// (state, capacity, allocation, available) in bytes (virStoragePoolGetInfo).
    #[zbus(name = "GetInfo", out_args("info"))]
    async fn get_info(&self) -> Result<((i32, u64, u64, u64),)> {
        let info = self.driver.storage_pool_info(&self.uuid).await?;
        Ok(((info.state, info.capacity, info.allocation, info.available),))
    }

    /// The storage pool XML (virStoragePoolGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.storage_pool_xml_desc(&self.uuid, flags).await?)
    }

    /// The pool's volumes (virStoragePoolListAllVolumes).
    #[zbus(name = "ListStorageVolumes", out_args("storageVols"))]
    async fn list_storage_volumes(
        &self,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<Vec<OwnedObjectPath>> {
        let keys = self
            .driver
            .storage_pool_list_volumes(&self.uuid, flags)
            .await?;
        let paths = keys
            .into_iter()
            .map(|key| self.volume_path(&hdr, key))
            .collect();
        Ok(super::visibility::retain_paths(paths).await)
    }

    /// Reads the pool's volumes and sizes again (virStoragePoolRefresh).
    #[zbus(name = "Refresh")]
    async fn refresh(&self, flags: u32) -> Result<()> {
        Ok(self.driver.storage_pool_refresh(&self.uuid, flags).await?)
    }

    /// Makes a volume in the pool from its XML (virStorageVolCreateXML).
    #[zbus(name = "StorageVolCreateXML", out_args("storageVol"))]
    async fn storage_vol_create_xml(
        &self,
        xml: &str,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        let key = self
            .driver
            .storage_vol_create_xml(&self.uuid, xml, flags)
            .await?;
        Ok(self.volume_path(&hdr, key))
    }

    /// Makes a volume in the pool from its XML with the content of the volume whose key is
    /// `key` (virStorageVolCreateXMLFrom).
    #[zbus(name = "StorageVolCreateXMLFrom", out_args("storageVol"))]
    async fn storage_vol_create_xml_from(
        &self,
        xml: &str,
        key: &str,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        let key = self
            .driver
            .storage_vol_create_xml_from(&self.uuid, xml, key, flags)
            .await?;
        Ok(self.volume_path(&hdr, key))
    }

    /// The pool's volume called `name` (virStorageVolLookupByName).
    #[zbus(name = "StorageVolLookupByName", out_args("storageVol"))]
    async fn storage_vol_lookup_by_name(
        &self,
        name: &str,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        let key = self
            .driver
            .storage_vol_lookup_by_name(&self.uuid, name)
            .await?;
        Ok(self.volume_path(&hdr, key))
    }

    /// Removes the persistent definition of an inactive pool (virStoragePoolUndefine).
    #[zbus(name = "Undefine")]
    async fn undefine(&self) -> Result<()> {
        Ok(self.driver.storage_pool_undefine(&self.uuid).await?)
    }

    /// The pool was refreshed (VIR_STORAGE_POOL_EVENT_ID_REFRESH).
    #[zbus(signal, name = "Refresh")]
    pub async fn refresh_signal(
        emitter: &zbus::object_server::SignalEmitter<'_>,
    ) -> zbus::Result<()>;
}
