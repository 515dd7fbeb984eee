//! Helpers shared by the QEMU driver's integration tests: real qemu launches, the tiny guest
//! (built once, on demand), a fake QMP peer, and cleanup by pid.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::{
    ffi::OsString,
    future::Future,
    path::{Path, PathBuf},
    sync::OnceLock,
    time::Duration,
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{
        unix::{OwnedReadHalf, OwnedWriteHalf},
        UnixListener, UnixStream,
    },
};
use virtbus_qemu_driver::process::{Emulator, Launch};

/// The bound on every test.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The emulator the tests run (from PATH; scripts/ensure-qemu.sh installs it).
pub const QEMU: &str = "qemu-system-x86_64";

/// Runs a test body within [`TEST_TIMEOUT`].
pub async fn within<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("the test timed out")
}

/// The driver's own arguments for a guest with no OS: paused (`-S`), `-no-shutdown`, QMP on
/// `socket`.
pub fn qemu_args(socket: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-accel",
        "tcg",
        "-nodefaults",
        "-display",
        "none",
        "-m",
        "128",
        "-S",
        "-no-shutdown",
        "-qmp",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.push(format!("unix:{},server=on,wait=off", socket.display()).into());
    args.extend(extra.iter().map(OsString::from));
    args
}

/// A launch of real qemu in `dir` (socket `dir/qmp.sock`, log `dir/qemu.log`).
pub fn qemu_launch(dir: &Path, extra: &[&str]) -> Launch {
    let monitor_socket = dir.join("qmp.sock");
    Launch {
        program: PathBuf::from(QEMU),
        args: qemu_args(&monitor_socket, extra),
        monitor_socket,
        log_file: dir.join("qemu.log"),
        start_timeout: Duration::from_secs(10),
        command_timeout: Duration::from_secs(5),
    }
}

/// SIGKILLs the emulator when dropped (a failed assertion must not leave qemu running).
pub struct KillOnDrop(pub Emulator);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.signal(libc::SIGKILL);
    }
}

/// SIGKILLs a pid when dropped, for processes the tests start without an [`Emulator`].
pub struct KillPidOnDrop(pub u32);

impl Drop for KillPidOnDrop {
    fn drop(&mut self) {
        if !virtbus_qemu_driver::process::is_gone(self.0) {
            // SAFETY: kill takes a pid and a signal.
            unsafe { libc::kill(self.0 as libc::pid_t, libc::SIGKILL) };
        }
    }
}

/// The folder holding the tiny guest's `vmlinuz` and `initrd.gz`, built by
/// scripts/build-tiny-guest.sh the first time it is asked for (the script caches it).
pub fn tiny_guest() -> &'static Path {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        if let Some(folder) = std::env::var_os("VIRTBUS_TINY_GUEST_DIR").map(PathBuf::from) {
            if folder.join("vmlinuz").is_file() && folder.join("initrd.gz").is_file() {
                return folder;
            }
        }
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-tiny-guest.sh");
        let output = std::process::Command::new(&script)
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
        assert!(output.status.success(), "{} failed", script.display());
        let stdout = String::from_utf8(output.stdout).expect("the script prints a path");
        PathBuf::from(
            stdout
                .lines()
                .last()
                .expect("the script prints the folder")
                .trim(),
        )
    })
}

/// Waits until the file holds `needle`, polling every 20 ms.
pub async fn wait_for_text(path: &Path, needle: &str, timeout: Duration) {
    let wait = async {
        loop {
            if std::fs::read_to_string(path).is_ok_and(|text| text.contains(needle)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(timeout, wait).await.is_err() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        panic!(
            "'{needle}' did not appear in {} within {timeout:?}; it holds:\n{text}",
            path.display()
        );
    }
}

/// Whether any process is left in the process group `pgid`.
pub fn process_group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        let Some(end) = stat.rfind(')') else {
            return false;
        };
        // After the command name: state, ppid, pgrp.
        let fields: Vec<&str> = stat[end + 1..].split_whitespace().collect();
        fields.get(2) == Some(&pgid.to_string().as_str()) && fields.first() != Some(&"Z")
    })
}

/// The greeting a fake peer sends.
pub const FAKE_GREETING: &str = r#"{"QMP": {"version": {"qemu": {"micro": 3, "minor": 1, "major": 9}, "package": "fake"}, "capabilities": []}}"#;

/// A fake QMP peer: a Unix socket the test controls, for what real qemu cannot be made to do.
pub struct FakePeer {
    listener: UnixListener,
    /// The socket's path.
    pub path: PathBuf,
}

/// One accepted connection of a [`FakePeer`].
pub struct FakeConnection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl FakePeer {
    /// Listens on `dir/fake.sock`.
    pub fn bind(dir: &Path) -> FakePeer {
        let path = dir.join("fake.sock");
        FakePeer {
            listener: UnixListener::bind(&path).expect("bind the fake peer"),
            path,
        }
    }

    /// Accepts a client, without greeting it.
    pub async fn accept(&self) -> FakeConnection {
        let (stream, _) = self.listener.accept().await.expect("accept");
        let (reader, writer) = stream.into_split();
        FakeConnection {
            reader: BufReader::new(reader),
            writer,
        }
    }

    /// Accepts a client, greets it and answers its `qmp_capabilities`.
    pub async fn accept_negotiated(&self) -> FakeConnection {
        let mut connection = self.accept().await;
        connection.send(FAKE_GREETING).await;
        let command = connection.command().await;
        assert_eq!(command["execute"], "qmp_capabilities");
        connection.reply(&command, json!({})).await;
        connection
    }
}

impl FakeConnection {
    /// Writes raw bytes.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer
            .write_all(bytes)
            .await
            .expect("write to the client");
    }

    /// Writes one message line.
    pub async fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\r\n").as_bytes()).await;
    }

    /// Reads the next command the client sent.
    pub async fn command(&mut self) -> Value {
        let mut line = String::new();
        let read = self
            .reader
            .read_line(&mut line)
            .await
            .expect("read from the client");
        assert!(read > 0, "the client closed the connection");
        serde_json::from_str(&line).expect("the client sends JSON")
    }

    /// Answers `command` with `value`, echoing its id.
    pub async fn reply(&mut self, command: &Value, value: Value) {
        let reply = json!({ "return": value, "id": command["id"] });
        self.send(&reply.to_string()).await;
    }

    /// Sends an event.
    pub async fn event(&mut self, name: &str, data: Value) {
        let event = json!({ "event": name, "data": data, "timestamp": { "seconds": 1, "microseconds": 2 } });
        self.send(&event.to_string()).await;
    }

    /// Whether the client has closed its side (reads EOF within `timeout`).
    pub async fn client_closed(&mut self, timeout: Duration) -> bool {
        let mut line = String::new();
        matches!(
            tokio::time::timeout(timeout, self.reader.read_line(&mut line)).await,
            Ok(Ok(0))
        )
    }

    /// The raw stream halves, for tests that need them.
    pub fn into_parts(self) -> (BufReader<OwnedReadHalf>, OwnedWriteHalf) {
        (self.reader, self.writer)
    }
}

/// Connects a plain socket (for tests that drive the handshake themselves).
pub async fn connect(path: &Path) -> UnixStream {
    UnixStream::connect(path).await.expect("connect")
}

/// The extra arguments that boot the tiny guest: its serial console goes to `dir/serial.log`;
/// with `shell`, a root shell listens on the second serial port, `dir/shell.sock` (see
/// [`GuestShell`]). A pvpanic device lets the guest report a panic.
pub fn tiny_guest_args(dir: &Path, shell: bool) -> Vec<String> {
    let guest = tiny_guest();
    let mut append = "console=ttyS0 quiet panic=-1".to_owned();
    if shell {
        append.push_str(" virtbus.shell=1");
    }
    let mut args = vec![
        "-kernel".to_owned(),
        guest.join("vmlinuz").display().to_string(),
        "-initrd".to_owned(),
        guest.join("initrd.gz").display().to_string(),
        "-append".to_owned(),
        append,
        "-serial".to_owned(),
        format!("file:{}", dir.join("serial.log").display()),
    ];
    if shell {
        args.push("-serial".to_owned());
        args.push(format!(
            "unix:{},server=on,wait=off",
            dir.join("shell.sock").display()
        ));
    }
    args.extend(["-device".to_owned(), "pvpanic".to_owned()]);
    args
}

/// The tiny guest's root shell on its second serial port, to make the guest act by itself
/// (`poweroff -f`, `reboot -f`, `echo c >/proc/sysrq-trigger`).
pub struct GuestShell {
    stream: UnixStream,
}

impl GuestShell {
    /// Connects to `dir/shell.sock` (the guest must have printed GUEST-READY) and waits until
    /// the shell answers: what is typed before it opens the port is lost. The serial port is
    /// slow, so it probes once a second and drains every answer before returning.
    pub async fn connect(dir: &Path) -> GuestShell {
        let mut shell = GuestShell {
            stream: connect(&dir.join("shell.sock")).await,
        };
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
        if tokio::time::timeout(Duration::from_secs(15), answered)
            .await
            .is_err()
        {
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
    pub async fn run(&mut self, command: &str) {
        self.stream
            .write_all(format!("{command}\n").as_bytes())
            .await
            .expect("write to the guest shell");
    }
}

/// A guest started from a definition with the driver's real command line.
pub struct DefinedGuest {
    /// The emulator, its monitor, greeting and events.
    pub started: virtbus_qemu_driver::process::Started,
    /// SIGKILLs the emulator when dropped.
    pub guard: KillOnDrop,
    /// The live definition (defaults applied, aliases assigned).
    pub live: virtbus_core::model::DomainDef,
    /// The command line it was started with.
    pub command: virtbus_qemu_driver::command_line::CommandLine,
}

/// Parses `xml`, applies the define-time defaults and the live aliases as the driver does,
/// builds the command line (with `extra` arguments appended) and starts it paused in `dir`
/// (monitor `dir/m.sock`, log `dir/qemu.log`); sets the balloon target as the driver does.
pub async fn start_definition(xml: &str, dir: &Path, extra: &[OsString]) -> DefinedGuest {
    use virtbus_qemu_driver::{
        command_line::{build, defaults, live, machine_family, HostFacts, LaunchContext},
        emulator,
    };
    let mut def = virtbus_core::xml::parse_domain(xml).expect("the test XML parses");
    let emu =
        emulator::probe(&emulator::locate(def.devices.emulator.as_deref(), "x86_64").unwrap())
            .unwrap();
    defaults::apply(&mut def, &emu).unwrap();
    let family = machine_family(&def, &emu).unwrap();
    live::assign_aliases(&mut def, family).unwrap();
    let socket = dir.join("m.sock");
    let host = HostFacts::probe();
    let ctx = LaunchContext {
        emulator: &emu,
        host: &host,
        monitor_socket: &socket,
    };
    let command = build(&def, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let mut args = command.args.clone();
    args.extend(extra.iter().cloned());
    let launch = Launch {
        program: command.program.clone(),
        args,
        monitor_socket: socket,
        log_file: dir.join("qemu.log"),
        start_timeout: Duration::from_secs(10),
        command_timeout: Duration::from_secs(5),
    };
    let started = Emulator::spawn(&launch).await.expect("qemu starts");
    let guard = KillOnDrop(started.emulator.clone());
    if let Some(kib) = command.balloon_target_kib {
        started
            .monitor
            .execute("balloon", Some(json!({ "value": kib * 1024 })))
            .await
            .unwrap();
    }
    DefinedGuest {
        started,
        guard,
        live: def,
        command,
    }
}

/// The `status` of `query-status`.
pub async fn run_status(monitor: &virtbus_qemu_driver::qmp::Qmp) -> String {
    let status = monitor.execute("query-status", None).await.unwrap();
    status["status"].as_str().unwrap_or_default().to_owned()
}
