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
    pages_are_kept_compressed_and_sent_as_the_browser_asks,
    a_kept_page_answers_if_none_match_before_rendering,
    a_kept_page_is_sent_with_the_headers_of_its_first_answer,
    concurrent_misses_render_a_page_once,
    without_the_page_cache_every_request_renders,
    related_blocks_are_kept_until_a_write_changes_them,
    lists_are_kept_until_a_write_or_a_story_comes_due,
    cached_pages_list_a_story_when_it_comes_due,
    readers_missing_a_kept_part_at_once_wait_for_one_to_make_it,
    a_purged_page_is_served_stale_while_one_request_renders_it,
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
    let story = site.story_id(REFERENCE).await;
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

/// The site as `serve --no-page-cache` serves it, over the same database.
pub(crate) fn uncached_app(site: &TestSite) -> axum::Router {
    newsdesk::app(newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions {
            no_page_cache: true,
            ..Default::default()
        },
    ))
}

/// An editor changes a published story's headline in the admin, sending back what the form
/// holds (its text, sections and tags), and publishes the change.
async fn retitle_as_editor(site: &TestSite, editor: &Staff, id: i64, title: &str) {
    let story = site.store.story(id).await.unwrap().unwrap();
    let form = site
        .admin_get(editor, &format!("/admin/stories/{id}"))
        .await;
    let sections = form.attrs("input[name=category][checked]", "value");
    let tags = form.attrs("input#tags", "value").pop().unwrap_or_default();
    let version = story.version.to_string();
    let mut fields = vec![
        ("title", title),
        ("body", story.body.as_str()),
        ("base_version", version.as_str()),
        ("tags", tags.as_str()),
    ];
    fields.extend(sections.iter().map(|s| ("category", s.as_str())));
    crate::admin_stories::saved_id(
        &crate::admin_stories::save(site, editor, Some(id), &fields, "publish").await,
    );
}

/// A GET through another node's router.
pub(crate) async fn get_on(app: &axum::Router, path: &str) -> Page {
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

/// PostgreSQL nodes hear of content writes through `LISTEN`, at once; SQLite has one file and
/// no notifications, and relies on reading `content_version` (above).
mod listening_nodes_hear_of_content_writes_at_once {
    use crate::support::{Backend, TestSite};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let site = TestSite::empty(Backend::Sqlite).await.unwrap();
        assert!(site.store.listen_for_content_changes().is_none());
        assert!(!site.store.listening_for_content_changes());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(site) = TestSite::demo(Backend::Postgres).await {
            super::listening_nodes_hear_of_content_writes_at_once(site).await
        }
    }
}

/// Waits until `done` holds, checking every millisecond, for at most `limit`; returns how long
/// it took.
async fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    started.elapsed()
}

async fn listening_nodes_hear_of_content_writes_at_once(site: TestSite) {
    // A second node, listening as `serve` does.
    let store = newsdesk::store::Store::connect(&site.url, 4).await.unwrap();
    let listener = store
        .listen_for_content_changes()
        .expect("PostgreSQL listens");
    let other = newsdesk::app(newsdesk::AppState::with_options(
        store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions::default(),
    ));
    wait_for(Duration::from_secs(10), "listening", || {
        store.listening_for_content_changes()
    })
    .await;
    // `generation()` never reads the database: only a notification can move it.
    for round in 1..=3 {
        let before = store.generation();
        let tagline = format!("Tagline {round} written on the first node");
        let started = Instant::now();
        newsdesk::actions::site::update_settings(
            &site.store,
            Actor::Operator,
            &[("tagline", tagline.as_str())],
        )
        .await
        .unwrap();
        let saved = started.elapsed();
        let after_save = wait_for(Duration::from_secs(10), "the notification", || {
            store.generation() != before
        })
        .await;
        let delay = started.elapsed();
        println!(
            "content write {round}: saved in {saved:?}, heard of by the listening node \
             {after_save:?} after the save returned ({delay:?} after it began)"
        );
        assert!(
            delay < newsdesk::store::CONTENT_POLL,
            "heard of after {delay:?}, no sooner than polling"
        );
        assert!(get_on(&other, "/").await.body.contains(&tagline));
    }
    // A bookkeeping write (a sign-in) is not announced.
    let added = store.generation();
    let ed = site.add_staff("ed", Role::Editor).await;
    wait_for(Duration::from_secs(10), "the new account", || {
        store.generation() != added
    })
    .await;
    get_on(&other, "/").await;
    assert_eq!(cache(&get_on(&other, "/").await), "hit");
    let quiet = store.generation();
    site.sign_in(ed, "ed").await;
    newsdesk::actions::site::update_settings(
        &site.store,
        Actor::Operator,
        &[("tagline", "After the sign-in")],
    )
    .await
    .unwrap();
    wait_for(Duration::from_secs(10), "the settings change", || {
        store.generation() != quiet
    })
    .await;
    assert_eq!(
        store.generation(),
        quiet + 1,
        "one change, one notification"
    );
    // The listening connection is lost (here: ended by the server). Whatever was sent
    // meanwhile is gone, so once listening again the node drops every cached page...
    assert_eq!(cache(&get_on(&other, "/").await), "miss");
    assert_eq!(cache(&get_on(&other, "/").await), "hit");
    let before_loss = store.generation();
    let ending = Instant::now();
    let ended = site
        .raw_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = '{}' AND datname = current_database()",
            newsdesk::store::changes::LISTENER_APPLICATION_NAME
        ))
        .await;
    assert_eq!(ended, 1, "one listening connection");
    wait_for(Duration::from_secs(20), "listening again", || {
        store.generation() != before_loss && store.listening_for_content_changes()
    })
    .await;
    println!(
        "listening again, all pages dropped, {:?} after the connection was ended",
        ending.elapsed()
    );
    assert_eq!(cache(&get_on(&other, "/").await), "miss");
    // ...and hears of the next write at once again.
    let before = store.generation();
    let started = Instant::now();
    newsdesk::actions::site::update_settings(
        &site.store,
        Actor::Operator,
        &[("tagline", "Written after the reconnection")],
    )
    .await
    .unwrap();
    wait_for(Duration::from_secs(10), "the notification", || {
        store.generation() != before
    })
    .await;
    let delay = started.elapsed();
    println!("a content write after the reconnection was heard of {delay:?} after it began");
    assert!(delay < newsdesk::store::CONTENT_POLL);
    assert!(
        get_on(&other, "/")
            .await
            .body
            .contains("Written after the reconnection")
    );
    listener.abort();
    store.close().await;
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn vary_names_accept_encoding(r: &crate::support::RawResponse) -> bool {
    r.headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    })
}

async fn pages_are_kept_compressed_and_sent_as_the_browser_asks(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    for path in [story.as_str(), "/", "/feed/"] {
        let plain = site.get_raw(path, &[]).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.header("content-encoding"), "", "{path}");
        // A CDN in front may keep it a minute and serve it stale while it refetches or while
        // the site fails; browsers ask again each time.
        assert_eq!(
            plain.header("cache-control"),
            "public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400",
            "{path}"
        );
        assert!(vary_names_accept_encoding(&plain), "{path}");
        let gz = site
            .get_raw(path, &[("accept-encoding", "gzip, deflate")])
            .await;
        assert_eq!(
            (gz.header("content-encoding"), gz.header("x-newsdesk-cache")),
            ("gzip", "hit"),
            "{path}"
        );
        assert!(vary_names_accept_encoding(&gz));
        assert!(gz.body.len() < plain.body.len() / 2, "{path} barely shrank");
        assert_eq!(gunzip(&gz.body), plain.body, "{path}");
        let br = site
            .get_raw(path, &[("accept-encoding", "gzip, deflate, br, zstd")])
            .await;
        assert_eq!(br.header("content-encoding"), "br", "{path}");
        assert_eq!(unbrotli(&br.body), plain.body, "{path}");
        // Preferences are weighed; what the browser refuses is not sent.
        let pref = site
            .get_raw(path, &[("accept-encoding", "br;q=0.5, gzip")])
            .await;
        assert_eq!(pref.header("content-encoding"), "gzip");
        for refused in ["br;q=0, gzip;q=0", "deflate", "identity"] {
            let r = site.get_raw(path, &[("accept-encoding", refused)]).await;
            assert_eq!(r.header("content-encoding"), "", "{refused}");
            assert_eq!(r.body, plain.body);
        }
        // Each encoding is its own representation, with its own tag.
        assert_ne!(gz.header("etag"), br.header("etag"));
        assert_ne!(plain.header("etag"), gz.header("etag"));
    }
    // HEAD gets the headers of what GET would send, and no body.
    let res = crate::support::send_to(
        site.app.clone(),
        Request::head(story.as_str())
            .header("accept-encoding", "br")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let br = site.get_raw(&story, &[("accept-encoding", "br")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers["content-encoding"], "br");
    assert_eq!(
        res.headers["content-length"],
        br.body.len().to_string().as_str()
    );
    assert!(res.body.is_empty());
}

async fn a_kept_page_answers_if_none_match_before_rendering(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    let first = site.get_raw(&story, &[("accept-encoding", "gzip")]).await;
    let tag = first.header("etag").to_owned();
    assert!(tag.starts_with('"') && tag.ends_with("-gzip\""), "{tag}");
    // The story changes behind the application's back: a page rendered now would differ, so
    // a 304 can only come from the kept page.
    site.raw_execute(&format!(
        "UPDATE articles SET title = 'Changed behind the cache' WHERE title = '{}'",
        REFERENCE.replace('\'', "''")
    ))
    .await;
    for asked in [tag.clone(), format!("W/{tag}"), format!("\"other\", {tag}")] {
        let again = site
            .get_raw(
                &story,
                &[("accept-encoding", "gzip"), ("if-none-match", &asked)],
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{asked}");
        assert_eq!(again.header("x-newsdesk-cache"), "hit");
        assert_eq!(again.header("etag"), tag);
        assert!(again.body.is_empty());
    }
    // A tag of another version gets the kept page itself.
    let other = site
        .get_raw(&story, &[("if-none-match", "\"not-this-one\"")])
        .await;
    assert_eq!(
        (other.status, other.header("x-newsdesk-cache")),
        (StatusCode::OK, "hit")
    );
    assert!(String::from_utf8_lossy(&other.body).contains("Putin meets"));
    // Once the content changes through the application, the old tag no longer matches.
    site.store.touch();
    let fresh = site
        .get_raw(
            &story,
            &[("accept-encoding", "gzip"), ("if-none-match", &tag)],
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&gunzip(&fresh.body)).contains("Changed behind the cache"));
}

/// Every header of an answer but those of its coding and the cache's note, in order.
fn shared_headers(r: &crate::support::RawResponse) -> Vec<(String, String)> {
    let mut shared: Vec<(String, String)> = r
        .headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "etag" | "content-encoding" | "content-length" | "x-newsdesk-cache"
            )
        })
        .map(|(name, v)| (name.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    shared.sort();
    shared
}

/// The answers the cache gives carry what the page's first answer did (the site's security
/// headers and policy, the page's keys, caching rules and API link), in every coding, although
/// later ones are given before the layers that added them.
async fn a_kept_page_is_sent_with_the_headers_of_its_first_answer(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    for path in [story.as_str(), "/", "/feed/"] {
        let first = site.get_raw(path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(first.header("x-newsdesk-cache"), "miss", "{path}");
        for coding in ["gzip", "br", "identity", "gzip, br"] {
            let again = site.get_raw(path, &[("accept-encoding", coding)]).await;
            assert_eq!(again.header("x-newsdesk-cache"), "hit", "{path} {coding}");
            assert_eq!(
                shared_headers(&again),
                shared_headers(&first),
                "{path} {coding}"
            );
        }
    }
    let hit = site.get_raw(&story, &[]).await;
    for name in [
        "content-security-policy",
        "permissions-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
        "surrogate-key",
        "cache-control",
        "vary",
        "link",
    ] {
        assert_ne!(hit.header(name), "", "{name}");
    }
    // One `Vary`, naming the coding once.
    let vary: Vec<_> = hit.headers.get_all("vary").iter().collect();
    assert_eq!(vary.len(), 1, "{vary:?}");
    assert_eq!(vary[0], "Accept-Encoding");
    // Its `304` too comes from the kept page, with its policy.
    let tag = hit.header("etag").to_owned();
    let known = site.get_raw(&story, &[("if-none-match", &tag)]).await;
    assert_eq!(
        (known.status, known.header("x-newsdesk-cache")),
        (StatusCode::NOT_MODIFIED, "hit")
    );
    assert!(known.body.is_empty());
    assert_eq!(known.header("etag"), tag);
    // Given before the other layers: one made the whole way has no content type, so no policy.
    assert_eq!(
        known.header("content-security-policy"),
        hit.header("content-security-policy")
    );
}

async fn concurrent_misses_render_a_page_once(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (app, path) = (site.app.clone(), story.clone());
        readers.spawn(async move {
            let page = get_on(&app, &path).await;
            assert_eq!(page.status, StatusCode::OK);
            cache(&page).to_owned()
        });
    }
    let mut misses = 0;
    while let Some(seen) = readers.join_next().await {
        if seen.unwrap() == "miss" {
            misses += 1;
        }
    }
    assert_eq!(
        misses, 1,
        "one reader renders, the others wait for its page"
    );
}

async fn without_the_page_cache_every_request_renders(site: TestSite) {
    // `serve --no-page-cache`
    let uncached = uncached_app(&site);
    for _ in 0..2 {
        let page = get_on(&uncached, "/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(cache(&page), "none");
    }
    let story = site.url_of(REFERENCE).await;
    let story = story.trim_start_matches(crate::support::ORIGIN);
    assert_eq!(
        get_on(&uncached, story).await.texts("h1#story-title"),
        [REFERENCE]
    );
    // The story's own page is read for every request: a change is seen at once, even one made
    // behind the application's back (the lists around it are kept, see the next test).
    site.raw_execute(&format!(
        "UPDATE articles SET title = 'Seen at once' WHERE title = '{}'",
        REFERENCE.replace('\'', "''")
    ))
    .await;
    assert_eq!(
        get_on(&uncached, story).await.texts("h1#story-title"),
        ["Seen at once"]
    );
    // Once the store is told of a change (as a command's or another node's writes are
    // announced), the front page shows it too.
    site.store.touch();
    assert!(get_on(&uncached, "/").await.body.contains("Seen at once"));
}

/// Without the page cache, the front page's lists and each archive page's stories are kept
/// between requests: a change made behind the application's back is not seen until a content
/// write names what they show (here an editor's edit of a listed story), and a published story
/// dated ahead joins them when its time comes, with no write at all.
async fn lists_are_kept_until_a_write_or_a_story_comes_due(site: TestSite) {
    let ed_id = site.add_staff("ed", Role::Editor).await;
    let editor = site.sign_in(ed_id, "ed").await;
    let uncached = uncached_app(&site);
    let lists_story = |p: &Page, title: &str| p.texts(".card__title").iter().any(|t| t == title);
    let id = site.story_id(REFERENCE).await;
    let (section, section_id) = section_of(&site, id).await;
    let lists = ["/", section.as_str()];
    for path in lists {
        let page = get_on(&uncached, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(lists_story(&page, REFERENCE), "{path} lists the story");
    }

    // Behind the application's back: the kept lists do not know.
    site.raw_execute(&format!(
        "UPDATE articles SET title = 'Changed behind its back' WHERE id = {id}"
    ))
    .await;
    for path in lists {
        let page = get_on(&uncached, path).await;
        assert!(lists_story(&page, REFERENCE), "{path} is kept");
        assert!(!lists_story(&page, "Changed behind its back"), "{path}");
    }

    // An editor's edit names the story: both lists are made again.
    retitle_as_editor(&site, &editor, id, "Harbour story, corrected").await;
    for path in lists {
        let page = get_on(&uncached, path).await;
        assert!(lists_story(&page, "Harbour story, corrected"), "{path}");
        assert!(!lists_story(&page, REFERENCE), "{path}");
    }

    // A published story dated ten seconds ahead (as a node with a fast clock dates it): not
    // listed before its time, listed from then on without any further write.
    let due = date_a_story_ahead(&site, section_id, id).await;
    let mut checked_before = 0;
    for path in lists {
        let page = get_on(&uncached, path).await;
        // Only a page asked for and answered before the story's time says it is not listed.
        if Utc::now() < due {
            assert!(!lists_story(&page, COMES_DUE), "{path}");
            checked_before += 1;
        }
    }
    skipped_in_part(checked_before, lists.len());
    for path in lists {
        wait_until_listed(path, || get_on(&uncached, path)).await;
    }
}

/// The address and id of a story's first section, under its parent if it has one.
async fn section_of(site: &TestSite, id: i64) -> (String, i64) {
    let (path, section_id) = site
        .raw_pairs(&format!(
            "SELECT COALESCE(p.slug || '/', '') || c.slug, c.id FROM categories c \
             JOIN article_categories ac ON ac.category_id = c.id \
             LEFT JOIN categories p ON p.id = c.parent_id \
             WHERE ac.article_id = {id} ORDER BY c.id LIMIT 1"
        ))
        .await
        .remove(0);
    (format!("/category/{path}/"), section_id)
}

/// The title [`date_a_story_ahead`] gives the story it dates ahead.
const COMES_DUE: &str = "Comes due on its own";

/// Dates a published story of the section (other than `except`) ten seconds ahead, behind the
/// application's back (as a node with a fast clock would date it), retitled [`COMES_DUE`],
/// and tells the store everything changed; returns its time.
async fn date_a_story_ahead(
    site: &TestSite,
    section_id: i64,
    except: i64,
) -> chrono::DateTime<Utc> {
    let due = chrono::SubsecRound::trunc_subsecs(Utc::now(), 0) + chrono::Duration::seconds(10);
    let other = site
        .raw_pairs(&format!(
            "SELECT a.title, a.id FROM articles a JOIN article_categories ac ON ac.article_id = a.id \
             WHERE ac.category_id = {section_id} \
             AND a.status = 'published' AND a.id <> {except} ORDER BY a.published_at LIMIT 1"
        ))
        .await
        .remove(0)
        .1;
    for table in [
        "articles",
        "article_categories",
        "article_tags",
        "article_authors",
    ] {
        let column = if table == "articles" {
            "id"
        } else {
            "article_id"
        };
        site.raw_execute(&format!(
            "UPDATE {table} SET published_at = '{}' WHERE {column} = {other}",
            due.to_rfc3339()
        ))
        .await;
    }
    site.raw_execute(&format!(
        "UPDATE articles SET title = '{COMES_DUE}' WHERE id = {other}"
    ))
    .await;
    site.store.touch();
    due
}

/// Says how many of the lists could not be looked at before the story came due (a machine
/// slower than ten seconds to get there).
fn skipped_in_part(checked_before: usize, of: usize) {
    if checked_before < of {
        eprintln!(
            "SKIPPED in part: the machine took ten seconds to get here, so {} of the lists were not looked at before the story came due",
            of - checked_before
        );
    }
}

/// Asks for `path` until it lists the story [`date_a_story_ahead`] dated, for a minute at most.
async fn wait_until_listed<F, Fut>(path: &str, get: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Page>,
{
    let started = Instant::now();
    loop {
        let page = get().await;
        if page.texts(".card__title").iter().any(|t| t == COMES_DUE) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{path} still does not list the story a minute after it came due"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// With the page cache, a published story dated ahead joins the kept front page and section
/// page at its time, with no write: the node takes a story coming due as a change of the lists.
async fn cached_pages_list_a_story_when_it_comes_due(site: TestSite) {
    let id = site.story_id(REFERENCE).await;
    let (section, section_id) = section_of(&site, id).await;
    let lists = ["/", section.as_str()];
    let due = date_a_story_ahead(&site, section_id, id).await;
    let mut checked_before = 0;
    for path in lists {
        let first = site.get(path).await;
        let again = site.get(path).await;
        if Utc::now() < due {
            assert_eq!(again.status, StatusCode::OK, "{path}");
            // The page is kept without the story: only its time can bring it in.
            assert_eq!(cache(&again), "hit", "{path}");
            for page in [&first, &again] {
                assert!(
                    !page.texts(".card__title").iter().any(|t| t == COMES_DUE),
                    "{path} lists the story before its time"
                );
            }
            checked_before += 1;
        }
    }
    skipped_in_part(checked_before, lists.len());
    for path in lists {
        wait_until_listed(path, || site.get(path)).await;
    }
}

/// Without the page cache, a story's related block (Read also and Related Posts) is kept
/// between requests and made again when a content write names what it shows: here an edit of
/// a story it lists. A change made behind the application's back is not seen until the next
/// content write, as with the page cache.
async fn related_blocks_are_kept_until_a_write_changes_them(site: TestSite) {
    let ed_id = site.add_staff("ed", Role::Editor).await;
    let editor = site.sign_in(ed_id, "ed").await;
    let uncached = uncached_app(&site);
    let story_path = site
        .url_of(REFERENCE)
        .await
        .trim_start_matches(crate::support::ORIGIN)
        .to_owned();
    let block = |p: &Page| {
        let mut titles = p.texts(".read-also__story a");
        titles.extend(p.texts(".related .card__title"));
        titles
    };
    let first = get_on(&uncached, &story_path).await;
    assert_eq!(cache(&first), "none");
    let shown = block(&first);
    assert_eq!(shown.len(), 5, "read also and four related stories");
    let listed = first.attrs(".related .card__title a", "href");
    let related = site.story_at(&listed[0]).await;
    assert_eq!(related.title, shown[1]);

    // Behind the application's back: the kept block does not know.
    site.raw_execute(&format!(
        "UPDATE articles SET title = 'Changed behind its back' WHERE id = {}",
        related.id
    ))
    .await;
    let page = get_on(&uncached, &story_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(block(&page), shown);

    // The editor's preview of the story with an unsaved headline ranks its own block; readers
    // keep the one made from the saved story.
    let reference = site.story_at(&story_path).await;
    let preview = site
        .admin_post(
            &editor,
            &format!("/admin/stories/{}/preview", reference.id),
            &[
                ("title", "Harbour cranes and fishing quotas"),
                ("body", "<p>Unsaved text.</p>"),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(block(&get_on(&uncached, &story_path).await), shown);

    // An editor's edit of the listed story names it: the block is made again.
    let retitled = format!("{}, updated", related.title);
    retitle_as_editor(&site, &editor, related.id, &retitled).await;
    let after = block(&get_on(&uncached, &story_path).await);
    assert!(
        after.contains(&retitled),
        "{retitled:?} in {after:?}, before: {shown:?}"
    );
    assert!(!after.contains(&shown[1]), "{after:?}");
}

/// Readers missing the same kept part at once (the front page's lists after a publish) wait for
/// the one making it, and all get what it made: it is made once per change, not once per
/// reader.
async fn readers_missing_a_kept_part_at_once_wait_for_one_to_make_it(site: TestSite) {
    use newsdesk::web::site::kept::{Kept, Made};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let state = newsdesk::AppState::new(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
    );
    let kept: Arc<Kept<&'static str, usize>> = Arc::new(Kept::new(8, Duration::from_secs(60)));
    let made = Arc::new(AtomicUsize::new(0));
    for round in 1..=2 {
        let since = site.store.fresh_generation().await;
        let mut readers = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (state, kept, made) = (state.clone(), kept.clone(), made.clone());
            readers.spawn(async move {
                let part = kept
                    .get(
                        &state,
                        "front",
                        since,
                        |_| true,
                        |_| async move {
                            let n = made.fetch_add(1, Ordering::SeqCst) + 1;
                            // Long enough that every reader arrives while it is being made.
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            Ok(Made {
                                value: n,
                                keys: vec![newsdesk::store::purge::LISTS.to_owned()],
                                keep: true,
                                until: None,
                            })
                        },
                    )
                    .await
                    .unwrap();
                **part
            });
        }
        while let Some(seen) = readers.join_next().await {
            assert_eq!(seen.unwrap(), round, "every reader gets the one part made");
        }
        assert_eq!(
            made.load(Ordering::SeqCst),
            round,
            "made once in round {round}"
        );
        // A change the store is told of: the next readers make it again, once.
        site.store.touch();
    }
}

/// Readers asking for a page while it renders again after an edit get the page as it was at
/// once (`X-Newsdesk-Cache: stale`) instead of waiting; one request renders; afterwards
/// everyone gets the new page.
async fn a_purged_page_is_served_stale_while_one_request_renders_it(site: TestSite) {
    let ed_id = site.add_staff("ed", Role::Editor).await;
    let editor = site.sign_in(ed_id, "ed").await;
    let story_path = site
        .url_of(REFERENCE)
        .await
        .trim_start_matches(crate::support::ORIGIN)
        .to_owned();
    let id = site.story_id(REFERENCE).await;
    let mut stale_seen = 0;
    let mut before = REFERENCE.to_owned();
    for round in 1..=20 {
        site.get(&story_path).await;
        assert_eq!(cache(&site.get(&story_path).await), "hit");
        // An editor's edit names the story: its page is purged.
        let title = format!("{REFERENCE}, round {round}");
        retitle_as_editor(&site, &editor, id, &title).await;

        let mut readers = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (app, path) = (site.app.clone(), story_path.clone());
            readers.spawn(async move { get_on(&app, &path).await });
        }
        let mut misses = 0;
        while let Some(page) = readers.join_next().await {
            let page = page.unwrap();
            assert_eq!(page.status, StatusCode::OK);
            let h1 = page.texts("h1#story-title");
            match cache(&page) {
                "miss" => {
                    misses += 1;
                    assert_eq!(h1, [title.as_str()]);
                }
                "hit" => assert_eq!(h1, [title.as_str()]),
                "stale" => {
                    stale_seen += 1;
                    assert_eq!(h1, [before.as_str()], "the page as it was");
                }
                other => panic!("unexpected X-Newsdesk-Cache {other:?}"),
            }
        }
        assert_eq!(misses, 1, "one request renders the edited page");
        let after = site.get(&story_path).await;
        assert_eq!(cache(&after), "hit");
        assert_eq!(after.texts("h1#story-title"), [title.as_str()]);
        before = title;
        if stale_seen > 0 {
            break;
        }
    }
    assert!(
        stale_seen > 0,
        "in 20 rounds of 16 readers at once, nobody got the page while it rendered"
    );
}
