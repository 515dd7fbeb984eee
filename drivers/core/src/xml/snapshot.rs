//! `<domainsnapshot>` parsing and formatting, with libvirt 9.0's rules and error texts.
//!
//! A new snapshot takes only its name, description, memory and disk requests from the XML;
//! the state, creation time and domain come from the domain. A redefined snapshot
//! (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) brings everything, as `GetXMLDesc` printed it.

use super::{
    conv::invalid_attr,
    domain::{domain_from_element, format_domain, FormatOptions},
    options::ParseOptions,
    tree::{self, Element},
    writer::XmlOut,
};
use crate::{
    error::{Error, Result},
    model::{
        SnapshotDef, SnapshotDiskDef, SnapshotLocation, SnapshotSource, SnapshotState, SourceHost,
    },
};

/// The image formats a snapshot's `<driver type=...>` may name (`virStorageFileFormat`).
const FORMATS: &[&str] = &[
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk",
];

/// How to read a snapshot document.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapshotParseOptions {
    /// VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE: the document describes an existing snapshot.
    pub redefine: bool,
    /// The current time (seconds since the epoch): the creation time of a new snapshot, and
    /// its name when the document gives none.
    pub now: i64,
    /// VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE: anything the snapshot schema does not allow
    /// fails instead of being ignored.
    pub validate: bool,
}

/// The text of the first child element `name`, `None` when absent or empty (libvirt's
/// `virXPathString`).
fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// Parses a `<domainsnapshot>` document. The embedded `<domain>` of a redefined snapshot is
/// read with the generic domain rules only: a driver applies its own defaults after.
pub fn parse_snapshot(xml: &str, opts: &SnapshotParseOptions) -> Result<SnapshotDef> {
    let root = tree::parse_document(xml, "domain_snapshot", "domainsnapshot")?;
    let name = text_of(&root, "name");
    if name.is_none() && opts.redefine {
        return Err(Error::Xml(
            "a redefined snapshot must have a name".to_owned(),
        ));
    }
    let description = text_of(&root, "description");
    let mut def = SnapshotDef {
        name: name.unwrap_or_else(|| opts.now.to_string()),
        description,
        state: None,
        parent: None,
        creation_time: opts.now,
        memory: None,
        memory_file: None,
        disks: Vec::new(),
        domain: None,
    };
    let mut offline = false;
    if opts.redefine {
        def.creation_time = text_of(&root, "creationTime")
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                Error::Internal("missing creationTime from existing snapshot".to_owned())
            })?;
        def.parent = root.child("parent").and_then(|p| text_of(p, "name"));
        let Some(state) = text_of(&root, "state") else {
            return Err(Error::Xml(
                "missing state from existing snapshot".to_owned(),
            ));
        };
        let state = SnapshotState::parse(&state).ok_or_else(|| {
            Error::ConfigUnsupported(format!("Invalid state '{state}' in domain snapshot XML"))
        })?;
        offline = state.is_offline();
        def.state = Some(state);
        // Older snapshots have a `<domain>` with only a UUID and no type: no definition.
        if let Some(dom) = root.child("domain") {
            if dom.attr("type").is_some() {
                let parsed = domain_from_element(dom, &ParseOptions::default())?;
                def.domain = Some(Box::new(parsed));
            }
        }
    }
    parse_memory(&root, &mut def, offline, opts.redefine)?;
    for disks in root.children_named("disks") {
        for disk in disks.elements() {
            if opts.validate && disk.name != "disk" {
                continue;
            }
            def.disks.push(parse_disk(disk)?);
        }
    }
    if opts.validate {
        validate(&root)?;
    }
    Ok(def)
}

/// Fails on the first element or attribute the snapshot schema does not allow. The parts a
/// new snapshot ignores (state, creation time, parent, domain) are allowed all the same.
fn validate(root: &Element) -> Result<()> {
    root.mark();
    for name in ["state", "creationTime", "active"] {
        root.child(name);
    }
    if let Some(parent) = root.child("parent") {
        parent.child("name");
    }
    for name in ["domain", "inactiveDomain", "cookie"] {
        if let Some(el) = root.child(name) {
            el.mark_all();
        }
    }
    if let Some(memory) = root.child("memory") {
        memory.attr("snapshot");
        memory.attr("file");
    }
    match root.first_unused() {
        None => Ok(()),
        // libvirt names no line for the snapshot schema.
        Some(what) => Err(Error::XmlInvalidSchema(format!(
            "Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\n{}",
            what.rsplit_once(" (line ")
                .map_or(what.as_str(), |(w, _)| w)
        ))),
    }
}

/// `<memory snapshot='...' file='...'/>`.
fn parse_memory(
    root: &Element,
    def: &mut SnapshotDef,
    offline: bool,
    redefine: bool,
) -> Result<()> {
    let memory = root.child("memory");
    let location = memory.and_then(|m| m.attr("snapshot"));
    let file = memory
        .and_then(|m| m.attr_string("file"))
        .filter(|f| !f.is_empty());
    if let (Some(m), Some(loc)) = (memory, location) {
        let parsed = match SnapshotLocation::parse(loc) {
            Some(SnapshotLocation::Manual) => {
                return Err(Error::Xml(
                    "'manual' memory snapshot mode not supported".to_owned(),
                ))
            }
            Some(p) => p,
            None => return Err(invalid_attr(m, "snapshot", loc)),
        };
        if let Some(f) = &file {
            if parsed != SnapshotLocation::External {
                return Err(Error::Xml(format!(
                    "memory filename '{f}' requires external snapshot"
                )));
            }
        } else if parsed == SnapshotLocation::External {
            return Err(Error::Xml(
                "external memory snapshots require a filename".to_owned(),
            ));
        }
        def.memory = Some(parsed);
    } else if file.is_some() {
        def.memory = Some(SnapshotLocation::External);
    } else if redefine {
        def.memory = Some(if offline {
            SnapshotLocation::No
        } else {
            SnapshotLocation::Internal
        });
    }
    if offline && def.memory.is_some_and(|m| m != SnapshotLocation::No) {
        return Err(Error::Xml(
            "memory state cannot be saved with offline or disk-only snapshot".to_owned(),
        ));
    }
    if let Some(f) = &file {
        if !f.starts_with('/') {
            return Err(Error::Xml(format!(
                "memory snapshot file path ({f}) must be absolute"
            )));
        }
    }
    def.memory_file = file;
    Ok(())
}

/// One child of `<disks>`: whatever its element name, as libvirt reads `./disks/*`.
fn parse_disk(el: &Element) -> Result<SnapshotDiskDef> {
    el.mark();
    let Some(name) = el.attr_string("name").filter(|n| !n.is_empty()) else {
        return Err(Error::Internal(
            "missing name from disk snapshot element".to_owned(),
        ));
    };
    let location = match el.attr("snapshot") {
        None => None,
        Some(v) => Some(SnapshotLocation::parse(v).ok_or_else(|| invalid_attr(el, "snapshot", v))?),
    };
    let source_type = match el.attr("type") {
        None => "file".to_owned(),
        Some(t @ ("file" | "block" | "network")) => t.to_owned(),
        Some(t @ ("dir" | "volume" | "nvme" | "vhostuser" | "vhostvdpa")) => {
            return Err(Error::Xml(format!("unsupported disk snapshot type '{t}'")))
        }
        Some(t) => return Err(invalid_attr(el, "type", t)),
    };
    let mut source = SnapshotSource::default();
    if let Some(src) = el.child("source") {
        match source_type.as_str() {
            "file" => source.path = src.attr_string("file"),
            "block" => source.path = src.attr_string("dev"),
            _ => {
                source.protocol = src.attr_string("protocol");
                source.path = src.attr_string("name");
                source.hosts = src.children_named("host").map(host_attrs).collect();
            }
        }
        source.path = source.path.filter(|p| !p.is_empty());
    }
    let format = match el.child("driver").and_then(|d| d.attr("type")) {
        None => None,
        Some(f) if FORMATS.contains(&f) => Some(f.to_owned()),
        Some(f) => {
            return Err(Error::ConfigUnsupported(format!(
                "unknown disk snapshot driver '{f}'"
            )))
        }
    };
    if source_type != "network" {
        if let Some(p) = &source.path {
            if !p.starts_with('/') {
                return Err(Error::Xml(format!(
                    "disk snapshot image path '{p}' must be absolute"
                )));
            }
        }
    }
    let location = match location {
        None if source.path.is_some() || format.is_some() => Some(SnapshotLocation::External),
        other => other,
    };
    Ok(SnapshotDiskDef {
        name,
        location,
        source_type,
        source,
        format,
    })
}

/// The attributes of a `<host>` (`name`, `port`, `transport`, `socket`), in that order.
fn host_attrs(el: &Element) -> SourceHost {
    ["name", "port", "transport", "socket"]
        .iter()
        .filter_map(|k| el.attr_string(k).map(|v| ((*k).to_owned(), v)))
        .collect()
}

/// Formats a snapshot as libvirt's `virDomainSnapshotGetXMLDesc`. `uuid` is the domain's,
/// shown alone when the snapshot has no definition; `secure` (VIR_DOMAIN_SNAPSHOT_XML_SECURE)
/// keeps passwords in the embedded domain.
pub fn format_snapshot(def: &SnapshotDef, uuid: &uuid::Uuid, secure: bool) -> String {
    let mut out = XmlOut::default();
    out.open("domainsnapshot", &[]);
    out.text("name", &[], &def.name);
    out.opt_text("description", def.description.as_deref());
    if let Some(state) = def.state {
        out.text("state", &[], state.as_str());
    }
    if let Some(parent) = &def.parent {
        out.open("parent", &[]);
        out.text("name", &[], parent);
        out.close("parent");
    }
    if def.creation_time != 0 {
        out.text("creationTime", &[], &def.creation_time.to_string());
    }
    if let Some(memory) = def.memory {
        out.empty(
            "memory",
            &[
                ("snapshot", Some(memory.as_str().to_owned())),
                ("file", def.memory_file.clone()),
            ],
        );
    }
    if !def.disks.is_empty() {
        out.open("disks", &[]);
        for disk in &def.disks {
            format_disk(&mut out, disk);
        }
        out.close("disks");
    }
    match &def.domain {
        Some(dom) => {
            let opts = FormatOptions {
                inactive: true,
                secure,
                indent: out.indent(),
                ..FormatOptions::default()
            };
            out.append(&format_domain(dom, &opts));
        }
        None => {
            out.open("domain", &[]);
            out.text("uuid", &[], &uuid.to_string());
            out.close("domain");
        }
    }
    out.close("domainsnapshot");
    out.finish()
}

/// One `<disk>` of `<disks>`.
fn format_disk(out: &mut XmlOut, disk: &SnapshotDiskDef) {
    let mut attrs = vec![
        ("name", Some(disk.name.clone())),
        ("snapshot", disk.location.map(|l| l.as_str().to_owned())),
    ];
    if disk.source.path.is_none() && disk.format.is_none() {
        out.empty("disk", &attrs);
        return;
    }
    attrs.push(("type", Some(disk.source_type.clone())));
    out.open("disk", &attrs);
    if let Some(format) = &disk.format {
        out.empty("driver", &[("type", Some(format.clone()))]);
    }
    if let Some(path) = &disk.source.path {
        match disk.source_type.as_str() {
            "file" => out.empty("source", &[("file", Some(path.clone()))]),
            "block" => out.empty("source", &[("dev", Some(path.clone()))]),
            _ => {
                let attrs = [
                    ("protocol", disk.source.protocol.clone()),
                    ("name", Some(path.clone())),
                ];
                if disk.source.hosts.is_empty() {
                    out.empty("source", &attrs);
                } else {
                    out.open("source", &attrs);
                    for host in &disk.source.hosts {
                        let attrs: Vec<(&str, Option<String>)> = host
                            .iter()
                            .map(|(k, v)| (k.as_str(), Some(v.clone())))
                            .collect();
                        out.empty("host", &attrs);
                    }
                    out.close("source");
                }
            }
        }
    }
    out.close("disk");
}
