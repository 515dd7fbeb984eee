//! Snapshots: creation, description, listing, deletion and reverting, with the states,
//! events and texts libvirt 9.0's test driver gives (observed through libvirt-dbus).

mod common;

use common::*;
use virtbus_core::{
    driver::{DomainDriver, SnapshotDriver},
    event::{lifecycle as lc, Event},
    state::{DomainState, StateReason},
    ObjectId, Uuid,
};
use virtbus_test_driver::TestDriver;

const FOO: &str = "11111111-2222-3333-4444-555555555555";
const BAR: &str = "22222222-2222-3333-4444-555555555555";

/// A domain with four disks: a writable file, an empty CD-ROM, a read-only file and a block
/// device (libvirt puts the CD-ROM last).
const BAR_XML: &str = "<domain type='test'><name>bar</name>\
    <uuid>22222222-2222-3333-4444-555555555555</uuid><memory>1048576</memory>\
    <os><type>hvm</type></os><devices>\
    <disk type='file' device='disk'><source file='/nonexist.img'/><target dev='vda' bus='virtio'/></disk>\
    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>\
    <disk type='file' device='disk'><source file='/ro.img'/><target dev='vdb' bus='virtio'/><readonly/></disk>\
    <disk type='block' device='disk'><source dev='/dev/x'/><target dev='vdc' bus='virtio'/></disk>\
    </devices></domain>";

/// `<domainsnapshot>` named `name` with extra content.
fn snap(name: &str, extra: &str) -> String {
    format!("<domainsnapshot><name>{name}</name>{extra}</domainsnapshot>")
}

/// A redefinition of `name` in `state` with `extra` content.
fn redefine(name: &str, state: &str, extra: &str) -> String {
    format!(
        "<domainsnapshot><name>{name}</name><creationTime>9</creationTime>\
         <state>{state}</state>{extra}</domainsnapshot>"
    )
}

/// `xml` with the creation time replaced by `T`.
fn stamped(xml: &str) -> String {
    match (xml.find("<creationTime>"), xml.find("</creationTime>")) {
        (Some(a), Some(b)) => format!("{}<creationTime>T{}", &xml[..a], &xml[b..]),
        _ => xml.to_owned(),
    }
}

async fn state(d: &TestDriver, u: &Uuid) -> (DomainState, i32) {
    let s: StateReason = d.state(u, 0).await.unwrap();
    (s.state, s.reason)
}

async fn create(d: &TestDriver, u: &Uuid, xml: &str) -> String {
    d.snapshot_create_xml(u, xml, 0)
        .await
        .unwrap_or_else(|e| panic!("{xml}: {e}"))
}

/// The default domain's snapshot as libvirt formats it (creation time left out).
const TEST_SNAPSHOT: &str = "<domainsnapshot>
  <name>s1</name>
  <description>first</description>
  <state>running</state>
  <creationTime>T</creationTime>
  <memory snapshot='internal'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
  </disks>
  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory unit='KiB'>8388608</memory>
    <currentMemory unit='KiB'>2097152</currentMemory>
    <vcpu placement='static'>2</vcpu>
    <os>
      <type arch='i686'>hvm</type>
      <boot dev='hd'/>
    </os>
    <clock offset='utc'/>
    <on_poweroff>destroy</on_poweroff>
    <on_reboot>restart</on_reboot>
    <on_crash>destroy</on_crash>
    <devices>
      <disk type='file' device='disk'>
        <source file='/guest/diskimage1'/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </disk>
      <interface type='network'>
        <mac address='aa:bb:cc:dd:ee:ff'/>
        <source network='default'/>
        <target dev='testnet0'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
      </interface>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
</domainsnapshot>
";

#[tokio::test]
async fn a_snapshot_records_the_domain_as_libvirt_formats_it() {
    within(async {
        let (d, mut rx) = driver();
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let name = create(
            &d,
            &TEST_UUID,
            &snap("s1", "<description>first</description>"),
        )
        .await;
        assert_eq!(name, "s1");
        let xml = d.snapshot_xml_desc(&TEST_UUID, "s1", 0).await.unwrap();
        assert_eq!(stamped(&xml), TEST_SNAPSHOT);
        let stamp: u64 = xml
            .split("<creationTime>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .and_then(|s| s.parse().ok())
            .expect("a creation time");
        assert!(stamp >= before && stamp <= before + 60, "{stamp}");
        // The secure flag is the only one.
        assert_eq!(d.snapshot_xml_desc(&TEST_UUID, "s1", 1).await.unwrap(), xml);
        assert_eq!(
            text(d.snapshot_xml_desc(&TEST_UUID, "s1", 2).await),
            "unsupported flags (0x2) in function testDomainSnapshotGetXMLDesc"
        );
        assert_eq!(
            text(d.snapshot_xml_desc(&TEST_UUID, "nope", 0).await),
            "Domain snapshot not found: no domain snapshot with matching name 'nope'"
        );

        // Unnamed: named after the creation time; an empty name counts as none.
        let unnamed = create(
            &d,
            &TEST_UUID,
            "<domainsnapshot><name></name></domainsnapshot>",
        )
        .await;
        assert!(unnamed.bytes().all(|b| b.is_ascii_digit()), "{unnamed}");
        let second = create(&d, &TEST_UUID, &snap(" sp ", "<description></description>")).await;
        assert_eq!(second, " sp ");
        let xml = d.snapshot_xml_desc(&TEST_UUID, " sp ", 0).await.unwrap();
        assert!(
            xml.starts_with(&format!(
                "<domainsnapshot>\n  <name> sp </name>\n  <state>running</state>\n  \
                 <parent>\n    <name>{unnamed}</name>\n  </parent>\n"
            )),
            "{xml}"
        );
        // No libvirt event: only the new objects, for the bus front's object manager.
        let snapshot = |name: &str| {
            Event::Added(ObjectId::DomainSnapshot {
                domain: TEST_UUID,
                name: name.to_owned(),
            })
        };
        assert_eq!(
            drain(&mut rx),
            [snapshot("s1"), snapshot(&unnamed), snapshot(" sp ")],
            "creating a snapshot sends no event"
        );
    })
    .await;
}

#[tokio::test]
async fn an_inactive_domain_snapshot_has_no_memory_and_its_disks_follow_libvirts_defaults() {
    within(async {
        let (d, _rx) = driver();
        let bar = d.define_xml(BAR_XML, 0).await.unwrap();
        create(&d, &bar, &snap("b1", "<disks><disk name='vdc'/><disk name='/nonexist.img'/></disks>")).await;
        let xml = d.snapshot_xml_desc(&bar, "b1", 0).await.unwrap();
        let head = "<domainsnapshot>\n  <name>b1</name>\n  <state>shutoff</state>\n  \
            <creationTime>T</creationTime>\n  <memory snapshot='no'/>\n  <disks>\n    \
            <disk name='vda' snapshot='internal'/>\n    <disk name='vdb' snapshot='no'/>\n    \
            <disk name='vdc' snapshot='internal'/>\n    <disk name='hdc' snapshot='no'/>\n  \
            </disks>\n  <domain type='test'>\n    <name>bar</name>\n";
        assert!(stamped(&xml).starts_with(head), "{xml}");
        assert!(
            xml.contains(
                "      <disk type='file' device='cdrom'>\n        <target dev='hdc' bus='ide'/>\n        \
                 <readonly/>\n"
            ),
            "{xml}"
        );

        for (extra, err) in [
            (
                "<disks><disk name='vdz'/></disks>",
                "unsupported configuration: no disk named 'vdz'",
            ),
            (
                "<disks><disk name='vdc'/><disk name='vdc'/></disks>",
                "unsupported configuration: disk 'vdc' specified twice",
            ),
            (
                "<disks><disk name='vda' snapshot='no'/></disks>",
                "unsupported configuration: disk 'vda' must use snapshot mode 'internal'",
            ),
            (
                "<disks><disk name='vda' snapshot='external'><source file='/new.img'/></disk></disks>",
                "unsupported configuration: disk 'vda' must use snapshot mode 'internal'",
            ),
            (
                "<disks><disk name='vda' snapshot='internal'><source file='/x.img'/></disk></disks>",
                "unsupported configuration: file '/x.img' for disk 'vda' requires use of external \
                 snapshot mode",
            ),
            (
                "<disks><disk name='vda' snapshot='manual'/></disks>",
                "Operation not supported: 'manual' snapshot mode is not supported by the test driver",
            ),
            (
                "<disks><disk name='vda' snapshot='bogus'/></disks>",
                "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'bogus'.",
            ),
            (
                "<disks><disk snapshot='no'/></disks>",
                "internal error: missing name from disk snapshot element",
            ),
            (
                "<disks><disk name='vda' type='dir'/></disks>",
                "XML error: unsupported disk snapshot type 'dir'",
            ),
            (
                "<disks><disk name='vda' type='bogus'/></disks>",
                "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'.",
            ),
            (
                "<disks><disk name='vda' snapshot='external'><driver type='bogus'/></disk></disks>",
                "unsupported configuration: unknown disk snapshot driver 'bogus'",
            ),
            (
                "<disks><disk name='vda' snapshot='external'><source file='rel.img'/></disk></disks>",
                "XML error: disk snapshot image path 'rel.img' must be absolute",
            ),
            (
                "<memory snapshot='external' file='/m'/>",
                "unsupported configuration: source for disk 'vda' is not a regular file; refusing \
                 to generate external snapshot name",
            ),
            (
                "<memory snapshot='bogus'/>",
                "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'bogus'.",
            ),
            (
                "<memory snapshot='manual'/>",
                "XML error: 'manual' memory snapshot mode not supported",
            ),
            (
                "<memory snapshot='external'/>",
                "XML error: external memory snapshots require a filename",
            ),
            (
                "<memory snapshot='internal' file='/x'/>",
                "XML error: memory filename '/x' requires external snapshot",
            ),
            (
                "<memory file='x'/>",
                "XML error: memory snapshot file path (x) must be absolute",
            ),
        ] {
            assert_eq!(text(d.snapshot_create_xml(&bar, &snap("e", extra), 0).await), err, "{extra}");
        }
        // An empty CD-ROM may still be asked for explicitly; a read-only disk may say no.
        create(&d, &bar, &snap("c1", "<disks><disk name='vdb' snapshot='no'/><disk name='hdc' snapshot='internal'/></disks>")).await;
        let xml = d.snapshot_xml_desc(&bar, "c1", 0).await.unwrap();
        assert!(xml.contains("<disk name='hdc' snapshot='internal'/>"), "{xml}");

        // External memory makes external the default; every external disk then needs a file.
        create(
            &d,
            &bar,
            &snap(
                "b7",
                "<memory snapshot='external' file='/m'/><disks>\
                 <disk name='vda' snapshot='external'><source file='/new.img'/></disk>\
                 <disk name='vdb' snapshot='no'/>\
                 <disk name='vdc' snapshot='external' type='block'><source dev='/dev/y'/>\
                 <driver type='qcow2'/></disk></disks>",
            ),
        )
        .await;
        let xml = d.snapshot_xml_desc(&bar, "b7", 0).await.unwrap();
        let part = "  <memory snapshot='external' file='/m'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <source file='/new.img'/>
    </disk>
    <disk name='vdb' snapshot='no'/>
    <disk name='vdc' snapshot='external' type='block'>
      <driver type='qcow2'/>
      <source dev='/dev/y'/>
    </disk>
    <disk name='hdc' snapshot='no'/>
  </disks>
";
        assert!(xml.contains(part), "{xml}");
        assert_eq!(
            d.list_snapshots(&bar, 512).await.unwrap(),
            ["b7"],
            "EXTERNAL lists the external one"
        );

        // A domain without disks: too many requests, and external memory needs no disk.
        let foo = d.define_xml(&xml_with("foo", FOO, ""), 0).await.unwrap();
        assert_eq!(
            text(d.snapshot_create_xml(&foo, &snap("x", "<disks><disk name='vda'/></disks>"), 0).await),
            "unsupported configuration: too many disk snapshot requests for domain"
        );
        create(&d, &foo, &snap("e1", "<memory snapshot='external' file='/tmp/m'/>")).await;
        let xml = d.snapshot_xml_desc(&foo, "e1", 0).await.unwrap();
        assert!(
            stamped(&xml).starts_with(
                "<domainsnapshot>\n  <name>e1</name>\n  <state>shutoff</state>\n  \
                 <creationTime>T</creationTime>\n  <memory snapshot='external' file='/tmp/m'/>\n  \
                 <domain type='test'>\n"
            ),
            "{xml}"
        );
    })
    .await;
}

#[tokio::test]
async fn creation_checks_flags_names_and_documents() {
    within(async {
        let (d, _rx) = driver();
        for (flags, err) in [
            (
                2,
                "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag \
                 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
            ),
            (
                5,
                "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and \
                 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually exclusive",
            ),
            (
                0xffff_ffff,
                "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and \
                 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually exclusive",
            ),
            (
                9,
                "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and \
                 'VIR_DOMAIN_SNAPSHOT_CREATE_HALT' are mutually exclusive",
            ),
            (
                4,
                "unsupported flags (0x4) in function testDomainSnapshotCreateXML",
            ),
            (
                16,
                "unsupported flags (0x10) in function testDomainSnapshotCreateXML",
            ),
            (
                17,
                "unsupported flags (0x10) in function testDomainSnapshotCreateXML",
            ),
            (
                1024,
                "unsupported flags (0x400) in function testDomainSnapshotCreateXML",
            ),
        ] {
            assert_eq!(
                text(
                    d.snapshot_create_xml(&TEST_UUID, "<domainsnapshot/>", flags)
                        .await
                ),
                err,
                "{flags:#x}"
            );
        }
        assert_eq!(
            text(d.snapshot_create_xml(&TEST_UUID, "<nope/>", 0).await),
            "XML error: expecting root element of 'domainsnapshot', not 'nope'"
        );
        assert!(text(d.snapshot_create_xml(&TEST_UUID, "garbage", 0).await)
            .starts_with("(domain_snapshot):1"));
        assert_eq!(
            text(
                d.snapshot_create_xml(&uuid(FOO), "<domainsnapshot/>", 0)
                    .await
            ),
            "Domain not found"
        );
        create(&d, &TEST_UUID, &snap("s1", "")).await;
        assert_eq!(
            text(d.snapshot_create_xml(&TEST_UUID, &snap("s1", ""), 0).await),
            "operation failed: domain moment s1 already exists"
        );
        // Validation refuses what the schema does not know; without it, it is ignored.
        assert_eq!(
            text(
                d.snapshot_create_xml(&TEST_UUID, &snap("v", "<foo/>"), 512)
                    .await
            ),
            "XML document failed to validate against schema: Unable to validate doc against \
             /usr/share/libvirt/schemas/domainsnapshot.rng\nElement domainsnapshot has extra \
             content: foo"
        );
        create(
            &d,
            &TEST_UUID,
            &snap(
                "v",
                "<foo/><active>1</active><creationTime>5</creationTime>",
            ),
        )
        .await;
        let xml = d.snapshot_xml_desc(&TEST_UUID, "v", 0).await.unwrap();
        assert!(
            !xml.contains("<creationTime>5<"),
            "a new snapshot takes the time now"
        );
        assert_eq!(
            d.list_snapshots(&TEST_UUID, 0).await.unwrap().len(),
            2,
            "refused creations added nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn halting_stops_the_domain_and_transient_domains_refuse_it() {
    within(async {
        let (d, mut rx) = driver();
        // HALT|LIVE.
        d.snapshot_create_xml(&TEST_UUID, &snap("h", ""), 8 | 256)
            .await
            .unwrap();
        assert_eq!(
            next(&mut rx).await,
            Event::Added(ObjectId::DomainSnapshot {
                domain: TEST_UUID,
                name: "h".to_owned()
            })
        );
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::FROM_SNAPSHOT)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 7));
        let desc = d.snapshot_xml_desc(&TEST_UUID, "h", 0).await.unwrap();
        assert!(
            desc.contains("<state>running</state>"),
            "taken before halting"
        );

        let tr = d.create_xml(&xml("tr", FOO), 0).await.unwrap();
        assert_eq!(
            text(d.snapshot_create_xml(&tr, &snap("t", ""), 8).await),
            "Requested operation is not valid: cannot halt after transient domain snapshot"
        );
        create(&d, &tr, &snap("t", "")).await;
    })
    .await;
}

#[tokio::test]
async fn lookups_current_parent_and_filters() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            text(d.snapshot_current(&TEST_UUID, 0).await),
            "Domain snapshot not found: the domain does not have a current snapshot"
        );
        assert_eq!(
            text(d.snapshot_lookup_by_name(&TEST_UUID, "a", 0).await),
            "Domain snapshot not found: no domain snapshot with matching name 'a'"
        );
        // a -> {b -> c, d -> e, f -> g}; g is taken with the domain off.
        create(&d, &TEST_UUID, &snap("a", "")).await;
        create(&d, &TEST_UUID, &snap("b", "")).await;
        create(&d, &TEST_UUID, &snap("c", "")).await;
        d.snapshot_revert(&TEST_UUID, "a", 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("d", "")).await;
        create(&d, &TEST_UUID, &snap("e", "")).await;
        d.snapshot_revert(&TEST_UUID, "a", 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("f", "")).await;
        d.destroy(&TEST_UUID, 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("g", "")).await;

        assert_eq!(
            d.snapshot_lookup_by_name(&TEST_UUID, "c", 0).await.unwrap(),
            "c"
        );
        assert_eq!(d.snapshot_current(&TEST_UUID, 0).await.unwrap(), "g");
        assert!(d.snapshot_is_current(&TEST_UUID, "g", 0).await.unwrap());
        assert!(!d.snapshot_is_current(&TEST_UUID, "a", 0).await.unwrap());
        assert_eq!(d.snapshot_parent(&TEST_UUID, "g", 0).await.unwrap(), "f");
        assert_eq!(
            text(d.snapshot_parent(&TEST_UUID, "a", 0).await),
            "Domain snapshot not found: snapshot 'a' does not have a parent"
        );
        for (r, f) in [
            (
                text(d.snapshot_parent(&TEST_UUID, "a", 1).await),
                "testDomainSnapshotGetParent",
            ),
            (
                text(d.snapshot_is_current(&TEST_UUID, "a", 1).await),
                "testDomainSnapshotIsCurrent",
            ),
            (
                text(d.snapshot_current(&TEST_UUID, 1).await),
                "testDomainSnapshotCurrent",
            ),
            (
                text(d.snapshot_lookup_by_name(&TEST_UUID, "a", 1).await),
                "testDomainSnapshotLookupByName",
            ),
        ] {
            assert_eq!(r, format!("unsupported flags (0x1) in function {f}"));
        }

        let list = |flags| d.list_snapshots(&TEST_UUID, flags);
        // Roots; topological order is parents first, newest child first (libvirt's order).
        assert_eq!(list(1).await.unwrap(), ["a"]);
        assert_eq!(
            list(1024).await.unwrap(),
            ["a", "f", "g", "d", "e", "b", "c"]
        );
        assert_eq!(list(1025).await.unwrap(), ["a"]);
        assert_eq!(list(4).await.unwrap(), ["g", "e", "c"]);
        assert_eq!(list(8).await.unwrap(), ["a", "f", "d", "b"]);
        assert!(list(12).await.unwrap().is_empty(), "LEAVES and NO_LEAVES");
        assert_eq!(list(2).await.unwrap().len(), 7, "METADATA");
        assert!(list(16).await.unwrap().is_empty(), "NO_METADATA");
        assert_eq!(list(18).await.unwrap().len(), 7);
        assert_eq!(list(32).await.unwrap(), ["g"], "INACTIVE");
        assert_eq!(list(64).await.unwrap().len(), 6, "ACTIVE");
        assert!(list(128).await.unwrap().is_empty(), "DISK_ONLY");
        assert_eq!(list(224).await.unwrap().len(), 7);
        assert_eq!(list(256).await.unwrap().len(), 7, "INTERNAL");
        assert!(list(512).await.unwrap().is_empty(), "EXTERNAL");
        assert_eq!(list(768).await.unwrap().len(), 7);
        assert!(list(5).await.unwrap().is_empty(), "roots that are leaves");
        assert_eq!(
            text(list(2048).await),
            "unsupported flags (0x800) in function testDomainListAllSnapshots"
        );

        let children = |flags| d.snapshot_list_children(&TEST_UUID, "a", flags);
        assert_eq!(children(0).await.unwrap(), ["f", "d", "b"]);
        assert_eq!(children(1).await.unwrap(), ["f", "g", "d", "e", "b", "c"]);
        assert_eq!(
            children(1025).await.unwrap(),
            ["f", "g", "d", "e", "b", "c"]
        );
        assert_eq!(children(5).await.unwrap(), ["g", "e", "c"]);
        assert!(children(32).await.unwrap().is_empty());
        assert_eq!(
            text(children(2048).await),
            "unsupported flags (0x800) in function testDomainSnapshotListAllChildren"
        );
        assert_eq!(
            text(d.snapshot_list_children(&TEST_UUID, "zz", 0).await),
            "Domain snapshot not found: no domain snapshot with matching name 'zz'"
        );
    })
    .await;
}

#[tokio::test]
async fn deletion_reparents_or_takes_the_descendants() {
    within(async {
        let (d, _rx) = driver();
        create(&d, &TEST_UUID, &snap("a", "")).await;
        create(&d, &TEST_UUID, &snap("b", "")).await;
        create(&d, &TEST_UUID, &snap("c", "")).await;
        d.snapshot_revert(&TEST_UUID, "a", 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("d", "")).await;
        create(&d, &TEST_UUID, &snap("e", "")).await;
        d.snapshot_revert(&TEST_UUID, "a", 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("f", "")).await;
        create(&d, &TEST_UUID, &snap("g", "")).await;

        for (flags, err) in [
            (
                5,
                "Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and \
                 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually exclusive",
            ),
            (
                3,
                "unsupported flags (0x2) in function testDomainSnapshotDelete",
            ),
            (
                2,
                "unsupported flags (0x2) in function testDomainSnapshotDelete",
            ),
            (
                8,
                "unsupported flags (0x8) in function testDomainSnapshotDelete",
            ),
        ] {
            assert_eq!(text(d.snapshot_delete(&TEST_UUID, "b", flags).await), err);
        }
        // b alone: c moves up to a, in front of a's other children, and names a as parent.
        d.snapshot_delete(&TEST_UUID, "b", 0).await.unwrap();
        let xml = d.snapshot_xml_desc(&TEST_UUID, "c", 0).await.unwrap();
        assert!(
            xml.contains("<parent>\n    <name>a</name>\n  </parent>"),
            "{xml}"
        );
        assert_eq!(
            d.snapshot_list_children(&TEST_UUID, "a", 0).await.unwrap(),
            ["c", "f", "d"]
        );
        // The current one deleted: its parent becomes current.
        d.snapshot_delete(&TEST_UUID, "g", 0).await.unwrap();
        assert_eq!(d.snapshot_current(&TEST_UUID, 0).await.unwrap(), "f");
        // Children only, current elsewhere: the current stays.
        d.snapshot_delete(&TEST_UUID, "d", 4).await.unwrap();
        assert!(d
            .snapshot_list_children(&TEST_UUID, "d", 0)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(d.snapshot_current(&TEST_UUID, 0).await.unwrap(), "f");
        // With its children while a child is current: its parent becomes current.
        d.snapshot_revert(&TEST_UUID, "f", 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("h", "")).await;
        d.snapshot_delete(&TEST_UUID, "f", 1).await.unwrap();
        assert_eq!(d.snapshot_current(&TEST_UUID, 0).await.unwrap(), "a");
        let mut all = d.list_snapshots(&TEST_UUID, 0).await.unwrap();
        all.sort();
        assert_eq!(all, ["a", "c", "d"]);
        // Children only while a child is current: the snapshot itself becomes current.
        d.snapshot_revert(&TEST_UUID, "c", 0).await.unwrap();
        create(&d, &TEST_UUID, &snap("i", "")).await;
        d.snapshot_delete(&TEST_UUID, "c", 4).await.unwrap();
        assert_eq!(d.snapshot_current(&TEST_UUID, 0).await.unwrap(), "c");
        assert_eq!(
            text(d.snapshot_xml_desc(&TEST_UUID, "i", 0).await),
            "Domain snapshot not found: no domain snapshot with matching name 'i'"
        );
    })
    .await;
}

#[tokio::test]
async fn reverting_restarts_the_domain_with_libvirts_events() {
    within(async {
        let (d, mut rx) = driver();
        let t = TEST_UUID;
        create(&d, &t, &snap("r1", "")).await;
        d.suspend(&t).await.unwrap();
        create(&d, &t, &snap("p1", "")).await;
        d.destroy(&t, 0).await.unwrap();
        create(&d, &t, &snap("off", "")).await;
        d.create(&t, 0).await.unwrap();
        drain(&mut rx);
        let stopped = lifecycle(t, lc::STOPPED, lc::stopped::FROM_SNAPSHOT);
        let started = lifecycle(t, lc::STARTED, lc::started::FROM_SNAPSHOT);
        let suspended = lifecycle(t, lc::SUSPENDED, lc::suspended::FROM_SNAPSHOT);

        // Running to a running snapshot: stopped and started again, with a new id.
        let id = d.summary(&t).await.unwrap().id;
        d.snapshot_revert(&t, "r1", 0).await.unwrap();
        assert_eq!(drain(&mut rx), [stopped.clone(), started.clone()]);
        assert_eq!(state(&d, &t).await, (DomainState::Running, 4));
        assert_ne!(d.summary(&t).await.unwrap().id, id);
        assert_eq!(d.snapshot_current(&t, 0).await.unwrap(), "r1");
        // To a paused snapshot: paused after the start.
        d.snapshot_revert(&t, "p1", 0).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            [stopped.clone(), started.clone(), suspended.clone()]
        );
        assert_eq!(state(&d, &t).await, (DomainState::Paused, 7));
        // RUNNING overrides a paused snapshot; PAUSED pauses a running one.
        d.snapshot_revert(&t, "p1", 1).await.unwrap();
        assert_eq!(drain(&mut rx), [stopped.clone(), started.clone()]);
        assert_eq!(state(&d, &t).await, (DomainState::Running, 4));
        d.snapshot_revert(&t, "r1", 2).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            [stopped.clone(), started.clone(), suspended.clone()]
        );
        assert_eq!(state(&d, &t).await, (DomainState::Paused, 7));
        // To a shut-off snapshot: stopped.
        d.snapshot_revert(&t, "off", 0).await.unwrap();
        assert_eq!(drain(&mut rx), std::slice::from_ref(&stopped));
        assert_eq!(state(&d, &t).await, (DomainState::Shutoff, 7));
        // Inactive to a shut-off snapshot: nothing happens; RUNNING/PAUSED only announce a
        // start (libvirt 9.0 leaves the domain off).
        d.snapshot_revert(&t, "off", 0).await.unwrap();
        assert!(drain(&mut rx).is_empty());
        d.snapshot_revert(&t, "off", 1).await.unwrap();
        assert_eq!(drain(&mut rx), std::slice::from_ref(&started));
        d.snapshot_revert(&t, "off", 2).await.unwrap();
        assert_eq!(drain(&mut rx), [started.clone(), suspended.clone()]);
        assert_eq!(state(&d, &t).await, (DomainState::Shutoff, 7));
        // Inactive to a running snapshot: started.
        d.snapshot_revert(&t, "r1", 0).await.unwrap();
        assert_eq!(drain(&mut rx), std::slice::from_ref(&started));
        assert_eq!(state(&d, &t).await, (DomainState::Running, 4));
        assert!(d.snapshot_is_current(&t, "r1", 0).await.unwrap());

        for (flags, err) in [
            (
                3,
                "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and \
                 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive",
            ),
            (
                8,
                "unsupported flags (0x8) in function testDomainRevertToSnapshot",
            ),
            (
                16,
                "unsupported flags (0x10) in function testDomainRevertToSnapshot",
            ),
        ] {
            assert_eq!(text(d.snapshot_revert(&t, "r1", flags).await), err);
        }
        assert_eq!(
            text(d.snapshot_revert(&t, "zz", 0).await),
            "Domain snapshot not found: no domain snapshot with matching name 'zz'"
        );
        assert!(drain(&mut rx).is_empty(), "refused reverts send nothing");
    })
    .await;
}

#[tokio::test]
async fn reverting_brings_back_the_definition_and_keeps_transient_domains() {
    within(async {
        let (d, mut rx) = driver();
        let foo = d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        create(&d, &foo, &snap("two", "")).await;
        d.set_metadata(&foo, 0, "changed", "", "", 0).await.unwrap();
        assert!(d
            .xml_desc(&foo, 0)
            .await
            .unwrap()
            .contains("<description>changed"));
        d.snapshot_revert(&foo, "two", 0).await.unwrap();
        let def = d.xml_desc(&foo, 0).await.unwrap();
        assert!(!def.contains("<description>"), "{def}");

        // A transient domain is stopped and started again, never removed.
        let bar = d.create_xml(&xml("bar", BAR), 0).await.unwrap();
        d.suspend(&bar).await.unwrap();
        create(&d, &bar, &snap("p", "")).await;
        d.resume(&bar).await.unwrap();
        drain(&mut rx);
        d.snapshot_revert(&bar, "p", 0).await.unwrap();
        assert_eq!(
            drain(&mut rx),
            [
                lifecycle(bar, lc::STOPPED, lc::stopped::FROM_SNAPSHOT),
                lifecycle(bar, lc::STARTED, lc::started::FROM_SNAPSHOT),
                lifecycle(bar, lc::SUSPENDED, lc::suspended::FROM_SNAPSHOT),
            ]
        );
        assert_eq!(state(&d, &bar).await, (DomainState::Paused, 7));
        // Without RUNNING or PAUSED, a transient domain cannot go back to an off snapshot.
        d.destroy(&bar, 0).await.unwrap();
        let bar = d.create_xml(&xml("bar", BAR), 0).await.unwrap();
        d.snapshot_create_xml(&bar, &snap("r", ""), 0)
            .await
            .unwrap();
        let redefined = redefine(
            "off",
            "shutoff",
            &format!(
                "<domain type='test'><name>bar</name><uuid>{BAR}</uuid><memory>1024</memory>\
                 <os><type>hvm</type></os></domain>"
            ),
        );
        d.snapshot_create_xml(&bar, &redefined, 1).await.unwrap();
        assert_eq!(
            text(d.snapshot_revert(&bar, "off", 0).await),
            "Requested operation is not valid: transient domain needs to request run or pause \
             to revert to inactive snapshot"
        );
        assert_eq!(state(&d, &bar).await, (DomainState::Running, 1));
    })
    .await;
}

#[tokio::test]
async fn redefinition_restores_a_described_snapshot() {
    within(async {
        let (d, _rx) = driver();
        let t = TEST_UUID;
        create(&d, &t, &snap("a", "")).await;
        for (xml, err) in [
            (
                "<domainsnapshot/>".to_owned(),
                "XML error: a redefined snapshot must have a name",
            ),
            (
                snap("r", ""),
                "internal error: missing creationTime from existing snapshot",
            ),
            (
                snap("r", "<creationTime>x</creationTime>"),
                "internal error: missing creationTime from existing snapshot",
            ),
            (
                snap("r", "<creationTime>5</creationTime>"),
                "XML error: missing state from existing snapshot",
            ),
            (
                redefine("r", "bogus", ""),
                "unsupported configuration: Invalid state 'bogus' in domain snapshot XML",
            ),
            (
                redefine("r", "nostate", ""),
                "unsupported configuration: Invalid state 'nostate' in domain snapshot XML",
            ),
            (
                redefine("r", "running", "<parent><name>zz</name></parent>"),
                "invalid argument: parent zz for moment r not found",
            ),
            (
                redefine("r", "running", "<parent><name>r</name></parent>"),
                "invalid argument: cannot set moment r as its own parent",
            ),
            (
                redefine(
                    "r",
                    "running",
                    &format!(
                        "<domain type='test'><name>x</name><uuid>{FOO}</uuid><memory>1024</memory>\
                         <os><type>hvm</type></os></domain>"
                    ),
                ),
                "invalid argument: definition for snapshot r must use uuid \
                 6695eb01-f6a4-8304-79aa-97f2502e193f",
            ),
            (
                redefine("r", "running", "<parent><name>a</name></parent>"),
                "internal error: missing domain in snapshot",
            ),
            (
                redefine("r", "shutoff", "<memory snapshot='internal'/>"),
                "XML error: memory state cannot be saved with offline or disk-only snapshot",
            ),
            (
                redefine("a", "shutoff", ""),
                "invalid argument: cannot change between online and offline snapshot state in \
                 snapshot a",
            ),
        ] {
            assert_eq!(text(d.snapshot_create_xml(&t, &xml, 1).await), err, "{xml}");
        }

        let dom = "<domain type='test'><name>test</name>\
             <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>1024</memory>\
             <os><type>hvm</type></os><devices><disk type='file' device='disk'>\
             <source file='/a.img'/><target dev='vda'/></disk></devices></domain>";
        let r2 = redefine(
            "r2",
            "shutoff",
            &format!("<description>d</description>{dom}"),
        )
        .replace("<creationTime>9<", "<creationTime>7<");
        // CURRENT makes it current; without it the current one stays.
        d.snapshot_create_xml(&t, &r2, 3).await.unwrap();
        assert_eq!(d.snapshot_current(&t, 0).await.unwrap(), "r2");
        let xml = d.snapshot_xml_desc(&t, "r2", 0).await.unwrap();
        assert_eq!(
            xml,
            "<domainsnapshot>
  <name>r2</name>
  <description>d</description>
  <state>shutoff</state>
  <creationTime>7</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
  </disks>
  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory unit='KiB'>1024</memory>
    <currentMemory unit='KiB'>1024</currentMemory>
    <vcpu placement='static'>1</vcpu>
    <os>
      <type arch='i686'>hvm</type>
      <boot dev='hd'/>
    </os>
    <clock offset='utc'/>
    <on_poweroff>destroy</on_poweroff>
    <on_reboot>restart</on_reboot>
    <on_crash>destroy</on_crash>
    <devices>
      <disk type='file' device='disk'>
        <source file='/a.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </domain>
</domainsnapshot>
"
        );
        // An existing snapshot redefined without a domain keeps its own, and may move.
        d.snapshot_create_xml(
            &t,
            &redefine("a", "running", "<parent><name>r2</name></parent>"),
            1,
        )
        .await
        .unwrap();
        assert_eq!(d.snapshot_parent(&t, "a", 0).await.unwrap(), "r2");
        assert_eq!(d.snapshot_current(&t, 0).await.unwrap(), "r2");
        assert_eq!(d.list_snapshots(&t, 1).await.unwrap(), ["r2"]);
        // A cycle is refused.
        assert_eq!(
            text(
                d.snapshot_create_xml(
                    &t,
                    &redefine("r2", "shutoff", "<parent><name>a</name></parent>"),
                    1
                )
                .await
            ),
            "invalid argument: parent a would create cycle to r2"
        );
    })
    .await;
}

#[tokio::test]
async fn snapshots_guard_undefine_and_filter_domain_listings() {
    within(async {
        let (d, mut rx) = driver();
        assert!(d.list_domains(4096).await.unwrap().is_empty());
        assert_eq!(d.list_domains(8192).await.unwrap(), [TEST_UUID]);
        let foo = d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        create(&d, &foo, &snap("x", "")).await;
        create(&d, &foo, &snap("y", "")).await;
        assert_eq!(d.list_domains(4096).await.unwrap(), [foo]);
        assert_eq!(d.list_domains(8192).await.unwrap(), [TEST_UUID]);
        drain(&mut rx);
        assert_eq!(
            text(d.undefine(&foo, 0).await),
            "Requested operation is not valid: cannot delete inactive domain with 2 snapshots"
        );
        assert!(drain(&mut rx).is_empty());
        // A renamed domain keeps its snapshots.
        d.rename(&foo, "bar", 0).await.unwrap();
        assert_eq!(d.snapshot_lookup_by_name(&foo, "x", 0).await.unwrap(), "x");
        // Reverting keeps the domain's new name.
        d.snapshot_revert(&foo, "x", 0).await.unwrap();
        assert_eq!(d.summary(&foo).await.unwrap().name, "bar");
        d.undefine(&foo, 2).await.unwrap();
        assert_eq!(text(d.list_snapshots(&foo, 0).await), "Domain not found");
        // An active domain may be undefined with its snapshots; it keeps them while running.
        create(&d, &TEST_UUID, &snap("s", "")).await;
        d.undefine(&TEST_UUID, 0).await.unwrap();
        assert_eq!(d.list_snapshots(&TEST_UUID, 0).await.unwrap(), ["s"]);
    })
    .await;
}
