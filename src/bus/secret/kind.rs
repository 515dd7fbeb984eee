//! Secrets as a kind of object: their path element, their key, and the properties of
//! `org.libvirt.Secret`, each defined once here.

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{
    driver::{Driver, SecretSummary},
    ObjectId, Result as CoreResult,
};
use zbus::Variant;

use super::{SecretObject, INTERFACE};
use crate::bus::{
    kind::{ObjectKind, Property, UuidText, Wanted},
    path,
};

/// The secrets of a driver, at `<connection>/secret/_<uuid>`.
pub struct SecretKind;

/// What the properties of one secret are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValues {
    summary: SecretSummary,
    uuid: UuidText,
}

impl SecretValues {
    /// The values of a secret with `summary`.
    pub fn new(summary: SecretSummary) -> Self {
        let uuid = UuidText::new(&summary.uuid);
        Self { summary, uuid }
    }
}

impl ObjectKind for SecretKind {
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.Secret.xml");
    const ELEMENT: &'static str = path::SECRET;
    const INTERFACE: &'static str = INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // virSecretGetUUIDString: the identity of the object, never changes.
        Property::read("UUID", |v: &SecretValues| {
            Ok(Variant::from(v.uuid.as_str()))
        }),
        // virSecretGetUsageID.
        Property::read("UsageID", |v: &SecretValues| {
            Ok(Variant::from(v.summary.usage_id.as_str()))
        }),
        // virSecretGetUsageType.
        Property::read("UsageType", |v: &SecretValues| {
            Ok(Variant::from(v.summary.usage_type))
        }),
    ];

    type Handle = SecretObject;
    type Key = Uuid;
    type Values = SecretValues;

    fn decode(element: &str) -> CoreResult<Uuid> {
        path::decode_uuid(element)
    }

    fn encode(key: &Uuid, out: &mut String) {
        path::push_encoded_uuid(out, key);
    }

    fn key_of(values: &SecretValues) -> &Uuid {
        &values.summary.uuid
    }

    fn id(key: &Uuid) -> ObjectId {
        ObjectId::Secret(*key)
    }

    fn handle(driver: Arc<dyn Driver>, key: Uuid) -> SecretObject {
        SecretObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        driver.list_secrets(0).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a Uuid,
        _wanted: Wanted<'a>,
    ) -> CoreResult<SecretValues> {
        Ok(SecretValues::new(driver.secret_summary(key).await?))
    }
}
