//! Helpers shared by the driver tests: a fresh driver with its event stream, event waiting
//! with a timeout, and small domain definitions.

#![allow(dead_code)]

use std::time::Duration;

use virtbus_core::{
    event::{self, DomainEvent, DomainEventKind, Event, EventReceiver, Received},
    Uuid,
};
use virtbus_test_driver::TestDriver;

/// How long a test waits for an event that must come.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a whole test may run.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a test body, failing the test if it does not finish within [`TEST_TIMEOUT`].
pub async fn within<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test timed out");
}

/// The UUID of the default domain `test`.
pub const TEST_UUID: Uuid = virtbus_test_driver::DEFAULT_DOMAIN_UUID;

/// A fresh driver and the receiving end of its events.
pub fn driver() -> (TestDriver, EventReceiver) {
    let (tx, rx) = event::channel();
    (TestDriver::new(tx), rx)
}

/// A fresh driver whose event queue holds `capacity` events, for tests that publish more
/// than the default capacity before reading any.
pub fn driver_with_capacity(capacity: usize) -> (TestDriver, EventReceiver) {
    let (tx, rx) = event::channel_with_capacity(capacity);
    (TestDriver::new(tx), rx)
}

/// The event in `received`; failing the test if events were lost.
fn event_of(received: Received) -> Event {
    match received {
        Received::Event(event) => event,
        Received::Lost(n) => panic!("{n} events were lost"),
    }
}

/// The next event, failing the test if none arrives in time.
pub async fn next(rx: &mut EventReceiver) -> Event {
    let received = tokio::time::timeout(EVENT_TIMEOUT, rx.recv())
        .await
        .expect("timed out waiting for an event")
        .expect("event channel closed");
    event_of(received)
}

/// Every event already queued, without waiting.
pub fn drain(rx: &mut EventReceiver) -> Vec<Event> {
    std::iter::from_fn(|| rx.try_recv()).map(event_of).collect()
}

/// A lifecycle event as the driver publishes it.
pub fn lifecycle(uuid: Uuid, event: i32, detail: i32) -> Event {
    Event::Domain(DomainEvent {
        uuid,
        kind: DomainEventKind::Lifecycle { event, detail },
    })
}

/// A domain event of `kind`.
pub fn domain_event(uuid: Uuid, kind: DomainEventKind) -> Event {
    Event::Domain(DomainEvent { uuid, kind })
}

/// A minimal definition named `name` with UUID `uuid`.
pub fn xml(name: &str, uuid: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><uuid>{uuid}</uuid>\
         <memory>1024</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>"
    )
}

/// [`xml`] with extra elements inside `<domain>`.
pub fn xml_with(name: &str, uuid: &str, extra: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><uuid>{uuid}</uuid>\
         <memory>1024</memory><vcpu>2</vcpu><os><type>hvm</type></os>{extra}</domain>"
    )
}

/// A UUID from its string form.
pub fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("valid test UUID")
}

/// The text of an error.
pub fn text<T: std::fmt::Debug>(r: virtbus_core::Result<T>) -> String {
    r.expect_err("the call must fail").to_string()
}
