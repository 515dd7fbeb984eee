//! Signals: lifecycle `DomainEvent(o, i, i)` on `/org/libvirt/Test` with libvirt's event and
//! detail codes, per-domain `MetadataChange`, and delivery from service start.
//!
//! Codes as libvirt 9.0's test driver produces them through libvirt-dbus 1.4.1.

mod common;

use std::time::Duration;

use common::{
    domain_xml_uuid, signals::SignalLog, with_timeout, DomainProxy, Service, TEST_DOMAIN_PATH,
    TEST_PATH,
};
use zbus::{message::Type as MsgType, MatchRule};

// Event types.
const DEFINED: i32 = 0;
const UNDEFINED: i32 = 1;
const STARTED: i32 = 2;
const SUSPENDED: i32 = 3;
const RESUMED: i32 = 4;
const STOPPED: i32 = 5;

const FOO_UUID: &str = "11111111-2222-3333-4444-555555555555";

/// How long to listen for signals that must NOT come.
const QUIET: Duration = Duration::from_millis(300);

/// The lifecycle events seen so far for `path`, as `(event, detail)`.
fn events_for(log: &SignalLog, path: &str) -> Vec<(i32, i32)> {
    log.domain_events()
        .into_iter()
        .filter(|(p, _, _)| p == path)
        .map(|(_, e, d)| (e, d))
        .collect()
}

/// Subscribes, then defines "foo"; returns the log, the path and the proxy.
async fn subscribed_with_foo(service: &Service) -> (SignalLog, String, DomainProxy<'static>) {
    let log = SignalLog::subscribe(&service.conn).await;
    let (path, vm) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
    (log, path, vm)
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_events_carry_libvirt_codes() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let (mut log, path, vm) = subscribed_with_foo(&service).await;
        let sig = log.expect_domain_event(&path, DEFINED, 0).await;
        assert_eq!(common::body_signature(&sig.msg), "oii");
        assert_eq!(sig.path, TEST_PATH);

        vm.create(0).await.unwrap();
        log.expect_domain_event(&path, STARTED, 0).await;
        vm.suspend().await.unwrap();
        log.expect_domain_event(&path, SUSPENDED, 0).await;
        vm.resume().await.unwrap();
        log.expect_domain_event(&path, RESUMED, 0).await;
        vm.shutdown(0).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 0).await;

        vm.create(0).await.unwrap();
        log.expect_domain_event(&path, STARTED, 0).await;
        vm.destroy(0).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 1).await;

        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("foo.img");
        let image = image.to_str().unwrap();
        vm.create(0).await.unwrap();
        log.expect_domain_event(&path, STARTED, 0).await;
        vm.save(image, "", 0).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 4).await;
        connect.domain_restore(image, "", 0).await.unwrap();
        log.expect_domain_event(&path, STARTED, 2).await;

        vm.managed_save(0).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 4).await;
        vm.create(0).await.unwrap();
        log.expect_domain_event(&path, STARTED, 0).await;

        let core = dir.path().join("core");
        vm.core_dump(core.to_str().unwrap(), 0, 1).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 2).await;

        // Redefinition of an existing domain: DEFINED/UPDATED.
        common::define(
            &service.conn,
            &format!(
                "<domain type='test'><name>foo</name><uuid>{FOO_UUID}</uuid>\
                 <memory>2097152</memory><os><type>hvm</type></os></domain>"
            ),
        )
        .await;
        log.expect_domain_event(&path, DEFINED, 1).await;

        // Rename: UNDEFINED/RENAMED then DEFINED/RENAMED, both on the same path.
        vm.rename("bar", 0).await.unwrap();
        log.expect_domain_event(&path, UNDEFINED, 1).await;
        log.expect_domain_event(&path, DEFINED, 2).await;

        vm.undefine(0).await.unwrap();
        log.expect_domain_event(&path, UNDEFINED, 0).await;
        log.collect_for(QUIET).await;

        // Exactly these, in this order, nothing twice.
        assert_eq!(
            events_for(&log, &path),
            [
                (DEFINED, 0),
                (STARTED, 0),
                (SUSPENDED, 0),
                (RESUMED, 0),
                (STOPPED, 0),
                (STARTED, 0),
                (STOPPED, 1),
                (STARTED, 0),
                (STOPPED, 4),
                (STARTED, 2),
                (STOPPED, 4),
                (STARTED, 0),
                (STOPPED, 2),
                (DEFINED, 1),
                (UNDEFINED, 1),
                (DEFINED, 2),
                (UNDEFINED, 0),
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_domain_events() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let uuid = "11111111-2222-3333-4444-666666666666";
        let (path, tr) =
            common::create_transient(&service.conn, &domain_xml_uuid("tr", uuid)).await;
        log.expect_domain_event(&path, STARTED, 0).await;
        tr.destroy(0).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 1).await;
        log.collect_for(QUIET).await;
        // No DEFINED or UNDEFINED for a transient domain.
        assert_eq!(events_for(&log, &path), [(STARTED, 0), (STOPPED, 1)]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_calls_and_reboots_emit_no_lifecycle_event() {
    with_timeout(async {
        let service = Service::start().await;
        let (mut log, path, vm) = subscribed_with_foo(&service).await;
        log.expect_domain_event(&path, DEFINED, 0).await;
        assert!(vm.suspend().await.is_err());
        assert!(vm.destroy(0).await.is_err());
        assert!(vm.resume().await.is_err());
        assert!(vm.undefine(0x8000_0000).await.is_err());
        let connect = service.connect_proxy().await;
        assert!(connect
            .domain_define_xml("<domain type='test'><name>bad</name></domain>")
            .await
            .is_err());
        // on_reboot=restart (the default): reboot and reset keep it running, no event.
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        test.reboot(0).await.unwrap();
        test.reset(0).await.unwrap();
        log.collect_for(QUIET).await;
        assert_eq!(log.domain_events().len(), 1, "{:?}", log.domain_events());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_reboot_and_on_poweroff_decide_the_event() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, rb) = common::define(
            &service.conn,
            &format!(
                "<domain type='test'><name>rb</name><uuid>{FOO_UUID}</uuid>\
                 <memory>1048576</memory><os><type>hvm</type></os>\
                 <on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot></domain>"
            ),
        )
        .await;
        rb.create(0).await.unwrap();
        log.expect_domain_event(&path, STARTED, 0).await;
        // on_poweroff=restart: shutdown restarts it, silently.
        rb.shutdown(0).await.unwrap();
        assert_eq!(common::state(&rb).await, (1, 1));
        // on_reboot=destroy: reboot stops it with STOPPED/SHUTDOWN.
        rb.reboot(0).await.unwrap();
        log.expect_domain_event(&path, STOPPED, 0).await;
        assert_eq!(common::state(&rb).await, (5, 1));
        log.collect_for(QUIET).await;
        assert_eq!(
            events_for(&log, &path),
            [(DEFINED, 0), (STARTED, 0), (STOPPED, 0)]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_change_is_signalled_on_the_domain() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let is_metadata = |s: &common::signals::Sig| {
            s.is(TEST_DOMAIN_PATH, "org.libvirt.Domain", "MetadataChange")
        };

        test.set_metadata(2, "<a/>", "k", "http://example.org/", 0)
            .await
            .unwrap();
        let sig = log.expect("MetadataChange(2, uri)", is_metadata).await;
        assert_eq!(common::body_signature(&sig.msg), "is");
        let (kind, uri): (i32, String) = sig.args();
        assert_eq!((kind, uri.as_str()), (2, "http://example.org/"));

        test.set_metadata(1, "a title", "", "", 0).await.unwrap();
        let sig = log.expect("MetadataChange(1, ..)", is_metadata).await;
        let (kind, uri): (i32, String) = sig.args();
        assert_eq!(kind, 1);
        if !common::targets_libvirt_dbus() {
            // libvirt-dbus sends garbage here (NULL nsuri); we send "".
            assert_eq!(uri, "");
        }

        test.set_metadata(0, "a description", "", "", 0)
            .await
            .unwrap();
        let sig = log.expect("MetadataChange(0, ..)", is_metadata).await;
        assert_eq!(sig.args::<(i32, String)>().0, 0);

        // A refused change signals nothing.
        assert!(test.set_metadata(3, "x", "", "", 0).await.is_err());
        let late = log.next_where(is_metadata, QUIET).await;
        assert!(late.is_none(), "unexpected {late:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_flow_from_start_to_listeners_that_never_called() {
    with_timeout(async {
        let service = Service::start().await;
        // Listener: a raw match rule on a connection that never calls the service.
        let listener = service.second_connection().await;
        let rule = MatchRule::builder()
            .msg_type(MsgType::Signal)
            .interface("org.libvirt.Connect")
            .member("DomainEvent")
            .path(TEST_PATH)
            .build()
            .unwrap();
        let mut log = SignalLog::subscribe_rule(&listener, rule.clone()).await;
        let other = service.second_connection().await;
        let mut log2 = SignalLog::subscribe_rule(&other, rule).await;

        // Actor: a fresh connection whose first call ever is the action.
        let actor = service.second_connection().await;
        let test = common::domain_proxy(&actor, TEST_DOMAIN_PATH).await;
        test.suspend().await.unwrap();
        log.expect_domain_event(TEST_DOMAIN_PATH, SUSPENDED, 0)
            .await;
        log2.expect_domain_event(TEST_DOMAIN_PATH, SUSPENDED, 0)
            .await;
        test.resume().await.unwrap();
        log.expect_domain_event(TEST_DOMAIN_PATH, RESUMED, 0).await;
        log2.expect_domain_event(TEST_DOMAIN_PATH, RESUMED, 0).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_come_from_the_owner_of_org_libvirt() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        test.suspend().await.unwrap();
        let sig = log
            .expect_domain_event(TEST_DOMAIN_PATH, SUSPENDED, 0)
            .await;
        let dbus = zbus::fdo::DBusProxy::new(&service.conn).await.unwrap();
        let owner = dbus
            .get_name_owner("org.libvirt".try_into().unwrap())
            .await
            .unwrap();
        let header = sig.msg.header();
        assert_eq!(
            header.sender().map(|s| s.to_string()),
            Some(owner.to_string())
        );
        // Broadcast: no destination.
        assert!(header.destination().is_none());
    })
    .await;
}
