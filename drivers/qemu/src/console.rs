//! Console sessions (virDomainOpenConsole): the client's file descriptor joined to the pty of
//! a guest's serial port or console by a tokio task that copies both ways.
//!
//! One session per device, as libvirt's `virChrdevOpen` keeps it: a second one is refused
//! unless forced, and forcing ends the first (its client reads end-of-file). A session ends
//! when either side closes: the client, or QEMU when the guest stops (the pty then reads
//! EIO); a running guest's sessions also end with it, when its [`Consoles`] are dropped.

use std::{
    collections::HashMap,
    ffi::CString,
    io,
    os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd},
    path::Path,
};

use tokio::{io::unix::AsyncFd, task::JoinHandle};
use virtbus_core::{flags::check_flags, model::DomainDef, Error, Result};

use crate::domains::Slot;

/// The console sessions of one running guest, by device alias. Dropping it ends them all.
#[derive(Debug, Default)]
pub struct Consoles {
    sessions: HashMap<String, JoinHandle<()>>,
}

/// Why a console session could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Another client holds the device's console and the caller did not force it.
    #[error("Active console session exists for this domain")]
    Busy,
    /// The pty could not be opened.
    #[error("Unable to open '{path}': {source}")]
    Pty {
        /// The pty's path.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The client's file descriptor cannot be watched (e.g. a regular file).
    #[error("cannot use the passed file descriptor as a console stream: {0}")]
    Client(#[source] io::Error),
}

impl Consoles {
    /// Joins `client` to the pty at `pty` as the console session of device `alias`. An
    /// active session of that device is refused ([`ConsoleError::Busy`]) unless `force`,
    /// which ends it.
    pub fn open(
        &mut self,
        alias: &str,
        pty: &Path,
        client: OwnedFd,
        force: bool,
    ) -> Result<(), ConsoleError> {
        if let Some(active) = self.sessions.get(alias).filter(|s| !s.is_finished()) {
            if !force {
                return Err(ConsoleError::Busy);
            }
            active.abort();
        }
        let pty_fd = open_pty(pty).map_err(|source| ConsoleError::Pty {
            path: pty.display().to_string(),
            source,
        })?;
        let pty_fd = watch(pty_fd).map_err(|source| ConsoleError::Pty {
            path: pty.display().to_string(),
            source,
        })?;
        set_nonblocking(client.as_raw_fd()).map_err(ConsoleError::Client)?;
        let client = watch(client).map_err(ConsoleError::Client)?;
        let task = tokio::spawn(bridge(pty_fd, client));
        self.sessions.insert(alias.to_owned(), task);
        Ok(())
    }
}

impl Drop for Consoles {
    fn drop(&mut self) {
        for session in self.sessions.values() {
            session.abort();
        }
    }
}

/// Copies both ways between the pty and the client until one side closes or fails.
async fn bridge(pty: AsyncFd<OwnedFd>, client: AsyncFd<OwnedFd>) {
    tokio::select! {
        end = pump(&pty, &client) => tracing::debug!(?end, "console: the guest side ended"),
        end = pump(&client, &pty) => tracing::debug!(?end, "console: the client side ended"),
    }
}

/// Copies from `from` to `to` until `from` reads end-of-file (`Ok`) or either fails.
async fn pump(from: &AsyncFd<OwnedFd>, to: &AsyncFd<OwnedFd>) -> io::Result<()> {
    let mut buffer = [0u8; 4096];
    loop {
        let read = loop {
            let mut ready = from.readable().await?;
            if let Ok(result) = ready.try_io(|fd| sys_read(fd.as_raw_fd(), &mut buffer)) {
                break result?;
            }
        };
        if read == 0 {
            return Ok(());
        }
        let mut sent = 0;
        while sent < read {
            let mut ready = to.writable().await?;
            if let Ok(result) = ready.try_io(|fd| sys_write(fd.as_raw_fd(), &buffer[sent..read])) {
                sent += result?;
            }
        }
    }
}

/// Opens the pty for reading and writing, never as the service's controlling terminal, in
/// raw mode (as libvirt's `virFDStreamOpenPTY` does), non-blocking.
fn open_pty(path: &Path) -> io::Result<OwnedFd> {
    use std::os::unix::ffi::OsStrExt;
    let name = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `name` is a valid NUL-terminated string; open has no other preconditions.
    let fd = unsafe {
        libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: termios is plain data; tcgetattr fills it for a valid terminal fd.
    let mut tty: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `tty` is a valid termios to fill or read.
    unsafe {
        if libc::tcgetattr(fd.as_raw_fd(), &mut tty) == 0 {
            libc::cfmakeraw(&mut tty);
            libc::tcsetattr(fd.as_raw_fd(), libc::TCSADRAIN, &tty);
        }
    }
    Ok(fd)
}

/// Registers `fd` with the runtime's reactor.
fn watch(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: an `OwnedFd` stays open, and is the same descriptor, for as long as the
    // `AsyncFd` owns it.
    unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)
}

/// Sets `O_NONBLOCK` on `fd`.
fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on an open fd with F_GETFL/F_SETFL has no memory-safety preconditions.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn sys_read(fd: RawFd, buffer: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buffer` is valid for writes of its length.
    let n = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
    // A pty whose other side closed reads EIO: that is its end-of-file.
    match usize::try_from(n) {
        Ok(n) => Ok(n),
        Err(_) => match io::Error::last_os_error() {
            e if e.raw_os_error() == Some(libc::EIO) => Ok(0),
            e => Err(e),
        },
    }
}

fn sys_write(fd: RawFd, buffer: &[u8]) -> io::Result<usize> {
    // SAFETY: `buffer` is valid for reads of its length.
    let n = unsafe { libc::write(fd, buffer.as_ptr().cast(), buffer.len()) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// The device `dev` names (an alias; `None`: the first console, else the first serial
/// port) among the consoles, then the serial ports, of the live definition, as libvirt's
/// `qemuDomainOpenConsole` looks it up; returns its alias and pty path. A device that is not
/// found, or not a pty, is libvirt's internal error.
pub fn find_pty(live: &DomainDef, dev: Option<&str>) -> Result<(String, String)> {
    let devices = &live.devices;
    let chr = match dev {
        Some(dev) => devices
            .consoles
            .iter()
            .chain(&devices.serials)
            .find(|c| c.alias.as_deref() == Some(dev)),
        None => devices.consoles.first().or(devices.serials.first()),
    };
    let chr = chr.ok_or_else(|| {
        Error::Internal(format!(
            "cannot find character device {}",
            dev.unwrap_or("<null>")
        ))
    })?;
    let alias = chr.alias.clone().unwrap_or_default();
    match (chr.char_type.as_str(), &chr.source_path) {
        ("pty", Some(path)) => Ok((alias, path.clone())),
        _ => Err(Error::Internal(format!(
            "character device {} is not using a PTY",
            dev.unwrap_or(&alias)
        ))),
    }
}

/// virDomainOpenConsole for the running guest of `slot`: `client` joined to the pty of
/// device `dev`. `flags`: FORCE ends another session of that device, SAFE (mutual
/// exclusion, which this driver always has) is accepted.
pub(crate) fn open(slot: &Slot, dev: Option<&str>, client: OwnedFd, flags: u32) -> Result<()> {
    check_flags(flags, FORCE | SAFE, "qemuDomainOpenConsole")?;
    let mut dom = slot.lock();
    let run = dom.running()?;
    let (alias, pty) = find_pty(&run.live, dev)?;
    run.consoles
        .open(&alias, Path::new(&pty), client, flags & FORCE != 0)
        .map_err(|e| match e {
            ConsoleError::Busy => Error::OperationFailed(e.to_string()),
            ConsoleError::Pty { .. } => Error::System(e.to_string()),
            ConsoleError::Client(_) => Error::InvalidArg(e.to_string()),
        })
}

/// `VIR_DOMAIN_CONSOLE_FORCE`: end another session of the device.
pub const FORCE: u32 = 1;
/// `VIR_DOMAIN_CONSOLE_SAFE`: open only with mutual exclusion between sessions.
pub const SAFE: u32 = 2;

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixStream;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A pty pair: the master, and the slave's path.
    fn pty_pair() -> (OwnedFd, std::path::PathBuf) {
        // SAFETY: posix_openpt/grantpt/unlockpt/ptsname on a fresh master.
        unsafe {
            let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            assert!(master >= 0);
            assert_eq!(libc::grantpt(master), 0);
            assert_eq!(libc::unlockpt(master), 0);
            let name = std::ffi::CStr::from_ptr(libc::ptsname(master));
            (
                OwnedFd::from_raw_fd(master),
                std::path::PathBuf::from(name.to_str().unwrap()),
            )
        }
    }

    #[tokio::test]
    async fn bridges_both_ways_and_refuses_a_second_session_unless_forced() {
        let (master, slave) = pty_pair();
        let mut master = tokio::fs::File::from_std(std::fs::File::from(master));
        let mut consoles = Consoles::default();
        let (ours, theirs) = UnixStream::pair().unwrap();
        consoles
            .open("serial0", &slave, OwnedFd::from(theirs), false)
            .unwrap();
        ours.set_nonblocking(true).unwrap();
        let mut ours = tokio::net::UnixStream::from_std(ours).unwrap();
        ours.write_all(b"typed").await.unwrap();
        let mut got = [0u8; 5];
        master.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"typed");
        master.write_all(b"shown").await.unwrap();
        ours.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"shown");

        let (_, second) = UnixStream::pair().unwrap();
        let busy = consoles.open("serial0", &slave, OwnedFd::from(second), false);
        assert!(matches!(busy, Err(ConsoleError::Busy)), "{busy:?}");
        let (_, forced) = UnixStream::pair().unwrap();
        consoles
            .open("serial0", &slave, OwnedFd::from(forced), true)
            .unwrap();
        let mut rest = Vec::new();
        let ended = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            ours.read_to_end(&mut rest),
        )
        .await;
        assert!(matches!(ended, Ok(Ok(0))), "the first client reads EOF");
    }
}
