//! Host `<interface>` documents: links, bond monitors and schema validation, round-tripped
//! in libvirt's canonical output (`virInterfaceDefFormat`), with libvirt's error texts.

use virtbus_core::{
    model::{BondMonitor, IfaceKind},
    xml::{format_interface, parse_interface, parse_interface_with},
};

/// Parses `xml`, checks that formatting gives `expected` and that `expected` is a fixed
/// point.
fn round_trip(xml: &str, expected: &str) {
    let def = parse_interface(xml).unwrap_or_else(|e| panic!("{e}"));
    let out = format_interface(&def);
    assert_eq!(out, expected);
    let again = parse_interface(&out).unwrap();
    assert_eq!(again, def);
}

fn err(xml: &str) -> String {
    parse_interface(xml).unwrap_err().to_string()
}

#[test]
fn a_bond_with_arp_monitoring_and_links_as_cockpit_writes_it() {
    round_trip(
        "<interface type='bond' name='bond0'>
  <start mode='onboot'/>
  <protocol family='ipv4'><dhcp/></protocol>
  <link state='up' speed='10000'/>
  <bond mode='active-backup'>
    <arpmon interval='100' target='192.168.1.1' validate='active'/>
    <interface type='ethernet' name='eth0'>
      <link speed='1000' state='up'/>
      <mac address='52:54:00:aa:bb:01'/>
    </interface>
    <interface type='ethernet' name='eth2'>
      <link state='lowerlayerdown'/>
      <mac address='52:54:00:aa:bb:02'/>
    </interface>
  </bond>
</interface>",
        "<interface type='bond' name='bond0'>
  <start mode='onboot'/>
  <protocol family='ipv4'>
    <dhcp/>
  </protocol>
  <link speed='10000' state='up'/>
  <bond mode='active-backup'>
    <arpmon interval='100' target='192.168.1.1' validate='active'/>
    <interface type='ethernet' name='eth0'>
      <link speed='1000' state='up'/>
      <mac address='52:54:00:aa:bb:01'/>
    </interface>
    <interface type='ethernet' name='eth2'>
      <link state='lowerlayerdown'/>
      <mac address='52:54:00:aa:bb:02'/>
    </interface>
  </bond>
</interface>
",
    );
}

#[test]
fn miimon_wins_over_arpmon_and_zero_delays_are_not_printed() {
    let def = parse_interface(
        "<interface type='bond' name='bond1'><bond>\
         <arpmon interval='5' target='10.0.0.1'/>\
         <miimon freq='100' downdelay='0' updelay='-3' carrier='netif'/>\
         </bond></interface>",
    )
    .unwrap();
    let IfaceKind::Bond { monitor, .. } = &def.kind else {
        panic!("not a bond");
    };
    assert!(matches!(monitor, Some(BondMonitor::Mii(m)) if m.freq == 100));
    assert_eq!(
        format_interface(&def),
        "<interface type='bond' name='bond1'>
  <bond>
    <miimon freq='100' carrier='netif'/>
  </bond>
</interface>
"
    );
}

#[test]
fn a_bridge_has_no_link_and_a_zero_speed_is_no_speed() {
    round_trip(
        "<interface type='bridge' name='br0'><link speed='1000' state='up'/>\
         <bridge><interface type='vlan' name='eth0.5'><link speed='0' state='down'/>\
         <vlan tag='5'><interface name='eth0'/></vlan></interface></bridge></interface>",
        "<interface type='bridge' name='br0'>
  <bridge>
    <interface type='vlan' name='eth0.5'>
      <link state='down'/>
      <vlan tag='5'>
        <interface name='eth0'/>
      </vlan>
    </interface>
  </bridge>
</interface>
",
    );
}

#[test]
fn link_and_monitor_errors_are_libvirts() {
    let bond = |inner: &str| {
        err(&format!(
            "<interface type='bond' name='b'><bond>{inner}</bond></interface>"
        ))
    };
    let cases = [
        (bond("<arpmon target='1.2.3.4'/>"), "XML error: bond interface arpmon interval missing or invalid"),
        (bond("<arpmon interval='x' target='1.2.3.4'/>"), "XML error: bond interface arpmon interval missing or invalid"),
        (bond("<arpmon interval='100'/>"), "XML error: bond interface arpmon target missing"),
        (bond("<arpmon interval='100' target='1.2.3.4' validate='some'/>"), "XML error: unknown arp bonding validate some"),
        (bond("<miimon/>"), "XML error: bond interface miimon freq missing or invalid"),
        (bond("<miimon freq='1' downdelay='soon'/>"), "XML error: bond interface miimon downdelay invalid"),
        (bond("<miimon freq='1' updelay='later'/>"), "XML error: bond interface miimon updelay invalid"),
        (bond("<miimon freq='1' carrier='smoke'/>"), "XML error: unknown mii bonding carrier smoke"),
        (
            err("<interface type='ethernet' name='e'><link state='sideways'/></interface>"),
            "XML error: Invalid value for attribute 'state' in element 'link': 'sideways'.",
        ),
        (
            err("<interface type='ethernet' name='e'><link speed='fast'/></interface>"),
            "XML error: Invalid value for attribute 'speed' in element 'link': 'fast'. Expected non-negative integer value",
        ),
        // A member's own link is read: its errors are reported.
        (
            bond("<interface type='ethernet' name='e'><link speed='-1'/></interface>"),
            "XML error: Invalid value for attribute 'speed' in element 'link': '-1'. Expected non-negative integer value",
        ),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
}

#[test]
fn validation_refuses_what_the_interface_schema_does_not_know() {
    let xml = "<interface type='bond' name='bond0'>
  <start mode='onboot'/>
  <mtu size='1500'/>
  <protocol family='ipv6'><autoconf/><ip address='2001:db8::5' prefix='64'/><route gateway='2001:db8::1'/></protocol>
  <link speed='1000' state='up'/>
  <bond mode='802.3ad'>
    <miimon freq='100' updelay='10'/>
    <interface type='ethernet' name='eth0'><link state='up'/><mac address='52:54:00:aa:bb:01'/></interface>
  </bond>
</interface>";
    let def = parse_interface_with(xml, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(def.link.speed, 1000);
    // Without the flag what libvirt does not read is ignored, as libvirt does.
    let odd = xml.replace("<link speed", "<colour/><link speed");
    assert!(parse_interface(&odd).is_ok());
    let e = parse_interface_with(&odd, true).unwrap_err();
    assert_eq!(e.code(), 92);
    assert_eq!(
        e.to_string(),
        "XML document failed to validate against schema: Unable to validate doc against \
         /usr/share/libvirt/schemas/interface.rng\nElement interface has extra content: colour (line 5)"
    );
    // A member has no start mode: not read, so refused by validation.
    let member_start = xml.replace(
        "<interface type='ethernet' name='eth0'>",
        "<interface type='ethernet' name='eth0'><start mode='onboot'/>",
    );
    assert!(parse_interface(&member_start).is_ok());
    let e = parse_interface_with(&member_start, true).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Element interface has extra content: start (line 8)"),
        "{e}"
    );
    let e =
        parse_interface_with(&xml.replace("<miimon ", "<miimon colour='red' "), true).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("Invalid attribute colour for element miimon (line 7)"),
        "{e}"
    );
}
