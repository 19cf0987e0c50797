//! Creating, editing, publishing, unpublishing and deleting stories. Each runs in one
//! transaction that also keeps the search index in step, so search never shows a draft, a
//! deleted story or an old headline.

use chrono::{DateTime, Utc};

use super::{ActionError, Result};
use crate::domain::article::{ArticleError, ArticlePatch, NewArticle, Status};
use crate::domain::slug::Slug;
use crate::store::dialect::Tx;
use crate::store::{Store, StoreError};

/// How often a slug collision with a concurrent writer is retried before giving up.
pub(crate) const SLUG_RETRIES: u32 = 5;

impl From<ArticleError> for ActionError {
    fn from(e: ArticleError) -> ActionError {
        let field = match e {
            ArticleError::EmptyTitle | ArticleError::TitleTooLong => "title",
            ArticleError::NoAuthor => "authors",
            ArticleError::BadSourceUrl => "source_url",
            ArticleError::BeforeEmbargo => "published_at",
        };
        let text = e.to_string();
        let message = text
            .split_once(": ")
            .map_or(text.as_str(), |(_, m)| m)
            .to_owned();
        ActionError::Invalid { field, message }
    }
}

/// Creates a story. Its slug is the requested one or derived from the headline; if taken, the
/// first free `slug-N` is used. Returns the new id and the slug given.
pub async fn create(
    store: &Store,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<(i64, Slug)> {
    article.validate()?;
    let mut last = None;
    for _ in 0..SLUG_RETRIES {
        let mut tx = store.begin().await?;
        match create_in(&mut tx, article, now).await {
            Ok(created) => {
                tx.commit().await?;
                return Ok(created);
            }
            // Another writer took the slug between our check and our insert: try the next one.
            Err(ActionError::Store(e)) if e.is_conflict_on("articles_slug_key") => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.map_or_else(
        || ActionError::Conflict("slug: no free slug".into()),
        ActionError::Store,
    ))
}

/// Creates a story inside a caller's transaction (bulk seeding and imports).
pub(crate) async fn create_in(
    tx: &mut Tx,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<(i64, Slug)> {
    article.validate()?;
    let base = article
        .slug
        .clone()
        .unwrap_or_else(|| Slug::from_title(&article.title, "story"));
    let taken = Store::article_slugs_like(tx, &base).await?;
    let slug = base.first_free(taken.iter().map(String::as_str));
    let id = Store::insert_article(tx, article, &slug, now)
        .await
        .map_err(|e| match e {
            StoreError::MissingReference(_) => {
                ActionError::invalid("article", "an author, section, tag or image does not exist")
            }
            e => ActionError::Store(e),
        })?;
    Ok((id, slug))
}

/// Records an edit time on a story (the page then shows "Updated").
pub(crate) async fn mark_updated(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<()> {
    Store::set_article_updated_at(tx, id, at).await?;
    Ok(())
}

/// Opens or closes a story's comments.
pub async fn set_comment_status(
    store: &Store,
    id: i64,
    status: crate::domain::article::CommentStatus,
) -> Result<()> {
    let mut tx = store.begin().await?;
    if !Store::set_article_comment_status(&mut tx, id, status.as_str()).await? {
        return Err(ActionError::NotFound("No such story.".into()));
    }
    tx.commit().await?;
    Ok(())
}

/// Edits a story's headline, body, standfirst, credit line, agency or byline (fields left
/// `None` stay as they are) and marks it updated. The slug, and so the address, stays.
pub async fn edit(store: &Store, id: i64, patch: &ArticlePatch, now: DateTime<Utc>) -> Result<()> {
    patch.validate()?;
    let mut tx = store.begin().await?;
    let found = Store::update_article(&mut tx, id, patch, now)
        .await
        .map_err(|e| match e {
            StoreError::MissingReference(_) => {
                ActionError::invalid("authors", "an author does not exist")
            }
            e => ActionError::Store(e),
        })?;
    if !found {
        return Err(ActionError::NotFound("No such story.".into()));
    }
    tx.commit().await?;
    Ok(())
}

/// Publishes a story at `at`, or at its existing publication time, or now. A time in the future
/// schedules it: it stays out of every public list and of search until then.
pub async fn publish(
    store: &Store,
    id: i64,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let state = Store::article_state(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such story.".into()))?;
    let published_at = at.or(state.published_at).unwrap_or(now);
    if state.embargo_until.is_some_and(|e| published_at < e) {
        return Err(ArticleError::BeforeEmbargo.into());
    }
    // A time still to come schedules the story; the scheduler publishes it then.
    let status = if published_at > now {
        Status::Scheduled
    } else {
        Status::Published
    };
    Store::set_article_status(&mut tx, id, status, Some(published_at)).await?;
    // Publishing (or re-dating) is a change: feeds and sitemaps date it.
    mark_updated(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a story off the site: back to `draft`, or into the `trash`. Its publication time is
/// kept for when it is published again.
pub async fn unpublish(store: &Store, id: i64, to: Status) -> Result<()> {
    if matches!(to, Status::Published | Status::Scheduled) {
        return Err(ActionError::invalid(
            "status",
            "a story is taken off the site as a draft, pending, private or in the trash",
        ));
    }
    let mut tx = store.begin().await?;
    let state = Store::article_state(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such story.".into()))?;
    Store::set_article_status(&mut tx, id, to, state.published_at).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a story for good, with its comments.
pub async fn delete(store: &Store, id: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    if !Store::delete_article(&mut tx, id).await? {
        return Err(ActionError::NotFound("No such story.".into()));
    }
    tx.commit().await?;
    Ok(())
}
