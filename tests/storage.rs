//! `org.libvirt.StoragePool` and `org.libvirt.StorageVol` on the test connection: the default
//! pool, volumes made, found and deleted through it, a pool's lifecycle with its
//! `StoragePoolEvent`s and `Refresh`, object-manager entries, and paths that name nothing.

mod common;

use std::collections::HashMap;

use common::{
    call,
    signals::{Sig, SignalLog},
    with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_PATH,
};
use zbus::{OwnedObjectPath, OwnedVariant};

const CONNECT: &str = "org.libvirt.Connect";
const POOL: &str = "org.libvirt.StoragePool";
const VOL: &str = "org.libvirt.StorageVol";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const DEFAULT_POOL: &str = "/org/libvirt/Test/storagepool/_dfe224cb_28fb_8dd0_c4b2_64eb3f0f4566";
const NEW_UUID: &str = "4a3c2e1f-0b9d-4c8e-a7f6-5d4c3b2a1908";
const NEW_POOL: &str = "/org/libvirt/Test/storagepool/_4a3c2e1f_0b9d_4c8e_a7f6_5d4c3b2a1908";

/// virStoragePoolEventLifecycleType.
const DEFINED: i32 = 0;
const UNDEFINED: i32 = 1;
const STARTED: i32 = 2;
const STOPPED: i32 = 3;

type Props = HashMap<String, OwnedVariant>;
type Interfaces = HashMap<String, Props>;

/// The `o` of a successful reply.
fn path_of(reply: Reply) -> String {
    let path: OwnedObjectPath = reply.expect_ok().body().deserialize().unwrap();
    path.to_string()
}

async fn get_all(service: &Service, path: &str, iface: &str) -> Props {
    call(&service.conn, path, PROPS, "GetAll", &(iface,))
        .await
        .expect_ok()
        .body()
        .deserialize()
        .unwrap()
}

async fn volumes(service: &Service, pool: &str) -> Vec<String> {
    let paths: Vec<OwnedObjectPath> =
        call(&service.conn, pool, POOL, "ListStorageVolumes", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
    paths.iter().map(|p| p.to_string()).collect()
}

/// Waits for `StoragePoolEvent(path, event, _)` on the connection object.
async fn expect_pool_event(log: &mut SignalLog, path: &str, event: i32) -> Sig {
    log.expect(&format!("StoragePoolEvent({path}, {event})"), |s| {
        s.is(TEST_PATH, CONNECT, "StoragePoolEvent") && {
            let (p, e, _): (OwnedObjectPath, i32, i32) = s.args();
            p.as_str() == path && e == event
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_pool_is_served_with_its_properties_and_info() {
    with_timeout(async {
        let service = Service::start().await;
        let pools: Vec<OwnedObjectPath> = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "ListStoragePools",
            &(0u32,),
        )
        .await
        .expect_ok()
        .body()
        .deserialize()
        .unwrap();
        assert_eq!(
            pools.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            [DEFAULT_POOL]
        );
        let props = get_all(&service, DEFAULT_POOL, POOL).await;
        assert_eq!(common::v_str(&props["Name"]), "default-pool");
        assert!(common::v_bool(&props["Active"]));
        assert!(common::v_bool(&props["Persistent"]));
        assert!(!common::v_bool(&props["Autostart"]));
        let (info,): ((i32, u64, u64, u64),) =
            call(&service.conn, DEFAULT_POOL, POOL, "GetInfo", &())
                .await
                .expect_ok()
                .body()
                .deserialize()
                .unwrap();
        assert_eq!(info.0, 2, "VIR_STORAGE_POOL_RUNNING");
        assert_eq!(info.1, 107_374_182_400);
        let by_name = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "StoragePoolLookupByName",
            &("default-pool",),
        )
        .await;
        assert_eq!(path_of(by_name), DEFAULT_POOL);
        let missing = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "StoragePoolLookupByName",
            &("nope",),
        )
        .await;
        let (name, text) = missing.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(text.starts_with("Storage pool not found"), "{text}");
        assert!(volumes(&service, DEFAULT_POOL).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn volumes_are_made_found_and_deleted_through_their_pool() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = "<volume><name>disk1.qcow2</name><capacity unit='G'>1</capacity>\
                   <target><format type='qcow2'/></target></volume>";
        let vol = path_of(
            call(
                &service.conn,
                DEFAULT_POOL,
                POOL,
                "StorageVolCreateXML",
                &(xml, 0u32),
            )
            .await,
        );
        assert!(vol.starts_with("/org/libvirt/Test/storagevol/"), "{vol}");
        let sig = log
            .expect("InterfacesAdded(volume)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, Interfaces)>().0.as_str() == vol
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, Interfaces) = sig.args();
        assert_eq!(common::v_str(&ifaces[VOL]["Name"]), "disk1.qcow2");

        let props = get_all(&service, &vol, VOL).await;
        assert_eq!(common::v_str(&props["Name"]), "disk1.qcow2");
        let key = common::v_str(&props["Key"]);
        let path = common::v_str(&props["Path"]);
        assert!(path.ends_with("disk1.qcow2"), "{path}");
        assert_eq!(volumes(&service, DEFAULT_POOL).await, [vol.as_str()]);
        let by_name = call(
            &service.conn,
            DEFAULT_POOL,
            POOL,
            "StorageVolLookupByName",
            &("disk1.qcow2",),
        )
        .await;
        assert_eq!(path_of(by_name), vol);
        let by_key = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "StorageVolLookupByKey",
            &(key.as_str(),),
        )
        .await;
        assert_eq!(path_of(by_key), vol);
        let by_path = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "StorageVolLookupByPath",
            &(path.as_str(),),
        )
        .await;
        assert_eq!(path_of(by_path), vol);
        let xml: String = call(&service.conn, &vol, VOL, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(xml.contains("<name>disk1.qcow2</name>"), "{xml}");
        let (info,): ((i32, u64, u64),) = call(&service.conn, &vol, VOL, "GetInfo", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert_eq!(info.1, 1 << 30, "capacity");

        call(&service.conn, &vol, VOL, "Delete", &(0u32,))
            .await
            .expect_ok();
        log.expect("InterfacesRemoved(volume)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>()
                    == (vol.as_str().try_into().unwrap(), vec![VOL.to_owned()])
        })
        .await;
        assert!(volumes(&service, DEFAULT_POOL).await.is_empty());
        let gone = call(&service.conn, &vol, VOL, "GetXMLDesc", &(0u32,)).await;
        let (name, text) = gone.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(text.starts_with("Storage volume not found"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pool_lives_through_define_start_refresh_stop_and_undefine() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = format!(
            "<pool type='dir'><name>images</name><uuid>{NEW_UUID}</uuid>\
             <target><path>/var/lib/images</path></target></pool>"
        );
        let pool = path_of(
            call(
                &service.conn,
                TEST_PATH,
                CONNECT,
                "StoragePoolDefineXML",
                &(xml, 0u32),
            )
            .await,
        );
        assert_eq!(pool, NEW_POOL);
        log.expect("InterfacesAdded(pool)", |s| {
            s.is(TEST_PATH, OM, "InterfacesAdded")
                && s.args::<(OwnedObjectPath, Interfaces)>().0.as_str() == NEW_POOL
        })
        .await;
        expect_pool_event(&mut log, NEW_POOL, DEFINED).await;

        call(&service.conn, NEW_POOL, POOL, "Create", &(0u32,))
            .await
            .expect_ok();
        // The event and the property change it brings, in either order.
        let started = log.collect_for(std::time::Duration::from_millis(500)).await;
        assert!(
            started
                .iter()
                .any(|s| s.is(TEST_PATH, CONNECT, "StoragePoolEvent")
                    && s.args::<(OwnedObjectPath, i32, i32)>().1 == STARTED),
            "{started:?}"
        );
        let active = started.iter().find_map(|s| {
            s.is(NEW_POOL, PROPS, "PropertiesChanged")
                .then(|| s.args::<(String, Props, Vec<String>)>().1)
        });
        assert!(
            active.is_some_and(|changed| common::v_bool(&changed["Active"])),
            "{started:?}"
        );

        call(&service.conn, NEW_POOL, POOL, "Refresh", &(0u32,))
            .await
            .expect_ok();
        log.expect("Refresh", |s| s.is(NEW_POOL, POOL, "Refresh"))
            .await;

        call(&service.conn, NEW_POOL, POOL, "Destroy", &())
            .await
            .expect_ok();
        expect_pool_event(&mut log, NEW_POOL, STOPPED).await;
        call(&service.conn, NEW_POOL, POOL, "Undefine", &())
            .await
            .expect_ok();
        expect_pool_event(&mut log, NEW_POOL, UNDEFINED).await;
        log.expect("InterfacesRemoved(pool)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == NEW_POOL
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_that_name_no_pool_or_volume_are_errors() {
    with_timeout(async {
        let service = Service::start().await;
        let r = call(
            &service.conn,
            "/org/libvirt/Test/storagepool/abc",
            POOL,
            "Destroy",
            &(),
        )
        .await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid UUID"));
        for vol in [
            "/org/libvirt/Test/storagevol/_2fnope",
            "/org/libvirt/Test/storagevol/_zz",
            "/org/libvirt/Test/storagevol/_",
        ] {
            let r = call(&service.conn, vol, VOL, "Delete", &(0u32,)).await;
            let (name, text) = r.expect_err();
            assert_eq!(name, LIBVIRT_ERROR, "{vol}");
            assert!(
                text.starts_with("Storage volume not found"),
                "{vol}: {text}"
            );
        }
        assert!(common::v_bool(
            &get_all(&service, DEFAULT_POOL, POOL).await["Active"]
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pools_are_built_and_deleted_and_volumes_cloned() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = format!(
            "<pool type='dir'><name>lab</name><uuid>{NEW_UUID}</uuid>\
             <target><path>/var/lib/lab</path></target></pool>"
        );
        let pool = path_of(
            call(
                &service.conn,
                TEST_PATH,
                CONNECT,
                "StoragePoolDefineXML",
                &(xml, 0u32),
            )
            .await,
        );
        call(&service.conn, &pool, POOL, "Build", &(0u32,))
            .await
            .expect_ok();
        // VIR_STORAGE_POOL_EVENT_CREATED.
        expect_pool_event(&mut log, &pool, 4).await;
        let def: String = call(&service.conn, &pool, POOL, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(def.contains("<path>/var/lib/lab</path>"), "{def}");
        call(
            &service.conn,
            &pool,
            PROPS,
            "Set",
            &(POOL, "Autostart", zbus::Variant::from(true)),
        )
        .await
        .expect_ok();
        assert!(common::v_bool(
            &get_all(&service, &pool, POOL).await["Autostart"]
        ));
        call(&service.conn, &pool, POOL, "Delete", &(0u32,))
            .await
            .expect_ok();
        // VIR_STORAGE_POOL_EVENT_DELETED.
        expect_pool_event(&mut log, &pool, 5).await;

        // A volume made from another one.
        let base = path_of(
            call(
                &service.conn,
                DEFAULT_POOL,
                POOL,
                "StorageVolCreateXML",
                &(
                    "<volume><name>base.img</name><capacity>1048576</capacity></volume>",
                    0u32,
                ),
            )
            .await,
        );
        let key = common::v_str(&get_all(&service, &base, VOL).await["Key"]);
        let copy = path_of(
            call(
                &service.conn,
                DEFAULT_POOL,
                POOL,
                "StorageVolCreateXMLFrom",
                &(
                    "<volume><name>copy.img</name><capacity>1048576</capacity></volume>",
                    key.as_str(),
                    0u32,
                ),
            )
            .await,
        );
        assert_eq!(
            common::v_str(&get_all(&service, &copy, VOL).await["Name"]),
            "copy.img"
        );
        assert_eq!(volumes(&service, DEFAULT_POOL).await.len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn storage_pool_sources_are_found_as_the_test_driver_finds_them() {
    with_timeout(async {
        let service = Service::start().await;
        let find = |kind: &'static str, spec: &'static str| {
            let conn = service.conn.clone();
            async move {
                call(
                    &conn,
                    TEST_PATH,
                    CONNECT,
                    "FindStoragePoolSources",
                    &(kind, spec, 0u32),
                )
                .await
            }
        };
        let logical: String = find("logical", "")
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(logical.contains("<name>testvg1</name>"), "{logical}");
        let netfs: String = find("netfs", "<source><host name='nas'/></source>")
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(netfs.contains("<host name='nas'/>"), "{netfs}");
        let reply = find("netfs", "").await;
        assert_eq!(
            reply.expect_err(),
            (
                LIBVIRT_ERROR,
                "invalid argument: hostname must be specified for netfs sources"
            )
        );
    })
    .await;
}

/// A LUKS-encrypted qcow2 overlay on a backing file, as virt-manager creates one: the
/// encryption, cluster size and features come back in the volume's XML; a bad cipher is
/// refused with libvirt's text and nothing is created.
#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_qcow2_overlay_keeps_its_target_settings() {
    with_timeout(async {
        let service = Service::start().await;
        let xml = "<volume><name>secure.qcow2</name><capacity unit='MiB'>64</capacity>\
            <allocation>0</allocation><target><format type='qcow2'/>\
            <encryption format='luks'>\
            <secret type='passphrase' uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1'/>\
            <cipher name='aes' size='256' mode='xts' hash='sha256'/>\
            <ivgen name='plain64' hash='sha256'/></encryption>\
            <clusterSize unit='KiB'>128</clusterSize><nocow/>\
            <features><lazy_refcounts/></features></target>\
            <backingStore><path>/default-pool/base.qcow2</path>\
            <format type='qcow2'/></backingStore></volume>";
        let vol = path_of(
            call(
                &service.conn,
                DEFAULT_POOL,
                POOL,
                "StorageVolCreateXML",
                &(xml, 0u32),
            )
            .await,
        );
        let back: String = call(&service.conn, &vol, VOL, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        let expected = "<volume type='file'>
  <name>secure.qcow2</name>
  <key>/default-pool/secure.qcow2</key>
  <capacity unit='bytes'>67108864</capacity>
  <allocation unit='bytes'>0</allocation>
  <target>
    <path>/default-pool/secure.qcow2</path>
    <format type='qcow2'/>
    <encryption format='luks'>
      <secret type='passphrase' uuid='f981c5a4-4d53-47c0-b59e-d7ee36a7a2a1'/>
      <cipher name='aes' size='256' mode='xts' hash='sha256'/>
      <ivgen name='plain64' hash='sha256'/>
    </encryption>
    <compat>1.1</compat>
    <clusterSize unit='B'>131072</clusterSize>
    <features>
      <lazy_refcounts/>
    </features>
  </target>
  <backingStore>
    <path>/default-pool/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>
";
        assert_eq!(back, expected);

        let bad = xml
            .replace("secure.qcow2", "broken.qcow2")
            .replace(" size='256'", "");
        let r = call(
            &service.conn,
            DEFAULT_POOL,
            POOL,
            "StorageVolCreateXML",
            &(bad.as_str(), 0u32),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "XML error: Missing required attribute 'size' in element 'cipher'"
            )
        );
        assert_eq!(volumes(&service, DEFAULT_POOL).await, [vol.as_str()]);
    })
    .await;
}
