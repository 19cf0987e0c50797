//! The newsroom's view of stories: every state, the editor's full record, the story list's
//! filters, revisions, autosaves, edit locks and the scheduled-publishing sweep.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};
use crate::domain::article::{CommentStatus, Status};

/// Everything the editor shows about a story.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct StoryRecord {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub credit_line: String,
    pub source_agency: String,
    pub source_url: String,
    pub embargo_until: Option<DateTime<Utc>>,
    pub featured_image_id: Option<i64>,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub sticky: bool,
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
    /// WordPress's post password (empty: not protected).
    pub password: String,
    /// Which write of the story this is (see `store::versions`).
    pub version: i64,
}

/// A story's relations, in byline/section order.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StoryLinks {
    pub author_ids: Vec<i64>,
    pub category_ids: Vec<i64>,
    pub tag_names: Vec<String>,
}

/// The editable columns of a story, already validated.
#[derive(Debug, Clone)]
pub struct StoryColumns<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub body: &'a str,
    pub excerpt: &'a str,
    pub credit_line: &'a str,
    pub source_agency: &'a str,
    pub source_url: &'a str,
    pub embargo_until: Option<DateTime<Utc>>,
    pub featured_image_id: Option<i64>,
    pub sticky: bool,
    pub comment_status: &'a str,
    /// Readers must give it to see the text; empty: not protected.
    pub password: &'a str,
    pub author_ids: &'a [i64],
    pub category_ids: &'a [i64],
    pub tag_ids: &'a [i64],
}

/// Filters of the story list.
#[derive(Debug, Clone, Default)]
pub struct DeskQuery {
    pub status: Option<Status>,
    pub category_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Last changed within `[from, to)`.
    pub changed_between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    /// Words that must all appear in the headline.
    pub words: Vec<String>,
    pub sort: DeskSort,
    pub offset: u32,
    pub limit: u32,
    /// For someone who may not edit others' stories: only what is on the site (published or
    /// scheduled) and their own stories in any state.
    pub visible_to: Option<i64>,
}

/// Appends the visibility rule of [`DeskQuery::visible_to`].
fn push_visibility(sql: &mut Sql, visible_to: Option<i64>) {
    if let Some(user) = visible_to {
        sql.push(
            " AND (a.status IN ('published', 'scheduled') \
             OR a.id IN (SELECT x.article_id FROM article_authors x WHERE x.user_id = ",
        )
        .arg(user)
        .push("))");
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeskSort {
    #[default]
    Changed,
    Published,
    Title,
}

/// A row of the story list.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct DeskRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub comment_count: i64,
    /// Password-protected ("Password protected" in the list).
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub protected: bool,
}

/// A saved version of a story's or a page's text.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Revision {
    pub id: i64,
    pub user_id: Option<i64>,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub title: String,
    pub excerpt: String,
    pub body: String,
    /// The story's or page's version this text was saved as (unknown for old revisions).
    pub version: Option<i64>,
}

/// Work in progress the editor saved by itself.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Autosave {
    pub saved_at: DateTime<Utc>,
    pub title: String,
    pub excerpt: String,
    pub body: String,
    /// The story's version the text was typed on top of: restoring it saves from there.
    pub base_version: Option<i64>,
}

const RECORD_COLUMNS: &str = "id, title, slug, body, excerpt, status, published_at, created_at, updated_at, \
     credit_line, source_agency, source_url, embargo_until, featured_image_id, sticky, comment_status, password, version";

impl Store {
    /// A story in any state.
    pub async fn story(&self, id: i64) -> Result<Option<StoryRecord>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!(
                    "SELECT {RECORD_COLUMNS} FROM articles WHERE id = $1"
                ))
                .bind(id),
            )
            .await
    }

    /// A story's bylines, sections and tags.
    pub async fn story_links(&self, id: i64) -> Result<StoryLinks> {
        let mut c = self.conn();
        Ok(StoryLinks {
            author_ids: c
                .scalars(
                    Sql::new("SELECT user_id FROM article_authors WHERE article_id = $1 ORDER BY position, user_id")
                        .bind(id),
                )
                .await?,
            category_ids: c
                .scalars(
                    Sql::new(
                        "SELECT category_id FROM article_categories WHERE article_id = $1 ORDER BY position, category_id",
                    )
                    .bind(id),
                )
                .await?,
            tag_names: c
                .scalars(
                    Sql::new(
                        "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
                         WHERE at.article_id = $1 ORDER BY t.name",
                    )
                    .bind(id),
                )
                .await?,
        })
    }

    /// Whether another story than `except` uses this slug.
    pub(crate) async fn slug_taken(tx: &mut Tx, slug: &str, except: Option<i64>) -> Result<bool> {
        let n: i64 = tx
            .scalar(
                Sql::new("SELECT COUNT(*) FROM articles WHERE slug = $1 AND id <> $2")
                    .bind(slug)
                    .bind(except.unwrap_or(0)),
            )
            .await?;
        Ok(n > 0)
    }

    /// Inserts a new draft-state story row with the given columns; status and time are set
    /// afterwards by [`Store::set_article_status`].
    pub(crate) async fn insert_story(
        tx: &mut Tx,
        c: &StoryColumns<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id = insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO articles (title, slug, body, excerpt, status, created_at, updated_at) \
                 VALUES ($1, $2, '', '', 'draft', $3, $3) RETURNING id",
            )
            .bind(c.title)
            .bind(c.slug)
            .bind(now),
        )
        .await?;
        Store::write_story(tx, id, c, now).await?;
        Ok(id)
    }

    /// Writes every editable column and relation of a story, keeping the relation rows' copy
    /// of its publication time, and re-indexes it.
    pub(crate) async fn write_story(
        tx: &mut Tx,
        id: i64,
        c: &StoryColumns<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "UPDATE articles SET title = $1, slug = $2, body = $3, excerpt = $4, credit_line = $5, \
                 source_agency = $6, source_url = $7, embargo_until = $8, featured_image_id = $9, sticky = $10, \
                 comment_status = $11, updated_at = $12, password = $13 WHERE id = $14",
            )
            .bind(c.title)
            .bind(c.slug)
            .bind(c.body)
            .bind(c.excerpt)
            .bind(c.credit_line)
            .bind(c.source_agency)
            .bind(c.source_url)
            .bind(c.embargo_until)
            .bind(c.featured_image_id)
            .bind(c.sticky)
            .bind(c.comment_status)
            .bind(now)
            .bind(c.password)
            .bind(id),
        )
        .await?;
        for table in super::articles::RELATIONS {
            let mut sql = Sql::new("DELETE FROM ");
            sql.push(table).push(" WHERE article_id = ").arg(id);
            tx.execute(sql).await?;
        }
        let relations: [(&str, &str, &[i64], bool); 3] = [
            ("article_authors", "user_id", c.author_ids, true),
            ("article_categories", "category_id", c.category_ids, true),
            ("article_tags", "tag_id", c.tag_ids, false),
        ];
        for (table, column, ids, positioned) in relations {
            for (pos, target) in ids.iter().enumerate() {
                let mut sql = Sql::new("INSERT INTO ");
                sql.push(table).push(" (article_id, ").push(column);
                if positioned {
                    sql.push(", position, published_at) SELECT id, ")
                        .arg(*target)
                        .push(", ")
                        .arg(pos as i64);
                } else {
                    sql.push(", published_at) SELECT id, ").arg(*target);
                }
                sql.push(", published_at FROM articles WHERE id = ").arg(id);
                tx.execute(sql).await?;
            }
        }
        Store::sync_search(tx, id).await
    }

    /// The story list's page and the total matching.
    pub async fn desk(&self, q: &DeskQuery) -> Result<(Vec<DeskRow>, i64)> {
        let mut filter = Sql::new(" FROM articles a WHERE 1 = 1");
        match q.status {
            Some(s) => {
                filter.push(" AND a.status = ").arg(s.as_str());
            }
            // Trash has its own tab; "all" means everything else.
            None => {
                filter.push(" AND a.status <> 'trash'");
            }
        }
        if let Some(c) = q.category_id {
            filter
                .push(" AND a.id IN (SELECT x.article_id FROM article_categories x WHERE x.category_id = ")
                .arg(c)
                .push(")");
        }
        if let Some(t) = q.tag_id {
            filter
                .push(" AND a.id IN (SELECT x.article_id FROM article_tags x WHERE x.tag_id = ")
                .arg(t)
                .push(")");
        }
        if let Some(u) = q.author_id {
            filter
                .push(" AND a.id IN (SELECT x.article_id FROM article_authors x WHERE x.user_id = ")
                .arg(u)
                .push(")");
        }
        push_visibility(&mut filter, q.visible_to);
        if let Some(from) = q.changed_between.0 {
            filter.push(" AND a.updated_at >= ").arg(from);
        }
        if let Some(to) = q.changed_between.1 {
            filter.push(" AND a.updated_at < ").arg(to);
        }
        for w in q.words.iter().take(8) {
            // Case-insensitive on both backends; `%` and `_` typed by the user match literally.
            let escaped = w
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            filter
                .push(" AND LOWER(a.title) LIKE ")
                .arg(format!("%{escaped}%"))
                .push(" ESCAPE '\\'");
        }
        let mut count = Sql::new("SELECT COUNT(*)");
        count.text.push_str(&filter.text);
        count.args = filter.args.clone();
        let total: i64 = self.conn().scalar(count).await?;
        let mut sql = Sql::new(
            "SELECT a.id, a.title, a.slug, a.status, a.published_at, a.updated_at, \
             (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') AS comment_count, \
             (a.password <> '') AS protected",
        );
        sql.text.push_str(&filter.text);
        sql.args = filter.args;
        sql.push(match q.sort {
            DeskSort::Changed => " ORDER BY a.updated_at DESC, a.id DESC",
            DeskSort::Published => {
                " ORDER BY a.published_at IS NULL, a.published_at DESC, a.id DESC"
            }
            DeskSort::Title => " ORDER BY LOWER(a.title), a.id",
        });
        sql.push(" LIMIT ")
            .arg(i64::from(q.limit))
            .push(" OFFSET ")
            .arg(i64::from(q.offset));
        Ok((self.conn().fetch_all(sql).await?, total))
    }

    /// Tag names for the editor's suggestions, most used first.
    pub async fn tag_names(&self, limit: u32) -> Result<Vec<String>> {
        self.conn()
            .scalars(
                Sql::new(
                    "SELECT t.name FROM tags t ORDER BY (SELECT COUNT(*) FROM article_tags x WHERE x.tag_id = t.id) DESC, t.name LIMIT $1",
                )
                .bind(i64::from(limit)),
            )
            .await
    }

    /// `(story id, user id)` of every byline of these stories.
    pub async fn author_ids_of(&self, article_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            article_id: i64,
            user_id: i64,
        }
        let mut sql =
            Sql::new("SELECT article_id, user_id FROM article_authors WHERE article_id IN ");
        sql.arg_list(article_ids);
        let rows: Vec<Rec> = self.conn().fetch_all(sql).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.article_id, r.user_id))
            .collect())
    }

    /// A story in any state, shaped as the public story page reads it (for previews).
    pub async fn story_as_article_row(
        &self,
        id: i64,
    ) -> Result<Option<super::articles::ArticleRow>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!("{}a.id = $1", super::articles::ARTICLE_SELECT)).bind(id),
            )
            .await
    }

    /// How many stories are in each state (that `visible_to` may see, when given).
    pub async fn desk_counts(&self, visible_to: Option<i64>) -> Result<Vec<(String, i64)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            status: String,
            n: i64,
        }
        let rows: Vec<Rec> = self
            .conn()
            .fetch_all({
                let mut sql =
                    Sql::new("SELECT a.status, COUNT(*) AS n FROM articles a WHERE 1 = 1");
                push_visibility(&mut sql, visible_to);
                sql.push(" GROUP BY a.status");
                sql
            })
            .await?;
        Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
    }

    /// Whether a scheduled story's time has come (read from the partial index of scheduled
    /// stories).
    pub async fn any_due(&self, now: DateTime<Utc>) -> Result<bool> {
        let ids: Vec<i64> = self
            .conn()
            .scalars(
                Sql::new("SELECT id FROM articles WHERE status = 'scheduled' AND published_at <= $1 LIMIT 1")
                    .bind(now),
            )
            .await?;
        Ok(!ids.is_empty())
    }

    /// Publishes every scheduled story whose time has come, in one statement: on PostgreSQL,
    /// when several nodes run this at once, each story changes state exactly once (the row lock
    /// makes the others' `WHERE status = 'scheduled'` fail). Returns the ids published here.
    pub(crate) async fn publish_due(tx: &mut Tx, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let ids: Vec<i64> = tx
            .scalars(
                Sql::new(
                    "UPDATE articles SET status = 'published', updated_at = $1, version = version + 1, \
                     updated_by = NULL \
                     WHERE status = 'scheduled' AND published_at <= $1 RETURNING id",
                )
                .bind(now),
            )
            .await?;
        for id in &ids {
            Store::sync_search(tx, *id).await?;
        }
        Ok(ids)
    }
}

/// What a revision is a version of: a story or a static page (one table holds both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionOf {
    Story(i64),
    Page(i64),
}

impl RevisionOf {
    fn column(self) -> &'static str {
        match self {
            RevisionOf::Story(_) => "article_id",
            RevisionOf::Page(_) => "page_id",
        }
    }

    fn id(self) -> i64 {
        match self {
            RevisionOf::Story(id) | RevisionOf::Page(id) => id,
        }
    }
}

impl Store {
    /// Records a version of a story's text, unless it equals the newest one.
    pub(crate) async fn record_revision(
        tx: &mut Tx,
        article_id: i64,
        user_id: Option<i64>,
        title: &str,
        excerpt: &str,
        body: &str,
        (version, now): (i64, DateTime<Utc>),
    ) -> Result<bool> {
        let text = (title, excerpt, body);
        let of = RevisionOf::Story(article_id);
        Store::record_revision_of(tx, of, user_id, text, (version, now)).await
    }

    /// Records a version of a story's or page's `(title, excerpt, body)`, saved as its
    /// `version`, unless it equals the newest one.
    pub(crate) async fn record_revision_of(
        tx: &mut Tx,
        of: RevisionOf,
        user_id: Option<i64>,
        (title, excerpt, body): (&str, &str, &str),
        (version, now): (i64, DateTime<Utc>),
    ) -> Result<bool> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Last {
            title: String,
            excerpt: String,
            body: String,
        }
        let mut last_sql = Sql::new("SELECT title, excerpt, body FROM revisions WHERE ");
        last_sql
            .push(of.column())
            .push(" = ")
            .arg(of.id())
            .push(" ORDER BY id DESC LIMIT 1");
        let last: Option<Last> = tx.fetch_optional(last_sql).await?;
        if last.is_some_and(|l| l.title == title && l.excerpt == excerpt && l.body == body) {
            return Ok(false);
        }
        let mut insert = Sql::new("INSERT INTO revisions (");
        insert
            .push(of.column())
            .push(", user_id, created_at, title, excerpt, body, version) VALUES (")
            .arg(of.id())
            .push(", ")
            .arg(user_id)
            .push(", ")
            .arg(now)
            .push(", ")
            .arg(title)
            .push(", ")
            .arg(excerpt)
            .push(", ")
            .arg(body)
            .push(", ")
            .arg(version)
            .push(")");
        tx.execute(insert).await?;
        Ok(true)
    }

    /// A story's revisions, newest first.
    pub async fn revisions(&self, article_id: i64) -> Result<Vec<Revision>> {
        self.revisions_of(RevisionOf::Story(article_id)).await
    }

    /// A story's or page's revisions, newest first.
    pub async fn revisions_of(&self, of: RevisionOf) -> Result<Vec<Revision>> {
        let mut sql = Sql::new(
            "SELECT r.id, r.user_id, u.display_name AS author_name, r.created_at, r.title, r.excerpt, r.body, \
             r.version FROM revisions r LEFT JOIN users u ON u.id = r.user_id WHERE r.",
        );
        sql.push(of.column())
            .push(" = ")
            .arg(of.id())
            .push(" ORDER BY r.id DESC");
        self.conn().fetch_all(sql).await
    }

    pub(crate) async fn put_autosave(
        tx: &mut Tx,
        article_id: i64,
        user_id: i64,
        title: &str,
        excerpt: &str,
        body: &str,
        (base_version, now): (Option<i64>, DateTime<Utc>),
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO autosaves (article_id, user_id, saved_at, title, excerpt, body, base_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (article_id, user_id) \
                 DO UPDATE SET saved_at = $3, title = $4, excerpt = $5, body = $6, base_version = $7",
            )
            .bind(article_id)
            .bind(user_id)
            .bind(now)
            .bind(title)
            .bind(excerpt)
            .bind(body)
            .bind(base_version),
        )
        .await?;
        Ok(())
    }

    pub async fn autosave(&self, article_id: i64, user_id: i64) -> Result<Option<Autosave>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT saved_at, title, excerpt, body, base_version FROM autosaves WHERE article_id = $1 AND user_id = $2",
                )
                .bind(article_id)
                .bind(user_id),
            )
            .await
    }

    pub(crate) async fn drop_autosave(tx: &mut Tx, article_id: i64, user_id: i64) -> Result<()> {
        tx.execute(
            Sql::new("DELETE FROM autosaves WHERE article_id = $1 AND user_id = $2")
                .bind(article_id)
                .bind(user_id),
        )
        .await?;
        Ok(())
    }

    /// Takes or renews the edit lock unless someone else renewed theirs since `stale_before`;
    /// then returns that person's display name.
    pub(crate) async fn take_edit_lock(
        tx: &mut Tx,
        article_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let holder: Vec<String> = tx
            .scalars(
                Sql::new(
                    "SELECT u.display_name FROM edit_locks l JOIN users u ON u.id = l.user_id \
                     WHERE l.article_id = $1 AND l.user_id <> $2 AND l.renewed_at >= $3",
                )
                .bind(article_id)
                .bind(user_id)
                .bind(stale_before),
            )
            .await?;
        if let Some(name) = holder.into_iter().next() {
            return Ok(Some(name));
        }
        tx.execute(
            Sql::new(
                "INSERT INTO edit_locks (article_id, user_id, renewed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (article_id) DO UPDATE SET user_id = $2, renewed_at = $3",
            )
            .bind(article_id)
            .bind(user_id)
            .bind(now),
        )
        .await?;
        Ok(None)
    }
}
