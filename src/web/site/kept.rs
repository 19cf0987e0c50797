//! Parts of public pages made from content and kept until content they show changes: the
//! front page's lists, each archive page's stories, each story's related block, the chrome
//! around every page, and the REST API's section counts.
//!
//! Such a part takes most of an uncached page's work (at a million stories, the front page's
//! section lists are most of its time) and is the same for every reader. So it is kept with
//! the purge keys it shows (see `store::purge`) and used again until a content write names one
//! of them, as the page cache does with whole pages; the page around it is rendered for every
//! request. A kept part also lapses:
//!
//! - when a published story or page dated ahead comes due, since lists change then without
//!   any write (its time is read when the part is made, see `Store::next_due`), and it is not
//!   used for a time before the one it was made for;
//! - at a time of its own, if it has one (the chrome: when the year in its footer turns);
//! - after an age, and when the bound on entries pushes it out.
//!
//! Readers missing the same part at once wait for the one reader making it, and take what it
//! made; if that reader failed, or made a part that is not kept, they make their own side by
//! side rather than one after another.
//!
//! Whether the part is used or made, the page says what it shows (`web::cache::also_shows`),
//! so a cached page is purged with it.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::AppState;
use crate::error::AppError;
use crate::store::purge;

/// A kept part and what it was made from.
#[derive(Debug)]
pub struct Entry<V> {
    value: V,
    /// The purge keys of what it shows.
    keys: Vec<String>,
    /// The content generation up to which nothing it shows is known to have changed.
    checked: AtomicU64,
    /// The time it was made for: it says nothing of earlier times.
    at: DateTime<Utc>,
    /// When it lapses: the first time after `at` when a published story or page comes due,
    /// or the part's own time if earlier (`None`: neither).
    until: Option<DateTime<Utc>>,
}

impl<V> std::ops::Deref for Entry<V> {
    type Target = V;
    fn deref(&self) -> &V {
        &self.value
    }
}

impl<V> Entry<V> {
    fn holds(&self, state: &AppState, generation: u64, now: DateTime<Utc>) -> bool {
        if now < self.at || self.until.is_some_and(|until| until <= now) {
            return false;
        }
        let checked = self.checked.load(Ordering::Acquire);
        if checked < generation {
            if state
                .store()
                .purged_between(checked, generation)
                .touches(&self.keys)
            {
                return false;
            }
            // Still true at this generation: the next look compares with it.
            self.checked.fetch_max(generation, Ordering::AcqRel);
        }
        true
    }
}

/// A part made now: its value and the purge keys of what it shows.
pub struct Made<V> {
    pub value: V,
    pub keys: Vec<String>,
    /// Whether to keep it: not a part nobody is likely to ask for again (an archive page past
    /// the end, which a crawler probing addresses would otherwise fill the cache with).
    pub keep: bool,
    /// A time it lapses at of its own, besides a story coming due (the chrome's year).
    pub until: Option<DateTime<Utc>>,
}

/// Kept parts of one kind, by key.
pub struct Kept<K, V> {
    entries: moka::sync::Cache<K, Arc<Entry<V>>>,
    /// The parts being made, each with its turn: readers missing the same part at once wait
    /// for the one making it rather than all reading the same rows.
    making: Making<K>,
}

/// Each part being made, with its turn; the turn holds whether the last reader to make it
/// made nothing the others can use.
type Making<K> = Mutex<HashMap<K, Arc<tokio::sync::Mutex<bool>>>>;

/// A reader's place in the line for one part: leaves the table when the last reader in line
/// is done, or gone (a request dropped while it waited or made the part).
struct Turn<'a, K: Hash + Eq + Clone> {
    making: &'a Making<K>,
    key: K,
    turn: Arc<tokio::sync::Mutex<bool>>,
}

impl<'a, K: Hash + Eq + Clone> Turn<'a, K> {
    fn take(making: &'a Making<K>, key: &K) -> Self {
        let turn = making
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        Turn {
            making,
            key: key.clone(),
            turn,
        }
    }
}

impl<K: Hash + Eq + Clone> Drop for Turn<'_, K> {
    fn drop(&mut self) {
        let mut making = self.making.lock().unwrap_or_else(|p| p.into_inner());
        // Nobody else is in line (the table holds one reference, this reader the other; others
        // take theirs under the same lock).
        if Arc::strong_count(&self.turn) <= 2 {
            making.remove(&self.key);
        }
    }
}

impl<K, V> Kept<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// At most `entries` parts, each for at most `max_age`.
    pub fn new(entries: u64, max_age: Duration) -> Self {
        Kept {
            entries: moka::sync::Cache::builder()
                .max_capacity(entries)
                .time_to_live(max_age)
                .build(),
            making: Mutex::default(),
        }
    }

    /// The part kept under `key` if nothing it shows changed and `usable` takes it, or the
    /// one `make` makes now (then kept). Of the readers missing it at once, one makes it and
    /// the others wait and take it.
    ///
    /// `since` is the content generation the caller read before anything it made the part
    /// from (the chrome, the story): a write after it that changes what the part shows drops
    /// the part at the next look.
    pub async fn get<F, Fut>(
        &self,
        state: &AppState,
        key: K,
        since: u64,
        usable: impl Fn(&V) -> bool,
        make: F,
    ) -> Result<Arc<Entry<V>>, AppError>
    where
        F: FnOnce(DateTime<Utc>) -> Fut,
        Fut: Future<Output = Result<Made<V>, AppError>>,
    {
        let look = |now| {
            self.entries
                .get(&key)
                .filter(|e| usable(&e.value) && e.holds(state, since, now))
        };
        let entry = match look(state.now()) {
            Some(entry) => entry,
            None => {
                let turn = Turn::take(&self.making, &key);
                let mut unusable = turn.turn.lock().await;
                // Made meanwhile by the reader whose turn it was?
                let now = state.now();
                match look(now) {
                    Some(entry) => entry,
                    // The reader before made nothing the others can use (it failed, or the
                    // part is not kept): no queueing behind it, each makes its own.
                    None if *unusable => {
                        drop(unusable);
                        self.make(state, key.clone(), since, now, make).await?.0
                    }
                    None => {
                        let made = self.make(state, key.clone(), since, now, make).await;
                        *unusable = !matches!(&made, Ok((_, true)));
                        made?.0
                    }
                }
            }
        };
        for key in &entry.keys {
            crate::web::cache::also_shows(key.as_str());
        }
        Ok(entry)
    }

    /// Makes the part and keeps it (unless it says not to).
    async fn make<F, Fut>(
        &self,
        state: &AppState,
        key: K,
        since: u64,
        now: DateTime<Utc>,
        make: F,
    ) -> Result<(Arc<Entry<V>>, bool), AppError>
    where
        F: FnOnce(DateTime<Utc>) -> Fut,
        Fut: Future<Output = Result<Made<V>, AppError>>,
    {
        let made = make(now).await?;
        // Read after the part: a story dated ahead meanwhile came with a write, which `since`
        // catches.
        let until = if made.keep {
            let due = state.store().next_due(now).await?;
            due.into_iter().chain(made.until).min()
        } else {
            None
        };
        let mut keys = made.keys;
        if keys.len() > crate::web::cache::MAX_KEYS {
            // As a page naming that many keys does: any change drops it.
            keys = vec![purge::ANY.to_owned()];
        }
        let entry = Arc::new(Entry {
            value: made.value,
            keys,
            checked: AtomicU64::new(since),
            at: now,
            until,
        });
        if made.keep {
            self.entries.insert(key, entry.clone());
        }
        Ok((entry, made.keep))
    }
}

/// The keys of a list of story cards: the list itself, and each story's teaser and comment
/// count.
pub fn list_keys<'a>(ids: impl IntoIterator<Item = &'a i64>) -> Vec<String> {
    let mut keys = vec![purge::LISTS.to_owned()];
    for id in ids {
        keys.push(purge::story(*id));
        keys.push(purge::comments(*id));
    }
    keys
}

/// The longest a list is kept, as the page cache keeps pages.
const MAX_AGE: Duration = Duration::from_secs(300);
/// Archive pages kept: about 6 KB each (ten cards), so at most about 6 MB.
const ARCHIVE_PAGES: u64 = 1_000;

/// The kept lists: the front page's, and each page of each archive.
pub struct KeptLists {
    pub front: Kept<(), super::home::FrontLists>,
    pub archives: Kept<super::archive::PageKey, super::archive::ArchivePage>,
}

impl Default for KeptLists {
    fn default() -> Self {
        KeptLists {
            front: Kept::new(1, MAX_AGE),
            archives: Kept::new(ARCHIVE_PAGES, MAX_AGE),
        }
    }
}
