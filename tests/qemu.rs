//! The QEMU connection over the bus, against real qemu-system-x86_64 under TCG: the
//! lifecycle calls with their signals in order, a real guest shutting down through ACPI, the
//! service killed and restarted while guests run, qemu killed behind the service's back, bad
//! definitions, and (with a fake emulator, for what real QEMU cannot be made to do) a monitor
//! that sends garbage and a guest that refuses to release a DIMM.

mod common;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use common::{
    guests::{
        alive, define_and_start, domain_call, emulator_pid, get_state, no_disk_xml, path_of,
        qemu_call, tiny_guest, KillGuests, QEMU_PATH,
    },
    send_signal,
    signals::SignalLog,
    virtbus_bin, wait_for_name, with_timeout, Process, Service, BUS_NAME, START_TIMEOUT,
    VIRTBUS_ARGS,
};
use zbus::OwnedObjectPath;

/// libvirt's lifecycle codes used below.
const DEFINED: i32 = 0;
const UNDEFINED: i32 = 1;
const STARTED: i32 = 2;
const SUSPENDED: i32 = 3;
const RESUMED: i32 = 4;
const STOPPED: i32 = 5;
const SHUTDOWN: i32 = 6;

fn tiny_xml(name: &str, serial: &Path) -> String {
    let guest = tiny_guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel>\
         <initrd>{}</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>\
         <features><acpi/></features><devices>\
         <emulator>/usr/bin/qemu-system-x86_64</emulator>\
         <serial type='file'><source path='{}'/><target port='0'/></serial>\
         </devices></domain>",
        guest.join("vmlinuz").display(),
        guest.join("initrd.gz").display(),
        serial.display()
    )
}

async fn expect_event(log: &mut SignalLog, path: &str, event: i32, detail: i32) {
    let what = format!("DomainEvent({path}, {event}, {detail}) on {QEMU_PATH}");
    log.expect(&what, |s| {
        s.path == QEMU_PATH
            && s.domain_event()
                .is_some_and(|(p, e, d)| p == path && e == event && d == detail)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_calls_and_their_signals_in_order() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = no_disk_xml("alpha", "/usr/bin/qemu-system-x86_64");
        let path = path_of(qemu_call(&service, "DomainDefineXML", &(xml.as_str(),)).await);
        assert!(path.starts_with("/org/libvirt/QEMU/domain/_"), "{path}");
        expect_event(&mut log, &path, DEFINED, 0).await;
        assert_eq!(get_state(&service, &path).await, (5, 0));

        domain_call(&service, &path, "Create", &0u32)
            .await
            .expect_ok();
        assert_eq!(get_state(&service, &path).await, (1, 1), "running, booted");
        expect_event(&mut log, &path, RESUMED, 0).await;
        expect_event(&mut log, &path, STARTED, 0).await;
        let listed = qemu_call(&service, "ListDomains", &1u32).await.expect_ok();
        let active: Vec<OwnedObjectPath> = listed.body().deserialize().unwrap();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].as_str(), path);
        let pid = emulator_pid(&service, "alpha");
        assert!(alive(pid));

        domain_call(&service, &path, "Suspend", &())
            .await
            .expect_ok();
        assert_eq!(
            get_state(&service, &path).await,
            (3, 1),
            "paused by the user"
        );
        expect_event(&mut log, &path, SUSPENDED, 0).await;
        domain_call(&service, &path, "Resume", &())
            .await
            .expect_ok();
        assert_eq!(
            get_state(&service, &path).await,
            (1, 5),
            "running, unpaused"
        );
        expect_event(&mut log, &path, RESUMED, 0).await;

        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        assert_eq!(
            get_state(&service, &path).await,
            (5, 2),
            "shut off, destroyed"
        );
        expect_event(&mut log, &path, SHUTDOWN, 2).await;
        expect_event(&mut log, &path, STOPPED, 1).await;
        assert!(!alive(pid), "no emulator left");

        domain_call(&service, &path, "Undefine", &0u32)
            .await
            .expect_ok();
        expect_event(&mut log, &path, UNDEFINED, 0).await;
        let gone = domain_call(&service, &path, "GetState", &0u32).await;
        let (name, text) = gone.expect_err();
        assert_eq!(name, "org.libvirt.Error");
        assert!(text.contains("Domain not found"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_guest_shuts_down_through_acpi() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let serial = service.bus().dir().join("serial.log");
        let xml = tiny_xml("tiny", &serial);
        let path = path_of(qemu_call(&service, "DomainCreateXML", &(xml.as_str(), 0u32)).await);
        expect_event(&mut log, &path, STARTED, 0).await;
        let ready = async {
            while !std::fs::read_to_string(&serial).is_ok_and(|t| t.contains("GUEST-READY")) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), ready)
            .await
            .expect("the guest boots within 20 s");
        domain_call(&service, &path, "Shutdown", &0u32)
            .await
            .expect_ok();
        expect_event(&mut log, &path, SHUTDOWN, 1).await;
        expect_event(&mut log, &path, STOPPED, 0).await;
        // A transient domain is gone once stopped.
        log.expect("InterfacesRemoved for the domain", |s| {
            s.member == "InterfacesRemoved"
                && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == path
        })
        .await;
    })
    .await;
}

/// Stopping the service (SIGTERM) or killing it (SIGKILL) leaves the guests running; the
/// next service reattaches to them with their state and controls them.
#[tokio::test(flavor = "multi_thread")]
async fn guests_survive_the_service_and_are_reattached() {
    with_timeout(async {
        let mut service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let xml = no_disk_xml("kept", "/usr/bin/qemu-system-x86_64");
        let path = define_and_start(&service, &xml).await;
        domain_call(&service, &path, "Suspend", &())
            .await
            .expect_ok();
        let pid = emulator_pid(&service, "kept");

        for signal in [libc::SIGTERM, libc::SIGKILL] {
            service.process_mut().signal(signal);
            service
                .process_mut()
                .wait_exit(Duration::from_secs(5))
                .await
                .expect("the service exits");
            assert!(alive(pid), "the guest outlives the service");
            let mut next = Process::spawn(virtbus_bin(), &VIRTBUS_ARGS, service.bus());
            assert!(
                wait_for_name(&service.conn, BUS_NAME, &mut next, START_TIMEOUT).await,
                "the service restarts: {}",
                next.stderr()
            );
            *service.process_mut() = next;
            assert_eq!(
                get_state(&service, &path).await,
                (3, 1),
                "still paused by the user after a restart"
            );
        }
        let mut log = SignalLog::subscribe(&service.conn).await;
        domain_call(&service, &path, "Resume", &())
            .await
            .expect_ok();
        expect_event(&mut log, &path, RESUMED, 0).await;
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        expect_event(&mut log, &path, STOPPED, 1).await;
        assert!(!alive(pid));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_killed_behind_the_services_back_is_stopped_failed() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = no_disk_xml("victim", "/usr/bin/qemu-system-x86_64");
        let path = define_and_start(&service, &xml).await;
        send_signal(emulator_pid(&service, "victim"), libc::SIGKILL);
        expect_event(&mut log, &path, STOPPED, 5).await;
        assert_eq!(
            get_state(&service, &path).await,
            (5, 3),
            "shut off, crashed"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_definitions_get_libvirts_errors_and_nothing_is_written() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let qemu = "/usr/bin/qemu-system-x86_64";
        let base = no_disk_xml("bad", qemu);
        let cases: Vec<(String, &str)> = vec![
            (
                "<domain type='qemu'><name>x</name>".to_owned(),
                "Premature end of data",
            ),
            (
                base.replace("type='qemu'", "type='test'"),
                "virt type 'test' is not supported",
            ),
            (no_disk_xml("a/b", qemu), "cannot contain '/'"),
            (no_disk_xml("x", "/usr/bin/../bin/qemu-system-x86_64"), ".."),
            (no_disk_xml("x", "/bin/true"), "not a QEMU emulator"),
            (
                base.replace("<memory unit='MiB'>128</memory>", "<memory>0</memory>"),
                "Memory size must be specified",
            ),
            (
                base.replace(
                    "<memory unit='MiB'>128</memory>",
                    "<memory unit='TiB'>64</memory>",
                ),
                "exceeds the host's total memory",
            ),
            (
                base.replace("<vcpu>1</vcpu>", "<vcpu>10000</vcpu>"),
                "vcpu count 10000 exceeds the supported maximum",
            ),
            (
                base.replace(
                    "<emulator>",
                    "<hostdev mode='subsystem' type='pci'/><emulator>",
                ),
                "device <hostdev> is not supported by this driver",
            ),
            (
                base.replace("<emulator>", "<sound model='ich9'/><emulator>"),
                "sound devices are not supported",
            ),
        ];
        for (xml, needle) in &cases {
            let reply = qemu_call(&service, "DomainDefineXML", &(xml.as_str(),)).await;
            let (name, text) = reply.expect_err();
            assert_eq!(name, "org.libvirt.Error", "{xml}");
            assert!(text.contains(needle), "{xml}: {text}");
        }
        // A disk that does not exist: defined (it may be created later), not started.
        let with_disk = base.replace(
            "<emulator>",
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='/nonexistent/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>\
             <emulator>",
        );
        let reply = qemu_call(&service, "DomainCreateXML", &(with_disk.as_str(), 0u32)).await;
        let (_, text) = reply.expect_err();
        assert!(text.contains("Cannot access storage file"), "{text}");
        let written: Vec<_> = std::fs::read_dir(service.bus().dir().join("etc/qemu"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(written.is_empty(), "nothing written: {written:?}");
        let listed = qemu_call(&service, "ListDomains", &0u32).await.expect_ok();
        let domains: Vec<OwnedObjectPath> = listed.body().deserialize().unwrap();
        assert!(domains.is_empty(), "no domain left behind: {domains:?}");
        assert!(service.process().pid() > 0);
    })
    .await;
}

/// Copies the fake emulator into `dir` with its mode file; returns its path.
fn fake_qemu(dir: &Path, mode: &str) -> PathBuf {
    let fake = dir.join("fake-qemu.py");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-qemu.py"),
        &fake,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("fake-qemu.mode"), mode).unwrap();
    fake
}

#[tokio::test(flavor = "multi_thread")]
async fn a_monitor_that_sends_garbage_is_a_control_error_and_the_guest_runs_on() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let fake = fake_qemu(service.bus().dir(), "garbage");
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = no_disk_xml("garbled", fake.to_str().unwrap());
        let path = define_and_start(&service, &xml).await;
        log.expect("ControlError on the domain", |s| {
            s.path == path && s.member == "ControlError"
        })
        .await;
        let pid = emulator_pid(&service, "garbled");
        assert!(alive(pid), "the guest is left running");
        assert_eq!(get_state(&service, &path).await.0, 1, "still running");
        let control = domain_call(&service, &path, "GetControlInfo", &0u32)
            .await
            .expect_ok();
        let (state, _, _): (u32, u32, u64) = control.body().deserialize().unwrap();
        assert_eq!(state, 3, "VIR_DOMAIN_CONTROL_ERROR");
        // Uncontrollable, but it can still be destroyed.
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        assert!(!alive(pid));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_dimm_release_is_device_removal_failed() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let fake = fake_qemu(service.bus().dir(), "ost");
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = no_disk_xml("dimm", fake.to_str().unwrap());
        let path = define_and_start(&service, &xml).await;
        let sig = log
            .expect("DeviceRemovalFailed on the domain", |s| {
                s.path == path && s.member == "DeviceRemovalFailed"
            })
            .await;
        assert_eq!(sig.args::<(String,)>().0, "dimm1");
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
    })
    .await;
}

/// The value of `key` in a `a{sv}` stats record.
fn stat<'a>(
    record: &'a std::collections::HashMap<String, zbus::OwnedVariant>,
    key: &str,
) -> &'a zbus::OwnedVariant {
    record
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {record:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_save_restore_and_managed_save_of_a_real_guest() {
    with_timeout(async {
        let service = Service::start().await;
        let dir = service.bus().dir().to_path_buf();
        let _guests = KillGuests(dir.clone());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let xml = no_disk_xml("saver", "/usr/bin/qemu-system-x86_64");
        let path = define_and_start(&service, &xml).await;
        let pid = emulator_pid(&service, "saver");

        // Statistics from QMP and /proc.
        let record: std::collections::HashMap<String, zbus::OwnedVariant> =
            domain_call(&service, &path, "GetStats", &(0u32, 0u32))
                .await
                .expect_ok()
                .body()
                .deserialize()
                .unwrap();
        assert_eq!(i32::try_from(stat(&record, "state.state")).unwrap(), 1);
        assert!(u64::try_from(stat(&record, "cpu.time")).unwrap() > 0);
        assert_eq!(
            u64::try_from(stat(&record, "balloon.maximum")).unwrap(),
            128 * 1024
        );
        let all: Vec<(
            String,
            std::collections::HashMap<String, zbus::OwnedVariant>,
        )> = qemu_call(&service, "GetAllDomainStats", &(1u32, 0u32))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].0, "saver");
        assert!(!all[0].1.contains_key("cpu.time"), "only the state group");
        let memory: std::collections::HashMap<i32, u64> =
            domain_call(&service, &path, "MemoryStats", &0u32)
                .await
                .expect_ok()
                .body()
                .deserialize()
                .unwrap();
        assert!(
            memory.get(&7).is_some_and(|&rss| rss > 0),
            "rss: {memory:?}"
        );

        // Save to a file: the emulator goes, the state is shut off (saved).
        let image = dir.join("saver.save");
        let image_str = image.to_str().unwrap();
        let refused = domain_call(&service, &path, "Save", &(image_str, "", 6u32)).await;
        assert!(refused.expect_err().1.contains("mutually exclusive"));
        domain_call(&service, &path, "Save", &(image_str, "", 0u32))
            .await
            .expect_ok();
        expect_event(&mut log, &path, STOPPED, 4).await;
        assert_eq!(get_state(&service, &path).await, (5, 5), "shut off, saved");
        assert!(!alive(pid), "the emulator is gone after a save");
        let saved_xml: String =
            qemu_call(&service, "DomainSaveImageGetXMLDesc", &(image_str, 0u32))
                .await
                .expect_ok()
                .body()
                .deserialize()
                .unwrap();
        assert!(saved_xml.contains("<name>saver</name>"), "{saved_xml}");

        // Restore: a new emulator runs from the image.
        qemu_call(&service, "DomainRestore", &(image_str, "", 0u32))
            .await
            .expect_ok();
        expect_event(&mut log, &path, STARTED, 2).await;
        assert_eq!(
            get_state(&service, &path).await,
            (1, 3),
            "running, restored"
        );
        let restored_pid = emulator_pid(&service, "saver");
        assert_ne!(restored_pid, pid);

        // Managed save: the next start resumes from it, and undefine refuses while it exists.
        domain_call(&service, &path, "ManagedSave", &0u32)
            .await
            .expect_ok();
        assert_eq!(get_state(&service, &path).await, (5, 5));
        let has: bool = domain_call(&service, &path, "HasManagedSaveImage", &0u32)
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(has);
        let managed = dir.join("lib/qemu/save/saver.save");
        assert!(managed.is_file(), "{}", managed.display());
        let refused = domain_call(&service, &path, "Undefine", &0u32).await;
        assert!(
            refused.expect_err().1.contains("managed save image exists"),
            "undefine refused"
        );
        domain_call(&service, &path, "Create", &1u32)
            .await
            .expect_ok();
        assert_eq!(
            get_state(&service, &path).await,
            (3, 1),
            "restored paused on request"
        );
        assert!(
            !managed.exists(),
            "the managed image is consumed by the start"
        );
        let has: bool = domain_call(&service, &path, "HasManagedSaveImage", &0u32)
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(!has);
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        let not_running = domain_call(&service, &path, "ManagedSave", &0u32).await;
        assert!(not_running.expect_err().1.contains("not running"));
        std::fs::remove_file(&image).unwrap();
        let missing = qemu_call(&service, "DomainRestore", &(image_str, "", 0u32)).await;
        assert_eq!(missing.expect_err().0, "org.libvirt.Error");
    })
    .await;
}
