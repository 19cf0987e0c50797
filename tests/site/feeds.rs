//! Feeds: RSS 2.0, Atom and JSON Feed for the site, sections, tags, authors and story comments.

use axum::http::{StatusCode, header};
use chrono::{Duration, Utc};
use newsdesk::actions::articles;
use newsdesk::domain::article::Status;

use crate::store::article;
use crate::support::{Page, TestSite};

on_both_backends!(demo:
    every_subject_has_three_formats,
    feeds_show_only_what_the_public_site_shows,
    comment_feeds_never_carry_emails,
    conditional_get_answers_not_modified,
    ids_survive_edits_and_dates_carry_the_time_zone,
    excerpt_setting_and_wordpress_addresses,
    feed_snapshots,
    the_rss_channel_image_is_within_rss_limits,
);

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

fn xml(page: &Page) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(&page.body)
        .unwrap_or_else(|e| panic!("not well-formed XML ({e}):\n{}", page.body))
}

/// `(guid/id, link, title)` of every RSS item.
fn rss_items(page: &Page) -> Vec<(String, String, String)> {
    let doc = xml(page);
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            let child = |name: &str| {
                item.children()
                    .find(|c| c.has_tag_name(name))
                    .and_then(|c| c.text())
                    .unwrap_or_default()
                    .to_owned()
            };
            (child("guid"), child("link"), child("title"))
        })
        .collect()
}

async fn every_subject_has_three_formats(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    for base in [
        "/".to_owned(),
        "/category/world/".to_owned(),
        "/category/world/asia/".to_owned(),
        "/tag/space/".to_owned(),
        "/author/newsroom-desk/".to_owned(),
        story.clone(),
    ] {
        let rss = site.get(&format!("{base}feed/")).await;
        assert_eq!(rss.status, StatusCode::OK, "{base}feed/");
        assert_eq!(
            rss.headers[header::CONTENT_TYPE],
            "application/rss+xml; charset=utf-8"
        );
        let doc = xml(&rss);
        assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
        let items = rss_items(&rss);
        assert!(!items.is_empty(), "{base}feed/ is empty");
        for (guid, link, title) in &items {
            assert!(guid.starts_with("http://localhost/?p="), "{guid}");
            assert!(link.starts_with("http://localhost/"), "{link}");
            assert!(!title.is_empty());
        }
        let atom = site.get(&format!("{base}feed/atom/")).await;
        assert_eq!(
            atom.headers[header::CONTENT_TYPE],
            "application/atom+xml; charset=utf-8"
        );
        let doc = xml(&atom);
        assert_eq!(
            doc.root_element().tag_name().namespace(),
            Some("http://www.w3.org/2005/Atom")
        );
        let entries = doc
            .descendants()
            .filter(|n| n.has_tag_name("entry"))
            .count();
        assert_eq!(entries, items.len(), "{base}feed/atom/");

        let json = site.get(&format!("{base}feed/json/")).await;
        assert_eq!(
            json.headers[header::CONTENT_TYPE],
            "application/feed+json; charset=utf-8"
        );
        let feed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(
            feed["feed_url"],
            format!("http://localhost{base}feed/json/")
        );
        assert_eq!(feed["items"].as_array().unwrap().len(), items.len());

        // Every page announces the site's feeds and its own.
        let html = site.get(&base).await;
        let announced = html.attrs("link[rel=alternate]", "href");
        assert!(
            announced.contains(&"http://localhost/feed/".to_owned()),
            "{base}"
        );
        assert!(
            announced.contains(&format!("http://localhost{base}feed/atom/")),
            "{base}: {announced:?}"
        );
    }
    // A section's feed includes its sub-sections' stories; a wrong section path is not a feed.
    let world = rss_items(&site.get("/category/world/feed/").await);
    assert!(world.iter().any(|(_, _, t)| t.contains("Putin meets")));
    assert_eq!(
        site.get("/category/asia/feed/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(site.get("/feed/xml/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        site.get("/tag/no-such-tag/feed/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn feeds_show_only_what_the_public_site_shows(site: TestSite) {
    let author = site.desk().await;
    let now = Utc::now();
    for (title, status, at) in [
        ("A draft nobody may read", Status::Draft, None),
        (
            "A private memo",
            Status::Private,
            Some(now - Duration::hours(1)),
        ),
        (
            "Tomorrow's embargoed scoop",
            Status::Published,
            Some(now + Duration::days(1)),
        ),
        (
            "A story in the bin",
            Status::Trash,
            Some(now - Duration::hours(1)),
        ),
    ] {
        articles::create(
            &site.store,
            newsdesk::actions::Actor::Operator,
            &article(title, vec![author], vec![], status, at),
            now,
        )
        .await
        .unwrap();
    }
    for path in [
        "/feed/",
        "/feed/atom/",
        "/feed/json/",
        "/author/newsroom-desk/feed/",
        "/author/newsroom-desk/feed/json/",
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        for hidden in [
            "draft nobody",
            "private memo",
            "embargoed scoop",
            "in the bin",
        ] {
            assert!(!page.body.contains(hidden), "{path} shows {hidden:?}");
        }
    }
    // The feed holds `feed_items` stories, newest first.
    site.settings(&[("feed_items", "3")]).await;
    let items = rss_items(&site.get("/feed/").await);
    assert_eq!(items.len(), 3);
    let home = site.get("/").await;
    let lead_and_latest = home.attrs(".lead a[href], .latest a[href]", "href");
    assert!(
        lead_and_latest
            .iter()
            .any(|u| format!("http://localhost{u}") == items[0].1),
        "newest story {} is not on the front page",
        items[0].1
    );
}

async fn comment_feeds_never_carry_emails(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    for format in ["", "atom/", "json/"] {
        let page = site.get(&format!("{story}feed/{format}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Mira K."), "{format}");
        assert!(page.body.contains("Tomasz"), "{format}");
        assert!(
            !page.body.contains('@'),
            "an email address in the {format} comments feed"
        );
        // Comments awaiting moderation are not published anywhere.
        assert!(!page.body.contains("awaiting moderation"), "{format}");
    }
    let items = rss_items(&site.get(&format!("{story}feed/")).await);
    assert_eq!(items.len(), 2);
    assert!(items[0].1.contains("#comment-"));
    assert_eq!(items[0].2, "By: Tomasz");
    // A story that is not public has no comments feed.
    assert_eq!(
        site.get("/2020/01/01/no-such-story/feed/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn conditional_get_answers_not_modified(site: TestSite) {
    let first = site.get("/feed/").await;
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"'));
    let again = site
        .get_with_headers("/feed/", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.headers[header::ETAG], etag.as_str());
    // No `Last-Modified`: taking the newest story down would move it backwards.
    assert!(first.headers.get(header::LAST_MODIFIED).is_none());
    // A new story changes the feed: the old tag no longer matches.
    let author = site.desk().await;
    // A second ago: the site counts in whole seconds.
    let now = Utc::now() - Duration::seconds(1);
    let (id, _) = articles::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &article(
            "Breaking: a brand new story",
            vec![author],
            vec![],
            Status::Published,
            Some(now),
        ),
        now,
    )
    .await
    .unwrap();
    let changed = site
        .get_with_headers("/feed/", &[("if-none-match", &etag)])
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.body.contains("Breaking: a brand new story"));
    // Taking it down changes the feed again: readers holding the newer version get it back
    // without the story.
    let newer = changed.headers[header::ETAG].to_str().unwrap().to_owned();
    let editor = site
        .staff_member(
            "deskeditor",
            "Desk Editor",
            newsdesk::domain::user::Role::Editor,
        )
        .await;
    newsdesk::actions::stories::bulk(
        &site.store,
        &editor,
        &[id],
        newsdesk::actions::stories::Intent::Unpublish,
        Utc::now(),
    )
    .await
    .unwrap();
    let retracted = site
        .get_with_headers("/feed/", &[("if-none-match", &newer)])
        .await;
    assert_eq!(retracted.status, StatusCode::OK);
    assert!(!retracted.body.contains("Breaking: a brand new story"));
    // Pages get tags too.
    let home = site.get("/").await;
    let tag = home.headers[header::ETAG].to_str().unwrap().to_owned();
    let home2 = site.get_with_headers("/", &[("if-none-match", &tag)]).await;
    assert_eq!(home2.status, StatusCode::NOT_MODIFIED);
}

async fn ids_survive_edits_and_dates_carry_the_time_zone(site: TestSite) {
    let before = rss_items(&site.get("/feed/").await);
    let (guid, _, title) = before
        .iter()
        .find(|(_, _, t)| t.contains("Putin"))
        .unwrap()
        .clone();
    site.retitle(&title, "Putin and Kim tour the cosmodrome")
        .await;
    let after = rss_items(&site.get("/feed/").await);
    let edited = after
        .iter()
        .find(|(g, _, _)| *g == guid)
        .expect("same id after the edit");
    assert_eq!(edited.2, "Putin and Kim tour the cosmodrome");

    site.settings(&[("timezone", "Asia/Tokyo")]).await;
    let rss = site.get("/feed/").await;
    let doc = xml(&rss);
    let dates: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("pubDate") || n.has_tag_name("lastBuildDate"))
        .filter_map(|n| n.text())
        .collect();
    assert!(!dates.is_empty());
    for d in &dates {
        assert!(d.ends_with("+0900"), "{d}");
        chrono::DateTime::parse_from_rfc2822(d).unwrap();
    }
    let atom = site.get("/feed/atom/").await;
    for n in xml(&atom)
        .descendants()
        .filter(|n| n.has_tag_name("updated"))
    {
        let t = n.text().unwrap();
        assert!(t.ends_with("+09:00"), "{t}");
    }
}

async fn excerpt_setting_and_wordpress_addresses(site: TestSite) {
    let full = site.get("/feed/").await;
    assert!(full.body.contains("<content:encoded>"));
    site.settings(&[("feed_content", "excerpt")]).await;
    let short = site.get("/feed/").await;
    assert!(!short.body.contains("<content:encoded>"));
    assert!(short.body.contains("<description>"));
    let json: serde_json::Value =
        serde_json::from_str(&site.get("/feed/json/").await.body).unwrap();
    assert!(json["items"][0]["content_text"].is_string());
    assert!(json["items"][0].get("content_html").is_none());

    for (from, to) in [
        ("/feed/rss2/", "/feed/"),
        ("/feed/rdf/", "/feed/"),
        ("/tag/space/feed/rss2/", "/tag/space/feed/"),
        ("/?feed=rss2", "/feed/"),
        ("/?feed=atom", "/feed/atom/"),
        ("/feed", "/feed/"),
    ] {
        let r = site.get(from).await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::PERMANENT_REDIRECT, to),
            "{from}"
        );
    }
}

async fn feed_snapshots(site: TestSite) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", "[DATE]");
    settings.add_filter(
        r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}",
        "[DATE]",
    );
    settings.add_filter(r"/\d{4}/\d\d/\d\d/", "/[Y]/[M]/[D]/");
    settings.add_filter(r"\?p=\d+", "?p=[ID]");
    settings.add_filter(r"#comment-\d+", "#comment-[ID]");
    settings.add_filter(r"logo\.[0-9a-f]+\.png", "logo.[HASH].png");
    settings.set_prepend_module_to_snapshot(false);
    let story = site.url_of(REFERENCE).await;
    settings
        .bind_async(async {
            insta::assert_snapshot!(
                "tag_feed_rss",
                site.get("/tag/north-korea/feed/").await.body
            );
            insta::assert_snapshot!(
                "tag_feed_atom",
                site.get("/tag/north-korea/feed/atom/").await.body
            );
            insta::assert_snapshot!(
                "tag_feed_json",
                site.get("/tag/north-korea/feed/json/").await.body
            );
            insta::assert_snapshot!(
                "comments_feed_rss",
                site.get(&format!("{story}feed/")).await.body
            );
        })
        .await;
}

async fn the_rss_channel_image_is_within_rss_limits(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    for path in [
        "/feed/".to_owned(),
        "/tag/space/feed/".to_owned(),
        format!("{story}feed/"),
    ] {
        let rss = site.get(&path).await;
        let doc = xml(&rss);
        let image = doc
            .descendants()
            .find(|n| n.has_tag_name("image"))
            .unwrap_or_else(|| panic!("{path} has no <image>"));
        let child = |name: &str| {
            image
                .children()
                .find(|c| c.has_tag_name(name))
                .and_then(|c| c.text())
                .unwrap_or_else(|| panic!("{path}: <image> has no <{name}>"))
                .to_owned()
        };
        let (width, height): (u32, u32) = (
            child("width").parse().unwrap(),
            child("height").parse().unwrap(),
        );
        assert!(width <= 144 && height <= 400, "{path}: {width}×{height}");
        assert_eq!(
            child("link"),
            "http://localhost".to_owned()
                + if path.starts_with("/tag") {
                    "/tag/space/"
                } else if path == "/feed/" {
                    "/"
                } else {
                    &story
                }
        );
        // The declared size is the picture's.
        let url = child("url");
        let file = site
            .get_raw(url.strip_prefix("http://localhost").unwrap(), &[])
            .await;
        assert_eq!(file.header("content-type"), "image/png");
        let picture = image::load_from_memory(&file.body).unwrap();
        assert_eq!(
            (picture.width(), picture.height()),
            (width, height),
            "{path}"
        );
    }
    // Atom and JSON Feed keep the full-size square logo as their icon.
    let atom = site.get("/feed/atom/").await.body;
    assert!(
        regex::Regex::new(r"<icon>http://localhost/static/logo\.[0-9a-f]+\.png</icon>")
            .unwrap()
            .is_match(&atom),
        "{atom}"
    );
}
