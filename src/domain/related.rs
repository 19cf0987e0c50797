//! Related stories, computed locally: text similarity, shared sections and tags, closeness in time.
//!
//! The score of a candidate `c` for a story `s` is
//! `TEXT × cosine(terms(s), terms(c)) + SECTION × shared sections + TAG × shared tags + TIME × e^(−|Δdays| / 30)`.
//! Terms are lowercased words of the headline (counted three times) and the excerpt, stop words removed.
//! Ties are broken by newer publication, then by higher id, so the order is stable.

use chrono::{DateTime, Utc};

const TEXT: f64 = 4.0;
const SECTION: f64 = 1.0;
const TAG: f64 = 1.5;
const TIME: f64 = 1.0;
const TITLE_WEIGHT: f64 = 3.0;

/// What the ranking needs to know about one story.
#[derive(Debug, Clone)]
pub struct RelatedInput<'a> {
    pub id: i64,
    pub title: &'a str,
    pub excerpt: &'a str,
    pub published_at: DateTime<Utc>,
    pub category_ids: &'a [i64],
    pub tag_ids: &'a [i64],
}

/// A term-frequency vector with its norm, built once per story: words are hashed (FNV-1a) and
/// kept sorted, so similarity is one merge of two short lists without allocating per word.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    weights: Vec<(u64, f64)>,
    norm: f64,
}

fn fnv1a(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Terms {
    pub fn of(title: &str, excerpt: &str) -> Terms {
        let mut weights: Vec<(u64, f64)> = Vec::with_capacity(48);
        for (text, weight) in [(title, TITLE_WEIGHT), (excerpt, 1.0)] {
            let lower = text.to_lowercase();
            for word in lower.split(|c: char| !c.is_alphanumeric()) {
                if word.chars().nth(1).is_none() {
                    continue;
                }
                let hash = fnv1a(word);
                if stop_hashes().binary_search(&hash).is_ok() {
                    continue;
                }
                weights.push((hash, weight));
            }
        }
        weights.sort_unstable_by_key(|(h, _)| *h);
        weights.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
            }
            same
        });
        let norm = weights.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        Terms { weights, norm }
    }

    pub fn cosine(&self, other: &Terms) -> f64 {
        if self.norm == 0.0 || other.norm == 0.0 {
            return 0.0;
        }
        let (a, b) = (&self.weights, &other.weights);
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        dot / (self.norm * other.norm)
    }
}

/// The stop words' hashes, sorted: a word is looked up by the hash it is counted under, with
/// no string comparisons (the lookup runs for every word of every candidate).
fn stop_hashes() -> &'static [u64] {
    static HASHES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    HASHES.get_or_init(|| {
        let mut hashes: Vec<u64> = STOP_WORDS.iter().map(|w| fnv1a(w)).collect();
        hashes.sort_unstable();
        hashes
    })
}

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but",
    "by", "can", "for", "from", "has", "have", "he", "her", "his", "in", "into", "is", "it", "its",
    "more", "new", "not", "of", "on", "or", "over", "said", "says", "she", "than", "that", "the",
    "their", "they", "this", "to", "up", "was", "we", "were", "will", "with", "would", "you",
];

fn shared(a: &[i64], b: &[i64]) -> usize {
    a.iter().filter(|x| b.contains(x)).count()
}

/// Scores one candidate against the story; higher is more related.
pub fn score(
    story: &RelatedInput<'_>,
    story_terms: &Terms,
    candidate: &RelatedInput<'_>,
    candidate_terms: &Terms,
) -> f64 {
    let days_apart = (story.published_at - candidate.published_at)
        .num_seconds()
        .abs() as f64
        / 86_400.0;
    TEXT * story_terms.cosine(candidate_terms)
        + SECTION * shared(story.category_ids, candidate.category_ids) as f64
        + TAG * shared(story.tag_ids, candidate.tag_ids) as f64
        + TIME * (-days_apart / 30.0).exp()
}

/// Ranks candidates for a story and returns at most `limit` ids, best first. The story itself and
/// duplicate candidates are never returned.
pub fn rank(story: &RelatedInput<'_>, candidates: &[RelatedInput<'_>], limit: usize) -> Vec<i64> {
    let story_terms = Terms::of(story.title, story.excerpt);
    let mut scored: Vec<(f64, DateTime<Utc>, i64)> = Vec::with_capacity(candidates.len());
    for c in candidates {
        if c.id == story.id || scored.iter().any(|(_, _, id)| *id == c.id) {
            continue;
        }
        let s = score(story, &story_terms, c, &Terms::of(c.title, c.excerpt));
        scored.push((s, c.published_at, c.id));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, _, id)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn input<'a>(
        id: i64,
        title: &'a str,
        days_ago: i64,
        cats: &'a [i64],
        tags: &'a [i64],
    ) -> RelatedInput<'a> {
        let now = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        RelatedInput {
            id,
            title,
            excerpt: "",
            published_at: now - Duration::days(days_ago),
            category_ids: cats,
            tag_ids: tags,
        }
    }

    #[test]
    fn never_returns_the_story_itself_or_duplicates() {
        let story = input(1, "Rocket launch at cosmodrome", 0, &[1], &[1]);
        let same = input(1, "Rocket launch at cosmodrome", 0, &[1], &[1]);
        let other = input(2, "Rocket launch delayed", 1, &[1], &[]);
        assert_eq!(rank(&story, &[same, other.clone(), other], 5), vec![2]);
    }

    #[test]
    fn text_similarity_outranks_unrelated_text() {
        let story = input(1, "Putin meets Kim at Vostochny Cosmodrome", 0, &[], &[]);
        let related = input(
            2,
            "Vostochny Cosmodrome prepares Angara launch",
            10,
            &[],
            &[],
        );
        let unrelated = input(3, "Local bakery wins bread award", 0, &[], &[]);
        assert_eq!(rank(&story, &[unrelated, related], 2), vec![2, 3]);
    }

    #[test]
    fn shared_tags_count_more_than_shared_sections() {
        let story = input(1, "Alpha", 0, &[10], &[20]);
        let by_section = input(2, "Beta", 0, &[10], &[]);
        let by_tag = input(3, "Gamma", 0, &[], &[20]);
        assert_eq!(rank(&story, &[by_section, by_tag], 2), vec![3, 2]);
    }

    #[test]
    fn closeness_in_time_breaks_otherwise_equal_scores_and_order_is_stable() {
        let story = input(1, "Budget vote", 0, &[1], &[]);
        let old = input(2, "Budget vote", 90, &[1], &[]);
        let recent = input(3, "Budget vote", 2, &[1], &[]);
        assert_eq!(rank(&story, &[old.clone(), recent.clone()], 2), vec![3, 2]);
        assert_eq!(rank(&story, &[recent, old], 2), vec![3, 2]);
        // Exactly equal scores: newer first, then higher id.
        let a = input(4, "Zebra", 5, &[], &[]);
        let b = input(5, "Zebra", 5, &[], &[]);
        assert_eq!(rank(&story, &[a.clone(), b.clone()], 2), vec![5, 4]);
        assert_eq!(rank(&story, &[b, a], 2), vec![5, 4]);
    }

    #[test]
    fn stop_words_have_distinct_hashes() {
        assert!(stop_hashes().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(stop_hashes().len(), STOP_WORDS.len());
    }

    #[test]
    fn stop_words_do_not_make_stories_similar() {
        let a = Terms::of("The state of the art", "");
        let b = Terms::of("The end of the road", "");
        assert_eq!(a.cosine(&b), 0.0);
        let c = Terms::of("Cosmodrome launch", "");
        assert!((c.cosine(&c) - 1.0).abs() < 1e-9);
    }
}
