//! Statistics of real guests (src/stats.rs): each test starts qemu with the driver's command
//! line for a definition, asks over QMP, and kills qemu by pid (KillOnDrop) whatever happens.

mod common;

use std::{process::Command, time::Duration};

use common::{start_definition, within};
use virtbus_core::{
    flags::stats as group,
    params::{TypedParams, TypedValue},
    state::{DomainState, StateReason},
    Error,
};
use virtbus_qemu_driver::stats::{self, tag};

/// The value of `name` in `params`.
fn get<'a>(params: &'a TypedParams, name: &str) -> Option<&'a TypedValue> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// The unsigned value of `name`, which must be there.
fn number(params: &TypedParams, name: &str) -> u64 {
    get(params, name)
        .and_then(TypedValue::as_u64)
        .unwrap_or_else(|| panic!("no number {name} in {params:?}"))
}

const RUNNING: StateReason = StateReason::new(DomainState::Running, 1);

#[tokio::test]
async fn a_qcow2_disk_shows_its_path_capacity_and_the_bioss_reads() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("disk.qcow2");
        let out = Command::new("qemu-img")
            .args([
                "create",
                "-q",
                "-f",
                "qcow2",
                image.to_str().unwrap(),
                "16M",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let xml = format!(
            "<domain type='qemu'><name>st-disk</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{}'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
            image.display()
        );
        let guest = start_definition(&xml, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        let pid = guest.started.emulator.pid();

        let record = stats::domain_stats(qmp, &guest.live, pid, RUNNING, group::BLOCK)
            .await
            .unwrap();
        assert_eq!(number(&record, "block.count"), 1);
        assert_eq!(
            get(&record, "block.0.name"),
            Some(&TypedValue::String("vda".into()))
        );
        assert_eq!(
            get(&record, "block.0.path"),
            Some(&TypedValue::String(image.display().to_string()))
        );
        assert_eq!(number(&record, "block.0.capacity"), 16 << 20);
        let on_disk = std::fs::metadata(&image).unwrap();
        assert!(number(&record, "block.0.physical") > 0);
        assert!(number(&record, "block.0.physical") <= on_disk.len() + (1 << 20));
        assert_eq!(
            number(&record, "block.0.rd.reqs"),
            0,
            "paused: nothing read"
        );
        // Only the block group was asked for.
        assert!(get(&record, "state.state").is_none());
        assert!(get(&record, "cpu.time").is_none());

        // Running, the BIOS reads the disk's boot sector.
        qmp.execute("cont", None).await.unwrap();
        let mut reads = 0;
        for _ in 0..500 {
            let s = stats::block_stats(qmp, &guest.live, "vda").await.unwrap();
            assert_eq!(s.errs, -1);
            reads = s.rd_req;
            if reads > 0 {
                assert!(s.rd_bytes >= 512, "{s:?}");
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(reads > 0, "the BIOS never read the disk");
        // By source path too, as virDomainBlockStats accepts.
        let by_path = stats::block_stats(qmp, &guest.live, image.to_str().unwrap())
            .await
            .unwrap();
        assert!(by_path.rd_req >= reads);
        let err = stats::block_stats(qmp, &guest.live, "vdz")
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "invalid argument: invalid path: vdz");
    })
    .await;
}

#[tokio::test]
async fn balloon_vcpus_and_cpu_time_come_from_qemu_and_proc() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let xml = "<domain type='qemu'><name>st-mem</name><memory unit='MiB'>192</memory>\
             <currentMemory unit='MiB'>160</currentMemory><vcpu current='2'>3</vcpu>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><memballoon model='virtio'/>\
             <interface type='user'><mac address='52:54:00:aa:bb:cc'/><model type='virtio'/></interface>\
             </devices></domain>";
        let guest = start_definition(xml, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        let pid = guest.started.emulator.pid();
        qmp.execute("cont", None).await.unwrap();
        // Let the vCPU threads burn some time under TCG.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let info = stats::info(qmp, &guest.live, pid).await.unwrap();
        assert_eq!(info.max_mem_kib, 192 * 1024);
        assert_eq!(info.nr_virt_cpu, 2);
        assert!(info.cpu_time_ns > 0, "{info:?}");
        // No guest balloon driver: the balloon is where QEMU reports it, which is not more
        // than <memory>.
        let actual = qmp.execute("query-balloon", None).await.unwrap()["actual"]
            .as_u64()
            .unwrap();
        assert_eq!(info.memory_kib, actual / 1024);
        assert!(info.memory_kib <= 192 * 1024);

        let record = stats::domain_stats(qmp, &guest.live, pid, RUNNING, 0)
            .await
            .unwrap();
        assert_eq!(get(&record, "state.state"), Some(&TypedValue::Int(1)));
        assert_eq!(get(&record, "state.reason"), Some(&TypedValue::Int(1)));
        let cpu = number(&record, "cpu.time");
        assert_eq!(
            cpu,
            number(&record, "cpu.user") + number(&record, "cpu.system")
        );
        assert!(cpu >= info.cpu_time_ns);
        assert_eq!(number(&record, "balloon.current"), actual / 1024);
        assert_eq!(number(&record, "balloon.maximum"), 192 * 1024);
        assert!(number(&record, "balloon.rss") > 0);
        assert_eq!(number(&record, "vcpu.current"), 2);
        assert_eq!(number(&record, "vcpu.maximum"), 3);
        for n in 0..2 {
            assert_eq!(
                get(&record, &format!("vcpu.{n}.state")),
                Some(&TypedValue::Int(1))
            );
            number(&record, &format!("vcpu.{n}.time"));
            number(&record, &format!("vcpu.{n}.wait"));
            number(&record, &format!("vcpu.{n}.delay"));
        }
        assert!(get(&record, "vcpu.2.state").is_none(), "vCPU 2 is offline");
        // vCPU 0 runs the BIOS on a thread of its own (MTTCG).
        assert!(number(&record, "vcpu.0.time") > 0, "{record:?}");
        assert!(number(&record, "vcpu.0.time") <= cpu);
        // User networking: counted, no counters (QEMU exposes none).
        assert_eq!(number(&record, "net.count"), 1);
        assert!(get(&record, "net.0.name").is_none());
        assert_eq!(number(&record, "block.count"), 0);

        let memory = stats::memory_stats(qmp, &guest.live, pid).await.unwrap();
        assert_eq!(memory.first(), Some(&(tag::ACTUAL_BALLOON, actual / 1024)));
        let rss = memory.iter().find(|(t, _)| *t == tag::RSS).unwrap().1;
        assert!(rss > 1024, "{memory:?}");
        // Without polling, the guest reports none of its own figures.
        assert_eq!(memory.len(), 2, "{memory:?}");

        // The polling period reaches the balloon device.
        stats::set_memory_stats_period(qmp, &guest.live, 7)
            .await
            .unwrap();
        let interval = qmp
            .execute(
                "qom-get",
                Some(serde_json::json!({
                    "path": "/machine/peripheral/balloon0",
                    "property": "guest-stats-polling-interval",
                })),
            )
            .await
            .unwrap();
        assert_eq!(interval, 7);
        let err = stats::set_memory_stats_period(qmp, &guest.live, -1)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgBare(_)), "{err}");

        let err = stats::interface_stats(&guest.live, "52:54:00:aa:bb:cc").unwrap_err();
        assert!(matches!(err, Error::OperationUnsupported(_)), "{err}");
        let err = stats::interface_stats(&guest.live, "vnet7").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: 'vnet7' is not a known interface"
        );
    })
    .await;
}

#[tokio::test]
async fn without_a_balloon_memory_is_the_definitions() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let xml = "<domain type='qemu'><name>st-noballoon</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><memballoon model='none'/></devices></domain>";
        let guest = start_definition(xml, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        let pid = guest.started.emulator.pid();
        let info = stats::info(qmp, &guest.live, pid).await.unwrap();
        assert_eq!(info.memory_kib, 128 * 1024);
        assert_eq!(info.nr_virt_cpu, 1);
        let memory = stats::memory_stats(qmp, &guest.live, pid).await.unwrap();
        assert_eq!(memory.len(), 1, "only rss: {memory:?}");
        assert_eq!(memory[0].0, tag::RSS);
        let err = stats::set_memory_stats_period(qmp, &guest.live, 5)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Requested operation is not valid: No memory balloon device configured, can not \
             set the collection period"
        );
    })
    .await;
}

#[tokio::test]
async fn a_tap_interface_has_the_hosts_counters_seen_from_the_guest() {
    if !virtbus_qemu_driver::command_line::HostFacts::probe().privileged {
        eprintln!("skipped: creating a tap device needs root and /dev/net/tun");
        return;
    }
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let tap = format!("vbst{}", std::process::id() % 100_000);
        let xml = format!(
            "<domain type='qemu'><name>st-tap</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><interface type='ethernet'><mac address='52:54:00:12:34:56'/>\
             <target dev='{tap}'/><model type='virtio'/></interface></devices></domain>"
        );
        let guest = start_definition(&xml, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        let pid = guest.started.emulator.pid();
        // Bring the host side up: the host's own IPv6 neighbour discovery then sends
        // packets into the tap, which the guest receives.
        let up = Command::new("ip")
            .args(["link", "set", &tap, "up"])
            .output()
            .expect("ip runs");
        assert!(up.status.success(), "{up:?}");
        let mut received = 0;
        for _ in 0..250 {
            let s = stats::interface_stats(&guest.live, &tap).unwrap();
            assert_eq!(
                s.tx_bytes, 0,
                "the guest has no OS and sends nothing: {s:?}"
            );
            received = s.rx_bytes;
            if received > 0 {
                assert!(s.rx_packets > 0);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(received > 0, "the host sent nothing into {tap}");
        // The same counters by MAC address, and in the interface group.
        let by_mac = stats::interface_stats(&guest.live, "52:54:00:12:34:56").unwrap();
        assert!(by_mac.rx_bytes >= received);
        let record = stats::domain_stats(qmp, &guest.live, pid, RUNNING, group::INTERFACE)
            .await
            .unwrap();
        assert_eq!(number(&record, "net.count"), 1);
        assert_eq!(
            get(&record, "net.0.name"),
            Some(&TypedValue::String(tap.clone()))
        );
        assert!(number(&record, "net.0.rx.bytes") >= received as u64);
        assert_eq!(number(&record, "net.0.tx.bytes"), 0);
        number(&record, "net.0.rx.pkts");
        number(&record, "net.0.tx.drop");
    })
    .await;
}
