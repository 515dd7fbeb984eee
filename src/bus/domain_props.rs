//! The `org.libvirt.Domain` properties of one domain as one compact value.
//!
//! [`DomainProps`] lists them all in one pass (`GetManagedObjects`, `GetAll`,
//! `InterfacesAdded`). The event fan-out keeps a [`Fingerprint`] of the last values it
//! announced for every domain, so that after every domain event it can tell which
//! properties changed and emit exactly those in one `PropertiesChanged`.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
};

use serde::ser::{Serialize, SerializeMap, Serializer};
use uuid::Uuid;
use virtbus_core::driver::{DomainSummary, Driver};
use zbus::{as_variant, OwnedVariant, Signature, Type, Variant};

/// The interface whose properties these are.
pub const INTERFACE: &str = "org.libvirt.Domain";

/// The property values of one domain, as `org.libvirt.Domain` serves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainProps {
    /// `Active`: the domain is running (or paused, ...).
    pub active: bool,
    /// `Autostart`.
    pub autostart: bool,
    /// `Id`: the hypervisor id, 0 for an inactive domain (libvirt's -1 reads as 0, as on
    /// libvirt-dbus).
    pub id: u32,
    /// `Name`.
    pub name: String,
    /// `OSType`.
    pub os_type: String,
    /// `Persistent`.
    pub persistent: bool,
    /// `SchedulerType` as (type, number of parameters); `None` when the driver cannot tell,
    /// and the property is then left out, as `GetAll` leaves out a failing property.
    pub scheduler_type: Option<(String, i32)>,
    /// `Updated`.
    pub updated: bool,
    /// `UUID`.
    pub uuid: Uuid,
}

/// What differs between two [`DomainProps`] of one domain: the arguments of one
/// `PropertiesChanged`.
#[derive(Debug, Default, PartialEq)]
pub struct Changes<'a> {
    /// Properties with a new value.
    pub changed: HashMap<&'static str, Variant<'a>>,
    /// Properties that can no longer be read.
    pub invalidated: Vec<&'static str>,
}

impl Changes<'_> {
    /// Whether nothing changed, so no signal is due.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.invalidated.is_empty()
    }
}

impl DomainProps {
    /// The properties of a domain with `summary` and `scheduler_type`.
    pub fn new(summary: DomainSummary, scheduler_type: Option<(String, i32)>) -> Self {
        Self {
            active: summary.state.state.is_active(),
            autostart: summary.autostart,
            id: u32::try_from(summary.id).unwrap_or(0),
            name: summary.name,
            os_type: summary.os_type,
            persistent: summary.persistent,
            scheduler_type,
            updated: summary.updated,
            uuid: summary.uuid,
        }
    }

    /// The properties of domain `summary.uuid`, asking `driver` for the scheduler type.
    pub async fn complete(driver: &dyn Driver, summary: DomainSummary) -> Self {
        let scheduler_type = driver.scheduler_type(&summary.uuid).await.ok();
        Self::new(summary, scheduler_type)
    }

    /// The current properties of domain `uuid`, read from `driver`.
    pub async fn read(driver: &dyn Driver, uuid: &Uuid) -> virtbus_core::Result<Self> {
        let summary = driver.summary(uuid).await?;
        Ok(Self::complete(driver, summary).await)
    }

    /// The properties whose values differ from `old`, with their new values.
    ///
    /// A scheduler type that could be read before but not now is invalidated.
    pub fn changes(&self, old: &DomainProps) -> Changes<'_> {
        self.changes_since(&old.fingerprint())
    }

    /// What the fan-out remembers of these values: see [`Fingerprint`].
    pub fn fingerprint(&self) -> Fingerprint {
        let mut flags = 0;
        for (set, bit) in [
            (self.active, Fingerprint::ACTIVE),
            (self.autostart, Fingerprint::AUTOSTART),
            (self.persistent, Fingerprint::PERSISTENT),
            (self.updated, Fingerprint::UPDATED),
        ] {
            if set {
                flags |= bit;
            }
        }
        Fingerprint {
            flags,
            id: self.id,
            name: digest(&self.name),
            os_type: digest(&self.os_type),
            scheduler_type: digest(&self.scheduler_type),
        }
    }

    /// The properties whose values differ from those `old` was taken of, with their new
    /// values.
    ///
    /// A scheduler type that could be read before but not now is invalidated.
    pub fn changes_since(&self, old: &Fingerprint) -> Changes<'_> {
        let new = self.fingerprint();
        let mut changes = Changes::default();
        let changed = &mut changes.changed;
        let flag_changed = |bit| (new.flags ^ old.flags) & bit != 0;
        if flag_changed(Fingerprint::ACTIVE) {
            changed.insert("Active", Variant::from(self.active));
        }
        if flag_changed(Fingerprint::AUTOSTART) {
            changed.insert("Autostart", Variant::from(self.autostart));
        }
        if new.id != old.id {
            changed.insert("Id", Variant::from(self.id));
        }
        if new.name != old.name {
            changed.insert("Name", Variant::from(self.name.as_str()));
        }
        if new.os_type != old.os_type {
            changed.insert("OSType", Variant::from(self.os_type.as_str()));
        }
        if flag_changed(Fingerprint::PERSISTENT) {
            changed.insert("Persistent", Variant::from(self.persistent));
        }
        if flag_changed(Fingerprint::UPDATED) {
            changed.insert("Updated", Variant::from(self.updated));
        }
        if new.scheduler_type != old.scheduler_type {
            match self.scheduler_variant() {
                Some(value) => {
                    changes.changed.insert("SchedulerType", value);
                }
                None => changes.invalidated.push("SchedulerType"),
            }
        }
        // The UUID is the identity of the object: it never changes for one domain.
        changes
    }

    /// `SchedulerType` as the `(si)` variant, when known.
    fn scheduler_variant(&self) -> Option<Variant<'_>> {
        self.scheduler_type
            .as_ref()
            .map(|(kind, nparams)| Variant::from((kind.as_str(), *nparams)))
    }
}

/// The announced properties of one domain, kept by the event fan-out for every domain:
/// the flags and id as they are, each string as a 64-bit digest, 32 bytes in all instead
/// of a copy of every string. Two different strings of one property have the same digest
/// with a chance of 2^-64, the only case where a change would go unannounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// `ACTIVE`, `AUTOSTART`, `PERSISTENT`, `UPDATED`.
    flags: u8,
    id: u32,
    name: u64,
    os_type: u64,
    /// Of the `Option`: whether the scheduler type is known, and its value.
    scheduler_type: u64,
}

impl Fingerprint {
    const ACTIVE: u8 = 1;
    const AUTOSTART: u8 = 1 << 1;
    const PERSISTENT: u8 = 1 << 2;
    const UPDATED: u8 = 1 << 3;
}

/// A 64-bit digest of `value`, the same in every run.
fn digest<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The properties of one domain as the `a{sv}` that `GetAll` returns, written straight to
/// the message without building a dictionary first.
pub struct PropsDict<'a>(pub &'a DomainProps);

impl Serialize for PropsDict<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let len = if p.scheduler_type.is_some() { 9 } else { 8 };
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("Active", &as_variant::Serialize(&p.active))?;
        map.serialize_entry("Autostart", &as_variant::Serialize(&p.autostart))?;
        map.serialize_entry("Id", &as_variant::Serialize(&p.id))?;
        map.serialize_entry("Name", &as_variant::Serialize(&p.name.as_str()))?;
        map.serialize_entry("OSType", &as_variant::Serialize(&p.os_type.as_str()))?;
        map.serialize_entry("Persistent", &as_variant::Serialize(&p.persistent))?;
        if let Some((kind, nparams)) = &p.scheduler_type {
            map.serialize_entry(
                "SchedulerType",
                &as_variant::Serialize(&(kind.as_str(), *nparams)),
            )?;
        }
        map.serialize_entry("Updated", &as_variant::Serialize(&p.updated))?;
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let uuid: &str = p.uuid.hyphenated().encode_lower(&mut buf);
        map.serialize_entry("UUID", &as_variant::Serialize(&uuid))?;
        map.end()
    }
}

impl Type for PropsDict<'_> {
    const SIGNATURE: &'static Signature = <HashMap<String, OwnedVariant> as Type>::SIGNATURE;
}

/// The interfaces of one domain object with their properties, `a{sa{sv}}`, as
/// `InterfacesAdded` and `GetManagedObjects` carry them: `org.libvirt.Domain` only.
pub struct DomainInterfaces<'a>(pub &'a DomainProps);

impl Serialize for DomainInterfaces<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(INTERFACE, &PropsDict(self.0))?;
        map.end()
    }
}

impl Type for DomainInterfaces<'_> {
    const SIGNATURE: &'static Signature =
        <HashMap<String, HashMap<String, OwnedVariant>> as Type>::SIGNATURE;
}

#[cfg(test)]
mod tests {
    use virtbus_core::state::{DomainState, StateReason};
    use zbus::wire::{serialized::Context, to_bytes, LE};

    use super::*;

    fn summary() -> DomainSummary {
        DomainSummary {
            uuid: Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap(),
            name: "test".to_owned(),
            id: 1,
            state: StateReason::new(DomainState::Running, 0),
            persistent: true,
            autostart: false,
            updated: false,
            os_type: "linux".to_owned(),
            has_managed_save: false,
        }
    }

    fn props() -> DomainProps {
        DomainProps::new(summary(), Some(("fair".to_owned(), 1)))
    }

    #[test]
    fn inactive_id_reads_as_zero() {
        let mut s = summary();
        s.id = -1;
        s.state = StateReason::defined();
        let p = DomainProps::new(s, None);
        assert_eq!(p.id, 0);
        assert!(!p.active);
        assert_eq!(props().id, 1);
    }

    /// What `PropsDict` puts on the wire, read back as a dictionary.
    fn wire_dict(props: &DomainProps) -> HashMap<String, OwnedVariant> {
        let ctxt = Context::new(LE, 0);
        let data = to_bytes(ctxt, &PropsDict(props)).unwrap();
        data.deserialize().unwrap().0
    }

    #[test]
    fn the_wire_dict_has_every_property_with_its_type() {
        let all = wire_dict(&props());
        assert_eq!(all.len(), 9, "{all:?}");
        assert_eq!(*all["Active"], Variant::from(true));
        assert_eq!(*all["Autostart"], Variant::from(false));
        assert_eq!(*all["Id"], Variant::from(1u32));
        assert_eq!(*all["Name"], Variant::from("test"));
        assert_eq!(*all["OSType"], Variant::from("linux"));
        assert_eq!(*all["Persistent"], Variant::from(true));
        assert_eq!(*all["Updated"], Variant::from(false));
        assert_eq!(
            *all["UUID"],
            Variant::from("6695eb01-f6a4-8304-79aa-97f2502e193f")
        );
        assert_eq!(*all["SchedulerType"], Variant::from(("fair", 1i32)));

        let unknown_scheduler = wire_dict(&DomainProps::new(summary(), None));
        assert_eq!(unknown_scheduler.len(), 8);
        assert!(!unknown_scheduler.contains_key("SchedulerType"));
    }

    #[test]
    fn the_wire_interfaces_hold_the_domain_interface_only() {
        let ctxt = Context::new(LE, 0);
        let data = to_bytes(ctxt, &DomainInterfaces(&props())).unwrap();
        let ifaces: HashMap<String, HashMap<String, OwnedVariant>> = data.deserialize().unwrap().0;
        assert_eq!(ifaces.len(), 1);
        assert_eq!(ifaces[INTERFACE].len(), 9);
        assert_eq!(DomainInterfaces::SIGNATURE.to_string(), "a{sa{sv}}");
        assert_eq!(PropsDict::SIGNATURE.to_string(), "a{sv}");
    }

    #[test]
    fn no_change_means_no_signal() {
        assert!(props().changes(&props()).is_empty());
        assert!(props().changes_since(&props().fingerprint()).is_empty());
    }

    #[test]
    fn fingerprints_are_small_and_tell_every_property_apart() {
        assert!(std::mem::size_of::<Fingerprint>() <= 32);
        let base = props().fingerprint();
        let variants: [fn(&mut DomainProps); 9] = [
            |p| p.active = false,
            |p| p.autostart = true,
            |p| p.id = 7,
            |p| p.name.push('x'),
            |p| p.os_type = "hvm".to_owned(),
            |p| p.persistent = false,
            |p| p.updated = true,
            |p| p.scheduler_type = None,
            |p| p.scheduler_type = Some(("fair".to_owned(), 2)),
        ];
        for (i, change) in variants.iter().enumerate() {
            let mut p = props();
            change(&mut p);
            assert_ne!(p.fingerprint(), base, "change {i}");
            let changes = p.changes_since(&base);
            assert_eq!(
                changes.changed.len() + changes.invalidated.len(),
                1,
                "change {i}: {changes:?}"
            );
        }
    }

    #[test]
    fn destroy_changes_active_and_id_only() {
        let old = props();
        let mut new = props();
        new.active = false;
        new.id = 0;
        let changes = new.changes(&old);
        let mut names: Vec<_> = changes.changed.keys().copied().collect();
        names.sort_unstable();
        assert_eq!(names, ["Active", "Id"]);
        assert_eq!(changes.changed["Active"], Variant::from(false));
        assert_eq!(changes.changed["Id"], Variant::from(0u32));
        assert!(changes.invalidated.is_empty());
    }

    #[test]
    fn each_property_is_diffed() {
        let old = props();
        let mut new = props();
        new.autostart = true;
        new.name = "renamed".to_owned();
        new.os_type = "hvm".to_owned();
        new.persistent = false;
        new.updated = true;
        new.scheduler_type = Some(("posix".to_owned(), 3));
        let changes = new.changes(&old);
        let mut names: Vec<_> = changes.changed.keys().copied().collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "Autostart",
                "Name",
                "OSType",
                "Persistent",
                "SchedulerType",
                "Updated"
            ]
        );
        assert_eq!(changes.changed["Name"], Variant::from("renamed"));
        assert_eq!(
            changes.changed["SchedulerType"],
            Variant::from(("posix", 3i32))
        );
    }

    #[test]
    fn a_scheduler_type_that_cannot_be_read_is_invalidated() {
        let old = props();
        let new = DomainProps::new(summary(), None);
        let changes = new.changes(&old);
        assert!(changes.changed.is_empty());
        assert_eq!(changes.invalidated, ["SchedulerType"]);
    }
}
