//! The `virtbus` command line and process lifetime: options, bus selection, a name that is
//! already taken, signals, and the bus going away.

mod common;

use std::{
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use common::{virtbus_bin, wait_for_name, with_timeout, Bus, Process, Service, BUS_NAME};

/// Runs `virtbus args...` to completion (with a time limit) and returns its output.
async fn run(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut child = Command::new(virtbus_bin())
        .args(&args)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn virtbus");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            common::send_signal(pid, libc::SIGKILL);
            let _ = child.wait();
            panic!("virtbus {args:?} did not exit within 5 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn help_lists_the_options() {
    with_timeout(async {
        let out = run(&["--help"]).await;
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        for opt in ["--session", "--system", "--address", "--help", "--version"] {
            assert!(text.contains(opt), "--help lacks {opt}:\n{text}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn version_prints_the_package_version() {
    with_timeout(async {
        let out = run(&["--version"]).await;
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.trim(),
            format!("virtbus {}", env!("CARGO_PKG_VERSION"))
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_options_fail() {
    with_timeout(async {
        let out = run(&["--bogus"]).await;
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
        // --system and --session together are refused, as by libvirt-dbus.
        let out = run(&["--system", "--session"]).await;
        assert!(!out.status.success(), "{out:?}");
        assert!(!out.stderr.is_empty());
        // An address nobody listens on: exit 1 with a message, quickly.
        let out = run(&["--address", "unix:path=/nonexistent/virtbus-test.sock"]).await;
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(!out.stderr.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn name_already_taken_exits_1_with_one_line() {
    with_timeout(async {
        let service = Service::start().await;
        let mut second = Process::spawn(virtbus_bin(), &common::VIRTBUS_ARGS, service.bus());
        let status = second
            .wait_exit(Duration::from_secs(5))
            .await
            .expect("second instance must exit");
        assert_eq!(status.code(), Some(1));
        let stderr = second.stderr();
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr, got:\n{stderr}"
        );
        assert!(lines[0].contains(BUS_NAME), "{stderr}");
        // The first instance is unharmed.
        let connect = service.connect_proxy().await;
        assert_eq!(connect.list_domains(0).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_and_sigint_exit_0_within_a_second() {
    with_timeout(async {
        for sig in [libc::SIGTERM, libc::SIGINT] {
            let mut service = Service::start().await;
            let start = Instant::now();
            assert!(service.process_mut().signal(sig));
            let status = service
                .process_mut()
                .wait_exit(Duration::from_secs(1))
                .await
                .unwrap_or_else(|| panic!("signal {sig}: still running after 1 s"));
            assert_eq!(status.code(), Some(0), "signal {sig}: {status:?}");
            assert!(start.elapsed() < Duration::from_secs(1));
            // The name is released.
            let dbus = zbus::fdo::DBusProxy::new(&service.conn).await.unwrap();
            assert!(!dbus
                .name_has_owner(BUS_NAME.try_into().unwrap())
                .await
                .unwrap());
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn losing_the_bus_exits_1_with_a_message() {
    with_timeout(async {
        let mut service = Service::start().await;
        service.bus_mut().kill();
        let status = service
            .process_mut()
            .wait_exit(Duration::from_secs(3))
            .await
            .expect("must exit when the bus goes away");
        assert_eq!(status.code(), Some(1));
        assert!(!service.stderr().trim().is_empty(), "no message on stderr");
    })
    .await;
}

/// Starts `virtbus args` with `env` on `bus` and waits for the name; returns the process.
async fn start_on(bus: &Bus, args: &[&str], env: &[(&str, &str)]) -> Process {
    let mut p = Process::spawn_with_env(virtbus_bin(), args, bus, env);
    let conn = bus.connect().await;
    let started = Instant::now();
    assert!(
        wait_for_name(&conn, BUS_NAME, &mut p, Duration::from_secs(10)).await,
        "virtbus {args:?} did not own {BUS_NAME}; stderr:\n{}",
        p.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "start-up took {:?}",
        started.elapsed()
    );
    let connect = common::connect_proxy(&conn).await;
    assert_eq!(
        connect.list_domains(0).await.unwrap()[0].as_str(),
        common::TEST_DOMAIN_PATH
    );
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn session_uses_dbus_session_bus_address() {
    with_timeout(async {
        let bus = Bus::start();
        // Process::spawn points DBUS_SESSION_BUS_ADDRESS at the private bus.
        let mut p = start_on(&bus, &["--session"], &[]).await;
        assert!(p.signal(libc::SIGTERM));
        assert_eq!(
            p.wait_exit(Duration::from_secs(1))
                .await
                .and_then(|s| s.code()),
            Some(0)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn system_uses_dbus_system_bus_address() {
    with_timeout(async {
        let bus = Bus::start();
        let address = bus.address().to_string();
        // The private bus has no polkitd, which --system would ask about every call.
        let _p = start_on(
            &bus,
            &["--system", "--authorization", "none"],
            &[
                ("DBUS_SYSTEM_BUS_ADDRESS", &address),
                ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/session"),
            ],
        )
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_options_root_uses_the_system_bus() {
    with_timeout(async {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let bus = Bus::start();
        let address = bus.address().to_string();
        let env: Vec<(&str, &str)> = if root {
            vec![
                ("DBUS_SYSTEM_BUS_ADDRESS", address.as_str()),
                ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/session"),
            ]
        } else {
            vec![("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system")]
        };
        // No bus option; the private bus has no polkitd, which root's default would ask.
        let _p = start_on(&bus, &["--authorization", "none"], &env).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_drivers_prints_the_connection_objects_this_build_serves() {
    with_timeout(async {
        let out = run(&["--list-drivers"]).await;
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "the test and QEMU connections: {text}");
        assert!(
            lines[0].starts_with("/org/libvirt/Test  test:///default  "),
            "{text}"
        );
        assert!(
            lines[1].starts_with("/org/libvirt/QEMU  qemu:///session | qemu:///system  "),
            "{text}"
        );
        // --help names the same connection objects.
        let help = run(&["--help"]).await;
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(help.contains("Connection objects"), "{help}");
        assert!(
            help.contains("/org/libvirt/Test  test:///default"),
            "{help}"
        );
        assert!(
            help.contains("/org/libvirt/QEMU  qemu:///session"),
            "{help}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn log_level_takes_a_level_name() {
    with_timeout(async {
        let help = run(&["--help"]).await;
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(help.contains("--log-level"), "{help}");
        let out = run(&["--log-level", "loud", "--session"]).await;
        assert!(!out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("loud") && stderr.contains("debug"),
            "{stderr}"
        );
    })
    .await;
}
