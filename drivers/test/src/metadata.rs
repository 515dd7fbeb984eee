//! Custom metadata elements (`virDomainSetMetadata` / `virDomainGetMetadata` with type
//! ELEMENT): reading the caller's fragment, storing it under the caller's namespace prefix,
//! and giving it back without the prefix, formatted as libxml2 formats it.

use quick_xml::{
    errors::{Error as QxError, IllFormedError, SyntaxError},
    escape::resolve_predefined_entity,
    events::{attributes::AttrError, BytesStart, Event},
    Reader, XmlVersion,
};
use virtbus_core::{Error, Result};

/// Largest fragment accepted, in bytes.
const MAX_BYTES: usize = 1024 * 1024;
/// Deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// A node of a metadata fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
    Comment(String),
}

/// An element of a metadata fragment, names as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

/// Builds the stored form of a `SetMetadata` element: `xml` read as one element, every
/// element without a prefix put in namespace `uri` under prefix `key`.
pub fn store(xml: &str, key: &str, uri: &str) -> Result<String> {
    let mut root = parse(xml, "metadata_xml")?;
    if !is_ncname(key) {
        return Err(Error::Internal(
            "failed to validate prefix for a new XML namespace".to_owned(),
        ));
    }
    let decl = format!("xmlns:{key}");
    if root.attrs.iter().any(|(n, _)| *n == decl) {
        return Err(Error::Internal(
            "failed to create a new XML namespace".to_owned(),
        ));
    }
    add_prefix(&mut root, key);
    let at = root
        .attrs
        .iter()
        .position(|(n, _)| !is_ns_decl(n))
        .unwrap_or(root.attrs.len());
    root.attrs.insert(at, (decl, uri.to_owned()));
    let mut out = String::new();
    write(&root, &mut out, None);
    Ok(out)
}

/// The stored element `xml` (namespace `uri`) as `GetMetadata` returns it: the prefix bound
/// to `uri` and its declaration removed.
pub fn retrieve(xml: &str, uri: &str) -> String {
    let Ok(mut root) = parse(xml, "metadata_xml") else {
        return xml.to_owned();
    };
    let prefix = root
        .attrs
        .iter()
        .find(|(n, v)| v == uri && (n == "xmlns" || n.starts_with("xmlns:")))
        .map(|(n, _)| n.strip_prefix("xmlns:").unwrap_or("").to_owned());
    if let Some(prefix) = prefix {
        let decl = if prefix.is_empty() {
            "xmlns".to_owned()
        } else {
            format!("xmlns:{prefix}")
        };
        root.attrs.retain(|(n, _)| *n != decl);
        if !prefix.is_empty() {
            strip_prefix(&mut root, &prefix);
        }
    }
    let mut out = String::new();
    write(&root, &mut out, Some(0));
    out
}

fn is_ns_decl(name: &str) -> bool {
    name == "xmlns" || name.starts_with("xmlns:")
}

fn add_prefix(el: &mut Element, key: &str) {
    if !el.name.contains(':') {
        el.name = format!("{key}:{}", el.name);
    }
    for child in &mut el.children {
        if let Node::Element(c) = child {
            add_prefix(c, key);
        }
    }
}

fn strip_prefix(el: &mut Element, prefix: &str) {
    if let Some(local) = el
        .name
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix(':'))
    {
        el.name = local.to_owned();
    }
    for child in &mut el.children {
        if let Node::Element(c) = child {
            strip_prefix(c, prefix);
        }
    }
}

/// Whether `name` is an XML NCName (a name without a colon).
fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Serialises `el`. With `level` set, element-only content is indented as libxml2's
/// formatted output does; content with text is written as it is.
fn write(el: &Element, out: &mut String, level: Option<usize>) {
    out.push('<');
    out.push_str(&el.name);
    for (name, value) in &el.attrs {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    if el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    let has_text = el.children.iter().any(|c| matches!(c, Node::Text(_)));
    let inner = match level {
        Some(l) if !has_text => Some(l + 1),
        _ => None,
    };
    for child in &el.children {
        if let Some(l) = inner {
            out.push('\n');
            out.push_str(&"  ".repeat(l));
        }
        match child {
            Node::Element(c) => write(c, out, inner),
            Node::Text(t) => escape_text(t, out),
            Node::Comment(c) => {
                out.push_str("<!--");
                out.push_str(c);
                out.push_str("-->");
            }
        }
    }
    if let (Some(l), Some(_)) = (level, inner) {
        out.push('\n');
        out.push_str(&"  ".repeat(l));
    }
    out.push_str("</");
    out.push_str(&el.name);
    out.push('>');
}

fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// A libxml2-shaped syntax error of document `what` at byte `offset` of `text`.
fn detail(text: &str, what: &str, offset: usize, message: &str) -> Error {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count();
    let line_text: String = text[line_start..]
        .split('\n')
        .next()
        .unwrap_or("")
        .chars()
        .take(80)
        .collect();
    Error::XmlDetail(format!(
        "({what}):{line}: {message}\n{line_text}\n{}^",
        "-".repeat(col.min(80))
    ))
}

/// Reads `text` as a document of exactly one element.
pub fn parse(text: &str, what: &str) -> Result<Element> {
    if text.len() > MAX_BYTES {
        return Err(Error::Xml(format!(
            "metadata of {} bytes exceeds the limit of {MAX_BYTES} bytes",
            text.len()
        )));
    }
    if text.is_empty() {
        return Err(Error::XmlDetail(format!(
            "({what}):1: Document is empty\n(null)\n^"
        )));
    }
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.expand_empty_elements = false;
    config.trim_text(false);
    let mut stack: Vec<(Element, usize)> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(qx_error(text, what, at, &e, stack.last()));
            }
        };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(detail(
                    text,
                    what,
                    before,
                    "Extra content at the end of the document",
                ));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::Xml(format!(
                        "metadata nesting deeper than {MAX_DEPTH} levels"
                    )));
                }
                let el = element(text, what, &start, before)?;
                stack.push((el, line_of(text, before)));
            }
            Event::Empty(start) => {
                let el = element(text, what, &start, before)?;
                close(&mut stack, &mut root, el);
            }
            Event::End(end) => {
                let name = end.name();
                let name: &str = name.as_ref();
                match stack.pop() {
                    Some((el, _)) if el.name == name => close(&mut stack, &mut root, el),
                    Some((el, line)) => {
                        let msg = format!(
                            "Opening and ending tag mismatch: {} line {line} and {name}",
                            el.name
                        );
                        return Err(detail(text, what, reader.buffer_position() as usize, &msg));
                    }
                    None => {
                        return Err(detail(
                            text,
                            what,
                            before,
                            "Extra content at the end of the document",
                        ))
                    }
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                push_text(text, what, &mut stack, &root, &content, before)?;
            }
            Event::CData(c) => {
                let content = c.xml10_content().into_owned();
                push_text(text, what, &mut stack, &root, &content, before)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            let msg =
                                format!("xmlParseCharRef: invalid xmlChar value in &{};", &*r);
                            return Err(detail(text, what, before, &msg));
                        }
                    }
                } else if let Some(s) = resolve_predefined_entity(&r) {
                    s.to_owned()
                } else {
                    let msg = format!("Entity '{}' not defined", &*r);
                    return Err(detail(text, what, before, &msg));
                };
                push_text(text, what, &mut stack, &root, &resolved, before)?;
            }
            Event::Comment(c) => {
                if let Some((el, _)) = stack.last_mut() {
                    el.children
                        .push(Node::Comment(c.xml10_content().into_owned()));
                }
            }
            Event::Decl(_) | Event::PI(_) => {}
            Event::DocType(_) => {
                return Err(detail(
                    text,
                    what,
                    before,
                    "DOCTYPE declarations are not supported",
                ))
            }
            Event::Eof => {
                if let Some((el, line)) = stack.last() {
                    let msg = format!("Premature end of data in tag {} line {line}", el.name);
                    return Err(detail(text, what, text.len(), &msg));
                }
                return root.ok_or_else(|| {
                    Error::XmlDetail(format!(
                        "({what}):1: Document is empty\n{}\n^",
                        text.split('\n').next().unwrap_or("")
                    ))
                });
            }
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |b| b.matches('\n').count() + 1)
}

fn close(stack: &mut [(Element, usize)], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some((parent, _)) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn push_text(
    text: &str,
    what: &str,
    stack: &mut [(Element, usize)],
    root: &Option<Element>,
    content: &str,
    at: usize,
) -> Result<()> {
    match stack.last_mut() {
        Some((el, _)) => {
            if let Some(Node::Text(prev)) = el.children.last_mut() {
                prev.push_str(content);
            } else {
                el.children.push(Node::Text(content.to_owned()));
            }
            Ok(())
        }
        None if content
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) =>
        {
            Ok(())
        }
        None => {
            let skip = content.len() - content.trim_start().len();
            let msg = if root.is_some() {
                "Extra content at the end of the document"
            } else {
                "Start tag expected, '<' not found"
            };
            Err(detail(text, what, at + skip, msg))
        }
    }
}

fn element(text: &str, what: &str, start: &BytesStart<'_>, offset: usize) -> Result<Element> {
    let qname = start.name();
    let name: &str = qname.as_ref();
    let mut attrs: Vec<(String, String)> = Vec::new();
    for attr in start.attributes().with_checks(true) {
        let attr = match attr {
            Ok(a) => a,
            Err(e) => {
                let (pos, msg) = match e {
                    AttrError::Duplicated(pos, _) => (pos, "Attribute redefined".to_owned()),
                    AttrError::UnquotedValue(pos) | AttrError::ExpectedQuote(pos, _) => {
                        (pos, "AttValue: \" or ' expected".to_owned())
                    }
                    AttrError::ExpectedEq(pos) | AttrError::ExpectedValue(pos) => {
                        (pos, "Specification mandates value for attribute".to_owned())
                    }
                };
                return Err(detail(text, what, offset + 1 + pos, &msg));
            }
        };
        let key: &str = attr.key.as_ref();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| detail(text, what, offset, &format!("invalid attribute value: {e}")))?;
        attrs.push((key.to_owned(), value.into_owned()));
    }
    Ok(Element {
        name: name.to_owned(),
        attrs,
        children: Vec::new(),
    })
}

fn qx_error(
    text: &str,
    what: &str,
    at: usize,
    e: &QxError,
    open: Option<&(Element, usize)>,
) -> Error {
    let msg = match e {
        QxError::Syntax(SyntaxError::UnclosedTag)
        | QxError::Syntax(SyntaxError::UnclosedSingleQuotedAttributeValue)
        | QxError::Syntax(SyntaxError::UnclosedDoubleQuotedAttributeValue) => {
            let rest = text.get(at..).unwrap_or("");
            let name: String = rest
                .trim_start_matches('<')
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
                .collect();
            let line = line_of(text, at);
            let _ = open;
            return detail(
                text,
                what,
                text.len(),
                &format!("Couldn't find end of Start Tag {name} line {line}"),
            );
        }
        QxError::Syntax(SyntaxError::UnclosedComment) => "Comment not terminated".to_owned(),
        QxError::Syntax(SyntaxError::UnclosedCData) => "CData section not finished".to_owned(),
        QxError::IllFormed(IllFormedError::UnclosedReference) => {
            "EntityRef: expecting ';'".to_owned()
        }
        other => other.to_string(),
    };
    detail(text, what, at, &msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_under_the_callers_prefix() {
        assert_eq!(
            store("<foo bar='1'/>", "app", "http://example.org/").unwrap(),
            "<app:foo xmlns:app=\"http://example.org/\" bar=\"1\"/>"
        );
        assert_eq!(
            store("<a><b c='d'>x</b>\n <e/></a>", "p", "urn:p").unwrap(),
            "<p:a xmlns:p=\"urn:p\"><p:b c=\"d\">x</p:b>\n <p:e/></p:a>"
        );
    }

    #[test]
    fn retrieves_without_the_prefix() {
        let stored = store("<a><b c='d'>x</b>\n <e/></a>", "p", "urn:p").unwrap();
        assert_eq!(retrieve(&stored, "urn:p"), "<a><b c=\"d\">x</b>\n <e/></a>");
        let parsed = "<app1:foo xmlns:app1=\"http://app1.org/\"><app1:bar a=\"1\">text &amp; more</app1:bar><!-- c --></app1:foo>";
        assert_eq!(
            retrieve(parsed, "http://app1.org/"),
            "<foo>\n  <bar a=\"1\">text &amp; more</bar>\n  <!-- c -->\n</foo>"
        );
    }

    #[test]
    fn reports_libxml_like_errors() {
        let err = |xml: &str| store(xml, "k", "urn:k").unwrap_err().to_string();
        assert_eq!(err(""), "(metadata_xml):1: Document is empty\n(null)\n^");
        assert_eq!(
            err("text"),
            "(metadata_xml):1: Start tag expected, '<' not found\ntext\n^"
        );
        assert_eq!(
            err("<a/><b/>"),
            "(metadata_xml):1: Extra content at the end of the document\n<a/><b/>\n----^"
        );
        assert_eq!(
            err("<r3>"),
            "(metadata_xml):1: Premature end of data in tag r3 line 1\n<r3>\n----^"
        );
        assert_eq!(
            err("<r3></r4>"),
            "(metadata_xml):1: Opening and ending tag mismatch: r3 line 1 and r4\n<r3></r4>\n---------^"
        );
        assert_eq!(
            err("<r3 a=1/>"),
            "(metadata_xml):1: AttValue: \" or ' expected\n<r3 a=1/>\n------^"
        );
        assert_eq!(
            store("<r/>", "bad key", "u").unwrap_err().to_string(),
            "internal error: failed to validate prefix for a new XML namespace"
        );
        assert_eq!(
            store("<k:y xmlns:k='urn:zz'/>", "k", "u")
                .unwrap_err()
                .to_string(),
            "internal error: failed to create a new XML namespace"
        );
    }
}
