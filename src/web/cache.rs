//! The page cache: public pages kept in memory, each rendered once and stored as it is and
//! compressed (gzip and brotli), so a story that thousands of readers open at once is rendered
//! once and served from memory in the encoding each reader's browser takes.
//!
//! Only anonymous `GET`s (and `HEAD`s of pages already held) whose response says
//! `Cache-Control: public` and whose body has a known length are kept, keyed by origin (see
//! `web::origin`), path and query; each gets an `ETag`, and a request naming it in
//! `If-None-Match` gets its `304` from here, before any handler runs.
//!
//! Each page says what it shows while it renders ([`shows`], [`shows_story`]): purge keys such
//! as `story-42`, `page-7` or `lists` (see `store::purge` for the scheme). The cache keeps them
//! with the page and sends them as `Surrogate-Key` (space-separated, as Fastly and Varnish
//! read it) and `Cache-Tag` (the same keys comma-separated, as Cloudflare reads it), so a CDN
//! in front can drop exactly what changed. A page that says nothing is sent as `any`, which
//! every change drops. Entries are dropped when content they show changes: the store's
//! generation moves, with what changed, when this process commits a content write, as soon as
//! PostgreSQL announces another node's (with its keys, see `store::changes`), or within about a
//! second of it (see `Store::fresh_generation`; then everything changed). An entry is checked
//! against what changed since it was rendered the first time it is asked for after a change;
//! a change of everything empties the cache at once. A write that commits while a page
//! renders and changes what it shows leaves the page unkept. Bookkeeping writes (sessions,
//! autosaves, locks, throttling, held comments) change nothing. Entries also lapse after
//! [`MAX_AGE`], and the whole cache is bounded by [`MAX_BYTES`].
//!
//! Concurrent misses for the same page wait for the one request that renders it. Readers with a
//! comment identity (remembered details, held comments) or a remembered post password always
//! get a fresh page.
//!
//! Two layers share the entries: [`page_cache`], around the public routes, renders and keeps
//! pages and answers from them; [`front`], around every layer but the request counters and the
//! access log, answers a kept page with
//! the headers its first answer left with, so a hit does not pass through the layers that only
//! add those headers again.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::store::purge;

/// The response header naming a page's purge keys, space-separated (Fastly, Varnish, Akamai).
pub const SURROGATE_KEY: &str = "surrogate-key";
/// The same keys comma-separated, as Cloudflare reads them.
pub const CACHE_TAG: &str = "cache-tag";
/// More keys than this on one page (a list of hundreds of stories) become [`purge::ANY`].
pub(crate) const MAX_KEYS: usize = 128;

/// What the page being rendered said it shows.
#[derive(Default)]
struct Shown {
    /// Whether its handler said what it shows (see [`shows`]); keys added by the parts it is
    /// made of alone ([`also_shows`]) do not make a page keyed.
    declared: bool,
    keys: BTreeSet<String>,
}

tokio::task_local! {
    static SHOWN: RefCell<Shown>;
}

/// Notes, from a page's handler, that the page shows what `key` names (see `store::purge`).
/// A page whose handler never calls this (or [`shows_story`]) is purged by every change.
/// Outside a request the cache looks at, it does nothing.
pub fn shows(key: impl Into<String>) {
    let _ = SHOWN.try_with(|s| {
        let mut s = s.borrow_mut();
        s.declared = true;
        s.keys.insert(key.into());
    });
}

/// Notes, from a page's handler, that the page shows a story (its page, or its teaser).
pub fn shows_story(id: i64) {
    shows(purge::story(id));
}

/// Notes that a part of the page (a teaser, the chrome's widgets and menus) shows what `key`
/// names; the page's handler still has to say what else it shows ([`shows`]).
pub fn also_shows(key: impl Into<String>) {
    let _ = SHOWN.try_with(|s| s.borrow_mut().keys.insert(key.into()));
}

/// The keys a page declared, as kept and sent: [`purge::ANY`] when its handler said nothing,
/// or the page names too many.
fn declared(shown: Shown) -> Arc<[String]> {
    let keys = shown.keys;
    if !shown.declared || keys.len() > MAX_KEYS || keys.contains(purge::ANY) {
        return Arc::from(vec![purge::ANY.to_owned()]);
    }
    keys.into_iter().collect::<Vec<_>>().into()
}

/// Puts the page's keys on the response.
fn tag(headers: &mut HeaderMap, keys: &[String]) {
    if let Ok(v) = HeaderValue::from_str(&keys.join(" ")) {
        headers.insert(SURROGATE_KEY, v);
    }
    if let Ok(v) = HeaderValue::from_str(&keys.join(",")) {
        headers.insert(CACHE_TAG, v);
    }
}

/// Runs the handler, collecting what the page says it shows.
async fn render(req: Request, next: Next) -> (Response, Arc<[String]>) {
    let shown = RefCell::new(Shown::default());
    SHOWN
        .scope(shown, async move {
            let res = next.run(req).await;
            let keys = SHOWN.with(|s| declared(std::mem::take(&mut *s.borrow_mut())));
            (res, keys)
        })
        .await
}

/// How long a page is kept while the content does not change (by default; see
/// [`PageCacheLimits`]).
pub const MAX_AGE: Duration = Duration::from_secs(300);
/// The most the cache holds, all encodings of all pages together (by default).
pub const MAX_BYTES: u64 = 64 << 20;
/// Larger pages are served but not kept.
const MAX_BODY: usize = 1 << 20;
/// The longest a page's previous version is served while its successor renders (a render
/// takes milliseconds; this bounds a render that hangs).
const STALE_FOR: Duration = Duration::from_secs(5);
/// Smaller bodies are not worth compressing.
const MIN_COMPRESS: usize = 256;
/// Modest levels, paid once per page: the demo's 25 KB home page becomes 5.7 KB with gzip 6
/// and 5.1 KB with brotli 5, a 17 KB story 4.8 KB and 4.3 KB.
const BROTLI_LEVEL: u32 = 5;
const GZIP_LEVEL: u32 = 6;
/// The header on every answer the cache gave (`hit`) or kept (`miss`); those answers are in
/// the encoding the request asked for already (see `web::compress`).
pub const CACHE_HEADER: &str = "x-newsdesk-cache";
/// Cookies that make a page personal.
const PERSONAL_COOKIES: &[&str] = &[
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "newsdesk_held",
    // A protected story or page shows its text to the reader who gave its password.
    "newsdesk-postpass",
];

/// One page as rendered, in each encoding kept.
struct Entry {
    /// The generation up to which the content this page shows is known unchanged: the one
    /// read before it was rendered, moved on each time it is found untouched by a change.
    checked: AtomicU64,
    /// What the page shows (see `store::purge`).
    keys: Arc<[String]>,
    status: StatusCode,
    /// The response's headers, without framing (`Content-Length`, `Content-Encoding`).
    headers: HeaderMap,
    /// The entity tag of the uncompressed body, quoted.
    etag: String,
    identity: Bytes,
    gzip: Option<Bytes>,
    br: Option<Bytes>,
    /// The headers the layers around the cache gave the page's first answer (see [`front`]).
    sent: OnceLock<Sent>,
}

/// A kept page's headers as the layers around the cache finished them (the security headers and
/// the site's content security policy added), without what each answer sets for itself (its
/// coding, tag, length and `X-Newsdesk-Cache`): [`front`] answers later requests for the page
/// with these, so a hit does not pass those layers again.
struct Sent {
    /// Whether they were sent over HTTPS (`Strict-Transport-Security` goes only there).
    https: bool,
    headers: HeaderMap,
}

/// On an answer the cache gave or kept, on its way out through [`front`].
#[derive(Clone)]
struct Kept(Arc<Entry>);

impl Entry {
    /// Its bytes for the cache's bound: the bodies, the keys, and its headers twice (its own
    /// and, once sent, [`Sent`]'s copy with what the layers around added, for which a
    /// kilobyte and a half more is counted: the content security policy is most of it).
    fn weight(&self) -> u32 {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum();
        let n = self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.br.as_ref().map_or(0, Bytes::len)
            + self.keys.iter().map(|k| k.len() + 16).sum::<usize>()
            + 2 * headers
            + 1536
            + 512;
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// Cached pages of the current content generation.
pub struct PageCache {
    pages: moka::sync::Cache<String, Arc<Entry>>,
    /// The newest generation seen; when the store's moves past a change of everything, all
    /// pages are dropped at once.
    generation: AtomicU64,
    /// Pages being rendered: later requests for one wait for it instead of rendering it too.
    filling: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Pages just dropped because content they show changed, with when: while one request
    /// renders a page's successor, readers asking for it meanwhile get these at once instead
    /// of waiting (for [`STALE_FOR`] at most; gone when that rendering ends).
    stale: Mutex<HashMap<String, (Instant, Arc<Entry>)>>,
    /// Requests answered from the cache, and pages rendered for it (see [`PageCache::stats`]).
    hits: AtomicU64,
    misses: AtomicU64,
    /// Requests answered with a page's previous version while its successor rendered.
    stale_served: AtomicU64,
    /// Pages that left the cache, by why (counted by the cache's eviction listener).
    removals: Arc<Removals>,
}

/// Pages that left the cache, by why.
#[derive(Default)]
struct Removals {
    /// Pushed out (or turned away) by the bound on bytes, [`PageCacheLimits::max_bytes`].
    size: AtomicU64,
    /// Lapsed after [`PageCacheLimits::max_age`].
    expired: AtomicU64,
    /// Dropped because content they show changed (purges, a change of everything).
    purged: AtomicU64,
}

/// How much the page cache holds, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCacheLimits {
    /// The most it holds, all encodings of all pages together, in bytes.
    pub max_bytes: u64,
    /// How long a page is kept while what it shows does not change.
    pub max_age: Duration,
}

impl Default for PageCacheLimits {
    fn default() -> PageCacheLimits {
        PageCacheLimits {
            max_bytes: MAX_BYTES,
            max_age: MAX_AGE,
        }
    }
}

/// What the page cache did and holds (for `/metrics`).
#[derive(Debug, Clone, Copy)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Requests answered with a page's previous version while its successor rendered.
    pub stale: u64,
    pub entries: u64,
    pub bytes: u64,
    /// Pages pushed out, or turned away, to stay within the bound on bytes.
    pub evicted_for_size: u64,
    /// Pages that lapsed after the longest time a page is kept.
    pub expired: u64,
    /// Pages dropped because content they show changed.
    pub purged: u64,
}

impl Default for PageCache {
    fn default() -> PageCache {
        PageCache::new(PageCacheLimits::default())
    }
}

impl PageCache {
    /// An empty cache within these limits.
    pub fn new(limits: PageCacheLimits) -> PageCache {
        let removals = Arc::new(Removals::default());
        let counted = removals.clone();
        PageCache {
            pages: moka::sync::Cache::builder()
                .max_capacity(limits.max_bytes)
                .weigher(|key: &String, e: &Arc<Entry>| {
                    e.weight()
                        .saturating_add(u32::try_from(key.len()).unwrap_or(u32::MAX))
                })
                .time_to_live(limits.max_age)
                .eviction_listener(move |_key, _page, cause| {
                    let counter = match cause {
                        moka::notification::RemovalCause::Size => &counted.size,
                        moka::notification::RemovalCause::Expired => &counted.expired,
                        moka::notification::RemovalCause::Explicit => &counted.purged,
                        // A page stored again under its key (rendered anew) did not leave.
                        moka::notification::RemovalCause::Replaced => return,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                })
                .build(),
            generation: AtomicU64::new(0),
            filling: Mutex::default(),
            stale: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            stale_served: AtomicU64::new(0),
            removals,
        }
    }

    /// Hits and misses so far, pages that left and why, and what is held now. The cache's
    /// pending bookkeeping (lapsed pages, a change of everything) is done first, so the
    /// numbers are current.
    pub fn stats(&self) -> CacheStats {
        self.pages.run_pending_tasks();
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            stale: self.stale_served.load(Ordering::Relaxed),
            entries: self.pages.entry_count(),
            bytes: self.pages.weighted_size(),
            evicted_for_size: self.removals.size.load(Ordering::Relaxed),
            expired: self.removals.expired.load(Ordering::Relaxed),
            purged: self.removals.purged.load(Ordering::Relaxed),
        }
    }

    /// The page kept for `key`, if what it shows is unchanged up to `generation`. A change of
    /// everything empties the cache first; a page rendered before a change that touches it
    /// is dropped.
    fn get(&self, store: &crate::store::Store, key: &str, generation: u64) -> Option<Arc<Entry>> {
        let held = self.generation.fetch_max(generation, Ordering::AcqRel);
        if held < generation && store.purged_between(held, generation).is_all() {
            self.pages.invalidate_all();
            // Nothing from before a change of everything is served, not even while it renders.
            self.stale_pages().clear();
        }
        let e = self.pages.get(key)?;
        let checked = e.checked.load(Ordering::Acquire);
        if checked < generation {
            if store.purged_between(checked, generation).touches(&e.keys) {
                self.pages.invalidate(key);
                let mut stale = self.stale_pages();
                stale.retain(|_, (at, _)| at.elapsed() < STALE_FOR);
                stale.insert(key.to_owned(), (Instant::now(), e));
                return None;
            }
            e.checked.fetch_max(generation, Ordering::AcqRel);
        }
        Some(e)
    }

    /// The pages just dropped, for reading or changing (a panic elsewhere leaves them usable).
    fn stale_pages(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<Entry>)>> {
        self.stale.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The page `key` showed before content it shows changed, while its successor renders.
    fn stale(&self, key: &str) -> Option<Arc<Entry>> {
        self.stale_pages()
            .get(key)
            .filter(|(at, _)| at.elapsed() < STALE_FOR)
            .map(|(_, e)| e.clone())
    }

    /// The turn to render `key`: the first request gets it, later ones wait for it to end.
    fn turn<'a>(&'a self, key: &str) -> Turn<'a> {
        let mut filling = self.filling.lock().expect("page cache lock");
        if let Some(busy) = filling.get(key) {
            return Turn::Wait(busy.clone());
        }
        let mine = Arc::new(tokio::sync::Mutex::new(()));
        let guard = mine.clone().try_lock_owned().expect("a new lock is free");
        filling.insert(key.to_owned(), mine);
        Turn::Mine(Filling {
            cache: self,
            key: key.to_owned(),
            _guard: guard,
        })
    }
}

enum Turn<'a> {
    Mine(Filling<'a>),
    Wait(Arc<tokio::sync::Mutex<()>>),
}

/// The one rendering of a page under way; however it ends (a reader gone mid-way included),
/// the waiting requests are let go.
struct Filling<'a> {
    cache: &'a PageCache,
    key: String,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Filling<'_> {
    fn drop(&mut self) {
        self.cache.stale_pages().remove(&self.key);
        self.cache
            .filling
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

fn cacheable_request(req: &Request) -> bool {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
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
    // A REST API client that authenticates gets what its person may see, never a shared copy.
    if crate::web::api::auth::carries_credentials(req.headers(), req.uri()) {
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

/// A content coding a response can be sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }
}

/// The coding to send, from `Accept-Encoding` (RFC 9110 §12.5.3): the highest q-value among
/// those offered, brotli before gzip on a tie; a coding not named takes the `*` value, if any.
/// Without the header, or when nothing offered is acceptable, the body goes as it is.
fn negotiate(accept: Option<&str>, has_br: bool, has_gzip: bool) -> Coding {
    let Some(accept) = accept else {
        return Coding::Identity;
    };
    let mut star = None;
    let mut named: HashMap<String, f32> = HashMap::new();
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        if name == "*" {
            star = Some(q);
        } else {
            named.insert(name, q);
        }
    }
    let q_of = |name: &str| named.get(name).copied().or(star).unwrap_or(0.0);
    let mut best = (Coding::Identity, 0.0_f32);
    for (coding, available) in [(Coding::Brotli, has_br), (Coding::Gzip, has_gzip)] {
        let q = q_of(coding.name());
        if available && q > best.1 {
            best = (coding, q);
        }
    }
    // Identity is acceptable unless refused by name (or by `*;q=0`); a compressed coding with
    // at least its q-value wins.
    let identity = named
        .get("identity")
        .copied()
        .unwrap_or(if star == Some(0.0) { 0.0 } else { 1.0 });
    if best.1 > 0.0 && best.1 >= identity {
        best.0
    } else {
        Coding::Identity
    }
}

/// `"tag"` with a suffix naming the coding (`"tag-br"`), as each encoding is its own
/// representation.
fn tag_for(etag: &str, coding: Coding) -> String {
    match coding {
        Coding::Identity => etag.to_owned(),
        _ => format!("{}-{}\"", etag.trim_end_matches('"'), coding.name()),
    }
}

/// Whether `If-None-Match` names this page in any of its encodings.
fn known_to_client(req: &HeaderMap, etag: &str) -> bool {
    let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let base = etag.trim_matches('"');
    inm.split(',').any(|t| {
        let t = t.trim().trim_start_matches("W/").trim_matches('"');
        t == "*"
            || t == base
            || t.strip_prefix(base)
                .is_some_and(|rest| rest == "-br" || rest == "-gzip")
    })
}

/// The response for `entry` in the coding the request takes (`304` when the client holds it,
/// no body for `HEAD`); `served` says how it was found (`hit`, `stale` or `miss`, in
/// `X-Newsdesk-Cache`).
fn respond(entry: &Arc<Entry>, req: &HeaderMap, head: bool, served: &'static str) -> Response {
    let mut res = respond_with(entry, &entry.headers, true, req, head, served);
    res.extensions_mut().insert(Kept(entry.clone()));
    res
}

/// [`respond`] with `headers` in place of the page's own, and `Vary: Accept-Encoding` added
/// to them if `vary` (headers a response left with name it already).
fn respond_with(
    entry: &Entry,
    headers: &HeaderMap,
    vary: bool,
    req: &HeaderMap,
    head: bool,
    served: &'static str,
) -> Response {
    let coding = negotiate(
        req.get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        entry.br.is_some(),
        entry.gzip.is_some(),
    );
    let body = match coding {
        Coding::Brotli => entry.br.clone(),
        Coding::Gzip => entry.gzip.clone(),
        Coding::Identity => None,
    }
    .unwrap_or_else(|| entry.identity.clone());
    let not_modified = entry.status == StatusCode::OK && known_to_client(req, &entry.etag);
    let len = body.len();
    let mut res = if head || not_modified {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body))
    };
    *res.status_mut() = if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        entry.status
    };
    let h = res.headers_mut();
    *h = headers.clone();
    if let Ok(tag) = HeaderValue::from_str(&tag_for(&entry.etag, coding)) {
        h.insert(header::ETAG, tag);
    }
    if vary && (entry.gzip.is_some() || entry.br.is_some()) {
        h.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if coding != Coding::Identity {
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.name()),
        );
    }
    if not_modified {
        // A 304 carries the validators and caching headers, never a body or its framing.
        h.remove(header::CONTENT_TYPE);
    } else if head {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    h.insert(CACHE_HEADER, HeaderValue::from_static(served));
    res
}

/// Whether a response of this type is text worth compressing.
pub(crate) fn compressible(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("text/")
                || t.starts_with("application/xml")
                || t.starts_with("application/rss+xml")
                || t.starts_with("application/atom+xml")
                || t.starts_with("application/json")
                || t.starts_with("application/feed+json")
                || t.starts_with("application/ld+json")
                || t.starts_with("application/javascript")
                || t.starts_with("image/svg+xml")
        })
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut w = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    w.write_all(body).ok()?;
    let out = w.finish().ok()?;
    (out.len() < body.len()).then(|| Bytes::from(out))
}

fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_LEVEL, 22);
        w.write_all(body).ok()?;
        w.flush().ok()?;
    }
    (out.len() < body.len()).then(|| Bytes::from(out))
}

/// The key of the page a request asks for: pages hold absolute links on the request's origin
/// (see `web::origin`), so the origin is part of it.
fn key_of(origin: &str, req: &Request) -> String {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path(), |pq| pq.as_str());
    let mut key = String::with_capacity(origin.len() + target.len());
    key.push_str(origin);
    key.push_str(target);
    key
}

/// Around every layer but the request counters and the access log: answers a request for a
/// kept page with the headers its first answer left with ([`Sent`]), so a hit does not pass
/// through the layers that would only add them again (compression, security headers, the
/// deadline, the origin's scope, conditional GET). It answers nothing else: a page not yet sent
/// once, a page first sent over the other scheme, and every request while this node's content
/// generation is due to be read again and no request is reading it yet go the whole way, to [`page_cache`], which answers them
/// with the same entries, and this layer then notes the headers they left with.
pub async fn front(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = crate::web::middleware::is_https(&state, req.headers());
    if let Some(res) = hit(&state, &req, https) {
        return res;
    }
    let mut res = next.run(req).await;
    if let Some(Kept(entry)) = res.extensions_mut().remove::<Kept>()
        && res.status() == entry.status
        && entry.sent.get().is_none()
        && replayable(res.headers())
    {
        let mut headers = res.headers().clone();
        for name in [
            header::ETAG,
            header::CONTENT_ENCODING,
            header::CONTENT_LENGTH,
        ] {
            headers.remove(name);
        }
        headers.remove(CACHE_HEADER);
        let _ = entry.sent.set(Sent { https, headers });
    }
    res
}

/// Whether the headers an answer left with may be sent again with the same page to any
/// request for it: not when they vary with more of the request than its coding (the REST API's
/// `Access-Control-Allow-Origin` echoes each request's `Origin`, with `Vary: Origin`), nor when
/// they carry the stand-in content security policy of a moment the site's could not be read.
fn replayable(headers: &HeaderMap) -> bool {
    let varies_by_coding_only = headers
        .get_all(header::VARY)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("*").split(','))
        .all(|name| name.trim().eq_ignore_ascii_case("accept-encoding"));
    varies_by_coding_only
        && headers
            .get(header::CONTENT_SECURITY_POLICY)
            .map(HeaderValue::as_bytes)
            != Some(crate::web::csp::FALLBACK.as_bytes())
}

/// The answer [`front`] gives from the cache, if it can give one.
fn hit(state: &AppState, req: &Request, https: bool) -> Option<Response> {
    let cache = state.page_cache()?;
    if !cacheable_request(req) {
        return None;
    }
    let store = state.store();
    // Reading the database's version may wait; the layers inside bound that wait.
    let generation = store.known_generation()?;
    let origin = crate::web::origin::of_request(state, req.headers());
    let entry = cache.get(store, &key_of(&origin, req), generation)?;
    let sent = entry.sent.get().filter(|s| s.https == https)?;
    cache.hits.fetch_add(1, Ordering::Relaxed);
    Some(respond_with(
        &entry,
        &sent.headers,
        false,
        req.headers(),
        req.method() == Method::HEAD,
        "hit",
    ))
}

/// Serves public pages from the cache, and fills it.
pub async fn page_cache(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !cacheable_request(&req) {
        return next.run(req).await;
    }
    let Some(cache) = state.page_cache() else {
        // No cache here, but a CDN in front may still purge by the keys.
        let (mut res, keys) = render(req, next).await;
        if res.status() == StatusCode::OK && public(&res) {
            tag(res.headers_mut(), &keys);
        }
        return res;
    };
    let key = key_of(&crate::web::origin::current(), &req);
    let head = req.method() == Method::HEAD;
    let store = state.store();
    let generation = store.fresh_generation().await;
    if let Some(e) = cache.get(store, &key, generation) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return respond(&e, req.headers(), head, "hit");
    }
    // A HEAD has no body to keep: it is answered by the handler.
    if head {
        cache.misses.fetch_add(1, Ordering::Relaxed);
        return next.run(req).await;
    }
    // One request renders the page; the others for it wait, then find it kept (or, if it
    // could not be kept, render their own at once). Misses count the renders.
    let conditions = req.headers().clone();
    match cache.turn(&key) {
        Turn::Mine(_filling) => {
            cache.misses.fetch_add(1, Ordering::Relaxed);
            let (res, keys) = render(req, next).await;
            keep(store, cache, &key, generation, &conditions, res, keys).await
        }
        Turn::Wait(busy) => {
            // The page as it was, while another request renders what changed.
            if let Some(e) = cache.stale(&key) {
                cache.stale_served.fetch_add(1, Ordering::Relaxed);
                return respond(&e, req.headers(), false, "stale");
            }
            drop(busy.lock().await);
            if let Some(e) = cache.get(store, &key, generation) {
                cache.hits.fetch_add(1, Ordering::Relaxed);
                return respond(&e, req.headers(), false, "hit");
            }
            cache.misses.fetch_add(1, Ordering::Relaxed);
            let (res, keys) = render(req, next).await;
            keep(store, cache, &key, generation, &conditions, res, keys).await
        }
    }
}

/// Whether a response says shared caches may keep it.
fn public(res: &Response) -> bool {
    res.headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"))
}

/// Keeps a rendered response if it may be kept, and answers with it.
async fn keep(
    store: &crate::store::Store,
    cache: &PageCache,
    key: &str,
    generation: u64,
    conditions: &HeaderMap,
    mut res: Response,
    keys: Arc<[String]>,
) -> Response {
    let public = public(&res);
    if res.status() == StatusCode::OK && public {
        tag(res.headers_mut(), &keys);
    }
    // Streamed bodies (large sitemaps) have no known length and are passed through.
    let whole = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .is_some_and(|n| n <= MAX_BODY as u64);
    if res.status() != StatusCode::OK
        || !public
        || !whole
        || res.headers().contains_key(header::SET_COOKIE)
        || res.headers().contains_key(header::CONTENT_ENCODING)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Rendered pages are already whole in memory; this only takes them out of the body.
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let etag = parts
        .headers
        .remove(header::ETAG)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .unwrap_or_else(|| crate::web::conditional::etag_of(&bytes));
    let (gzip, br) = if bytes.len() >= MIN_COMPRESS && compressible(&parts.headers) {
        let body = bytes.clone();
        // Compressing takes a few milliseconds: off the async workers.
        tokio::task::spawn_blocking(move || (gzip(&body), brotli(&body)))
            .await
            .unwrap_or_default()
    } else {
        (None, None)
    };
    let entry = Arc::new(Entry {
        checked: AtomicU64::new(generation),
        keys,
        status: parts.status,
        headers: parts.headers,
        etag,
        identity: bytes,
        gzip,
        br,
        sent: OnceLock::new(),
    });
    // A write that committed while the page rendered, and changed what it shows, leaves it
    // unkept (a later one is caught by `get`, which checks from the render's generation).
    if !store
        .purged_between(generation, store.generation())
        .touches(&entry.keys)
    {
        cache.pages.insert(key.to_owned(), entry.clone());
    }
    respond(&entry, conditions, false, "miss")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coding_follows_accept_encoding() {
        use Coding::*;
        assert_eq!(negotiate(None, true, true), Identity);
        assert_eq!(negotiate(Some("gzip, deflate, br"), true, true), Brotli);
        assert_eq!(negotiate(Some("gzip, deflate, br"), false, true), Gzip);
        assert_eq!(negotiate(Some("gzip;q=1.0, br;q=0.5"), true, true), Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip"), true, true), Gzip);
        assert_eq!(negotiate(Some("*"), true, true), Brotli);
        assert_eq!(negotiate(Some("*;q=0, identity"), true, true), Identity);
        assert_eq!(negotiate(Some("deflate"), true, true), Identity);
        assert_eq!(
            negotiate(Some("gzip;q=0.2, identity;q=0.5"), true, true),
            Identity
        );
        assert_eq!(negotiate(Some("br"), false, false), Identity);
        assert_eq!(negotiate(Some(""), true, true), Identity);
    }

    #[test]
    fn only_headers_that_vary_by_coding_alone_are_sent_again() {
        let with = |pairs: &[(header::HeaderName, &'static str)]| {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                h.append(name, HeaderValue::from_static(value));
            }
            h
        };
        assert!(replayable(&with(&[])));
        assert!(replayable(&with(&[(header::VARY, "Accept-Encoding")])));
        assert!(replayable(&with(&[
            (header::VARY, "accept-encoding"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
        ])));
        assert!(!replayable(&with(&[
            (header::VARY, "Accept-Encoding"),
            (header::VARY, "Origin"),
        ])));
        assert!(!replayable(&with(&[(
            header::VARY,
            "Accept-Encoding, Cookie"
        )])));
        assert!(!replayable(&with(&[(header::VARY, "*")])));
        assert!(!replayable(&with(&[(
            header::CONTENT_SECURITY_POLICY,
            crate::web::csp::FALLBACK
        )])));
    }

    #[test]
    fn every_encoding_of_a_page_is_known_by_its_tag() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"abc-br\""),
        );
        assert!(known_to_client(&h, "\"abc\""));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("W/\"abc\", \"x\""),
        );
        assert!(known_to_client(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abcd\""));
        assert!(!known_to_client(&h, "\"abc\""));
        assert_eq!(tag_for("\"abc\"", Coding::Gzip), "\"abc-gzip\"");
    }
}
