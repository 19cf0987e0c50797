//! Uploads to the media library through the real router, signed in: malformed and hostile
//! multipart bodies never get a 500 or a panic, only the upload's success or a themed 4xx page.
//!
//! An input is the `Content-Type` header on its first line (a leading `~` sends no
//! `X-CSRF-Token` header, so the CSRF check reads the body), then the body. `{{CSRF}}` in the
//! body becomes the session's token, `{{PNG}}` a small valid PNG.

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use http_body_util::BodyExt;
use newsdesk::domain::user::Role;
use proptest::prelude::*;
use tower::ServiceExt;

use crate::driver::{Target, soup};
use crate::support::{Backend, ORIGIN, Staff, TestSite};

const TOKENS: &[&str] = &[
    "\r\n",
    "\n",
    "--",
    "--b",
    "--b--",
    "--b\r\n",
    "\r\n--b--\r\n",
    "{{CSRF}}",
    "{{PNG}}",
    "Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n",
    "Content-Disposition: form-data; name=\"alt_text\"\r\n",
    "Content-Disposition: form-data; name=\"_csrf\"\r\n",
    "Content-Disposition: form-data\r\n",
    "Content-Disposition: attachment; filename*=UTF-8''%e2%82%ac.png\r\n",
    "Content-Type: image/png\r\n",
    "Content-Type: text/plain; charset=utf-16\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "name=\"\"",
    "filename=\"\"",
    "filename=\"../../x\"",
    "\u{0}",
    "\u{ff}",
    "\"",
    ";",
    ":",
    "=",
    "é",
    "\u{feff}",
];

const BOUNDARIES: &[&str] = &["b", "----x", "", "\"b\"", "a b", "é", "b;", "-", "==="];

const CONTENT_TYPES: &[&str] = &[
    "multipart/form-data; boundary={b}",
    "multipart/form-data; boundary=\"{b}\"",
    "multipart/form-data; boundary={b}; boundary=other",
    "multipart/form-data; charset=utf-8; boundary={b}",
    "MULTIPART/FORM-DATA; BOUNDARY={b}",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/mixed; boundary={b}",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
];

const NAMES: &[&str] = &[
    "file", "alt_text", "caption", "_csrf", "", "x", "file\"", "FILE",
];

/// One part: its name, file name, content type and content (a placeholder or any bytes).
fn part() -> BoxedStrategy<Vec<u8>> {
    (
        prop::sample::select(NAMES),
        prop::option::of(prop::sample::select(
            &["a.png", "", "x.jpg\u{0}.exe", "../a", "é.gif"][..],
        )),
        prop::option::of(prop::sample::select(
            &["image/png", "text/plain", "", "x"][..],
        )),
        prop_oneof![
            Just(b"{{PNG}}".to_vec()),
            Just(b"{{CSRF}}".to_vec()),
            soup(TOKENS, 10).prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..64),
        ],
        any::<bool>(),
    )
        .prop_map(|(name, file_name, content_type, content, disposition)| {
            let mut out = Vec::new();
            if disposition {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"").as_bytes(),
                );
                if let Some(f) = file_name {
                    out.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            if let Some(t) = content_type {
                out.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&content);
            out
        })
        .boxed()
}

/// A whole request: a content type naming a boundary (maybe not the body's), and parts.
fn request() -> BoxedStrategy<Vec<u8>> {
    (
        any::<bool>(),
        prop::sample::select(CONTENT_TYPES),
        prop::sample::select(BOUNDARIES),
        prop::sample::select(BOUNDARIES),
        prop::collection::vec(part(), 0..5),
        prop::sample::select(&["\r\n", "\n"][..]),
        prop::sample::select(&["--\r\n", "--", "", "\r\n"][..]),
    )
        .prop_map(
            |(header_token, content_type, said, used, parts, eol, end)| {
                let mut out = Vec::new();
                if !header_token {
                    out.push(b'~');
                }
                out.extend_from_slice(content_type.replace("{b}", said).as_bytes());
                out.push(b'\n');
                for p in parts {
                    out.extend_from_slice(format!("--{used}{eol}").as_bytes());
                    out.extend_from_slice(&p);
                    out.extend_from_slice(eol.as_bytes());
                }
                out.extend_from_slice(format!("--{used}{end}").as_bytes());
                out
            },
        )
        .boxed()
}

fn png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(3, 2)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Sends one input to `POST /admin/media` and checks the answer.
async fn send(site: &TestSite, who: &Staff, png: &[u8], input: &[u8]) -> Result<(), String> {
    let (first, body) = match input.iter().position(|&b| b == b'\n') {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => (input, &[][..]),
    };
    let (header_token, content_type) = match first.strip_prefix(b"~") {
        Some(rest) => (false, rest),
        None => (true, first),
    };
    let body = replace(body, b"{{CSRF}}", who.csrf.as_bytes());
    let body = replace(&body, b"{{PNG}}", png);
    let mut req = Request::post("/admin/media")
        .header(header::COOKIE, &who.cookie)
        .header(header::ORIGIN, ORIGIN);
    if header_token {
        req = req.header("x-csrf-token", &who.csrf);
    }
    if let Ok(value) = HeaderValue::from_bytes(content_type) {
        req = req.header(header::CONTENT_TYPE, value);
    }
    let res = site
        .app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .map_err(|e| format!("the router failed: {e}"))?;
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&body);
    match status {
        StatusCode::SEE_OTHER
            if location
                .as_deref()
                .is_some_and(|l| l.starts_with("/admin/media/")) =>
        {
            Ok(())
        }
        s if s.is_client_error() && (s != StatusCode::FORBIDDEN || !header_token) => {
            if !content_type.starts_with("text/html") || !text.contains("<main") {
                return Err(format!(
                    "a {s} that is not a page ({content_type}): {text:?}"
                ));
            }
            Ok(())
        }
        s => Err(format!("answered {s} ({location:?}): {text:.400}")),
    }
}

#[test]
fn multipart_uploads() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (site, editor) = rt.block_on(async {
        let site = TestSite::empty(Backend::Sqlite).await.unwrap();
        let editor = site.staff("dana", Role::Editor).await;
        (site, editor)
    });
    let png = png();
    Target {
        name: "upload",
        extra_seeds: Vec::new(),
        tokens: TOKENS,
        generate: request(),
    }
    .run(|input| rt.block_on(send(&site, &editor, &png, input)));
}
