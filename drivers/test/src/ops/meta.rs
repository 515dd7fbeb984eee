//! Title, description and custom metadata elements (`virDomainGetMetadata`,
//! `virDomainSetMetadata`).

use uuid::Uuid;
use virtbus_core::{
    event::{DomainEvent, DomainEventKind, Event},
    flags::{affect, check_flags},
    model::{DomainDef, MetadataElement},
    xml::{metadata_for_get, metadata_from_set},
    Error, Result,
};

use crate::TestDriver;

/// `virDomainMetadataType`.
const DESCRIPTION: i32 = 0;
const TITLE: i32 = 1;
const ELEMENT: i32 = 2;

fn not_present() -> Error {
    Error::NoDomainMetadata("Requested metadata element is not present".to_owned())
}

fn unknown_type(kind: i32) -> Error {
    Error::InvalidArg(format!("unknown metadata type '{kind}'"))
}

/// The change a `SetMetadata` call makes, computed once and applied to each definition.
enum Change {
    Title(Option<String>),
    Description(Option<String>),
    Element(MetadataElement),
}

impl Change {
    fn apply(&self, def: &mut DomainDef) {
        match self {
            Change::Title(t) => def.title = t.clone(),
            Change::Description(d) => def.description = d.clone(),
            Change::Element(element) => {
                def.metadata.retain(|m| m.nsuri != element.nsuri);
                def.metadata.push(element.clone());
            }
        }
    }
}

impl TestDriver {
    /// virDomainGetMetadata (`uri` "" = none).
    pub(crate) fn op_metadata(
        &self,
        uuid: &Uuid,
        kind: i32,
        uri: &str,
        flags: u32,
    ) -> Result<String> {
        match kind {
            TITLE | DESCRIPTION if !uri.is_empty() => {
                return Err(Error::InvalidArgBare(
                    "uri in virDomainGetMetadata must be NULL".to_owned(),
                ))
            }
            ELEMENT if uri.is_empty() => {
                return Err(Error::InvalidArgBare(
                    "uri in virDomainGetMetadata must not be NULL".to_owned(),
                ))
            }
            _ => {}
        }
        check_flags(flags, affect::BOTH, "testDomainGetMetadata")?;
        self.read_def(uuid, flags, |def| match kind {
            TITLE => def.title.clone().ok_or_else(not_present),
            DESCRIPTION => def.description.clone().ok_or_else(not_present),
            ELEMENT => def
                .metadata
                .iter()
                .find(|m| m.nsuri == uri)
                .ok_or_else(not_present)
                .and_then(metadata_for_get),
            other => Err(unknown_type(other)),
        })
    }

    /// virDomainSetMetadata (`key` and `uri` "" = none). An empty title or description
    /// removes it.
    pub(crate) fn op_set_metadata(
        &self,
        uuid: &Uuid,
        kind: i32,
        value: &str,
        key: &str,
        uri: &str,
        flags: u32,
    ) -> Result<()> {
        match kind {
            TITLE | DESCRIPTION => {
                if kind == TITLE && value.contains('\n') {
                    return Err(Error::InvalidArgBare(
                        "metadata title can't contain newlines".to_owned(),
                    ));
                }
                if !uri.is_empty() {
                    return Err(Error::InvalidArgBare(
                        "uri in virDomainSetMetadata must be NULL".to_owned(),
                    ));
                }
                if !key.is_empty() {
                    return Err(Error::InvalidArgBare(
                        "key in virDomainSetMetadata must be NULL".to_owned(),
                    ));
                }
            }
            ELEMENT => {
                if uri.is_empty() {
                    return Err(Error::InvalidArgBare(
                        "uri in virDomainSetMetadata must not be NULL".to_owned(),
                    ));
                }
                if key.is_empty() {
                    return Err(Error::InvalidArgBare(
                        "key in virDomainSetMetadata must not be NULL".to_owned(),
                    ));
                }
            }
            _ => {}
        }
        check_flags(flags, affect::BOTH, "testDomainSetMetadata")?;
        let text = (!value.is_empty()).then(|| value.to_owned());
        self.with(|store, events| {
            let (live, persistent) = store.get_mut(uuid)?.defs_mut(flags)?;
            let change = match kind {
                TITLE => Change::Title(text),
                DESCRIPTION => Change::Description(text),
                ELEMENT => Change::Element(metadata_from_set(value, key, uri)?),
                other => return Err(unknown_type(other)),
            };
            for def in [live, persistent].into_iter().flatten() {
                change.apply(def);
            }
            events.push(Event::Domain(DomainEvent {
                uuid: *uuid,
                kind: DomainEventKind::MetadataChange {
                    kind,
                    nsuri: uri.to_owned(),
                },
            }));
            Ok(())
        })
    }
}
