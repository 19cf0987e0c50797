//! Addresses of the API and of what it describes, and the `_links` objects WordPress puts on
//! every item. Every address is absolute on the site's origin (the configured base URL, or the
//! request's host, as feeds build theirs: see `web::origin`).

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::web::origin;

/// The link relation of the API's index.
pub const API_REL: &str = "https://api.w.org/";

/// The API's index: `https://news.example/wp-json/`.
pub fn api_root() -> String {
    origin::absolute("/wp-json/")
}

/// An API route's address: `route("/wp/v2/posts/1")`.
pub fn route(path: &str) -> String {
    origin::absolute(&format!("/wp-json{path}"))
}

/// `[{"href": …}]`.
pub fn href(url: String) -> Value {
    json!([{ "href": url }])
}

/// `[{"embeddable": true, "href": …}]`.
pub fn embeddable(url: String) -> Value {
    json!([{ "embeddable": true, "href": url }])
}

/// WordPress's compact relation names (`wp:term`…).
pub fn curies() -> Value {
    json!([{ "name": "wp", "href": "https://api.w.org/{rel}", "templated": true }])
}

/// `Link: <…/wp-json/>; rel="https://api.w.org/"`, the header API clients discover the
/// site's API with.
pub fn add_api_link(headers: &mut HeaderMap) {
    let value = format!("<{}>; rel=\"{API_REL}\"", api_root());
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.append(header::LINK, v);
    }
}

/// A time as WordPress writes it, without offset: `2026-03-05T14:30:00`.
pub fn wp_date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The same time in UTC (WordPress's `*_gmt` fields).
pub fn wp_date_gmt(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The public address of a site path.
pub fn public(path: &str) -> String {
    origin::absolute(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_local_and_gmt_without_offset() {
        let at = DateTime::parse_from_rfc3339("2026-07-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let tz: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(wp_date(at, tz), "2026-07-01T12:00:00");
        assert_eq!(wp_date_gmt(at), "2026-07-01T10:00:00");
    }
}
