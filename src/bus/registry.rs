//! One driver's connection object: its path, its driver, the connection it is served on,
//! and the object paths of its children.
//!
//! Child objects are not registered anywhere: the dispatcher ([`super::dispatch`]) answers
//! any `<root>/<kind>/<element>` path from the path itself, so an object is reachable the
//! moment the driver has it, and nothing is kept per object.

use std::{marker::PhantomData, sync::Arc};

use serde::ser::{Serialize, SerializeSeq, Serializer};
use virtbus_core::driver::Driver;
use zbus::{Connection, ObjectPath, OwnedObjectPath, Signature, Type};

use super::kind::{Kind, ObjectKind, Values};

/// One driver's connection object. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Connection,
    root: OwnedObjectPath,
    driver: Arc<dyn Driver>,
}

impl Registry {
    /// The registry of `driver`, whose connection object is `root` on `connection`.
    pub fn new(connection: Connection, root: &str, driver: Arc<dyn Driver>) -> zbus::Result<Self> {
        let root = OwnedObjectPath::from(ObjectPath::try_from(root)?.into_owned());
        Ok(Self {
            inner: Arc::new(Inner {
                connection,
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

    /// `<root>/<element>/`, the start of the path of every object under `element`.
    pub fn prefix(&self, element: &str) -> String {
        prefix(self.inner.root.as_str(), element)
    }

    /// The object path of the object of kind `K` with key `key`.
    pub fn path<K: ObjectKind>(&self, key: &K::Key) -> OwnedObjectPath {
        let mut out = self.prefix(K::ELEMENT);
        K::encode(key, &mut out);
        // A valid root, an element and an encoded key ([A-Za-z0-9_]) make a valid path.
        OwnedObjectPath::from(ObjectPath::from_string_unchecked(out))
    }

    /// The object path of the object `values` were read from, an object of `kind`.
    pub fn path_of(&self, kind: &dyn Kind, values: &dyn Values) -> OwnedObjectPath {
        let mut out = self.prefix(kind.element());
        values.push_element(&mut out);
        OwnedObjectPath::from(ObjectPath::from_string_unchecked(out))
    }

    /// The object paths of `keys`, as one `ao` value that is written straight to the
    /// message, with no path allocated on the way.
    pub fn paths<K: ObjectKind>(&self, keys: Vec<K::Key>) -> Paths<K> {
        Paths {
            prefix: self.prefix(K::ELEMENT),
            keys,
            kind: PhantomData,
        }
    }
}

/// `<root>/<element>/` for the connection object `root`.
fn prefix(root: &str, element: &str) -> String {
    let root = root.strip_suffix('/').unwrap_or(root);
    let mut prefix = String::with_capacity(root.len() + element.len() + 40);
    prefix.push_str(root);
    prefix.push('/');
    prefix.push_str(element);
    prefix.push('/');
    prefix
}

/// Object paths of kind `K`, serialized as `ao` from their keys: see [`Registry::paths`].
pub struct Paths<K: ObjectKind> {
    prefix: String,
    keys: Vec<K::Key>,
    kind: PhantomData<fn() -> K>,
}

impl<K: ObjectKind> Serialize for Paths<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.keys.len()))?;
        let mut buf = String::with_capacity(self.prefix.len() + 40);
        for key in &self.keys {
            buf.clear();
            buf.push_str(&self.prefix);
            K::encode(key, &mut buf);
            seq.serialize_element(&ObjectPath::from_str_unchecked(&buf))?;
        }
        seq.end()
    }
}

impl<K: ObjectKind> Type for Paths<K> {
    const SIGNATURE: &'static Signature = <Vec<OwnedObjectPath> as Type>::SIGNATURE;
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::bus::{domain::DomainKind, path};

    #[test]
    fn paths_are_formed_as_path_module_forms_them() {
        let uuid = Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
        for root in ["/org/libvirt/Test", "/org/libvirt/QEMU"] {
            let mut built = prefix(root, DomainKind::ELEMENT);
            DomainKind::encode(&uuid, &mut built);
            assert_eq!(built, path::domain_path(root, &uuid).as_str());
        }
        assert_eq!(prefix("/", "domain"), "/domain/");
        assert_eq!(
            Paths::<DomainKind>::SIGNATURE.to_string(),
            "ao",
            "ListDomains returns an array of object paths"
        );
    }
}
