//! Signal traffic of one define + undefine: what every subscriber of the service pays for it.
//!
//! A subscriber connection adds a match rule for every signal whose sender is the service's
//! unique name, then a client defines a fresh domain (`Connect.DomainDefineXML`) and
//! undefines it (`Domain.Undefine(0)`), several times over. Each signal received is sized as
//! its serialized length, the bytes a bus daemon moves for it to each subscriber, and
//! counted by member. The totals divided by the number of cycles are the figures.
//!
//! Also here: the reference for libvirt-dbus, computed rather than measured. For a define +
//! undefine libvirt-dbus sends exactly two `DomainEvent(o,i,i)` signals on the connection
//! object (DEFINED/ADDED, then UNDEFINED/REMOVED); [`libvirt_dbus_reference`] builds those
//! two messages with zbus and sizes them the same way.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    num::{NonZeroU32, NonZeroUsize},
    time::Duration,
};

use futures_util::StreamExt;
use tokio::time::Instant;
use zbus::{
    fdo::DBusProxy, message::Type as MessageType, names::BusName, Connection, MatchRule, Message,
    MessageStream, ObjectPath, OwnedObjectPath,
};

use crate::{
    load::{self, TEST_ROOT},
    service::BUS_NAME,
};

const CONNECT_IFACE: &str = "org.libvirt.Connect";
const DOMAIN_IFACE: &str = "org.libvirt.Domain";

/// How long the service must stay silent after the last call before the count is closed:
/// signals may follow the reply they belong to.
const SETTLE: Duration = Duration::from_millis(300);
/// Upper bound for waiting for that silence, so a chatty service cannot hang the benchmark.
const SETTLE_LIMIT: Duration = Duration::from_secs(10);
/// Room in the subscriber's queue, far more than a few cycles need.
const QUEUE: NonZeroUsize = NonZeroUsize::new(16 * 1024).unwrap();

/// Why the signal traffic could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    /// The subscriber could not connect, find the service's unique name or add its match rule.
    #[error("cannot subscribe to the service's signals: {0}")]
    Subscribe(#[from] zbus::Error),
    /// Nobody owns the service's name.
    #[error("{BUS_NAME} has no owner: {0}")]
    NoOwner(#[from] zbus::fdo::Error),
    /// A define or undefine failed or replied with something unexpected.
    #[error("{call} of bench-sig-{cycle}: {reason}")]
    Call {
        /// The call that failed.
        call: &'static str,
        /// The cycle it belongs to.
        cycle: usize,
        /// The error reply or what was wrong with the reply.
        reason: String,
    },
    /// The service kept sending signals after the last call.
    #[error("signals still arriving {} s after the last undefine", SETTLE_LIMIT.as_secs())]
    NoSilence,
    /// The subscriber's connection closed.
    #[error("the subscriber's connection closed")]
    StreamEnded,
}

/// Count and total serialized size of the signals of one member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberTally {
    /// Signals received.
    pub count: u64,
    /// Their total serialized length, in bytes.
    pub bytes: u64,
}

/// Signals counted and sized by member (`InterfacesAdded`, `DomainEvent`, ...), whatever
/// their interface or path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalTally {
    members: BTreeMap<String, MemberTally>,
}

impl SignalTally {
    /// Counts one signal of `member`, `bytes` long.
    pub fn record(&mut self, member: &str, bytes: usize) {
        let entry = self.members.entry(member.to_owned()).or_default();
        entry.count += 1;
        entry.bytes += bytes as u64;
    }

    /// Counts `msg`, under its member (`?` when it has none).
    pub fn record_message(&mut self, msg: &Message) {
        let header = msg.header();
        let member = header.member().map_or("?", |m| m.as_str());
        self.record(member, msg.data().len());
    }

    /// All signals counted.
    pub fn count(&self) -> u64 {
        self.members.values().map(|m| m.count).sum()
    }

    /// Their total size in bytes.
    pub fn bytes(&self) -> u64 {
        self.members.values().map(|m| m.bytes).sum()
    }

    /// Every member with its tally, by name.
    pub fn members(&self) -> impl Iterator<Item = (&str, MemberTally)> {
        self.members
            .iter()
            .map(|(name, tally)| (name.as_str(), *tally))
    }

    /// "N signals, B B: Member c x s B, ..." for `cycles` cycles: counts and bytes are per
    /// cycle, each member's size is the mean size of one of its signals.
    pub fn summary(&self, cycles: usize) -> String {
        let cycles = cycles.max(1) as f64;
        let mut out = format!(
            "{} signals, {} B",
            number(self.count() as f64 / cycles),
            number(self.bytes() as f64 / cycles)
        );
        for (i, (member, tally)) in self.members().enumerate() {
            let mean = tally.bytes as f64 / tally.count.max(1) as f64;
            let _ = write!(
                out,
                "{} {member} {} x {} B",
                if i == 0 { ":" } else { "," },
                number(tally.count as f64 / cycles),
                number(mean)
            );
        }
        out
    }
}

/// A whole number as such, anything else with one decimal.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The signals of define + undefine, over `cycles` cycles.
#[derive(Debug, Clone)]
pub struct SignalFigures {
    /// Define + undefine cycles measured.
    pub cycles: usize,
    /// Every signal the service sent meanwhile.
    pub tally: SignalTally,
    /// The service's unique name on the bus.
    pub sender: String,
}

impl SignalFigures {
    /// Signals per define + undefine.
    pub fn count_per_cycle(&self) -> f64 {
        self.tally.count() as f64 / self.cycles.max(1) as f64
    }

    /// Bytes of signals per define + undefine.
    pub fn bytes_per_cycle(&self) -> f64 {
        self.tally.bytes() as f64 / self.cycles.max(1) as f64
    }

    /// See [`SignalTally::summary`].
    pub fn summary(&self) -> String {
        self.tally.summary(self.cycles)
    }
}

/// Domain XML for signal cycle `cycle`: the shape of [`load::domain_xml`], with a name of
/// fixed length and its own UUID range, so every cycle's signals have the same size and no
/// domain of the load phases is touched.
pub fn domain_xml(cycle: usize) -> String {
    format!(
        "<domain type='test'><name>bench-sig-{cycle:04}</name>\
         <uuid>{}</uuid>\
         <memory>1024</memory><os><type>hvm</type></os></domain>",
        uuid(cycle)
    )
}

fn uuid(cycle: usize) -> String {
    format!("b1000000-0000-4000-8000-{cycle:012x}")
}

/// The object path libvirt-dbus gives the domain of `cycle` under the test connection.
pub fn domain_path(cycle: usize) -> String {
    format!("{TEST_ROOT}/domain/_{}", uuid(cycle).replace('-', "_"))
}

/// Measures the signals of `cycles` define + undefine cycles, the calls made on `client`,
/// the signals received on a new connection to the bus at `address`.
pub async fn define_undefine(
    address: &str,
    client: &Connection,
    cycles: usize,
) -> Result<SignalFigures, SignalError> {
    let subscriber = load::client_connection(address).await?;
    let owner = DBusProxy::new(&subscriber)
        .await?
        .get_name_owner(BusName::try_from(BUS_NAME)?)
        .await?;
    let rule = MatchRule::builder()
        .msg_type(MessageType::Signal)
        .sender(owner.as_str())
        .build()?;
    // Adding the stream waits for the bus to accept the rule: no signal of the cycles is
    // missed.
    let mut stream = MessageStream::for_match_rule(rule, &subscriber, Some(QUEUE)).await?;
    // Whatever the service was still sending before is not part of the figure.
    drain(&mut stream, &mut SignalTally::default()).await?;

    let mut tally = SignalTally::default();
    let mut calls = Box::pin(cycle_calls(client, cycles));
    // Read while calling, so the subscriber's queue never fills whatever the service sends.
    loop {
        tokio::select! {
            done = &mut calls => {
                done?;
                break;
            }
            next = stream.next() => record(next, &mut tally)?,
        }
    }
    drain(&mut stream, &mut tally).await?;
    Ok(SignalFigures {
        cycles,
        tally,
        sender: owner.to_string(),
    })
}

/// Defines then undefines one fresh domain per cycle, one call after the other.
async fn cycle_calls(client: &Connection, cycles: usize) -> Result<(), SignalError> {
    for cycle in 0..cycles {
        let failed = |call, reason| SignalError::Call {
            call,
            cycle,
            reason,
        };
        let reply = load::define_xml(client, &domain_xml(cycle))
            .await
            .map_err(|e| failed("DomainDefineXML", load::call_error(e)))?;
        let path: OwnedObjectPath = reply
            .body()
            .deserialize()
            .map_err(|e| failed("DomainDefineXML", format!("reply: {e}")))?;
        client
            .call_method(
                Some(BUS_NAME),
                &path,
                Some(DOMAIN_IFACE),
                "Undefine",
                &(0u32,),
            )
            .await
            .map_err(|e| failed("Undefine", load::call_error(e)))?;
    }
    Ok(())
}

/// Counts what arrives until the service has been silent for [`SETTLE`].
async fn drain(stream: &mut MessageStream, tally: &mut SignalTally) -> Result<(), SignalError> {
    let limit = Instant::now() + SETTLE_LIMIT;
    loop {
        let quiet = tokio::time::sleep(SETTLE);
        tokio::select! {
            next = stream.next() => record(next, tally)?,
            () = quiet => return Ok(()),
            () = tokio::time::sleep_until(limit) => return Err(SignalError::NoSilence),
        }
    }
}

fn record(next: Option<zbus::Result<Message>>, tally: &mut SignalTally) -> Result<(), SignalError> {
    match next {
        Some(Ok(msg)) => {
            tally.record_message(&msg);
            Ok(())
        }
        Some(Err(e)) => Err(SignalError::Subscribe(e)),
        None => Err(SignalError::StreamEnded),
    }
}

/// The two signals libvirt-dbus sends for one define + undefine, as a subscriber receives
/// them: `DomainEvent(o,i,i)` from `sender` on the test connection object, interface
/// `org.libvirt.Connect`, for the domain of cycle 0: DEFINED (0) / ADDED (0), then
/// UNDEFINED (1) / REMOVED (0). Built with zbus, not measured.
pub fn libvirt_dbus_reference(sender: &str) -> Result<SignalTally, zbus::Error> {
    let domain = ObjectPath::try_from(domain_path(0))?;
    let mut tally = SignalTally::default();
    for (serial, (event, detail)) in [(1u32, (0i32, 0i32)), (2, (1, 0))] {
        let msg = Message::signal(TEST_ROOT, CONNECT_IFACE, "DomainEvent")
            .sender(sender)
            .serial(NonZeroU32::new(serial).unwrap_or(NonZeroU32::MIN))
            .build(&(&domain, event, detail))?;
        tally.record_message(&msg);
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_adds_up_by_member() {
        let mut tally = SignalTally::default();
        tally.record("InterfacesAdded", 400);
        tally.record("DomainEvent", 150);
        tally.record("InterfacesAdded", 424);
        tally.record("DomainEvent", 150);
        assert_eq!(tally.count(), 4);
        assert_eq!(tally.bytes(), 1124);
        let members: Vec<_> = tally.members().collect();
        assert_eq!(
            members,
            [
                (
                    "DomainEvent",
                    MemberTally {
                        count: 2,
                        bytes: 300
                    }
                ),
                (
                    "InterfacesAdded",
                    MemberTally {
                        count: 2,
                        bytes: 824
                    }
                ),
            ]
        );
    }

    #[test]
    fn summary_is_per_cycle() {
        let mut tally = SignalTally::default();
        for _ in 0..2 {
            tally.record("DomainEvent", 150);
            tally.record("DomainEvent", 150);
            tally.record("InterfacesAdded", 412);
        }
        assert_eq!(
            tally.summary(2),
            "3 signals, 712 B: DomainEvent 2 x 150 B, InterfacesAdded 1 x 412 B"
        );
        tally.record("PropertiesChanged", 101);
        assert_eq!(
            tally.summary(2),
            "3.5 signals, 762.5 B: DomainEvent 2 x 150 B, InterfacesAdded 1 x 412 B, \
             PropertiesChanged 0.5 x 101 B"
        );
        assert_eq!(SignalTally::default().summary(0), "0 signals, 0 B");
    }

    #[test]
    fn cycle_domains_have_fixed_sizes_and_libvirt_dbus_paths() {
        assert_eq!(domain_xml(1).len(), domain_xml(999).len());
        assert!(domain_xml(10).contains("<name>bench-sig-0010</name>"));
        assert_eq!(
            domain_path(255),
            "/org/libvirt/Test/domain/_b1000000_0000_4000_8000_0000000000ff"
        );
        assert!(ObjectPath::try_from(domain_path(7)).is_ok());
    }

    #[test]
    fn reference_is_two_domain_events_sized_as_on_the_wire() {
        let tally = libvirt_dbus_reference(":1.10").expect("valid messages");
        let members: Vec<_> = tally.members().collect();
        assert_eq!(members.len(), 1);
        let (member, events) = members[0];
        assert_eq!(member, "DomainEvent");
        assert_eq!(events.count, 2);
        // Both weigh the same, by the D-Bus wire format: 12 B fixed header + 4 B fields
        // array length, then each field 8-aligned (code, signature, value): PATH
        // "/org/libvirt/Test" 26 B (+6 pad), INTERFACE "org.libvirt.Connect" 28 B (+4),
        // MEMBER "DomainEvent" 20 B (+4), SIGNATURE "oii" 9 B (+7), SENDER ":1.10" 14 B
        // (+2 to end the header on 8 bytes) = 136 B of header; body (o,i,i): 4 + 62 + 1 B of
        // path (+1 pad) + 4 + 4 = 76 B. 212 B each.
        assert_eq!(events.bytes, 2 * 212);
        // A longer sender name costs bytes in every message.
        let longer = libvirt_dbus_reference(":1.10000").expect("valid messages");
        assert!(longer.bytes() > tally.bytes());
    }
}
