//! The monitor socket's file: cleared before a start, removed once the emulator is gone.

use std::{os::unix::fs::FileTypeExt, path::Path};

use super::ProcessError;

/// Removes a socket file left by an emulator that is gone, refusing when a live one listens.
pub(super) fn clear_stale_socket(path: &Path) -> Result<(), ProcessError> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !metadata.file_type().is_socket() {
        // Not ours to remove: QEMU will fail to bind and say so in the log.
        return Ok(());
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(ProcessError::SocketInUse {
            path: path.to_path_buf(),
        });
    }
    remove_socket(path);
    Ok(())
}

/// Removes the socket file at `path`, if it is one (QEMU leaves it behind when killed).
pub(super) fn remove_socket(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_socket() => {
            if let Err(error) = std::fs::remove_file(path) {
                tracing::warn!(path = %path.display(), %error, "cannot remove the monitor socket");
            }
        }
        _ => {}
    }
}
