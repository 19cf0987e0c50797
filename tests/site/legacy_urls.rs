//! Old WordPress addresses after an import: every recorded old address, and WordPress's query
//! links on `/`, answer 301 with the new home; gone targets, unknown addresses and current
//! logins are 404s; a live address always wins. (Protected stories: `protected_posts.rs`.)

use axum::http::StatusCode;
use newsdesk::domain::legacy::{LegacyTarget, WordpressKind};
use newsdesk::store::Store;

use crate::support::{Page, TestSite};

on_both_backends!(demo:
    recorded_old_addresses_answer_301_in_any_spelling,
    old_feeds_lead_to_the_new_feeds,
    wordpress_query_links_on_the_home_page,
    gone_targets_unknown_addresses_and_live_pages,
    old_author_addresses_never_reveal_logins,
    recording_again_replaces_what_was_recorded,
);

/// Records an old address as the importer does.
pub(crate) async fn record(site: &TestSite, path: &str, kind: LegacyTarget, id: i64) {
    let mut tx = site.store.begin().await.unwrap();
    assert!(
        Store::put_legacy_url(&mut tx, path, kind, id)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
}

/// Records where an imported WordPress object went, as the importer does.
async fn record_id(site: &TestSite, kind: WordpressKind, wp_id: i64, local_id: i64) {
    let mut tx = site.store.begin().await.unwrap();
    Store::put_wordpress_id(&mut tx, kind, wp_id, local_id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The `n`th published demo story: its id, address and headline.
pub(crate) async fn story(site: &TestSite, n: usize) -> (i64, String, String) {
    let ids = site
        .raw_pairs("SELECT slug, id FROM articles WHERE status = 'published' ORDER BY id")
        .await;
    let s = site.store.story(ids[n].1).await.unwrap().unwrap();
    let url =
        newsdesk::domain::article::article_path(s.published_at.unwrap(), &s.slug, chrono_tz::UTC);
    (s.id, url, s.title)
}

async fn id_of(site: &TestSite, table: &str, slug: &str) -> i64 {
    site.raw_pairs(&format!(
        "SELECT slug, id FROM {table} WHERE slug = '{slug}'"
    ))
    .await[0]
        .1
}

/// Where a 301 leads.
#[track_caller]
fn moved(page: &Page) -> &str {
    assert_eq!(
        page.status,
        StatusCode::MOVED_PERMANENTLY,
        "to {:?}: {}",
        page.location(),
        page.body
    );
    page.location()
}

async fn recorded_old_addresses_answer_301_in_any_spelling(site: TestSite) {
    let (id, url, title) = story(&site, 0).await;
    // The export's absolute links, whatever the old permalink structure.
    for old in [
        "https://old.example/2019/05/council-votes/",
        "https://old.example/archives/123",
        "https://old.example/news/politics/council-votes/",
        "https://old.example/2019/05/%C3%A9t%C3%A9-en-ville/",
    ] {
        record(&site, old, LegacyTarget::Story, id).await;
    }
    for (asked, why) in [
        ("/2019/05/council-votes/", "as exported"),
        ("/2019/05/council-votes", "without the trailing slash"),
        ("/2019/05/Council-Votes/", "in another case"),
        ("/archives/123", "by id, without a slash"),
        ("/archives/123/", "by id"),
        ("/news/politics/council-votes/", "under a category"),
        ("/2019/05/été-en-ville/", "decoded"),
        ("/2019/05/%C3%A9t%C3%A9-en-ville", "percent-encoded"),
        (
            "/2019/05/%c3%a9t%c3%a9-en-ville/",
            "percent-encoded in lower case",
        ),
        (
            "/2019/05/council-votes/?utm_source=newsletter",
            "with tracking",
        ),
    ] {
        let res = site.get(asked).await;
        assert_eq!(moved(&res), url, "{asked} ({why})");
    }
    // The reader lands on the story in one hop.
    let landed = site.get(&url).await;
    assert_eq!(landed.status, StatusCode::OK);
    assert_eq!(landed.texts("h1.story-title"), vec![title]);

    // Pages, sections (with their parents), tags, authors and images.
    let about = id_of(&site, "pages", "about").await;
    let asia = id_of(&site, "categories", "asia").await;
    let tag = site.add_tag("old-tag-now", "Old tag now").await;
    let author = id_of(&site, "users", "helena-varga").await;
    let image = crate::protected_posts::upload_image(&site).await;
    record(&site, "/about-us/", LegacyTarget::Page, about).await;
    record(
        &site,
        "/category/news/far-east/",
        LegacyTarget::Section,
        asia,
    )
    .await;
    record(&site, "/tag/old-tag/", LegacyTarget::Tag, tag).await;
    record(&site, "/author/helena/", LegacyTarget::Author, author).await;
    record(
        &site,
        "/wp-content/uploads/2019/05/harbour.png",
        LegacyTarget::Media,
        image.0,
    )
    .await;
    record(
        &site,
        "/2019/05/council-votes/harbour/",
        LegacyTarget::Media,
        image.0,
    )
    .await;
    for (asked, to) in [
        ("/about-us/", "/about/".to_owned()),
        (
            "/category/news/far-east/",
            "/category/world/asia/".to_owned(),
        ),
        ("/tag/old-tag/", "/tag/old-tag-now/".to_owned()),
        ("/author/helena/", "/author/helena-varga/".to_owned()),
        ("/wp-content/uploads/2019/05/harbour.png", image.1.clone()),
        ("/2019/05/council-votes/harbour/", image.1.clone()),
    ] {
        assert_eq!(moved(&site.get(asked).await), to, "{asked}");
        let landed = site.get_raw(&to, &[]).await;
        assert_eq!(landed.status, StatusCode::OK, "{to}");
    }
}

async fn old_feeds_lead_to_the_new_feeds(site: TestSite) {
    let (id, url, _) = story(&site, 1).await;
    let asia = id_of(&site, "categories", "asia").await;
    let about = id_of(&site, "pages", "about").await;
    record(&site, "/2018/01/old-story/", LegacyTarget::Story, id).await;
    record(
        &site,
        "/category/news/far-east/",
        LegacyTarget::Section,
        asia,
    )
    .await;
    record(&site, "/about-us/", LegacyTarget::Page, about).await;
    for (asked, to) in [
        ("/2018/01/old-story/feed/", format!("{url}feed/")),
        ("/2018/01/old-story/feed/atom/", format!("{url}feed/atom/")),
        ("/2018/01/old-story/?feed=rss2", format!("{url}feed/")),
        (
            "/category/news/far-east/feed/",
            "/category/world/asia/feed/".into(),
        ),
        (
            "/category/news/far-east/feed/rss2/",
            "/category/world/asia/feed/".into(),
        ),
        (
            "/category/news/far-east/feed/atom/",
            "/category/world/asia/feed/atom/".into(),
        ),
        // Pages have no feed of their own: the old feed leads to the page.
        ("/about-us/feed/", "/about/".into()),
    ] {
        let res = site.get(asked).await;
        assert_eq!(moved(&res), to, "{asked}");
        assert_eq!(site.get(&to).await.status, StatusCode::OK, "{to}");
    }
    // The site's own feed address is live, and an unknown old feed is missing.
    assert_eq!(site.get("/feed/").await.status, StatusCode::OK);
    assert_eq!(
        site.get("/2018/01/never-was/feed/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn wordpress_query_links_on_the_home_page(site: TestSite) {
    let (id, url, _) = story(&site, 2).await;
    let about = id_of(&site, "pages", "about").await;
    let asia = id_of(&site, "categories", "asia").await;
    let author = id_of(&site, "users", "daniel-osei").await;
    let tag = site.add_tag("harbours", "Harbours").await;
    let image = crate::protected_posts::upload_image(&site).await;
    record_id(&site, WordpressKind::Post, 9001, id).await;
    record_id(&site, WordpressKind::Page, 9002, about).await;
    record_id(&site, WordpressKind::Category, 77, asia).await;
    record_id(&site, WordpressKind::User, 5, author).await;
    record_id(&site, WordpressKind::Attachment, 9003, image.0).await;
    assert_eq!(
        tag,
        site.store
            .tag_by_slug("harbours")
            .await
            .unwrap()
            .unwrap()
            .id
    );
    for (asked, to) in [
        ("/?p=9001", url.clone()),
        ("/?p=9001&feed=rss2", format!("{url}feed/")),
        ("/?page_id=9002", "/about/".to_owned()),
        // `?p=` names any kind of post in WordPress: pages and attachments too.
        ("/?p=9002", "/about/".to_owned()),
        ("/?p=9003", image.1.clone()),
        ("/?attachment_id=9003", image.1.clone()),
        ("/?cat=77", "/category/world/asia/".to_owned()),
        (
            "/?cat=77&feed=rss2",
            "/category/world/asia/feed/".to_owned(),
        ),
        ("/?tag=harbours", "/tag/harbours/".to_owned()),
        (
            "/?tag=Harbours&feed=atom",
            "/tag/harbours/feed/atom/".to_owned(),
        ),
        ("/?author=5", "/author/daniel-osei/".to_owned()),
        (
            "/?author=5&feed=rss2",
            "/author/daniel-osei/feed/".to_owned(),
        ),
    ] {
        assert_eq!(moved(&site.get(asked).await), to, "{asked}");
    }
    // Ids nobody recorded, and ids that are no numbers, are missing.
    for asked in [
        "/?p=424242",
        "/?author=6",
        "/?attachment_id=1",
        "/?tag=never",
        "/?cat=x",
    ] {
        assert_eq!(
            site.get(asked).await.status,
            StatusCode::NOT_FOUND,
            "{asked}"
        );
    }
    // `?author=` takes only imported ids: a local id tells nothing.
    assert_eq!(
        site.get(&format!("/?author={author}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Other queries keep showing the front page; `rest_route` is the REST API (`api.rs`).
    let home = site.get("/?utm_source=x").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("class=\"lead"), "not the front page");
    let api = site.get("/?rest_route=/wp/v2/posts").await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(api.body.starts_with('['), "not the API's list of posts");
}

async fn gone_targets_unknown_addresses_and_live_pages(site: TestSite) {
    let (id, _, _) = story(&site, 3).await;
    record(&site, "/2017/03/trashed-later/", LegacyTarget::Story, id).await;
    record(&site, "/2017/03/no-such-row/", LegacyTarget::Story, 999_999).await;
    record(&site, "/old-gone-page/", LegacyTarget::Page, 999_999).await;
    // A recorded address that is also a live one: the live page wins.
    let tag = site.add_tag("elsewhere", "Elsewhere").await;
    record(&site, "/category/world/", LegacyTarget::Tag, tag).await;
    let live = site.get("/category/world/").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.texts("h1"), vec!["World"]);

    // Trashed: the old address is a 404 page, not a redirect to one.
    site.raw_execute(&format!(
        "UPDATE articles SET status = 'trash' WHERE id = {id}"
    ))
    .await;
    site.store.touch();
    for asked in [
        "/2017/03/trashed-later/",
        "/2017/03/no-such-row/",
        "/old-gone-page/",
        "/2017/03/never-recorded/",
        "/never-recorded.html",
        "/?p=999999",
    ] {
        let res = site.get(asked).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{asked}");
        assert_eq!(res.location(), "", "{asked}");
        assert_eq!(res.texts("h1"), vec!["Page not found"], "{asked}");
    }
}

async fn old_author_addresses_never_reveal_logins(site: TestSite) {
    let helena = id_of(&site, "users", "helena-varga").await;
    record(&site, "/author/helena/", LegacyTarget::Author, helena).await;
    assert_eq!(
        moved(&site.get("/author/helena/").await),
        "/author/helena-varga/"
    );
    // `hvarga` is Helena's current login, recorded nowhere: the address answers exactly as
    // an address that names nobody, so logins cannot be told from it.
    let by_login = site.get("/author/hvarga/").await;
    let nobody = site.get("/author/zz-nobody/").await;
    assert_eq!(by_login.status, StatusCode::NOT_FOUND);
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    assert_eq!(by_login.location(), "");
    assert!(!by_login.body.contains("helena-varga"));
    // A disabled account's old address is missing too.
    site.raw_execute(&format!(
        "UPDATE users SET disabled = TRUE WHERE id = {helena}"
    ))
    .await;
    site.store.touch();
    assert_eq!(
        site.get("/author/helena/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn recording_again_replaces_what_was_recorded(site: TestSite) {
    let (first, _, _) = story(&site, 0).await;
    let (second, second_url, _) = story(&site, 1).await;
    record(&site, "/2019/05/moved/", LegacyTarget::Story, first).await;
    record(
        &site,
        "https://old.example/2019/05/Moved",
        LegacyTarget::Story,
        second,
    )
    .await;
    record_id(&site, WordpressKind::Post, 12, first).await;
    record_id(&site, WordpressKind::Post, 12, second).await;
    assert_eq!(moved(&site.get("/2019/05/moved/").await), second_url);
    assert_eq!(moved(&site.get("/?p=12").await), second_url);
    assert_eq!(
        site.raw_pairs("SELECT path, target_id FROM legacy_urls")
            .await,
        vec![("/2019/05/moved".to_owned(), second)]
    );
    // Text that is no address of a site is not recorded.
    let mut tx = site.store.begin().await.unwrap();
    assert!(
        !Store::put_legacy_url(&mut tx, "mailto:x@y", LegacyTarget::Story, first)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
}
