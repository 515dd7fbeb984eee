//! CPU and NUMA node sets as libvirt writes them ("0-3,^2,8"), held as bit vectors.

/// Highest bit a parsed list may name, as libvirt's `VIR_DOMAIN_CPUMASK_LEN`.
pub const MAX_BITS: usize = 4096;

/// Whether no bit is set.
pub fn is_empty(bits: &[bool]) -> bool {
    !bits.iter().any(|b| *b)
}

/// Parses libvirt's list syntax: comma-separated numbers or ranges, `^N` excluding one.
/// Returns `None` for anything malformed, including an empty string. The result is as long
/// as the highest number named plus one.
pub fn parse(text: &str) -> Option<Vec<bool>> {
    let mut set: Vec<usize> = Vec::new();
    let mut unset: Vec<usize> = Vec::new();
    if text.trim().is_empty() {
        return None;
    }
    for item in text.split(',') {
        let item = item.trim();
        if let Some(rest) = item.strip_prefix('^') {
            unset.push(number(rest)?);
        } else if let Some((a, b)) = item.split_once('-') {
            let (a, b) = (number(a)?, number(b)?);
            if b < a {
                return None;
            }
            set.extend(a..=b);
        } else {
            set.push(number(item)?);
        }
    }
    let len = set.iter().max().map_or(0, |m| m + 1);
    let mut bits = vec![false; len];
    for i in set {
        bits[i] = true;
    }
    for i in unset {
        if let Some(b) = bits.get_mut(i) {
            *b = false;
        }
    }
    Some(bits)
}

fn number(text: &str) -> Option<usize> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = text.parse().ok()?;
    (n < MAX_BITS).then_some(n)
}

/// Formats a bit vector in libvirt's list syntax, ranges collapsed ("0-1,3").
pub fn format(bits: &[bool]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < bits.len() {
        if !bits[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < bits.len() && bits[i + 1] {
            i += 1;
        }
        if start == i {
            parts.push(start.to_string());
        } else {
            parts.push(format!("{start}-{i}"));
        }
        i += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_ranges_and_exclusions() {
        assert_eq!(parse("0-3,^2"), Some(vec![true, true, false, true]));
        assert_eq!(parse("1"), Some(vec![false, true]));
        assert_eq!(parse(""), None);
        assert_eq!(parse("bad"), None);
        assert_eq!(parse("3-1"), None);
        assert_eq!(parse("99999"), None);
    }

    #[test]
    fn formats_collapsed_ranges() {
        assert_eq!(format(&[true, true, false, true]), "0-1,3");
        assert_eq!(format(&[false, false]), "");
        assert!(is_empty(&parse("^1").unwrap_or_default()));
    }
}
