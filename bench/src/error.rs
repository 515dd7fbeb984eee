//! Errors that stop the benchmark itself (as opposed to a service failing one workload, which is
//! reported as a figure).

use std::{io, path::PathBuf};

/// A failure of the benchmark harness: it could not start, reach or measure a process.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A program could not be started.
    #[error("Cannot start {program}: {source}")]
    Spawn {
        /// The program that failed to start.
        program: String,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// A file in the benchmark's temporary directory could not be written or read.
    #[error("Cannot use {path}: {source}")]
    File {
        /// The file concerned.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// The private dbus-daemon did not come up.
    #[error("Private dbus-daemon failed: {0}")]
    Bus(String),
    /// The service under test did not take the name, or died.
    #[error("Service {binary} failed: {reason}")]
    Service {
        /// The service binary.
        binary: String,
        /// What went wrong, with the tail of its log when there is one.
        reason: String,
    },
    /// A D-Bus operation of the harness itself (not a measured call) failed.
    #[error("D-Bus: {0}")]
    Dbus(#[from] zbus::Error),
    /// A call to the bus daemon itself failed.
    #[error("D-Bus daemon: {0}")]
    Daemon(#[from] zbus::fdo::Error),
    /// A value read from /proc could not be parsed.
    #[error("Cannot read {what} of process {pid}: {reason}")]
    Proc {
        /// What was read (e.g. "CPU time").
        what: &'static str,
        /// The process.
        pid: u32,
        /// Why it failed.
        reason: String,
    },
    /// A command-line argument is out of range.
    #[error("Invalid argument: {0}")]
    Usage(String),
    /// The run was interrupted by a signal.
    #[error("Interrupted by {0}")]
    Interrupted(&'static str),
}
