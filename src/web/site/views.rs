//! View models: store rows shaped for templates (URLs resolved, dates in the site's time zone).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Chrome;
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::comment::{CommentState, text_to_html};
use crate::error::AppError;
use crate::store::Store;
use crate::store::articles::{ArticleQuery, AuthorRef, SummaryRow, TermRef};
use crate::store::comments::PublicComment;
use crate::store::media::ImageVariant;

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageView {
    pub url: String,
    pub alt: String,
    /// Uploads only: every stored file as `URL Ww`, for `srcset` (the theme picks `sizes`).
    pub srcset: Option<String>,
    /// Uploads with WebP copies only: the copies as `URL Ww`, for a `<source type="image/webp">`.
    pub webp_srcset: Option<String>,
    /// Uploads only: the original's size, for `width` and `height`.
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Uploads only: the library's caption and photo credit; may be empty.
    pub caption: String,
    pub credit: String,
}

/// The stored files of the images on a page, loaded in one query.
#[derive(Debug, Default)]
pub struct ImageFiles(HashMap<i64, Vec<ImageVariant>>);

impl ImageFiles {
    /// The files of the given images (repeats and `None`s are fine).
    pub async fn load(
        store: &Store,
        ids: impl IntoIterator<Item = Option<i64>>,
    ) -> Result<ImageFiles, AppError> {
        let mut ids: Vec<i64> = ids.into_iter().flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ImageFiles::from_variants(store.image_variants(&ids).await?))
    }

    /// Files as [`Store::image_variants`] reads them.
    pub fn from_variants(variants: Vec<ImageVariant>) -> ImageFiles {
        let mut files: HashMap<i64, Vec<ImageVariant>> = HashMap::new();
        for v in variants {
            files.entry(v.media_id).or_default().push(v);
        }
        ImageFiles(files)
    }

    /// The view of a featured image: with `srcset` and its size when it is an upload, as it
    /// was stored (a URL and alt text) otherwise.
    pub fn view(
        &self,
        id: Option<i64>,
        url: Option<String>,
        alt: Option<String>,
    ) -> Option<ImageView> {
        let url = url?;
        let mut view = ImageView {
            url,
            alt: alt.unwrap_or_default(),
            ..Default::default()
        };
        // Files come narrowest first; the original is the widest.
        if let Some(files) = id.and_then(|id| self.0.get(&id))
            && let Some(original) = files.iter().find(|f| f.variant == "original")
        {
            let srcset = |webp: bool| {
                let list: Vec<String> = files
                    .iter()
                    .filter(|f| f.is_webp() == webp)
                    .map(|f| format!("{} {}w", f.url(), f.width))
                    .collect();
                (!list.is_empty()).then(|| list.join(", "))
            };
            view.srcset = srcset(false);
            view.webp_srcset = srcset(true);
            view.width = Some(original.width);
            view.height = Some(original.height);
            view.caption = original.caption.clone();
            view.credit = original.credit.clone();
        }
        Some(view)
    }

    /// The files of an upload shown in a story's text, by its id.
    pub fn files(&self, id: i64) -> Option<&[ImageVariant]> {
        self.0.get(&id).map(Vec::as_slice)
    }
}

/// A date for `<time datetime=…>` and for people.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    pub iso: String,
    pub human: String,
}

impl DateView {
    pub fn new(at: DateTime<Utc>, tz: Tz) -> DateView {
        let local = at.with_timezone(&tz);
        DateView {
            iso: local.to_rfc3339(),
            human: local.format("%B %-d, %Y").to_string(),
        }
    }

    pub fn with_time(at: DateTime<Utc>, tz: Tz) -> DateView {
        let local = at.with_timezone(&tz);
        DateView {
            iso: local.to_rfc3339(),
            human: local.format("%B %-d, %Y, %H:%M %Z").to_string(),
        }
    }
}

/// A story teaser.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub id: i64,
    pub title: String,
    pub url: String,
    pub excerpt: String,
    pub date: DateView,
    pub section: Option<LinkView>,
    pub authors: Vec<LinkView>,
    pub image: Option<ImageView>,
    pub comment_count: i64,
    pub sticky: bool,
    pub credit_line: String,
}

pub fn author_link(a: &AuthorRef) -> LinkView {
    LinkView {
        name: a.display_name.clone(),
        url: format!("/author/{}/", a.slug),
    }
}

pub fn tag_link(t: &TermRef) -> LinkView {
    LinkView {
        name: t.name.clone(),
        url: format!("/tag/{}/", t.slug),
    }
}

pub fn category_link(chrome: &Chrome, t: &TermRef) -> LinkView {
    LinkView {
        name: t.name.clone(),
        url: chrome.category_url(t.term_id),
    }
}

/// Cards for rows, with their primary section and (if asked) bylines, in the rows' order.
pub async fn cards(
    store: &Store,
    chrome: &Chrome,
    rows: Vec<SummaryRow>,
    with_authors: bool,
) -> Result<Vec<Card>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let terms = store.sections_of(&ids).await?;
    let authors = if with_authors {
        store.authors_of(&ids).await?
    } else {
        Vec::new()
    };
    let images = ImageFiles::load(store, rows.iter().map(|r| r.image_id)).await?;
    Ok(cards_with(chrome, rows, &terms, &authors, &images))
}

/// Cards for rows, given their already-loaded terms, authors and image files.
pub fn cards_with(
    chrome: &Chrome,
    rows: Vec<SummaryRow>,
    terms: &[TermRef],
    authors: &[AuthorRef],
    images: &ImageFiles,
) -> Vec<Card> {
    let mut section: HashMap<i64, LinkView> = HashMap::new();
    for t in terms.iter().filter(|t| t.kind == "category") {
        section
            .entry(t.article_id)
            .or_insert_with(|| category_link(chrome, t));
    }
    let tz = chrome.settings.timezone;
    for r in &rows {
        crate::web::cache::also_shows(crate::store::purge::story(r.id));
        crate::web::cache::also_shows(crate::store::purge::comments(r.id));
    }
    rows.into_iter()
        .map(|r| Card {
            url: article_path(r.published_at, &r.slug, tz),
            date: DateView::new(r.published_at, tz),
            section: section.remove(&r.id),
            authors: authors
                .iter()
                .filter(|a| a.article_id == r.id)
                .map(author_link)
                .collect(),
            image: images.view(r.image_id, r.image_url, r.image_alt),
            id: r.id,
            title: if r.protected {
                crate::domain::postpass::protected_title(&r.title)
            } else {
                r.title
            },
            excerpt: if r.protected {
                crate::domain::postpass::NO_EXCERPT.to_owned()
            } else {
                r.excerpt
            },
            comment_count: r.comment_count,
            sticky: r.sticky,
            credit_line: r.credit_line,
        })
        .collect()
}

/// The newest stories, as cards.
pub async fn latest_cards(
    state: &AppState,
    chrome: &Chrome,
    n: u32,
) -> Result<Vec<Card>, AppError> {
    let rows = state
        .store()
        .published_list(&ArticleQuery::default(), state.now(), n, 0)
        .await?;
    cards(state.store(), chrome, rows, false).await
}

/// Links between the pages of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    pub current: u32,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pagination {
    /// `base` is the first page's URL (ending in `/`); later pages are `base` + `page/N/`.
    pub fn new(base: &str, current: u32, has_next: bool) -> Pagination {
        let url = |n: u32| {
            if n <= 1 {
                base.to_owned()
            } else {
                format!("{base}page/{n}/")
            }
        };
        Pagination {
            current,
            prev: (current > 1).then(|| url(current - 1)),
            next: has_next.then(|| url(current + 1)),
        }
    }
}

/// A comment with its replies.
#[derive(Debug, Clone, Serialize)]
pub struct CommentNode {
    pub id: i64,
    pub author_name: String,
    /// Only `http(s)` URLs are linked.
    pub author_url: Option<String>,
    /// Escaped plain text in paragraphs, addresses linked.
    pub body_html: String,
    pub date: DateView,
    /// Held for moderation: shown only to the browser that sent it.
    pub held: bool,
    /// Whether a reply may nest under this comment.
    pub can_reply: bool,
    pub replies: Vec<CommentNode>,
}

/// Threads comments (oldest first at every level) up to `max_depth` levels; deeper replies are
/// shown at the deepest level, in order. Replies to missing parents become top-level.
pub fn thread_comments(
    comments: Vec<PublicComment>,
    tz: Tz,
    max_depth: usize,
    open: bool,
) -> Vec<CommentNode> {
    let ids: std::collections::HashSet<i64> = comments.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<i64>, Vec<PublicComment>> = HashMap::new();
    for c in comments {
        let parent = c.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(c);
    }
    struct Ctx {
        children: HashMap<Option<i64>, Vec<PublicComment>>,
        tz: Tz,
        max_depth: usize,
        open: bool,
    }
    fn build(parent: Option<i64>, depth: usize, ctx: &mut Ctx) -> Vec<CommentNode> {
        let list = ctx.children.remove(&parent).unwrap_or_default();
        let mut out = Vec::with_capacity(list.len());
        for c in list {
            let mut replies = build(Some(c.id), depth + 1, ctx);
            let nested = if depth + 1 >= ctx.max_depth {
                Vec::new()
            } else {
                std::mem::take(&mut replies)
            };
            let url = c.author_url.trim();
            let held = c.status != CommentState::Approved;
            out.push(CommentNode {
                id: c.id,
                author_name: c.author_name,
                author_url: (url.starts_with("https://") || url.starts_with("http://"))
                    .then(|| url.to_owned()),
                body_html: text_to_html(&c.body),
                date: DateView::with_time(c.created_at, ctx.tz),
                held,
                can_reply: ctx.open && !held && depth + 1 < ctx.max_depth,
                replies: nested,
            });
            out.extend(replies);
        }
        out
    }
    let mut ctx = Ctx {
        children,
        tz,
        max_depth: max_depth.max(1),
        open,
    };
    build(None, 0, &mut ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_links() {
        let p = Pagination::new("/tag/x/", 1, true);
        assert_eq!(
            (p.prev.as_deref(), p.next.as_deref()),
            (None, Some("/tag/x/page/2/"))
        );
        let p = Pagination::new("/tag/x/", 2, true);
        assert_eq!(
            (p.prev.as_deref(), p.next.as_deref()),
            (Some("/tag/x/"), Some("/tag/x/page/3/"))
        );
        let p = Pagination::new("/", 1, false);
        assert_eq!((p.prev, p.next), (None, None));
    }
}
