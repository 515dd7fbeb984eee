//! `<secret>` parsing and formatting with libvirt's rules and error texts
//! (`src/conf/secret_conf.c`: `virSecretParseXML`, `virSecretDefParseUsage`,
//! `virSecretDefFormat`).

use super::{
    tree::{self, Element},
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{SecretDef, SecretUsageType},
};

/// `virXPathString`: the text of the first child `name`, `None` when absent or empty.
fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// `virStringParseYesNo` on an optional attribute, with libvirt's "invalid value of" text.
fn yes_no(root: &Element, name: &str) -> Result<bool> {
    match root.attr(name) {
        None | Some("no") => Ok(false),
        Some("yes") => Ok(true),
        Some(_) => Err(Error::Xml(format!("invalid value of '{name}'"))),
    }
}

/// Parses a `<secret>` document (`virSecretDefParse`), generating a UUID when the
/// document has none.
pub fn parse_secret(xml: &str) -> Result<SecretDef> {
    parse_secret_with(xml, false)
}

/// [`parse_secret`], and with `validate` (VIR_SECRET_DEFINE_VALIDATE) anything the secret
/// schema does not know fails instead of being ignored.
pub fn parse_secret_with(xml: &str, validate: bool) -> Result<SecretDef> {
    let root = tree::parse_document(xml, "definition_of_secret", "secret")?;
    root.mark();
    let def = secret_from_element(&root)?;
    if validate {
        if let Some(what) = root.first_unused() {
            return Err(Error::XmlInvalidSchema(format!(
                "Unable to validate doc against /usr/share/libvirt/schemas/secret.rng\n{what}"
            )));
        }
    }
    Ok(def)
}

fn secret_from_element(root: &Element) -> Result<SecretDef> {
    let ephemeral = yes_no(root, "ephemeral")?;
    let private = yes_no(root, "private")?;
    let uuid = match text_of(root, "uuid") {
        None => uuid::Uuid::new_v4(),
        Some(text) => crate::uuid_str::parse(text.trim())
            .map_err(|_| Error::Internal("malformed uuid element".to_owned()))?,
    };
    let description = text_of(root, "description");
    let (usage_type, usage_id) = match root.child("usage") {
        None => (SecretUsageType::None, None),
        Some(usage) => parse_usage(usage)?,
    };
    Ok(SecretDef {
        uuid,
        ephemeral,
        private,
        description,
        usage_type,
        usage_id,
    })
}

/// `virSecretDefParseUsage`.
fn parse_usage(usage: &Element) -> Result<(SecretUsageType, Option<String>)> {
    let Some(type_str) = usage.attr("type").filter(|s| !s.is_empty()) else {
        return Err(Error::Xml("unknown secret usage type".to_owned()));
    };
    let Some(usage_type) = SecretUsageType::parse(type_str) else {
        return Err(Error::ConfigUnsupported(format!(
            "unknown secret usage type {type_str}"
        )));
    };
    let Some(element) = usage_type.id_element() else {
        return Ok((usage_type, None));
    };
    let Some(id) = text_of(usage, element) else {
        let missing = match usage_type {
            SecretUsageType::Volume => "volume usage specified, but volume path is missing",
            SecretUsageType::Ceph => "Ceph usage specified, but name is missing",
            SecretUsageType::Iscsi => "iSCSI usage specified, but target is missing",
            SecretUsageType::Tls => "TLS usage specified, but name is missing",
            SecretUsageType::Vtpm | SecretUsageType::None => {
                "vTPM usage specified, but name is missing"
            }
        };
        return Err(Error::Internal(missing.to_owned()));
    };
    Ok((usage_type, Some(id)))
}

/// Formats a secret definition as `virSecretDefFormat` does. The value is not part of it.
pub fn format_secret(def: &SecretDef) -> String {
    let mut o = XmlOut::default();
    let flag = |b: bool| some(if b { "yes" } else { "no" });
    o.open(
        "secret",
        &[
            ("ephemeral", flag(def.ephemeral)),
            ("private", flag(def.private)),
        ],
    );
    o.text("uuid", &[], &def.uuid.to_string());
    o.opt_text("description", def.description.as_deref());
    if def.usage_type != SecretUsageType::None {
        o.open("usage", &[("type", some(def.usage_type.as_str()))]);
        if let (Some(element), Some(id)) = (def.usage_type.id_element(), &def.usage_id) {
            o.text(element, &[], id);
        }
        o.close("usage");
    }
    o.close("secret");
    o.finish()
}
