//! Section, tag, author and date archives.

use axum::http::StatusCode;

use crate::support::TestSite;

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

on_both_backends!(demo:
    section_archive_includes_sub_sections,
    tag_and_author_archives,
    date_archives,
    day_archives,
    pagination_uses_rel_prev_next,
);

async fn section_archive_includes_sub_sections(site: TestSite) {
    let world = site.get("/category/world/").await;
    assert_eq!(world.status, StatusCode::OK);
    assert_eq!(world.texts("h1.archive-title"), vec!["World"]);
    assert_eq!(world.texts(".sub-sections a"), vec!["Asia", "Europe"]);
    // World shows its own stories and those of Asia and Europe: 3 + 4 + 3.
    assert_eq!(world.texts(".story-list .card").len(), 10);
    assert!(
        world
            .texts(".story-list .card__title")
            .contains(&"Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome".to_owned())
    );
    // Sub-sections live under their parent; other paths redirect there.
    let asia = site.get("/category/world/asia/").await;
    assert_eq!(asia.status, StatusCode::OK);
    assert_eq!(asia.texts(".story-list .card").len(), 4);
    assert_eq!(
        asia.attrs("link[rel=canonical]", "href"),
        vec!["http://localhost/category/world/asia/"]
    );
    let r = site.get("/category/asia/").await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::PERMANENT_REDIRECT, "/category/world/asia/")
    );
    assert_eq!(
        site.get("/category/europe/asia/").await.location(),
        "/category/world/asia/"
    );
    assert_eq!(
        site.get("/category/world").await.location(),
        "/category/world/"
    );
    // Health Tips is the reference page's sidebar list.
    let tips = site.get("/category/health/health-tips/").await;
    assert_eq!(tips.texts(".story-list .card").len(), 6);
}

async fn tag_and_author_archives(site: TestSite) {
    let space = site.get("/tag/space/").await;
    assert_eq!(space.status, StatusCode::OK);
    assert_eq!(space.texts("h1.archive-title"), vec!["Space"]);
    let n = space.texts(".story-list .card").len();
    assert!(n >= 4, "only {n} stories tagged Space");
    let admin = site.get("/author/newsroom-desk/").await;
    assert_eq!(admin.texts("h1.archive-title"), vec!["admin"]);
    assert!(
        admin
            .texts(".story-list .card__title")
            .contains(&"Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome".to_owned())
    );
    // Logins are never addresses: no author archive answers to a login.
    assert_eq!(
        site.get("/author/admin/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        site.get("/author/hvarga/").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        site.get("/author/helena-varga/").await.status,
        StatusCode::OK
    );
}

/// Year and month of the reference story, from its URL.
async fn reference_month(site: &TestSite) -> (String, String) {
    let url = site
        .url_of("Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome")
        .await;
    let parts: Vec<&str> = url.split('/').collect();
    (parts[1].to_owned(), parts[2].to_owned())
}

async fn date_archives(site: TestSite) {
    let (y, m) = reference_month(&site).await;
    let year = site.get(&format!("/{y}/")).await;
    assert_eq!(year.status, StatusCode::OK);
    assert_eq!(year.texts("h1.archive-title"), vec![y.clone()]);
    let month = site.get(&format!("/{y}/{m}/")).await;
    assert_eq!(month.status, StatusCode::OK);
    let first = chrono::NaiveDate::from_ymd_opt(y.parse().unwrap(), m.parse().unwrap(), 1).unwrap();
    assert_eq!(
        month.texts("h1.archive-title"),
        vec![first.format("%B %Y").to_string()]
    );
    assert!(
        month
            .texts(".story-list .card__title")
            .contains(&"Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome".to_owned())
    );
    // Every story listed in the month archive carries a date in that month.
    for href in month.attrs(".story-list .card__title a", "href") {
        assert!(
            href.starts_with(&format!("/{y}/{m}/")),
            "{href} listed under /{y}/{m}/"
        );
    }
    // A year or month without stories is not found, like a date that does not exist.
    for empty in ["/1999/", "/1999/01/", "/1999/01/01/", "/1999/page/2/"] {
        let page = site.get(empty).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{empty}");
        assert_eq!(page.texts("h1"), vec!["Page not found"], "{empty}");
    }
    for bad in ["/2026/00/", "/2026/1/", "/20261/", "/99999/"] {
        assert_eq!(site.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

async fn pagination_uses_rel_prev_next(site: TestSite) {
    // World holds 10 stories (its own and Asia's and Europe's): one page at the default 10 a page.
    let p1 = site.get("/category/world/").await;
    assert!(p1.attrs("link[rel=next]", "href").is_empty());
    assert!(p1.texts(".pagination").is_empty());
    assert_eq!(
        site.get("/category/world/page/2/").await.status,
        StatusCode::NOT_FOUND
    );

    // At 3 a page: pages of 3, 3, 3 and 1.
    site.settings(&[("posts_per_page", "3")]).await;
    let p1 = site.get("/category/world/").await;
    assert_eq!(p1.texts(".story-list .card").len(), 3);
    assert_eq!(
        p1.attrs("link[rel=next]", "href"),
        vec!["http://localhost/category/world/page/2/"]
    );
    assert_eq!(
        p1.attrs(".pagination a[rel=next]", "href"),
        vec!["/category/world/page/2/"]
    );
    assert!(p1.attrs("link[rel=prev]", "href").is_empty());
    let p2 = site.get("/category/world/page/2/").await;
    assert_eq!(p2.status, StatusCode::OK);
    assert_eq!(
        p2.attrs("link[rel=prev]", "href"),
        vec!["http://localhost/category/world/"]
    );
    assert_eq!(
        p2.attrs("link[rel=next]", "href"),
        vec!["http://localhost/category/world/page/3/"]
    );
    assert_eq!(
        p2.attrs("link[rel=canonical]", "href"),
        vec!["http://localhost/category/world/page/2/"]
    );
    assert_eq!(p2.texts(".pagination__status"), vec!["Page 2"]);
    let p4 = site.get("/category/world/page/4/").await;
    assert_eq!(p4.texts(".story-list .card").len(), 1);
    assert!(p4.attrs("link[rel=next]", "href").is_empty());
    assert_eq!(
        site.get("/category/world/page/5/").await.status,
        StatusCode::NOT_FOUND
    );
    // Pages never repeat or skip a story.
    let mut seen = Vec::new();
    for n in 1..=4 {
        let path = if n == 1 {
            "/category/world/".to_owned()
        } else {
            format!("/category/world/page/{n}/")
        };
        seen.extend(site.get(&path).await.texts(".story-list .card__title"));
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!((total, seen.len()), (10, 10));
    // Tag, author and date archives page the same way.
    assert_eq!(site.get("/tag/space/page/2/").await.status, StatusCode::OK);
    assert_eq!(
        site.get("/author/helena-varga/page/2/").await.status,
        StatusCode::OK
    );
    let (y, m) = reference_month(&site).await;
    let year = site.get(&format!("/{y}/")).await;
    let pages = year.texts(".pagination__status");
    assert_eq!(
        site.get(&format!("/{y}/page/2/")).await.status == StatusCode::OK,
        !pages.is_empty(),
        "{pages:?}"
    );
    let month = site.get(&format!("/{y}/{m}/")).await;
    let next = month.attrs("link[rel=next]", "href");
    if let Some(next) = next.first() {
        assert_eq!(next, &format!("http://localhost/{y}/{m}/page/2/"));
        let path = next.strip_prefix("http://localhost").unwrap();
        assert_eq!(site.get(path).await.status, StatusCode::OK);
    }
}

async fn day_archives(site: TestSite) {
    let story = site.url_of(REFERENCE).await;
    let parts: Vec<&str> = story.split('/').collect();
    let (y, m, d) = (parts[1], parts[2], parts[3]);
    let day = format!("/{y}/{m}/{d}/");
    let page = site.get(&day).await;
    assert_eq!(page.status, StatusCode::OK);
    let date =
        chrono::NaiveDate::from_ymd_opt(y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap())
            .unwrap();
    let heading = date.format("%B %-d, %Y").to_string();
    assert_eq!(page.texts("h1.archive-title"), vec![heading.clone()]);
    assert_eq!(page.texts(".archive-kind"), vec!["Archive"]);
    let titles = page.texts(".story-list .card__title");
    assert!(titles.contains(&REFERENCE.to_owned()), "{titles:?}");
    // Only that day's stories, each at an address under the day.
    for href in page.attrs(".story-list .card__title a", "href") {
        assert!(href.starts_with(&day), "{href} listed under {day}");
    }
    assert_eq!(
        page.attrs("link[rel=canonical]", "href"),
        vec![format!("http://localhost{day}")]
    );
    // Breadcrumbs lead up through the month and the year, as theirs do.
    let json_ld = page.texts("script[type='application/ld+json']").join("");
    let month_name = date.format("%B %Y").to_string();
    for (name, url) in [
        (y.to_owned(), format!("http://localhost/{y}/")),
        (month_name, format!("http://localhost/{y}/{m}/")),
        (heading, format!("http://localhost{day}")),
    ] {
        assert!(
            json_ld.contains(&format!("\"{name}\"")),
            "{name} in {json_ld}"
        );
        assert!(json_ld.contains(&url), "{url} in {json_ld}");
    }
    // Like the year and month archives: no feeds of their own, not in the sitemaps.
    assert_eq!(
        page.attrs("link[rel=alternate]", "href"),
        site.get(&format!("/{y}/{m}/"))
            .await
            .attrs("link[rel=alternate]", "href")
    );
    assert_eq!(
        site.get(&format!("{day}feed/")).await.status,
        StatusCode::NOT_FOUND
    );
    let index = site.get("/sitemap.xml").await.body;
    assert!(!index.contains(&format!("/{y}/{m}/{d}/<")), "{index}");
    // The address without its slash, and the story below it, still lead where they did.
    assert_eq!(
        site.get(&format!("/{y}/{m}/{d}")).await.location(),
        day.as_str()
    );
    assert_eq!(site.get(&story).await.status, StatusCode::OK);
    // Pages: one story a page, as many pages as the day has stories.
    let count = titles.len();
    site.settings(&[("posts_per_page", "1")]).await;
    let first = site.get(&day).await;
    assert_eq!(first.texts(".story-list .card").len(), 1);
    if count > 1 {
        assert_eq!(
            first.attrs("link[rel=next]", "href"),
            vec![format!("http://localhost{day}page/2/")]
        );
        let last = site.get(&format!("{day}page/{count}/")).await;
        assert_eq!(last.status, StatusCode::OK);
        assert_eq!(
            last.attrs("link[rel=canonical]", "href"),
            vec![format!("http://localhost{day}page/{count}/")]
        );
        assert!(last.attrs("link[rel=next]", "href").is_empty());
    }
    assert_eq!(
        site.get(&format!("{day}page/{}/", count + 1)).await.status,
        StatusCode::NOT_FOUND
    );
    // A day without stories, and days that do not exist, are not found.
    for missing in [
        "/1999/01/01/".to_owned(),
        format!("/{y}/02/30/"),
        format!("/{y}/02/31/"),
        format!("/{y}/13/01/"),
        format!("/{y}/{m}/00/"),
        format!("/{y}/{m}/32/"),
        format!("/{y}/{m}/7/"),
        format!("/{y}/{m}/xx/"),
        "/about/us/now/".to_owned(),
    ] {
        assert_eq!(
            site.get(&missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}
