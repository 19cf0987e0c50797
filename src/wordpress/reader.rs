//! A streaming reader of WordPress eXtended RSS (WXR) exports, versions 1.0 to 1.2.
//!
//! Exports of hundreds of megabytes are normal, so the file is never held in memory: the reader
//! hands out one author, term or item at a time, and only the item being read (its text, meta
//! and comments) is buffered. Elements are matched by namespace, whatever prefix the file uses,
//! and both the `http://` and the `https://` spellings of WordPress's namespaces are accepted
//! (WordPress.com writes the latter). An undeclared prefix falls back to its usual meaning
//! (`wp:`, `content:`, `excerpt:`, `dc:`), as some hand-edited and old exports need.

use std::io::BufRead;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

/// The most text one element may hold (a post's body included). Larger is not a real export.
const MAX_TEXT: usize = 64 * 1024 * 1024;

/// The site the export came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    pub title: String,
    pub link: String,
    pub description: String,
    pub language: String,
    pub wxr_version: String,
    pub base_site_url: String,
    pub base_blog_url: String,
}

/// A `wp:author`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub id: Option<i64>,
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
}

/// A `wp:category`, `wp:tag` or `wp:term` (menus and other taxonomies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    pub id: Option<i64>,
    /// `category`, `post_tag`, `nav_menu`, …
    pub taxonomy: String,
    pub slug: String,
    /// The parent's slug; empty at the top.
    pub parent: String,
    pub name: String,
    pub description: String,
}

/// A `<category>` inside an item: a section, tag or menu the item belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemTerm {
    /// `category`, `post_tag` (`tag` in WXR 1.0), `nav_menu`; empty in the oldest exports.
    pub domain: String,
    pub slug: String,
    pub name: String,
}

/// A `wp:comment`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: String,
    pub date: String,
    pub date_gmt: String,
    pub content: String,
    /// `1`, `0`, `spam`, `trash`.
    pub approved: String,
    /// Empty for a comment; `pingback`, `trackback`.
    pub kind: String,
    pub parent: i64,
    pub user_id: i64,
}

/// An `item`: a post, page, attachment, menu entry or anything else WordPress stores as a post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub title: String,
    pub link: String,
    pub pub_date: String,
    pub creator: String,
    pub guid: String,
    pub description: String,
    pub content: String,
    pub excerpt: String,
    pub id: i64,
    pub post_date: String,
    pub post_date_gmt: String,
    pub modified: String,
    pub modified_gmt: String,
    pub comment_status: String,
    pub post_name: String,
    pub status: String,
    pub parent: i64,
    pub menu_order: i64,
    pub post_type: String,
    pub password: String,
    pub sticky: bool,
    pub attachment_url: String,
    pub terms: Vec<ItemTerm>,
    pub meta: Vec<(String, String)>,
    pub comments: Vec<Comment>,
}

impl Item {
    /// The value of a `wp:postmeta` key, if present.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One thing read from the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Author(Author),
    Term(Term),
    Item(Box<Item>),
}

/// Why the export could not be read; says where.
#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    #[error("line {line}, in <{element}>: {message}")]
    Malformed {
        line: u64,
        element: String,
        message: String,
    },
    #[error("this is not a WordPress export (WXR): {0}")]
    NotWxr(String),
    #[error("reading the file: {0}")]
    Io(#[from] std::io::Error),
}

/// The namespaces WXR uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    None,
    Wp,
    Content,
    Excerpt,
    Dc,
    Other,
}

fn namespace_of(uri: &[u8]) -> Ns {
    let uri = String::from_utf8_lossy(uri);
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
        .unwrap_or(&uri);
    let rest = rest.trim_end_matches('/');
    if let Some(v) = rest.strip_prefix("wordpress.org/export/") {
        return match v.split_once('/') {
            None => Ns::Wp,
            Some((_, "excerpt")) => Ns::Excerpt,
            Some(_) => Ns::Other,
        };
    }
    match rest {
        "purl.org/rss/1.0/modules/content" => Ns::Content,
        "purl.org/dc/elements/1.1" => Ns::Dc,
        _ => Ns::Other,
    }
}

/// [`namespace_of`], remembered: an export binds a handful of URIs, and every element names one.
fn cached_namespace(known: &mut Vec<(Vec<u8>, Ns)>, uri: &[u8]) -> Ns {
    if let Some((_, ns)) = known.iter().find(|(u, _)| u == uri) {
        return *ns;
    }
    let ns = namespace_of(uri);
    known.push((uri.to_vec(), ns));
    ns
}

fn namespace_of_prefix(prefix: &[u8]) -> Ns {
    match prefix {
        b"wp" => Ns::Wp,
        b"content" => Ns::Content,
        b"excerpt" => Ns::Excerpt,
        b"dc" => Ns::Dc,
        _ => Ns::Other,
    }
}

/// Counts the lines of what the XML parser has consumed, so errors can say where they are.
struct Lines<R> {
    inner: R,
    line: u64,
}

impl<R: BufRead> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.line += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.line += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.inner.consume(amt);
    }
}

/// What is being read.
#[derive(Default)]
struct Open {
    author: Option<Author>,
    term: Option<Term>,
    item: Option<Item>,
    comment: Option<Comment>,
    meta: Option<(String, String)>,
    item_term: Option<ItemTerm>,
}

/// The streaming reader. Call [`WxrReader::next_record`] until it returns `None`.
pub struct WxrReader<R: BufRead> {
    xml: NsReader<Lines<R>>,
    buf: Vec<u8>,
    /// The open elements: namespace and local name.
    stack: Vec<(Ns, String)>,
    text: String,
    open: Open,
    channel: Channel,
    seen_rss: bool,
    done: bool,
    /// Namespace URIs already resolved (an export binds a handful).
    namespaces: Vec<(Vec<u8>, Ns)>,
    /// Whether the texts of posts and comments are dropped as they are read ([`WxrReader::skim`]).
    skim: bool,
}

impl<R: BufRead> WxrReader<R> {
    pub fn new(source: R) -> WxrReader<R> {
        let mut xml = NsReader::from_reader(Lines {
            inner: source,
            line: 1,
        });
        xml.config_mut().check_end_names = true;
        xml.config_mut().trim_text(false);
        WxrReader {
            xml,
            buf: Vec::new(),
            stack: Vec::new(),
            text: String::new(),
            open: Open::default(),
            channel: Channel::default(),
            seen_rss: false,
            done: false,
            namespaces: Vec::new(),
            skim: false,
        }
    }

    /// Drops the texts of posts (`content:encoded`, `excerpt:encoded`) and of comments while
    /// reading: they are most of an export's bytes, and a pass that only looks at the people,
    /// terms and menus does not need them. The records still come, with those fields empty.
    pub fn skim(mut self) -> WxrReader<R> {
        self.skim = true;
        self
    }

    /// Whether the text now being read is one that [`WxrReader::skim`] drops.
    fn skimmed(&self) -> bool {
        let text = match self.stack.last() {
            Some((Ns::Content | Ns::Excerpt, n)) => n == "encoded",
            Some((Ns::Wp, n)) => n == "comment_content",
            _ => false,
        };
        self.skim && text
    }

    /// The channel's details read so far (complete once the first item has been read).
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// The line the reader has reached.
    pub fn line(&self) -> u64 {
        self.xml.get_ref().line
    }

    /// Bytes consumed so far (for progress over a file of known size).
    pub fn position(&self) -> u64 {
        self.xml.buffer_position()
    }

    fn malformed(&self, message: impl Into<String>) -> WxrError {
        WxrError::Malformed {
            line: self.line(),
            element: self
                .stack
                .last()
                .map_or_else(|| "document".to_owned(), |(_, n)| n.clone()),
            message: message.into(),
        }
    }

    /// The next author, term or item; `None` at the end of the export.
    pub fn next_record(&mut self) -> Result<Option<Record>, WxrError> {
        if self.done {
            return Ok(None);
        }
        loop {
            self.buf.clear();
            let (ns, event) = match self.xml.read_resolved_event_into(&mut self.buf) {
                Ok((ns, event)) => {
                    let ns = match ns {
                        ResolveResult::Bound(n) => {
                            cached_namespace(&mut self.namespaces, n.as_ref())
                        }
                        ResolveResult::Unbound => Ns::None,
                        ResolveResult::Unknown(prefix) => namespace_of_prefix(&prefix),
                    };
                    (ns, event.into_owned())
                }
                Err(quick_xml::Error::Io(e)) => {
                    return Err(WxrError::Io(std::io::Error::new(e.kind(), e.to_string())));
                }
                Err(e) => return Err(self.malformed(e.to_string())),
            };
            match event {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    self.start(ns, &name, &e)?;
                    self.stack.push((ns, name));
                    self.text.clear();
                }
                Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    self.start(ns, &name, &e)?;
                    self.stack.push((ns, name));
                    self.text.clear();
                    if let Some(record) = self.end()? {
                        return Ok(Some(record));
                    }
                }
                Event::End(_) => {
                    if let Some(record) = self.end()? {
                        return Ok(Some(record));
                    }
                }
                // Skimmed text is still checked, so a broken file is found in the first pass.
                Event::Text(t) if self.skimmed() => {
                    std::str::from_utf8(&t).map_err(|e| self.malformed(e.to_string()))?;
                }
                Event::CData(t) if self.skimmed() => {
                    std::str::from_utf8(&t).map_err(|e| self.malformed(e.to_string()))?;
                }
                Event::Text(t) => {
                    let s = t.xml_content().map_err(|e| self.malformed(e.to_string()))?;
                    self.push_text(&s)?;
                }
                Event::CData(t) => {
                    let s = t.xml_content().map_err(|e| self.malformed(e.to_string()))?;
                    self.push_text(&s)?;
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = r.decode().map_err(|e| self.malformed(e.to_string()))?;
                            match name.as_ref() {
                                "amp" => "&".to_owned(),
                                "lt" => "<".to_owned(),
                                "gt" => ">".to_owned(),
                                "quot" => "\"".to_owned(),
                                "apos" => "'".to_owned(),
                                // An HTML entity in an unescaped body: kept for the HTML.
                                other => format!("&{other};"),
                            }
                        }
                        Err(e) => return Err(self.malformed(e.to_string())),
                    };
                    self.push_text(&resolved)?;
                }
                Event::Eof => {
                    if !self.stack.is_empty() {
                        return Err(self.malformed(
                            "the file ends in the middle of this element (was the export cut off?)",
                        ));
                    }
                    if !self.seen_rss {
                        return Err(WxrError::NotWxr("it has no <rss><channel> element".into()));
                    }
                    self.done = true;
                    return Ok(None);
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
    }

    fn push_text(&mut self, s: &str) -> Result<(), WxrError> {
        if self.skimmed() {
            return Ok(());
        }
        if self.text.len() + s.len() > MAX_TEXT {
            return Err(self.malformed("more than 64 MB of text in one element"));
        }
        self.text.push_str(s);
        Ok(())
    }

    fn start(&mut self, ns: Ns, name: &str, e: &BytesStart<'_>) -> Result<(), WxrError> {
        let depth = self.stack.len();
        if depth == 0 {
            if name != "rss" {
                return Err(WxrError::NotWxr(format!(
                    "its root element is <{name}>, not <rss>"
                )));
            }
            self.seen_rss = true;
        }
        let in_channel = depth == 2 && self.stack[1].1 == "channel";
        match (ns, name) {
            (Ns::Wp, "author") if in_channel => self.open.author = Some(Author::default()),
            (Ns::Wp, "category" | "tag" | "term") if in_channel => {
                self.open.term = Some(Term {
                    taxonomy: match name {
                        "category" => "category".into(),
                        "tag" => "post_tag".into(),
                        _ => String::new(),
                    },
                    ..Term::default()
                })
            }
            (Ns::None, "item") if in_channel => self.open.item = Some(Item::default()),
            (Ns::Wp, "comment") if self.open.item.is_some() => {
                self.open.comment = Some(Comment::default())
            }
            (Ns::Wp, "postmeta") if self.open.item.is_some() && self.open.comment.is_none() => {
                self.open.meta = Some(Default::default())
            }
            (Ns::None, "category") if self.open.item.is_some() => {
                let mut t = ItemTerm::default();
                for a in e.attributes().flatten() {
                    let value = a
                        .unescape_value()
                        .map_err(|err| self.malformed(err.to_string()))?
                        .into_owned();
                    match a.key.local_name().as_ref() {
                        b"domain" => t.domain = value,
                        b"nicename" => t.slug = value,
                        _ => {}
                    }
                }
                self.open.item_term = Some(t);
            }
            _ => {}
        }
        Ok(())
    }

    /// Closes the innermost element; returns a record when one is complete.
    fn end(&mut self) -> Result<Option<Record>, WxrError> {
        let Some((ns, name)) = self.stack.pop() else {
            return Err(self.malformed("an end tag without a start"));
        };
        let text = std::mem::take(&mut self.text);
        let o = &mut self.open;
        if let Some(c) = o.comment.as_mut() {
            if ns == Ns::Wp && name == "comment" {
                let c = o.comment.take().unwrap_or_default();
                if let Some(item) = o.item.as_mut() {
                    item.comments.push(c);
                }
                return Ok(None);
            }
            let v = text;
            match name.as_str() {
                "comment_id" => c.id = number(&v),
                "comment_author" => c.author = v,
                "comment_author_email" => c.email = v,
                "comment_author_url" => c.url = v,
                "comment_author_IP" => c.ip = v,
                "comment_date" => c.date = v,
                "comment_date_gmt" => c.date_gmt = v,
                "comment_content" => c.content = v,
                "comment_approved" => c.approved = v,
                "comment_type" => c.kind = v,
                "comment_parent" => c.parent = number(&v),
                "comment_user_id" => c.user_id = number(&v),
                _ => {}
            }
            return Ok(None);
        }
        if let Some(m) = o.meta.as_mut() {
            match name.as_str() {
                "meta_key" => m.0 = text,
                "meta_value" => m.1 = text,
                "postmeta" => {
                    let m = o.meta.take().unwrap_or_default();
                    if let Some(item) = o.item.as_mut() {
                        item.meta.push(m);
                    }
                }
                _ => {}
            }
            return Ok(None);
        }
        if let Some(t) = o.item_term.as_mut() {
            if ns == Ns::None && name == "category" {
                t.name = text.trim().to_owned();
                let t = o.item_term.take().unwrap_or_default();
                if let Some(item) = o.item.as_mut() {
                    item.terms.push(t);
                }
            }
            return Ok(None);
        }
        if let Some(item) = o.item.as_mut() {
            match (ns, name.as_str()) {
                (Ns::None, "item") => {
                    let item = o.item.take().unwrap_or_default();
                    return Ok(Some(Record::Item(Box::new(item))));
                }
                (Ns::None, "title") => item.title = text,
                (Ns::None, "link") => item.link = text.trim().to_owned(),
                (Ns::None, "pubDate") => item.pub_date = text,
                (Ns::None, "guid") => item.guid = text.trim().to_owned(),
                (Ns::None, "description") => item.description = text,
                (Ns::Dc, "creator") => item.creator = text.trim().to_owned(),
                (Ns::Content, "encoded") => item.content = text,
                (Ns::Excerpt, "encoded") => item.excerpt = text,
                (Ns::Wp, field) => {
                    let v = text;
                    match field {
                        "post_id" => item.id = number(&v),
                        "post_date" => item.post_date = v,
                        "post_date_gmt" => item.post_date_gmt = v,
                        "post_modified" => item.modified = v,
                        "post_modified_gmt" => item.modified_gmt = v,
                        "comment_status" => item.comment_status = v,
                        "post_name" => item.post_name = v.trim().to_owned(),
                        "status" => item.status = v.trim().to_owned(),
                        "post_parent" => item.parent = number(&v),
                        "menu_order" => item.menu_order = number(&v),
                        "post_type" => item.post_type = v.trim().to_owned(),
                        "post_password" => item.password = v,
                        "is_sticky" => item.sticky = v.trim() == "1",
                        "attachment_url" => item.attachment_url = v.trim().to_owned(),
                        _ => {}
                    }
                }
                _ => {}
            }
            return Ok(None);
        }
        if let Some(a) = o.author.as_mut() {
            match name.as_str() {
                "author" => {
                    let a = o.author.take().unwrap_or_default();
                    return Ok(Some(Record::Author(a)));
                }
                "author_id" => a.id = Some(number(&text)),
                "author_login" => a.login = text.trim().to_owned(),
                "author_email" => a.email = text.trim().to_owned(),
                "author_display_name" => a.display_name = text.trim().to_owned(),
                "author_first_name" => a.first_name = text.trim().to_owned(),
                "author_last_name" => a.last_name = text.trim().to_owned(),
                _ => {}
            }
            return Ok(None);
        }
        if let Some(t) = o.term.as_mut() {
            match name.as_str() {
                "category" | "tag" | "term" if self.stack.len() == 2 => {
                    let t = o.term.take().unwrap_or_default();
                    return Ok(Some(Record::Term(t)));
                }
                "term_id" => t.id = Some(number(&text)),
                "term_taxonomy" => t.taxonomy = text.trim().to_owned(),
                "category_nicename" | "tag_slug" | "term_slug" => t.slug = text.trim().to_owned(),
                "category_parent" | "term_parent" => t.parent = text.trim().to_owned(),
                "cat_name" | "tag_name" | "term_name" => t.name = text.trim().to_owned(),
                "category_description" | "tag_description" | "term_description" => {
                    t.description = text.trim().to_owned()
                }
                _ => {}
            }
            return Ok(None);
        }
        // The channel's own fields.
        if self.stack.len() == 2 && self.stack[1].1 == "channel" {
            let c = &mut self.channel;
            match (ns, name.as_str()) {
                (Ns::None, "title") => c.title = text.trim().to_owned(),
                (Ns::None, "link") => c.link = text.trim().to_owned(),
                (Ns::None, "description") => c.description = text.trim().to_owned(),
                (Ns::None, "language") => c.language = text.trim().to_owned(),
                (Ns::Wp, "wxr_version") => c.wxr_version = text.trim().to_owned(),
                (Ns::Wp, "base_site_url") => c.base_site_url = text.trim().to_owned(),
                (Ns::Wp, "base_blog_url") => c.base_blog_url = text.trim().to_owned(),
                _ => {}
            }
        }
        Ok(None)
    }
}

/// A WordPress id or number field; anything unreadable is 0, as WordPress reads it.
fn number(s: &str) -> i64 {
    s.trim().parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(xml: &str) -> Result<Vec<Record>, WxrError> {
        let mut r = WxrReader::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok(out)
    }

    const HEAD_HTTP: &str = r#"<?xml version="1.0"?><rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.1/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.1/"><channel>"#;
    const HEAD_OTHER_PREFIX: &str = r#"<?xml version="1.0"?><rss version="2.0" xmlns:ex="https://wordpress.org/export/1.2/excerpt/" xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:d="http://purl.org/dc/elements/1.1/" xmlns:w="https://wordpress.org/export/1.2/"><channel>"#;

    #[test]
    fn items_are_read_whatever_the_namespace_spelling_or_prefix() {
        let body = |p: &str, c: &str, d: &str, e: &str| {
            format!(
                "<title>A &amp; B</title><{p}:author><{p}:author_login>jo</{p}:author_login></{p}:author>\
                 <item><title><![CDATA[Hello]]></title><{d}:creator>jo</{d}:creator>\
                 <{c}:encoded><![CDATA[<p>Hi &amp; bye</p>]]></{c}:encoded><{e}:encoded>Short &#233;</{e}:encoded>\
                 <{p}:post_id>7</{p}:post_id><{p}:status>publish</{p}:status><{p}:post_type>post</{p}:post_type>\
                 <category domain=\"post_tag\" nicename=\"t-1\"><![CDATA[T 1]]></category>\
                 <{p}:postmeta><{p}:meta_key>_thumbnail_id</{p}:meta_key><{p}:meta_value>9</{p}:meta_value></{p}:postmeta>\
                 <{p}:comment><{p}:comment_id>3</{p}:comment_id><{p}:comment_parent>2</{p}:comment_parent></{p}:comment>\
                 </item></channel></rss>"
            )
        };
        for xml in [
            format!("{HEAD_HTTP}{}", body("wp", "content", "dc", "excerpt")),
            format!("{HEAD_OTHER_PREFIX}{}", body("w", "c", "d", "ex")),
        ] {
            let records = read_all(&xml).unwrap();
            assert_eq!(records.len(), 2, "{records:?}");
            let Record::Item(item) = &records[1] else {
                panic!("{records:?}")
            };
            assert_eq!(item.title, "Hello");
            assert_eq!(item.creator, "jo");
            assert_eq!(item.content, "<p>Hi &amp; bye</p>");
            assert_eq!(item.excerpt, "Short é");
            assert_eq!(item.id, 7);
            assert_eq!(item.meta("_thumbnail_id"), Some("9"));
            assert_eq!(item.terms[0].slug, "t-1");
            assert_eq!(item.terms[0].name, "T 1");
            assert_eq!(item.comments[0].id, 3);
            assert_eq!(item.comments[0].parent, 2);
        }
    }

    #[test]
    fn a_cut_off_file_names_the_element_and_line() {
        let xml = format!(
            "{HEAD_HTTP}\n<item>\n<title>One</title>\n<wp:post_id>1</wp:post_id>\n<content:encoded>half"
        );
        let err = read_all(&xml).unwrap_err().to_string();
        assert!(err.contains("cut off"), "{err}");
        assert!(err.contains("line 5"), "{err}");
        assert!(err.contains("<encoded>"), "{err}");
    }

    #[test]
    fn mismatched_tags_name_the_line() {
        let xml = format!("{HEAD_HTTP}\n<item>\n<title>One</wp:title>\n</item></channel></rss>");
        let err = read_all(&xml).unwrap_err().to_string();
        assert!(err.starts_with("line 3"), "{err}");
    }

    #[test]
    fn other_documents_are_not_taken_for_exports() {
        let err = read_all("<html><body/></html>").unwrap_err().to_string();
        assert!(err.contains("not a WordPress export"), "{err}");
        assert!(read_all("").is_err());
    }

    #[test]
    fn skimming_drops_the_texts_and_keeps_everything_else() {
        let xml = format!(
            "{HEAD_HTTP}<item><title>Kept</title><dc:creator>jo</dc:creator>\
             <content:encoded><![CDATA[<p>Long text</p>]]></content:encoded>\
             <excerpt:encoded>Short</excerpt:encoded><wp:post_id>7</wp:post_id>\
             <wp:post_type>post</wp:post_type>\
             <wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_author>Ann</wp:comment_author>\
             <wp:comment_content>Hello &amp; more</wp:comment_content></wp:comment></item></channel></rss>"
        );
        let mut reader = WxrReader::new(xml.as_bytes()).skim();
        let Some(Record::Item(item)) = reader.next_record().unwrap() else {
            panic!("no item")
        };
        assert_eq!(
            (item.title.as_str(), item.creator.as_str(), item.id),
            ("Kept", "jo", 7)
        );
        assert_eq!((item.content.as_str(), item.excerpt.as_str()), ("", ""));
        assert_eq!(item.comments[0].author, "Ann");
        assert_eq!(item.comments[0].content, "");
        assert!(reader.next_record().unwrap().is_none());
    }

    #[test]
    fn skimming_still_finds_text_that_is_not_utf8() {
        let mut xml =
            format!("{HEAD_HTTP}<item><wp:post_id>1</wp:post_id>\n<content:encoded>").into_bytes();
        xml.extend_from_slice(b"caf\xe9</content:encoded></item></channel></rss>");
        let mut reader = WxrReader::new(&xml[..]).skim();
        let err = reader.next_record().unwrap_err().to_string();
        assert!(err.starts_with("line 2"), "{err}");
        assert!(err.contains("<encoded>"), "{err}");
    }
}
