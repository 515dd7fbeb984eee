//! `org.libvirt.StorageVol`: one object per storage volume, at
//! `<connection>/storagevol/<key, hex-escaped>`.
//!
//! The object is a thin handle (driver + volume key): every call goes to the driver. The
//! properties are defined once, with the kind ([`StorageVolKind`]).

mod kind;

use std::sync::Arc;

use virtbus_core::driver::Driver;
use zbus::interface;

pub use self::kind::StorageVolKind;
use super::error::Result;

/// The D-Bus interface name served by [`StorageVolObject`].
pub const INTERFACE: &str = "org.libvirt.StorageVol";

/// The `org.libvirt.StorageVol` object of one volume: the driver that owns it and its key.
pub struct StorageVolObject {
    driver: Arc<dyn Driver>,
    key: String,
}

impl StorageVolObject {
    /// A handle on the volume with key `key` of `driver`. The volume need not exist: calls
    /// then fail with libvirt's "Storage volume not found".
    pub fn new(driver: Arc<dyn Driver>, key: String) -> Self {
        Self { driver, key }
    }
}

#[interface(name = "org.libvirt.StorageVol")]
impl StorageVolObject {
    /// Deletes the volume and its content (virStorageVolDelete).
    #[zbus(name = "Delete")]
    async fn delete(&self, flags: u32) -> Result<()> {
        Ok(self.driver.storage_vol_delete(&self.key, flags).await?)
    }

    /// (type, capacity, allocation), sizes in bytes (virStorageVolGetInfoFlags).
    #[zbus(name = "GetInfo", out_args("info"))]
    async fn get_info(&self, flags: u32) -> Result<((i32, u64, u64),)> {
        let info = self.driver.storage_vol_info(&self.key, flags).await?;
        Ok(((info.kind, info.capacity, info.allocation),))
    }

    /// The storage volume XML (virStorageVolGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.storage_vol_xml_desc(&self.key, flags).await?)
    }

    /// Changes the capacity of the volume (virStorageVolResize).
    #[zbus(name = "Resize")]
    async fn resize(&self, capacity: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .storage_vol_resize(&self.key, capacity, flags)
            .await?)
    }

    /// Overwrites the content of the volume with `pattern` (virStorageVolWipePattern).
    #[zbus(name = "Wipe")]
    async fn wipe(&self, pattern: u32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .storage_vol_wipe(&self.key, pattern, flags)
            .await?)
    }
}
