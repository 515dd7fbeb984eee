//! `<pool>` and `<volume>` parsing and formatting with libvirt 9.0's rules and error texts
//! (`src/conf/storage_conf.c`: `virStoragePoolDefParseXML`, `virStoragePoolDefFormatBuf`,
//! `virStorageVolDefParseXML`, `virStorageVolDefFormat`; `storage_source_conf.c` for
//! `<auth>` and `storage_adapter_conf.c` for `<adapter>`).
//!
//! Output is libvirt's canonical form, as `virsh pool-dumpxml` and `vol-dumpxml` print it:
//! sizes in bytes, the `<source>` element always present for a pool, the default formats
//! spelled out.

use super::{
    conv::{c_strtoul, invalid_attr, yes_no_attr},
    encryption::{format_encryption, format_secret_lookup, parse_encryption, parse_secret_lookup},
    tree::{self, Element},
    units::unit_scale,
    writer::{some, yes_no, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{
        source_flags as sf, PoolAdapter, PoolDevice, PoolHost, PoolSource, PoolType, StorageAuth,
        StoragePerms, StoragePoolDef, StorageVolDef, VolTarget, VolType,
    },
};

/// The text of the first child `name`, `None` when absent or empty (`virXPathString`).
fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// `virFileSanitizePath`: runs of `/` collapsed, a trailing `/` dropped (a leading `//`
/// kept, as libvirt does).
pub fn sanitize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let keep_double = path.starts_with("//") && !path.starts_with("///");
    let mut prev_slash = false;
    for c in path.chars() {
        if c == '/' && prev_slash {
            continue;
        }
        prev_slash = c == '/';
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    if keep_double {
        out.insert(0, '/');
    }
    out
}

/// Namespaced children (backend options such as `<fs:mount_opts>`) are not modeled.
fn refuse_namespaced(root: &Element, what: &str, name: &str) -> Result<()> {
    if let Some(el) = root.elements().find(|e| e.prefix().is_some()) {
        return Err(Error::ConfigUnsupported(format!(
            "<{}> in {what} '{name}' is not supported",
            el.name
        )));
    }
    Ok(())
}

/// Parses a `<pool>` document (`virStoragePoolDefParseString`), generating a UUID when the
/// document has none. Sizes are left at 0: the driver sets them.
pub fn parse_storage_pool(xml: &str) -> Result<StoragePoolDef> {
    parse_storage_pool_with(xml, false)
}

/// [`parse_storage_pool`], and with `validate` (VIR_STORAGE_POOL_DEFINE_VALIDATE)
/// anything the schema does not know fails instead of being ignored.
pub fn parse_storage_pool_with(xml: &str, validate: bool) -> Result<StoragePoolDef> {
    let root = tree::parse_tree(xml, "(storage_pool_definition)")?;
    if root.name != "pool" {
        return Err(Error::Xml(format!(
            "unexpected root element <{}>, expecting <pool>",
            root.name
        )));
    }
    root.mark();
    let def = pool_from_element(&root)?;
    if validate {
        // Run-time values the schema allows and parsing ignores.
        for what in ["capacity", "allocation", "available"] {
            if let Some(el) = root.child(what) {
                el.attr("unit");
            }
        }
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against /usr/share/libvirt/schemas/storagepool.rng\n{what}"
            )));
        }
    }
    Ok(def)
}

fn pool_from_element(root: &Element) -> Result<StoragePoolDef> {
    let pool_type = match root.attr("type") {
        None => {
            return Err(Error::Xml(
                "Missing required attribute 'type' in element 'pool'".to_owned(),
            ))
        }
        Some(t) => PoolType::parse(t).ok_or_else(|| {
            Error::Xml(format!(
                "Invalid value for attribute 'type' in element 'pool': '{t}'."
            ))
        })?,
    };
    let flags = pool_type.source_flags();
    let mut source = match root.child("source") {
        Some(el) => parse_source(el, pool_type)?,
        None => PoolSource {
            format: pool_type.pool_formats().map(|(_, d)| d.to_owned()),
            ..PoolSource::default()
        },
    };
    let mut name = text_of(root, "name");
    if name.is_none() && flags & sf::NAME != 0 {
        name.clone_from(&source.name);
    }
    let Some(name) = name else {
        return Err(Error::Xml("missing pool source name element".to_owned()));
    };
    if name.contains('/') {
        return Err(Error::Xml(format!("name {name} cannot contain '/'")));
    }
    refuse_namespaced(root, "pool", &name)?;
    let uuid = match text_of(root, "uuid") {
        None => uuid::Uuid::new_v4(),
        Some(text) => crate::uuid_str::parse(text.trim())
            .map_err(|_| Error::Xml("malformed uuid element".to_owned()))?,
    };
    let mut cow = None;
    if let Some(c) = root.child("features").and_then(|f| f.child("cow")) {
        cow = yes_no_attr(c, "state")?;
        if cow.is_some() && !matches!(pool_type, PoolType::Fs | PoolType::Dir) {
            return Err(Error::NoSupport(
                "cow feature may only be used for 'fs' and 'dir' pools",
            ));
        }
    }
    if flags & sf::HOST != 0 && source.hosts.is_empty() {
        return Err(Error::Xml(
            "missing storage pool source host name".to_owned(),
        ));
    }
    if flags & sf::DIR != 0 && source.dir.is_none() {
        return Err(Error::Xml("missing storage pool source path".to_owned()));
    }
    if flags & sf::NAME != 0 && source.name.is_none() {
        source.name = Some(name.clone());
    }
    if flags & sf::ADAPTER != 0 {
        validate_adapter(source.adapter.as_ref())?;
    }
    if flags == sf::DEVICE && source.devices.is_empty() {
        return Err(Error::Xml(
            "missing storage pool source device name".to_owned(),
        ));
    }
    let (target_path, target_perms) = if flags & sf::NETWORK == 0 {
        let path = match pool_type {
            PoolType::Logical => format!("/dev/{}", source.name.as_deref().unwrap_or("")),
            PoolType::Zfs => format!("/dev/zvol/{}", source.name.as_deref().unwrap_or("")),
            _ => root
                .child("target")
                .and_then(|t| text_of(t, "path"))
                .ok_or_else(|| Error::Xml("missing storage pool target path".to_owned()))?,
        };
        let perms = match root.child("target").and_then(|t| t.child("permissions")) {
            Some(p) => parse_perms(p)?,
            None => StoragePerms::default(),
        };
        // The target path of a logical or zfs pool is derived; a given one is ignored.
        if let Some(t) = root.child("target") {
            t.child("path");
        }
        (Some(sanitize_path(&path)), perms)
    } else {
        (None, StoragePerms::default())
    };
    if pool_type == PoolType::IscsiDirect && source.initiator_iqn.is_none() {
        return Err(Error::ConfigUnsupported("missing initiator IQN".to_owned()));
    }
    let refresh_allocation = match root
        .child("refresh")
        .and_then(|r| r.child("volume"))
        .and_then(|v| v.attr_string("allocation"))
    {
        None => None,
        Some(a) if a == "default" || a == "capacity" => Some(a),
        Some(a) => {
            return Err(Error::ConfigUnsupported(format!(
                "unknown storage pool volume refresh allocation type {a}"
            )))
        }
    };
    Ok(StoragePoolDef {
        pool_type,
        name,
        uuid,
        capacity: 0,
        allocation: 0,
        available: 0,
        cow,
        source,
        target_path,
        target_perms,
        refresh_allocation,
    })
}

/// `virStorageAdapterValidate`.
fn validate_adapter(adapter: Option<&PoolAdapter>) -> Result<()> {
    let Some(a) = adapter.filter(|a| a.kind != "default") else {
        return Err(Error::Xml("missing storage pool source adapter".to_owned()));
    };
    if a.kind == "fc_host" {
        let (Some(wwnn), Some(wwpn)) = (&a.wwnn, &a.wwpn) else {
            return Err(Error::Xml(
                "'wwnn' and 'wwpn' must be specified for adapter type 'fchost'".to_owned(),
            ));
        };
        validate_wwn(wwnn)?;
        validate_wwn(wwpn)?;
        match (&a.parent_wwnn, &a.parent_wwpn) {
            (Some(n), None) => {
                return Err(Error::Xml(format!(
                    "when providing parent_wwnn='{n}', the parent_wwpn must also be provided"
                )))
            }
            (None, Some(p)) => {
                return Err(Error::Xml(format!(
                    "when providing parent_wwpn='{p}', the parent_wwnn must also be provided"
                )))
            }
            _ => {}
        }
        for w in [&a.parent_wwnn, &a.parent_wwpn, &a.parent_fabric_wwn]
            .into_iter()
            .flatten()
        {
            validate_wwn(w)?;
        }
    } else if a.name.is_none() {
        return Err(Error::Xml(
            "Either 'name' or 'parent' must be specified for the 'scsi_host' adapter".to_owned(),
        ));
    }
    Ok(())
}

/// Parses a `<source>` given to virConnectFindStoragePoolSources
/// (`virStoragePoolDefParseSourceString`).
pub fn parse_storage_pool_source(xml: &str, pool_type: PoolType) -> Result<PoolSource> {
    let root = tree::parse_tree(xml, "(storage_source_specification)")?;
    if root.name != "source" {
        return Err(Error::Xml(format!(
            "expecting root element of 'source', not '{}'",
            root.name
        )));
    }
    parse_source(&root, pool_type)
}

/// `virStoragePoolDefParseSource`.
fn parse_source(el: &Element, pool_type: PoolType) -> Result<PoolSource> {
    let name = text_of(el, "name");
    if pool_type == PoolType::Rbd && name.is_none() {
        return Err(Error::Xml(
            "element 'name' is mandatory for RBD pool".to_owned(),
        ));
    }
    let format = match pool_type.pool_formats() {
        None => None,
        Some((known, default)) => match el.child("format").and_then(|f| f.attr_string("type")) {
            None => Some(default.to_owned()),
            Some(f) if known.contains(&f.as_str()) => Some(f),
            Some(f) => {
                return Err(Error::ConfigUnsupported(format!(
                    "unknown pool format type {f}"
                )))
            }
        },
    };
    let mut hosts = Vec::new();
    for h in el.children_named("host") {
        let Some(name) = h.attr_string("name") else {
            return Err(Error::Xml("missing storage pool host name".to_owned()));
        };
        let port = match h.attr("port") {
            None => 0,
            Some(p) => p.trim().parse::<i32>().map_err(|_| {
                Error::Xml(format!(
                    "Invalid value for attribute 'port' in element 'host': '{p}'. Expected integer value"
                ))
            })?,
        };
        hosts.push(PoolHost { name, port });
    }
    let initiator_iqn = el
        .child("initiator")
        .and_then(|i| i.child("iqn"))
        .and_then(|q| q.attr_string("name"));
    let mut devices = Vec::new();
    for d in el.children_named("device") {
        let Some(path) = d.attr_string("path") else {
            return Err(Error::Xml(
                "missing storage pool source device path".to_owned(),
            ));
        };
        let part_separator = yes_no_attr(d, "part_separator")?;
        if d.child("freeExtent").is_some() {
            return Err(Error::ConfigUnsupported(
                "<freeExtent> in a pool source device is not supported".to_owned(),
            ));
        }
        devices.push(PoolDevice {
            path,
            part_separator,
        });
    }
    let mut dir = el
        .child("dir")
        .and_then(|d| d.attr_string("path"))
        .map(|d| sanitize_path(&d));
    if dir.is_none() && pool_type == PoolType::Gluster {
        dir = Some("/".to_owned());
    }
    let adapter = match el.child("adapter") {
        None => None,
        Some(a) => Some(parse_adapter(a)?),
    };
    let auth = match el.child("auth") {
        None => None,
        Some(a) => Some(parse_auth(a)?),
    };
    let protocol_ver =
        match el.child("protocol").and_then(|p| p.attr_string("ver")) {
            None => None,
            Some(v) => {
                let f = format.as_deref();
                if pool_type != PoolType::Netfs || !matches!(f, Some("nfs" | "auto")) {
                    return Err(Error::ConfigUnsupported(format!(
                        "storage pool protocol ver unsupported for pool type '{}'",
                        f.unwrap_or("(null)")
                    )));
                }
                Some(v.trim().parse::<u32>().map_err(|_| {
                    Error::Xml(format!("storage pool protocol ver '{v}' is malformed"))
                })?)
            }
        };
    Ok(PoolSource {
        hosts,
        devices,
        dir,
        adapter,
        name,
        initiator_iqn,
        format,
        auth,
        protocol_ver,
        vendor: el.child("vendor").and_then(|v| v.attr_string("name")),
        product: el.child("product").and_then(|v| v.attr_string("name")),
    })
}

/// `virStorageAdapterParseXML`.
fn parse_adapter(a: &Element) -> Result<PoolAdapter> {
    let mut adapter = PoolAdapter {
        kind: "default".to_owned(),
        name: None,
        parent: None,
        parent_wwnn: None,
        parent_wwpn: None,
        parent_fabric_wwn: None,
        managed: None,
        wwnn: None,
        wwpn: None,
    };
    match a.attr("type") {
        // The legacy form: a scsi_host named by `name` alone.
        None => {
            if a.attr("wwnn").is_some() || a.attr("wwpn").is_some() || a.attr("parent").is_some() {
                return Err(Error::Xml(
                    "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'"
                        .to_owned(),
                ));
            }
            if a.child("parentaddr").is_some() {
                return Err(Error::Xml(
                    "Use of 'parentaddr' element requires use of the adapter 'type'".to_owned(),
                ));
            }
            adapter.name = a.attr_string("name");
            if adapter.name.is_some() {
                adapter.kind = "scsi_host".to_owned();
            }
        }
        Some("fc_host") => {
            adapter.kind = "fc_host".to_owned();
            adapter.managed = yes_no_attr(a, "managed")?;
            adapter.parent = a.attr_string("parent");
            adapter.parent_wwnn = a.attr_string("parent_wwnn");
            adapter.parent_wwpn = a.attr_string("parent_wwpn");
            adapter.parent_fabric_wwn = a.attr_string("parent_fabric_wwn");
            adapter.wwpn = a.attr_string("wwpn");
            adapter.wwnn = a.attr_string("wwnn");
        }
        Some("scsi_host") => {
            adapter.kind = "scsi_host".to_owned();
            adapter.name = a.attr_string("name");
            if a.child("parentaddr").is_some() {
                return Err(Error::ConfigUnsupported(
                    "<parentaddr> in a pool adapter is not supported".to_owned(),
                ));
            }
        }
        Some(t) => return Err(invalid_attr(a, "type", t)),
    }
    Ok(adapter)
}

/// `virValidateWWN`: 16 hexadecimal digits, optionally after `0x`.
fn validate_wwn(wwn: &str) -> Result<()> {
    let digits = wwn.strip_prefix("0x").unwrap_or(wwn);
    if digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::Xml(format!("Malformed wwn: {wwn}")))
    }
}

/// `virStorageAuthDefParse`, then the pool's own check that the auth has a type.
fn parse_auth(a: &Element) -> Result<StorageAuth> {
    let Some(username) = a.attr_string("username") else {
        return Err(Error::Xml("missing username for auth".to_owned()));
    };
    let kind = match a.attr("type") {
        None | Some("none") => None,
        Some(t @ ("chap" | "ceph")) => Some(t.to_owned()),
        Some(t) => {
            return Err(Error::ConfigUnsupported(format!("unknown auth type '{t}'")));
        }
    };
    let Some(secret) = a.child("secret") else {
        return Err(Error::Xml("Missing <secret> element in auth".to_owned()));
    };
    let secret_type = secret.attr_string("type");
    let lookup = parse_secret_lookup(secret)?;
    let Some(kind) = kind else {
        return Err(Error::ConfigUnsupported(
            "storage pool missing auth type".to_owned(),
        ));
    };
    Ok(StorageAuth {
        kind,
        username,
        secret_type,
        secret: lookup,
    })
}

/// `virStorageDefParsePerms`.
fn parse_perms(p: &Element) -> Result<StoragePerms> {
    let mode = match text_of(p, "mode") {
        None => None,
        Some(m) => {
            let v = i64::from_str_radix(m.trim(), 8)
                .ok()
                .filter(|v| *v >= 0 && v & !0o777 == 0)
                .ok_or_else(|| Error::Xml("malformed octal mode".to_owned()))?;
            Some(v as u32)
        }
    };
    let id = |what: &str| -> Result<Option<u32>> {
        let Some(el) = p.child(what) else {
            return Ok(None);
        };
        let text = el.text();
        let err = || Error::Xml(format!("malformed {what} element"));
        let v: f64 = text.trim().parse().map_err(|_| err())?;
        if v == -1.0 {
            return Ok(None);
        }
        if v.fract() != 0.0 || !(0.0..u32::MAX as f64).contains(&v) {
            return Err(err());
        }
        Ok(Some(v as u32))
    };
    Ok(StoragePerms {
        mode,
        owner: id("owner")?,
        group: id("group")?,
        label: text_of(p, "label"),
    })
}

fn format_perms(o: &mut XmlOut, perms: &StoragePerms) {
    if !perms.is_set() {
        return;
    }
    o.open("permissions", &[]);
    if let Some(m) = perms.mode {
        o.text("mode", &[], &format!("0{m:o}"));
    }
    if let Some(u) = perms.owner {
        o.text("owner", &[], &u.to_string());
    }
    if let Some(g) = perms.group {
        o.text("group", &[], &g.to_string());
    }
    o.opt_text("label", perms.label.as_deref());
    o.close("permissions");
}

/// `virStoragePoolSourceFormat`.
fn format_source(o: &mut XmlOut, pool_type: PoolType, src: &PoolSource) {
    let flags = pool_type.source_flags();
    o.open("source", &[]);
    if flags & sf::HOST != 0 {
        for h in &src.hosts {
            o.empty(
                "host",
                &[
                    ("name", some(&h.name)),
                    ("port", (h.port != 0).then(|| h.port.to_string())),
                ],
            );
        }
    }
    if flags & sf::DEVICE != 0 {
        for d in &src.devices {
            o.empty(
                "device",
                &[
                    ("path", some(&d.path)),
                    ("part_separator", yes_no(d.part_separator)),
                ],
            );
        }
    }
    if flags & sf::DIR != 0 {
        if let Some(d) = &src.dir {
            o.empty("dir", &[("path", some(d))]);
        }
    }
    if flags & sf::ADAPTER != 0 {
        if let Some(a) = &src.adapter {
            if a.kind == "fc_host" {
                o.empty(
                    "adapter",
                    &[
                        ("type", some(&a.kind)),
                        ("parent", a.parent.clone()),
                        ("parent_wwnn", a.parent_wwnn.clone()),
                        ("parent_wwpn", a.parent_wwpn.clone()),
                        ("parent_fabric_wwn", a.parent_fabric_wwn.clone()),
                        ("managed", yes_no(a.managed)),
                        ("wwnn", a.wwnn.clone()),
                        ("wwpn", a.wwpn.clone()),
                    ],
                );
            } else {
                o.empty(
                    "adapter",
                    &[("type", some(&a.kind)), ("name", a.name.clone())],
                );
            }
        }
    }
    if flags & sf::NAME != 0 {
        o.opt_text("name", src.name.as_deref());
    }
    if flags & sf::INITIATOR_IQN != 0 {
        if let Some(iqn) = &src.initiator_iqn {
            o.open("initiator", &[]);
            o.empty("iqn", &[("name", some(iqn))]);
            o.close("initiator");
        }
    }
    if let Some(f) = &src.format {
        o.empty("format", &[("type", some(f))]);
    }
    if let Some(a) = &src.auth {
        o.open(
            "auth",
            &[("type", some(&a.kind)), ("username", some(&a.username))],
        );
        format_secret_lookup(o, a.secret_type.as_deref(), &a.secret);
        o.close("auth");
    }
    if let Some(v) = src.protocol_ver {
        o.empty("protocol", &[("ver", some(&v))]);
    }
    if let Some(v) = &src.vendor {
        o.empty("vendor", &[("name", some(v))]);
    }
    if let Some(v) = &src.product {
        o.empty("product", &[("name", some(v))]);
    }
    o.close("source");
}

/// Formats a pool as `virStoragePoolDefFormat` does.
pub fn format_storage_pool(def: &StoragePoolDef) -> String {
    let mut o = XmlOut::default();
    o.open("pool", &[("type", some(def.pool_type.as_str()))]);
    o.text("name", &[], &def.name);
    o.text("uuid", &[], &def.uuid.to_string());
    let bytes = [("unit", some("bytes"))];
    o.text("capacity", &bytes, &def.capacity.to_string());
    o.text("allocation", &bytes, &def.allocation.to_string());
    o.text("available", &bytes, &def.available.to_string());
    if let Some(cow) = def.cow {
        o.open("features", &[]);
        o.empty("cow", &[("state", yes_no(Some(cow)))]);
        o.close("features");
    }
    format_source(&mut o, def.pool_type, &def.source);
    if def.pool_type.has_target() {
        o.open("target", &[]);
        o.opt_text("path", def.target_path.as_deref());
        format_perms(&mut o, &def.target_perms);
        o.close("target");
    }
    if let Some(a) = &def.refresh_allocation {
        o.open("refresh", &[]);
        o.empty("volume", &[("allocation", some(a))]);
        o.close("refresh");
    }
    o.close("pool");
    o.finish()
}

/// Formats the answer of virConnectFindStoragePoolSources (`virStoragePoolSourceListFormat`).
pub fn format_storage_pool_sources(pool_type: PoolType, sources: &[PoolSource]) -> String {
    let mut o = XmlOut::default();
    o.open("sources", &[]);
    for s in sources {
        format_source(&mut o, pool_type, s);
    }
    o.close("sources");
    o.finish()
}

/// `virStorageSize`: a size in bytes with an optional unit (default bytes), capped at
/// `LLONG_MAX`.
fn storage_size(value: &str, unit: Option<&str>) -> Result<u64> {
    let n: u64 = value
        .trim()
        .parse()
        .map_err(|_| Error::Xml("malformed capacity element".to_owned()))?;
    let unit = unit.unwrap_or("");
    let scale = unit_scale(unit, 1)?;
    n.checked_mul(scale)
        .filter(|b| *b <= i64::MAX as u64)
        .ok_or_else(|| Error::Overflow(format!("value too large: {n}{unit}")))
}

/// `virStorageFileFeature`: the qcow2 features a volume `<features>` may list.
const VOL_FEATURES: &[&str] = &["lazy_refcounts"];

/// `<clusterSize unit>` (`virParseScaledValue` with no upper bound but 64 bits): bytes, 0
/// when absent or empty.
fn cluster_size(target: &Element) -> Result<u64> {
    let Some(el) = target.child("clusterSize") else {
        return Ok(0);
    };
    let text = el.text();
    if text.is_empty() {
        return Ok(0);
    }
    let Some(n) = c_strtoul(&text, 10) else {
        return Err(Error::Xml(
            "could not parse element ./target/clusterSize".to_owned(),
        ));
    };
    let unit = el.attr("unit").unwrap_or("");
    let scale = unit_scale(unit, 1)?;
    n.checked_mul(scale)
        .ok_or_else(|| Error::Overflow(format!("value too large: {n}{unit}")))
}

/// `<features>` of a volume target: `None` without the element.
fn vol_features(target: &Element) -> Result<Option<Vec<String>>> {
    let Some(el) = target.child("features") else {
        return Ok(None);
    };
    let mut set = Vec::new();
    for f in el.elements() {
        f.mark();
        if !VOL_FEATURES.contains(&f.name.as_str()) {
            return Err(Error::ConfigUnsupported(format!(
                "unsupported feature {}",
                f.name
            )));
        }
        set.push(f.name.clone());
    }
    // Printed in libvirt's enum order, each once.
    let set = VOL_FEATURES
        .iter()
        .filter(|f| set.iter().any(|s| s == *f))
        .map(|f| (*f).to_owned())
        .collect();
    Ok(Some(set))
}

/// `virStorageCheckCompat`: `<compat>` is two dot-separated numbers.
fn check_compat(compat: Option<&str>) -> Result<()> {
    let Some(c) = compat else {
        return Ok(());
    };
    let mut parts = c.splitn(2, '.');
    let number = |p: Option<&str>| p.and_then(|p| c_strtoul(p, 10)).is_some();
    if number(parts.next()) && number(parts.next()) {
        Ok(())
    } else {
        Err(Error::Xml(
            "forbidden characters in 'compat' attribute".to_owned(),
        ))
    }
}

/// Parses a `<volume>` document for a pool of type `pool_type`
/// (`virStorageVolDefParseString` with no flags).
pub fn parse_storage_vol(xml: &str, pool_type: PoolType) -> Result<StorageVolDef> {
    let root = tree::parse_tree(xml, "(storage_volume_definition)")?;
    if root.name != "volume" {
        return Err(Error::Xml(format!(
            "unexpected root element <{}>, expecting <volume>",
            root.name
        )));
    }
    root.mark();
    let Some(name) = text_of(&root, "name") else {
        return Err(Error::Xml("missing volume name element".to_owned()));
    };
    refuse_namespaced(&root, "volume", &name)?;
    let key = text_of(&root, "key");
    let vol_type = match root.attr("type") {
        None => VolType::File,
        Some(t) => VolType::parse(t)
            .ok_or_else(|| Error::ConfigUnsupported(format!("unknown volume type '{t}'")))?,
    };
    let formats = pool_type.vol_formats();
    let format_of = |el: Option<&Element>| -> Result<Option<String>> {
        let Some((known, default)) = formats else {
            return Ok(None);
        };
        match el
            .and_then(|e| e.child("format"))
            .and_then(|f| f.attr_string("type"))
        {
            None => Ok(Some(default.to_owned())),
            // "none" is no format at all for file volumes (virStorageVolumeFormatFromString).
            Some(f) if known.contains(&f.as_str()) && !(f == "none" && default == "raw") => {
                Ok(Some(f))
            }
            Some(f) => Err(Error::ConfigUnsupported(format!(
                "unknown volume format type {f}"
            ))),
        }
    };
    let backing_store = match root
        .child("backingStore")
        .and_then(|b| text_of(b, "path").map(|p| (b, p)))
    {
        None => None,
        Some((b, path)) => Some(VolTarget {
            path: Some(path),
            format: format_of(Some(b))?,
            perms: match b.child("permissions") {
                Some(p) => parse_perms(p)?,
                None => StoragePerms::default(),
            },
            ..VolTarget::default()
        }),
    };
    let capacity = match root.child("capacity") {
        Some(c) if !c.text().is_empty() => storage_size(&c.text(), c.attr("unit"))?,
        _ => return Err(Error::Xml("missing capacity element".to_owned())),
    };
    let allocation = match root.child("allocation") {
        Some(a) if !a.text().is_empty() => storage_size(&a.text(), a.attr("unit"))?,
        _ => capacity,
    };
    let target_el = root.child("target");
    let compat = target_el.and_then(|t| text_of(t, "compat"));
    let mut target = VolTarget {
        path: target_el.and_then(|t| text_of(t, "path")),
        format: format_of(target_el)?,
        perms: match target_el.and_then(|t| t.child("permissions")) {
            Some(p) => parse_perms(p)?,
            None => StoragePerms::default(),
        },
        ..VolTarget::default()
    };
    if let Some(t) = target_el {
        target.encryption = t
            .child("encryption")
            .map(parse_encryption)
            .transpose()?
            .map(Box::new);
        check_compat(compat.as_deref())?;
        target.compat = compat;
        target.nocow = t.child("nocow").is_some();
        target.cluster_size = cluster_size(t)?;
        target.features = vol_features(t)?;
        if target.features.is_some() && target.compat.is_none() {
            target.compat = Some("1.1".to_owned());
        }
    }
    Ok(StorageVolDef {
        vol_type,
        name,
        key,
        capacity,
        allocation,
        target,
        backing_store,
    })
}

fn format_vol_target(o: &mut XmlOut, name: &str, t: &VolTarget) {
    o.open(name, &[]);
    o.opt_text("path", t.path.as_deref());
    if let Some(f) = &t.format {
        o.empty("format", &[("type", some(f))]);
    }
    format_perms(o, &t.perms);
    if let Some(enc) = &t.encryption {
        format_encryption(o, enc);
    }
    o.opt_text("compat", t.compat.as_deref());
    if t.cluster_size > 0 {
        o.text(
            "clusterSize",
            &[("unit", some("B"))],
            &t.cluster_size.to_string(),
        );
    }
    match t.features.as_deref() {
        None => {}
        Some([]) => o.empty("features", &[]),
        Some(set) => {
            o.open("features", &[]);
            for f in set {
                o.empty(f, &[]);
            }
            o.close("features");
        }
    }
    o.close(name);
}

/// Formats a volume as `virStorageVolDefFormat` does.
pub fn format_storage_vol(def: &StorageVolDef) -> String {
    let mut o = XmlOut::default();
    o.open("volume", &[("type", some(def.vol_type.as_str()))]);
    o.text("name", &[], &def.name);
    o.opt_text("key", def.key.as_deref());
    let bytes = [("unit", some("bytes"))];
    o.text("capacity", &bytes, &def.capacity.to_string());
    o.text("allocation", &bytes, &def.allocation.to_string());
    format_vol_target(&mut o, "target", &def.target);
    if let Some(b) = &def.backing_store {
        format_vol_target(&mut o, "backingStore", b);
    }
    o.close("volume");
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sanitized_like_libvirt() {
        assert_eq!(sanitize_path("/var//lib/images/"), "/var/lib/images");
        assert_eq!(sanitize_path("/"), "/");
        assert_eq!(sanitize_path("//host/x"), "//host/x");
        assert_eq!(sanitize_path("a///b"), "a/b");
    }
}
