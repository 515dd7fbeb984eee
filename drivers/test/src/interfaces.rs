//! Host interfaces: the `virInterface*` calls of libvirt's test driver
//! (`src/test/test_driver.c`: `testConnectListAllInterfaces`, `testInterface*`), seeded with
//! `eth1` of its `defaultConnXML` (active).
//!
//! Interfaces live in the same store as domains, behind the same lock. libvirt has no
//! interface events: the object manager hears `Added`/`Removed` as interfaces come and go and
//! `PropertiesMayHaveChanged` when one starts or stops. On the bus an interface is named by
//! its MAC address, which is what the calls take.
//!
//! `InterfaceChangeBegin` keeps a copy of every interface; `InterfaceChangeRollback` puts it
//! back, `InterfaceChangeCommit` drops it.

use std::collections::BTreeSet;

use async_trait::async_trait;
use virtbus_core::{
    driver::{InterfaceDriver, InterfaceSummary},
    event::{Event, ObjectId},
    flags::{self, check_flags, interface_list},
    model::HostInterfaceDef,
    xml::{format_interface, parse_interface, parse_interface_with},
    Error, Result,
};

use crate::driver::TestDriver;

/// The interface of libvirt's `defaultConnXML`.
pub const DEFAULT_XML: &str = "<interface type='ethernet' name='eth1'>
  <start mode='onboot'/>
  <mtu size='1492'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.5' prefix='24'/>
    <route gateway='192.168.0.1'/>
  </protocol>
  <mac address='aa:bb:cc:dd:ee:ff'/>
</interface>";

/// One interface object (`virInterfaceObj`).
#[derive(Debug, Clone)]
struct IfaceObj {
    def: HostInterfaceDef,
    active: bool,
}

impl IfaceObj {
    fn mac(&self) -> &str {
        self.def.mac.as_deref().unwrap_or_default()
    }
}

/// Every interface, in the order they were defined, and the copy an open transaction keeps.
#[derive(Debug, Default)]
pub struct Interfaces {
    objs: Vec<IfaceObj>,
    backup: Option<Vec<IfaceObj>>,
}

impl Interfaces {
    /// Adds `eth1`, active, as libvirt's test driver does when it opens.
    pub fn seed(&mut self) -> Result<()> {
        let def = parse_interface(DEFAULT_XML)?;
        self.objs.push(IfaceObj { def, active: true });
        Ok(())
    }

    /// The index of the interface with MAC `mac` (`testInterfaceLookupByMACString`).
    fn by_mac(&self, mac: &str) -> Result<usize> {
        let mut found = self
            .objs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.mac().eq_ignore_ascii_case(mac));
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Ok(i),
            (Some(_), Some(_)) => Err(Error::MultipleInterfaces),
            (None, _) => Err(Error::NoInterface(format!(
                "no interface with matching mac '{mac}'"
            ))),
        }
    }

    fn macs(&self) -> BTreeSet<String> {
        self.objs.iter().map(|o| o.mac().to_owned()).collect()
    }
}

/// The object-manager news between two sets of interfaces (by MAC).
fn diff_events(before: &BTreeSet<String>, after: &BTreeSet<String>, events: &mut Vec<Event>) {
    for gone in before.difference(after) {
        events.push(Event::Removed(ObjectId::Interface(gone.clone())));
    }
    for new in after.difference(before) {
        events.push(Event::Added(ObjectId::Interface(new.clone())));
    }
    for kept in before.intersection(after) {
        events.push(Event::PropertiesMayHaveChanged(ObjectId::Interface(
            kept.clone(),
        )));
    }
}

#[async_trait]
impl InterfaceDriver for TestDriver {
    async fn list_interfaces(&self, flags: u32) -> Result<Vec<String>> {
        check_flags(flags, interface_list::ALL, "testConnectListAllInterfaces")?;
        self.read(|s| {
            Ok(s.interfaces
                .objs
                .iter()
                .filter(|o| {
                    flags & interface_list::ALL == 0
                        || (flags & interface_list::ACTIVE != 0 && o.active)
                        || (flags & interface_list::INACTIVE != 0 && !o.active)
                })
                .map(|o| o.mac().to_owned())
                .collect())
        })
    }

    async fn interface_summary(&self, mac: &str) -> Result<InterfaceSummary> {
        self.read(|s| {
            let o = &s.interfaces.objs[s.interfaces.by_mac(mac)?];
            Ok(InterfaceSummary {
                mac: o.mac().to_owned(),
                name: o.def.name.clone(),
                active: o.active,
            })
        })
    }

    async fn interface_lookup_by_name(&self, name: &str) -> Result<String> {
        self.read(|s| {
            s.interfaces
                .objs
                .iter()
                .find(|o| o.def.name == name)
                .map(|o| o.mac().to_owned())
                .ok_or_else(|| {
                    Error::NoInterface(format!("no interface with matching name '{name}'"))
                })
        })
    }

    async fn interface_lookup_by_mac(&self, mac: &str) -> Result<String> {
        self.read(|s| {
            Ok(s.interfaces.objs[s.interfaces.by_mac(mac)?]
                .mac()
                .to_owned())
        })
    }

    /// With `VIR_INTERFACE_DEFINE_VALIDATE` a document the interface schema does not allow
    /// is refused.
    async fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<String> {
        check_flags(
            flags,
            flags::INTERFACE_DEFINE_VALIDATE,
            "testInterfaceDefineXML",
        )?;
        let def = parse_interface_with(xml, flags & flags::INTERFACE_DEFINE_VALIDATE != 0)?;
        self.with(|s, events| {
            let before = s.interfaces.macs();
            let mac = def.mac.clone().unwrap_or_default();
            // virInterfaceObjListAssignDef: the interface of that name takes the definition.
            match s
                .interfaces
                .objs
                .iter_mut()
                .find(|o| o.def.name == def.name)
            {
                Some(o) => o.def = def,
                None => s.interfaces.objs.push(IfaceObj { def, active: false }),
            }
            let after = s.interfaces.macs();
            if before.contains(&mac) {
                events.push(Event::PropertiesMayHaveChanged(ObjectId::Interface(
                    mac.clone(),
                )));
            }
            for gone in before.difference(&after) {
                events.push(Event::Removed(ObjectId::Interface(gone.clone())));
            }
            for new in after.difference(&before) {
                events.push(Event::Added(ObjectId::Interface(new.clone())));
            }
            Ok(mac)
        })
    }

    async fn interface_change_begin(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceChangeBegin")?;
        self.with(|s, _| {
            if s.interfaces.backup.is_some() {
                return Err(Error::OperationInvalid(
                    "there is another transaction running.".to_owned(),
                ));
            }
            s.interfaces.backup = Some(s.interfaces.objs.clone());
            Ok(())
        })
    }

    async fn interface_change_commit(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceChangeCommit")?;
        self.with(|s, _| {
            if s.interfaces.backup.take().is_none() {
                return Err(Error::OperationInvalid(
                    "no transaction running, nothing to be committed.".to_owned(),
                ));
            }
            Ok(())
        })
    }

    async fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceChangeRollback")?;
        self.with(|s, events| {
            let Some(backup) = s.interfaces.backup.take() else {
                return Err(Error::OperationInvalid(
                    "no transaction running, nothing to rollback.".to_owned(),
                ));
            };
            let before = s.interfaces.macs();
            s.interfaces.objs = backup;
            diff_events(&before, &s.interfaces.macs(), events);
            Ok(())
        })
    }

    async fn interface_create(&self, mac: &str, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceCreate")?;
        self.set_active(mac, true)
    }

    async fn interface_destroy(&self, mac: &str, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testInterfaceDestroy")?;
        self.set_active(mac, false)
    }

    async fn interface_undefine(&self, mac: &str) -> Result<()> {
        self.with(|s, events| {
            let i = s.interfaces.by_mac(mac)?;
            let gone = s.interfaces.objs.remove(i);
            if !s.interfaces.macs().contains(gone.mac()) {
                events.push(Event::Removed(ObjectId::Interface(gone.mac().to_owned())));
            }
            Ok(())
        })
    }

    async fn interface_xml_desc(&self, mac: &str, flags: u32) -> Result<String> {
        // libvirt's test driver takes no flag here, not even VIR_INTERFACE_XML_INACTIVE.
        check_flags(flags, 0, "testInterfaceGetXMLDesc")?;
        self.read(|s| {
            Ok(format_interface(
                &s.interfaces.objs[s.interfaces.by_mac(mac)?].def,
            ))
        })
    }
}

impl TestDriver {
    /// `testInterfaceCreate`/`testInterfaceDestroy`: starting an active interface or stopping
    /// an inactive one is refused with the bare "Requested operation is not valid".
    fn set_active(&self, mac: &str, active: bool) -> Result<()> {
        self.with(|s, events| {
            let i = s.interfaces.by_mac(mac)?;
            let o = &mut s.interfaces.objs[i];
            if o.active == active {
                return Err(Error::OperationInvalidBare);
            }
            o.active = active;
            events.push(Event::PropertiesMayHaveChanged(ObjectId::Interface(
                o.mac().to_owned(),
            )));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use virtbus_core::event::{channel, Received};

    use super::*;

    const ETH1: &str = "aa:bb:cc:dd:ee:ff";
    const ETH2: &str = "<interface type='ethernet' name='eth2'>
  <start mode='hotplug'/>
  <protocol family='ipv4'>
    <dhcp/>
  </protocol>
  <mac address='52:54:00:12:34:56'/>
</interface>
";

    #[tokio::test]
    async fn eth1_its_lookups_and_its_state() {
        let (tx, _rx) = channel();
        let d = TestDriver::new(tx);
        assert_eq!(d.list_interfaces(0).await.unwrap(), [ETH1]);
        assert_eq!(
            d.list_interfaces(interface_list::ACTIVE).await.unwrap(),
            [ETH1]
        );
        assert!(d
            .list_interfaces(interface_list::INACTIVE)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(d.interface_lookup_by_name("eth1").await.unwrap(), ETH1);
        assert_eq!(
            d.interface_lookup_by_name("eth9")
                .await
                .unwrap_err()
                .to_string(),
            "Interface not found: no interface with matching name 'eth9'"
        );
        assert_eq!(
            d.interface_lookup_by_mac("00:00:00:00:00:01")
                .await
                .unwrap_err()
                .to_string(),
            "Interface not found: no interface with matching mac '00:00:00:00:00:01'"
        );
        let s = d.interface_summary(ETH1).await.unwrap();
        assert_eq!((s.name.as_str(), s.active), ("eth1", true));
        assert_eq!(
            d.interface_create(ETH1, 0).await.unwrap_err().to_string(),
            "Requested operation is not valid"
        );
        d.interface_destroy(ETH1, 0).await.unwrap();
        assert!(!d.interface_summary(ETH1).await.unwrap().active);
        assert_eq!(
            d.interface_xml_desc(ETH1, flags::INTERFACE_XML_INACTIVE)
                .await
                .unwrap_err()
                .to_string(),
            "unsupported flags (0x1) in function testInterfaceGetXMLDesc"
        );
        assert_eq!(
            d.interface_xml_desc(ETH1, 0).await.unwrap(),
            format!("{DEFAULT_XML}\n")
        );
    }

    #[tokio::test]
    async fn rollback_restores_the_interfaces_of_change_begin() {
        let (tx, mut rx) = channel();
        let d = TestDriver::new(tx);
        assert_eq!(
            d.interface_change_commit(0).await.unwrap_err().to_string(),
            "Requested operation is not valid: no transaction running, nothing to be committed."
        );
        d.interface_change_begin(0).await.unwrap();
        assert_eq!(
            d.interface_change_begin(0).await.unwrap_err().to_string(),
            "Requested operation is not valid: there is another transaction running."
        );
        assert_eq!(
            d.interface_define_xml(ETH2, 0).await.unwrap(),
            "52:54:00:12:34:56"
        );
        d.interface_undefine(ETH1).await.unwrap();
        assert_eq!(d.list_interfaces(0).await.unwrap(), ["52:54:00:12:34:56"]);
        d.interface_change_rollback(0).await.unwrap();
        assert_eq!(d.list_interfaces(0).await.unwrap(), [ETH1]);
        assert_eq!(
            d.interface_change_rollback(0)
                .await
                .unwrap_err()
                .to_string(),
            "Requested operation is not valid: no transaction running, nothing to rollback."
        );
        let mut seen = Vec::new();
        while let Some(Received::Event(e)) = rx.try_recv() {
            seen.push(e);
        }
        let id = |m: &str| ObjectId::Interface(m.to_owned());
        assert_eq!(
            seen,
            [
                Event::Added(id("52:54:00:12:34:56")),
                Event::Removed(id(ETH1)),
                Event::Removed(id("52:54:00:12:34:56")),
                Event::Added(id(ETH1)),
            ]
        );
        // Commit keeps what the transaction did.
        d.interface_change_begin(0).await.unwrap();
        d.interface_define_xml(ETH2, 0).await.unwrap();
        d.interface_change_commit(0).await.unwrap();
        assert_eq!(d.list_interfaces(0).await.unwrap().len(), 2);
        assert!(
            !d.interface_summary("52:54:00:12:34:56")
                .await
                .unwrap()
                .active
        );
    }
}
