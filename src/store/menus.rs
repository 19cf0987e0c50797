//! Navigation menus (header, footer), their items resolved to labels and URLs by the caller.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};

/// A menu item as stored. `kind` is `category`, `page`, `article` or `link`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct MenuItemRow {
    pub id: i64,
    pub location: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub label: String,
    pub kind: String,
    pub target_id: Option<i64>,
    pub url: String,
    /// The page's or story's slug and title, while it is published.
    pub target_slug: Option<String>,
    pub target_title: Option<String>,
    /// The story's publication time (its address is dated).
    pub target_published_at: Option<DateTime<Utc>>,
}

/// A story or page that a menu entry can point to.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MenuTarget {
    pub id: i64,
    pub title: String,
}

impl Store {
    /// Items of every menu, by location and position.
    pub async fn menu_items(&self) -> Result<Vec<MenuItemRow>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT i.id, m.location, i.parent_id, i.position, i.label, i.kind, i.target_id, i.url, \
                 COALESCE(p.slug, a.slug) AS target_slug, COALESCE(p.title, a.title) AS target_title, \
                 a.published_at AS target_published_at \
                 FROM menu_items i JOIN menus m ON m.id = i.menu_id \
                 LEFT JOIN pages p ON i.kind = 'page' AND p.id = i.target_id AND p.status = 'published' \
                 LEFT JOIN articles a ON i.kind = 'article' AND a.id = i.target_id AND a.status = 'published' \
                 ORDER BY m.location, i.position, i.id",
            ))
            .await
    }

    pub(crate) async fn insert_menu(tx: &mut Tx, location: &str, name: &str) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new("INSERT INTO menus (location, name) VALUES ($1, $2) RETURNING id")
                .bind(location)
                .bind(name),
        )
        .await
    }

    pub(crate) async fn insert_menu_item(
        tx: &mut Tx,
        menu_id: i64,
        position: i32,
        label: &str,
        kind: &str,
        target_id: Option<i64>,
        url: &str,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO menu_items (menu_id, position, label, kind, target_id, url) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(menu_id)
            .bind(i64::from(position))
            .bind(label)
            .bind(kind)
            .bind(target_id)
            .bind(url),
        )
        .await
    }
}

impl Store {
    /// The menu at a theme location, if one was made.
    pub(crate) async fn menu_at(tx: &mut Tx, location: &str) -> Result<Option<i64>> {
        Ok(tx
            .scalars::<i64>(Sql::new("SELECT id FROM menus WHERE location = $1").bind(location))
            .await?
            .into_iter()
            .next())
    }

    /// `(menu id, parent id)` of a menu item.
    pub(crate) async fn menu_item_place(
        tx: &mut Tx,
        id: i64,
    ) -> Result<Option<(i64, Option<i64>)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            menu_id: i64,
            parent_id: Option<i64>,
        }
        let rec: Option<Rec> = tx
            .fetch_optional(
                Sql::new("SELECT menu_id, parent_id FROM menu_items WHERE id = $1").bind(id),
            )
            .await?;
        Ok(rec.map(|r| (r.menu_id, r.parent_id)))
    }

    /// How many entries a menu has, nested ones included.
    pub(crate) async fn menu_item_count(tx: &mut Tx, menu_id: i64) -> Result<i64> {
        tx.scalar(Sql::new("SELECT COUNT(*) FROM menu_items WHERE menu_id = $1").bind(menu_id))
            .await
    }

    /// The ids of a menu's items under one parent (or at the top), in order.
    pub(crate) async fn menu_sibling_ids(
        tx: &mut Tx,
        menu_id: i64,
        parent_id: Option<i64>,
    ) -> Result<Vec<i64>> {
        let mut sql = Sql::new("SELECT id FROM menu_items WHERE menu_id = ");
        sql.arg(menu_id);
        match parent_id {
            Some(p) => {
                sql.push(" AND parent_id = ").arg(p);
            }
            None => {
                sql.push(" AND parent_id IS NULL");
            }
        }
        sql.push(" ORDER BY position, id");
        tx.scalars(sql).await
    }

    pub(crate) async fn set_menu_item_parent(
        tx: &mut Tx,
        id: i64,
        parent_id: Option<i64>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE menu_items SET parent_id = $1 WHERE id = $2")
                .bind(parent_id)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn set_menu_item_position(tx: &mut Tx, id: i64, position: i32) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE menu_items SET position = $1 WHERE id = $2")
                .bind(i64::from(position))
                .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn set_menu_item_label(tx: &mut Tx, id: i64, label: &str) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE menu_items SET label = $1 WHERE id = $2")
                .bind(label)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Removes an item and the items nested under it.
    pub(crate) async fn delete_menu_item(tx: &mut Tx, id: i64) -> Result<bool> {
        tx.execute(Sql::new("DELETE FROM menu_items WHERE parent_id = $1").bind(id))
            .await?;
        Ok(tx
            .execute(Sql::new("DELETE FROM menu_items WHERE id = $1").bind(id))
            .await?
            == 1)
    }

    pub(crate) async fn set_menu_item_parent_of_children(
        tx: &mut Tx,
        of: i64,
        parent_id: Option<i64>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE menu_items SET parent_id = $1 WHERE parent_id = $2")
                .bind(parent_id)
                .bind(of),
        )
        .await?;
        Ok(())
    }

    /// Published pages, by title, for the menu editor.
    pub async fn published_pages(&self) -> Result<Vec<MenuTarget>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT id, title FROM pages WHERE status = 'published' ORDER BY title, id",
            ))
            .await
    }

    /// The newest published stories whose headline contains `search`, or the story with that
    /// id when `search` is a number.
    pub async fn stories_to_link(&self, search: &str, limit: u32) -> Result<Vec<MenuTarget>> {
        let search = search.trim();
        if let Ok(id) = search.parse::<i64>() {
            return self
                .conn()
                .fetch_all(
                    Sql::new(
                        "SELECT id, title FROM articles WHERE id = $1 AND status = 'published'",
                    )
                    .bind(id),
                )
                .await;
        }
        let pattern = super::dialect::like_pattern(&search.to_lowercase());
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, title FROM articles WHERE status = 'published' AND LOWER(title) LIKE $1 ESCAPE '\\' \
                     ORDER BY published_at DESC, id DESC LIMIT $2",
                )
                .bind(pattern)
                .bind(i64::from(limit)),
            )
            .await
    }

    pub(crate) async fn category_exists(tx: &mut Tx, id: i64) -> Result<bool> {
        exists(
            tx,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM categories WHERE id = $1",
            id,
        )
        .await
    }

    pub(crate) async fn published_page_exists(tx: &mut Tx, id: i64) -> Result<bool> {
        exists(
            tx,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pages WHERE id = $1 AND status = 'published'",
            id,
        )
        .await
    }

    pub(crate) async fn published_story_exists(tx: &mut Tx, id: i64) -> Result<bool> {
        exists(
            tx,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM articles WHERE id = $1 AND status = 'published'",
            id,
        )
        .await
    }
}

async fn exists(tx: &mut Tx, sql: &str, id: i64) -> Result<bool> {
    Ok(tx.scalar::<i64>(Sql::new(sql).bind(id)).await? > 0)
}
