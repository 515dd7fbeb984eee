//! `org.libvirt.Secret` on the test connection: definition with `InterfacesAdded` and
//! `SecretEvent`, properties, values, lookups, object-manager entries, undefinition, and
//! paths that name no secret.

mod common;

use std::collections::HashMap;

use common::{
    call,
    signals::{Sig, SignalLog},
    with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_PATH,
};
use zbus::{OwnedObjectPath, OwnedVariant};

const CONNECT: &str = "org.libvirt.Connect";
const SECRET: &str = "org.libvirt.Secret";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const UUID: &str = "457eb676-33da-42ec-9a8c-9293d545c337";
const PATH: &str = "/org/libvirt/Test/secret/_457eb676_33da_42ec_9a8c_9293d545c337";

/// virSecretEventLifecycleType.
const DEFINED: i32 = 0;
const UNDEFINED: i32 = 1;

type Props = HashMap<String, OwnedVariant>;

const CEPH_XML: &str = "<secret ephemeral='no' private='no'>\
    <uuid>457eb676-33da-42ec-9a8c-9293d545c337</uuid>\
    <usage type='ceph'><name>client.cinder secret</name></usage></secret>";

/// The `o` of a successful reply.
fn path_of(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: OwnedObjectPath = msg.body().deserialize().unwrap();
    path.to_string()
}

async fn get_all(service: &Service, path: &str) -> Props {
    let msg = call(&service.conn, path, PROPS, "GetAll", &(SECRET,))
        .await
        .expect_ok();
    msg.body().deserialize().unwrap()
}

async fn secret_paths(service: &Service, flags: u32) -> Vec<String> {
    let msg = call(&service.conn, TEST_PATH, CONNECT, "ListSecrets", &(flags,))
        .await
        .expect_ok();
    let paths: Vec<OwnedObjectPath> = msg.body().deserialize().unwrap();
    paths.iter().map(|p| p.to_string()).collect()
}

async fn define(service: &Service, xml: &str) -> Reply {
    call(
        &service.conn,
        TEST_PATH,
        CONNECT,
        "SecretDefineXML",
        &(xml, 0u32),
    )
    .await
}

/// Waits for `SecretEvent(path, event, 0)` on the connection object.
async fn expect_secret_event(log: &mut SignalLog, path: &str, event: i32) -> Sig {
    log.expect(&format!("SecretEvent({path}, {event})"), |s| {
        s.is(TEST_PATH, CONNECT, "SecretEvent")
            && s.args::<(OwnedObjectPath, i32, i32)>() == (path.try_into().unwrap(), event, 0)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_is_defined_used_and_undefined() {
    with_timeout(async {
        let service = Service::start().await;
        assert!(secret_paths(&service, 0).await.is_empty(), "none seeded");
        let mut log = SignalLog::subscribe(&service.conn).await;

        assert_eq!(path_of(define(&service, CEPH_XML).await), PATH);
        let added = log
            .expect("InterfacesAdded(secret)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>().0.as_str() == PATH
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = added.args();
        assert_eq!(common::v_str(&ifaces[SECRET]["UsageID"]), "client.cinder secret");
        expect_secret_event(&mut log, PATH, DEFINED).await;

        let props = get_all(&service, PATH).await;
        assert_eq!(common::v_str(&props["UUID"]), UUID);
        assert_eq!(common::v_str(&props["UsageID"]), "client.cinder secret");
        assert_eq!(common::v_i32(&props["UsageType"]), 2);
        assert_eq!(props.len(), 3);
        assert_eq!(secret_paths(&service, 0).await, [PATH]);
        // VIR_CONNECT_LIST_SECRETS_EPHEMERAL.
        assert!(secret_paths(&service, 1).await.is_empty());

        let by_uuid = call(&service.conn, TEST_PATH, CONNECT, "SecretLookupByUUID", &(UUID,)).await;
        assert_eq!(path_of(by_uuid), PATH);
        let by_usage = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "SecretLookupByUsage",
            &(2i32, "client.cinder secret"),
        )
        .await;
        assert_eq!(path_of(by_usage), PATH);
        let none = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "SecretLookupByUsage",
            &(1i32, "/nope.img"),
        )
        .await;
        assert_eq!(
            none.expect_err(),
            (LIBVIRT_ERROR, "Secret not found: no secret with matching usage '/nope.img'")
        );

        let unset = call(&service.conn, PATH, SECRET, "GetValue", &(0u32,)).await;
        assert_eq!(
            unset.expect_err(),
            (
                LIBVIRT_ERROR,
                &*format!("Secret not found: secret '{UUID}' does not have a value")
            )
        );
        let value: Vec<u8> = b"AQBzZ2\x00Vi".to_vec();
        call(&service.conn, PATH, SECRET, "SetValue", &(value.clone(), 0u32))
            .await
            .expect_ok();
        let got = call(&service.conn, PATH, SECRET, "GetValue", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(got.body().deserialize::<Vec<u8>>().unwrap(), value);
        let too_big = call(&service.conn, PATH, SECRET, "SetValue", &(vec![1u8; 65537], 0u32)).await;
        let (name, text) = too_big.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(text.contains("65536"), "{text}");

        let xml = call(&service.conn, PATH, SECRET, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(
            xml.body().deserialize::<String>().unwrap(),
            format!(
                "<secret ephemeral='no' private='no'>\n  <uuid>{UUID}</uuid>\n  <usage type='ceph'>\n    <name>client.cinder secret</name>\n  </usage>\n</secret>\n"
            )
        );

        let msg = call(&service.conn, TEST_PATH, OM, "GetManagedObjects", &())
            .await
            .expect_ok();
        let managed: HashMap<OwnedObjectPath, HashMap<String, Props>> =
            msg.body().deserialize().unwrap();
        let entry = &managed[&OwnedObjectPath::try_from(PATH).unwrap()];
        assert_eq!(common::v_i32(&entry[SECRET]["UsageType"]), 2);

        call(&service.conn, PATH, SECRET, "Undefine", &())
            .await
            .expect_ok();
        expect_secret_event(&mut log, PATH, UNDEFINED).await;
        log.expect("InterfacesRemoved(secret)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>()
                    == (PATH.try_into().unwrap(), vec![SECRET.to_owned()])
        })
        .await;
        assert!(secret_paths(&service, 0).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn private_values_and_taken_usages_are_refused() {
    with_timeout(async {
        let service = Service::start().await;
        let private = "<secret private='yes'><uuid>c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01</uuid>\
            <usage type='volume'><volume>/var/lib/libvirt/images/a.luks</volume></usage></secret>";
        let path = path_of(define(&service, private).await);
        call(&service.conn, &path, SECRET, "SetValue", &(b"hunter2".to_vec(), 0u32))
            .await
            .expect_ok();
        let r = call(&service.conn, &path, SECRET, "GetValue", &(0u32,)).await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid secret: secret is private"));
        let props = get_all(&service, &path).await;
        assert_eq!(common::v_i32(&props["UsageType"]), 1);
        assert_eq!(common::v_str(&props["UsageID"]), "/var/lib/libvirt/images/a.luks");

        let taken = private.replace("c8a0e1b2", "d8a0e1b2");
        let r = define(&service, &taken).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "internal error: a secret with UUID c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01 already defined for use with /var/lib/libvirt/images/a.luks"
            )
        );
        let r = define(&service, "<secret><usage type='x'/></secret>").await;
        assert_eq!(
            r.expect_err(),
            (LIBVIRT_ERROR, "unsupported configuration: unknown secret usage type x")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_that_name_no_secret_answer_as_libvirt_dbus() {
    with_timeout(async {
        let service = Service::start().await;
        let missing = "/org/libvirt/Test/secret/_00000000_0000_0000_0000_000000000000";
        let r = call(&service.conn, missing, SECRET, "GetXMLDesc", &(0u32,)).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Secret not found: no secret with matching uuid '00000000-0000-0000-0000-000000000000'"
            )
        );
        let r = call(&service.conn, "/org/libvirt/Test/secret/abc", SECRET, "Undefine", &()).await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid UUID"));
        let r = call(&service.conn, TEST_PATH, CONNECT, "SecretLookupByUUID", &("nope",)).await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid UUID"));
        let all = get_all(&service, missing).await;
        assert!(all.is_empty(), "{all:?}");
    })
    .await;
}
