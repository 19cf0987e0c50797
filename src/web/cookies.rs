//! Reading and writing the few cookies the public site uses.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

/// The value of a cookie sent by the browser (percent-decoded).
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` header value for the public site: path `/`, `SameSite=Lax`, `Secure` when
/// asked.
pub fn set(
    name: &str,
    value: &str,
    max_age_days: i64,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    set_at(
        "/",
        name,
        value,
        cookie::time::Duration::days(max_age_days),
        http_only,
        secure,
    )
}

/// A `Set-Cookie` header value sent only to `path` and below, `SameSite=Lax`.
pub fn set_at(
    path: &str,
    name: &str,
    value: &str,
    max_age: cookie::time::Duration,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let c = Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .same_site(SameSite::Lax)
        .http_only(http_only)
        .secure(secure)
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&c.encoded().to_string())
        .expect("an encoded cookie is a valid header value")
}

/// A `Set-Cookie` header value that deletes a cookie of path `/`.
pub fn remove(name: &str) -> HeaderValue {
    remove_at("/", name)
}

/// A `Set-Cookie` header value that deletes the cookie of this path.
pub fn remove_at(path: &str, name: &str) -> HeaderValue {
    let mut c = Cookie::build((name.to_owned(), String::new()))
        .path(path.to_owned())
        .build();
    c.make_removal();
    HeaderValue::from_str(&c.to_string()).expect("a removal cookie is a valid header value")
}
