//! Bad input of every kind: malformed and invalid XML, bad names and UUIDs, huge sizes and
//! arrays, unknown and malformed object paths, and a sweep over every method of every served
//! interface (`SWEPT`, read from the reference inventory) with wrong argument types and with
//! plausible-but-bad values. Every call must get a reply (an error or a valid return, never
//! silence), nothing may be half-applied, and the service must still be alive and correct
//! afterwards.

mod common;

use std::{collections::HashMap, time::Duration};

use common::{
    assert_libvirt_error, call, domain_xml, domain_xml_uuid,
    sweep::{body, inventory, wrong_body, Member, Values},
    with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_DOMAIN_PATH, TEST_DOMAIN_UUID, TEST_PATH,
};
use zbus::{Structure, Variant};

/// Upper bound for one reply in the sweep.
const REPLY_LIMIT: Duration = Duration::from_secs(5);

const VICTIM_UUID: &str = "99999999-8888-7777-6666-555555555555";
const VICTIM_NETWORK_UUID: &str = "99999999-8888-7777-6666-444444444444";
const VICTIM_POOL_UUID: &str = "99999999-8888-7777-6666-333333333333";
const VICTIM_SECRET_UUID: &str = "99999999-8888-7777-6666-111111111111";
const VICTIM_NWFILTER_UUID: &str = "99999999-8888-7777-6666-222222222222";
/// The interfaces the sweep calls every method of.
const SWEPT: [&str; 10] = [
    "org.libvirt.Connect",
    "org.libvirt.Domain",
    "org.libvirt.Network",
    "org.libvirt.DomainSnapshot",
    "org.libvirt.StoragePool",
    "org.libvirt.StorageVol",
    "org.libvirt.NWFilter",
    "org.libvirt.Secret",
    "org.libvirt.NodeDevice",
    "org.libvirt.Interface",
];

async fn define_err(service: &Service, xml: &str) -> String {
    let connect = service.connect_proxy().await;
    let e = connect
        .domain_define_xml(xml)
        .await
        .expect_err("definition must be refused");
    common::libvirt_error(&e)
}

/// The domains are exactly the default one: nothing half-applied.
async fn assert_only_default_domain(service: &Service) {
    assert_eq!(
        common::list_domains(&service.conn, 0).await,
        [TEST_DOMAIN_PATH],
        "a refused call left something behind"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_xml_reports_line_and_column() {
    with_timeout(async {
        let service = Service::start().await;
        let text = define_err(
            &service,
            "<domain type='test'><name>x</name>\n<memory>10</memory><os><type>hvm</type></os>\n</domian>",
        )
        .await;
        assert!(text.starts_with("(domain_definition):3"), "{text}");
        assert!(text.contains("Opening and ending tag mismatch"), "{text}");
        // The offending line and a caret under column 10.
        assert!(text.contains("\n</domian>\n---------^"), "{text:?}");

        let text = define_err(&service, "<domain").await;
        assert!(text.starts_with("(domain_definition):1"), "{text}");
        let text = define_err(&service, "not xml at all").await;
        assert!(text.contains("Start tag expected, '<' not found"), "{text}");
        let text = define_err(&service, "").await;
        assert!(text.contains("Document is empty"), "{text}");
        let text = define_err(&service, "<domain type='test'><name>a\u{1}b</name></domain>").await;
        assert!(text.starts_with("(domain_definition):1"), "{text}");
        let text = define_err(&service, "<domain type='test'><name>a&#1;b</name></domain>").await;
        assert!(text.starts_with("(domain_definition):1"), "{text}");
        // Deep nesting and huge documents are refused or parsed, never a crash.
        let deep = format!(
            "<domain type='test'><name>deep</name>{}{}</domain>",
            "<metadata>".repeat(100_000),
            "</metadata>".repeat(100_000)
        );
        let connect = service.connect_proxy().await;
        assert!(connect.domain_define_xml(&deep).await.is_err());
        assert_only_default_domain(&service).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_definitions_are_refused_with_libvirt_texts() {
    with_timeout(async {
        let service = Service::start().await;
        let cases: Vec<(String, &str)> = vec![
            (
                "<network><name>x</name></network>".into(),
                "XML error: expecting root element of 'domain', not 'network'",
            ),
            (
                "<domain type='test'><memory>1048576</memory><os><type>hvm</type></os></domain>"
                    .into(),
                "missing name information",
            ),
            (domain_xml(""), "missing name information"),
            (domain_xml("a/b"), "XML error: name a/b cannot contain '/'"),
            (domain_xml("a\nb"), "invalid char in name"),
            (
                domain_xml("test"),
                "operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f",
            ),
            (
                domain_xml_uuid("other", TEST_DOMAIN_UUID),
                "operation failed: domain 'test' is already defined with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f",
            ),
            (
                domain_xml_uuid("other", "nope"),
                "internal error: malformed uuid element",
            ),
            (
                "<domain type='bogus'><name>o</name><memory>1048576</memory><os><type>hvm</type></os></domain>".into(),
                "unsupported configuration: invalid domain type bogus",
            ),
            (
                "<domain><name>o</name><memory>1048576</memory><os><type>hvm</type></os></domain>"
                    .into(),
                "missing domain type attribute",
            ),
            (
                "<domain type='test'><name>o</name><memory>99999999999999999999999</memory><os><type>hvm</type></os></domain>".into(),
                "Invalid value '99999999999999999999999'",
            ),
            (
                "<domain type='test'><name>o</name><os><type>hvm</type></os></domain>".into(),
                "Memory size must be specified",
            ),
            (
                "<domain type='test'><name>o</name><memory>1048576</memory></domain>".into(),
                "an os <type> must be specified",
            ),
        ];
        let mut wrong = Vec::new();
        for (xml, needle) in &cases {
            let text = define_err(&service, xml).await;
            if !text.contains(needle) {
                wrong.push(format!("{xml:?}\n  expected {needle:?}\n  got      {text:?}"));
            }
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
        assert_only_default_domain(&service).await;

        // The same checks hold for transient domains.
        let connect = service.connect_proxy().await;
        assert_libvirt_error(
            connect.domain_create_xml(&domain_xml("a/b"), 0).await,
            "cannot contain '/'",
        );
        assert_libvirt_error(
            connect.domain_create_xml(&domain_xml_uuid("o", TEST_DOMAIN_UUID), 0).await,
            "already",
        );
        assert_only_default_domain(&service).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dot_names_are_refused_or_fully_usable() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        for name in ["..", ".", "a\tb", "名前", "x".repeat(1000).as_str()] {
            match connect.domain_define_xml(&domain_xml(name)).await {
                Ok(path) => {
                    // Accepted: then it must be consistent everywhere.
                    let found = connect.domain_lookup_by_name(name).await.unwrap();
                    assert_eq!(found, path, "{name:?}");
                    let dom = service.domain_proxy(path.as_str()).await;
                    assert_eq!(dom.name().await.unwrap(), name);
                    dom.undefine(0).await.unwrap();
                }
                Err(e) => {
                    common::libvirt_error(&e);
                }
            }
        }
        assert_only_default_domain(&service).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_uuid_strings() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        for bad in [
            "",
            "x",
            "6695eb01-f6a4-8304-79aa-97f2502e193",
            "6695eb01-f6a4-8304-79aa-97f2502e193ff",
            "6695eb01-f6a4-8304-79aa-97f2502e193z",
            "{6695eb01-f6a4-8304-79aa-97f2502e193f}",
            // (A NUL cannot travel in a D-Bus string; the bus would drop the connection.)
            &"f".repeat(100_000),
        ] {
            assert_libvirt_error(connect.domain_lookup_by_uuid(bad).await, "Invalid UUID");
        }
        // (An empty <uuid/> means "generate one", as in libvirt.)
        for bad in ["6695eb01-f6a4-8304-79aa-97f2502e193", "zzzz", "{}"] {
            let xml = format!(
                "<domain type='test'><name>u</name><uuid>{bad}</uuid><memory>1048576</memory><os><type>hvm</type></os></domain>"
            );
            let text = define_err(&service, &xml).await;
            assert!(text.contains("uuid"), "{text}");
        }
        assert_only_default_domain(&service).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_sizes_are_refused_without_allocating() {
    with_timeout(async {
        let service = Service::start().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        for size in [1u64 << 63, u64::MAX, 1 << 40] {
            // Memory peek: VIR_MEMORY_VIRTUAL (1) is accepted by the test driver.
            let e = test
                .memory_peek(0, size, 1)
                .await
                .expect_err("huge MemoryPeek");
            common::libvirt_error(&e);
            let e = test
                .block_peek("vda", 0, size, 0)
                .await
                .expect_err("huge BlockPeek");
            common::libvirt_error(&e);
            let e = test.set_memory(size, 0).await.expect_err("huge SetMemory");
            common::libvirt_error(&e);
            let e = test
                .memory_peek(u64::MAX, size, 1)
                .await
                .expect_err("offset overflow");
            common::libvirt_error(&e);
        }
        // A sane peek still works and the memory is what it was.
        assert_eq!(test.memory_peek(0, 16, 1).await.unwrap().len(), 16);
        let xml = test.get_xml_desc(0).await.unwrap();
        assert!(
            xml.contains("<currentMemory unit='KiB'>2097152</currentMemory>"),
            "{xml}"
        );
        assert!(service_alive(&service), "service died");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_arrays_and_strings_get_a_reply() {
    with_timeout(async {
        let service = Service::start().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let connect = service.connect_proxy().await;
        let many_bools = vec![true; 1_000_000];
        let many_u32 = vec![1u32; 1_000_000];
        let many_strings: Vec<String> = (0..100_000).map(|i| format!("/mnt/{i}")).collect();
        let many_refs: Vec<&str> = many_strings.iter().map(String::as_str).collect();
        let big_string = "x".repeat(8 << 20);

        let replies: Vec<(&str, Result<(), zbus::Error>)> = vec![
            ("PinVcpu", test.pin_vcpu(0, &many_bools, 0).await),
            ("PinEmulator", test.pin_emulator(&many_bools, 0).await),
            ("SendKey", test.send_key(0, 0, &many_u32, 0).await),
            ("FSFreeze", test.fs_freeze(&many_refs, 0).await.map(|_| ())),
            (
                "BaselineCPU",
                connect.baseline_cpu(&many_refs, 0).await.map(|_| ()),
            ),
            (
                "SetGuestVcpus",
                test.set_guest_vcpus(&many_bools, 1, 0).await,
            ),
            (
                "DomainDefineXML",
                connect.domain_define_xml(&big_string).await.map(|_| ()),
            ),
            (
                "DomainLookupByName",
                connect.domain_lookup_by_name(&big_string).await.map(|_| ()),
            ),
            (
                "SetMetadata",
                test.set_metadata(0, &big_string, "", "", 0).await,
            ),
        ];
        for (method, r) in replies {
            if let Err(e) = r {
                let (name, text) = common::error_parts(&e)
                    .unwrap_or_else(|| panic!("{method}: no error reply: {e:?}"));
                assert!(
                    name == LIBVIRT_ERROR
                        || name == "org.freedesktop.DBus.Error.InvalidArgs"
                        || name == "org.freedesktop.DBus.Error.LimitsExceeded",
                    "{method}: {name}: {text}"
                );
            }
        }
        // Many typed parameters.
        let mut params = HashMap::new();
        let keys: Vec<String> = (0..100_000).map(|i| format!("p{i}")).collect();
        for k in &keys {
            params.insert(k.as_str(), Variant::from(1u32));
        }
        let e = test
            .set_scheduler_parameters(params, 0)
            .await
            .expect_err("100000 unknown parameters");
        common::libvirt_error(&e);
        assert!(service_alive(&service), "service died");
        assert_eq!(common::state(&test).await.0, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_malformed_domain_paths() {
    with_timeout(async {
        let service = Service::start().await;
        // Well-formed path of a domain that does not exist: libvirt's "Domain not found".
        let unknown = common::domain_path("00000000-0000-0000-0000-000000000000");
        let dom = service.domain_proxy(&unknown).await;
        let text = assert_libvirt_error(dom.get_state(0).await, "Domain not found");
        assert!(text.starts_with("Domain not found"), "{text}");
        assert_libvirt_error(dom.create(0).await, "Domain not found");
        assert_libvirt_error(dom.undefine(0).await, "Domain not found");
        assert_libvirt_error(dom.get_xml_desc(0).await, "Domain not found");

        // Malformed or short paths under .../domain: an error reply of either kind.
        for path in [
            "/org/libvirt/Test/domain/abc",
            "/org/libvirt/Test/domain/_abc",
            "/org/libvirt/Test/domain/_",
            "/org/libvirt/Test/domain/6695eb01_f6a4_8304_79aa_97f2502e193f",
            "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f/sub",
            "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f_00",
            "/org/libvirt/Test/domain/_zzzzzzzz_zzzz_zzzz_zzzz_zzzzzzzzzzzz",
            "/org/libvirt/Test/domain",
            "/org/libvirt/Test/domainsnapshot/x",
            "/org/libvirt/Test/domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f_x",
            "/org/libvirt/Nope",
            "/",
        ] {
            let reply = tokio::time::timeout(
                REPLY_LIMIT,
                call(
                    &service.conn,
                    path,
                    "org.libvirt.Domain",
                    "GetState",
                    &(0u32,),
                ),
            )
            .await
            .unwrap_or_else(|_| panic!("no reply for {path}"));
            let (name, _) = reply.expect_err();
            assert!(
                name == LIBVIRT_ERROR || name.starts_with("org.freedesktop.DBus.Error.Unknown"),
                "{path}: {name}"
            );
        }
        assert!(service_alive(&service));
        assert_eq!(
            common::list_domains(&service.conn, 0).await,
            [TEST_DOMAIN_PATH]
        );
    })
    .await;
}

fn service_alive(service: &Service) -> bool {
    common::send_signal(service.pid(), 0)
}

/// Makes sure the sweep's victim domain exists and runs; returns its path.
async fn ensure_victim(service: &Service) -> String {
    let path = common::domain_path(VICTIM_UUID);
    let connect = service.connect_proxy().await;
    if connect.domain_lookup_by_uuid(VICTIM_UUID).await.is_err() {
        connect
            .domain_define_xml(&domain_xml_uuid("victim", VICTIM_UUID))
            .await
            .expect("define victim");
    }
    let dom = service.domain_proxy(&path).await;
    if !dom.active().await.unwrap_or(false) {
        let _ = dom.resume().await;
        let _ = dom.create(0).await;
    }
    path
}

/// Makes sure the sweep's victim network exists and runs; returns its path.
async fn ensure_victim_network(service: &Service) -> String {
    let path = format!(
        "{TEST_PATH}/network/_{}",
        VICTIM_NETWORK_UUID.replace('-', "_")
    );
    let lookup = call(
        &service.conn,
        TEST_PATH,
        "org.libvirt.Connect",
        "NetworkLookupByUUID",
        &(VICTIM_NETWORK_UUID,),
    )
    .await;
    if !matches!(lookup, Reply::Ok(_)) {
        let xml =
            format!("<network><name>victimnet</name><uuid>{VICTIM_NETWORK_UUID}</uuid></network>");
        call(
            &service.conn,
            TEST_PATH,
            "org.libvirt.Connect",
            "NetworkDefineXML",
            &(xml,),
        )
        .await
        .expect_ok();
    }
    // Already running is fine.
    let _ = call(&service.conn, &path, "org.libvirt.Network", "Create", &()).await;
    path
}

/// Makes sure the victim domain has the sweep's victim snapshot; returns its path.
async fn ensure_victim_snapshot(service: &Service) -> String {
    let domain = ensure_victim(service).await;
    let lookup = call(
        &service.conn,
        &domain,
        "org.libvirt.Domain",
        "SnapshotLookupByName",
        &("victimsnap", 0u32),
    )
    .await;
    let reply = match lookup {
        Reply::Ok(msg) => Reply::Ok(msg),
        _ => {
            call(
                &service.conn,
                &domain,
                "org.libvirt.Domain",
                "SnapshotCreateXML",
                &(
                    "<domainsnapshot><name>victimsnap</name></domainsnapshot>",
                    0u32,
                ),
            )
            .await
        }
    };
    let path: zbus::OwnedObjectPath = reply.expect_ok().body().deserialize().unwrap();
    path.to_string()
}

/// Makes sure the sweep's victim pool exists and runs; returns its path.
async fn ensure_victim_pool(service: &Service) -> String {
    let path = format!(
        "{TEST_PATH}/storagepool/_{}",
        VICTIM_POOL_UUID.replace('-', "_")
    );
    let lookup = call(
        &service.conn,
        TEST_PATH,
        "org.libvirt.Connect",
        "StoragePoolLookupByUUID",
        &(VICTIM_POOL_UUID,),
    )
    .await;
    if !matches!(lookup, Reply::Ok(_)) {
        let xml = format!(
            "<pool type='dir'><name>victimpool</name><uuid>{VICTIM_POOL_UUID}</uuid>\
             <target><path>/victimpool</path></target></pool>"
        );
        call(
            &service.conn,
            TEST_PATH,
            "org.libvirt.Connect",
            "StoragePoolDefineXML",
            &(xml, 0u32),
        )
        .await
        .expect_ok();
    }
    // Already running is fine.
    let _ = call(
        &service.conn,
        &path,
        "org.libvirt.StoragePool",
        "Create",
        &(0u32,),
    )
    .await;
    path
}

/// Makes sure the victim pool has the sweep's victim volume; returns its path.
async fn ensure_victim_volume(service: &Service) -> String {
    let pool = ensure_victim_pool(service).await;
    let iface = "org.libvirt.StoragePool";
    let lookup = call(
        &service.conn,
        &pool,
        iface,
        "StorageVolLookupByName",
        &("victim.img",),
    )
    .await;
    let reply = match lookup {
        Reply::Ok(msg) => Reply::Ok(msg),
        _ => {
            let xml = "<volume><name>victim.img</name><capacity>1048576</capacity></volume>";
            call(
                &service.conn,
                &pool,
                iface,
                "StorageVolCreateXML",
                &(xml, 0u32),
            )
            .await
        }
    };
    let path: zbus::OwnedObjectPath = reply.expect_ok().body().deserialize().unwrap();
    path.to_string()
}

/// Makes sure the sweep's victim secret exists (it may have been undefined); returns its path.
async fn ensure_victim_secret(service: &Service) -> String {
    let xml = format!(
        "<secret><uuid>{VICTIM_SECRET_UUID}</uuid>\
         <usage type='ceph'><name>victim</name></usage></secret>"
    );
    // Defining it again is harmless.
    let _ = call(
        &service.conn,
        TEST_PATH,
        "org.libvirt.Connect",
        "SecretDefineXML",
        &(xml, 0u32),
    )
    .await;
    format!(
        "{TEST_PATH}/secret/_{}",
        VICTIM_SECRET_UUID.replace('-', "_")
    )
}

/// Makes sure the sweep's victim network filter exists (it may have been undefined);
/// returns its path.
async fn ensure_victim_nwfilter(service: &Service) -> String {
    let xml = format!(
        "<filter name='victimfilter'><uuid>{VICTIM_NWFILTER_UUID}</uuid>\
         <rule action='drop' direction='in'><tcp dstportstart='23'/></rule></filter>"
    );
    // Defining it again is harmless.
    let _ = call(
        &service.conn,
        TEST_PATH,
        "org.libvirt.Connect",
        "NWFilterDefineXML",
        &(xml,),
    )
    .await;
    format!(
        "{TEST_PATH}/nwfilter/_{}",
        VICTIM_NWFILTER_UUID.replace('-', "_")
    )
}

/// Makes sure the sweep's victim node device exists (Destroy may have removed it): the vHBA
/// the test driver creates, `scsi_host12`. Returns its path.
async fn ensure_victim_node_device(service: &Service) -> String {
    call(
        &service.conn,
        TEST_PATH,
        "org.libvirt.Connect",
        "NodeDeviceCreateXML",
        &(
            "<device><parent>scsi_host2</parent><capability type='scsi_host'>\
             <capability type='fc_host'><wwnn>2001001b32a9da4e</wwnn>\
             <wwpn>2101001b32a9da4e</wwpn></capability></capability></device>",
            0u32,
        ),
    )
    .await;
    format!("{TEST_PATH}/nodedev/scsi_5fhost12")
}

/// Makes sure the sweep's victim host interface exists (Undefine may have removed it);
/// returns its path.
async fn ensure_victim_interface(service: &Service) -> String {
    // Defining it again is harmless.
    let _ = call(
        &service.conn,
        TEST_PATH,
        "org.libvirt.Connect",
        "InterfaceDefineXML",
        &(
            "<interface type='ethernet' name='victim0'>\
             <mac address='52:54:00:99:88:77'/></interface>",
            0u32,
        ),
    )
    .await;
    format!("{TEST_PATH}/interface/52_3a54_3a00_3a99_3a88_3a77")
}

/// The object the sweep calls the methods of interface `iface` on.
async fn sweep_path(service: &Service, iface: &str) -> String {
    match iface {
        "org.libvirt.Domain" => ensure_victim(service).await,
        "org.libvirt.Network" => ensure_victim_network(service).await,
        "org.libvirt.DomainSnapshot" => ensure_victim_snapshot(service).await,
        "org.libvirt.StoragePool" => ensure_victim_pool(service).await,
        "org.libvirt.StorageVol" => ensure_victim_volume(service).await,
        "org.libvirt.NWFilter" => ensure_victim_nwfilter(service).await,
        "org.libvirt.Secret" => ensure_victim_secret(service).await,
        "org.libvirt.NodeDevice" => ensure_victim_node_device(service).await,
        "org.libvirt.Interface" => ensure_victim_interface(service).await,
        _ => TEST_PATH.to_string(),
    }
}

/// One sweep call: a reply must come within [`REPLY_LIMIT`].
async fn sweep_call(service: &Service, path: &str, m: &Member, body: &Structure<'_>) -> Reply {
    let send = async {
        if m.in_sig.is_empty() && body.fields().is_empty() {
            call(&service.conn, path, &m.interface, &m.name, &()).await
        } else {
            call(&service.conn, path, &m.interface, &m.name, body).await
        }
    };
    match tokio::time::timeout(REPLY_LIMIT, send).await {
        Ok(r) => r,
        Err(_) => panic!(
            "{}.{}: no reply within {REPLY_LIMIT:?} (body {})",
            m.interface, m.name, body
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn arguments_wrapped_in_a_structure_are_refused_and_nothing_runs() {
    with_timeout(async {
        let service = Service::start().await;
        let invalid = "org.freedesktop.DBus.Error.InvalidArgs";
        // The example: `busctl call ... NodeGetCPUStats '(iu)' 0 0`.
        let r = call(
            &service.conn,
            TEST_PATH,
            "org.libvirt.Connect",
            "NodeGetCPUStats",
            &((0i32, 0u32),),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                invalid,
                "Type of message, “((iu))”, does not match expected type “(iu)”"
            )
        );
        // One argument in a structure: GDBus's text, not zbus's.
        let r = call(
            &service.conn,
            TEST_DOMAIN_PATH,
            "org.libvirt.Domain",
            "GetState",
            &((0u32,),),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                invalid,
                "Type of message, “((u))”, does not match expected type “(u)”"
            )
        );
        // State-changing members do not run.
        let r = call(
            &service.conn,
            TEST_DOMAIN_PATH,
            "org.libvirt.Domain",
            "SetMemory",
            &((1024u64, 0u32),),
        )
        .await;
        assert_eq!(r.expect_err().0, invalid);
        let r = call(
            &service.conn,
            TEST_PATH,
            "org.libvirt.Connect",
            "DomainDefineXML",
            &((domain_xml("wrapped"),),),
        )
        .await;
        assert_eq!(r.expect_err().0, invalid);
        assert_only_default_domain(&service).await;
        let dom = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let xml = dom.get_xml_desc(0).await.unwrap();
        assert!(!xml.contains("<currentMemory unit='KiB'>1024<"), "{xml}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sweep_every_method_with_wrong_types_and_bad_values() {
    with_timeout(async {
        let service = Service::start().await;
        let members = inventory(&SWEPT);
        assert!(
            members.len() >= 140,
            "inventory has only {} Connect/Domain methods",
            members.len()
        );
        let mut problems = Vec::new();
        let mut calls = 0;
        for m in &members {
            let path = sweep_path(&service, &m.interface).await;

            // Wrong argument types: a standard D-Bus error, never org.libvirt.Error or silence.
            let r = sweep_call(&service, &path, m, &wrong_body(m)).await;
            calls += 1;
            match &r {
                Reply::Err { name, .. } if name == "org.freedesktop.DBus.Error.InvalidArgs" => {}
                other => problems.push(format!("{}: wrong types -> {other:?}", m.name)),
            }
            // The right arguments wrapped in one structure: GDBus refuses them (libvirt-dbus
            // answers InvalidArgs), so must we, before anything runs.
            if let Some(b) = body(m, Values::Zero) {
                let wrapped = Structure::builder()
                    .append_field(Variant::Structure(b))
                    .build()
                    .expect("a wrapped body");
                let send = call(&service.conn, &path, &m.interface, &m.name, &wrapped);
                let r = tokio::time::timeout(REPLY_LIMIT, send)
                    .await
                    .unwrap_or_else(|_| panic!("{}: no reply to a wrapped body", m.name));
                calls += 1;
                let want = format!(
                    "Type of message, “(({}))”, does not match expected type “({})”",
                    m.in_sig, m.in_sig
                );
                match &r {
                    Reply::Err { name, text }
                        if name == "org.freedesktop.DBus.Error.InvalidArgs" && *text == want => {}
                    other => problems.push(format!("{}: wrapped body -> {other:?}", m.name)),
                }
            }
            if !m.in_sig.is_empty() {
                let empty = Structure::builder().build();
                // An empty structure cannot be built; send an empty body instead.
                let r = match empty {
                    Ok(s) => sweep_call(&service, &path, m, &s).await,
                    Err(_) => call(&service.conn, &path, &m.interface, &m.name, &()).await,
                };
                calls += 1;
                match &r {
                    Reply::Err { name, .. } if name == "org.freedesktop.DBus.Error.InvalidArgs" => {
                    }
                    other => problems.push(format!("{}: empty body -> {other:?}", m.name)),
                }
            }

            // Well-typed but bad values: a valid reply or org.libvirt.Error.
            for values in [Values::Zero, Values::Max] {
                let Some(b) = body(m, values) else { continue };
                let path = sweep_path(&service, &m.interface).await;
                let r = sweep_call(&service, &path, m, &b).await;
                calls += 1;
                match &r {
                    Reply::Ok(_) => {}
                    Reply::Err { name, text } if name == LIBVIRT_ERROR => {
                        if text.is_empty() {
                            problems.push(format!("{}: {values:?} -> empty error text", m.name));
                        }
                    }
                    other => problems.push(format!("{}: {values:?} -> {other:?}", m.name)),
                }
            }
            if !service_alive(&service) {
                panic!(
                    "service died after {}.{}; stderr:\n{}",
                    m.interface,
                    m.name,
                    service.stderr()
                );
            }
        }
        assert!(calls > 400, "only {calls} calls made");

        // Still alive and still right.
        assert!(
            service_alive(&service),
            "service died; stderr:\n{}",
            service.stderr()
        );
        let connect = service.connect_proxy().await;
        let domains = connect
            .list_domains(0)
            .await
            .expect("ListDomains after the sweep");
        assert!(
            domains
                .iter()
                .all(|p| p.as_str().starts_with("/org/libvirt/Test/domain/_")),
            "{domains:?}"
        );
        let victim = ensure_victim(&service).await;
        let dom = service.domain_proxy(&victim).await;
        assert_eq!(dom.name().await.unwrap(), "victim");
        assert!(dom.active().await.unwrap());

        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    })
    .await;
}

#[test]
fn signature_splitting() {
    use common::sweep::split_signature;
    assert_eq!(split_signature("sa{sv}u"), ["s", "a{sv}", "u"]);
    assert_eq!(split_signature("uabu"), ["u", "ab", "u"]);
    assert_eq!(split_signature("a(sa{sv})"), ["a(sa{sv})"]);
    assert!(split_signature("").is_empty());
}
