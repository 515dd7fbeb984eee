//! Timed rounds of Create then Destroy on one defined QEMU guest.
//!
//! A Create counts as done when its reply *and* the STARTED DomainEvent have both arrived
//! (the guest is running, whatever order a service sends them in); a Destroy when its reply
//! and STOPPED have (the guest is shut off). For the tiny guest the time from sending Create
//! until GUEST-READY appears on its serial console is recorded too. The first round is a
//! warm-up (libvirtd probes the emulator then) and is not counted.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use zbus::{Connection, OwnedObjectPath};

use crate::{
    domain_events::{lifecycle, EventWatcher},
    process,
    qemu_calls::DomainCall,
    raw_qemu,
    stats::{self, Spread},
};

/// How long a lifecycle event may take after the call was sent.
const EVENT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the tiny guest may take to print GUEST-READY (about 2 s under TCG, more when
/// the machine is busy).
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the serial log is read while waiting for GUEST-READY.
const BOOT_POLL: Duration = Duration::from_millis(10);
/// How long a guest without an OS runs before it is destroyed.
const RUN_BEFORE_DESTROY: Duration = Duration::from_millis(200);
/// Pause between rounds, so one round's teardown does not slow the next.
const BETWEEN_ROUNDS: Duration = Duration::from_millis(300);

/// What the rounds of one guest measured.
#[derive(Debug, Clone)]
pub struct LifecycleFigures {
    /// Create until running.
    pub create: Spread,
    /// Destroy until shut off.
    pub destroy: Spread,
    /// Create sent until GUEST-READY on the serial console (tiny guest only).
    pub boot: Option<Spread>,
    /// Raw qemu with the guest's command line, when asked for.
    pub raw: Option<Result<RawFigures, String>>,
}

/// Raw qemu spawns of the guest's command line.
#[derive(Debug, Clone)]
pub struct RawFigures {
    /// Spawn until the QMP greeting.
    pub greeting: Spread,
    /// Spawn until `qmp_capabilities` was answered.
    pub capabilities: Spread,
}

/// How to run the rounds.
#[derive(Debug)]
pub struct Rounds<'a> {
    /// Counted rounds (one warm-up round comes first).
    pub count: usize,
    /// The guest's serial log, watched for GUEST-READY; `None` for a guest without an OS.
    pub serial: Option<&'a Path>,
    /// The service's pid when qemu is its child, and the QMP socket path for a raw spawn of
    /// the guest's command line after each round; `None` for no raw spawns.
    pub raw: Option<(u32, &'a Path)>,
}

/// Runs `rounds` on `domain`; the error is the first call or event that failed.
pub async fn measure(
    conn: &Connection,
    watcher: &mut EventWatcher,
    domain: &OwnedObjectPath,
    rounds: &Rounds<'_>,
) -> Result<LifecycleFigures, String> {
    let mut create = Vec::with_capacity(rounds.count);
    let mut destroy = Vec::with_capacity(rounds.count);
    let mut boot = Vec::with_capacity(rounds.count);
    let mut greetings = Vec::with_capacity(rounds.count);
    let mut negotiated = Vec::with_capacity(rounds.count);
    // The raw command line, or why there is none; `None` when not asked for.
    let mut raw_argv: Option<Result<Vec<String>, String>> = None;
    for round in 0..=rounds.count {
        if let Some(serial) = rounds.serial {
            let _ = std::fs::remove_file(serial);
        }
        let (created, sent) = timed(conn, watcher, domain, DomainCall::Create).await?;
        if let (0, Some((parent, socket))) = (round, rounds.raw) {
            raw_argv = Some(
                guest_command_line(parent)
                    .ok_or_else(|| "the guest's command line could not be read".to_owned())
                    .and_then(|c| {
                        raw_qemu::reuse_command_line(&c, socket).map_err(|e| e.to_string())
                    }),
            );
        }
        match rounds.serial {
            Some(serial) => {
                let ready = wait_ready(serial, sent).await?;
                if round > 0 {
                    boot.push(ready);
                }
            }
            None => tokio::time::sleep(RUN_BEFORE_DESTROY).await,
        }
        let (destroyed, _) = timed(conn, watcher, domain, DomainCall::Destroy).await?;
        if round > 0 {
            create.push(created);
            destroy.push(destroyed);
        }
        tokio::time::sleep(BETWEEN_ROUNDS).await;
        if let (Some(Ok(argv)), Some((_, socket))) = (&raw_argv, rounds.raw) {
            match raw_qemu::spawn_to_greeting(argv, socket).await {
                Ok(took) if round > 0 => {
                    greetings.push(took.greeting);
                    negotiated.push(took.capabilities);
                }
                Ok(_) => {}
                Err(e) => raw_argv = Some(Err(e.to_string())),
            }
            tokio::time::sleep(BETWEEN_ROUNDS).await;
        }
    }
    let spread = |samples: &mut Vec<Duration>| stats::spread(samples).ok_or("no rounds");
    Ok(LifecycleFigures {
        create: spread(&mut create)?,
        destroy: spread(&mut destroy)?,
        boot: stats::spread(&mut boot),
        raw: raw_argv.map(|argv| {
            argv.and_then(|_| {
                Ok(RawFigures {
                    greeting: spread(&mut greetings)?,
                    capabilities: spread(&mut negotiated)?,
                })
            })
        }),
    })
}

/// Calls Create or Destroy and waits for its lifecycle event too: the time until both
/// happened, and when the call was sent.
async fn timed(
    conn: &Connection,
    watcher: &mut EventWatcher,
    domain: &OwnedObjectPath,
    call: DomainCall,
) -> Result<(Duration, Instant), String> {
    let event = match call {
        DomainCall::Create => lifecycle::STARTED,
        _ => lifecycle::STOPPED,
    };
    watcher.clear();
    let sent = Instant::now();
    call.call(conn, domain).await?;
    let replied = Instant::now();
    let deadline = tokio::time::Instant::from_std(sent + EVENT_TIMEOUT);
    let seen = watcher
        .wait_for(domain, event, deadline)
        .await
        .ok_or_else(|| {
            format!(
                "no DomainEvent {event} for {domain} within {} s of {}",
                EVENT_TIMEOUT.as_secs(),
                call.name()
            )
        })?
        .into_std();
    Ok((replied.max(seen) - sent, sent))
}

/// Waits for GUEST-READY in `serial`; the time since `sent`.
async fn wait_ready(serial: &Path, sent: Instant) -> Result<Duration, String> {
    loop {
        if std::fs::read(serial).is_ok_and(|text| contains(&text, b"GUEST-READY")) {
            return Ok(sent.elapsed());
        }
        if sent.elapsed() > BOOT_TIMEOUT {
            return Err(format!(
                "no GUEST-READY in {} within {} s",
                serial.display(),
                BOOT_TIMEOUT.as_secs()
            ));
        }
        tokio::time::sleep(BOOT_POLL).await;
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The command line of the one qemu child of `parent`, if there is exactly one.
fn guest_command_line(parent: u32) -> Option<Vec<String>> {
    match process::find_processes(Some(parent), "qemu-system")[..] {
        [pid] => process::cmdline(pid).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_marker_is_found_in_bytes() {
        assert!(contains(b"boot...\r\nGUEST-READY\r\n", b"GUEST-READY"));
        assert!(!contains(b"GUEST-READ", b"GUEST-READY"));
    }
}
