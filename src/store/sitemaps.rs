//! Reads for sitemaps: what the public site shows, with when it last changed.
//!
//! Story sitemaps are cut by id range (50,000 ids a file), so a file's address and content stay
//! put as the archive grows; the partial index `articles_sitemap_idx` (published stories by id,
//! with their dates and slug) lets a range be counted, dated and listed from the index alone.

use chrono::{DateTime, Utc};

use super::dialect::Sql;
use super::{Result, Store};

/// Published stories in an id range `(chunk, chunk + size]`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct StoryChunk {
    /// The range's exclusive lower id bound.
    pub chunk: i64,
    pub stories: i64,
    pub lastmod: Option<DateTime<Utc>>,
}

/// A story's address parts and dates.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct StoryLoc {
    pub id: i64,
    pub slug: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A section, tag or author whose archive is worth indexing, with its newest story's time.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct TermLoc {
    pub id: i64,
    pub slug: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// A published static page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PageLoc {
    /// The page's address, under its parents: `/about/team/`.
    pub path: String,
    pub updated_at: DateTime<Utc>,
}

/// Which kind of archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    Section,
    Tag,
    Author,
}

impl TermKind {
    /// (term table, relation table, relation column, extra condition on the term).
    fn tables(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            TermKind::Section => ("categories", "article_categories", "category_id", ""),
            TermKind::Tag => ("tags", "article_tags", "tag_id", ""),
            TermKind::Author => (
                "users",
                "article_authors",
                "user_id",
                " AND t.disabled = FALSE",
            ),
        }
    }
}

impl Store {
    /// The highest story id (0 for none): how many id ranges there are.
    pub async fn max_article_id(&self) -> Result<i64> {
        self.conn()
            .scalar(Sql::new(
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM articles",
            ))
            .await
    }

    /// The number of published stories with ids in `(after, upto]` and their newest change (an
    /// edit, or publication itself for a story whose time came later), read from
    /// `articles_sitemap_idx` alone.
    pub async fn story_range_summary(
        &self,
        after: i64,
        upto: i64,
        now: DateTime<Utc>,
    ) -> Result<StoryChunk> {
        let r: Option<StoryChunk> = self
            .conn()
            .fetch_optional(
                Sql::new(
                    "SELECT CAST($1 AS BIGINT) AS chunk, CAST(COUNT(*) AS BIGINT) AS stories, \
                     MAX(CASE WHEN updated_at > published_at THEN updated_at ELSE published_at END) AS lastmod \
                     FROM articles WHERE status = 'published' AND id > $2 AND id <= $3 AND published_at <= $4",
                )
                .bind(after)
                .bind(after)
                .bind(upto)
                .bind(now),
            )
            .await?;
        Ok(r.unwrap_or(StoryChunk {
            chunk: after,
            stories: 0,
            lastmod: None,
        }))
    }

    /// Up to `limit` published stories with ids in `(after, upto]`, by id.
    pub async fn story_locs(
        &self,
        after: i64,
        upto: i64,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<StoryLoc>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, slug, published_at, updated_at FROM articles \
                     WHERE status = 'published' AND id > $1 AND id <= $2 AND published_at <= $3 \
                     ORDER BY id LIMIT $4",
                )
                .bind(after)
                .bind(upto)
                .bind(now)
                .bind(limit),
            )
            .await
    }

    /// Sections, tags or authors with at least `min_stories` published stories (archives with
    /// fewer are marked `noindex`, so sitemaps leave them out), by id. Each term costs a few
    /// steps down its listing index, however many stories it has.
    pub async fn indexable_terms(
        &self,
        kind: TermKind,
        min_stories: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<TermLoc>> {
        let (terms, relation, column, extra) = kind.tables();
        let newest = |n: i64, sql: &mut Sql| {
            sql.push("(SELECT r.published_at FROM ")
                .push(relation)
                .push(" r CROSS JOIN articles x WHERE x.id = r.article_id AND r.")
                .push(column)
                .push(" = t.id AND r.published_at <= ")
                .arg(now)
                .push(" AND x.status = 'published' ORDER BY r.published_at DESC, r.article_id DESC LIMIT 1 OFFSET ")
                .arg(n)
                .push(")");
        };
        let mut sql = Sql::new("SELECT * FROM (SELECT t.id, t.slug, ");
        newest(0, &mut sql);
        sql.push(" AS lastmod, ");
        newest(min_stories.max(1) - 1, &mut sql);
        sql.push(" AS enough FROM ")
            .push(terms)
            .push(" t WHERE TRUE")
            .push(extra)
            .push(") s WHERE enough IS NOT NULL ORDER BY id");
        self.conn().fetch_all(sql).await
    }

    /// Every published static page, at its address under its parents.
    pub async fn page_locs(&self) -> Result<Vec<PageLoc>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            id: i64,
            updated_at: DateTime<Utc>,
        }
        let published: Vec<Rec> = self
            .conn()
            .fetch_all(Sql::new(
                "SELECT id, updated_at FROM pages WHERE status = 'published' ORDER BY id",
            ))
            .await?;
        if published.is_empty() {
            return Ok(Vec::new());
        }
        let nodes = self.page_nodes().await?;
        Ok(published
            .into_iter()
            .map(|r| PageLoc {
                path: super::pages::page_path(
                    super::pages::trail_of(&nodes, r.id)
                        .iter()
                        .map(|n| n.slug.as_str()),
                ),
                updated_at: r.updated_at,
            })
            .collect())
    }
}
