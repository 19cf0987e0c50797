//! Online backups of a SQLite site: `VACUUM INTO` copies the database as one read transaction
//! sees it, so the copy is consistent while the site goes on serving and writing (WAL readers
//! never block writers). PostgreSQL sites are backed up with PostgreSQL's own `pg_dump`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{Db, Store};

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: a backup never overwrites a file; name a new one")]
    Exists(PathBuf),
    #[error(
        "newsdesk backup copies SQLite sites; back up this PostgreSQL site with \
         `pg_dump --format=custom --file={file} {database}`"
    )]
    Postgres { file: String, database: String },
    #[error("cannot write the backup {path}: {reason}")]
    Failed { path: PathBuf, reason: String },
}

/// The command that backs up the PostgreSQL database `url` names into `file`.
pub fn postgres_backup_error(url: &str, file: &Path) -> BackupError {
    let database = sqlx::postgres::PgConnectOptions::from_str(url)
        .ok()
        .and_then(|o| o.get_database().map(str::to_owned))
        .unwrap_or_else(|| "DBNAME".to_owned());
    BackupError::Postgres {
        file: file.display().to_string(),
        database,
    }
}

/// The file a `sqlite://` URL names.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .ok()
        .map(|o| o.get_filename().to_owned())
}

impl Store {
    /// Writes a consistent copy of the whole database to `file`, which must not exist yet.
    pub async fn backup_to(&self, file: &Path) -> Result<(), BackupError> {
        let failed = |reason: String| BackupError::Failed {
            path: file.to_owned(),
            reason,
        };
        let pool = match &self.db {
            Db::Sqlite(pool) => pool,
            Db::Postgres(_) => return Err(postgres_backup_error("", file)),
        };
        if file.exists() {
            return Err(BackupError::Exists(file.to_owned()));
        }
        let target = file
            .to_str()
            .ok_or_else(|| failed("the file name is not valid UTF-8".into()))?;
        // SQLite itself refuses a target that appeared since the check above.
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if file.exists() && db.message().contains("exists") => {
                    BackupError::Exists(file.to_owned())
                }
                sqlx::Error::Database(db) => failed(db.message().to_owned()),
                other => failed(other.to_string()),
            })?;
        Ok(())
    }
}
