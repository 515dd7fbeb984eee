//! Domain snapshots, all in memory: creation (new or redefined), lookups, listings, the
//! description, deletion and reverting, with libvirt 9.0's test driver rules, events and
//! texts. Each snapshot keeps the domain definition it was taken from.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use uuid::Uuid;
use virtbus_core::{
    event::{lifecycle, Event},
    flags::{self, check_flags, exclusive, snapshot_create, snapshot_delete, snapshot_revert},
    model::{SnapshotDef, SnapshotLocation, SnapshotState},
    state::{paused, running, shutoff, DomainState, StateReason},
    xml::{format_snapshot, parse_snapshot, SnapshotParseOptions},
    Error, ObjectId, Result,
};

use crate::{
    dom::Dom,
    parse::apply_defaults,
    snapshots::{Snapshot, Snapshots, MAX_SNAPSHOTS},
    store::{lifecycle_event, Store},
    TestDriver,
};

/// Seconds since the epoch.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The snapshot `name` of `dom`, or libvirt's "Domain snapshot not found".
fn find<'a>(dom: &'a Dom, name: &str) -> Result<&'a Snapshot> {
    dom.snapshots
        .as_deref()
        .and_then(|s| s.get(name))
        .ok_or_else(|| {
            Error::NoDomainSnapshot(format!("no domain snapshot with matching name '{name}'"))
        })
}

/// The snapshots of `dom`, created on first use.
fn snapshots_mut<'a>(store: &'a mut Store, uuid: &Uuid) -> Result<&'a mut Snapshots> {
    Ok(store
        .get_mut(uuid)?
        .snapshots
        .get_or_insert_with(Box::default))
}

/// Fills in what a new snapshot takes from its domain (`testDomainSnapshotAlignDisks`): the
/// definition, the state, the memory location, and the disk list.
fn prepare_new(dom: &Dom, def: &mut SnapshotDef) -> Result<()> {
    def.domain = Some(Box::new(dom.cur.clone()));
    def.state = SnapshotState::of_domain(dom.state.state);
    if def.memory == Some(SnapshotLocation::External) {
        def.align_disks(SnapshotLocation::External, false, false)
    } else {
        def.memory = Some(if def.state == Some(SnapshotState::Shutoff) {
            SnapshotLocation::No
        } else {
            SnapshotLocation::Internal
        });
        def.align_disks(SnapshotLocation::Internal, true, false)
    }
}

/// Checks a redefined snapshot against the domain and the existing snapshots
/// (`virDomainSnapshotRedefinePrep`); a snapshot redefined without its domain keeps the one
/// it had.
fn prepare_redefine(dom: &Dom, uuid: &Uuid, def: &mut SnapshotDef) -> Result<()> {
    let empty = Snapshots::default();
    let snaps = dom.snapshots.as_deref().unwrap_or(&empty);
    let name = def.name.as_str();
    if let Some(parent) = def.parent.as_deref() {
        if parent == name {
            return Err(Error::InvalidArg(format!(
                "cannot set moment {name} as its own parent"
            )));
        }
        if snaps.get(parent).is_none() {
            return Err(Error::InvalidArg(format!(
                "parent {parent} for moment {name} not found"
            )));
        }
        if let Some(s) = snaps
            .ancestry(parent)
            .find(|s| s.def.parent.as_deref() == Some(name))
        {
            return Err(Error::InvalidArg(format!(
                "parent {} would create cycle to {name}",
                s.def.name
            )));
        }
    }
    if let Some(d) = &def.domain {
        if d.uuid != *uuid {
            return Err(Error::InvalidArg(format!(
                "definition for snapshot {name} must use uuid {uuid}"
            )));
        }
    }
    if let Some(other) = snaps.get(name) {
        let online = |s: Option<SnapshotState>| s.is_some_and(SnapshotState::is_online);
        if online(other.def.state) != online(def.state) {
            return Err(Error::InvalidArg(format!(
                "cannot change between online and offline snapshot state in snapshot {name}"
            )));
        }
        let disk_only = |s: Option<SnapshotState>| s == Some(SnapshotState::DiskSnapshot);
        if disk_only(other.def.state) != disk_only(def.state) {
            return Err(Error::InvalidArg(format!(
                "cannot change between disk only and full system in snapshot {name}"
            )));
        }
        if def.domain.is_none() {
            def.domain = other.def.domain.clone();
        }
    }
    let external = def.state == Some(SnapshotState::DiskSnapshot) || def.is_external();
    if external {
        def.align_disks(SnapshotLocation::External, false, false)
    } else {
        def.align_disks(SnapshotLocation::Internal, true, false)
    }
}

impl TestDriver {
    /// virDomainSnapshotCreateXML: a new snapshot of the domain as it is now, or with
    /// VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE a snapshot described in full. Returns its name.
    pub(crate) fn op_snapshot_create_xml(
        &self,
        uuid: &Uuid,
        xml: &str,
        flags: u32,
    ) -> Result<String> {
        use snapshot_create::*;
        if flags & CURRENT != 0 && flags & REDEFINE == 0 {
            return Err(Error::InvalidArgBare(
                "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag \
                 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'"
                    .to_owned(),
            ));
        }
        exclusive(
            flags,
            REDEFINE,
            NO_METADATA,
            "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
            "VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA",
        )?;
        exclusive(
            flags,
            REDEFINE,
            HALT,
            "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE",
            "VIR_DOMAIN_SNAPSHOT_CREATE_HALT",
        )?;
        check_flags(flags, ACCEPTED, "testDomainSnapshotCreateXML")?;
        let redefine = flags & REDEFINE != 0;
        let opts = SnapshotParseOptions {
            redefine,
            now: now(),
            validate: flags & VALIDATE != 0,
        };
        // Parsed before the lock; its errors still come after the domain checks.
        let parsed = parse_snapshot(xml, &opts).map(|mut def| {
            if let Some(d) = def.domain.as_deref_mut() {
                apply_defaults(d);
            }
            def
        });
        self.with(|store, events| {
            let dom = store.get(uuid)?;
            if !dom.persistent && flags & HALT != 0 {
                return Err(Error::OperationInvalid(
                    "cannot halt after transient domain snapshot".to_owned(),
                ));
            }
            let mut def = parsed?;
            let name = def.name.clone();
            let exists = dom
                .snapshots
                .as_deref()
                .is_some_and(|s| s.get(&name).is_some());
            if redefine {
                prepare_redefine(dom, uuid, &mut def)?;
            } else {
                prepare_new(dom, &mut def)?;
                if exists {
                    return Err(Error::OperationFailed(format!(
                        "domain moment {name} already exists"
                    )));
                }
                def.parent = dom
                    .snapshots
                    .as_deref()
                    .and_then(|s| s.current())
                    .map(str::to_owned);
            }
            if !exists && dom.snapshot_count() >= MAX_SNAPSHOTS {
                return Err(Error::OperationFailed(format!(
                    "domain '{}' already has {MAX_SNAPSHOTS} snapshots",
                    dom.name()
                )));
            }
            let halt = !redefine && flags & HALT != 0 && dom.is_active();
            let snaps = snapshots_mut(store, uuid)?;
            if exists {
                snaps.replace(def);
            } else {
                snaps.insert(def);
                events.push(Event::Added(ObjectId::DomainSnapshot {
                    domain: *uuid,
                    name: name.clone(),
                }));
            }
            if !redefine || flags & CURRENT != 0 {
                snaps.set_current(Some(&name));
            }
            if halt {
                store.halt(uuid, shutoff::FROM_SNAPSHOT)?;
                events.push(lifecycle_event(
                    *uuid,
                    lifecycle::STOPPED,
                    lifecycle::stopped::FROM_SNAPSHOT,
                ));
            }
            Ok(name)
        })
    }

    /// virDomainListAllSnapshots: names, filtered.
    pub(crate) fn op_list_snapshots(&self, uuid: &Uuid, flags: u32) -> Result<Vec<String>> {
        self.snapshot_names(uuid, None, flags, "testDomainListAllSnapshots")
    }

    /// virDomainSnapshotListAllChildren: the children (or all descendants) of a snapshot.
    pub(crate) fn op_snapshot_list_children(
        &self,
        uuid: &Uuid,
        name: &str,
        flags: u32,
    ) -> Result<Vec<String>> {
        self.snapshot_names(uuid, Some(name), flags, "testDomainSnapshotListAllChildren")
    }

    /// The names of the snapshots below snapshot `from` (which must exist), or of all with
    /// `None`, filtered by `flags`; `function` names the call in a flag error.
    fn snapshot_names(
        &self,
        uuid: &Uuid,
        from: Option<&str>,
        flags: u32,
        function: &str,
    ) -> Result<Vec<String>> {
        check_flags(flags, flags::SNAPSHOT_LIST_ALL, function)?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            if let Some(name) = from {
                find(dom, name)?;
            }
            Ok(dom
                .snapshots
                .as_deref()
                .map(|s| s.list(from, flags))
                .unwrap_or_default())
        })
    }

    /// virDomainSnapshotLookupByName.
    pub(crate) fn op_snapshot_lookup_by_name(
        &self,
        uuid: &Uuid,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, 0, "testDomainSnapshotLookupByName")?;
        self.read(|store| Ok(find(store.get(uuid)?, name)?.def.name.clone()))
    }

    /// virDomainSnapshotCurrent.
    pub(crate) fn op_snapshot_current(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testDomainSnapshotCurrent")?;
        self.read(|store| {
            store
                .get(uuid)?
                .snapshots
                .as_deref()
                .and_then(Snapshots::current)
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::NoDomainSnapshot(
                        "the domain does not have a current snapshot".to_owned(),
                    )
                })
        })
    }

    /// virDomainSnapshotGetXMLDesc.
    pub(crate) fn op_snapshot_xml_desc(
        &self,
        uuid: &Uuid,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(
            flags,
            flags::SNAPSHOT_XML_SECURE,
            "testDomainSnapshotGetXMLDesc",
        )?;
        let def = self.read(|store| Ok(find(store.get(uuid)?, name)?.def.clone()))?;
        Ok(format_snapshot(
            &def,
            uuid,
            flags & flags::SNAPSHOT_XML_SECURE != 0,
        ))
    }

    /// virDomainSnapshotIsCurrent.
    pub(crate) fn op_snapshot_is_current(
        &self,
        uuid: &Uuid,
        name: &str,
        flags: u32,
    ) -> Result<bool> {
        check_flags(flags, 0, "testDomainSnapshotIsCurrent")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            find(dom, name)?;
            Ok(dom.snapshots.as_deref().and_then(Snapshots::current) == Some(name))
        })
    }

    /// virDomainSnapshotGetParent: the parent's name.
    pub(crate) fn op_snapshot_parent(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testDomainSnapshotGetParent")?;
        self.read(|store| {
            let snap = find(store.get(uuid)?, name)?;
            snap.def.parent.clone().ok_or_else(|| {
                Error::NoDomainSnapshot(format!("snapshot '{name}' does not have a parent"))
            })
        })
    }

    /// virDomainSnapshotDelete: the snapshot alone (its children move up), with its
    /// descendants (VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN), or only its descendants
    /// (VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY). Nothing but the metadata exists.
    pub(crate) fn op_snapshot_delete(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<()> {
        use snapshot_delete::*;
        exclusive(
            flags,
            CHILDREN,
            CHILDREN_ONLY,
            "VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN",
            "VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY",
        )?;
        check_flags(flags, CHILDREN | CHILDREN_ONLY, "testDomainSnapshotDelete")?;
        self.with(|store, events| {
            find(store.get(uuid)?, name)?;
            let snaps = snapshots_mut(store, uuid)?;
            let before = snaps.descendants(None);
            if flags & (CHILDREN | CHILDREN_ONLY) != 0 {
                if snaps.delete_descendants(name) {
                    snaps.set_current(Some(name));
                }
                if flags & CHILDREN != 0 {
                    snaps.delete_one(name);
                }
            } else {
                snaps.delete_one(name);
            }
            let after = snaps.descendants(None);
            for gone in before.into_iter().filter(|n| !after.contains(n)) {
                events.push(Event::Removed(ObjectId::DomainSnapshot {
                    domain: *uuid,
                    name: gone,
                }));
            }
            Ok(())
        })
    }

    /// virDomainRevertToSnapshot: the domain takes the snapshot's definition and state, as
    /// libvirt 9.0's test driver does it. An active domain is stopped first; a running or
    /// paused snapshot starts it again (paused when the snapshot was, or with
    /// VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED, unless VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING). For a
    /// shut-off snapshot those two flags only announce the start: the domain stays off.
    pub(crate) fn op_snapshot_revert(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<()> {
        use snapshot_revert::*;
        exclusive(
            flags,
            RUNNING,
            PAUSED,
            "VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING",
            "VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED",
        )?;
        check_flags(
            flags,
            RUNNING | PAUSED | FORCE,
            "testDomainRevertToSnapshot",
        )?;
        self.with(|store, events| {
            let dom = store.get(uuid)?;
            let snap = find(dom, name)?;
            let state = snap.def.state;
            let online = state.is_some_and(SnapshotState::is_online);
            if !dom.persistent && !online && flags & (RUNNING | PAUSED) == 0 {
                return Err(Error::OperationInvalid(
                    "transient domain needs to request run or pause to revert to inactive \
                     snapshot"
                        .to_owned(),
                ));
            }
            let Some(config) = snap.def.domain.as_deref() else {
                return Err(Error::SnapshotRevertRisky(format!(
                    "snapshot '{name}' lacks domain '{}' rollback info",
                    dom.name()
                )));
            };
            let mut config = config.clone();
            // The domain keeps its name (a snapshot may predate a rename).
            config.name = Arc::clone(&dom.cur.name);
            let active = dom.is_active();
            let event =
                |detail_event: i32, detail: i32| lifecycle_event(*uuid, detail_event, detail);
            if active {
                store.halt(uuid, shutoff::FROM_SNAPSHOT)?;
                events.push(event(lifecycle::STOPPED, lifecycle::stopped::FROM_SNAPSHOT));
            }
            store.get_mut(uuid)?.cur = config;
            let pause = flags & RUNNING == 0
                && (state == Some(SnapshotState::Paused) || flags & PAUSED != 0);
            if online {
                store.start(uuid, running::FROM_SNAPSHOT)?;
                events.push(event(lifecycle::STARTED, lifecycle::started::FROM_SNAPSHOT));
                if pause {
                    store.get_mut(uuid)?.state =
                        StateReason::new(DomainState::Paused, paused::FROM_SNAPSHOT);
                    events.push(event(
                        lifecycle::SUSPENDED,
                        lifecycle::suspended::FROM_SNAPSHOT,
                    ));
                }
            } else if flags & (RUNNING | PAUSED) != 0 {
                events.push(event(lifecycle::STARTED, lifecycle::started::FROM_SNAPSHOT));
                if flags & PAUSED != 0 {
                    events.push(event(
                        lifecycle::SUSPENDED,
                        lifecycle::suspended::FROM_SNAPSHOT,
                    ));
                }
            }
            snapshots_mut(store, uuid)?.set_current(Some(name));
            Ok(())
        })
    }
}
