//! Typed parameters on the bus: `a{sv}` with variant types i, u, x, t, d, b, s.

use std::collections::HashMap;

use virtbus_core::params::{TypedParams, TypedValue};
use zbus::{OwnedVariant, Variant};

use super::error::Error;

/// The most parameters one call may carry; more is refused before any work is done.
pub const MAX_PARAMS: usize = 1024;

/// Converts typed parameters to the `a{sv}` libvirt-dbus returns.
pub fn to_dict(params: TypedParams) -> HashMap<String, OwnedVariant> {
    params
        .into_iter()
        .map(|(name, value)| (name, to_value(value)))
        .collect()
}

/// One typed value as a D-Bus variant.
pub fn to_value(value: TypedValue) -> OwnedVariant {
    let v = match value {
        TypedValue::Int(v) => Variant::from(v),
        TypedValue::UInt(v) => Variant::from(v),
        TypedValue::LLong(v) => Variant::from(v),
        TypedValue::ULLong(v) => Variant::from(v),
        TypedValue::Double(v) => Variant::from(v),
        TypedValue::Boolean(v) => Variant::from(v),
        TypedValue::String(v) => Variant::from(v),
    };
    // Only basic types are built above; they always convert.
    OwnedVariant::try_from(v).expect("basic values have no file descriptors")
}

/// Converts an `a{sv}` argument to typed parameters.
///
/// Fails with libvirt-dbus's "Invalid typed parameter '\<type>'." for a variant that is not one
/// of i, u, x, t, d, b, s.
pub fn from_dict(dict: HashMap<String, OwnedVariant>) -> Result<TypedParams, Error> {
    if dict.len() > MAX_PARAMS {
        return Err(Error::Error(format!(
            "invalid argument: too many parameters: {} (at most {MAX_PARAMS})",
            dict.len()
        )));
    }
    let mut params = Vec::with_capacity(dict.len());
    for (name, value) in dict {
        let typed = match &*value {
            Variant::I32(v) => TypedValue::Int(*v),
            Variant::U32(v) => TypedValue::UInt(*v),
            Variant::I64(v) => TypedValue::LLong(*v),
            Variant::U64(v) => TypedValue::ULLong(*v),
            Variant::F64(v) => TypedValue::Double(*v),
            Variant::Bool(v) => TypedValue::Boolean(*v),
            Variant::Str(v) => TypedValue::String(v.to_string()),
            other => {
                return Err(Error::Error(format!(
                    "Invalid typed parameter '{}'.",
                    other.value_signature()
                )))
            }
        };
        params.push((name, typed));
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_type() {
        let params: TypedParams = vec![
            ("b".into(), TypedValue::Boolean(true)),
            ("d".into(), TypedValue::Double(1.5)),
            ("i".into(), TypedValue::Int(-1)),
            ("s".into(), TypedValue::String("x".into())),
            ("t".into(), TypedValue::ULLong(7)),
            ("u".into(), TypedValue::UInt(3)),
            ("x".into(), TypedValue::LLong(-7)),
        ];
        assert_eq!(from_dict(to_dict(params.clone())).unwrap(), params);
    }

    #[test]
    fn other_variant_types_are_refused() {
        let mut dict = HashMap::new();
        dict.insert("y".to_owned(), OwnedVariant::from(5u8));
        let Error::Error(text) = from_dict(dict).unwrap_err() else {
            panic!("expected org.libvirt.Error")
        };
        assert_eq!(text, "Invalid typed parameter 'y'.");
    }
}
