//! Which objects the caller of the current call may see, for the methods that list objects:
//! libvirt's `@aclfilter` (each listed object needs `<object>:getattr`, a snapshot its
//! domain's `read`).
//!
//! The dispatcher runs each call of an authorized bus under [`scope`] with the caller's
//! [`Visibility`]; the listing methods (`Connect.List*`, `StoragePool.ListStorageVolumes`,
//! `ObjectManager.GetManagedObjects`, the introspection of `<root>/<kind>`) pass their
//! objects through [`retain_paths`], [`retain_keys`] or [`retain_elements`];
//! `GetAllDomainStats` keeps the domains the caller may read
//! ([`retain_readable_domains`]). Outside such a scope (the session bus, tests on a peer-to-peer
//! link) everything is visible.
//!
//! Signals are not filtered: a D-Bus signal goes to every connection whose match rule
//! matches, and the service does not know who those are, so `DomainEvent` and
//! `PropertiesChanged` reach every caller the bus policy lets listen (libvirt filters its
//! event callbacks; libvirt-dbus, like virtbus, cannot).

use std::sync::Arc;

use virtbus_core::driver::Driver;
use zbus::{Message, OwnedObjectPath};

use super::{
    dispatch::authorize,
    kind::{Kind, ObjectKind},
    kinds,
};
use crate::authz::{Authorizer, Object, Permission, Request};

/// The caller of the current call and who decides what it may see.
pub struct Visibility {
    /// Who decides.
    pub authorizer: Arc<dyn Authorizer>,
    /// The call, whose sender is the caller.
    pub msg: Message,
    /// The driver of the connection object called.
    pub driver: Arc<dyn Driver>,
    /// That connection object's path, e.g. `/org/libvirt/Test`.
    pub root: String,
}

tokio::task_local! {
    static VISIBILITY: Arc<Visibility>;
}

/// Runs `call` with `visibility` as what its listings may show (`None`: everything).
pub async fn scope<F: std::future::Future>(visibility: Option<Visibility>, call: F) -> F::Output {
    match visibility {
        Some(v) => VISIBILITY.scope(Arc::new(v), call).await,
        None => call.await,
    }
}

/// The permission that makes an object of `kind` visible.
fn permission_of(kind: &dyn Kind) -> Option<Permission> {
    let (object, perm) = match kind.interface() {
        "org.libvirt.Domain" => (Object::Domain, "getattr"),
        // libvirt lists snapshots to those who may read their domain.
        "org.libvirt.DomainSnapshot" => (Object::Domain, "read"),
        "org.libvirt.Network" => (Object::Network, "getattr"),
        "org.libvirt.StoragePool" => (Object::StoragePool, "getattr"),
        "org.libvirt.StorageVol" => (Object::StorageVol, "getattr"),
        "org.libvirt.NodeDevice" => (Object::NodeDevice, "getattr"),
        "org.libvirt.Interface" => (Object::Interface, "getattr"),
        "org.libvirt.NWFilter" => (Object::NWFilter, "getattr"),
        "org.libvirt.Secret" => (Object::Secret, "getattr"),
        _ => return None,
    };
    Some(Permission { object, perm })
}

impl Visibility {
    /// Whether the caller may see the object at `element` of `kind`.
    async fn may_see(&self, kind: &'static dyn Kind, element: &str) -> bool {
        match permission_of(kind) {
            Some(permission) => self.has(permission, kind, element).await,
            None => false,
        }
    }

    /// Whether the caller has `permission` on the object at `element` of `kind`.
    async fn has(&self, permission: Permission, kind: &'static dyn Kind, element: &str) -> bool {
        let details =
            authorize::details(&self.driver, permission.object, Some((kind, element))).await;
        let header = self.msg.header();
        let request = Request {
            header: &header,
            permission,
            details: &details,
            interactive: false,
            driver: self.driver.name(),
        };
        self.authorizer.check(request).await.is_ok()
    }

    /// The kind and element of `path`, when it is a child object of this connection.
    fn split<'p>(&self, path: &'p str) -> Option<(&'static dyn Kind, &'p str)> {
        let rest = path.strip_prefix(self.root.as_str())?.strip_prefix('/')?;
        let (element_kind, element) = rest.split_once('/')?;
        Some((kinds::by_element(element_kind)?, element))
    }
}

/// The current call's visibility, if any.
fn current() -> Option<Arc<Visibility>> {
    VISIBILITY.try_with(Arc::clone).ok()
}

/// `paths` without the objects the caller may not see.
pub async fn retain_paths(paths: Vec<OwnedObjectPath>) -> Vec<OwnedObjectPath> {
    let Some(v) = current() else {
        return paths;
    };
    let mut kept = Vec::with_capacity(paths.len());
    for path in paths {
        let visible = match v.split(path.as_str()) {
            Some((kind, element)) => v.may_see(kind, element).await,
            None => false,
        };
        if visible {
            kept.push(path);
        }
    }
    kept
}

/// Of `items`, those whose object of `kind` (its path element given by `element`) the
/// caller may see.
pub async fn retain_elements<T>(
    kind: &'static dyn Kind,
    items: Vec<T>,
    element: impl Fn(&T) -> String,
) -> Vec<T> {
    let Some(v) = current() else {
        return items;
    };
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        if v.may_see(kind, &element(&item)).await {
            kept.push(item);
        }
    }
    kept
}

/// Of the keys of objects of kind `K`, those the caller may see.
pub async fn retain_keys<K: ObjectKind>(keys: Vec<K::Key>) -> Vec<K::Key> {
    if current().is_none() {
        return keys;
    }
    let Some(kind) = kinds::by_element(K::ELEMENT) else {
        return Vec::new();
    };
    retain_elements(kind, keys, |key| {
        let mut element = String::new();
        K::encode(key, &mut element);
        element
    })
    .await
}

/// Of `items`, those whose domain (named by `name_of`) the caller may read: the filter of
/// `GetAllDomainStats` (libvirt's `@aclfilter: domain:read`).
pub async fn retain_readable_domains<T>(items: Vec<T>, name_of: impl Fn(&T) -> &str) -> Vec<T> {
    let Some(v) = current() else {
        return items;
    };
    let Some(kind) = kinds::by_element(super::path::DOMAIN) else {
        return Vec::new();
    };
    let read = Permission {
        object: Object::Domain,
        perm: "read",
    };
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        let Ok(uuid) = v.driver.lookup_by_name(name_of(&item)).await else {
            continue;
        };
        if v.has(read, kind, &super::path::encode_uuid(&uuid)).await {
            kept.push(item);
        }
    }
    kept
}
