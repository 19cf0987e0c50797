//! Answers the page cache does not keep (the admin, personal pages, error pages, anything with
//! `--no-page-cache`) are compressed on the fly when large enough and the browser takes gzip or
//! brotli; what the page cache answers is sent in its own encodings, never compressed twice.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use newsdesk::domain::user::Role;
use tower::ServiceExt;

use crate::comments::REFERENCE;
use crate::support::{RawResponse, TestSite};

on_both_backends!(demo:
    admin_and_personal_pages_are_compressed_on_the_fly,
    kept_pages_are_never_compressed_twice,
    small_answers_and_images_go_as_they_are,
    compressed_answers_keep_their_validators,
);

async fn get(app: &axum::Router, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let mut req = Request::get(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    RawResponse {
        status,
        headers,
        body,
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("brotli");
    out
}

fn varies_on_encoding(r: &RawResponse) -> bool {
    r.headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    })
}

/// Asks for `path` as it is, gzipped and brotli-compressed, and checks that both decode to the
/// same bytes as the plain answer; returns the plain answer.
async fn same_in_every_encoding(
    app: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    let plain = get(app, path, headers).await;
    assert_eq!(plain.header("content-encoding"), "", "{path}");
    assert!(plain.body.len() >= 1024, "{path} is small");
    assert!(varies_on_encoding(&plain), "{path}: no Vary");
    for (accept, coding) in [("gzip, deflate", "gzip"), ("gzip, deflate, br, zstd", "br")] {
        let mut with = headers.to_vec();
        with.push(("accept-encoding", accept));
        let res = get(app, path, &with).await;
        assert_eq!(res.status, plain.status, "{path}");
        assert_eq!(res.header("content-encoding"), coding, "{path}");
        assert!(varies_on_encoding(&res), "{path}: no Vary");
        assert_eq!(
            res.header("x-newsdesk-cache"),
            "",
            "{path} came from the cache"
        );
        assert!(
            res.body.len() < plain.body.len() / 2,
            "{path}: {} bytes in {coding}, {} plain",
            res.body.len(),
            plain.body.len()
        );
        let decoded = match coding {
            "gzip" => gunzip(&res.body),
            _ => unbrotli(&res.body),
        };
        // Pages carry per-request tokens (CSRF, form timestamps): compare them without.
        assert_eq!(
            without_tokens(&decoded),
            without_tokens(&plain.body),
            "{path} in {coding}"
        );
    }
    plain
}

/// The body with the values of per-request tokens (hidden form fields, the CSRF meta tag)
/// blanked.
fn without_tokens(body: &[u8]) -> String {
    let text = String::from_utf8(body.to_vec()).expect("utf-8");
    let re = regex::Regex::new(r#"(value|content)="[A-Za-z0-9_\-.:]{16,}""#).unwrap();
    re.replace_all(&text, "$1=\"…\"").into_owned()
}

async fn admin_and_personal_pages_are_compressed_on_the_fly(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    // The newsroom's own pages, signed in.
    for path in ["/admin/", "/admin/stories"] {
        let page = same_in_every_encoding(&site.app, path, &[("cookie", &ed.cookie)]).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(String::from_utf8_lossy(&page.body).contains("<html"));
    }
    // A reader whose comment details are remembered gets a page of their own.
    let story = site.url_of(REFERENCE).await;
    let personal = same_in_every_encoding(
        &site.app,
        &story,
        &[("cookie", "comment_author=Ann%20Reader")],
    )
    .await;
    assert!(String::from_utf8_lossy(&personal.body).contains("Ann Reader"));
    // The themed 404 page is never kept.
    let missing = same_in_every_encoding(&site.app, "/no-such-page-here/", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Without the page cache, every page is compressed here.
    let uncached = crate::page_cache::uncached_app(&site);
    for path in ["/", story.as_str(), "/feed/"] {
        same_in_every_encoding(&uncached, path, &[]).await;
    }
}

async fn kept_pages_are_never_compressed_twice(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    let plain = get(&site.app, &story, &[]).await;
    for (accept, coding) in [("gzip", "gzip"), ("br", "br")] {
        for expected in ["hit", "hit"] {
            let res = get(&site.app, &story, &[("accept-encoding", accept)]).await;
            assert_eq!(res.header("x-newsdesk-cache"), expected);
            assert_eq!(res.header("content-encoding"), coding);
            // One layer of compression: decoded once, it is the page itself.
            let once = match coding {
                "gzip" => gunzip(&res.body),
                _ => unbrotli(&res.body),
            };
            assert_eq!(once, plain.body);
        }
    }
    // The page cache's first answer (a miss it keeps) is not compressed again either.
    site.store.touch();
    let miss = get(&site.app, &story, &[("accept-encoding", "gzip")]).await;
    assert_eq!(miss.header("x-newsdesk-cache"), "miss");
    // (Compared with the page now kept: a new rendering carries a new comment form token.)
    let kept = get(&site.app, &story, &[]).await;
    assert_eq!(kept.header("x-newsdesk-cache"), "hit");
    assert_eq!(gunzip(&miss.body), kept.body);
    // Where the cache chose to send the page as it is (the browser prefers that), it goes as
    // it is.
    let preferred = get(
        &site.app,
        &story,
        &[("accept-encoding", "gzip;q=0.2, identity;q=0.5")],
    )
    .await;
    assert_eq!(preferred.header("content-encoding"), "");
    assert_eq!(preferred.body, kept.body);
}

async fn small_answers_and_images_go_as_they_are(site: TestSite) {
    let home = site.get("/").await;
    let image = regex::Regex::new(r"/static/[A-Za-z0-9._-]+\.png")
        .unwrap()
        .find(&home.body)
        .expect("the theme's images")
        .as_str()
        .to_owned();
    let stylesheet = home
        .attrs("link[rel=stylesheet]", "href")
        .into_iter()
        .find(|h| h.starts_with("/static/"))
        .expect("the theme's stylesheet");
    let all = [("accept-encoding", "gzip, br")];
    // Text assets are compressed...
    let css = get(&site.app, &stylesheet, &all).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-encoding"), "br", "{stylesheet}");
    // ...images and small answers are not.
    let png = get(&site.app, &image, &all).await;
    assert_eq!(png.status, StatusCode::OK);
    assert!(png.body.len() >= 1024, "{image} is small");
    assert_eq!(png.header("content-encoding"), "", "{image}");
    let health = get(&site.app, "/healthz", &all).await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.body.len() < 1024);
    assert_eq!(health.header("content-encoding"), "");
}

async fn compressed_answers_keep_their_validators(site: TestSite) {
    let uncached = crate::page_cache::uncached_app(&site);
    let plain = get(&uncached, "/feed/", &[]).await;
    let strong = plain.header("etag").to_owned();
    assert!(strong.starts_with('"'), "{strong}");
    // Compressed on the fly, the feed is another representation: its tag is weak...
    let gz = get(&uncached, "/feed/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gz.header("etag"), format!("W/{strong}"));
    // ...and still earns a 304, whichever form the browser sends back.
    for tag in [strong.clone(), format!("W/{strong}")] {
        let again = get(
            &uncached,
            "/feed/",
            &[("accept-encoding", "gzip"), ("if-none-match", &tag)],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{tag}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("content-encoding"), "");
    }
}
