//! `newsdesk export wordpress FILE.xml` and Tools → Export: the whole site as a WordPress
//! eXtended RSS (WXR 1.2) file, shaped as WordPress's own export writes it, so a newsroom can
//! always leave (to WordPress, or to any tool that reads WXR).
//!
//! What goes in: every person (login, sign-in email, display name; never a password hash,
//! session or token), every section (with its parent), tag and menu, every story and page in
//! every state, every image of the media library as an attachment with its public address,
//! every comment with its thread, and every menu entry as a `nav_menu_item`.
//!
//! The file is written piece by piece ([`Exporter::next_piece`]): each piece is one batch of
//! rows read by key range, so memory does not grow with the site.
//!
//! # Ids
//!
//! WordPress has one id space for posts, pages, attachments and menu entries, and one for
//! terms; Newsdesk has a table each. Stories keep their ids; the others are moved past them
//! by a step `P`, the smallest power of ten (at least 1,000) above every id of stories,
//! pages, images and menu entries:
//!
//! | Newsdesk | WordPress `wp:post_id` |
//! |---|---|
//! | story `n` | `n` |
//! | page `n` | `P + n` |
//! | image `n` | `2P + n` |
//! | menu entry `n` | `3P + n` |
//!
//! Terms likewise, with `T` the smallest power of ten (at least 1,000) above every id of
//! sections, tags and menus: section `n` is term `n`, tag `n` is `T + n`, menu `n` is `2T + n`.
//! A file's ids are only stable as long as no id crosses the next power of ten; importers
//! (WordPress's included) map ids anew anyway, and use them only to link items within a file.

use std::collections::VecDeque;
use std::io;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::article::article_path;
use crate::domain::settings::SiteSettings;
use crate::store::export::{ExportComment, ExportPageNode, ExportStory};
use crate::store::{Store, StoreError};

mod channel;
mod ids;
mod items;
mod wxr;

pub use ids::{IdMap, wp_approved, wp_status};

use wxr::Wxr;

/// Rows read per query.
const BATCH: i64 = 200;
/// Comments read per query.
const COMMENT_BATCH: i64 = 500;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the site")]
    Store(#[from] StoreError),
    #[error("cannot write the export")]
    Write(#[from] io::Error),
}

/// Where the export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Head,
    Authors,
    Sections,
    Tags,
    Menus,
    Images,
    Stories,
    Pages,
    MenuItems,
    Tail,
    Done,
}

/// How many of each thing an export wrote so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub people: u64,
    pub sections: u64,
    pub tags: u64,
    pub menus: u64,
    pub images: u64,
    pub stories: u64,
    pub comments: u64,
    pub pages: u64,
    pub menu_items: u64,
}

/// Writes a site's WXR file piece by piece.
pub struct Exporter {
    counts: Counts,
    store: Store,
    /// The public origin, without a trailing slash: every link is absolute.
    base: String,
    settings: SiteSettings,
    ids: IdMap,
    now: DateTime<Utc>,
    stage: Stage,
    /// The last id written in the current stage.
    after: i64,
    pages: Vec<ExportPageNode>,
    x: Wxr,
}

impl Exporter {
    /// An export of `store`'s site as seen at `base_url` (`https://news.example`), dated `now`.
    pub async fn new(
        store: &Store,
        base_url: &str,
        now: DateTime<Utc>,
    ) -> Result<Exporter, StoreError> {
        let settings = store.settings().await?;
        let ceilings = store.export_ceilings().await?;
        Ok(Exporter {
            counts: Counts::default(),
            store: store.clone(),
            base: base_url.trim_end_matches('/').to_owned(),
            settings,
            ids: IdMap::for_ceilings(ceilings.posts, ceilings.terms),
            now,
            stage: Stage::Head,
            after: 0,
            pages: Vec::new(),
            x: Wxr::new(),
        })
    }

    /// The file name WordPress would give this export: `SITENAME.wordpress.YYYY-MM-DD.xml`,
    /// the site's title made a slug, dated in the site's time zone.
    pub fn file_name(&self) -> String {
        let slug = crate::domain::slug::Slug::from_title(&self.settings.title, "newsdesk");
        format!(
            "{}.wordpress.{}.xml",
            slug.as_str(),
            self.now
                .with_timezone(&self.settings.timezone)
                .format("%Y-%m-%d")
        )
    }

    /// What was written so far (everything, once [`Exporter::next_piece`] returned `None`).
    pub fn counts(&self) -> Counts {
        self.counts
    }

    fn tz(&self) -> Tz {
        self.settings.timezone
    }

    /// An absolute address on the site for `path` (absolute URLs pass through).
    fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') && !path.starts_with("//") {
            format!("{}{path}", self.base)
        } else {
            path.to_owned()
        }
    }

    /// The next piece of the file, or `None` once it is complete.
    pub async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        loop {
            let more = match self.stage {
                Stage::Done => return Ok(None),
                Stage::Head => {
                    self.head();
                    false
                }
                Stage::Authors => self.authors().await?,
                Stage::Sections => self.sections().await?,
                Stage::Tags => self.tags().await?,
                Stage::Menus => self.menus().await?,
                Stage::Images => self.images().await?,
                Stage::Stories => self.stories().await?,
                Stage::Pages => self.pages().await?,
                Stage::MenuItems => self.menu_items().await?,
                Stage::Tail => {
                    self.x.close("channel");
                    self.x.close("rss");
                    self.x.raw("\n");
                    false
                }
            };
            if !more {
                self.stage = match self.stage {
                    Stage::Head => Stage::Authors,
                    Stage::Authors => Stage::Sections,
                    Stage::Sections => Stage::Tags,
                    Stage::Tags => Stage::Menus,
                    Stage::Menus => Stage::Images,
                    Stage::Images => Stage::Stories,
                    Stage::Stories => Stage::Pages,
                    Stage::Pages => Stage::MenuItems,
                    Stage::MenuItems => Stage::Tail,
                    Stage::Tail | Stage::Done => Stage::Done,
                };
                self.after = 0;
            }
            // Small stages share a piece; a batch of stories makes one of its own.
            if self.x.len() >= 32 * 1024 || self.stage == Stage::Done {
                return Ok(Some(self.x.take()));
            }
        }
    }

    /// The whole file into `out`.
    pub async fn write_to<W: io::Write>(&mut self, mut out: W) -> Result<W, ExportError> {
        while let Some(piece) = self.next_piece().await? {
            out.write_all(&piece)?;
        }
        out.flush()?;
        Ok(out)
    }

    async fn images(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_media(self.after, BATCH).await?;
        for m in &rows {
            self.image(m);
        }
        Ok(self.advance(rows.last().map(|m| m.id), rows.len()))
    }

    async fn stories(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_stories(self.after, BATCH).await?;
        let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
        let terms = self.store.export_story_terms(&ids).await?;
        let bylines = self.store.export_bylines(&ids).await?;
        let mut comments = Comments::new(ids);
        for s in &rows {
            let story_terms: Vec<_> = terms.iter().filter(|t| t.article_id == s.id).collect();
            let logins: Vec<&str> = bylines
                .iter()
                .filter(|b| b.article_id == s.id)
                .map(|b| b.login.as_str())
                .collect();
            self.story(s, &story_terms, &logins);
            loop {
                let thread = comments.next_for(&self.store, s.id).await?;
                if thread.is_empty() {
                    break;
                }
                for c in &thread {
                    self.comment(c);
                }
            }
            self.x.close("item");
        }
        Ok(self.advance(rows.last().map(|s| s.id), rows.len()))
    }

    async fn pages(&mut self) -> Result<bool, StoreError> {
        if self.after == 0 {
            self.pages = self.store.export_page_nodes().await?;
        }
        let rows = self.store.export_pages(self.after, BATCH).await?;
        for p in &rows {
            let comments = self.store.export_page_comments(p.id).await?;
            self.page(p, &comments);
        }
        Ok(self.advance(rows.last().map(|p| p.id), rows.len()))
    }

    async fn menu_items(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_menu_items(self.after, BATCH).await?;
        for i in &rows {
            self.menu_item(i);
        }
        Ok(self.advance(rows.last().map(|i| i.id), rows.len()))
    }

    /// Moves past a batch; whether another may follow.
    fn advance(&mut self, last: Option<i64>, n: usize) -> bool {
        if let Some(id) = last {
            self.after = id;
        }
        n as i64 == BATCH
    }

    /// A page's public address, under its parents.
    fn page_link(&self, id: i64) -> String {
        let mut slugs = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            let Some(node) = self.pages.iter().find(|n| n.id == id) else {
                break;
            };
            if slugs.len() >= 20 {
                break;
            }
            slugs.push(node.slug.as_str());
            next = node.parent_id;
        }
        slugs.reverse();
        self.absolute(&crate::store::pages::page_path(slugs))
    }

    /// A story's public address (dated by its publication, or creation while it has none).
    fn story_link(&self, s: &ExportStory) -> String {
        self.absolute(&article_path(
            s.published_at.unwrap_or(s.created_at),
            &s.slug,
            self.tz(),
        ))
    }
}

/// The comments of one batch of stories, read in pieces in story order.
struct Comments {
    ids: Vec<i64>,
    buffer: VecDeque<ExportComment>,
    after: (i64, i64),
    exhausted: bool,
}

impl Comments {
    fn new(ids: Vec<i64>) -> Comments {
        Comments {
            exhausted: ids.is_empty(),
            ids,
            buffer: VecDeque::new(),
            after: (0, 0),
        }
    }

    /// The next comments of story `id`, or none once they are all out (stories must be
    /// asked for in id order).
    async fn next_for(&mut self, store: &Store, id: i64) -> Result<Vec<ExportComment>, StoreError> {
        loop {
            while self.buffer.front().is_some_and(|c| c.article_id < id) {
                self.buffer.pop_front();
            }
            let mut out = Vec::new();
            while self.buffer.front().is_some_and(|c| c.article_id == id) {
                out.extend(self.buffer.pop_front());
            }
            if !out.is_empty() || !self.buffer.is_empty() || self.exhausted {
                return Ok(out);
            }
            let rows = store
                .export_comments(&self.ids, self.after, COMMENT_BATCH)
                .await?;
            self.exhausted = (rows.len() as i64) < COMMENT_BATCH;
            if let Some(last) = rows.last() {
                self.after = (last.article_id, last.id);
            }
            self.buffer.extend(rows);
        }
    }
}
