//! `org.libvirt.Network`: one object per virtual network, at `<connection>/network/_<uuid>`.
//!
//! The object is a thin handle (driver + UUID): every call goes to the driver. Each method maps
//! 1:1 to a libvirt API, as in libvirt-dbus, and every failure is an `org.libvirt.Error`
//! carrying libvirt's text. The properties are defined once, with the kind ([`NetworkKind`]);
//! lifecycle events go out as `NetworkEvent` on the connection object.

// The D-Bus argument names are libvirt-dbus's camelCase ones (`parentIndex`), and zbus takes
// them from the Rust parameter names.
#![allow(non_snake_case)]

mod kind;

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::driver::Driver;
use zbus::interface;

pub use self::kind::{NetworkKind, Networks};
use super::error::Result;

/// The D-Bus interface name served by [`NetworkObject`].
pub const INTERFACE: &str = "org.libvirt.Network";

/// One DHCP lease as `GetDHCPLeases` returns it: (interface, expiry time, address type, MAC,
/// IAID, address, prefix, hostname, client id).
pub type Lease = (
    String,
    i64,
    i32,
    String,
    String,
    String,
    u32,
    String,
    String,
);

/// The `org.libvirt.Network` object of one network: the driver that owns it and its UUID.
pub struct NetworkObject {
    driver: Arc<dyn Driver>,
    uuid: Uuid,
}

impl NetworkObject {
    /// A handle on network `uuid` of `driver`. The network need not exist: calls then fail
    /// with libvirt's "Network not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, uuid: Uuid) -> Self {
        Self { driver, uuid }
    }
}

#[interface(name = "org.libvirt.Network")]
impl NetworkObject {
    /// Starts the defined network (virNetworkCreate).
    #[zbus(name = "Create")]
    async fn create(&self) -> Result<()> {
        Ok(self.driver.network_create(&self.uuid).await?)
    }

    /// Stops the network; a transient network is gone afterwards (virNetworkDestroy).
    #[zbus(name = "Destroy")]
    async fn destroy(&self) -> Result<()> {
        Ok(self.driver.network_destroy(&self.uuid).await?)
    }

    /// The DHCP leases of the network, of the interface with MAC address `mac` only unless it
    /// is "" (virNetworkGetDHCPLeases).
    #[zbus(name = "GetDHCPLeases", out_args("leases"))]
    async fn get_dhcp_leases(&self, mac: &str, flags: u32) -> Result<Vec<Lease>> {
        let leases = self
            .driver
            .network_dhcp_leases(&self.uuid, mac, flags)
            .await?;
        Ok(leases
            .into_iter()
            .map(|l| {
                (
                    l.iface,
                    l.expiry_time,
                    l.addr_type,
                    l.mac,
                    l.iaid,
                    l.ip_addr,
                    l.prefix,
                    l.hostname,
                    l.client_id,
                )
            })
            .collect())
    }

    /// The network XML of the live or the persistent definition (virNetworkGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.network_xml_desc(&self.uuid, flags).await?)
    }

    /// Removes the persistent definition; a running network goes on as a transient one
    /// (virNetworkUndefine).
    #[zbus(name = "Undefine")]
    async fn undefine(&self) -> Result<()> {
        Ok(self.driver.network_undefine(&self.uuid).await?)
    }

    /// Adds, modifies or deletes (`command`) one element of one `section` of the definition,
    /// at `parentIndex` (-1 for any), live and/or persistent as `flags` say
    /// (virNetworkUpdate).
    #[zbus(name = "Update")]
    async fn update(
        &self,
        command: u32,
        section: u32,
        parentIndex: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        Ok(self
            .driver
            .network_update(&self.uuid, command, section, parentIndex, xml, flags)
            .await?)
    }
}
