//! A private dbus-daemon for one service under test: session type, a Unix socket in a temporary
//! directory, no service activation, its own configuration file.

use std::{
    fs,
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use tempfile::TempDir;

use crate::{error::BenchError, process::ProcessGuard};

/// How long the daemon may take to print its address.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running private bus. Dropping it stops the daemon and removes the directory.
#[derive(Debug)]
pub struct PrivateBus {
    // Field order matters: the daemon is stopped before its directory is removed.
    daemon: ProcessGuard,
    address: String,
    dir: TempDir,
}

impl PrivateBus {
    /// Starts `dbus_daemon` with a fresh configuration in a new temporary directory and waits
    /// until it prints its address.
    pub async fn start(dbus_daemon: &str) -> Result<Self, BenchError> {
        let dir = tempfile::Builder::new()
            .prefix("virtbus-bench-")
            .tempdir()
            .map_err(|source| BenchError::File {
                path: std::env::temp_dir(),
                source,
            })?;
        let config = dir.path().join("bus.conf");
        write_file(&config, &config_text(&dir.path().join("bus.socket")))?;
        let log_path = dir.path().join("dbus-daemon.log");
        let log = fs::File::create(&log_path).map_err(|source| BenchError::File {
            path: log_path.clone(),
            source,
        })?;

        let mut command = Command::new(dbus_daemon);
        command
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = command.spawn().map_err(|source| BenchError::Spawn {
            program: dbus_daemon.to_owned(),
            source,
        })?;
        let stdout = child.stdout.take();
        let daemon = ProcessGuard::new(child, "dbus-daemon");
        let Some(stdout) = stdout else {
            return Err(BenchError::Bus("no stdout pipe".into()));
        };

        // Reading blocks; if the daemon never answers, the timeout fires and dropping `daemon`
        // kills it, which closes the pipe and ends the reading thread.
        let read = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let address = match tokio::time::timeout(STARTUP_TIMEOUT, read).await {
            Ok(Ok(Ok(line))) if !line.trim().is_empty() => line.trim().to_owned(),
            Ok(Ok(Ok(_))) => {
                let log = fs::read_to_string(&log_path).unwrap_or_default();
                return Err(BenchError::Bus(format!("exited without an address: {log}")));
            }
            Ok(Ok(Err(e))) => return Err(BenchError::Bus(e.to_string())),
            Ok(Err(e)) => return Err(BenchError::Bus(e.to_string())),
            Err(_) => return Err(BenchError::Bus("no address within 10 s".into())),
        };
        Ok(Self {
            daemon,
            address,
            dir,
        })
    }

    /// The bus address, for `DBUS_SESSION_BUS_ADDRESS` and for client connections.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The daemon's process id (to read its CPU time).
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The temporary directory, where service logs go too.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), BenchError> {
    fs::write(path, text).map_err(|source| BenchError::File {
        path: path.to_owned(),
        source,
    })
}

/// A session-type bus configuration: one Unix socket, everything allowed, no `<servicedir>`
/// (so no activation), and limits large enough for replies listing many thousands of objects.
fn config_text(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="reply_timeout">300000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
</busconfig>
"#,
        socket = socket.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_socket_and_no_service_dir() {
        let text = config_text(Path::new("/tmp/x/bus.socket"));
        assert!(text.contains("<listen>unix:path=/tmp/x/bus.socket</listen>"));
        assert!(text.contains("<type>session</type>"));
        assert!(!text.contains("servicedir"));
    }
}
