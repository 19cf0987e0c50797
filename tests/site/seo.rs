//! What pages say about themselves: canonical addresses, OpenGraph and Twitter cards,
//! schema.org JSON-LD, robots rules.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use newsdesk::actions::articles;
use newsdesk::domain::article::Status;
use serde_json::Value;

use crate::store::article;
use crate::support::{Page, TestSite};

on_both_backends!(demo:
    stories_are_news_articles_with_their_wire_provenance,
    archives_have_breadcrumbs_and_the_home_page_a_website,
    link_previews_get_absolute_addresses_on_the_requested_host,
    hostile_headlines_cannot_break_out_of_json_ld,
);

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

/// The objects of every JSON-LD graph on the page.
fn json_ld(page: &Page) -> Vec<Value> {
    let sel = scraper::Selector::parse("script[type='application/ld+json']").unwrap();
    page.html()
        .select(&sel)
        .flat_map(|s| {
            let v: Value = serde_json::from_str(&s.inner_html()).expect("valid JSON-LD");
            assert_eq!(v["@context"], "https://schema.org");
            v["@graph"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

fn of_type<'a>(graph: &'a [Value], t: &str) -> &'a Value {
    graph
        .iter()
        .find(|v| v["@type"] == t)
        .unwrap_or_else(|| panic!("no {t} in {graph:?}"))
}

fn meta(page: &Page, property: &str) -> Vec<String> {
    let mut v = page.attrs(&format!("meta[property='{property}']"), "content");
    v.extend(page.attrs(&format!("meta[name='{property}']"), "content"));
    v
}

async fn stories_are_news_articles_with_their_wire_provenance(site: TestSite) {
    let url = site.url_of(REFERENCE).await;
    let page = site.get(&url).await;
    let graph = json_ld(&page);
    let a = of_type(&graph, "NewsArticle");
    assert_eq!(a["headline"], REFERENCE);
    assert_eq!(a["mainEntityOfPage"], format!("http://localhost{url}"));
    // The demo's illustration, with its credit.
    let image = &a["image"][0];
    assert_eq!(image["@type"], "ImageObject");
    assert!(
        image["url"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost/media/")
    );
    assert_eq!(image["creditText"], "Illustration: Newsdesk demo");
    assert_eq!(
        image["copyrightHolder"],
        serde_json::json!({ "@type": "Organization", "name": "Newsdesk demo" })
    );
    assert!(image["width"].as_i64().unwrap() > 0);
    for date in ["datePublished", "dateModified"] {
        chrono::DateTime::parse_from_rfc3339(a[date].as_str().unwrap()).unwrap();
    }
    assert_eq!(a["author"][0]["@type"], "Person");
    assert_eq!(a["author"][0]["name"], "admin");
    assert_eq!(
        a["author"][0]["url"],
        "http://localhost/author/newsroom-desk/"
    );
    assert_eq!(a["publisher"]["@type"], "Organization");
    assert_eq!(a["publisher"]["name"], "Newsdesk Daily");
    assert!(
        a["publisher"]["logo"]["url"]
            .as_str()
            .unwrap()
            .ends_with(".png")
    );
    assert_eq!(a["articleSection"], serde_json::json!(["Asia"]));
    assert!(a["keywords"].as_array().unwrap().contains(&"Russia".into()));
    // Wire copy: the credit line and the agency the story came from.
    assert_eq!(a["creditText"], "RHM/PR");
    assert_eq!(a["sourceOrganization"]["name"], "Sputnik");
    // Home › World › Asia › the story.
    let crumbs = of_type(&graph, "BreadcrumbList");
    let names: Vec<&str> = crumbs["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Home", "World", "Asia", REFERENCE]);

    assert_eq!(meta(&page, "og:type"), ["article"]);
    assert_eq!(meta(&page, "og:url"), [format!("http://localhost{url}")]);
    assert_eq!(
        page.attrs("link[rel=canonical]", "href"),
        [format!("http://localhost{url}")]
    );
    assert!(meta(&page, "og:description")[0].starts_with("Vladimir Putin and Kim Jong Un met"));
    assert_eq!(meta(&page, "article:section"), ["Asia"]);
    assert_eq!(meta(&page, "twitter:card"), ["summary_large_image"]);
    assert!(meta(&page, "og:image")[0].starts_with("http://localhost/media/"));
}

async fn archives_have_breadcrumbs_and_the_home_page_a_website(site: TestSite) {
    let home = site.get("/").await;
    let graph = json_ld(&home);
    let website = of_type(&graph, "WebSite");
    assert_eq!(website["name"], "Newsdesk Daily");
    assert_eq!(
        website["potentialAction"]["target"]["urlTemplate"],
        "http://localhost/search?q={search_term_string}"
    );
    of_type(&graph, "Organization");
    for (path, trail) in [
        ("/category/world/asia/", vec!["Home", "World", "Asia"]),
        ("/tag/space/", vec!["Home", "Space"]),
        // The demo's "admin" bylines only the reference story: a thin archive, kept out of
        // search engines, so a reporter's page stands for author archives here.
        ("/author/helena-varga/", vec!["Home", "Helena Varga"]),
    ] {
        let page = site.get(path).await;
        let graph = json_ld(&page);
        let names: Vec<String> = of_type(&graph, "BreadcrumbList")["itemListElement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, trail, "{path}");
        assert!(
            page.attrs("meta[name=robots]", "content").is_empty(),
            "{path}"
        );
    }
    assert_eq!(
        meta(&site.get("/author/newsroom-desk/").await, "og:type"),
        ["profile"]
    );
    // Thin archives and error pages are kept out of search engines.
    let author = site.desk().await;
    let tag = site.add_tag("lonely", "Lonely").await;
    let at = Utc::now() - Duration::hours(1);
    let mut story = article(
        "A lonely story",
        vec![author],
        vec![],
        Status::Published,
        Some(at),
    );
    story.tag_ids = vec![tag];
    articles::create(&site.store, newsdesk::actions::Actor::Operator, &story, at)
        .await
        .unwrap();
    let thin = site.get("/tag/lonely/").await;
    assert_eq!(
        thin.attrs("meta[name=robots]", "content"),
        ["noindex, follow"]
    );
    let missing = site.get("/no-such-page/").await;
    assert_eq!(missing.attrs("meta[name=robots]", "content"), ["noindex"]);
}

async fn link_previews_get_absolute_addresses_on_the_requested_host(site: TestSite) {
    let url = site.url_of(REFERENCE).await;
    let a = site
        .get_with_headers(&url, &[("host", "news.example")])
        .await;
    assert_eq!(
        a.attrs("link[rel=canonical]", "href"),
        [format!("http://news.example{url}")]
    );
    // The page cache keys pages by host: another host never gets the first one's links.
    let b = site
        .get_with_headers(&url, &[("host", "mirror.example:8080")])
        .await;
    assert_eq!(
        b.attrs("link[rel=canonical]", "href"),
        [format!("http://mirror.example:8080{url}")]
    );
    // A host header that is not a host name is not echoed into pages.
    let c = site
        .get_with_headers(&url, &[("host", "evil.example\"><script>")])
        .await;
    assert_eq!(
        c.attrs("link[rel=canonical]", "href"),
        [format!("http://localhost{url}")]
    );
    // Feeds and sitemaps use the same origin.
    let robots = site
        .get_with_headers("/robots.txt", &[("host", "news.example")])
        .await;
    assert!(
        robots
            .body
            .contains("Sitemap: http://news.example/sitemap.xml")
    );
}

async fn hostile_headlines_cannot_break_out_of_json_ld(site: TestSite) {
    let author = site.desk().await;
    let at = Utc::now() - Duration::hours(1);
    let title = "Breaking </script><script>alert(1)</script> & \"quotes\"";
    let mut story = article(title, vec![author], vec![], Status::Published, Some(at));
    story.credit_line = "AP </script>".into();
    let (_, slug) = articles::create(&site.store, newsdesk::actions::Actor::Operator, &story, at)
        .await
        .unwrap();
    let url = newsdesk::domain::article::article_path(at, slug.as_str(), chrono_tz::UTC);
    let page = site.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert(1)"));
    let graph = json_ld(&page);
    assert_eq!(of_type(&graph, "NewsArticle")["headline"], title);
    assert_eq!(of_type(&graph, "NewsArticle")["creditText"], "AP </script>");
}
