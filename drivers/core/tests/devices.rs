//! Single-device documents (AttachDevice, DetachDevice, UpdateDevice) and metadata elements
//! (SetMetadata, GetMetadata).

use virtbus_core::{
    model::{DeviceDef, MetadataElement},
    xml::{
        format_device, format_domain, insert_disk, metadata_for_get, metadata_from_set,
        parse_device, parse_device_with, parse_domain, FormatOptions, ParseOptions,
    },
    Error,
};

#[test]
fn parses_each_device_kind() {
    let cases = [
        ("<disk type='file' device='cdrom'><source file='/i.iso'/><target dev='sdb' bus='sata'/><readonly/></disk>", "disk"),
        ("<controller type='scsi' index='1' model='virtio-scsi'/>", "controller"),
        ("<interface type='bridge'><source bridge='br0'/><model type='virtio'/></interface>", "interface"),
        ("<serial type='pty'><target port='1'/></serial>", "serial"),
        ("<console type='pty'><target type='virtio'/></console>", "console"),
        ("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>", "channel"),
        ("<graphics type='vnc' autoport='yes'/>", "graphics"),
        ("<video><model type='virtio' heads='1'/></video>", "video"),
        ("<input type='tablet' bus='usb'/>", "input"),
        ("<sound model='ich9'/>", "sound"),
        ("<audio id='1' type='none'/>", "audio"),
        ("<watchdog model='i6300esb' action='poweroff'/>", "watchdog"),
        ("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>", "rng"),
        ("<panic model='isa'><address type='isa' iobase='0x505'/></panic>", "panic"),
        ("<memballoon model='virtio'><stats period='10'/></memballoon>", "memballoon"),
        ("<redirdev bus='usb' type='spicevmc'/>", "redirdev"),
    ];
    for (xml, kind) in cases {
        let dev = parse_device(xml).unwrap_or_else(|e| panic!("{xml}: {e}"));
        assert_eq!(dev.element_name(), kind);
        let text = format_device(&dev, false);
        assert!(text.starts_with(&format!("<{kind}")), "{text}");
        assert_eq!(parse_device(&text).unwrap(), dev, "{text}");
    }
}

#[test]
fn device_defaults_and_errors() {
    let DeviceDef::Disk(d) =
        parse_device("<disk type='file'><source file='/a'/><target dev='hdc'/></disk>").unwrap()
    else {
        panic!("not a disk");
    };
    assert_eq!(d.target_bus.as_deref(), Some("ide"));
    assert_eq!(
        format_device(&DeviceDef::Disk(d), false),
        "<disk type='file' device='disk'>\n  <source file='/a'/>\n  <target dev='hdc' bus='ide'/>\n  \
         <address type='drive' controller='0' bus='1' target='0' unit='0'/>\n</disk>\n"
    );
    let DeviceDef::Interface(i) =
        parse_device("<interface type='network'><source network='default'/></interface>").unwrap()
    else {
        panic!("not an interface");
    };
    assert!(i.mac.is_some_and(|m| m.starts_with("52:54:00:")));
    assert_eq!(
        parse_device("<bogus/>").unwrap_err(),
        Error::Xml("unknown device type 'bogus'".into())
    );
    let e = parse_device("<disk type='file'>").unwrap_err();
    assert!(e.to_string().starts_with("(device_definition):1:"), "{e}");
    let strict = ParseOptions {
        validate: true,
        ..Default::default()
    };
    let e = parse_device_with("<input type='tablet' bus='usb' foo='x'/>", &strict).unwrap_err();
    assert_eq!(e.code(), 92);
    // User aliases survive; others are runtime data.
    let DeviceDef::Input(i) =
        parse_device("<input type='tablet' bus='usb'><alias name='ua-tab'/></input>").unwrap()
    else {
        panic!("not an input");
    };
    assert_eq!(i.alias.as_deref(), Some("ua-tab"));
    let DeviceDef::Input(i) =
        parse_device("<input type='tablet' bus='usb'><alias name='input0'/></input>").unwrap()
    else {
        panic!("not an input");
    };
    assert_eq!(i.alias, None);
}

#[test]
fn attached_disks_go_where_libvirt_puts_them() {
    let mut def = parse_domain(
        "<domain type='test'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices>\
         <disk type='file'><source file='/a'/><target dev='vda'/></disk>\
         <disk type='file'><source file='/c'/><target dev='vdc'/></disk>\
         <disk type='file'><source file='/s'/><target dev='sda' bus='sata'/></disk>\
         </devices></domain>",
    )
    .unwrap();
    let DeviceDef::Disk(b) =
        parse_device("<disk type='file'><source file='/b'/><target dev='vdb'/></disk>").unwrap()
    else {
        panic!("not a disk");
    };
    insert_disk(&mut def.devices.disks, b);
    let order: Vec<_> = def
        .devices
        .disks
        .iter()
        .map(|d| d.target_dev.as_str())
        .collect();
    assert_eq!(order, ["vda", "vdb", "vdc", "sda"]);
}

#[test]
fn metadata_round_trip() {
    let xml = "<domain type='test' xmlns:a='urn:a'><name>m</name><memory>1024</memory>\
        <os><type>hvm</type></os><metadata>\n    <a:x  q='1'>\n       <a:y>hello\n world</a:y>\n\
        <a:z/>\n    </a:x>\n    <b:w xmlns:b='urn:b'>  <b:v/> text <b:u/></b:w>\n    <plain/>\n\
        <b:second xmlns:b='urn:b'/>\n</metadata></domain>";
    let def = parse_domain(xml).unwrap();
    // Elements without a namespace and later elements of a namespace already seen are dropped.
    assert_eq!(
        def.metadata,
        vec![
            MetadataElement {
                nsuri: "urn:a".into(),
                xml:
                    "<a:x xmlns:a=\"urn:a\" q=\"1\">\n  <a:y>hello\n world</a:y>\n  <a:z/>\n</a:x>"
                        .into(),
            },
            MetadataElement {
                nsuri: "urn:b".into(),
                xml: "<b:w xmlns:b=\"urn:b\"><b:v/> text <b:u/></b:w>".into(),
            },
        ]
    );
    let text = format_domain(&def, &FormatOptions::default());
    assert!(
        text.contains(
            "  <metadata>\n    <a:x xmlns:a=\"urn:a\" q=\"1\">\n      <a:y>hello\n world</a:y>\n      \
             <a:z/>\n    </a:x>\n    <b:w xmlns:b=\"urn:b\"><b:v/> text <b:u/></b:w>\n  </metadata>\n"
        ),
        "{text}"
    );
    assert_eq!(parse_domain(&text).unwrap(), def);
    // GetMetadata's form, as libvirt returns it.
    assert_eq!(
        metadata_for_get(&def.metadata[0]).unwrap(),
        "<x q=\"1\">\n  <y>hello\n world</y>\n  <z/>\n</x>"
    );
    assert_eq!(
        metadata_for_get(&def.metadata[1]).unwrap(),
        "<w><v/> text <u/></w>"
    );
    // SetMetadata's element, formatted inside the domain as libvirt does.
    let m = metadata_from_set(
        "<foo a=\"1\" xmlns:z=\"http://z/\"><bar>t&amp;x</bar><z:q/></foo>",
        "app1",
        "http://app1.org/",
    )
    .unwrap();
    let mut def = def;
    def.metadata = vec![m];
    let text = format_domain(&def, &FormatOptions::default());
    assert!(
        text.contains(
            "  <metadata>\n    <app1:foo xmlns:z=\"http://z/\" xmlns:app1=\"http://app1.org/\" a=\"1\">\n      \
             <app1:bar>t&amp;x</app1:bar>\n      <z:q/>\n    </app1:foo>\n  </metadata>\n"
        ),
        "{text}"
    );
    assert_eq!(parse_domain(&text).unwrap(), def);
}
