//! The snapshots of one domain: a forest kept in libvirt's order, and the current snapshot.
//!
//! Like libvirt's `virDomainMomentObjList`, every snapshot knows its children, newest link
//! first (a snapshot is put in front of its parent's children when it is linked), and the
//! snapshots without a parent are the children of an implicit root. Listing walks that
//! forest, so the order of roots, children and descendants is libvirt's; a plain listing of
//! every snapshot is given in the same depth-first order (libvirt gives hash order there).

use std::collections::HashMap;

use virtbus_core::model::{SnapshotDef, SnapshotState};

/// Most snapshots one domain may have; each keeps a copy of the domain definition.
pub const MAX_SNAPSHOTS: usize = 4096;

/// `virDomainSnapshotListFlags` (and ListAllChildren's, which share the values). TOPOLOGICAL
/// (1024) needs no handling: listings always come parents first.
pub mod list {
    /// ROOTS for a domain listing, DESCENDANTS for a snapshot's children.
    pub const ROOTS_OR_DESCENDANTS: u32 = 1;
    pub const METADATA: u32 = 2;
    pub const LEAVES: u32 = 4;
    pub const NO_LEAVES: u32 = 8;
    pub const NO_METADATA: u32 = 16;
    pub const INACTIVE: u32 = 32;
    pub const ACTIVE: u32 = 64;
    pub const DISK_ONLY: u32 = 128;
    pub const INTERNAL: u32 = 256;
    pub const EXTERNAL: u32 = 512;
    /// The state filters.
    pub const STATUS: u32 = INACTIVE | ACTIVE | DISK_ONLY;
    /// The location filters.
    pub const LOCATION: u32 = INTERNAL | EXTERNAL;
}

/// One snapshot and the names of its children, newest link first.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub def: SnapshotDef,
    pub children: Vec<String>,
}

/// Every snapshot of a domain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshots {
    by_name: HashMap<String, Snapshot>,
    /// The snapshots without a parent, newest link first.
    roots: Vec<String>,
    current: Option<String>,
}

impl Snapshots {
    /// How many snapshots there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The snapshot called `name`.
    pub fn get(&self, name: &str) -> Option<&Snapshot> {
        self.by_name.get(name)
    }

    /// The current snapshot's name.
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// Makes `name` (or none) the current snapshot.
    pub fn set_current(&mut self, name: Option<&str>) {
        self.current = name.map(str::to_owned);
    }

    /// The children of `name`, or the roots for `None`.
    fn children_of(&self, name: Option<&str>) -> &[String] {
        match name {
            None => &self.roots,
            Some(n) => self.by_name.get(n).map_or(&[], |s| &s.children),
        }
    }

    fn children_mut(&mut self, name: Option<&str>) -> Option<&mut Vec<String>> {
        match name {
            None => Some(&mut self.roots),
            Some(n) => self.by_name.get_mut(n).map(|s| &mut s.children),
        }
    }

    /// The snapshot a parent name links to: `None` (the root) when it names no snapshot.
    fn link_target(&self, parent: Option<&str>) -> Option<String> {
        parent
            .filter(|p| self.by_name.contains_key(*p))
            .map(str::to_owned)
    }

    /// Adds a new snapshot, linked in front of its parent's children.
    pub fn insert(&mut self, def: SnapshotDef) {
        let name = def.name.clone();
        let parent = self.link_target(def.parent.as_deref());
        self.by_name.insert(
            name.clone(),
            Snapshot {
                def,
                children: Vec::new(),
            },
        );
        if let Some(list) = self.children_mut(parent.as_deref()) {
            list.insert(0, name);
        }
    }

    /// Replaces the definition of an existing snapshot (a redefinition): it keeps its
    /// children and is linked again, in front of its (possibly new) parent's children.
    pub fn replace(&mut self, def: SnapshotDef) {
        let name = def.name.clone();
        self.unlink(&name);
        let parent = self.link_target(def.parent.as_deref());
        if let Some(snap) = self.by_name.get_mut(&name) {
            snap.def = def;
        }
        if let Some(list) = self.children_mut(parent.as_deref()) {
            list.insert(0, name);
        }
    }

    /// Takes `name` out of its parent's list of children.
    fn unlink(&mut self, name: &str) {
        let parent = self
            .by_name
            .get(name)
            .and_then(|s| self.link_target(s.def.parent.as_deref()));
        if let Some(list) = self.children_mut(parent.as_deref()) {
            list.retain(|c| c != name);
        }
    }

    /// `name` and every snapshot below it, depth first, children newest link first.
    fn preorder(&self, from: Option<&str>, out: &mut Vec<String>) {
        for child in self.children_of(from) {
            out.push(child.clone());
            self.preorder(Some(child), out);
        }
    }

    /// The descendants of `name` (or every snapshot for `None`), depth first.
    pub fn descendants(&self, from: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        self.preorder(from, &mut out);
        out
    }

    /// The ancestors of the snapshot named `parent`, starting with it, by parent name.
    pub fn ancestry<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Snapshot> + 'a {
        let mut next = Some(parent);
        std::iter::from_fn(move || {
            let snap = self.by_name.get(next?)?;
            next = snap.def.parent.as_deref();
            Some(snap)
        })
        .take(MAX_SNAPSHOTS + 1)
    }

    /// Deletes `name` as `virDomainSnapshotDelete` without flags: its children move up to
    /// its parent (in front of the parent's other children) and take its parent's name; if
    /// it was current, its parent becomes current.
    pub fn delete_one(&mut self, name: &str) {
        let Some(snap) = self.by_name.get(name) else {
            return;
        };
        let link = self.link_target(snap.def.parent.as_deref());
        let children = snap.children.clone();
        for child in &children {
            if let Some(c) = self.by_name.get_mut(child) {
                c.def.parent = link.clone();
            }
        }
        if let Some(list) = self.children_mut(link.as_deref()) {
            let mut moved = children;
            moved.append(list);
            *list = moved;
        }
        self.unlink(name);
        if self.current.as_deref() == Some(name) {
            self.current = link;
        }
        self.by_name.remove(name);
    }

    /// Removes every descendant of `name`; returns whether the current snapshot was among
    /// them (it is then none).
    pub fn delete_descendants(&mut self, name: &str) -> bool {
        let mut was_current = false;
        for d in self.descendants(Some(name)) {
            if self.current.as_deref() == Some(d.as_str()) {
                self.current = None;
                was_current = true;
            }
            self.by_name.remove(&d);
        }
        if let Some(s) = self.by_name.get_mut(name) {
            s.children.clear();
        }
        was_current
    }

    /// The names `virDomainListAllSnapshots` (`from` = `None`) or
    /// `virDomainSnapshotListAllChildren` (`from` = the snapshot) return for `flags`.
    pub fn list(&self, from: Option<&str>, flags: u32) -> Vec<String> {
        let first_bit = flags & list::ROOTS_OR_DESCENDANTS != 0;
        // ROOTS on the whole list means "children of the root"; DESCENDANTS on a snapshot
        // means "all below it".
        let descendants = if from.is_none() {
            !first_bit
        } else {
            first_bit
        };
        if flags & (list::METADATA | list::NO_METADATA) == list::NO_METADATA {
            return Vec::new();
        }
        let mut status = flags & list::STATUS;
        if status == list::STATUS {
            status = 0;
        }
        let mut location = flags & list::LOCATION;
        if location == list::LOCATION {
            location = 0;
        }
        let candidates = if descendants {
            self.descendants(from)
        } else {
            self.children_of(from).to_vec()
        };
        candidates
            .into_iter()
            .filter(|n| {
                self.by_name
                    .get(n)
                    .is_some_and(|s| keep(s, flags, status, location))
            })
            .collect()
    }
}

/// Whether one snapshot passes the leaf, state and location filters.
fn keep(snap: &Snapshot, flags: u32, status: u32, location: u32) -> bool {
    if flags & list::LEAVES != 0 && !snap.children.is_empty() {
        return false;
    }
    if flags & list::NO_LEAVES != 0 && snap.children.is_empty() {
        return false;
    }
    if status != 0 {
        let state = snap.def.state;
        let ok = match state {
            Some(SnapshotState::Shutoff) => status & list::INACTIVE != 0,
            Some(SnapshotState::DiskSnapshot) => status & list::DISK_ONLY != 0,
            _ => status & list::ACTIVE != 0,
        };
        if !ok {
            return false;
        }
    }
    let external = snap.def.is_external();
    if location & list::INTERNAL != 0 && external {
        return false;
    }
    if location & list::EXTERNAL != 0 && !external {
        return false;
    }
    true
}
