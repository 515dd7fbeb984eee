//! `org.libvirt.Interface`: one object per host interface, at
//! `<connection>/interface/<MAC address, hex-escaped>`.
//!
//! The object is a thin handle (driver + MAC address): every call goes to the driver. Each
//! method maps 1:1 to a libvirt API, as in libvirt-dbus, and every failure is an
//! `org.libvirt.Error` carrying libvirt's text. The properties are defined once, with the kind
//! ([`InterfaceKind`]). libvirt has no interface events: the object manager announces new and
//! removed interfaces, and `PropertiesChanged` follows `Active`.

mod kind;

use std::sync::Arc;

use virtbus_core::driver::Driver;
use zbus::interface;

pub use self::kind::InterfaceKind;
use super::error::Result;

/// The D-Bus interface name served by [`InterfaceObject`].
pub const INTERFACE: &str = "org.libvirt.Interface";

/// The `org.libvirt.Interface` object of one host interface: the driver that owns it and its
/// MAC address.
pub struct InterfaceObject {
    driver: Arc<dyn Driver>,
    mac: String,
}

impl InterfaceObject {
    /// A handle on the interface with MAC `mac` of `driver`. The interface need not exist:
    /// calls then fail with libvirt's "Interface not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, mac: String) -> Self {
        Self { driver, mac }
    }
}

#[interface(name = "org.libvirt.Interface")]
impl InterfaceObject {
    /// Brings the interface up (virInterfaceCreate).
    #[zbus(name = "Create")]
    async fn create(&self, flags: u32) -> Result<()> {
        Ok(self.driver.interface_create(&self.mac, flags).await?)
    }

    /// Brings the interface down (virInterfaceDestroy).
    #[zbus(name = "Destroy")]
    async fn destroy(&self, flags: u32) -> Result<()> {
        Ok(self.driver.interface_destroy(&self.mac, flags).await?)
    }

    /// The interface XML (virInterfaceGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.interface_xml_desc(&self.mac, flags).await?)
    }

    /// Removes the interface's definition (virInterfaceUndefine).
    #[zbus(name = "Undefine")]
    async fn undefine(&self) -> Result<()> {
        Ok(self.driver.interface_undefine(&self.mac).await?)
    }
}
