//! The story editor's actions: saving with a change of state, autosave, the edit lock,
//! revisions, and the job that publishes scheduled stories at their time.
//!
//! Who may do what follows WordPress (see [`Staff::can_edit_story`] and
//! [`Staff::can_publish_story`]); a refused action changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::audit::{self, Event};
use super::{ActionError, Actor, Result};
use crate::domain::article::{CommentStatus, MAX_TITLE_LEN, Status};
use crate::domain::audit::AuditAction;
use crate::domain::html::SafeHtml;
use crate::domain::slug::Slug;
use crate::domain::user::{Capability, Staff};
use crate::store::desk::{RevisionOf, StoryColumns, StoryLinks, StoryRecord};
use crate::store::{Store, purge};

/// An edit lock not renewed for this long has lapsed (the editor renews it with each autosave).
pub const LOCK_LAPSES_AFTER: Duration = Duration::minutes(2);
/// The most tags one story carries.
pub const MAX_TAGS: usize = 50;
/// The most sections one story is filed in.
pub const MAX_SECTIONS: usize = 20;
/// The longest post password (WordPress's column holds 255 characters).
pub const MAX_PASSWORD_LEN: usize = 255;

/// What the editor sends, parsed but not yet checked.
#[derive(Debug, Clone, Default)]
pub struct StoryInput {
    pub title: String,
    /// Empty: made from the headline.
    pub slug: String,
    pub body: SafeHtml,
    pub excerpt: String,
    pub author_ids: Vec<i64>,
    /// The first is the primary section.
    pub category_ids: Vec<i64>,
    pub tag_names: Vec<String>,
    pub credit_line: String,
    pub source_agency: String,
    pub source_url: String,
    pub embargo_until: Option<DateTime<Utc>>,
    /// When to publish; empty means now (or, for a published story, when it was published).
    pub publish_at: Option<DateTime<Utc>>,
    pub featured_image_id: Option<i64>,
    pub sticky: bool,
    pub comments_open: bool,
    /// The post password (visibility "Password protected" when not empty); `None` keeps the
    /// story's current one. Only people who may publish the story change it.
    pub password: Option<String>,
    /// The story's version the form was filled from (`store::versions`): a save over a newer
    /// version is refused with [`ActionError::Stale`]. None only for callers that mean "the
    /// story as it is now" (the version `save` itself reads is then the guard); the editor
    /// always sends it.
    pub base_version: Option<i64>,
}

/// What the person asked for with the button they pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Save, keeping a draft a draft and a published story published.
    Save,
    /// Draft → pending review.
    Submit,
    /// Publish now, or schedule when the time is in the future.
    Publish,
    /// Back to draft, off the site.
    Unpublish,
    /// Published, but only for the newsroom.
    MakePrivate,
    Trash,
    /// Out of the trash, as a draft.
    Restore,
}

impl Intent {
    pub fn parse(s: &str) -> Option<Intent> {
        Some(match s {
            "save" => Intent::Save,
            "submit" => Intent::Submit,
            "publish" => Intent::Publish,
            "unpublish" => Intent::Unpublish,
            "private" => Intent::MakePrivate,
            "trash" => Intent::Trash,
            "restore" => Intent::Restore,
            _ => return None,
        })
    }

    /// The form value that asks for this intent (the inverse of [`Intent::parse`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Save => "save",
            Intent::Submit => "submit",
            Intent::Publish => "publish",
            Intent::Unpublish => "unpublish",
            Intent::MakePrivate => "private",
            Intent::Trash => "trash",
            Intent::Restore => "restore",
        }
    }
}

/// The outcome of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
}

fn forbidden() -> ActionError {
    ActionError::Forbidden("Your role does not allow this for this story.".into())
}

fn not_found() -> ActionError {
    ActionError::NotFound("No such story.".into())
}

/// Loads a story and checks the person may edit it (and so see it in the admin).
pub async fn editable(store: &Store, me: &Staff, id: i64) -> Result<(StoryRecord, StoryLinks)> {
    let story = store.story(id).await?.ok_or_else(not_found)?;
    let links = store.story_links(id).await?;
    let status = story.status;
    if !me.can_edit_story(&links.author_ids, status) {
        return Err(forbidden());
    }
    Ok((story, links))
}

impl StoryInput {
    /// The editor's input that would save a story as it stands.
    pub fn of(story: StoryRecord, links: StoryLinks) -> StoryInput {
        StoryInput {
            base_version: Some(story.version),
            comments_open: story.comment_status == CommentStatus::Open,
            title: story.title,
            slug: story.slug,
            body: SafeHtml::from_trusted_storage(story.body),
            excerpt: story.excerpt,
            author_ids: links.author_ids,
            category_ids: links.category_ids,
            tag_names: links.tag_names,
            credit_line: story.credit_line,
            source_agency: story.source_agency,
            source_url: story.source_url,
            embargo_until: story.embargo_until,
            publish_at: story.published_at,
            featured_image_id: story.featured_image_id,
            sticky: story.sticky,
            password: Some(story.password),
        }
    }
}

/// Checks the fields, all at once, so the form can show every problem.
pub fn check(input: &StoryInput, me: &Staff) -> Result<Option<Slug>> {
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    if input
        .password
        .as_deref()
        .is_some_and(|p| p.trim().chars().count() > MAX_PASSWORD_LEN)
    {
        errors.insert(
            "post_password",
            format!("A password may have at most {MAX_PASSWORD_LEN} characters."),
        );
    }
    let title = input.title.trim();
    if title.is_empty() {
        errors.insert("title", "A story needs a headline.".into());
    } else if title.chars().count() > MAX_TITLE_LEN {
        errors.insert(
            "title",
            format!("A headline may have at most {MAX_TITLE_LEN} characters."),
        );
    }
    let slug = if input.slug.trim().is_empty() {
        None
    } else {
        match Slug::parse(input.slug.trim()) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.insert("slug", e.to_string());
                None
            }
        }
    };
    if input.author_ids.is_empty() {
        errors.insert("authors", "A story needs at least one author.".into());
    } else if !me.can(Capability::EditOthers) && !input.author_ids.contains(&me.id) {
        errors.insert(
            "authors",
            "You must stay on the byline of your own story.".into(),
        );
    }
    let mut sections = input.category_ids.clone();
    sections.sort_unstable();
    sections.dedup();
    if sections.len() > MAX_SECTIONS {
        errors.insert(
            "sections",
            format!(
                "A story may be filed in at most {MAX_SECTIONS} sections; {} are ticked.",
                sections.len()
            ),
        );
    }
    let mut tags: Vec<String> = input
        .tag_names
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| Slug::from_title(t, "tag").as_str().to_owned())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    if tags.len() > MAX_TAGS {
        errors.insert(
            "tags",
            format!(
                "A story may have at most {MAX_TAGS} tags; {} are given.",
                tags.len()
            ),
        );
    }
    let url = input.source_url.trim();
    if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
        errors.insert(
            "source_url",
            "Enter an address starting with http:// or https://.".into(),
        );
    }
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

/// Saves the editor's form (creating the story when `id` is `None`) and applies the intent.
pub async fn save(
    store: &Store,
    me: &Staff,
    id: Option<i64>,
    input: &StoryInput,
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<Saved> {
    if !me.can(Capability::WriteDrafts) {
        return Err(forbidden());
    }
    let (current, old_links) = match id {
        Some(id) => {
            let (story, links) = editable(store, me, id).await?;
            (Some(story), Some(links))
        }
        None => (None, None),
    };
    let old_authors = old_links
        .as_ref()
        .map(|l| l.author_ids.clone())
        .unwrap_or_default();
    // The version this save replaces: the form's, or (for "as it is now") the one just read,
    // so that what is decided below from `current` is never decided on a stale read either.
    let base_version = current
        .as_ref()
        .map(|c| input.base_version.unwrap_or(c.version));
    if let (Some(c), Some(base)) = (&current, base_version)
        && c.version != base
    {
        return Err(ActionError::Stale { base_version: base });
    }
    let requested_slug = check(input, me)?;
    let status = current.as_ref().map(|s| s.status).unwrap_or(Status::Draft);
    // Publishing rights are judged on the byline before and after the edit, so nobody can
    // publish a colleague's story by adding themselves to it.
    let may_publish = if current.is_some() {
        me.can_publish_story(&old_authors) && me.can_publish_story(&input.author_ids)
    } else {
        me.can_publish_story(&input.author_ids)
    };
    let live = matches!(
        status,
        Status::Published | Status::Scheduled | Status::Private
    );
    let needs_publish_right = match intent {
        Intent::Publish | Intent::Unpublish | Intent::MakePrivate => true,
        Intent::Save => live,
        Intent::Trash => live,
        Intent::Submit | Intent::Restore => false,
    };
    if needs_publish_right && !may_publish {
        return Err(forbidden());
    }

    // Where the story ends up, and when it is dated.
    let current_time = current.as_ref().and_then(|s| s.published_at);
    let (new_status, published_at) = match intent {
        Intent::Publish => {
            let at = input
                .publish_at
                .or(current_time.filter(|_| live))
                .unwrap_or(now);
            (
                if at > now {
                    Status::Scheduled
                } else {
                    Status::Published
                },
                Some(at),
            )
        }
        Intent::Save if matches!(status, Status::Published | Status::Scheduled) => {
            let at = input.publish_at.or(current_time).unwrap_or(now);
            (
                if at > now {
                    Status::Scheduled
                } else {
                    Status::Published
                },
                Some(at),
            )
        }
        Intent::Save => (status, input.publish_at.or(current_time)),
        Intent::Submit => (Status::Pending, input.publish_at.or(current_time)),
        Intent::Unpublish => (Status::Draft, current_time),
        Intent::MakePrivate => (Status::Private, current_time.or(Some(now))),
        Intent::Trash => (Status::Trash, current_time),
        Intent::Restore => {
            if status != Status::Trash {
                return Err(ActionError::Conflict(
                    "Only a story in the trash can be restored.".into(),
                ));
            }
            (Status::Draft, current_time)
        }
    };
    if intent == Intent::Submit && !matches!(status, Status::Draft | Status::Pending) {
        return Err(ActionError::Conflict(
            "Only a draft can be submitted for review.".into(),
        ));
    }
    if matches!(new_status, Status::Published | Status::Scheduled)
        && let (Some(embargo), Some(at)) = (input.embargo_until, published_at)
        && at < embargo
    {
        let mut errors = BTreeMap::new();
        errors.insert(
            "publish_at",
            "This story is under embargo: schedule it for the end of the embargo or later."
                .to_owned(),
        );
        return Err(ActionError::Fields(errors));
    }

    let plan = Plan {
        id,
        may_publish,
        base_version,
        current: current.as_ref(),
        links: old_links.as_ref(),
        requested_slug: requested_slug.as_ref(),
        status: new_status,
        published_at,
    };
    // The slug is chosen under a lock on its base; a writer taking it under another base (a
    // typed `x-2`) makes the loser retry, with the slug chosen again.
    let mut last = None;
    for _ in 0..super::articles::SLUG_RETRIES {
        let mut tx = store.begin().await?;
        match write(&mut tx, me, input, &plan, now).await {
            Ok(story_id) => {
                tx.commit().await?;
                return Ok(Saved {
                    id: story_id,
                    status: new_status,
                    published_at,
                });
            }
            Err(ActionError::Store(e)) if e.is_conflict_on("articles_slug_key") => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.map_or_else(
        || ActionError::Conflict("slug: no free slug".into()),
        ActionError::Store,
    ))
}

/// Where a checked save goes: the story (none when new), its state and time.
struct Plan<'a> {
    id: Option<i64>,
    /// Whether the person may publish this story (and so set its password).
    may_publish: bool,
    /// The version the save replaces (None for a new story).
    base_version: Option<i64>,
    current: Option<&'a StoryRecord>,
    /// The current story's bylines, sections and tags.
    links: Option<&'a StoryLinks>,
    requested_slug: Option<&'a Slug>,
    status: Status,
    published_at: Option<DateTime<Utc>>,
}

/// Writes a checked save in the caller's transaction; returns the story's id.
async fn write(
    tx: &mut crate::store::Tx,
    me: &Staff,
    input: &StoryInput,
    plan: &Plan<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (id, current, requested_slug) = (plan.id, plan.current, plan.requested_slug);
    let (new_status, published_at) = (plan.status, plan.published_at);
    // First of all, and in the same transaction as the write: the next version, if the story is
    // still at the one the save was based on. Nothing is written otherwise.
    let version = match (id, plan.base_version) {
        (Some(id), Some(base)) => {
            Store::claim_version(tx, RevisionOf::Story(id), Some(me.id), base)
                .await?
                .ok_or(ActionError::Stale { base_version: base })?
        }
        _ => 1,
    };
    let base = requested_slug.cloned().unwrap_or_else(|| match current {
        Some(s) => Slug::parse(&s.slug).unwrap_or_else(|_| Slug::from_title(&input.title, "story")),
        None => Slug::from_title(&input.title, "story"),
    });
    // Taken before the check, so writers of one base take turns (see `article_slugs_like`).
    Store::lock_article_slug(tx, &base).await?;
    let slug = if Store::slug_taken(tx, base.as_str(), id).await? {
        if requested_slug.is_some() && current.is_none_or(|s| s.slug != base.as_str()) {
            let mut errors = BTreeMap::new();
            errors.insert(
                "slug",
                "Another story already uses this address.".to_owned(),
            );
            return Err(ActionError::Fields(errors));
        }
        let taken = Store::article_slugs_like(tx, &base).await?;
        base.first_free(taken.iter().map(String::as_str))
    } else {
        base
    };
    let mut tag_ids = Vec::new();
    for name in &input.tag_names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        // The tag of that name if there is one (a renamed tag keeps its old slug, and a tag
        // may have been given a slug of its own), else a new one.
        let id = match Store::tag_id_by_name(tx, name).await? {
            Some(id) => id,
            None => {
                let tag_slug = Slug::from_title(name, "tag");
                Store::ensure_tag(tx, tag_slug.as_str(), name).await?
            }
        };
        if !tag_ids.contains(&id) {
            tag_ids.push(id);
        }
    }
    let mut category_ids = input.category_ids.clone();
    category_ids.dedup();
    let mut author_ids = input.author_ids.clone();
    author_ids.dedup();
    let columns = StoryColumns {
        title: input.title.trim(),
        slug: slug.as_str(),
        body: input.body.as_str(),
        excerpt: input.excerpt.trim(),
        credit_line: input.credit_line.trim(),
        source_agency: input.source_agency.trim(),
        source_url: input.source_url.trim(),
        embargo_until: input.embargo_until,
        featured_image_id: input.featured_image_id,
        // Only editors and administrators choose the front page's lead (as in WordPress):
        // anyone else keeps the story's current value whatever the form says.
        sticky: if me.can(Capability::EditOthers) {
            input.sticky
        } else {
            current.is_some_and(|s| s.sticky)
        },
        // A password hides the text from readers, a publishing decision (WordPress's
        // visibility): anyone else keeps the story's current password whatever the form says.
        password: match (&input.password, plan.may_publish) {
            (Some(p), true) => p.trim(),
            _ => current.map_or("", |s| s.password.as_str()),
        },
        comment_status: if input.comments_open {
            "open"
        } else {
            "closed"
        },
        author_ids: &author_ids,
        category_ids: &category_ids,
        tag_ids: &tag_ids,
    };
    let result = match id {
        Some(id) => Store::write_story(tx, id, &columns, now).await.map(|()| id),
        None => Store::insert_story(tx, &columns, now).await,
    };
    let story_id = result.map_err(|e| match e {
        crate::store::StoreError::MissingReference(_) => ActionError::invalid(
            "authors",
            "an author, section, tag or image no longer exists; reload the page",
        ),
        e => ActionError::Store(e),
    })?;
    Store::set_article_status(tx, story_id, new_status, published_at).await?;
    Store::record_revision(
        tx,
        story_id,
        Some(me.id),
        columns.title,
        columns.excerpt,
        columns.body,
        (version, now),
    )
    .await?;
    Store::drop_autosave(tx, story_id, me.id).await?;
    tx.touch(purge_keys(story_id, input, plan, &columns));
    Ok(story_id)
}

/// What a save changes for readers (see `store::purge`): nothing public for a story that is
/// and stays unpublished; else the story (its page and every teaser, feed entry and menu
/// entry showing it) and what depends on every story's text and dates (search results,
/// sitemaps); and the lists too when it enters or leaves them or may move in them or between
/// them: its state, date, address, lead place, sections, tags or bylines changed.
fn purge_keys(id: i64, input: &StoryInput, plan: &Plan<'_>, columns: &StoryColumns) -> Vec<String> {
    let public = |s: Status| matches!(s, Status::Published | Status::Scheduled);
    let mut keys = vec![purge::story(id)];
    let was_public = plan.current.is_some_and(|c| public(c.status));
    if !was_public && !public(plan.status) {
        return keys;
    }
    keys.push(purge::STORIES.to_owned());
    let names = |names: &[String]| -> BTreeSet<String> {
        names
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect()
    };
    let sorted = |ids: &[i64]| -> BTreeSet<i64> { ids.iter().copied().collect() };
    let moved = match (plan.current, plan.links) {
        (Some(c), Some(l)) => {
            c.status != plan.status
                || c.published_at != plan.published_at
                || c.slug != columns.slug
                || c.sticky != columns.sticky
                || sorted(&l.author_ids) != sorted(columns.author_ids)
                || sorted(&l.category_ids) != sorted(columns.category_ids)
                || names(&l.tag_names) != names(&input.tag_names)
        }
        _ => true,
    };
    if moved {
        keys.push(purge::LISTS.to_owned());
    }
    keys
}

/// Deletes a story in the trash for good, with its comments and revisions.
pub async fn delete_forever(store: &Store, me: &Staff, id: i64) -> Result<()> {
    let (story, authors) = editable(store, me, id).await?;
    if story.status != Status::Trash {
        return Err(ActionError::Conflict(
            "Move the story to the trash first.".into(),
        ));
    }
    if !me.can(Capability::EditOthers) && !authors.author_ids.contains(&me.id) {
        return Err(forbidden());
    }
    let mut tx = store.begin().await?;
    if !Store::delete_article(&mut tx, id).await? {
        return Err(ActionError::NotFound("No such story.".into()));
    }
    let event = Event::new(
        AuditAction::StoryDelete,
        format!("story {id} {:?}", story.title),
    );
    audit::record(&mut tx, Actor::Staff(me), event).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the state of several stories; returns how many changed. Stories the person may not
/// change are skipped and counted apart.
///
/// A bulk action changes states, not text, so it is not checked against the version the list
/// showed: "publish these" means these stories as they are now, and a story edited since the
/// list was drawn is published with its new text (the list shows headlines, not what would be
/// overwritten). What must not happen is the action writing back an older text: each story is
/// saved as just read, guarded by the version read ([`StoryInput::of`]), and read again when
/// someone saved it in between, a few times at most.
pub async fn bulk(
    store: &Store,
    me: &Staff,
    ids: &[i64],
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<(usize, usize)> {
    const ATTEMPTS: usize = 5;
    let (mut done, mut refused) = (0, 0);
    for &id in ids.iter().take(500) {
        let mut outcome = None;
        for _ in 0..ATTEMPTS {
            let Ok((story, links)) = editable(store, me, id).await else {
                break;
            };
            let input = StoryInput::of(story, links);
            match save(store, me, Some(id), &input, intent, now).await {
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
                ActionError::Forbidden(_)
                | ActionError::Conflict(_)
                | ActionError::Fields(_)
                | ActionError::NotFound(_),
            )) => refused += 1,
            Some(Err(e)) => return Err(e),
        }
    }
    Ok((done, refused))
}

/// What an autosave reports back to the editor.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AutosaveOutcome {
    pub id: i64,
    pub saved_at: DateTime<Utc>,
    /// Someone else has the story open.
    pub lock_holder: Option<String>,
    /// The version of a story this autosave created (its first save), for the form to save
    /// from; None when the story existed.
    pub created_version: Option<i64>,
}

/// Keeps the editor's unsaved text for this person without touching the story itself. A story
/// never saved before is first saved as a draft (it needs a headline for that).
pub async fn autosave(
    store: &Store,
    me: &Staff,
    id: Option<i64>,
    input: &StoryInput,
    now: DateTime<Utc>,
) -> Result<AutosaveOutcome> {
    let (id, created_version) = match id {
        Some(id) => {
            editable(store, me, id).await?;
            (id, None)
        }
        None => (
            save(store, me, None, input, Intent::Save, now).await?.id,
            Some(1),
        ),
    };
    let mut tx = store.begin().await?;
    Store::put_autosave(
        &mut tx,
        id,
        me.id,
        input.title.trim(),
        input.excerpt.trim(),
        input.body.as_str(),
        (input.base_version, now),
    )
    .await?;
    let lock_holder =
        Store::take_edit_lock(&mut tx, id, me.id, now, now - LOCK_LAPSES_AFTER).await?;
    tx.commit().await?;
    Ok(AutosaveOutcome {
        id,
        saved_at: now,
        lock_holder,
        created_version,
    })
}

/// Opens a story in the editor: takes the edit lock unless someone else holds it, and says who.
pub async fn open(
    store: &Store,
    me: &Staff,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(StoryRecord, StoryLinks, Option<String>)> {
    let (story, links) = editable(store, me, id).await?;
    let mut tx = store.begin().await?;
    let holder = Store::take_edit_lock(&mut tx, id, me.id, now, now - LOCK_LAPSES_AFTER).await?;
    tx.commit().await?;
    Ok((story, links, holder))
}

/// Throws away this person's autosaved text of a story.
pub async fn discard_autosave(store: &Store, me: &Staff, id: i64) -> Result<()> {
    editable(store, me, id).await?;
    let mut tx = store.begin().await?;
    Store::drop_autosave(&mut tx, id, me.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a revision's text back into the story (itself recorded as a new revision). A save like
/// any other: `base_version` is the story's version the person compared the revision with, and
/// a story saved since refuses the restore with [`ActionError::Stale`].
pub async fn restore_revision(
    store: &Store,
    me: &Staff,
    id: i64,
    revision_id: i64,
    base_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Saved> {
    let (story, links) = editable(store, me, id).await?;
    let revision = store
        .revisions(id)
        .await?
        .into_iter()
        .find(|r| r.id == revision_id)
        .ok_or_else(|| ActionError::NotFound("No such revision of this story.".into()))?;
    let input = StoryInput {
        title: revision.title,
        body: SafeHtml::from_trusted_storage(revision.body),
        excerpt: revision.excerpt,
        base_version: base_version.or(Some(story.version)),
        ..StoryInput::of(story, links)
    };
    save(store, me, Some(id), &input, Intent::Save, now).await
}

/// Publishes every scheduled story whose time has come. Run by the background job on every
/// node; each story is published exactly once whatever the number of nodes.
pub async fn publish_due(store: &Store, now: DateTime<Utc>) -> Result<Vec<i64>> {
    // A cheap read first: most seconds nothing is due, and no write lock is taken.
    if !store.any_due(now).await? {
        return Ok(Vec::new());
    }
    let mut tx = store.begin().await?;
    let ids = Store::publish_due(&mut tx, now).await?;
    // Scheduled stories entering the lists.
    tx.touch(ids.iter().map(|id| purge::story(*id)));
    tx.touch([purge::LISTS, purge::STORIES]);
    tx.commit().await?;
    Ok(ids)
}
