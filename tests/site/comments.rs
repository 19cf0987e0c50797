//! Reader comments: the form's rules, moderation, spam defence, threading, cookies.

use axum::http::StatusCode;
use chrono::Utc;
use newsdesk::actions::Actor;
use newsdesk::actions::comments::{self, Moderation};
use newsdesk::domain::user::Role;
use newsdesk::notify::Notifier;

use crate::support::{Page, TestSite};

pub(crate) const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";
const TRUSTED_EMAIL: &str = "mira@example.invalid";

on_both_backends!(demo:
    a_first_comment_is_held_and_shown_only_to_its_browser,
    known_commenters_are_published_at_once,
    refused_forms_keep_everything_typed,
    comment_text_is_plain_text_and_xss_is_escaped,
    email_addresses_are_never_published,
    closed_stories_refuse_comments,
    rate_limits_answer_429_with_retry_after,
    a_flood_from_one_address_never_reaches_the_approved_list,
    duplicates_are_refused,
    forms_sent_from_other_sites_are_refused,
    spam_signals_are_scored_and_explained,
    replies_thread_to_the_configured_depth,
    details_are_remembered_only_on_opt_in,
    moderation_actions_are_recorded,
    without_smtp_nothing_is_sent_and_nothing_fails,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_go_to_moderators_and_confirmed_subscribers_sqlite() {
    notifications_go_to_moderators_and_confirmed_subscribers(crate::support::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_go_to_moderators_and_confirmed_subscribers_postgres() {
    notifications_go_to_moderators_and_confirmed_subscribers(crate::support::Backend::Postgres)
        .await;
}

async fn settings(site: &TestSite, values: &[(&str, &str)]) {
    site.settings(values).await;
}

/// The story page and the hidden fields its form carries.
pub(crate) struct Form {
    pub(crate) url: String,
    pub(crate) post_id: String,
    pub(crate) token: String,
}

pub(crate) async fn form(site: &TestSite, title: &str) -> Form {
    let url = site.url_of(title).await;
    let page = site.get(&url).await;
    let id = site.story_at(&url).await.id;
    Form {
        post_id: id.to_string(),
        // A closed story has no form, and so no token.
        token: page
            .attrs("input[name=nd_form_token]", "value")
            .pop()
            .unwrap_or_default(),
        url,
    }
}

/// Posts a comment with the form's hidden fields plus `fields`.
pub(crate) async fn post(
    site: &TestSite,
    f: &Form,
    fields: &[(&str, &str)],
    ip: &str,
    cookie: Option<&str>,
) -> Page {
    let mut all: Vec<(&str, &str)> =
        vec![("comment_post_ID", &f.post_id), ("nd_form_token", &f.token)];
    all.extend_from_slice(fields);
    site.post_form("/wp-comments-post.php", &all, ip, cookie)
        .await
}

fn comment_id(p: &Page) -> i64 {
    p.location()
        .rsplit("#comment-")
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The form's minimum time is a rule for people; tests post at once.
pub(crate) async fn instant_forms(site: &TestSite) {
    settings(site, &[("comment_min_seconds", "0")]).await;
}

async fn a_first_comment_is_held_and_shown_only_to_its_browser(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "A fair summary of the visit."),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.1",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let id = comment_id(&res);
    assert_eq!(res.location(), format!("{}#comment-{id}", f.url));
    let cookie = res.cookies();
    assert!(cookie.contains("newsdesk_held="), "{cookie}");
    let mine = site.get_with_cookie(&f.url, Some(&cookie)).await;
    assert_eq!(
        mine.texts(&format!("#comment-{id} .comment-awaiting-moderation")),
        vec!["Your comment is awaiting moderation."]
    );
    assert_eq!(
        mine.texts(&format!("#comment-{id} .comment__content")),
        vec!["A fair summary of the visit."]
    );
    assert_eq!(mine.headers["cache-control"], "private, no-store");
    // Nobody else sees it, and it does not count yet.
    let theirs = site.get(&f.url).await;
    assert!(theirs.texts(&format!("#comment-{id}")).is_empty());
    assert_eq!(theirs.texts("#comments-title"), vec!["2 comments"]);
    // A forged token does not reveal it either.
    let forged = format!("newsdesk_held={id}.00000000000000000000000000000000");
    assert!(
        site.get_with_cookie(&f.url, Some(&forged))
            .await
            .texts(&format!("#comment-{id}"))
            .is_empty()
    );
    let stored = site.store.comment(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.spam_reasons.as_str()),
        ("pending", "first comment under this email address")
    );
    assert_eq!(stored.author_ip, "198.51.100.1");
}

async fn known_commenters_are_published_at_once(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Thanks for the follow-up."),
            ("author", "Mira K."),
            ("email", TRUSTED_EMAIL),
        ],
        "198.51.100.2",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let id = comment_id(&res);
    let page = site.get(&f.url).await;
    assert_eq!(page.texts("#comments-title"), vec!["3 comments"]);
    assert_eq!(
        page.texts(&format!("#comment-{id} .comment__content")),
        vec!["Thanks for the follow-up."]
    );
    assert!(
        page.texts(&format!("#comment-{id} .comment-awaiting-moderation"))
            .is_empty()
    );
    // "Hold all" holds even trusted commenters; "none" publishes first-timers.
    settings(&site, &[("comment_moderation", "all")]).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Another one."),
            ("author", "Mira K."),
            ("email", TRUSTED_EMAIL),
        ],
        "198.51.100.2",
        None,
    )
    .await;
    assert_eq!(
        site.store
            .comment(comment_id(&res))
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "pending"
    );
    settings(&site, &[("comment_moderation", "none")]).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "First time here."),
            ("author", "Zed"),
            ("email", "zed@example.org"),
        ],
        "198.51.100.3",
        None,
    )
    .await;
    assert_eq!(
        site.store
            .comment(comment_id(&res))
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "approved"
    );
}

async fn refused_forms_keep_everything_typed(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let text = "Line one <em>x</em>\n\nLine “two” & three";
    let res = post(
        &site,
        &f,
        &[
            ("comment", text),
            ("author", ""),
            ("email", "not-an-email"),
            ("url", "javascript:alert(1)"),
            ("wp-comment-cookies-consent", "yes"),
        ],
        "198.51.100.4",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.headers["cache-control"], "private, no-store");
    // Everything typed is back in the form (the textarea's text is exactly what was sent).
    let sel = scraper::Selector::parse("#comment").unwrap();
    let textarea: String = res.html().select(&sel).next().unwrap().text().collect();
    assert_eq!(textarea, text);
    assert_eq!(res.attrs("#email", "value"), vec!["not-an-email"]);
    assert_eq!(res.attrs("#url", "value"), vec!["javascript:alert(1)"]);
    assert_eq!(
        res.attrs("#wp-comment-cookies-consent[checked]", "id")
            .len(),
        1
    );
    // Each field says what is wrong, next to it and in the summary, in form order.
    assert_eq!(res.texts("#author-error"), vec!["Please enter your name."]);
    assert_eq!(
        res.texts("#email-error"),
        vec!["Please enter a valid email address, like name@example.com."]
    );
    assert!(res.texts("#url-error")[0].starts_with("Please enter a web address"));
    assert!(res.texts("#comment-error").is_empty());
    assert_eq!(res.attrs("#email[aria-invalid=true]", "id").len(), 1);
    assert_eq!(
        res.attrs("#comment-errors li a", "href"),
        vec!["#author", "#email", "#url"]
    );
    assert_eq!(res.attrs("#comment-errors", "role"), vec!["alert"]);
    // Nothing was stored (the demo's one held comment is all there is).
    assert_eq!(
        site.store
            .comments_by_status("pending", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // Limits are WordPress's.
    let long_name = "n".repeat(246);
    let res = post(
        &site,
        &f,
        &[
            ("comment", "x"),
            ("author", &long_name),
            ("email", "a@example.org"),
        ],
        "198.51.100.4",
        None,
    )
    .await;
    assert_eq!(
        res.texts("#author-error"),
        vec!["Your name is too long: at most 245 characters."]
    );
    let res = post(
        &site,
        &f,
        &[
            ("comment", "  \n\t "),
            ("author", "Ann"),
            ("email", "a@example.org"),
        ],
        "198.51.100.4",
        None,
    )
    .await;
    assert_eq!(
        res.texts("#comment-error"),
        vec!["Please type your comment."]
    );
    // An unknown story is a clear error that still shows the text back.
    let res = site
        .post_form(
            "/wp-comments-post.php",
            &[
                ("comment_post_ID", "999999"),
                ("comment", "my words"),
                ("author", "A"),
                ("email", "a@example.org"),
            ],
            "198.51.100.4",
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.texts("#kept-text"), vec!["my words"]);
    // A post without a story says so, without internal details.
    let res = site
        .post_form("/wp-comments-post.php", &[], "198.51.100.4", None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        res.texts(".error-page p")[0],
        "This story does not exist or is not published, so it cannot take comments."
    );
}

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "javascript:alert(1)",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "https://example.org/\"onmouseover=\"alert(1)",
    "<style>body{display:none}</style>",
];

async fn comment_text_is_plain_text_and_xss_is_escaped(site: TestSite) {
    settings(
        &site,
        &[
            ("comment_min_seconds", "0"),
            ("comment_moderation", "none"),
            ("comment_max_links", "100"),
            ("comment_rate_limit", "1000"),
        ],
    )
    .await;
    let f = form(&site, REFERENCE).await;
    for (i, payload) in XSS.iter().enumerate() {
        let email = format!("x{i}@example.org");
        let res = post(
            &site,
            &f,
            &[("comment", payload), ("author", payload), ("email", &email)],
            "198.51.100.5",
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{payload}");
    }
    // A website that would break out of its attribute is refused.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "hi"),
            ("author", "W"),
            ("email", "w@example.org"),
            ("url", "https://example.org/\"><script>"),
        ],
        "198.51.100.5",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = site.get(&f.url).await;
    let html = page.html();
    let any = |sel: &str| html.select(&scraper::Selector::parse(sel).unwrap()).count();
    assert_eq!(
        any(
            ".comment-list script, .comment-list iframe, .comment-list svg, .comment-list img, .comment-list style"
        ),
        0
    );
    for el in html.select(&scraper::Selector::parse(".comment-list *").unwrap()) {
        for (name, value) in el.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "event handler attribute {name}={value}"
            );
            assert!(
                !value.trim_start().to_lowercase().starts_with("javascript:"),
                "{name}={value}"
            );
        }
    }
    // The payloads are shown as the text people typed.
    let texts = page.texts(".comment-list .comment__content");
    assert!(
        texts.iter().any(|t| t == "<script>alert(1)</script>"),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t == "&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{texts:?}"
    );
    // Web addresses in text become links that search engines do not follow.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "See https://example.org/report for more."),
            ("author", "Linky"),
            ("email", "l@example.org"),
        ],
        "198.51.100.5",
        None,
    )
    .await;
    let id = comment_id(&res);
    let page = site.get(&f.url).await;
    assert_eq!(
        page.attrs(&format!("#comment-{id} .comment__content a"), "href"),
        vec!["https://example.org/report"]
    );
    assert_eq!(
        page.attrs(&format!("#comment-{id} .comment__content a"), "rel"),
        vec!["nofollow ugc"]
    );
}

async fn email_addresses_are_never_published(site: TestSite) {
    settings(
        &site,
        &[("comment_min_seconds", "0"), ("comment_moderation", "none")],
    )
    .await;
    let f = form(&site, REFERENCE).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Visible comment"),
            ("author", "Pub"),
            ("email", "secret.person@example.org"),
            ("url", "https://example.org/me"),
            ("wp-comment-cookies-consent", "yes"),
        ],
        "198.51.100.6",
        None,
    )
    .await;
    let cookie = res.cookies();
    assert!(
        cookie.contains("comment_author_email=secret.person%40example.org"),
        "{cookie}"
    );
    for path in [
        f.url.as_str(),
        "/",
        "/category/world/asia/",
        "/author/newsroom-desk/",
    ] {
        for c in [None, Some(cookie.as_str())] {
            let page = site.get_with_cookie(path, c).await;
            // The one place it may appear: the commenter's own form, filled from their cookie.
            let own_form = usize::from(
                c.is_some()
                    && path == f.url
                    && page.attrs("#email", "value") == ["secret.person@example.org"],
            );
            assert_eq!(
                page.body.matches("secret.person").count(),
                own_form,
                "email on {path}"
            );
            assert!(
                !page.body.contains("example.invalid"),
                "demo email on {path}"
            );
        }
    }
    let page = site.get(&f.url).await;
    assert_eq!(
        page.attrs(
            &format!("#comment-{} .comment__author a", comment_id(&res)),
            "rel"
        ),
        vec!["external nofollow ugc"]
    );
}

async fn closed_stories_refuse_comments(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    // Comments close automatically a set number of days after publication.
    settings(&site, &[("comment_close_days", "1")]).await;
    let old = form(&site, "Six habits that help you sleep better tonight").await;
    let page = site.get(&old.url).await;
    assert_eq!(page.texts(".comments-closed"), vec!["Comments are closed."]);
    assert!(page.texts("#commentform").is_empty());
    let res = post(
        &site,
        &old,
        &[
            ("comment", "Late thought"),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.7",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The story has no form any more, so the text comes back on its own page with the reason.
    assert_eq!(res.texts(".error-page p")[0], "Comments are closed.");
    assert_eq!(res.texts("#kept-text"), vec!["Late thought"]);
    assert_eq!(
        site.store
            .comments_by_status("pending", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // The three-hour-old reference story is still open.
    assert_eq!(
        site.get(&f.url).await.texts("#reply-title"),
        vec!["Leave a Reply"]
    );
}

async fn rate_limits_answer_429_with_retry_after(site: TestSite) {
    settings(
        &site,
        &[("comment_min_seconds", "0"), ("comment_rate_limit", "2")],
    )
    .await;
    let f = form(&site, REFERENCE).await;
    for i in 0..2 {
        let text = format!("comment {i}");
        let res = post(
            &site,
            &f,
            &[
                ("comment", &text),
                ("author", "Ann"),
                ("email", &format!("ann{i}@example.org")),
            ],
            "198.51.100.8",
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let res = post(
        &site,
        &f,
        &[
            ("comment", "third"),
            ("author", "Ann"),
            ("email", "ann9@example.org"),
        ],
        "198.51.100.8",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(
        res.texts(".error-page p")[0]
            .starts_with("You have sent several comments in a short time. Please wait")
    );
    assert_eq!(res.texts("#kept-text"), vec!["third"]);
    // Per email too, from any address.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "again"),
            ("author", "Ann"),
            ("email", "ann0@example.org"),
        ],
        "198.51.100.9",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = post(
        &site,
        &f,
        &[
            ("comment", "and again"),
            ("author", "Ann"),
            ("email", "ann0@example.org"),
        ],
        "198.51.100.10",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // Other readers are not affected.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "hello"),
            ("author", "Bo"),
            ("email", "bo@example.org"),
        ],
        "198.51.100.11",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

async fn a_flood_from_one_address_never_reaches_the_approved_list(site: TestSite) {
    settings(&site, &[("comment_moderation", "none")]).await;
    let f = form(&site, REFERENCE).await;
    // A bot sends 1,000 posts, 25 at a time: fills the honeypot, ignores the token, posts at once.
    let mut statuses = std::collections::BTreeMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let (app, post_id) = (site.app.clone(), f.post_id.clone());
        tasks.spawn(async move {
            let text = format!(
                "BUY NOW {i} http://spam.example/{i} http://spam.example/x http://spam.example/y"
            );
            let email = format!("bot{i}@spam.example");
            let fields = [
                ("comment_post_ID", post_id.as_str()),
                ("comment", text.as_str()),
                ("author", "Bot"),
                ("email", email.as_str()),
                ("nd_website_confirm", "http://spam.example"),
            ];
            crate::support::post_form_to(app, "/wp-comments-post.php", &fields, "203.0.113.66", &[])
                .await
                .status
        });
        if tasks.len() >= 25 {
            let status = tasks.join_next().await.unwrap().unwrap();
            *statuses.entry(status.as_u16()).or_insert(0) += 1;
        }
    }
    while let Some(status) = tasks.join_next().await {
        *statuses.entry(status.unwrap().as_u16()).or_insert(0) += 1;
    }
    // Exactly five get in, as spam, even arriving together; the rest are turned away.
    assert_eq!(statuses.get(&303), Some(&5), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&995), "{statuses:?}");
    assert_eq!(
        site.store
            .comments_by_status("spam", 100)
            .await
            .unwrap()
            .len(),
        5
    );
    let page = site.get(&f.url).await;
    assert_eq!(page.texts("#comments-title"), vec!["2 comments"]);
    assert!(!page.body.contains("BUY NOW"));
    // Real readers can still comment.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Still works"),
            ("author", "Real"),
            ("email", "real@example.org"),
        ],
        "198.51.100.12",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

async fn forms_sent_from_other_sites_are_refused(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let fields = [
        ("comment_post_ID", f.post_id.as_str()),
        ("nd_form_token", f.token.as_str()),
        ("comment", "cross-site words"),
        ("author", "X"),
        ("email", "x@example.org"),
    ];
    let res = site
        .post_form_with(
            "/wp-comments-post.php",
            &fields,
            "198.51.100.40",
            &[("host", "news.example"), ("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.texts("#kept-text"), vec!["cross-site words"]);
    assert_eq!(
        site.store
            .comments_by_status("pending", 10)
            .await
            .unwrap()
            .len(),
        1,
        "only the demo's held comment"
    );
    let res = site
        .post_form_with(
            "/wp-comments-post.php",
            &fields,
            "198.51.100.40",
            &[("host", "news.example"), ("origin", "https://news.example")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

async fn duplicates_are_refused(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let fields = [
        ("comment", "Same words"),
        ("author", "Dup"),
        ("email", "dup@example.org"),
    ];
    assert_eq!(
        post(&site, &f, &fields, "198.51.100.13", None).await.status,
        StatusCode::SEE_OTHER
    );
    let res = post(&site, &f, &fields, "198.51.100.13", None).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(
        res.texts("#comment-errors p")[0],
        "Duplicate comment detected; it looks as though you’ve already said that!"
    );
    assert_eq!(res.texts("#comment"), vec!["Same words"]);
}

async fn spam_signals_are_scored_and_explained(site: TestSite) {
    settings(
        &site,
        &[
            ("comment_moderation", "none"),
            ("comment_min_seconds", "60"),
            ("comment_moderation_words", "casino"),
            ("comment_block_words", "viagra\npills"),
        ],
    )
    .await;
    let f = form(&site, REFERENCE).await;
    let ip = "198.51.100.14";
    let stored = |res: Page| {
        let id = comment_id(&res);
        let store = site.store.clone();
        async move { store.comment(id).await.unwrap().unwrap() }
    };
    // Sent faster than a person can type.
    let c = stored(
        post(
            &site,
            &f,
            &[
                ("comment", "quick"),
                ("author", "A"),
                ("email", "a1@example.org"),
            ],
            ip,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(c.status.as_str(), "spam");
    assert!(
        c.spam_reasons
            .contains("after the form was shown (minimum 60 s)"),
        "{}",
        c.spam_reasons
    );
    settings(&site, &[("comment_min_seconds", "0")]).await;
    // The honeypot.
    let c = stored(
        post(
            &site,
            &f,
            &[
                ("comment", "hp"),
                ("author", "A"),
                ("email", "a2@example.org"),
                ("nd_website_confirm", "x"),
            ],
            ip,
            None,
        )
        .await,
    )
    .await;
    assert_eq!((c.status.as_str(), c.spam_score), ("spam", 100));
    assert_eq!(c.spam_reasons, "the hidden honeypot field was filled in");
    // No token, or a forged one.
    let fields = [
        ("comment_post_ID", f.post_id.as_str()),
        ("comment", "no token"),
        ("author", "A"),
        ("email", "a3@example.org"),
        ("nd_form_token", "1.abcd"),
    ];
    let c = stored(
        site.post_form("/wp-comments-post.php", &fields, ip, None)
            .await,
    )
    .await;
    assert_eq!(c.status.as_str(), "spam");
    // Words and links.
    let c = stored(
        post(
            &site,
            &f,
            &[
                ("comment", "cheap PILLS"),
                ("author", "A"),
                ("email", "a4@example.org"),
            ],
            ip,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (c.status.as_str(), c.spam_reasons.as_str()),
        ("spam", "contains the blocked word \"pills\"")
    );
    let c = stored(
        post(
            &site,
            &f,
            &[
                ("comment", "best Casino"),
                ("author", "B"),
                ("email", "b1@example.org"),
            ],
            "198.51.100.15",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (c.status.as_str(), c.spam_reasons.as_str()),
        ("pending", "contains the moderation word \"casino\"")
    );
    let c = stored(
        post(
            &site,
            &f,
            &[
                (
                    "comment",
                    "a http://a.example b http://b.example c http://c.example",
                ),
                ("author", "B"),
                ("email", "b2@example.org"),
            ],
            "198.51.100.15",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (c.status.as_str(), c.spam_reasons.as_str()),
        ("pending", "3 links (more than 2 are held)")
    );
    // Spam is shown to its sender like any held comment, and to nobody else.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "hp2"),
            ("author", "A"),
            ("email", "a5@example.org"),
            ("nd_website_confirm", "x"),
        ],
        "198.51.100.16",
        None,
    )
    .await;
    let id = comment_id(&res);
    let mine = site.get_with_cookie(&f.url, Some(&res.cookies())).await;
    assert_eq!(
        mine.texts(&format!("#comment-{id} .comment-awaiting-moderation"))
            .len(),
        1
    );
    assert!(
        site.get(&f.url)
            .await
            .texts(&format!("#comment-{id}"))
            .is_empty()
    );
}

async fn replies_thread_to_the_configured_depth(site: TestSite) {
    settings(
        &site,
        &[
            ("comment_min_seconds", "0"),
            ("comment_moderation", "none"),
            ("thread_depth", "3"),
        ],
    )
    .await;
    let f = form(&site, REFERENCE).await;
    let page = site.get(&f.url).await;
    // The demo thread: Mira (depth 1) ← Tomasz (depth 2).
    let mira = page.attrs(".comment-list > li", "id")[0]
        .trim_start_matches("comment-")
        .to_owned();
    let tomasz = page.attrs(".comment-list > li > ol.children > li", "id")[0]
        .trim_start_matches("comment-")
        .to_owned();
    // The no-JavaScript reply link prepares the form.
    let reply = site.get(&format!("{}?replytocom={tomasz}", f.url)).await;
    assert_eq!(
        reply.texts("#reply-title")[0],
        "Leave a Reply to Tomasz Cancel reply"
    );
    assert_eq!(
        reply.attrs("#comment_parent", "value"),
        vec![tomasz.clone()]
    );
    // Depth 3 is allowed…
    let res = post(
        &site,
        &f,
        &[
            ("comment", "third level"),
            ("author", "C"),
            ("email", "c@example.org"),
            ("comment_parent", &tomasz),
        ],
        "198.51.100.17",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let third = comment_id(&res);
    let page = site.get(&f.url).await;
    assert_eq!(
        page.texts(".comment-list > li > ol.children > li > ol.children > li .comment__author"),
        vec!["C"]
    );
    // …and has no reply link; depth 4 is refused with the reason.
    assert!(
        page.texts(&format!("#comment-{third} .comment-reply-link"))
            .is_empty()
    );
    assert_eq!(
        page.texts(&format!("#comment-{mira} > article .comment-reply-link")),
        vec!["Reply"]
    );
    let res = post(
        &site,
        &f,
        &[
            ("comment", "fourth level"),
            ("author", "D"),
            ("email", "d@example.org"),
            ("comment_parent", &third.to_string()),
        ],
        "198.51.100.17",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Replies can be nested at most 3 levels deep")
    );
    assert_eq!(res.texts("#comment"), vec!["fourth level"]);
    // Replies to comments of another story, or to unknown comments, are refused.
    let other = form(
        &site,
        "Parliament passes emergency budget after marathon overnight session",
    )
    .await;
    let res = post(
        &site,
        &other,
        &[
            ("comment", "wrong thread"),
            ("author", "E"),
            ("email", "e@example.org"),
            ("comment_parent", &mira),
        ],
        "198.51.100.17",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("The comment you are replying to does not exist on this story.")
    );
    // Order within a level is oldest first.
    let res = post(
        &site,
        &f,
        &[
            ("comment", "later top-level"),
            ("author", "F"),
            ("email", "f@example.org"),
        ],
        "198.51.100.17",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = site.get(&f.url).await;
    assert_eq!(
        page.texts(".comment-list > li > article .comment__author"),
        vec!["Mira K.", "F"]
    );
}

async fn details_are_remembered_only_on_opt_in(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "no cookies please"),
            ("author", "Quiet"),
            ("email", "quiet@example.org"),
        ],
        "198.51.100.18",
        None,
    )
    .await;
    let set: Vec<&str> = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        set.iter().all(|c| !c.starts_with("comment_author=Quiet")),
        "{set:?}"
    );
    assert!(
        set.iter().any(|c| c.starts_with("comment_author=;")),
        "previous details are forgotten: {set:?}"
    );
    let res = post(
        &site,
        &f,
        &[
            ("comment", "remember me"),
            ("author", "Rita Ö"),
            ("email", "rita@example.org"),
            ("url", "https://rita.example"),
            ("wp-comment-cookies-consent", "yes"),
        ],
        "198.51.100.18",
        None,
    )
    .await;
    let cookie = res.cookies();
    assert!(cookie.contains("comment_author=Rita%20%C3%96"), "{cookie}");
    let page = site.get_with_cookie(&f.url, Some(&cookie)).await;
    assert_eq!(page.attrs("#author", "value"), vec!["Rita Ö"]);
    assert_eq!(page.attrs("#email", "value"), vec!["rita@example.org"]);
    assert_eq!(page.attrs("#url", "value"), vec!["https://rita.example"]);
    assert_eq!(
        page.attrs("#wp-comment-cookies-consent[checked]", "id")
            .len(),
        1
    );
    assert_eq!(page.headers["cache-control"], "private, no-store");
    for set in res.headers.get_all("set-cookie") {
        let s = set.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax"), "{s}");
    }
}

async fn moderation_actions_are_recorded(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Please approve"),
            ("author", "Held"),
            ("email", "held@example.org"),
        ],
        "198.51.100.19",
        None,
    )
    .await;
    let id = comment_id(&res);
    let helena = site
        .staff_member("helena", "Helena Varga", Role::Editor)
        .await;
    let editor = Actor::Staff(&helena);
    let now = Utc::now();
    let shown = async |site: &TestSite| {
        !site
            .get(&f.url)
            .await
            .texts(&format!("#comment-{id}"))
            .is_empty()
    };
    assert!(!shown(&site).await);
    assert_eq!(
        comments::moderate_as(
            &site.store,
            &Notifier::none(),
            editor,
            id,
            Moderation::Approve,
            now
        )
        .await
        .unwrap()
        .as_str(),
        "approved"
    );
    assert!(shown(&site).await);
    assert_eq!(
        site.get(&f.url).await.texts("#comments-title"),
        vec!["3 comments"]
    );
    comments::moderate_as(
        &site.store,
        &Notifier::none(),
        editor,
        id,
        Moderation::Spam,
        now,
    )
    .await
    .unwrap();
    assert!(!shown(&site).await);
    // Not spam puts it back where it was: approved.
    assert_eq!(
        comments::moderate_as(
            &site.store,
            &Notifier::none(),
            editor,
            id,
            Moderation::NotSpam,
            now
        )
        .await
        .unwrap()
        .as_str(),
        "approved"
    );
    comments::moderate_as(
        &site.store,
        &Notifier::none(),
        editor,
        id,
        Moderation::Trash,
        now,
    )
    .await
    .unwrap();
    assert!(!shown(&site).await);
    assert_eq!(
        comments::moderate_as(
            &site.store,
            &Notifier::none(),
            editor,
            id,
            Moderation::Restore,
            now
        )
        .await
        .unwrap()
        .as_str(),
        "approved"
    );
    assert!(
        comments::moderate_as(
            &site.store,
            &Notifier::none(),
            editor,
            id,
            Moderation::Restore,
            now
        )
        .await
        .is_err(),
        "restore needs the trash"
    );
    let stored = site.store.comment(id).await.unwrap().unwrap();
    let correction = comments::CommentEdit {
        author: stored.author_name.clone(),
        email: stored.author_email.clone(),
        url: stored.author_url.clone(),
        text: "Edited <b>text</b>".into(),
    };
    comments::edit_as(&site.store, editor, id, &correction, now)
        .await
        .unwrap();
    assert_eq!(
        site.get(&f.url)
            .await
            .texts(&format!("#comment-{id} .comment__content")),
        vec!["Edited <b>text</b>"]
    );
    // A staff reply is published at once, nested under the comment.
    let desk = site.staff_member("desk", "News Desk", Role::Editor).await;
    let settings = site.store.settings().await.unwrap();
    let reply = comments::reply_as(
        &site.store,
        &Notifier::none(),
        &settings,
        &desk,
        id,
        "Thanks, noted.",
        now,
    )
    .await
    .unwrap();
    let page = site.get(&f.url).await;
    assert_eq!(
        page.texts(&format!(
            "#comment-{id} > ol.children #comment-{reply} .comment__author"
        )),
        vec!["News Desk"]
    );
    // Only what is in the trash (or spam) is deleted for good.
    assert!(
        comments::delete_as(&site.store, editor, id, now)
            .await
            .is_err()
    );
    comments::moderate_as(
        &site.store,
        &Notifier::none(),
        editor,
        id,
        Moderation::Trash,
        now,
    )
    .await
    .unwrap();
    // Deleting keeps the replies (one level up) and the record of the deletion.
    comments::delete_as(&site.store, editor, id, now)
        .await
        .unwrap();
    let page = site.get(&f.url).await;
    assert!(page.texts(&format!("#comment-{id}")).is_empty());
    assert_eq!(
        page.texts(&format!("#comment-{reply} .comment__content")),
        vec!["Thanks, noted."]
    );
    let log: Vec<(String, String)> = site
        .store
        .comment_log(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect();
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "submitted",
            "approve",
            "spam",
            "not_spam",
            "trash",
            "restore",
            "edit",
            "trash",
            "delete"
        ]
    );
    assert!(log[1..].iter().all(|(_, who)| who == "Helena Varga"));
}

async fn notifications_go_to_moderators_and_confirmed_subscribers(
    backend: crate::support::Backend,
) {
    let sink = crate::smtp::SmtpSink::start().await;
    let notifier = Notifier::smtp(
        &sink.url,
        "Newsdesk Daily <desk@news.example>",
        "https://news.example",
    )
    .unwrap();
    let Some(site) = TestSite::demo_with_notifier(backend, notifier.clone()).await else {
        return;
    };
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    assert_eq!(
        site.get(&f.url).await.attrs("#subscribe_replies", "name"),
        vec!["subscribe_replies"]
    );
    let res = post(
        &site,
        &f,
        &[
            ("comment", "Will anyone answer?"),
            ("author", "Sub"),
            ("email", "sub@example.org"),
            ("subscribe_replies", "yes"),
        ],
        "198.51.100.30",
        None,
    )
    .await;
    let id = comment_id(&res);
    // The story's author and every editor and administrator hear of the held comment; the
    // commenter is asked to confirm the subscription.
    let mails = sink.wait_for(3).await;
    let to_moderators: Vec<&String> = mails
        .iter()
        .filter(|m| m.contains("Subject: Comment awaiting moderation"))
        .collect();
    assert_eq!(to_moderators.len(), 2, "{mails:?}");
    assert!(
        to_moderators
            .iter()
            .any(|m| m.contains("To: admin@newsdesk.invalid"))
    );
    assert!(
        to_moderators
            .iter()
            .any(|m| m.contains("To: hvarga@newsdesk.invalid"))
    );
    assert!(
        to_moderators[0].contains("Author: Sub <sub@example.org>")
            && to_moderators[0].contains("Will anyone answer?")
    );
    assert!(to_moderators[0].contains(&format!(
        "https://news.example/?p={}#comment-{id}",
        f.post_id
    )));
    let confirm = mails
        .iter()
        .find(|m| m.contains("To: sub@example.org"))
        .expect("confirmation email");
    let link = confirm
        .split_whitespace()
        .find(|w| w.starts_with("https://news.example/comments/subscription?action=confirm"))
        .unwrap();
    let path = link.trim_start_matches("https://news.example");
    // Fetching the link changes nothing (mail scanners fetch links); the button does.
    let page = site.get(path).await;
    assert_eq!(
        page.texts("main form button"),
        vec!["Yes, email me about replies"]
    );
    assert_eq!(
        site.store
            .comment(id)
            .await
            .unwrap()
            .unwrap()
            .notify_replies,
        "requested"
    );
    let done = site.post_form(path, &[], "198.51.100.30", None).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        site.store
            .comment(id)
            .await
            .unwrap()
            .unwrap()
            .notify_replies,
        "confirmed"
    );
    // Approving it is not a reply: no email. A staff reply is, and carries one-click unsubscribe.
    let now = Utc::now();
    comments::moderate_as(
        &site.store,
        &notifier,
        Actor::Operator,
        id,
        Moderation::Approve,
        now,
    )
    .await
    .unwrap();
    let desk = site.staff_member("desk", "News Desk", Role::Editor).await;
    let settings = site.store.settings().await.unwrap();
    comments::reply_as(
        &site.store,
        &notifier,
        &settings,
        &desk,
        id,
        "Yes: the launch pad is due next year.",
        now,
    )
    .await
    .unwrap();
    let mails = sink.wait_for(4).await;
    let reply = &mails[3];
    assert!(
        reply.contains("To: sub@example.org")
            && reply.contains("Subject: News Desk replied to your comment"),
        "{reply}"
    );
    assert!(reply.contains("Yes: the launch pad is due next year."));
    assert!(
        reply.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{reply}"
    );
    let unsubscribe = reply
        .lines()
        .find(|l| l.starts_with("List-Unsubscribe: <"))
        .unwrap();
    let path = unsubscribe
        .trim_start_matches("List-Unsubscribe: <https://news.example")
        .trim_end_matches('>');
    // One click from the mail program: a POST, no page in between.
    let res = site
        .post_form(
            path,
            &[("List-Unsubscribe", "One-Click")],
            "198.51.100.31",
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        site.store
            .comment(id)
            .await
            .unwrap()
            .unwrap()
            .notify_replies,
        "unsubscribed"
    );
    comments::reply_as(
        &site.store,
        &notifier,
        &settings,
        &desk,
        id,
        "One more thing.",
        now,
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 4, "no email after unsubscribing");
    // Spam alerts nobody.
    let fields = [
        ("comment_post_ID", f.post_id.as_str()),
        ("comment", "spam"),
        ("author", "Bot"),
        ("email", "bot@example.org"),
        ("nd_website_confirm", "x"),
    ];
    site.post_form("/wp-comments-post.php", &fields, "198.51.100.32", None)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 4, "no email about spam");
    // A broken link is a clear page, not an error.
    assert_eq!(
        site.get("/comments/subscription?action=confirm&token=nope")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        site.get("/comments/subscription").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn without_smtp_nothing_is_sent_and_nothing_fails(site: TestSite) {
    instant_forms(&site).await;
    let f = form(&site, REFERENCE).await;
    assert!(
        site.get(&f.url)
            .await
            .attrs("#subscribe_replies", "name")
            .is_empty()
    );
    let res = post(
        &site,
        &f,
        &[
            ("comment", "No mail here"),
            ("author", "Nm"),
            ("email", "nm@example.org"),
            ("subscribe_replies", "yes"),
        ],
        "198.51.100.33",
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let c = site.store.comment(comment_id(&res)).await.unwrap().unwrap();
    assert_eq!(
        (c.notify_replies.as_str(), c.notify_token.as_str()),
        ("no", "")
    );
}
