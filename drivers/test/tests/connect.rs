//! Connection-level facts of the simulated host.

mod common;

use common::*;
use virtbus_core::driver::{ConnectDriver, Driver};

#[tokio::test]
async fn host_facts_match_libvirts_test_driver() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(d.name(), "Test");
        assert_eq!(d.uri(), "test:///default");
        assert_eq!(d.version().await.unwrap(), 2);
        assert_eq!(d.lib_version().await.unwrap(), 9_000_000);
        assert!(!d.is_encrypted().await.unwrap());
        assert!(d.is_secure().await.unwrap());
        assert!(!d.hostname().await.unwrap().is_empty());
        assert_eq!(d.node_free_memory().await.unwrap(), 3_145_728);
        assert_eq!(
            d.node_cpu_map(0).await.unwrap(),
            vec![true, false, true, false, true, false, false, false]
        );
        assert_eq!(
            d.node_security_model().await.unwrap(),
            ("testSecurity".to_owned(), String::new())
        );
        let stats = d.node_cpu_stats(-1, 0).await.unwrap();
        assert_eq!(stats[0], ("user".to_owned(), 9_797_400_000));
        assert_eq!(stats.len(), 4);
        assert_eq!(
            text(d.node_cpu_stats(0, 1).await),
            "unsupported flags (0x1) in function testNodeGetCPUStats"
        );
    })
    .await;
}

#[tokio::test]
async fn capabilities_and_sysinfo() {
    within(async {
        let (d, _rx) = driver();
        let caps = d.capabilities().await.unwrap();
        assert!(caps.starts_with("<capabilities>\n\n  <host>\n    <cpu>\n      <arch>i686</arch>"));
        assert!(caps.contains("<model>testSecurity</model>"));
        assert!(caps.contains("<os_type>xen</os_type>"));
        assert!(caps.ends_with("</capabilities>\n"));
        assert_eq!(caps.matches("<cpu id=").count(), 16);
        let sysinfo = d.sysinfo(0).await.unwrap();
        assert!(sysinfo.contains("<entry name='version'>G4ETA1WW (2.61 )</entry>"));
        assert_eq!(
            text(d.sysinfo(1).await),
            "unsupported flags (0x1) in function testConnectGetSysinfo"
        );
    })
    .await;
}

#[tokio::test]
async fn cpu_model_names_per_architecture() {
    within(async {
    let (d, _rx) = driver();
    let x86 = d.cpu_model_names("x86_64", 0).await.unwrap();
    assert_eq!(x86.len(), 58);
    assert_eq!(x86.first().map(String::as_str), Some("486"));
    assert_eq!(x86.last().map(String::as_str), Some("Dhyana"));
    assert_eq!(d.cpu_model_names("i686", 0).await.unwrap(), x86);
    assert_eq!(d.cpu_model_names("ppc64le", 0).await.unwrap().len(), 7);
    assert!(d.cpu_model_names("aarch64", 0).await.unwrap().is_empty());
    assert_eq!(
        text(d.cpu_model_names("riscv64", 0).await),
        "this function is not supported by the connection driver: 'riscv64' architecture is not supported by CPU driver"
    );
    assert_eq!(
        text(d.cpu_model_names("bogus", 0).await),
        "invalid argument: cannot find architecture bogus"
    );
    assert_eq!(
        text(d.cpu_model_names("x86_64", 1).await),
        "unsupported flags (0x1) in function testConnectGetCPUModelNames"
    );
    })
    .await;
}

#[tokio::test]
async fn unsupported_node_calls() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            text(d.node_memory_stats(-1, 0).await),
            "this function is not supported by the connection driver: virNodeGetMemoryStats"
        );
        assert_eq!(
            text(d.node_memory_parameters(0).await),
            "this function is not supported by the connection driver: virNodeGetMemoryParameters"
        );
        assert_eq!(
            text(d.node_set_memory_parameters(vec![], 0).await),
            "params in virNodeSetMemoryParameters must not be NULL"
        );
        assert_eq!(
        text(d.domain_capabilities("", "", "", "", 0).await),
        "this function is not supported by the connection driver: virConnectGetDomainCapabilities"
    );
    })
    .await;
}
