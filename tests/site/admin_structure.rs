//! The site's structure in the newsroom admin: sections, tags, widgets and menus, with what
//! readers see on the public pages after each change.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::support::{ORIGIN, Page, Staff, TestSite};

on_both_backends!(demo:
    the_featured_story_is_chosen_by_headline,
    a_tag_merge_target_is_a_slug_even_when_numeric,
    authors_and_contributors_cannot_change_the_structure,
    sections_are_created_renamed_and_moved,
    merged_and_deleted_sections_keep_their_stories_findable,
    tags_are_created_renamed_merged_and_deleted,
    widgets_are_added_configured_reordered_and_removed,
    invalid_widget_settings_are_refused_with_the_values_kept,
    the_preview_is_the_public_widget,
    the_read_also_box_is_switched_here,
    menu_entries_are_added_nested_reordered_and_removed,
);

async fn section_id(site: &TestSite, slug: &str) -> i64 {
    site.store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == slug)
        .unwrap_or_else(|| panic!("no section {slug}"))
        .id
}

async fn widget_ids(site: &TestSite) -> Vec<(String, i64)> {
    site.raw_pairs("SELECT title, id FROM widgets ORDER BY area, position, id")
        .await
}

async fn flash(site: &TestSite, who: &Staff, res: &Page) -> String {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cookie = format!("{}; {}", who.cookie, res.cookies());
    let page = site.get_with_cookie(res.location(), Some(&cookie)).await;
    page.texts(".flash").join(" ")
}

/// What the structure looks like, to show that a refused request changed nothing.
async fn snapshot(site: &TestSite) -> Vec<(String, i64)> {
    site.raw_pairs(
        "SELECT 'section ' || slug || ' ' || name || ' ' || COALESCE(CAST(parent_id AS TEXT), '-'), position FROM categories \
         UNION ALL SELECT 'tag ' || slug || ' ' || name, id FROM tags \
         UNION ALL SELECT 'widget ' || title || ' ' || settings, position FROM widgets \
         UNION ALL SELECT 'item ' || label || ' ' || url || ' ' || kind, position FROM menu_items \
         UNION ALL SELECT 'setting ' || name || ' ' || value, 0 FROM settings WHERE name = 'read_also' \
         UNION ALL SELECT 'story-section', CAST(COUNT(*) AS BIGINT) FROM article_categories \
         UNION ALL SELECT 'story-tag', CAST(COUNT(*) AS BIGINT) FROM article_tags \
         ORDER BY 1, 2",
    )
    .await
}

async fn authors_and_contributors_cannot_change_the_structure(site: TestSite) {
    let sport = section_id(&site, "sport").await.to_string();
    let world = section_id(&site, "world").await.to_string();
    let tag = site
        .store
        .tag_by_slug("diplomacy")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let other_tag = site
        .store
        .tag_by_slug("space")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let widget = widget_ids(&site).await[0].1.to_string();
    let item = site.raw_pairs("SELECT label, id FROM menu_items").await[0]
        .1
        .to_string();
    let before = snapshot(&site).await;
    for (login, role) in [("ann", Role::Author), ("cole", Role::Contributor)] {
        let who = site.staff(login, role).await;
        for path in [
            "/admin/sections".to_owned(),
            format!("/admin/sections/{sport}"),
            "/admin/tags".to_owned(),
            format!("/admin/tags/{tag}"),
            "/admin/widgets".to_owned(),
            "/admin/widgets/new?area=sidebar&kind=text".to_owned(),
            format!("/admin/widgets/{widget}"),
            "/admin/menus".to_owned(),
        ] {
            let res = site.admin_get(&who, &path).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{login} GET {path}");
        }
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/admin/sections".into(), vec![("name", "Culture")]),
            (
                format!("/admin/sections/{sport}"),
                vec![("name", "Sports"), ("slug", "sports")],
            ),
            (
                format!("/admin/sections/{sport}/move"),
                vec![("direction", "up")],
            ),
            (
                format!("/admin/sections/{sport}/merge"),
                vec![("into", &world)],
            ),
            (
                format!("/admin/sections/{sport}/delete"),
                vec![("stories_to", "")],
            ),
            ("/admin/tags".into(), vec![("name", "Elections")]),
            (format!("/admin/tags/{tag}"), vec![("name", "Talks")]),
            (
                format!("/admin/tags/{tag}/merge"),
                vec![("into", &other_tag)],
            ),
            (format!("/admin/tags/{tag}/delete"), vec![]),
            (
                "/admin/widgets".into(),
                vec![("area", "sidebar"), ("kind", "text"), ("html", "<p>Hi</p>")],
            ),
            (
                format!("/admin/widgets/{widget}"),
                vec![("title", "Changed"), ("count", "2")],
            ),
            (
                format!("/admin/widgets/{widget}/move"),
                vec![("direction", "down")],
            ),
            (format!("/admin/widgets/{widget}/delete"), vec![]),
            (
                "/admin/widgets/read-also".into(),
                vec![("read_also", "off")],
            ),
            (
                "/admin/widgets/preview".into(),
                vec![("kind", "latest_posts"), ("count", "3")],
            ),
            (
                "/admin/menus/primary/items".into(),
                vec![
                    ("kind", "link"),
                    ("label", "X"),
                    ("url", "https://example.org/"),
                ],
            ),
            (format!("/admin/menus/items/{item}"), vec![("label", "X")]),
            (
                format!("/admin/menus/items/{item}/move"),
                vec![("direction", "down")],
            ),
            (format!("/admin/menus/items/{item}/delete"), vec![]),
        ];
        for (path, fields) in &posts {
            let res = site.admin_post(&who, path, fields).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{login} POST {path}");
        }
        // The navigation does not offer what the role cannot use.
        let dash = site.admin_get(&who, "/admin/").await;
        let nav = dash.attrs("nav.side a", "href");
        for href in ["/admin/sections", "/admin/widgets", "/admin/menus"] {
            assert!(!nav.iter().any(|h| h == href), "{login} sees {href}");
        }
    }
    assert_eq!(snapshot(&site).await, before, "nothing changed");
}

async fn sections_are_created_renamed_and_moved(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let list = site.admin_get(&ed, "/admin/sections").await;
    assert_eq!(list.status, StatusCode::OK);
    // Sub-sections follow their parent, with story counts and public addresses.
    let names = list.texts("table.sections td.title > a");
    let world = names.iter().position(|n| n == "World").unwrap();
    assert_eq!(names[world + 1], "Asia");
    assert!(
        list.attrs("table.sections a", "href")
            .contains(&"/category/world/asia/".to_owned())
    );

    // Created with a slug made from the name.
    let res = site
        .admin_post(
            &ed,
            "/admin/sections",
            &[
                ("name", "Arts & Culture"),
                ("slug", ""),
                ("description", "Reviews"),
            ],
        )
        .await;
    assert_eq!(
        flash(&site, &ed, &res).await,
        "Section “Arts & Culture” created."
    );
    let page = site.get("/category/arts-culture/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1.archive-title"), ["Arts & Culture"]);

    // A slug in use is refused, with everything typed kept.
    let dup = site
        .admin_post(
            &ed,
            "/admin/sections",
            &[
                ("name", "Global"),
                ("slug", "world"),
                ("description", "Elsewhere"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.attrs("#name", "value"), ["Global"]);
    assert_eq!(dup.attrs("#slug", "value"), ["world"]);
    assert_eq!(dup.texts("#description"), ["Elsewhere"]);
    assert_eq!(dup.attrs("#slug", "aria-invalid"), ["true"]);
    assert!(
        dup.texts("#slug-error")[0].contains("already uses"),
        "{:?}",
        dup.texts("#slug-error")
    );
    assert_eq!(dup.texts(".error-summary li").len(), 1);
    assert_eq!(
        site.raw_pairs("SELECT name, id FROM categories WHERE name = 'Global'")
            .await,
        []
    );

    // Renamed, with a new address; the old one redirects.
    let sport = section_id(&site, "sport").await;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{sport}"),
            &[("name", "Sports"), ("slug", "sports"), ("parent_id", "")],
        )
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Section “Sports” saved.");
    let page = site.get("/category/sports/").await;
    assert_eq!(page.texts("h1.archive-title"), ["Sports"]);
    assert!(
        page.texts(".card__title")
            .iter()
            .any(|t| t.contains("Late equaliser"))
    );
    let old = site.get("/category/sport/").await;
    assert_eq!(old.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.location(), "/category/sports/");
    assert_eq!(
        site.get("/category/sport/feed/").await.location(),
        "/category/sports/feed/"
    );

    // Moved under a parent: the public address follows the tree.
    let arts = section_id(&site, "arts-culture").await;
    let world = section_id(&site, "world").await;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{arts}"),
            &[
                ("name", "Arts & Culture"),
                ("slug", "arts-culture"),
                ("parent_id", &world.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = site.get("/category/world/arts-culture/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1.archive-title"), ["Arts & Culture"]);
    assert_eq!(
        site.get("/category/arts-culture/").await.location(),
        "/category/world/arts-culture/"
    );

    // A section cannot go under its own sub-section.
    let asia = section_id(&site, "asia").await;
    let bad = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{world}"),
            &[
                ("name", "World"),
                ("slug", "world"),
                ("parent_id", &asia.to_string()),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.texts("#parent_id-error")[0].contains("cannot go under itself"));
    assert_eq!(site.get("/category/world/").await.status, StatusCode::OK);

    // Reordered among its siblings.
    let order = |p: &Page| p.texts("table.sections td.title > a");
    let before = order(&site.admin_get(&ed, "/admin/sections").await);
    let politics = section_id(&site, "politics").await;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{politics}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let after = order(&site.admin_get(&ed, "/admin/sections").await);
    let at = |list: &[String], n: &str| list.iter().position(|x| x == n).unwrap();
    assert!(at(&after, "Politics") < at(&after, "World"), "{after:?}");
    assert!(at(&before, "Politics") > at(&before, "World"), "{before:?}");
}

async fn merged_and_deleted_sections_keep_their_stories_findable(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let technology = section_id(&site, "technology").await;
    let science = section_id(&site, "science").await;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{technology}/merge"),
            &[("into", &science.to_string())],
        )
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Sections merged.");
    let page = site.get("/category/science/").await;
    let titles = page.texts(".card__title").join("\n");
    assert!(
        titles.contains("Ransomware attack disrupts city council services"),
        "{titles}"
    );
    assert_eq!(
        site.get("/category/technology/").await.location(),
        "/category/science/"
    );
    assert!(
        site.store
            .categories()
            .await
            .unwrap()
            .iter()
            .all(|c| c.slug != "technology")
    );

    // Deleted, its stories going to another section.
    let sport = section_id(&site, "sport").await;
    let health = section_id(&site, "health").await;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{sport}/delete"),
            &[("stories_to", &health.to_string())],
        )
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Section deleted.");
    let page = site.get("/category/health/").await;
    assert!(
        page.texts(".card__title")
            .iter()
            .any(|t| t.contains("Late equaliser"))
    );
    // The header menu no longer offers the deleted section.
    assert!(
        !site
            .get("/")
            .await
            .attrs(".primary-nav a", "href")
            .contains(&"/category/sport/".to_owned())
    );

    // Deleted without a destination: its sub-sections move up to the top.
    let world = section_id(&site, "world").await;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/sections/{world}/delete"),
            &[("stories_to", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(site.get("/category/asia/").await.status, StatusCode::OK);
    assert_eq!(
        site.get("/category/world/").await.status,
        StatusCode::NOT_FOUND
    );
    // Its stories are still published, only without the section.
    let url = site
        .url_of("Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome")
        .await;
    assert_eq!(site.get(&url).await.status, StatusCode::OK);
}

async fn tags_are_created_renamed_merged_and_deleted(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let list = site.admin_get(&ed, "/admin/tags?q=korea").await;
    assert_eq!(list.texts("table.list td.title"), ["North Korea"]);

    let res = site
        .admin_post(&ed, "/admin/tags", &[("name", "Elections"), ("slug", "")])
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Tag “Elections” created.");
    let dup = site
        .admin_post(
            &ed,
            "/admin/tags",
            &[("name", "Polls"), ("slug", "elections")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.attrs("#name", "value"), ["Polls"]);
    assert!(!dup.texts("#slug-error").is_empty());

    // Renamed: the archive's heading and address follow.
    let space = site.store.tag_by_slug("space").await.unwrap().unwrap().id;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/tags/{space}"),
            &[("name", "Spaceflight"), ("slug", "spaceflight")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        site.get("/tag/spaceflight/")
            .await
            .texts("h1.archive-title"),
        ["Spaceflight"]
    );

    // Merged: every story of either tag is under the target, once.
    let korea = site
        .store
        .tag_by_slug("north-korea")
        .await
        .unwrap()
        .unwrap()
        .id;
    let diplomacy = site
        .store
        .tag_by_slug("diplomacy")
        .await
        .unwrap()
        .unwrap()
        .id;
    let union = site
        .raw_pairs(&format!(
            "SELECT 'n', CAST(COUNT(DISTINCT article_id) AS BIGINT) FROM article_tags WHERE tag_id IN ({korea}, {diplomacy})"
        ))
        .await[0]
        .1;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/tags/{korea}/merge"),
            &[("into", "diplomacy")],
        )
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Tags merged.");
    let merged = site
        .raw_pairs(&format!(
            "SELECT 'n', CAST(COUNT(*) AS BIGINT) FROM article_tags WHERE tag_id = {diplomacy}"
        ))
        .await[0]
        .1;
    assert_eq!(merged, union);
    assert_eq!(
        site.get("/tag/north-korea/").await.status,
        StatusCode::NOT_FOUND
    );
    let page = site.get("/tag/diplomacy/").await;
    assert!(
        page.texts(".card__title")
            .iter()
            .any(|t| t.contains("Putin meets N Korea"))
    );

    // Deleted.
    let res = site
        .admin_post(&ed, &format!("/admin/tags/{diplomacy}/delete"), &[])
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Tag deleted.");
    assert_eq!(
        site.get("/tag/diplomacy/").await.status,
        StatusCode::NOT_FOUND
    );
}

fn sidebar_titles(page: &Page) -> Vec<String> {
    page.texts(".sidebar .widget__title")
}

async fn widgets_are_added_configured_reordered_and_removed(site: TestSite) {
    // The sidebar as a page other than the front page shows it (the front page leaves out the
    // latest-stories widget, since its main column lists the latest stories).
    let ed = site.staff("edna", Role::Editor).await;
    assert_eq!(
        sidebar_titles(&site.get("/about/").await),
        ["Health Tips", "Featured", "Latest news"]
    );
    let page = site.admin_get(&ed, "/admin/widgets").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("#area-sidebar + p + .table-scroll td.title"),
        ["Health Tips", "Featured", "Latest news"]
    );

    // Added: a text widget, sanitized, at the end of the sidebar.
    let form = site
        .admin_get(&ed, "/admin/widgets/new?area=sidebar&kind=text")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.attrs("#html", "name"), ["html"]);
    let res = site
        .admin_post(
            &ed,
            "/admin/widgets",
            &[
                ("area", "sidebar"),
                ("kind", "text"),
                ("action", "save"),
                ("title", "Tip line"),
                ("html", "<p>Call <b>us</b></p><script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(
        flash(&site, &ed, &res).await,
        "Widget added. The public pages show it now."
    );
    let home = site.get("/about/").await;
    assert_eq!(
        sidebar_titles(&home),
        ["Health Tips", "Featured", "Latest news", "Tip line"]
    );
    assert_eq!(
        home.fragment(".sidebar .widget--text .widget__text"),
        "<div class=\"widget__text\"><p>Call <b>us</b></p></div>"
    );

    // Configured: fewer latest stories, a new title.
    let latest = widget_ids(&site)
        .await
        .into_iter()
        .find(|(t, _)| t == "Latest news")
        .unwrap()
        .1;
    let form = site
        .admin_get(&ed, &format!("/admin/widgets/{latest}"))
        .await;
    assert_eq!(form.attrs("#count", "value"), ["5"]);
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/widgets/{latest}"),
            &[("title", "Just in"), ("count", "2"), ("action", "save")],
        )
        .await;
    assert_eq!(
        flash(&site, &ed, &res).await,
        "Widget saved. The public pages show it now."
    );
    let home = site.get("/about/").await;
    assert_eq!(home.texts(".sidebar .widget--latest_posts li").len(), 2);
    assert_eq!(sidebar_titles(&home)[2], "Just in");

    // Reordered: the text widget moves up twice.
    let tip = widget_ids(&site)
        .await
        .into_iter()
        .find(|(t, _)| t == "Tip line")
        .unwrap()
        .1;
    for _ in 0..2 {
        let res = site
            .admin_post(
                &ed,
                &format!("/admin/widgets/{tip}/move"),
                &[("direction", "up")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        sidebar_titles(&site.get("/about/").await),
        ["Health Tips", "Tip line", "Featured", "Just in"]
    );
    // The list offers no move past either end.
    let page = site.admin_get(&ed, "/admin/widgets").await;
    assert_eq!(
        page.attrs("button[aria-label='Move Health Tips up']", "disabled"),
        [""]
    );

    // Removed, after the browser asks to confirm.
    let page = site.admin_get(&ed, "/admin/widgets").await;
    assert!(
        page.attrs(
            &format!("form[action='/admin/widgets/{tip}/delete'] button"),
            "data-confirm"
        )[0]
        .contains("Tip line")
    );
    let res = site
        .admin_post(&ed, &format!("/admin/widgets/{tip}/delete"), &[])
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Widget removed.");
    assert_eq!(
        sidebar_titles(&site.get("/about/").await),
        ["Health Tips", "Featured", "Just in"]
    );
}

async fn invalid_widget_settings_are_refused_with_the_values_kept(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let before = snapshot(&site).await;
    let res = site
        .admin_post(
            &ed,
            "/admin/widgets",
            &[
                ("area", "sidebar"),
                ("kind", "posts_in_category"),
                ("action", "save"),
                ("title", "Sport desk"),
                ("category_id", ""),
                ("count", "99"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.attrs("#title", "value"), ["Sport desk"]);
    assert_eq!(res.attrs("#count", "value"), ["99"]);
    assert_eq!(res.texts("#count-error"), ["enter a number from 1 to 20"]);
    assert_eq!(res.texts("#category_id-error"), ["choose a section"]);
    assert_eq!(
        res.attrs("#count", "aria-describedby"),
        ["count-hint count-error"]
    );
    assert_eq!(res.texts(".error-summary li").len(), 2);

    // An existing widget keeps its stored settings when the new ones are refused.
    let latest = widget_ids(&site)
        .await
        .into_iter()
        .find(|(t, _)| t == "Latest news")
        .unwrap()
        .1;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/widgets/{latest}"),
            &[("title", "Fresh"), ("count", "zero")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.attrs("#title", "value"), ["Fresh"]);
    assert_eq!(res.attrs("#count", "value"), ["zero"]);
    // A featured story that does not exist.
    let featured = widget_ids(&site)
        .await
        .into_iter()
        .find(|(t, _)| t == "Featured")
        .unwrap()
        .1;
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/widgets/{featured}"),
            &[("title", "Featured"), ("article_id", "999999")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts("#article_id-error"),
        ["there is no published story number 999999"]
    );
    assert_eq!(snapshot(&site).await, before);
}

/// A POST as the live preview script sends it: the token in `X-CSRF-Token`.
async fn script_post(site: &TestSite, who: &Staff, path: &str, fields: &[(&str, &str)]) -> Page {
    site.post_form_with(
        path,
        fields,
        "192.0.2.10",
        &[
            ("cookie", &who.cookie),
            ("origin", ORIGIN),
            ("x-csrf-token", &who.csrf),
        ],
    )
    .await
}

async fn the_preview_is_the_public_widget(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let health = section_id(&site, "health-tips").await.to_string();
    let id = widget_ids(&site)
        .await
        .into_iter()
        .find(|(t, _)| t == "Health Tips")
        .unwrap()
        .1
        .to_string();
    // The stored settings preview exactly as the public sidebar shows them.
    let res = script_post(
        &site,
        &ed,
        "/admin/widgets/preview",
        &[
            ("id", &id),
            ("kind", "posts_in_category"),
            ("title", "Health Tips"),
            ("category_id", &health),
            ("count", "5"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("<html"), "a fragment, not a page");
    let public = site.get("/").await;
    assert_eq!(
        res.fragment(".widget"),
        public.fragment(".sidebar .widget--posts_in_category")
    );

    // Unsaved settings preview without changing anything.
    let before = snapshot(&site).await;
    let res = script_post(
        &site,
        &ed,
        "/admin/widgets/preview",
        &[("kind", "latest_posts"), ("title", "Fresh"), ("count", "3")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.texts(".widget__title"), ["Fresh"]);
    assert_eq!(res.texts(".widget--latest_posts li").len(), 3);
    let res = script_post(
        &site,
        &ed,
        "/admin/widgets/preview",
        &[
            ("kind", "text"),
            ("html", "<em>Hello</em><img src=x onerror=alert(1)>"),
        ],
    )
    .await;
    assert_eq!(
        res.fragment(".widget__text"),
        "<div class=\"widget__text\"><em>Hello</em><img src=\"x\"></div>"
    );
    let res = script_post(
        &site,
        &ed,
        "/admin/widgets/preview",
        &[("kind", "latest_posts"), ("count", "0")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts(".preview-errors li"),
        ["enter a number from 1 to 20"]
    );

    // Without the script, the Preview button shows the same on the page and saves nothing.
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/widgets/{id}"),
            &[
                ("action", "preview"),
                ("title", "Wellbeing"),
                ("category_id", &health),
                ("count", "2"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.texts("#widget-preview .widget__title"), ["Wellbeing"]);
    assert_eq!(res.texts("#widget-preview li").len(), 2);
    assert_eq!(res.attrs("#title", "value"), ["Wellbeing"]);
    assert_eq!(snapshot(&site).await, before);
    // The form loads the preview script from the admin's own files.
    let form = site.admin_get(&ed, &format!("/admin/widgets/{id}")).await;
    let script = form.attrs("script[src*='widgets.']", "src").remove(0);
    assert_eq!(site.get(&script).await.status, StatusCode::OK);

    // Authors may not preview.
    let author = site.staff("ann", Role::Author).await;
    let res = script_post(
        &site,
        &author,
        "/admin/widgets/preview",
        &[("kind", "latest_posts"), ("count", "3")],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn the_read_also_box_is_switched_here(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let url = site
        .url_of("Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome")
        .await;
    assert_eq!(
        site.get(&url).await.texts("#read-also-title"),
        ["Read also"]
    );
    let res = site
        .admin_post(&ed, "/admin/widgets/read-also", &[("read_also", "off")])
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "The “Read also” box is off.");
    assert!(site.get(&url).await.texts("#read-also-title").is_empty());
    let page = site.admin_get(&ed, "/admin/widgets").await;
    assert_eq!(page.attrs("input[name=read_also]", "value"), ["on"]);
    let res = site
        .admin_post(&ed, "/admin/widgets/read-also", &[("read_also", "on")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        site.get(&url).await.texts("#read-also-title"),
        ["Read also"]
    );
}

async fn menu_entries_are_added_nested_reordered_and_removed(site: TestSite) {
    let ed = site.staff("edna", Role::Editor).await;
    let header = |p: &Page| p.texts(".primary-nav > ul > li > a");
    let before = header(&site.get("/").await);
    assert!(!before.is_empty());
    let page = site.admin_get(&ed, "/admin/menus").await;
    assert_eq!(page.status, StatusCode::OK);

    // A section and a custom link.
    let asia = section_id(&site, "asia").await.to_string();
    let res = site
        .admin_post(
            &ed,
            "/admin/menus/primary/items",
            &[("kind", "category"), ("target_id", &asia), ("label", "")],
        )
        .await;
    assert_eq!(
        flash(&site, &ed, &res).await,
        "Menu entry added. The public pages show it now."
    );
    let res = site
        .admin_post(
            &ed,
            "/admin/menus/primary/items",
            &[
                ("kind", "link"),
                ("label", "Tip line"),
                ("url", "https://tips.example.org/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = site.get("/").await;
    let mut expected = before.clone();
    expected.extend(["Asia".to_owned(), "Tip line".to_owned()]);
    assert_eq!(header(&home), expected);
    assert!(
        home.attrs(".primary-nav a", "href")
            .contains(&"/category/world/asia/".to_owned())
    );
    assert!(
        home.attrs(".primary-nav a", "href")
            .contains(&"https://tips.example.org/".to_owned())
    );

    // A story, nested under the link.
    let link = site
        .raw_pairs("SELECT label, id FROM menu_items WHERE label = 'Tip line'")
        .await[0]
        .1
        .to_string();
    let story = site
        .raw_pairs("SELECT title, id FROM articles WHERE title LIKE 'Late equaliser%'")
        .await[0]
        .1
        .to_string();
    let picker = site.admin_get(&ed, "/admin/menus?story_q=equaliser").await;
    assert!(
        picker
            .texts("#primary-article-target_id option")
            .iter()
            .any(|o| o.starts_with("Late equaliser"))
    );
    let res = site
        .admin_post(
            &ed,
            "/admin/menus/primary/items",
            &[
                ("kind", "article"),
                ("target_id", &story),
                ("label", "Title race"),
                ("parent_id", &link),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = site.get("/").await;
    assert_eq!(home.texts(".primary-nav .sub-menu a"), ["Title race"]);
    let story_url = site
        .url_of("Late equaliser keeps title race alive until the final weekend")
        .await;
    assert_eq!(home.attrs(".primary-nav .sub-menu a", "href"), [story_url]);

    // Reordered: the link moves up one place.
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/menus/items/{link}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let mut expected = before.clone();
    expected.extend(["Tip line".to_owned(), "Asia".to_owned()]);
    assert_eq!(header(&site.get("/").await), expected);

    // Renamed.
    let res = site
        .admin_post(
            &ed,
            &format!("/admin/menus/items/{link}"),
            &[("label", "Send a tip")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(header(&site.get("/").await).contains(&"Send a tip".to_owned()));

    // A `javascript:` link is refused, with what was typed kept.
    let bad = site
        .admin_post(
            &ed,
            "/admin/menus/footer/items",
            &[
                ("kind", "link"),
                ("label", "Click me"),
                ("url", "javascript:alert(document.cookie)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.attrs("#footer-link-label", "value"), ["Click me"]);
    assert_eq!(
        bad.attrs("#footer-link-url", "value"),
        ["javascript:alert(document.cookie)"]
    );
    assert!(bad.texts("#footer-link-url-error")[0].contains("https://"));
    assert!(!site.get("/").await.body.contains("javascript:alert"));

    // Removed: the nested story moves to the top level in its place.
    let res = site
        .admin_post(&ed, &format!("/admin/menus/items/{link}/delete"), &[])
        .await;
    assert_eq!(flash(&site, &ed, &res).await, "Menu entry removed.");
    let mut expected = before.clone();
    expected.extend(["Title race".to_owned(), "Asia".to_owned()]);
    assert_eq!(header(&site.get("/").await), expected);
}

async fn the_featured_story_is_chosen_by_headline(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let form = site
        .admin_get(&eve, "/admin/widgets/new?area=sidebar&kind=featured_post")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let labels = form.texts("#article_id option");
    assert_eq!(labels[0], "The newest sticky story");
    assert!(
        labels
            .iter()
            .any(|l| l == "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome"),
        "{labels:?}"
    );
    let values = form.attrs("#article_id option", "value");
    assert!(values[1..].iter().all(|v| v.parse::<i64>().is_ok()));
}

async fn a_tag_merge_target_is_a_slug_even_when_numeric(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let year = site.add_tag("2026", "2026").await;
    let source = site.add_tag("year-in-review", "Year in review").await;
    // A tag whose id is 2026 would be the wrong target if the slug were read as an id.
    assert_ne!(year, 2026);
    let res = site
        .admin_post(
            &eve,
            &format!("/admin/tags/{source}/merge"),
            &[("into", "2026")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(
        site.store
            .tag_by_slug("year-in-review")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        site.store.tag_by_slug("2026").await.unwrap().unwrap().id,
        year
    );
}
