//! What a WordPress import leaves behind for readers: where each imported object went
//! (`wordpress_ids`, for `/?p=ID`-style links) and the old addresses (`legacy_urls`), both
//! written by the importer with upserts, so importing the same export again changes nothing.

use chrono::{DateTime, Utc};

use std::collections::BTreeMap;

use super::dialect::{Sql, Tx, insert_returning_id, rows_per_statement};
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
        Store::put_wordpress_ids(tx, kind, &[(wp_id, local_id)]).await
    }

    /// [`Store::put_wordpress_id`] for many (WordPress id, local id) pairs; the last pair of
    /// a WordPress id wins.
    pub(crate) async fn put_wordpress_ids(
        tx: &mut Tx,
        kind: WordpressKind,
        pairs: &[(i64, i64)],
    ) -> Result<()> {
        // One statement may not update a row twice (PostgreSQL refuses it).
        let pairs: BTreeMap<i64, i64> = pairs.iter().copied().collect();
        let pairs: Vec<(i64, i64)> = pairs.into_iter().collect();
        for chunk in pairs.chunks(rows_per_statement(3)) {
            let mut sql = Sql::new("INSERT INTO wordpress_ids (kind, wp_id, local_id) VALUES ");
            for (i, (wp_id, local_id)) in chunk.iter().enumerate() {
                sql.row(
                    i == 0,
                    [kind.as_str().into(), (*wp_id).into(), (*local_id).into()],
                );
            }
            sql.push(" ON CONFLICT (kind, wp_id) DO UPDATE SET local_id = excluded.local_id");
            tx.execute(sql).await?;
        }
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
        Ok(Store::put_legacy_urls(tx, &[(path, kind, id)]).await? == 1)
    }

    /// [`Store::put_legacy_url`] for many addresses; the last of the same address wins.
    /// Returns how many were addresses (and recorded).
    pub(crate) async fn put_legacy_urls(
        tx: &mut Tx,
        urls: &[(&str, LegacyTarget, i64)],
    ) -> Result<usize> {
        let rows: BTreeMap<String, (LegacyTarget, i64)> = urls
            .iter()
            .filter_map(|(path, kind, id)| Some((legacy_key(path)?, (*kind, *id))))
            .collect();
        let rows: Vec<(String, (LegacyTarget, i64))> = rows.into_iter().collect();
        for chunk in rows.chunks(rows_per_statement(3)) {
            let mut sql =
                Sql::new("INSERT INTO legacy_urls (path, target_kind, target_id) VALUES ");
            for (i, (key, (kind, id))) in chunk.iter().enumerate() {
                sql.row(i == 0, [key.into(), kind.as_str().into(), (*id).into()]);
            }
            sql.push(
                " ON CONFLICT (path) DO UPDATE SET target_kind = excluded.target_kind, \
                 target_id = excluded.target_id",
            );
            tx.execute(sql).await?;
        }
        Ok(rows.len())
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

    /// The kinds of WordPress objects imported so far.
    pub async fn wordpress_kinds(&self) -> Result<Vec<String>> {
        self.conn()
            .scalars(Sql::new("SELECT DISTINCT kind FROM wordpress_ids"))
            .await
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

/// The importer's own writes, beyond the editor's: dates as WordPress had them, remote
/// images, comment threads and menus written again.
impl Store {
    /// Where a WordPress object went, if it was imported before (inside the import's
    /// transaction).
    pub(crate) async fn wordpress_id(
        tx: &mut Tx,
        kind: WordpressKind,
        wp_id: i64,
    ) -> Result<Option<i64>> {
        Ok(tx
            .scalars::<i64>(
                Sql::new("SELECT local_id FROM wordpress_ids WHERE kind = $1 AND wp_id = $2")
                    .bind(kind.as_str())
                    .bind(wp_id),
            )
            .await?
            .into_iter()
            .next())
    }

    /// Sets a story's creation and modification times and its password, as the old site had
    /// them, as a new version of the story.
    /// The text of these stories (`Story`) or pages (`Page`), for the importer's last step.
    pub(crate) async fn imported_bodies(
        tx: &mut Tx,
        kind: LegacyTarget,
        ids: &[i64],
    ) -> Result<Vec<(i64, String)>> {
        let mut sql = Sql::new(match kind {
            LegacyTarget::Page => "SELECT id, body FROM pages WHERE id IN ",
            _ => "SELECT id, body FROM articles WHERE id IN ",
        });
        sql.arg_list(ids);
        tx.fetch_all(sql).await
    }

    /// A story's or page's text with its links pointed at their new addresses: a new version,
    /// as for [`Store::set_imported_story_details`].
    pub(crate) async fn set_imported_body(
        tx: &mut Tx,
        kind: LegacyTarget,
        id: i64,
        body: &str,
    ) -> Result<()> {
        let sql = Sql::new(match kind {
            LegacyTarget::Page => {
                "UPDATE pages SET body = $1, version = version + 1, updated_by = NULL WHERE id = $2"
            }
            _ => {
                "UPDATE articles SET body = $1, version = version + 1, updated_by = NULL \
                  WHERE id = $2"
            }
        });
        tx.execute(sql.bind(body).bind(id)).await?;
        Ok(())
    }

    pub(crate) async fn set_imported_story_details(
        tx: &mut Tx,
        id: i64,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        password: &str,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                // A new version: an editor's form opened before the import is then stale.
                "UPDATE articles SET created_at = $1, updated_at = $2, password = $3, \
                 version = version + 1, updated_by = NULL WHERE id = $4",
            )
            .bind(created_at)
            .bind(updated_at)
            .bind(password)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// The same for a page.
    pub(crate) async fn set_imported_page_details(
        tx: &mut Tx,
        id: i64,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        password: &str,
        author_id: Option<i64>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "UPDATE pages SET created_at = $1, updated_at = $2, password = $3, author_id = $4 \
                 WHERE id = $5",
            )
            .bind(created_at)
            .bind(updated_at)
            .bind(password)
            .bind(author_id)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Moves a page under another (or to the top).
    pub(crate) async fn set_page_parent(tx: &mut Tx, id: i64, parent: Option<i64>) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE pages SET parent_id = $1 WHERE id = $2")
                .bind(parent)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// A media library entry for an image that stays on the old site (no file here).
    pub(crate) async fn insert_remote_media(
        tx: &mut Tx,
        url: &str,
        alt_text: &str,
        caption: &str,
        mime_type: &str,
        uploaded_by: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO media (url, alt_text, caption, mime_type, created_at, file_name, byte_size, \
                 uploaded_by) VALUES ($1, $2, $3, $4, $5, '', 0, $6) RETURNING id",
            )
            .bind(url)
            .bind(alt_text)
            .bind(caption)
            .bind(mime_type)
            .bind(now)
            .bind(uploaded_by),
        )
        .await
    }

    /// Replaces a comment's status, text and parent (a re-import of a changed comment).
    pub(crate) async fn set_imported_comment(
        tx: &mut Tx,
        id: i64,
        status: &str,
        body: &str,
        parent_id: Option<i64>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE comments SET status = $1, body = $2, parent_id = $3 WHERE id = $4")
                .bind(status)
                .bind(body)
                .bind(parent_id)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Removes a menu's entries (a re-import writes them again).
    pub(crate) async fn clear_menu(tx: &mut Tx, menu_id: i64) -> Result<()> {
        tx.execute(Sql::new("DELETE FROM menu_items WHERE menu_id = $1").bind(menu_id))
            .await?;
        Ok(())
    }

    /// Whether an account already signs in with this (normalized) email.
    pub(crate) async fn email_in_use(tx: &mut Tx, email: &str) -> Result<bool> {
        Ok(tx
            .scalar::<i64>(Sql::new("SELECT COUNT(*) FROM users WHERE email = $1").bind(email))
            .await?
            > 0)
    }

    pub(crate) async fn story_exists_in(tx: &mut Tx, id: i64) -> Result<bool> {
        Ok(tx
            .scalar::<i64>(Sql::new("SELECT COUNT(*) FROM articles WHERE id = $1").bind(id))
            .await?
            > 0)
    }

    pub(crate) async fn comment_exists_in(tx: &mut Tx, id: i64) -> Result<bool> {
        Ok(tx
            .scalar::<i64>(Sql::new("SELECT COUNT(*) FROM comments WHERE id = $1").bind(id))
            .await?
            > 0)
    }

    pub(crate) async fn set_comment_parent(
        tx: &mut Tx,
        id: i64,
        parent: Option<i64>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE comments SET parent_id = $1 WHERE id = $2")
                .bind(parent)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Sets the parents of many comments, given as (comment, parent), in a few statements.
    pub(crate) async fn set_comment_parents(tx: &mut Tx, pairs: &[(i64, i64)]) -> Result<()> {
        for chunk in pairs.chunks(rows_per_statement(3)) {
            let mut sql = Sql::new("UPDATE comments SET parent_id = CASE id");
            for (id, parent) in chunk {
                sql.push(" WHEN ").arg(*id).push(" THEN ").arg(*parent);
            }
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            sql.push(" END WHERE id IN ").arg_list(&ids);
            tx.execute(sql).await?;
        }
        Ok(())
    }

    pub(crate) async fn tag_slug_in(tx: &mut Tx, id: i64) -> Result<Option<String>> {
        Ok(tx
            .scalars::<String>(Sql::new("SELECT slug FROM tags WHERE id = $1").bind(id))
            .await?
            .into_iter()
            .next())
    }
}

/// The tables a WordPress import (or the benchmarks' seeding) fills.
const IMPORTED_TABLES: &str = "articles, article_authors, article_categories, article_tags, \
     search_documents, comments, pages, categories, tags, users, media, media_files, menus, \
     menu_items, wordpress_ids, legacy_urls";

impl Store {
    /// After a bulk load on PostgreSQL (an import, `newsdesk seed`): the filled tables'
    /// statistics are gathered and the search index's pending entries merged
    /// (`VACUUM (ANALYZE)`), instead of waiting for autovacuum, or forever where it is off.
    /// Until then the planner takes the tables for empty and every search reads the full-text
    /// index's whole pending list (`bench/README.md`). Nothing to do on SQLite, whose
    /// connections gather statistics when they close (`PRAGMA optimize`). Without statistics
    /// the site is slow, not wrong: a failure is logged, not returned. (A role that does not
    /// own the tables gets PostgreSQL's warning that they were skipped, in the server's log.)
    pub(crate) async fn settle_after_bulk_load(&self) {
        if let super::Db::Postgres(pool) = &self.db {
            // Outside any transaction, as VACUUM must be: one statement, sent as it is.
            let vacuum = format!("VACUUM (ANALYZE) {IMPORTED_TABLES}");
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(vacuum))
                .execute(pool)
                .await
            {
                tracing::warn!(error = %e, "the loaded tables' statistics could not be gathered");
            }
        }
    }
}
