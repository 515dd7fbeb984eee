//! Storage pools and volumes: the default pool, every `virStoragePool*` and
//! `virStorageVol*` call, its errors and its events, as libvirt 9.0's test driver gives
//! them.

mod common;

use common::*;
use virtbus_core::{
    driver::{StoragePoolDriver, StorageVolDriver},
    event::{storage_pool_lifecycle as lc, Event, ObjectId},
    flags::storage_pool_list as pf,
    Uuid,
};
use virtbus_test_driver::{TestDriver, DEFAULT_POOL_CAPACITY as CAP, DEFAULT_POOL_UUID};

const LAB: &str = "0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a20";
const OTHER: &str = "0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a21";
const GIB: u64 = 1 << 30;

fn pool_xml(name: &str, uuid: &str, path: &str) -> String {
    format!(
        "<pool type='dir'><name>{name}</name><uuid>{uuid}</uuid>\
         <target><path>{path}</path></target></pool>"
    )
}

fn vol_xml(name: &str, capacity_gib: u64, allocation_gib: u64) -> String {
    format!(
        "<volume><name>{name}</name><capacity unit='GiB'>{capacity_gib}</capacity>\
         <allocation unit='GiB'>{allocation_gib}</allocation>\
         <target><format type='qcow2'/></target></volume>"
    )
}

fn ev(uuid: Uuid, event: i32) -> Event {
    Event::StoragePool {
        uuid,
        event,
        detail: 0,
    }
}

fn vol(key: &str) -> ObjectId {
    ObjectId::StorageVol(key.to_owned())
}

fn pool(u: Uuid) -> ObjectId {
    ObjectId::StoragePool(u)
}

fn err<T: std::fmt::Debug>(r: virtbus_core::Result<T>) -> String {
    r.unwrap_err().to_string()
}

async fn summary(d: &TestDriver, u: &Uuid) -> (bool, bool, bool) {
    let s = d.storage_pool_summary(u).await.unwrap();
    (s.active, s.persistent, s.autostart)
}

/// A driver with the inactive persistent pool `lab` defined, its events drained.
async fn with_lab() -> (TestDriver, virtbus_core::event::EventReceiver, Uuid) {
    let (d, mut rx) = driver();
    let u = d
        .storage_pool_define_xml(&pool_xml("lab", LAB, "/lab"), 0)
        .await
        .unwrap();
    drain(&mut rx);
    (d, rx, u)
}

#[tokio::test]
async fn default_pool_is_libvirts() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.storage_pool_lookup_by_name("default-pool").await.unwrap();
        assert_eq!(u, DEFAULT_POOL_UUID);
        assert_eq!(u.to_string(), "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566");
        let s = d.storage_pool_summary(&u).await.unwrap();
        assert_eq!(s.name, "default-pool");
        assert_eq!((s.active, s.persistent, s.autostart), (true, true, false));
        let info = d.storage_pool_info(&u).await.unwrap();
        assert_eq!(
            (info.state, info.capacity, info.allocation, info.available),
            (2, 107374182400, 0, 107374182400)
        );
        assert_eq!(
            d.storage_pool_xml_desc(&u, 0).await.unwrap(),
            "<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <capacity unit='bytes'>107374182400</capacity>
  <allocation unit='bytes'>0</allocation>
  <available unit='bytes'>107374182400</available>
  <source>
  </source>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
"
        );
        assert_eq!(d.list_storage_pools(0).await.unwrap(), vec![u]);
        assert!(d.storage_pool_list_volumes(&u, 0).await.unwrap().is_empty());
        assert!(drain(&mut rx).is_empty(), "no event at start");
    })
    .await;
}

#[tokio::test]
async fn lookups_and_their_errors() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            d.storage_pool_lookup_by_uuid(&DEFAULT_POOL_UUID)
                .await
                .unwrap(),
            DEFAULT_POOL_UUID
        );
        assert_eq!(
            err(d.storage_pool_lookup_by_name("x").await),
            "Storage pool not found: no storage pool with matching name 'x'"
        );
        let u: Uuid = LAB.parse().unwrap();
        assert_eq!(
            err(d.storage_pool_lookup_by_uuid(&u).await),
            format!("Storage pool not found: no storage pool with matching uuid '{LAB}'")
        );
        assert_eq!(
            err(d.storage_pool_info(&u).await),
            format!("Storage pool not found: no storage pool with matching uuid '{LAB}'")
        );
        assert_eq!(
            err(d.storage_vol_lookup_by_key("/nope").await),
            "Storage volume not found: no storage vol with matching key '/nope'"
        );
        assert_eq!(
            err(d.storage_vol_lookup_by_path("/nope").await),
            "Storage volume not found: no storage vol with matching path '/nope'"
        );
        assert_eq!(
            err(d.storage_vol_lookup_by_name(&DEFAULT_POOL_UUID, "v").await),
            "Storage volume not found: no storage vol with matching name 'v'"
        );
        assert_eq!(
            err(d.storage_pool_lookup_by_volume("/nope")),
            "Storage volume not found: no storage vol with matching key '/nope'"
        );
    })
    .await;
}

#[tokio::test]
async fn define_start_stop_undefine_with_events() {
    within(async {
        let (d, mut rx) = driver();
        let u = d
            .storage_pool_define_xml(&pool_xml("lab", LAB, "/lab"), 0)
            .await
            .unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![Event::Added(pool(u)), ev(u, lc::DEFINED)]
        );
        assert_eq!(summary(&d, &u).await, (false, true, false));
        let info = d.storage_pool_info(&u).await.unwrap();
        assert_eq!((info.state, info.capacity, info.available), (0, CAP, CAP));

        d.storage_pool_build(&u, 0).await.unwrap();
        assert_eq!(drain(&mut rx), vec![ev(u, lc::CREATED)]);

        d.storage_pool_create(&u, 0).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![Event::PropertiesMayHaveChanged(pool(u)), ev(u, lc::STARTED)]
        );
        assert_eq!(summary(&d, &u).await, (true, true, false));
        assert_eq!(
            err(d.storage_pool_create(&u, 0).await),
            "Requested operation is not valid: storage pool 'lab' is active"
        );
        assert_eq!(
            err(d.storage_pool_build(&u, 0).await),
            "Requested operation is not valid: storage pool 'lab' is active"
        );
        assert_eq!(
            err(d.storage_pool_delete(&u, 0).await),
            "Requested operation is not valid: storage pool 'lab' is active"
        );
        assert_eq!(
            err(d.storage_pool_undefine(&u).await),
            "Requested operation is not valid: storage pool 'lab' is active"
        );

        d.storage_pool_refresh(&u, 0).await.unwrap();
        assert_eq!(drain(&mut rx), vec![Event::StoragePoolRefresh(u)]);

        d.storage_pool_destroy(&u).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![ev(u, lc::STOPPED), Event::PropertiesMayHaveChanged(pool(u))]
        );
        assert_eq!(
            err(d.storage_pool_destroy(&u).await),
            "Requested operation is not valid: storage pool 'lab' is not active"
        );
        assert_eq!(
            err(d.storage_pool_refresh(&u, 0).await),
            "Requested operation is not valid: storage pool 'lab' is not active"
        );
        assert_eq!(
            err(d.storage_pool_list_volumes(&u, 0).await),
            "Requested operation is not valid: storage pool is not active"
        );

        d.storage_pool_delete(&u, 0).await.unwrap();
        assert_eq!(drain(&mut rx), vec![ev(u, lc::DELETED)]);

        d.storage_pool_undefine(&u).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![ev(u, lc::UNDEFINED), Event::Removed(pool(u))]
        );
        assert!(d.storage_pool_lookup_by_name("lab").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn transient_pools_vanish_when_stopped() {
    within(async {
        let (d, mut rx) = driver();
        let u = d
            .storage_pool_create_xml(&pool_xml("tmp", LAB, "/tmp-pool"), 0)
            .await
            .unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![Event::Added(pool(u)), ev(u, lc::STARTED)]
        );
        assert_eq!(summary(&d, &u).await, (true, false, false));
        assert_eq!(
            err(d.storage_pool_set_autostart(&u, true).await),
            "invalid argument: pool has no config file"
        );
        assert_eq!(
            err(d
                .storage_pool_create_xml(&pool_xml("tmp", LAB, "/tmp-pool"), 0)
                .await),
            "Requested operation is not valid: pool is already active as 'tmp'"
        );
        d.storage_pool_destroy(&u).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![ev(u, lc::STOPPED), Event::Removed(pool(u))]
        );
        assert!(d.storage_pool_summary(&u).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn duplicates_are_refused_as_libvirt_does() {
    within(async {
        let (d, _rx, _u) = with_lab().await;
        assert_eq!(
            err(d
                .storage_pool_define_xml(&pool_xml("lab2", LAB, "/lab2"), 0)
                .await),
            format!("operation failed: pool 'lab' is already defined with uuid {LAB}")
        );
        assert_eq!(
            err(d
                .storage_pool_define_xml(&pool_xml("lab", OTHER, "/lab2"), 0)
                .await),
            format!("operation failed: pool 'lab' already exists with uuid {LAB}")
        );
        assert_eq!(
            err(d
                .storage_pool_define_xml(&pool_xml("lab2", OTHER, "/lab/"), 0)
                .await),
            "operation failed: Storage source conflict with pool: 'lab'"
        );
        assert_eq!(
            err(d
                .storage_pool_define_xml("<pool type='dir'><name>x</name></pool>", 0)
                .await),
            "XML error: missing storage pool target path"
        );
        assert_eq!(
            err(d
                .storage_pool_define_xml(&pool_xml("y", OTHER, "/y"), 2)
                .await),
            "unsupported flags (0x2) in function testStoragePoolDefineXML"
        );
        assert_eq!(
            err(d
                .storage_pool_create_xml(&pool_xml("y", OTHER, "/y"), 1)
                .await),
            "unsupported flags (0x1) in function testStoragePoolCreateXML"
        );
    })
    .await;
}

#[tokio::test]
async fn redefining_an_active_pool_waits_for_its_stop() {
    within(async {
        let (d, mut rx, u) = with_lab().await;
        d.storage_pool_create(&u, 0).await.unwrap();
        drain(&mut rx);
        d.storage_pool_define_xml(&pool_xml("lab", LAB, "/lab-next"), 0)
            .await
            .unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![Event::PropertiesMayHaveChanged(pool(u)), ev(u, lc::DEFINED)]
        );
        assert!(d
            .storage_pool_xml_desc(&u, 0)
            .await
            .unwrap()
            .contains("<path>/lab</path>"));
        d.storage_pool_destroy(&u).await.unwrap();
        assert!(d
            .storage_pool_xml_desc(&u, 0)
            .await
            .unwrap()
            .contains("<path>/lab-next</path>"));
    })
    .await;
}

#[tokio::test]
async fn autostart_is_a_property() {
    within(async {
        let (d, mut rx, u) = with_lab().await;
        d.storage_pool_set_autostart(&u, true).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![Event::PropertiesMayHaveChanged(pool(u))]
        );
        assert_eq!(summary(&d, &u).await, (false, true, true));
        d.storage_pool_set_autostart(&u, true).await.unwrap();
        assert!(drain(&mut rx).is_empty(), "no change, no event");
        d.storage_pool_set_autostart(&u, false).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![Event::PropertiesMayHaveChanged(pool(u))]
        );
    })
    .await;
}

#[tokio::test]
async fn list_filters() {
    within(async {
        let (d, _rx, lab) = with_lab().await;
        d.storage_pool_set_autostart(&lab, true).await.unwrap();
        let tmp = d
            .storage_pool_create_xml(
                "<pool type='logical'><name>vg</name><uuid>0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a22</uuid>\
                 <source><device path='/dev/sdb'/></source></pool>",
                0,
            )
            .await
            .unwrap();
        let dp = DEFAULT_POOL_UUID;
        assert_eq!(d.list_storage_pools(0).await.unwrap(), vec![dp, lab, tmp]);
        assert_eq!(d.list_storage_pools(pf::ACTIVE).await.unwrap(), vec![dp, tmp]);
        assert_eq!(d.list_storage_pools(pf::INACTIVE).await.unwrap(), vec![lab]);
        assert_eq!(d.list_storage_pools(pf::PERSISTENT).await.unwrap(), vec![dp, lab]);
        assert_eq!(d.list_storage_pools(pf::TRANSIENT).await.unwrap(), vec![tmp]);
        assert_eq!(d.list_storage_pools(pf::AUTOSTART).await.unwrap(), vec![lab]);
        assert_eq!(d.list_storage_pools(pf::NO_AUTOSTART).await.unwrap(), vec![dp, tmp]);
        assert_eq!(d.list_storage_pools(1 << 9).await.unwrap(), vec![tmp], "LOGICAL");
        assert_eq!(d.list_storage_pools(1 << 6).await.unwrap(), vec![dp, lab], "DIR");
        assert_eq!(
            d.list_storage_pools(pf::ACTIVE | (1 << 6)).await.unwrap(),
            vec![dp]
        );
        assert_eq!(
            err(d.list_storage_pools(1 << 20).await),
            "unsupported flags (0x100000) in function testConnectListAllStoragePools"
        );
    })
    .await;
}

#[tokio::test]
async fn volumes_are_created_looked_up_and_deleted() {
    within(async {
        let (d, mut rx) = driver();
        let p = DEFAULT_POOL_UUID;
        let key = d
            .storage_vol_create_xml(&p, &vol_xml("disk.qcow2", 20, 2), 0)
            .await
            .unwrap();
        assert_eq!(key, "/default-pool/disk.qcow2");
        assert_eq!(drain(&mut rx), vec![Event::Added(vol(&key))]);
        assert_eq!(
            d.storage_pool_list_volumes(&p, 0).await.unwrap(),
            vec![key.clone()]
        );
        assert_eq!(
            d.storage_vol_lookup_by_name(&p, "disk.qcow2")
                .await
                .unwrap(),
            key
        );
        assert_eq!(d.storage_vol_lookup_by_key(&key).await.unwrap(), key);
        assert_eq!(d.storage_vol_lookup_by_path(&key).await.unwrap(), key);
        assert_eq!(d.storage_pool_lookup_by_volume(&key).unwrap(), p);
        let s = d.storage_vol_summary(&key).await.unwrap();
        assert_eq!(
            (s.name.as_str(), s.path.as_str()),
            ("disk.qcow2", key.as_str())
        );
        let info = d.storage_vol_info(&key, 0).await.unwrap();
        assert_eq!(
            (info.kind, info.capacity, info.allocation),
            (0, 20 * GIB, 2 * GIB)
        );
        let pi = d.storage_pool_info(&p).await.unwrap();
        assert_eq!((pi.allocation, pi.available), (2 * GIB, CAP - 2 * GIB));
        assert_eq!(
            d.storage_vol_xml_desc(&key, 0).await.unwrap(),
            "<volume type='file'>
  <name>disk.qcow2</name>
  <key>/default-pool/disk.qcow2</key>
  <capacity unit='bytes'>21474836480</capacity>
  <allocation unit='bytes'>2147483648</allocation>
  <target>
    <path>/default-pool/disk.qcow2</path>
    <format type='qcow2'/>
  </target>
</volume>
"
        );
        assert_eq!(
            err(d
                .storage_vol_create_xml(&p, &vol_xml("disk.qcow2", 1, 1), 0)
                .await),
            "operation failed: storage vol already exists"
        );
        assert_eq!(
            err(d.storage_vol_create_xml(&p, &vol_xml("v", 1, 1), 1).await),
            "unsupported flags (0x1) in function testStorageVolCreateXML"
        );
        assert_eq!(
            err(d
                .storage_vol_create_xml(&p, "<volume><name>v</name></volume>", 0)
                .await),
            "XML error: missing capacity element"
        );

        d.storage_vol_delete(&key, 0).await.unwrap();
        assert_eq!(drain(&mut rx), vec![Event::Removed(vol(&key))]);
        assert_eq!(
            err(d.storage_vol_delete(&key, 0).await),
            "Storage volume not found: no storage vol with matching key '/default-pool/disk.qcow2'"
        );
        let pi = d.storage_pool_info(&p).await.unwrap();
        assert_eq!((pi.allocation, pi.available), (0, CAP));
    })
    .await;
}

#[tokio::test]
async fn a_volume_larger_than_the_free_space_is_refused() {
    within(async {
        let (d, mut rx) = driver();
        let p = DEFAULT_POOL_UUID;
        // Sparse: a large capacity with a small allocation fits.
        d.storage_vol_create_xml(&p, &vol_xml("sparse", 500, 0), 0)
            .await
            .unwrap();
        d.storage_vol_create_xml(&p, &vol_xml("big", 60, 60), 0)
            .await
            .unwrap();
        drain(&mut rx);
        assert_eq!(
            err(d
                .storage_vol_create_xml(&p, &vol_xml("huge", 41, 41), 0)
                .await),
            "internal error: Not enough free space in pool for volume 'huge'"
        );
        // Without <allocation> the whole capacity is allocated.
        assert_eq!(
            err(d
                .storage_vol_create_xml(
                    &p,
                    "<volume><name>full</name><capacity unit='G'>41</capacity></volume>",
                    0
                )
                .await),
            "internal error: Not enough free space in pool for volume 'full'"
        );
        d.storage_vol_create_xml(&p, &vol_xml("rest", 40, 40), 0)
            .await
            .unwrap();
        assert_eq!(d.storage_pool_info(&p).await.unwrap().available, 0);
        assert!(drain(&mut rx).len() == 1);
    })
    .await;
}

#[tokio::test]
async fn volumes_cloned_from_another() {
    within(async {
        let (d, mut rx) = driver();
        let p = DEFAULT_POOL_UUID;
        let base = d
            .storage_vol_create_xml(&p, &vol_xml("base", 10, 1), 0)
            .await
            .unwrap();
        drain(&mut rx);
        let copy = d
            .storage_vol_create_xml_from(&p, &vol_xml("copy", 10, 3), &base, 0)
            .await
            .unwrap();
        assert_eq!(copy, "/default-pool/copy");
        assert_eq!(drain(&mut rx), vec![Event::Added(vol(&copy))]);
        assert_eq!(d.storage_pool_info(&p).await.unwrap().allocation, 4 * GIB);
        assert_eq!(
            err(d
                .storage_vol_create_xml_from(&p, &vol_xml("c2", 1, 1), "/default-pool/gone", 0)
                .await),
            "Storage volume not found: no storage vol with matching key '/default-pool/gone'"
        );
        assert_eq!(
            err(d
                .storage_vol_create_xml_from(&p, &vol_xml("copy", 1, 1), &base, 0)
                .await),
            "operation failed: storage vol already exists"
        );
        // The test driver looks the source volume up by name in the target pool.
        let (d2, _rx2, lab) = with_lab().await;
        d2.storage_pool_create(&lab, 0).await.unwrap();
        let b2 = d2
            .storage_vol_create_xml(&DEFAULT_POOL_UUID, &vol_xml("base", 1, 1), 0)
            .await
            .unwrap();
        assert_eq!(
            err(d2
                .storage_vol_create_xml_from(&lab, &vol_xml("c", 1, 1), &b2, 0)
                .await),
            "Storage volume not found: no storage vol with matching name 'base'"
        );
    })
    .await;
}

#[tokio::test]
async fn volumes_follow_their_pool_in_and_out() {
    within(async {
        let (d, mut rx, u) = with_lab().await;
        assert_eq!(
            err(d.storage_vol_create_xml(&u, &vol_xml("v", 1, 1), 0).await),
            "Requested operation is not valid: storage pool 'lab' is not active"
        );
        d.storage_pool_create(&u, 0).await.unwrap();
        let key = d
            .storage_vol_create_xml(&u, &vol_xml("v", 1, 1), 0)
            .await
            .unwrap();
        assert_eq!(key, "/lab/v");
        drain(&mut rx);
        d.storage_pool_destroy(&u).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![
                Event::Removed(vol(&key)),
                ev(u, lc::STOPPED),
                Event::PropertiesMayHaveChanged(pool(u))
            ]
        );
        assert_eq!(
            err(d.storage_vol_lookup_by_key(&key).await),
            "Storage volume not found: no storage vol with matching key '/lab/v'"
        );
        assert_eq!(
            err(d.storage_vol_lookup_by_name(&u, "v").await),
            "Requested operation is not valid: storage pool 'lab' is not active"
        );
        d.storage_pool_create(&u, 0).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            vec![
                Event::PropertiesMayHaveChanged(pool(u)),
                Event::Added(vol(&key)),
                ev(u, lc::STARTED)
            ]
        );
        assert_eq!(d.storage_vol_lookup_by_name(&u, "v").await.unwrap(), key);
        assert_eq!(d.storage_pool_info(&u).await.unwrap().allocation, GIB);
    })
    .await;
}

#[tokio::test]
async fn volume_types_follow_the_pool_type() {
    within(async {
        let (d, _rx) = driver();
        let vg = d
            .storage_pool_create_xml(
                "<pool type='logical'><name>vg</name><source><device path='/dev/sdb'/></source></pool>",
                0,
            )
            .await
            .unwrap();
        let key = d
            .storage_vol_create_xml(&vg, "<volume><name>lv</name><capacity>1024</capacity></volume>", 0)
            .await
            .unwrap();
        assert_eq!(key, "/dev/vg/lv");
        assert_eq!(d.storage_vol_info(&key, 0).await.unwrap().kind, 1, "block");
        assert!(!d.storage_vol_xml_desc(&key, 0).await.unwrap().contains("<format"));
    })
    .await;
}

#[tokio::test]
async fn resize_and_wipe_are_not_in_the_test_driver() {
    within(async {
        let (d, _rx) = driver();
        let key = d
            .storage_vol_create_xml(&DEFAULT_POOL_UUID, &vol_xml("v", 1, 1), 0)
            .await
            .unwrap();
        assert_eq!(
            err(d.storage_vol_resize(&key, 2 * GIB, 0).await),
            "this function is not supported by the connection driver: virStorageVolResize"
        );
        assert_eq!(
            err(d.storage_vol_wipe(&key, 0, 0).await),
            "this function is not supported by the connection driver: virStorageVolWipePattern"
        );
    })
    .await;
}

#[tokio::test]
async fn find_storage_pool_sources() {
    within(async {
        let (d, _rx) = driver();
        let logical = d.find_storage_pool_sources("logical", "", 0).await.unwrap();
        assert!(logical.contains("<name>testvg1</name>") && logical.contains("/dev/sda21"));
        assert_eq!(
            d.find_storage_pool_sources("netfs", "<source><host name='nas'/></source>", 0)
                .await
                .unwrap(),
            "<sources>
  <source>
    <host name='nas'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
"
        );
        assert_eq!(
            err(d.find_storage_pool_sources("netfs", "", 0).await),
            "invalid argument: hostname must be specified for netfs sources"
        );
        assert_eq!(
            err(d.find_storage_pool_sources("iscsi", "", 0).await),
            "this function is not supported by the connection driver: pool type 'iscsi' does not support source discovery"
        );
        assert_eq!(
            err(d.find_storage_pool_sources("dir", "", 0).await),
            "internal error: unknown storage pool type dir"
        );
        assert_eq!(
            err(d.find_storage_pool_sources("logical", "", 1).await),
            "unsupported flags (0x1) in function testConnectFindStoragePoolSources"
        );
    })
    .await;
}

#[tokio::test]
async fn xml_desc_flags_and_undefined_pools() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            err(d.storage_pool_xml_desc(&DEFAULT_POOL_UUID, 1).await),
            "unsupported flags (0x1) in function testStoragePoolGetXMLDesc"
        );
        assert_eq!(
            err(d.storage_pool_build(&DEFAULT_POOL_UUID, 1).await),
            "unsupported flags (0x1) in function testStoragePoolBuild"
        );
    })
    .await;
}

#[tokio::test]
async fn source_conflicts_cross_device_pool_types() {
    within(async {
        let (d, _rx) = driver();
        d.storage_pool_define_xml(
            "<pool type='logical'><name>vg</name><uuid>0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a30</uuid><source><device path='/dev/sdb'/></source></pool>",
            0,
        )
        .await
        .unwrap();
        assert_eq!(
            err(d
                .storage_pool_define_xml(
                    "<pool type='fs'><name>fs</name><source><device path='/dev/sdb'/></source>\
                     <target><path>/mnt</path></target></pool>",
                    0
                )
                .await),
            "operation failed: Storage source conflict with pool: 'vg'"
        );
        // The same name is a redefinition, never a conflict with itself.
        d.storage_pool_define_xml(
            "<pool type='logical'><name>vg</name><uuid>0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a30</uuid><source><device path='/dev/sdb'/></source></pool>",
            0,
        )
        .await
        .unwrap();
        // Only one mpath pool per host.
        d.storage_pool_define_xml(
            "<pool type='mpath'><name>m1</name><target><path>/dev/mapper</path></target></pool>",
            0,
        )
        .await
        .unwrap();
        assert_eq!(
            err(d
                .storage_pool_define_xml(
                    "<pool type='mpath'><name>m2</name><target><path>/dev/mapper</path></target></pool>",
                    0
                )
                .await),
            "operation failed: Storage source conflict with pool: 'm1'"
        );
    })
    .await;
}
