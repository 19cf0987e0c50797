//! What the site accepts at its edge, decided once for every route: control characters in
//! addresses, forms and cookies, and the `Location` of every redirect.
//!
//! Forbidden characters are NUL and the other C0 controls except tab, LF and CR, and DEL. They
//! never reach a handler or the database (PostgreSQL refuses NUL in text, SQLite would store it):
//! - in the path: 404 (no page has such an address);
//! - in the query string: 400;
//! - in a urlencoded form field (name or value): removed from the text, so the form is handled
//!   as if they had not been typed (multipart text fields are cleaned with [`clean`]);
//! - in a cookie's value: the cookie is ignored, as if the browser had not sent it.
//!
//! Redirects are built with [`redirect`]/[`see_other`]/[`permanent`], which percent-encode any
//! character a `Location` header cannot carry, so a redirect never fails.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// The largest urlencoded form body read (axum's default limit for forms).
const MAX_FORM_BODY: usize = 2 * 1024 * 1024;

/// Whether `b` is a character the site refuses: C0 controls except tab, LF and CR; DEL.
pub fn forbidden_byte(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

/// Whether `s` contains a forbidden character, as is or percent-encoded (`%00`).
pub fn has_forbidden_encoded(s: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    s.iter().enumerate().any(|(i, &b)| {
        forbidden_byte(b)
            || (b == b'%'
                && matches!(
                    (s.get(i + 1).and_then(|&h| hex(h)), s.get(i + 2).and_then(|&l| hex(l))),
                    (Some(h), Some(l)) if forbidden_byte((h * 16 + l) as u8)
                ))
    })
}

/// `s` without forbidden characters.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.bytes().any(forbidden_byte) {
        Cow::Owned(s.chars().filter(|c| !forbidden_char(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

fn forbidden_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(forbidden_byte)
}

/// A urlencoded body with forbidden characters removed from every name and value; `None` when
/// it has none (or cannot be read as a form, which the handler then refuses itself).
fn cleaned_form(body: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    if !pairs
        .iter()
        .any(|(k, v)| k.bytes().chain(v.bytes()).any(forbidden_byte))
    {
        return None;
    }
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (clean(k).into_owned(), clean(v).into_owned()))
        .collect();
    serde_urlencoded::to_string(pairs).ok()
}

/// The `Cookie` header without the cookies whose value holds a forbidden character.
fn cleaned_cookies(value: &HeaderValue) -> Option<HeaderValue> {
    if !has_forbidden_encoded(value.as_bytes()) {
        return None;
    }
    let kept: Vec<&str> = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty() && !has_forbidden_encoded(c.as_bytes()))
        .collect();
    Some(HeaderValue::from_str(&kept.join("; ")).unwrap_or(HeaderValue::from_static("")))
}

/// Refuses addresses with forbidden characters and removes them from forms and cookies.
pub async fn guard(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if has_forbidden_encoded(uri.path().as_bytes()) {
        return AppError::NotFound.into_response();
    }
    if uri
        .query()
        .is_some_and(|q| has_forbidden_encoded(q.as_bytes()))
    {
        return AppError::refused(
            StatusCode::BAD_REQUEST,
            "This address holds characters the site does not accept.",
        )
        .into_response();
    }
    let (mut parts, body) = req.into_parts();
    let cookies: Vec<HeaderValue> = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.iter().any(|c| has_forbidden_encoded(c.as_bytes())) {
        parts.headers.remove(header::COOKIE);
        for c in cookies {
            let c = cleaned_cookies(&c).unwrap_or(c);
            if !c.is_empty() {
                parts.headers.append(header::COOKIE, c);
            }
        }
    }
    let urlencoded = parts.headers.get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    if !urlencoded {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_FORM_BODY).await {
        Ok(b) => b,
        Err(e) => return unread_body(&e),
    };
    let bytes = match cleaned_form(&bytes) {
        Some(cleaned) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Bytes::from(cleaned)
        }
        None => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The answer to a request body that could not be read: too large, or not sent in time (the
/// server's body timeout) or in full.
pub fn unread_body(e: &axum::Error) -> Response {
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    let mut too_large = false;
    while let Some(c) = cause {
        too_large |= c.to_string().contains("length limit");
        cause = c.source();
    }
    if too_large {
        AppError::refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "What you sent is larger than this form accepts.",
        )
    } else {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "What you sent did not arrive in full; please send it again.",
        )
    }
    .into_response()
}

/// `target` as a `Location` value: every byte outside the characters a URL may hold as they
/// are (controls, spaces, quotes, non-ASCII…) is percent-encoded.
pub fn location(target: &str) -> HeaderValue {
    let mut out = String::with_capacity(target.len());
    for b in target.bytes() {
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&out).unwrap_or(HeaderValue::from_static("/"))
}

/// A redirect to `target` with `status`.
pub fn redirect(status: StatusCode, target: &str) -> Response {
    (status, [(header::LOCATION, location(target))]).into_response()
}

/// A redirect after a form (303 See Other: the next request is a GET).
pub fn see_other(target: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, target)
}

/// A permanent redirect (308).
pub fn permanent(target: &str) -> Response {
    redirect(StatusCode::PERMANENT_REDIRECT, target)
}

/// A permanent redirect from an old WordPress address (301 Moved Permanently): what WordPress
/// and every migration guide answer, and what crawlers read as "the page moved, keep its
/// ranking"; for the `GET`s that old links make it means the same as 308.
pub fn moved(target: &str) -> Response {
    redirect(StatusCode::MOVED_PERMANENTLY, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_found_as_is_and_encoded() {
        assert!(has_forbidden_encoded(b"/tag/a%00/"));
        assert!(has_forbidden_encoded(b"q=%1f"));
        assert!(has_forbidden_encoded(b"q=%7F"));
        assert!(!has_forbidden_encoded(b"q=%0d%0a%09"));
        assert!(!has_forbidden_encoded(b"q=%%00x"[..3].as_ref()));
        assert!(!has_forbidden_encoded(b"/caf%C3%A9/"));
        assert_eq!(clean("a\0b\u{7f}c\td\r\n"), "abc\td\r\n");
    }

    #[test]
    fn forms_lose_forbidden_characters_only() {
        assert_eq!(
            cleaned_form(b"title=a%00b&x=1").as_deref(),
            Some("title=ab&x=1")
        );
        assert_eq!(cleaned_form(b"title=a%0Ab"), None);
    }

    #[test]
    fn locations_are_always_valid_headers() {
        assert_eq!(
            location("/category/a\r\nSet-Cookie: x/"),
            "/category/a%0D%0ASet-Cookie:%20x/"
        );
        assert_eq!(location("/caf\u{e9}/?q=a b"), "/caf%C3%A9/?q=a%20b");
        assert_eq!(
            location("/admin/stories?status=draft&page=2"),
            "/admin/stories?status=draft&page=2"
        );
    }
}
