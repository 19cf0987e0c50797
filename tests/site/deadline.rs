//! Every request is answered in time (`web::deadline`): a handler still at work when the request
//! timeout passes is dropped and the client gets a 503 with `Retry-After` and nothing internal;
//! uploads, bounded by the server's body timeouts instead, may take longer.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::StreamExt;
use newsdesk::domain::user::Role;
use tower::ServiceExt;

use crate::support::{ORIGIN, STAFF_PASSWORD, TestSite, send_to};

on_both_backends!(empty:
    a_request_not_answered_in_time_gets_a_503,
    uploads_may_take_longer_than_the_request_timeout,
);

/// The site's router with a request timeout of `limit`.
fn with_timeout(site: &TestSite, limit: Duration) -> axum::Router {
    newsdesk::app(newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions {
            request_timeout: Some(limit),
            ..Default::default()
        },
    ))
}

async fn a_request_not_answered_in_time_gets_a_503(site: TestSite) {
    let limit = Duration::from_millis(500);
    assert!(limit < newsdesk::actions::accounts::HASHING_WAIT);
    let app = with_timeout(&site, limit);
    site.add_staff("mira", Role::Editor).await;
    let form = site.get("/admin/login").await;
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    // A sign-in that waits for a hashing turn (all are taken) longer than the timeout.
    let held = site.store.hold_every_hashing_turn().await;
    let body = serde_urlencoded::to_string([
        ("_csrf", token.as_str()),
        ("login", "mira"),
        ("password", STAFF_PASSWORD),
    ])
    .unwrap();
    let mut req = Request::post("/admin/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(
        "192.0.2.60:40000".parse::<std::net::SocketAddr>().unwrap(),
    ));
    let asked = Instant::now();
    let res = send_to(app.clone(), req).await;
    let took = asked.elapsed();
    assert!(
        took >= limit && took < newsdesk::actions::accounts::HASHING_WAIT,
        "answered after {took:?}"
    );
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers["retry-after"], "5");
    assert_eq!(res.headers["cache-control"], "no-store");
    assert_eq!(res.body, newsdesk::web::deadline::MESSAGE);
    // Still under the site's own headers.
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    drop(held);
    // Requests answered in time are untouched.
    let page = send_to(
        app,
        Request::get("/admin/login").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
}

async fn uploads_may_take_longer_than_the_request_timeout(site: TestSite) {
    let limit = Duration::from_millis(300);
    let app = with_timeout(&site, limit);
    let dana = site.staff("dana", Role::Editor).await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(16, 16)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let boundary = "----deadline-boundary";
    let mut head = Vec::new();
    for (name, value) in [("_csrf", dana.csrf.as_str()), ("alt_text", "A heron")] {
        head.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    head.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    let mut tail = png.into_inner();
    tail.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    // The file arrives slowly: its second half comes well after the request timeout.
    let pause = limit * 3;
    let chunks = futures_util::stream::iter([(head, Duration::ZERO), (tail, pause)]).then(
        |(bytes, wait)| async move {
            tokio::time::sleep(wait).await;
            Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes))
        },
    );
    let req = Request::post("/admin/media")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, &dana.cookie)
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from_stream(chunks))
        .unwrap();
    let asked = Instant::now();
    let res = app.oneshot(req).await.unwrap();
    assert!(asked.elapsed() >= pause);
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/admin/media/")
    );
}
