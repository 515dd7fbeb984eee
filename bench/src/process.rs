//! Child processes that are always ended by pid, and what /proc says about a process.

use std::{
    fs,
    process::{Child, ExitStatus},
    thread,
    time::{Duration, Instant},
};

use crate::error::BenchError;

/// How long a child gets to exit after SIGTERM before it is killed.
const TERM_GRACE: Duration = Duration::from_secs(3);

/// A child process that is terminated (SIGTERM, then SIGKILL) and reaped when dropped, so that
/// no process outlives the benchmark, also on error, panic or Ctrl-C.
#[derive(Debug)]
pub struct ProcessGuard {
    child: Child,
    name: String,
}

impl ProcessGuard {
    /// Takes ownership of a freshly spawned child.
    pub fn new(child: Child, name: impl Into<String>) -> Self {
        Self {
            child,
            name: name.into(),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the child has already exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Terminates the child now and waits for it (bounded by the grace period plus SIGKILL).
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        if self.exited().is_some() {
            return;
        }
        let Ok(pid) = libc::pid_t::try_from(self.child.id()) else {
            let _ = self.child.kill();
            let _ = self.child.wait();
            return;
        };
        // SAFETY: kill(2) with a pid we own (our unreaped child, so the pid cannot have been
        // reused) and a valid signal number has no memory-safety requirements.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + TERM_GRACE;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
        eprintln!("bench: {} ignored SIGTERM, killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Kills, when dropped, every process whose command name starts with `prefix` and whose
/// command line contains `marker`: the guests a failed or interrupted run left running (a
/// service stopped with SIGTERM leaves its guests running, and libvirtd's guests are not its
/// children). The marker names this run's guests and nothing else.
#[derive(Debug)]
pub struct StrayGuard {
    prefix: &'static str,
    marker: String,
}

impl StrayGuard {
    /// Guards the processes `prefix` + `marker` describe.
    pub fn new(prefix: &'static str, marker: impl Into<String>) -> Self {
        Self {
            prefix,
            marker: marker.into(),
        }
    }

    /// Kills the matching processes now; how many there were.
    pub fn sweep(&self) -> usize {
        let strays: Vec<u32> = find_processes(None, self.prefix)
            .into_iter()
            .filter(|&pid| {
                cmdline(pid).is_ok_and(|args| args.iter().any(|a| a.contains(&self.marker)))
            })
            .collect();
        for &pid in &strays {
            let Ok(pid) = libc::pid_t::try_from(pid) else {
                continue;
            };
            // SAFETY: kill(2) with a valid signal number has no memory-safety requirements;
            // the pid was matched by command line just above.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        strays.len()
    }
}

impl Drop for StrayGuard {
    fn drop(&mut self) {
        let killed = self.sweep();
        if killed > 0 {
            eprintln!(
                "bench: killed {killed} guest(s) left running ({})",
                self.marker
            );
        }
    }
}

/// Total CPU time (user + system, all threads) a process has used so far.
pub fn cpu_time(pid: u32) -> Result<Duration, BenchError> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| BenchError::Proc {
        what: "CPU time",
        pid,
        reason: e.to_string(),
    })?;
    let ticks = parse_stat_cpu_ticks(&text).ok_or_else(|| BenchError::Proc {
        what: "CPU time",
        pid,
        reason: "unexpected /proc/PID/stat format".into(),
    })?;
    Ok(ticks_to_duration(ticks))
}

/// CPU time all CPUs of the machine spent busy so far (everything but idle and iowait), from
/// the first line of /proc/stat.
pub fn system_busy_time() -> Result<Duration, BenchError> {
    let failure = |reason: String| BenchError::Proc {
        what: "system CPU time",
        pid: 0,
        reason,
    };
    let text = fs::read_to_string("/proc/stat").map_err(|e| failure(e.to_string()))?;
    let ticks = parse_system_busy_ticks(&text)
        .ok_or_else(|| failure("unexpected /proc/stat format".into()))?;
    Ok(ticks_to_duration(ticks))
}

/// Resident set size in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> Result<u64, BenchError> {
    status_kib(pid, "VmRSS:")
}

/// Peak resident set size in KiB (`VmHWM`).
pub fn peak_rss_kib(pid: u32) -> Result<u64, BenchError> {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: u32, key: &'static str) -> Result<u64, BenchError> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| BenchError::Proc {
        what: key,
        pid,
        reason: e.to_string(),
    })?;
    parse_status_kib(&text, key).ok_or_else(|| BenchError::Proc {
        what: key,
        pid,
        reason: "field missing in /proc/PID/status".into(),
    })
}

/// The processes whose command name (`comm`) starts with `prefix`, only the children of
/// `parent` when given, from a scan of /proc (processes that vanish meanwhile are skipped).
pub fn find_processes(parent: Option<u32>, prefix: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    parse_stat_comm_ppid(&stat).map(|(comm, ppid)| {
                        comm.starts_with(prefix) && parent.is_none_or(|p| p == ppid)
                    })
                })
                .unwrap_or(false)
        })
        .collect()
}

/// The command line of a process, one string per argument.
pub fn cmdline(pid: u32) -> Result<Vec<String>, BenchError> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).map_err(|e| BenchError::Proc {
        what: "command line",
        pid,
        reason: e.to_string(),
    })?;
    Ok(split_cmdline(&raw))
}

/// Splits the NUL-separated arguments of /proc/PID/cmdline.
fn split_cmdline(raw: &[u8]) -> Vec<String> {
    raw.split(|&b| b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// The command name (field 2) and parent pid (field 4) of a /proc/PID/stat line.
fn parse_stat_comm_ppid(stat: &str) -> Option<(&str, u32)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let ppid = stat[close + 1..].split_whitespace().nth(1)?.parse().ok()?;
    Some((comm, ppid))
}

/// The machine's load average over the last minute (first field of /proc/loadavg): how busy
/// other work kept the CPUs while figures were taken.
pub fn load_average() -> Option<f64> {
    parse_loadavg(&fs::read_to_string("/proc/loadavg").ok()?)
}

fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// utime + stime (fields 14 and 15) of a /proc/PID/stat line, in clock ticks.
fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may contain spaces: skip past its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // `rest` starts at field 3 (state), so utime (14) is the 12th item and stime the 13th.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// user + nice + system + irq + softirq + steal of the aggregate `cpu` line, in clock ticks.
fn parse_system_busy_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal ...
    let busy = [0usize, 1, 2, 5, 6, 7];
    busy.iter().map(|&i| fields.get(i).copied()).sum()
}

fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // SAFETY: sysconf has no memory-safety requirements.
    let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_sec = u64::try_from(per_sec)
        .ok()
        .filter(|&t| t > 0)
        .unwrap_or(100);
    Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / per_sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_after_a_name_with_spaces_and_parens() {
        let line = "1234 (a b) c) S 1 2 3 4 5 6 7 8 9 10 250 70 11 12 20 0 4 0 99 1000 50";
        assert_eq!(parse_stat_cpu_ticks(line), Some(320));
    }

    #[test]
    fn stat_comm_and_ppid() {
        let line = "4321 (qemu-system-x86) S 1234 4321 1 0 -1 4194560 0";
        assert_eq!(parse_stat_comm_ppid(line), Some(("qemu-system-x86", 1234)));
        assert_eq!(parse_stat_comm_ppid("1 (a) b) S 7 1"), Some(("a) b", 7)));
        assert_eq!(parse_stat_comm_ppid("1 (x)"), None);
    }

    #[test]
    fn cmdline_splits_on_nul() {
        assert_eq!(
            split_cmdline(b"qemu\0-S\0-qmp\0unix:/a,server=on\0"),
            ["qemu", "-S", "-qmp", "unix:/a,server=on"]
        );
    }

    #[test]
    fn loadavg_first_field() {
        assert_eq!(parse_loadavg("9.52 9.60 7.76 3/412 8123\n"), Some(9.52));
        assert_eq!(parse_loadavg(""), None);
    }

    #[test]
    fn stat_too_short_is_rejected() {
        assert_eq!(parse_stat_cpu_ticks("1 (x) S 1 2"), None);
    }

    #[test]
    fn status_rss_is_read() {
        let status = "Name:\tx\nVmHWM:\t  9000 kB\nVmRSS:\t  8124 kB\n";
        assert_eq!(parse_status_kib(status, "VmRSS:"), Some(8124));
        assert_eq!(parse_status_kib(status, "VmHWM:"), Some(9000));
        assert_eq!(parse_status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn system_busy_skips_idle_and_iowait() {
        let stat = "cpu  10 1 5 1000 50 2 3 4 0 0\ncpu0 5 0 2 500 25 1 1 2 0 0\n";
        assert_eq!(parse_system_busy_ticks(stat), Some(25));
        assert_eq!(parse_system_busy_ticks("cpu0 1 2 3\n"), None);
    }

    #[test]
    fn own_process_is_readable() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap_or(0) > 0);
        assert!(cpu_time(pid).is_ok());
    }
}
