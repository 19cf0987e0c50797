//! Creating a complete story as given (its status, dates and byline decided already): the
//! demo, synthetic seeding and imports. Only editors and administrators (or the operator) may,
//! since it sets any state and any byline; the newsroom's own writing, publishing and deleting
//! go through `actions::stories`, which applies each role's rules. Each write keeps the search
//! index in step in the same transaction.

use chrono::{DateTime, Utc};

use super::{ActionError, Actor, Result};
use crate::domain::article::{ArticleError, NewArticle};
use crate::domain::slug::Slug;
use crate::domain::user::Capability;
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
    by: Actor<'_>,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<(i64, Slug)> {
    by.require(Capability::EditOthers)?;
    article.validate()?;
    let mut last = None;
    for _ in 0..SLUG_RETRIES {
        let mut tx = store.begin().await?;
        match create_in(&mut tx, by, article, now).await {
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
    by: Actor<'_>,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<(i64, Slug)> {
    by.require(Capability::EditOthers)?;
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
