//! `org.libvirt.Network` on the test connection: the default network, lookups, the
//! lifecycle with its `NetworkEvent`s, object-manager entries and property changes, and paths
//! that name no network.

mod common;

use std::{collections::HashMap, time::Duration};

use common::{
    call,
    signals::{Sig, SignalLog},
    with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_PATH,
};
use zbus::{OwnedObjectPath, OwnedVariant};

const CONNECT: &str = "org.libvirt.Connect";
const NETWORK: &str = "org.libvirt.Network";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const DEFAULT_PATH: &str = "/org/libvirt/Test/network/_dd8fe884_6c02_601e_7551_cca97df1c5df";
const DEFAULT_UUID: &str = "dd8fe884-6c02-601e-7551-cca97df1c5df";
const NEW_UUID: &str = "6b1b0e2e-3f0a-4c51-9f31-2f5b7f3a9e01";
const NEW_PATH: &str = "/org/libvirt/Test/network/_6b1b0e2e_3f0a_4c51_9f31_2f5b7f3a9e01";

/// virNetworkEventLifecycleType.
const DEFINED: i32 = 0;
const UNDEFINED: i32 = 1;
const STARTED: i32 = 2;
const STOPPED: i32 = 3;

type Props = HashMap<String, OwnedVariant>;

fn network_xml(name: &str, uuid: &str) -> String {
    format!(
        "<network><name>{name}</name><uuid>{uuid}</uuid>\
         <forward mode='nat'/><bridge name='virbr9' stp='on' delay='0'/>\
         <ip address='192.168.150.1' netmask='255.255.255.0'>\
         <dhcp><range start='192.168.150.2' end='192.168.150.254'/>\
         <host mac='52:54:00:6c:3c:01' name='web' ip='192.168.150.10'/></dhcp></ip>\
         </network>"
    )
}

/// The `o` of a successful reply.
fn path_of(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: OwnedObjectPath = msg.body().deserialize().unwrap();
    path.to_string()
}

async fn get_all(service: &Service, path: &str) -> Props {
    let msg = call(&service.conn, path, PROPS, "GetAll", &(NETWORK,))
        .await
        .expect_ok();
    msg.body().deserialize().unwrap()
}

async fn network_paths(service: &Service, flags: u32) -> Vec<String> {
    let msg = call(&service.conn, TEST_PATH, CONNECT, "ListNetworks", &(flags,))
        .await
        .expect_ok();
    let paths: Vec<OwnedObjectPath> = msg.body().deserialize().unwrap();
    paths.iter().map(|p| p.to_string()).collect()
}

/// Waits for `NetworkEvent(path, event)` on the connection object.
async fn expect_network_event(log: &mut SignalLog, path: &str, event: i32) -> Sig {
    log.expect(&format!("NetworkEvent({path}, {event})"), |s| {
        s.is(TEST_PATH, CONNECT, "NetworkEvent")
            && s.args::<(OwnedObjectPath, i32)>() == (path.try_into().unwrap(), event)
    })
    .await
}

/// Waits for `PropertiesChanged` of `org.libvirt.Network` on `path`; returns what changed.
async fn expect_changed(log: &mut SignalLog, path: &str, what: &str) -> Props {
    let sig = log
        .expect(what, |s| {
            s.is(path, PROPS, "PropertiesChanged")
                && s.args::<(String, Props, Vec<String>)>().0 == NETWORK
        })
        .await;
    sig.args::<(String, Props, Vec<String>)>().1
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_network_is_served_with_its_properties() {
    with_timeout(async {
        let service = Service::start().await;
        assert_eq!(network_paths(&service, 0).await, [DEFAULT_PATH]);
        // VIR_CONNECT_LIST_NETWORKS_ACTIVE, _INACTIVE.
        assert_eq!(network_paths(&service, 2).await, [DEFAULT_PATH]);
        assert!(network_paths(&service, 1).await.is_empty());

        let props = get_all(&service, DEFAULT_PATH).await;
        assert_eq!(common::v_str(&props["Name"]), "default");
        assert_eq!(common::v_str(&props["UUID"]), DEFAULT_UUID);
        assert!(common::v_bool(&props["Active"]));
        assert!(common::v_bool(&props["Persistent"]));
        assert!(!common::v_bool(&props["Autostart"]));
        assert_eq!(props.len(), 5);

        let by_name = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NetworkLookupByName",
            &("default",),
        )
        .await;
        assert_eq!(path_of(by_name), DEFAULT_PATH);
        let by_uuid = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NetworkLookupByUUID",
            &(DEFAULT_UUID,),
        )
        .await;
        assert_eq!(path_of(by_uuid), DEFAULT_PATH);
        let missing = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NetworkLookupByName",
            &("nope",),
        )
        .await;
        assert_eq!(
            missing.expect_err(),
            (
                LIBVIRT_ERROR,
                "Network not found: no network with matching name 'nope'"
            )
        );

        let xml = call(&service.conn, DEFAULT_PATH, NETWORK, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        let xml: String = xml.body().deserialize().unwrap();
        assert!(xml.contains("<name>default</name>"), "{xml}");
        assert!(xml.contains(DEFAULT_UUID), "{xml}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_lives_through_define_start_stop_and_undefine() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;

        let reply = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NetworkDefineXML",
            &(network_xml("lab", NEW_UUID),),
        )
        .await;
        assert_eq!(path_of(reply), NEW_PATH);
        let added = log
            .expect("InterfacesAdded(lab)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>()
                        .0
                        .as_str()
                        == NEW_PATH
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = added.args();
        let props = &ifaces[NETWORK];
        assert_eq!(common::v_str(&props["Name"]), "lab");
        assert!(!common::v_bool(&props["Active"]));
        assert!(common::v_bool(&props["Persistent"]));
        expect_network_event(&mut log, NEW_PATH, DEFINED).await;

        call(&service.conn, NEW_PATH, NETWORK, "Create", &())
            .await
            .expect_ok();
        expect_network_event(&mut log, NEW_PATH, STARTED).await;
        let changed = expect_changed(&mut log, NEW_PATH, "Active=true").await;
        assert!(common::v_bool(&changed["Active"]));

        call(
            &service.conn,
            NEW_PATH,
            PROPS,
            "Set",
            &(NETWORK, "Autostart", zbus::Variant::from(true)),
        )
        .await
        .expect_ok();
        let changed = expect_changed(&mut log, NEW_PATH, "Autostart=true").await;
        assert!(common::v_bool(&changed["Autostart"]));
        assert!(common::v_bool(
            &get_all(&service, NEW_PATH).await["Autostart"]
        ));

        call(&service.conn, NEW_PATH, NETWORK, "Destroy", &())
            .await
            .expect_ok();
        expect_network_event(&mut log, NEW_PATH, STOPPED).await;
        let changed = expect_changed(&mut log, NEW_PATH, "Active=false").await;
        assert!(!common::v_bool(&changed["Active"]));

        call(&service.conn, NEW_PATH, NETWORK, "Undefine", &())
            .await
            .expect_ok();
        expect_network_event(&mut log, NEW_PATH, UNDEFINED).await;
        log.expect("InterfacesRemoved(lab)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>()
                    == (NEW_PATH.try_into().unwrap(), vec![NETWORK.to_owned()])
        })
        .await;
        let gone = call(&service.conn, NEW_PATH, NETWORK, "GetXMLDesc", &(0u32,)).await;
        let (name, text) = gone.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(text.starts_with("Network not found"), "{text}");
        assert_eq!(network_paths(&service, 0).await, [DEFAULT_PATH]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transient_network_comes_and_goes() {
    with_timeout(async {
        let service = Service::start().await;
        let mut log = SignalLog::subscribe(&service.conn).await;
        let reply = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NetworkCreateXML",
            &(network_xml("tmp", NEW_UUID),),
        )
        .await;
        assert_eq!(path_of(reply), NEW_PATH);
        let props = get_all(&service, NEW_PATH).await;
        assert!(common::v_bool(&props["Active"]));
        assert!(!common::v_bool(&props["Persistent"]));
        expect_network_event(&mut log, NEW_PATH, STARTED).await;

        call(&service.conn, NEW_PATH, NETWORK, "Destroy", &())
            .await
            .expect_ok();
        expect_network_event(&mut log, NEW_PATH, STOPPED).await;
        log.expect("InterfacesRemoved(tmp)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>().0.as_str() == NEW_PATH
        })
        .await;
        // What InterfacesRemoved says is not said again.
        let quiet = log
            .next_where(
                |s| s.is(NEW_PATH, PROPS, "PropertiesChanged"),
                Duration::from_millis(300),
            )
            .await;
        assert!(quiet.is_none(), "{quiet:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_object_manager_and_introspection_know_networks() {
    with_timeout(async {
        let service = Service::start().await;
        let msg = call(&service.conn, TEST_PATH, OM, "GetManagedObjects", &())
            .await
            .expect_ok();
        let managed: HashMap<OwnedObjectPath, HashMap<String, Props>> =
            msg.body().deserialize().unwrap();
        let default = &managed[&OwnedObjectPath::try_from(DEFAULT_PATH).unwrap()];
        assert_eq!(common::v_str(&default[NETWORK]["Name"]), "default");
        assert!(managed.contains_key(&OwnedObjectPath::try_from(common::TEST_DOMAIN_PATH).unwrap()));

        let intro = |path: &'static str| {
            let conn = service.conn.clone();
            async move {
                let msg = call(&conn, path, "org.freedesktop.DBus.Introspectable", "Introspect", &())
                    .await
                    .expect_ok();
                msg.body().deserialize::<String>().unwrap()
            }
        };
        let root = intro(TEST_PATH).await;
        assert!(root.contains("<node name=\"network\"/>"), "{root}");
        let networks = intro("/org/libvirt/Test/network").await;
        assert!(
            networks.contains("<node name=\"_dd8fe884_6c02_601e_7551_cca97df1c5df\"/>"),
            "{networks}"
        );
        let one = intro(DEFAULT_PATH).await;
        assert!(one.contains("<interface name=\"org.libvirt.Network\">"), "{one}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_that_name_no_network_answer_as_libvirt_dbus() {
    with_timeout(async {
        let service = Service::start().await;
        let missing = "/org/libvirt/Test/network/_00000000_0000_0000_0000_000000000000";
        let r = call(&service.conn, missing, NETWORK, "Create", &()).await;
        let (name, text) = r.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(text.starts_with("Network not found"), "{text}");
        let r = call(
            &service.conn,
            "/org/libvirt/Test/network/abc",
            NETWORK,
            "Destroy",
            &(),
        )
        .await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid UUID"));
        let all = get_all(&service, missing).await;
        assert!(all.is_empty(), "{all:?}");
        // The network is still there and untouched.
        assert!(common::v_bool(
            &get_all(&service, DEFAULT_PATH).await["Active"]
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_networks_dhcp_hosts_are_updated() {
    // virNetworkUpdate: VIR_NETWORK_UPDATE_COMMAND_ADD_LAST (3) and _ADD_FIRST (4) of a
    // VIR_NETWORK_SECTION_IP_DHCP_HOST (4) entry, at any parent index (-1), live (flags 0 on a
    // running network).
    with_timeout(async {
        let service = Service::start().await;
        let host = "<host mac='52:54:00:00:00:10' name='db' ip='192.168.122.10'/>";
        call(
            &service.conn,
            DEFAULT_PATH,
            NETWORK,
            "Update",
            &(3u32, 4u32, -1i32, host, 0u32),
        )
        .await
        .expect_ok();
        let xml: String = call(&service.conn, DEFAULT_PATH, NETWORK, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(xml.contains(host), "{xml}");
        let again = call(
            &service.conn,
            DEFAULT_PATH,
            NETWORK,
            "Update",
            &(4u32, 4u32, -1i32, host, 0u32),
        )
        .await;
        let (name, text) = again.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        assert!(
            text.starts_with(
                "Requested operation is not valid: there is an existing dhcp host entry"
            ),
            "{text}"
        );
    })
    .await;
}

/// libvirt refuses neither `virNetworkDestroy` nor `virNetworkUndefine` of a network
/// domains are connected to (bridge_driver.c and the test driver check no connections):
/// the only refusal is undefining a network that still runs.
#[tokio::test(flavor = "multi_thread")]
async fn a_network_with_a_running_domain_on_it_is_destroyed_and_undefined() {
    with_timeout(async {
        let service = Service::start().await;
        let dom_xml = "<domain type='test'><name>guest</name><memory>8192</memory>\
            <os><type>hvm</type></os><devices><interface type='network'>\
            <source network='default'/></interface></devices></domain>";
        let dom = path_of(
            call(
                &service.conn,
                TEST_PATH,
                CONNECT,
                "DomainCreateXML",
                &(dom_xml, 0u32),
            )
            .await,
        );

        let r = call(&service.conn, DEFAULT_PATH, NETWORK, "Undefine", &()).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Requested operation is not valid: Network 'default' is still running"
            )
        );
        call(&service.conn, DEFAULT_PATH, NETWORK, "Destroy", &())
            .await
            .expect_ok();
        call(&service.conn, DEFAULT_PATH, NETWORK, "Undefine", &())
            .await
            .expect_ok();
        assert!(network_paths(&service, 0).await.is_empty());

        // The domain keeps running, its interface still naming the network.
        let msg = call(
            &service.conn,
            &dom,
            "org.libvirt.Domain",
            "GetXMLDesc",
            &(0u32,),
        )
        .await
        .expect_ok();
        let xml: String = msg.body().deserialize().unwrap();
        assert!(xml.contains("<source network='default'/>"), "{xml}");
        let msg = call(
            &service.conn,
            &dom,
            PROPS,
            "Get",
            &("org.libvirt.Domain", "Active"),
        )
        .await
        .expect_ok();
        let active: OwnedVariant = msg.body().deserialize().unwrap();
        assert!(common::v_bool(&active));
    })
    .await;
}

/// An Open vSwitch network as virt-manager users write it: port groups with VLANs, a
/// virtual port, bandwidth and application metadata all come back in libvirt's form.
#[tokio::test(flavor = "multi_thread")]
async fn a_network_with_portgroups_vlans_and_bandwidth_reads_back() {
    with_timeout(async {
        let service = Service::start().await;
        let xml = format!(
            "<network><name>ovs</name><uuid>{NEW_UUID}</uuid>\
             <metadata><app:owner xmlns:app='urn:example:app'>ops</app:owner></metadata>\
             <forward mode='bridge'/><bridge name='ovsbr0'/>\
             <virtualport type='openvswitch'/>\
             <bandwidth><inbound average='1000' peak='5000' burst='1024'/></bandwidth>\
             <port isolated='yes'/>\
             <portgroup name='default' default='yes'><vlan><tag id='42'/></vlan></portgroup>\
             <portgroup name='trunk'><vlan trunk='yes'><tag id='100' nativeMode='untagged'/>\
             <tag id='200'/></vlan></portgroup></network>"
        );
        let path = path_of(
            call(
                &service.conn,
                TEST_PATH,
                CONNECT,
                "NetworkDefineXML",
                &(xml.as_str(),),
            )
            .await,
        );
        assert_eq!(path, NEW_PATH);
        let msg = call(&service.conn, NEW_PATH, NETWORK, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        let back: String = msg.body().deserialize().unwrap();
        let expected = format!(
            "<network>
  <name>ovs</name>
  <uuid>{NEW_UUID}</uuid>
  <metadata>
    <app:owner xmlns:app=\"urn:example:app\">ops</app:owner>
  </metadata>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='1024'/>
  </bandwidth>
  <port isolated='yes'/>
  <virtualport type='openvswitch'/>
  <portgroup name='default' default='yes'>
    <vlan>
      <tag id='42'/>
    </vlan>
  </portgroup>
  <portgroup name='trunk'>
    <vlan trunk='yes'>
      <tag id='100' nativeMode='untagged'/>
      <tag id='200'/>
    </vlan>
  </portgroup>
</network>
"
        );
        assert_eq!(back, expected);

        // A floor is for interfaces, not for the network itself: refused, nothing defined.
        let bad = xml
            .replace(NEW_UUID, "6b1b0e2e-3f0a-4c51-9f31-2f5b7f3a9e02")
            .replace("<name>ovs</name>", "<name>ovs2</name>")
            .replace("burst='1024'", "floor='10'");
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NetworkDefineXML",
            &(bad.as_str(),),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "unsupported configuration: floor attribute is not supported for this config"
            )
        );
        assert_eq!(network_paths(&service, 0).await.len(), 2);

        // virNetworkUpdate of the port groups (VIR_NETWORK_SECTION_PORTGROUP = 9):
        // ADD_LAST (3) then DELETE (2), on the persistent definition (CONFIG = 2).
        let sales = "<portgroup name='sales'><vlan><tag id='7'/></vlan></portgroup>";
        call(&service.conn, NEW_PATH, NETWORK, "Update", &(3u32, 9u32, -1i32, sales, 2u32))
            .await
            .expect_ok();
        let xml: String = call(&service.conn, NEW_PATH, NETWORK, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(
            xml.ends_with(
                "  <portgroup name='sales'>\n    <vlan>\n      <tag id='7'/>\n    </vlan>\n  </portgroup>\n</network>\n"
            ),
            "{xml}"
        );
        let twice = call(&service.conn, NEW_PATH, NETWORK, "Update", &(3u32, 9u32, -1i32, sales, 2u32)).await;
        assert_eq!(
            twice.expect_err(),
            (
                LIBVIRT_ERROR,
                "Requested operation is not valid: there is an existing portgroup entry in network 'ovs' that matches \"<portgroup name='sales'>\""
            )
        );
        call(&service.conn, NEW_PATH, NETWORK, "Update", &(2u32, 9u32, -1i32, "<portgroup name='trunk'/>", 2u32))
            .await
            .expect_ok();
        let xml: String = call(&service.conn, NEW_PATH, NETWORK, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok()
            .body()
            .deserialize()
            .unwrap();
        assert!(!xml.contains("trunk"), "{xml}");
    })
    .await;
}
