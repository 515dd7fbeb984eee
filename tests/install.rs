//! scripts/install.sh into a temporary DESTDIR: the tree it makes, the paths in the files it
//! installs, its refusal to overwrite another package's file (libvirt-dbus's bus policy) unless
//! `--force`, and `--uninstall`.

mod common;

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use common::virtbus_bin;

/// Runs scripts/install.sh with `args` (60 s at most) and returns its output.
fn install(args: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    let mut child = Command::new("bash")
        .arg(script)
        .args(args)
        .env_remove("PREFIX")
        .env_remove("DESTDIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn install.sh");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("install.sh {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Installs with PREFIX=/usr into `destdir`, plus `extra` options.
fn install_into(destdir: &Path, extra: &[&str]) -> Output {
    let bin = virtbus_bin();
    let mut args = vec![
        "--prefix",
        "/usr",
        "--destdir",
        destdir.to_str().unwrap(),
        "--bin",
        bin.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    install(&args)
}

/// The files install.sh installs, relative to PREFIX.
fn listed() -> Vec<String> {
    let out = install(&["--list"]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn usr(destdir: &Path, rel: &str) -> PathBuf {
    destdir.join("usr").join(rel)
}

/// libvirt-dbus's bus policy, as its package installs it: another package's file.
const LIBVIRT_DBUS_POLICY: &str = "<busconfig><policy user=\"libvirtdbus\">\
    <allow own=\"org.libvirt\"/></policy></busconfig>\n";

#[test]
fn installs_every_file_with_prefix_paths_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = install_into(dir.path(), &[]);
    assert!(out.status.success(), "{out:?}");
    let files = listed();
    for expected in [
        "bin/virtbus",
        "share/dbus-1/system.d/org.libvirt.conf",
        "share/dbus-1/services/org.libvirt.service",
        "share/dbus-1/system-services/org.libvirt.service",
        "lib/systemd/system/virtbus.service",
        "lib/sysusers.d/virtbus.conf",
        "share/man/man1/virtbus.1",
        "share/bash-completion/completions/virtbus",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} not in the list"
        );
    }
    for rel in &files {
        let path = usr(dir.path(), rel);
        let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(meta.len() > 0, "{rel} is empty");
        let mode = meta.permissions().mode() & 0o777;
        let want = if rel.starts_with("bin/") {
            0o755
        } else {
            0o644
        };
        assert_eq!(mode, want, "mode of {rel}");
    }
    // The installed binary is the one given, and runs.
    let installed = usr(dir.path(), "bin/virtbus");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(virtbus_bin()).unwrap()
    );
    let page = std::fs::read_to_string(usr(dir.path(), "share/man/man1/virtbus.1")).unwrap();
    assert!(page.contains(".TH virtbus 1"), "{page}");
    // Data files name the binary under PREFIX.
    let unit =
        std::fs::read_to_string(usr(dir.path(), "lib/systemd/system/virtbus.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/bin/virtbus --system"),
        "{unit}"
    );
    let manifest =
        std::fs::read_to_string(usr(dir.path(), "share/virtbus/install-manifest")).unwrap();
    assert_eq!(manifest.lines().count(), files.len(), "{manifest}");

    // Again over its own files: fine.
    let out = install_into(dir.path(), &[]);
    assert!(out.status.success(), "reinstall: {out:?}");

    // Another PREFIX: the activation file points there.
    let local = tempfile::tempdir().unwrap();
    let bin = virtbus_bin();
    let out = install(&[
        "--prefix",
        "/opt/vb",
        "--destdir",
        local.path().to_str().unwrap(),
        "--bin",
        bin.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let service = std::fs::read_to_string(
        local
            .path()
            .join("opt/vb/share/dbus-1/services/org.libvirt.service"),
    )
    .unwrap();
    assert!(
        service.contains("Exec=/opt/vb/bin/virtbus --session"),
        "{service}"
    );
}

#[test]
fn refuses_to_overwrite_another_packages_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let policy = usr(dir.path(), "share/dbus-1/system.d/org.libvirt.conf");
    std::fs::create_dir_all(policy.parent().unwrap()).unwrap();
    std::fs::write(&policy, LIBVIRT_DBUS_POLICY).unwrap();

    let out = install_into(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(policy.to_str().unwrap()),
        "the refusal names the file: {stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    // Nothing half-installed: the other file is intact and no file of virtbus is there.
    assert_eq!(
        std::fs::read_to_string(&policy).unwrap(),
        LIBVIRT_DBUS_POLICY
    );
    assert!(
        !usr(dir.path(), "bin/virtbus").exists(),
        "installed despite the refusal"
    );
    assert!(!usr(dir.path(), "share/virtbus/install-manifest").exists());

    let out = install_into(dir.path(), &["--force"]);
    assert!(out.status.success(), "{out:?}");
    let now = std::fs::read_to_string(&policy).unwrap();
    assert!(now.contains("<policy user=\"virtbus\">"), "{now}");
}

#[test]
fn uninstall_removes_what_it_installed_and_keeps_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    assert!(install_into(dir.path(), &[]).status.success());
    let unit = usr(dir.path(), "lib/systemd/system/virtbus.service");
    std::fs::write(&unit, "[Unit]\n# edited by the admin\n").unwrap();
    let out = install(&[
        "--prefix",
        "/usr",
        "--destdir",
        dir.path().to_str().unwrap(),
        "--uninstall",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a changed file is kept: {out:?}"
    );
    assert!(unit.exists(), "the edited unit was removed");
    for rel in listed().iter().filter(|r| !r.ends_with("virtbus.service")) {
        assert!(!usr(dir.path(), rel).exists(), "{rel} left behind");
    }
    assert!(!usr(dir.path(), "share/virtbus/install-manifest").exists());
}
