//! Listings, descriptions, statistics and the simulated guest.

mod common;

use common::*;
use virtbus_core::{
    driver::{DomainDriver, SnapshotDriver},
    params::TypedValue,
};

const FOO: &str = "11111111-2222-3333-4444-555555555555";
const BAR: &str = "22222222-2222-3333-4444-555555555555";

/// What `virsh dumpxml test` prints on libvirt 9.0.
const ORACLE_LIVE_XML: &str = "<domain type='test' id='1'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
";

fn sorted(mut v: Vec<virtbus_core::Uuid>) -> Vec<virtbus_core::Uuid> {
    v.sort();
    v
}

#[tokio::test]
async fn default_domain_xml_matches_libvirt() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(d.xml_desc(&TEST_UUID, 0).await.unwrap(), ORACLE_LIVE_XML);
        let inactive = ORACLE_LIVE_XML.replacen(" id='1'", "", 1);
        assert_eq!(d.xml_desc(&TEST_UUID, 2).await.unwrap(), inactive);
        assert_eq!(
            d.xml_desc(&TEST_UUID, 1 | 8).await.unwrap(),
            ORACLE_LIVE_XML
        );
        assert_eq!(
            text(d.xml_desc(&TEST_UUID, 4).await),
            "unsupported flags (0x4) in function testDomainGetXMLDesc"
        );
    })
    .await;
}

#[tokio::test]
async fn list_filters_as_libvirt() {
    within(async {
        let (d, _rx) = driver();
        let foo = d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        let bar = d.create_xml(&xml("bar", BAR), 0).await.unwrap();
        d.suspend(&bar).await.unwrap();
        let all = sorted(vec![TEST_UUID, foo, bar]);
        assert_eq!(sorted(d.list_domains(0).await.unwrap()), all);
        assert_eq!(sorted(d.list_domains(1 | 2).await.unwrap()), all);
        assert_eq!(
            sorted(d.list_domains(1).await.unwrap()),
            sorted(vec![TEST_UUID, bar])
        );
        assert_eq!(d.list_domains(2).await.unwrap(), vec![foo]);
        assert_eq!(
            sorted(d.list_domains(4).await.unwrap()),
            sorted(vec![TEST_UUID, foo])
        );
        assert_eq!(d.list_domains(8).await.unwrap(), vec![bar]);
        assert_eq!(d.list_domains(16).await.unwrap(), vec![TEST_UUID]);
        assert_eq!(d.list_domains(32).await.unwrap(), vec![bar]);
        assert_eq!(d.list_domains(64).await.unwrap(), vec![foo]);
        assert!(d.list_domains(128).await.unwrap().is_empty());
        assert_eq!(
            sorted(d.list_domains(16 | 64).await.unwrap()),
            sorted(vec![TEST_UUID, foo])
        );
        assert_eq!(d.list_domains(1 | 8).await.unwrap(), vec![bar]);
        assert!(d.list_domains(4096).await.unwrap().is_empty());
        assert_eq!(sorted(d.list_domains(8192).await.unwrap()), all);
        assert_eq!(sorted(d.list_domains(32768).await.unwrap()), all);
        assert_eq!(
            text(d.list_domains(65536).await),
            "unsupported flags (0x10000) in function testConnectListAllDomains"
        );
        let summaries = d.summaries().await.unwrap();
        assert_eq!(summaries.len(), 3);
        let b = summaries.iter().find(|s| s.uuid == bar).unwrap();
        assert_eq!((b.name.as_str(), b.id, b.persistent), ("bar", 2, false));
    })
    .await;
}

#[tokio::test]
async fn stats_report_state_and_iothreads() {
    within(async {
        let (d, _rx) = driver();
        let state = d.stats(&TEST_UUID, 1, 0).await.unwrap();
        assert_eq!(
            state,
            vec![
                ("state.state".to_owned(), TypedValue::Int(1)),
                ("state.reason".to_owned(), TypedValue::Int(0)),
            ]
        );
        assert!(d.stats(&TEST_UUID, 2, 0).await.unwrap().is_empty());
        assert_eq!(
            text(d.stats(&TEST_UUID, 0xffff, 1 << 31).await),
            "argument unsupported: Stats types bits 0xff7e are not supported by this daemon"
        );
        assert_eq!(
            text(d.stats(&TEST_UUID, 1, 256).await),
            "unsupported flags (0x100) in function testConnectGetAllDomainStats"
        );
        assert_eq!(text(d.stats(&TEST_UUID, 1, 2).await), "unknown error");

        d.add_iothread(&TEST_UUID, 3, 0).await.unwrap();
        d.add_iothread(&TEST_UUID, 1, 0).await.unwrap();
        let all = d.stats(&TEST_UUID, 0, 0).await.unwrap();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "state.state",
                "state.reason",
                "iothread.count",
                "iothread.3.poll-max-ns",
                "iothread.3.poll-grow",
                "iothread.3.poll-shrink",
                "iothread.1.poll-max-ns",
                "iothread.1.poll-grow",
                "iothread.1.poll-shrink",
            ]
        );
        assert_eq!(all[2].1, TypedValue::UInt(2));
        assert_eq!(all[3].1, TypedValue::ULLong(32768));

        d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        let records = d.all_domain_stats(1, 0).await.unwrap();
        let names: Vec<&str> = records.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["foo", "test"]);
        assert_eq!(records[0].1[0].1, TypedValue::Int(5));
        let active = d.all_domain_stats(1, 1).await.unwrap();
        assert_eq!(active.len(), 1);
        assert!(d.all_domain_stats(2, 0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn time_and_control_info() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(d.time(&TEST_UUID, 0).await.unwrap(), (627_319_920, 0));
        assert_eq!(d.control_info(&TEST_UUID, 0).await.unwrap(), (0, 0, 0));
        d.set_time(&TEST_UUID, 5, 7, 0).await.unwrap();
        assert_eq!(d.time(&TEST_UUID, 0).await.unwrap(), (5, 7));
        assert_eq!(d.control_info(&TEST_UUID, 0).await.unwrap(), (1, 0, 5));
        d.set_time(&TEST_UUID, 15_000, 0, 0).await.unwrap();
        assert_eq!(d.control_info(&TEST_UUID, 0).await.unwrap(), (2, 0, 5000));
        d.set_time(&TEST_UUID, 30_002, 0, 1).await.unwrap();
        assert_eq!(d.control_info(&TEST_UUID, 0).await.unwrap(), (3, 2, 2));
        assert_eq!(
            text(d.set_time(&TEST_UUID, 1, 0, 2).await),
            "unsupported flags (0x2) in function testDomainSetTime"
        );
        d.suspend(&TEST_UUID).await.unwrap();
        assert_eq!(
            text(d.time(&TEST_UUID, 0).await),
            "Requested operation is not valid: domain is not running"
        );
        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            text(d.control_info(&TEST_UUID, 0).await),
            "Requested operation is not valid: domain is not running"
        );
    })
    .await;
}

#[tokio::test]
async fn guest_facts() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(d.guest_hostname(&TEST_UUID, 0).await.unwrap(), "testhost");
        assert_eq!(
            text(d.guest_hostname(&TEST_UUID, 1).await),
            "unsupported flags (0x1) in function testDomainGetHostname"
        );
        assert_eq!(d.os_type(&TEST_UUID).await.unwrap(), "linux");
        assert_eq!(
            d.scheduler_type(&TEST_UUID).await.unwrap(),
            ("fair".to_owned(), 1)
        );
        assert_eq!(
            d.disk_errors(&TEST_UUID, 0).await.unwrap(),
            vec![("vda".to_owned(), 1)]
        );
        assert_eq!(
            d.fs_info(&TEST_UUID, 0).await.unwrap(),
            vec![
                (
                    "/".to_owned(),
                    "vda1".to_owned(),
                    "ext4".to_owned(),
                    vec!["vda".to_owned()]
                ),
                (
                    "/boot".to_owned(),
                    "vda2".to_owned(),
                    "ext4".to_owned(),
                    vec!["vda".to_owned()]
                ),
            ]
        );
        assert_eq!(
            d.interface_addresses(&TEST_UUID, 0, 0).await.unwrap(),
            vec![(
                "testnet0".to_owned(),
                "aa:bb:cc:dd:ee:ff".to_owned(),
                vec![(0, "192.168.122.3".to_owned(), 24)]
            )]
        );
        assert_eq!(
            text(d.interface_addresses(&TEST_UUID, 3, 0).await),
            "argument unsupported: Unknown IP address data source 3"
        );
        assert_eq!(
            text(d.interface_addresses(&TEST_UUID, 0, 1).await),
            "unsupported flags (0x1) in function testDomainInterfaceAddresses"
        );

        let x = xml_with(
            "foo",
            FOO,
            "<devices><interface type='user'/><interface type='network'>\
         <source network='default'/></interface></devices>",
        );
        let u = d.create_xml(&x, 0).await.unwrap();
        let addrs = d.interface_addresses(&u, 1, 0).await.unwrap();
        assert_eq!(addrs[0].0, "testnet0");
        assert_eq!(addrs[0].2, vec![(0, "192.168.0.1".to_owned(), 24)]);
        assert_eq!(addrs[1].2, vec![(0, "192.168.122.24".to_owned(), 24)]);

        d.destroy(&TEST_UUID, 0).await.unwrap();
        for r in [
            d.guest_hostname(&TEST_UUID, 0).await.map(|_| ()),
            d.disk_errors(&TEST_UUID, 0).await.map(|_| ()),
            d.fs_info(&TEST_UUID, 0).await.map(|_| ()),
            d.interface_addresses(&TEST_UUID, 0, 0).await.map(|_| ()),
            d.inject_nmi(&TEST_UUID, 0).await,
            d.memory_stats(&TEST_UUID, 0).await.map(|_| ()),
        ] {
            assert_eq!(
                text(r),
                "Requested operation is not valid: domain is not running"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn file_systems_freeze_and_thaw() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            d.fs_freeze(&TEST_UUID, &["/".to_owned()], 0).await.unwrap(),
            1
        );
        assert_eq!(d.fs_freeze(&TEST_UUID, &[], 0).await.unwrap(), 1);
        assert_eq!(d.fs_freeze(&TEST_UUID, &[], 0).await.unwrap(), 0);
        assert_eq!(
            text(d.fs_freeze(&TEST_UUID, &["/x".to_owned()], 0).await),
            "Requested operation is not valid: mount point not found: /x"
        );
        assert_eq!(d.fs_thaw(&TEST_UUID, &[], 0).await.unwrap(), 2);
        assert_eq!(
            d.fs_thaw(&TEST_UUID, &["/boot".to_owned()], 0)
                .await
                .unwrap(),
            0
        );
        d.fs_trim(&TEST_UUID, "", 0, 0).await.unwrap();
        d.fs_trim(&TEST_UUID, "/boot", 0, 0).await.unwrap();
        assert_eq!(
            text(d.fs_trim(&TEST_UUID, "/x", 0, 0).await),
            "Requested operation is not valid: mount point not found: /x"
        );
    })
    .await;
}

#[tokio::test]
async fn keys_signals_nmi_and_memory_peek() {
    within(async {
        let (d, _rx) = driver();
        d.send_key(&TEST_UUID, 0, 0, &[30], 0).await.unwrap();
        d.send_key(&TEST_UUID, 1, 0, &[100], 0).await.unwrap();
        assert_eq!(
            text(d.send_key(&TEST_UUID, 0, 0, &[], 0).await),
            "keycodes in virDomainSendKey must not be NULL"
        );
        assert_eq!(
            text(d.send_key(&TEST_UUID, 0, 0, &[1; 17], 0).await),
            "nkeycodes must be <= 16"
        );
        assert_eq!(
            text(d.send_key(&TEST_UUID, 99, 0, &[1], 0).await),
            "Unsupported codeset '99'"
        );
        assert_eq!(
            text(d.send_key(&TEST_UUID, 0, 0, &[600], 0).await),
            "internal error: invalid keycode 600 of linux codeset"
        );
        assert_eq!(
            text(d.send_key(&TEST_UUID, 1, 0, &[200], 0).await),
            "internal error: invalid keycode 200 of xt codeset"
        );

        d.send_process_signal(&TEST_UUID, 1, 64, 0).await.unwrap();
        assert_eq!(
            text(d.send_process_signal(&TEST_UUID, 0, 0, 0).await),
            "pid_value in virDomainSendProcessSignal must not be zero"
        );
        assert_eq!(
            text(d.send_process_signal(&TEST_UUID, 2, 0, 0).await),
            "invalid argument: only sending a signal to pid 1 is supported"
        );
        assert_eq!(
            text(d.send_process_signal(&TEST_UUID, 1, 65, 0).await),
            "invalid argument: signum value 65 is out of range"
        );

        d.inject_nmi(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            text(d.inject_nmi(&TEST_UUID, 1).await),
            "unsupported flags (0x1) in function testDomainInjectNMI"
        );

        assert_eq!(
            d.memory_peek(&TEST_UUID, 250, 10, 2).await.unwrap(),
            vec![250, 251, 252, 253, 254, 255, 0, 1, 2, 3]
        );
        assert_eq!(
            text(d.memory_peek(&TEST_UUID, 0, 8, 0).await),
            "invalid argument: flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL"
        );
        assert_eq!(
            text(d.memory_peek(&TEST_UUID, 0, 8, 3).await),
            "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive"
        );
    })
    .await;
}

#[tokio::test]
async fn snapshots_and_migration_as_the_test_driver() {
    within(async {
        let (d, _rx) = driver();
        assert!(d.list_snapshots(&TEST_UUID, 0).await.unwrap().is_empty());
        assert_eq!(
            text(d.snapshot_current(&TEST_UUID, 0).await),
            "Domain snapshot not found: the domain does not have a current snapshot"
        );
        assert_eq!(
            text(d.snapshot_lookup_by_name(&TEST_UUID, "x", 0).await),
            "Domain snapshot not found: no domain snapshot with matching name 'x'"
        );
        assert_eq!(
            text(
                d.migrate_to_uri3(&TEST_UUID, "test:///default", vec![], 0)
                    .await
            ),
            "argument unsupported: direct migration is not supported by the source host"
        );
        assert_eq!(
            text(
                d.migrate_to_uri3(&TEST_UUID, "test:///default", vec![], 2)
                    .await
            ),
            "argument unsupported: p2p migration is not supported by the source host"
        );
    })
    .await;
}

#[tokio::test]
async fn calls_the_test_driver_lacks_stay_unsupported() {
    within(async {
        let (d, _rx) = driver();
        for (r, api) in [
            (
                d.job_info(&TEST_UUID).await.map(|_| ()),
                "virDomainGetJobInfo",
            ),
            (d.abort_job(&TEST_UUID).await, "virDomainAbortJob"),
            (
                d.attach_device(&TEST_UUID, "<disk/>", 0).await,
                "virDomainAttachDeviceFlags",
            ),
            (
                d.block_peek(&TEST_UUID, "vda", 0, 8, 0).await.map(|_| ()),
                "virDomainBlockPeek",
            ),
            (
                d.security_labels(&TEST_UUID).await.map(|_| ()),
                "virDomainGetSecurityLabelList",
            ),
            (d.pm_wakeup(&TEST_UUID, 0).await, "virDomainPMWakeup"),
        ] {
            assert_eq!(
                text(r),
                format!("this function is not supported by the connection driver: {api}")
            );
        }
    })
    .await;
}
