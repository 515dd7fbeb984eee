//! Real guests acting by themselves, over the bus, against qemu-system-x86_64 under TCG with
//! the tiny guest: a guest that powers itself off, one that reboots (with `on_reboot`
//! restart and destroy), one that panics through pvpanic (with each `on_crash` action), and
//! several guests at once, each with its own events. The guest is made to act through the
//! root shell the tiny guest runs on its second serial port (`virtbus.shell=1`).

mod common;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use std::os::{
    fd::{AsFd, OwnedFd},
    unix::net::UnixStream as StdUnixStream,
};

use common::{
    guests::{
        alive, define_and_start, domain_call, emulator_pid, get_state, path_of, qemu_call,
        tiny_guest, KillGuests, QEMU_PATH,
    },
    signals::SignalLog,
    Reply, Service,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::UnixStream,
};
use zbus::OwnedObjectPath;

/// libvirt's lifecycle events and details used below.
const DEFINED: i32 = 0;
const STARTED: i32 = 2;
const RESUMED: i32 = 4;
const STOPPED: i32 = 5;
const SHUTDOWN: i32 = 6;
const CRASHED: i32 = 8;
const SHUTDOWN_GUEST: i32 = 1;
const STOPPED_SHUTDOWN: i32 = 0;
const STOPPED_DESTROYED: i32 = 1;
const STOPPED_CRASHED: i32 = 2;
const CRASHED_PANICKED: i32 = 0;

/// The bound of a test with one guest (a boot takes ~2 s alone, much more on a busy machine).
const ONE_GUEST: Duration = Duration::from_secs(90);
/// The bound of a test with several guests booting at once.
const SEVERAL_GUESTS: Duration = Duration::from_secs(150);
/// How long a guest may take to boot, or to act once told.
const GUEST_ACTS: Duration = Duration::from_secs(60);

/// Runs a test body within `limit`.
async fn within<F: std::future::Future>(limit: Duration, body: F) -> F::Output {
    tokio::time::timeout(limit, body)
        .await
        .unwrap_or_else(|_| panic!("test timed out after {limit:?}"))
}

/// One tiny guest's files in the test's folder: its console log and its shell's socket.
struct GuestFiles {
    serial: PathBuf,
    shell: PathBuf,
}

impl GuestFiles {
    fn new(dir: &Path, name: &str) -> GuestFiles {
        GuestFiles {
            serial: dir.join(format!("{name}.serial")),
            shell: dir.join(format!("{name}.shell")),
        }
    }
}

/// The tiny guest `name`: console on a file, a root shell on serial port 1 (a socket QEMU
/// listens on), a pvpanic device, and `actions` (e.g. `<on_crash>restart</on_crash>`).
fn tiny_xml(name: &str, files: &GuestFiles, actions: &str) -> String {
    let shell = format!(
        "<serial type='unix'><source mode='bind' path='{}'/><target port='1'/></serial>\
         <panic model='isa'/>",
        files.shell.display()
    );
    tiny_xml_with(name, &files.serial, actions, &shell)
}

/// The tiny guest `name` with its console on the file `serial`, `actions`, and `devices`
/// (serial port 1, where the guest's root shell runs, and more).
fn tiny_xml_with(name: &str, serial: &Path, actions: &str, devices: &str) -> String {
    let guest = tiny_guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel>\
         <initrd>{}</initrd><cmdline>console=ttyS0 quiet panic=-1 virtbus.shell=1</cmdline></os>\
         <features><acpi/></features>{actions}<devices>\
         <emulator>/usr/bin/qemu-system-x86_64</emulator>\
         <serial type='file'><source path='{}'/><target port='0'/></serial>{devices}\
         </devices></domain>",
        guest.join("vmlinuz").display(),
        guest.join("initrd.gz").display(),
        serial.display(),
    )
}

/// Waits for `DomainEvent(path, event, detail)` on the QEMU connection, up to `limit`.
async fn expect_event(log: &mut SignalLog, path: &str, event: i32, detail: i32, limit: Duration) {
    let found = log
        .next_where(
            |s| {
                s.path == QEMU_PATH
                    && s.domain_event()
                        .is_some_and(|(p, e, d)| p == path && e == event && d == detail)
            },
            limit,
        )
        .await;
    assert!(
        found.is_some(),
        "no DomainEvent({path}, {event}, {detail}) within {limit:?}; seen: {:#?}",
        log.domain_events()
    );
}

/// The lifecycle events seen so far for `path`, as `(event, detail)`.
fn events_of(log: &SignalLog, path: &str) -> Vec<(i32, i32)> {
    log.domain_events()
        .into_iter()
        .filter(|(p, _, _)| p == path)
        .map(|(_, e, d)| (e, d))
        .collect()
}

/// How many times `needle` appears in the file (0 when it cannot be read).
fn count_in(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .map(|text| text.matches(needle).count())
        .unwrap_or(0)
}

/// Waits until the console log holds GUEST-READY `times` times (each boot prints it once).
async fn wait_ready(serial: &Path, times: usize) {
    let ready = async {
        while count_in(serial, "GUEST-READY") < times {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(GUEST_ACTS, ready).await.is_err() {
        panic!(
            "the guest did not boot (GUEST-READY x{times}) within {GUEST_ACTS:?}:\n{}",
            std::fs::read_to_string(serial).unwrap_or_default()
        );
    }
}

/// The tiny guest's root shell on its second serial port, to make the guest act by itself.
struct GuestShell {
    stream: UnixStream,
}

impl GuestShell {
    /// Connects to the shell's socket (the guest must have printed GUEST-READY) and waits
    /// until the shell answers: what is typed before the shell opens the port is lost. The
    /// serial port is slow, so it probes once a second and drains every answer.
    async fn connect(socket: &Path) -> GuestShell {
        let stream = UnixStream::connect(socket)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", socket.display()));
        GuestShell::over(stream).await
    }

    /// The shell over `stream` (e.g. a console session), once it answers.
    async fn over(stream: UnixStream) -> GuestShell {
        let mut shell = GuestShell { stream };
        let mut heard = Vec::new();
        let answered = async {
            loop {
                // The answer, 42, is not in the typed line the terminal echoes back.
                shell.run("echo shell-$((40 + 2))").await;
                heard.extend(shell.read_until_quiet(Duration::from_secs(1)).await);
                if heard.windows(8).any(|window| window == b"shell-42") {
                    return;
                }
            }
        };
        if tokio::time::timeout(GUEST_ACTS, answered).await.is_err() {
            panic!(
                "the guest shell did not answer: {}",
                String::from_utf8_lossy(&heard)
            );
        }
        shell.read_until_quiet(Duration::from_millis(300)).await;
        shell
    }

    /// Reads what the shell prints until it has been quiet for `quiet`.
    async fn read_until_quiet(&mut self, quiet: Duration) -> Vec<u8> {
        let mut heard = Vec::new();
        let mut buffer = [0u8; 1024];
        while let Ok(Ok(read)) = tokio::time::timeout(quiet, self.stream.read(&mut buffer)).await {
            assert!(read > 0, "the guest shell's port closed");
            heard.extend_from_slice(&buffer[..read]);
        }
        heard
    }

    /// Types a command line into the shell.
    async fn run(&mut self, command: &str) {
        self.stream
            .write_all(format!("{command}\n").as_bytes())
            .await
            .expect("write to the guest shell");
    }
}

/// Starts the tiny guest `name` with `actions`, waits for its boot and its shell; returns
/// the domain's path, its files and the shell.
async fn boot_with_shell(
    service: &Service,
    name: &str,
    actions: &str,
) -> (String, GuestFiles, GuestShell) {
    let files = GuestFiles::new(service.bus().dir(), name);
    let path = define_and_start(service, &tiny_xml(name, &files, actions)).await;
    wait_ready(&files.serial, 1).await;
    let shell = GuestShell::connect(&files.shell).await;
    (path, files, shell)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_that_powers_itself_off_is_shut_down_then_stopped() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, _files, mut shell) = boot_with_shell(&service, "off", "").await;
        let pid = emulator_pid(&service, "off");
        shell.run("poweroff -f").await;
        expect_event(&mut log, &path, STOPPED, STOPPED_SHUTDOWN, GUEST_ACTS).await;
        assert_eq!(
            events_of(&log, &path),
            [
                (DEFINED, 0),
                (RESUMED, 0),
                (STARTED, 0),
                (SHUTDOWN, SHUTDOWN_GUEST),
                (STOPPED, STOPPED_SHUTDOWN)
            ],
            "the guest's shutdown, then the stop"
        );
        assert_eq!(
            get_state(&service, &path).await,
            (5, 1),
            "shut off, shutdown"
        );
        assert!(!alive(pid), "no emulator left");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_that_reboots_itself_keeps_running() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, files, mut shell) = boot_with_shell(&service, "again", "").await;
        let pid = emulator_pid(&service, "again");
        shell.run("reboot -f").await;
        let reboot = log
            .next_where(|s| s.path == path && s.member == "Reboot", GUEST_ACTS)
            .await;
        assert!(reboot.is_some(), "a Reboot signal on the domain");
        wait_ready(&files.serial, 2).await;
        assert_eq!(get_state(&service, &path).await, (1, 1), "still running");
        assert_eq!(emulator_pid(&service, "again"), pid, "the same emulator");
        assert_eq!(
            events_of(&log, &path),
            [(DEFINED, 0), (RESUMED, 0), (STARTED, 0)],
            "no lifecycle event for a reboot"
        );
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        assert!(!alive(pid));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_that_reboots_with_on_reboot_destroy_is_stopped() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, _files, mut shell) =
            boot_with_shell(&service, "once", "<on_reboot>destroy</on_reboot>").await;
        let pid = emulator_pid(&service, "once");
        shell.run("reboot -f").await;
        expect_event(&mut log, &path, STOPPED, STOPPED_SHUTDOWN, GUEST_ACTS).await;
        assert_eq!(
            events_of(&log, &path),
            [
                (DEFINED, 0),
                (RESUMED, 0),
                (STARTED, 0),
                (SHUTDOWN, SHUTDOWN_GUEST),
                (STOPPED, STOPPED_SHUTDOWN)
            ],
        );
        assert!(
            !log.seen
                .iter()
                .any(|s| s.path == path && s.member == "Reboot"),
            "no Reboot signal: the guest did not restart"
        );
        assert_eq!(
            get_state(&service, &path).await,
            (5, 1),
            "shut off, shutdown"
        );
        assert!(!alive(pid), "no emulator left");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_with_on_crash_destroy_stops_the_guest() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, _files, mut shell) =
            boot_with_shell(&service, "fatal", "<on_crash>destroy</on_crash>").await;
        let pid = emulator_pid(&service, "fatal");
        shell.run("echo c > /proc/sysrq-trigger").await;
        expect_event(&mut log, &path, STOPPED, STOPPED_CRASHED, GUEST_ACTS).await;
        assert_eq!(
            events_of(&log, &path),
            [
                (DEFINED, 0),
                (RESUMED, 0),
                (STARTED, 0),
                (CRASHED, CRASHED_PANICKED),
                (STOPPED, STOPPED_CRASHED)
            ],
        );
        assert_eq!(
            get_state(&service, &path).await,
            (5, 3),
            "shut off, crashed"
        );
        assert!(!alive(pid), "no emulator left");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_with_on_crash_restart_boots_the_guest_again() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, files, mut shell) =
            boot_with_shell(&service, "phoenix", "<on_crash>restart</on_crash>").await;
        let pid = emulator_pid(&service, "phoenix");
        shell.run("echo c > /proc/sysrq-trigger").await;
        expect_event(&mut log, &path, CRASHED, CRASHED_PANICKED, GUEST_ACTS).await;
        expect_event(&mut log, &path, RESUMED, 0, GUEST_ACTS).await;
        assert_eq!(
            events_of(&log, &path),
            [
                (DEFINED, 0),
                (RESUMED, 0),
                (STARTED, 0),
                (CRASHED, CRASHED_PANICKED),
                (RESUMED, 0)
            ],
        );
        assert_eq!(
            get_state(&service, &path).await,
            (1, 9),
            "running after a crash"
        );
        wait_ready(&files.serial, 2).await;
        assert_eq!(emulator_pid(&service, "phoenix"), pid, "the same emulator");
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        assert!(!alive(pid));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_with_on_crash_preserve_keeps_the_guest_crashed() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let (path, _files, mut shell) =
            boot_with_shell(&service, "relic", "<on_crash>preserve</on_crash>").await;
        let pid = emulator_pid(&service, "relic");
        shell.run("echo c > /proc/sysrq-trigger").await;
        expect_event(&mut log, &path, CRASHED, CRASHED_PANICKED, GUEST_ACTS).await;
        // Nothing else follows: the guest is kept for inspection.
        log.collect_for(Duration::from_millis(500)).await;
        assert_eq!(
            events_of(&log, &path),
            [
                (DEFINED, 0),
                (RESUMED, 0),
                (STARTED, 0),
                (CRASHED, CRASHED_PANICKED)
            ],
        );
        assert_eq!(
            get_state(&service, &path).await,
            (6, 1),
            "crashed, panicked"
        );
        assert!(alive(pid), "the emulator is kept");
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        expect_event(&mut log, &path, STOPPED, STOPPED_DESTROYED, GUEST_ACTS).await;
        assert_eq!(
            get_state(&service, &path).await,
            (5, 2),
            "shut off, destroyed"
        );
        assert!(!alive(pid));
    })
    .await;
}

/// Three guests started at once: each boots, gets its own events, and stops cleanly.
#[tokio::test(flavor = "multi_thread")]
async fn several_guests_at_once_each_with_its_own_events() {
    within(SEVERAL_GUESTS, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let mut log = SignalLog::subscribe(&service.conn).await;
        let names = ["one", "two", "three"];
        let files: Vec<GuestFiles> = names
            .iter()
            .map(|name| GuestFiles::new(service.bus().dir(), name))
            .collect();
        let xmls: Vec<String> = names
            .iter()
            .zip(&files)
            .map(|(name, files)| tiny_xml(name, files, ""))
            .collect();
        let paths: Vec<String> =
            futures_util::future::join_all(xmls.iter().map(|xml| {
                let service = &service;
                async move {
                    path_of(qemu_call(service, "DomainCreateXML", &(xml.as_str(), 0u32)).await)
                }
            }))
            .await;
        let pids: Vec<u32> = names
            .iter()
            .map(|name| emulator_pid(&service, name))
            .collect();
        let mut distinct = pids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 3, "three emulators: {pids:?}");
        for files in &files {
            wait_ready(&files.serial, 1).await;
        }
        // ACPI shutdown of all three at once.
        futures_util::future::join_all(paths.iter().map(|path| {
            let service = &service;
            async move {
                domain_call(service, path, "Shutdown", &0u32)
                    .await
                    .expect_ok()
            }
        }))
        .await;
        // The guests stop in any order: each one's STOPPED may already be in the log.
        for path in &paths {
            let stopped = (path.clone(), STOPPED, STOPPED_SHUTDOWN);
            if !log.domain_events().contains(&stopped) {
                expect_event(&mut log, path, STOPPED, STOPPED_SHUTDOWN, GUEST_ACTS).await;
            }
        }
        for path in &paths {
            assert_eq!(
                events_of(&log, path),
                [
                    (RESUMED, 0),
                    (STARTED, 0),
                    (SHUTDOWN, SHUTDOWN_GUEST),
                    (STOPPED, STOPPED_SHUTDOWN)
                ],
                "the events of {path}"
            );
        }
        for pid in pids {
            assert!(!alive(pid), "emulator {pid} is gone");
        }
        let listed = qemu_call(&service, "ListDomains", &0u32).await.expect_ok();
        let domains: Vec<OwnedObjectPath> = listed.body().deserialize().unwrap();
        assert!(domains.is_empty(), "transient guests are gone: {domains:?}");
    })
    .await;
}

/// `VIR_DOMAIN_CONSOLE_FORCE`.
const CONSOLE_FORCE: u32 = 1;

/// Calls OpenConsole(dev, fd, flags) with one end of a new socket pair; returns the reply
/// and the other end (as a tokio stream).
async fn open_console(service: &Service, path: &str, dev: &str, flags: u32) -> (Reply, UnixStream) {
    let (ours, theirs) = StdUnixStream::pair().unwrap();
    let reply = domain_call(
        service,
        path,
        "OpenConsole",
        &(dev, zbus::Fd::from(theirs.as_fd()), flags),
    )
    .await;
    // The service holds its own copy now.
    drop(theirs);
    ours.set_nonblocking(true).unwrap();
    (reply, UnixStream::from_std(ours).unwrap())
}

/// Whether `stream` reads end-of-file (after any pending output) within `limit`.
async fn reads_eof(stream: &mut UnixStream, limit: Duration) -> bool {
    let drained = async {
        let mut buffer = [0u8; 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, drained).await.is_ok()
}

/// OpenConsole joins a socket to a pty serial port: the test types into the guest's shell
/// through it and reads the answers; one session per device unless forced; the stream ends
/// when the domain stops; libvirt's errors for a missing or non-pty device.
#[tokio::test(flavor = "multi_thread")]
async fn a_console_session_reaches_the_guests_shell_through_its_pty() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let serial = service.bus().dir().join("talk.serial");
        let xml = tiny_xml_with(
            "talk",
            &serial,
            "",
            "<serial type='pty'><target port='1'/></serial>",
        );
        let path = path_of(qemu_call(&service, "DomainDefineXML", &(xml.as_str(),)).await);
        let (not_running, _) = open_console(&service, &path, "serial1", 0).await;
        assert!(
            not_running.expect_err().1.contains("domain is not running"),
            "{not_running:?}"
        );
        domain_call(&service, &path, "Create", &0u32)
            .await
            .expect_ok();
        wait_ready(&serial, 1).await;

        let (reply, first) = open_console(&service, &path, "serial1", 0).await;
        reply.expect_ok();
        let mut first = GuestShell::over(first).await;
        first.run("echo typed-$((6 * 7))").await;
        let heard = first.read_until_quiet(Duration::from_secs(1)).await;
        assert!(
            heard.windows(8).any(|w| w == b"typed-42"),
            "{}",
            String::from_utf8_lossy(&heard)
        );

        let (busy, _) = open_console(&service, &path, "serial1", 0).await;
        let (name, text) = busy.expect_err();
        assert_eq!(name, "org.libvirt.Error");
        assert!(
            text.contains("Active console session exists for this domain"),
            "{text}"
        );
        let (not_pty, _) = open_console(&service, &path, "", 0).await;
        assert!(
            not_pty
                .expect_err()
                .1
                .contains("character device serial0 is not using a PTY"),
            "{not_pty:?}"
        );
        let (missing, _) = open_console(&service, &path, "serial7", 0).await;
        assert!(
            missing
                .expect_err()
                .1
                .contains("cannot find character device serial7"),
            "{missing:?}"
        );
        let (bad_flags, _) = open_console(&service, &path, "serial1", 4).await;
        assert!(
            bad_flags.expect_err().1.contains("unsupported flags (0x4)"),
            "{bad_flags:?}"
        );

        // FORCE takes the device over: the first session ends.
        let (reply, second) = open_console(&service, &path, "serial1", CONSOLE_FORCE).await;
        reply.expect_ok();
        assert!(
            reads_eof(&mut first.stream, Duration::from_secs(5)).await,
            "the first session ends"
        );
        let mut second = GuestShell::over(second).await;

        // The stream ends with the domain.
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
        assert!(
            reads_eof(&mut second.stream, Duration::from_secs(5)).await,
            "the session ends when the domain stops"
        );
    })
    .await;
}

/// OpenGraphicsFD hands back a socket QEMU's VNC server speaks RFB on.
#[tokio::test(flavor = "multi_thread")]
async fn a_graphics_fd_speaks_rfb() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let xml = "<domain type='qemu'><name>screen</name><memory unit='MiB'>128</memory>\
                   <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
                   <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>\
                   <graphics type='vnc' autoport='yes'/></devices></domain>";
        let path = path_of(qemu_call(&service, "DomainDefineXML", &(xml,)).await);
        let inactive = domain_call(&service, &path, "OpenGraphicsFD", &(0u32, 0u32)).await;
        assert!(inactive.expect_err().1.contains("domain is not running"));
        domain_call(&service, &path, "Create", &0u32)
            .await
            .expect_ok();

        for _ in 0..2 {
            let msg = domain_call(&service, &path, "OpenGraphicsFD", &(0u32, 0u32))
                .await
                .expect_ok();
            let fd: zbus::OwnedFd = msg.body().deserialize().unwrap();
            let stream = StdUnixStream::from(OwnedFd::from(fd));
            stream.set_nonblocking(true).unwrap();
            let mut stream = UnixStream::from_std(stream).unwrap();
            let mut greeting = [0u8; 12];
            tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut greeting))
                .await
                .expect("the greeting within 10 s")
                .unwrap();
            assert_eq!(&greeting, b"RFB 003.008\n");
        }

        let missing = domain_call(&service, &path, "OpenGraphicsFD", &(1u32, 0u32)).await;
        assert!(
            missing
                .expect_err()
                .1
                .contains("No graphics backend with index 1"),
            "{missing:?}"
        );
        let bad_flags = domain_call(&service, &path, "OpenGraphicsFD", &(0u32, 2u32)).await;
        assert!(bad_flags.expect_err().1.contains("unsupported flags (0x2)"));
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
    })
    .await;
}

/// `VIR_DOMAIN_AFFECT_LIVE`, `VIR_DOMAIN_AFFECT_CONFIG`, `VIR_DOMAIN_VCPU_MAXIMUM`.
const LIVE: u32 = 1;
const CONFIG: u32 = 2;
const MAXIMUM: u32 = 4;

async fn vcpus_of(service: &Service, path: &str, flags: u32) -> u32 {
    domain_call(service, path, "GetVcpus", &flags)
        .await
        .expect_ok()
        .body()
        .deserialize()
        .unwrap()
}

async fn set_vcpus_error(service: &Service, path: &str, count: u32, flags: u32) -> String {
    let reply = domain_call(service, path, "SetVcpus", &(count, flags)).await;
    let (name, text) = reply.expect_err();
    assert_eq!(name, "org.libvirt.Error");
    text.to_owned()
}

/// GetVcpus/SetVcpus on the live guest and its definition: a vCPU hotplugged into a guest
/// started with fewer than its maximum, the definition's counts changed, libvirt's errors.
#[tokio::test(flavor = "multi_thread")]
async fn vcpus_are_counted_and_hotplugged() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let xml = "<domain type='qemu'><name>cpus</name><memory unit='MiB'>128</memory>\
                   <vcpu current='1'>2</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
                   <features><acpi/></features>\
                   <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>";
        let path = path_of(qemu_call(&service, "DomainDefineXML", &(xml,)).await);
        assert_eq!(vcpus_of(&service, &path, 0).await, 1);
        assert_eq!(vcpus_of(&service, &path, CONFIG | MAXIMUM).await, 2);
        let text = set_vcpus_error(&service, &path, 0, 0).await;
        assert!(text.contains("must not be zero"), "{text}");
        let text = set_vcpus_error(&service, &path, 3, CONFIG).await;
        assert!(
            text.contains(
                "requested vcpus is greater than max allowable vcpus for the persistent domain: 3 > 2"
            ),
            "{text}"
        );
        let text = set_vcpus_error(&service, &path, 2, LIVE).await;
        assert!(text.contains("domain is not running"), "{text}");
        let text = set_vcpus_error(&service, &path, 1, 8).await;
        assert!(text.contains("QEMU guest agent is not configured"), "{text}");

        domain_call(&service, &path, "Create", &0u32)
            .await
            .expect_ok();
        assert_eq!(vcpus_of(&service, &path, LIVE).await, 1);
        assert_eq!(vcpus_of(&service, &path, LIVE | MAXIMUM).await, 2);
        let text = set_vcpus_error(&service, &path, 2, LIVE | MAXIMUM).await;
        assert!(
            text.contains("maximum vcpu count of a live domain can't be modified"),
            "{text}"
        );
        let text = set_vcpus_error(&service, &path, 3, LIVE).await;
        assert!(
            text.contains("requested vcpus is greater than max allowable vcpus for the live domain: 3 > 2"),
            "{text}"
        );

        // Hotplug: QEMU runs two vCPUs now, the definition still says one.
        domain_call(&service, &path, "SetVcpus", &(2u32, LIVE))
            .await
            .expect_ok();
        assert_eq!(vcpus_of(&service, &path, LIVE).await, 2);
        assert_eq!(vcpus_of(&service, &path, CONFIG).await, 1);
        let record: std::collections::HashMap<String, zbus::OwnedVariant> =
            domain_call(&service, &path, "GetStats", &(8u32, 0u32))
                .await
                .expect_ok()
                .body()
                .deserialize()
                .unwrap();
        let online = record.get("vcpu.current").expect("vcpu.current");
        assert_eq!(u32::try_from(online).unwrap(), 2, "QEMU runs two vCPUs");
        // A guest with no OS never switches QEMU to the CPU hotplug interface that can
        // unplug: QEMU refuses, with libvirt's wording around its reason, nothing changes.
        let text = set_vcpus_error(&service, &path, 1, LIVE).await;
        assert!(
            text.contains("unable to execute QEMU command 'device_del'"),
            "{text}"
        );
        assert_eq!(vcpus_of(&service, &path, LIVE).await, 2);

        // The definition: the next boot's counts.
        domain_call(&service, &path, "SetVcpus", &(2u32, CONFIG))
            .await
            .expect_ok();
        assert_eq!(vcpus_of(&service, &path, CONFIG).await, 2);
        domain_call(&service, &path, "SetVcpus", &(4u32, CONFIG | MAXIMUM))
            .await
            .expect_ok();
        assert_eq!(vcpus_of(&service, &path, CONFIG | MAXIMUM).await, 4);
        let inactive: String = domain_call(&service, &path, "GetXMLDesc", &2u32)
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(inactive.contains("current='2'>4</vcpu>"), "{inactive}");
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
    })
    .await;
}

/// A Linux guest releases a hotplugged vCPU: SetVcpus down succeeds once the guest ejects it.
#[tokio::test(flavor = "multi_thread")]
async fn a_linux_guest_releases_a_hotplugged_vcpu() {
    within(ONE_GUEST, async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let serial = service.bus().dir().join("smp.serial");
        let xml = tiny_xml_with("smp", &serial, "", "")
            .replace("<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>");
        let path = define_and_start(&service, &xml).await;
        wait_ready(&serial, 1).await;
        domain_call(&service, &path, "SetVcpus", &(2u32, LIVE))
            .await
            .expect_ok();
        assert_eq!(vcpus_of(&service, &path, LIVE).await, 2);
        // libvirt waits 5 s for the guest; on a busy machine the guest may take longer, and
        // then the call says so and a later one finds the vCPU gone.
        let deadline = tokio::time::Instant::now() + GUEST_ACTS;
        loop {
            match domain_call(&service, &path, "SetVcpus", &(1u32, LIVE)).await {
                Reply::Ok(_) => break,
                Reply::Err { text, .. }
                    if (text.contains("vcpu unplug request timed out")
                        || text.contains("in the process of unplug"))
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                other => panic!("SetVcpus(1, LIVE): {other:?}"),
            }
        }
        assert_eq!(vcpus_of(&service, &path, LIVE).await, 1);
        domain_call(&service, &path, "Destroy", &0u32)
            .await
            .expect_ok();
    })
    .await;
}
