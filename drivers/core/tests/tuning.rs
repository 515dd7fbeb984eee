//! Tuning elements of domain XML: `<memtune>`, `<blkiotune>`, `<iothreads>`/`<iothreadids>`,
//! `<cputune>`, `<numatune>`, `<perf>`, a disk's `<iotune>` and an interface's `<bandwidth>`.
//!
//! `tests/data/tuning/all.in.xml` was defined in libvirt 9.0's test driver (virsh, test:///
//! default) and `all.libvirt.xml` is what `dumpxml --inactive` printed; every error text
//! below is the one libvirt 9.0 gave for the same document.

use virtbus_core::{
    model::{BootDev, NumaMode, Placement, MEMORY_UNLIMITED},
    xml::{format_domain, parse_domain, parse_domain_with, FormatOptions, ParseOptions},
    Error,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/tuning/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A minimal domain with two vCPUs and `extra` inside `<domain>`.
fn doc(extra: &str) -> String {
    format!(
        "<domain type='test'><name>x</name><memory>1048576</memory><vcpu>2</vcpu>\
         <os><type arch='i686'>hvm</type></os>{extra}</domain>"
    )
}

/// A minimal domain whose `<vcpu>` element is `vcpu`.
fn doc_vcpu(vcpu: &str, extra: &str) -> String {
    format!(
        "<domain type='test'><name>x</name><memory>1048576</memory>{vcpu}\
         <os><type arch='i686'>hvm</type></os>{extra}</domain>"
    )
}

fn inactive() -> FormatOptions {
    FormatOptions {
        inactive: true,
        ..Default::default()
    }
}

/// The formatted definition of `xml`, inactive form.
fn formatted(xml: &str) -> String {
    let def = parse_domain(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    format_domain(&def, &inactive())
}

/// The text between the first `<open` and the matching `</open>` (or `/>`), inclusive.
fn element(text: &str, open: &str) -> String {
    let start = text
        .find(&format!("<{open}"))
        .unwrap_or_else(|| panic!("no <{open}> in\n{text}"));
    let rest = &text[start..];
    let close = format!("</{open}>");
    let end = match rest.find(&close) {
        Some(at) => at + close.len(),
        None => rest.find("/>").map(|at| at + 2).unwrap_or(rest.len()),
    };
    rest[..end].to_owned()
}

fn err_text(xml: &str) -> String {
    match parse_domain(xml) {
        Ok(def) => panic!("accepted: {def:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_tuning_element_formats_as_libvirt() {
    let def = parse_domain(&fixture("all.in.xml")).unwrap();
    assert_eq!(format_domain(&def, &inactive()), fixture("all.libvirt.xml"));

    let m = def.memtune.as_deref().unwrap();
    assert_eq!(
        (
            m.hard_limit,
            m.soft_limit,
            m.min_guarantee,
            m.swap_hard_limit
        ),
        (1_048_576, MEMORY_UNLIMITED, 10_240, 3_000_000)
    );
    let ids: Vec<(u32, bool)> = def.iothreadids.iter().map(|t| (t.id, t.autofill)).collect();
    assert_eq!(ids, [(4, false), (1, true), (2, true)]);
    assert_eq!(
        def.iothread(1).and_then(|t| t.cpuset.clone()),
        Some(vec![false, false, true, true])
    );
    let c = def.cputune.as_deref().unwrap();
    assert_eq!(c.vcpu_pin(0), Some(&[false, false, false, true][..]));
    assert_eq!(c.shares, Some(2048));
    let n = def.numatune.as_deref().unwrap();
    assert_eq!(
        (n.mode, n.placement, n.nodeset.clone()),
        (
            NumaMode::Interleave,
            Placement::Static,
            Some(vec![true, true])
        )
    );
    let perf = def.perf.as_deref().unwrap();
    assert_eq!((perf.events[0], perf.events[3]), (Some(true), Some(false)));
    assert_eq!(def.devices.disks[0].iotune.as_deref().unwrap().values[1], 5);
    let bw = def.devices.interfaces[0].bandwidth.as_deref().unwrap();
    assert_eq!(bw.inbound.map(|r| r.floor), Some(5));
    let empty = def.devices.interfaces[1].bandwidth.as_deref().unwrap();
    assert_eq!((empty.inbound, empty.outbound), (None, None));
}

/// Every tuning element and attribute is understood: validation finds nothing left over.
#[test]
fn tuning_passes_validation() {
    let opts = ParseOptions {
        validate: true,
        ..Default::default()
    };
    for name in ["all.in.xml", "all.libvirt.xml"] {
        if let Err(e) = parse_domain_with(&fixture(name), &opts) {
            panic!("{name}: {e}");
        }
    }
}

/// libvirt's own output reads back as the same definition and prints the same text. (Its
/// input does not: defining it fills in ids, drops empty parts, and so on.)
#[test]
fn tuning_round_trips() {
    let def = parse_domain(&fixture("all.libvirt.xml")).unwrap();
    for opts in [FormatOptions::default(), inactive()] {
        let text = format_domain(&def, &opts);
        let again = parse_domain(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(again, def, "{text}");
        assert_eq!(format_domain(&again, &opts), text);
    }
}

#[test]
fn memtune() {
    let text = formatted(&doc(
        "<memtune><hard_limit>0</hard_limit><min_guarantee>0</min_guarantee>\
         <soft_limit unit='b'>1025</soft_limit></memtune>",
    ));
    assert_eq!(
        element(&text, "memtune"),
        "<memtune>\n    <hard_limit unit='KiB'>0</hard_limit>\n    \
         <soft_limit unit='KiB'>2</soft_limit>\n  </memtune>"
    );
    // Unlimited or empty limits are not kept; no limit set leaves no element.
    for unset in [
        "<memtune/>",
        "<memtune><hard_limit/></memtune>",
        "<memtune><hard_limit>9007199254740991</hard_limit></memtune>",
    ] {
        let def = parse_domain(&doc(unset)).unwrap();
        assert!(
            !format_domain(&def, &inactive()).contains("memtune"),
            "{unset}"
        );
    }
    // libvirt does not compare the limits of a definition.
    assert!(parse_domain(&doc(
        "<memtune><hard_limit>2000</hard_limit><swap_hard_limit>1000</swap_hard_limit></memtune>"
    ))
    .is_ok());
}

#[test]
fn memtune_errors() {
    for (extra, text) in [
        (
            "<memtune><soft_limit>unlimited</soft_limit></memtune>",
            "XML error: Invalid value 'unlimited' for element or attribute './memtune/soft_limit[1]'",
        ),
        (
            "<memtune><hard_limit>abc</hard_limit></memtune>",
            "XML error: Invalid value 'abc' for element or attribute './memtune/hard_limit[1]'",
        ),
        (
            "<memtune><hard_limit unit='bogus'>5</hard_limit></memtune>",
            "invalid argument: unknown suffix 'bogus'",
        ),
        (
            "<memtune><min_guarantee>9007199254740995</min_guarantee></memtune>",
            "numerical overflow: value too large: 9007199254740995",
        ),
        (
            "<memtune><hard_limit unit='KiB'>9007199254740992</hard_limit></memtune>",
            "numerical overflow: value too large: 9007199254740992KiB",
        ),
        (
            "<memtune><hard_limit unit='G'>9007199254740</hard_limit></memtune>",
            "numerical overflow: value too large: 9007199254740G",
        ),
    ] {
        assert_eq!(err_text(&doc(extra)), text, "{extra}");
    }
    let e = parse_domain(&doc(
        "<memtune><min_guarantee>9007199254740995</min_guarantee></memtune>",
    ))
    .unwrap_err();
    assert_eq!(e.code(), 82);
    assert!(matches!(e, Error::Overflow(_)));
}

#[test]
fn blkiotune() {
    // A weight libvirt cannot read is ignored, and so is a device with nothing set.
    let def = parse_domain(&doc(
        "<blkiotune><weight>abc</weight><device><path>/a</path></device></blkiotune>",
    ))
    .unwrap();
    assert!(!format_domain(&def, &inactive()).contains("blkiotune"));
    let text = formatted(&doc(
        "<blkiotune><device><path>/a</path><read_iops_sec>4294967295</read_iops_sec>\
         <read_bytes_sec>99999999999</read_bytes_sec></device></blkiotune>",
    ));
    assert_eq!(
        element(&text, "blkiotune"),
        "<blkiotune>\n    <device>\n      <path>/a</path>\n      \
         <read_iops_sec>4294967295</read_iops_sec>\n      \
         <read_bytes_sec>99999999999</read_bytes_sec>\n    </device>\n  </blkiotune>"
    );
    for (extra, text) in [
        (
            "<blkiotune><device><weight>5</weight></device></blkiotune>",
            "unsupported configuration: missing per-device path",
        ),
        (
            "<blkiotune><device><path>/a</path><weight>x</weight></device></blkiotune>",
            "unsupported configuration: could not parse weight x",
        ),
        (
            "<blkiotune><device><path>/a</path><weight>4294967296</weight></device></blkiotune>",
            "unsupported configuration: could not parse weight 4294967296",
        ),
        (
            "<blkiotune><device><path>/a</path><read_iops_sec>x</read_iops_sec></device></blkiotune>",
            "unsupported configuration: could not parse read iops sec x",
        ),
        (
            "<blkiotune><device><path>/a</path><write_bytes_sec>x</write_bytes_sec></device></blkiotune>",
            "unsupported configuration: could not parse write bytes sec x",
        ),
        (
            "<blkiotune><device><path>/a</path><weight>1</weight></device>\
             <device><path>/a</path><weight>2</weight></device></blkiotune>",
            "unsupported configuration: duplicate blkio device path '/a'",
        ),
    ] {
        assert_eq!(err_text(&doc(extra)), text, "{extra}");
    }
}

#[test]
fn iothreads_fill_lowest_free_ids_and_print_ids_only_when_written() {
    let text = formatted(&doc("<iothreads>2</iothreads>"));
    assert!(text.contains("<iothreads>2</iothreads>\n  <os>"), "{text}");
    let def = parse_domain(&doc("<iothreads>2</iothreads>")).unwrap();
    let ids: Vec<u32> = def.iothreadids.iter().map(|t| t.id).collect();
    assert_eq!(ids, [1, 2]);

    // More ids than the count: the count follows the ids.
    let text = formatted(&doc(
        "<iothreads>2</iothreads><iothreadids><iothread id='5'/><iothread id='6'/>\
         <iothread id='7'/></iothreadids>",
    ));
    assert!(
        text.contains(
            "<iothreads>3</iothreads>\n  <iothreadids>\n    <iothread id='5'/>\n    \
             <iothread id='6'/>\n    <iothread id='7'/>\n  </iothreadids>"
        ),
        "{text}"
    );
    for (extra, text) in [
        (
            "<iothreads>x</iothreads>",
            "XML error: invalid iothreads count 'x'",
        ),
        (
            "<iothreads>1</iothreads><iothreadids><iothread id='0'/></iothreadids>",
            "XML error: Invalid value for attribute 'id' in element 'iothread': Zero is not permitted",
        ),
        (
            "<iothreadids><iothread/></iothreadids>",
            "XML error: Missing required attribute 'id' in element 'iothread'",
        ),
        (
            "<iothreadids><iothread id='2'/><iothread id='2'/></iothreadids>",
            "XML error: duplicate iothread id '2' found",
        ),
        (
            "<iothreads>4097</iothreads>",
            "XML error: iothreads count exceeds the supported maximum of 4096",
        ),
    ] {
        assert_eq!(err_text(&doc(extra)), text, "{extra}");
    }
}

#[test]
fn cputune() {
    let text = formatted(&doc(
        "<iothreads>3</iothreads><cputune><iothreadpin iothread='2' cpuset='1'/>\
         <vcpupin vcpu='1' cpuset='0'/><vcpupin vcpu='0' cpuset='1'/>\
         <vcpupin vcpu='5' cpuset='1'/><quota>-5</quota><period>0</period></cputune>",
    ));
    assert_eq!(
        element(&text, "cputune"),
        "<cputune>\n    <quota>-5</quota>\n    <vcpupin vcpu='0' cpuset='1'/>\n    \
         <vcpupin vcpu='1' cpuset='0'/>\n    <iothreadpin iothread='2' cpuset='1'/>\n  \
         </cputune>"
    );
    // Shares of 0 are kept; unset periods and quotas and an empty element leave nothing.
    let text = formatted(&doc("<cputune><shares>0</shares></cputune>"));
    assert_eq!(
        element(&text, "cputune"),
        "<cputune>\n    <shares>0</shares>\n  </cputune>"
    );
    for nothing in [
        "<cputune/>",
        "<cputune><period>0</period><quota>0</quota><shares></shares></cputune>",
    ] {
        assert!(!formatted(&doc(nothing)).contains("cputune"), "{nothing}");
    }
}

#[test]
fn cputune_errors() {
    for (extra, text) in [
        (
            "<cputune><period>10</period></cputune>",
            "unsupported configuration: Value of cputune 'period' must be in range [1000, 1000000]",
        ),
        (
            "<cputune><quota>5</quota></cputune>",
            "unsupported configuration: Value of cputune 'quota' must be in range [1000, 17592186044415]",
        ),
        (
            "<cputune><global_period>5</global_period><quota>1</quota></cputune>",
            "unsupported configuration: Value of cputune 'global_period' must be in range [1000, 1000000]",
        ),
        (
            "<cputune><shares>abc</shares></cputune>",
            "XML error: can't parse cputune shares value",
        ),
        (
            "<cputune><period>  </period></cputune>",
            "XML error: can't parse cputune period value",
        ),
        (
            "<cputune><global_quota>x</global_quota></cputune>",
            "XML error: can't parse cputune global quota value",
        ),
        (
            "<cputune><vcpupin vcpu='0' cpuset='abc'/></cputune>",
            "invalid argument: Failed to parse bitmap 'abc'",
        ),
        (
            "<cputune><vcpupin vcpu='0' cpuset='^1'/></cputune>",
            "unsupported configuration: Invalid value of 'cpuset': ^1",
        ),
        (
            "<cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='0' cpuset='2'/></cputune>",
            "internal error: duplicate vcpupin for vcpu '0'",
        ),
        (
            "<cputune><vcpupin vcpu='0'/></cputune>",
            "internal error: missing cpuset for vcpupin",
        ),
        (
            "<cputune><vcpupin cpuset='1'/></cputune>",
            "XML error: Missing required attribute 'vcpu' in element 'vcpupin'",
        ),
        (
            "<cputune><emulatorpin cpuset='1'/><emulatorpin cpuset='2'/></cputune>",
            "XML error: only one emulatorpin is supported",
        ),
        (
            "<cputune><emulatorpin/></cputune>",
            "internal error: missing cpuset for emulatorpin",
        ),
        (
            "<cputune><iothreadpin iothread='3' cpuset='1'/></cputune>",
            "unsupported configuration: Cannot find 'iothread' : 3",
        ),
        (
            "<iothreads>1</iothreads><cputune><iothreadpin iothread='0' cpuset='1'/></cputune>",
            "XML error: Invalid value for attribute 'iothread' in element 'iothreadpin': Zero is not permitted",
        ),
        (
            "<iothreads>1</iothreads><cputune><iothreadpin cpuset='1'/></cputune>",
            "XML error: Missing required attribute 'iothread' in element 'iothreadpin'",
        ),
        (
            "<iothreads>1</iothreads><cputune><iothreadpin iothread='1'/></cputune>",
            "internal error: missing cpuset for iothreadpin",
        ),
        (
            "<iothreads>1</iothreads><cputune><iothreadpin iothread='1' cpuset='1'/>\
             <iothreadpin iothread='1' cpuset='0'/></cputune>",
            "internal error: duplicate iothreadpin for same iothread '1'",
        ),
    ] {
        assert_eq!(err_text(&doc(extra)), text, "{extra}");
    }
}

#[test]
fn numatune_placement() {
    let numa = |xml: &str| element(&formatted(xml), "numatune");
    let vcpu = |xml: &str| element(&formatted(xml), "vcpu");
    // A node set means static placement, printed without the attribute.
    let xml = doc("<numatune><memory mode='preferred' nodeset='0-1'/></numatune>");
    assert_eq!(
        numa(&xml),
        "<numatune>\n    <memory mode='preferred' nodeset='0-1'/>\n  </numatune>"
    );
    // Automatic vCPU placement makes memory placement automatic when no node set is given...
    let xml = doc_vcpu(
        "<vcpu placement='auto'>2</vcpu>",
        "<numatune><memory mode='strict'/></numatune>",
    );
    assert_eq!(
        numa(&xml),
        "<numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>"
    );
    // ... and automatic memory placement drops the node set and, with nothing pinned,
    // makes vCPU placement automatic.
    let xml = doc("<numatune><memory mode='strict' placement='auto' nodeset='0'/></numatune>");
    assert_eq!(
        numa(&xml),
        "<numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>"
    );
    assert_eq!(vcpu(&xml), "<vcpu placement='auto'>2</vcpu>");
    let pinned = doc("<cputune><emulatorpin cpuset='1'/></cputune>\
         <numatune><memory placement='auto'/></numatune>");
    assert_eq!(vcpu(&pinned), "<vcpu placement='static'>2</vcpu>");
    let def = parse_domain(&doc("<numatune/>")).unwrap();
    assert!(def.numatune.is_none());
}

#[test]
fn numatune_errors() {
    for (extra, text) in [
        (
            "<numatune><memory mode='strict'/></numatune>",
            "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
        ),
        (
            "<numatune><memory placement='static'/></numatune>",
            "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
        ),
        (
            "<numatune><memory mode='bogus' nodeset='0'/></numatune>",
            "unsupported configuration: Unsupported NUMA memory tuning mode 'bogus'",
        ),
        (
            "<numatune><memory placement='bogus' nodeset='1'/></numatune>",
            "unsupported configuration: Unsupported NUMA memory placement mode 'bogus'",
        ),
        (
            "<numatune><memory nodeset='x'/></numatune>",
            "invalid argument: Failed to parse bitmap 'x'",
        ),
        (
            "<numatune><memory mode='strict' nodeset='^0'/></numatune>",
            "unsupported configuration: Invalid value of 'nodeset': ^0",
        ),
        (
            "<numatune><memory nodeset='1'/><memnode cellid='0' mode='strict' nodeset='0'/></numatune>",
            "XML error: Element 'memnode' is invalid without any guest NUMA cells",
        ),
    ] {
        assert_eq!(err_text(&doc(extra)), text, "{extra}");
    }
}

#[test]
fn perf() {
    let text = formatted(&doc(
        "<perf><event name='emulation_faults' enabled='no'/><event name='mbmt' enabled='yes'/></perf>",
    ));
    assert_eq!(
        element(&text, "perf"),
        "<perf>\n    <event name='mbmt' enabled='yes'/>\n    \
         <event name='emulation_faults' enabled='no'/>\n  </perf>"
    );
    // <perf> comes after <pm> and before <devices>.
    assert!(text.contains("</on_crash>\n  <perf>"), "{text}");
    assert!(!formatted(&doc("<perf/>")).contains("perf"));
    for (extra, text) in [
        (
            "<perf><event name='foo' enabled='yes'/></perf>",
            "XML error: Invalid value for attribute 'name' in element 'event': 'foo'.",
        ),
        (
            "<perf><event name='cmt'/></perf>",
            "XML error: Missing required attribute 'enabled' in element 'event'",
        ),
        (
            "<perf><event name='cmt' enabled='maybe'/></perf>",
            "XML error: Invalid value for attribute 'enabled' in element 'event': 'maybe'.",
        ),
        (
            "<perf><event name='cmt' enabled='no'/><event name='cmt' enabled='yes'/></perf>",
            "XML error: perf event 'cmt' was already specified",
        ),
    ] {
        assert_eq!(err_text(&doc(extra)), text, "{extra}");
    }
}

#[test]
fn disk_iotune() {
    let disk = |iotune: &str| {
        doc(&format!(
            "<devices><disk type='file'><source file='/a'/><target dev='vda'/>\
             <iotune>{iotune}</iotune></disk></devices>"
        ))
    };
    // libvirt keeps a value above its maximum, and a maximum length without a maximum.
    let text = formatted(&disk(
        "<total_bytes_sec>5</total_bytes_sec><total_bytes_sec_max>3</total_bytes_sec_max>\
         <total_bytes_sec_max_length>5</total_bytes_sec_max_length>",
    ));
    assert_eq!(
        element(&text, "iotune"),
        "<iotune>\n        <total_bytes_sec>5</total_bytes_sec>\n        \
         <total_bytes_sec_max>3</total_bytes_sec_max>\n        \
         <total_bytes_sec_max_length>5</total_bytes_sec_max_length>\n      </iotune>"
    );
    assert!(!formatted(&disk("<total_bytes_sec>0</total_bytes_sec>")).contains("iotune"));
    for (iotune, text) in [
        (
            "<total_bytes_sec>5</total_bytes_sec><read_bytes_sec>3</read_bytes_sec>",
            "XML error: total and read/write bytes_sec cannot be set at the same time",
        ),
        (
            "<total_iops_sec_max>5</total_iops_sec_max><write_iops_sec_max>3</write_iops_sec_max>",
            "XML error: total and read/write iops_sec_max cannot be set at the same time",
        ),
        (
            "<total_bytes_sec>x</total_bytes_sec>",
            "XML error: disk iotune field 'total_bytes_sec' must be an integer",
        ),
        (
            "<total_bytes_sec>-5</total_bytes_sec>",
            "XML error: disk iotune field 'total_bytes_sec' must be an integer",
        ),
    ] {
        assert_eq!(err_text(&disk(iotune)), text, "{iotune}");
    }
}

#[test]
fn interface_bandwidth() {
    let iface = |bandwidth: &str| {
        doc(&format!(
            "<devices><interface type='network'><source network='default'/>{bandwidth}\
             </interface></devices>"
        ))
    };
    // A direction whose average (and floor) is 0 limits nothing and is dropped.
    let text = formatted(&iface(
        "<bandwidth><inbound average='0' floor='5'/><outbound average='0' peak='4'/></bandwidth>",
    ));
    assert_eq!(
        element(&text, "bandwidth"),
        "<bandwidth>\n        <inbound floor='5'/>\n      </bandwidth>"
    );
    // Without any direction element there is no bandwidth at all.
    let def = parse_domain(&iface("<bandwidth/>")).unwrap();
    assert!(def.devices.interfaces[0].bandwidth.is_none());
    // <bandwidth> comes after <source>.
    assert!(text.contains("<source network='default'/>\n      <bandwidth>"));
    for (bandwidth, text) in [
        (
            "<bandwidth><outbound average='1' floor='3'/></bandwidth>",
            "unsupported configuration: 'floor' attribute allowed only in <inbound> element",
        ),
        (
            "<bandwidth><inbound peak='1'/></bandwidth>",
            "Missing mandatory average or floor attributes",
        ),
        (
            "<bandwidth><inbound average='x'/></bandwidth>",
            "unsupported configuration: could not convert bandwidth average value 'x'",
        ),
        (
            "<bandwidth><inbound average='5' burst='x'/></bandwidth>",
            "unsupported configuration: could not convert bandwidth burst value 'x'",
        ),
        (
            "<bandwidth><inbound average='5'/><inbound average='6'/></bandwidth>",
            "Only one child <inbound> element allowed",
        ),
    ] {
        assert_eq!(err_text(&iface(bandwidth)), text, "{bandwidth}");
    }
}

#[test]
fn boot_order_is_kept_inline_up_to_four_devices() {
    let def = parse_domain(
        "<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type>\
         <boot dev='network'/><boot dev='cdrom'/><boot dev='hd'/><boot dev='fd'/>\
         <boot dev='hd'/></os></domain>",
    )
    .unwrap();
    let order: Vec<BootDev> = def.os.boot.iter().collect();
    assert_eq!(
        order,
        [BootDev::Network, BootDev::Cdrom, BootDev::Hd, BootDev::Fd]
    );
    assert_eq!(def.os.boot.len(), 4);
}

#[test]
fn a_minimal_definition_allocates_no_empty_parts() {
    let def = parse_domain(
        "<domain type='test'><name>bench-1</name><memory>1024</memory>\
         <os><type>hvm</type></os></domain>",
    )
    .unwrap();
    assert!(def.devices.is_empty());
    assert!(def.clock.is_empty());
    assert!(def.os.loader.is_empty() && def.os.direct.is_empty());
    assert!(matches!(
        def.domain_type,
        std::borrow::Cow::Borrowed("test")
    ));
    assert!(matches!(def.os.os_type, std::borrow::Cow::Borrowed("hvm")));
    assert!(def.memtune.is_none() && def.cputune.is_none() && def.perf.is_none());
}
