//! Domain snapshots as a kind of object: their path element and key. The interface has no
//! properties.

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{driver::Driver, Error as CoreError, ObjectId, Result as CoreResult};

use super::{SnapshotObject, INTERFACE};
use crate::bus::{
    kind::{ObjectKind, Property, Wanted},
    path,
};

/// The snapshots of every domain of a driver.
pub struct SnapshotKind;

/// A snapshot: its domain and its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SnapshotKey {
    /// The domain the snapshot is of.
    pub domain: Uuid,
    /// The snapshot's name, unique within its domain.
    pub name: String,
}

/// The length of the domain part of a snapshot's path element: `_` and a UUID of 36
/// characters, as libvirt-dbus reads it.
const DOMAIN_PART: usize = path::ENCODED_UUID_LEN;

impl ObjectKind for SnapshotKind {
    const CONTRACT: &'static str =
        include_str!("../../../interfaces/org.libvirt.DomainSnapshot.xml");
    const ELEMENT: &'static str = path::DOMAIN_SNAPSHOT;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[];

    type Handle = SnapshotObject;
    type Key = SnapshotKey;
    type Values = SnapshotKey;

    /// `_<domain uuid>_<enc(name)>`. libvirt-dbus crashes on an element shorter than its
    /// domain part; here any element that does not start with one is "Invalid UUID", and a
    /// name that is no valid encoding names no snapshot.
    fn decode(element: &str) -> CoreResult<SnapshotKey> {
        let (Some(domain), Some(rest)) = (element.get(..DOMAIN_PART), element.get(DOMAIN_PART..))
        else {
            return Err(CoreError::invalid_uuid());
        };
        let domain = path::decode_uuid(domain)?;
        let encoded = rest.strip_prefix('_').ok_or_else(CoreError::invalid_uuid)?;
        let name = path::decode_str(encoded).ok_or_else(|| {
            CoreError::NoDomainSnapshot(format!(
                "no domain snapshot with matching name '{encoded}'"
            ))
        })?;
        Ok(SnapshotKey { domain, name })
    }

    fn encode(key: &SnapshotKey, out: &mut String) {
        path::push_encoded_uuid(out, &key.domain);
        out.push('_');
        out.push_str(&path::encode_str(&key.name));
    }

    fn key_of(values: &SnapshotKey) -> &SnapshotKey {
        values
    }

    fn id(key: &SnapshotKey) -> ObjectId {
        ObjectId::DomainSnapshot {
            domain: key.domain,
            name: key.name.clone(),
        }
    }

    fn handle(driver: Arc<dyn Driver>, key: SnapshotKey) -> SnapshotObject {
        SnapshotObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<SnapshotKey>> {
        let mut keys = Vec::new();
        for domain in driver.list_domains(0).await? {
            // A driver without snapshots, or a domain gone meanwhile, has none to list.
            let Ok(names) = driver.list_snapshots(&domain, 0).await else {
                continue;
            };
            keys.extend(names.into_iter().map(|name| SnapshotKey { domain, name }));
        }
        Ok(keys)
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a SnapshotKey,
        _wanted: Wanted<'a>,
    ) -> CoreResult<SnapshotKey> {
        let name = driver
            .snapshot_lookup_by_name(&key.domain, &key.name, 0)
            .await?;
        Ok(SnapshotKey {
            domain: key.domain,
            name,
        })
    }

    async fn read_all(driver: &dyn Driver) -> CoreResult<Vec<SnapshotKey>> {
        match Self::list(driver).await {
            Err(CoreError::NoSupport(_)) => Ok(Vec::new()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_read_as_libvirt_dbus_forms_them() {
        let key = SnapshotKey {
            domain: Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap(),
            name: "s 1".to_owned(),
        };
        let mut element = String::new();
        SnapshotKind::encode(&key, &mut element);
        assert_eq!(element, "_6695eb01_f6a4_8304_79aa_97f2502e193f_s_201");
        assert_eq!(SnapshotKind::decode(&element).unwrap(), key);
        let empty = SnapshotKey {
            name: String::new(),
            ..key.clone()
        };
        let mut element = String::new();
        SnapshotKind::encode(&empty, &mut element);
        assert_eq!(SnapshotKind::decode(&element).unwrap(), empty);
    }

    #[test]
    fn short_or_malformed_elements_are_errors_not_crashes() {
        for bad in [
            "",
            "x",
            "_6695eb01",
            "_6695eb01_f6a4_8304_79aa_97f2502e193f",
            "_6695eb01_f6a4_8304_79aa_97f2502e193fxs",
            "_zzzzzzzz_zzzz_zzzz_zzzz_zzzzzzzzzzzz_s",
            "ééééééééééééééééééééééééééééééééééééééé",
        ] {
            assert_eq!(
                SnapshotKind::decode(bad),
                Err(CoreError::invalid_uuid()),
                "{bad}"
            );
        }
        let bad_name = "_6695eb01_f6a4_8304_79aa_97f2502e193f_zz_";
        assert!(matches!(
            SnapshotKind::decode(bad_name),
            Err(CoreError::NoDomainSnapshot(_))
        ));
    }
}
