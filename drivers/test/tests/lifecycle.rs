//! Lifecycle operations: states, reasons, events and error texts, as libvirt 9.0's test
//! driver gives them.

mod common;

use common::*;
use virtbus_core::{
    driver::DomainDriver,
    event::{lifecycle as lc, Event, ObjectId},
    state::{DomainState, StateReason},
};

const FOO: &str = "11111111-2222-3333-4444-555555555555";

async fn state(d: &virtbus_test_driver::TestDriver, u: &virtbus_core::Uuid) -> (DomainState, i32) {
    let s: StateReason = d.state(u, 0).await.unwrap();
    (s.state, s.reason)
}

#[tokio::test]
async fn default_domain_runs_with_reason_unknown() {
    within(async {
        let (d, mut rx) = driver();
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 0));
        let s = d.summary(&TEST_UUID).await.unwrap();
        assert_eq!(s.name, "test");
        assert_eq!(s.id, 1);
        assert!(s.persistent);
        assert!(!s.autostart);
        assert!(!s.updated);
        assert_eq!(s.os_type, "linux");
        assert_eq!(d.lookup_by_name("test").await.unwrap(), TEST_UUID);
        assert_eq!(d.lookup_by_id(1).await.unwrap(), TEST_UUID);
        assert!(drain(&mut rx).is_empty(), "no event at start");
    })
    .await;
}

#[tokio::test]
async fn suspend_and_resume() {
    within(async {
        let (d, mut rx) = driver();
        d.suspend(&TEST_UUID).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::SUSPENDED, lc::suspended::PAUSED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Paused, 1));
        assert_eq!(
            text(d.suspend(&TEST_UUID).await),
            "internal error: domain 'test' not running"
        );
        d.resume(&TEST_UUID).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::RESUMED, lc::resumed::UNPAUSED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 5));
        assert_eq!(
            text(d.resume(&TEST_UUID).await),
            "internal error: domain 'test' not paused"
        );
        assert!(drain(&mut rx).is_empty(), "failures publish nothing");
    })
    .await;
}

#[tokio::test]
async fn destroy_then_create_gives_a_new_id() {
    within(async {
        let (d, mut rx) = driver();
        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::DESTROYED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 2));
        assert_eq!(d.summary(&TEST_UUID).await.unwrap().id, -1);
        assert_eq!(text(d.lookup_by_id(1).await), "Domain not found");
        assert_eq!(
            text(d.destroy(&TEST_UUID, 0).await),
            "Requested operation is not valid: domain is not running"
        );
        assert_eq!(
            text(d.create(&TEST_UUID, 1).await),
            "unsupported flags (0x1) in function testDomainCreateWithFlags"
        );
        d.create(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STARTED, lc::started::BOOTED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 1));
        assert_eq!(d.summary(&TEST_UUID).await.unwrap().id, 2);
        assert_eq!(d.lookup_by_id(2).await.unwrap(), TEST_UUID);
        assert_eq!(
            text(d.create(&TEST_UUID, 0).await),
            "internal error: Domain 'test' is already running"
        );
        assert_eq!(
            text(d.destroy(&TEST_UUID, 2).await),
            "unsupported flags (0x2) in function testDomainDestroyFlags"
        );
        d.destroy(&TEST_UUID, 1).await.unwrap();
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 2));
    })
    .await;
}

#[tokio::test]
async fn shutdown_follows_on_poweroff() {
    within(async {
        let (d, mut rx) = driver();
        assert_eq!(
            text(d.shutdown(&TEST_UUID, 1).await),
            "unsupported flags (0x1) in function testDomainShutdownFlags"
        );
        d.shutdown(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::SHUTDOWN)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 1));
        assert_eq!(
            text(d.shutdown(&TEST_UUID, 0).await),
            "internal error: domain 'test' not running"
        );

        // on_poweroff=restart: the guest comes back at once, without any event, even paused.
        let x = xml_with("r", FOO, "<on_poweroff>restart</on_poweroff>");
        let u = d.create_xml(&x, 0).await.unwrap();
        drain(&mut rx);
        d.suspend(&u).await.unwrap();
        next(&mut rx).await;
        d.shutdown(&u, 0).await.unwrap();
        assert_eq!(state(&d, &u).await, (DomainState::Running, 1));
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn reboot_follows_on_reboot() {
    within(async {
        let (d, mut rx) = driver();
        d.reboot(&TEST_UUID, 0x1f).await.unwrap();
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 1));
        assert!(drain(&mut rx).is_empty(), "a restart reboot has no event");
        assert_eq!(
            text(d.reboot(&TEST_UUID, 0x20).await),
            "unsupported flags (0x20) in function testDomainReboot"
        );

        let x = xml_with("r", FOO, "<on_reboot>destroy</on_reboot>");
        let u = d.create_xml(&x, 0).await.unwrap();
        drain(&mut rx);
        d.reboot(&u, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STOPPED, lc::stopped::SHUTDOWN)
        );
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Domain(u)));
        assert_eq!(text(d.reboot(&u, 0).await), "Domain not found");

        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            text(d.reboot(&TEST_UUID, 0).await),
            "Requested operation is not valid: domain is not running"
        );
        assert_eq!(
            text(d.reset(&TEST_UUID, 0).await),
            "Requested operation is not valid: domain is not running"
        );
    })
    .await;
}

#[tokio::test]
async fn reset_changes_nothing() {
    within(async {
        let (d, mut rx) = driver();
        d.reset(&TEST_UUID, 0).await.unwrap();
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 0));
        assert!(drain(&mut rx).is_empty());
        assert_eq!(
            text(d.reset(&TEST_UUID, 1).await),
            "unsupported flags (0x1) in function testDomainReset"
        );
    })
    .await;
}

#[tokio::test]
async fn transient_domain_disappears_when_stopped() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.create_xml(&xml("tr", FOO), 0).await.unwrap();
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Domain(u)));
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STARTED, lc::started::BOOTED)
        );
        let s = d.summary(&u).await.unwrap();
        assert!(!s.persistent);
        assert_eq!(s.id, 2);
        assert_eq!((s.state.state, s.state.reason), (DomainState::Running, 1));
        d.destroy(&u, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STOPPED, lc::stopped::DESTROYED)
        );
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Domain(u)));
        assert_eq!(text(d.state(&u, 0).await), "Domain not found");
        assert_eq!(text(d.lookup_by_name("tr").await), "Domain not found");
        assert_eq!(text(d.lookup_by_id(2).await), "Domain not found");

        let v = d.create_xml(&xml("tr2", FOO), 0).await.unwrap();
        drain(&mut rx);
        d.shutdown(&v, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(v, lc::STOPPED, lc::stopped::SHUTDOWN)
        );
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Domain(v)));
    })
    .await;
}

#[tokio::test]
async fn undefine_inactive_removes_the_domain() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.define_xml(&xml("foo", FOO), 0).await.unwrap();
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Domain(u)));
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::DEFINED, lc::defined::ADDED)
        );
        assert_eq!(state(&d, &u).await, (DomainState::Shutoff, 0));
        assert_eq!(
            text(d.undefine(&u, 4).await),
            "unsupported flags (0x4) in function testDomainUndefineFlags"
        );
        d.undefine(&u, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::UNDEFINED, lc::undefined::REMOVED)
        );
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Domain(u)));
        assert_eq!(text(d.undefine(&u, 0).await), "Domain not found");
    })
    .await;
}

#[tokio::test]
async fn undefine_running_domain_makes_it_transient() {
    within(async {
        let (d, mut rx) = driver();
        d.undefine(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::UNDEFINED, lc::undefined::REMOVED)
        );
        assert!(drain(&mut rx).is_empty(), "the domain stays");
        let s = d.summary(&TEST_UUID).await.unwrap();
        assert!(!s.persistent);
        assert_eq!(s.state.state, DomainState::Running);
        assert_eq!(
            text(d.managed_save(&TEST_UUID, 0).await),
            "Requested operation is not valid: cannot do managed save for transient domain"
        );
        d.destroy(&TEST_UUID, 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::DESTROYED)
        );
        assert_eq!(
            next(&mut rx).await,
            Event::Removed(ObjectId::Domain(TEST_UUID))
        );
        assert!(d.list_domains(0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn managed_save_and_its_image() {
    within(async {
    let (d, mut rx) = driver();
    d.managed_save(&TEST_UUID, 0).await.unwrap();
    assert_eq!(next(&mut rx).await, lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::SAVED));
    assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 5));
    assert!(d.has_managed_save_image(&TEST_UUID, 0).await.unwrap());
    assert!(d.summary(&TEST_UUID).await.unwrap().has_managed_save);
    assert_eq!(d.list_domains(256).await.unwrap(), vec![TEST_UUID]);
    assert!(d.list_domains(512).await.unwrap().is_empty());
    assert_eq!(
        text(d.undefine(&TEST_UUID, 0).await),
        "Requested operation is not valid: Refusing to undefine while domain managed save image exists"
    );
    assert_eq!(
        text(d.has_managed_save_image(&TEST_UUID, 1).await),
        "unsupported flags (0x1) in function testDomainHasManagedSaveImage"
    );
    // Starting consumes the image; libvirt 9.0's test driver reports a plain boot.
    d.create(&TEST_UUID, 0).await.unwrap();
    assert_eq!(next(&mut rx).await, lifecycle(TEST_UUID, lc::STARTED, lc::started::BOOTED));
    assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 1));
    assert!(!d.has_managed_save_image(&TEST_UUID, 0).await.unwrap());

    d.managed_save(&TEST_UUID, 0).await.unwrap();
    d.managed_save_remove(&TEST_UUID, 0).await.unwrap();
    assert!(!d.has_managed_save_image(&TEST_UUID, 0).await.unwrap());
    d.create(&TEST_UUID, 0).await.unwrap();
    d.managed_save(&TEST_UUID, 0).await.unwrap();
    drain(&mut rx);
    d.undefine(&TEST_UUID, 1).await.unwrap();
    assert_eq!(next(&mut rx).await, lifecycle(TEST_UUID, lc::UNDEFINED, lc::undefined::REMOVED));
    assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Domain(TEST_UUID)));
    assert_eq!(
        text(d.managed_save(&TEST_UUID, 8).await),
        "unsupported flags (0x8) in function testDomainManagedSave"
    );
    })
    .await;
}

#[tokio::test]
async fn save_and_restore_stay_in_memory() {
    within(async {
        let (d, mut rx) = driver();
        let path = "/nonexistent-virtbus-dir/test.save";
        assert_eq!(
            text(d.save(&TEST_UUID, path, "<domain/>", 0).await),
            "argument unsupported: xml modification unsupported"
        );
        assert_eq!(
            text(d.save(&TEST_UUID, path, "", 1).await),
            "unsupported flags (0x1) in function testDomainSaveFlags"
        );
        d.save(&TEST_UUID, path, "", 0).await.unwrap();
        assert!(
            !std::path::Path::new(path).exists(),
            "nothing is written to disk"
        );
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::SAVED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 5));
        assert!(!d.has_managed_save_image(&TEST_UUID, 0).await.unwrap());

        let image = d.save_image_xml_desc(path, 0).await.unwrap();
        assert!(image.contains("<name>test</name>"), "{image}");
        assert!(!image.contains(" id="), "{image}");

        d.restore(path, "", 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STARTED, lc::started::RESTORED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 3));
        assert!(d.summary(&TEST_UUID).await.unwrap().persistent);
        assert_eq!(
            text(d.restore(path, "", 0).await),
            "Requested operation is not valid: domain 'test' is already active"
        );
        assert_eq!(
            text(d.restore("/nonexistent.save", "", 0).await),
            "cannot read domain image '/nonexistent.save': No such file or directory"
        );
        assert_eq!(
            text(d.save_image_xml_desc("/nonexistent.save", 0).await),
            "cannot read domain image '/nonexistent.save': No such file or directory"
        );
        assert_eq!(
            text(d.restore(path, "x", 0).await),
            "argument unsupported: xml modification unsupported"
        );
        assert_eq!(
            text(d.save_image_xml_desc(path, 2).await),
            "unsupported flags (0x2) in function testDomainSaveImageGetXMLDesc"
        );
    })
    .await;
}

#[tokio::test]
async fn transient_save_removes_and_restore_re_adds() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.create_xml(&xml("tr", FOO), 0).await.unwrap();
        drain(&mut rx);
        d.save(&u, "/tr.save", "", 0).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STOPPED, lc::stopped::SAVED)
        );
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Domain(u)));
        d.restore("/tr.save", "", 0).await.unwrap();
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Domain(u)));
        assert_eq!(
            next(&mut rx).await,
            lifecycle(u, lc::STARTED, lc::started::RESTORED)
        );
        assert!(!d.summary(&u).await.unwrap().persistent);
    })
    .await;
}

#[tokio::test]
async fn save_image_definition_can_be_replaced() {
    within(async {
        let (d, _rx) = driver();
        d.save(&TEST_UUID, "/t.save", "", 0).await.unwrap();
        let other = xml("other", FOO);
        assert_eq!(
            text(d.save_image_define_xml("/t.save", &other, 1).await),
            "unsupported flags (0x1) in function testDomainSaveImageDefineXML"
        );
        assert_eq!(
            text(d.save_image_define_xml("/none.save", &other, 0).await),
            "cannot read domain image '/none.save': No such file or directory"
        );
        d.save_image_define_xml("/t.save", &other, 2).await.unwrap();
        assert!(d
            .save_image_xml_desc("/t.save", 1)
            .await
            .unwrap()
            .contains("<name>other</name>"));
        d.restore("/t.save", "", 0).await.unwrap();
        let u = d.lookup_by_name("other").await.unwrap();
        assert_eq!(u, uuid(FOO));
        assert_eq!(state(&d, &u).await, (DomainState::Running, 3));
    })
    .await;
}

#[tokio::test]
async fn core_dump_with_crash_stops_the_domain() {
    within(async {
        let (d, mut rx) = driver();
        assert_eq!(
            text(d.core_dump(&TEST_UUID, "/x.dump", 0, 3).await),
            "Flags 'VIR_DUMP_CRASH' and 'VIR_DUMP_LIVE' are mutually exclusive"
        );
        assert_eq!(
            text(d.core_dump(&TEST_UUID, "/x.dump", 9, 0).await),
            "dumpformat '9' is not supported"
        );
        assert_eq!(
            text(d.core_dump(&TEST_UUID, "/x.dump", 0, 4).await),
            "unsupported flags (0x4) in function testDomainCoreDumpWithFormat"
        );
        assert_eq!(
            text(d.core_dump(&TEST_UUID, "/x.dump", 1, 0).await),
            "Operation not supported: kdump-compressed format is not supported here"
        );
        d.core_dump(&TEST_UUID, "/x.dump", 0, 0).await.unwrap();
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Running, 0));
        assert!(drain(&mut rx).is_empty());
        d.core_dump(&TEST_UUID, "/x.dump", 0, 1).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            lifecycle(TEST_UUID, lc::STOPPED, lc::stopped::CRASHED)
        );
        assert_eq!(state(&d, &TEST_UUID).await, (DomainState::Shutoff, 3));
        assert_eq!(
            text(d.core_dump(&TEST_UUID, "/x.dump", 0, 0).await),
            "Requested operation is not valid: domain is not running"
        );
    })
    .await;
}

#[tokio::test]
async fn autostart_is_a_property_change() {
    within(async {
        let (d, mut rx) = driver();
        d.set_autostart(&TEST_UUID, true).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            Event::PropertiesMayHaveChanged(ObjectId::Domain(TEST_UUID))
        );
        assert!(d.summary(&TEST_UUID).await.unwrap().autostart);
        assert_eq!(d.list_domains(1024).await.unwrap(), vec![TEST_UUID]);
        assert!(d.list_domains(2048).await.unwrap().is_empty());
        d.set_autostart(&TEST_UUID, true).await.unwrap();
        assert!(drain(&mut rx).is_empty(), "no change, no event");
    })
    .await;
}
