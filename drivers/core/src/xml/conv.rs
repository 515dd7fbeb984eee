//! Typed reads of attributes and texts from the raw tree, with libvirt's error texts.

use std::{borrow::Cow, str::FromStr};

use super::tree::Element;
use crate::{
    error::{Error, Result},
    model::{AddressDef, FeatureDef},
};

/// libvirt's text for an attribute value it cannot use.
pub(crate) fn invalid_attr(el: &Element, name: &str, value: &str) -> Error {
    Error::Xml(format!(
        "Invalid value for attribute '{name}' in element '{}': '{value}'.",
        el.name
    ))
}

/// libvirt's text for a required attribute that is missing.
pub(crate) fn missing_attr(el: &Element, name: &str) -> Error {
    Error::Xml(format!(
        "Missing required attribute '{name}' in element '{}'",
        el.name
    ))
}

/// A required string attribute.
pub(crate) fn req_attr(el: &Element, name: &str) -> Result<String> {
    el.attr_string(name).ok_or_else(|| missing_attr(el, name))
}

/// libvirt's text for a number attribute that does not parse (`virXMLPropUInt`).
pub(crate) fn invalid_uint_attr(el: &Element, name: &str, value: &str) -> Error {
    Error::Xml(format!(
        "Invalid value for attribute '{name}' in element '{}': '{value}'. Expected non-negative integer value",
        el.name
    ))
}

/// An optional number attribute (decimal, or hexadecimal with `0x`).
pub(crate) fn num_attr<T: FromStr + TryFrom<u64>>(el: &Element, name: &str) -> Result<Option<T>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    parse_num::<T>(v.trim())
        .map(Some)
        .ok_or_else(|| invalid_uint_attr(el, name, v))
}

/// An optional signed number attribute.
pub(crate) fn int_attr(el: &Element, name: &str) -> Result<Option<i32>> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    v.trim().parse::<i32>().map(Some).map_err(|_| {
        Error::Xml(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected integer value",
            el.name
        ))
    })
}

/// Parses an unsigned decimal or `0x` hexadecimal number.
pub(crate) fn parse_num<T: FromStr + TryFrom<u64>>(v: &str) -> Option<T> {
    if let Some(hex) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        let n = u64::from_str_radix(hex, 16).ok()?;
        return T::try_from(n).ok();
    }
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<T>().ok()
}

/// An optional `yes`/`no` attribute.
pub(crate) fn yes_no_attr(el: &Element, name: &str) -> Result<Option<bool>> {
    bool_attr(el, name, ("yes", "no"))
}

/// C's `strtoul` as libvirt's `virStrToLong_ul*` use it: leading blanks, an optional sign
/// (a negative number wraps), the whole rest a number in `radix` (0: `0x` hexadecimal,
/// leading `0` octal, else decimal).
pub(crate) fn c_strtoul(s: &str, radix: u32) -> Option<u64> {
    let s = s.trim_start();
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (digits, radix) = match radix {
        0 if s.starts_with("0x") || s.starts_with("0X") => (&s[2..], 16),
        0 if s.len() > 1 && s.starts_with('0') => (&s[1..], 8),
        0 => (s, 10),
        r => (s, r),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let n = u64::from_str_radix(digits, radix).ok()?;
    Some(if negative { n.wrapping_neg() } else { n })
}

/// An optional `on`/`off` attribute.
pub(crate) fn on_off_attr(el: &Element, name: &str) -> Result<Option<bool>> {
    bool_attr(el, name, ("on", "off"))
}

/// An optional attribute written as the word for true or the word for false.
fn bool_attr(el: &Element, name: &str, (yes, no): (&str, &str)) -> Result<Option<bool>> {
    match el.attr(name) {
        None => Ok(None),
        Some(v) if v == yes => Ok(Some(true)),
        Some(v) if v == no => Ok(Some(false)),
        Some(v) => Err(invalid_attr(el, name, v)),
    }
}

/// An optional attribute that must be one of `allowed`.
pub(crate) fn enum_attr(el: &Element, name: &str, allowed: &[&str]) -> Result<Option<String>> {
    match el.attr(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        Some(v) => Err(invalid_attr(el, name, v)),
    }
}

/// A required attribute that must be one of `allowed`.
pub(crate) fn req_enum_attr(el: &Element, name: &str, allowed: &[&str]) -> Result<String> {
    enum_attr(el, name, allowed)?.ok_or_else(|| missing_attr(el, name))
}

/// All attributes of `el` as written (except namespace declarations), each marked used.
pub(crate) fn all_attrs(el: &Element) -> Vec<(String, String)> {
    el.attrs
        .iter()
        .filter(|a| !super::tree::is_namespace_decl(&a.name))
        .filter_map(|a| el.attr(&a.name).map(|v| (a.name.clone(), v.to_owned())))
        .collect()
}

/// `<address .../>`.
pub(crate) fn address(el: &Element) -> Option<AddressDef> {
    el.child("address").map(|a| AddressDef {
        attributes: all_attrs(a),
    })
}

/// `<alias name='...'/>`.
pub(crate) fn alias(el: &Element) -> Option<String> {
    el.child("alias").and_then(|a| a.attr_string("name"))
}

/// `<boot order='N'/>`.
pub(crate) fn boot_order(el: &Element) -> Result<Option<u32>> {
    match el.child("boot") {
        Some(b) => {
            let order: Option<u32> = num_attr(b, "order")?;
            match order {
                Some(0) => Err(invalid_attr(b, "order", "0")),
                Some(n) => Ok(Some(n)),
                None => Err(missing_attr(b, "order")),
            }
        }
        None => Ok(None),
    }
}

/// A generic element kept as written (features, graphics children), marking it all used.
pub(crate) fn generic(el: &Element) -> FeatureDef {
    el.mark();
    FeatureDef {
        name: el.name.clone(),
        attributes: all_attrs(el),
        children: el.elements().map(generic).collect(),
    }
}

/// `value` as a static string when it is one of `known`, so that the common values of a
/// closed (or nearly closed) set take no allocation; otherwise an owned copy.
pub(crate) fn intern(value: &str, known: &'static [&'static str]) -> Cow<'static, str> {
    match known.iter().find(|k| **k == value) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(value.to_owned()),
    }
}
