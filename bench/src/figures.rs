//! Everything measured for one service, filled in as the run goes.

use std::time::Duration;

use crate::{
    load::{CallKind, DefineFigures, Throughput},
    objects::ObjectFigures,
    signals::SignalFigures,
};

/// A figure, or the reason it could not be measured.
pub type Measured<T> = Result<T, String>;

/// The figures of one service under test. Fields start as "not reached" and are filled in
/// phase by phase, so a run that stops early still reports what it measured.
#[derive(Debug, Clone)]
pub struct ServiceFigures {
    /// The service binary.
    pub binary: String,
    /// Median spawn-to-name-owned time.
    pub spawn: Measured<Duration>,
    /// How many starts the median is over.
    pub spawn_starts: usize,
    /// Throughput runs: call, number of clients, result.
    pub workloads: Vec<(CallKind, usize, Measured<Throughput>)>,
    /// VmRSS after warm-up, KiB.
    pub rss_start_kib: Measured<u64>,
    /// Signals the service sends for one define + undefine.
    pub signals: Measured<SignalFigures>,
    /// Defining N domains.
    pub define: Measured<DefineFigures>,
    /// VmRSS after defining N domains, KiB.
    pub rss_at_n_kib: Measured<u64>,
    /// ListDomains at N: median latency and domains listed.
    pub list_at_n: Measured<(Duration, usize)>,
    /// GetManagedObjects at N: `None` when the service has no ObjectManager.
    pub managed_objects_at_n: Measured<Option<(Duration, usize)>>,
    /// ListDomains + GetAll on every domain at N: median wall time and domains listed.
    pub list_get_all_at_n: Measured<(Duration, usize)>,
    /// VmHWM at the end, KiB.
    pub peak_rss_kib: Measured<u64>,
    /// The listings at M networks, pools and volumes (after the peak RSS is read).
    pub objects: Measured<ObjectFigures>,
    /// Remarks for the report (e.g. an unexpected domain count).
    pub notes: Vec<String>,
}

impl ServiceFigures {
    /// Empty figures for `binary`.
    pub fn new(binary: &str) -> Self {
        Self {
            binary: binary.to_owned(),
            spawn: not_reached(),
            spawn_starts: 0,
            workloads: Vec::new(),
            rss_start_kib: not_reached(),
            signals: not_reached(),
            define: not_reached(),
            rss_at_n_kib: not_reached(),
            list_at_n: not_reached(),
            managed_objects_at_n: not_reached(),
            list_get_all_at_n: not_reached(),
            peak_rss_kib: not_reached(),
            objects: not_reached(),
            notes: Vec::new(),
        }
    }

    /// The throughput result for `kind` at `clients`, if that run happened.
    pub fn workload(&self, kind: CallKind, clients: usize) -> Measured<&Throughput> {
        self.workloads
            .iter()
            .find(|(k, c, _)| *k == kind && *c == clients)
            .map(|(_, _, r)| r.as_ref().map_err(Clone::clone))
            .unwrap_or_else(|| Err("not reached".to_owned()))
    }
}

fn not_reached<T>() -> Measured<T> {
    Err("not reached".to_owned())
}
