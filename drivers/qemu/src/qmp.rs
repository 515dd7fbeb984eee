//! The QMP client: one connection to a QEMU monitor socket, on tokio.
//!
//! [`Qmp::connect`] (or [`Qmp::handshake`] on a socket already connected) reads the greeting,
//! negotiates `qmp_capabilities` and returns three things: a [`Qmp`] handle that sends
//! commands (cheap to clone; any number of commands may be in flight at once, each carries an
//! `id` and its reply is matched by it, each has a timeout), the [`Greeting`] (QEMU's version),
//! and the [`EventStream`], which delivers QEMU's events in the order QEMU sent them and ends
//! with the reason the monitor went away: [`QmpError::Eof`] when QEMU closed it,
//! [`QmpError::Garbage`] when it sent something that is not QMP, [`QmpError::Io`] on a socket
//! error. The driver maps the first to libvirt's monitor-EOF handling and the others to
//! `ControlError` (libvirt-semantics.md §3.4).
//!
//! [`Qmp::execute_with_fd`] passes a file descriptor with its command (`SCM_RIGHTS`, sent with
//! the line's first byte), for `getfd`/`add-fd`: the save image is handed to QEMU that way
//! (see [`crate::save`]).
//!
//! Two tasks serve a connection: a reader (replies to their waiting commands, events to the
//! stream) and a writer (lines written one whole line at a time, so a command given up on
//! after its timeout never leaves half a line on the socket). Both end when the monitor
//! closes; the writer also when every [`Qmp`] handle is dropped, which shuts the socket down.
//!
//! Why not a crate: `qapi` 0.15 with `qapi-qmp` (one maintainer, arcnmx) was evaluated. It
//! has a tokio mode and generates typed commands and events from QEMU's schema, but its
//! docs.rs pages document nothing ("0% of the crate is documented"), the generated `qapi-qmp`
//! follows one QEMU schema version and is a large build for these two cores, and nothing in
//! its documented API separates what the driver must tell apart (EOF vs garbage vs timeout vs
//! an error answer) or bounds a command in time, so an adapter layer would be needed anyway.
//! QMP is JSON lines with an id per command: a small client on `serde_json` is less code to
//! trust than that adapter plus the crate.

use std::{
    collections::HashMap,
    fmt,
    os::fd::{AsRawFd, OwnedFd, RawFd},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::Duration,
};

use serde_json::{json, Value};
use tokio::{
    io::{AsyncWriteExt, BufReader, Interest},
    net::{
        unix::{OwnedReadHalf, OwnedWriteHalf},
        UnixStream,
    },
    sync::{mpsc, oneshot},
};

mod message;

use message::{classify, parse_greeting, read_message, Incoming};
pub use message::{Event, Greeting, QemuVersion, Timestamp};

/// What can go wrong talking to a QEMU monitor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QmpError {
    /// The monitor socket could not be connected to.
    #[error("cannot connect to the QEMU monitor at '{}': {reason}", path.display())]
    Connect {
        /// The socket's path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// QEMU closed the monitor (end of file), possibly in the middle of a message.
    #[error("End of file from qemu monitor")]
    Eof,
    /// QEMU sent something that is not QMP: not JSON, not an object, a reply with an id no
    /// command of ours carries, or a message of no known kind.
    #[error("invalid message from the QEMU monitor: {0}")]
    Garbage(String),
    /// Reading from or writing to the socket failed.
    #[error("cannot talk to the QEMU monitor: {0}")]
    Io(String),
    /// No answer within the time allowed. The monitor stays usable; a reply that comes later
    /// is dropped.
    #[error("timed out after {} ms waiting for the QEMU monitor to answer '{command}'", timeout.as_millis())]
    Timeout {
        /// The command, or `greeting` while waiting for QEMU's greeting.
        command: String,
        /// The time allowed.
        timeout: Duration,
    },
    /// QEMU answered the command with an error.
    #[error("unable to execute QEMU command '{command}': {desc}")]
    Command {
        /// The command.
        command: String,
        /// QEMU's error class, e.g. `CommandNotFound` or `GenericError`.
        class: String,
        /// QEMU's description of the error.
        desc: String,
    },
}

impl QmpError {
    /// Whether this error means the monitor is gone for good (EOF, garbage, socket error):
    /// every later command fails the same way and the event stream has ended.
    pub fn is_fatal(&self) -> bool {
        matches!(self, QmpError::Eof | QmpError::Garbage(_) | QmpError::Io(_))
    }
}

/// The events of one monitor connection, in QEMU's order.
///
/// The stream is unbounded so that a slow consumer never holds up command replies: the driver
/// must keep reading it.
#[derive(Debug)]
pub struct EventStream {
    receiver: mpsc::UnboundedReceiver<Result<Event, QmpError>>,
    end: Option<QmpError>,
}

impl EventStream {
    /// The next event; once the monitor has gone, the reason ([`QmpError::Eof`],
    /// [`QmpError::Garbage`] or [`QmpError::Io`]), returned again on every later call.
    pub async fn next(&mut self) -> Result<Event, QmpError> {
        if let Some(end) = &self.end {
            return Err(end.clone());
        }
        let end = match self.receiver.recv().await {
            Some(Ok(event)) => return Ok(event),
            Some(Err(end)) => end,
            // The reader always sends its reason before it ends; this is only reached if the
            // runtime dropped it.
            None => QmpError::Eof,
        };
        self.end = Some(end.clone());
        Err(end)
    }
}

/// A reply on its way to the command waiting for it.
type ReplySender = oneshot::Sender<Result<Value, QmpError>>;

/// A command sent and not answered yet.
struct Pending {
    command: String,
    reply: ReplySender,
}

/// The state the reader, the writer and every handle share.
struct Shared {
    /// Commands in flight, by id.
    pending: Mutex<PendingTable>,
    /// The next command id.
    next_id: AtomicU64,
}

#[derive(Default)]
struct PendingTable {
    commands: HashMap<u64, Pending>,
    /// Why the monitor went away, once it has.
    closed: Option<QmpError>,
}

impl Shared {
    fn table(&self) -> std::sync::MutexGuard<'_, PendingTable> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that the monitor has gone and fails every command still waiting.
    fn close(&self, reason: &QmpError) {
        let waiting: Vec<Pending> = {
            let mut table = self.table();
            if table.closed.is_none() {
                table.closed = Some(reason.clone());
            }
            table.commands.drain().map(|(_, pending)| pending).collect()
        };
        for pending in waiting {
            let _ = pending.reply.send(Err(reason.clone()));
        }
    }
}

/// A line for the writer task, with the id whose command fails if it cannot be written.
struct Outgoing {
    id: u64,
    line: Vec<u8>,
    /// A file descriptor sent with the line (`SCM_RIGHTS`), for `getfd`.
    fd: Option<OwnedFd>,
}

/// A handle on a QMP monitor connection; clones share the connection.
#[derive(Clone)]
pub struct Qmp {
    shared: Arc<Shared>,
    writer: mpsc::UnboundedSender<Outgoing>,
    timeout: Duration,
}

impl fmt::Debug for Qmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Qmp")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Qmp {
    /// Connects to the monitor socket at `path` and performs the handshake (see
    /// [`Qmp::handshake`]). `timeout` bounds the connection, the greeting and, afterwards,
    /// every command.
    pub async fn connect(
        path: &Path,
        timeout: Duration,
    ) -> Result<(Qmp, Greeting, EventStream), QmpError> {
        let connect_error = |reason: String| QmpError::Connect {
            path: path.to_path_buf(),
            reason,
        };
        let stream = match tokio::time::timeout(timeout, UnixStream::connect(path)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(connect_error(error.to_string())),
            Err(_) => return Err(connect_error("timed out".to_owned())),
        };
        Qmp::handshake(stream, timeout).await
    }

    /// Reads the greeting from a connected monitor socket, negotiates `qmp_capabilities` (no
    /// optional capability enabled) and starts serving the connection. `timeout` bounds the
    /// greeting and, afterwards, every command.
    pub async fn handshake(
        stream: UnixStream,
        timeout: Duration,
    ) -> Result<(Qmp, Greeting, EventStream), QmpError> {
        let (read_half, write_half) = stream.into_split();
        let mut reader = BufReader::new(read_half);
        let greeting = match tokio::time::timeout(timeout, read_message(&mut reader)).await {
            Ok(message) => parse_greeting(&message?)?,
            Err(_) => {
                return Err(QmpError::Timeout {
                    command: "greeting".to_owned(),
                    timeout,
                })
            }
        };

        let shared = Arc::new(Shared {
            pending: Mutex::new(PendingTable::default()),
            next_id: AtomicU64::new(1),
        });
        let (events_sender, events_receiver) = mpsc::unbounded_channel();
        let (writer, outgoing) = mpsc::unbounded_channel();
        tokio::spawn(read_loop(reader, Arc::clone(&shared), events_sender));
        tokio::spawn(write_loop(write_half, Arc::clone(&shared), outgoing));

        let qmp = Qmp {
            shared,
            writer,
            timeout,
        };
        qmp.execute("qmp_capabilities", None).await?;
        Ok((
            qmp,
            greeting,
            EventStream {
                receiver: events_receiver,
                end: None,
            },
        ))
    }

    /// The timeout [`Qmp::execute`] puts on every command.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Why the monitor went away, or `None` while it is usable.
    pub fn closed(&self) -> Option<QmpError> {
        self.shared.table().closed.clone()
    }

    /// Runs a command and returns its `return` value, within the connection's timeout.
    /// `arguments`, when given, must be a JSON object.
    pub async fn execute(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, QmpError> {
        self.execute_with_timeout(command, arguments, self.timeout)
            .await
    }

    /// Like [`Qmp::execute`], with a timeout of its own (for commands known to be slow).
    pub async fn execute_with_timeout(
        &self,
        command: &str,
        arguments: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        self.send_command(command, arguments, None, timeout).await
    }

    /// Like [`Qmp::execute`], passing `fd` to QEMU with the command (`SCM_RIGHTS` on the
    /// monitor socket), as `getfd` and `add-fd` expect. QEMU gets its own copy of the open
    /// file description; `fd` is closed here once sent.
    pub async fn execute_with_fd(
        &self,
        command: &str,
        arguments: Option<Value>,
        fd: OwnedFd,
    ) -> Result<Value, QmpError> {
        self.send_command(command, arguments, Some(fd), self.timeout)
            .await
    }

    /// Sends one command (with a file descriptor when given) and waits for its reply.
    async fn send_command(
        &self,
        command: &str,
        arguments: Option<Value>,
        fd: Option<OwnedFd>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({ "execute": command, "id": id });
        if let Some(arguments) = arguments {
            message["arguments"] = arguments;
        }
        let mut line = serde_json::to_vec(&message).expect("a JSON value always serializes");
        line.push(b'\n');

        let (reply, answer) = oneshot::channel();
        {
            let mut table = self.shared.table();
            if let Some(reason) = &table.closed {
                return Err(reason.clone());
            }
            table.commands.insert(
                id,
                Pending {
                    command: command.to_owned(),
                    reply,
                },
            );
        }
        if self.writer.send(Outgoing { id, line, fd }).is_err() {
            self.shared.table().commands.remove(&id);
            return Err(self.closed().unwrap_or(QmpError::Eof));
        }
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(result)) => result,
            // The reader dropped the sender without answering: only when the runtime dropped
            // it, treat as the monitor gone.
            Ok(Err(_)) => Err(self.closed().unwrap_or(QmpError::Eof)),
            Err(_) => {
                self.shared.table().commands.remove(&id);
                Err(QmpError::Timeout {
                    command: command.to_owned(),
                    timeout,
                })
            }
        }
    }
}

/// Writes queued lines whole, in order, until every handle is dropped or a write fails.
async fn write_loop(
    mut socket: OwnedWriteHalf,
    shared: Arc<Shared>,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(Outgoing { id, line, fd }) = outgoing.recv().await {
        let written = match fd {
            None => socket.write_all(&line).await,
            Some(fd) => write_with_fd(&mut socket, &line, &fd).await,
        };
        if let Err(error) = written {
            let reason = QmpError::Io(error.to_string());
            if let Some(pending) = shared.table().commands.remove(&id) {
                let _ = pending.reply.send(Err(reason));
            }
        }
    }
    // Every handle is gone: tell QEMU we are done (dropping the half shuts the socket down).
    drop(socket);
}

/// Writes `line` with `fd` attached to its first byte, then the rest of the line.
async fn write_with_fd(
    socket: &mut OwnedWriteHalf,
    line: &[u8],
    fd: &OwnedFd,
) -> std::io::Result<()> {
    let stream: &UnixStream = socket.as_ref();
    let sent = loop {
        stream.writable().await?;
        match stream.try_io(Interest::WRITABLE, || {
            send_with_fd(stream.as_raw_fd(), line, fd.as_raw_fd())
        }) {
            Ok(sent) => break sent,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(error) => return Err(error),
        }
    };
    socket.write_all(&line[sent..]).await
}

/// One `sendmsg` of (a prefix of) `bytes` carrying `fd` as `SCM_RIGHTS`; the bytes sent.
fn send_with_fd(socket: RawFd, bytes: &[u8], fd: RawFd) -> std::io::Result<usize> {
    let fd_size = std::mem::size_of::<RawFd>() as u32;
    // SAFETY: CMSG_SPACE computes a size from a constant.
    let space = unsafe { libc::CMSG_SPACE(fd_size) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: msghdr is plain data; zeroed is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = space as _;
    // SAFETY: the control buffer is CMSG_SPACE(sizeof fd) bytes, so the first header and its
    // data fit in it; msg points at live buffers for the duration of sendmsg.
    let sent = unsafe {
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(fd_size) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(header) as *mut RawFd, fd);
        libc::sendmsg(socket, &msg, libc::MSG_NOSIGNAL)
    };
    if sent < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(sent as usize)
    }
}

/// Reads messages until the monitor goes away, answering commands and forwarding events.
async fn read_loop(
    mut reader: BufReader<OwnedReadHalf>,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<Result<Event, QmpError>>,
) {
    let reason = loop {
        let message = match read_message(&mut reader).await {
            Ok(message) => message,
            Err(reason) => break reason,
        };
        match classify(message) {
            Ok(Incoming::Event(event)) => {
                // A consumer that dropped its stream no longer wants events.
                let _ = events.send(Ok(event));
            }
            Ok(Incoming::Reply { id, result }) => {
                if let Err(reason) = deliver_reply(&shared, id, result) {
                    break reason;
                }
            }
            Err(reason) => break reason,
        }
    };
    tracing::debug!(%reason, "QEMU monitor connection ended");
    shared.close(&reason);
    let _ = events.send(Err(reason));
}

/// Hands a reply to the command waiting for it.
fn deliver_reply(
    shared: &Shared,
    id: Option<u64>,
    result: Result<Value, (String, String)>,
) -> Result<(), QmpError> {
    let pending = id.and_then(|id| shared.table().commands.remove(&id));
    match (pending, id) {
        (Some(Pending { command, reply }), _) => {
            let result = result.map_err(|(class, desc)| QmpError::Command {
                command,
                class,
                desc,
            });
            // The command may have been dropped by its caller meanwhile.
            let _ = reply.send(result);
            Ok(())
        }
        // An id we issued whose command gave up waiting (timeout) or was cancelled.
        (None, Some(id)) if id < shared.next_id.load(Ordering::Relaxed) => {
            tracing::debug!(id, "dropping a late QEMU monitor reply");
            Ok(())
        }
        (None, Some(id)) => Err(QmpError::Garbage(format!("a reply with unknown id {id}"))),
        (None, None) => Err(QmpError::Garbage("a reply without an id".to_owned())),
    }
}
