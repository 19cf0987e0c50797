//! Static pages ("About us", "Corrections policy"), served at `/slug/`.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};

/// A published static page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PageRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    pub async fn published_page_by_slug(&self, slug: &str) -> Result<Option<PageRow>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT id, title, slug, body, excerpt, published_at, updated_at FROM pages \
                     WHERE slug = $1 AND status = 'published'",
                )
                .bind(slug),
            )
            .await
    }

    /// Slug of a published page by id (for `/?page_id=ID`).
    pub async fn published_page_slug_by_id(&self, id: i64) -> Result<Option<String>> {
        let v: Vec<String> = self
            .conn()
            .scalars(
                Sql::new("SELECT slug FROM pages WHERE id = $1 AND status = 'published'").bind(id),
            )
            .await?;
        Ok(v.into_iter().next())
    }

    pub(crate) async fn insert_page(
        tx: &mut Tx,
        title: &str,
        slug: &str,
        body: &str,
        author_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO pages (title, slug, body, status, author_id, published_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'published', $4, $5, $5, $5) RETURNING id",
            )
            .bind(title)
            .bind(slug)
            .bind(body)
            .bind(author_id)
            .bind(now),
        )
        .await
    }
}
