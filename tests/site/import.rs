//! Importing WordPress exports: the hand-written samples in `tests/fixtures/wxr/` (one rule
//! each), the Theme Unit Test export WordPress itself publishes (when present), idempotence,
//! malformed files, and the command line.

use std::path::{Path, PathBuf};

use newsdesk::actions::Actor;
use newsdesk::actions::import::{ImportError, ImportOptions, Summary, import_wordpress};

use crate::support::{Backend, Page, TestSite, skipped};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/wxr")
        .join(name)
}

/// The Theme Unit Test export (not in this repository): `NEWSDESK_WXR_FIXTURE`, or the shared
/// fixtures folder beside the checkout.
fn theme_unit_test_export() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NEWSDESK_WXR_FIXTURE") {
        return Some(PathBuf::from(p));
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/wordpress/themeunittestdata.wordpress.xml");
    beside.exists().then_some(beside)
}

async fn import(
    site: &TestSite,
    file: &Path,
    options: &ImportOptions,
) -> Result<Summary, ImportError> {
    import_wordpress(
        &site.store,
        Actor::Operator,
        file,
        options,
        chrono::Utc::now(),
        &mut |_| {},
    )
    .await
}

/// The newsroom sample imported with the default options.
async fn import_newsroom(site: &TestSite) -> Summary {
    import(site, &sample("newsroom-1.2.xml"), &ImportOptions::default())
        .await
        .unwrap()
}

/// A path in the temporary directory that no other test, nor the other backend's run of the
/// same test (they run at once), uses.
fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("newsdesk-{}-{n}-{name}", std::process::id()))
}

/// A copy of the old site's `wp-content/uploads` with the one photo the sample uses.
fn uploads(name: &str) -> PathBuf {
    let dir = scratch(&format!("uploads-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("2026/03")).unwrap();
    let photo = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    photo.save(dir.join("2026/03/river.jpg")).unwrap();
    dir
}

async fn count(site: &TestSite, sql: &str) -> i64 {
    site.raw_pairs(&format!("SELECT 'n', ({sql})"))
        .await
        .first()
        .map_or(0, |(_, n)| *n)
}

async fn by_status(site: &TestSite, table: &str) -> Vec<(String, i64)> {
    site.raw_pairs(&format!(
        "SELECT status, COUNT(*) FROM {table} GROUP BY status ORDER BY status"
    ))
    .await
}

/// Where a published story with this slug is now.
async fn story_path(site: &TestSite, slug: &str) -> String {
    let row = site.story_at(slug).await;
    newsdesk::domain::article::article_path(row.published_at.unwrap(), &row.slug, chrono_tz::UTC)
}

fn pairs(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(s, n)| (s.to_string(), *n)).collect()
}

on_both_backends!(empty:
    a_newsroom_export_arrives_with_every_state_thread_and_image,
    importing_the_same_export_again_updates_in_place,
    a_broken_export_changes_nothing_and_says_where,
    an_old_wxr_1_0_export_is_read,
    authors_can_be_mapped_to_existing_accounts,
    the_theme_unit_test_export_arrives_whole,
    an_imported_archive_is_indexed_as_a_rebuild_indexes_it,
    a_large_import_builds_the_comment_indexes_again_however_it_ends,
    a_menu_entry_may_name_a_story_an_earlier_import_brought,
    a_header_menu_an_earlier_version_imported_reaches_the_header,
);

async fn a_newsroom_export_arrives_with_every_state_thread_and_image(site: TestSite) {
    let dir = uploads("states");
    let summary = import(
        &site,
        &sample("newsroom-1.2.xml"),
        &ImportOptions {
            uploads: Some(dir.clone()),
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    // Every status; the autosave is left out.
    assert_eq!(
        by_status(&site, "articles").await,
        pairs(&[
            ("draft", 1),
            ("pending", 1),
            ("private", 1),
            ("published", 2),
            ("scheduled", 1),
            ("trash", 1)
        ])
    );
    let stories = summary.counts["stories"];
    assert_eq!((stories.created, stories.skipped), (7, 1));
    assert_eq!(summary.counts["images"].created, 1);
    assert!(
        summary.remote_media.is_empty(),
        "{:?}",
        summary.remote_media
    );
    assert_eq!(
        summary.unknown_shortcodes.keys().collect::<Vec<_>>(),
        ["contact-form-7"]
    );

    // The story as a reader sees it: its text converted, its photo copied here.
    let page = site.get(&story_path(&site, "river-rises").await).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    let body = page.fragment("article");
    assert!(body.contains("RHM/PR"), "{body}");
    // The featured image's caption first, then the captions in the text.
    assert_eq!(
        page.texts("figcaption"),
        [
            "The river at dawn.",
            "Water at the old bridge.",
            "The river at dawn."
        ]
    );
    // The featured image, the captioned photo (a resized copy on the old site) and the gallery.
    let images = page.attrs("article figure img", "src");
    assert_eq!(images.len(), 3, "{images:?}");
    assert!(
        images.iter().all(|src| src.starts_with("/media/")),
        "{images:?}"
    );
    assert!(body.contains("href=\"/about/\""), "{body}");
    // Links to other old posts lead straight to their new addresses, whichever came first in
    // the file, by address or by id; a link to a draft keeps its old address (a 404 for now).
    let budget = story_path(&site, "council-budget").await;
    assert!(body.contains(&format!("href=\"{budget}#vote\"")), "{body}");
    assert!(body.contains("href=\"/about/staff/\""), "{body}");
    assert!(body.contains("href=\"/?p=102\""), "{body}");
    assert_eq!(summary.links_rewritten, 1);
    assert!(
        body.contains("href=\"https://www.youtube.com/watch?v=abc123\""),
        "{body}"
    );
    assert!(body.contains("Video: flood.mp4"), "{body}");
    assert!(body.contains("[contact-form-7 id=\"4\"]"), "{body}");
    assert!(
        !body.contains("wp:paragraph") && !body.contains("alert(1)") && !body.contains("onclick")
    );
    drop(html);
    // The photo is served from the library.
    let photo = site.get_raw(&images[0], &[]).await;
    assert_eq!(photo.status, 200);
    assert_eq!(photo.header("content-type"), "image/jpeg");

    // Featured image, sticky flag, sections with their hierarchy, tags, password.
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM articles WHERE sticky AND slug = 'river-rises'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM articles WHERE featured_image_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM categories c JOIN categories p ON p.id = c.parent_id \
                      WHERE c.slug = 'courts' AND p.slug = 'local'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM articles WHERE password = 'valley'"
        )
        .await,
        1
    );
    assert_eq!(count(&site, "SELECT COUNT(*) FROM tags").await, 2);
    // Dates as WordPress had them in UTC.
    assert_eq!(
        site.raw_pairs("SELECT slug, CAST(0 AS BIGINT) FROM articles WHERE status = 'scheduled'")
            .await,
        pairs(&[("election-night", 0)])
    );

    // Comments keep their state and their thread, whatever the order in the file.
    assert_eq!(
        by_status(&site, "comments").await,
        pairs(&[("approved", 2), ("pending", 1), ("spam", 1), ("trash", 1)])
    );
    assert_eq!(
        site.raw_pairs(
            "SELECT c.author_name, CAST(p.id AS BIGINT) FROM comments c JOIN comments p ON p.id = c.parent_id \
             WHERE p.author_name = 'Ben'"
        )
        .await
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>(),
        ["Ana"]
    );
    let comment_html = site.get(&story_path(&site, "river-rises").await).await.body;
    assert!(comment_html.contains("Same on our street."));
    assert!(!comment_html.contains("Buy now"));

    // Pages keep their hierarchy though the child came first.
    let staff = site.get("/about/staff/").await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    assert!(staff.body.contains("Our reporters."));

    // Menus: the header menu, one nested entry.
    let menu = site
        .raw_pairs(
            "SELECT i.kind || ':' || i.label || ':' || i.url, CAST(CASE WHEN i.parent_id IS NULL THEN 0 ELSE 1 END AS BIGINT) \
             FROM menu_items i JOIN menus m ON m.id = i.menu_id WHERE m.location = 'primary' ORDER BY i.id",
        )
        .await;
    assert_eq!(
        menu,
        pairs(&[
            ("link:Home:/", 0),
            ("category::", 0),
            ("page:Our staff:", 1)
        ])
    );

    // Authors become accounts without passwords, with invitation links; slugs are not logins.
    assert_eq!(summary.invites.len(), 2);
    assert!(summary.invites.iter().all(|i| i.token.len() > 20));
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM users WHERE password_hash IS NULL AND slug <> login"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM users WHERE slug = 'maria-reyes'"
        )
        .await,
        1
    );
}

async fn importing_the_same_export_again_updates_in_place(site: TestSite) {
    let file = sample("newsroom-1.2.xml");
    let first = import(&site, &file, &ImportOptions::default())
        .await
        .unwrap();
    let tables = [
        "articles",
        "pages",
        "comments",
        "categories",
        "tags",
        "users",
        "media",
        "menu_items",
        "legacy_urls",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&site, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    // The same file, with a corrected headline.
    let edited = scratch("edited.xml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Council budget (members only)", "Council budget approved");
    std::fs::write(&edited, text).unwrap();
    let second = import(&site, &edited, &ImportOptions::default())
        .await
        .unwrap();
    let _ = std::fs::remove_file(&edited);
    let mut after = Vec::new();
    for t in tables {
        after.push(count(&site, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    assert_eq!(before, after, "rows per table: {tables:?}");
    assert_eq!(first.counts["stories"].created, 7);
    assert_eq!(
        (
            second.counts["stories"].created,
            second.counts["stories"].updated
        ),
        (0, 7)
    );
    assert_eq!(second.counts["comments"].created, 0);
    assert_eq!(second.counts["people"].created, 0);
    assert!(second.invites.is_empty());
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM articles WHERE title = 'Council budget approved'"
        )
        .await,
        1
    );
}

async fn a_broken_export_changes_nothing_and_says_where(site: TestSite) {
    let before = count(&site, "SELECT COUNT(*) FROM users").await;
    let err = import(&site, &sample("mismatched.xml"), &ImportOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 109"), "{err}");
    assert!(err.contains("<post_name>"), "{err}");
    let err = import(&site, &sample("cut-off.xml"), &ImportOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 34"), "{err}");
    let not_wxr = scratch("not-wxr.xml");
    std::fs::write(&not_wxr, "<html><body>hello</body></html>").unwrap();
    let err = import(&site, &not_wxr, &ImportOptions::default())
        .await
        .unwrap_err()
        .to_string();
    let _ = std::fs::remove_file(&not_wxr);
    assert!(err.contains("not a WordPress export"), "{err}");
    for table in [
        "articles",
        "pages",
        "categories",
        "tags",
        "media",
        "comments",
    ] {
        assert_eq!(
            count(&site, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(count(&site, "SELECT COUNT(*) FROM users").await, before);
}

async fn an_old_wxr_1_0_export_is_read(site: TestSite) {
    let summary = import(&site, &sample("classic-1.0.xml"), &ImportOptions::default())
        .await
        .unwrap();
    // The author list is missing: the account comes from the item's creator.
    assert_eq!(
        summary
            .invites
            .iter()
            .map(|i| i.login.as_str())
            .collect::<Vec<_>>(),
        ["editor"]
    );
    let page = site
        .get(&story_path(&site, "town-wins-the-cup").await)
        .await;
    assert_eq!(page.status, 200);
    let body = page.fragment("article");
    assert!(
        body.contains("<p><strong>Final score</strong> 2–1.</p>"),
        "{body}"
    );
    assert!(body.contains("<p>The parade starts at noon.</p>"), "{body}");
    assert_eq!(
        site.raw_pairs(
            "SELECT c.slug, CAST(0 AS BIGINT) FROM article_categories ac JOIN categories c ON c.id = ac.category_id"
        )
        .await,
        pairs(&[("sport", 0)])
    );
    assert_eq!(
        site.raw_pairs("SELECT slug, CAST(0 AS BIGINT) FROM tags")
            .await,
        pairs(&[("cup", 0)])
    );
}

/// Every published story's search terms (headline and the rest), by story.
async fn index_rows(site: &TestSite) -> Vec<(String, i64)> {
    site.raw_pairs(
        "SELECT title_terms || ' | ' || body_terms, article_id FROM search_documents ORDER BY article_id",
    )
    .await
}

/// An import computes each new story's search terms on its reading thread from the text it is
/// about to store; they must be the ones the index computes from the stored story (with its
/// byline, credit line and agency, and without a protected story's text).
async fn an_imported_archive_is_indexed_as_a_rebuild_indexes_it(site: TestSite) {
    let mut files = vec![sample("newsroom-1.2.xml"), sample("classic-1.0.xml")];
    files.extend(theme_unit_test_export());
    for file in &files {
        import(&site, file, &ImportOptions::default())
            .await
            .unwrap();
    }
    let imported = index_rows(&site).await;
    let published = count(
        &site,
        "SELECT COUNT(*) FROM articles WHERE status = 'published'",
    )
    .await;
    assert_eq!(imported.len() as i64, published);
    assert!(
        imported
            .iter()
            .any(|(terms, _)| terms.ends_with(" maria rey rhm pr")),
        "the byline and the credit line are indexed"
    );
    if site.backend == Backend::Postgres {
        // Each import left the planner its statistics and merged the search index's pending
        // entries (VACUUM), whether or not autovacuum runs.
        let settled = site
            .raw_pairs(
                "SELECT relname::text, COUNT(*) FROM pg_stat_user_tables \
                 WHERE schemaname = current_schema() \
                 AND relname IN ('articles', 'comments', 'search_documents') \
                 AND last_analyze IS NOT NULL AND last_vacuum IS NOT NULL \
                 GROUP BY relname ORDER BY relname",
            )
            .await;
        let tables: Vec<&str> = settled.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tables, ["articles", "comments", "search_documents"]);
    }
    site.store.rebuild_search_index().await.unwrap();
    assert_eq!(index_rows(&site).await, imported);
}

/// The indexes of the comments table as the database itself describes them.
/// The definitions of the comments table's indexes on SQLite (with a second column, as
/// `raw_pairs` reads them).
const SQLITE_COMMENT_INDEXES: &str = "SELECT sql, CAST(0 AS BIGINT) FROM sqlite_master \
     WHERE type = 'index' AND tbl_name = 'comments' AND sql IS NOT NULL ORDER BY name";

async fn comment_indexes(site: &TestSite) -> Vec<(String, i64)> {
    site.raw_pairs(match site.backend {
        Backend::Sqlite => SQLITE_COMMENT_INDEXES,
        Backend::Postgres => {
            "SELECT indexdef, CAST(0 AS BIGINT) FROM pg_indexes \
             WHERE tablename = 'comments' AND schemaname = current_schema() ORDER BY indexname"
        }
    })
    .await
}

async fn a_large_import_builds_the_comment_indexes_again_however_it_ends(site: TestSite) {
    let migrated = comment_indexes(&site).await;
    for name in [
        "comments_ip_idx",
        "comments_email_idx",
        "comments_status_idx",
    ] {
        assert!(
            migrated.iter().any(|(def, _)| def.contains(name)),
            "{name} in {migrated:?}"
        );
    }
    // Every export counts as large here, so the lookup indexes are set aside for each import.
    let bulk = ImportOptions {
        comments_in_bulk: Some(1),
        ..ImportOptions::default()
    };

    // Stopped while writing the stories: a trigger refuses every new story while the address
    // index is missing, which is also how the test knows the import set it aside.
    let (plant, unplant) = match site.backend {
        Backend::Sqlite => (
            "CREATE TRIGGER planted BEFORE INSERT ON articles \
             WHEN (SELECT COUNT(*) FROM sqlite_master WHERE name = 'comments_ip_idx') = 0 \
             BEGIN SELECT RAISE(ABORT, 'planted'); END",
            "DROP TRIGGER planted",
        ),
        Backend::Postgres => (
            "CREATE FUNCTION planted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'comments_ip_idx') THEN \
             RAISE EXCEPTION 'planted'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER planted BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION planted()",
            "DROP TRIGGER planted ON articles; DROP FUNCTION planted()",
        ),
    };
    site.raw_execute(plant).await;
    let err = import(&site, &sample("newsroom-1.2.xml"), &bulk)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("the posts"), "{err}");
    assert_eq!(count(&site, "SELECT COUNT(*) FROM articles").await, 0);
    assert_eq!(comment_indexes(&site).await, migrated);

    // Below the threshold nothing is set aside, so the trigger stays quiet.
    import_newsroom(&site).await;
    site.raw_execute(unplant).await;

    // Finished (over the same export, whose comments are no fewer than the site's): the
    // comments keep their states and threads, and the indexes are back.
    import(&site, &sample("newsroom-1.2.xml"), &bulk)
        .await
        .unwrap();
    assert_eq!(comment_indexes(&site).await, migrated);
    assert_eq!(
        by_status(&site, "comments").await,
        pairs(&[("approved", 2), ("pending", 1), ("spam", 1), ("trash", 1)])
    );
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM comments c JOIN comments p ON p.id = c.parent_id \
             WHERE c.author_name = 'Ana' AND p.author_name = 'Ben'"
        )
        .await,
        1
    );

    // Killed in between: the next start builds them.
    site.raw_execute("DROP INDEX comments_ip_idx").await;
    site.raw_execute("DROP INDEX comments_status_idx").await;
    assert_eq!(comment_indexes(&site).await.len(), migrated.len() - 2);
    site.store.migrate().await.unwrap();
    assert_eq!(comment_indexes(&site).await, migrated);
}

/// A second export holding only the main menu: an entry for a story the first import brought,
/// and one for a post neither export holds.
const MENU_ONLY: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Valley Herald</title>
	<link>https://valleyherald.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://valleyherald.example</wp:base_site_url>
	<wp:base_blog_url>https://valleyherald.example</wp:base_blog_url>
	<wp:term><wp:term_id>30</wp:term_id><wp:term_taxonomy><![CDATA[nav_menu]]></wp:term_taxonomy><wp:term_slug><![CDATA[main-menu]]></wp:term_slug><wp:term_name><![CDATA[Main menu]]></wp:term_name></wp:term>
	<item><title>The flood</title><dc:creator>mreyes</dc:creator><wp:post_id>310</wp:post_id><wp:status>publish</wp:status><wp:menu_order>1</wp:menu_order><wp:post_type>nav_menu_item</wp:post_type><category domain="nav_menu" nicename="main-menu"><![CDATA[Main menu]]></category>
		<wp:postmeta><wp:meta_key>_menu_item_type</wp:meta_key><wp:meta_value>post_type</wp:meta_value></wp:postmeta><wp:postmeta><wp:meta_key>_menu_item_object</wp:meta_key><wp:meta_value>post</wp:meta_value></wp:postmeta><wp:postmeta><wp:meta_key>_menu_item_object_id</wp:meta_key><wp:meta_value>101</wp:meta_value></wp:postmeta><wp:postmeta><wp:meta_key>_menu_item_menu_item_parent</wp:meta_key><wp:meta_value>0</wp:meta_value></wp:postmeta></item>
	<item><title>Gone</title><dc:creator>mreyes</dc:creator><wp:post_id>311</wp:post_id><wp:status>publish</wp:status><wp:menu_order>2</wp:menu_order><wp:post_type>nav_menu_item</wp:post_type><category domain="nav_menu" nicename="main-menu"><![CDATA[Main menu]]></category>
		<wp:postmeta><wp:meta_key>_menu_item_type</wp:meta_key><wp:meta_value>post_type</wp:meta_value></wp:postmeta><wp:postmeta><wp:meta_key>_menu_item_object</wp:meta_key><wp:meta_value>post</wp:meta_value></wp:postmeta><wp:postmeta><wp:meta_key>_menu_item_object_id</wp:meta_key><wp:meta_value>999</wp:meta_value></wp:postmeta><wp:postmeta><wp:meta_key>_menu_item_menu_item_parent</wp:meta_key><wp:meta_value>0</wp:meta_value></wp:postmeta></item>
</channel>
</rss>
"#;

async fn a_menu_entry_may_name_a_story_an_earlier_import_brought(site: TestSite) {
    import_newsroom(&site).await;
    let story = site
        .raw_pairs("SELECT slug, id FROM articles WHERE id = (SELECT local_id FROM wordpress_ids WHERE kind = 'post' AND wp_id = 101)")
        .await;
    assert_eq!(story.len(), 1, "post 101 became one story");
    let file = scratch("menu-only.xml");
    std::fs::write(&file, MENU_ONLY).unwrap();
    let summary = import(&site, &file, &ImportOptions::default())
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let menu = site
        .raw_pairs(
            "SELECT i.kind || ':' || i.label, COALESCE(i.target_id, 0) \
             FROM menu_items i JOIN menus m ON m.id = i.menu_id WHERE m.location = 'primary' ORDER BY i.id",
        )
        .await;
    assert!(
        menu.contains(&("article:The flood".to_owned(), story[0].1)),
        "{menu:?}"
    );
    assert!(
        !menu.iter().any(|(entry, _)| entry.contains("Gone")),
        "{menu:?}"
    );
    assert_eq!(
        warnings(&summary).get(&311).map(String::as_str),
        Some("\"Gone\" points at something not imported")
    );
    // The header shows the entry, at the story's address.
    let home = site.get("/").await;
    let link = regex::Regex::new(r#"href="([^"]*)"[^>]*>\s*The flood\s*<"#).unwrap();
    let href = link
        .captures(&home.body)
        .map(|c| c[1].to_owned())
        .unwrap_or_else(|| panic!("no menu entry in {}", home.body));
    assert!(href.ends_with(&format!("/{}/", story[0].0)), "{href}");
}

/// Imports before migration 0022 put the header menu where no page showed it.
async fn a_header_menu_an_earlier_version_imported_reaches_the_header(site: TestSite) {
    import_newsroom(&site).await;
    let header = |page: &Page| page.texts(".primary-nav > ul > li > a");
    assert_eq!(header(&site.get("/").await), ["Home", "Local News"]);
    // As such an import left it.
    site.raw_execute("UPDATE menus SET location = 'header'")
        .await;
    site.raw_execute("DELETE FROM _sqlx_migrations WHERE version = 22")
        .await;
    site.store.touch();
    assert!(header(&site.get("/").await).is_empty());
    site.store.migrate().await.unwrap();
    site.store.touch();
    assert_eq!(header(&site.get("/").await), ["Home", "Local News"]);
    // A header menu made since is kept, and the imported one stays where it was.
    site.raw_execute("UPDATE menus SET location = 'header'")
        .await;
    site.raw_execute("INSERT INTO menus (location, name) VALUES ('primary', 'Made here')")
        .await;
    site.raw_execute("DELETE FROM _sqlx_migrations WHERE version = 22")
        .await;
    site.store.migrate().await.unwrap();
    assert_eq!(
        site.raw_pairs(
            "SELECT location || ':' || name, CAST(0 AS BIGINT) FROM menus ORDER BY location"
        )
        .await,
        pairs(&[("header:Main menu", 0), ("primary:Made here", 0)])
    );
}

async fn authors_can_be_mapped_to_existing_accounts(site: TestSite) {
    site.add_staff("desk", newsdesk::domain::user::Role::Editor)
        .await;
    let options = ImportOptions {
        author_map: vec![
            ("mreyes".into(), "desk".into()),
            ("wire".into(), "desk".into()),
        ],
        ..ImportOptions::default()
    };
    let summary = import(&site, &sample("newsroom-1.2.xml"), &options)
        .await
        .unwrap();
    assert!(summary.invites.is_empty());
    assert_eq!(count(&site, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        count(&site, "SELECT COUNT(DISTINCT user_id) FROM article_authors").await,
        1
    );
    let wrong = ImportOptions {
        author_map: vec![("mreyes".into(), "nobody".into())],
        ..ImportOptions::default()
    };
    let err = import(&site, &sample("newsroom-1.2.xml"), &wrong)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"nobody\" is not a login on this site"),
        "{err}"
    );
}

async fn the_theme_unit_test_export_arrives_whole(site: TestSite) {
    let Some(file) = theme_unit_test_export() else {
        skipped("the Theme Unit Test export is not here (set NEWSDESK_WXR_FIXTURE)");
        return;
    };
    let summary = import(&site, &file, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        by_status(&site, "articles").await,
        pairs(&[("draft", 1), ("published", 56), ("scheduled", 1)])
    );
    assert_eq!(by_status(&site, "pages").await, pairs(&[("published", 21)]));
    assert_eq!(count(&site, "SELECT COUNT(*) FROM categories").await, 68);
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM categories WHERE parent_id IS NOT NULL"
        )
        .await,
        10
    );
    // The 110 the export lists, and 4 that only posts name (WordPress's importer makes them too).
    assert_eq!(count(&site, "SELECT COUNT(*) FROM tags").await, 114);
    assert_eq!(count(&site, "SELECT COUNT(*) FROM media").await, 37);
    assert_eq!(
        count(&site, "SELECT COUNT(*) FROM articles WHERE sticky").await,
        1
    );
    assert_eq!(
        count(&site, "SELECT COUNT(*) FROM articles WHERE password <> ''").await,
        1
    );
    assert_eq!(
        by_status(&site, "comments").await,
        pairs(&[("approved", 30), ("pending", 3)])
    );
    assert_eq!(
        count(
            &site,
            "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL"
        )
        .await,
        10
    );
    assert_eq!(summary.counts["menus"].created, 2);
    // Every comment arrives, those on pages too (3 approved, 2 pending, one a reply).
    assert_eq!(summary.counts["comments"].skipped, 0);
    assert_eq!(summary.counts["comments"].created, 33);
    assert_eq!(
        site.raw_pairs(
            "SELECT status, COUNT(*) FROM comments WHERE page_id IS NOT NULL GROUP BY status ORDER BY status"
        )
        .await,
        pairs(&[("approved", 3), ("pending", 2)])
    );
    // The page with comments shows its three approved ones, with its form open as it was.
    let page = site
        .store
        .published_page_by_slug("page-with-comments")
        .await
        .unwrap()
        .expect("the page with comments is published");
    let trail = site.store.page_trail(page.id).await.unwrap();
    let path = newsdesk::store::pages::page_path(trail.iter().map(|n| n.slug.as_str()));
    let shown = site.get(&path).await;
    assert_eq!(shown.status, 200, "{path}");
    assert_eq!(shown.texts("#comments-title"), vec!["3 comments"]);
    assert_eq!(
        shown.attrs("input[name=comment_page_ID]", "value"),
        vec![page.id.to_string()]
    );
    // Every published post's and page's old address leads, in at most one redirect, to a page that
    // shows it; every image's old page leads to the image.
    let text = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let mut followed = 0;
    for item in doc.descendants().filter(|n| n.has_tag_name("item")) {
        let field = |name: &str| {
            item.children()
                .find(|c| c.tag_name().name() == name)
                .and_then(|c| c.text())
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let (kind, status, link) = (field("post_type"), field("status"), field("link"));
        let wanted = match kind.as_str() {
            "post" | "page" => status == "publish",
            "attachment" => true,
            _ => false,
        };
        if !wanted {
            continue;
        }
        let path = link
            .split_once("wordpress.com")
            .map_or(link.as_str(), |(_, p)| p)
            .to_owned();
        let res = site.get(&path).await;
        // Newsdesk's own story addresses are WordPress's date-and-name permalinks: such an old
        // address is live, and answers itself or with the live route's permanent 308.
        let to = match res.status.as_u16() {
            200 => path.clone(),
            301 | 308 => res.location().to_owned(),
            other => panic!("{kind} {link}: {other} {}", res.body),
        };
        if kind == "attachment" {
            assert_eq!(to, field("attachment_url"), "{link}");
        } else {
            let page = site.get(&to).await;
            assert_eq!(page.status, 200, "{link} → {to}");
            let title = field("title");
            let shown = page.texts("h1").join(" ");
            assert!(
                title.is_empty()
                    || shown.contains(title.trim())
                    || page.body.contains("password protected"),
                "{link} → {to} shows {shown:?}, not {title:?}"
            );
        }
        followed += 1;
    }
    assert_eq!(followed, 56 + 21 + 37);

    // Every published story is on the site at its new address.
    for (slug, _) in site
        .raw_pairs(
            "SELECT slug, CAST(0 AS BIGINT) FROM articles WHERE status = 'published' ORDER BY id",
        )
        .await
    {
        let path = story_path(&site, &slug).await;
        assert_eq!(site.get(&path).await.status, 200, "{path}");
    }
}

/// The export as the admin's upload form sends it.
async fn upload(
    site: &TestSite,
    who: &crate::support::Staff,
    query: &str,
    file: &Path,
) -> crate::support::Page {
    upload_with(site, who, query, &[], file).await
}

/// The export as the admin's upload form sends it, after the form's other fields.
async fn upload_with(
    site: &TestSite,
    who: &crate::support::Staff,
    query: &str,
    fields: &[(&str, &str)],
    file: &Path,
) -> crate::support::Page {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let boundary = "----newsdesk-import-test";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"site.xml\"\r\n\
             Content-Type: text/xml\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&std::fs::read(file).unwrap());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(format!("/admin/tools/import{query}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, &who.cookie)
        .header(header::ORIGIN, crate::support::ORIGIN)
        .body(Body::from(body))
        .unwrap();
    let res = site.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    crate::support::Page {
        status,
        headers,
        body,
    }
}

on_both_backends!(empty: an_administrator_imports_from_the_admin_and_sees_the_summary);

async fn an_administrator_imports_from_the_admin_and_sees_the_summary(site: TestSite) {
    use newsdesk::domain::user::Role;
    let admin = site.staff("chief", Role::Administrator).await;
    let editor = site.staff("desk", Role::Editor).await;
    let form = site.admin_get(&admin, "/admin/tools/import").await;
    assert_eq!(form.status, 200);
    let action = form
        .attrs("form[enctype='multipart/form-data']", "action")
        .remove(0);
    assert!(action.starts_with("/admin/tools/import?_csrf="), "{action}");
    let query = action.trim_start_matches("/admin/tools/import").to_owned();

    // Only administrators; never without the page's token.
    assert_eq!(
        site.admin_get(&editor, "/admin/tools/import").await.status,
        403
    );
    assert_eq!(
        upload(
            &site,
            &editor,
            &format!("?_csrf={}", editor.csrf),
            &sample("newsroom-1.2.xml")
        )
        .await
        .status,
        403
    );
    assert_eq!(
        upload(&site, &admin, "", &sample("newsroom-1.2.xml"))
            .await
            .status,
        403
    );
    assert_eq!(
        upload(&site, &admin, "?_csrf=forged", &sample("newsroom-1.2.xml"))
            .await
            .status,
        403
    );
    assert_eq!(count(&site, "SELECT COUNT(*) FROM articles").await, 0);

    let res = upload(&site, &admin, &query, &sample("newsroom-1.2.xml")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let progress = res.location().to_owned();
    // The import runs in the background: wait for its page to say it is done.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let page = loop {
        let page = site.admin_get(&admin, &progress).await;
        assert_eq!(page.status, 200);
        if !page.body.contains("http-equiv=\"refresh\"") {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the import did not finish: {}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        page.body.contains("Imported “Valley Herald”"),
        "{}",
        page.body
    );
    let rows = page.texts("table.list tbody tr");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("stories") && r.contains('7')),
        "{rows:?}"
    );
    assert_eq!(
        page.texts("h3"),
        ["New accounts", "Shortcodes kept as text"]
    );
    assert!(page.body.contains("/admin/password/"));
    assert_eq!(count(&site, "SELECT COUNT(*) FROM articles").await, 7);
    // The stories are by the imported authors; the administrator's name is on the run.
    let list = site.admin_get(&admin, "/admin/tools/import").await;
    assert!(list.body.contains("site.xml"), "{}", list.body);

    // A file that is not an export: the run says why, nothing changes.
    let bad = scratch("admin-bad.xml");
    std::fs::write(&bad, "<html></html>").unwrap();
    let res = upload(&site, &admin, &query, &bad).await;
    let _ = std::fs::remove_file(&bad);
    let progress = res.location().to_owned();
    let page = loop {
        let page = site.admin_get(&admin, &progress).await;
        if !page.body.contains("http-equiv=\"refresh\"") {
            break page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        page.body.contains("not a WordPress export"),
        "{}",
        page.body
    );
    assert_eq!(count(&site, "SELECT COUNT(*) FROM articles").await, 7);
}

/// What a site holds, in numbers a round trip must keep.
async fn inventory(site: &TestSite) -> Vec<(String, i64)> {
    site.raw_pairs(
        "SELECT 'stories ' || status, COUNT(*) FROM articles GROUP BY status \
         UNION ALL SELECT 'pages ' || status, COUNT(*) FROM pages GROUP BY status \
         UNION ALL SELECT 'comments ' || status, COUNT(*) FROM comments GROUP BY status \
         UNION ALL SELECT 'replies', COUNT(*) FROM comments WHERE parent_id IS NOT NULL \
         UNION ALL SELECT 'sections', COUNT(*) FROM categories \
         UNION ALL SELECT 'subsections', COUNT(*) FROM categories WHERE parent_id IS NOT NULL \
         UNION ALL SELECT 'tags', COUNT(*) FROM tags \
         UNION ALL SELECT 'people', COUNT(*) FROM users \
         UNION ALL SELECT 'menu entries', COUNT(*) FROM menu_items \
         UNION ALL SELECT 'sub-pages', COUNT(*) FROM pages WHERE parent_id IS NOT NULL \
         UNION ALL SELECT 'sticky', COUNT(*) FROM articles WHERE sticky \
         UNION ALL SELECT 'protected', COUNT(*) FROM articles WHERE password <> '' \
         UNION ALL SELECT 'featured', COUNT(*) FROM articles WHERE featured_image_id IS NOT NULL \
         ORDER BY 1",
    )
    .await
}

on_both_backends!(empty: a_round_trip_through_an_export_keeps_the_site);

async fn a_round_trip_through_an_export_keeps_the_site(site: TestSite) {
    // Import → export → import into an empty site of the same backend.
    import_newsroom(&site).await;
    let mut exporter = newsdesk::wordpress::export::Exporter::new(
        &site.store,
        "https://newsdesk.example",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let bytes = exporter.write_to(Vec::new()).await.unwrap();
    let file = scratch("round-trip.xml");
    std::fs::write(&file, &bytes).unwrap();
    let second = TestSite::empty(site.backend).await.unwrap();
    let summary = import(&second, &file, &ImportOptions::default())
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    assert_eq!(inventory(&second).await, inventory(&site).await);
    // The same text, titles and addresses.
    let texts =
        "SELECT slug || ' ' || title || ' ' || body, CAST(0 AS BIGINT) FROM articles ORDER BY slug";
    assert_eq!(second.raw_pairs(texts).await, site.raw_pairs(texts).await);
}

/// The old site for `--fetch-media`, on 127.0.0.1: each file of `fetch-media.xml` answers as
/// its name says (a PNG, a redirect to a JPEG on the same address, an HTML page, a body
/// announced too large, one streamed past the limit without a length, a 404, and an HTML page
/// that calls itself a PNG). Counts the requests it gets.
struct OldSite {
    origin: String,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

async fn old_site() -> OldSite {
    use image::{DynamicImage, ImageFormat, RgbImage};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let encoded = |format: ImageFormat| {
        let photo = RgbImage::from_fn(80, 60, |x, y| image::Rgb([x as u8 * 3, y as u8 * 4, 200]));
        let mut out = std::io::Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(photo)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    };
    let png = Arc::new(encoded(ImageFormat::Png));
    let jpeg = Arc::new(encoded(ImageFormat::Jpeg));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let here = origin.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let (png, jpeg, here) = (png.clone(), jpeg.clone(), here.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head.split(' ').nth(1).unwrap_or("/");
                let name = path.rsplit('/').next().unwrap_or("");
                let answer = |status: &str, content_type: &str, body: &[u8]| {
                    let mut out = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    out.extend_from_slice(body);
                    out
                };
                let html = b"<!doctype html><title>Not found</title><p>Try the home page.";
                let out = match name {
                    "summit.png" => answer("200 OK", "image/png", &png),
                    "moved.jpg" => format!(
                        "HTTP/1.1 301 Moved Permanently\r\nLocation: {here}/files/pass.jpg\r\n\
                         Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    .into_bytes(),
                    "pass.jpg" => answer("200 OK", "image/jpeg", &jpeg),
                    "page.jpg" => answer("200 OK", "text/html; charset=utf-8", html),
                    "pretender.png" => answer("200 OK", "image/png", html),
                    // 31 MB announced; the body never comes.
                    "huge.jpg" => b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\
                                    Content-Length: 32505856\r\nConnection: close\r\n\r\n"
                        .to_vec(),
                    "endless.jpg" => {
                        let _ = conn
                            .write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\
                                  Connection: close\r\n\r\n",
                            )
                            .await;
                        // No length: 22 MB at most, until the client stops reading.
                        let chunk = vec![0xFFu8; 64 * 1024];
                        for _ in 0..352 {
                            if conn.write_all(&chunk).await.is_err() {
                                return;
                            }
                        }
                        return;
                    }
                    _ => answer("404 Not Found", "text/html", html),
                };
                let _ = conn.write_all(&out).await;
            });
        }
    });
    OldSite { origin, requests }
}

impl OldSite {
    /// `fetch-media.xml` pointing at this server.
    fn export(&self, name: &str) -> PathBuf {
        let text = std::fs::read_to_string(sample("fetch-media.xml"))
            .unwrap()
            .replace("ORIGIN", &self.origin);
        // The server's port keeps the SQLite and PostgreSQL runs of a test apart.
        let port = self.origin.rsplit(':').next().unwrap_or("");
        let path =
            std::env::temp_dir().join(format!("newsdesk-{name}-{}-{port}.xml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn file(&self, name: &str) -> String {
        format!("{}/wp-content/uploads/2026/03/{name}", self.origin)
    }
}

/// The warnings of an import, by WordPress id.
fn warnings(summary: &Summary) -> std::collections::BTreeMap<i64, String> {
    summary
        .warnings
        .iter()
        .map(|w| (w.wp_id, w.message.clone()))
        .collect()
}

on_both_backends!(empty:
    images_are_downloaded_from_the_old_site_with_fetch_media,
    downloads_from_local_addresses_are_refused_unless_allowed,
    the_admin_downloads_images_from_public_addresses_only,
    images_an_earlier_import_left_behind_are_copied_by_a_later_one,
);

async fn images_are_downloaded_from_the_old_site_with_fetch_media(site: TestSite) {
    let old = old_site().await;
    let file = old.export("fetch");
    let summary = import(
        &site,
        &file,
        &ImportOptions {
            fetch_media: true,
            fetch_media_allow_local: true,
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);

    assert_eq!(summary.counts["images"].created, 7);
    // Each failed download is a warning with its reason, and the image stays on the old site.
    let warned = warnings(&summary);
    let expect = [
        (62, "page.jpg", "not an image (text/html)"),
        (63, "huge.jpg", "too large: 31 MB, the limit is 20 MB"),
        (64, "endless.jpg", "too large: more than the limit of 20 MB"),
        (65, "missing.jpg", "HTTP 404"),
        (
            66,
            "pretender.png",
            "not an image Newsdesk accepts (JPEG, PNG, GIF or WebP)",
        ),
    ];
    assert_eq!(
        warned.keys().copied().collect::<Vec<_>>(),
        [62, 63, 64, 65, 66],
        "{warned:#?}"
    );
    for (id, name, reason) in expect {
        let message = &warned[&id];
        assert!(message.starts_with(&old.file(name)), "{id}: {message}");
        assert!(message.contains(reason), "{id}: {message}");
        assert!(
            message.ends_with("Kept on the old site."),
            "{id}: {message}"
        );
    }
    assert_eq!(
        summary.remote_media,
        expect.map(|(_, name, _)| old.file(name))
    );
    assert!(
        summary
            .to_text("http://news.example", std::time::Duration::from_secs(1))
            .contains("HTTP 404")
    );

    // The story shows the copies here (the redirected one too) and the missing one where it was.
    let page = site
        .get(&story_path(&site, "snow-on-the-hills").await)
        .await;
    assert_eq!(page.status, 200);
    let images = page.attrs("article img", "src");
    assert_eq!(images.len(), 3, "{images:?}");
    assert!(images[0].starts_with("/media/"), "{images:?}");
    assert!(images[1].starts_with("/media/"), "{images:?}");
    assert_eq!(images[2], old.file("missing.jpg"));
    let summit = site.get_raw(&images[0], &[]).await;
    assert_eq!(summit.status, 200);
    assert_eq!(summit.header("content-type"), "image/png");
    assert!(summit.body.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(
        image::load_from_memory(&summit.body).unwrap().width(),
        80,
        "the photo itself"
    );
    let pass = site.get_raw(&images[1], &[]).await;
    assert_eq!(pass.status, 200);
    assert_eq!(pass.header("content-type"), "image/jpeg");
    assert!(pass.body.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!(
        page.attrs("article img", "alt")[0],
        "Snow on the summit",
        "the attachment's alt text"
    );
    assert_eq!(
        count(&site, "SELECT COUNT(*) FROM media WHERE byte_size > 0").await,
        2
    );

    // Importing again asks only for the images still on the old site, and duplicates nothing.
    let before = old.requests();
    let file = old.export("fetch-again");
    let again = import(
        &site,
        &file,
        &ImportOptions {
            fetch_media: true,
            fetch_media_allow_local: true,
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(again.counts["images"].updated, 7);
    assert_eq!(old.requests(), before + 5);
    assert_eq!(again.remote_media, summary.remote_media);
    assert_eq!(count(&site, "SELECT COUNT(*) FROM media").await, 7);
}

async fn downloads_from_local_addresses_are_refused_unless_allowed(site: TestSite) {
    let old = old_site().await;
    let file = old.export("fetch-refused");
    let summary = import(
        &site,
        &file,
        &ImportOptions {
            fetch_media: true,
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);

    // Every image stays where it was, each with the reason, and the server heard nothing.
    assert_eq!(summary.counts["images"].created, 7);
    assert_eq!(summary.remote_media.len(), 7);
    let warned = warnings(&summary);
    assert_eq!(
        warned.keys().copied().collect::<Vec<_>>(),
        [60, 61, 62, 63, 64, 65, 66]
    );
    for (id, message) in &warned {
        assert!(
            message.contains("refused: the address is private (127.0.0.1 is loopback)"),
            "{id}: {message}"
        );
    }
    assert_eq!(old.requests(), 0);
    let page = site
        .get(&story_path(&site, "snow-on-the-hills").await)
        .await;
    assert_eq!(
        page.attrs("article img", "src"),
        [
            old.file("summit.png"),
            old.file("moved.jpg"),
            old.file("missing.jpg")
        ]
    );
    assert_eq!(count(&site, "SELECT COUNT(*) FROM media_files").await, 0);
}

async fn the_admin_downloads_images_from_public_addresses_only(site: TestSite) {
    use newsdesk::domain::user::Role;
    let admin = site.staff("chief", Role::Administrator).await;
    let form = site.admin_get(&admin, "/admin/tools/import").await;
    assert_eq!(
        form.attrs("input[type=checkbox]", "name"),
        ["fetch_media"],
        "{}",
        form.body
    );
    assert!(
        form.texts("label")
            .iter()
            .any(|l| l == "Download images from the old site")
    );
    let query = form
        .attrs("form[enctype='multipart/form-data']", "action")
        .remove(0)
        .trim_start_matches("/admin/tools/import")
        .to_owned();

    // The old site is on this machine: the admin never goes there.
    let old = old_site().await;
    let file = old.export("admin-fetch");
    let res = upload_with(&site, &admin, &query, &[("fetch_media", "1")], &file).await;
    let _ = std::fs::remove_file(&file);
    assert_eq!(res.status, 303, "{}", res.body);
    let progress = res.location().to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let page = loop {
        let page = site.admin_get(&admin, &progress).await;
        if !page.body.contains("http-equiv=\"refresh\"") {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "{}", page.body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        page.body.contains("Imported “Hill Gazette”"),
        "{}",
        page.body
    );
    assert_eq!(
        page.body
            .matches("refused: the address is private (127.0.0.1 is loopback)")
            .count(),
        7,
        "{}",
        page.body
    );
    assert_eq!(old.requests(), 0);
    assert_eq!(count(&site, "SELECT COUNT(*) FROM media_files").await, 0);
}

async fn images_an_earlier_import_left_behind_are_copied_by_a_later_one(site: TestSite) {
    let old = old_site().await;
    let file = old.export("fetch-later");
    let first = import(&site, &file, &ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(first.remote_media.len(), 7);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let story = story_path(&site, "snow-on-the-hills").await;
    assert_eq!(
        site.get(&story).await.attrs("article img", "src")[0],
        old.file("summit.png")
    );

    let again = import(
        &site,
        &file,
        &ImportOptions {
            fetch_media: true,
            fetch_media_allow_local: true,
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        (
            again.counts["images"].created,
            again.counts["images"].updated
        ),
        (0, 7)
    );
    assert_eq!(again.remote_media.len(), 5, "{:?}", again.remote_media);
    assert_eq!(count(&site, "SELECT COUNT(*) FROM media").await, 7);
    let images = site.get(&story).await.attrs("article img", "src");
    assert!(images[0].starts_with("/media/"), "{images:?}");
    assert!(images[1].starts_with("/media/"), "{images:?}");
    let summit = site.get_raw(&images[0], &[]).await;
    assert_eq!(summit.status, 200);
    assert_eq!(summit.header("content-type"), "image/png");
    // The old file address now leads to the copy.
    let moved = site.get("/wp-content/uploads/2026/03/summit.png").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.location(), images[0]);
}

/// `newsdesk import` writes a SQLite file on one connection: nothing the import does outside
/// its batches (the links' new addresses, the invitations, the comment indexes built again)
/// may wait for a second one. The sample's comments are few, so the indexes are set aside
/// from the first comment on, as a large export's would be. (SQLite only: PostgreSQL keeps
/// two connections.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_on_one_sqlite_connection_finishes() {
    use newsdesk::store::{Store, StoreOptions};
    let dir = scratch("one-connection");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("newsdesk.db").display());
    let store = Store::connect_with(&url, StoreOptions::new(1))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let options = ImportOptions {
        comments_in_bulk: Some(1),
        ..ImportOptions::default()
    };
    let file = sample("newsroom-1.2.xml");
    let before = comment_index_definitions(&url).await;
    for (created, updated) in [(7, 0), (0, 7)] {
        let summary = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            import_wordpress(
                &store,
                Actor::Operator,
                &file,
                &options,
                chrono::Utc::now(),
                &mut |_| {},
            ),
        )
        .await
        .expect("the import waits for no second connection")
        .unwrap();
        let stories = &summary.counts["stories"];
        assert_eq!((stories.created, stories.updated), (created, updated));
        assert!(summary.links_rewritten > 0 || created == 0);
        // The comment indexes set aside are back.
        assert_eq!(comment_index_definitions(&url).await, before);
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The definitions of the comments table's indexes, read past the store.
async fn comment_index_definitions(url: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query_scalar(SQLITE_COMMENT_INDEXES)
        .fetch_all(&mut c)
        .await
        .unwrap()
}
