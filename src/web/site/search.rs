//! `/search?q=…`: full-text search over published stories, with section, author and date
//! filters and pages of results. Every query, however odd, gets an ordinary page.

use std::collections::{HashMap, HashSet};

use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::views::{self, Card, Pagination};
use super::{Chrome, PageMeta, html, render};
use crate::AppState;
use crate::domain::search::{self, Analyzer, MAX_QUERY_CHARS, SearchQuery};
use crate::error::AppError;
use crate::store::search::SearchFilter;
use crate::store::users::PublicAuthor;

/// Matching stories ranked per query: the newest this many matches. However many stories match
/// a common word, the walk of the index stops after this many (a phrase or filter that rarely
/// matches still walks every story holding its words).
pub const CANDIDATES: u32 = 200;
/// Words in a result's snippet.
const SNIPPET_WORDS: usize = 32;

/// The search form's fields, as given (each at most once; later repeats are ignored).
#[derive(Debug, Clone, Default)]
struct Params {
    q: String,
    section: String,
    author: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: u32,
    /// What the reader is told about the address: filters that do not exist or do not parse,
    /// each named, with what is shown instead.
    notices: Vec<String>,
}

/// The search's own parameters; any other name is named on the page as ignored, unless it is
/// one of the tracking parameters campaigns and sites add to links.
const KNOWN_PARAMS: [&str; 6] = ["q", "section", "author", "from", "to", "page"];

/// Tracking parameters (`utm_source`, `fbclid`, …) that links carry and readers never typed.
fn is_tracking(name: &str) -> bool {
    const NAMES: [&str; 20] = [
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
    ];
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || NAMES.contains(&lower.as_str())
}

/// Text safe to print back into the page: no control characters or noncharacters (which would
/// make the HTML invalid), cut to `max` characters.
fn printable(raw: &str, max: usize) -> String {
    raw.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| {
            let n = *c as u32;
            !c.is_control() && !(0xFDD0..=0xFDEF).contains(&n) && n & 0xFFFE != 0xFFFE
        })
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A date typed in a date field (`YYYY-MM-DD`), if it is one.
fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)))
}

impl Params {
    fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        let mut first: HashMap<String, String> = HashMap::new();
        let mut notices = Vec::new();
        for (k, v) in pairs {
            if !KNOWN_PARAMS.contains(&k.as_str()) && !is_tracking(&k) && !first.contains_key(&k) {
                notices.push(format!(
                    "The search has no filter “{}”; it is ignored.",
                    printable(&k, 60)
                ));
            }
            first.entry(k).or_insert(v);
        }
        let get = |k: &str| first.get(k).map_or("", String::as_str);
        let mut date = |name: &str, label: &str| {
            let raw = get(name).trim();
            let parsed = parse_date(raw);
            if parsed.is_none() && !raw.is_empty() {
                notices.push(format!(
                    "“{}” is not a valid date for “{label}” (use YYYY-MM-DD); it is left out.",
                    printable(raw, 60)
                ));
            }
            parsed
        };
        let from = date("from", "Published from");
        let to = date("to", "Published to");
        let raw_page = get("page").trim();
        let page = crate::web::paging::query_page(raw_page);
        let a_page_number =
            raw_page.bytes().all(|b| b.is_ascii_digit()) && raw_page.bytes().any(|b| b != b'0');
        if !raw_page.is_empty() && !a_page_number {
            notices.push(format!(
                "There is no page “{}” of results; showing the first page.",
                printable(raw_page, 60)
            ));
        }
        Params {
            q: printable(get("q"), MAX_QUERY_CHARS),
            section: printable(get("section"), 200),
            author: printable(get("author"), 200),
            from,
            to,
            page,
            notices,
        }
    }

    /// The address of page `page` of this search.
    fn url(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.clone())];
        for (name, value) in [("section", &self.section), ("author", &self.author)] {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        for (name, date) in [("from", self.from), ("to", self.to)] {
            if let Some(d) = date {
                pairs.push((name, d.format("%Y-%m-%d").to_string()));
            }
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("/search?{}", query.join("&"))
    }
}

/// Percent-encodes a query-string value (`application/x-www-form-urlencoded`).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The start of a day in the site's time zone, in UTC.
fn start_of_day(day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// One choice of a filter's `<select>`.
#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// Sections as a tree (sub-sections indented under their parent), for the section filter.
fn section_choices(chrome: &Chrome, selected: &str) -> Vec<Choice> {
    fn walk(
        chrome: &Chrome,
        parent: Option<i64>,
        depth: usize,
        selected: &str,
        out: &mut Vec<Choice>,
    ) {
        // Bounded against a cycle in stored data.
        if depth > 16 {
            return;
        }
        for c in chrome.categories.iter().filter(|c| c.parent_id == parent) {
            out.push(Choice {
                value: c.slug.clone(),
                label: format!("{}{}", "– ".repeat(depth), c.name),
                selected: c.slug == selected,
            });
            walk(chrome, Some(c.id), depth + 1, selected, out);
        }
    }
    let mut out = Vec::new();
    walk(chrome, None, 0, selected, &mut out);
    out
}

fn author_choices(authors: &[PublicAuthor], selected: &str) -> Vec<Choice> {
    authors
        .iter()
        .map(|a| Choice {
            value: a.slug.clone(),
            label: a.display_name.clone(),
            selected: a.slug == selected,
        })
        .collect()
}

/// A result: the story's card, its headline and a passage with the query's words marked.
#[derive(Debug, Serialize)]
struct SearchResult {
    #[serde(flatten)]
    card: Card,
    /// Escaped headline with `<mark>`s.
    title_html: String,
    /// Escaped passage with `<mark>`s (or the standfirst when the body does not match).
    snippet_html: Option<String>,
}

/// Names a section or author filter that matches none, and drops it (from the results and from
/// the addresses of further pages).
async fn check_filters(state: &AppState, chrome: &Chrome, p: &mut Params) -> Result<(), AppError> {
    if !p.section.is_empty() && !chrome.categories.iter().any(|c| c.slug == p.section) {
        p.notices.push(format!(
            "There is no section “{}”; showing all sections.",
            p.section
        ));
        p.section.clear();
    }
    if !p.author.is_empty() && state.store().author_by_slug(&p.author).await?.is_none() {
        p.notices.push(format!(
            "There is no author “{}”; showing all authors.",
            p.author
        ));
        p.author.clear();
    }
    Ok(())
}

/// The filters as the store takes them (unknown sections and authors were dropped before).
async fn filter(state: &AppState, chrome: &Chrome, p: &Params) -> Result<SearchFilter, AppError> {
    let tz = chrome.settings.timezone;
    let author = if p.author.is_empty() {
        None
    } else {
        state.store().author_by_slug(&p.author).await?
    };
    Ok(SearchFilter {
        category_ids: chrome
            .categories
            .iter()
            .find(|c| c.slug == p.section)
            .map(|c| chrome.category_with_descendants(c.id)),
        author_id: author.map(|a| a.id),
        from: p.from.and_then(|d| start_of_day(d, tz)),
        // The "to" day is included: stories before the start of the next day.
        until: p
            .to
            .and_then(|d| d.succ_opt())
            .and_then(|d| start_of_day(d, tz)),
    })
}

/// The results for the given story ids, in that order: cards with marked headlines and snippets.
async fn results_page(
    state: &AppState,
    chrome: &Chrome,
    analyzer: &Analyzer,
    query: &SearchQuery,
    ranked_ids: &[i64],
) -> Result<Vec<SearchResult>, AppError> {
    let store = state.store();
    let rows = store.published_by_ids(ranked_ids, state.now()).await?;
    let mut by_id: HashMap<i64, _> = rows.into_iter().map(|r| (r.id, r)).collect();
    // Stories unpublished since the search ran drop out here.
    let rows: Vec<_> = ranked_ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .collect();
    let excerpts: HashMap<i64, String> = rows.iter().map(|r| (r.id, r.excerpt.clone())).collect();
    let bodies = store.bodies_of(ranked_ids).await?;
    let terms = query.terms();
    let cards = views::cards(store, chrome, rows, true).await?;
    Ok(cards
        .into_iter()
        .map(|card| SearchResult {
            title_html: search::highlight(analyzer, &card.title, &terms, None).unwrap_or_default(),
            snippet_html: snippet(
                analyzer,
                bodies.get(&card.id).map_or("", String::as_str),
                excerpts.get(&card.id).map_or("", String::as_str),
                &terms,
            ),
            card,
        })
        .collect())
}

/// The passage of the body with the most query words, or else the standfirst (marked where it
/// matches), or nothing.
fn snippet(
    analyzer: &Analyzer,
    body_html: &str,
    excerpt: &str,
    terms: &HashSet<&str>,
) -> Option<String> {
    search::highlight(
        analyzer,
        &search::plain_text(body_html),
        terms,
        Some(SNIPPET_WORDS),
    )
    .or_else(|| {
        (!excerpt.is_empty())
            .then(|| search::highlight(analyzer, excerpt, terms, None))
            .flatten()
    })
}

/// Ids of the stories matching the query and filters, most relevant first.
async fn ranked_ids(
    state: &AppState,
    chrome: &Chrome,
    p: &Params,
    query: &SearchQuery,
) -> Result<Vec<i64>, AppError> {
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let filter = filter(state, chrome, p).await?;
    let candidates = state
        .store()
        .search_candidates(query, &filter, state.now(), CANDIDATES)
        .await?;
    Ok(search::rank(query, candidates, |c| {
        (c.title_terms.as_str(), c.body_terms.as_str())
    })
    .into_iter()
    .map(|c| c.article_id)
    .collect())
}

/// The page's heading and `<head>` metadata.
fn page_meta(chrome: &Chrome, p: &Params, pagination: &Pagination) -> (String, PageMeta) {
    let heading = if p.q.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search results for “{}”", p.q)
    };
    let title = if p.page > 1 {
        format!("{heading} – Page {} – {}", p.page, chrome.settings.title)
    } else {
        format!("{heading} – {}", chrome.settings.title)
    };
    let meta = PageMeta {
        title,
        description: format!("Search the stories of {}.", chrome.settings.title),
        prev: pagination.prev.clone(),
        next: pagination.next.clone(),
        // Result pages are endless variations of the archive: kept out of search engines.
        robots: Some("noindex, follow"),
        kind: "search",
        ..Default::default()
    };
    (heading, meta)
}

/// `GET /search?q=…&section=SLUG&author=SLUG&from=YYYY-MM-DD&to=YYYY-MM-DD&page=N`.
pub async fn show(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut p = Params::from_pairs(pairs);
    // Which stories match follows every story's text and dates, and the list's members.
    crate::web::cache::shows(crate::store::purge::LISTS);
    crate::web::cache::shows(crate::store::purge::STORIES);
    let chrome = state.chrome_cache().get(&state).await?;
    check_filters(&state, &chrome, &mut p).await?;
    let store = state.store();
    let analyzer = Analyzer::for_language(&chrome.settings.language);
    let query = SearchQuery::parse(&analyzer, &p.q);
    let authors = store.search_authors(state.now()).await?;
    let per_page = chrome.settings.posts_per_page as usize;

    let ranked = ranked_ids(&state, &chrome, &p, &query).await?;
    let found = ranked.len();
    let skip = (p.page.saturating_sub(1) as usize).saturating_mul(per_page);
    let page_ids: Vec<i64> = ranked.iter().skip(skip).take(per_page).copied().collect();
    let results = results_page(&state, &chrome, &analyzer, &query, &page_ids).await?;

    let last_page = found.div_ceil(per_page).max(1) as u32;
    let pagination = Pagination {
        current: p.page,
        prev: (p.page > 1).then(|| p.url((p.page - 1).min(last_page))),
        next: (skip + per_page < found).then(|| p.url(p.page + 1)),
    };
    let (heading, meta) = page_meta(&chrome, &p, &pagination);
    let body = render(
        &state,
        &chrome,
        "search.html",
        &meta,
        minijinja::context! {
            heading,
            query => p.q,
            searched => !query.is_empty(),
            typed => !p.q.is_empty(),
            results,
            found,
            capped => found >= CANDIDATES as usize,
            first => skip + 1,
            pagination,
            sections => section_choices(&chrome, &p.section),
            authors => author_choices(&authors, &p.author),
            from => p.from.map(|d| d.format("%Y-%m-%d").to_string()),
            to => p.to.map(|d| d.format("%Y-%m-%d").to_string()),
            filtered => !p.section.is_empty() || !p.author.is_empty() || p.from.is_some() || p.to.is_some(),
            notices => p.notices,
        },
    )?;
    Ok(html(body))
}

/// `/search/` (WordPress themes link there): the same search at `/search`.
pub async fn trailing_slash(RawQuery(query): RawQuery) -> Response {
    match query {
        Some(q) => crate::web::edge::permanent(&format!("/search?{q}")),
        None => crate::web::edge::permanent("/search"),
    }
}

/// The `/search` address of WordPress's `/?s=…` search.
pub fn wordpress_search_url(s: &str) -> String {
    format!("/search?q={}", encode(&printable(s, MAX_QUERY_CHARS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Params {
        Params::from_pairs(serde_urlencoded_pairs(query))
    }

    fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn params_are_read_leniently() {
        let p = params("q=space&q=ignored&page=abc&from=2026-02-30&to=2026-03-01&section=world");
        assert_eq!(p.q, "space");
        assert_eq!(p.page, 1);
        assert_eq!(p.from, None);
        assert_eq!(p.to, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(
            p.url(2),
            "/search?q=space&section=world&to=2026-03-01&page=2"
        );
        assert_eq!(params("page=0").page, 1);
        assert_eq!(params("page=7").page, 7);
    }

    #[test]
    fn malformed_and_unknown_parameters_are_named() {
        let p = params(
            "q=x&from=2026-13-45&to=&page=abc&colour=red&utm_source=mail&fbclid=1&colour=blue",
        );
        assert_eq!(
            p.notices,
            [
                "The search has no filter “colour”; it is ignored.",
                "“2026-13-45” is not a valid date for “Published from” (use YYYY-MM-DD); it is left out.",
                "There is no page “abc” of results; showing the first page.",
            ]
        );
        assert!(params("q=x&section=&author=&from=&to=").notices.is_empty());
    }

    #[test]
    fn printed_text_has_no_control_characters() {
        assert_eq!(
            printable("a\u{0}b\u{7}c\td\u{FFFF}e\u{FDD0}", 100),
            "abc de"
        );
        assert_eq!(printable(&"x".repeat(1000), 5), "xxxxx");
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("a b&c=d/é\"<"), "a+b%26c%3Dd%2F%C3%A9%22%3C");
        assert_eq!(wordpress_search_url("north korea"), "/search?q=north+korea");
    }
}
