//! The WordPress export (`wordpress::export`, Tools → Export): what the file holds, checked
//! against the database by parsing it as an importer would, and who may download it.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use newsdesk::actions::Actor;
use newsdesk::domain::article::{CommentStatus, NewArticle, Status};
use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::user::Role;
use newsdesk::wordpress::export::Exporter;

use crate::support::TestSite;

pub const WP: &str = "http://wordpress.org/export/1.2/";
pub const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
pub const EXCERPT: &str = "http://wordpress.org/export/1.2/excerpt/";

on_both_backends!(
    demo: demo_export_matches_the_database,
    download_needs_an_administrator,
);
on_both_backends!(empty: awkward_text_reads_back_as_stored);

/// The export of `site` as `https://news.example` sees it, at `now`.
pub async fn export_at(site: &TestSite, now: DateTime<Utc>) -> String {
    let mut exporter = Exporter::new(&site.store, "https://news.example", now)
        .await
        .unwrap();
    let bytes = exporter.write_to(Vec::new()).await.unwrap();
    String::from_utf8(bytes).expect("the export is UTF-8")
}

/// A child element's text: `ns` is its namespace, `""` for none.
pub fn child<'a>(node: roxmltree::Node<'a, 'a>, ns: &str, name: &str) -> &'a str {
    node.children()
        .find(|c| {
            c.is_element()
                && c.tag_name().name() == name
                && c.tag_name().namespace().unwrap_or("") == ns
        })
        .and_then(|c| c.text())
        .unwrap_or("")
}

/// Every `wp:postmeta` of an item as (key, value).
pub fn metas<'a>(item: roxmltree::Node<'a, 'a>) -> Vec<(&'a str, &'a str)> {
    item.children()
        .filter(|c| c.has_tag_name((WP, "postmeta")))
        .map(|m| (child(m, WP, "meta_key"), child(m, WP, "meta_value")))
        .collect()
}

pub async fn count(site: &TestSite, table: &str) -> usize {
    site.raw_pairs(&format!(
        "SELECT '{table}', CAST(COUNT(*) AS BIGINT) FROM {table}"
    ))
    .await[0]
        .1 as usize
}

/// A story in `status`, created as given by the operator.
pub fn story(
    title: &str,
    status: Status,
    published_at: Option<DateTime<Utc>>,
    author: i64,
) -> NewArticle {
    NewArticle {
        title: title.to_owned(),
        slug: None,
        body: SafeHtml::sanitize("<p>Text.</p>"),
        excerpt: String::new(),
        status,
        published_at,
        author_ids: vec![author],
        category_ids: Vec::new(),
        tag_ids: Vec::new(),
        credit_line: String::new(),
        source_agency: String::new(),
        source_url: String::new(),
        embargo_until: None,
        featured_image_id: None,
        sticky: false,
        comment_status: CommentStatus::Open,
    }
}

pub fn png() -> Vec<u8> {
    use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
    let image = DynamicImage::ImageRgb8(RgbImage::from_fn(40, 30, |x, y| {
        Rgb([(x * 5) as u8, (y * 7) as u8, 90])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn demo_export_matches_the_database(site: TestSite) {
    let now = Utc::now();
    let admin = site.staff("boss", Role::Administrator).await;
    let editor = site
        .staff_member("deskie", "Desk Editor", Role::Editor)
        .await;
    // An image, featured by a story in each state WordPress knows.
    let image = newsdesk::actions::media::upload(
        &site.store,
        &editor,
        "harbour.png",
        png(),
        "The harbour at dawn",
        "Boats",
        now,
    )
    .await
    .unwrap();
    let hour = chrono::Duration::hours(1);
    let states = [
        ("Export draft", Status::Draft, None, "draft"),
        ("Export pending", Status::Pending, None, "pending"),
        (
            "Export scheduled",
            Status::Scheduled,
            Some(now + hour),
            "future",
        ),
        (
            "Export private",
            Status::Private,
            Some(now - hour),
            "private",
        ),
        ("Export trash", Status::Trash, Some(now - hour), "trash"),
        (
            "Export published",
            Status::Published,
            Some(now - hour),
            "publish",
        ),
    ];
    for (title, status, at, _) in &states {
        let mut s = story(title, *status, *at, editor.id);
        s.featured_image_id = Some(image.id);
        newsdesk::actions::articles::create(&site.store, Actor::Operator, &s, now)
            .await
            .unwrap();
    }

    let res = site.admin_get(&admin, "/admin/tools/export").await;
    assert_eq!(res.status, StatusCode::OK);
    let xml = res.body;
    let doc = roxmltree::Document::parse(&xml).expect("the export is well-formed XML");
    let rss = doc.root_element();
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = rss.first_element_child().unwrap();
    assert_eq!(child(channel, WP, "wxr_version"), "1.2");
    assert_eq!(child(channel, "", "title"), "Newsdesk Daily");

    let elements = |name: &str| -> Vec<roxmltree::Node<'_, '_>> {
        channel
            .children()
            .filter(|c| c.has_tag_name((WP, name)))
            .collect()
    };
    assert_eq!(elements("author").len(), count(&site, "users").await);
    assert_eq!(elements("tag").len(), count(&site, "tags").await);
    assert_eq!(elements("term").len(), count(&site, "menus").await);
    // Sections with their parents, as the database links them.
    let sections: BTreeSet<String> = elements("category")
        .iter()
        .map(|c| {
            format!(
                "{}>{}",
                child(*c, WP, "category_nicename"),
                child(*c, WP, "category_parent")
            )
        })
        .collect();
    let stored: BTreeSet<String> = site
        .raw_pairs(
            "SELECT c.slug || '>' || COALESCE(p.slug, ''), CAST(c.id AS BIGINT) \
             FROM categories c LEFT JOIN categories p ON p.id = c.parent_id",
        )
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(sections, stored);
    assert!(
        sections.iter().any(|s| !s.ends_with('>')),
        "the demo has sub-sections"
    );

    let items: Vec<_> = channel
        .children()
        .filter(|c| c.has_tag_name("item"))
        .collect();
    let of_type = |t: &str| {
        items
            .iter()
            .filter(|i| child(**i, WP, "post_type") == t)
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(of_type("post").len(), count(&site, "articles").await);
    assert_eq!(of_type("page").len(), count(&site, "pages").await);
    assert_eq!(of_type("attachment").len(), count(&site, "media").await);
    assert_eq!(
        of_type("nav_menu_item").len(),
        count(&site, "menu_items").await
    );
    let ids: BTreeSet<&str> = items.iter().map(|i| child(*i, WP, "post_id")).collect();
    assert_eq!(ids.len(), items.len(), "every item has its own id");

    // Comments with their threads, as stored.
    let comments: BTreeSet<(String, i64)> = items
        .iter()
        .flat_map(|i| i.children().filter(|c| c.has_tag_name((WP, "comment"))))
        .map(|c| {
            (
                child(c, WP, "comment_parent").to_owned(),
                child(c, WP, "comment_id").parse().unwrap(),
            )
        })
        .collect();
    let stored: BTreeSet<(String, i64)> = site
        .raw_pairs("SELECT CAST(COALESCE(parent_id, 0) AS TEXT), CAST(id AS BIGINT) FROM comments")
        .await
        .into_iter()
        .collect();
    assert_eq!(comments, stored);
    assert!(
        comments.iter().any(|(parent, _)| parent != "0"),
        "the demo has replies"
    );

    // Each state under WordPress's name, with the featured image as the attachment's id.
    // The demo's illustrations are attachments too: the test's upload is among them.
    let attachment = *of_type("attachment")
        .iter()
        .find(|a| child(**a, WP, "attachment_url") == format!("http://localhost{}", image.url))
        .expect("the upload is exported");
    assert!(metas(attachment).contains(&("_wp_attachment_image_alt", "The harbour at dawn")));
    for (title, _, _, wp) in states {
        let item = of_type("post")
            .into_iter()
            .find(|i| child(*i, "", "title") == title)
            .unwrap_or_else(|| panic!("{title} is exported"));
        assert_eq!(child(item, WP, "status"), wp, "{title}");
        assert_eq!(
            child(item, "http://purl.org/dc/elements/1.1/", "creator"),
            "deskie"
        );
        assert!(
            metas(item).contains(&("_thumbnail_id", child(attachment, WP, "post_id"))),
            "{title}"
        );
    }

    // Nothing that signs anyone in.
    let secrets = site
        .raw_pairs(
            "SELECT password_hash, CAST(id AS BIGINT) FROM users WHERE password_hash IS NOT NULL \
             UNION ALL SELECT token_hash, CAST(0 AS BIGINT) FROM sessions \
             UNION ALL SELECT csrf_token, CAST(0 AS BIGINT) FROM sessions",
        )
        .await;
    assert!(
        secrets.len() >= 3,
        "the administrator has a password and a session"
    );
    for (secret, _) in secrets {
        assert!(!xml.contains(&secret), "the export holds a secret");
    }
    assert!(!xml.contains("$argon2"));
}

async fn download_needs_an_administrator(site: TestSite) {
    let editor = site.staff("deskie", Role::Editor).await;
    for path in ["/admin/tools", "/admin/tools/export"] {
        let res = site.admin_get(&editor, path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!res.body.contains("wxr_version"));
    }
    let dash = site.admin_get(&editor, "/admin/").await;
    assert!(!dash.texts("nav.side a").iter().any(|t| t == "Tools"));
    // Signed out: the sign-in form, not the file.
    let res = site.get("/admin/tools/export").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let admin = site.staff("boss", Role::Administrator).await;
    let dash = site.admin_get(&admin, "/admin/").await;
    assert!(dash.texts("nav.side a").iter().any(|t| t == "Tools"));
    let tools = site.admin_get(&admin, "/admin/tools").await;
    assert_eq!(tools.status, StatusCode::OK);
    assert_eq!(tools.texts("main h2"), ["Import", "Export"]);
    assert_eq!(
        tools.attrs("a#export-download", "href"),
        ["/admin/tools/export"]
    );

    let res = site.admin_get(&admin, "/admin/tools/export").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.headers["content-type"].to_str().unwrap(),
        "application/xml; charset=utf-8"
    );
    let disposition = res.headers["content-disposition"].to_str().unwrap();
    let expected = regex::Regex::new(
        r#"^attachment; filename="newsdesk-daily\.wordpress\.\d{4}-\d{2}-\d{2}\.xml"$"#,
    )
    .unwrap();
    assert!(expected.is_match(disposition), "{disposition}");
    assert_eq!(res.headers["cache-control"].to_str().unwrap(), "no-store");
    roxmltree::Document::parse(&res.body).expect("well-formed");
}

async fn awkward_text_reads_back_as_stored(site: TestSite) {
    let author = site.add_staff("writer", Role::Editor).await;
    let mut s = story(
        "Tom & \"Jerry\" <b> ]]> \u{7}bell",
        Status::Published,
        Some(Utc::now()),
        author,
    );
    // As an import could store it: a CDATA end and a control character in the body.
    s.body = SafeHtml::from_trusted_storage("<p>a ]]> b ]]]]> c \u{1b}[0m</p>".into());
    s.excerpt = "x ]]> y \u{7} z".into();
    newsdesk::actions::articles::create(&site.store, Actor::Operator, &s, Utc::now())
        .await
        .unwrap();
    let xml = export_at(&site, Utc::now()).await;
    assert!(xml.contains("]]]]><![CDATA[>"), "the CDATA end is split");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed despite the control characters");
    let item = doc.descendants().find(|n| n.has_tag_name("item")).unwrap();
    let stored = site
        .raw_pairs("SELECT title, CAST(id AS BIGINT) FROM articles UNION ALL SELECT body, CAST(id AS BIGINT) FROM articles UNION ALL SELECT excerpt, CAST(id AS BIGINT) FROM articles")
        .await;
    // XML 1.0 cannot carry control characters in any form: they are the one thing left out.
    let readable = |s: &str| s.replace(['\u{7}', '\u{1b}'], "");
    assert!(stored[0].0.contains(']'), "{:?}", stored[0].0);
    assert_eq!(child(item, "", "title"), readable(&stored[0].0));
    assert_eq!(child(item, CONTENT, "encoded"), readable(&stored[1].0));
    assert_eq!(child(item, EXCERPT, "encoded"), readable(&stored[2].0));
    assert!(child(item, CONTENT, "encoded").contains("a ]]> b ]]]]> c [0m"));
}
