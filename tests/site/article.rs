//! The story page.

use axum::http::StatusCode;

use crate::support::TestSite;

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

on_both_backends!(demo:
    reference_story_reproduces_the_reference_page,
    related_posts_and_read_also,
    comments_are_threaded_and_emails_never_shown,
    wrong_dates_redirect_and_unpublished_stories_are_hidden,
    updated_time_is_shown_after_an_edit,
    the_byline_shows_once,
    the_demo_discussion_reads_like_readers_wrote_it,
);

async fn reference_story_reproduces_the_reference_page(site: TestSite) {
    let url = site.url_of(REFERENCE).await;
    assert!(
        url.ends_with("/putin-meets-n-koreas-jong-un-at-russia-vostochny-cosmodrome/"),
        "{url}"
    );
    let page = site.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1.story-title"), vec![REFERENCE]);
    assert_eq!(
        page.texts("title"),
        vec![format!("{REFERENCE} – Newsdesk Daily")]
    );
    // Byline links to the author archive by public slug, never the login.
    assert_eq!(page.texts(".byline .byline__author"), vec!["admin"]);
    assert_eq!(
        page.attrs(".byline a[rel=author]", "href"),
        vec!["/author/newsroom-desk/"]
    );
    assert!(!page.body.contains("/author/admin/"));
    assert_eq!(page.attrs(".byline time.published", "datetime").len(), 1);
    // The body, all twelve paragraphs, with their typographic quotes (the pull quote's
    // paragraph is in a figure).
    let paragraphs = page.texts(".story-body > p");
    assert_eq!(paragraphs.len(), 12);
    assert!(
        paragraphs[1].starts_with(
            "“Thank you for inviting us, despite your tight schedule,” Kim told Putin"
        )
    );
    assert!(paragraphs[11].ends_with("as part of his first visit to Russia since 2019."));
    // Provenance as on the reference page.
    assert_eq!(page.texts(".provenance .credit-line"), vec!["RHM/PR"]);
    assert_eq!(
        page.texts(".provenance .source-agency"),
        vec!["Source: Sputnik"]
    );
    // Sections and tags.
    assert_eq!(page.texts(".story-section a"), vec!["Asia"]);
    assert_eq!(
        page.attrs(".story-section a", "href"),
        vec!["/category/world/asia/"]
    );
    assert_eq!(page.texts(".story-terms a[rel~=category]"), vec!["Asia"]);
    assert_eq!(
        page.texts(".story-terms a[rel=tag]"),
        vec!["Diplomacy", "North Korea", "Russia", "Space"]
    );
    // The WordPress comment form, as on the reference page.
    assert_eq!(page.texts("#reply-title"), vec!["Leave a Reply"]);
    assert_eq!(
        page.texts(".comment-notes"),
        vec!["Your email address will not be published. Required fields are marked *"]
    );
    for (name, required) in [
        ("comment", true),
        ("author", true),
        ("email", true),
        ("url", false),
        ("comment_parent", false),
    ] {
        let sel = format!("#commentform [name={name}]");
        assert_eq!(page.attrs(&sel, "name").len(), 1, "field {name}");
        assert_eq!(
            !page.attrs(&sel, "required").is_empty(),
            required,
            "field {name} required"
        );
    }
    for id in ["comment", "author", "email", "url"] {
        assert_eq!(
            page.attrs(&format!("label[for={id}]"), "for").len(),
            1,
            "label for {id}"
        );
    }
    // Sidebar widgets from the reference page.
    assert_eq!(
        page.texts(".sidebar .widget__title")[..2],
        ["Health Tips".to_owned(), "Featured".to_owned()]
    );
    assert_eq!(
        page.texts(".widget--featured_post .widget__featured-title"),
        vec![REFERENCE]
    );
    insta::with_settings!({ filters => vec![
        (r#"value="\d+\.[0-9a-f]{64}""#, r#"value="[signed form token]""#),
    ] }, {
        insta::assert_snapshot!("comment_form", page.fragment("#commentform"));
    });
}

async fn related_posts_and_read_also(site: TestSite) {
    let url = site.url_of(REFERENCE).await;
    let page = site.get(&url).await;
    assert_eq!(page.texts("#related-title"), vec!["Related Posts"]);
    let related = page.texts(".related .card__title");
    assert_eq!(related.len(), 4);
    assert!(
        !related.contains(&REFERENCE.to_owned()),
        "a story is not related to itself"
    );
    // Stories about the same meeting, rockets and regional diplomacy rank first.
    let read_also = page.texts(".read-also__story a");
    assert_eq!(read_also.len(), 1);
    assert_ne!(read_also[0], REFERENCE);
    assert!(
        !related.contains(&read_also[0]),
        "read-also repeats a related story"
    );
    let all: Vec<&str> = read_also
        .iter()
        .chain(&related)
        .map(String::as_str)
        .collect();
    assert!(
        all.contains(&"Heavy-lift rocket rolled out to Far East launch pad ahead of test flight")
            && all.contains(&"Russian and Asian envoys discuss Far East rail and port links"),
        "unexpected related stories: {all:?}"
    );
    // Stable: the same page twice gives the same order.
    assert_eq!(site.get(&url).await.texts(".related .card__title"), related);

    // Read also: a labelled landmark with a link; the close button exists but stays hidden until
    // JavaScript can make it work, so the page is complete without JavaScript.
    assert_eq!(
        page.attrs("aside.read-also", "aria-labelledby"),
        vec!["read-also-title"]
    );
    assert_eq!(page.texts("#read-also-title"), vec!["Read also"]);
    assert_eq!(
        page.attrs("button.read-also__close", "type"),
        vec!["button"]
    );
    assert_eq!(
        page.attrs("button.read-also__close", "aria-label"),
        vec!["Dismiss Read also"]
    );
    assert_eq!(
        page.attrs("button.read-also__close[hidden]", "type").len(),
        1
    );
    assert_eq!(page.attrs("#read-also-status", "aria-live"), vec!["polite"]);
    insta::with_settings!({ filters => vec![(r"/\d{4}/\d{2}/\d{2}/", "/YYYY/MM/DD/")] }, {
        insta::assert_snapshot!("read_also", page.fragment("aside.read-also"));
    });

    // The setting turns it off.
    site.settings(&[("read_also", "off")]).await;
    let page = site.get(&url).await;
    assert!(page.texts("aside.read-also").is_empty());
    assert_eq!(page.texts(".related .card__title").len(), 4);
}

async fn comments_are_threaded_and_emails_never_shown(site: TestSite) {
    let page = site.get(&site.url_of(REFERENCE).await).await;
    assert_eq!(page.texts("#comments-title"), vec!["2 comments"]);
    assert_eq!(
        page.texts(".comment-list > li > article .comment__author"),
        vec!["Mira K."]
    );
    assert_eq!(
        page.texts(".comment-list > li > ol.children > li .comment__author"),
        vec!["Tomasz"]
    );
    assert_eq!(
        page.attrs(".comment__author a", "rel"),
        vec!["external nofollow ugc"]
    );
    // Paragraphs of the comment are kept.
    assert_eq!(
        page.texts(".comment-list > li > article .comment__content p")
            .len(),
        2
    );
    // The pending comment and every email address stay private.
    // The demo's comment held for moderation is not shown.
    assert!(!page.body.contains("Daniel Okoro"));
    assert!(!page.body.contains("rail link"));
    assert!(!page.body.contains("@example.invalid"));
    // Article lists show approved counts only.
    let home = site.get("/").await;
    assert!(
        home.texts(".card__meta a[href$='#comments']")
            .contains(&"2 comments".to_owned())
    );
}

async fn wrong_dates_redirect_and_unpublished_stories_are_hidden(site: TestSite) {
    let url = site.url_of(REFERENCE).await;
    let slug = url.trim_end_matches('/').rsplit('/').next().unwrap();
    let wrong = format!("/2001/02/03/{slug}/");
    let r = site.get(&wrong).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::PERMANENT_REDIRECT, url.as_str())
    );
    let no_slash = url.trim_end_matches('/');
    assert_eq!(site.get(no_slash).await.location(), url);

    // A draft and a story scheduled for later are not public anywhere.
    let mut tx = site.store.begin().await.unwrap();
    let author = newsdesk::actions::site::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &newsdesk::domain::user::NewUser {
            login: "writer".into(),
            email: "w@example.invalid".into(),
            display_name: "Wendy Writer".into(),
            slug: None,
            bio: String::new(),
            role: newsdesk::domain::user::Role::Author,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let now = chrono::Utc::now();
    for (title, status, at) in [
        (
            "Secret draft headline",
            newsdesk::domain::article::Status::Draft,
            Some(now - chrono::Duration::hours(1)),
        ),
        (
            "Future embargoed headline",
            newsdesk::domain::article::Status::Published,
            Some(now + chrono::Duration::hours(5)),
        ),
        (
            "Private memo headline",
            newsdesk::domain::article::Status::Private,
            Some(now - chrono::Duration::hours(1)),
        ),
    ] {
        let article = crate::store::article(title, vec![author], vec![], status, at);
        let (id, slug) = newsdesk::actions::articles::create(
            &site.store,
            newsdesk::actions::Actor::Operator,
            &article,
            now,
        )
        .await
        .unwrap();
        let at = at.unwrap();
        let path = newsdesk::domain::article::article_path(at, slug.as_str(), chrono_tz::UTC);
        assert_eq!(
            site.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{title}"
        );
        assert_eq!(
            site.get(&format!("/?p={id}")).await.status,
            StatusCode::NOT_FOUND,
            "{title}"
        );
        assert!(!site.get("/").await.body.contains(title), "{title}");
        assert!(
            !site.get("/author/wendy-writer/").await.body.contains(title),
            "{title}"
        );
    }
}

async fn updated_time_is_shown_after_an_edit(site: TestSite) {
    let sticky = "Parliament passes emergency budget after marathon overnight session";
    let page = site.get(&site.url_of(sticky).await).await;
    assert_eq!(page.attrs("time.updated", "datetime").len(), 1);
    assert!(page.texts(".byline").join(" ").contains("Updated"));
    let reference = site.get(&site.url_of(REFERENCE).await).await;
    assert!(reference.attrs("time.updated", "datetime").is_empty());
}

async fn the_byline_shows_once(site: TestSite) {
    let page = site.get(&site.url_of(REFERENCE).await).await;
    // Once, under the headline: no second list of authors at the foot of the story.
    assert_eq!(page.texts("article.story .byline").len(), 1);
    assert_eq!(
        page.attrs("article.story a[rel=author]", "href"),
        vec!["/author/newsroom-desk/"]
    );
    assert!(page.texts(".story-authors").is_empty());
    let story_text = page.texts("article.story").join(" ");
    assert_eq!(story_text.matches("admin").count(), 1, "{story_text}");
    assert_eq!(
        page.texts("article.story .byline__authors"),
        vec!["By admin"]
    );
    // Search engines still learn who wrote it.
    let json_ld = page.texts("script[type='application/ld+json']").join("");
    let json: serde_json::Value = serde_json::from_str(&json_ld).unwrap();
    let graph = json["@graph"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![json.clone()]);
    let article = graph
        .iter()
        .find(|n| n["@type"] == "NewsArticle")
        .expect("NewsArticle");
    assert_eq!(article["author"][0]["name"], "admin");
}

async fn the_demo_discussion_reads_like_readers_wrote_it(site: TestSite) {
    // Every demo comment, shown or held, as the newsroom's moderation queue lists it.
    let rows = site
        .raw_pairs(
            "SELECT author_name || ': ' || body || ' [' || status || ']', \
             CAST(CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END AS BIGINT) FROM comments ORDER BY id",
        )
        .await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (text, _) in &rows {
        let lower = text.to_lowercase();
        for placeholder in [
            "placeholder",
            "lorem",
            "held for moderation",
            "awaiting moderation",
            "not shown",
            "test comment",
        ] {
            assert!(
                !lower.contains(placeholder),
                "placeholder text in a demo comment: {text}"
            );
        }
    }
    // A thread (a reply under the first comment) and one comment still held.
    assert_eq!(
        rows.iter().map(|(_, reply)| *reply).collect::<Vec<_>>(),
        [0, 1, 0]
    );
    assert!(
        rows[2].0.starts_with("Daniel Okoro: ") && rows[2].0.ends_with("[pending]"),
        "{rows:?}"
    );
    // Readers see the discussion about the story, threaded.
    let page = site.get(&site.url_of(REFERENCE).await).await;
    let texts = page.texts(".comment__content").join(" ");
    assert!(
        texts.contains("cosmodrome") && texts.contains("Angara"),
        "{texts}"
    );
    assert_eq!(
        page.texts(".comment-list .children .comment__author"),
        vec!["Tomasz"]
    );
}
