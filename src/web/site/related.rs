//! A story's related block: the "Read also" recommendation and the "Related Posts" list,
//! ranked from the stories that share a section or tag with it (`domain::related`).
//!
//! Ranking reads the candidates, their sections and tags, and their images, and scores every
//! candidate's text: about a third of an uncached story page. So each story's block is kept
//! ([`RelatedCache`]) with the purge keys it shows, and used again until a content write names
//! one of them (a story published or unpublished, a candidate edited, a shown story's
//! comments), as the page cache does with whole pages. The cache is bounded in entries and
//! age, and holds nothing a reader typed: the block is the same for every reader.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Chrome;
use super::views::{self, Card};
use crate::AppState;
use crate::domain::related::{self, RelatedInput};
use crate::error::AppError;
use crate::store::articles::{SummaryRow, TermId, TermRef};
use crate::store::purge;

/// Stories scored: this many before and after the story, per section and tag.
const PER_TERM: u32 = 8;
/// Stories shown under "Related Posts" (the best match goes to "Read also").
const RELATED: usize = 4;
/// Stories whose blocks are kept: the most read thousand. A block takes about 14 KB of
/// memory (measured: 1,500 blocks grew a server by 20 MB), so at most about 14 MB.
const MAX_ENTRIES: u64 = 1_000;
/// The longest a block is kept, as the page cache keeps pages.
const MAX_AGE: Duration = Duration::from_secs(300);

/// The block, with what it shows.
#[derive(Debug)]
pub struct RelatedBlock {
    pub read_also: Option<Card>,
    pub related: Vec<Card>,
    /// The purge keys of the block: the story (its own sections, tags and text rank the
    /// candidates), every candidate ranked, the comments of every story shown, and the lists
    /// (or [`purge::ANY`] when they are too many to check one by one).
    keys: Vec<String>,
    /// The generation up to which nothing the block shows is known to have changed: at first
    /// the one read before the chrome and the story's sections were.
    checked: AtomicU64,
    /// What the ranking read of the story itself (headline, standfirst, date), which its
    /// caller read before [`Story::since`]: a block ranked from other text is not used (an
    /// edit that landed meanwhile, or the editor's preview of unsaved text).
    fingerprint: u64,
}

/// What the block depends on of the story itself.
pub struct Story<'a> {
    pub id: i64,
    pub title: &'a str,
    pub excerpt: &'a str,
    pub published_at: DateTime<Utc>,
    /// The story's sections and tags.
    pub terms: &'a [TermRef],
    /// The content generation read before the chrome and `terms` were.
    pub since: u64,
}

impl Story<'_> {
    fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.title, self.excerpt, self.published_at).hash(&mut h);
        h.finish()
    }
}

/// Every story's block, by story id.
pub struct RelatedCache {
    blocks: moka::sync::Cache<i64, Arc<RelatedBlock>>,
}

impl Default for RelatedCache {
    fn default() -> Self {
        RelatedCache {
            blocks: moka::sync::Cache::builder()
                .max_capacity(MAX_ENTRIES)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }
}

impl RelatedCache {
    /// The story's block, kept or made now. Either way the page says what the block shows
    /// (`web::cache::also_shows`), so a cached page is purged with it.
    pub async fn get(
        &self,
        state: &AppState,
        chrome: &Chrome,
        story: &Story<'_>,
    ) -> Result<Arc<RelatedBlock>, AppError> {
        let store = state.store();
        let generation = store.fresh_generation().await;
        let fingerprint = story.fingerprint();
        let kept = self.blocks.get(&story.id).filter(|b| {
            if b.fingerprint != fingerprint {
                return false;
            }
            let checked = b.checked.load(Ordering::Acquire);
            if checked < generation {
                if store.purged_between(checked, generation).touches(&b.keys) {
                    return false;
                }
                b.checked.fetch_max(generation, Ordering::AcqRel);
            }
            true
        });
        let block = match kept {
            Some(block) => block,
            None => {
                let block = Arc::new(make(state, chrome, story, fingerprint).await?);
                self.blocks.insert(story.id, block.clone());
                block
            }
        };
        for key in &block.keys {
            crate::web::cache::also_shows(key.as_str());
        }
        Ok(block)
    }
}

async fn make(
    state: &AppState,
    chrome: &Chrome,
    story: &Story<'_>,
    fingerprint: u64,
) -> Result<RelatedBlock, AppError> {
    let store = state.store();
    let candidates = store
        .related_candidates(
            story.id,
            story.published_at,
            state.now(),
            story.terms,
            PER_TERM,
        )
        .await?;
    let mut term_ids: Vec<TermId> = story
        .terms
        .iter()
        .map(|t| TermId {
            article_id: t.article_id,
            kind: t.kind.clone(),
            term_id: t.term_id,
        })
        .collect();
    term_ids.extend(
        store
            .term_ids_of(&candidates.iter().map(|c| c.id).collect::<Vec<_>>())
            .await?,
    );
    let ranked = rank(story, &candidates, &term_ids);
    let mut keys = vec![purge::LISTS.to_owned(), purge::story(story.id)];
    keys.extend(candidates.iter().map(|c| purge::story(c.id)));
    keys.extend(ranked.iter().map(|id| purge::comments(*id)));
    if keys.len() > crate::web::cache::MAX_KEYS {
        // As a page naming that many keys does: any change drops it.
        keys = vec![purge::ANY.to_owned()];
    }
    let picked: Vec<SummaryRow> = ranked
        .iter()
        .filter_map(|id| candidates.iter().find(|c| c.id == *id).cloned())
        .collect();
    // Names of sections only for the stories shown, and their images in one query.
    let terms = store.sections_of(&ranked).await?;
    let images = views::ImageFiles::load(store, picked.iter().map(|c| c.image_id)).await?;
    let mut cards = views::cards_with(chrome, picked, &terms, &[], &images).into_iter();
    let read_also = if chrome.settings.read_also {
        cards.next()
    } else {
        None
    };
    Ok(RelatedBlock {
        read_also,
        related: cards.take(RELATED).collect(),
        keys,
        checked: AtomicU64::new(story.since),
        fingerprint,
    })
}

fn rank(story: &Story<'_>, candidates: &[SummaryRow], terms: &[TermId]) -> Vec<i64> {
    let ids_of = |article: i64, kind: &str| -> Vec<i64> {
        terms
            .iter()
            .filter(|t| t.article_id == article && t.kind == kind)
            .map(|t| t.term_id)
            .collect()
    };
    let term_ids: Vec<(Vec<i64>, Vec<i64>)> = std::iter::once(story.id)
        .chain(candidates.iter().map(|c| c.id))
        .map(|a| (ids_of(a, "category"), ids_of(a, "tag")))
        .collect();
    let input = RelatedInput {
        id: story.id,
        title: story.title,
        excerpt: story.excerpt,
        published_at: story.published_at,
        category_ids: &term_ids[0].0,
        tag_ids: &term_ids[0].1,
    };
    let inputs: Vec<RelatedInput<'_>> = candidates
        .iter()
        .zip(&term_ids[1..])
        .map(|(c, (cats, tags))| RelatedInput {
            id: c.id,
            title: &c.title,
            excerpt: &c.excerpt,
            published_at: c.published_at,
            category_ids: cats,
            tag_ids: tags,
        })
        .collect();
    related::rank(&input, &inputs, RELATED + 1)
}
