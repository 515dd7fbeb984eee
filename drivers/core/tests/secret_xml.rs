//! `<secret>` documents: round trips of what virsh users, OpenStack and Ceph guides write, in
//! libvirt's canonical output, and libvirt's error texts for bad documents.

use virtbus_core::{
    model::SecretUsageType,
    xml::{format_secret, parse_secret, parse_secret_with},
};

/// Parses `xml` and checks that formatting gives `expected`, and that `expected` is a
/// fixed point.
fn round_trip(xml: &str, expected: &str) {
    let def = parse_secret(xml).unwrap_or_else(|e| panic!("{e}"));
    let out = format_secret(&def);
    assert_eq!(out, expected);
    let again = parse_secret(&out).unwrap();
    assert_eq!(again, def);
    assert_eq!(format_secret(&again), expected);
}

fn err(xml: &str) -> String {
    parse_secret(xml).unwrap_err().to_string()
}

#[test]
fn volume_secret_for_an_encrypted_disk() {
    round_trip(
        "<secret ephemeral='no' private='yes'>
   <description>LUKS passphrase for the guest disk</description>
   <uuid>c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01</uuid>
   <usage type='volume'>
      <volume>/var/lib/libvirt/images/guest.luks</volume>
   </usage>
</secret>",
        "<secret ephemeral='no' private='yes'>
  <uuid>c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01</uuid>
  <description>LUKS passphrase for the guest disk</description>
  <usage type='volume'>
    <volume>/var/lib/libvirt/images/guest.luks</volume>
  </usage>
</secret>
",
    );
    let def = parse_secret(
        "<secret><uuid>c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01</uuid>\
         <usage type='volume'><volume>/x.img</volume></usage></secret>",
    )
    .unwrap();
    assert_eq!(def.usage_type, SecretUsageType::Volume);
    assert_eq!(def.usage_type.code(), 1);
    assert_eq!(def.usage_id.as_deref(), Some("/x.img"));
}

#[test]
fn ceph_secret_as_the_rbd_guides_write_it() {
    round_trip(
        "<secret ephemeral='no' private='no'>
  <uuid>457eb676-33da-42ec-9a8c-9293d545c337</uuid>
  <usage type='ceph'>
    <name>client.cinder secret</name>
  </usage>
</secret>",
        "<secret ephemeral='no' private='no'>
  <uuid>457eb676-33da-42ec-9a8c-9293d545c337</uuid>
  <usage type='ceph'>
    <name>client.cinder secret</name>
  </usage>
</secret>
",
    );
}

#[test]
fn iscsi_tls_vtpm_and_no_usage() {
    round_trip(
        "<secret ephemeral='yes'><uuid>0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f</uuid>\
         <usage type='iscsi'><target>libvirtiscsi</target></usage></secret>",
        "<secret ephemeral='yes' private='no'>
  <uuid>0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f</uuid>
  <usage type='iscsi'>
    <target>libvirtiscsi</target>
  </usage>
</secret>
",
    );
    for (ty, code) in [("tls", 4), ("vtpm", 5)] {
        let def = parse_secret(&format!(
            "<secret><usage type='{ty}'><name>n-{ty}</name></usage></secret>"
        ))
        .unwrap();
        assert_eq!(def.usage_type.code(), code);
        assert_eq!(def.usage_id.as_deref(), Some(&*format!("n-{ty}")));
    }
    // No <uuid>: one is generated. No usage: none printed.
    let def = parse_secret("<secret><description>a &amp; b</description></secret>").unwrap();
    assert_eq!(def.usage_type, SecretUsageType::None);
    assert_eq!(
        format_secret(&def),
        format!(
            "<secret ephemeral='no' private='no'>\n  <uuid>{}</uuid>\n  <description>a &amp; b</description>\n</secret>\n",
            def.uuid
        )
    );
}

#[test]
fn bad_documents_fail_with_libvirts_texts() {
    assert_eq!(
        err("<secret ephemeral='maybe'/>"),
        "XML error: invalid value of 'ephemeral'"
    );
    assert_eq!(
        err("<secret private='1'/>"),
        "XML error: invalid value of 'private'"
    );
    assert_eq!(
        err("<secret><uuid>nope</uuid></secret>"),
        "internal error: malformed uuid element"
    );
    assert_eq!(
        err("<secret><usage/></secret>"),
        "XML error: unknown secret usage type"
    );
    assert_eq!(
        err("<secret><usage type='disk'/></secret>"),
        "unsupported configuration: unknown secret usage type disk"
    );
    assert_eq!(
        err("<secret><usage type='volume'/></secret>"),
        "internal error: volume usage specified, but volume path is missing"
    );
    assert_eq!(
        err("<secret><usage type='ceph'><volume>/x</volume></usage></secret>"),
        "internal error: Ceph usage specified, but name is missing"
    );
    assert_eq!(
        err("<secret><usage type='iscsi'><name>x</name></usage></secret>"),
        "internal error: iSCSI usage specified, but target is missing"
    );
    assert_eq!(
        err("<secret><usage type='tls'/></secret>"),
        "internal error: TLS usage specified, but name is missing"
    );
    assert_eq!(
        err("<secret><usage type='vtpm'/></secret>"),
        "internal error: vTPM usage specified, but name is missing"
    );
    assert!(
        err("<network/>").contains("expecting root element"),
        "{}",
        err("<network/>")
    );
    assert!(
        err("<secret>").starts_with("(definition_of_secret)"),
        "{}",
        err("<secret>")
    );
}

#[test]
fn validation_refuses_what_the_schema_does_not_know() {
    let e = parse_secret_with(
        "<secret><uuid>457eb676-33da-42ec-9a8c-9293d545c337</uuid><color/></secret>",
        true,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/secret.rng\nElement secret has extra content: color"), "{e}");
    assert!(parse_secret_with(
        "<secret><uuid>457eb676-33da-42ec-9a8c-9293d545c337</uuid><color/></secret>",
        false
    )
    .is_ok());
}
