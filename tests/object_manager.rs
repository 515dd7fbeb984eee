//! Beyond libvirt-dbus: `org.freedesktop.DBus.ObjectManager` on `/org/libvirt/Test`
//! (`GetManagedObjects`, `InterfacesAdded`, `InterfacesRemoved`) and `PropertiesChanged` on
//! domain objects, carrying exactly the properties that changed.

mod common;

use std::{collections::HashMap, time::Duration};

use common::{
    domain_xml_uuid,
    signals::{Sig, SignalLog},
    with_timeout, Service, TEST_DOMAIN_PATH, TEST_PATH,
};
use zbus::{OwnedObjectPath, OwnedVariant};

const OM: &str = "org.freedesktop.DBus.ObjectManager";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const DOMAIN: &str = "org.libvirt.Domain";
const FOO_UUID: &str = "11111111-2222-3333-4444-555555555555";
const QUIET: Duration = Duration::from_millis(300);

type Props = HashMap<String, OwnedVariant>;
type Managed = HashMap<OwnedObjectPath, HashMap<String, Props>>;

async fn managed_objects(service: &Service) -> Managed {
    let reply = common::call(&service.conn, TEST_PATH, OM, "GetManagedObjects", &())
        .await
        .expect_ok();
    assert_eq!(common::body_signature(&reply), "a{oa{sa{sv}}}");
    reply.body().deserialize().expect("a{oa{sa{sv}}}")
}

/// `(interface, changed, invalidated)` if `sig` is PropertiesChanged on `path`.
fn properties_changed(sig: &Sig, path: &str) -> Option<(String, Props, Vec<String>)> {
    if !sig.is(path, PROPS, "PropertiesChanged") {
        return None;
    }
    Some(sig.args())
}

/// Waits for PropertiesChanged of org.libvirt.Domain on `path`; returns the changed dict,
/// after asserting nothing was invalidated.
async fn expect_changed(log: &mut SignalLog, path: &str, what: &str) -> Props {
    let sig = log
        .expect(what, |s| {
            properties_changed(s, path).is_some_and(|(iface, _, _)| iface == DOMAIN)
        })
        .await;
    let (_, changed, invalidated) = properties_changed(&sig, path).unwrap();
    assert!(
        invalidated.is_empty(),
        "{what}: invalidated {invalidated:?}"
    );
    changed
}

fn sorted_keys(p: &Props) -> Vec<String> {
    let mut k: Vec<String> = p.keys().cloned().collect();
    k.sort();
    k
}

/// No PropertiesChanged for `path` arrives within [`QUIET`].
async fn assert_no_change(log: &mut SignalLog, path: &str, after: &str) {
    let late = log
        .next_where(|s| properties_changed(s, path).is_some(), QUIET)
        .await;
    if let Some(sig) = late {
        let (_, changed, inv) = properties_changed(&sig, path).unwrap();
        panic!("{after} changed no property, yet got {changed:?} / {inv:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_managed_objects_lists_every_domain_with_its_properties() {
    with_timeout(async {
        let service = Service::start().await;
        let (foo_path, _) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
        let objects = managed_objects(&service).await;
        // The domains; the connection's networks are managed objects too.
        let mut paths: Vec<String> = objects
            .iter()
            .filter(|(_, ifaces)| ifaces.contains_key(DOMAIN))
            .map(|(p, _)| p.to_string())
            .collect();
        paths.sort();
        let mut expected = common::list_domains(&service.conn, 0).await;
        expected.sort();
        assert_eq!(paths, expected, "exactly the domains ListDomains returns");

        let test = &objects[&OwnedObjectPath::try_from(TEST_DOMAIN_PATH).unwrap()][DOMAIN];
        assert_eq!(
            sorted_keys(test),
            [
                "Active",
                "Autostart",
                "Id",
                "Name",
                "OSType",
                "Persistent",
                "SchedulerType",
                "UUID",
                "Updated"
            ]
        );
        assert_eq!(common::v_str(&test["Name"]), "test");
        assert_eq!(common::v_str(&test["UUID"]), common::TEST_DOMAIN_UUID);
        assert!(common::v_bool(&test["Active"]));
        assert_eq!(common::v_u32(&test["Id"]), 1);
        assert!(common::v_bool(&test["Persistent"]));
        assert_eq!(common::v_str(&test["OSType"]), "linux");

        let vm = &objects[&OwnedObjectPath::try_from(foo_path.as_str()).unwrap()][DOMAIN];
        assert_eq!(common::v_str(&vm["Name"]), "foo");
        assert!(!common::v_bool(&vm["Active"]));
        assert_eq!(common::v_u32(&vm["Id"]), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn interfaces_added_and_removed_follow_define_and_undefine() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, vm) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
        let sig = log
            .expect("InterfacesAdded(vm)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>()
                        .0
                        .as_str()
                        == path
            })
            .await;
        assert_eq!(common::body_signature(&sig.msg), "oa{sa{sv}}");
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = sig.args();
        let props = ifaces.get(DOMAIN).expect("org.libvirt.Domain added");
        assert_eq!(common::v_str(&props["Name"]), "foo");
        assert_eq!(common::v_str(&props["UUID"]), FOO_UUID);
        assert!(common::v_bool(&props["Persistent"]));

        // Listed now.
        assert!(managed_objects(&service)
            .await
            .contains_key(&OwnedObjectPath::try_from(path.as_str()).unwrap()));

        // Redefinition adds nothing new.
        common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
        let again = log
            .next_where(|s| s.is(TEST_PATH, OM, "InterfacesAdded"), QUIET)
            .await;
        assert!(again.is_none(), "redefinition re-added: {again:?}");

        vm.undefine(0).await.unwrap();
        let sig = log
            .expect("InterfacesRemoved(vm)", |s| {
                s.is(TEST_PATH, OM, "InterfacesRemoved")
                    && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == path
            })
            .await;
        assert_eq!(common::body_signature(&sig.msg), "oas");
        let (_, removed): (OwnedObjectPath, Vec<String>) = sig.args();
        assert!(removed.iter().any(|i| i == DOMAIN), "{removed:?}");
        assert!(!managed_objects(&service)
            .await
            .contains_key(&OwnedObjectPath::try_from(path.as_str()).unwrap()));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_domains_come_and_go() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let uuid = "11111111-2222-3333-4444-666666666666";
        let (path, tr) =
            common::create_transient(&service.conn, &domain_xml_uuid("tr", uuid)).await;
        let sig = log
            .expect("InterfacesAdded(tr)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>()
                        .0
                        .as_str()
                        == path
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = sig.args();
        let props = &ifaces[DOMAIN];
        assert!(common::v_bool(&props["Active"]));
        assert!(!common::v_bool(&props["Persistent"]));

        tr.destroy(0).await.unwrap();
        log.expect("InterfacesRemoved(tr)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == path
        })
        .await;
        assert!(!managed_objects(&service)
            .await
            .contains_key(&OwnedObjectPath::try_from(path.as_str()).unwrap()));

        // A running persistent domain that is undefined stays (now transient): no removal,
        // Persistent changes; destroying it then removes it.
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        test.undefine(0).await.unwrap();
        let changed = expect_changed(&mut log, TEST_DOMAIN_PATH, "Persistent=false").await;
        assert_eq!(sorted_keys(&changed), ["Persistent"]);
        assert!(!common::v_bool(&changed["Persistent"]));
        assert!(log
            .seen
            .iter()
            .all(|s| !(s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == TEST_DOMAIN_PATH)));
        test.destroy(0).await.unwrap();
        log.expect("InterfacesRemoved(test)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == TEST_DOMAIN_PATH
        })
        .await;
        assert!(managed_objects(&service)
            .await
            .values()
            .all(|ifaces| !ifaces.contains_key(DOMAIN)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn properties_changed_carries_exactly_what_changed() {
    with_timeout(async {
        let service = Service::start().await;
        let (path, vm) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
        let mut log = SignalLog::subscribe(&service.conn).await;

        vm.create(0).await.unwrap();
        let changed = expect_changed(&mut log, &path, "Create").await;
        assert_eq!(sorted_keys(&changed), ["Active", "Id"]);
        assert!(common::v_bool(&changed["Active"]));
        assert_eq!(common::v_u32(&changed["Id"]), vm.id().await.unwrap());

        // Suspend and resume change no property.
        vm.suspend().await.unwrap();
        vm.resume().await.unwrap();
        assert_no_change(&mut log, &path, "Suspend/Resume").await;

        vm.destroy(0).await.unwrap();
        let changed = expect_changed(&mut log, &path, "Destroy").await;
        assert_eq!(sorted_keys(&changed), ["Active", "Id"]);
        assert!(!common::v_bool(&changed["Active"]));
        assert_eq!(common::v_u32(&changed["Id"]), 0);

        vm.set_autostart(true).await.unwrap();
        let changed = expect_changed(&mut log, &path, "Autostart").await;
        assert_eq!(sorted_keys(&changed), ["Autostart"]);
        assert!(common::v_bool(&changed["Autostart"]));
        // Setting the same value again changes nothing.
        vm.set_autostart(true).await.unwrap();
        assert_no_change(&mut log, &path, "Autostart=true again").await;

        vm.rename("bar", 0).await.unwrap();
        let changed = expect_changed(&mut log, &path, "Rename").await;
        assert_eq!(sorted_keys(&changed), ["Name"]);
        assert_eq!(common::v_str(&changed["Name"]), "bar");

        // Failed calls change nothing.
        assert!(vm.suspend().await.is_err());
        assert!(vm.rename("test", 0).await.is_err());
        assert_no_change(&mut log, &path, "failed calls").await;

        // The managed objects agree with the properties.
        let objects = managed_objects(&service).await;
        let props = &objects[&OwnedObjectPath::try_from(path.as_str()).unwrap()][DOMAIN];
        assert_eq!(common::v_str(&props["Name"]), "bar");
        assert!(common::v_bool(&props["Autostart"]));
        assert!(!common::v_bool(&props["Active"]));
    })
    .await;
}

/// The members of the signals in `log` from now until the service is quiet, in order.
async fn members_until_quiet(log: &mut SignalLog) -> Vec<String> {
    log.collect_for(Duration::from_millis(500))
        .await
        .iter()
        .map(|s| match s.domain_event() {
            Some((_, event, detail)) => format!("{}({event},{detail})", s.member),
            None => s.member.clone(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn objects_that_come_and_go_send_only_news() {
    // Every signal carries something the others do not: no PropertiesChanged for what
    // InterfacesAdded or InterfacesRemoved already say.
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (_, vm) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
        vm.undefine(0).await.unwrap();
        assert_eq!(
            members_until_quiet(&mut log).await,
            [
                "InterfacesAdded",
                "DomainEvent(0,0)",
                "DomainEvent(1,0)",
                "InterfacesRemoved"
            ]
        );

        let uuid = "11111111-2222-3333-4444-666666666666";
        let (_, tr) = common::create_transient(&service.conn, &domain_xml_uuid("tr", uuid)).await;
        tr.destroy(0).await.unwrap();
        assert_eq!(
            members_until_quiet(&mut log).await,
            [
                "InterfacesAdded",
                "DomainEvent(2,0)",
                "DomainEvent(5,1)",
                "InterfacesRemoved"
            ]
        );
    })
    .await;
}
