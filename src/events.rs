//! The event fan-out: one task per driver turns the driver's events into bus signals.
//!
//! - `DomainAdded`: `InterfacesAdded` on the connection object, with the new domain's
//!   properties (domain objects are answered from their path, so nothing is registered).
//! - a lifecycle event: `DomainEvent(o,i,i)` on the connection object.
//! - any other domain event: its `org.libvirt.Domain` signal on the domain object.
//! - after every domain event: one `PropertiesChanged` with exactly the `org.libvirt.Domain`
//!   properties whose values changed, if any did. This is the only place that announces
//!   property changes, `Properties.Set` included: a Set that changes nothing is announced
//!   by nothing.
//! - `DomainRemoved`: `InterfacesRemoved` on the connection object.
//!
//! Events are handled one at a time in the order the driver sent them, from the moment the
//! service starts. A failure to emit is logged, never fatal.

use std::{borrow::Cow, collections::HashMap};

use tokio::task::JoinHandle;
use tracing::{debug, warn};
use uuid::Uuid;
use virtbus_core::event::{DomainEvent, DomainEventKind, Event, EventReceiver};
use zbus::{fdo::Properties, names::InterfaceName, object_server::SignalEmitter};

use crate::bus::{
    connect::Connect,
    domain,
    domain_props::{DomainProps, Fingerprint, INTERFACE as DOMAIN_INTERFACE},
    object_manager::ObjectManager,
    registry::Registry,
};

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
        while let Some(event) = events.recv().await {
            self.handle(event).await;
        }
        debug!(root = %self.registry.root(), "driver event stream ended");
    }

    /// Handles one event.
    pub async fn handle(&mut self, event: Event) {
        match event {
            Event::DomainAdded(uuid) => self.added(uuid).await,
            Event::DomainRemoved(uuid) => self.removed(uuid).await,
            Event::Domain(DomainEvent { uuid, kind }) => self.domain_event(uuid, &kind).await,
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
                // Gone again already; its DomainRemoved follows.
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
            DomainEventKind::PropertiesMayHaveChanged => Ok(()),
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
            // Gone (a transient domain that stopped): its DomainRemoved follows.
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
