//! The front page, its later pages, WordPress query links, static pages, 404s and operations.

use axum::http::StatusCode;

use crate::support::TestSite;

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";
const STICKY: &str = "Parliament passes emergency budget after marathon overnight session";

on_both_backends!(demo:
    public_pages_are_cached_and_dropped_on_writes,
    home_leads_with_the_sticky_story_then_latest_and_sections,
    home_pages_and_wordpress_links,
    static_pages_and_themed_404,
    health_and_assets,
    odd_requests_get_clear_pages,
    latest_news_shows_once_on_the_front_page,
    landmarks_have_unique_names_on_every_page_type,
    favicon_ico_is_served,
    app_manifest_and_icons_are_served,
    header_menu_is_a_button_that_lists_the_sections,
    stories_print_with_their_address_and_follow_dark_mode,
);
on_both_backends!(empty: empty_site_still_renders, health_fails_when_the_database_is_gone);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theme_folder_overrides_templates_and_assets_by_name() {
    let dir = std::env::temp_dir().join(format!("newsdesk-theme-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::create_dir_all(dir.join("static")).unwrap();
    std::fs::write(
        dir.join("templates/page.html"),
        "{% extends \"base.html\" %}{% block main %}<h1 class=\"custom\">Custom: {{ page.title }}</h1>{% endblock %}",
    )
    .unwrap();
    std::fs::write(
        dir.join("static/style.css"),
        "body { color: rebeccapurple; }",
    )
    .unwrap();
    let site = TestSite::with_theme(crate::support::Backend::Sqlite, Some(&dir))
        .await
        .unwrap();
    newsdesk::demo::seed_if_empty(&site.store, chrono::Utc::now())
        .await
        .unwrap();
    // The overridden template is used, and still inherits the built-in layout.
    let about = site.get("/about/").await;
    assert_eq!(about.texts("h1.custom"), vec!["Custom: About us"]);
    assert!(!about.texts(".primary-nav a").is_empty());
    // The overridden stylesheet gets its own fingerprint; the built-in script is unchanged.
    let css = about.attrs("link[rel=stylesheet]", "href").remove(0);
    assert_eq!(site.get(&css).await.body, "body { color: rebeccapurple; }");
    let js = about.attrs("script[src]", "src").remove(0);
    assert!(site.get(&js).await.body.contains("read-also"));
    // Other templates still come from the built-in theme.
    assert_eq!(site.get("/").await.texts(".lead .card__title").len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn home_leads_with_the_sticky_story_then_latest_and_sections(site: TestSite) {
    let page = site.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts(".lead .card__title"), vec![STICKY]);
    let latest = page.texts(".latest .card__title");
    assert_eq!(latest.len(), 8);
    // Newest first after the sticky lead: the story published an hour ago, then the reference story.
    assert_eq!(
        latest[0],
        "Aid convoys reach flood-hit districts as waters begin to recede"
    );
    assert_eq!(latest[1], REFERENCE);
    // One block per top-level section that has stories not already shown above.
    let blocks = page.texts(".section-block .section-heading");
    for name in [
        "World",
        "Politics",
        "Business",
        "Technology",
        "Science",
        "Sport",
        "Health",
    ] {
        assert!(
            blocks.contains(&name.to_owned()),
            "no {name} block in {blocks:?}"
        );
    }
    // No story appears twice on the page's main column.
    let mut titles = page.texts("main .card__title");
    let n = titles.len();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), n, "a story is repeated on the front page");
    // Landmarks and the site title as the page's h1.
    assert_eq!(page.texts("h1.site-title"), vec!["Newsdesk Daily"]);
    assert_eq!(
        page.attrs("nav.primary-nav", "aria-label"),
        vec!["Sections"]
    );
    assert_eq!(
        page.attrs("link[rel=next]", "href"),
        vec!["http://localhost/page/2/"]
    );
    assert_eq!(page.attrs("html", "lang"), vec!["en"]);
}

async fn home_pages_and_wordpress_links(site: TestSite) {
    let p2 = site.get("/page/2/").await;
    assert_eq!(p2.status, StatusCode::OK);
    assert_eq!(p2.texts(".story-list .card").len(), 10);
    assert_eq!(
        p2.attrs("link[rel=prev]", "href"),
        vec!["http://localhost/"]
    );
    assert_eq!(
        p2.attrs("link[rel=next]", "href"),
        vec!["http://localhost/page/3/"]
    );
    // 42 stories at 10 a page: page 5 is the last, page 6 does not exist.
    let p5 = site.get("/page/5/").await;
    assert_eq!(p5.status, StatusCode::OK);
    assert_eq!(p5.texts(".story-list .card").len(), 2);
    assert!(p5.attrs("link[rel=next]", "href").is_empty());
    assert_eq!(site.get("/page/6/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/page/0/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/page/x/").await.status, StatusCode::NOT_FOUND);
    let p1 = site.get("/page/1/").await;
    assert_eq!(
        (p1.status, p1.location()),
        (StatusCode::PERMANENT_REDIRECT, "/")
    );

    // /?p=ID redirects to the story's canonical address.
    let url = site.url_of(REFERENCE).await;
    let id = site
        .get(&url)
        .await
        .attrs("#comment_post_ID", "value")
        .remove(0);
    let r = site.get(&format!("/?p={id}")).await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.location(), url);
    assert_eq!(site.get("/?p=999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/?p=abc").await.status, StatusCode::NOT_FOUND);
    // /?cat=ID redirects to the section.
    let cat = site
        .store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == "asia")
        .unwrap();
    let r = site.get(&format!("/?cat={}", cat.id)).await;
    assert_eq!(r.location(), "/category/world/asia/");
    // Unknown query keys are ignored.
    assert_eq!(site.get("/?utm_source=x").await.status, StatusCode::OK);
}

async fn static_pages_and_themed_404(site: TestSite) {
    let about = site.get("/about/").await;
    assert_eq!(about.status, StatusCode::OK);
    assert_eq!(about.texts("h1.page-title"), vec!["About us"]);
    assert_eq!(site.get("/about").await.location(), "/about/");
    assert_eq!(
        site.get("/about").await.status,
        StatusCode::PERMANENT_REDIRECT
    );
    assert!(site.get("/?page_id=1").await.location().ends_with('/'));

    for path in [
        "/no-such-page/",
        "/category/nope/",
        "/tag/nope/",
        "/author/nope/",
        "/2026/13/",
        "/1999/01/01/nope/",
        "/a/b/c/",
        "/static/nope.css",
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(page.texts("main h1"), vec!["Page not found"], "{path}");
        // The 404 keeps the site's navigation and suggests the latest stories.
        assert!(!page.texts(".primary-nav a").is_empty(), "{path}");
        assert!(!page.texts(".error-page .card__title").is_empty(), "{path}");
        assert_eq!(page.attrs("meta[name=robots]", "content"), vec!["noindex"]);
    }
}

async fn odd_requests_get_clear_pages(site: TestSite) {
    // A path that would redirect off the site is a 404, not a redirect to another host.
    let page = site.get("//evil.example/x").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.location());
    assert_eq!(page.location(), "");
    // Malformed query strings get the themed page, without the framework's own words.
    let page = site.get("/?p=1&p=2").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        page.texts(".error-page p")[0],
        "This address or form could not be understood."
    );
    assert!(!page.body.contains("deserialize"));
    // Page numbers far past any archive are 404s, never an overflow.
    assert_eq!(
        site.get("/page/4294967295/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        site.get("/category/world/page/99999999/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn health_and_assets(site: TestSite) {
    let h = site.get("/healthz").await;
    assert_eq!((h.status, h.body.as_str()), (StatusCode::OK, "ok\n"));
    let home = site.get("/").await;
    let css = home.attrs("link[rel=stylesheet]", "href").remove(0);
    let js = home.attrs("script[src]", "src").remove(0);
    assert!(
        css.starts_with("/static/style.") && css.ends_with(".css"),
        "{css}"
    );
    for url in [css, js] {
        let a = site.get(&url).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(
            a.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        // A budget for the theme's own files: the stylesheet carries the front page, pictures
        // and embed cards (about 20.5 KB before compression).
        assert!(a.body.len() < 24_000, "{url} is {} bytes", a.body.len());
    }
    // Every page is served with the security headers and no external resources.
    assert_eq!(home.headers["x-content-type-options"], "nosniff");
    assert!(
        home.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    for attr in ["src", "href"] {
        for v in home.attrs(&format!("[{attr}]"), attr) {
            // Absolute links (canonical, feeds) name this site only.
            assert!(
                (!v.starts_with("http") || v.starts_with("http://localhost/"))
                    && !v.starts_with("//"),
                "external resource {v}"
            );
        }
    }
}

async fn empty_site_still_renders(site: TestSite) {
    let page = site.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts(".empty"),
        vec!["No stories have been published yet."]
    );
    assert_eq!(page.texts("h1.site-title"), vec!["Newsdesk"]);
    assert_eq!(
        site.get("/no-such-page/").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn health_fails_when_the_database_is_gone(site: TestSite) {
    assert_eq!(site.get("/healthz").await.status, StatusCode::OK);
    site.store.close().await;
    let h = site.get("/healthz").await;
    assert_eq!(
        (h.status, h.body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    );
    // Pages fail with the plain error page, never with internal error text.
    let page = site.get("/").await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!page.body.to_lowercase().contains("pool"), "{}", page.body);
    assert!(!page.body.to_lowercase().contains("sql"), "{}", page.body);
}

async fn public_pages_are_cached_and_dropped_on_writes(site: TestSite) {
    let cache = |p: &crate::support::Page| {
        p.headers
            .get("x-newsdesk-cache")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let first = site.get("/category/world/").await;
    let second = site.get("/category/world/").await;
    assert_eq!(
        (cache(&first).as_deref(), cache(&second).as_deref()),
        (Some("miss"), Some("hit"))
    );
    assert_eq!(first.body, second.body);
    // Security headers are on cached pages too.
    assert_eq!(second.headers["x-content-type-options"], "nosniff");
    // A write empties the cache at once.
    site.settings(&[("tagline", "Fresh tagline")]).await;
    let third = site.get("/category/world/").await;
    assert_eq!(cache(&third).as_deref(), Some("miss"));
    assert!(third.body.contains("Fresh tagline"));
    // Personal pages, errors and assets are never cached.
    let personal = site
        .get_with_cookie("/category/world/", Some("comment_author=Ann"))
        .await;
    assert_eq!(cache(&personal), None);
    site.get("/no-such-page/").await;
    assert_ne!(
        cache(&site.get("/no-such-page/").await).as_deref(),
        Some("hit")
    );
    // A page showing one reader's remembered details is theirs alone, whichever of the three
    // cookies they still have, and nobody else is ever served it.
    let url = site.url_of(REFERENCE).await;
    let mine = site
        .get_with_cookie(
            &url,
            Some("comment_author_email=x@evil.example; comment_author_url=http://spam.example"),
        )
        .await;
    assert_eq!(mine.headers["cache-control"], "private, no-store");
    assert_eq!(mine.attrs("#email", "value"), vec!["x@evil.example"]);
    for _ in 0..2 {
        let anyone = site.get(&url).await;
        assert!(!anyone.body.contains("evil.example") && !anyone.body.contains("spam.example"));
    }
}

async fn latest_news_shows_once_on_the_front_page(site: TestSite) {
    let page = site.get("/").await;
    assert_eq!(page.body.matches("Latest news").count(), 1);
    assert_eq!(
        page.texts("main .latest .section-heading"),
        vec!["Latest news"]
    );
    // The sidebar's latest-stories widget would repeat the list beside it; its other widgets stay.
    assert!(page.texts(".sidebar .widget--latest_posts").is_empty());
    assert_eq!(
        page.texts(".sidebar .widget__title"),
        vec!["Health Tips", "Featured"]
    );
    // Elsewhere the widget is where the newsroom put it.
    for path in ["/category/world/", "/about/", &site.url_of(REFERENCE).await] {
        let page = site.get(path).await;
        assert_eq!(
            page.texts(".sidebar .widget--latest_posts .widget__title"),
            vec!["Latest news"],
            "{path}"
        );
    }
    // The 404 page lists the latest stories itself, so it leaves the widget out too.
    let missing = site.get("/no-such-page/").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body.matches("Latest news").count(), 1);
}

async fn landmarks_have_unique_names_on_every_page_type(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    let day = story.rsplitn(3, '/').nth(2).unwrap().to_owned() + "/";
    let month = day.rsplitn(3, '/').nth(2).unwrap().to_owned() + "/";
    let year = month.rsplitn(3, '/').nth(2).unwrap().to_owned() + "/";
    site.settings(&[("posts_per_page", "3")]).await;
    for path in [
        "/".to_owned(),
        "/page/2/".to_owned(),
        story,
        "/category/world/".to_owned(),
        "/category/world/page/2/".to_owned(),
        "/tag/space/".to_owned(),
        "/author/newsroom-desk/".to_owned(),
        year,
        month,
        day,
        "/about/".to_owned(),
        "/search".to_owned(),
        "/search?q=putin".to_owned(),
        "/search?q=the&page=2".to_owned(),
        "/no-such-page/".to_owned(),
    ] {
        let page = site.get(&path).await;
        let landmarks = page.landmarks();
        assert!(landmarks.len() >= 3, "{path}: {landmarks:?}");
        for (role, name) in &landmarks {
            assert!(
                !name.trim().is_empty(),
                "{path}: an unnamed {role} in {landmarks:?}"
            );
        }
        let mut names: Vec<&str> = landmarks.iter().map(|(_, n)| n.as_str()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(
            names.len(),
            n,
            "{path}: landmark names repeat: {landmarks:?}"
        );
    }
}

async fn favicon_ico_is_served(site: TestSite) {
    let icon = site.get_raw("/favicon.ico", &[]).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), "image/x-icon");
    assert_eq!(icon.header("cache-control"), "public, max-age=2592000");
    // An icon file (ICONDIR: reserved 0, type 1) holding the 16, 32 and 48 pixel monogram.
    assert_eq!(&icon.body[..6], &[0, 0, 1, 0, 3, 0]);
    let sizes: Vec<u8> = (0..3).map(|i| icon.body[6 + 16 * i]).collect();
    assert_eq!(sizes, [16, 32, 48]);
    let first_at = u32::from_le_bytes(icon.body[18..22].try_into().unwrap()) as usize;
    assert_eq!(&icon.body[first_at..first_at + 8], b"\x89PNG\r\n\x1a\n");
    // Asked again with its entity tag, it is not sent again.
    let etag = icon.header("etag").to_owned();
    assert!(!etag.is_empty());
    let again = site
        .get_raw("/favicon.ico", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // Every page points at it (and at the SVG, which browsers that read SVG prefer).
    for path in ["/", "/about/", "/search", "/no-such-page/"] {
        let page = site.get(path).await;
        assert_eq!(
            page.attrs("link[rel=icon]", "href")[0],
            "/favicon.ico",
            "{path}"
        );
        assert_eq!(
            page.attrs("link[rel=icon][type='image/svg+xml']", "href")
                .len(),
            1
        );
    }
}

async fn app_manifest_and_icons_are_served(site: TestSite) {
    // Every page names the manifest, the home-screen icon and its colours for both schemes.
    for path in ["/", "/about/", "/search", "/no-such-page/"] {
        let page = site.get(path).await;
        assert_eq!(
            page.attrs("link[rel=manifest]", "href"),
            ["/manifest.webmanifest"],
            "{path}"
        );
        assert_eq!(
            page.attrs("link[rel=apple-touch-icon]", "href"),
            ["/apple-touch-icon.png"],
            "{path}"
        );
        assert_eq!(
            page.attrs("meta[name=theme-color]", "media"),
            [
                "(prefers-color-scheme: light)",
                "(prefers-color-scheme: dark)"
            ],
            "{path}"
        );
    }
    let res = site.get_raw("/manifest.webmanifest", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), "application/manifest+json");
    let manifest: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(manifest["name"], "Newsdesk Daily");
    assert_eq!(manifest["short_name"], "Newsdesk");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "minimal-ui");
    assert_eq!(manifest["theme_color"], "#ffffff");
    assert_eq!(manifest["background_color"], "#ffffff");
    let icons = manifest["icons"].as_array().unwrap();
    assert_eq!(icons.len(), 2);
    for (icon, size) in icons.iter().zip([192u32, 512]) {
        assert_eq!(icon["sizes"], format!("{size}x{size}"));
        assert_eq!(icon["type"], "image/png");
        let src = icon["src"].as_str().unwrap();
        assert!(src.starts_with("/static/icon-"), "{src}");
        assert_png(&site, src, size).await;
    }
    assert_png(&site, "/apple-touch-icon.png", 180).await;
    let touch = site.get_raw("/apple-touch-icon.png", &[]).await;
    assert_eq!(touch.header("cache-control"), "public, max-age=2592000");
    // Opaque to the corners: iOS rounds them itself.
    let image = image::load_from_memory(&touch.body).unwrap().to_rgba8();
    assert_eq!(image.get_pixel(0, 0)[3], 255);
    // The title comes from the site's settings.
    site.settings(&[("title", "The Morning Courier")]).await;
    let res = site.get_raw("/manifest.webmanifest", &[]).await;
    let manifest: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(manifest["name"], "The Morning Courier");
    assert_eq!(manifest["short_name"], "The");
}

/// `path` answers with a `size` × `size` PNG.
async fn assert_png(site: &TestSite, path: &str, size: u32) {
    let res = site.get_raw(path, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{path}");
    assert_eq!(res.header("content-type"), "image/png", "{path}");
    let image = image::load_from_memory_with_format(&res.body, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{path} is not a PNG: {e}"));
    assert_eq!((image.width(), image.height()), (size, size), "{path}");
}

async fn header_menu_is_a_button_that_lists_the_sections(site: TestSite) {
    for path in ["/", "/about/", "/search", "/no-such-page/"] {
        let page = site.get(path).await;
        // A <details> whose <summary> is the button: it opens without JavaScript.
        assert_eq!(
            page.texts("header details.site-menu > summary"),
            ["Menu"],
            "{path}"
        );
        // Open, it lists the sections of the header menu (as links), then search.
        let sections = page.texts(".primary-nav > ul > li > a");
        assert!(!sections.is_empty(), "{path}");
        let mut listed = page.texts("details.site-menu nav > ul > li > a");
        assert_eq!(listed.pop().as_deref(), Some("Search"), "{path}");
        assert_eq!(listed, sections, "{path}");
        assert_eq!(
            page.attrs("details.site-menu nav > ul > li > a", "href")
                .last()
                .map(String::as_str),
            Some("/search")
        );
        assert_eq!(
            page.attrs("details.site-menu nav", "aria-label"),
            ["Menu"],
            "{path}"
        );
        // Sub-sections are listed under their section.
        assert_eq!(
            page.texts("details.site-menu nav li li a"),
            page.texts(".primary-nav .sub-menu a"),
            "{path}"
        );
    }
}

async fn stories_print_with_their_address_and_follow_dark_mode(site: TestSite) {
    let story = site.get(&site.url_of(REFERENCE).await).await;
    // The printed page ends with the story's address (`@media print` shows `data-address`).
    let canonical = story.attrs("link[rel=canonical]", "href");
    assert_eq!(
        story.attrs("footer.story-footer", "data-address"),
        canonical
    );
    let css_url = story.attrs("link[rel=stylesheet]", "href")[0].clone();
    let css = site.get_raw(&css_url, &[]).await;
    let css = String::from_utf8(css.body).unwrap();
    assert!(css.contains("@media (prefers-color-scheme: dark)"));
    let print = &css[css.find("@media print").expect("a print stylesheet")..];
    for hidden in [
        ".site-menu",
        ".primary-nav",
        ".sidebar",
        ".comments",
        ".read-also",
    ] {
        assert!(print.contains(hidden), "{hidden} is printed");
    }
    assert!(print.contains("attr(data-address)"));
    // Only the site's own fonts: no web font is requested from anywhere.
    assert!(!css.contains("@import") && !css.contains("url(http"));
}
