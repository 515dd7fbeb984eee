//! The emulator binary: where it is, whether it really is QEMU, its version and machine types.
//!
//! The binary comes from `<emulator>` or is found on `PATH` as `qemu-system-<arch>`. It is
//! checked with `-version` (under a timeout) and its machine types are read once over QMP on
//! stdio (`-machine none -qmp stdio`, `query-machines`), both cached by binary path and
//! modification time, as libvirt caches its capabilities.

use std::{
    collections::HashMap,
    ffi::OsStr,
    io::{Read, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime},
};

use virtbus_core::{Error, Result};

/// How long `-version` may take before the binary is declared unusable.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the machine-type probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most output read from a probe, so that a hostile binary cannot fill memory.
const MAX_PROBE_OUTPUT: u64 = 1 << 20;

/// One machine type the emulator offers (`query-machines`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineType {
    /// The versioned name (`pc-i440fx-7.2`).
    pub name: String,
    /// The short alias (`pc`, `q35`), when it has one.
    pub alias: Option<String>,
    /// Most vCPUs the machine type accepts.
    pub cpu_max: u32,
    /// Whether QEMU uses it when no machine is given.
    pub is_default: bool,
}

/// A probed emulator binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emulator {
    /// The binary's absolute path.
    pub path: PathBuf,
    /// The version as libvirt encodes it: major * 1,000,000 + minor * 1,000 + micro.
    pub version: u64,
    /// The machine types, as `query-machines` lists them.
    pub machines: Vec<MachineType>,
}

impl Emulator {
    /// The machine type called `name`, by versioned name or alias.
    pub fn machine(&self, name: &str) -> Option<&MachineType> {
        self.machines.iter().find(|m| m.name == name).or_else(|| {
            self.machines
                .iter()
                .find(|m| m.alias.as_deref() == Some(name))
        })
    }

    /// The machine type QEMU picks by default.
    pub fn default_machine(&self) -> Option<&MachineType> {
        self.machines.iter().find(|m| m.is_default)
    }
}

/// Cache of probed emulators, by path and modification time.
type Cache = Mutex<HashMap<PathBuf, (SystemTime, Arc<Emulator>)>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The QEMU binary name suffix for a libvirt architecture (`i686` runs on `qemu-system-i386`).
fn qemu_arch(arch: &str) -> &str {
    match arch {
        "i686" => "i386",
        "armv7l" | "armv6l" => "arm",
        other => other,
    }
}

/// The emulator binary for a definition: `<emulator>` when given (an absolute path without
/// `..`), else `qemu-system-<arch>` on `PATH`.
pub fn locate(emulator: Option<&str>, arch: &str) -> Result<PathBuf> {
    if let Some(path) = emulator {
        crate::command_line::paths::check_absolute(path, "emulator")?;
        return Ok(PathBuf::from(path));
    }
    let binary = format!("qemu-system-{}", qemu_arch(arch));
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_var)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(&binary))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| {
            Error::ConfigUnsupported(format!(
                "No emulator found for arch '{arch}': {binary} is not on PATH"
            ))
        })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The emulator at `path`, probed once per modification time: `-version` must name QEMU, and
/// its machine types are read over QMP.
pub fn probe(path: &Path) -> Result<Arc<Emulator>> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::System(format!(
            "Cannot find QEMU binary {shown}: {}",
            crate::store::errno_text(&e)
        ))
    })?;
    if !is_executable(path) {
        return Err(Error::System(format!(
            "Cannot find QEMU binary {shown}: Permission denied"
        )));
    }
    let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    if let Some((cached_mtime, emu)) = cache().lock().expect("cache lock").get(path) {
        if *cached_mtime == mtime {
            return Ok(emu.clone());
        }
    }
    let version_text = run_with_timeout(path, &["-version"], None, VERSION_TIMEOUT)?;
    let version = parse_version(&version_text).ok_or_else(|| not_qemu(&shown))?;
    let qmp_input = concat!(
        "{\"execute\":\"qmp_capabilities\"}\n",
        "{\"execute\":\"query-machines\"}\n",
        "{\"execute\":\"quit\"}\n"
    );
    let qmp_output = run_with_timeout(
        path,
        &[
            "-machine",
            "none",
            "-nodefaults",
            "-nographic",
            "-display",
            "none",
            "-qmp",
            "stdio",
        ],
        Some(qmp_input),
        PROBE_TIMEOUT,
    )?;
    let machines = parse_machines(&qmp_output);
    if machines.is_empty() {
        return Err(Error::Internal(format!(
            "Failed to probe QEMU binary with QMP: {shown} listed no machine types"
        )));
    }
    let emu = Arc::new(Emulator {
        path: path.to_owned(),
        version,
        machines,
    });
    cache()
        .lock()
        .expect("cache lock")
        .insert(path.to_owned(), (mtime, emu.clone()));
    Ok(emu)
}

fn not_qemu(shown: &str) -> Error {
    Error::Internal(format!(
        "Failed to probe QEMU binary with QMP: {shown} is not a QEMU emulator"
    ))
}

/// Runs `path args`, feeding `input` on stdin, and returns its stdout; killed (and reaped)
/// after `timeout`.
pub(crate) fn run_with_timeout(
    path: &Path,
    args: &[&str],
    input: Option<&str>,
    timeout: Duration,
) -> Result<String> {
    let shown = path.display().to_string();
    let mut child = Command::new(path)
        .args(args.iter().map(OsStr::new))
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::System(format!(
                "Cannot find QEMU binary {shown}: {}",
                crate::store::errno_text(&e)
            ))
        })?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        // A binary that does not read its input makes this fail; the timeout still applies.
        let _ = stdin.write_all(text.as_bytes());
    }
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.take(MAX_PROBE_OUTPUT).read_to_end(&mut out);
        out
    });
    let status = wait_with_timeout(&mut child, timeout);
    let out = reader.join().unwrap_or_default();
    match status {
        Some(_) => Ok(String::from_utf8_lossy(&out).into_owned()),
        None => Err(Error::Internal(format!(
            "Failed to probe QEMU binary with QMP: {shown} did not answer within {} s",
            timeout.as_secs()
        ))),
    }
}

/// Waits for `child` up to `timeout`; kills and reaps it when the time is up (`None`).
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// The version in `-version` output ("QEMU emulator version 7.2.22 (Debian ...)"), encoded as
/// libvirt encodes it; `None` when the text is not QEMU's.
pub fn parse_version(text: &str) -> Option<u64> {
    let rest = text
        .lines()
        .next()?
        .trim()
        .strip_prefix("QEMU emulator version ")?;
    let number = rest.split_whitespace().next()?;
    let mut parts = number.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let micro = parts.next().flatten().unwrap_or(0);
    if minor >= 1000 || micro >= 1000 {
        return None;
    }
    Some(major * 1_000_000 + minor * 1_000 + micro)
}

/// The machine types in the `query-machines` reply of a QMP transcript (one JSON message per
/// line); entries without a name are skipped.
pub fn parse_machines(transcript: &str) -> Vec<MachineType> {
    let reply = transcript
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|message| match message.get("return") {
            Some(serde_json::Value::Array(entries)) => Some(entries.clone()),
            _ => None,
        });
    reply
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            Some(MachineType {
                name: entry.get("name")?.as_str()?.to_owned(),
                alias: entry
                    .get("alias")
                    .and_then(|a| a.as_str())
                    .map(str::to_owned),
                cpu_max: entry
                    .get("cpu-max")
                    .and_then(|n| n.as_u64())
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(1),
                is_default: entry
                    .get("is-default")
                    .and_then(|d| d.as_bool())
                    .unwrap_or(false),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_encoded_like_libvirt() {
        assert_eq!(
            parse_version("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"),
            Some(7_002_022)
        );
        assert_eq!(
            parse_version("QEMU emulator version 8.1\n"),
            Some(8_001_000)
        );
        assert_eq!(parse_version("bash, version 5.2\n"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn machines_are_read_from_the_reply() {
        let t = r#"{"QMP": {}}
{"return": {}}
{"return": [{"hotpluggable-cpus": true, "name": "pc-q35-7.2", "alias": "q35", "cpu-max": 288, "deprecated": false}, {"name": "pc-i440fx-7.2", "is-default": true, "alias": "pc", "cpu-max": 255}, {"name": "none", "cpu-max": 1}]}
"#;
        let m = parse_machines(t);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].name, "pc-q35-7.2");
        assert_eq!(m[0].alias.as_deref(), Some("q35"));
        assert_eq!(m[0].cpu_max, 288);
        assert!(m[1].is_default && !m[0].is_default);
        assert_eq!(m[2].alias, None);
    }

    #[test]
    fn the_installed_qemu_is_probed_and_cached() {
        let Ok(path) = locate(None, "x86_64") else {
            panic!("qemu-system-x86_64 must be installed for these tests");
        };
        let emu = probe(&path).unwrap();
        assert!(emu.version >= 1_000_000, "{}", emu.version);
        let pc = emu.machine("pc").expect("pc alias");
        assert!(pc.name.starts_with("pc-i440fx-"));
        assert!(pc.cpu_max >= 255);
        assert!(emu.default_machine().is_some());
        assert!(Arc::ptr_eq(&emu, &probe(&path).unwrap()));
    }

    #[test]
    fn a_binary_that_is_not_qemu_is_refused() {
        let err = probe(Path::new("/bin/true")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "internal error: Failed to probe QEMU binary with QMP: /bin/true is not a QEMU emulator"
        );
        let err = probe(Path::new("/nonexistent/qemu")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot find QEMU binary /nonexistent/qemu: No such file or directory"
        );
        let err = locate(Some("bin/qemu"), "x86_64").unwrap_err();
        assert_eq!(err.code(), 67);
    }

    #[test]
    fn a_script_that_only_claims_to_be_qemu_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("qemu-system-x86_64");
        std::fs::write(&fake, "#!/bin/sh\necho 'QEMU emulator version 9.9.9'\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = probe(&fake).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "internal error: Failed to probe QEMU binary with QMP: {} listed no machine types",
                fake.display()
            )
        );
    }

    #[test]
    fn a_binary_that_hangs_is_killed_after_the_timeout() {
        let start = Instant::now();
        let err = run_with_timeout(
            Path::new("/bin/sleep"),
            &["30"],
            None,
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(err.to_string().contains("did not answer"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
