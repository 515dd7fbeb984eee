//! Domain statistics (`virConnectGetAllDomainStats`, `virDomainListGetStats`): the "state"
//! and "iothread" groups, the only ones libvirt 9.0's test driver reports.

use uuid::Uuid;
use virtbus_core::{
    flags::stats,
    params::{self, TypedParams},
    Error, Result,
};

use crate::{dom::Dom, ops::query::matches, TestDriver};

/// `poll-max-ns` the test driver reports for every I/O thread.
const POLL_MAX_NS: u64 = 32_768;

/// Checks the flags and the requested groups; returns the groups to report.
fn groups(requested: u32, flags: u32) -> Result<u32> {
    stats::requested_groups(
        requested,
        flags,
        stats::SUPPORTED,
        "testConnectGetAllDomainStats",
    )
}

/// The records of one domain for `groups`.
fn record(dom: &Dom, groups: u32) -> TypedParams {
    let mut out = Vec::new();
    if groups & stats::STATE != 0 {
        out.push(params::int("state.state", dom.state.state as i32));
        out.push(params::int("state.reason", dom.state.reason));
    }
    if groups & stats::IOTHREAD != 0 && dom.is_active() && !dom.cur.iothreadids.is_empty() {
        let threads = &dom.cur.iothreadids;
        out.push(params::uint("iothread.count", threads.len() as u32));
        for t in threads {
            let id = t.id;
            out.push(params::ullong(
                &format!("iothread.{id}.poll-max-ns"),
                POLL_MAX_NS,
            ));
            out.push(params::uint(&format!("iothread.{id}.poll-grow"), 0));
            out.push(params::uint(&format!("iothread.{id}.poll-shrink"), 0));
        }
    }
    out
}

impl TestDriver {
    /// virConnectGetAllDomainStats: (name, stats) for every domain the filters keep.
    pub(crate) fn op_all_domain_stats(
        &self,
        requested: u32,
        flags: u32,
    ) -> Result<Vec<(String, TypedParams)>> {
        let groups = groups(requested, flags)?;
        self.read(|store| {
            let mut out: Vec<(String, TypedParams)> = store
                .iter()
                .filter(|(_, dom)| matches(dom, flags & stats::FILTERS))
                .map(|(_, dom)| (dom.name().to_owned(), record(dom, groups)))
                .filter(|(_, params)| !params.is_empty())
                .collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(out)
        })
    }

    /// virDomainListGetStats for one domain. A domain the filter flags leave out gets
    /// libvirt-dbus's "unknown error".
    pub(crate) fn op_stats(&self, uuid: &Uuid, requested: u32, flags: u32) -> Result<TypedParams> {
        let groups = groups(requested, flags)?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            if !matches(dom, flags & stats::FILTERS) {
                return Err(Error::System("unknown error".to_owned()));
            }
            Ok(record(dom, groups))
        })
    }
}
