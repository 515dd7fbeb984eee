//! The raw layer: a small element tree read with quick-xml's `Reader`.
//!
//! The tree keeps what the typed conversion needs and nothing more: element names with their
//! resolved namespace, attributes, text and child elements in document order, and the line of
//! each start tag. Every element and attribute carries a "used" mark that the conversion sets
//! when it consumes it, so that validation (VIR_DOMAIN_DEFINE_VALIDATE) can report whatever
//! the conversion did not understand.
//!
//! Reading is bounded: the document size, the nesting depth and the number of elements are
//! limited, and every syntax error becomes libvirt's VIR_ERR_XML_DETAIL text with the line and
//! column of the fault.

use std::cell::Cell;

use quick_xml::{
    errors::{Error as QxError, IllFormedError, SyntaxError},
    escape::resolve_predefined_entity,
    events::{BytesStart, Event},
    Reader, XmlVersion,
};

use crate::error::{Error, Result};

/// Largest document accepted, in bytes (10 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 100_000;

/// The namespace URI bound to the `xml` prefix by the XML specification.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// One attribute as written, with its value unescaped.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    /// Qualified name as written (`a`, `xmlns:p`, `p:a`).
    pub name: String,
    pub value: String,
    used: Cell<bool>,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    /// Character data (text and CDATA), entities resolved.
    Text(String),
    /// A comment, kept only in fragments ([`parse_fragment`]).
    Comment(String),
}

/// One element with its attributes and children.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// Qualified name as written (`disk`, `app1:foo`).
    pub name: String,
    /// The namespace URI the element's prefix (or the default namespace) resolves to.
    pub ns: Option<String>,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
    /// 1-based line of the start tag.
    pub line: usize,
    used: Cell<bool>,
}

impl Element {
    /// The name without its prefix.
    pub fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// The prefix of the name, if any.
    pub fn prefix(&self) -> Option<&str> {
        self.name.split_once(':').map(|(p, _)| p)
    }

    /// Marks the element (not its children) as understood.
    pub fn mark(&self) {
        self.used.set(true);
    }

    /// Marks the element, its attributes and its whole subtree as understood.
    pub fn mark_all(&self) {
        self.used.set(true);
        for a in &self.attrs {
            a.used.set(true);
        }
        for c in self.elements() {
            c.mark_all();
        }
    }

    /// Whether the conversion consumed this element.
    pub fn is_used(&self) -> bool {
        self.used.get()
    }

    /// The value of attribute `name`, marking it used.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).map(|a| {
            a.used.set(true);
            a.value.as_str()
        })
    }

    /// The value of attribute `name` as an owned string, marking it used.
    pub fn attr_string(&self, name: &str) -> Option<String> {
        self.attr(name).map(str::to_owned)
    }

    /// The child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) | Node::Comment(_) => None,
        })
    }

    /// The first child element called `name` (no namespace), marking it used.
    pub fn child(&self, name: &str) -> Option<&Element> {
        let found = self.elements().find(|e| e.name == name && e.ns.is_none());
        if let Some(e) = found {
            e.mark();
        }
        found
    }

    /// Every child element called `name` (no namespace), each marked used.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements()
            .filter(move |e| e.name == name && e.ns.is_none())
            .inspect(|e| e.mark())
    }

    /// The concatenated text content of the element (direct text children only).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// The text of the first child element `name`, marking it used.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(Element::text)
    }

    /// The first element or attribute (depth first) that the conversion did not consume,
    /// described in the words of libvirt's schema validation, or `None` when everything was
    /// understood. The caller checks the root itself.
    pub fn first_unused(&self) -> Option<String> {
        for a in &self.attrs {
            if !a.used.get() && !is_namespace_decl(&a.name) {
                return Some(format!(
                    "Invalid attribute {} for element {} (line {})",
                    a.name, self.name, self.line
                ));
            }
        }
        for c in self.elements() {
            if !c.is_used() {
                return Some(format!(
                    "Element {} has extra content: {} (line {})",
                    self.name, c.name, c.line
                ));
            }
            if let Some(found) = c.first_unused() {
                return Some(found);
            }
        }
        None
    }
}

/// Whether an attribute name declares a namespace (`xmlns` or `xmlns:p`).
pub(crate) fn is_namespace_decl(name: &str) -> bool {
    name == "xmlns" || name.starts_with("xmlns:")
}

/// Reads `text` into an element tree. `what` names the document in error texts, as libvirt
/// does with the name it gives libxml2 ("domain_definition", "device_definition").
pub(crate) fn parse_tree(text: &str, what: &str) -> Result<Element> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::Xml(format!(
            "document of {} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes",
            text.len()
        )));
    }
    TreeReader::new(text, what, false).run()
}

/// Reads `text` as [`parse_tree`] does and checks that the root element is `root`, failing
/// with libvirt's "expecting root element" text otherwise.
pub(crate) fn parse_document(text: &str, what: &str, root: &str) -> Result<Element> {
    let el = parse_tree(text, what)?;
    if el.name != root {
        return Err(Error::Xml(format!(
            "expecting root element of '{root}', not '{}'",
            el.name
        )));
    }
    Ok(el)
}

/// Reads an XML string handed to an API call (the element of `virDomainSetMetadata`) as
/// libvirt's `virXMLParseStringCtxt` does: comments are kept, and syntax errors carry the
/// line only ("(NAME):LINE: MESSAGE"), with libxml2's "(null)" context for an empty string.
pub(crate) fn parse_fragment(text: &str, what: &str) -> Result<Element> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::Xml(format!(
            "document of {} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes",
            text.len()
        )));
    }
    if text.is_empty() {
        return Err(Error::XmlDetail(format!(
            "({what}):1: Document is empty\n(null)\n^"
        )));
    }
    TreeReader::new(text, what, true).run()
}

/// An element being built, with the namespace declarations it brought into scope.
struct Open {
    element: Element,
    /// Byte offset of the start tag.
    offset: usize,
    /// Number of (prefix, uri) bindings this element pushed on the scope stack.
    bindings: usize,
}

/// The state of one tree read.
struct TreeReader<'a> {
    text: &'a str,
    what: &'a str,
    reader: Reader<&'a [u8]>,
    stack: Vec<Open>,
    /// In-scope namespace bindings, innermost last; prefix "" is the default namespace.
    scope: Vec<(String, String)>,
    root: Option<Element>,
    elements: usize,
    /// (byte offset, line at that offset): the line of the last start tag seen, so that
    /// lines are counted once over the document rather than from its start for every tag.
    line_cursor: (usize, usize),
    /// A fragment: see [`parse_fragment`].
    fragment: bool,
}

impl<'a> TreeReader<'a> {
    fn new(text: &'a str, what: &'a str, fragment: bool) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Self {
            text,
            what,
            reader,
            stack: Vec::new(),
            scope: Vec::new(),
            root: None,
            elements: 0,
            line_cursor: (0, 1),
            fragment,
        }
    }

    /// A VIR_ERR_XML_DETAIL error at byte `offset`, shaped as libvirt reports libxml2 errors:
    /// "(NAME):LINE:COL: MESSAGE", then the offending line and a caret under the column.
    fn detail(&self, offset: usize, message: &str) -> Error {
        let text = detail_text(self.text, self.what, offset, message);
        if self.fragment {
            // libvirt's own form, without the column.
            let (line, col) = line_col(self.text, offset);
            let long = format!("({}):{line}:{col}: ", self.what);
            let short = format!("({}):{line}: ", self.what);
            return Error::XmlDetail(text.replacen(&long, &short, 1));
        }
        Error::XmlDetail(text)
    }

    fn run(mut self) -> Result<Element> {
        loop {
            let before = self.reader.buffer_position() as usize;
            let event = match self.reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let at = self.reader.error_position() as usize;
                    return Err(self.qx_error(&e, at));
                }
            };
            match event {
                Event::Start(start) => {
                    let el = self.start_element(&start, before)?;
                    self.open(el, before)?;
                }
                Event::Empty(start) => {
                    let el = self.start_element(&start, before)?;
                    self.open(el, before)?;
                    self.close(before)?;
                }
                Event::End(end) => {
                    let name = end.name();
                    let name = name.as_ref();
                    match self.stack.last() {
                        Some(open) if open.element.name == name => self.close(before)?,
                        Some(open) => {
                            let msg = format!(
                                "Opening and ending tag mismatch: {} line {} and {name}",
                                open.element.name, open.element.line
                            );
                            let at = self.reader.buffer_position() as usize;
                            return Err(self.detail(at, &msg));
                        }
                        None => {
                            let at = self.reader.buffer_position() as usize;
                            return Err(self.detail(at, "Extra content at the end of the document"));
                        }
                    }
                }
                Event::Text(t) => {
                    let content = t.xml10_content();
                    self.text_content(&content, before)?;
                }
                Event::CData(c) => {
                    if self.stack.is_empty() {
                        return Err(self.outside_root(before));
                    }
                    let content = c.xml10_content().into_owned();
                    self.push_text(content);
                }
                Event::GeneralRef(r) => {
                    let resolved = if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) if is_xml_char(c) => c.to_string(),
                            _ => {
                                let msg =
                                    format!("xmlParseCharRef: invalid xmlChar value in &{};", &*r);
                                return Err(self.detail(before, &msg));
                            }
                        }
                    } else if let Some(s) = resolve_predefined_entity(&r) {
                        s.to_owned()
                    } else {
                        let msg = format!("Entity '{}' not defined", &*r);
                        return Err(self.detail(before, &msg));
                    };
                    if self.stack.is_empty() {
                        return Err(self.outside_root(before));
                    }
                    self.push_text(resolved);
                }
                Event::Comment(c) if self.fragment => {
                    if let Some(open) = self.stack.last_mut() {
                        let c = c.xml10_content().into_owned();
                        open.element.children.push(Node::Comment(c));
                    }
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::DocType(_) => {
                    // Entity declarations in a DTD are the way to blow up a parser; libvirt
                    // never needs one.
                    return Err(self.detail(before, "DOCTYPE declarations are not supported"));
                }
                Event::Eof => return self.finish(),
            }
        }
    }

    /// Converts a quick-xml error into libxml2-like wording.
    fn qx_error(&self, e: &QxError, at: usize) -> Error {
        let msg = match e {
            QxError::Syntax(SyntaxError::UnclosedTag)
            | QxError::Syntax(SyntaxError::UnclosedSingleQuotedAttributeValue)
            | QxError::Syntax(SyntaxError::UnclosedDoubleQuotedAttributeValue) => {
                match self.stack.last() {
                    Some(open) => format!(
                        "Premature end of data in tag {} line {}",
                        open.element.name, open.element.line
                    ),
                    None => "Couldn't find end of Start Tag".to_owned(),
                }
            }
            QxError::Syntax(SyntaxError::UnclosedComment) => "Comment not terminated".to_owned(),
            QxError::Syntax(SyntaxError::UnclosedCData) => "CData section not finished".to_owned(),
            QxError::IllFormed(IllFormedError::UnclosedReference) => {
                "EntityRef: expecting ';'".to_owned()
            }
            QxError::Escape(e) => format!("invalid reference: {e}"),
            QxError::InvalidAttr(e) => format!("invalid attribute: {e}"),
            other => other.to_string(),
        };
        self.detail(at, &msg)
    }

    fn outside_root(&self, at: usize) -> Error {
        if self.root.is_some() {
            self.detail(at, "Extra content at the end of the document")
        } else {
            self.detail(at, "Start tag expected, '<' not found")
        }
    }

    fn text_content(&mut self, content: &str, at: usize) -> Result<()> {
        if self.stack.is_empty() {
            if content.chars().all(is_xml_space) {
                return Ok(());
            }
            return Err(self.outside_root(at));
        }
        if let Some(bad) = content.chars().find(|c| !is_xml_char(*c)) {
            let msg = format!("PCDATA invalid Char value {}", bad as u32);
            return Err(self.detail(at, &msg));
        }
        self.push_text(content.to_owned());
        Ok(())
    }

    /// Appends text to the innermost open element, merging with a preceding text node.
    fn push_text(&mut self, content: String) {
        if let Some(open) = self.stack.last_mut() {
            if let Some(Node::Text(prev)) = open.element.children.last_mut() {
                prev.push_str(&content);
            } else {
                open.element.children.push(Node::Text(content));
            }
        }
    }

    fn start_element(&mut self, start: &BytesStart<'_>, offset: usize) -> Result<Element> {
        if self.root.is_some() {
            return Err(self.detail(offset, "Extra content at the end of the document"));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::Xml(format!(
                "element nesting deeper than {MAX_DEPTH} levels at line {}",
                self.line_at(offset)
            )));
        }
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(Error::Xml(format!(
                "document has more than {MAX_ELEMENTS} elements"
            )));
        }
        let name = start.name().as_ref().to_owned();
        if !is_valid_name(&name) {
            return Err(self.detail(offset, "StartTag: invalid element name"));
        }
        let mut attrs: Vec<Attr> = Vec::new();
        for attr in start.attributes().with_checks(true) {
            let attr = match attr {
                Ok(a) => a,
                Err(e) => {
                    use quick_xml::events::attributes::AttrError;
                    // Positions are relative to the tag content, just after '<'.
                    let (msg, pos) = match e {
                        AttrError::Duplicated(pos, _) => ("Attribute redefined", pos),
                        AttrError::ExpectedEq(pos) | AttrError::ExpectedValue(pos) => {
                            ("Specification mandates value for attribute", pos)
                        }
                        AttrError::UnquotedValue(pos) | AttrError::ExpectedQuote(pos, _) => {
                            ("AttValue: \" or ' expected", pos)
                        }
                    };
                    return Err(self.detail(offset + 1 + pos, msg));
                }
            };
            let key = attr.key.as_ref().to_owned();
            if !is_valid_name(&key) {
                return Err(self.detail(offset, "invalid attribute name"));
            }
            if attr.value.contains('<') {
                return Err(self.detail(offset, "Unescaped '<' not allowed in attributes values"));
            }
            let value = match attr.normalized_value(XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(e) => {
                    let msg = match e {
                        QxError::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(
                            _,
                            name,
                        )) => format!("Entity '{name}' not defined"),
                        other => format!("invalid attribute value: {other}"),
                    };
                    return Err(self.detail(offset, &msg));
                }
            };
            if let Some(bad) = value.chars().find(|c| !is_xml_char(*c)) {
                let msg = format!("invalid xmlChar value {}", bad as u32);
                return Err(self.detail(offset, &msg));
            }
            attrs.push(Attr {
                name: key,
                value,
                used: Cell::new(false),
            });
        }
        Ok(Element {
            name,
            ns: None,
            attrs,
            children: Vec::new(),
            line: self.line_at(offset),
            used: Cell::new(false),
        })
    }

    /// The line of byte `offset`, counting forward from the previous call.
    fn line_at(&mut self, offset: usize) -> usize {
        let (from, line) = self.line_cursor;
        if offset < from {
            return line_col(self.text, offset).0;
        }
        let added = self
            .text
            .as_bytes()
            .get(from..offset)
            .map_or(0, |s| s.iter().filter(|b| **b == b'\n').count());
        self.line_cursor = (offset, line + added);
        line + added
    }

    fn open(&mut self, mut element: Element, offset: usize) -> Result<()> {
        let mut bindings = 0;
        for a in &element.attrs {
            if a.name == "xmlns" {
                self.scope.push((String::new(), a.value.clone()));
                bindings += 1;
            } else if let Some(p) = a.name.strip_prefix("xmlns:") {
                self.scope.push((p.to_owned(), a.value.clone()));
                bindings += 1;
            }
        }
        let prefix = element.prefix().unwrap_or("").to_owned();
        element.ns = self.resolve(&prefix);
        self.stack.push(Open {
            element,
            offset,
            bindings,
        });
        Ok(())
    }

    /// The URI bound to `prefix` ("" = default namespace); `None` when unbound or empty.
    fn resolve(&self, prefix: &str) -> Option<String> {
        if prefix == "xml" {
            return Some(XML_NS.to_owned());
        }
        self.scope
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.clone())
            .filter(|uri| !uri.is_empty())
    }

    fn close(&mut self, _offset: usize) -> Result<()> {
        let Some(open) = self.stack.pop() else {
            return Ok(());
        };
        let keep = self.scope.len().saturating_sub(open.bindings);
        self.scope.truncate(keep);
        match self.stack.last_mut() {
            Some(parent) => parent.element.children.push(Node::Element(open.element)),
            None => self.root = Some(open.element),
        }
        Ok(())
    }

    fn finish(self) -> Result<Element> {
        if let Some(open) = self.stack.last() {
            let msg = format!(
                "Premature end of data in tag {} line {}",
                open.element.name, open.element.line
            );
            let _ = open.offset;
            return Err(self.detail(self.text.len(), &msg));
        }
        match self.root {
            Some(root) => Ok(root),
            None if self.fragment => Err(Error::XmlDetail(format!(
                "({}):1: Document is empty\n{}\n^",
                self.what,
                self.text.split('\n').next().unwrap_or("")
            ))),
            None => Err(Error::XmlDetail(format!(
                "({}):1: Document is empty",
                self.what
            ))),
        }
    }
}

/// The text of a libxml2-style syntax error at byte `offset` of `text`.
pub(crate) fn detail_text(text: &str, what: &str, offset: usize, message: &str) -> String {
    let (line, col) = line_col(text, offset);
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    // Show at most 80 characters of the line, around the column.
    let chars: Vec<char> = line_text.chars().collect();
    let start = col.saturating_sub(1).saturating_sub(60);
    let end = (start + 80).min(chars.len());
    let shown: String = chars
        .get(start..end)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let caret_at = col.saturating_sub(1).saturating_sub(start);
    format!(
        "({what}):{line}:{col}: {message}\n{shown}\n{}^",
        "-".repeat(caret_at)
    )
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before
        .get(line_start..)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// XML 1.0 `S`.
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// XML 1.0 `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A rough check of XML `Name` (with at most one colon), enough to refuse garbage.
fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(first.is_alphabetic() || first == '_') {
        return false;
    }
    if name.matches(':').count() > 1 || name.ends_with(':') {
        return false;
    }
    chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '\u{B7}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_and_text() {
        let root = parse_tree(
            "<a x='1' y=\"&amp;\"><b>t&lt;u</b><c/><p:d xmlns:p='urn:p'/></a>",
            "doc",
        )
        .unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("y"), Some("&"));
        assert_eq!(root.child_text("b").as_deref(), Some("t<u"));
        let d = root.elements().nth(2).unwrap();
        assert_eq!(d.local_name(), "d");
        assert_eq!(d.ns.as_deref(), Some("urn:p"));
    }

    #[test]
    fn empty_document() {
        assert_eq!(
            parse_tree("  ", "domain_definition").unwrap_err(),
            Error::XmlDetail("(domain_definition):1: Document is empty".into())
        );
    }

    #[test]
    fn mismatch_reports_open_tag_line_and_column() {
        let err = parse_tree("<a>\n  <b>\n</a>", "domain_definition")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "(domain_definition):3:5: Opening and ending tag mismatch: b line 2 and a"
            ),
            "{err}"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let doc = "<a>".repeat(MAX_DEPTH + 1);
        let err = parse_tree(&doc, "d").unwrap_err();
        assert!(
            matches!(err, Error::Xml(ref m) if m.contains("nesting")),
            "{err}"
        );
    }

    #[test]
    fn size_is_bounded() {
        let doc = format!("<a>{}</a>", " ".repeat(MAX_DOCUMENT_BYTES));
        assert!(matches!(parse_tree(&doc, "d"), Err(Error::Xml(_))));
    }

    #[test]
    fn undefined_entity_and_doctype_fail() {
        let err = parse_tree("<a>&foo;</a>", "d").unwrap_err().to_string();
        assert!(
            err.starts_with("(d):1:4: Entity 'foo' not defined"),
            "{err}"
        );
        assert!(matches!(
            parse_tree("<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "d"),
            Err(Error::XmlDetail(_))
        ));
    }

    #[test]
    fn extra_content_fails() {
        let err = parse_tree("<a/><b/>", "d").unwrap_err().to_string();
        assert!(
            err.contains("Extra content at the end of the document"),
            "{err}"
        );
        let err = parse_tree("abc", "d").unwrap_err().to_string();
        assert!(err.contains("Start tag expected, '<' not found"), "{err}");
    }
}
