//! The two syntaxes QEMU options take: JSON objects (`-device`, `-blockdev`, `-netdev`,
//! `-object`) built with [`Json`], and `key=value,...` lists whose values must have their
//! commas doubled ([`opt_value`]).

use std::fmt::Write as _;

/// A JSON object under construction, keys in insertion order.
#[derive(Debug, Clone, Default)]
pub struct Json {
    fields: Vec<(&'static str, String)>,
}

/// JSON string literal of `s`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Json {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// A string field.
    pub fn str(mut self, key: &'static str, value: &str) -> Self {
        self.fields.push((key, quote(value)));
        self
    }

    /// An unsigned number field.
    pub fn num(mut self, key: &'static str, value: u64) -> Self {
        self.fields.push((key, value.to_string()));
        self
    }

    /// A boolean field.
    pub fn bool(mut self, key: &'static str, value: bool) -> Self {
        self.fields.push((key, value.to_string()));
        self
    }

    /// A nested object field.
    pub fn object(mut self, key: &'static str, value: Json) -> Self {
        self.fields.push((key, value.finish()));
        self
    }

    /// A string field when `value` is set.
    pub fn opt_str(self, key: &'static str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }

    /// A number field when `value` is set.
    pub fn opt_num(self, key: &'static str, value: Option<u64>) -> Self {
        match value {
            Some(v) => self.num(key, v),
            None => self,
        }
    }

    /// A boolean field when `value` is set.
    pub fn opt_bool(self, key: &'static str, value: Option<bool>) -> Self {
        match value {
            Some(v) => self.bool(key, v),
            None => self,
        }
    }

    /// Appends every field of `other`.
    pub fn merge(mut self, other: Json) -> Self {
        self.fields.extend(other.fields);
        self
    }

    /// The object's text.
    pub fn finish(self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&quote(k));
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
        out
    }
}

/// A value for a `key=value,...` option: commas doubled, as QEMU's option parser expects.
pub fn opt_value(s: &str) -> String {
    s.replace(',', ",,")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_valid_json() {
        let j = Json::new()
            .str("driver", "file")
            .str("filename", "/a \"b\"\\c\n")
            .num("n", 3)
            .bool("ro", true)
            .object("cache", Json::new().bool("direct", false))
            .finish();
        assert_eq!(
            j,
            r#"{"driver":"file","filename":"/a \"b\"\\c\n","n":3,"ro":true,"cache":{"direct":false}}"#
        );
    }

    #[test]
    fn option_values_double_commas() {
        assert_eq!(opt_value("/tmp/a,b"), "/tmp/a,,b");
    }
}
