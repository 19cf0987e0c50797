//! Conditional GET: a response that carries an `ETag` or `Last-Modified` becomes
//! `304 Not Modified` when the client already holds that version (`If-None-Match`, or
//! `If-Modified-Since` when no `If-None-Match` is sent, as RFC 9110 §13.2.2 orders).
//!
//! Feeds and sitemaps set both headers themselves; the page cache gives cached pages an `ETag`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// `Cache-Control` of public pages, feeds and sitemaps. Browsers ask again each time
/// (`max-age=0`; a kept page's `ETag` makes that a `304`). A shared cache in front (a CDN) may
/// keep a page for a minute (`s-maxage`), serve it for half a minute more while it fetches the
/// new one (`stale-while-revalidate`), and for a day while the site answers errors
/// (`stale-if-error`). No `must-revalidate`: it would forbid both stale answers.
pub const PUBLIC_PAGE: &str =
    "public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400";

/// A strong entity tag for a body.
pub fn etag_of(body: &[u8]) -> String {
    let hash = Sha256::digest(body);
    let hex: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// A public response validated by its entity tag alone: feeds and sitemaps. No
/// `Last-Modified`: the newest date among the entries still listed moves backwards when a story
/// is taken down, and a client asking `If-Modified-Since` would then keep the retracted story.
pub fn tagged(content_type: &'static str, body: Body, etag: &str) -> Response {
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC_PAGE));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    res
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.to_utc())
}

/// Whether `If-None-Match` names the response's tag (weak comparison, as for GET).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let etag = bare(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == etag)
}

fn get(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn is_fresh(req: &HeaderMap, res: &HeaderMap) -> bool {
    if let Some(inm) = get(req, header::IF_NONE_MATCH) {
        return get(res, header::ETAG).is_some_and(|etag| etag_matches(inm, etag));
    }
    match (
        get(req, header::IF_MODIFIED_SINCE).and_then(parse_http_date),
        get(res, header::LAST_MODIFIED).and_then(parse_http_date),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// Answers `304 Not Modified` instead of a `200` the client already has.
pub async fn not_modified(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let conditions = req.headers().clone();
    let res = next.run(req).await;
    if res.status() != StatusCode::OK || !is_fresh(&conditions, res.headers()) {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    // A 304 carries the validators and caching headers, never a body or its framing.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tags_compare_weakly_and_in_lists() {
        assert!(etag_matches("\"a\", \"b\"", "\"b\""));
        assert!(etag_matches("W/\"b\"", "\"b\""));
        assert!(etag_matches("*", "\"b\""));
        assert!(!etag_matches("\"a\"", "\"b\""));
    }

    #[test]
    fn dates_round_trip_and_if_none_match_wins() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T04:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(http_date(at), "Sat, 28 Nov 2026 04:00:00 GMT");
        assert_eq!(parse_http_date(&http_date(at)), Some(at));
        let mut res = HeaderMap::new();
        res.insert(header::ETAG, HeaderValue::from_static("\"x\""));
        res.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_str(&http_date(at)).unwrap(),
        );
        let mut req = HeaderMap::new();
        req.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_str(&http_date(at)).unwrap(),
        );
        assert!(is_fresh(&req, &res));
        req.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"y\""));
        assert!(!is_fresh(&req, &res));
    }
}
