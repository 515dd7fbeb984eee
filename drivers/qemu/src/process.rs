//! Spawning and supervising an emulator process.
//!
//! [`Emulator::spawn`] starts `qemu-system-*` as the service's own child (never daemonized,
//! reference §3.2: waiting on our own child is what makes "process gone" immediate), in a
//! process group of its own so a terminal's Ctrl-C aimed at the service does not reach it,
//! with stdin on /dev/null and stdout and stderr appended to the domain's log file. It is not
//! killed when the handle is dropped: stopping the service leaves guests running (only a start
//! abandoned half-way, its future dropped before the greeting, is killed). It then
//! connects to the QMP socket in a 5 ms retry loop until the greeting arrives, within a bounded
//! time. An emulator that exits first is reported with the tail of its log (that is how
//! libvirt reports bad arguments); one that never answers is killed and reaped.
//!
//! [`Emulator::attach`] watches an emulator that is not our child (one found running after a
//! service restart) through a pidfd.
//!
//! Either way the handle knows when the process is gone ([`Emulator::exited`],
//! [`Emulator::exit_watch`]), removes the monitor socket file QEMU leaves behind when it is
//! killed, and stops it with [`Emulator::terminate`] (SIGTERM, then SIGKILL after a grace
//! period). Signals go through the pidfd, so they can never reach a recycled pid. A new
//! emulator for the same monitor socket path must wait until the old one's exit is known:
//! the old handle removes the socket file just before it reports the exit.

use std::{
    ffi::OsString,
    fmt,
    os::fd::OwnedFd,
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    io::{unix::AsyncFd, Interest},
    net::UnixStream,
    sync::watch,
};

use crate::qmp::{EventStream, Greeting, Qmp, QmpError};

mod log;
mod socket;
mod sys;

pub use sys::is_gone;

/// The pause between two attempts to connect to a monitor socket that is not there yet.
const CONNECT_RETRY: Duration = Duration::from_millis(5);
/// How long a SIGKILLed process may take to be gone before [`ProcessError::Unkillable`].
const KILL_WAIT: Duration = Duration::from_secs(10);

/// What can go wrong starting, attaching to or stopping an emulator.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The emulator could not be executed.
    #[error("cannot execute binary {}: {reason}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The domain's log file could not be opened or written.
    #[error("failed to open or write log file '{}': {reason}", path.display())]
    Log {
        /// The log file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A live process already listens on the monitor socket's path.
    #[error("monitor socket '{}' is already in use by a running process", path.display())]
    SocketInUse {
        /// The socket's path.
        path: PathBuf,
    },
    /// The emulator exited before its monitor greeted us.
    #[error("process exited while connecting to monitor: {log_tail}")]
    EarlyExit {
        /// How it exited.
        exit: Exit,
        /// The last lines it wrote to its log (its own error message, usually).
        log_tail: String,
    },
    /// The emulator did not greet us on its monitor in time; it was killed.
    #[error("the emulator did not answer on its monitor within {} ms and was killed{}", timeout.as_millis(), tail_suffix(log_tail))]
    StartTimeout {
        /// The time allowed.
        timeout: Duration,
        /// The last lines it wrote to its log.
        log_tail: String,
    },
    /// The monitor misbehaved during the handshake; the emulator was killed.
    #[error("cannot set up the emulator's monitor: {0}")]
    Monitor(#[from] QmpError),
    /// No such process (or only its zombie) is left to attach to.
    #[error("process {pid} is not running")]
    NotRunning {
        /// The pid.
        pid: u32,
    },
    /// The process is alive but is not the emulator serving that monitor socket (its pid was
    /// recycled).
    #[error("process {pid} is not the emulator of monitor socket '{}'", socket.display())]
    NotTheEmulator {
        /// The pid.
        pid: u32,
        /// The monitor socket expected on its command line.
        socket: PathBuf,
    },
    /// A pidfd could not be opened or watched.
    #[error("cannot watch process {pid}: {reason}")]
    Watch {
        /// The pid.
        pid: u32,
        /// The operating system's reason.
        reason: String,
    },
    /// A signal could not be sent.
    #[error("failed to send signal {signal} to process {pid}: {reason}")]
    Signal {
        /// The pid.
        pid: u32,
        /// The signal number.
        signal: i32,
        /// The operating system's reason.
        reason: String,
    },
    /// A graceful termination was asked for and the process outlived the grace period.
    #[error("Failed to terminate process {pid} with SIGTERM: still running after {} ms", grace.as_millis())]
    StillRunning {
        /// The pid.
        pid: u32,
        /// The grace period.
        grace: Duration,
    },
    /// The process did not go away even after SIGKILL.
    #[error("Failed to kill process {pid}: still running {} s after SIGKILL", KILL_WAIT.as_secs())]
    Unkillable {
        /// The pid.
        pid: u32,
    },
}

fn tail_suffix(log_tail: &str) -> String {
    if log_tail.is_empty() {
        String::new()
    } else {
        format!(": {log_tail}")
    }
}

/// How an emulator ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Our own child ended with this status.
    Exited(ExitStatus),
    /// A process we attached to (not our child) is gone; its status is its parent's to know.
    Vanished,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Exited(status) => write!(f, "{status}"),
            Exit::Vanished => f.write_str("gone"),
        }
    }
}

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The emulator binary.
    pub program: PathBuf,
    /// Its arguments, already holding `-S -no-shutdown -qmp unix:SOCKET,server=on,wait=off`.
    pub args: Vec<OsString>,
    /// The QMP socket named in `args`.
    pub monitor_socket: PathBuf,
    /// The domain's log file: a line naming the command, then the emulator's output, are
    /// appended to it.
    pub log_file: PathBuf,
    /// How long the emulator may take from spawn to the monitor's greeting.
    pub start_timeout: Duration,
    /// The timeout on each monitor command, afterwards.
    pub command_timeout: Duration,
}

/// A started emulator with its monitor connected and negotiated.
#[derive(Debug)]
pub struct Started {
    /// The process.
    pub emulator: Emulator,
    /// The monitor.
    pub monitor: Qmp,
    /// The monitor's greeting (QEMU's version).
    pub greeting: Greeting,
    /// The monitor's events.
    pub events: EventStream,
}

/// A supervised emulator process. Clones watch the same process; dropping every handle leaves
/// the process running.
#[derive(Clone)]
pub struct Emulator {
    pid: u32,
    pidfd: Arc<OwnedFd>,
    exit: watch::Receiver<Option<Exit>>,
    monitor_socket: PathBuf,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("pid", &self.pid)
            .field("exit", &*self.exit.borrow())
            .field("monitor_socket", &self.monitor_socket)
            .finish()
    }
}

impl Emulator {
    /// Starts the emulator and connects to its monitor (see the module doc). On any error the
    /// process is gone (killed if needed, and reaped) and its socket file removed.
    pub async fn spawn(launch: &Launch) -> Result<Started, ProcessError> {
        let started_at = Instant::now();
        socket::clear_stale_socket(&launch.monitor_socket)?;
        let (log, log_start) = log::open_log(launch)?;
        let log_error = |error: std::io::Error| ProcessError::Log {
            path: launch.log_file.clone(),
            reason: error.to_string(),
        };
        let stdout = log.try_clone().map_err(log_error)?;
        let mut command = tokio::process::Command::new(&launch.program);
        command
            .args(&launch.args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(log)
            .process_group(0)
            .kill_on_drop(false);
        let mut child = command.spawn().map_err(|error| ProcessError::Spawn {
            program: launch.program.clone(),
            reason: error.to_string(),
        })?;
        let pid = child
            .id()
            .expect("a child that was never waited for has a pid");
        // The child is not reaped before the watcher below waits for it, so this pidfd is
        // certain to refer to it.
        let pidfd = match sys::pidfd_open(pid) {
            Ok(pidfd) => pidfd,
            Err(error) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                let _ = std::fs::remove_file(&launch.monitor_socket);
                return Err(ProcessError::Watch {
                    pid,
                    reason: error.to_string(),
                });
            }
        };
        let (exit_sender, exit) = watch::channel(None);
        let socket = launch.monitor_socket.clone();
        tokio::spawn(async move {
            let exit = match child.wait().await {
                Ok(status) => Exit::Exited(status),
                Err(error) => {
                    tracing::warn!(pid, %error, "cannot wait for the emulator");
                    Exit::Vanished
                }
            };
            socket::remove_socket(&socket);
            exit_sender.send_replace(Some(exit));
        });
        let emulator = Emulator {
            pid,
            pidfd: Arc::new(pidfd),
            exit,
            monitor_socket: launch.monitor_socket.clone(),
        };

        // Until the start is settled, a caller that gives up (drops this future) must not
        // leave a half-started emulator behind.
        let mut unsettled = KillUnlessSettled(Some(emulator.clone()));
        let deadline = started_at + launch.start_timeout;
        let result = match emulator.connect_monitor(launch, deadline).await {
            Ok((monitor, greeting, events)) => Ok(Started {
                emulator,
                monitor,
                greeting,
                events,
            }),
            Err(failure) => Err(emulator.fail_start(launch, log_start, failure).await),
        };
        unsettled.0 = None;
        result
    }

    /// Watches an emulator that is not our child, found running with the given monitor socket
    /// (after a service restart). The caller connects to the monitor with [`Qmp::connect`].
    /// Fails when the process is gone (or is a zombie), or when its command line does not name
    /// the socket (the pid was recycled).
    pub fn attach(pid: u32, monitor_socket: &Path) -> Result<Emulator, ProcessError> {
        if is_gone(pid) {
            return Err(ProcessError::NotRunning { pid });
        }
        let pidfd = match sys::pidfd_open(pid) {
            Ok(pidfd) => pidfd,
            Err(error) if error.raw_os_error() == Some(libc::ESRCH) => {
                return Err(ProcessError::NotRunning { pid })
            }
            Err(error) => {
                return Err(ProcessError::Watch {
                    pid,
                    reason: error.to_string(),
                })
            }
        };
        // Checked after the pidfd is open: the pidfd then refers to the process checked.
        if !sys::command_line_mentions(pid, monitor_socket) {
            return Err(if is_gone(pid) {
                ProcessError::NotRunning { pid }
            } else {
                ProcessError::NotTheEmulator {
                    pid,
                    socket: monitor_socket.to_path_buf(),
                }
            });
        }
        let pidfd = Arc::new(pidfd);
        let watch_error = |error: std::io::Error| ProcessError::Watch {
            pid,
            reason: error.to_string(),
        };
        let watched = pidfd.try_clone().map_err(watch_error)?;
        // SAFETY: `watched` is an OwnedFd moved into the AsyncFd: it stays open, and refers to
        // the same pidfd, for as long as the AsyncFd lives.
        let readiness = unsafe { AsyncFd::register_with_interest(watched, Interest::READABLE) }
            .map_err(|error| watch_error(error.into()))?;
        let (exit_sender, exit) = watch::channel(None);
        let socket = monitor_socket.to_path_buf();
        tokio::spawn(async move {
            // A pidfd becomes readable when its process exits (zombie included).
            let _ = readiness.readable().await;
            socket::remove_socket(&socket);
            exit_sender.send_replace(Some(Exit::Vanished));
        });
        Ok(Emulator {
            pid,
            pidfd,
            exit,
            monitor_socket: monitor_socket.to_path_buf(),
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The monitor socket's path.
    pub fn monitor_socket(&self) -> &Path {
        &self.monitor_socket
    }

    /// How the process ended, or `None` while it runs.
    pub fn exit(&self) -> Option<Exit> {
        *self.exit.borrow()
    }

    /// A watch channel that turns `Some` when the process is gone (reaped when it is our child,
    /// and its socket file removed).
    pub fn exit_watch(&self) -> watch::Receiver<Option<Exit>> {
        self.exit.clone()
    }

    /// Waits until the process is gone (see [`Emulator::exit_watch`]).
    pub async fn exited(&self) -> Exit {
        let mut exit = self.exit.clone();
        let known = exit.wait_for(Option::is_some).await.map(|exit| *exit);
        match known {
            Ok(Some(exit)) => exit,
            // The watcher only goes away with the runtime: nothing will ever be known.
            _ => std::future::pending().await,
        }
    }

    /// Sends a signal. Sending to a process that is already gone is not an error.
    pub fn signal(&self, signal: i32) -> Result<(), ProcessError> {
        match sys::pidfd_send_signal(&self.pidfd, signal) {
            Ok(()) => Ok(()),
            Err(error) if error.raw_os_error() == Some(libc::ESRCH) => Ok(()),
            Err(error) => Err(ProcessError::Signal {
                pid: self.pid,
                signal,
                reason: error.to_string(),
            }),
        }
    }

    /// Stops the process: SIGTERM, then SIGKILL if it is still there after `grace`. Returns as
    /// soon as the process is gone.
    pub async fn terminate(&self, grace: Duration) -> Result<Exit, ProcessError> {
        if let Some(exit) = self.exit() {
            return Ok(exit);
        }
        self.signal(libc::SIGTERM)?;
        if let Ok(exit) = tokio::time::timeout(grace, self.exited()).await {
            return Ok(exit);
        }
        self.kill().await
    }

    /// Stops the process with SIGTERM only; fails with [`ProcessError::StillRunning`] (the
    /// process left running) if it is still there after `grace`.
    pub async fn terminate_gracefully(&self, grace: Duration) -> Result<Exit, ProcessError> {
        if let Some(exit) = self.exit() {
            return Ok(exit);
        }
        self.signal(libc::SIGTERM)?;
        tokio::time::timeout(grace, self.exited())
            .await
            .map_err(|_| ProcessError::StillRunning {
                pid: self.pid,
                grace,
            })
    }

    /// SIGKILL, and wait until the process is gone.
    pub async fn kill(&self) -> Result<Exit, ProcessError> {
        self.signal(libc::SIGKILL)?;
        tokio::time::timeout(KILL_WAIT, self.exited())
            .await
            .map_err(|_| ProcessError::Unkillable { pid: self.pid })
    }

    /// Kills a fresh child that failed to start together with anything it started itself (a
    /// wrapper script's children): the whole process group it leads. Its group id cannot have
    /// been recycled, since the child is not reaped yet.
    async fn kill_start_group(&self) -> Result<Exit, ProcessError> {
        sys::signal_group(self.pid, libc::SIGKILL);
        self.kill().await
    }

    /// Connects to the monitor of a freshly spawned emulator, retrying until the socket
    /// accepts, then performs the handshake, all before `deadline`.
    async fn connect_monitor(
        &self,
        launch: &Launch,
        deadline: Instant,
    ) -> Result<(Qmp, Greeting, EventStream), StartFailure> {
        let stream = loop {
            if self.exit().is_some() {
                return Err(StartFailure::Exited);
            }
            match UnixStream::connect(&launch.monitor_socket).await {
                Ok(stream) => break stream,
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                    ) => {}
                Err(error) => {
                    return Err(StartFailure::Monitor(QmpError::Connect {
                        path: launch.monitor_socket.clone(),
                        reason: error.to_string(),
                    }))
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StartFailure::TimedOut);
            }
            tokio::select! {
                _ = tokio::time::sleep(CONNECT_RETRY.min(deadline - now)) => {}
                _ = self.exited() => return Err(StartFailure::Exited),
            }
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        let handshake = Qmp::handshake(stream, launch.command_timeout);
        match tokio::time::timeout(remaining, handshake).await {
            Ok(Ok(connected)) => Ok(connected),
            Ok(Err(error)) => Err(StartFailure::Monitor(error)),
            Err(_) => Err(StartFailure::TimedOut),
        }
    }

    /// Turns a failed start into its error, after making sure the process is gone.
    async fn fail_start(
        &self,
        launch: &Launch,
        log_start: u64,
        failure: StartFailure,
    ) -> ProcessError {
        // QEMU opens its monitor socket before it checks the rest of its arguments, so a
        // monitor that closes during the handshake usually means the process is exiting:
        // give it until the deadline to do so, and report it as an early exit.
        if let StartFailure::Monitor(QmpError::Eof) = failure {
            let deadline = launch.start_timeout.min(Duration::from_secs(1));
            if let Ok(exit) = tokio::time::timeout(deadline, self.exited()).await {
                return ProcessError::EarlyExit {
                    exit,
                    log_tail: log::log_tail(&launch.log_file, log_start),
                };
            }
        }
        let exit = match self.exit() {
            Some(exit) => exit,
            None => match self.kill_start_group().await {
                Ok(exit) => exit,
                Err(error) => return error,
            },
        };
        let log_tail = log::log_tail(&launch.log_file, log_start);
        match failure {
            StartFailure::Exited => ProcessError::EarlyExit { exit, log_tail },
            StartFailure::TimedOut => ProcessError::StartTimeout {
                timeout: launch.start_timeout,
                log_tail,
            },
            StartFailure::Monitor(error) => ProcessError::Monitor(error),
        }
    }
}

/// Kills, when dropped, an emulator whose start was abandoned half-way (the watcher then
/// reaps it and removes its socket).
struct KillUnlessSettled(Option<Emulator>);

impl Drop for KillUnlessSettled {
    fn drop(&mut self) {
        if let Some(emulator) = &self.0 {
            if emulator.exit().is_none() {
                sys::signal_group(emulator.pid, libc::SIGKILL);
                let _ = emulator.signal(libc::SIGKILL);
            }
        }
    }
}

/// Why connecting to a fresh emulator's monitor failed.
enum StartFailure {
    /// The process exited first.
    Exited,
    /// The deadline passed.
    TimedOut,
    /// The monitor misbehaved.
    Monitor(QmpError),
}
