//! Real guests on the QEMU connection in tests: calls on the connection and its domains, a
//! definition that needs no disk, the tiny guest, the emulator's pid from the service's
//! runtime status, and cleanup by pid.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use zbus::OwnedObjectPath;

use super::{call, send_signal, Reply, Service};

/// The QEMU connection object.
pub const QEMU_PATH: &str = "/org/libvirt/QEMU";
/// The connection interface.
pub const CONNECT: &str = "org.libvirt.Connect";
/// The domain interface.
pub const DOMAIN: &str = "org.libvirt.Domain";

/// Calls `method` of `org.libvirt.Connect` on the QEMU connection.
pub async fn qemu_call<B>(service: &Service, method: &str, body: &B) -> Reply
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    call(&service.conn, QEMU_PATH, CONNECT, method, body).await
}

/// Calls `method` of `org.libvirt.Domain` on the domain at `path`.
pub async fn domain_call<B>(service: &Service, path: &str, method: &str, body: &B) -> Reply
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    call(&service.conn, path, DOMAIN, method, body).await
}

/// The object path a successful call returned.
pub fn path_of(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: OwnedObjectPath = msg.body().deserialize().unwrap();
    path.to_string()
}

/// Defines and starts the persistent domain of `xml`; returns its object path.
pub async fn define_and_start(service: &Service, xml: &str) -> String {
    let path = path_of(qemu_call(service, "DomainDefineXML", &(xml,)).await);
    domain_call(service, &path, "Create", &0u32)
        .await
        .expect_ok();
    path
}

/// The domain's (state, reason).
pub async fn get_state(service: &Service, path: &str) -> (i32, i32) {
    let msg = domain_call(service, path, "GetState", &0u32)
        .await
        .expect_ok();
    msg.body().deserialize().unwrap()
}

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
