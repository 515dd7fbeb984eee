//! The guests the QEMU phase runs, as domain XML both services accept, and the files they
//! need: the tiny guest's kernel and initramfs (scripts/build-tiny-guest.sh) copied to a
//! folder every user can read, since libvirtd's qemu runs as its own user.

use std::{
    fs, io,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use tempfile::TempDir;

use crate::error::BenchError;

/// The script that builds the tiny guest and prints its folder.
const BUILD_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../scripts/build-tiny-guest.sh"
);

/// Guest memory, MiB: the tiny guest's kernel needs at least 96 (reference §3).
const MEMORY_MIB: u32 = 128;

/// Why the tiny guest is not available (its rows are then skipped).
#[derive(Debug, thiserror::Error)]
pub enum TinyGuestError {
    /// The folder has no kernel or initramfs.
    #[error("No tiny guest in {0} (vmlinuz and initrd.gz expected)")]
    Missing(PathBuf),
    /// The build script could not be run.
    #[error("Cannot run {script}: {source}")]
    Script {
        /// The script.
        script: &'static str,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The build script failed.
    #[error("{script} failed: {status}")]
    ScriptFailed {
        /// The script.
        script: &'static str,
        /// Its exit status.
        status: std::process::ExitStatus,
    },
}

/// The two kinds of guest whose Create and Destroy are timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestKind {
    /// No disk, no kernel: SeaBIOS finds nothing to boot and the vCPU idles.
    NoDisk,
    /// The tiny guest: direct kernel boot into a busybox initramfs that prints GUEST-READY.
    Tiny,
}

impl GuestKind {
    /// Short name for the report.
    pub fn label(self) -> &'static str {
        match self {
            Self::NoDisk => "no disk",
            Self::Tiny => "tiny guest",
        }
    }
}

/// The tiny guest's folder: `explicit` when given, else `$VIRTBUS_TINY_GUEST_DIR` when it
/// holds a build, else what scripts/build-tiny-guest.sh prints (it builds once, then reuses
/// its cache).
pub fn tiny_guest_folder(explicit: Option<&Path>) -> Result<PathBuf, TinyGuestError> {
    let built = |dir: &Path| dir.join("vmlinuz").is_file() && dir.join("initrd.gz").is_file();
    if let Some(dir) = explicit {
        return if built(dir) {
            Ok(dir.to_owned())
        } else {
            Err(TinyGuestError::Missing(dir.to_owned()))
        };
    }
    if let Some(dir) = std::env::var_os("VIRTBUS_TINY_GUEST_DIR").map(PathBuf::from) {
        if built(&dir) {
            return Ok(dir);
        }
    }
    let out = Command::new(BUILD_SCRIPT)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| TinyGuestError::Script {
            script: BUILD_SCRIPT,
            source,
        })?;
    if !out.status.success() {
        return Err(TinyGuestError::ScriptFailed {
            script: BUILD_SCRIPT,
            status: out.status,
        });
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = PathBuf::from(text.lines().last().unwrap_or_default().trim());
    if built(&dir) {
        Ok(dir)
    } else {
        Err(TinyGuestError::Missing(dir))
    }
}

/// A folder every user can read holding copies of the tiny guest's files, and a folder every
/// user can write for the guests' serial logs. Removed when dropped.
#[derive(Debug)]
pub struct GuestFiles {
    dir: TempDir,
    /// The kernel and initramfs copies, when the tiny guest is available.
    tiny: Option<(PathBuf, PathBuf)>,
}

impl GuestFiles {
    /// Creates the folders and copies the tiny guest from `tiny` when given.
    pub fn stage(tiny: Option<&Path>) -> Result<Self, BenchError> {
        let dir = tempfile::Builder::new()
            .prefix("virtbus-bench-guests-")
            .tempdir()
            .map_err(|source| BenchError::File {
                path: std::env::temp_dir(),
                source,
            })?;
        set_mode(dir.path(), 0o755)?;
        let serial = dir.path().join("serial");
        fs::create_dir(&serial).map_err(|source| BenchError::File {
            path: serial.clone(),
            source,
        })?;
        set_mode(&serial, 0o777)?;
        let tiny = match tiny {
            Some(folder) => {
                let mut copies = Vec::new();
                for name in ["vmlinuz", "initrd.gz"] {
                    let to = dir.path().join(name);
                    fs::copy(folder.join(name), &to).map_err(|source| BenchError::File {
                        path: folder.join(name),
                        source,
                    })?;
                    set_mode(&to, 0o644)?;
                    copies.push(to);
                }
                let initrd = copies.pop();
                copies.pop().zip(initrd)
            }
            None => None,
        };
        Ok(Self { dir, tiny })
    }

    /// The serial log of the guest `name`.
    pub fn serial_log(&self, name: &str) -> PathBuf {
        self.dir.path().join("serial").join(format!("{name}.log"))
    }

    /// The domain XML of a guest of `kind` named `name` with uuid number `index`; `None` for
    /// the tiny guest when it is not available.
    pub fn xml(
        &self,
        kind: GuestKind,
        name: &str,
        index: usize,
        emulator: &Path,
    ) -> Option<String> {
        match kind {
            GuestKind::NoDisk => Some(no_disk_xml(name, index, emulator)),
            GuestKind::Tiny => {
                let (kernel, initrd) = self.tiny.as_ref()?;
                Some(tiny_xml(
                    name,
                    index,
                    emulator,
                    kernel,
                    initrd,
                    &self.serial_log(name),
                ))
            }
        }
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), BenchError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|source| BenchError::File {
        path: path.to_owned(),
        source,
    })
}

/// A fixed UUID per guest number, so a rerun redefines the same domains.
fn uuid(index: usize) -> String {
    format!("b2000000-0000-4000-8000-{index:012x}")
}

/// The definition the reference measured libvirt with (real-components §4): TCG, 128 MiB,
/// one vCPU, machine `pc`, ACPI, no disk.
fn no_disk_xml(name: &str, index: usize, emulator: &Path) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><uuid>{}</uuid>\
         <memory unit='MiB'>{MEMORY_MIB}</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>\
         <devices><emulator>{}</emulator></devices></domain>",
        uuid(index),
        emulator.display()
    )
}

/// The no-disk definition plus direct kernel boot of the tiny guest and its serial console
/// in a file (where GUEST-READY appears).
fn tiny_xml(
    name: &str,
    index: usize,
    emulator: &Path,
    kernel: &Path,
    initrd: &Path,
    serial: &Path,
) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><uuid>{}</uuid>\
         <memory unit='MiB'>{MEMORY_MIB}</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel>\
         <initrd>{}</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>\
         <features><acpi/></features><devices><emulator>{}</emulator>\
         <serial type='file'><source path='{}'/><target port='0'/></serial>\
         </devices></domain>",
        uuid(index),
        kernel.display(),
        initrd.display(),
        emulator.display(),
        serial.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_disk_definition() {
        let xml = no_disk_xml("g", 3, Path::new("/usr/bin/qemu-system-x86_64"));
        assert!(xml.contains("<name>g</name>"));
        assert!(xml.contains("<uuid>b2000000-0000-4000-8000-000000000003</uuid>"));
        assert!(xml.contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>"));
        assert!(!xml.contains("<kernel>"));
    }

    #[test]
    fn tiny_definition_boots_the_kernel_with_a_serial_file() {
        let files = GuestFiles::stage(None).unwrap();
        let emulator = Path::new("/q");
        assert!(files.xml(GuestKind::Tiny, "t", 1, emulator).is_none());
        let xml = tiny_xml(
            "t",
            1,
            emulator,
            Path::new("/k"),
            Path::new("/i"),
            &files.serial_log("t"),
        );
        assert!(xml.contains("<kernel>/k</kernel><initrd>/i</initrd>"));
        assert!(xml.contains("serial/t.log'/>"));
        let mode = |p: &Path| p.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(files.dir.path()), 0o755);
        assert_eq!(mode(&files.dir.path().join("serial")), 0o777);
    }
}
