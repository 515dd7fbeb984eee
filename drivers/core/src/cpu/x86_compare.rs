//! libvirt 9.0's x86 CPU comparison (`virCPUx86Compare`, `x86Compute`) and the description
//! of a feature set as a model plus features (`x86Decode` for a guest CPU, as the host-model
//! CPU of domain capabilities is computed, and for the host CPU of capabilities), over the
//! CPU map of [`super::x86`].
//!
//! Where this differs from libvirt: the map holds features by name, not CPUID bits, so
//! features are compared by name (two names for one bit do not occur in the map); models'
//! CPUID signatures are not in it, so the decoders do not prefer a model with the host's
//! family and model (no 9.0 model has the signature of this project's machines, so the
//! answers agree here); VIR_CONNECT_COMPARE_CPU_VALIDATE_XML is accepted without validating
//! against libvirt's RNG schema. Like libvirt's API (and unlike `virsh cpu-compare`, which
//! digs the `<cpu>` out client-side), only a `<cpu>` document is accepted.

use super::x86::{map, FeatureSet, Map};
use crate::{
    error::{Error, Result},
    model::{CompareCpu, CpuKind, CpuMatch, FeaturePolicy},
};

/// VIR_CPU_COMPARE_INCOMPATIBLE.
pub const INCOMPATIBLE: i32 = 0;
/// VIR_CPU_COMPARE_IDENTICAL.
pub const IDENTICAL: i32 = 1;
/// VIR_CPU_COMPARE_SUPERSET.
pub const SUPERSET: i32 = 2;

/// A host CPU as the comparison sees it: its vendor and every feature it has.
#[derive(Debug, Clone)]
pub struct HostCpu {
    /// `Intel`, `AMD`, `Hygon`.
    pub vendor: Option<String>,
    /// The features present, by CPU-map name (names the map does not know are ignored).
    pub features: Vec<String>,
}

/// The features of `names` the map knows.
fn known(map: &Map, names: &[String]) -> FeatureSet {
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    map.set(&refs)
}

/// `x86ModelFromCPU(cpu, policy)`: what a CPU lists under one policy (its model's features
/// count as required); unknown models and features are libvirt's internal errors.
fn features_with(map: &Map, cpu: &CompareCpu, policy: FeaturePolicy) -> Result<FeatureSet> {
    let mut set = FeatureSet::default();
    if policy == FeaturePolicy::Require {
        if let Some(name) = &cpu.model {
            let model = map
                .model(name)
                .ok_or_else(|| Error::Internal(format!("Unknown CPU model {name}")))?;
            set = model.input;
        }
    } else if cpu.kind == CpuKind::Host {
        return Ok(set);
    }
    for (p, name) in &cpu.features {
        if cpu.kind == CpuKind::Guest && *p != policy {
            continue;
        }
        let i = map
            .feature(name)
            .ok_or_else(|| Error::Internal(format!("Unknown CPU feature {name}")))?;
        set.insert(i);
    }
    Ok(set)
}

/// "MESSAGE: f1, f2" with the features in map order, as `virX86CpuIncompatible` words it.
fn incompatible(message: &str, set: &FeatureSet) -> String {
    let names: Vec<&str> = set.names().collect();
    if names.is_empty() {
        message.to_owned()
    } else {
        format!("{message}: {}", names.join(", "))
    }
}

/// `x86Compute`: how `cpu` relates to `host`, with the reason when incompatible.
pub fn compute(host: &HostCpu, cpu: &CompareCpu) -> Result<(i32, Option<String>)> {
    let map = map();
    if let Some(arch) = &cpu.arch {
        if arch != "x86_64" && arch != "i686" {
            return Ok((
                INCOMPATIBLE,
                Some(format!("CPU arch {arch} does not match host arch")),
            ));
        }
    }
    if let Some(vendor) = &cpu.vendor {
        if host.vendor.as_deref() != Some(vendor.as_str()) {
            return Ok((
                INCOMPATIBLE,
                Some(format!(
                    "host CPU vendor does not match required CPU vendor {vendor}"
                )),
            ));
        }
    }
    let host_set = known(map, &host.features);
    let force = features_with(map, cpu, FeaturePolicy::Force)?;
    let mut require = features_with(map, cpu, FeaturePolicy::Require)?;
    let optional = features_with(map, cpu, FeaturePolicy::Optional)?;
    let disable = features_with(map, cpu, FeaturePolicy::Disable)?;
    let forbid = features_with(map, cpu, FeaturePolicy::Forbid)?;
    let forbidden = forbid.and(&host_set);
    if !forbidden.is_empty() {
        return Ok((
            INCOMPATIBLE,
            Some(incompatible(
                "Host CPU provides forbidden features",
                &forbidden,
            )),
        ));
    }
    require = require.minus(&force).minus(&optional).minus(&disable);
    let missing = require.minus(&host_set);
    if !missing.is_empty() {
        return Ok((
            INCOMPATIBLE,
            Some(incompatible(
                "Host CPU does not provide required features",
                &missing,
            )),
        ));
    }
    let extra = host_set
        .minus(&optional)
        .minus(&require)
        .minus(&disable)
        .minus(&force);
    if extra.is_empty() {
        return Ok((IDENTICAL, None));
    }
    if cpu.kind == CpuKind::Guest && cpu.match_ == CpuMatch::Strict {
        return Ok((
            INCOMPATIBLE,
            Some(incompatible(
                "Host CPU does not strictly match guest CPU: Extra features",
                &extra,
            )),
        ));
    }
    Ok((SUPERSET, None))
}

/// `virCPUx86Compare`: the VIR_CPU_COMPARE_* code, or with `fail_incompatible` the
/// VIR_ERR_CPU_INCOMPATIBLE error instead of INCOMPATIBLE.
pub fn compare(host: &HostCpu, cpu: &CompareCpu, fail_incompatible: bool) -> Result<i32> {
    let (result, message) = compute(host, cpu)?;
    if result == INCOMPATIBLE && fail_incompatible {
        return Err(Error::CpuIncompatible(message.unwrap_or_default()));
    }
    Ok(result)
}

/// A feature set described as libvirt describes a guest CPU: the model that fits best, then
/// the features to require and to disable, in map order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The model.
    pub model: &'static str,
    /// (policy, name): the required features, then the disabled ones.
    pub features: Vec<(&'static str, &'static str)>,
}

/// One model the hypervisor offers, with the features it cannot give (QEMU's
/// `unavailable-features`, libvirt's blockers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The model's name.
    pub name: String,
    /// Its blockers, by CPU-map name.
    pub blockers: Vec<String>,
}

/// `x86Decode` of a guest CPU's data (`x86DataToCPU`, `x86DecodeUseCandidate`): the
/// host-model CPU of domain capabilities. From the newest model to the oldest, among the
/// `candidates` the hypervisor offers (all models when `None`) of `vendor` or of none, the
/// one listing the fewest features wins (the newest of equals); a model's blockers the data
/// lacks count as features to disable. Models' CPUID signatures are not in this map, so
/// libvirt's preference for a model with the host's family and model is not applied.
pub fn describe(
    vendor: Option<&str>,
    features: &[String],
    candidates: Option<&[Candidate]>,
) -> Result<Described> {
    let map = map();
    let data = known(map, features);
    let mut best: Option<(&'static str, FeatureSet, FeatureSet)> = None;
    for model in map.models_newest_first() {
        if !model.data.decodable {
            continue;
        }
        if let (Some(v), Some(mv)) = (vendor, model.data.vendor) {
            if v != mv {
                continue;
            }
        }
        let mut model_data = model.input;
        if let Some(list) = candidates {
            let Some(c) = list.iter().find(|c| c.name == model.data.name) else {
                continue;
            };
            model_data = model_data.or(&known(map, &c.blockers).minus(&data));
        }
        let required = data.minus(&model_data);
        let disabled = model_data.minus(&data);
        let better = match &best {
            None => true,
            Some((_, r, d)) => r.len() + d.len() > required.len() + disabled.len(),
        };
        if better {
            best = Some((model.data.name, required, disabled));
        }
    }
    let Some((model, required, disabled)) = best.filter(|_| !data.is_empty()) else {
        return Err(Error::Internal(
            "Cannot find suitable CPU model for given data".to_owned(),
        ));
    };
    Ok(Described {
        model,
        features: required
            .names()
            .map(|n| ("require", n))
            .chain(disabled.names().map(|n| ("disable", n)))
            .collect(),
    })
}

/// `x86Decode` of a host CPU (libvirt's `<host><cpu>` in capabilities): from the newest
/// model to the oldest, among models of the host's vendor or of none, one whose features
/// the host all has (a host CPU disables nothing) and that leaves the fewest features to
/// list (the newest of equals); then the host's other features in map order. Models' CPUID
/// signatures are not in this map, so libvirt's preference for a model with the host's
/// family and model is not applied.
pub fn describe_host(host: &HostCpu) -> Option<(&'static str, Vec<&'static str>)> {
    let map = map();
    let data = known(map, &host.features);
    let mut best: Option<(&'static str, FeatureSet)> = None;
    for model in map.models_newest_first() {
        if !model.data.decodable || !model.input.minus(&data).is_empty() {
            continue;
        }
        if let (Some(v), Some(mv)) = (host.vendor.as_deref(), model.data.vendor) {
            if v != mv {
                continue;
            }
        }
        let extra = data.minus(&model.input);
        if best.as_ref().is_none_or(|(_, e)| e.len() > extra.len()) {
            best = Some((model.data.name, extra));
        }
    }
    best.map(|(name, extra)| (name, extra.names().collect()))
}
