//! Which calls change state: the one place that decides it.
//!
//! A call that changes state is logged at `info` with the caller's uid; every other call at
//! `debug`. The decision is made from the interface and member name alone, by the rule of
//! [`changes_state`]: the standard interfaces (`Properties.Get`/`GetAll`, `Introspectable`,
//! `Peer`, `ObjectManager`) only read, `Properties.Set` writes, and a member of an
//! `org.libvirt.*` interface reads when its name says so (`Get*`, `List*`, `Is*`, `Has*`,
//! `NodeGet*`, `MigrateGet*`, `*Lookup*`, and the few named in [`READING_MEMBERS`]).
//! Anything else is taken to change state, so a new member is logged at `info` until someone
//! decides otherwise. `tests/logging.rs` classifies every member of `interfaces/*.xml`
//! against a written list, so a new member cannot go unnoticed.
//!
//! Per-call authorization maps each member to libvirt permissions in
//! `crate::authz::table`; this classification is kept apart on purpose: it is about what
//! the log shows (a `GetGuestVcpus`, which libvirt guards with `domain:write` because it
//! talks to the guest agent, still only reads).

/// `org.freedesktop.DBus.Properties`.
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
/// `org.freedesktop.DBus.Introspectable`.
const INTROSPECTABLE: &str = "org.freedesktop.DBus.Introspectable";
/// `org.freedesktop.DBus.Peer`.
const PEER: &str = "org.freedesktop.DBus.Peer";
/// `org.freedesktop.DBus.ObjectManager`.
const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";

/// Name prefixes of `org.libvirt` members that only read.
const READING_PREFIXES: [&str; 6] = ["Get", "List", "Is", "Has", "NodeGet", "MigrateGet"];

/// `org.libvirt` members that only read although their name does not start with one of
/// [`READING_PREFIXES`] nor contain `Lookup`.
pub const READING_MEMBERS: [&str; 9] = [
    "BaselineCPU",
    "BlockPeek",
    "CompareCPU",
    "DomainSaveImageGetXMLDesc",
    "FindStoragePoolSources",
    "InterfaceAddresses",
    "MemoryPeek",
    "MemoryStats",
    "SnapshotCurrent",
];

/// Whether a call of `member` of `interface` changes state. `interface` may be empty for a
/// call that names none; the member decides then.
pub fn changes_state(interface: &str, member: &str) -> bool {
    match interface {
        PROPERTIES => member == "Set",
        INTROSPECTABLE | PEER | OBJECT_MANAGER => false,
        _ => !reads(member),
    }
}

/// Whether the `org.libvirt` member `member` only reads.
fn reads(member: &str) -> bool {
    READING_PREFIXES.iter().any(|p| member.starts_with(p))
        || member.contains("Lookup")
        || READING_MEMBERS.contains(&member)
        // Members of the standard interfaces, for a call that names no interface.
        || matches!(member, "Introspect" | "Ping" | "GetManagedObjects")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_interfaces_read_except_properties_set() {
        assert!(!changes_state(PROPERTIES, "Get"));
        assert!(!changes_state(PROPERTIES, "GetAll"));
        assert!(changes_state(PROPERTIES, "Set"));
        assert!(!changes_state(INTROSPECTABLE, "Introspect"));
        assert!(!changes_state(PEER, "Ping"));
        assert!(!changes_state(OBJECT_MANAGER, "GetManagedObjects"));
    }

    #[test]
    fn libvirt_members_by_name() {
        for read in [
            "GetXMLDesc",
            "ListDomains",
            "DomainLookupByName",
            "IsCurrent",
        ] {
            assert!(!changes_state("org.libvirt.Domain", read), "{read}");
        }
        for change in [
            "Create",
            "Undefine",
            "SetValue",
            "SetVcpus",
            "DomainDefineXML",
        ] {
            assert!(changes_state("org.libvirt.Domain", change), "{change}");
        }
        assert!(!changes_state("", "Introspect"));
        assert!(changes_state("", "Suspend"));
    }
}
