//! libvirt's public-API checks of numeric arguments (`virCheckNonNegativeArgGoto` and the
//! `-1 means all` checks in libvirt.c), made before a driver runs, with libvirt's texts.

use crate::error::{Error, Result};

/// Fails with "ARG in FUNCTION must be zero or greater" when `value` is negative.
pub fn non_negative(value: i32, arg: &str, function: &str) -> Result<()> {
    if value < 0 {
        return Err(Error::InvalidArgBare(format!(
            "{arg} in {function} must be zero or greater"
        )));
    }
    Ok(())
}

/// Fails with "ARG in FUNCTION only accepts -1 as a negative value" below -1 (a CPU or
/// NUMA cell number, where -1 means all of them).
pub fn minus_one_or_more(value: i32, arg: &str, function: &str) -> Result<()> {
    if value < -1 {
        return Err(Error::InvalidArgBare(format!(
            "{arg} in {function} only accepts -1 as a negative value"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_bounds_are_libvirts() {
        assert!(non_negative(0, "id", "virDomainLookupByID").is_ok());
        let e = non_negative(-1, "id", "virDomainLookupByID").unwrap_err();
        assert_eq!(
            e.to_string(),
            "id in virDomainLookupByID must be zero or greater"
        );
        assert!(minus_one_or_more(-1, "cpuNum", "virNodeGetCPUStats").is_ok());
        let e = minus_one_or_more(-2, "cpuNum", "virNodeGetCPUStats").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value"
        );
    }
}
