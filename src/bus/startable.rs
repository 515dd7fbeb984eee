//! The one shape of networks and storage pools as kinds of object: keyed by UUID at
//! `<connection>/<element>/_<uuid>`, with the properties `Active`, `Autostart` (writable),
//! `Name`, `Persistent` and `UUID`, defined once here for both.
//!
//! Each of them states only what differs ([`Startable`]): its element, interface, contract
//! and handle, and which driver calls list them, read them and set their autostart.

use std::{future::Future, marker::PhantomData, sync::Arc};

use uuid::Uuid;
use virtbus_core::{driver::Driver, Error as CoreError, ObjectId, Result as CoreResult};
use zbus::{object_server::Interface, OwnedVariant, Variant};

use super::{
    kind::{BoxFuture, ObjectKind, Property, UuidText, Wanted},
    path,
};

/// What the properties of one such object are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartableValues {
    /// The object's UUID.
    pub uuid: Uuid,
    /// `Name`.
    pub name: String,
    /// `Active`: started.
    pub active: bool,
    /// `Persistent`: has a persistent definition.
    pub persistent: bool,
    /// `Autostart`.
    pub autostart: bool,
    /// The UUID as `UUID` reads it.
    text: UuidText,
}

impl StartableValues {
    /// The values of object `uuid` called `name`.
    pub fn new(uuid: Uuid, name: String, active: bool, persistent: bool, autostart: bool) -> Self {
        Self {
            text: UuidText::new(&uuid),
            uuid,
            name,
            active,
            persistent,
            autostart,
        }
    }
}

/// What differs between the kinds of this shape.
pub trait Startable: Send + Sync + Sized + 'static {
    /// The path element under the connection object: `network`.
    const ELEMENT: &'static str;
    /// The interface: `org.libvirt.Network`.
    const INTERFACE: &'static str;
    /// The interface's contract file.
    const CONTRACT: &'static str;

    /// The thin handle that serves the interface's methods.
    type Handle: Interface;

    /// The handle of object `uuid` for one call.
    fn handle(driver: Arc<dyn Driver>, uuid: Uuid) -> Self::Handle;

    /// The object's identity in the driver's events.
    fn id(uuid: Uuid) -> ObjectId;

    /// The UUIDs of every object (the driver's List call without filter).
    fn list(driver: &dyn Driver) -> impl Future<Output = CoreResult<Vec<Uuid>>> + Send;

    /// The values of object `uuid`.
    fn read<'a>(
        driver: &'a dyn Driver,
        uuid: &'a Uuid,
    ) -> impl Future<Output = CoreResult<StartableValues>> + Send + 'a;

    /// Sets whether object `uuid` starts with the driver.
    fn set_autostart(
        driver: Arc<dyn Driver>,
        uuid: Uuid,
        autostart: bool,
    ) -> BoxFuture<'static, CoreResult<()>>;
}

/// The kind of the objects of `T`.
pub struct StartableKind<T>(PhantomData<fn() -> T>);

/// `Properties.Set` of `Autostart`.
fn set_autostart<T: Startable>(
    driver: Arc<dyn Driver>,
    uuid: Uuid,
    value: OwnedVariant,
) -> BoxFuture<'static, CoreResult<()>> {
    match bool::try_from(&*value) {
        Ok(autostart) => T::set_autostart(driver, uuid, autostart),
        Err(e) => Box::pin(std::future::ready(Err(CoreError::InvalidArg(format!(
            "Autostart: {e}"
        ))))),
    }
}

impl<T: Startable> ObjectKind for StartableKind<T> {
    const CONTRACT: &'static str = T::CONTRACT;
    const ELEMENT: &'static str = T::ELEMENT;
    const INTERFACE: &'static str = T::INTERFACE;
    const PROPERTIES: &'static [Property<Self>] = &[
        // vir*IsActive.
        Property::read("Active", |v: &StartableValues| Ok(Variant::from(v.active))),
        // vir*GetAutostart, vir*SetAutostart.
        Property::write(
            "Autostart",
            |v: &StartableValues| Ok(Variant::from(v.autostart)),
            set_autostart::<T>,
        ),
        // vir*GetName.
        Property::read("Name", |v: &StartableValues| {
            Ok(Variant::from(v.name.as_str()))
        }),
        // vir*IsPersistent.
        Property::read("Persistent", |v: &StartableValues| {
            Ok(Variant::from(v.persistent))
        }),
        // vir*GetUUIDString: the identity of the object, never changes.
        Property::read("UUID", |v: &StartableValues| {
            Ok(Variant::from(v.text.as_str()))
        }),
    ];

    type Handle = T::Handle;
    type Key = Uuid;
    type Values = StartableValues;

    fn decode(element: &str) -> CoreResult<Uuid> {
        path::decode_uuid(element)
    }

    fn encode(key: &Uuid, out: &mut String) {
        path::push_encoded_uuid(out, key);
    }

    fn key_of(values: &StartableValues) -> &Uuid {
        &values.uuid
    }

    fn id(key: &Uuid) -> ObjectId {
        T::id(*key)
    }

    fn handle(driver: Arc<dyn Driver>, key: Uuid) -> T::Handle {
        T::handle(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        T::list(driver).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a Uuid,
        _wanted: Wanted<'a>,
    ) -> CoreResult<StartableValues> {
        T::read(driver, key).await
    }
}
