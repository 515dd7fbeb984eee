//! What the bus front knows of each kind of object served under a connection object
//! (domains, networks, storage pools and volumes, snapshots, secrets, filters, node devices,
//! host interfaces), stated once per kind.
//!
//! A kind implements [`ObjectKind`]: its path element and how a key is written in and read
//! from it, its interface and the thin handle whose generated code serves its methods, how
//! its objects are listed and read from the driver, and its properties, each defined once as
//! a [`Property`]. That one definition answers `Properties.Get`, `GetAll` and `Set`, the
//! object manager's entries (`GetManagedObjects`, `InterfacesAdded`) and the
//! `PropertiesChanged` diff of the event fan-out.
//!
//! The dispatcher, the object manager and the fan-out do not know any kind by name: they go
//! through [`Kind`], the same definition with its types erased, and loop over the table in
//! [`super::kinds`].

use std::{
    collections::HashMap,
    future::Future,
    hash::{DefaultHasher, Hash, Hasher},
    marker::PhantomData,
    pin::Pin,
    sync::Arc,
};

use serde::ser::{Serialize, SerializeMap, Serializer};
use virtbus_core::{driver::Driver, Error as CoreError, ObjectId, Result as CoreResult};
use zbus::{object_server::Interface, OwnedVariant, Signature, Type, Variant};

/// A boxed future that can move between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which properties a read is for, so that a kind can skip what costs a driver call of its
/// own when nobody asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted<'a> {
    /// Every property (`GetAll`, the object manager, the fan-out).
    All,
    /// Only the property of that name (`Get`).
    One(&'a str),
}

impl Wanted<'_> {
    /// Whether property `name` is wanted.
    pub fn includes(self, name: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::One(one) => one == name,
        }
    }
}

/// How `Properties.Set` writes a property: the driver, the object's key and the new value,
/// whose type the dispatcher has already checked against the contract.
pub type Setter<K> =
    fn(Arc<dyn Driver>, <K as ObjectKind>::Key, OwnedVariant) -> BoxFuture<'static, CoreResult<()>>;

/// One property of a kind's interface, defined once.
pub struct Property<K: ObjectKind> {
    /// Its name on the bus, e.g. `Active`.
    pub name: &'static str,
    /// Its value in an object's read values, or why it cannot be read.
    pub get: for<'v> fn(&'v K::Values) -> CoreResult<Variant<'v>>,
    /// How it is written; `None` for a read-only property.
    pub set: Option<Setter<K>>,
}

impl<K: ObjectKind> Property<K> {
    /// A read-only property.
    pub const fn read(
        name: &'static str,
        get: for<'v> fn(&'v K::Values) -> CoreResult<Variant<'v>>,
    ) -> Self {
        Self {
            name,
            get,
            set: None,
        }
    }

    /// A property `Properties.Set` writes with `set`.
    pub const fn write(
        name: &'static str,
        get: for<'v> fn(&'v K::Values) -> CoreResult<Variant<'v>>,
        set: Setter<K>,
    ) -> Self {
        Self {
            name,
            get,
            set: Some(set),
        }
    }
}

/// One kind of object served under each connection object.
pub trait ObjectKind: Send + Sync + Sized + 'static {
    /// The path element under the connection object that holds these objects: `domain`.
    const ELEMENT: &'static str;
    /// The interface the objects serve: `org.libvirt.Domain`.
    const INTERFACE: &'static str;
    /// The interface's contract file (`interfaces/<INTERFACE>.xml`), which every call and
    /// property access is checked against.
    const CONTRACT: &'static str;
    /// The interface's properties, in the order `GetAll` lists them.
    const PROPERTIES: &'static [Property<Self>];

    /// What identifies one object in its driver. The default value is used for nothing but
    /// introspection.
    type Key: Clone + Default + Send + Sync + 'static;
    /// Everything the properties of one object are read from, read in one pass.
    type Values: Send + Sync + 'static;
    /// The thin handle (driver + key) whose generated code serves the interface's methods.
    type Handle: Interface;

    /// The key a path element names, or the error every call on that path answers (as
    /// libvirt-dbus answers "Invalid UUID" for a domain element that is no UUID).
    fn decode(element: &str) -> CoreResult<Self::Key>;

    /// Appends the path element of `key` to `out`.
    fn encode(key: &Self::Key, out: &mut String);

    /// The key of the object `values` were read from.
    fn key_of(values: &Self::Values) -> &Self::Key;

    /// The identity of object `key` in the driver's events.
    fn id(key: &Self::Key) -> ObjectId;

    /// The handle that serves the methods of object `key` for one call. The object need not
    /// exist: its methods then fail as the driver says.
    fn handle(driver: Arc<dyn Driver>, key: Self::Key) -> Self::Handle;

    /// The keys of every object of the driver.
    fn list(driver: &dyn Driver) -> impl Future<Output = CoreResult<Vec<Self::Key>>> + Send;

    /// The values of object `key`, for the properties `wanted`.
    fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a Self::Key,
        wanted: Wanted<'a>,
    ) -> impl Future<Output = CoreResult<Self::Values>> + Send + 'a;

    /// The values of every object of the driver, for every property, in as few driver calls
    /// as the driver allows. By default: [`ObjectKind::list`], then [`ObjectKind::read`] of
    /// each; an object gone between the two is not listed, and a driver without such objects
    /// (libvirt's "not supported") has none.
    fn read_all(driver: &dyn Driver) -> impl Future<Output = CoreResult<Vec<Self::Values>>> + Send {
        async move {
            let keys = match Self::list(driver).await {
                Err(CoreError::NoSupport(_)) => return Ok(Vec::new()),
                other => other?,
            };
            let mut all = Vec::with_capacity(keys.len());
            for key in &keys {
                if let Ok(values) = Self::read(driver, key, Wanted::All).await {
                    all.push(values);
                }
            }
            Ok(all)
        }
    }
}

/// The property values of one object, whatever its kind: what `GetAll`, `Get`, the object
/// manager and the fan-out read.
pub trait Values: Send + Sync {
    /// The interface these are properties of.
    fn interface(&self) -> &'static str;

    /// Appends the object's path element to `out`.
    fn push_element(&self, out: &mut String);

    /// The object's identity in the driver's events.
    fn id(&self) -> ObjectId;

    /// Every property, in the kind's order, with its value or why it cannot be read.
    fn entries(&self) -> Vec<(&'static str, CoreResult<Variant<'_>>)>;

    /// What the fan-out remembers of these values: one digest per property, in the order of
    /// [`Values::entries`]. Two different values of one property have the same digest with a
    /// chance of 2^-64, the only case where a change would go unannounced.
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint(self.entries().iter().map(|(_, v)| digest(v)).collect())
    }

    /// The properties whose values differ from those `old` was taken of: the arguments of
    /// one `PropertiesChanged`. A property that could be read before but not now is
    /// invalidated.
    fn changes_since(&self, old: &Fingerprint) -> Changes<'_> {
        let mut changes = Changes::default();
        for (i, (name, value)) in self.entries().into_iter().enumerate() {
            if old.0.get(i) == Some(&digest(&value)) {
                continue;
            }
            match value {
                Ok(value) => changes.changed.push((name, value)),
                Err(_) => changes.invalidated.push(name),
            }
        }
        changes
    }
}

/// A digest of one property value, the same in every run; every value that cannot be read
/// has the same digest.
fn digest(value: &CoreResult<Variant<'_>>) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.as_ref().ok().hash(&mut hasher);
    hasher.finish()
}

/// What the fan-out remembers of the last announced values of one object: see
/// [`Values::fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(Box<[u64]>);

/// What differs between two reads of one object: the arguments of one `PropertiesChanged`.
#[derive(Debug, Default, PartialEq)]
pub struct Changes<'a> {
    /// Properties with a new value.
    pub changed: Vec<(&'static str, Variant<'a>)>,
    /// Properties that can no longer be read.
    pub invalidated: Vec<&'static str>,
}

impl Changes<'_> {
    /// Whether nothing changed, so no signal is due.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.invalidated.is_empty()
    }
}

/// The read values of one object of kind `K`.
struct Read<K: ObjectKind>(K::Values);

/// `values` of an object of kind `K`, as the bus front reads them.
pub fn boxed<K: ObjectKind>(values: K::Values) -> Box<dyn Values> {
    Box::new(Read::<K>(values))
}

impl<K: ObjectKind> Values for Read<K> {
    fn interface(&self) -> &'static str {
        K::INTERFACE
    }

    fn push_element(&self, out: &mut String) {
        K::encode(K::key_of(&self.0), out);
    }

    fn id(&self) -> ObjectId {
        K::id(K::key_of(&self.0))
    }

    fn entries(&self) -> Vec<(&'static str, CoreResult<Variant<'_>>)> {
        K::PROPERTIES
            .iter()
            .map(|p| (p.name, (p.get)(&self.0)))
            .collect()
    }
}

/// A kind with its types erased, as the dispatcher, the object manager and the fan-out use
/// it: keys travel as path elements.
pub trait Kind: Send + Sync {
    /// [`ObjectKind::ELEMENT`].
    fn element(&self) -> &'static str;
    /// [`ObjectKind::INTERFACE`].
    fn interface(&self) -> &'static str;
    /// [`ObjectKind::CONTRACT`].
    fn contract(&self) -> &'static str;
    /// The names of the interface's properties, in order.
    fn property_names(&self) -> Vec<&'static str>;
    /// Whether `Properties.Set` writes property `name`.
    fn is_writable(&self, name: &str) -> bool;

    /// The handle that serves the methods of the object at path element `element`, or the
    /// error every call on it answers.
    fn handle(&self, driver: Arc<dyn Driver>, element: &str) -> CoreResult<Box<dyn Interface>>;

    /// A handle for introspection only.
    fn any_handle(&self, driver: Arc<dyn Driver>) -> Box<dyn Interface>;

    /// Some object's identity and the path element this kind encodes it as, to check the kind
    /// against [`crate::bus::path::object_element`], which forms the paths of every kind.
    fn sample(&self) -> (ObjectId, String);

    /// The path elements of every object of the driver.
    fn elements<'a>(&'a self, driver: &'a dyn Driver) -> BoxFuture<'a, CoreResult<Vec<String>>>;

    /// The values of the object at `element`, for the properties `wanted`.
    fn read<'a>(
        &'a self,
        driver: &'a dyn Driver,
        element: &'a str,
        wanted: Wanted<'a>,
    ) -> BoxFuture<'a, CoreResult<Box<dyn Values>>>;

    /// The values of every object of the driver.
    fn read_all<'a>(
        &'a self,
        driver: &'a dyn Driver,
    ) -> BoxFuture<'a, CoreResult<Vec<Box<dyn Values>>>>;

    /// Writes property `name` of the object at `element` with `value` (of the contract's
    /// type). `None` when the property is not writable.
    fn set(
        &self,
        driver: Arc<dyn Driver>,
        element: &str,
        name: &str,
        value: OwnedVariant,
    ) -> Option<BoxFuture<'static, CoreResult<()>>>;
}

/// The [`Kind`] of an [`ObjectKind`].
pub struct Entry<K>(PhantomData<fn() -> K>);

impl<K: ObjectKind> Entry<K> {
    /// The entry of kind `K`.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<K: ObjectKind> Default for Entry<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: ObjectKind> Kind for Entry<K> {
    fn element(&self) -> &'static str {
        K::ELEMENT
    }

    fn interface(&self) -> &'static str {
        K::INTERFACE
    }

    fn contract(&self) -> &'static str {
        K::CONTRACT
    }

    fn property_names(&self) -> Vec<&'static str> {
        K::PROPERTIES.iter().map(|p| p.name).collect()
    }

    fn is_writable(&self, name: &str) -> bool {
        K::PROPERTIES
            .iter()
            .any(|p| p.name == name && p.set.is_some())
    }

    fn handle(&self, driver: Arc<dyn Driver>, element: &str) -> CoreResult<Box<dyn Interface>> {
        let key = K::decode(element)?;
        Ok(Box::new(K::handle(driver, key)))
    }

    fn any_handle(&self, driver: Arc<dyn Driver>) -> Box<dyn Interface> {
        Box::new(K::handle(driver, K::Key::default()))
    }

    fn sample(&self) -> (ObjectId, String) {
        let key = K::Key::default();
        let mut element = String::new();
        K::encode(&key, &mut element);
        (K::id(&key), element)
    }

    fn elements<'a>(&'a self, driver: &'a dyn Driver) -> BoxFuture<'a, CoreResult<Vec<String>>> {
        Box::pin(async move {
            let keys = K::list(driver).await?;
            Ok(keys
                .iter()
                .map(|key| {
                    let mut element = String::new();
                    K::encode(key, &mut element);
                    element
                })
                .collect())
        })
    }

    fn read<'a>(
        &'a self,
        driver: &'a dyn Driver,
        element: &'a str,
        wanted: Wanted<'a>,
    ) -> BoxFuture<'a, CoreResult<Box<dyn Values>>> {
        Box::pin(async move {
            let key = K::decode(element)?;
            let values = K::read(driver, &key, wanted).await?;
            Ok(boxed::<K>(values))
        })
    }

    fn read_all<'a>(
        &'a self,
        driver: &'a dyn Driver,
    ) -> BoxFuture<'a, CoreResult<Vec<Box<dyn Values>>>> {
        Box::pin(async move {
            let all = K::read_all(driver).await?;
            Ok(all.into_iter().map(boxed::<K>).collect())
        })
    }

    fn set(
        &self,
        driver: Arc<dyn Driver>,
        element: &str,
        name: &str,
        value: OwnedVariant,
    ) -> Option<BoxFuture<'static, CoreResult<()>>> {
        let set = K::PROPERTIES.iter().find(|p| p.name == name)?.set?;
        Some(match K::decode(element) {
            Ok(key) => set(driver, key, value),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        })
    }
}

/// The readable properties of one object as the `a{sv}` that `GetAll` returns, written
/// straight to the message; a property that cannot be read is left out, as libvirt-dbus's
/// `GetAll` leaves it out.
pub struct PropsDict<'a>(pub &'a dyn Values);

impl Serialize for PropsDict<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.0.entries();
        let readable = entries.iter().filter(|(_, v)| v.is_ok()).count();
        let mut map = serializer.serialize_map(Some(readable))?;
        for (name, value) in &entries {
            if let Ok(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

impl Type for PropsDict<'_> {
    const SIGNATURE: &'static Signature = <HashMap<String, OwnedVariant> as Type>::SIGNATURE;
}

/// The interfaces of one object with their properties, `a{sa{sv}}`, as `InterfacesAdded`
/// and `GetManagedObjects` carry them: the object's kind's interface only.
pub struct InterfacesDict<'a>(pub &'a dyn Values);

impl Serialize for InterfacesDict<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0.interface(), &PropsDict(self.0))?;
        map.end()
    }
}

impl Type for InterfacesDict<'_> {
    const SIGNATURE: &'static Signature =
        <HashMap<String, HashMap<String, OwnedVariant>> as Type>::SIGNATURE;
}

/// A UUID as the `UUID` property of an object reads it, written once when the values are read
/// so that the property can borrow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UuidText([u8; uuid::fmt::Hyphenated::LENGTH]);

impl UuidText {
    /// `uuid` in libvirt's form (lower case, with hyphens).
    pub fn new(uuid: &uuid::Uuid) -> Self {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uuid.hyphenated().encode_lower(&mut text);
        Self(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Written by `encode_lower`: ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The error of a property that was not read because it was not [`Wanted`].
pub fn not_read() -> CoreError {
    CoreError::Internal("property not read".to_owned())
}
