//! Numbers in node device documents, read the way libvirt reads them (`virStrToLong_*` over
//! C's `strtoul`/`strtol`): leading white space and a `+` sign are allowed, nothing may follow
//! the digits, and an element that is absent or empty is "missing" rather than "invalid".
//! Each failure carries libvirt's text: "no X supplied for 'dev'" or "invalid X supplied
//! for 'dev'".

use crate::{
    error::{Error, Result},
    xml::tree::Element,
};

/// The text of the first child `name`, or `None` when it is absent or empty
/// (`virXPathString("string(./name[1])")`).
pub(super) fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// Splits off C's leading white space and sign; `None` when the sign is `-` and `signed` is
/// false.
fn sign_and_digits(text: &str, signed: bool) -> Option<(bool, &str)> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if let Some(rest) = t.strip_prefix('-') {
        return signed.then_some((true, rest));
    }
    Some((false, t.strip_prefix('+').unwrap_or(t)))
}

/// The digits of `radix` (0: C's prefix rules, `0x` hexadecimal, `0` octal) as a magnitude.
fn magnitude(digits: &str, radix: u32) -> Option<u64> {
    let hex = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"));
    let (digits, radix) = match (radix, hex) {
        (0 | 16, Some(h)) => (h, 16),
        (0, None) if digits.len() > 1 && digits.starts_with('0') => (&digits[1..], 8),
        (0, None) => (digits, 10),
        (r, _) => (digits, r),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// An unsigned number that fits `u32`, no minus sign allowed (`virStrToLong_uip`).
pub(super) fn c_u32(text: &str, radix: u32) -> Option<u32> {
    let (_, digits) = sign_and_digits(text, false)?;
    u32::try_from(magnitude(digits, radix)?).ok()
}

/// An unsigned number that fits `u64`, no minus sign allowed (`virStrToLong_ullp`).
pub(super) fn c_u64(text: &str, radix: u32) -> Option<u64> {
    let (_, digits) = sign_and_digits(text, false)?;
    magnitude(digits, radix)
}

/// A signed number that fits `i32` (`virStrToLong_i`).
pub(super) fn c_i32(text: &str, radix: u32) -> Option<i32> {
    let (negative, digits) = sign_and_digits(text, true)?;
    let m = i64::try_from(magnitude(digits, radix)?).ok()?;
    i32::try_from(if negative { -m } else { m }).ok()
}

/// "no X supplied for 'dev'".
pub(super) fn missing(what: &str, dev: &str) -> Error {
    Error::Internal(format!("no {what} supplied for '{dev}'"))
}

/// "invalid X supplied for 'dev'".
pub(super) fn invalid(what: &str, dev: &str) -> Error {
    Error::Internal(format!("invalid {what} supplied for '{dev}'"))
}

/// A required decimal `u32` in the child element `child`.
pub(super) fn required_u32(el: &Element, child: &str, what: &str, dev: &str) -> Result<u32> {
    let text = text_of(el, child).ok_or_else(|| missing(what, dev))?;
    c_u32(&text, 10).ok_or_else(|| invalid(what, dev))
}

/// A required decimal `u64` in the child element `child`.
pub(super) fn required_u64(el: &Element, child: &str, what: &str, dev: &str) -> Result<u64> {
    let text = text_of(el, child).ok_or_else(|| missing(what, dev))?;
    c_u64(&text, 10).ok_or_else(|| invalid(what, dev))
}

/// An optional decimal `u64` in the child element `child`, 0 when absent.
pub(super) fn optional_u64(el: &Element, child: &str, what: &str, dev: &str) -> Result<u64> {
    match text_of(el, child) {
        None => Ok(0),
        Some(text) => c_u64(&text, 10).ok_or_else(|| invalid(what, dev)),
    }
}

/// An optional decimal `i32` (`virNodeDevCapsDefParseIntOptional`); a negative value, which
/// libvirt keeps as "unset", reads as `None`.
pub(super) fn optional_i32(text: Option<String>, what: &str, dev: &str) -> Result<Option<i32>> {
    match text {
        None => Ok(None),
        Some(text) => {
            let v = c_i32(&text, 10).ok_or_else(|| invalid(what, dev))?;
            Ok((v >= 0).then_some(v))
        }
    }
}

/// A required hexadecimal id from the `id` attribute of the child element `child`
/// (`virNodeDevCapsDefParseHexId`).
pub(super) fn required_hex_id(el: &Element, child: &str, what: &str, dev: &str) -> Result<u32> {
    let text = el
        .child(child)
        .and_then(|c| c.attr_string("id"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing(what, dev))?;
    c_u32(&text, 16).ok_or_else(|| invalid(what, dev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_c_reads_them() {
        assert_eq!(c_u32(" 3", 10), Some(3));
        assert_eq!(c_u32("+3", 10), Some(3));
        assert_eq!(c_u32("03", 10), Some(3));
        assert_eq!(c_u32("3 ", 10), None);
        assert_eq!(c_u32("-1", 10), None);
        assert_eq!(c_u32("1.5", 10), None);
        assert_eq!(c_u32("0x10", 10), None);
        assert_eq!(c_u32("4294967296", 10), None);
        assert_eq!(c_u32("8086", 16), Some(0x8086));
        assert_eq!(c_u32("0X8086", 16), Some(0x8086));
        assert_eq!(c_u32("0x", 16), None);
        assert_eq!(c_u32("ffffffff", 16), Some(u32::MAX));
        assert_eq!(c_u32("100000000", 16), None);
        assert_eq!(c_u32("010", 0), Some(8));
        assert_eq!(c_u32("0x1f", 0), Some(31));
        assert_eq!(c_u32("0", 0), Some(0));
        assert_eq!(c_i32("-2", 16), Some(-2));
        assert_eq!(c_i32("0x-5", 16), None);
        assert_eq!(c_u64("500107862016", 10), Some(500_107_862_016));
    }
}
