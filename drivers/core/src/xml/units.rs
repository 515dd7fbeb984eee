//! Scaled sizes (`<memory unit='GiB'>4</memory>`): libvirt's unit suffixes, results in KiB
//! rounded up.

use crate::error::{Error, Result};

/// The largest size accepted, in bytes (libvirt's `LLONG_MAX` cap).
const MAX_BYTES: u64 = i64::MAX as u64;

/// Bytes per unit for a libvirt size suffix, case-insensitive as libvirt's `virScaleInteger`;
/// `default` applies to an empty suffix.
pub(crate) fn unit_scale(unit: &str, default: u64) -> Result<u64> {
    if unit.is_empty() {
        return Ok(default);
    }
    let lower = unit.to_ascii_lowercase();
    if matches!(lower.as_str(), "b" | "byte" | "bytes") {
        return Ok(1);
    }
    let unknown = || Error::InvalidArg(format!("unknown suffix '{unit}'"));
    let mut chars = lower.chars();
    let first = chars.next().ok_or_else(unknown)?;
    let rest = chars.as_str();
    let base: u64 = match rest {
        "" | "ib" => 1024,
        "b" => 1000,
        _ => return Err(unknown()),
    };
    let power = match first {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return Err(unknown()),
    };
    Ok(base.pow(power))
}

/// Parses the size `value` with `unit` (default KiB) into KiB, rounded up. `xpath` names the
/// element in libvirt's "Invalid value" text (`./memory[1]`).
pub(crate) fn parse_kib(value: &str, unit: Option<&str>, xpath: &str) -> Result<u64> {
    let invalid = || {
        Error::Xml(format!(
            "Invalid value '{value}' for element or attribute '{xpath}'"
        ))
    };
    let trimmed = value.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let n: u64 = trimmed.parse().map_err(|_| invalid())?;
    let scale = unit_scale(unit.unwrap_or(""), 1024)?;
    let bytes = n
        .checked_mul(scale)
        .filter(|b| *b <= MAX_BYTES)
        .ok_or_else(invalid)?;
    Ok(bytes.div_ceil(1024))
}

/// Parses like [`parse_kib`] with a cap of `max_bytes`: a larger value fails with libvirt's
/// overflow text, which repeats the number and unit as written ("value too large: 5G").
pub(crate) fn parse_kib_capped(
    value: &str,
    unit: Option<&str>,
    xpath: &str,
    max_bytes: u64,
) -> Result<u64> {
    let trimmed = value.trim();
    if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_value(value, xpath));
    }
    let n: u64 = trimmed.parse().map_err(|_| invalid_value(value, xpath))?;
    let unit = unit.unwrap_or("");
    let scale = unit_scale(unit, 1024)?;
    if n > max_bytes / scale {
        return Err(Error::Overflow(format!("value too large: {n}{unit}")));
    }
    Ok((n * scale).div_ceil(1024))
}

fn invalid_value(value: &str, xpath: &str) -> Error {
    Error::Xml(format!(
        "Invalid value '{value}' for element or attribute '{xpath}'"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_scale_and_round_up() {
        assert_eq!(parse_kib("1024", None, "./memory[1]").unwrap(), 1024);
        assert_eq!(parse_kib("1000", Some("KB"), "x").unwrap(), 977);
        assert_eq!(parse_kib("1", Some("GB"), "x").unwrap(), 976_563);
        assert_eq!(parse_kib("1", Some("G"), "x").unwrap(), 1_048_576);
        assert_eq!(parse_kib("1", Some("GiB"), "x").unwrap(), 1_048_576);
        assert_eq!(parse_kib("1", Some("b"), "x").unwrap(), 1);
        assert_eq!(parse_kib("2048", Some("bytes"), "x").unwrap(), 2);
        assert_eq!(parse_kib("1", Some("MiB"), "x").unwrap(), 1024);
        assert_eq!(parse_kib("1", Some("TiB"), "x").unwrap(), 1 << 30);
        assert_eq!(parse_kib("1", Some("P"), "x").unwrap(), 1 << 40);
        assert_eq!(parse_kib("1", Some("KiB"), "x").unwrap(), 1);
        assert_eq!(parse_kib("3", Some("k"), "x").unwrap(), 3);
    }

    #[test]
    fn bad_units_and_values() {
        assert_eq!(
            parse_kib("1", Some("xyz"), "./memory[1]")
                .unwrap_err()
                .to_string(),
            "invalid argument: unknown suffix 'xyz'"
        );
        for v in ["0.5", "-1", "", "1e3", "99999999999999999999999"] {
            assert_eq!(
                parse_kib(v, None, "./memory[1]").unwrap_err().to_string(),
                format!("XML error: Invalid value '{v}' for element or attribute './memory[1]'")
            );
        }
        assert!(parse_kib("9", Some("EiB"), "./memory[1]").is_err());
    }

    #[test]
    fn capped_sizes_overflow_like_libvirt() {
        let max = 9_007_199_254_740_991 << 10;
        assert_eq!(parse_kib_capped("1", Some("G"), "x", max).unwrap(), 1 << 20);
        assert_eq!(
            parse_kib_capped("9007199254740991", None, "x", max).unwrap(),
            9_007_199_254_740_991
        );
        assert_eq!(
            parse_kib_capped("9007199254740992", Some("KiB"), "x", max)
                .unwrap_err()
                .to_string(),
            "numerical overflow: value too large: 9007199254740992KiB"
        );
        assert_eq!(
            parse_kib_capped("abc", None, "./memtune/hard_limit[1]", max)
                .unwrap_err()
                .to_string(),
            "XML error: Invalid value 'abc' for element or attribute './memtune/hard_limit[1]'"
        );
    }
}
