//! The runtime status document, `<domstatus>`, as libvirt writes it for a running domain:
//! state and reason, emulator pid, monitor socket, then the live `<domain>` with its id.
//!
//! ```xml
//! <domstatus state='running' reason='booted' pid='4242'>
//!   <monitor path='/run/virtbus/qemu/UUID.monitor' type='unix'/>
//!   <domain type='qemu' id='1'>
//!     ...
//!   </domain>
//! </domstatus>
//! ```

use std::path::PathBuf;

use virtbus_core::{
    model::DomainDef,
    state::{DomainState, StateReason},
    xml::{format_domain, parse_domain_with, FormatOptions, ParseOptions},
    Error, Result,
};

/// What the driver must remember about a running domain to reattach to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainStatus {
    /// State and reason when written.
    pub state: StateReason,
    /// The emulator's pid.
    pub pid: u32,
    /// The QMP socket.
    pub monitor: PathBuf,
    /// The domain id.
    pub id: i32,
    /// The live definition (aliases, pty paths, ports).
    pub def: DomainDef,
}

const STATES: &[(DomainState, &str, &[&str])] = &[
    (DomainState::NoState, "nostate", &["unknown"]),
    (
        DomainState::Running,
        "running",
        &[
            "unknown",
            "booted",
            "migrated",
            "restored",
            "from snapshot",
            "unpaused",
            "migration canceled",
            "save canceled",
            "wakeup",
            "crashed",
            "post-copy",
            "post-copy failed",
        ],
    ),
    (DomainState::Blocked, "blocked", &["unknown"]),
    (
        DomainState::Paused,
        "paused",
        &[
            "unknown",
            "user",
            "migration",
            "save",
            "dump",
            "ioerror",
            "watchdog",
            "from snapshot",
            "shutdown",
            "snapshot",
            "panicked",
            "starting up",
            "post-copy",
            "post-copy failed",
            "api error",
        ],
    ),
    (DomainState::Shutdown, "shutdown", &["unknown", "user"]),
    (
        DomainState::Shutoff,
        "shutoff",
        &[
            "unknown",
            "shutdown",
            "destroyed",
            "crashed",
            "migrated",
            "saved",
            "failed",
            "from snapshot",
            "daemon",
        ],
    ),
    (DomainState::Crashed, "crashed", &["unknown", "panicked"]),
    (DomainState::PmSuspended, "pmsuspended", &["unknown"]),
];

fn state_names(state: StateReason) -> (&'static str, &'static str) {
    let (_, name, reasons) = STATES
        .iter()
        .find(|(s, _, _)| *s == state.state)
        .expect("every state is listed");
    let reason = usize::try_from(state.reason)
        .ok()
        .and_then(|r| reasons.get(r))
        .copied()
        .unwrap_or("unknown");
    (name, reason)
}

fn parse_state(name: &str, reason: &str) -> Option<StateReason> {
    let (state, _, reasons) = STATES.iter().find(|(_, n, _)| *n == name)?;
    let reason = reasons.iter().position(|r| *r == reason)?;
    Some(StateReason::new(*state, i32::try_from(reason).ok()?))
}

/// libvirt's escaping for an attribute value in single quotes.
fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape_attr(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';')? + at;
        out.push(match &rest[at + 1..end] {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            _ => return None,
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The attributes of the start tag `tag` (the text between `<name` and `>`), single- or
/// double-quoted.
fn attributes(tag: &str) -> Option<Vec<(String, String)>> {
    let mut attrs = Vec::new();
    let mut rest = tag.trim_start();
    while !rest.is_empty() && !rest.starts_with('/') {
        let eq = rest.find('=')?;
        let key = rest[..eq].trim().to_owned();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().filter(|q| *q == '\'' || *q == '"')?;
        let end = after[1..].find(quote)? + 1;
        attrs.push((key, unescape_attr(&after[1..end])?));
        rest = after[end + 1..].trim_start();
    }
    Some(attrs)
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The attributes of the first `<name ...>` start tag in `text`, and the offset just past it.
fn start_tag(text: &str, name: &str) -> Option<(Vec<(String, String)>, usize)> {
    let open = format!("<{name}");
    let at = text.find(&open)?;
    let after = at + open.len();
    if !text[after..].starts_with([' ', '>', '/', '\n', '\t']) {
        return None;
    }
    let end = text[after..].find('>')? + after;
    Some((attributes(&text[after..end])?, end + 1))
}

fn corrupt(what: &str) -> Error {
    Error::Internal(format!("corrupt domain status file: {what}"))
}

impl DomainStatus {
    /// The document.
    pub fn format(&self) -> String {
        let (state, reason) = state_names(self.state);
        let domain = format_domain(
            &self.def,
            &FormatOptions {
                id: Some(self.id),
                secure: true,
                indent: 1,
                ..Default::default()
            },
        );
        format!(
            "<domstatus state='{state}' reason='{}' pid='{}'>\n  <monitor path='{}' type='unix'/>\n{domain}</domstatus>\n",
            escape_attr(reason),
            self.pid,
            escape_attr(&self.monitor.to_string_lossy()),
        )
    }

    /// Reads a document written by [`DomainStatus::format`].
    pub fn parse(text: &str) -> Result<Self> {
        let (head, _) = start_tag(text, "domstatus").ok_or_else(|| corrupt("no <domstatus>"))?;
        let state = parse_state(
            attr(&head, "state").ok_or_else(|| corrupt("no state"))?,
            attr(&head, "reason").unwrap_or("unknown"),
        )
        .ok_or_else(|| corrupt("unknown state or reason"))?;
        let pid: u32 = attr(&head, "pid")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p > 1)
            .ok_or_else(|| corrupt("invalid pid"))?;
        let (monitor, _) = start_tag(text, "monitor").ok_or_else(|| corrupt("no <monitor>"))?;
        let monitor =
            PathBuf::from(attr(&monitor, "path").ok_or_else(|| corrupt("no monitor path"))?);
        if !monitor.is_absolute() {
            return Err(corrupt("relative monitor path"));
        }
        let begin = text.find("<domain").ok_or_else(|| corrupt("no <domain>"))?;
        let end = text
            .rfind("</domain>")
            .ok_or_else(|| corrupt("no </domain>"))?
            + "</domain>".len();
        let domain_text = text.get(begin..end).ok_or_else(|| corrupt("no <domain>"))?;
        let (domain_attrs, _) =
            start_tag(domain_text, "domain").ok_or_else(|| corrupt("no <domain>"))?;
        let id: i32 = attr(&domain_attrs, "id")
            .and_then(|i| i.parse().ok())
            .filter(|i| *i > 0)
            .ok_or_else(|| corrupt("invalid domain id"))?;
        let def = parse_domain_with(
            domain_text,
            &ParseOptions {
                live: true,
                ..Default::default()
            },
        )?;
        Ok(Self {
            state,
            pid,
            monitor,
            id,
            def,
        })
    }
}

#[cfg(test)]
mod tests {
    use virtbus_core::state::{paused, running};

    use super::*;

    fn status() -> DomainStatus {
        let def = parse_domain_with(
            "<domain type='qemu'><name>a&amp;b</name><memory unit='MiB'>128</memory>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><serial type='pty'><source path='/dev/pts/3'/></serial></devices></domain>",
            &ParseOptions {
                live: true,
                ..Default::default()
            },
        )
        .unwrap();
        DomainStatus {
            state: StateReason::new(DomainState::Running, running::BOOTED),
            pid: 4242,
            monitor: PathBuf::from("/run/x/it's.monitor"),
            id: 7,
            def,
        }
    }

    #[test]
    fn a_status_reads_back_as_written() {
        let s = status();
        let text = s.format();
        assert!(
            text.starts_with("<domstatus state='running' reason='booted' pid='4242'>\n"),
            "{text}"
        );
        assert!(text.contains("<domain type='qemu' id='7'>"), "{text}");
        let back = DomainStatus::parse(&text).unwrap();
        assert_eq!(back.monitor, s.monitor);
        assert_eq!(back.id, 7);
        assert_eq!(back.pid, 4242);
        assert_eq!(&*back.def.name, "a&b");
        // Live data (the pty path) survives.
        assert_eq!(
            back.def.devices.serials[0].source_path.as_deref(),
            Some("/dev/pts/3")
        );
        assert_eq!(back, s);
    }

    #[test]
    fn every_reason_has_a_name_that_reads_back() {
        let mut s = status();
        s.state = StateReason::new(DomainState::Paused, paused::STARTING_UP);
        let text = s.format();
        assert!(text.contains("reason='starting up'"));
        assert_eq!(DomainStatus::parse(&text).unwrap().state, s.state);
    }

    #[test]
    fn corrupt_documents_are_refused() {
        let good = status().format();
        for bad in [
            String::new(),
            "<domstatus state='running' reason='booted'>".to_owned(),
            good.replace("pid='4242'", "pid='x'"),
            good.replace("state='running'", "state='flying'"),
            good.replace(" id='7'", ""),
            good.replace("</domain>", ""),
            good.replace("<memory", "<mem"),
        ] {
            assert!(DomainStatus::parse(&bad).is_err(), "{bad}");
        }
    }
}
