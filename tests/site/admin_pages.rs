//! Static pages in the admin and on the site: editors manage them with the stories' editor,
//! authors and contributors have no rights over them, addresses nest under parents, and the
//! public page describes itself as a schema.org `WebPage`.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;
use serde_json::Value;

use crate::support::{Page, Staff, TestSite};

on_both_backends!(empty:
    editors_create_edit_publish_unpublish_and_trash_pages,
    authors_and_contributors_are_refused_every_pages_route,
    a_page_cannot_sit_under_itself_or_its_own_sub_page,
    reserved_and_taken_addresses_are_field_errors,
    published_pages_show_at_their_address_with_webpage_json_ld,
    page_revisions_are_recorded_and_restorable,
    the_page_list_has_state_tabs_search_and_page_numbers,
);

async fn save(
    site: &TestSite,
    who: &Staff,
    id: Option<i64>,
    fields: &[(&str, &str)],
    intent: &str,
) -> Page {
    let path = match id {
        Some(id) => format!("/admin/pages/{id}"),
        None => "/admin/pages/new".to_owned(),
    };
    let mut all: Vec<(&str, &str)> = vec![("intent", intent)];
    all.extend_from_slice(fields);
    site.admin_post(who, &path, &all).await
}

fn saved_id(res: &Page) -> i64 {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "not saved: {}", res.body);
    res.location()
        .trim_start_matches("/admin/pages/")
        .split('?')
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|_| panic!("unexpected redirect {}", res.location()))
}

async fn status_of(site: &TestSite, id: i64) -> String {
    site.store
        .page(id)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

fn json_ld(page: &Page) -> Vec<Value> {
    let sel = scraper::Selector::parse("script[type='application/ld+json']").unwrap();
    page.html()
        .select(&sel)
        .flat_map(|s| {
            let v: Value = serde_json::from_str(&s.text().collect::<String>()).unwrap();
            v["@graph"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

async fn editors_create_edit_publish_unpublish_and_trash_pages(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let form = site.admin_get(&eve, "/admin/pages/new").await;
    assert_eq!(form.status, StatusCode::OK);
    // The stories' editor, keyed for a new page's browser copy.
    assert_eq!(form.attrs("form#story-form", "data-copy-kind"), ["page"]);
    assert!(form.attrs("form#story-form", "data-story-key")[0].starts_with("new-"));
    assert!(
        form.attrs("script[type=module]", "src")
            .iter()
            .any(|s| s.contains("editor"))
    );
    let nav = site.admin_get(&eve, "/admin/").await;
    assert!(
        nav.attrs("nav a", "href")
            .iter()
            .any(|h| h == "/admin/pages")
    );

    let res = save(
        &site,
        &eve,
        None,
        &[("title", "Imprint"), ("body", "Who we are.")],
        "save",
    )
    .await;
    let id = saved_id(&res);
    assert_eq!(status_of(&site, id).await, "draft");
    assert_eq!(site.get("/imprint/").await.status, StatusCode::NOT_FOUND);
    let edit = site.admin_get(&eve, &format!("/admin/pages/{id}")).await;
    assert_eq!(
        edit.attrs("form#story-form", "data-story-key"),
        [format!("page-{id}")]
    );

    let res = save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Imprint"),
            ("slug", "imprint"),
            ("body", "Who we are."),
        ],
        "publish",
    )
    .await;
    assert_eq!(saved_id(&res), id);
    assert!(
        site.admin_follow(&eve, &res)
            .await
            .body
            .contains("Page published.")
    );
    assert_eq!(status_of(&site, id).await, "published");
    let public = site.get("/imprint/").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Who we are."));
    // WordPress's query link still leads there.
    let old = site.get(&format!("/?page_id={id}")).await;
    assert_eq!(old.location(), "/imprint/");

    save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Imprint and contacts"),
            ("slug", "imprint"),
            ("body", "Who we are, and where."),
        ],
        "save",
    )
    .await;
    assert!(
        site.get("/imprint/")
            .await
            .body
            .contains("Who we are, and where.")
    );

    save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Imprint and contacts"),
            ("slug", "imprint"),
            ("body", "x"),
        ],
        "unpublish",
    )
    .await;
    assert_eq!(status_of(&site, id).await, "draft");
    assert_eq!(site.get("/imprint/").await.status, StatusCode::NOT_FOUND);

    let res = save(
        &site,
        &eve,
        Some(id),
        &[("title", "Imprint"), ("slug", "imprint"), ("body", "x")],
        "trash",
    )
    .await;
    assert_eq!(res.location(), "/admin/pages");
    assert_eq!(status_of(&site, id).await, "trash");
    // Deleting for good only from the trash; restoring brings a draft back.
    save(
        &site,
        &eve,
        Some(id),
        &[("title", "Imprint"), ("slug", "imprint"), ("body", "x")],
        "restore",
    )
    .await;
    assert_eq!(status_of(&site, id).await, "draft");
    let refused = site
        .admin_post(&eve, &format!("/admin/pages/{id}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    save(
        &site,
        &eve,
        Some(id),
        &[("title", "Imprint"), ("slug", "imprint"), ("body", "x")],
        "trash",
    )
    .await;
    let gone = site
        .admin_post(&eve, &format!("/admin/pages/{id}/delete"), &[])
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(site.store.page(id).await.unwrap().is_none());
    let audit = site
        .raw_pairs("SELECT action, COUNT(*) FROM audit_log GROUP BY action")
        .await;
    assert!(
        audit.iter().any(|(a, n)| a == "page_delete" && *n == 1),
        "{audit:?}"
    );
}

async fn authors_and_contributors_are_refused_every_pages_route(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let id = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "About"), ("body", "Us.")],
            "publish",
        )
        .await,
    );
    let rev = site
        .store
        .revisions_of(newsdesk::store::desk::RevisionOf::Page(id))
        .await
        .unwrap()[0]
        .id;
    for (login, role) in [("ann", Role::Author), ("carl", Role::Contributor)] {
        let who = site.staff(login, role).await;
        let nav = site.admin_get(&who, "/admin/").await;
        assert!(
            !nav.attrs("nav a", "href")
                .iter()
                .any(|h| h == "/admin/pages")
        );
        for path in [
            "/admin/pages".to_owned(),
            "/admin/pages?status=trash".to_owned(),
            "/admin/pages/new".to_owned(),
            format!("/admin/pages/{id}"),
            format!("/admin/pages/{id}/revisions"),
            format!("/admin/pages/{id}/revisions/{rev}"),
        ] {
            assert_eq!(
                site.admin_get(&who, &path).await.status,
                StatusCode::FORBIDDEN,
                "{login} GET {path}"
            );
        }
        let page_fields = [
            ("title", "Taken over"),
            ("body", "Mine now."),
            ("intent", "publish"),
        ];
        for (path, fields) in [
            ("/admin/pages/new".to_owned(), &page_fields[..]),
            (format!("/admin/pages/{id}"), &page_fields[..]),
            (format!("/admin/pages/{id}/delete"), &[][..]),
            (
                format!("/admin/pages/{id}/revisions/{rev}/restore"),
                &[][..],
            ),
            (
                "/admin/pages/bulk".to_owned(),
                &[("id", "1"), ("action", "trash")][..],
            ),
        ] {
            let res = site.admin_post(&who, &path, fields).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{login} POST {path}");
        }
    }
    let page = site.store.page(id).await.unwrap().unwrap();
    assert_eq!(
        (page.title.as_str(), page.status.as_str()),
        ("About", "published")
    );
    assert_eq!(
        site.raw_pairs("SELECT 'pages', COUNT(*) FROM pages").await[0].1,
        1
    );
}

async fn a_page_cannot_sit_under_itself_or_its_own_sub_page(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let about = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "About"), ("body", "Us.")],
            "publish",
        )
        .await,
    );
    let about_s = about.to_string();
    let team = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[
                ("title", "Team"),
                ("body", "People."),
                ("parent_id", &about_s),
            ],
            "publish",
        )
        .await,
    );
    let team_s = team.to_string();
    let board = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[
                ("title", "Board"),
                ("body", "Chairs."),
                ("parent_id", &team_s),
            ],
            "publish",
        )
        .await,
    );
    let board_s = board.to_string();

    for parent in [&about_s, &team_s, &board_s] {
        let res = save(
            &site,
            &eve,
            Some(about),
            &[
                ("title", "About"),
                ("slug", "about"),
                ("body", "Us."),
                ("parent_id", parent),
            ],
            "save",
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent {parent}"
        );
        assert!(
            res.fragment("#parent_id-error")
                .contains("cannot be its own parent"),
            "{}",
            res.body
        );
    }
    assert_eq!(
        site.store.page(about).await.unwrap().unwrap().parent_id,
        None
    );
    // The parent menu offers neither the page itself nor its sub-pages.
    let form = site.admin_get(&eve, &format!("/admin/pages/{about}")).await;
    assert!(
        form.attrs("#parent_id option", "value")
            .iter()
            .all(|v| v.is_empty())
    );
    let form = site.admin_get(&eve, &format!("/admin/pages/{board}")).await;
    let offered = form.attrs("#parent_id option", "value");
    assert!(offered.contains(&about_s) && offered.contains(&team_s) && !offered.contains(&board_s));
}

async fn reserved_and_taken_addresses_are_field_errors(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    save(
        &site,
        &eve,
        None,
        &[
            ("title", "Contact"),
            ("slug", "contact"),
            ("body", "Write."),
        ],
        "publish",
    )
    .await;
    for slug in [
        "admin", "category", "tag", "author", "feed", "search", "media", "static", "wp-json",
        "sitemap", "2026",
    ] {
        let res = save(
            &site,
            &eve,
            None,
            &[("title", "Clash"), ("slug", slug), ("body", "x")],
            "publish",
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{slug}");
        assert!(
            res.fragment("#slug-error").contains("reserved"),
            "{slug}: {}",
            res.body
        );
        // Everything typed is kept.
        assert_eq!(res.attrs("#title", "value"), ["Clash"]);
    }
    let res = save(
        &site,
        &eve,
        None,
        &[("title", "Contact us"), ("slug", "contact"), ("body", "x")],
        "publish",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.fragment("#slug-error")
            .contains("Another page already uses this address")
    );
    // A title alone takes the first free address, never a reserved one.
    let id = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Feed"), ("body", "x")],
            "save",
        )
        .await,
    );
    assert_eq!(site.store.page(id).await.unwrap().unwrap().slug, "feed-2");
    let id = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Contact"), ("body", "x")],
            "save",
        )
        .await,
    );
    assert_eq!(
        site.store.page(id).await.unwrap().unwrap().slug,
        "contact-2"
    );
    assert_eq!(
        site.raw_pairs("SELECT 'n', COUNT(*) FROM pages").await[0].1,
        3
    );
}

async fn published_pages_show_at_their_address_with_webpage_json_ld(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let about = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[
                ("title", "About us"),
                ("slug", "about"),
                ("body", "We report."),
            ],
            "publish",
        )
        .await,
    );
    let about_s = about.to_string();
    let team = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[
                ("title", "Our team"),
                ("slug", "team"),
                ("body", "Reporters."),
                ("parent_id", &about_s),
            ],
            "publish",
        )
        .await,
    );

    let page = site.get("/about/").await;
    assert_eq!(page.status, StatusCode::OK);
    let graph = json_ld(&page);
    let web = graph
        .iter()
        .find(|v| v["@type"] == "WebPage")
        .expect("a WebPage");
    assert_eq!(web["name"], "About us");
    assert!(web["url"].as_str().unwrap().ends_with("/about/"));
    assert!(web["datePublished"].is_string() && web["dateModified"].is_string());
    assert!(web.get("breadcrumb").is_none());

    let child = site.get("/about/team/").await;
    assert_eq!(child.status, StatusCode::OK, "{}", child.body);
    assert!(child.body.contains("Reporters."));
    let graph = json_ld(&child);
    let web = graph
        .iter()
        .find(|v| v["@type"] == "WebPage")
        .expect("a WebPage");
    assert!(web["url"].as_str().unwrap().ends_with("/about/team/"));
    let crumbs = web["breadcrumb"]["itemListElement"].as_array().unwrap();
    assert_eq!(crumbs.len(), 3);
    assert_eq!(crumbs[1]["name"], "About us");
    assert_eq!(crumbs[2]["name"], "Our team");
    assert_eq!(
        child.attrs("link[rel=canonical]", "href")[0]
            .rsplit_once("//")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1,
        "about/team/"
    );
    // Other paths to the page lead to its address, and so does `?page_id=`.
    assert_eq!(site.get("/team/").await.location(), "/about/team/");
    assert_eq!(
        site.get(&format!("/?page_id={team}")).await.location(),
        "/about/team/"
    );
    assert_eq!(
        site.get("/about/nobody/").await.status,
        StatusCode::NOT_FOUND
    );
    // Date archives keep their addresses.
    assert_ne!(
        site.get("/2026/").await.status,
        StatusCode::MOVED_PERMANENTLY
    );
}

async fn page_revisions_are_recorded_and_restorable(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let id = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[
                ("title", "Privacy"),
                ("slug", "privacy"),
                ("body", "We keep nothing."),
            ],
            "publish",
        )
        .await,
    );
    save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Privacy policy"),
            ("slug", "privacy"),
            ("body", "We keep your email."),
        ],
        "save",
    )
    .await;
    // Saving the same text again records nothing new.
    save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Privacy policy"),
            ("slug", "privacy"),
            ("body", "We keep your email."),
        ],
        "save",
    )
    .await;
    let revs = site
        .store
        .revisions_of(newsdesk::store::desk::RevisionOf::Page(id))
        .await
        .unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[1].title, "Privacy");
    // Page revisions are the page's own: no story lists them.
    assert_eq!(
        site.raw_pairs("SELECT 'n', COUNT(*) FROM revisions WHERE article_id IS NOT NULL")
            .await[0]
            .1,
        0
    );

    let list = site
        .admin_get(&eve, &format!("/admin/pages/{id}/revisions"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.texts("tbody tr").len(), 2);
    let diff = site
        .admin_get(&eve, &format!("/admin/pages/{id}/revisions/{}", revs[0].id))
        .await;
    assert!(diff.body.contains("<ins>"), "{}", diff.body);
    let older = site
        .admin_get(&eve, &format!("/admin/pages/{id}/revisions/{}", revs[1].id))
        .await;
    assert!(older.body.contains("Restore this version"));

    let res = site
        .admin_post(
            &eve,
            &format!("/admin/pages/{id}/revisions/{}/restore", revs[1].id),
            &[],
        )
        .await;
    assert_eq!(res.location(), format!("/admin/pages/{id}"));
    let page = site.store.page(id).await.unwrap().unwrap();
    assert_eq!(
        (page.title.as_str(), page.status.as_str()),
        ("Privacy", "published")
    );
    assert!(
        site.get("/privacy/")
            .await
            .body
            .contains("We keep nothing.")
    );
    assert_eq!(
        site.store
            .revisions_of(newsdesk::store::desk::RevisionOf::Page(id))
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn the_page_list_has_state_tabs_search_and_page_numbers(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    for i in 0..32 {
        let title = format!("Guide {i:02}");
        save(
            &site,
            &eve,
            None,
            &[("title", &title), ("body", "x")],
            if i < 2 { "save" } else { "publish" },
        )
        .await;
    }
    save(
        &site,
        &eve,
        None,
        &[("title", "Careers"), ("body", "Jobs.")],
        "publish",
    )
    .await;
    let list = site.admin_get(&eve, "/admin/pages").await;
    assert_eq!(list.status, StatusCode::OK);
    let tabs = list.texts(".tabs a");
    assert!(tabs.contains(&"All (33)".to_owned()), "{tabs:?}");
    assert!(tabs.contains(&"Drafts (2)".to_owned()), "{tabs:?}");
    assert!(tabs.contains(&"Published (31)".to_owned()), "{tabs:?}");
    assert_eq!(list.texts("tbody tr").len(), 30);
    let second = site.admin_get(&eve, "/admin/pages?page=2").await;
    assert_eq!(second.texts("tbody tr").len(), 3);
    for odd in ["0", "-1", "x", "99999999999999999999"] {
        let res = site
            .admin_get(&eve, &format!("/admin/pages?page={odd}"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{odd}");
    }
    let found = site.admin_get(&eve, "/admin/pages?q=career").await;
    assert_eq!(found.texts("tbody td.title > a"), ["Careers"]);
    let drafts = site.admin_get(&eve, "/admin/pages?status=draft").await;
    assert_eq!(drafts.texts("tbody tr").len(), 2);
    // Bulk: trash two, then find them in the trash.
    let ids = site
        .raw_pairs("SELECT title, id FROM pages WHERE status = 'draft' ORDER BY id")
        .await;
    let (a, b) = (ids[0].1.to_string(), ids[1].1.to_string());
    let res = site
        .admin_post(
            &eve,
            "/admin/pages/bulk",
            &[("id", &a), ("id", &b), ("action", "trash")],
        )
        .await;
    assert!(
        site.admin_follow(&eve, &res)
            .await
            .body
            .contains("2 pages changed.")
    );
    let trash = site.admin_get(&eve, "/admin/pages?status=trash").await;
    assert_eq!(trash.texts("tbody tr").len(), 2);
}
