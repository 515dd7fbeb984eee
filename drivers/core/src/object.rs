//! The identity of every kind of object a driver serves.

use uuid::Uuid;

/// Which object: its kind and the key libvirt finds it by.
///
/// UUID-keyed kinds (domains, networks, network filters, secrets, storage pools) carry the
/// UUID; the others carry the string libvirt-dbus keys them by. The bus front forms object
/// paths from it, so it is exactly what identifies an object on the bus.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectId {
    Domain(Uuid),
    /// A snapshot: its domain's UUID and its name.
    DomainSnapshot {
        domain: Uuid,
        name: String,
    },
    Network(Uuid),
    NWFilter(Uuid),
    Secret(Uuid),
    StoragePool(Uuid),
    /// The volume key.
    StorageVol(String),
    /// The device name.
    NodeDevice(String),
    /// The MAC address.
    Interface(String),
}
