//! Finding programs the way a shell does: on `PATH`, then in the sbin folders root has.

use std::{
    env,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

/// Folders searched after `PATH`: libvirtd and libvirt-dbus live in /usr/sbin, which a
/// user's `PATH` often lacks.
const EXTRA_DIRS: [&str; 2] = ["/usr/sbin", "/sbin"];

/// The full path of `name` (an absolute or relative path is returned as is when it is an
/// executable file); `None` when it is nowhere.
pub fn find(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let path = PathBuf::from(name);
        return is_executable(&path).then_some(path);
    }
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_not_a_made_up_name() {
        assert!(find("sh").is_some_and(|p| p.is_absolute()));
        assert!(find("virtbus-bench-no-such-program").is_none());
        assert_eq!(find("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(find("/nonexistent/sh"), None);
    }
}
