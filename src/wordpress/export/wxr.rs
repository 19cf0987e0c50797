//! The element shapes of a WXR file, over `quick-xml`'s `Writer` (which escapes text and
//! attributes). Written into a buffer that the exporter hands out piece by piece.
//!
//! Characters XML 1.0 forbids (most control characters, U+FFFE, U+FFFF) are dropped from
//! every text, as the feeds do (`render::xml::clean`): no character reference can carry them
//! either, and one of them would make the whole file unreadable to every importer.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesCData, BytesEnd, BytesStart, BytesText, Event};

use crate::render::xml::clean;

/// WordPress's "no date yet" (`post_date_gmt` of a draft that was never given a time).
pub const NO_DATE: &str = "0000-00-00 00:00:00";

/// A WXR document being written into memory, taken out in pieces with [`Wxr::take`].
pub struct Wxr {
    w: Writer<Vec<u8>>,
}

impl Wxr {
    pub fn new() -> Wxr {
        Wxr {
            w: Writer::new_with_indent(Vec::with_capacity(64 * 1024), b'\t', 1),
        }
    }

    /// What was written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(self.w.get_mut())
    }

    pub fn len(&self) -> usize {
        self.w.get_ref().len()
    }

    fn event(&mut self, e: Event<'_>) {
        // Writing into a Vec cannot fail.
        let _ = self.w.write_event(e);
    }

    /// Markup written as is (the declaration).
    pub fn raw(&mut self, markup: &str) {
        self.w.get_mut().extend_from_slice(markup.as_bytes());
    }

    /// `<name attrs>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, clean(v).as_ref()));
        }
        self.event(Event::Start(start));
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs>text</name>`, the text escaped.
    pub fn text_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        // Only `<`, `>` and `&` need escaping in text; quotes stay readable, as WordPress
        // writes them.
        self.event(Event::Text(BytesText::from_escaped(partial_escape(clean(
            text,
        )))));
        self.close(name);
    }

    /// `<name>text</name>`, the text escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        self.text_with(name, &[], text);
    }

    /// `<name>number</name>`.
    pub fn number(&mut self, name: &str, n: i64) {
        self.text(name, &n.to_string());
    }

    /// `<name><![CDATA[text]]></name>` as WordPress writes content, excerpts and comments; a
    /// `]]>` inside the text is split across two sections (`]]` then `>`), so it reads back
    /// whole.
    pub fn cdata(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        // An empty text event keeps `<name></name>` on one line.
        self.event(Event::Text(BytesText::new("")));
        let text = clean(text);
        if !text.is_empty() {
            for part in BytesCData::escaped(&text) {
                self.event(Event::CData(part));
            }
        }
        self.close(name);
    }

    /// A `wp:postmeta` pair.
    pub fn meta(&mut self, key: &str, value: &str) {
        self.open("wp:postmeta", &[]);
        self.text("wp:meta_key", key);
        self.cdata("wp:meta_value", &[], value);
        self.close("wp:postmeta");
    }
}

/// `YYYY-MM-DD HH:MM:SS` in the site's time zone (WordPress's `post_date`).
pub fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC (WordPress's `post_date_gmt`).
pub fn gmt(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// RFC 2822 in UTC, as RSS `pubDate` wants and WordPress writes it.
pub fn rfc2822(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_splits_its_terminator_and_drops_forbidden_characters() {
        let mut x = Wxr::new();
        x.cdata("content:encoded", &[], "a]]>b\u{7}c");
        assert_eq!(
            String::from_utf8(x.take()).unwrap(),
            "<content:encoded><![CDATA[a]]]]><![CDATA[>bc]]></content:encoded>"
        );
        x.cdata("excerpt:encoded", &[], "");
        assert_eq!(
            String::from_utf8(x.take()).unwrap(),
            "\n<excerpt:encoded></excerpt:encoded>"
        );
    }
}
