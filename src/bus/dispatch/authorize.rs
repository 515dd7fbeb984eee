//! What a call needs before it runs: its permissions from the table
//! ([`crate::authz::table`]) and the details libvirt's polkit access driver passes with them
//! (`viraccessdriverpolkit.c`), read from the object the call is addressed to.
//!
//! Details per object: `connect_driver` always (`QEMU`, `Test`); for a domain `domain_name`
//! and `domain_uuid` (a snapshot's calls are checked against its domain); a network
//! `network_name`, `network_uuid`; a storage pool `pool_name`, `pool_uuid`; a volume its
//! pool's `pool_name`, `pool_uuid`, then `vol_name`, `vol_key`; a node device `node_device_name`; a host interface
//! `interface_name`, `interface_macaddr`; a filter `nwfilter_name`, `nwfilter_uuid`; a
//! secret `secret_uuid` and its usage (`secret_usage_volume`, `_ceph`, `_target`, `_name`).
//! A lookup on a connection object (`DomainLookupByName`, ...) is checked against the object
//! it finds ([`looked_up`]), and a define or create of a domain, network, storage pool or
//! filter against the object its XML describes ([`defined`]), as libvirt checks them. A
//! permission on another object that does not exist yet (a secret, host interface or node
//! device defined, a volume created in a pool) carries `connect_driver` only, plus the
//! pool's details for a volume permission asked on a pool.

use std::sync::Arc;

use virtbus_core::{driver::Driver, uuid_str, ObjectId};
use zbus::{
    message::{Flags, Header},
    Message, Structure, Variant,
};

use super::contract::{INTROSPECTABLE, PEER, PROPERTIES};
use crate::{
    authz::{
        table::{self, Member, Object},
        Permission,
    },
    bus::{
        kind::{Kind, ObjectKind, Wanted},
        kinds, path,
        snapshot::SnapshotKind,
    },
};

/// Details as (key, value), in libvirt's order.
pub type Details = Vec<(&'static str, String)>;

/// The permissions a call of `member` of `interface` needs, or `None` for a member the table
/// does not know (refused: a member without an entry is never let through).
pub fn required(
    interface: &str,
    member: &str,
    msg: &Message,
    object_interface: Option<&str>,
) -> Option<Vec<Permission>> {
    match interface {
        PEER | INTROSPECTABLE => Some(Vec::new()),
        PROPERTIES => {
            let body = msg.body();
            match member {
                "Get" => {
                    let (iface, name): (&str, &str) = body.deserialize().ok()?;
                    properties_of(object_interface, iface)?;
                    Some(
                        table::lookup(iface, Member::Get(name))?
                            .required(0)
                            .collect(),
                    )
                }
                "GetAll" => {
                    let iface: &str = body.deserialize().ok()?;
                    properties_of(object_interface, iface)?;
                    Some(table::get_all(iface))
                }
                "Set" => {
                    let (iface, name, _): (&str, &str, Variant<'_>) = body.deserialize().ok()?;
                    properties_of(object_interface, iface)?;
                    Some(
                        table::lookup(iface, Member::Set(name))?
                            .required(0)
                            .collect(),
                    )
                }
                _ => None,
            }
        }
        _ => {
            let entry = table::lookup(interface, Member::Method(member))?;
            let flags = if entry.reads_flags() {
                last_u32(msg)?
            } else {
                0
            };
            Some(entry.required(flags).collect())
        }
    }
}

/// `Some` when `asked` is the interface of the object (any interface on a connection object,
/// whose properties are `org.libvirt.Connect`'s); a `Properties` call about another interface
/// is refused later by the dispatcher with its own error, and needs nothing here.
fn properties_of(object_interface: Option<&str>, asked: &str) -> Option<()> {
    match object_interface {
        Some(own) if own != asked => None,
        _ => Some(()),
    }
}

/// The call's last argument as a `u32`: libvirt's `flags`.
fn last_u32(msg: &Message) -> Option<u32> {
    let body = msg.body();
    if body.signature().to_string() == "u" {
        return body.deserialize::<u32>().ok();
    }
    let args: Structure<'_> = body.deserialize().ok()?;
    match args.fields().last()? {
        Variant::U32(flags) => Some(*flags),
        _ => None,
    }
}

/// Whether the caller of `hdr` allows interactive authorization.
pub fn interactive(hdr: &Header<'_>) -> bool {
    hdr.primary()
        .flags()
        .contains(Flags::ALLOW_INTERACTIVE_AUTH)
}

/// The object kind of the table that the objects of `interface` are, for details.
fn object_of(interface: &str) -> Option<Object> {
    Some(match interface {
        "org.libvirt.Domain" | "org.libvirt.DomainSnapshot" => Object::Domain,
        "org.libvirt.Network" => Object::Network,
        "org.libvirt.StoragePool" => Object::StoragePool,
        "org.libvirt.StorageVol" => Object::StorageVol,
        "org.libvirt.NodeDevice" => Object::NodeDevice,
        "org.libvirt.Interface" => Object::Interface,
        "org.libvirt.NWFilter" => Object::NWFilter,
        "org.libvirt.Secret" => Object::Secret,
        _ => return None,
    })
}

/// The details of permission `object` for a call on the object at `element` of `kind`
/// (`None` for a call on a connection object).
pub async fn details(
    driver: &Arc<dyn Driver>,
    object: Object,
    target: Option<(&'static dyn Kind, &str)>,
) -> Details {
    let mut details = vec![("connect_driver", driver.name().to_owned())];
    let Some((kind, element)) = target else {
        return details;
    };
    let Some(target_object) = object_of(kind.interface()) else {
        return details;
    };
    // A snapshot's calls are about its domain.
    let (kind, element) = if kind.interface() == "org.libvirt.DomainSnapshot" {
        let Ok(key) = SnapshotKind::decode(element) else {
            return details;
        };
        match kinds::by_element(path::DOMAIN) {
            Some(domain) => (domain, path::encode_uuid(&key.domain)),
            None => return details,
        }
    } else {
        (kind, element.to_owned())
    };
    let wanted: &[(&'static str, &str)] = match (object, target_object) {
        (Object::Domain, Object::Domain) => &[("domain_name", "Name"), ("domain_uuid", "UUID")],
        (Object::Network, Object::Network) => &[("network_name", "Name"), ("network_uuid", "UUID")],
        (Object::StoragePool | Object::StorageVol, Object::StoragePool) => {
            &[("pool_name", "Name"), ("pool_uuid", "UUID")]
        }
        (Object::StorageVol, Object::StorageVol) => {
            // libvirt names the volume's pool first.
            if let Some(key) = path::decode_key(&element) {
                pool_of_volume(driver, &key, &mut details).await;
            }
            &[("vol_name", "Name"), ("vol_key", "Key")]
        }
        (Object::NodeDevice, Object::NodeDevice) => &[("node_device_name", "Name")],
        (Object::Interface, Object::Interface) => {
            &[("interface_name", "Name"), ("interface_macaddr", "MAC")]
        }
        (Object::NWFilter, Object::NWFilter) => {
            &[("nwfilter_name", "Name"), ("nwfilter_uuid", "UUID")]
        }
        (Object::Secret, Object::Secret) => {
            secret_details(driver, kind, &element, &mut details).await;
            return details;
        }
        _ => return details,
    };
    // Names, UUIDs, keys and addresses come with every read; asking for one property
    // spares the driver calls of the others (a domain's scheduler type).
    let Ok(values) = kind
        .read(
            driver.as_ref(),
            &element,
            wanted.first().map_or(Wanted::All, |(_, p)| Wanted::One(p)),
        )
        .await
    else {
        return details;
    };
    let entries = values.entries();
    for (key, property) in wanted {
        let value = entries
            .iter()
            .find(|(name, _)| name == property)
            .and_then(|(_, v)| v.as_ref().ok())
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
        if let Some(value) = value {
            details.push((key, value));
        }
    }
    details
}

/// `pool_name` and `pool_uuid` of the pool that holds the volume with key `key`.
async fn pool_of_volume(driver: &Arc<dyn Driver>, key: &str, details: &mut Details) {
    let Ok(pools) = driver.list_storage_pools(0).await else {
        return;
    };
    for pool in pools {
        let holds = driver
            .storage_pool_list_volumes(&pool, 0)
            .await
            .is_ok_and(|keys| keys.iter().any(|k| k == key));
        if !holds {
            continue;
        }
        let Some(kind) = kinds::by_element(path::STORAGE_POOL) else {
            return;
        };
        let Ok(values) = kind
            .read(
                driver.as_ref(),
                &path::encode_uuid(&pool),
                Wanted::One("Name"),
            )
            .await
        else {
            return;
        };
        let name = values
            .entries()
            .into_iter()
            .find_map(|(n, v)| match (n, v) {
                ("Name", Ok(v)) => String::try_from(v).ok(),
                _ => None,
            });
        if let Some(name) = name {
            details.push(("pool_name", name));
        }
        details.push(("pool_uuid", pool.to_string()));
        return;
    }
}

/// `secret_uuid` and the usage detail of the secret's usage type, as libvirt names it.
async fn secret_details(
    driver: &Arc<dyn Driver>,
    kind: &'static dyn Kind,
    element: &str,
    details: &mut Details,
) {
    let Ok(values) = kind.read(driver.as_ref(), element, Wanted::All).await else {
        return;
    };
    let entries = values.entries();
    let get = |property: &str| {
        entries
            .iter()
            .find(|(name, _)| *name == property)
            .and_then(|(_, v)| v.as_ref().ok())
            .and_then(|v| v.try_clone().ok())
    };
    if let Some(uuid) = get("UUID").and_then(|v| String::try_from(v).ok()) {
        details.push(("secret_uuid", uuid));
    }
    let usage_type = get("UsageType").and_then(|v| i32::try_from(v).ok());
    let usage_id = get("UsageID").and_then(|v| String::try_from(v).ok());
    // virSecretUsageType: none, volume, ceph, iscsi, tls, vtpm.
    let key = match usage_type {
        Some(1) => "secret_usage_volume",
        Some(2) => "secret_usage_ceph",
        Some(3) => "secret_usage_target",
        Some(4) | Some(5) => "secret_usage_name",
        _ => return,
    };
    if let Some(id) = usage_id {
        details.push((key, id));
    }
}

/// The object a lookup on a connection object finds, so that its permission (`getattr`) is
/// asked with the object's details, as libvirt checks a lookup against the object found.
/// `None` for any other call, or when nothing is found (the handler then fails with
/// libvirt's "not found", after a check with `connect_driver` alone).
pub async fn looked_up(driver: &dyn Driver, member: &str, msg: &Message) -> Option<ObjectId> {
    let body = msg.body();
    let one_str = || body.deserialize::<&str>().ok();
    let uuid = || uuid_str::parse(body.deserialize::<&str>().ok()?).ok();
    Some(match member {
        "DomainLookupByName" => ObjectId::Domain(driver.lookup_by_name(one_str()?).await.ok()?),
        "DomainLookupByUUID" => ObjectId::Domain(driver.lookup_by_uuid(&uuid()?).await.ok()?),
        "DomainLookupByID" => {
            let id: i32 = body.deserialize().ok()?;
            ObjectId::Domain(driver.lookup_by_id(id).await.ok()?)
        }
        "NetworkLookupByName" => {
            ObjectId::Network(driver.network_lookup_by_name(one_str()?).await.ok()?)
        }
        "NetworkLookupByUUID" => {
            ObjectId::Network(driver.network_lookup_by_uuid(&uuid()?).await.ok()?)
        }
        "StoragePoolLookupByName" => {
            ObjectId::StoragePool(driver.storage_pool_lookup_by_name(one_str()?).await.ok()?)
        }
        "StoragePoolLookupByUUID" => {
            ObjectId::StoragePool(driver.storage_pool_lookup_by_uuid(&uuid()?).await.ok()?)
        }
        "StorageVolLookupByKey" => {
            ObjectId::StorageVol(driver.storage_vol_lookup_by_key(one_str()?).await.ok()?)
        }
        "StorageVolLookupByPath" => {
            ObjectId::StorageVol(driver.storage_vol_lookup_by_path(one_str()?).await.ok()?)
        }
        "NodeDeviceLookupByName" => {
            ObjectId::NodeDevice(driver.node_device_lookup_by_name(one_str()?).await.ok()?)
        }
        "InterfaceLookupByName" => {
            ObjectId::Interface(driver.interface_lookup_by_name(one_str()?).await.ok()?)
        }
        "InterfaceLookupByMAC" => {
            ObjectId::Interface(driver.interface_lookup_by_mac(one_str()?).await.ok()?)
        }
        "NWFilterLookupByName" => {
            ObjectId::NWFilter(driver.nwfilter_lookup_by_name(one_str()?).await.ok()?)
        }
        "NWFilterLookupByUUID" => {
            ObjectId::NWFilter(driver.nwfilter_lookup_by_uuid(&uuid()?).await.ok()?)
        }
        "NodeDeviceLookupSCSIHostByWWN" => {
            let (wwnn, wwpn, flags): (&str, &str, u32) = body.deserialize().ok()?;
            let name = driver
                .node_device_lookup_scsi_host_by_wwn(wwnn, wwpn, flags)
                .await
                .ok()?;
            ObjectId::NodeDevice(name)
        }
        "SecretLookupByUUID" => {
            ObjectId::Secret(driver.secret_lookup_by_uuid(&uuid()?).await.ok()?)
        }
        "SecretLookupByUsage" => {
            let (usage_type, usage_id): (i32, &str) = body.deserialize().ok()?;
            ObjectId::Secret(
                driver
                    .secret_lookup_by_usage(usage_type, usage_id)
                    .await
                    .ok()?,
            )
        }
        _ => return None,
    })
}

/// The kind and path element of `id`, as the details of a permission on it are read.
pub fn target_of(id: &ObjectId) -> Option<(&'static dyn Kind, String)> {
    let (element_kind, element) = path::object_element(id);
    Some((kinds::by_element(element_kind)?, element))
}

/// The details of the object a define or create on a connection object makes, read from its
/// XML as libvirt checks it: after parsing, with the parsed name and UUID (a random one when
/// the XML has none, as libvirt generates it). `None` for another call or an XML that does
/// not parse (the handler then fails as the driver says, after a check with `connect_driver`
/// alone). Domains, networks, storage pools and filters; secrets, host interfaces and node
/// devices are checked with `connect_driver` alone.
pub fn defined(driver: &dyn Driver, member: &str, msg: &Message) -> Option<(Object, Details)> {
    let body = msg.body();
    let structure: Structure<'_> = body.deserialize().ok()?;
    let Some(Variant::Str(xml)) = structure.fields().first() else {
        return None;
    };
    let connect_driver = ("connect_driver", driver.name().to_owned());
    match member {
        "DomainDefineXML" | "DomainCreateXML" | "DomainCreateXMLWithFiles" => {
            let def = virtbus_core::xml::parse_domain(xml.as_str()).ok()?;
            Some((
                Object::Domain,
                vec![
                    connect_driver,
                    ("domain_name", def.name.to_string()),
                    ("domain_uuid", def.uuid.to_string()),
                ],
            ))
        }
        "NetworkDefineXML" | "NetworkCreateXML" => {
            let def = virtbus_core::xml::parse_network(xml.as_str()).ok()?;
            Some((
                Object::Network,
                vec![
                    connect_driver,
                    ("network_name", def.name),
                    ("network_uuid", def.uuid.to_string()),
                ],
            ))
        }
        "StoragePoolDefineXML" | "StoragePoolCreateXML" => {
            let def = virtbus_core::xml::parse_storage_pool(xml.as_str()).ok()?;
            Some((
                Object::StoragePool,
                vec![
                    connect_driver,
                    ("pool_name", def.name),
                    ("pool_uuid", def.uuid.to_string()),
                ],
            ))
        }
        "NWFilterDefineXML" => {
            let def = virtbus_core::xml::parse_nwfilter(xml.as_str()).ok()?;
            Some((
                Object::NWFilter,
                vec![
                    connect_driver,
                    ("nwfilter_name", def.name),
                    ("nwfilter_uuid", def.uuid.to_string()),
                ],
            ))
        }
        _ => None,
    }
}
