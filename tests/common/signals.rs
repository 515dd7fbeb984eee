//! Recording the signals the service sends.
//!
//! [`SignalLog::subscribe`] adds a match rule for every signal whose sender is `org.libvirt`
//! (lifecycle `DomainEvent`s, per-domain signals, ObjectManager and PropertiesChanged) and
//! keeps every signal it has seen, so a failing expectation can print them all.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use zbus::{message::Type as MsgType, Connection, MatchRule, Message, MessageStream};

use super::BUS_NAME;

/// How long [`SignalLog::expect`] waits for a signal.
pub const SIGNAL_TIMEOUT: Duration = Duration::from_secs(5);

/// One received signal.
#[derive(Clone)]
pub struct Sig {
    /// Object path that sent it.
    pub path: String,
    /// Interface name.
    pub interface: String,
    /// Member name.
    pub member: String,
    /// The whole message.
    pub msg: Message,
}

impl std::fmt::Debug for Sig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}.{} sig={}",
            self.path,
            self.interface,
            self.member,
            self.msg.body().signature()
        )?;
        if let Some((p, e, d)) = self.domain_event() {
            write!(f, " ({p}, {e}, {d})")?;
        }
        Ok(())
    }
}

impl Sig {
    fn from_message(msg: Message) -> Option<Sig> {
        let header = msg.header();
        let path = header.path()?.to_string();
        let interface = header.interface()?.to_string();
        let member = header.member()?.to_string();
        drop(header);
        Some(Sig {
            path,
            interface,
            member,
            msg,
        })
    }

    /// Deserializes the body; panics with the signature on mismatch.
    pub fn args<T>(&self) -> T
    where
        T: for<'a> zbus::zvariant::DynamicDeserialize<'a>,
    {
        let body = self.msg.body();
        body.deserialize::<T>().unwrap_or_else(|e| {
            panic!(
                "signal {}.{} body {}: {e}",
                self.interface,
                self.member,
                body.signature()
            )
        })
    }

    /// `(domain path, event, detail)` if this is `org.libvirt.Connect.DomainEvent`.
    pub fn domain_event(&self) -> Option<(String, i32, i32)> {
        if self.interface != "org.libvirt.Connect" || self.member != "DomainEvent" {
            return None;
        }
        let body = self.msg.body();
        let (p, e, d): (zbus::OwnedObjectPath, i32, i32) = body.deserialize().ok()?;
        Some((p.to_string(), e, d))
    }

    /// True if this is `interface.member` sent from `path`.
    pub fn is(&self, path: &str, interface: &str, member: &str) -> bool {
        self.path == path && self.interface == interface && self.member == member
    }
}

/// A recorder of the signals `org.libvirt` sends.
pub struct SignalLog {
    stream: MessageStream,
    /// Every signal seen so far, in order.
    pub seen: Vec<Sig>,
}

impl SignalLog {
    /// Subscribes `conn` to every signal sent by the current owner of `org.libvirt` (the
    /// rule names its unique name, so the bus and zbus both filter exactly).
    pub async fn subscribe(conn: &Connection) -> SignalLog {
        let dbus = zbus::fdo::DBusProxy::new(conn).await.expect("DBus proxy");
        let owner = dbus
            .get_name_owner(zbus::names::BusName::try_from(BUS_NAME).expect("bus name"))
            .await
            .expect("org.libvirt has an owner");
        let rule = MatchRule::builder()
            .msg_type(MsgType::Signal)
            .sender(owner.to_string())
            .build()
            .expect("match rule");
        Self::subscribe_rule(conn, rule).await
    }

    /// Subscribes `conn` with a match rule of the caller's choosing.
    pub async fn subscribe_rule(conn: &Connection, rule: MatchRule<'static>) -> SignalLog {
        let stream = MessageStream::for_match_rule(rule, conn, std::num::NonZeroUsize::new(4096))
            .await
            .expect("add match rule");
        SignalLog {
            stream,
            seen: Vec::new(),
        }
    }

    /// Receives signals until one satisfies `pred` (returned) or `limit` passes (`None`).
    /// Every signal received is appended to [`SignalLog::seen`].
    pub async fn next_where(
        &mut self,
        mut pred: impl FnMut(&Sig) -> bool,
        limit: Duration,
    ) -> Option<Sig> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(msg))) => {
                    if msg.message_type() != MsgType::Signal {
                        continue;
                    }
                    if let Some(sig) = Sig::from_message(msg) {
                        self.seen.push(sig.clone());
                        if pred(&sig) {
                            return Some(sig);
                        }
                    }
                }
                Ok(Some(Err(_))) => continue,
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// Like [`SignalLog::next_where`] with [`SIGNAL_TIMEOUT`], panicking (with everything
    /// seen so far) if no signal matches. `what` describes the expectation.
    pub async fn expect(&mut self, what: &str, pred: impl FnMut(&Sig) -> bool) -> Sig {
        match self.next_where(pred, SIGNAL_TIMEOUT).await {
            Some(sig) => sig,
            None => panic!(
                "no signal matching {what} within {SIGNAL_TIMEOUT:?}; seen: {:#?}",
                self.seen
            ),
        }
    }

    /// Waits for `DomainEvent(path, event, detail)` on `/org/libvirt/Test`.
    pub async fn expect_domain_event(&mut self, path: &str, event: i32, detail: i32) -> Sig {
        let what = format!("DomainEvent({path}, {event}, {detail})");
        self.expect(&what, |s| {
            s.path == super::TEST_PATH
                && s.domain_event()
                    .is_some_and(|(p, e, d)| p == path && e == event && d == detail)
        })
        .await
    }

    /// Receives everything for `d` and returns what arrived in that window.
    pub async fn collect_for(&mut self, d: Duration) -> Vec<Sig> {
        let start = self.seen.len();
        let _ = self.next_where(|_| false, d).await;
        self.seen[start..].to_vec()
    }

    /// The `DomainEvent`s seen so far, as `(path, event, detail)`.
    pub fn domain_events(&self) -> Vec<(String, i32, i32)> {
        self.seen.iter().filter_map(Sig::domain_event).collect()
    }
}
