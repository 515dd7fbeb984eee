//! `org.libvirt.Domain` members beyond the lifecycle: I/O threads, pinning, guest-agent
//! queries, memory statistics and peeks, block/interface/NUMA/perf tunables, snapshots, the
//! members the test driver lacks, and `CreateWithFiles` with real file descriptors.
//!
//! Every expected value and error text was observed from libvirt-dbus 1.4.1 with libvirt
//! 9.0's `test:///default` (run this suite with `VIRTBUS_TEST_TARGET=libvirt-dbus` to check
//! it against that reference again).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::{
    domain_xml_uuid, targets_libvirt_dbus, with_timeout, DomainProxy, Reply, Service,
    LIBVIRT_ERROR, NO_SUPPORT, TEST_DOMAIN_PATH,
};
use zbus::Variant;

const DOMAIN: &str = "org.libvirt.Domain";
const NOT_RUNNING: &str = "Requested operation is not valid: domain is not running";
const LIVE_AND_CONFIG: &str =
    "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive";
const FOO_UUID: &str = "11111111-2222-3333-4444-555555555555";

/// `VIR_DOMAIN_AFFECT_LIVE`.
const LIVE: u32 = 1;
/// `VIR_DOMAIN_AFFECT_CONFIG`.
const CONFIG: u32 = 2;

/// A transient running domain with three of four vCPUs online and no devices at all.
const BIG_XML: &str = "<domain type='test'><name>big</name><memory>1024</memory>\
                       <vcpu current='3'>4</vcpu><os><type>hvm</type></os></domain>";

/// `a{sv}` as the proxies return it.
type Dict = HashMap<String, zbus::OwnedVariant>;

/// A service with an inactive persistent domain "foo" (one vCPU, no devices) defined, and
/// proxies for it and for the running default domain "test".
async fn with_foo() -> (Service, DomainProxy<'static>, DomainProxy<'static>) {
    let service = Service::start().await;
    let (_, vm) = common::define(&service.conn, &domain_xml_uuid("foo", FOO_UUID)).await;
    let test = service.domain_proxy(TEST_DOMAIN_PATH).await;
    (service, test, vm)
}

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

/// A host CPU map as the test driver's node has it: 8 CPUs wide, `on` set.
fn cpus(on: &[usize]) -> Vec<bool> {
    (0..8).map(|i| on.contains(&i)).collect()
}

/// Every host CPU.
fn all_cpus() -> Vec<bool> {
    vec![true; 8]
}

/// One typed-parameter value as "type value" ("u 500", "s /dev/sda", "b true").
fn render(v: &Variant<'_>) -> String {
    match common::peel(v) {
        Variant::I32(x) => format!("i {x}"),
        Variant::U32(x) => format!("u {x}"),
        Variant::I64(x) => format!("x {x}"),
        Variant::U64(x) => format!("t {x}"),
        Variant::F64(x) => format!("d {x}"),
        Variant::Bool(x) => format!("b {x}"),
        Variant::Str(x) => format!("s {x}"),
        other => format!("? {other:?}"),
    }
}

/// Asserts that `dict` has exactly the keys of `expected`, each with that type and value.
#[track_caller]
fn assert_dict(dict: &Dict, expected: &[(&str, &str)]) {
    let got: BTreeMap<&str, String> = dict.iter().map(|(k, v)| (k.as_str(), render(v))).collect();
    let want: BTreeMap<&str, String> = expected
        .iter()
        .map(|(k, v)| (*k, (*v).to_string()))
        .collect();
    assert_eq!(got, want);
}

/// Builds an `a{sv}` argument.
fn params<'a, const N: usize>(pairs: [(&'a str, Variant<'a>); N]) -> HashMap<&'a str, Variant<'a>> {
    pairs.into_iter().collect()
}

/// The domain XML (live definition).
async fn xml(dom: &DomainProxy<'_>) -> String {
    dom.get_xml_desc(0).await.expect("GetXMLDesc")
}

#[tokio::test(flavor = "multi_thread")]
async fn iothreads_are_added_pinned_and_deleted() {
    with_timeout(async {
        let (service, test, vm) = with_foo().await;

        // Running domain: live and config sets are separate.
        assert!(test.get_io_thread_info(0).await.unwrap().is_empty());
        test.add_io_thread(5, 0).await.unwrap();
        err_is(
            test.add_io_thread(5, 0).await,
            "invalid argument: an IOThread is already using iothread_id '5'",
        );
        err_is(
            test.add_io_thread(0, 0).await,
            "invalid argument: invalid value of 0 for iothread_id",
        );
        test.add_io_thread(3, LIVE).await.unwrap();
        test.add_io_thread(4, CONFIG).await.unwrap();
        err_is(test.add_io_thread(1, LIVE | CONFIG).await, LIVE_AND_CONFIG);
        err_is(
            test.add_io_thread(1, 4).await,
            "unsupported flags (0x4) in function testDomainAddIOThread",
        );
        // Unpinned, a thread runs on one host CPU per online vCPU (the default has two).
        let two = cpus(&[0, 1]);
        let live = vec![(5, two.clone()), (3, two.clone())];
        assert_eq!(test.get_io_thread_info(0).await.unwrap(), live);
        assert_eq!(test.get_io_thread_info(LIVE).await.unwrap(), live);
        assert_eq!(
            test.get_io_thread_info(CONFIG).await.unwrap(),
            [(4, two.clone())]
        );
        err_is(
            test.get_io_thread_info(4).await,
            "unsupported flags (0x4) in function testDomainGetIOThreadInfo",
        );

        // Pinning shows in the info; refused pins change nothing.
        test.pin_io_thread(5, &[false, true, true], 0)
            .await
            .unwrap();
        let pinned = vec![(5, cpus(&[1, 2])), (3, two.clone())];
        assert_eq!(test.get_io_thread_info(0).await.unwrap(), pinned);
        err_is(
            test.pin_io_thread(9, &[true, true], 0).await,
            "invalid argument: iothreadid 9 not found",
        );
        err_is(
            test.pin_io_thread(5, &[], 0).await,
            "cpumap in virDomainPinIOThread must not be NULL",
        );
        err_is(
            test.pin_io_thread(5, &[false, false], 0).await,
            "invalid argument: Empty iothread cpumap list for pinning",
        );
        err_is(
            test.pin_io_thread(5, &[true], 4).await,
            "unsupported flags (0x4) in function testDomainPinIOThread",
        );
        assert_eq!(test.get_io_thread_info(0).await.unwrap(), pinned);

        // Deleting removes exactly that thread.
        test.del_io_thread(5, 0).await.unwrap();
        err_is(
            test.del_io_thread(5, 0).await,
            "invalid argument: cannot find IOThread '5' in iothreadids list",
        );
        err_is(test.del_io_thread(3, LIVE | CONFIG).await, LIVE_AND_CONFIG);
        assert_eq!(test.get_io_thread_info(0).await.unwrap(), [(3, two)]);
        test.del_io_thread(4, CONFIG).await.unwrap();
        assert!(test.get_io_thread_info(CONFIG).await.unwrap().is_empty());

        // Inactive domain: the definition only.
        assert!(vm.get_io_thread_info(0).await.unwrap().is_empty());
        vm.add_io_thread(2, 0).await.unwrap();
        err_is(vm.add_io_thread(3, LIVE).await, NOT_RUNNING);
        err_is(vm.get_io_thread_info(LIVE).await, NOT_RUNNING);
        assert_eq!(vm.get_io_thread_info(0).await.unwrap(), [(2, cpus(&[0]))]);
        err_is(vm.pin_io_thread(2, &[true], LIVE).await, NOT_RUNNING);
        vm.pin_io_thread(2, &[false, true], 0).await.unwrap();
        assert_eq!(vm.get_io_thread_info(0).await.unwrap(), [(2, cpus(&[1]))]);
        vm.del_io_thread(2, 0).await.unwrap();
        assert!(vm.get_io_thread_info(0).await.unwrap().is_empty());

        // Three online vCPUs: three CPUs by default.
        let (_, big) = common::create_transient(&service.conn, BIG_XML).await;
        big.add_io_thread(1, 0).await.unwrap();
        assert_eq!(
            big.get_io_thread_info(0).await.unwrap(),
            [(1, cpus(&[0, 1, 2]))]
        );

        // Zero is refused by libvirt's public API before the driver sees it.
        err_is(
            big.del_io_thread(0, 0).await,
            "iothread_id in virDomainDelIOThread must not be zero",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn emulator_and_vcpu_pinning() {
    with_timeout(async {
        let (_service, test, vm) = with_foo().await;

        // Emulator: every host CPU until pinned; live and config are separate.
        assert_eq!(test.get_emulator_pin_info(0).await.unwrap(), all_cpus());
        test.pin_emulator(&[false, true, true], 0).await.unwrap();
        assert_eq!(test.get_emulator_pin_info(0).await.unwrap(), cpus(&[1, 2]));
        assert_eq!(
            test.get_emulator_pin_info(LIVE).await.unwrap(),
            cpus(&[1, 2])
        );
        assert_eq!(
            test.get_emulator_pin_info(CONFIG).await.unwrap(),
            all_cpus()
        );
        err_is(
            test.pin_emulator(&[false, false], 0).await,
            "invalid argument: Empty cpu list for pinning",
        );
        err_is(
            test.pin_emulator(&[], 0).await,
            "cpumap in virDomainPinEmulator must not be NULL",
        );
        err_is(
            test.pin_emulator(&[true], 4).await,
            "unsupported flags (0x4) in function testDomainPinEmulator",
        );
        err_is(
            test.get_emulator_pin_info(4).await,
            "unsupported flags (0x4) in function testDomainGetEmulatorPinInfo",
        );
        assert_eq!(test.get_emulator_pin_info(0).await.unwrap(), cpus(&[1, 2]));

        assert_eq!(vm.get_emulator_pin_info(0).await.unwrap(), all_cpus());
        vm.pin_emulator(&[false, true], 0).await.unwrap();
        assert_eq!(vm.get_emulator_pin_info(0).await.unwrap(), cpus(&[1]));
        err_is(vm.pin_emulator(&[false, true], LIVE).await, NOT_RUNNING);
        err_is(vm.get_emulator_pin_info(LIVE).await, NOT_RUNNING);

        // vCPUs: one map per vCPU, every host CPU until pinned.
        assert_eq!(
            test.get_vcpu_pin_info(0).await.unwrap(),
            [all_cpus(), all_cpus()]
        );
        test.pin_vcpu(1, &[true, false, true], 0).await.unwrap();
        assert_eq!(
            test.get_vcpu_pin_info(0).await.unwrap(),
            [all_cpus(), cpus(&[0, 2])]
        );
        assert_eq!(
            test.get_vcpu_pin_info(CONFIG).await.unwrap(),
            [all_cpus(), all_cpus()]
        );
        err_is(test.get_vcpu_pin_info(LIVE | CONFIG).await, LIVE_AND_CONFIG);
        err_is(
            test.pin_vcpu(2, &[true], 0).await,
            "invalid argument: requested vcpu '2' is not present in the domain",
        );
        err_is(
            test.pin_vcpu(0, &[true], LIVE).await,
            "unsupported flags (0x1) in function testDomainPinVcpuFlags",
        );
        // The test driver takes an empty map for a vCPU.
        test.pin_vcpu(0, &[false, false], 0).await.unwrap();
        assert_eq!(
            test.get_vcpu_pin_info(0).await.unwrap(),
            [cpus(&[]), cpus(&[0, 2])]
        );

        assert_eq!(vm.get_vcpu_pin_info(0).await.unwrap(), [all_cpus()]);
        assert_eq!(vm.get_vcpu_pin_info(CONFIG).await.unwrap(), [all_cpus()]);
        err_is(vm.get_vcpu_pin_info(LIVE).await, NOT_RUNNING);
        err_is(
            vm.pin_vcpu(0, &[true], 0).await,
            "Requested operation is not valid: cannot pin vcpus on an inactive domain",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_agent_members_answer_for_a_running_domain() {
    with_timeout(async {
        let (service, test, vm) = with_foo().await;

        // Filesystems: two on vda, frozen and thawed one by one or all at once.
        let root = ("/".to_string(), "vda1".to_string(), "ext4".to_string());
        let boot = ("/boot".to_string(), "vda2".to_string(), "ext4".to_string());
        let fs: Vec<_> = test
            .get_fs_info(0)
            .await
            .unwrap()
            .into_iter()
            .map(|(m, n, t, d)| ((m, n, t), d))
            .collect();
        assert_eq!(
            fs,
            [
                (root, vec!["vda".to_string()]),
                (boot, vec!["vda".to_string()])
            ]
        );
        err_is(
            test.get_fs_info(1).await,
            "unsupported flags (0x1) in function testDomainGetFSInfo",
        );
        assert_eq!(test.fs_freeze(&["/"], 0).await.unwrap(), 1);
        assert_eq!(
            test.fs_freeze(&[], 0).await.unwrap(),
            1,
            "only /boot was left"
        );
        assert_eq!(test.fs_freeze(&["/"], 0).await.unwrap(), 0);
        assert_eq!(test.fs_thaw(&["/boot"], 0).await.unwrap(), 1);
        assert_eq!(test.fs_thaw(&[], 0).await.unwrap(), 1);
        assert_eq!(test.fs_thaw(&[], 0).await.unwrap(), 0);
        assert_eq!(test.fs_freeze(&["/", "/boot"], 0).await.unwrap(), 2);
        assert_eq!(test.fs_thaw(&[], 0).await.unwrap(), 2);
        for bad in ["/nope", "/boot/", "vda1"] {
            let text = format!("Requested operation is not valid: mount point not found: {bad}");
            err_is(test.fs_freeze(&[bad], 0).await, &text);
            err_is(test.fs_thaw(&[bad], 0).await, &text);
        }
        err_is(
            test.fs_freeze(&[], 1).await,
            "unsupported flags (0x1) in function testDomainFSFreeze",
        );
        test.fs_trim("", 0, 0).await.unwrap();
        test.fs_trim("/", 1024, 0).await.unwrap();
        err_is(
            test.fs_trim("", 0, 1).await,
            "unsupported flags (0x1) in function testDomainFSTrim",
        );

        // Signals, keys, NMI and passwords are accepted and checked.
        test.send_process_signal(1, 9, 0).await.unwrap();
        test.send_process_signal(1, 0, 0).await.unwrap();
        err_is(
            test.send_process_signal(0, 9, 0).await,
            "pid_value in virDomainSendProcessSignal must not be zero",
        );
        err_is(
            test.send_process_signal(-1, 9, 0).await,
            "invalid argument: only sending a signal to pid 1 is supported",
        );
        err_is(
            test.send_process_signal(1, 1000, 0).await,
            "invalid argument: signum value 1000 is out of range",
        );
        err_is(
            test.send_process_signal(1, 9, 1).await,
            "unsupported flags (0x1) in function testDomainSendProcessSignal",
        );
        test.send_key(0, 0, &[1], 0).await.unwrap();
        err_is(
            test.send_key(0, 0, &[], 0).await,
            "keycodes in virDomainSendKey must not be NULL",
        );
        err_is(
            test.send_key(99, 0, &[1], 0).await,
            "Unsupported codeset '99'",
        );
        let seventeen: Vec<u32> = (1..=17).collect();
        err_is(
            test.send_key(0, 0, &seventeen, 0).await,
            "nkeycodes must be <= 16",
        );
        err_is(
            test.send_key(0, 0, &[1], 1).await,
            "unsupported flags (0x1) in function testDomainSendKey",
        );
        test.inject_nmi(0).await.unwrap();
        err_is(
            test.inject_nmi(1).await,
            "unsupported flags (0x1) in function testDomainInjectNMI",
        );
        test.set_user_password("root", "secret", 0).await.unwrap();
        // VIR_DOMAIN_PASSWORD_ENCRYPTED.
        test.set_user_password("root", "secret", 1).await.unwrap();
        err_is(
            test.set_user_password("root", "secret", 2).await,
            "unsupported flags (0x2) in function testDomainSetUserPassword",
        );

        // Control info, time, addresses and disk errors.
        assert_eq!(test.get_control_info(0).await.unwrap(), (0, 0, 0));
        err_is(
            test.get_control_info(1).await,
            "unsupported flags (0x1) in function testDomainGetControlInfo",
        );
        assert_eq!(test.get_time(0).await.unwrap(), (627_319_920, 0));
        err_is(
            test.get_time(1).await,
            "unsupported flags (0x1) in function testDomainGetTime",
        );
        test.set_time(12_345, 678, 0).await.unwrap();
        assert_eq!(test.get_time(0).await.unwrap(), (12_345, 678));
        // VIR_DOMAIN_TIME_SYNC.
        test.set_time(54_321, 0, 1).await.unwrap();
        assert_eq!(test.get_time(0).await.unwrap(), (54_321, 0));
        err_is(
            test.set_time(1, 0, 2).await,
            "unsupported flags (0x2) in function testDomainSetTime",
        );
        assert_eq!(test.get_time(0).await.unwrap(), (54_321, 0));

        let lease = vec![(
            "testnet0".to_string(),
            "aa:bb:cc:dd:ee:ff".to_string(),
            vec![(0, "192.168.122.3".to_string(), 24)],
        )];
        // Sources LEASE, AGENT and ARP answer alike.
        for source in 0..3 {
            assert_eq!(test.interface_addresses(source, 0).await.unwrap(), lease);
        }
        err_is(
            test.interface_addresses(3, 0).await,
            "argument unsupported: Unknown IP address data source 3",
        );
        err_is(
            test.interface_addresses(0, 1).await,
            "unsupported flags (0x1) in function testDomainInterfaceAddresses",
        );
        let vda_error = vec![("vda".to_string(), 1)];
        assert_eq!(test.get_disk_errors(0).await.unwrap(), vda_error);

        // A running domain without devices has no addresses, disks or filesystems.
        let (_, big) = common::create_transient(&service.conn, BIG_XML).await;
        assert!(big.interface_addresses(0, 0).await.unwrap().is_empty());
        assert!(big.get_disk_errors(0).await.unwrap().is_empty());
        assert!(big.get_fs_info(0).await.unwrap().is_empty());

        // An inactive domain: all of these need it running (but a signal to pid 1 goes).
        err_is(vm.fs_trim("", 0, 0).await, NOT_RUNNING);
        err_is(vm.fs_freeze(&[], 0).await, NOT_RUNNING);
        err_is(vm.fs_thaw(&[], 0).await, NOT_RUNNING);
        err_is(vm.get_fs_info(0).await, NOT_RUNNING);
        err_is(vm.send_key(0, 0, &[1], 0).await, NOT_RUNNING);
        err_is(vm.inject_nmi(0).await, NOT_RUNNING);
        err_is(vm.set_user_password("root", "x", 0).await, NOT_RUNNING);
        err_is(vm.get_control_info(0).await, NOT_RUNNING);
        err_is(vm.get_time(0).await, NOT_RUNNING);
        err_is(vm.set_time(5, 0, 0).await, NOT_RUNNING);
        err_is(vm.interface_addresses(0, 0).await, NOT_RUNNING);
        err_is(vm.get_disk_errors(0).await, NOT_RUNNING);
        vm.send_process_signal(1, 9, 0).await.unwrap();

        // libvirt-dbus passes no flags on to libvirt here, so any value is accepted.
        assert_eq!(test.get_disk_errors(1).await.unwrap(), vda_error);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_statistics_period_and_peek() {
    with_timeout(async {
        let (service, test, vm) = with_foo().await;

        // The default domain's balloon (current memory 2097152 KiB).
        let stats = test.memory_stats(0).await.unwrap();
        let expected: BTreeMap<i32, u64> = [
            (0, 0),           // SWAP_IN
            (1, 0),           // SWAP_OUT
            (2, 0),           // MAJOR_FAULT
            (3, 0),           // MINOR_FAULT
            (4, 1_048_576),   // UNUSED
            (5, 2_097_152),   // AVAILABLE
            (6, 2_097_152),   // ACTUAL_BALLOON
            (7, 1_048_576),   // RSS
            (8, 1_048_576),   // USABLE
            (9, 627_319_920), // LAST_UPDATE
            (10, 262_144),    // DISK_CACHES
            (11, 0),          // HUGETLB_PGALLOC
            (12, 0),          // HUGETLB_PGFAIL
        ]
        .into_iter()
        .collect();
        assert_eq!(stats.into_iter().collect::<BTreeMap<_, _>>(), expected);
        err_is(
            test.memory_stats(1).await,
            "unsupported flags (0x1) in function testDomainMemoryStats",
        );
        err_is(vm.memory_stats(0).await, NOT_RUNNING);

        // The statistics period goes to the balloon.
        test.set_memory_stats_period(5, 0).await.unwrap();
        test.set_memory_stats_period(5, LIVE).await.unwrap();
        test.set_memory_stats_period(5, CONFIG).await.unwrap();
        assert!(xml(&test).await.contains("<stats period='5'/>"));
        err_is(
            test.set_memory_stats_period(-1, 0).await,
            "period in virDomainSetMemoryStatsPeriod must be zero or greater",
        );
        err_is(
            test.set_memory_stats_period(5, 8).await,
            "unsupported flags (0x8) in function testDomainSetMemoryStatsPeriod",
        );
        const NO_BALLOON: &str = "internal error: No memory balloon device configured, \
                                  can not set the collection period";
        err_is(vm.set_memory_stats_period(5, 0).await, NO_BALLOON);
        err_is(vm.set_memory_stats_period(5, CONFIG).await, NO_BALLOON);
        err_is(vm.set_memory_stats_period(5, LIVE).await, NOT_RUNNING);
        let (_, big) = common::create_transient(&service.conn, BIG_XML).await;
        assert!(big.memory_stats(0).await.unwrap().is_empty());
        err_is(big.set_memory_stats_period(3, 0).await, NO_BALLOON);

        // Memory reads as the byte sequence of its addresses.
        let first: Vec<u8> = (0..16).collect();
        assert_eq!(test.memory_peek(0, 16, 1).await.unwrap(), first);
        assert_eq!(test.memory_peek(0, 16, 2).await.unwrap(), first);
        assert_eq!(
            test.memory_peek(250, 10, 1).await.unwrap(),
            [250, 251, 252, 253, 254, 255, 0, 1, 2, 3]
        );
        assert_eq!(test.memory_peek(1 << 40, 4, 1).await.unwrap(), [0, 1, 2, 3]);
        assert!(test.memory_peek(0, 0, 1).await.unwrap().is_empty());
        let big_read = test.memory_peek(0, 70_000, 1).await.unwrap();
        assert_eq!(big_read.len(), 70_000);
        assert!(big_read
            .iter()
            .enumerate()
            .all(|(i, b)| *b == (i % 256) as u8));
        err_is(
            test.memory_peek(0, 16, 0).await,
            "invalid argument: flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL",
        );
        err_is(vm.memory_peek(0, 16, 1).await, NOT_RUNNING);
        err_is(
            test.memory_peek(0, 16, 3).await,
            "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive",
        );
    })
    .await;
}

/// The six block I/O parameters with these values.
fn blkio(weight: u32, device_weight: &str) -> Vec<(&'static str, String)> {
    vec![
        ("weight", format!("u {weight}")),
        ("device_weight", format!("s {device_weight}")),
        ("device_read_iops_sec", "s ".to_string()),
        ("device_write_iops_sec", "s ".to_string()),
        ("device_read_bytes_sec", "s ".to_string()),
        ("device_write_bytes_sec", "s ".to_string()),
    ]
}

/// The twenty block I/O tune parameters: zero except `set`, `group_name` empty.
fn iotune(set: &[(&str, u64)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        "total_bytes_sec",
        "read_bytes_sec",
        "write_bytes_sec",
        "total_iops_sec",
        "read_iops_sec",
        "write_iops_sec",
        "total_bytes_sec_max",
        "read_bytes_sec_max",
        "write_bytes_sec_max",
        "total_iops_sec_max",
        "read_iops_sec_max",
        "write_iops_sec_max",
        "size_iops_sec",
        "total_bytes_sec_max_length",
        "read_bytes_sec_max_length",
        "write_bytes_sec_max_length",
        "total_iops_sec_max_length",
        "read_iops_sec_max_length",
        "write_iops_sec_max_length",
    ]
    .iter()
    .map(|k| {
        let value = set.iter().find(|(n, _)| n == k).map_or(0, |(_, v)| *v);
        (k.to_string(), format!("t {value}"))
    })
    .collect();
    v.push(("group_name".to_string(), "s ".to_string()));
    v
}

/// [`assert_dict`] for owned expectations.
#[track_caller]
fn assert_dict_owned<K: AsRef<str>>(dict: &Dict, expected: &[(K, String)]) {
    let pairs: Vec<(&str, &str)> = expected
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_str()))
        .collect();
    assert_dict(dict, &pairs);
}

#[tokio::test(flavor = "multi_thread")]
async fn block_io_parameters_and_tuning() {
    with_timeout(async {
        let (_service, test, vm) = with_foo().await;

        // Block I/O weights.
        assert_dict_owned(
            &test.get_block_io_parameters(0).await.unwrap(),
            &blkio(0, ""),
        );
        test.set_block_io_parameters(params([("weight", Variant::from(500u32))]), 0)
            .await
            .unwrap();
        assert_dict_owned(
            &test.get_block_io_parameters(0).await.unwrap(),
            &blkio(500, ""),
        );
        // No range check on the weight.
        for w in [5u32, 1001] {
            test.set_block_io_parameters(params([("weight", Variant::from(w))]), 0)
                .await
                .unwrap();
        }
        test.set_block_io_parameters(
            params([("device_weight", Variant::from("/dev/sda,100"))]),
            0,
        )
        .await
        .unwrap();
        err_is(
            test.set_block_io_parameters(params([("weight", Variant::from(500u64))]), 0)
                .await,
            "invalid argument: invalid type 'ullong' for parameter 'weight', expected 'uint'",
        );
        err_is(
            test.set_block_io_parameters(params([("bogus", Variant::from(500u32))]), 0)
                .await,
            "argument unsupported: parameter 'bogus' not supported",
        );
        err_is(
            test.set_block_io_parameters(HashMap::new(), 0).await,
            "params in virDomainSetBlkioParameters must not be NULL",
        );
        let now = blkio(1001, "/dev/sda,100");
        assert_dict_owned(&test.get_block_io_parameters(0).await.unwrap(), &now);
        assert_dict_owned(&test.get_block_io_parameters(LIVE).await.unwrap(), &now);
        assert_dict_owned(&test.get_block_io_parameters(4).await.unwrap(), &now);
        // The live changes left the definition alone.
        assert_dict_owned(
            &test.get_block_io_parameters(CONFIG).await.unwrap(),
            &blkio(0, ""),
        );

        assert_dict_owned(&vm.get_block_io_parameters(0).await.unwrap(), &blkio(0, ""));
        vm.set_block_io_parameters(params([("weight", Variant::from(300u32))]), 0)
            .await
            .unwrap();
        assert_dict_owned(
            &vm.get_block_io_parameters(0).await.unwrap(),
            &blkio(300, ""),
        );
        err_is(
            vm.set_block_io_parameters(params([("weight", Variant::from(300u32))]), LIVE)
                .await,
            NOT_RUNNING,
        );
        err_is(vm.get_block_io_parameters(LIVE).await, NOT_RUNNING);

        // Block I/O tuning of disk vda.
        assert_dict_owned(
            &test.get_block_io_tune("vda", 0).await.unwrap(),
            &iotune(&[]),
        );
        // libvirt 9.0 compares each value with its (unset) maximum.
        err_is(
            test.set_block_io_tune(
                "vda",
                params([("total_bytes_sec", Variant::from(1000u64))]),
                0,
            )
            .await,
            "invalid argument: total_bytes_sec cannot be set higher than total_bytes_sec_max ",
        );
        test.set_block_io_tune(
            "vda",
            params([
                ("total_bytes_sec", Variant::from(1000u64)),
                ("total_bytes_sec_max", Variant::from(2000u64)),
            ]),
            0,
        )
        .await
        .unwrap();
        assert_dict_owned(
            &test.get_block_io_tune("vda", 0).await.unwrap(),
            &iotune(&[("total_bytes_sec", 1000), ("total_bytes_sec_max", 2000)]),
        );
        err_is(
            test.set_block_io_tune(
                "vda",
                params([("total_bytes_sec_max", Variant::from(500u64))]),
                0,
            )
            .await,
            "invalid argument: total_bytes_sec cannot be set higher than total_bytes_sec_max ",
        );
        err_is(
            test.set_block_io_tune(
                "vda",
                params([
                    ("total_bytes_sec", Variant::from(1u64)),
                    ("read_bytes_sec", Variant::from(1u64)),
                ]),
                0,
            )
            .await,
            "invalid argument: total and read/write of bytes_sec cannot be set at the same time",
        );
        err_is(
            test.set_block_io_tune("vda", params([("bogus", Variant::from(7u64))]), 0)
                .await,
            "argument unsupported: parameter 'bogus' not supported",
        );
        err_is(
            test.set_block_io_tune("vda", params([("total_bytes_sec", Variant::from(7u32))]), 0)
                .await,
            "invalid argument: invalid type 'uint' for parameter 'total_bytes_sec', \
             expected 'ullong'",
        );
        err_is(
            test.set_block_io_tune("vdz", params([("total_bytes_sec", Variant::from(7u64))]), 0)
                .await,
            "invalid argument: missing persistent configuration for disk 'vdz'",
        );
        err_is(
            test.set_block_io_tune("vda", params([("total_bytes_sec", Variant::from(1u64))]), 4)
                .await,
            "unsupported flags (0x4) in function testDomainSetBlockIoTune",
        );
        test.set_block_io_tune(
            "vda",
            params([
                ("total_iops_sec", Variant::from(5u64)),
                ("total_iops_sec_max", Variant::from(10u64)),
                ("total_iops_sec_max_length", Variant::from(10u64)),
                ("group_name", Variant::from("grp")),
            ]),
            0,
        )
        .await
        .unwrap();
        let mut tuned = iotune(&[
            ("total_bytes_sec", 1000),
            ("total_bytes_sec_max", 2000),
            ("total_iops_sec", 5),
            ("total_iops_sec_max", 10),
            ("total_iops_sec_max_length", 10),
        ]);
        tuned.retain(|(k, _)| k != "group_name");
        tuned.push(("group_name".to_string(), "s grp".to_string()));
        assert_dict_owned(&test.get_block_io_tune("vda", 0).await.unwrap(), &tuned);
        // The disk may be named by its source path too.
        assert_dict_owned(
            &test
                .get_block_io_tune("/guest/diskimage1", 0)
                .await
                .unwrap(),
            &tuned,
        );
        assert_dict_owned(
            &test.get_block_io_tune("vda", CONFIG).await.unwrap(),
            &iotune(&[]),
        );
        for disk in ["vdz", ""] {
            err_is(
                test.get_block_io_tune(disk, 0).await,
                &format!("invalid argument: disk '{disk}' was not found in the domain config"),
            );
        }
        err_is(
            vm.get_block_io_tune("vda", 0).await,
            "invalid argument: disk 'vda' was not found in the domain config",
        );
        err_is(
            vm.set_block_io_tune("vda", params([("total_bytes_sec", Variant::from(1u64))]), 0)
                .await,
            "invalid argument: missing persistent configuration for disk 'vda'",
        );
    })
    .await;
}

/// The seven interface bandwidth parameters: zero except `set`.
fn bandwidth(set: &[(&str, u32)]) -> Vec<(&'static str, String)> {
    [
        "inbound.average",
        "inbound.peak",
        "inbound.burst",
        "inbound.floor",
        "outbound.average",
        "outbound.peak",
        "outbound.burst",
    ]
    .iter()
    .map(|k| {
        let value = set.iter().find(|(n, _)| n == k).map_or(0, |(_, v)| *v);
        (*k, format!("u {value}"))
    })
    .collect()
}

/// The 22 perf events: disabled except `on`.
fn perf(on: &[&str]) -> Vec<(&'static str, String)> {
    [
        "cmt",
        "mbmt",
        "mbml",
        "cpu_cycles",
        "instructions",
        "cache_references",
        "cache_misses",
        "branch_instructions",
        "branch_misses",
        "bus_cycles",
        "stalled_cycles_frontend",
        "stalled_cycles_backend",
        "ref_cpu_cycles",
        "cpu_clock",
        "task_clock",
        "page_faults",
        "context_switches",
        "cpu_migrations",
        "page_faults_min",
        "page_faults_maj",
        "alignment_faults",
        "emulation_faults",
    ]
    .iter()
    .map(|k| (*k, format!("b {}", on.contains(k))))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn interface_numa_and_perf_parameters() {
    with_timeout(async {
        let (_service, test, vm) = with_foo().await;

        // Interface bandwidth, by target name or by MAC.
        assert_dict_owned(
            &test.get_interface_parameters("testnet0", 0).await.unwrap(),
            &bandwidth(&[]),
        );
        assert_dict_owned(
            &test
                .get_interface_parameters("aa:bb:cc:dd:ee:ff", 0)
                .await
                .unwrap(),
            &bandwidth(&[]),
        );
        test.set_interface_parameters(
            "testnet0",
            params([
                ("inbound.average", Variant::from(100u32)),
                ("inbound.peak", Variant::from(200u32)),
                ("inbound.burst", Variant::from(300u32)),
            ]),
            0,
        )
        .await
        .unwrap();
        let inbound = bandwidth(&[
            ("inbound.average", 100),
            ("inbound.peak", 200),
            ("inbound.burst", 300),
        ]);
        assert_dict_owned(
            &test.get_interface_parameters("testnet0", 0).await.unwrap(),
            &inbound,
        );
        assert_dict_owned(
            &test
                .get_interface_parameters("testnet0", CONFIG)
                .await
                .unwrap(),
            &bandwidth(&[]),
        );
        err_is(
            test.get_interface_parameters("nope", 0).await,
            "invalid argument: 'nope' is not a known interface",
        );
        err_is(
            test.set_interface_parameters(
                "nope",
                params([("inbound.average", Variant::from(1u32))]),
                0,
            )
            .await,
            "invalid argument: 'nope' is not a known interface",
        );
        err_is(
            test.set_interface_parameters(
                "testnet0",
                params([("inbound.average", Variant::from(1u64))]),
                0,
            )
            .await,
            "invalid argument: invalid type 'ullong' for parameter 'inbound.average', \
             expected 'uint'",
        );
        err_is(
            test.set_interface_parameters("testnet0", params([("bogus", Variant::from(1u32))]), 0)
                .await,
            "argument unsupported: parameter 'bogus' not supported",
        );
        assert_dict_owned(
            &test.get_interface_parameters("testnet0", 0).await.unwrap(),
            &inbound,
        );
        // A zero average drops the inbound limits.
        test.set_interface_parameters(
            "testnet0",
            params([("inbound.average", Variant::from(0u32))]),
            0,
        )
        .await
        .unwrap();
        assert_dict_owned(
            &test.get_interface_parameters("testnet0", 0).await.unwrap(),
            &bandwidth(&[]),
        );
        err_is(
            vm.get_interface_parameters("testnet0", 0).await,
            "invalid argument: 'testnet0' is not a known interface",
        );
        err_is(vm.get_interface_parameters("x", LIVE).await, NOT_RUNNING);

        // NUMA memory tuning.
        assert_dict(
            &test.get_numa_parameters(0).await.unwrap(),
            &[("numa_mode", "i 0"), ("numa_nodeset", "s ")],
        );
        err_is(
            test.set_numa_parameters(params([("numa_mode", Variant::from(1i32))]), 0)
                .await,
            "unsupported configuration: nodeset for NUMA memory tuning must be set if \
             'placement' is 'static'",
        );
        test.set_numa_parameters(params([("numa_nodeset", Variant::from("0"))]), 0)
            .await
            .unwrap();
        assert_dict(
            &test.get_numa_parameters(0).await.unwrap(),
            &[("numa_mode", "i 0"), ("numa_nodeset", "s 0")],
        );
        err_is(
            test.set_numa_parameters(
                params([
                    ("numa_mode", Variant::from(2i32)),
                    ("numa_nodeset", Variant::from("0-1")),
                ]),
                0,
            )
            .await,
            "Requested operation is not valid: can't change numatune mode for running domain",
        );
        err_is(
            test.set_numa_parameters(params([("numa_mode", Variant::from(9i32))]), 0)
                .await,
            "invalid argument: unsupported numatune mode: '9'",
        );
        err_is(
            test.set_numa_parameters(params([("numa_mode", Variant::from(1u32))]), 0)
                .await,
            "invalid argument: invalid type 'uint' for parameter 'numa_mode', expected 'int'",
        );
        err_is(
            test.set_numa_parameters(params([("numa_nodeset", Variant::from("x"))]), 0)
                .await,
            "invalid argument: Failed to parse bitmap 'x'",
        );
        err_is(
            test.set_numa_parameters(params([("bogus", Variant::from("5"))]), 0)
                .await,
            "argument unsupported: parameter 'bogus' not supported",
        );
        test.set_numa_parameters(params([("numa_nodeset", Variant::from("5"))]), 0)
            .await
            .unwrap();
        assert_dict(
            &test.get_numa_parameters(0).await.unwrap(),
            &[("numa_mode", "i 0"), ("numa_nodeset", "s 5")],
        );
        assert_dict(
            &vm.get_numa_parameters(0).await.unwrap(),
            &[("numa_mode", "i 0"), ("numa_nodeset", "s ")],
        );
        vm.set_numa_parameters(
            params([
                ("numa_mode", Variant::from(1i32)),
                ("numa_nodeset", Variant::from("1")),
            ]),
            0,
        )
        .await
        .unwrap();
        assert_dict(
            &vm.get_numa_parameters(0).await.unwrap(),
            &[("numa_mode", "i 1"), ("numa_nodeset", "s 1")],
        );
        err_is(
            vm.set_numa_parameters(params([("numa_mode", Variant::from(1i32))]), LIVE)
                .await,
            NOT_RUNNING,
        );
        err_is(vm.get_numa_parameters(LIVE).await, NOT_RUNNING);

        // Perf events.
        assert_dict_owned(&test.get_perf_events(0).await.unwrap(), &perf(&[]));
        test.set_perf_events(
            params([
                ("cmt", Variant::from(true)),
                ("cpu_cycles", Variant::from(true)),
            ]),
            0,
        )
        .await
        .unwrap();
        assert_dict_owned(
            &test.get_perf_events(0).await.unwrap(),
            &perf(&["cmt", "cpu_cycles"]),
        );
        err_is(
            test.set_perf_events(params([("cmt", Variant::from(1u32))]), 0)
                .await,
            "invalid argument: invalid type 'uint' for parameter 'cmt', expected 'boolean'",
        );
        err_is(
            test.set_perf_events(params([("bogus", Variant::from(true))]), 0)
                .await,
            "argument unsupported: parameter 'bogus' not supported",
        );
        test.set_perf_events(params([("cmt", Variant::from(false))]), 0)
            .await
            .unwrap();
        assert_dict_owned(
            &test.get_perf_events(0).await.unwrap(),
            &perf(&["cpu_cycles"]),
        );
        assert_dict_owned(&test.get_perf_events(CONFIG).await.unwrap(), &perf(&[]));
        vm.set_perf_events(params([("mbmt", Variant::from(true))]), 0)
            .await
            .unwrap();
        assert_dict_owned(&vm.get_perf_events(0).await.unwrap(), &perf(&["mbmt"]));
        err_is(
            vm.set_perf_events(params([("mbmt", Variant::from(true))]), LIVE)
                .await,
            NOT_RUNNING,
        );
        err_is(vm.get_perf_events(LIVE).await, NOT_RUNNING);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tunables_show_in_the_domain_xml() {
    with_timeout(async {
        let (_service, test, vm) = with_foo().await;
        test.add_io_thread(3, 0).await.unwrap();
        test.pin_vcpu(1, &[true, false, true], 0).await.unwrap();
        test.pin_emulator(&[false, true], 0).await.unwrap();
        test.set_numa_parameters(params([("numa_nodeset", Variant::from("5"))]), 0)
            .await
            .unwrap();
        test.set_perf_events(
            params([
                ("cmt", Variant::from(false)),
                ("cpu_cycles", Variant::from(true)),
            ]),
            0,
        )
        .await
        .unwrap();
        test.set_interface_parameters(
            "testnet0",
            params([
                ("inbound.average", Variant::from(100u32)),
                ("inbound.peak", Variant::from(200u32)),
                ("inbound.burst", Variant::from(300u32)),
            ]),
            0,
        )
        .await
        .unwrap();
        test.set_block_io_tune(
            "vda",
            params([
                ("total_iops_sec", Variant::from(5u64)),
                ("total_iops_sec_max", Variant::from(10u64)),
            ]),
            0,
        )
        .await
        .unwrap();
        let live = xml(&test).await;
        let mut missing = Vec::new();
        for needle in [
            "<iothreads>1</iothreads>",
            "<iothreadids>\n    <iothread id='3'/>\n  </iothreadids>",
            "<vcpupin vcpu='1' cpuset='0,2'/>",
            "<emulatorpin cpuset='1'/>",
            "<numatune>\n    <memory mode='strict' nodeset='5'/>\n  </numatune>",
            "<event name='cmt' enabled='no'/>",
            "<event name='cpu_cycles' enabled='yes'/>",
            "<inbound average='100' peak='200' burst='300'/>",
            "<total_iops_sec>5</total_iops_sec>",
            "<total_iops_sec_max>10</total_iops_sec_max>",
        ] {
            if !live.contains(needle) {
                missing.push(needle);
            }
        }
        // Live changes stay out of the definition.
        let inactive = test.get_xml_desc(2).await.unwrap();
        assert!(!inactive.contains("<cputune>"), "{inactive}");

        vm.set_numa_parameters(
            params([
                ("numa_mode", Variant::from(1i32)),
                ("numa_nodeset", Variant::from("1")),
            ]),
            0,
        )
        .await
        .unwrap();
        let def = xml(&vm).await;
        let needle = "<memory mode='preferred' nodeset='1'/>";
        if !def.contains(needle) {
            missing.push(needle);
        }
        assert!(
            missing.is_empty(),
            "the XML lacks {missing:#?}\nlive:\n{live}\nfoo:\n{def}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_are_created_looked_up_and_listed() {
    with_timeout(async {
        let (service, test, vm) = with_foo().await;
        let prefix = "/org/libvirt/Test/domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f_";
        let snap = |name: &str| format!("{prefix}{name}");
        assert!(test.list_domain_snapshots(0).await.unwrap().is_empty());
        err_is(
            test.snapshot_current(0).await,
            "Domain snapshot not found: the domain does not have a current snapshot",
        );
        err_is(
            test.snapshot_lookup_by_name("s1", 0).await,
            "Domain snapshot not found: no domain snapshot with matching name 's1'",
        );

        let s1 = test
            .snapshot_create_xml(
                "<domainsnapshot><name>s1</name><description>first</description>\
                 </domainsnapshot>",
                0,
            )
            .await
            .unwrap();
        assert_eq!(s1.as_str(), snap("s1"));
        assert_eq!(test.snapshot_current(0).await.unwrap(), s1);
        assert_eq!(test.snapshot_lookup_by_name("s1", 0).await.unwrap(), s1);
        err_is(
            test.snapshot_lookup_by_name("s1", 1).await,
            "unsupported flags (0x1) in function testDomainSnapshotLookupByName",
        );
        err_is(
            test.snapshot_current(1).await,
            "unsupported flags (0x1) in function testDomainSnapshotCurrent",
        );
        err_is(
            test.snapshot_create_xml("<domainsnapshot><name>s1</name></domainsnapshot>", 0)
                .await,
            "operation failed: domain moment s1 already exists",
        );
        err_is(
            test.snapshot_create_xml("<nope/>", 0).await,
            "XML error: expecting root element of 'domainsnapshot', not 'nope'",
        );
        // A snapshot without a name is named after its creation time.
        let unnamed = test
            .snapshot_create_xml("<domainsnapshot/>", 0)
            .await
            .unwrap();
        let stamp = unnamed
            .as_str()
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{unnamed}"));
        assert!(
            !stamp.is_empty() && stamp.bytes().all(|b| b.is_ascii_digit()),
            "{unnamed}"
        );
        let s2 = test
            .snapshot_create_xml("<domainsnapshot><name>s2</name></domainsnapshot>", 0)
            .await
            .unwrap();
        assert_eq!(test.snapshot_current(0).await.unwrap(), s2);

        let set = |v: Vec<zbus::OwnedObjectPath>| -> BTreeSet<String> {
            v.into_iter().map(|p| p.to_string()).collect()
        };
        let all: BTreeSet<String> = [s1.to_string(), unnamed.to_string(), s2.to_string()]
            .into_iter()
            .collect();
        assert_eq!(set(test.list_domain_snapshots(0).await.unwrap()), all);
        // ROOTS: the first; LEAVES: the newest (each was created on top of the current one).
        assert_eq!(
            set(test.list_domain_snapshots(1).await.unwrap()),
            [s1.to_string()].into_iter().collect()
        );
        assert_eq!(
            set(test.list_domain_snapshots(4).await.unwrap()),
            [s2.to_string()].into_iter().collect()
        );

        // Names are escaped in the path like every other string key.
        let foo_prefix = "/org/libvirt/Test/domainsnapshot/_11111111_2222_3333_4444_555555555555_";
        let f1 = vm
            .snapshot_create_xml("<domainsnapshot><name>a b.c</name></domainsnapshot>", 0)
            .await
            .unwrap();
        assert_eq!(f1.as_str(), format!("{foo_prefix}a_20b_2ec"));
        let f2 = vm
            .snapshot_create_xml("<domainsnapshot><name>a/b</name></domainsnapshot>", 0)
            .await
            .unwrap();
        assert_eq!(f2.as_str(), format!("{foo_prefix}a_2fb"));
        assert_eq!(vm.list_domain_snapshots(0).await.unwrap().len(), 2);
        err_is(
            vm.undefine(0).await,
            "Requested operation is not valid: cannot delete inactive domain with 2 snapshots",
        );
        assert!(common::list_domains(&service.conn, 0)
            .await
            .contains(&common::domain_path(FOO_UUID)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn members_the_test_driver_lacks_name_their_api() {
    with_timeout(async {
        let (_service, test, vm) = with_foo().await;
        let disk = "<disk type='file' device='disk'><source file='/tmp/x.img'/>\
                    <target dev='vdb' bus='virtio'/></disk>";
        let copy = "<disk type='file'><source file='/tmp/copy.img'/></disk>";
        // The same answer for a running and an inactive domain.
        for dom in [&test, &vm] {
            let checks: Vec<(&str, zbus::Result<()>)> = vec![
                (
                    "virDomainMigrateGetCompressionCache",
                    dom.migrate_get_compression_cache(0).await.map(drop),
                ),
                (
                    "virDomainMigrateSetCompressionCache",
                    dom.migrate_set_compression_cache(1024, 0).await,
                ),
                (
                    "virDomainMigrateSetMaxDowntime",
                    dom.migrate_set_max_downtime(100, 0).await,
                ),
                (
                    "virDomainMigrateGetMaxSpeed",
                    dom.migrate_get_max_speed(0).await.map(drop),
                ),
                (
                    "virDomainMigrateSetMaxSpeed",
                    dom.migrate_set_max_speed(100, 0).await,
                ),
                (
                    "virDomainMigrateStartPostCopy",
                    dom.migrate_start_post_copy(0).await,
                ),
                (
                    "virDomainOpenGraphicsFD",
                    dom.open_graphics_fd(0, 0).await.map(drop),
                ),
                (
                    "virDomainBlockCommit",
                    dom.block_commit("vda", "", "", 0, 0).await,
                ),
                (
                    "virDomainBlockCopy",
                    dom.block_copy("vda", copy, HashMap::new(), 0).await,
                ),
                (
                    "virDomainBlockRebase",
                    dom.block_rebase("vda", "", 0, 0).await,
                ),
                ("virDomainBlockPull", dom.block_pull("vda", 0, 0).await),
                (
                    "virDomainBlockResize",
                    dom.block_resize("vda", 1024, 0).await,
                ),
                (
                    "virDomainBlockJobAbort",
                    dom.block_job_abort("vda", 0).await,
                ),
                (
                    "virDomainBlockJobSetSpeed",
                    dom.block_job_set_speed("vda", 100, 0).await,
                ),
                (
                    "virDomainGetBlockJobInfo",
                    dom.get_block_job_info("vda", 0).await.map(drop),
                ),
                (
                    "virDomainBlockPeek",
                    dom.block_peek("vda", 0, 16, 0).await.map(drop),
                ),
                (
                    "virDomainGetGuestVcpus",
                    dom.get_guest_vcpus(0).await.map(drop),
                ),
                ("virDomainPMWakeup", dom.pm_wakeup(0).await),
                (
                    "virDomainAttachDeviceFlags",
                    dom.attach_device(disk, 0).await,
                ),
                (
                    "virDomainDetachDeviceFlags",
                    dom.detach_device(disk, 0).await,
                ),
                (
                    "virDomainUpdateDeviceFlags",
                    dom.update_device(disk, 0).await,
                ),
                ("virDomainAbortJob", dom.abort_job().await),
                ("virDomainGetJobInfo", dom.get_job_info().await.map(drop)),
                ("virDomainGetJobStats", dom.get_job_stats(0).await.map(drop)),
                (
                    "virDomainGetSecurityLabelList",
                    dom.get_security_label_list().await.map(drop),
                ),
            ];
            let mut wrong = Vec::new();
            for (api, r) in checks {
                let want = no_support(api);
                match r {
                    Err(e)
                        if common::error_parts(&e)
                            == Some((LIBVIRT_ERROR.into(), want.clone())) => {}
                    other => wrong.push(format!("{api}: {other:?}")),
                }
            }
            assert!(
                wrong.is_empty(),
                "not \"{NO_SUPPORT}: ...\":\n{}",
                wrong.join("\n")
            );
        }
        // libvirt-dbus 1.4.1 aborts on this call (a reference bug), so only ours is asked.
        if !targets_libvirt_dbus() {
            err_is(
                test.set_guest_vcpus(&[true, false], 1, 0).await,
                &no_support("virDomainSetGuestVcpus"),
            );
        }

        // Migration is refused by libvirt's own checks before any driver is asked.
        const DIRECT: &str =
            "argument unsupported: direct migration is not supported by the source host";
        const P2P: &str = "argument unsupported: p2p migration is not supported by the source host";
        err_is(
            test.migrate_to_uri3("test:///default", HashMap::new(), 0)
                .await,
            DIRECT,
        );
        err_is(test.migrate_to_uri3("", HashMap::new(), 0).await, DIRECT);
        err_is(
            test.migrate_to_uri3(
                "test:///default",
                params([("bandwidth", Variant::from(10u64))]),
                0,
            )
            .await,
            DIRECT,
        );
        // VIR_MIGRATE_PEER2PEER.
        err_is(test.migrate_to_uri3("", HashMap::new(), 2).await, P2P);
        err_is(
            vm.migrate_to_uri3("test:///default", HashMap::new(), 0)
                .await,
            DIRECT,
        );
        // TUNNELLED | PARALLEL, then NON_SHARED_DISK | NON_SHARED_INC.
        err_is(
            test.migrate_to_uri3("test:///default", HashMap::new(), 4 | 131_072)
                .await,
            "Flags 'VIR_MIGRATE_TUNNELLED' and 'VIR_MIGRATE_PARALLEL' are mutually exclusive",
        );
        err_is(
            test.migrate_to_uri3("test:///default", HashMap::new(), 0xffff_ffff)
                .await,
            "Flags 'VIR_MIGRATE_TUNNELLED' and 'VIR_MIGRATE_PARALLEL' are mutually exclusive",
        );
        err_is(
            test.migrate_to_uri3("test:///default", HashMap::new(), 64 | 128)
                .await,
            "Flags 'VIR_MIGRATE_NON_SHARED_DISK' and 'VIR_MIGRATE_NON_SHARED_INC' are \
             mutually exclusive",
        );
        assert_eq!(common::state(&test).await.0, 1, "still running");
    })
    .await;
}

/// The error name and text of `reply`; panics (showing it) if it is not an error.
fn reply_err(reply: Reply) -> (String, String) {
    let (name, text) = reply.expect_err();
    (name.to_string(), text.to_string())
}

/// `Domain.CreateWithFiles(ah files, u flags)` sent with real descriptors.
async fn create_with_files(
    service: &Service,
    path: &str,
    files: &[&std::fs::File],
    flags: u32,
) -> Reply {
    let fds: Vec<zbus::Fd<'_>> = files.iter().map(|f| zbus::Fd::from(*f)).collect();
    common::call(
        &service.conn,
        path,
        DOMAIN,
        "CreateWithFiles",
        &(fds, flags),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_files_takes_descriptors() {
    with_timeout(async {
        let (service, test, vm) = with_foo().await;
        let foo_path = common::domain_path(FOO_UUID);
        let a = std::fs::File::open("/dev/null").unwrap();
        let b = std::fs::File::open("/dev/null").unwrap();

        // Refused flags first: VIR_DOMAIN_START_PAUSED and VIR_DOMAIN_START_BYPASS_CACHE.
        for flags in [1u32, 4] {
            let (name, text) =
                reply_err(create_with_files(&service, &foo_path, &[&a], flags).await);
            assert_eq!(name, LIBVIRT_ERROR);
            assert_eq!(
                text,
                format!("unsupported flags ({flags:#x}) in function testDomainCreateWithFlags")
            );
        }
        assert_eq!(common::state(&vm).await, (5, 0), "still SHUTOFF");

        create_with_files(&service, &foo_path, &[&a, &b], 0)
            .await
            .expect_ok();
        assert_eq!(common::state(&vm).await, (1, 1), "RUNNING/BOOTED");
        let (name, text) = reply_err(create_with_files(&service, TEST_DOMAIN_PATH, &[&a], 0).await);
        assert_eq!(name, LIBVIRT_ERROR);
        assert_eq!(text, "internal error: Domain 'test' is already running");

        // No files at all is a plain start.
        vm.destroy(0).await.unwrap();
        create_with_files(&service, &foo_path, &[], 0)
            .await
            .expect_ok();
        assert_eq!(common::state(&vm).await, (1, 1));
        assert_eq!(common::state(&test).await.0, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn core_dump_formats_and_flags() {
    with_timeout(async {
        let (_service, test, vm) = with_foo().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("core");
        let file = file.to_str().unwrap();
        test.core_dump(file, 0, 0).await.unwrap();
        err_is(
            test.core_dump(file, 1, 0).await,
            "Operation not supported: kdump-compressed format is not supported here",
        );
        err_is(
            test.core_dump(file, 9, 0).await,
            "dumpformat '9' is not supported",
        );
        err_is(
            test.core_dump(file, 0, 64).await,
            "unsupported flags (0x40) in function testDomainCoreDumpWithFormat",
        );
        err_is(vm.core_dump(file, 0, 0).await, NOT_RUNNING);
        assert_eq!(
            common::state(&test).await.0,
            1,
            "refused dumps left it running"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn set_block_threshold_is_served_and_the_test_driver_lacks_it() {
    // Newer than libvirt-dbus 1.4.1; libvirt's test driver does not have it either.
    with_timeout(async {
        let service = common::Service::start().await;
        let reply = common::call(
            &service.conn,
            TEST_DOMAIN_PATH,
            "org.libvirt.Domain",
            "SetBlockThreshold",
            &("vda", 1u64 << 30, 0u32),
        )
        .await;
        let want = no_support("virDomainSetBlockThreshold");
        assert_eq!(reply.expect_err(), (LIBVIRT_ERROR, want.as_str()));
    })
    .await;
}
