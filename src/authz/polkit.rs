//! The authorizer of the system bus: polkitd decides, with libvirt's action ids and details.
//!
//! Each check is `CheckAuthorization` on `org.freedesktop.PolicyKit1.Authority` with the
//! caller's unique bus name as a `system-bus-name` subject (polkitd resolves it to the
//! caller's process and user through the same bus), the action
//! `org.libvirt.api.<object>.<perm>`, libvirt's details, and `AllowUserInteraction` when the
//! call's message allows interactive authorization.
//!
//! Decisions are cached per (caller, action, details) until polkit says `Changed` (rules or
//! actions changed, a temporary authorization came or went), until polkitd leaves the bus,
//! or until the caller leaves it (`NameOwnerChanged`; a unique name is never reused). A
//! challenge (`auth_admin*` without an agent) is never cached. If the signals cannot be
//! watched, nothing is cached. A failed or unanswered check is a denial, never an allowance.

use std::{
    collections::HashMap,
    future::poll_fn,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use futures_core::Stream;
use tokio::task::JoinHandle;
use tracing::{debug, warn};
use zbus::{
    message::Type as MessageType, proxy::CacheProperties, Connection, MatchRule, MessageStream,
};
use zbus_polkit::policykit1::{AuthorityProxy, CheckAuthorizationFlags, Subject};

use super::{Authorizer, BoxFuture, Denied, Request};

/// polkitd's well-known name.
const POLKIT_NAME: &str = "org.freedesktop.PolicyKit1";

/// How long a check may take without interaction before it counts as a failure.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(25);
/// How long a check may take when the caller allowed interaction (an agent asks a person).
pub const INTERACTIVE_TIMEOUT: Duration = Duration::from_secs(300);
/// How many decisions are cached at most; past that the cache starts again.
pub const MAX_CACHED: usize = 4096;

/// What a decision is cached under: caller, action id and details.
type Key = (String, String, Vec<(&'static str, String)>);

/// The decisions polkit gave, valid until one of the signals above.
#[derive(Default)]
struct Cache {
    decisions: HashMap<Key, bool>,
}

/// State shared with the signal watchers.
struct Shared {
    cache: Mutex<Cache>,
    /// Bumped whenever the cache is emptied, so that a decision asked before is not stored
    /// after.
    generation: AtomicU64,
    /// Whether both signal watchers run; without them nothing may be cached.
    watching: AtomicBool,
}

impl Shared {
    fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.lock().unwrap().decisions.clear();
    }

    fn forget_caller(&self, caller: &str) {
        self.cache
            .lock()
            .unwrap()
            .decisions
            .retain(|(c, _, _), _| c != caller);
    }
}

/// Asks polkitd, through the service's own bus connection.
pub struct Polkit {
    authority: AuthorityProxy<'static>,
    shared: Arc<Shared>,
    watchers: Vec<JoinHandle<()>>,
}

/// Why the polkit authorizer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PolkitError {
    /// The bus refused a match rule or the proxy.
    #[error("cannot watch polkit on the bus: {0}")]
    Bus(#[from] zbus::Error),
}

impl Polkit {
    /// An authorizer asking the polkitd of `connection`'s bus. polkitd need not run yet:
    /// until it does, every check is denied.
    pub async fn new(connection: &Connection) -> Result<Self, PolkitError> {
        let authority = AuthorityProxy::builder(connection)
            .cache_properties(CacheProperties::No)
            .build()
            .await?;
        let shared = Arc::new(Shared {
            cache: Mutex::new(Cache::default()),
            generation: AtomicU64::new(0),
            watching: AtomicBool::new(false),
        });
        // Subscribed before the first decision can be cached.
        let changed = MatchRule::builder()
            .msg_type(MessageType::Signal)
            .sender(POLKIT_NAME)
            .interface("org.freedesktop.PolicyKit1.Authority")
            .member("Changed")
            .build()?;
        let left = MatchRule::builder()
            .msg_type(MessageType::Signal)
            .sender("org.freedesktop.DBus")
            .interface("org.freedesktop.DBus")
            .member("NameOwnerChanged")
            .build()?;
        let changed = MessageStream::for_match_rule(changed, connection, None).await?;
        let left = MessageStream::for_match_rule(left, connection, None).await?;
        shared.watching.store(true, Ordering::SeqCst);
        let watchers = vec![
            tokio::spawn(watch_changed(changed, Arc::clone(&shared))),
            tokio::spawn(watch_owners(left, Arc::clone(&shared))),
        ];
        Ok(Self {
            authority,
            shared,
            watchers,
        })
    }

    /// Asks polkitd, without the cache.
    async fn ask(&self, request: &Request<'_>, action: &str) -> Result<Decision, String> {
        let subject = Subject::new_for_message_header(request.header).map_err(|e| e.to_string())?;
        let details: HashMap<&str, &str> = request
            .details
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let (flags, limit) = if request.interactive {
            (
                CheckAuthorizationFlags::ALLOW_USER_INTERACTION,
                INTERACTIVE_TIMEOUT,
            )
        } else {
            (CheckAuthorizationFlags::empty(), CHECK_TIMEOUT)
        };
        let call = self
            .authority
            .check_authorization(&subject, action, &details, flags, "");
        match tokio::time::timeout(limit, call).await {
            Err(_) => Err(format!("polkit did not answer within {limit:?}")),
            Ok(Err(e)) => Err(e.to_string()),
            Ok(Ok(r)) if r.is_authorized => Ok(Decision::Allowed),
            Ok(Ok(r)) if r.is_challenge => Ok(Decision::Challenge),
            Ok(Ok(_)) => Ok(Decision::Refused),
        }
    }
}

/// What polkit answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Allowed,
    Refused,
    /// Authentication would have allowed it: not cached, as the next call may authenticate.
    Challenge,
}

impl Drop for Polkit {
    fn drop(&mut self) {
        for w in &self.watchers {
            w.abort();
        }
    }
}

impl Authorizer for Polkit {
    fn check<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Result<(), Denied>> {
        Box::pin(async move {
            let action = request.permission.action_id();
            let caller = request.header.sender().map(|s| s.to_string());
            let key = caller
                .clone()
                .map(|c| (c, action.clone(), request.details.to_vec()));
            if let Some(key) = &key {
                if let Some(allowed) = self.shared.cache.lock().unwrap().decisions.get(key) {
                    return verdict(*allowed, action);
                }
            }
            let generation = self.shared.generation.load(Ordering::SeqCst);
            match self.ask(&request, &action).await {
                Ok(decision) => {
                    let allowed = decision == Decision::Allowed;
                    debug!(caller = ?caller, %action, ?decision, "polkit decision");
                    if let (Some(key), true) = (key, decision != Decision::Challenge) {
                        let mut cache = self.shared.cache.lock().unwrap();
                        // Stored only if nothing was forgotten while polkit was asked.
                        if self.shared.watching.load(Ordering::SeqCst)
                            && self.shared.generation.load(Ordering::SeqCst) == generation
                        {
                            if cache.decisions.len() >= MAX_CACHED {
                                cache.decisions.clear();
                            }
                            cache.decisions.insert(key, allowed);
                        }
                    }
                    verdict(allowed, action)
                }
                Err(reason) => {
                    warn!(caller = ?caller, %action, %reason, "cannot ask polkit: access denied");
                    Err(Denied::Unavailable {
                        driver: request.driver.to_owned(),
                        action,
                        reason,
                    })
                }
            }
        })
    }
}

/// `Ok` or the refusal of `action`.
fn verdict(allowed: bool, action: String) -> Result<(), Denied> {
    if allowed {
        Ok(())
    } else {
        Err(Denied::Refused { action })
    }
}

/// The next message of `stream`, or `None` once it ended.
async fn next(stream: &mut MessageStream) -> Option<zbus::Result<zbus::Message>> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Empties the cache on every `Changed` of polkit.
async fn watch_changed(mut stream: MessageStream, shared: Arc<Shared>) {
    while let Some(msg) = next(&mut stream).await {
        if msg.is_ok() {
            debug!("polkit changed: forgetting every decision");
            shared.forget_all();
        }
    }
    shared.watching.store(false, Ordering::SeqCst);
    shared.forget_all();
}

/// Forgets the decisions of callers that left the bus, and every decision when polkitd
/// leaves or comes.
async fn watch_owners(mut stream: MessageStream, shared: Arc<Shared>) {
    while let Some(msg) = next(&mut stream).await {
        let Ok(msg) = msg else { continue };
        let body = msg.body();
        let Ok((name, _old, new)) = body.deserialize::<(&str, &str, &str)>() else {
            continue;
        };
        if name == POLKIT_NAME {
            shared.forget_all();
        } else if new.is_empty() && name.starts_with(':') {
            shared.forget_caller(name);
        }
    }
    shared.watching.store(false, Ordering::SeqCst);
    shared.forget_all();
}
