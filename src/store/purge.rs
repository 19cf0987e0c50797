//! What a content write changed, as the pages that show it name it: *purge keys*.
//!
//! Every public page the page cache keeps says what it shows (see `web::cache::shows`): the
//! story `story-42`, the page `page-7`, a list of stories (`lists`), … A committed content
//! write says which keys it changed (see [`super::Tx::touch`]); the caches drop the pages
//! naming one of them and keep the others. A content write that names no key changes
//! everything ([`Purge::All`]), as does every change a node learns of without its keys (the
//! poll of `content_version`, a lost listening connection, a command run on SQLite).
//!
//! The keys:
//!
//! - `story-ID`: every page that shows the story in any way: its own page and comment feed,
//!   and every list, widget, related block, feed or search result with its teaser (title,
//!   excerpt, image, byline), and the related blocks that ranked it among their candidates.
//! - `comments-ID`: what shows the story's comments or their number: its page and comment
//!   feed, and every card of it. Comments name this, not `story-ID`: a comment does not change
//!   a related block that only ranked the story.
//! - `page-ID`: the page's own page.
//! - [`LISTS`]: every page with a list of stories whose members or order may change (home,
//!   section, tag, author and date archives, widgets, related blocks, feeds, sitemaps, search
//!   results, the error page's latest stories).
//! - [`STORIES`]: pages that depend on every story's text and dates without naming each
//!   (search results, whose matches follow the text; story sitemaps, whose dates follow
//!   edits). Every edit of a story's own data names it.
//! - [`PAGES`]: the pages' sitemap, named by every edit of a page.
//! - [`ANY`]: a page that did not say what it shows; every purge drops it.
//!
//! Settings, menus, widgets, sections, tags, people and everything else without keys purge
//! everything.

use std::collections::BTreeSet;

/// Every page listing stories whose members or order may change.
pub const LISTS: &str = "lists";
/// Pages that depend on any story's text or dates (search results, story sitemaps).
pub const STORIES: &str = "stories";
/// The pages' sitemap: depends on any page's address and dates.
pub const PAGES: &str = "pages";
/// A page that did not say what it shows: every purge drops it.
pub const ANY: &str = "any";

/// The key of a story.
pub fn story(id: i64) -> String {
    format!("story-{id}")
}

/// The key of a story's comments: its page and comment feed, and every card of it (cards show
/// how many comments a story has). A comment changes only these, not the lists that merely
/// rank the story (the related blocks' candidates), which [`story`] names.
pub fn comments(id: i64) -> String {
    format!("comments-{id}")
}

/// The key of a page.
pub fn page(id: i64) -> String {
    format!("page-{id}")
}

/// What one or more content writes changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purge {
    /// Everything may have changed.
    All,
    /// Only pages naming one of these keys (and pages naming [`ANY`]) changed.
    Keys(BTreeSet<String>),
}

impl Default for Purge {
    fn default() -> Purge {
        Purge::Keys(BTreeSet::new())
    }
}

impl Purge {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        matches!(self, Purge::Keys(k) if k.is_empty())
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Purge::All)
    }

    /// Adds what `other` changed.
    pub fn merge(&mut self, other: &Purge) {
        match (&mut *self, other) {
            (Purge::All, _) => {}
            (_, Purge::All) => *self = Purge::All,
            (Purge::Keys(mine), Purge::Keys(theirs)) => mine.extend(theirs.iter().cloned()),
        }
    }

    /// Whether a page showing `keys` changed.
    pub fn touches<S: AsRef<str>>(&self, keys: &[S]) -> bool {
        match self {
            Purge::All => true,
            Purge::Keys(changed) => {
                !changed.is_empty()
                    && keys
                        .iter()
                        .any(|k| k.as_ref() == ANY || changed.contains(k.as_ref()))
            }
        }
    }

    /// Whether any key matching `pred` changed (all do for [`Purge::All`]).
    pub fn names(&self, pred: impl Fn(&str) -> bool) -> bool {
        match self {
            Purge::All => true,
            Purge::Keys(changed) => changed.iter().any(|k| pred(k)),
        }
    }

    /// The keys as a shared cache in front is told them: [`ANY`] added, since pages that did
    /// not say what they show change with everything. `None` for [`Purge::All`].
    pub fn keys_for_cdn(&self) -> Option<Vec<String>> {
        match self {
            Purge::All => None,
            Purge::Keys(k) => {
                let mut out: BTreeSet<String> = k.clone();
                if !out.is_empty() {
                    out.insert(ANY.to_owned());
                }
                Some(out.into_iter().collect())
            }
        }
    }

    /// The text of a `NOTIFY` payload after `version:`: the keys separated by spaces, or `None`
    /// when there are too many to send (or everything changed), which receivers read as
    /// [`Purge::All`].
    pub(crate) fn payload(&self) -> Option<String> {
        match self {
            Purge::All => None,
            Purge::Keys(k) => {
                let text = k.iter().map(String::as_str).collect::<Vec<_>>().join(" ");
                (text.len() <= MAX_PAYLOAD).then_some(text)
            }
        }
    }

    /// Reads a `NOTIFY` payload's keys (see [`Purge::payload`]).
    pub(crate) fn from_payload(text: &str) -> Purge {
        let keys: BTreeSet<String> = text.split_ascii_whitespace().map(str::to_owned).collect();
        if keys.is_empty() {
            Purge::All
        } else {
            Purge::Keys(keys)
        }
    }
}

/// PostgreSQL takes up to 8,000 bytes in a notification: the keys go if they fit in this.
const MAX_PAYLOAD: usize = 7000;

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Purge {
        Purge::Keys(k.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn purges_touch_the_pages_naming_their_keys() {
        let p = keys(&["story-1", LISTS]);
        assert!(p.touches(&["story-1"]));
        assert!(p.touches(&["page-3", LISTS]));
        assert!(p.touches(&[ANY]));
        assert!(!p.touches(&["story-10", "page-1"]));
        assert!(Purge::All.touches::<&str>(&[]));
        assert!(!Purge::default().touches(&[ANY]));
        let mut m = keys(&["a"]);
        m.merge(&keys(&["b"]));
        assert_eq!(m, keys(&["a", "b"]));
        m.merge(&Purge::All);
        assert!(m.is_all());
    }

    #[test]
    fn payloads_carry_the_keys_or_everything() {
        let p = keys(&["story-1", LISTS]);
        assert_eq!(p.payload().as_deref(), Some("lists story-1"));
        assert_eq!(Purge::from_payload("lists story-1"), p);
        assert_eq!(Purge::from_payload(""), Purge::All);
        let many = Purge::Keys((0..2000).map(story).collect());
        assert_eq!(many.payload(), None);
        assert_eq!(
            p.keys_for_cdn().unwrap(),
            vec!["any".to_owned(), "lists".into(), "story-1".into()]
        );
    }
}
