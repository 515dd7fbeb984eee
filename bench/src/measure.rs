//! The benchmark sequence for one service, on its own fresh private bus.

use std::time::Duration;

use zbus::fdo::DBusProxy;

use crate::{
    bus::PrivateBus,
    error::BenchError,
    figures::ServiceFigures,
    load::{self, CallKind, Repeat},
    objects, process,
    service::{self, RunningService, ServiceSpec},
    signals, stats,
};

/// How the run is sized.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The dbus-daemon program.
    pub dbus_daemon: String,
    /// Starts for the spawn-to-name-owned median.
    pub starts: usize,
    /// Concurrent clients for the "many clients" runs and for defining.
    pub clients: usize,
    /// Warm-up before each throughput window.
    pub warmup: Duration,
    /// Measured throughput window.
    pub window: Duration,
    /// Domains to define.
    pub domains: usize,
    /// Define + undefine cycles the signal figures are averaged over.
    pub signal_cycles: usize,
    /// Give up defining after this long.
    pub define_limit: Duration,
    /// Repetitions of ListDomains at N.
    pub list_reps: Repeat,
    /// Repetitions of GetManagedObjects at N.
    pub managed_reps: Repeat,
    /// Repetitions of ListDomains + GetAll at N.
    pub get_all_reps: Repeat,
    /// Networks, pools and volumes to define for the objects phase; 0 skips it.
    pub objects: usize,
    /// Repetitions of each listing at M objects.
    pub object_reps: Repeat,
}

/// Calls per kind and client made once after start, before anything is measured (this is
/// also when libvirt-dbus opens its libvirt connection).
const INITIAL_WARMUP_CALLS: usize = 50;

/// Runs every phase for `spec` on a new private bus, filling `figures` as it goes. An error
/// means the harness could not go on (bus or service failure); figures measured up to then
/// stay in `figures`.
pub async fn measure(
    spec: &ServiceSpec,
    settings: &Settings,
    figures: &mut ServiceFigures,
) -> Result<(), BenchError> {
    let bus = PrivateBus::start(&settings.dbus_daemon).await?;
    let control = load::client_connection(bus.address()).await?;
    let dbus = DBusProxy::new(&control).await?;

    progress(spec, "spawn-to-name-owned");
    let mut spawn_times = Vec::with_capacity(settings.starts);
    for start in 0..settings.starts {
        let (running, took) = service::start(spec, &bus, &dbus, &format!("start{start}")).await?;
        spawn_times.push(took);
        running.stop(&dbus).await?;
    }
    figures.spawn = stats::median(&mut spawn_times).ok_or_else(|| "no starts".to_owned());
    figures.spawn_starts = spawn_times.len();

    let (mut running, _) = service::start(spec, &bus, &dbus, "measured").await?;
    let result = measure_running(&mut running, &bus, settings, figures, spec).await;
    let stopped = running.stop(&dbus).await;
    result.and(stopped)
}

async fn measure_running(
    running: &mut RunningService,
    bus: &PrivateBus,
    settings: &Settings,
    figures: &mut ServiceFigures,
    spec: &ServiceSpec,
) -> Result<(), BenchError> {
    let pid = running.pid();
    let clients = load::connect_clients(bus.address(), settings.clients.max(1)).await?;

    progress(spec, "warm-up");
    for kind in CallKind::ALL {
        for conn in &clients {
            if let Err(e) = kind.check(conn).await {
                figures.notes.push(format!("warm-up {}: {e}", kind.label()));
                break;
            }
        }
        for _ in 0..INITIAL_WARMUP_CALLS {
            if kind.call(&clients[0]).await.is_err() {
                break;
            }
        }
    }
    running.check_alive()?;
    figures.rss_start_kib = process::rss_kib(pid).map_err(|e| e.to_string());

    for kind in CallKind::ALL {
        for count in client_counts(settings.clients) {
            progress(spec, &format!("{} x{count}", kind.label()));
            let result = load::throughput(
                &clients[..count],
                kind,
                settings.warmup,
                settings.window,
                pid,
                bus.pid(),
            )
            .await;
            figures.workloads.push((kind, count, result));
            running.check_alive()?;
        }
    }

    progress(
        spec,
        &format!("signals of {} x define + undefine", settings.signal_cycles),
    );
    figures.signals = signals::define_undefine(bus.address(), &clients[0], settings.signal_cycles)
        .await
        .map_err(|e| e.to_string());
    running.check_alive()?;

    progress(spec, &format!("defining {} domains", settings.domains));
    figures.define = load::define_domains(&clients, settings.domains, settings.define_limit).await;
    running.check_alive()?;
    figures.rss_at_n_kib = process::rss_kib(pid).map_err(|e| e.to_string());

    progress(spec, "queries at N");
    let expected = settings.domains + 1;
    figures.list_at_n = load::list_latency(&clients[0], settings.list_reps).await;
    if let Ok((_, listed)) = &figures.list_at_n {
        note_count(figures, "ListDomains", *listed, expected);
    }
    running.check_alive()?;
    figures.managed_objects_at_n =
        load::managed_objects_latency(&clients[0], settings.managed_reps).await;
    if let Ok(Some((_, listed))) = &figures.managed_objects_at_n {
        note_count(figures, "GetManagedObjects", *listed, expected);
    }
    running.check_alive()?;
    figures.list_get_all_at_n = load::list_and_get_all(&clients, settings.get_all_reps).await;
    running.check_alive()?;
    figures.peak_rss_kib = process::peak_rss_kib(pid).map_err(|e| e.to_string());

    if settings.objects > 0 {
        progress(
            spec,
            &format!("objects at M = {}: define, then list", settings.objects),
        );
        figures.objects = measure_objects(&clients, settings).await;
        note_object_counts(figures, settings.objects);
        running.check_alive()?;
    }
    Ok(())
}

/// Defines M networks, M pools and M volumes in one extra pool, then times the listings.
/// Runs last, so the figures at N (and the peak RSS) do not include these objects.
async fn measure_objects(
    clients: &[zbus::Connection],
    settings: &Settings,
) -> Result<objects::ObjectFigures, String> {
    let pool = objects::define_objects(clients, settings.objects, settings.define_limit).await?;
    Ok(objects::measure(&clients[0], &pool, settings.object_reps).await)
}

/// 1 and `max` (just 1 when `max` is 1).
fn client_counts(max: usize) -> Vec<usize> {
    if max <= 1 {
        vec![1]
    } else {
        vec![1, max]
    }
}

fn note_count(figures: &mut ServiceFigures, what: &str, listed: usize, expected: usize) {
    if listed != expected {
        figures.notes.push(format!(
            "{what} at N returned {listed} domains, expected {expected} (N + the default one)"
        ));
    }
}

/// Notes a listing at M that holds fewer objects than were defined (the test driver's own
/// network and pool come on top; the volume pool holds only the M volumes).
fn note_object_counts(figures: &mut ServiceFigures, m: usize) {
    let Ok(found) = &figures.objects else {
        return;
    };
    let checks = [
        ("ListNetworks", &found.networks, m),
        ("ListStoragePools", &found.pools, m + 1),
        ("ListStorageVolumes", &found.volumes, m),
    ];
    let short: Vec<String> = checks
        .iter()
        .filter_map(|(what, listing, least)| match listing {
            Ok(Some((_, listed))) if listed < least => Some(format!(
                "{what} at M returned {listed}, expected at least {least}"
            )),
            _ => None,
        })
        .collect();
    figures.notes.extend(short);
}

fn progress(spec: &ServiceSpec, phase: &str) {
    eprintln!("bench: [{}] {phase}", spec.binary);
}
