//! The read path on SQLite: a few plain connections used in place, on the calling thread.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every statement and every row
//! across a channel; on a page of half a dozen reads that hand-off cost more than the queries.
//! Reads of index-bounded queries take microseconds, so they run here directly instead, through
//! the same [`Sql`](super::dialect::Sql) text; writes, transactions and migrations stay on sqlx.
//! WAL mode lets these readers run beside a writer, and each statement sees the latest commit.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use super::dialect::Arg;

/// Read-only connections to one SQLite file.
pub(crate) struct Reader {
    conns: Vec<Mutex<Option<Connection>>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("connections", &self.conns.len())
            .finish()
    }
}

fn read_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Read(e.to_string())
}

impl Reader {
    /// Opens `n` read-only connections to the database file (which must exist and be migrated).
    pub(crate) fn open(path: &Path, n: usize) -> Result<Reader, rusqlite::Error> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n.max(1) {
            let c = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            c.busy_timeout(Duration::from_secs(5))?;
            c.pragma_update(None, "cache_size", -16000)?;
            c.pragma_update(None, "temp_store", "memory")?;
            c.set_prepared_statement_cache_capacity(128);
            // Plans must not depend on bound values: otherwise SQLite marks a cached statement
            // stale whenever a parameter is rebound and re-plans it on every execution.
            c.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                true,
            )?;
            conns.push(Mutex::new(Some(c)));
        }
        Ok(Reader {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on a free connection (waiting for one if all are busy).
    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        let guard = (0..n)
            .find_map(|i| self.conns[(start + i) % n].try_lock().ok())
            .map_or_else(|| self.conns[start % n].lock().map_err(read_error), Ok)?;
        let conn = guard
            .as_ref()
            .ok_or_else(|| StoreError::Read("the database is closed".into()))?;
        f(conn)
    }

    /// Runs a query and decodes every row with serde (columns by name into structs, by position
    /// into tuples).
    pub(crate) fn query<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        args: &[Arg],
    ) -> Result<Vec<T>, StoreError> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(text).map_err(read_error)?;
            for i in 1..=stmt.parameter_count() {
                // `$N` placeholders may repeat or come out of order; bind each by its number.
                let n: usize = stmt
                    .parameter_name(i)
                    .and_then(|name| name.strip_prefix('$'))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(i);
                let arg = args
                    .get(n - 1)
                    .ok_or_else(|| read_error(format!("no argument for ${n}")))?;
                stmt.raw_bind_parameter(i, to_value(arg))
                    .map_err(read_error)?;
            }
            let rows = stmt.raw_query();
            serde_rusqlite::from_rows::<T>(rows)
                .collect::<Result<Vec<T>, _>>()
                .map_err(read_error)
        })
    }

    /// Closes every connection; later reads fail.
    pub(crate) fn close(&self) {
        for c in &self.conns {
            if let Ok(mut guard) = c.lock() {
                guard.take();
            }
        }
    }
}

/// The SQLite value of an argument, encoded exactly as sqlx encodes it on writes (times as
/// RFC 3339 text in UTC), so comparisons between stored and bound values agree.
fn to_value(arg: &Arg) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    let time = |t: &chrono::DateTime<chrono::Utc>| {
        Value::Text(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
    };
    match arg {
        Arg::Int(v) => Value::Integer(*v),
        Arg::OptInt(v) => v.map_or(Value::Null, Value::Integer),
        Arg::Text(v) => Value::Text(v.clone()),
        Arg::Time(t) | Arg::Now(t) => time(t),
        Arg::OptTime(t) => t.as_ref().map_or(Value::Null, time),
        Arg::Bool(b) => Value::Integer(i64::from(*b)),
        Arg::Bytes(v) => Value::Blob(v.clone()),
    }
}
