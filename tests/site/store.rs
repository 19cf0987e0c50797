//! The data layer on both backends: slugs, constraints, migrations, one-time seeding.

use chrono::{DateTime, Duration, Utc};
use newsdesk::actions::{ActionError, articles, site as site_actions};
use newsdesk::domain::article::{CommentStatus, NewArticle, Status};
use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::user::{NewUser, Role};

use crate::support::TestSite;

on_both_backends!(empty:
    unicode_titles_get_readable_unique_slugs,
    bad_articles_are_refused_with_field_errors,
    migrations_are_idempotent_and_safe_to_run_concurrently,
    demo_is_created_once_even_when_nodes_race,
    author_slugs_never_equal_logins,
);

on_both_backends!(demo:
    a_story_page_reads_its_parts_in_one_query_as_apart,
);

/// `Store::story_parts` reads in one query what the separate reads give, in their order: the
/// sections and tags, the bylines with their profiles, the comments a reader may see (their
/// own held one too), the image files.
async fn a_story_page_reads_its_parts_in_one_query_as_apart(site: TestSite) {
    use newsdesk::store::comments::Thread;
    let store = &site.store;
    // One held comment, and the token its writer's browser keeps.
    let (_, held) = site
        .raw_pairs(
            "SELECT status, id FROM comments WHERE status = 'approved' AND article_id IN \
             (SELECT article_id FROM comments WHERE status = 'approved' GROUP BY article_id \
              HAVING COUNT(*) >= 2) ORDER BY id LIMIT 1",
        )
        .await
        .remove(0);
    site.raw_execute(&format!(
        "UPDATE comments SET status = 'pending', moderation_token = 'tok-held' WHERE id = {held}"
    ))
    .await;
    let own = vec![(held, "tok-held".to_owned())];
    let images: Vec<i64> = site
        .raw_pairs("SELECT file_name, id FROM media ORDER BY id")
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert!(!images.is_empty(), "the demo has images");
    let stories = site
        .raw_pairs("SELECT slug, id FROM articles WHERE status = 'published' ORDER BY id")
        .await;
    let (mut many_terms, mut commented, mut saw_held) = (false, false, false);
    for (slug, id) in &stories {
        let parts = store.story_parts(*id, true, &own, &images).await.unwrap();
        let terms = store.terms_of(&[*id]).await.unwrap();
        assert_eq!(format!("{:?}", parts.terms), format!("{terms:?}"), "{slug}");
        let mut authors = Vec::new();
        for a in store.authors_of(&[*id]).await.unwrap() {
            authors.push(store.author_profile(&a.slug).await.unwrap().unwrap());
        }
        assert_eq!(
            format!("{:?}", parts.authors),
            format!("{authors:?}"),
            "{slug}"
        );
        let comments = store
            .visible_comments(Thread::Story(*id), &own)
            .await
            .unwrap();
        assert_eq!(
            format!("{:?}", parts.comments),
            format!("{comments:?}"),
            "{slug}"
        );
        let files = store.image_variants(&images).await.unwrap();
        assert_eq!(
            format!("{:?}", parts.images),
            format!("{files:?}"),
            "{slug}"
        );
        many_terms |= terms.len() >= 3;
        commented |= comments.len() >= 2;
        saw_held |= comments.iter().any(|c| c.id == held);
        // A story whose text is not shown reads no comments.
        let shut = store.story_parts(*id, false, &own, &[]).await.unwrap();
        assert!(shut.comments.is_empty() && shut.images.is_empty(), "{slug}");
        assert_eq!(format!("{:?}", shut.terms), format!("{terms:?}"), "{slug}");
    }
    assert!(
        many_terms && commented && saw_held,
        "the demo covers each part"
    );
    // Without the token, the held comment is not among them.
    let (_, id) = site
        .raw_pairs(&format!(
            "SELECT status, article_id FROM comments WHERE id = {held}"
        ))
        .await
        .remove(0);
    let parts = store.story_parts(id, true, &[], &[]).await.unwrap();
    assert!(parts.comments.iter().all(|c| c.id != held));
    assert!(!parts.comments.is_empty());
}

/// A published-or-not story by the given authors.
pub fn article(
    title: &str,
    author_ids: Vec<i64>,
    category_ids: Vec<i64>,
    status: Status,
    at: Option<DateTime<Utc>>,
) -> NewArticle {
    NewArticle {
        title: title.into(),
        slug: None,
        body: SafeHtml::from_paragraphs(["Body text."]),
        excerpt: String::new(),
        status,
        published_at: at,
        author_ids,
        category_ids,
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

async fn user(site: &TestSite, login: &str, name: &str) -> i64 {
    let mut tx = site.store.begin().await.unwrap();
    let id = site_actions::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &NewUser {
            login: login.into(),
            email: format!("{login}@example.invalid"),
            display_name: name.into(),
            slug: None,
            bio: String::new(),
            role: Role::Author,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn unicode_titles_get_readable_unique_slugs(site: TestSite) {
    let author = user(&site, "ana", "Ana Lima").await;
    let when = Utc::now() - Duration::minutes(5);
    let at = Some(when);
    let mut slugs = Vec::new();
    for title in [
        "Zürich café owners fight rent rises",
        "Zürich Café Owners Fight Rent Rises!",
        "Путин в Амурской области",
        "北京 news",
        "???",
        "Zürich café owners fight rent rises",
    ] {
        let (_, slug) = articles::create(
            &site.store,
            newsdesk::actions::Actor::Operator,
            &article(title, vec![author], vec![], Status::Published, at),
            Utc::now(),
        )
        .await
        .unwrap();
        slugs.push(slug.to_string());
    }
    assert_eq!(
        slugs,
        [
            "zurich-cafe-owners-fight-rent-rises",
            "zurich-cafe-owners-fight-rent-rises-2",
            "putin-v-amurskoi-oblasti",
            "bei-jing-news",
            "story",
            "zurich-cafe-owners-fight-rent-rises-3",
        ]
    );
    // Each is served at its own address.
    for slug in &slugs {
        let path = newsdesk::domain::article::article_path(when, slug, chrono_tz::UTC);
        assert_eq!(
            site.get(&path).await.status,
            axum::http::StatusCode::OK,
            "{path}"
        );
    }
    // Concurrent writers with one headline still get distinct slugs.
    let mut handles = Vec::new();
    for _ in 0..6 {
        let store = site.store.clone();
        let a = article(
            "Breaking: same headline",
            vec![author],
            vec![],
            Status::Published,
            at,
        );
        handles.push(tokio::spawn(async move {
            articles::create(&store, newsdesk::actions::Actor::Operator, &a, Utc::now())
                .await
                .map(|(_, s)| s.to_string())
        }));
    }
    let mut got: Vec<String> = Vec::new();
    for h in handles {
        got.push(h.await.unwrap().unwrap());
    }
    got.sort();
    assert_eq!(
        got,
        [
            "breaking-same-headline",
            "breaking-same-headline-2",
            "breaking-same-headline-3",
            "breaking-same-headline-4",
            "breaking-same-headline-5",
            "breaking-same-headline-6"
        ]
    );
}

async fn bad_articles_are_refused_with_field_errors(site: TestSite) {
    let author = user(&site, "ana", "Ana Lima").await;
    let now = Utc::now();
    let field = |e: ActionError| match e {
        ActionError::Invalid { field, .. } => field,
        other => panic!("expected a field error, got {other:?}"),
    };
    let mut a = article("   ", vec![author], vec![], Status::Draft, None);
    assert_eq!(
        field(
            articles::create(&site.store, newsdesk::actions::Actor::Operator, &a, now)
                .await
                .unwrap_err()
        ),
        "title"
    );
    a.title = "x".repeat(301);
    assert_eq!(
        field(
            articles::create(&site.store, newsdesk::actions::Actor::Operator, &a, now)
                .await
                .unwrap_err()
        ),
        "title"
    );
    a.title = "Fine".into();
    a.author_ids.clear();
    assert_eq!(
        field(
            articles::create(&site.store, newsdesk::actions::Actor::Operator, &a, now)
                .await
                .unwrap_err()
        ),
        "authors"
    );
    a.author_ids = vec![author];
    a.source_url = "javascript:alert(1)".into();
    assert_eq!(
        field(
            articles::create(&site.store, newsdesk::actions::Actor::Operator, &a, now)
                .await
                .unwrap_err()
        ),
        "source_url"
    );
    a.source_url = String::new();
    a.status = Status::Published;
    a.published_at = Some(now);
    a.embargo_until = Some(now + Duration::hours(1));
    assert_eq!(
        field(
            articles::create(&site.store, newsdesk::actions::Actor::Operator, &a, now)
                .await
                .unwrap_err()
        ),
        "published_at"
    );
    // A missing author is a clear error, not a crash, and nothing is stored.
    let a = article("Ghost", vec![987_654], vec![], Status::Draft, None);
    assert_eq!(
        field(
            articles::create(&site.store, newsdesk::actions::Actor::Operator, &a, now)
                .await
                .unwrap_err()
        ),
        "article"
    );
    assert!(site.store.is_empty().await.unwrap());
}

async fn migrations_are_idempotent_and_safe_to_run_concurrently(site: TestSite) {
    site.store.migrate().await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..4 {
        let url = site.url.clone();
        handles.push(tokio::spawn(async move {
            let store = newsdesk::store::Store::connect(&url, 2).await.unwrap();
            store.migrate().await.unwrap();
            store.close().await;
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert!(site.store.is_empty().await.unwrap());
    site.store.ping().await.unwrap();
}

async fn demo_is_created_once_even_when_nodes_race(site: TestSite) {
    let mut handles = Vec::new();
    for _ in 0..3 {
        let url = site.url.clone();
        handles.push(tokio::spawn(async move {
            let store = newsdesk::store::Store::connect(&url, 2).await.unwrap();
            let created = newsdesk::demo::seed_if_empty(&store, Utc::now())
                .await
                .unwrap();
            store.close().await;
            created
        }));
    }
    let mut created = 0;
    for h in handles {
        created += usize::from(h.await.unwrap());
    }
    assert_eq!(created, 1);
    let page = site.get("/category/world/asia/").await;
    assert_eq!(page.texts(".story-list .card").len(), 4);
}

async fn author_slugs_never_equal_logins(site: TestSite) {
    // A display name that slugifies to the login gets another slug.
    let id = user(&site, "maria-okafor", "Maria Okafor").await;
    let author = articles::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &article(
            "Hello",
            vec![id],
            vec![],
            Status::Published,
            Some(Utc::now() - Duration::minutes(1)),
        ),
        Utc::now(),
    )
    .await
    .unwrap();
    let _ = author;
    assert_eq!(
        site.get("/author/maria-okafor/").await.status,
        axum::http::StatusCode::NOT_FOUND
    );
    assert_eq!(
        site.get("/author/maria-okafor-2/").await.status,
        axum::http::StatusCode::OK
    );
    // Duplicate logins are refused.
    let mut tx = site.store.begin().await.unwrap();
    let err = site_actions::create_user(
        &mut tx,
        newsdesk::actions::Actor::Operator,
        &NewUser {
            login: "maria-okafor".into(),
            email: String::new(),
            display_name: "Other".into(),
            slug: None,
            bio: String::new(),
            role: Role::Editor,
        },
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "login: \"maria-okafor\" is already taken");
}
