//! The service's log: its level, where it goes, and what each call and event leaves in it.
//!
//! - Level: `--log-level LEVEL` sets the level of virtbus's own lines (zbus and other libraries
//!   stay at `warn` or quieter); without it `RUST_LOG` (a tracing `EnvFilter` directive, e.g.
//!   `virtbus::call=debug,zbus=trace`) decides; with neither the level is [`DEFAULT_LEVEL`].
//! - Destination: under systemd, when `JOURNAL_STREAM` names the device and inode of stderr
//!   (systemd.exec(5)), the journal, through its native protocol, with every field as a journal
//!   field of the same name in capitals (`DBUS_SENDER`, `DBUS_MEMBER`, `CALLER_UID`,
//!   `LIBVIRT_ERROR`, `DOMAIN_UUID`, `DOMAIN_NAME`, ...); otherwise stderr, one line per event. If
//!   the journal cannot be reached, stderr, with a warning.
//! - Content: one line per call ([`calls`]), which calls change state ([`access`]), one `debug`
//!   line per driver event (target `virtbus::event`, written by `crate::events`).

pub mod access;
pub mod calls;

use std::{
    io::IsTerminal,
    os::{fd::AsFd, unix::fs::MetadataExt},
};

use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// The level when neither `--log-level` nor `RUST_LOG` says otherwise: state changes,
/// warnings and errors, and the service's start and stop.
pub const DEFAULT_LEVEL: LogLevel = LogLevel::Info;

/// The crates whose lines `--log-level` governs.
const OWN_CRATES: [&str; 4] = [
    "virtbus",
    "virtbus_core",
    "virtbus_test_driver",
    "virtbus_qemu_driver",
];

/// A level for `--log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Also failures that are not the caller's fault.
    Warn,
    /// Also every call that changes state, with its caller (the default).
    Info,
    /// Also every call and every driver event.
    Debug,
    /// Everything virtbus logs.
    Trace,
}

impl LogLevel {
    /// The level's name as tracing's filters spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// The filter directive for this level: virtbus's crates at this level, the others at
    /// `warn` (or at this level if quieter).
    pub fn directive(self) -> String {
        let others = self.min(LogLevel::Warn).as_str();
        let mut directive = others.to_owned();
        for krate in OWN_CRATES {
            directive.push_str(&format!(",{krate}={}", self.as_str()));
        }
        directive
    }
}

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Standard error, as text.
    Stderr,
    /// The systemd journal, with structured fields.
    Journal,
}

/// The filter: `level` if given, else `RUST_LOG`, else [`DEFAULT_LEVEL`].
pub fn filter(level: Option<LogLevel>) -> EnvFilter {
    match level {
        Some(level) => EnvFilter::new(level.directive()),
        None => EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new(DEFAULT_LEVEL.directive())),
    }
}

/// Whether `journal_stream` (the value of `JOURNAL_STREAM`, `<device>:<inode>` in decimal)
/// names the file that standard error is.
pub fn names_stderr(journal_stream: &str) -> bool {
    let Some((dev, ino)) = journal_stream.trim().split_once(':') else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    let Ok(stderr) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return false;
    };
    match std::fs::File::from(stderr).metadata() {
        Ok(meta) => meta.dev() == dev && meta.ino() == ino,
        Err(_) => false,
    }
}

/// The destination the environment asks for: the journal when `JOURNAL_STREAM` names
/// stderr.
pub fn wanted_destination() -> Destination {
    match std::env::var("JOURNAL_STREAM") {
        Ok(stream) if names_stderr(&stream) => Destination::Journal,
        _ => Destination::Stderr,
    }
}

/// Installs the global subscriber: `filter(level)`, to the journal or stderr as
/// [`wanted_destination`] says. Returns where lines go.
pub fn init(level: Option<LogLevel>) -> Destination {
    let filter = filter(level);
    let journal = match wanted_destination() {
        Destination::Journal => Some(
            tracing_journald::layer()
                .map(|l| {
                    l.with_field_prefix(None)
                        .with_syslog_identifier("virtbus".to_owned())
                })
                .map_err(|e| e.to_string()),
        ),
        Destination::Stderr => None,
    };
    match journal {
        Some(Ok(layer)) => {
            tracing_subscriber::registry()
                .with(layer.with_filter(filter))
                .init();
            Destination::Journal
        }
        other => {
            tracing_subscriber::registry()
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(std::io::stderr)
                        .with_ansi(std::io::stderr().is_terminal())
                        .with_filter(filter),
                )
                .init();
            if let Some(Err(e)) = other {
                tracing::warn!(error = %e, "cannot reach the journal: logging to stderr");
            }
            Destination::Stderr
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_level_governs_our_crates_only() {
        assert_eq!(
            LogLevel::Debug.directive(),
            "warn,virtbus=debug,virtbus_core=debug,virtbus_test_driver=debug,virtbus_qemu_driver=debug"
        );
        assert!(LogLevel::Error.directive().starts_with("error,"));
        assert_eq!(DEFAULT_LEVEL, LogLevel::Info);
    }

    #[test]
    fn journal_stream_must_name_stderr() {
        assert!(!names_stderr(""));
        assert!(!names_stderr("12"));
        assert!(!names_stderr("a:b"));
        // The test's stderr is whatever the harness made it; its own numbers match.
        let meta = std::fs::metadata("/proc/self/fd/2").expect("stat stderr");
        assert!(names_stderr(&format!("{}:{}", meta.dev(), meta.ino())));
        assert!(!names_stderr(&format!("{}:{}", meta.dev(), meta.ino() + 1)));
    }
}
