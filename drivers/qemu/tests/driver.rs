//! The QEMU driver's domain calls against real qemu-system-x86_64 under TCG: every lifecycle
//! call with its events in order, the files on disk, a guest that shuts itself down through
//! ACPI, qemu killed behind the driver's back, and reattachment by a new driver.

mod common;

use std::{path::Path, time::Duration};

use common::{tiny_guest, wait_for_text, within};
use virtbus_core::{
    driver::{ConnectDriver, DomainDriver},
    event::{
        self, lifecycle, DomainEvent, DomainEventKind, Event, EventReceiver, ObjectId, Received,
    },
    state::{paused, running, shutoff, DomainState, StateReason},
    Uuid,
};
use virtbus_qemu_driver::{
    store::{Mode, StoreDirs},
    QemuConfig, QemuDriver,
};

/// A driver over folders of its own.
struct Fixture {
    dir: tempfile::TempDir,
    driver: QemuDriver,
    events: EventReceiver,
}

fn dirs(root: &Path) -> StoreDirs {
    StoreDirs {
        config: root.join("etc"),
        data: root.join("lib"),
        run: root.join("run"),
        log: root.join("log"),
    }
}

fn config(root: &Path) -> QemuConfig {
    let mut config = QemuConfig::with_dirs(Mode::Session, dirs(root));
    config.destroy_grace = Duration::from_secs(5);
    config
}

async fn open(root: &Path) -> (QemuDriver, EventReceiver) {
    let (sender, events) = event::channel();
    let driver = QemuDriver::open(config(root), sender).await.unwrap();
    (driver, events)
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("vq").tempdir().unwrap();
        let (driver, events) = open(dir.path()).await;
        Self {
            dir,
            driver,
            events,
        }
    }

    /// The next lifecycle event of `uuid` (other events skipped), within 20 s.
    async fn next_lifecycle(&mut self, uuid: Uuid) -> (i32, i32) {
        next_lifecycle(&mut self.events, uuid).await
    }

    /// Every event published so far, without waiting.
    fn drain(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(Received::Event(event)) = self.events.try_recv() {
            out.push(event);
        }
        out
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        kill_guests(self.dir.path());
    }
}

/// SIGKILLs every emulator whose runtime status is in the fixture's run folder.
fn kill_guests(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root.join("run/qemu")) else {
        return;
    };
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if let Some(pid) = text
            .split("pid='")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

async fn next_lifecycle(events: &mut EventReceiver, uuid: Uuid) -> (i32, i32) {
    let wait = async {
        loop {
            match events.recv().await {
                Some(Received::Event(Event::Domain(DomainEvent {
                    uuid: u,
                    kind: DomainEventKind::Lifecycle { event, detail },
                }))) if u == uuid => return (event, detail),
                Some(_) => continue,
                None => panic!("the event channel closed"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("a lifecycle event within 20 s")
}

const UUID_A: &str = "8f2d9c1e-0000-4000-8000-00000000000a";

fn no_disk_xml(name: &str, uuid: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid>\
         <memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>\
         <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>"
    )
}

fn tiny_xml(name: &str, serial_log: &Path, on_poweroff: &str) -> String {
    let guest = tiny_guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{k}</kernel><initrd>{i}</initrd>\
         <cmdline>console=ttyS0 quiet panic=-1</cmdline></os><features><acpi/></features>\
         <on_poweroff>{on_poweroff}</on_poweroff>\
         <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>\
         <serial type='file'><source path='{log}'/><target port='0'/></serial></devices></domain>",
        k = guest.join("vmlinuz").display(),
        i = guest.join("initrd.gz").display(),
        log = serial_log.display(),
    )
}

#[tokio::test]
async fn define_start_pause_resume_destroy_undefine() {
    within(async {
        let mut f = Fixture::new().await;
        let uuid = f
            .driver
            .define_xml(&no_disk_xml("alpha", UUID_A), 0)
            .await
            .unwrap();
        let definition = f.dir.path().join("etc/qemu/alpha.xml");
        assert!(definition.is_file(), "the definition is on disk");
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::DEFINED, lifecycle::defined::ADDED)
        );
        assert_eq!(
            f.driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Shutoff, shutoff::UNKNOWN)
        );

        f.driver.create(&uuid, 0).await.unwrap();
        assert_eq!(
            f.driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Running, running::BOOTED),
            "create returns with the guest running"
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::RESUMED, lifecycle::resumed::UNPAUSED)
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::STARTED, lifecycle::started::BOOTED)
        );
        let status = f.dir.path().join("run/qemu/alpha.xml");
        assert!(status.is_file(), "the runtime status is on disk");
        let live = f.driver.xml_desc(&uuid, 0).await.unwrap();
        assert!(live.contains("<domain type='qemu' id='1'>"), "{live}");
        let id = f.driver.summary(&uuid).await.unwrap().id;
        assert_eq!(f.driver.lookup_by_id(id).await.unwrap(), uuid);
        let again = f.driver.create(&uuid, 0).await.unwrap_err();
        assert_eq!(
            again.to_string(),
            "Requested operation is not valid: domain is already running"
        );

        f.driver.suspend(&uuid).await.unwrap();
        assert_eq!(
            f.driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Paused, paused::USER)
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::SUSPENDED, lifecycle::suspended::PAUSED)
        );
        f.driver.resume(&uuid).await.unwrap();
        assert_eq!(
            f.driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Running, running::UNPAUSED)
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::RESUMED, lifecycle::resumed::UNPAUSED)
        );

        f.driver.destroy(&uuid, 0).await.unwrap();
        assert_eq!(
            f.driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Shutoff, shutoff::DESTROYED)
        );
        // QEMU reports the SIGTERM as a host-initiated shutdown before it exits, as libvirt
        // relays it (reference/real-components.md §4.2).
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::SHUTDOWN, lifecycle::shutdown::HOST)
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::STOPPED, lifecycle::stopped::DESTROYED)
        );
        assert!(!status.exists(), "the runtime status is removed");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            f.drain().iter().all(|e| !matches!(e, Event::Domain(_))),
            "nothing after STOPPED/DESTROYED"
        );
        assert_eq!(
            f.driver.destroy(&uuid, 0).await.unwrap_err().to_string(),
            "Requested operation is not valid: domain is not running"
        );

        f.driver.undefine(&uuid, 0).await.unwrap();
        assert!(!definition.exists(), "undefine removes the definition");
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::UNDEFINED, lifecycle::undefined::REMOVED)
        );
        assert!(f.driver.lookup_by_uuid(&uuid).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn transient_guest_powers_off_through_acpi_and_disappears() {
    within(async {
        let mut f = Fixture::new().await;
        let serial = f.dir.path().join("serial.log");
        let uuid = f
            .driver
            .create_xml(&tiny_xml("tiny", &serial, "destroy"), 0)
            .await
            .unwrap();
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::RESUMED, lifecycle::resumed::UNPAUSED)
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::STARTED, lifecycle::started::BOOTED)
        );
        wait_for_text(&serial, "GUEST-READY", Duration::from_secs(25)).await;
        // The guest's acpid may still be opening its input device right after GUEST-READY:
        // a press it misses is pressed again, as a user would.
        let shutdown_event = loop {
            f.driver.shutdown(&uuid, 0).await.unwrap();
            let wait = tokio::time::timeout(Duration::from_secs(3), f.next_lifecycle(uuid));
            if let Ok(event) = wait.await {
                break event;
            }
        };
        assert_eq!(
            shutdown_event,
            (lifecycle::SHUTDOWN, lifecycle::shutdown::GUEST)
        );
        assert_eq!(
            f.next_lifecycle(uuid).await,
            (lifecycle::STOPPED, lifecycle::stopped::SHUTDOWN)
        );
        // A transient domain leaves the list once stopped.
        let removed = async {
            loop {
                if let Some(Received::Event(Event::Removed(ObjectId::Domain(u)))) =
                    f.events.recv().await
                {
                    if u == uuid {
                        return;
                    }
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(5), removed)
            .await
            .expect("Removed after the stop");
        assert!(f.driver.lookup_by_uuid(&uuid).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn qemu_killed_behind_the_drivers_back_is_stopped_failed() {
    within(async {
        let mut f = Fixture::new().await;
        let uuid = f
            .driver
            .define_xml(&no_disk_xml("victim", UUID_A), 0)
            .await
            .unwrap();
        f.driver.create(&uuid, 0).await.unwrap();
        let status = std::fs::read_to_string(f.dir.path().join("run/qemu/victim.xml")).unwrap();
        let pid: i32 = status
            .split("pid='")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap()
            .parse()
            .unwrap();
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        loop {
            let (event, detail) = f.next_lifecycle(uuid).await;
            if event == lifecycle::STOPPED {
                assert_eq!(detail, lifecycle::stopped::FAILED);
                break;
            }
        }
        assert_eq!(
            f.driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Shutoff, shutoff::CRASHED)
        );
        // It starts again.
        f.driver.create(&uuid, 0).await.unwrap();
        f.driver.destroy(&uuid, 0).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn bad_definitions_are_refused_and_nothing_is_written() {
    within(async {
        let f = Fixture::new().await;
        let cases = [
            (
                no_disk_xml("a/b", UUID_A),
                "XML error: name a/b cannot contain '/'",
            ),
            (
                no_disk_xml("x", UUID_A).replace("type='qemu'", "type='test'"),
                "unsupported configuration: virt type 'test' is not supported by the QEMU driver",
            ),
            (
                no_disk_xml("x", UUID_A).replace(
                    "/usr/bin/qemu-system-x86_64",
                    "/usr/bin/../bin/qemu-system-x86_64",
                ),
                "",
            ),
            (
                no_disk_xml("x", UUID_A).replace("/usr/bin/qemu-system-x86_64", "/bin/true"),
                "",
            ),
        ];
        for (xml, text) in cases {
            let error = f.driver.define_xml(&xml, 0).await.unwrap_err();
            if !text.is_empty() {
                assert_eq!(error.to_string(), text, "{xml}");
            }
        }
        assert!(
            !f.dir.path().join("etc/qemu").exists()
                || std::fs::read_dir(f.dir.path().join("etc/qemu"))
                    .unwrap()
                    .next()
                    .is_none(),
            "nothing written"
        );
        assert!(f.driver.list_domains(0).await.unwrap().is_empty());
    })
    .await;
}

/// A guest started by one driver is taken back by a new driver over the same folders (the
/// service restarted): same state and id, and it is still controllable.
#[test]
fn a_new_driver_reattaches_to_a_running_guest() {
    let dir = tempfile::Builder::new().prefix("vq").tempdir().unwrap();
    let root = dir.path().to_path_buf();
    // The first "service": its own runtime, shut down with the guest still running.
    let first = tokio::runtime::Runtime::new().unwrap();
    let uuid = first.block_on(async {
        let (driver, _events) = open(&root).await;
        let uuid = driver
            .define_xml(&no_disk_xml("kept", UUID_A), 0)
            .await
            .unwrap();
        driver.create(&uuid, 0).await.unwrap();
        driver.suspend(&uuid).await.unwrap();
        uuid
    });
    first.shutdown_timeout(Duration::from_secs(1));

    let second = tokio::runtime::Runtime::new().unwrap();
    second.block_on(within(async {
        let (driver, mut events) = open(&root).await;
        assert_eq!(
            driver.state(&uuid, 0).await.unwrap(),
            StateReason::new(DomainState::Paused, paused::USER),
            "the state survives the restart"
        );
        driver.resume(&uuid).await.unwrap();
        assert_eq!(
            next_lifecycle(&mut events, uuid).await,
            (lifecycle::RESUMED, lifecycle::resumed::UNPAUSED)
        );
        driver.destroy(&uuid, 0).await.unwrap();
        assert_eq!(
            next_lifecycle(&mut events, uuid).await,
            (lifecycle::SHUTDOWN, lifecycle::shutdown::HOST)
        );
        assert_eq!(
            next_lifecycle(&mut events, uuid).await,
            (lifecycle::STOPPED, lifecycle::stopped::DESTROYED)
        );
    }));
    kill_guests(&root);
}

/// A guest that died while no driver watched is reported shut off when the driver opens.
#[test]
fn a_guest_that_died_meanwhile_is_marked_shut_off() {
    let dir = tempfile::Builder::new().prefix("vq").tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let first = tokio::runtime::Runtime::new().unwrap();
    let uuid = first.block_on(async {
        let (driver, _events) = open(&root).await;
        let uuid = driver
            .define_xml(&no_disk_xml("gone", UUID_A), 0)
            .await
            .unwrap();
        driver.create(&uuid, 0).await.unwrap();
        uuid
    });
    first.shutdown_timeout(Duration::from_secs(1));
    kill_guests(&root);
    std::thread::sleep(Duration::from_millis(200));

    let second = tokio::runtime::Runtime::new().unwrap();
    second.block_on(within(async {
        let (driver, mut events) = open(&root).await;
        assert_eq!(
            next_lifecycle(&mut events, uuid).await,
            (lifecycle::STOPPED, lifecycle::stopped::FAILED)
        );
        assert_eq!(
            driver.state(&uuid, 0).await.unwrap().state,
            DomainState::Shutoff
        );
        assert!(!root.join("run/qemu/gone.xml").exists());
        // The definition is still there and starts.
        driver.create(&uuid, 0).await.unwrap();
        driver.destroy(&uuid, 0).await.unwrap();
    }));
    kill_guests(&root);
}

#[tokio::test]
async fn host_answers_come_from_the_real_host() {
    within(async {
        let f = Fixture::new().await;
        let caps = f.driver.capabilities().await.unwrap();
        assert!(caps.contains("<arch>x86_64</arch>"), "{caps}");
        assert!(caps.contains("<emulator>"), "{caps}");
        assert!(caps.contains("<domain type='qemu'/>"), "{caps}");
        // The host CPU of the capabilities is identical to the host CPU CompareCPU uses.
        let host = caps.split("<host>").nth(1).unwrap();
        let cpu = host.split("</cpu>").next().unwrap();
        let features: String = cpu
            .lines()
            .filter(|l| l.trim_start().starts_with("<feature name="))
            .collect();
        let model = cpu
            .split("<model>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        let xml = format!("<cpu><arch>x86_64</arch><model>{model}</model>{features}</cpu>");
        assert_eq!(f.driver.compare_cpu(&xml, 0).await.unwrap(), 1, "{xml}");
        let version = f.driver.version().await.unwrap();
        assert!(version >= 7_000_000, "{version}");
        assert!(f.driver.node_free_memory().await.unwrap() > 0);
        assert!(!f.driver.node_cpu_map(0).await.unwrap().is_empty());
    })
    .await;
}
