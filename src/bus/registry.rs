//! One driver's connection object: its path, its driver, the connection it is served on,
//! and the object paths of its domains.
//!
//! Domain objects are not registered anywhere: the dispatcher ([`super::dispatch`]) answers
//! any `<root>/domain/<element>` path from the path itself, so a domain is reachable the
//! moment the driver has it, and nothing is kept per domain.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeSeq, Serializer};
use uuid::Uuid;
use virtbus_core::driver::{DomainSummary, Driver};
use zbus::{Connection, ObjectPath, OwnedObjectPath, Signature, Type};

use super::path;

/// One driver's connection object. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Connection,
    root: OwnedObjectPath,
    /// `<root>/domain/`, the start of every domain path.
    domain_prefix: String,
    driver: Arc<dyn Driver>,
}

/// `<root>/domain/` for the connection object `root`.
fn domain_prefix(root: &str) -> String {
    let root = root.strip_suffix('/').unwrap_or(root);
    format!("{root}/{}/", path::DOMAIN)
}

impl Registry {
    /// The registry of `driver`, whose connection object is `root` on `connection`.
    pub fn new(connection: Connection, root: &str, driver: Arc<dyn Driver>) -> zbus::Result<Self> {
        let root = OwnedObjectPath::from(ObjectPath::try_from(root)?.into_owned());
        Ok(Self {
            inner: Arc::new(Inner {
                connection,
                domain_prefix: domain_prefix(root.as_str()),
                root,
                driver,
            }),
        })
    }

    /// The connection object path, e.g. `/org/libvirt/Test`.
    pub fn root(&self) -> &OwnedObjectPath {
        &self.inner.root
    }

    /// The driver behind this connection object.
    pub fn driver(&self) -> &Arc<dyn Driver> {
        &self.inner.driver
    }

    /// The bus connection the service is on.
    pub fn connection(&self) -> &Connection {
        &self.inner.connection
    }

    /// The object path of domain `uuid`, as [`path::domain_path`] forms it.
    pub fn domain_path(&self, uuid: &Uuid) -> OwnedObjectPath {
        let mut out =
            String::with_capacity(self.inner.domain_prefix.len() + path::ENCODED_UUID_LEN);
        self.push_domain_path(&mut out, uuid);
        // A valid root, "domain" and an encoded UUID ([0-9a-f_]) make a valid path.
        OwnedObjectPath::from(ObjectPath::from_string_unchecked(out))
    }

    /// Appends the object path of domain `uuid` to `out`.
    fn push_domain_path(&self, out: &mut String, uuid: &Uuid) {
        out.push_str(&self.inner.domain_prefix);
        path::push_encoded_uuid(out, uuid);
    }

    /// The object paths of `uuids`, as one `ao` value that is written straight to the
    /// message, with no path allocated on the way.
    pub fn domain_paths(&self, uuids: Vec<Uuid>) -> DomainPaths {
        DomainPaths {
            registry: self.clone(),
            uuids,
        }
    }

    /// The summaries of every domain of the driver, in one pass when the driver can.
    pub async fn summaries(&self) -> virtbus_core::Result<Vec<DomainSummary>> {
        let driver = &self.inner.driver;
        match driver.summaries().await {
            Err(virtbus_core::Error::NoSupport(_)) => {
                let uuids = driver.list_domains(0).await?;
                let mut summaries = Vec::with_capacity(uuids.len());
                for uuid in uuids {
                    // A domain that vanished between the two calls is simply not listed.
                    if let Ok(summary) = driver.summary(&uuid).await {
                        summaries.push(summary);
                    }
                }
                Ok(summaries)
            }
            other => other,
        }
    }
}

/// Domain object paths, serialized as `ao` from their UUIDs: see [`Registry::domain_paths`].
pub struct DomainPaths {
    registry: Registry,
    uuids: Vec<Uuid>,
}

impl Serialize for DomainPaths {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.uuids.len()))?;
        let mut buf =
            String::with_capacity(self.registry.inner.domain_prefix.len() + path::ENCODED_UUID_LEN);
        for uuid in &self.uuids {
            buf.clear();
            self.registry.push_domain_path(&mut buf, uuid);
            seq.serialize_element(&ObjectPath::from_str_unchecked(&buf))?;
        }
        seq.end()
    }
}

impl Type for DomainPaths {
    const SIGNATURE: &'static Signature = <Vec<OwnedObjectPath> as Type>::SIGNATURE;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_paths_are_formed_as_path_module_forms_them() {
        let uuid = Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
        for root in ["/org/libvirt/Test", "/org/libvirt/QEMU"] {
            let mut built = domain_prefix(root);
            path::push_encoded_uuid(&mut built, &uuid);
            assert_eq!(built, path::domain_path(root, &uuid).as_str());
        }
        assert_eq!(domain_prefix("/"), "/domain/");
        assert_eq!(
            DomainPaths::SIGNATURE.to_string(),
            "ao",
            "ListDomains returns an array of object paths"
        );
    }
}
