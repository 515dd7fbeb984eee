//! libvirt 9.0's CPU drivers without a hypervisor: the CPU models of each architecture
//! (`virConnectGetCPUModelNames`) and `virConnectBaselineCPU`, computed by the x86 driver from
//! its CPU map ([`x86`]), the ppc64 driver (one model for all), and the ARM driver (the first
//! CPU's model). The host CPUs they read are [`crate::model::CpuSpec`].

pub mod x86;
pub mod x86_compare;
mod x86_data;

use crate::{
    error::{Error, Result},
    model::{is_known_arch, CpuSpec},
    xml::format_cpu,
};

/// VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES: list every feature of the chosen model.
pub const BASELINE_EXPAND_FEATURES: u32 = 1;
/// VIR_CONNECT_BASELINE_CPU_MIGRATABLE: leave out the features that block migration.
pub const BASELINE_MIGRATABLE: u32 = 2;

/// Which CPU driver of libvirt serves an architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuDriver {
    X86,
    Ppc64,
    Arm,
    /// s390: a driver without baseline.
    S390,
    /// A known architecture no CPU driver serves.
    None,
}

/// The CPU driver of `arch`, or `None` when libvirt does not know the architecture.
pub fn driver_for(arch: &str) -> Option<CpuDriver> {
    if !is_known_arch(arch) {
        return None;
    }
    Some(match arch {
        "i686" | "x86_64" => CpuDriver::X86,
        "ppc64" | "ppc64le" => CpuDriver::Ppc64,
        "armv6l" | "armv7l" | "armv7b" | "aarch64" => CpuDriver::Arm,
        "s390" | "s390x" => CpuDriver::S390,
        _ => CpuDriver::None,
    })
}

/// The CPU models of the ppc64 driver.
pub const PPC64_MODELS: &[&str] = &[
    "POWER6",
    "POWER7",
    "POWER8",
    "POWER9",
    "POWER10",
    "POWERPC_e5500",
    "POWERPC_e6500",
];

/// `virConnectGetCPUModelNames`: the models of the CPU driver serving `arch` (none for the
/// ARM and s390 drivers), with libvirt's errors for an architecture no CPU driver serves and
/// one libvirt does not know.
pub fn model_names(arch: &str) -> Result<Vec<String>> {
    let models: Vec<&str> = match driver_for(arch) {
        Some(CpuDriver::X86) => x86::model_names().collect(),
        Some(CpuDriver::Ppc64) => PPC64_MODELS.to_vec(),
        Some(CpuDriver::Arm | CpuDriver::S390) => Vec::new(),
        Some(CpuDriver::None) => return Err(no_cpu_driver(arch)),
        None => {
            return Err(Error::InvalidArg(format!(
                "cannot find architecture {arch}"
            )))
        }
    };
    Ok(models.into_iter().map(str::to_owned).collect())
}

/// NoSupport for a known architecture that no CPU driver serves.
fn no_cpu_driver(arch: &str) -> Error {
    Error::NoSupport(static_text(format!(
        "'{arch}' architecture is not supported by CPU driver"
    )))
}

/// virConnectBaselineCPU as a driver answers it: the public API's check of the list, the
/// flags the driver `allowed` (named `function` in the error), every `<cpu>` parsed, then
/// the baseline with EXPAND_FEATURES and MIGRATABLE as given.
pub fn baseline_xml(
    xml_cpus: &[String],
    flags: u32,
    allowed: u32,
    function: &str,
) -> Result<String> {
    // libvirt's public API refuses an empty list before the driver sees it.
    if xml_cpus.is_empty() {
        return Err(Error::InvalidArgBare(
            "xmlCPUs in virConnectBaselineCPU must not be NULL".to_owned(),
        ));
    }
    crate::flags::check_flags(flags, allowed, function)?;
    let cpus = xml_cpus
        .iter()
        .map(|x| crate::xml::parse_cpu(x))
        .collect::<Result<Vec<_>>>()?;
    baseline_migratable(
        &cpus,
        flags & BASELINE_EXPAND_FEATURES != 0,
        flags & BASELINE_MIGRATABLE != 0,
    )
}

/// The most featureful CPU every one of `cpus` can run, formatted as libvirt formats the
/// guest CPU it computes (`virConnectBaselineCPU`); the first CPU's architecture picks the
/// CPU driver. `expand` lists every feature of the chosen model (x86 only).
pub fn baseline(cpus: &[CpuSpec], expand: bool) -> Result<String> {
    baseline_migratable(cpus, expand, false)
}

/// [`baseline`]; with `migratable`, the x86 result leaves out the features that block
/// migration (VIR_CONNECT_BASELINE_CPU_MIGRATABLE).
pub fn baseline_migratable(cpus: &[CpuSpec], expand: bool, migratable: bool) -> Result<String> {
    let Some(first) = cpus.first() else {
        return Err(Error::InvalidArg("no CPUs given".to_owned()));
    };
    let arch = first.arch.as_str();
    match driver_for(arch) {
        Some(CpuDriver::X86) => Ok(x86::baseline_with(cpus, expand, migratable)?.format()),
        Some(CpuDriver::Ppc64) => ppc64_baseline(cpus),
        Some(CpuDriver::Arm) => Ok(format_cpu(&first.model, "allow", None, &[])),
        Some(CpuDriver::S390) => Err(Error::NoSupport(static_text(format!(
            "cannot compute baseline CPU of {arch} architecture"
        )))),
        Some(CpuDriver::None) => Err(no_cpu_driver(arch)),
        None => Err(Error::ConfigUnsupported(format!(
            "Unknown architecture {arch}"
        ))),
    }
}

/// A `&'static str` for a text built from a known architecture name (the NoSupport error
/// carries static text): each distinct text is made static once and kept, and there are as
/// many as known architectures at most.
fn static_text(text: String) -> &'static str {
    use std::{
        collections::HashSet,
        sync::{Mutex, OnceLock},
    };
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| Mutex::new(HashSet::new()));
    let mut texts = texts.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(t) = texts.get(text.as_str()) {
        return t;
    }
    let t: &'static str = Box::leak(text.into_boxed_str());
    texts.insert(t);
    t
}

/// ppc64: every CPU must name the same known model.
fn ppc64_baseline(cpus: &[CpuSpec]) -> Result<String> {
    let mut model: Option<&str> = None;
    for cpu in cpus {
        let Some(known) = PPC64_MODELS.iter().find(|m| **m == cpu.model) else {
            return Err(Error::Internal(format!("Unknown CPU model {}", cpu.model)));
        };
        match model {
            None => model = Some(known),
            Some(m) if m == *known => {}
            Some(_) => return Err(Error::OperationFailed("CPUs are incompatible".to_owned())),
        }
    }
    Ok(format_cpu(model.unwrap_or_default(), "forbid", None, &[]))
}
