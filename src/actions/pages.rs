//! Static pages (About, Contact, Privacy, Corrections policy): saving from the editor with a
//! change of state, deleting for good, restoring a revision.
//!
//! As in WordPress, editors and administrators manage every page and authors and
//! contributors none (`Capability::ManagePages`); every action checks the actor, so the
//! demo, the command line and the admin share one write path.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::audit::{self, Event};
use super::stories::Intent;
use super::{ActionError, Actor, Result};
use crate::domain::article::{MAX_TITLE_LEN, Status};
use crate::domain::audit::AuditAction;
use crate::domain::html::SafeHtml;
use crate::domain::slug::Slug;
use crate::domain::user::Capability;
use crate::store::desk::RevisionOf;
use crate::store::dialect::Tx;
use crate::store::pages::{PageColumns, PageRecord, trail_of};
use crate::store::{Store, purge};

/// First path segments that belong to the site's own routes (`web/mod.rs`, the admin, old
/// WordPress addresses), so a page can never take one. Years (all digits) are refused too.
pub const RESERVED_PAGE_SLUGS: &[&str] = &[
    "admin",
    "author",
    "category",
    "comments",
    "favicon",
    "feed",
    "healthz",
    "media",
    "news-sitemap",
    "page",
    "robots",
    "search",
    "sitemap",
    "sitemap-index",
    "sitemaps",
    "static",
    "tag",
    "wp-admin",
    "wp-comments-post",
    "wp-content",
    "wp-includes",
    "wp-json",
    "wp-login",
    "wp-sitemap",
    "xmlrpc",
];

/// What the page editor sends, parsed but not yet checked.
#[derive(Debug, Clone, Default)]
pub struct PageInput {
    pub title: String,
    /// Empty: made from the title.
    pub slug: String,
    pub body: SafeHtml,
    pub excerpt: String,
    pub parent_id: Option<i64>,
    pub menu_order: i32,
    pub featured_image_id: Option<i64>,
    /// The post password (visibility "Password protected" when not empty).
    pub password: String,
    /// Whether readers may comment (WordPress's "Allow comments"); pages start closed.
    pub comments_open: bool,
    /// The page's version the form was filled from (`store::versions`): a save over a newer
    /// version is refused with [`ActionError::Stale`]. None only for callers that mean "the
    /// page as it is now"; the editor always sends it.
    pub base_version: Option<i64>,
}

impl PageInput {
    /// The input that would save a page as it stands.
    pub fn of(page: PageRecord) -> PageInput {
        PageInput {
            base_version: Some(page.version),
            title: page.title,
            slug: page.slug,
            body: SafeHtml::from_trusted_storage(page.body),
            excerpt: page.excerpt,
            parent_id: page.parent_id,
            menu_order: page.menu_order,
            featured_image_id: page.featured_image_id,
            password: page.password,
            comments_open: page.comment_status == crate::domain::article::CommentStatus::Open,
        }
    }
}

/// The outcome of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub status: Status,
}

fn not_found() -> ActionError {
    ActionError::NotFound("No such page.".into())
}

fn refuse(by: Actor<'_>) -> Result<()> {
    by.require(Capability::ManagePages)
        .map_err(|_| ActionError::Forbidden("Your role does not allow managing pages.".into()))
}

/// Loads a page for someone who may manage pages.
pub async fn editable(store: &Store, by: Actor<'_>, id: i64) -> Result<PageRecord> {
    refuse(by)?;
    store.page(id).await?.ok_or_else(not_found)
}

/// Whether `slug` may be a page's address segment at all.
pub fn slug_error(slug: &Slug) -> Option<String> {
    let s = slug.as_str();
    if RESERVED_PAGE_SLUGS.contains(&s) || s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "“{s}” is reserved for the site's own addresses; choose another."
        ));
    }
    None
}

/// Checks the fields, all at once, so the form can show every problem.
pub fn check(input: &PageInput) -> Result<Option<Slug>> {
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    if input.password.trim().chars().count() > super::stories::MAX_PASSWORD_LEN {
        errors.insert(
            "post_password",
            format!(
                "A password may have at most {} characters.",
                super::stories::MAX_PASSWORD_LEN
            ),
        );
    }
    let title = input.title.trim();
    if title.is_empty() {
        errors.insert("title", "A page needs a title.".into());
    } else if title.chars().count() > MAX_TITLE_LEN {
        errors.insert(
            "title",
            format!("A title may have at most {MAX_TITLE_LEN} characters."),
        );
    }
    let slug = if input.slug.trim().is_empty() {
        None
    } else {
        match Slug::parse(input.slug.trim()) {
            Ok(s) => {
                if let Some(m) = slug_error(&s) {
                    errors.insert("slug", m);
                }
                Some(s)
            }
            Err(e) => {
                errors.insert("slug", e.to_string());
                None
            }
        }
    };
    if input.excerpt.chars().count() > 1000 {
        errors.insert(
            "excerpt",
            "An excerpt may have at most 1,000 characters.".into(),
        );
    }
    if errors.is_empty() {
        Ok(slug)
    } else {
        Err(ActionError::Fields(errors))
    }
}

fn field(name: &'static str, message: impl Into<String>) -> ActionError {
    ActionError::Fields(BTreeMap::from([(name, message.into())]))
}

/// Saves the editor's form (creating the page when `id` is `None`) and applies the intent.
/// Pages are published at once: they have no schedule, embargo or review queue of their own
/// (`Intent::Submit` keeps a page pending for another editor's look).
pub async fn save(
    store: &Store,
    by: Actor<'_>,
    id: Option<i64>,
    input: &PageInput,
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<Saved> {
    refuse(by)?;
    let mut tx = store.begin().await?;
    let before = match id {
        Some(id) => Store::page_in(&mut tx, id).await?,
        None => None,
    };
    let saved = save_in(&mut tx, by, id, input, intent, now).await?;
    let after = Store::page_in(&mut tx, saved.id).await?;
    match purge_keys(saved.id, before.as_ref(), after.as_ref()) {
        Some(keys) => tx.touch(keys),
        None => tx.touch_everything(),
    }
    tx.commit().await?;
    Ok(saved)
}

/// What a page's save changes for readers (see `store::purge`): nothing public for a page that
/// is and stays unpublished; its own page (and the menus and sub-pages' trails naming it) and
/// the pages' sitemap for an edit of its text, title or image; everything (`None`) when it
/// enters or leaves the site, or its address, place in the tree or password changes.
fn purge_keys(
    id: i64,
    before: Option<&PageRecord>,
    after: Option<&PageRecord>,
) -> Option<Vec<String>> {
    let public = |p: Option<&PageRecord>| {
        p.is_some_and(|p| matches!(p.status, Status::Published | Status::Scheduled))
    };
    let mut keys = vec![purge::page(id)];
    if !public(before) && !public(after) {
        return Some(keys);
    }
    let (Some(b), Some(a)) = (before, after) else {
        return None;
    };
    if b.status != a.status
        || b.slug != a.slug
        || b.parent_id != a.parent_id
        || b.menu_order != a.menu_order
        || b.password != a.password
        || b.published_at != a.published_at
    {
        return None;
    }
    keys.push(purge::PAGES.to_owned());
    Some(keys)
}

/// [`save`] in the caller's transaction (the demo writes its whole site in one).
pub async fn save_in(
    tx: &mut Tx,
    by: Actor<'_>,
    id: Option<i64>,
    input: &PageInput,
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<Saved> {
    refuse(by)?;
    // One writer of the tree at a time, so two moves at once cannot make a loop.
    crate::store::dialect::lock(tx, "pages:tree").await?;
    let current = match id {
        Some(id) => Some(Store::page_in(tx, id).await?.ok_or_else(not_found)?),
        None => None,
    };
    let requested = check(input)?;
    let user_id = match by {
        Actor::Staff(s) => Some(s.id),
        Actor::Operator => None,
    };
    // The next version, if the page is still at the one the save was based on (or, for "as it
    // is now", the one just read); nothing is written otherwise.
    let version = match &current {
        Some(page) => {
            let base = input.base_version.unwrap_or(page.version);
            Store::claim_version(tx, RevisionOf::Page(page.id), user_id, base)
                .await?
                .ok_or(ActionError::Stale { base_version: base })?
        }
        None => 1,
    };
    let status = current.as_ref().map(|p| p.status).unwrap_or(Status::Draft);
    let current_time = current.as_ref().and_then(|p| p.published_at);
    let (new_status, published_at) = match intent {
        Intent::Publish => (Status::Published, Some(current_time.unwrap_or(now))),
        Intent::Save if status == Status::Scheduled => (Status::Published, current_time),
        Intent::Save => (status, current_time),
        Intent::Submit => {
            if !matches!(status, Status::Draft | Status::Pending) {
                return Err(ActionError::Conflict(
                    "Only a draft can be submitted for review.".into(),
                ));
            }
            (Status::Pending, current_time)
        }
        Intent::Unpublish => (Status::Draft, current_time),
        Intent::MakePrivate => (Status::Private, current_time.or(Some(now))),
        Intent::Trash => (Status::Trash, current_time),
        Intent::Restore => {
            if status != Status::Trash {
                return Err(ActionError::Conflict(
                    "Only a page in the trash can be restored.".into(),
                ));
            }
            (Status::Draft, current_time)
        }
    };
    let base = requested.clone().unwrap_or_else(|| match &current {
        Some(p) => Slug::parse(&p.slug).unwrap_or_else(|_| Slug::from_title(&input.title, "page")),
        None => Slug::from_title(&input.title, "page"),
    });

    let nodes = Store::page_nodes_in(tx).await?;
    if let Some(parent) = input.parent_id {
        let Some(node) = nodes.iter().find(|n| n.id == parent) else {
            return Err(field("parent_id", "That parent page no longer exists."));
        };
        let trail = trail_of(&nodes, node.id);
        if id.is_some_and(|me| trail.iter().any(|n| n.id == me)) {
            return Err(field(
                "parent_id",
                "A page cannot be its own parent, nor sit under one of its own sub-pages.",
            ));
        }
        if node.status == Status::Trash {
            return Err(field("parent_id", "That parent page is in the trash."));
        }
    }
    // A typed address must be free; one made from the title takes the first free `-N`, and
    // never one of the site's own addresses.
    let taken = |slug: &str| nodes.iter().any(|n| n.slug == slug && Some(n.id) != id);
    let keeps_own = current.as_ref().is_some_and(|p| p.slug == base.as_str());
    let slug = if requested.is_some() && !keeps_own {
        if taken(base.as_str()) {
            return Err(field("slug", "Another page already uses this address."));
        }
        base
    } else if taken(base.as_str()) || (!keeps_own && slug_error(&base).is_some()) {
        let others = nodes.iter().filter(|n| Some(n.id) != id);
        base.first_free(
            others
                .map(|n| n.slug.as_str())
                .chain(RESERVED_PAGE_SLUGS.iter().copied()),
        )
    } else {
        base
    };
    if let Some(m) = slug_error(&slug).filter(|_| !keeps_own) {
        return Err(field("slug", m));
    }
    let columns = PageColumns {
        title: input.title.trim(),
        slug: slug.as_str(),
        body: input.body.as_str(),
        excerpt: input.excerpt.trim(),
        parent_id: input.parent_id,
        menu_order: input.menu_order,
        featured_image_id: input.featured_image_id,
        password: input.password.trim(),
    };
    let written = match id {
        Some(id) => Store::write_page(tx, id, &columns, now).await.map(|()| id),
        None => Store::insert_page(tx, &columns, user_id, now).await,
    };
    let page_id = written.map_err(|e| match e {
        e if e.is_conflict_on("pages_slug_key") => {
            field("slug", "Another page already uses this address.")
        }
        crate::store::StoreError::MissingReference(_) => field(
            "featured_image_id",
            "That image or parent page no longer exists; reload the page.",
        ),
        e => ActionError::Store(e),
    })?;
    Store::set_page_status(tx, page_id, new_status, published_at).await?;
    let comment_status = if input.comments_open {
        crate::domain::article::CommentStatus::Open
    } else {
        crate::domain::article::CommentStatus::Closed
    };
    Store::set_page_comment_status(tx, page_id, comment_status).await?;
    Store::record_revision_of(
        tx,
        RevisionOf::Page(page_id),
        user_id,
        (columns.title, columns.excerpt, columns.body),
        (version, now),
    )
    .await?;
    Ok(Saved {
        id: page_id,
        status: new_status,
    })
}

/// Deletes a page in the trash for good, with its revisions; its sub-pages move up a level.
pub async fn delete_forever(store: &Store, by: Actor<'_>, id: i64) -> Result<()> {
    let page = editable(store, by, id).await?;
    if page.status != Status::Trash {
        return Err(ActionError::Conflict(
            "Move the page to the trash first.".into(),
        ));
    }
    let mut tx = store.begin().await?;
    crate::store::dialect::lock(&mut tx, "pages:tree").await?;
    if !Store::delete_page(&mut tx, id).await? {
        return Err(not_found());
    }
    let event = Event::new(
        AuditAction::PageDelete,
        format!("page {id} {:?}", page.title),
    );
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a revision's text back into the page (itself recorded as a new revision). A save like
/// any other: `base_version` is the page's version the person compared the revision with, and
/// a page saved since refuses the restore with [`ActionError::Stale`].
pub async fn restore_revision(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    revision_id: i64,
    base_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Saved> {
    let page = editable(store, by, id).await?;
    let revision = store
        .revisions_of(RevisionOf::Page(id))
        .await?
        .into_iter()
        .find(|r| r.id == revision_id)
        .ok_or_else(|| ActionError::NotFound("No such revision of this page.".into()))?;
    let input = PageInput {
        title: revision.title,
        body: SafeHtml::from_trusted_storage(revision.body),
        excerpt: revision.excerpt,
        base_version: base_version.or(Some(page.version)),
        ..PageInput::of(page)
    };
    save(store, by, Some(id), &input, Intent::Save, now).await
}

/// Changes the state of several pages; returns how many changed and how many could not.
///
/// As with stories (`stories::bulk`), a bulk action changes states, not text: it is not checked
/// against the version the list showed; each page is saved as just read, guarded by the
/// version read ([`PageInput::of`]), and read again when someone saved it in between, so the
/// action never writes back an older text.
pub async fn bulk(
    store: &Store,
    by: Actor<'_>,
    ids: &[i64],
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<(usize, usize)> {
    refuse(by)?;
    let (mut done, mut refused) = (0, 0);
    for &id in ids.iter().take(500) {
        let mut outcome = None;
        for _ in 0..5 {
            let Some(page) = store.page(id).await? else {
                break;
            };
            match save(store, by, Some(id), &PageInput::of(page), intent, now).await {
                Err(ActionError::Stale { .. }) => continue,
                other => {
                    outcome = Some(other);
                    break;
                }
            }
        }
        match outcome {
            Some(Ok(_)) => done += 1,
            None
            | Some(Err(
                ActionError::Conflict(_) | ActionError::Fields(_) | ActionError::NotFound(_),
            )) => refused += 1,
            Some(Err(e)) => return Err(e),
        }
    }
    Ok((done, refused))
}
