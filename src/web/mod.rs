//! HTTP only. Every route of the site is listed here.

pub mod access_log;
pub mod admin;
pub mod api;
pub mod assets;
pub mod cache;
pub mod compress;
pub mod conditional;
pub mod cookies;
pub mod csp;
pub mod deadline;
pub mod edge;
pub mod metrics;
pub mod middleware;
pub mod origin;
pub mod paging;
pub mod purge_hook;
pub mod site;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// The table of contents of the site.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        // Home, its pages, and WordPress query links (`/?p=ID`, `/?page_id=ID`, `/?cat=ID`).
        .route("/", get(site::home::show))
        .route("/page/{n}/", get(site::home::paged))
        // Stories at stable, readable, unique addresses, and their comment form's target.
        .route("/{year}/{month}/{day}/{slug}/", get(site::article::show))
        .route(
            "/{year}/{month}/{day}/{slug}/feed/",
            get(site::feeds::comments),
        )
        .route(
            "/{year}/{month}/{day}/{slug}/feed/{format}/",
            get(site::feeds::comments_format),
        )
        .route("/wp-comments-post.php", post(site::comments::create))
        // The password form of protected stories and pages.
        .route("/postpass", post(site::postpass::unlock))
        .route(
            "/comments/subscription",
            get(site::comments::subscription_page).post(site::comments::subscription_update),
        )
        // Search (`/?s=…`, WordPress's address, redirects here).
        .route("/search", get(site::search::show))
        .route("/search/", get(site::search::trailing_slash))
        // Archives: sections (with sub-sections: `/category/world/asia/`, and their feeds at
        // `…/feed/`), tags, authors, dates.
        .route("/category/{*path}", get(site::archive::category))
        .route("/tag/{slug}/", get(site::archive::tag))
        .route("/tag/{slug}/page/{n}/", get(site::archive::tag_paged))
        .route("/author/{slug}/", get(site::archive::author))
        .route("/author/{slug}/page/{n}/", get(site::archive::author_paged))
        // Feeds: RSS at `…/feed/`, Atom at `…/feed/atom/`, JSON Feed at `…/feed/json/`.
        .route("/feed/", get(site::feeds::site))
        .route("/feed/{format}/", get(site::feeds::site_format))
        .route("/tag/{slug}/feed/", get(site::feeds::tag))
        .route("/tag/{slug}/feed/{format}/", get(site::feeds::tag_format))
        .route("/author/{slug}/feed/", get(site::feeds::author))
        .route(
            "/author/{slug}/feed/{format}/",
            get(site::feeds::author_format),
        )
        // Crawlers: robots rules, the sitemap index and its files, the Google News sitemap.
        .route("/robots.txt", get(site::sitemaps::robots))
        .route("/sitemap.xml", get(site::sitemaps::index))
        .route("/sitemaps/{file}", get(site::sitemaps::file))
        .route("/news-sitemap.xml", get(site::sitemaps::news))
        .route("/wp-sitemap.xml", get(site::sitemaps::moved))
        .route("/sitemap_index.xml", get(site::sitemaps::moved))
        .route("/{year}/page/{n}/", get(site::archive::year_paged))
        .route("/{year}/{month}/page/{n}/", get(site::archive::month_paged))
        // Three segments: a day archive (`/2026/03/05/`); a story is the same with its slug.
        .route("/{year}/{month}/{day}/", get(site::archive::day))
        .route(
            "/{year}/{month}/{day}/page/{n}/",
            get(site::archive::day_paged),
        )
        // One segment: a year archive (`/2026/`) or a static page (`/about/`); two: a month archive.
        .route("/{segment}/", get(site::page::one_segment))
        .route("/{first}/{second}/", get(site::page::two_segments))
        // Uploaded images (`original`, `w320`…), at addresses that never change.
        .route("/media/{id}/{variant}/{file_name}", get(site::media::show))
        // An embed's player, after the reader asked for it (a redirect inside the frame).
        .route("/embed/player", get(site::embeds::player))
        // Operations and theme assets.
        .route("/healthz", get(site::health))
        .route("/readyz", get(site::ready))
        .route("/static/{file}", get(assets::show))
        .route("/favicon.ico", get(assets::favicon))
        .route("/apple-touch-icon.png", get(assets::apple_touch_icon))
        .route("/manifest.webmanifest", get(assets::manifest))
        // Anything else: an old WordPress address, a missing trailing slash, or the themed 404.
        .fallback(site::fallback)
        // Control characters are refused or removed before any handler sees the request.
        .layer(axum::middleware::from_fn(edge::guard))
        // A 404 at an old WordPress address the import recorded becomes a 301 to its new home.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            site::legacy::redirect_missing,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::themed_errors,
        ))
        // Every HTML page (the front page's `HEAD` too) names the REST API's index.
        .layer(axum::middleware::from_fn(api::announce))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::page_cache,
        ))
        .layer(axum::middleware::from_fn(conditional::not_modified));
    // The WordPress REST API under `/wp-json/`, with its own errors, and at
    // `/?rest_route=/…` for clients that do not use pretty addresses.
    let rest = api::router(state.clone());
    let rest_service = rest.clone().with_state(state.clone());
    let site = Router::new();
    // This node's counters, outside the page cache (or on `--metrics-listen` only).
    let site = if state.metrics_elsewhere() {
        site
    } else {
        site.route("/metrics", get(metrics::show))
    };
    let site = site
        // The newsroom admin: its own pages, errors and headers; never in the page cache.
        .merge(admin::router(state.clone()))
        .merge(rest)
        .route("/admin", get(admin::wordpress_admin))
        .route("/wp-admin/", get(admin::wordpress_admin))
        .route(
            "/wp-admin/authorize-application.php",
            get(admin::authorize::wordpress_address),
        )
        .route("/wp-login.php", get(admin::wordpress_admin))
        .merge(public)
        .layer(axum::middleware::from_fn(move |req, next| {
            api::rest_route(rest_service.clone(), req, next)
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::scope,
        ))
        // Every answer within 30 seconds (uploads excepted), or a 503 with `Retry-After`.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        // Outside the page cache, which keeps pages uncompressed and in its own encodings:
        // what it did not compress is compressed here when large enough.
        .layer(compress::layer())
        .layer(axum::middleware::from_fn(compress::weaken_etags))
        // A kept page is answered here with the headers the layers above gave it the first time.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::front,
        ))
        // Requests by route and status, and their latency (`/metrics`).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ));
    // Outermost, so that every answer is logged as it leaves, with its final status.
    let site = if state.access_log().is_some() {
        site.layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access_log::record,
        ))
    } else {
        site
    };
    site.with_state(state)
}
