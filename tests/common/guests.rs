//! Real guests on the QEMU connection in tests: a definition that needs no disk, the tiny
//! guest, the emulator's pid from the service's runtime status, and cleanup by pid.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use super::{send_signal, Service};

/// A definition with no disk: SeaBIOS finds nothing to boot and idles, which is enough for
/// every lifecycle call.
pub fn no_disk_xml(name: &str, emulator: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>\
         <devices><emulator>{emulator}</emulator></devices></domain>"
    )
}

/// The pid of the emulator of `name`, from its runtime status in the service's folders.
pub fn emulator_pid(service: &Service, name: &str) -> u32 {
    let status = std::fs::read_to_string(service.bus().dir().join(format!("run/qemu/{name}.xml")))
        .expect("the runtime status of a running guest");
    status
        .split("pid='")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .and_then(|p| p.parse().ok())
        .expect("a pid in the status")
}

/// Whether process `pid` runs (a zombie does not).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat.split(") ").nth(1).unwrap_or("").starts_with('Z'))
}

/// Kills (by pid) every guest the service's folders still list, when the test ends.
pub struct KillGuests(pub PathBuf);

impl Drop for KillGuests {
    fn drop(&mut self) {
        let Ok(entries) = std::fs::read_dir(self.0.join("run/qemu")) else {
            return;
        };
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if let Some(pid) = text
                .split("pid='")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .and_then(|p| p.parse::<u32>().ok())
            {
                send_signal(pid, libc::SIGKILL);
            }
        }
    }
}

/// The tiny guest's folder (vmlinuz, initrd.gz), built once by scripts/build-tiny-guest.sh.
pub fn tiny_guest() -> &'static Path {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| {
        if let Some(dir) = std::env::var_os("VIRTBUS_TINY_GUEST_DIR").map(PathBuf::from) {
            if dir.join("vmlinuz").is_file() {
                return dir;
            }
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-tiny-guest.sh");
        let out = std::process::Command::new(&script)
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run scripts/build-tiny-guest.sh");
        assert!(out.status.success(), "scripts/build-tiny-guest.sh failed");
        PathBuf::from(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .last()
                .unwrap()
                .trim(),
        )
    })
}
