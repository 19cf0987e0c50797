//! `/metrics`: requests by route and status with their latency, the page cache (with pages
//! evicted and purged), the scheduler and the database pool in Prometheus's text format; never
//! from the page cache; on an address of its own with `serve --metrics-listen`.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::comments::REFERENCE;
use crate::page_cache::get_on;
use crate::support::{TestSite, send_to};

on_both_backends!(demo:
    metrics_count_requests_by_route_and_the_page_cache,
    metrics_can_move_to_an_address_of_their_own,
    page_cache_evictions_and_purges_are_counted_apart,
    scheduler_runs_and_publications_are_counted,
);

/// The value of the sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics_count_requests_by_route_and_the_page_cache(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    for _ in 0..3 {
        assert_eq!(site.get("/").await.status, StatusCode::OK);
        assert_eq!(site.get(&story).await.status, StatusCode::OK);
    }
    assert_eq!(
        site.get("/no-such-page-here/").await.status,
        StatusCode::NOT_FOUND
    );
    let page = site.get("/metrics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(page.headers.get("x-newsdesk-cache").is_none());
    let text = &page.body;
    // Requests by route pattern (never by the address asked for) and status.
    assert_eq!(
        sample(
            text,
            r#"newsdesk_http_requests_total{route="/",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            text,
            r#"newsdesk_http_requests_total{route="/{year}/{month}/{day}/{slug}/",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(!text.contains("Putin"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("newsdesk_http_requests_total{")
                && l.contains("status=\"404\"")),
        "{text}"
    );
    // Latency: a histogram per route whose buckets only grow and end at the count.
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with(r#"newsdesk_http_request_duration_seconds_bucket{route="/","#))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 13, "{text}");
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(buckets.last(), Some(&3.0));
    assert_eq!(
        sample(
            text,
            r#"newsdesk_http_request_duration_seconds_count{route="/"}"#
        ),
        Some(3.0)
    );
    assert!(
        sample(
            text,
            r#"newsdesk_http_request_duration_seconds_sum{route="/"}"#
        )
        .unwrap()
            > 0.0
    );
    // The page cache: each page rendered once, then served from memory.
    assert!(
        sample(text, "newsdesk_page_cache_hits_total").unwrap() >= 4.0,
        "{text}"
    );
    assert!(sample(text, "newsdesk_page_cache_misses_total").unwrap() >= 2.0);
    assert!(text.contains("# TYPE newsdesk_page_cache_bytes gauge"));
    // The database pool.
    assert!(sample(text, "newsdesk_db_pool_max_connections").unwrap() >= 1.0);
    assert!(sample(text, r#"newsdesk_db_pool_connections{state="idle"}"#).is_some());
    // Asked again, the counters have moved: nothing is kept.
    let again = site.get("/metrics").await.body;
    assert_eq!(
        sample(
            &again,
            r#"newsdesk_http_requests_total{route="/metrics",status="200"}"#
        ),
        Some(1.0),
        "{again}"
    );
}

async fn metrics_can_move_to_an_address_of_their_own(site: TestSite) {
    // `serve --metrics-listen ADDR`
    let state = newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions {
            metrics_elsewhere: true,
            ..Default::default()
        },
    );
    let public = newsdesk::app(state.clone());
    let private = newsdesk::web::metrics::router(state);
    assert_eq!(get_on(&public, "/").await.status, StatusCode::OK);
    // Not on the site's address...
    let there = get_on(&public, "/metrics").await;
    assert_ne!(there.status, StatusCode::OK);
    assert!(!there.body.contains("newsdesk_http_requests_total"));
    // ...but on its own, counting the site's requests.
    let page = send_to(
        private,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        sample(
            &page.body,
            r#"newsdesk_http_requests_total{route="/",status="200"}"#
        ),
        Some(1.0),
        "{}",
        page.body
    );
}

/// A router on the site's store with its own caches, and `/metrics` as it reads now.
fn node(site: &TestSite, options: newsdesk::AppOptions) -> (newsdesk::AppState, axum::Router) {
    let state = newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        options,
    );
    (state.clone(), newsdesk::app(state))
}

async fn metric(app: &axum::Router, series: &str) -> f64 {
    let page = get_on(app, "/metrics").await;
    sample(&page.body, series).unwrap_or_else(|| panic!("no {series} in {}", page.body))
}

const SIZE: &str = r#"newsdesk_page_cache_evictions_total{cause="size"}"#;
const EXPIRED: &str = r#"newsdesk_page_cache_evictions_total{cause="expired"}"#;
const PURGED: &str = "newsdesk_page_cache_purged_total";

/// Pages the cache lets go of by itself (its bound on bytes, its longest time) are evictions,
/// by cause; pages dropped because their content changed are purges, counted apart.
async fn page_cache_evictions_and_purges_are_counted_apart(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    // A cache with room for a few pages only, kept for as long as the test runs.
    let (_, small) = node(
        &site,
        newsdesk::AppOptions {
            page_cache_limits: newsdesk::web::cache::PageCacheLimits {
                max_bytes: 150_000,
                max_age: Duration::from_secs(3600),
            },
            ..Default::default()
        },
    );
    // The series are there from the start, at zero.
    for series in [SIZE, EXPIRED, PURGED] {
        assert_eq!(metric(&small, series).await, 0.0, "{series}");
    }
    assert!(
        get_on(&small, "/metrics")
            .await
            .body
            .contains("# TYPE newsdesk_page_cache_evictions_total counter")
    );
    // A content change drops the pages that show it: purged, not evicted.
    assert_eq!(get_on(&small, "/").await.status, StatusCode::OK);
    assert_eq!(get_on(&small, &story).await.status, StatusCode::OK);
    assert_eq!(get_on(&small, "/").await.headers["x-newsdesk-cache"], "hit");
    site.settings(&[("tagline", "Counted purges")]).await;
    assert!(get_on(&small, "/").await.body.contains("Counted purges"));
    assert!(metric(&small, PURGED).await >= 1.0);
    assert_eq!(metric(&small, SIZE).await, 0.0);
    assert_eq!(metric(&small, EXPIRED).await, 0.0);
    // Many more pages than fit: the bound pushes pages out (or turns new ones away).
    for n in 0..40 {
        let page = get_on(&small, &format!("/search?q=election+{n}")).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    let evicted = metric(&small, SIZE).await;
    assert!(evicted >= 1.0, "no page evicted for size");
    assert!(metric(&small, "newsdesk_page_cache_bytes").await <= 150_000.0);
    println!("{evicted} pages evicted to stay within 150 KB");

    // A cache whose pages lapse after a moment.
    let (_, brief) = node(
        &site,
        newsdesk::AppOptions {
            page_cache_limits: newsdesk::web::cache::PageCacheLimits {
                max_bytes: newsdesk::web::cache::MAX_BYTES,
                max_age: Duration::from_millis(300),
            },
            ..Default::default()
        },
    );
    assert_eq!(get_on(&brief, "/").await.status, StatusCode::OK);
    assert_eq!(get_on(&brief, &story).await.status, StatusCode::OK);
    let started = Instant::now();
    while metric(&brief, EXPIRED).await < 2.0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the kept pages never expired"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(metric(&brief, SIZE).await, 0.0);
    assert_eq!(metric(&brief, PURGED).await, 0.0);
}

/// Every run of the scheduler is counted, with what it published and when it last ran.
async fn scheduler_runs_and_publications_are_counted(site: TestSite) {
    use newsdesk::actions::stories;
    let (state, app) = node(&site, newsdesk::AppOptions::default());
    // Before it runs: zero, and no last run.
    assert_eq!(metric(&app, "newsdesk_scheduler_runs_total").await, 0.0);
    assert_eq!(
        metric(&app, "newsdesk_scheduler_last_run_timestamp_seconds").await,
        0.0
    );
    let scheduler = newsdesk::jobs::spawn_scheduler(
        site.store.clone(),
        Duration::from_millis(50),
        state.scheduler_stats(),
    );
    let wait = |series: &'static str, at_least: f64| {
        let app = app.clone();
        async move {
            let started = Instant::now();
            loop {
                let v = metric(&app, series).await;
                if v >= at_least {
                    return v;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "{series} stayed at {v}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let runs = wait("newsdesk_scheduler_runs_total", 2.0).await;
    let last = metric(&app, "newsdesk_scheduler_last_run_timestamp_seconds").await;
    let now = chrono::Utc::now().timestamp() as f64;
    assert!((now - last).abs() < 60.0, "last run at {last}, now {now}");
    assert_eq!(
        metric(&app, "newsdesk_scheduler_published_total").await,
        0.0
    );
    // A story scheduled a moment from now is published by the next run after its time.
    let ed = site
        .staff_member("ed", "Ed Scheduler", newsdesk::domain::user::Role::Editor)
        .await;
    let now = chrono::Utc::now();
    let input = stories::StoryInput {
        title: "Counted by the scheduler".to_owned(),
        body: newsdesk::domain::html::SafeHtml::from_paragraphs(["Published at its time."]),
        author_ids: vec![ed.id],
        publish_at: Some(now + chrono::Duration::seconds(2)),
        comments_open: true,
        ..Default::default()
    };
    let saved = stories::save(
        &site.store,
        &ed,
        None,
        &input,
        stories::Intent::Publish,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        saved.status,
        newsdesk::domain::article::Status::Scheduled,
        "{saved:?}"
    );
    wait("newsdesk_scheduler_published_total", 1.0).await;
    assert!(metric(&app, "newsdesk_scheduler_runs_total").await > runs);
    assert_eq!(metric(&app, "newsdesk_scheduler_failures_total").await, 0.0);
    // Once published, it is not published again.
    let later = metric(&app, "newsdesk_scheduler_runs_total").await;
    wait("newsdesk_scheduler_runs_total", later + 3.0).await;
    assert_eq!(
        metric(&app, "newsdesk_scheduler_published_total").await,
        1.0
    );
    scheduler.abort();
}
