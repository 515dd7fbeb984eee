//! Real qemu started with the argument vectors the driver builds: each must start, reach the
//! QMP greeting, and is then killed by pid.

use std::{
    io::{BufRead, BufReader, Write},
    os::unix::net::UnixStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use virtbus_core::{model::DomainDef, xml::parse_domain};
use virtbus_qemu_driver::{
    command_line::{build, defaults, live, HostFacts, LaunchContext},
    emulator,
};

/// How long qemu may take to greet.
const GREETING_TIMEOUT: Duration = Duration::from_secs(20);

/// A started emulator, killed and reaped when dropped.
struct Guest(Child);

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds the command line of `xml`, starts it with output in `dir/qemu.log`, and returns the
/// QMP greeting line.
fn start_and_greet(xml: &str, dir: &Path) -> String {
    start_def_and_greet(&parse_domain(xml).unwrap(), dir)
}

/// As [`start_and_greet`], for a parsed definition.
fn start_def_and_greet(def: &DomainDef, dir: &Path) -> String {
    start_def_and_greet_expecting(def, dir, &[])
}

/// As [`start_def_and_greet`], also checking that each of `sockets` exists while the
/// emulator runs.
fn start_def_and_greet_expecting(def: &DomainDef, dir: &Path, sockets: &[&Path]) -> String {
    let emu =
        emulator::probe(&emulator::locate(def.devices.emulator.as_deref(), "x86_64").unwrap())
            .unwrap();
    let host = HostFacts::probe();
    let socket = dir.join("m.monitor");
    let ctx = LaunchContext {
        emulator: &emu,
        host: &host,
        monitor_socket: &socket,
    };
    let cl = build(def, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let log_path = dir.join("qemu.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut guest = Guest(
        Command::new(&cl.program)
            .args(&cl.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + GREETING_TIMEOUT;
    let stream = loop {
        if let Ok(s) = UnixStream::connect(&socket) {
            break s;
        }
        if let Ok(Some(status)) = guest.0.try_wait() {
            panic!(
                "qemu exited with {status}: {}\nargs: {:?}",
                std::fs::read_to_string(&log_path).unwrap_or_default(),
                cl.args_text()
            );
        }
        assert!(
            Instant::now() < deadline,
            "no QMP socket after {GREETING_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    stream
        .set_read_timeout(Some(deadline.saturating_duration_since(Instant::now())))
        .unwrap();
    let mut greeting = String::new();
    BufReader::new(stream).read_line(&mut greeting).unwrap();
    // Still running (paused by -S) when it greets.
    assert!(guest.0.try_wait().unwrap().is_none());
    for socket in sockets {
        use std::os::unix::fs::FileTypeExt;
        let meta =
            std::fs::metadata(socket).unwrap_or_else(|e| panic!("{}: {e}", socket.display()));
        assert!(meta.file_type().is_socket(), "{}", socket.display());
    }
    drop(guest);
    greeting
}

fn assert_greeting(greeting: &str) {
    assert!(
        greeting.starts_with("{\"QMP\": {\"version\": {\"qemu\":"),
        "{greeting}"
    );
}

#[test]
fn a_no_disk_guest_starts_and_greets() {
    let dir = tempfile::tempdir().unwrap();
    let xml = "<domain type='qemu'><name>rc-nodisk</name><memory unit='MiB'>128</memory>\
        <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
        <features><acpi/></features><devices><console type='pty'/></devices></domain>";
    assert_greeting(&start_and_greet(xml, dir.path()));
}

#[test]
fn a_guest_with_a_qcow2_disk_starts_and_greets() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.qcow2");
    let overlay = dir.path().join("overlay.qcow2");
    for args in [
        vec!["create", "-q", "-f", "qcow2", base.to_str().unwrap(), "16M"],
        vec![
            "create",
            "-q",
            "-f",
            "qcow2",
            "-b",
            base.to_str().unwrap(),
            "-F",
            "qcow2",
            overlay.to_str().unwrap(),
        ],
    ] {
        let out = Command::new("qemu-img").args(&args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let xml = format!(
        "<domain type='qemu'><name>disk-guest</name><memory unit='MiB'>128</memory>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>\
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
        overlay.display()
    );
    assert_greeting(&start_and_greet(&xml, dir.path()));
}

/// Every device family the builder supports, on both machine families: QEMU must accept the
/// whole vector.
#[test]
fn guests_with_every_supported_device_start_and_greet() {
    for machine in ["pc", "q35"] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        let img = dir.path().join("d.img");
        std::fs::write(&img, vec![0u8; 1 << 20]).unwrap();
        let iso = dir.path().join("cd.iso");
        std::fs::write(&iso, vec![0u8; 1 << 16]).unwrap();
        let cdrom_bus = if machine == "pc" { "ide" } else { "sata" };
        let xml = format!(
            "<domain type='qemu'><name>full-{machine}</name><memory unit='MiB'>256</memory>\
             <currentMemory unit='MiB'>192</currentMemory><vcpu current='1'>2</vcpu>\
             <os><type arch='x86_64' machine='{machine}'>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>\
             <features><acpi/><apic/></features>\
             <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/>\
             <timer name='hpet' present='no'/></clock>\
             <on_reboot>destroy</on_reboot><pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>\
             <devices>\
             <disk type='file' device='disk'><driver name='qemu' type='raw' cache='none' discard='unmap'/>\
             <source file='{}'/><target dev='vda' bus='virtio'/></disk>\
             <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='{}'/>\
             <target dev='sdb' bus='{cdrom_bus}'/><readonly/></disk>\
             <disk type='file' device='cdrom'><target dev='sdc' bus='scsi'/></disk>\
             <controller type='scsi' model='virtio-scsi'/>\
             <controller type='usb' model='qemu-xhci'/>\
             <interface type='user'><model type='virtio'/></interface>\
             <interface type='user'><model type='e1000'/></interface>\
             <serial type='file'><source path='{d}/serial.log'/></serial>\
             <serial type='unix'><source mode='bind' path='{d}/ser1.sock'/><target port='1'/></serial>\
             <console type='pty'><target type='virtio'/></console>\
             <channel type='unix'><source mode='bind' path='{d}/qga.sock'/>\
             <target type='virtio' name='org.qemu.guest_agent.0'/></channel>\
             <input type='tablet' bus='usb'/><input type='mouse' bus='ps2'/>\
             <graphics type='vnc' autoport='yes'/><video><model type='vga' vram='16384'/></video>\
             <watchdog model='i6300esb' action='reset'/><panic model='isa'/>\
             <memballoon model='virtio' autodeflate='on'/>\
             <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\
             </devices></domain>",
            img.display(),
            iso.display(),
        )
        .replace("dev='sdb' bus='ide'", "dev='hdc' bus='ide'");
        assert_greeting(&start_and_greet(&xml, dir.path()));
    }
}

/// Definitions completed with the define-time defaults (implicit USB controller, PS/2 input,
/// balloon, video for VNC) start on both machine families.
#[test]
fn defaulted_definitions_start_and_greet() {
    for machine in ["pc", "q35"] {
        let dir = tempfile::tempdir().unwrap();
        let mut def = parse_domain(&format!(
            "<domain type='qemu'><name>dflt-{machine}</name><memory unit='MiB'>128</memory>\
             <os><type machine='{machine}'>hvm</type></os>\
             <devices><graphics type='vnc'/><input type='tablet' bus='usb'/></devices></domain>"
        ))
        .unwrap();
        let emu = emulator::probe(&emulator::locate(None, "x86_64").unwrap()).unwrap();
        defaults::apply(&mut def, &emu).unwrap();
        assert!(def.os.machine.as_deref().unwrap().starts_with("pc-"));
        assert_greeting(&start_def_and_greet(&def, dir.path()));
    }
}

/// Where the tiny guest of reference §3.3 is cached (`VIRTBUS_TINY_GUEST` overrides).
fn tiny_guest_dir() -> std::path::PathBuf {
    match std::env::var_os("VIRTBUS_TINY_GUEST") {
        Some(dir) => dir.into(),
        None => {
            Path::new(&std::env::var_os("HOME").expect("HOME")).join(".cache/virtbus/tiny-guest")
        }
    }
}

/// The tiny guest's definition (direct kernel boot, serial console to a file) boots for
/// real: after `qmp_capabilities` and `cont` the guest prints GUEST-READY on the serial file.
#[test]
fn the_tiny_guest_boots_from_its_kernel_and_writes_its_serial_file() {
    let guest = tiny_guest_dir();
    assert!(
        guest.join("vmlinuz").is_file() && guest.join("initrd.gz").is_file(),
        "the tiny guest (reference §3.3) must be built into {} first",
        guest.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let serial = dir.path().join("serial.log");
    let xml = format!(
        "<domain type='qemu'><name>tiny</name><memory unit='MiB'>128</memory>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel>\
         <initrd>{}</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>\
         <features><acpi/></features><devices>\
         <serial type='file'><source path='{}'/></serial><panic model='isa'/></devices></domain>",
        guest.join("vmlinuz").display(),
        guest.join("initrd.gz").display(),
        serial.display()
    );
    let def = parse_domain(&xml).unwrap();
    let emu = emulator::probe(&emulator::locate(None, "x86_64").unwrap()).unwrap();
    let host = HostFacts::probe();
    let socket = dir.path().join("m.monitor");
    let cl = build(
        &def,
        &LaunchContext {
            emulator: &emu,
            host: &host,
            monitor_socket: &socket,
        },
    )
    .unwrap();
    let mut guest = Guest(
        Command::new(&cl.program)
            .args(&cl.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut stream = loop {
        if let Ok(s) = UnixStream::connect(&socket) {
            break s;
        }
        assert!(guest.0.try_wait().unwrap().is_none(), "qemu exited");
        assert!(Instant::now() < deadline, "no QMP socket");
        std::thread::sleep(Duration::from_millis(5));
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_greeting(&line);
    stream
        .write_all(b"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"cont\"}\n")
        .unwrap();
    loop {
        let text = std::fs::read_to_string(&serial).unwrap_or_default();
        if text.contains("GUEST-READY") {
            break;
        }
        assert!(guest.0.try_wait().unwrap().is_none(), "qemu exited: {text}");
        assert!(
            Instant::now() < deadline,
            "no GUEST-READY within 60 s; serial so far:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(guest);
}

/// `type='kvm'` follows the host: refused with libvirt's text where KVM is unusable (as on
/// machines without vmx/svm, reference §3.1), `-accel kvm` where it works.
#[test]
fn kvm_follows_what_the_host_offers() {
    let def = parse_domain(
        "<domain type='kvm'><name>k</name><memory unit='MiB'>128</memory>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
    )
    .unwrap();
    let emu = emulator::probe(&emulator::locate(None, "x86_64").unwrap()).unwrap();
    let host = HostFacts::probe();
    let result = build(
        &def,
        &LaunchContext {
            emulator: &emu,
            host: &host,
            monitor_socket: Path::new("/tmp/k.monitor"),
        },
    );
    let has_hw_virt = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap()
        .split_whitespace()
        .any(|f| f == "vmx" || f == "svm");
    if host.kvm_usable {
        assert!(has_hw_virt);
        let args = result.unwrap().args_text();
        assert!(args.windows(2).any(|w| w[0] == "-accel" && w[1] == "kvm"));
    } else {
        assert_eq!(
            result.unwrap_err().to_string(),
            "unsupported configuration: Domain requires KVM, but it is not available. Check \
             that virtualization is enabled in the host BIOS, and host configuration is setup \
             to load the kvm modules."
        );
    }
}

/// A q35 domain as virt-install (and so cockpit-machines) writes it: explicit PCI addresses
/// behind pcie-root-ports, an xHCI controller with ports, a guest-agent channel whose socket
/// path the driver fills, a SATA CD-ROM, virtio video, balloon and RNG.
#[test]
fn a_virt_install_q35_domain_starts_and_greets() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("vm.qcow2");
    let out = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", disk.to_str().unwrap(), "64M"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let pci = |bus: u32, slot: u32, function: u32| {
        format!(
            "<address type='pci' domain='0x0000' bus='0x{bus:02x}' slot='0x{slot:02x}' function='0x{function:x}'/>"
        )
    };
    let mut root_ports = String::new();
    for i in 1..=6u32 {
        let multifunction = if i == 1 { " multifunction='on'" } else { "" };
        root_ports.push_str(&format!(
            "<controller type='pci' index='{i}' model='pcie-root-port'><model name='pcie-root-port'/>\
             <target chassis='{i}' port='0x{:x}'/>\
             <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x{:x}'{multifunction}/>\
             </controller>",
            0x10 + i - 1,
            i - 1
        ));
    }
    let xml = format!(
        "<domain type='qemu'><name>vi-q35</name><uuid>1b4e28ba-2fa1-11d2-883f-0016d3cca427</uuid>\
         <memory unit='KiB'>262144</memory><currentMemory unit='KiB'>262144</currentMemory>\
         <vcpu placement='static'>2</vcpu>\
         <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>\
         <features><acpi/><apic/><vmport state='off'/></features>\
         <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model></cpu>\
         <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/>\
         <timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>\
         <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>\
         <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>\
         <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>\
         <disk type='file' device='disk'><driver name='qemu' type='qcow2' discard='unmap'/>\
         <source file='{}'/><target dev='vda' bus='virtio'/>{}</disk>\
         <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>\
         <target dev='sda' bus='sata'/><readonly/>\
         <address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>\
         <controller type='usb' index='0' model='qemu-xhci' ports='15'>{}</controller>\
         <controller type='pci' index='0' model='pcie-root'/>{root_ports}\
         <controller type='sata' index='0'>{}</controller>\
         <controller type='virtio-serial' index='0'>{}</controller>\
         <interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/>{}</interface>\
         <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>\
         <console type='pty'><target type='serial' port='0'/></console>\
         <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>\
         <address type='virtio-serial' controller='0' bus='0' port='1'/></channel>\
         <input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>\
         <input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>\
         <graphics type='vnc' port='-1' autoport='yes'><listen type='address'/></graphics>\
         <video><model type='virtio' heads='1' primary='yes'/>{}</video>\
         <memballoon model='virtio'>{}</memballoon>\
         <rng model='virtio'><backend model='random'>/dev/urandom</backend>{}</rng>\
         </devices></domain>",
        disk.display(),
        pci(4, 0, 0),
        pci(2, 0, 0),
        pci(0, 0x1f, 2),
        pci(3, 0, 0),
        pci(1, 0, 0),
        pci(0, 1, 0),
        pci(5, 0, 0),
        pci(6, 0, 0),
    );
    let mut def = parse_domain(&xml).unwrap();
    let channels = dir.path().join("channels");
    std::fs::create_dir(&channels).unwrap();
    live::fill_channel_paths(&mut def, &channels);
    assert_eq!(
        def.devices.channels[0].source_path.as_deref(),
        channels.join("org.qemu.guest_agent.0").to_str()
    );
    // The guest-agent socket QEMU listens on is where the live definition says.
    let agent = channels.join("org.qemu.guest_agent.0");
    assert_greeting(&start_def_and_greet_expecting(&def, dir.path(), &[&agent]));
}

/// `<interface type='ethernet'>` follows the host: a tap QEMU creates when the service may
/// create one, a clear refusal otherwise.
#[test]
fn an_ethernet_interface_follows_what_the_host_allows() {
    let dir = tempfile::tempdir().unwrap();
    let xml = "<domain type='qemu'><name>tap</name><memory unit='MiB'>128</memory>\
        <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>\
        <interface type='ethernet'><model type='virtio'/></interface></devices></domain>";
    if HostFacts::probe().privileged {
        assert_greeting(&start_and_greet(xml, dir.path()));
    } else {
        let def = parse_domain(xml).unwrap();
        let emu = emulator::probe(&emulator::locate(None, "x86_64").unwrap()).unwrap();
        let host = HostFacts::probe();
        let err = build(
            &def,
            &LaunchContext {
                emulator: &emu,
                host: &host,
                monitor_socket: Path::new("/tmp/t.monitor"),
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("needs a privileged service"),
            "{err}"
        );
    }
}
