//! The statistics calls of the QEMU connection (virDomainListGetStats,
//! virConnectGetAllDomainStats, virDomainMemoryStats): what to ask of which guest, over the
//! figures [`crate::stats`] reads from QMP and /proc.

use virtbus_core::{
    domain_list,
    flags::stats::{requested_groups, FILTERS},
    params::{self, TypedParams},
    Error, Result,
};

use crate::{
    domains::Slot,
    stats::{self, SUPPORTED_GROUPS},
};

/// The function libvirt names in the flag errors of both statistics calls.
const FUNCTION: &str = "qemuConnectGetAllDomainStats";

/// Checks the flags; returns the groups to report out of `requested`.
pub(crate) fn groups(requested: u32, flags: u32) -> Result<u32> {
    requested_groups(requested, flags, SUPPORTED_GROUPS, FUNCTION)
}

/// Whether the domain of `slot` passes the list filters in `flags`.
pub(crate) fn selected(slot: &Slot, flags: u32) -> bool {
    domain_list::matches(slot.lock().list_facts(), flags & FILTERS)
}

/// The record of the domain in `slot` for `groups`: every group from a running guest whose
/// monitor answers; only the state of a guest that does not run (or whose monitor failed,
/// or whose figures could not be read, which is logged).
pub(crate) async fn record(slot: &Slot, groups: u32) -> TypedParams {
    let (state, running) = {
        let mut dom = slot.lock();
        let state = dom.state();
        let running = dom.monitor().ok().zip(
            dom.run
                .as_ref()
                .map(|run| (run.live.clone(), run.emulator.pid())),
        );
        (state, running)
    };
    if let Some((monitor, (live, pid))) = running {
        match stats::domain_stats(&monitor, &live, pid, state, groups).await {
            Ok(record) => return record,
            Err(error) => {
                tracing::warn!(domain = %live.name, %error, "cannot read the guest's statistics")
            }
        }
    }
    let mut out = TypedParams::new();
    if groups & virtbus_core::flags::stats::STATE != 0 {
        out.push(params::int("state.state", state.state as i32));
        out.push(params::int("state.reason", state.reason));
    }
    out
}

/// virDomainMemoryStats of the running guest of `slot`.
pub(crate) async fn memory(slot: &Slot) -> Result<Vec<(i32, u64)>> {
    let (monitor, live, pid) = {
        let mut dom = slot.lock();
        let monitor = dom.monitor()?;
        let run = dom.running()?;
        (monitor, run.live.clone(), run.emulator.pid())
    };
    stats::memory_stats(&monitor, &live, pid).await
}

/// The error libvirt-dbus reports for a domain the filter flags leave out of its stats.
pub(crate) fn filtered_out() -> Error {
    Error::System("unknown error".to_owned())
}
