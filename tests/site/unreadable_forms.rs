//! Admin requests whose body cannot be read as the form they are sent to (found by the upload
//! fuzz target, tests/fuzz/upload.rs): a clear 4xx on the admin's own error page, never
//! axum's plain text naming the framework's types, and nothing stored.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use newsdesk::domain::user::Role;
use tower::ServiceExt;

use crate::support::{ORIGIN, Staff, TestSite};

on_both_backends!(empty:
    an_upload_that_is_not_multipart_gets_a_clear_page,
    a_form_of_the_wrong_type_gets_a_clear_page,
);

/// A signed-in POST with the session's token in the header, and the answer's status, content
/// type and body.
async fn post(
    site: &TestSite,
    who: &Staff,
    path: &str,
    content_type: Option<&str>,
    body: &'static str,
) -> (StatusCode, String, String) {
    let mut req = Request::post(path)
        .header(header::COOKIE, &who.cookie)
        .header(header::ORIGIN, ORIGIN)
        .header("x-csrf-token", &who.csrf);
    if let Some(t) = content_type {
        req = req.header(header::CONTENT_TYPE, t);
    }
    let res = site
        .app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let content_type = res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

async fn an_upload_that_is_not_multipart_gets_a_clear_page(site: TestSite) {
    let dana = site.staff("dana", Role::Editor).await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("multipart/form-data"),
        Some("multipart/mixed; boundary=b"),
    ] {
        let (status, type_, body) = post(
            &site,
            &dana,
            "/admin/media",
            content_type,
            "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--b--\r\n",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type:?}: {body}");
        assert!(type_.starts_with("text/html"), "{content_type:?}: {type_}");
        let page = scraper::Html::parse_document(&body);
        let main: String = page
            .select(&scraper::Selector::parse("main").unwrap())
            .flat_map(|m| m.text())
            .collect();
        assert!(
            main.contains("The upload could not be read; please try again."),
            "{content_type:?}: {main}"
        );
        assert!(!body.contains("boundary"), "{body}");
    }
    assert_eq!(
        site.raw_pairs("SELECT 'items', CAST(COUNT(*) AS BIGINT) FROM media")
            .await[0]
            .1,
        0
    );
}

async fn a_form_of_the_wrong_type_gets_a_clear_page(site: TestSite) {
    let dana = site.staff("dana", Role::Editor).await;
    let (status, type_, body) = post(
        &site,
        &dana,
        "/admin/media/1",
        Some("text/plain"),
        "alt_text=x",
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(type_.starts_with("text/html"), "{type_}");
    assert!(
        body.contains("This form could not be understood; nothing was changed."),
        "{body}"
    );
    assert!(!body.contains("Content-Type"), "{body}");
}
