//! The measured work: back-to-back calls from concurrent clients, defining many domains, and
//! listing them. Calls go through `Connection::call_method` with no proxy, so the client side
//! does the same small amount of work for every service.
//!
//! Functions here return `Err(String)` when the *service* misbehaves (an error reply, a wrong
//! reply); that text is shown in the report in place of the figure.

use std::{
    collections::HashMap,
    future::Future,
    time::{Duration, Instant},
};

use tokio::task::JoinSet;
use zbus::{connection, fdo, Connection, Message, OwnedObjectPath, OwnedVariant};

use crate::{process, service::BUS_NAME, stats};

/// The test driver's connection object.
pub const TEST_ROOT: &str = "/org/libvirt/Test";
/// The test driver's default domain `test`.
pub const TEST_DOMAIN: &str = "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f";

const CONNECT_IFACE: &str = "org.libvirt.Connect";
const DOMAIN_IFACE: &str = "org.libvirt.Domain";
const PROPERTIES_IFACE: &str = "org.freedesktop.DBus.Properties";
const OBJECT_MANAGER_IFACE: &str = "org.freedesktop.DBus.ObjectManager";

/// Upper bound for any single call, so a hung service cannot hang the benchmark.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// One of the three calls measured for throughput and latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `org.libvirt.Connect.ListDomains(u 0)` on the test connection.
    ListDomains,
    /// `org.libvirt.Domain.GetXMLDesc(u 0)` on the `test` domain.
    GetXmlDesc,
    /// `Properties.Get("org.libvirt.Domain", "Name")` on the `test` domain.
    GetName,
}

impl CallKind {
    /// Every measured call, in report order.
    pub const ALL: [CallKind; 3] = [Self::ListDomains, Self::GetXmlDesc, Self::GetName];

    /// Short name for the report.
    pub fn label(self) -> &'static str {
        match self {
            Self::ListDomains => "ListDomains",
            Self::GetXmlDesc => "GetXMLDesc",
            Self::GetName => "Get(Name)",
        }
    }

    /// The signature a correct reply has.
    fn reply_signature(self) -> &'static str {
        match self {
            Self::ListDomains => "ao",
            Self::GetXmlDesc => "s",
            Self::GetName => "v",
        }
    }

    /// Issues the call once on `conn` and returns the reply.
    pub async fn call(self, conn: &Connection) -> zbus::Result<Message> {
        match self {
            Self::ListDomains => list_domains(conn).await,
            Self::GetXmlDesc => {
                conn.call_method(
                    Some(BUS_NAME),
                    TEST_DOMAIN,
                    Some(DOMAIN_IFACE),
                    "GetXMLDesc",
                    &(0u32,),
                )
                .await
            }
            Self::GetName => {
                conn.call_method(
                    Some(BUS_NAME),
                    TEST_DOMAIN,
                    Some(PROPERTIES_IFACE),
                    "Get",
                    &(DOMAIN_IFACE, "Name"),
                )
                .await
            }
        }
    }

    /// Calls once and checks the reply's signature: the warm-up's sanity check.
    pub async fn check(self, conn: &Connection) -> Result<(), String> {
        let reply = self.call(conn).await.map_err(call_error)?;
        let signature = reply.body().signature().to_string();
        if signature == self.reply_signature() {
            Ok(())
        } else {
            Err(format!(
                "{} replied with signature '{signature}', expected '{}'",
                self.label(),
                self.reply_signature()
            ))
        }
    }
}

async fn list_domains(conn: &Connection) -> zbus::Result<Message> {
    conn.call_method(
        Some(BUS_NAME),
        TEST_ROOT,
        Some(CONNECT_IFACE),
        "ListDomains",
        &(0u32,),
    )
    .await
}

/// `Connect.DomainDefineXML(xml)` on the test connection.
pub async fn define_xml(conn: &Connection, xml: &str) -> zbus::Result<Message> {
    connect_call(conn, "DomainDefineXML", &(xml,)).await
}

/// A method of `org.libvirt.Connect` on the test connection.
pub async fn connect_call<B>(conn: &Connection, method: &str, body: &B) -> zbus::Result<Message>
where
    B: zbus::export::serde::Serialize + zbus::zvariant::DynamicType,
{
    conn.call_method(Some(BUS_NAME), TEST_ROOT, Some(CONNECT_IFACE), method, body)
        .await
}

/// Opens `count` client connections to the bus at `address`, each its own connection.
pub async fn connect_clients(address: &str, count: usize) -> zbus::Result<Vec<Connection>> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(client_connection(address).await?);
    }
    Ok(clients)
}

/// One harness or client connection to the bus at `address`.
pub async fn client_connection(address: &str) -> zbus::Result<Connection> {
    connection::Builder::address(address)
        .method_timeout(CALL_TIMEOUT)
        .build()
        .await
}

/// Result of a fixed-duration throughput run.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Calls completed in the measured window.
    pub calls: u64,
    /// Wall time of the measured window (until the last client finished).
    pub wall: Duration,
    /// Median call latency.
    pub p50: Duration,
    /// 99th percentile call latency.
    pub p99: Duration,
    /// CPU time the service used during the window.
    pub service_cpu: Duration,
    /// CPU time the bus daemon used during the window.
    pub bus_cpu: Duration,
    /// CPU time used during the window by processes other than the service, the bus daemon
    /// and this benchmark, as a share of all CPUs (0.0 to 1.0): high means the figures are
    /// disturbed by other load on the machine.
    pub foreign_load: f64,
}

impl Throughput {
    /// Completed calls per second of wall time.
    pub fn calls_per_sec(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Service CPU time per call.
    pub fn service_cpu_per_call(&self) -> Duration {
        per_call(self.service_cpu, self.calls)
    }

    /// Bus daemon CPU time per call.
    pub fn bus_cpu_per_call(&self) -> Duration {
        per_call(self.bus_cpu, self.calls)
    }
}

fn per_call(total: Duration, calls: u64) -> Duration {
    match u32::try_from(calls) {
        Ok(0) => Duration::ZERO,
        Ok(n) => total / n,
        Err(_) => Duration::from_secs_f64(total.as_secs_f64() / calls as f64),
    }
}

/// Runs `kind` back to back on each of `clients` for `warmup`, then for `window` while
/// measuring latency, throughput and the CPU time of `service_pid` and `bus_pid`.
pub async fn throughput(
    clients: &[Connection],
    kind: CallKind,
    warmup: Duration,
    window: Duration,
    service_pid: u32,
    bus_pid: u32,
) -> Result<Throughput, String> {
    run_clients(clients, kind, Instant::now() + warmup).await?;

    let before = CpuSnapshot::take(service_pid, bus_pid)?;
    let started = Instant::now();
    let mut latencies = run_clients(clients, kind, started + window).await?;
    let wall = started.elapsed();
    let after = CpuSnapshot::take(service_pid, bus_pid)?;
    let service_cpu = after.service.saturating_sub(before.service);
    let bus_cpu = after.bus.saturating_sub(before.bus);
    let own_cpu = after.own.saturating_sub(before.own);
    let foreign = after
        .system
        .saturating_sub(before.system)
        .saturating_sub(service_cpu + bus_cpu + own_cpu);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let foreign_load = foreign.as_secs_f64() / (wall.as_secs_f64() * cpus).max(1e-9);

    let calls = latencies.len() as u64;
    let p50 = stats::percentile(&mut latencies, 50.0).ok_or("no call completed")?;
    let p99 = stats::percentile(&mut latencies, 99.0).ok_or("no call completed")?;
    Ok(Throughput {
        calls,
        wall,
        p50,
        p99,
        service_cpu,
        bus_cpu,
        foreign_load: foreign_load.min(1.0),
    })
}

/// CPU times read together at the edge of a measured window.
struct CpuSnapshot {
    service: Duration,
    bus: Duration,
    own: Duration,
    system: Duration,
}

impl CpuSnapshot {
    fn take(service_pid: u32, bus_pid: u32) -> Result<Self, String> {
        let read = |pid| process::cpu_time(pid).map_err(|e| e.to_string());
        Ok(Self {
            service: read(service_pid)?,
            bus: read(bus_pid)?,
            own: read(std::process::id())?,
            system: process::system_busy_time().map_err(|e| e.to_string())?,
        })
    }
}

/// Each client calls `kind` back to back until `deadline`; returns all latencies.
async fn run_clients(
    clients: &[Connection],
    kind: CallKind,
    deadline: Instant,
) -> Result<Vec<Duration>, String> {
    let mut tasks = JoinSet::new();
    for conn in clients {
        let conn = conn.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(1 << 15);
            while Instant::now() < deadline {
                let sent = Instant::now();
                kind.call(&conn).await.map_err(call_error)?;
                latencies.push(sent.elapsed());
            }
            Ok::<_, String>(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let latencies = joined.map_err(|e| format!("client task failed: {e}"))??;
        all.extend(latencies);
    }
    Ok(all)
}

/// Result of defining many domains.
#[derive(Debug, Clone)]
pub struct DefineFigures {
    /// Domains defined.
    pub count: usize,
    /// Wall time for all of them.
    pub wall: Duration,
}

impl DefineFigures {
    /// Defines per second of wall time.
    pub fn per_sec(&self) -> f64 {
        self.count as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Minimal domain XML the test driver accepts, with a name and UUID unique to `index`.
pub fn domain_xml(index: usize) -> String {
    format!(
        "<domain type='test'><name>bench-{index}</name>\
         <uuid>b0000000-0000-4000-8000-{index:012x}</uuid>\
         <memory>1024</memory><os><type>hvm</type></os></domain>"
    )
}

/// Defines `count` domains through `Connect.DomainDefineXML`, spread over all `clients`
/// (client `c` defines indices `c`, `c + clients`, ...). Gives up after `limit`.
pub async fn define_domains(
    clients: &[Connection],
    count: usize,
    limit: Duration,
) -> Result<DefineFigures, String> {
    let started = Instant::now();
    let deadline = started + limit;
    let stride = clients.len().max(1);
    let mut tasks = JoinSet::new();
    for (first, conn) in clients.iter().enumerate() {
        let conn = conn.clone();
        tasks.spawn(async move {
            for index in (first..count).step_by(stride) {
                if Instant::now() >= deadline {
                    return Err(format!("not done after {} s", limit.as_secs()));
                }
                define_xml(&conn, &domain_xml(index))
                    .await
                    .map_err(|e| format!("defining bench-{index}: {}", call_error(e)))?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| format!("client task failed: {e}"))??;
    }
    Ok(DefineFigures {
        count,
        wall: started.elapsed(),
    })
}

/// How often to repeat a measurement: `times` at most, and no new repetition once `budget`
/// has passed (at least one always runs).
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    /// Maximum repetitions.
    pub times: usize,
    /// Time after which no further repetition starts.
    pub budget: Duration,
}

impl Repeat {
    fn again(&self, done: usize, started: Instant) -> bool {
        done < self.times.max(1) && (done == 0 || started.elapsed() < self.budget)
    }
}

/// The median time from sending to reply of calls made by `call`, repeated as `reps` says.
pub async fn median_latency<F, Fut>(reps: Repeat, mut call: F) -> Result<Duration, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = zbus::Result<Message>>,
{
    let mut samples = Vec::with_capacity(reps.times);
    let started = Instant::now();
    while reps.again(samples.len(), started) {
        let sent = Instant::now();
        call().await.map_err(call_error)?;
        samples.push(sent.elapsed());
    }
    Ok(stats::median(&mut samples).ok_or("no repetitions")?)
}

/// Calls `ListDomains(0)` once to warm up and `reps` times more; returns the median latency
/// and the number of domains listed.
pub async fn list_latency(conn: &Connection, reps: Repeat) -> Result<(Duration, usize), String> {
    let reply = list_domains(conn).await.map_err(call_error)?;
    let listed = reply
        .body()
        .deserialize::<Vec<OwnedObjectPath>>()
        .map_err(|e| format!("ListDomains reply: {e}"))?
        .len();
    let median = median_latency(reps, || list_domains(conn)).await?;
    Ok((median, listed))
}

/// `GetManagedObjects` on the test connection: `Ok(None)` when the service has no
/// ObjectManager there, else the median latency of `reps` calls (after one warm-up) and the
/// number of domain objects it returned.
pub async fn managed_objects_latency(
    conn: &Connection,
    reps: Repeat,
) -> Result<Option<(Duration, usize)>, String> {
    let reply = match get_managed_objects(conn).await {
        Ok(reply) => reply,
        Err(e) if is_unsupported(&e) => return Ok(None),
        Err(e) => return Err(call_error(e)),
    };
    let domains = managed_objects(&reply)?
        .values()
        .filter(|ifaces| ifaces.contains_key(DOMAIN_IFACE))
        .count();
    let median = median_latency(reps, || get_managed_objects(conn)).await?;
    Ok(Some((median, domains)))
}

/// Whether `error` says the service has no such object, interface or method, i.e. does not
/// support the call (as opposed to failing it).
pub fn is_unsupported(error: &zbus::Error) -> bool {
    match error {
        zbus::Error::FDO(e) => matches!(
            **e,
            fdo::Error::UnknownInterface(_)
                | fdo::Error::UnknownMethod(_)
                | fdo::Error::UnknownObject(_)
        ),
        _ => false,
    }
}

type Managed = HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>>;

fn managed_objects(reply: &Message) -> Result<Managed, String> {
    reply
        .body()
        .deserialize()
        .map_err(|e| format!("GetManagedObjects reply: {e}"))
}

/// The number of objects in a `GetManagedObjects` reply.
pub fn managed_count(reply: &Message) -> Result<usize, String> {
    managed_objects(reply).map(|objects| objects.len())
}

/// `ObjectManager.GetManagedObjects` on the test connection.
pub async fn get_managed_objects(conn: &Connection) -> zbus::Result<Message> {
    conn.call_method(
        Some(BUS_NAME),
        TEST_ROOT,
        Some(OBJECT_MANAGER_IFACE),
        "GetManagedObjects",
        &(),
    )
    .await
}

/// What a libvirt-dbus client must do to get every domain with its properties: `ListDomains`,
/// then `Properties.GetAll("org.libvirt.Domain")` on every path, the GetAll calls spread over
/// all `clients`. Repeated as `reps` says; returns the median wall time and the domain count.
pub async fn list_and_get_all(
    clients: &[Connection],
    reps: Repeat,
) -> Result<(Duration, usize), String> {
    let first = clients.first().ok_or("no client connection")?;
    let mut samples = Vec::with_capacity(reps.times);
    let mut listed = 0;
    let first_started = Instant::now();
    while reps.again(samples.len(), first_started) {
        let started = Instant::now();
        let reply = list_domains(first).await.map_err(call_error)?;
        let paths: Vec<OwnedObjectPath> = reply
            .body()
            .deserialize()
            .map_err(|e| format!("ListDomains reply: {e}"))?;
        listed = paths.len();
        let paths = std::sync::Arc::new(paths);
        let stride = clients.len();
        let mut tasks = JoinSet::new();
        for (offset, conn) in clients.iter().enumerate() {
            let conn = conn.clone();
            let paths = paths.clone();
            tasks.spawn(async move {
                for path in paths.iter().skip(offset).step_by(stride) {
                    conn.call_method(
                        Some(BUS_NAME),
                        path,
                        Some(PROPERTIES_IFACE),
                        "GetAll",
                        &(DOMAIN_IFACE,),
                    )
                    .await
                    .map_err(|e| format!("GetAll on {path}: {}", call_error(e)))?;
                }
                Ok::<_, String>(())
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.map_err(|e| format!("client task failed: {e}"))??;
        }
        samples.push(started.elapsed());
    }
    let median = stats::median(&mut samples).ok_or("no repetitions")?;
    Ok((median, listed))
}

/// A short text for a failed call: the D-Bus error name and message when there is one.
pub fn call_error(error: zbus::Error) -> String {
    match error {
        zbus::Error::MethodError(name, Some(text), _) => format!("{name}: {text}"),
        zbus::Error::MethodError(name, None, _) => name.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_xml_is_unique_per_index() {
        let a = domain_xml(1);
        let b = domain_xml(4096);
        assert!(a.contains("<name>bench-1</name>"));
        assert!(a.contains("<uuid>b0000000-0000-4000-8000-000000000001</uuid>"));
        assert!(b.contains("<uuid>b0000000-0000-4000-8000-000000001000</uuid>"));
        assert_ne!(a, b);
    }

    #[test]
    fn repeat_stops_at_count_or_budget() {
        let now = Instant::now();
        let reps = Repeat {
            times: 3,
            budget: Duration::from_secs(60),
        };
        assert!(reps.again(2, now));
        assert!(!reps.again(3, now));
        let spent = Repeat {
            times: 3,
            budget: Duration::ZERO,
        };
        assert!(spent.again(0, now));
        assert!(!spent.again(1, now));
    }

    #[test]
    fn cpu_per_call_divides() {
        assert_eq!(
            per_call(Duration::from_millis(10), 1000),
            Duration::from_micros(10)
        );
        assert_eq!(per_call(Duration::from_millis(10), 0), Duration::ZERO);
    }
}
