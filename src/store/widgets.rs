//! Widgets in widget areas.

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};
use crate::domain::widget::{Widget, WidgetKind};

impl Store {
    /// Every widget, by area and position. A stored widget whose settings no longer validate is
    /// skipped (and logged) rather than breaking every page.
    pub async fn widgets(&self) -> Result<Vec<Widget>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            id: i64,
            area: String,
            position: i32,
            kind: String,
            title: String,
            settings: String,
        }
        let rows: Vec<Rec> = self
            .conn()
            .fetch_all(Sql::new("SELECT id, area, position, kind, title, settings FROM widgets ORDER BY area, position, id"))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match WidgetKind::parse(&r.kind, &r.settings) {
                Ok(kind) => Some(Widget { id: r.id, area: r.area, position: r.position, title: r.title, kind }),
                Err(e) => {
                    tracing::warn!(widget = r.id, error = %e, "skipping a widget with invalid settings");
                    None
                }
            })
            .collect())
    }

    pub(crate) async fn insert_widget(
        tx: &mut Tx,
        area: &str,
        position: i32,
        title: &str,
        kind: &WidgetKind,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new("INSERT INTO widgets (area, position, kind, title, settings) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(area)
                .bind(i64::from(position))
                .bind(kind.kind())
                .bind(title)
                .bind(kind.settings_json()),
        )
        .await
    }
}

/// A widget row as stored, before its settings are checked (the admin lists widgets whose
/// settings no longer validate too, so they can be fixed or removed).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct WidgetRecord {
    pub id: i64,
    pub area: String,
    pub position: i32,
    pub kind: String,
    pub title: String,
    pub settings: String,
}

/// A place in the theme where widgets go.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct WidgetArea {
    pub slug: String,
    pub name: String,
    pub description: String,
}

const RECORD_COLUMNS: &str = "id, area, position, kind, title, settings";

impl Store {
    /// The theme's widget areas.
    pub async fn widget_areas(&self) -> Result<Vec<WidgetArea>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT slug, name, description FROM widget_areas ORDER BY CASE slug WHEN 'sidebar' THEN 0 ELSE 1 END, slug",
            ))
            .await
    }

    /// Every widget row, by area and position.
    pub async fn widget_records(&self) -> Result<Vec<WidgetRecord>> {
        self.conn()
            .fetch_all(Sql::new(&format!(
                "SELECT {RECORD_COLUMNS} FROM widgets ORDER BY area, position, id"
            )))
            .await
    }

    pub async fn widget_record(&self, id: i64) -> Result<Option<WidgetRecord>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!(
                    "SELECT {RECORD_COLUMNS} FROM widgets WHERE id = $1"
                ))
                .bind(id),
            )
            .await
    }

    pub(crate) async fn widget_area_exists(tx: &mut Tx, area: &str) -> Result<bool> {
        let n: i64 = tx
            .scalar(
                Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM widget_areas WHERE slug = $1")
                    .bind(area),
            )
            .await?;
        Ok(n > 0)
    }

    pub(crate) async fn widget_record_in_tx(tx: &mut Tx, id: i64) -> Result<Option<WidgetRecord>> {
        tx.fetch_optional(
            Sql::new(&format!(
                "SELECT {RECORD_COLUMNS} FROM widgets WHERE id = $1"
            ))
            .bind(id),
        )
        .await
    }

    /// The ids of an area's widgets in display order.
    pub(crate) async fn widget_ids_in_area(tx: &mut Tx, area: &str) -> Result<Vec<i64>> {
        tx.scalars(
            Sql::new("SELECT id FROM widgets WHERE area = $1 ORDER BY position, id").bind(area),
        )
        .await
    }

    pub(crate) async fn update_widget(
        tx: &mut Tx,
        id: i64,
        title: &str,
        kind: &WidgetKind,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE widgets SET title = $1, kind = $2, settings = $3 WHERE id = $4")
                .bind(title)
                .bind(kind.kind())
                .bind(kind.settings_json())
                .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn set_widget_position(tx: &mut Tx, id: i64, position: i32) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE widgets SET position = $1 WHERE id = $2")
                .bind(i64::from(position))
                .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn delete_widget(tx: &mut Tx, id: i64) -> Result<bool> {
        Ok(tx
            .execute(Sql::new("DELETE FROM widgets WHERE id = $1").bind(id))
            .await?
            == 1)
    }

    /// Widgets listing a section's stories, to follow the section when it is merged away.
    pub(crate) async fn widget_records_of_kind(
        tx: &mut Tx,
        kind: &str,
    ) -> Result<Vec<WidgetRecord>> {
        tx.fetch_all(
            Sql::new(&format!(
                "SELECT {RECORD_COLUMNS} FROM widgets WHERE kind = $1"
            ))
            .bind(kind),
        )
        .await
    }
}
