//! `<metadata>`: arbitrary namespaced elements, kept as XML text and printed the way libvirt
//! prints them (through libxml2: double-quoted attributes, namespace declarations first,
//! children indented by two spaces unless the element holds text).
//!
//! Each [`MetadataElement`] holds its namespace URI and its XML with that namespace declared
//! on it (`<app1:foo xmlns:app1="http://app1.org/">...</app1:foo>`). [`metadata_for_get`] gives
//! the form `virDomainGetMetadata` returns (the element's own namespace stripped) and
//! [`metadata_from_set`] builds an element from `virDomainSetMetadata` arguments.

use std::fmt::Write as _;

use super::{
    tree::{self, is_namespace_decl, Element, Node},
    writer::{escape, Escape},
};
use crate::{
    error::{Error, Result},
    model::MetadataElement,
};

/// Appends the namespace declarations made on `el` to `scope`.
fn collect_scope(el: &Element, scope: &mut Vec<(String, String)>) {
    for a in &el.attrs {
        if a.name == "xmlns" {
            scope.push((String::new(), a.value.clone()));
        } else if let Some(p) = a.name.strip_prefix("xmlns:") {
            scope.push((p.to_owned(), a.value.clone()));
        }
    }
}

/// Builds the metadata elements of a parsed `<metadata>` element `el`, whose enclosing
/// elements are `ancestors` (outermost first): a prefix declared on an ancestor is declared on
/// each element that uses it. As libvirt does, only the first element of each namespace is
/// kept; elements without a namespace and text are dropped.
pub(crate) fn parse_metadata_in(el: &Element, ancestors: &[&Element]) -> Vec<MetadataElement> {
    el.mark_all();
    let mut scope = Vec::new();
    for a in ancestors {
        collect_scope(a, &mut scope);
    }
    collect_scope(el, &mut scope);
    let mut seen: Vec<&str> = Vec::new();
    el.elements()
        .filter(|child| match child.ns.as_deref() {
            Some(uri) if !seen.contains(&uri) => {
                seen.push(uri);
                true
            }
            _ => false,
        })
        .map(|child| {
            let needed = undeclared_prefixes(child, &[]);
            let extra: Vec<(String, String)> = needed
                .into_iter()
                .filter_map(|p| {
                    scope
                        .iter()
                        .rev()
                        .find(|(sp, _)| *sp == p)
                        .map(|(sp, uri)| (sp.clone(), uri.clone()))
                })
                .collect();
            let mut child = Element::clone(child);
            drop_blanks(&mut child);
            let mut xml = String::new();
            dump(&child, 0, &extra, true, &mut xml);
            MetadataElement {
                nsuri: child.ns.clone().unwrap_or_default(),
                xml,
            }
        })
        .collect()
}

/// Prefixes used by `el` or its subtree (elements and attributes) that are not declared
/// inside the subtree; `declared` holds the prefixes declared by enclosing subtree elements.
fn undeclared_prefixes(el: &Element, declared: &[String]) -> Vec<String> {
    let mut here: Vec<String> = declared.to_vec();
    for a in &el.attrs {
        if a.name == "xmlns" {
            here.push(String::new());
        } else if let Some(p) = a.name.strip_prefix("xmlns:") {
            here.push(p.to_owned());
        }
    }
    let mut out: Vec<String> = Vec::new();
    let need = |p: &str, out: &mut Vec<String>| {
        if p != "xml" && !here.iter().any(|h| h == p) && !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    };
    if let Some(p) = el.prefix() {
        need(p, &mut out);
    } else if el.ns.is_some() {
        need("", &mut out);
    }
    for a in &el.attrs {
        if let Some((p, _)) = a.name.split_once(':') {
            if p != "xmlns" {
                need(p, &mut out);
            }
        }
    }
    for c in el.elements() {
        for p in undeclared_prefixes(c, &here) {
            need(&p, &mut out);
        }
    }
    out
}

/// Drops the comments, and the blank text between elements, that libvirt does not keep
/// when it reads a whole domain document.
fn drop_blanks(el: &mut Element) {
    let has_elements = el.elements().next().is_some();
    el.children.retain(|n| match n {
        Node::Text(t) => !(has_elements && is_blank(t)),
        Node::Comment(_) => false,
        Node::Element(_) => true,
    });
    for c in el.children.iter_mut() {
        if let Node::Element(e) = c {
            drop_blanks(e);
        }
    }
}

fn is_blank(t: &str) -> bool {
    t.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Serialises `el` as libxml2's `xmlNodeDump` with formatting does at `level`, adding the
/// namespace declarations `extra` after the element's own.
fn dump(el: &Element, level: usize, extra: &[(String, String)], format: bool, out: &mut String) {
    out.push('<');
    out.push_str(&el.name);
    for a in el.attrs.iter().filter(|a| is_namespace_decl(&a.name)) {
        let _ = write!(out, " {}=\"{}\"", a.name, escape(&a.value, Escape::XmlAttr));
    }
    for (p, uri) in extra {
        if p.is_empty() {
            let _ = write!(out, " xmlns=\"{}\"", escape(uri, Escape::XmlAttr));
        } else {
            let _ = write!(out, " xmlns:{p}=\"{}\"", escape(uri, Escape::XmlAttr));
        }
    }
    for a in el.attrs.iter().filter(|a| !is_namespace_decl(&a.name)) {
        let _ = write!(out, " {}=\"{}\"", a.name, escape(&a.value, Escape::XmlAttr));
    }
    if el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    // libxml2 indents the children of an element that holds no text.
    let fmt = format && !el.children.iter().any(|n| matches!(n, Node::Text(_)));
    for c in &el.children {
        if fmt {
            out.push('\n');
            pad(out, level + 1);
        }
        match c {
            Node::Text(t) => out.push_str(&escape(t, Escape::XmlText)),
            Node::Comment(t) => {
                let _ = write!(out, "<!--{t}-->");
            }
            Node::Element(e) => dump(e, level + 1, &[], fmt, out),
        }
    }
    if fmt {
        out.push('\n');
        pad(out, level);
    }
    let _ = write!(out, "</{}>", el.name);
}

fn pad(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// The stored element re-serialised at indentation `level` (for `<metadata>` inside the domain
/// document). `None` if the stored text does not parse.
pub(crate) fn dump_at_level(m: &MetadataElement, level: usize) -> Option<String> {
    let mut el = tree::parse_tree(&m.xml, "metadata").ok()?;
    drop_blanks(&mut el);
    let mut out = String::new();
    dump(&el, level, &[], true, &mut out);
    Some(out)
}

/// `virXMLFormatMetadata`: the `<metadata>` element holding `list`, nothing when empty.
pub(crate) fn format_metadata(out: &mut super::writer::XmlOut, list: &[MetadataElement]) {
    if list.is_empty() {
        return;
    }
    out.open("metadata", &[]);
    let level = out.indent();
    for m in list {
        if let Some(text) = dump_at_level(m, level) {
            out.append(&"  ".repeat(level));
            out.append(&text);
            out.append("\n");
        }
    }
    out.close("metadata");
}

/// The XML `virDomainGetMetadata(VIR_DOMAIN_METADATA_ELEMENT)` returns for `m`: the element
/// with its own namespace removed from it and from every descendant in that namespace.
pub fn metadata_for_get(m: &MetadataElement) -> Result<String> {
    let mut el = tree::parse_fragment(&m.xml, "metadata")
        .map_err(|e| Error::Internal(format!("stored metadata does not parse: {e}")))?;
    strip_namespace(&mut el, &m.nsuri);
    let mut out = String::new();
    dump(&el, 0, &[], true, &mut out);
    Ok(out)
}

fn strip_namespace(el: &mut Element, uri: &str) {
    if el.ns.as_deref() == Some(uri) {
        if let Some((_, local)) = el.name.split_once(':') {
            el.name = local.to_owned();
        }
        el.ns = None;
    }
    el.attrs
        .retain(|a| !(is_namespace_decl(&a.name) && a.value == uri));
    for c in el.children.iter_mut() {
        if let Node::Element(e) = c {
            strip_namespace(e, uri);
        }
    }
}

/// Builds the element `virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT, xml, key, uri)`
/// stores: `xml` with `key` declared on the root element as the prefix of `uri`, and put on
/// every element that has no namespace. As in libvirt, an element already in a namespace (a
/// default `xmlns` included) keeps it, and the result's `nsuri` is the root's namespace.
pub fn metadata_from_set(xml: &str, key: &str, uri: &str) -> Result<MetadataElement> {
    if uri.is_empty() {
        return Err(Error::InvalidArg(
            "metadata URI must not be empty".to_owned(),
        ));
    }
    let mut el = tree::parse_fragment(xml, "metadata_xml")?;
    if !is_ncname(key) {
        return Err(Error::Internal(
            "failed to validate prefix for a new XML namespace".to_owned(),
        ));
    }
    let decl = format!("xmlns:{key}");
    if el.attrs.iter().any(|a| a.name == decl) {
        return Err(Error::Internal(
            "failed to create a new XML namespace".to_owned(),
        ));
    }
    apply_prefix(&mut el, key, uri);
    let extra = vec![(key.to_owned(), uri.to_owned())];
    let mut out = String::new();
    dump(&el, 0, &extra, true, &mut out);
    Ok(MetadataElement {
        nsuri: el.ns.clone().unwrap_or_else(|| uri.to_owned()),
        xml: out,
    })
}

fn apply_prefix(el: &mut Element, key: &str, uri: &str) {
    if el.ns.is_none() {
        let local = el.local_name().to_owned();
        el.name = format!("{key}:{local}");
        el.ns = Some(uri.to_owned());
    }
    for c in el.children.iter_mut() {
        if let Node::Element(e) = c {
            apply_prefix(e, key, uri);
        }
    }
}

/// An XML NCName (no colon), roughly.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_then_get_matches_libvirt() {
        let m = metadata_from_set(
            "<foo a=\"1\" xmlns:z=\"http://z/\"><bar>t&amp;x</bar><z:q/></foo>",
            "app1",
            "http://app1.org/",
        )
        .unwrap();
        assert_eq!(m.nsuri, "http://app1.org/");
        assert_eq!(
            m.xml,
            "<app1:foo xmlns:z=\"http://z/\" xmlns:app1=\"http://app1.org/\" a=\"1\">\n  \
             <app1:bar>t&amp;x</app1:bar>\n  <z:q/>\n</app1:foo>"
        );
        assert_eq!(
            metadata_for_get(&m).unwrap(),
            "<foo xmlns:z=\"http://z/\" a=\"1\">\n  <bar>t&amp;x</bar>\n  <z:q/>\n</foo>"
        );
    }

    #[test]
    fn bad_key_is_refused() {
        assert_eq!(
            metadata_from_set("<a/>", "a:b", "urn:x").unwrap_err(),
            Error::Internal("failed to validate prefix for a new XML namespace".into())
        );
        assert_eq!(
            metadata_from_set("<a xmlns:k='urn:y'/>", "k", "urn:x").unwrap_err(),
            Error::Internal("failed to create a new XML namespace".into())
        );
        let e = metadata_from_set("<a", "k", "urn:x").unwrap_err();
        assert!(e.to_string().starts_with("(metadata_xml):1:"), "{e}");
    }

    #[test]
    fn elements_in_a_namespace_keep_it() {
        let m = metadata_from_set("<foo xmlns=\"urn:d\"><bar/></foo>", "k", "urn:x").unwrap();
        assert_eq!(m.nsuri, "urn:d");
        assert_eq!(
            m.xml,
            "<foo xmlns=\"urn:d\" xmlns:k=\"urn:x\">\n  <bar/>\n</foo>"
        );
    }

    #[test]
    fn stores_under_the_callers_prefix() {
        let set = |xml: &str, key: &str, uri: &str| metadata_from_set(xml, key, uri).unwrap().xml;
        assert_eq!(
            set("<foo bar='1'/>", "app", "http://example.org/"),
            "<app:foo xmlns:app=\"http://example.org/\" bar=\"1\"/>"
        );
        assert_eq!(
            set("<a><b c='d'>x</b>\n <e/></a>", "p", "urn:p"),
            "<p:a xmlns:p=\"urn:p\"><p:b c=\"d\">x</p:b>\n <p:e/></p:a>"
        );
    }

    #[test]
    fn retrieves_without_the_prefix() {
        let stored = metadata_from_set("<a><b c='d'>x</b>\n <e/></a>", "p", "urn:p").unwrap();
        assert_eq!(
            metadata_for_get(&stored).unwrap(),
            "<a><b c=\"d\">x</b>\n <e/></a>"
        );
        let parsed = MetadataElement {
            nsuri: "http://app1.org/".into(),
            xml: "<app1:foo xmlns:app1=\"http://app1.org/\"><app1:bar a=\"1\">text &amp; more</app1:bar><!-- c --></app1:foo>".into(),
        };
        assert_eq!(
            metadata_for_get(&parsed).unwrap(),
            "<foo>\n  <bar a=\"1\">text &amp; more</bar>\n  <!-- c -->\n</foo>"
        );
    }

    #[test]
    fn reports_libxml_like_errors() {
        let err = |xml: &str| {
            metadata_from_set(xml, "k", "urn:k")
                .unwrap_err()
                .to_string()
        };
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
            metadata_from_set("<r/>", "bad key", "u")
                .unwrap_err()
                .to_string(),
            "internal error: failed to validate prefix for a new XML namespace"
        );
        assert_eq!(
            metadata_from_set("<k:y xmlns:k='urn:zz'/>", "k", "u")
                .unwrap_err()
                .to_string(),
            "internal error: failed to create a new XML namespace"
        );
    }
}
