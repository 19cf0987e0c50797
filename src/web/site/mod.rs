//! The public news site.

pub mod archive;
pub mod article;
pub mod chrome;
pub mod comments;
pub mod embeds;
pub mod feeds;
pub mod figures;
pub mod home;
pub mod kept;
pub mod legacy;
pub mod media;
pub mod meta;
pub mod page;
pub(crate) mod page_comments;
pub mod postpass;
pub mod related;
pub mod search;
pub mod sitemaps;
pub mod views;

use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

pub use chrome::{Chrome, ChromeCache};
pub use meta::PageMeta;
pub use related::RelatedCache;

use crate::AppState;
use crate::error::{AppError, ErrorPage};

/// Renders `template` with the site chrome, page metadata and `content` merged into one context.
pub(crate) fn render(
    state: &AppState,
    chrome: &Chrome,
    template: &str,
    meta: &PageMeta,
    content: impl Serialize,
) -> Result<String, AppError> {
    // The chrome's keys were noted when it was taken from `ChromeCache` (the only maker of a
    // `Chrome`), as every kept part's are (`kept::Kept::get`).
    let theme = state.theme();
    let head = meta::Head::new(meta, chrome, theme.asset_url("share.png"));
    let sidebar: Vec<&chrome::WidgetView> = chrome
        .sidebar
        .iter()
        .filter(|w| !(meta.lists_latest && w.kind == "latest_posts"))
        .collect();
    let ctx = minijinja::context! {
        site => &chrome.settings,
        chrome => chrome,
        sidebar => sidebar,
        meta => head,
        ..minijinja::Value::from_serialize(content)
    };
    Ok(theme.render(template, ctx)?)
}

/// An HTML response for a rendered page.
pub(crate) fn html(body: String) -> Response {
    (
        [(header::CACHE_CONTROL, crate::web::conditional::PUBLIC_PAGE)],
        Html(body),
    )
        .into_response()
}

/// The theme's error page for a status.
pub async fn error_page(state: &AppState, page: &ErrorPage) -> Result<String, AppError> {
    let chrome = state.chrome_cache().get(state).await?;
    let not_found = page.status == StatusCode::NOT_FOUND;
    let latest = if not_found {
        views::latest_cards(state, &chrome, 6)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let title = if not_found && page.public_message.is_none() {
        "Page not found".to_owned()
    } else {
        page.status.canonical_reason().unwrap_or("Error").to_owned()
    };
    let meta = PageMeta {
        title,
        robots: Some("noindex"),
        kind: "error",
        lists_latest: !latest.is_empty(),
        ..Default::default()
    };
    render(
        state,
        &chrome,
        "error.html",
        &meta,
        minijinja::context! {
            status => page.status.as_u16(), not_found, message => page.public_message, latest,
            kept_text => page.kept_text,
        },
    )
}

/// `/healthz` (liveness): 200 when the process runs and the database answers a read. It stays
/// 200 while writes are refused (the site still serves readers); see [`ready`].
pub async fn health(State(state): State<AppState>) -> Response {
    match state.store().ping().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ok\n",
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "database unavailable\n",
            )
                .into_response()
        }
    }
}

/// `/readyz` (readiness to write): 200 when this node can save, 503 with `Retry-After` when it
/// cannot: a write was refused in the last few seconds for a full disk or a write lock held by
/// another process (and none has committed since), or a small write probe fails.
pub async fn ready(State(state): State<AppState>) -> Response {
    match state.store().ready().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ready\n",
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: this node cannot write");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                    (
                        header::RETRY_AFTER,
                        crate::error::CANNOT_SAVE_RETRY_SECS.to_string(),
                    ),
                ],
                "cannot write\n",
            )
                .into_response()
        }
    }
}

/// Unknown paths: an old WordPress address the import recorded is redirected to its new home
/// (before anything else, so `/archives/123` takes one hop, not two); other WordPress-style
/// paths without their trailing slash are redirected to it; everything else is the themed 404.
pub async fn fallback(State(state): State<AppState>, uri: Uri) -> Result<Response, AppError> {
    let path = uri.path();
    // `//host/…` or a backslash would make the redirect leave the site.
    if path.starts_with("//") || path.contains('\\') {
        return Err(AppError::NotFound);
    }
    if let Some(redirect) = legacy::redirect_for(&state, path, uri.query()).await? {
        return Ok(redirect);
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if !path.ends_with('/')
        && !last.contains('.')
        && !path.starts_with("/static/")
        && path != "/healthz"
        && path != "/readyz"
    {
        let target = match uri.query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        return Ok(crate::web::edge::permanent(&target));
    }
    let mut res = AppError::NotFound.into_response();
    res.extensions_mut().insert(legacy::LookedUp);
    Ok(res)
}
