//! Importing a WordPress export (WXR): people, sections, tags, images, stories, pages,
//! comments and menus, with every old address kept as a redirect.
//!
//! The file is read in three streaming passes, so memory holds a batch of items at a time plus
//! a small index (ids, slugs and addresses, never text): the first skims it whole and writes
//! nothing (people, terms and menu entries are noted, and a malformed or cut-off file is found
//! before anything changes); the second brings in the images, which stories refer to (skipped
//! when the first saw none); the third the stories and pages with their comments, read and
//! converted on a thread of their own (the text, the comments, a published story's search
//! terms) while the items before them are written, then the menus, which refer to everything. Every object
//! keeps its WordPress id in `wordpress_ids`, so importing the same file again updates in place
//! and duplicates nothing;
//! the same mechanism makes a stopped import resumable. Writes are committed in batches (a
//! commit per item would make large exports crawl); a batch that fails is rolled back whole and
//! the import stops with a message saying where and how to resume.
//!
//! Only an administrator (or the operator) may import: it creates accounts and sets any state.

mod batch;
mod items;
mod media;
mod menus;
mod people;
mod relink;
mod summary;
mod text;

use batch::{ImportedComment, NewStory, write_stories};
use items::{page, story};
use media::{attachment, file_url, wants_download};
use menus::{menu_item, menus, page_parents};
use people::header;
pub use text::legacy_path;
use text::without_scheme;

use std::collections::{BTreeMap, HashMap};

use std::io::BufReader;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};

use chrono_tz::Tz;

use super::{ActionError, Actor, Result};

use crate::domain::article::{CommentStatus, MAX_TITLE_LEN, NewArticle, Status};

use crate::domain::html::SafeHtml;
use crate::domain::legacy::{LegacyTarget, WordpressKind};

use crate::domain::slug::Slug;

use crate::domain::user::{Capability, NewUser, Role};

use crate::store::Store;

use crate::store::articles::ArticleInsert;

use crate::store::comments::{NewComment, Thread};

use crate::store::desk::StoryColumns;

use crate::store::dialect::Tx;

use crate::wordpress::content::{self, MediaRef, Resolve};

use crate::wordpress::reader::{Author, Item, Record, Term, WxrError, WxrReader};

/// Items written per transaction.
const BATCH: usize = 1000;

/// How the import runs.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `old login` → an existing Newsdesk login that takes the old author's stories.
    pub author_map: Vec<(String, String)>,
    /// A copy of the old site's `wp-content/uploads`, for the images' files.
    pub uploads: Option<PathBuf>,
    /// Download the images `uploads` does not have from the old site ([`crate::fetch`]):
    /// public addresses only, within the media library's size and type rules.
    pub fetch_media: bool,
    /// With `fetch_media`, also download from loopback, private and other local addresses:
    /// for testing against a server on this machine, never for an export one did not write.
    pub fetch_media_allow_local: bool,
    /// Comments in the export from which the comment indexes that take each comment at a
    /// scattered place are set aside until the import's end (`None`: [`COMMENTS_IN_BULK`]).
    pub comments_in_bulk: Option<i64>,
}

/// From this many comments in an export, and no fewer than the site already has, the import
/// builds the comments' indexes by address, email and status once at its end instead of
/// writing each comment into them.
pub const COMMENTS_IN_BULK: i64 = 20_000;

/// Created, updated, skipped and failed, for one kind of thing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// Something the import could not bring over as it was, with the item's WordPress id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub kind: &'static str,
    pub wp_id: i64,
    pub message: String,
}

/// A new account for an old author: it has no password until its person follows the link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invite {
    pub login: String,
    pub display_name: String,
    /// Turned into `/admin/password/TOKEN` by the caller.
    pub token: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    /// The old site's title and address.
    pub site: String,
    pub site_url: String,
    /// By kind: `people`, `sections`, `tags`, `images`, `stories`, `pages`, `comments`,
    /// `menus`, `menu entries`, `other items`.
    pub counts: BTreeMap<&'static str, Counts>,
    pub warnings: Vec<Warning>,
    pub invites: Vec<Invite>,
    /// Images whose files stay on the old site (no `--uploads` copy had them).
    pub remote_media: Vec<String>,
    /// Shortcodes kept as text, with how many items use each.
    pub unknown_shortcodes: BTreeMap<String, u64>,
    /// Stories and pages whose links to other old posts now lead straight to their new address.
    pub links_rewritten: u64,
}

impl Summary {
    fn count(&mut self, kind: &'static str) -> &mut Counts {
        self.counts.entry(kind).or_default()
    }
    fn warn(&mut self, kind: &'static str, wp_id: i64, message: impl Into<String>) {
        self.warnings.push(Warning {
            kind,
            wp_id,
            message: message.into(),
        });
    }
}

/// How far an import has come, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// 1: reading the file through; 2: images; 3: stories, pages and comments.
    pub pass: u8,
    pub bytes: u64,
    pub total_bytes: u64,
    pub items: u64,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Refused(ActionError),
    #[error("the export cannot be read: {0}")]
    Unreadable(WxrError),
    #[error(
        "the import stopped at {what} (line {line}): {cause}. Everything before it is imported; \
         run the same import again to resume: what is already imported is updated in place, \
         nothing is duplicated"
    )]
    Stopped {
        what: String,
        line: u64,
        cause: ActionError,
    },
}

impl From<WxrError> for ImportError {
    fn from(e: WxrError) -> ImportError {
        ImportError::Unreadable(e)
    }
}

impl From<ActionError> for ImportError {
    fn from(e: ActionError) -> ImportError {
        ImportError::Refused(e)
    }
}

/// An imported image: where it is now.
#[derive(Debug, Clone)]
struct Media {
    id: i64,
    url: String,
    alt: String,
    caption: String,
    parent: i64,
}

/// What the passes learn and later steps need: ids and addresses only.
#[derive(Default, Clone)]
struct Index {
    /// The kinds of WordPress objects earlier imports brought.
    kinds_before: Vec<String>,
    tz: Option<Tz>,
    /// Old site addresses, without scheme, with and without `www.`.
    hosts: Vec<String>,
    users: HashMap<String, i64>,
    fallback_author: Option<i64>,
    categories: HashMap<String, i64>,
    /// Tag slug → id, as tags are found or created.
    tags: HashMap<String, i64>,
    /// WordPress user id → local id (`None`: not imported), for comments' authors.
    user_ids: HashMap<i64, Option<i64>>,
    menus: Vec<Term>,
    media: HashMap<i64, Media>,
    /// Old file URL (without scheme) → new URL.
    media_urls: HashMap<String, String>,
    pages: HashMap<i64, i64>,
    page_parents: Vec<(i64, i64, i64)>,
    menu_items: Vec<MenuItem>,
    /// Stories and pages whose text links to other addresses of the old site.
    relink: Vec<(LegacyTarget, i64)>,
    /// The site language's analyzer and the display names of `users`, for the index terms
    /// the reading half of pass 3 computes.
    analyzer: Option<std::sync::Arc<crate::domain::search::Analyzer>>,
    names: HashMap<i64, String>,
}

/// A `nav_menu_item`, kept for the menus step.
#[derive(Debug, Clone)]
struct MenuItem {
    wp_id: i64,
    menu_slug: String,
    title: String,
    order: i64,
    kind: String,
    object: String,
    object_id: i64,
    url: String,
    parent: i64,
}

/// Imports the export at `path`.
pub async fn import_wordpress(
    store: &Store,
    by: Actor<'_>,
    path: &Path,
    options: &ImportOptions,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Summary, ImportError> {
    by.require(Capability::SiteTools)?;
    let mut set_aside = false;
    let imported = run_passes(store, by, path, options, now, progress, &mut set_aside).await;
    let imported = if set_aside {
        comment_indexes_again(store, imported).await
    } else {
        imported
    };
    // Statistics for the planner, unless a finished import wrote nothing (a stopped one may
    // have written batches); without them the site is slow, not wrong.
    let wrote = match &imported {
        Ok(summary) => summary.counts.values().any(|c| c.created + c.updated > 0),
        Err(_) => true,
    };
    if wrote {
        store.settle_after_bulk_load().await;
    }
    imported
}

/// Finished or stopped, the comment indexes an import set aside are built again (a killed one
/// leaves them to the next start: `Store::migrate`). Missing, they cost speed, never data: a
/// finished import stays finished, with a warning.
async fn comment_indexes_again(
    store: &Store,
    imported: Result<Summary, ImportError>,
) -> Result<Summary, ImportError> {
    let Err(e) = store.ensure_comment_indexes().await else {
        return imported;
    };
    tracing::error!(error = %e, "the comment indexes could not be built again; the next start builds them");
    let mut summary = imported?;
    summary.warn(
        "comment indexes",
        0,
        "could not be built again after the import; the next start of the site builds them",
    );
    Ok(summary)
}

/// The three passes over the file, the links between old posts and the invitations. Sets
/// `set_aside` when it set the comment lookup indexes aside.
async fn run_passes(
    store: &Store,
    by: Actor<'_>,
    path: &Path,
    options: &ImportOptions,
    now: DateTime<Utc>,
    progress: &mut (dyn FnMut(Progress) + Send),
    set_aside: &mut bool,
) -> Result<Summary, ImportError> {
    let open = || -> Result<_, ImportError> {
        let file = std::fs::File::open(path).map_err(WxrError::Io)?;
        Ok(WxrReader::new(BufReader::with_capacity(1 << 16, file)))
    };
    let total_bytes = std::fs::metadata(path).map_err(WxrError::Io)?.len();
    let mut index = Index {
        kinds_before: store.wordpress_kinds().await.map_err(ActionError::from)?,
        tz: Some(store.settings().await.map_err(ActionError::from)?.timezone),
        ..Index::default()
    };
    let mut summary = Summary::default();
    for (old, new) in &options.author_map {
        let mut tx = store.begin().await.map_err(ActionError::from)?;
        let id = Store::user_id_by_login(&mut tx, new)
            .await
            .map_err(ActionError::from)?;
        drop(tx);
        match id {
            Some(id) => {
                index.users.insert(old.clone(), id);
            }
            None => {
                return Err(ActionError::invalid(
                    "author-map",
                    format!("{new:?} is not a login on this site (given for {old:?})"),
                )
                .into());
            }
        }
    }

    // Pass 1 reads the whole file and writes nothing, so a malformed or cut-off export changes
    // nothing: people, terms and menu entries are noted.
    let mut reader = open()?.skim();
    let mut authors = Vec::new();
    let mut terms = Vec::new();
    // Authors only items name (old exports have no author list).
    let mut creators: Vec<String> = Vec::new();
    let mut items = 0u64;
    let mut attachments = 0u64;
    let mut export_comments = 0u64;
    while let Some(record) = reader.next_record()? {
        match record {
            Record::Author(a) => authors.push(a),
            Record::Term(t) => terms.push(t),
            Record::Item(item) => {
                items += 1;
                match item.post_type.as_str() {
                    "attachment" => attachments += 1,
                    "nav_menu_item" => index.menu_items.push(menu_item(&item)),
                    "post" | "page" => {
                        export_comments += item.comments.len() as u64;
                        if !item.creator.is_empty() && !creators.contains(&item.creator) {
                            creators.push(item.creator.clone());
                        }
                    }
                    _ => summary.count("other items").skipped += 1,
                }
                progress(Progress {
                    pass: 1,
                    bytes: reader.position(),
                    total_bytes,
                    items,
                });
            }
        }
    }
    for login in creators {
        if !authors.iter().any(|a| a.login == login) {
            authors.push(Author {
                login,
                ..Author::default()
            });
        }
    }
    let channel = reader.channel().clone();
    header(
        store,
        by,
        &channel,
        &mut index,
        &mut summary,
        &authors,
        &terms,
        now,
    )
    .await
    .map_err(|cause| stopped("the people and terms", reader.line(), cause))?;

    // Pass 2: images, which stories and pages show (an export without any skips it).
    let fetcher = if options.fetch_media {
        Some(
            crate::fetch::Fetcher::new(options.fetch_media_allow_local).map_err(|e| {
                tracing::error!(error = %e, "the HTTP client for --fetch-media cannot start");
                ActionError::invalid(
                    "fetch-media",
                    "downloads cannot start on this machine (its TLS set-up failed)",
                )
            })?,
        )
    } else {
        None
    };
    let mut batch = Batch::default();
    let mut reader = open()?;
    let mut items = 0u64;
    while attachments > 0
        && let Some(record) = reader.next_record()?
    {
        let Record::Item(item) = record else { continue };
        items += 1;
        if item.post_type == "attachment" {
            let what = || format!("image {}", item.id);
            let download = match &fetcher {
                Some(fetcher) => {
                    let tx = batch.tx(store).await?;
                    if wants_download(tx, &item, options, &index)
                        .await
                        .map_err(|cause| stopped(&what(), reader.line(), cause))?
                    {
                        // No transaction stays open while the old site answers.
                        batch.finish().await?;
                        Some(fetcher.image(&file_url(&item)).await)
                    } else {
                        None
                    }
                }
                None => None,
            };
            let tx = batch.tx(store).await?;
            attachment(tx, &item, options, download, &mut index, &mut summary, now)
                .await
                .map_err(|cause| stopped(&what(), reader.line(), cause))?;
            batch.done(20).await?;
        }
        progress(Progress {
            pass: 2,
            bytes: reader.position(),
            total_bytes,
            items,
        });
    }
    batch.finish().await?;

    // Pass 3: stories and pages with their comments. Many comments: the indexes that would take
    // each one at a scattered place wait for the end (`import_wordpress` builds them again
    // however this ends).
    let export_comments = i64::try_from(export_comments).unwrap_or(i64::MAX);
    if export_comments >= options.comments_in_bulk.unwrap_or(COMMENTS_IN_BULK)
        && store
            .comments_up_to(export_comments.saturating_add(1))
            .await
            .map_err(ActionError::from)?
            <= export_comments
    {
        *set_aside = true;
        store
            .set_comment_indexes_aside()
            .await
            .map_err(ActionError::from)?;
    }
    // A thread reads the file and converts each text (the XML, the block markup and
    // shortcodes, the sanitizer) while this task writes the items before it: the two halves run
    // at once. New stories wait for the end of their batch and are written together.
    {
        let mut tx = store.begin().await.map_err(ActionError::from)?;
        index.analyzer = Some(std::sync::Arc::new(
            Store::search_analyzer(&mut tx)
                .await
                .map_err(ActionError::from)?,
        ));
        let ids: Vec<i64> = index.users.values().copied().collect();
        index.names = Store::display_names(&mut tx, &ids)
            .await
            .map_err(ActionError::from)?
            .into_iter()
            .collect();
    }
    // Room for a whole batch, so the reading half goes on while one is written.
    let (items_out, mut items_in) = tokio::sync::mpsc::channel::<Result<Read, WxrError>>(BATCH);
    let reading = {
        let path = path.to_owned();
        let frozen = std::sync::Arc::new(index.clone());
        tokio::task::spawn_blocking(move || read_items(&path, &frozen, &items_out))
    };
    let mut line = 0;
    let mut new_stories: Vec<NewStory> = Vec::with_capacity(BATCH);
    while let Some(read) = items_in.recv().await {
        let Read {
            item,
            body,
            items,
            position,
            line: at,
        } = read?;
        line = at;
        let kind = item.post_type.as_str();
        if let Some(mut body) = body {
            for name in std::mem::take(&mut body.unknown_shortcodes) {
                *summary.unknown_shortcodes.entry(name).or_default() += 1;
            }
            let last_of_batch = batch.items + 1 >= BATCH;
            let tx = batch.tx(store).await?;
            let result = if kind == "post" {
                story(tx, &item, body, &mut index, &mut summary, now)
                    .await
                    .map(|new| new_stories.extend(new))
            } else {
                page(tx, by, &item, body.html, &mut index, &mut summary, now).await
            };
            result.map_err(|cause| stopped(&format!("{kind} {}", item.id), line, cause))?;
            if last_of_batch {
                write_batch(tx, &mut new_stories, &mut index, &mut summary, line).await?;
            }
            batch.done(BATCH).await?;
        }
        progress(Progress {
            pass: 3,
            bytes: position,
            total_bytes,
            items,
        });
    }
    if let Err(e) = reading.await
        && e.is_panic()
    {
        std::panic::resume_unwind(e.into_panic());
    }
    let tx = batch.tx(store).await?;
    write_batch(tx, &mut new_stories, &mut index, &mut summary, line).await?;
    page_parents(tx, &index, &mut summary)
        .await
        .map_err(|cause| stopped("the page hierarchy", line, cause))?;
    menus(tx, &index, &mut summary)
        .await
        .map_err(|cause| stopped("the menus", line, cause))?;
    batch.finish().await?;

    // Links between old posts, now that every story and page has its new address.
    relink::relink(store, &index, &mut summary, now).await?;

    // Invitations last: a stopped import has not sent anyone a link yet.
    let new_people: Vec<(String, String, i64)> = std::mem::take(&mut summary.invites)
        .into_iter()
        .filter_map(|i| {
            let id = index.users.get(&i.login).copied()?;
            Some((i.login, i.display_name, id))
        })
        .collect();
    for (login, display_name, id) in new_people {
        let token = crate::actions::accounts::password_link(
            store,
            by,
            id,
            crate::actions::accounts::LinkPurpose::Invite,
            now,
        )
        .await?;
        summary.invites.push(Invite {
            login,
            display_name,
            token,
        });
    }
    summary.site = channel.title.clone();
    summary.site_url = channel.link.clone();
    Ok(summary)
}

/// An item of pass 3 as the reading thread hands it over.
struct Read {
    item: Box<Item>,
    /// A post's or page's text, converted; `None` for other items.
    body: Option<items::Body>,
    /// Items read so far, bytes read so far and the line reached, for progress and messages.
    items: u64,
    position: u64,
    line: u64,
}

/// Pass 3's reading half: every item of the export, with the texts of posts and pages
/// converted and sanitized, in order; stops early when the writing half has stopped.
fn read_items(path: &Path, index: &Index, out: &tokio::sync::mpsc::Sender<Result<Read, WxrError>>) {
    let send = |read| out.blocking_send(read).is_ok();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            send(Err(WxrError::Io(e)));
            return;
        }
    };
    let mut reader = WxrReader::new(BufReader::with_capacity(1 << 16, file));
    let mut items = 0u64;
    loop {
        let item = match reader.next_record() {
            Ok(Some(Record::Item(item))) => item,
            Ok(Some(_)) => continue,
            Ok(None) => return,
            Err(e) => {
                send(Err(e));
                return;
            }
        };
        items += 1;
        let mut item = item;
        let body = matches!(item.post_type.as_str(), "post" | "page")
            .then(|| items::body_of(&item, index));
        // The converted text is all the writing half uses; the raw one need not wait with it.
        item.content = String::new();
        let read = Read {
            item,
            body,
            items,
            position: reader.position(),
            line: reader.line(),
        };
        if !send(Ok(read)) {
            return;
        }
    }
}

/// Writes the batch's new stories, or says which ones stopped the import.
async fn write_batch(
    tx: &mut Tx,
    stories: &mut Vec<NewStory>,
    index: &mut Index,
    summary: &mut Summary,
    line: u64,
) -> Result<(), ImportError> {
    let (Some(first), Some(last)) = (stories.first(), stories.last()) else {
        return Ok(());
    };
    let what = format!("the posts {} to {}", first.wp_id, last.wp_id);
    write_stories(tx, stories, index, summary)
        .await
        .map_err(|cause| stopped(&what, line, cause))
}

fn stopped(what: &str, line: u64, cause: ActionError) -> ImportError {
    ImportError::Stopped {
        what: what.to_owned(),
        line,
        cause,
    }
}

/// A transaction committed every so many items.
#[derive(Default)]
struct Batch {
    tx: Option<Tx>,
    items: usize,
}

impl Batch {
    async fn tx(&mut self, store: &Store) -> Result<&mut Tx, ImportError> {
        if self.tx.is_none() {
            self.tx = Some(store.begin().await.map_err(ActionError::from)?);
            self.items = 0;
        }
        Ok(self.tx.as_mut().expect("just begun"))
    }

    async fn done(&mut self, every: usize) -> Result<(), ImportError> {
        self.items += 1;
        if self.items >= every {
            self.finish().await?;
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), ImportError> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await.map_err(ActionError::from)?;
        }
        Ok(())
    }
}

impl Index {
    /// Where an object of an earlier import went. A kind no earlier import brought is not
    /// looked up at all: a first import of a large export skips a query per item.
    async fn earlier(&self, tx: &mut Tx, kind: WordpressKind, wp_id: i64) -> Result<Option<i64>> {
        if !self.kinds_before.iter().any(|k| k == kind.as_str()) {
            return Ok(None);
        }
        Ok(Store::wordpress_id(tx, kind, wp_id).await?)
    }

    /// The path of an address on the old site, with its query; `None` for other sites.
    fn old_path(&self, url: &str) -> Option<String> {
        let rest = without_scheme(url);
        if rest.len() == url.len() {
            return url.starts_with('/').then(|| url.to_owned());
        }
        let host = self
            .hosts
            .iter()
            .filter(|h| rest.starts_with(h.as_str()))
            .max_by_key(|h| h.len())?;
        let path = &rest[host.len()..];
        if !(path.is_empty() || path.starts_with('/') || path.starts_with('?')) {
            return None;
        }
        let path = path.split('#').next().unwrap_or("");
        Some(legacy_path(path))
    }

    fn user(&self, login: &str) -> Option<i64> {
        self.users.get(login).copied().or(self.fallback_author)
    }

    fn time(&self, gmt: &str, local: &str) -> Option<DateTime<Utc>> {
        let parse = |s: &str| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok();
        if let Some(t) = parse(gmt).filter(|t| t.date().year_ce().1 > 1) {
            return Some(Utc.from_utc_datetime(&t));
        }
        let t = parse(local).filter(|t| t.date().year_ce().1 > 1)?;
        let tz = self.tz.unwrap_or(chrono_tz::UTC);
        tz.from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// How an item's WordPress status reads here; `None` for states Newsdesk does not keep.
fn status_of(wp: &str) -> Option<Status> {
    Some(match wp {
        "publish" => Status::Published,
        "draft" => Status::Draft,
        "pending" => Status::Pending,
        "private" => Status::Private,
        "future" => Status::Scheduled,
        "trash" => Status::Trash,
        _ => return None,
    })
}
