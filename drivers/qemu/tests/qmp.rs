//! The QMP client against real qemu (greeting, commands, events, errors, EOF) and against a
//! fake peer for what qemu cannot be made to do (garbage, a close mid-reply, silence).

mod common;

use std::time::{Duration, Instant};

use common::{within, FakePeer, KillOnDrop, FAKE_GREETING};
use serde_json::{json, Value};
use virtbus_qemu_driver::{
    process::{Emulator, Exit, Started},
    qmp::{QemuVersion, Qmp, QmpError},
};

/// Starts a paused guest with no OS in `dir`.
async fn start_qemu(dir: &std::path::Path) -> (Started, KillOnDrop) {
    let started = Emulator::spawn(&common::qemu_launch(dir, &[]))
        .await
        .expect("qemu starts");
    let guard = KillOnDrop(started.emulator.clone());
    (started, guard)
}

/// The version `qemu-system-x86_64 --version` prints, e.g. "QEMU emulator version 7.2.22 (...)".
fn installed_qemu_version() -> QemuVersion {
    let output = std::process::Command::new(common::QEMU)
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let version = text.split_whitespace().nth(3).expect("a version word");
    let numbers: Vec<u32> = version.split('.').map(|n| n.parse().unwrap()).collect();
    QemuVersion {
        major: numbers[0],
        minor: numbers[1],
        micro: numbers.get(2).copied().unwrap_or(0),
    }
}

#[tokio::test]
async fn greeting_gives_qemus_version_and_commands_work_after_negotiation() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (started, _guard) = start_qemu(dir.path()).await;
        assert_eq!(started.greeting.version, installed_qemu_version());
        assert!(
            started.greeting.capabilities.iter().any(|c| c == "oob"),
            "{:?}",
            started.greeting
        );
        // query-status is refused until qmp_capabilities has been negotiated.
        let status = started.monitor.execute("query-status", None).await.unwrap();
        assert_eq!(status["status"], "prelaunch");
        assert_eq!(status["running"], false);
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn commands_in_flight_at_once_each_get_their_own_reply() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (started, _guard) = start_qemu(dir.path()).await;
        let commands = ["query-status", "query-version", "query-kvm", "query-name"];
        let calls = (0..24).map(|n| {
            let monitor = started.monitor.clone();
            let command = commands[n % commands.len()];
            tokio::spawn(async move { (command, monitor.execute(command, None).await.unwrap()) })
        });
        let replies: Vec<(&str, Value)> = futures_join(calls.collect())
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(replies.len(), 24);
        for (command, reply) in replies {
            let key = match command {
                "query-status" => "status",
                "query-version" => "qemu",
                "query-kvm" => "present",
                _ => {
                    // No -name given: an empty object.
                    assert_eq!(reply, json!({}), "{command}");
                    continue;
                }
            };
            assert!(reply.get(key).is_some(), "{command} got {reply}");
        }
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}

/// Awaits every handle (no futures crate in this crate's dependencies).
async fn futures_join<T>(
    handles: Vec<tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await);
    }
    results
}

#[tokio::test]
async fn stop_and_cont_give_resume_stop_resume_in_order() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (mut started, _guard) = start_qemu(dir.path()).await;
        for command in ["cont", "stop", "cont"] {
            started.monitor.execute(command, None).await.unwrap();
        }
        let mut names = Vec::new();
        let mut previous = None;
        for _ in 0..3 {
            let event = started.events.next().await.unwrap();
            assert!(previous <= Some(event.timestamp), "timestamps go forward");
            previous = Some(event.timestamp);
            names.push(event.name);
        }
        assert_eq!(names, ["RESUME", "STOP", "RESUME"]);
        let status = started.monitor.execute("query-status", None).await.unwrap();
        assert_eq!(status["status"], "running");
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_unknown_command_is_qemus_error_with_class_and_desc() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (started, _guard) = start_qemu(dir.path()).await;
        let error = started
            .monitor
            .execute("no-such-command", None)
            .await
            .unwrap_err();
        let QmpError::Command {
            command,
            class,
            desc,
        } = &error
        else {
            panic!("not a command error: {error:?}");
        };
        assert_eq!(command, "no-such-command");
        assert_eq!(class, "CommandNotFound");
        assert!(desc.contains("no-such-command"), "{desc}");
        assert!(error
            .to_string()
            .starts_with("unable to execute QEMU command 'no-such-command': "));
        assert!(!error.is_fatal());
        // Bad arguments are QEMU's error too, and the monitor stays usable.
        let error = started
            .monitor
            .execute("query-status", Some(json!({ "bogus": 1 })))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, QmpError::Command { class, .. } if class == "GenericError"),
            "{error:?}"
        );
        started.monitor.execute("query-status", None).await.unwrap();
        started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn quit_ends_the_event_stream_with_eof() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (mut started, _guard) = start_qemu(dir.path()).await;
        started.monitor.execute("quit", None).await.unwrap();
        let event = started.events.next().await.unwrap();
        assert_eq!(event.name, "SHUTDOWN");
        assert_eq!(
            event.data,
            json!({ "guest": false, "reason": "host-qmp-quit" })
        );
        assert_eq!(started.events.next().await.unwrap_err(), QmpError::Eof);
        assert_eq!(
            started.events.next().await.unwrap_err(),
            QmpError::Eof,
            "the end repeats"
        );
        assert_eq!(
            started
                .monitor
                .execute("query-status", None)
                .await
                .unwrap_err(),
            QmpError::Eof
        );
        assert_eq!(started.monitor.closed(), Some(QmpError::Eof));
        let Exit::Exited(status) = started.emulator.exited().await else {
            panic!("our own child has an exit status");
        };
        assert!(status.success(), "{status}");
    })
    .await;
}

#[tokio::test]
async fn garbage_fails_the_pending_command_and_ends_the_stream() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let peer = FakePeer::bind(dir.path());
        let server = async {
            let mut connection = peer.accept_negotiated().await;
            connection.event("STOP", Value::Null).await;
            connection.command().await;
            connection.send("this is not JSON").await;
            connection
        };
        let client = Qmp::connect(&peer.path, Duration::from_secs(5));
        let (mut connection, connected) = tokio::join!(server, async {
            let (qmp, greeting, events) = client.await.unwrap();
            let result = qmp.execute("query-status", None).await;
            (qmp, greeting, events, result)
        });
        let (qmp, greeting, mut events, result) = connected;
        assert_eq!(
            greeting.version,
            QemuVersion {
                major: 9,
                minor: 1,
                micro: 3
            }
        );
        let error = result.unwrap_err();
        assert!(
            matches!(&error, QmpError::Garbage(text) if text.contains("this is not JSON")),
            "{error:?}"
        );
        assert!(error.is_fatal());
        // The event sent before the garbage still arrives, then the stream ends with it.
        assert_eq!(events.next().await.unwrap().name, "STOP");
        assert_eq!(events.next().await.unwrap_err(), error);
        assert_eq!(qmp.execute("query-status", None).await.unwrap_err(), error);
        // Dropping the last handle closes our side.
        drop(qmp);
        assert!(connection.client_closed(Duration::from_secs(5)).await);
    })
    .await;
}

#[tokio::test]
async fn a_reply_with_an_id_we_never_sent_is_garbage() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let peer = FakePeer::bind(dir.path());
        let server = async {
            let mut connection = peer.accept_negotiated().await;
            connection.command().await;
            connection.send(r#"{"return": {}, "id": 999999}"#).await;
            connection
        };
        let client = async {
            let (qmp, _, mut events) = Qmp::connect(&peer.path, Duration::from_secs(5))
                .await
                .unwrap();
            let result = qmp.execute("query-status", None).await;
            (result, events.next().await)
        };
        let (_connection, (result, end)) = tokio::join!(server, client);
        let error = result.unwrap_err();
        assert!(
            matches!(&error, QmpError::Garbage(text) if text.contains("unknown id 999999")),
            "{error:?}"
        );
        assert_eq!(end.unwrap_err(), error);
    })
    .await;
}

#[tokio::test]
async fn a_close_in_the_middle_of_a_reply_is_eof() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let peer = FakePeer::bind(dir.path());
        let server = async {
            let mut connection = peer.accept_negotiated().await;
            let command = connection.command().await;
            let id = command["id"].to_string();
            connection
                .send_raw(format!(r#"{{"id": {id}, "return": {{"stat"#).as_bytes())
                .await;
            drop(connection);
        };
        let client = async {
            let (qmp, _, mut events) = Qmp::connect(&peer.path, Duration::from_secs(5))
                .await
                .unwrap();
            let result = qmp.execute("query-status", None).await;
            (result, events.next().await)
        };
        let ((), (result, end)) = tokio::join!(server, client);
        assert_eq!(result.unwrap_err(), QmpError::Eof);
        assert_eq!(end.unwrap_err(), QmpError::Eof);
    })
    .await;
}

#[tokio::test]
async fn a_silent_peer_times_out_and_a_late_reply_is_dropped() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let peer = FakePeer::bind(dir.path());
        let timeout = Duration::from_millis(300);
        let (connected, mut connection) =
            tokio::join!(Qmp::connect(&peer.path, timeout), peer.accept_negotiated());
        let (qmp, _, mut events) = connected.unwrap();

        let started = Instant::now();
        let (result, first) = tokio::join!(qmp.execute("query-status", None), connection.command());
        let elapsed = started.elapsed();
        assert_eq!(
            result.unwrap_err(),
            QmpError::Timeout {
                command: "query-status".to_owned(),
                timeout
            }
        );
        assert!(elapsed >= timeout && elapsed < timeout * 4, "{elapsed:?}");

        // The late reply is dropped, not taken for garbage; the next command and an event
        // go through.
        connection.reply(&first, json!({ "status": "late" })).await;
        connection
            .event(
                "ACPI_DEVICE_OST",
                json!({ "info": { "device": "dimm1", "status": 1 } }),
            )
            .await;
        let (result, second) = tokio::join!(qmp.execute("query-name", None), async {
            let second = connection.command().await;
            connection.reply(&second, json!({ "name": "fake" })).await;
            second
        });
        assert_eq!(second["execute"], "query-name");
        assert_ne!(second["id"], first["id"]);
        assert_eq!(result.unwrap(), json!({ "name": "fake" }));
        let event = events.next().await.unwrap();
        assert_eq!(event.name, "ACPI_DEVICE_OST");
        assert_eq!(event.data["info"]["device"], "dimm1");
        assert_eq!(
            (event.timestamp.seconds, event.timestamp.microseconds),
            (1, 2)
        );
        assert_eq!(qmp.closed(), None);
    })
    .await;
}

#[tokio::test]
async fn a_peer_that_never_greets_times_out_and_a_wrong_greeting_is_garbage() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let peer = FakePeer::bind(dir.path());
        let timeout = Duration::from_millis(200);
        let (result, _silent) = tokio::join!(Qmp::connect(&peer.path, timeout), peer.accept());
        assert_eq!(
            result.unwrap_err(),
            QmpError::Timeout {
                command: "greeting".to_owned(),
                timeout
            }
        );

        let wrong = async {
            let mut connection = peer.accept().await;
            connection.send(r#"{"return": {}}"#).await;
            connection
        };
        let (result, _connection) = tokio::join!(Qmp::connect(&peer.path, timeout), wrong);
        assert!(matches!(result.unwrap_err(), QmpError::Garbage(_)));

        let missing = dir.path().join("missing.sock");
        let error = Qmp::connect(&missing, timeout).await.unwrap_err();
        assert!(
            matches!(&error, QmpError::Connect { path, .. } if *path == missing),
            "{error:?}"
        );
        // The fake greeting constant parses (keeps the helper honest).
        assert!(FAKE_GREETING.contains("\"major\": 9"));
    })
    .await;
}
