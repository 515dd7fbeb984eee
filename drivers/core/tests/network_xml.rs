//! `<network>` documents: round trips of what virt-manager, cockpit and virsh write, in
//! libvirt's canonical output, and libvirt's error texts for bad documents.

use virtbus_core::{
    model::ForwardMode,
    xml::{format_network, parse_network},
};

/// Parses `xml` and checks that formatting gives `expected`, and that `expected` is a
/// fixed point.
fn round_trip(xml: &str, expected: &str) {
    let def = parse_network(xml).unwrap_or_else(|e| panic!("{e}"));
    let out = format_network(&def);
    assert_eq!(out, expected);
    let again = parse_network(&out).unwrap();
    assert_eq!(again, def);
    assert_eq!(format_network(&again), expected);
}

fn err(xml: &str) -> String {
    parse_network(xml).unwrap_err().to_string()
}

#[test]
fn test_driver_default_network() {
    round_trip(
        "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>",
        "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
",
    );
}

#[test]
fn nat_network_with_static_hosts_and_dns() {
    round_trip(
        "<network>
  <name>lab</name>
  <uuid>0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a10</uuid>
  <forward mode='nat'>
    <nat>
      <port start='1024' end='65535'/>
    </nat>
  </forward>
  <bridge name='virbr1' stp='on' delay='0'/>
  <mac address='52:54:00:AB:CD:EF'/>
  <domain name='lab.example' localOnly='yes'/>
  <dns>
    <forwarder addr='1.1.1.1'/>
    <host ip='192.168.100.10'>
      <hostname>db</hostname>
      <hostname>db.lab.example</hostname>
    </host>
  </dns>
  <ip address='192.168.100.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.100.128' end='192.168.100.254'/>
      <host mac='52:54:00:00:00:10' name='db' ip='192.168.100.10'/>
      <host mac='52:54:00:00:00:11' ip='192.168.100.11'/>
    </dhcp>
  </ip>
</network>",
        "<network>
  <name>lab</name>
  <uuid>0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a10</uuid>
  <forward mode='nat'>
    <nat>
      <port start='1024' end='65535'/>
    </nat>
  </forward>
  <bridge name='virbr1' stp='on' delay='0'/>
  <mac address='52:54:00:ab:cd:ef'/>
  <domain name='lab.example' localOnly='yes'/>
  <dns>
    <forwarder addr='1.1.1.1'/>
    <host ip='192.168.100.10'>
      <hostname>db</hostname>
      <hostname>db.lab.example</hostname>
    </host>
  </dns>
  <ip address='192.168.100.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.100.128' end='192.168.100.254'/>
      <host mac='52:54:00:00:00:10' name='db' ip='192.168.100.10'/>
      <host mac='52:54:00:00:00:11' ip='192.168.100.11'/>
    </dhcp>
  </ip>
</network>
",
    );
}

#[test]
fn isolated_network_has_a_bridge_and_no_forward() {
    let xml = "<network>
  <name>isolated</name>
  <uuid>5d7c1f1a-6b0e-4f35-8a8e-2f0b3c7d9e11</uuid>
  <bridge name='virbr2' stp='off' delay='2'/>
  <ip address='10.0.5.1' prefix='24'/>
</network>
";
    round_trip(xml, xml);
    let def = parse_network(xml).unwrap();
    assert_eq!(def.forward_mode(), None);
    assert!(!def.bridge.stp);
}

#[test]
fn routed_network_with_static_route_and_mtu() {
    let xml = "<network>
  <name>routed</name>
  <uuid>9a4e3f2c-1b0d-4e8f-a7c6-5d4e3f2a1b0c</uuid>
  <forward dev='eth0' mode='route'>
    <interface dev='eth0'/>
  </forward>
  <bridge name='virbr3' stp='on' delay='0'/>
  <mtu size='9000'/>
  <ip address='10.10.0.1' netmask='255.255.255.0'/>
  <route address='10.20.0.0' prefix='16' gateway='10.10.0.254'/>
</network>
";
    round_trip(
        "<network><name>routed</name><uuid>9a4e3f2c-1b0d-4e8f-a7c6-5d4e3f2a1b0c</uuid>\
         <forward mode='route' dev='eth0'/><bridge name='virbr3'/><mtu size='9000'/>\
         <ip address='10.10.0.1' netmask='255.255.255.0'/>\
         <route address='10.20.0.0' prefix='16' gateway='10.10.0.254'/></network>",
        xml,
    );
}

#[test]
fn bridge_forward_to_an_existing_host_bridge() {
    let xml = "<network>
  <name>host-bridge</name>
  <uuid>3c2b1a09-8f7e-4d6c-b5a4-938271605f4e</uuid>
  <forward mode='bridge'/>
  <bridge name='br0'/>
</network>
";
    round_trip(xml, xml);
    assert_eq!(
        parse_network(xml).unwrap().forward_mode(),
        Some(ForwardMode::Bridge)
    );
}

#[test]
fn macvtap_pool_and_hostdev_pf() {
    let xml = "<network>
  <name>direct</name>
  <uuid>11111111-2222-3333-4444-555555555556</uuid>
  <forward dev='eth1' mode='vepa'>
    <interface dev='eth1'/>
    <interface dev='eth2'/>
  </forward>
</network>
";
    round_trip(xml, xml);
    let xml = "<network>
  <name>sriov</name>
  <uuid>11111111-2222-3333-4444-555555555557</uuid>
  <forward mode='hostdev' managed='yes'>
    <pf dev='enp3s0f0'/>
  </forward>
</network>
";
    round_trip(xml, xml);
}

#[test]
fn ipv6_with_prefix_next_to_ipv4() {
    let xml = "<network ipv6='yes'>
  <name>dual</name>
  <uuid>7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928</uuid>
  <forward mode='nat'>
    <nat ipv6='yes'/>
  </forward>
  <bridge name='virbr4' stp='on' delay='0'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.2' end='192.168.150.254'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:150::1' prefix='64'>
    <dhcp>
      <range start='fd00:150::100' end='fd00:150::1ff'/>
      <host id='0:3:0:1:0:16:3e:11:22:33' name='web' ip='fd00:150::10'/>
    </dhcp>
  </ip>
</network>
";
    round_trip(xml, xml);
    // Addresses come out in canonical form.
    let def = parse_network(
        "<network><name>v6</name><uuid>7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3929</uuid>\
         <ip family='ipv6' address='FD00:0:0:0::1' prefix='64'/></network>",
    )
    .unwrap();
    assert!(format_network(&def).contains("<ip family='ipv6' address='fd00::1' prefix='64'/>"));
}

#[test]
fn dns_srv_txt_and_disabled_dns() {
    let xml = "<network>
  <name>dns</name>
  <uuid>7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3930</uuid>
  <bridge name='virbr5' stp='on' delay='0'/>
  <dns forwardPlainNames='no'>
    <forwarder domain='corp.example' addr='10.0.0.53' port='5353'/>
    <txt name='example' value='some text'/>
    <srv service='ldap' protocol='tcp' domain='lab.example' target='dc' port='389' priority='10' weight='10'/>
  </dns>
  <ip address='10.0.6.1' prefix='24'/>
</network>
";
    round_trip(xml, xml);
    let xml = "<network>
  <name>nodns</name>
  <uuid>7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3931</uuid>
  <bridge name='virbr6' stp='on' delay='0'/>
  <dns enable='no'/>
</network>
";
    round_trip(xml, xml);
}

#[test]
fn uuid_is_generated_when_missing() {
    let a = parse_network("<network><name>n</name></network>").unwrap();
    let b = parse_network("<network><name>n</name></network>").unwrap();
    assert_ne!(a.uuid, b.uuid);
    assert_eq!(
        format_network(&a),
        format!(
            "<network>\n  <name>n</name>\n  <uuid>{}</uuid>\n  <bridge stp='on' delay='0'/>\n</network>\n",
            a.uuid
        )
    );
}

#[test]
fn errors_carry_libvirts_texts() {
    assert_eq!(
        err("<network><uuid>7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3931</uuid></network>"),
        "missing name information"
    );
    assert_eq!(
        err("<network><name>a/b</name></network>"),
        "invalid char in name: /"
    );
    assert_eq!(
        err("<network><name>x</name><uuid>nope</uuid></network>"),
        "internal error: malformed uuid element"
    );
    assert_eq!(
        err("<domain><name>x</name></domain>"),
        "XML error: expecting root element of 'network', not 'domain'"
    );
    assert_eq!(
        err("<network><name>x</name><forward mode='nat'/></network>"),
        "XML error: nat forwarding requested, but no IP address provided for network 'x'"
    );
    assert_eq!(
        err("<network><name>x</name><forward mode='weird'/></network>"),
        "unsupported configuration: unknown forwarding type 'weird'"
    );
    assert_eq!(
        err("<network><name>x</name><forward mode='bridge'/><bridge name='br0' stp='on'/></network>"),
        "XML error: bridge delay/stp/zone options only allowed in open, route, nat, and isolated mode, not in bridge (network 'x')"
    );
    assert_eq!(
        err("<network><name>x</name><forward mode='vepa' dev='eth0'/><bridge name='br0'/></network>"),
        "XML error: bridge name not allowed in vepa mode (network 'x')"
    );
    assert_eq!(
        err("<network><name>x</name><forward mode='bridge'/><mtu size='1400'/></network>"),
        "XML error: mtu size only allowed in open, route, nat, and isolated mode, not in bridge (network 'x')"
    );
    assert_eq!(
        err("<network><name>x</name><ip netmask='255.255.255.0'/></network>"),
        "XML error: Missing required address attribute in network 'x'"
    );
    assert_eq!(
        err("<network><name>x</name><ip address='10.0.0.1' netmask='255.255.255.0' prefix='24'/></network>"),
        "unsupported configuration: Network 'x' IP address cannot have both a prefix and a netmask"
    );
    assert_eq!(
        err("<network><name>x</name><ip address='10.0.0.1' prefix='33'/></network>"),
        "unsupported configuration: Invalid IPv4 prefix '33' in network 'x'"
    );
    assert_eq!(
        err("<network><name>x</name><ip family='ipv6' address='10.0.0.1'/></network>"),
        "unsupported configuration: Family 'ipv6' specified for non-IPv6 address '10.0.0.1' in network 'x'"
    );
    assert_eq!(
        err("<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><host ip='10.0.0.5'/></dhcp></ip></network>"),
        "XML error: Static host definition in IPv4 network 'x' must have mac or name attribute"
    );
    assert_eq!(
        err("<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><range end='10.0.0.9'/></dhcp></ip></network>"),
        "XML error: Missing 'start' attribute in dhcp range for network 'x'"
    );
    assert_eq!(
        err("<network><name>x</name><mac address='01:00:00:00:00:01'/></network>"),
        "XML error: Invalid multicast bridge mac address '01:00:00:00:00:01' in network 'x'"
    );
    assert_eq!(
        err("<network><name>x</name><ip address='10.0.0.1' prefix='24'/><route address='10.9.0.0' prefix='16' gateway='10.1.0.1'/></network>"),
        "unsupported configuration: unreachable static route gateway '10.1.0.1' specified for network 'x'"
    );
}

#[test]
fn unmodeled_parts_are_refused_not_dropped() {
    for part in [
        "<forward mode='hostdev'><driver name='vfio'/></forward>",
        "<forward mode='hostdev'><address type='pci' domain='0' bus='1' slot='0' function='1'/></forward>",
    ] {
        let xml = format!("<network><name>x</name>{part}</network>");
        let e = parse_network(&xml).unwrap_err();
        assert_eq!(e.code(), 67, "{part}: {e}");
    }
}

#[test]
fn openvswitch_bridge_with_portgroups_and_vlans() {
    round_trip(
        "<network>
  <name>ovs-net</name>
  <uuid>5a1e7c2c-8f1b-4d0a-9a57-2b3f6c1d9e40</uuid>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <virtualport type='openvswitch'/>
  <vlan trunk='yes'>
    <tag id='42' nativeMode='untagged'/>
    <tag id='47'/>
  </vlan>
  <portgroup name='dontpanic' default='yes'>
    <vlan><tag id='42'/></vlan>
  </portgroup>
  <portgroup name='engineering' trustGuestRxFilters='no'>
    <virtualport>
      <parameters profileid='eng' interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
    </virtualport>
    <vlan><tag id='555'/></vlan>
    <bandwidth>
      <inbound average='1000' peak='5000' burst='5120'/>
      <outbound average='1000'/>
    </bandwidth>
  </portgroup>
  <portgroup name='sales'>
    <virtualport type='openvswitch'>
      <parameters profileid='sales-prof'/>
    </virtualport>
    <vlan trunk='yes'>
      <tag id='666'/>
      <tag id='667' nativeMode='tagged'/>
    </vlan>
  </portgroup>
</network>",
        "<network>
  <name>ovs-net</name>
  <uuid>5a1e7c2c-8f1b-4d0a-9a57-2b3f6c1d9e40</uuid>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <vlan trunk='yes'>
    <tag id='42' nativeMode='untagged'/>
    <tag id='47'/>
  </vlan>
  <virtualport type='openvswitch'/>
  <portgroup name='dontpanic' default='yes'>
    <vlan>
      <tag id='42'/>
    </vlan>
  </portgroup>
  <portgroup name='engineering' trustGuestRxFilters='no'>
    <vlan>
      <tag id='555'/>
    </vlan>
    <virtualport>
      <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' profileid='eng'/>
    </virtualport>
    <bandwidth>
      <inbound average='1000' peak='5000' burst='5120'/>
      <outbound average='1000'/>
    </bandwidth>
  </portgroup>
  <portgroup name='sales'>
    <vlan trunk='yes'>
      <tag id='666'/>
      <tag id='667' nativeMode='tagged'/>
    </vlan>
    <virtualport type='openvswitch'>
      <parameters profileid='sales-prof'/>
    </virtualport>
  </portgroup>
</network>
",
    );
}

#[test]
fn nat_network_with_bandwidth_isolated_ports_and_metadata() {
    round_trip(
        "<network>
  <name>limited</name>
  <uuid>7d4c1a3e-0f5b-4b8e-a1c2-6e9f0d2b3c41</uuid>
  <metadata>
    <app:info xmlns:app='http://example.org/app/1.0'><app:owner>ops</app:owner></app:info>
    <plain>dropped: no namespace</plain>
  </metadata>
  <forward mode='nat'/>
  <bridge name='virbr7'/>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='1024'/>
    <outbound average='128' peak='256' burst='256'/>
  </bandwidth>
  <port isolated='yes'/>
  <ip address='192.168.170.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.170.2' end='192.168.170.254'/></dhcp>
  </ip>
</network>",
        "<network>
  <name>limited</name>
  <uuid>7d4c1a3e-0f5b-4b8e-a1c2-6e9f0d2b3c41</uuid>
  <metadata>
    <app:info xmlns:app=\"http://example.org/app/1.0\">
      <app:owner>ops</app:owner>
    </app:info>
  </metadata>
  <forward mode='nat'/>
  <bridge name='virbr7' stp='on' delay='0'/>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='1024'/>
    <outbound average='128' peak='256' burst='256'/>
  </bandwidth>
  <port isolated='yes'/>
  <ip address='192.168.170.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.170.2' end='192.168.170.254'/>
    </dhcp>
  </ip>
</network>
",
    );
}

#[test]
fn qbg_and_qbh_virtual_ports_keep_their_parameters() {
    round_trip(
        "<network><name>vepa</name><uuid>1f0e2d3c-4b5a-4968-8776-655443322110</uuid>
  <forward mode='vepa'><interface dev='eth2'/></forward>
  <virtualport type='802.1Qbg'>
    <parameters managerid='0x0b' typeid='1193047' typeidversion='2' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
  </virtualport>
  <portgroup name='qbh'><virtualport type='802.1Qbh'><parameters profileid='finance'/></virtualport></portgroup>
</network>",
        "<network>
  <name>vepa</name>
  <uuid>1f0e2d3c-4b5a-4968-8776-655443322110</uuid>
  <forward dev='eth2' mode='vepa'>
    <interface dev='eth2'/>
  </forward>
  <virtualport type='802.1Qbg'>
    <parameters managerid='11' typeid='1193047' typeidversion='2' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
  </virtualport>
  <portgroup name='qbh'>
    <virtualport type='802.1Qbh'>
      <parameters profileid='finance'/>
    </virtualport>
  </portgroup>
</network>
",
    );
}

#[test]
fn vlan_virtualport_bandwidth_and_portgroup_errors_carry_libvirts_texts() {
    let net = |part: &str| {
        err(&format!(
            "<network><name>n</name><bridge name='br9'/>{part}</network>"
        ))
    };
    let cases = [
        ("<vlan/>", "XML error: missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"),
        ("<vlan><tag/></vlan>", "XML error: missing or invalid vlan tag id attribute"),
        ("<vlan><tag id='x'/></vlan>", "XML error: missing or invalid vlan tag id attribute"),
        ("<vlan><tag id='4096'/></vlan>", "XML error: vlan tag id 4096 too large (maximum 4095)"),
        ("<vlan><tag id='1' nativeMode='tagged'/><tag id='2' nativeMode='untagged'/></vlan>", "XML error: duplicate native vlan setting"),
        ("<vlan><tag id='1' nativeMode='default'/></vlan>", "unsupported configuration: Invalid \"nativeMode='default'\" in vlan <tag> element"),
        ("<vlan trunk='no'><tag id='1'/><tag id='2'/></vlan>", "XML error: invalid \"trunk='no'\" in <vlan> - trunk='yes' is required for more than one vlan tag"),
        ("<vlan trunk='no'><tag id='1' nativeMode='tagged'/></vlan>", "XML error: invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id"),
        ("<vlan trunk='maybe'><tag id='1'/></vlan>", "XML error: invalid \"trunk='maybe'\" in <vlan> - must be yes or no"),
        ("<virtualport/>", "XML error: missing required virtualport type"),
        ("<virtualport type='none'/>", "unsupported configuration: unknown virtualport type none"),
        ("<virtualport type='802.1Qbg'><parameters managerid='256'/></virtualport>", "XML error: value of managerid out of range"),
        ("<virtualport type='802.1Qbg'><parameters managerid='x'/></virtualport>", "XML error: cannot parse value of managerid parameter"),
        ("<virtualport type='802.1Qbg'><parameters typeid='16777216'/></virtualport>", "XML error: value for typeid out of range"),
        ("<virtualport type='802.1Qbg'><parameters typeidversion='300'/></virtualport>", "XML error: value of typeidversion out of range"),
        ("<virtualport type='802.1Qbg'><parameters instanceid='nope'/></virtualport>", "XML error: cannot parse instanceid parameter as a uuid"),
        ("<virtualport type='openvswitch'><parameters interfaceid='nope'/></virtualport>", "XML error: cannot parse interfaceid parameter as a uuid"),
        ("<virtualport type='802.1Qbh'><parameters profileid='0123456789012345678901234567890123456789'/></virtualport>", "XML error: profileid parameter too long"),
        ("<virtualport type='802.1Qbg'><parameters profileid='p'/></virtualport>", "unsupported configuration: attribute profileid not allowed in <virtualport type='802.1Qbg'>"),
        ("<virtualport type='openvswitch'><parameters managerid='1'/></virtualport>", "unsupported configuration: attribute managerid not allowed in <virtualport type='openvswitch'>"),
        ("<virtualport type='802.1Qbh'><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>", "unsupported configuration: attribute interfaceid not allowed in <virtualport type='802.1Qbh'>"),
        ("<bandwidth><inbound average='1' floor='2'/></bandwidth>", "unsupported configuration: floor attribute is not supported for this config"),
        ("<bandwidth><outbound peak='2'/></bandwidth>", "Missing mandatory average or floor attributes"),
        ("<bandwidth><inbound floor='2' peak='3'/></bandwidth>", "unsupported configuration: 'peak' and 'burst' require 'average' attribute"),
        ("<bandwidth><inbound average='x'/></bandwidth>", "unsupported configuration: could not convert bandwidth average value 'x'"),
        ("<bandwidth><inbound average='1'/><inbound average='2'/></bandwidth>", "Only one child <inbound> element allowed"),
        ("<port isolated='maybe'/>", "XML error: Invalid value for attribute 'isolated' in element 'port': 'maybe'."),
        ("<portgroup default='yes'/>", "XML error: Missing required name attribute in portgroup"),
        ("<portgroup name='p'><bandwidth><inbound average='1' floor='1'/></bandwidth></portgroup>", "unsupported configuration: floor attribute is not supported for this config"),
    ];
    for (part, expected) in cases {
        assert_eq!(net(part), expected, "{part}");
    }
}

#[test]
fn validation_refuses_what_the_schema_does_not_know() {
    use virtbus_core::xml::parse_network_with;
    let xml = "<network connections='2'>
  <name>lab</name>
  <uuid>0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a10</uuid>
  <forward mode='nat'>
    <interface dev='eth0' connections='2'/>
  </forward>
  <bridge name='virbr1' stp='on' delay='0'/>
  <ip address='192.168.100.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.100.128' end='192.168.100.254'/>
      <host mac='52:54:00:00:00:10' name='db' ip='192.168.100.10'/>
    </dhcp>
  </ip>
</network>";
    // Without validation unknown parts are ignored, as libvirt does.
    let odd = xml.replace("<bridge ", "<colour/><bridge ");
    assert!(parse_network(&odd).is_ok());
    assert!(parse_network_with(xml, true).is_ok());
    let e = parse_network_with(&odd, true).unwrap_err();
    assert_eq!(e.code(), 92);
    assert_eq!(
        e.to_string(),
        "XML document failed to validate against schema: Unable to validate doc against \
         /usr/share/libvirt/schemas/network.rng\nElement network has extra content: colour (line 7)"
    );
    let e = parse_network_with(&xml.replace("<ip ", "<ip colour='red' "), true).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Invalid attribute colour for element ip (line 8)"),
        "{e}"
    );
}

#[test]
fn dhcp_ranges_are_checked_against_their_network() {
    let range = |r: &str| {
        err(&format!(
            "<network><name>x</name><ip address='192.168.5.1' netmask='255.255.255.0'>\
             <dhcp><range {r}/></dhcp></ip></network>"
        ))
    };
    assert_eq!(
        range("start='192.168.6.2' end='192.168.6.9'"),
        "internal error: range 192.168.6.2 - 192.168.6.9 is not entirely within network 192.168.5.1/24"
    );
    assert_eq!(
        range("start='192.168.5.0' end='192.168.5.9'"),
        "internal error: start of range 192.168.5.0 - 192.168.5.9 in network 192.168.5.1/24 is the network address"
    );
    assert_eq!(
        range("start='192.168.5.2' end='192.168.5.255'"),
        "internal error: end of range 192.168.5.2 - 192.168.5.255 in network 192.168.5.1/24 is the broadcast address"
    );
    assert_eq!(
        range("start='192.168.5.9' end='192.168.5.2'"),
        "internal error: range 192.168.5.9 - 192.168.5.2 is reversed "
    );
    assert_eq!(
        range("start='fd00::2' end='fd00::9'"),
        "internal error: mismatch of address family in range fd00::2 - fd00::9 for network 192.168.5.1"
    );
    assert_eq!(
        range("start='192.168.5.x' end='192.168.5.9'"),
        "Cannot parse socket address '192.168.5.x': Name or service not known"
    );
    // A class C address without netmask or prefix has its natural /24.
    assert!(parse_network(
        "<network><name>x</name><ip address='192.168.5.1'>\
         <dhcp><range start='192.168.5.2' end='192.168.5.254'/></dhcp></ip></network>"
    )
    .is_ok());
    let v6 = |r: &str| {
        err(&format!(
            "<network><name>x</name><ip family='ipv6' address='fd00:1::1' prefix='64'>\
             <dhcp><range {r}/></dhcp></ip></network>"
        ))
    };
    assert_eq!(
        v6("start='fd00:1::9' end='fd00:1::2'"),
        "internal error: range fd00:1::9 - fd00:1::2 start larger than end"
    );
    assert_eq!(
        v6("start='fd00:1::1:2' end='fd00:1::2:9'"),
        "internal error: range fd00:1::1:2 - fd00:1::2:9 is too large (> 65535)"
    );
}

#[test]
fn static_routes_follow_networkcommon_conf() {
    let route = |r: &str| {
        err(&format!(
            "<network><name>x</name><ip address='10.1.0.1' prefix='24'/><route {r}/></network>"
        ))
    };
    assert_eq!(
        route("gateway='10.1.0.2'"),
        "XML error: x: Missing required address attribute in route definition"
    );
    assert_eq!(
        route("address='10.9.0.0' prefix='16'"),
        "XML error: x: Missing required gateway attribute in route definition"
    );
    assert_eq!(
        route("address='10.9.0.1' prefix='16' gateway='10.1.0.2'"),
        "XML error: x: Address '10.9.0.1' in route definition is not a network address"
    );
    assert_eq!(
        route("address='10.9.0.0' prefix='33' gateway='10.1.0.2'"),
        "XML error: x: Invalid prefix 33 specified in route definition, must be 0 - 32"
    );
    assert_eq!(
        route("family='ipv6' address='10.9.0.0' gateway='10.1.0.2'"),
        "XML error: x: ipv6 family specified for non-IPv6 address '10.9.0.0' in route definition"
    );
    assert_eq!(
        route("address='10.9.0.0' netmask='255.255.0.0' prefix='16' gateway='10.1.0.2'"),
        "XML error: x: Route definition cannot have both a prefix and a netmask"
    );
    // A default route needs no prefix; a netmask works as well as a prefix.
    let xml = "<network>
  <name>r</name>
  <uuid>9a4e3f2c-1b0d-4e8f-a7c6-5d4e3f2a1b0d</uuid>
  <forward mode='route'/>
  <bridge name='virbr8' stp='on' delay='0'/>
  <ip address='10.1.0.1' prefix='24'/>
  <ip family='ipv6' address='fd00:8::1' prefix='64'/>
  <route address='0.0.0.0' gateway='10.1.0.254'/>
  <route address='10.9.0.0' netmask='255.255.0.0' gateway='10.1.0.253' metric='2'/>
  <route family='ipv6' address='fd00:9::' prefix='64' gateway='fd00:8::2'/>
</network>
";
    round_trip(xml, xml);
}

/// No input makes the network parser panic: every prefix of a rich document and many random
/// byte changes of it either parse or fail; whatever parses formats and parses again.
#[test]
fn no_input_panics_the_network_parser() {
    let doc = "<network ipv6='yes' trustGuestRxFilters='no'>
  <name>all</name>
  <uuid>7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3999</uuid>
  <title>t</title>
  <forward mode='nat'>
    <nat ipv6='yes'>
      <address start='203.0.113.2' end='203.0.113.9'/>
      <port start='1024' end='65535'/>
    </nat>
  </forward>
  <bridge name='virbr9' stp='off' delay='3' macTableManager='libvirt'/>
  <mtu size='1400'/>
  <mac address='52:54:00:12:34:56'/>
  <domain name='all.example' localOnly='yes' register='yes'/>
  <dns enable='yes' forwardPlainNames='no'>
    <forwarder domain='x.example' addr='192.0.2.53' port='53'/>
    <txt name='t' value='v'/>
    <srv service='ldap' protocol='tcp' domain='d' target='t' port='389' priority='1' weight='2'/>
    <host ip='10.2.0.5'>
      <hostname>h</hostname>
    </host>
  </dns>
  <ip address='10.2.0.1' netmask='255.255.255.0' localPtr='yes'>
    <tftp root='/srv/tftp'/>
    <dhcp>
      <range start='10.2.0.100' end='10.2.0.200'/>
      <host mac='52:54:00:00:00:01' name='a' ip='10.2.0.10'/>
      <bootp file='pxelinux.0' server='10.2.0.2'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:2::1' prefix='64'>
    <dhcp>
      <range start='fd00:2::100' end='fd00:2::1ff'/>
      <host id='0:1:2' name='b' ip='fd00:2::10'/>
    </dhcp>
  </ip>
  <route address='10.3.0.0' prefix='16' gateway='10.2.0.254' metric='5'/>
</network>
";
    round_trip(doc, doc);
    let exercise = |text: &str| {
        if let Ok(def) = parse_network(text) {
            let out = format_network(&def);
            parse_network(&out).unwrap_or_else(|e| panic!("own output refused: {e}\n{out}"));
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
    let alphabet = b"<>/='\" 0123456789abcdef:.-xyz";
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
fn validation_accepts_portgroups_vlans_virtual_ports_bandwidth_and_metadata() {
    use virtbus_core::xml::parse_network_with;
    let xml = "<network>
  <name>ovs</name>
  <metadata><app:a xmlns:app='urn:x'><app:b c='d'/></app:a></metadata>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <virtualport type='openvswitch'><parameters profileid='p'/></virtualport>
  <vlan trunk='yes'><tag id='1' nativeMode='tagged'/><tag id='2'/></vlan>
  <bandwidth><inbound average='1' peak='2' burst='3'/><outbound average='4'/></bandwidth>
  <port isolated='no'/>
  <portgroup name='a' default='yes' trustGuestRxFilters='yes'>
    <virtualport><parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/></virtualport>
    <vlan><tag id='3'/></vlan>
    <bandwidth><inbound average='5'/></bandwidth>
  </portgroup>
</network>";
    let def = parse_network_with(xml, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(def.portgroups.len(), 1);
    let e = parse_network_with(
        &xml.replace("<tag id='3'/>", "<tag id='3' colour='red'/>"),
        true,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Invalid attribute colour for element tag (line 12)"),
        "{e}"
    );
}

#[test]
fn portgroups_are_added_modified_and_deleted_by_network_update() {
    use virtbus_core::xml::{network_section, network_update_command as cmd, update_network};
    let mut def = parse_network(
        "<network><name>ovs</name><forward mode='bridge'/><bridge name='ovsbr0'/>\
         <virtualport type='openvswitch'/>\
         <portgroup name='a' default='yes'><vlan><tag id='1'/></vlan></portgroup></network>",
    )
    .unwrap();
    let pg = network_section::PORTGROUP;
    update_network(
        &mut def,
        cmd::ADD_FIRST,
        pg,
        -1,
        "<portgroup name='b'><vlan><tag id='2'/></vlan></portgroup>",
    )
    .unwrap();
    update_network(&mut def, cmd::ADD_LAST, pg, -1, "<portgroup name='c'/>").unwrap();
    let names: Vec<&str> = def.portgroups.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["b", "a", "c"]);
    let e =
        |def: &mut _, c, xml: &str| update_network(def, c, pg, -1, xml).unwrap_err().to_string();
    assert_eq!(
        e(&mut def, cmd::ADD_LAST, "<portgroup name='c'/>"),
        "Requested operation is not valid: there is an existing portgroup entry in network 'ovs' that matches \"<portgroup name='c'>\""
    );
    assert_eq!(
        e(&mut def, cmd::MODIFY, "<portgroup name='z'/>"),
        "Requested operation is not valid: couldn't find a portgroup entry in network 'ovs' matching <portgroup name='z'>"
    );
    assert_eq!(
        e(&mut def, cmd::MODIFY, "<portgroup name='c' default='yes'/>"),
        "Requested operation is not valid: a different portgroup entry in network 'ovs' is already set as the default. Only one default is allowed."
    );
    assert_eq!(
        e(&mut def, cmd::ADD_LAST, "<vlan/>"),
        "XML error: unexpected element <vlan>, expecting <portgroup>, while updating network 'ovs'"
    );
    assert_eq!(
        e(
            &mut def,
            cmd::ADD_LAST,
            "<portgroup name='d'><vlan/></portgroup>"
        ),
        "XML error: missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"
    );
    // The default itself may be modified and stay the default.
    update_network(
        &mut def,
        cmd::MODIFY,
        pg,
        -1,
        "<portgroup name='a' default='yes'><vlan><tag id='9'/></vlan></portgroup>",
    )
    .unwrap();
    assert_eq!(def.portgroups[1].vlan.as_ref().unwrap().tags, [9]);
    update_network(&mut def, cmd::DELETE, pg, -1, "<portgroup name='b'/>").unwrap();
    let names: Vec<&str> = def.portgroups.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
}
