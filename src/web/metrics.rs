//! `GET /metrics`: this node's counters in Prometheus's text format (version 0.0.4), written
//! here by hand: requests by route and status, their latency, the page cache (hits, misses,
//! what it holds, pages evicted and purged), the scheduler and the database pool. Never kept
//! by the page cache; with `serve --metrics-listen ADDR` it is served on that address only,
//! not on the public one.
//!
//! Routes are labelled by their pattern (`/{year}/{month}/{day}/{slug}/`), never by the address
//! asked for, so the number of series stays bounded whatever strangers request; anything no
//! route matched is `fallback`.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// What one route answered with one status: how many, and how long they took.
#[derive(Default)]
struct Series {
    count: AtomicU64,
    /// Requests at or under each bound of [`BUCKETS`] (not cumulative; summed when written).
    buckets: [AtomicU64; BUCKETS.len()],
    /// The time taken by all, in microseconds.
    sum_micros: AtomicU64,
}

/// This node's request counters.
#[derive(Default)]
pub struct Metrics {
    series: RwLock<HashMap<(String, u16), Arc<Series>>>,
}

impl Metrics {
    fn record(&self, route: &str, status: u16, took: std::time::Duration) {
        let key = (route.to_owned(), status);
        let found = self
            .series
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        let series = match found {
            Some(s) => s,
            None => self
                .series
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key)
                .or_default()
                .clone(),
        };
        series.count.fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            series.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        series.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The request series, sorted by route and status, as plain numbers.
    fn snapshot(&self) -> Vec<(String, u16, u64, [u64; BUCKETS.len()], u64)> {
        let map = self.series.read().unwrap_or_else(|p| p.into_inner());
        let mut rows: Vec<_> = map
            .iter()
            .map(|((route, status), s)| {
                (
                    route.clone(),
                    *status,
                    s.count.load(Ordering::Relaxed),
                    std::array::from_fn(|i| s.buckets[i].load(Ordering::Relaxed)),
                    s.sum_micros.load(Ordering::Relaxed),
                )
            })
            .collect();
        rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        rows
    }
}

/// Counts every request by its route and status, with the time until its answer's head.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "fallback".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    state
        .metrics()
        .record(&route, res.status().as_u16(), started.elapsed());
    res
}

/// A label value, escaped as the text format asks.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition.
pub async fn show(State(state): State<AppState>) -> Response {
    let mut out = String::with_capacity(8192);
    let rows = state.metrics().snapshot();
    out.push_str("# HELP newsdesk_http_requests_total Requests answered, by route and status.\n");
    out.push_str("# TYPE newsdesk_http_requests_total counter\n");
    for (route, status, count, _, _) in &rows {
        let _ = writeln!(
            out,
            "newsdesk_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
            label(route)
        );
    }
    out.push_str(
        "# HELP newsdesk_http_request_duration_seconds Time until the answer's head, by route.\n",
    );
    out.push_str("# TYPE newsdesk_http_request_duration_seconds histogram\n");
    let mut by_route: Vec<(String, u64, [u64; BUCKETS.len()], u64)> = Vec::new();
    for (route, _, count, buckets, sum) in rows {
        match by_route.last_mut() {
            Some(last) if last.0 == route => {
                last.1 += count;
                for (a, b) in last.2.iter_mut().zip(buckets) {
                    *a += b;
                }
                last.3 += sum;
            }
            _ => by_route.push((route, count, buckets, sum)),
        }
    }
    for (route, count, buckets, sum) in by_route {
        let route = label(&route);
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "newsdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "newsdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "newsdesk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
            sum as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "newsdesk_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
        );
    }
    if let Some(cache) = state.page_cache() {
        let stats = cache.stats();
        let _ = write!(
            out,
            "# HELP newsdesk_page_cache_hits_total Pages answered from the page cache.\n\
             # TYPE newsdesk_page_cache_hits_total counter\n\
             newsdesk_page_cache_hits_total {}\n\
             # HELP newsdesk_page_cache_misses_total Pages rendered for the page cache.\n\
             # TYPE newsdesk_page_cache_misses_total counter\n\
             newsdesk_page_cache_misses_total {}\n\
             # HELP newsdesk_page_cache_stale_total Pages answered with their previous version \
             while another request rendered what changed.\n\
             # TYPE newsdesk_page_cache_stale_total counter\n\
             newsdesk_page_cache_stale_total {}\n\
             # HELP newsdesk_page_cache_entries Pages held.\n\
             # TYPE newsdesk_page_cache_entries gauge\n\
             newsdesk_page_cache_entries {}\n\
             # HELP newsdesk_page_cache_bytes Bytes held, all encodings of all pages.\n\
             # TYPE newsdesk_page_cache_bytes gauge\n\
             newsdesk_page_cache_bytes {}\n\
             # HELP newsdesk_page_cache_evictions_total Pages the cache let go of by itself: \
             pushed out or turned away by its bound on bytes (size), or kept their longest \
             time (expired).\n\
             # TYPE newsdesk_page_cache_evictions_total counter\n\
             newsdesk_page_cache_evictions_total{{cause=\"size\"}} {}\n\
             newsdesk_page_cache_evictions_total{{cause=\"expired\"}} {}\n\
             # HELP newsdesk_page_cache_purged_total Pages dropped because content they show \
             changed.\n\
             # TYPE newsdesk_page_cache_purged_total counter\n\
             newsdesk_page_cache_purged_total {}\n",
            stats.hits,
            stats.misses,
            stats.stale,
            stats.entries,
            stats.bytes,
            stats.evicted_for_size,
            stats.expired,
            stats.purged
        );
    }
    let scheduler = state.scheduler_stats().snapshot();
    let _ = write!(
        out,
        "# HELP newsdesk_scheduler_runs_total Times this node's scheduler looked for scheduled \
         stories whose time has come.\n\
         # TYPE newsdesk_scheduler_runs_total counter\n\
         newsdesk_scheduler_runs_total {}\n\
         # HELP newsdesk_scheduler_published_total Scheduled stories this node's scheduler \
         published (each story is published by one node only).\n\
         # TYPE newsdesk_scheduler_published_total counter\n\
         newsdesk_scheduler_published_total {}\n\
         # HELP newsdesk_scheduler_failures_total Scheduler runs that could not publish what \
         was due.\n\
         # TYPE newsdesk_scheduler_failures_total counter\n\
         newsdesk_scheduler_failures_total {}\n\
         # HELP newsdesk_scheduler_last_run_timestamp_seconds When the scheduler last ran \
         (Unix time; 0 before its first run).\n\
         # TYPE newsdesk_scheduler_last_run_timestamp_seconds gauge\n\
         newsdesk_scheduler_last_run_timestamp_seconds {}\n",
        scheduler.runs,
        scheduler.published,
        scheduler.failures,
        scheduler.last_run.unwrap_or(0.0)
    );
    let pool = state.store().pool_stats();
    let _ = write!(
        out,
        "# HELP newsdesk_db_pool_connections Open database connections, by state.\n\
         # TYPE newsdesk_db_pool_connections gauge\n\
         newsdesk_db_pool_connections{{state=\"idle\"}} {}\n\
         newsdesk_db_pool_connections{{state=\"in_use\"}} {}\n\
         # HELP newsdesk_db_pool_max_connections The most connections the pool opens.\n\
         # TYPE newsdesk_db_pool_max_connections gauge\n\
         newsdesk_db_pool_max_connections {}\n\
         # HELP newsdesk_content_listening Whether this node hears of other nodes' content \
         changes at once (PostgreSQL LISTEN).\n\
         # TYPE newsdesk_content_listening gauge\n\
         newsdesk_content_listening {}\n",
        pool.idle,
        pool.size.saturating_sub(pool.idle),
        pool.max,
        u8::from(state.store().listening_for_content_changes())
    );
    let mut res = out.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The router of `serve --metrics-listen`: `/metrics` alone.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(show))
        .with_state(state)
}
