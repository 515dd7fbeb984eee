//! The messages of the QMP protocol: reading one from the socket, the greeting, events and
//! replies.

use std::fmt;

use serde_json::{Map, Value};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, BufReader},
    net::unix::OwnedReadHalf,
};

use super::QmpError;

/// The longest message accepted from QEMU; a longer line is treated as garbage.
const MAX_MESSAGE_BYTES: u64 = 64 << 20;
/// How much of an offending message an error quotes.
const QUOTE_BYTES: usize = 200;

/// QEMU's version, from the greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QemuVersion {
    /// Major version (7 in 7.2.22).
    pub major: u32,
    /// Minor version (2 in 7.2.22).
    pub minor: u32,
    /// Micro version (22 in 7.2.22).
    pub micro: u32,
}

impl QemuVersion {
    /// The version as libvirt encodes it for `virConnectGetVersion`:
    /// `major * 1,000,000 + minor * 1,000 + micro`.
    pub fn libvirt_number(self) -> u64 {
        u64::from(self.major) * 1_000_000 + u64::from(self.minor) * 1_000 + u64::from(self.micro)
    }
}

impl fmt::Display for QemuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// The greeting QEMU sends when a client connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// QEMU's version.
    pub version: QemuVersion,
    /// The distribution's package string (e.g. `Debian 1:7.2+dfsg-7+deb12u18+b3`), may be empty.
    pub package: String,
    /// The optional capabilities QEMU offers (e.g. `oob`); none are enabled by this client.
    pub capabilities: Vec<String>,
}

/// When QEMU emitted an event, as it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Microseconds within the second.
    pub microseconds: i64,
}

/// One QMP event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's name, e.g. `STOP` or `SHUTDOWN`.
    pub name: String,
    /// The event's `data` member; `Value::Null` when the event has none.
    pub data: Value,
    /// When QEMU emitted it.
    pub timestamp: Timestamp,
}
/// Reads one JSON object (one line) from the monitor; blank lines are skipped.
pub(super) async fn read_message(
    reader: &mut BufReader<OwnedReadHalf>,
) -> Result<Map<String, Value>, QmpError> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut *reader)
            .take(MAX_MESSAGE_BYTES)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|error| match error.kind() {
                // The peer closed its end with bytes of ours still unread (QEMU does on
                // `quit`): a hang-up like any other.
                std::io::ErrorKind::ConnectionReset => QmpError::Eof,
                _ => QmpError::Io(error.to_string()),
            })?;
        if read == 0 {
            return Err(QmpError::Eof);
        }
        if line.last() != Some(&b'\n') {
            if read as u64 >= MAX_MESSAGE_BYTES {
                return Err(QmpError::Garbage(format!(
                    "a message longer than {MAX_MESSAGE_BYTES} bytes"
                )));
            }
            // The socket closed in the middle of a message.
            return Err(QmpError::Eof);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        return match serde_json::from_slice::<Value>(&line) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err(QmpError::Garbage(format!(
                "not a JSON object: {}",
                quote(&line)
            ))),
            Err(error) => Err(QmpError::Garbage(format!(
                "not JSON ({error}): {}",
                quote(&line)
            ))),
        };
    }
}

/// The start of an offending message, for an error text.
fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(QUOTE_BYTES)]);
    let text = text.trim_end();
    if bytes.len() > QUOTE_BYTES {
        format!("'{text}…'")
    } else {
        format!("'{text}'")
    }
}

/// A message from QEMU once the greeting is read.
pub(super) enum Incoming {
    Event(Event),
    /// A command's reply: its id (when a number) and either its `return` value or its error's
    /// class and description.
    Reply {
        id: Option<u64>,
        result: Result<Value, (String, String)>,
    },
}

/// Sorts a message received after the greeting into an event or a reply.
pub(super) fn classify(mut message: Map<String, Value>) -> Result<Incoming, QmpError> {
    if let Some(name) = message.get("event") {
        let Some(name) = name.as_str() else {
            return Err(QmpError::Garbage(format!(
                "an event whose name is not a string: {name}"
            )));
        };
        let timestamp = message.get("timestamp").unwrap_or(&Value::Null);
        let field = |key: &str| timestamp.get(key).and_then(Value::as_i64).unwrap_or(0);
        return Ok(Incoming::Event(Event {
            name: name.to_owned(),
            timestamp: Timestamp {
                seconds: field("seconds"),
                microseconds: field("microseconds"),
            },
            data: message.remove("data").unwrap_or(Value::Null),
        }));
    }
    let id = message.get("id").and_then(Value::as_u64);
    if let Some(value) = message.remove("return") {
        return Ok(Incoming::Reply {
            id,
            result: Ok(value),
        });
    }
    if let Some(error) = message.get("error") {
        let text = |key: &str| {
            error
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return Ok(Incoming::Reply {
            id,
            result: Err((text("class"), text("desc"))),
        });
    }
    Err(QmpError::Garbage(format!(
        "a message that is neither an event nor a reply: {}",
        Value::Object(message)
    )))
}

/// Reads the greeting, the first message QEMU sends.
pub(super) fn parse_greeting(message: &Map<String, Value>) -> Result<Greeting, QmpError> {
    let invalid = || {
        QmpError::Garbage(format!(
            "expected the QMP greeting, got {}",
            Value::Object(message.clone())
        ))
    };
    let qmp = message.get("QMP").ok_or_else(invalid)?;
    let version = qmp.get("version").ok_or_else(invalid)?;
    let number = |key: &str| -> Result<u32, QmpError> {
        version
            .get("qemu")
            .and_then(|qemu| qemu.get(key))
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(invalid)
    };
    Ok(Greeting {
        version: QemuVersion {
            major: number("major")?,
            minor: number("minor")?,
            micro: number("micro")?,
        },
        package: version
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        capabilities: qmp
            .get("capabilities")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Map<String, Value> {
        match serde_json::from_str(text).unwrap() {
            Value::Object(object) => object,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn greeting_gives_the_version_and_its_libvirt_number() {
        let greeting = parse_greeting(&object(
            r#"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}"#,
        ))
        .unwrap();
        assert_eq!(
            greeting.version,
            QemuVersion {
                major: 7,
                minor: 2,
                micro: 22
            }
        );
        assert_eq!(greeting.version.libvirt_number(), 7_002_022);
        assert_eq!(greeting.version.to_string(), "7.2.22");
        assert_eq!(greeting.package, "Debian 1:7.2+dfsg-7+deb12u18+b3");
        assert_eq!(greeting.capabilities, ["oob"]);
    }

    #[test]
    fn a_greeting_without_a_version_is_garbage() {
        let error = parse_greeting(&object(r#"{"return": {}}"#)).unwrap_err();
        assert!(matches!(error, QmpError::Garbage(_)), "{error:?}");
    }

    #[test]
    fn an_event_without_data_has_null_data() {
        let Ok(Incoming::Event(event)) = classify(object(
            r#"{"timestamp": {"seconds": 5, "microseconds": 7}, "event": "STOP"}"#,
        )) else {
            panic!("not an event");
        };
        assert_eq!(event.name, "STOP");
        assert_eq!(event.data, Value::Null);
        assert_eq!(
            event.timestamp,
            Timestamp {
                seconds: 5,
                microseconds: 7
            }
        );
    }

    #[test]
    fn an_error_reply_keeps_class_and_desc() {
        let Ok(Incoming::Reply { id, result }) = classify(object(
            r#"{"id": 3, "error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}"#,
        )) else {
            panic!("not a reply");
        };
        assert_eq!(id, Some(3));
        assert_eq!(
            result,
            Err((
                "CommandNotFound".to_owned(),
                "The command nope has not been found".to_owned()
            ))
        );
    }

    #[test]
    fn a_message_of_no_known_kind_is_garbage() {
        assert!(matches!(
            classify(object(r#"{"hello": 1}"#)),
            Err(QmpError::Garbage(_))
        ));
    }
}
