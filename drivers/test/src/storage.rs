//! Storage pools and volumes: the default pool `default-pool`, and the `virStoragePool*` /
//! `virStorageVol*` calls as libvirt 9.0's test driver answers them
//! (`src/test/test_driver.c`, `testStoragePool*` and `testStorageVol*`, with the object
//! rules of `src/conf/virstorageobj.c`).
//!
//! Pools live in the same store as domains and networks, behind the same lock; events are
//! queued while the lock is held and published once it is released. `Added` comes before
//! the DEFINED/STARTED event of a new pool, `Removed` after the UNDEFINED/STOPPED event that
//! makes one disappear.
//!
//! Volumes: libvirt's test driver keeps a stopped pool's volumes and shows them again when
//! the pool starts, but every volume call needs an active pool ("storage pool 'x' is not
//! active"). So a volume is a served object exactly while its pool is active: `Added`
//! when it is created or its pool starts, `Removed` when it is deleted or its pool stops.
//!
//! Sizes: every pool gets the test driver's 100 GiB capacity; a volume's allocation is
//! added to its pool's allocation and a volume that would take the allocation past the
//! capacity is refused. The sizes belong to the pool object and survive a redefinition.

use std::collections::HashMap;

use async_trait::async_trait;
use uuid::Uuid;
use virtbus_core::{
    driver::{
        StoragePoolDriver, StoragePoolInfo, StoragePoolSummary, StorageVolDriver, StorageVolInfo,
        StorageVolSummary,
    },
    event::{storage_pool_lifecycle as lc, Event, ObjectId},
    flags::{self, check_flags, storage_pool_list},
    model::{PoolType, StoragePoolDef, StorageVolDef},
    xml::{
        format_storage_pool, format_storage_vol, parse_storage_pool, parse_storage_pool_source,
        parse_storage_pool_with, parse_storage_vol,
    },
    Error, Result,
};

use crate::driver::TestDriver;

/// The `<pool>` of libvirt's `defaultConnXML`.
pub const DEFAULT_XML: &str = "<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>";

/// The UUID of the default pool.
pub const DEFAULT_UUID: Uuid = Uuid::from_u128(0xdfe224cb_28fb_8dd0_c4b2_64eb3f0f4566);

/// The capacity the test driver gives every pool (`defaultPoolCap`, 100 GiB).
pub const POOL_CAPACITY: u64 = 100 * 1024 * 1024 * 1024;

/// `virStoragePoolState`.
const POOL_INACTIVE: i32 = 0;
const POOL_RUNNING: i32 = 2;

/// `defaultPoolSourcesLogicalXML`: what FindStoragePoolSources answers for `logical`.
const LOGICAL_SOURCES: &str = "<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
";

/// One pool object (`virStoragePoolObj`).
#[derive(Debug, Clone)]
pub struct PoolObj {
    def: StoragePoolDef,
    /// The persistent definition waiting for the next stop (a pool redefined while active).
    new_def: Option<StoragePoolDef>,
    active: bool,
    /// Whether the pool has a config file.
    persistent: bool,
    autostart: bool,
    /// The volumes, in creation order.
    vols: Vec<StorageVolDef>,
}

impl PoolObj {
    fn vol(&self, name: &str) -> Option<&StorageVolDef> {
        self.vols.iter().find(|v| v.name == name)
    }

    fn keys(&self) -> Vec<String> {
        self.vols.iter().filter_map(|v| v.key.clone()).collect()
    }

    /// `testStoragePoolObjFindActiveByName`'s check.
    fn check_active(&self) -> Result<()> {
        if !self.active {
            return Err(Error::OperationInvalid(format!(
                "storage pool '{}' is not active",
                self.def.name
            )));
        }
        Ok(())
    }

    /// `testStoragePoolObjFindInactiveByName`'s check.
    fn check_inactive(&self) -> Result<()> {
        if self.active {
            return Err(Error::OperationInvalid(format!(
                "storage pool '{}' is active",
                self.def.name
            )));
        }
        Ok(())
    }
}

/// Every pool, by UUID.
#[derive(Debug, Default)]
pub struct Pools {
    objs: HashMap<Uuid, PoolObj>,
}

fn no_uuid(uuid: &Uuid) -> Error {
    Error::NoStoragePool(format!("no storage pool with matching uuid '{uuid}'"))
}

fn no_key(key: &str) -> Error {
    Error::NoStorageVol(format!("no storage vol with matching key '{key}'"))
}

fn no_vol_name(name: &str) -> Error {
    Error::NoStorageVol(format!("no storage vol with matching name '{name}'"))
}

/// How a definition enters the list (`VIR_STORAGE_POOL_OBJ_LIST_ADD_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assign {
    /// virStoragePoolDefineXML.
    Define,
    /// virStoragePoolCreateXML (CHECK_LIVE).
    Live,
}

/// Whether the existing pool `a` and the new definition `b` name the same storage
/// (`virStoragePoolObjSourceFindDuplicateCb`).
fn same_source(a: &StoragePoolDef, b: &StoragePoolDef) -> bool {
    use PoolType::*;
    let devices_overlap = || {
        a.source
            .devices
            .iter()
            .any(|d| b.source.devices.iter().any(|e| e.path == d.path))
    };
    // virStoragePoolSourceMatchSingleHost.
    let single_host = || {
        a.source.hosts.len() == 1
            && b.source.hosts.len() == 1
            && a.source.hosts[0] == b.source.hosts[0]
    };
    let same_type = a.pool_type == b.pool_type;
    match a.pool_type {
        Dir => same_type && a.target_path == b.target_path,
        Netfs => same_type && a.source.dir == b.source.dir && single_host(),
        Gluster => {
            same_type
                && a.source.name == b.source.name
                && a.source.dir == b.source.dir
                && single_host()
        }
        Scsi => same_type && a.source.adapter == b.source.adapter,
        // virStoragePoolSourceISCSIMatch: the same host and initiator too.
        Iscsi => {
            b.pool_type == Iscsi
                && devices_overlap()
                && a.source.hosts.first().map(|h| &h.name)
                    == b.source.hosts.first().map(|h| &h.name)
                && a.source.initiator_iqn == b.source.initiator_iqn
        }
        Fs | Logical | Disk | Zfs => {
            matches!(b.pool_type, Fs | Logical | Disk | Zfs) && devices_overlap()
        }
        Sheepdog => same_type && single_host(),
        // Only one mpath pool is valid per host.
        Mpath => same_type,
        Vstorage => same_type && a.source.name == b.source.name,
        IscsiDirect | Rbd => false,
    }
}

impl Pools {
    fn get(&self, uuid: &Uuid) -> Result<&PoolObj> {
        self.objs.get(uuid).ok_or_else(|| no_uuid(uuid))
    }

    fn get_mut(&mut self, uuid: &Uuid) -> Result<&mut PoolObj> {
        self.objs.get_mut(uuid).ok_or_else(|| no_uuid(uuid))
    }

    fn by_name(&self, name: &str) -> Option<(&Uuid, &PoolObj)> {
        self.objs.iter().find(|(_, o)| o.def.name == name)
    }

    /// The pools, sorted by name (libvirt's lists are unordered; a stable order helps).
    fn sorted(&self) -> Vec<(&Uuid, &PoolObj)> {
        let mut all: Vec<_> = self.objs.iter().collect();
        all.sort_by(|a, b| a.1.def.name.cmp(&b.1.def.name));
        all
    }

    /// The active pool holding the volume `key`, and the volume's index; of several, the
    /// first by pool name, as the test driver's sorted search finds it. One pass, without
    /// sorting: every volume call looks its volume up by key.
    fn find_key(&self, key: &str) -> Result<(Uuid, usize)> {
        self.objs
            .iter()
            .filter(|(_, o)| o.active)
            .filter_map(|(u, o)| {
                o.vols
                    .iter()
                    .position(|v| v.key.as_deref() == Some(key))
                    .map(|i| (o.def.name.as_str(), *u, i))
            })
            .min_by(|a, b| a.0.cmp(b.0))
            .map(|(_, u, i)| (u, i))
            .ok_or_else(|| no_key(key))
    }

    /// `virStoragePoolObjListAdd`: the object that takes `def`, new or existing, with
    /// libvirt's refusals. Returns whether the object is new.
    fn assign(&mut self, mut def: StoragePoolDef, how: Assign) -> Result<bool> {
        let uuid = def.uuid;
        if let Some((_, other)) = self
            .sorted()
            .into_iter()
            .find(|(_, o)| o.def.name != def.name && same_source(&o.def, &def))
        {
            return Err(Error::OperationFailed(format!(
                "Storage source conflict with pool: '{}'",
                other.def.name
            )));
        }
        if let Some(obj) = self.objs.get_mut(&uuid) {
            if obj.def.name != def.name {
                return Err(Error::OperationFailed(format!(
                    "pool '{}' is already defined with uuid {uuid}",
                    obj.def.name
                )));
            }
            if how == Assign::Live && obj.active {
                return Err(Error::OperationInvalid(format!(
                    "pool is already active as '{}'",
                    obj.def.name
                )));
            }
            def.capacity = obj.def.capacity;
            def.allocation = obj.def.allocation;
            def.available = obj.def.available;
            if obj.active {
                obj.new_def = Some(def);
            } else {
                obj.def = def;
            }
            return Ok(false);
        }
        if let Some((other, _)) = self.by_name(&def.name) {
            return Err(Error::OperationFailed(format!(
                "pool '{}' already exists with uuid {other}",
                def.name
            )));
        }
        def.capacity = POOL_CAPACITY;
        def.allocation = 0;
        def.available = POOL_CAPACITY;
        self.objs.insert(
            uuid,
            PoolObj {
                def,
                new_def: None,
                active: false,
                persistent: false,
                autostart: false,
                vols: Vec::new(),
            },
        );
        Ok(true)
    }

    /// Adds the default pool, active and persistent, as the test driver does when it opens.
    pub fn seed(&mut self) -> Result<()> {
        let def = parse_storage_pool(DEFAULT_XML)?;
        let uuid = def.uuid;
        self.assign(def, Assign::Define)?;
        let o = self.get_mut(&uuid)?;
        o.active = true;
        o.persistent = true;
        Ok(())
    }
}

/// Whether `obj` passes the filters of `virConnectListAllStoragePools`
/// (`virStoragePoolObjMatch`).
fn matches(obj: &PoolObj, flags: u32) -> bool {
    use storage_pool_list::*;
    let pair = |yes: u32, no: u32, value: bool| {
        flags & (yes | no) == 0 || (flags & yes != 0 && value) || (flags & no != 0 && !value)
    };
    pair(ACTIVE, INACTIVE, obj.active)
        && pair(PERSISTENT, TRANSIENT, obj.persistent)
        && pair(AUTOSTART, NO_AUTOSTART, obj.autostart)
        && (flags & TYPES == 0 || flags & obj.def.pool_type.list_flag() != 0)
}

fn pool_event(uuid: Uuid, event: i32) -> Event {
    Event::StoragePool {
        uuid,
        event,
        detail: 0,
    }
}

/// `Added` for each volume of a pool that starts.
fn vols_added(obj: &PoolObj, events: &mut Vec<Event>) {
    events.extend(
        obj.keys()
            .into_iter()
            .map(|k| Event::Added(ObjectId::StorageVol(k))),
    );
}

/// `testStorageVolumeTypeForPool`: the `virStorageVolType` GetInfo reports.
fn vol_type_for_pool(t: PoolType) -> i32 {
    match t {
        PoolType::Dir | PoolType::Fs | PoolType::Netfs | PoolType::Vstorage => 0,
        PoolType::Sheepdog | PoolType::IscsiDirect | PoolType::Gluster | PoolType::Rbd => 3,
        PoolType::Logical
        | PoolType::Disk
        | PoolType::Mpath
        | PoolType::Iscsi
        | PoolType::Scsi
        | PoolType::Zfs => 1,
    }
}

impl TestDriver {
    /// virStoragePoolLookupByVolume: the pool of the volume `key`.
    pub fn storage_pool_lookup_by_volume(&self, key: &str) -> Result<Uuid> {
        self.read(|s| s.pools.find_key(key).map(|(u, _)| u))
    }

    /// The common part of virStorageVolCreateXML and CreateXMLFrom.
    fn add_vol(&self, uuid: &Uuid, xml: &str, clone_key: Option<&str>) -> Result<String> {
        self.with(|s, events| {
            let clone_name = match clone_key {
                None => None,
                Some(k) => {
                    let (pu, i) = s.pools.find_key(k)?;
                    Some(s.pools.get(&pu)?.vols[i].name.clone())
                }
            };
            let o = s.pools.get_mut(uuid)?;
            o.check_active()?;
            let mut vol = parse_storage_vol(xml, o.def.pool_type)?;
            if o.vol(&vol.name).is_some() {
                return Err(Error::OperationFailed(
                    "storage vol already exists".to_owned(),
                ));
            }
            // testStorageVolCreateXMLFrom looks the volume to clone up by name in the
            // target pool.
            if let Some(n) = &clone_name {
                if o.vol(n).is_none() {
                    return Err(no_vol_name(n));
                }
            }
            if o.def.allocation.saturating_add(vol.allocation) > o.def.capacity {
                return Err(Error::Internal(format!(
                    "Not enough free space in pool for volume '{}'",
                    vol.name
                )));
            }
            let path = format!(
                "{}/{}",
                o.def.target_path.as_deref().unwrap_or("(null)"),
                vol.name
            );
            if o.vols
                .iter()
                .any(|v| v.key.as_deref() == Some(path.as_str()))
            {
                return Err(Error::OperationFailed(
                    "storage vol already exists".to_owned(),
                ));
            }
            vol.target.path = Some(path.clone());
            vol.key = Some(path.clone());
            o.def.allocation += vol.allocation;
            o.def.available = o.def.capacity - o.def.allocation;
            o.vols.push(vol);
            events.push(Event::Added(ObjectId::StorageVol(path.clone())));
            Ok(path)
        })
    }

    /// Runs `f` on the volume `key` and its pool, read only.
    fn with_vol<T>(&self, key: &str, f: impl FnOnce(&PoolObj, &StorageVolDef) -> T) -> Result<T> {
        self.read(|s| {
            let (u, i) = s.pools.find_key(key)?;
            let o = s.pools.get(&u)?;
            Ok(f(o, &o.vols[i]))
        })
    }
}

#[async_trait]
impl StoragePoolDriver for TestDriver {
    async fn list_storage_pools(&self, flags: u32) -> Result<Vec<Uuid>> {
        check_flags(
            flags,
            storage_pool_list::ALL,
            "testConnectListAllStoragePools",
        )?;
        self.read(|s| {
            Ok(s.pools
                .sorted()
                .into_iter()
                .filter(|(_, o)| matches(o, flags))
                .map(|(u, _)| *u)
                .collect())
        })
    }

    async fn storage_pool_summary(&self, uuid: &Uuid) -> Result<StoragePoolSummary> {
        self.read(|s| {
            let o = s.pools.get(uuid)?;
            Ok(StoragePoolSummary {
                uuid: *uuid,
                name: o.def.name.clone(),
                active: o.active,
                persistent: o.persistent,
                // testStoragePoolGetAutostart: 0 without a config file.
                autostart: o.persistent && o.autostart,
            })
        })
    }

    async fn storage_pool_lookup_by_name(&self, name: &str) -> Result<Uuid> {
        self.read(|s| {
            s.pools.by_name(name).map(|(u, _)| *u).ok_or_else(|| {
                Error::NoStoragePool(format!("no storage pool with matching name '{name}'"))
            })
        })
    }

    async fn storage_pool_lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.read(|s| s.pools.get(uuid).map(|_| *uuid))
    }

    async fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(
            flags,
            flags::STORAGE_POOL_DEFINE_VALIDATE,
            "testStoragePoolDefineXML",
        )?;
        let def = parse_storage_pool_with(xml, flags & flags::STORAGE_POOL_DEFINE_VALIDATE != 0)?;
        let uuid = def.uuid;
        self.with(|s, events| {
            let new = s.pools.assign(def, Assign::Define)?;
            s.pools.get_mut(&uuid)?.persistent = true;
            if new {
                events.push(Event::Added(ObjectId::StoragePool(uuid)));
            } else {
                events.push(Event::PropertiesMayHaveChanged(ObjectId::StoragePool(uuid)));
            }
            events.push(pool_event(uuid, lc::DEFINED));
            Ok(uuid)
        })
    }

    async fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(flags, 0, "testStoragePoolCreateXML")?;
        let def = parse_storage_pool(xml)?;
        let uuid = def.uuid;
        self.with(|s, events| {
            let new = s.pools.assign(def, Assign::Live)?;
            let o = s.pools.get_mut(&uuid)?;
            // As the test driver does, even an inactive persistent pool started this way
            // loses its config file: it is transient from now on.
            o.persistent = false;
            o.active = true;
            if new {
                events.push(Event::Added(ObjectId::StoragePool(uuid)));
            } else {
                events.push(Event::PropertiesMayHaveChanged(ObjectId::StoragePool(uuid)));
                vols_added(o, events);
            }
            events.push(pool_event(uuid, lc::STARTED));
            Ok(uuid)
        })
    }

    async fn find_storage_pool_sources(
        &self,
        pool_type: &str,
        src_spec: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, 0, "testConnectFindStoragePoolSources")?;
        let parsed = PoolType::parse(pool_type);
        // testConnectFindStoragePoolSources tests the type number for 0, so `dir` (0) is
        // "unknown" and an unknown name (-1) gets through to the later checks.
        if parsed == Some(PoolType::Dir) {
            return Err(Error::Internal(format!(
                "unknown storage pool type {pool_type}"
            )));
        }
        let source = if src_spec.is_empty() {
            None
        } else {
            let Some(t) = parsed else {
                return Err(Error::Internal(
                    "missing backend for pool type -1".to_owned(),
                ));
            };
            Some(parse_storage_pool_source(src_spec, t)?)
        };
        match parsed {
            Some(PoolType::Logical) => Ok(LOGICAL_SOURCES.to_owned()),
            Some(PoolType::Netfs) => {
                let Some(host) = source.as_ref().and_then(|s| s.hosts.first()) else {
                    return Err(Error::InvalidArg(
                        "hostname must be specified for netfs sources".to_owned(),
                    ));
                };
                Ok(format!(
                    "<sources>\n  <source>\n    <host name='{}'/>\n    <dir path='/testshare'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n",
                    host.name
                ))
            }
            _ => Err(Error::NoSupportDetail(format!(
                "pool type '{pool_type}' does not support source discovery"
            ))),
        }
    }

    async fn storage_pool_build(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStoragePoolBuild")?;
        self.with(|s, events| {
            s.pools.get(uuid)?.check_inactive()?;
            events.push(pool_event(*uuid, lc::CREATED));
            Ok(())
        })
    }

    async fn storage_pool_create(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStoragePoolCreate")?;
        self.with(|s, events| {
            let o = s.pools.get_mut(uuid)?;
            o.check_inactive()?;
            o.active = true;
            events.push(Event::PropertiesMayHaveChanged(ObjectId::StoragePool(
                *uuid,
            )));
            vols_added(o, events);
            events.push(pool_event(*uuid, lc::STARTED));
            Ok(())
        })
    }

    async fn storage_pool_delete(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStoragePoolDelete")?;
        self.with(|s, events| {
            s.pools.get(uuid)?.check_inactive()?;
            events.push(pool_event(*uuid, lc::DELETED));
            Ok(())
        })
    }

    async fn storage_pool_destroy(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            let o = s.pools.get_mut(uuid)?;
            o.check_active()?;
            o.active = false;
            if let Some(mut next) = o.new_def.take() {
                next.capacity = o.def.capacity;
                next.allocation = o.def.allocation;
                next.available = o.def.available;
                o.def = next;
            }
            events.extend(
                o.keys()
                    .into_iter()
                    .map(|k| Event::Removed(ObjectId::StorageVol(k))),
            );
            events.push(pool_event(*uuid, lc::STOPPED));
            if o.persistent {
                events.push(Event::PropertiesMayHaveChanged(ObjectId::StoragePool(
                    *uuid,
                )));
            } else {
                s.pools.objs.remove(uuid);
                events.push(Event::Removed(ObjectId::StoragePool(*uuid)));
            }
            Ok(())
        })
    }

    async fn storage_pool_undefine(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            s.pools.get(uuid)?.check_inactive()?;
            s.pools.objs.remove(uuid);
            events.push(pool_event(*uuid, lc::UNDEFINED));
            events.push(Event::Removed(ObjectId::StoragePool(*uuid)));
            Ok(())
        })
    }

    async fn storage_pool_info(&self, uuid: &Uuid) -> Result<StoragePoolInfo> {
        self.read(|s| {
            let o = s.pools.get(uuid)?;
            Ok(StoragePoolInfo {
                state: if o.active {
                    POOL_RUNNING
                } else {
                    POOL_INACTIVE
                },
                capacity: o.def.capacity,
                allocation: o.def.allocation,
                available: o.def.available,
            })
        })
    }

    async fn storage_pool_xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testStoragePoolGetXMLDesc")?;
        self.read(|s| Ok(format_storage_pool(&s.pools.get(uuid)?.def)))
    }

    async fn storage_pool_refresh(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStoragePoolRefresh")?;
        self.with(|s, events| {
            s.pools.get(uuid)?.check_active()?;
            events.push(Event::StoragePoolRefresh(*uuid));
            Ok(())
        })
    }

    async fn storage_pool_set_autostart(&self, uuid: &Uuid, autostart: bool) -> Result<()> {
        self.with(|s, events| {
            let o = s.pools.get_mut(uuid)?;
            if !o.persistent {
                return Err(Error::InvalidArg("pool has no config file".to_owned()));
            }
            if o.autostart != autostart {
                o.autostart = autostart;
                events.push(Event::PropertiesMayHaveChanged(ObjectId::StoragePool(
                    *uuid,
                )));
            }
            Ok(())
        })
    }

    async fn storage_pool_list_volumes(&self, uuid: &Uuid, flags: u32) -> Result<Vec<String>> {
        check_flags(flags, 0, "testStoragePoolListAllVolumes")?;
        self.read(|s| {
            let o = s.pools.get(uuid)?;
            if !o.active {
                return Err(Error::OperationInvalid(
                    "storage pool is not active".to_owned(),
                ));
            }
            Ok(o.keys())
        })
    }

    async fn storage_vol_create_xml(&self, uuid: &Uuid, xml: &str, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testStorageVolCreateXML")?;
        self.add_vol(uuid, xml, None)
    }

    async fn storage_vol_create_xml_from(
        &self,
        uuid: &Uuid,
        xml: &str,
        clone_key: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, 0, "testStorageVolCreateXMLFrom")?;
        self.add_vol(uuid, xml, Some(clone_key))
    }

    async fn storage_vol_lookup_by_name(&self, uuid: &Uuid, name: &str) -> Result<String> {
        self.read(|s| {
            let o = s.pools.get(uuid)?;
            o.check_active()?;
            o.vol(name)
                .and_then(|v| v.key.clone())
                .ok_or_else(|| no_vol_name(name))
        })
    }
}

#[async_trait]
impl StorageVolDriver for TestDriver {
    async fn storage_vol_summary(&self, key: &str) -> Result<StorageVolSummary> {
        self.with_vol(key, |_, v| StorageVolSummary {
            key: key.to_owned(),
            name: v.name.clone(),
            path: v.target.path.clone().unwrap_or_default(),
        })
    }

    async fn storage_vol_lookup_by_key(&self, key: &str) -> Result<String> {
        self.with_vol(key, |_, _| key.to_owned())
    }

    async fn storage_vol_lookup_by_path(&self, path: &str) -> Result<String> {
        self.read(|s| {
            s.pools
                .sorted()
                .into_iter()
                .filter(|(_, o)| o.active)
                .find_map(|(_, o)| {
                    o.vols
                        .iter()
                        .find(|v| v.target.path.as_deref() == Some(path))
                        .and_then(|v| v.key.clone())
                })
                .ok_or_else(|| {
                    Error::NoStorageVol(format!("no storage vol with matching path '{path}'"))
                })
        })
    }

    async fn storage_vol_delete(&self, key: &str, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testStorageVolDelete")?;
        self.with(|s, events| {
            let (u, i) = s.pools.find_key(key)?;
            let o = s.pools.get_mut(&u)?;
            let vol = o.vols.remove(i);
            o.def.allocation = o.def.allocation.saturating_sub(vol.allocation);
            o.def.available = o.def.capacity - o.def.allocation;
            events.push(Event::Removed(ObjectId::StorageVol(key.to_owned())));
            Ok(())
        })
    }

    async fn storage_vol_info(&self, key: &str, flags: u32) -> Result<StorageVolInfo> {
        check_flags(flags, 0, "virStorageVolGetInfoFlags")?;
        self.with_vol(key, |o, v| StorageVolInfo {
            kind: vol_type_for_pool(o.def.pool_type),
            capacity: v.capacity,
            allocation: v.allocation,
        })
    }

    async fn storage_vol_xml_desc(&self, key: &str, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testStorageVolGetXMLDesc")?;
        self.with_vol(key, |_, v| format_storage_vol(v))
    }

    // virStorageVolResize and virStorageVolWipePattern: libvirt 9.0's test driver has
    // neither, so they keep the trait's "not supported" answers.
}
