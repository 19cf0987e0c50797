//! Cookies, as any client may send them: reading never panics, no `Cookie` header signs
//! anyone in to the newsroom, the public site answers whatever it is sent, and any value the
//! site writes into a cookie reads back the same.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use newsdesk::web::cookies;
use proptest::prelude::*;
use tower::ServiceExt;

use crate::driver::{Target, soup};
use crate::support::{Backend, TestSite};

const TOKENS: &[&str] = &[
    "newsdesk_session=",
    "newsdesk_flash=",
    "comment_author_x=",
    "nd_fuzz=",
    "=",
    ";",
    "; ",
    ",",
    "\"",
    "\\",
    "%",
    "%00",
    "%3B",
    "%ZZ",
    "%e2%82%ac",
    "%C3",
    " ",
    "\t",
    "\u{7f}",
    "\u{0}",
    "\u{1}",
    "é",
    "🙂",
    "$Version=1",
    "Path=/admin",
    "Secure",
    "HttpOnly",
    "Max-Age=-1",
    "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    "x",
    "0123456789abcdef",
    "AAAAAAAAAAAAAAAAAAAAAAAA",
];

/// The value the site writes for `value` into a cookie named `name`, read back as a browser
/// would send it.
fn round_trip(name: &str, value: &str) -> Result<Option<String>, String> {
    let set = cookies::set(name, value, 1, true, false);
    let pair = set
        .to_str()
        .map_err(|e| format!("Set-Cookie is not text: {e}"))?
        .split(';')
        .next()
        .unwrap_or("")
        .to_owned();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::COOKIE,
        HeaderValue::from_str(&pair).map_err(|e| format!("{pair:?}: {e}"))?,
    );
    Ok(cookies::get(&headers, name))
}

async fn check(site: &TestSite, input: &[u8]) -> Result<(), String> {
    let value = String::from_utf8_lossy(input);
    let back = round_trip("nd_fuzz", &value)?;
    if back.as_deref() != Some(&*value) {
        return Err(format!("{value:?} was written and read back as {back:?}"));
    }
    // Only what a client can send as a header (hyper refuses the rest before the router).
    let Ok(cookie) = HeaderValue::from_bytes(input) else {
        return Ok(());
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::COOKIE, cookie.clone());
    let _ = cookies::get(&headers, "newsdesk_session");
    let _ = cookies::get(&headers, "");

    let admin = site
        .app
        .clone()
        .oneshot(
            Request::get("/admin/")
                .header(header::COOKIE, cookie.clone())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .map_err(|e| format!("the router failed: {e}"))?;
    let location = admin
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if admin.status() != StatusCode::SEE_OTHER || !location.starts_with("/admin/login") {
        return Err(format!(
            "the cookie {cookie:?} got {} ({location:?}) from /admin/",
            admin.status()
        ));
    }
    let home = site
        .app
        .clone()
        .oneshot(
            Request::get("/")
                .header(header::COOKIE, cookie.clone())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .map_err(|e| format!("the router failed: {e}"))?;
    if home.status() != StatusCode::OK {
        return Err(format!(
            "the cookie {cookie:?} got {} from /",
            home.status()
        ));
    }
    Ok(())
}

#[test]
fn cookie_headers() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (site, ended) = rt.block_on(async {
        let site = TestSite::empty(Backend::Sqlite).await.unwrap();
        // A live session exists, so a forged or damaged one has something to be confused
        // with; a signed-out one is a seed.
        let dana = site
            .staff("dana", newsdesk::domain::user::Role::Administrator)
            .await;
        site.staff("eve", newsdesk::domain::user::Role::Administrator)
            .await;
        let out = site.admin_post(&dana, "/admin/logout", &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
        (site, dana.cookie)
    });
    Target {
        name: "cookies",
        extra_seeds: vec![ended.into_bytes()],
        tokens: TOKENS,
        generate: prop_oneof![
            4 => soup(TOKENS, 24).prop_map(String::into_bytes),
            1 => prop::collection::vec(any::<u8>(), 0..200),
        ],
    }
    .run(|input| rt.block_on(check(&site, input)));
}
