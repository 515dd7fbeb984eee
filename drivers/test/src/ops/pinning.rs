//! vCPU, emulator and I/O thread pinning, and I/O threads themselves, kept in the
//! definition (`<cputune>`, `<iothreads>`, `<iothreadids>`) as libvirt keeps them.

use uuid::Uuid;
use virtbus_core::{
    flags::{affect, check_flags},
    model::{DomainDef, IothreadDef},
    Error, Result,
};

use crate::{bitmap, TestDriver};

/// The CPU set of `<vcpu cpuset=...>`, if any.
fn def_cpumask(def: &DomainDef) -> Option<Vec<bool>> {
    def.vcpu.cpuset.as_deref().and_then(bitmap::parse)
}

/// The map a vCPU without its own pinning runs on: the domain's CPU set, else every host
/// CPU.
fn default_map(def: &DomainDef) -> Vec<bool> {
    def_cpumask(def).unwrap_or_else(|| vec![true; bitmap::HOST_CPUS])
}

/// The map an I/O thread without its own pinning runs on: the domain's CPU set, else one
/// CPU per current vCPU, as libvirt 9.0's test driver reports it.
fn iothread_map(def: &DomainDef, thread: &IothreadDef) -> Vec<bool> {
    let bits = match &thread.cpuset {
        Some(pin) => pin.clone(),
        None => def_cpumask(def)
            .unwrap_or_else(|| bitmap::first(def.vcpu.current as usize, bitmap::MAP_WIDTH)),
    };
    bitmap::fit(&bits, bitmap::MAP_WIDTH)
}

fn check_iothread_id(id: u32) -> Result<()> {
    if id == 0 {
        return Err(Error::InvalidArg(
            "invalid value of 0 for iothread_id".to_owned(),
        ));
    }
    Ok(())
}

impl TestDriver {
    /// virDomainGetVcpuPinInfo: one map per current vCPU. The test driver takes any flags.
    pub(crate) fn op_vcpu_pin_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<Vec<bool>>> {
        self.read_def(uuid, flags & affect::BOTH, |def| {
            let fallback = default_map(def);
            let cputune = def.cputune.as_deref();
            Ok((0..def.vcpu.current)
                .map(|v| {
                    let bits = cputune.and_then(|c| c.vcpu_pin(v)).unwrap_or(&fallback);
                    bitmap::fit(bits, bitmap::MAP_WIDTH)
                })
                .collect())
        })
    }

    /// virDomainPinVcpuFlags: live pinning of an online vCPU only.
    pub(crate) fn op_pin_vcpu(
        &self,
        uuid: &Uuid,
        vcpu: u32,
        cpumap: &[bool],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, 0, "testDomainPinVcpuFlags")?;
        self.with(|store, _| {
            let dom = store.get_mut(uuid)?;
            if !dom.is_active() {
                return Err(Error::OperationInvalid(
                    "cannot pin vcpus on an inactive domain".to_owned(),
                ));
            }
            if vcpu >= dom.cur.vcpu.current {
                return Err(Error::InvalidArg(format!(
                    "requested vcpu '{vcpu}' is not present in the domain"
                )));
            }
            dom.cur
                .cputune
                .get_or_insert_with(Box::default)
                .set_vcpu_pin(vcpu, cpumap.to_vec());
            Ok(())
        })
    }

    /// virDomainGetEmulatorPinInfo.
    pub(crate) fn op_emulator_pin_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<bool>> {
        check_flags(flags, affect::BOTH, "testDomainGetEmulatorPinInfo")?;
        self.read_def(uuid, flags, |def| {
            let bits = def
                .cputune
                .as_deref()
                .and_then(|c| c.emulatorpin.clone())
                .unwrap_or_else(|| default_map(def));
            Ok(bitmap::fit(&bits, bitmap::MAP_WIDTH))
        })
    }

    /// virDomainPinEmulator.
    pub(crate) fn op_pin_emulator(&self, uuid: &Uuid, cpumap: &[bool], flags: u32) -> Result<()> {
        check_flags(flags, affect::BOTH, "testDomainPinEmulator")?;
        self.with_def(uuid, flags, |def| {
            if bitmap::is_empty(cpumap) {
                return Err(Error::InvalidArg("Empty cpu list for pinning".to_owned()));
            }
            def.cputune.get_or_insert_with(Box::default).emulatorpin = Some(cpumap.to_vec());
            Ok(())
        })
    }

    /// virDomainGetIOThreadInfo.
    pub(crate) fn op_iothread_info(
        &self,
        uuid: &Uuid,
        flags: u32,
    ) -> Result<Vec<(u32, Vec<bool>)>> {
        check_flags(flags, affect::BOTH, "testDomainGetIOThreadInfo")?;
        self.read_def(uuid, flags, |def| {
            Ok(def
                .iothreadids
                .iter()
                .map(|t| (t.id, iothread_map(def, t)))
                .collect())
        })
    }

    /// virDomainAddIOThread.
    pub(crate) fn op_add_iothread(&self, uuid: &Uuid, id: u32, flags: u32) -> Result<()> {
        check_flags(flags, affect::BOTH, "testDomainAddIOThread")?;
        check_iothread_id(id)?;
        affect::check_exclusive(flags)?;
        self.with_def(uuid, flags, |def| {
            if def.iothread(id).is_some() {
                return Err(Error::InvalidArg(format!(
                    "an IOThread is already using iothread_id '{id}'"
                )));
            }
            if def.iothreadids.len() >= virtbus_core::xml::MAX_IOTHREADS as usize {
                return Err(Error::InvalidArg(format!(
                    "cannot add more than {} IOThreads",
                    virtbus_core::xml::MAX_IOTHREADS
                )));
            }
            def.iothreadids.push(IothreadDef {
                id,
                autofill: false,
                cpuset: None,
            });
            Ok(())
        })
    }

    /// virDomainDelIOThread.
    pub(crate) fn op_del_iothread(&self, uuid: &Uuid, id: u32, flags: u32) -> Result<()> {
        check_flags(flags, affect::BOTH, "testDomainDelIOThread")?;
        affect::check_exclusive(flags)?;
        check_iothread_id(id)?;
        self.with_def(uuid, flags, |def| {
            let Some(at) = def.iothreadids.iter().position(|t| t.id == id) else {
                return Err(Error::InvalidArg(format!(
                    "cannot find IOThread '{id}' in iothreadids list"
                )));
            };
            def.iothreadids.remove(at);
            Ok(())
        })
    }

    /// virDomainPinIOThread.
    pub(crate) fn op_pin_iothread(
        &self,
        uuid: &Uuid,
        id: u32,
        cpumap: &[bool],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, affect::BOTH, "testDomainPinIOThread")?;
        self.with_def(uuid, flags, |def| {
            let Some(thread) = def.iothreadids.iter_mut().find(|t| t.id == id) else {
                return Err(Error::InvalidArg(format!("iothreadid {id} not found")));
            };
            if bitmap::is_empty(cpumap) {
                return Err(Error::InvalidArg(
                    "Empty iothread cpumap list for pinning".to_owned(),
                ));
            }
            thread.cpuset = Some(cpumap.to_vec());
            Ok(())
        })
    }
}
