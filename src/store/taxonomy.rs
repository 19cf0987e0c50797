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
    /// The tag called exactly `name`, the oldest if several are.
    pub(crate) async fn tag_id_by_name(tx: &mut Tx, name: &str) -> Result<Option<i64>> {
        Ok(tx
            .scalars(Sql::new("SELECT id FROM tags WHERE name = $1 ORDER BY id LIMIT 1").bind(name))
            .await?
            .into_iter()
            .next())
    }

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

/// A section or tag with how many published stories it holds, for the newsroom's lists.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct TermCount {
    pub id: i64,
    pub stories: i64,
}

/// A tag with its number of published stories.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct TagWithCount {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub stories: i64,
}

impl Store {
    /// Published stories per section (sections without any are absent).
    pub async fn category_story_counts(&self) -> Result<Vec<TermCount>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT ac.category_id AS id, CAST(COUNT(*) AS BIGINT) AS stories \
                 FROM article_categories ac JOIN articles a ON a.id = ac.article_id \
                 WHERE a.status = 'published' GROUP BY ac.category_id",
            ))
            .await
    }

    /// The section an old slug now leads to, if it was renamed, merged or deleted into another.
    pub async fn category_redirect(&self, slug: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .scalars::<i64>(
                Sql::new("SELECT category_id FROM category_redirects WHERE slug = $1").bind(slug),
            )
            .await?
            .into_iter()
            .next())
    }

    /// Tags whose name or slug contains `search` (all when empty), by name, with their counts.
    pub async fn tags_with_counts(
        &self,
        search: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<TagWithCount>> {
        let pattern = super::dialect::like_pattern(&search.to_lowercase());
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT t.id, t.slug, t.name, t.description, \
                     (SELECT CAST(COUNT(*) AS BIGINT) FROM article_tags x JOIN articles a ON a.id = x.article_id \
                      WHERE x.tag_id = t.id AND a.status = 'published') AS stories \
                     FROM tags t WHERE LOWER(t.name) LIKE $1 ESCAPE '\\' OR t.slug LIKE $1 ESCAPE '\\' \
                     ORDER BY LOWER(t.name), t.id LIMIT $2 OFFSET $3",
                )
                .bind(pattern)
                .bind(i64::from(limit))
                .bind(i64::from(offset)),
            )
            .await
    }

    pub async fn tag_by_id(&self, id: i64) -> Result<Option<Tag>> {
        self.conn()
            .fetch_optional(
                Sql::new("SELECT id, slug, name, description FROM tags WHERE id = $1").bind(id),
            )
            .await
    }

    pub(crate) async fn category_in_tx(tx: &mut Tx, id: i64) -> Result<Option<Category>> {
        tx.fetch_optional(
            Sql::new(
                "SELECT id, slug, name, description, parent_id, position FROM categories WHERE id = $1",
            )
            .bind(id),
        )
        .await
    }

    pub(crate) async fn categories_in_tx(tx: &mut Tx) -> Result<Vec<Category>> {
        tx.fetch_all(Sql::new(
            "SELECT id, slug, name, description, parent_id, position FROM categories ORDER BY position, name, id",
        ))
        .await
    }

    pub(crate) async fn category_slugs_like(tx: &mut Tx, base: &str) -> Result<Vec<String>> {
        super::dialect::lock_slug_base(tx, "categories", base).await?;
        tx.scalars(
            Sql::new("SELECT slug FROM categories WHERE slug = $1 OR (slug >= $2 AND slug < $3)")
                .bind(base)
                .bind(format!("{base}-"))
                .bind(format!("{base}.")),
        )
        .await
    }

    pub(crate) async fn update_category(
        tx: &mut Tx,
        id: i64,
        slug: &str,
        name: &str,
        description: &str,
        parent_id: Option<i64>,
        position: i32,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "UPDATE categories SET slug = $1, name = $2, description = $3, parent_id = $4, position = $5 \
                 WHERE id = $6",
            )
            .bind(slug)
            .bind(name)
            .bind(description)
            .bind(parent_id)
            .bind(i64::from(position))
            .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn set_category_position(tx: &mut Tx, id: i64, position: i32) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE categories SET position = $1 WHERE id = $2")
                .bind(i64::from(position))
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Makes `slug` lead to section `id` (replacing where it led before).
    pub(crate) async fn put_category_redirect(tx: &mut Tx, slug: &str, id: i64) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO category_redirects (slug, category_id) VALUES ($1, $2) \
                 ON CONFLICT (slug) DO UPDATE SET category_id = $2",
            )
            .bind(slug)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Forgets an old slug (a section now owns it again).
    pub(crate) async fn drop_category_redirect(tx: &mut Tx, slug: &str) -> Result<()> {
        tx.execute(Sql::new("DELETE FROM category_redirects WHERE slug = $1").bind(slug))
            .await?;
        Ok(())
    }

    /// Gives section `from`'s stories to section `to` (a story already in both keeps its place
    /// there), along with the old addresses that led to `from` and the menu entries naming it.
    pub(crate) async fn move_category_contents(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO article_categories (article_id, category_id, position, published_at) \
                 SELECT article_id, $1, position, published_at FROM article_categories WHERE category_id = $2 \
                 ON CONFLICT (article_id, category_id) DO NOTHING",
            )
            .bind(to)
            .bind(from),
        )
        .await?;
        tx.execute(
            Sql::new("UPDATE category_redirects SET category_id = $1 WHERE category_id = $2")
                .bind(to)
                .bind(from),
        )
        .await?;
        tx.execute(
            Sql::new(
                "UPDATE menu_items SET target_id = $1 WHERE kind = 'category' AND target_id = $2",
            )
            .bind(to)
            .bind(from),
        )
        .await?;
        Ok(())
    }

    /// Deletes a section: its story links go with it, its sub-sections move to `new_parent`,
    /// and menu entries naming it are removed.
    pub(crate) async fn delete_category(
        tx: &mut Tx,
        id: i64,
        new_parent: Option<i64>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE categories SET parent_id = $1 WHERE parent_id = $2")
                .bind(new_parent)
                .bind(id),
        )
        .await?;
        tx.execute(
            Sql::new("DELETE FROM menu_items WHERE kind = 'category' AND target_id = $1").bind(id),
        )
        .await?;
        tx.execute(Sql::new("DELETE FROM categories WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    pub(crate) async fn tag_in_tx(tx: &mut Tx, id: i64) -> Result<Option<Tag>> {
        tx.fetch_optional(
            Sql::new("SELECT id, slug, name, description FROM tags WHERE id = $1").bind(id),
        )
        .await
    }

    pub(crate) async fn tag_slugs_like(tx: &mut Tx, base: &str) -> Result<Vec<String>> {
        super::dialect::lock_slug_base(tx, "tags", base).await?;
        tx.scalars(
            Sql::new("SELECT slug FROM tags WHERE slug = $1 OR (slug >= $2 AND slug < $3)")
                .bind(base)
                .bind(format!("{base}-"))
                .bind(format!("{base}.")),
        )
        .await
    }

    pub(crate) async fn insert_tag(
        tx: &mut Tx,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new("INSERT INTO tags (slug, name, description) VALUES ($1, $2, $3) RETURNING id")
                .bind(slug)
                .bind(name)
                .bind(description),
        )
        .await
    }

    pub(crate) async fn update_tag(
        tx: &mut Tx,
        id: i64,
        slug: &str,
        name: &str,
        description: &str,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE tags SET slug = $1, name = $2, description = $3 WHERE id = $4")
                .bind(slug)
                .bind(name)
                .bind(description)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Gives tag `from`'s stories to tag `to` (stories already tagged `to` stay as they are),
    /// then deletes `from`.
    pub(crate) async fn merge_tag(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO article_tags (article_id, tag_id, published_at) \
                 SELECT article_id, $1, published_at FROM article_tags WHERE tag_id = $2 \
                 ON CONFLICT (article_id, tag_id) DO NOTHING",
            )
            .bind(to)
            .bind(from),
        )
        .await?;
        Store::delete_tag(tx, from).await
    }

    pub(crate) async fn delete_tag(tx: &mut Tx, id: i64) -> Result<()> {
        tx.execute(Sql::new("DELETE FROM tags WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }
}
