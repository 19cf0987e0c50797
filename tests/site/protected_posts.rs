//! Password-protected stories and pages, as WordPress has them: the form instead of the
//! text, the remembered password, nothing of the text in feeds, search or lists, and no
//! unlocked copy in the shared page cache.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::support::{Page, Staff, TestSite};

on_both_backends!(demo:
    a_protected_story_shows_the_password_form_until_the_password_is_given,
    a_password_from_another_site_or_for_comments_is_refused,
    protected_text_stays_out_of_feeds_search_and_lists,
    the_page_cache_never_hands_the_unlocked_story_to_another_reader,
    protected_pages_ask_for_their_password_too,
);

const SECRET_LINE: &str = "The vault combination is four eight fifteen";
const PROMPT: &str =
    "This content is password protected. To view it please enter your password below:";
const NO_EXCERPT: &str = "There is no excerpt because this is a protected post.";

/// Uploads a small image through the media library's action; its id and public address.
pub(crate) async fn upload_image(site: &TestSite) -> (i64, String) {
    let editor = site
        .staff_member("imagedesk", "Image Desk", Role::Editor)
        .await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(40, 30)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let item = newsdesk::actions::media::upload(
        &site.store,
        &editor,
        "harbour.png",
        png.into_inner(),
        "The harbour",
        "",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    (item.id, item.url)
}

/// Publishes a protected story through the story editor, as an editor; its id and address.
async fn protected_story(site: &TestSite, ed: &Staff) -> (i64, String) {
    let body = format!("{SECRET_LINE}.\n\nOnly members read this.");
    let res = crate::admin_stories::save(
        site,
        ed,
        None,
        &[
            ("title", "Members briefing on the harbour"),
            (
                "excerpt",
                "What the harbour board decided behind closed doors",
            ),
            ("body", &body),
            ("post_password", "open sesame"),
            ("comments_open", "1"),
        ],
        "publish",
    )
    .await;
    let id = crate::admin_stories::saved_id(&res);
    let s = site.store.story(id).await.unwrap().unwrap();
    let url =
        newsdesk::domain::article::article_path(s.published_at.unwrap(), &s.slug, chrono_tz::UTC);
    (id, url)
}

/// Over HTTPS (behind a proxy saying so, or with an `https` base URL) the cookie is `Secure`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_cookie_is_secure_over_https() {
    let site = TestSite::demo(crate::support::Backend::Sqlite)
        .await
        .unwrap();
    let ed = site.staff("eve", Role::Editor).await;
    let (id, _) = protected_story(&site, &ed).await;
    let id = id.to_string();
    let fields = [
        ("post_password", "open sesame"),
        ("post_kind", "story"),
        ("post_ID", id.as_str()),
    ];
    for (options, headers) in [
        (
            newsdesk::AppOptions {
                behind_proxy: true,
                ..Default::default()
            },
            vec![("x-forwarded-proto", "https")],
        ),
        (
            newsdesk::AppOptions {
                base_url: Some("https://news.example".into()),
                ..Default::default()
            },
            vec![],
        ),
    ] {
        let app = newsdesk::app(newsdesk::AppState::with_options(
            site.store.clone(),
            newsdesk::render::Theme::load(None).unwrap(),
            options,
        ));
        let res =
            crate::support::post_form_to(app, "/postpass", &fields, "203.0.113.9", &headers).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let set_cookie = res.headers["set-cookie"].to_str().unwrap();
        assert!(set_cookie.contains("; Secure"), "{set_cookie}");
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    }
}

async fn unlock(site: &TestSite, kind: &str, id: i64, password: &str) -> Page {
    site.post_form(
        "/postpass",
        &[
            ("post_password", password),
            ("post_kind", kind),
            ("post_ID", &id.to_string()),
        ],
        "203.0.113.9",
        None,
    )
    .await
}

fn description(page: &Page) -> Vec<String> {
    page.attrs("meta[name=description]", "content")
}

async fn a_protected_story_shows_the_password_form_until_the_password_is_given(site: TestSite) {
    let ed = site.staff("eve", Role::Editor).await;
    let (id, url) = protected_story(&site, &ed).await;
    // The newsroom's list says so.
    let list = site.admin_get(&ed, "/admin/stories").await;
    assert!(
        list.texts("td .badge.protected")
            .contains(&"Password protected".to_owned())
    );

    let locked = site.get(&url).await;
    assert_eq!(locked.status, StatusCode::OK);
    assert_eq!(
        locked.texts("h1.story-title"),
        vec!["Protected: Members briefing on the harbour"]
    );
    assert_eq!(locked.texts(".byline__author"), vec!["Eve Surname"]);
    assert_eq!(locked.texts(".post-password-form p")[0], PROMPT);
    assert_eq!(
        locked.attrs("input[type=password]", "name"),
        ["post_password"]
    );
    assert_eq!(locked.attrs("input[type=submit]", "value"), ["Enter"]);
    assert_eq!(locked.attrs(".post-password-form", "action"), ["/postpass"]);
    assert!(!locked.body.contains("vault"), "the text leaked");
    assert!(
        !locked.body.contains("closed doors"),
        "the standfirst leaked"
    );
    assert_eq!(description(&locked), [NO_EXCERPT]);
    assert!(
        locked
            .body
            .contains(&format!("\"description\":\"{NO_EXCERPT}\""))
    );
    assert!(
        locked.texts("#commentform").is_empty(),
        "comments are closed"
    );
    assert_eq!(
        locked.texts(".nocomments"),
        ["This post is password protected. Enter the password to view comments."]
    );
    assert_eq!(locked.headers["vary"], "Cookie");

    // A wrong password: the form again, saying why, and no cookie.
    let wrong = unlock(&site, "story", id, "open sesame ").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        wrong.texts(".post-password-form .field-error"),
        ["The password you entered is not correct. Please try again."]
    );
    assert!(wrong.headers.get("set-cookie").is_none());
    assert!(!wrong.body.contains("vault"));
    assert!(
        wrong.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );

    // The right one: back to the story with a cookie that holds no password.
    let right = unlock(&site, "story", id, "open sesame").await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.location(), url);
    let set_cookie = right.headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.starts_with("newsdesk-postpass="), "{set_cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=864000"] {
        assert!(set_cookie.contains(flag), "{flag} missing: {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    assert!(!set_cookie.contains("sesame"), "{set_cookie}");

    let open = site.get_with_cookie(&url, Some(&right.cookies())).await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(open.texts(".story-body")[0].contains(SECRET_LINE));
    assert_eq!(open.headers["cache-control"], "private, no-store");
    assert_eq!(open.texts("#reply-title"), ["Leave a Reply"]);
    assert!(open.texts(".post-password-form").is_empty());

    // A changed password locks the old cookie out again.
    let res = crate::admin_stories::save(
        &site,
        &ed,
        Some(id),
        &[
            ("title", "Members briefing on the harbour"),
            ("body", SECRET_LINE),
            ("post_password", "new words"),
        ],
        "save",
    )
    .await;
    crate::admin_stories::saved_id(&res);
    let stale = site.get_with_cookie(&url, Some(&right.cookies())).await;
    assert!(!stale.body.contains("vault"));
    assert_eq!(stale.texts(".post-password-form p")[0], PROMPT);
}

async fn a_password_from_another_site_or_for_comments_is_refused(site: TestSite) {
    let ed = site.staff("eve", Role::Editor).await;
    let (id, url) = protected_story(&site, &ed).await;
    let forged = site
        .post_form_with(
            "/postpass",
            &[
                ("post_password", "open sesame"),
                ("post_kind", "story"),
                ("post_ID", &id.to_string()),
            ],
            "203.0.113.9",
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.headers.get("set-cookie").is_none());
    assert!(forged.body.contains("sent from another website"));

    // Comments on a locked story are refused, the text typed kept.
    let comment = site
        .post_form(
            "/wp-comments-post.php",
            &[
                ("comment", "Let me in on this"),
                ("author", "Reader"),
                ("email", "reader@example.org"),
                ("comment_post_ID", &id.to_string()),
            ],
            "203.0.113.9",
            None,
        )
        .await;
    assert_eq!(comment.status, StatusCode::FORBIDDEN);
    assert!(comment.body.contains("password protected"));
    assert!(comment.body.contains("Let me in on this"));
    // Nothing for a story that does not exist.
    assert_eq!(
        unlock(&site, "story", 999_999, "x").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(site.get(&url).await.status, StatusCode::OK);
}

async fn protected_text_stays_out_of_feeds_search_and_lists(site: TestSite) {
    let ed = site.staff("eve", Role::Editor).await;
    let (_, url) = protected_story(&site, &ed).await;
    for feed in [
        "/feed/",
        "/feed/atom/",
        "/feed/json/",
        &format!("{url}feed/"),
    ] {
        let page = site.get(feed).await;
        assert_eq!(page.status, StatusCode::OK, "{feed}");
        assert!(!page.body.contains("vault"), "{feed} shows the text");
        assert!(
            !page.body.contains("closed doors"),
            "{feed} shows the standfirst"
        );
        if !feed.starts_with(&url) {
            assert!(
                page.body
                    .contains("Protected: Members briefing on the harbour"),
                "{feed}"
            );
            assert!(page.body.contains(NO_EXCERPT), "{feed}");
        }
    }
    // Search finds the title, never the text.
    let by_text = site.get("/search?q=vault+combination").await;
    assert!(by_text.texts(".search-result").is_empty());
    let by_title = site.get("/search?q=members+briefing").await;
    assert_eq!(
        by_title.texts(".search-result .card__title"),
        ["Protected: Members briefing on the harbour"]
    );
    assert!(!by_title.body.contains("vault"));
    assert!(!by_title.body.contains("closed doors"));
    // The front page and the author's archive show the title only.
    let author = site
        .get(&url)
        .await
        .attrs(".byline__author", "href")
        .remove(0);
    for list in ["/", author.as_str()] {
        let page = site.get(list).await;
        assert!(!page.body.contains("closed doors"), "{list}");
        assert!(!page.body.contains("vault"), "{list}");
        assert!(
            page.body
                .contains("Protected: Members briefing on the harbour"),
            "{list}"
        );
    }
    let archive = site.get(&author).await;
    assert!(
        archive
            .texts(".card__excerpt")
            .contains(&NO_EXCERPT.to_owned())
    );
    // The sitemap lists the address, as WordPress's does.
    let index = site.get("/sitemap.xml").await;
    let mut listed = false;
    for loc in index.texts("loc") {
        let path = loc.trim_start_matches("http://localhost").to_owned();
        listed |= site.get(&path).await.body.contains(&url);
    }
    assert!(listed, "{url} is in no sitemap");
}

async fn the_page_cache_never_hands_the_unlocked_story_to_another_reader(site: TestSite) {
    let ed = site.staff("eve", Role::Editor).await;
    let (id, url) = protected_story(&site, &ed).await;
    let cookie = unlock(&site, "story", id, "open sesame").await.cookies();
    let cache = |p: &Page| {
        p.headers
            .get("x-newsdesk-cache")
            .map_or_else(String::new, |v| v.to_str().unwrap().to_owned())
    };
    // The reader with the password first, then others: they never get the text.
    let unlocked = site.get_with_cookie(&url, Some(&cookie)).await;
    assert!(unlocked.body.contains("vault"));
    assert_eq!(cache(&unlocked), "");
    for _ in 0..2 {
        let other = site.get(&url).await;
        assert!(!other.body.contains("vault"));
        assert_eq!(other.texts(".post-password-form p")[0], PROMPT);
    }
    // The locked page is shared; the reader with the password still gets the text.
    assert_eq!(cache(&site.get(&url).await), "hit");
    let again = site.get_with_cookie(&url, Some(&cookie)).await;
    assert!(again.body.contains("vault"));
    assert_eq!(cache(&again), "");
}

async fn protected_pages_ask_for_their_password_too(site: TestSite) {
    let ed = site.staff("eve", Role::Editor).await;
    let res = site
        .admin_post(
            &ed,
            "/admin/pages/new",
            &[
                ("intent", "publish"),
                ("title", "Staff handbook"),
                ("body", "Holiday rules: apply in writing."),
                ("post_password", "handbook pass"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let list = site.admin_get(&ed, "/admin/pages").await;
    assert!(
        list.texts("td .badge.protected")
            .contains(&"Password protected".to_owned())
    );
    let id: i64 = site
        .raw_pairs("SELECT slug, id FROM pages WHERE slug = 'staff-handbook'")
        .await[0]
        .1;

    let locked = site.get("/staff-handbook/").await;
    assert_eq!(locked.texts("h1.page-title"), ["Protected: Staff handbook"]);
    assert_eq!(locked.texts(".post-password-form p")[0], PROMPT);
    assert!(!locked.body.contains("Holiday rules"));
    let wrong = unlock(&site, "page", id, "nope").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(!wrong.body.contains("Holiday rules"));
    let right = unlock(&site, "page", id, "handbook pass").await;
    assert_eq!(
        (right.status, right.location()),
        (StatusCode::SEE_OTHER, "/staff-handbook/")
    );
    let open = site
        .get_with_cookie("/staff-handbook/", Some(&right.cookies()))
        .await;
    assert!(open.body.contains("Holiday rules: apply in writing."));
    assert_eq!(open.headers["cache-control"], "private, no-store");
}
