//! The only place that speaks SQL. One SQL text serves both backends (`$1` placeholders work on
//! SQLite and PostgreSQL); the few dialect differences live in [`dialect`].
//!
//! Every query is built once as a [`dialect::Sql`] and run on whichever pool the [`Db`] holds.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub mod accounts;
pub mod articles;
pub mod audit;
pub mod backup;
pub mod comments;
pub mod desk;
pub mod dialect;
pub use dialect::Tx;
pub mod media;
pub mod menus;
pub mod pages;
mod reader;
pub mod search;
pub mod settings;
pub mod sitemaps;
pub mod taxonomy;
pub mod users;
pub mod widgets;

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store error. Database facts that users can act on become [`StoreError::Conflict`] here, in
/// one place; everything else is internal and is never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated; carries the constraint name (e.g. `articles_slug_key`).
    #[error("conflict on {0}")]
    Conflict(String),
    /// A value a person typed is already another row's, where it must be unique; the field
    /// and a message safe to show (see [`StoreError::taken`]).
    #[error("{field}: {message}")]
    Taken {
        field: &'static str,
        message: String,
    },
    /// A referenced row does not exist.
    #[error("missing reference: {0}")]
    MissingReference(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A read on SQLite's in-place read path failed.
    #[error("read failed: {0}")]
    Read(String),
}

impl StoreError {
    fn from_sqlx(err: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &err {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict(constraint_name(db.as_ref()));
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::MissingReference(
                        db.constraint().unwrap_or("foreign key").to_owned(),
                    );
                }
                _ => {}
            }
        }
        StoreError::Database(err)
    }

    /// Turns a unique violation of a constraint on a typed value into the field error people
    /// see (`email: the address ann@news.example is already used by another account`); the one
    /// place where these database facts become words.
    pub(crate) fn taken(self, value: &str) -> StoreError {
        let (field, what) = match &self {
            StoreError::Conflict(c) if c == "users_email_key" => ("email", "the address"),
            StoreError::Conflict(c) if c == "users_login_key" => ("login", "the login"),
            _ => return self,
        };
        StoreError::Taken {
            field,
            message: format!("{what} {value} is already used by another account"),
        }
    }

    /// Whether this is a unique violation of the named constraint.
    pub fn is_conflict_on(&self, constraint: &str) -> bool {
        matches!(self, StoreError::Conflict(c) if c == constraint)
    }
}

/// PostgreSQL names the violated constraint; SQLite only names the columns ("UNIQUE constraint
/// failed: articles.slug"), which we map to the same `table_column_key` names the schema uses.
fn constraint_name(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(c) = db.constraint() {
        return c.to_owned();
    }
    let msg = db.message();
    match msg.strip_prefix("UNIQUE constraint failed: ") {
        Some(cols) => format!(
            "{}_key",
            cols.split(", ").next().unwrap_or(cols).replace('.', "_")
        ),
        None => "unique".to_owned(),
    }
}

pub(crate) trait SqlxResultExt<T> {
    fn store(self) -> Result<T, StoreError>;
}

impl<T> SqlxResultExt<T> for Result<T, sqlx::Error> {
    fn store(self) -> Result<T, StoreError> {
        self.map_err(StoreError::from_sqlx)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The data layer handed to every part of the application.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// SQLite's read path (absent for PostgreSQL and in-memory SQLite).
    reader: Option<Arc<reader::Reader>>,
    pub(crate) generation: Arc<AtomicU64>,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL (use sqlite://PATH or postgres://USER@HOST/DB)")]
    Scheme,
    /// The reason is one line for an operator, with a hint where one helps; the driver's own
    /// error chain is not repeated after it.
    #[error("cannot open the database {url}: {reason}")]
    Open { url: String, reason: String },
    #[error("cannot migrate the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot build the search index: {0}")]
    SearchIndex(#[source] StoreError),
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Why a database could not be opened, in one line, with what to do about the usual causes.
fn connect_failure(url: &str, e: &sqlx::Error) -> String {
    let (host, port, database) = match PgConnectOptions::from_str(url) {
        Ok(o) => (
            o.get_host().to_owned(),
            o.get_port(),
            o.get_database().unwrap_or_default().to_owned(),
        ),
        Err(_) => (String::new(), 0, String::new()),
    };
    match e {
        sqlx::Error::Database(db) => {
            let message = db.message();
            match db.code().as_deref() {
                Some("3D000") => format!("{message} (create it with `createdb {database}`)"),
                Some("28P01" | "28000") => {
                    format!("{message} (check the user and password in the URL)")
                }
                _ => message.to_owned(),
            }
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("connection refused (is PostgreSQL running and listening on {host}:{port}?)")
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound && !host.is_empty() => {
            format!("{io} (is PostgreSQL running, with its socket at {host}?)")
        }
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => format!("no answer in time (is {host}:{port} reachable?)"),
        sqlx::Error::Configuration(c) => format!("the URL is not valid: {c}"),
        other => other.to_string(),
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens a pool on the database the URL names (creating a SQLite file if needed).
    pub async fn connect(
        url: &str,
        max_connections: u32,
    ) -> std::result::Result<Store, ConnectError> {
        let open_err = |source: sqlx::Error| ConnectError::Open {
            url: redact_url(url),
            reason: connect_failure(url, &source),
        };
        let mut reader = None;
        let db = match Backend::of_url(url).ok_or(ConnectError::Scheme)? {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(open_err)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
                    .pragma("cache_size", "-16000")
                    .pragma("temp_store", "memory")
                    // Keeps the query planner's statistics fresh (SQLite's recommended practice),
                    // with no sampling limit: sampled statistics read a column where every row
                    // has the same value (`status` in a news archive) as selective, and the
                    // planner then drove story lists from it, minutes per page at 1,000,000.
                    .optimize_on_close(true, None);
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts.clone())
                    .await
                    .map_err(open_err)?;
                let file = opts.get_filename();
                if file != std::path::Path::new(":memory:") {
                    let readers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
                    let r =
                        reader::Reader::open(file, readers).map_err(|e| ConnectError::Open {
                            url: redact_url(url),
                            reason: e.to_string(),
                        })?;
                    reader = Some(Arc::new(r));
                }
                Db::Sqlite(pool)
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(open_err)?
                    .application_name("newsdesk");
                // One direct connection first: a pool reports a refused or missing server only
                // as a time-out, and the operator needs the real cause.
                {
                    use sqlx::Connection;
                    sqlx::PgConnection::connect_with(&opts)
                        .await
                        .map_err(open_err)?
                        .close()
                        .await
                        .map_err(open_err)?;
                }
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts)
                    .await
                    .map_err(open_err)?;
                Db::Postgres(pool)
            }
        };
        Ok(Store {
            db,
            reader,
            generation: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Creates or upgrades the schema, then indexes the stories for search if the index is
    /// missing or was built for another language. On PostgreSQL the migrator holds an advisory
    /// lock, so several nodes starting at once migrate exactly once.
    pub async fn migrate(&self) -> std::result::Result<(), ConnectError> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        if let Some(n) = self
            .ensure_search_index()
            .await
            .map_err(ConnectError::SearchIndex)?
            && n > 0
        {
            tracing::info!(stories = n, "built the search index");
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Answers when the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.conn()
            .scalar::<i64>(dialect::Sql::new("SELECT CAST(1 AS BIGINT)"))
            .await?;
        Ok(())
    }

    /// A number that changes whenever this process writes content; in-process caches compare it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Records that content changed, invalidating in-process caches. Committed transactions do
    /// this themselves; this is for changes made around the store (tests writing raw SQL).
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether the site has any stories yet (used by `--demo` to seed only an empty site).
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = self
            .conn()
            .scalar(dialect::Sql::new("SELECT COUNT(*) FROM articles"))
            .await?;
        Ok(n == 0)
    }

    pub async fn close(&self) {
        if let Some(r) = &self.reader {
            r.close();
        }
        match &self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
