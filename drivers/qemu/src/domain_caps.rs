//! `virConnectGetDomainCapabilities` on the QEMU connection: the arguments resolved as
//! libvirt 9.0's `virQEMUCapsCacheLookupDefault` resolves them (empty strings mean the
//! defaults: the host's architecture, its emulator, the emulator's default machine, KVM when
//! usable and TCG otherwise), with libvirt's errors, and the document filled from the probed
//! emulator ([`crate::emulator`], [`crate::cpu_probe`]) and from what this driver's command
//! line builder accepts: what it refuses is reported `supported='no'`.
//!
//! Compared with libvirt 9.0 on the same host and QEMU (`virsh domcapabilities`), the path,
//! domain, machine, arch, vCPU maximum, the four CPU modes (host-model and the custom
//! models with `usable` and `vendor`, in QEMU's order) are the same. These differ, each
//! because the command line builder refuses it: `<iothreads>`, `<loader>` (so no loader
//! enums), `<memoryBacking>`, `<hostdev>`, `<filesystem>`, `<tpm>`, `<redirdev>` and the
//! features `vmcoreinfo`, `genid`, `backingStoreInput`, `backup`, `hyperv` are
//! `supported='no'`; the enums list only what the builder takes: disk devices `disk` and
//! `cdrom` (no `floppy`, `lun`), buses `ide` (i440fx only), `scsi`, `virtio`, `sata` (no
//! `fdc`, `usb`), no disk models; graphics `vnc` only; video `vga`, `cirrus`, `virtio`,
//! `none`, `bochs`; RNG model `virtio` with backends `random` and `builtin`; channel types
//! `pty` and `unix`. A binary that is not QEMU fails with virtbus's probe error rather than
//! libvirt's pidfile error.

use std::path::PathBuf;

use virtbus_core::{
    cpu::{
        x86,
        x86_compare::{describe, Candidate},
    },
    model::{
        is_known_arch, CapsElement, CapsEnum, CpuCaps, CpuDef, CpuModeCaps, CpuModelCaps,
        DomainCaps, HostModelCaps, OsCaps, Usable,
    },
    xml::is_known_domain_type,
    Error, Result,
};

use crate::{
    command_line::HostFacts,
    cpu_probe::{self, libvirt_feature_name, CpuProbe},
    emulator,
};

/// The four arguments of `virConnectGetDomainCapabilities`; empty means "default".
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// `emulatorbin`.
    pub emulator: &'a str,
    /// `arch`.
    pub arch: &'a str,
    /// `machine`.
    pub machine: &'a str,
    /// `virttype`.
    pub virttype: &'a str,
}

/// The host's architecture as libvirt names it.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i686",
        "powerpc64" => "ppc64",
        other => other,
    }
}

/// Whether two architectures belong to one family that one emulator serves (libvirt's
/// `ARCH_IS_X86`, `ARCH_IS_PPC`, `ARCH_IS_ARM`, `ARCH_IS_S390`).
fn same_family(a: &str, b: &str) -> bool {
    fn family(arch: &str) -> Option<&'static str> {
        match arch {
            "i686" | "x86_64" => Some("x86"),
            "ppc" | "ppcle" | "ppc64" | "ppc64le" | "ppcemb" => Some("ppc"),
            "armv6l" | "armv7l" | "armv7b" | "aarch64" => Some("arm"),
            "s390" | "s390x" => Some("s390"),
            _ => None,
        }
    }
    a == b || (family(a).is_some() && family(a) == family(b))
}

/// The request resolved: the emulator, its probe, and the answers to put in the document.
struct Resolved {
    binary: String,
    cpus: std::sync::Arc<CpuProbe>,
    arch: String,
    virttype: String,
    machine: String,
    max_cpus: u32,
}

/// `virQEMUCapsCacheLookupDefault`: the arguments checked in libvirt's order.
fn resolve(req: &Request<'_>, host: &HostFacts) -> Result<Resolved> {
    let virttype = match req.virttype {
        "" | "none" => None,
        t if is_known_domain_type(t) => Some(t),
        t => return Err(Error::InvalidArg(format!("unknown virttype: {t}"))),
    };
    let arch = match req.arch {
        "" => host_arch().to_owned(),
        a if is_known_arch(a) => a.to_owned(),
        a => return Err(Error::InvalidArg(format!("unknown architecture: {a}"))),
    };
    let path = if req.emulator.is_empty() {
        emulator::locate(None, &arch).map_err(|_| {
            Error::ConfigUnsupported(format!(
                "unable to find any emulator to serve '{arch}' architecture"
            ))
        })?
    } else {
        PathBuf::from(req.emulator)
    };
    let binary = path.display().to_string();
    if let Err(e) = std::fs::metadata(&path) {
        return Err(Error::System(format!(
            "Cannot check QEMU binary {binary}: {}",
            crate::store::errno_text(&e)
        )));
    }
    let emulator = emulator::probe(&path)?;
    let cpus = cpu_probe::probe(&path)?;
    let emu_arch = cpus.arch.clone().unwrap_or_else(|| arch.clone());
    if !same_family(&emu_arch, &arch) {
        return Err(Error::InvalidArg(format!(
            "architecture from emulator '{emu_arch}' doesn't match given architecture '{arch}'"
        )));
    }
    let virttype = match virttype {
        None if host.kvm_usable => "kvm",
        None => "qemu",
        Some(t) => t,
    };
    let accel = match virttype {
        "kvm" => "kvm",
        "hvf" => "hvf",
        _ => "tcg",
    };
    let accel_ok = match virttype {
        "qemu" => true,
        "kvm" => host.kvm_usable,
        _ => false,
    };
    if !accel_ok {
        return Err(Error::InvalidArg(format!(
            "the accel '{accel}' is not supported by '{binary}' on this host"
        )));
    }
    let machine = if req.machine.is_empty() {
        emulator.default_machine()
    } else {
        emulator.machine(req.machine)
    }
    .ok_or_else(|| {
        Error::InvalidArg(format!(
            "the machine '{}' is not supported by emulator '{binary}'",
            req.machine
        ))
    })?;
    Ok(Resolved {
        machine: machine.name.clone(),
        max_cpus: machine.cpu_max,
        binary,
        cpus,
        arch,
        virttype: virttype.to_owned(),
    })
}

/// The domain capabilities for `req` on a host with `host`'s facts.
pub fn domain_capabilities(req: &Request<'_>, host: &HostFacts) -> Result<DomainCaps> {
    let r = resolve(req, host)?;
    let q35 = r.machine.starts_with("pc-q35-") || r.machine == "q35";
    let kvm = r.virttype == "kvm";
    Ok(DomainCaps {
        path: r.binary.clone(),
        domain: r.virttype.clone(),
        machine: Some(r.machine.clone()),
        arch: r.arch.clone(),
        vcpu_max: Some(r.max_cpus),
        // The command line builder refuses <iothreads>.
        iothreads: Some(false),
        os: Some(OsCaps {
            supported: true,
            firmware: Vec::new(),
            // The command line builder refuses <loader>, <nvram> and firmware=.
            loader: Some(CapsElement::no("loader")),
        }),
        cpu: Some(cpu_caps(&r, kvm)),
        // The domain model has no <memoryBacking>.
        memory_backing: Some(CapsElement::no("memoryBacking")),
        devices: devices(q35),
        features: features(),
    })
}

/// `<cpu>`: host-passthrough only with KVM; maximum; host-model under TCG (the builder
/// refuses it with KVM); the custom models QEMU offers that libvirt's map knows.
fn cpu_caps(r: &Resolved, kvm: bool) -> CpuCaps {
    let x86 = matches!(r.arch.as_str(), "x86_64" | "i686");
    let custom = r
        .cpus
        .definitions
        .iter()
        .filter_map(|d| {
            let vendor = if x86 {
                x86::model_vendor(&d.name)?
            } else {
                None
            };
            Some(CpuModelCaps {
                name: d.name.clone(),
                usable: if d.unavailable.is_empty() {
                    Usable::Yes
                } else {
                    Usable::No
                },
                deprecated: d.deprecated,
                vendor: vendor.unwrap_or("unknown").to_owned(),
            })
        })
        .collect::<Vec<_>>();
    CpuCaps {
        host_passthrough: CpuModeCaps {
            supported: kvm,
            enums: if kvm {
                vec![CapsEnum::new("hostPassthroughMigratable", &["on", "off"])]
            } else {
                vec![]
            },
        },
        maximum: CpuModeCaps {
            supported: true,
            enums: vec![CapsEnum::new("maximumMigratable", &["on", "off"])],
        },
        // The command line builder gives host-model under TCG only.
        host_model: if kvm || !x86 {
            HostModelCaps::default()
        } else {
            tcg_host_model(&r.cpus).unwrap_or_default()
        },
        custom_supported: !custom.is_empty(),
        custom,
    }
}

/// The host-model CPU libvirt computes for TCG from the emulator's `max` CPU (the model
/// that describes it best among the models QEMU offers, with QEMU's blockers); `None` for
/// an architecture other than x86 or when nothing fits.
pub fn tcg_host_model(cpus: &CpuProbe) -> Option<HostModelCaps> {
    if !matches!(cpus.arch.as_deref(), Some("x86_64" | "i686")) {
        return None;
    }
    let candidates: Vec<Candidate> = cpus
        .definitions
        .iter()
        .map(|d| Candidate {
            name: d.name.clone(),
            blockers: d
                .unavailable
                .iter()
                .map(|f| libvirt_feature_name(f))
                .collect(),
        })
        .collect();
    let described = describe(
        cpus.max_vendor.as_deref(),
        &cpus.max_features,
        Some(&candidates),
    )
    .ok()?;
    Some(HostModelCaps {
        supported: true,
        model: Some((described.model.to_owned(), "forbid".to_owned())),
        vendor: cpus.max_vendor.clone(),
        features: described
            .features
            .iter()
            .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
            .collect(),
    })
}

/// The `-cpu` value of a host-model guest under TCG on `emulator`: the model and features of
/// [`tcg_host_model`] (`EPYC,acpi=on,...,vme=off`).
pub fn tcg_host_model_option(emulator: &std::path::Path) -> Result<String> {
    let hm = tcg_host_model_of(emulator)?;
    let (model, _) = hm.model.unwrap_or_default();
    let mut opt = model;
    for (policy, name) in &hm.features {
        let value = if policy == "disable" { "off" } else { "on" };
        opt.push_str(&format!(",{name}={value}"));
    }
    Ok(opt)
}

/// The host-model CPU of `emulator` under TCG, or libvirt's error when none describes it.
fn tcg_host_model_of(emulator: &std::path::Path) -> Result<HostModelCaps> {
    let probe = cpu_probe::probe(emulator)?;
    tcg_host_model(&probe).ok_or_else(|| {
        Error::ConfigUnsupported(format!(
            "CPU mode 'host-model' is not supported: no CPU model of '{}' describes its \
             maximum CPU",
            emulator.display()
        ))
    })
}

/// The `<cpu>` a running host-model guest shows in its live XML under TCG: the CPU it got,
/// as a custom model with its vendor and features (libvirt's `qemuProcessUpdateGuestCPU`
/// rewrites host-model the same way), keeping the requested topology.
pub fn tcg_host_model_live_cpu(emulator: &std::path::Path, requested: &CpuDef) -> Result<CpuDef> {
    let hm = tcg_host_model_of(emulator)?;
    let (model, fallback) = hm.model.unzip();
    Ok(CpuDef {
        mode: Some("custom".to_owned()),
        match_: Some("exact".to_owned()),
        check: Some("full".to_owned()),
        model,
        fallback,
        vendor: hm.vendor,
        topology: requested.topology,
        features: hm.features,
        migratable: None,
    })
}

/// `<devices>`, as far as the command line builder goes.
fn devices(q35: bool) -> Vec<CapsElement> {
    let buses: &[&str] = if q35 {
        &["scsi", "virtio", "sata"]
    } else {
        &["ide", "scsi", "virtio", "sata"]
    };
    vec![
        CapsElement::yes(
            "disk",
            vec![
                CapsEnum::new("diskDevice", &["disk", "cdrom"]),
                CapsEnum::new("bus", buses),
                CapsEnum::new("model", &[]),
            ],
        ),
        CapsElement::yes("graphics", vec![CapsEnum::new("type", &["vnc"])]),
        CapsElement::yes(
            "video",
            vec![CapsEnum::new(
                "modelType",
                &["vga", "cirrus", "virtio", "none", "bochs"],
            )],
        ),
        CapsElement::no("hostdev"),
        CapsElement::yes(
            "rng",
            vec![
                CapsEnum::new("model", &["virtio"]),
                CapsEnum::new("backendModel", &["random", "builtin"]),
            ],
        ),
        CapsElement::no("filesystem"),
        CapsElement::no("tpm"),
        CapsElement::no("redirdev"),
        CapsElement::yes("channel", vec![CapsEnum::new("type", &["pty", "unix"])]),
    ]
}

/// `<features>`: none of these is accepted by the command line builder.
fn features() -> Vec<CapsElement> {
    [
        "gic",
        "vmcoreinfo",
        "genid",
        "backingStoreInput",
        "backup",
        "sev",
        "sgx",
        "hyperv",
    ]
    .iter()
    .map(|n| CapsElement::no(n))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_families() {
        assert!(same_family("i686", "x86_64"));
        assert!(same_family("ppc64le", "ppc64"));
        assert!(!same_family("aarch64", "x86_64"));
        assert!(same_family("riscv64", "riscv64"));
    }
}
