//! The host CPU as `virConnectCompareCPU` compares against it: its vendor and features,
//! read from the `flags` of `/proc/cpuinfo` and named as libvirt's x86 CPU map names them.
//!
//! libvirt reads CPUID itself; Linux's flags are the same bits under Linux's names, except
//! that Linux hides `osxsave` (always set when the kernel enables XSAVE, which it does when
//! `xsave` is present) and splits `invtsc` into `constant_tsc` and `nonstop_tsc`. Flags that
//! are Linux's own inventions (`rep_good`, `xtopology`, ...) match no map feature and are
//! left out, as are features libvirt's map does not know.

use virtbus_core::{cpu::x86_compare::HostCpu, Result};

use crate::host::HostFs;

/// Linux flag names that differ from the map's by more than `_` for `-`.
const RENAMED: &[(&str, &str)] = &[
    ("pclmulqdq", "pclmuldq"),
    ("sse4_1", "sse4.1"),
    ("sse4_2", "sse4.2"),
    ("tsc_deadline_timer", "tsc-deadline"),
    ("cr8_legacy", "cr8legacy"),
    ("avx512_vbmi2", "avx512vbmi2"),
    ("avx512_vnni", "avx512vnni"),
    ("avx512_bitalg", "avx512bitalg"),
    ("avx512_4vnniw", "avx512-4vnniw"),
    ("avx512_4fmaps", "avx512-4fmaps"),
];

/// Linux flag names the map keeps with `_`.
const UNDERSCORED: &[&str] = &[
    "lahf_lm",
    "cmp_legacy",
    "fxsr_opt",
    "ds_cpl",
    "nodeid_msr",
    "perfctr_core",
    "perfctr_nb",
    "tsc_adjust",
];

/// The map name of a Linux flag (`None` when the map has no such feature).
pub fn libvirt_name(flag: &str) -> Option<&'static str> {
    let candidate = RENAMED
        .iter()
        .find(|(l, _)| *l == flag)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_else(|| {
            if UNDERSCORED.contains(&flag) {
                flag.to_owned()
            } else {
                flag.replace('_', "-")
            }
        });
    virtbus_core::cpu::x86::known_feature(&candidate)
}

/// The host CPU described by a `/proc/cpuinfo` text (its first processor).
pub fn from_cpuinfo(text: &str) -> HostCpu {
    let field = |name: &str| {
        text.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
    };
    let vendor = field("vendor_id").and_then(|v| crate::cpu_probe::vendor_name(&v));
    let flags = field("flags").unwrap_or_default();
    let flags: Vec<&str> = flags.split_whitespace().collect();
    let mut features: Vec<String> = flags
        .iter()
        .filter_map(|f| libvirt_name(f))
        .map(str::to_owned)
        .collect();
    if flags.contains(&"xsave") {
        features.push("osxsave".to_owned());
    }
    if flags.contains(&"constant_tsc") && flags.contains(&"nonstop_tsc") {
        features.push("invtsc".to_owned());
    }
    features.sort();
    features.dedup();
    HostCpu { vendor, features }
}

impl HostFs {
    /// The host CPU, from `/proc/cpuinfo`.
    pub fn host_cpu(&self) -> Result<HostCpu> {
        let text = std::fs::read_to_string(self.path("proc/cpuinfo")).map_err(|e| {
            virtbus_core::Error::System(format!(
                "cannot read /proc/cpuinfo: {}",
                crate::store::errno_text(&e)
            ))
        })?;
        Ok(from_cpuinfo(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_map_names() {
        let info = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme pni \
                    pclmulqdq sse4_1 tsc_deadline_timer lahf_lm cr8_legacy sha_ni \
                    avx512_bf16 rep_good xsave constant_tsc nonstop_tsc\n\nprocessor\t: 1\n";
        let cpu = from_cpuinfo(info);
        assert_eq!(cpu.vendor.as_deref(), Some("AMD"));
        assert_eq!(
            cpu.features,
            [
                "avx512-bf16",
                "cr8legacy",
                "fpu",
                "invtsc",
                "lahf_lm",
                "osxsave",
                "pclmuldq",
                "pni",
                "sha-ni",
                "sse4.1",
                "tsc-deadline",
                "vme",
                "xsave"
            ]
        );
        assert_eq!(from_cpuinfo("").features, Vec::<String>::new());
    }

    #[test]
    fn the_real_host_has_the_basics() {
        let cpu = HostFs::real().host_cpu().unwrap();
        for f in ["fpu", "sse2", "lm"] {
            assert!(
                cpu.features.iter().any(|x| x == f),
                "{f}: {:?}",
                cpu.features
            );
        }
    }
}
