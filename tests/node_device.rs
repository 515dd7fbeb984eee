//! `org.libvirt.NodeDevice` on the test connection: the four default devices, their
//! properties (the root has no `Parent`), lookups, capability filters, the vHBA that
//! `NodeDeviceCreateXML` mocks with `InterfacesAdded` and `NodeDeviceEvent`, its destruction,
//! and what the test driver does not support.

mod common;

use std::collections::HashMap;

use common::{
    call,
    signals::{Sig, SignalLog},
    with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_PATH,
};
use zbus::{OwnedObjectPath, OwnedVariant};

const CONNECT: &str = "org.libvirt.Connect";
const NODEDEV: &str = "org.libvirt.NodeDevice";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const COMPUTER: &str = "/org/libvirt/Test/nodedev/computer";
const HOST1: &str = "/org/libvirt/Test/nodedev/scsi_5fhost1";
const HOST2: &str = "/org/libvirt/Test/nodedev/scsi_5fhost2";
const HOST11: &str = "/org/libvirt/Test/nodedev/scsi_5fhost11";
const HOST12: &str = "/org/libvirt/Test/nodedev/scsi_5fhost12";

/// virNodeDeviceEventLifecycleType.
const CREATED: i32 = 0;
const DELETED: i32 = 1;

/// VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM, _SCSI_HOST, _VPORTS, _PCI_DEV.
const CAP_SYSTEM: u32 = 1;
const CAP_SCSI_HOST: u32 = 1 << 5;
const CAP_VPORTS: u32 = 1 << 10;
const CAP_PCI_DEV: u32 = 1 << 1;

type Props = HashMap<String, OwnedVariant>;

const VHBA_XML: &str = "<device>
  <parent>scsi_host2</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2001001b32a9da4e</wwnn>
      <wwpn>2101001b32a9da4e</wwpn>
    </capability>
  </capability>
</device>";

fn path_of(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: OwnedObjectPath = msg.body().deserialize().unwrap();
    path.to_string()
}

async fn get_all(service: &Service, path: &str) -> Props {
    let msg = call(&service.conn, path, PROPS, "GetAll", &(NODEDEV,))
        .await
        .expect_ok();
    msg.body().deserialize().unwrap()
}

async fn device_paths(service: &Service, flags: u32) -> Vec<String> {
    let msg = call(
        &service.conn,
        TEST_PATH,
        CONNECT,
        "ListNodeDevices",
        &(flags,),
    )
    .await
    .expect_ok();
    let paths: Vec<OwnedObjectPath> = msg.body().deserialize().unwrap();
    let mut paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    paths.sort();
    paths
}

async fn expect_event(log: &mut SignalLog, path: &str, event: i32) -> Sig {
    log.expect(&format!("NodeDeviceEvent({path}, {event})"), |s| {
        s.is(TEST_PATH, CONNECT, "NodeDeviceEvent")
            && s.args::<(OwnedObjectPath, i32, i32)>() == (path.try_into().unwrap(), event, 0)
    })
    .await
}

fn sorted(mut v: Vec<&str>) -> Vec<String> {
    v.sort();
    v.into_iter().map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_devices_with_their_properties_and_filters() {
    with_timeout(async {
        let service = Service::start().await;
        assert_eq!(
            device_paths(&service, 0).await,
            sorted(vec![COMPUTER, HOST1, HOST2, HOST11])
        );
        assert_eq!(device_paths(&service, CAP_SYSTEM).await, [COMPUTER]);
        assert_eq!(
            device_paths(&service, CAP_SCSI_HOST).await,
            sorted(vec![HOST1, HOST2, HOST11])
        );
        assert_eq!(
            device_paths(&service, CAP_VPORTS).await,
            sorted(vec![HOST1, HOST2])
        );
        assert!(device_paths(&service, CAP_PCI_DEV).await.is_empty());
        // VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE, which virsh nodedev-list passes: refused by
        // libvirt 9.0's test driver.
        let r = call(&service.conn, TEST_PATH, CONNECT, "ListNodeDevices", &(1u32 << 31)).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "unsupported flags (0x80000000) in function testConnectListAllNodeDevices"
            )
        );

        let props = get_all(&service, HOST11).await;
        assert_eq!(common::v_str(&props["Name"]), "scsi_host11");
        assert_eq!(common::v_str(&props["Parent"]), "scsi_host1");
        // The root device has no parent: GetAll leaves it out, Get fails.
        let props = get_all(&service, COMPUTER).await;
        assert_eq!(common::v_str(&props["Name"]), "computer");
        assert!(!props.contains_key("Parent"), "{props:?}");
        let r = call(&service.conn, COMPUTER, PROPS, "Get", &(NODEDEV, "Parent")).await;
        assert_eq!(
            r.expect_err(),
            (LIBVIRT_ERROR, "internal error: no parent for this device")
        );

        let by_name = call(&service.conn, TEST_PATH, CONNECT, "NodeDeviceLookupByName", &("scsi_host2",)).await;
        assert_eq!(path_of(by_name), HOST2);
        let none = call(&service.conn, TEST_PATH, CONNECT, "NodeDeviceLookupByName", &("nope",)).await;
        assert_eq!(
            none.expect_err(),
            (LIBVIRT_ERROR, "Node device not found: no node device with matching name 'nope'")
        );

        let caps = call(&service.conn, HOST1, NODEDEV, "ListCaps", &()).await.expect_ok();
        assert_eq!(caps.body().deserialize::<Vec<String>>().unwrap(), ["scsi_host"]);
        let caps = call(&service.conn, COMPUTER, NODEDEV, "ListCaps", &()).await.expect_ok();
        assert_eq!(caps.body().deserialize::<Vec<String>>().unwrap(), ["system"]);

        let xml = call(&service.conn, COMPUTER, NODEDEV, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(
            xml.body().deserialize::<String>().unwrap(),
            "<device>\n  <name>computer</name>\n  <capability type='system'>\n    <hardware>\n      \
             <vendor>Libvirt</vendor>\n      <version>Test driver</version>\n      \
             <serial>123456</serial>\n      <uuid>11111111-2222-3333-4444-555555555555</uuid>\n    \
             </hardware>\n    <firmware>\n      <vendor>Libvirt</vendor>\n      \
             <version>Test Driver</version>\n      <release_date>01/22/2007</release_date>\n    \
             </firmware>\n  </capability>\n</device>\n"
        );

        let msg = call(&service.conn, TEST_PATH, OM, "GetManagedObjects", &())
            .await
            .expect_ok();
        let managed: HashMap<OwnedObjectPath, HashMap<String, Props>> =
            msg.body().deserialize().unwrap();
        let entry = &managed[&OwnedObjectPath::try_from(HOST2).unwrap()];
        assert_eq!(common::v_str(&entry[NODEDEV]["Parent"]), "computer");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vhba_is_created_and_destroyed() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let created = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NodeDeviceCreateXML",
            &(VHBA_XML, 0u32),
        )
        .await;
        assert_eq!(path_of(created), HOST12);
        let added = log
            .expect("InterfacesAdded(nodedev)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>()
                        .0
                        .as_str()
                        == HOST12
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = added.args();
        assert_eq!(common::v_str(&ifaces[NODEDEV]["Name"]), "scsi_host12");
        expect_event(&mut log, HOST12, CREATED).await;

        // libvirt's mock copies scsi_host11: its parent and host number come along.
        let props = get_all(&service, HOST12).await;
        assert_eq!(common::v_str(&props["Parent"]), "scsi_host1");
        let xml = call(&service.conn, HOST12, NODEDEV, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        let xml: String = xml.body().deserialize().unwrap();
        assert!(xml.contains("<wwnn>2001001b32a9da4e</wwnn>"), "{xml}");
        assert!(xml.contains("<host>11</host>"), "{xml}");

        call(&service.conn, HOST12, NODEDEV, "Destroy", &())
            .await
            .expect_ok();
        expect_event(&mut log, HOST12, DELETED).await;
        log.expect("InterfacesRemoved(nodedev)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>()
                    == (HOST12.try_into().unwrap(), vec![NODEDEV.to_owned()])
        })
        .await;
        assert_eq!(device_paths(&service, 0).await.len(), 4);

        let r = call(&service.conn, HOST12, NODEDEV, "GetXMLDesc", &(0u32,)).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Node device not found: no node device with matching name 'scsi_host12'"
            )
        );
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NodeDeviceCreateXML",
            &(VHBA_XML.replace("scsi_host2", "computer"), 0u32),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "internal error: Parent device computer is not capable of vport operations"
            )
        );
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NodeDeviceCreateXML",
            &("<device/>", 0u32),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "internal error: no device capabilities for 'new device'"
            )
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_test_driver_lacks_is_not_supported() {
    with_timeout(async {
        let service = Service::start().await;
        let no = "this function is not supported by the connection driver: ";
        for (method, api, reply) in [
            (
                "Detach",
                "virNodeDeviceDetachFlags",
                call(&service.conn, HOST2, NODEDEV, "Detach", &("", 0u32)).await,
            ),
            (
                "ReAttach",
                "virNodeDeviceReAttach",
                call(&service.conn, HOST2, NODEDEV, "ReAttach", &()).await,
            ),
            (
                "Reset",
                "virNodeDeviceReset",
                call(&service.conn, HOST2, NODEDEV, "Reset", &()).await,
            ),
            (
                "NodeDeviceLookupSCSIHostByWWN",
                "virNodeDeviceLookupSCSIHostByWWN",
                call(
                    &service.conn,
                    TEST_PATH,
                    CONNECT,
                    "NodeDeviceLookupSCSIHostByWWN",
                    &("2000000012341234", "1000000012341234", 0u32),
                )
                .await,
            ),
        ] {
            assert_eq!(
                reply.expect_err(),
                (LIBVIRT_ERROR, &*format!("{no}{api}")),
                "{method}"
            );
        }
    })
    .await;
}

/// VIR_CONNECT_LIST_NODE_DEVICES_CAP_* bits of the capabilities the default devices lack.
const CAP_USB_DEV: u32 = 1 << 2;
const CAP_USB_INTERFACE: u32 = 1 << 3;
const CAP_NET: u32 = 1 << 4;
const CAP_SCSI_TARGET: u32 = 1 << 6;
const CAP_SCSI: u32 = 1 << 7;
const CAP_STORAGE: u32 = 1 << 8;
const CAP_FC_HOST: u32 = 1 << 9;

/// What `virsh nodedev-dumpxml scsi_host12` prints on libvirt 9.0's test:///default after
/// `VHBA_BY_WWNS` is created: a copy of scsi_host11 with the new WWNs.
const CREATED_XML: &str = "<device>
  <name>scsi_host12</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2001001b32a9da4e</wwnn>
      <wwpn>2101001b32a9da4e</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
";

const VHBA_BY_WWNS: &str = "<device>
  <parent wwnn='2000000012341234' wwpn='1000000012341234'/>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2001001b32a9da4e</wwnn>
      <wwpn>2101001b32a9da4e</wwpn>
    </capability>
  </capability>
</device>";

async fn create_err(service: &Service, xml: &str) -> String {
    let r = call(
        &service.conn,
        TEST_PATH,
        CONNECT,
        "NodeDeviceCreateXML",
        &(xml, 0u32),
    )
    .await;
    let (name, text) = r.expect_err();
    assert_eq!(name, LIBVIRT_ERROR);
    text.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vhba_named_by_its_parents_wwns_has_libvirts_xml_caps_and_filters() {
    with_timeout(async {
        let service = Service::start().await;
        let created = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NodeDeviceCreateXML",
            &(VHBA_BY_WWNS, 0u32),
        )
        .await;
        assert_eq!(path_of(created), HOST12);
        let xml = call(&service.conn, HOST12, NODEDEV, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(xml.body().deserialize::<String>().unwrap(), CREATED_XML);
        let caps = call(&service.conn, HOST12, NODEDEV, "ListCaps", &())
            .await
            .expect_ok();
        // libvirt lists top-level capabilities only: no fc_host.
        assert_eq!(
            caps.body().deserialize::<Vec<String>>().unwrap(),
            ["scsi_host"]
        );
        assert_eq!(
            device_paths(&service, CAP_FC_HOST).await,
            sorted(vec![HOST1, HOST2, HOST11, HOST12])
        );
        // The copy of scsi_host11 has no vport_ops.
        assert_eq!(
            device_paths(&service, CAP_VPORTS).await,
            sorted(vec![HOST1, HOST2])
        );
        call(&service.conn, HOST12, NODEDEV, "Destroy", &())
            .await
            .expect_ok();
        assert_eq!(
            create_err(
                &service,
                &VHBA_BY_WWNS.replace("2000000012341234", "2000000034563456")
            )
            .await,
            "internal error: Could not find parent device for 'new device'"
        );
        assert_eq!(
            create_err(
                &service,
                &VHBA_BY_WWNS.replace(" wwpn='1000000012341234'", "")
            )
            .await,
            "XML error: when providing parent wwnn='2000000012341234', the wwpn must also be \
             provided"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn other_capabilities_are_refused_with_libvirts_errors() {
    with_timeout(async {
        let service = Service::start().await;
        let pci = "<device>
  <parent>computer</parent>
  <capability type='pci'>
    <domain>0</domain>
    <bus>2</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x1521'>I350 Gigabit Network Connection</product>
    <vendor id='0x8086'>Intel Corporation</vendor>
  </capability>
</device>";
        // A well-formed PCI device parses, and libvirt's test driver then refuses it.
        assert_eq!(
            create_err(&service, pci).await,
            "internal error: Device is not a fibre channel HBA"
        );
        assert_eq!(
            create_err(&service, &pci.replace("<bus>2", "<bus>0x2")).await,
            "internal error: invalid PCI bus ID supplied for 'new device'"
        );
        assert_eq!(
            create_err(&service, &pci.replace("<slot>0", "<slot>")).await,
            "internal error: no PCI slot ID supplied for 'new device'"
        );
        assert_eq!(
            create_err(&service, &pci.replace("'pci'", "'gpu'")).await,
            "XML error: Invalid value for attribute 'type' in element 'capability': 'gpu'."
        );
        assert_eq!(
            create_err(&service, "<device><capability/></device>").await,
            "XML error: Missing required attribute 'type' in element 'capability'"
        );
        assert_eq!(
            create_err(&service, "<device><capability type='mdev'/></device>").await,
            "unsupported configuration: the 'mdev' node device capability is not supported by \
             virtbus"
        );
        let storage = "<device><parent>computer</parent><capability type='storage'>\
                       <block>/dev/sdb</block><size>1073741824</size></capability></device>";
        assert_eq!(
            create_err(&service, storage).await,
            "internal error: Device is not a fibre channel HBA"
        );
        // Nothing was added, and no default device answers the new capability bits.
        assert_eq!(device_paths(&service, 0).await.len(), 4);
        for bits in [
            CAP_PCI_DEV,
            CAP_USB_DEV,
            CAP_USB_INTERFACE,
            CAP_NET,
            CAP_SCSI_TARGET,
            CAP_SCSI,
            CAP_STORAGE,
            CAP_PCI_DEV | CAP_NET | CAP_STORAGE,
        ] {
            assert!(device_paths(&service, bits).await.is_empty(), "{bits:#x}");
        }
        assert_eq!(
            device_paths(&service, CAP_STORAGE | CAP_SYSTEM).await,
            [COMPUTER]
        );
    })
    .await;
}
