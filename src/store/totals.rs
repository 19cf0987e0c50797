//! How many rows a public list holds in all (the REST API's `X-WP-Total`), kept until content
//! that could change it is written.
//!
//! Counting a list means a look at every row it holds: every published story for the newest
//! stories, 1,000,000 index entries in a million-story archive, where the page of ten rows
//! beside it takes a few index steps. The count changes only with the content, so it is kept
//! per list with the content generation it was made at and the purge keys that can change it
//! ([`purge`](super::purge)), as the page cache keeps pages.
//!
//! Lists also depend on the time, through what is due: a story published for a later time
//! joins its lists when that time comes, without any write. So a kept count also holds the
//! first such time after it was made (the earliest publication time still ahead among
//! published stories and pages), and is made again once that time has come.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::dialect::{Arg, Sql};
use super::purge::Purge;

/// Lists kept at most; past it, the counts no longer valid are dropped, then all of them.
const KEPT: usize = 1024;

/// A count and what it was made from.
struct Kept {
    total: i64,
    /// The content generation it was counted at.
    generation: u64,
    /// Purge keys that change it.
    keys: &'static [&'static str],
    /// The time it was counted for: it says nothing of earlier times.
    at: DateTime<Utc>,
    /// The first time after the count when a published story or page comes due (`None`: none
    /// is dated ahead).
    until: Option<DateTime<Utc>>,
}

impl Kept {
    fn holds(
        &self,
        generation: u64,
        now: DateTime<Utc>,
        purged: &impl Fn(u64, u64) -> Purge,
    ) -> bool {
        self.at <= now
            && self.until.is_none_or(|until| now < until)
            // Known to hold at a later generation than the asker's: as new as it needs.
            && (generation <= self.generation
                || !purged(self.generation, generation).touches(self.keys))
    }
}

/// Kept counts, by the count's SQL text and arguments.
#[derive(Default)]
pub(crate) struct Totals {
    kept: Mutex<HashMap<String, Kept>>,
}

impl std::fmt::Debug for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.kept.lock().map_or(0, |k| k.len());
        f.debug_struct("Totals").field("kept", &kept).finish()
    }
}

impl Totals {
    /// The kept count of the list `key`, if nothing that changes it happened since.
    pub(crate) fn get(
        &self,
        key: &str,
        generation: u64,
        now: DateTime<Utc>,
        purged: impl Fn(u64, u64) -> Purge,
    ) -> Option<i64> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let k = kept.get_mut(key)?;
        if !k.holds(generation, now, &purged) {
            return None;
        }
        // Still true at this generation: the next look compares with it, not with the
        // generation it was counted at (whose purges since would have to be merged again).
        k.generation = k.generation.max(generation);
        Some(k.total)
    }

    /// Keeps `count`, made at `now`.
    pub(crate) fn put(
        &self,
        key: String,
        count: Count,
        now: DateTime<Utc>,
        purged: impl Fn(u64, u64) -> Purge,
    ) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= KEPT && !kept.contains_key(&key) {
            kept.retain(|_, k| k.holds(count.generation, now, &purged));
            if kept.len() >= KEPT {
                kept.clear();
            }
        }
        kept.insert(
            key,
            Kept {
                total: count.total,
                generation: count.generation,
                keys: count.keys,
                at: now,
                until: count.until,
            },
        );
    }
}

/// A count to keep.
pub(crate) struct Count {
    pub total: i64,
    /// The content generation it was counted at.
    pub generation: u64,
    /// Purge keys that change it.
    pub keys: &'static [&'static str],
    /// The first time after the count when a published story or page comes due.
    pub until: Option<DateTime<Utc>>,
}

/// The key of a count: its text and arguments, with the request's time ([`Arg::Now`]) named
/// without its value, since the time matters only through what is due (see the module's
/// notes). A time the request gave (`before=`) is an argument like any other.
pub(crate) fn key_of(count: &Sql) -> String {
    use std::fmt::Write;
    let mut key = count.text.clone();
    for arg in &count.args {
        // Each argument is tagged with its type and, where its text could hold the separator,
        // its length, so that no two argument lists share a key.
        let _ = match arg {
            Arg::Now(_) => write!(key, "\u{1}now"),
            Arg::Time(t) => write!(
                key,
                "\u{1}t{}.{}",
                t.timestamp(),
                t.timestamp_subsec_nanos()
            ),
            Arg::OptTime(t) => write!(
                key,
                "\u{1}T{:?}",
                t.map(|t| (t.timestamp(), t.timestamp_subsec_nanos()))
            ),
            Arg::Int(v) => write!(key, "\u{1}i{v}"),
            Arg::OptInt(v) => write!(key, "\u{1}I{v:?}"),
            Arg::Bool(v) => write!(key, "\u{1}b{v}"),
            Arg::Text(v) => write!(key, "\u{1}s{}:{v}", v.len()),
            Arg::Bytes(v) => write!(key, "\u{1}x{}:{v:?}", v.len()),
        };
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::purge;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    fn keys(k: &[&str]) -> Purge {
        Purge::Keys(k.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_count_is_kept_until_a_write_that_changes_it_or_its_time() {
        let totals = Totals::default();
        // Generation 1 → 2 wrote a comment, 2 → 3 published a story.
        let purged = |from: u64, to: u64| match (from, to) {
            (1, 2) => keys(&["comments-7"]),
            (1, 3) | (2, 3) => keys(&["comments-7", purge::LISTS, "story-9"]),
            _ => Purge::All,
        };
        let count = |total, keys, until| Count {
            total,
            generation: 1,
            keys,
            until,
        };
        totals.put(
            "stories".into(),
            count(42, &[purge::LISTS, purge::STORIES], Some(at(60))),
            at(0),
            purged,
        );
        assert_eq!(totals.get("stories", 1, at(1), purged), Some(42));
        assert_eq!(
            totals.get("stories", 2, at(1), purged),
            Some(42),
            "a comment"
        );
        assert_eq!(totals.get("stories", 3, at(1), purged), None, "a new story");
        assert_eq!(
            totals.get("stories", 1, at(60), purged),
            None,
            "a story came due"
        );
        assert_eq!(totals.get("stories", 1, at(59), purged), Some(42));
        assert_eq!(
            totals.get("stories", 1, at(-1), purged),
            None,
            "before it was counted"
        );
        assert_eq!(totals.get("other", 1, at(1), purged), None);

        totals.put(
            "comments".into(),
            count(5, &[purge::ANY], None),
            at(0),
            purged,
        );
        assert_eq!(totals.get("comments", 2, at(1), purged), None, "any write");
        assert_eq!(
            totals.get("comments", 1, at(1_000_000), purged),
            Some(5),
            "nothing is dated ahead"
        );
    }

    /// `published_at <= now AND published_at < before`, as a list filter builds it.
    fn before(now: DateTime<Utc>, before: DateTime<Utc>, title: &str) -> Sql {
        let mut sql = Sql::new("SELECT COUNT(*) FROM articles WHERE published_at <= ");
        sql.now(now)
            .push(" AND published_at < ")
            .arg(before)
            .push(" AND title LIKE ")
            .arg(title);
        sql
    }

    #[test]
    fn the_key_tells_arguments_apart_but_not_the_request_time() {
        assert_eq!(
            key_of(&before(at(5), at(100), "x")),
            key_of(&before(at(9), at(100), "x"))
        );
        // A time the request gave counts, even when it is the time of the request.
        assert_ne!(
            key_of(&before(at(5), at(5), "x")),
            key_of(&before(at(9), at(9), "x"))
        );
        assert_ne!(
            key_of(&before(at(5), at(100), "x")),
            key_of(&before(at(5), at(100), "y"))
        );
        // Times far from now are told apart too.
        assert_ne!(
            key_of(&before(
                at(0),
                Utc.with_ymd_and_hms(1000, 1, 1, 0, 0, 0).unwrap(),
                "x"
            )),
            key_of(&before(
                at(0),
                Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap(),
                "x"
            ))
        );
        let (mut d, mut e) = (Sql::new("q"), Sql::new("q"));
        d.arg("a\u{1}s1:b");
        e.arg("a").arg("b");
        assert_ne!(key_of(&d), key_of(&e));
    }
}
