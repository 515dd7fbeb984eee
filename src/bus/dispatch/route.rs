//! Which object an object path names.
//!
//! Child objects are not registered one by one: any `<root>/<kind>/<element>` is an object of
//! that kind (see [`crate::bus::kinds`]), resolved from the path as libvirt-dbus resolves its
//! subtrees. An element that names no object is an object all the same, whose calls fail as
//! libvirt-dbus's do (for domains: "Invalid UUID" for an element that is no UUID, "Domain not
//! found" for a UUID of no domain).

/// An object the dispatcher serves.
#[derive(Debug, PartialEq)]
pub enum Object<'r, 'p> {
    /// The connection object of root number `.0`: `org.libvirt.Connect` and the object
    /// manager.
    Connection(usize),
    /// `<root>/<kind>/<element>`: the object of kind number `kind` under root number `root`
    /// that `element` names.
    Child {
        /// The root number.
        root: usize,
        /// The kind number, in the order of the kinds given to [`route`].
        kind: usize,
        /// The last path element, which the kind decodes.
        element: &'p str,
    },
    /// `<root>/<kind>`: the parent of the objects of that kind.
    Collection {
        /// The root number.
        root: usize,
        /// The kind number.
        kind: usize,
    },
    /// A path above the connection objects (`/`, `/org`, `/org/libvirt`), with the names of
    /// its children.
    Above(Vec<&'r str>),
}

/// The object at `path`, given the connection object paths `roots` and the path elements of
/// the object kinds `kinds`; `None` when nothing is served there.
pub fn route<'r, 'p, R: AsRef<str>>(
    roots: &'r [R],
    kinds: &[&str],
    path: &'p str,
) -> Option<Object<'r, 'p>> {
    for (root_number, root) in roots.iter().enumerate() {
        let root = root.as_ref();
        if path == root {
            return Some(Object::Connection(root_number));
        }
        // Every child of "/" starts with "/", as every child of "/a" starts with "/a/".
        let base = root.strip_suffix('/').unwrap_or(root);
        let Some(below) = path
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('/'))
        else {
            continue;
        };
        let (collection, element) = match below.split_once('/') {
            Some((collection, element)) => (collection, Some(element)),
            None => (below, None),
        };
        let Some(kind) = kinds.iter().position(|k| *k == collection) else {
            continue;
        };
        match element {
            None => {
                return Some(Object::Collection {
                    root: root_number,
                    kind,
                })
            }
            Some(element) if !element.is_empty() && !element.contains('/') => {
                return Some(Object::Child {
                    root: root_number,
                    kind,
                    element,
                })
            }
            Some(_) => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    const ROOTS: [&str; 2] = ["/org/libvirt/Test", "/org/libvirt/QEMU"];
    const KINDS: [&str; 2] = ["domain", "network"];
    const ELEMENT: &str = "_6695eb01_f6a4_8304_79aa_97f2502e193f";

    fn route(path: &str) -> Option<Object<'static, '_>> {
        super::route(&ROOTS, &KINDS, path)
    }

    #[test]
    fn connection_objects_and_their_children() {
        assert_eq!(route("/org/libvirt/Test"), Some(Object::Connection(0)));
        assert_eq!(route("/org/libvirt/QEMU"), Some(Object::Connection(1)));
        assert_eq!(
            route("/org/libvirt/QEMU/domain"),
            Some(Object::Collection { root: 1, kind: 0 })
        );
        assert_eq!(
            route("/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f"),
            Some(Object::Child {
                root: 0,
                kind: 0,
                element: ELEMENT
            })
        );
        assert_eq!(
            route("/org/libvirt/QEMU/network/x"),
            Some(Object::Child {
                root: 1,
                kind: 1,
                element: "x"
            })
        );
    }

    #[test]
    fn any_element_under_a_kind_is_an_object_of_it() {
        for element in ["abc", "_", "_abc", "6695eb01_f6a4_8304_79aa_97f2502e193f"] {
            let path = format!("/org/libvirt/Test/domain/{element}");
            assert_eq!(
                route(&path),
                Some(Object::Child {
                    root: 0,
                    kind: 0,
                    element
                }),
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
            "/org/libvirt/Test/domain/",
            "/org/libvirt/Test/domainsnapshot/x",
            "/org/libvirt/Test/storagepool",
            "/org/libvirt/Testing",
            "/com",
        ] {
            assert_eq!(route(path), None, "{path}");
        }
    }

    #[test]
    fn paths_above_the_roots_list_their_children() {
        assert_eq!(route("/"), Some(Object::Above(vec!["org"])));
        assert_eq!(route("/org"), Some(Object::Above(vec!["libvirt"])));
        assert_eq!(
            route("/org/libvirt"),
            Some(Object::Above(vec!["Test", "QEMU"]))
        );
        assert_eq!(super::route(&[] as &[&str], &KINDS, "/"), None);
    }
}
