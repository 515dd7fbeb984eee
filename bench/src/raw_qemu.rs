//! Raw qemu spawn-to-greeting: the floor under any Create. The command line is the one the
//! service under test gave its own guest (read from /proc), with only the QMP socket moved;
//! the time runs from spawn until the QMP greeting line has been read from that socket.
//!
//! QEMU greets from its monitor thread before its main loop runs (with `-kernel` it is still
//! loading the kernel and initramfs then), so the time until `qmp_capabilities` is answered,
//! the first moment any client can act, is taken too.

use std::{
    io,
    path::Path,
    process::{Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::UnixStream,
};

use crate::process::ProcessGuard;

/// How long qemu may take to greet.
const GREETING_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between attempts to connect while the socket does not exist yet.
const CONNECT_RETRY: Duration = Duration::from_millis(1);

/// One raw spawn, timed from the spawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTimes {
    /// Until the greeting line was read.
    pub greeting: Duration,
    /// Until the reply to `qmp_capabilities` was read.
    pub capabilities: Duration,
}

/// Why one spawn-to-greeting could not be timed.
#[derive(Debug, thiserror::Error)]
pub enum RawQemuError {
    /// The captured command line cannot be reused.
    #[error("Command line not reusable: {0}")]
    CommandLine(String),
    /// qemu could not be started.
    #[error("Cannot start {program}: {source}")]
    Spawn {
        /// The emulator.
        program: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// qemu exited before greeting.
    #[error("qemu exited before the QMP greeting ({0})")]
    Exited(ExitStatus),
    /// Reading or writing the socket failed.
    #[error("Talking on the QMP socket: {0}")]
    Read(#[source] io::Error),
    /// qemu refused `qmp_capabilities`.
    #[error("qmp_capabilities failed: {0}")]
    Refused(String),
    /// No greeting in time.
    #[error("No QMP greeting within {} s", GREETING_TIMEOUT.as_secs())]
    Timeout,
}

/// `captured` (program first) with the `-qmp` value replaced by a server socket at `socket`.
/// Refused when there is no `-qmp`, or when the line refers to file descriptors the service
/// passed, which a fresh spawn would not have.
pub fn reuse_command_line(captured: &[String], socket: &Path) -> Result<Vec<String>, RawQemuError> {
    let not = |why: &str| RawQemuError::CommandLine(why.to_owned());
    if captured.is_empty() {
        return Err(not("empty"));
    }
    if captured
        .iter()
        .any(|a| a.contains("/dev/fdset") || a.split(',').any(|kv| kv.starts_with("fd=")))
    {
        return Err(not("it passes file descriptors"));
    }
    let at = captured
        .iter()
        .position(|a| a == "-qmp")
        .filter(|&i| i + 1 < captured.len())
        .ok_or_else(|| not("no -qmp option"))?;
    let mut args = captured.to_vec();
    args[at + 1] = format!("unix:{},server=on,wait=off", socket.display());
    Ok(args)
}

/// Spawns `argv` (program first; its QMP socket at `socket`), connects as soon as the socket
/// accepts, reads the greeting, negotiates capabilities, and returns both times. qemu is
/// ended afterwards.
pub async fn spawn_to_greeting(argv: &[String], socket: &Path) -> Result<RawTimes, RawQemuError> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| RawQemuError::CommandLine("empty".into()))?;
    let _ = std::fs::remove_file(socket);
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let child = command.spawn().map_err(|source| RawQemuError::Spawn {
        program: program.clone(),
        source,
    })?;
    let mut guard = ProcessGuard::new(child, "raw qemu");
    let result = tokio::time::timeout(GREETING_TIMEOUT, greeting(&mut guard, socket, started))
        .await
        .unwrap_or(Err(RawQemuError::Timeout));
    // Ending qemu (SIGTERM, a few ms) polls: keep it off the runtime's threads.
    let _ = tokio::task::spawn_blocking(move || guard.stop()).await;
    let _ = std::fs::remove_file(socket);
    result
}

async fn greeting(
    guard: &mut ProcessGuard,
    socket: &Path,
    started: Instant,
) -> Result<RawTimes, RawQemuError> {
    let stream = loop {
        match UnixStream::connect(socket).await {
            Ok(stream) => break stream,
            Err(_) => {
                if let Some(status) = guard.exited() {
                    return Err(RawQemuError::Exited(status));
                }
                tokio::time::sleep(CONNECT_RETRY).await;
            }
        }
    };
    let mut reader = BufReader::new(stream);
    let greeting = loop {
        let line = next_line(&mut reader, guard).await?;
        if line.contains("\"QMP\"") {
            break started.elapsed();
        }
    };
    reader
        .get_mut()
        .write_all(b"{\"execute\":\"qmp_capabilities\"}\n")
        .await
        .map_err(RawQemuError::Read)?;
    loop {
        let line = next_line(&mut reader, guard).await?;
        if line.contains("\"return\"") {
            return Ok(RawTimes {
                greeting,
                capabilities: started.elapsed(),
            });
        }
        if line.contains("\"error\"") {
            return Err(RawQemuError::Refused(line.trim().to_owned()));
        }
    }
}

/// The next line from qemu; its exit status when it closed the socket.
async fn next_line(
    reader: &mut BufReader<UnixStream>,
    guard: &mut ProcessGuard,
) -> Result<String, RawQemuError> {
    let mut line = String::new();
    let read = reader
        .read_line(&mut line)
        .await
        .map_err(RawQemuError::Read)?;
    if read > 0 {
        return Ok(line);
    }
    Err(match guard.exited() {
        Some(status) => RawQemuError::Exited(status),
        None => RawQemuError::Read(io::ErrorKind::UnexpectedEof.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_the_qmp_socket_moves() {
        let captured = args(&[
            "/usr/bin/qemu-system-x86_64",
            "-S",
            "-qmp",
            "unix:/run/x/monitor.sock,server=on,wait=off",
            "-m",
            "size=131072k",
        ]);
        let argv = reuse_command_line(&captured, Path::new("/tmp/raw.sock")).unwrap();
        assert_eq!(argv[3], "unix:/tmp/raw.sock,server=on,wait=off");
        assert_eq!(argv[..3], captured[..3]);
        assert_eq!(argv[4..], captured[4..]);
    }

    #[test]
    fn passed_descriptors_or_no_monitor_are_refused() {
        let sock = Path::new("/tmp/raw.sock");
        assert!(reuse_command_line(&args(&["q", "-S"]), sock).is_err());
        assert!(reuse_command_line(&args(&["q", "-qmp"]), sock).is_err());
        assert!(reuse_command_line(&[], sock).is_err());
        let fds = args(&["q", "-qmp", "unix:/a", "-chardev", "socket,id=c,fd=5"]);
        assert!(reuse_command_line(&fds, sock).is_err());
    }
}
