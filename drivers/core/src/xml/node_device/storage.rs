//! The `storage` capability: `virNodeDevCapStorageParseXML` and
//! `virNodeDeviceCapStorageDefFormat`.
//!
//! libvirt's parser leaves `logical_block_size` and `num_blocks` to udev and drops them from
//! a document; virtbus reads them back so that what `virsh nodedev-dumpxml` prints on a real
//! host round-trips.

use super::numbers::{optional_u64, required_u64, text_of};
use crate::{
    error::{Error, Result},
    model::{RemovableMedia, StorageCap},
    xml::{
        tree::Element,
        writer::{some, XmlOut},
    },
};

/// Reads a `storage` capability of device `dev`.
pub(super) fn parse(el: &Element, dev: &str) -> Result<StorageCap> {
    let Some(block) = text_of(el, "block") else {
        return Err(Error::Internal(format!(
            "no block device path supplied for '{dev}'"
        )));
    };
    let mut st = StorageCap {
        block,
        bus: text_of(el, "bus"),
        drive_type: text_of(el, "drive_type"),
        model: text_of(el, "model"),
        vendor: text_of(el, "vendor"),
        serial: text_of(el, "serial"),
        ..StorageCap::default()
    };
    for sub in el.children_named("capability") {
        match sub.attr("type") {
            None => {
                return Err(Error::Internal(format!(
                    "missing storage capability type for '{dev}'"
                )))
            }
            Some("hotpluggable") => st.hotpluggable = true,
            Some("removable") => {
                let available = sub
                    .children_named("media_available")
                    .any(|m| m.text() == "1");
                st.removable = Some(RemovableMedia {
                    available,
                    size: required_u64(sub, "media_size", "removable media size", dev)?,
                    label: text_of(sub, "media_label"),
                });
                st.logical_block_size =
                    optional_u64(sub, "logical_block_size", "logical block size", dev)?;
                st.num_blocks = optional_u64(sub, "num_blocks", "number of blocks", dev)?;
            }
            Some(other) => {
                return Err(Error::Internal(format!(
                    "unknown storage capability type '{other}' for '{dev}'"
                )))
            }
        }
    }
    if st.removable.is_none() {
        st.size = required_u64(el, "size", "size", dev)?;
        st.logical_block_size = optional_u64(el, "logical_block_size", "logical block size", dev)?;
        st.num_blocks = optional_u64(el, "num_blocks", "number of blocks", dev)?;
    }
    Ok(st)
}

fn format_blocks(o: &mut XmlOut, st: &StorageCap) {
    if st.logical_block_size > 0 {
        o.text(
            "logical_block_size",
            &[],
            &st.logical_block_size.to_string(),
        );
    }
    if st.num_blocks > 0 {
        o.text("num_blocks", &[], &st.num_blocks.to_string());
    }
}

/// Writes the body of a `storage` capability.
pub(super) fn format(o: &mut XmlOut, st: &StorageCap) {
    o.text("block", &[], &st.block);
    o.opt_text("bus", st.bus.as_deref());
    o.opt_text("drive_type", st.drive_type.as_deref());
    o.opt_text("model", st.model.as_deref());
    o.opt_text("vendor", st.vendor.as_deref());
    o.opt_text("serial", st.serial.as_deref());
    match &st.removable {
        Some(media) => {
            o.open("capability", &[("type", some("removable"))]);
            o.text(
                "media_available",
                &[],
                if media.available { "1" } else { "0" },
            );
            o.text("media_size", &[], &media.size.to_string());
            o.opt_text("media_label", media.label.as_deref());
            format_blocks(o, st);
            o.close("capability");
        }
        None => {
            o.text("size", &[], &st.size.to_string());
            format_blocks(o, st);
        }
    }
    if st.hotpluggable {
        o.empty("capability", &[("type", some("hotpluggable"))]);
    }
}
