//! Save and restore through migration to a file, against real qemu (src/save.rs). Every qemu
//! started is killed by pid (KillOnDrop) whatever happens.

mod common;

use std::{io::Write, time::Duration};

use common::{run_status, start_definition, within};
use virtbus_qemu_driver::save;

const XML: &str = "<domain type='qemu'><name>sv-nodisk</name><memory unit='MiB'>64</memory>\
     <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
     <devices><memballoon model='none'/></devices></domain>";

#[tokio::test]
async fn a_saved_running_guest_restores_in_a_new_qemu_and_runs_after_cont() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let source_dir = dir.path().join("a");
        let target_dir = dir.path().join("b");
        std::fs::create_dir_all(&source_dir).unwrap();
        std::fs::create_dir_all(&target_dir).unwrap();
        let image = dir.path().join("guest.save");

        let source = start_definition(XML, &source_dir, &[]).await;
        let qmp = &source.started.monitor;
        qmp.execute("cont", None).await.unwrap();
        assert_eq!(run_status(qmp).await, "running");
        let header_xml = "<domain type='qemu'><name>sv-nodisk</name></domain>";
        let saved = save::save(qmp, &image, header_xml).await.unwrap();
        assert!(saved.was_running);
        // The guest is left stopped after its state went out.
        assert_eq!(run_status(qmp).await, "postmigrate");
        assert_eq!(save::read_header(&image).unwrap(), header_xml);
        let bytes = std::fs::read(&image).unwrap();
        assert_eq!(&bytes[..16], save::SAVE_MAGIC);
        let header = save::read_image(&image).unwrap();
        // QEMU's migration stream follows the header: "QEVM" magic.
        let offset = header.data_offset as usize;
        assert_eq!(&bytes[offset..offset + 4], b"QEVM");
        assert!(bytes.len() > offset + 4096, "{} bytes", bytes.len());
        source
            .started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();

        let target = start_definition(XML, &target_dir, &save::incoming_args()).await;
        let qmp = &target.started.monitor;
        assert_eq!(run_status(qmp).await, "inmigrate");
        let restored = save::restore(qmp, &image).await.unwrap();
        assert!(restored.was_running);
        assert_eq!(restored.xml, header_xml);
        assert_eq!(run_status(qmp).await, "paused");
        qmp.execute("cont", None).await.unwrap();
        assert_eq!(run_status(qmp).await, "running");
        target
            .started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_paused_guest_is_saved_as_paused() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("paused.save");
        let guest = start_definition(XML, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        qmp.execute("cont", None).await.unwrap();
        qmp.execute("stop", None).await.unwrap();
        let saved = save::save(qmp, &image, "<domain/>").await.unwrap();
        assert!(!saved.was_running);
        assert!(!save::read_image(&image).unwrap().was_running);
    })
    .await;
}

#[tokio::test]
async fn a_save_that_cannot_create_its_file_leaves_the_guest_running() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let guest = start_definition(XML, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        qmp.execute("cont", None).await.unwrap();
        let missing = dir.path().join("no-such-dir/guest.save");
        let err = save::save(qmp, &missing, "<domain/>").await.unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "failed to create '{}': No such file or directory",
                missing.display()
            )),
            "{err}"
        );
        assert_eq!(run_status(qmp).await, "running");
        let err = save::save(qmp, std::path::Path::new("relative.save"), "<domain/>")
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: path 'relative.save' is not absolute"
        );
        assert_eq!(run_status(qmp).await, "running");
    })
    .await;
}

#[tokio::test]
async fn a_save_that_fails_midway_keeps_the_image_already_there() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let guest = start_definition(XML, dir.path(), &[]).await;
        let qmp = &guest.started.monitor;
        qmp.execute("cont", None).await.unwrap();
        let image = dir.path().join("guest.save");
        let header_xml = "<domain type='qemu'><name>sv-nodisk</name></domain>";
        save::save(qmp, &image, header_xml).await.unwrap();
        let before = std::fs::read(&image).unwrap();
        qmp.execute("cont", None).await.unwrap();

        // No time at all for the migration: the save gives up after it began writing.
        let err = save::save_within(qmp, &image, "<domain/>", None, Duration::ZERO)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("save"), "{err}");
        assert_eq!(
            std::fs::read(&image).unwrap(),
            before,
            "the old image is intact"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        assert_eq!(run_status(qmp).await, "running", "the guest runs on");
    })
    .await;
}

#[tokio::test]
async fn restoring_an_incomplete_or_corrupt_image_fails_with_a_clear_error() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("guest.save");
        let source_dir = dir.path().join("a");
        std::fs::create_dir_all(&source_dir).unwrap();
        let source = start_definition(XML, &source_dir, &[]).await;
        save::save(&source.started.monitor, &image, "<domain/>")
            .await
            .unwrap();
        drop(source);

        // A save that never completed.
        let mut bytes = std::fs::read(&image).unwrap();
        let partial = dir.path().join("partial.save");
        bytes[..16].copy_from_slice(save::PARTIAL_MAGIC);
        std::fs::write(&partial, &bytes).unwrap();
        // A complete header over a stream cut short and garbled.
        bytes[..16].copy_from_slice(save::SAVE_MAGIC);
        let offset = save::read_image(&image).unwrap().data_offset as usize;
        bytes.truncate(offset + 64);
        bytes[offset..].fill(0x5a);
        let corrupt = dir.path().join("corrupt.save");
        std::fs::File::create(&corrupt)
            .unwrap()
            .write_all(&bytes)
            .unwrap();

        let target_dir = dir.path().join("b");
        std::fs::create_dir_all(&target_dir).unwrap();
        let target = start_definition(XML, &target_dir, &save::incoming_args()).await;
        let err = save::restore(&target.started.monitor, &partial)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation failed: save image is incomplete"
        );
        // Nothing was handed to QEMU: it still waits for an incoming migration.
        assert_eq!(run_status(&target.started.monitor).await, "inmigrate");
        // QEMU gives up on a garbled stream (and exits): an error, within the bound.
        let result = tokio::time::timeout(
            Duration::from_secs(20),
            save::restore(&target.started.monitor, &corrupt),
        )
        .await
        .expect("restore returns within its bound");
        assert_eq!(
            result.unwrap_err().to_string(),
            "internal error: QEMU unexpectedly closed the monitor"
        );
        // QEMU exited on its own (status 1), it was not killed.
        match target.started.emulator.exited().await {
            virtbus_qemu_driver::process::Exit::Exited(status) => {
                assert_eq!(status.code(), Some(1), "{status}")
            }
            other => panic!("{other}"),
        }
    })
    .await;
}

/// Where the tiny guest of reference §3.3 is cached (`VIRTBUS_TINY_GUEST` overrides); the
/// test command builds it (scripts/build-tiny-guest.sh).
fn tiny_guest_dir() -> std::path::PathBuf {
    match std::env::var_os("VIRTBUS_TINY_GUEST") {
        Some(dir) => dir.into(),
        None => std::path::Path::new(&std::env::var_os("HOME").expect("HOME"))
            .join(".cache/virtbus/tiny-guest"),
    }
}

/// The tiny guest with a shell on serial port 1 (a socket in `dir`) and its console on
/// serial port 0 (a file in `dir`).
fn tiny_guest_xml(dir: &std::path::Path) -> String {
    let guest = tiny_guest_dir();
    assert!(
        guest.join("vmlinuz").is_file() && guest.join("initrd.gz").is_file(),
        "the tiny guest (reference §3.3) must be built into {} first",
        guest.display()
    );
    format!(
        "<domain type='qemu'><name>sv-tiny</name><memory unit='MiB'>128</memory>\
         <os><type arch='x86_64' machine='pc'>hvm</type><kernel>{}</kernel>\
         <initrd>{}</initrd><cmdline>console=ttyS0 quiet panic=-1 virtbus.shell=1</cmdline></os>\
         <features><acpi/></features><devices>\
         <serial type='file'><source path='{}'/><target port='0'/></serial>\
         <serial type='unix'><source mode='bind' path='{}'/><target port='1'/></serial>\
         <memballoon model='none'/></devices></domain>",
        guest.join("vmlinuz").display(),
        guest.join("initrd.gz").display(),
        dir.join("serial.log").display(),
        dir.join("shell.sock").display(),
    )
}

/// Sends `command` to the guest's shell at `socket` and waits for `expect` in its output
/// (`command` must not contain `expect`: the shell echoes it).
async fn shell(socket: &std::path::Path, command: &str, expect: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    // The shell's line editing may swallow what arrives first (it probes the terminal with
    // ESC[6n): an empty line goes first, the command after a pause.
    stream.write_all(b"\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream
        .write_all(format!(" {command}\n").as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the shell socket closed");
            seen.extend_from_slice(&buffer[..n]);
            if String::from_utf8_lossy(&seen).contains(expect) {
                return;
            }
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "'{expect}' never came back for '{command}': {}",
        String::from_utf8_lossy(&seen)
    );
}

#[tokio::test]
async fn a_booted_guest_keeps_its_memory_across_save_and_restore() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let image = dir.path().join("tiny.save");

        let source = start_definition(&tiny_guest_xml(&a), &a, &[]).await;
        source.started.monitor.execute("cont", None).await.unwrap();
        common::wait_for_text(
            &a.join("serial.log"),
            "GUEST-READY",
            Duration::from_secs(20),
        )
        .await;
        // A file in the guest's RAM (its root is the initramfs).
        shell(
            &a.join("shell.sock"),
            "echo kept-$((6*7)) >/tmp/marker; echo wr''itten",
            "written",
        )
        .await;
        let saved = save::save(&source.started.monitor, &image, "<domain/>")
            .await
            .unwrap();
        assert!(saved.was_running);
        source
            .started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();

        let target = start_definition(&tiny_guest_xml(&b), &b, &save::incoming_args()).await;
        let restored = save::restore(&target.started.monitor, &image)
            .await
            .unwrap();
        assert!(restored.was_running);
        target.started.monitor.execute("cont", None).await.unwrap();
        assert_eq!(run_status(&target.started.monitor).await, "running");
        // The guest goes on where it was: its shell answers on the new socket, with the
        // file written before the save.
        shell(&b.join("shell.sock"), "cat /tmp/marker", "kept-42").await;
        target
            .started
            .emulator
            .terminate(Duration::from_secs(5))
            .await
            .unwrap();
    })
    .await;
}
