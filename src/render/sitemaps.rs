//! Sitemaps (sitemaps.org 0.9) and the Google News sitemap, written in pieces so that a file of
//! 50,000 addresses can be streamed while it is read from the database.

use chrono::{DateTime, FixedOffset, SecondsFormat};

use super::xml::Xml;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// The most addresses one sitemap file may list (sitemaps.org).
pub const MAX_URLS: usize = 50_000;

/// An address and when it last changed.
#[derive(Debug, Clone)]
pub struct Loc {
    pub loc: String,
    pub lastmod: Option<DateTime<FixedOffset>>,
}

fn w3c(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The start of a `<urlset>` document.
pub fn urlset_start() -> Vec<u8> {
    let mut x = Xml::document();
    x.open("urlset", &[("xmlns", SITEMAP_NS)]).raw("\n");
    x.into_bytes()
}

/// `<url>` elements for a piece of a `<urlset>`.
pub fn urls(locs: &[Loc]) -> Vec<u8> {
    let mut x = Xml::fragment();
    for l in locs {
        x.open("url", &[]).text("loc", &[], &l.loc);
        if let Some(at) = &l.lastmod {
            x.text("lastmod", &[], &w3c(at));
        }
        x.close("url").raw("\n");
    }
    x.into_bytes()
}

/// The end of a `<urlset>` document.
pub const URLSET_END: &[u8] = b"</urlset>\n";

/// A whole `<urlset>`.
pub fn urlset(locs: &[Loc]) -> Vec<u8> {
    let mut out = urlset_start();
    out.extend(urls(locs));
    out.extend_from_slice(URLSET_END);
    out
}

/// The sitemap index: one `<sitemap>` per file.
pub fn index(files: &[Loc]) -> Vec<u8> {
    let mut x = Xml::document();
    x.open("sitemapindex", &[("xmlns", SITEMAP_NS)]).raw("\n");
    for f in files {
        x.open("sitemap", &[]).text("loc", &[], &f.loc);
        if let Some(at) = &f.lastmod {
            x.text("lastmod", &[], &w3c(at));
        }
        x.close("sitemap").raw("\n");
    }
    x.close("sitemapindex").raw("\n");
    x.into_bytes()
}

/// A story in the Google News sitemap.
#[derive(Debug, Clone)]
pub struct NewsStory {
    pub loc: String,
    pub title: String,
    pub published: DateTime<FixedOffset>,
    pub lastmod: DateTime<FixedOffset>,
}

/// The Google News sitemap: recent stories with the publication's name and language.
pub fn news(publication: &str, language: &str, stories: &[NewsStory]) -> Vec<u8> {
    let mut x = Xml::document();
    x.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)])
        .raw("\n");
    for s in stories {
        x.open("url", &[])
            .text("loc", &[], &s.loc)
            .text("lastmod", &[], &w3c(&s.lastmod))
            .open("news:news", &[])
            .open("news:publication", &[])
            .text("news:name", &[], publication)
            .text("news:language", &[], language)
            .close("news:publication")
            .text("news:publication_date", &[], &w3c(&s.published))
            .text("news:title", &[], &s.title)
            .close("news:news")
            .close("url")
            .raw("\n");
    }
    x.close("urlset").raw("\n");
    x.into_bytes()
}

/// Google News wants ISO 639 codes, with `zh-cn` and `zh-tw` as the only regional forms.
pub fn news_language(language: &str) -> String {
    let lower = language.to_ascii_lowercase();
    if lower.starts_with("zh-") {
        return if lower.contains("tw") || lower.contains("hant") {
            "zh-tw".into()
        } else {
            "zh-cn".into()
        };
    }
    lower.split('-').next().unwrap_or("en").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_languages() {
        assert_eq!(news_language("en"), "en");
        assert_eq!(news_language("pt-BR"), "pt");
        assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
        assert_eq!(news_language("zh-CN"), "zh-cn");
    }
}
