//! `org.libvirt.NWFilter` on the test connection: definition with `InterfacesAdded`,
//! properties, lookups, the filter XML, object-manager entries, undefinition with
//! `InterfacesRemoved`, and paths that name no filter.

mod common;

use std::collections::HashMap;

use common::{call, signals::SignalLog, with_timeout, Reply, Service, LIBVIRT_ERROR, TEST_PATH};
use zbus::{OwnedObjectPath, OwnedVariant};

const CONNECT: &str = "org.libvirt.Connect";
const NWFILTER: &str = "org.libvirt.NWFilter";
const PROPS: &str = "org.freedesktop.DBus.Properties";
const OM: &str = "org.freedesktop.DBus.ObjectManager";
const UUID: &str = "6ef53069-ba34-94a0-d33d-17751b9b8cb1";
const PATH: &str = "/org/libvirt/Test/nwfilter/_6ef53069_ba34_94a0_d33d_17751b9b8cb1";

type Props = HashMap<String, OwnedVariant>;

const FILTER_XML: &str = "<filter name='allow-ssh' chain='ipv4'>\
    <uuid>6ef53069-ba34-94a0-d33d-17751b9b8cb1</uuid>\
    <filterref filter='clean-traffic'><parameter name='IP' value='192.168.122.10'/></filterref>\
    <rule action='accept' direction='in' priority='200'>\
    <tcp dstportstart='22' state='NEW'/></rule>\
    <rule action='drop' direction='inout'/></filter>";

/// The `o` of a successful reply.
fn path_of(reply: Reply) -> String {
    let msg = reply.expect_ok();
    let path: OwnedObjectPath = msg.body().deserialize().unwrap();
    path.to_string()
}

async fn filter_paths(service: &Service) -> Vec<String> {
    let msg = call(&service.conn, TEST_PATH, CONNECT, "ListNWFilters", &(0u32,))
        .await
        .expect_ok();
    let paths: Vec<OwnedObjectPath> = msg.body().deserialize().unwrap();
    paths.iter().map(|p| p.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_is_defined_read_and_undefined() {
    with_timeout(async {
        let service = Service::start().await;
        assert!(filter_paths(&service).await.is_empty(), "none seeded");
        let mut log = SignalLog::subscribe(&service.conn).await;

        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NWFilterDefineXML",
            &(FILTER_XML,),
        )
        .await;
        assert_eq!(path_of(r), PATH);
        let added = log
            .expect("InterfacesAdded(nwfilter)", |s| {
                s.is(TEST_PATH, OM, "InterfacesAdded")
                    && s.args::<(OwnedObjectPath, HashMap<String, Props>)>()
                        .0
                        .as_str()
                        == PATH
            })
            .await;
        let (_, ifaces): (OwnedObjectPath, HashMap<String, Props>) = added.args();
        assert_eq!(common::v_str(&ifaces[NWFILTER]["Name"]), "allow-ssh");

        let msg = call(&service.conn, PATH, PROPS, "GetAll", &(NWFILTER,))
            .await
            .expect_ok();
        let props: Props = msg.body().deserialize().unwrap();
        assert_eq!(common::v_str(&props["Name"]), "allow-ssh");
        assert_eq!(common::v_str(&props["UUID"]), UUID);
        assert_eq!(props.len(), 2);
        assert_eq!(filter_paths(&service).await, [PATH]);

        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NWFilterLookupByName",
            &("allow-ssh",),
        )
        .await;
        assert_eq!(path_of(r), PATH);
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NWFilterLookupByUUID",
            &(UUID,),
        )
        .await;
        assert_eq!(path_of(r), PATH);
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NWFilterLookupByName",
            &("nope",),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Network filter not found: no nwfilter with matching name 'nope'"
            )
        );

        let xml = call(&service.conn, PATH, NWFILTER, "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        assert_eq!(
            xml.body().deserialize::<String>().unwrap(),
            format!(
                "<filter name='allow-ssh' chain='ipv4' priority='-700'>
  <uuid>{UUID}</uuid>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='192.168.122.10'/>
  </filterref>
  <rule action='accept' direction='in' priority='200'>
    <tcp state='NEW' dstportstart='22'/>
  </rule>
  <rule action='drop' direction='inout' priority='500'/>
</filter>
"
            )
        );

        let msg = call(&service.conn, TEST_PATH, OM, "GetManagedObjects", &())
            .await
            .expect_ok();
        let managed: HashMap<OwnedObjectPath, HashMap<String, Props>> =
            msg.body().deserialize().unwrap();
        let entry = &managed[&OwnedObjectPath::try_from(PATH).unwrap()];
        assert_eq!(common::v_str(&entry[NWFILTER]["UUID"]), UUID);

        call(&service.conn, PATH, NWFILTER, "Undefine", &())
            .await
            .expect_ok();
        log.expect("InterfacesRemoved(nwfilter)", |s| {
            s.is(TEST_PATH, OM, "InterfacesRemoved")
                && s.args::<(OwnedObjectPath, Vec<String>)>()
                    == (PATH.try_into().unwrap(), vec![NWFILTER.to_owned()])
        })
        .await;
        assert!(filter_paths(&service).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_filters_and_paths_answer_as_libvirt() {
    with_timeout(async {
        let service = Service::start().await;
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NWFilterDefineXML",
            &("<filter name='f'><rule action='drop' direction='in'><mac srcmacaddr='nope'/></rule></filter>",),
        )
        .await;
        assert_eq!(
            r.expect_err(),
            (LIBVIRT_ERROR, "internal error: srcmacaddr has illegal value nope")
        );
        let missing = "/org/libvirt/Test/nwfilter/_00000000_0000_0000_0000_000000000000";
        let r = call(&service.conn, missing, NWFILTER, "GetXMLDesc", &(0u32,)).await;
        assert_eq!(
            r.expect_err(),
            (
                LIBVIRT_ERROR,
                "Network filter not found: no nwfilter with matching uuid '00000000-0000-0000-0000-000000000000'"
            )
        );
        let r = call(&service.conn, "/org/libvirt/Test/nwfilter/abc", NWFILTER, "Undefine", &()).await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid UUID"));
        let r = call(&service.conn, TEST_PATH, CONNECT, "NWFilterLookupByUUID", &("nope",)).await;
        assert_eq!(r.expect_err(), (LIBVIRT_ERROR, "Invalid UUID"));
    })
    .await;
}

/// A `<filter>` called `name` referencing the filters `refs`.
fn filter_xml(name: &str, refs: &[&str]) -> String {
    let refs: String = refs
        .iter()
        .map(|r| format!("<filterref filter='{r}'/>"))
        .collect();
    format!("<filter name='{name}' chain='root'>{refs}<rule action='accept' direction='inout'/></filter>")
}

/// A test-driver domain with one interface on the default network filtered by `filter`.
fn filtered_domain_xml(name: &str, filter: &str) -> String {
    format!(
        "<domain type='test'><name>{name}</name><memory>8192</memory>\
         <os><type>hvm</type></os><devices>\
         <interface type='network'><mac address='52:54:00:aa:bb:01'/>\
         <source network='default'/>\
         <filterref filter='{filter}'><parameter name='IP' value='10.0.0.2'/>\
         <parameter name='IP' value='10.0.0.1'/><parameter name='bad-name' value='x'/>\
         </filterref></interface></devices></domain>"
    )
}

async fn define_filter(service: &Service, xml: &str) -> String {
    path_of(
        call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "NWFilterDefineXML",
            &(xml,),
        )
        .await,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_a_running_domain_uses_cannot_be_undefined() {
    with_timeout(async {
        let service = Service::start().await;
        let base = define_filter(&service, &filter_xml("base", &[])).await;
        let web = define_filter(&service, &filter_xml("web", &["base"])).await;
        let spare = define_filter(&service, &filter_xml("spare", &[])).await;

        // A defined, inactive domain holds nothing.
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "DomainDefineXML",
            &(filtered_domain_xml("idle", "spare"),),
        )
        .await;
        r.expect_ok();
        call(&service.conn, &spare, NWFILTER, "Undefine", &())
            .await
            .expect_ok();

        // A running one holds its filter and every filter that filter references.
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "DomainCreateXML",
            &(filtered_domain_xml("fw", "web"), 0u32),
        )
        .await;
        let dom = path_of(r);
        let msg = call(&service.conn, &dom, "org.libvirt.Domain", "GetXMLDesc", &(0u32,))
            .await
            .expect_ok();
        let xml: String = msg.body().deserialize().unwrap();
        assert!(
            xml.contains(
                "<filterref filter='web'>\n        <parameter name='IP' value='10.0.0.2'/>\n        <parameter name='IP' value='10.0.0.1'/>\n      </filterref>"
            ),
            "{xml}"
        );
        for path in [&base, &web] {
            let r = call(&service.conn, path, NWFILTER, "Undefine", &()).await;
            assert_eq!(
                r.expect_err(),
                (
                    LIBVIRT_ERROR,
                    "Requested operation is not valid: nwfilter is in use"
                )
            );
        }
        assert_eq!(filter_paths(&service).await.len(), 2, "nothing removed");

        // Once the domain is gone, a filter referenced only by another filter goes.
        call(&service.conn, &dom, "org.libvirt.Domain", "Destroy", &(0u32,))
            .await
            .expect_ok();
        call(&service.conn, &base, NWFILTER, "Undefine", &())
            .await
            .expect_ok();
        call(&service.conn, &web, NWFILTER, "Undefine", &())
            .await
            .expect_ok();
        assert!(filter_paths(&service).await.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rule_and_chain_errors_are_nwfilter_confs() {
    with_timeout(async {
        let service = Service::start().await;
        for (xml, expected) in [
            (
                "<filter name='f'><rule action='allow' direction='in'/></filter>",
                "unsupported configuration: unknown rule action attribute value",
            ),
            (
                "<filter name='f'><uuid>zz</uuid></filter>",
                "XML error: malformed uuid element",
            ),
            (
                "<filter name='f' chain='mac/x'/>",
                "invalid argument: Chain name contains invalid characters",
            ),
            (
                "<filter name='f'><rule action='drop' direction='in'><ip dstportstart='22'/></rule></filter>",
                "internal error: IP rule with port specification requires protocol specification \
                 with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)",
            ),
        ] {
            let r = call(&service.conn, TEST_PATH, CONNECT, "NWFilterDefineXML", &(xml,)).await;
            assert_eq!(r.expect_err(), (LIBVIRT_ERROR, expected), "{xml}");
        }
        assert!(filter_paths(&service).await.is_empty(), "nothing defined");
    })
    .await;
}
