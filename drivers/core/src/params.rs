//! libvirt's typed parameters (`virTypedParameter`), which travel as `a{sv}` on the bus, and
//! their checks with the texts of libvirt 9.0 (`virTypedParamsValidate` and the public API's
//! argument checks).

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
}

/// The type a parameter must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    UInt,
    ULLong,
    Boolean,
    String,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Int => "int",
            Kind::UInt => "uint",
            Kind::ULLong => "ullong",
            Kind::Boolean => "boolean",
            Kind::String => "string",
        }
    }

    fn matches(self, value: &TypedValue) -> bool {
        matches!(
            (self, value),
            (Kind::Int, TypedValue::Int(_))
                | (Kind::UInt, TypedValue::UInt(_))
                | (Kind::ULLong, TypedValue::ULLong(_))
                | (Kind::Boolean, TypedValue::Boolean(_))
                | (Kind::String, TypedValue::String(_))
        )
    }
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

/// Checks names, types and duplicates as `virTypedParamsValidate` does, in its order
/// (parameters sorted by name, the first fault reported).
pub fn validate(params: &TypedParams, allowed: &[(&str, Kind)]) -> Result<()> {
    let mut sorted: Vec<&(String, TypedValue)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut previous: Option<&str> = None;
    for (name, value) in sorted {
        if previous == Some(name.as_str()) {
            return Err(Error::InvalidArg(format!(
                "parameter '{name}' occurs multiple times"
            )));
        }
        previous = Some(name);
        let Some((_, kind)) = allowed.iter().find(|(n, _)| n == name) else {
            return Err(Error::ArgumentUnsupported(format!(
                "parameter '{name}' not supported"
            )));
        };
        if !kind.matches(value) {
            return Err(Error::InvalidArg(format!(
                "invalid type '{}' for parameter '{name}', expected '{}'",
                type_name(value),
                kind.name()
            )));
        }
    }
    Ok(())
}

/// The public API's refusal of an empty parameter list ("params in API must not be NULL").
pub fn require_some(params: &TypedParams, api: &str) -> Result<()> {
    if params.is_empty() {
        return Err(Error::InvalidArgBare(format!(
            "params in {api} must not be NULL"
        )));
    }
    Ok(())
}

/// An unsigned 32-bit parameter.
pub fn uint(name: &str, value: u32) -> (String, TypedValue) {
    (name.to_owned(), TypedValue::UInt(value))
}

/// An unsigned 64-bit parameter.
pub fn ullong(name: &str, value: u64) -> (String, TypedValue) {
    (name.to_owned(), TypedValue::ULLong(value))
}

/// A signed 32-bit parameter.
pub fn int(name: &str, value: i32) -> (String, TypedValue) {
    (name.to_owned(), TypedValue::Int(value))
}

/// A string parameter.
pub fn string(name: &str, value: impl Into<String>) -> (String, TypedValue) {
    (name.to_owned(), TypedValue::String(value.into()))
}

/// A boolean parameter.
pub fn boolean(name: &str, value: bool) -> (String, TypedValue) {
    (name.to_owned(), TypedValue::Boolean(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_libvirt_texts() {
        let allowed = [("weight", Kind::UInt)];
        assert!(validate(&vec![uint("weight", 1)], &allowed).is_ok());
        assert_eq!(
            validate(&vec![int("weight", 1)], &allowed)
                .unwrap_err()
                .to_string(),
            "invalid argument: invalid type 'int' for parameter 'weight', expected 'uint'"
        );
        assert_eq!(
            validate(&vec![uint("cap", 1)], &allowed)
                .unwrap_err()
                .to_string(),
            "argument unsupported: parameter 'cap' not supported"
        );
        assert_eq!(
            validate(&vec![uint("weight", 1), uint("weight", 2)], &allowed)
                .unwrap_err()
                .to_string(),
            "invalid argument: parameter 'weight' occurs multiple times"
        );
    }
}
