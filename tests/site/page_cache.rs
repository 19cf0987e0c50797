//! The page cache in a working newsroom: bookkeeping writes (sign-ins, autosaves, edit locks,
//! sessions, held and spam comments) leave it warm; content writes purge it, on this node at
//! once and on every other node on the same database within about a second.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use newsdesk::actions::Actor;
use newsdesk::domain::user::Role;

use crate::comments::{REFERENCE, form, instant_forms, post};
use crate::support::{Page, Staff, TestSite};

on_both_backends!(demo:
    only_content_writes_purge_the_page_cache,
    another_node_sees_content_writes_within_a_second,
);

fn cache(p: &Page) -> &str {
    p.headers
        .get("x-newsdesk-cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
}

/// One write a working newsroom makes, and whether it must purge the public pages.
#[derive(Debug, Clone, Copy)]
enum Write {
    SignIn,
    FailedSignIn,
    Autosave,
    EditLock,
    SessionTouch,
    HeldComment,
    SpamComment,
    PublishStory,
    EditPublishedStory,
    ApproveComment,
    ChangeMenu,
    ChangeWidget,
    ChangeSettings,
    NewSection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    StillHit,
    Purged,
}

struct Newsroom {
    editor: Staff,
    story: i64,
    held: Option<i64>,
}

async fn write(site: &TestSite, room: &mut Newsroom, w: Write) {
    let now = Utc::now();
    match w {
        Write::SignIn => {
            site.sign_in(room.editor.id, "ed").await;
        }
        Write::FailedSignIn => {
            let form = site.get("/admin/login").await;
            let token = form.attrs("input[name=_csrf]", "value").remove(0);
            let res = site
                .post_form_with(
                    "/admin/login",
                    &[
                        ("_csrf", &token),
                        ("login", "ed"),
                        ("password", "not the password"),
                    ],
                    "192.0.2.99",
                    &[("origin", crate::support::ORIGIN)],
                )
                .await;
            assert_ne!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        }
        Write::Autosave => {
            let res = site
                .admin_post(
                    &room.editor,
                    &format!("/admin/stories/{}/autosave", room.story),
                    &[("title", "Half-typed headline"), ("body", "<p>Typing…</p>")],
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        Write::EditLock => {
            let res = site
                .admin_get(&room.editor, &format!("/admin/stories/{}", room.story))
                .await;
            assert_eq!(res.status, StatusCode::OK);
        }
        Write::SessionTouch => {
            // A session seen again after more than a minute is renewed (a write).
            let token = room
                .editor
                .cookie
                .split(';')
                .find_map(|kv| kv.trim().strip_prefix("newsdesk_session="))
                .expect("the session cookie")
                .to_owned();
            let seen = newsdesk::actions::accounts::session(
                &site.store,
                &token,
                now + chrono::Duration::minutes(5),
            )
            .await
            .unwrap();
            assert!(seen.is_some());
        }
        Write::HeldComment | Write::SpamComment => {
            let f = form(site, REFERENCE).await;
            let fields: &[(&str, &str)] = if matches!(w, Write::HeldComment) {
                &[
                    ("comment", "A fair summary of the visit."),
                    ("author", "Ann"),
                    ("email", "ann@example.org"),
                ]
            } else {
                &[
                    (
                        "comment",
                        "BUY NOW http://spam.example/a http://spam.example/b",
                    ),
                    ("author", "Bot"),
                    ("email", "bot@spam.example"),
                    ("nd_website_confirm", "http://spam.example"),
                ]
            };
            let res = post(site, &f, fields, "198.51.100.7", None).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
            if matches!(w, Write::HeldComment) {
                let id: i64 = res
                    .location()
                    .rsplit("#comment-")
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                room.held = Some(id);
            }
        }
        Write::PublishStory => {
            let res = crate::admin_stories::save(
                site,
                &room.editor,
                None,
                &[
                    ("title", "Harbour reopens after storm"),
                    ("body", "<p>Ships are back.</p>"),
                ],
                "publish",
            )
            .await;
            crate::admin_stories::saved_id(&res);
        }
        Write::EditPublishedStory => {
            let story = site.store.story(room.story).await.unwrap().unwrap();
            let version = story.version.to_string();
            let res = crate::admin_stories::save(
                site,
                &room.editor,
                Some(room.story),
                &[
                    ("title", "Summit headline, corrected"),
                    ("body", &story.body),
                    ("base_version", &version),
                ],
                "publish",
            )
            .await;
            crate::admin_stories::saved_id(&res);
        }
        Write::ApproveComment => {
            newsdesk::actions::comments::moderate_as(
                &site.store,
                &newsdesk::notify::Notifier::none(),
                Actor::Operator,
                room.held.expect("a held comment"),
                newsdesk::actions::comments::Moderation::Approve,
                now,
            )
            .await
            .unwrap();
        }
        Write::ChangeMenu => {
            let id = site
                .raw_pairs("SELECT label, id FROM menu_items ORDER BY id LIMIT 1")
                .await[0]
                .1;
            newsdesk::actions::structure::relabel_menu_item(
                &site.store,
                Actor::Operator,
                id,
                "Renamed entry",
            )
            .await
            .unwrap();
        }
        Write::ChangeWidget => {
            let id = site
                .raw_pairs("SELECT title, id FROM widgets ORDER BY id LIMIT 1")
                .await[0]
                .1;
            newsdesk::actions::structure::remove_widget(&site.store, Actor::Operator, id)
                .await
                .unwrap();
        }
        Write::ChangeSettings => {
            newsdesk::actions::site::update_settings(
                &site.store,
                Actor::Operator,
                &[("tagline", "A tagline set just now")],
            )
            .await
            .unwrap();
        }
        Write::NewSection => {
            newsdesk::actions::structure::create_section(
                &site.store,
                Actor::Operator,
                &newsdesk::actions::structure::SectionInput {
                    name: "Harbours".into(),
                    slug: String::new(),
                    description: String::new(),
                    parent_id: None,
                },
            )
            .await
            .unwrap();
        }
    }
}

async fn only_content_writes_purge_the_page_cache(site: TestSite) {
    instant_forms(&site).await;
    let ed_id = site.add_staff("ed", Role::Editor).await;
    let editor = site.sign_in(ed_id, "ed").await;
    let story_url = site.url_of(REFERENCE).await;
    let slug = story_url.trim_end_matches('/').rsplit('/').next().unwrap();
    let story = site
        .store
        .published_article_by_slug(slug, Utc::now())
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut room = Newsroom {
        editor,
        story,
        held: None,
    };
    use Expect::*;
    let table = [
        (Write::SignIn, StillHit),
        (Write::FailedSignIn, StillHit),
        (Write::Autosave, StillHit),
        (Write::EditLock, StillHit),
        (Write::SessionTouch, StillHit),
        (Write::HeldComment, StillHit),
        (Write::SpamComment, StillHit),
        (Write::PublishStory, Purged),
        (Write::EditPublishedStory, Purged),
        (Write::ApproveComment, Purged),
        (Write::ChangeMenu, Purged),
        (Write::ChangeWidget, Purged),
        (Write::ChangeSettings, Purged),
        (Write::NewSection, Purged),
    ];
    let story_path = story_url
        .trim_start_matches(crate::support::ORIGIN)
        .to_owned();
    for (w, expect) in table {
        // The home page and the story page, rendered and kept.
        for path in ["/", story_path.as_str()] {
            site.get(path).await;
            assert_eq!(cache(&site.get(path).await), "hit", "{path} before {w:?}");
        }
        let before = site.get("/").await.body;
        write(&site, &mut room, w).await;
        for path in ["/", story_path.as_str()] {
            let first = site.get(path).await;
            assert_eq!(first.status, StatusCode::OK);
            match expect {
                StillHit => assert_eq!(cache(&first), "hit", "{path} after {w:?}"),
                Purged => {
                    assert_eq!(cache(&first), "miss", "{path} after {w:?}");
                    assert_eq!(cache(&site.get(path).await), "hit", "{path} after {w:?}");
                }
            }
        }
        // (A new section and an approved comment show on pages of their own.)
        if expect == Purged && !matches!(w, Write::ApproveComment | Write::NewSection) {
            assert_ne!(
                site.get("/").await.body,
                before,
                "the home page shows {w:?}"
            );
        }
    }
    // What the purging writes changed is what readers now see.
    let home = site.get("/").await.body;
    assert!(home.contains("Harbour reopens after storm"));
    assert!(home.contains("A tagline set just now"));
    assert!(home.contains("Renamed entry"));
    let story_page = site.get(&story_path).await;
    assert!(story_page.body.contains("Summit headline, corrected"));
    assert!(story_page.body.contains("A fair summary of the visit."));
    assert!(!story_page.body.contains("BUY NOW"));
    assert_eq!(site.get("/category/harbours/").await.status, StatusCode::OK);
}

/// A GET through another node's router.
async fn get_on(app: &axum::Router, path: &str) -> Page {
    crate::support::send_to(app.clone(), Request::get(path).body(Body::empty()).unwrap()).await
}

async fn another_node_sees_content_writes_within_a_second(site: TestSite) {
    // A second node: its own store and caches on the same database.
    let store = newsdesk::store::Store::connect(&site.url, 4).await.unwrap();
    let other = newsdesk::app(newsdesk::AppState::with_options(
        store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions::default(),
    ));
    let ed = site.add_staff("ed", Role::Editor).await;
    get_on(&other, "/").await;
    assert_eq!(cache(&get_on(&other, "/").await), "hit");
    // Bookkeeping on the first node (a sign-in) leaves the second node's cache alone, however
    // often it looks at the database...
    site.sign_in(ed, "ed").await;
    let started = Instant::now();
    while started.elapsed() < newsdesk::store::CONTENT_POLL * 2 {
        let page = get_on(&other, "/").await;
        assert_eq!(cache(&page), "hit", "a sign-in is no content");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...and a content write there shows here within about a second.
    newsdesk::actions::site::update_settings(
        &site.store,
        Actor::Operator,
        &[("tagline", "Written on the first node")],
    )
    .await
    .unwrap();
    let written = Instant::now();
    loop {
        let page = get_on(&other, "/").await;
        if page.body.contains("Written on the first node") {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(10),
            "the second node never saw the write"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Once purged, the second node serves the new page from its cache again.
    assert_eq!(cache(&get_on(&other, "/").await), "hit");
    store.close().await;
}
