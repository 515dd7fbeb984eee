//! `org.libvirt.Connect` members beyond listing and lookups: creating a domain with file
//! descriptors, rewriting a save image's definition, CPU baselines, and the node memory,
//! CPU comparison and domain-capability members the test driver lacks.
//!
//! Every expected value and error text was observed from libvirt-dbus 1.4.1 with libvirt
//! 9.0's `test:///default` (run this suite with `VIRTBUS_TEST_TARGET=libvirt-dbus` to check
//! it against that reference again).

mod common;

use std::collections::HashMap;

use common::{
    domain_xml, with_timeout, Reply, Service, LIBVIRT_ERROR, NO_SUPPORT, TEST_DOMAIN_PATH,
    TEST_PATH,
};
use zbus::Variant;

const CONNECT: &str = "org.libvirt.Connect";

/// Asserts that `r` failed with exactly the `org.libvirt.Error` text `text`.
#[track_caller]
fn err_is<T: std::fmt::Debug>(r: zbus::Result<T>, text: &str) {
    let got = common::assert_libvirt_error(r, text);
    assert_eq!(got, text);
}

/// The "not supported" text for the libvirt API `api`.
fn no_support(api: &str) -> String {
    format!("{NO_SUPPORT}: {api}")
}

/// The error name and text of `reply`; panics (showing it) if it is not an error.
fn reply_err(reply: Reply) -> (String, String) {
    let (name, text) = reply.expect_err();
    (name.to_string(), text.to_string())
}

/// `Connect.DomainCreateXMLWithFiles(s xml, ah files, u flags)` with real descriptors.
async fn create_with_files(
    service: &Service,
    xml: &str,
    files: &[&std::fs::File],
    flags: u32,
) -> Reply {
    let fds: Vec<zbus::Fd<'_>> = files.iter().map(|f| zbus::Fd::from(*f)).collect();
    common::call(
        &service.conn,
        TEST_PATH,
        CONNECT,
        "DomainCreateXMLWithFiles",
        &(xml, fds, flags),
    )
    .await
}

/// The object path a successful reply carries.
fn reply_path(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: zbus::OwnedObjectPath = msg.body().deserialize().expect("reply is (o)");
    path.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_create_xml_with_files_starts_a_transient_domain() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let a = std::fs::File::open("/dev/null").unwrap();
        let b = std::fs::File::open("/dev/null").unwrap();

        // VIR_DOMAIN_START_PAUSED, _AUTODESTROY and _VALIDATE are refused.
        for flags in [1u32, 2, 8] {
            let reply = create_with_files(&service, &domain_xml("wf"), &[&a], flags).await;
            assert_eq!(
                reply_err(reply),
                (
                    LIBVIRT_ERROR.to_string(),
                    format!("unsupported flags ({flags:#x}) in function testDomainCreateXML")
                )
            );
        }
        let reply = create_with_files(&service, "<nope/>", &[&a], 0).await;
        assert_eq!(
            reply_err(reply).1,
            "XML error: expecting root element of 'domain', not 'nope'"
        );
        assert_eq!(
            common::list_domains(&service.conn, 0).await,
            [TEST_DOMAIN_PATH],
            "refused calls created nothing"
        );

        let path = reply_path(create_with_files(&service, &domain_xml("wf"), &[&a, &b], 0).await);
        assert_eq!(
            connect.domain_lookup_by_name("wf").await.unwrap().as_str(),
            path
        );
        let wf = service.domain_proxy(&path).await;
        assert_eq!(common::state(&wf).await, (1, 1), "RUNNING/BOOTED");
        assert!(!wf.persistent().await.unwrap(), "transient");
        let uuid = wf.uuid().await.unwrap();
        assert_eq!(path, common::domain_path(&uuid));
        let reply = create_with_files(&service, &domain_xml("wf"), &[&a], 0).await;
        assert_eq!(
            reply_err(reply).1,
            format!("operation failed: domain 'wf' already exists with uuid {uuid}")
        );

        // No files at all works the same.
        let other = reply_path(create_with_files(&service, &domain_xml("wf0"), &[], 0).await);
        assert_eq!(
            common::state(&service.domain_proxy(&other).await).await,
            (1, 1)
        );

        // Transient: gone once stopped.
        wf.destroy(0).await.unwrap();
        err_is(
            connect.domain_lookup_by_name("wf").await,
            "Domain not found",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn save_image_define_xml_rewrites_the_saved_definition() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("test.img");
        let image = image.to_str().unwrap();
        let missing = dir.path().join("missing.img");
        let missing = missing.to_str().unwrap();
        let with_memory = |kib: u32| {
            format!(
                "<domain type='test'><name>test</name>\
                 <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>{kib}</memory>\
                 <os><type>hvm</type></os></domain>"
            )
        };

        err_is(
            connect
                .domain_save_image_define_xml(missing, &with_memory(1024), 0)
                .await,
            &format!("cannot read domain image '{missing}': No such file or directory"),
        );

        test.save(image, "", 0).await.unwrap();
        connect
            .domain_save_image_define_xml(image, &with_memory(1024), 0)
            .await
            .unwrap();
        let saved = connect
            .domain_save_image_get_xml_desc(image, 0)
            .await
            .unwrap();
        assert!(
            saved.contains("<memory unit='KiB'>1024</memory>"),
            "{saved}"
        );
        // VIR_DOMAIN_SAVE_PAUSED and _RUNNING are taken, _BYPASS_CACHE is not.
        connect
            .domain_save_image_define_xml(image, &with_memory(4096), 4)
            .await
            .unwrap();
        connect
            .domain_save_image_define_xml(image, &with_memory(2048), 2)
            .await
            .unwrap();
        err_is(
            connect
                .domain_save_image_define_xml(image, &with_memory(8), 1)
                .await,
            "unsupported flags (0x1) in function testDomainSaveImageDefineXML",
        );
        let e = connect
            .domain_save_image_define_xml(image, "garbage", 0)
            .await
            .expect_err("not XML");
        let text = common::libvirt_error(&e);
        assert!(text.starts_with("(domain_definition):1"), "{text}");
        assert!(text.contains("Start tag expected, '<' not found"), "{text}");
        let saved = connect
            .domain_save_image_get_xml_desc(image, 0)
            .await
            .unwrap();
        assert!(
            saved.contains("<memory unit='KiB'>2048</memory>"),
            "the refused calls kept the last definition: {saved}"
        );

        // Restoring brings the domain back with the rewritten definition.
        connect.domain_restore(image, "", 0).await.unwrap();
        assert_eq!(common::state(&test).await, (1, 3), "RUNNING/RESTORED");
        let xml = test.get_xml_desc(0).await.unwrap();
        assert!(xml.contains("<memory unit='KiB'>2048</memory>"), "{xml}");
        assert!(xml.contains("<vcpu placement='static'>1</vcpu>"), "{xml}");
    })
    .await;
}

/// One `<cpu>` description.
fn cpu(arch: &str, model: &str, extra: &str) -> String {
    format!("<cpu><arch>{arch}</arch><model>{model}</model>{extra}</cpu>")
}

/// A baseline result: the model with its fallback and the required features.
fn baseline(model: &str, fallback: &str, features: &[&str]) -> String {
    let mut s = format!(
        "<cpu mode='custom' match='exact'>\n  <model fallback='{fallback}'>{model}</model>\n"
    );
    for f in features {
        s.push_str(&format!("  <feature policy='require' name='{f}'/>\n"));
    }
    s.push_str("</cpu>\n");
    s
}

#[tokio::test(flavor = "multi_thread")]
async fn baseline_cpu_finds_the_common_model() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;
        let haswell = cpu("x86_64", "Haswell", "");
        let vmx = "<feature name='vmx' policy='require'/>";

        assert_eq!(
            connect.baseline_cpu(&[&haswell], 0).await.unwrap(),
            baseline("Haswell", "forbid", &[])
        );
        // Two different models: the older one, and the result may fall back.
        assert_eq!(
            connect
                .baseline_cpu(&[&haswell, &cpu("x86_64", "Broadwell", "")], 0)
                .await
                .unwrap(),
            baseline("Haswell", "allow", &[])
        );
        // A feature both require is kept; one only some require is dropped.
        let haswell_vmx = cpu("x86_64", "Haswell", vmx);
        assert_eq!(
            connect.baseline_cpu(&[&haswell_vmx], 0).await.unwrap(),
            baseline("Haswell", "forbid", &["vmx"])
        );
        assert_eq!(
            connect
                .baseline_cpu(&[&haswell_vmx, &cpu("x86_64", "Skylake-Client", vmx)], 0)
                .await
                .unwrap(),
            baseline("Haswell", "allow", &["vmx"])
        );
        assert_eq!(
            connect
                .baseline_cpu(&[&haswell_vmx, &haswell], 0)
                .await
                .unwrap(),
            baseline("Haswell", "forbid", &[])
        );
        assert_eq!(
            connect
                .baseline_cpu(&[&cpu("x86_64", "Haswell", "<vendor>Intel</vendor>")], 0)
                .await
                .unwrap(),
            "<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>Haswell</model>\n  \
             <vendor>Intel</vendor>\n</cpu>\n"
        );
        assert_eq!(
            connect
                .baseline_cpu(&[&cpu("i686", "pentium", "")], 0)
                .await
                .unwrap(),
            baseline("pentium", "forbid", &[])
        );
        // VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES lists the model's features.
        let haswell_features = [
            "aes",
            "apic",
            "avx",
            "avx2",
            "bmi1",
            "bmi2",
            "clflush",
            "cmov",
            "cx16",
            "cx8",
            "de",
            "erms",
            "fma",
            "fpu",
            "fsgsbase",
            "fxsr",
            "hle",
            "invpcid",
            "lahf_lm",
            "lm",
            "mca",
            "mce",
            "mmx",
            "movbe",
            "msr",
            "mtrr",
            "nx",
            "pae",
            "pat",
            "pcid",
            "pclmuldq",
            "pge",
            "pni",
            "popcnt",
            "pse",
            "pse36",
            "rdtscp",
            "rtm",
            "sep",
            "smep",
            "sse",
            "sse2",
            "sse4.1",
            "sse4.2",
            "ssse3",
            "syscall",
            "tsc",
            "tsc-deadline",
            "x2apic",
            "xsave",
        ];
        assert_eq!(
            connect.baseline_cpu(&[&haswell], 1).await.unwrap(),
            baseline("Haswell", "forbid", &haswell_features)
        );

        for flags in [2u32, 4, 8] {
            err_is(
                connect.baseline_cpu(&[&haswell], flags).await,
                &format!("unsupported flags ({flags:#x}) in function testConnectBaselineCPU"),
            );
        }
        err_is(
            connect.baseline_cpu(&[], 0).await,
            "xmlCPUs in virConnectBaselineCPU must not be NULL",
        );
        err_is(
            connect.baseline_cpu(&[&cpu("x86_64", "Nope", "")], 0).await,
            "internal error: Unknown CPU model Nope",
        );
        err_is(
            connect
                .baseline_cpu(
                    &[&cpu(
                        "x86_64",
                        "Haswell",
                        "<feature name='bogusfeat' policy='require'/>",
                    )],
                    0,
                )
                .await,
            "internal error: Unknown CPU feature bogusfeat",
        );
        err_is(
            connect
                .baseline_cpu(&["<cpu><model>Haswell</model></cpu>"], 0)
                .await,
            "XML error: Missing CPU architecture",
        );
        err_is(
            connect.baseline_cpu(&["<cpu/>"], 0).await,
            "XML error: Missing CPU architecture",
        );
        err_is(
            connect
                .baseline_cpu(&["<cpu><arch>x86_64</arch></cpu>"], 0)
                .await,
            "XML error: Missing CPU model name",
        );
        err_is(
            connect
                .baseline_cpu(&[&cpu("bogus", "Haswell", "")], 0)
                .await,
            "unsupported configuration: Unknown architecture bogus",
        );
        let e = connect
            .baseline_cpu(&["garbage"], 0)
            .await
            .expect_err("not XML");
        let text = common::libvirt_error(&e);
        assert!(text.starts_with("(CPU_definition):1"), "{text}");
        assert!(text.contains("Start tag expected, '<' not found"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn node_memory_cpu_comparison_and_domain_capabilities_are_not_supported() {
    with_timeout(async {
        let service = Service::start().await;
        let connect = service.connect_proxy().await;

        let mut p = HashMap::new();
        p.insert("shm_pages_to_scan", Variant::from(100u32));
        err_is(
            connect.node_set_memory_parameters(p, 0).await,
            &no_support("virNodeSetMemoryParameters"),
        );
        // libvirt checks the list before it asks the driver.
        err_is(
            connect.node_set_memory_parameters(HashMap::new(), 0).await,
            "params in virNodeSetMemoryParameters must not be NULL",
        );
        for flags in [0, 1] {
            err_is(
                connect.node_get_memory_parameters(flags).await,
                &no_support("virNodeGetMemoryParameters"),
            );
        }
        for cell in [-1, 0, 1] {
            err_is(
                connect.node_get_memory_stats(cell, 0).await,
                &no_support("virNodeGetMemoryStats"),
            );
        }
        for (xml, flags) in [
            ("<cpu><arch>x86_64</arch><model>Haswell</model></cpu>", 0),
            ("", 0),
            ("garbage", 1),
        ] {
            err_is(
                connect.compare_cpu(xml, flags).await,
                &no_support("virConnectCompareCPU"),
            );
        }
        for (emulator, arch, machine, virttype, flags) in [
            ("", "", "", "", 0),
            ("", "x86_64", "", "test", 0),
            ("/usr/bin/test-hv", "i686", "pc", "test", 1),
        ] {
            err_is(
                connect
                    .get_domain_capabilities(emulator, arch, machine, virttype, flags)
                    .await,
                &no_support("virConnectGetDomainCapabilities"),
            );
        }
    })
    .await;
}
