//! robots.txt, the sitemap index and its files, and the Google News sitemap.

use axum::http::{StatusCode, header};
use chrono::{Duration, Utc};
use newsdesk::actions::articles;
use newsdesk::domain::article::Status;

use crate::store::article;
use crate::support::{Backend, Page, TestSite};

on_both_backends!(demo:
    robots_announce_the_index_which_lists_every_file,
    story_sitemaps_list_exactly_the_public_stories,
    story_files_follow_id_ranges,
    archive_sitemaps_leave_out_thin_archives,
    news_sitemap_lists_the_last_two_days,
    sitemap_snapshots,
);

/// Every `<loc>` of a sitemap or index.
fn locs(page: &Page) -> Vec<String> {
    let doc = roxmltree::Document::parse(&page.body)
        .unwrap_or_else(|e| panic!("not well-formed XML ({e}):\n{}", page.body));
    doc.descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

fn path(url: &str) -> &str {
    url.strip_prefix("http://localhost")
        .expect("an address on this site")
}

async fn robots_announce_the_index_which_lists_every_file(site: TestSite) {
    let robots = site.get("/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert_eq!(
        robots.headers[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    assert!(
        robots
            .body
            .contains("Sitemap: http://localhost/sitemap.xml\n")
    );
    assert!(robots.body.contains("User-agent: *\n"));
    let index = site.get("/sitemap.xml").await;
    assert_eq!(
        index.headers[header::CONTENT_TYPE],
        "application/xml; charset=utf-8"
    );
    assert!(
        index
            .body
            .contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">")
    );
    let files = locs(&index);
    for name in [
        "/sitemaps/stories-1.xml",
        "/sitemaps/pages-1.xml",
        "/sitemaps/sections-1.xml",
        "/sitemaps/tags-1.xml",
        "/sitemaps/authors-1.xml",
        "/news-sitemap.xml",
    ] {
        assert!(
            files.contains(&format!("http://localhost{name}")),
            "{name} not in {files:?}"
        );
    }
    for f in &files {
        let page = site.get(path(f)).await;
        assert_eq!(page.status, StatusCode::OK, "{f}");
        let listed = locs(&page);
        assert!(!listed.is_empty(), "{f} lists nothing");
        for url in listed {
            assert_eq!(
                site.get(path(&url)).await.status,
                StatusCode::OK,
                "{url} in {f}"
            );
        }
    }
    // WordPress's and Yoast's index addresses lead here.
    for old in ["/wp-sitemap.xml", "/sitemap_index.xml"] {
        assert_eq!(site.get(old).await.location(), "/sitemap.xml");
    }
    for missing in [
        "/sitemaps/stories-0.xml",
        "/sitemaps/stories-9.xml",
        "/sitemaps/pages-2.xml",
        "/sitemaps/x.xml",
    ] {
        assert_eq!(
            site.get(missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

async fn story_sitemaps_list_exactly_the_public_stories(site: TestSite) {
    let author = site.desk().await;
    let now = Utc::now();
    for (title, status, at) in [
        ("Draft about the sitemap", Status::Draft, None),
        (
            "Scheduled about the sitemap",
            Status::Published,
            Some(now + Duration::hours(2)),
        ),
        (
            "Private about the sitemap",
            Status::Private,
            Some(now - Duration::hours(2)),
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
    let file = site.get("/sitemaps/stories-1.xml").await;
    let listed = locs(&file);
    assert_eq!(listed.len(), 42, "the demo's 42 stories");
    assert!(listed.iter().all(|u| !u.contains("about-the-sitemap")));
    let reference = site
        .url_of("Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome")
        .await;
    assert!(listed.contains(&format!("http://localhost{reference}")));
    assert_eq!(file.body.matches("<lastmod>").count(), 42);
    // A crawler re-reading an unchanged file gets 304 without the file being read.
    let etag = file.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = site
        .get_with_headers("/sitemaps/stories-1.xml", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // Publishing changes it.
    let at = Utc::now() - Duration::seconds(1);
    let (id, _) = articles::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &article(
            "Published about the sitemap",
            vec![author],
            vec![],
            Status::Published,
            Some(at),
        ),
        at,
    )
    .await
    .unwrap();
    let changed = site
        .get_with_headers("/sitemaps/stories-1.xml", &[("if-none-match", &etag)])
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(locs(&changed).len(), 43);
    // Taking it down changes it again (no `Last-Modified` that could move backwards).
    assert!(changed.headers.get(header::LAST_MODIFIED).is_none());
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
        newsdesk::actions::stories::Intent::Trash,
        Utc::now(),
    )
    .await
    .unwrap();
    let back = site
        .get_with_headers("/sitemaps/stories-1.xml", &[("if-none-match", &newer)])
        .await;
    assert_eq!(back.status, StatusCode::OK);
    assert_eq!(locs(&back).len(), 42);
    // One address per file.
    assert_eq!(
        site.get("/sitemaps/stories-01.xml").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn story_files_follow_id_ranges(site: TestSite) {
    // A story with a high id (as after a large import) lands in the file for its id range;
    // files between list nothing and are not announced.
    let author = site.desk().await;
    let at = Utc::now() - Duration::hours(1);
    site.skip_article_ids_to(120_001).await;
    let (id, _) = articles::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &article(
            "Far away in the archive",
            vec![author],
            vec![],
            Status::Published,
            Some(at),
        ),
        at,
    )
    .await
    .unwrap();
    assert_eq!(id, 120_001);
    let files = locs(&site.get("/sitemap.xml").await);
    assert!(files.contains(&"http://localhost/sitemaps/stories-1.xml".to_owned()));
    assert!(files.contains(&"http://localhost/sitemaps/stories-3.xml".to_owned()));
    assert!(!files.contains(&"http://localhost/sitemaps/stories-2.xml".to_owned()));
    assert_eq!(
        site.get("/sitemaps/stories-2.xml").await.status,
        StatusCode::NOT_FOUND
    );
    let third = locs(&site.get("/sitemaps/stories-3.xml").await);
    assert_eq!(third.len(), 1);
    assert!(third[0].contains("far-away-in-the-archive"));
    assert_eq!(locs(&site.get("/sitemaps/stories-1.xml").await).len(), 42);
}

async fn archive_sitemaps_leave_out_thin_archives(site: TestSite) {
    // A tag with a single story.
    let tag = site.add_tag("lonely", "Lonely").await;
    let author = site.desk().await;
    let at = Utc::now() - Duration::hours(1);
    let mut story = article(
        "The only lonely story",
        vec![author],
        vec![],
        Status::Published,
        Some(at),
    );
    story.tag_ids = vec![tag];
    articles::create(&site.store, newsdesk::actions::Actor::Operator, &story, at)
        .await
        .unwrap();
    let sections = locs(&site.get("/sitemaps/sections-1.xml").await);
    assert!(sections.contains(&"http://localhost/category/world/asia/".to_owned()));
    assert!(sections.contains(&"http://localhost/category/world/".to_owned()));
    // Every listed archive is indexable: no `noindex` on its page.
    let tags = locs(&site.get("/sitemaps/tags-1.xml").await);
    let authors = locs(&site.get("/sitemaps/authors-1.xml").await);
    assert!(authors.contains(&"http://localhost/author/newsroom-desk/".to_owned()));
    for url in sections.iter().chain(&tags).chain(&authors) {
        let page = site.get(path(url)).await;
        assert!(
            page.attrs("meta[name=robots]", "content").is_empty(),
            "{url} is noindex"
        );
    }
    // A tag with one story is thin: noindex, and not in the sitemap.
    let all_tags = site
        .raw_pairs(
            "SELECT t.slug, CAST(COUNT(a.id) AS BIGINT) FROM tags t \
             LEFT JOIN article_tags r ON r.tag_id = t.id \
             LEFT JOIN articles a ON a.id = r.article_id AND a.status = 'published' \
             GROUP BY t.slug",
        )
        .await;
    assert!(all_tags.contains(&("lonely".to_owned(), 1)));
    for (slug, count) in all_tags {
        let listed = tags.contains(&format!("http://localhost/tag/{slug}/"));
        assert_eq!(listed, count >= 2, "tag {slug} with {count} stories");
    }
}

async fn news_sitemap_lists_the_last_two_days(site: TestSite) {
    let news = site.get("/news-sitemap.xml").await;
    assert_eq!(news.status, StatusCode::OK);
    let doc = roxmltree::Document::parse(&news.body).unwrap();
    let ns = "http://www.google.com/schemas/sitemap-news/0.9";
    let urls: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("url"))
        .collect();
    assert!(!urls.is_empty());
    let cutoff = Utc::now() - Duration::hours(48);
    for u in &urls {
        let get = |name: &str| {
            u.descendants()
                .find(|n| n.tag_name().name() == name && n.tag_name().namespace() == Some(ns))
                .and_then(|n| n.text())
                .unwrap_or_else(|| panic!("no news:{name}"))
                .to_owned()
        };
        assert_eq!(get("name"), "Newsdesk Daily");
        assert_eq!(get("language"), "en");
        assert!(!get("title").is_empty());
        let at = chrono::DateTime::parse_from_rfc3339(&get("publication_date")).unwrap();
        assert!(at.to_utc() >= cutoff, "{at} is older than two days");
    }
    // The demo spreads its stories over more than two days: older ones are left out.
    let all = locs(&site.get("/sitemaps/stories-1.xml").await).len();
    assert!(urls.len() < all, "{} of {all}", urls.len());
}

async fn sitemap_snapshots(site: TestSite) {
    if site.backend == Backend::Postgres {
        // The same sitemaps on both backends, dates included (compared in UTC): two demos made
        // at the same instant, one on each.
        let at = Utc::now() - Duration::hours(3);
        let postgres = TestSite::demo_at(Backend::Postgres, at).await.unwrap();
        let sqlite = TestSite::demo_at(Backend::Sqlite, at).await.unwrap();
        for p in [
            "/sitemap.xml",
            "/sitemaps/stories-1.xml",
            "/sitemaps/sections-1.xml",
            "/sitemaps/tags-1.xml",
            "/sitemaps/authors-1.xml",
            "/news-sitemap.xml",
        ] {
            let (pg, lite) = (postgres.get(p).await, sqlite.get(p).await);
            assert_eq!(pg.status, StatusCode::OK, "{p}");
            assert_eq!(in_utc(&pg.body), in_utc(&lite.body), "{p}");
        }
        return;
    }
    insta::assert_snapshot!(
        "sitemap_index",
        redact(&site.get("/sitemap.xml").await.body)
    );
    insta::assert_snapshot!(
        "sitemap_sections",
        redact(&site.get("/sitemaps/sections-1.xml").await.body)
    );
    insta::assert_snapshot!("robots_txt", site.get("/robots.txt").await.body);
}

/// The sitemap with every W3C date-time written in UTC, so the same instant reads the same
/// whatever offset a backend returned it with.
fn in_utc(xml: &str) -> String {
    let re =
        regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)").unwrap();
    let dates = re.find_iter(xml).count();
    assert!(
        dates > 0 || !xml.contains("<lastmod>"),
        "no dates read in {xml}"
    );
    re.replace_all(xml, |c: &regex::Captures| {
        chrono::DateTime::parse_from_rfc3339(&c[0])
            .unwrap()
            .to_utc()
            .to_rfc3339()
    })
    .into_owned()
}

fn redact(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<lastmod>") {
        out.push_str(&rest[..i]);
        out.push_str("<lastmod>[DATE]</lastmod>");
        let end = rest[i..]
            .find("</lastmod>")
            .map_or(rest.len(), |j| i + j + "</lastmod>".len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
