//! `/metrics`: requests by route and status with their latency, the page cache and the database
//! pool in Prometheus's text format; never from the page cache; on an address of its own with
//! `serve --metrics-listen`.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::comments::REFERENCE;
use crate::page_cache::get_on;
use crate::support::{TestSite, send_to};

on_both_backends!(demo:
    metrics_count_requests_by_route_and_the_page_cache,
    metrics_can_move_to_an_address_of_their_own,
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
