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
