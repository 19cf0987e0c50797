//! What a page says about itself in its `<head>`: title, description, canonical address,
//! robots rules, feed autodiscovery, OpenGraph and Twitter card tags, and schema.org JSON-LD
//! (`NewsArticle`, `BreadcrumbList`, `WebSite`).
//!
//! Handlers fill a [`PageMeta`] with site-relative addresses; [`Head::new`] makes every address
//! absolute on the request's origin, which link previews, crawlers and feed readers require.

use serde::Serialize;
use serde_json::{Value, json};

use super::Chrome;
use super::views::ImageView;
use crate::render::feeds::FeedFormat;
use crate::web::origin;

/// Metadata of the page being rendered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// The page's own address (site-relative or absolute).
    pub canonical: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// `noindex` for pages search engines should skip.
    pub robots: Option<&'static str>,
    /// Body class for theme styling (`home`, `single`, `archive`, `page`, `search`, `error`).
    pub kind: &'static str,
    /// OpenGraph type: `article`, `profile`, or `website` when unset.
    pub og_type: Option<&'static str>,
    /// The image link previews show; the theme's share image when unset.
    pub image: Option<ImageView>,
    /// Story dates and terms for `article:*` OpenGraph tags.
    pub article: Option<ArticleMeta>,
    /// Feeds of this page's subject (a section, tag, author or story comments); the site's own
    /// feeds are announced on every page.
    pub feeds: Vec<FeedLink>,
    /// schema.org objects, written as one JSON-LD graph.
    pub json_ld: Vec<Value>,
    /// The main column lists the latest stories (the front page, the 404 page), so the
    /// sidebar leaves out its own latest-stories widgets rather than repeat them.
    pub lists_latest: bool,
}

/// Dates and terms of a story, for OpenGraph.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleMeta {
    pub published: String,
    pub modified: String,
    pub authors: Vec<String>,
    pub sections: Vec<String>,
    pub tags: Vec<String>,
}

/// A feed announced with `<link rel="alternate">`.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    pub title: String,
    pub href: String,
    pub mime: &'static str,
}

/// The three feeds of a subject whose pages live under `base` (`/`, `/tag/x/`, a story).
pub fn feeds_of(base: &str, title: &str) -> Vec<FeedLink> {
    FeedFormat::ALL
        .iter()
        .map(|f| FeedLink {
            title: format!("{title} ({})", f.label()),
            href: format!("{base}{}", f.suffix()),
            mime: f.mime(),
        })
        .collect()
}

/// The `<head>` as the template sees it: every address absolute.
#[derive(Debug, Serialize)]
pub struct Head<'a> {
    title: &'a str,
    description: String,
    canonical: Option<String>,
    prev: Option<String>,
    next: Option<String>,
    robots: Option<&'static str>,
    kind: &'static str,
    og_type: &'static str,
    image: Option<ImageView>,
    site_name: &'a str,
    locale: Option<String>,
    article: Option<&'a ArticleMeta>,
    feeds: Vec<FeedLink>,
    /// The JSON-LD graph, serialized and safe inside `<script>`.
    json_ld: Option<String>,
    /// The REST API's index (`<link rel="https://api.w.org/">`).
    api: String,
    /// A story's oEmbed description (`<link rel="alternate" type="application/json+oembed">`).
    oembed: Option<String>,
}

impl<'a> Head<'a> {
    pub fn new(meta: &'a PageMeta, chrome: &'a Chrome, share_image: Option<&str>) -> Head<'a> {
        let abs = |u: &String| origin::absolute(u);
        let image = meta
            .image
            .clone()
            .or_else(|| {
                share_image.map(|url| ImageView {
                    url: url.to_owned(),
                    alt: chrome.settings.title.clone(),
                    ..Default::default()
                })
            })
            .map(|i| ImageView {
                url: origin::absolute(&i.url),
                ..i
            });
        let mut feeds = feeds_of("/", &chrome.settings.title);
        feeds.extend(meta.feeds.iter().cloned());
        for f in &mut feeds {
            f.href = origin::absolute(&f.href);
        }
        Head {
            title: &meta.title,
            description: one_line(&meta.description, 300),
            canonical: Some(&meta.canonical).filter(|c| !c.is_empty()).map(abs),
            prev: meta.prev.as_ref().map(abs),
            next: meta.next.as_ref().map(abs),
            robots: meta.robots,
            kind: meta.kind,
            og_type: meta.og_type.unwrap_or("website"),
            image,
            site_name: &chrome.settings.title,
            locale: og_locale(&chrome.settings.language),
            article: meta.article.as_ref(),
            feeds,
            json_ld: (!meta.json_ld.is_empty()).then(|| {
                script_json(&json!({ "@context": "https://schema.org", "@graph": meta.json_ld }))
            }),
            api: crate::web::api::links::api_root(),
            oembed: meta
                .article
                .as_ref()
                .filter(|_| !meta.canonical.is_empty())
                .map(|_| crate::web::api::oembed::discovery_url(&abs(&meta.canonical))),
        }
    }
}

/// Text on one line, cut at a word boundary to at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// OpenGraph wants `ll_TT`; a bare language has no such form, so none is given.
fn og_locale(language: &str) -> Option<String> {
    let (lang, region) = language.split_once('-')?;
    (region.len() == 2).then(|| format!("{}_{}", lang.to_lowercase(), region.to_uppercase()))
}

/// JSON for a `<script type="application/ld+json">` block: `<`, `>` and `&` are escaped so
/// that no text in it can close the element.
fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// An image as schema.org `ImageObject`: its address and size, caption, and photo credit as
/// `creditText` with the `copyrightHolder` it names.
pub fn image_object(image: &ImageView) -> Value {
    let mut o = json!({
        "@type": "ImageObject",
        "url": origin::absolute(&image.url),
        "contentUrl": origin::absolute(&image.url),
    });
    if let (Some(w), Some(h)) = (image.width, image.height) {
        o["width"] = json!(w);
        o["height"] = json!(h);
    }
    if !image.caption.is_empty() {
        o["caption"] = json!(image.caption);
    }
    if !image.credit.is_empty() {
        o["creditText"] = json!(image.credit);
        if let Some((kind, name)) = crate::domain::media::credit_holder(&image.credit) {
            o["copyrightHolder"] = json!({ "@type": kind, "name": name });
        }
    }
    o
}

/// The site's publisher: an `Organization` with its logo.
pub fn publisher(chrome: &Chrome, logo: Option<&str>) -> Value {
    let mut org = json!({
        "@type": "Organization",
        "@id": origin::absolute("/#publisher"),
        "name": chrome.settings.title,
        "url": origin::absolute("/"),
    });
    if let Some(logo) = logo {
        org["logo"] = json!({
            "@type": "ImageObject",
            "url": origin::absolute(logo),
            "width": 512,
            "height": 512,
        });
    }
    org
}

/// The home page's `WebSite`, with the search action search engines may offer.
pub fn website(chrome: &Chrome) -> Value {
    json!({
        "@type": "WebSite",
        "@id": origin::absolute("/#website"),
        "name": chrome.settings.title,
        "description": chrome.settings.tagline,
        "url": origin::absolute("/"),
        "inLanguage": chrome.settings.language,
        "publisher": { "@id": origin::absolute("/#publisher") },
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": format!("{}?q={{search_term_string}}", origin::absolute("/search")),
            },
            "query-input": "required name=search_term_string",
        },
    })
}

/// A `BreadcrumbList` from the home page down to the current page: `(name, address)` pairs.
pub fn breadcrumbs(trail: &[(String, String)]) -> Value {
    let items: Vec<Value> = trail
        .iter()
        .enumerate()
        .map(|(i, (name, url))| {
            json!({
                "@type": "ListItem",
                "position": i + 1,
                "name": name,
                "item": origin::absolute(url),
            })
        })
        .collect();
    json!({ "@type": "BreadcrumbList", "itemListElement": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_one_line_and_cut_at_a_word() {
        assert_eq!(one_line("a\n b  c", 10), "a b c");
        assert_eq!(one_line("alpha beta gamma", 12), "alpha beta…");
    }

    #[test]
    fn json_ld_cannot_close_its_script() {
        let s = script_json(&json!({"headline": "</script><b>&"}));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["headline"], "</script><b>&");
    }

    #[test]
    fn locales_need_a_region() {
        assert_eq!(og_locale("pt-br").as_deref(), Some("pt_BR"));
        assert_eq!(og_locale("en"), None);
    }
}
