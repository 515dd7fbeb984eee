//! A libvirt-style XML output buffer: two-space indentation, single-quoted attributes, and
//! libvirt's escaping (`<`, `>`, `&`, `'`, `"` as entities; other control characters
//! dropped).

use std::fmt::Write as _;

/// Builds an indented XML document line by line.
#[derive(Debug, Default)]
pub(crate) struct XmlOut {
    buf: String,
    indent: usize,
}

/// An attribute list under construction: `None` values are left out.
pub(crate) type Attrs<'a> = [(&'a str, Option<String>)];

impl XmlOut {
    /// A buffer that starts at `indent` levels.
    pub fn with_indent(indent: usize) -> Self {
        Self {
            buf: String::new(),
            indent,
        }
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.buf
    }

    /// The current indentation level.
    pub fn indent(&self) -> usize {
        self.indent
    }

    fn pad(&mut self) {
        for _ in 0..self.indent {
            self.buf.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &Attrs<'_>) {
        self.pad();
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                let _ = write!(self.buf, " {k}='{}'", escape(v, Escape::Libvirt));
            }
        }
    }

    /// `<name attrs>` and one level deeper.
    pub fn open(&mut self, name: &str, attrs: &Attrs<'_>) {
        self.start_tag(name, attrs);
        self.buf.push_str(">\n");
        self.indent += 1;
    }

    /// `</name>` one level up.
    pub fn close(&mut self, name: &str) {
        self.indent = self.indent.saturating_sub(1);
        self.pad();
        let _ = writeln!(self.buf, "</{name}>");
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &Attrs<'_>) {
        self.start_tag(name, attrs);
        self.buf.push_str("/>\n");
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &str, attrs: &Attrs<'_>, text: &str) {
        self.start_tag(name, attrs);
        let _ = writeln!(self.buf, ">{}</{name}>", escape(text, Escape::Libvirt));
    }

    /// A text element when `text` is set.
    pub fn opt_text(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.text(name, &[], t);
        }
    }

    /// Appends text already formatted and indented.
    pub fn append(&mut self, text: &str) {
        self.buf.push_str(text);
    }
}

/// Whose escaping rules [`escape`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// libvirt's `virBufferEscapeString`, for attribute values and element content alike:
    /// quotes as entities, control characters other than tab and newlines dropped.
    Libvirt,
    /// libxml2's serializer for a double-quoted attribute value (metadata elements).
    XmlAttr,
    /// libxml2's serializer for text content (metadata elements).
    XmlText,
}

/// Escapes `s` for XML output by the rules of `how`.
pub(crate) fn escape(s: &str, how: Escape) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (c, how) {
            ('<', _) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            ('&', _) => out.push_str("&amp;"),
            ('"', Escape::Libvirt | Escape::XmlAttr) => out.push_str("&quot;"),
            ('\'', Escape::Libvirt) => out.push_str("&apos;"),
            ('\t' | '\n' | '\r', Escape::Libvirt) => out.push(c),
            (c, Escape::Libvirt) if (c as u32) < 0x20 => {}
            ('\r', _) => out.push_str("&#13;"),
            ('\n', Escape::XmlAttr) => out.push_str("&#10;"),
            ('\t', Escape::XmlAttr) => out.push_str("&#9;"),
            (c, _) => out.push(c),
        }
    }
    out
}

/// `Some("yes")`/`Some("no")` for an optional flag.
pub(crate) fn yes_no(v: Option<bool>) -> Option<String> {
    v.map(|b| if b { "yes" } else { "no" }.to_owned())
}

/// `Some("on")`/`Some("off")` for an optional flag.
pub(crate) fn on_off(v: Option<bool>) -> Option<String> {
    v.map(|b| if b { "on" } else { "off" }.to_owned())
}

/// An optional value as an attribute value.
pub(crate) fn opt<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

/// A value as an attribute value.
pub(crate) fn some<T: ToString + ?Sized>(v: &T) -> Option<String> {
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_libvirt() {
        let mut o = XmlOut::default();
        o.open("a", &[("x", some("1")), ("y", None)]);
        o.empty("b", &[("v", some("it's <&>\""))]);
        o.text("c", &[], "t\u{1}");
        o.close("a");
        assert_eq!(
            o.finish(),
            "<a x='1'>\n  <b v='it&apos;s &lt;&amp;&gt;&quot;'/>\n  <c>t</c>\n</a>\n"
        );
    }
}
