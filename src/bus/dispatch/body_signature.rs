//! The signature of a call's body exactly as the caller wrote it in the message header.
//!
//! zbus reads the header's signature into a parsed `Signature` in which the two arguments
//! `iu` and the one structure argument `(iu)` are the same value, so the dispatcher cannot
//! tell a call with the arguments a member declares from one with those arguments wrapped in
//! a structure, which GDBus (and so libvirt-dbus) refuses. This reads the field from the
//! header bytes instead, as the D-Bus specification lays them out.

/// The header field code of the body signature.
const SIGNATURE_FIELD: u8 = 8;

/// The signature of the body of the message whose bytes are `msg`, as written in its header
/// (`""` when the header has no signature field: the body is empty). `None` when the header
/// cannot be read, which the bus daemon would not have let through.
pub fn body_signature(msg: &[u8]) -> Option<&str> {
    let little = match msg.first()? {
        b'l' => true,
        b'B' => false,
        _ => return None,
    };
    let u32_at = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = msg.get(at..at + 4)?.try_into().ok()?;
        let value = if little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        };
        usize::try_from(value).ok()
    };
    let fields_len = u32_at(12)?;
    let end = 16usize.checked_add(fields_len)?;
    if end > msg.len() {
        return None;
    }
    let mut at = 16;
    while at < end {
        // Each field is a structure (code, variant), aligned to 8.
        at = align(at, 8);
        if at >= end {
            break;
        }
        let code = msg[at];
        // The variant: its one-type signature, then the value.
        let sig_len = usize::from(*msg.get(at + 1)?);
        if sig_len != 1 {
            return None;
        }
        let ty = *msg.get(at + 2)?;
        at += 4; // code, signature length, type, nul
        match ty {
            b'u' => at = align(at, 4) + 4,
            b's' | b'o' => {
                at = align(at, 4);
                let len = u32_at(at)?;
                at = at.checked_add(4 + len + 1)?;
            }
            b'g' => {
                let len = usize::from(*msg.get(at)?);
                let value = msg.get(at + 1..at + 1 + len)?;
                if code == SIGNATURE_FIELD {
                    return std::str::from_utf8(value).ok();
                }
                at += 1 + len + 1;
            }
            // No header field of the specification has another type.
            _ => return None,
        }
    }
    Some("")
}

/// `at` rounded up to a multiple of `to`.
fn align(at: usize, to: usize) -> usize {
    at.div_ceil(to) * to
}

#[cfg(test)]
mod tests {
    use zbus::Message;

    use super::*;

    fn call<B>(body: &B) -> Message
    where
        B: serde::Serialize + zbus::DynamicType,
    {
        Message::method_call("/org/libvirt/Test", "NodeGetCPUStats")
            .interface("org.libvirt.Connect")
            .destination("org.libvirt")
            .build(body)
            .unwrap()
    }

    #[test]
    fn arguments_and_one_structure_argument_are_told_apart() {
        let two = call(&(0i32, 0u32));
        let one_struct = call(&((0i32, 0u32),));
        assert_eq!(body_signature(two.data()), Some("iu"));
        assert_eq!(body_signature(one_struct.data()), Some("(iu)"));
        // What zbus makes of both headers: the same.
        assert_eq!(two.header().signature(), one_struct.header().signature());
        assert_eq!(body_signature(call(&(1u32,)).data()), Some("u"));
        assert_eq!(body_signature(call(&((1u32,),)).data()), Some("(u)"));
        assert_eq!(body_signature(call(&()).data()), Some(""));
        assert_eq!(
            body_signature(call(&("a{sv}", vec![1u8, 2])).data()),
            Some("say")
        );
    }

    #[test]
    fn unreadable_headers_are_none() {
        let msg = call(&(0i32, 0u32));
        let bytes: &[u8] = msg.data();
        assert_eq!(body_signature(&[]), None);
        assert_eq!(body_signature(&bytes[..14]), None);
        assert_eq!(body_signature(&bytes[..20]), None);
        let mut wrong_order = bytes.to_vec();
        wrong_order[0] = b'x';
        assert_eq!(body_signature(&wrong_order), None);
    }
}
