//! `org.libvirt.Domain` with the embedded test driver: lifecycle and the state after each step,
//! properties, XML, metadata, tuning, and the wrong-state and unsupported errors.
//!
//! Expected values and texts come from libvirt-dbus 1.4.1 with libvirt 9.0's `test:///default`.

mod common;

use std::collections::HashMap;

use common::{
    assert_libvirt_error, domain_xml, domain_xml_uuid, with_timeout, DomainProxy, Service,
    LIBVIRT_ERROR, NO_SUPPORT, TEST_DOMAIN_PATH,
};
use zbus::Variant;

const NOT_RUNNING: &str = "Requested operation is not valid: domain is not running";
const FOO_UUID: &str = "11111111-2222-3333-4444-555555555555";

// State numbers and reasons.
const RUNNING: i32 = 1;
const PAUSED: i32 = 3;
const SHUTOFF: i32 = 5;

/// A service with an inactive persistent domain "foo" defined.
async fn with_foo() -> (Service, String, DomainProxy<'static>) {
    let service = Service::start().await;
    let (path, dom) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
    (service, path, dom)
}

async fn assert_active(dom: &DomainProxy<'_>, active: bool) {
    assert_eq!(dom.active().await.unwrap(), active, "Active");
    let id = dom.id().await.unwrap();
    if active {
        assert!(id >= 1, "a running domain has an id, got {id}");
    } else {
        assert_eq!(id, 0, "an inactive domain reports Id 0");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_suspend_resume_shutdown() {
    with_timeout(async {
        let (_service, _, vm) = with_foo().await;
        assert_eq!(common::state(&vm).await, (SHUTOFF, 0));
        assert_active(&vm, false).await;

        vm.create(0).await.unwrap();
        assert_eq!(common::state(&vm).await, (RUNNING, 1), "RUNNING/BOOTED");
        assert_active(&vm, true).await;
        assert_libvirt_error(vm.create(0).await, "Domain 'foo' is already running");

        vm.suspend().await.unwrap();
        assert_eq!(common::state(&vm).await, (PAUSED, 1), "PAUSED/USER");
        assert_active(&vm, true).await;
        assert_libvirt_error(vm.suspend().await, "domain 'foo' not running");

        vm.resume().await.unwrap();
        assert_eq!(common::state(&vm).await, (RUNNING, 5), "RUNNING/UNPAUSED");
        assert_libvirt_error(vm.resume().await, "domain 'foo' not paused");

        vm.shutdown(0).await.unwrap();
        assert_eq!(common::state(&vm).await, (SHUTOFF, 1), "SHUTOFF/SHUTDOWN");
        assert_active(&vm, false).await;
        assert_libvirt_error(vm.shutdown(0).await, "domain 'foo' not running");
        assert_libvirt_error(vm.suspend().await, "domain 'foo' not running");
        assert_libvirt_error(vm.resume().await, "domain 'foo' not paused");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_start_gets_a_new_id() {
    with_timeout(async {
        let (_service, _, vm) = with_foo().await;
        vm.create(0).await.unwrap();
        let first = vm.id().await.unwrap();
        vm.destroy(0).await.unwrap();
        vm.create(0).await.unwrap();
        let second = vm.id().await.unwrap();
        assert!(second > first, "ids grow: {first} then {second}");
        let xml = vm.get_xml_desc(0).await.unwrap();
        assert!(xml.contains(&format!("id='{second}'")), "{xml}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_reboot_reset_and_flags() {
    with_timeout(async {
        let (_service, _, vm) = with_foo().await;
        assert_libvirt_error(vm.create(1).await, "unsupported flags (0x1)");
        assert_eq!(
            common::state(&vm).await,
            (SHUTOFF, 0),
            "refused start did nothing"
        );
        vm.create(0).await.unwrap();
        vm.suspend().await.unwrap();
        vm.resume().await.unwrap();

        vm.reboot(0).await.unwrap();
        assert_eq!(
            common::state(&vm).await,
            (RUNNING, 1),
            "reboot restarts: BOOTED"
        );
        vm.reset(0).await.unwrap();
        assert_eq!(common::state(&vm).await.0, RUNNING);
        assert_libvirt_error(
            vm.reboot(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );
        assert_libvirt_error(
            vm.shutdown(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );
        assert_libvirt_error(
            vm.destroy(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );
        assert_eq!(
            common::state(&vm).await.0,
            RUNNING,
            "refused calls changed nothing"
        );

        vm.destroy(0).await.unwrap();
        assert_eq!(common::state(&vm).await, (SHUTOFF, 2), "SHUTOFF/DESTROYED");
        assert_active(&vm, false).await;
        for r in [vm.destroy(0).await, vm.reboot(0).await, vm.reset(0).await] {
            let text = assert_libvirt_error(r, NOT_RUNNING);
            assert_eq!(text, NOT_RUNNING);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn save_and_restore() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("test.img");
        let image = image.to_str().unwrap();

        test.save(image, "", 0).await.unwrap();
        assert_eq!(common::state(&test).await, (SHUTOFF, 5), "SHUTOFF/SAVED");
        assert_active(&test, false).await;
        assert_libvirt_error(test.save(image, "", 0).await, NOT_RUNNING);

        let xml = connect
            .domain_save_image_get_xml_desc(image, 0)
            .await
            .unwrap();
        assert!(xml.contains("<name>test</name>"), "{xml}");

        connect.domain_restore(image, "", 0).await.unwrap();
        assert_eq!(common::state(&test).await, (RUNNING, 3), "RUNNING/RESTORED");
        assert_active(&test, true).await;
        assert_libvirt_error(
            connect.domain_restore(image, "", 0).await,
            "domain 'test' is already active",
        );

        // Errors name the file.
        let missing = dir.path().join("missing.img");
        let missing = missing.to_str().unwrap();
        assert_libvirt_error(connect.domain_restore(missing, "", 0).await, missing);
        assert_libvirt_error(
            connect.domain_save_image_get_xml_desc(missing, 0).await,
            missing,
        );
        // The embedded test driver keeps save images in memory and writes no file (unlike
        // libvirt's, which would fail here for the missing directory): nothing on disk.
        test.save("/nonexistent-dir/x.img", "", 0).await.unwrap();
        assert!(!std::path::Path::new("/nonexistent-dir").exists());
        connect
            .domain_restore("/nonexistent-dir/x.img", "", 0)
            .await
            .unwrap();
        assert_eq!(common::state(&test).await, (RUNNING, 3), "RUNNING/RESTORED");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn managed_save_lifecycle() {
    with_timeout(async {
        let (service, _, vm) = with_foo().await;
        assert!(!vm.has_managed_save_image(0).await.unwrap());
        assert_libvirt_error(vm.managed_save(0).await, NOT_RUNNING);
        vm.create(0).await.unwrap();
        vm.managed_save(0).await.unwrap();
        assert_eq!(common::state(&vm).await, (SHUTOFF, 5));
        assert!(vm.has_managed_save_image(0).await.unwrap());
        assert_eq!(
            common::list_domains(&service.conn, 256).await,
            [vm.inner().path().to_string()],
            "MANAGEDSAVE filter"
        );
        assert_libvirt_error(
            vm.undefine(0).await,
            "Refusing to undefine while domain managed save image exists",
        );

        // Starting consumes the image.
        vm.create(0).await.unwrap();
        assert_eq!(common::state(&vm).await.0, RUNNING);
        assert!(!vm.has_managed_save_image(0).await.unwrap());

        // Or it can be removed.
        vm.managed_save(0).await.unwrap();
        vm.managed_save_remove(0).await.unwrap();
        assert!(!vm.has_managed_save_image(0).await.unwrap());

        // Undefine with VIR_DOMAIN_UNDEFINE_MANAGED_SAVE removes both.
        vm.create(0).await.unwrap();
        vm.managed_save(0).await.unwrap();
        vm.undefine(1).await.unwrap();
        assert_libvirt_error(vm.get_state(0).await, "Domain not found");

        // Transient domains cannot be managed-saved.
        let (_, tr) = common::create_transient(&service.conn, &domain_xml("tr")).await;
        assert_libvirt_error(
            tr.managed_save(0).await,
            "cannot do managed save for transient domain",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn core_dump() {
    with_timeout(async {
        let (_service, _, vm) = with_foo().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("core");
        let file = file.to_str().unwrap();
        assert_libvirt_error(vm.core_dump(file, 0, 0).await, NOT_RUNNING);
        vm.create(0).await.unwrap();
        vm.core_dump(file, 0, 0).await.unwrap();
        assert_eq!(
            common::state(&vm).await.0,
            RUNNING,
            "a plain dump keeps it running"
        );
        // VIR_DUMP_CRASH stops it as crashed.
        vm.core_dump(file, 0, 1).await.unwrap();
        assert_eq!(common::state(&vm).await, (SHUTOFF, 3), "SHUTOFF/CRASHED");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn undefine_inactive_and_running() {
    with_timeout(async {
        let (service, path, vm) = with_foo().await;
        let connect = service.connect_proxy().await;
        assert_libvirt_error(
            vm.undefine(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );
        assert!(vm.persistent().await.unwrap(), "refused undefine kept it");
        vm.undefine(0).await.unwrap();
        assert_libvirt_error(
            connect.domain_lookup_by_name("foo").await,
            "Domain not found",
        );
        assert!(!common::list_domains(&service.conn, 0).await.contains(&path));
        assert_libvirt_error(vm.get_state(0).await, "Domain not found");
        assert_libvirt_error(vm.undefine(0).await, "Domain not found");
        assert_libvirt_error(vm.create(0).await, "Domain not found");

        // A running persistent domain becomes transient and keeps running.
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        test.undefine(0).await.unwrap();
        assert_eq!(common::state(&test).await.0, RUNNING);
        assert!(!test.persistent().await.unwrap());
        assert!(common::list_domains(&service.conn, 0)
            .await
            .contains(&TEST_DOMAIN_PATH.to_string()));
        test.destroy(0).await.unwrap();
        assert!(common::list_domains(&service.conn, 0).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn default_domain_xml_and_properties() {
    with_timeout(async {
        let service = Service::start().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let xml = test.get_xml_desc(0).await.unwrap();
        for needle in [
            "<domain type='test' id='1'>",
            "<name>test</name>",
            "<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>",
            "<memory unit='KiB'>8388608</memory>",
            "<currentMemory unit='KiB'>2097152</currentMemory>",
            "<vcpu placement='static'>2</vcpu>",
            "<type arch='i686'>hvm</type>",
            "/guest/diskimage1",
            "aa:bb:cc:dd:ee:ff",
        ] {
            assert!(xml.contains(needle), "XML lacks {needle}:\n{xml}");
        }
        // VIR_DOMAIN_XML_INACTIVE (2): the definition, without the runtime id.
        let inactive = test.get_xml_desc(2).await.unwrap();
        assert!(inactive.contains("<domain type='test'>"), "{inactive}");
        assert!(!inactive.contains("id='1'"), "{inactive}");
        assert_libvirt_error(
            test.get_xml_desc(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );
        assert_libvirt_error(test.get_state(1).await, "unsupported flags (0x1)");

        assert_eq!(test.os_type().await.unwrap(), "linux");
        assert_eq!(
            test.scheduler_type().await.unwrap(),
            ("fair".to_string(), 1)
        );
        assert!(!test.updated().await.unwrap());
        assert!(!test.autostart().await.unwrap());
        assert_eq!(test.get_vcpus(0).await.unwrap(), 2);

        // GetAll has the nine properties.
        let props = zbus::fdo::PropertiesProxy::builder(&service.conn)
            .destination("org.libvirt")
            .path(TEST_DOMAIN_PATH)
            .build()
            .await
            .unwrap();
        let all = props
            .get_all(zbus::names::InterfaceName::try_from("org.libvirt.Domain").unwrap())
            .await
            .unwrap();
        let mut keys: Vec<_> = all.keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
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
        assert_eq!(common::v_str(&all["Name"]), "test");
        assert_eq!(common::v_u32(&all["Id"]), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn autostart_is_set_through_properties() {
    with_timeout(async {
        let (service, path, vm) = with_foo().await;
        vm.set_autostart(true).await.unwrap();
        assert!(vm.autostart().await.unwrap());
        assert_eq!(
            common::list_domains(&service.conn, 1024).await,
            [path.as_str()]
        );
        vm.set_autostart(false).await.unwrap();
        assert!(!vm.autostart().await.unwrap());
        assert!(common::list_domains(&service.conn, 1024).await.is_empty());

        // Raw Properties.Set: wrong type and read-only property are D-Bus errors.
        let props = zbus::fdo::PropertiesProxy::builder(&service.conn)
            .destination("org.libvirt")
            .path(path.clone())
            .build()
            .await
            .unwrap();
        let iface = || zbus::names::InterfaceName::try_from("org.libvirt.Domain").unwrap();
        let err = props
            .set(iface(), "Autostart", &Variant::from("yes"))
            .await
            .expect_err("Autostart=\"yes\" must fail");
        let (name, _) = common::error_parts(&err.into()).expect("error reply");
        assert!(name.starts_with("org.freedesktop.DBus.Error."), "{name}");
        assert!(!vm.autostart().await.unwrap());
        let err = props
            .set(iface(), "Name", &Variant::from("bar"))
            .await
            .expect_err("Name is read-only");
        let (name, _) = common::error_parts(&err.into()).expect("error reply");
        assert!(name.starts_with("org.freedesktop.DBus.Error."), "{name}");
        assert_eq!(vm.name().await.unwrap(), "foo");
        let err = props
            .get(iface(), "Nope")
            .await
            .expect_err("unknown property");
        let (name, _) = common::error_parts(&err.into()).expect("error reply");
        assert!(name.starts_with("org.freedesktop.DBus.Error."), "{name}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_title_description_and_elements() {
    with_timeout(async {
        let (_service, _, vm) = with_foo().await;
        const ABSENT: &str = "metadata not found: Requested metadata element is not present";
        for kind in 0..3 {
            let uri = if kind == 2 { "http://example.org/" } else { "" };
            let text = assert_libvirt_error(vm.get_metadata(kind, uri, 0).await, ABSENT);
            assert_eq!(text, ABSENT);
        }
        vm.set_metadata(0, "my description", "", "", 0)
            .await
            .unwrap();
        vm.set_metadata(1, "my title", "", "", 0).await.unwrap();
        vm.set_metadata(2, "<foo>bar</foo>", "k", "http://example.org/", 0)
            .await
            .unwrap();
        assert_eq!(vm.get_metadata(0, "", 0).await.unwrap(), "my description");
        assert_eq!(vm.get_metadata(1, "", 0).await.unwrap(), "my title");
        assert_eq!(
            vm.get_metadata(2, "http://example.org/", 0).await.unwrap(),
            "<foo>bar</foo>"
        );
        let xml = vm.get_xml_desc(0).await.unwrap();
        assert!(xml.contains("<title>my title</title>"), "{xml}");
        assert!(
            xml.contains("<description>my description</description>"),
            "{xml}"
        );
        assert!(xml.contains("http://example.org/"), "{xml}");
        assert!(xml.contains(">bar</"), "{xml}");

        assert_libvirt_error(
            vm.set_metadata(3, "x", "", "", 0).await,
            "unknown metadata type '3'",
        );
        assert_libvirt_error(vm.get_metadata(3, "", 0).await, "unknown metadata type '3'");
        // An element needs a key; malformed XML is refused and changes nothing.
        let e = vm
            .set_metadata(2, "<foo>bar</foo>", "", "http://example.org/other", 0)
            .await
            .expect_err("element without key");
        assert!(common::libvirt_error(&e).contains("key"), "{e:?}");
        let e = vm
            .set_metadata(2, "<foo>bar", "k", "http://example.org/", 0)
            .await
            .expect_err("malformed metadata");
        common::libvirt_error(&e);
        assert_eq!(
            vm.get_metadata(2, "http://example.org/", 0).await.unwrap(),
            "<foo>bar</foo>"
        );

        // An empty value removes it.
        vm.set_metadata(0, "", "", "", 0).await.unwrap();
        assert_libvirt_error(vm.get_metadata(0, "", 0).await, ABSENT);
        // An element is replaced (libvirt-dbus cannot remove one: "" is not XML).
        vm.set_metadata(2, "<foo>baz</foo>", "k", "http://example.org/", 0)
            .await
            .unwrap();
        assert_eq!(
            vm.get_metadata(2, "http://example.org/", 0).await.unwrap(),
            "<foo>baz</foo>"
        );
        let e = vm
            .set_metadata(2, "", "k", "http://example.org/", 0)
            .await
            .expect_err("empty element");
        common::libvirt_error(&e);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_and_vcpus() {
    with_timeout(async {
        let service = Service::start().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        test.set_memory(1024, 0).await.unwrap();
        let xml = test.get_xml_desc(0).await.unwrap();
        assert!(
            xml.contains("<currentMemory unit='KiB'>1024</currentMemory>"),
            "{xml}"
        );
        test.set_memory(8_388_608, 0).await.unwrap();
        assert_libvirt_error(
            test.set_memory(8_388_609, 0).await,
            "cannot set memory higher than max memory",
        );
        assert_libvirt_error(test.set_memory(0, 0).await, "must not be zero");
        let e = test.set_memory(1 << 63, 0).await.expect_err("2^63 KiB");
        common::libvirt_error(&e);
        let xml = test.get_xml_desc(0).await.unwrap();
        assert!(
            xml.contains("<currentMemory unit='KiB'>8388608</currentMemory>"),
            "refused SetMemory calls changed the domain: {xml}"
        );

        test.set_vcpus(1, 0).await.unwrap();
        assert_eq!(test.get_vcpus(0).await.unwrap(), 1);
        test.set_vcpus(2, 0).await.unwrap();
        assert_eq!(test.get_vcpus(0).await.unwrap(), 2);
        assert_libvirt_error(
            test.set_vcpus(3, 0).await,
            "requested cpu amount exceeds maximum (3 > 2)",
        );
        assert_libvirt_error(test.set_vcpus(0, 0).await, "must not be zero");
        assert_libvirt_error(
            test.set_vcpus(100, 0).await,
            "requested cpu amount exceeds maximum",
        );
        assert_eq!(test.get_vcpus(0).await.unwrap(), 2);
        assert_libvirt_error(
            test.get_vcpus(0x8000_0000).await,
            "unsupported flags (0x80000000)",
        );

        // Vcpu pinning shows in the pin info.
        test.pin_vcpu(0, &[false, true], 0).await.unwrap();
        let pins = test.get_vcpu_pin_info(0).await.unwrap();
        assert_eq!(pins.len(), 2, "{pins:?}");
        assert!(!pins[0][0] && pins[0][1], "{pins:?}");
        assert_libvirt_error(
            test.pin_vcpu(5, &[true], 0).await,
            "requested vcpu '5' is not present in the domain",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tuning_parameters() {
    with_timeout(async {
        let service = Service::start().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;

        // Scheduler: weight is the one parameter.
        let mut p = HashMap::new();
        p.insert("weight", Variant::from(100u32));
        test.set_scheduler_parameters(p, 0).await.unwrap();
        let mut p = HashMap::new();
        p.insert("bogus", Variant::from(100u32));
        assert_libvirt_error(
            test.set_scheduler_parameters(p, 0).await,
            "parameter 'bogus' not supported",
        );
        let mut p = HashMap::new();
        p.insert("weight", Variant::from("x"));
        assert_libvirt_error(
            test.set_scheduler_parameters(p, 0).await,
            "invalid type 'string' for parameter 'weight', expected 'uint'",
        );
        // libvirt-dbus asks with VIR_TYPED_PARAM_STRING_OKAY, which the test driver refuses;
        // a service that answers must answer with the weight.
        match test.get_scheduler_parameters(0).await {
            Ok(params) => {
                assert!(params.contains_key("weight"), "{params:?}");
            }
            Err(e) => assert!(
                common::libvirt_error(&e).contains("unsupported flags (0x4)"),
                "{e:?}"
            ),
        }

        // Memory tunables round-trip.
        let mut p = HashMap::new();
        p.insert("hard_limit", Variant::from(1_000_000u64));
        test.set_memory_parameters(p, 0).await.unwrap();
        let got = test.get_memory_parameters(0).await.unwrap();
        assert_eq!(common::v_u64(&got["hard_limit"]), 1_000_000);
        assert!(got.contains_key("soft_limit"), "{got:?}");
        assert!(got.contains_key("swap_hard_limit"), "{got:?}");
        let xml = test.get_xml_desc(0).await.unwrap();
        assert!(
            xml.contains("<hard_limit unit='KiB'>1000000</hard_limit>"),
            "{xml}"
        );

        let numa = test.get_numa_parameters(0).await.unwrap();
        assert!(numa.contains_key("numa_mode"), "{numa:?}");
        let blkio = test.get_block_io_parameters(0).await.unwrap();
        assert!(blkio.contains_key("weight"), "{blkio:?}");
        let perf = test.get_perf_events(0).await.unwrap();
        assert!(perf.contains_key("cmt"), "{perf:?}");
        let tune = test.get_block_io_tune("vda", 0).await.unwrap();
        assert!(tune.contains_key("total_bytes_sec"), "{tune:?}");
        let iface = test.get_interface_parameters("testnet0", 0).await.unwrap();
        assert!(iface.contains_key("inbound.average"), "{iface:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_time_hostname_and_guest_queries() {
    with_timeout(async {
        let (service, _, vm) = with_foo().await;
        // The default domain has a balloon: ACTUAL_BALLOON (6) is its current memory.
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let mem = test.memory_stats(0).await.unwrap();
        assert_eq!(mem.get(&6), Some(&2_097_152), "{mem:?}");
        // Inactive: state stats only; guest queries need a running domain.
        let stats = vm.get_stats(0, 0).await.unwrap();
        assert_eq!(common::v_i32(&stats["state.state"]), SHUTOFF);
        for e in [
            vm.get_time(0).await.map(|_| ()),
            vm.get_hostname(0).await.map(|_| ()),
            vm.get_control_info(0).await.map(|_| ()),
            vm.get_fs_info(0).await.map(|_| ()),
            vm.interface_addresses(0, 0).await.map(|_| ()),
            vm.memory_peek(0, 16, 1).await.map(|_| ()),
        ] {
            assert_libvirt_error(e, NOT_RUNNING);
        }

        vm.create(0).await.unwrap();
        let stats = vm.get_stats(0, 0).await.unwrap();
        assert_eq!(common::v_i32(&stats["state.state"]), RUNNING);
        assert_eq!(common::v_i32(&stats["state.reason"]), 1);
        assert_eq!(vm.get_hostname(0).await.unwrap(), "foohost");
        assert_libvirt_error(vm.get_hostname(1).await, "unsupported flags (0x1)");
        let (secs, _nsecs) = vm.get_time(0).await.unwrap();
        assert!(secs > 0);
        vm.set_time(5, 0, 0).await.unwrap();
        assert_eq!(vm.get_time(0).await.unwrap().0, 5);
        let (control, _, _) = vm.get_control_info(0).await.unwrap();
        assert!(control <= 3, "virDomainControlState, got {control}");
        // vm has no disks, so no filesystems.
        assert!(vm.get_fs_info(0).await.unwrap().is_empty());
        assert_eq!(
            vm.fs_freeze(&[], 0).await.unwrap(),
            vm.fs_thaw(&[], 0).await.unwrap()
        );
        let peek = vm.memory_peek(0, 16, 1).await.unwrap();
        assert_eq!(peek.len(), 16);
        assert_libvirt_error(
            vm.memory_peek(0, 16, 0).await,
            "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL",
        );
        assert!(vm.list_domain_snapshots(0).await.unwrap().is_empty());
        assert_libvirt_error(
            vm.snapshot_current(0).await,
            "the domain does not have a current snapshot",
        );
        vm.inject_nmi(0).await.unwrap();
        vm.send_key(0, 0, &[1], 0).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_keeps_the_path() {
    with_timeout(async {
        let (service, path, vm) = with_foo().await;
        let connect = service.connect_proxy().await;
        vm.rename("bar", 0).await.unwrap();
        assert_eq!(vm.name().await.unwrap(), "bar");
        assert_eq!(vm.uuid().await.unwrap(), FOO_UUID);
        assert_eq!(
            connect.domain_lookup_by_name("bar").await.unwrap().as_str(),
            path,
            "the path comes from the UUID and survives the rename"
        );
        assert_libvirt_error(
            connect.domain_lookup_by_name("foo").await,
            "Domain not found",
        );
        assert!(vm
            .get_xml_desc(0)
            .await
            .unwrap()
            .contains("<name>bar</name>"));

        assert_libvirt_error(
            vm.rename("test", 0).await,
            "domain with name 'test' already exists",
        );
        assert_libvirt_error(vm.rename("a/b", 0).await, "cannot contain '/'");
        assert_libvirt_error(vm.rename("bar", 0).await, "Can't rename domain to itself");
        let e = vm.rename("", 0).await.expect_err("empty name");
        common::libvirt_error(&e);
        assert_eq!(
            vm.name().await.unwrap(),
            "bar",
            "refused renames changed nothing"
        );

        vm.create(0).await.unwrap();
        assert_libvirt_error(vm.rename("baz", 0).await, "cannot rename active domain");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn members_the_test_driver_lacks_are_not_supported() {
    with_timeout(async {
        let service = Service::start().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let disk = "<disk type='file' device='disk'><source file='/tmp/x.img'/>\
                    <target dev='vdb' bus='virtio'/></disk>";
        let checks: Vec<(&str, zbus::Result<()>)> = vec![
            (
                "virDomainAttachDeviceFlags",
                test.attach_device(disk, 0).await,
            ),
            (
                "virDomainDetachDeviceFlags",
                test.detach_device(disk, 0).await,
            ),
            (
                "virDomainUpdateDeviceFlags",
                test.update_device(disk, 0).await,
            ),
            ("virDomainAbortJob", test.abort_job().await),
            (
                "virDomainBlockPeek",
                test.block_peek("vda", 0, 16, 0).await.map(|_| ()),
            ),
            ("virDomainBlockPull", test.block_pull("vda", 0, 0).await),
            (
                "virDomainBlockResize",
                test.block_resize("vda", 1024, 0).await,
            ),
            (
                "virDomainBlockJobAbort",
                test.block_job_abort("vda", 0).await,
            ),
            ("virDomainGetJobInfo", test.get_job_info().await.map(|_| ())),
            (
                "virDomainGetJobStats",
                test.get_job_stats(0).await.map(|_| ()),
            ),
            (
                "virDomainGetSecurityLabelList",
                test.get_security_label_list().await.map(|_| ()),
            ),
            (
                "virDomainGetGuestVcpus",
                test.get_guest_vcpus(0).await.map(|_| ()),
            ),
            ("virDomainPMWakeup", test.pm_wakeup(0).await),
            (
                "virDomainMigrateGetMaxSpeed",
                test.migrate_get_max_speed(0).await.map(|_| ()),
            ),
            (
                "virDomainMigrateSetMaxSpeed",
                test.migrate_set_max_speed(0, 0).await,
            ),
            (
                "virDomainMigrateStartPostCopy",
                test.migrate_start_post_copy(0).await,
            ),
        ];
        for (api, r) in checks {
            let text = assert_libvirt_error(r, NO_SUPPORT);
            assert_eq!(text, format!("{NO_SUPPORT}: {api}"));
        }
        // The domain is untouched.
        assert!(!test
            .get_xml_desc(0)
            .await
            .unwrap()
            .contains("<target dev='vdb'"));
        let _ = LIBVIRT_ERROR;
    })
    .await;
}
