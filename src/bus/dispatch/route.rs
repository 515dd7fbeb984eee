//! Which object an object path names.
//!
//! Domain objects are not registered one by one: any `<root>/domain/<element>` is a domain
//! object, resolved from the path as libvirt-dbus resolves its subtree. An element that is
//! not an encoded UUID names an object all the same, whose calls fail as libvirt-dbus's do
//! ("Invalid UUID"); a UUID of no domain fails with the driver's "Domain not found".

use uuid::Uuid;
use virtbus_core::uuid_str;

use crate::bus::path;

/// An object the dispatcher serves.
#[derive(Debug, PartialEq)]
pub enum Object<'a> {
    /// The connection object of root number `.0`: `org.libvirt.Connect` and the object
    /// manager.
    Connection(usize),
    /// `<root>/domain/<element>` under root number `.0`: the UUID the element encodes, or
    /// the error that any call on it answers.
    Domain(usize, Result<Uuid, virtbus_core::Error>),
    /// `<root>/domain` under root number `.0`: the parent of the domain objects.
    Domains(usize),
    /// A path above the connection objects (`/`, `/org`, `/org/libvirt`), with the names of
    /// its children.
    Above(Vec<&'a str>),
}

/// The object at `path`, given the connection object paths `roots`; `None` when nothing is
/// served there.
pub fn route<'r, R: AsRef<str>>(roots: &'r [R], path: &str) -> Option<Object<'r>> {
    for (i, root) in roots.iter().enumerate() {
        let root = root.as_ref();
        if path == root {
            return Some(Object::Connection(i));
        }
        // Every child of "/" starts with "/", as every child of "/a" starts with "/a/".
        let base = root.strip_suffix('/').unwrap_or(root);
        let Some(rest) = path
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|rest| rest.strip_prefix(path::DOMAIN))
        else {
            continue;
        };
        if rest.is_empty() {
            return Some(Object::Domains(i));
        }
        if let Some(element) = rest.strip_prefix('/') {
            if !element.is_empty() && !element.contains('/') {
                return Some(Object::Domain(i, decode_uuid(element)));
            }
        }
    }
    let children = children_above(roots, path);
    (!children.is_empty()).then_some(Object::Above(children))
}

/// The names of the children of `path` on the way to the connection objects `roots`.
fn children_above<'r, R: AsRef<str>>(roots: &'r [R], path: &str) -> Vec<&'r str> {
    let base = path.strip_suffix('/').unwrap_or(path);
    let mut children: Vec<&str> = Vec::new();
    for root in roots {
        let Some(below) = root
            .as_ref()
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('/'))
        else {
            continue;
        };
        let child = below.split('/').next().unwrap_or(below);
        if !child.is_empty() && !children.contains(&child) {
            children.push(child);
        }
    }
    children
}

/// The UUID of a domain path element, read as libvirt-dbus reads it: `_` then the UUID
/// with `_` for `-`, in any spelling libvirt accepts (upper case, no separators).
pub fn decode_uuid(element: &str) -> Result<Uuid, virtbus_core::Error> {
    let encoded = element
        .strip_prefix('_')
        .ok_or_else(virtbus_core::Error::invalid_uuid)?;
    // A UUID has at most 32 digits and 16 separators: anything longer is not one, and is
    // not copied.
    if encoded.len() > 48 {
        return Err(virtbus_core::Error::invalid_uuid());
    }
    let text: String = encoded
        .chars()
        .map(|c| if c == '_' { '-' } else { c })
        .collect();
    uuid_str::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOTS: [&str; 2] = ["/org/libvirt/Test", "/org/libvirt/QEMU"];
    const TEST_UUID: &str = "6695eb01-f6a4-8304-79aa-97f2502e193f";

    fn test_uuid() -> Uuid {
        Uuid::parse_str(TEST_UUID).unwrap()
    }

    #[test]
    fn connection_objects_and_their_domains() {
        assert_eq!(
            route(&ROOTS, "/org/libvirt/Test"),
            Some(Object::Connection(0))
        );
        assert_eq!(
            route(&ROOTS, "/org/libvirt/QEMU"),
            Some(Object::Connection(1))
        );
        assert_eq!(
            route(&ROOTS, "/org/libvirt/QEMU/domain"),
            Some(Object::Domains(1))
        );
        assert_eq!(
            route(
                &ROOTS,
                "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f"
            ),
            Some(Object::Domain(0, Ok(test_uuid())))
        );
    }

    #[test]
    fn any_element_under_domain_is_a_domain_object() {
        for element in ["abc", "_", "_abc", "6695eb01_f6a4_8304_79aa_97f2502e193f"] {
            let path = format!("/org/libvirt/Test/domain/{element}");
            assert_eq!(
                route(&ROOTS, &path),
                Some(Object::Domain(0, Err(virtbus_core::Error::invalid_uuid()))),
                "{path}"
            );
        }
    }

    #[test]
    fn other_paths_are_no_object() {
        for path in [
            "/org/libvirt/Nope",
            "/org/libvirt/Test/domainx",
            "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f/sub",
            "/org/libvirt/Test/domainsnapshot/x",
            "/org/libvirt/Test/network",
            "/org/libvirt/Testing",
            "/com",
        ] {
            assert_eq!(route(&ROOTS, path), None, "{path}");
        }
    }

    #[test]
    fn paths_above_the_roots_list_their_children() {
        assert_eq!(route(&ROOTS, "/"), Some(Object::Above(vec!["org"])));
        assert_eq!(route(&ROOTS, "/org"), Some(Object::Above(vec!["libvirt"])));
        assert_eq!(
            route(&ROOTS, "/org/libvirt"),
            Some(Object::Above(vec!["Test", "QEMU"]))
        );
        assert_eq!(route(&[] as &[&str], "/"), None);
    }

    #[test]
    fn uuids_are_read_as_libvirt_reads_them() {
        let u = test_uuid();
        assert_eq!(
            decode_uuid("_6695eb01_f6a4_8304_79aa_97f2502e193f").unwrap(),
            u
        );
        assert_eq!(decode_uuid("_6695eb01f6a4830479aa97f2502e193f").unwrap(), u);
        assert_eq!(
            decode_uuid("_6695EB01_F6A4_8304_79AA_97F2502E193F").unwrap(),
            u
        );
        for bad in [
            "",
            "_",
            "6695eb01_f6a4_8304_79aa_97f2502e193f",
            "_6695eb01_f6a4_8304_79aa_97f2502e193f_00",
            "_zzzzzzzz_zzzz_zzzz_zzzz_zzzzzzzzzzzz",
            &format!("_{}", "0".repeat(10_000)),
        ] {
            assert!(decode_uuid(bad).is_err(), "{bad}");
        }
        for path in [
            path::domain_path(ROOTS[0], &u),
            path::domain_path(ROOTS[1], &Uuid::nil()),
        ] {
            let element = path.as_str().rsplit('/').next().unwrap();
            assert!(decode_uuid(element).is_ok(), "{path}");
        }
    }
}
