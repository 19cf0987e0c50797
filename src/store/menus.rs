//! Navigation menus (header, footer), their items resolved to labels and URLs by the caller.

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
}

impl Store {
    /// Items of every menu, by location and position.
    pub async fn menu_items(&self) -> Result<Vec<MenuItemRow>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT i.id, m.location, i.parent_id, i.position, i.label, i.kind, i.target_id, i.url \
                 FROM menu_items i JOIN menus m ON m.id = i.menu_id ORDER BY m.location, i.position, i.id",
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
