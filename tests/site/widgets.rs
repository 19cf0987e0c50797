//! Widgets in the sidebar and footer, configured in the database.

use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::widget::WidgetKind;

use crate::support::TestSite;

on_both_backends!(demo: demo_widgets_render_from_configuration, each_widget_type_renders);
on_both_backends!(empty: invalid_stored_widgets_are_skipped);

async fn demo_widgets_render_from_configuration(site: TestSite) {
    let page = site.get("/category/world/").await;
    // "Post Widget 1" on the reference page: the Health Tips list, newest first, 5 of its 6 stories.
    let tips = page.texts(".sidebar .widget--posts_in_category li a");
    assert_eq!(tips.len(), 5);
    assert_eq!(tips[0], "Six habits that help you sleep better tonight");
    assert_eq!(
        page.attrs(
            ".sidebar .widget--posts_in_category .widget__title a",
            "href"
        ),
        vec!["/category/health/health-tips/"]
    );
    // "Post Widget 2": the featured story.
    assert_eq!(
        page.texts(".sidebar .widget--featured_post .widget__featured-title"),
        vec!["Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome"]
    );
    assert_eq!(page.texts(".sidebar .widget--latest_posts li a").len(), 5);
    assert_eq!(
        page.texts(".site-footer .widget--text .widget__title"),
        vec!["About Newsdesk Daily"]
    );
    // Each widget is a labelled region.
    let labels = page.attrs(".sidebar .widget", "aria-labelledby");
    assert_eq!(labels.len(), 3);
    insta::with_settings!({ filters => vec![
        (r"/\d{4}/\d{2}/\d{2}/", "/YYYY/MM/DD/"),
        (r#"datetime="[^"]+""#, r#"datetime="[date]""#),
        (r">[A-Z][a-z]+ \d{1,2}, \d{4}<", ">[date]<"),
        (r"widget-\d+-title", "widget-N-title"),
    ] }, {
        insta::assert_snapshot!("health_tips_widget", page.fragment(".sidebar .widget--posts_in_category"));
    });
}

async fn add(site: &TestSite, area: &str, title: &str, kind: WidgetKind) {
    let mut tx = site.store.begin().await.unwrap();
    newsdesk::actions::site::add_widget(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        area,
        10,
        title,
        &kind,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn each_widget_type_renders(site: TestSite) {
    let sport = site
        .store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == "sport")
        .unwrap();
    add(
        &site,
        "footer",
        "Sport results",
        WidgetKind::PostsInCategory {
            category_id: sport.id,
            count: 2,
        },
    )
    .await;
    add(
        &site,
        "footer",
        "Editor's pick",
        WidgetKind::FeaturedPost { article_id: None },
    )
    .await;
    add(
        &site,
        "footer",
        "Just in",
        WidgetKind::LatestPosts { count: 3 },
    )
    .await;
    add(
        &site,
        "footer",
        "Notice",
        WidgetKind::parse("text", r#"{"html": "<p>Hello <em>readers</em><script>alert(1)</script><img src=x onerror=alert(2)></p>"}"#).unwrap(),
    )
    .await;
    let page = site.get("/about/").await;
    let footer = |sel: &str| page.texts(&format!(".site-footer {sel}"));
    assert_eq!(footer(".widget--posts_in_category li a").len(), 2);
    assert_eq!(
        footer(".widget--posts_in_category li a")[0],
        "Late equaliser keeps title race alive until the final weekend"
    );
    // Without a chosen story, the featured post is the newest sticky story.
    assert_eq!(
        footer(".widget--featured_post .widget__featured-title"),
        vec!["Parliament passes emergency budget after marathon overnight session"]
    );
    assert_eq!(footer(".widget--latest_posts li a").len(), 3);
    let text = page.fragment(".site-footer .widget--text:last-child .widget__text");
    assert!(text.contains("Hello <em>readers</em>"), "{text}");
    assert!(
        !text.contains("script") && !text.contains("onerror"),
        "{text}"
    );
    // Widgets are on every page type.
    for path in ["/", "/category/sport/", "/no-such-page/"] {
        assert!(
            site.get(path)
                .await
                .texts(".site-footer .widget__title")
                .contains(&"Just in".to_owned()),
            "{path}"
        );
    }
    // A widget area refuses unknown areas.
    let mut tx = site.store.begin().await.unwrap();
    let err = newsdesk::actions::site::add_widget(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        "header",
        0,
        "x",
        &WidgetKind::Text {
            html: SafeHtml::default(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "area: unknown widget area \"header\"");
}

async fn invalid_stored_widgets_are_skipped(site: TestSite) {
    // A widget whose stored settings no longer validate must not take the site down.
    add(
        &site,
        "sidebar",
        "Good",
        WidgetKind::LatestPosts { count: 2 },
    )
    .await;
    let mut tx = site.store.begin().await.unwrap();
    newsdesk::actions::site::add_widget(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        "sidebar",
        11,
        "Broken",
        &WidgetKind::LatestPosts { count: 2 },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    corrupt_widget(&site, "Broken").await;
    let page = site.get("/").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    assert_eq!(page.texts(".sidebar .widget__title"), vec!["Good"]);
}

/// Writes invalid settings straight into the table, as an old version or a manual edit might.
async fn corrupt_widget(site: &TestSite, title: &str) {
    let url = &site.url;
    match site.backend {
        crate::support::Backend::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query("UPDATE widgets SET settings = '{\"count\": 99}' WHERE title = $1")
                .bind(title)
                .execute(&mut c)
                .await
                .unwrap();
        }
        crate::support::Backend::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query("UPDATE widgets SET settings = '{\"count\": 99}' WHERE title = $1")
                .bind(title)
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
    site.store.touch();
}
