//! The only place that speaks SQL. One SQL text serves both backends (`$1` placeholders work on
//! SQLite and PostgreSQL); the few dialect differences live in [`dialect`].
//!
//! Every query is built once as a [`dialect::Sql`] and run on whichever pool the [`Db`] holds.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub mod accounts;
pub mod app_passwords;
pub mod articles;
pub mod audit;
pub mod backup;
pub mod changes;
pub mod comments;
pub mod desk;
pub mod dialect;
pub mod export;
pub use dialect::Tx;
pub mod media;
pub mod menus;
pub mod pages;
pub mod purge;
mod reader;
pub mod rest;
pub mod search;
pub mod settings;
pub mod sitemaps;
pub mod taxonomy;
pub mod thread;
mod totals;
pub mod users;
pub mod versions;
pub mod widgets;
pub mod wordpress;

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Whether `url` names a SQLite file, whose store reads outside transactions on connections
/// of their own (not PostgreSQL, not SQLite in memory: `sqlite::memory:`, no path, or
/// `mode=memory`, as sqlx reads such a URL).
pub fn is_sqlite_file(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return false;
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    !(path.is_empty() || path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory"))
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
    /// The database cannot take writes right now: its disk is full, or another process holds
    /// SQLite's write lock past the busy timeout. Reads still work; the writer may try again.
    #[error("the database cannot save right now: {0}")]
    CannotSave(CannotSave),
}

/// Why the database refused a write for now (see [`StoreError::CannotSave`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CannotSave {
    /// SQLITE_FULL, or PostgreSQL's `disk_full` (SQLSTATE 53100).
    StorageFull,
    /// SQLITE_BUSY or SQLITE_LOCKED after the busy timeout: another process holds the lock.
    Locked,
}

impl std::fmt::Display for CannotSave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CannotSave::StorageFull => "the disk is full",
            CannotSave::Locked => "another process holds the write lock",
        })
    }
}

/// What a database error code says about writing: the one place where SQLite's result codes
/// (extended codes carry the primary code in their low byte) and PostgreSQL's SQLSTATEs for a
/// full disk or a held lock are read.
fn cannot_save(code: &str) -> Option<CannotSave> {
    if code == "53100" {
        return Some(CannotSave::StorageFull);
    }
    match code.parse::<i32>().ok()? & 0xff {
        13 => Some(CannotSave::StorageFull),
        5 | 6 => Some(CannotSave::Locked),
        _ => None,
    }
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
            if let Some(why) = db.code().as_deref().and_then(cannot_save) {
                return StoreError::CannotSave(why);
            }
        }
        StoreError::Database(err)
    }

    /// Whether the database refused a write for now (full disk, lock held elsewhere), so the
    /// writer should try again in a moment.
    pub fn cannot_save(&self) -> Option<CannotSave> {
        match self {
            StoreError::CannotSave(why) => Some(*why),
            _ => None,
        }
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
    /// Which content this node's caches may hold (see [`Store::fresh_generation`]).
    pub(crate) clock: Arc<ContentClock>,
    /// When a write was last refused for want of space or the lock (see [`Store::ready`]).
    pub(crate) write_health: Arc<WriteHealth>,
    /// Turns for the deliberately expensive password hashing (argon2id), one per core, shared
    /// by every action that hashes or checks a password on this node (see
    /// `actions::accounts::hash_blocking`). Kept here because every action is handed the store.
    pub(crate) hashing: Arc<tokio::sync::Semaphore>,
    /// How many rows the REST API's public lists hold, kept while the content allows (see
    /// [`totals`]).
    pub(crate) totals: Arc<totals::Totals>,
}

/// How many passwords one node hashes or checks at once: one per core, so a flood of sign-ins
/// leaves the async workers (and the readers they serve) free.
pub fn hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// See [`Store::pool_stats`].
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub size: usize,
    pub idle: usize,
    pub max: usize,
}

/// How often a node reads the database's `content_version` to learn of other nodes' (and the
/// command line's) content writes. On PostgreSQL, serving nodes also hear of them at once
/// through `LISTEN` (see [`changes`]); this read is then the fallback.
pub const CONTENT_POLL: Duration = Duration::from_secs(1);

/// The store's content generation: a number in-process caches (pages, the site chrome, the
/// sitemap index) keep with what they hold. It moves by one for every change of content this
/// node knows of, and [`ContentClock::purged_between`] says what changed between two numbers
/// (see [`purge`]), so a cache drops only what shows the changed data. It moves when a
/// transaction of this process that wrote content commits, when another node's write is
/// announced (PostgreSQL's `NOTIFY`, with its keys), and when the database's `content_version`,
/// bumped by every content write of every process, is seen to have moved without such an
/// announcement (then everything changed).
#[derive(Debug)]
pub(crate) struct ContentClock {
    generation: AtomicU64,
    /// What changed at each recent generation, oldest first (at most [`PURGE_LOG`]).
    log: Mutex<std::collections::VecDeque<(u64, purge::Purge)>>,
    /// The highest `content_version` this node knows of.
    seen: AtomicI64,
    /// A `content_version` the poll read before any announcement of it arrived (0: none):
    /// while listening, the announcement gets one poll period to bring its keys.
    unannounced: AtomicI64,
    /// When `content_version` was last read, in milliseconds since [`ContentClock::start`]
    /// plus one (0: never), so that every request can check it without a lock.
    checked_at: AtomicU64,
    start: Instant,
    /// One reader of `content_version` at a time.
    checking: AtomicBool,
    /// Whether this node is listening for other nodes' content writes (PostgreSQL's
    /// `LISTEN`, see [`changes`]).
    listening: AtomicBool,
    /// Told of every content write this process commits (the `--purge-url` hook).
    hook: Mutex<Option<tokio::sync::mpsc::UnboundedSender<purge::Purge>>>,
    /// Where the watch for stories and pages coming due stands (see [`Store::come_due`]).
    coming: Mutex<Coming>,
}

/// The watch for published stories and pages dated ahead: every one whose time came up to
/// `from` is shown by the caches (announced, or came before they were filled), and at
/// `generation` the next one comes due at `next` ([`Coming::UNKNOWN`]: not known yet).
#[derive(Debug, Clone, Copy)]
struct Coming {
    generation: u64,
    from: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    /// When the last change of the lists (or of everything) reached the caches: stories that
    /// came due before it, they show already.
    lists_changed: Option<DateTime<Utc>>,
    /// The same for pages: when everything last changed.
    all_changed: Option<DateTime<Utc>>,
}

impl Coming {
    const UNKNOWN: u64 = u64::MAX;
}

/// How many generations' changes are remembered; a cache older than that drops everything.
const PURGE_LOG: usize = 4096;

impl ContentClock {
    /// Moves the generation, recording what changed.
    fn bump(&self, what: purge::Purge) {
        if what.touches(&[purge::LISTS]) {
            let mut coming = self.coming();
            let now = Some(Utc::now());
            coming.lists_changed = now;
            if what.is_all() {
                coming.all_changed = now;
            }
        }
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        log.push_back((generation, what));
        while log.len() > PURGE_LOG {
            log.pop_front();
        }
    }

    /// What changed after generation `from` up to `to` (everything when `from` is older than
    /// the log remembers).
    pub(crate) fn purged_between(&self, from: u64, to: u64) -> purge::Purge {
        let mut out = purge::Purge::default();
        if to <= from {
            return out;
        }
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        match log.front() {
            Some((first, _)) if *first <= from + 1 => {}
            _ => return purge::Purge::All,
        }
        for (g, what) in log.iter() {
            if *g > from && *g <= to {
                out.merge(what);
                if out.is_all() {
                    break;
                }
            }
        }
        out
    }

    /// A content write of this process committed, leaving `content_version` at `version`.
    pub(crate) fn changed(&self, version: i64, what: purge::Purge) {
        self.seen.fetch_max(version, Ordering::AcqRel);
        self.tell_hook(&what);
        self.bump(what);
    }

    /// Tells the `--purge-url` hook, if any, what changed.
    fn tell_hook(&self, what: &purge::Purge) {
        if let Some(hook) = self.hook.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let _ = hook.send(what.clone());
        }
    }

    /// A published story or page dated ahead came due: the lists, search results and sitemaps
    /// change without a write (`what`). Every node announces it to its own caches (and its
    /// hook).
    fn came_due(&self, what: purge::Purge) {
        self.tell_hook(&what);
        self.bump(what);
    }

    fn coming(&self) -> std::sync::MutexGuard<'_, Coming> {
        self.coming.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a look for stories coming due, keeping when the lists last changed.
    fn settle_coming(&self, generation: u64, from: DateTime<Utc>, next: Option<DateTime<Utc>>) {
        let mut coming = self.coming();
        coming.generation = generation;
        coming.from = from;
        coming.next = next;
    }

    /// Another process announced `version` with what it changed: news only if beyond the last
    /// version known.
    fn announced(&self, version: i64, what: purge::Purge) {
        if self.seen.fetch_max(version, Ordering::AcqRel) < version {
            self.bump(what);
        }
    }

    /// `content_version` was read as `version`: a number beyond the last one known means
    /// another process wrote content. Its keys are unknown, so everything changed, unless
    /// this node listens: then the announcement (which carries them) has until the next read
    /// to arrive.
    fn observed(&self, version: i64) {
        if self.seen.load(Ordering::Acquire) >= version {
            return;
        }
        if self.listening.load(Ordering::Acquire) {
            let waiting = self.unannounced.load(Ordering::Acquire);
            if waiting == 0 || waiting <= self.seen.load(Ordering::Acquire) {
                self.unannounced.store(version, Ordering::Release);
                return;
            }
        }
        self.unannounced.store(0, Ordering::Release);
        if self.seen.fetch_max(version, Ordering::AcqRel) < version {
            self.bump(purge::Purge::All);
        }
    }

    /// Something may have changed unseen (notifications were lost with the connection that
    /// listened for them): the caches drop everything, and the next request reads
    /// `content_version` again.
    fn resync(&self) {
        self.bump(purge::Purge::All);
        self.checked_at.store(0, Ordering::Release);
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    fn due(&self) -> bool {
        let at = self.checked_at.load(Ordering::Acquire);
        at == 0 || self.now_ms().saturating_sub(at) >= CONTENT_POLL.as_millis() as u64
    }

    fn checked(&self) {
        self.checked_at.store(self.now_ms(), Ordering::Release);
    }
}

impl Default for ContentClock {
    fn default() -> ContentClock {
        ContentClock {
            generation: AtomicU64::new(0),
            log: Mutex::default(),
            seen: AtomicI64::new(0),
            unannounced: AtomicI64::new(0),
            checked_at: AtomicU64::new(0),
            start: Instant::now(),
            checking: AtomicBool::new(false),
            listening: AtomicBool::new(false),
            hook: Mutex::new(None),
            // The caches are empty when the store opens: nothing before it is owed to them.
            coming: Mutex::new(Coming {
                generation: Coming::UNKNOWN,
                from: Utc::now(),
                next: None,
                lists_changed: None,
                all_changed: None,
            }),
        }
    }
}

/// Lets the next reader of `content_version` in, however the read ended (a dropped request
/// included).
struct CheckingTurn<'a>(&'a ContentClock);

impl Drop for CheckingTurn<'_> {
    fn drop(&mut self) {
        self.0.checking.store(false, Ordering::Release);
    }
}

/// Remembers the last refused write until a write commits again.
#[derive(Debug, Default)]
pub(crate) struct WriteHealth {
    refused: Mutex<Option<(Instant, CannotSave)>>,
}

impl WriteHealth {
    pub(crate) fn note(&self, e: &StoreError) {
        if let Some(why) = e.cannot_save() {
            *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), why));
        }
    }

    pub(crate) fn committed(&self) {
        *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Why a write was refused within `window`, if one was and none has committed since.
    fn refused_within(&self, window: Duration) -> Option<CannotSave> {
        self.refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .filter(|(at, _)| at.elapsed() < window)
            .map(|(_, why)| why)
    }
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`, in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `FULL`: the WAL is synced at every commit, so an acknowledged write survives a power
    /// cut.
    #[default]
    Full,
    /// `NORMAL`: synced at checkpoints only; faster, but a power cut can lose the last
    /// acknowledged writes (never corrupts the database).
    Normal,
}

/// How [`Store::connect_with`] opens the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// How long a SQLite write waits for the write lock another process holds before the
    /// store answers [`CannotSave::Locked`].
    pub busy_timeout: Duration,
    pub durability: Durability,
    /// SQLite's page cache for each connection of the write pool, in KiB.
    pub write_cache_kib: u32,
    /// Pages SQLite's write-ahead log holds before a commit copies them into the database
    /// file. A page written by many transactions in between is copied once.
    pub checkpoint_pages: u32,
    /// SQLite's memory in all, across every connection of the process, in KiB: past it, each
    /// connection reuses its cached pages rather than allocating more (a soft limit; the
    /// database file's pages stay in the operating system's cache). 0: no limit. SQLite keeps
    /// one limit per process: every connection a store opens sets it, so a process should open
    /// its stores with one value.
    pub sqlite_memory_kib: u32,
}

impl StoreOptions {
    pub fn new(max_connections: u32) -> StoreOptions {
        StoreOptions {
            max_connections,
            busy_timeout: Duration::from_secs(5),
            durability: Durability::Full,
            write_cache_kib: 16_000,
            // SQLite's default.
            checkpoint_pages: 1000,
            // Without it, each read connection and the writer fill their own cache with the
            // pages of the largest queries they ran (a count over the whole archive, a common word's
            // search): 23 MB of a serving node's 67 MB at 100,000 stories.
            sqlite_memory_kib: 16 * 1024,
        }
    }
}

/// How long a refused write keeps `/readyz` at 503 unless a write commits first.
pub const READY_WINDOW: Duration = Duration::from_secs(10);

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
    /// Opens a pool on the database the URL names (creating a SQLite file if needed), with the
    /// default options.
    pub async fn connect(
        url: &str,
        max_connections: u32,
    ) -> std::result::Result<Store, ConnectError> {
        Store::connect_with(url, StoreOptions::new(max_connections)).await
    }

    /// Opens a pool on the database the URL names (creating a SQLite file if needed).
    pub async fn connect_with(
        url: &str,
        options: StoreOptions,
    ) -> std::result::Result<Store, ConnectError> {
        let max_connections = options.max_connections;
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
                    .synchronous(match options.durability {
                        Durability::Full => SqliteSynchronous::Full,
                        Durability::Normal => SqliteSynchronous::Normal,
                    })
                    .foreign_keys(true)
                    .busy_timeout(options.busy_timeout)
                    .pragma("cache_size", format!("-{}", options.write_cache_kib))
                    .pragma("temp_store", "memory")
                    .pragma("wal_autocheckpoint", options.checkpoint_pages.to_string())
                    // Process-wide: the read path's connections are held to it too.
                    .pragma(
                        "soft_heap_limit",
                        (u64::from(options.sqlite_memory_kib) * 1024).to_string(),
                    )
                    // Keeps the query planner's statistics fresh (SQLite's recommended practice),
                    // with no sampling limit: sampled statistics read a column where every row
                    // has the same value (`status` in a news archive) as selective, and the
                    // planner then drove story lists from it, minutes per page at 1,000,000.
                    .optimize_on_close(true, None);
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(10))
                    // A write that failed part-way (a full disk makes SQLite roll the whole
                    // transaction back by itself, and the driver's own ROLLBACK then fails) can
                    // leave the driver believing a transaction is still open, refusing every
                    // later BEGIN on that connection. Such a connection is closed on its way
                    // back to the pool, and the pool opens a fresh one.
                    .after_release(|conn, _| {
                        Box::pin(async move {
                            use sqlx::Connection;
                            // The ping queues behind the rollback of a dropped transaction.
                            conn.ping().await?;
                            if conn.is_in_transaction() {
                                tracing::warn!(
                                    "closing a database connection left inside a failed transaction"
                                );
                                return Ok(false);
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(opts.clone())
                    .await
                    .map_err(open_err)?;
                if is_sqlite_file(url) {
                    let file = opts.get_filename();
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
                // No just-in-time compilation: every query here reads a few index entries, but
                // a prepared statement's generic plan can estimate otherwise, and compiling it
                // then takes seconds (2.5 s for one lookup of search keys, which runs in 2 ms
                // without).
                let opts = PgConnectOptions::from_str(url)
                    .map_err(open_err)?
                    .application_name("newsdesk")
                    .options([("jit", "off")]);
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
            clock: Arc::default(),
            write_health: Arc::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(hashing_slots())),
            totals: Arc::default(),
        })
    }

    /// Creates or upgrades the schema, builds the comment indexes an unfinished import set
    /// aside, then indexes the stories for search if the index is missing or was built for
    /// another language. On PostgreSQL the migrator, then the comment index builder, hold advisory
    /// locks, so several nodes starting at once migrate and build exactly once.
    pub async fn migrate(&self) -> std::result::Result<(), ConnectError> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        // An import stopped after setting these aside (killed, say) left them missing. Without
        // them the site is slower, never wrong: a failure here is reported, not fatal.
        match self.ensure_comment_indexes().await {
            Ok(0) => {}
            Ok(_) => tracing::info!("built the comment indexes an unfinished import had set aside"),
            Err(e) => {
                tracing::warn!(error = %e, "the comment indexes an unfinished import set aside could not be built")
            }
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

    /// Whether this node can write: no write was refused for want of space or the lock in the
    /// last [`READY_WINDOW`] without a write committing since, and a small write probe (a row
    /// with a few kilobytes, written and removed in one committed transaction) succeeds.
    pub async fn ready(&self) -> Result<()> {
        if let Some(why) = self.write_health.refused_within(READY_WINDOW) {
            return Err(StoreError::CannotSave(why));
        }
        let mut tx = self.begin().await?;
        let id = dialect::insert_returning_id(
            &mut tx,
            dialect::Sql::new("INSERT INTO write_probe (pad) VALUES ($1) RETURNING id")
                .bind(vec![0u8; 8192]),
        )
        .await?;
        tx.execute(dialect::Sql::new("DELETE FROM write_probe WHERE id = $1").bind(id))
            .await?;
        tx.commit().await
    }

    /// On SQLite, copies the write-ahead log into the database file and empties it (frames
    /// another process still reads stay); nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<()> {
        if let Db::Sqlite(pool) = &self.db {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await
                .store()?;
        }
        Ok(())
    }

    /// Runs a `PRAGMA` on every connection of SQLite's write pool (opening them all), for tests
    /// that inject faults such as a full disk (`PRAGMA max_page_count = N`). Not for use in the
    /// application.
    #[doc(hidden)]
    pub async fn sqlite_pragma_on_every_connection(&self, pragma: &str) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Ok(());
        };
        let mut held = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            held.push(pool.acquire().await.store()?);
        }
        for conn in &mut held {
            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA {pragma}")))
                .execute(&mut **conn)
                .await
                .store()?;
        }
        Ok(())
    }

    /// Takes every password-hashing turn of this node until the returned permit is dropped,
    /// for tests of the answer to a sign-in flood. Not for use in the application.
    #[doc(hidden)]
    pub async fn hold_every_hashing_turn(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.hashing
            .clone()
            .acquire_many_owned(u32::try_from(hashing_slots()).unwrap_or(u32::MAX))
            .await
            .expect("the hashing turns are never closed")
    }

    /// A number that changes whenever this process writes content, or learns that another
    /// process did; in-process caches compare it. See [`Store::fresh_generation`].
    pub fn generation(&self) -> u64 {
        self.clock.generation.load(Ordering::Acquire)
    }

    /// The content generation as known, unless the database's `content_version` is due to be
    /// read ([`Store::fresh_generation`]) and no one is reading it yet: a caller that must not
    /// wait for that read leaves it to one that may.
    pub fn known_generation(&self) -> Option<u64> {
        let clock = &self.clock;
        (!clock.due() || clock.checking.load(Ordering::Acquire)).then(|| self.generation())
    }

    /// The content generation, after reading the database's `content_version` if the last read
    /// is [`CONTENT_POLL`] old, so content written by another node on the same database, or by
    /// a command, shows within about that time. One caller reads at a time; the others go on
    /// with the generation as known, without waiting. A failed read is only logged.
    pub async fn fresh_generation(&self) -> u64 {
        let clock = &self.clock;
        if clock.due() && !clock.checking.swap(true, Ordering::AcqRel) {
            let _turn = CheckingTurn(clock);
            if clock.due() {
                match self
                    .conn()
                    .scalar::<i64>(dialect::Sql::new(
                        "SELECT version FROM content_version WHERE id = 1",
                    ))
                    .await
                {
                    Ok(v) => clock.observed(v),
                    Err(e) => tracing::warn!(error = %e, "cannot read the content version"),
                }
                if let Err(e) = self.come_due(Utc::now()).await {
                    tracing::warn!(error = %e, "cannot look for stories coming due");
                }
                clock.checked();
            }
        }
        self.generation()
    }

    /// Announces to this node's caches (and its `--purge-url` hook) the published stories and
    /// pages whose time came since the last look, as a change of the lists, search results and
    /// sitemaps ([`ContentClock::came_due`]): they show from their time on with no write, so
    /// no page kept from before may hide them. Runs with the read of `content_version`, so at
    /// most once per [`CONTENT_POLL`]; while the content is unchanged and nothing is due yet,
    /// it reads nothing.
    async fn come_due(&self, now: DateTime<Utc>) -> Result<()> {
        let clock = &self.clock;
        let known = *clock.coming();
        if known.generation == self.generation() && known.next.is_none_or(|t| t > now) {
            return Ok(());
        }
        // A story that came due before the last change of the lists is shown already (one
        // published without a date is dated at its write, which purged the lists); a page,
        // only after a change of everything.
        let after =
            |changed: Option<DateTime<Utc>>| changed.map_or(known.from, |t| known.from.max(t));
        let generation = self.generation();
        let (story, page) = self
            .due_after(after(known.lists_changed), after(known.all_changed))
            .await?;
        let came = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t <= now);
        let (generation, next) = if came(story) || came(page) {
            clock.came_due(if came(page) {
                // A page shows in menus, under its parent, in the pages' sitemap.
                purge::Purge::All
            } else {
                purge::Purge::Keys(
                    [purge::LISTS, purge::STORIES]
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                )
            });
            // Announced: however the next read ends, it is not announced again.
            clock.settle_coming(Coming::UNKNOWN, now, None);
            let generation = self.generation();
            (generation, self.next_due(now).await?)
        } else {
            (generation, story.into_iter().chain(page).min())
        };
        // `now`, even before `from` (a clock set back): stories it hides again are announced
        // when they come due again.
        clock.settle_coming(generation, now, next);
        Ok(())
    }

    /// The first publication time after `stories` among published stories, and after `pages`
    /// among published pages.
    pub(crate) async fn due_after(
        &self,
        stories: DateTime<Utc>,
        pages: DateTime<Utc>,
    ) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)> {
        let rows: Vec<(String, Option<DateTime<Utc>>)> = self
            .conn()
            .fetch_all(
                dialect::Sql::new(
                    "SELECT 'story', MIN(published_at) FROM articles WHERE status = 'published' AND published_at > $1 \
                     UNION ALL \
                     SELECT 'page', MIN(published_at) FROM pages WHERE status = 'published' AND published_at > $2",
                )
                .bind(stories)
                .bind(pages),
            )
            .await?;
        let of = |kind: &str| rows.iter().find(|(k, _)| k == kind).and_then(|(_, t)| *t);
        Ok((of("story"), of("page")))
    }

    /// Records that content changed, invalidating this process's caches. Committed
    /// transactions that wrote content do this themselves; this is for changes made around the
    /// store (tests writing raw SQL).
    pub fn touch(&self) {
        self.clock.bump(purge::Purge::All);
    }

    /// What changed after generation `from` up to `to` (see [`purge`]).
    pub fn purged_between(&self, from: u64, to: u64) -> purge::Purge {
        self.clock.purged_between(from, to)
    }

    /// Sends what every content write this process commits changed to `hook` (the
    /// `--purge-url` hook), after the commit.
    pub fn tell_purges_to(&self, hook: tokio::sync::mpsc::UnboundedSender<purge::Purge>) {
        *self.clock.hook.lock().unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    /// The connection pool's size: open connections, idle ones among them, and the most it
    /// opens (for `/metrics`).
    pub fn pool_stats(&self) -> PoolStats {
        match &self.db {
            Db::Sqlite(p) => PoolStats {
                size: p.size() as usize,
                idle: p.num_idle(),
                max: p.options().get_max_connections() as usize,
            },
            Db::Postgres(p) => PoolStats {
                size: p.size() as usize,
                idle: p.num_idle(),
                max: p.options().get_max_connections() as usize,
            },
        }
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

    fn keys(k: &[&str]) -> purge::Purge {
        purge::Purge::Keys(k.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn only_a_sqlite_file_reads_apart() {
        assert!(is_sqlite_file(
            "sqlite:///var/lib/newsdesk/newsdesk.db?mode=rwc"
        ));
        assert!(is_sqlite_file("sqlite://data/newsdesk.db"));
        assert!(!is_sqlite_file("sqlite::memory:"));
        assert!(!is_sqlite_file("sqlite://?mode=memory"));
        assert!(!is_sqlite_file(
            "sqlite://data/newsdesk.db?mode=memory&cache=shared"
        ));
        assert!(!is_sqlite_file("postgres://newsdesk@db/newsdesk"));
    }

    #[test]
    fn the_clock_says_what_changed_between_two_generations() {
        let clock = ContentClock::default();
        clock.changed(1, keys(&["story-1"]));
        clock.changed(2, keys(&["lists"]));
        assert_eq!(clock.purged_between(0, 2), keys(&["story-1", "lists"]));
        assert_eq!(clock.purged_between(1, 2), keys(&["lists"]));
        assert!(clock.purged_between(2, 2).is_empty());
        // Another node's announcement carries its keys; an old version is no news.
        clock.announced(3, keys(&["page-4"]));
        clock.announced(3, keys(&["page-5"]));
        assert_eq!(clock.purged_between(2, 3), keys(&["page-4"]));
        assert_eq!(clock.generation.load(Ordering::Acquire), 3);
        // A version read without an announcement: everything changed.
        clock.observed(4);
        assert!(clock.purged_between(3, 4).is_all());
        // A cache older than the log remembers drops everything.
        for v in 5..(5 + PURGE_LOG as i64) {
            clock.changed(v, keys(&["story-9"]));
        }
        assert!(clock.purged_between(0, 5).is_all());
        let now = clock.generation.load(Ordering::Acquire);
        assert_eq!(clock.purged_between(now - 1, now), keys(&["story-9"]));
    }

    #[test]
    fn a_listening_node_waits_one_poll_for_the_announcement() {
        let clock = ContentClock::default();
        clock.listening.store(true, Ordering::Release);
        clock.observed(1);
        assert_eq!(clock.generation.load(Ordering::Acquire), 0, "deferred");
        clock.announced(1, keys(&["story-1"]));
        assert_eq!(clock.purged_between(0, 1), keys(&["story-1"]));
        clock.observed(1);
        // Never announced: at the next read, everything changed.
        clock.observed(2);
        assert_eq!(clock.generation.load(Ordering::Acquire), 1);
        clock.observed(2);
        assert!(clock.purged_between(1, 2).is_all());
    }

    #[test]
    fn full_disks_and_held_locks_are_read_from_both_backends_codes() {
        assert_eq!(cannot_save("13"), Some(CannotSave::StorageFull));
        assert_eq!(cannot_save("53100"), Some(CannotSave::StorageFull));
        assert_eq!(cannot_save("5"), Some(CannotSave::Locked));
        assert_eq!(cannot_save("517"), Some(CannotSave::Locked)); // SQLITE_BUSY_SNAPSHOT
        assert_eq!(cannot_save("262"), Some(CannotSave::Locked)); // SQLITE_LOCKED_SHAREDCACHE
        assert_eq!(cannot_save("2067"), None); // SQLITE_CONSTRAINT_UNIQUE
        assert_eq!(cannot_save("23505"), None);
    }

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
