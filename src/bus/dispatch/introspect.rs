//! `org.freedesktop.DBus.Introspectable` data of the served objects.
//!
//! The interfaces of an object are written by their generated code; child nodes are listed
//! by their names relative to the object, as the introspection format asks (libvirt-dbus
//! lists full paths there, which clients cannot follow).

use std::fmt::Write;

use zbus::object_server::Interface;

/// The start of every introspection document.
const HEADER: &str = "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection \
                      1.0//EN\"\n \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n\
                      <node>\n";

/// `org.freedesktop.DBus.Introspectable`, served on every object.
const INTROSPECTABLE: &str = "  <interface name=\"org.freedesktop.DBus.Introspectable\">
    <method name=\"Introspect\">
      <arg type=\"s\" direction=\"out\"/>
    </method>
  </interface>
";

/// `org.freedesktop.DBus.Peer`, served on every path.
const PEER: &str = "  <interface name=\"org.freedesktop.DBus.Peer\">
    <method name=\"Ping\">
    </method>
    <method name=\"GetMachineId\">
      <arg type=\"s\" direction=\"out\"/>
    </method>
  </interface>
";

/// An introspection document being written.
pub struct Document {
    xml: String,
}

impl Document {
    /// A document for an object with `Introspectable` and `Peer`, and `Properties` if
    /// `properties`.
    pub fn new(properties: bool) -> Self {
        let mut xml = String::with_capacity(4096);
        xml.push_str(HEADER);
        xml.push_str(INTROSPECTABLE);
        xml.push_str(PEER);
        let mut doc = Self { xml };
        if properties {
            doc.interface(&zbus::fdo::Properties);
        }
        doc
    }

    /// Adds the interface `iface` serves.
    pub fn interface<I: Interface + ?Sized>(&mut self, iface: &I) {
        iface.introspect_to_writer(&mut self.xml, 2);
    }

    /// Adds the interface `iface` serves, with the property elements `properties` (its
    /// generated code has no properties: they are defined with the object's kind).
    pub fn interface_with_properties(&mut self, iface: &dyn Interface, properties: &str) {
        let mut generated = String::new();
        iface.introspect_to_writer(&mut generated, 2);
        match generated.rfind("  </interface>") {
            Some(end) => {
                self.xml.push_str(&generated[..end]);
                self.xml.push_str(properties);
                self.xml.push_str(&generated[end..]);
            }
            None => self.xml.push_str(&generated),
        }
    }

    /// Adds a child node called `name`.
    pub fn child(&mut self, name: &str) {
        // Child names are path elements: [A-Za-z0-9_] only, nothing to escape.
        let _ = writeln!(self.xml, "  <node name=\"{name}\"/>");
    }

    /// The finished document.
    pub fn finish(mut self) -> String {
        self.xml.push_str("</node>\n");
        self.xml
    }
}

#[cfg(test)]
mod tests {
    use zbus_xml::Node;

    use super::*;

    #[test]
    fn documents_parse_with_their_interfaces_and_children() {
        let mut doc = Document::new(true);
        doc.child("domain");
        doc.child("_6695eb01_f6a4_8304_79aa_97f2502e193f");
        let xml = doc.finish();
        let node = Node::from_reader(xml.as_bytes()).unwrap();
        let names: Vec<String> = node
            .interfaces()
            .iter()
            .map(|i| i.name().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "org.freedesktop.DBus.Introspectable",
                "org.freedesktop.DBus.Peer",
                "org.freedesktop.DBus.Properties"
            ]
        );
        let children: Vec<_> = node.nodes().iter().filter_map(|n| n.name()).collect();
        assert_eq!(
            children,
            ["domain", "_6695eb01_f6a4_8304_79aa_97f2502e193f"]
        );

        let bare = Node::from_reader(Document::new(false).finish().as_bytes()).unwrap();
        assert_eq!(bare.interfaces().len(), 2);
        assert!(bare.nodes().is_empty());
    }
}
