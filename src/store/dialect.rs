//! How one SQL text runs on both backends.
//!
//! Queries are built as [`Sql`]: text with `$1`, `$2`… placeholders plus typed arguments. Both
//! SQLite and PostgreSQL accept `$N` placeholders, `RETURNING`, `ON CONFLICT`, window functions
//! and recursive CTEs, and sqlx maps `DateTime<Utc>` to TEXT (RFC 3339, sortable) on SQLite and
//! to TIMESTAMPTZ on PostgreSQL, so every query in `store/` is written once. Where the dialects
//! must differ, the fork is a function here taking the [`Backend`](super::Backend).

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use std::sync::Arc;

use super::reader::Reader;
use super::{ContentClock, Db, Result, SqlxResultExt, StoreError, WriteHealth};

/// One argument of a query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    Time(DateTime<Utc>),
    /// The time a request is answered for: bound as [`Arg::Time`]; a kept count's key names it
    /// without its value (see `store::totals`).
    Now(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Bool(bool),
    /// A file's bytes: BLOB on SQLite, BYTEA on PostgreSQL.
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::OptInt(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(v.clone())
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Arg {
        Arg::Time(v)
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(v: Option<DateTime<Utc>>) -> Arg {
        Arg::OptTime(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Arg {
        Arg::Bytes(v)
    }
}

/// Rows of `columns` values each that one multi-row statement carries. Both backends bound the
/// placeholders of a statement (SQLite at 32,766); a thousand or so keep one statement's
/// arguments small while making the per-statement cost negligible. (On SQLite, binding is
/// linear only because such statements are sent with anonymous placeholders: see
/// [`Sql::for_sqlite`].)
pub(crate) const fn rows_per_statement(columns: usize) -> usize {
    const PLACEHOLDERS: usize = 1024;
    if columns >= PLACEHOLDERS {
        1
    } else {
        PLACEHOLDERS / columns
    }
}

/// SQL text with numbered placeholders and the arguments they stand for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    pub(super) text: String,
    pub(super) args: Vec<Arg>,
    /// Set by [`Sql::bookkeeping`]: this write changes nothing a reader sees.
    pub(super) bookkeeping: bool,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
            bookkeeping: false,
        }
    }

    /// Marks a write to a content table that changes nothing a reader sees (a held comment, a
    /// sign-in time), so committing it leaves the page caches alone. Writes to the tables in
    /// [`BOOKKEEPING_TABLES`] need no mark.
    pub fn bookkeeping(mut self) -> Sql {
        self.bookkeeping = true;
        self
    }

    /// Appends SQL text (never user input: values go through [`Sql::arg`]).
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn arg(&mut self, value: impl Into<Arg>) -> &mut Sql {
        self.args.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends a placeholder for the time the request is answered for (see [`Arg::Now`]).
    pub fn now(&mut self, now: DateTime<Utc>) -> &mut Sql {
        self.arg(Arg::Now(now))
    }

    /// Binds a value to the next placeholder number without appending text, for SQL written with
    /// its `$N` placeholders inline.
    pub fn bind(mut self, value: impl Into<Arg>) -> Sql {
        self.args.push(value.into());
        self
    }

    /// Appends one `(…)` row of a multi-row `VALUES` list, preceded by `, ` unless `first`.
    pub fn row(&mut self, first: bool, values: impl IntoIterator<Item = Arg>) -> &mut Sql {
        if !first {
            self.text.push_str(", ");
        }
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.arg(v);
        }
        self.text.push(')');
        self
    }

    /// The statement as SQLite binds it fastest. SQLite treats `$N` as a *named* parameter,
    /// and sqlx finds each one's number by name, through a list as long as the statement's:
    /// binding grows with the square of the placeholders. Where every `$N` appears once and in
    /// order (as [`Sql::arg`] writes them), anonymous `?` placeholders mean the same and bind
    /// in order; other text is left as it is.
    fn for_sqlite(mut self) -> Sql {
        if let Some(text) = anonymous_placeholders(&self.text, self.args.len()) {
            self.text = text;
        }
        self
    }

    /// Appends `(…)` with one placeholder per id, for `IN` lists. An empty list becomes `(NULL)`,
    /// which matches nothing.
    pub fn arg_list(&mut self, ids: &[i64]) -> &mut Sql {
        self.text.push('(');
        if ids.is_empty() {
            self.text.push_str("NULL");
        }
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.arg(*id);
        }
        self.text.push(')');
        self
    }
}

/// `text` with its `$1` … `$args` placeholders as `?`, if each appears exactly once, in
/// order, outside quotes; `None` otherwise.
fn anonymous_placeholders(text: &str, args: usize) -> Option<String> {
    if args == 0 {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut next = 1usize;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '$') => {
                let digits = text[i + 1..].bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                if text[i + 1..i + 1 + digits].parse::<usize>().ok()? != next {
                    return None;
                }
                next += 1;
                out.push('?');
                for _ in 0..digits {
                    chars.next();
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    (next == args + 1).then_some(out)
}

/// `%text%` for `LIKE … ESCAPE '\'`, the wildcards in `text` taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Builds the sqlx query for `$sql` with `$ctor` and binds every argument.
macro_rules! prepare {
    ($ctor:expr, $sql:expr) => {{
        let Sql { text, args, .. } = $sql;
        let mut q = $ctor(AssertSqlSafe(text));
        for a in args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::OptInt(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Time(v) | Arg::Now(v) => q.bind(v),
                Arg::OptTime(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

/// Reads a boolean stored as SQLite's 0/1 or as a real boolean, also where serde has buffered
/// the value (`#[serde(flatten)]` forgets the hint that an integer is wanted as a boolean).
pub(crate) fn flexible_bool<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<bool, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean or 0/1")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<bool, E> {
            Ok(v != 0)
        }
    }
    d.deserialize_any(V)
}

/// Reads a BLOB or BYTEA column as bytes. On the SQLite read path this takes the value whole,
/// where serde's default for `Vec<u8>` would visit it byte by byte.
pub(crate) fn blob<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<u8>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: serde::de::Error>(
            self,
            v: Vec<u8>,
        ) -> std::result::Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<u8>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }
    d.deserialize_byte_buf(V)
}

/// Rows decodable on both backends (sqlx on PostgreSQL and for SQLite writes; serde on the
/// SQLite read path).
pub(crate) trait Row:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + serde::de::DeserializeOwned
    + Send
    + Unpin
{
}
impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + serde::de::DeserializeOwned
        + Send
        + Unpin
{
}

/// Single values decodable on both backends.
pub(crate) trait Scalar:
    sqlx::Type<sqlx::Sqlite>
    + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
    + sqlx::Type<sqlx::Postgres>
    + for<'r> sqlx::Decode<'r, sqlx::Postgres>
    + serde::de::DeserializeOwned
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + serde::de::DeserializeOwned
        + Send
        + Unpin
{
}

/// The query operations of a transaction. A write refused for want of space or the lock is
/// noted for `/readyz`.
macro_rules! executor_impl {
    ($ty:ty, $self:ident => $sqlite:expr, $pg:expr) => {
        #[allow(dead_code, reason = "every operation is offered; each caller uses a subset")]
        impl $ty {
            pub(crate) async fn fetch_all<T: Row>(&mut $self, sql: Sql) -> Result<Vec<T>> {
                $self.note_write(&sql);
                let r = match $sqlite {
                    Some(e) => prepare!(sqlx::query_as::<sqlx::Sqlite, T>, sql.for_sqlite()).fetch_all(e).await.store(),
                    None => prepare!(sqlx::query_as::<sqlx::Postgres, T>, sql).fetch_all($pg).await.store(),
                };
                r.inspect_err(|e| $self.health.note(e))
            }

            pub(crate) async fn fetch_optional<T: Row>(&mut $self, sql: Sql) -> Result<Option<T>> {
                $self.note_write(&sql);
                let r = match $sqlite {
                    Some(e) => prepare!(sqlx::query_as::<sqlx::Sqlite, T>, sql.for_sqlite()).fetch_optional(e).await.store(),
                    None => prepare!(sqlx::query_as::<sqlx::Postgres, T>, sql).fetch_optional($pg).await.store(),
                };
                r.inspect_err(|e| $self.health.note(e))
            }

            pub(crate) async fn scalar<T: Scalar>(&mut $self, sql: Sql) -> Result<T> {
                $self.note_write(&sql);
                let r = match $sqlite {
                    Some(e) => prepare!(sqlx::query_scalar::<sqlx::Sqlite, T>, sql.for_sqlite()).fetch_one(e).await.store(),
                    None => prepare!(sqlx::query_scalar::<sqlx::Postgres, T>, sql).fetch_one($pg).await.store(),
                };
                r.inspect_err(|e| $self.health.note(e))
            }

            pub(crate) async fn scalars<T: Scalar>(&mut $self, sql: Sql) -> Result<Vec<T>> {
                $self.note_write(&sql);
                let r = match $sqlite {
                    Some(e) => prepare!(sqlx::query_scalar::<sqlx::Sqlite, T>, sql.for_sqlite()).fetch_all(e).await.store(),
                    None => prepare!(sqlx::query_scalar::<sqlx::Postgres, T>, sql).fetch_all($pg).await.store(),
                };
                r.inspect_err(|e| $self.health.note(e))
            }

            /// Runs a statement and returns the number of rows it changed.
            pub(crate) async fn execute(&mut $self, sql: Sql) -> Result<u64> {
                $self.note_write(&sql);
                let r = match $sqlite {
                    Some(e) => prepare!(sqlx::query::<sqlx::Sqlite>, sql.for_sqlite()).execute(e).await.store().map(|d| d.rows_affected()),
                    None => prepare!(sqlx::query::<sqlx::Postgres>, sql).execute($pg).await.store().map(|d| d.rows_affected()),
                };
                r.inspect_err(|e| $self.health.note(e))
            }
        }
    };
}

/// Reads outside a transaction: on SQLite through the in-place [`Reader`], on PostgreSQL
/// through the pool.
pub(crate) struct Conn<'a> {
    pub db: &'a Db,
    pub reader: Option<&'a Reader>,
}

impl Conn<'_> {
    pub(crate) async fn fetch_all<T: Row>(&mut self, sql: Sql) -> Result<Vec<T>> {
        match (self.reader, self.db) {
            (Some(r), _) => r.query(&sql.text, &sql.args),
            (None, Db::Sqlite(p)) => prepare!(sqlx::query_as::<sqlx::Sqlite, T>, sql.for_sqlite())
                .fetch_all(p)
                .await
                .store(),
            (None, Db::Postgres(p)) => prepare!(sqlx::query_as::<sqlx::Postgres, T>, sql)
                .fetch_all(p)
                .await
                .store(),
        }
    }

    pub(crate) async fn fetch_optional<T: Row>(&mut self, sql: Sql) -> Result<Option<T>> {
        Ok(self.fetch_all(sql).await?.into_iter().next())
    }

    pub(crate) async fn scalars<T: Scalar>(&mut self, sql: Sql) -> Result<Vec<T>> {
        match (self.reader, self.db) {
            (Some(r), _) => Ok(r
                .query::<(T,)>(&sql.text, &sql.args)?
                .into_iter()
                .map(|(v,)| v)
                .collect()),
            (None, Db::Sqlite(p)) => {
                prepare!(sqlx::query_scalar::<sqlx::Sqlite, T>, sql.for_sqlite())
                    .fetch_all(p)
                    .await
                    .store()
            }
            (None, Db::Postgres(p)) => prepare!(sqlx::query_scalar::<sqlx::Postgres, T>, sql)
                .fetch_all(p)
                .await
                .store(),
        }
    }

    pub(crate) async fn scalar<T: Scalar>(&mut self, sql: Sql) -> Result<T> {
        self.scalars(sql)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Read("the query returned no row".into()))
    }
}

/// Tables whose rows no reader ever sees: writing only these leaves the page cache, the site
/// chrome and the sitemap cache alone. Every other table is content, so a table added later
/// invalidates the caches until it is listed here. Writes to content tables that change nothing
/// a reader sees are marked one by one with [`Sql::bookkeeping`].
pub(crate) const BOOKKEEPING_TABLES: &[&str] = &[
    "app_passwords",
    "audit_log",
    "autosaves",
    "comment_log",
    "content_version",
    "edit_locks",
    "login_throttle",
    "revisions",
    "sessions",
    "setup_tokens",
    "user_tokens",
    "write_probe",
];

/// The tables a statement writes (`INSERT INTO t`, `UPDATE t`, `DELETE FROM t`, also inside
/// `WITH`), read from its text: `ON CONFLICT … DO UPDATE`, `FOR UPDATE` and quoted text are no
/// writes of their own.
pub(crate) fn written_tables(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut in_quote = false;
    let mut start = None;
    for (i, c) in text.char_indices() {
        if in_quote {
            in_quote = c != '\'';
            continue;
        }
        let word_char = c.is_ascii_alphanumeric() || c == '_';
        match (word_char, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
        if c == '\'' {
            in_quote = true;
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let prev = if i > 0 { words[i - 1] } else { "" };
        let next = words.get(i + 1).copied();
        let inserts = is(w, "INTO")
            && words[..i]
                .iter()
                .rev()
                .take(3)
                .any(|p| is(p, "INSERT") || is(p, "REPLACE"));
        // `DO UPDATE` (an upsert's other half), `FOR UPDATE`, `FOR NO KEY UPDATE` lock or
        // continue a statement; they name no table.
        let row_lock = is(prev, "DO")
            || is(prev, "FOR")
            || (is(prev, "KEY") && i > 1 && is(words[i - 2], "NO"));
        let updates = is(w, "UPDATE") && !row_lock;
        let deletes = is(w, "FROM") && is(prev, "DELETE");
        let target = if inserts || updates || deletes {
            next
        } else {
            None
        };
        if let Some(t) = target {
            out.push(t);
        }
    }
    out
}

/// Whether a statement writes content (see [`BOOKKEEPING_TABLES`]).
fn writes_content(sql: &Sql) -> bool {
    !sql.bookkeeping
        && written_tables(&sql.text)
            .iter()
            .any(|t| !BOOKKEEPING_TABLES.iter().any(|b| t.eq_ignore_ascii_case(b)))
}

/// The PostgreSQL notification channel on which every committed content write announces the
/// new `content_version` (see [`Tx::commit`] and `store::changes`).
pub const CONTENT_CHANNEL: &str = "newsdesk_content";

/// A transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    conn: TxConn,
    /// Whether a statement of this transaction wrote content: committing it then bumps the
    /// database's `content_version` in the same transaction and this store's generation, so
    /// the caches of this node and of every other node drop what the write changed.
    content: bool,
    /// What the content writes changed, as the caller named it (see [`Tx::touch`]); `None`:
    /// everything.
    keys: Option<std::collections::BTreeSet<String>>,
    /// Set by [`Tx::touch_everything`]: whatever keys were named, everything changed.
    everything: bool,
    clock: Arc<ContentClock>,
    /// Told of every write refused for want of space or the lock, and of every commit.
    health: Arc<WriteHealth>,
}

enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(crate) async fn begin(
        db: &Db,
        clock: Arc<ContentClock>,
        health: Arc<WriteHealth>,
    ) -> Result<Tx> {
        let conn = match db {
            // BEGIN IMMEDIATE takes SQLite's write lock up front, so concurrent writers queue on
            // the busy timeout instead of failing mid-transaction with SQLITE_BUSY.
            Db::Sqlite(p) => p.begin_with("BEGIN IMMEDIATE").await.map(TxConn::Sqlite),
            Db::Postgres(p) => p.begin().await.map(TxConn::Postgres),
        }
        .store()
        .inspect_err(|e| health.note(e))?;
        Ok(Tx {
            conn,
            content: false,
            keys: None,
            everything: false,
            clock,
            health,
        })
    }

    /// Notes whether a statement about to run writes content.
    fn note_write(&mut self, sql: &Sql) {
        if !self.content && writes_content(sql) {
            self.content = true;
        }
    }

    /// Names what this transaction's content writes change, as the pages showing it name it
    /// (see `store::purge`): committing purges only the pages naming one of these keys. The
    /// keys must cover every content write of the transaction; one that names none purges
    /// everything. Writes of bookkeeping only purge nothing, keys or not.
    pub fn touch<I, S>(&mut self, keys: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys
            .get_or_insert_with(Default::default)
            .extend(keys.into_iter().map(Into::into));
    }

    /// This transaction changes everything, whatever keys a part of it named.
    pub fn touch_everything(&mut self) {
        self.everything = true;
    }

    /// What committing will purge (nothing unless a statement wrote content).
    pub fn purge(&self) -> super::purge::Purge {
        use super::purge::Purge;
        match &self.keys {
            _ if !self.content => Purge::default(),
            Some(keys) if !self.everything && !keys.is_empty() => Purge::Keys(keys.clone()),
            _ => Purge::All,
        }
    }

    /// Whether a statement so far wrote content (committing will invalidate the caches).
    pub fn wrote_content(&self) -> bool {
        self.content
    }

    /// Commits. When the transaction wrote content, it first bumps the database's
    /// `content_version` (last, so the row is locked only for the commit itself), and after
    /// the commit this store's generation, with what it changed (see [`Tx::touch`]). On
    /// PostgreSQL the same statement sends the new version and the keys on the
    /// [`CONTENT_CHANNEL`] channel, which PostgreSQL delivers to the other
    /// nodes' listeners only once the transaction commits (and never if it rolls back). A
    /// failed commit rolls back; the connection goes back to the pool usable, or is closed if
    /// the driver lost track of it.
    pub async fn commit(mut self) -> Result<()> {
        let purge = self.purge();
        let version = if self.content {
            let bump = if self.is_postgres() {
                let told = match purge.payload() {
                    Some(keys) => format!(":{keys}"),
                    None => String::new(),
                };
                let mut sql = Sql::new(concat!(
                    "WITH bumped AS (UPDATE content_version SET version = version + 1 WHERE id = 1",
                    " RETURNING version) SELECT version FROM bumped,",
                    " pg_notify('newsdesk_content', version::text || "
                ));
                sql.arg(told).push(") AS told");
                sql
            } else {
                Sql::new(
                    "UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version",
                )
            };
            Some(self.scalar::<i64>(bump).await?)
        } else {
            None
        };
        let health = self.health;
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await,
            TxConn::Postgres(t) => t.commit().await,
        }
        .store()
        .inspect_err(|e| health.note(e))?;
        health.committed();
        if let Some(v) = version {
            self.clock.changed(v, purge);
        }
        Ok(())
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.conn, TxConn::Postgres(_))
    }

    /// Runs a multi-row `INSERT` of `rows` rows (without `RETURNING`) into a table keyed by an
    /// integer `id` the database assigns, and returns the new ids in the order of the rows.
    /// SQLite gives the rows of one statement consecutive ids, each one more than the largest
    /// before it, so one number (the last id) tells them all, with no result row per inserted
    /// row; PostgreSQL returns them (`RETURNING id`), assigned in the order of the rows.
    pub(crate) async fn insert_ids(&mut self, mut sql: Sql, rows: usize) -> Result<Vec<i64>> {
        if self.is_postgres() {
            sql.push(" RETURNING id");
            let mut ids: Vec<i64> = self.scalars(sql).await?;
            ids.sort_unstable();
            if ids.len() != rows {
                return Err(StoreError::Read(format!(
                    "{rows} rows were given and {} inserted",
                    ids.len()
                )));
            }
            return Ok(ids);
        }
        self.note_write(&sql);
        let conn = self.sqlite().expect("checked above");
        let done = prepare!(sqlx::query::<sqlx::Sqlite>, sql.for_sqlite())
            .execute(conn)
            .await
            .store()
            .inspect_err(|e| self.health.note(e))?;
        let last = done.last_insert_rowid();
        let first = last - rows as i64 + 1;
        // Past the largest id SQLite picks ids at random; no table here gets near it.
        if done.rows_affected() != rows as u64 || first < 1 || last == i64::MAX {
            return Err(StoreError::Read(format!(
                "{rows} rows were given and {} inserted, the last as {last}",
                done.rows_affected()
            )));
        }
        Ok((first..=last).collect())
    }

    fn sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        match &mut self.conn {
            TxConn::Sqlite(t) => Some(&mut **t),
            TxConn::Postgres(_) => None,
        }
    }
    fn pg(&mut self) -> &mut sqlx::PgConnection {
        match &mut self.conn {
            TxConn::Postgres(t) => t,
            TxConn::Sqlite(_) => unreachable!("checked by the caller"),
        }
    }
}

executor_impl!(Tx, self => self.sqlite(), self.pg());

/// `INSERT … RETURNING id` is shared; this reads the id on either backend.
pub(crate) async fn insert_returning_id(tx: &mut Tx, sql: Sql) -> Result<i64> {
    tx.scalar::<i64>(sql).await
}

/// Serializes writers that pick a slug from the same base until their transaction ends, so
/// concurrent stories with one headline get `-2`, `-3`… instead of failing on the unique index.
/// SQLite needs nothing: `BEGIN IMMEDIATE` already admits one writer at a time. PostgreSQL takes
/// a transaction-scoped advisory lock on the base's hash.
pub(crate) async fn lock_slug_base(tx: &mut Tx, table: &str, base: &str) -> Result<()> {
    lock(tx, &format!("{table}:{base}")).await
}

/// [`lock`] on many keys in one statement, in a fixed order so two writers locking overlapping
/// keys cannot deadlock.
pub(crate) async fn lock_many(tx: &mut Tx, keys: &[String]) -> Result<()> {
    if !tx.is_postgres() || keys.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    for chunk in keys.chunks(rows_per_statement(1)) {
        let mut sql =
            Sql::new("SELECT pg_advisory_xact_lock(hashtext(k)) FROM (SELECT k, ord FROM (VALUES ");
        for (i, key) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .arg(*key)
                .push(", ")
                .arg(i as i64)
                .push(")");
        }
        sql.push(") AS v(k, ord) ORDER BY ord) AS ordered");
        tx.execute(sql).await?;
    }
    Ok(())
}

/// ` FOR UPDATE` on PostgreSQL, to lock the rows a `SELECT` reads until the transaction ends;
/// nothing on SQLite, which has no row locks and whose `BEGIN IMMEDIATE` transactions already
/// run one at a time.
pub(crate) fn for_update(tx: &Tx) -> &'static str {
    if tx.is_postgres() { " FOR UPDATE" } else { "" }
}

/// Holds a transaction-scoped lock on `key` (PostgreSQL advisory lock on its hash; nothing on
/// SQLite, whose `BEGIN IMMEDIATE` transactions already run one at a time).
pub(crate) async fn lock(tx: &mut Tx, key: &str) -> Result<()> {
    if tx.is_postgres() {
        tx.execute(Sql::new("SELECT pg_advisory_xact_lock(hashtext($1))").bind(key))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_written_once_in_order_become_anonymous_for_sqlite() {
        let mut sql = Sql::new("INSERT INTO t (a, b) VALUES ");
        sql.row(true, [Arg::Int(1), Arg::Int(2)])
            .row(false, [Arg::Int(3), Arg::Int(4)]);
        assert_eq!(
            sql.for_sqlite().text,
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        let twelve = (1..=12).map(|i| format!("${i}")).collect::<Vec<_>>();
        assert_eq!(
            anonymous_placeholders(&format!("f({}) = '$x'", twelve.join(",")), 12).as_deref(),
            Some("f(?,?,?,?,?,?,?,?,?,?,?,?) = '$x'")
        );
        // Reused, out of order, missing or inside quotes: left as written.
        for (text, args) in [
            ("a = $1 OR b = $1", 1),
            ("a = $2 AND b = $1", 2),
            ("a = $1", 2),
            ("a = '$1'", 1),
            ("a = $1 AND b = '$2'", 2),
            ("SELECT 1", 0),
        ] {
            assert_eq!(anonymous_placeholders(text, args), None, "{text}");
        }
    }

    #[test]
    fn the_tables_a_statement_writes_are_read_from_its_text() {
        assert_eq!(
            written_tables("INSERT INTO sessions (a) VALUES ($1)"),
            ["sessions"]
        );
        assert_eq!(
            written_tables("INSERT OR IGNORE INTO tags (slug) VALUES ('update x')"),
            ["tags"]
        );
        assert_eq!(
            written_tables(
                "INSERT INTO autosaves (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = excluded.b"
            ),
            ["autosaves"]
        );
        assert_eq!(
            written_tables("update articles set title = $1 where id = $2"),
            ["articles"]
        );
        assert_eq!(
            written_tables("DELETE FROM edit_locks WHERE story_id = $1"),
            ["edit_locks"]
        );
        assert_eq!(
            written_tables(
                "WITH d AS (DELETE FROM login_throttle RETURNING key) UPDATE menus SET x = 1"
            ),
            ["login_throttle", "menus"]
        );
        assert!(written_tables("SELECT id FROM users WHERE id = $1 FOR UPDATE").is_empty());
        assert!(written_tables("SELECT id FROM users FOR NO KEY UPDATE").is_empty());
        assert!(written_tables("SELECT pg_advisory_xact_lock(hashtext($1))").is_empty());
    }

    #[test]
    fn only_writes_outside_the_bookkeeping_tables_are_content() {
        assert!(!writes_content(&Sql::new(
            "INSERT INTO sessions (a) VALUES (1)"
        )));
        assert!(!writes_content(&Sql::new("SELECT * FROM articles")));
        assert!(writes_content(&Sql::new("UPDATE articles SET title = 'x'")));
        assert!(writes_content(&Sql::new(
            "INSERT INTO brand_new_table (a) VALUES (1)"
        )));
        assert!(!writes_content(
            &Sql::new("UPDATE users SET last_login_at = $1").bookkeeping()
        ));
    }
}
