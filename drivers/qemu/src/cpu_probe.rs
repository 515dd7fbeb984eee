//! What the emulator offers guests for CPUs under TCG, read once over QMP on stdio
//! (`-machine none -accel tcg`): the CPU models with their unavailable features
//! (`query-cpu-definitions`) and the features of the `max` CPU
//! (`query-cpu-model-expansion`, type `full`), cached by binary path and modification time
//! as [`crate::emulator`] caches the machine types.
//!
//! QEMU names some features differently from libvirt's CPU map (`sse4-1`, `lahf-lm`,
//! `pclmulqdq`): [`libvirt_feature_name`] translates them as libvirt's
//! `virQEMUCapsCPUFeatureFromQEMU` does.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock},
    time::SystemTime,
};

use serde_json::Value;
use virtbus_core::{Error, Result};

use crate::emulator::{run_with_timeout, PROBE_TIMEOUT};

/// One CPU model of `query-cpu-definitions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuDefinition {
    /// QEMU's name for it.
    pub name: String,
    /// Features it needs that this accelerator cannot give (empty: usable).
    pub unavailable: Vec<String>,
    /// Whether QEMU deprecates it.
    pub deprecated: bool,
}

/// The CPU facts of one emulator under TCG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuProbe {
    /// The architecture the emulator runs, as libvirt names it (`query-target`).
    pub arch: Option<String>,
    /// The models, in QEMU's order.
    pub definitions: Vec<CpuDefinition>,
    /// The vendor of the `max` CPU as libvirt names it (`AMD`, `Intel`), when known.
    pub max_vendor: Option<String>,
    /// The features the `max` CPU has, with libvirt's names.
    pub max_features: Vec<String>,
}

type Cache = Mutex<HashMap<PathBuf, (SystemTime, Arc<CpuProbe>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The QMP conversation of the probe.
const PROBE_INPUT: &str = concat!(
    "{\"execute\":\"qmp_capabilities\"}\n",
    "{\"execute\":\"query-target\",\"id\":\"target\"}\n",
    "{\"execute\":\"query-cpu-definitions\",\"id\":\"defs\"}\n",
    "{\"execute\":\"query-cpu-model-expansion\",\"id\":\"max\",",
    "\"arguments\":{\"type\":\"full\",\"model\":{\"name\":\"max\"}}}\n",
    "{\"execute\":\"quit\"}\n"
);

/// The CPU facts of the emulator at `path` (already checked to be QEMU by
/// [`crate::emulator::probe`]), probed once per modification time.
pub fn probe(path: &Path) -> Result<Arc<CpuProbe>> {
    let mtime = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    if let Some((cached, probe)) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(path) {
        if *cached == mtime {
            return Ok(probe.clone());
        }
    }
    let transcript = run_with_timeout(
        path,
        &[
            "-machine",
            "none",
            "-accel",
            "tcg",
            "-nodefaults",
            "-nographic",
            "-display",
            "none",
            "-qmp",
            "stdio",
        ],
        Some(PROBE_INPUT),
        PROBE_TIMEOUT,
    )?;
    let probe = Arc::new(parse_transcript(&transcript).ok_or_else(|| {
        Error::Internal(format!(
            "Failed to probe QEMU binary with QMP: {} did not describe its CPU models",
            path.display()
        ))
    })?);
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.to_owned(), (mtime, probe.clone()));
    Ok(probe)
}

/// The reply with `id` in a QMP transcript (one JSON message per line).
fn reply<'a>(messages: &'a [Value], id: &str) -> Option<&'a Value> {
    messages
        .iter()
        .find(|m| m.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|m| m.get("return"))
}

/// The probe's facts from its transcript; `None` when the CPU definitions are missing.
pub fn parse_transcript(transcript: &str) -> Option<CpuProbe> {
    let messages: Vec<Value> = transcript
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let definitions = reply(&messages, "defs")?
        .as_array()?
        .iter()
        .filter_map(|d| {
            Some(CpuDefinition {
                name: d.get("name")?.as_str()?.to_owned(),
                unavailable: d
                    .get("unavailable-features")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                deprecated: d
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
        })
        .collect();
    let props = reply(&messages, "max")
        .and_then(|r| r.get("model"))
        .and_then(|m| m.get("props"))
        .and_then(Value::as_object);
    let mut max_features: Vec<String> = Vec::new();
    let mut max_vendor = None;
    if let Some(props) = props {
        for (name, value) in props {
            match value {
                Value::Bool(true) => {
                    let name = libvirt_feature_name(name);
                    if !max_features.contains(&name) {
                        max_features.push(name);
                    }
                }
                Value::String(v) if name == "vendor" => max_vendor = vendor_name(v),
                _ => {}
            }
        }
    }
    max_features.sort();
    let arch = reply(&messages, "target")
        .and_then(|t| t.get("arch"))
        .and_then(Value::as_str)
        .map(libvirt_arch);
    Some(CpuProbe {
        arch,
        definitions,
        max_vendor,
        max_features,
    })
}

/// libvirt's name for a QEMU target architecture (`virQEMUCapsArchFromString`).
pub fn libvirt_arch(qemu: &str) -> String {
    match qemu {
        "i386" => "i686",
        "arm" => "armv7l",
        "or1k" => "openrisc",
        other => other,
    }
    .to_owned()
}

/// libvirt's vendor name for a CPUID vendor string.
pub fn vendor_name(cpuid: &str) -> Option<String> {
    match cpuid {
        "GenuineIntel" => Some("Intel".to_owned()),
        "AuthenticAMD" => Some("AMD".to_owned()),
        "HygonGenuine" => Some("Hygon".to_owned()),
        _ => None,
    }
}

/// libvirt's CPU-map name for a QEMU feature name (`virQEMUCapsCPUFeatureFromQEMU`, plus
/// QEMU's own aliases: `sse4-1` and `sse4_1` are `sse4.1`).
pub fn libvirt_feature_name(qemu: &str) -> String {
    let name = match qemu {
        "cmp-legacy" => "cmp_legacy",
        "ds-cpl" => "ds_cpl",
        "fxsr-opt" => "fxsr_opt",
        "kvm-pv-eoi" => "kvm_pv_eoi",
        "kvm-pv-unhalt" => "kvm_pv_unhalt",
        "lahf-lm" => "lahf_lm",
        "nodeid-msr" => "nodeid_msr",
        "pclmulqdq" => "pclmuldq",
        "perfctr-core" => "perfctr_core",
        "perfctr-nb" => "perfctr_nb",
        "tsc-adjust" => "tsc_adjust",
        "sse4-1" | "sse4_1" => "sse4.1",
        "sse4-2" | "sse4_2" => "sse4.2",
        other => other,
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_is_read() {
        let t = r#"{"QMP": {}}
{"return": {}}
{"return": {"arch": "i386"}, "id": "target"}
{"return": [{"name": "qemu64", "unavailable-features": [], "deprecated": false}, {"name": "phenom", "unavailable-features": ["fxsr-opt"]}], "id": "defs"}
{"return": {"model": {"name": "max", "props": {"sse4-1": true, "sse4.1": true, "lahf-lm": true, "vme": false, "vendor": "AuthenticAMD", "family": 15}}}, "id": "max"}
"#;
        let p = parse_transcript(t).unwrap();
        assert_eq!(p.arch.as_deref(), Some("i686"));
        assert_eq!(p.definitions.len(), 2);
        assert_eq!(p.definitions[1].unavailable, ["fxsr-opt"]);
        assert_eq!(p.max_vendor.as_deref(), Some("AMD"));
        assert_eq!(p.max_features, ["lahf_lm", "sse4.1"]);
        assert!(parse_transcript("{\"return\": {}}\n").is_none());
    }
}
