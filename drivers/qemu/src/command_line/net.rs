//! Network interfaces: user-mode networking (`-netdev user`), a host bridge through QEMU's
//! bridge helper, or a tap device when the service is privileged.

use std::path::Path;

use virtbus_core::{model::InterfaceDef, Error, Result};

use super::{address, json::Json, unsupported, Builder};

/// Where Debian and Fedora install QEMU's setuid bridge helper.
const BRIDGE_HELPERS: &[&str] = &[
    "/usr/lib/qemu/qemu-bridge-helper",
    "/usr/libexec/qemu-bridge-helper",
];
/// The bridge helper's access list.
const BRIDGE_ACL: &str = "/etc/qemu/bridge.conf";

/// The device driver for `<model type>` (rtl8139 when absent, libvirt's x86 default).
fn model_driver(model: Option<&str>) -> Result<&'static str> {
    Ok(match model {
        None | Some("rtl8139") => "rtl8139",
        Some("virtio") => "virtio-net-pci",
        Some("e1000") => "e1000",
        Some("e1000e") => "e1000e",
        Some(other) => {
            return Err(unsupported(format!(
                "interface model '{other}' is not supported by this driver"
            )))
        }
    })
}

/// Whether the bridge helper's ACL allows `bridge` (`allow NAME` or `allow all`; `deny`
/// lines and includes are not evaluated, so only a plain allow counts).
fn bridge_allowed(acl: &str, bridge: &str) -> bool {
    let mut allowed = false;
    for line in acl.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("allow"), Some(name)) if name == bridge || name == "all" => allowed = true,
            (Some("deny"), Some(name)) if name == bridge || name == "all" => allowed = false,
            _ => {}
        }
    }
    allowed
}

fn is_interface_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 16
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The `-netdev` of one interface.
fn backend(b: &Builder<'_>, net: &InterfaceDef, id: &str) -> Result<Json> {
    let netdev = Json::new();
    Ok(match net.if_type.as_str() {
        "user" => netdev.str("type", "user").str("id", id),
        "bridge" => {
            let bridge = net
                .source
                .as_deref()
                .ok_or_else(|| Error::Xml("Missing source bridge name".into()))?;
            if !is_interface_name(bridge) {
                return Err(unsupported(format!("invalid bridge name '{bridge}'")));
            }
            let sys = Path::new("/sys/class/net").join(bridge);
            if !sys.exists() {
                return Err(Error::System(format!(
                    "Cannot get interface MTU on '{bridge}': No such device"
                )));
            }
            if !sys.join("bridge").exists() {
                return Err(unsupported(format!("interface '{bridge}' is not a bridge")));
            }
            let helper = BRIDGE_HELPERS
                .iter()
                .find(|h| Path::new(h).exists())
                .ok_or_else(|| {
                    unsupported("bridge networking needs qemu-bridge-helper, which is not installed")
                })?;
            let acl = std::fs::read_to_string(BRIDGE_ACL).unwrap_or_default();
            if !bridge_allowed(&acl, bridge) {
                return Err(unsupported(format!(
                    "bridge '{bridge}' is not allowed by {BRIDGE_ACL} (add 'allow {bridge}')"
                )));
            }
            netdev
                .str("type", "bridge")
                .str("br", bridge)
                .str("helper", helper)
                .str("id", id)
        }
        "ethernet" => {
            if !b.ctx.host.privileged {
                return Err(unsupported(
                    "interface type 'ethernet' needs a privileged service to create its tap device",
                ));
            }
            let mut tap = netdev.str("type", "tap");
            if let Some(dev) = net.target_dev.as_deref() {
                if !is_interface_name(dev) {
                    return Err(unsupported(format!("invalid tap device name '{dev}'")));
                }
                tap = tap.str("ifname", dev);
            }
            tap.str("script", "no").str("downscript", "no").str("id", id)
        }
        "network" => {
            return Err(unsupported(
                "interface type 'network' is not supported by this driver yet; use type 'bridge' with the network's bridge, or 'user'",
            ))
        }
        other => {
            return Err(unsupported(format!(
                "interface type '{other}' is not supported by this driver"
            )))
        }
    })
}

/// `-netdev`/`-device` for every interface.
pub fn interfaces(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    for (i, net) in def.devices.interfaces.iter().enumerate() {
        let driver = model_driver(net.model.as_deref())?;
        if net.bandwidth.is_some() {
            return Err(unsupported(
                "interface <bandwidth> is not supported by this driver",
            ));
        }
        if net.link_state.as_deref() == Some("down") {
            return Err(unsupported(
                "an interface link that starts down is not supported by this driver",
            ));
        }
        for (key, value) in &net.driver {
            if !(key == "name" && matches!(value.as_str(), "qemu" | "vhost")) {
                return Err(unsupported(format!(
                    "interface driver option {key}='{value}' is not supported by this driver"
                )));
            }
        }
        let id = format!("hostnet{i}");
        let netdev = backend(b, net, &id)?;
        b.opt("-netdev", netdev.finish());
        let mut dev = Json::new()
            .str("driver", driver)
            .str("netdev", &id)
            .str("id", &format!("net{i}"));
        if let Some(mac) = net.mac.as_deref() {
            dev = dev.str("mac", mac);
        }
        if let Some(mtu) = net.mtu {
            if driver != "virtio-net-pci" {
                return Err(unsupported(
                    "setting MTU is supported only for virtio interfaces",
                ));
            }
            dev = dev.num("host_mtu", u64::from(mtu));
        }
        dev = dev.merge(address::pci(
            net.address.as_ref(),
            b.family,
            "an interface",
        )?);
        if let Some(index) = b.net_boot.get(i).copied().flatten() {
            dev = dev.num("bootindex", u64::from(index));
        }
        b.device(dev);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bridge_acl_is_read_like_the_helper() {
        assert!(bridge_allowed("allow br0\n", "br0"));
        assert!(bridge_allowed("allow all\n", "virbr0"));
        assert!(!bridge_allowed("allow br1\n", "br0"));
        assert!(!bridge_allowed("allow all\ndeny br0\n", "br0"));
        assert!(!bridge_allowed("", "br0"));
    }
}
