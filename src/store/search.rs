//! The full-text index of published stories and the queries over it: the one place where the
//! two backends differ in more than types (SQLite's FTS5 table `search_fts` against a `tsvector`
//! column with a GIN index on PostgreSQL).
//!
//! Both index the same rows of `search_documents`: terms analyzed in Rust by
//! [`domain::search`](crate::domain::search), one row per published story, written in the same
//! transaction as every change to the story ([`Store::sync_search`]). A query reaches the
//! database only as quoted terms of letters and digits. Each backend returns the newest matching
//! stories (a backward walk in publication order, bounded by the caller) with their terms, and
//! the ranking happens in Rust, the same on both.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, lock, rows_per_statement};
use super::users::PublicAuthor;
use super::{Result, Store, StoreError};
use crate::domain::search::{Analyzer, SearchQuery, StoryText, story_terms};
use crate::domain::settings::SiteSettings;

/// Slots per second in a sort key: `sort_key = seconds since 1970 × SLOTS + slot`, so keys
/// sort like publication times and stories published in the same second still get their own.
const SLOTS: i64 = 1 << 21;
/// The settings row naming the analysis the index was built with.
const SIGNATURE_SETTING: &str = "search_index_analyzer";
/// Stories read per round trip when the whole index is rebuilt.
const REBUILD_BATCH: i64 = 500;
/// PostgreSQL keeps positions up to this number and at most this many per term.
const PG_MAX_POSITION: usize = 16_383;
const PG_MAX_POSITIONS_PER_TERM: usize = 256;

/// The smallest sort key of a second.
fn key_floor(t: DateTime<Utc>) -> i64 {
    t.timestamp().saturating_mul(SLOTS)
}

/// A story matching a query, with what the ranking needs.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SearchCandidate {
    pub article_id: i64,
    pub title_terms: String,
    pub body_terms: String,
}

/// Restrictions on the stories a search looks at.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Stories in any of these sections.
    pub category_ids: Option<Vec<i64>>,
    pub author_id: Option<i64>,
    /// Published at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Published before this time.
    pub until: Option<DateTime<Utc>>,
}

/// A published story's index row before its sort key is chosen: its terms as [`story_terms`]
/// computes them (headline; everything else).
pub(crate) struct IndexDoc {
    pub article_id: i64,
    pub published_at: DateTime<Utc>,
    pub terms: (String, String),
}

/// A story as the index reads it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
struct SourceRow {
    id: i64,
    title: String,
    body: String,
    excerpt: String,
    credit_line: String,
    source_agency: String,
    published_at: DateTime<Utc>,
}

const SOURCE_COLUMNS: &str = "SELECT id, title, CASE WHEN password = '' THEN body ELSE '' END AS body, \
     CASE WHEN password = '' THEN excerpt ELSE '' END AS excerpt, credit_line, source_agency, \
     published_at FROM articles";

/// A term quoted for FTS5 (`"term"`) or tsquery/tsvector input (`'term'`). Terms hold letters
/// and digits only; the escaping is there so that this stays true whatever a caller passes.
fn quoted(term: &str, quote: char) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push(quote);
    for c in term.chars() {
        if c == quote {
            out.push(c);
        } else if c == '\\' && quote == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// FTS5 query text: every phrase quoted, all required (`"north korea" "summit"`).
fn fts5_match(q: &SearchQuery) -> String {
    q.phrases()
        .iter()
        .map(|p| quoted(&p.join(" "), '"'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// tsquery input: `('north' <-> 'korea') & 'summit'`.
fn tsquery_literal(q: &SearchQuery) -> String {
    q.phrases()
        .iter()
        .map(|p| {
            let words: Vec<String> = p.iter().map(|t| quoted(t, '\'')).collect();
            if words.len() == 1 {
                words.join("")
            } else {
                format!("({})", words.join(" <-> "))
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// tsvector input for a story's terms, with positions: the headline first, then one position
/// left empty so that no phrase spans headline and body (as FTS5's separate columns behave).
fn tsvector_literal(title_terms: &str, body_terms: &str) -> String {
    let mut positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let title = title_terms.split_ascii_whitespace();
    let body = body_terms.split_ascii_whitespace();
    let title_len = title.clone().count();
    for (pos, term) in title
        .enumerate()
        .map(|(i, t)| (i + 1, t))
        .chain(body.enumerate().map(|(i, t)| (title_len + 2 + i, t)))
    {
        let list = positions.entry(term).or_default();
        let pos = pos.min(PG_MAX_POSITION);
        if list.len() < PG_MAX_POSITIONS_PER_TERM && list.last() != Some(&pos) {
            list.push(pos);
        }
    }
    let mut out = String::new();
    for (term, list) in positions {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&quoted(term, '\''));
        out.push(':');
        let list: Vec<String> = list.iter().map(usize::to_string).collect();
        out.push_str(&list.join(","));
    }
    out
}

impl Store {
    /// The newest published stories (at most `limit`) matching every phrase of `q` and the
    /// filters, newest first, with their indexed terms for ranking. Costs one backward walk of
    /// the index that stops after `limit` matches (or at the end, when fewer match).
    pub async fn search_candidates(
        &self,
        q: &SearchQuery,
        filter: &SearchFilter,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<SearchCandidate>> {
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let postgres = matches!(self.backend(), super::Backend::Postgres);
        let mut sql = Sql::new("SELECT d.article_id, d.title_terms, d.body_terms ");
        // The key column whose order each backend's index walks.
        let key = if postgres {
            sql.push("FROM search_documents d WHERE d.document @@ CAST(")
                .arg(tsquery_literal(q))
                .push(" AS tsquery)");
            "d.sort_key"
        } else {
            sql.push(
                "FROM search_fts JOIN search_documents d ON d.sort_key = search_fts.rowid \
                 WHERE search_fts MATCH ",
            )
            .arg(fts5_match(q));
            "search_fts.rowid"
        };
        Self::push_search_filter(&mut sql, key, filter, now);
        sql.push(" ORDER BY ")
            .push(key)
            .push(" DESC LIMIT ")
            .arg(i64::from(limit));
        self.conn().fetch_all(sql).await
    }

    /// ` AND …` for the public rule and the filters; time bounds are given both on the key (so
    /// the index walk starts and stops in the right place) and exactly on the time.
    fn push_search_filter(sql: &mut Sql, key: &str, f: &SearchFilter, now: DateTime<Utc>) {
        sql.push(" AND ")
            .push(key)
            .push(" < ")
            .arg(key_floor(now).saturating_add(SLOTS))
            .push(" AND d.published_at <= ")
            .arg(now);
        if let Some(from) = f.from {
            sql.push(" AND ")
                .push(key)
                .push(" >= ")
                .arg(key_floor(from))
                .push(" AND d.published_at >= ")
                .arg(from);
        }
        if let Some(until) = f.until {
            sql.push(" AND ")
                .push(key)
                .push(" < ")
                .arg(key_floor(until).saturating_add(SLOTS))
                .push(" AND d.published_at < ")
                .arg(until);
        }
        if let Some(ids) = &f.category_ids {
            sql.push(
                " AND EXISTS (SELECT 1 FROM article_categories c \
                 WHERE c.article_id = d.article_id AND c.category_id IN ",
            )
            .arg_list(ids)
            .push(")");
        }
        if let Some(author) = f.author_id {
            sql.push(
                " AND EXISTS (SELECT 1 FROM article_authors aa \
                 WHERE aa.article_id = d.article_id AND aa.user_id = ",
            )
            .arg(author)
            .push(")");
        }
    }

    /// Authors with at least one public story, by name (the search form's author filter).
    ///
    /// Each person's newest due byline is looked up in the listing index and the walk stops at
    /// the first published story (`LIMIT 1`): as a plain `EXISTS`, PostgreSQL joins every byline
    /// of the archive with its story instead (1.2 s at 1,000,000 stories; 0.2 ms this way).
    pub async fn search_authors(&self, now: DateTime<Utc>) -> Result<Vec<PublicAuthor>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT u.id, u.display_name, u.slug, u.bio FROM users u WHERE u.disabled = FALSE \
                 AND EXISTS (SELECT 1 FROM (SELECT aa.article_id FROM article_authors aa CROSS JOIN articles a \
                 WHERE a.id = aa.article_id AND aa.user_id = u.id AND a.status = 'published' AND aa.published_at <= $1 \
                 ORDER BY aa.published_at DESC LIMIT 1) w) \
                 ORDER BY u.display_name, u.id",
            ).bind(now))
            .await
    }

    /// The analyzer for the site language as stored (seen from inside `tx`); an import computes
    /// stories' terms with it ahead of [`Store::insert_articles`].
    pub(crate) async fn search_analyzer(tx: &mut Tx) -> Result<Analyzer> {
        let language: Option<String> = tx
            .fetch_optional::<(String,)>(Sql::new(
                "SELECT value FROM settings WHERE name = 'language'",
            ))
            .await?
            .map(|(v,)| v);
        let settings = SiteSettings::from_rows(language.as_deref().map(|v| ("language", v)));
        Ok(Analyzer::for_language(&settings.language))
    }

    /// Brings a story's index row in line with the story, inside the transaction that changed
    /// it: a published story is (re)indexed, anything else (draft, trash, deleted) is removed.
    /// Every store function that changes a story's text, byline, status or time calls this.
    pub(crate) async fn sync_search(tx: &mut Tx, article_id: i64) -> Result<()> {
        Self::sync_search_many(tx, &[article_id]).await
    }

    /// [`Store::sync_search`] for many stories at once, in a few statements.
    pub(crate) async fn sync_search_many(tx: &mut Tx, ids: &[i64]) -> Result<()> {
        for ids in ids.chunks(rows_per_statement(6)) {
            let mut sql = Sql::new("DELETE FROM search_documents WHERE article_id IN ");
            sql.arg_list(ids);
            tx.execute(sql).await?;
            let mut sql = Sql::new(SOURCE_COLUMNS);
            sql.push(" WHERE id IN ")
                .arg_list(ids)
                .push(" AND status = 'published' AND published_at IS NOT NULL ORDER BY id");
            let stories: Vec<SourceRow> = tx.fetch_all(sql).await?;
            if stories.is_empty() {
                continue;
            }
            let analyzer = Self::search_analyzer(tx).await?;
            Self::index_stories(tx, &analyzer, &stories).await?;
        }
        Ok(())
    }

    /// Removes a story's index row, if any.
    pub(crate) async fn unindex_article(tx: &mut Tx, article_id: i64) -> Result<()> {
        tx.execute(Sql::new("DELETE FROM search_documents WHERE article_id = $1").bind(article_id))
            .await?;
        Ok(())
    }

    /// Writes the index rows of published stories (which must have none), bylines included.
    async fn index_stories(tx: &mut Tx, analyzer: &Analyzer, stories: &[SourceRow]) -> Result<()> {
        let ids: Vec<i64> = stories.iter().map(|s| s.id).collect();
        let mut sql = Sql::new(
            "SELECT aa.article_id, u.display_name FROM article_authors aa \
             JOIN users u ON u.id = aa.user_id WHERE aa.article_id IN ",
        );
        sql.arg_list(&ids)
            .push(" ORDER BY aa.article_id, aa.position, u.id");
        let bylines: Vec<(i64, String)> = tx.fetch_all(sql).await?;
        let mut names: HashMap<i64, Vec<String>> = HashMap::with_capacity(stories.len());
        for (id, name) in bylines {
            names.entry(id).or_default().push(name);
        }
        let docs: Vec<IndexDoc> = stories
            .iter()
            .map(|story| IndexDoc {
                article_id: story.id,
                published_at: story.published_at,
                terms: story_terms(
                    analyzer,
                    &StoryText {
                        title: &story.title,
                        excerpt: &story.excerpt,
                        body_html: &story.body,
                        authors: names.get(&story.id).map_or(&[], Vec::as_slice),
                        credit_line: &story.credit_line,
                        source_agency: &story.source_agency,
                    },
                ),
            })
            .collect();
        Self::write_index_rows(tx, &docs).await
    }

    /// Writes index rows whose terms are already computed, for published stories that have
    /// none: [`Store::insert_articles`] with terms computed ahead (an import computes them on
    /// its reading thread, with [`story_terms`] over the text as it is stored).
    pub(crate) async fn write_index_rows(tx: &mut Tx, docs: &[IndexDoc]) -> Result<()> {
        let keys = Self::free_sort_keys(tx, docs).await?;
        let postgres = tx.is_postgres();
        for (chunk, keys) in docs
            .chunks(rows_per_statement(6))
            .zip(keys.chunks(rows_per_statement(6)))
        {
            let mut sql = Sql::new(
                "INSERT INTO search_documents (sort_key, article_id, published_at, title_terms, body_terms",
            );
            sql.push(if postgres { ", document) " } else { ") " })
                .push("VALUES ");
            for (i, (doc, key)) in chunk.iter().zip(keys).enumerate() {
                let (title_terms, body_terms) = &doc.terms;
                sql.push(if i == 0 { "(" } else { ", (" })
                    .arg(*key)
                    .push(", ")
                    .arg(doc.article_id)
                    .push(", ")
                    .arg(doc.published_at)
                    .push(", ")
                    .arg(title_terms.as_str())
                    .push(", ")
                    .arg(body_terms.as_str());
                if postgres {
                    sql.push(", CAST(")
                        .arg(tsvector_literal(title_terms, body_terms))
                        .push(" AS tsvector)");
                }
                sql.push(")");
            }
            tx.execute(sql).await?;
        }
        Ok(())
    }

    /// Seconds whose taken sort keys one statement reads.
    const RANGES_PER_STATEMENT: usize = 200;

    /// Free sort keys, one per story, each in its story's second of publication: the slot its
    /// id suggests, or the next free one when another story of the same second holds it.
    async fn free_sort_keys(tx: &mut Tx, stories: &[IndexDoc]) -> Result<Vec<i64>> {
        let mut bases: Vec<i64> = stories.iter().map(|s| key_floor(s.published_at)).collect();
        bases.sort_unstable();
        bases.dedup();
        let mut taken: HashSet<i64> = HashSet::new();
        // One range read of the key's index per second, as a `UNION ALL` (under SQLite's limit
        // of 500 parts): PostgreSQL's generic plan for the same ranges joined with `OR` reads
        // every row of the table (3 s a batch at 600,000 stories).
        for bases in bases.chunks(Self::RANGES_PER_STATEMENT) {
            let mut sql = Sql::default();
            for (i, base) in bases.iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("SELECT sort_key FROM search_documents WHERE sort_key >= ")
                    .arg(*base)
                    .push(" AND sort_key < ")
                    .arg(base.saturating_add(SLOTS));
            }
            taken.extend(tx.scalars::<i64>(sql).await?);
        }
        stories
            .iter()
            .map(|story| {
                let base = key_floor(story.published_at);
                let preferred = story.article_id.rem_euclid(SLOTS);
                let key = (0..SLOTS)
                    .map(|i| base + (preferred + i) % SLOTS)
                    .find(|k| !taken.contains(k))
                    .ok_or_else(|| StoreError::Conflict("search_documents_sort_key".into()))?;
                taken.insert(key);
                Ok(key)
            })
            .collect()
    }

    /// Rebuilds the whole index inside `tx` with `analyzer`, and records its signature. Returns
    /// the number of stories indexed.
    async fn rebuild_search_in(tx: &mut Tx, analyzer: &Analyzer) -> Result<u64> {
        tx.execute(Sql::new("DELETE FROM search_documents")).await?;
        let mut last_id = 0_i64;
        let mut indexed = 0_u64;
        loop {
            let mut sql = Sql::new(SOURCE_COLUMNS);
            sql.push(" WHERE status = 'published' AND published_at IS NOT NULL AND id > ")
                .arg(last_id)
                .push(" ORDER BY id LIMIT ")
                .arg(REBUILD_BATCH);
            let stories: Vec<SourceRow> = tx.fetch_all(sql).await?;
            let Some(last) = stories.last() else { break };
            last_id = last.id;
            Self::index_stories(tx, analyzer, &stories).await?;
            indexed += stories.len() as u64;
        }
        Store::put_setting(tx, SIGNATURE_SETTING, &analyzer.signature()).await?;
        Ok(indexed)
    }

    /// Rebuilds the index inside `tx` if it was built for another language or by an older
    /// analyzer (e.g. after the `language` setting changed in this transaction). Returns the
    /// number of stories indexed, or `None` if the index was current.
    pub(crate) async fn refresh_search_index(tx: &mut Tx) -> Result<Option<u64>> {
        // Nodes starting together rebuild once; the others then find the index current.
        lock(tx, "search_index").await?;
        let analyzer = Self::search_analyzer(tx).await?;
        let stored: Option<(String,)> = tx
            .fetch_optional(
                Sql::new("SELECT value FROM settings WHERE name = $1").bind(SIGNATURE_SETTING),
            )
            .await?;
        if stored.is_some_and(|(s,)| s == analyzer.signature()) {
            return Ok(None);
        }
        Ok(Some(Self::rebuild_search_in(tx, &analyzer).await?))
    }

    /// Makes sure the index matches the stories and the site language (run after migrations,
    /// so sites upgraded from before search get their stories indexed). Returns the number of
    /// stories indexed, or `None` if the index was current.
    pub async fn ensure_search_index(&self) -> Result<Option<u64>> {
        if self.search_index_is_current().await? {
            return Ok(None);
        }
        let mut tx = self.begin().await?;
        let rebuilt = Self::refresh_search_index(&mut tx).await?;
        tx.commit().await?;
        Ok(rebuilt)
    }

    /// A cheap read-only check that the stored signature matches the current language.
    async fn search_index_is_current(&self) -> Result<bool> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            name: String,
            value: String,
        }
        let rows: Vec<Rec> = self
            .conn()
            .fetch_all(
                Sql::new("SELECT name, value FROM settings WHERE name IN ('language', $1)")
                    .bind(SIGNATURE_SETTING),
            )
            .await?;
        let get = |n: &str| rows.iter().find(|r| r.name == n).map(|r| r.value.as_str());
        let settings = SiteSettings::from_rows(get("language").map(|v| ("language", v)));
        Ok(get(SIGNATURE_SETTING)
            == Some(
                Analyzer::for_language(&settings.language)
                    .signature()
                    .as_str(),
            ))
    }

    /// Rebuilds the whole index from the stories (`newsdesk reindex`). Returns the number of
    /// stories indexed.
    pub async fn rebuild_search_index(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        lock(&mut tx, "search_index").await?;
        let analyzer = Self::search_analyzer(&mut tx).await?;
        let n = Self::rebuild_search_in(&mut tx, &analyzer).await?;
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn query(raw: &str) -> SearchQuery {
        SearchQuery::parse(&Analyzer::for_language("en"), raw)
    }

    #[test]
    fn backend_queries_are_quoted_terms() {
        let q = query(r#"summit "North Korea" ' OR 1=1 --"#);
        assert_eq!(fts5_match(&q), r#""summit" "north korea" "or" "1""#);
        assert_eq!(
            tsquery_literal(&q),
            "'summit' & ('north' <-> 'korea') & 'or' & '1'"
        );
        assert_eq!(quoted("a\"b", '"'), "\"a\"\"b\"");
        assert_eq!(quoted("a'b\\", '\''), "'a''b\\\\'");
    }

    #[test]
    fn tsvectors_keep_positions_with_a_gap_after_the_headline() {
        assert_eq!(
            tsvector_literal("north korea", "korea summit"),
            "'korea':2,4 'north':1 'summit':5"
        );
        assert_eq!(tsvector_literal("", ""), "");
        let long = "x ".repeat(20_000);
        let v = tsvector_literal("", &long);
        assert_eq!(v.matches(',').count(), PG_MAX_POSITIONS_PER_TERM - 1);
    }

    #[test]
    fn sort_keys_follow_publication_time() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let later = t + chrono::Duration::seconds(1);
        assert!(key_floor(t) + SLOTS - 1 < key_floor(later));
        let old = Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap();
        assert!(key_floor(old) < key_floor(t));
    }
}
