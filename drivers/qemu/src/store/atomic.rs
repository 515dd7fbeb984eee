//! Atomic file replacement: a temporary file in the same directory, written and fsynced, then
//! renamed over the target, then the directory fsynced, so that a crash at any point leaves
//! either the old file or the new one, never a mix.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt},
    path::Path,
};

use virtbus_core::{Error, Result};

use super::errno_text;

/// The prefix of temporary files: hidden, so directory loads skip them.
pub const TEMP_PREFIX: &str = ".tmp-";

fn system(what: &str, path: &Path, e: &io::Error) -> Error {
    Error::System(format!("{what} '{}': {}", path.display(), errno_text(e)))
}

/// Creates `dir` and its parents, mode 0700 for those created.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| system("cannot create directory", dir, &e))
}

/// Fsyncs the directory `dir`, so that a rename or unlink in it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| system("cannot sync directory", dir, &e))
}

/// Replaces `path` with `contents` atomically (mode 0600), creating its directory if needed.
pub fn write(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal(format!("no directory for '{}'", path.display())))?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Internal(format!("no file name in '{}'", path.display())))?;
    create_private_dir(dir)?;
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{file_name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let result = write_temp(&temp, contents).and_then(|()| {
        fs::rename(&temp, path).map_err(|e| system("cannot rename file to", path, &e))
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    sync_dir(dir)
}

fn write_temp(temp: &Path, contents: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)
        .map_err(|e| system("cannot create file", temp, &e))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| system("cannot write file", temp, &e))
}

/// Removes `path` (a missing file is fine) and makes the removal durable.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => match path.parent() {
            Some(dir) => sync_dir(dir),
            None => Ok(()),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(system("cannot remove file", path, &e)),
    }
}

/// Creates the symlink `link` → `target`, replacing any existing one atomically.
pub fn symlink(target: &Path, link: &Path) -> Result<()> {
    let dir = link
        .parent()
        .ok_or_else(|| Error::Internal(format!("no directory for '{}'", link.display())))?;
    let temp = dir.join(format!(
        "{TEMP_PREFIX}link-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::os::unix::fs::symlink(target, &temp)
        .map_err(|e| system("cannot create symlink", &temp, &e))?;
    if let Err(e) = fs::rename(&temp, link) {
        let _ = fs::remove_file(&temp);
        return Err(system("cannot rename symlink to", link, &e));
    }
    sync_dir(dir)
}
