//! Network filters: every `virNWFilter*` call, its errors and its events, with the semantics
//! of libvirt's nwfilter driver. The test driver seeds none.

mod common;

use common::*;
use virtbus_core::{
    driver::NWFilterDriver,
    event::{Event, ObjectId},
};

const CLEAN: &str = "6ef53069-ba34-94a0-d33d-17751b9b8cb1";
const MAC: &str = "0b6a6c34-5e1c-4c3e-9c55-3f2b5e8d7a20";

fn filter_xml(name: &str, uuid: &str, refs: &[&str]) -> String {
    let refs: String = refs
        .iter()
        .map(|r| format!("<filterref filter='{r}'/>"))
        .collect();
    format!(
        "<filter name='{name}' chain='root'><uuid>{uuid}</uuid>{refs}\
         <rule action='drop' direction='out' priority='500'><mac match='no' srcmacaddr='$MAC'/></rule>\
         </filter>"
    )
}

#[tokio::test]
async fn none_at_start() {
    within(async {
        let (d, _rx) = driver();
        assert!(d.list_nwfilters(0).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn define_lookup_undefine_with_events() {
    within(async {
        let (d, mut rx) = driver();
        let u = d
            .nwfilter_define_xml(&filter_xml("no-mac-spoofing", MAC, &[]), 0)
            .await
            .unwrap();
        assert_eq!(u, uuid(MAC));
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::NWFilter(u)));
        let s = d.nwfilter_summary(&u).await.unwrap();
        assert_eq!((s.uuid, s.name.as_str()), (u, "no-mac-spoofing"));
        assert_eq!(d.nwfilter_lookup_by_name("no-mac-spoofing").await.unwrap(), u);
        assert_eq!(d.nwfilter_lookup_by_uuid(&u).await.unwrap(), u);
        assert_eq!(
            text(d.nwfilter_lookup_by_name("nope").await),
            "Network filter not found: no nwfilter with matching name 'nope'"
        );
        assert_eq!(
            d.nwfilter_xml_desc(&u, 0).await.unwrap(),
            format!(
                "<filter name='no-mac-spoofing' chain='root'>\n  <uuid>{MAC}</uuid>\n  <rule action='drop' direction='out' priority='500'>\n    <mac match='no' srcmacaddr='$MAC'/>\n  </rule>\n</filter>\n"
            )
        );
        // A filter referencing it, then a redefinition: same object, no new Added.
        let c = d
            .nwfilter_define_xml(&filter_xml("clean-traffic", CLEAN, &["no-mac-spoofing"]), 0)
            .await
            .unwrap();
        assert_eq!(next(&mut rx).await, Event::Added(ObjectId::NWFilter(c)));
        d.nwfilter_define_xml(&filter_xml("clean-traffic", CLEAN, &[]), 0)
            .await
            .unwrap();
        assert_eq!(d.list_nwfilters(0).await.unwrap(), vec![c, u], "by name");

        d.nwfilter_undefine(&u).await.unwrap();
        assert_eq!(next(&mut rx).await, Event::Removed(ObjectId::NWFilter(u)));
        let gone = format!("Network filter not found: no nwfilter with matching uuid '{MAC}'");
        assert_eq!(text(d.nwfilter_lookup_by_uuid(&u).await), gone);
        assert_eq!(text(d.nwfilter_undefine(&u).await), gone);
        assert_eq!(text(d.nwfilter_xml_desc(&u, 0).await), gone);
        assert_eq!(text(d.nwfilter_summary(&u).await), gone);
        assert!(drain(&mut rx).is_empty());
    })
    .await;
}

#[tokio::test]
async fn names_uuids_and_loops_are_checked() {
    within(async {
        let (d, _rx) = driver();
        d.nwfilter_define_xml(&filter_xml("a", MAC, &["b"]), 0)
            .await
            .unwrap();
        assert_eq!(
            text(d.nwfilter_define_xml(&filter_xml("a2", MAC, &[]), 0).await),
            "operation failed: filter with same UUID but different name ('a') already exists"
        );
        assert_eq!(
            text(d.nwfilter_define_xml(&filter_xml("a", CLEAN, &[]), 0).await),
            format!("operation failed: filter 'a' already exists with uuid {MAC}")
        );
        // b -> a -> b.
        assert_eq!(
            text(
                d.nwfilter_define_xml(&filter_xml("b", CLEAN, &["a"]), 0)
                    .await
            ),
            "operation failed: filter would introduce a loop"
        );
        assert_eq!(
            text(
                d.nwfilter_define_xml(&filter_xml("c", CLEAN, &["c"]), 0)
                    .await
            ),
            "operation failed: filter would introduce a loop"
        );
        // References to filters not defined yet are fine.
        d.nwfilter_define_xml(&filter_xml("b", CLEAN, &["later"]), 0)
            .await
            .unwrap();
        assert_eq!(d.list_nwfilters(0).await.unwrap().len(), 2);
        assert_eq!(
            text(d.list_nwfilters(1).await),
            "unsupported flags (0x1) in function nwfilterConnectListAllNWFilters"
        );
        assert_eq!(
            text(d.nwfilter_define_xml("<filter name='x'/>", 2).await),
            "unsupported flags (0x2) in function nwfilterDefineXMLFlags"
        );
        assert!(text(
            d.nwfilter_define_xml("<filter name='x'><y/></filter>", 1)
                .await
        )
        .contains("nwfilter.rng"));
        assert_eq!(
            text(d.nwfilter_xml_desc(&uuid(MAC), 4).await),
            "unsupported flags (0x4) in function nwfilterGetXMLDesc"
        );
        assert_eq!(
            text(d.nwfilter_define_xml("<filter/>", 0).await),
            "internal error: filter has no name"
        );
    })
    .await;
}
