//! Network filters: the `virNWFilter*` calls with the semantics of libvirt's nwfilter driver
//! (`src/nwfilter/nwfilter_driver.c`, object rules of `src/conf/virnwfilterobj.c`). libvirt's
//! own test driver has no filters; this one keeps them in memory and seeds none (not even
//! the filters libvirt's packages install for its nwfilter driver, such as
//! `clean-traffic`). Filters are never instantiated: there is no firewall to build.
//!
//! Filters live in the same store as domains, behind the same lock. libvirt has no filter
//! lifecycle events: a new filter gives `Added`, an undefined one `Removed`.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use uuid::Uuid;
use virtbus_core::{
    driver::{NWFilterDriver, NWFilterSummary},
    event::{Event, ObjectId},
    flags::{self, check_flags},
    model::NWFilterDef,
    xml::{format_nwfilter, parse_nwfilter_with},
    Error, Result,
};

use crate::{driver::TestDriver, store::Store};

/// Every filter, by UUID.
#[derive(Debug, Default)]
pub struct NWFilters {
    objs: HashMap<Uuid, NWFilterDef>,
}

/// "no nwfilter with matching uuid 'U'".
fn no_uuid(uuid: &Uuid) -> Error {
    Error::NoNWFilter(format!("no nwfilter with matching uuid '{uuid}'"))
}

impl NWFilters {
    fn get(&self, uuid: &Uuid) -> Result<&NWFilterDef> {
        self.objs.get(uuid).ok_or_else(|| no_uuid(uuid))
    }

    fn by_name(&self, name: &str) -> Option<&NWFilterDef> {
        self.objs.values().find(|d| d.name == name)
    }

    /// Whether following references from the filters named `start`, through the defined
    /// filters, reaches the filter named `target` (a missing filter ends its branch).
    fn reaches<'a>(&'a self, start: impl IntoIterator<Item = &'a str>, target: &str) -> bool {
        let mut seen = HashSet::new();
        let mut todo: Vec<&str> = start.into_iter().collect();
        while let Some(name) = todo.pop() {
            if name == target {
                return true;
            }
            if !seen.insert(name) {
                continue;
            }
            if let Some(next) = self.by_name(name) {
                todo.extend(next.references());
            }
        }
        false
    }

    /// `virNWFilterObjListDefLoopDetect`: whether following the references of `def`
    /// through the defined filters leads back to `def`.
    fn would_loop(&self, def: &NWFilterDef) -> bool {
        self.reaches(def.references(), &def.name)
    }

    /// `virNWFilterObjListAssignDef`: takes `def`, new or replacing the filter with its
    /// UUID, with libvirt's refusals. Returns whether the filter is new.
    fn assign(&mut self, def: NWFilterDef) -> Result<bool> {
        if let Some(old) = self.objs.get(&def.uuid) {
            if old.name != def.name {
                return Err(Error::OperationFailed(format!(
                    "filter with same UUID but different name ('{}') already exists",
                    old.name
                )));
            }
        } else if let Some(other) = self.by_name(&def.name) {
            return Err(Error::OperationFailed(format!(
                "filter '{}' already exists with uuid {}",
                def.name, other.uuid
            )));
        }
        if self.would_loop(&def) {
            return Err(Error::OperationFailed(
                "filter would introduce a loop".to_owned(),
            ));
        }
        Ok(self.objs.insert(def.uuid, def).is_none())
    }
}

/// `virNWFilterObjTestUnassignDef`: libvirt rebuilds the filters of every running
/// domain's interfaces as if the filter were gone, and refuses when one of them needs it.
/// Here: whether the `<filterref>` of an interface of an active domain reaches the filter
/// `name`, directly or through the filters it references. Inactive domains and other
/// filters referencing it do not hold it (libvirt undefines those).
fn in_use(store: &Store, name: &str) -> bool {
    store
        .iter()
        .filter(|(_, dom)| dom.is_active())
        .flat_map(|(_, dom)| dom.cur.devices.interfaces.iter())
        .filter_map(|iface| iface.filterref.as_deref())
        .any(|f| store.nwfilters.reaches([f.filter.as_str()], name))
}

#[async_trait]
impl NWFilterDriver for TestDriver {
    async fn list_nwfilters(&self, flags: u32) -> Result<Vec<Uuid>> {
        check_flags(flags, 0, "nwfilterConnectListAllNWFilters")?;
        self.read(|s| {
            let mut found: Vec<(&str, Uuid)> = s
                .nwfilters
                .objs
                .values()
                .map(|d| (d.name.as_str(), d.uuid))
                .collect();
            found.sort();
            Ok(found.into_iter().map(|(_, u)| u).collect())
        })
    }

    async fn nwfilter_summary(&self, uuid: &Uuid) -> Result<NWFilterSummary> {
        self.read(|s| {
            let d = s.nwfilters.get(uuid)?;
            Ok(NWFilterSummary {
                uuid: *uuid,
                name: d.name.clone(),
            })
        })
    }

    async fn nwfilter_lookup_by_name(&self, name: &str) -> Result<Uuid> {
        self.read(|s| {
            s.nwfilters.by_name(name).map(|d| d.uuid).ok_or_else(|| {
                Error::NoNWFilter(format!("no nwfilter with matching name '{name}'"))
            })
        })
    }

    async fn nwfilter_lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.read(|s| s.nwfilters.get(uuid).map(|_| *uuid))
    }

    async fn nwfilter_define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(
            flags,
            flags::NWFILTER_DEFINE_VALIDATE,
            "nwfilterDefineXMLFlags",
        )?;
        let def = parse_nwfilter_with(xml, flags & flags::NWFILTER_DEFINE_VALIDATE != 0)?;
        let uuid = def.uuid;
        self.with(|s, events| {
            if s.nwfilters.assign(def)? {
                events.push(Event::Added(ObjectId::NWFilter(uuid)));
            }
            Ok(uuid)
        })
    }

    async fn nwfilter_undefine(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            let name = &s.nwfilters.get(uuid)?.name;
            if in_use(s, name) {
                return Err(Error::OperationInvalid("nwfilter is in use".to_owned()));
            }
            s.nwfilters.objs.remove(uuid);
            events.push(Event::Removed(ObjectId::NWFilter(*uuid)));
            Ok(())
        })
    }

    async fn nwfilter_xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(flags, 0, "nwfilterGetXMLDesc")?;
        self.read(|s| Ok(format_nwfilter(s.nwfilters.get(uuid)?)))
    }
}
