//! Reader comments. The public never receives an email address: [`PublicComment`] has none;
//! only [`ModerationComment`], for moderators and notifications, carries it.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, rows_per_statement};
use super::{Result, Store};
use crate::domain::article::CommentStatus;
use crate::domain::comment::CommentState;

pub use super::thread::Thread;

/// A comment as shown on a story page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PublicComment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: CommentState,
    pub created_at: DateTime<Utc>,
}

/// A comment with everything a moderator sees.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ModerationComment {
    pub id: i64,
    pub article_id: Option<i64>,
    pub page_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub author_ip: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: CommentState,
    pub spam_score: i32,
    pub spam_reasons: String,
    pub notify_replies: String,
    pub notify_token: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl ModerationComment {
    /// The story or page the comment is on.
    pub fn thread(&self) -> Thread {
        Thread::of(self.article_id, self.page_id)
    }
}

/// A comment to store (the comment rules have been applied before this).
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub thread: Thread,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: &'a str,
    pub author_ip: &'a str,
    pub user_agent: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub spam_score: i32,
    pub spam_reasons: &'a str,
    pub moderation_token: &'a str,
    /// `no` or `requested`.
    pub notify_replies: &'a str,
    pub notify_token: &'a str,
    pub created_at: DateTime<Utc>,
}

/// A comment's author details and text, as a moderator corrects them (already validated).
#[derive(Debug, Clone)]
pub struct CommentContent<'a> {
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: &'a str,
    pub body: &'a str,
}

/// What the comment limits are checked against.
#[derive(Debug, Clone)]
pub struct LimitProbe<'a> {
    pub thread: Thread,
    pub ip: &'a str,
    pub email: &'a str,
    pub author: &'a str,
    pub body: &'a str,
    pub since: DateTime<Utc>,
}

/// Recent comments by sender, and whether the text is a duplicate.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct CommentLimits {
    pub by_ip: i64,
    pub by_email: i64,
    pub duplicates: i64,
}

impl LimitProbe<'_> {
    fn sql(&self) -> Sql {
        Sql::new(
            "SELECT (SELECT COUNT(*) FROM comments WHERE author_ip = $1 AND created_at >= $3) AS by_ip, \
                    (SELECT COUNT(*) FROM comments WHERE author_email = $2 AND created_at >= $3) AS by_email, \
                    (SELECT COUNT(*) FROM comments WHERE article_id IS NOT DISTINCT FROM $4 \
                     AND page_id IS NOT DISTINCT FROM $7 AND (author_email = $2 OR author_name = $5) \
                     AND body = $6 AND status <> 'trash') AS duplicates",
        )
        .bind(self.ip)
        .bind(self.email)
        .bind(self.since)
        .bind(self.thread.story_id())
        .bind(self.author)
        .bind(self.body)
        .bind(self.thread.page_id())
    }
}

/// A moderation log entry.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct CommentLogEntry {
    pub action: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// What the comment form needs to know about a story or page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct CommentTarget {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub published_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
    /// `story` or `page`.
    pub kind: String,
}

impl CommentTarget {
    pub fn thread(&self) -> Thread {
        if self.kind == "page" {
            Thread::Page(self.id)
        } else {
            Thread::Story(self.id)
        }
    }
}

/// A comment in the newsroom's moderation queue, with the story it is on.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct QueueComment {
    pub id: i64,
    /// The story the comment is on, or none when it is on a page.
    pub article_id: Option<i64>,
    pub page_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub author_ip: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: CommentState,
    pub spam_score: i32,
    pub spam_reasons: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The story's or page's title, slug and state.
    pub article_title: String,
    pub article_slug: String,
    pub article_status: String,
    pub article_published_at: Option<DateTime<Utc>>,
    /// The name on the comment this one replies to, if it still exists.
    pub parent_author: Option<String>,
}

/// How many comments are in one moderation state.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct StatusCount {
    #[sqlx(try_from = "String")]
    pub status: CommentState,
    pub n: i64,
}

const QUEUE_SELECT: &str = "SELECT c.id, c.article_id, c.page_id, c.parent_id, c.user_id, c.author_name, c.author_email, \
     c.author_url, c.author_ip, c.body, c.status, c.spam_score, c.spam_reasons, c.created_at, c.updated_at, \
     COALESCE(a.title, pg.title) AS article_title, COALESCE(a.slug, pg.slug) AS article_slug, \
     COALESCE(a.status, pg.status) AS article_status, \
     COALESCE(a.published_at, pg.published_at) AS article_published_at, p.author_name AS parent_author \
     FROM comments c LEFT JOIN articles a ON a.id = c.article_id LEFT JOIN pages pg ON pg.id = c.page_id \
     LEFT JOIN comments p ON p.id = c.parent_id";

const PUBLIC_COLUMNS: &str = "id, parent_id, author_name, author_url, body, status, created_at";
const MODERATION_COLUMNS: &str = "id, article_id, page_id, parent_id, user_id, author_name, author_email, author_url, author_ip, \
     body, status, spam_score, spam_reasons, notify_replies, notify_token, created_at, updated_at";

/// The condition on `comments` of [`Store::visible_comments`]: the thread's approved comments,
/// and of the held ones those whose moderation token the reader holds (at most 20).
pub(super) fn visible(sql: &mut Sql, thread: Thread, own: &[(i64, String)]) {
    sql.push(thread.column())
        .push(" = ")
        .arg(thread.id())
        .push(" AND (status = 'approved'");
    for (id, token) in own.iter().filter(|(_, t)| !t.is_empty()).take(20) {
        sql.push(" OR (id = ")
            .arg(*id)
            .push(" AND moderation_token = ")
            .arg(token.as_str());
        sql.push(" AND status IN ('pending', 'spam'))");
    }
    sql.push(")");
}

impl Store {
    /// Approved comments of a story or page, oldest first, plus the submitter's own held
    /// comments named by `(id, moderation token)` pairs from their browser.
    pub async fn visible_comments(
        &self,
        thread: Thread,
        own: &[(i64, String)],
    ) -> Result<Vec<PublicComment>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(PUBLIC_COLUMNS).push(" FROM comments WHERE ");
        visible(&mut sql, thread, own);
        sql.push(" ORDER BY created_at, id");
        self.conn().fetch_all(sql).await
    }

    /// A story's newest approved comments, newest first (its comments feed).
    pub async fn latest_approved_comments(
        &self,
        article_id: i64,
        limit: u32,
    ) -> Result<Vec<PublicComment>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(PUBLIC_COLUMNS)
            .push(" FROM comments WHERE article_id = ")
            .arg(article_id)
            .push(" AND status = 'approved' ORDER BY created_at DESC, id DESC LIMIT ")
            .arg(i64::from(limit));
        self.conn().fetch_all(sql).await
    }

    /// A published story's comment settings.
    pub async fn comment_target(
        &self,
        article_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<CommentTarget>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT id, title, slug, published_at, comment_status, 'story' AS kind FROM articles \
                     WHERE id = $1 AND status = 'published' AND published_at <= $2",
                )
                .bind(article_id)
                .bind(now),
            )
            .await
    }

    /// A published page's comment settings (its publication time stands in for a story's).
    pub async fn page_comment_target(&self, page_id: i64) -> Result<Option<CommentTarget>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT id, title, slug, COALESCE(published_at, updated_at) AS published_at, \
                     comment_status, 'page' AS kind FROM pages WHERE id = $1 AND status = 'published'",
                )
                .bind(page_id),
            )
            .await
    }

    /// How many approved comments a story or page has.
    pub async fn approved_comment_count(&self, thread: Thread) -> Result<i64> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM comments WHERE ");
        sql.push(thread.column())
            .push(" = ")
            .arg(thread.id())
            .push(" AND status = 'approved'");
        self.conn().scalar(sql).await
    }

    /// A comment with its moderation details.
    pub async fn comment(&self, id: i64) -> Result<Option<ModerationComment>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(MODERATION_COLUMNS)
            .push(" FROM comments WHERE id = ")
            .arg(id);
        self.conn().fetch_optional(sql).await
    }

    /// Comments in a moderation state, newest first.
    pub async fn comments_by_status(
        &self,
        status: &str,
        limit: u32,
    ) -> Result<Vec<ModerationComment>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(MODERATION_COLUMNS)
            .push(" FROM comments WHERE status = ")
            .arg(status)
            .push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .arg(i64::from(limit));
        self.conn().fetch_all(sql).await
    }

    /// One page of the moderation queue for a state, newest first.
    pub async fn moderation_queue(
        &self,
        status: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<QueueComment>> {
        let mut sql = Sql::new(QUEUE_SELECT);
        sql.push(" WHERE c.status = ")
            .arg(status)
            .push(" ORDER BY c.created_at DESC, c.id DESC LIMIT ")
            .arg(i64::from(limit))
            .push(" OFFSET ")
            .arg(i64::try_from(offset).unwrap_or(i64::MAX));
        self.conn().fetch_all(sql).await
    }

    /// One comment as the moderation queue shows it.
    pub async fn queue_comment(&self, id: i64) -> Result<Option<QueueComment>> {
        let mut sql = Sql::new(QUEUE_SELECT);
        sql.push(" WHERE c.id = ").arg(id);
        self.conn().fetch_optional(sql).await
    }

    /// How many comments are in each moderation state (states without any are left out).
    pub async fn comment_counts(&self) -> Result<Vec<StatusCount>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT status, COUNT(*) AS n FROM comments GROUP BY status ORDER BY status",
            ))
            .await
    }

    /// How deep a comment sits in its thread (a top-level comment is 1).
    pub async fn comment_depth(&self, id: i64) -> Result<i64> {
        self.conn()
            .scalar(
                Sql::new(
                    "WITH RECURSIVE chain (id, parent_id, depth) AS ( \
                       SELECT id, parent_id, CAST(1 AS BIGINT) FROM comments WHERE id = $1 \
                       UNION ALL SELECT c.id, c.parent_id, chain.depth + 1 FROM comments c \
                       JOIN chain ON c.id = chain.parent_id WHERE chain.depth < 100) \
                     SELECT COALESCE(MAX(depth), 0) FROM chain",
                )
                .bind(id),
            )
            .await
    }

    /// How many comments this address and this email sent since a time, and whether this
    /// text is already on the story: what the comment limits look at. A cheap read, so a flood
    /// is turned away without taking the write lock.
    pub async fn comment_limits(&self, probe: &LimitProbe<'_>) -> Result<CommentLimits> {
        Ok(self
            .conn()
            .fetch_optional(probe.sql())
            .await?
            .expect("a SELECT without FROM returns one row"))
    }

    /// The same inside a write transaction, after locking out concurrent submissions from this
    /// address and email (PostgreSQL; SQLite's writer is alone anyway), so the limits hold
    /// exactly even under a flood.
    pub(crate) async fn comment_limits_in(
        tx: &mut Tx,
        probe: &LimitProbe<'_>,
    ) -> Result<CommentLimits> {
        super::dialect::lock(tx, &format!("comment-ip:{}", probe.ip)).await?;
        super::dialect::lock(tx, &format!("comment-email:{}", probe.email)).await?;
        Ok(tx
            .fetch_optional(probe.sql())
            .await?
            .expect("a SELECT without FROM returns one row"))
    }

    /// The oldest comment time from an IP address or email since a time (for `Retry-After`).
    pub async fn oldest_recent_comment(
        &self,
        ip: &str,
        email: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let v: Vec<DateTime<Utc>> = self
            .conn()
            .scalars(
                Sql::new(
                    "SELECT created_at FROM comments WHERE (author_ip = $1 OR author_email = $2) AND created_at >= $3 \
                     ORDER BY created_at LIMIT 1",
                )
                .bind(ip)
                .bind(email)
                .bind(since),
            )
            .await?;
        Ok(v.into_iter().next())
    }

    /// Whether this email address has an approved comment (the commenter is trusted).
    pub async fn has_approved_comment(&self, email: &str) -> Result<bool> {
        let n: i64 = self
            .conn()
            .scalar(
                Sql::new(
                    "SELECT COUNT(*) FROM comments WHERE author_email = $1 AND status = 'approved'",
                )
                .bind(email),
            )
            .await?;
        Ok(n > 0)
    }

    /// The comment whose reply subscription carries this token.
    pub async fn comment_by_notify_token(&self, token: &str) -> Result<Option<ModerationComment>> {
        if token.is_empty() {
            return Ok(None);
        }
        let mut sql = Sql::new("SELECT ");
        sql.push(MODERATION_COLUMNS)
            .push(" FROM comments WHERE notify_token = ")
            .arg(token);
        self.conn().fetch_optional(sql).await
    }

    /// The moderation log of a comment, oldest first.
    pub async fn comment_log(&self, comment_id: i64) -> Result<Vec<CommentLogEntry>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT action, user_id, actor, detail, created_at FROM comment_log \
                     WHERE comment_id = $1 ORDER BY created_at, id",
                )
                .bind(comment_id),
            )
            .await
    }

    /// Adds a comment. One held for moderation or judged spam shows on no public page (its
    /// writer sees it through their own cookie, past the caches), so it is bookkeeping.
    pub(crate) async fn insert_comment(tx: &mut Tx, c: &NewComment<'_>) -> Result<i64> {
        Ok(Store::insert_comments(tx, std::slice::from_ref(c)).await?[0])
    }

    /// Inserts comments in a few statements (an import writes thousands at a time); returns
    /// their ids in the order given. Both backends number the rows of one `INSERT` in the order
    /// of its `VALUES` list (SQLite's next rowid, PostgreSQL's sequence), so the ids returned,
    /// sorted, are the comments' in order.
    pub(crate) async fn insert_comments(
        tx: &mut Tx,
        comments: &[NewComment<'_>],
    ) -> Result<Vec<i64>> {
        const COLUMNS: usize = 17;
        let mut ids = Vec::with_capacity(comments.len());
        for chunk in comments.chunks(rows_per_statement(COLUMNS)) {
            let mut sql = Sql::new(
                "INSERT INTO comments (article_id, parent_id, user_id, author_name, author_email, author_url, author_ip, \
                 user_agent, body, status, spam_score, spam_reasons, moderation_token, notify_replies, notify_token, created_at, \
                 page_id) VALUES ",
            );
            for (i, c) in chunk.iter().enumerate() {
                sql.row(
                    i == 0,
                    [
                        c.thread.story_id().into(),
                        c.parent_id.into(),
                        c.user_id.into(),
                        c.author_name.into(),
                        c.author_email.into(),
                        c.author_url.into(),
                        c.author_ip.into(),
                        c.user_agent.into(),
                        c.body.into(),
                        c.status.into(),
                        i64::from(c.spam_score).into(),
                        c.spam_reasons.into(),
                        c.moderation_token.into(),
                        c.notify_replies.into(),
                        c.notify_token.into(),
                        c.created_at.into(),
                        c.thread.page_id().into(),
                    ],
                );
            }
            // Held and spam comments show on no public page: inserting only those is bookkeeping.
            if chunk
                .iter()
                .all(|c| c.status != CommentState::Approved.as_str())
            {
                sql = sql.bookkeeping();
            }
            let new = tx.insert_ids(sql, chunk.len()).await?;
            ids.extend(new);
        }
        Ok(ids)
    }

    pub(crate) async fn set_comment_status(tx: &mut Tx, id: i64, status: &str) -> Result<u64> {
        tx.execute(
            Sql::new("UPDATE comments SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(id),
        )
        .await
    }

    /// Replaces what the commenter wrote and who they said they are (a moderator's edit).
    pub(crate) async fn set_comment_content(
        tx: &mut Tx,
        id: i64,
        content: &CommentContent<'_>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        tx.execute(
            Sql::new(
                "UPDATE comments SET author_name = $1, author_email = $2, author_url = $3, body = $4, \
                 updated_at = $5 WHERE id = $6",
            )
            .bind(content.author_name)
            .bind(content.author_email)
            .bind(content.author_url)
            .bind(content.body)
            .bind(at)
            .bind(id),
        )
        .await
    }

    /// Whether a commenter is emailed about replies: shown on no page, so bookkeeping.
    pub(crate) async fn set_comment_notify(tx: &mut Tx, id: i64, state: &str) -> Result<u64> {
        tx.execute(
            Sql::new("UPDATE comments SET notify_replies = $1 WHERE id = $2")
                .bind(state)
                .bind(id)
                .bookkeeping(),
        )
        .await
    }

    pub(crate) async fn delete_comment(tx: &mut Tx, id: i64) -> Result<u64> {
        // Replies stay, attached to the deleted comment's parent (or the top level).
        tx.execute(
            Sql::new("UPDATE comments SET parent_id = (SELECT parent_id FROM comments WHERE id = $1) WHERE parent_id = $1")
                .bind(id),
        )
        .await?;
        tx.execute(Sql::new("DELETE FROM comments WHERE id = $1").bind(id))
            .await
    }

    pub(crate) async fn log_comment_action(
        tx: &mut Tx,
        comment_id: i64,
        action: &str,
        user_id: Option<i64>,
        actor: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO comment_log (comment_id, action, user_id, actor, detail, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(comment_id)
            .bind(action)
            .bind(user_id)
            .bind(actor)
            .bind(detail)
            .bind(at),
        )
        .await?;
        Ok(())
    }

    /// Emails of the story's authors (or the page's author) and of every active editor and
    /// administrator.
    pub async fn comment_moderator_emails(&self, thread: Thread) -> Result<Vec<String>> {
        let article_id = match thread {
            Thread::Story(id) => id,
            Thread::Page(id) => {
                return self
                    .conn()
                    .scalars(
                        Sql::new(
                            "SELECT DISTINCT email FROM users WHERE disabled = FALSE AND email <> '' AND \
                             (role IN ('administrator', 'editor') OR id IN (SELECT author_id FROM pages WHERE id = $1)) \
                             ORDER BY email",
                        )
                        .bind(id),
                    )
                    .await;
            }
        };
        self.conn()
            .scalars(
                Sql::new(
                    "SELECT DISTINCT email FROM users WHERE disabled = FALSE AND email <> '' AND \
                     (role IN ('administrator', 'editor') OR id IN (SELECT user_id FROM article_authors WHERE article_id = $1)) \
                     ORDER BY email",
                )
                .bind(article_id),
            )
            .await
    }
}

/// The indexes of `comments` that take each new comment at a scattered place: by address
/// (flood control), by email (a returning commenter) and by status (the moderation queue). An
/// import of many comments sets them aside ([`Store::set_comment_indexes_aside`]) and builds
/// them again once at its end, one sort each instead of scattered page writes in every
/// transaction. Written as the migrations create them (`0002_comments.sql`, and
/// `0018_page_comments.sql` on SQLite); a test compares.
pub(crate) const LOOKUP_INDEXES: [(&str, &str); 3] = [
    ("comments_ip_idx", "comments (author_ip, created_at)"),
    ("comments_email_idx", "comments (author_email, status)"),
    ("comments_status_idx", "comments (status, created_at)"),
];

impl Store {
    /// How many comments the site holds in any state, counted up to `limit`.
    pub(crate) async fn comments_up_to(&self, limit: i64) -> Result<i64> {
        self.conn()
            .scalar::<i64>(
                Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM comments LIMIT $1) AS c").bind(limit),
            )
            .await
    }

    /// Drops the [`LOOKUP_INDEXES`] for a bulk import. Until [`Store::ensure_comment_indexes`]
    /// runs (the import's end, or the next start of a node or a command that migrates),
    /// comments are still read and written correctly; only the lookups by status, address and
    /// email (the moderation queue and its counts, the flood check, a returning commenter)
    /// read the table whole.
    pub(crate) async fn set_comment_indexes_aside(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        for (name, _) in LOOKUP_INDEXES {
            tx.execute(Sql::new(&format!("DROP INDEX IF EXISTS {name}")))
                .await?;
        }
        tx.commit().await
    }

    /// Builds any of the [`LOOKUP_INDEXES`] that is missing; returns how many were missing.
    /// Nothing is written when all are there.
    pub async fn ensure_comment_indexes(&self) -> Result<usize> {
        let present: Vec<String> = self
            .conn()
            .scalars(Sql::new(self.comment_index_names()))
            .await?;
        let missing: Vec<_> = LOOKUP_INDEXES
            .iter()
            .filter(|(name, _)| !present.iter().any(|p| p == name))
            .collect();
        if missing.is_empty() {
            return Ok(0);
        }
        let create =
            |(name, on): &&(&str, &str)| format!("CREATE INDEX IF NOT EXISTS {name} ON {on}");
        match &self.db {
            // Each index is built by one sort of every comment. SQLite keeps a sort in memory up
            // to the connection's cache size and spills the rest to temporary files, which
            // `temp_store = MEMORY` (this store's setting) would keep in memory too: the build
            // runs with temporary files on disk and a small cache, so memory does not grow with
            // the comments.
            // (`temp_store` cannot change inside a transaction: each statement is its own, and
            // the connection is closed afterwards rather than set back.) Another process
            // building the same index at once waits on the write lock, then finds it there.
            super::Db::Sqlite(pool) => {
                use super::SqlxResultExt;
                let mut conn = pool.acquire().await.store()?;
                conn.close_on_drop();
                sqlx::query("PRAGMA temp_store = FILE")
                    .execute(&mut *conn)
                    .await
                    .store()?;
                // A serving node's cache, whatever this connection was opened with (an
                // import's is 64 MiB): the sort's memory.
                sqlx::query("PRAGMA cache_size = -16000")
                    .execute(&mut *conn)
                    .await
                    .store()?;
                for index in &missing {
                    sqlx::query(sqlx::AssertSqlSafe(create(index)))
                        .execute(&mut *conn)
                        .await
                        .store()?;
                }
                // Dropping an index dropped its statistics, which the planner needs (see
                // `optimize_on_close` in `Store::connect_with`).
                sqlx::query("ANALYZE comments")
                    .execute(&mut *conn)
                    .await
                    .store()?;
            }
            // Several nodes may start at once: one builds, the others wait on the lock and
            // then find nothing missing.
            super::Db::Postgres(_) => {
                let mut tx = self.begin().await?;
                super::dialect::lock(&mut tx, "comment_indexes").await?;
                let present: Vec<String> = tx.scalars(Sql::new(self.comment_index_names())).await?;
                for index in missing
                    .iter()
                    .filter(|(name, _)| !present.iter().any(|p| p == name))
                {
                    tx.execute(Sql::new(&create(index))).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(missing.len())
    }

    /// A query for the names of the comments table's indexes.
    fn comment_index_names(&self) -> &'static str {
        match self.backend() {
            super::Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comments'"
            }
            super::Backend::Postgres => {
                "SELECT CAST(indexname AS TEXT) FROM pg_indexes \
                 WHERE tablename = 'comments' AND schemaname = current_schema()"
            }
        }
    }
}
