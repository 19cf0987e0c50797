//! Cross-cutting HTTP behaviour: themed error pages (and logging their causes once) and
//! security headers.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::error::ErrorPage;

/// Replaces bare error responses with the theme's error page and logs internal causes.
pub async fn themed_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let page = match res.extensions().get::<ErrorPage>().cloned() {
        Some(page) => page,
        // An extractor refused the request before any handler ran (a malformed query string or
        // path): axum's own text names Rust types, so the reader gets the themed page instead.
        None if res.status().is_client_error()
            && res.status() != axum::http::StatusCode::NOT_FOUND
            && res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/plain")) =>
        {
            ErrorPage {
                status: res.status(),
                public_message: Some("This address or form could not be understood.".into()),
                internal_cause: None,
                retry_after_secs: None,
                kept_text: None,
            }
        }
        None => return res,
    };
    if let Some(cause) = &page.internal_cause {
        tracing::error!(%path, status = page.status.as_u16(), %cause, "request failed");
    }
    let mut res = match super::site::error_page(&state, &page).await {
        Ok(html) => (page.status, Html(html)).into_response(),
        Err(e) => {
            // The error page itself failed (e.g. the database is down): plain text, still no internals.
            tracing::error!(%path, error = %e, "cannot render the error page");
            (
                page.status,
                page.status.canonical_reason().unwrap_or("Error"),
            )
                .into_response()
        }
    };
    if let Some(secs) = page.retry_after_secs {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// What browser features pages may use: none of the sensitive ones, and no interest-based
/// ad tracking.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    geolocation=(), gyroscope=(), interest-cohort=(), magnetometer=(), microphone=(), midi=(), \
    payment=(), usb=(), browsing-topics=()";

/// Whether the site is reached over HTTPS for this request: an `https` base URL, or a trusted
/// proxy saying so.
pub fn is_https(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    state.base_url().is_some_and(|u| u.starts_with("https://"))
        || crate::web::origin::is_https(state, headers)
}

/// Headers every response carries; `Strict-Transport-Security` when the site is reached over
/// HTTPS (an `https` base URL, or a trusted proxy saying so).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = is_https(&state, req.headers());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.entry(header::HeaderName::from_static("permissions-policy"))
        .or_insert(HeaderValue::from_static(PERMISSIONS_POLICY));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The admin sets stricter values of its own; these are the defaults.
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("SAMEORIGIN"));
    let html_page = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    // The admin and pages with embeds of their own set theirs; every other page gets the
    // site's (built with the settings the page chrome holds, reloaded when they change).
    if html_page && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = match state.chrome_cache().get(&state).await {
            Ok(chrome) => HeaderValue::from_str(&chrome.csp).ok(),
            Err(_) => None,
        };
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            policy.unwrap_or(HeaderValue::from_static(super::csp::FALLBACK)),
        );
    }
    res
}
