//! Per-call authorization: which libvirt permissions a call needs ([`table`]) and who
//! decides whether the caller has them ([`Authorizer`]).
//!
//! On the session bus the caller is the user who owns the bus: [`AllowAll`] answers without
//! asking anyone. On the system bus [`Polkit`] asks polkitd, with libvirt's action ids
//! (`org.libvirt.api.<object>.<perm>`) and details, so that rules written for libvirt apply
//! unchanged.

pub mod allow;
pub mod polkit;
pub mod table;

use std::{future::Future, pin::Pin};

use zbus::message::Header;

pub use self::{
    allow::AllowAll,
    polkit::Polkit,
    table::{Object, Permission},
};

/// A boxed future that can move between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One question to an [`Authorizer`]: may this caller have this permission on this object?
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The header of the call: its sender is the caller, asked about as a
    /// `system-bus-name` subject.
    pub header: &'a Header<'a>,
    /// The permission asked for.
    pub permission: Permission,
    /// The details libvirt passes with it (`connect_driver`, `domain_name`, ...), in order.
    pub details: &'a [(&'static str, String)],
    /// Whether the caller allows interactive authorization (the message's
    /// `ALLOW_INTERACTIVE_AUTHORIZATION` flag).
    pub interactive: bool,
    /// The driver's name as libvirt names it (`QEMU`, `Test`), for the error text.
    pub driver: &'a str,
}

/// Why a call was not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The authority said no.
    #[error("access denied")]
    Refused {
        /// The action refused, for the log.
        action: String,
    },
    /// The authority could not be asked or failed; the call is refused all the same, and the
    /// reason goes to the log only, as libvirt's access manager hides it.
    #[error("access denied: '{driver}' denied access")]
    Unavailable {
        /// The driver name of the call (`QEMU`).
        driver: String,
        /// The action that was asked about.
        action: String,
        /// What went wrong.
        reason: String,
    },
}

/// Decides whether a caller has a permission.
pub trait Authorizer: Send + Sync + 'static {
    /// `Ok` when the caller of `request` has its permission.
    fn check<'a>(&'a self, request: Request<'a>) -> BoxFuture<'a, Result<(), Denied>>;

    /// Whether every request is allowed without asking anyone (the session bus), so that
    /// the caller may skip gathering details.
    fn allows_all(&self) -> bool {
        false
    }
}
