//! Full-text search rules shared by both database backends: how text becomes index terms, how a
//! reader's query becomes phrases of terms, how matching stories are ordered, and how snippets
//! are highlighted.
//!
//! Text is analyzed here, in Rust, and the database only ever sees the analyzed terms: lowercase
//! words with accents folded (`é` → `e`, `ß` → `ss`) and stemmed with the Snowball stemmer of the
//! site language (`elections` → `elect`). Stories are indexed as space-separated terms, and a query
//! reaches the database as a list of quoted terms built from letters and digits only, so no
//! reader input is ever parsed as FTS5 or tsquery syntax, and both backends match the same words.

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use super::html::escape;

/// Longest query read, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most terms a query may have (phrases count each of their words).
pub const MAX_TERMS: usize = 16;
/// Longer words are cut to this many characters (in the index and in queries alike).
const MAX_TERM_CHARS: usize = 64;
/// Bumped whenever analysis changes, so that indexes built by older code are rebuilt.
const ANALYZER_VERSION: u32 = 1;

/// Turns text into index terms for one site language.
pub struct Analyzer {
    algorithm: Option<Algorithm>,
    stemmer: Option<Stemmer>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

/// The Snowball stemmer for a BCP 47 language tag (by its primary subtag), if there is one.
fn algorithm_for(language: &str) -> Option<Algorithm> {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Some(match primary.as_str() {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// One word of a text: where it is, and the term it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word in the text.
    pub start: usize,
    pub end: usize,
    pub term: String,
    /// A Chinese or Japanese character: written without spaces, so each is a word of its own.
    pub ideograph: bool,
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x20000..=0x2FA1F)
}

/// Combining accents (a decomposed `é` is `e` followed by U+0301): part of the word, dropped.
fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

/// Latin letters with accents, ligatures, superscripts and full-width forms, which fold to ASCII.
/// Other scripts (Cyrillic, Greek, Arabic…) keep their letters, so their stemmers still apply.
fn folds_to_ascii(c: char) -> bool {
    matches!(c as u32,
        0x00A0..=0x02AF | 0x1E00..=0x1EFF | 0x2070..=0x209F | 0x2150..=0x218F
        | 0xFB00..=0xFB06 | 0xFF01..=0xFF5E)
}

/// Appends the folded, lowercase form of one character of a word.
fn fold_into(c: char, out: &mut String) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
    } else if is_combining(c) {
    } else if folds_to_ascii(c) {
        let folded = deunicode::deunicode_char(c).unwrap_or("");
        out.extend(
            folded
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|f| f.to_ascii_lowercase()),
        );
    } else {
        match c {
            // Readers rarely type the diaeresis of ё, and a final sigma is the same letter.
            'ё' | 'Ё' => out.push('е'),
            'ς' => out.push('σ'),
            _ => out.extend(c.to_lowercase().filter(|l| !is_combining(*l))),
        }
    }
}

impl Analyzer {
    /// The analyzer for a site language such as `en`, `pt-BR` or `de`; languages without a
    /// Snowball stemmer are folded and lowercased but not stemmed.
    pub fn for_language(language: &str) -> Analyzer {
        let algorithm = algorithm_for(language);
        Analyzer {
            algorithm,
            stemmer: algorithm.map(Stemmer::create),
        }
    }

    /// Names the analysis (version and stemmer): an index built under another signature must be
    /// rebuilt before it answers queries correctly.
    pub fn signature(&self) -> String {
        let stemmer = self
            .algorithm
            .map_or_else(|| "none".to_owned(), |a| format!("{a:?}").to_lowercase());
        format!("{ANALYZER_VERSION}:{stemmer}")
    }

    /// The term a word becomes: folded, lowercased, cut to length, stemmed. Empty if the word
    /// has no letters or digits left after folding.
    fn term(&self, word: &str) -> String {
        self.stem(Self::fold(word))
    }

    /// A word folded, lowercased and cut to length (before stemming).
    fn fold(word: &str) -> String {
        let mut folded = String::with_capacity(word.len());
        for c in word.chars() {
            fold_into(c, &mut folded);
        }
        if let Some((cut, _)) = folded.char_indices().nth(MAX_TERM_CHARS) {
            folded.truncate(cut);
        }
        folded
    }

    fn stem(&self, folded: String) -> String {
        match &self.stemmer {
            Some(stemmer) if !folded.is_empty() => {
                let stem = stemmer.stem(&folded);
                if stem.is_empty() {
                    folded
                } else {
                    stem.into_owned()
                }
            }
            _ => folded,
        }
    }

    /// Whether stemming keeps a word's first letter, so that a word can only match a term with
    /// the same first letter: true of the suffix-stripping stemmers. The Arabic one removes
    /// prefixes, the Greek one drops accents, and Tamil's is not known to keep it.
    fn keeps_first_letter(&self) -> bool {
        !matches!(
            self.algorithm,
            Some(Algorithm::Arabic | Algorithm::Greek | Algorithm::Tamil)
        )
    }

    /// Where the words of `text` are: byte ranges, and whether each is an ideograph.
    fn spans(text: &str) -> Vec<(usize, usize, bool)> {
        let mut spans = Vec::new();
        let mut start: Option<usize> = None;
        for (i, c) in text.char_indices() {
            if is_ideograph(c) {
                if let Some(s) = start.take() {
                    spans.push((s, i, false));
                }
                spans.push((i, i + c.len_utf8(), true));
            } else if is_word_char(c) {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                spans.push((s, i, false));
            }
        }
        if let Some(s) = start {
            spans.push((s, text.len(), false));
        }
        spans
    }

    /// Every word of `text` with its term, in order; words that fold to nothing are skipped.
    pub fn words(&self, text: &str) -> Vec<Word> {
        Self::spans(text)
            .into_iter()
            .filter_map(|(start, end, ideograph)| {
                let term = self.term(&text[start..end]);
                (!term.is_empty()).then_some(Word {
                    start,
                    end,
                    term,
                    ideograph,
                })
            })
            .collect()
    }

    /// The terms of `text`, separated by single spaces: what the index stores.
    pub fn terms(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.append_terms(text, &mut out);
        out
    }

    /// Appends the terms of `text` to `out`, space-separated.
    pub fn append_terms(&self, text: &str, out: &mut String) {
        for w in self.words(text) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&w.term);
        }
    }
}

/// The searchable parts of a story.
#[derive(Debug, Clone, Copy)]
pub struct StoryText<'a> {
    pub title: &'a str,
    pub excerpt: &'a str,
    /// Sanitized body HTML.
    pub body_html: &'a str,
    /// Display names of the byline.
    pub authors: &'a [String],
    pub credit_line: &'a str,
    pub source_agency: &'a str,
}

/// What the index stores for a story: its headline's terms, and the terms of everything else
/// (standfirst, body, bylines, credit line, agency).
pub fn story_terms(analyzer: &Analyzer, story: &StoryText<'_>) -> (String, String) {
    let title = analyzer.terms(story.title);
    let mut rest = analyzer.terms(story.excerpt);
    analyzer.append_terms(&plain_text(story.body_html), &mut rest);
    for name in story.authors {
        analyzer.append_terms(name, &mut rest);
    }
    analyzer.append_terms(story.credit_line, &mut rest);
    analyzer.append_terms(story.source_agency, &mut rest);
    (title, rest)
}

/// The text of sanitized HTML: tags become spaces, entities are decoded.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    super::html::decode_entities(&text)
}

/// A reader's query: phrases of terms, every phrase required (a single word is a one-term
/// phrase). Built only from analyzed terms, so it holds letters and digits only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    phrases: Vec<Vec<String>>,
}

/// Characters that open or close a quoted phrase.
fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»' | '＂')
}

impl SearchQuery {
    /// Parses what a reader typed: words in quotes form a phrase, other words are required one
    /// by one, an unclosed quote runs to the end. Runs of Chinese or Japanese characters are
    /// phrases. Only the first [`MAX_QUERY_CHARS`] characters and [`MAX_TERMS`] terms count;
    /// anything else (operators, punctuation, SQL) is just not a word.
    pub fn parse(analyzer: &Analyzer, raw: &str) -> SearchQuery {
        let raw = match raw.char_indices().nth(MAX_QUERY_CHARS) {
            Some((cut, _)) => &raw[..cut],
            None => raw,
        };
        let mut q = SearchQuery::default();
        let mut budget = MAX_TERMS;
        for (i, segment) in raw.split(is_quote).enumerate() {
            let quoted = i % 2 == 1;
            let words = analyzer.words(segment);
            let mut phrases: Vec<Vec<String>> = Vec::new();
            let mut previous_end: Option<(usize, bool)> = None;
            for w in words {
                let joins = quoted || (w.ideograph && previous_end == Some((w.start, true)));
                match phrases.last_mut() {
                    Some(last) if joins => last.push(w.term),
                    _ => phrases.push(vec![w.term]),
                }
                previous_end = Some((w.end, w.ideograph));
            }
            for mut phrase in phrases {
                if budget == 0 {
                    return q;
                }
                if q.phrases.contains(&phrase) {
                    continue;
                }
                phrase.truncate(budget);
                budget -= phrase.len();
                q.phrases.push(phrase);
            }
        }
        q
    }

    /// Whether there is nothing to look for (no words, or only punctuation).
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// The required phrases, each a non-empty list of terms.
    pub fn phrases(&self) -> &[Vec<String>] {
        &self.phrases
    }

    /// Every term of the query, for highlighting.
    pub fn terms(&self) -> HashSet<&str> {
        self.phrases.iter().flatten().map(String::as_str).collect()
    }
}

/// How well a story answers a query: stories with more of the query's phrases in their
/// headline come first, then the higher score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    /// How many of the query's phrases the headline contains.
    pub title_matches: usize,
    /// BM25-style term-frequency score (headline terms weigh more; long stories are damped).
    pub score: f64,
}

/// How much more a headline occurrence counts than one in the rest of the story.
const TITLE_WEIGHT: f64 = 3.0;
/// BM25's term-frequency saturation and length normalization.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A query prepared for counting: each phrase as it appears in indexed text (terms separated
/// by single spaces), so that an occurrence is a substring found with a fast string search
/// rather than by splitting every story into words.
struct Counter {
    phrases: Vec<(String, usize)>,
}

impl Counter {
    fn new(query: &SearchQuery) -> Counter {
        Counter {
            phrases: query
                .phrases()
                .iter()
                .map(|p| (p.join(" "), p.len()))
                .collect(),
        }
    }

    /// Adds the occurrences of each phrase in the space-separated `text` to `counts`; returns
    /// the number of terms in `text`.
    fn count(&self, text: &str, counts: &mut [usize]) -> usize {
        for ((phrase, _), count) in self.phrases.iter().zip(counts.iter_mut()) {
            *count += occurrences(text, phrase);
        }
        if text.is_empty() {
            0
        } else {
            text.bytes().filter(|b| *b == b' ').count() + 1
        }
    }
}

/// Occurrences of `phrase` in `text` as whole terms (bounded by spaces or the ends).
fn occurrences(text: &str, phrase: &str) -> usize {
    let bytes = text.as_bytes();
    text.match_indices(phrase)
        .filter(|(at, _)| {
            let end = at + phrase.len();
            (*at == 0 || bytes[at - 1] == b' ') && (end == bytes.len() || bytes[end] == b' ')
        })
        .count()
}

/// Orders matching stories by relevance: more headline matches first, then the higher score;
/// ties keep the order given, so pass stories newest first for recency to break them.
/// `terms` gives each story's indexed headline and other terms.
pub fn rank<T>(query: &SearchQuery, stories: Vec<T>, terms: impl Fn(&T) -> (&str, &str)) -> Vec<T> {
    let counter = Counter::new(query);
    let phrases = counter.phrases.len();
    // Per story: its weighted length, then (headline, other) occurrences of each phrase.
    let mut lengths = Vec::with_capacity(stories.len());
    let mut counts = vec![0_usize; stories.len() * phrases * 2];
    for (i, story) in stories.iter().enumerate() {
        let (title, rest) = terms(story);
        let slot = &mut counts[i * phrases * 2..(i + 1) * phrases * 2];
        let (in_title, in_rest) = slot.split_at_mut(phrases);
        let title_len = counter.count(title, in_title);
        let rest_len = counter.count(rest, in_rest);
        lengths.push(TITLE_WEIGHT * title_len as f64 + rest_len as f64);
    }
    let average = (lengths.iter().sum::<f64>() / lengths.len().max(1) as f64).max(1.0);
    let mut scored: Vec<(Relevance, T)> = stories
        .into_iter()
        .enumerate()
        .map(|(i, story)| {
            let slot = &counts[i * phrases * 2..(i + 1) * phrases * 2];
            let norm = K1 * (1.0 - B + B * lengths[i] / average);
            let mut r = Relevance {
                title_matches: 0,
                score: 0.0,
            };
            for (p, (_, words)) in counter.phrases.iter().enumerate() {
                let (in_title, in_rest) = (slot[p], slot[phrases + p]);
                if in_title > 0 {
                    r.title_matches += 1;
                }
                let tf = TITLE_WEIGHT * in_title as f64 + in_rest as f64;
                // A matching phrase of several words says more than one word.
                r.score += *words as f64 * tf * (K1 + 1.0) / (tf + norm);
            }
            (r, story)
        })
        .collect();
    // Stable: equal stories stay newest first.
    scored.sort_by(|(a, _), (b, _)| {
        b.title_matches
            .cmp(&a.title_matches)
            .then(b.score.total_cmp(&a.score))
    });
    scored.into_iter().map(|(_, s)| s).collect()
}

/// Words of context shown before the first highlighted word of a snippet.
const LEAD_WORDS: usize = 5;

/// A word of a text being highlighted: where it is, and the query term it matches.
struct Mark<'t> {
    start: usize,
    end: usize,
    term: Option<&'t str>,
}

/// The words of `text` with the query term each matches. A word repeated in the text is
/// analyzed once, and where the stemmer keeps first letters, words that cannot match are not
/// stemmed at all (snippets analyze whole stories on every search).
fn marks<'t>(analyzer: &Analyzer, text: &str, terms: &HashSet<&'t str>) -> Vec<Mark<'t>> {
    let first_letters: Option<HashSet<char>> = analyzer
        .keeps_first_letter()
        .then(|| terms.iter().filter_map(|t| t.chars().next()).collect());
    let mut seen: HashMap<&str, Option<Option<&'t str>>> = HashMap::new();
    Analyzer::spans(text)
        .into_iter()
        .filter_map(|(start, end, _)| {
            let raw = &text[start..end];
            let term = *seen.entry(raw).or_insert_with(|| {
                let folded = Analyzer::fold(raw);
                let first = folded.chars().next()?;
                if first_letters.as_ref().is_some_and(|f| !f.contains(&first)) {
                    return Some(None);
                }
                Some(terms.get(analyzer.stem(folded).as_str()).copied())
            });
            term.map(|term| Mark { start, end, term })
        })
        .collect()
}

/// HTML for `text` with every word whose term is in `terms` wrapped in `<mark>`; everything else
/// is escaped. With `max_words`, only the passage of that many words holding the most query
/// terms is shown, with `…` where text is left out, and `None` if no word matches.
pub fn highlight(
    analyzer: &Analyzer,
    text: &str,
    terms: &HashSet<&str>,
    max_words: Option<usize>,
) -> Option<String> {
    let words = marks(analyzer, text, terms);
    let Some(max) = max_words else {
        return Some(marked(text, &words, 0, words.len(), true));
    };
    let best = best_passage(&words, max)?;
    let end = (best + max).min(words.len());
    let mut html = String::new();
    if best > 0 {
        html.push_str("… ");
    }
    html.push_str(&marked(text, &words, best, end, false));
    if end < words.len() {
        html.push_str(" …");
    }
    Some(html)
}

/// The first word of the `max`-word passage with the most distinct query terms (then the most
/// matches), starting a few words before a match for context. `None` if nothing matches.
fn best_passage(words: &[Mark<'_>], max: usize) -> Option<usize> {
    let hits: Vec<usize> = (0..words.len())
        .filter(|i| words[*i].term.is_some())
        .collect();
    let mut best: Option<(usize, usize, usize)> = None;
    // Enough anchors for any real passage, bounded for very long stories.
    for &anchor in hits.iter().take(200) {
        let start = anchor.saturating_sub(LEAD_WORDS);
        let end = (start + max).min(words.len());
        let in_window: Vec<&str> = hits
            .iter()
            .filter(|h| (start..end).contains(*h))
            .filter_map(|h| words[*h].term)
            .collect();
        let distinct = in_window.iter().collect::<HashSet<_>>().len();
        if best.is_none_or(|(d, n, _)| (distinct, in_window.len()) > (d, n)) {
            best = Some((distinct, in_window.len(), start));
        }
    }
    best.map(|(_, _, start)| start)
}

/// Escaped text of words `from..to` (and, if `whole`, the text around them), query words marked.
fn marked(text: &str, words: &[Mark<'_>], from: usize, to: usize, whole: bool) -> String {
    let mut html = String::with_capacity(text.len() + 32);
    let mut pos = if whole {
        0
    } else {
        words.get(from).map_or(0, |w| w.start)
    };
    for w in &words[from..to] {
        html.push_str(&escape(&collapse(&text[pos..w.start])));
        let word = escape(&text[w.start..w.end]);
        if w.term.is_some() {
            html.push_str("<mark>");
            html.push_str(&word);
            html.push_str("</mark>");
        } else {
            html.push_str(&word);
        }
        pos = w.end;
    }
    if whole {
        html.push_str(&escape(&collapse(&text[pos..])));
    }
    html
}

/// Runs of white space as one space.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> Analyzer {
        Analyzer::for_language("en")
    }

    fn phrases(q: &SearchQuery) -> Vec<String> {
        q.phrases().iter().map(|p| p.join(" ")).collect()
    }

    #[test]
    fn terms_are_folded_lowercased_and_stemmed() {
        let a = en();
        assert_eq!(a.terms("Elections"), a.terms("election"));
        assert_eq!(a.terms("Résumé RÉSUMÉ resume"), "resum resum resum");
        assert_eq!(
            a.terms("Straße, Œuvre; naïve café"),
            "strass oeuvr naiv cafe"
        );
        assert_eq!(a.terms("don't stop-loss 3.5%"), "don t stop loss 3 5");
        assert_eq!(a.terms("e\u{301}cole"), a.terms("école"));
        assert_eq!(a.terms("ＦＵＬＬ ﬁnal"), "full final");
        assert_eq!(a.terms("  ,;:!? ... --- "), "");
    }

    #[test]
    fn other_scripts_keep_their_letters_and_their_stemmers() {
        let ru = Analyzer::for_language("ru");
        assert_eq!(ru.terms("Путин ВСТРЕТИЛСЯ"), ru.terms("путин встретился"));
        assert_eq!(ru.terms("ёлка"), ru.terms("елка"));
        assert_eq!(ru.terms("выборы"), ru.terms("выборов"));
        let fr = Analyzer::for_language("fr-CA");
        assert_eq!(fr.terms("élections"), fr.terms("election"));
        let de = Analyzer::for_language("de");
        assert_eq!(de.terms("Häuser"), de.terms("hauser"));
        let es = Analyzer::for_language("es");
        assert_eq!(es.terms("canciones"), es.terms("canción"));
    }

    #[test]
    fn unknown_languages_fold_without_stemming() {
        let a = Analyzer::for_language("xx");
        assert_eq!(a.terms("Élections"), "elections");
        assert_eq!(a.signature(), "1:none");
        assert_eq!(en().signature(), "1:english");
        assert_eq!(
            Analyzer::for_language("en-GB").signature(),
            en().signature()
        );
    }

    #[test]
    fn suffix_stemmers_keep_the_first_letter() {
        let words = "Elections resumes Häuser canciones électeurs Путин встретился ёлка running \
                     ponies yelling ýmir Ÿ Ωmega 2024s años généralement Öffentlichkeit";
        for lang in [
            "da", "nl", "en", "fi", "fr", "de", "hu", "it", "no", "pt", "ro", "ru", "es", "sv",
            "tr", "zz",
        ] {
            let a = Analyzer::for_language(lang);
            assert!(a.keeps_first_letter());
            for w in a.words(words) {
                let folded = Analyzer::fold(&words[w.start..w.end]);
                assert_eq!(
                    folded.chars().next(),
                    w.term.chars().next(),
                    "{lang}: {folded}"
                );
            }
        }
        assert!(!Analyzer::for_language("ar").keeps_first_letter());
    }

    #[test]
    fn ideographs_are_words_of_their_own() {
        let a = en();
        assert_eq!(a.terms("北京news東京"), "北 京 news 東 京");
        let q = SearchQuery::parse(&a, "北京 上海");
        assert_eq!(phrases(&q), ["北 京", "上 海"]);
    }

    #[test]
    fn long_words_are_cut_the_same_way_everywhere() {
        let a = Analyzer::for_language("xx");
        let long = "a".repeat(500);
        assert_eq!(a.terms(&long).len(), MAX_TERM_CHARS);
        assert_eq!(
            SearchQuery::parse(&a, &long).phrases()[0][0],
            a.terms(&long)
        );
    }

    #[test]
    fn every_stemmer_survives_odd_input() {
        let samples = [
            "",
            "a",
            "ß",
            "ﬀ",
            "İstanbul",
            "ǅ",
            "x\u{301}\u{302}",
            "١٢٣",
            "தமிழ்",
            "ελληνικά",
            "ΟΔΟΣ",
            "'s",
            "123abc",
            "ʼn",
            "ⅷ",
            "😀",
            "\u{200b}",
            "q̃",
            "αβγ\u{301}",
        ];
        for lang in [
            "ar", "da", "nl", "en", "fi", "fr", "de", "el", "hu", "it", "no", "pt", "ro", "ru",
            "es", "sv", "ta", "tr", "zz",
        ] {
            let a = Analyzer::for_language(lang);
            for s in samples {
                for w in a.words(s) {
                    assert!(!w.term.is_empty());
                    assert!(
                        w.term.chars().all(char::is_alphanumeric),
                        "{lang} {s:?} {w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn queries_have_phrases_and_required_words() {
        let a = en();
        let q = SearchQuery::parse(&a, r#"Putin "Vostochny Cosmodrome" meets"#);
        assert_eq!(phrases(&q), ["putin", "vostochni cosmodrom", "meet"]);
        let q = SearchQuery::parse(&a, "“North Korea” leader");
        assert_eq!(phrases(&q), ["north korea", "leader"]);
        // An unclosed quote runs to the end; duplicates count once.
        let q = SearchQuery::parse(&a, "space \"launch pad space");
        assert_eq!(phrases(&q), ["space", "launch pad space"]);
        let q = SearchQuery::parse(&a, "rocket rockets ROCKET");
        assert_eq!(phrases(&q), ["rocket"]);
    }

    #[test]
    fn hostile_queries_become_plain_terms() {
        let a = en();
        let cases = [
            ("'; DROP TABLE articles; --", vec!["drop", "tabl", "articl"]),
            (
                "title:x* OR NEAR(a b) ^c -d",
                vec!["titl", "x", "or", "near", "a", "b", "c", "d"],
            ),
            ("\"\"\"", vec![]),
            ("((((", vec![]),
            ("   ", vec![]),
            ("& | ! <-> :* '", vec![]),
        ];
        for (raw, want) in cases {
            let q = SearchQuery::parse(&a, raw);
            assert_eq!(phrases(&q), want, "{raw}");
            assert!(
                q.terms()
                    .iter()
                    .all(|t| t.chars().all(char::is_alphanumeric))
            );
        }
    }

    #[test]
    fn queries_are_capped() {
        let a = Analyzer::for_language("xx");
        let many: String = (0..1000).map(|i| format!("w{i} ")).collect();
        let q = SearchQuery::parse(&a, &many);
        assert_eq!(q.phrases().len(), MAX_TERMS);
        let phrase = format!("\"{many}\"");
        let q = SearchQuery::parse(&a, &phrase);
        assert_eq!(q.phrases().len(), 1);
        assert_eq!(q.phrases()[0].len(), MAX_TERMS);
        let huge = "x".repeat(10_000) + " tail";
        let q = SearchQuery::parse(&a, &huge);
        assert_eq!(phrases(&q), ["x".repeat(MAX_TERM_CHARS)]);
    }

    #[test]
    fn headline_matches_come_first_then_score_then_given_order() {
        let a = en();
        let q = SearchQuery::parse(&a, "rocket launch");
        let stories = vec![
            (
                "newest",
                a.terms("Weather today"),
                a.terms("rocket launch rocket launch"),
            ),
            (
                "title",
                a.terms("Rocket launch delayed"),
                a.terms("nothing here"),
            ),
            ("half", a.terms("Rocket news"), a.terms("a launch")),
            (
                "older twin",
                a.terms("Weather today"),
                a.terms("rocket launch rocket launch"),
            ),
            (
                "weak",
                a.terms("Other"),
                a.terms(&format!("rocket launch {}", "filler ".repeat(200))),
            ),
        ];
        let ranked = rank(&q, stories, |s| (s.1.as_str(), s.2.as_str()));
        let order: Vec<&str> = ranked.iter().map(|s| s.0).collect();
        assert_eq!(order, ["title", "half", "newest", "older twin", "weak"]);
    }

    #[test]
    fn stories_are_indexed_with_every_searchable_part() {
        let a = en();
        let authors = vec!["Ana Lima".to_owned()];
        let (title, rest) = story_terms(
            &a,
            &StoryText {
                title: "Rockets <launched>",
                excerpt: "Standfirst",
                body_html: "<p>First&nbsp;paragraph &amp; more</p><p>Second</p>",
                authors: &authors,
                credit_line: "RHM/PR",
                source_agency: "Sputnik",
            },
        );
        assert_eq!(title, "rocket launch");
        assert_eq!(
            rest,
            "standfirst first paragraph more second ana lima rhm pr sputnik"
        );
        assert_eq!(plain_text("<p>a</p><p>b&lt;c</p>"), " a  b<c ");
    }

    #[test]
    fn phrases_count_only_adjacent_terms() {
        let a = Analyzer::for_language("xx");
        let q = SearchQuery::parse(&a, r#""north korea" korea "korea north" "a b c""#);
        let counter = Counter::new(&q);
        let mut counts = vec![0; 4];
        let n = counter.count("north korea south korea north a b a b c", &mut counts);
        assert_eq!(n, 10);
        assert_eq!(counts, [1, 2, 1, 1]);
        // Whole terms only: "korea" is not found inside "koreas" or "skorea".
        assert_eq!(occurrences("koreas skorea korea", "korea"), 1);
        assert_eq!(counter.count("", &mut counts), 0);
    }

    #[test]
    fn snippets_mark_query_words_and_escape_the_rest() {
        let a = en();
        let q = SearchQuery::parse(&a, "elections");
        let terms = q.terms();
        let html = highlight(&a, "The <b>election</b> & the Elections.", &terms, None).unwrap();
        assert_eq!(
            html,
            "The &lt;b&gt;<mark>election</mark>&lt;/b&gt; &amp; the <mark>Elections</mark>."
        );
        let text = format!(
            "{} The election was held. {}",
            "word ".repeat(50),
            "more ".repeat(50)
        );
        let snippet = highlight(&a, &text, &terms, Some(12)).unwrap();
        assert_eq!(
            snippet,
            "… word word word word The <mark>election</mark> was held. more more more more …"
        );
        assert_eq!(highlight(&a, "nothing to see", &terms, Some(12)), None);
        let q = SearchQuery::parse(&a, "resume");
        assert_eq!(
            highlight(&a, "Her résumé", &q.terms(), Some(5)).unwrap(),
            "Her <mark>résumé</mark>"
        );
    }

    #[test]
    fn snippets_prefer_passages_with_more_query_words() {
        let a = en();
        let q = SearchQuery::parse(&a, "alpha beta");
        let text = format!("alpha {} alpha beta {}", "x ".repeat(40), "y ".repeat(40));
        let snippet = highlight(&a, &text, &q.terms(), Some(10)).unwrap();
        assert!(
            snippet.contains("<mark>alpha</mark> <mark>beta</mark>"),
            "{snippet}"
        );
    }
}
