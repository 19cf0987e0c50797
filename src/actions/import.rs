//! Importing a WordPress export (WXR): people, sections, tags, images, stories, pages,
//! comments and menus, with every old address kept as a redirect.
//!
//! The file is read twice, streaming, so memory holds one item at a time plus a small index
//! (ids, slugs and addresses, never text): the first pass brings in the people, terms and
//! images, which stories refer to; the second the stories and pages with their comments, then
//! the menus, which refer to everything. Every object keeps its WordPress id in
//! `wordpress_ids`, so importing the same file again updates in place and duplicates nothing;
//! the same mechanism makes a stopped import resumable. Writes are committed in batches (a
//! commit per item would make large exports crawl); a batch that fails is rolled back whole and
//! the import stops with a message saying where and how to resume.
//!
//! Only an administrator (or the operator) may import: it creates accounts and sets any state.

use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{ActionError, Actor, Result};
use crate::domain::article::{CommentStatus, MAX_TITLE_LEN, NewArticle, Status};
use crate::domain::html::SafeHtml;
use crate::domain::slug::Slug;
use crate::domain::user::{Capability, NewUser, Role};
use crate::store::Store;
use crate::store::comments::NewComment;
use crate::store::desk::StoryColumns;
use crate::store::dialect::Tx;
use crate::wordpress::content::{self, MediaRef, Resolve};
use crate::wordpress::reader::{Author, Item, Record, Term, WxrError, WxrReader};

/// Items written per transaction.
const BATCH: usize = 250;

/// How the import runs.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `old login` → an existing Newsdesk login that takes the old author's stories.
    pub author_map: Vec<(String, String)>,
    /// A copy of the old site's `wp-content/uploads`, for the images' files.
    pub uploads: Option<PathBuf>,
}

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

impl Summary {
    /// The summary as the command line prints it: a table of counts, the invitation links,
    /// the images left on the old site, the shortcodes kept as text, and every warning.
    pub fn to_text(&self, base_url: &str, took: std::time::Duration) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let base = base_url.trim_end_matches('/');
        let _ = writeln!(
            out,
            "Imported {:?} ({}) in {:.1} s.\n",
            self.site,
            self.site_url,
            took.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "{:<14} {:>8} {:>8} {:>8} {:>8}",
            "", "created", "updated", "skipped", "failed"
        );
        for (kind, c) in &self.counts {
            let _ = writeln!(
                out,
                "{kind:<14} {:>8} {:>8} {:>8} {:>8}",
                c.created, c.updated, c.skipped, c.failed
            );
        }
        if !self.invites.is_empty() {
            let _ = writeln!(
                out,
                "\nNew accounts have no password; send each person their link (valid 7 days):"
            );
            for i in &self.invites {
                let _ = writeln!(
                    out,
                    "  {} ({}): {base}/admin/password/{}",
                    i.login, i.display_name, i.token
                );
            }
        }
        if !self.remote_media.is_empty() {
            let _ = writeln!(
                out,
                "\n{} images stay at their old address (import again with --uploads to copy them):",
                self.remote_media.len()
            );
            for url in &self.remote_media {
                let _ = writeln!(out, "  {url}");
            }
        }
        if !self.unknown_shortcodes.is_empty() {
            let _ = writeln!(out, "\nShortcodes kept as text (items using each):");
            for (name, n) in &self.unknown_shortcodes {
                let _ = writeln!(out, "  [{name}] {n}");
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "\nWarnings ({}):", self.warnings.len());
            for w in &self.warnings {
                let _ = writeln!(out, "  {} {}: {}", w.kind, w.wp_id, w.message);
            }
        }
        out
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
#[derive(Default)]
struct Index {
    tz: Option<Tz>,
    /// Old site addresses, without scheme, with and without `www.`.
    hosts: Vec<String>,
    users: HashMap<String, i64>,
    fallback_author: Option<i64>,
    categories: HashMap<String, i64>,
    menus: Vec<Term>,
    media: HashMap<i64, Media>,
    /// Old file URL (without scheme) → new URL.
    media_urls: HashMap<String, String>,
    pages: HashMap<i64, i64>,
    page_parents: Vec<(i64, i64, i64)>,
    posts: HashMap<i64, i64>,
    menu_items: Vec<MenuItem>,
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
    by.require(Capability::ManageUsers)?;
    by.require(Capability::ManageSettings)?;
    let open = || -> Result<_, ImportError> {
        let file = std::fs::File::open(path).map_err(WxrError::Io)?;
        Ok(WxrReader::new(BufReader::with_capacity(1 << 16, file)))
    };
    let total_bytes = std::fs::metadata(path).map_err(WxrError::Io)?.len();
    let mut index = Index {
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
    let mut reader = open()?;
    let mut authors = Vec::new();
    let mut terms = Vec::new();
    // Authors only items name (old exports have no author list).
    let mut creators: Vec<String> = Vec::new();
    let mut items = 0u64;
    while let Some(record) = reader.next_record()? {
        match record {
            Record::Author(a) => authors.push(a),
            Record::Term(t) => terms.push(t),
            Record::Item(item) => {
                items += 1;
                match item.post_type.as_str() {
                    "attachment" => {}
                    "nav_menu_item" => index.menu_items.push(menu_item(&item)),
                    "post" | "page" => {
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
    .map_err(|cause| stopped("the people and terms", &reader, cause))?;

    // Pass 2: images, which stories and pages show.
    let mut reader = open()?;
    let mut batch = Batch::default();
    let mut items = 0u64;
    while let Some(record) = reader.next_record()? {
        let Record::Item(item) = record else { continue };
        items += 1;
        if item.post_type == "attachment" {
            let tx = batch.tx(store).await?;
            attachment(tx, &item, options, &mut index, &mut summary, now)
                .await
                .map_err(|cause| stopped(&format!("image {}", item.id), &reader, cause))?;
            batch.done(store, 20).await?;
        }
        progress(Progress {
            pass: 2,
            bytes: reader.position(),
            total_bytes,
            items,
        });
    }
    batch.finish().await?;

    // Pass 3: stories and pages with their comments.
    let mut reader = open()?;
    let mut items = 0u64;
    while let Some(record) = reader.next_record()? {
        let Record::Item(item) = record else { continue };
        items += 1;
        let kind = item.post_type.as_str();
        if kind == "post" || kind == "page" {
            let tx = batch.tx(store).await?;
            let result = if kind == "post" {
                story(tx, &item, &mut index, &mut summary, now).await
            } else {
                page(tx, by, &item, &mut index, &mut summary, now).await
            };
            result.map_err(|cause| stopped(&format!("{kind} {}", item.id), &reader, cause))?;
            batch.done(store, BATCH).await?;
        }
        progress(Progress {
            pass: 3,
            bytes: reader.position(),
            total_bytes,
            items,
        });
    }
    let tx = batch.tx(store).await?;
    page_parents(tx, &index, &mut summary)
        .await
        .map_err(|cause| stopped("the page hierarchy", &reader, cause))?;
    menus(tx, &index, &mut summary)
        .await
        .map_err(|cause| stopped("the menus", &reader, cause))?;
    batch.finish().await?;

    // Invitations last: a stopped import has not sent anyone a link yet.
    let new_people: Vec<(String, String, i64)> = std::mem::take(&mut summary.invites)
        .into_iter()
        .filter_map(|i| {
            let id = index.users.get(&i.login).copied()?;
            Some((i.login, i.display_name, id))
        })
        .collect();
    for (login, display_name, id) in new_people {
        let token = super::accounts::password_link(
            store,
            by,
            id,
            super::accounts::LinkPurpose::Invite,
            now,
        )
        .await?;
        summary.invites.push(Invite {
            login,
            display_name,
            token,
        });
    }
    summary.site = reader.channel().title.clone();
    summary.site_url = reader.channel().link.clone();
    Ok(summary)
}

fn stopped<R: std::io::BufRead>(
    what: &str,
    reader: &WxrReader<R>,
    cause: ActionError,
) -> ImportError {
    ImportError::Stopped {
        what: what.to_owned(),
        line: reader.line(),
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

    async fn done(&mut self, store: &Store, every: usize) -> Result<(), ImportError> {
        self.items += 1;
        if self.items >= every {
            self.finish().await?;
            let _ = store;
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

/// People, sections, tags and menus: everything the export lists before its items.
#[expect(
    clippy::too_many_arguments,
    reason = "the import's state, passed down once"
)]
async fn header(
    store: &Store,
    by: Actor<'_>,
    channel: &crate::wordpress::reader::Channel,
    index: &mut Index,
    summary: &mut Summary,
    authors: &[Author],
    terms: &[Term],
    now: DateTime<Utc>,
) -> Result<()> {
    for base in [
        &channel.base_blog_url,
        &channel.link,
        &channel.base_site_url,
    ] {
        let host = without_scheme(base).trim_end_matches('/').to_owned();
        if !host.is_empty() && !index.hosts.contains(&host) && host != "wordpress.com" {
            let bare = host.strip_prefix("www.").unwrap_or(&host).to_owned();
            index.hosts.push(format!("www.{bare}"));
            index.hosts.push(bare);
        }
    }
    let mut tx = store.begin().await?;
    for a in authors {
        person(&mut tx, by, a, index, summary, now).await?;
    }
    categories(&mut tx, terms, index, summary).await?;
    for t in terms.iter().filter(|t| t.taxonomy == "post_tag") {
        let slug = term_slug(&t.slug, &t.name, "tag");
        let existed = match t.id {
            Some(wp) => Store::wordpress_id(&mut tx, "tag", wp).await?.is_some(),
            None => false,
        };
        let name = if t.name.is_empty() {
            slug.as_str()
        } else {
            &t.name
        };
        let id = Store::ensure_tag(&mut tx, slug.as_str(), name).await?;
        if let Some(wp) = t.id {
            Store::put_wordpress_id(&mut tx, "tag", wp, id).await?;
        }
        let old = legacy_path(&format!("/tag/{}/", t.slug));
        if old != format!("/tag/{slug}/") {
            Store::put_legacy_url(&mut tx, &old, "tag", id).await?;
        }
        let c = summary.count("tags");
        if existed {
            c.updated += 1
        } else {
            c.created += 1
        }
    }
    index.menus = terms
        .iter()
        .filter(|t| t.taxonomy == "nav_menu")
        .cloned()
        .collect();
    tx.commit().await?;
    Ok(())
}

/// An old author: an existing account with the same login (or the one `--author-map` names),
/// or a new account without a password, whose person gets an invitation link.
async fn person(
    tx: &mut Tx,
    by: Actor<'_>,
    a: &Author,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let wp_id = a.id.unwrap_or(0);
    let valid = !a.login.is_empty()
        && a.login.len() <= 60
        && a.login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !valid {
        summary.count("people").failed += 1;
        summary.warn(
            "person",
            wp_id,
            format!("{:?} is not a login Newsdesk accepts; their items are credited to the first author", a.login),
        );
        return Ok(());
    }
    let existing = match index.users.get(&a.login) {
        Some(id) => Some(*id),
        None => Store::user_id_by_login(tx, &a.login).await?,
    };
    let id = match existing {
        Some(id) => {
            summary.count("people").updated += 1;
            id
        }
        None => {
            let email = crate::domain::user::normalize_email(&a.email);
            let email = if !email.is_empty() && Store::email_in_use(tx, &email).await? {
                summary.warn(
                    "person",
                    wp_id,
                    format!(
                        "{}: the email is another account's, so it was left empty",
                        a.login
                    ),
                );
                String::new()
            } else {
                email
            };
            let display_name = [
                a.display_name.as_str(),
                &format!("{} {}", a.first_name, a.last_name),
            ]
            .into_iter()
            .map(str::trim)
            .find(|n| !n.is_empty())
            .unwrap_or(&a.login)
            .to_owned();
            let user = NewUser {
                login: a.login.clone(),
                email,
                display_name: display_name.clone(),
                slug: None,
                bio: String::new(),
                role: Role::Author,
            };
            let id = super::site::create_user(tx, by, &user, now).await?;
            summary.count("people").created += 1;
            summary.invites.push(Invite {
                login: a.login.clone(),
                display_name,
                token: String::new(),
            });
            id
        }
    };
    if let Some(wp) = a.id {
        Store::put_wordpress_id(tx, "user", wp, id).await?;
    }
    // The old author archive by login: only an imported login is ever redirected, so the
    // live site never tells whether a login exists.
    Store::put_legacy_url(
        tx,
        &format!("/author/{}/", a.login.to_lowercase()),
        "author",
        id,
    )
    .await?;
    index.users.insert(a.login.clone(), id);
    index.fallback_author.get_or_insert(id);
    Ok(())
}

/// Sections, parents before children whatever order the export lists them in. A parent that is
/// missing, or a loop of parents, leaves the section at the top, with a warning.
async fn categories(
    tx: &mut Tx,
    terms: &[Term],
    index: &mut Index,
    summary: &mut Summary,
) -> Result<()> {
    let cats: Vec<&Term> = terms.iter().filter(|t| t.taxonomy == "category").collect();
    let listed = |slug: &str| cats.iter().any(|c| c.slug == slug);
    // (term, whether its parent is kept) in an order where parents come first.
    let mut ordered: Vec<(&Term, bool)> = Vec::with_capacity(cats.len());
    let mut placed: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut rest = cats.clone();
    while !rest.is_empty() {
        let (ready, waiting): (Vec<&Term>, Vec<&Term>) = rest.into_iter().partition(|t| {
            t.parent.is_empty() || placed.contains(t.parent.as_str()) || !listed(&t.parent)
        });
        if ready.is_empty() {
            for t in &waiting {
                summary.warn(
                    "section",
                    t.id.unwrap_or(0),
                    format!("{}: its parents form a loop; placed at the top", t.slug),
                );
                ordered.push((t, false));
            }
            break;
        }
        for t in ready {
            let keep = !t.parent.is_empty() && listed(&t.parent);
            if !t.parent.is_empty() && !keep {
                summary.warn(
                    "section",
                    t.id.unwrap_or(0),
                    format!(
                        "{}: its parent {:?} is not in the export; placed at the top",
                        t.slug, t.parent
                    ),
                );
            }
            placed.insert(t.slug.as_str());
            ordered.push((t, keep));
        }
        rest = waiting;
    }
    let existing = Store::categories_in_tx(tx).await?;
    let mut by_slug: HashMap<String, i64> =
        existing.iter().map(|c| (c.slug.clone(), c.id)).collect();
    let mut position = existing.iter().map(|c| c.position).max().unwrap_or(0);
    let mut paths: HashMap<String, String> = HashMap::new();
    for (t, keep_parent) in ordered {
        let parent_id = if keep_parent {
            index.categories.get(&t.parent).copied()
        } else {
            None
        };
        let slug = term_slug(&t.slug, &t.name, "section");
        let name = if t.name.is_empty() {
            slug.as_str()
        } else {
            &t.name
        };
        let mapped = match t.id {
            Some(wp) => Store::wordpress_id(tx, "category", wp).await?,
            None => None,
        };
        let current = match mapped.or_else(|| by_slug.get(slug.as_str()).copied()) {
            Some(id) => Store::category_in_tx(tx, id).await?,
            None => None,
        };
        let id = match current {
            Some(c) => {
                Store::update_category(
                    tx,
                    c.id,
                    &c.slug,
                    name,
                    &t.description,
                    parent_id,
                    c.position,
                )
                .await?;
                summary.count("sections").updated += 1;
                c.id
            }
            None => {
                position += 1;
                let id = Store::insert_category(
                    tx,
                    slug.as_str(),
                    name,
                    &t.description,
                    parent_id,
                    position,
                )
                .await?;
                by_slug.insert(slug.as_str().to_owned(), id);
                summary.count("sections").created += 1;
                id
            }
        };
        if let Some(wp) = t.id {
            Store::put_wordpress_id(tx, "category", wp, id).await?;
        }
        let path = match paths.get(&t.parent).filter(|_| keep_parent) {
            Some(p) => format!("{p}{}/", t.slug),
            None => format!("/category/{}/", t.slug),
        };
        Store::put_legacy_url(tx, &path, "section", id).await?;
        paths.insert(t.slug.clone(), path);
        index.categories.insert(t.slug.clone(), id);
    }
    Ok(())
}

/// A slug for a term or item as WordPress stored it (percent-encoded for non-Latin scripts).
fn term_slug(raw: &str, name: &str, fallback: &str) -> Slug {
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

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

fn without_scheme(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))
        .unwrap_or(url)
}

impl Index {
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

use chrono::Datelike;

/// An attachment: the file copied into the media library from `--uploads`, or a library entry
/// pointing at the old site.
async fn attachment(
    tx: &mut Tx,
    item: &Item,
    options: &ImportOptions,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let alt = item
        .meta("_wp_attachment_image_alt")
        .unwrap_or("")
        .trim()
        .to_owned();
    let caption = crate::domain::html::decode_entities(&strip_tags(&item.excerpt))
        .trim()
        .to_owned();
    let url = if item.attachment_url.is_empty() {
        item.guid.clone()
    } else {
        item.attachment_url.clone()
    };
    let uploader = index.user(&item.creator);
    let (id, new_url) = match Store::wordpress_id(tx, "attachment", item.id).await? {
        Some(id) => {
            summary.count("images").updated += 1;
            let url = Store::media_item_in(tx, id)
                .await?
                .map(|m| m.url)
                .unwrap_or_default();
            (id, url)
        }
        None => {
            let local = options.uploads.as_ref().and_then(|dir| {
                let rel = item
                    .meta("_wp_attached_file")
                    .map(str::to_owned)
                    .or_else(|| url.split("/wp-content/uploads/").nth(1).map(str::to_owned))?;
                let p = dir.join(percent_decode(&rel));
                p.starts_with(dir).then_some(p)
            });
            let file = match &local {
                Some(p) => match std::fs::read(p) {
                    Ok(bytes) => Some((p.clone(), bytes)),
                    Err(_) => {
                        summary.warn(
                            "image",
                            item.id,
                            format!("{} is not in the uploads copy", p.display()),
                        );
                        None
                    }
                },
                None => None,
            };
            let processed = match file {
                Some((p, bytes)) => {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    match tokio::task::spawn_blocking(move || {
                        crate::domain::media::process(&name, &bytes)
                    })
                    .await
                    {
                        Ok(Ok(image)) => Some(image),
                        Ok(Err(e)) => {
                            summary.warn(
                                "image",
                                item.id,
                                format!("{url}: {e} Kept on the old site."),
                            );
                            None
                        }
                        Err(_) => {
                            summary.warn(
                                "image",
                                item.id,
                                format!("{url}: could not be read. Kept on the old site."),
                            );
                            None
                        }
                    }
                }
                None => None,
            };
            let id = match (processed, uploader) {
                (Some(image), Some(by)) => {
                    Store::insert_media(tx, image, &alt, &caption, by, now).await?
                }
                _ => {
                    let mime = mime_of(&url);
                    summary.remote_media.push(url.clone());
                    Store::insert_remote_media(tx, &url, &alt, &caption, mime, uploader, now)
                        .await?
                }
            };
            summary.count("images").created += 1;
            let new_url = Store::media_item_in(tx, id)
                .await?
                .map(|m| m.url)
                .unwrap_or_default();
            (id, new_url)
        }
    };
    Store::put_wordpress_id(tx, "attachment", item.id, id).await?;
    let remote = new_url == url;
    // The old file address redirects to the copy here; an image left on the old site keeps
    // only its attachment page's address (its file's would redirect to itself).
    let olds: &[&String] = if remote {
        &[&item.link]
    } else {
        &[&item.link, &url]
    };
    for old in olds {
        if let Some(path) = index.old_path(old)
            && path != "/"
        {
            Store::put_legacy_url(tx, &path, "media", id).await?;
        }
    }
    index
        .media_urls
        .insert(without_scheme(&url).to_owned(), new_url.clone());
    index.media.insert(
        item.id,
        Media {
            id,
            url: new_url,
            alt,
            caption,
            parent: item.parent,
        },
    );
    Ok(())
}

fn mime_of(url: &str) -> &'static str {
    let ext = url.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

fn strip_tags(s: &str) -> String {
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

fn menu_item(item: &Item) -> MenuItem {
    let meta = |k: &str| item.meta(k).unwrap_or("").trim().to_owned();
    MenuItem {
        wp_id: item.id,
        menu_slug: item
            .terms
            .iter()
            .find(|t| t.domain == "nav_menu")
            .map(|t| t.slug.clone())
            .unwrap_or_default(),
        title: item.title.trim().to_owned(),
        order: item.menu_order,
        kind: meta("_menu_item_type"),
        object: meta("_menu_item_object"),
        object_id: meta("_menu_item_object_id").parse().unwrap_or(0),
        url: meta("_menu_item_url"),
        parent: meta("_menu_item_menu_item_parent").parse().unwrap_or(0),
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

/// Resolves shortcodes' attachments and old addresses during the content conversion.
struct Resolver<'a>(&'a Index);

impl Resolve for Resolver<'_> {
    fn attachment(&self, wp_id: i64) -> Option<MediaRef> {
        self.0.media.get(&wp_id).map(|m| MediaRef {
            url: m.url.clone(),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
        })
    }
    fn attached_to(&self, parent: i64) -> Vec<MediaRef> {
        let mut found: Vec<(&i64, &Media)> = self
            .0
            .media
            .iter()
            .filter(|(_, m)| m.parent == parent)
            .collect();
        found.sort_by_key(|(id, _)| **id);
        found
            .into_iter()
            .map(|(_, m)| MediaRef {
                url: m.url.clone(),
                alt: m.alt.clone(),
                caption: m.caption.clone(),
            })
            .collect()
    }
    fn rewrite_url(&self, url: &str) -> Option<String> {
        let bare = without_scheme(url);
        if bare.len() != url.len() {
            if let Some(new) = self.0.media_urls.get(bare) {
                return Some(new.clone());
            }
            // A resized copy (`photo-300x200.jpg`) is the same image.
            if let Some((stem, ext)) = bare.rsplit_once('.')
                && let Some((base, size)) = stem.rsplit_once('-')
                && size.split_once('x').is_some_and(|(w, h)| {
                    w.bytes().all(|b| b.is_ascii_digit()) && h.bytes().all(|b| b.is_ascii_digit())
                })
                && let Some(new) = self.0.media_urls.get(&format!("{base}.{ext}"))
            {
                return Some(new.clone());
            }
            // A file left on the old site stays where it is.
            if bare.contains("/wp-content/uploads/") {
                return None;
            }
            // Another address on the old site: the same path here, which redirects.
            return self.0.old_path(url);
        }
        None
    }
}

/// The HTML of an item's content, converted and sanitized; unknown shortcodes are counted.
fn body_of(item: &Item, index: &Index, summary: &mut Summary) -> SafeHtml {
    let converted = content::convert(&item.content, item.id, &Resolver(index));
    for name in converted.unknown_shortcodes {
        *summary.unknown_shortcodes.entry(name).or_default() += 1;
    }
    // A shortcode that stood alone in a paragraph leaves it empty.
    let html = SafeHtml::sanitize(&converted.html).into_string();
    SafeHtml::from_trusted_storage(html.replace("<p></p>", "").replace("<p> </p>", ""))
}

fn title_of(item: &Item, summary: &mut Summary, kind: &'static str) -> String {
    let title = crate::domain::html::decode_entities(item.title.trim());
    let title = title.trim();
    if title.is_empty() {
        return "(no title)".to_owned();
    }
    if title.chars().count() > MAX_TITLE_LEN {
        summary.warn(
            kind,
            item.id,
            format!("the title was cut to {MAX_TITLE_LEN} characters"),
        );
        return title.chars().take(MAX_TITLE_LEN).collect();
    }
    title.to_owned()
}

fn excerpt_of(item: &Item) -> String {
    crate::domain::html::decode_entities(&strip_tags(&item.excerpt))
        .trim()
        .to_owned()
}

/// A post: created or updated in place, with its comments.
async fn story(
    tx: &mut Tx,
    item: &Item,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(status) = status_of(&item.status) else {
        summary.count("stories").skipped += 1;
        return Ok(());
    };
    let Some(author) = index.user(&item.creator) else {
        summary.count("stories").failed += 1;
        summary.warn(
            "story",
            item.id,
            "it has no author and the export lists none",
        );
        return Ok(());
    };
    if !index.users.contains_key(&item.creator) {
        summary.warn(
            "story",
            item.id,
            format!(
                "its author {:?} is not in the export; credited to the first author",
                item.creator
            ),
        );
    }
    let title = title_of(item, summary, "story");
    let body = body_of(item, index, summary);
    let excerpt = excerpt_of(item);
    let mut category_ids = Vec::new();
    let mut tag_ids = Vec::new();
    for t in &item.terms {
        match t.domain.as_str() {
            "category" | "" => {
                let id = match index.categories.get(&t.slug) {
                    Some(id) => *id,
                    None => {
                        // A section only the item names (WordPress.com leaves some out).
                        let slug = term_slug(&t.slug, &t.name, "section");
                        let existing = Store::categories_in_tx(tx).await?;
                        let id = match existing.iter().find(|c| c.slug == slug.as_str()) {
                            Some(c) => c.id,
                            None => {
                                summary.count("sections").created += 1;
                                let name = if t.name.is_empty() {
                                    slug.as_str()
                                } else {
                                    &t.name
                                };
                                Store::insert_category(
                                    tx,
                                    slug.as_str(),
                                    name,
                                    "",
                                    None,
                                    existing.len() as i32 + 1,
                                )
                                .await?
                            }
                        };
                        index.categories.insert(t.slug.clone(), id);
                        id
                    }
                };
                if !category_ids.contains(&id) {
                    category_ids.push(id);
                }
            }
            "post_tag" | "tag" => {
                let slug = term_slug(&t.slug, &t.name, "tag");
                let name = if t.name.is_empty() {
                    slug.as_str()
                } else {
                    &t.name
                };
                let id = Store::ensure_tag(tx, slug.as_str(), name).await?;
                if !tag_ids.contains(&id) {
                    tag_ids.push(id);
                }
            }
            _ => {}
        }
    }
    if category_ids.len() > super::stories::MAX_SECTIONS {
        summary.warn(
            "story",
            item.id,
            format!(
                "filed in more than {} sections; the first are kept",
                super::stories::MAX_SECTIONS
            ),
        );
        category_ids.truncate(super::stories::MAX_SECTIONS);
    }
    if tag_ids.len() > super::stories::MAX_TAGS {
        summary.warn(
            "story",
            item.id,
            format!(
                "more than {} tags; the first are kept",
                super::stories::MAX_TAGS
            ),
        );
        tag_ids.truncate(super::stories::MAX_TAGS);
    }
    let featured = item
        .meta("_thumbnail_id")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|wp| index.media.get(&wp))
        .map(|m| m.id);
    let published_at = index.time(&item.post_date_gmt, &item.post_date);
    let created_at = published_at.unwrap_or(now);
    let modified = index
        .time(&item.modified_gmt, &item.modified)
        .unwrap_or(created_at);
    let published_at = match status {
        Status::Draft | Status::Pending | Status::Trash
            if item.post_date_gmt.starts_with("0000") =>
        {
            None
        }
        _ => published_at.or(Some(now)),
    };
    let meta = |k: &str| item.meta(k).unwrap_or("").trim().to_owned();
    let source_url = meta("_newsdesk_source_url");
    let source_url = if source_url.starts_with("http://") || source_url.starts_with("https://") {
        source_url
    } else {
        String::new()
    };
    let embargo_until = DateTime::parse_from_rfc3339(&meta("_newsdesk_embargo_until"))
        .ok()
        .map(|t| t.with_timezone(&Utc));
    let comments_open = item.comment_status != "closed";
    let existing = Store::wordpress_id(tx, "post", item.id).await?;
    // WordPress renames a trashed post's slug `NAME__trashed`.
    let post_name = item.post_name.trim_end_matches("__trashed");
    let base = if post_name.is_empty() {
        Slug::from_title(&title, "story")
    } else {
        term_slug(post_name, &title, "story")
    };
    let id = match existing {
        Some(id) if Store::story_exists_in(tx, id).await? => {
            let slug = if Store::slug_taken(tx, base.as_str(), Some(id)).await? {
                let taken = Store::article_slugs_like(tx, &base).await?;
                base.first_free(taken.iter().map(String::as_str))
            } else {
                base
            };
            let author_ids = [author];
            let columns = StoryColumns {
                title: &title,
                slug: slug.as_str(),
                body: body.as_str(),
                excerpt: &excerpt,
                credit_line: &meta("_newsdesk_credit_line"),
                source_agency: &meta("_newsdesk_source_agency"),
                source_url: &source_url,
                embargo_until,
                featured_image_id: featured,
                sticky: item.sticky,
                comment_status: if comments_open { "open" } else { "closed" },
                author_ids: &author_ids,
                category_ids: &category_ids,
                tag_ids: &tag_ids,
            };
            Store::write_story(tx, id, &columns, now).await?;
            Store::set_article_status(tx, id, status, published_at).await?;
            summary.count("stories").updated += 1;
            id
        }
        _ => {
            let taken = Store::article_slugs_like(tx, &base).await?;
            let slug = base.first_free(taken.iter().map(String::as_str));
            let article = NewArticle {
                title: title.clone(),
                slug: Some(slug.clone()),
                body,
                excerpt,
                status,
                published_at,
                author_ids: vec![author],
                category_ids,
                tag_ids,
                credit_line: meta("_newsdesk_credit_line"),
                source_agency: meta("_newsdesk_source_agency"),
                source_url,
                embargo_until,
                featured_image_id: featured,
                sticky: item.sticky,
                comment_status: if comments_open {
                    CommentStatus::Open
                } else {
                    CommentStatus::Closed
                },
            };
            let id = Store::insert_article(tx, &article, &slug, now).await?;
            summary.count("stories").created += 1;
            id
        }
    };
    Store::set_imported_story_details(tx, id, created_at, modified, &item.password).await?;
    Store::put_wordpress_id(tx, "post", item.id, id).await?;
    if let Some(path) = index.old_path(&item.link).filter(|p| p != "/") {
        Store::put_legacy_url(tx, &path, "story", id).await?;
    }
    index.posts.insert(item.id, id);
    comments(tx, item, id, index, summary).await
}

/// A post's comments, threaded as they were.
async fn comments(
    tx: &mut Tx,
    item: &Item,
    story_id: i64,
    index: &Index,
    summary: &mut Summary,
) -> Result<()> {
    let mut local: HashMap<i64, i64> = HashMap::new();
    for c in &item.comments {
        let status = match c.approved.trim() {
            "1" | "approve" | "approved" => "approved",
            "spam" => "spam",
            "trash" | "post-trashed" => "trash",
            _ => "pending",
        };
        let body = comment_text(&c.content);
        if body.trim().is_empty() {
            summary.count("comments").skipped += 1;
            continue;
        }
        let created_at = index.time(&c.date_gmt, &c.date).unwrap_or_else(Utc::now);
        let id = match Store::wordpress_id(tx, "comment", c.id).await? {
            Some(id) if c.id != 0 && Store::comment_exists_in(tx, id).await? => {
                Store::set_imported_comment(tx, id, status, &body, None).await?;
                summary.count("comments").updated += 1;
                id
            }
            _ => {
                let user_id = match c.user_id {
                    0 => None,
                    wp => Store::wordpress_id(tx, "user", wp).await?,
                };
                let email = crate::domain::user::normalize_email(&c.email);
                let author = if c.author.trim().is_empty() {
                    "Anonymous"
                } else {
                    c.author.trim()
                };
                let url = crate::domain::comment::normalize_url(&c.url).unwrap_or_default();
                let token = super::comments::random_token();
                let id = Store::insert_comment(
                    tx,
                    &NewComment {
                        article_id: story_id,
                        parent_id: None,
                        user_id,
                        author_name: author,
                        author_email: &email,
                        author_url: &url,
                        author_ip: c.ip.trim(),
                        user_agent: "",
                        body: &body,
                        status,
                        spam_score: 0,
                        spam_reasons: "",
                        moderation_token: &token,
                        notify_replies: "no",
                        notify_token: "",
                        created_at,
                    },
                )
                .await?;
                summary.count("comments").created += 1;
                id
            }
        };
        if c.id != 0 {
            Store::put_wordpress_id(tx, "comment", c.id, id).await?;
            local.insert(c.id, id);
        }
    }
    for c in item.comments.iter().filter(|c| c.parent != 0) {
        let (Some(id), Some(parent)) = (local.get(&c.id), local.get(&c.parent)) else {
            if local.contains_key(&c.id) {
                summary.warn(
                    "comment",
                    c.id,
                    "its parent is not in the export; shown at the top",
                );
            }
            continue;
        };
        Store::set_comment_parent(tx, *id, Some(*parent)).await?;
    }
    Ok(())
}

/// A WordPress comment's HTML as the plain text Newsdesk keeps (paragraphs by blank lines).
fn comment_text(html: &str) -> String {
    let text = html
        .replace("\r\n", "\n")
        .replace("<br />", "\n")
        .replace("<br>", "\n")
        .replace("</p>", "\n\n");
    crate::domain::html::decode_entities(&strip_tags(&text))
        .trim()
        .to_owned()
}

/// A page: created or updated in place; its parent is set once every page is in.
async fn page(
    tx: &mut Tx,
    by: Actor<'_>,
    item: &Item,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(status) = status_of(&item.status) else {
        summary.count("pages").skipped += 1;
        return Ok(());
    };
    let title = title_of(item, summary, "page");
    let body = body_of(item, index, summary);
    let existing = match Store::wordpress_id(tx, "page", item.id).await? {
        Some(id) if Store::page_in(tx, id).await?.is_some() => Some(id),
        _ => None,
    };
    let post_name = item.post_name.trim_end_matches("__trashed");
    let slug = if post_name.is_empty() {
        String::new()
    } else {
        term_slug(post_name, &title, "page").as_str().to_owned()
    };
    let featured = item
        .meta("_thumbnail_id")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|wp| index.media.get(&wp))
        .map(|m| m.id);
    let input = super::pages::PageInput {
        title,
        slug: slug.clone(),
        body,
        excerpt: excerpt_of(item),
        parent_id: None,
        menu_order: i32::try_from(item.menu_order).unwrap_or(0),
        featured_image_id: featured,
    };
    let saved =
        match super::pages::save_in(tx, by, existing, &input, super::stories::Intent::Save, now)
            .await
        {
            Ok(saved) => saved,
            // An address the site keeps for itself (`feed`, `search` …): one made from the title.
            Err(ActionError::Fields(f)) if f.contains_key("slug") => {
                let input = super::pages::PageInput {
                    slug: String::new(),
                    ..input
                };
                super::pages::save_in(tx, by, existing, &input, super::stories::Intent::Save, now)
                    .await?
            }
            Err(e) => return Err(e),
        };
    let published_at = match status {
        Status::Draft | Status::Pending | Status::Trash
            if item.post_date_gmt.starts_with("0000") =>
        {
            None
        }
        _ => index
            .time(&item.post_date_gmt, &item.post_date)
            .or(Some(now)),
    };
    Store::set_page_status(tx, saved.id, status, published_at).await?;
    let created_at = published_at.unwrap_or(now);
    let modified = index
        .time(&item.modified_gmt, &item.modified)
        .unwrap_or(created_at);
    let author = index.user(&item.creator);
    Store::set_imported_page_details(tx, saved.id, created_at, modified, &item.password, author)
        .await?;
    Store::put_wordpress_id(tx, "page", item.id, saved.id).await?;
    if let Some(path) = index.old_path(&item.link).filter(|p| p != "/") {
        Store::put_legacy_url(tx, &path, "page", saved.id).await?;
    }
    let c = summary.count("pages");
    if existing.is_some() {
        c.updated += 1
    } else {
        c.created += 1
    }
    index.pages.insert(item.id, saved.id);
    if item.parent != 0 {
        index.page_parents.push((item.id, saved.id, item.parent));
    }
    if !item.comments.is_empty() {
        summary.count("comments").skipped += item.comments.len() as u64;
        summary.warn(
            "page",
            item.id,
            format!(
                "{} comments on a page were left out: pages here take no comments",
                item.comments.len()
            ),
        );
    }
    Ok(())
}

/// Every page under its old parent (the export may list a child first).
async fn page_parents(tx: &mut Tx, index: &Index, summary: &mut Summary) -> Result<()> {
    for (wp_id, id, parent_wp) in &index.page_parents {
        let Some(parent) = index.pages.get(parent_wp) else {
            summary.warn(
                "page",
                *wp_id,
                "its parent page is not in the export; placed at the top",
            );
            continue;
        };
        // A parent chain that leads back to the page would be a loop.
        let mut at = *parent_wp;
        let mut looped = false;
        for _ in 0..64 {
            if at == *wp_id {
                looped = true;
                break;
            }
            match index.page_parents.iter().find(|(w, _, _)| *w == at) {
                Some((_, _, p)) => at = *p,
                None => break,
            }
        }
        if looped {
            summary.warn("page", *wp_id, "its parents form a loop; placed at the top");
            continue;
        }
        Store::set_page_parent(tx, *id, Some(*parent)).await?;
    }
    Ok(())
}

/// The export's menus at the header and footer: Newsdesk has those two places, so the menu
/// whose name says header (primary, main, top) goes there, one that says footer (or social)
/// in the footer, and the largest other menu takes the header if none says so. The rest are
/// listed as left out. Entries nest one level here; deeper ones join their top entry.
async fn menus(tx: &mut Tx, index: &Index, summary: &mut Summary) -> Result<()> {
    let size = |slug: &str| {
        index
            .menu_items
            .iter()
            .filter(|m| m.menu_slug == slug)
            .count()
    };
    let named = |words: &[&str]| {
        index.menus.iter().find(|m| {
            let n = format!("{} {}", m.name, m.slug).to_lowercase();
            words.iter().any(|w| n.contains(w)) && size(&m.slug) > 0
        })
    };
    let footer = named(&["footer", "social"]);
    let header = named(&["header", "primary", "main", "top"]).or_else(|| {
        index
            .menus
            .iter()
            .filter(|m| {
                Some(m.slug.as_str()) != footer.map(|f| f.slug.as_str()) && size(&m.slug) > 0
            })
            .max_by_key(|m| size(&m.slug))
    });
    for m in &index.menus {
        let location = if Some(&m.slug) == header.map(|h| &h.slug) {
            "header"
        } else if Some(&m.slug) == footer.map(|f| &f.slug) {
            "footer"
        } else {
            summary.count("menus").skipped += 1;
            summary.warn(
                "menu",
                m.id.unwrap_or(0),
                format!(
                    "{:?} ({} entries) was left out: this site has a header and a footer menu",
                    m.name,
                    size(&m.slug)
                ),
            );
            continue;
        };
        let menu_id = match Store::menu_at(tx, location).await? {
            Some(id) => {
                Store::clear_menu(tx, id).await?;
                summary.count("menus").updated += 1;
                id
            }
            None => {
                summary.count("menus").created += 1;
                Store::insert_menu(tx, location, &m.name).await?
            }
        };
        if let Some(wp) = m.id {
            Store::put_wordpress_id(tx, "menu", wp, menu_id).await?;
        }
        let mut entries: Vec<&MenuItem> = index
            .menu_items
            .iter()
            .filter(|i| i.menu_slug == m.slug)
            .collect();
        entries.sort_by_key(|i| (i.order, i.wp_id));
        let top_of = |start: &MenuItem| -> i64 {
            let (mut top, mut parent) = (start.wp_id, start.parent);
            for _ in 0..16 {
                match entries.iter().find(|e| e.wp_id == parent) {
                    Some(p) => (top, parent) = (p.wp_id, p.parent),
                    None => break,
                }
            }
            top
        };
        let mut placed: HashMap<i64, i64> = HashMap::new();
        let mut positions: HashMap<Option<i64>, i32> = HashMap::new();
        for (n, e) in entries.iter().enumerate() {
            if n >= super::structure::MAX_MENU_ITEMS {
                summary.count("menu entries").skipped += 1;
                summary.warn(
                    "menu entry",
                    e.wp_id,
                    format!(
                        "a menu holds at most {} entries",
                        super::structure::MAX_MENU_ITEMS
                    ),
                );
                continue;
            }
            let (kind, target, url) = match (e.kind.as_str(), e.object.as_str()) {
                ("post_type", "page") => (
                    "page",
                    index.pages.get(&e.object_id).copied(),
                    String::new(),
                ),
                ("post_type", "post") => (
                    "article",
                    index.posts.get(&e.object_id).copied(),
                    String::new(),
                ),
                ("taxonomy", "category") => {
                    let id = Store::wordpress_id(tx, "category", e.object_id).await?;
                    ("category", id, String::new())
                }
                ("taxonomy", "post_tag") => {
                    match Store::wordpress_id(tx, "tag", e.object_id).await? {
                        Some(id) => match Store::tag_slug_in(tx, id).await? {
                            Some(slug) => ("link", Some(0), format!("/tag/{slug}/")),
                            None => ("link", None, String::new()),
                        },
                        None => ("link", None, String::new()),
                    }
                }
                _ => {
                    let url = index.old_path(&e.url).unwrap_or_else(|| e.url.clone());
                    let ok = super::structure::is_safe_link(&url);
                    ("link", ok.then_some(0), url)
                }
            };
            let Some(target) = target else {
                summary.count("menu entries").skipped += 1;
                summary.warn(
                    "menu entry",
                    e.wp_id,
                    format!("{:?} points at something not imported", e.title),
                );
                continue;
            };
            let label = if kind == "link" && e.title.is_empty() {
                url.clone()
            } else {
                e.title.clone()
            };
            let parent = if e.parent == 0 {
                None
            } else {
                placed.get(&top_of(e)).copied()
            };
            let pos = positions.entry(parent).or_default();
            let target = (kind != "link").then_some(target);
            let id = Store::insert_menu_item(tx, menu_id, *pos, &label, kind, target, &url).await?;
            *pos += 1;
            if parent.is_some() {
                Store::set_menu_item_parent(tx, id, parent).await?;
            } else {
                placed.insert(e.wp_id, id);
            }
            Store::put_wordpress_id(tx, "menu_item", e.wp_id, id).await?;
            summary.count("menu entries").created += 1;
        }
    }
    Ok(())
}
