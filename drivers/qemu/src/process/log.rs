//! The domain's log file: the command line, then the emulator's output; its tail for errors.

use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    os::unix::fs::OpenOptionsExt,
    path::Path,
    time::{SystemTime, UNIX_EPOCH},
};

use super::{Launch, ProcessError};

/// How many lines of the log an error quotes.
const LOG_TAIL_LINES: usize = 10;
/// How many bytes from the end of the log are read for those lines.
const LOG_TAIL_BYTES: u64 = 16 * 1024;

/// Opens the log for appending, writes the command line, and returns the file with the offset
/// where the emulator's own output starts.
pub(super) fn open_log(launch: &Launch) -> Result<(File, u64), ProcessError> {
    let log_error = |error: std::io::Error| ProcessError::Log {
        path: launch.log_file.clone(),
        reason: error.to_string(),
    };
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&launch.log_file)
        .map_err(log_error)?;
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut header = format!(
        "{}.{:03}: starting: {}",
        since_epoch.as_secs(),
        since_epoch.subsec_millis(),
        launch.program.display()
    );
    for arg in &launch.args {
        header.push(' ');
        header.push_str(&arg.to_string_lossy());
    }
    header.push('\n');
    log.write_all(header.as_bytes()).map_err(log_error)?;
    let start = log.seek(SeekFrom::End(0)).map_err(log_error)?;
    Ok((log, start))
}

/// The last lines the emulator wrote to its log since `start`, joined by newlines.
pub(super) fn log_tail(path: &Path, start: u64) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let end = file
        .metadata()
        .map(|metadata| metadata.len())
        .unwrap_or(start);
    let from = start.max(end.saturating_sub(LOG_TAIL_BYTES));
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(from)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_log_tail_holds_only_what_came_after_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "old line\nheader\n").unwrap();
        let start = std::fs::metadata(&path).unwrap().len();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        for n in 0..20 {
            writeln!(file, "line {n}").unwrap();
        }
        let tail = log_tail(&path, start);
        assert_eq!(tail.lines().count(), LOG_TAIL_LINES);
        assert!(
            tail.starts_with("line 10\n") && tail.ends_with("line 19"),
            "{tail}"
        );
    }
}
