//! Comments on static pages: the same form, rules, threads and moderation as on stories, for a
//! page whose editor allows comments; a closed page has no form and refuses one.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::comments::instant_forms;
use crate::support::{Page, Staff, TestSite};

on_both_backends!(demo:
    a_reader_comments_on_a_page_and_replies_nest,
    a_closed_page_has_no_form_and_refuses_comments,
    the_moderation_queue_names_the_page,
    a_protected_page_takes_no_comments_until_unlocked,
);

/// A commenter the demo already published, so their comments appear at once.
const TRUSTED_EMAIL: &str = "mira@example.invalid";

/// Publishes a page through the editor; `open` ticks "Readers may comment". Returns its id.
async fn publish_page(site: &TestSite, who: &Staff, title: &str, slug: &str, open: bool) -> i64 {
    publish_page_with(site, who, title, slug, open, "").await
}

async fn publish_page_with(
    site: &TestSite,
    who: &Staff,
    title: &str,
    slug: &str,
    open: bool,
    password: &str,
) -> i64 {
    let mut fields = vec![
        ("post_password", password),
        ("intent", "publish"),
        ("title", title),
        ("slug", slug),
        ("body", "Write to us."),
    ];
    if open {
        fields.push(("comments_open", "1"));
    }
    let res = site.admin_post(who, "/admin/pages/new", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location()
        .trim_start_matches("/admin/pages/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Posts a comment from the page's own form (its hidden fields) plus `fields`.
async fn post_on(
    site: &TestSite,
    url: &str,
    fields: &[(&str, &str)],
    ip: &str,
    cookie: Option<&str>,
) -> Page {
    let page = site.get(url).await;
    let page_id = page.attrs("input[name=comment_page_ID]", "value").remove(0);
    let token = page.attrs("input[name=nd_form_token]", "value").remove(0);
    let mut all: Vec<(&str, &str)> = vec![("comment_page_ID", &page_id), ("nd_form_token", &token)];
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

async fn a_reader_comments_on_a_page_and_replies_nest(site: TestSite) {
    instant_forms(&site).await;
    let eve = site.staff("eve", Role::Editor).await;
    let id = publish_page(&site, &eve, "Reader letters", "letters", true).await;
    // The editor shows the choice it saved.
    let editor = site.admin_get(&eve, &format!("/admin/pages/{id}")).await;
    assert_eq!(
        editor.attrs("input[name=comments_open][checked]", "value"),
        vec!["1"]
    );
    let page = site.get("/letters/").await;
    assert_eq!(page.texts("#comments-title"), vec!["Comments"]);
    assert_eq!(
        page.attrs("input[name=comment_page_ID]", "value"),
        vec![id.to_string()]
    );
    assert!(
        page.attrs("input[name=comment_post_ID]", "value")
            .is_empty()
    );

    // A first-time commenter is held, and only their browser sees it.
    let held = post_on(
        &site,
        "/letters/",
        &[
            ("comment", "When do you publish letters?"),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.71",
        None,
    )
    .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER, "{}", held.body);
    let held_id = comment_id(&held);
    assert_eq!(held.location(), format!("/letters/#comment-{held_id}"));
    let mine = site
        .get_with_cookie("/letters/", Some(&held.cookies()))
        .await;
    assert_eq!(
        mine.texts(&format!("#comment-{held_id} .comment-awaiting-moderation")),
        vec!["Your comment is awaiting moderation."]
    );
    assert_eq!(mine.headers["cache-control"], "private, no-store");
    assert!(
        site.get("/letters/")
            .await
            .texts(&format!("#comment-{held_id}"))
            .is_empty()
    );

    // A known commenter is published at once; a reply nests under it.
    let first = post_on(
        &site,
        "/letters/",
        &[
            ("comment", "Every Friday, I believe."),
            ("author", "Mira K."),
            ("email", TRUSTED_EMAIL),
        ],
        "198.51.100.72",
        None,
    )
    .await;
    let first_id = comment_id(&first);
    let first_id_text = first_id.to_string();
    let reply = post_on(
        &site,
        "/letters/",
        &[
            ("comment", "And online on Saturdays."),
            ("author", "Mira K."),
            ("email", TRUSTED_EMAIL),
            ("comment_parent", &first_id_text),
        ],
        "198.51.100.72",
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply_id = comment_id(&reply);
    let page = site.get("/letters/").await;
    assert_eq!(page.texts("#comments-title"), vec!["2 comments"]);
    assert_eq!(
        page.texts(&format!(
            "#comment-{first_id} > .children #comment-{reply_id} .comment__content"
        )),
        vec!["And online on Saturdays."]
    );
    // The reply link fills the form's parent on the page itself.
    let replying = site.get(&format!("/letters/?replytocom={first_id}")).await;
    assert_eq!(
        replying.attrs("input[name=comment_parent]", "value"),
        vec![first_id_text.clone()]
    );
    let title = replying.texts("#reply-title").join(" ");
    assert!(title.starts_with("Leave a Reply to Mira K."), "{title}");

    // A story's comment cannot be answered from a page.
    let story_comment: i64 = site
        .raw_pairs("SELECT 'n', MIN(id) FROM comments WHERE article_id IS NOT NULL")
        .await[0]
        .1;
    let story_comment = story_comment.to_string();
    let refused = post_on(
        &site,
        "/letters/",
        &[
            ("comment", "Crossing threads."),
            ("author", "Mira K."),
            ("email", TRUSTED_EMAIL),
            ("comment_parent", &story_comment),
        ],
        "198.51.100.73",
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The page comes back with the text as typed and the reason.
    assert_eq!(refused.texts("textarea#comment"), vec!["Crossing threads."]);
    assert!(
        refused
            .body
            .contains("The comment you are replying to does not exist on this page."),
        "{}",
        refused.body
    );
    assert_eq!(refused.texts("h1.page-title"), vec!["Reader letters"]);
}

async fn a_closed_page_has_no_form_and_refuses_comments(site: TestSite) {
    instant_forms(&site).await;
    let eve = site.staff("eve", Role::Editor).await;
    let id = publish_page(&site, &eve, "Imprint", "imprint", false).await;
    let page = site.get("/imprint/").await;
    assert_eq!(page.status, StatusCode::OK);
    // Closed and without comments: no comment section at all.
    assert!(page.texts("#comments").is_empty());
    assert!(page.attrs("#commentform", "action").is_empty());
    let id = id.to_string();
    let res = site
        .post_form(
            "/wp-comments-post.php",
            &[
                ("comment_page_ID", &id),
                ("comment", "Is anyone there?"),
                ("author", "Ann"),
                ("email", "ann@example.org"),
            ],
            "198.51.100.74",
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("Comments are closed."), "{}", res.body);
    // What the reader typed is shown back.
    assert!(res.body.contains("Is anyone there?"), "{}", res.body);
    assert_eq!(
        site.raw_pairs("SELECT 'n', COUNT(*) FROM comments WHERE page_id IS NOT NULL")
            .await,
        vec![("n".to_owned(), 0)]
    );
}

async fn the_moderation_queue_names_the_page(site: TestSite) {
    instant_forms(&site).await;
    let eve = site.staff("eve", Role::Editor).await;
    publish_page(&site, &eve, "Reader letters", "letters", true).await;
    let held = post_on(
        &site,
        "/letters/",
        &[
            ("comment", "Please print my letter."),
            ("author", "Ann"),
            ("email", "ann@example.org"),
        ],
        "198.51.100.75",
        None,
    )
    .await;
    let id = comment_id(&held);
    let queue = site.admin_get(&eve, "/admin/comments?status=pending").await;
    assert_eq!(queue.status, StatusCode::OK);
    let on = queue.texts(".on");
    assert!(
        on.iter().any(|t| t.starts_with("On page Reader letters")),
        "{on:?}"
    );
    assert!(
        queue
            .attrs(".on a", "href")
            .iter()
            .any(|h| h.ends_with(&format!("#comment-{id}"))),
        "{:?}",
        queue.attrs(".on a", "href")
    );
    let detail = site.admin_get(&eve, &format!("/admin/comments/{id}")).await;
    assert!(
        detail
            .texts(".on")
            .iter()
            .any(|t| t.starts_with("On page Reader letters")),
        "{:?}",
        detail.texts(".on")
    );
    // Approved, it shows on the page for everyone.
    let approved = newsdesk::actions::comments::moderate_as(
        &site.store,
        &newsdesk::notify::Notifier::none(),
        newsdesk::actions::Actor::Operator,
        id,
        newsdesk::actions::comments::Moderation::Approve,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(approved.as_str(), "approved");
    assert_eq!(
        site.get("/letters/")
            .await
            .texts(&format!("#comment-{id} .comment__content")),
        vec!["Please print my letter."]
    );
}

async fn a_protected_page_takes_no_comments_until_unlocked(site: TestSite) {
    instant_forms(&site).await;
    let eve = site.staff("eve", Role::Editor).await;
    let id = publish_page_with(&site, &eve, "Members", "members", true, "opensesame").await;
    let page = site.get("/members/").await;
    // The password form stands in for the text, and there is no comment form.
    assert!(
        page.attrs("input[name=comment_page_ID]", "value")
            .is_empty()
    );
    assert!(page.texts("#comments").is_empty());
    let id = id.to_string();
    let res = site
        .post_form(
            "/wp-comments-post.php",
            &[
                ("comment_page_ID", &id),
                ("comment", "Let me in."),
                ("author", "Mira K."),
                ("email", TRUSTED_EMAIL),
            ],
            "198.51.100.76",
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.body.contains("This page is password protected"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Let me in."), "{}", res.body);
    assert_eq!(
        site.raw_pairs("SELECT 'n', COUNT(*) FROM comments WHERE page_id IS NOT NULL")
            .await,
        vec![("n".to_owned(), 0)]
    );
}
