//! Defining, creating and renaming: events, duplicate rules, next-boot definitions and
//! atomicity.

mod common;

use common::*;
use virtbus_core::{
    driver::DomainDriver,
    event::{lifecycle as lc, Event, ObjectId},
    state::DomainState,
};

const FOO: &str = "11111111-2222-3333-4444-555555555555";
const FOO2: &str = "11111111-2222-3333-4444-555555555556";

#[tokio::test]
async fn define_then_redefine() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        assert_eq!(u, uuid(FOO));
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Domain(u)));
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::DEFINED, lc::defined::ADDED)
        );
        let redefined = xml_with("foo", FOO, "<title>again</title>");
        assert_eq!(d.define_xml(&redefined, 0).await.unwrap(), u);
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::DEFINED, lc::defined::UPDATED)
        );
        assert!(drain(&mut rx).is_empty());
        assert_eq!(d.metadata(&u, 1, "", 0).await.unwrap(), "again");
        let s = d.summary(&u).await.unwrap();
        assert!(s.persistent);
        assert_eq!(s.id, -1);
        assert_eq!((s.state.state, s.state.reason), (DomainState::Shutoff, 0));
        assert_eq!(
            text(d.define_xml(&xml("foo", FOO), 2).await),
            "unsupported flags (0x2) in function testDomainDefineXMLFlags"
        );
    })
    .await;
}

#[tokio::test]
async fn duplicates_are_refused_and_change_nothing() {
    within(async {
        let (d, mut rx) = driver();
        d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        drain(&mut rx);
        let before = d.xml_desc(&uuid(FOO), 0).await.unwrap();
        assert_eq!(
            text(d.define_xml(&xml("foo2", FOO), 0).await),
            format!("operation failed: domain 'foo' is already defined with uuid {FOO}")
        );
        assert_eq!(
            text(d.define_xml(&xml("foo", FOO2), 0).await),
            format!("operation failed: domain 'foo' already exists with uuid {FOO}")
        );
        assert_eq!(
            text(d.create_xml(&xml("foo", FOO2), 0).await),
            format!("operation failed: domain 'foo' already exists with uuid {FOO}")
        );
        assert_eq!(
            text(d.define_xml(&xml("test", FOO2), 0).await),
            format!(
                "operation failed: domain 'test' already exists with uuid {}",
                TEST_UUID
            )
        );
        assert!(drain(&mut rx).is_empty());
        assert_eq!(d.list_domains(0).await.unwrap().len(), 2);
        assert_eq!(d.xml_desc(&uuid(FOO), 0).await.unwrap(), before);
        assert_eq!(text(d.lookup_by_name("foo2").await), "Domain not found");
    })
    .await;
}

#[tokio::test]
async fn a_failed_define_changes_nothing() {
    within(async {
        let (d, mut rx) = driver();
        let before = d.summaries().await.unwrap();
        assert!(d.define_xml("<domain", 0).await.is_err());
        assert!(d.define_xml("", 0).await.is_err());
        assert_eq!(
            text(d.define_xml("<notdomain/>", 0).await),
            "XML error: expecting root element of 'domain', not 'notdomain'"
        );
        assert!(d
            .create_xml("<domain type='test'><name>x</name></domain>", 0)
            .await
            .is_err());
        assert!(drain(&mut rx).is_empty());
        assert_eq!(d.summaries().await.unwrap(), before);
    })
    .await;
}

#[tokio::test]
async fn create_xml_over_an_active_domain_is_refused() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.create_xml(&xml("foo", FOO), 0).await.unwrap();
        drain(&mut rx);
        assert_eq!(
            text(d.create_xml(&xml("foo", FOO), 0).await),
            "Requested operation is not valid: domain 'foo' is already active"
        );
        assert_eq!(
            text(d.create_xml(&xml("test", &TEST_UUID.to_string()), 0).await),
            "Requested operation is not valid: domain 'test' is already active"
        );
        assert_eq!(
            text(d.create_xml(&xml("foo", FOO), 1).await),
            "unsupported flags (0x1) in function testDomainCreateXML"
        );
        assert!(drain(&mut rx).is_empty());
        assert_eq!(d.summary(&u).await.unwrap().id, 2);
    })
    .await;
}

#[tokio::test]
async fn create_xml_over_an_inactive_persistent_domain_keeps_its_config() {
    within(async {
        let (d, mut rx) = driver();
        let u = d
            .define_xml(&xml_with("foo", FOO, "<title>persistent</title>"), 0)
            .await
            .unwrap();
        drain(&mut rx);
        d.create_xml(&xml_with("foo", FOO, "<title>live</title>"), 0)
            .await
            .unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STARTED, lc::started::BOOTED)
        );
        assert!(drain(&mut rx).is_empty(), "no Added for an existing domain");
        assert!(d.summary(&u).await.unwrap().persistent);
        assert_eq!(d.metadata(&u, 1, "", 0).await.unwrap(), "live");
        assert_eq!(d.metadata(&u, 1, "", 2).await.unwrap(), "persistent");
        d.destroy(&u, 0).await.unwrap();
        assert_eq!(d.metadata(&u, 1, "", 0).await.unwrap(), "persistent");
    })
    .await;
}

#[tokio::test]
async fn redefining_a_running_domain_sets_the_next_boot_definition() {
    within(async {
        let (d, mut rx) = driver();
        let new = "<domain type='test'><name>test</name>\
               <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\
               <memory>4096</memory><os><type>hvm</type></os></domain>";
        d.define_xml(new, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::DEFINED, lc::defined::UPDATED)
        );
        let live = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        let next_boot = d.xml_desc(&TEST_UUID, 2).await.unwrap();
        assert!(
            live.contains("<memory unit='KiB'>8388608</memory>"),
            "{live}"
        );
        assert!(
            next_boot.contains("<memory unit='KiB'>4096</memory>"),
            "{next_boot}"
        );
        assert_eq!(
            d.state(&TEST_UUID, 0).await.unwrap().state,
            DomainState::Running
        );
        d.destroy(&TEST_UUID, 0).await.unwrap();
        let after = d.xml_desc(&TEST_UUID, 0).await.unwrap();
        assert!(
            after.contains("<memory unit='KiB'>4096</memory>"),
            "{after}"
        );
    })
    .await;
}

#[tokio::test]
async fn defining_a_running_transient_domain_makes_it_persistent() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.create_xml(&xml("foo", FOO), 0).await.unwrap();
        drain(&mut rx);
        d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::DEFINED, lc::defined::ADDED)
        );
        assert!(drain(&mut rx).is_empty());
        assert!(d.summary(&u).await.unwrap().persistent);
        d.destroy(&u, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STOPPED, lc::stopped::DESTROYED)
        );
        assert!(drain(&mut rx).is_empty(), "a persistent domain stays");
        assert_eq!(d.lookup_by_name("foo").await.unwrap(), u);
    })
    .await;
}

#[tokio::test]
async fn interfaces_get_test_names_and_macs() {
    within(async {
        let (d, _rx) = driver();
        let u = d
            .define_xml(
                &xml_with(
                    "foo",
                    FOO,
                    "<devices><interface type='user'/><interface type='user'>\
                 <target dev='testnet0'/></interface></devices>",
                ),
                0,
            )
            .await
            .unwrap();
        let x = d.xml_desc(&u, 0).await.unwrap();
        assert!(x.contains("<target dev='testnet1'/>"), "{x}");
        assert!(x.contains("<target dev='testnet0'/>"), "{x}");
        assert!(x.contains("<mac address='52:54:00:"), "{x}");
        assert!(x.contains("<type arch='i686'>hvm</type>"), "{x}");
    })
    .await;
}

#[tokio::test]
async fn rename_an_inactive_domain() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        drain(&mut rx);
        d.rename(&u, "bar", 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::UNDEFINED, lc::undefined::RENAMED)
        );
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::DEFINED, lc::defined::RENAMED)
        );
        assert_eq!(d.lookup_by_name("bar").await.unwrap(), u);
        assert_eq!(text(d.lookup_by_name("foo").await), "Domain not found");
        assert_eq!(d.summary(&u).await.unwrap().name, "bar");
        assert!(d
            .xml_desc(&u, 0)
            .await
            .unwrap()
            .contains("<name>bar</name>"));

        assert_eq!(
            text(d.rename(&u, "bar", 0).await),
            "Requested operation is not valid: Can't rename domain to itself"
        );
        assert_eq!(
            text(d.rename(&u, "test", 0).await),
            "Requested operation is not valid: domain with name 'test' already exists"
        );
        assert_eq!(
            text(d.rename(&u, "a/b", 0).await),
            "XML error: name a/b cannot contain '/'"
        );
        assert_eq!(
            text(d.rename(&u, "", 0).await),
            "string new_name in virDomainRename must not be empty"
        );
        assert_eq!(
            text(d.rename(&u, "x", 1).await),
            "unsupported flags (0x1) in function testDomainRename"
        );
        assert_eq!(
            text(d.rename(&TEST_UUID, "x", 0).await),
            "Requested operation is not valid: cannot rename active domain"
        );
        assert!(drain(&mut rx).is_empty());
        assert_eq!(d.summary(&u).await.unwrap().name, "bar");
    })
    .await;
}

#[tokio::test]
async fn lookups_fail_with_libvirts_text() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(text(d.lookup_by_name("nope").await), "Domain not found");
        assert_eq!(text(d.lookup_by_uuid(&uuid(FOO)).await), "Domain not found");
        assert_eq!(text(d.lookup_by_id(7).await), "Domain not found");
        assert_eq!(
            text(d.lookup_by_id(-1).await),
            "id in virDomainLookupByID must be zero or greater"
        );
        assert_eq!(d.lookup_by_uuid(&TEST_UUID).await.unwrap(), TEST_UUID);
        assert_eq!(text(d.xml_desc(&uuid(FOO), 0).await), "Domain not found");
    })
    .await;
}
