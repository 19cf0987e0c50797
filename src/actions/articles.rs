//! Creating a complete story as given (its status, dates and byline decided already): the
//! demo, synthetic seeding and imports. Only editors and administrators (or the operator) may,
//! since it sets any state and any byline; the newsroom's own writing, publishing and deleting
//! go through `actions::stories`, which applies each role's rules. Each write keeps the search
//! index in step in the same transaction.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{ActionError, Actor, Result};
use crate::domain::article::{ArticleError, NewArticle};
use crate::domain::slug::Slug;
use crate::domain::user::Capability;
use crate::store::articles::ArticleInsert;
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

/// Creates a story inside a caller's transaction (the demo), dated `now`.
pub(crate) async fn create_in(
    tx: &mut Tx,
    by: Actor<'_>,
    article: &NewArticle,
    now: DateTime<Utc>,
) -> Result<(i64, Slug)> {
    let mut created = create_many_in(tx, by, std::slice::from_ref(article), |_| now).await?;
    Ok(created.remove(0))
}

/// Creates stories inside a caller's transaction (the demo, synthetic seeding), in a few
/// statements however many: each dated `at` (created and last changed), with a free slug from
/// its own or its title. Returns their ids and slugs in order.
pub(crate) async fn create_many_in(
    tx: &mut Tx,
    by: Actor<'_>,
    articles: &[NewArticle],
    at: impl Fn(&NewArticle) -> DateTime<Utc>,
) -> Result<Vec<(i64, Slug)>> {
    by.require(Capability::EditOthers)?;
    for article in articles {
        article.validate()?;
    }
    let bases: Vec<Slug> = articles
        .iter()
        .map(|a| {
            a.slug
                .clone()
                .unwrap_or_else(|| Slug::from_title(&a.title, "story"))
        })
        .collect();
    let slugs = free_slugs(tx, &bases.iter().collect::<Vec<_>>()).await?;
    let rows: Vec<ArticleInsert<'_>> = articles
        .iter()
        .zip(&slugs)
        .map(|(article, slug)| ArticleInsert {
            article,
            slug,
            created_at: at(article),
            updated_at: at(article),
            password: "",
            terms: None,
        })
        .collect();
    let ids = Store::insert_articles(tx, &rows)
        .await
        .map_err(|e| match e {
            StoreError::MissingReference(_) => {
                ActionError::invalid("article", "an author, section, tag or image does not exist")
            }
            e => ActionError::Store(e),
        })?;
    Ok(ids.into_iter().zip(slugs).collect())
}

/// A free slug for each base, in order: the base itself when no story has it and no earlier
/// base of the list took it, else its first free `base-N`. Each base is locked until the
/// transaction ends, so a concurrent writer waits rather than taking the same slug.
pub(crate) async fn free_slugs(tx: &mut Tx, bases: &[&Slug]) -> Result<Vec<Slug>> {
    let names: Vec<&str> = bases.iter().map(|b| b.as_str()).collect();
    let taken = Store::article_slugs_taken(tx, &names).await?;
    let mut used: HashSet<String> = HashSet::with_capacity(bases.len());
    let mut slugs = Vec::with_capacity(bases.len());
    for base in bases {
        let slug = if !taken.contains(base.as_str()) && !used.contains(base.as_str()) {
            (*base).clone()
        } else {
            let like = Store::article_slugs_like(tx, base).await?;
            base.first_free(
                like.iter()
                    .map(String::as_str)
                    .chain(used.iter().map(String::as_str)),
            )
        };
        used.insert(slug.as_str().to_owned());
        slugs.push(slug);
    }
    Ok(slugs)
}

/// Records an edit time on a story (the page then shows "Updated").
pub(crate) async fn mark_updated(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<()> {
    Store::set_article_updated_at(tx, id, at).await?;
    Ok(())
}
