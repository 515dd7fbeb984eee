//! Per-call authorization against the real thing: a private system bus (a copy of this
//! machine's system bus configuration plus the project's `data/org.libvirt.conf`), a real
//! polkitd with the project's `polkit/org.libvirt.api.policy` installed, and the service
//! running as its account `virtbus` with `--authorization polkit`. Callers are separate
//! processes (`gdbus call` under `setpriv`): root, `nobody` and `daemon`, the last two with
//! the supplementary group `libvirt` that the bus policy lets in.
//!
//! Needs root, polkitd and the `virtbus` account (scripts/ensure-polkit.sh, run by
//! scripts/test.sh). polkitd reads actions and rules only from the machine's directories,
//! so these tests change them for their duration: libvirt's own
//! `/usr/share/polkit-1/actions/org.libvirt.api.policy` (same action ids) is moved aside and
//! put back, and rules go to `/etc/polkit-1/rules.d/` under names of their own. The tests of
//! this file run one at a time; no other suite may change polkit's files meanwhile.
//!
//! Facts of polkit that shape them: root is always authorized; without logind nobody has a
//! session, so only `allow_any` and rules apply.

mod common;

use std::{
    collections::HashMap,
    future::poll_fn,
    path::{Path, PathBuf},
    pin::Pin,
    process::Stdio,
    time::{Duration, Instant},
};

use common::{virtbus_bin, TEST_DOMAIN_PATH, TEST_PATH};
use futures_core::Stream;
use tokio::process::{Child, Command};
use virtbus::authz::table::{self, Member};
use zbus::{Connection, MessageStream, OwnedVariant};
use zbus_xml::{ArgDirection, Node, PropertyAccess};

/// How long one test may take, start-up and clean-up included.
const TEST_LIMIT: Duration = Duration::from_secs(120);
/// How long a started process may take to own its name.
const START_LIMIT: Duration = Duration::from_secs(15);
/// How long one `gdbus call` may take.
const CALL_LIMIT: Duration = Duration::from_secs(20);
/// How long polkitd may take to notice a rules file (it watches the directory).
const RELOAD_LIMIT: Duration = Duration::from_secs(15);

/// polkitd.
const POLKITD: &str = "/usr/lib/polkit-1/polkitd";
/// Where polkitd reads actions and where our actions file goes.
const ACTIONS: &str = "/usr/share/polkit-1/actions/org.libvirt.api.policy";
/// Where libvirt's actions file waits while a test runs.
const ACTIONS_SAVED: &str = "/usr/share/polkit-1/actions/org.libvirt.api.policy.virtbus-test-saved";
/// Where rules files of the tests go.
const RULES_DIR: &str = "/etc/polkit-1/rules.d";

/// The tests change machine-wide polkit files: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `body` under [`TEST_LIMIT`]; on expiry everything it started is killed as its guards
/// drop.
async fn limited<F: std::future::Future>(body: F) -> F::Output {
    match tokio::time::timeout(TEST_LIMIT, body).await {
        Ok(out) => out,
        Err(_) => panic!("test timed out after {TEST_LIMIT:?}"),
    }
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Panics unless this machine can run these tests, saying what is missing.
fn require_environment() {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(
        root,
        "tests/authz.rs must run as root (it starts polkitd and switches users)"
    );
    assert!(
        Path::new(POLKITD).exists(),
        "{POLKITD} is missing: run scripts/test.sh (scripts/ensure-polkit.sh installs polkitd)"
    );
    let account = std::process::Command::new("id")
        .args(["-u", "virtbus"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        account,
        "no account virtbus: run scripts/test.sh (scripts/ensure-polkit.sh creates it)"
    );
}

/// A child process, killed by pid when dropped.
struct Proc {
    child: Child,
    name: &'static str,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &'static str, mut cmd: Command, log: PathBuf) -> Proc {
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .current_dir("/")
            .kill_on_drop(true);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        Proc { child, name, log }
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process (SIGKILL, by pid) and reaps it.
    async fn stop(&mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            common::send_signal(pid, libc::SIGKILL);
        }
    }
}

/// Our actions file in polkit's directory for the life of the guard; libvirt's file, if
/// any, is moved aside meanwhile and put back after.
struct ActionsInstalled;

impl ActionsInstalled {
    fn install() -> Self {
        let ours = std::fs::read(repo("polkit/org.libvirt.api.policy")).unwrap();
        if Path::new(ACTIONS).exists() && !Path::new(ACTIONS_SAVED).exists() {
            let current = std::fs::read(ACTIONS).unwrap();
            if current != ours {
                std::fs::rename(ACTIONS, ACTIONS_SAVED).expect("move libvirt's actions aside");
            }
        }
        std::fs::write(ACTIONS, ours).expect("install the actions file");
        ActionsInstalled
    }
}

impl Drop for ActionsInstalled {
    fn drop(&mut self) {
        if Path::new(ACTIONS_SAVED).exists() {
            let _ = std::fs::rename(ACTIONS_SAVED, ACTIONS);
        } else {
            let _ = std::fs::remove_file(ACTIONS);
        }
    }
}

/// A rules file in `/etc/polkit-1/rules.d`, removed when dropped.
struct RulesFile(PathBuf);

impl RulesFile {
    /// Installs the example `polkit/rules.d/<example>` with `from` replaced by `to`.
    fn example(example: &str, from: &str, to: &str) -> RulesFile {
        let text = std::fs::read_to_string(repo(&format!("polkit/rules.d/{example}"))).unwrap();
        let path =
            Path::new(RULES_DIR).join(format!("40-virtbus-test-{}-{example}", std::process::id()));
        std::fs::write(&path, text.replace(from, to)).expect("write the rules file");
        RulesFile(path)
    }
}

impl Drop for RulesFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The private system bus's configuration: this machine's, listening on our socket, with
/// absolute include dirs and the project's policy file, without the daemon options.
fn bus_config(dir: &Path) -> String {
    let system = std::fs::read_to_string("/usr/share/dbus-1/system.conf").expect("system.conf");
    let mut out = String::new();
    for line in system.lines() {
        let t = line.trim();
        if [
            "<user>",
            "<fork/>",
            "<standard_system_servicedirs/>",
            "<servicehelper>",
        ]
        .iter()
        .chain(&["<pidfile>", "<syslog/>"])
        .any(|tag| t.starts_with(tag))
        {
            continue;
        }
        if t.starts_with("<listen>") {
            out.push_str(&format!(
                "<listen>unix:path={}/system_bus_socket</listen>\n",
                dir.display()
            ));
        } else if t == "<includedir>system.d</includedir>" {
            out.push_str("<includedir>/usr/share/dbus-1/system.d</includedir>\n");
            out.push_str(&format!(
                "<includedir>{}/system.d</includedir>\n",
                dir.display()
            ));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The whole stack: bus, polkitd, service.
struct Stack {
    // Dropped in this order: the service, polkitd, the bus, then the files.
    service: Proc,
    polkitd: Proc,
    bus: Proc,
    _actions: ActionsInstalled,
    _dir: tempfile::TempDir,
    address: String,
    /// A root connection to the bus.
    conn: Connection,
}

impl Stack {
    async fn start() -> Stack {
        require_environment();
        let dir = tempfile::Builder::new()
            .prefix("virtbus-authz-")
            .tempdir()
            .unwrap();
        // Other users (the service, polkitd, callers) reach the socket.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("system.d")).unwrap();
        std::fs::copy(
            repo("data/org.libvirt.conf"),
            dir.path().join("system.d/org.libvirt.conf"),
        )
        .unwrap();
        let config = dir.path().join("system-bus.conf");
        std::fs::write(&config, bus_config(dir.path())).unwrap();
        let address = format!("unix:path={}/system_bus_socket", dir.path().display());
        let actions = ActionsInstalled::install();

        let mut cmd = Command::new("dbus-daemon");
        cmd.arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile"]);
        let bus = Proc::spawn("dbus-daemon", cmd, dir.path().join("bus.log"));
        let conn = connect(&address, &bus).await;

        let mut cmd = Command::new(POLKITD);
        cmd.arg("--no-debug")
            .env("DBUS_SYSTEM_BUS_ADDRESS", &address);
        let mut polkitd = Proc::spawn("polkitd", cmd, dir.path().join("polkitd.log"));
        wait_for_owner(&conn, "org.freedesktop.PolicyKit1", &mut polkitd).await;

        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=virtbus", "--regid=virtbus", "--clear-groups"])
            .arg(virtbus_bin())
            .args(["--address", &address, "--connections", "test"])
            .args(["--authorization", "polkit", "--log-level", "debug"]);
        let mut service = Proc::spawn("virtbus", cmd, dir.path().join("virtbus.log"));
        wait_for_owner(&conn, "org.libvirt", &mut service).await;
        Stack {
            service,
            polkitd,
            bus,
            _actions: actions,
            _dir: dir,
            address,
            conn,
        }
    }

    /// Calls `interface.member` on `path` with `args` (GVariant text) as `caller`.
    async fn call(
        &self,
        caller: Caller,
        path: &str,
        member: &str,
        args: &[&str],
        interactive: bool,
    ) -> Reply {
        let mut cmd = Command::new("setpriv");
        cmd.args(caller.setpriv())
            .args(["gdbus", "call", "--system", "--dest", "org.libvirt"])
            .args(["--object-path", path, "--method", member])
            .args(if interactive {
                &["--interactive"][..]
            } else {
                &[]
            })
            .args(["--timeout", "15", "--"])
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .current_dir("/")
            .kill_on_drop(true);
        let out = tokio::time::timeout(CALL_LIMIT, cmd.output())
            .await
            .unwrap_or_else(|_| panic!("gdbus call {member} did not finish"))
            .expect("run gdbus");
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if out.status.success() {
            Reply::Ok(stdout)
        } else {
            // "Error: GDBus.Error:org.libvirt.Error: access denied"
            let text = stderr
                .lines()
                .find_map(|l| l.strip_prefix("Error: GDBus.Error:"))
                .unwrap_or(&stderr);
            match text.split_once(": ") {
                Some((name, message)) => Reply::Err(name.to_owned(), message.to_owned()),
                None => Reply::Err(String::new(), text.to_owned()),
            }
        }
    }

    fn logs(&self) -> String {
        format!(
            "--- virtbus:\n{}\n--- polkitd:\n{}\n--- bus:\n{}",
            self.service.log(),
            self.polkitd.log(),
            self.bus.log()
        )
    }
}

/// A root connection to the bus at `address`, once the daemon listens.
async fn connect(address: &str, bus: &Proc) -> Connection {
    let deadline = Instant::now() + START_LIMIT;
    loop {
        match zbus::connection::Builder::address(address).build().await {
            Ok(conn) => return conn,
            Err(e) if Instant::now() > deadline => panic!("bus: {e}\n{}", bus.log()),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Waits until `name` has an owner; panics with the process's log otherwise.
async fn wait_for_owner(conn: &Connection, name: &str, process: &mut Proc) {
    let dbus = zbus::fdo::DBusProxy::new(conn).await.unwrap();
    let bus_name = zbus::names::BusName::try_from(name.to_owned()).unwrap();
    let deadline = Instant::now() + START_LIMIT;
    while !dbus.name_has_owner(bus_name.clone()).await.unwrap_or(false) {
        let exited = process.child.try_wait().ok().flatten();
        if exited.is_some() || Instant::now() > deadline {
            panic!(
                "{} (pid {}) did not own {name}: {exited:?}\n{}",
                process.name,
                process.pid(),
                process.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Root,
    /// `nobody`, with the supplementary group `libvirt` (let in by the bus policy).
    Nobody,
    /// `nobody` without any supplementary group (refused by the bus policy).
    NobodyOutsideLibvirt,
    /// `daemon`, with the supplementary group `libvirt`; its own group `daemon` is what
    /// group rules name.
    Daemon,
}

impl Caller {
    fn setpriv(self) -> Vec<&'static str> {
        match self {
            Caller::Root => vec!["--reuid=root", "--regid=root", "--clear-groups"],
            Caller::Nobody => vec!["--reuid=nobody", "--regid=nogroup", "--groups=libvirt"],
            Caller::NobodyOutsideLibvirt => {
                vec!["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
            }
            Caller::Daemon => vec!["--reuid=daemon", "--regid=daemon", "--groups=libvirt"],
        }
    }
}

/// What a call got back.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    Ok(String),
    /// Error name and message.
    Err(String, String),
}

impl Reply {
    fn is_access_denied(&self) -> bool {
        matches!(self, Reply::Err(name, text)
            if name == "org.libvirt.Error" && text.starts_with("access denied"))
    }
}

/// A value of D-Bus type `sig` (one complete type) in GVariant text, with its type written
/// out so that gdbus needs no introspection to parse it.
fn gvariant_default(sig: &str) -> String {
    let basic = match sig {
        "b" => Some("false"),
        "y" => Some("byte 0"),
        "n" => Some("int16 0"),
        "q" => Some("uint16 0"),
        "i" => Some("int32 0"),
        "u" => Some("uint32 0"),
        "x" => Some("int64 0"),
        "t" => Some("uint64 0"),
        "d" => Some("0.0"),
        "s" => Some("''"),
        "o" => Some("objectpath '/'"),
        "g" => Some("signature ''"),
        "h" => Some("handle 0"),
        "v" => Some("<''>"),
        _ => None,
    };
    if let Some(basic) = basic {
        return basic.to_owned();
    }
    if let Some(inner) = sig.strip_prefix('a') {
        return if inner.starts_with('{') {
            format!("@{sig} {{}}")
        } else {
            format!("@{sig} []")
        };
    }
    let fields = common::sweep::split_signature(&sig[1..sig.len() - 1]);
    let parts: Vec<String> = fields.iter().map(|f| gvariant_default(f)).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// One call of every member of every interface, with arguments of its signature: (interface,
/// member as the table names it, method to call, arguments).
fn every_member() -> Vec<(String, Member<'static>, String, Vec<String>)> {
    let mut calls = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(repo("interfaces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let node = Node::from_reader(text.as_bytes()).unwrap();
        for iface in node.interfaces() {
            let name = iface.name().to_string();
            for m in iface.methods() {
                let member: &'static str = m.name().to_string().leak();
                let args = m
                    .args()
                    .iter()
                    .filter(|a| a.direction() != Some(ArgDirection::Out))
                    .map(|a| gvariant_default(&a.ty().to_string()))
                    .collect();
                calls.push((
                    name.clone(),
                    Member::Method(member),
                    format!("{name}.{member}"),
                    args,
                ));
            }
            for p in iface.properties() {
                let prop: &'static str = p.name().to_string().leak();
                let readable =
                    matches!(p.access(), PropertyAccess::Read | PropertyAccess::ReadWrite);
                let writable = matches!(
                    p.access(),
                    PropertyAccess::Write | PropertyAccess::ReadWrite
                );
                if readable {
                    calls.push((
                        name.clone(),
                        Member::Get(prop),
                        "org.freedesktop.DBus.Properties.Get".into(),
                        vec![format!("'{name}'"), format!("'{prop}'")],
                    ));
                }
                if writable {
                    let value = gvariant_default(&p.ty().to_string());
                    calls.push((
                        name.clone(),
                        Member::Set(prop),
                        "org.freedesktop.DBus.Properties.Set".into(),
                        vec![
                            format!("'{name}'"),
                            format!("'{prop}'"),
                            format!("<{value}>"),
                        ],
                    ));
                }
            }
        }
    }
    calls
}

/// One object path per interface, from the root's `GetManagedObjects` of the test driver,
/// and a made-up one for an interface with no object there (the check comes before the
/// object is looked up).
async fn object_paths(conn: &Connection) -> HashMap<String, String> {
    type Managed = HashMap<zbus::OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>>;
    let reply = conn
        .call_method(
            Some("org.libvirt"),
            TEST_PATH,
            Some("org.freedesktop.DBus.ObjectManager"),
            "GetManagedObjects",
            &(),
        )
        .await
        .expect("GetManagedObjects as root");
    let managed: Managed = reply.body().deserialize().unwrap();
    let mut paths = HashMap::new();
    paths.insert("org.libvirt.Connect".to_owned(), TEST_PATH.to_owned());
    paths.insert("org.libvirt.Domain".to_owned(), TEST_DOMAIN_PATH.to_owned());
    for (path, interfaces) in managed {
        for iface in interfaces.keys() {
            paths
                .entry(iface.clone())
                .or_insert_with(|| path.to_string());
        }
    }
    // Objects the test driver has none of: any element routes to the interface.
    for (interface, element) in [
        (
            "org.libvirt.DomainSnapshot",
            "domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f_736e6170",
        ),
        (
            "org.libvirt.NWFilter",
            "nwfilter/_0d3e1a9c_43c4_4bd1_9e03_8a3b1e6c3f11",
        ),
        (
            "org.libvirt.Secret",
            "secret/_0d3e1a9c_43c4_4bd1_9e03_8a3b1e6c3f12",
        ),
        ("org.libvirt.StorageVol", "storagevol/_6b6579"),
        ("org.libvirt.NodeDevice", "nodedev/computer"),
        ("org.libvirt.Interface", "interface/eth1"),
    ] {
        paths
            .entry(interface.to_owned())
            .or_insert_with(|| format!("{TEST_PATH}/{element}"));
    }
    paths
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bus_policy_lets_in_root_and_group_libvirt_only() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let list = |caller| {
            stack.call(
                caller,
                TEST_PATH,
                "org.libvirt.Connect.ListDomains",
                &["uint32 0"],
                false,
            )
        };
        match list(Caller::NobodyOutsideLibvirt).await {
            Reply::Err(name, _) => assert_eq!(name, "org.freedesktop.DBus.Error.AccessDenied"),
            other => panic!("nobody outside group libvirt got {other:?}"),
        }
        for caller in [Caller::Root, Caller::Nobody] {
            let reply = list(caller).await;
            assert!(
                matches!(&reply, Reply::Ok(out) if out.contains(TEST_DOMAIN_PATH)),
                "{caller:?}: {reply:?}\n{}",
                stack.logs()
            );
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn polkit_denies_nobody_every_write_member_and_allows_the_reads() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let paths = object_paths(&stack.conn).await;
        let mut wrong = Vec::new();
        let mut writes = 0;
        for (interface, member, method, args) in every_member() {
            let entry = table::lookup(&interface, member)
                .unwrap_or_else(|| panic!("{interface} {member:?} is in the table"));
            let needs: Vec<_> = entry.required(0).collect();
            let write = needs.iter().any(|p| !p.is_anonymous());
            let path = paths
                .get(&interface)
                .unwrap_or_else(|| panic!("a path for {interface}"));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let reply = stack
                .call(Caller::Nobody, path, &method, &args, false)
                .await;
            if write {
                writes += 1;
            }
            if reply.is_access_denied() != write {
                wrong.push(format!(
                    "{interface} {member:?} (needs {needs:?}): {reply:?}"
                ));
            }
        }
        assert!(writes > 100, "only {writes} write members");
        // A property that does not exist is refused as such, not with "access denied".
        let nope = stack
            .call(
                Caller::Nobody,
                TEST_DOMAIN_PATH,
                "org.freedesktop.DBus.Properties.Set",
                &["'org.libvirt.Domain'", "'Nope'", "<true>"],
                false,
            )
            .await;
        assert!(
            matches!(&nope, Reply::Err(name, _) if name.starts_with("org.freedesktop.DBus.Error.")),
            "{nope:?}"
        );
        assert!(wrong.is_empty(), "{wrong:#?}\n{}", stack.logs());
        // Nothing was done: the test domain still runs, under its name.
        let reply = stack
            .call(
                Caller::Root,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.GetState",
                &["uint32 0"],
                false,
            )
            .await;
        assert_eq!(reply, Reply::Ok("((1, 0),)".into()), "{}", stack.logs());
        // Root is authorized by polkit for everything.
        let reply = stack
            .call(
                Caller::Root,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.Suspend",
                &[],
                false,
            )
            .await;
        assert_eq!(reply, Reply::Ok("()".into()), "{}", stack.logs());
    })
    .await
}

/// `GetState` of the test domain as `caller`.
async fn get_state(stack: &Stack, caller: Caller) -> Reply {
    stack
        .call(
            caller,
            TEST_DOMAIN_PATH,
            "org.libvirt.Domain.GetState",
            &["uint32 0"],
            false,
        )
        .await
}

/// Calls `Suspend` then `Resume` on the test domain as `caller`, until both succeed or until
/// `limit`; whether they did.
async fn can_manage(stack: &Stack, caller: Caller, path: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let reply = stack
            .call(caller, path, "org.libvirt.Domain.Suspend", &[], false)
            .await;
        if reply == Reply::Ok("()".into()) {
            let resumed = stack
                .call(caller, path, "org.libvirt.Domain.Resume", &[], false)
                .await;
            assert_eq!(resumed, Reply::Ok("()".into()), "{}", stack.logs());
            return true;
        }
        assert!(reply.is_access_denied(), "{reply:?}\n{}", stack.logs());
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rules_file_takes_effect_and_goes_without_restarting_the_service() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let service_pid = stack.service.pid();
        // Denied, and the denial is cached.
        assert!(!can_manage(&stack, Caller::Daemon, TEST_DOMAIN_PATH, Duration::ZERO).await);
        let rules = RulesFile::example("60-virtbus-admin.rules", "virtbus-admin", "daemon");
        assert!(
            can_manage(&stack, Caller::Daemon, TEST_DOMAIN_PATH, RELOAD_LIMIT).await,
            "the group rule never applied\n{}",
            stack.logs()
        );
        // Not another user.
        assert!(!can_manage(&stack, Caller::Nobody, TEST_DOMAIN_PATH, Duration::ZERO).await);
        // The allowance is cached, and dropped when polkit says its rules changed.
        drop(rules);
        let deadline = Instant::now() + RELOAD_LIMIT;
        loop {
            let reply = stack
                .call(
                    Caller::Daemon,
                    TEST_DOMAIN_PATH,
                    "org.libvirt.Domain.Suspend",
                    &[],
                    false,
                )
                .await;
            if reply.is_access_denied() {
                break;
            }
            assert_eq!(reply, Reply::Ok("()".into()));
            let _ = stack
                .call(
                    Caller::Daemon,
                    TEST_DOMAIN_PATH,
                    "org.libvirt.Domain.Resume",
                    &[],
                    false,
                )
                .await;
            assert!(
                Instant::now() < deadline,
                "still allowed after the rule went\n{}",
                stack.logs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(stack.service.pid(), service_pid);
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_read_only_rule_refuses_changes_without_a_prompt() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let pool = object_paths(&stack.conn).await["org.libvirt.StoragePool"].clone();
        let list_volumes = || {
            stack.call(
                Caller::Daemon,
                &pool,
                "org.libvirt.StoragePool.ListStorageVolumes",
                &["uint32 0"],
                false,
            )
        };
        // storage-pool.search-storage-vols is no read libvirt grants anyone by default; the
        // rule grants it, which shows it was loaded.
        let before = list_volumes().await;
        assert!(before.is_access_denied(), "{before:?}");
        let _rules = RulesFile::example("60-virtbus-readonly.rules", "virtbus-readonly", "daemon");
        let deadline = Instant::now() + RELOAD_LIMIT;
        loop {
            let reply = list_volumes().await;
            if matches!(reply, Reply::Ok(_)) {
                break;
            }
            assert!(reply.is_access_denied(), "{reply:?}");
            assert!(Instant::now() < deadline, "never allowed\n{}", stack.logs());
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let xml = stack
            .call(
                Caller::Daemon,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.GetXMLDesc",
                &["uint32 0"],
                false,
            )
            .await;
        assert!(
            matches!(&xml, Reply::Ok(x) if x.contains("<domain")),
            "{xml:?}"
        );
        let secure = stack
            .call(
                Caller::Daemon,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.GetXMLDesc",
                &["uint32 1"],
                false,
            )
            .await;
        assert!(secure.is_access_denied(), "{secure:?}");
        assert!(!can_manage(&stack, Caller::Daemon, TEST_DOMAIN_PATH, Duration::ZERO).await);
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_per_name_rule_lets_a_user_manage_their_domains_and_no_other() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let xml = "<domain type='test'><name>nobody-vm</name><memory>8192</memory>\
                   <os><type>hvm</type></os></domain>";
        let xml_arg = format!("\"{xml}\"");
        let defined = stack
            .call(
                Caller::Root,
                TEST_PATH,
                "org.libvirt.Connect.DomainDefineXML",
                &[xml_arg.as_str()],
                false,
            )
            .await;
        let Reply::Ok(out) = defined else {
            panic!("{defined:?}\n{}", stack.logs());
        };
        let path = out
            .split('\'')
            .nth(1)
            .unwrap_or_else(|| panic!("a path in {out}"))
            .to_owned();
        let _rules = RulesFile::example("60-virtbus-own-domains.rules", "", "");
        let deadline = Instant::now() + RELOAD_LIMIT;
        loop {
            let reply = stack
                .call(
                    Caller::Nobody,
                    &path,
                    "org.libvirt.Domain.Create",
                    &["uint32 0"],
                    false,
                )
                .await;
            if reply == Reply::Ok("()".into()) {
                break;
            }
            assert!(reply.is_access_denied(), "{reply:?}\n{}", stack.logs());
            assert!(Instant::now() < deadline, "never allowed\n{}", stack.logs());
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(can_manage(&stack, Caller::Nobody, &path, Duration::ZERO).await);
        let destroy = stack
            .call(
                Caller::Nobody,
                &path,
                "org.libvirt.Domain.Destroy",
                &["uint32 0"],
                false,
            )
            .await;
        assert_eq!(destroy, Reply::Ok("()".into()));
        // Not another user's domain, and not deleting their own.
        assert!(!can_manage(&stack, Caller::Nobody, TEST_DOMAIN_PATH, Duration::ZERO).await);
        let undefine = stack
            .call(
                Caller::Nobody,
                &path,
                "org.libvirt.Domain.Undefine",
                &["uint32 0"],
                false,
            )
            .await;
        assert!(undefine.is_access_denied(), "{undefine:?}");
        // Defining a domain named after oneself, and only that.
        for (name, allowed) in [("nobody-new", true), ("somebody", false)] {
            let xml = format!(
                "\"<domain type='test'><name>{name}</name><memory>8192</memory>\
                 <os><type>hvm</type></os></domain>\""
            );
            let reply = stack
                .call(
                    Caller::Nobody,
                    TEST_PATH,
                    "org.libvirt.Connect.DomainDefineXML",
                    &[&xml],
                    false,
                )
                .await;
            assert_eq!(matches!(reply, Reply::Ok(_)), allowed, "{name}: {reply:?}");
            assert_eq!(reply.is_access_denied(), !allowed, "{name}: {reply:?}");
        }
        // daemon owns no domain named nobody-*.
        assert!(!can_manage(&stack, Caller::Daemon, &path, Duration::ZERO).await);
    })
    .await
}

/// The `CheckAuthorization` calls seen on the bus: (action id, details, flags, subject's
/// bus name).
type Checks = Vec<(String, HashMap<String, String>, u32, String)>;

/// Watches the bus as a monitor (root may) for the service's `CheckAuthorization` calls.
async fn monitor(address: &str) -> (Connection, MessageStream) {
    let conn = zbus::connection::Builder::address(address)
        .build()
        .await
        .unwrap();
    let stream = MessageStream::from(&conn);
    conn.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus.Monitoring"),
        "BecomeMonitor",
        &(
            vec!["type='method_call',interface='org.freedesktop.PolicyKit1.Authority',member='CheckAuthorization'"],
            0u32,
        ),
    )
    .await
    .expect("BecomeMonitor");
    (conn, stream)
}

/// The checks `stream` saw until `action` came, for at most 10 s.
async fn checks_until(stream: &mut MessageStream, action: &str) -> Checks {
    type Subject = (String, HashMap<String, OwnedVariant>);
    let mut seen = Checks::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|(a, _, _, _)| a == action) {
        let next =
            tokio::time::timeout_at(deadline, poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)))
                .await;
        let Ok(Some(Ok(msg))) = next else {
            panic!("no CheckAuthorization of {action}; saw {seen:?}");
        };
        let body = msg.body();
        if let Ok(((_kind, subject), action, details, flags, _cancel)) =
            body.deserialize::<(Subject, String, HashMap<String, String>, u32, String)>()
        {
            let name = subject
                .get("name")
                .and_then(|n| String::try_from(n.try_clone().ok()?).ok())
                .unwrap_or_default();
            seen.push((action, details, flags, name));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn details_and_the_interactive_flag_reach_polkit() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let (_monitor, mut stream) = monitor(&stack.address).await;
        let reply = stack
            .call(
                Caller::Nobody,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.Suspend",
                &[],
                true,
            )
            .await;
        assert!(reply.is_access_denied(), "{reply:?}");
        let seen = checks_until(&mut stream, "org.libvirt.api.domain.suspend").await;
        let (_, details, flags, _) = seen.last().unwrap();
        assert_eq!(*flags, 1, "AllowUserInteraction: {seen:?}");
        let expected: HashMap<String, String> = [
            ("connect_driver", "Test"),
            ("domain_name", "test"),
            ("domain_uuid", "6695eb01-f6a4-8304-79aa-97f2502e193f"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(details, &expected);
        let reply = stack
            .call(
                Caller::Nobody,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.Reset",
                &["uint32 0"],
                false,
            )
            .await;
        assert!(reply.is_access_denied(), "{reply:?}");
        let seen = checks_until(&mut stream, "org.libvirt.api.domain.reset").await;
        assert_eq!(seen.last().unwrap().2, 0, "no interaction asked: {seen:?}");
        // GetXMLDesc with VIR_DOMAIN_XML_SECURE asks for read and read-secure.
        let reply = stack
            .call(
                Caller::Nobody,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.GetXMLDesc",
                &["uint32 1"],
                false,
            )
            .await;
        assert!(reply.is_access_denied(), "{reply:?}");
        checks_until(&mut stream, "org.libvirt.api.domain.read-secure").await;
        // A volume's checks name its pool first, as libvirt's do.
        let pool = object_paths(&stack.conn).await["org.libvirt.StoragePool"].clone();
        let created = stack
            .call(
                Caller::Root,
                &pool,
                "org.libvirt.StoragePool.StorageVolCreateXML",
                &[
                    "\"<volume><name>authz.img</name><capacity>1024</capacity></volume>\"",
                    "uint32 0",
                ],
                false,
            )
            .await;
        let Reply::Ok(out) = created else {
            panic!("{created:?}\n{}", stack.logs());
        };
        let volume = out.split('\'').nth(1).expect("a path").to_owned();
        let reply = stack
            .call(
                Caller::Nobody,
                &volume,
                "org.libvirt.StorageVol.Delete",
                &["uint32 0"],
                false,
            )
            .await;
        assert!(reply.is_access_denied(), "{reply:?}");
        let seen = checks_until(&mut stream, "org.libvirt.api.storage-vol.delete").await;
        let (_, details, _, _) = seen.last().unwrap();
        assert_eq!(
            details.get("pool_name").map(String::as_str),
            Some("default-pool"),
            "{details:?}"
        );
        assert!(details.contains_key("pool_uuid"), "{details:?}");
        assert_eq!(
            details.get("vol_name").map(String::as_str),
            Some("authz.img"),
            "{details:?}"
        );
        assert!(details.contains_key("vol_key"), "{details:?}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn without_polkitd_every_call_is_denied_even_roots() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let mut stack = Stack::start().await;
        assert_eq!(
            get_state(&stack, Caller::Nobody).await,
            Reply::Ok("((1, 0),)".into())
        );
        assert_eq!(
            get_state(&stack, Caller::Root).await,
            Reply::Ok("((1, 0),)".into())
        );
        stack.polkitd.stop().await;
        // Cached allowances go when polkitd leaves the bus.
        let deadline = Instant::now() + Duration::from_secs(10);
        for caller in [Caller::Root, Caller::Nobody] {
            loop {
                let reply = get_state(&stack, caller).await;
                if reply.is_access_denied() {
                    assert_eq!(
                        reply,
                        Reply::Err(
                            "org.libvirt.Error".into(),
                            "access denied: 'Test' denied access".into()
                        )
                    );
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{caller:?} still allowed: {reply:?}\n{}",
                    stack.logs()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let suspend = stack
            .call(
                Caller::Root,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.Suspend",
                &[],
                false,
            )
            .await;
        assert!(suspend.is_access_denied(), "{suspend:?}");
        assert!(
            stack.service.log().contains("cannot ask polkit"),
            "{}",
            stack.logs()
        );
    })
    .await
}

/// A rules file written by the test itself, removed when dropped.
fn rules_text(name: &str, text: &str) -> RulesFile {
    let path = Path::new(RULES_DIR).join(format!("40-virtbus-test-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("write the rules file");
    RulesFile(path)
}

/// `DomainLookupByName(name)` (GVariant text) as nobody.
async fn lookup_domain(stack: &Stack, name: &str) -> Reply {
    stack
        .call(
            Caller::Nobody,
            TEST_PATH,
            "org.libvirt.Connect.DomainLookupByName",
            &[name],
            false,
        )
        .await
}

/// The object paths of `ListDomains` or `ListNetworks` as `caller`.
async fn listed(stack: &Stack, caller: Caller, method: &str) -> Vec<String> {
    match stack
        .call(caller, TEST_PATH, method, &["uint32 0"], false)
        .await
    {
        Reply::Ok(out) => out
            .split('\'')
            .filter(|s| s.starts_with('/'))
            .map(str::to_owned)
            .collect(),
        other => panic!("{method}: {other:?}\n{}", stack.logs()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn listings_hide_the_objects_a_caller_may_not_see() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let xml = "\"<domain type='test'><name>nobody-vm</name><memory>8192</memory>\
                   <os><type>hvm</type></os></domain>\"";
        let defined = stack
            .call(Caller::Root, TEST_PATH, "org.libvirt.Connect.DomainDefineXML", &[xml], false)
            .await;
        assert!(matches!(defined, Reply::Ok(_)), "{defined:?}");
        let network = object_paths(&stack.conn).await["org.libvirt.Network"].clone();
        let everything = listed(&stack, Caller::Root, "org.libvirt.Connect.ListDomains").await;
        assert_eq!(everything.len(), 2, "{everything:?}");
        assert_eq!(
            listed(&stack, Caller::Nobody, "org.libvirt.Connect.ListDomains").await,
            everything
        );
        let _rules = rules_text(
            "hide.rules",
            r#"polkit.addRule(function (action, subject) {
    if (subject.user == "nobody" &&
        ((action.id.indexOf("org.libvirt.api.domain.") == 0 && action.lookup("domain_name") == "test") ||
         (action.id == "org.libvirt.api.network.getattr" && action.lookup("network_name") == "default"))) {
        return polkit.Result.NO;
    }
});
"#,
        );
        let deadline = Instant::now() + RELOAD_LIMIT;
        loop {
            let seen = listed(&stack, Caller::Nobody, "org.libvirt.Connect.ListDomains").await;
            if seen.len() == 1 {
                assert!(seen[0] != TEST_DOMAIN_PATH && everything.contains(&seen[0]));
                break;
            }
            assert!(Instant::now() < deadline, "never hidden: {seen:?}\n{}", stack.logs());
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(listed(&stack, Caller::Root, "org.libvirt.Connect.ListDomains").await, everything);
        assert!(!listed(&stack, Caller::Nobody, "org.libvirt.Connect.ListNetworks")
            .await
            .contains(&network));
        assert!(listed(&stack, Caller::Daemon, "org.libvirt.Connect.ListNetworks")
            .await
            .contains(&network));
        // A lookup is checked against the object it finds.
        let hidden = lookup_domain(&stack, "'test'").await;
        assert!(hidden.is_access_denied(), "{hidden:?}");
        let own = lookup_domain(&stack, "'nobody-vm'").await;
        assert!(matches!(own, Reply::Ok(_)), "{own:?}");
        // Nor the stats of every domain, nor the introspection of the domains' node.
        let stats = stack
            .call(
                Caller::Nobody,
                TEST_PATH,
                "org.libvirt.Connect.GetAllDomainStats",
                &["uint32 0", "uint32 0"],
                false,
            )
            .await;
        let Reply::Ok(stats) = stats else {
            panic!("{stats:?}");
        };
        assert!(stats.contains("('nobody-vm', "), "{stats}");
        assert!(!stats.contains("('test', "), "{stats}");
        let node = stack
            .call(
                Caller::Nobody,
                &format!("{TEST_PATH}/domain"),
                "org.freedesktop.DBus.Introspectable.Introspect",
                &[],
                false,
            )
            .await;
        let Reply::Ok(node) = node else {
            panic!("{node:?}");
        };
        let test_element = TEST_DOMAIN_PATH.rsplit('/').next().unwrap();
        assert!(!node.contains(test_element), "{node}");
        assert!(node.contains("<node name="), "{node}");
        // The object manager shows nobody neither.
        let managed = stack
            .call(
                Caller::Nobody,
                TEST_PATH,
                "org.freedesktop.DBus.ObjectManager.GetManagedObjects",
                &[],
                false,
            )
            .await;
        let Reply::Ok(managed) = managed else {
            panic!("{managed:?}");
        };
        assert!(!managed.contains(TEST_DOMAIN_PATH), "{managed}");
        assert!(!managed.contains(&format!("'{network}'")), "{managed}");
        assert!(managed.contains("nobody-vm"), "{managed}");
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callers_repeated_calls_ask_polkit_once() {
    let _serial = SERIAL.lock().await;
    limited(async {
        let stack = Stack::start().await;
        let (_monitor, mut stream) = monitor(&stack.address).await;
        // One connection of nobody makes three reads (python3-dbus, a client of its own).
        let script = format!(
            "import dbus\n\
             bus = dbus.bus.BusConnection('{}')\n\
             domain = dbus.Interface(bus.get_object('org.libvirt', '{TEST_DOMAIN_PATH}', \
             introspect=False), 'org.libvirt.Domain')\n\
             for _ in range(3): domain.GetState(dbus.UInt32(0))\n\
             print(bus.get_unique_name())\n",
            stack.address
        );
        let mut cmd = Command::new("setpriv");
        cmd.args(Caller::Nobody.setpriv())
            .args(["/usr/bin/python3", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .current_dir("/")
            .kill_on_drop(true);
        let out = tokio::time::timeout(CALL_LIMIT, cmd.output())
            .await
            .expect("python3 finished")
            .expect("run python3");
        assert!(out.status.success(), "{out:?}\n{}", stack.logs());
        let caller = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        // A call after it, from another connection, ends what the monitor must have seen.
        let reply = stack
            .call(
                Caller::Nobody,
                TEST_DOMAIN_PATH,
                "org.libvirt.Domain.Reset",
                &["uint32 0"],
                false,
            )
            .await;
        assert!(reply.is_access_denied(), "{reply:?}");
        let seen = checks_until(&mut stream, "org.libvirt.api.domain.reset").await;
        let reads = seen
            .iter()
            .filter(|(action, _, _, name)| {
                action == "org.libvirt.api.domain.read" && *name == caller
            })
            .count();
        assert_eq!(reads, 1, "three calls, one question to polkit: {seen:?}");
    })
    .await
}
