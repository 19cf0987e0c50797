//! Full-text search: ranking, snippets, filters, pages, phrases, stemming and accents, the index
//! following every change to a story, odd queries, and WordPress's `/?s=`.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, TimeZone, Utc};
use newsdesk::actions::site as site_actions;
use newsdesk::actions::stories::{self, Intent, StoryInput};
use newsdesk::domain::article::{CommentStatus, NewArticle, Status};
use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::user::{NewUser, Role};

use crate::support::{Backend, TestSite};

on_both_backends!(empty:
    headline_matches_come_first_and_newer_stories_break_ties,
    snippets_mark_the_query_words_and_escape_the_rest,
    filters_narrow_by_section_with_sub_sections_author_and_dates,
    results_come_in_pages_linked_by_rel_prev_and_next,
    quoted_phrases_match_adjacent_words_only,
    stemming_and_accent_folding_follow_the_site_language,
    the_index_follows_every_change_to_a_story,
    drafts_and_future_stories_are_never_found,
    bylines_and_credit_lines_are_searchable,
    odd_and_hostile_queries_get_an_ordinary_page,
    wordpress_search_links_lead_to_the_results,
    result_pages_are_kept_out_of_search_engines,
    stories_from_before_search_are_indexed_on_start,
    the_search_page_has_one_search_box,
    unknown_and_malformed_filters_are_named,
);

/// The sections and authors the tests write stories into.
struct Newsroom {
    world: i64,
    asia: i64,
    sport: i64,
    ana: i64,
    ben: i64,
}

async fn newsroom(site: &TestSite) -> Newsroom {
    let mut tx = site.store.begin().await.unwrap();
    let world = site_actions::create_category(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        "world",
        "World",
        "",
        None,
        0,
    )
    .await
    .unwrap();
    let asia = site_actions::create_category(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        "asia",
        "Asia",
        "",
        Some(world),
        1,
    )
    .await
    .unwrap();
    let sport = site_actions::create_category(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        "sport",
        "Sport",
        "",
        None,
        2,
    )
    .await
    .unwrap();
    let user = |login: &str, name: &str| NewUser {
        login: login.into(),
        email: format!("{login}@example.invalid"),
        display_name: name.into(),
        slug: None,
        bio: String::new(),
        role: Role::Author,
    };
    let ana = site_actions::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &user("ana", "Ana Lima"),
        Utc::now(),
    )
    .await
    .unwrap();
    let ben = site_actions::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &user("ben", "Ben Okafor"),
        Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Newsroom {
        world,
        asia,
        sport,
        ana,
        ben,
    }
}

/// A published story by `author` in `section`, `hours_ago` hours old (at least one, so that it is
/// public by the time the test searches).
fn story(title: &str, body: &str, author: i64, section: i64, hours_ago: i64) -> NewArticle {
    let at = Utc::now() - Duration::hours(hours_ago);
    NewArticle {
        title: title.into(),
        slug: None,
        body: SafeHtml::from_paragraphs([body]),
        excerpt: String::new(),
        status: Status::Published,
        published_at: Some(at),
        author_ids: vec![author],
        category_ids: vec![section],
        tag_ids: vec![],
        credit_line: String::new(),
        source_agency: String::new(),
        source_url: String::new(),
        embargo_until: None,
        featured_image_id: None,
        sticky: false,
        comment_status: CommentStatus::Open,
    }
}

/// Writes a story through the newsroom editor's own save, as the desk's editor: the index
/// is kept by the same path a journalist's story takes.
async fn add(site: &TestSite, article: NewArticle) -> i64 {
    let editor = desk_editor(site).await;
    let intent = match article.status {
        Status::Published | Status::Scheduled => Intent::Publish,
        Status::Pending => Intent::Submit,
        Status::Private => Intent::MakePrivate,
        Status::Draft | Status::Trash => Intent::Save,
    };
    let input = StoryInput {
        title: article.title.clone(),
        slug: String::new(),
        body: article.body.clone(),
        excerpt: article.excerpt.clone(),
        author_ids: article.author_ids.clone(),
        category_ids: article.category_ids.clone(),
        tag_names: vec![],
        credit_line: article.credit_line.clone(),
        source_agency: article.source_agency.clone(),
        source_url: article.source_url.clone(),
        embargo_until: article.embargo_until,
        publish_at: article.published_at,
        featured_image_id: article.featured_image_id,
        sticky: article.sticky,
        comments_open: article.comment_status == CommentStatus::Open,
        password: None,
        base_version: None,
    };
    stories::save(&site.store, &editor, None, &input, intent, Utc::now())
        .await
        .unwrap()
        .id
}

/// The editor the search tests write as (made the first time it is needed).
async fn desk_editor(site: &TestSite) -> newsdesk::domain::user::Staff {
    match site.store.account_by_login("searchdesk").await.unwrap() {
        Some(a) => newsdesk::domain::user::Staff {
            id: a.id,
            login: a.login,
            display_name: a.display_name,
            email: a.email,
            role: Role::Editor,
        },
        None => {
            site.staff_member("searchdesk", "Search Desk", Role::Editor)
                .await
        }
    }
}

/// Saves story `id` as it stands with `change` applied, pressing `intent`.
async fn resave(
    site: &TestSite,
    id: i64,
    intent: Intent,
    change: impl FnOnce(&mut StoryInput),
) -> stories::Saved {
    let editor = desk_editor(site).await;
    let (story, links) = stories::editable(&site.store, &editor, id).await.unwrap();
    let mut input = StoryInput::of(story, links);
    change(&mut input);
    stories::save(&site.store, &editor, Some(id), &input, intent, Utc::now())
        .await
        .unwrap()
}

/// Headlines of the results for a search address, in order.
async fn found(site: &TestSite, path: &str) -> Vec<String> {
    let page = site.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    page.texts(".search-result .card__title")
}

async fn headline_matches_come_first_and_newer_stories_break_ties(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        story(
            "Harbour bridge reopens",
            "Traffic flows again.",
            n.ana,
            n.world,
            50,
        ),
    )
    .await;
    add(
        &site,
        story(
            "Older twin",
            "A walk along the harbour.",
            n.ana,
            n.world,
            40,
        ),
    )
    .await;
    add(
        &site,
        story(
            "Newer twin",
            "A walk along the harbour.",
            n.ana,
            n.world,
            30,
        ),
    )
    .await;
    add(
        &site,
        story("Council news", "Nothing about boats.", n.ana, n.world, 1),
    )
    .await;
    assert_eq!(
        found(&site, "/search?q=harbour").await,
        ["Harbour bridge reopens", "Newer twin", "Older twin"]
    );
    // More of the query in the headline ranks higher; a story saying more about it ranks higher.
    add(
        &site,
        story(
            "Harbour walk guide",
            "Harbour, harbour and harbour walks.",
            n.ana,
            n.world,
            60,
        ),
    )
    .await;
    let order = found(&site, "/search?q=harbour+walk").await;
    assert_eq!(order[0], "Harbour walk guide");
    assert_eq!(&order[1..], ["Newer twin", "Older twin"]);
}

async fn snippets_mark_the_query_words_and_escape_the_rest(site: TestSite) {
    let n = newsroom(&site).await;
    let filler = "Other news of the day. ".repeat(30);
    add(
        &site,
        story(
            "Ferry <service> & timetable",
            &format!(
                "{filler}The new ferries run hourly <b>from</b> the pier & the port. {filler}"
            ),
            n.ana,
            n.world,
            2,
        ),
    )
    .await;
    let page = site.get("/search?q=ferry").await;
    assert_eq!(
        page.fragment(".search-result .card__title a")
            .split_once('>')
            .unwrap()
            .1,
        "<mark>Ferry</mark> &lt;service&gt; &amp; timetable</a>"
    );
    let snippet = page.fragment(".search-result__snippet");
    assert!(
        snippet.contains("The new <mark>ferries</mark> run hourly &lt;b&gt;from&lt;/b&gt; the pier &amp; the port."),
        "{snippet}"
    );
    assert!(
        snippet.contains('…'),
        "a passage, not the whole story: {snippet}"
    );
    assert!(!snippet.contains("<b>"));
}

async fn filters_narrow_by_section_with_sub_sections_author_and_dates(site: TestSite) {
    let n = newsroom(&site).await;
    site.settings(&[("timezone", "Asia/Tokyo")]).await;
    // 20:00 UTC on 1 March is already 2 March in Tokyo.
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
    let dated = |title: &str, author, section, t: DateTime<Utc>| NewArticle {
        published_at: Some(t),
        ..story(title, "Monsoon season report.", author, section, 0)
    };
    add(&site, dated("Monsoon in Asia", n.ana, n.asia, at(1, 20))).await;
    add(&site, dated("Monsoon worldwide", n.ben, n.world, at(1, 10))).await;
    add(&site, dated("Monsoon cricket", n.ana, n.sport, at(3, 10))).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(found(&site, "/search?q=monsoon").await.len(), 3);
    assert_eq!(
        sorted(found(&site, "/search?q=monsoon&section=world").await),
        ["Monsoon in Asia", "Monsoon worldwide"]
    );
    assert_eq!(
        found(&site, "/search?q=monsoon&section=asia").await,
        ["Monsoon in Asia"]
    );
    assert_eq!(
        sorted(found(&site, "/search?q=monsoon&author=ana-lima").await),
        ["Monsoon cricket", "Monsoon in Asia"]
    );
    assert_eq!(
        found(&site, "/search?q=monsoon&section=world&author=ben-okafor").await,
        ["Monsoon worldwide"]
    );
    assert_eq!(
        found(&site, "/search?q=monsoon&to=2026-03-01").await,
        ["Monsoon worldwide"]
    );
    assert_eq!(
        sorted(found(&site, "/search?q=monsoon&from=2026-03-02").await),
        ["Monsoon cricket", "Monsoon in Asia"]
    );
    assert_eq!(
        found(&site, "/search?q=monsoon&from=2026-03-02&to=2026-03-02").await,
        ["Monsoon in Asia"]
    );
    // Unknown sections and authors and malformed dates are ignored, not errors.
    assert_eq!(
        found(
            &site,
            "/search?q=monsoon&section=nope&author=nobody&from=2026-13-45"
        )
        .await
        .len(),
        3
    );
    // The form shows the filters chosen.
    let page = site
        .get("/search?q=monsoon&section=asia&author=ana-lima&from=2026-03-02")
        .await;
    assert_eq!(
        page.attrs("#search-section option[selected]", "value"),
        ["asia"]
    );
    assert_eq!(
        page.attrs("#search-author option[selected]", "value"),
        ["ana-lima"]
    );
    assert_eq!(page.attrs("#search-from", "value"), ["2026-03-02"]);
    assert_eq!(
        page.texts("#search-section option"),
        ["All sections", "World", "– Asia", "Sport"]
    );
    let none = site
        .get("/search?q=monsoon&section=sport&author=ben-okafor")
        .await;
    assert!(none.texts(".empty")[0].contains("with these filters"));
}

async fn results_come_in_pages_linked_by_rel_prev_and_next(site: TestSite) {
    let n = newsroom(&site).await;
    site.settings(&[("posts_per_page", "2")]).await;
    for i in 0..5 {
        add(
            &site,
            story(&format!("Tide table {i}"), "Tides.", n.ana, n.world, i + 1),
        )
        .await;
    }
    let first = site.get("/search?q=tide&section=world").await;
    assert_eq!(first.texts(".search-result").len(), 2);
    assert_eq!(
        first.attrs("link[rel=next]", "href"),
        ["http://localhost/search?q=tide&section=world&page=2"]
    );
    assert!(first.attrs("link[rel=prev]", "href").is_empty());
    assert_eq!(
        first.attrs("a[rel=next]", "href"),
        ["/search?q=tide&section=world&page=2"]
    );
    let second = site.get("/search?q=tide&section=world&page=2").await;
    assert_eq!(
        second.attrs("link[rel=prev]", "href"),
        ["http://localhost/search?q=tide&section=world"]
    );
    assert_eq!(
        second.attrs("a[rel=next]", "href"),
        ["/search?q=tide&section=world&page=3"]
    );
    let last = site.get("/search?q=tide&section=world&page=3").await;
    assert_eq!(last.texts(".search-result").len(), 1);
    assert!(last.attrs("link[rel=next]", "href").is_empty());
    assert!(last.texts(".search-count")[0].contains("5 stories match"));
    // Every story appears once across the pages, newest first (equal relevance).
    let mut all = Vec::new();
    for p in 1..=3 {
        all.extend(found(&site, &format!("/search?q=tide&section=world&page={p}")).await);
    }
    assert_eq!(
        all,
        (0..5)
            .map(|i| format!("Tide table {i}"))
            .collect::<Vec<_>>()
    );
    // Past the end: an ordinary page pointing back to the last one.
    let past = site.get("/search?q=tide&section=world&page=9").await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(past.texts(".search-result").is_empty());
    assert_eq!(
        past.attrs("a[rel=prev]", "href"),
        ["/search?q=tide&section=world&page=3"]
    );
}

async fn quoted_phrases_match_adjacent_words_only(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        story(
            "Talks",
            "Leaders of North Korea met today.",
            n.ana,
            n.world,
            1,
        ),
    )
    .await;
    add(
        &site,
        story("Trade", "Korea north of the border.", n.ana, n.world, 2),
    )
    .await;
    add(
        &site,
        story("North Korea summit", "Leaders met.", n.ana, n.world, 3),
    )
    .await;
    let mut both = found(&site, "/search?q=north+korea").await;
    both.sort();
    assert_eq!(both, ["North Korea summit", "Talks", "Trade"]);
    assert_eq!(
        found(&site, "/search?q=%22north+korea%22").await,
        ["North Korea summit", "Talks"]
    );
    // Curly quotes too, and a phrase never spans the headline and the body.
    assert_eq!(
        found(&site, "/search?q=%E2%80%9Ckorea+north%E2%80%9D").await,
        ["Trade"]
    );
    assert!(
        found(&site, "/search?q=%22summit+leaders%22")
            .await
            .is_empty()
    );
}

async fn stemming_and_accent_folding_follow_the_site_language(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        story("Election day", "Voters queue.", n.ana, n.world, 1),
    )
    .await;
    add(
        &site,
        story("Her résumé", "A Zürich café.", n.ana, n.world, 2),
    )
    .await;
    assert_eq!(found(&site, "/search?q=elections").await, ["Election day"]);
    assert_eq!(found(&site, "/search?q=ELECTED").await, ["Election day"]);
    assert_eq!(found(&site, "/search?q=resume").await, ["Her résumé"]);
    assert_eq!(found(&site, "/search?q=zurich+CAFE").await, ["Her résumé"]);
    assert_eq!(
        found(&site, "/search?q=R%C3%89SUM%C3%89").await,
        ["Her résumé"]
    );
    // A language without a stemmer still folds accents, but "elections" is then its own word;
    // changing the language re-indexes every story at once.
    site.settings(&[("language", "pl")]).await;
    assert!(found(&site, "/search?q=elections").await.is_empty());
    assert_eq!(found(&site, "/search?q=election").await, ["Election day"]);
    assert_eq!(found(&site, "/search?q=resume").await, ["Her résumé"]);
    site.settings(&[("language", "fr")]).await;
    add(
        &site,
        story(
            "Les élections régionales",
            "Les électeurs votent.",
            n.ana,
            n.world,
            3,
        ),
    )
    .await;
    assert_eq!(
        found(&site, "/search?q=election+regionale").await,
        ["Les élections régionales"]
    );
}

async fn the_index_follows_every_change_to_a_story(site: TestSite) {
    let n = newsroom(&site).await;
    let id = add(
        &site,
        story("Lighthouse restored", "Keepers return.", n.ana, n.world, 1),
    )
    .await;
    assert_eq!(
        found(&site, "/search?q=lighthouse").await,
        ["Lighthouse restored"]
    );
    let now = Utc::now();
    resave(&site, id, Intent::Save, |s| {
        s.title = "Beacon restored".into();
        s.body = SafeHtml::from_paragraphs(["Volunteers return."]);
        s.author_ids = vec![n.ben];
    })
    .await;
    assert!(found(&site, "/search?q=lighthouse").await.is_empty());
    assert!(found(&site, "/search?q=keepers").await.is_empty());
    assert_eq!(
        found(&site, "/search?q=beacon+volunteers").await,
        ["Beacon restored"]
    );
    assert_eq!(found(&site, "/search?q=okafor").await, ["Beacon restored"]);
    assert_eq!(
        found(&site, "/search?q=beacon&author=ben-okafor").await,
        ["Beacon restored"]
    );
    assert!(
        found(&site, "/search?q=beacon&author=ana-lima")
            .await
            .is_empty()
    );

    resave(&site, id, Intent::Unpublish, |_| {}).await;
    assert!(found(&site, "/search?q=beacon").await.is_empty());
    resave(&site, id, Intent::Publish, |_| {}).await;
    assert_eq!(found(&site, "/search?q=beacon").await, ["Beacon restored"]);
    // Republished at another time: the byline and section copies of the time follow.
    resave(&site, id, Intent::Publish, |s| {
        s.publish_at = Some(now - Duration::days(400));
    })
    .await;
    assert_eq!(
        found(&site, "/search?q=beacon&section=world").await,
        ["Beacon restored"]
    );
    let old = (now - Duration::days(400)).format("%Y-%m-%d").to_string();
    assert_eq!(
        found(&site, &format!("/search?q=beacon&from={old}&to={old}")).await,
        ["Beacon restored"]
    );
    assert_eq!(
        site.get("/author/ben-okafor/").await.texts(".card__title"),
        ["Beacon restored"]
    );
    resave(&site, id, Intent::Trash, |_| {}).await;
    assert!(found(&site, "/search?q=beacon").await.is_empty());
    resave(&site, id, Intent::Restore, |_| {}).await;
    assert!(
        found(&site, "/search?q=beacon").await.is_empty(),
        "a restored story is a draft"
    );
    resave(&site, id, Intent::Publish, |_| {}).await;
    assert_eq!(found(&site, "/search?q=beacon").await, ["Beacon restored"]);
    resave(&site, id, Intent::Trash, |_| {}).await;
    let editor = desk_editor(&site).await;
    stories::delete_forever(&site.store, &editor, id)
        .await
        .unwrap();
    assert!(found(&site, "/search?q=beacon").await.is_empty());
    assert!(matches!(
        stories::delete_forever(&site.store, &editor, id).await,
        Err(newsdesk::actions::ActionError::NotFound(_))
    ));
    // A story written later can take the freed place in the index.
    add(
        &site,
        story("Beacon relit", "Keepers return.", n.ana, n.world, 1),
    )
    .await;
    assert_eq!(found(&site, "/search?q=beacon").await, ["Beacon relit"]);
}

/// Nor are their authors offered by the search form's author filter: only the people with a
/// published story whose time has come.
async fn drafts_and_future_stories_are_never_found(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        NewArticle {
            status: Status::Draft,
            ..story("Secret draft zeppelin", "Not yet.", n.ben, n.world, 1)
        },
    )
    .await;
    add(
        &site,
        NewArticle {
            published_at: Some(Utc::now() + Duration::hours(5)),
            ..story("Embargoed zeppelin", "Later.", n.ben, n.world, 0)
        },
    )
    .await;
    add(
        &site,
        story("Zeppelin museum opens", "Now.", n.ana, n.world, 1),
    )
    .await;
    assert_eq!(
        found(&site, "/search?q=zeppelin").await,
        ["Zeppelin museum opens"]
    );
    assert!(found(&site, "/search?q=secret").await.is_empty());
    assert!(found(&site, "/search?q=embargoed").await.is_empty());
    let authors = async || {
        let page = site.get("/search?q=zeppelin").await;
        assert_eq!(page.status, StatusCode::OK);
        page.texts("select[name=author] option")
    };
    assert_eq!(authors().await, ["All authors", "Ana Lima"]);
    add(&site, story("Zeppelin by Ben", "Now.", n.ben, n.world, 2)).await;
    assert_eq!(authors().await, ["All authors", "Ana Lima", "Ben Okafor"]);
}

async fn bylines_and_credit_lines_are_searchable(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        NewArticle {
            credit_line: "RHM/PR".into(),
            source_agency: "Sputnik".into(),
            excerpt: "A standfirst about glaciers.".into(),
            ..story("Wire story", "Body.", n.ben, n.world, 1)
        },
    )
    .await;
    for q in ["rhm", "sputnik", "okafor", "ben+okafor", "glaciers"] {
        assert_eq!(
            found(&site, &format!("/search?q={q}")).await,
            ["Wire story"],
            "{q}"
        );
    }
    // Without a match in the body, the standfirst stands in as the snippet.
    let page = site.get("/search?q=glacier").await;
    assert_eq!(
        page.fragment(".search-result__snippet"),
        "<p class=\"card__excerpt search-result__snippet\">A standfirst about <mark>glaciers</mark>.</p>"
    );
}

async fn odd_and_hostile_queries_get_an_ordinary_page(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        story("Drop in prices", "Table of articles.", n.ana, n.world, 1),
    )
    .await;
    let long = "word%20".repeat(1500);
    let cases = [
        "".to_owned(),
        "q=".to_owned(),
        "q=%20%20".to_owned(),
        format!("q={}", "x".repeat(10_000)),
        format!("q={long}"),
        "q=%22".to_owned(),
        "q=%22%22%22".to_owned(),
        "q=%22unbalanced+phrase".to_owned(),
        "q=*".to_owned(),
        "q=drop*".to_owned(),
        "q=NEAR(drop+prices)".to_owned(),
        "q=title:drop".to_owned(),
        "q=%5Edrop".to_owned(),
        "q=(((drop".to_owned(),
        "q=drop+OR+prices+AND+NOT+x".to_owned(),
        "q=-drop".to_owned(),
        "q=%27%3B+DROP+TABLE+articles%3B+--".to_owned(),
        "q=%27+OR+1%3D1+--".to_owned(),
        "q=drop+%26+prices+%7C+%21x+%3C-%3E+y%3A*".to_owned(),
        "q=the+a+of+and".to_owned(),
        "q=...%2C%2C%3B%3B!!".to_owned(),
        "q=%09%0A%0D".to_owned(),
        "q=%FF%FE%C3".to_owned(),
        "q=%E2%80%AE%EF%BF%BF".to_owned(),
        "q=%F0%9F%98%80".to_owned(),
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
        "q=drop&q=other&page=-1&section=%27&author=%22&from=yesterday&to=9999-99-99".to_owned(),
        "q=drop&page=99999999999999999999".to_owned(),
        "q=drop&page=4294967295".to_owned(),
    ];
    for query in &cases {
        let started = std::time::Instant::now();
        let page = site.get(&format!("/search?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(page.attrs("#search-q", "name"), ["q"], "{query}");
        assert!(!page.body.contains("<script>alert"), "{query}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{query} took {:?}",
            started.elapsed()
        );
    }
    // The query is printed back cut to size and without control characters.
    let page = site.get(&format!("/search?q={}", "x".repeat(10_000))).await;
    assert_eq!(page.attrs("#search-q", "value")[0].len(), 256);
    // NUL and the other forbidden control characters are refused at the edge, on both backends.
    for query in ["q=%00%01%1F", "q=drop%00%07+prices"] {
        let page = site.get(&format!("/search?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
    }
    let page = site.get("/search?q=drop%09%0A+prices").await;
    assert_eq!(page.attrs("#search-q", "value"), ["drop   prices"]);
    assert_eq!(
        found(&site, "/search?q=drop%09%0A+prices").await,
        ["Drop in prices"]
    );
    // Operators are just words: "drop*" finds "drop", SQL finds the story with those words.
    assert_eq!(found(&site, "/search?q=drop*").await, ["Drop in prices"]);
    assert_eq!(
        found(&site, "/search?q=%27%3B+DROP+TABLE+articles%3B+--").await,
        ["Drop in prices"]
    );
}

async fn wordpress_search_links_lead_to_the_results(site: TestSite) {
    let n = newsroom(&site).await;
    add(&site, story("Glacier retreat", "Ice.", n.ana, n.world, 1)).await;
    let r = site.get("/?s=glacier+retreat").await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::PERMANENT_REDIRECT, "/search?q=glacier+retreat")
    );
    assert_eq!(found(&site, r.location()).await, ["Glacier retreat"]);
    let r = site.get("/?s=%27%22%3C").await;
    assert_eq!(r.location(), "/search?q=%27%22%3C");
    assert_eq!(site.get(r.location()).await.status, StatusCode::OK);
    assert_eq!(
        site.get("/search/?q=glacier").await.location(),
        "/search?q=glacier"
    );
    assert_eq!(site.get("/search/").await.location(), "/search");
}

async fn result_pages_are_kept_out_of_search_engines(site: TestSite) {
    let n = newsroom(&site).await;
    add(&site, story("Glacier retreat", "Ice.", n.ana, n.world, 1)).await;
    for path in ["/search", "/search?q=glacier", "/search?q=nothing"] {
        let page = site.get(path).await;
        assert_eq!(
            page.attrs("meta[name=robots]", "content"),
            ["noindex, follow"],
            "{path}"
        );
        // One search box: the page's own form stands in for the header's.
        assert_eq!(
            page.attrs("form[role=search] input[type=search]", "name"),
            ["q"]
        );
    }
    // Every page has the header's search form, labelled.
    let home = site.get("/").await;
    assert_eq!(
        home.attrs("header form[role=search]", "action"),
        ["/search"]
    );
    assert_eq!(home.texts("label[for=site-search-q]"), ["Search stories"]);
    assert!(home.attrs("meta[name=robots]", "content").is_empty());
}

async fn stories_from_before_search_are_indexed_on_start(site: TestSite) {
    let n = newsroom(&site).await;
    add(&site, story("Glacier retreat", "Ice.", n.ana, n.world, 1)).await;
    // As a site upgraded from before search: stories, but an empty index of unknown analysis.
    raw_sql(
        &site,
        &[
            "DELETE FROM search_documents",
            "DELETE FROM settings WHERE name = 'search_index_analyzer'",
        ],
    )
    .await;
    assert!(found(&site, "/search?q=glacier").await.is_empty());
    site.store.migrate().await.unwrap();
    site.store.touch();
    assert_eq!(found(&site, "/search?q=glacier").await, ["Glacier retreat"]);
    assert_eq!(site.store.ensure_search_index().await.unwrap(), None);
    assert_eq!(site.store.rebuild_search_index().await.unwrap(), 1);
}

/// Runs statements straight on the database, past the store.
async fn raw_sql(site: &TestSite, statements: &[&str]) {
    use sqlx::{Connection, Executor};
    match site.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&site.url).await.unwrap();
            for s in statements {
                c.execute(sqlx::AssertSqlSafe(*s)).await.unwrap();
            }
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(&site.url).await.unwrap();
            for s in statements {
                c.execute(sqlx::AssertSqlSafe(*s)).await.unwrap();
            }
        }
    }
}

/// `newsdesk reindex` rebuilds the index of a seeded site and says how many stories it indexed.
#[test]
fn reindex_command_rebuilds_the_index() {
    let data = std::env::temp_dir().join(format!("newsdesk-reindex-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(args)
            .arg("--data")
            .arg(&data)
            .env_remove("NEWSDESK_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["seed", "--articles", "30"]);
    let out = run(&["reindex"]);
    assert!(
        out.starts_with("Indexed 30 published stories for search in "),
        "{out}"
    );
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["reindex", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--data") && help.contains("--database"),
        "{help}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

async fn the_search_page_has_one_search_box(site: TestSite) {
    let n = newsroom(&site).await;
    add(&site, story("Glacier retreat", "Ice.", n.ana, n.world, 1)).await;
    for path in [
        "/search",
        "/search?q=glacier",
        "/search?q=glacier+%22ice%22&section=world",
    ] {
        let page = site.get(path).await;
        // One box, the page's own, with the filters and the query as typed.
        assert_eq!(page.attrs("input[name=q]", "id"), ["search-q"], "{path}");
        assert_eq!(
            page.attrs("form[role=search]", "aria-label"),
            ["Search stories"],
            "{path}"
        );
        assert!(
            page.attrs(".site-header form", "action").is_empty(),
            "{path}"
        );
    }
    assert_eq!(
        site.get("/search?q=glacier+%22ice%22")
            .await
            .attrs("#search-q", "value"),
        ["glacier \"ice\""]
    );
    // Every other page keeps the header's box.
    let home = site.get("/").await;
    assert_eq!(home.attrs("input[name=q]", "id"), ["site-search-q"]);
    assert_eq!(
        home.attrs(".site-header form[role=search]", "aria-label"),
        ["Site search"]
    );
}

async fn unknown_and_malformed_filters_are_named(site: TestSite) {
    let n = newsroom(&site).await;
    add(
        &site,
        story("Monsoon worldwide", "Rain.", n.ana, n.world, 1),
    )
    .await;
    let notices = |page: &crate::support::Page| page.texts(".search-notices li");
    let page = site.get("/search?q=monsoon&section=nope").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        notices(&page),
        ["There is no section “nope”; showing all sections."]
    );
    // All sections are searched, and further pages do not carry the unknown section.
    assert_eq!(
        found(&site, "/search?q=monsoon&section=nope").await,
        ["Monsoon worldwide"]
    );
    assert_eq!(
        page.attrs("#search-section option[selected]", "value"),
        Vec::<String>::new()
    );
    let page = site
        .get("/search?q=monsoon&from=2026-13-45&to=2026-02-30")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        notices(&page),
        [
            "“2026-13-45” is not a valid date for “Published from” (use YYYY-MM-DD); it is left out.",
            "“2026-02-30” is not a valid date for “Published to” (use YYYY-MM-DD); it is left out.",
        ]
    );
    assert_eq!(
        found(&site, "/search?q=monsoon&from=2026-13-45").await,
        ["Monsoon worldwide"]
    );
    let page = site.get("/search?q=monsoon&author=nobody&colour=red").await;
    assert_eq!(
        notices(&page),
        [
            "The search has no filter “colour”; it is ignored.",
            "There is no author “nobody”; showing all authors.",
        ]
    );
    // What the form itself sends (empty filters) and tracking parameters say nothing.
    for quiet in [
        "/search?q=monsoon&section=&author=&from=&to=",
        "/search?q=monsoon&utm_source=newsletter&utm_medium=email&fbclid=abc&gclid=x",
        "/search?q=monsoon&section=world&author=ana-lima&from=2026-01-01",
    ] {
        let page = site.get(quiet).await;
        assert!(notices(&page).is_empty(), "{quiet}: {:?}", notices(&page));
    }
    // The notice is text: a hostile value is printed escaped.
    let page = site.get("/search?q=x&section=%3Cb%3Ebold%3C%2Fb%3E").await;
    assert_eq!(
        notices(&page),
        ["There is no section “<b>bold</b>”; showing all sections."]
    );
    assert!(!page.body.contains("<b>bold"));
}
