//! The store on a real file system: atomic writes, crash leftovers, hostile names, corrupt
//! files, undefine.

use std::path::{Path, PathBuf};

use virtbus_core::{
    state::{running, DomainState, StateReason},
    xml::parse_domain,
};
use virtbus_qemu_driver::store::{atomic, DomainStatus, Store, StoreDirs};

fn store(root: &Path) -> Store {
    Store::new(StoreDirs {
        config: root.join("etc"),
        data: root.join("lib"),
        run: root.join("run"),
        log: root.join("log"),
    })
}

fn def(name: &str, mib: u32) -> virtbus_core::model::DomainDef {
    parse_domain(&format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>{mib}</memory>\
         <os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"
    ))
    .unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_definition_is_written_atomically_and_reads_back() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let d = def("vm1", 128);
    s.save_definition(&d).unwrap();
    assert_eq!(
        s.definition_path("vm1").unwrap(),
        root.path().join("etc/qemu/vm1.xml")
    );
    // No temporary file is left behind.
    assert_eq!(files(&s.config_dir()), ["vm1.xml"]);
    let text = std::fs::read_to_string(s.definition_path("vm1").unwrap()).unwrap();
    assert!(text.starts_with("<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE."));
    let loaded = s.load_definitions().unwrap();
    assert!(loaded.problems.is_empty());
    assert_eq!(loaded.items, [d]);
    // Replaced in place.
    s.save_definition(&def("vm1", 256)).unwrap();
    let loaded = s.load_definitions().unwrap();
    assert_eq!(loaded.items[0].memory_kib, 256 * 1024);
    assert_eq!(files(&s.config_dir()), ["vm1.xml"]);
}

#[test]
fn a_crash_between_write_and_rename_keeps_the_old_definition() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    s.save_definition(&def("vm1", 128)).unwrap();
    // What a crash after the temp file was written, before the rename, leaves behind.
    let stray = s
        .config_dir()
        .join(format!("{}vm1.xml-0123456789abcdef", atomic::TEMP_PREFIX));
    std::fs::write(&stray, "<domain type='qemu'><name>vm1</name><memory>1").unwrap();
    let loaded = s.load_definitions().unwrap();
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    assert_eq!(loaded.items.len(), 1);
    assert_eq!(loaded.items[0].memory_kib, 128 * 1024);
    // The next write still works beside the stray file.
    s.save_definition(&def("vm1", 512)).unwrap();
    assert_eq!(
        s.load_definitions().unwrap().items[0].memory_kib,
        512 * 1024
    );
}

#[test]
fn names_that_would_escape_are_refused_before_anything_is_written() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    for (name, text) in [
        ("a/b", "XML error: name a/b cannot contain '/'"),
        ("../x", "XML error: name ../x cannot contain '/'"),
        (
            "..",
            "invalid argument: domain name '..' must not start with '.'",
        ),
        (
            ".hidden",
            "invalid argument: domain name '.hidden' must not start with '.'",
        ),
        ("a\0b", "invalid char in name: \\u{0}"),
        ("", "missing name information"),
    ] {
        assert_eq!(
            s.definition_path(name).unwrap_err().to_string(),
            text,
            "{name:?}"
        );
        assert!(s.status_path(name).is_err());
        assert!(s.log_path(name).is_err());
        assert!(s.remove_definition(name).is_err());
        assert!(s.set_autostart(name, true).is_err());
    }
    // A definition whose name slipped past the parser is still refused by the store.
    let mut d = def("ok", 128);
    d.name = "../../evil".into();
    assert!(s.save_definition(&d).is_err());
    assert!(!root.path().join("etc").exists());
    assert!(!root.path().join("evil.xml").exists());
}

fn status(name: &str, pid: u32, root: &Path) -> DomainStatus {
    DomainStatus {
        state: StateReason::new(DomainState::Running, running::BOOTED),
        pid,
        monitor: root.join("run/qemu/x.monitor"),
        id: 3,
        def: def(name, 128),
    }
}

#[test]
fn statuses_load_and_a_corrupt_one_is_reported_and_skipped() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let good = status("good", 4242, root.path());
    s.save_status(&good).unwrap();
    s.save_status(&status("other", 4343, root.path())).unwrap();
    std::fs::write(s.run_dir().join("broken.xml"), "<domstatus state='running'").unwrap();
    std::fs::write(
        s.run_dir().join("renamed.xml"),
        status("notrenamed", 5, root.path()).format(),
    )
    .unwrap();
    let loaded = s.load_statuses().unwrap();
    let names: Vec<&str> = loaded.items.iter().map(|st| &*st.def.name).collect();
    assert_eq!(names, ["good", "other"]);
    assert_eq!(loaded.items[0], good);
    let bad: Vec<PathBuf> = loaded.problems.iter().map(|p| p.path.clone()).collect();
    assert_eq!(
        bad,
        [
            s.run_dir().join("broken.xml"),
            s.run_dir().join("renamed.xml")
        ]
    );
    assert!(loaded.problems[1]
        .error
        .contains("does not match the file name"));
    s.remove_status("good").unwrap();
    assert_eq!(s.load_statuses().unwrap().items.len(), 1);
}

#[test]
fn a_corrupt_definition_is_skipped_and_the_others_load() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    s.save_definition(&def("a", 128)).unwrap();
    std::fs::write(s.config_dir().join("b.xml"), "<domain").unwrap();
    let loaded = s.load_definitions().unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(loaded.problems[0].path, s.config_dir().join("b.xml"));
}

#[test]
fn undefine_removes_the_definition_and_its_autostart_link() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    s.save_definition(&def("vm1", 128)).unwrap();
    s.set_autostart("vm1", true).unwrap();
    assert!(s.autostart("vm1").unwrap());
    assert_eq!(
        std::fs::read_link(s.autostart_path("vm1").unwrap()).unwrap(),
        PathBuf::from("../vm1.xml")
    );
    s.remove_definition("vm1").unwrap();
    assert!(!s.autostart("vm1").unwrap());
    assert!(s.load_definitions().unwrap().items.is_empty());
    assert_eq!(files(&s.config_dir()), ["autostart"]);
    // Removing what is gone is not an error.
    s.remove_definition("vm1").unwrap();
}

#[test]
fn runtime_paths_live_under_the_run_and_log_dirs() {
    let root = tempfile::tempdir().unwrap();
    let s = store(root.path());
    let uuid = virtbus_core::Uuid::new_v4();
    assert_eq!(
        s.monitor_path(&uuid).unwrap(),
        root.path().join(format!("run/qemu/{uuid}.monitor"))
    );
    assert_eq!(
        s.log_path("vm1").unwrap(),
        root.path().join("log/qemu/vm1.log")
    );
    assert_eq!(
        s.channel_dir(&uuid),
        root.path().join(format!("run/qemu/{uuid}.channel"))
    );
    s.prepare_runtime_dirs().unwrap();
    assert!(s.run_dir().is_dir() && s.log_dir().is_dir());
    let deep = store(&root.path().join("d".repeat(100)));
    assert!(deep.monitor_path(&uuid).is_err());
}
