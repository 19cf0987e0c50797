//! Sections (hierarchical categories) and tags.

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};

/// A section.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
}

/// A tag.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

impl Store {
    /// Every section, ordered for display (position, then name).
    pub async fn categories(&self) -> Result<Vec<Category>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT id, slug, name, description, parent_id, position FROM categories ORDER BY position, name, id",
            ))
            .await
    }

    pub async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        self.conn()
            .fetch_optional(
                Sql::new("SELECT id, slug, name, description FROM tags WHERE slug = $1").bind(slug),
            )
            .await
    }

    pub(crate) async fn insert_category(
        tx: &mut Tx,
        slug: &str,
        name: &str,
        description: &str,
        parent_id: Option<i64>,
        position: i32,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO categories (slug, name, description, parent_id, position) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(slug)
            .bind(name)
            .bind(description)
            .bind(parent_id)
            .bind(i64::from(position)),
        )
        .await
    }

    /// The id of the tag with this slug, creating it with `name` if it does not exist yet.
    pub(crate) async fn ensure_tag(tx: &mut Tx, slug: &str, name: &str) -> Result<i64> {
        tx.execute(
            Sql::new("INSERT INTO tags (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING")
                .bind(slug)
                .bind(name),
        )
        .await?;
        tx.scalar(Sql::new("SELECT id FROM tags WHERE slug = $1").bind(slug))
            .await
    }
}
