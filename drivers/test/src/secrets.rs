//! Secrets: the `virSecret*` calls with the semantics of libvirt's secret driver
//! (`src/secret/secret_driver.c`, object rules of `src/conf/virsecretobj.c`). libvirt's own
//! test driver has no secrets; this one keeps them in memory and seeds none.
//!
//! Secrets live in the same store as domains, behind the same lock; events are queued while
//! the lock is held and published once it is released. `Added` comes before the DEFINED
//! event of a new secret, `Removed` after the UNDEFINED event.
//!
//! A secret's value is never written to a log or an error text.

use std::collections::HashMap;

use async_trait::async_trait;
use uuid::Uuid;
use virtbus_core::{
    driver::{SecretDriver, SecretSummary},
    event::{secret_lifecycle, Event, ObjectId},
    flags::{self, check_flags, secret_list},
    model::{SecretDef, SecretUsageType, SECRET_VALUE_MAX},
    xml::{format_secret, parse_secret_with},
    Error, Result,
};

use crate::driver::TestDriver;

/// One secret object (`virSecretObj`): its definition and its value, if set.
#[derive(Clone)]
pub struct SecretObj {
    def: SecretDef,
    value: Option<Vec<u8>>,
}

// Never print the value, not even in a debug dump.
impl std::fmt::Debug for SecretObj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretObj")
            .field("def", &self.def)
            .field("has_value", &self.value.is_some())
            .finish()
    }
}

/// Every secret, by UUID.
#[derive(Debug, Default)]
pub struct Secrets {
    objs: HashMap<Uuid, SecretObj>,
}

/// "no secret with matching uuid 'U'" (`secretObjFromSecret`).
fn no_uuid(uuid: &Uuid) -> Error {
    Error::NoSecret(format!("no secret with matching uuid '{uuid}'"))
}

impl Secrets {
    fn get(&self, uuid: &Uuid) -> Result<&SecretObj> {
        self.objs.get(uuid).ok_or_else(|| no_uuid(uuid))
    }

    fn get_mut(&mut self, uuid: &Uuid) -> Result<&mut SecretObj> {
        self.objs.get_mut(uuid).ok_or_else(|| no_uuid(uuid))
    }

    /// `virSecretObjListFindByUsageLocked`: usage NONE never matches.
    fn by_usage(&self, usage_type: SecretUsageType, usage_id: &str) -> Option<&Uuid> {
        if usage_type == SecretUsageType::None {
            return None;
        }
        self.objs
            .iter()
            .find(|(_, o)| {
                o.def.usage_type == usage_type && o.def.usage_id.as_deref() == Some(usage_id)
            })
            .map(|(u, _)| u)
    }

    /// `virSecretObjListAdd`: the object that takes `def`, with libvirt's refusals.
    /// Returns whether the object is new.
    fn add(&mut self, def: SecretDef) -> Result<bool> {
        let uuid = def.uuid;
        if let Some(obj) = self.objs.get_mut(&uuid) {
            if obj.def.usage_id != def.usage_id {
                return Err(Error::Internal(format!(
                    "a secret with UUID {uuid} is already defined for use with {}",
                    obj.def.usage_id.as_deref().unwrap_or("(null)")
                )));
            }
            if obj.def.private && !def.private {
                return Err(Error::Internal(
                    "cannot change private flag on existing secret".to_owned(),
                ));
            }
            obj.def = def;
            return Ok(false);
        }
        if let Some(other) = def
            .usage_id
            .as_deref()
            .and_then(|id| self.by_usage(def.usage_type, id))
        {
            return Err(Error::Internal(format!(
                "a secret with UUID {other} already defined for use with {}",
                def.usage_id.as_deref().unwrap_or_default()
            )));
        }
        self.objs.insert(uuid, SecretObj { def, value: None });
        Ok(true)
    }
}

/// Whether `def` passes the filters of `virConnectListAllSecrets` (`virSecretObjMatch`).
fn matches(def: &SecretDef, flags: u32) -> bool {
    use secret_list::*;
    let pair = |yes: u32, no: u32, value: bool| {
        flags & (yes | no) == 0 || (flags & yes != 0 && value) || (flags & no != 0 && !value)
    };
    pair(EPHEMERAL, NO_EPHEMERAL, def.ephemeral) && pair(PRIVATE, NO_PRIVATE, def.private)
}

fn secret_event(uuid: Uuid, event: i32) -> Event {
    Event::Secret {
        uuid,
        event,
        detail: 0,
    }
}

#[async_trait]
impl SecretDriver for TestDriver {
    async fn list_secrets(&self, flags: u32) -> Result<Vec<Uuid>> {
        check_flags(flags, secret_list::ALL, "secretConnectListAllSecrets")?;
        self.read(|s| {
            let mut found: Vec<Uuid> = s
                .secrets
                .objs
                .iter()
                .filter(|(_, o)| matches(&o.def, flags))
                .map(|(u, _)| *u)
                .collect();
            found.sort();
            Ok(found)
        })
    }

    async fn secret_summary(&self, uuid: &Uuid) -> Result<SecretSummary> {
        self.read(|s| {
            let o = s.secrets.get(uuid)?;
            Ok(SecretSummary {
                uuid: *uuid,
                usage_type: o.def.usage_type.code(),
                usage_id: o.def.usage_id.clone().unwrap_or_default(),
            })
        })
    }

    async fn secret_lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.read(|s| s.secrets.get(uuid).map(|_| *uuid))
    }

    async fn secret_lookup_by_usage(&self, usage_type: i32, usage_id: &str) -> Result<Uuid> {
        self.read(|s| {
            SecretUsageType::from_code(usage_type)
                .and_then(|t| s.secrets.by_usage(t, usage_id))
                .copied()
                .ok_or_else(|| {
                    Error::NoSecret(format!("no secret with matching usage '{usage_id}'"))
                })
        })
    }

    async fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(flags, flags::SECRET_DEFINE_VALIDATE, "secretDefineXML")?;
        let def = parse_secret_with(xml, flags & flags::SECRET_DEFINE_VALIDATE != 0)?;
        let uuid = def.uuid;
        self.with(|s, events| {
            if s.secrets.add(def)? {
                events.push(Event::Added(ObjectId::Secret(uuid)));
            } else {
                // The usage type may change under the same usage id.
                events.push(Event::PropertiesMayHaveChanged(ObjectId::Secret(uuid)));
            }
            events.push(secret_event(uuid, secret_lifecycle::DEFINED));
            Ok(uuid)
        })
    }

    async fn secret_undefine(&self, uuid: &Uuid) -> Result<()> {
        self.with(|s, events| {
            s.secrets.get(uuid)?;
            if let Some(mut gone) = s.secrets.objs.remove(uuid) {
                // As virSecretObjSetValue does with an old value: wipe it.
                if let Some(v) = gone.value.as_mut() {
                    v.fill(0);
                }
            }
            events.push(secret_event(*uuid, secret_lifecycle::UNDEFINED));
            events.push(Event::Removed(ObjectId::Secret(*uuid)));
            Ok(())
        })
    }

    async fn secret_xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(flags, 0, "secretGetXMLDesc")?;
        self.read(|s| Ok(format_secret(&s.secrets.get(uuid)?.def)))
    }

    async fn secret_value(&self, uuid: &Uuid, flags: u32) -> Result<Vec<u8>> {
        check_flags(flags, 0, "secretGetValue")?;
        self.read(|s| {
            let o = s.secrets.get(uuid)?;
            if o.def.private {
                return Err(Error::InvalidSecret("secret is private".to_owned()));
            }
            o.value
                .clone()
                .ok_or_else(|| Error::NoSecret(format!("secret '{uuid}' does not have a value")))
        })
    }

    async fn secret_set_value(&self, uuid: &Uuid, value: &[u8], flags: u32) -> Result<()> {
        check_flags(flags, 0, "secretSetValue")?;
        if value.len() > SECRET_VALUE_MAX {
            return Err(Error::InvalidArg(format!(
                "secret value of {} bytes exceeds the limit of {SECRET_VALUE_MAX} bytes",
                value.len()
            )));
        }
        // VIR_SECRET_EVENT_VALUE_CHANGED has no D-Bus signal in libvirt-dbus: none is sent.
        self.with(|s, _events| {
            let o = s.secrets.get_mut(uuid)?;
            if let Some(old) = o.value.as_mut() {
                old.fill(0);
            }
            o.value = Some(value.to_vec());
            Ok(())
        })
    }
}
