//! The interface contract.
//!
//! 1. `interfaces/*.xml` (our statement of the contract) against libvirt-dbus 1.4.1's member
//!    inventory (`interfaces/libvirt-dbus-1.4.1.tsv`): same members, signatures and property
//!    access, and every member documented.
//! 2. What the running service introspects against `interfaces/*.xml`: every member present with
//!    the same argument signatures in order, property types, access and `EmitsChangedSignal`
//!    behaviour. The service may serve extra members.
//!
//! Every difference is listed by interface, kind and member name.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    fs::File,
    path::{Path, PathBuf},
};

use zbus_xml::{Annotation, Arg, ArgDirection, Interface, Node, PropertyAccess};

/// The interfaces this issue must serve completely.
const REQUIRED: [&str; 2] = ["org.libvirt.Connect", "org.libvirt.Domain"];
/// Members libvirt-dbus added after 1.4.1 that virtbus serves as well: (interface, kind,
/// name, input signature, output signature), as the inventory states members.
const NEWER_UPSTREAM: [(&str, Kind, &str, &str, &str); 2] = [
    (
        "org.libvirt.Domain",
        Kind::Method,
        "SetBlockThreshold",
        "stu",
        "",
    ),
    (
        "org.libvirt.Domain",
        Kind::Signal,
        "BlockThreshold",
        "",
        "sstt",
    ),
];
/// Members virtbus adds to libvirt-dbus's API (libvirt calls libvirt-dbus has no member
/// for), in the same form.
const VIRTBUS_EXTENSIONS: [(&str, Kind, &str, &str, &str); 1] =
    [("org.libvirt.Domain", Kind::Method, "OpenConsole", "shu", "")];
/// Name of the annotation that documents a member.
const DOC_STRING: &str = "org.gtk.GDBus.DocString";
/// Name of the annotation that says whether `PropertiesChanged` is sent for a property.
const EMITS_CHANGED: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

/// Kind of an interface member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Method,
    Signal,
    Property,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "method" => Some(Kind::Method),
            "signal" => Some(Kind::Signal),
            "property" => Some(Kind::Property),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Method => "method",
            Kind::Signal => "signal",
            Kind::Property => "property",
        })
    }
}

/// `(kind, member name)`.
type Key = (Kind, String);

/// A member's wire shape, comparable between our XML and the served introspection.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    /// Method input signatures in order (empty for signals and properties).
    ins: Vec<String>,
    /// Method output / signal argument signatures in order; the type of a property.
    outs: Vec<String>,
    /// Property access (`read`, `write`, `readwrite`).
    access: Option<&'static str>,
    /// Effective `EmitsChangedSignal` of a property (member, else interface, else `true`).
    emits: Option<String>,
}

fn interfaces_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interfaces")
}

/// Parses every `interfaces/org.libvirt.*.xml`: interface name -> parsed interface.
fn contract_interfaces() -> BTreeMap<String, Interface<'static>> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(interfaces_dir()).expect("read interfaces/");
    for entry in entries {
        let path = entry.expect("dir entry").path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if !(file.starts_with("org.libvirt.") && file.ends_with(".xml")) {
            continue;
        }
        let reader = File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let node =
            Node::from_reader(reader).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
        let stem = file.trim_end_matches(".xml");
        let ifaces = node.interfaces();
        assert_eq!(
            ifaces.len(),
            1,
            "{file}: expected exactly one interface, found {}",
            ifaces.len()
        );
        let iface = ifaces[0].clone();
        assert_eq!(
            iface.name().to_string(),
            stem,
            "{file}: interface name does not match the file name"
        );
        out.insert(stem.to_string(), iface);
    }
    for name in REQUIRED {
        assert!(out.contains_key(name), "interfaces/{name}.xml is missing");
    }
    out
}

/// Reads the libvirt-dbus inventory: interface -> key -> (in_signature, out_signature).
fn inventory() -> BTreeMap<String, BTreeMap<Key, (String, String)>> {
    let path = interfaces_dir().join("libvirt-dbus-1.4.1.tsv");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut out: BTreeMap<String, BTreeMap<Key, (String, String)>> = BTreeMap::new();
    for (no, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            5,
            "{}:{}: expected 5 columns",
            path.display(),
            no + 1
        );
        let kind = Kind::parse(cols[1])
            .unwrap_or_else(|| panic!("{}:{}: unknown kind {:?}", path.display(), no + 1, cols[1]));
        let previous = out.entry(cols[0].to_string()).or_default().insert(
            (kind, cols[2].to_string()),
            (cols[3].to_string(), cols[4].to_string()),
        );
        assert!(
            previous.is_none(),
            "{}:{}: duplicate row",
            path.display(),
            no + 1
        );
    }
    out
}

fn find_annotation<'a>(annotations: &'a [Annotation<'_>], name: &str) -> Option<&'a str> {
    annotations
        .iter()
        .find(|a| a.name() == name)
        .map(|a| a.value())
}

fn is_in(arg: &Arg<'_>) -> bool {
    // The introspection format says a method argument without direction is an input.
    arg.direction() != Some(ArgDirection::Out)
}

fn access_str(access: PropertyAccess) -> &'static str {
    match access {
        PropertyAccess::Read => "read",
        PropertyAccess::Write => "write",
        PropertyAccess::ReadWrite => "readwrite",
    }
}

/// Every member of `iface` with its wire shape.
fn shapes(iface: &Interface<'_>) -> BTreeMap<Key, Shape> {
    let iface_emits = iface
        .annotations()
        .find(|a| a.name() == EMITS_CHANGED)
        .map(|a| a.value().to_string());
    let mut out = BTreeMap::new();
    for m in iface.methods() {
        let sigs = |want_in: bool| {
            m.args()
                .iter()
                .filter(|a| is_in(a) == want_in)
                .map(|a| a.ty().to_string())
                .collect::<Vec<_>>()
        };
        let shape = Shape {
            ins: sigs(true),
            outs: sigs(false),
            access: None,
            emits: None,
        };
        out.insert((Kind::Method, m.name().to_string()), shape);
    }
    for s in iface.signals() {
        let shape = Shape {
            ins: Vec::new(),
            outs: s.args().iter().map(|a| a.ty().to_string()).collect(),
            access: None,
            emits: None,
        };
        out.insert((Kind::Signal, s.name().to_string()), shape);
    }
    for p in iface.properties() {
        let emits = find_annotation(p.annotations(), EMITS_CHANGED)
            .map(str::to_string)
            .or_else(|| iface_emits.clone())
            .unwrap_or_else(|| "true".to_string());
        let shape = Shape {
            ins: Vec::new(),
            outs: vec![p.ty().to_string()],
            access: Some(access_str(p.access())),
            emits: Some(emits),
        };
        out.insert((Kind::Property, p.name().to_string()), shape);
    }
    out
}

/// The problem with a member's DocString, if any: it must exist and name the libvirt API.
fn doc_problem(
    iface: &str,
    kind: Kind,
    member: &str,
    annotations: &[Annotation<'_>],
) -> Option<String> {
    match find_annotation(annotations, DOC_STRING) {
        Some(doc) if doc.starts_with("vir") || doc.starts_with("VIR_") => (doc.len() < 30)
            .then(|| format!("{iface} {kind} {member}: DocString too short: {doc:?}")),
        Some(doc) => Some(format!(
            "{iface} {kind} {member}: DocString does not start with the libvirt API: {doc:?}"
        )),
        None => Some(format!("{iface} {kind} {member}: no {DOC_STRING}")),
    }
}

/// Documentation every member of our XML must carry: a DocString naming the libvirt API,
/// named arguments with directions, an explicit EmitsChangedSignal on every property.
fn doc_problems(iface: &Interface<'_>) -> Vec<String> {
    let name = iface.name().to_string();
    let mut problems = Vec::new();
    for m in iface.methods() {
        let member = m.name().to_string();
        problems.extend(doc_problem(&name, Kind::Method, &member, m.annotations()));
        for (i, a) in m.args().iter().enumerate() {
            if a.name().is_none() || a.direction().is_none() {
                problems.push(format!(
                    "{name} method {member}: argument {i} lacks a name or a direction"
                ));
            }
        }
    }
    for s in iface.signals() {
        let member = s.name().to_string();
        problems.extend(doc_problem(&name, Kind::Signal, &member, s.annotations()));
        for (i, a) in s.args().iter().enumerate() {
            if a.name().is_none() {
                problems.push(format!("{name} signal {member}: argument {i} lacks a name"));
            }
        }
    }
    for p in iface.properties() {
        let member = p.name().to_string();
        problems.extend(doc_problem(&name, Kind::Property, &member, p.annotations()));
        if find_annotation(p.annotations(), EMITS_CHANGED).is_none() {
            problems.push(format!(
                "{name} property {member}: no explicit {EMITS_CHANGED} annotation"
            ));
        }
    }
    problems
}

/// Compares the TSV view `(in_signature, out_signature)` of our XML with the inventory.
fn inventory_differences(
    iface: &str,
    ours: &BTreeMap<Key, Shape>,
    expected: &BTreeMap<Key, (String, String)>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    let tsv_view = |shape: &Shape, kind: Kind| -> (String, String) {
        match kind {
            Kind::Method => (shape.ins.concat(), shape.outs.concat()),
            Kind::Signal => (String::new(), shape.outs.concat()),
            Kind::Property => {
                let ty = shape.outs.concat();
                let writable = matches!(shape.access, Some("readwrite" | "write"));
                (if writable { ty.clone() } else { String::new() }, ty)
            }
        }
    };
    for ((kind, name), (want_in, want_out)) in expected {
        match ours.get(&(*kind, name.clone())) {
            None => diffs.push(format!("{iface} {kind} {name}: missing from our XML")),
            Some(shape) => {
                let (got_in, got_out) = tsv_view(shape, *kind);
                if (&got_in, &got_out) != (want_in, want_out) {
                    diffs.push(format!(
                        "{iface} {kind} {name}: our XML has in={got_in:?} out={got_out:?}, \
                         libvirt-dbus has in={want_in:?} out={want_out:?}"
                    ));
                }
                if *kind == Kind::Property && shape.access == Some("write") {
                    diffs.push(format!("{iface} property {name}: write-only"));
                }
            }
        }
    }
    for (kind, name) in ours.keys() {
        if !expected.contains_key(&(*kind, name.clone())) {
            diffs.push(format!(
                "{iface} {kind} {name}: in our XML but not in libvirt-dbus"
            ));
        }
    }
    diffs
}

#[test]
fn xml_matches_libvirt_dbus_inventory() {
    let contract = contract_interfaces();
    let inventory = inventory();
    // libvirt-dbus's members newer than 1.4.1 that virtbus serves too, and its extensions.
    let mut with_newer = inventory.clone();
    for (iface, kind, name, ins, outs) in NEWER_UPSTREAM.into_iter().chain(VIRTBUS_EXTENSIONS) {
        with_newer
            .entry(iface.to_owned())
            .or_default()
            .insert((kind, name.to_owned()), (ins.to_owned(), outs.to_owned()));
    }
    let mut problems = Vec::new();
    // Every interface of libvirt-dbus has its contract file, so every inventory row is
    // compared below.
    let files: BTreeSet<&str> = contract.keys().map(String::as_str).collect();
    let libvirt_dbus: BTreeSet<&str> = inventory.keys().map(String::as_str).collect();
    assert_eq!(
        files, libvirt_dbus,
        "interfaces/*.xml against the inventory's interfaces"
    );
    for (name, iface) in &contract {
        let Some(expected) = with_newer.get(name) else {
            problems.push(format!("{name}: not an interface of libvirt-dbus"));
            continue;
        };
        problems.extend(inventory_differences(name, &shapes(iface), expected));
        problems.extend(doc_problems(iface));
    }
    // The inventory itself says what to expect for the two required interfaces.
    let counts: BTreeMap<&str, usize> = REQUIRED
        .iter()
        .map(|n| (*n, inventory.get(*n).map_or(0, BTreeMap::len)))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([("org.libvirt.Connect", 66), ("org.libvirt.Domain", 123)]),
        "inventory rows per interface"
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) in interfaces/*.xml:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Introspects `path` on the service and returns the interface `name`.
async fn served_interface(
    conn: &zbus::Connection,
    path: &str,
    name: &str,
) -> Result<Interface<'static>, String> {
    let proxy = zbus::fdo::IntrospectableProxy::builder(conn)
        .destination(common::BUS_NAME)
        .path(path.to_string())
        .build()
        .await
        .map_err(|e| format!("introspectable proxy for {path}: {e}"))?;
    let xml = proxy
        .introspect()
        .await
        .map_err(|e| format!("Introspect {path}: {e}"))?;
    let node = Node::from_reader(xml.as_bytes())
        .map_err(|e| format!("parse introspection of {path}: {e}\n{xml}"))?;
    node.interfaces()
        .iter()
        .find(|i| i.name() == name)
        .cloned()
        .ok_or_else(|| {
            let have: Vec<String> = node
                .interfaces()
                .iter()
                .map(|i| i.name().to_string())
                .collect();
            format!("{path} does not serve {name} (it serves {have:?})")
        })
}

/// Lists how the served members differ from the contract (extra served members are fine).
fn served_differences(
    iface: &str,
    path: &str,
    contract: &BTreeMap<Key, Shape>,
    served: &BTreeMap<Key, Shape>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for ((kind, name), want) in contract {
        let Some(got) = served.get(&(*kind, name.clone())) else {
            diffs.push(format!("{iface} {kind} {name}: not served at {path}"));
            continue;
        };
        let mut field = |what: &str, got: String, want: String| {
            if got != want {
                diffs.push(format!(
                    "{iface} {kind} {name}: {what} served {got}, contract {want}"
                ));
            }
        };
        match kind {
            Kind::Method => {
                field(
                    "in args",
                    format!("{:?}", got.ins),
                    format!("{:?}", want.ins),
                );
                field(
                    "out args",
                    format!("{:?}", got.outs),
                    format!("{:?}", want.outs),
                );
            }
            Kind::Signal => {
                field(
                    "args",
                    format!("{:?}", got.outs),
                    format!("{:?}", want.outs),
                );
            }
            Kind::Property => {
                field("type", got.outs.concat(), want.outs.concat());
                field(
                    "access",
                    got.access.unwrap_or("-").to_string(),
                    want.access.unwrap_or("-").to_string(),
                );
                field(
                    "EmitsChangedSignal",
                    got.emits.clone().unwrap_or_default(),
                    want.emits.clone().unwrap_or_default(),
                );
            }
        }
    }
    diffs
}

#[tokio::test(flavor = "multi_thread")]
async fn served_introspection_matches_xml() {
    common::with_timeout(async {
        let contract = contract_interfaces();
        let service = common::Service::start().await;
        // libvirt's test driver has no secret or network filter: define one of each to
        // introspect.
        common::call(
            &service.conn,
            common::TEST_PATH,
            "org.libvirt.Connect",
            "NWFilterDefineXML",
            &("<filter name='f'><uuid>6ef53069-ba34-94a0-d33d-17751b9b8cb1</uuid></filter>",),
        )
        .await
        .expect_ok();
        common::call(
            &service.conn,
            common::TEST_PATH,
            "org.libvirt.Connect",
            "SecretDefineXML",
            &(
                "<secret><uuid>457eb676-33da-42ec-9a8c-9293d545c337</uuid></secret>",
                0u32,
            ),
        )
        .await
        .expect_ok();
        let targets = [
            ("org.libvirt.Connect", common::TEST_PATH),
            ("org.libvirt.Domain", common::TEST_DOMAIN_PATH),
            (
                "org.libvirt.Network",
                "/org/libvirt/Test/network/_dd8fe884_6c02_601e_7551_cca97df1c5df",
            ),
            (
                "org.libvirt.StoragePool",
                "/org/libvirt/Test/storagepool/_dfe224cb_28fb_8dd0_c4b2_64eb3f0f4566",
            ),
            (
                "org.libvirt.StorageVol",
                "/org/libvirt/Test/storagevol/_2fdefault_2dpool_2fvol",
            ),
            (
                "org.libvirt.DomainSnapshot",
                "/org/libvirt/Test/domainsnapshot/_6695eb01_f6a4_8304_79aa_97f2502e193f_s",
            ),
            (
                "org.libvirt.NWFilter",
                "/org/libvirt/Test/nwfilter/_6ef53069_ba34_94a0_d33d_17751b9b8cb1",
            ),
            (
                "org.libvirt.Secret",
                "/org/libvirt/Test/secret/_457eb676_33da_42ec_9a8c_9293d545c337",
            ),
            (
                "org.libvirt.NodeDevice",
                "/org/libvirt/Test/nodedev/scsi_5fhost2",
            ),
            (
                "org.libvirt.Interface",
                "/org/libvirt/Test/interface/aa_3abb_3acc_3add_3aee_3aff",
            ),
        ];
        let mut problems = Vec::new();
        let mut checked = BTreeSet::new();
        for (name, path) in targets {
            let want = shapes(&contract[name]);
            match served_interface(&service.conn, path, name).await {
                Ok(served) => {
                    problems.extend(served_differences(name, path, &want, &shapes(&served)));
                    checked.insert(name);
                }
                Err(e) => problems.push(e),
            }
        }
        assert!(
            problems.is_empty(),
            "{} difference(s) between the served interfaces and interfaces/*.xml:\n{}",
            problems.len(),
            problems.join("\n")
        );
        let files: BTreeSet<&str> = contract.keys().map(String::as_str).collect();
        assert_eq!(
            checked, files,
            "every interface of interfaces/*.xml compared"
        );
    })
    .await;
}
