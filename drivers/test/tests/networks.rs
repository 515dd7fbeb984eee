//! Networks: the default network, every `virNetwork*` call, its errors and its events, as
//! libvirt 9.0's test driver gives them.

mod common;

use common::*;
use virtbus_core::{
    driver::NetworkDriver,
    event::{network_lifecycle as nl, Event, ObjectId},
    flags::network_list as nf,
    Uuid,
};
use virtbus_test_driver::{TestDriver, DEFAULT_NETWORK_UUID};

const LAB: &str = "0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a10";
const OTHER: &str = "0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a11";

fn net_xml(name: &str, uuid: &str) -> String {
    format!(
        "<network><name>{name}</name><uuid>{uuid}</uuid><forward mode='nat'/>\
         <bridge name='virbr9'/><ip address='192.168.9.1' netmask='255.255.255.0'>\
         <dhcp><range start='192.168.9.2' end='192.168.9.254'/></dhcp></ip></network>"
    )
}

fn net_event(uuid: Uuid, event: i32) -> Event {
    Event::Network {
        uuid,
        event,
        detail: 0,
    }
}

async fn summary(d: &TestDriver, u: &Uuid) -> (bool, bool, bool) {
    let s = d.network_summary(u).await.unwrap();
    (s.active, s.persistent, s.autostart)
}

#[tokio::test]
async fn default_network_is_libvirts() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.network_lookup_by_name("default").await.unwrap();
        assert_eq!(u, DEFAULT_NETWORK_UUID);
        assert_eq!(u.to_string(), "dd8fe884-6c02-601e-7551-cca97df1c5df");
        let s = d.network_summary(&u).await.unwrap();
        assert_eq!(s.name, "default");
        assert_eq!((s.active, s.persistent, s.autostart), (true, true, false));
        assert_eq!(
            d.network_xml_desc(&u, 0).await.unwrap(),
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
"
        );
        assert_eq!(d.list_networks(0).await.unwrap(), vec![u]);
        assert!(drain(&mut rx).is_empty(), "no event at start");
    })
    .await;
}

#[tokio::test]
async fn lookups_and_their_errors() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            d.network_lookup_by_uuid(&DEFAULT_NETWORK_UUID)
                .await
                .unwrap(),
            DEFAULT_NETWORK_UUID
        );
        assert_eq!(
            text(d.network_lookup_by_name("x").await),
            "Network not found: no network with matching name 'x'"
        );
        let e = d.network_lookup_by_name("x").await.unwrap_err();
        assert_eq!(e.code(), 43);
        let u = uuid(LAB);
        let expected = format!("Network not found: no network with matching uuid '{LAB}'");
        assert_eq!(text(d.network_lookup_by_uuid(&u).await), expected);
        assert_eq!(text(d.network_summary(&u).await), expected);
        assert_eq!(text(d.network_xml_desc(&u, 0).await), expected);
        assert_eq!(text(d.network_create(&u).await), expected);
        assert_eq!(text(d.network_destroy(&u).await), expected);
        assert_eq!(text(d.network_undefine(&u).await), expected);
        assert_eq!(text(d.network_set_autostart(&u, true).await), expected);
    })
    .await;
}

#[tokio::test]
async fn define_start_destroy_undefine() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.network_define_xml(&net_xml("lab", LAB), 0).await.unwrap();
        assert_eq!(u, uuid(LAB));
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Network(u)));
        assert_eq!(next(&mut rx).await, net_event(u, nl::DEFINED));
        assert_eq!(summary(&d, &u).await, (false, true, false));

        d.network_create(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::STARTED));
        assert_eq!(summary(&d, &u).await, (true, true, false));
        assert_eq!(
            text(d.network_create(&u).await),
            "Requested operation is not valid: Network 'lab' is already running"
        );
        assert_eq!(
            text(d.network_undefine(&u).await),
            "Requested operation is not valid: Network 'lab' is still running"
        );

        d.network_destroy(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::STOPPED));
        assert_eq!(summary(&d, &u).await, (false, true, false));

        d.network_undefine(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::UNDEFINED));
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Network(u)));
        assert_eq!(
            text(d.network_lookup_by_name("lab").await),
            "Network not found: no network with matching name 'lab'"
        );
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn define_generates_a_uuid_and_redefines_in_place() {
    within(async {
        let (d, mut rx) = driver();
        let u = d
            .network_define_xml("<network><name>iso</name></network>", 0)
            .await
            .unwrap();
        assert_ne!(u, Uuid::nil());
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Network(u)));
        assert_eq!(next(&mut rx).await, net_event(u, nl::DEFINED));
        // Same name and UUID: the definition is replaced, no new object.
        let xml =
            format!("<network><name>iso</name><uuid>{u}</uuid><bridge name='virbr7'/></network>");
        assert_eq!(d.network_define_xml(&xml, 0).await.unwrap(), u);
        assert_eq!(next(&mut rx).await, net_event(u, nl::DEFINED));
        assert!(d
            .network_xml_desc(&u, 0)
            .await
            .unwrap()
            .contains("<bridge name='virbr7' stp='on' delay='0'/>"));
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn define_conflicts_use_libvirts_texts() {
    within(async {
        let (d, mut rx) = driver();
        assert_eq!(
            text(d.network_define_xml(&net_xml("default", LAB), 0).await),
            "operation failed: network 'default' already exists with uuid dd8fe884-6c02-601e-7551-cca97df1c5df"
        );
        assert_eq!(
            text(
                d.network_define_xml(&net_xml("renamed", "dd8fe884-6c02-601e-7551-cca97df1c5df"), 0)
                    .await
            ),
            "operation failed: network 'default' is already defined with uuid dd8fe884-6c02-601e-7551-cca97df1c5df"
        );
        assert_eq!(
            text(d.network_define_xml("<network><name>a/b</name></network>", 0).await),
            "invalid char in name: /"
        );
        assert_eq!(
            text(d.network_define_xml("<network/>", 0).await),
            "missing name information"
        );
        assert_eq!(
            text(d.network_define_xml(&net_xml("x", LAB), 2).await),
            "unsupported flags (0x2) in function testNetworkDefineXMLFlags"
        );
        // VIR_NETWORK_DEFINE_VALIDATE refuses what the schema does not know, and nothing
        // else.
        let odd = net_xml("x", LAB).replace("<forward", "<colour/><forward");
        assert_eq!(
            d.network_define_xml(&odd, 1).await.unwrap_err().code(),
            92
        );
        assert!(drain(&mut rx).is_empty());
        d.network_define_xml(&net_xml("x", LAB), 1).await.unwrap();
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Network(uuid(LAB))));
    })
    .await;
}

#[tokio::test]
async fn redefining_an_active_network_takes_effect_at_next_start() {
    within(async {
        let (d, mut rx) = driver();
        let u = DEFAULT_NETWORK_UUID;
        let xml = "<network><name>default</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\
                   <bridge name='virbr10'/></network>";
        d.network_define_xml(xml, 0).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::DEFINED));
        let live = d.network_xml_desc(&u, 0).await.unwrap();
        assert!(live.contains("virbr0'"), "{live}");
        d.network_destroy(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::STOPPED));
        let next_def = d.network_xml_desc(&u, 0).await.unwrap();
        assert!(next_def.contains("virbr10"), "{next_def}");
        assert_eq!(summary(&d, &u).await, (false, true, false));
    })
    .await;
}

#[tokio::test]
async fn create_xml_makes_a_transient_network_that_vanishes_on_destroy() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.network_create_xml(&net_xml("tmp", LAB), 0).await.unwrap();
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::Network(u)));
        assert_eq!(next(&mut rx).await, net_event(u, nl::STARTED));
        assert_eq!(summary(&d, &u).await, (true, false, false));
        assert_eq!(
            text(d.network_create_xml(&net_xml("tmp", LAB), 0).await),
            "Requested operation is not valid: network is already active as 'tmp'"
        );
        assert_eq!(
            text(d.network_create_xml(&net_xml("tmp", OTHER), 0).await),
            format!("operation failed: network 'tmp' already exists with uuid {LAB}")
        );
        assert_eq!(
            text(d.network_create_xml(&net_xml("y", LAB), 1).await),
            "unsupported flags (0x1) in function testNetworkCreateXMLFlags"
        );
        d.network_destroy(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::STOPPED));
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::Network(u)));
        assert!(d.network_lookup_by_uuid(&u).await.is_err());
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn create_xml_over_an_inactive_persistent_network_starts_it() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.network_define_xml(&net_xml("lab", LAB), 0).await.unwrap();
        drain(&mut rx);
        let live = net_xml("lab", LAB).replace("virbr9", "virbr11");
        assert_eq!(d.network_create_xml(&live, 0).await.unwrap(), u);
        assert_eq!(next(&mut rx).await, net_event(u, nl::STARTED));
        assert_eq!(summary(&d, &u).await, (true, true, false));
        assert!(d.network_xml_desc(&u, 0).await.unwrap().contains("virbr11"));
        // Destroy brings the persistent definition back.
        d.network_destroy(&u).await.unwrap();
        assert!(d.network_xml_desc(&u, 0).await.unwrap().contains("virbr9"));
        assert_eq!(summary(&d, &u).await, (false, true, false));
    })
    .await;
}

#[tokio::test]
async fn defining_a_transient_network_makes_it_persistent() {
    within(async {
        let (d, mut rx) = driver();
        let u = d.network_create_xml(&net_xml("tmp", LAB), 0).await.unwrap();
        drain(&mut rx);
        d.network_define_xml(&net_xml("tmp", LAB), 0).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::DEFINED));
        assert_eq!(summary(&d, &u).await, (true, true, false));
        d.network_destroy(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::STOPPED));
        assert_eq!(summary(&d, &u).await, (false, true, false));
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn destroy_of_an_inactive_network_is_not_refused() {
    // libvirt's testNetworkDestroy does not check the state.
    within(async {
        let (d, mut rx) = driver();
        let u = d.network_define_xml(&net_xml("lab", LAB), 0).await.unwrap();
        drain(&mut rx);
        d.network_destroy(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, net_event(u, nl::STOPPED));
        assert_eq!(summary(&d, &u).await, (false, true, false));
    })
    .await;
}

#[tokio::test]
async fn xml_desc_flags() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            text(d.network_xml_desc(&DEFAULT_NETWORK_UUID, 1).await),
            "unsupported flags (0x1) in function testNetworkGetXMLDesc"
        );
        assert_eq!(
            text(d.network_xml_desc(&DEFAULT_NETWORK_UUID, 0x10).await),
            "unsupported flags (0x10) in function testNetworkGetXMLDesc"
        );
    })
    .await;
}

#[tokio::test]
async fn autostart() {
    within(async {
        let (d, mut rx) = driver();
        let u = DEFAULT_NETWORK_UUID;
        d.network_set_autostart(&u, true).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            Event::PropertiesMayHaveChanged(ObjectId::Network(u))
        );
        assert_eq!(summary(&d, &u).await, (true, true, true));
        // No change, no event.
        d.network_set_autostart(&u, true).await.unwrap();
        assert!(drain(&mut rx).is_empty());
        d.network_set_autostart(&u, false).await.unwrap();
        assert_eq!(
            next(&mut rx).await,
            Event::PropertiesMayHaveChanged(ObjectId::Network(u))
        );
        assert_eq!(summary(&d, &u).await, (true, true, false));
        // libvirt's test driver sets autostart on a transient network too.
        let t = d.network_create_xml(&net_xml("tmp", LAB), 0).await.unwrap();
        drain(&mut rx);
        d.network_set_autostart(&t, true).await.unwrap();
        assert_eq!(summary(&d, &t).await, (true, false, true));
    })
    .await;
}

#[tokio::test]
async fn list_filters() {
    within(async {
        let (d, _rx) = driver();
        let def = DEFAULT_NETWORK_UUID;
        let lab = d.network_define_xml(&net_xml("lab", LAB), 0).await.unwrap();
        let tmp = d
            .network_create_xml(
                &net_xml("tmp", OTHER).replace("192.168.9.", "192.168.10."),
                0,
            )
            .await
            .unwrap();
        d.network_set_autostart(&lab, true).await.unwrap();
        let list = |f| d.list_networks(f);
        assert_eq!(list(0).await.unwrap(), vec![def, lab, tmp]);
        assert_eq!(list(nf::ACTIVE).await.unwrap(), vec![def, tmp]);
        assert_eq!(list(nf::INACTIVE).await.unwrap(), vec![lab]);
        assert_eq!(
            list(nf::ACTIVE | nf::INACTIVE).await.unwrap(),
            vec![def, lab, tmp]
        );
        assert_eq!(list(nf::PERSISTENT).await.unwrap(), vec![def, lab]);
        assert_eq!(list(nf::TRANSIENT).await.unwrap(), vec![tmp]);
        assert_eq!(list(nf::AUTOSTART).await.unwrap(), vec![lab]);
        assert_eq!(list(nf::NO_AUTOSTART).await.unwrap(), vec![def, tmp]);
        assert_eq!(list(nf::ACTIVE | nf::PERSISTENT).await.unwrap(), vec![def]);
        assert_eq!(
            text(list(0x40).await),
            "unsupported flags (0x40) in function testConnectListAllNetworks"
        );
    })
    .await;
}

#[tokio::test]
async fn dhcp_leases_are_not_supported() {
    within(async {
        let (d, _rx) = driver();
        assert_eq!(
            text(d.network_dhcp_leases(&DEFAULT_NETWORK_UUID, "", 0).await),
            "this function is not supported by the connection driver: virNetworkGetDHCPLeases"
        );
    })
    .await;
}

mod update {
    use virtbus_core::{
        flags::network_update::{AFFECT_CONFIG, AFFECT_LIVE},
        xml::{network_section as sec, network_update_command as cmd},
    };

    use super::*;

    const HOST: &str = "<host mac='52:54:00:00:00:10' name='db' ip='192.168.122.10'/>";

    #[tokio::test]
    async fn dhcp_host_on_the_running_default_network() {
        within(async {
            let (d, mut rx) = driver();
            let u = DEFAULT_NETWORK_UUID;
            d.network_update(&u, cmd::ADD_LAST, sec::IP_DHCP_HOST, -1, HOST, 0)
                .await
                .unwrap();
            let live = d.network_xml_desc(&u, 0).await.unwrap();
            assert!(
                live.contains(
                    "      <range start='192.168.122.2' end='192.168.122.254'/>\n      \
                     <host mac='52:54:00:00:00:10' name='db' ip='192.168.122.10'/>\n    </dhcp>"
                ),
                "{live}"
            );
            assert_eq!(
                text(d.network_update(&u, cmd::ADD_FIRST, sec::IP_DHCP_HOST, -1, HOST, 0).await),
                "Requested operation is not valid: there is an existing dhcp host entry in network 'default' that matches \"<host mac='52:54:00:00:00:10' name='db' ip='192.168.122.10'/>\""
            );
            // A live-only change is gone once the network stops.
            d.network_destroy(&u).await.unwrap();
            assert!(!d.network_xml_desc(&u, 0).await.unwrap().contains("<host "));
            assert_eq!(next(&mut rx).await, net_event(u, nl::STOPPED));
            assert!(drain(&mut rx).is_empty(), "update gives no event");
        })
        .await;
    }

    #[tokio::test]
    async fn live_and_config_together_last_after_a_restart() {
        within(async {
            let (d, _rx) = driver();
            let u = DEFAULT_NETWORK_UUID;
            d.network_update(
                &u,
                cmd::ADD_LAST,
                sec::IP_DHCP_HOST,
                0,
                HOST,
                AFFECT_LIVE | AFFECT_CONFIG,
            )
            .await
            .unwrap();
            d.network_destroy(&u).await.unwrap();
            d.network_create(&u).await.unwrap();
            assert!(d.network_xml_desc(&u, 0).await.unwrap().contains("name='db'"));
            // Modify by MAC, then delete by name alone.
            let moved = "<host mac='52:54:00:00:00:10' name='db' ip='192.168.122.11'/>";
            d.network_update(&u, cmd::MODIFY, sec::IP_DHCP_HOST, -1, moved, 0)
                .await
                .unwrap();
            assert!(d
                .network_xml_desc(&u, 0)
                .await
                .unwrap()
                .contains("ip='192.168.122.11'"));
            d.network_update(&u, cmd::DELETE, sec::IP_DHCP_HOST, -1, "<host name='db'/>", 0)
                .await
                .unwrap();
            assert_eq!(
                text(
                    d.network_update(&u, cmd::DELETE, sec::IP_DHCP_HOST, -1, "<host name='db'/>", 0)
                        .await
                ),
                "Requested operation is not valid: couldn't locate a matching dhcp host entry in network 'default'"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn config_on_an_inactive_network_and_state_errors() {
        within(async {
            let (d, _rx) = driver();
            let u = d.network_define_xml(&net_xml("lab", LAB), 0).await.unwrap();
            let range = "<range start='192.168.9.2' end='192.168.9.254'/>";
            assert_eq!(
                text(d.network_update(&u, cmd::DELETE, sec::IP_DHCP_RANGE, -1, range, AFFECT_LIVE).await),
                "Requested operation is not valid: network is not running"
            );
            // AFFECT_CURRENT on an inactive network changes the config.
            d.network_update(&u, cmd::DELETE, sec::IP_DHCP_RANGE, -1, range, 0)
                .await
                .unwrap();
            assert!(!d.network_xml_desc(&u, 0).await.unwrap().contains("<dhcp>"));
            assert_eq!(
                text(d.network_update(&u, cmd::MODIFY, sec::IP_DHCP_RANGE, -1, range, 0).await),
                "Operation not supported: dhcp ranges cannot be modified, only added or deleted"
            );
            let t = d
                .network_create_xml(&net_xml("tmp", OTHER).replace("192.168.9.", "192.168.10."), 0)
                .await
                .unwrap();
            assert_eq!(
                text(d.network_update(&t, cmd::ADD_LAST, sec::DNS_TXT, -1, "<txt name='a' value='b'/>", AFFECT_CONFIG).await),
                "Requested operation is not valid: cannot change persistent config of a transient network"
            );
            assert_eq!(
                text(d.network_update(&u, cmd::ADD_LAST, sec::DNS_TXT, -1, "<txt name='a' value='b'/>", 4).await),
                "unsupported flags (0x4) in function testNetworkUpdate"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn dns_records_and_forward_interfaces() {
        within(async {
            let (d, _rx) = driver();
            let u = DEFAULT_NETWORK_UUID;
            let up = |c, s, x: &'static str| d.network_update(&u, c, s, -1, x, 0);
            up(cmd::ADD_LAST, sec::DNS_HOST, "<host ip='192.168.122.5'><hostname>nas</hostname></host>")
                .await
                .unwrap();
            up(cmd::ADD_LAST, sec::DNS_TXT, "<txt name='owner' value='ops'/>")
                .await
                .unwrap();
            up(cmd::MODIFY, sec::DNS_TXT, "<txt name='owner' value='dev'/>")
                .await
                .unwrap();
            up(cmd::ADD_LAST, sec::DNS_SRV, "<srv service='http' protocol='tcp' target='web' port='80'/>")
                .await
                .unwrap();
            up(cmd::ADD_LAST, sec::FORWARD_INTERFACE, "<interface dev='eth0'/>")
                .await
                .unwrap();
            assert_eq!(
                d.network_xml_desc(&u, 0).await.unwrap(),
                "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward dev='eth0' mode='nat'>
    <interface dev='eth0'/>
  </forward>
  <bridge name='virbr0' stp='on' delay='0'/>
  <dns>
    <txt name='owner' value='dev'/>
    <srv service='http' protocol='tcp' target='web' port='80'/>
    <host ip='192.168.122.5'>
      <hostname>nas</hostname>
    </host>
  </dns>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
"
            );
            assert_eq!(
                text(up(cmd::ADD_LAST, sec::DNS_TXT, "<txt name='owner' value='x'/>").await),
                "Requested operation is not valid: there is already a DNS TXT record with name 'owner' in network default"
            );
            up(cmd::DELETE, sec::DNS_HOST, "<host><hostname>nas</hostname></host>")
                .await
                .unwrap();
            up(cmd::DELETE, sec::DNS_SRV, "<srv service='http'/>").await.unwrap();
            up(cmd::DELETE, sec::DNS_TXT, "<txt name='owner'/>").await.unwrap();
            up(cmd::DELETE, sec::FORWARD_INTERFACE, "<interface dev='eth0'/>")
                .await
                .unwrap();
            assert_eq!(
                d.network_xml_desc(&u, 0).await.unwrap(),
                virtbus_core::xml::format_network(
                    &virtbus_core::xml::parse_network(virtbus_test_driver::DEFAULT_NETWORK_XML)
                        .unwrap()
                )
            );
        })
        .await;
    }

    #[tokio::test]
    async fn unsupported_sections_and_bad_input() {
        within(async {
            let (d, _rx) = driver();
            let u = DEFAULT_NETWORK_UUID;
            assert_eq!(
                text(d.network_update(&u, cmd::MODIFY, sec::BRIDGE, -1, "<bridge name='x'/>", 0).await),
                "Operation not supported: can't update 'bridge' section of network 'default'"
            );
            assert_eq!(
                text(d.network_update(&u, cmd::MODIFY, 99, -1, "<x/>", 0).await),
                "Operation not supported: can't update unrecognized section of network"
            );
            assert_eq!(
                text(d.network_update(&u, 7, sec::DNS_TXT, -1, "<txt name='a' value='b'/>", 0).await),
                "Operation not supported: unrecognized network update command code 7"
            );
            assert_eq!(
                text(d.network_update(&u, cmd::ADD_LAST, sec::IP_DHCP_HOST, -1, "<range start='1.2.3.4'/>", 0).await),
                "XML error: unexpected element <range>, expecting <host>, while updating network 'default'"
            );
            assert_eq!(
                text(d.network_update(&u, cmd::ADD_LAST, sec::IP_DHCP_HOST, 3, HOST, 0).await),
                "Requested operation is not valid: couldn't update dhcp host entry - no <ip> element found at index 3 in network 'default'"
            );
            assert_eq!(
                text(d.network_update(&u, cmd::ADD_LAST, sec::IP_DHCP_HOST, -1, "<host name='v6' ip='fd00::5'/>", 0).await),
                "Requested operation is not valid: the address family of a host entry IP must match the address family of the dhcp element's parent"
            );
            // Nothing changed.
            assert_eq!(
                d.network_xml_desc(&u, 0).await.unwrap(),
                virtbus_core::xml::format_network(
                    &virtbus_core::xml::parse_network(virtbus_test_driver::DEFAULT_NETWORK_XML)
                        .unwrap()
                )
            );
        })
        .await;
    }
}
