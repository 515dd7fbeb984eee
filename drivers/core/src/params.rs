//! libvirt's typed parameters (`virTypedParameter`), which travel as `a{sv}` on the bus.

use crate::error::{Error, Result};

/// One typed parameter value. The variant decides the D-Bus type: i, u, x, t, d, b, s.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    String(String),
}

/// An ordered list of named typed parameters.
pub type TypedParams = Vec<(String, TypedValue)>;

/// Finds the parameter `name` in `params`.
pub fn find<'a>(params: &'a TypedParams, name: &str) -> Option<&'a TypedValue> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

impl TypedValue {
    /// The value as an unsigned 64-bit number, if it is any integer type and not negative.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            TypedValue::Int(v) => u64::try_from(v).ok(),
            TypedValue::UInt(v) => Some(v.into()),
            TypedValue::LLong(v) => u64::try_from(v).ok(),
            TypedValue::ULLong(v) => Some(v),
            _ => None,
        }
    }

    /// The value as a signed 64-bit number, if it is any integer type that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            TypedValue::Int(v) => Some(v.into()),
            TypedValue::UInt(v) => Some(v.into()),
            TypedValue::LLong(v) => Some(v),
            TypedValue::ULLong(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }
}

/// Checks `params` against the names and types a setter accepts, as libvirt's
/// `virTypedParamsValidate` does: an unknown name or a wrong type fails.
///
/// `allowed` lists (name, a value of the expected variant).
pub fn validate(params: &TypedParams, allowed: &[(&str, TypedValue)]) -> Result<()> {
    for (name, value) in params {
        let Some((_, expected)) = allowed.iter().find(|(n, _)| n == name) else {
            return Err(Error::InvalidArg(format!(
                "parameter '{name}' not supported"
            )));
        };
        if std::mem::discriminant(expected) != std::mem::discriminant(value) {
            return Err(Error::InvalidArg(format!(
                "invalid type for parameter '{name}', expected '{}'",
                type_name(expected)
            )));
        }
    }
    Ok(())
}

fn type_name(value: &TypedValue) -> &'static str {
    match value {
        TypedValue::Int(_) => "int",
        TypedValue::UInt(_) => "uint",
        TypedValue::LLong(_) => "llong",
        TypedValue::ULLong(_) => "ullong",
        TypedValue::Double(_) => "double",
        TypedValue::Boolean(_) => "boolean",
        TypedValue::String(_) => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_rejects_unknown_names_and_wrong_types() {
        let allowed = [("weight", TypedValue::UInt(0))];
        assert!(validate(&vec![("weight".into(), TypedValue::UInt(5))], &allowed).is_ok());
        assert_eq!(
            validate(&vec![("cap".into(), TypedValue::UInt(5))], &allowed)
                .unwrap_err()
                .to_string(),
            "invalid argument: parameter 'cap' not supported"
        );
        assert!(validate(&vec![("weight".into(), TypedValue::Int(5))], &allowed).is_err());
    }
}
