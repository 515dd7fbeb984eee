//! The wire error: every driver failure becomes `org.libvirt.Error` with libvirt's text.

use zbus::DBusError;

/// An error as it travels on the bus.
///
/// libvirt-dbus has exactly one custom error name, `org.libvirt.Error`, carrying libvirt's
/// message text; clients tell errors apart by that text. Standard D-Bus failures keep their
/// `org.freedesktop.DBus.Error.*` names.
#[derive(Debug, DBusError)]
#[zbus(prefix = "org.libvirt")]
pub enum Error {
    /// A failure of zbus itself, or a standard D-Bus error.
    #[zbus(error)]
    ZBus(zbus::Error),
    /// `org.libvirt.Error`: a libvirt-level failure, with libvirt's message text.
    Error(String),
}

impl From<virtbus_core::Error> for Error {
    fn from(e: virtbus_core::Error) -> Self {
        let text = e.to_string();
        // The call log learns here what the generated handler replies with.
        crate::logging::calls::note_driver_error(&e, &text);
        Error::Error(text)
    }
}

impl From<zbus::fdo::Error> for Error {
    fn from(e: zbus::fdo::Error) -> Self {
        Error::ZBus(e.into())
    }
}

/// Shorthand for results of bus members.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use zbus::DBusError as _;

    use super::*;

    #[test]
    fn driver_errors_become_org_libvirt_error() {
        let e: Error = virtbus_core::Error::NoSupport("virDomainFoo").into();
        assert_eq!(e.name().as_str(), "org.libvirt.Error");
        assert_eq!(
            e.description(),
            Some("this function is not supported by the connection driver: virDomainFoo")
        );
    }
}
