//! Save and restore through migration to a file, as libvirt's qemu driver does
//! (`virDomainSave`/`virDomainRestore`, and managed save).
//!
//! The image is libvirt's: a 96-byte header (`LibvirtQemudSave`, version 2, the length of the
//! XML that follows, whether the guest was running, no compression, no cookie), the domain
//! XML with its NUL and padding to a 4 KiB boundary, then QEMU's migration stream. The header
//! is first written with the magic `LibvirtQemudPart` and turned into `LibvirtQemudSave` only
//! once QEMU reports the migration completed, so a save that died half-way reads as "save
//! image is incomplete", never as a good image. Integers are little-endian (libvirt writes
//! them in host order; the driver runs on x86_64).
//!
//! How the stream reaches the file: QEMU 7.2 has no `file:` URI. Of the two ways left, the
//! file descriptor is passed to QEMU (`getfd` over the monitor socket, then `migrate` with
//! `fd:NAME`), as libvirt does, rather than `exec:`: with `exec:` QEMU runs `/bin/sh -c`
//! with the path spliced into a shell command (quoting is then the only barrier against a
//! hostile file name), the file is opened by a shell with QEMU's rights instead of ours, and,
//! decisively, QEMU closes the pipe and at once SIGTERMs then SIGKILLs the helper
//! (`qio_channel_command_close`), so the tail of the stream still in the pipe can be lost
//! while `query-migrate` already says `completed`. With the fd, QEMU writes the file itself
//! and `completed` means every byte was written. Restoring reads the same way: the file is
//! opened here, positioned after the header, and handed over with `getfd` for
//! `migrate-incoming fd:NAME` (QEMU started with [`incoming_args`]).

use std::{
    ffi::OsString,
    fs::{File, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    os::{fd::OwnedFd, unix::fs::OpenOptionsExt},
    path::Path,
    time::{Duration, Instant},
};

use serde_json::json;
use virtbus_core::{xml::MAX_DOCUMENT_BYTES, Error, Result};

use crate::qmp::Qmp;

/// The magic of a complete image.
pub const SAVE_MAGIC: &[u8; 16] = b"LibvirtQemudSave";
/// The magic of an image being written (or left by a save that failed).
pub const PARTIAL_MAGIC: &[u8; 16] = b"LibvirtQemudPart";
/// The image version written and the newest read.
pub const SAVE_VERSION: u32 = 2;
/// The header's size: the magic and 20 32-bit words.
pub const HEADER_LEN: usize = 16 + 20 * 4;
/// The migration stream starts at a multiple of this.
const DATA_ALIGN: usize = 4096;
/// How long a save or restore may take before it is given up.
pub const MIGRATION_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a cancelled migration may take to end.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between two `query-migrate` polls.
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// The name the file descriptor gets in QEMU for a save.
const SAVE_FD_NAME: &str = "migrate";
/// The name the file descriptor gets in QEMU for a restore.
const RESTORE_FD_NAME: &str = "restore";

/// The contents of a save image's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveImage {
    /// The domain XML saved with the guest.
    pub xml: String,
    /// Whether the guest was running when saved (a restore then resumes it).
    pub was_running: bool,
    /// Where QEMU's migration stream starts in the file.
    pub data_offset: u64,
}

/// A monitor command's failure, as the driver reports it.
fn monitor(e: crate::qmp::QmpError) -> Error {
    Error::Internal(e.to_string())
}

/// The header and XML block of an image for `xml`, with `magic`.
fn encode_header(magic: &[u8; 16], xml: &str, was_running: bool) -> Result<Vec<u8>> {
    if xml.as_bytes().contains(&0) {
        return Err(Error::InvalidArg("domain XML holds a NUL byte".to_owned()));
    }
    let data_end = HEADER_LEN + xml.len() + 1;
    let padded = data_end.div_ceil(DATA_ALIGN) * DATA_ALIGN;
    let data_len = u32::try_from(padded - HEADER_LEN)
        .map_err(|_| Error::InvalidArg("domain XML too large for a save image".to_owned()))?;
    let mut out = Vec::with_capacity(padded);
    out.extend_from_slice(magic);
    // version, data_len, was_running, compressed, cookieOffset, unused[15].
    for word in [SAVE_VERSION, data_len, u32::from(was_running), 0, 0] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.resize(HEADER_LEN, 0);
    out.extend_from_slice(xml.as_bytes());
    out.resize(padded, 0);
    Ok(out)
}

/// Reads and checks the header of the image at `path`, with libvirt's errors.
pub fn read_image(path: &Path) -> Result<SaveImage> {
    let mut file = File::open(path).map_err(|e| {
        Error::System(format!(
            "Failed to open file '{}': {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    read_image_from(&mut file)
}

/// [`read_image`] on an open file, which is left positioned after the XML block.
fn read_image_from(file: &mut File) -> Result<SaveImage> {
    let failed = |text: &str| Error::OperationFailed(text.to_owned());
    let mut header = [0u8; HEADER_LEN];
    file.read_exact(&mut header)
        .map_err(|_| failed("failed to read qemu header"))?;
    let magic = &header[..16];
    if magic != SAVE_MAGIC {
        if magic == PARTIAL_MAGIC {
            return Err(failed("save image is incomplete"));
        }
        return Err(failed("image magic is incorrect"));
    }
    let word = |i: usize| {
        let at = 16 + 4 * i;
        u32::from_le_bytes(header[at..at + 4].try_into().expect("four bytes"))
    };
    let version = word(0);
    if version > SAVE_VERSION {
        return Err(Error::OperationFailed(format!(
            "image version is not supported ({version} > {SAVE_VERSION})"
        )));
    }
    let data_len = word(1);
    // Beyond the largest XML document (and its padding) the header is not trusted: a hostile
    // length must not make us allocate gigabytes.
    let most = MAX_DOCUMENT_BYTES + 1 + DATA_ALIGN;
    if data_len == 0 || data_len as usize > most {
        return Err(Error::OperationFailed(format!(
            "invalid header data length: {}",
            data_len as i32
        )));
    }
    if word(3) != 0 {
        return Err(Error::OperationUnsupported(
            "compressed save images are not supported by this driver".to_owned(),
        ));
    }
    let cookie_offset = word(4);
    let xml_len = if cookie_offset != 0 {
        cookie_offset.min(data_len)
    } else {
        data_len
    };
    let mut xml = vec![0u8; xml_len as usize];
    file.read_exact(&mut xml)
        .map_err(|_| failed("failed to read domain XML"))?;
    let end = xml.iter().position(|&b| b == 0).unwrap_or(xml.len());
    xml.truncate(end);
    let xml = String::from_utf8(xml).map_err(|_| failed("failed to read domain XML"))?;
    let data_offset = HEADER_LEN as u64 + u64::from(data_len);
    Ok(SaveImage {
        xml,
        was_running: word(2) != 0,
        data_offset,
    })
}

/// The domain XML of the image at `path` (`virDomainSaveImageGetXMLDesc`).
pub fn read_header(path: &Path) -> Result<String> {
    read_image(path).map(|image| image.xml)
}

/// The operating system's reason, without Rust's "(os error N)".
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Refuses a relative path: the service's working directory means nothing to the caller.
fn check_absolute(path: &Path) -> Result<()> {
    if path.is_absolute() {
        Ok(())
    } else {
        Err(Error::InvalidArg(format!(
            "path '{}' is not absolute",
            path.display()
        )))
    }
}

/// What [`save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// Whether the guest was running before the save paused it.
    pub was_running: bool,
}

/// Saves the guest's state to `path`: pauses it (`stop`), writes the header with
/// `header_xml` (the migratable live XML), streams QEMU's migration into the file and waits,
/// within [`MIGRATION_TIMEOUT`], for `query-migrate` to say `completed`. The guest is left
/// paused; the driver then stops the emulator (as libvirt does) and reports
/// STOPPED/SAVED. On failure the file is removed and a guest that was running is resumed.
pub async fn save(qmp: &Qmp, path: &Path, header_xml: &str) -> Result<Saved> {
    save_within(qmp, path, header_xml, None, MIGRATION_TIMEOUT).await
}

/// [`save`], the image saying the guest ran (`Some(true)`, VIR_DOMAIN_SAVE_RUNNING) or was
/// paused (`Some(false)`, VIR_DOMAIN_SAVE_PAUSED) whatever it was, so that a restore resumes
/// it or not.
pub async fn save_marked(
    qmp: &Qmp,
    path: &Path,
    header_xml: &str,
    mark_running: Option<bool>,
) -> Result<Saved> {
    save_within(qmp, path, header_xml, mark_running, MIGRATION_TIMEOUT).await
}

/// [`save_marked`] with its own bound.
pub async fn save_within(
    qmp: &Qmp,
    path: &Path,
    header_xml: &str,
    mark_running: Option<bool>,
    timeout: Duration,
) -> Result<Saved> {
    check_absolute(path)?;
    let status = qmp.execute("query-status", None).await.map_err(monitor)?;
    let was_running = status["running"] == true;
    let header = encode_header(
        PARTIAL_MAGIC,
        header_xml,
        mark_running.unwrap_or(was_running),
    )?;
    // Written beside `path` and renamed over it once complete: an image already at `path`
    // survives a save that fails.
    let part = partial_path(path)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&part)
        .map_err(|e| {
            Error::System(format!(
                "failed to create '{}': {}",
                path.display(),
                io_reason(&e)
            ))
        })?;
    if was_running {
        if let Err(e) = qmp.execute("stop", None).await {
            drop(file);
            let _ = std::fs::remove_file(&part);
            return Err(monitor(e));
        }
    }
    let result = match stream_to(qmp, &mut file, path, &header, timeout).await {
        Ok(()) => put_in_place(&part, path),
        Err(e) => Err(e),
    };
    if result.is_err() {
        drop(file);
        let _ = std::fs::remove_file(&part);
        if was_running {
            let _ = qmp.execute("cont", None).await;
        }
    }
    result.map(|()| Saved { was_running })
}

/// Where the image for `path` is written until it is complete: `.NAME.part` in the same
/// directory (so that the rename is atomic).
fn partial_path(path: &Path) -> Result<std::path::PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::InvalidArg(format!("'{}' does not name a file", path.display())))?;
    let mut part = std::ffi::OsString::from(".");
    part.push(name);
    part.push(".part");
    Ok(path.with_file_name(part))
}

/// Renames the complete image `part` to `path` and makes the rename durable.
fn put_in_place(part: &Path, path: &Path) -> Result<()> {
    std::fs::rename(part, path).map_err(|e| {
        Error::System(format!(
            "failed to rename '{}' to '{}': {}",
            part.display(),
            path.display(),
            io_reason(&e)
        ))
    })?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => crate::store::atomic::sync_dir(dir),
        _ => Ok(()),
    }
}

/// Writes the header, has QEMU migrate into the file after it, and marks it complete.
async fn stream_to(
    qmp: &Qmp,
    file: &mut File,
    path: &Path,
    header: &[u8],
    timeout: Duration,
) -> Result<()> {
    let write_failed = |e: std::io::Error| {
        Error::System(format!(
            "failed to write header to domain save file '{}': {}",
            path.display(),
            io_reason(&e)
        ))
    };
    file.write_all(header).map_err(write_failed)?;
    file.sync_all().map_err(write_failed)?;
    // QEMU shares this open file description, so it writes from the end of the header.
    let fd: OwnedFd = file
        .try_clone()
        .map_err(|e| Error::System(format!("cannot duplicate a file descriptor: {e}")))?
        .into();
    qmp.execute_with_fd("getfd", Some(json!({ "fdname": SAVE_FD_NAME })), fd)
        .await
        .map_err(monitor)?;
    // As libvirt: no bandwidth limit for a save to a file.
    let unlimited = (i64::MAX as u64) >> 20 << 20;
    let started = async {
        qmp.execute(
            "migrate-set-parameters",
            Some(json!({ "max-bandwidth": unlimited })),
        )
        .await?;
        qmp.execute(
            "migrate",
            Some(json!({ "uri": format!("fd:{SAVE_FD_NAME}") })),
        )
        .await
    };
    if let Err(e) = started.await {
        let _ = qmp
            .execute("closefd", Some(json!({ "fdname": SAVE_FD_NAME })))
            .await;
        return Err(monitor(e));
    }
    if let Err(e) = wait_for_migration(qmp, "save", timeout).await {
        let _ = qmp.execute("migrate_cancel", None).await;
        wait_for_migration_end(qmp).await;
        return Err(e);
    }
    file.sync_all().map_err(write_failed)?;
    // Complete: the real magic goes in last.
    file.seek(SeekFrom::Start(0)).map_err(write_failed)?;
    file.write_all(SAVE_MAGIC).map_err(write_failed)?;
    file.sync_all().map_err(write_failed)?;
    Ok(())
}

/// After `migrate_cancel`: waits (a bounded time) until QEMU has ended the migration, so
/// that the guest can be resumed (`cont` is refused while it finishes).
async fn wait_for_migration_end(qmp: &Qmp) {
    /// The `query-migrate` states of a migration still going.
    const GOING: [&str; 5] = ["setup", "active", "cancelling", "device", "pre-switchover"];
    let deadline = Instant::now() + CANCEL_TIMEOUT;
    while Instant::now() < deadline {
        let (Ok(migration), Ok(run)) = (
            qmp.execute("query-migrate", None).await,
            qmp.execute("query-status", None).await,
        ) else {
            return;
        };
        let going = migration["status"]
            .as_str()
            .is_some_and(|s| GOING.contains(&s));
        if !going && run["status"] != "finish-migrate" {
            return;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Polls `query-migrate` until the migration completed, failed or `timeout` passed. `job`
/// names the job in errors as libvirt does (`save`, `restore`).
async fn wait_for_migration(qmp: &Qmp, job: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let info = match qmp.execute("query-migrate", None).await {
            Ok(info) => info,
            // QEMU exits when an incoming stream is bad; libvirt's words for a monitor gone
            // during a job (the driver may add the log's tail).
            Err(e) if e.is_fatal() => {
                return Err(Error::Internal(
                    "QEMU unexpectedly closed the monitor".to_owned(),
                ))
            }
            Err(e) => return Err(monitor(e)),
        };
        match info["status"].as_str() {
            Some("completed") => return Ok(()),
            Some("failed") => {
                return Err(match info["error-desc"].as_str() {
                    Some(desc) => Error::OperationFailed(format!("job '{job}' failed: {desc}")),
                    None => Error::OperationFailed(format!("job '{job}' unexpectedly failed")),
                })
            }
            Some("cancelled") => {
                return Err(Error::OperationFailed(format!(
                    "job '{job}' canceled by client"
                )))
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            return Err(Error::OperationFailed(format!(
                "job '{job}' did not complete within {} s",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The arguments the emulator of a restore is started with, besides its usual command line:
/// it waits for `migrate-incoming` ([`restore`]). The driver starts it paused (`-S`, as
/// always), calls [`restore`], then `cont` when the image says the guest was running.
pub fn incoming_args() -> Vec<OsString> {
    vec!["-incoming".into(), "defer".into()]
}

/// Loads the image at `path` into an emulator started with [`incoming_args`] and waits,
/// within [`MIGRATION_TIMEOUT`], until QEMU has read it all. Returns the image's header (the
/// guest stays paused; resume it with `cont` when `was_running`).
pub async fn restore(qmp: &Qmp, path: &Path) -> Result<SaveImage> {
    restore_within(qmp, path, MIGRATION_TIMEOUT).await
}

/// [`restore`] with its own bound.
pub async fn restore_within(qmp: &Qmp, path: &Path, timeout: Duration) -> Result<SaveImage> {
    check_absolute(path)?;
    let mut file = File::open(path).map_err(|e| {
        Error::System(format!(
            "Failed to open file '{}': {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    let image = read_image_from(&mut file)?;
    file.seek(SeekFrom::Start(image.data_offset))
        .map_err(|_| Error::OperationFailed("failed to read domain XML".to_owned()))?;
    qmp.execute_with_fd(
        "getfd",
        Some(json!({ "fdname": RESTORE_FD_NAME })),
        OwnedFd::from(file),
    )
    .await
    .map_err(monitor)?;
    if let Err(e) = qmp
        .execute(
            "migrate-incoming",
            Some(json!({ "uri": format!("fd:{RESTORE_FD_NAME}") })),
        )
        .await
    {
        let _ = qmp
            .execute("closefd", Some(json!({ "fdname": RESTORE_FD_NAME })))
            .await;
        return Err(monitor(e));
    }
    wait_for_migration(qmp, "restore", timeout).await?;
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image_file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn a_header_round_trips_and_the_stream_starts_aligned() {
        let xml = "<domain type='qemu'><name>s</name></domain>";
        let mut bytes = encode_header(SAVE_MAGIC, xml, true).unwrap();
        assert_eq!(bytes.len() % DATA_ALIGN, 0);
        bytes.extend_from_slice(b"QEVM");
        let f = image_file(&bytes);
        let image = read_image(f.path()).unwrap();
        assert_eq!(image.xml, xml);
        assert!(image.was_running);
        assert_eq!(image.data_offset, DATA_ALIGN as u64);
        assert_eq!(&bytes[image.data_offset as usize..], b"QEVM");
    }

    #[test]
    fn bad_images_get_libvirts_errors() {
        let partial = encode_header(PARTIAL_MAGIC, "<domain/>", false).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                vec![1, 2, 3],
                "operation failed: failed to read qemu header",
            ),
            (partial, "operation failed: save image is incomplete"),
            (
                [b"NotASaveImage!!!".as_slice(), &[0u8; 80]].concat(),
                "operation failed: image magic is incorrect",
            ),
            (
                {
                    let mut b = encode_header(SAVE_MAGIC, "<domain/>", false).unwrap();
                    b[16..20].copy_from_slice(&3u32.to_le_bytes());
                    b
                },
                "operation failed: image version is not supported (3 > 2)",
            ),
            (
                {
                    let mut b = encode_header(SAVE_MAGIC, "<domain/>", false).unwrap();
                    b[20..24].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
                    b
                },
                "operation failed: invalid header data length: 2147483632",
            ),
            (
                {
                    let mut b = encode_header(SAVE_MAGIC, "<domain/>", false).unwrap();
                    b.truncate(HEADER_LEN + 4);
                    b
                },
                "operation failed: failed to read domain XML",
            ),
        ];
        for (bytes, expected) in cases {
            let f = image_file(&bytes);
            assert_eq!(read_image(f.path()).unwrap_err().to_string(), expected);
        }
    }
}
