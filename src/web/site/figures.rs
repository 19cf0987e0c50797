//! Images in a story's or page's text, as readers get them: each upload in a `<picture>` with
//! its WebP copies and every stored width, its size, lazy loading, and its photo credit in the
//! figure's caption.
//!
//! The stored text is not changed: it is sanitized HTML (`src/domain/html.rs`), and this is
//! done on the way out, with the library as it is now (an image's credit or files may change
//! after the story was written). Sanitized HTML is serialized by html5ever: every `<` in text
//! and attribute values is escaped, attribute values are double-quoted, so an `<img` in it is
//! always an element, which ends at the next `>`.

use super::views::ImageFiles;
use crate::domain::html::escape;

/// `sizes` of an image in the text: the reading measure (42rem) on wide screens, the screen
/// less the page's margins on narrow ones.
pub const BODY_SIZES: &str = "(min-width: 44rem) 42rem, calc(100vw - 2rem)";

/// The library ids of the uploads the text shows (`<img src="/media/ID/…">`).
pub fn upload_ids(html: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = images(html)
        .filter_map(|(_, tag)| media_id(attribute(tag, "src")?))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The text with its uploads shown as described in the module comment. Images from elsewhere
/// (addresses of other sites, deleted uploads) only gain `loading="lazy"`.
pub fn render(html: &str, files: &ImageFiles) -> String {
    if !html.contains("<img") {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + html.len() / 2);
    // Open figures, innermost last: the credits of their images, and where their caption ends
    // in `out`.
    struct Figure {
        credits: Vec<String>,
        caption_end: Option<usize>,
    }
    let mut figures: Vec<Figure> = Vec::new();
    let mut at = 0;
    while let Some(found) = next_tag(html, at) {
        let (start, kind) = found;
        out.push_str(&html[at..start]);
        let end = html[start..]
            .find('>')
            .map_or(html.len(), |i| start + i + 1);
        let tag = &html[start..end];
        match kind {
            Tag::Img => {
                let (picture, credit) = picture(tag, files);
                out.push_str(&picture);
                if let (Some(credit), Some(figure)) = (credit, figures.last_mut())
                    && !figure.credits.contains(&credit)
                {
                    figure.credits.push(credit);
                }
            }
            Tag::FigureOpen => {
                figures.push(Figure {
                    credits: Vec::new(),
                    caption_end: None,
                });
                out.push_str(tag);
            }
            Tag::CaptionClose => {
                if let Some(figure) = figures.last_mut() {
                    figure.caption_end = Some(out.len());
                }
                out.push_str(tag);
            }
            Tag::FigureClose => {
                if let Some(figure) = figures.pop()
                    && !figure.credits.is_empty()
                {
                    let credit = format!(
                        "<span class=\"credit\">{}</span>",
                        escape(&figure.credits.join("; "))
                    );
                    match figure.caption_end {
                        Some(i) => out.insert_str(i, &format!(" {credit}")),
                        None => out.push_str(&format!("<figcaption>{credit}</figcaption>")),
                    }
                }
                out.push_str(tag);
            }
        }
        at = end;
    }
    out.push_str(&html[at..]);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Img,
    FigureOpen,
    FigureClose,
    CaptionClose,
}

/// The next tag this module looks at, from `at`.
fn next_tag(html: &str, at: usize) -> Option<(usize, Tag)> {
    let mut from = at;
    loop {
        let i = from + html[from..].find('<')?;
        let rest = &html[i..];
        let kind = if rest.starts_with("<img ") || rest.starts_with("<img>") {
            Some(Tag::Img)
        } else if rest.starts_with("<figure>") || rest.starts_with("<figure ") {
            Some(Tag::FigureOpen)
        } else if rest.starts_with("</figure>") {
            Some(Tag::FigureClose)
        } else if rest.starts_with("</figcaption>") {
            Some(Tag::CaptionClose)
        } else {
            None
        };
        if let Some(kind) = kind {
            return Some((i, kind));
        }
        from = i + 1;
    }
}

/// Every `<img …>` of the text, with where it starts.
fn images(html: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let (start, kind) = next_tag(html, at)?;
            let end = html[start..]
                .find('>')
                .map_or(html.len(), |i| start + i + 1);
            at = end;
            if kind == Tag::Img {
                return Some((start, &html[start..end]));
            }
        }
    })
}

/// The value of an attribute of a serialized tag, still escaped.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The library id of an upload's address: `/media/ID/VARIANT/NAME`.
fn media_id(src: &str) -> Option<i64> {
    let rest = src.strip_prefix("/media/")?;
    let (id, rest) = rest.split_once('/')?;
    let (_variant, name) = rest.split_once('/')?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    id.parse()
        .ok()
        .filter(|n: &i64| *n > 0 && n.to_string() == id)
}

/// An `<img>` as shown, and the credit of its upload (not empty).
fn picture(tag: &str, files: &ImageFiles) -> (String, Option<String>) {
    let lazy = |tag: &str| {
        if attribute(tag, "loading").is_some() {
            tag.to_owned()
        } else {
            let cut = tag.trim_end_matches('>').trim_end_matches('/').trim_end();
            format!("{cut} loading=\"lazy\">")
        }
    };
    let Some(src) = attribute(tag, "src") else {
        return (lazy(tag), None);
    };
    let Some(variants) = media_id(src).and_then(|id| files.files(id)) else {
        return (lazy(tag), None);
    };
    let Some(original) = variants.iter().find(|v| v.variant == "original") else {
        return (lazy(tag), None);
    };
    let srcset = |webp: bool| {
        variants
            .iter()
            .filter(|v| v.is_webp() == webp)
            .map(|v| format!("{} {}w", escape(&v.url()), v.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let alt = attribute(tag, "alt").unwrap_or("");
    let title = attribute(tag, "title")
        .map(|t| format!(" title=\"{t}\""))
        .unwrap_or_default();
    let webp = srcset(true);
    let mut out = String::from("<picture>");
    if !webp.is_empty() {
        out.push_str(&format!(
            "<source type=\"image/webp\" srcset=\"{webp}\" sizes=\"{BODY_SIZES}\">"
        ));
    }
    // `src`, `alt` and `title` are the stored, escaped values; the rest comes from the library.
    out.push_str(&format!(
        "<img src=\"{src}\" srcset=\"{}\" sizes=\"{BODY_SIZES}\" width=\"{}\" height=\"{}\" \
         alt=\"{alt}\"{title} loading=\"lazy\" decoding=\"async\"></picture>",
        srcset(false),
        original.width,
        original.height,
    ));
    let credit = Some(original.credit.trim().to_owned()).filter(|c| !c.is_empty());
    (out, credit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_addresses() {
        assert_eq!(media_id("/media/7/w640/a.jpg"), Some(7));
        assert_eq!(media_id("/media/07/w640/a.jpg"), None);
        assert_eq!(media_id("/media/7/a.jpg"), None);
        assert_eq!(
            media_id("https://elsewhere.example/media/7/w640/a.jpg"),
            None
        );
        let html = "<p>a &lt;img src=\"/media/9/original/x.jpg\"&gt;</p>\
            <figure><img src=\"/media/3/w1024/b.jpg\" alt=\"B\"></figure>\
            <img alt=\"\" src=\"/media/2/original/c.png\"><img src=\"/media/3/original/b.jpg\">";
        assert_eq!(upload_ids(html), vec![2, 3]);
    }

    fn file(variant: &str, width: i64) -> crate::store::media::ImageVariant {
        crate::store::media::ImageVariant {
            media_id: 3,
            variant: variant.into(),
            width,
            height: width / 2,
            file_name: "b.jpg".into(),
            caption: String::new(),
            credit: "Photo: A & B".into(),
        }
    }

    #[test]
    fn uploads_become_pictures_with_their_credit() {
        let files = ImageFiles::from_variants(vec![
            file("w320", 320),
            file("w320.webp", 320),
            file("original", 800),
            file("original.webp", 800),
        ]);
        let html = "<figure><img src=\"/media/3/original/b.jpg\" alt=\"A &quot;b&quot;\" width=\"9\"><figcaption>Boats.</figcaption></figure>\
            <figure><img src=\"/media/3/w320/b.jpg\" alt=\"\"></figure>";
        assert_eq!(
            render(html, &files),
            format!(
                "<figure><picture><source type=\"image/webp\" srcset=\"/media/3/w320/b.webp 320w, /media/3/original/b.webp 800w\" sizes=\"{BODY_SIZES}\">\
                 <img src=\"/media/3/original/b.jpg\" srcset=\"/media/3/w320/b.jpg 320w, /media/3/original/b.jpg 800w\" sizes=\"{BODY_SIZES}\" width=\"800\" height=\"400\" alt=\"A &quot;b&quot;\" loading=\"lazy\" decoding=\"async\"></picture>\
                 <figcaption>Boats. <span class=\"credit\">Photo: A &amp; B</span></figcaption></figure>\
                 <figure><picture><source type=\"image/webp\" srcset=\"/media/3/w320/b.webp 320w, /media/3/original/b.webp 800w\" sizes=\"{BODY_SIZES}\">\
                 <img src=\"/media/3/w320/b.jpg\" srcset=\"/media/3/w320/b.jpg 320w, /media/3/original/b.jpg 800w\" sizes=\"{BODY_SIZES}\" width=\"800\" height=\"400\" alt=\"\" loading=\"lazy\" decoding=\"async\"></picture>\
                 <figcaption><span class=\"credit\">Photo: A &amp; B</span></figcaption></figure>"
            )
        );
    }

    #[test]
    fn images_from_elsewhere_are_only_lazy() {
        let files = ImageFiles::default();
        let html = "<figure><img src=\"https://example.org/a.jpg\" alt=\"A\"><figcaption>Cap</figcaption></figure>";
        assert_eq!(
            render(html, &files),
            "<figure><img src=\"https://example.org/a.jpg\" alt=\"A\" loading=\"lazy\"><figcaption>Cap</figcaption></figure>"
        );
        let text = "<p>No images, 1 &lt; 2.</p>";
        assert_eq!(render(text, &files), text);
    }
}
