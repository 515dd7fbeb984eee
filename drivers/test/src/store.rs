//! The driver's state: domains keyed by UUID with name and id indexes, the id counter, and
//! the save images kept in memory.
//!
//! Every method validates before it changes anything, so a failing call leaves the store as
//! it found it.

use std::{collections::HashMap, sync::Arc};

use uuid::Uuid;
use virtbus_core::{
    domain_list::{check_add, Listed},
    event::{lifecycle, Event, ObjectId},
    model::DomainDef,
    state::{running, DomainState, StateReason},
    Error, Result,
};

use crate::dom::Dom;

/// Most save images kept at once; a save to a new path beyond that fails like a full disk.
pub const MAX_IMAGES: usize = 4096;

pub use virtbus_core::domain_list::AddMode;

/// What [`Store::add`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new domain object was created.
    New,
    /// An existing domain took the definition; `replaced` tells whether it replaced a
    /// previous persistent definition (DEFINED/UPDATED rather than DEFINED/ADDED).
    Existing { replaced: bool },
}

/// All domains of the driver.
///
/// Sized for many domains: the map holds each domain behind a pointer, so that the free
/// slots of the hash table cost a pointer rather than a whole domain, and the name index
/// shares the name with the definition instead of copying it.
#[derive(Debug, Default)]
pub struct Store {
    doms: HashMap<Uuid, Box<Dom>>,
    by_name: HashMap<Arc<str>, Uuid>,
    by_id: HashMap<i32, Uuid>,
    next_id: i32,
    /// Save images by path: the definition the domain had when saved.
    pub images: HashMap<String, DomainDef>,
    /// The networks, beside the domains under the same lock.
    pub networks: crate::networks::Networks,
    /// The storage pools and their volumes, under the same lock.
    pub pools: crate::storage::Pools,
    /// The secrets, under the same lock.
    pub secrets: crate::secrets::Secrets,
    /// The network filters, under the same lock.
    pub nwfilters: crate::nwfilters::NWFilters,
    /// The host interfaces, under the same lock.
    pub interfaces: crate::interfaces::Interfaces,
    /// The node devices, under the same lock.
    pub node_devices: crate::node_devices::NodeDevices,
}

impl Store {
    /// An empty store whose first started domain gets id 1.
    pub fn new() -> Self {
        Self {
            next_id: 1,
            ..Self::default()
        }
    }

    /// Every domain.
    pub fn iter(&self) -> impl Iterator<Item = (&Uuid, &Dom)> {
        self.doms.iter().map(|(u, d)| (u, &**d))
    }

    /// The domain `uuid`, or libvirt's "Domain not found".
    pub fn get(&self, uuid: &Uuid) -> Result<&Dom> {
        self.doms
            .get(uuid)
            .map(|d| &**d)
            .ok_or(Error::DomainNotFound)
    }

    /// Mutable access to the domain `uuid`, or "Domain not found".
    pub fn get_mut(&mut self, uuid: &Uuid) -> Result<&mut Dom> {
        self.doms
            .get_mut(uuid)
            .map(|d| &mut **d)
            .ok_or(Error::DomainNotFound)
    }

    /// The UUID of the domain called `name`.
    pub fn by_name(&self, name: &str) -> Option<Uuid> {
        self.by_name.get(name).copied()
    }

    /// The UUID of the active domain with id `id`.
    pub fn by_id(&self, id: i32) -> Option<Uuid> {
        self.by_id.get(&id).copied()
    }

    /// Adds a definition with libvirt's duplicate rules (`virDomainObjListAdd`).
    ///
    /// Same UUID with another name fails with "already defined with uuid"; same name with
    /// another UUID fails with "already exists with uuid". In [`AddMode::Live`] an active
    /// domain refuses the definition ("is already active").
    pub fn add(&mut self, mut def: DomainDef, mode: AddMode) -> Result<(Uuid, Added)> {
        let uuid = def.uuid;
        let same_uuid = self.doms.get(&uuid).map(|dom| Listed {
            name: dom.name(),
            active: dom.is_active(),
            persistent: dom.persistent,
        });
        check_add(
            &def.name,
            &uuid,
            same_uuid,
            self.by_name.get(&def.name).copied(),
            mode,
        )?;
        match self.doms.get_mut(&uuid) {
            Some(dom) => {
                // Same name: share the text the definitions and the index already hold.
                def.name = Arc::clone(&dom.cur.name);
                let replaced = match mode {
                    AddMode::Define if dom.is_active() => {
                        let old = dom.next.replace(Box::new(def));
                        dom.persistent = true;
                        old.is_some()
                    }
                    AddMode::Define => {
                        dom.cur = def;
                        dom.persistent = true;
                        true
                    }
                    AddMode::Live => {
                        let old = std::mem::replace(&mut dom.cur, def);
                        if dom.next.is_none() {
                            dom.next = Some(Box::new(old));
                        }
                        false
                    }
                };
                Ok((uuid, Added::Existing { replaced }))
            }
            None => {
                let persistent = mode == AddMode::Define;
                self.by_name.insert(Arc::clone(&def.name), uuid);
                self.doms.insert(uuid, Box::new(Dom::new(def, persistent)));
                Ok((uuid, Added::New))
            }
        }
    }

    /// Starts the domain: the given running reason, a new id, the persistent definition
    /// kept aside for the next boot, any managed save image consumed.
    pub fn start(&mut self, uuid: &Uuid, reason: i32) -> Result<()> {
        let id = self.next_id;
        let dom = self.doms.get_mut(uuid).ok_or(Error::DomainNotFound)?;
        dom.state = StateReason::new(DomainState::Running, reason);
        dom.id = id;
        if dom.persistent && dom.next.is_none() {
            dom.next = Some(Box::new(dom.cur.clone()));
        }
        dom.managed_save = false;
        self.by_id.insert(id, *uuid);
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        Ok(())
    }

    /// Stops the domain with SHUTOFF/`reason`, back to its persistent definition. A transient
    /// domain disappears; the return value says whether it did.
    pub fn stop(&mut self, uuid: &Uuid, reason: i32) -> Result<bool> {
        self.halt(uuid, reason)?;
        if self.get(uuid)?.persistent {
            Ok(false)
        } else {
            self.remove(uuid);
            Ok(true)
        }
    }

    /// Stops the domain with SHUTOFF/`reason`, back to its persistent definition, and keeps
    /// it even when transient (libvirt's `testDomainShutdownState`, as snapshots use it).
    pub fn halt(&mut self, uuid: &Uuid, reason: i32) -> Result<()> {
        let dom = self.doms.get_mut(uuid).ok_or(Error::DomainNotFound)?;
        if let Some(next) = dom.next.take() {
            dom.cur = *next;
        }
        dom.state = StateReason::new(DomainState::Shutoff, reason);
        self.by_id.remove(&dom.id);
        dom.id = -1;
        Ok(())
    }

    /// Removes the domain from every index; the indexes give memory back once mostly empty.
    pub fn remove(&mut self, uuid: &Uuid) -> Option<Box<Dom>> {
        let dom = self.doms.remove(uuid)?;
        self.by_name.remove(dom.name());
        if dom.id >= 0 {
            self.by_id.remove(&dom.id);
        }
        shrink_sparse(&mut self.doms);
        shrink_sparse(&mut self.by_name);
        Some(dom)
    }

    /// Renames an inactive domain in the name index (the definition is changed by the
    /// caller's closure only once every check passed).
    pub fn rename(&mut self, uuid: &Uuid, new_name: &str) -> Result<()> {
        let dom = self.doms.get_mut(uuid).ok_or(Error::DomainNotFound)?;
        let name: Arc<str> = Arc::from(new_name);
        let old = std::mem::replace(&mut dom.cur.name, Arc::clone(&name));
        self.by_name.remove(&old);
        self.by_name.insert(name, *uuid);
        Ok(())
    }

    /// Stops the domain and queues the STOPPED event with `detail`, then [`removed_events`] if a
    /// transient domain disappeared.
    pub fn stop_with_event(
        &mut self,
        uuid: &Uuid,
        reason: i32,
        detail: i32,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        let snapshots = self.get(uuid)?.snapshot_names();
        let removed = self.stop(uuid, reason)?;
        events.push(lifecycle_event(*uuid, lifecycle::STOPPED, detail));
        if removed {
            removed_events(uuid, snapshots, events);
        }
        Ok(())
    }

    /// Starts the domain as the test driver does at open: running with reason UNKNOWN.
    pub fn start_seeded(&mut self, uuid: &Uuid) -> Result<()> {
        self.start(uuid, running::BOOTED)?;
        self.get_mut(uuid)?.state = StateReason::new(DomainState::Running, running::UNKNOWN);
        Ok(())
    }
}

/// Halves a map's table once it is less than a quarter full (never below a small size), so
/// that undefining many domains returns the memory their slots took.
fn shrink_sparse<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    const MIN_CAPACITY: usize = 64;
    if map.capacity() > MIN_CAPACITY && map.len() * 4 < map.capacity() {
        map.shrink_to((map.len() * 2).max(MIN_CAPACITY));
    }
}

/// A lifecycle event for `uuid`.
pub fn lifecycle_event(uuid: Uuid, event: i32, detail: i32) -> Event {
    Event::Domain(virtbus_core::event::DomainEvent {
        uuid,
        kind: virtbus_core::event::DomainEventKind::Lifecycle { event, detail },
    })
}

/// Queues `Removed` for each snapshot of the domain `uuid` that went with it, then for the
/// domain.
pub fn removed_events(uuid: &Uuid, snapshots: Vec<String>, events: &mut Vec<Event>) {
    for name in snapshots {
        events.push(Event::Removed(ObjectId::DomainSnapshot {
            domain: *uuid,
            name,
        }));
    }
    events.push(Event::Removed(ObjectId::Domain(*uuid)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_maps_give_memory_back() {
        let mut map: HashMap<u32, u32> = (0..10_000).map(|i| (i, i)).collect();
        let full = map.capacity();
        for i in 0..9_990 {
            map.remove(&i);
            shrink_sparse(&mut map);
        }
        assert_eq!(map.len(), 10);
        assert!(map.capacity() < full / 16, "{} of {full}", map.capacity());
        assert!(map.capacity() >= 64);
        assert_eq!(map.get(&9_995), Some(&9_995));
    }
}
