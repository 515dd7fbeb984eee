//! A volume's `<encryption>` (`src/conf/storage_encryption_conf.c`) and the `<secret uuid|usage>`
//! reference it shares with a pool's `<auth>` (`virSecretLookupParseSecret`), with libvirt's
//! rules and error texts.

use super::{
    conv::{invalid_attr, invalid_uint_attr, missing_attr},
    tree::Element,
    writer::{some, XmlOut},
};
use crate::{
    error::{Error, Result},
    model::{EncryptionCipher, SecretLookup, VolEncryption},
};

/// `virStorageEncryptionFormat`.
const FORMATS: &[&str] = &["default", "qcow", "luks", "luks2"];

/// `virStorageEncryptionEngine` without `default`.
const ENGINES: &[&str] = &["qemu", "librbd"];

/// `virSecretLookupParseSecret`: exactly one of `uuid` and `usage`.
pub(crate) fn parse_secret_lookup(el: &Element) -> Result<SecretLookup> {
    match (el.attr("uuid"), el.attr_string("usage")) {
        (None, None) => Err(Error::Xml(
            "missing secret uuid or usage attribute".to_owned(),
        )),
        (Some(_), Some(_)) => Err(Error::Xml(
            "either secret uuid or usage expected".to_owned(),
        )),
        (Some(u), None) => crate::uuid_str::parse(u)
            .map(SecretLookup::Uuid)
            .map_err(|_| Error::Xml(format!("invalid secret uuid '{u}'"))),
        (None, Some(usage)) => Ok(SecretLookup::Usage(usage)),
    }
}

/// `virSecretLookupFormatSecret`: `<secret type=... uuid|usage=.../>`.
pub(crate) fn format_secret_lookup(o: &mut XmlOut, secret_type: Option<&str>, s: &SecretLookup) {
    let (uuid, usage) = match s {
        SecretLookup::Uuid(u) => (Some(u.to_string()), None),
        SecretLookup::Usage(u) => (None, Some(u.clone())),
    };
    o.empty(
        "secret",
        &[
            ("type", secret_type.map(str::to_owned)),
            ("uuid", uuid),
            ("usage", usage),
        ],
    );
}

/// `virStorageEncryptionParseNode`.
pub(crate) fn parse_encryption(el: &Element) -> Result<VolEncryption> {
    let Some(format) = el.attr("format") else {
        return Err(Error::Xml("unknown volume encryption format".to_owned()));
    };
    if !FORMATS.contains(&format) {
        return Err(Error::ConfigUnsupported(format!(
            "unknown volume encryption format type {format}"
        )));
    }
    let engine = match el.attr("engine") {
        None => None,
        Some(e) if ENGINES.contains(&e) => Some(e.to_owned()),
        Some(e) => return Err(invalid_attr(el, "engine", e)),
    };
    let mut secrets = Vec::new();
    for s in el.children_named("secret") {
        match s.attr("type") {
            None => {
                return Err(Error::Xml(
                    "unknown volume encryption secret type".to_owned(),
                ))
            }
            Some("passphrase") => {}
            Some(t) => {
                return Err(Error::ConfigUnsupported(format!(
                    "unknown volume encryption secret type {t}"
                )))
            }
        }
        secrets.push(parse_secret_lookup(s)?);
    }
    let mut cipher = None;
    if format == "luks" {
        if let Some(c) = el.child("cipher") {
            cipher = Some(parse_cipher(c)?);
        }
        if let Some(iv) = el.child("ivgen") {
            let Some(c) = cipher.as_mut() else {
                return Err(Error::Xml(
                    "ivgen element found, but cipher is missing".to_owned(),
                ));
            };
            let Some(name) = iv.attr_string("name") else {
                return Err(Error::Xml("missing ivgen info name string".to_owned()));
            };
            c.ivgen = Some((name, iv.attr_string("hash")));
        }
    }
    Ok(VolEncryption {
        format: format.to_owned(),
        engine,
        secrets,
        cipher,
    })
}

/// `virStorageEncryptionInfoParseCipher`.
fn parse_cipher(c: &Element) -> Result<EncryptionCipher> {
    let Some(name) = c.attr_string("name") else {
        return Err(Error::Xml(
            "cipher info missing 'name' attribute".to_owned(),
        ));
    };
    let size = match c.attr("size") {
        None => return Err(missing_attr(c, "size")),
        Some(v) => v
            .trim_start()
            .parse::<u32>()
            .map_err(|_| invalid_uint_attr(c, "size", v))?,
    };
    Ok(EncryptionCipher {
        name,
        size,
        mode: c.attr_string("mode"),
        hash: c.attr_string("hash"),
        ivgen: None,
    })
}

/// `virStorageEncryptionFormat`.
pub(crate) fn format_encryption(o: &mut XmlOut, enc: &VolEncryption) {
    o.open(
        "encryption",
        &[
            ("format", some(&enc.format)),
            ("engine", enc.engine.clone()),
        ],
    );
    for s in &enc.secrets {
        format_secret_lookup(o, Some("passphrase"), s);
    }
    if let Some(c) = enc.cipher.as_ref().filter(|_| enc.format == "luks") {
        o.empty(
            "cipher",
            &[
                ("name", some(&c.name)),
                ("size", some(&c.size)),
                ("mode", c.mode.clone()),
                ("hash", c.hash.clone()),
            ],
        );
        if let Some((name, hash)) = &c.ivgen {
            o.empty("ivgen", &[("name", some(name)), ("hash", hash.clone())]);
        }
    }
    o.close("encryption");
}
