//! The call contract: which members each served interface has, the body signature each
//! method takes, and each property's type and access.
//!
//! `org.libvirt.Connect` and `org.libvirt.Domain` come from `interfaces/*.xml` (the project's
//! statement of the contract, embedded at build time); the standard interfaces the dispatcher
//! serves itself are listed here. Every call is checked against this table before it reaches
//! its handler, as GDBus checks libvirt-dbus's calls against its introspection data.

use std::collections::HashMap;

use zbus_xml::{ArgDirection, Node};

use crate::bus::kinds::KINDS;

/// `org.freedesktop.DBus.Properties`.
pub const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
/// `org.freedesktop.DBus.Introspectable`.
pub const INTROSPECTABLE: &str = "org.freedesktop.DBus.Introspectable";
/// `org.freedesktop.DBus.Peer`.
pub const PEER: &str = "org.freedesktop.DBus.Peer";
/// `org.freedesktop.DBus.ObjectManager`.
pub const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";

/// The contract file of the connection object; each kind of child object brings its own
/// ([`crate::bus::kind::ObjectKind::CONTRACT`]).
const CONNECT_CONTRACT: &str = include_str!("../../../interfaces/org.libvirt.Connect.xml");

/// Every contract file, as (interface, text).
fn contract_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    std::iter::once(("org.libvirt.Connect", CONNECT_CONTRACT))
        .chain(KINDS.iter().map(|k| (k.interface(), k.contract())))
}

/// The methods of the standard interfaces, as (interface, member, input signature).
const STANDARD_METHODS: [(&str, &str, &str); 7] = [
    (PROPERTIES, "Get", "ss"),
    (PROPERTIES, "GetAll", "s"),
    (PROPERTIES, "Set", "ssv"),
    (INTROSPECTABLE, "Introspect", ""),
    (PEER, "Ping", ""),
    (PEER, "GetMachineId", ""),
    (OBJECT_MANAGER, "GetManagedObjects", ""),
];

/// Why the contract could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// A contract file is not valid introspection XML.
    #[error("interfaces/{file}.xml: {source}")]
    Parse {
        /// The file, by the interface it states.
        file: &'static str,
        /// What the parser said.
        #[source]
        source: zbus_xml::Error,
    },
}

/// One property of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyContract {
    /// Its D-Bus type, e.g. `b`.
    pub ty: String,
    /// Whether `Properties.Get` may read it.
    pub readable: bool,
    /// Whether `Properties.Set` may write it.
    pub writable: bool,
}

/// The members of one interface.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InterfaceContract {
    /// Method name → input signature, without parentheses (`""` for none).
    methods: HashMap<String, String>,
    /// Property name → its type and access.
    properties: HashMap<String, PropertyContract>,
    /// The properties as introspection data, in the order of the file.
    properties_xml: String,
}

impl InterfaceContract {
    /// The input signature of method `member`, or `None` if the interface has no such method.
    pub fn method(&self, member: &str) -> Option<&str> {
        self.methods.get(member).map(String::as_str)
    }

    /// Property `name`, or `None` if the interface has no such property.
    pub fn property(&self, name: &str) -> Option<&PropertyContract> {
        self.properties.get(name)
    }

    /// Every method name with its input signature.
    pub fn methods(&self) -> impl Iterator<Item = (&str, &str)> {
        self.methods.iter().map(|(n, s)| (n.as_str(), s.as_str()))
    }

    /// The `<property>` elements of the interface's introspection data: name, type, access
    /// and the `EmitsChangedSignal` annotation where it is not the default.
    pub fn introspect_properties(&self) -> String {
        self.properties_xml.clone()
    }

    /// Every property with its contract.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &PropertyContract)> {
        self.properties.iter().map(|(n, p)| (n.as_str(), p))
    }
}

/// Every interface the dispatcher serves, with its members.
#[derive(Debug, Clone)]
pub struct Contract {
    interfaces: HashMap<String, InterfaceContract>,
}

impl Contract {
    /// Reads the embedded contract files and adds the standard interfaces.
    pub fn load() -> Result<Self, ContractError> {
        let mut interfaces: HashMap<String, InterfaceContract> = HashMap::new();
        for (file, text) in contract_files() {
            let node = Node::from_reader(text.as_bytes())
                .map_err(|source| ContractError::Parse { file, source })?;
            for iface in node.interfaces() {
                let entry = interfaces.entry(iface.name().to_string()).or_default();
                for method in iface.methods() {
                    let signature: String = method
                        .args()
                        .iter()
                        // An argument without a direction is an input of a method.
                        .filter(|a| a.direction() != Some(ArgDirection::Out))
                        .map(|a| a.ty().to_string())
                        .collect();
                    entry.methods.insert(method.name().to_string(), signature);
                }
                for prop in iface.properties() {
                    let access = prop.access();
                    write_property(&mut entry.properties_xml, prop);
                    entry.properties.insert(
                        prop.name().to_string(),
                        PropertyContract {
                            ty: prop.ty().to_string(),
                            readable: access.read(),
                            writable: access.write(),
                        },
                    );
                }
            }
        }
        for (iface, member, signature) in STANDARD_METHODS {
            interfaces
                .entry(iface.to_owned())
                .or_default()
                .methods
                .insert(member.to_owned(), signature.to_owned());
        }
        Ok(Self { interfaces })
    }

    /// The members of interface `name`, or `None` if it is not served at all.
    pub fn interface(&self, name: &str) -> Option<&InterfaceContract> {
        self.interfaces.get(name)
    }
}

/// Appends the introspection data of `prop` to `xml`, indented as an interface member.
fn write_property(xml: &mut String, prop: &zbus_xml::Property<'_>) {
    use std::fmt::Write;

    let access = match prop.access() {
        zbus_xml::PropertyAccess::Read => "read",
        zbus_xml::PropertyAccess::Write => "write",
        zbus_xml::PropertyAccess::ReadWrite => "readwrite",
    };
    let emits = prop
        .annotations()
        .iter()
        .find(|a| a.name() == EMITS_CHANGED_SIGNAL)
        .map(|a| a.value())
        .filter(|v| *v != "true");
    // Names and types are [A-Za-z0-9_] and signature characters: nothing to escape.
    let _ = write!(
        xml,
        "    <property name=\"{}\" type=\"{}\" access=\"{access}\"",
        prop.name(),
        prop.ty()
    );
    match emits {
        Some(value) => {
            let _ = write!(
                xml,
                ">\n      <annotation name=\"{EMITS_CHANGED_SIGNAL}\" value=\"{value}\"/>\n    </property>\n"
            );
        }
        None => xml.push_str("/>\n"),
    }
}

/// The annotation that says whether `PropertiesChanged` is sent for a property.
const EMITS_CHANGED_SIGNAL: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_contract_reads() {
        let contract = Contract::load().unwrap();
        let domain = contract.interface("org.libvirt.Domain").unwrap();
        assert_eq!(domain.method("Suspend"), Some(""));
        assert_eq!(domain.method("GetState"), Some("u"));
        assert_eq!(domain.method("SetMemoryStatsPeriod"), Some("iu"));
        assert_eq!(domain.method("Nope"), None);
        let autostart = domain.property("Autostart").unwrap();
        assert_eq!(
            (
                autostart.ty.as_str(),
                autostart.readable,
                autostart.writable
            ),
            ("b", true, true)
        );
        assert!(!domain.property("Name").unwrap().writable);
        let connect = contract.interface("org.libvirt.Connect").unwrap();
        assert_eq!(connect.method("ListDomains"), Some("u"));
        assert_eq!(connect.method("BaselineCPU"), Some("asu"));
        assert!(connect.methods().count() > 50);
        assert_eq!(
            contract.interface(PROPERTIES).unwrap().method("Set"),
            Some("ssv")
        );
        assert!(contract.interface("org.example.Nope").is_none());
    }

    #[test]
    fn property_introspection_keeps_type_access_and_constness() {
        let contract = Contract::load().unwrap();
        let xml = contract
            .interface("org.libvirt.Domain")
            .unwrap()
            .introspect_properties();
        assert!(xml.contains("<property name=\"Autostart\" type=\"b\" access=\"readwrite\"/>"));
        assert!(xml.contains(
            "<property name=\"UUID\" type=\"s\" access=\"read\">\n      <annotation \
             name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"const\"/>"
        ));
        assert_eq!(xml.matches("<property ").count(), 9);
    }

    #[test]
    fn only_domain_autostart_is_writable() {
        // The kind table (src/bus/kinds.rs) says how each writable property is written.
        let contract = Contract::load().unwrap();
        let mut writable = Vec::new();
        for iface in ["org.libvirt.Connect", "org.libvirt.Domain"] {
            for (name, prop) in contract.interface(iface).unwrap().properties() {
                assert!(prop.readable, "{iface}.{name} is not readable");
                if prop.writable {
                    writable.push(format!("{iface}.{name}"));
                }
            }
        }
        assert_eq!(writable, ["org.libvirt.Domain.Autostart"]);
    }
}
