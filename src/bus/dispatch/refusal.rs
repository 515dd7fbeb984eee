//! Calls refused before they reach a handler, with the texts GDBus gives libvirt-dbus's
//! clients for the same mistakes.

use zbus::{fdo, BoxDBusError};

/// Why a call was refused by the dispatcher itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Nothing is served at the path.
    #[error("Object does not exist at path “{0}”")]
    UnknownObject(String),
    /// The object does not have the interface.
    #[error("No such interface “{interface}” on object at path {path}")]
    UnknownInterface {
        /// The interface called.
        interface: String,
        /// The object path called.
        path: String,
    },
    /// An `org.libvirt` interface has no such method, or a call that names no interface
    /// names a member no interface of the object has.
    #[error("No such method “{0}”")]
    UnknownMethod(String),
    /// A standard interface has no method of that name taking that signature.
    #[error(
        "Method “{member}” on interface “{interface}” with signature “{signature}” does not exist"
    )]
    NoMethodWithSignature {
        /// The interface called.
        interface: String,
        /// The member called.
        member: String,
        /// The signature of the call's body.
        signature: String,
    },
    /// The body of the call does not have the method's input signature.
    #[error("Type of message, “({got})”, does not match expected type “({expected})”")]
    BadSignature {
        /// The signature of the call's body.
        got: String,
        /// The method's input signature.
        expected: String,
    },
    /// `Properties` of an interface the object does not have.
    #[error("No such interface “{0}”")]
    NoSuchInterface(String),
    /// `Properties` of a property the interface does not have.
    #[error("No such property “{0}”")]
    NoSuchProperty(String),
    /// `Properties.Set` of a read-only property.
    #[error("Property “{0}” is not writable")]
    NotWritable(String),
    /// `Properties.Get` of a write-only property.
    #[error("Property “{0}” is not readable")]
    NotReadable(String),
    /// `Properties.Set` with a value of the wrong type.
    #[error("Error setting property “{name}”: Expected type “{expected}” but got “{got}”")]
    WrongPropertyType {
        /// The property.
        name: String,
        /// Its type.
        expected: String,
        /// The type of the value given.
        got: String,
    },
    /// The arguments have the right signature but cannot be read.
    #[error("{0}")]
    InvalidArgs(String),
    /// The service could not answer for a reason of its own.
    #[error("{0}")]
    Failed(String),
}

impl From<Refusal> for fdo::Error {
    fn from(refusal: Refusal) -> Self {
        let text = refusal.to_string();
        match refusal {
            Refusal::UnknownObject(_) => fdo::Error::UnknownObject(text),
            Refusal::UnknownInterface { .. } => fdo::Error::UnknownInterface(text),
            Refusal::UnknownMethod(_) | Refusal::NoMethodWithSignature { .. } => {
                fdo::Error::UnknownMethod(text)
            }
            Refusal::BadSignature { .. }
            | Refusal::NoSuchInterface(_)
            | Refusal::NoSuchProperty(_)
            | Refusal::NotWritable(_)
            | Refusal::NotReadable(_)
            | Refusal::WrongPropertyType { .. }
            | Refusal::InvalidArgs(_) => fdo::Error::InvalidArgs(text),
            Refusal::Failed(_) => fdo::Error::Failed(text),
        }
    }
}

impl From<Refusal> for BoxDBusError {
    fn from(refusal: Refusal) -> Self {
        Box::new(fdo::Error::from(refusal))
    }
}

#[cfg(test)]
mod tests {
    use zbus::DBusError;

    use super::*;

    #[test]
    fn texts_and_names_are_gdbus_ones() {
        let e = fdo::Error::from(Refusal::BadSignature {
            got: "s".into(),
            expected: "u".into(),
        });
        assert_eq!(e.name().as_str(), "org.freedesktop.DBus.Error.InvalidArgs");
        assert_eq!(
            e.description(),
            Some("Type of message, “(s)”, does not match expected type “(u)”")
        );
        let e = fdo::Error::from(Refusal::UnknownObject("/org/libvirt/Nope".into()));
        assert_eq!(
            e.name().as_str(),
            "org.freedesktop.DBus.Error.UnknownObject"
        );
        assert_eq!(
            e.description(),
            Some("Object does not exist at path “/org/libvirt/Nope”")
        );
        let e = fdo::Error::from(Refusal::NotWritable("Name".into()));
        assert_eq!(e.description(), Some("Property “Name” is not writable"));
        let e = fdo::Error::from(Refusal::NoMethodWithSignature {
            interface: "org.freedesktop.DBus.Properties".into(),
            member: "GetAll".into(),
            signature: "u".into(),
        });
        assert_eq!(
            e.name().as_str(),
            "org.freedesktop.DBus.Error.UnknownMethod"
        );
        assert_eq!(
            e.description(),
            Some(
                "Method “GetAll” on interface “org.freedesktop.DBus.Properties” with signature \
                 “u” does not exist"
            )
        );
    }
}
