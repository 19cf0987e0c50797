//! The page cache: public pages kept in memory for up to a second, so a story that thousands
//! of readers open at once is rendered about once a second instead of once per reader.
//!
//! Only anonymous `GET`s whose response says `Cache-Control: public` and whose body has a known
//! length are kept, keyed by origin (see `web::origin`), path and query; each gets an `ETag`.
//! Any content write in this process empties the cache at once (the store's generation
//! counter); the one-second age bounds how long another node's write can take to show, the same
//! bound as the site chrome. Readers with a comment identity (remembered details, held comments)
//! or a remembered post password always get a fresh page.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

const MAX_AGE: Duration = Duration::from_secs(300);
const MAX_ENTRIES: usize = 4096;
const MAX_BODY: usize = 1 << 20;
/// Cookies that make a page personal.
const PERSONAL_COOKIES: &[&str] = &[
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "newsdesk_held",
    // A protected story or page shows its text to the reader who gave its password.
    "newsdesk-postpass",
];

struct Entry {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Cached pages of one content generation.
#[derive(Default)]
pub struct PageCache {
    slot: Mutex<(u64, HashMap<String, Entry>)>,
}

fn cacheable_request(req: &Request) -> bool {
    if req.method() != Method::GET {
        return false;
    }
    let path = req.uri().path();
    // Theme assets and uploads are served from memory or one indexed read, and browsers keep
    // them for a year: holding large images here too would only crowd out pages.
    if path.starts_with("/static/")
        || path.starts_with("/media/")
        || path == "/healthz"
        || path.starts_with("/comments/")
    {
        return false;
    }
    !req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| {
            c.split(';')
                .any(|kv| PERSONAL_COOKIES.contains(&kv.trim().split('=').next().unwrap_or("")))
        })
}

fn response(status: StatusCode, headers: &HeaderMap, body: Bytes, hit: bool) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    *res.headers_mut() = headers.clone();
    res.headers_mut().insert(
        "x-newsdesk-cache",
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    res
}

/// Serves public pages from the cache, and fills it.
pub async fn page_cache(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !cacheable_request(&req) {
        return next.run(req).await;
    }
    // Pages hold absolute links on the request's origin (see `web::origin`).
    let key = format!(
        "{}{}",
        crate::web::origin::current(),
        req.uri()
            .path_and_query()
            .map_or_else(|| req.uri().path(), |pq| pq.as_str())
    );
    let Some(cache) = state.page_cache() else {
        return next.run(req).await;
    };
    let generation = state.store().fresh_generation().await;
    {
        let slot = cache.slot.lock().expect("page cache lock");
        if slot.0 == generation
            && let Some(e) = slot.1.get(&key)
            && e.at.elapsed() < MAX_AGE
        {
            return response(e.status, &e.headers, e.body.clone(), true);
        }
    }
    let res = next.run(req).await;
    let public = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    // Streamed bodies (large sitemaps) have no known length and are passed through.
    let whole = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .is_some();
    if res.status() != StatusCode::OK
        || !public
        || !whole
        || res.headers().contains_key(header::SET_COOKIE)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Rendered pages are already whole in memory; this only takes them out of the body.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if !parts.headers.contains_key(header::ETAG)
        && let Ok(tag) = HeaderValue::from_str(&crate::web::conditional::etag_of(&bytes))
    {
        parts.headers.insert(header::ETAG, tag);
    }
    if bytes.len() <= MAX_BODY {
        let mut slot = cache.slot.lock().expect("page cache lock");
        if slot.0 != generation || slot.1.len() >= MAX_ENTRIES {
            *slot = (generation, HashMap::new());
        }
        slot.1.insert(
            key,
            Entry {
                at: Instant::now(),
                status: parts.status,
                headers: parts.headers.clone(),
                body: bytes.clone(),
            },
        );
    }
    response(parts.status, &parts.headers, bytes, false)
}
