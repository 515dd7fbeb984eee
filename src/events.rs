//! The event fan-out: one task per driver turns the driver's events into bus signals.
//!
//! - `Added` of a domain: `InterfacesAdded` on the connection object, with the new domain's
//!   properties (domain objects are answered from their path, so nothing is registered).
//! - a domain lifecycle event: `DomainEvent(o,i,i)` on the connection object.
//! - any other domain event: its `org.libvirt.Domain` signal on the domain object.
//! - after every domain event, and on `PropertiesMayHaveChanged` of a domain: one
//!   `PropertiesChanged` with exactly the `org.libvirt.Domain` properties whose values
//!   changed, if any did. This is the only place that announces property changes,
//!   `Properties.Set` included: a Set that changes nothing is announced by nothing.
//! - `Removed` of a domain: `InterfacesRemoved` on the connection object.
//! - network, storage pool, node device and secret lifecycle events: `NetworkEvent(o,i)`
//!   (without the detail, as libvirt-dbus), `StoragePoolEvent(o,i,i)`,
//!   `NodeDeviceEvent(o,i,i)` and `SecretEvent(o,i,i)` on the connection object; a pool
//!   refresh: `org.libvirt.StoragePool.Refresh()` on the pool's object. `Added`, `Removed`
//!   and `PropertiesMayHaveChanged` of these kinds are only logged for now.
//!
//! Events are handled one at a time in the order the driver sent them, from the moment the
//! service starts. A failure to emit is logged, never fatal. When the driver's event queue
//! overflowed, the fan-out is told how many events were lost and resynchronises
//! ([`FanOut::resync`]).

use std::{borrow::Cow, collections::HashMap};

use tokio::task::JoinHandle;
use tracing::{debug, warn};
use uuid::Uuid;
use virtbus_core::{
    event::{DomainEvent, DomainEventKind, Event, EventReceiver, Received},
    ObjectId,
};
use zbus::{fdo::Properties, names::InterfaceName, object_server::SignalEmitter, OwnedObjectPath};

use crate::bus::{
    connect::Connect,
    domain,
    domain_props::{DomainProps, Fingerprint, INTERFACE as DOMAIN_INTERFACE},
    object_manager::ObjectManager,
    path,
    registry::Registry,
};

/// The interface of the storage pool `Refresh` signal.
const STORAGE_POOL_INTERFACE: &str = "org.libvirt.StoragePool";

/// The fan-out of one driver: its connection object and what it last announced of every
/// domain's properties, which only this task reads and writes.
pub struct FanOut {
    registry: Registry,
    /// Emits from the connection object.
    root: SignalEmitter<'static>,
    props: HashMap<Uuid, Fingerprint>,
}

impl FanOut {
    /// A fan-out for `registry`, whose domains were announced with the properties `props`
    /// was taken of.
    pub fn new(registry: Registry, props: HashMap<Uuid, Fingerprint>) -> Self {
        let root = SignalEmitter::from_parts(
            registry.connection().clone(),
            registry.root().clone().into(),
        );
        Self {
            registry,
            root,
            props,
        }
    }

    /// Runs the fan-out as a task until the driver drops its event sender.
    pub fn spawn(self, events: EventReceiver) -> JoinHandle<()> {
        tokio::spawn(self.run(events))
    }

    /// Handles every event of `events`, in order, until the driver drops its sender.
    pub async fn run(mut self, mut events: EventReceiver) {
        while let Some(received) = events.recv().await {
            match received {
                Received::Event(event) => self.handle(event).await,
                Received::Lost(n) => {
                    warn!(root = %self.registry.root(), lost = n, "{n} events lost");
                    self.resync().await;
                }
            }
        }
        debug!(root = %self.registry.root(), "driver event stream ended");
    }

    /// Brings what was announced back in line with the driver after events were lost.
    ///
    /// For now it only logs: re-reading the driver's objects and announcing the
    /// differences comes with the per-kind fan-out.
    pub async fn resync(&mut self) {
        warn!(
            root = %self.registry.root(),
            "announced objects and properties may be stale until they change again"
        );
    }

    /// Handles one event.
    pub async fn handle(&mut self, event: Event) {
        match event {
            Event::Added(ObjectId::Domain(uuid)) => self.added(uuid).await,
            Event::Removed(ObjectId::Domain(uuid)) => self.removed(uuid).await,
            Event::Domain(DomainEvent { uuid, kind }) => self.domain_event(uuid, &kind).await,
            Event::PropertiesMayHaveChanged(ObjectId::Domain(uuid)) => self.refresh(uuid).await,
            Event::Added(id) | Event::Removed(id) | Event::PropertiesMayHaveChanged(id) => {
                debug!(?id, "not announced yet for this kind of object");
            }
            Event::Network {
                uuid,
                event,
                detail: _,
            } => {
                let path = self.path(&ObjectId::Network(uuid));
                let emitted = Connect::network_event(&self.root, path.as_ref(), event).await;
                self.log_failure(emitted, &path, "NetworkEvent");
            }
            Event::StoragePool {
                uuid,
                event,
                detail,
            } => {
                let path = self.path(&ObjectId::StoragePool(uuid));
                let emitted =
                    Connect::storage_pool_event(&self.root, path.as_ref(), event, detail).await;
                self.log_failure(emitted, &path, "StoragePoolEvent");
            }
            Event::StoragePoolRefresh(uuid) => {
                let path = self.path(&ObjectId::StoragePool(uuid));
                let emitted = match SignalEmitter::new(self.registry.connection(), path.as_ref()) {
                    Ok(emitter) => emitter.emit(STORAGE_POOL_INTERFACE, "Refresh", &()).await,
                    Err(e) => Err(e),
                };
                self.log_failure(emitted, &path, "Refresh");
            }
            Event::NodeDevice {
                name,
                event,
                detail,
            } => {
                let path = self.path(&ObjectId::NodeDevice(name));
                let emitted =
                    Connect::node_device_event(&self.root, path.as_ref(), event, detail).await;
                self.log_failure(emitted, &path, "NodeDeviceEvent");
            }
            Event::Secret {
                uuid,
                event,
                detail,
            } => {
                let path = self.path(&ObjectId::Secret(uuid));
                let emitted = Connect::secret_event(&self.root, path.as_ref(), event, detail).await;
                self.log_failure(emitted, &path, "SecretEvent");
            }
        }
    }

    /// The object path of `id` under this driver's connection object.
    fn path(&self, id: &ObjectId) -> OwnedObjectPath {
        path::object_path(self.registry.root().as_str(), id)
    }

    /// Logs a signal that could not be emitted.
    fn log_failure(&self, emitted: zbus::Result<()>, path: &OwnedObjectPath, signal: &str) {
        if let Err(e) = emitted {
            warn!(%path, signal, error = %e, "cannot emit the signal");
        }
    }

    /// Announces a new domain.
    async fn added(&mut self, uuid: Uuid) {
        if self.props.contains_key(&uuid) {
            // Redefinition of a domain already announced: the lifecycle event that follows
            // brings any property change.
            return;
        }
        let props = match DomainProps::read(self.registry.driver().as_ref(), &uuid).await {
            Ok(props) => props,
            Err(e) => {
                // Gone again already; its `Removed` follows.
                debug!(%uuid, error = %e, "new domain vanished before it was announced");
                return;
            }
        };
        let path = self.registry.domain_path(&uuid);
        if let Err(e) = ObjectManager::domain_added(&self.root, path.as_ref(), &props).await {
            warn!(%uuid, error = %e, "cannot emit InterfacesAdded");
        }
        self.props.insert(uuid, props.fingerprint());
    }

    /// Announces that a domain is gone.
    async fn removed(&mut self, uuid: Uuid) {
        // Only a domain announced with InterfacesAdded is announced gone.
        if self.props.remove(&uuid).is_none() {
            debug!(%uuid, "removed a domain that was never announced");
            return;
        }
        let path = self.registry.domain_path(&uuid);
        if let Err(e) = ObjectManager::domain_removed(&self.root, path.as_ref()).await {
            warn!(%uuid, error = %e, "cannot emit InterfacesRemoved");
        }
    }

    /// Emits the signal of one domain event, then the properties it changed.
    async fn domain_event(&mut self, uuid: Uuid, kind: &DomainEventKind) {
        let path = self.registry.domain_path(&uuid);
        let emitted = match kind {
            DomainEventKind::Lifecycle { event, detail } => {
                Connect::domain_event(&self.root, path.as_ref(), *event, *detail).await
            }
            other => match SignalEmitter::new(self.registry.connection(), path.as_ref()) {
                Ok(emitter) => domain::emit_event(&emitter, other).await,
                Err(e) => Err(e),
            },
        };
        if let Err(e) = emitted {
            warn!(%uuid, event = ?kind, error = %e, "cannot emit the domain event");
        }
        self.refresh(uuid).await;
    }

    /// Re-reads the properties of domain `uuid` and emits one `PropertiesChanged` with those
    /// that differ from the last announced values.
    async fn refresh(&mut self, uuid: Uuid) {
        let Some(old) = self.props.get(&uuid) else {
            // Not announced (yet, or any more): nothing to compare with.
            return;
        };
        let new = match DomainProps::read(self.registry.driver().as_ref(), &uuid).await {
            Ok(new) => new,
            // Gone (a transient domain that stopped): its `Removed` follows.
            Err(_) => return,
        };
        let changes = new.changes_since(old);
        if !changes.is_empty() {
            let path = self.registry.domain_path(&uuid);
            let emitted = match SignalEmitter::new(self.registry.connection(), path.as_ref()) {
                Ok(emitter) => {
                    Properties::properties_changed(
                        &emitter,
                        InterfaceName::from_static_str_unchecked(DOMAIN_INTERFACE),
                        changes.changed,
                        Cow::Borrowed(&changes.invalidated),
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = emitted {
                warn!(%uuid, error = %e, "cannot emit PropertiesChanged");
            }
        }
        let fingerprint = new.fingerprint();
        self.props.insert(uuid, fingerprint);
    }
}
