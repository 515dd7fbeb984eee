//! The QEMU connection's host questions over the bus, against the real
//! qemu-system-x86_64 (TCG) and the real host CPU: `GetDomainCapabilities` with its defaults
//! and libvirt's errors, `CompareCPU` with its result codes and the FAIL_INCOMPATIBLE error,
//! and `BaselineCPU`.

mod common;

use common::{
    call,
    guests::{emulator_pid, qemu_call, KillGuests},
    with_timeout, Reply, Service,
};

const ERROR: &str = "org.libvirt.Error";

/// The arguments of `GetDomainCapabilities`.
type Args<'a> = (&'a str, &'a str, &'a str, &'a str, u32);

async fn domcaps(service: &Service, args: Args<'_>) -> Reply {
    qemu_call(service, "GetDomainCapabilities", &args).await
}

fn string(reply: Reply) -> String {
    reply.expect_ok().body().deserialize().unwrap()
}

/// The qemu-system-x86_64 on PATH, as the service finds it.
fn qemu_path() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-system-x86_64"))
        .find(|p| p.is_file())
        .expect("qemu-system-x86_64 must be installed")
        .display()
        .to_string()
}

/// Whether KVM works here: /dev/kvm opens and the CPU has vmx or svm (the machines this
/// project runs on have /dev/kvm without either).
fn kvm_usable() -> bool {
    let opens = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    opens && cpuinfo.split_whitespace().any(|f| f == "vmx" || f == "svm")
}

/// The text of the first `<tag>` element.
fn element(doc: &str, tag: &str) -> String {
    doc.split(&format!("<{tag}>"))
        .nth(1)
        .and_then(|r| r.split(&format!("</{tag}>")).next())
        .unwrap_or_else(|| panic!("no <{tag}> in {doc}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_capabilities_with_defaults_and_arguments() {
    with_timeout(async {
        let service = Service::start().await;
        let doc = string(domcaps(&service, ("", "", "", "", 0)).await);
        assert!(doc.starts_with("<domainCapabilities>\n"), "{doc}");
        assert_eq!(element(&doc, "path"), qemu_path());
        assert_eq!(element(&doc, "domain"), "qemu");
        assert_eq!(element(&doc, "arch"), "x86_64");
        let machine = element(&doc, "machine");
        assert!(machine.starts_with("pc-i440fx-"), "{machine}");
        assert!(doc.contains("<mode name='custom' supported='yes'>"));
        assert!(
            doc.contains("usable='yes' vendor='unknown'>qemu64</model>"),
            "{doc}"
        );

        // The alias resolves to the canonical name; i686 on the same emulator.
        let q35 = string(domcaps(&service, ("", "x86_64", "q35", "qemu", 0)).await);
        assert!(element(&q35, "machine").starts_with("pc-q35-"), "{q35}");
        let qemu = qemu_path();
        let i686 = string(domcaps(&service, (&qemu, "i686", "", "", 0)).await);
        assert_eq!(element(&i686, "arch"), "i686");
        assert_eq!(element(&i686, "path"), qemu);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_capabilities_refuses_bad_arguments() {
    with_timeout(async {
        let service = Service::start().await;
        let qemu = qemu_path();
        let mut cases: Vec<(Args<'_>, String)> = vec![
            (
                ("", "", "bogus", "", 0),
                format!(
                    "invalid argument: the machine 'bogus' is not supported by emulator '{qemu}'"
                ),
            ),
            (
                ("", "bogus", "", "", 0),
                "invalid argument: unknown architecture: bogus".to_owned(),
            ),
            (
                (&qemu, "aarch64", "", "", 0),
                "invalid argument: architecture from emulator 'x86_64' doesn't match given \
                 architecture 'aarch64'"
                    .to_owned(),
            ),
            (
                ("/bin/true", "", "", "", 0),
                "internal error: Failed to probe QEMU binary with QMP: /bin/true is not a QEMU \
                 emulator"
                    .to_owned(),
            ),
            (
                ("", "", "", "", 1),
                "unsupported flags (0x1) in function qemuConnectGetDomainCapabilities".to_owned(),
            ),
        ];
        if !kvm_usable() {
            cases.push((
                ("", "", "", "kvm", 0),
                format!(
                    "invalid argument: the accel 'kvm' is not supported by '{qemu}' on this host"
                ),
            ));
        }
        for (args, want) in cases {
            let reply = domcaps(&service, args).await;
            assert_eq!(reply.expect_err(), (ERROR, want.as_str()), "{args:?}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_and_baseline_cpus() {
    with_timeout(async {
        let service = Service::start().await;
        let compare = |xml: String, flags: u32| {
            let service = &service;
            async move { qemu_call(service, "CompareCPU", &(xml.as_str(), flags)).await }
        };
        let code = |r: Reply| -> i32 { r.expect_ok().body().deserialize().unwrap() };
        // host-model asks for nothing the host lacks: the host is a superset.
        assert_eq!(code(compare("<cpu mode='host-model'/>".into(), 0).await), 2);
        // svm and vmx together: no x86 host has both.
        let both = "<cpu><model>486</model><feature policy='require' name='svm'/>\
                    <feature policy='require' name='vmx'/></cpu>";
        assert_eq!(code(compare(both.into(), 0).await), 0);
        let reply = compare(both.into(), 1).await;
        let (name, text) = reply.expect_err();
        assert_eq!(name, ERROR);
        assert!(
            text.starts_with(
                "the CPU is incompatible with host CPU: Host CPU does not provide required \
                 features: "
            ),
            "{text}"
        );
        assert!(text.contains("svm") || text.contains("vmx"), "{text}");
        assert_eq!(
            compare("<cpu mode='bogus'/>".into(), 0).await.expect_err(),
            (
                ERROR,
                "unsupported configuration: Invalid mode attribute 'bogus'"
            )
        );
        assert_eq!(
            compare("<capabilities/>".into(), 0).await.expect_err(),
            (
                ERROR,
                "XML error: XML does not contain expected 'cpu' element"
            )
        );

        let cpus = vec![
            "<cpu><arch>x86_64</arch><model>Haswell</model></cpu>".to_owned(),
            "<cpu><arch>x86_64</arch><model>Broadwell</model></cpu>".to_owned(),
        ];
        let baseline = string(qemu_call(&service, "BaselineCPU", &(cpus.clone(), 0u32)).await);
        assert!(baseline.contains(">Haswell</model>"), "{baseline}");
        assert_eq!(
            qemu_call(&service, "BaselineCPU", &(cpus, 4u32))
                .await
                .expect_err(),
            (
                ERROR,
                "unsupported flags (0x4) in function qemuConnectBaselineCPU"
            )
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_model_guest_runs_the_cpu_the_capabilities_describe() {
    with_timeout(async {
        let service = Service::start().await;
        let _guests = KillGuests(service.bus().dir().to_path_buf());
        let doc = string(domcaps(&service, ("", "", "", "qemu", 0)).await);
        let model = doc
            .split("<mode name='host-model' supported='yes'>")
            .nth(1)
            .and_then(|r| r.split("<model fallback='forbid'>").nth(1))
            .and_then(|r| r.split("</model>").next())
            .expect("host-model is supported under TCG")
            .to_owned();
        let xml = format!(
            "<domain type='qemu'><name>hm</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <cpu mode='host-model'/><devices><emulator>{}</emulator></devices></domain>",
            qemu_path()
        );
        let reply = qemu_call(&service, "DomainDefineXML", &(xml.as_str(),)).await;
        let path: zbus::OwnedObjectPath = reply.expect_ok().body().deserialize().unwrap();
        let domain = |method: &'static str| {
            let service = &service;
            let path = path.to_string();
            async move {
                call(&service.conn, &path, "org.libvirt.Domain", method, &0u32)
                    .await
                    .expect_ok()
            }
        };
        domain("Create").await;
        let state: (i32, i32) = call(
            &service.conn,
            path.as_str(),
            "org.libvirt.Domain",
            "GetState",
            &0u32,
        )
        .await
        .expect_ok()
        .body()
        .deserialize()
        .unwrap();
        assert_eq!(state.0, 1, "running");
        // QEMU was given the model the capabilities named.
        let pid = emulator_pid(&service, "hm");
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let cpu = args
            .iter()
            .position(|a| a == "-cpu")
            .map(|i| args[i + 1].clone())
            .expect("a -cpu argument");
        assert!(cpu.starts_with(&format!("{model},")), "{cpu}");
        // The live XML shows the CPU the guest got, the definition still asks for host-model.
        let xml_of = |flags: u32| {
            let service = &service;
            let path = path.to_string();
            async move {
                call(
                    &service.conn,
                    &path,
                    "org.libvirt.Domain",
                    "GetXMLDesc",
                    &flags,
                )
                .await
                .expect_ok()
                .body()
                .deserialize::<String>()
                .unwrap()
            }
        };
        let live = xml_of(0).await;
        assert!(
            live.contains("<cpu mode='custom' match='exact' check='full'>"),
            "{live}"
        );
        assert!(
            live.contains(&format!("<model fallback='forbid'>{model}</model>")),
            "{live}"
        );
        assert!(live.contains("<feature policy="), "{live}");
        let inactive = xml_of(2).await;
        assert!(inactive.contains("<cpu mode='host-model'"), "{inactive}");
        domain("Destroy").await;
        domain("Undefine").await;
    })
    .await;
}
