//! The event fan-out: one task per driver turns the driver's events into bus signals.
//!
//! - an object appeared (`Added` of a kind that is served): `InterfacesAdded` on the connection
//!   object, with its properties (child objects are answered from their path, so nothing is
//!   registered).
//! - a domain lifecycle event: `DomainEvent(o,i,i)` on the connection object.
//! - any other domain event: its `org.libvirt.Domain` signal on the domain object.
//! - after every event about an object, and on `PropertiesMayHaveChanged`: one `PropertiesChanged`
//!   with exactly the properties whose values changed, if any did. This is the only place that
//!   announces property changes, `Properties.Set` included: a Set that changes nothing is announced
//!   by nothing.
//! - an object went away (`Removed`): `InterfacesRemoved` on the connection object.
//! - network, storage pool, node device and secret lifecycle events: `NetworkEvent(o,i)` (without
//!   the detail, as libvirt-dbus), `StoragePoolEvent(o,i,i)`, `NodeDeviceEvent(o,i,i)` and
//!   `SecretEvent(o,i,i)` on the connection object; a pool refresh:
//!   `org.libvirt.StoragePool.Refresh()` on the pool's object. `Added`, `Removed` and
//!   `PropertiesMayHaveChanged` of a kind not in [`kinds::KINDS`] are only logged.
//!
//! Events are handled one at a time in the order the driver sent them, from the moment the
//! service starts. A failure to emit is logged, never fatal. When the driver's event queue
//! overflowed, the fan-out is told how many events were lost and resynchronises
//! ([`FanOut::resync`]).

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

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
    kind::{Fingerprint, Kind, Values, Wanted},
    kinds,
    object_manager::ObjectManager,
    path,
    registry::Registry,
};

/// The interface of the storage pool `Refresh` signal.
const STORAGE_POOL_INTERFACE: &str = "org.libvirt.StoragePool";

/// Which object an event is about, and where it lives: its kind and its path element.
struct Located {
    id: ObjectId,
    kind: &'static dyn Kind,
    element: String,
}

/// Writes the `debug` line of a driver event (target `virtbus::event`), with the domain's
/// UUID as its own field (`DOMAIN_UUID` in the journal) for domain events.
fn log_event(root: &str, event: &Event) {
    if !tracing::enabled!(target: "virtbus::event", tracing::Level::DEBUG) {
        return;
    }
    let domain_uuid = match event {
        Event::Domain(DomainEvent { uuid, .. })
        | Event::Added(ObjectId::Domain(uuid))
        | Event::Removed(ObjectId::Domain(uuid))
        | Event::PropertiesMayHaveChanged(ObjectId::Domain(uuid)) => Some(uuid.to_string()),
        _ => None,
    };
    debug!(
        target: "virtbus::event",
        root,
        domain_uuid = domain_uuid.as_deref(),
        ?event,
        "driver event"
    );
}

/// Object `id`, located; `None` when its kind is not served.
fn locate(id: &ObjectId) -> Option<Located> {
    let (element, key) = path::object_element(id);
    let kind = kinds::by_element(element)?;
    Some(Located {
        id: id.clone(),
        kind,
        element: key,
    })
}

/// The fan-out of one driver: its connection object and what it last announced of the
/// properties of every object, by object, which only this task reads and writes.
pub struct FanOut {
    registry: Registry,
    /// Emits from the connection object.
    root: SignalEmitter<'static>,
    props: HashMap<ObjectId, Fingerprint>,
}

impl FanOut {
    /// A fan-out for `registry`, whose objects were announced with the properties `props`
    /// was taken of.
    pub fn new(registry: Registry, props: HashMap<ObjectId, Fingerprint>) -> Self {
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
    ) -> virtbus_core::Result<HashMap<ObjectId, Fingerprint>> {
        let driver = registry.driver().as_ref();
        let mut props = HashMap::new();
        for kind in kinds::KINDS {
            for values in kind.read_all(driver).await? {
                props.insert(values.id(), values.fingerprint());
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

    /// Brings what was announced back in line with the driver after events were lost: every
    /// object of every served kind is read again; those that appeared are announced with
    /// `InterfacesAdded`, those that went with `InterfacesRemoved`, and those whose
    /// properties changed with `PropertiesChanged`, as the lost events would have. The lost
    /// events' own signals (`DomainEvent` ...) cannot be made up again: they are gone.
    pub async fn resync(&mut self) {
        let driver = self.registry.driver().clone();
        let mut seen = HashSet::with_capacity(self.props.len());
        for kind in kinds::KINDS {
            let all = match kind.read_all(driver.as_ref()).await {
                Ok(all) => all,
                Err(e) => {
                    warn!(kind = kind.element(), error = %e, "cannot re-read the objects");
                    // What cannot be read is not announced gone.
                    seen.extend(
                        self.props
                            .keys()
                            .filter(|id| {
                                locate(id).is_some_and(|o| o.kind.element() == kind.element())
                            })
                            .cloned(),
                    );
                    continue;
                }
            };
            for values in all {
                let id = values.id();
                let path = self.registry.path_of(*kind, values.as_ref());
                match self.props.get(&id) {
                    None => {
                        let added =
                            ObjectManager::added(&self.root, path.as_ref(), values.as_ref()).await;
                        self.log_failure(added, &path, "InterfacesAdded");
                    }
                    Some(old) => self.announce_changes(&path, values.as_ref(), old).await,
                }
                self.props.insert(id.clone(), values.fingerprint());
                seen.insert(id);
            }
        }
        let gone: Vec<ObjectId> = self
            .props
            .keys()
            .filter(|id| !seen.contains(*id))
            .cloned()
            .collect();
        for id in gone {
            self.props.remove(&id);
            if let Some(object) = locate(&id) {
                let path = self.path(&object);
                let removed = ObjectManager::removed(&self.root, path.as_ref(), object.kind).await;
                self.log_failure(removed, &path, "InterfacesRemoved");
            }
        }
        debug!(root = %self.registry.root(), objects = self.props.len(), "resynchronised");
    }

    /// Handles one event.
    pub async fn handle(&mut self, event: Event) {
        log_event(self.registry.root().as_str(), &event);
        match event {
            Event::Added(id) => match locate(&id) {
                Some(object) => self.added(object).await,
                None => debug!(?id, "added an object of a kind not served yet"),
            },
            Event::Removed(id) => match locate(&id) {
                Some(object) => self.removed(object).await,
                None => debug!(?id, "removed an object of a kind not served yet"),
            },
            Event::Domain(DomainEvent { uuid, kind }) => self.domain_event(uuid, &kind).await,
            Event::PropertiesMayHaveChanged(id) => self.refresh_id(&id).await,
            Event::Network {
                uuid,
                event,
                detail: _,
            } => {
                let id = ObjectId::Network(uuid);
                let path = self.id_path(&id);
                let emitted = Connect::network_event(&self.root, path.as_ref(), event).await;
                self.log_failure(emitted, &path, "NetworkEvent");
                self.refresh_id(&id).await;
            }
            Event::StoragePool {
                uuid,
                event,
                detail,
            } => {
                let id = ObjectId::StoragePool(uuid);
                let path = self.id_path(&id);
                let emitted =
                    Connect::storage_pool_event(&self.root, path.as_ref(), event, detail).await;
                self.log_failure(emitted, &path, "StoragePoolEvent");
                self.refresh_id(&id).await;
            }
            Event::StoragePoolRefresh(uuid) => {
                let path = self.id_path(&ObjectId::StoragePool(uuid));
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
                let id = ObjectId::NodeDevice(name);
                let path = self.id_path(&id);
                let emitted =
                    Connect::node_device_event(&self.root, path.as_ref(), event, detail).await;
                self.log_failure(emitted, &path, "NodeDeviceEvent");
                self.refresh_id(&id).await;
            }
            Event::Secret {
                uuid,
                event,
                detail,
            } => {
                let id = ObjectId::Secret(uuid);
                let path = self.id_path(&id);
                let emitted = Connect::secret_event(&self.root, path.as_ref(), event, detail).await;
                self.log_failure(emitted, &path, "SecretEvent");
                self.refresh_id(&id).await;
            }
        }
    }

    /// Announces the properties of object `id` that changed, if its kind is served.
    async fn refresh_id(&mut self, id: &ObjectId) {
        match locate(id) {
            Some(object) => {
                let path = self.path(&object);
                self.refresh(object, path).await;
            }
            None => debug!(?id, "properties of a kind not served yet"),
        }
    }

    /// The object path of `id` under this driver's connection object.
    fn id_path(&self, id: &ObjectId) -> OwnedObjectPath {
        path::object_path(self.registry.root().as_str(), id)
    }

    /// Logs a signal that could not be emitted.
    fn log_failure(&self, emitted: zbus::Result<()>, path: &OwnedObjectPath, signal: &str) {
        if let Err(e) = emitted {
            warn!(%path, signal, error = %e, "cannot emit the signal");
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
        if self.props.contains_key(&object.id) {
            // Redefinition of an object already announced: the lifecycle event that follows
            // brings any property change.
            return;
        }
        // Gone again already: its removal follows.
        let Some(values) = self.read(&object).await else {
            return;
        };
        let path = self.path(&object);
        if let Err(e) = ObjectManager::added(&self.root, path.as_ref(), values.as_ref()).await {
            warn!(%path, error = %e, "cannot emit InterfacesAdded");
        }
        self.props.insert(object.id, values.fingerprint());
    }

    /// Announces that an object is gone.
    async fn removed(&mut self, object: Located) {
        let path = self.path(&object);
        // Only an object announced with InterfacesAdded is announced gone.
        if self.props.remove(&object.id).is_none() {
            debug!(%path, "removed an object that was never announced");
            return;
        }
        if let Err(e) = ObjectManager::removed(&self.root, path.as_ref(), object.kind).await {
            warn!(%path, error = %e, "cannot emit InterfacesRemoved");
        }
    }

    /// Emits the signal of one domain event, then the properties it changed.
    async fn domain_event(&mut self, uuid: Uuid, kind: &DomainEventKind) {
        let Some(object) = locate(&ObjectId::Domain(uuid)) else {
            return;
        };
        let path = self.path(&object);
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
        self.refresh(object, path).await;
    }

    /// Emits one `PropertiesChanged` for the object at `path` with the properties of `new`
    /// that differ from those `old` was taken of, if any do.
    async fn announce_changes(&self, path: &OwnedObjectPath, new: &dyn Values, old: &Fingerprint) {
        let changes = new.changes_since(old);
        if changes.is_empty() {
            return;
        }
        let emitted = match SignalEmitter::new(self.registry.connection(), path.as_ref()) {
            Ok(emitter) => {
                let changed: HashMap<&str, _> = changes.changed.into_iter().collect();
                Properties::properties_changed(
                    &emitter,
                    InterfaceName::from_static_str_unchecked(new.interface()),
                    changed,
                    Cow::Borrowed(&changes.invalidated),
                )
                .await
            }
            Err(e) => Err(e),
        };
        self.log_failure(emitted, path, "PropertiesChanged");
    }

    /// Re-reads the properties of `object` at `path` and emits one `PropertiesChanged` with
    /// those that differ from the last announced values.
    async fn refresh(&mut self, object: Located, path: OwnedObjectPath) {
        if !self.props.contains_key(&object.id) {
            // Not announced (yet, or any more): nothing to compare with.
            return;
        }
        // Gone (a transient domain that stopped): its removal follows.
        let Some(new) = self.read(&object).await else {
            return;
        };
        let old = &self.props[&object.id];
        self.announce_changes(&path, new.as_ref(), old).await;
        self.props.insert(object.id, new.fingerprint());
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::Duration};

    use futures_util::StreamExt;
    use virtbus_core::event::{self, network_lifecycle, node_device_lifecycle};
    use virtbus_test_driver::TestDriver;
    use zbus::{message::Type as MessageType, Connection, Message, MessageStream};

    use super::*;

    const ROOT: &str = "/org/libvirt/Test";
    const UUID: &str = "dd8fe884-6c02-601e-7551-cca97df1c5df";
    const UUID_ELEMENT: &str = "_dd8fe884_6c02_601e_7551_cca97df1c5df";

    /// A fan-out on one end of a peer-to-peer link, the client's incoming messages on the
    /// other, and a sender on the driver's event channel.
    async fn start() -> (FanOut, Connection, MessageStream) {
        let (server, client) = crate::test_support::p2p_pair().await;
        let stream = MessageStream::from(&client);
        let (tx, _rx) = event::channel();
        let driver = Arc::new(TestDriver::new(tx));
        let registry = Registry::new(server, ROOT, driver).unwrap();
        // What serve() starts from: everything the driver has is announced.
        let announced = FanOut::snapshot(&registry).await.unwrap();
        (FanOut::new(registry, announced), client, stream)
    }

    /// The next signal the client receives.
    async fn next_signal(stream: &mut MessageStream) -> Message {
        let wait = async {
            loop {
                let msg = stream.next().await.expect("link open").expect("a message");
                if msg.message_type() == MessageType::Signal {
                    return msg;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .expect("a signal in time")
    }

    /// (path, interface, member, body signature) of a signal.
    fn head(msg: &Message) -> (String, String, String, String) {
        let h = msg.header();
        (
            h.path().unwrap().to_string(),
            h.interface().unwrap().to_string(),
            h.member().unwrap().to_string(),
            msg.body().signature().to_string_no_parens(),
        )
    }

    #[tokio::test]
    async fn other_kinds_lifecycle_events_become_connect_signals() {
        let (mut fan_out, _client, mut stream) = start().await;
        let uuid = Uuid::parse_str(UUID).unwrap();
        let connect = "org.libvirt.Connect".to_owned();

        // Networks are not a served kind yet: their appearance is announced by nothing, so
        // the first signal is the lifecycle event.
        fan_out.handle(Event::Added(ObjectId::Network(uuid))).await;
        fan_out
            .handle(Event::Network {
                uuid,
                event: network_lifecycle::STARTED,
                detail: 7,
            })
            .await;
        let msg = next_signal(&mut stream).await;
        assert_eq!(
            head(&msg),
            (
                ROOT.into(),
                connect.clone(),
                "NetworkEvent".into(),
                "oi".into()
            )
        );
        let (path, event): (OwnedObjectPath, i32) = msg.body().deserialize().unwrap();
        assert_eq!(path.as_str(), format!("{ROOT}/network/{UUID_ELEMENT}"));
        assert_eq!(event, network_lifecycle::STARTED, "the detail is dropped");

        fan_out
            .handle(Event::StoragePool {
                uuid,
                event: 4,
                detail: 0,
            })
            .await;
        let msg = next_signal(&mut stream).await;
        assert_eq!(
            head(&msg),
            (
                ROOT.into(),
                connect.clone(),
                "StoragePoolEvent".into(),
                "oii".into()
            )
        );
        let body: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
        assert_eq!(
            body.0.as_str(),
            format!("{ROOT}/storagepool/{UUID_ELEMENT}")
        );
        assert_eq!((body.1, body.2), (4, 0));

        fan_out
            .handle(Event::NodeDevice {
                name: "scsi_host2".into(),
                event: node_device_lifecycle::DELETED,
                detail: 0,
            })
            .await;
        let msg = next_signal(&mut stream).await;
        assert_eq!(head(&msg).2, "NodeDeviceEvent");
        let body: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
        assert_eq!(body.0.as_str(), format!("{ROOT}/nodedev/scsi_5fhost2"));
        assert_eq!((body.1, body.2), (node_device_lifecycle::DELETED, 0));

        fan_out
            .handle(Event::Secret {
                uuid,
                event: 1,
                detail: 0,
            })
            .await;
        let msg = next_signal(&mut stream).await;
        assert_eq!(head(&msg).2, "SecretEvent");
        let body: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
        assert_eq!(body.0.as_str(), format!("{ROOT}/secret/{UUID_ELEMENT}"));

        fan_out.handle(Event::StoragePoolRefresh(uuid)).await;
        let msg = next_signal(&mut stream).await;
        assert_eq!(
            head(&msg),
            (
                format!("{ROOT}/storagepool/{UUID_ELEMENT}"),
                "org.libvirt.StoragePool".into(),
                "Refresh".into(),
                "".into()
            )
        );
    }

    #[tokio::test]
    async fn a_loss_is_survived_and_later_events_still_go_out() {
        let (fan_out, _client, mut stream) = start().await;
        let (tx, rx) = event::channel_with_capacity(1);
        let uuid = Uuid::parse_str(UUID).unwrap();
        // Three secret events on a queue of one: two are lost.
        for event in 0..3 {
            tx.secret(uuid, event, 0);
        }
        let task = tokio::spawn(fan_out.run(rx));
        let first = next_signal(&mut stream).await;
        let body: (OwnedObjectPath, i32, i32) = first.body().deserialize().unwrap();
        assert_eq!(body.1, 0, "the queued event still goes out");
        // Events after the loss go out too, in order.
        tx.secret(uuid, 1, 0);
        let next = next_signal(&mut stream).await;
        let body: (OwnedObjectPath, i32, i32) = next.body().deserialize().unwrap();
        assert_eq!(body.1, 1);
        drop(tx);
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the fan-out ends with the stream")
            .unwrap();
    }

    #[tokio::test]
    async fn a_block_threshold_event_becomes_the_domain_signal() {
        let (mut fan_out, _client, mut stream) = start().await;
        let uuid = Uuid::parse_str("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
        fan_out
            .handle(Event::Domain(DomainEvent {
                uuid,
                kind: DomainEventKind::BlockThreshold {
                    dev: "vda".to_owned(),
                    path: "/guest/diskimage1".to_owned(),
                    threshold: 1 << 30,
                    excess: 4096,
                },
            }))
            .await;
        let msg = next_signal(&mut stream).await;
        let h = msg.header();
        assert_eq!(
            h.path().unwrap().as_str(),
            "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f"
        );
        assert_eq!(h.interface().unwrap().as_str(), "org.libvirt.Domain");
        assert_eq!(h.member().unwrap().as_str(), "BlockThreshold");
        let body: (String, String, u64, u64) = msg.body().deserialize().unwrap();
        assert_eq!(
            body,
            ("vda".into(), "/guest/diskimage1".into(), 1 << 30, 4096)
        );
    }
}
