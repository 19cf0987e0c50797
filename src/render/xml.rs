//! A small XML writer over `quick-xml` for feeds and sitemaps: elements, attributes and text,
//! escaped by `quick-xml`, with characters XML 1.0 forbids (most control characters) dropped,
//! so that no stored text can make a document unparseable.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// An XML document (or a fragment of one) being written into memory.
pub struct Xml {
    w: Writer<Vec<u8>>,
}

/// Text without the characters XML 1.0 does not allow.
pub fn clean(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

impl Xml {
    /// A document, starting with its `<?xml …?>` declaration.
    pub fn document() -> Xml {
        let mut x = Xml::fragment();
        x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        x.raw("\n");
        x
    }

    /// A piece of a document, written without a declaration (for streamed documents).
    pub fn fragment() -> Xml {
        Xml {
            w: Writer::new(Vec::with_capacity(4096)),
        }
    }

    fn event(&mut self, e: Event<'_>) {
        // Writing into a Vec cannot fail.
        let _ = self.w.write_event(e);
    }

    fn start<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_ref()));
        }
        start
    }

    /// `<name attrs>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.event(Event::Start(Xml::start(name, attrs)));
        self
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Xml {
        self.event(Event::End(BytesEnd::new(name)));
        self
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Xml {
        self.open(name, attrs);
        self.event(Event::Text(BytesText::new(&clean(text))));
        self.close(name)
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.event(Event::Empty(Xml::start(name, attrs)));
        self
    }

    /// Markup written as is (line breaks between elements).
    pub fn raw(&mut self, markup: &'static str) -> &mut Xml {
        let _ = std::io::Write::write_all(self.w.get_mut(), markup.as_bytes());
        self
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.w.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_cleaned() {
        let mut x = Xml::fragment();
        x.text(
            "title",
            &[("href", "/a?b=1&c=\"2\"")],
            "Tom & <Jerry>\u{0}\u{1b}!",
        );
        assert_eq!(
            String::from_utf8(x.into_bytes()).unwrap(),
            "<title href=\"/a?b=1&amp;c=&quot;2&quot;\">Tom &amp; &lt;Jerry&gt;!</title>"
        );
    }
}
