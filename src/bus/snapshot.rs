//! `org.libvirt.DomainSnapshot`: one object per snapshot of a domain, at
//! `<connection>/domainsnapshot/_<domain uuid>_<snapshot name, hex-escaped>`.
//!
//! The object is a thin handle (driver + domain UUID + snapshot name): every call goes to the
//! driver's snapshot group. The interface has no properties and no signals; its kind
//! ([`SnapshotKind`]) lists the snapshots in the object manager.

mod kind;

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{driver::Driver, Error as CoreError};
use zbus::{interface, message::Header, OwnedObjectPath};

pub use self::kind::{SnapshotKey, SnapshotKind};
use super::{error::Result, path};

/// The D-Bus interface name served by [`SnapshotObject`].
pub const INTERFACE: &str = "org.libvirt.DomainSnapshot";

/// The `org.libvirt.DomainSnapshot` object of one snapshot.
pub struct SnapshotObject {
    driver: Arc<dyn Driver>,
    domain: Uuid,
    name: String,
}

impl SnapshotObject {
    /// A handle on snapshot `name` of domain `domain` of `driver`. The snapshot need not
    /// exist: calls then fail as libvirt's do ("Domain not found", "Domain snapshot not
    /// found").
    pub fn new(driver: Arc<dyn Driver>, key: SnapshotKey) -> Self {
        Self {
            driver,
            domain: key.domain,
            name: key.name,
        }
    }

    /// The object path of snapshot `name` of the same domain, under the connection object of
    /// the call.
    fn sibling_path(&self, hdr: &Header<'_>, name: &str) -> Result<OwnedObjectPath> {
        let root = path::call_root(hdr, path::DOMAIN_SNAPSHOT, self.driver.name());
        object_path(&root, &self.domain, name)
    }
}

/// The object path of snapshot `name` of domain `domain` under the connection object `root`,
/// for a reply.
pub(super) fn object_path(root: &str, domain: &Uuid, name: &str) -> Result<OwnedObjectPath> {
    path::snapshot_path(root, domain, name).ok_or_else(|| {
        CoreError::Internal(format!("cannot form an object path for snapshot '{name}'")).into()
    })
}

#[interface(name = "org.libvirt.DomainSnapshot")]
impl SnapshotObject {
    /// Deletes the snapshot, and its children or only its metadata as `flags` say
    /// (virDomainSnapshotDelete).
    #[zbus(name = "Delete")]
    async fn delete(&self, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .snapshot_delete(&self.domain, &self.name, flags)
            .await?)
    }

    /// The snapshot this one was taken after (virDomainSnapshotGetParent).
    #[zbus(name = "GetParent", out_args("domainSnapshot"))]
    async fn get_parent(
        &self,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        let parent = self
            .driver
            .snapshot_parent(&self.domain, &self.name, flags)
            .await?;
        self.sibling_path(&hdr, &parent)
    }

    /// The snapshot XML, with the domain definition it saved (virDomainSnapshotGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self
            .driver
            .snapshot_xml_desc(&self.domain, &self.name, flags)
            .await?)
    }

    /// Whether this is the domain's current snapshot (virDomainSnapshotIsCurrent).
    #[zbus(name = "IsCurrent", out_args("domainSnapshot"))]
    async fn is_current(&self, flags: u32) -> Result<bool> {
        Ok(self
            .driver
            .snapshot_is_current(&self.domain, &self.name, flags)
            .await?)
    }

    /// The snapshots taken after this one, filtered by `flags`
    /// (virDomainSnapshotListAllChildren).
    #[zbus(name = "ListChildren", out_args("domainSnapshots"))]
    async fn list_children(
        &self,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<Vec<OwnedObjectPath>> {
        self.driver
            .snapshot_list_children(&self.domain, &self.name, flags)
            .await?
            .iter()
            .map(|child| self.sibling_path(&hdr, child))
            .collect()
    }

    /// Brings the domain back to the state the snapshot saved (virDomainRevertToSnapshot).
    #[zbus(name = "Revert")]
    async fn revert(&self, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .snapshot_revert(&self.domain, &self.name, flags)
            .await?)
    }
}
