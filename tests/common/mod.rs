//! Integration-test harness: a private `dbus-daemon` per test and the real `virtbus` binary.
//!
//! # API (used by every `tests/*.rs`; keep it stable)
//!
//! ```ignore
//! mod common;
//! use common::{with_timeout, Service};
//!
//! #[tokio::test(flavor = "multi_thread")]
//! async fn example() {
//!     with_timeout(async {
//!         let service = Service::start().await;          // bus + virtbus, name owned
//!         let connect = common::connect_proxy(&service.conn).await;
//!         let domains = connect.list_domains(0).await.unwrap();
//!         let domain = common::domain_proxy(&service.conn, &domains[0]).await;
//!         assert_eq!(domain.name().await.unwrap(), "test");
//!     })
//!     .await;
//! }
//! ```
//!
//! - [`with_timeout`]`(future)`: runs a test body under [`TEST_TIMEOUT`] (30 s), panics with a
//!   clear message on expiry.
//! - [`Bus`]: `Bus::start()` starts `dbus-daemon --nofork --print-address` with its own config
//!   (session type, one unix socket in a temp dir, EXTERNAL auth, allow-all policy, no activation).
//!   `address()`, `pid()`, `connect().await`, `kill()`; killed on drop.
//! - [`Service`]: `Service::start().await` = a new [`Bus`] + `virtbus --address ADDR`, waits until
//!   `org.libvirt` has an owner (10 ms polls, 10 s limit; panics with the service's stderr).
//!   `Service::start_with_binary(path, args).await` runs any binary instead; `{address}` in `args`
//!   is replaced by the bus address and `DBUS_SESSION_BUS_ADDRESS` is always set, so
//!   `start_with_binary("/usr/sbin/libvirt-dbus", &["--session"])` targets the reference. If the
//!   environment variable `VIRTBUS_TEST_TARGET=libvirt-dbus` is set, `Service::start()` itself runs
//!   `/usr/sbin/libvirt-dbus --session` (to check the tests against the reference implementation).
//!   Fields/methods: `pub conn: zbus::Connection` (client connection on the same bus), `pid()`,
//!   `address()`, `bus()`, `process()`/`process_mut()` ([`Process`]), `is_alive()`, `stderr()`,
//!   `second_connection().await`. Drop kills the service, then the bus, by pid and reaps them.
//!   `Service::start_with_env(bin, args, env).await` adds environment variables.
//! - [`Process`]: a spawned child with stderr captured to a file: `spawn(bin, args, bus)`,
//!   `spawn_with_env`, `spawn_to(bin, args, bus, env, stderr_path)`, `pid()`, `signal(sig)`,
//!   `wait_exit(timeout).await`, `try_status()`, `stderr()`; killed and reaped on drop.
//! - Proxies ([`proxies`]): `ConnectProxy` / `DomainProxy` for every member of
//!   `org.libvirt.Connect` / `org.libvirt.Domain` (names pinned); build them with [`connect_proxy`]
//!   / [`domain_proxy`] (no property caching).
//! - Signals ([`signals`]): `SignalLog::subscribe(&conn).await` records every signal sent by
//!   `org.libvirt`; `next_where(pred, timeout)`, `collect_for(duration)`.
//! - Raw calls: [`call`] (method call to `org.libvirt`, returns the reply or the error as a
//!   [`Reply`]), [`libvirt_error`] (extracts an `org.libvirt.Error` text),
//!   [`assert_libvirt_error`]`(result, needle)`, [`error_parts`], [`body_signature`].
//! - Domains: [`define`] / [`create_transient`] (path + proxy), [`list_domains`] (sorted paths),
//!   [`state`], [`get_property`], [`domain_path`], [`domain_xml`], [`domain_xml_uuid`].
//! - `a{sv}` values: [`peel`] and `v_i32`/`v_u32`/`v_u64`/`v_bool`/`v_str` read a value whether or
//!   not it is wrapped in a second variant (libvirt-dbus double-wraps them).
//! - Constants: [`TEST_PATH`], [`TEST_DOMAIN_UUID`], [`TEST_DOMAIN_PATH`], [`NO_SUPPORT`].

#![allow(dead_code)]

pub mod guests;
pub mod proxies;
pub mod signals;
pub mod sweep;

use std::{
    fs::File,
    future::Future,
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, ExitStatus, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

pub use proxies::{ConnectProxy, DomainProxy};
use tempfile::TempDir;
use zbus::{proxy::CacheProperties, Connection};

/// Upper bound of every test body.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for the service to own its name.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// The bus name of the service.
pub const BUS_NAME: &str = "org.libvirt";
/// The object path of the embedded test driver's connection.
pub const TEST_PATH: &str = "/org/libvirt/Test";
/// UUID of the test driver's default domain `test`.
pub const TEST_DOMAIN_UUID: &str = "6695eb01-f6a4-8304-79aa-97f2502e193f";
/// Object path of the test driver's default domain `test`.
pub const TEST_DOMAIN_PATH: &str = "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f";
/// The libvirt error name used for every failure.
pub const LIBVIRT_ERROR: &str = "org.libvirt.Error";
/// Prefix of libvirt's "not supported" error text.
pub const NO_SUPPORT: &str = "this function is not supported by the connection driver";
/// The reference implementation (installed on the development machine).
pub const LIBVIRT_DBUS: &str = "/usr/sbin/libvirt-dbus";

/// Runs a test body under [`TEST_TIMEOUT`]; panics with a clear message on expiry.
pub async fn with_timeout<F: Future>(body: F) -> F::Output {
    match tokio::time::timeout(TEST_TIMEOUT, body).await {
        Ok(out) => out,
        Err(_) => panic!("test timed out after {:?}", TEST_TIMEOUT),
    }
}

/// Path of the `virtbus` binary under test.
pub fn virtbus_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_virtbus"))
}

/// True when the suite was asked to run against libvirt-dbus instead of virtbus.
pub fn targets_libvirt_dbus() -> bool {
    std::env::var("VIRTBUS_TEST_TARGET").is_ok_and(|v| v == "libvirt-dbus")
}

/// Sends `sig` to `pid`; returns false if the process does not exist any more.
pub fn send_signal(pid: u32, sig: i32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) has no memory-safety preconditions; pid is a child we spawned.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// A private `dbus-daemon` (session type, allow-all policy, no activation).
pub struct Bus {
    child: Child,
    // Kept open so that the daemon never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    address: String,
    dir: TempDir,
}

impl Bus {
    /// Starts the daemon and reads its address. Panics if it cannot start.
    pub fn start() -> Bus {
        let dir = tempfile::Builder::new()
            .prefix("virtbus-test-")
            .tempdir()
            .expect("temp dir");
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, bus_config(&socket)).expect("write bus config");
        let log = File::create(dir.path().join("bus.log")).expect("bus log");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn dbus-daemon");
        let mut stdout = BufReader::new(child.stdout.take().expect("dbus-daemon stdout"));
        let mut address = String::new();
        let read = stdout.read_line(&mut address);
        let address = address.trim().to_string();
        if read.is_err() || address.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("bus.log")).unwrap_or_default();
            panic!("dbus-daemon printed no address: {log}");
        }
        Bus {
            child,
            _stdout: stdout,
            address,
            dir,
        }
    }

    /// The bus address (`unix:path=...,guid=...`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The temp dir holding the socket, config and logs; removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A new client connection to this bus.
    pub async fn connect(&self) -> Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .build()
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.address))
    }

    /// Kills the daemon now (SIGKILL by pid) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.kill();
    }
}

fn bus_config(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

/// A child process with its stderr captured to a file; SIGKILLed and reaped on drop.
pub struct Process {
    child: Child,
    stderr_path: PathBuf,
    status: Option<ExitStatus>,
}

impl Process {
    /// Spawns `bin args...` with `DBUS_SESSION_BUS_ADDRESS` pointing at `bus`; `{address}`
    /// in `args` is replaced by the bus address. Stderr goes to a file in the bus's dir.
    pub fn spawn(bin: impl AsRef<Path>, args: &[&str], bus: &Bus) -> Process {
        Self::spawn_with_env(bin, args, bus, &[])
    }

    /// As [`Process::spawn`], with extra environment variables.
    pub fn spawn_with_env(
        bin: impl AsRef<Path>,
        args: &[&str],
        bus: &Bus,
        env: &[(&str, &str)],
    ) -> Process {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let stderr_path = bus.dir().join(format!(
            "stderr-{}.log",
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        Self::spawn_to(bin, args, bus, env, stderr_path)
    }

    /// As [`Process::spawn_with_env`], with stderr written to `stderr_path` (created or
    /// truncated, so a file made beforehand keeps its inode).
    pub fn spawn_to(
        bin: impl AsRef<Path>,
        args: &[&str],
        bus: &Bus,
        env: &[(&str, &str)],
        stderr_path: PathBuf,
    ) -> Process {
        let bin = bin.as_ref();
        let stderr = File::create(&stderr_path).expect("stderr file");
        let dir = bus.dir().display().to_string();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{address}", bus.address()).replace("{dir}", &dir))
            .collect();
        let mut cmd = Command::new(bin);
        // The QEMU driver's folders (XDG defaults of a session service) live in the bus's
        // folder: a test never sees another's definitions, nor the user's.
        let xdg = bus.dir().join("xdg");
        cmd.args(&args)
            .env("XDG_CONFIG_HOME", xdg.join("config"))
            .env("XDG_DATA_HOME", xdg.join("data"))
            .env("XDG_RUNTIME_DIR", xdg.join("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        Process {
            child,
            stderr_path,
            status: None,
        }
    }

    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the child wrote to stderr so far.
    pub fn stderr(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = File::open(&self.stderr_path) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// Sends a signal (e.g. `libc::SIGTERM`) by pid; false if the child is gone.
    pub fn signal(&mut self, sig: i32) -> bool {
        if self.try_status().is_some() {
            return false;
        }
        send_signal(self.pid(), sig)
    }

    /// The exit status if the child has exited (reaps it), else `None`.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.status = Some(status);
            }
        }
        self.status
    }

    /// True while the child is running.
    pub fn is_alive(&mut self) -> bool {
        self.try_status().is_none()
    }

    /// Waits up to `limit` for the child to exit (polling every 10 ms).
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_status() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGKILLs the child (if still running) and reaps it.
    pub fn kill(&mut self) {
        if self.try_status().is_none() {
            let _ = self.child.kill();
            if let Ok(status) = self.child.wait() {
                self.status = Some(status);
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `name` has an owner on `conn`'s bus, polling every 10 ms up to `limit`.
/// Returns false on expiry or if `process` exits first.
pub async fn wait_for_name(
    conn: &Connection,
    name: &str,
    process: &mut Process,
    limit: Duration,
) -> bool {
    let dbus = zbus::fdo::DBusProxy::new(conn).await.expect("DBus proxy");
    let name = zbus::names::BusName::try_from(name.to_string()).expect("bus name");
    let deadline = Instant::now() + limit;
    loop {
        if dbus.name_has_owner(name.clone()).await.unwrap_or(false) {
            return true;
        }
        if !process.is_alive() || Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A private bus with the service under test on it, owning `org.libvirt`.
/// The arguments of the service under test: the private bus, and the QEMU driver's folders
/// in the bus's folder (`{dir}`), so that no test touches the host's or another test's
/// definitions, whether the service runs as root (system folders) or not.
pub const VIRTBUS_ARGS: [&str; 12] = [
    "--address",
    "{address}",
    // The private bus has no polkitd: as root the service would default to polkit and deny
    // every call. tests/authz.rs starts the service with polkit.
    "--authorization",
    "none",
    "--config-dir",
    "{dir}/etc",
    "--data-dir",
    "{dir}/lib",
    "--run-dir",
    "{dir}/run",
    "--log-dir",
    "{dir}/log",
];

pub struct Service {
    process: Process,
    bus: Bus,
    /// A client connection to the same bus.
    pub conn: Connection,
}

impl Service {
    /// Starts a bus and `virtbus --address ADDR` (or libvirt-dbus if `VIRTBUS_TEST_TARGET` is
    /// `libvirt-dbus`) and waits until `org.libvirt` is owned.
    pub async fn start() -> Service {
        if targets_libvirt_dbus() {
            Self::start_with_binary(LIBVIRT_DBUS, &["--session"]).await
        } else {
            Self::start_with_binary(virtbus_bin(), &VIRTBUS_ARGS).await
        }
    }

    /// Starts a bus and `bin args...` (`{address}` replaced, `DBUS_SESSION_BUS_ADDRESS` set)
    /// and waits until `org.libvirt` is owned; panics with the child's stderr otherwise.
    pub async fn start_with_binary(bin: impl AsRef<Path>, args: &[&str]) -> Service {
        Self::start_with_env(bin, args, &[]).await
    }

    /// As [`Service::start_with_binary`], with extra environment variables.
    pub async fn start_with_env(
        bin: impl AsRef<Path>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Service {
        let bus = Bus::start();
        let mut process = Process::spawn_with_env(bin, args, &bus, env);
        let conn = bus.connect().await;
        if !wait_for_name(&conn, BUS_NAME, &mut process, START_TIMEOUT).await {
            let status = process.try_status();
            panic!(
                "service did not own {BUS_NAME} within {START_TIMEOUT:?} (exit status: {status:?}); stderr:\n{}",
                process.stderr()
            );
        }
        Service { process, bus, conn }
    }

    /// The service's pid.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The bus address.
    pub fn address(&self) -> &str {
        self.bus.address()
    }

    /// The private bus.
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// The private bus, mutably (e.g. to kill it).
    pub fn bus_mut(&mut self) -> &mut Bus {
        &mut self.bus
    }

    /// The service process.
    pub fn process(&self) -> &Process {
        &self.process
    }

    /// The service process, mutably (signals, exit status).
    pub fn process_mut(&mut self) -> &mut Process {
        &mut self.process
    }

    /// True while the service process runs.
    pub fn is_alive(&mut self) -> bool {
        self.process.is_alive()
    }

    /// The service's stderr so far.
    pub fn stderr(&self) -> String {
        self.process.stderr()
    }

    /// Another, independent client connection to the same bus.
    pub async fn second_connection(&self) -> Connection {
        self.bus.connect().await
    }

    /// A `org.libvirt.Connect` proxy on `/org/libvirt/Test` over `self.conn`.
    pub async fn connect_proxy(&self) -> ConnectProxy<'static> {
        connect_proxy(&self.conn).await
    }

    /// A `org.libvirt.Domain` proxy for `path` over `self.conn`.
    pub async fn domain_proxy(&self, path: &str) -> DomainProxy<'static> {
        domain_proxy(&self.conn, path).await
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Service first, then the bus; both by pid, both reaped.
        self.process.kill();
        self.bus.kill();
    }
}

/// A `org.libvirt.Connect` proxy for `/org/libvirt/Test`, without property caching.
pub async fn connect_proxy(conn: &Connection) -> ConnectProxy<'static> {
    ConnectProxy::builder(conn)
        .destination(BUS_NAME)
        .path(TEST_PATH)
        .cache_properties(CacheProperties::No)
        .build()
        .await
        .expect("Connect proxy")
}

/// A `org.libvirt.Domain` proxy for `path`, without property caching.
pub async fn domain_proxy(conn: &Connection, path: &str) -> DomainProxy<'static> {
    DomainProxy::builder(conn)
        .destination(BUS_NAME)
        .path(path.to_string())
        .cache_properties(CacheProperties::No)
        .build()
        .await
        .unwrap_or_else(|e| panic!("Domain proxy for {path}: {e}"))
}

/// The outcome of a raw method call.
#[derive(Debug)]
pub enum Reply {
    /// A method return.
    Ok(zbus::Message),
    /// An error reply: name and first string argument.
    Err { name: String, text: String },
    /// A failure that is not an error reply (bad call on our side, connection loss).
    Other(String),
}

impl Reply {
    /// The error name and text; panics if the reply is not an error.
    pub fn expect_err(&self) -> (&str, &str) {
        match self {
            Reply::Err { name, text } => (name, text),
            other => panic!("expected an error reply, got {other:?}"),
        }
    }

    /// The reply message; panics on an error.
    pub fn expect_ok(self) -> zbus::Message {
        match self {
            Reply::Ok(m) => m,
            other => panic!("expected a method return, got {other:?}"),
        }
    }

    /// True for an error reply.
    pub fn is_err(&self) -> bool {
        matches!(self, Reply::Err { .. })
    }
}

impl From<zbus::Result<zbus::Message>> for Reply {
    fn from(r: zbus::Result<zbus::Message>) -> Self {
        match r {
            Ok(m) => Reply::Ok(m),
            Err(zbus::Error::MethodError(name, text, _)) => Reply::Err {
                name: name.to_string(),
                text: text.unwrap_or_default(),
            },
            Err(zbus::Error::FDO(e)) => {
                let e = *e;
                let name = zbus::DBusError::name(&e).to_string();
                let text = zbus::DBusError::description(&e)
                    .unwrap_or_default()
                    .to_string();
                Reply::Err { name, text }
            }
            Err(e) => Reply::Other(e.to_string()),
        }
    }
}

/// Calls `interface.method` on `path` of `org.libvirt` with `body` and returns the outcome.
pub async fn call<B>(
    conn: &Connection,
    path: &str,
    interface: &str,
    method: &str,
    body: &B,
) -> Reply
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    conn.call_method(Some(BUS_NAME), path, Some(interface), method, body)
        .await
        .into()
}

/// The `(name, text)` of a zbus error, if it is an error reply.
pub fn error_parts(e: &zbus::Error) -> Option<(String, String)> {
    match e {
        zbus::Error::MethodError(name, text, _) => {
            Some((name.to_string(), text.clone().unwrap_or_default()))
        }
        zbus::Error::FDO(e) => Some((
            zbus::DBusError::name(e.as_ref()).to_string(),
            zbus::DBusError::description(e.as_ref())
                .unwrap_or_default()
                .to_string(),
        )),
        _ => None,
    }
}

/// The text of an `org.libvirt.Error`; panics (showing `e`) for anything else.
pub fn libvirt_error(e: &zbus::Error) -> String {
    match error_parts(e) {
        Some((name, text)) if name == LIBVIRT_ERROR => text,
        _ => panic!("expected {LIBVIRT_ERROR}, got {e:?}"),
    }
}

/// Asserts that `r` is an `org.libvirt.Error` whose text contains `needle`; returns the text.
#[track_caller]
pub fn assert_libvirt_error<T: std::fmt::Debug>(r: zbus::Result<T>, needle: &str) -> String {
    match r {
        Ok(v) => panic!("expected {LIBVIRT_ERROR} containing {needle:?}, got Ok({v:?})"),
        Err(e) => {
            let text = libvirt_error(&e);
            assert!(
                text.contains(needle),
                "error text {text:?} does not contain {needle:?}"
            );
            text
        }
    }
}

/// libvirt-dbus's object path for a domain UUID.
pub fn domain_path(uuid: &str) -> String {
    format!("{TEST_PATH}/domain/_{}", uuid.replace('-', "_"))
}

/// A minimal domain XML for the test driver (`type='test'`).
pub fn domain_xml(name: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><memory>1048576</memory>\
         <os><type>hvm</type></os></domain>"
    )
}

/// A minimal domain XML with a fixed UUID.
pub fn domain_xml_uuid(name: &str, uuid: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><uuid>{uuid}</uuid><memory>1048576</memory>\
         <os><type>hvm</type></os></domain>"
    )
}

/// Defines a domain from `xml` on the Test connection; returns its path and proxy.
pub async fn define(conn: &Connection, xml: &str) -> (String, DomainProxy<'static>) {
    let connect = connect_proxy(conn).await;
    let path = connect
        .domain_define_xml(xml)
        .await
        .unwrap_or_else(|e| panic!("DomainDefineXML failed: {e}\n{xml}"));
    let proxy = domain_proxy(conn, path.as_str()).await;
    (path.to_string(), proxy)
}

/// Creates (starts) a transient domain from `xml`; returns its path and proxy.
pub async fn create_transient(conn: &Connection, xml: &str) -> (String, DomainProxy<'static>) {
    let connect = connect_proxy(conn).await;
    let path = connect
        .domain_create_xml(xml, 0)
        .await
        .unwrap_or_else(|e| panic!("DomainCreateXML failed: {e}\n{xml}"));
    let proxy = domain_proxy(conn, path.as_str()).await;
    (path.to_string(), proxy)
}

/// The paths `ListDomains(flags)` returns, sorted.
pub async fn list_domains(conn: &Connection, flags: u32) -> Vec<String> {
    let connect = connect_proxy(conn).await;
    let mut v: Vec<String> = connect
        .list_domains(flags)
        .await
        .unwrap_or_else(|e| panic!("ListDomains({flags}) failed: {e}"))
        .iter()
        .map(|p| p.to_string())
        .collect();
    v.sort();
    v
}

/// Reads one `org.libvirt.Domain` property through `org.freedesktop.DBus.Properties.Get`.
pub async fn get_property(
    conn: &Connection,
    path: &str,
    name: &str,
) -> zbus::Result<zbus::OwnedVariant> {
    let props = zbus::fdo::PropertiesProxy::builder(conn)
        .destination(BUS_NAME)
        .path(path.to_string())
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    let iface = if path == TEST_PATH {
        "org.libvirt.Connect"
    } else {
        "org.libvirt.Domain"
    };
    props
        .get(zbus::names::InterfaceName::try_from(iface)?, name)
        .await
        .map_err(Into::into)
}

/// The `(state, reason)` of the domain at `path`.
pub async fn state(domain: &DomainProxy<'_>) -> (i32, i32) {
    domain.get_state(0).await.expect("GetState")
}

/// The innermost value of a variant. libvirt-dbus wraps `a{sv}` values (typed parameters,
/// `GetAll`) in a second variant; peeling makes the same assertions hold for both services.
pub fn peel<'a>(v: &'a zbus::Variant<'a>) -> &'a zbus::Variant<'a> {
    match v {
        zbus::Variant::Variant(inner) => peel(inner),
        other => other,
    }
}

/// A dict value as `i32`; panics with the value otherwise.
#[track_caller]
pub fn v_i32(v: &zbus::OwnedVariant) -> i32 {
    match peel(v) {
        zbus::Variant::I32(x) => *x,
        other => panic!("expected i, got {other:?}"),
    }
}

/// A dict value as `u32`; panics with the value otherwise.
#[track_caller]
pub fn v_u32(v: &zbus::OwnedVariant) -> u32 {
    match peel(v) {
        zbus::Variant::U32(x) => *x,
        other => panic!("expected u, got {other:?}"),
    }
}

/// A dict value as `u64`; panics with the value otherwise.
#[track_caller]
pub fn v_u64(v: &zbus::OwnedVariant) -> u64 {
    match peel(v) {
        zbus::Variant::U64(x) => *x,
        other => panic!("expected t, got {other:?}"),
    }
}

/// A dict value as `bool`; panics with the value otherwise.
#[track_caller]
pub fn v_bool(v: &zbus::OwnedVariant) -> bool {
    match peel(v) {
        zbus::Variant::Bool(x) => *x,
        other => panic!("expected b, got {other:?}"),
    }
}

/// A dict value as a string; panics with the value otherwise.
#[track_caller]
pub fn v_str(v: &zbus::OwnedVariant) -> String {
    match peel(v) {
        zbus::Variant::Str(x) => x.to_string(),
        other => panic!("expected s, got {other:?}"),
    }
}

/// The D-Bus signature of a message body as it is on the wire ("oii"); zbus shows a
/// multi-argument body as one structure ("(oii)").
pub fn body_signature(msg: &zbus::Message) -> String {
    msg.body().signature().to_string_no_parens()
}
