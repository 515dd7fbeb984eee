//! Many guests at once: the service's RSS per running guest, and how many DomainEvent
//! signals per second it delivers while every guest is suspended and resumed back to back.

use std::{
    collections::HashSet,
    path::Path,
    time::{Duration, Instant},
};

use tokio::task::JoinSet;
use zbus::{Connection, OwnedObjectPath};

use crate::{
    domain_events::{lifecycle, EventWatcher},
    guests::{GuestFiles, GuestKind},
    process,
    qemu::GUEST_PREFIX,
    qemu_calls::{self, DomainCall},
    stats,
};

/// First uuid number of the many guests (the timed guests use 0 and 1).
const FIRST_INDEX: usize = 100;
/// Time for the service to settle before its RSS is read.
const SETTLE: Duration = Duration::from_secs(1);
/// Events stop being waited for after this long without one.
const QUIET: Duration = Duration::from_secs(5);
/// Upper bound for the whole suspend/resume workload.
const WORKLOAD_LIMIT: Duration = Duration::from_secs(300);

/// What the many-guests run measured.
#[derive(Debug, Clone)]
pub struct LoadFigures {
    /// Guests running.
    pub guests: usize,
    /// Summed RSS of the service's processes with the guests defined but not running, KiB.
    pub idle_kib: u64,
    /// The same with every guest running, KiB.
    pub loaded_kib: u64,
    /// SUSPENDED and RESUMED events received.
    pub events: u64,
    /// Events expected (two per cycle per guest).
    pub expected: u64,
    /// From the first call until the last event counted.
    pub elapsed: Duration,
}

impl LoadFigures {
    /// RSS added per running guest, KiB.
    pub fn rss_per_guest_kib(&self) -> Option<f64> {
        stats::rss_per_guest_kib(self.idle_kib, self.loaded_kib, self.guests)
    }

    /// Events received per second.
    pub fn events_per_sec(&self) -> Option<f64> {
        stats::per_second(self.events, self.elapsed)
    }
}

/// What to run.
#[derive(Debug)]
pub struct Load<'a> {
    /// Guests (no disk) to run at once.
    pub guests: usize,
    /// Suspend + resume cycles per guest.
    pub cycles: usize,
    /// The service's processes whose RSS is summed.
    pub pids: &'a [u32],
    /// The emulator for the definitions.
    pub emulator: &'a Path,
}

/// Defines and starts `load.guests` guests, reads the RSS, runs the suspend/resume workload
/// with one client per guest (round robin over `clients`), then destroys and undefines them
/// whatever happened.
pub async fn measure(
    clients: &[Connection],
    watcher: &mut EventWatcher,
    files: &GuestFiles,
    load: &Load<'_>,
) -> Result<LoadFigures, String> {
    let conn = clients.first().ok_or("no client connection")?;
    let names: Vec<String> = (0..load.guests)
        .map(|i| format!("{GUEST_PREFIX}many-{i}"))
        .collect();
    let mut domains = Vec::with_capacity(load.guests);
    let result = async {
        for (i, name) in names.iter().enumerate() {
            qemu_calls::remove(conn, name).await;
            let xml = files
                .xml(GuestKind::NoDisk, name, FIRST_INDEX + i, load.emulator)
                .ok_or("no definition")?;
            domains.push(qemu_calls::define(conn, &xml).await?);
        }
        tokio::time::sleep(SETTLE).await;
        let idle_kib = rss_sum(load.pids)?;
        for domain in &domains {
            DomainCall::Create.call(conn, domain).await?;
        }
        tokio::time::sleep(SETTLE).await;
        let loaded_kib = rss_sum(load.pids)?;
        let (events, elapsed) = suspend_resume(clients, watcher, &domains, load.cycles).await?;
        Ok(LoadFigures {
            guests: load.guests,
            idle_kib,
            loaded_kib,
            events,
            expected: expected_events(load.guests, load.cycles),
            elapsed,
        })
    }
    .await;
    for name in &names {
        qemu_calls::remove(conn, name).await;
    }
    result
}

/// Two events (SUSPENDED, RESUMED) per cycle per guest.
fn expected_events(guests: usize, cycles: usize) -> u64 {
    2 * guests as u64 * cycles as u64
}

/// Every guest suspended and resumed `cycles` times by its own task, all at once; the
/// events counted and the time from the start to the last of them.
async fn suspend_resume(
    clients: &[Connection],
    watcher: &mut EventWatcher,
    domains: &[OwnedObjectPath],
    cycles: usize,
) -> Result<(u64, Duration), String> {
    let watched: HashSet<OwnedObjectPath> = domains.iter().cloned().collect();
    watcher.clear();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (i, domain) in domains.iter().enumerate() {
        let conn = clients[i % clients.len()].clone();
        let domain = domain.clone();
        tasks.spawn(async move {
            for _ in 0..cycles {
                DomainCall::Suspend.call(&conn, &domain).await?;
                DomainCall::Resume.call(&conn, &domain).await?;
            }
            Ok::<_, String>(())
        });
    }
    let deadline = tokio::time::Instant::from_std(started + WORKLOAD_LIMIT);
    let (events, last) = watcher
        .count(
            &watched,
            &[lifecycle::SUSPENDED, lifecycle::RESUMED],
            expected_events(domains.len(), cycles),
            QUIET,
            deadline,
        )
        .await;
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| format!("client task failed: {e}"))??;
    }
    let elapsed = last.map_or(Duration::ZERO, |at| at.into_std() - started);
    Ok((events, elapsed))
}

fn rss_sum(pids: &[u32]) -> Result<u64, String> {
    pids.iter()
        .map(|&pid| process::rss_kib(pid).map_err(|e| e.to_string()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_events_per_cycle_per_guest() {
        assert_eq!(expected_events(8, 25), 400);
        assert_eq!(expected_events(0, 25), 0);
    }

    #[test]
    fn figures_share_the_growth_and_rate() {
        let figures = LoadFigures {
            guests: 4,
            idle_kib: 8000,
            loaded_kib: 9000,
            events: 200,
            expected: 200,
            elapsed: Duration::from_millis(500),
        };
        assert_eq!(figures.rss_per_guest_kib(), Some(250.0));
        assert_eq!(figures.events_per_sec(), Some(400.0));
    }
}
