//! The argument vector for realistic definitions, and every refusal.

use std::path::{Path, PathBuf};

use virtbus_core::{model::DomainDef, xml::parse_domain};

use super::*;
use crate::emulator::{Emulator, MachineType};

fn emulator() -> Emulator {
    let machine = |name: &str, alias: &str, cpu_max, is_default| MachineType {
        name: name.into(),
        alias: Some(alias.into()),
        cpu_max,
        is_default,
    };
    Emulator {
        path: PathBuf::from("/usr/bin/qemu-system-x86_64"),
        version: 7_002_022,
        machines: vec![
            machine("pc-i440fx-7.2", "pc", 255, true),
            machine("pc-q35-7.2", "q35", 288, false),
            MachineType {
                name: "microvm".into(),
                alias: None,
                cpu_max: 288,
                is_default: false,
            },
        ],
    }
}

fn host() -> HostFacts {
    HostFacts {
        mem_total_kib: 8 * 1024 * 1024,
        kvm_usable: false,
        privileged: false,
    }
}

fn build_def(def: &DomainDef) -> Result<CommandLine> {
    let (emu, host) = (emulator(), host());
    let ctx = LaunchContext {
        emulator: &emu,
        host: &host,
        monitor_socket: Path::new("/run/virtbus/qemu/m.monitor"),
    };
    build(def, &ctx)
}

fn args(xml: &str) -> Vec<String> {
    build_def(&parse_domain(xml).unwrap())
        .unwrap_or_else(|e| panic!("{e}\n{xml}"))
        .args_text()
}

fn error(xml: &str) -> String {
    match build_def(&parse_domain(xml).unwrap()) {
        Ok(cl) => panic!("accepted: {:?}", cl.args_text()),
        Err(e) => e.to_string(),
    }
}

/// A domain with `devices` inside `<devices>` and `extra` after `<os>`.
fn domain(extra: &str, devices: &str) -> String {
    format!(
        "<domain type='qemu'><name>vm</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\
         <memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os>{extra}\
         <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}</devices></domain>"
    )
}

/// The option value following the `n`-th occurrence of `opt`.
fn values<'a>(args: &'a [String], opt: &str) -> Vec<&'a str> {
    args.windows(2)
        .filter(|w| w[0] == opt)
        .map(|w| w[1].as_str())
        .collect()
}

#[test]
fn the_no_disk_domain_of_real_components() {
    let xml = "<domain type='qemu'><name>rc-nodisk</name>\
        <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\
        <memory unit='MiB'>128</memory><vcpu>1</vcpu>\
        <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>\
        <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><console type='pty'/></devices>\
        </domain>";
    let cl = build_def(&parse_domain(xml).unwrap()).unwrap();
    assert_eq!(cl.program, PathBuf::from("/usr/bin/qemu-system-x86_64"));
    assert_eq!(cl.balloon_target_kib, None);
    let expected = [
        "-name",
        "guest=rc-nodisk,debug-threads=on",
        "-S",
        "-machine",
        "pc-i440fx-7.2,usb=off,dump-guest-core=off,acpi=on",
        "-accel",
        "tcg",
        "-m",
        "size=131072k",
        "-smp",
        "1,sockets=1,dies=1,cores=1,threads=1,maxcpus=1",
        "-uuid",
        "6695eb01-f6a4-8304-79aa-97f2502e193f",
        "-no-user-config",
        "-nodefaults",
        "-qmp",
        "unix:/run/virtbus/qemu/m.monitor,server=on,wait=off",
        "-rtc",
        "base=utc",
        "-no-shutdown",
        "-boot",
        "strict=on",
        "-chardev",
        "pty,id=charserial0",
        "-device",
        r#"{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}"#,
        "-display",
        "none",
        "-msg",
        "timestamp=on",
    ];
    assert_eq!(cl.args_text(), expected);
}

/// A file under a fresh temporary directory, with `contents`.
fn temp_file(dir: &tempfile::TempDir, name: &str, contents: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, contents).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn the_tiny_guest_boots_its_kernel_and_logs_its_serial_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let kernel = temp_file(&dir, "vmlinuz", b"k");
    let initrd = temp_file(&dir, "initrd.gz", b"i");
    let log = dir.path().join("serial.log");
    let log = log.to_str().unwrap();
    let a = args(
        &domain(
            "",
            &format!("<serial type='file'><source path='{log}'/></serial>"),
        )
        .replace(
            "hvm</type>",
            &format!(
                "hvm</type><kernel>{kernel}</kernel><initrd>{initrd}</initrd>\
             <cmdline>console=ttyS0 quiet panic=-1</cmdline>"
            ),
        ),
    );
    assert_eq!(values(&a, "-kernel"), [kernel.as_str()]);
    assert_eq!(values(&a, "-initrd"), [initrd.as_str()]);
    assert_eq!(values(&a, "-append"), ["console=ttyS0 quiet panic=-1"]);
    assert_eq!(
        values(&a, "-chardev"),
        [format!("file,id=charserial0,path={log}").as_str()]
    );
    assert!(values(&a, "-device")[0].contains(r#""driver":"isa-serial""#));
    // No <acpi/>: ACPI off, as libvirt passes it.
    assert!(values(&a, "-machine")[0].ends_with(",acpi=off"));
}

#[test]
fn a_qcow2_disk_with_a_backing_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.raw");
    let overlay = dir.path().join("overlay.qcow2");
    let run = |args: &[&str]| {
        let st = std::process::Command::new("qemu-img")
            .args(args)
            .output()
            .unwrap();
        assert!(st.status.success(), "{st:?}");
    };
    run(&["create", "-q", "-f", "raw", base.to_str().unwrap(), "1M"]);
    run(&[
        "create",
        "-q",
        "-f",
        "qcow2",
        "-b",
        "base.raw",
        "-F",
        "raw",
        overlay.to_str().unwrap(),
    ]);
    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
        overlay.display()
    );
    let a = args(&domain("", &disk));
    assert_eq!(
        values(&a, "-blockdev"),
        [
            format!(
                r#"{{"driver":"file","filename":"{}","node-name":"libvirt-1-storage","auto-read-only":true}}"#,
                overlay.display()
            ),
            r#"{"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage"}"#.to_owned(),
        ]
    );
    assert_eq!(
        values(&a, "-device"),
        [
            r#"{"driver":"virtio-blk-pci","drive":"libvirt-1-format","id":"virtio-disk0","bootindex":1}"#
        ]
    );

    // The backing file gone: libvirt's error, naming both files.
    std::fs::remove_file(&base).unwrap();
    let (uid, gid) = paths::process_ids();
    assert_eq!(
        error(&domain("", &disk)),
        format!(
            "Cannot access backing file '{}' of storage file '{}' (as uid:{uid}, gid:{gid}): No such file or directory",
            base.display(),
            overlay.display()
        )
    );
}

#[test]
fn a_raw_disk_with_cache_none_and_a_cdrom_booted_first() {
    let dir = tempfile::tempdir().unwrap();
    let img = temp_file(&dir, "d.img", &[0; 512]);
    let iso = temp_file(&dir, "cd.iso", &[0; 512]);
    let devices = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/>\
         <source file='{img}'/><target dev='vda' bus='virtio'/></disk>\
         <disk type='file' device='cdrom'><source file='{iso}'/><target dev='hdc' bus='ide'/>\
         <readonly/></disk>"
    );
    let xml = domain("", &devices).replace(
        "hvm</type>",
        "hvm</type><boot dev='cdrom'/><boot dev='hd'/>",
    );
    let a = args(&xml);
    let blockdevs = values(&a, "-blockdev");
    assert_eq!(
        blockdevs[0],
        format!(
            r#"{{"driver":"file","filename":"{img}","node-name":"libvirt-1-storage","auto-read-only":true,"cache":{{"direct":true,"no-flush":false}}}}"#
        )
    );
    assert_eq!(
        blockdevs[1],
        format!(
            r#"{{"driver":"file","filename":"{iso}","node-name":"libvirt-2-storage","auto-read-only":true,"read-only":true}}"#
        )
    );
    let devs = values(&a, "-device");
    assert_eq!(
        devs[0],
        r#"{"driver":"virtio-blk-pci","drive":"libvirt-1-storage","id":"virtio-disk0","bootindex":2,"write-cache":"on"}"#
    );
    assert_eq!(
        devs[1],
        r#"{"driver":"ide-cd","bus":"ide.1","unit":0,"drive":"libvirt-2-storage","id":"ide0-1-0","bootindex":1}"#
    );
}

#[test]
fn an_empty_cdrom_on_sata_of_a_q35_machine() {
    let xml = domain(
        "",
        "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>",
    )
    .replace("machine='pc'", "machine='q35'");
    let a = args(&xml);
    assert!(values(&a, "-machine")[0].starts_with("pc-q35-7.2,"));
    assert!(values(&a, "-blockdev").is_empty());
    assert_eq!(
        values(&a, "-device"),
        // `<boot dev='hd'>` (the default) finds no hard disk: no boot index.
        [r#"{"driver":"ide-cd","bus":"ide.0","id":"sata0-0-0"}"#]
    );
}

#[test]
fn user_networking() {
    let a = args(&domain(
        "",
        "<interface type='user'><mac address='52:54:00:aa:bb:cc'/><model type='virtio'/></interface>\
         <interface type='user'><mac address='52:54:00:aa:bb:cd'/></interface>",
    ));
    assert_eq!(
        values(&a, "-netdev"),
        [
            r#"{"type":"user","id":"hostnet0"}"#,
            r#"{"type":"user","id":"hostnet1"}"#
        ]
    );
    assert_eq!(
        values(&a, "-device"),
        [
            r#"{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:aa:bb:cc"}"#,
            r#"{"driver":"rtl8139","netdev":"hostnet1","id":"net1","mac":"52:54:00:aa:bb:cd"}"#
        ]
    );
}

#[test]
fn vnc_graphics_with_an_implicit_vga() {
    let a = args(&domain("", "<graphics type='vnc' autoport='yes'/>"));
    assert_eq!(values(&a, "-vnc"), ["127.0.0.1:0,to=99,audiodev=audio1"]);
    assert_eq!(
        values(&a, "-audiodev"),
        [r#"{"id":"audio1","driver":"none"}"#]
    );
    assert_eq!(
        values(&a, "-device"),
        [r#"{"driver":"VGA","id":"video0","vgamem_mb":16}"#]
    );
    assert!(values(&a, "-display").is_empty());

    let a = args(&domain(
        "",
        "<graphics type='vnc' port='5907' autoport='no' listen='0.0.0.0' keymap='de'/>\
         <video><model type='virtio' heads='1'/></video>",
    ));
    assert_eq!(values(&a, "-vnc"), ["0.0.0.0:7,audiodev=audio1"]);
    assert_eq!(values(&a, "-k"), ["de"]);
    assert_eq!(
        values(&a, "-device"),
        [r#"{"driver":"virtio-vga","id":"video0"}"#]
    );
}

#[test]
fn actions_panic_watchdog_and_balloon() {
    let xml = domain(
        "<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>restart</on_crash>\
         <pm><suspend-to-mem enabled='no'/></pm>",
        "<watchdog model='i6300esb' action='pause'/><panic model='isa'/>\
         <memballoon model='virtio' autodeflate='on'/>",
    )
    .replace("<memory unit='MiB'>128</memory>", "<memory unit='MiB'>256</memory><currentMemory unit='MiB'>128</currentMemory>");
    let cl = build_def(&parse_domain(&xml).unwrap()).unwrap();
    let a = cl.args_text();
    assert_eq!(values(&a, "-action"), ["reboot=shutdown,watchdog=pause"]);
    assert_eq!(values(&a, "-global"), ["PIIX4_PM.disable_s3=1"]);
    assert_eq!(
        values(&a, "-device"),
        [
            r#"{"driver":"i6300esb","id":"watchdog0"}"#,
            r#"{"driver":"pvpanic","ioport":1285}"#,
            r#"{"driver":"virtio-balloon-pci","id":"balloon0","deflate-on-oom":true}"#
        ]
    );
    assert!(a.contains(&"-no-shutdown".to_owned()));
    assert_eq!(values(&a, "-m"), ["size=262144k"]);
    assert_eq!(cl.balloon_target_kib, Some(131072));
}

#[test]
fn unix_and_virtio_consoles_and_a_guest_agent_channel() {
    let a = args(&domain(
        "",
        "<serial type='unix'><source mode='bind' path='/tmp/ser,0.sock'/></serial>\
         <console type='pty'><target type='virtio'/></console>\
         <channel type='unix'><source mode='bind' path='/tmp/qga.sock'/>\
         <target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
    ));
    assert_eq!(
        values(&a, "-chardev"),
        [
            "socket,id=charserial0,path=/tmp/ser,,0.sock,server=on,wait=off",
            "pty,id=charconsole1",
            "socket,id=charchannel0,path=/tmp/qga.sock,server=on,wait=off"
        ]
    );
    let devs = values(&a, "-device");
    assert_eq!(
        devs[0],
        r#"{"driver":"virtio-serial-pci","id":"virtio-serial0"}"#
    );
    assert!(devs.contains(
        &r#"{"driver":"virtconsole","bus":"virtio-serial0.0","chardev":"charconsole1","id":"console1"}"#
    ));
    assert!(devs.contains(
        &r#"{"driver":"virtserialport","bus":"virtio-serial0.0","chardev":"charchannel0","id":"channel0","name":"org.qemu.guest_agent.0"}"#
    ));
}

#[test]
fn commas_in_names_and_paths_are_doubled() {
    let a = args(&domain("", "").replace("<name>vm</name>", "<name>a,b</name>"));
    assert_eq!(values(&a, "-name"), ["guest=a,,b,debug-threads=on"]);
}

#[test]
fn topology_cpu_model_and_timers() {
    let a = args(&domain(
        "<cpu mode='custom'><model>qemu64</model><topology sockets='1' dies='1' cores='2' threads='2'/>\
         <feature policy='disable' name='svm'/></cpu>\
         <clock offset='localtime'><timer name='rtc' tickpolicy='catchup'/>\
         <timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>",
        "",
    )
    .replace("<vcpu>1</vcpu>", "<vcpu current='2'>4</vcpu>"));
    assert_eq!(values(&a, "-cpu"), ["qemu64,svm=off"]);
    assert_eq!(
        values(&a, "-smp"),
        ["2,sockets=1,dies=1,cores=2,threads=2,maxcpus=4"]
    );
    assert_eq!(values(&a, "-rtc"), ["base=localtime,driftfix=slew"]);
    assert!(values(&a, "-machine")[0].ends_with(",hpet=off"));
}

/// Every refusal, each with its exact text.
#[test]
fn unsupported_definitions_are_refused_with_libvirts_wording() {
    let dir = tempfile::tempdir().unwrap();
    let img = temp_file(&dir, "d.img", &[0; 512]);
    let (uid, gid) = paths::process_ids();
    let disk = |attrs: &str, driver: &str, source: &str, target: &str| {
        domain(
            "",
            &format!("<disk {attrs}>{driver}<source file='{source}'/><target {target}/></disk>"),
        )
    };
    let cases: Vec<(String, String)> = vec![
        (
            domain("", "").replace("type='qemu'", "type='kvm'"),
            format!("unsupported configuration: {KVM_UNAVAILABLE}"),
        ),
        (
            domain("", "").replace("type='qemu'", "type='xen'"),
            "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'xen'".into(),
        ),
        (
            domain("", "").replace("machine='pc'", "machine='pc-nope'"),
            "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support machine type 'pc-nope'".into(),
        ),
        (
            domain("", "").replace("machine='pc'", "machine='microvm'"),
            "unsupported configuration: machine type 'microvm' is not supported by this driver (use a pc or q35 machine)".into(),
        ),
        (
            domain("", "").replace("<vcpu>1</vcpu>", "<vcpu>256</vcpu>"),
            "unsupported configuration: Maximum CPUs greater than specified machine type limit 255".into(),
        ),
        (
            domain("", "").replace("128</memory>", "64</memory><maxMemory slots='16' unit='GiB'>4</maxMemory>"),
            "unsupported configuration: memory hotplug (<maxMemory>) is not supported by this driver".into(),
        ),
        (
            domain("", "").replace("<memory unit='MiB'>128</memory>", "<memory unit='GiB'>64</memory>"),
            "unsupported configuration: memory size 67108864 KiB exceeds the host's total memory of 8388608 KiB".into(),
        ),
        (
            disk("type='file' device='disk'", "", "/nonexistent/x.img", "dev='vda' bus='virtio'"),
            format!("Cannot access storage file '/nonexistent/x.img' (as uid:{uid}, gid:{gid}): No such file or directory"),
        ),
        (
            disk("type='file' device='disk'", "", "images/x.img", "dev='vda' bus='virtio'"),
            "unsupported configuration: disk source path 'images/x.img' must be absolute".into(),
        ),
        (
            disk("type='file' device='disk'", "", "/var/lib/../../etc/shadow", "dev='vda' bus='virtio'"),
            "unsupported configuration: disk source path '/var/lib/../../etc/shadow' must not contain '..'".into(),
        ),
        (
            domain(
                "",
                &format!(
                    "<disk type='block' device='disk'><source dev='{img}'/><target dev='vda'/></disk>"
                ),
            ),
            format!("unsupported configuration: disk source '{img}' is not a block device"),
        ),
        (
            disk("type='file' device='disk'", "<driver name='qemu' type='vmdk'/>", &img, "dev='vda' bus='virtio'"),
            "unsupported configuration: disk format 'vmdk' is not supported by this driver".into(),
        ),
        (
            disk("type='file' device='disk'", "<driver name='tap'/>", &img, "dev='vda' bus='virtio'"),
            format!("unsupported configuration: unsupported driver name 'tap' for disk '{img}'"),
        ),
        (
            disk("type='file' device='disk'", "", &img, "dev='sda' bus='usb'"),
            "unsupported configuration: disk bus 'usb' is not supported by this driver".into(),
        ),
        (
            disk("type='file' device='cdrom'", "", &img, "dev='vda' bus='virtio'"),
            "unsupported configuration: disk type of 'vda' does not support ejectable media".into(),
        ),
        (
            disk("type='file' device='floppy'", "", &img, "dev='fda'"),
            "unsupported configuration: disk device 'floppy' is not supported by this driver".into(),
        ),
        (
            disk("type='file' device='disk'", "", &img, "dev='hda' bus='ide'")
                .replace("machine='pc'", "machine='q35'"),
            "unsupported configuration: IDE controllers are unsupported for this QEMU binary or machine type".into(),
        ),
        (
            domain("", "<interface type='network'><source network='default'/></interface>"),
            "unsupported configuration: interface type 'network' is not supported by this driver yet; use type 'bridge' with the network's bridge, or 'user'".into(),
        ),
        (
            domain("", "<interface type='bridge'><source bridge='nobr0'/></interface>"),
            "Cannot get interface MTU on 'nobr0': No such device".into(),
        ),
        (
            domain("", "<interface type='ethernet'/>"),
            "unsupported configuration: interface type 'ethernet' needs a privileged service to create its tap device".into(),
        ),
        (
            domain("", "<interface type='direct'><source dev='eth0' mode='bridge'/></interface>"),
            "unsupported configuration: interface type 'direct' is not supported by this driver".into(),
        ),
        (
            domain("", "<interface type='user'><model type='ne2k_pci'/></interface>"),
            "unsupported configuration: interface model 'ne2k_pci' is not supported by this driver".into(),
        ),
        (
            domain("", "<graphics type='spice' autoport='yes'/>"),
            "unsupported configuration: graphics type 'spice' is not supported by this driver".into(),
        ),
        (
            domain("", "<graphics type='vnc' port='5000' autoport='no'/>"),
            "unsupported configuration: vnc port must be in range [5900,65535]".into(),
        ),
        (
            domain("", "<graphics type='vnc' passwd='secret'/>"),
            "unsupported configuration: VNC passwords are not supported by this driver".into(),
        ),
        (
            domain("", "<video><model type='qxl'/></video>"),
            "unsupported configuration: video model 'qxl' is not supported by this driver".into(),
        ),
        (
            domain("", "<sound model='ich9'/>"),
            "unsupported configuration: sound devices are not supported by this driver".into(),
        ),
        (
            domain("", "<serial type='tcp'><source mode='bind' host='0.0.0.0' service='4444'/></serial>"),
            "unsupported configuration: serial of type 'tcp' is not supported by this driver".into(),
        ),
        (
            domain("", "<serial type='file'><source path='log/serial.log'/></serial>"),
            "unsupported configuration: serial file path 'log/serial.log' must be absolute".into(),
        ),
        (
            domain("", "<serial type='file'><source path='/nonexistent/dir/serial.log'/></serial>"),
            "cannot create serial file '/nonexistent/dir/serial.log': No such file or directory".into(),
        ),
        (
            domain("", "<watchdog model='diag288'/>"),
            "unsupported configuration: watchdog model 'diag288' is not supported by this driver".into(),
        ),
        (
            domain("", "<watchdog model='i6300esb' action='dump'/>"),
            "unsupported configuration: watchdog action 'dump' is not supported by this driver".into(),
        ),
        (
            domain("", "<panic model='hyperv'/>"),
            "unsupported configuration: panic model 'hyperv' is not supported by this driver".into(),
        ),
        (
            domain("", "<memballoon model='xen'/>"),
            "unsupported configuration: memballoon model 'xen' is not supported by this driver".into(),
        ),
        (
            domain("", "<rng model='virtio'><backend model='random'>/etc/passwd</backend></rng>"),
            "unsupported configuration: file '/etc/passwd' is not a supported random source".into(),
        ),
        (
            domain("<on_crash>coredump-destroy</on_crash>", ""),
            "unsupported configuration: on_crash action 'coredump-destroy' is not supported by this driver".into(),
        ),
        (
            domain("<features><hyperv><relaxed state='on'/></hyperv></features>", ""),
            "unsupported configuration: feature 'hyperv' is not supported by this driver".into(),
        ),
        (
            domain("<cpu mode='host-passthrough'/>", ""),
            "unsupported configuration: CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor".into(),
        ),
        (
            domain("<cpu><topology sockets='2' dies='1' cores='1' threads='1'/></cpu>", ""),
            "unsupported configuration: CPU topology doesn't match maximum vcpu count".into(),
        ),
        (
            domain("<clock offset='variable' adjustment='10'/>", ""),
            "unsupported configuration: clock offset 'variable' is not supported by this driver".into(),
        ),
        (
            domain("<memtune><hard_limit unit='MiB'>512</hard_limit></memtune>", ""),
            "unsupported configuration: <memtune> is not supported by this driver".into(),
        ),
        (
            domain("", "").replace("hvm</type>", "hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"),
            "unsupported configuration: firmware selection (<loader>, <nvram>, firmware=) is not supported by this driver".into(),
        ),
        (
            domain("", "").replace("hvm</type>", "hvm</type><kernel>/nonexistent/vmlinuz</kernel>"),
            "cannot access kernel '/nonexistent/vmlinuz': No such file or directory".into(),
        ),
        (
            domain("", "").replace("hvm</type>", "hvm</type><boot dev='fd'/>"),
            "unsupported configuration: booting from a floppy is not supported by this driver".into(),
        ),
        (
            domain("", "<input type='tablet' bus='usb'/>"),
            "unsupported configuration: a USB tablet needs a USB controller".into(),
        ),
        (
            domain("", "<controller type='usb' model='ehci'/>"),
            "unsupported configuration: USB controller model 'ehci' is not supported by this driver".into(),
        ),
        (
            domain("<on_reboot>rename-restart</on_reboot>", ""),
            "unsupported configuration: qemu driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'".into(),
        ),
        (
            domain("<on_poweroff>preserve</on_poweroff>", ""),
            "unsupported configuration: qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'".into(),
        ),
        (
            domain("<on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot>", ""),
            "unsupported configuration: qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'".into(),
        ),
        (
            domain("", "").replace("arch='x86_64'", "arch='aarch64'"),
            "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support arch 'aarch64'".into(),
        ),
        (
            domain("", "").replace(">hvm<", ">linux<"),
            "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support os type 'linux'".into(),
        ),
        (
            disk("type='file' device='disk'", "<readonly/>", &img, "dev='hda' bus='ide'"),
            "unsupported configuration: readonly ide disks are not supported".into(),
        ),
        (
            disk("type='file' device='disk'", "<serial>a;rm -rf</serial>", &img, "dev='vda' bus='virtio'"),
            "internal error: driver serial 'a;rm -rf' contains unsafe characters".into(),
        ),
        (
            disk("type='file' device='disk'", "<driver name='qemu' io='native'/>", &img, "dev='vda' bus='virtio'"),
            "unsupported configuration: io='native' needs either no disk cache or directsync cache mode".into(),
        ),
        (
            domain("", &format!(
                "<disk type='file' device='disk'><source file='{img}'/><target dev='hda' bus='ide'/>\
                 <address type='drive' controller='1' bus='0' target='0' unit='0'/></disk>"
            )),
            "internal error: Only 1 IDE controller is supported".into(),
        ),
        (
            domain("", &format!(
                "<disk type='file' device='disk'><source file='{img}'/><target dev='sda' bus='scsi'/>\
                 <address type='drive' controller='0' bus='0' target='1' unit='0'/></disk>"
            )),
            "unsupported configuration: target must be 0 for controller model 'lsilogic'".into(),
        ),
        (
            domain("", "<video><model type='virtio'/></video><video><model type='vga'/></video>"),
            "unsupported configuration: video type 'vga' is only valid as primary video device".into(),
        ),
        (
            domain("", "<video><model type='vga' heads='2'/></video>"),
            "unsupported configuration: video type 'vga' doesn't support multiple 'heads'".into(),
        ),
        (
            domain("", "<video><model type='vga' vram='512'/></video>"),
            "unsupported configuration: value for 'vram' must be at least 1 MiB (1024 KiB)".into(),
        ),
        (
            domain("", "<panic model='isa'><address type='pci' domain='0' bus='0' slot='5' function='0'/></panic>"),
            "unsupported configuration: panic is supported only with ISA address type".into(),
        ),
        (
            domain("", "<console type='pty'><target type='sclp'/></console>"),
            "unsupported configuration: unsupported console target type sclp".into(),
        ),
        (
            domain("", "<controller type='usb' model='piix3-uhci' ports='4'/>"),
            "unsupported configuration: usb controller type piix3-uhci doesn't support 'ports'".into(),
        ),
        (
            domain("", "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"),
            "unsupported configuration: channel of type 'unix' has no source path".into(),
        ),
    ];
    for (xml, expected) in cases {
        assert_eq!(error(&xml), expected, "{xml}");
    }
}

#[test]
fn memory_zero_and_ten_thousand_vcpus() {
    let mut def = parse_domain(&domain("", "")).unwrap();
    def.memory_kib = 0;
    assert_eq!(
        build_def(&def).unwrap_err().to_string(),
        "XML error: Memory size must be specified via <memory> or in the <numa> configuration"
    );
    // The parser stops 10,000 vCPUs at its own bound; a definition built otherwise still
    // meets the machine type's limit.
    let xml = domain("", "").replace("<vcpu>1</vcpu>", "<vcpu>10000</vcpu>");
    assert_eq!(
        parse_domain(&xml).unwrap_err().to_string(),
        "XML error: vcpu count 10000 exceeds the supported maximum of 4096"
    );
    let mut def = parse_domain(&domain("", "")).unwrap();
    def.vcpu.max = 10_000;
    def.vcpu.current = 10_000;
    assert_eq!(
        build_def(&def).unwrap_err().to_string(),
        "unsupported configuration: Maximum CPUs greater than specified machine type limit 255"
    );
}

#[test]
fn define_time_defaults_fill_what_libvirt_fills_and_still_build() {
    let emu = emulator();
    let mut def = parse_domain(
        "<domain type='qemu'><name>d</name><memory unit='MiB'>128</memory>\
         <os><type>hvm</type></os><devices><graphics type='vnc'/></devices></domain>",
    )
    .unwrap();
    defaults::apply(&mut def, &emu).unwrap();
    assert_eq!(def.os.machine.as_deref(), Some("pc-i440fx-7.2"));
    assert_eq!(def.os.arch.as_deref(), Some("x86_64"));
    let d = &def.devices;
    assert_eq!(d.emulator.as_deref(), Some("/usr/bin/qemu-system-x86_64"));
    assert_eq!(d.memballoon.as_ref().unwrap().model, "virtio");
    assert_eq!(d.videos[0].model, "vga");
    assert_eq!(d.inputs.len(), 2);
    let models: Vec<_> = d
        .controllers
        .iter()
        .map(|c| (c.controller_type.as_str(), c.model.as_deref()))
        .collect();
    assert_eq!(
        models,
        [("usb", Some("piix3-uhci")), ("pci", Some("pci-root"))]
    );
    // Applying twice changes nothing more.
    let once = def.clone();
    defaults::apply(&mut def, &emu).unwrap();
    assert_eq!(def, once);
    let a = build_def(&def).unwrap().args_text();
    assert_eq!(
        values(&a, "-device"),
        [
            r#"{"driver":"piix3-usb-uhci","id":"usb"}"#,
            r#"{"driver":"VGA","id":"video0","vgamem_mb":16}"#,
            r#"{"driver":"virtio-balloon-pci","id":"balloon0"}"#
        ]
    );
}

#[test]
fn live_aliases_are_the_command_line_ids() {
    let dir = tempfile::tempdir().unwrap();
    let img = temp_file(&dir, "d.img", &[0; 512]);
    let mut def = parse_domain(&domain(
        "",
        &format!(
            "<disk type='file' device='disk'><source file='{img}'/><target dev='vdb'/></disk>\
             <disk type='file' device='cdrom'><target dev='hdc'/></disk>\
             <interface type='user'/><console type='pty'/><memballoon model='virtio'/>\
             <watchdog model='ib700'/>"
        ),
    ))
    .unwrap();
    let family = machine_family(&def, &emulator()).unwrap();
    live::assign_aliases(&mut def, family).unwrap();
    let d = &def.devices;
    assert_eq!(d.disks[0].alias.as_deref(), Some("virtio-disk1"));
    assert_eq!(d.disks[1].alias.as_deref(), Some("ide0-1-0"));
    assert_eq!(d.interfaces[0].alias.as_deref(), Some("net0"));
    assert_eq!(d.serials[0].alias.as_deref(), Some("serial0"));
    assert_eq!(d.consoles[0].alias.as_deref(), Some("serial0"));
    assert_eq!(
        d.memballoon.as_ref().unwrap().alias.as_deref(),
        Some("balloon0")
    );
    assert_eq!(d.watchdogs[0].alias.as_deref(), Some("watchdog0"));
    let a = build_def(&def).unwrap().args_text();
    for id in [
        "virtio-disk1",
        "ide0-1-0",
        "net0",
        "serial0",
        "balloon0",
        "watchdog0",
    ] {
        assert!(
            values(&a, "-device")
                .iter()
                .any(|dev| dev.contains(&format!(r#""id":"{id}""#))),
            "{id}: {a:?}"
        );
    }
}

#[test]
fn the_definition_must_name_the_probed_emulator() {
    let xml = domain("", "").replace(
        "/usr/bin/qemu-system-x86_64",
        "/opt/other/qemu-system-x86_64",
    );
    assert_eq!(
        error(&xml),
        "internal error: the emulator '/opt/other/qemu-system-x86_64' of the definition is not the one probed ('/usr/bin/qemu-system-x86_64')"
    );
    let xml = domain("", "").replace("/usr/bin/qemu-system-x86_64", "usr/bin/qemu");
    assert_eq!(
        error(&xml),
        "unsupported configuration: emulator path 'usr/bin/qemu' must be absolute"
    );
}

#[test]
fn an_xhci_controller_with_ports_and_a_usb_tablet() {
    let a = args(&domain(
        "",
        "<controller type='usb' index='0' model='qemu-xhci' ports='15'/>\
         <input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>",
    ));
    assert_eq!(
        values(&a, "-device"),
        [
            r#"{"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb"}"#,
            r#"{"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"}"#
        ]
    );
}

#[test]
fn channel_paths_are_filled_in_the_given_directory() {
    let mut def = parse_domain(&domain(
        "",
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\
         <channel type='unix'><target type='virtio' name='../evil'/></channel>\
         <channel type='unix'><source mode='bind' path='/tmp/kept.sock'/><target type='virtio'/></channel>",
    ))
    .unwrap();
    live::fill_channel_paths(&mut def, Path::new("/run/virtbus/qemu/ch"));
    let paths: Vec<_> = def
        .devices
        .channels
        .iter()
        .map(|c| c.source_path.as_deref().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/run/virtbus/qemu/ch/org.qemu.guest_agent.0",
            "/run/virtbus/qemu/ch/channel1",
            "/tmp/kept.sock"
        ]
    );
}

#[test]
fn a_monitor_path_too_long_for_a_socket_is_refused() {
    let (emu, host) = (emulator(), host());
    let long = format!("/run/{}/m.monitor", "x".repeat(120));
    let ctx = LaunchContext {
        emulator: &emu,
        host: &host,
        monitor_socket: Path::new(&long),
    };
    let err = build(&parse_domain(&domain("", "")).unwrap(), &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("invalid argument: monitor socket path '{long}' is longer than 107 bytes")
    );
}

#[test]
fn device_kinds_the_model_drops_are_refused_at_define() {
    let with = |dev: &str| domain("", dev);
    for (dev, name) in [
        (
            "<hostdev mode='subsystem' type='pci'><source><address bus='0x01' slot='0x00'/></source></hostdev>",
            "hostdev",
        ),
        (
            "<filesystem type='mount'><source dir='/srv'/><target dir='srv'/></filesystem>",
            "filesystem",
        ),
        ("<tpm model='tpm-crb'><backend type='emulator'/></tpm>", "tpm"),
        ("<memory model='dimm'><target><size unit='MiB'>128</size></target></memory>", "memory"),
        ("<parallel type='pty'/>", "parallel"),
    ] {
        assert_eq!(
            defaults::refuse_unmodelled_devices(&with(dev)).unwrap_err().to_string(),
            format!("unsupported configuration: device <{name}> is not supported by this driver"),
            "{dev}"
        );
    }
    // The top-level <memory>, comments and namespaced metadata are not devices.
    let fine = domain(
        "<metadata><app:hostdev xmlns:app='urn:x'/></metadata>",
        "<!-- <hostdev mode='subsystem'/> --><interface type='user'/>",
    );
    defaults::refuse_unmodelled_devices(&fine).unwrap();
}
