//! Section, tag, author and date archives.

use axum::http::StatusCode;

use crate::support::TestSite;

on_both_backends!(demo:
    section_archive_includes_sub_sections,
    tag_and_author_archives,
    date_archives,
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
    // A month without stories is an empty archive, kept out of search engines.
    let empty = site.get("/1999/01/").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.texts(".empty"), vec!["No stories here yet."]);
    assert_eq!(
        empty.attrs("meta[name=robots]", "content"),
        vec!["noindex, follow"]
    );
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
