//! The reference stack for the QEMU phase: virtlogd and libvirtd started by hand (no systemd
//! here, real-components §4), and libvirt-dbus `--system` on the private bus in front of
//! them, so that `/org/libvirt/QEMU` is libvirt's `qemu:///system`.
//!
//! libvirtd is a machine-wide singleton (fixed paths under /run/libvirt): when one is
//! already running it is left alone and the comparison is skipped.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    time::Duration,
};

use crate::{
    process::{self, ProcessGuard},
    programs,
};

/// Where libvirtd and virtlogd put their sockets in system mode.
const RUN_DIR: &str = "/run/libvirt";
/// How long each daemon may take to create its socket.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(15);

/// Why libvirtd + libvirt-dbus are not measured.
#[derive(Debug, thiserror::Error)]
pub enum LibvirtdError {
    /// A program of the stack is not installed.
    #[error("not installed ({0} not found)")]
    NotInstalled(&'static str),
    /// Another libvirtd runs on this machine; it is not ours to disturb.
    #[error("another libvirtd is running (pid {0}); not disturbed, not measured")]
    AlreadyRunning(u32),
    /// A daemon could not be started.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The daemon.
        program: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A daemon exited while starting.
    #[error("{program} exited while starting ({status}); see {log}")]
    Exited {
        /// The daemon.
        program: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// Its log file.
        log: PathBuf,
    },
    /// A daemon did not create its socket in time.
    #[error("{program} did not create {socket} within {} s", SOCKET_TIMEOUT.as_secs())]
    NoSocket {
        /// The daemon.
        program: PathBuf,
        /// The socket it should have created.
        socket: PathBuf,
    },
}

/// The installed programs of the reference stack.
#[derive(Debug, Clone)]
pub struct LibvirtPrograms {
    /// libvirtd.
    pub libvirtd: PathBuf,
    /// virtlogd, which libvirtd needs for the guests' logs.
    pub virtlogd: PathBuf,
    /// libvirt-dbus.
    pub libvirt_dbus: PathBuf,
}

impl LibvirtPrograms {
    /// Finds all three, or names the first one missing.
    pub fn find() -> Result<Self, LibvirtdError> {
        let find =
            |name: &'static str| programs::find(name).ok_or(LibvirtdError::NotInstalled(name));
        Ok(Self {
            libvirtd: find("libvirtd")?,
            virtlogd: find("virtlogd")?,
            libvirt_dbus: find("libvirt-dbus")?,
        })
    }
}

/// Running virtlogd and libvirtd; stopped (libvirtd first) when dropped.
#[derive(Debug)]
pub struct LibvirtDaemons {
    // Field order: libvirtd is dropped, and so stopped, before virtlogd.
    libvirtd: ProcessGuard,
    virtlogd: ProcessGuard,
}

impl LibvirtDaemons {
    /// Starts virtlogd then libvirtd, logs in `dir`, and returns once both sockets exist.
    pub async fn start(programs: &LibvirtPrograms, dir: &Path) -> Result<Self, LibvirtdError> {
        if let Some(&pid) = process::find_processes(None, "libvirtd").first() {
            return Err(LibvirtdError::AlreadyRunning(pid));
        }
        let run = Path::new(RUN_DIR);
        let virtlogd = start_daemon(
            &programs.virtlogd,
            &dir.join("virtlogd.log"),
            &run.join("virtlogd-sock"),
            &[],
        )
        .await?;
        let libvirtd_log = dir.join("libvirtd.log");
        let outputs = format!("3:file:{}", libvirtd_log.display());
        let libvirtd = start_daemon(
            &programs.libvirtd,
            &dir.join("libvirtd.out"),
            &run.join("libvirt-sock"),
            &[("LIBVIRT_LOG_OUTPUTS", outputs.as_str())],
        )
        .await?;
        Ok(Self { libvirtd, virtlogd })
    }

    /// The daemons' process ids (their RSS counts as the stack's).
    pub fn pids(&self) -> [u32; 2] {
        [self.libvirtd.pid(), self.virtlogd.pid()]
    }
}

/// Starts `program` in the foreground with its output in `log`, and waits for `socket`.
/// The session and system bus variables are removed: libvirtd's own D-Bus use (polkit,
/// firewalld) is not part of the measurement, and root is let in without polkit.
async fn start_daemon(
    program: &Path,
    log: &Path,
    socket: &Path,
    env: &[(&str, &str)],
) -> Result<ProcessGuard, LibvirtdError> {
    let spawn_error = |source| LibvirtdError::Spawn {
        program: program.to_owned(),
        source,
    };
    let _ = fs::remove_file(socket);
    let out = fs::File::create(log).map_err(spawn_error)?;
    let err = out.try_clone().map_err(spawn_error)?;
    let child = Command::new(program)
        .envs(env.iter().copied())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DBUS_SYSTEM_BUS_ADDRESS")
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(spawn_error)?;
    let mut guard = ProcessGuard::new(child, program.display().to_string());
    let deadline = tokio::time::Instant::now() + SOCKET_TIMEOUT;
    while !socket.exists() {
        if let Some(status) = guard.exited() {
            return Err(LibvirtdError::Exited {
                program: program.to_owned(),
                status,
                log: log.to_owned(),
            });
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(LibvirtdError::NoSocket {
                program: program.to_owned(),
                socket: socket.to_owned(),
            });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(guard)
}
