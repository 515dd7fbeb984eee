//! The calls the QEMU phase makes on `/org/libvirt/QEMU`, the same for every service.
//! Failures come back as text for the report (see [`crate::load`]).

use zbus::{Connection, OwnedObjectPath};

use crate::{load::call_error, service::BUS_NAME};

/// The QEMU connection object.
pub const QEMU_ROOT: &str = "/org/libvirt/QEMU";

const CONNECT_IFACE: &str = "org.libvirt.Connect";
const DOMAIN_IFACE: &str = "org.libvirt.Domain";

/// A domain method without arguments or with the trailing `flags` (always 0 here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainCall {
    /// `Create(u flags)`.
    Create,
    /// `Destroy(u flags)`.
    Destroy,
    /// `Suspend()`.
    Suspend,
    /// `Resume()`.
    Resume,
    /// `Undefine(u flags)`.
    Undefine,
}

impl DomainCall {
    /// The member name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Destroy => "Destroy",
            Self::Suspend => "Suspend",
            Self::Resume => "Resume",
            Self::Undefine => "Undefine",
        }
    }

    /// Calls it on `domain`.
    pub async fn call(self, conn: &Connection, domain: &OwnedObjectPath) -> Result<(), String> {
        let name = self.name();
        let reply = match self {
            Self::Suspend | Self::Resume => {
                conn.call_method(Some(BUS_NAME), domain, Some(DOMAIN_IFACE), name, &())
                    .await
            }
            Self::Create | Self::Destroy | Self::Undefine => {
                conn.call_method(Some(BUS_NAME), domain, Some(DOMAIN_IFACE), name, &(0u32,))
                    .await
            }
        };
        reply
            .map(drop)
            .map_err(|e| format!("{name} on {domain}: {}", call_error(e)))
    }
}

/// `Connect.DomainDefineXML(xml)`: the new domain's path.
pub async fn define(conn: &Connection, xml: &str) -> Result<OwnedObjectPath, String> {
    let reply = conn
        .call_method(
            Some(BUS_NAME),
            QEMU_ROOT,
            Some(CONNECT_IFACE),
            "DomainDefineXML",
            &(xml,),
        )
        .await
        .map_err(|e| format!("DomainDefineXML: {}", call_error(e)))?;
    reply
        .body()
        .deserialize()
        .map_err(|e| format!("DomainDefineXML reply: {e}"))
}

/// Stops and undefines the domain `name` if it exists (left over from an interrupted run, or
/// done with); errors are ignored, as the domain may be inactive or absent.
pub async fn remove(conn: &Connection, name: &str) {
    let Ok(reply) = conn
        .call_method(
            Some(BUS_NAME),
            QEMU_ROOT,
            Some(CONNECT_IFACE),
            "DomainLookupByName",
            &(name,),
        )
        .await
    else {
        return;
    };
    let Ok(path) = reply.body().deserialize::<OwnedObjectPath>() else {
        return;
    };
    let _ = DomainCall::Destroy.call(conn, &path).await;
    let _ = DomainCall::Undefine.call(conn, &path).await;
}
