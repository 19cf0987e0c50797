//! Feeds: one [`Feed`] written as RSS 2.0, Atom 1.0 (RFC 4287) or JSON Feed 1.1.
//!
//! Every address in a feed is absolute, every date carries the site's time zone offset, and
//! entry ids are stable (`https://site/?p=ID`), so editing a story's title or slug never makes
//! feed readers show it twice.

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

use super::xml::Xml;

/// The formats a feed is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    /// Every format, in the order pages announce them.
    pub const ALL: [FeedFormat; 3] = [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json];

    /// The media type, as `<link rel="alternate" type>` names it.
    pub fn mime(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml",
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::Json => "application/feed+json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml; charset=utf-8",
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            FeedFormat::Rss => "RSS",
            FeedFormat::Atom => "Atom",
            FeedFormat::Json => "JSON Feed",
        }
    }

    /// The feed's address below its subject's address: `feed/`, `feed/atom/`, `feed/json/`.
    pub fn suffix(self) -> &'static str {
        match self {
            FeedFormat::Rss => "feed/",
            FeedFormat::Atom => "feed/atom/",
            FeedFormat::Json => "feed/json/",
        }
    }
}

/// A person credited in a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub url: Option<String>,
}

/// A file attached to an entry (a story's featured image).
#[derive(Debug, Clone)]
pub struct Enclosure {
    pub url: String,
    pub mime_type: String,
    /// The file's size in bytes (0 when unknown: an image stored elsewhere).
    pub length: u64,
}

/// RSS's channel image: a picture of at most 144 × 400 pixels, with its size.
#[derive(Debug, Clone)]
pub struct ChannelImage {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// One entry: a story, or a comment in a story's comments feed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Stable id, never changed by edits.
    pub id: String,
    pub url: String,
    pub title: String,
    /// Plain-text summary.
    pub summary: String,
    /// Full content as HTML, when the feed carries it.
    pub content_html: Option<String>,
    pub published: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    pub authors: Vec<Person>,
    pub categories: Vec<String>,
    pub enclosure: Option<Enclosure>,
    /// Where the entry's comments are read.
    pub comments_url: Option<String>,
}

/// A feed: its subject and its newest entries.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// The HTML page the feed belongs to; each format's own address is this plus its suffix.
    pub home_url: String,
    pub language: String,
    /// The newest change among the entries (or the site's when there are none).
    pub updated: DateTime<FixedOffset>,
    /// The site's publisher, credited when an entry names no author.
    pub publisher: String,
    /// The publisher's square mark, any size (Atom's `icon`, JSON Feed's `icon`).
    pub logo: Option<String>,
    /// The RSS channel `<image>`, within RSS's size limits.
    pub rss_image: Option<ChannelImage>,
    pub entries: Vec<Entry>,
}

impl Feed {
    pub fn self_url(&self, format: FeedFormat) -> String {
        format!("{}{}", self.home_url, format.suffix())
    }

    pub fn write(&self, format: FeedFormat) -> Vec<u8> {
        match format {
            FeedFormat::Rss => self.rss(),
            FeedFormat::Atom => self.atom(),
            FeedFormat::Json => self.json(),
        }
    }

    fn rss(&self) -> Vec<u8> {
        let mut x = Xml::document();
        x.open(
            "rss",
            &[
                ("version", "2.0"),
                ("xmlns:atom", "http://www.w3.org/2005/Atom"),
                ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
                ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ],
        )
        .raw("\n")
        .open("channel", &[])
        .raw("\n");
        x.text("title", &[], &self.title)
            .text("link", &[], &self.home_url)
            .text("description", &[], &self.description)
            .empty(
                "atom:link",
                &[
                    ("href", &self.self_url(FeedFormat::Rss)),
                    ("rel", "self"),
                    ("type", "application/rss+xml"),
                ],
            )
            .text("language", &[], &self.language)
            .text("lastBuildDate", &[], &self.updated.to_rfc2822())
            .text("generator", &[], "Newsdesk")
            .raw("\n");
        if let Some(img) = &self.rss_image {
            // RSS wants the image's title and link to match the channel's.
            x.open("image", &[])
                .text("url", &[], &img.url)
                .text("title", &[], &self.title)
                .text("link", &[], &self.home_url)
                .text("width", &[], &img.width.to_string())
                .text("height", &[], &img.height.to_string())
                .close("image")
                .raw("\n");
        }
        for e in &self.entries {
            x.open("item", &[])
                .text("title", &[], &e.title)
                .text("link", &[], &e.url)
                .text("guid", &[("isPermaLink", "false")], &e.id)
                .text("pubDate", &[], &e.published.to_rfc2822());
            for a in &e.authors {
                x.text("dc:creator", &[], &a.name);
            }
            for c in &e.categories {
                x.text("category", &[], c);
            }
            x.text("description", &[], &e.summary);
            if let Some(html) = &e.content_html {
                x.text("content:encoded", &[], html);
            }
            if let Some(img) = &e.enclosure {
                x.empty(
                    "enclosure",
                    &[
                        ("url", &img.url),
                        ("length", &img.length.to_string()),
                        ("type", &img.mime_type),
                    ],
                );
            }
            if let Some(c) = &e.comments_url {
                x.text("comments", &[], c);
            }
            x.close("item").raw("\n");
        }
        x.close("channel").raw("\n").close("rss").raw("\n");
        x.into_bytes()
    }

    fn atom(&self) -> Vec<u8> {
        let mut x = Xml::document();
        x.open(
            "feed",
            &[
                ("xmlns", "http://www.w3.org/2005/Atom"),
                ("xml:lang", &self.language),
            ],
        )
        .raw("\n");
        x.text("title", &[("type", "text")], &self.title)
            .text("subtitle", &[("type", "text")], &self.description)
            .text("id", &[], &self.self_url(FeedFormat::Atom))
            .empty(
                "link",
                &[
                    ("rel", "alternate"),
                    ("type", "text/html"),
                    ("href", &self.home_url),
                ],
            )
            .empty(
                "link",
                &[
                    ("rel", "self"),
                    ("type", "application/atom+xml"),
                    ("href", &self.self_url(FeedFormat::Atom)),
                ],
            )
            .text("updated", &[], &self.updated.to_rfc3339())
            .open("author", &[])
            .text("name", &[], &self.publisher)
            .close("author")
            .text("generator", &[], "Newsdesk");
        if let Some(logo) = &self.logo {
            // The publisher's mark is square: Atom's `icon` (its `logo` is meant to be 2:1).
            x.text("icon", &[], logo);
        }
        x.raw("\n");
        for e in &self.entries {
            x.open("entry", &[])
                .text("title", &[("type", "text")], &e.title)
                .text("id", &[], &e.id)
                .empty(
                    "link",
                    &[
                        ("rel", "alternate"),
                        ("type", "text/html"),
                        ("href", &e.url),
                    ],
                )
                .text("published", &[], &e.published.to_rfc3339())
                .text("updated", &[], &e.updated.to_rfc3339());
            for a in &e.authors {
                x.open("author", &[]).text("name", &[], &a.name);
                if let Some(url) = &a.url {
                    x.text("uri", &[], url);
                }
                x.close("author");
            }
            for c in &e.categories {
                x.empty("category", &[("term", c)]);
            }
            x.text("summary", &[("type", "text")], &e.summary);
            if let Some(html) = &e.content_html {
                x.text("content", &[("type", "html")], html);
            }
            if let Some(img) = &e.enclosure {
                let length = img.length.to_string();
                let mut attrs = vec![
                    ("rel", "enclosure"),
                    ("type", img.mime_type.as_str()),
                    ("href", img.url.as_str()),
                ];
                if img.length > 0 {
                    attrs.push(("length", &length));
                }
                x.empty("link", &attrs);
            }
            x.close("entry").raw("\n");
        }
        x.close("feed").raw("\n");
        x.into_bytes()
    }

    fn json(&self) -> Vec<u8> {
        let person = |p: &Person| match &p.url {
            Some(url) => json!({ "name": p.name, "url": url }),
            None => json!({ "name": p.name }),
        };
        let items: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut item = json!({
                    "id": e.id,
                    "url": e.url,
                    "title": e.title,
                    "summary": e.summary,
                    "date_published": e.published.to_rfc3339(),
                    "date_modified": e.updated.to_rfc3339(),
                    "authors": e.authors.iter().map(person).collect::<Vec<_>>(),
                    "tags": e.categories,
                });
                match &e.content_html {
                    Some(html) => item["content_html"] = json!(html),
                    None => item["content_text"] = json!(e.summary),
                }
                if let Some(img) = &e.enclosure {
                    item["image"] = json!(img.url);
                    let mut attachment = json!({ "url": img.url, "mime_type": img.mime_type });
                    if img.length > 0 {
                        attachment["size_in_bytes"] = json!(img.length);
                    }
                    item["attachments"] = json!([attachment]);
                }
                item
            })
            .collect();
        let mut feed = json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.title,
            "home_page_url": self.home_url,
            "feed_url": self.self_url(FeedFormat::Json),
            "description": self.description,
            "language": self.language,
            "authors": [{ "name": self.publisher }],
            "items": items,
        });
        if let Some(logo) = &self.logo {
            feed["icon"] = json!(logo);
        }
        let mut out = serde_json::to_vec_pretty(&feed).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// Makes site-relative `href="/…"`, `src="/…"` and `srcset="/… 320w, /… 640w"` in stored HTML
/// absolute, since feed readers and apps show content away from the site. The stored HTML was
/// normalized by the sanitizer, so attributes are always double-quoted.
pub fn absolutize(html: &str, origin: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(i) = rest.find("=\"") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        out.push_str("=\"");
        rest = &tail[2..];
        if head.ends_with(" srcset") {
            let end = rest.find('"').unwrap_or(rest.len());
            let candidates: Vec<String> = rest[..end]
                .split(',')
                .map(|c| {
                    let c = c.trim();
                    if c.starts_with('/') && !c.starts_with("//") {
                        format!("{origin}{c}")
                    } else {
                        c.to_owned()
                    }
                })
                .collect();
            out.push_str(&candidates.join(", "));
            rest = &rest[end..];
        } else if (head.ends_with(" href") || head.ends_with(" src"))
            && rest.starts_with('/')
            && !rest.starts_with("//")
        {
            out.push_str(origin);
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_become_absolute() {
        assert_eq!(
            absolutize(
                r#"<a href="/a/">x</a> <img src="/m.png" alt="/no"> <a href="//cdn/x">y</a>"#,
                "https://n.example"
            ),
            r#"<a href="https://n.example/a/">x</a> <img src="https://n.example/m.png" alt="/no"> <a href="//cdn/x">y</a>"#
        );
        assert_eq!(
            absolutize(
                r#"<img src="/m/w320/a.jpg" srcset="/m/w320/a.jpg 320w,/m/w640/a.jpg 640w, https://cdn.example/b.jpg 2x" alt="">"#,
                "https://n.example"
            ),
            r#"<img src="https://n.example/m/w320/a.jpg" srcset="https://n.example/m/w320/a.jpg 320w, https://n.example/m/w640/a.jpg 640w, https://cdn.example/b.jpg 2x" alt="">"#
        );
    }
}
