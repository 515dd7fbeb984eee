//! The `net` capability: `virNodeDevCapNetParseXML` and its formatter, with the link of
//! `virInterfaceLinkParseXML`/`virInterfaceLinkFormat`.

use super::numbers::{c_u32, text_of};
use crate::{
    error::{Error, Result},
    model::{NetCap, NetLinkState, NetSubCap, NET_DEV_FEATURES},
    xml::{
        conv::{invalid_attr, invalid_uint_attr},
        tree::Element,
        writer::{some, XmlOut},
    },
};

/// Reads a `net` capability of device `dev`.
pub(super) fn parse(el: &Element, dev: &str) -> Result<NetCap> {
    let Some(interface) = text_of(el, "interface") else {
        return Err(Error::Internal(format!(
            "no network interface supplied for '{dev}'"
        )));
    };
    let mut net = NetCap {
        interface,
        address: text_of(el, "address"),
        ..NetCap::default()
    };
    let mut seen = [false; NET_DEV_FEATURES.len()];
    for f in el.children_named("feature") {
        let Some(name) = f.attr("name") else {
            return Err(Error::Xml("missing network device feature name".to_owned()));
        };
        let Some(i) = NET_DEV_FEATURES.iter().position(|k| *k == name) else {
            return Err(Error::Xml(format!(
                "unknown network device feature '{name}'"
            )));
        };
        seen[i] = true;
    }
    net.features = NET_DEV_FEATURES
        .iter()
        .zip(seen)
        .filter_map(|(k, on)| on.then_some(*k))
        .collect();
    // libvirt reads the type of the first sub-capability only.
    let mut subs = el.children_named("capability");
    if let Some(sub) = subs.next() {
        net.subtype = match sub.attr("type") {
            None | Some("") => None,
            Some("80203") => Some(NetSubCap::Ieee80203),
            Some("80211") => Some(NetSubCap::Ieee80211),
            Some(_) => {
                return Err(Error::ConfigUnsupported(format!(
                    "invalid network type supplied for '{dev}'"
                )))
            }
        };
    }
    subs.for_each(|s| s.mark_all());
    if let Some(link) = el.child("link") {
        if let Some(v) = link.attr("state") {
            net.link_state = match v {
                "" => None,
                v => {
                    Some(NetLinkState::from_word(v).ok_or_else(|| invalid_attr(link, "state", v))?)
                }
            };
        }
        if let Some(v) = link.attr("speed") {
            net.link_speed = c_u32(v, 10).ok_or_else(|| invalid_uint_attr(link, "speed", v))?;
        }
    }
    Ok(net)
}

/// Writes the body of a `net` capability.
pub(super) fn format(o: &mut XmlOut, net: &NetCap) {
    o.text("interface", &[], &net.interface);
    o.opt_text("address", net.address.as_deref());
    if net.link_speed != 0 || net.link_state.is_some() {
        o.empty(
            "link",
            &[
                (
                    "speed",
                    (net.link_speed != 0).then(|| net.link_speed.to_string()),
                ),
                ("state", net.link_state.map(|s| s.as_str().to_owned())),
            ],
        );
    }
    for f in &net.features {
        o.empty("feature", &[("name", some(f))]);
    }
    if let Some(sub) = net.subtype {
        o.empty("capability", &[("type", some(sub.as_str()))]);
    }
}
