//! The building blocks of the garbage-arguments sweeps (tests/bad_input.rs over the test
//! connection, tests/qemu_sweep.rs over the QEMU connection): the inventory of methods,
//! bodies of each method's signature with plausible-but-bad values, and bodies of a wrong
//! signature.

use std::collections::HashMap;

use zbus::{Structure, Variant};

/// libvirt-dbus's inventory of members (interface, kind, name, in, out), kept with the
/// contract files.
pub const INVENTORY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/interfaces/libvirt-dbus-1.4.1.tsv"
);

/// One method from the inventory.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its interface, e.g. `org.libvirt.Domain`.
    pub interface: String,
    /// Its name.
    pub name: String,
    /// Its input signature, without parentheses.
    pub in_sig: String,
}

/// The methods of the inventory on the interfaces in `swept`.
pub fn inventory(swept: &[&str]) -> Vec<Member> {
    let text = std::fs::read_to_string(INVENTORY).expect("inventory TSV");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 4 || cols[1] != "method" {
                return None;
            }
            if !swept.contains(&cols[0]) {
                return None;
            }
            Some(Member {
                interface: cols[0].to_string(),
                name: cols[2].to_string(),
                in_sig: cols[3].to_string(),
            })
        })
        .collect()
}

/// Splits a signature into its complete types ("sa{sv}u" -> ["s", "a{sv}", "u"]).
pub fn split_signature(sig: &str) -> Vec<String> {
    fn one(b: &[u8], mut i: usize) -> usize {
        match b[i] {
            b'a' => one(b, i + 1),
            b'(' | b'{' => {
                let close = if b[i] == b'(' { b')' } else { b'}' };
                i += 1;
                while b[i] != close {
                    i = one(b, i);
                }
                i + 1
            }
            _ => i + 1,
        }
    }
    let b = sig.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let j = one(b, i);
        out.push(sig[i..j].to_string());
        i = j;
    }
    out
}

/// Which plausible-but-bad values to use.
#[derive(Debug, Clone, Copy)]
pub enum Values {
    /// Empty strings, zeros, empty arrays.
    Zero,
    /// Maximum numbers, odd strings, arrays with one odd element.
    Max,
}

/// A value of D-Bus type `ty`, or `None` if this sweep cannot build one.
pub fn value(ty: &str, values: Values) -> Option<Variant<'static>> {
    let zero = matches!(values, Values::Zero);
    Some(match ty {
        "s" => Variant::from(if zero { "" } else { "../../\u{1}\n<>&'\"" }),
        "u" => Variant::from(if zero { 0u32 } else { u32::MAX }),
        "i" => Variant::from(if zero { 0i32 } else { i32::MIN }),
        "t" => Variant::from(if zero { 0u64 } else { u64::MAX }),
        "x" => Variant::from(if zero { 0i64 } else { i64::MIN }),
        "b" => Variant::from(!zero),
        "d" => Variant::from(if zero { 0.0f64 } else { f64::NAN }),
        "o" => Variant::from(zbus::ObjectPath::from_static_str_unchecked("/")),
        "as" => Variant::from(if zero {
            Vec::<String>::new()
        } else {
            vec![String::new(), "\u{1}".to_string()]
        }),
        "ab" => Variant::from(if zero {
            Vec::<bool>::new()
        } else {
            vec![true; 4096]
        }),
        "au" => Variant::from(if zero {
            Vec::<u32>::new()
        } else {
            vec![u32::MAX; 16]
        }),
        "a{sv}" => {
            let mut d: HashMap<String, Variant<'static>> = HashMap::new();
            if !zero {
                d.insert(String::new(), Variant::from(u64::MAX));
                d.insert("weight".into(), Variant::from("not a number"));
                d.insert(
                    "\u{1}".into(),
                    Variant::from(zbus::ObjectPath::from_static_str_unchecked("/")),
                );
            }
            Variant::from(d)
        }
        _ => return None,
    })
}

/// A body of the member's signature with `values`, or `None` (e.g. file descriptors).
pub fn body(member: &Member, values: Values) -> Option<Structure<'static>> {
    let mut b = Structure::builder();
    for ty in split_signature(&member.in_sig) {
        b = b.append_field(value(&ty, values)?);
    }
    let s = b.build().ok()?;
    assert_eq!(
        s.signature().to_string_no_parens(),
        member.in_sig,
        "sweep built a wrong body for {}",
        member.name
    );
    Some(s)
}

/// A body whose signature is certainly not the member's.
pub fn wrong_body(member: &Member) -> Structure<'static> {
    let b = Structure::builder();
    let b = if member.in_sig == "s" {
        b.add_field(42u32)
    } else {
        b.add_field("wrong").add_field(7.5f64)
    };
    b.build().expect("wrong body")
}
