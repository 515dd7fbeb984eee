//! CPU comparison and host-model description against what libvirt 9.0 answered on this
//! project's machines: its host CPU (from `virsh capabilities`), the features of QEMU 7.2's
//! TCG `max` CPU (from `query-cpu-model-expansion`), and the results libvirt gave for each
//! input through `virConnectCompareCPU` and `virConnectGetDomainCapabilities`.

use virtbus_core::{
    cpu::x86_compare::{compare, describe, Candidate, HostCpu, IDENTICAL, INCOMPATIBLE, SUPERSET},
    model::{CpuKind, CpuMatch, FeaturePolicy},
    xml::parse_cpu_def,
    Error,
};

/// The model libvirt named the host CPU.
const HOST_MODEL: &str = "kvm64";
/// kvm64's own features.
const KVM64: &str = "apic clflush cmov cx16 cx8 de fpu fxsr lm mca mce mmx msr mtrr nx pae pat \
                     pge pni pse pse36 sep sse sse2 syscall tsc";
/// The features libvirt listed beside the host model.
const HOST_EXTRA: &str = "vme ht pclmuldq ssse3 fma pcid sse4.1 sse4.2 x2apic movbe popcnt \
    tsc-deadline aes xsave osxsave avx f16c rdrand hypervisor arat fsgsbase tsc_adjust bmi1 \
    avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb \
    avx512cd sha-ni avx512bw avx512vl avx512vbmi umip avx512vbmi2 gfni vaes vpclmulqdq \
    avx512vnni avx512bitalg avx512-vpopcntdq rdpid fsrm avx512-bf16 xsaveopt xsavec xgetbv1 \
    xsaves mmxext fxsr_opt pdpe1gb rdtscp lahf_lm cmp_legacy cr8legacy abm sse4a misalignsse \
    3dnowprefetch osvw topoext invtsc clzero xsaveerptr";

fn host() -> HostCpu {
    HostCpu {
        vendor: Some("AMD".to_owned()),
        features: KVM64
            .split_whitespace()
            .chain(HOST_EXTRA.split_whitespace())
            .map(str::to_owned)
            .collect(),
    }
}

fn cmp(xml: &str, fail: bool) -> Result<i32, Error> {
    compare(&host(), &parse_cpu_def(xml)?, fail)
}

fn text(r: Result<i32, Error>) -> String {
    match r {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("{} {e}", e.code()),
    }
}

#[test]
fn results_match_libvirt() {
    let host_xml = format!(
        "<cpu><arch>x86_64</arch><model>{HOST_MODEL}</model><vendor>AMD</vendor>{}</cpu>",
        HOST_EXTRA
            .split_whitespace()
            .map(|f| format!("<feature name='{f}'/>"))
            .collect::<String>()
    );
    assert_eq!(cmp(&host_xml, false).unwrap(), IDENTICAL);
    for (xml, want) in [
        (
            "<cpu><arch>x86_64</arch><model>qemu64</model></cpu>",
            INCOMPATIBLE,
        ),
        (
            "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>",
            INCOMPATIBLE,
        ),
        (
            "<cpu mode='custom' match='exact'><model>qemu64</model></cpu>",
            INCOMPATIBLE,
        ),
        (
            "<cpu><arch>ppc64</arch><model>POWER8</model></cpu>",
            INCOMPATIBLE,
        ),
        ("<cpu mode='host-model'/>", SUPERSET),
        ("<cpu mode='host-passthrough'/>", SUPERSET),
        ("<cpu mode='maximum'/>", SUPERSET),
        ("<cpu/>", SUPERSET),
        ("<cpu><model>Haswell</model></cpu>", INCOMPATIBLE),
        (
            "<cpu mode='custom' match='exact'><model>EPYC</model><vendor>Intel</vendor></cpu>",
            INCOMPATIBLE,
        ),
        ("<cpu><model>kvm64</model></cpu>", SUPERSET),
    ] {
        assert_eq!(cmp(xml, false).unwrap(), want, "{xml}");
    }
}

#[test]
fn fail_incompatible_gives_libvirts_reasons() {
    assert_eq!(
        text(cmp(
            "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>",
            true
        )),
        "91 the CPU is incompatible with host CPU: Host CPU does not provide required \
         features: hle, rtm"
    );
    assert_eq!(
        text(cmp(
            "<cpu mode='custom' match='strict'><model>qemu64</model></cpu>",
            true
        )),
        "91 the CPU is incompatible with host CPU: Host CPU does not provide required \
         features: svm"
    );
    assert_eq!(
        text(cmp(
            "<cpu><model>kvm64</model><feature policy='forbid' name='sse2'/></cpu>",
            true
        )),
        "91 the CPU is incompatible with host CPU: Host CPU provides forbidden features: sse2"
    );
    let strict = text(cmp("<cpu match='strict'><model>kvm64</model></cpu>", true));
    assert!(
        strict.starts_with(
            "91 the CPU is incompatible with host CPU: Host CPU does not strictly match guest \
             CPU: Extra features: vme, ht, "
        ),
        "{strict}"
    );
    assert_eq!(
        text(cmp(
            "<cpu><model>EPYC</model><vendor>Intel</vendor></cpu>",
            true
        )),
        "91 the CPU is incompatible with host CPU: host CPU vendor does not match required \
         CPU vendor Intel"
    );
    assert_eq!(
        text(cmp(
            "<cpu><arch>ppc64</arch><model>POWER8</model></cpu>",
            true
        )),
        "91 the CPU is incompatible with host CPU: CPU arch ppc64 does not match host arch"
    );
    // Disabling what the host lacks makes the model fit.
    assert_eq!(
        text(cmp(
            "<cpu><model>qemu64</model><feature policy='disable' name='svm'/></cpu>",
            true
        )),
        "ok 2"
    );
}

#[test]
fn bad_cpus_get_libvirts_errors() {
    for (xml, want) in [
        (
            "<capabilities/>",
            "27 XML error: XML does not contain expected 'cpu' element",
        ),
        (
            "<cpu mode='bogus'/>",
            "67 unsupported configuration: Invalid mode attribute 'bogus'",
        ),
        (
            "<cpu match='bogus'><model>qemu64</model></cpu>",
            "27 XML error: Invalid value for attribute 'match' in element 'cpu': 'bogus'.",
        ),
        (
            "<cpu><model>qemu64</model><feature policy='bogus' name='sse2'/></cpu>",
            "67 unsupported configuration: Invalid CPU feature policy",
        ),
        (
            "<cpu><feature name='sse2'/></cpu>",
            "27 XML error: Non-empty feature list specified without CPU model",
        ),
        (
            "<cpu match='exact'><arch>x86_64</arch><model>qemu64</model></cpu>",
            "27 XML error: 'arch' element cannot be used inside 'cpu' element with 'match' \
             attribute'",
        ),
        (
            "<cpu><arch>x86_64</arch></cpu>",
            "27 XML error: Missing CPU model name",
        ),
        (
            "<cpu><model>qemu64</model><feature policy='require'/></cpu>",
            "27 XML error: Invalid CPU feature name",
        ),
        (
            "<cpu mode='custom'><model>Bogus</model></cpu>",
            "1 internal error: Unknown CPU model Bogus",
        ),
        (
            "<cpu><model>qemu64</model><feature policy='require' name='bogus'/></cpu>",
            "1 internal error: Unknown CPU feature bogus",
        ),
    ] {
        assert_eq!(text(cmp(xml, false)), want, "{xml}");
    }
    let garbage = text(cmp("garbage", false));
    assert!(
        garbage.starts_with("35 (CPU_definition):1:1: Start tag expected, '<' not found"),
        "{garbage}"
    );
}

#[test]
fn guest_and_host_cpus_are_told_apart() {
    let host = parse_cpu_def("<cpu><arch>x86_64</arch><model>kvm64</model></cpu>").unwrap();
    assert_eq!(host.kind, CpuKind::Host);
    let guest = parse_cpu_def(
        "<cpu mode='custom' match='minimum'><model>kvm64</model>\
         <feature policy='optional' name='vme'/><feature name='ht'/></cpu>",
    )
    .unwrap();
    assert_eq!(guest.kind, CpuKind::Guest);
    assert_eq!(guest.match_, CpuMatch::Minimum);
    assert_eq!(
        guest.features,
        vec![
            (FeaturePolicy::Optional, "vme".to_owned()),
            (FeaturePolicy::Require, "ht".to_owned())
        ]
    );
}

/// The true boolean properties of QEMU 7.2's TCG `max` CPU, with libvirt's names.
const TCG_MAX: &str = "3dnow 3dnowext abm acpi adx aes apic arat avx avx2 bmi1 bmi2 check \
    clflush clflushopt clwb cmov cpuid-0xb cr8legacy cx16 cx8 de erms f16c fill-mtrr-mask fma \
    fpu fsgsbase full-cpuid-auto-level fxsr hypervisor i64 kvm l3-cache la57 lahf_lm \
    legacy-cache lm mca mce migratable mmx mmxext monitor movbe mpx msr mtrr npt nx pae pat \
    pclmuldq pcommit pdpe1gb pge pks pku pmu pni popcnt pse pse36 rdrand rdtscp sep smap smep ss \
    sse sse2 sse3 sse4.1 sse4.2 sse4a ssse3 svm svme-addr-chk syscall tcg-cpuid tsc umip vaes \
    vgif vmware-cpuid-freq x-intel-pt-auto-level x-migrate-smi-count x-vendor-cpuid-only xd \
    xgetbv1 xsave xsaveopt";

#[test]
fn host_model_of_tcg_is_libvirts() {
    let features: Vec<String> = TCG_MAX.split_whitespace().map(str::to_owned).collect();
    // EPYC and its blockers as QEMU 7.2 reports them under TCG (with libvirt's names).
    let epyc = Candidate {
        name: "EPYC".to_owned(),
        blockers: [
            "rdseed",
            "sha-ni",
            "fxsr_opt",
            "misalignsse",
            "3dnowprefetch",
            "osvw",
            "topoext",
            "nrip-save",
            "xsavec",
        ]
        .map(str::to_owned)
        .to_vec(),
    };
    let qemu64 = Candidate {
        name: "qemu64".to_owned(),
        blockers: vec![],
    };
    let d = describe(Some("AMD"), &features, Some(&[epyc, qemu64])).unwrap();
    assert_eq!(d.model, "EPYC");
    let listed: Vec<String> = d.features.iter().map(|(p, n)| format!("{p} {n}")).collect();
    let want: Vec<String> = [
        "acpi",
        "ss",
        "monitor",
        "hypervisor",
        "erms",
        "mpx",
        "pcommit",
        "clwb",
        "umip",
        "pku",
        "vaes",
        "la57",
        "pks",
        "3dnowext",
        "3dnow",
        "npt",
        "vgif",
        "svme-addr-chk",
    ]
    .iter()
    .map(|n| format!("require {n}"))
    .chain(
        [
            "vme",
            "rdseed",
            "sha-ni",
            "xsavec",
            "fxsr_opt",
            "misalignsse",
            "3dnowprefetch",
            "osvw",
            "topoext",
            "nrip-save",
        ]
        .iter()
        .map(|n| format!("disable {n}")),
    )
    .collect();
    assert_eq!(listed, want);
    // Limited to older models, another one is chosen.
    let only = ["Opteron_G3", "qemu64"].map(|n| Candidate {
        name: n.to_owned(),
        blockers: vec![],
    });
    let d = describe(Some("AMD"), &features, Some(&only)).unwrap();
    assert!(["Opteron_G3", "qemu64"].contains(&d.model), "{}", d.model);
    assert!(describe(None, &[], None).is_err());
}

#[test]
fn host_cpu_is_described_as_libvirt_describes_it() {
    let (model, extra) = virtbus_core::cpu::x86_compare::describe_host(&host()).unwrap();
    assert_eq!(model, HOST_MODEL);
    let want: Vec<&str> = HOST_EXTRA.split_whitespace().collect();
    assert_eq!(extra, want);
    let none = HostCpu {
        vendor: None,
        features: vec!["sse2".to_owned()],
    };
    assert!(virtbus_core::cpu::x86_compare::describe_host(&none).is_none());
}
