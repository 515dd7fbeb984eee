//! Error texts and codes of domain XML parsing, as libvirt reports them (checked against
//! libvirt 9.0 through libvirt-dbus), plus our own bounds.

use virtbus_core::{
    model::BootDev,
    xml::{
        format_domain, parse_domain, parse_domain_with, FormatOptions, ParseOptions,
        MAX_DOCUMENT_BYTES,
    },
    Error,
};

/// A minimal domain with `extra` inside `<domain>` and `devices` inside `<devices>`.
fn doc(extra: &str, devices: &str) -> String {
    format!(
        "<domain type='test'><name>x</name><memory>1024</memory>\
         <os><type>hvm</type></os>{extra}<devices>{devices}</devices></domain>"
    )
}

fn err(xml: &str) -> Error {
    match parse_domain(xml) {
        Ok(def) => panic!("accepted: {def:?}"),
        Err(e) => e,
    }
}

fn err_text(xml: &str) -> String {
    err(xml).to_string()
}

#[test]
fn memory_units() {
    let parse = |m: &str| {
        parse_domain(&format!(
            "<domain type='test'><name>x</name>{m}<os><type>hvm</type></os></domain>"
        ))
    };
    let kib = |m: &str| parse(m).unwrap().memory_kib;
    assert_eq!(kib("<memory>1024</memory>"), 1024);
    assert_eq!(kib("<memory unit='b'>1</memory>"), 1);
    assert_eq!(kib("<memory unit='bytes'>4096</memory>"), 4);
    assert_eq!(kib("<memory unit='KB'>1000</memory>"), 977);
    assert_eq!(kib("<memory unit='k'>5</memory>"), 5);
    assert_eq!(kib("<memory unit='KiB'>5</memory>"), 5);
    assert_eq!(kib("<memory unit='MB'>1</memory>"), 977);
    assert_eq!(kib("<memory unit='M'>1</memory>"), 1024);
    assert_eq!(kib("<memory unit='MiB'>1</memory>"), 1024);
    assert_eq!(kib("<memory unit='GB'>1</memory>"), 976_563);
    assert_eq!(kib("<memory unit='G'>1</memory>"), 1 << 20);
    assert_eq!(kib("<memory unit='GiB'>1</memory>"), 1 << 20);
    assert_eq!(kib("<memory unit='TB'>1</memory>"), 976_562_500);
    assert_eq!(kib("<memory unit='T'>1</memory>"), 1 << 30);
    assert_eq!(kib("<memory unit='TiB'>1</memory>"), 1 << 30);
    assert_eq!(kib("<memory unit='P'>1</memory>"), 1 << 40);
    assert_eq!(kib("<memory unit='PiB'>1</memory>"), 1 << 40);
    assert_eq!(kib("<memory unit='E'>1</memory>"), 1 << 50);
    assert_eq!(kib("<memory unit='EiB'>1</memory>"), 1 << 50);

    let e = parse("<memory unit='xyz'>1</memory>").unwrap_err();
    assert_eq!(e, Error::InvalidArg("unknown suffix 'xyz'".into()));
    assert_eq!(e.to_string(), "invalid argument: unknown suffix 'xyz'");
    assert_eq!(e.code(), 8);
    for bad in ["0.5", "-1", "abc", "18446744073709551616", "1 2"] {
        let e = parse(&format!("<memory>{bad}</memory>")).unwrap_err();
        assert_eq!(
            e,
            Error::Xml(format!(
                "Invalid value '{bad}' for element or attribute './memory[1]'"
            ))
        );
        assert_eq!(e.code(), 27);
    }
    // Bytes beyond the 64-bit signed range overflow.
    let e = parse("<memory unit='EiB'>8</memory>").unwrap_err();
    assert_eq!(
        e.to_string(),
        "XML error: Invalid value '8' for element or attribute './memory[1]'"
    );
    let e = parse("<memory>1024</memory><currentMemory>0.5</currentMemory>").unwrap_err();
    assert_eq!(
        e.to_string(),
        "XML error: Invalid value '0.5' for element or attribute './currentMemory[1]'"
    );
}

#[test]
fn memory_rules() {
    let missing = "Memory size must be specified via <memory> or in the <numa> configuration";
    assert_eq!(
        err("<domain type='test'><name>x</name><os><type>hvm</type></os></domain>"),
        Error::Xml(missing.into())
    );
    assert_eq!(
        err("<domain type='test'><name>x</name><memory>0</memory><os><type>hvm</type></os></domain>"),
        Error::Xml(missing.into())
    );
    let def = parse_domain(&doc("", "")).unwrap();
    assert_eq!(
        def.current_memory_kib, 1024,
        "currentMemory defaults to memory"
    );
    let def = parse_domain(
        "<domain type='test'><name>x</name><memory>1024</memory>\
         <currentMemory unit='MiB'>4</currentMemory><os><type>hvm</type></os></domain>",
    )
    .unwrap();
    assert_eq!(
        def.current_memory_kib, 1024,
        "currentMemory is clamped to memory"
    );
    let def = parse_domain(
        "<domain type='test'><name>x</name><memory unit='GiB'>2</memory>\
         <currentMemory unit='MiB'>512</currentMemory><os><type>hvm</type></os></domain>",
    )
    .unwrap();
    assert_eq!(
        (def.memory_kib, def.current_memory_kib),
        (2 << 20, 512 << 10)
    );
    assert_eq!(
        err_text(&doc("<maxMemory>4096</maxMemory>", "")),
        "XML error: both maximum memory size and memory slot count must be specified"
    );
    let def = parse_domain(&doc("<maxMemory slots='16' unit='GiB'>8</maxMemory>", "")).unwrap();
    assert_eq!(def.max_memory, Some((8 << 20, 16)));
}

#[test]
fn uuid_rules() {
    let a = parse_domain(&doc("", "")).unwrap();
    let b = parse_domain(&doc("", "")).unwrap();
    assert_ne!(a.uuid, b.uuid, "a missing uuid is generated");
    assert_eq!(a.uuid.get_version_num(), 4);
    let e = err("<domain type='test'><name>x</name><uuid>zz</uuid><memory>1</memory><os><type>hvm</type></os></domain>");
    assert_eq!(e, Error::Internal("malformed uuid element".into()));
    assert_eq!(e.to_string(), "internal error: malformed uuid element");
    let def = parse_domain(
        "<domain type='test'><name>x</name><uuid>6695eb01f6a4830479aa97f2502e193f</uuid>\
         <memory>1</memory><os><type>hvm</type></os></domain>",
    )
    .unwrap();
    assert_eq!(def.uuid.to_string(), "6695eb01-f6a4-8304-79aa-97f2502e193f");
}

#[test]
fn name_rules() {
    let named = |n: &str| {
        format!(
            "<domain type='test'><name>{n}</name><memory>1</memory><os><type>hvm</type></os></domain>"
        )
    };
    let e = err("<domain type='test'><memory>1</memory><os><type>hvm</type></os></domain>");
    assert_eq!(e, Error::NoName);
    assert_eq!(e.to_string(), "missing name information");
    assert_eq!(e.code(), 21);
    assert_eq!(err(&named("")), Error::NoName);
    assert_eq!(
        err_text(&named("a/b")),
        "XML error: name a/b cannot contain '/'"
    );
    assert_eq!(err_text(&named(".")), "XML error: name '.' is not allowed");
    assert_eq!(
        err_text(&named("..")),
        "XML error: name '..' is not allowed"
    );
    assert_eq!(err_text(&named("a&#10;b")), "invalid char in name: \n");
    assert_eq!(err_text(&named("a\tb")), "invalid char in name: \t");
    assert_eq!(
        err_text(&named(&"n".repeat(1025))),
        "XML error: name is longer than 1024 bytes"
    );
    assert_eq!(
        parse_domain(&named(&"n".repeat(1024))).unwrap().name.len(),
        1024
    );
    assert_eq!(&*parse_domain(&named("a.b ..c")).unwrap().name, "a.b ..c");
}

#[test]
fn os_and_type_rules() {
    let e = err("<domain type='test'><name>x</name><memory>1</memory></domain>");
    assert_eq!(e, Error::Xml("an os <type> must be specified".into()));
    let e = err(
        "<domain type='test'><name>x</name><memory>1</memory><os><boot dev='hd'/></os></domain>",
    );
    assert_eq!(e.to_string(), "XML error: an os <type> must be specified");
    let e =
        err("<domain type='test'><name>x</name><memory>1</memory><os><type>x</type></os></domain>");
    assert_eq!(e, Error::ConfigUnsupported("unknown OS type 'x'".into()));
    assert_eq!(e.code(), 67);
    let e = err(
        "<domain type='bogus'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>",
    );
    assert_eq!(
        e.to_string(),
        "unsupported configuration: invalid domain type bogus"
    );
    assert_eq!(e.code(), 67);
    let e = err("<domain><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>");
    assert_eq!(
        e.to_string(),
        "internal error: missing domain type attribute"
    );
    for t in [
        "test",
        "qemu",
        "kvm",
        "xen",
        "lxc",
        "uml",
        "vbox",
        "vmware",
        "hyperv",
        "bhyve",
        "vz",
        "openvz",
        "kqemu",
        "phyp",
        "parallels",
        "hvf",
    ] {
        let xml = format!(
            "<domain type='{t}'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>"
        );
        assert_eq!(parse_domain(&xml).unwrap().domain_type, t);
    }
    assert_eq!(
        err_text(&doc("", "").replace("<type>hvm</type>", "<type>hvm</type><boot dev='xx'/>")),
        "XML error: Invalid value for attribute 'dev' in element 'boot': 'xx'."
    );
}

#[test]
fn wrong_root_and_syntax() {
    let e = err("<notdomain/>");
    assert_eq!(
        e,
        Error::Xml("expecting root element of 'domain', not 'notdomain'".into())
    );
    assert_eq!(
        e.to_string(),
        "XML error: expecting root element of 'domain', not 'notdomain'"
    );
    for empty in [
        "",
        "   \n",
        "<?xml version='1.0'?>",
        "<!-- only a comment -->",
    ] {
        let e = err(empty);
        assert_eq!(
            e,
            Error::XmlDetail("(domain_definition):1: Document is empty".into()),
            "{empty:?}"
        );
        assert_eq!(e.code(), 35);
    }
    let e =
        err("<domain type='test'>\n  <name>x</name>\n  <os><type a=>hvm</type></os>\n</domain>");
    assert_eq!(
        e.to_string(),
        "(domain_definition):3:15: Specification mandates value for attribute\n  \
         <os><type a=>hvm</type></os>\n--------------^"
    );
    let e = err("<domain type=\"test\">\n  <name>x</name>\n  <os><type>hvm</type>\n</domain>\n");
    assert_eq!(
        e.to_string(),
        "(domain_definition):4:10: Opening and ending tag mismatch: os line 3 and domain\n\
         </domain>\n---------^"
    );
    let e = err("<domain type='test'><name>x&foo;</name></domain>");
    assert!(
        e.to_string()
            .starts_with("(domain_definition):1:28: Entity 'foo' not defined\n"),
        "{e}"
    );
    let e = err("<domain type='test'/><x/>");
    assert!(
        e.to_string()
            .starts_with("(domain_definition):1:22: Extra content at the end of the document"),
        "{e}"
    );
    let e = err("abc");
    assert!(
        e.to_string()
            .starts_with("(domain_definition):1:1: Start tag expected, '<' not found"),
        "{e}"
    );
    let e = err("<domain type='test'><name>x</name>");
    assert!(
        e.to_string()
            .starts_with("(domain_definition):1:35: Premature end of data in tag domain line 1"),
        "{e}"
    );
    assert!(matches!(
        err("<domain type='test' type='x'/>"),
        Error::XmlDetail(_)
    ));
    assert!(matches!(
        err("<!DOCTYPE d [<!ENTITY a 'b'>]><domain/>"),
        Error::XmlDetail(_)
    ));
}

#[test]
fn defaults_on_parse() {
    let def = parse_domain(&doc("", "")).unwrap();
    assert_eq!(def.clock.offset, "utc");
    assert_eq!(def.on_poweroff.as_str(), "destroy");
    assert_eq!(def.on_reboot.as_str(), "restart");
    assert_eq!(def.on_crash.as_str(), "destroy");
    assert_eq!(def.os.boot.iter().collect::<Vec<_>>(), [BootDev::Hd]);
    assert_eq!((def.vcpu.max, def.vcpu.current), (1, 1));
    // No default boot device beside per-device boot order.
    let def = parse_domain(&doc(
        "",
        "<disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>",
    ))
    .unwrap();
    assert!(def.os.boot.is_empty());
    assert_eq!(def.devices.disks[0].boot_order, Some(1));
}

#[test]
fn vcpu_rules() {
    let def = parse_domain(&doc("<vcpu placement='static' current='2'>4</vcpu>", "")).unwrap();
    assert_eq!((def.vcpu.max, def.vcpu.current), (4, 2));
    let text = format_domain(&def, &FormatOptions::default());
    assert!(
        text.contains("<vcpu placement='static' current='2'>4</vcpu>"),
        "{text}"
    );
    assert_eq!(
        err_text(&doc("<vcpu>x</vcpu>", "")),
        "XML error: maximum vcpus count must be an integer"
    );
    assert_eq!(
        err_text(&doc("<vcpu current='x'>2</vcpu>", "")),
        "XML error: Invalid value for attribute 'current' in element 'vcpu': 'x'. \
         Expected non-negative integer value"
    );
    assert_eq!(
        err_text(&doc("<vcpu current='3'>2</vcpu>", "")),
        "unsupported configuration: maximum vCPU count must not be less than current vCPU count"
    );
    assert!(matches!(err(&doc("<vcpu>0</vcpu>", "")), Error::Xml(_)));
    assert_eq!(
        parse_domain(&doc("<vcpu>4096</vcpu>", ""))
            .unwrap()
            .vcpu
            .max,
        4096
    );
    assert_eq!(
        err_text(&doc("<vcpu>4097</vcpu>", "")),
        "XML error: vcpu count 4097 exceeds the supported maximum of 4096"
    );
}

#[test]
fn element_rules() {
    assert_eq!(
        err_text(&doc("<on_poweroff>foo</on_poweroff>", "")),
        "unsupported configuration: unknown on_poweroff action: foo"
    );
    assert_eq!(
        err_text(&doc("<clock offset='bogus'/>", "")),
        "unsupported configuration: unknown clock offset 'bogus'"
    );
    assert_eq!(
        err_text(&doc("<title>a\nb</title>", "")),
        "XML error: Domain title can't contain newlines"
    );
    assert_eq!(
        err_text(&doc("", "").replace(
            "<type>hvm</type>",
            "<type>hvm</type><boot dev='hd'/>"
        ).replace(
            "<devices>",
            "<devices><disk type='file'><source file='/a'/><target dev='vda'/><boot order='1'/></disk>"
        )),
        "unsupported configuration: per-device boot elements cannot be used together with os/boot elements"
    );
}

#[test]
fn device_rules() {
    let e = err(&doc("", "<disk type='file'><source file='/a'/></disk>"));
    assert_eq!(e.to_string(), "missing target information for device /a");
    assert_eq!(e.code(), 20);
    assert_eq!(
        err_text(&doc("", "<disk type='bogus'><target dev='vda'/></disk>")),
        "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'."
    );
    assert_eq!(
        err_text(&doc(
            "",
            "<interface type='network'><mac address='zz'/><source network='default'/></interface>"
        )),
        "XML error: unable to parse mac address 'zz'"
    );
    assert_eq!(
        err_text(&doc("", "<controller type='bogus' index='0'/>")),
        "XML error: Invalid value for attribute 'type' in element 'controller': 'bogus'."
    );
    assert_eq!(
        err_text(&doc("", "<graphics type='bogus'/>")),
        "XML error: Invalid value for attribute 'type' in element 'graphics': 'bogus'."
    );
    assert_eq!(
        err_text(&doc("", "<input type='bogus'/>")),
        "unsupported configuration: unknown input device type 'bogus'"
    );
    assert_eq!(
        err_text(&doc("", "<memballoon model='bogus'/>")),
        "XML error: Invalid value for attribute 'model' in element 'memballoon': 'bogus'."
    );
    assert_eq!(
        err_text(&doc("", "<watchdog model='bogus'/>")),
        "unsupported configuration: unknown watchdog model 'bogus'"
    );
    assert_eq!(
        err_text(&doc(
            "",
            "<disk type='file'><source file='/a'/><target dev='vda'/></disk>\
             <disk type='file'><source file='/b'/><target dev='vda'/></disk>"
        )),
        "XML error: target 'vda' duplicated for disk sources '/a' and '/b'"
    );
    assert_eq!(
        err_text(&doc(
            "",
            "<controller type='usb' index='0'/><controller type='usb' index='0'/>"
        )),
        "XML error: Multiple 'usb' controllers with index '0'"
    );
    assert!(matches!(
        err(&doc(
            "",
            "<memballoon model='virtio'/><memballoon model='none'/>"
        )),
        Error::Xml(_)
    ));
    let mac = parse_domain(&doc(
        "",
        "<interface type='network'><mac address='AA:BB:CC:0:1:2'/></interface>",
    ))
    .unwrap();
    assert_eq!(
        mac.devices.interfaces[0].mac.as_deref(),
        Some("aa:bb:cc:00:01:02")
    );
    let generated = parse_domain(&doc("", "<interface type='user'/>")).unwrap();
    let m = generated.devices.interfaces[0].mac.clone().unwrap();
    assert!(m.starts_with("52:54:00:") && m.len() == 17, "{m}");
}

#[test]
fn bounds() {
    let big = format!("{}{}", doc("", ""), " ".repeat(MAX_DOCUMENT_BYTES));
    let e = err(&big);
    assert!(
        matches!(e, Error::Xml(ref m) if m.contains("exceeds the limit")),
        "{e}"
    );

    let disks: String = (0..1025)
        .map(|i| {
            format!(
                "<disk type='file'><source file='/d{i}'/><target dev='vd{}'/></disk>",
                disk_name(i)
            )
        })
        .collect();
    let e = err(&doc("", &disks));
    assert_eq!(
        e.to_string(),
        "XML error: too many <disk> devices: at most 1024 are supported"
    );
    let inputs = "<input type='mouse' bus='ps2'/>".repeat(1025);
    assert_eq!(
        err_text(&doc("", &inputs)),
        "XML error: too many <input> devices: at most 1024 are supported"
    );
    let deep = format!("{}{}", "<a>".repeat(200), "</a>".repeat(200));
    let e = err(&doc(
        &format!("<metadata><m:x xmlns:m='urn:m'>{deep}</m:x></metadata>"),
        "",
    ));
    assert!(
        matches!(e, Error::Xml(ref m) if m.contains("nesting deeper than")),
        "{e}"
    );
}

/// `a`, `b`, ..., `z`, `aa`, ... as in disk target names.
fn disk_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

#[test]
fn validation_rejects_what_is_not_understood() {
    let validate = ParseOptions {
        validate: true,
        ..Default::default()
    };
    let unknown_element = doc("<bogus/>", "");
    assert!(
        parse_domain(&unknown_element).is_ok(),
        "dropped without validation"
    );
    let e = parse_domain_with(&unknown_element, &validate).unwrap_err();
    assert_eq!(e.code(), 92);
    assert_eq!(
        e.to_string(),
        "XML document failed to validate against schema: Unable to validate doc against the \
         domain schema\nElement domain has extra content: bogus (line 1)"
    );
    let unknown_attr = doc("", "").replace("<domain type='test'>", "<domain type='test' foo='1'>");
    assert!(parse_domain(&unknown_attr).is_ok());
    let e = parse_domain_with(&unknown_attr, &validate).unwrap_err();
    assert!(matches!(e, Error::XmlInvalidSchema(_)));
    assert!(
        e.to_string()
            .ends_with("Invalid attribute foo for element domain (line 1)"),
        "{e}"
    );
    let nested = doc(
        "",
        "<disk type='file'>\n<source file='/a' bar='1'/><target dev='vda'/></disk>",
    );
    let e = parse_domain_with(&nested, &validate).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Invalid attribute bar for element source (line 2)"),
        "{e}"
    );
    let unknown_device = doc("", "<hostdev mode='subsystem'/>");
    assert!(parse_domain(&unknown_device)
        .unwrap()
        .devices
        .disks
        .is_empty());
    let e = parse_domain_with(&unknown_device, &validate).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Element devices has extra content: hostdev (line 1)"),
        "{e}"
    );
    // Namespace declarations and metadata content are always fine.
    let ok = doc(
        "<metadata><a:b xmlns:a='urn:a' c='d'><a:e/></a:b></metadata>",
        "",
    )
    .replace(
        "<domain type='test'>",
        "<domain type='test' xmlns:q='urn:q'>",
    );
    assert!(parse_domain_with(&ok, &validate).is_ok());
}

#[test]
fn escaping_and_secure_output() {
    let def = parse_domain(&doc(
        "<title>it's &lt;1&gt; \"x\"</title><description>a &amp; b</description>",
        "<graphics type='vnc' passwd='s&apos;cret'/>",
    ))
    .unwrap();
    assert_eq!(def.title.as_deref(), Some("it's <1> \"x\""));
    assert_eq!(def.devices.graphics[0].passwd.as_deref(), Some("s'cret"));
    let plain = format_domain(&def, &FormatOptions::default());
    assert!(
        plain.contains("<title>it&apos;s &lt;1&gt; &quot;x&quot;</title>"),
        "{plain}"
    );
    assert!(
        plain.contains("<description>a &amp; b</description>"),
        "{plain}"
    );
    assert!(!plain.contains("passwd"), "{plain}");
    let secure = format_domain(
        &def,
        &FormatOptions {
            secure: true,
            ..Default::default()
        },
    );
    assert!(
        secure.contains("<graphics type='vnc' port='-1' autoport='yes' passwd='s&apos;cret'>"),
        "{secure}"
    );
    assert_eq!(parse_domain(&secure).unwrap(), def);
    // No id on an inactive format, even when one is given.
    let text = format_domain(
        &def,
        &FormatOptions {
            id: Some(4),
            inactive: true,
            ..Default::default()
        },
    );
    assert!(text.starts_with("<domain type='test'>\n"));
}
