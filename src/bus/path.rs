//! Object paths, formed exactly as libvirt-dbus forms them.
//!
//! UUID-keyed objects (domains, networks, ...) are `_` + the UUID with every `-` turned into
//! `_`. String-keyed objects (node devices, interfaces, volumes) keep `[A-Za-z0-9]` and write
//! every other byte as `_` + two lowercase hex digits. [`object_path`] forms the path of any
//! kind of object from its [`ObjectId`].

use uuid::Uuid;
use virtbus_core::ObjectId;
use zbus::{ObjectPath, OwnedObjectPath};

/// The element under a connection object that holds its domains.
pub const DOMAIN: &str = "domain";

/// The element under a connection object that holds domain snapshots.
pub const DOMAIN_SNAPSHOT: &str = "domainsnapshot";

/// The element under a connection object that holds its networks.
pub const NETWORK: &str = "network";

/// The element under a connection object that holds its network filters.
pub const NWFILTER: &str = "nwfilter";

/// The element under a connection object that holds its secrets.
pub const SECRET: &str = "secret";

/// The element under a connection object that holds its storage pools.
pub const STORAGE_POOL: &str = "storagepool";

/// The element under a connection object that holds its storage volumes.
pub const STORAGE_VOL: &str = "storagevol";

/// The element under a connection object that holds its node devices.
pub const NODE_DEVICE: &str = "nodedev";

/// The element under a connection object that holds its host interfaces.
pub const INTERFACE: &str = "interface";

/// The element of an empty string key. [`encode_str`] makes "" of it, which cannot end a
/// path; a lone `_` is never made by [`encode_str`] (its `_` are always followed by two hex
/// digits), so it names no other key.
const EMPTY_KEY: &str = "_";

/// `_6695eb01_f6a4_8304_79aa_97f2502e193f` for a UUID.
pub fn encode_uuid(uuid: &Uuid) -> String {
    let mut out = String::with_capacity(ENCODED_UUID_LEN);
    push_encoded_uuid(&mut out, uuid);
    out
}

/// The length of an element made by [`encode_uuid`].
pub const ENCODED_UUID_LEN: usize = uuid::fmt::Hyphenated::LENGTH + 1;

/// Appends [`encode_uuid`]`(uuid)` to `out`, with no allocation of its own (for paths built
/// by the thousand).
pub fn push_encoded_uuid(out: &mut String, uuid: &Uuid) {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let hyphenated = uuid.hyphenated().encode_lower(&mut buf);
    out.push('_');
    out.extend(hyphenated.chars().map(|c| if c == '-' { '_' } else { c }));
}

/// The UUID of a path element, read as libvirt-dbus reads it: `_` then the UUID with `_` for
/// `-`, in any spelling libvirt accepts (upper case, no separators). Anything else is
/// libvirt's "Invalid UUID".
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
    virtbus_core::uuid_str::parse(&text)
}

/// Hex-escapes a string key: `scsi_host2` becomes `scsi_5fhost2`.
pub fn encode_str(key: &str) -> String {
    let mut out = String::with_capacity(key.len() * 3);
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push('_');
            out.push_str(&format!("{b:02x}"));
        }
    }
    out
}

/// Reverses [`encode_str`]; `None` for an element that is not a valid encoding.
pub fn decode_str(element: &str) -> Option<String> {
    let bytes = element.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'_' {
            let hex = element.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path of a domain under the connection object `root`.
pub fn domain_path(root: &str, uuid: &Uuid) -> OwnedObjectPath {
    let path = format!("{root}/{DOMAIN}/{}", encode_uuid(uuid));
    // The root is a valid path and the encoded UUID only has [0-9a-f_].
    OwnedObjectPath::from(ObjectPath::try_from(path).expect("encoded UUID makes a valid path"))
}

/// The path of snapshot `name` of domain `uuid` under the connection object `root`:
/// `<root>/domainsnapshot/_<uuid>_<enc(name)>`, as libvirt-dbus forms it. `None` when `root`
/// is not a valid object path.
pub fn snapshot_path(root: &str, uuid: &Uuid, name: &str) -> Option<OwnedObjectPath> {
    let path = format!(
        "{root}/{DOMAIN_SNAPSHOT}/{}_{}",
        encode_uuid(uuid),
        encode_str(name)
    );
    ObjectPath::try_from(path).ok().map(OwnedObjectPath::from)
}

/// The path of object `id` under the connection object `root`, as libvirt-dbus forms it:
/// `<root>/<kind>/<key>`, the key encoded with [`encode_uuid`] for UUID-keyed kinds and with
/// [`encode_str`] for volume keys, node device names and interface MACs; snapshots as
/// [`snapshot_path`] forms them. An empty string key, which libvirt-dbus would turn into an
/// invalid path, becomes `_`.
///
/// `root` must be a valid object path (a connection object's), as for [`domain_path`]; the
/// elements added are never empty and only hold `[A-Za-z0-9_]`.
pub fn object_path(root: &str, id: &ObjectId) -> OwnedObjectPath {
    let root = root.strip_suffix('/').unwrap_or(root);
    let (kind, key) = object_element(id);
    let path = format!("{root}/{kind}/{key}");
    OwnedObjectPath::from(
        ObjectPath::try_from(path).expect("a valid root and an encoded key make a valid path"),
    )
}

/// The two path elements of object `id` under its connection object: the element of its
/// kind ([`DOMAIN`], [`NETWORK`], ...) and its own, encoded as [`object_path`] describes.
pub fn object_element(id: &ObjectId) -> (&'static str, String) {
    match id {
        ObjectId::Domain(uuid) => (DOMAIN, encode_uuid(uuid)),
        ObjectId::DomainSnapshot { domain, name } => (
            DOMAIN_SNAPSHOT,
            format!("{}_{}", encode_uuid(domain), encode_str(name)),
        ),
        ObjectId::Network(uuid) => (NETWORK, encode_uuid(uuid)),
        ObjectId::NWFilter(uuid) => (NWFILTER, encode_uuid(uuid)),
        ObjectId::Secret(uuid) => (SECRET, encode_uuid(uuid)),
        ObjectId::StoragePool(uuid) => (STORAGE_POOL, encode_uuid(uuid)),
        ObjectId::StorageVol(key) => (STORAGE_VOL, encode_key(key)),
        ObjectId::NodeDevice(name) => (NODE_DEVICE, encode_key(name)),
        ObjectId::Interface(mac) => (INTERFACE, encode_key(mac)),
    }
}

/// The key of an element made by [`encode_key`]; `None` for an element that is no valid
/// encoding.
pub fn decode_key(element: &str) -> Option<String> {
    if element == EMPTY_KEY {
        Some(String::new())
    } else {
        decode_str(element)
    }
}

/// [`encode_str`], with [`EMPTY_KEY`] for "": the element of a string key (volume key, node
/// device name, MAC address).
pub fn encode_key(key: &str) -> String {
    if key.is_empty() {
        EMPTY_KEY.to_owned()
    } else {
        encode_str(key)
    }
}

/// The connection object a call on an object under `element` came through: from the path of
/// the call, or the driver's own `/org/libvirt/<driver_name>` when the path does not say.
pub fn call_root(hdr: &zbus::message::Header<'_>, element: &str, driver_name: &str) -> String {
    hdr.path()
        .and_then(|p| root_of(p.as_str(), element).map(str::to_owned))
        .unwrap_or_else(|| format!("/org/libvirt/{driver_name}"))
}

/// The connection object above a child path: `/org/libvirt/Test` for
/// `/org/libvirt/Test/domain/_...` with `element` "domain". `None` when the path has no such
/// element.
pub fn root_of<'p>(path: &'p str, element: &str) -> Option<&'p str> {
    let (root, rest) = path.rsplit_once('/')?;
    let (root, last) = root.rsplit_once('/')?;
    (last == element && !rest.is_empty() && !root.is_empty()).then_some(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_UUID: &str = "6695eb01-f6a4-8304-79aa-97f2502e193f";

    #[test]
    fn uuid_paths_match_libvirt_dbus() {
        let uuid = Uuid::parse_str(TEST_UUID).unwrap();
        assert_eq!(encode_uuid(&uuid), "_6695eb01_f6a4_8304_79aa_97f2502e193f");
        assert_eq!(
            domain_path("/org/libvirt/Test", &uuid).as_str(),
            "/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f"
        );
        assert_eq!(decode_uuid(&encode_uuid(&uuid)), Ok(uuid));
    }

    #[test]
    fn bad_uuid_elements_are_rejected() {
        for bad in [
            "",
            "_",
            "x",
            "_6695eb01",
            "_6695eb01_f6a4_8304_79aa_97f2502e193g",
        ] {
            assert_eq!(
                decode_uuid(bad),
                Err(virtbus_core::Error::invalid_uuid()),
                "{bad}"
            );
        }
    }

    #[test]
    fn uuids_are_read_as_libvirt_reads_them() {
        let u = Uuid::parse_str(TEST_UUID).unwrap();
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
            domain_path("/org/libvirt/Test", &u),
            domain_path("/org/libvirt/QEMU", &Uuid::nil()),
        ] {
            let element = path.as_str().rsplit('/').next().unwrap();
            assert!(decode_uuid(element).is_ok(), "{path}");
        }
    }

    #[test]
    fn snapshot_paths_match_libvirt_dbus() {
        let uuid = Uuid::parse_str(TEST_UUID).unwrap();
        assert_eq!(
            snapshot_path("/org/libvirt/Test", &uuid, "s 1")
                .unwrap()
                .as_str(),
            "/org/libvirt/Test/domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f_s_201"
        );
        assert_eq!(snapshot_path("not a path", &uuid, "s"), None);
        let domain = domain_path("/org/libvirt/Test", &uuid);
        assert_eq!(root_of(domain.as_str(), DOMAIN), Some("/org/libvirt/Test"));
        assert_eq!(root_of("/org/libvirt/Test", DOMAIN), None);
        assert_eq!(root_of("/domain/_x", DOMAIN), None);
        assert_eq!(root_of("/", DOMAIN), None);
    }

    #[test]
    fn string_keys_match_libvirt_dbus() {
        assert_eq!(encode_str("scsi_host2"), "scsi_5fhost2");
        assert_eq!(
            encode_str("aa:bb:cc:dd:ee:ff"),
            "aa_3abb_3acc_3add_3aee_3aff"
        );
        assert_eq!(
            encode_str("/default-pool/a b+c.img"),
            "_2fdefault_2dpool_2fa_20b_2bc_2eimg"
        );
        for key in [
            "scsi_host2",
            "aa:bb:cc:dd:ee:ff",
            "/default-pool/a b+c.img",
            "ünï",
        ] {
            assert_eq!(decode_str(&encode_str(key)).as_deref(), Some(key));
        }
        assert_eq!(decode_str("_zz"), None);
        assert_eq!(decode_str("_2"), None);
    }

    #[test]
    fn object_paths_match_libvirt_dbus() {
        let root = "/org/libvirt/Test";
        let uuid = Uuid::parse_str(TEST_UUID).unwrap();
        let encoded = "_6695eb01_f6a4_8304_79aa_97f2502e193f";
        let cases = [
            (ObjectId::Domain(uuid), format!("{root}/domain/{encoded}")),
            (ObjectId::Network(uuid), format!("{root}/network/{encoded}")),
            (
                ObjectId::NWFilter(uuid),
                format!("{root}/nwfilter/{encoded}"),
            ),
            (ObjectId::Secret(uuid), format!("{root}/secret/{encoded}")),
            (
                ObjectId::StoragePool(uuid),
                format!("{root}/storagepool/{encoded}"),
            ),
            (
                ObjectId::StorageVol("/default-pool/a b+c.img".to_owned()),
                format!("{root}/storagevol/_2fdefault_2dpool_2fa_20b_2bc_2eimg"),
            ),
            (
                ObjectId::NodeDevice("scsi_host2".to_owned()),
                format!("{root}/nodedev/scsi_5fhost2"),
            ),
            (
                ObjectId::Interface("aa:bb:cc:dd:ee:ff".to_owned()),
                format!("{root}/interface/aa_3abb_3acc_3add_3aee_3aff"),
            ),
            (
                ObjectId::DomainSnapshot {
                    domain: uuid,
                    name: "s 1".to_owned(),
                },
                format!("{root}/domainsnapshot/{encoded}_s_201"),
            ),
        ];
        for (id, want) in cases {
            assert_eq!(object_path(root, &id).as_str(), want, "{id:?}");
        }
    }

    #[test]
    fn object_paths_agree_with_the_older_functions() {
        let uuid = Uuid::parse_str(TEST_UUID).unwrap();
        for root in ["/org/libvirt/Test", "/org/libvirt/QEMU"] {
            assert_eq!(
                object_path(root, &ObjectId::Domain(uuid)),
                domain_path(root, &uuid)
            );
            let snapshot = ObjectId::DomainSnapshot {
                domain: uuid,
                name: "before upgrade".to_owned(),
            };
            assert_eq!(
                Some(object_path(root, &snapshot)),
                snapshot_path(root, &uuid, "before upgrade")
            );
        }
    }

    #[test]
    fn empty_keys_still_make_valid_paths() {
        let root = "/org/libvirt/Test";
        for id in [
            ObjectId::StorageVol(String::new()),
            ObjectId::NodeDevice(String::new()),
            ObjectId::Interface(String::new()),
        ] {
            let path = object_path(root, &id);
            assert!(path.as_str().ends_with("/_"), "{path}");
        }
        assert_eq!(
            decode_str("_"),
            None,
            "the empty-key element names no other key"
        );
        let snapshot = ObjectId::DomainSnapshot {
            domain: Uuid::nil(),
            name: String::new(),
        };
        assert_eq!(
            object_path(root, &snapshot).as_str(),
            "/org/libvirt/Test/domainsnapshot/_00000000_0000_0000_0000_000000000000_"
        );
        assert_eq!(
            object_path("/", &ObjectId::Network(Uuid::nil())).as_str(),
            "/network/_00000000_0000_0000_0000_000000000000"
        );
    }
}
