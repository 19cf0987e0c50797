//! `/robots.txt`, the sitemap index `/sitemap.xml`, its files under `/sitemaps/`, and the
//! Google News sitemap `/news-sitemap.xml`.
//!
//! Story files cover fixed id ranges of [`sitemaps::MAX_URLS`] ids and are streamed in pieces
//! while they are read, so a file of 50,000 addresses never sits whole in memory; their `ETag`
//! and `Last-Modified` come from one summary query, so a crawler re-reading an unchanged file
//! gets `304` without a single story being read. WordPress's and Yoast's sitemap addresses
//! redirect here.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::feeds::local;
use crate::AppState;
use crate::domain::article::article_path;
use crate::error::AppError;
use crate::render::sitemaps::{self, Loc, NewsStory};
use crate::store::articles::ArticleQuery;
use crate::store::purge;
use crate::store::sitemaps::{StoryChunk, TermKind, TermLoc};
use crate::web::cache::shows;
use crate::web::{conditional, origin};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Ids per story sitemap file.
const STORY_CHUNK: i64 = sitemaps::MAX_URLS as i64;
/// Stories read from the database per streamed piece.
const PIECE: i64 = 2_000;
/// Archives with fewer stories are `noindex` (see `archive::render_listing`) and not listed.
const MIN_ARCHIVE_STORIES: i64 = 2;
/// Google News lists stories of the last two days, at most 1,000.
const NEWS_WINDOW_HOURS: i64 = 48;
const NEWS_MAX: u32 = 1_000;

const XML: &str = "application/xml; charset=utf-8";

fn xml_response(body: Body, etag: &str) -> Response {
    conditional::tagged(XML, body, etag)
}

fn whole(bytes: Vec<u8>) -> Response {
    let etag = conditional::etag_of(&bytes);
    xml_response(Body::from(bytes), &etag)
}

/// `/robots.txt`: crawl everything public, skip form targets, and find the sitemaps here.
pub async fn robots() -> Response {
    let origin = origin::current();
    let body = format!(
        "User-agent: *\n\
         Disallow: /wp-comments-post.php\n\
         Disallow: /comments/\n\
         \n\
         Sitemap: {origin}/sitemap.xml\n"
    );
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// `/wp-sitemap.xml` (WordPress) and `/sitemap_index.xml` (Yoast): the index is here now.
pub async fn moved() -> Response {
    crate::web::edge::permanent("/sitemap.xml")
}

/// A file of the index: `(name, lastmod)`.
fn term_files(name: &str, terms: &[TermLoc]) -> Vec<(String, Option<DateTime<Utc>>)> {
    terms
        .chunks(sitemaps::MAX_URLS)
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{name}-{}.xml", i + 1),
                c.iter().filter_map(|t| t.lastmod).max(),
            )
        })
        .collect()
}

/// The indexable archives of a kind. A section's archive also shows its sub-sections'
/// stories, so a section counts as theirs too.
async fn indexable(
    state: &AppState,
    chrome: &super::Chrome,
    kind: TermKind,
    now: DateTime<Utc>,
) -> Result<Vec<TermLoc>, AppError> {
    let store = state.store();
    if kind != TermKind::Section {
        return Ok(store
            .indexable_terms(kind, MIN_ARCHIVE_STORIES, now)
            .await?);
    }
    // A section's page lists its sub-sections' stories too: it is indexable when that list
    // (the same query) holds enough stories.
    let mut out = Vec::new();
    for c in &chrome.categories {
        let q = ArticleQuery {
            category_ids: Some(chrome.category_with_descendants(c.id)),
            ..Default::default()
        };
        let rows = store
            .published_list(&q, now, MIN_ARCHIVE_STORIES as u32, 0)
            .await?;
        if rows.len() as i64 >= MIN_ARCHIVE_STORIES {
            out.push(TermLoc {
                id: c.id,
                slug: c.slug.clone(),
                lastmod: rows.first().map(|r| r.published_at),
            });
        }
    }
    Ok(out)
}

/// How long the index's story ranges are reused while no change touches stories' lists or
/// dates (`lists`, `stories`; other nodes' writes show after this).
const CHUNKS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Story ranges with the content generation they were read at, and when.
type CachedChunks = (u64, Instant, Arc<Vec<StoryChunk>>);

/// The sitemap index's story ranges, kept while the content is unchanged: summing up a
/// 1,000,000-story archive takes 20 index range scans, too many for every crawler's visit.
#[derive(Default)]
pub struct SitemapCache {
    slot: Mutex<Option<CachedChunks>>,
    /// One computation at a time: crawlers arriving together wait for it instead of repeating it.
    computing: tokio::sync::Mutex<()>,
}

/// The non-empty story ranges, oldest first.
async fn story_chunks(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<Arc<Vec<StoryChunk>>, AppError> {
    let store = state.store();
    let generation = store.fresh_generation().await;
    let cache = state.sitemap_cache();
    let cached = || {
        cache
            .slot
            .lock()
            .expect("sitemap cache lock")
            .clone()
            .filter(|(g, at, _)| {
                at.elapsed() < CHUNKS_MAX_AGE
                    && (*g == generation
                        || !store
                            .purged_between(*g, generation)
                            .touches(&[purge::LISTS, purge::STORIES]))
            })
            .map(|(_, _, chunks)| chunks)
    };
    if let Some(chunks) = cached() {
        return Ok(chunks);
    }
    let _turn = cache.computing.lock().await;
    if let Some(chunks) = cached() {
        return Ok(chunks);
    }
    let max_id = store.max_article_id().await?;
    let mut chunks = Vec::new();
    let mut after = 0;
    while after < max_id {
        let c = store
            .story_range_summary(after, after + STORY_CHUNK, now)
            .await?;
        if c.stories > 0 {
            chunks.push(c);
        }
        after += STORY_CHUNK;
    }
    let chunks = Arc::new(chunks);
    *cache.slot.lock().expect("sitemap cache lock") =
        Some((generation, Instant::now(), chunks.clone()));
    Ok(chunks)
}

/// Sitemaps list stories, pages and archives with their dates: every change to a list, a
/// story's or a page's data touches them (see `store::purge`).
fn shows_lists() {
    shows(purge::LISTS);
    shows(purge::STORIES);
    shows(purge::PAGES);
}

/// `/sitemap.xml`: one entry per sitemap file, each with its newest change.
pub async fn index(State(state): State<AppState>) -> Result<Response, AppError> {
    shows_lists();
    let store = state.store();
    let now = state.now();
    let chrome = state.chrome_cache().get(&state).await?;
    let tz = chrome.settings.timezone;
    let mut files: Vec<(String, Option<DateTime<Utc>>)> = story_chunks(&state, now)
        .await?
        .iter()
        .map(|c| {
            (
                format!("stories-{}.xml", c.chunk / STORY_CHUNK + 1),
                c.lastmod,
            )
        })
        .collect();
    let pages = store.page_locs().await?;
    if !pages.is_empty() {
        files.push((
            "pages-1.xml".into(),
            pages.iter().map(|p| p.updated_at).max(),
        ));
    }
    for (kind, name) in [
        (TermKind::Section, "sections"),
        (TermKind::Tag, "tags"),
        (TermKind::Author, "authors"),
    ] {
        let terms = store
            .indexable_terms(kind, MIN_ARCHIVE_STORIES, now)
            .await?;
        files.extend(term_files(name, &terms));
    }
    let mut locs: Vec<Loc> = files
        .into_iter()
        .map(|(name, lastmod)| Loc {
            loc: origin::absolute(&format!("/sitemaps/{name}")),
            lastmod: lastmod.map(|at| local(at, tz)),
        })
        .collect();
    let news = news_stories(&state, now).await?;
    if let Some(newest) = news.iter().map(|s| s.updated_at.max(s.published_at)).max() {
        locs.push(Loc {
            loc: origin::absolute("/news-sitemap.xml"),
            lastmod: Some(local(newest, tz)),
        });
    }
    Ok(whole(sitemaps::index(&locs)))
}

/// `/sitemaps/NAME-N.xml`.
pub async fn file(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (kind, n) = file
        .strip_suffix(".xml")
        .and_then(|f| f.rsplit_once('-'))
        .and_then(|(kind, n)| {
            // One address per file: `stories-01.xml` and `stories-+1.xml` are not copies.
            let n = n
                .parse::<i64>()
                .ok()
                .filter(|v| *v >= 1 && v.to_string() == n)?;
            Some((kind, n))
        })
        .ok_or(AppError::NotFound)?;
    shows_lists();
    match kind {
        "stories" => stories(state, n).await,
        "pages" if n == 1 => pages(state).await,
        "sections" => terms(state, TermKind::Section, n).await,
        "tags" => terms(state, TermKind::Tag, n).await,
        "authors" => terms(state, TermKind::Author, n).await,
        _ => Err(AppError::NotFound),
    }
}

/// Story file `n`: ids `((n-1)·50,000, n·50,000]`, streamed.
async fn stories(state: AppState, n: i64) -> Result<Response, AppError> {
    let after = n
        .checked_sub(1)
        .and_then(|k| k.checked_mul(STORY_CHUNK))
        .ok_or(AppError::NotFound)?;
    let upto = after.checked_add(STORY_CHUNK).ok_or(AppError::NotFound)?;
    let now = state.now();
    let summary = state.store().story_range_summary(after, upto, now).await?;
    let (count, lastmod) = (summary.stories, summary.lastmod);
    if count == 0 {
        return Err(AppError::NotFound);
    }
    let chrome = state.chrome_cache().get(&state).await?;
    let tz = chrome.settings.timezone;
    let origin = origin::current();
    // Addresses depend on the stories, their dates, the time zone and the host.
    let etag =
        conditional::etag_of(format!("{n}|{count}|{lastmod:?}|{}|{origin}", tz.name()).as_bytes());
    struct Cursor {
        state: AppState,
        origin: String,
        tz: Tz,
        now: DateTime<Utc>,
        after: i64,
        upto: i64,
        started: bool,
        done: bool,
    }
    let cursor = Cursor {
        state,
        origin,
        tz,
        now,
        after,
        upto,
        started: false,
        done: false,
    };
    let pieces = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.done {
            return None;
        }
        if !c.started {
            c.started = true;
            return Some((Ok(Bytes::from(sitemaps::urlset_start())), c));
        }
        let rows = match c
            .state
            .store()
            .story_locs(c.after, c.upto, c.now, PIECE)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                // Headers are sent; the best left is to cut the document short, which
                // crawlers treat as a failed fetch and retry.
                tracing::error!(error = %e, "sitemap: reading stories failed");
                c.done = true;
                return Some((Err(std::io::Error::other("sitemap read failed")), c));
            }
        };
        if rows.is_empty() {
            c.done = true;
            return Some((Ok(Bytes::from_static(sitemaps::URLSET_END)), c));
        }
        c.after = rows.last().map_or(c.upto, |r| r.id);
        let locs: Vec<Loc> = rows
            .iter()
            .map(|r| Loc {
                loc: format!(
                    "{}{}",
                    c.origin,
                    article_path(r.published_at, &r.slug, c.tz)
                ),
                lastmod: Some(local(r.updated_at.max(r.published_at), c.tz)),
            })
            .collect();
        Some((Ok(Bytes::from(sitemaps::urls(&locs))), c))
    });
    Ok(xml_response(Body::from_stream(pieces), &etag))
}

async fn pages(state: AppState) -> Result<Response, AppError> {
    let pages = state.store().page_locs().await?;
    if pages.is_empty() {
        return Err(AppError::NotFound);
    }
    let chrome = state.chrome_cache().get(&state).await?;
    let tz = chrome.settings.timezone;
    let locs: Vec<Loc> = pages
        .iter()
        .map(|p| Loc {
            loc: origin::absolute(&p.path),
            lastmod: Some(local(p.updated_at, tz)),
        })
        .collect();
    Ok(whole(sitemaps::urlset(&locs)))
}

async fn terms(state: AppState, kind: TermKind, n: i64) -> Result<Response, AppError> {
    let now = state.now();
    let chrome = state.chrome_cache().get(&state).await?;
    let all = indexable(&state, &chrome, kind, now).await?;
    let chunk = all
        .chunks(sitemaps::MAX_URLS)
        .nth(usize::try_from(n - 1).map_err(|_| AppError::NotFound)?)
        .ok_or(AppError::NotFound)?;
    let tz = chrome.settings.timezone;
    let locs: Vec<Loc> = chunk
        .iter()
        .map(|t| Loc {
            loc: origin::absolute(&match kind {
                TermKind::Section => chrome.category_url(t.id),
                TermKind::Tag => format!("/tag/{}/", t.slug),
                TermKind::Author => format!("/author/{}/", t.slug),
            }),
            lastmod: t.lastmod.map(|at| local(at, tz)),
        })
        .collect();
    Ok(whole(sitemaps::urlset(&locs)))
}

async fn news_stories(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<Vec<crate::store::articles::SummaryRow>, AppError> {
    let q = ArticleQuery {
        published_between: Some((
            now - Duration::hours(NEWS_WINDOW_HOURS),
            now + Duration::seconds(1),
        )),
        ..Default::default()
    };
    Ok(state.store().published_list(&q, now, NEWS_MAX, 0).await?)
}

/// `/news-sitemap.xml`: stories of the last 48 hours for Google News. With none it is an empty
/// `<urlset>` (and left out of the index).
pub async fn news(State(state): State<AppState>) -> Result<Response, AppError> {
    shows_lists();
    let now = state.now();
    let chrome = state.chrome_cache().get(&state).await?;
    let tz = chrome.settings.timezone;
    let rows = news_stories(&state, now).await?;
    let stories: Vec<NewsStory> = rows
        .iter()
        .map(|r| NewsStory {
            loc: origin::absolute(&article_path(r.published_at, &r.slug, tz)),
            title: r.title.clone(),
            published: local(r.published_at, tz),
            lastmod: local(r.updated_at.max(r.published_at), tz),
        })
        .collect();
    let body = sitemaps::news(
        &chrome.settings.title,
        &sitemaps::news_language(&chrome.settings.language),
        &stories,
    );
    Ok(whole(body))
}
