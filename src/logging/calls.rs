//! The line each D-Bus call leaves in the log.
//!
//! The dispatcher (`crate::bus::dispatch`) sees every call: it notes when the call started,
//! runs it under [`capture`] (which catches the driver error a generated handler replied
//! with, see [`note_driver_error`]) and hands the outcome to [`CallLog::record`], which
//! writes one line with target [`TARGET`]:
//!
//! - `debug` for a call that only reads and succeeded, or failed through the caller's fault;
//! - `info` for a call that changes state ([`super::access::changes_state`]), whatever its outcome;
//! - `warn` for a failure that is not the caller's fault (`operation failed`, a failed system
//!   call).
//!
//! The fields are named for the journal (see [`super`]): `dbus_sender`, `caller_uid`,
//! `caller_pid`, `dbus_interface`, `dbus_member`, `dbus_path`, `duration_us`, and for a
//! failure `dbus_error` (the D-Bus error name) and `libvirt_error` (its text); a call on a
//! domain object that changes state adds `domain_uuid` and `domain_name`. Method arguments
//! are never logged: secret values travel in them.
//!
//! The caller's uid and pid come from the bus (`GetConnectionCredentials`), asked only when
//! a line is written and remembered per unique name until `NameOwnerChanged` says the caller
//! left (at most [`MAX_CALLERS`] callers; past that the cache starts again). On a session bus
//! they are those of the user's own processes; a peer-to-peer connection has no sender and
//! no credentials.

use std::{
    cell::RefCell,
    collections::HashMap,
    future::{poll_fn, Future},
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, Weak,
    },
    time::Duration,
};

use futures_core::Stream;
use tracing::Level;
use uuid::Uuid;
use zbus::{
    message::{Header, Type as MessageType},
    Connection, DBusError, MatchRule, MessageStream, OwnedVariant,
};

use super::access::changes_state;

/// The tracing target of call lines: `RUST_LOG=virtbus::call=debug` shows every call.
pub const TARGET: &str = "virtbus::call";

/// The error name of every libvirt-level failure.
const LIBVIRT_ERROR_NAME: &str = "org.libvirt.Error";

/// How many callers' credentials are remembered at most.
pub const MAX_CALLERS: usize = 1024;

/// Whose fault a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call was wrong (bad argument, wrong state, unknown object): logged with the call.
    Caller,
    /// The service or the host failed (`operation failed`, a system call): logged at `warn`.
    Service,
}

/// How a call failed, as its error reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The D-Bus error name (`org.libvirt.Error`, `org.freedesktop.DBus.Error.UnknownMethod`).
    pub name: String,
    /// The error text.
    pub text: String,
    /// Whose fault it is.
    pub fault: Fault,
}

impl Failure {
    /// The failure of an error reply the dispatcher itself sends.
    pub fn of_reply(error: &dyn DBusError) -> Self {
        Self {
            name: error.name().to_string(),
            text: error.description().unwrap_or_default().to_owned(),
            fault: Fault::Caller,
        }
    }
}

tokio::task_local! {
    /// The driver error the handler of the current call replied with, if any.
    static NOTED: RefCell<Option<Failure>>;
}

/// Runs `call`, returning with its output the driver error noted meanwhile by
/// [`note_driver_error`].
pub async fn capture<F: Future>(call: F) -> (F::Output, Option<Failure>) {
    NOTED
        .scope(RefCell::new(None), async {
            let output = call.await;
            let noted = NOTED.with(|n| n.borrow_mut().take());
            (output, noted)
        })
        .await
}

/// Notes that the call being handled fails with `error`, whose text is `text`. Called where
/// a driver error becomes the wire error; does nothing outside [`capture`].
pub fn note_driver_error(error: &virtbus_core::Error, text: &str) {
    use virtbus_core::Error as E;
    let fault = match error {
        E::OperationFailed(_) | E::System(_) => Fault::Service,
        _ => Fault::Caller,
    };
    let _ = NOTED.try_with(|noted| {
        *noted.borrow_mut() = Some(Failure {
            name: LIBVIRT_ERROR_NAME.to_owned(),
            text: text.to_owned(),
            fault,
        });
    });
}

/// The object a state-changing call was about, when it is a domain.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The domain's UUID.
    pub domain_uuid: Option<Uuid>,
    /// The domain's name, read before the call.
    pub domain_name: Option<String>,
}

/// The uid and pid of a caller, as the bus knows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caller {
    /// The caller's Unix user id.
    pub uid: Option<u32>,
    /// The caller's process id.
    pub pid: Option<u32>,
}

/// One call about to be recorded: what the dispatcher knows of it before it runs.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    /// Whether the call changes state.
    pub changes_state: bool,
    started: std::time::Instant,
    /// The caller's credentials, when asked before the call ran ([`CallLog::identify`]).
    caller: Option<Caller>,
}

/// Writes the line of each call; one per connection, shared by the calls.
#[derive(Debug)]
pub struct CallLog {
    connection: Connection,
    callers: Arc<Mutex<HashMap<String, Caller>>>,
    watching: AtomicBool,
}

impl CallLog {
    /// The call log of the service on `connection`.
    pub fn new(connection: &Connection) -> Self {
        Self {
            connection: connection.clone(),
            callers: Arc::new(Mutex::new(HashMap::new())),
            watching: AtomicBool::new(false),
        }
    }

    /// Starts timing the call of `hdr`.
    pub fn start(&self, hdr: &Header<'_>) -> Call {
        let interface = hdr.interface().map_or("", |i| i.as_str());
        let member = hdr.member().map_or("", |m| m.as_str());
        Call {
            changes_state: changes_state(interface, member),
            started: std::time::Instant::now(),
            caller: None,
        }
    }

    /// Asks for the credentials of the caller of `hdr` before its call runs, for a state
    /// change whose line will be written: the line is written after the reply, and by then a
    /// short-lived caller (`busctl call`) may have left the bus, and with it the bus's
    /// knowledge of its uid. Cached per caller, so it costs one round trip per caller.
    pub async fn identify(&self, hdr: &Header<'_>, call: &mut Call) {
        if let Some(sender) = hdr.sender().filter(|_| self.connection.is_bus()) {
            call.caller = Some(self.caller(sender.as_str()).await);
        }
    }

    /// Whether a state change would be written at the current level, so that the dispatcher
    /// reads the domain's name only then.
    pub fn wants_subject(&self, call: &Call) -> bool {
        call.changes_state && tracing::enabled!(target: TARGET, Level::INFO)
    }

    /// Writes the line of the call of `hdr`, started as `call`, which ended with `failure`
    /// (`None`: it succeeded) and was about `subject`.
    pub async fn record(
        &self,
        hdr: &Header<'_>,
        call: Call,
        failure: Option<Failure>,
        subject: Option<Subject>,
    ) {
        let duration = call.started.elapsed();
        // A call refused with a standard D-Bus error (no such method, wrong signature) never
        // ran: it changed nothing.
        let changes_state = call.changes_state
            && failure
                .as_ref()
                .is_none_or(|f| f.name == LIBVIRT_ERROR_NAME);
        let level = match (&failure, changes_state) {
            (
                Some(Failure {
                    fault: Fault::Service,
                    ..
                }),
                _,
            ) => Level::WARN,
            (_, true) => Level::INFO,
            (_, false) => Level::DEBUG,
        };
        if !enabled(level) {
            return;
        }
        let sender = hdr.sender().map(|s| s.as_str());
        let caller = match (call.caller, sender) {
            (Some(known), _) => known,
            (None, Some(sender)) if self.connection.is_bus() => self.caller(sender).await,
            _ => Caller::default(),
        };
        let line = Line {
            sender,
            caller,
            interface: hdr.interface().map(|i| i.as_str()),
            member: hdr.member().map_or("", |m| m.as_str()),
            path: hdr.path().map_or("", |p| p.as_str()),
            duration,
            failure: failure.as_ref(),
            subject: subject.unwrap_or_default(),
            changes_state,
        };
        line.write(level);
    }

    /// The credentials of `sender`, from the cache or the bus.
    async fn caller(&self, sender: &str) -> Caller {
        if let Some(known) = lock(&self.callers).get(sender) {
            return *known;
        }
        self.watch_departures();
        let Some(caller) = ask_credentials(&self.connection, sender).await else {
            return Caller::default();
        };
        let mut callers = lock(&self.callers);
        if callers.len() >= MAX_CALLERS {
            callers.clear();
        }
        callers.insert(sender.to_owned(), caller);
        caller
    }

    /// Starts, once, the task that forgets callers when they leave the bus.
    fn watch_departures(&self) {
        if self.watching.swap(true, Ordering::Relaxed) {
            return;
        }
        let callers = Arc::downgrade(&self.callers);
        let connection = self.connection.clone();
        tokio::spawn(forget_departed(connection, callers));
    }

    /// How many callers' credentials are remembered now.
    pub fn remembered_callers(&self) -> usize {
        lock(&self.callers).len()
    }
}

/// Locks the caller cache, whose content stays usable if a holder panicked.
fn lock(
    callers: &Mutex<HashMap<String, Caller>>,
) -> std::sync::MutexGuard<'_, HashMap<String, Caller>> {
    callers.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether a call line at `level` would be written.
fn enabled(level: Level) -> bool {
    match level {
        Level::WARN => tracing::enabled!(target: TARGET, Level::WARN),
        Level::INFO => tracing::enabled!(target: TARGET, Level::INFO),
        _ => tracing::enabled!(target: TARGET, Level::DEBUG),
    }
}

/// Asks the bus for the uid and pid of `sender`; `None` if it cannot tell (the caller left).
async fn ask_credentials(connection: &Connection, sender: &str) -> Option<Caller> {
    let reply = connection
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "GetConnectionCredentials",
            &(sender,),
        )
        .await
        .ok()?;
    let credentials: HashMap<String, OwnedVariant> = reply.body().deserialize().ok()?;
    let number = |key: &str| credentials.get(key).and_then(|v| u32::try_from(&**v).ok());
    Some(Caller {
        uid: number("UnixUserID"),
        pid: number("ProcessID"),
    })
}

/// Removes from `callers` every unique name the bus says has left, until the connection
/// closes or the cache is gone.
async fn forget_departed(connection: Connection, callers: Weak<Mutex<HashMap<String, Caller>>>) {
    let rule = MatchRule::builder()
        .msg_type(MessageType::Signal)
        .sender("org.freedesktop.DBus")
        .interface("org.freedesktop.DBus")
        .member("NameOwnerChanged")
        .build();
    let Ok(rule) = rule else { return };
    let Ok(mut stream) =
        MessageStream::for_match_rule(rule, &connection, std::num::NonZeroUsize::new(256)).await
    else {
        tracing::debug!("cannot watch callers leave: their credentials stay cached");
        return;
    };
    while let Some(next) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        let Ok(msg) = next else { continue };
        let body = msg.body();
        let Ok((name, _old, new)) = body.deserialize::<(&str, &str, &str)>() else {
            continue;
        };
        if !new.is_empty() || !name.starts_with(':') {
            continue;
        }
        let Some(callers) = callers.upgrade() else {
            return;
        };
        lock(&callers).remove(name);
    }
}

/// One call line, with every field it carries.
struct Line<'a> {
    sender: Option<&'a str>,
    caller: Caller,
    interface: Option<&'a str>,
    member: &'a str,
    path: &'a str,
    duration: Duration,
    failure: Option<&'a Failure>,
    subject: Subject,
    changes_state: bool,
}

/// Writes one event at a level known only at run time, with target [`TARGET`].
macro_rules! event_at {
    ($level:expr, $($rest:tt)*) => {
        match $level {
            Level::WARN => tracing::warn!(target: TARGET, $($rest)*),
            Level::INFO => tracing::info!(target: TARGET, $($rest)*),
            _ => tracing::debug!(target: TARGET, $($rest)*),
        }
    };
}

impl Line<'_> {
    /// Writes the line at `level`.
    fn write(&self, level: Level) {
        let message = match (self.failure.is_some(), self.changes_state) {
            (false, false) => "call",
            (false, true) => "state changed",
            (true, false) => "call failed",
            (true, true) => "state change failed",
        };
        let domain_uuid = self.subject.domain_uuid.map(|u| u.to_string());
        event_at!(
            level,
            dbus_sender = self.sender,
            caller_uid = self.caller.uid,
            caller_pid = self.caller.pid,
            dbus_interface = self.interface,
            dbus_member = self.member,
            dbus_path = self.path,
            domain_uuid = domain_uuid.as_deref(),
            domain_name = self.subject.domain_name.as_deref(),
            duration_us = u64::try_from(self.duration.as_micros()).unwrap_or(u64::MAX),
            dbus_error = self.failure.map(|f| f.name.as_str()),
            libvirt_error = self.failure.map(|f| f.text.as_str()),
            "{message}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_noted_driver_error_is_captured_only_inside_its_call() {
        note_driver_error(&virtbus_core::Error::DomainNotFound, "outside");
        let ((), noted) = capture(async {
            note_driver_error(
                &virtbus_core::Error::OperationFailed("disk full".into()),
                "operation failed: disk full",
            );
        })
        .await;
        let noted = noted.expect("the error was noted");
        assert_eq!(noted.name, "org.libvirt.Error");
        assert_eq!(noted.text, "operation failed: disk full");
        assert_eq!(noted.fault, Fault::Service);

        let ((), none) = capture(async {}).await;
        assert_eq!(none, None);
        let ((), caller) = capture(async {
            note_driver_error(&virtbus_core::Error::DomainNotFound, "Domain not found");
        })
        .await;
        assert_eq!(caller.map(|f| f.fault), Some(Fault::Caller));
    }
}
