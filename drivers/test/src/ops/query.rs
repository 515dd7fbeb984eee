//! Lookups, listings, summaries, state and XML descriptions. None of these formats XML
//! except [`TestDriver::op_xml_desc`].

use uuid::Uuid;
use virtbus_core::{
    domain_list::{self, ListFacts},
    driver::DomainSummary,
    flags::{self, check_flags},
    state::StateReason,
    xml::format_domain,
    Error, Result,
};

use crate::{dom::Dom, parse::format_options, TestDriver};

/// The OS type the test driver reports for every domain (`virDomainGetOSType`).
pub const OS_TYPE: &str = "linux";

/// Whether `dom` passes the filter flags of `virConnectListAllDomains` (and of the stats
/// calls, which share the first eight of them).
pub fn matches(dom: &Dom, f: u32) -> bool {
    domain_list::matches(
        ListFacts {
            state: dom.state.state,
            persistent: dom.persistent,
            managed_save: dom.managed_save,
            autostart: dom.autostart,
            has_snapshot: dom.has_snapshots(),
        },
        f,
    )
}

fn summary(uuid: &Uuid, dom: &Dom) -> DomainSummary {
    DomainSummary {
        uuid: *uuid,
        name: dom.name().to_owned(),
        id: dom.id,
        state: dom.state,
        persistent: dom.persistent,
        autostart: dom.autostart,
        updated: false,
        os_type: OS_TYPE.to_owned(),
        has_managed_save: dom.managed_save,
    }
}

impl TestDriver {
    /// virConnectListAllDomains.
    pub(crate) fn op_list_domains(&self, flags: u32) -> Result<Vec<Uuid>> {
        check_flags(flags, flags::list::ALL, "testConnectListAllDomains")?;
        self.read(|store| {
            Ok(store
                .iter()
                .filter(|(_, dom)| matches(dom, flags))
                .map(|(uuid, _)| *uuid)
                .collect())
        })
    }

    /// The summary of one domain.
    pub(crate) fn op_summary(&self, uuid: &Uuid) -> Result<DomainSummary> {
        self.read(|store| Ok(summary(uuid, store.get(uuid)?)))
    }

    /// Summaries of every domain, in one pass under the lock.
    pub(crate) fn op_summaries(&self) -> Result<Vec<DomainSummary>> {
        self.read(|store| Ok(store.iter().map(|(u, d)| summary(u, d)).collect()))
    }

    /// virDomainLookupByName.
    pub(crate) fn op_lookup_by_name(&self, name: &str) -> Result<Uuid> {
        self.read(|store| store.by_name(name).ok_or(Error::DomainNotFound))
    }

    /// virDomainLookupByUUID.
    pub(crate) fn op_lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.read(|store| store.get(uuid).map(|_| *uuid))
    }

    /// virDomainLookupByID: active domains only.
    pub(crate) fn op_lookup_by_id(&self, id: i32) -> Result<Uuid> {
        self.read(|store| store.by_id(id).ok_or(Error::DomainNotFound))
    }

    /// virDomainGetState.
    pub(crate) fn op_state(&self, uuid: &Uuid, flags: u32) -> Result<StateReason> {
        check_flags(flags, 0, "testDomainGetState")?;
        self.read(|store| Ok(store.get(uuid)?.state))
    }

    /// virDomainGetXMLDesc: the live definition, or with VIR_DOMAIN_XML_INACTIVE the
    /// next-boot one when there is one.
    pub(crate) fn op_xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(
            flags,
            flags::xml::SECURE | flags::xml::INACTIVE | flags::xml::MIGRATABLE,
            "testDomainGetXMLDesc",
        )?;
        let inactive = flags & flags::xml::INACTIVE != 0;
        let (def, id) = self.read(|store| {
            let dom = store.get(uuid)?;
            let def = match (&dom.next, inactive) {
                (Some(next), true) => &**next,
                _ => &dom.cur,
            };
            let id = (dom.is_active() && !inactive).then_some(dom.id);
            Ok((def.clone(), id))
        })?;
        let opts = format_options(
            id,
            flags & flags::xml::SECURE != 0,
            inactive,
            flags & flags::xml::MIGRATABLE != 0,
        );
        Ok(format_domain(&def, &opts))
    }

    /// virDomainGetControlInfo: derived from the guest time, as the test driver does
    /// (below 10000 s a job, below 30000 s occupied, below 60000 s an error).
    pub(crate) fn op_control_info(&self, uuid: &Uuid, flags: u32) -> Result<(u32, u32, u64)> {
        check_flags(flags, 0, "testDomainGetControlInfo")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            dom.check_active()?;
            let s = dom.rt.seconds;
            Ok(match s {
                1..=9_999 => (1, 0, s as u64),
                10_000..=29_999 => (2, 0, (s - 10_000) as u64),
                30_000..=59_999 => (3, (s % 4) as u32, (s - 30_000) as u64),
                _ => (0, 0, 0),
            })
        })
    }

    /// virDomainGetOSType: always "linux" in the test driver.
    pub(crate) fn op_os_type(&self, uuid: &Uuid) -> Result<String> {
        self.read(|store| store.get(uuid).map(|_| OS_TYPE.to_owned()))
    }
}
