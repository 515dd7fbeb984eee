//! `org.libvirt.Secret`: one object per secret, at `<connection>/secret/_<uuid>`.
//!
//! The object is a thin handle (driver + UUID): every call goes to the driver. Each method maps
//! 1:1 to a libvirt API, as in libvirt-dbus, and every failure is an `org.libvirt.Error`
//! carrying libvirt's text. The properties are defined once, with the kind ([`SecretKind`]);
//! lifecycle events go out as `SecretEvent` on the connection object. A secret's value is
//! never logged.

mod kind;

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::driver::Driver;
use zbus::interface;

pub use self::kind::{SecretKind, SecretValues};
use super::error::Result;

/// The D-Bus interface name served by [`SecretObject`].
pub const INTERFACE: &str = "org.libvirt.Secret";

/// The `org.libvirt.Secret` object of one secret: the driver that owns it and its UUID.
pub struct SecretObject {
    driver: Arc<dyn Driver>,
    uuid: Uuid,
}

impl SecretObject {
    /// A handle on secret `uuid` of `driver`. The secret need not exist: calls then fail
    /// with libvirt's "Secret not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, uuid: Uuid) -> Self {
        Self { driver, uuid }
    }
}

#[interface(name = "org.libvirt.Secret")]
impl SecretObject {
    /// The value of the secret; refused for a private secret (virSecretGetValue).
    #[zbus(name = "GetValue", out_args("value"))]
    async fn get_value(&self, flags: u32) -> Result<Vec<u8>> {
        Ok(self.driver.secret_value(&self.uuid, flags).await?)
    }

    /// Sets the value of the secret, at most 65536 bytes (virSecretSetValue).
    #[zbus(name = "SetValue")]
    async fn set_value(&self, value: Vec<u8>, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .secret_set_value(&self.uuid, &value, flags)
            .await?)
    }

    /// The secret XML; it never holds the value (virSecretGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.secret_xml_desc(&self.uuid, flags).await?)
    }

    /// Removes the secret and its value (virSecretUndefine).
    #[zbus(name = "Undefine")]
    async fn undefine(&self) -> Result<()> {
        Ok(self.driver.secret_undefine(&self.uuid).await?)
    }
}
