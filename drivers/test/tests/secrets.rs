//! Secrets: every `virSecret*` call, its errors and its events, with the semantics of
//! libvirt's secret driver. The test driver seeds none.

mod common;

use common::*;
use virtbus_core::{
    driver::SecretDriver,
    event::{secret_lifecycle as sl, Event, ObjectId},
    flags::secret_list as sf,
    Uuid,
};

const DISK: &str = "c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01";
const CEPH: &str = "457eb676-33da-42ec-9a8c-9293d545c337";

fn volume_xml(uuid: &str, path: &str, private: &str) -> String {
    format!(
        "<secret ephemeral='no' private='{private}'><uuid>{uuid}</uuid>\
         <usage type='volume'><volume>{path}</volume></usage></secret>"
    )
}

fn ceph_xml(uuid: &str, ephemeral: &str) -> String {
    format!(
        "<secret ephemeral='{ephemeral}' private='no'><uuid>{uuid}</uuid>\
         <description>rbd</description>\
         <usage type='ceph'><name>client.admin secret</name></usage></secret>"
    )
}

fn secret_event(uuid: Uuid, event: i32) -> Event {
    Event::Secret {
        uuid,
        event,
        detail: 0,
    }
}

#[tokio::test]
async fn none_at_start() {
    within(async {
        let (d, _rx) = driver();
        assert!(d.list_secrets(0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn define_lookup_undefine_with_events() {
    within(async {
        let (d, mut rx) = driver();
        let u = d
            .secret_define_xml(&volume_xml(DISK, "/var/lib/libvirt/images/a.luks", "no"), 0)
            .await
            .unwrap();
        assert_eq!(u, uuid(DISK));
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Secret(u)));
        assert_eq!(next(&mut rx).await, secret_event(u, sl::DEFINED));
        let s = d.secret_summary(&u).await.unwrap();
        assert_eq!((s.usage_type, s.usage_id.as_str()), (1, "/var/lib/libvirt/images/a.luks"));
        assert_eq!(d.secret_lookup_by_uuid(&u).await.unwrap(), u);
        assert_eq!(
            d.secret_lookup_by_usage(1, "/var/lib/libvirt/images/a.luks")
                .await
                .unwrap(),
            u
        );
        assert_eq!(
            text(d.secret_lookup_by_usage(2, "/var/lib/libvirt/images/a.luks").await),
            "Secret not found: no secret with matching usage '/var/lib/libvirt/images/a.luks'"
        );
        assert_eq!(
            d.secret_xml_desc(&u, 0).await.unwrap(),
            format!(
                "<secret ephemeral='no' private='no'>\n  <uuid>{DISK}</uuid>\n  <usage type='volume'>\n    <volume>/var/lib/libvirt/images/a.luks</volume>\n  </usage>\n</secret>\n"
            )
        );
        // Redefining keeps the object: DEFINED again, no Added.
        d.secret_define_xml(&volume_xml(DISK, "/var/lib/libvirt/images/a.luks", "yes"), 0)
            .await
            .unwrap();
        assert_eq!(next(&mut rx).await, Event::PropertiesMayHaveChanged(ObjectId::Secret(u)));
        assert_eq!(next(&mut rx).await, secret_event(u, sl::DEFINED));
        d.secret_undefine(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, secret_event(u, sl::UNDEFINED));
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Secret(u)));
        let gone = format!("Secret not found: no secret with matching uuid '{DISK}'");
        assert_eq!(text(d.secret_lookup_by_uuid(&u).await), gone);
        assert_eq!(text(d.secret_undefine(&u).await), gone);
        assert_eq!(text(d.secret_xml_desc(&u, 0).await), gone);
        assert_eq!(text(d.secret_value(&u, 0).await), gone);
        assert_eq!(text(d.secret_set_value(&u, b"x", 0).await), gone);
        assert_eq!(text(d.secret_summary(&u).await), gone);
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn values_are_kept_and_private_ones_not_revealed() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.secret_define_xml(&ceph_xml(CEPH, "no"), 0).await.unwrap();
        assert_eq!(
            text(d.secret_value(&u, 0).await),
            format!("Secret not found: secret '{CEPH}' does not have a value")
        );
        d.secret_set_value(&u, b"AQBx\x00key", 0).await.unwrap();
        assert_eq!(d.secret_value(&u, 0).await.unwrap(), b"AQBx\x00key");
        d.secret_set_value(&u, b"", 0).await.unwrap();
        assert_eq!(d.secret_value(&u, 0).await.unwrap(), b"");
        // A value at the bound is taken; one byte more is refused, naming sizes only.
        let big = vec![0x5a; 65536];
        d.secret_set_value(&u, &big, 0).await.unwrap();
        assert_eq!(d.secret_value(&u, 0).await.unwrap(), big);
        let e = text(d.secret_set_value(&u, &vec![0x5a; 65537], 0).await);
        assert_eq!(
            e,
            "invalid argument: secret value of 65537 bytes exceeds the limit of 65536 bytes"
        );
        assert_eq!(
            text(d.secret_set_value(&u, b"x", 1).await),
            "unsupported flags (0x1) in function secretSetValue"
        );
        assert_eq!(
            text(d.secret_value(&u, 2).await),
            "unsupported flags (0x2) in function secretGetValue"
        );
        let p = d
            .secret_define_xml(&volume_xml(DISK, "/p.img", "yes"), 0)
            .await
            .unwrap();
        d.secret_set_value(&p, b"hunter2", 0).await.unwrap();
        let e = text(d.secret_value(&p, 0).await);
        assert_eq!(e, "Invalid secret: secret is private");
        // A private secret cannot be made public by redefining it.
        assert_eq!(
            text(
                d.secret_define_xml(&volume_xml(DISK, "/p.img", "no"), 0)
                    .await
            ),
            "internal error: cannot change private flag on existing secret"
        );
        // No value ever shows in an error or the XML.
        assert!(!d.secret_xml_desc(&p, 0).await.unwrap().contains("hunter2"));
        drain(&mut rx);
    })
    .await;
}

#[tokio::test]
async fn usages_are_unique() {
    within(async {
        let (d, _rx) = driver();
        d.secret_define_xml(&ceph_xml(CEPH, "no"), 0).await.unwrap();
        assert_eq!(
            text(d.secret_define_xml(&ceph_xml(DISK, "no"), 0).await),
            format!("internal error: a secret with UUID {CEPH} already defined for use with client.admin secret")
        );
        assert_eq!(
            text(d.secret_define_xml(&volume_xml(CEPH, "/other.img", "no"), 0).await),
            format!("internal error: a secret with UUID {CEPH} is already defined for use with client.admin secret")
        );
        // Secrets without usage never collide.
        d.secret_define_xml("<secret/>", 0).await.unwrap();
        d.secret_define_xml("<secret/>", 0).await.unwrap();
        assert_eq!(d.list_secrets(0).await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn list_filters_and_flags() {
    within(async {
        let (d, _rx) = driver();
        let c = d
            .secret_define_xml(&ceph_xml(CEPH, "yes"), 0)
            .await
            .unwrap();
        let v = d
            .secret_define_xml(&volume_xml(DISK, "/v.img", "yes"), 0)
            .await
            .unwrap();
        assert_eq!(d.list_secrets(0).await.unwrap(), {
            let mut all = vec![c, v];
            all.sort();
            all
        });
        assert_eq!(d.list_secrets(sf::EPHEMERAL).await.unwrap(), vec![c]);
        assert_eq!(d.list_secrets(sf::NO_EPHEMERAL).await.unwrap(), vec![v]);
        assert_eq!(d.list_secrets(sf::PRIVATE).await.unwrap(), vec![v]);
        assert_eq!(d.list_secrets(sf::NO_PRIVATE).await.unwrap(), vec![c]);
        assert!(d
            .list_secrets(sf::PRIVATE | sf::EPHEMERAL)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            text(d.list_secrets(16).await),
            "unsupported flags (0x10) in function secretConnectListAllSecrets"
        );
        assert_eq!(
            text(d.secret_define_xml("<secret/>", 2).await),
            "unsupported flags (0x2) in function secretDefineXML"
        );
        assert!(text(d.secret_define_xml("<secret><x/></secret>", 1).await).contains("secret.rng"));
        assert_eq!(
            text(d.secret_xml_desc(&c, 1).await),
            "unsupported flags (0x1) in function secretGetXMLDesc"
        );
    })
    .await;
}
