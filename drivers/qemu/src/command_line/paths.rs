//! Checks on the host paths a definition names: absolute, no `..`, and (for storage and
//! boot files) present, with libvirt's wording.

use std::{
    os::unix::fs::{FileTypeExt, MetadataExt},
    path::{Component, Path},
};

use virtbus_core::{Error, Result};

use crate::store::errno_text;

/// Refuses a relative path or one with a `..` component; `what` names it in the error.
pub fn check_absolute(path: &str, what: &str) -> Result<()> {
    let p = Path::new(path);
    if !p.is_absolute() {
        return Err(Error::ConfigUnsupported(format!(
            "{what} path '{path}' must be absolute"
        )));
    }
    if p.components().any(|c| c == Component::ParentDir) {
        return Err(Error::ConfigUnsupported(format!(
            "{what} path '{path}' must not contain '..'"
        )));
    }
    if path.contains('\0') {
        return Err(Error::ConfigUnsupported(format!(
            "{what} path must not contain a NUL byte"
        )));
    }
    Ok(())
}

/// The uid and gid the service runs as (the owner of `/proc/self`).
pub fn process_ids() -> (u32, u32) {
    std::fs::metadata("/proc/self").map_or((0, 0), |m| (m.uid(), m.gid()))
}

/// What a storage source must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `<disk type='file'>`: a regular file.
    File,
    /// `<disk type='block'>`: a block device.
    Block,
}

/// libvirt's "Cannot access storage file" error for `path` with `errno_text`.
pub fn storage_error(path: &str, parent: Option<&str>, errno_text: &str) -> Error {
    let (uid, gid) = process_ids();
    match parent {
        None => Error::System(format!(
            "Cannot access storage file '{path}' (as uid:{uid}, gid:{gid}): {errno_text}"
        )),
        Some(parent) => Error::System(format!(
            "Cannot access backing file '{path}' of storage file '{parent}' (as uid:{uid}, gid:{gid}): {errno_text}"
        )),
    }
}

/// Checks that a disk source exists and is of the right kind.
pub fn check_storage(path: &str, kind: SourceKind) -> Result<()> {
    check_absolute(path, "disk source")?;
    let meta = std::fs::metadata(path).map_err(|e| storage_error(path, None, &errno_text(&e)))?;
    let ok = match kind {
        SourceKind::File => meta.is_file(),
        SourceKind::Block => meta.file_type().is_block_device(),
    };
    if !ok {
        let expected = match kind {
            SourceKind::File => "a regular file",
            SourceKind::Block => "a block device",
        };
        return Err(Error::ConfigUnsupported(format!(
            "disk source '{path}' is not {expected}"
        )));
    }
    Ok(())
}

/// Checks that a boot file (kernel, initrd) exists and is a regular file.
pub fn check_boot_file(path: &str, what: &str) -> Result<()> {
    check_absolute(path, what)?;
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(Error::ConfigUnsupported(format!(
            "{what} '{path}' is not a regular file"
        ))),
        Err(e) => Err(Error::System(format!(
            "cannot access {what} '{path}': {}",
            errno_text(&e)
        ))),
    }
}

/// Checks that the directory a file-backed character device writes into exists.
pub fn check_parent_dir(path: &str, what: &str) -> Result<()> {
    check_absolute(path, what)?;
    let parent = Path::new(path).parent().unwrap_or(Path::new("/"));
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::System(format!(
            "cannot create {what} '{path}': Not a directory"
        ))),
        Err(e) => Err(Error::System(format!(
            "cannot create {what} '{path}': {}",
            errno_text(&e)
        ))),
    }
}
