//! UUID strings as libvirt accepts them.

use uuid::Uuid;

use crate::error::{Error, Result};

/// Parses a UUID string the way libvirt's `virUUIDParse` does: 32 hex digits, with optional
/// `-` separators between byte pairs, surrounding whitespace allowed.
pub fn parse(s: &str) -> Result<Uuid> {
    let trimmed = s.trim();
    let mut digits = [0u8; 32];
    let mut n = 0;
    let mut prev_dash = false;
    for c in trimmed.chars() {
        if c == '-' {
            if prev_dash || n == 0 || n % 2 != 0 {
                return Err(Error::invalid_uuid());
            }
            prev_dash = true;
            continue;
        }
        prev_dash = false;
        let Some(d) = c.to_digit(16) else {
            return Err(Error::invalid_uuid());
        };
        if n == 32 {
            return Err(Error::invalid_uuid());
        }
        digits[n] = d as u8;
        n += 1;
    }
    if n != 32 || prev_dash {
        return Err(Error::invalid_uuid());
    }
    let mut bytes = [0u8; 16];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = digits[2 * i] << 4 | digits[2 * i + 1];
    }
    Ok(Uuid::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_libvirt_forms() {
        let u = parse("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
        assert_eq!(u.to_string(), "6695eb01-f6a4-8304-79aa-97f2502e193f");
        assert_eq!(parse("6695eb01f6a4830479aa97f2502e193f").unwrap(), u);
        assert_eq!(parse(" 6695EB01-F6A4-8304-79AA-97F2502E193F ").unwrap(), u);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "x",
            "6695eb01-f6a4-8304-79aa-97f2502e193",
            "6695eb01--f6a4-8304-79aa-97f2502e193f",
            "../etc",
        ] {
            assert_eq!(parse(bad).unwrap_err(), Error::invalid_uuid(), "{bad}");
        }
    }
}
