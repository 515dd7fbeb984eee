//! `org.libvirt.Interface` on the test connection: the default `eth1` with its properties,
//! lookups and filters, up and down with `PropertiesChanged`, definition and undefinition
//! with the object manager's signals, and the transactions of `InterfaceChange*`.

mod common;

use std::collections::HashMap;

use common::{call, signals::SignalLog, with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_PATH};
use zbus::{OwnedObjectPath, OwnedVariant};

const CONNECT: &str = "org.libvirt.Connect";
const IFACE: &str = "org.libvirt.Interface";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const ETH1: &str = "/org/libvirt/Test/interface/aa_3abb_3acc_3add_3aee_3aff";
const ETH2: &str = "/org/libvirt/Test/interface/52_3a54_3a00_3a12_3a34_3a56";

/// VIR_CONNECT_LIST_INTERFACES_INACTIVE, _ACTIVE.
const INACTIVE: u32 = 1;
const ACTIVE: u32 = 2;

type Props = HashMap<String, OwnedVariant>;

const ETH1_XML: &str = "<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>
";

const ETH2_XML: &str = "<interface type='ethernet' name='eth2'>
  <start mode='hotplug'/>
  <mtu size='9000'/>
  <protocol family='ipv4'>
    <dhcp peerdns='yes'/>
  </protocol>
  <protocol family='ipv6'>
    <autoconf/>
    <ip address='2001:db8::5' prefix='64'/>
  </protocol>
  <mac address='52:54:00:12:34:56'/>
</interface>
";

fn path_of(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: OwnedObjectPath = msg.body().deserialize().unwrap();
    path.to_string()
}

async fn get_all(service: &Service, path: &str) -> Props {
    let msg = call(&service.conn, path, PROPS, "GetAll", &(IFACE,))
        .await
        .expect_ok();
    msg.body().deserialize().unwrap()
}

async fn iface_paths(service: &Service, flags: u32) -> Vec<String> {
    let msg = call(
        &service.conn,
        TEST_PATH,
        CONNECT,
        "ListInterfaces",
        &(flags,),
    )
    .await
    .expect_ok();
    let paths: Vec<OwnedObjectPath> = msg.body().deserialize().unwrap();
    paths.iter().map(|p| p.to_string()).collect()
}

async fn connect(service: &Service, method: &str, flags: u32) -> Reply {
    call(&service.conn, TEST_PATH, CONNECT, method, &(flags,)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn eth1_goes_down_and_up_with_properties_changed() {
    with_timeout(async {
        let service = Service::start().await;
        assert_eq!(iface_paths(&service, 0).await, [ETH1]);
        assert_eq!(iface_paths(&service, ACTIVE).await, [ETH1]);
        assert!(iface_paths(&service, INACTIVE).await.is_empty());
        let r = connect(&service, "ListInterfaces", 4).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "unsupported flags (0x4) in function testConnectListAllInterfaces"
            )
        );

        let props = get_all(&service, ETH1).await;
        assert_eq!(common::v_str(&props["Name"]), "eth1");
        assert_eq!(common::v_str(&props["MAC"]), "aa:bb:cc:dd:ee:ff");
        assert!(props["Active"].downcast_ref::<bool>().unwrap());

        let by_name = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceLookupByName",
            &("eth1",),
        )
        .await;
        assert_eq!(path_of(by_name), ETH1);
        let by_mac = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceLookupByMAC",
            &("aa:bb:cc:dd:ee:ff",),
        )
        .await;
        assert_eq!(path_of(by_mac), ETH1);
        let none = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceLookupByName",
            &("eth9",),
        )
        .await;
        assert_eq!(
            none.expect_err(),
            (
                LIBVIRT_ERROR,
                "Interface not found: no interface with matching name 'eth9'"
            )
        );

        let xml = call(&service.conn, ETH1, IFACE, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(xml.body().deserialize::<String>().unwrap(), ETH1_XML);

        let mut log = SignalLog::subscribe(&service.conn).await;
        let r = call(&service.conn, ETH1, IFACE, "Create", &(0u32,)).await;
        assert_eq!(
            r.expect_err(),
            (LIBVIRT_ERROR, "Requested operation is not valid")
        );
        call(&service.conn, ETH1, IFACE, "Destroy", &(0u32,))
            .await
            .expect_ok();
        log.expect("PropertiesChanged(Active=false)", |s| {
            s.is(ETH1, PROPS, "PropertiesChanged") && {
                let (iface, changed, _): (String, Props, Vec<String>) = s.args();
                iface == IFACE
                    && changed
                        .get("Active")
                        .and_then(|v| v.downcast_ref::<bool>().ok())
                        == Some(false)
            }
        })
        .await;
        assert_eq!(iface_paths(&service, INACTIVE).await, [ETH1]);
        let r = call(&service.conn, ETH1, IFACE, "Destroy", &(0u32,)).await;
        assert_eq!(
            r.expect_err(),
            (LIBVIRT_ERROR, "Requested operation is not valid")
        );
        call(&service.conn, ETH1, IFACE, "Create", &(0u32,))
            .await
            .expect_ok();
        log.expect("PropertiesChanged(Active=true)", |s| {
            s.is(ETH1, PROPS, "PropertiesChanged") && {
                let (_, changed, _): (String, Props, Vec<String>) = s.args();
                changed
                    .get("Active")
                    .and_then(|v| v.downcast_ref::<bool>().ok())
                    == Some(true)
            }
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interface_is_defined_and_a_rollback_takes_it_back() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let r = connect(&service, "InterfaceChangeCommit", 0).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Requested operation is not valid: no transaction running, nothing to be committed."
            )
        );
        connect(&service, "InterfaceChangeBegin", 0)
            .await
            .expect_ok();
        let r = connect(&service, "InterfaceChangeBegin", 0).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Requested operation is not valid: there is another transaction running."
            )
        );

        let defined = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceDefineXML",
            &(ETH2_XML, 0u32),
        )
        .await;
        assert_eq!(path_of(defined), ETH2);
        let added = log
            .expect("InterfacesAdded(interface)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>()
                        .0
                        .as_str()
                        == ETH2
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = added.args();
        assert_eq!(common::v_str(&ifaces[IFACE]["Name"]), "eth2");
        assert!(!ifaces[IFACE]["Active"].downcast_ref::<bool>().unwrap());
        let xml = call(&service.conn, ETH2, IFACE, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(xml.body().deserialize::<String>().unwrap(), ETH2_XML);
        assert_eq!(iface_paths(&service, 0).await, [ETH1, ETH2]);

        connect(&service, "InterfaceChangeRollback", 0)
            .await
            .expect_ok();
        log.expect("InterfacesRemoved(interface)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>()
                    == (ETH2.try_into().unwrap(), vec![IFACE.to_owned()])
        })
        .await;
        assert_eq!(iface_paths(&service, 0).await, [ETH1]);
        let r = connect(&service, "InterfaceChangeRollback", 0).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Requested operation is not valid: no transaction running, nothing to rollback."
            )
        );

        // Outside a transaction the definition stays until undefined.
        let defined = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceDefineXML",
            &(ETH2_XML, 0u32),
        )
        .await;
        assert_eq!(path_of(defined), ETH2);
        call(&service.conn, ETH2, IFACE, "Undefine", &())
            .await
            .expect_ok();
        assert_eq!(iface_paths(&service, 0).await, [ETH1]);
        let r = call(&service.conn, ETH2, IFACE, "GetXMLDesc", &(0u32,)).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Interface not found: no interface with matching mac '52:54:00:12:34:56'"
            )
        );
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceDefineXML",
            &("<interface type='ethernet'/>", 0u32),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (LIBVIRT_ERROR, "XML error: interface has no name")
        );
    })
    .await;
}

/// `<link>` comes back as libvirt prints it, and `VIR_INTERFACE_DEFINE_VALIDATE` (flag 1)
/// refuses what interface.rng does not allow, where the call without it accepts it.
#[tokio::test(flavor = "multi_thread")]
async fn links_are_kept_and_validation_refuses_unknown_parts() {
    with_timeout(async {
        let service = Service::start().await;
        let xml = "<interface type='ethernet' name='eth2'>\
            <start mode='hotplug'/><link state='up' speed='1000'/>\
            <mac address='52:54:00:12:34:56'/></interface>";
        let odd = xml.replace("<link ", "<colour/><link ");
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceDefineXML",
            &(odd.as_str(), 1u32),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "XML document failed to validate against schema: Unable to validate doc against \
                 /usr/share/libvirt/schemas/interface.rng\nElement interface has extra content: colour (line 1)"
            )
        );
        assert_eq!(iface_paths(&service, 0).await, [ETH1], "nothing defined");

        let path = path_of(
            call(&service.conn, TEST_PATH, CONNECT, "InterfaceDefineXML", &(xml, 1u32)).await,
        );
        assert_eq!(path, ETH2);
        let msg = call(&service.conn, ETH2, IFACE, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        let back: String = msg.body().deserialize().unwrap();
        assert_eq!(
            back,
            "<interface type='ethernet' name='eth2'>
  <start mode='hotplug'/>
  <link speed='1000' state='up'/>
  <mac address='52:54:00:12:34:56'/>
</interface>
"
        );
        // Without the flag the unknown element is ignored, as libvirt does.
        call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "InterfaceDefineXML",
            &(odd.as_str(), 0u32),
        )
        .await
        .expect_ok();
    })
    .await;
}
