//! The audit log's rows.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx};
use super::{Result, Store};

/// One audited event as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The account that acted, if any (none for the operator or an unknown login).
    pub actor_id: Option<i64>,
    /// The actor's login at the time, `operator`, or the login a failed sign-in typed.
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    /// The address the request came from, where known; empty otherwise.
    pub ip: String,
}

/// A new row for [`Store::insert_audit`].
#[derive(Debug, Clone)]
pub(crate) struct NewAuditEntry<'a> {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
    pub ip: &'a str,
}

impl Store {
    pub(crate) async fn insert_audit(tx: &mut Tx, e: &NewAuditEntry<'_>) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO audit_log (at, actor_id, actor, action, target, detail, ip) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.at)
            .bind(e.actor_id)
            .bind(e.actor)
            .bind(e.action)
            .bind(e.target)
            .bind(e.detail)
            .bind(e.ip),
        )
        .await?;
        Ok(())
    }

    /// One page of the log, newest first, optionally of one action, with the number of rows
    /// that match.
    pub async fn audit_page(
        &self,
        action: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AuditEntry>, i64)> {
        let filter = |sql: &mut Sql| {
            if let Some(a) = action {
                sql.push(" WHERE action = ").arg(a);
            }
        };
        let mut rows =
            Sql::new("SELECT id, at, actor_id, actor, action, target, detail, ip FROM audit_log");
        filter(&mut rows);
        rows.push(" ORDER BY id DESC LIMIT ")
            .arg(limit)
            .push(" OFFSET ")
            .arg(offset);
        let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
        filter(&mut count);
        let entries = self.conn().fetch_all(rows).await?;
        let total = self.conn().scalar(count).await?;
        Ok((entries, total))
    }
}
