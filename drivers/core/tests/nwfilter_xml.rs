//! `<filter>` documents: round trips of filters as libvirt's examples and users write them
//! (rules on mac, arp, ip, ipv6, tcp, udp, icmp; references with parameters), in libvirt's
//! canonical output, and libvirt's error texts for bad documents.

use virtbus_core::{
    model::{NWFilterEntry, RuleAction, RuleDirection},
    xml::{format_nwfilter, parse_nwfilter, parse_nwfilter_with},
};

fn round_trip(xml: &str, expected: &str) {
    let def = parse_nwfilter(xml).unwrap_or_else(|e| panic!("{e}"));
    let out = format_nwfilter(&def);
    assert_eq!(out, expected);
    let again = parse_nwfilter(&out).unwrap();
    assert_eq!(again, def);
    assert_eq!(format_nwfilter(&again), expected);
}

fn err(xml: &str) -> String {
    parse_nwfilter(xml).unwrap_err().to_string()
}

#[test]
fn clean_traffic_references_other_filters() {
    round_trip(
        "<filter name='clean-traffic' chain='root'>
  <uuid>6ef53069-ba34-94a0-d33d-17751b9b8cb1</uuid>
  <filterref filter='no-mac-spoofing'/>
  <filterref filter='no-ip-spoofing'/>
  <rule action='accept' direction='out' priority='-650'>
    <mac protocolid='ipv4'/>
  </rule>
  <filterref filter='allow-incoming-ipv4'/>
  <filterref filter='no-arp-spoofing'/>
  <rule action='accept' direction='inout' priority='-500'>
    <mac protocolid='arp'/>
  </rule>
  <filterref filter='no-other-l2-traffic'/>
  <filterref filter='qemu-announce-self'/>
</filter>",
        "<filter name='clean-traffic' chain='root'>
  <uuid>6ef53069-ba34-94a0-d33d-17751b9b8cb1</uuid>
  <filterref filter='no-mac-spoofing'/>
  <filterref filter='no-ip-spoofing'/>
  <rule action='accept' direction='out' priority='-650'>
    <mac protocolid='ipv4'/>
  </rule>
  <filterref filter='allow-incoming-ipv4'/>
  <filterref filter='no-arp-spoofing'/>
  <rule action='accept' direction='inout' priority='-500'>
    <mac protocolid='arp'/>
  </rule>
  <filterref filter='no-other-l2-traffic'/>
  <filterref filter='qemu-announce-self'/>
</filter>
",
    );
}

#[test]
fn chains_take_their_default_priority() {
    round_trip(
        "<filter name='no-arp-ip-spoofing' chain='arp-ip'>
  <uuid>b2f7a5d4-3a1c-4e5b-8c2d-9f0e1a2b3c4d</uuid>
  <rule action='return' direction='out' priority='400'>
    <arp match='yes' arpsrcipaddr='$IP'/>
  </rule>
  <rule action='drop' direction='out' priority='1000'/>
</filter>",
        "<filter name='no-arp-ip-spoofing' chain='arp-ip' priority='-500'>
  <uuid>b2f7a5d4-3a1c-4e5b-8c2d-9f0e1a2b3c4d</uuid>
  <rule action='return' direction='out' priority='400'>
    <arp arpsrcipaddr='$IP'/>
  </rule>
  <rule action='drop' direction='out' priority='1000'/>
</filter>
",
    );
    let def = parse_nwfilter("<filter name='x' chain='ipv6'/>").unwrap();
    assert_eq!((def.chain.as_str(), def.priority), ("ipv6", -600));
    assert!(!def.uuid_specified);
    let def = parse_nwfilter("<filter name='x'/>").unwrap();
    assert_eq!((def.chain.as_str(), def.priority), ("root", 0));
}

#[test]
fn rules_on_every_layer_normalized_as_libvirt_prints_them() {
    round_trip(
        "<filter name='web-server' chain='ipv4' priority='-700'>
  <uuid>0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9</uuid>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='192.168.122.10'/>
    <parameter name='GATEWAY_MAC' value='52:54:00:AA:BB:CC'/>
  </filterref>
  <rule action='accept' direction='in' priority='300'>
    <tcp dstportstart='80' dstportend='0x1bb' srcipaddr='10.0.0.0' srcipmask='255.0.0.0' state='NEW,ESTABLISHED' comment='web &amp; tls'/>
  </rule>
  <rule action='accept' direction='inout' statematch='false'>
    <udp dstportstart='53'/>
  </rule>
  <rule action='drop' direction='in' priority='100'>
    <icmp match='no' type='8' code='0'/>
  </rule>
  <rule action='reject' direction='out'>
    <ip srcmacaddr='52:54:00:AB:CD:EF' protocol='tcp' dstipaddr='192.0.2.1' dstipmask='24'/>
  </rule>
  <rule action='accept' direction='out'>
    <ipv6 srcipaddr='2001:db8:0:0::1' srcipmask='ffff:ffff:ffff:ffff::' protocol='icmpv6' type='135'/>
  </rule>
  <rule action='continue' direction='in'>
    <tcp-ipv6 flags='SYN,ACK/SYN' dstportstart='22'/>
  </rule>
  <rule action='accept' direction='out' priority='-500'>
    <mac srcmacaddr='$MAC' protocolid='0x86DD'/>
  </rule>
  <rule action='drop' direction='inout'>
    <all-ipv6/>
  </rule>
</filter>",
        "<filter name='web-server' chain='ipv4' priority='-700'>
  <uuid>0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9</uuid>
  <filterref filter='clean-traffic'>
    <parameter name='GATEWAY_MAC' value='52:54:00:AA:BB:CC'/>
    <parameter name='IP' value='192.168.122.10'/>
  </filterref>
  <rule action='accept' direction='in' priority='300'>
    <tcp srcipaddr='10.0.0.0' srcipmask='8' comment='web &amp; tls' state='NEW,ESTABLISHED' dstportstart='80' dstportend='443'/>
  </rule>
  <rule action='accept' direction='inout' priority='500' statematch='false'>
    <udp dstportstart='53'/>
  </rule>
  <rule action='drop' direction='in' priority='100'>
    <icmp match='no' type='8' code='0'/>
  </rule>
  <rule action='reject' direction='out' priority='500'>
    <ip srcmacaddr='52:54:00:ab:cd:ef' dstipaddr='192.0.2.1' dstipmask='24' protocol='tcp'/>
  </rule>
  <rule action='accept' direction='out' priority='500'>
    <ipv6 srcipaddr='2001:db8::1' srcipmask='64' protocol='icmpv6' type='135'/>
  </rule>
  <rule action='continue' direction='in' priority='500'>
    <tcp-ipv6 dstportstart='22' flags='SYN,ACK/SYN'/>
  </rule>
  <rule action='accept' direction='out' priority='-500'>
    <mac srcmacaddr='$MAC' protocolid='0x86dd'/>
  </rule>
  <rule action='drop' direction='inout' priority='500'>
    <all-ipv6/>
  </rule>
</filter>
",
    );
    let def = parse_nwfilter(
        "<filter name='f'><rule action='accept' direction='in' priority='5000'><udp/></rule></filter>",
    )
    .unwrap();
    let NWFilterEntry::Rule(r) = &def.entries[0] else {
        panic!()
    };
    assert_eq!(
        (r.action, r.direction, r.priority),
        (RuleAction::Accept, RuleDirection::In, 500),
        "an out-of-range rule priority gives the default"
    );
    assert_eq!(def.references().count(), 0);
}

#[test]
fn bad_documents_fail_with_libvirts_texts() {
    assert_eq!(err("<filter/>"), "internal error: filter has no name");
    assert_eq!(
        err("<filter name='f' chain='bogus'/>"),
        "invalid argument: Invalid chain name 'bogus'. Please use a chain name called 'root' or any of the following prefixes: mac, vlan, stp, arp, rarp, ipv4, ipv6"
    );
    assert_eq!(
        err("<filter name='f' priority='high'/>"),
        "invalid argument: Could not parse chain priority 'high'"
    );
    assert_eq!(
        err("<filter name='f' priority='-1001'/>"),
        "invalid argument: Priority '-1001' is outside valid range of [-1000,1000]"
    );
    assert_eq!(
        err("<filter name='f'><uuid>zz</uuid></filter>"),
        "XML error: malformed uuid element"
    );
    assert_eq!(
        err("<filter name='f'><rule direction='in'/></filter>"),
        "internal error: rule node requires action attribute"
    );
    assert_eq!(
        err("<filter name='f'><rule action='allow' direction='in'/></filter>"),
        "unsupported configuration: unknown rule action attribute value"
    );
    assert_eq!(
        err("<filter name='f'><rule action='drop'/></filter>"),
        "internal error: rule node requires direction attribute"
    );
    assert_eq!(
        err("<filter name='f'><rule action='drop' direction='up'/></filter>"),
        "unsupported configuration: unknown rule direction attribute value"
    );
    assert_eq!(
        err("<filter name='f'><rule action='drop' direction='in'><mac srcmacaddr='zz'/></rule></filter>"),
        "internal error: srcmacaddr has illegal value zz"
    );
    assert_eq!(
        err("<filter name='f'><rule action='drop' direction='in'><tcp dstportstart='70000'/></rule></filter>"),
        "internal error: dstportstart has illegal value 70000"
    );
    assert_eq!(
        err("<filter name='f'><rule action='drop' direction='in'><ip srcipmask='255.0.255.0'/></rule></filter>"),
        "internal error: srcipmask has illegal value 255.0.255.0"
    );
    assert!(err("<secret/>").contains("expecting root element"));
}

#[test]
fn chain_names_follow_nwfilter_conf() {
    let cases = [
        (
            "ipv4-way-too-long",
            "invalid argument: Name of chain is longer than 12 characters",
        ),
        (
            "mac/x",
            "invalid argument: Chain name contains invalid characters",
        ),
        (
            "rootish",
            "internal error: An error occurred, but the cause is unknown",
        ),
    ];
    for (chain, expected) in cases {
        assert_eq!(
            err(&format!("<filter name='f' chain='{chain}'/>")),
            expected,
            "{chain}"
        );
    }
    // A prefix is enough, with or without a dash.
    let def = parse_nwfilter("<filter name='f' chain='ipv4spoof'/>").unwrap();
    assert_eq!((def.chain.as_str(), def.priority), ("ipv4spoof", -700));
    // Without a chain the filter is root with priority 0, whatever priority was given.
    let def = parse_nwfilter("<filter name='f' priority='-300'/>").unwrap();
    assert_eq!((def.chain.as_str(), def.priority), ("root", 0));
}

#[test]
fn rule_details_follow_nwfilter_conf() {
    let rule = |inner: &str| {
        err(&format!(
            "<filter name='f'><rule action='drop' direction='in'>{inner}</rule></filter>"
        ))
    };
    // Every attribute is read; the last bad one in libvirt's table order is reported.
    assert_eq!(
        rule("<tcp srcipaddr='x' dstportstart='70000'/>"),
        "internal error: dstportstart has illegal value 70000"
    );
    let port_rule = "internal error: IP rule with port specification requires protocol \
        specification with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)";
    assert_eq!(rule("<ip dstportstart='80'/>"), port_rule);
    assert_eq!(rule("<ip protocol='icmp' dstportstart='80'/>"), port_rule);
    assert_eq!(rule("<ip protocol='$P' srcportstart='80'/>"), port_rule);
    assert_eq!(
        rule("<ipv6 protocol='esp' dstportend='80'/>"),
        port_rule.replace("IP rule", "IPv6 rule")
    );
    for ok in ["tcp", "udp", "33", "sctp"] {
        let xml = format!(
            "<filter name='f'><rule action='drop' direction='in'><ip protocol='{ok}' dstportstart='80'/></rule></filter>"
        );
        assert!(parse_nwfilter(&xml).is_ok(), "{ok}");
    }
    // statematch is false in any case; a boolean other than a word for true is false.
    let def = parse_nwfilter(
        "<filter name='f'><rule action='drop' direction='in' statematch='FALSE'>\
         <arp gratuitous='maybe'/></rule></filter>",
    )
    .unwrap();
    let out = format_nwfilter(&def);
    assert!(out.contains("statematch='false'"), "{out}");
    assert!(out.contains("<arp gratuitous='false'/>"), "{out}");
}

#[test]
fn filterref_parameters_libvirt_cannot_use_are_skipped() {
    let def = parse_nwfilter(
        "<filter name='f'><filterref filter='clean-traffic'>\
         <parameter name='IP' value='10.0.0.2'/><parameter name='IP' value='10.0.0.1'/>\
         <parameter name='bad-name' value='x'/><parameter name='EMPTY' value=''/>\
         <parameter name='MAC' value='52:54:00:aa:bb:cc'/><parameter name='NOVALUE'/>\
         </filterref></filter>",
    )
    .unwrap();
    let out = format_nwfilter(&def);
    assert!(
        out.contains(
            "<filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.2'/>
    <parameter name='IP' value='10.0.0.1'/>
    <parameter name='MAC' value='52:54:00:aa:bb:cc'/>
  </filterref>"
        ),
        "{out}"
    );
}

#[test]
fn validation_refuses_unknown_attributes() {
    let doc =
        "<filter name='f'><rule action='drop' direction='in'><tcp colour='red'/></rule></filter>";
    assert!(
        parse_nwfilter(doc).is_ok(),
        "libvirt ignores what it does not know"
    );
    let e = parse_nwfilter_with(doc, true).unwrap_err().to_string();
    assert!(e.contains("nwfilter.rng") && e.contains("colour"), "{e}");
}

/// Every prefix of `doc` and many random byte changes of it either parse or fail with an
/// error, through `parse`; whatever parses formats and parses again.
fn no_input_panics<T>(doc: &str, parse: impl Fn(&str) -> Option<T>, format: impl Fn(&T) -> String) {
    assert!(parse(doc).is_some(), "the document itself parses");
    let exercise = |text: &str| {
        if let Some(def) = parse(text) {
            let out = format(&def);
            assert!(parse(&out).is_some(), "own output refused:\n{out}");
        }
    };
    for (i, _) in doc.char_indices() {
        exercise(&doc[..i]);
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let alphabet = b"<>/='\" 0123456789abcdef:.-xyz$,@[]";
    for _ in 0..3000 {
        let mut bytes = doc.as_bytes().to_vec();
        for _ in 0..(1 + next() % 4) {
            let at = usize::try_from(next()).unwrap() % bytes.len();
            let c = alphabet[usize::try_from(next()).unwrap() % alphabet.len()];
            match next() % 3 {
                0 => bytes[at] = c,
                1 => bytes.insert(at, c),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        if let Ok(text) = String::from_utf8(bytes) {
            exercise(&text);
        }
    }
}

#[test]
fn no_input_panics_the_filter_parser() {
    let doc = "<filter name='all' chain='mac-x' priority='-10'>
  <uuid>0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9</uuid>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.1'/>
  </filterref>
  <rule action='accept' direction='in' priority='300' statematch='false'>
    <arp srcmacaddr='52:54:00:ab:cd:ef' opcode='Request' arpsrcipaddr='10.0.0.1' arpsrcipmask='24' gratuitous='true'/>
  </rule>
  <rule action='drop' direction='out' priority='10'>
    <ipv6 match='no' srcipaddr='2001:db8::1' srcipmask='64' protocol='17' dstportstart='1' dstportend='2'/>
  </rule>
  <rule action='return' direction='inout' priority='-1'>
    <vlan vlanid='0x10' encap-protocol='ipv4'/>
  </rule>
  <rule action='continue' direction='in' priority='1'>
    <stp type='0x1' root-cost='4294967295' sender-address='$MAC[@1]'/>
  </rule>
  <rule action='reject' direction='out' priority='2'>
    <tcp srcipfrom='10.0.0.1' srcipto='10.0.0.9' state='NONE' ipset='s' ipsetflags='src,dst' option='3' flags='ALL/SYN'/>
  </rule>
</filter>
";
    no_input_panics(doc, |t| parse_nwfilter(t).ok(), format_nwfilter);
}

#[test]
fn no_input_panics_the_secret_parser() {
    use virtbus_core::xml::{format_secret, parse_secret};
    let doc = "<secret ephemeral='yes' private='no'>
  <uuid>c8a0e1b2-7f36-4a0e-9d2b-5b3e1f6a9c01</uuid>
  <description>d</description>
  <usage type='iscsi'>
    <target>t</target>
  </usage>
</secret>
";
    no_input_panics(doc, |t| parse_secret(t).ok(), format_secret);
}
