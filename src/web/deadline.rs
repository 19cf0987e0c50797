//! Every request gets an answer within [`REQUEST_TIMEOUT`]: a handler still at work then (a
//! database that stopped answering, a lock held elsewhere, a queue for a hashing turn) is
//! dropped, which rolls back its transaction, and the client is told to try again (503 with
//! `Retry-After`, a short plain-text message, never the cause). Only the answer's head counts:
//! a large body (a sitemap, an export) streams for as long as it takes.
//!
//! Uploads are exempt: their body alone may take minutes on a slow line, and the server bounds
//! it already (each part within 30 s of the one before, the whole within 5 minutes; see
//! `ServerLimits`), as do their size limits (26 MB for images, the importer's file streamed,
//! the REST API's media route 21 MB).

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// How long a request may take to be answered, unless `AppOptions::request_timeout` says
/// otherwise.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The `Retry-After` of a request that ran out of time, in seconds.
pub const RETRY_SECS: u64 = 5;
/// What the client reads.
pub const MESSAGE: &str = "The site took too long to answer; please try again in a moment.\n";

/// Requests whose body is an upload, bounded by the server's body timeouts instead: the
/// admin's media library and importer, and the REST API's media route (also as WordPress's
/// `/?rest_route=/wp/v2/media`).
fn uploads(req: &Request) -> bool {
    let api_media = |route: &str| route.trim_end_matches('/') == "/wp/v2/media";
    req.method() == Method::POST
        && match req.uri().path() {
            "/admin/media" | "/admin/tools/import" => true,
            path if path.starts_with("/wp-json/") => api_media(&path["/wp-json".len()..]),
            "/" => req.uri().query().is_some_and(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .is_ok_and(|pairs| pairs.iter().any(|(k, v)| k == "rest_route" && api_media(v)))
            }),
            _ => false,
        }
}

/// Answers 503 when the rest of the stack has not answered within the request timeout.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if uploads(&req) {
        return next.run(req).await;
    }
    let limit = state.request_timeout();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(%method, path, ?limit, "a request was not answered in time");
            too_slow()
        }
    }
}

fn too_slow() -> Response {
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, MESSAGE).into_response();
    let h = res.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_SECS));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn post(uri: &str) -> Request {
        Request::post(uri).body(Body::empty()).unwrap()
    }

    #[test]
    fn only_uploads_are_exempt() {
        assert!(uploads(&post("/admin/media")));
        assert!(uploads(&post("/wp-json/wp/v2/media")));
        assert!(uploads(&post("/wp-json/wp/v2/media/?alt_text=x")));
        assert!(uploads(&post("/?rest_route=%2Fwp%2Fv2%2Fmedia")));
        assert!(uploads(&post("/?rest_route=/wp/v2/media&alt_text=x")));
        assert!(!uploads(&post("/wp-json/wp/v2/posts")));
        assert!(!uploads(&post("/wp-json/wp/v2/media/5")));
        assert!(!uploads(&post("/?rest_route=/wp/v2/posts")));
        assert!(!uploads(
            &Request::get("/wp-json/wp/v2/media")
                .body(Body::empty())
                .unwrap()
        ));
    }
}
