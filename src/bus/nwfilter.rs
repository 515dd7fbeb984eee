//! `org.libvirt.NWFilter`: one object per network filter, at `<connection>/nwfilter/_<uuid>`.
//!
//! The object is a thin handle (driver + UUID): every call goes to the driver. Each method maps
//! 1:1 to a libvirt API, as in libvirt-dbus, and every failure is an `org.libvirt.Error`
//! carrying libvirt's text. The properties are defined once, with the kind ([`NWFilterKind`]).
//! libvirt has no filter lifecycle events; the object manager announces new and removed
//! filters.

mod kind;

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::driver::Driver;
use zbus::interface;

pub use self::kind::{NWFilterKind, NWFilterValues};
use super::error::Result;

/// The D-Bus interface name served by [`NWFilterObject`].
pub const INTERFACE: &str = "org.libvirt.NWFilter";

/// The `org.libvirt.NWFilter` object of one filter: the driver that owns it and its UUID.
pub struct NWFilterObject {
    driver: Arc<dyn Driver>,
    uuid: Uuid,
}

impl NWFilterObject {
    /// A handle on filter `uuid` of `driver`. The filter need not exist: calls then fail
    /// with libvirt's "Network filter not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, uuid: Uuid) -> Self {
        Self { driver, uuid }
    }
}

#[interface(name = "org.libvirt.NWFilter")]
impl NWFilterObject {
    /// The filter XML (virNWFilterGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.nwfilter_xml_desc(&self.uuid, flags).await?)
    }

    /// Removes the filter (virNWFilterUndefine).
    #[zbus(name = "Undefine")]
    async fn undefine(&self) -> Result<()> {
        Ok(self.driver.nwfilter_undefine(&self.uuid).await?)
    }
}
