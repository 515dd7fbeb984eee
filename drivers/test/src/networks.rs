//! Networks: the default network `default`, and the `virNetwork*` calls as libvirt 9.0's
//! test driver answers them (`src/test/test_driver.c`, `testNetwork*`, with the object
//! rules of `src/conf/virnetworkobj.c`).
//!
//! Networks live in the same store as domains, behind the same lock; events are queued
//! while the lock is held and published once it is released. `Added` comes before the
//! DEFINED/STARTED event of a new network, `Removed` after the UNDEFINED/STOPPED event that
//! makes a network disappear.

use std::collections::HashMap;

use async_trait::async_trait;
use uuid::Uuid;
use virtbus_core::{
    driver::{NetworkDriver, NetworkSummary},
    event::{network_lifecycle, Event, ObjectId},
    flags::{self, check_flags, network_list, network_update},
    model::NetworkDef,
    xml::{format_network, parse_network, parse_network_with, update_network},
    Error, Result,
};

use crate::driver::TestDriver;

/// The `<network>` of libvirt's `defaultConnXML`.
pub const DEFAULT_XML: &str = "<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>";

/// The UUID of the default network.
pub const DEFAULT_UUID: Uuid = Uuid::from_u128(0xdd8fe884_6c02_601e_7551_cca97df1c5df);

/// One network object (`virNetworkObj`).
#[derive(Debug, Clone)]
pub struct NetObj {
    /// The live definition of an active network, else the persistent one.
    def: NetworkDef,
    /// The persistent definition waiting for the next start (a network redefined while
    /// active).
    new_def: Option<NetworkDef>,
    active: bool,
    persistent: bool,
    autostart: bool,
}

/// Every network, by UUID.
#[derive(Debug, Default)]
pub struct Networks {
    objs: HashMap<Uuid, NetObj>,
}

/// "no network with matching uuid 'U'".
fn no_uuid(uuid: &Uuid) -> Error {
    Error::NoNetwork(format!("no network with matching uuid '{uuid}'"))
}

/// How a definition enters the list (`VIR_NETWORK_OBJ_LIST_ADD_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assign {
    /// virNetworkDefineXML: a persistent definition.
    Define,
    /// virNetworkCreateXML: a live definition, refused for an active network.
    Live,
}

impl Networks {
    fn get(&self, uuid: &Uuid) -> Result<&NetObj> {
        self.objs.get(uuid).ok_or_else(|| no_uuid(uuid))
    }

    fn get_mut(&mut self, uuid: &Uuid) -> Result<&mut NetObj> {
        self.objs.get_mut(uuid).ok_or_else(|| no_uuid(uuid))
    }

    fn by_name(&self, name: &str) -> Option<(&Uuid, &NetObj)> {
        self.objs.iter().find(|(_, o)| o.def.name == name)
    }

    /// `virNetworkObjAssignDef`: the object that takes `def`, new or existing, with
    /// libvirt's refusals. Returns whether the object is new.
    fn assign(&mut self, def: NetworkDef, how: Assign) -> Result<bool> {
        let uuid = def.uuid;
        if let Some(obj) = self.objs.get_mut(&uuid) {
            if obj.def.name != def.name {
                return Err(Error::OperationFailed(format!(
                    "network '{}' is already defined with uuid {uuid}",
                    obj.def.name
                )));
            }
            match how {
                Assign::Live => {
                    if obj.active {
                        return Err(Error::OperationInvalid(format!(
                            "network is already active as '{}'",
                            obj.def.name
                        )));
                    }
                    let old = std::mem::replace(&mut obj.def, def);
                    if obj.persistent && obj.new_def.is_none() {
                        obj.new_def = Some(old);
                    }
                }
                Assign::Define => {
                    if obj.active {
                        obj.new_def = Some(def);
                    } else {
                        obj.new_def = None;
                        obj.def = def;
                    }
                    obj.persistent = true;
                }
            }
            return Ok(false);
        }
        if let Some((other, _)) = self.by_name(&def.name) {
            return Err(Error::OperationFailed(format!(
                "network '{}' already exists with uuid {other}",
                def.name
            )));
        }
        self.objs.insert(
            uuid,
            NetObj {
                def,
                new_def: None,
                active: false,
                persistent: how == Assign::Define,
                autostart: false,
            },
        );
        Ok(true)
    }

    /// Adds the default network, active and persistent, as the test driver does when it
    /// opens.
    pub fn seed(&mut self) -> Result<()> {
        let def = parse_network(DEFAULT_XML)?;
        let uuid = def.uuid;
        self.assign(def, Assign::Define)?;
        self.get_mut(&uuid)?.active = true;
        Ok(())
    }
}

/// Whether `obj` passes the filters of `virConnectListAllNetworks` (`virNetworkObjMatch`).
fn matches(obj: &NetObj, flags: u32) -> bool {
    use network_list::*;
    let pair = |yes: u32, no: u32, value: bool| {
        flags & (yes | no) == 0 || (flags & yes != 0 && value) || (flags & no != 0 && !value)
    };
    pair(ACTIVE, INACTIVE, obj.active)
        && pair(PERSISTENT, TRANSIENT, obj.persistent)
        && pair(AUTOSTART, NO_AUTOSTART, obj.autostart)
}

#[async_trait]
impl NetworkDriver for TestDriver {
    async fn list_networks(&self, flags: u32) -> Result<Vec<Uuid>> {
        check_flags(flags, network_list::ALL, "testConnectListAllNetworks")?;
        self.read(|s| {
            let mut found: Vec<(&str, Uuid)> = s
                .networks
                .objs
                .iter()
                .filter(|(_, o)| matches(o, flags))
                .map(|(u, o)| (o.def.name.as_str(), *u))
                .collect();
            found.sort();
            Ok(found.into_iter().map(|(_, u)| u).collect())
        })
    }

    async fn network_summary(&self, uuid: &Uuid) -> Result<NetworkSummary> {
        self.read(|s| {
            let o = s.networks.get(uuid)?;
            Ok(NetworkSummary {
                uuid: *uuid,
                name: o.def.name.clone(),
                active: o.active,
                persistent: o.persistent,
                autostart: o.autostart,
            })
        })
    }

    async fn network_lookup_by_name(&self, name: &str) -> Result<Uuid> {
        self.read(|s| {
            s.networks
                .by_name(name)
                .map(|(u, _)| *u)
                .ok_or_else(|| Error::NoNetwork(format!("no network with matching name '{name}'")))
        })
    }

    async fn network_lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.read(|s| s.networks.get(uuid).map(|_| *uuid))
    }

    async fn network_define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(
            flags,
            flags::NETWORK_DEFINE_VALIDATE,
            "testNetworkDefineXMLFlags",
        )?;
        let def = parse_network_with(xml, flags & flags::NETWORK_DEFINE_VALIDATE != 0)?;
        let uuid = def.uuid;
        self.with(|s, events| {
            let new = s.networks.assign(def, Assign::Define)?;
            if new {
                events.push(Event::Added(ObjectId::Network(uuid)));
            }
            events.push(network_event(uuid, network_lifecycle::DEFINED));
            Ok(uuid)
        })
    }

    async fn network_create_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(flags, 0, "testNetworkCreateXMLFlags")?;
        let def = parse_network(xml)?;
        let uuid = def.uuid;
        self.with(|s, events| {
            let new = s.networks.assign(def, Assign::Live)?;
            s.networks.get_mut(&uuid)?.active = true;
            if new {
                events.push(Event::Added(ObjectId::Network(uuid)));
            }
            events.push(network_event(uuid, network_lifecycle::STARTED));
            Ok(uuid)
        })
    }

    async fn network_create(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            let o = s.networks.get_mut(uuid)?;
            if o.active {
                return Err(Error::OperationInvalid(format!(
                    "Network '{}' is already running",
                    o.def.name
                )));
            }
            o.active = true;
            events.push(network_event(*uuid, network_lifecycle::STARTED));
            Ok(())
        })
    }

    async fn network_destroy(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            let o = s.networks.get_mut(uuid)?;
            // libvirt's test driver stops the network whatever its state.
            o.active = false;
            if let Some(next) = o.new_def.take() {
                o.def = next;
            }
            events.push(network_event(*uuid, network_lifecycle::STOPPED));
            if !o.persistent {
                s.networks.objs.remove(uuid);
                events.push(Event::Removed(ObjectId::Network(*uuid)));
            }
            Ok(())
        })
    }

    async fn network_undefine(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            let o = s.networks.get(uuid)?;
            if o.active {
                return Err(Error::OperationInvalid(format!(
                    "Network '{}' is still running",
                    o.def.name
                )));
            }
            s.networks.objs.remove(uuid);
            events.push(network_event(*uuid, network_lifecycle::UNDEFINED));
            events.push(Event::Removed(ObjectId::Network(*uuid)));
            Ok(())
        })
    }

    async fn network_xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        // libvirt's test driver accepts no flag here, not even VIR_NETWORK_XML_INACTIVE.
        check_flags(flags, 0, "testNetworkGetXMLDesc")?;
        self.read(|s| Ok(format_network(&s.networks.get(uuid)?.def)))
    }

    async fn network_update(
        &self,
        uuid: &Uuid,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> Result<()> {
        use network_update::{AFFECT_CONFIG as CONFIG, AFFECT_LIVE as LIVE};
        check_flags(flags, LIVE | CONFIG, "testNetworkUpdate")?;
        // testNetworkUpdate gives no event.
        self.with(|s, _events| {
            let o = s.networks.get_mut(uuid)?;
            let mut flags = flags;
            if flags & (LIVE | CONFIG) == 0 {
                flags |= if o.active { LIVE } else { CONFIG };
            }
            // virNetworkObjConfigChangeSetup.
            if !o.active && flags & LIVE != 0 {
                return Err(Error::OperationInvalid("network is not running".to_owned()));
            }
            if flags & CONFIG != 0 && !o.persistent {
                return Err(Error::OperationInvalid(
                    "cannot change persistent config of a transient network".to_owned(),
                ));
            }
            // Work on copies, so that a failure changes nothing.
            let live = if flags & LIVE != 0 {
                let mut def = o.def.clone();
                update_network(&mut def, command, section, parent_index, xml)?;
                Some(def)
            } else {
                None
            };
            let config = if flags & CONFIG != 0 {
                let mut def = o.new_def.as_ref().unwrap_or(&o.def).clone();
                update_network(&mut def, command, section, parent_index, xml)?;
                Some(def)
            } else {
                None
            };
            // virNetworkObjSetDefTransient: a live change of a persistent network lasts
            // until it stops.
            if o.active && o.persistent && o.new_def.is_none() {
                o.new_def = Some(o.def.clone());
            }
            if let Some(config) = config {
                if o.active {
                    o.new_def = Some(config);
                } else {
                    o.def = config;
                }
            }
            if let Some(live) = live {
                o.def = live;
            }
            Ok(())
        })
    }

    async fn network_set_autostart(&self, uuid: &Uuid, autostart: bool) -> Result<()> {
        self.with(|s, events| {
            let o = s.networks.get_mut(uuid)?;
            if o.autostart != autostart {
                o.autostart = autostart;
                events.push(Event::PropertiesMayHaveChanged(ObjectId::Network(*uuid)));
            }
            Ok(())
        })
    }
}

fn network_event(uuid: Uuid, event: i32) -> Event {
    Event::Network {
        uuid,
        event,
        detail: 0,
    }
}
