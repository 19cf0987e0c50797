//! What the site accepts at its edge: control characters in addresses, forms and cookies,
//! redirect targets, security headers, and slow clients. Same answers on both backends.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use newsdesk::domain::user::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use crate::support::{ORIGIN, STAFF_PASSWORD, TestSite};

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

on_both_backends!(demo:
    control_characters_in_addresses_are_refused_never_a_500,
    control_characters_in_cookies_are_ignored,
    control_characters_in_a_comment_are_removed,
    control_characters_in_the_sign_in_form_are_removed,
    control_characters_in_a_story_title_are_removed,
    control_characters_in_media_alt_text_are_removed,
    redirects_with_control_characters_are_encoded_never_a_500,
    a_sign_in_next_with_a_line_break_leads_to_the_dashboard,
    a_bulk_back_address_with_a_line_break_leads_to_the_list,
    every_response_has_a_permissions_policy_and_no_hsts_over_http,
);

async fn control_characters_in_addresses_are_refused_never_a_500(site: TestSite) {
    for path in [
        "/tag/a%00/",
        "/author/%00/",
        "/category/a%00/",
        "/a%01/",
        "/2026/%7F/",
        "/tag/a%00/feed/",
        "/admin/stories/%00",
    ] {
        let res = site.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    for path in ["/search?q=%00", "/?s=a%00b", "/tag/world/?x=%1b"] {
        let res = site.get(path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        assert!(res.body.contains("characters the site does not accept"));
    }
    // Tab, line feed and carriage return are text, not refused at the edge.
    assert_eq!(site.get("/search?q=a%09b").await.status, StatusCode::OK);
}

async fn control_characters_in_cookies_are_ignored(site: TestSite) {
    let res = site
        .get_with_cookie("/", Some("newsdesk_held=1.%00abc; other=1"))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    // A session cookie with a NUL is no session: sign in.
    let res = site
        .get_with_cookie("/admin/", Some("newsdesk_session=a%00b"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(res.location().starts_with("/admin/login"));
}

async fn control_characters_in_a_comment_are_removed(site: TestSite) {
    site.settings(&[("comment_min_seconds", "0")]).await;
    let url = site.url_of(REFERENCE).await;
    let page = site.get(&url).await;
    let post_id = site.story_at(&url).await.id.to_string();
    let token = page.attrs("input[name=nd_form_token]", "value").remove(0);
    let res = site
        .post_form(
            "/wp-comments-post.php",
            &[
                ("comment_post_ID", &post_id),
                ("nd_form_token", &token),
                ("comment", "A fair\0 summary\u{7f} of the visit."),
                ("author", "An\0n\u{1}"),
                ("email", "ann@example.org"),
            ],
            "198.51.100.1",
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mine = site.get_with_cookie(&url, Some(&res.cookies())).await;
    assert!(
        mine.texts(".comment__content")
            .contains(&"A fair summary of the visit.".to_owned())
    );
    assert!(mine.texts(".comment__author").contains(&"Ann".to_owned()));
}

async fn control_characters_in_the_sign_in_form_are_removed(site: TestSite) {
    site.add_staff("dana", Role::Editor).await;
    let form = site.get("/admin/login").await;
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    // A wrong password: refused as any wrong password is.
    let res = site
        .post_form_with(
            "/admin/login",
            &[
                ("_csrf", &token),
                ("login", "da\0na"),
                ("password", "nope\0"),
            ],
            "192.0.2.10",
            &[("origin", ORIGIN)],
        )
        .await;
    assert!(res.status.is_client_error(), "{}: {}", res.status, res.body);
    assert!(
        res.body.contains("dana"),
        "the login is kept without the NUL"
    );
    // The right password: the login reads without its control character.
    let res = site
        .post_form_with(
            "/admin/login",
            &[
                ("_csrf", &token),
                ("login", "da\0na"),
                ("password", STAFF_PASSWORD),
            ],
            "192.0.2.10",
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

async fn control_characters_in_a_story_title_are_removed(site: TestSite) {
    let dana = site.staff("dana", Role::Editor).await;
    let author = dana.id.to_string();
    let res = site
        .admin_post(
            &dana,
            "/admin/stories/new",
            &[
                ("intent", "save"),
                ("author", &author),
                ("title", "Council\0 votes\u{1b} on budget"),
                ("body", "First\0 paragraph."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id: i64 = res
        .location()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let story = site.store.story(id).await.unwrap().unwrap();
    assert_eq!(story.title, "Council votes on budget");
    assert!(!story.body.contains('\0'));
}

async fn control_characters_in_media_alt_text_are_removed(site: TestSite) {
    let dana = site.staff("dana", Role::Editor).await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(8, 8)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    // An upload (multipart): its alt text and caption lose their control characters.
    let boundary = "----edge-boundary";
    let mut body = Vec::new();
    for (name, value) in [
        ("_csrf", dana.csrf.as_str()),
        ("alt_text", "Her\0on"),
        ("caption", "At\u{1} dawn"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&png.into_inner());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/admin/media")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, &dana.cookie)
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(body))
        .unwrap();
    let res = site.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let id: i64 = location
        .trim_start_matches("/admin/media/")
        .parse()
        .unwrap();
    let item = site.store.media_item(id).await.unwrap().unwrap().item;
    assert_eq!(
        (item.alt_text.as_str(), item.caption.as_str()),
        ("Heron", "At dawn")
    );
    // Editing the details (urlencoded): the same.
    let res = site
        .admin_post(
            &dana,
            &location,
            &[("alt_text", "A\0 heron\u{7f}"), ("caption", "\0")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let item = site.store.media_item(id).await.unwrap().unwrap().item;
    assert_eq!(
        (item.alt_text.as_str(), item.caption.as_str()),
        ("A heron", "")
    );
}

async fn redirects_with_control_characters_are_encoded_never_a_500(site: TestSite) {
    // A section address without its trailing slash is redirected; the line break is encoded.
    let res = site.get("/category/a%0d%0aSet-Cookie:%20x=1").await;
    assert_eq!(res.status, StatusCode::PERMANENT_REDIRECT, "{}", res.body);
    assert_eq!(res.location(), "/category/a%0D%0ASet-Cookie:%20x=1/");
    assert!(res.headers.get(header::SET_COOKIE).is_none());
    for path in [
        "/category/a%0d%0ab/feed",
        "/tag/a%0d%0ab",
        "/a%0d%0ab",
        "/search/?q=a%0d%0ab",
    ] {
        let res = site.get(path).await;
        assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(!res.location().contains(['\r', '\n']), "{path}");
    }
}

async fn a_sign_in_next_with_a_line_break_leads_to_the_dashboard(site: TestSite) {
    site.add_staff("dana", Role::Editor).await;
    let form = site
        .get("/admin/login?next=/admin/stories%0d%0aX:%20y")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    let res = site
        .post_form_with(
            "/admin/login",
            &[
                ("_csrf", &token),
                ("login", "dana"),
                ("password", STAFF_PASSWORD),
                ("next", "/admin/stories\r\nX: y"),
            ],
            "192.0.2.10",
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/");
    assert!(res.cookies().contains("newsdesk_session="));
}

async fn a_bulk_back_address_with_a_line_break_leads_to_the_list(site: TestSite) {
    let dana = site.staff("dana", Role::Editor).await;
    let res = site
        .admin_post(
            &dana,
            "/admin/stories/bulk",
            &[("back", "/admin/stories\r\nX: y"), ("action", "trash")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/stories");
    let res = site
        .admin_post(
            &dana,
            "/admin/stories/bulk",
            &[
                ("back", "/admin/stories?q=caf\u{e9} bar"),
                ("action", "trash"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/stories?q=caf%C3%A9%20bar");
}

async fn every_response_has_a_permissions_policy_and_no_hsts_over_http(site: TestSite) {
    for path in [
        "/",
        "/feed/",
        "/nowhere/",
        "/admin/login",
        "/static/style.css",
    ] {
        let res = site.get(path).await;
        let policy = res
            .headers
            .get("permissions-policy")
            .map_or("", |v| v.to_str().unwrap());
        for feature in [
            "camera=()",
            "microphone=()",
            "geolocation=()",
            "interest-cohort=()",
        ] {
            assert!(policy.contains(feature), "{path}: {policy}");
        }
        assert!(
            res.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "{path}"
        );
    }
    // A reader claiming HTTPS without a trusted proxy changes nothing.
    let res = site
        .get_with_headers("/", &[("x-forwarded-proto", "https")])
        .await;
    assert!(res.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

/// The same site's router with other options.
fn app_with(site: &TestSite, options: newsdesk::AppOptions) -> axum::Router {
    newsdesk::app(newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        options,
    ))
}

async fn hsts(app: &axum::Router, forwarded_proto: Option<&str>) -> Option<String> {
    let mut req = Request::get("/").header(header::HOST, "news.example");
    if let Some(p) = forwarded_proto {
        req = req.header("x-forwarded-proto", p);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    res.headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_is_sent_over_https_only() {
    let site = TestSite::empty(crate::support::Backend::Sqlite)
        .await
        .unwrap();
    let proxied = app_with(
        &site,
        newsdesk::AppOptions {
            behind_proxy: true,
            ..Default::default()
        },
    );
    assert_eq!(
        hsts(&proxied, Some("https")).await.as_deref(),
        Some("max-age=31536000")
    );
    assert_eq!(hsts(&proxied, Some("http")).await, None);
    assert_eq!(hsts(&proxied, None).await, None);
    let fixed = app_with(
        &site,
        newsdesk::AppOptions {
            base_url: Some("https://news.example".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        hsts(&fixed, None).await.as_deref(),
        Some("max-age=31536000")
    );
    let plain = app_with(
        &site,
        newsdesk::AppOptions {
            base_url: Some("http://news.example".into()),
            ..Default::default()
        },
    );
    assert_eq!(hsts(&plain, None).await, None);
}

/// A site at a fixed `http` address behind a proxy that says which scheme each reader used:
/// readers on HTTPS and on HTTP share its kept pages, and only those on HTTPS are told to keep
/// to it, whichever of them the page was first sent to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_of_a_kept_page_follows_each_request() {
    let site = TestSite::empty(crate::support::Backend::Sqlite)
        .await
        .unwrap();
    let app = app_with(
        &site,
        newsdesk::AppOptions {
            base_url: Some("http://news.example".into()),
            behind_proxy: true,
            ..Default::default()
        },
    );
    for (i, (proto, expected)) in [
        ("https", Some("max-age=31536000")),
        ("http", None),
        ("https", Some("max-age=31536000")),
        ("http", None),
        ("https", Some("max-age=31536000")),
    ]
    .into_iter()
    .enumerate()
    {
        let res = app
            .clone()
            .oneshot(
                Request::get("/")
                    .header("x-forwarded-proto", proto)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()["x-newsdesk-cache"],
            if i == 0 { "miss" } else { "hit" }
        );
        assert_eq!(
            res.headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .map(|v| v.to_str().unwrap()),
            expected,
            "{proto}"
        );
    }
}

/// A real server on a free port with short limits; returns its address.
async fn server_with(
    site: &TestSite,
    limits: newsdesk::config::ServerLimits,
) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = app_with(site, newsdesk::AppOptions::default());
    tokio::spawn(newsdesk::server::serve_connections(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    addr
}

fn short_limits() -> newsdesk::config::ServerLimits {
    newsdesk::config::ServerLimits {
        header_read: Duration::from_millis(300),
        body_idle: Duration::from_millis(300),
        body_total: Duration::from_secs(2),
        max_connections: 4,
    }
}

/// Reads until the server closes the connection; what it sent, and how long that took.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> (String, Duration) {
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept a slow connection open"),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_disconnected() {
    let site = TestSite::empty(crate::support::Backend::Sqlite)
        .await
        .unwrap();
    let addr = server_with(&site, short_limits()).await;

    // A partial request line, then nothing: closed within the header timeout.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HT").await.unwrap();
    let (_, took) = read_until_closed(&mut slow).await;
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Headers dripped slower than the timeout allows: closed too.
    let mut drip = tokio::net::TcpStream::connect(addr).await.unwrap();
    drip.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if drip.write_all(b"X-A: b\r\n").await.is_err() {
            break;
        }
    }
    let (_, _) = read_until_closed(&mut drip).await;
    assert!(started.elapsed() < Duration::from_secs(3));

    // A kept-alive connection that sends nothing more is closed after the same time.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (answer, took) = read_until_closed(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // A body that stops arriving: refused, and the connection is not held.
    let mut body = tokio::net::TcpStream::connect(addr).await.unwrap();
    body.write_all(
        b"POST /wp-comments-post.php HTTP/1.1\r\nHost: localhost\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncomment=",
    )
    .await
    .unwrap();
    let (answer, took) = read_until_closed(&mut body).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}
