//! What the service serves: which bus mode, which drivers at which connection paths, and
//! which well-known name it takes once everything is served.

use virtbus_qemu_driver::store::StoreDirs;

/// The well-known name of the service, as libvirt-dbus owns it.
pub const BUS_NAME: &str = "org.libvirt";

/// Whether the service runs for one user (session bus) or for the machine (system bus).
///
/// The mode decides the URI of drivers that have a per-user and a per-machine flavour
/// (`qemu:///session` or `qemu:///system`); the embedded test driver is the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Serving one user, normally on the session bus.
    Session,
    /// Serving the machine, normally on the system bus.
    System,
}

/// Who decides whether a caller may make a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// Every caller may make every call: the session bus, whose callers are the user who
    /// owns it.
    AllowAll,
    /// polkitd decides each call, with libvirt's action ids: the system bus.
    Polkit,
}

impl Authorization {
    /// The default of `mode`: polkit for the machine, nobody to ask for one user.
    pub fn default_for(mode: Mode) -> Self {
        match mode {
            Mode::Session => Authorization::AllowAll,
            Mode::System => Authorization::Polkit,
        }
    }
}

/// A driver the service can serve, with the connection object it lives at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverKind {
    /// The embedded in-memory test driver, `test:///default`.
    Test,
    /// The native QEMU driver, `qemu:///session` or `qemu:///system` by mode.
    Qemu,
}

impl DriverKind {
    /// Every driver this build can serve, in the order `--list-drivers` prints them. A driver
    /// is listed here only once the service serves it.
    pub const ALL: [DriverKind; 2] = [DriverKind::Test, DriverKind::Qemu];

    /// The connection object of this driver, exactly as libvirt-dbus names it.
    pub fn root_path(self) -> &'static str {
        match self {
            DriverKind::Test => "/org/libvirt/Test",
            DriverKind::Qemu => "/org/libvirt/QEMU",
        }
    }

    /// The driver named `name` on the command line (`test`, `qemu`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "test" => Some(DriverKind::Test),
            "qemu" => Some(DriverKind::Qemu),
            _ => None,
        }
    }

    /// The libvirt connection URI this driver stands for when serving in `mode`.
    pub fn uri(self, mode: Mode) -> &'static str {
        match (self, mode) {
            (DriverKind::Test, _) => "test:///default",
            (DriverKind::Qemu, Mode::Session) => "qemu:///session",
            (DriverKind::Qemu, Mode::System) => "qemu:///system",
        }
    }

    /// What the driver is, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            DriverKind::Test => {
                "the embedded in-memory test driver, seeded as libvirt's test:///default"
            }
            DriverKind::Qemu => {
                "real qemu-system guests, run and watched over QMP without libvirtd"
            }
        }
    }
}

/// One line per driver of [`DriverKind::ALL`]: its connection object, URI (session, then
/// system where they differ) and description, as `--list-drivers` prints them and `--help`
/// shows them.
pub fn driver_table() -> String {
    DriverKind::ALL
        .iter()
        .map(|d| {
            let (session, system) = (d.uri(Mode::Session), d.uri(Mode::System));
            let uri = if session == system {
                session.to_owned()
            } else {
                format!("{session} | {system}")
            };
            format!("{}  {uri}  {}\n", d.root_path(), d.description())
        })
        .collect()
}

/// How [`crate::serve`] sets the service up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Session or system flavour of the drivers.
    pub mode: Mode,
    /// The drivers to serve, each at its own connection object.
    pub drivers: Vec<DriverKind>,
    /// The well-known name to request once every object is served; `None` to request none
    /// (for a peer-to-peer connection in tests, where names do not exist).
    pub bus_name: Option<String>,
    /// Where the QEMU driver keeps its files; `None` for the defaults of [`Config::mode`].
    pub qemu_dirs: Option<StoreDirs>,
    /// Who decides whether a caller may make a call.
    pub authorization: Authorization,
}

impl Config {
    /// Every driver of `mode` (the test driver and QEMU), taking [`BUS_NAME`].
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            drivers: vec![DriverKind::Test, DriverKind::Qemu],
            bus_name: Some(BUS_NAME.to_owned()),
            qemu_dirs: None,
            authorization: Authorization::default_for(mode),
        }
    }

    /// The embedded test driver alone in session mode, taking [`BUS_NAME`]: a service that
    /// touches nothing on the host, for tests and embedders.
    pub fn test_only() -> Self {
        Self {
            drivers: vec![DriverKind::Test],
            ..Self::new(Mode::Session)
        }
    }

    /// The same configuration, but requesting no well-known name.
    pub fn without_bus_name(mut self) -> Self {
        self.bus_name = None;
        self
    }
}

impl Default for Config {
    /// [`Config::test_only`]: the default serves nothing that touches the host.
    fn default() -> Self {
        Self::test_only()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_serves_the_test_driver_and_takes_the_name() {
        let config = Config::default();
        assert_eq!(config.mode, Mode::Session);
        assert_eq!(config.drivers, vec![DriverKind::Test]);
        assert_eq!(config.bus_name.as_deref(), Some("org.libvirt"));
        assert_eq!(config.without_bus_name().bus_name, None);
        assert_eq!(DriverKind::Test.root_path(), "/org/libvirt/Test");
    }

    #[test]
    fn the_driver_table_names_each_connection_object_once() {
        let table = driver_table();
        assert_eq!(table.lines().count(), DriverKind::ALL.len());
        assert!(table.starts_with("/org/libvirt/Test  test:///default  "));
    }
}
