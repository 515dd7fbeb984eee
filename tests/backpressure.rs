//! Bounded work in flight: past its bounds the service stops reading calls instead of
//! holding them in memory.
//!
//! The service runs in this process on a private bus with a driver whose `GetXMLDesc` waits
//! at a gate, so calls stay in flight for as long as the test wants and the driver can count
//! how many are inside at once.

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use async_trait::async_trait;
use common::{with_timeout, Bus};
use tokio::{sync::watch, task::JoinSet};
use uuid::Uuid;
use virtbus::{
    bus::dispatch::{MAX_CALLS_IN_FLIGHT, MAX_CALLS_PER_SENDER},
    serve_drivers, DriverSetup,
};
use virtbus_core::{
    driver::{
        ConnectDriver, DomainDriver, DomainSummary, Driver, InterfaceDriver, NWFilterDriver,
        NetworkDriver, NodeDeviceDriver, SecretDriver, SnapshotDriver, StoragePoolDriver,
        StorageVolDriver,
    },
    event::{self, EventSender},
    Result,
};
use zbus::Connection;

const ROOT: &str = "/org/libvirt/Test";

/// A driver whose `xml_desc` waits until the gate opens, counting the calls inside.
struct GateDriver {
    events: EventSender,
    inside: AtomicUsize,
    open: watch::Receiver<bool>,
}

#[async_trait]
impl ConnectDriver for GateDriver {}

#[async_trait]
impl DomainDriver for GateDriver {
    async fn list_domains(&self, _flags: u32) -> Result<Vec<Uuid>> {
        Ok(Vec::new())
    }

    async fn summaries(&self) -> Result<Vec<DomainSummary>> {
        Ok(Vec::new())
    }

    async fn xml_desc(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        self.inside.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.clone();
        let _ = open.wait_for(|open| *open).await;
        self.inside.fetch_sub(1, Ordering::SeqCst);
        Ok("<domain/>".to_owned())
    }
}

// The other groups keep their "not supported" defaults.
#[async_trait]
impl SnapshotDriver for GateDriver {}
#[async_trait]
impl NetworkDriver for GateDriver {}
#[async_trait]
impl StoragePoolDriver for GateDriver {}
#[async_trait]
impl StorageVolDriver for GateDriver {}
#[async_trait]
impl NodeDeviceDriver for GateDriver {}
#[async_trait]
impl InterfaceDriver for GateDriver {}
#[async_trait]
impl NWFilterDriver for GateDriver {}
#[async_trait]
impl SecretDriver for GateDriver {}

impl Driver for GateDriver {
    fn name(&self) -> &'static str {
        "Test"
    }

    fn uri(&self) -> &str {
        "test:///gate"
    }

    fn events(&self) -> &EventSender {
        &self.events
    }
}

/// The gate driver served on `bus`, and the sender that opens its gate.
async fn serve_gate(bus: &Bus) -> (virtbus::Service, Arc<GateDriver>, watch::Sender<bool>) {
    let (sender, events) = event::channel();
    let (open_tx, open) = watch::channel(false);
    let driver = Arc::new(GateDriver {
        events: sender,
        inside: AtomicUsize::new(0),
        open,
    });
    let connection = bus.connect().await;
    let setup = DriverSetup {
        root: ROOT.to_owned(),
        driver: driver.clone(),
        events,
    };
    let service = serve_drivers(&connection, vec![setup], Some("org.libvirt"))
        .await
        .expect("serve the gate driver");
    (service, driver, open_tx)
}

/// Sends `count` `GetXMLDesc` calls from `client` at once, each answered when the gate opens.
fn send_calls(tasks: &mut JoinSet<zbus::Result<String>>, client: &Connection, count: usize) {
    let path = format!("{ROOT}/domain/_{}", Uuid::nil().simple());
    for _ in 0..count {
        let client = client.clone();
        let path = path.clone();
        tasks.spawn(async move {
            let reply = client
                .call_method(
                    Some("org.libvirt"),
                    path.as_str(),
                    Some("org.libvirt.Domain"),
                    "GetXMLDesc",
                    &(0u32,),
                )
                .await?;
            reply.body().deserialize::<String>()
        });
    }
}

/// Waits until `driver` has `want` calls inside, then checks that no more come in a while.
async fn settles_at(driver: &GateDriver, want: usize) {
    for _ in 0..500 {
        if driver.inside.load(Ordering::SeqCst) >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(driver.inside.load(Ordering::SeqCst), want);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_caller_has_at_most_its_share_in_flight() {
    with_timeout(async {
        let bus = Bus::start();
        let (_service, driver, open) = serve_gate(&bus).await;
        let client = bus.connect().await;
        let mut calls = JoinSet::new();
        send_calls(&mut calls, &client, 3 * MAX_CALLS_PER_SENDER);
        settles_at(&driver, MAX_CALLS_PER_SENDER).await;

        // Another caller still gets its calls run.
        let other = bus.connect().await;
        let mut others = JoinSet::new();
        send_calls(&mut others, &other, 1);
        settles_at(&driver, MAX_CALLS_PER_SENDER + 1).await;

        open.send(true).unwrap();
        let mut answered = 0;
        while let Some(done) = calls.join_next().await {
            assert_eq!(done.unwrap().unwrap(), "<domain/>");
            answered += 1;
        }
        assert_eq!(answered, 3 * MAX_CALLS_PER_SENDER);
        assert_eq!(
            others.join_next().await.unwrap().unwrap().unwrap(),
            "<domain/>"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_has_at_most_its_bound_in_flight() {
    with_timeout(async {
        let bus = Bus::start();
        let (_service, driver, open) = serve_gate(&bus).await;
        let callers = MAX_CALLS_IN_FLIGHT / MAX_CALLS_PER_SENDER + 2;
        let mut calls = JoinSet::new();
        let mut clients = Vec::new();
        for _ in 0..callers {
            let client = bus.connect().await;
            send_calls(&mut calls, &client, MAX_CALLS_PER_SENDER);
            clients.push(client);
        }
        settles_at(&driver, MAX_CALLS_IN_FLIGHT).await;
        open.send(true).unwrap();
        let mut answered = 0;
        while let Some(done) = calls.join_next().await {
            assert_eq!(done.unwrap().unwrap(), "<domain/>");
            answered += 1;
        }
        assert_eq!(answered, callers * MAX_CALLS_PER_SENDER);
        assert_eq!(driver.inside.load(Ordering::SeqCst), 0);
    })
    .await;
}
