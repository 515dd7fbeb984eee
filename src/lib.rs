//! virtbus: a D-Bus service that manages virtual machines with libvirt's object model.
//!
//! [`serve`] puts the whole service on a bus connection the caller made: for every driver of
//! the [`Config`] its connection object (`org.libvirt.Connect` and
//! `org.freedesktop.DBus.ObjectManager`), its domain objects (answered from their paths by
//! the dispatcher, [`bus::dispatch`], with nothing registered per domain), and the task that
//! turns driver events into signals. Only then does it request the well-known name, so no
//! call can reach the service before it can answer. The binary (`src/main.rs`) only parses
//! the command line, connects, calls [`serve`] and waits for a signal.

pub mod authz;
pub mod bus;
pub mod config;
pub mod events;
pub mod logging;
#[cfg(test)]
mod test_support;

use std::sync::Arc;

use tokio::task::JoinHandle;
use tracing::debug;
use virtbus_core::{
    driver::Driver,
    event::{self, EventReceiver},
};
use zbus::{
    fdo::{RequestNameFlags, RequestNameReply},
    Connection,
};

pub use crate::config::{Authorization, Config, DriverKind, Mode, BUS_NAME};
use crate::{
    authz::{AllowAll, Authorizer, Polkit},
    bus::{
        dispatch::{DispatchError, Dispatcher, Root},
        registry::Registry,
        zbus_internals::ConnectionKey,
    },
    events::FanOut,
};

/// Why the service could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Another program owns the well-known name.
    #[error("cannot own the name {0}: another program on this bus owns it")]
    NameTaken(String),
    /// Something is already served at a connection object path of this connection.
    #[error("an object is already served at {0}")]
    AlreadyServed(String),
    /// A driver could not be opened (its files could not be read).
    #[error("cannot open the driver of {root}: {source}")]
    DriverOpen {
        /// The connection object of the driver.
        root: String,
        /// What the driver answered.
        #[source]
        source: virtbus_core::Error,
    },
    /// A driver could not list its objects.
    #[error("cannot list the objects of {root}: {source}")]
    Driver {
        /// The connection object of the driver.
        root: String,
        /// What the driver answered.
        #[source]
        source: virtbus_core::Error,
    },
    /// The method-call dispatcher could not start.
    #[error(transparent)]
    Dispatcher(#[from] DispatchError),
    /// The bus refused or failed a request.
    #[error("D-Bus: {0}")]
    Bus(#[from] zbus::Error),
    /// The polkit authorizer could not be set up.
    #[error(transparent)]
    Polkit(#[from] authz::polkit::PolkitError),
}

/// A driver to serve with [`serve_drivers`]: its connection object path, the driver, and the
/// receiving end of the event channel the driver publishes on.
pub struct DriverSetup {
    /// The connection object path, e.g. `/org/libvirt/Test`.
    pub root: String,
    /// The driver.
    pub driver: Arc<dyn Driver>,
    /// The events `driver` publishes.
    pub events: EventReceiver,
}

/// The running service: what [`serve`] set up. Dropping it stops answering calls and stops
/// the event fan-out; the connection itself stays open.
pub struct Service {
    connection: Connection,
    drivers: Vec<ServedDriver>,
    dispatcher: JoinHandle<()>,
    _claim: ConnectionKey,
}

/// One served driver.
struct ServedDriver {
    registry: Registry,
    fanout: JoinHandle<()>,
}

impl Service {
    /// The connection the service is on.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The connection object paths served, e.g. `["/org/libvirt/Test"]`.
    pub fn roots(&self) -> impl Iterator<Item = &str> {
        self.drivers.iter().map(|d| d.registry.root().as_str())
    }

    /// The driver served at connection object `root`.
    pub fn driver(&self, root: &str) -> Option<&Arc<dyn Driver>> {
        self.drivers
            .iter()
            .find(|d| d.registry.root().as_str() == root)
            .map(|d| d.registry.driver())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.dispatcher.abort();
        for driver in &self.drivers {
            driver.fanout.abort();
        }
    }
}

/// Serves every driver of `config` on `connection`, then requests `config.bus_name`.
///
/// Fails with [`ServeError::NameTaken`] when another program owns the name; the name is
/// requested without queueing and without replacing anyone, as libvirt-dbus does.
pub async fn serve(connection: &Connection, config: Config) -> Result<Service, ServeError> {
    let mut drivers = Vec::with_capacity(config.drivers.len());
    for kind in &config.drivers {
        let (sender, events) = event::channel();
        let root = kind.root_path().to_owned();
        let driver = create_driver(*kind, &config, sender)
            .await
            .map_err(|source| ServeError::DriverOpen {
                root: root.clone(),
                source,
            })?;
        drivers.push(DriverSetup {
            root,
            driver,
            events,
        });
    }
    let authorizer: Arc<dyn Authorizer> = match config.authorization {
        Authorization::AllowAll => Arc::new(AllowAll),
        Authorization::Polkit => Arc::new(Polkit::new(connection).await?),
    };
    serve_drivers_with(connection, drivers, config.bus_name.as_deref(), authorizer).await
}

/// Serves `drivers` on `connection`, then requests `bus_name` if there is one.
///
/// This is [`serve`] with drivers the caller made, e.g. a test that keeps a handle on its
/// driver.
pub async fn serve_drivers(
    connection: &Connection,
    drivers: Vec<DriverSetup>,
    bus_name: Option<&str>,
) -> Result<Service, ServeError> {
    serve_drivers_with(connection, drivers, bus_name, Arc::new(AllowAll)).await
}

/// [`serve_drivers`] with every call checked by `authorizer` before it runs.
pub async fn serve_drivers_with(
    connection: &Connection,
    drivers: Vec<DriverSetup>,
    bus_name: Option<&str>,
    authorizer: Arc<dyn Authorizer>,
) -> Result<Service, ServeError> {
    let first_root = drivers.first().map_or("/", |d| d.root.as_str()).to_owned();
    let claim = ConnectionKey::claim(connection).ok_or(ServeError::AlreadyServed(first_root))?;
    let mut roots: Vec<Root> = Vec::with_capacity(drivers.len());
    let mut fanouts = Vec::with_capacity(drivers.len());
    for setup in drivers {
        if roots.iter().any(|r| r.as_ref() == setup.root) {
            return Err(ServeError::AlreadyServed(setup.root));
        }
        let (registry, fanout) = prepare_driver(connection, setup.root, setup.driver).await?;
        roots.push(Root::new(registry.clone()));
        fanouts.push((registry, fanout, setup.events));
    }
    // The dispatcher reads calls from here on, before the name is requested: no call that
    // reaches the service can be lost.
    let dispatcher = Dispatcher::new(connection, roots, bus_name, authorizer)
        .await?
        .start()
        .await?;
    let service = Service {
        connection: connection.clone(),
        drivers: fanouts
            .into_iter()
            .map(|(registry, fanout, events)| ServedDriver {
                registry,
                fanout: fanout.spawn(events),
            })
            .collect(),
        dispatcher,
        _claim: claim,
    };
    if let Some(name) = bus_name {
        request_name(connection, name).await?;
    }
    Ok(service)
}

/// Requests `name` on the bus of `connection`, without queueing and without replacing
/// anyone.
///
/// The request is made directly rather than through `Connection::request_name`, which
/// expects zbus's own object server to be serving (and warns when it is not).
async fn request_name(connection: &Connection, name: &str) -> Result<(), ServeError> {
    if !connection.is_bus() {
        // A peer-to-peer link has no names to own; the dispatcher answers calls addressed
        // to `name` there.
        return Ok(());
    }
    let reply = connection
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "RequestName",
            &(name, RequestNameFlags::DO_NOT_QUEUE),
        )
        .await?;
    match reply.body().deserialize::<RequestNameReply>()? {
        RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner => {
            debug!(name, "owning the bus name");
            Ok(())
        }
        RequestNameReply::InQueue | RequestNameReply::Exists => {
            Err(ServeError::NameTaken(name.to_owned()))
        }
    }
}

/// Prepares one driver: its connection object, and its event fan-out with the properties of
/// the objects it has now.
async fn prepare_driver(
    connection: &Connection,
    root: String,
    driver: Arc<dyn Driver>,
) -> Result<(Registry, FanOut), ServeError> {
    let registry = Registry::new(connection.clone(), &root, driver)?;
    let props = FanOut::snapshot(&registry)
        .await
        .map_err(|source| ServeError::Driver {
            root: root.clone(),
            source,
        })?;
    debug!(%root, objects = props.len(), "serving driver");
    let fanout = FanOut::new(registry.clone(), props);
    Ok((registry, fanout))
}

/// The driver of `kind`, publishing its events on `events`. The QEMU driver loads its
/// definitions and reattaches to its running guests here.
async fn create_driver(
    kind: DriverKind,
    config: &Config,
    events: event::EventSender,
) -> Result<Arc<dyn Driver>, virtbus_core::Error> {
    Ok(match kind {
        DriverKind::Test => Arc::new(virtbus_test_driver::TestDriver::new(events)),
        DriverKind::Qemu => {
            let mode = match config.mode {
                Mode::Session => virtbus_qemu_driver::store::Mode::Session,
                Mode::System => virtbus_qemu_driver::store::Mode::System,
            };
            let qemu = match &config.qemu_dirs {
                Some(dirs) => virtbus_qemu_driver::QemuConfig::with_dirs(mode, dirs.clone()),
                None => virtbus_qemu_driver::QemuConfig::new(mode)?,
            };
            Arc::new(virtbus_qemu_driver::QemuDriver::open(qemu, events).await?)
        }
    })
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, future::Future, time::Duration};

    use futures_util::StreamExt;
    use uuid::Uuid;
    use zbus::{
        message::Type as MessageType, Message, MessageStream, OwnedObjectPath, OwnedVariant,
    };

    use super::*;

    const ROOT: &str = "/org/libvirt/Test";
    const TEST_UUID: &str = "6695eb01-f6a4-8304-79aa-97f2502e193f";
    const DOMAIN: &str = "org.libvirt.Domain";
    const XML: &str = "<domain type='test'><name>fresh</name><memory>1024</memory>\
                       <os><type>hvm</type></os></domain>";

    /// Runs a test body with a time limit.
    async fn timeout<F: Future<Output = ()>>(body: F) {
        tokio::time::timeout(Duration::from_secs(20), body)
            .await
            .expect("test timed out");
    }

    /// The service on one end of a peer-to-peer link, and a client on the other, with the
    /// client's stream of incoming messages opened before anything is served.
    async fn start() -> (Service, Connection, MessageStream) {
        let (server, client) = crate::test_support::p2p_pair().await;
        let stream = MessageStream::from(&client);
        let service = serve(&server, Config::default().without_bus_name())
            .await
            .unwrap();
        (service, client, stream)
    }

    async fn call<B>(
        client: &Connection,
        path: &str,
        iface: &str,
        method: &str,
        body: &B,
    ) -> Message
    where
        B: serde::Serialize + zbus::wire::DynamicType,
    {
        client
            .call_method(None::<&str>, path, Some(iface), method, body)
            .await
            .unwrap_or_else(|e| panic!("{iface}.{method} on {path}: {e}"))
    }

    /// The next signal on `stream`, as (path, interface, member, message).
    async fn next_signal(stream: &mut MessageStream) -> (String, String, String, Message) {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), stream.next())
                .await
                .expect("a signal within 5 s")
                .expect("the stream is open")
                .expect("a well-formed message");
            if msg.message_type() != MessageType::Signal {
                continue;
            }
            let h = msg.header();
            let field = |s: Option<String>| s.unwrap_or_default();
            let path = field(h.path().map(|p| p.to_string()));
            let iface = field(h.interface().map(|i| i.to_string()));
            let member = field(h.member().map(|m| m.to_string()));
            return (path, iface, member, msg);
        }
    }

    /// Defines the domain of [`XML`] and consumes its InterfacesAdded and DEFINED signals.
    async fn define_quietly(client: &Connection, stream: &mut MessageStream) -> OwnedObjectPath {
        let reply = call(
            client,
            ROOT,
            "org.libvirt.Connect",
            "DomainDefineXML",
            &(XML,),
        )
        .await;
        let path = reply.body().deserialize().unwrap();
        next_signal(stream).await; // InterfacesAdded
        next_signal(stream).await; // DomainEvent DEFINED
        path
    }

    /// Asserts that no signal arrives on `stream` within a short while.
    async fn no_signal(stream: &mut MessageStream) {
        let waited = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                match stream.next().await {
                    Some(Ok(msg)) if msg.message_type() == MessageType::Signal => return msg,
                    Some(_) => continue,
                    None => std::future::pending().await,
                }
            }
        })
        .await;
        if let Ok(msg) = waited {
            panic!("unexpected signal {:?}", msg.header().member());
        }
    }

    fn test_path() -> String {
        bus::path::domain_path(ROOT, &Uuid::parse_str(TEST_UUID).unwrap()).to_string()
    }

    /// The name and text of an error reply.
    fn error_parts(e: &zbus::Error) -> (String, String) {
        match e {
            zbus::Error::MethodError(name, text, _) => {
                (name.to_string(), text.clone().unwrap_or_default())
            }
            zbus::Error::FDO(e) => {
                use zbus::DBusError;
                (
                    e.name().to_string(),
                    e.description().unwrap_or_default().to_owned(),
                )
            }
            other => panic!("not an error reply: {other:?}"),
        }
    }

    /// Calls `iface.method` on `path` and returns the error reply's name and text.
    async fn call_err<B>(
        client: &Connection,
        path: &str,
        iface: &str,
        method: &str,
        body: &B,
    ) -> (String, String)
    where
        B: serde::Serialize + zbus::wire::DynamicType,
    {
        let e = client
            .call_method(None::<&str>, path, Some(iface), method, body)
            .await
            .expect_err(&format!("{iface}.{method} on {path} must fail"));
        error_parts(&e)
    }

    /// The introspection data of `path`, parsed.
    async fn introspect(client: &Connection, path: &str) -> zbus_xml::Node<'static> {
        let reply = call(
            client,
            path,
            "org.freedesktop.DBus.Introspectable",
            "Introspect",
            &(),
        )
        .await;
        let xml: String = reply.body().deserialize().unwrap();
        zbus_xml::Node::from_reader(xml.as_bytes()).unwrap()
    }

    fn interface_names(node: &zbus_xml::Node<'_>) -> Vec<String> {
        node.interfaces()
            .iter()
            .map(|i| i.name().to_string())
            .collect()
    }

    fn child_names(node: &zbus_xml::Node<'_>) -> Vec<String> {
        node.nodes()
            .iter()
            .filter_map(|n| n.name().map(str::to_owned))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn serves_the_default_domain_and_lists_it_in_one_call() {
        timeout(async {
            let (service, client, _) = start().await;
            assert_eq!(service.roots().collect::<Vec<_>>(), [ROOT]);
            assert!(service.driver(ROOT).is_some());

            let reply = call(
                &client,
                ROOT,
                "org.libvirt.Connect",
                "ListDomains",
                &(0u32,),
            )
            .await;
            let domains: Vec<OwnedObjectPath> = reply.body().deserialize().unwrap();
            assert!(domains.iter().any(|p| p.as_str() == test_path()));

            let reply = call(
                &client,
                ROOT,
                "org.freedesktop.DBus.ObjectManager",
                "GetManagedObjects",
                &(),
            )
            .await;
            let objects: HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>> =
                reply.body().deserialize().unwrap();
            let managed_domains = objects.values().filter(|i| i.contains_key(DOMAIN)).count();
            assert_eq!(managed_domains, domains.len());
            let test = &objects
                .iter()
                .find(|(p, _)| p.as_str() == test_path())
                .expect("the test domain is managed")
                .1[DOMAIN];
            assert_eq!(test.len(), 9, "{test:?}");
            assert_eq!(
                String::try_from(test["Name"].try_clone().unwrap()).unwrap(),
                "test"
            );
            assert_eq!(u32::try_from(&*test["Id"]).unwrap(), 1);
            assert!(bool::try_from(&*test["Active"]).unwrap());
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn define_serves_the_object_before_replying_and_announces_it() {
        timeout(async {
            let (_service, client, mut stream) = start().await;
            let reply = call(
                &client,
                ROOT,
                "org.libvirt.Connect",
                "DomainDefineXML",
                &(XML,),
            )
            .await;
            let path: OwnedObjectPath = reply.body().deserialize().unwrap();
            // The object answers at once.
            let reply = call(
                &client,
                path.as_str(),
                "org.freedesktop.DBus.Properties",
                "Get",
                &(DOMAIN, "Name"),
            )
            .await;
            let name: OwnedVariant = reply.body().deserialize().unwrap();
            assert_eq!(String::try_from(name).unwrap(), "fresh");

            // InterfacesAdded first, then the lifecycle event, and no property change.
            let (at, iface, member, msg) = next_signal(&mut stream).await;
            assert_eq!(
                (at.as_str(), iface.as_str(), member.as_str()),
                (
                    ROOT,
                    "org.freedesktop.DBus.ObjectManager",
                    "InterfacesAdded"
                )
            );
            let (added, ifaces): (
                OwnedObjectPath,
                HashMap<String, HashMap<String, OwnedVariant>>,
            ) = msg.body().deserialize().unwrap();
            assert_eq!(added, path);
            assert_eq!(ifaces[DOMAIN].len(), 9);
            assert!(!bool::try_from(&*ifaces[DOMAIN]["Active"]).unwrap());

            let (at, iface, member, msg) = next_signal(&mut stream).await;
            assert_eq!(
                (at.as_str(), iface.as_str(), member.as_str()),
                (ROOT, "org.libvirt.Connect", "DomainEvent")
            );
            let event: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
            assert_eq!(event, (path.clone(), 0, 0), "DEFINED/ADDED");
            no_signal(&mut stream).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn lifecycle_changes_emit_exactly_the_changed_properties() {
        timeout(async {
            let (_service, client, mut stream) = start().await;
            let path = define_quietly(&client, &mut stream).await;

            call(&client, path.as_str(), DOMAIN, "Create", &(0u32,)).await;
            let (_, _, member, msg) = next_signal(&mut stream).await;
            assert_eq!(member, "DomainEvent");
            let event: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
            assert_eq!((event.1, event.2), (2, 0), "STARTED/BOOTED");
            let (at, iface, member, msg) = next_signal(&mut stream).await;
            assert_eq!(
                (at.as_str(), iface.as_str(), member.as_str()),
                (
                    path.as_str(),
                    "org.freedesktop.DBus.Properties",
                    "PropertiesChanged"
                )
            );
            let (changed_iface, changed, invalidated): (
                String,
                HashMap<String, OwnedVariant>,
                Vec<String>,
            ) = msg.body().deserialize().unwrap();
            assert_eq!(changed_iface, DOMAIN);
            let mut names: Vec<_> = changed.keys().cloned().collect();
            names.sort();
            assert_eq!(names, ["Active", "Id"]);
            assert!(bool::try_from(&*changed["Active"]).unwrap());
            assert!(u32::try_from(&*changed["Id"]).unwrap() > 1);
            assert!(invalidated.is_empty());

            // Pausing changes no property: the event alone.
            call(&client, path.as_str(), DOMAIN, "Suspend", &()).await;
            let (_, _, member, _) = next_signal(&mut stream).await;
            assert_eq!(member, "DomainEvent");
            no_signal(&mut stream).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn undefine_announces_the_removal_after_the_event() {
        timeout(async {
            let (_service, client, mut stream) = start().await;
            let path = define_quietly(&client, &mut stream).await;

            call(&client, path.as_str(), DOMAIN, "Undefine", &(0u32,)).await;
            let (_, _, member, msg) = next_signal(&mut stream).await;
            assert_eq!(member, "DomainEvent");
            let event: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
            assert_eq!((event.1, event.2), (1, 0), "UNDEFINED/REMOVED");
            let (at, _, member, msg) = next_signal(&mut stream).await;
            assert_eq!((at.as_str(), member.as_str()), (ROOT, "InterfacesRemoved"));
            let (removed, ifaces): (OwnedObjectPath, Vec<String>) =
                msg.body().deserialize().unwrap();
            assert_eq!((removed, ifaces), (path.clone(), vec![DOMAIN.to_owned()]));

            // The path is still answered, as libvirt-dbus answers it: the domain is gone.
            let gone = client
                .call_method(
                    None::<&str>,
                    path.as_str(),
                    Some(DOMAIN),
                    "GetXMLDesc",
                    &(0u32,),
                )
                .await
                .unwrap_err();
            let (name, text) = error_parts(&gone);
            assert_eq!(name, "org.libvirt.Error");
            assert!(text.starts_with("Domain not found"), "{text}");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn events_flow_before_any_call() {
        timeout(async {
            let (service, _client, mut stream) = start().await;
            // Nothing was called on the service: the driver changes state by itself.
            let driver = service.driver(ROOT).unwrap().clone();
            let uuid = Uuid::parse_str(TEST_UUID).unwrap();
            driver.destroy(&uuid, 0).await.unwrap();
            let (at, iface, member, msg) = next_signal(&mut stream).await;
            assert_eq!(
                (at.as_str(), iface.as_str(), member.as_str()),
                (ROOT, "org.libvirt.Connect", "DomainEvent")
            );
            let event: (OwnedObjectPath, i32, i32) = msg.body().deserialize().unwrap();
            assert_eq!(
                (event.0.as_str(), event.1, event.2),
                (test_path().as_str(), 5, 1),
                "STOPPED/DESTROYED"
            );
            let (at, _, member, _) = next_signal(&mut stream).await;
            assert_eq!((at, member.as_str()), (test_path(), "PropertiesChanged"));
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn setting_autostart_is_announced_once() {
        timeout(async {
            let (_service, client, mut stream) = start().await;
            let path = test_path();
            call(
                &client,
                &path,
                "org.freedesktop.DBus.Properties",
                "Set",
                &(DOMAIN, "Autostart", zbus::Variant::from(true)),
            )
            .await;
            let (at, _, member, msg) = next_signal(&mut stream).await;
            assert_eq!(
                (at.as_str(), member.as_str()),
                (path.as_str(), "PropertiesChanged")
            );
            let (_, changed, _): (String, HashMap<String, OwnedVariant>, Vec<String>) =
                msg.body().deserialize().unwrap();
            assert_eq!(changed.len(), 1);
            assert!(bool::try_from(&*changed["Autostart"]).unwrap());
            no_signal(&mut stream).await;

            // The new value is recorded: a later change does not announce it again.
            call(&client, &path, DOMAIN, "Destroy", &(0u32,)).await;
            let (_, _, member, _) = next_signal(&mut stream).await;
            assert_eq!(member, "DomainEvent");
            let (_, _, member, msg) = next_signal(&mut stream).await;
            assert_eq!(member, "PropertiesChanged");
            let (_, changed, _): (String, HashMap<String, OwnedVariant>, Vec<String>) =
                msg.body().deserialize().unwrap();
            let mut names: Vec<_> = changed.keys().cloned().collect();
            names.sort();
            assert_eq!(names, ["Active", "Id"]);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn create_with_files_takes_descriptors_and_bounds_them() {
        timeout(async {
            let (_service, client, _) = start().await;
            let file = std::fs::File::open("/dev/null").unwrap();
            let xml = XML.replace("fresh", "with-files");
            let fds: Vec<zbus::Fd<'_>> = (0..2).map(|_| zbus::Fd::from(&file)).collect();
            let reply = call(
                &client,
                ROOT,
                "org.libvirt.Connect",
                "DomainCreateXMLWithFiles",
                &(xml.as_str(), fds, 0u32),
            )
            .await;
            let path: OwnedObjectPath = reply.body().deserialize().unwrap();
            let reply = call(&client, path.as_str(), DOMAIN, "GetState", &(0u32,)).await;
            let state: (i32, i32) = reply.body().deserialize().unwrap();
            assert_eq!(state.0, 1, "running");

            let too_many: Vec<zbus::Fd<'_>> = (0..=bus::connect::MAX_FILES)
                .map(|_| zbus::Fd::from(&file))
                .collect();
            let e = client
                .call_method(
                    None::<&str>,
                    ROOT,
                    Some("org.libvirt.Connect"),
                    "DomainCreateXMLWithFiles",
                    &(XML, too_many, 0u32),
                )
                .await
                .unwrap_err();
            match e {
                zbus::Error::MethodError(name, Some(text), _) => {
                    assert_eq!(name.as_str(), "org.libvirt.Error");
                    assert!(text.contains("too many file descriptors"), "{text}");
                }
                other => panic!("unexpected {other:?}"),
            }
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn members_without_arguments_refuse_arguments() {
        timeout(async {
            let (_service, client, _) = start().await;
            let e = client
                .call_method(
                    None::<&str>,
                    ROOT,
                    Some("org.libvirt.Connect"),
                    "GetCapabilities",
                    &(1u32,),
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&e, zbus::Error::FDO(f) if matches!(**f, zbus::fdo::Error::InvalidArgs(_))),
                "{e:?}"
            );
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn serving_twice_on_one_connection_is_refused() {
        timeout(async {
            let (service, _client, _) = start().await;
            let e = serve(service.connection(), Config::default().without_bus_name())
                .await
                .err()
                .expect("a second service on the same connection");
            assert!(
                matches!(e, ServeError::AlreadyServed(ref root) if root == ROOT),
                "{e}"
            );
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn any_domain_path_is_answered_as_libvirt_dbus_answers_it() {
        timeout(async {
            let (_service, client, _) = start().await;
            let props = "org.freedesktop.DBus.Properties";
            let missing = bus::path::domain_path(ROOT, &Uuid::nil()).to_string();
            let (name, text) = call_err(&client, &missing, DOMAIN, "GetState", &(0u32,)).await;
            assert_eq!(name, "org.libvirt.Error");
            assert!(text.starts_with("Domain not found"), "{text}");
            let (name, text) = call_err(&client, &missing, props, "Get", &(DOMAIN, "Name")).await;
            assert_eq!(name, "org.libvirt.Error");
            assert!(text.starts_with("Domain not found"), "{text}");
            let (name, _) = call_err(
                &client,
                &missing,
                props,
                "Set",
                &(DOMAIN, "Autostart", zbus::Variant::from(true)),
            )
            .await;
            assert_eq!(name, "org.libvirt.Error");
            let reply = call(&client, &missing, props, "GetAll", &(DOMAIN,)).await;
            let all: HashMap<String, OwnedVariant> = reply.body().deserialize().unwrap();
            assert!(all.is_empty(), "{all:?}");
            let node = introspect(&client, &missing).await;
            assert!(interface_names(&node).contains(&DOMAIN.to_owned()));

            // An element that is no UUID: libvirt-dbus's "Invalid UUID".
            let bad = format!("{ROOT}/domain/abc");
            let (name, text) = call_err(&client, &bad, DOMAIN, "GetState", &(0u32,)).await;
            assert_eq!(
                (name.as_str(), text.as_str()),
                ("org.libvirt.Error", "Invalid UUID")
            );
            let reply = call(&client, &bad, props, "GetAll", &(DOMAIN,)).await;
            let all: HashMap<String, OwnedVariant> = reply.body().deserialize().unwrap();
            assert!(all.is_empty());

            // The UUID in another spelling libvirt accepts is the same domain.
            let upper = format!(
                "{ROOT}/domain/_{}",
                TEST_UUID.replace('-', "").to_uppercase()
            );
            let reply = call(&client, &upper, DOMAIN, "GetState", &(0u32,)).await;
            let state: (i32, i32) = reply.body().deserialize().unwrap();
            assert_eq!(state.0, 1);

            // Beyond the subtree: no object.
            for path in [
                format!("{ROOT}/domain/abc/def"),
                "/org/libvirt/Nope".to_owned(),
                format!("{ROOT}/nope"),
            ] {
                let (name, text) = call_err(&client, &path, DOMAIN, "GetState", &(0u32,)).await;
                assert_eq!(name, "org.freedesktop.DBus.Error.UnknownObject", "{path}");
                assert_eq!(text, format!("Object does not exist at path “{path}”"));
            }
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn every_call_is_checked_against_its_signature() {
        timeout(async {
            let (service, client, _) = start().await;
            let path = test_path();
            let (name, text) = call_err(&client, &path, DOMAIN, "Suspend", &(1u32,)).await;
            assert_eq!(name, "org.freedesktop.DBus.Error.InvalidArgs");
            assert_eq!(
                text,
                "Type of message, “(u)”, does not match expected type “()”"
            );
            let (name, text) = call_err(&client, &path, DOMAIN, "GetState", &("x",)).await;
            assert_eq!(name, "org.freedesktop.DBus.Error.InvalidArgs");
            assert_eq!(
                text,
                "Type of message, “(s)”, does not match expected type “(u)”"
            );
            // Nothing was suspended.
            let driver = service.driver(ROOT).unwrap();
            let uuid = Uuid::parse_str(TEST_UUID).unwrap();
            let state = driver.summary(&uuid).await.unwrap().state.state;
            assert_eq!(state, virtbus_core::state::DomainState::Running);

            let (name, text) = call_err(&client, &path, DOMAIN, "Nope", &()).await;
            assert_eq!(name, "org.freedesktop.DBus.Error.UnknownMethod");
            assert_eq!(text, "No such method “Nope”");
            let (name, _) = call_err(&client, &path, "org.libvirt.Nope", "Nope", &()).await;
            assert_eq!(name, "org.freedesktop.DBus.Error.UnknownInterface");
            let (name, text) = call_err(
                &client,
                &path,
                "org.freedesktop.DBus.Properties",
                "GetAll",
                &(1u32,),
            )
            .await;
            assert_eq!(name, "org.freedesktop.DBus.Error.UnknownMethod");
            assert_eq!(
                text,
                "Method “GetAll” on interface “org.freedesktop.DBus.Properties” with \
                 signature “u” does not exist"
            );
            let (name, _) = call_err(
                &client,
                ROOT,
                "org.freedesktop.DBus.ObjectManager",
                "GetManagedObjects",
                &(0u32,),
            )
            .await;
            assert_eq!(name, "org.freedesktop.DBus.Error.InvalidArgs");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn properties_refuse_what_the_contract_does_not_have() {
        timeout(async {
            let (_service, client, _) = start().await;
            let path = test_path();
            let props = "org.freedesktop.DBus.Properties";
            let invalid = "org.freedesktop.DBus.Error.InvalidArgs";
            let cases: [(&str, &str, zbus::Variant<'static>, &str); 4] = [
                (
                    "org.libvirt.Nope",
                    "Name",
                    zbus::Variant::from(true),
                    "No such interface “org.libvirt.Nope”",
                ),
                (
                    DOMAIN,
                    "Nope",
                    zbus::Variant::from(true),
                    "No such property “Nope”",
                ),
                (
                    DOMAIN,
                    "Name",
                    zbus::Variant::from("x"),
                    "Property “Name” is not writable",
                ),
                (
                    DOMAIN,
                    "Autostart",
                    zbus::Variant::from("x"),
                    "Error setting property “Autostart”: Expected type “b” but got “s”",
                ),
            ];
            for (iface, prop, value, want) in cases {
                let (name, text) =
                    call_err(&client, &path, props, "Set", &(iface, prop, value)).await;
                assert_eq!((name.as_str(), text.as_str()), (invalid, want));
            }
            let (name, text) = call_err(&client, &path, props, "Get", &(DOMAIN, "Nope")).await;
            assert_eq!(
                (name.as_str(), text.as_str()),
                (invalid, "No such property “Nope”")
            );
            let (name, text) =
                call_err(&client, ROOT, props, "GetAll", &("org.libvirt.Domain",)).await;
            assert_eq!(
                (name.as_str(), text.as_str()),
                (invalid, "No such interface “org.libvirt.Domain”")
            );

            let reply = call(&client, ROOT, props, "GetAll", &("org.libvirt.Connect",)).await;
            let all: HashMap<String, OwnedVariant> = reply.body().deserialize().unwrap();
            assert!(
                all.contains_key("Hostname") && all.contains_key("LibVersion"),
                "{all:?}"
            );
            let reply = call(&client, &path, props, "Get", &(DOMAIN, "Name")).await;
            let name: OwnedVariant = reply.body().deserialize().unwrap();
            assert_eq!(String::try_from(name).unwrap(), "test");
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn introspection_lists_children_by_relative_name() {
        timeout(async {
            let (_service, client, _) = start().await;
            let node = introspect(&client, "/").await;
            assert_eq!(child_names(&node), ["org"]);
            let node = introspect(&client, "/org/libvirt").await;
            assert_eq!(child_names(&node), ["Test"]);
            let node = introspect(&client, ROOT).await;
            let ifaces = interface_names(&node);
            for want in [
                "org.libvirt.Connect",
                "org.freedesktop.DBus.ObjectManager",
                "org.freedesktop.DBus.Properties",
                "org.freedesktop.DBus.Introspectable",
                "org.freedesktop.DBus.Peer",
            ] {
                assert!(ifaces.contains(&want.to_owned()), "{want} in {ifaces:?}");
            }
            assert_eq!(
                child_names(&node),
                [
                    "domain",
                    "network",
                    "domainsnapshot",
                    "storagepool",
                    "storagevol",
                    "nwfilter",
                    "secret",
                    "nodedev",
                    "interface"
                ]
            );
            let node = introspect(&client, &format!("{ROOT}/domain")).await;
            let element = test_path().rsplit('/').next().unwrap().to_owned();
            assert_eq!(child_names(&node), [element]);
            let node = introspect(&client, &test_path()).await;
            assert!(interface_names(&node).contains(&DOMAIN.to_owned()));
            assert!(child_names(&node).is_empty());

            // Peer answers anywhere.
            for path in ["/", "/org/libvirt/Nope", test_path().as_str()] {
                call(&client, path, "org.freedesktop.DBus.Peer", "Ping", &()).await;
            }
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn setting_autostart_to_its_value_announces_nothing() {
        timeout(async {
            let (_service, client, mut stream) = start().await;
            call(
                &client,
                &test_path(),
                "org.freedesktop.DBus.Properties",
                "Set",
                &(DOMAIN, "Autostart", zbus::Variant::from(false)),
            )
            .await;
            no_signal(&mut stream).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn dropping_the_service_frees_the_connection_for_another() {
        timeout(async {
            let (service, client, _) = start().await;
            let connection = service.connection().clone();
            drop(service);
            let again = serve(&connection, Config::default().without_bus_name())
                .await
                .expect("a new service after the first was dropped");
            let reply = call(
                &client,
                ROOT,
                "org.libvirt.Connect",
                "ListDomains",
                &(0u32,),
            )
            .await;
            let domains: Vec<OwnedObjectPath> = reply.body().deserialize().unwrap();
            assert_eq!(domains.len(), 1);
            drop(again);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn every_call_gets_exactly_one_reply() {
        timeout(async {
            let (_service, client, mut stream) = start().await;
            let calls: [(&str, &str, &str); 4] = [
                (ROOT, "org.libvirt.Connect", "GetCapabilities"),
                (ROOT, "org.freedesktop.DBus.Peer", "Ping"),
                ("/org/libvirt/Nope", DOMAIN, "Suspend"),
                ("/org/libvirt/Nope", "org.freedesktop.DBus.Peer", "Ping"),
            ];
            for (path, iface, member) in calls {
                let call = Message::method_call(path, member)
                    .interface(iface)
                    .build(&())
                    .unwrap();
                let serial = call.primary_header().serial_num();
                client.send(&call).await.unwrap();
                let mut replies = 0;
                let _ = tokio::time::timeout(Duration::from_millis(300), async {
                    while let Some(Ok(msg)) = stream.next().await {
                        if msg.header().reply_serial() == Some(serial) {
                            replies += 1;
                        }
                    }
                })
                .await;
                assert_eq!(replies, 1, "{iface}.{member} on {path}");
            }
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn every_served_method_is_in_the_contract() {
        // The dispatcher only lets through the calls the contract (interfaces/*.xml) has: a
        // method served but missing there would be unreachable.
        timeout(async {
            let (_service, client, _) = start().await;
            let contract = bus::dispatch::Contract::load().unwrap();
            for (path, name) in [
                (ROOT.to_owned(), "org.libvirt.Connect"),
                (test_path(), DOMAIN),
            ] {
                let node = introspect(&client, &path).await;
                let iface = node
                    .interfaces()
                    .iter()
                    .find(|i| i.name().as_str() == name)
                    .unwrap_or_else(|| panic!("{name} at {path}"));
                let wanted = contract.interface(name).unwrap();
                let mut count = 0;
                for method in iface.methods() {
                    let ins: String = method
                        .args()
                        .iter()
                        .filter(|a| a.direction() != Some(zbus_xml::ArgDirection::Out))
                        .map(|a| a.ty().to_string())
                        .collect();
                    let member = method.name().to_string();
                    assert_eq!(
                        wanted.method(&member),
                        Some(ins.as_str()),
                        "{name}.{member}"
                    );
                    count += 1;
                }
                assert_eq!(count, wanted.methods().count(), "{name}");
            }
        })
        .await;
    }
}

#[cfg(test)]
mod lost_events {
    use std::{
        collections::{HashMap, HashSet},
        time::Duration,
    };

    use futures_util::StreamExt;
    use uuid::Uuid;
    use virtbus_core::driver::DomainDriver;
    use virtbus_test_driver::TestDriver;
    use zbus::{message::Type as MessageType, MessageStream, OwnedObjectPath};

    use super::*;

    const ROOT: &str = "/org/libvirt/Test";
    const TEST_UUID: &str = "6695eb01-f6a4-8304-79aa-97f2502e193f";

    fn xml(i: usize) -> String {
        format!(
            "<domain type='test'><name>lost{i}</name><memory>1024</memory>\
             <os><type>hvm</type></os></domain>"
        )
    }

    // One thread: the fan-out runs only when the test yields, so it stalls while the test
    // drives the driver.
    #[tokio::test(flavor = "current_thread")]
    async fn a_stalled_fan_out_loses_events_but_not_the_picture() {
        let body = async {
            let (server, client) = crate::test_support::p2p_pair().await;
            let mut stream = MessageStream::from(&client);
            let (sender, events) = event::channel_with_capacity(4);
            let driver = Arc::new(TestDriver::new(sender));
            let setup = DriverSetup {
                root: ROOT.to_owned(),
                driver: driver.clone(),
                events,
            };
            let _service = serve_drivers(&server, vec![setup], None).await.unwrap();

            // 20 definitions and a destroy, without yielding: 42 events into a queue of 4.
            let mut defined = HashSet::new();
            for i in 0..20 {
                let uuid = driver.define_xml(&xml(i), 0).await.unwrap();
                defined.insert(bus::path::domain_path(ROOT, &uuid));
            }
            let test = Uuid::parse_str(TEST_UUID).unwrap();
            driver.destroy(&test, 0).await.unwrap();

            // The fan-out catches up with what the driver has, not with what it was told.
            let test_path = bus::path::domain_path(ROOT, &test);
            let mut added = HashSet::new();
            let mut test_inactive = false;
            let waited = tokio::time::timeout(Duration::from_secs(10), async {
                while added != defined || !test_inactive {
                    let msg = stream.next().await.unwrap().unwrap();
                    if msg.message_type() != MessageType::Signal {
                        continue;
                    }
                    let member = msg.header().member().unwrap().to_string();
                    let path = msg.header().path().unwrap().to_string();
                    if member == "InterfacesAdded" {
                        let (path, _): (
                            OwnedObjectPath,
                            HashMap<String, HashMap<String, zbus::OwnedVariant>>,
                        ) = msg.body().deserialize().unwrap();
                        assert!(added.insert(path.clone()), "{path} added twice");
                    } else if member == "PropertiesChanged" && path == test_path.as_str() {
                        let (_, changed, _): (
                            String,
                            HashMap<String, zbus::OwnedVariant>,
                            Vec<String>,
                        ) = msg.body().deserialize().unwrap();
                        test_inactive = changed
                            .get("Active")
                            .is_some_and(|v| bool::try_from(&**v) == Ok(false));
                    }
                }
            })
            .await;
            assert!(
                waited.is_ok(),
                "announced {} of {} domains, test inactive: {test_inactive}",
                added.len(),
                defined.len()
            );
        };
        tokio::time::timeout(Duration::from_secs(30), body)
            .await
            .expect("test timed out");
    }
}
