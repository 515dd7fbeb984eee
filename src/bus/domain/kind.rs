//! Domains as a kind of object: their path element, their key, and the properties of
//! `org.libvirt.Domain`, each defined once here.

use std::sync::Arc;

use uuid::Uuid;
use virtbus_core::{
    driver::{DomainSummary, Driver},
    Error as CoreError, ObjectId, Result as CoreResult,
};
use zbus::{OwnedVariant, Variant};

use super::{checks, DomainObject, INTERFACE};
use crate::bus::{
    kind::{not_read, BoxFuture, ObjectKind, Property, UuidText, Wanted},
    path,
};

/// The domains of a driver, at `<connection>/domain/_<uuid>`.
pub struct DomainKind;

/// What the properties of one domain are read from.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainValues {
    summary: DomainSummary,
    /// The UUID as `UUID` reads it.
    uuid: UuidText,
    /// `SchedulerType` as (type, number of parameters), or why it cannot be read: the
    /// property is then left out of `GetAll`, and `Get` answers the error.
    scheduler_type: CoreResult<(String, i32)>,
}

impl DomainValues {
    /// The values of a domain with `summary` and `scheduler_type`.
    pub fn new(summary: DomainSummary, scheduler_type: CoreResult<(String, i32)>) -> Self {
        let uuid = UuidText::new(&summary.uuid);
        Self {
            summary,
            uuid,
            scheduler_type,
        }
    }

    /// The values of the domain of `summary`, asking `driver` for the scheduler type when it
    /// is `wanted`.
    async fn complete(driver: &dyn Driver, summary: DomainSummary, wanted: Wanted<'_>) -> Self {
        let scheduler_type = if wanted.includes("SchedulerType") {
            driver.scheduler_type(&summary.uuid).await
        } else {
            Err(not_read())
        };
        Self::new(summary, scheduler_type)
    }
}

/// `Properties.Set` of `Autostart` (virDomainSetAutostart).
fn set_autostart(
    driver: Arc<dyn Driver>,
    uuid: Uuid,
    value: OwnedVariant,
) -> BoxFuture<'static, CoreResult<()>> {
    Box::pin(async move {
        let autostart = bool::try_from(&*value)
            .map_err(|e| CoreError::InvalidArg(format!("Autostart: {e}")))?;
        driver.set_autostart(&uuid, autostart).await
    })
}

impl ObjectKind for DomainKind {
    const ELEMENT: &'static str = path::DOMAIN;
    const INTERFACE: &'static str = INTERFACE;
    const CONTRACT: &'static str = include_str!("../../../interfaces/org.libvirt.Domain.xml");
    const PROPERTIES: &'static [Property<Self>] = &[
        // virDomainIsActive: running, paused, ...
        Property::read("Active", |v: &DomainValues| {
            Ok(Variant::from(v.summary.state.state.is_active()))
        }),
        // virDomainGetAutostart, virDomainSetAutostart.
        Property::write(
            "Autostart",
            |v: &DomainValues| Ok(Variant::from(v.summary.autostart)),
            set_autostart,
        ),
        // virDomainGetID: 0 for an inactive domain (libvirt's -1), as on libvirt-dbus.
        Property::read("Id", |v: &DomainValues| {
            Ok(Variant::from(checks::domain_id(v.summary.id)))
        }),
        // virDomainGetName.
        Property::read("Name", |v: &DomainValues| {
            Ok(Variant::from(v.summary.name.as_str()))
        }),
        // virDomainGetOSType.
        Property::read("OSType", |v: &DomainValues| {
            Ok(Variant::from(v.summary.os_type.as_str()))
        }),
        // virDomainIsPersistent.
        Property::read("Persistent", |v: &DomainValues| {
            Ok(Variant::from(v.summary.persistent))
        }),
        // virDomainGetSchedulerType: (type, number of parameters).
        Property::read("SchedulerType", |v: &DomainValues| {
            match &v.scheduler_type {
                Ok((kind, nparams)) => Ok(Variant::from((kind.as_str(), *nparams))),
                Err(e) => Err(e.clone()),
            }
        }),
        // virDomainIsUpdated.
        Property::read("Updated", |v: &DomainValues| {
            Ok(Variant::from(v.summary.updated))
        }),
        // virDomainGetUUIDString: the identity of the object, never changes.
        Property::read("UUID", |v: &DomainValues| {
            Ok(Variant::from(v.uuid.as_str()))
        }),
    ];

    type Key = Uuid;
    type Values = DomainValues;
    type Handle = DomainObject;

    fn decode(element: &str) -> CoreResult<Uuid> {
        path::decode_uuid(element)
    }

    fn encode(key: &Uuid, out: &mut String) {
        path::push_encoded_uuid(out, key);
    }

    fn key_of(values: &DomainValues) -> &Uuid {
        &values.summary.uuid
    }

    fn id(key: &Uuid) -> ObjectId {
        ObjectId::Domain(*key)
    }

    fn handle(driver: Arc<dyn Driver>, key: Uuid) -> DomainObject {
        DomainObject::new(driver, key)
    }

    async fn list(driver: &dyn Driver) -> CoreResult<Vec<Uuid>> {
        driver.list_domains(0).await
    }

    async fn read<'a>(
        driver: &'a dyn Driver,
        key: &'a Uuid,
        wanted: Wanted<'a>,
    ) -> CoreResult<DomainValues> {
        let summary = driver.summary(key).await?;
        Ok(DomainValues::complete(driver, summary, wanted).await)
    }

    async fn read_all(driver: &dyn Driver) -> CoreResult<Vec<DomainValues>> {
        let summaries = match driver.summaries().await {
            Err(CoreError::NoSupport(_)) => {
                let uuids = driver.list_domains(0).await?;
                let mut summaries = Vec::with_capacity(uuids.len());
                for uuid in uuids {
                    // A domain that vanished between the two calls is simply not listed.
                    if let Ok(summary) = driver.summary(&uuid).await {
                        summaries.push(summary);
                    }
                }
                summaries
            }
            other => other?,
        };
        let mut all = Vec::with_capacity(summaries.len());
        for summary in summaries {
            all.push(DomainValues::complete(driver, summary, Wanted::All).await);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use virtbus_core::state::{DomainState, StateReason};
    use zbus::{
        wire::{serialized::Context, to_bytes, LE},
        Type,
    };

    use super::*;
    use crate::bus::kind::{boxed, Changes, InterfacesDict, PropsDict, Values};

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

    fn unknown() -> CoreError {
        CoreError::NoSupport("virDomainGetSchedulerType")
    }

    /// The values of a domain, as the erased [`Values`] the bus front reads.
    fn values(summary: DomainSummary, scheduler: CoreResult<(String, i32)>) -> Box<dyn Values> {
        boxed::<DomainKind>(DomainValues::new(summary, scheduler))
    }

    fn props() -> Box<dyn Values> {
        values(summary(), Ok(("fair".to_owned(), 1)))
    }

    /// The new value of property `name` in `changes`.
    fn changed_value<'a>(changes: &Changes<'a>, name: &str) -> Variant<'a> {
        changes
            .changed
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} changed"))
    }

    fn changed_names(new: &dyn Values, old: &dyn Values) -> Vec<&'static str> {
        let changes = new.changes_since(&old.fingerprint());
        let mut names: Vec<_> = changes.changed.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn inactive_id_reads_as_zero() {
        let mut s = summary();
        s.id = -1;
        s.state = StateReason::defined();
        let inactive = values(s, Err(unknown()));
        let entries = inactive.entries();
        let get = |name: &str| entries.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        assert_eq!(get("Id").unwrap(), Variant::from(0u32));
        assert_eq!(get("Active").unwrap(), Variant::from(false));
    }

    /// What `PropsDict` puts on the wire, read back as a dictionary.
    fn wire_dict(props: &dyn Values) -> HashMap<String, OwnedVariant> {
        let ctxt = Context::new(LE, 0);
        let data = to_bytes(ctxt, &PropsDict(props)).unwrap();
        data.deserialize().unwrap().0
    }

    #[test]
    fn the_wire_dict_has_every_property_with_its_type() {
        let all = wire_dict(props().as_ref());
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

        let unknown_scheduler = wire_dict(values(summary(), Err(unknown())).as_ref());
        assert_eq!(unknown_scheduler.len(), 8);
        assert!(!unknown_scheduler.contains_key("SchedulerType"));
    }

    #[test]
    fn the_wire_interfaces_hold_the_domain_interface_only() {
        let ctxt = Context::new(LE, 0);
        let data = to_bytes(ctxt, &InterfacesDict(props().as_ref())).unwrap();
        let ifaces: HashMap<String, HashMap<String, OwnedVariant>> = data.deserialize().unwrap().0;
        assert_eq!(ifaces.len(), 1);
        assert_eq!(ifaces[INTERFACE].len(), 9);
        assert_eq!(InterfacesDict::SIGNATURE.to_string(), "a{sa{sv}}");
        assert_eq!(PropsDict::SIGNATURE.to_string(), "a{sv}");
    }

    #[test]
    fn no_change_means_no_signal() {
        assert!(props().changes_since(&props().fingerprint()).is_empty());
    }

    #[test]
    fn every_property_is_told_apart() {
        let base = props().fingerprint();
        type Change = fn(&mut DomainSummary, &mut CoreResult<(String, i32)>);
        let variants: [Change; 9] = [
            |s, _| s.state = StateReason::defined(),
            |s, _| s.autostart = true,
            |s, _| s.id = 7,
            |s, _| s.name.push('x'),
            |s, _| s.os_type = "hvm".to_owned(),
            |s, _| s.persistent = false,
            |s, _| s.updated = true,
            |_, t| *t = Err(unknown()),
            |_, t| *t = Ok(("fair".to_owned(), 2)),
        ];
        for (i, change) in variants.iter().enumerate() {
            let mut s = summary();
            let mut t = Ok(("fair".to_owned(), 1));
            change(&mut s, &mut t);
            let p = values(s, t);
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
        let mut s = summary();
        s.state = StateReason::defined();
        s.id = -1;
        let new = values(s, Ok(("fair".to_owned(), 1)));
        assert_eq!(changed_names(new.as_ref(), old.as_ref()), ["Active", "Id"]);
        let changes = new.changes_since(&old.fingerprint());
        let value = |name| changed_value(&changes, name);
        assert_eq!(value("Active"), Variant::from(false));
        assert_eq!(value("Id"), Variant::from(0u32));
        assert!(changes.invalidated.is_empty());
    }

    #[test]
    fn each_property_is_diffed() {
        let old = props();
        let mut s = summary();
        s.autostart = true;
        s.name = "renamed".to_owned();
        s.os_type = "hvm".to_owned();
        s.persistent = false;
        s.updated = true;
        let new = values(s, Ok(("posix".to_owned(), 3)));
        assert_eq!(
            changed_names(new.as_ref(), old.as_ref()),
            [
                "Autostart",
                "Name",
                "OSType",
                "Persistent",
                "SchedulerType",
                "Updated"
            ]
        );
        let changes = new.changes_since(&old.fingerprint());
        let value = |name| changed_value(&changes, name);
        assert_eq!(value("Name"), Variant::from("renamed"));
        assert_eq!(value("SchedulerType"), Variant::from(("posix", 3i32)));
    }

    #[test]
    fn a_scheduler_type_that_cannot_be_read_is_invalidated() {
        let old = props();
        let new = values(summary(), Err(unknown()));
        let changes = new.changes_since(&old.fingerprint());
        assert!(changes.changed.is_empty());
        assert_eq!(changes.invalidated, ["SchedulerType"]);
    }
}
