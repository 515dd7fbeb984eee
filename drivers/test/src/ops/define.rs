//! Defining and creating domains from XML, saving and restoring them (images kept in
//! memory, keyed by path), managed save and core dumps.

use uuid::Uuid;
use virtbus_core::{
    event::{lifecycle, Event, ObjectId},
    flags::{self, check_flags},
    model::DomainDef,
    state::{running, shutoff, Operation},
    xml::format_domain,
    Error, Result,
};

use crate::{
    parse::{check_name_chars, format_options, generate_ifnames, parse_def},
    store::{lifecycle_event, AddMode, Added, Store, MAX_IMAGES},
    TestDriver,
};

/// The error for a save image path the driver holds no image for.
fn no_image(path: &str) -> Error {
    Error::System(format!(
        "cannot read domain image '{path}': No such file or directory"
    ))
}

/// Adds `def` as a live definition and starts it with `reason`, queuing `Added` for a
/// new domain and the STARTED event with `detail`.
fn add_and_start(
    store: &mut Store,
    def: DomainDef,
    reason: i32,
    detail: i32,
    events: &mut Vec<Event>,
) -> Result<Uuid> {
    let (uuid, added) = store.add(def, AddMode::Live)?;
    store.start(&uuid, reason)?;
    if added == Added::New {
        events.push(Event::Added(ObjectId::Domain(uuid)));
    }
    events.push(lifecycle_event(uuid, lifecycle::STARTED, detail));
    Ok(uuid)
}

impl TestDriver {
    /// virDomainDefineXMLFlags.
    pub(crate) fn op_define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(flags, flags::DEFINE_VALIDATE, "testDomainDefineXMLFlags")?;
        let mut def = parse_def(xml, flags & flags::DEFINE_VALIDATE != 0)?;
        check_name_chars(&def)?;
        generate_ifnames(&mut def)?;
        self.with(|store, events| {
            let (uuid, added) = store.add(def, AddMode::Define)?;
            let detail = match added {
                Added::New => {
                    events.push(Event::Added(ObjectId::Domain(uuid)));
                    lifecycle::defined::ADDED
                }
                Added::Existing { replaced: false } => lifecycle::defined::ADDED,
                Added::Existing { replaced: true } => lifecycle::defined::UPDATED,
            };
            events.push(lifecycle_event(uuid, lifecycle::DEFINED, detail));
            Ok(uuid)
        })
    }

    /// virDomainCreateXML: a transient domain, started (or an inactive persistent one
    /// started with this definition).
    pub(crate) fn op_create_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        check_flags(flags, flags::START_VALIDATE, "testDomainCreateXML")?;
        let mut def = parse_def(xml, flags & flags::START_VALIDATE != 0)?;
        generate_ifnames(&mut def)?;
        self.with(|store, events| {
            add_and_start(
                store,
                def,
                running::BOOTED,
                lifecycle::started::BOOTED,
                events,
            )
        })
    }

    /// virDomainSaveFlags: the live definition is kept as the image at `to`.
    pub(crate) fn op_save(&self, uuid: &Uuid, to: &str, xml: &str, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainSaveFlags")?;
        if !xml.is_empty() {
            return Err(Error::ArgumentUnsupported(
                "xml modification unsupported".to_owned(),
            ));
        }
        self.with(|store, events| {
            let dom = store.get(uuid)?;
            dom.allows(Operation::Save)?;
            if store.images.len() >= MAX_IMAGES && !store.images.contains_key(to) {
                return Err(Error::System(format!(
                    "saving domain '{}' to '{to}': write failed: No space left on device",
                    dom.name()
                )));
            }
            let image = dom.cur.clone();
            store.images.insert(to.to_owned(), image);
            store.stop_with_event(uuid, shutoff::SAVED, lifecycle::stopped::SAVED, events)
        })
    }

    /// virDomainRestoreFlags: starts the domain of the image at `from`.
    pub(crate) fn op_restore(&self, from: &str, xml: &str, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainRestoreFlags")?;
        if !xml.is_empty() {
            return Err(Error::ArgumentUnsupported(
                "xml modification unsupported".to_owned(),
            ));
        }
        self.with(|store, events| {
            let mut def = store
                .images
                .get(from)
                .cloned()
                .ok_or_else(|| no_image(from))?;
            generate_ifnames(&mut def)?;
            add_and_start(
                store,
                def,
                running::RESTORED,
                lifecycle::started::RESTORED,
                events,
            )
            .map(|_| ())
        })
    }

    /// virDomainSaveImageGetXMLDesc.
    pub(crate) fn op_save_image_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        check_flags(
            flags,
            flags::SAVE_IMAGE_XML_SECURE,
            "testDomainSaveImageGetXMLDesc",
        )?;
        let def: DomainDef = self.read(|store| {
            store
                .images
                .get(file)
                .cloned()
                .ok_or_else(|| no_image(file))
        })?;
        let opts = format_options(None, true, true, false);
        Ok(format_domain(&def, &opts))
    }

    /// virDomainSaveImageDefineXML: replaces the definition kept in the image.
    pub(crate) fn op_save_image_define_xml(&self, file: &str, xml: &str, flags: u32) -> Result<()> {
        check_flags(
            flags,
            flags::save::RUNNING | flags::save::PAUSED,
            "testDomainSaveImageDefineXML",
        )?;
        self.read(|store| {
            if store.images.contains_key(file) {
                Ok(())
            } else {
                Err(no_image(file))
            }
        })?;
        let def = parse_def(xml, false)?;
        self.with(|store, _| {
            let image = store.images.get_mut(file).ok_or_else(|| no_image(file))?;
            *image = def;
            Ok(())
        })
    }

    /// virDomainManagedSave.
    pub(crate) fn op_managed_save(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(
            flags,
            flags::save::BYPASS_CACHE | flags::save::RUNNING | flags::save::PAUSED,
            "testDomainManagedSave",
        )?;
        self.with(|store, events| {
            let dom = store.get(uuid)?;
            dom.allows(Operation::Save)?;
            if !dom.persistent {
                return Err(Error::OperationInvalid(
                    "cannot do managed save for transient domain".to_owned(),
                ));
            }
            store.stop_with_event(uuid, shutoff::SAVED, lifecycle::stopped::SAVED, events)?;
            store.get_mut(uuid)?.managed_save = true;
            Ok(())
        })
    }

    /// virDomainManagedSaveRemove.
    pub(crate) fn op_managed_save_remove(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainManagedSaveRemove")?;
        self.with(|store, _| {
            store.get_mut(uuid)?.managed_save = false;
            Ok(())
        })
    }

    /// virDomainHasManagedSaveImage.
    pub(crate) fn op_has_managed_save_image(&self, uuid: &Uuid, flags: u32) -> Result<bool> {
        check_flags(flags, 0, "testDomainHasManagedSaveImage")?;
        self.read(|store| Ok(store.get(uuid)?.managed_save))
    }

    /// virDomainCoreDumpWithFormat: nothing is written; VIR_DUMP_CRASH stops the domain
    /// with SHUTOFF/CRASHED.
    pub(crate) fn op_core_dump(
        &self,
        uuid: &Uuid,
        _to: &str,
        format: u32,
        flags: u32,
    ) -> Result<()> {
        use flags::dump::{CRASH, LIVE, RESET};
        for (a, b, a_name, b_name) in [
            (CRASH, LIVE, "VIR_DUMP_CRASH", "VIR_DUMP_LIVE"),
            (CRASH, RESET, "VIR_DUMP_CRASH", "VIR_DUMP_RESET"),
            (LIVE, RESET, "VIR_DUMP_LIVE", "VIR_DUMP_RESET"),
        ] {
            flags::exclusive(flags, a, b, a_name, b_name)?;
        }
        // RAW, KDUMP_ZLIB, KDUMP_LZO, KDUMP_SNAPPY, WIN_DMP.
        if format >= 5 {
            return Err(Error::InvalidArgBare(format!(
                "dumpformat '{format}' is not supported"
            )));
        }
        check_flags(flags, flags::dump::CRASH, "testDomainCoreDumpWithFormat")?;
        self.with(|store, events| {
            store.get(uuid)?.allows(Operation::CoreDump)?;
            if format != 0 {
                return Err(Error::OperationUnsupported(
                    "kdump-compressed format is not supported here".to_owned(),
                ));
            }
            if flags & flags::dump::CRASH != 0 {
                store.stop_with_event(
                    uuid,
                    shutoff::CRASHED,
                    lifecycle::stopped::CRASHED,
                    events,
                )?;
            }
            Ok(())
        })
    }
}
