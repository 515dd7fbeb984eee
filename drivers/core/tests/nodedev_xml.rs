//! `<device>` documents: round trips of what `virsh nodedev-dumpxml` prints on a real host
//! (PCI functions with SR-IOV, a USB keyboard and its interface, a SCSI host, target and
//! disk, block devices, Ethernet and wireless interfaces), the normalisations libvirt applies
//! to documents written by hand, and libvirt 9.0's error texts for bad documents (each text
//! below was read from `virsh -c test://...` on libvirt 9.0).

use virtbus_core::{
    flags::node_device_list as caps,
    model::{NetLinkState, NetSubCap, NodeDevCap, PciHeaderType, PcieLinkSpeed},
    xml::{format_node_device, parse_node_device, NodeDeviceParse},
};

/// A document from tests/data/nodedev.
fn data(name: &str) -> String {
    let path = format!("{}/tests/data/nodedev/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses `xml` as an existing device and checks that formatting gives `expected`, and that
/// `expected` is a fixed point.
fn round_trip(xml: &str, expected: &str) -> NodeDevCap {
    let def = parse_node_device(xml, NodeDeviceParse::Existing).unwrap_or_else(|e| panic!("{e}"));
    let out = format_node_device(&def);
    assert_eq!(out, expected);
    let again = parse_node_device(&out, NodeDeviceParse::Existing).unwrap();
    assert_eq!(again, def);
    assert_eq!(format_node_device(&again), expected);
    def.caps[0].clone()
}

/// Round-trips a data file that is already in libvirt's canonical form.
fn canonical(name: &str) -> NodeDevCap {
    let xml = data(name);
    round_trip(&xml, &xml)
}

fn err(xml: &str) -> String {
    parse_node_device(xml, NodeDeviceParse::Create)
        .unwrap_err()
        .to_string()
}

#[test]
fn an_intel_sriov_physical_function() {
    let NodeDevCap::Pci(pci) = canonical("pci-igb-sriov-pf.xml") else {
        panic!("not pci")
    };
    assert_eq!((pci.vendor.id, pci.product.id), (0x8086, 0x1521));
    assert_eq!(pci.class, Some(0x020000));
    let vfs = pci.virt_functions.unwrap();
    assert_eq!(vfs.max_count, 7);
    assert_eq!(vfs.addresses.len(), 3);
    assert_eq!(
        (vfs.addresses[1].slot, vfs.addresses[1].function),
        (0x10, 4)
    );
    assert_eq!(pci.iommu_group.unwrap().number, 15);
    assert_eq!(pci.numa_node, Some(0));
    let link = pci.pci_express.unwrap().link_cap.unwrap();
    assert_eq!(
        (link.port, link.speed, link.width),
        (Some(0), Some(PcieLinkSpeed::Gt5), 4)
    );
    let def = parse_node_device(&data("pci-igb-sriov-pf.xml"), NodeDeviceParse::Existing).unwrap();
    assert_eq!(def.driver.as_deref(), Some("igb"));
    assert_eq!(def.parent.as_deref(), Some("pci_0000_00_01_0"));
    // virt_functions is no listing capability of its own in libvirt 9.0.
    assert_eq!(def.list_flags(), caps::CAP_PCI_DEV);
}

#[test]
fn its_virtual_function_and_a_bridge() {
    let NodeDevCap::Pci(vf) = canonical("pci-igb-sriov-vf.xml") else {
        panic!("not pci")
    };
    let pf = vf.phys_function.unwrap();
    assert_eq!((pf.domain, pf.bus, pf.slot, pf.function), (0, 2, 0, 0));
    assert_eq!(vf.pci_express.unwrap().link_sta.unwrap().speed, None);
    let NodeDevCap::Pci(bridge) = canonical("pci-bridge.xml") else {
        panic!("not pci")
    };
    assert_eq!(bridge.header_type, Some(PciHeaderType::PciBridge));
    assert_eq!(bridge.numa_node, None);
}

#[test]
fn a_usb_keyboard_and_its_interface() {
    let NodeDevCap::UsbDevice(kbd) = canonical("usb-keyboard.xml") else {
        panic!("not usb_device")
    };
    assert_eq!((kbd.bus, kbd.device, kbd.vendor.id), (1, 3, 0x046d));
    let NodeDevCap::UsbInterface(intf) = canonical("usb-keyboard-interface.xml") else {
        panic!("not usb")
    };
    assert_eq!((intf.class, intf.subclass, intf.protocol), (3, 1, 1));
    let def = parse_node_device(&data("usb-keyboard.xml"), NodeDeviceParse::Existing).unwrap();
    assert_eq!(def.devnode.as_deref(), Some("/dev/bus/usb/001/003"));
    assert_eq!(def.list_flags(), caps::CAP_USB_DEV);
}

#[test]
fn a_scsi_disk_with_its_target_and_host() {
    let NodeDevCap::ScsiHost { host, fc_host, .. } = canonical("scsi-host.xml") else {
        panic!("not scsi_host")
    };
    assert_eq!((host, fc_host), (0, None));
    let NodeDevCap::ScsiTarget(target) = canonical("scsi-target.xml") else {
        panic!("not scsi_target")
    };
    assert_eq!(target.target, "target0:0:0");
    let NodeDevCap::Scsi(lun) = canonical("scsi-disk.xml") else {
        panic!("not scsi")
    };
    assert_eq!((lun.host, lun.bus, lun.target, lun.lun), (0, 0, 0, 0));
    assert_eq!(lun.kind.as_deref(), Some("disk"));
}

#[test]
fn block_devices_fixed_and_removable() {
    let NodeDevCap::Storage(sda) = canonical("block-sda.xml") else {
        panic!("not storage")
    };
    assert_eq!(sda.size, 500_107_862_016);
    assert_eq!((sda.logical_block_size, sda.num_blocks), (512, 976_773_168));
    let def = parse_node_device(&data("block-sda.xml"), NodeDeviceParse::Existing).unwrap();
    assert_eq!(def.devnode.as_deref(), Some("/dev/sda"));
    assert_eq!(def.devlinks.len(), 3);
    let NodeDevCap::Storage(sr0) = canonical("block-sr0.xml") else {
        panic!("not storage")
    };
    let media = sr0.removable.unwrap();
    assert!(media.available);
    assert_eq!(media.size, 4_700_372_992);
    assert!(sr0.hotpluggable);
    assert_eq!(sr0.size, 0);
}

#[test]
fn net_devices_with_features() {
    let NodeDevCap::Net(eth) = canonical("net-enp3s0.xml") else {
        panic!("not net")
    };
    assert_eq!(eth.interface, "enp3s0");
    assert_eq!(
        (eth.link_speed, eth.link_state),
        (1000, Some(NetLinkState::Up))
    );
    assert_eq!(eth.features.len(), 10);
    assert_eq!(eth.subtype, Some(NetSubCap::Ieee80203));
    let NodeDevCap::Net(wlan) = canonical("net-wlan.xml") else {
        panic!("not net")
    };
    assert_eq!(wlan.subtype, Some(NetSubCap::Ieee80211));
    assert_eq!(
        (wlan.link_speed, wlan.link_state),
        (0, Some(NetLinkState::Down))
    );
}

#[test]
fn hand_written_documents_come_out_as_libvirt_writes_them() {
    // Ids without 0x, features out of order and repeated, a second link-layer capability
    // (libvirt reads the first only), a zero link speed, a product without a name.
    round_trip(
        "<device><name>n</name><capability type='net'><interface>wlan0</interface>\
         <link state='lowerlayerdown' speed='0'/><feature name='switchdev'/>\
         <feature name='rx'/><feature name='rx'/><feature name='txudptnl'/>\
         <capability type='80211'/><capability type='80203'/></capability></device>",
        "<device>
  <name>n</name>
  <capability type='net'>
    <interface>wlan0</interface>
    <link state='lowerlayerdown'/>
    <feature name='rx'/>
    <feature name='txudptnl'/>
    <feature name='switchdev'/>
    <capability type='80211'/>
  </capability>
</device>
",
    );
    round_trip(
        "<device><name>u</name><capability type='usb_device'><bus>1</bus><device>1</device>\
         <product id='2'/><vendor id='1D6B'>Linux Foundation</vendor></capability></device>",
        "<device>
  <name>u</name>
  <capability type='usb_device'>
    <bus>1</bus>
    <device>1</device>
    <product id='0x0002' />
    <vendor id='0x1d6b'>Linux Foundation</vendor>
  </capability>
</device>
",
    );
    // Addresses in any C notation; an iommuGroup without addresses and a negative NUMA
    // node are not written; an empty pci-express is.
    round_trip(
        "<device><name>p</name><capability type='pci'><class>30000</class><domain>0</domain>\
         <bus>0</bus><slot>2</slot><function>0</function><product id='0x3e92'/>\
         <vendor id='0x8086'/><capability type='virt_functions'/>\
         <capability type='phys_function'><address domain='0' bus='010' slot='0x1f' function='7'/></capability>\
         <capability type='endpoint'/><iommuGroup number='1'/><numa node='-1'/>\
         <pci-express><link validity='sta' port='-1' width='0x10'/></pci-express></capability></device>",
        "<device>
  <name>p</name>
  <capability type='pci'>
    <class>0x030000</class>
    <domain>0</domain>
    <bus>0</bus>
    <slot>2</slot>
    <function>0</function>
    <product id='0x3e92'/>
    <vendor id='0x8086'/>
    <capability type='phys_function'>
      <address domain='0x0000' bus='0x08' slot='0x1f' function='0x7'/>
    </capability>
    <capability type='virt_functions'/>
    <pci-express>
      <link validity='sta' width='16'/>
    </pci-express>
  </capability>
</device>
",
    );
    // A system without firmware facts writes an empty <firmware>, as libvirt does.
    round_trip(
        "<device><name>sys</name><parent>x</parent>\
         <capability type='system'><hardware>\
         <uuid>11111111222233334444555555555555</uuid></hardware></capability></device>",
        "<device>
  <name>sys</name>
  <parent>x</parent>
  <capability type='system'>
    <hardware>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
    </firmware>
  </capability>
</device>
",
    );
    round_trip(
        "<device><name>h</name><capability type='scsi_host'><host>5</host>\
         <unique_id>-1</unique_id></capability><capability type='scsi_host'><host>6</host>\
         <unique_id>-7</unique_id></capability></device>",
        "<device>
  <name>h</name>
  <capability type='scsi_host'>
    <host>5</host>
  </capability>
  <capability type='scsi_host'>
    <host>6</host>
    <unique_id>-7</unique_id>
  </capability>
</device>
",
    );
    round_trip(
        "<device><name>t</name><capability type='scsi_target'><target>target0:0:0</target>\
         <capability type='fc_remote_port'><rport>rport-0:0-0</rport><wwpn>0x2000</wwpn>\
         </capability></capability><capability type='storage'><block>/dev/sr0</block>\
         <capability type='removable'><media_available>0</media_available>\
         <media_size>0</media_size></capability></capability></device>",
        "<device>
  <name>t</name>
  <capability type='scsi_target'>
    <target>target0:0:0</target>
    <capability type='fc_remote_port'>
      <rport>rport-0:0-0</rport>
      <wwpn>0x2000</wwpn>
    </capability>
  </capability>
  <capability type='storage'>
    <block>/dev/sr0</block>
    <capability type='removable'>
      <media_available>0</media_available>
      <media_size>0</media_size>
    </capability>
  </capability>
</device>
",
    );
}

#[test]
fn parent_wwns_are_read_but_never_written() {
    let def = parse_node_device(
        "<device><parent wwnn='20' wwpn='10' fabric_wwn='30'/><capability type='scsi_host'>\
         <capability type='fc_host'><wwnn>1</wwnn><wwpn>2</wwpn></capability></capability></device>",
        NodeDeviceParse::Create,
    )
    .unwrap();
    assert_eq!(def.parent, None);
    let wwns = &def.parent_wwns;
    assert_eq!(
        (
            wwns.wwnn.as_deref(),
            wwns.wwpn.as_deref(),
            wwns.fabric_wwn.as_deref()
        ),
        (Some("20"), Some("10"), Some("30"))
    );
    assert!(!format_node_device(&def).contains("20"));
}

const PCI_HEAD: &str = "<device><capability type='pci'><domain>0</domain>";
const PCI_IDS: &str = "<bus>1</bus><slot>0</slot><function>0</function>\
                       <vendor id='0x8086'/><product id='0x1521'/>";

/// A PCI document with `inner` after the ids.
fn pci(inner: &str) -> String {
    format!("{PCI_HEAD}{PCI_IDS}{inner}</capability></device>")
}

#[test]
fn libvirts_texts_for_bad_documents() {
    let cases: Vec<(String, &str)> = vec![
        ("<nodedev/>".into(), "XML error: expecting root element of 'device', not 'nodedev'"),
        ("<device/>".into(), "internal error: no device capabilities for 'new device'"),
        (
            "<device><capability/></device>".into(),
            "XML error: Missing required attribute 'type' in element 'capability'",
        ),
        (
            "<device><capability type='gpu'/></device>".into(),
            "XML error: Invalid value for attribute 'type' in element 'capability': 'gpu'.",
        ),
        (
            "<device><capability type='fc_host'/></device>".into(),
            "internal error: unknown capability type '9' for 'new device'",
        ),
        (
            "<device><capability type='vdpa'/></device>".into(),
            "internal error: unknown capability type '17' for 'new device'",
        ),
        (
            "<device><capability type='pci'/></device>".into(),
            "internal error: no PCI domain ID supplied for 'new device'",
        ),
        (
            format!("{PCI_HEAD}<bus>x</bus></capability></device>"),
            "internal error: invalid PCI bus ID supplied for 'new device'",
        ),
        (
            format!("{PCI_HEAD}<bus>3 </bus></capability></device>"),
            "internal error: invalid PCI bus ID supplied for 'new device'",
        ),
        (
            format!("{PCI_HEAD}<bus>4294967296</bus></capability></device>"),
            "internal error: invalid PCI bus ID supplied for 'new device'",
        ),
        (
            format!("{PCI_HEAD}<bus></bus></capability></device>"),
            "internal error: no PCI bus ID supplied for 'new device'",
        ),
        (
            format!("{PCI_HEAD}<bus>1</bus><slot>0</slot><function>0</function><vendor id='zz'/></capability></device>"),
            "internal error: invalid PCI vendor ID supplied for 'new device'",
        ),
        (
            format!("{PCI_HEAD}<bus>1</bus><slot>0</slot><function>0</function><vendor id='0x8086'/></capability></device>"),
            "internal error: no PCI product ID supplied for 'new device'",
        ),
        (
            "<device><capability type='pci'><class>0x1000000</class></capability></device>".into(),
            "internal error: invalid PCI class supplied for 'new device'",
        ),
        (
            pci("<capability type='virt_functions'><address bus='0x100' slot='0' function='0'/></capability>"),
            "XML error: Invalid PCI address bus='0x100', must be <= 0xFF",
        ),
        (
            pci("<iommuGroup number='1'><address bus='2' slot='0x20' function='0'/></iommuGroup>"),
            "XML error: Invalid PCI address slot='0x20', must be <= 0x1F",
        ),
        (
            pci("<capability type='phys_function'><address bus='2' slot='1' function='8'/></capability>"),
            "XML error: Invalid PCI address function=0x8, must be <= 7",
        ),
        (
            pci("<capability type='phys_function'><address bus='zz'/></capability>"),
            "XML error: Invalid value for attribute 'bus' in element 'address': 'zz'. Expected non-negative integer value",
        ),
        (
            pci("<capability type='phys_function'/>"),
            "XML error: Missing address in 'phys_function' capability",
        ),
        (
            pci("<capability type='virt_functions' maxCount='x'/>"),
            "XML error: Malformed 'maxCount' parameter",
        ),
        (pci("<capability/>"), "XML error: Missing capability type"),
        (
            pci("<iommuGroup/>"),
            "XML error: Missing required attribute 'number' in element 'iommuGroup'",
        ),
        (
            pci("<numa node='x'/>"),
            "internal error: invalid NUMA node ID supplied for 'new device'",
        ),
        (
            "<device><capability type='vpd'/></device>".into(),
            "internal error: unknown capability type '21' for 'new device'",
        ),
        (
            "<device><capability type='scsi_generic'/></device>".into(),
            "internal error: unknown capability type '11' for 'new device'",
        ),
        (
            "<device><capability type='storage'><block>/dev/sda</block><capability/></capability></device>".into(),
            "internal error: missing storage capability type for 'new device'",
        ),
        (
            "<device><capability type='storage'><block>/dev/sda</block><capability type='removable'/></capability></device>".into(),
            "internal error: no removable media size supplied for 'new device'",
        ),
        (
            "<device><capability type='scsi_target'><target>t</target><capability type='fc_remote_port'/></capability></device>".into(),
            "internal error: missing rport name for 'new device'",
        ),
        (
            pci("<pci-express><link validity='cap' speed='7' width='1'/></pci-express>"),
            "XML error: Invalid value for attribute 'speed' in element 'link': '7'.",
        ),
        (
            pci("<pci-express><link validity='cap' speed='8'/></pci-express>"),
            "XML error: Missing required attribute 'width' in element 'link'",
        ),
        (
            "<device><capability type='usb_device'><bus>1</bus><device>2</device><vendor id='zz'/></capability></device>".into(),
            "internal error: invalid USB vendor ID supplied for 'new device'",
        ),
        (
            "<device><capability type='usb'><number>0</number></capability></device>".into(),
            "internal error: no USB interface class supplied for 'new device'",
        ),
        (
            "<device><capability type='net'/></device>".into(),
            "internal error: no network interface supplied for 'new device'",
        ),
        (
            "<device><capability type='net'><interface>e</interface><feature name='bogus'/></capability></device>".into(),
            "XML error: unknown network device feature 'bogus'",
        ),
        (
            "<device><capability type='net'><interface>e</interface><feature/></capability></device>".into(),
            "XML error: missing network device feature name",
        ),
        (
            "<device><capability type='net'><interface>e</interface><capability type='80212'/></capability></device>".into(),
            "unsupported configuration: invalid network type supplied for 'new device'",
        ),
        (
            "<device><capability type='net'><interface>e</interface><link state='bogus'/></capability></device>".into(),
            "XML error: Invalid value for attribute 'state' in element 'link': 'bogus'.",
        ),
        (
            "<device><capability type='net'><interface>e</interface><link speed='-1'/></capability></device>".into(),
            "XML error: Invalid value for attribute 'speed' in element 'link': '-1'. Expected non-negative integer value",
        ),
        (
            "<device><capability type='system'/></device>".into(),
            "internal error: no system UUID supplied for 'new device'",
        ),
        (
            "<device><capability type='storage'/></device>".into(),
            "internal error: no block device path supplied for 'new device'",
        ),
        (
            "<device><capability type='storage'><block>/dev/sda</block></capability></device>".into(),
            "internal error: no size supplied for 'new device'",
        ),
        (
            "<device><capability type='scsi_target'/></device>".into(),
            "internal error: no target name supplied for 'new device'",
        ),
        (
            "<device><capability type='scsi'/></device>".into(),
            "internal error: no SCSI host ID supplied for 'new device'",
        ),
        (
            "<device><capability type='scsi_host'><capability/></capability></device>".into(),
            "internal error: missing SCSI host capability type for 'new device'",
        ),
        (
            "<device><capability type='scsi_host'><capability type='x'/></capability></device>".into(),
            "internal error: unknown SCSI host capability type 'x' for 'new device'",
        ),
        (
            "<device><capability type='scsi_host'><capability type='fc_host'/></capability></device>".into(),
            "internal error: no WWNN supplied for 'new device', and auto-generation failed",
        ),
        (
            "<device><parent wwnn='2000000012341234'/><capability type='scsi_host'/></device>".into(),
            "XML error: when providing parent wwnn='2000000012341234', the wwpn must also be provided",
        ),
        (
            "<device><parent wwpn='1000000034563456'/><capability type='scsi_host'/></device>".into(),
            "XML error: when providing parent wwpn='1000000034563456', the wwnn must also be provided",
        ),
        (
            "<device><devnode>/dev/x</devnode><capability type='scsi_host'/></device>".into(),
            "XML error: Missing required attribute 'type' in element 'devnode'",
        ),
    ];
    for (xml, expected) in cases {
        assert_eq!(err(&xml), expected, "{xml}");
    }
}

#[test]
fn capabilities_virtbus_does_not_model_are_refused_by_name() {
    for kind in [
        "mdev",
        "ccw",
        "css",
        "drm",
        "ap_card",
        "ap_queue",
        "ap_matrix",
    ] {
        assert_eq!(
            err(&format!("<device><capability type='{kind}'/></device>")),
            format!(
                "unsupported configuration: the '{kind}' node device capability is not \
                 supported by virtbus"
            )
        );
    }
    for kind in ["mdev_types", "vpd"] {
        assert_eq!(
            err(&pci(&format!("<capability type='{kind}'/>"))),
            format!(
                "unsupported configuration: the '{kind}' PCI capability is not supported by \
                 virtbus"
            )
        );
    }
    // A name is required for an existing device only.
    assert_eq!(
        parse_node_device(
            "<device><capability type='scsi'/></device>",
            NodeDeviceParse::Existing
        )
        .unwrap_err()
        .to_string(),
        "missing name information"
    );
}

#[test]
fn every_truncation_of_a_real_document_is_refused_without_a_panic() {
    for name in [
        "pci-igb-sriov-pf.xml",
        "usb-keyboard.xml",
        "block-sr0.xml",
        "net-enp3s0.xml",
    ] {
        let xml = data(name);
        for (cut, _) in xml.char_indices().skip(1) {
            let prefix = xml[..cut].trim_end();
            if prefix.ends_with("</device>") {
                continue;
            }
            assert!(
                parse_node_device(prefix, NodeDeviceParse::Existing).is_err(),
                "{name} cut at {cut}"
            );
        }
    }
}
