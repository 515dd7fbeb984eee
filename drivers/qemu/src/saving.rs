//! Save, restore and managed save for the QEMU connection, as libvirt's qemu driver does
//! them (`qemuDomainSaveInternal`, `qemuDomainRestoreFlags`, `qemuDomainObjStart`): the
//! guest's state goes through [`crate::save`] into an image, the emulator is stopped
//! (SHUTOFF/SAVED), and a later restore or start runs a new emulator from the image.

use std::{path::Path, sync::Arc};

use virtbus_core::{
    event::lifecycle,
    flags::{self, check_flags, save::*},
    model::DomainDef,
    state::{paused, shutoff, DomainState},
    xml::{format_domain, FormatOptions},
    Error, Result,
};

use crate::{
    domain_ops::parse_for_qemu,
    domains::Slot,
    driver::Inner,
    guest::{self, Boot},
    save::{self, SaveImage},
    store::atomic,
};

/// Checks the flags of a save or restore call named `function`: BYPASS_CACHE, RUNNING and
/// PAUSED, the last two exclusive.
pub(crate) fn check_save_flags(flags: u32, function: &str) -> Result<()> {
    check_flags(flags, BYPASS_CACHE | RUNNING | PAUSED, function)?;
    flags::exclusive(
        flags,
        RUNNING,
        PAUSED,
        "VIR_DOMAIN_SAVE_RUNNING",
        "VIR_DOMAIN_SAVE_PAUSED",
    )
}

/// What a save image should say about the guest: running for RUNNING, paused for PAUSED,
/// else as it is.
fn mark_running(flags: u32) -> Option<bool> {
    if flags & RUNNING != 0 {
        Some(true)
    } else if flags & PAUSED != 0 {
        Some(false)
    } else {
        None
    }
}

/// Whether a restored guest stays paused: as `flags` ask (RUNNING or PAUSED), else as it
/// was when saved.
pub(crate) fn restore_paused(flags: u32, was_running: bool) -> bool {
    mark_running(flags).map_or(!was_running, |running| !running)
}

/// The definition that replaces `original` in a save or restore (the `xml` argument of
/// virDomainSaveFlags/virDomainRestoreFlags), or `None` for an empty `xml`. It must describe
/// the same domain (libvirt's ABI stability check; only the name and UUID are compared
/// here, and QEMU refuses a stream whose devices differ).
async fn replacement(inner: &Inner, xml: &str, original: &DomainDef) -> Result<Option<DomainDef>> {
    if xml.is_empty() {
        return Ok(None);
    }
    let def = parse_for_qemu(inner, xml, false).await?;
    if def.uuid != original.uuid {
        return Err(Error::ConfigUnsupported(format!(
            "Target domain uuid {} does not match source {}",
            def.uuid.hyphenated(),
            original.uuid.hyphenated()
        )));
    }
    if def.name != original.name {
        return Err(Error::ConfigUnsupported(format!(
            "Target domain name '{}' does not match source '{}'",
            def.name, original.name
        )));
    }
    Ok(Some(def))
}

/// Saves the running guest of `slot` (its job held) into the image at `path`, with `xml`
/// (or, when empty, the live definition) in its header, then stops the emulator and
/// reports STOPPED/SAVED. A failed save leaves the guest as it was and no image.
pub(crate) async fn save_guest(
    inner: &Arc<Inner>,
    slot: &Arc<Slot>,
    path: &Path,
    xml: &str,
    flags: u32,
) -> Result<()> {
    let (monitor, live) = {
        let mut dom = slot.lock();
        let monitor = dom.monitor()?;
        let run = dom.running()?;
        if run.lifecycle.state.state == DomainState::PmSuspended {
            return Err(Error::OperationInvalid("domain is pmsuspended".to_owned()));
        }
        (monitor, run.live.clone())
    };
    let header_def = replacement(inner, xml, &live).await?.unwrap_or(live);
    let header_xml = format_domain(
        &header_def,
        &FormatOptions {
            secure: true,
            migratable: true,
            ..FormatOptions::default()
        },
    );
    if let Some(run) = slot.lock().run.as_mut() {
        run.lifecycle.pending_pause_reason = Some(paused::SAVE);
    }
    let saved = save::save_marked(&monitor, path, &header_xml, mark_running(flags)).await;
    if let Err(error) = saved {
        if let Some(run) = slot.lock().run.as_mut() {
            run.lifecycle.pending_pause_reason = None;
        }
        return Err(error);
    }
    guest::stop_emulator(inner, slot, false, |l| {
        l.stopped(shutoff::SAVED, lifecycle::stopped::SAVED)
    })
    .await
}

/// Reads the image at `path`: its header and the definition saved in it, checked as a
/// definition for this driver.
pub(crate) async fn read_saved(inner: &Inner, path: &Path) -> Result<(SaveImage, DomainDef)> {
    let image = save::read_image(path)?;
    let def = parse_for_qemu(inner, &image.xml, false).await?;
    Ok((image, def))
}

/// The definition a restore from `path` runs: the image's, or `xml` in its place.
pub(crate) async fn restore_definition(
    inner: &Inner,
    path: &Path,
    xml: &str,
) -> Result<(SaveImage, DomainDef)> {
    let (image, saved) = read_saved(inner, path).await?;
    let def = replacement(inner, xml, &saved).await?.unwrap_or(saved);
    Ok((image, def))
}

/// Saves the running persistent guest of `slot` (its job held) as its managed save image,
/// which its next start resumes from.
pub(crate) async fn managed_save(inner: &Arc<Inner>, slot: &Arc<Slot>, flags: u32) -> Result<()> {
    let name = {
        let dom = slot.lock();
        if !dom.is_active() {
            return Err(Error::not_running());
        }
        if !dom.persistent {
            return Err(Error::OperationInvalid(
                "cannot do managed save for transient domain".to_owned(),
            ));
        }
        dom.name().to_owned()
    };
    let path = inner.store.managed_save_path(&name)?;
    atomic::create_private_dir(&inner.store.managed_save_dir())?;
    save_guest(inner, slot, &path, "", flags).await?;
    slot.lock().managed_save = true;
    Ok(())
}

/// Removes the managed save image of the domain in `slot` (its job held), if any.
pub(crate) fn remove_managed_save(inner: &Inner, slot: &Slot) -> Result<()> {
    let name = slot.lock().name().to_owned();
    inner.store.remove_managed_save(&name)?;
    let mut dom = slot.lock();
    dom.managed_save = false;
    if !dom.is_active() && dom.inactive_state.reason == shutoff::SAVED {
        dom.inactive_state =
            virtbus_core::state::StateReason::new(DomainState::Shutoff, shutoff::UNKNOWN);
    }
    Ok(())
}

/// Starts the defined domain of `slot` (its job held) as virDomainCreateWithFlags does:
/// from its managed save image when it has one (the image is removed once the guest runs;
/// a restore that fails keeps it), unless FORCE_BOOT, which discards the image and boots.
pub(crate) async fn start_defined(inner: &Arc<Inner>, slot: &Arc<Slot>, flags: u32) -> Result<()> {
    let (def, managed_save, name) = {
        let dom = slot.lock();
        if dom.is_active() {
            return Err(Error::OperationInvalid(
                "domain is already running".to_owned(),
            ));
        }
        (dom.def.clone(), dom.managed_save, dom.name().to_owned())
    };
    let start_paused = flags & flags::start::PAUSED != 0;
    if managed_save {
        if flags & flags::start::FORCE_BOOT != 0 {
            remove_managed_save(inner, slot)?;
        } else {
            let path = inner.store.managed_save_path(&name)?;
            let (image, saved) = read_saved(inner, &path).await?;
            let paused = start_paused || !image.was_running;
            guest::start(inner, slot, saved, paused, Boot::Restore(&path)).await?;
            if let Err(error) = remove_managed_save(inner, slot) {
                tracing::warn!(domain = %name, %error, "cannot remove the managed save image");
            }
            return Ok(());
        }
    }
    guest::start(inner, slot, def, start_paused, Boot::Fresh).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_decide_before_the_image() {
        assert!(!restore_paused(0, true));
        assert!(restore_paused(0, false));
        assert!(!restore_paused(RUNNING, false));
        assert!(restore_paused(PAUSED, true));
        assert_eq!(mark_running(BYPASS_CACHE), None);
    }

    #[test]
    fn running_and_paused_exclude_each_other() {
        let e = check_save_flags(RUNNING | PAUSED, "qemuDomainSaveFlags").unwrap_err();
        assert!(e.to_string().contains("mutually exclusive"), "{e}");
        let e = check_save_flags(8, "qemuDomainSaveFlags").unwrap_err();
        assert!(e.to_string().contains("qemuDomainSaveFlags"), "{e}");
        check_save_flags(BYPASS_CACHE | PAUSED, "qemuDomainSaveFlags").unwrap();
    }
}
