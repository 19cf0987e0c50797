//! Versions of stories and pages, so that no save silently replaces one it never saw.
//!
//! Every write of a story's or page's content or state adds one to its `version`
//! (`0017_versions.sql`). A save names the version it was based on and claims the next one with
//! a single guarded statement, `UPDATE … SET version = version + 1 WHERE id = $1 AND version =
//! $2`, as the first write of its transaction: on PostgreSQL the second of two nodes saving from
//! the same version waits on the row lock and then finds the version gone (zero rows); SQLite
//! runs one writer at a time. Either way exactly one of them wins and the other is told.

use chrono::{DateTime, Utc};

use super::desk::RevisionOf;
use super::dialect::{Sql, Tx};
use super::{Result, Store};

/// Who made a story's or page's current version, and when.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct VersionInfo {
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// None: the publishing schedule, or an account deleted since.
    pub updated_by_name: Option<String>,
}

impl RevisionOf {
    fn table(self) -> &'static str {
        match self {
            RevisionOf::Story(_) => "articles",
            RevisionOf::Page(_) => "pages",
        }
    }

    fn row_id(self) -> i64 {
        match self {
            RevisionOf::Story(id) | RevisionOf::Page(id) => id,
        }
    }
}

impl Store {
    /// Claims the next version of a story or page for `by`, if it is still at `base`. Returns
    /// the new version, or None when the row has moved past `base` (or is gone): then nothing
    /// may be written.
    pub(crate) async fn claim_version(
        tx: &mut Tx,
        of: RevisionOf,
        by: Option<i64>,
        base: i64,
    ) -> Result<Option<i64>> {
        let mut sql = Sql::new("UPDATE ");
        sql.push(of.table())
            .push(" SET version = version + 1, updated_by = ")
            .arg(by)
            .push(" WHERE id = ")
            .arg(of.row_id())
            .push(" AND version = ")
            .arg(base)
            .push(" RETURNING version");
        let versions: Vec<i64> = tx.scalars(sql).await?;
        Ok(versions.into_iter().next())
    }

    /// The current version of a story or page, who made it and when (None when it is gone).
    pub async fn version_info(&self, of: RevisionOf) -> Result<Option<VersionInfo>> {
        let mut sql =
            Sql::new("SELECT x.version, x.updated_at, u.display_name AS updated_by_name FROM ");
        sql.push(of.table())
            .push(" x LEFT JOIN users u ON u.id = x.updated_by WHERE x.id = ")
            .arg(of.row_id());
        self.conn().fetch_optional(sql).await
    }
}
