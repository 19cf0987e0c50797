//! What a WordPress import leaves behind for readers: where each imported object went
//! (`wordpress_ids`, for `/?p=ID`-style links) and the old addresses (`legacy_urls`), both
//! written by the importer with upserts, so importing the same export again changes nothing.

use super::dialect::{Sql, Tx};
use super::{Result, Store};
use crate::domain::legacy::{LegacyTarget, WordpressKind, legacy_key};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
struct LegacyRow {
    #[sqlx(try_from = "String")]
    target_kind: LegacyTarget,
    target_id: i64,
}

impl Store {
    /// Records that the WordPress object `kind`/`wp_id` is now the row `local_id` (replacing
    /// what an earlier import recorded).
    pub async fn put_wordpress_id(
        tx: &mut Tx,
        kind: WordpressKind,
        wp_id: i64,
        local_id: i64,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO wordpress_ids (kind, wp_id, local_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (kind, wp_id) DO UPDATE SET local_id = excluded.local_id",
            )
            .bind(kind.as_str())
            .bind(wp_id)
            .bind(local_id),
        )
        .await?;
        Ok(())
    }

    /// Records an old address (a path, or the export's absolute `link`: its host is dropped)
    /// as leading to the row `kind`/`id`, replacing what it led to before. Stored by its
    /// [`legacy_key`], so any spelling of it is found. `false` when the text is no address of
    /// a site (nothing is recorded).
    pub async fn put_legacy_url(
        tx: &mut Tx,
        path: &str,
        kind: LegacyTarget,
        id: i64,
    ) -> Result<bool> {
        let Some(key) = legacy_key(path) else {
            return Ok(false);
        };
        tx.execute(
            Sql::new(
                "INSERT INTO legacy_urls (path, target_kind, target_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (path) DO UPDATE SET target_kind = excluded.target_kind, \
                 target_id = excluded.target_id",
            )
            .bind(key)
            .bind(kind.as_str())
            .bind(id),
        )
        .await?;
        Ok(true)
    }

    /// The local row an imported WordPress object became.
    pub async fn wordpress_local_id(&self, kind: WordpressKind, wp_id: i64) -> Result<Option<i64>> {
        let ids: Vec<i64> = self
            .conn()
            .scalars(
                Sql::new("SELECT local_id FROM wordpress_ids WHERE kind = $1 AND wp_id = $2")
                    .bind(kind.as_str())
                    .bind(wp_id),
            )
            .await?;
        Ok(ids.into_iter().next())
    }

    /// What the old address with this [`legacy_key`] leads to (one primary-key read).
    pub async fn legacy_target(&self, key: &str) -> Result<Option<(LegacyTarget, i64)>> {
        let row: Option<LegacyRow> = self
            .conn()
            .fetch_optional(
                Sql::new("SELECT target_kind, target_id FROM legacy_urls WHERE path = $1")
                    .bind(key),
            )
            .await?;
        Ok(row.map(|r| (r.target_kind, r.target_id)))
    }

    /// The public slug of an account that may be shown (`/author/SLUG/`), by id.
    pub async fn active_author_slug(&self, id: i64) -> Result<Option<String>> {
        let slugs: Vec<String> = self
            .conn()
            .scalars(Sql::new("SELECT slug FROM users WHERE id = $1 AND disabled = FALSE").bind(id))
            .await?;
        Ok(slugs.into_iter().next())
    }
}
