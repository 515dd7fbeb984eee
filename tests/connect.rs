//! `org.libvirt.Connect` on `/org/libvirt/Test`: properties, listings, lookups, define and
//! create, host information, and the members this issue leaves unsupported.
//!
//! Expected values come from libvirt-dbus 1.4.1 with libvirt 9.0's `test:///default`.

mod common;

use common::{
    assert_libvirt_error, call, domain_path, domain_xml, domain_xml_uuid, with_timeout, Service,
    LIBVIRT_ERROR, NO_SUPPORT, TEST_DOMAIN_PATH, TEST_DOMAIN_UUID, TEST_PATH,
};

const CONNECT: &str = "org.libvirt.Connect";

// virConnectListAllDomains filter flags.
const ACTIVE: u32 = 1;
const INACTIVE: u32 = 2;
const PERSISTENT: u32 = 4;
const TRANSIENT: u32 = 8;
const RUNNING: u32 = 16;
const PAUSED: u32 = 32;
const SHUTOFF: u32 = 64;
const MANAGEDSAVE: u32 = 256;
const NO_MANAGEDSAVE: u32 = 512;
const AUTOSTART: u32 = 1024;
const NO_AUTOSTART: u32 = 2048;
const HAS_SNAPSHOT: u32 = 4096;
const NO_SNAPSHOT: u32 = 8192;

#[tokio::test(flavor = "multi_thread")]
async fn properties_match_the_test_driver() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let host = hostname::get()
            .expect("hostname")
            .to_string_lossy()
            .into_owned();
        assert_eq!(connect.hostname().await.unwrap(), host);
        assert_eq!(connect.version().await.unwrap(), 2);
        assert_eq!(connect.lib_version().await.unwrap(), 9_000_000);
        assert!(!connect.encrypted().await.unwrap());
        // libvirt-dbus reports virConnectIsEncrypted as Secure: false for the test driver.
        assert!(!connect.secure().await.unwrap());

        // GetAll returns the same five.
        let props = zbus::fdo::PropertiesProxy::builder(&service.conn)
            .destination("org.libvirt")
            .path(TEST_PATH)
            .build()
            .await
            .unwrap();
        let all = props
            .get_all(zbus::names::InterfaceName::try_from(CONNECT).unwrap())
            .await
            .unwrap();
        let mut keys: Vec<_> = all.keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["Encrypted", "Hostname", "LibVersion", "Secure", "Version"]
        );
        assert_eq!(common::v_u64(&all["LibVersion"]), 9_000_000);
        assert_eq!(common::v_u64(&all["Version"]), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_domains_starts_with_the_default_domain() {
    with_timeout(async {
        let service = Service::start().await;
        assert_eq!(
            common::list_domains(&service.conn, 0).await,
            [TEST_DOMAIN_PATH]
        );
        let domain = service.domain_proxy(TEST_DOMAIN_PATH).await;
        assert_eq!(domain.name().await.unwrap(), "test");
        assert_eq!(domain.uuid().await.unwrap(), TEST_DOMAIN_UUID);
        assert_eq!(domain.id().await.unwrap(), 1);
        assert!(domain.active().await.unwrap());
        assert!(domain.persistent().await.unwrap());
        // The default domain runs with reason UNKNOWN (0), not BOOTED.
        assert_eq!(common::state(&domain).await, (1, 0));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_domains_filters_by_flags() {
    with_timeout(async {
        let service = Service::start().await;
        let conn = &service.conn;
        // "test": running, persistent, no autostart.
        // "off": defined, inactive, autostart on.
        let (off, off_dom) = common::define(
            conn,
            &domain_xml_uuid("off", "11111111-2222-3333-4444-000000000001"),
        )
        .await;
        off_dom.set_autostart(true).await.unwrap();
        // "tr": transient, running then paused.
        let (tr, tr_dom) = common::create_transient(
            conn,
            &domain_xml_uuid("tr", "11111111-2222-3333-4444-000000000002"),
        )
        .await;
        tr_dom.suspend().await.unwrap();
        let test = TEST_DOMAIN_PATH.to_string();
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let all = sorted(vec![off.clone(), tr.clone(), test.clone()]);

        assert_eq!(common::list_domains(conn, 0).await, all);
        assert_eq!(
            common::list_domains(conn, ACTIVE).await,
            sorted(vec![tr.clone(), test.clone()])
        );
        assert_eq!(common::list_domains(conn, INACTIVE).await, [off.as_str()]);
        assert_eq!(
            common::list_domains(conn, PERSISTENT).await,
            sorted(vec![off.clone(), test.clone()])
        );
        assert_eq!(common::list_domains(conn, TRANSIENT).await, [tr.as_str()]);
        assert_eq!(common::list_domains(conn, RUNNING).await, [test.as_str()]);
        assert_eq!(common::list_domains(conn, PAUSED).await, [tr.as_str()]);
        assert_eq!(common::list_domains(conn, SHUTOFF).await, [off.as_str()]);
        assert_eq!(common::list_domains(conn, AUTOSTART).await, [off.as_str()]);
        assert_eq!(
            common::list_domains(conn, NO_AUTOSTART).await,
            sorted(vec![tr.clone(), test.clone()])
        );
        assert!(common::list_domains(conn, MANAGEDSAVE).await.is_empty());
        assert_eq!(common::list_domains(conn, NO_MANAGEDSAVE).await, all);
        assert!(common::list_domains(conn, HAS_SNAPSHOT).await.is_empty());
        assert_eq!(common::list_domains(conn, NO_SNAPSHOT).await, all);
        // Combined groups intersect.
        assert_eq!(
            common::list_domains(conn, ACTIVE | PERSISTENT).await,
            [test.as_str()]
        );
        assert_eq!(
            common::list_domains(conn, ACTIVE | INACTIVE).await,
            all,
            "ACTIVE|INACTIVE means both"
        );

        let connect = service.connect_proxy().await;
        let text = assert_libvirt_error(
            connect.list_domains(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );
        assert!(text.starts_with("unsupported flags"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_by_name_uuid_and_id() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        assert_eq!(
            connect
                .domain_lookup_by_name("test")
                .await
                .unwrap()
                .as_str(),
            TEST_DOMAIN_PATH
        );
        assert_eq!(
            connect
                .domain_lookup_by_uuid(TEST_DOMAIN_UUID)
                .await
                .unwrap()
                .as_str(),
            TEST_DOMAIN_PATH
        );
        // libvirt also accepts the UUID without dashes and in upper case.
        assert_eq!(
            connect
                .domain_lookup_by_uuid("6695eb01f6a4830479aa97f2502e193f")
                .await
                .unwrap()
                .as_str(),
            TEST_DOMAIN_PATH
        );
        assert_eq!(
            connect
                .domain_lookup_by_uuid("6695EB01-F6A4-8304-79AA-97F2502E193F")
                .await
                .unwrap()
                .as_str(),
            TEST_DOMAIN_PATH
        );
        assert_eq!(
            connect.domain_lookup_by_id(1).await.unwrap().as_str(),
            TEST_DOMAIN_PATH
        );

        for r in [
            connect.domain_lookup_by_name("nope").await,
            connect.domain_lookup_by_name("").await,
            connect
                .domain_lookup_by_uuid("6695eb01-f6a4-8304-79aa-97f2502e193e")
                .await,
            connect.domain_lookup_by_id(5).await,
            connect.domain_lookup_by_id(0).await,
        ] {
            let text = assert_libvirt_error(r, "Domain not found");
            assert!(text.starts_with("Domain not found"), "{text}");
        }
        for bad in [
            "nope",
            "",
            "{6695eb01-f6a4-8304-79aa-97f2502e193f}",
            "6695eb01-f6a4-8304-79aa-97f2502e193",
            "6695eb01-f6a4-8304-79aa-97f2502e193f0",
            "6695eb01-f6a4-8304-79aa-97f2502e193g",
        ] {
            assert_libvirt_error(connect.domain_lookup_by_uuid(bad).await, "Invalid UUID");
        }
        assert_libvirt_error(
            connect.domain_lookup_by_id(-1).await,
            "must be zero or greater",
        );
        // An inactive domain has no id: looking up a stopped domain's old id fails.
        let (_, vm) = common::define(&service.conn, &domain_xml("foo")).await;
        assert_eq!(vm.id().await.unwrap(), 0);
        vm.create(0).await.unwrap();
        let id = vm.id().await.unwrap();
        assert!(id > 1, "a started domain gets a new id, got {id}");
        let by_id = connect.domain_lookup_by_id(id as i32).await.unwrap();
        assert_eq!(by_id.as_str(), vm.inner().path().as_str());
        vm.destroy(0).await.unwrap();
        assert_libvirt_error(
            connect.domain_lookup_by_id(id as i32).await,
            "Domain not found",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn define_xml_creates_an_inactive_persistent_domain() {
    with_timeout(async {
        let service = Service::start().await;
        let uuid = "11111111-2222-3333-4444-555555555555";
        let (path, dom) = common::define(&service.conn, &domain_xml_uuid("foo", uuid)).await;
        assert_eq!(path, domain_path(uuid));
        assert_eq!(dom.name().await.unwrap(), "foo");
        assert_eq!(dom.uuid().await.unwrap(), uuid);
        assert!(!dom.active().await.unwrap());
        assert!(dom.persistent().await.unwrap());
        assert!(!dom.autostart().await.unwrap());
        assert_eq!(dom.id().await.unwrap(), 0);
        assert_eq!(common::state(&dom).await, (5, 0));
        let xml = dom.get_xml_desc(0).await.unwrap();
        assert!(xml.contains("<name>foo</name>"), "{xml}");
        assert!(xml.contains(&format!("<uuid>{uuid}</uuid>")), "{xml}");
        assert!(xml.contains("1048576"), "{xml}");
        assert_eq!(
            common::list_domains(&service.conn, 0).await.len(),
            2,
            "defined domain is listed"
        );
        let connect = service.connect_proxy().await;
        assert_eq!(
            connect.domain_lookup_by_name("foo").await.unwrap().as_str(),
            path
        );

        // Redefining with the same name and UUID updates the definition in place.
        let xml2 = format!(
            "<domain type='test'><name>foo</name><uuid>{uuid}</uuid><memory>2097152</memory>\
             <os><type>hvm</type></os></domain>"
        );
        let again = connect.domain_define_xml(&xml2).await.unwrap();
        assert_eq!(again.as_str(), path);
        let xml = dom.get_xml_desc(0).await.unwrap();
        assert!(xml.contains("2097152"), "redefinition not applied: {xml}");
        assert_eq!(common::list_domains(&service.conn, 0).await.len(), 2);

        // Without a UUID one is generated, and the path follows from it.
        let (path, dom) = common::define(&service.conn, &domain_xml("gen")).await;
        let generated = dom.uuid().await.unwrap();
        assert_eq!(path, domain_path(&generated));
        assert_eq!(generated.len(), 36, "{generated}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_xml_makes_a_running_transient_domain_that_vanishes_when_stopped() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let uuid = "11111111-2222-3333-4444-666666666666";
        let (path, dom) =
            common::create_transient(&service.conn, &domain_xml_uuid("tr", uuid)).await;
        assert_eq!(path, domain_path(uuid));
        assert!(dom.active().await.unwrap());
        assert!(!dom.persistent().await.unwrap());
        assert_eq!(common::state(&dom).await, (1, 1));
        assert!(dom.id().await.unwrap() > 1);
        assert!(common::list_domains(&service.conn, 0).await.contains(&path));

        dom.destroy(0).await.unwrap();
        assert_libvirt_error(
            connect.domain_lookup_by_name("tr").await,
            "Domain not found",
        );
        assert_libvirt_error(dom.get_state(0).await, "Domain not found");
        assert!(!common::list_domains(&service.conn, 0).await.contains(&path));

        // Flags the test driver does not know are refused, and nothing is created.
        assert_libvirt_error(
            connect.domain_create_xml(&domain_xml("tr2"), 1).await,
            "unsupported flags (0x1)",
        );
        assert_libvirt_error(
            connect.domain_lookup_by_name("tr2").await,
            "Domain not found",
        );
        // A transient domain may not take the name of an existing one.
        assert_libvirt_error(
            connect.domain_create_xml(&domain_xml("test"), 0).await,
            "domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn capabilities_sysinfo_and_cpu_models() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let caps = connect.get_capabilities().await.unwrap();
        for needle in [
            "<capabilities>",
            "<arch>i686</arch>",
            "<cells num='2'>",
            "<model>testSecurity</model>",
            "<os_type>hvm</os_type>",
            "<os_type>xen</os_type>",
            "<emulator>/usr/bin/test-hv</emulator>",
            "<domain type='test'/>",
        ] {
            assert!(caps.contains(needle), "capabilities lack {needle}: {caps}");
        }
        assert!(caps.trim_end().ends_with("</capabilities>"));

        let sysinfo = connect.get_sysinfo(0).await.unwrap();
        assert!(sysinfo.contains("<sysinfo type='smbios'>"), "{sysinfo}");
        assert!(sysinfo.contains("LENOVO"), "{sysinfo}");
        assert!(sysinfo.contains("G4ETA1WW (2.61 )"), "{sysinfo}");
        assert_libvirt_error(connect.get_sysinfo(1).await, "unsupported flags (0x1)");

        let models = connect.get_cpu_model_names("x86_64", 0).await.unwrap();
        assert!(models.len() > 50, "{models:?}");
        assert_eq!(&models[..3], ["486", "pentium", "pentium2"]);
        assert!(models.iter().any(|m| m == "qemu64"), "{models:?}");
        assert_libvirt_error(
            connect.get_cpu_model_names("bogus", 0).await,
            "cannot find architecture bogus",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn node_information() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        assert_eq!(connect.node_get_free_memory().await.unwrap(), 3_145_728);
        assert_eq!(
            connect.node_get_cpu_map(0).await.unwrap(),
            [true, false, true, false, true, false, false, false]
        );
        assert_libvirt_error(connect.node_get_cpu_map(1).await, "unsupported flags (0x1)");
        let stats = connect.node_get_cpu_stats(-1, 0).await.unwrap();
        let mut keys: Vec<_> = stats.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["idle", "iowait", "kernel", "user"]);
        assert_libvirt_error(
            connect.node_get_cpu_stats(-2, 0).await,
            "only accepts -1 as a negative value",
        );
        assert_eq!(
            connect.node_get_security_model().await.unwrap(),
            ("testSecurity".to_string(), String::new())
        );
        assert_libvirt_error(
            connect.node_get_memory_stats(-1, 0).await,
            &format!("{NO_SUPPORT}: virNodeGetMemoryStats"),
        );
        assert_libvirt_error(
            connect.node_get_memory_parameters(0).await,
            &format!("{NO_SUPPORT}: virNodeGetMemoryParameters"),
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn all_domain_stats_are_keyed_by_name_and_filtered() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        common::define(&service.conn, &domain_xml("foo")).await;
        let names = |records: &Vec<(
            String,
            std::collections::HashMap<String, zbus::OwnedVariant>,
        )>| {
            let mut v: Vec<String> = records.iter().map(|(n, _)| n.clone()).collect();
            v.sort();
            v
        };
        let all = connect.get_all_domain_stats(0, 0).await.unwrap();
        assert_eq!(names(&all), ["foo", "test"]);
        let (_, test) = all.iter().find(|(n, _)| n == "test").unwrap();
        assert_eq!(common::v_i32(&test["state.state"]), 1);
        assert_eq!(common::v_i32(&test["state.reason"]), 0);
        let (_, vm) = all.iter().find(|(n, _)| n == "foo").unwrap();
        assert_eq!(common::v_i32(&vm["state.state"]), 5);

        // Flag 1 = ACTIVE, 2 = INACTIVE (virConnectGetAllDomainStats filters).
        assert_eq!(
            names(&connect.get_all_domain_stats(0, 1).await.unwrap()),
            ["test"]
        );
        assert_eq!(
            names(&connect.get_all_domain_stats(0, 2).await.unwrap()),
            ["foo"]
        );
    })
    .await;
}

/// A Connect call with its generic body.
async fn connect_call<B>(service: &Service, method: &str, body: &B) -> common::Reply
where
    B: serde::Serialize + zbus::Type,
{
    call(&service.conn, TEST_PATH, CONNECT, method, body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn members_outside_this_issue_or_the_test_driver_are_not_supported() {
    with_timeout(async {
        let service = Service::start().await;
        let mut replies = Vec::new();
        // What the test driver itself lacks (SCSI host lookup by WWN, CPU comparison,
        // domain capabilities).
        replies.push((
            "NodeDeviceLookupSCSIHostByWWN",
            connect_call(
                &service,
                "NodeDeviceLookupSCSIHostByWWN",
                &("2000000012341234", "1000000012341234", 0u32),
            )
            .await,
        ));
        replies.push((
            "CompareCPU",
            connect_call(&service, "CompareCPU", &("<cpu/>", 0u32)).await,
        ));
        replies.push((
            "GetDomainCapabilities",
            connect_call(&service, "GetDomainCapabilities", &("", "", "", "", 0u32)).await,
        ));
        replies.push((
            "NodeGetMemoryStats",
            connect_call(&service, "NodeGetMemoryStats", &(-1i32, 0u32)).await,
        ));

        let mut wrong = Vec::new();
        for (method, reply) in &replies {
            match reply {
                common::Reply::Err { name, text }
                    if name == LIBVIRT_ERROR && text.starts_with(NO_SUPPORT) => {}
                other => wrong.push(format!("{method}: {other:?}")),
            }
        }
        assert!(
            wrong.is_empty(),
            "expected \"{NO_SUPPORT}: vir...\" from:\n{}",
            wrong.join("\n")
        );
        // Each names the libvirt API it stands for.
        let (_, text) = replies[0].1.expect_err();
        assert!(text.contains(": vir"), "{text}");
    })
    .await;
}
