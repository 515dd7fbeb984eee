//! `org.libvirt.DomainSnapshot` on the test connection: snapshot objects as the domain's
//! snapshot methods return them, their parents and children, revert and delete, their
//! object-manager entries, and paths that name no snapshot (libvirt-dbus crashes on a short
//! one).

mod common;

use std::collections::HashMap;

use common::{
    call, signals::SignalLog, with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_DOMAIN_PATH,
    TEST_PATH,
};
use zbus::{OwnedObjectPath, OwnedVariant};

const DOMAIN: &str = "org.libvirt.Domain";
const SNAPSHOT: &str = "org.libvirt.DomainSnapshot";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const PREFIX: &str = "/org/libvirt/Test/domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f_";
/// VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN.
const DELETE_CHILDREN: u32 = 1;

type Managed = HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>>;

/// The `o` of a successful reply.
fn path_of(reply: Reply) -> String {
    let path: OwnedObjectPath = reply.expect_ok().body().deserialize().unwrap();
    path.to_string()
}

async fn create(service: &Service, name: &str) -> String {
    let xml = format!("<domainsnapshot><name>{name}</name></domainsnapshot>");
    path_of(
        call(
            &service.conn,
            TEST_DOMAIN_PATH,
            DOMAIN,
            "SnapshotCreateXML",
            &(xml, 0u32),
        )
        .await,
    )
}

async fn managed(service: &Service) -> Managed {
    let msg = call(&service.conn, TEST_PATH, OM, "GetManagedObjects", &())
        .await
        .expect_ok();
    msg.body().deserialize().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_are_objects_with_parents_and_children() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let s1 = create(&service, "s1").await;
        let s2 = create(&service, "second one").await;
        assert_eq!(s1, format!("{PREFIX}s1"));
        assert_eq!(s2, format!("{PREFIX}second_20one"));
        for path in [&s1, &s2] {
            let sig = log
                .expect("InterfacesAdded(snapshot)", |s| {
                    s.is(TEST_PATH, OM, "InterfacesAdded")
                        && s.args::<(
                            OwnedObjectPath,
                            HashMap<String, HashMap<String, OwnedVariant>>,
                        )>()
                        .0
                        .as_str()
                            == path
                })
                .await;
            let (_, ifaces): (
                OwnedObjectPath,
                HashMap<String, HashMap<String, OwnedVariant>>,
            ) = sig.args();
            assert!(ifaces[SNAPSHOT].is_empty(), "no properties: {ifaces:?}");
        }

        let xml: String = call(&service.conn, &s2, SNAPSHOT, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(xml.contains("<name>second one</name>"), "{xml}");
        let current = |path: String| {
            let conn = service.conn.clone();
            async move {
                call(&conn, &path, SNAPSHOT, "IsCurrent", &(0u32,))
                    .await
                    .expect_ok()
                    .body()
                    .deserialize::<bool>()
                    .unwrap()
            }
        };
        assert!(current(s2.clone()).await);
        assert!(!current(s1.clone()).await);
        assert_eq!(
            path_of(call(&service.conn, &s2, SNAPSHOT, "GetParent", &(0u32,)).await),
            s1
        );
        let children: Vec<OwnedObjectPath> =
            call(&service.conn, &s1, SNAPSHOT, "ListChildren", &(0u32,))
                .await
                .expect_ok()
                .body()
                .deserialize()
                .unwrap();
        assert_eq!(
            children.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            [s2.as_str()]
        );
        let reply = call(&service.conn, &s1, SNAPSHOT, "GetParent", &(0u32,)).await;
        let (name, text) = reply.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert_eq!(
            text,
            "Domain snapshot not found: snapshot 's1' does not have a parent"
        );

        let objects = managed(&service).await;
        for path in [&s1, &s2] {
            let key = OwnedObjectPath::try_from(path.as_str()).unwrap();
            assert!(objects[&key].contains_key(SNAPSHOT), "{path} managed");
        }

        call(&service.conn, &s1, SNAPSHOT, "Revert", &(0u32,))
            .await
            .expect_ok();
        assert!(current(s1.clone()).await);

        // Deleting s1 with its children removes both objects.
        call(&service.conn, &s1, SNAPSHOT, "Delete", &(DELETE_CHILDREN,))
            .await
            .expect_ok();
        for path in [&s1, &s2] {
            log.expect("InterfacesRemoved(snapshot)", |s| {
                s.is(TEST_PATH, OM, "InterfacesRemoved")
                    && s.args::<(OwnedObjectPath, Vec<String>)>()
                        == (path.as_str().try_into().unwrap(), vec![SNAPSHOT.to_owned()])
            })
            .await;
        }
        let objects = managed(&service).await;
        assert!(
            objects.values().all(|i| !i.contains_key(SNAPSHOT)),
            "{objects:?}"
        );
        let reply = call(&service.conn, &s2, SNAPSHOT, "GetXMLDesc", &(0u32,)).await;
        let (_, text) = reply.expect_err();
        assert!(text.starts_with("Domain snapshot not found"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_that_name_no_snapshot_are_errors() {
    with_timeout(async {
        let mut service = Service::start().await;
        for path in [
            "/org/libvirt/Test/domainsnapshot/x",
            "/org/libvirt/Test/domainsnapshot/_6695eb01",
            "/org/libvirt/Test/domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f",
            "/org/libvirt/Test/domainsnapshot/_zzzzzzzz_zzzz_zzzz_zzzz_zzzzzzzzzzzz_s",
        ] {
            let reply = call(&service.conn, path, SNAPSHOT, "GetXMLDesc", &(0u32,)).await;
            assert_eq!(
                reply.expect_err(),
                (LIBVIRT_ERROR, "Invalid UUID"),
                "{path}"
            );
        }
        let missing = format!("{PREFIX}nope");
        let reply = call(&service.conn, &missing, SNAPSHOT, "Revert", &(0u32,)).await;
        let (name, text) = reply.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(text.starts_with("Domain snapshot not found"), "{text}");
        let no_domain = "/org/libvirt/Test/domainsnapshot/_00000000_0000_0000_0000_000000000000_s";
        let reply = call(&service.conn, no_domain, SNAPSHOT, "Delete", &(0u32,)).await;
        let (_, text) = reply.expect_err();
        assert!(text.starts_with("Domain not found"), "{text}");
        assert!(service.is_alive(), "still running");
    })
    .await;
}
