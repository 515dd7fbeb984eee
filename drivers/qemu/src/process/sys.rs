//! The Linux process primitives supervision rests on: pidfds, signals through them, and
//! /proc.

use std::{
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
    path::Path,
};

/// Whether `pid` is gone or only a zombie (its parent has yet to reap it, which on these
/// machines can take seconds: reference §3.2).
pub fn is_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // The state follows the command name, which is in parentheses and may hold any byte.
    let state = stat
        .rfind(')')
        .and_then(|end| stat[end + 1..].split_whitespace().next());
    matches!(state, Some("Z" | "X" | "x"))
}

/// Whether the command line of `pid` names `socket` (as `-qmp unix:SOCKET,...` does).
pub(super) fn command_line_mentions(pid: u32, socket: &Path) -> bool {
    let Ok(command_line) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let needle = socket.as_os_str().as_encoded_bytes();
    !needle.is_empty()
        && command_line
            .windows(needle.len())
            .any(|window| window == needle)
}

/// A pidfd for `pid` (pidfd_open(2)).
pub(super) fn pidfd_open(pid: u32) -> std::io::Result<OwnedFd> {
    let pid =
        libc::pid_t::try_from(pid).map_err(|_| std::io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(|_| std::io::Error::from_raw_os_error(libc::EBADF))?;
    // SAFETY: the descriptor was just returned by the kernel and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sends `signal` through a pidfd (pidfd_send_signal(2)), so it cannot reach a recycled pid.
pub(super) fn pidfd_send_signal(pidfd: &OwnedFd, signal: i32) -> std::io::Result<()> {
    // SAFETY: the pidfd is a valid open descriptor; the info pointer may be null.
    let result = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Sends `signal` to every process of the group `group`.
pub(super) fn signal_group(group: u32, signal: i32) {
    if let Ok(group) = libc::pid_t::try_from(group) {
        // SAFETY: killpg takes a process group id and a signal.
        unsafe { libc::killpg(group, signal) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_is_not_gone_and_a_free_pid_is() {
        assert!(!is_gone(std::process::id()));
        assert!(is_gone(u32::MAX));
    }
}
