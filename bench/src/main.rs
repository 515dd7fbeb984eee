//! virtbus-bench: measures an `org.libvirt` service (and optionally a second one, e.g.
//! libvirt-dbus) each on its own private dbus-daemon, and prints the figures side by side
//! with the targets. It is a report: the exit status is 0 whenever the benchmark
//! itself ran, whatever the figures say.

mod bus;
mod domain_events;
mod error;
mod figures;
mod guests;
mod libvirtd;
mod load;
mod measure;
mod objects;
mod process;
mod programs;
mod qemu;
mod qemu_calls;
mod qemu_lifecycle;
mod qemu_load;
mod qemu_report;
mod raw_qemu;
mod report;
mod service;
mod signals;
mod stats;

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;

use crate::{
    error::BenchError, figures::ServiceFigures, load::Repeat, measure::Settings,
    qemu::QemuSettings, service::ServiceSpec,
};

/// Benchmark an org.libvirt D-Bus service against another on private buses.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The service binary under test ("ours").
    #[arg(long)]
    service: String,
    /// Arguments for --service, split on whitespace.
    #[arg(long, default_value = "--session", allow_hyphen_values = true)]
    args: String,
    /// A second service to compare with, e.g. /usr/sbin/libvirt-dbus ("other").
    #[arg(long)]
    compare: Option<String>,
    /// Arguments for --compare, split on whitespace.
    #[arg(long, default_value = "--session", allow_hyphen_values = true)]
    compare_args: String,
    /// Number of domains to define.
    #[arg(long, default_value_t = 10_000)]
    domains: usize,
    /// Networks, storage pools and volumes (in one extra pool) to define for the
    /// "objects at M" listings; 0 skips them.
    #[arg(long, default_value_t = 1000)]
    objects: usize,
    /// Measured seconds per throughput workload.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Warm-up seconds before each throughput workload.
    #[arg(long, default_value_t = 0.5)]
    warmup: f64,
    /// Concurrent clients for the many-clients workloads and for defining.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Starts for the spawn-to-name-owned median.
    #[arg(long, default_value_t = 5)]
    starts: usize,
    /// Define + undefine cycles the signal bytes per cycle are averaged over.
    #[arg(long, default_value_t = 10)]
    signal_cycles: usize,
    /// The dbus-daemon program for the private buses.
    #[arg(long, default_value = "dbus-daemon")]
    dbus_daemon: String,
    /// Also run the QEMU phase: real guests on /org/libvirt/QEMU (--service must serve it),
    /// skipped with a line when qemu-system-x86_64 is missing.
    #[arg(long)]
    qemu: bool,
    /// Run only the QEMU phase (implies --qemu); --compare is then not used.
    #[arg(long)]
    qemu_only: bool,
    /// QEMU phase: counted Create/Destroy rounds per guest and raw spawns, after a warm-up.
    #[arg(long, default_value_t = 5)]
    qemu_rounds: usize,
    /// QEMU phase: guests running at once for RSS per guest and events per second.
    #[arg(long, default_value_t = 8)]
    qemu_guests: usize,
    /// QEMU phase: suspend + resume cycles per guest for events per second.
    #[arg(long, default_value_t = 25)]
    qemu_cycles: usize,
    /// QEMU phase: the tiny guest's folder (vmlinuz, initrd.gz); default: built or reused
    /// by scripts/build-tiny-guest.sh.
    #[arg(long, value_name = "DIR")]
    tiny_guest: Option<PathBuf>,
    /// QEMU phase: do not start libvirtd + libvirt-dbus for comparison even when installed.
    #[arg(long)]
    qemu_no_libvirtd: bool,
}

impl Cli {
    fn qemu_settings(&self) -> Result<QemuSettings, BenchError> {
        if !(1..=100).contains(&self.qemu_rounds) {
            return Err(BenchError::Usage("--qemu-rounds must be in 1..=100".into()));
        }
        if !(1..=64).contains(&self.qemu_guests) {
            return Err(BenchError::Usage("--qemu-guests must be in 1..=64".into()));
        }
        if !(1..=10_000).contains(&self.qemu_cycles) {
            return Err(BenchError::Usage(
                "--qemu-cycles must be in 1..=10000".into(),
            ));
        }
        Ok(QemuSettings {
            dbus_daemon: self.dbus_daemon.clone(),
            rounds: self.qemu_rounds,
            guests: self.qemu_guests,
            cycles: self.qemu_cycles,
            clients: self.clients,
            tiny_guest: self.tiny_guest.clone(),
            libvirtd: !self.qemu_no_libvirtd,
        })
    }

    fn settings(&self) -> Result<Settings, BenchError> {
        let seconds = |name: &str, v: f64, min: f64| {
            if v.is_finite() && (min..=60.0).contains(&v) {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(BenchError::Usage(format!("--{name} must be in {min}..=60")))
            }
        };
        if !(1..=1_000_000).contains(&self.domains) {
            return Err(BenchError::Usage("--domains must be in 1..=1000000".into()));
        }
        if self.objects > 1_000_000 {
            return Err(BenchError::Usage("--objects must be in 0..=1000000".into()));
        }
        if !(1..=64).contains(&self.clients) {
            return Err(BenchError::Usage("--clients must be in 1..=64".into()));
        }
        if !(1..=50).contains(&self.starts) {
            return Err(BenchError::Usage("--starts must be in 1..=50".into()));
        }
        if !(1..=1000).contains(&self.signal_cycles) {
            return Err(BenchError::Usage(
                "--signal-cycles must be in 1..=1000".into(),
            ));
        }
        Ok(Settings {
            dbus_daemon: self.dbus_daemon.clone(),
            starts: self.starts,
            clients: self.clients,
            warmup: seconds("warmup", self.warmup, 0.0)?,
            window: seconds("seconds", self.seconds, 0.1)?,
            domains: self.domains,
            signal_cycles: self.signal_cycles,
            define_limit: Duration::from_secs(120),
            list_reps: Repeat {
                times: 20,
                budget: Duration::from_secs(10),
            },
            managed_reps: Repeat {
                times: 10,
                budget: Duration::from_secs(10),
            },
            get_all_reps: Repeat {
                times: 3,
                budget: Duration::from_secs(15),
            },
            objects: self.objects,
            object_reps: Repeat {
                times: 10,
                budget: Duration::from_secs(10),
            },
        })
    }
}

fn spec(binary: &str, args: &str) -> ServiceSpec {
    ServiceSpec {
        binary: binary.to_owned(),
        args: args.split_whitespace().map(str::to_owned).collect(),
        env: Vec::new(),
    }
}

/// Runs the phases asked for and prints their reports.
async fn run(cli: &Cli, settings: &Settings, qemu: &QemuSettings) -> Result<(), BenchError> {
    let api = if cli.qemu_only {
        Ok(())
    } else {
        run_api(cli, settings).await
    };
    if cli.qemu || cli.qemu_only {
        let phase = qemu::run(&cli.service, qemu).await;
        println!("{}", qemu_report::render(&phase));
    }
    api
}

/// Measures every service in turn on the test connection and prints the report; the error
/// is the first harness failure, reported after whatever was measured.
async fn run_api(cli: &Cli, settings: &Settings) -> Result<(), BenchError> {
    let mut specs = vec![spec(&cli.service, &cli.args)];
    if let Some(other) = &cli.compare {
        specs.push(spec(other, &cli.compare_args));
    }
    let mut all = Vec::new();
    let mut failure = None;
    for spec in &specs {
        let mut figures = ServiceFigures::new(&spec.binary);
        if let Err(e) = measure::measure(spec, settings, &mut figures).await {
            eprintln!("bench: {e}");
            figures.notes.push(format!("run stopped: {e}"));
            failure.get_or_insert(e);
        }
        all.push(figures);
    }

    let (ours, other) = (&all[0], all.get(1));
    println!(
        "virtbus-bench: {} CPUs, {} s per workload (+{} s warm-up), N = {} domains, \
         M = {} objects, {} clients",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cli.seconds,
        cli.warmup,
        cli.domains,
        cli.objects,
        cli.clients
    );
    println!("{}", report::table(ours, other, cli.clients, cli.objects));
    // Without a measured libvirt-dbus, its two DomainEvent signals are computed, from a
    // sender name as long as ours.
    let reference = other.is_none().then(|| {
        let sender = ours.signals.as_ref().map_or(":1.10", |s| s.sender.as_str());
        signals::libvirt_dbus_reference(sender).map_err(|e| e.to_string())
    });
    println!("{}", report::signals(ours, other, reference.as_ref()));
    println!("{}", report::verdicts(ours, other, cli.clients));
    failure.map_or(Ok(()), Err)
}

async fn run_until_signal(
    cli: &Cli,
    settings: &Settings,
    qemu: &QemuSettings,
) -> Result<(), BenchError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(|source| BenchError::Spawn {
        program: "SIGTERM handler".into(),
        source,
    })?;
    // Dropping `run` on a signal drops every process guard, which ends the services and the
    // private buses.
    tokio::select! {
        result = run(cli, settings, qemu) => result,
        _ = tokio::signal::ctrl_c() => Err(BenchError::Interrupted("SIGINT")),
        _ = term.recv() => Err(BenchError::Interrupted("SIGTERM")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cli.settings().and_then(|s| Ok((s, cli.qemu_settings()?))) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (settings, qemu) = settings;
    let result = runtime.block_on(run_until_signal(&cli, &settings, &qemu));
    // Blocking reader threads (dbus-daemon stdout) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: failed: {e}");
            ExitCode::FAILURE
        }
    }
}
