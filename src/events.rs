//! The event fan-out: one task per driver turns the driver's events into bus signals.
//!
//! - an object appeared: `InterfacesAdded` on the connection object, with its properties
//!   (child objects are answered from their path, so nothing is registered).
//! - a lifecycle event: `DomainEvent(o,i,i)` on the connection object.
//! - any other domain event: its `org.libvirt.Domain` signal on the domain object.
//! - after every event about an object: one `PropertiesChanged` with exactly the properties
//!   whose values changed, if any did. This is the only place that announces property
//!   changes, `Properties.Set` included: a Set that changes nothing is announced by nothing.
//! - an object went away: `InterfacesRemoved` on the connection object.
//!
//! Events are handled one at a time in the order the driver sent them, from the moment the
//! service starts. A failure to emit is logged, never fatal.

use std::{borrow::Cow, collections::HashMap};

use tokio::task::JoinHandle;
use tracing::{debug, warn};
use uuid::Uuid;
use virtbus_core::event::{DomainEvent, DomainEventKind, Event, EventReceiver};
use zbus::{fdo::Properties, names::InterfaceName, object_server::SignalEmitter, OwnedObjectPath};

use crate::bus::{
    connect::Connect,
    domain::{self, DomainKind},
    kind::{Fingerprint, Kind, Values, Wanted},
    kinds,
    object_manager::ObjectManager,
    path,
    registry::Registry,
};

/// Where an object lives: its kind and its path element.
struct Located {
    kind: &'static dyn Kind,
    element: String,
}

/// The domain `uuid`, located.
fn domain(uuid: &Uuid) -> Located {
    let kind = kinds::by_element(path::DOMAIN).expect("domains are a served kind");
    let mut element = String::with_capacity(path::ENCODED_UUID_LEN);
    <DomainKind as crate::bus::kind::ObjectKind>::encode(uuid, &mut element);
    Located { kind, element }
}

/// The fan-out of one driver: its connection object and what it last announced of the
/// properties of every object, by object path, which only this task reads and writes.
pub struct FanOut {
    registry: Registry,
    /// Emits from the connection object.
    root: SignalEmitter<'static>,
    props: HashMap<OwnedObjectPath, Fingerprint>,
}

impl FanOut {
    /// A fan-out for `registry`, whose objects were announced with the properties `props`
    /// was taken of.
    pub fn new(registry: Registry, props: HashMap<OwnedObjectPath, Fingerprint>) -> Self {
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

    /// What the fan-out of `registry` starts from: the fingerprint of every object of every
    /// kind the driver has now.
    pub async fn snapshot(
        registry: &Registry,
    ) -> virtbus_core::Result<HashMap<OwnedObjectPath, Fingerprint>> {
        let driver = registry.driver().as_ref();
        let mut props = HashMap::new();
        for kind in kinds::KINDS {
            for values in kind.read_all(driver).await? {
                let path = registry.path_of(*kind, values.as_ref());
                props.insert(path, values.fingerprint());
            }
        }
        Ok(props)
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
            Event::DomainAdded(uuid) => self.added(domain(&uuid)).await,
            Event::DomainRemoved(uuid) => self.removed(domain(&uuid)).await,
            Event::Domain(DomainEvent { uuid, kind }) => self.domain_event(uuid, &kind).await,
        }
    }

    /// The current values of `object`, or `None` when the driver no longer has it.
    async fn read(&self, object: &Located) -> Option<Box<dyn Values>> {
        let driver = self.registry.driver().as_ref();
        match object.kind.read(driver, &object.element, Wanted::All).await {
            Ok(values) => Some(values),
            Err(e) => {
                debug!(element = %object.element, error = %e, "object vanished before it was read");
                None
            }
        }
    }

    /// The object path of `object`.
    fn path(&self, object: &Located) -> OwnedObjectPath {
        let mut path = self.registry.prefix(object.kind.element());
        path.push_str(&object.element);
        OwnedObjectPath::try_from(path).expect("an encoded element makes a valid path")
    }

    /// Announces a new object.
    async fn added(&mut self, object: Located) {
        let path = self.path(&object);
        if self.props.contains_key(&path) {
            // Redefinition of an object already announced: the lifecycle event that follows
            // brings any property change.
            return;
        }
        // Gone again already: its removal follows.
        let Some(values) = self.read(&object).await else {
            return;
        };
        if let Err(e) = ObjectManager::added(&self.root, path.as_ref(), values.as_ref()).await {
            warn!(%path, error = %e, "cannot emit InterfacesAdded");
        }
        self.props.insert(path, values.fingerprint());
    }

    /// Announces that an object is gone.
    async fn removed(&mut self, object: Located) {
        let path = self.path(&object);
        // Only an object announced with InterfacesAdded is announced gone.
        if self.props.remove(&path).is_none() {
            debug!(%path, "removed an object that was never announced");
            return;
        }
        if let Err(e) = ObjectManager::removed(&self.root, path.as_ref(), object.kind).await {
            warn!(%path, error = %e, "cannot emit InterfacesRemoved");
        }
    }

    /// Emits the signal of one domain event, then the properties it changed.
    async fn domain_event(&mut self, uuid: Uuid, kind: &DomainEventKind) {
        let object = domain(&uuid);
        let path = self.path(&object);
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
        self.refresh(object, path).await;
    }

    /// Re-reads the properties of `object` at `path` and emits one `PropertiesChanged` with
    /// those that differ from the last announced values.
    async fn refresh(&mut self, object: Located, path: OwnedObjectPath) {
        if !self.props.contains_key(&path) {
            // Not announced (yet, or any more): nothing to compare with.
            return;
        }
        // Gone (a transient domain that stopped): its removal follows.
        let Some(new) = self.read(&object).await else {
            return;
        };
        let changes = new.changes_since(&self.props[&path]);
        if !changes.is_empty() {
            let emitted = match SignalEmitter::new(self.registry.connection(), path.as_ref()) {
                Ok(emitter) => {
                    let changed: HashMap<&str, _> = changes.changed.into_iter().collect();
                    Properties::properties_changed(
                        &emitter,
                        InterfaceName::from_static_str_unchecked(object.kind.interface()),
                        changed,
                        Cow::Borrowed(&changes.invalidated),
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = emitted {
                warn!(%path, error = %e, "cannot emit PropertiesChanged");
            }
        }
        self.props.insert(path, new.fingerprint());
    }
}
