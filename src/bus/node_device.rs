//! `org.libvirt.NodeDevice`: one object per host device, at
//! `<connection>/nodedev/<name, hex-escaped>`.
//!
//! The object is a thin handle (driver + device name): every call goes to the driver. Each
//! method maps 1:1 to a libvirt API, as in libvirt-dbus, and every failure is an
//! `org.libvirt.Error` carrying libvirt's text. The properties are defined once, with the
//! kind ([`NodeDeviceKind`]); lifecycle events go out as `NodeDeviceEvent` on the connection
//! object.

mod kind;

use std::sync::Arc;

use virtbus_core::driver::Driver;
use zbus::interface;

pub use self::kind::NodeDeviceKind;
use super::error::Result;

/// The D-Bus interface name served by [`NodeDeviceObject`].
pub const INTERFACE: &str = "org.libvirt.NodeDevice";

/// The `org.libvirt.NodeDevice` object of one device: the driver that owns it and its name.
pub struct NodeDeviceObject {
    driver: Arc<dyn Driver>,
    name: String,
}

impl NodeDeviceObject {
    /// A handle on the device `name` of `driver`. The device need not exist: calls then fail
    /// with libvirt's "Node device not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, name: String) -> Self {
        Self { driver, name }
    }
}

#[interface(name = "org.libvirt.NodeDevice")]
impl NodeDeviceObject {
    /// Destroys the device, a vHBA made by NodeDeviceCreateXML (virNodeDeviceDestroy).
    #[zbus(name = "Destroy")]
    async fn destroy(&self) -> Result<()> {
        Ok(self.driver.node_device_destroy(&self.name).await?)
    }

    /// Detaches the device from its host driver for assignment to guests
    /// (virNodeDeviceDetachFlags).
    #[zbus(name = "Detach")]
    async fn detach(&self, driver_name: &str, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .node_device_detach(&self.name, driver_name, flags)
            .await?)
    }

    /// The node device XML (virNodeDeviceGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.node_device_xml_desc(&self.name, flags).await?)
    }

    /// The names of the device's capabilities (virNodeDeviceListCaps).
    #[zbus(name = "ListCaps", out_args("names"))]
    async fn list_caps(&self) -> Result<Vec<String>> {
        Ok(self.driver.node_device_list_caps(&self.name).await?)
    }

    /// Gives the device back to its host driver (virNodeDeviceReAttach).
    #[zbus(name = "ReAttach")]
    async fn re_attach(&self) -> Result<()> {
        Ok(self.driver.node_device_reattach(&self.name).await?)
    }

    /// Resets the device (virNodeDeviceReset).
    #[zbus(name = "Reset")]
    async fn reset(&self) -> Result<()> {
        Ok(self.driver.node_device_reset(&self.name).await?)
    }
}
