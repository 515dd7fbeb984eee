//! Spawning and supervising real qemu: start and terminate, early exits, a hanging
//! "emulator", attaching to a qemu that is not our child, and the tiny guest: ACPI power-off
//! and a panic caused from its shell.

mod common;

use std::{
    os::unix::{fs::PermissionsExt, process::ExitStatusExt},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use common::{within, GuestShell, KillOnDrop, KillPidOnDrop};
use serde_json::json;
use virtbus_qemu_driver::{
    process::{is_gone, Emulator, Exit, Launch, ProcessError, Started},
    qmp::{Event, Qmp, QmpError},
};

#[tokio::test]
async fn spawn_then_terminate_leaves_no_process_no_zombie_no_socket() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let launch = common::qemu_launch(dir.path(), &[]);
        let started = Emulator::spawn(&launch).await.unwrap();
        let _guard = KillOnDrop(started.emulator.clone());
        let pid = started.emulator.pid();
        assert!(!is_gone(pid));
        assert!(launch.monitor_socket.exists());
        assert_eq!(started.emulator.exit(), None);
        // The log starts with the command line; qemu's own output follows it.
        let log = std::fs::read_to_string(&launch.log_file).unwrap();
        assert!(
            log.contains(": starting: qemu-system-x86_64 -accel tcg"),
            "{log}"
        );

        let begun = Instant::now();
        let exit = started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
        let took = begun.elapsed();
        // SIGTERM was enough: qemu exits on it by itself, well before the grace period.
        let Exit::Exited(status) = exit else {
            panic!("our child has a status: {exit:?}")
        };
        assert_eq!(status.signal(), None, "{status}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert!(
            is_gone(pid),
            "no process and no zombie once terminate returns"
        );
        assert!(!launch.monitor_socket.exists(), "no socket file left");
        assert_eq!(started.emulator.exit(), Some(exit));
        assert!(*started.emulator.exit_watch().borrow() == Some(exit));
    })
    .await;
}

#[tokio::test]
async fn qemu_killed_behind_our_back_ends_the_monitor_with_eof_and_reports_the_signal() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let launch = common::qemu_launch(dir.path(), &[]);
        let mut started = Emulator::spawn(&launch).await.unwrap();
        let _guard = KillOnDrop(started.emulator.clone());
        let pid = started.emulator.pid();
        // SAFETY: kill takes a pid and a signal; the pid is our unreaped child.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
        assert_eq!(started.events.next().await.unwrap_err(), QmpError::Eof);
        let Exit::Exited(status) = started.emulator.exited().await else {
            panic!("our child has a status");
        };
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert!(is_gone(pid));
        assert!(
            !launch.monitor_socket.exists(),
            "the socket SIGKILL left behind is removed"
        );
    })
    .await;
}

#[tokio::test]
async fn a_monitor_socket_a_live_process_listens_on_is_refused_and_a_stale_one_cleared() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let mut launch = common::qemu_launch(dir.path(), &[]);
        let peer = common::FakePeer::bind(dir.path());
        launch.monitor_socket = peer.path.clone();
        let error = Emulator::spawn(&launch).await.unwrap_err();
        assert!(
            matches!(&error, ProcessError::SocketInUse { path } if *path == peer.path),
            "{error:?}"
        );
        assert!(peer.path.exists(), "the live socket is left alone");
        assert!(!launch.log_file.exists(), "nothing was started");

        // A socket file nobody listens on any more is stale: cleared, and qemu starts.
        let launch = common::qemu_launch(dir.path(), &[]);
        drop(std::os::unix::net::UnixListener::bind(&launch.monitor_socket).unwrap());
        assert!(launch.monitor_socket.exists());
        let started = Emulator::spawn(&launch).await.unwrap();
        let _guard = KillOnDrop(started.emulator.clone());
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn dropping_every_handle_leaves_the_emulator_running() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let launch = common::qemu_launch(dir.path(), &[]);
        let started = Emulator::spawn(&launch).await.unwrap();
        let pid = started.emulator.pid();
        let _guard = KillPidOnDrop(pid);
        drop(started);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!is_gone(pid), "qemu must survive its handles");
        // It still answers on its monitor.
        let (qmp, _, _) = Qmp::connect(&launch.monitor_socket, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            qmp.execute("query-status", None).await.unwrap()["status"],
            "prelaunch"
        );
        qmp.execute("quit", None).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_emulator_that_rejects_its_options_is_reported_with_its_message() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        // Refused while parsing the command line, before the monitor exists...
        let launch = common::qemu_launch(dir.path(), &["-no-such-option"]);
        let error = Emulator::spawn(&launch).await.unwrap_err();
        let ProcessError::EarlyExit {
            exit: Exit::Exited(status),
            log_tail,
        } = &error
        else {
            panic!("not an early exit: {error:?}");
        };
        assert!(!status.success());
        assert!(
            log_tail.contains("-no-such-option: invalid option"),
            "{log_tail}"
        );
        assert!(error
            .to_string()
            .starts_with("process exited while connecting to monitor: "));
        assert!(
            !log_tail.contains("starting:"),
            "the tail is qemu's output only: {log_tail}"
        );
        assert!(!launch.monitor_socket.exists());

        // ...and refused after the monitor socket is already listening.
        let launch = common::qemu_launch(dir.path(), &["-device", "no-such-device"]);
        let begun = Instant::now();
        let error = Emulator::spawn(&launch).await.unwrap_err();
        let ProcessError::EarlyExit { log_tail, .. } = &error else {
            panic!("not an early exit: {error:?}");
        };
        assert!(log_tail.contains("no-such-device"), "{log_tail}");
        assert!(begun.elapsed() < Duration::from_secs(5));
        assert!(!launch.monitor_socket.exists());
    })
    .await;
}

#[tokio::test]
async fn a_missing_emulator_binary_is_a_spawn_error() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let mut launch = common::qemu_launch(dir.path(), &[]);
        launch.program = dir.path().join("no-such-qemu");
        let error = Emulator::spawn(&launch).await.unwrap_err();
        assert!(
            matches!(&error, ProcessError::Spawn { program, .. } if *program == launch.program),
            "{error:?}"
        );
        assert!(
            error.to_string().starts_with("cannot execute binary "),
            "{error}"
        );
    })
    .await;
}

/// Writes an executable script into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test]
async fn a_hanging_emulator_is_killed_with_its_children_after_the_start_timeout() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        // A shell that starts a child and never opens the monitor.
        let pid_file = dir.path().join("pid");
        let body = format!(
            "echo $$ >{}; echo hanging; sleep 60; echo never",
            pid_file.display()
        );
        let program = script(dir.path(), "hang", &body);
        let monitor_socket = dir.path().join("qmp.sock");
        let launch = Launch {
            program,
            args: Vec::new(),
            monitor_socket: monitor_socket.clone(),
            log_file: dir.path().join("hang.log"),
            start_timeout: Duration::from_millis(500),
            command_timeout: Duration::from_secs(1),
        };
        let begun = Instant::now();
        let error = Emulator::spawn(&launch).await.unwrap_err();
        let took = begun.elapsed();
        let ProcessError::StartTimeout { timeout, log_tail } = &error else {
            panic!("not a start timeout: {error:?}");
        };
        assert_eq!(*timeout, launch.start_timeout);
        assert_eq!(log_tail, "hanging");
        assert!(
            took >= launch.start_timeout && took < Duration::from_secs(3),
            "{took:?}"
        );
        // The script and its `sleep` are gone: its process group (it leads one) is empty.
        let log = std::fs::read_to_string(&launch.log_file).unwrap();
        assert!(!log.contains("never"));
        let pid: u32 = std::fs::read_to_string(dir.path().join("pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(pid > 0);
        assert!(is_gone(pid));
        assert!(
            !common::process_group_alive(pid),
            "a process of group {pid} is left"
        );
        assert!(!monitor_socket.exists());
    })
    .await;
}

#[tokio::test]
async fn a_start_given_up_half_way_leaves_no_process() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let body = format!("echo $$ >{}; sleep 60", pid_file.display());
        let launch = Launch {
            program: script(dir.path(), "hang", &body),
            args: Vec::new(),
            monitor_socket: dir.path().join("qmp.sock"),
            log_file: dir.path().join("hang.log"),
            start_timeout: Duration::from_secs(20),
            command_timeout: Duration::from_secs(1),
        };
        // The caller stops waiting long before the start timeout.
        let spawn = Emulator::spawn(&launch);
        assert!(tokio::time::timeout(Duration::from_millis(500), spawn)
            .await
            .is_err());
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        while common::process_group_alive(pid) {
            assert!(
                Instant::now() < deadline,
                "the abandoned start's processes are still there"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_stopped_emulator_outlives_a_graceful_terminate_and_not_a_forced_one() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let launch = common::qemu_launch(dir.path(), &[]);
        let started = Emulator::spawn(&launch).await.unwrap();
        let emulator = started.emulator.clone();
        let _guard = KillOnDrop(emulator.clone());
        // A stopped process cannot act on SIGTERM; SIGKILL still ends it.
        emulator.signal(libc::SIGSTOP).unwrap();
        let grace = Duration::from_millis(300);
        let error = emulator.terminate_gracefully(grace).await.unwrap_err();
        assert!(
            matches!(error, ProcessError::StillRunning { pid, .. } if pid == emulator.pid()),
            "{error:?}"
        );
        assert!(!is_gone(emulator.pid()));

        let begun = Instant::now();
        let exit = emulator.terminate(grace).await.unwrap();
        assert!(begun.elapsed() < grace + Duration::from_secs(1));
        let Exit::Exited(status) = exit else {
            panic!("{exit:?}")
        };
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert!(is_gone(emulator.pid()));
        assert!(
            !launch.monitor_socket.exists(),
            "SIGKILL leaves the socket; the handle removes it"
        );
        // Signalling a process that is gone is harmless.
        emulator.signal(libc::SIGTERM).unwrap();
    })
    .await;
}

/// Starts qemu through a shell that exits at once, so qemu is not our child; returns its pid.
async fn spawn_orphan_qemu(dir: &Path, socket: &Path) -> u32 {
    let args: Vec<String> = common::qemu_args(socket, &[])
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} {} >{}/orphan.log 2>&1 & echo $!",
            common::QEMU,
            args.join(" "),
            dir.display()
        ))
        .output()
        .unwrap();
    let pid: u32 = String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Wait for its monitor.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "qemu did not open its monitor");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    pid
}

#[tokio::test]
async fn attach_watches_a_qemu_that_is_not_our_child_until_it_is_killed() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("orphan.sock");
        let pid = spawn_orphan_qemu(dir.path(), &socket).await;
        let _guard = KillPidOnDrop(pid);

        let emulator = Emulator::attach(pid, &socket).unwrap();
        assert_eq!(emulator.pid(), pid);
        assert_eq!(emulator.exit(), None);
        let (qmp, greeting, _events) = Qmp::connect(&socket, Duration::from_secs(5)).await.unwrap();
        assert!(greeting.version.major >= 7);
        assert_eq!(
            qmp.execute("query-status", None).await.unwrap()["status"],
            "prelaunch"
        );

        // Killed behind our back: seen at once, though its zombie waits for PID 1 to reap it.
        // SAFETY: kill takes a pid and a signal.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) }, 0);
        let begun = Instant::now();
        assert_eq!(emulator.exited().await, Exit::Vanished);
        assert!(
            begun.elapsed() < Duration::from_secs(1),
            "{:?}",
            begun.elapsed()
        );
        assert!(is_gone(pid));
        assert!(
            !socket.exists(),
            "the socket SIGKILL left behind is removed"
        );
    })
    .await;
}

#[tokio::test]
async fn attach_refuses_a_gone_pid_and_a_process_that_is_not_the_emulator() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("qmp.sock");
        let error = Emulator::attach(u32::MAX - 1, &socket).unwrap_err();
        assert!(
            matches!(error, ProcessError::NotRunning { .. }),
            "{error:?}"
        );
        // This test process is alive but its command line names no such socket.
        let error = Emulator::attach(std::process::id(), &socket).unwrap_err();
        assert!(
            matches!(error, ProcessError::NotTheEmulator { .. }),
            "{error:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn attach_then_terminate_stops_a_qemu_that_is_not_our_child() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("orphan.sock");
        let pid = spawn_orphan_qemu(dir.path(), &socket).await;
        let _guard = KillPidOnDrop(pid);
        let emulator = Emulator::attach(pid, &socket).unwrap();
        let begun = Instant::now();
        assert_eq!(
            emulator.terminate(Duration::from_secs(5)).await.unwrap(),
            Exit::Vanished
        );
        assert!(
            begun.elapsed() < Duration::from_secs(1),
            "{:?}",
            begun.elapsed()
        );
        assert!(is_gone(pid));
        assert!(!socket.exists());
    })
    .await;
}

/// Boots the tiny guest (paused by `-S`, then `cont`) and waits for GUEST-READY.
async fn boot_tiny_guest(dir: &Path, shell: bool) -> (Started, KillOnDrop) {
    let extra = common::tiny_guest_args(dir, shell);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut started = Emulator::spawn(&common::qemu_launch(dir, &extra))
        .await
        .unwrap();
    let guard = KillOnDrop(started.emulator.clone());
    started.monitor.execute("cont", None).await.unwrap();
    assert_eq!(started.events.next().await.unwrap().name, "RESUME");
    common::wait_for_text(
        &dir.join("serial.log"),
        "GUEST-READY",
        Duration::from_secs(25),
    )
    .await;
    (started, guard)
}

/// Collects events until (and including) the one named `last`, within 10 s.
async fn events_until(started: &mut Started, last: &str, serial: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    let collect = async {
        while events.last().map(|event: &Event| event.name.as_str()) != Some(last) {
            events.push(started.events.next().await.unwrap());
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), collect)
        .await
        .is_err()
    {
        let log = std::fs::read_to_string(serial).unwrap_or_default();
        panic!("no {last} within 10 s; events {events:?}; serial log:\n{log}");
    }
    events
}

#[tokio::test]
async fn the_tiny_guest_boots_and_powers_off_on_the_acpi_button() {
    common::tiny_guest();
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (mut started, _guard) = boot_tiny_guest(dir.path(), false).await;
        started
            .monitor
            .execute("system_powerdown", None)
            .await
            .unwrap();
        let events = events_until(&mut started, "STOP", &dir.path().join("serial.log")).await;
        let names: Vec<&str> = events.iter().map(|event| event.name.as_str()).collect();
        assert_eq!(names, ["POWERDOWN", "SHUTDOWN", "STOP"]);
        assert_eq!(
            events[1].data,
            json!({ "guest": true, "reason": "guest-shutdown" })
        );
        // -no-shutdown: qemu waits, stopped, for the driver to decide.
        let status = started.monitor.execute("query-status", None).await.unwrap();
        assert_eq!(status["status"], "shutdown");
        assert_eq!(started.emulator.exit(), None);
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
        assert!(is_gone(started.emulator.pid()));
    })
    .await;
}

#[tokio::test]
async fn the_tiny_guests_shell_makes_it_panic() {
    common::tiny_guest();
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (mut started, _guard) = boot_tiny_guest(dir.path(), true).await;
        let mut shell = GuestShell::connect(dir.path()).await;
        shell.run("echo c >/proc/sysrq-trigger").await;
        let events = events_until(&mut started, "STOP", &dir.path().join("serial.log")).await;
        let names: Vec<&str> = events.iter().map(|event| event.name.as_str()).collect();
        assert_eq!(names, ["GUEST_PANICKED", "STOP"]);
        assert_eq!(events[0].data["action"], "pause");
        let status = started.monitor.execute("query-status", None).await.unwrap();
        assert_eq!(status["status"], "guest-panicked");
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}
