//! Domain XML as the test driver reads it: the shared parser, then the test driver's own
//! post-parse steps (default architecture i686, generated MAC addresses and `testnetN`
//! interface names).

use std::borrow::Cow;

use virtbus_core::{
    model::DomainDef,
    xml::{parse_domain_with, FormatOptions, ParseOptions},
    Error, Result,
};

/// The architecture the test driver assumes when a definition names none.
pub const DEFAULT_ARCH: &str = "i686";

/// Most generated interface names tried, as libvirt's test driver.
const MAX_IFACES: usize = 1024;

/// Parses a definition and applies the test driver's post-parse defaults. With `validate`
/// (VIR_DOMAIN_DEFINE_VALIDATE / VIR_DOMAIN_START_VALIDATE) anything not understood fails.
#[allow(clippy::field_reassign_with_default)] // ParseOptions may gain fields.
pub fn parse_def(xml: &str, validate: bool) -> Result<DomainDef> {
    let mut opts = ParseOptions::default();
    opts.validate = validate;
    let mut def = parse_domain_with(xml, &opts)?;
    apply_defaults(&mut def);
    Ok(def)
}

/// The test driver's own post-parse defaults: architecture i686 and generated MAC addresses
/// (also for the definition inside a redefined snapshot).
pub fn apply_defaults(def: &mut DomainDef) {
    if def.os.arch.is_none() {
        def.os.arch = Some(Cow::Borrowed(DEFAULT_ARCH));
    }
    // Only write to the devices when some interface needs it: writing allocates them.
    if def.devices.interfaces.iter().any(|i| i.mac.is_none()) {
        for iface in &mut def.devices.interfaces {
            if iface.mac.is_none() {
                iface.mac = Some(random_mac());
            }
        }
    }
}

/// Rejects a name with a newline, as `virDomainDefineXML` of the test driver does.
pub fn check_name_chars(def: &DomainDef) -> Result<()> {
    if def.name.contains('\n') {
        return Err(Error::XmlDetail("invalid char in name: \n".to_owned()));
    }
    Ok(())
}

/// Gives every interface without a target device the first free `testnetN` name.
pub fn generate_ifnames(def: &mut DomainDef) -> Result<()> {
    for i in 0..def.devices.interfaces.len() {
        if def.devices.interfaces[i].target_dev.is_some() {
            continue;
        }
        let free = (0..MAX_IFACES).map(|n| format!("testnet{n}")).find(|name| {
            !def.devices
                .interfaces
                .iter()
                .any(|iface| iface.target_dev.as_deref() == Some(name.as_str()))
        });
        match free {
            Some(name) => def.devices.interfaces[i].target_dev = Some(name),
            None => {
                return Err(Error::Internal(format!(
                    "Exceeded max iface limit {MAX_IFACES}"
                )))
            }
        }
    }
    Ok(())
}

/// A locally administered MAC in libvirt's 52:54:00 prefix.
fn random_mac() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    format!(
        "52:54:00:{:02x}:{:02x}:{:02x}",
        bytes[0], bytes[1], bytes[2]
    )
}

/// Formatting options for libvirt's XML flags, starting from the defaults so that options
/// added later keep their default.
#[allow(clippy::field_reassign_with_default)]
pub fn format_options(
    id: Option<i32>,
    secure: bool,
    inactive: bool,
    migratable: bool,
) -> FormatOptions {
    let mut opts = FormatOptions::default();
    opts.id = id;
    opts.secure = secure;
    opts.inactive = inactive;
    opts.migratable = migratable;
    opts
}
