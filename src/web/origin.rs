//! The site's public origin (`https://news.example`), for the absolute addresses that feeds,
//! sitemaps, canonical links and structured data need.
//!
//! With `--base-url` the origin is fixed. Without it, each request's `Host` (with
//! `--behind-proxy`, `X-Forwarded-Host` and `-Proto`) names it, so the demo works on whatever
//! address it is opened with; the page cache keys pages by this origin, so one host's links are
//! never served to another. A host header that is not a plain host name is not echoed back.
//!
//! The middleware makes the origin available to everything that runs for the request
//! (handlers, the error page renderer) through [`current`], without threading it through
//! every signature.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

tokio::task_local! {
    static ORIGIN: String;
}

/// The host the request was sent to, as the reader's browser named it.
pub fn request_host<'a>(state: &AppState, headers: &'a HeaderMap) -> &'a str {
    let forwarded = state
        .behind_proxy()
        .then(|| headers.get("x-forwarded-host"))
        .flatten();
    forwarded
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        // A proxy that appends to `X-Forwarded-Host` puts the value it saw last.
        .map(|h| h.rsplit(',').next().unwrap_or("").trim())
        .unwrap_or("")
}

/// Whether the reader's connection is HTTPS (only a trusted proxy can say so).
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.behind_proxy()
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// A host header value safe to put in a link: a name or address with an optional port.
fn plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The public origin for this request, without a trailing slash.
pub fn of_request(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) = state.base_url() {
        return base.to_owned();
    }
    let host = request_host(state, headers);
    let host = if plausible_host(host) {
        host.to_ascii_lowercase()
    } else {
        "localhost".to_owned()
    };
    let scheme = if is_https(state, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Runs the rest of the request with its origin known to [`current`].
pub async fn scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = of_request(&state, req.headers());
    ORIGIN.scope(origin, next.run(req)).await
}

/// The origin of the request being served (`http://localhost` outside a request).
pub fn current() -> String {
    ORIGIN
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "http://localhost".to_owned())
}

/// `path` (starting with `/`) as an absolute address on this site; absolute URLs pass through.
pub fn absolute(path: &str) -> String {
    if path.starts_with('/') && !path.starts_with("//") {
        format!("{}{path}", current())
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hosts_are_echoed() {
        assert!(plausible_host("news.example:8080"));
        assert!(plausible_host("[::1]:8080"));
        assert!(!plausible_host("evil.example/<script>"));
        assert!(!plausible_host("a b"));
        assert!(!plausible_host(""));
    }

    #[tokio::test]
    async fn absolute_addresses_use_the_request_origin() {
        let abs = ORIGIN
            .scope("https://news.example".to_owned(), async {
                (absolute("/feed/"), absolute("https://other.example/x"))
            })
            .await;
        assert_eq!(abs.0, "https://news.example/feed/");
        assert_eq!(abs.1, "https://other.example/x");
    }
}
