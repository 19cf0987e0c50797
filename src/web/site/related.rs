//! A story's related block: the "Read also" recommendation and the "Related Posts" list,
//! ranked from the stories that share a section or tag with it (`domain::related`).
//!
//! Ranking reads the candidates, their sections and tags, and their images, and scores every
//! candidate's text: about a third of an uncached story page. So each story's block is kept
//! ([`RelatedCache`], see [`super::kept`]) with the purge keys it shows, and used again until a
//! content write names one of them (a story published or unpublished, a candidate edited, a
//! shown story's comments) or a story dated ahead comes due. The cache is bounded in entries
//! and age, and holds nothing a reader typed: the block is the same for every reader.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Chrome;
use super::kept::{Entry, Kept, Made};
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

/// The block.
#[derive(Debug)]
pub struct RelatedBlock {
    pub read_also: Option<Card>,
    pub related: Vec<Card>,
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
    blocks: Kept<i64, RelatedBlock>,
}

impl Default for RelatedCache {
    fn default() -> Self {
        RelatedCache {
            blocks: Kept::new(MAX_ENTRIES, MAX_AGE),
        }
    }
}

impl RelatedCache {
    /// The story's block, kept or made now.
    pub async fn get(
        &self,
        state: &AppState,
        chrome: &Chrome,
        story: &Story<'_>,
    ) -> Result<Arc<Entry<RelatedBlock>>, AppError> {
        let fingerprint = story.fingerprint();
        self.blocks
            .get(
                state,
                story.id,
                story.since,
                |b| b.fingerprint == fingerprint,
                |now| make(state, chrome, story, fingerprint, now),
            )
            .await
    }
}

async fn make(
    state: &AppState,
    chrome: &Chrome,
    story: &Story<'_>,
    fingerprint: u64,
    now: DateTime<Utc>,
) -> Result<Made<RelatedBlock>, AppError> {
    let store = state.store();
    let candidates = store
        .related_candidates(story.id, story.published_at, now, story.terms, PER_TERM)
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
    Ok(Made {
        value: RelatedBlock {
            read_also,
            related: cards.take(RELATED).collect(),
            fingerprint,
        },
        keys,
        keep: true,
        until: None,
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
