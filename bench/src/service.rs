//! Starting a service under test on the private bus and timing until it owns `org.libvirt`.

use std::{
    fs,
    path::PathBuf,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use zbus::{fdo::DBusProxy, names::BusName};

use crate::{bus::PrivateBus, error::BenchError, process::ProcessGuard};

/// The bus name every service under test must own.
pub const BUS_NAME: &str = "org.libvirt";

/// How long a service may take to own the name.
const NAME_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the bus may take to notice that a stopped service is gone.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

/// What to run: a binary and its arguments.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    /// Path of the service binary.
    pub binary: String,
    /// Its arguments (e.g. `--session`).
    pub args: Vec<String>,
    /// Extra environment, e.g. `DBUS_SYSTEM_BUS_ADDRESS` for a service run with `--system`
    /// on the private bus.
    pub env: Vec<(String, String)>,
}

/// A running service that owns `org.libvirt`; stopped when dropped.
#[derive(Debug)]
pub struct RunningService {
    guard: ProcessGuard,
    log: PathBuf,
    binary: String,
}

impl RunningService {
    /// The service's process id.
    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }

    /// An error if the service has exited, with the end of its log.
    pub fn check_alive(&mut self) -> Result<(), BenchError> {
        match self.guard.exited() {
            Some(status) => Err(self.failure(format!("exited ({status})"))),
            None => Ok(()),
        }
    }

    /// Stops the service and waits until the bus has released its name.
    pub async fn stop(self, dbus: &DBusProxy<'_>) -> Result<(), BenchError> {
        let binary = self.binary.clone();
        self.guard.stop();
        wait_name_released(dbus, &binary).await
    }

    fn failure(&self, reason: String) -> BenchError {
        BenchError::Service {
            binary: self.binary.clone(),
            reason: format!("{reason}{}", log_tail(&self.log)),
        }
    }
}

/// Starts `spec` with `DBUS_SESSION_BUS_ADDRESS` set to `bus` and returns it once it owns
/// `org.libvirt`, with the time from spawn to ownership. `dbus` is a harness connection's
/// proxy to the bus daemon on the same bus. `tag` names the log file.
pub async fn start(
    spec: &ServiceSpec,
    bus: &PrivateBus,
    dbus: &DBusProxy<'_>,
    tag: &str,
) -> Result<(RunningService, Duration), BenchError> {
    wait_name_released(dbus, &spec.binary).await?;
    let mut changes = dbus
        .receive_name_owner_changed_with_args(&[(0, BUS_NAME)])
        .await?;

    let log = bus.dir().join(format!("service-{tag}.log"));
    let log_file = fs::File::create(&log).map_err(|source| BenchError::File {
        path: log.clone(),
        source,
    })?;
    let log_err = log_file.try_clone().map_err(|source| BenchError::File {
        path: log.clone(),
        source,
    })?;
    let mut command = Command::new(&spec.binary);
    command
        .args(&spec.args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env_remove("DBUS_STARTER_ADDRESS")
        .env_remove("DBUS_STARTER_BUS_TYPE")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err);

    let spawned_at = Instant::now();
    let child = command.spawn().map_err(|source| BenchError::Spawn {
        program: spec.binary.clone(),
        source,
    })?;
    let mut service = RunningService {
        guard: ProcessGuard::new(child, spec.binary.clone()),
        log,
        binary: spec.binary.clone(),
    };

    let deadline = tokio::time::Instant::now() + NAME_TIMEOUT;
    let elapsed = loop {
        tokio::select! {
            change = changes.next() => {
                let Some(change) = change else {
                    return Err(service.failure("signal stream ended".into()));
                };
                let args = change.args()?;
                if args.new_owner().is_some() {
                    break spawned_at.elapsed();
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                service.check_alive()?;
            }
            _ = tokio::time::sleep_until(deadline) => {
                return Err(service.failure(format!(
                    "did not own {BUS_NAME} within {} s", NAME_TIMEOUT.as_secs()
                )));
            }
        }
    };

    let owner_pid = dbus
        .get_connection_unix_process_id(BusName::try_from(BUS_NAME)?)
        .await?;
    if owner_pid != service.pid() {
        return Err(service.failure(format!(
            "{BUS_NAME} is owned by pid {owner_pid}, not by the started pid {}",
            service.pid()
        )));
    }
    Ok((service, elapsed))
}

async fn wait_name_released(dbus: &DBusProxy<'_>, binary: &str) -> Result<(), BenchError> {
    let deadline = Instant::now() + RELEASE_TIMEOUT;
    while dbus.name_has_owner(BusName::try_from(BUS_NAME)?).await? {
        if Instant::now() >= deadline {
            return Err(BenchError::Service {
                binary: binary.to_owned(),
                reason: format!("{BUS_NAME} is still owned by another process"),
            });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// The last lines of a log file, prefixed for appending to an error message.
fn log_tail(path: &PathBuf) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(10)..].join("\n");
    if tail.is_empty() {
        String::new()
    } else {
        format!("; log tail:\n{tail}")
    }
}
