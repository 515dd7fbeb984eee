//! Memory, vCPUs, typed-parameter tuning, metadata, pinning and I/O threads.

mod common;

use common::*;
use virtbus_core::{
    driver::DomainDriver,
    event::DomainEventKind,
    params::{TypedParams, TypedValue},
};

const FOO: &str = "11111111-2222-3333-4444-555555555555";

fn get<'a>(params: &'a TypedParams, name: &str) -> &'a TypedValue {
    &params.iter().find(|(n, _)| n == name).expect(name).1
}

fn p(name: &str, v: TypedValue) -> TypedParams {
    vec![(name.to_owned(), v)]
}

#[tokio::test]
async fn memory_live_config_and_maximum() {
    within(async {
        let (d, mut rx) = driver();
        assert_eq!(
            text(d.set_memory(&TEST_UUID, 99_999_999, 0).await),
            "invalid argument: cannot set memory higher than max memory"
        );
        assert_eq!(
            text(d.set_memory(&TEST_UUID, 0, 0).await),
            "memory in virDomainSetMemoryFlags must not be zero"
        );
        assert_eq!(
            text(d.set_memory(&TEST_UUID, 1, 3).await),
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
        );
        assert_eq!(
            text(d.set_memory(&TEST_UUID, 1, 8).await),
            "unsupported flags (0x8) in function testDomainSetMemoryFlags"
        );
        assert_eq!(
        text(d.set_memory(&TEST_UUID, 512, 4).await),
        "Requested operation is not valid: cannot resize the maximum memory on an active domain"
    );
        d.set_memory(&TEST_UUID, 1024, 0).await.unwrap();
        d.set_memory(&TEST_UUID, 4096, 2 | 4).await.unwrap();
        let live = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        let config = d.xml_desc(&TEST_UUID, 2).await.unwrap();
        assert!(
            live.contains("<currentMemory unit='KiB'>1024</currentMemory>"),
            "{live}"
        );
        assert!(
            live.contains("<memory unit='KiB'>8388608</memory>"),
            "{live}"
        );
        assert!(
            config.contains("<memory unit='KiB'>4096</memory>"),
            "{config}"
        );
        assert!(
            config.contains("<currentMemory unit='KiB'>4096</currentMemory>"),
            "{config}"
        );
        assert!(
            drain(&mut rx).is_empty(),
            "the test driver emits no event for memory"
        );

        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            text(d.set_memory(&TEST_UUID, 512, 1).await),
            "Requested operation is not valid: domain is not running"
        );
        d.set_memory(&TEST_UUID, 2048, 4).await.unwrap();
        let x = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(x.contains("<memory unit='KiB'>2048</memory>"), "{x}");
    })
    .await;
}

#[tokio::test]
async fn memory_stats_follow_the_balloon() {
    within(async {
        let (d, _rx) = driver();
        d.set_memory(&TEST_UUID, 1000, 0).await.unwrap();
        let stats = d.memory_stats(&TEST_UUID, 0).await.unwrap();
        assert_eq!(stats.len(), 13);
        assert_eq!(stats[0], (6, 1000));
        assert_eq!(stats[5], (4, 500));
        assert_eq!(stats[8], (9, 627_319_920));
        assert_eq!(stats[12], (7, 500));
        let u = d.create_xml(&xml("foo", FOO), 0).await.unwrap();
        assert!(d.memory_stats(&u, 0).await.unwrap().is_empty());
        assert_eq!(
        text(d.set_memory_stats_period(&u, 5, 0).await),
        "internal error: No memory balloon device configured, can not set the collection period"
    );
        assert_eq!(
            text(d.set_memory_stats_period(&TEST_UUID, -1, 0).await),
            "period in virDomainSetMemoryStatsPeriod must be zero or greater"
        );
        d.set_memory_stats_period(&TEST_UUID, 5, 0).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn vcpus_with_their_flags() {
    within(async {
        let (d, _rx) = driver();
        let u = d
        .define_xml(
            "<domain type='test'><name>foo</name><uuid>11111111-2222-3333-4444-555555555555</uuid>\
             <memory>1024</memory><vcpu current='3'>5</vcpu><os><type>hvm</type></os></domain>",
            0,
        )
        .await
        .unwrap();
        assert_eq!(d.vcpus(&u, 0).await.unwrap(), 3);
        assert_eq!(d.vcpus(&u, 4).await.unwrap(), 5);
        assert_eq!(
            text(d.vcpus(&u, 1).await),
            "Requested operation is not valid: domain is not running"
        );
        assert_eq!(
            text(d.vcpus(&u, 8).await),
            "unsupported flags (0x8) in function testDomainGetVcpusFlags"
        );
        assert_eq!(
            text(d.set_vcpus(&u, 1, 4).await),
            "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'"
        );
        assert_eq!(
            text(d.set_vcpus(&u, 0, 0).await),
            "nvcpus in virDomainSetVcpusFlags must not be zero"
        );
        assert_eq!(
            text(d.set_vcpus(&u, 64, 0).await),
            "invalid argument: requested cpu amount exceeds maximum supported amount (64 > 32)"
        );
        assert_eq!(
            text(d.set_vcpus(&u, 6, 0).await),
            "invalid argument: requested cpu amount exceeds maximum (6 > 5)"
        );
        d.set_vcpus(&u, 1, 2 | 4).await.unwrap();
        assert_eq!(
            (d.vcpus(&u, 0).await.unwrap(), d.vcpus(&u, 4).await.unwrap()),
            (1, 1)
        );
        d.set_vcpus(&u, 7, 2 | 4).await.unwrap();
        assert_eq!(
            (d.vcpus(&u, 0).await.unwrap(), d.vcpus(&u, 4).await.unwrap()),
            (1, 7)
        );
        d.set_vcpus(&u, 4, 0).await.unwrap();
        assert!(d
            .xml_desc(&u, 0)
            .await
            .unwrap()
            .contains("<vcpu placement='static' current='4'>7</vcpu>"));

        // Live on the running default domain; the next-boot definition keeps its count.
        d.set_vcpus(&TEST_UUID, 1, 0).await.unwrap();
        assert_eq!(d.vcpus(&TEST_UUID, 0).await.unwrap(), 1);
        assert_eq!(d.vcpus(&TEST_UUID, 2).await.unwrap(), 2);
        assert_eq!(d.vcpu_pin_info(&TEST_UUID, 0).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn memory_numa_blkio_perf_and_scheduler_parameters() {
    within(async {
    let (d, _rx) = driver();
    let mem = d.memory_parameters(&TEST_UUID, 0).await.unwrap();
    assert_eq!(*get(&mem, "hard_limit"), TypedValue::ULLong(9_007_199_254_740_991));
    d.set_memory_parameters(&TEST_UUID, p("hard_limit", TypedValue::ULLong(100_000)), 0)
        .await
        .unwrap();
    assert_eq!(
        text(
            d.set_memory_parameters(
                &TEST_UUID,
                vec![
                    ("hard_limit".to_owned(), TypedValue::ULLong(100_000)),
                    ("swap_hard_limit".to_owned(), TypedValue::ULLong(1000)),
                ],
                0
            )
            .await
        ),
        "invalid argument: memory hard_limit tunable value must be lower than or equal to swap_hard_limit"
    );
    assert_eq!(
        text(d.set_memory_parameters(&TEST_UUID, p("hard_limit", TypedValue::UInt(1)), 0).await),
        "invalid argument: invalid type 'uint' for parameter 'hard_limit', expected 'ullong'"
    );
    assert_eq!(
        text(d.set_memory_parameters(&TEST_UUID, vec![], 0).await),
        "params in virDomainSetMemoryParameters must not be NULL"
    );
    let mem = d.memory_parameters(&TEST_UUID, 0).await.unwrap();
    assert_eq!(*get(&mem, "hard_limit"), TypedValue::ULLong(100_000));
    let config = d.memory_parameters(&TEST_UUID, 2).await.unwrap();
    assert_eq!(*get(&config, "hard_limit"), TypedValue::ULLong(9_007_199_254_740_991));

    d.set_numa_parameters(&TEST_UUID, p("numa_nodeset", TypedValue::String("0-1".into())), 0)
        .await
        .unwrap();
    let numa = d.numa_parameters(&TEST_UUID, 0).await.unwrap();
    assert_eq!(*get(&numa, "numa_mode"), TypedValue::Int(0));
    assert_eq!(*get(&numa, "numa_nodeset"), TypedValue::String("0-1".into()));
    assert_eq!(
        text(d.set_numa_parameters(&TEST_UUID, p("numa_mode", TypedValue::Int(1)), 0).await),
        "Requested operation is not valid: can't change numatune mode for running domain"
    );
    assert_eq!(
        text(d.set_numa_parameters(&TEST_UUID, p("numa_mode", TypedValue::Int(7)), 0).await),
        "invalid argument: unsupported numatune mode: '7'"
    );
    assert_eq!(
        text(d.set_numa_parameters(&TEST_UUID, p("numa_mode", TypedValue::Int(1)), 2).await),
        "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'"
    );
    assert_eq!(
        text(d.set_numa_parameters(&TEST_UUID, p("numa_nodeset", TypedValue::String("bad".into())), 0).await),
        "invalid argument: Failed to parse bitmap 'bad'"
    );

    d.set_blkio_parameters(
        &TEST_UUID,
        vec![
            ("weight".to_owned(), TypedValue::UInt(500)),
            ("device_weight".to_owned(), TypedValue::String("/dev/sda,10,/dev/sdb,20".into())),
        ],
        0,
    )
    .await
    .unwrap();
    d.set_blkio_parameters(&TEST_UUID, p("device_weight", TypedValue::String("/dev/sda,0".into())), 0)
        .await
        .unwrap();
    let blkio = d.blkio_parameters(&TEST_UUID, 0).await.unwrap();
    assert_eq!(blkio.len(), 6);
    assert_eq!(*get(&blkio, "weight"), TypedValue::UInt(500));
    assert_eq!(*get(&blkio, "device_weight"), TypedValue::String("/dev/sdb,20".into()));
    assert_eq!(
        text(d.set_blkio_parameters(&TEST_UUID, p("device_weight", TypedValue::String("/dev/sda".into())), 0).await),
        "invalid argument: unable to parse blkio device 'device_weight' '/dev/sda'"
    );

    d.set_perf_events(&TEST_UUID, p("cmt", TypedValue::Boolean(true)), 0)
        .await
        .unwrap();
    let perf = d.perf_events(&TEST_UUID, 0).await.unwrap();
    assert_eq!(perf.len(), 22);
    assert_eq!(perf[0], ("cmt".to_owned(), TypedValue::Boolean(true)));
    assert_eq!(
        text(d.set_perf_events(&TEST_UUID, p("bogus", TypedValue::Boolean(true)), 0).await),
        "argument unsupported: parameter 'bogus' not supported"
    );

    assert_eq!(
        d.scheduler_parameters(&TEST_UUID, 0).await.unwrap(),
        p("weight", TypedValue::UInt(50))
    );
    assert_eq!(
        text(d.scheduler_parameters(&TEST_UUID, 4).await),
        "unsupported flags (0x4) in function testDomainGetSchedulerParametersFlags"
    );
    d.set_scheduler_parameters(&TEST_UUID, p("weight", TypedValue::UInt(10)), 0)
        .await
        .unwrap();
    assert_eq!(
        text(d.set_scheduler_parameters(&TEST_UUID, p("weight", TypedValue::Int(10)), 0).await),
        "invalid argument: invalid type 'int' for parameter 'weight', expected 'uint'"
    );
    assert_eq!(
        text(d.set_scheduler_parameters(&TEST_UUID, p("cap", TypedValue::UInt(10)), 0).await),
        "argument unsupported: parameter 'cap' not supported"
    );
    })
    .await;
}

#[tokio::test]
async fn interface_and_block_tuning() {
    within(async {
        let (d, _rx) = driver();
        d.set_interface_parameters(
            &TEST_UUID,
            "testnet0",
            p("inbound.average", TypedValue::UInt(100)),
            0,
        )
        .await
        .unwrap();
        d.set_interface_parameters(
            &TEST_UUID,
            "aa:bb:cc:dd:ee:ff",
            p("outbound.average", TypedValue::UInt(200)),
            0,
        )
        .await
        .unwrap();
        let bw = d
            .interface_parameters(&TEST_UUID, "testnet0", 0)
            .await
            .unwrap();
        assert_eq!(bw.len(), 7);
        assert_eq!(*get(&bw, "inbound.average"), TypedValue::UInt(100));
        assert_eq!(*get(&bw, "outbound.average"), TypedValue::UInt(200));
        assert_eq!(
            text(d.interface_parameters(&TEST_UUID, "nope", 0).await),
            "invalid argument: 'nope' is not a known interface"
        );

        let tune = d.block_io_tune(&TEST_UUID, "vda", 0).await.unwrap();
        assert_eq!(tune.len(), 20);
        assert_eq!(
            tune[13],
            ("group_name".to_owned(), TypedValue::String(String::new()))
        );
        assert_eq!(
            text(
                d.set_block_io_tune(
                    &TEST_UUID,
                    "vda",
                    p("total_bytes_sec", TypedValue::ULLong(1000)),
                    0
                )
                .await
            ),
            "invalid argument: total_bytes_sec cannot be set higher than total_bytes_sec_max "
        );
        assert_eq!(
            text(
                d.set_block_io_tune(
                    &TEST_UUID,
                    "vda",
                    vec![
                        ("total_bytes_sec".to_owned(), TypedValue::ULLong(1000)),
                        ("read_bytes_sec".to_owned(), TypedValue::ULLong(5)),
                    ],
                    0
                )
                .await
            ),
            "invalid argument: total and read/write of bytes_sec cannot be set at the same time"
        );
        assert_eq!(
            text(
                d.set_block_io_tune(
                    &TEST_UUID,
                    "vdz",
                    p("total_bytes_sec", TypedValue::ULLong(1)),
                    0
                )
                .await
            ),
            "invalid argument: missing persistent configuration for disk 'vdz'"
        );
        assert_eq!(
            text(d.set_block_io_tune(&TEST_UUID, "vda", vec![], 0).await),
            "nparams in virDomainSetBlockIoTune must be greater than zero"
        );
        d.set_block_io_tune(
            &TEST_UUID,
            "vda",
            p("total_bytes_sec_max", TypedValue::ULLong(10)),
            0,
        )
        .await
        .unwrap();
        let tune = d
            .block_io_tune(&TEST_UUID, "/guest/diskimage1", 0)
            .await
            .unwrap();
        assert_eq!(*get(&tune, "total_bytes_sec_max"), TypedValue::ULLong(10));
        assert_eq!(
            text(d.block_io_tune(&TEST_UUID, "vdz", 0).await),
            "invalid argument: disk 'vdz' was not found in the domain config"
        );
    })
    .await;
}

#[tokio::test]
async fn metadata_title_description_and_elements() {
    within(async {
        let (d, mut rx) = driver();
        assert_eq!(
            text(d.metadata(&TEST_UUID, 1, "", 0).await),
            "metadata not found: Requested metadata element is not present"
        );
        d.set_metadata(&TEST_UUID, 1, "My title", "", "", 0)
            .await
            .unwrap();
        assert_eq!(
            next(&mut rx).await,
            domain_event(
                TEST_UUID,
                DomainEventKind::MetadataChange {
                    kind: 1,
                    nsuri: String::new()
                }
            )
        );
        assert_eq!(d.metadata(&TEST_UUID, 1, "", 0).await.unwrap(), "My title");
        assert_eq!(
            text(d.metadata(&TEST_UUID, 1, "", 2).await),
            "metadata not found: Requested metadata element is not present",
            "a live change leaves the next-boot definition alone"
        );
        d.set_metadata(&TEST_UUID, 0, "My desc", "", "", 3)
            .await
            .unwrap();
        assert_eq!(d.metadata(&TEST_UUID, 0, "", 2).await.unwrap(), "My desc");
        assert_eq!(
            text(d.metadata(&TEST_UUID, 0, "", 3).await),
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
        );

        d.set_metadata(
            &TEST_UUID,
            2,
            "<foo bar='1'/>",
            "app",
            "http://example.org/",
            0,
        )
        .await
        .unwrap();
        drain(&mut rx);
        assert_eq!(
            d.metadata(&TEST_UUID, 2, "http://example.org/", 0)
                .await
                .unwrap(),
            "<foo bar=\"1\"/>"
        );
        d.set_metadata(
            &TEST_UUID,
            2,
            "<a><b c='d'>x</b>\n <e/></a>",
            "p",
            "urn:p",
            0,
        )
        .await
        .unwrap();
        assert_eq!(
            next(&mut rx).await,
            domain_event(
                TEST_UUID,
                DomainEventKind::MetadataChange {
                    kind: 2,
                    nsuri: "urn:p".into()
                }
            )
        );
        assert_eq!(
            d.metadata(&TEST_UUID, 2, "urn:p", 0).await.unwrap(),
            "<a><b c=\"d\">x</b>\n <e/></a>"
        );
        let x = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(x.contains("<title>My title</title>"), "{x}");
        assert!(x.contains("xmlns:app=\"http://example.org/\""), "{x}");

        for (kind, value, key, uri, expected) in [
            (1, "a\nb", "", "", "metadata title can't contain newlines"),
            (
                2,
                "<x/>",
                "",
                "",
                "uri in virDomainSetMetadata must not be NULL",
            ),
            (
                2,
                "<x/>",
                "",
                "urn:x",
                "key in virDomainSetMetadata must not be NULL",
            ),
            (0, "x", "k", "", "key in virDomainSetMetadata must be NULL"),
            (
                0,
                "x",
                "",
                "urn:x",
                "uri in virDomainSetMetadata must be NULL",
            ),
            (
                3,
                "x",
                "",
                "",
                "invalid argument: unknown metadata type '3'",
            ),
            (
                2,
                "",
                "k",
                "urn:x",
                "(metadata_xml):1: Document is empty\n(null)\n^",
            ),
            (
                2,
                "<x/>",
                "bad key",
                "urn:x",
                "internal error: failed to validate prefix for a new XML namespace",
            ),
        ] {
            assert_eq!(
                text(d.set_metadata(&TEST_UUID, kind, value, key, uri, 0).await),
                expected
            );
        }
        assert_eq!(
            text(d.set_metadata(&TEST_UUID, 1, "a", "", "", 4).await),
            "unsupported flags (0x4) in function testDomainSetMetadata"
        );
        assert_eq!(
            text(d.metadata(&TEST_UUID, 2, "", 0).await),
            "uri in virDomainGetMetadata must not be NULL"
        );
        assert_eq!(
            text(d.metadata(&TEST_UUID, 2, "urn:other", 0).await),
            "metadata not found: Requested metadata element is not present"
        );
        assert!(drain(&mut rx).is_empty(), "failed calls publish nothing");

        d.set_metadata(&TEST_UUID, 1, "", "", "", 0).await.unwrap();
        assert_eq!(
            text(d.metadata(&TEST_UUID, 1, "", 0).await),
            "metadata not found: Requested metadata element is not present"
        );
    })
    .await;
}

#[tokio::test]
async fn pinning_and_iothreads() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            d.vcpu_pin_info(&TEST_UUID, 0).await.unwrap(),
            vec![vec![true; 8]; 2]
        );
        d.pin_vcpu(&TEST_UUID, 1, &[false, false, true], 0)
            .await
            .unwrap();
        let pins = d.vcpu_pin_info(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            pins[1],
            vec![false, false, true, false, false, false, false, false]
        );
        assert_eq!(
            d.vcpu_pin_info(&TEST_UUID, 2).await.unwrap()[1],
            vec![true; 8]
        );
        assert_eq!(
            text(d.pin_vcpu(&TEST_UUID, 5, &[true], 0).await),
            "invalid argument: requested vcpu '5' is not present in the domain"
        );
        assert_eq!(
            text(d.pin_vcpu(&TEST_UUID, 0, &[true], 1).await),
            "unsupported flags (0x1) in function testDomainPinVcpuFlags"
        );

        assert_eq!(
            d.emulator_pin_info(&TEST_UUID, 0).await.unwrap(),
            vec![true; 8]
        );
        assert_eq!(
            text(d.pin_emulator(&TEST_UUID, &[false, false], 0).await),
            "invalid argument: Empty cpu list for pinning"
        );
        d.pin_emulator(&TEST_UUID, &[false, true], 0).await.unwrap();
        assert_eq!(
            d.emulator_pin_info(&TEST_UUID, 0).await.unwrap(),
            vec![false, true, false, false, false, false, false, false]
        );

        d.add_iothread(&TEST_UUID, 5, 0).await.unwrap();
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 5, 0).await),
            "invalid argument: an IOThread is already using iothread_id '5'"
        );
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 0, 0).await),
            "invalid argument: invalid value of 0 for iothread_id"
        );
        assert_eq!(
            text(d.add_iothread(&TEST_UUID, 9, 3).await),
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
        );
        assert_eq!(
            d.iothread_info(&TEST_UUID, 0).await.unwrap(),
            vec![(
                5,
                vec![true, true, false, false, false, false, false, false]
            )]
        );
        assert!(d.iothread_info(&TEST_UUID, 2).await.unwrap().is_empty());
        assert_eq!(
            text(d.pin_iothread(&TEST_UUID, 5, &[false], 0).await),
            "invalid argument: Empty iothread cpumap list for pinning"
        );
        assert_eq!(
            text(d.pin_iothread(&TEST_UUID, 1, &[true], 0).await),
            "invalid argument: iothreadid 1 not found"
        );
        d.pin_iothread(&TEST_UUID, 5, &[true], 0).await.unwrap();
        assert_eq!(
            d.iothread_info(&TEST_UUID, 0).await.unwrap()[0].1[..2],
            [true, false]
        );
        assert_eq!(
            text(d.del_iothread(&TEST_UUID, 9, 0).await),
            "invalid argument: cannot find IOThread '9' in iothreadids list"
        );
        d.del_iothread(&TEST_UUID, 5, 0).await.unwrap();
        assert!(d.iothread_info(&TEST_UUID, 0).await.unwrap().is_empty());

        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            text(d.pin_vcpu(&TEST_UUID, 0, &[true], 0).await),
            "Requested operation is not valid: cannot pin vcpus on an inactive domain"
        );
    })
    .await;
}

/// The element `name` of `xml`, from `<name` to its end tag (or to `/>` when it is empty).
fn element(xml: &str, name: &str) -> String {
    let start = xml
        .find(&format!("<{name}"))
        .unwrap_or_else(|| panic!("no <{name}> in\n{xml}"));
    let rest = &xml[start..];
    let close = format!("</{name}>");
    let end = match rest.find(&close) {
        Some(at) => at + close.len(),
        None => rest.find("/>").map_or(rest.len(), |at| at + 2),
    };
    rest[..end].to_owned()
}

fn params(list: &[(&str, TypedValue)]) -> TypedParams {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), v.clone()))
        .collect()
}

/// Each setter's change is shown by GetXMLDesc as libvirt 9.0's test driver shows it (the
/// expected texts were read from libvirt-dbus after the same calls), in the definition the
/// flags chose.
#[tokio::test]
async fn tuning_is_shown_in_the_xml() {
    within(async {
        let (d, _rx) = driver();
        d.set_memory_parameters(&TEST_UUID, p("hard_limit", TypedValue::ULLong(1_000_000)), 0)
            .await
            .unwrap();
        let x = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(
            x.contains(
                "  <currentMemory unit='KiB'>2097152</currentMemory>\n  <memtune>\n    \
                 <hard_limit unit='KiB'>1000000</hard_limit>\n  </memtune>\n  <vcpu"
            ),
            "{x}"
        );
        assert!(!d.xml_desc(&TEST_UUID, 2).await.unwrap().contains("memtune"));
        d.set_memory_parameters(
            &TEST_UUID,
            params(&[
                ("soft_limit", TypedValue::ULLong(500_000)),
                ("swap_hard_limit", TypedValue::ULLong(2_000_000)),
            ]),
            0,
        )
        .await
        .unwrap();
        assert_eq!(
            element(&d.xml_desc(&TEST_UUID, 0).await.unwrap(), "memtune"),
            "<memtune>\n    <hard_limit unit='KiB'>1000000</hard_limit>\n    \
             <soft_limit unit='KiB'>500000</soft_limit>\n    \
             <swap_hard_limit unit='KiB'>2000000</swap_hard_limit>\n  </memtune>"
        );

        d.set_blkio_parameters(
            &TEST_UUID,
            params(&[
                ("weight", TypedValue::UInt(500)),
                ("device_weight", TypedValue::String("/dev/sda,300".into())),
            ]),
            0,
        )
        .await
        .unwrap();
        d.set_blkio_parameters(
            &TEST_UUID,
            p(
                "device_read_iops_sec",
                TypedValue::String("/dev/sda,30,/dev/sdb,40".into()),
            ),
            0,
        )
        .await
        .unwrap();
        assert_eq!(
            element(&d.xml_desc(&TEST_UUID, 0).await.unwrap(), "blkiotune"),
            "<blkiotune>\n    <weight>500</weight>\n    <device>\n      <path>/dev/sda</path>\n      \
             <weight>300</weight>\n      <read_iops_sec>30</read_iops_sec>\n    </device>\n    \
             <device>\n      <path>/dev/sdb</path>\n      <read_iops_sec>40</read_iops_sec>\n    \
             </device>\n  </blkiotune>"
        );

        d.set_numa_parameters(&TEST_UUID, p("numa_nodeset", TypedValue::String("0".into())), 0)
            .await
            .unwrap();
        d.set_perf_events(
            &TEST_UUID,
            params(&[
                ("mbml", TypedValue::Boolean(false)),
                ("cmt", TypedValue::Boolean(true)),
            ]),
            0,
        )
        .await
        .unwrap();
        d.add_iothread(&TEST_UUID, 3, 0).await.unwrap();
        d.add_iothread(&TEST_UUID, 1, 0).await.unwrap();
        d.pin_vcpu(&TEST_UUID, 1, &[true, false], 0).await.unwrap();
        d.pin_emulator(&TEST_UUID, &[false, true], 0).await.unwrap();
        d.pin_iothread(&TEST_UUID, 3, &[true, true, false], 0)
            .await
            .unwrap();
        d.set_interface_parameters(
            &TEST_UUID,
            "testnet0",
            params(&[
                ("inbound.average", TypedValue::UInt(100)),
                ("inbound.peak", TypedValue::UInt(200)),
                ("outbound.average", TypedValue::UInt(50)),
            ]),
            0,
        )
        .await
        .unwrap();
        d.set_block_io_tune(
            &TEST_UUID,
            "vda",
            params(&[
                ("total_bytes_sec", TypedValue::ULLong(1000)),
                ("total_bytes_sec_max", TypedValue::ULLong(2000)),
                ("group_name", TypedValue::String("grp".into())),
            ]),
            0,
        )
        .await
        .unwrap();
        let x = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(
            x.contains(
                "  <vcpu placement='static'>2</vcpu>\n  <iothreads>2</iothreads>\n  \
                 <iothreadids>\n    <iothread id='3'/>\n    <iothread id='1'/>\n  \
                 </iothreadids>\n  <cputune>\n    <vcpupin vcpu='1' cpuset='0'/>\n    \
                 <emulatorpin cpuset='1'/>\n    <iothreadpin iothread='3' cpuset='0-1'/>\n  \
                 </cputune>\n  <numatune>\n    <memory mode='strict' nodeset='0'/>\n  \
                 </numatune>\n  <os>"
            ),
            "{x}"
        );
        assert!(
            x.contains(
                "  <on_crash>destroy</on_crash>\n  <perf>\n    \
                 <event name='cmt' enabled='yes'/>\n    \
                 <event name='mbml' enabled='no'/>\n  </perf>\n  <devices>"
            ),
            "{x}"
        );
        assert!(
            x.contains(
                "<target dev='vda' bus='virtio'/>\n      <iotune>\n        \
                 <total_bytes_sec>1000</total_bytes_sec>\n        \
                 <total_bytes_sec_max>2000</total_bytes_sec_max>\n        \
                 <group_name>grp</group_name>\n      </iotune>\n"
            ),
            "{x}"
        );
        assert!(
            x.contains(
                "<source network='default'/>\n      <bandwidth>\n        \
                 <inbound average='100' peak='200'/>\n        \
                 <outbound average='50'/>\n      </bandwidth>\n      <target dev='testnet0'/>"
            ),
            "{x}"
        );

        // All of that was live: the next-boot definition has none of it, and stopping the
        // domain brings that definition back.
        let inactive = d.xml_desc(&TEST_UUID, 2).await.unwrap();
        for absent in [
            "memtune",
            "blkiotune",
            "iothreads",
            "cputune",
            "numatune",
            "perf",
            "iotune",
            "bandwidth",
        ] {
            assert!(!inactive.contains(absent), "{absent} in\n{inactive}");
        }
        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert!(!d.xml_desc(&TEST_UUID, 0).await.unwrap().contains("memtune"));
    })
    .await;
}

/// Config changes on a running domain go to the next-boot definition only, and clearing a
/// bandwidth leaves the empty element libvirt leaves.
#[tokio::test]
async fn config_tuning_waits_for_the_next_boot() {
    within(async {
        let (d, _rx) = driver();
        d.set_perf_events(&TEST_UUID, p("cmt", TypedValue::Boolean(true)), 2)
            .await
            .unwrap();
        d.set_memory_parameters(&TEST_UUID, p("soft_limit", TypedValue::ULLong(1000)), 2)
            .await
            .unwrap();
        d.set_numa_parameters(
            &TEST_UUID,
            params(&[
                ("numa_mode", TypedValue::Int(2)),
                ("numa_nodeset", TypedValue::String("0-1".into())),
            ]),
            2,
        )
        .await
        .unwrap();
        d.set_numa_parameters(&TEST_UUID, p("numa_mode", TypedValue::Int(1)), 2)
            .await
            .unwrap();
        d.add_iothread(&TEST_UUID, 4, 2).await.unwrap();
        d.pin_emulator(&TEST_UUID, &[false, true], 2).await.unwrap();
        d.set_interface_parameters(
            &TEST_UUID,
            "testnet0",
            params(&[
                ("inbound.average", TypedValue::UInt(0)),
                ("outbound.average", TypedValue::UInt(0)),
            ]),
            0,
        )
        .await
        .unwrap();

        let live = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        for absent in ["memtune", "perf", "numatune", "iothreads", "cputune"] {
            assert!(!live.contains(absent), "{absent} in\n{live}");
        }
        assert!(
            live.contains("<bandwidth>\n      </bandwidth>"),
            "an emptied bandwidth stays as an empty element:\n{live}"
        );
        let config = d.xml_desc(&TEST_UUID, 2).await.unwrap();
        assert_eq!(
            element(&config, "memtune"),
            "<memtune>\n    <soft_limit unit='KiB'>1000</soft_limit>\n  </memtune>"
        );
        assert!(
            config.contains(
                "<iothreads>1</iothreads>\n  <iothreadids>\n    <iothread id='4'/>\n  \
                 </iothreadids>\n  <cputune>\n    <emulatorpin cpuset='1'/>\n  </cputune>\n  \
                 <numatune>\n    <memory mode='preferred' nodeset='0-1'/>\n  </numatune>"
            ),
            "{config}"
        );
        assert_eq!(
            element(&config, "perf"),
            "<perf>\n    <event name='cmt' enabled='yes'/>\n  </perf>"
        );

        d.destroy(&TEST_UUID, 0).await.unwrap();
        let x = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(
            x.contains("<soft_limit unit='KiB'>1000</soft_limit>"),
            "{x}"
        );
        assert!(!x.contains("bandwidth"), "{x}");
    })
    .await;
}

/// Tuning written in the XML is what the getters report, and defining the output again
/// keeps it.
#[tokio::test]
async fn tuning_from_the_xml_reaches_the_getters() {
    within(async {
        let (d, _rx) = driver();
        let u = d
            .define_xml(
                &xml_with(
                    "tuned",
                    FOO,
                    "<memtune><hard_limit unit='M'>1</hard_limit></memtune>\
                     <blkiotune><weight>300</weight></blkiotune>\
                     <iothreads>2</iothreads>\
                     <cputune><vcpupin vcpu='1' cpuset='1'/><iothreadpin iothread='2' cpuset='0'/></cputune>\
                     <numatune><memory mode='interleave' nodeset='1'/></numatune>\
                     <perf><event name='cpu_cycles' enabled='yes'/></perf>\
                     <devices><disk type='file'><source file='/a'/><target dev='vdb'/>\
                     <iotune><read_iops_sec>7</read_iops_sec></iotune></disk>\
                     <interface type='network'><source network='default'/>\
                     <bandwidth><inbound average='10' floor='5'/></bandwidth></interface></devices>",
                ),
                0,
            )
            .await
            .unwrap();
        let mem = d.memory_parameters(&u, 0).await.unwrap();
        assert_eq!(*get(&mem, "hard_limit"), TypedValue::ULLong(1024));
        let blkio = d.blkio_parameters(&u, 0).await.unwrap();
        assert_eq!(*get(&blkio, "weight"), TypedValue::UInt(300));
        let numa = d.numa_parameters(&u, 0).await.unwrap();
        assert_eq!(*get(&numa, "numa_mode"), TypedValue::Int(2));
        assert_eq!(*get(&numa, "numa_nodeset"), TypedValue::String("1".into()));
        let perf = d.perf_events(&u, 0).await.unwrap();
        assert_eq!(*get(&perf, "cpu_cycles"), TypedValue::Boolean(true));
        assert_eq!(
            d.vcpu_pin_info(&u, 0).await.unwrap()[1],
            vec![false, true, false, false, false, false, false, false]
        );
        let threads = d.iothread_info(&u, 0).await.unwrap();
        assert_eq!(threads.len(), 2);
        assert_eq!((threads[0].0, &threads[0].1[..2]), (1, &[true, true][..]));
        assert_eq!((threads[1].0, &threads[1].1[..2]), (2, &[true, false][..]));
        let tune = d.block_io_tune(&u, "vdb", 0).await.unwrap();
        assert_eq!(*get(&tune, "read_iops_sec"), TypedValue::ULLong(7));
        let bw = d.interface_parameters(&u, "testnet0", 0).await.unwrap();
        assert_eq!(*get(&bw, "inbound.floor"), TypedValue::UInt(5));

        let first = d.xml_desc(&u, 0).await.unwrap();
        d.undefine(&u, 0).await.unwrap();
        let again = d.define_xml(&first, 0).await.unwrap();
        assert_eq!(d.xml_desc(&again, 0).await.unwrap(), first);
    })
    .await;
}

/// Values past the 32-bit range of weights and IOPS are refused with libvirt's text.
#[tokio::test]
async fn blkio_device_values_keep_libvirt_widths() {
    within(async {
        let (d, _rx) = driver();
        for param in [
            "device_weight",
            "device_read_iops_sec",
            "device_write_iops_sec",
        ] {
            assert_eq!(
                text(
                    d.set_blkio_parameters(
                        &TEST_UUID,
                        p(param, TypedValue::String("/dev/sda,99999999999".into())),
                        0
                    )
                    .await
                ),
                format!(
                    "invalid argument: invalid value '99999999999' for parameter '{param}' \
                     of device '/dev/sda'"
                )
            );
        }
        d.set_blkio_parameters(
            &TEST_UUID,
            p(
                "device_read_bytes_sec",
                TypedValue::String("/dev/sda,99999999999".into()),
            ),
            0,
        )
        .await
        .unwrap();
        let x = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(
            x.contains("<read_bytes_sec>99999999999</read_bytes_sec>"),
            "{x}"
        );
    })
    .await;
}
