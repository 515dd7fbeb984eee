//! The one table of the kinds of object served under every connection object.
//!
//! The dispatcher, the object manager, the introspection of a connection object and the
//! event fan-out loop over [`KINDS`]; nothing else in the bus front names a kind. Serving a
//! new kind (as each of these was) means: its [`super::kind::ObjectKind`], its interface
//! methods on a thin handle, its driver trait group, its contract file, and one line here.

use super::{
    domain::DomainKind,
    interface::InterfaceKind,
    kind::{Entry, Kind},
    network::NetworkKind,
    node_device::NodeDeviceKind,
    nwfilter::NWFilterKind,
    secret::SecretKind,
    snapshot::SnapshotKind,
    storage_pool::StoragePoolKind,
    storage_vol::StorageVolKind,
};

/// Every kind of object a connection object has, in the order introspection lists them.
pub static KINDS: &[&dyn Kind] = &[
    &Entry::<DomainKind>::new(),
    &Entry::<NetworkKind>::new(),
    &Entry::<SnapshotKind>::new(),
    &Entry::<StoragePoolKind>::new(),
    &Entry::<StorageVolKind>::new(),
    &Entry::<NWFilterKind>::new(),
    &Entry::<SecretKind>::new(),
    &Entry::<NodeDeviceKind>::new(),
    &Entry::<InterfaceKind>::new(),
];

/// The kind whose objects live under the path element `element` (`domain`).
pub fn by_element(element: &str) -> Option<&'static dyn Kind> {
    KINDS.iter().copied().find(|k| k.element() == element)
}

#[cfg(test)]
mod tests {
    use std::{collections::HashSet, sync::Arc};

    use super::*;
    use crate::bus::dispatch::Contract;

    #[test]
    fn every_kind_has_its_own_element_and_interface() {
        let elements: HashSet<_> = KINDS.iter().map(|k| k.element()).collect();
        let interfaces: HashSet<_> = KINDS.iter().map(|k| k.interface()).collect();
        assert_eq!(elements.len(), KINDS.len());
        assert_eq!(interfaces.len(), KINDS.len());
        assert_eq!(
            by_element("domain").unwrap().interface(),
            "org.libvirt.Domain"
        );
        assert!(by_element("nope").is_none());
    }

    #[test]
    fn every_kind_forms_its_paths_as_the_path_module_does() {
        // Connect forms the paths of kinds that are not served yet with path::object_element;
        // a served kind must form the same ones.
        for kind in KINDS {
            let (id, element) = kind.sample();
            assert_eq!(
                crate::bus::path::object_element(&id),
                (kind.element(), element.clone()),
                "{}",
                kind.interface()
            );
            let (events, _) = virtbus_core::event::channel();
            let driver = Arc::new(virtbus_test_driver::TestDriver::new(events));
            assert!(kind.handle(driver, &element).is_ok(), "{element} decodes");
        }
    }

    #[test]
    fn every_kind_defines_exactly_the_properties_of_its_contract() {
        // One definition per property: the table of each kind has every property of the
        // interface file, no other, and writes exactly those the file says are writable.
        let contract = Contract::load().unwrap();
        for kind in KINDS {
            let iface = contract
                .interface(kind.interface())
                .unwrap_or_else(|| panic!("{} in interfaces/", kind.interface()));
            let mut defined = kind.property_names();
            defined.sort_unstable();
            let mut declared: Vec<&str> = iface.properties().map(|(n, _)| n).collect();
            declared.sort_unstable();
            assert_eq!(defined, declared, "{}", kind.interface());
            for (name, prop) in iface.properties() {
                assert_eq!(
                    kind.is_writable(name),
                    prop.writable,
                    "{}.{name}",
                    kind.interface()
                );
            }
        }
    }
}
