//! The WordPress export (`wordpress::export`, Tools → Export): what the file holds, checked
//! against the database by parsing it as an importer would, and who may download it.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use chrono::{DateTime, TimeZone, Utc};
use newsdesk::actions::Actor;
use newsdesk::domain::article::{CommentStatus, NewArticle, Status};
use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::user::Role;
use newsdesk::wordpress::export::Exporter;

use crate::support::TestSite;

const WP: &str = "http://wordpress.org/export/1.2/";
const CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const EXCERPT: &str = "http://wordpress.org/export/1.2/excerpt/";

on_both_backends!(
    demo: demo_export_matches_the_database,
    download_needs_an_administrator,
    the_command_line_writes_a_file_once_or_to_standard_output,
);
on_both_backends!(
    empty: awkward_text_reads_back_as_stored,
    tiny_site_export_snapshot,
    a_site_larger_than_a_batch_is_exported_whole,
);

/// The export of `site` as `https://news.example` sees it, at `now`.
async fn export_at(site: &TestSite, now: DateTime<Utc>) -> String {
    let mut exporter = Exporter::new(&site.store, "https://news.example", now)
        .await
        .unwrap();
    let bytes = exporter.write_to(Vec::new()).await.unwrap();
    String::from_utf8(bytes).expect("the export is UTF-8")
}

/// A child element's text: `ns` is its namespace, `""` for none.
fn child<'a>(node: roxmltree::Node<'a, 'a>, ns: &str, name: &str) -> &'a str {
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
fn metas<'a>(item: roxmltree::Node<'a, 'a>) -> Vec<(&'a str, &'a str)> {
    item.children()
        .filter(|c| c.has_tag_name((WP, "postmeta")))
        .map(|m| (child(m, WP, "meta_key"), child(m, WP, "meta_value")))
        .collect()
}

async fn count(site: &TestSite, table: &str) -> usize {
    site.raw_pairs(&format!(
        "SELECT '{table}', CAST(COUNT(*) AS BIGINT) FROM {table}"
    ))
    .await[0]
        .1 as usize
}

/// A story in `status`, created as given by the operator.
fn story(
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

fn png() -> Vec<u8> {
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
    let attachment = of_type("attachment")[0];
    assert_eq!(
        child(attachment, WP, "attachment_url"),
        format!("http://localhost{}", image.url)
    );
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
    assert_eq!(tools.texts("main h2"), ["Export"]);
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

/// A small site made at a fixed time, so its export is the same on every run.
async fn tiny_site_export_snapshot(site: TestSite) {
    use newsdesk::actions::{pages, site as structure, stories::Intent};
    use newsdesk::store::comments::NewComment;
    let at = Utc.with_ymd_and_hms(2026, 3, 14, 9, 30, 0).unwrap();
    site.settings(&[
        ("title", "The Tiny Times"),
        ("tagline", "Small & true"),
        ("timezone", "Europe/Berlin"),
    ])
    .await;
    let editor = site.staff_member("ana", "Ana Lima", Role::Editor).await;
    let image =
        newsdesk::actions::media::upload(&site.store, &editor, "Map.PNG", png(), "A map", "", at)
            .await
            .unwrap();
    let mut tx = site.store.begin().await.unwrap();
    let op = Actor::Operator;
    let world = structure::create_category(&mut tx, op, "world", "World", "Abroad", None, 0)
        .await
        .unwrap();
    let europe = structure::create_category(&mut tx, op, "europe", "Europe", "", Some(world), 0)
        .await
        .unwrap();
    let tag = structure::ensure_tag(&mut tx, op, "Rivers").await.unwrap();
    tx.commit().await.unwrap();
    let mut s = story(
        "Floods on the Rhine",
        Status::Published,
        Some(at),
        editor.id,
    );
    s.category_ids = vec![europe];
    s.tag_ids = vec![tag];
    s.excerpt = "Water rose overnight.".into();
    s.credit_line = "Photo: A. Lima".into();
    s.source_url = "https://wire.example/rhine".into();
    s.featured_image_id = Some(image.id);
    let (story_id, _) = newsdesk::actions::articles::create(&site.store, op, &s, at)
        .await
        .unwrap();
    let mut tx = site.store.begin().await.unwrap();
    let comment = |parent: Option<i64>, name: &'static str, body: &'static str| NewComment {
        article_id: story_id,
        parent_id: parent,
        user_id: None,
        author_name: name,
        author_email: "reader@example.org",
        author_url: "",
        author_ip: "192.0.2.7",
        user_agent: "",
        body,
        status: "approved",
        spam_score: 0,
        spam_reasons: "",
        moderation_token: "",
        notify_replies: "no",
        notify_token: "",
        created_at: at,
    };
    let first = structure::insert_comment(&mut tx, op, &comment(None, "Reader", "Stay safe."))
        .await
        .unwrap();
    structure::insert_comment(&mut tx, op, &comment(Some(first), "Ana", "Thank you."))
        .await
        .unwrap();
    let about = pages::PageInput {
        title: "About".into(),
        slug: "about".into(),
        body: SafeHtml::sanitize("<p>Who we are.</p>"),
        ..Default::default()
    };
    let about = pages::save_in(&mut tx, op, None, &about, Intent::Publish, at)
        .await
        .unwrap()
        .id;
    let team = pages::PageInput {
        title: "Team".into(),
        slug: "team".into(),
        parent_id: Some(about),
        menu_order: 1,
        ..Default::default()
    };
    pages::save_in(&mut tx, op, None, &team, Intent::Save, at)
        .await
        .unwrap();
    let entry = |label, kind, target_id, url| structure::MenuEntry {
        label,
        kind,
        target_id,
        url,
    };
    structure::create_menu(
        &mut tx,
        op,
        "primary",
        "Main",
        &[
            entry("World", "category", Some(world), ""),
            entry("About", "page", Some(about), ""),
            entry("Floods", "article", Some(story_id), ""),
            entry("Weather", "link", None, "https://weather.example/"),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let xml = export_at(&site, at).await;
    roxmltree::Document::parse(&xml).expect("well-formed");
    insta::with_settings!({
        filters => vec![(r"Newsdesk \d+\.\d+\.\d+", "Newsdesk [version]")],
    }, {
        insta::assert_snapshot!("tiny_site_export", xml);
    });
}

/// The real binary, as an operator runs it.
fn newsdesk(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env_remove("NEWSDESK_DATA")
        .env_remove("NEWSDESK_DATABASE_URL")
        .env_remove("NEWSDESK_BASE_URL")
        .output()
        .expect("run newsdesk")
}

/// The lines of stderr that are not log lines.
fn error_lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains(" INFO ") && !l.contains(" WARN "))
        .map(str::to_owned)
        .collect()
}

fn post_count(xml: &str) -> usize {
    let doc = roxmltree::Document::parse(xml).expect("well-formed");
    doc.descendants()
        .filter(|n| n.has_tag_name((WP, "post_type")) && n.text() == Some("post"))
        .count()
}

async fn the_command_line_writes_a_file_once_or_to_standard_output(site: TestSite) {
    let dir = std::env::temp_dir().join(format!(
        "newsdesk-export-{}-{:?}",
        std::process::id(),
        site.backend
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("site.xml");
    let f = file.to_str().unwrap();
    let stories = count(&site, "articles").await;
    let args = [
        "--database",
        &site.url,
        "--base-url",
        "https://news.example",
    ];

    let out = newsdesk(&[&["export", "wordpress", f][..], &args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with(&format!("Exported {stories} stories, "))
            && said.trim_end().ends_with(&format!("to {f}.")),
        "{said}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(post_count(&written), stories);
    assert!(written.contains("<link>https://news.example/"));

    // An existing file is never overwritten.
    let out = newsdesk(&[&["export", "wordpress", f][..], &args].concat());
    assert_eq!(out.status.code(), Some(1));
    let lines = error_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("already exists"), "{lines:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    // `-`: the same file on standard output.
    let out = newsdesk(&[&["export", "wordpress", "-"][..], &args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(post_count(&String::from_utf8(out.stdout).unwrap()), stories);

    // Nothing half-written is left beside the file.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["site.xml"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_mistakes_are_one_line_and_write_nothing() {
    let dir = std::env::temp_dir().join(format!("newsdesk-export-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.xml");
    let f = file.to_str().unwrap();
    let missing = dir.join("no-site");
    let m = missing.to_str().unwrap();
    for (args, needle) in [
        (
            vec!["export", "wordpress", f, "--data", m],
            "there is no site database",
        ),
        (
            vec![
                "export",
                "wordpress",
                f,
                "--data",
                m,
                "--base-url",
                "news.example",
            ],
            "news.example",
        ),
        (vec!["export", "joomla", f], "joomla"),
    ] {
        let out = newsdesk(&args);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let lines = error_lines(&out);
        assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
        assert!(lines[0].contains(needle), "{args:?}: {lines:?}");
        assert!(!file.exists(), "{args:?}");
    }
    assert!(
        !missing.join("newsdesk.db").exists(),
        "no empty database was made"
    );

    let help = newsdesk(&["export", "wordpress", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    for word in [
        "WXR 1.2",
        "no password",
        "--database",
        "--base-url",
        "standard output",
    ] {
        assert!(
            help.contains(word),
            "export wordpress --help lacks {word:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// More stories than one read takes, and more comments than one read of comments takes,
/// spread so that a story's discussion spans two reads.
async fn a_site_larger_than_a_batch_is_exported_whole(site: TestSite) {
    use newsdesk::actions::site as structure;
    use newsdesk::store::comments::NewComment;
    let now = Utc::now();
    newsdesk::demo::seed_synthetic(&site.store, 450, now)
        .await
        .unwrap();
    let ids: Vec<i64> = site
        .raw_pairs("SELECT 'id', CAST(id AS BIGINT) FROM articles ORDER BY id")
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids.len(), 450);
    let mut tx = site.store.begin().await.unwrap();
    for (story, n) in [
        (ids[0], 300),
        (ids[199], 150),
        (ids[200], 200),
        (ids[449], 2),
    ] {
        for _ in 0..n {
            let c = NewComment {
                article_id: story,
                parent_id: None,
                user_id: None,
                author_name: "Reader",
                author_email: "reader@example.org",
                author_url: "",
                author_ip: "192.0.2.9",
                user_agent: "",
                body: "Noted.",
                status: "approved",
                spam_score: 0,
                spam_reasons: "",
                moderation_token: "",
                notify_replies: "no",
                notify_token: "",
                created_at: now,
            };
            structure::insert_comment(&mut tx, Actor::Operator, &c)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();

    let xml = export_at(&site, now).await;
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let mut exported = Vec::new();
    for item in doc.descendants().filter(|n| n.has_tag_name("item")) {
        if child(item, WP, "post_type") != "post" {
            continue;
        }
        let comments = item
            .children()
            .filter(|c| c.has_tag_name((WP, "comment")))
            .count() as i64;
        exported.push((child(item, WP, "post_id").parse::<i64>().unwrap(), comments));
    }
    let stored: Vec<(i64, i64)> = site
        .raw_pairs(
            "SELECT CAST(a.id AS TEXT), CAST(COUNT(c.id) AS BIGINT) FROM articles a \
             LEFT JOIN comments c ON c.article_id = a.id GROUP BY a.id ORDER BY a.id",
        )
        .await
        .into_iter()
        .map(|(id, n)| (id.parse().unwrap(), n))
        .collect();
    assert_eq!(stored.iter().map(|(_, n)| n).sum::<i64>(), 652);
    assert_eq!(exported, stored);
}
