//! Reader comments. The public never receives an email address: [`PublicComment`] has none.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};

/// An approved comment as shown on a story page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct PublicComment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A comment to store (the comment feature's validation happens before this).
#[derive(Debug, Clone)]
pub struct NewComment<'a> {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Approved comments of a story, oldest first.
    pub async fn approved_comments(&self, article_id: i64) -> Result<Vec<PublicComment>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, parent_id, author_name, author_url, body, created_at FROM comments \
                     WHERE article_id = $1 AND status = 'approved' ORDER BY created_at, id",
                )
                .bind(article_id),
            )
            .await
    }

    pub(crate) async fn insert_comment(tx: &mut Tx, c: &NewComment<'_>) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO comments (article_id, parent_id, author_name, author_email, author_url, body, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(c.article_id)
            .bind(c.parent_id)
            .bind(c.author_name)
            .bind(c.author_email)
            .bind(c.author_url)
            .bind(c.body)
            .bind(c.status)
            .bind(c.created_at),
        )
        .await
    }
}
