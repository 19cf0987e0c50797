//! Exports of sites made for the purpose: a small one whose whole file is a snapshot, and one
//! larger than a read of stories and of comments.

use chrono::{TimeZone, Utc};
use newsdesk::actions::Actor;
use newsdesk::domain::article::Status;
use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::user::Role;

use crate::export::{WP, child, export_at, png, story};
use crate::support::TestSite;

on_both_backends!(
    empty: tiny_site_export_snapshot,
    a_site_larger_than_a_batch_is_exported_whole,
);

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
        thread: newsdesk::store::thread::Thread::Story(story_id),
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
                thread: newsdesk::store::thread::Thread::Story(story),
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
