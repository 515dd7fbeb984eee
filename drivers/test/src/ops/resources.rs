//! Memory and vCPU sizing, memory statistics and the scheduler, with the test driver's
//! flag rules and texts. None of these emit an event in libvirt 9.0's test driver.

use uuid::Uuid;
use virtbus_core::{
    args,
    flags::{self, affect, check_flags},
    model::DomainDef,
    params::{self, Kind, TypedParams},
    Error, Result,
};

use crate::{host, TestDriver};

/// `virDomainMemoryStatTags` values reported by `virDomainMemoryStats`.
mod tag {
    pub const SWAP_IN: i32 = 0;
    pub const SWAP_OUT: i32 = 1;
    pub const MAJOR_FAULT: i32 = 2;
    pub const MINOR_FAULT: i32 = 3;
    pub const UNUSED: i32 = 4;
    pub const AVAILABLE: i32 = 5;
    pub const ACTUAL_BALLOON: i32 = 6;
    pub const RSS: i32 = 7;
    pub const USABLE: i32 = 8;
    pub const LAST_UPDATE: i32 = 9;
    pub const DISK_CACHES: i32 = 10;
    pub const HUGETLB_PGALLOC: i32 = 11;
    pub const HUGETLB_PGFAIL: i32 = 12;
}

/// Whether `def` has a memory balloon; one of model `none` does not count.
fn has_balloon(def: &DomainDef) -> bool {
    def.devices
        .memballoon
        .as_ref()
        .is_some_and(|b| b.model != "none")
}

/// The only scheduler parameter of the test driver, and its fixed value.
const SCHED_WEIGHT: (&str, u32) = ("weight", 50);

impl TestDriver {
    /// virDomainSetMemoryFlags (KiB): the balloon, or with VIR_DOMAIN_MEM_MAXIMUM the
    /// maximum of an inactive definition.
    pub(crate) fn op_set_memory(&self, uuid: &Uuid, kib: u64, flags: u32) -> Result<()> {
        if kib == 0 {
            return Err(Error::InvalidArgBare(
                "memory in virDomainSetMemoryFlags must not be zero".to_owned(),
            ));
        }
        check_flags(
            flags,
            affect::BOTH | flags::MEM_MAXIMUM,
            "testDomainSetMemoryFlags",
        )?;
        self.with(|store, _| {
            let dom = store.get_mut(uuid)?;
            let (def, live) = dom.one_def_mut(flags)?;
            if flags & flags::MEM_MAXIMUM != 0 {
                if live {
                    return Err(Error::OperationInvalid(
                        "cannot resize the maximum memory on an active domain".to_owned(),
                    ));
                }
                if matches!(def.max_memory, Some((max, _)) if max > 0 && max < kib) {
                    return Err(Error::OperationInvalid(
                        "cannot set initial memory size greater than the maximum memory size"
                            .to_owned(),
                    ));
                }
                def.memory_kib = kib;
                def.current_memory_kib = def.current_memory_kib.min(kib);
            } else {
                if kib > def.memory_kib {
                    return Err(Error::InvalidArg(
                        "cannot set memory higher than max memory".to_owned(),
                    ));
                }
                def.current_memory_kib = kib;
            }
            Ok(())
        })
    }

    /// virDomainSetMemoryStatsPeriod.
    pub(crate) fn op_set_memory_stats_period(
        &self,
        uuid: &Uuid,
        period: i32,
        flags: u32,
    ) -> Result<()> {
        args::non_negative(period, "period", "virDomainSetMemoryStatsPeriod")?;
        check_flags(flags, affect::BOTH, "testDomainSetMemoryStatsPeriod")?;
        self.with_def(uuid, flags, |def| {
            // Checked through a shared borrow first: writing to the devices allocates them.
            if !has_balloon(def) {
                return Err(Error::Internal(
                    "No memory balloon device configured, can not set the collection period"
                        .to_owned(),
                ));
            }
            if let Some(balloon) = def.devices.memballoon.as_mut() {
                // Period 0 turns the statistics off.
                balloon.stats_period = u32::try_from(period).ok().filter(|p| *p > 0);
            }
            Ok(())
        })
    }

    /// virDomainMemoryStats: fixed figures derived from the balloon size.
    pub(crate) fn op_memory_stats(&self, uuid: &Uuid, flags: u32) -> Result<Vec<(i32, u64)>> {
        check_flags(flags, 0, "testDomainMemoryStats")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            dom.check_active()?;
            let def = &dom.cur;
            if !has_balloon(def) {
                return Ok(Vec::new());
            }
            let cur = def.current_memory_kib;
            Ok(vec![
                (tag::ACTUAL_BALLOON, cur),
                (tag::SWAP_IN, 0),
                (tag::SWAP_OUT, 0),
                (tag::MAJOR_FAULT, 0),
                (tag::MINOR_FAULT, 0),
                (tag::UNUSED, cur / 2),
                (tag::AVAILABLE, cur),
                (tag::USABLE, cur / 2),
                (tag::LAST_UPDATE, 627_319_920),
                (tag::DISK_CACHES, cur / 8),
                (tag::HUGETLB_PGALLOC, 0),
                (tag::HUGETLB_PGFAIL, 0),
                (tag::RSS, cur / 2),
            ])
        })
    }

    /// virDomainGetVcpusFlags.
    pub(crate) fn op_vcpus(&self, uuid: &Uuid, flags: u32) -> Result<u32> {
        check_flags(
            flags,
            affect::BOTH | flags::VCPU_MAXIMUM,
            "testDomainGetVcpusFlags",
        )?;
        self.read_def(uuid, flags, |def| {
            Ok(if flags & flags::VCPU_MAXIMUM != 0 {
                def.vcpu.max
            } else {
                def.vcpu.current
            })
        })
    }

    /// virDomainSetVcpusFlags.
    pub(crate) fn op_set_vcpus(&self, uuid: &Uuid, count: u32, flags: u32) -> Result<()> {
        if count == 0 {
            return Err(Error::InvalidArgBare(
                "nvcpus in virDomainSetVcpusFlags must not be zero".to_owned(),
            ));
        }
        if count > i32::MAX as u32 {
            return Err(Error::InvalidArgBare(
                "nvcpus in virDomainSetVcpusFlags must be less than or equal to 2147483647"
                    .to_owned(),
            ));
        }
        if flags & flags::VCPU_MAXIMUM != 0 && flags & affect::CONFIG == 0 {
            return Err(Error::InvalidArgBare(
                "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'"
                    .to_owned(),
            ));
        }
        check_flags(
            flags,
            affect::BOTH | flags::VCPU_MAXIMUM,
            "testDomainSetVcpusFlags",
        )?;
        if count > host::MAX_VCPUS {
            return Err(Error::InvalidArg(format!(
                "requested cpu amount exceeds maximum supported amount ({count} > {})",
                host::MAX_VCPUS
            )));
        }
        let maximum = flags & flags::VCPU_MAXIMUM != 0;
        self.with(|store, _| {
            let (live, persistent) = store.get_mut(uuid)?.defs_mut(flags)?;
            if let Some(live) = &live {
                if live.vcpu.max < count {
                    return Err(Error::InvalidArg(format!(
                        "requested cpu amount exceeds maximum ({count} > {})",
                        live.vcpu.max
                    )));
                }
            }
            if let Some(persistent) = &persistent {
                if !maximum && persistent.vcpu.max < count {
                    return Err(Error::InvalidArg(format!(
                        "requested cpu amount exceeds maximum ({count} > {})",
                        persistent.vcpu.max
                    )));
                }
            }
            if let Some(live) = live {
                live.vcpu.current = count;
            }
            if let Some(persistent) = persistent {
                let vcpu = &mut persistent.vcpu;
                if maximum {
                    vcpu.max = count;
                    vcpu.current = vcpu.current.min(count);
                } else {
                    vcpu.current = count;
                }
            }
            Ok(())
        })
    }

    /// virDomainGetSchedulerType: the test driver's "fair" scheduler with one parameter.
    pub(crate) fn op_scheduler_type(&self, uuid: &Uuid) -> Result<(String, i32)> {
        self.read(|store| store.get(uuid).map(|_| ("fair".to_owned(), 1)))
    }

    /// virDomainGetSchedulerParametersFlags: the fixed weight 50. libvirt 9.0 accepts no
    /// flag here, not even VIR_TYPED_PARAM_STRING_OKAY.
    pub(crate) fn op_scheduler_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        check_flags(flags, 0, "testDomainGetSchedulerParametersFlags")?;
        self.read(|store| {
            store.get(uuid)?;
            Ok(vec![params::uint(SCHED_WEIGHT.0, SCHED_WEIGHT.1)])
        })
    }

    /// virDomainSetSchedulerParametersFlags: validated, then ignored as libvirt does.
    pub(crate) fn op_set_scheduler_parameters(
        &self,
        uuid: &Uuid,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        params::require_some(params, "virDomainSetSchedulerParametersFlags")?;
        check_flags(flags, 0, "testDomainSetSchedulerParametersFlags")?;
        params::validate(params, &[("weight", Kind::UInt)])?;
        self.read(|store| store.get(uuid).map(|_| ()))
    }
}
