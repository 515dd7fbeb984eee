//! `GetDomainCapabilities`, `CompareCPU` and `BaselineCPU` of the QEMU driver against the
//! real qemu-system-x86_64 (TCG) and the real host CPU: the document checked against
//! libvirt 9.0's schema (when libvirt's schemas and xmllint are installed) and against what
//! the emulator itself reports, the defaults, and libvirt's errors for bad arguments.

use std::{path::Path, process::Command, sync::Arc};

use virtbus_core::{
    cpu::x86,
    driver::ConnectDriver,
    event,
    xml::{format_domain_capabilities, parse_cpu_def},
    Error,
};
use virtbus_qemu_driver::{
    command_line::HostFacts,
    cpu_probe, domain_caps,
    emulator::{self, Emulator},
    host::HostFs,
    store::{Mode, StoreDirs},
    QemuConfig, QemuDriver,
};

const SCHEMA: &str = "/usr/share/libvirt/schemas/domaincaps.rng";

async fn open(root: &Path) -> QemuDriver {
    let (sender, _events) = event::channel();
    let dirs = StoreDirs {
        config: root.join("etc"),
        data: root.join("lib"),
        run: root.join("run"),
        log: root.join("log"),
    };
    QemuDriver::open(QemuConfig::with_dirs(Mode::Session, dirs), sender)
        .await
        .unwrap()
}

fn qemu() -> Arc<Emulator> {
    let path = emulator::locate(None, "x86_64").expect("qemu-system-x86_64 must be installed");
    emulator::probe(&path).unwrap()
}

fn text<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("{} {e}", e.code()),
    }
}

/// The text of every `<tag>` element (one per line, as libvirt prints them).
fn texts(doc: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    doc.lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix(&open)?
                .strip_suffix(&format!("</{tag}>"))
                .map(str::to_owned)
        })
        .collect()
}

/// Validates against libvirt's schema when it and xmllint are installed.
fn validate(doc: &str) {
    if !Path::new(SCHEMA).exists() {
        eprintln!("libvirt's domaincaps.rng is not installed; schema check skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("caps.xml");
    std::fs::write(&file, doc).unwrap();
    let Ok(out) = Command::new("xmllint")
        .args(["--noout", "--relaxng", SCHEMA])
        .arg(&file)
        .output()
    else {
        eprintln!("xmllint is not installed; schema check skipped");
        return;
    };
    assert!(
        out.status.success(),
        "{}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn defaults_describe_the_installed_qemu() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path()).await;
    let doc = d.domain_capabilities("", "", "", "", 0).await.unwrap();
    validate(&doc);
    let emu = qemu();
    let default = emu.default_machine().unwrap();
    assert_eq!(texts(&doc, "path"), [emu.path.display().to_string()]);
    assert_eq!(texts(&doc, "domain"), ["qemu"]);
    assert_eq!(texts(&doc, "machine"), [default.name.as_str()]);
    assert_eq!(texts(&doc, "arch"), ["x86_64"]);
    assert!(doc.contains(&format!("<vcpu max='{}'/>", default.cpu_max)));
    assert!(doc.contains("<mode name='host-passthrough' supported='no'/>"));
    assert!(doc.contains("<loader supported='no'/>"));
    assert!(doc.contains("<value>ide</value>"));
    assert!(doc.contains("<hostdev supported='no'/>"));
    // Every custom model is one QEMU offers and libvirt's map knows, usable exactly when
    // QEMU reports no unavailable feature.
    let probe = cpu_probe::probe(&emu.path).unwrap();
    let models: Vec<&str> = doc
        .lines()
        .filter(|l| l.contains("<model usable="))
        .collect();
    assert!(models.len() > 20, "{doc}");
    for line in models {
        let name = line
            .split('>')
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap();
        let def = probe
            .definitions
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("{name} is not QEMU's"));
        let vendor = x86::model_vendor(name).unwrap_or_else(|| panic!("{name} is not mapped"));
        let usable = if def.unavailable.is_empty() {
            "yes"
        } else {
            "no"
        };
        assert!(
            line.contains(&format!(
                "usable='{usable}' vendor='{}'",
                vendor.unwrap_or("unknown")
            )),
            "{line}"
        );
    }
    // The same answer twice: the probe is cached.
    assert_eq!(d.domain_capabilities("", "", "", "", 0).await.unwrap(), doc);
}

#[tokio::test]
async fn machine_aliases_arch_and_emulator_are_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path()).await;
    let emu = qemu();
    let q35 = emu.machine("q35").unwrap();
    let doc = d
        .domain_capabilities("", "x86_64", "q35", "qemu", 0)
        .await
        .unwrap();
    validate(&doc);
    assert_eq!(texts(&doc, "machine"), [q35.name.as_str()]);
    assert!(doc.contains(&format!("<vcpu max='{}'/>", q35.cpu_max)));
    assert!(!doc.contains("<value>ide</value>"), "no IDE on q35");
    let path = emu.path.display().to_string();
    let doc = d
        .domain_capabilities(&path, "i686", "", "", 0)
        .await
        .unwrap();
    assert_eq!(texts(&doc, "arch"), ["i686"]);
    assert_eq!(texts(&doc, "path"), [path.as_str()]);
    let versioned = d
        .domain_capabilities(&path, "", &q35.name, "", 0)
        .await
        .unwrap();
    assert_eq!(texts(&versioned, "machine"), [q35.name.as_str()]);
}

#[tokio::test]
async fn bad_arguments_get_libvirts_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path()).await;
    let path = qemu().path.display().to_string();
    let dc = |e: &str, a: &str, m: &str, v: &str, f: u32| {
        let (e, a, m, v) = (e.to_owned(), a.to_owned(), m.to_owned(), v.to_owned());
        let d = d.clone();
        async move { text(d.domain_capabilities(&e, &a, &m, &v, f).await) }
    };
    let kvm = HostFacts::probe().kvm_usable;
    if !kvm {
        assert_eq!(
            dc("", "", "", "kvm", 0).await,
            format!(
                "8 invalid argument: the accel 'kvm' is not supported by '{path}' on this host"
            )
        );
    }
    assert_eq!(
        dc("", "", "bogus", "", 0).await,
        format!("8 invalid argument: the machine 'bogus' is not supported by emulator '{path}'")
    );
    assert_eq!(
        dc("", "bogus", "", "", 0).await,
        "8 invalid argument: unknown architecture: bogus"
    );
    if emulator::locate(None, "riscv64").is_err() {
        assert_eq!(
            dc("", "riscv64", "", "", 0).await,
            "67 unsupported configuration: unable to find any emulator to serve 'riscv64' \
             architecture"
        );
    }
    assert_eq!(
        dc(&path, "aarch64", "", "", 0).await,
        "8 invalid argument: architecture from emulator 'x86_64' doesn't match given \
         architecture 'aarch64'"
    );
    assert_eq!(
        dc("", "", "", "xen", 0).await,
        format!("8 invalid argument: the accel 'tcg' is not supported by '{path}' on this host")
    );
    assert_eq!(
        dc("", "", "", "bogus", 0).await,
        "8 invalid argument: unknown virttype: bogus"
    );
    assert_eq!(
        dc("/nonexistent/qemu", "", "", "", 0).await,
        "38 Cannot check QEMU binary /nonexistent/qemu: No such file or directory"
    );
    assert_eq!(
        dc("/bin/true", "", "", "", 0).await,
        "1 internal error: Failed to probe QEMU binary with QMP: /bin/true is not a QEMU \
         emulator"
    );
    assert_eq!(
        dc("", "", "", "", 1).await,
        "8 unsupported flags (0x1) in function qemuConnectGetDomainCapabilities"
    );
}

#[test]
fn tcg_host_model_is_libvirts() {
    let emu = qemu();
    let probe = cpu_probe::probe(&emu.path).unwrap();
    let hm = domain_caps::tcg_host_model(&probe).expect("a host model");
    assert_eq!(hm.vendor, probe.max_vendor);
    // What libvirt 9.0 computed for QEMU 7.2 (`virsh domcapabilities` on these machines).
    if emu.version / 1000 == 7_002 {
        assert_eq!(hm.model, Some(("EPYC".to_owned(), "forbid".to_owned())));
        let disabled: Vec<&str> = hm
            .features
            .iter()
            .filter(|(p, _)| p == "disable")
            .map(|(_, n)| n.as_str())
            .collect();
        assert_eq!(
            disabled,
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
                "nrip-save"
            ]
        );
        assert_eq!(hm.features.len(), 28);
    }
    let doc = format_domain_capabilities(
        &domain_caps::domain_capabilities(&domain_caps::Request::default(), &HostFacts::probe())
            .unwrap(),
    );
    validate(&doc);
}

#[tokio::test]
async fn compare_against_the_real_host_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path()).await;
    let host = HostFs::real().host_cpu().unwrap();
    assert!(!host.features.is_empty());
    // The host CPU as a host-type <cpu>: identical.
    let own = format!(
        "<cpu><arch>x86_64</arch><model>486</model>{}</cpu>",
        host.features
            .iter()
            .map(|f| format!("<feature name='{f}'/>"))
            .collect::<String>()
    );
    assert_eq!(text(d.compare_cpu(&own, 0).await), "ok 1");
    for mode in ["host-model", "host-passthrough", "maximum"] {
        assert_eq!(
            text(d.compare_cpu(&format!("<cpu mode='{mode}'/>"), 0).await),
            "ok 2",
            "{mode}"
        );
    }
    // A feature the host lacks (found in the map, not assumed).
    let cpu = parse_cpu_def(&own).unwrap();
    assert!(cpu.features.len() == host.features.len());
    let lacking = ["svm", "vmx", "avx512-fp16", "amx-tile", "3dnow", "xop"]
        .into_iter()
        .find(|f| !host.features.iter().any(|h| h == f))
        .expect("the host lacks one of these");
    let xml = format!("<cpu><model>486</model><feature policy='require' name='{lacking}'/></cpu>");
    assert_eq!(text(d.compare_cpu(&xml, 0).await), "ok 0");
    assert_eq!(
        text(d.compare_cpu(&xml, 1).await),
        format!(
            "91 the CPU is incompatible with host CPU: Host CPU does not provide required \
             features: {lacking}"
        )
    );
    assert_eq!(
        text(d.compare_cpu("<cpu><model>Nope</model></cpu>", 0).await),
        "1 internal error: Unknown CPU model Nope"
    );
    assert_eq!(
        text(d.compare_cpu("<capabilities/>", 0).await),
        "27 XML error: XML does not contain expected 'cpu' element"
    );
    assert_eq!(
        text(d.compare_cpu("<cpu/>", 4).await),
        "8 unsupported flags (0x4) in function qemuConnectCompareCPU"
    );
}

#[tokio::test]
async fn baseline_of_host_cpus() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(dir.path()).await;
    let haswell = "<cpu><arch>x86_64</arch><model>Haswell</model>\
                   <feature name='invtsc'/></cpu>"
        .to_owned();
    let plain = d
        .baseline_cpu(std::slice::from_ref(&haswell), 0)
        .await
        .unwrap();
    assert!(plain.contains(">Haswell</model>"), "{plain}");
    assert!(plain.contains("name='invtsc'"), "{plain}");
    let migratable = d
        .baseline_cpu(std::slice::from_ref(&haswell), 2)
        .await
        .unwrap();
    assert!(!migratable.contains("invtsc"), "{migratable}");
    let expanded = d
        .baseline_cpu(std::slice::from_ref(&haswell), 1)
        .await
        .unwrap();
    assert!(expanded.matches("<feature").count() > 40, "{expanded}");
    assert_eq!(
        text(d.baseline_cpu(std::slice::from_ref(&haswell), 4).await),
        "8 unsupported flags (0x4) in function qemuConnectBaselineCPU"
    );
    assert_eq!(
        text(d.baseline_cpu(&[], 0).await),
        "8 xmlCPUs in virConnectBaselineCPU must not be NULL"
    );
}

#[test]
fn qemu_runs_the_host_model_cpu() {
    let emu = qemu();
    let opt = domain_caps::tcg_host_model_option(&emu.path).unwrap();
    let probe = cpu_probe::probe(&emu.path).unwrap();
    let hm = domain_caps::tcg_host_model(&probe).unwrap();
    assert!(
        opt.starts_with(&format!("{},", hm.model.unwrap().0)),
        "{opt}"
    );
    assert_eq!(opt.matches('=').count(), hm.features.len());
    let mut child = Command::new(&emu.path)
        .args([
            "-machine",
            "pc",
            "-accel",
            "tcg",
            "-cpu",
            &opt,
            "-nodefaults",
            "-display",
            "none",
            "-S",
            "-qmp",
            "stdio",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "QEMU warned about {opt}: {stderr}"
    );
}
