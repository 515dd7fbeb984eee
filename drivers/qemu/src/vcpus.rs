//! virDomainGetVcpusFlags and virDomainSetVcpusFlags: the vCPU counts of the live and the
//! persistent definition, and vCPU hotplug where QEMU allows it. A guest started with
//! `<vcpu current='N'>MAX</vcpu>` (N < MAX) runs `-smp N,maxcpus=MAX`; the missing CPUs are
//! QEMU's hotpluggable entities (`query-hotpluggable-cpus`), added with `device_add` and
//! removed with `device_del` (which needs the guest's cooperation), as libvirt's
//! `qemuDomainSetVcpusLive` does.

use std::time::Duration;

use serde_json::{json, Map, Value};
use virtbus_core::{
    flags::{self, affect, check_flags},
    Error, Result,
};

use crate::{
    domains::Slot,
    driver::Inner,
    guest::{monitor_error, save_status},
    qmp::Qmp,
};

/// `VIR_DOMAIN_VCPU_GUEST`: counts as the guest agent sees them.
pub const GUEST: u32 = 8;
/// `VIR_DOMAIN_VCPU_HOTPLUGGABLE`: added vCPUs may be unplugged later (always so here).
pub const HOTPLUGGABLE: u32 = 16;

/// How long a guest has to release a vCPU that is being unplugged.
const UNPLUG_WAIT: Duration = Duration::from_secs(5);

/// The agent flag is refused: this driver has no guest agent.
fn no_agent(flags: u32) -> Result<()> {
    if flags & GUEST != 0 {
        return Err(Error::ArgumentUnsupported(
            "QEMU guest agent is not configured".to_owned(),
        ));
    }
    Ok(())
}

/// virDomainGetVcpusFlags: the current (or, with VCPU_MAXIMUM, the maximum) vCPU count of
/// the live or the persistent definition.
pub(crate) fn get(slot: &Slot, flags: u32) -> Result<u32> {
    check_flags(
        flags,
        affect::BOTH | flags::VCPU_MAXIMUM | GUEST,
        "qemuDomainGetVcpusFlags",
    )?;
    affect::check_exclusive(flags)?;
    no_agent(flags)?;
    let dom = slot.lock();
    let (live, _) = affect::impact(flags, dom.is_active(), dom.persistent)?;
    let vcpu = match (&dom.run, live) {
        (Some(run), true) => &run.live.vcpu,
        _ => &dom.def.vcpu,
    };
    Ok(if flags & flags::VCPU_MAXIMUM != 0 {
        vcpu.max
    } else {
        vcpu.current
    })
}

/// virDomainSetVcpusFlags for the domain in `slot` (its job held).
pub(crate) async fn set(inner: &Inner, slot: &Slot, count: u32, flags: u32) -> Result<()> {
    if count == 0 {
        return Err(Error::InvalidArgBare(
            "nvcpus in virDomainSetVcpusFlags must not be zero".to_owned(),
        ));
    }
    check_flags(
        flags,
        affect::BOTH | flags::VCPU_MAXIMUM | GUEST | HOTPLUGGABLE,
        "qemuDomainSetVcpusFlags",
    )?;
    no_agent(flags)?;
    let maximum = flags & flags::VCPU_MAXIMUM != 0;
    let (monitor, live, config) = {
        let mut dom = slot.lock();
        let (live, config) = affect::impact(flags, dom.is_active(), dom.persistent)?;
        if live && maximum {
            return Err(Error::OperationUnsupported(
                "maximum vcpu count of a live domain can't be modified".to_owned(),
            ));
        }
        if config {
            check_config(&dom.def, count, maximum)?;
        }
        let monitor = if live {
            let max = dom.running()?.live.vcpu.max;
            if count > max {
                return Err(Error::InvalidArg(format!(
                    "requested vcpus is greater than max allowable vcpus for the live domain: {count} > {max}"
                )));
            }
            Some(dom.monitor()?)
        } else {
            None
        };
        (monitor, live, config)
    };
    if let Some(monitor) = monitor.filter(|_| live) {
        let plugged = hotplug(&monitor, count).await;
        // After a failure part way, the live definition still shows what QEMU runs.
        let now = match &plugged {
            Ok(online) => Some(*online),
            Err(_) => entities(&monitor).await.ok().map(|list| online(&list)),
        };
        if let Some(now) = now {
            let mut dom = slot.lock();
            if let Some(run) = dom.run.as_mut() {
                run.live.vcpu.current = now;
            }
            save_status(inner, &dom);
        }
        plugged?;
    }
    if config {
        let def = {
            let mut dom = slot.lock();
            let vcpu = &mut dom.def.vcpu;
            if maximum {
                vcpu.max = count;
                vcpu.current = vcpu.current.min(count);
            } else {
                vcpu.current = count;
            }
            dom.def.clone()
        };
        inner.store.save_definition(&def)?;
    }
    Ok(())
}

/// libvirt's checks of a new count for the persistent definition.
fn check_config(def: &virtbus_core::model::DomainDef, count: u32, maximum: bool) -> Result<()> {
    if maximum {
        if let Some((s, d, c, t)) = def.cpu.as_deref().and_then(|cpu| cpu.topology) {
            if u64::from(s) * u64::from(d.max(1)) * u64::from(c) * u64::from(t) != u64::from(count)
            {
                return Err(Error::InvalidArg(
                    "CPU topology doesn't match the desired vcpu count".to_owned(),
                ));
            }
        }
        return Ok(());
    }
    if count > def.vcpu.max {
        return Err(Error::InvalidArg(format!(
            "requested vcpus is greater than max allowable vcpus for the persistent domain: {count} > {}",
            def.vcpu.max
        )));
    }
    Ok(())
}

/// One of QEMU's hotpluggable CPU entities.
#[derive(Debug, Clone)]
struct Entity {
    /// The CPU device type (`qemu64-x86_64-cpu`).
    driver: String,
    /// Where it sits (`socket-id`, `core-id`, `thread-id`, ...).
    props: Map<String, Value>,
    /// The vCPUs it holds.
    vcpus: u32,
    /// Its QOM path when plugged.
    qom_path: Option<String>,
}

impl Entity {
    /// The entity's position, for a stable order (sockets, dies, cores, threads).
    fn order(&self) -> Vec<i64> {
        ["node-id", "socket-id", "die-id", "core-id", "thread-id"]
            .iter()
            .map(|k| self.props.get(*k).and_then(Value::as_i64).unwrap_or(0))
            .collect()
    }

    /// The device id given to an entity this driver plugs (`vcpuN`, N its first vCPU).
    fn alias(index: usize) -> String {
        format!("vcpu{index}")
    }
}

/// The hotpluggable entities, in topology order.
async fn entities(monitor: &Qmp) -> Result<Vec<Entity>> {
    let reply = monitor
        .execute("query-hotpluggable-cpus", None)
        .await
        .map_err(monitor_error)?;
    let mut list: Vec<Entity> = reply
        .as_array()
        .ok_or_else(|| {
            Error::Internal(format!("unexpected query-hotpluggable-cpus reply: {reply}"))
        })?
        .iter()
        .map(|e| Entity {
            driver: e["type"].as_str().unwrap_or_default().to_owned(),
            props: e["props"].as_object().cloned().unwrap_or_default(),
            vcpus: e["vcpus-count"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1),
            qom_path: e["qom-path"].as_str().map(str::to_owned),
        })
        .collect();
    list.sort_by_key(Entity::order);
    Ok(list)
}

/// The number of vCPUs the plugged entities hold.
fn online(list: &[Entity]) -> u32 {
    list.iter()
        .filter(|e| e.qom_path.is_some())
        .map(|e| e.vcpus)
        .sum()
}

/// Plugs or unplugs entities until `count` vCPUs are online; returns the count reached.
async fn hotplug(monitor: &Qmp, count: u32) -> Result<u32> {
    let list = entities(monitor).await?;
    let mut current = online(&list);
    let unreachable = || {
        Error::OperationFailed(
            "failed to find appropriate hotpluggable vcpus to reach the desired target vcpu count"
                .to_owned(),
        )
    };
    if count > current {
        // The first absent entities, in order, until the count is reached exactly.
        let mut plan = Vec::new();
        let mut reach = current;
        for (index, entity) in list.iter().enumerate() {
            if reach >= count {
                break;
            }
            if entity.qom_path.is_none() {
                reach += entity.vcpus;
                plan.push((index, entity));
            }
        }
        if reach != count {
            return Err(unreachable());
        }
        for (index, entity) in plan {
            let mut args = entity.props.clone();
            args.insert("driver".into(), json!(entity.driver));
            args.insert("id".into(), json!(Entity::alias(index)));
            monitor
                .execute("device_add", Some(Value::Object(args)))
                .await
                .map_err(monitor_error)?;
            current += entity.vcpus;
        }
    } else if count < current {
        // Only entities this driver plugged can leave, the last ones first.
        let mut plan = Vec::new();
        let mut reach = current;
        for (index, entity) in list.iter().enumerate().rev() {
            if reach <= count {
                break;
            }
            let ours = entity
                .qom_path
                .as_deref()
                .is_some_and(|p| p.ends_with(&format!("/{}", Entity::alias(index))));
            if ours {
                reach -= entity.vcpus;
                plan.push(Entity::alias(index));
            }
        }
        if reach != count {
            return Err(unreachable());
        }
        for alias in &plan {
            monitor
                .execute("device_del", Some(json!({ "id": alias })))
                .await
                .map_err(monitor_error)?;
        }
        current = wait_unplugged(monitor, &plan).await?;
    }
    Ok(current)
}

/// Waits until the entities `aliases` are gone (the guest released them); returns the
/// vCPUs then online.
async fn wait_unplugged(monitor: &Qmp, aliases: &[String]) -> Result<u32> {
    let deadline = tokio::time::Instant::now() + UNPLUG_WAIT;
    loop {
        let list = entities(monitor).await?;
        let left = list.iter().any(|e| {
            e.qom_path
                .as_deref()
                .is_some_and(|p| aliases.iter().any(|a| p.ends_with(&format!("/{a}"))))
        });
        if !left {
            return Ok(online(&list));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::OperationFailed(
                "vcpu unplug request timed out. Unplug result must be manually inspected in the domain"
                    .to_owned(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
