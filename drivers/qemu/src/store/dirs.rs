//! The four base directories of the store, with their system and session defaults.

use std::path::PathBuf;

use virtbus_core::{Error, Result};

/// Which service the store belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `qemu:///system`: the service runs as root on the system bus.
    System,
    /// `qemu:///session`: the service runs as the user on the session bus.
    Session,
}

/// The base directories; the driver adds `qemu/` under each. Every field can be set by the
/// command line; [`StoreDirs::defaults`] gives what is used otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreDirs {
    /// Persistent definitions (system: `/etc/virtbus`; session: `$XDG_CONFIG_HOME/virtbus`).
    pub config: PathBuf,
    /// Domain data (system: `/var/lib/virtbus`; session: `$XDG_DATA_HOME/virtbus`).
    pub data: PathBuf,
    /// Runtime status and sockets (system: `/run/virtbus`; session:
    /// `$XDG_RUNTIME_DIR/virtbus`).
    pub run: PathBuf,
    /// Emulator logs (system: `/var/log/virtbus`; session: `$XDG_DATA_HOME/virtbus/log`).
    pub log: PathBuf,
}

impl StoreDirs {
    /// The defaults for `mode`, read from the process environment.
    pub fn defaults(mode: Mode) -> Result<Self> {
        Self::defaults_from(mode, |k| std::env::var_os(k).map(PathBuf::from))
    }

    /// The defaults for `mode`, with environment variables read through `env` (testable).
    /// XDG variables that are unset, empty or relative are ignored, as the XDG spec says.
    pub fn defaults_from(mode: Mode, env: impl Fn(&str) -> Option<PathBuf>) -> Result<Self> {
        if mode == Mode::System {
            return Ok(Self {
                config: "/etc/virtbus".into(),
                data: "/var/lib/virtbus".into(),
                run: "/run/virtbus".into(),
                log: "/var/log/virtbus".into(),
            });
        }
        let xdg = |var: &str| env(var).filter(|p| p.is_absolute());
        let home = || {
            env("HOME").filter(|p| p.is_absolute()).ok_or_else(|| {
                Error::Internal("cannot find the user's home directory: HOME is not set".into())
            })
        };
        let config = match xdg("XDG_CONFIG_HOME") {
            Some(p) => p,
            None => home()?.join(".config"),
        };
        let data = match xdg("XDG_DATA_HOME") {
            Some(p) => p,
            None => home()?.join(".local/share"),
        };
        // Without XDG_RUNTIME_DIR, libvirt falls back to a directory under the cache dir.
        let run = match xdg("XDG_RUNTIME_DIR") {
            Some(p) => p.join("virtbus"),
            None => match xdg("XDG_CACHE_HOME") {
                Some(p) => p.join("virtbus/run"),
                None => home()?.join(".cache/virtbus/run"),
            },
        };
        Ok(Self {
            config: config.join("virtbus"),
            data: data.join("virtbus"),
            log: data.join("virtbus/log"),
            run,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_defaults_follow_xdg() {
        let env = |k: &str| match k {
            "HOME" => Some(PathBuf::from("/home/u")),
            "XDG_RUNTIME_DIR" => Some(PathBuf::from("/run/user/1000")),
            "XDG_CONFIG_HOME" => Some(PathBuf::from("relative/ignored")),
            _ => None,
        };
        let d = StoreDirs::defaults_from(Mode::Session, env).unwrap();
        assert_eq!(d.config, PathBuf::from("/home/u/.config/virtbus"));
        assert_eq!(d.data, PathBuf::from("/home/u/.local/share/virtbus"));
        assert_eq!(d.run, PathBuf::from("/run/user/1000/virtbus"));
        assert_eq!(d.log, PathBuf::from("/home/u/.local/share/virtbus/log"));
        assert!(StoreDirs::defaults_from(Mode::Session, |_| None).is_err());
    }

    #[test]
    fn system_defaults_are_fixed() {
        let d = StoreDirs::defaults_from(Mode::System, |_| None).unwrap();
        assert_eq!(d.config, PathBuf::from("/etc/virtbus"));
        assert_eq!(d.data, PathBuf::from("/var/lib/virtbus"));
        assert_eq!(d.run, PathBuf::from("/run/virtbus"));
    }
}
