//! The `virtbus` binary: parses the command line, connects to the bus, serves, and runs until
//! SIGTERM or SIGINT (exit 0) or until the bus goes away (exit 1).
//!
//! The command line is libvirt-dbus's (`--session`, `--system`, `-t/--threads`), so a client
//! that starts `libvirt-dbus --session` can start `virtbus --session` instead. virtbus adds
//! `--address`, `--log-level` and `--list-drivers`, and two hidden options for packagers,
//! `--man-page` and `--completions SHELL`, which print what scripts/install.sh installs.

use std::{io::Write, path::PathBuf, process::ExitCode, time::Duration};

use clap::{ArgGroup, CommandFactory, Parser};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tracing::info;
use virtbus::{
    config::driver_table,
    logging::{self, LogLevel},
    Authorization, Config, DriverKind, Mode, ServeError, BUS_NAME,
};
use zbus::{connection, Connection};

/// Serve libvirt's `org.libvirt` D-Bus API with native drivers.
#[derive(Debug, Parser)]
#[command(name = "virtbus", version, about, after_help = after_help())]
#[command(group(ArgGroup::new("bus").args(["session", "system", "address"])))]
struct Cli {
    /// Serve on the session bus (the default when not running as root).
    #[arg(long)]
    session: bool,
    /// Serve on the system bus (the default when running as root).
    #[arg(long)]
    system: bool,
    /// Serve on the bus at ADDR, a D-Bus address such as unix:path=/run/bus.
    #[arg(long, value_name = "ADDR")]
    address: Option<String>,
    /// Accepted for compatibility with libvirt-dbus and ignored: calls are served
    /// concurrently by one event loop, and no driver operation blocks it.
    #[arg(
        short = 't',
        long = "threads",
        value_name = "N",
        allow_negative_numbers = true
    )]
    threads: Option<i64>,
    /// The connections to serve, comma-separated: `test` (/org/libvirt/Test, the in-memory
    /// test:///default) and `qemu` (/org/libvirt/QEMU, qemu:///session or qemu:///system by
    /// bus). Default: both.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_driver)]
    connections: Option<Vec<DriverKind>>,
    /// The QEMU driver's persistent definitions go under DIR/qemu (default: /etc/virtbus
    /// for the system, $XDG_CONFIG_HOME/virtbus for a user).
    #[arg(long, value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// The QEMU driver's data (default: /var/lib/virtbus, or $XDG_DATA_HOME/virtbus).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The QEMU driver's runtime status and sockets (default: /run/virtbus, or
    /// $XDG_RUNTIME_DIR/virtbus).
    #[arg(long, value_name = "DIR")]
    run_dir: Option<PathBuf>,
    /// The guests' logs (default: /var/log/virtbus, or $XDG_DATA_HOME/virtbus/log).
    #[arg(long, value_name = "DIR")]
    log_dir: Option<PathBuf>,
    /// Log virtbus's lines from LEVEL up (default: info, or RUST_LOG when set). Under
    /// systemd the log goes to the journal, otherwise to stderr.
    #[arg(long, value_name = "LEVEL", value_enum)]
    log_level: Option<LogLevel>,
    /// Who authorizes each call: `polkit` (libvirt's org.libvirt.api.* actions; the
    /// default on the system bus) or `none` (every caller may do everything; the default
    /// on the session bus, whose callers are its owner).
    #[arg(long, value_name = "WHO", value_enum)]
    authorization: Option<AuthorizationArg>,
    /// Print the connection objects this build serves, with their URI, and exit.
    #[arg(long)]
    list_drivers: bool,
    /// Print the manual page (roff) and exit; used by scripts/install.sh.
    #[arg(long, hide = true)]
    man_page: bool,
    /// Print the completion script for SHELL and exit; used by scripts/install.sh.
    #[arg(long, hide = true, value_name = "SHELL", value_enum)]
    completions: Option<clap_complete::Shell>,
}

/// A value of `--authorization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AuthorizationArg {
    /// polkitd decides each call.
    Polkit,
    /// Every call is allowed.
    None,
}

/// A connection name of `--connections`.
fn parse_driver(name: &str) -> Result<DriverKind, String> {
    DriverKind::from_name(name)
        .ok_or_else(|| format!("unknown connection '{name}' (known: test, qemu)"))
}

impl Cli {
    /// What to serve in `mode`: the connections asked for, the QEMU driver's folders with
    /// the options given over the defaults of the mode.
    fn config(&self, mode: Mode) -> Result<Config, RunError> {
        let mut config = Config::new(mode);
        match self.authorization {
            Some(AuthorizationArg::Polkit) => config.authorization = Authorization::Polkit,
            Some(AuthorizationArg::None) => config.authorization = Authorization::AllowAll,
            None => {}
        }
        if let Some(drivers) = &self.connections {
            config.drivers = drivers.clone();
            config.drivers.dedup();
        }
        let overrides = [
            &self.config_dir,
            &self.data_dir,
            &self.run_dir,
            &self.log_dir,
        ];
        if overrides.iter().any(|o| o.is_some()) {
            let qemu_mode = match mode {
                Mode::Session => virtbus_qemu_driver::store::Mode::Session,
                Mode::System => virtbus_qemu_driver::store::Mode::System,
            };
            let mut dirs = virtbus_qemu_driver::store::StoreDirs::defaults(qemu_mode)
                .map_err(RunError::Folders)?;
            let pick = |over: &Option<PathBuf>, default: PathBuf| over.clone().unwrap_or(default);
            dirs.config = pick(&self.config_dir, dirs.config);
            dirs.data = pick(&self.data_dir, dirs.data);
            dirs.run = pick(&self.run_dir, dirs.run);
            dirs.log = pick(&self.log_dir, dirs.log);
            config.qemu_dirs = Some(dirs);
        }
        Ok(config)
    }
}

/// The text after the options in `--help`: the connection objects served.
fn after_help() -> String {
    format!(
        "Connection objects (bus name {BUS_NAME}):\n{}\nUnder systemd (JOURNAL_STREAM set) the log goes to the journal with fields \
         DBUS_SENDER, DBUS_MEMBER, CALLER_UID, LIBVIRT_ERROR, DOMAIN_UUID, DOMAIN_NAME.",
        indent(&driver_table())
    )
}

/// `text` with every line indented by two spaces.
fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// What the command line asks for besides serving, answered without a bus.
fn print_and_exit(cli: &Cli) -> Option<std::io::Result<()>> {
    let mut out = std::io::stdout().lock();
    if cli.list_drivers {
        return Some(out.write_all(driver_table().as_bytes()));
    }
    if cli.man_page {
        return Some(clap_mangen::Man::new(Cli::command()).render(&mut out));
    }
    if let Some(shell) = cli.completions {
        clap_complete::generate(shell, &mut Cli::command(), "virtbus", &mut out);
        return Some(Ok(()));
    }
    None
}

/// Which bus to serve on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bus {
    Session,
    System,
    Address(String),
}

impl Cli {
    /// The bus chosen on the command line; with none, the system bus for root and the
    /// session bus otherwise, as libvirt-dbus chooses.
    fn bus(&self, euid_is_root: bool) -> Bus {
        match (&self.address, self.system, self.session) {
            (Some(address), _, _) => Bus::Address(address.clone()),
            (None, true, _) => Bus::System,
            (None, false, true) => Bus::Session,
            (None, false, false) if euid_is_root => Bus::System,
            (None, false, false) => Bus::Session,
        }
    }
}

impl Bus {
    /// The driver flavour for this bus: a bus at an explicit address is treated like the
    /// default bus of the user.
    fn mode(&self, euid_is_root: bool) -> Mode {
        match self {
            Bus::Session => Mode::Session,
            Bus::System => Mode::System,
            Bus::Address(_) if euid_is_root => Mode::System,
            Bus::Address(_) => Mode::Session,
        }
    }

    /// Connects to this bus.
    async fn connect(&self) -> zbus::Result<Connection> {
        let builder = match self {
            Bus::Session => connection::Builder::session(),
            Bus::System => connection::Builder::system(),
            Bus::Address(address) => connection::Builder::address(address.as_str()),
        };
        builder.build().await
    }
}

impl std::fmt::Display for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bus::Session => f.write_str("the session bus"),
            Bus::System => f.write_str("the system bus"),
            Bus::Address(address) => write!(f, "the bus at {address}"),
        }
    }
}

/// Why the service stopped with a failure.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("cannot connect to {bus}: {source}")]
    Connect {
        bus: Bus,
        #[source]
        source: zbus::Error,
    },
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("cannot watch for signals: {0}")]
    Signals(#[source] std::io::Error),
    #[error("disconnected from D-Bus")]
    Disconnected,
    #[error("cannot find the QEMU driver's folders: {0}")]
    Folders(#[source] virtbus_core::Error),
}

/// Why the service stopped.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// SIGTERM or SIGINT: a clean exit.
    Signal(&'static str),
    /// The bus connection closed.
    Disconnected,
}

/// SIGTERM and SIGINT, watched from the start so that neither kills the process unhandled.
struct StopSignals {
    term: Signal,
    int: Signal,
}

impl StopSignals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for SIGTERM or SIGINT, or for `connection` to close.
    async fn wait(&mut self, connection: &Connection) -> Stop {
        tokio::select! {
            _ = self.term.recv() => Stop::Signal("SIGTERM"),
            _ = self.int.recv() => Stop::Signal("SIGINT"),
            () = connection.closed() => Stop::Disconnected,
        }
    }
}

fn euid_is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

async fn run(cli: Cli) -> Result<(), RunError> {
    let mut signals = StopSignals::new().map_err(RunError::Signals)?;
    let root = euid_is_root();
    let bus = cli.bus(root);
    let connection = bus.connect().await.map_err(|source| RunError::Connect {
        bus: bus.clone(),
        source,
    })?;
    let service = virtbus::serve(&connection, cli.config(bus.mode(root))?).await?;
    info!(%bus, roots = ?service.roots().collect::<Vec<_>>(), "serving org.libvirt");

    match signals.wait(&connection).await {
        Stop::Signal(name) => {
            info!(signal = name, "stopping");
            Ok(())
        }
        Stop::Disconnected => Err(RunError::Disconnected),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; a bad command line fails
            // with status 1, as libvirt-dbus's does.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some(printed) = print_and_exit(&cli) {
        return match printed {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("virtbus: cannot write to stdout: {e}");
                ExitCode::FAILURE
            }
        };
    }
    logging::init(cli.log_level);

    // One thread: every driver operation is asynchronous or in memory, and a single event
    // loop saves the cross-thread wake-ups that dominated the cost of a call (measured with
    // virtbus-bench: service CPU per call fell by a quarter to a half).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("virtbus: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // Whatever is still running (calls in flight, the fan-out) is dropped, not waited for.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("virtbus: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        io::{BufRead, BufReader},
        process::{Command, Stdio},
    };

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("virtbus").chain(args.iter().copied()))
    }

    #[test]
    fn bus_flags_choose_the_bus() {
        assert_eq!(parse(&["--session"]).unwrap().bus(true), Bus::Session);
        assert_eq!(parse(&["--system"]).unwrap().bus(false), Bus::System);
        assert_eq!(
            parse(&["--address", "unix:path=/x"]).unwrap().bus(true),
            Bus::Address("unix:path=/x".to_owned())
        );
    }

    #[test]
    fn no_flag_means_system_for_root_and_session_otherwise() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.bus(true), Bus::System);
        assert_eq!(cli.bus(false), Bus::Session);
        assert_eq!(Bus::Address("unix:path=/x".into()).mode(true), Mode::System);
        assert_eq!(
            Bus::Address("unix:path=/x".into()).mode(false),
            Mode::Session
        );
    }

    #[test]
    fn bus_flags_exclude_each_other() {
        for args in [
            &["--session", "--system"][..],
            &["--session", "--address", "unix:path=/x"],
            &["--system", "--address", "unix:path=/x"],
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{args:?}"
            );
        }
    }

    #[test]
    fn threads_is_accepted_and_ignored() {
        for args in [
            &["--session", "-t", "4"][..],
            &["--threads", "0"],
            &["-t", "-1", "--system"],
            &["--threads=16"],
        ] {
            let cli = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert!(cli.threads.is_some(), "{args:?}");
        }
        assert!(parse(&["-t", "many"]).is_err());
    }

    #[test]
    fn help_version_and_unknown_options() {
        assert_eq!(
            parse(&["--help"]).unwrap_err().kind(),
            clap::error::ErrorKind::DisplayHelp
        );
        assert_eq!(
            parse(&["--version"]).unwrap_err().kind(),
            clap::error::ErrorKind::DisplayVersion
        );
        assert_eq!(
            parse(&["--bogus"]).unwrap_err().kind(),
            clap::error::ErrorKind::UnknownArgument
        );
        assert!(parse(&["--address"]).is_err());
    }

    /// A private dbus-daemon, killed when dropped.
    struct Daemon {
        child: std::process::Child,
        address: String,
    }

    impl Daemon {
        fn start() -> Self {
            let mut child = Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("dbus-daemon runs");
            let stdout = child.stdout.take().expect("piped stdout");
            let mut address = String::new();
            BufReader::new(stdout)
                .read_line(&mut address)
                .expect("dbus-daemon prints its address");
            Self {
                child,
                address: address.trim().to_owned(),
            }
        }
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn losing_the_bus_stops_the_service() {
        tokio::time::timeout(Duration::from_secs(20), async {
            let mut daemon = Daemon::start();
            let connection = Bus::Address(daemon.address.clone())
                .connect()
                .await
                .expect("connects to the private bus");
            let mut signals = StopSignals::new().expect("signal handlers");
            let waiting = tokio::spawn(async move { signals.wait(&connection).await });
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert!(!waiting.is_finished(), "stopped while the bus was up");

            daemon.child.kill().expect("kills dbus-daemon");
            let stop = tokio::time::timeout(Duration::from_secs(5), waiting)
                .await
                .expect("noticed the bus going away within 5 s")
                .expect("the waiting task completes");
            assert_eq!(stop, Stop::Disconnected);
        })
        .await
        .expect("test timed out");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_taken_name_is_an_error() {
        tokio::time::timeout(Duration::from_secs(20), async {
            let daemon = Daemon::start();
            let bus = Bus::Address(daemon.address.clone());
            let first = bus.connect().await.unwrap();
            let _service = virtbus::serve(&first, Config::default()).await.unwrap();
            let second = bus.connect().await.unwrap();
            let e = virtbus::serve(&second, Config::default())
                .await
                .err()
                .expect("the second service must not get the name");
            assert!(matches!(e, ServeError::NameTaken(ref name) if name == "org.libvirt"));
            assert_eq!(
                e.to_string(),
                "cannot own the name org.libvirt: another program on this bus owns it"
            );
        })
        .await
        .expect("test timed out");
    }
}
