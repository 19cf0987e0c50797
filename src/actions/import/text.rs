//! Small conversions of WordPress text: slugs, addresses, tags stripped.

use super::*;
pub(super) use crate::domain::legacy::percent_decode;

/// A slug for a term or item as WordPress stored it (percent-encoded for non-Latin scripts).
pub(super) fn term_slug(raw: &str, name: &str, fallback: &str) -> Slug {
    let decoded = percent_decode(raw);
    if let Ok(slug) = Slug::parse(&decoded) {
        return slug;
    }
    let source = if decoded.trim().is_empty() {
        name
    } else {
        &decoded
    };
    Slug::from_title(source, fallback)
}

/// An old address as `legacy_urls` keeps it: from the first `/`, percent-decoded (WordPress
/// writes non-Latin slugs percent-encoded, browsers send them either way), query kept.
pub fn legacy_path(path: &str) -> String {
    let decoded = percent_decode(path);
    if decoded.starts_with('/') {
        decoded
    } else {
        format!("/{decoded}")
    }
}

pub(super) fn without_scheme(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))
        .unwrap_or(url)
}

pub(super) fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A WordPress comment's HTML as the plain text Newsdesk keeps (paragraphs by blank lines).
pub(super) fn comment_text(html: &str) -> String {
    let text = html
        .replace("\r\n", "\n")
        .replace("<br />", "\n")
        .replace("<br>", "\n")
        .replace("</p>", "\n\n");
    crate::domain::html::decode_entities(&strip_tags(&text))
        .trim()
        .to_owned()
}
