//! The newsroom's comment moderation, people and site settings pages, and the dashboard.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::support::{ORIGIN, Page, STAFF_PASSWORD, Staff, TestSite};

on_both_backends!(demo:
    moderation_is_for_editors_and_administrators,
    approving_publishes_and_spam_removes,
    bulk_approval,
    edits_follow_the_comment_rules_and_keep_what_was_typed,
    replies_are_threaded_on_the_public_page,
    spam_reasons_are_explained,
);

on_both_backends!(empty:
    people_and_settings_are_for_administrators,
    invitations_give_a_working_link,
    roles_change_but_the_last_administrator_stays,
    disabling_ends_every_session,
    settings_are_checked_and_kept_on_errors,
    a_new_title_shows_on_the_public_site,
);

const STORY: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";

/// The story's address and id.
async fn story(site: &TestSite) -> (String, String) {
    let url = site.url_of(STORY).await;
    (url, site.story_id(STORY).await.to_string())
}

/// Sends a comment through the public form from its own address; returns its id.
async fn comment(site: &TestSite, text: &str, author: &str, ip: &str) -> i64 {
    let (url, post_id) = story(site).await;
    let page = site.get(&url).await;
    let token = page.attrs("input[name=nd_form_token]", "value").remove(0);
    let email = format!(
        "{}@readers.example",
        author.to_lowercase().replace(' ', ".")
    );
    let res = site
        .post_form(
            "/wp-comments-post.php",
            &[
                ("comment_post_ID", &post_id),
                ("nd_form_token", &token),
                ("comment", text),
                ("author", author),
                ("email", &email),
            ],
            ip,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location()
        .rsplit("#comment-")
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Every comment waits for a moderator; forms may be sent at once.
async fn hold_everything(site: &TestSite) {
    site.settings(&[("comment_moderation", "all"), ("comment_min_seconds", "0")])
        .await;
}

async fn status_of(site: &TestSite, id: i64) -> String {
    site.store
        .comment(id)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

/// Whether the public story page shows this comment to an anonymous reader.
async fn public_shows(site: &TestSite, id: i64) -> bool {
    let (url, _) = story(site).await;
    !site
        .get(&url)
        .await
        .texts(&format!("#comment-{id}"))
        .is_empty()
}

/// How many comments wait for moderation.
async fn pending(site: &TestSite) -> i64 {
    site.store
        .comment_counts()
        .await
        .unwrap()
        .iter()
        .find(|c| c.status.as_str() == "pending")
        .map_or(0, |c| c.n)
}

async fn moderation_is_for_editors_and_administrators(site: TestSite) {
    hold_everything(&site).await;
    let id = comment(&site, "Waiting for a moderator", "Rea Der", "198.51.100.1").await;
    let path = format!("/admin/comments/{id}");
    for role in [Role::Author, Role::Contributor] {
        let who = site.staff(&role.as_str()[..4], role).await;
        assert_eq!(
            site.admin_get(&who, "/admin/comments").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            site.admin_get(&who, &path).await.status,
            StatusCode::FORBIDDEN
        );
        let one = format!("approve:{id}");
        let ids = id.to_string();
        let posts: [(String, Vec<(&str, &str)>); 4] = [
            ("/admin/comments/moderate".into(), vec![("one", &one)]),
            (
                "/admin/comments/moderate".into(),
                vec![("action", "approve"), ("ids", &ids)],
            ),
            (
                format!("{path}/edit"),
                vec![
                    ("author", "Vandal"),
                    ("email", "v@example.org"),
                    ("comment", "Changed"),
                ],
            ),
            (format!("{path}/reply"), vec![("reply", "Sneaky reply")]),
        ];
        for (to, fields) in posts {
            let res = site.admin_post(&who, &to, &fields).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role:?} {to}");
        }
        let c = site.store.comment(id).await.unwrap().unwrap();
        assert_eq!(
            (c.status.as_str(), c.author_name.as_str(), c.body.as_str()),
            ("pending", "Rea Der", "Waiting for a moderator")
        );
        // Their dashboard and navigation do not offer moderation.
        let dash = site.admin_get(&who, "/admin/").await;
        assert!(dash.texts("nav.side a[href='/admin/comments']").is_empty());
        assert!(dash.texts(".stats a[href^='/admin/comments']").is_empty());
        assert_eq!(
            dash.texts(&format!(
                ".stats a[href='/admin/stories?status=draft&author={}']",
                who.id
            )),
            ["0 Your drafts"]
        );
    }
    assert!(!public_shows(&site, id).await);
    let editor = site.staff("edna", Role::Editor).await;
    let queue = site.admin_get(&editor, "/admin/comments").await;
    assert_eq!(queue.status, StatusCode::OK);
    let waiting = pending(&site).await;
    assert!(waiting >= 1);
    assert_eq!(
        queue.texts(".tabs a[aria-current=page]"),
        [format!("Pending {waiting}")],
        "the pending tab is current and counts what waits"
    );
    assert_eq!(queue.texts(&format!("#comment-{id} .name")), ["Rea Der"]);
    // The dashboard counts what waits and leads to it.
    let dash = site.admin_get(&editor, "/admin/").await;
    assert_eq!(
        dash.texts(".stats a[href='/admin/comments?status=pending']"),
        [format!("{waiting} Comments awaiting moderation")]
    );
    let admin = site.staff("ada", Role::Administrator).await;
    assert_eq!(
        site.admin_get(&admin, "/admin/comments").await.status,
        StatusCode::OK
    );
}

async fn approving_publishes_and_spam_removes(site: TestSite) {
    hold_everything(&site).await;
    let id = comment(&site, "Please publish <me>", "Rea Der", "198.51.100.2").await;
    let editor = site.staff("edna", Role::Editor).await;
    let queue = site.admin_get(&editor, "/admin/comments").await;
    let row = format!("#comment-{id}");
    assert_eq!(queue.texts(&format!("{row} .name")), ["Rea Der"]);
    assert_eq!(
        queue.texts(&format!("{row} .email")),
        ["rea.der@readers.example"]
    );
    assert_eq!(queue.texts(&format!("{row} .ip")), ["IP 198.51.100.2"]);
    assert_eq!(
        queue.texts(&format!("{row} .text")),
        ["Please publish <me>"]
    );
    assert!(!queue.body.contains("<me>"), "comment text is escaped");
    let (url, _) = story(&site).await;
    assert_eq!(
        queue.attrs(&format!("{row} .on a"), "href"),
        [format!("{url}#comment-{id}")]
    );
    assert!(!public_shows(&site, id).await);

    let res = site
        .admin_post(
            &editor,
            "/admin/comments/moderate",
            &[
                ("status", "pending"),
                ("page", "1"),
                ("one", &format!("approve:{id}")),
            ],
        )
        .await;
    assert_eq!(res.location(), "/admin/comments?status=pending");
    let next = site.admin_follow(&editor, &res).await;
    assert_eq!(next.texts(".flash"), ["Comment approved."]);
    assert!(next.texts(&row).is_empty(), "it left the pending tab");
    assert!(public_shows(&site, id).await);

    let res = site
        .admin_post(
            &editor,
            "/admin/comments/moderate",
            &[("status", "approved"), ("one", &format!("spam:{id}"))],
        )
        .await;
    assert_eq!(
        site.admin_follow(&editor, &res).await.texts(".flash"),
        ["Comment marked as spam."]
    );
    assert!(!public_shows(&site, id).await);
    assert_eq!(status_of(&site, id).await, "spam");
    // Published comments cannot be deleted in one click; spam can.
    let other = comment(&site, "Stays", "Ann Other", "198.51.100.3").await;
    let res = site
        .admin_post(
            &editor,
            "/admin/comments/moderate",
            &[("one", &format!("delete:{other}"))],
        )
        .await;
    assert!(
        site.admin_follow(&editor, &res).await.texts(".flash")[0]
            .starts_with("Only spam and trashed")
    );
    assert_eq!(status_of(&site, other).await, "pending");
    let spam = site.admin_get(&editor, "/admin/comments?status=spam").await;
    assert_eq!(
        spam.attrs(&format!("{row} button.danger"), "data-confirm"),
        ["Delete this comment permanently? It cannot be brought back."]
    );
    let res = site
        .admin_post(
            &editor,
            "/admin/comments/moderate",
            &[("status", "spam"), ("one", &format!("delete:{id}"))],
        )
        .await;
    assert_eq!(
        site.admin_follow(&editor, &res).await.texts(".flash"),
        ["Comment deleted permanently."]
    );
    assert!(site.store.comment(id).await.unwrap().is_none());
}

async fn bulk_approval(site: TestSite) {
    hold_everything(&site).await;
    let a = comment(&site, "First of two", "Rea Der", "198.51.100.4").await;
    let b = comment(&site, "Second of two", "Ann Other", "198.51.100.5").await;
    let c = comment(&site, "Left waiting", "Third Person", "198.51.100.6").await;
    let editor = site.staff("edna", Role::Editor).await;
    let queue = site.admin_get(&editor, "/admin/comments").await;
    assert_eq!(
        queue.attrs("input[data-select-all]", "data-select-all"),
        ["ids"]
    );
    // Newest first.
    let ids = queue.attrs("input[name=ids]", "value");
    assert_eq!(ids[..3], [c.to_string(), b.to_string(), a.to_string()]);
    let before = pending(&site).await;
    let res = site
        .admin_post(
            &editor,
            "/admin/comments/moderate",
            &[
                ("status", "pending"),
                ("action", "approve"),
                ("ids", &a.to_string()),
                ("ids", &b.to_string()),
            ],
        )
        .await;
    let next = site.admin_follow(&editor, &res).await;
    assert_eq!(next.texts(".flash"), ["2 comments approved."]);
    let ids = next.attrs("input[name=ids]", "value");
    assert!(ids.contains(&c.to_string()));
    assert!(!ids.contains(&a.to_string()) && !ids.contains(&b.to_string()));
    assert!(public_shows(&site, a).await && public_shows(&site, b).await);
    assert!(!public_shows(&site, c).await);
    assert_eq!(
        next.texts(".tabs a")[0],
        format!("Pending {}", before - 2),
        "the count follows the moderation"
    );
}

async fn edits_follow_the_comment_rules_and_keep_what_was_typed(site: TestSite) {
    hold_everything(&site).await;
    let id = comment(&site, "Teh original", "Rea Der", "198.51.100.7").await;
    let editor = site.staff("edna", Role::Editor).await;
    let path = format!("/admin/comments/{id}");
    let page = site.admin_get(&editor, &path).await;
    assert_eq!(page.attrs("#author", "value"), ["Rea Der"]);
    assert_eq!(page.texts("textarea#comment"), ["Teh original"]);

    let res = site
        .admin_post(
            &editor,
            &format!("{path}/edit"),
            &[
                ("author", "Rea D. Er"),
                ("email", "not an address"),
                ("url", "javascript:alert(1)"),
                ("comment", "  \n "),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.attrs("#author", "value"), ["Rea D. Er"]);
    assert_eq!(res.attrs("#email", "value"), ["not an address"]);
    assert_eq!(res.attrs("#url", "value"), ["javascript:alert(1)"]);
    assert_eq!(res.texts("#comment-error"), ["Please type your comment."]);
    assert_eq!(res.attrs("#comment", "aria-invalid"), ["true"]);
    assert_eq!(res.texts("#email-error").len(), 1);
    assert_eq!(res.texts("#url-error").len(), 1);
    assert_eq!(res.texts(".error-summary li").len(), 3);
    let c = site.store.comment(id).await.unwrap().unwrap();
    assert_eq!(
        (c.author_name.as_str(), c.body.as_str()),
        ("Rea Der", "Teh original")
    );

    let res = site
        .admin_post(
            &editor,
            &format!("{path}/edit"),
            &[
                ("author", "Rea  D. Er "),
                ("email", "Rea@Readers.example"),
                ("url", "readers.example/rea"),
                ("comment", "The <b>corrected</b> text"),
            ],
        )
        .await;
    assert_eq!(
        site.admin_follow(&editor, &res).await.texts(".flash"),
        ["Comment saved."]
    );
    let c = site.store.comment(id).await.unwrap().unwrap();
    assert_eq!(
        (
            c.author_name.as_str(),
            c.author_email.as_str(),
            c.author_url.as_str()
        ),
        (
            "Rea D. Er",
            "rea@readers.example",
            "http://readers.example/rea"
        )
    );
    // Approved, it shows as plain text on the story.
    let res = site
        .admin_post(
            &editor,
            "/admin/comments/moderate",
            &[("from", &id.to_string()), ("one", &format!("approve:{id}"))],
        )
        .await;
    assert_eq!(res.location(), path);
    let (url, _) = story(&site).await;
    let public = site.get(&url).await;
    assert_eq!(
        public.texts(&format!("#comment-{id} .comment__content")),
        ["The <b>corrected</b> text"]
    );
    assert!(!public.body.contains("<b>corrected</b>"));
}

async fn replies_are_threaded_on_the_public_page(site: TestSite) {
    hold_everything(&site).await;
    let id = comment(&site, "Is this confirmed?", "Rea Der", "198.51.100.8").await;
    let editor = site.staff("edna", Role::Editor).await;
    let path = format!("/admin/comments/{id}");
    let page = site.admin_get(&editor, &path).await;
    assert_eq!(
        page.texts("#reply ~ .hint"),
        ["Replying approves this comment too."]
    );
    let res = site
        .admin_post(
            &editor,
            &format!("{path}/reply"),
            &[("reply", "Yes, by two sources.")],
        )
        .await;
    assert_eq!(
        site.admin_follow(&editor, &res).await.texts(".flash"),
        ["Your reply is published."]
    );
    // The question is approved with it, and the answer hangs under it.
    assert_eq!(status_of(&site, id).await, "approved");
    let (url, _) = story(&site).await;
    let public = site.get(&url).await;
    let thread = format!("#comment-{id} > ol.children");
    assert_eq!(
        public.texts(&format!("{thread} .comment__author")),
        ["Edna Surname"]
    );
    assert_eq!(
        public.texts(&format!("{thread} .comment__content")),
        ["Yes, by two sources."]
    );
    // Empty replies, and replies deeper than the site threads, are refused with the text kept.
    let res = site
        .admin_post(&editor, &format!("{path}/reply"), &[("reply", " ")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.texts("#reply-error"), ["A reply cannot be empty."]);
    site.settings(&[("thread_depth", "1")]).await;
    let res = site
        .admin_post(
            &editor,
            &format!("{path}/reply"),
            &[("reply", "Too deep to thread")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.texts("textarea#reply"), ["Too deep to thread"]);
    assert!(res.texts("#reply-error")[0].starts_with("Replies can be nested at most 1 level"));
    assert!(
        !site.get(&url).await.body.contains("Too deep to thread"),
        "nothing more was published"
    );
}

async fn spam_reasons_are_explained(site: TestSite) {
    site.settings(&[
        ("comment_min_seconds", "0"),
        ("comment_block_words", "casino"),
    ])
    .await;
    let id = comment(
        &site,
        "Visit my online Casino today",
        "Spam Bot",
        "198.51.100.9",
    )
    .await;
    assert_eq!(status_of(&site, id).await, "spam");
    let editor = site.staff("edna", Role::Editor).await;
    let spam = site.admin_get(&editor, "/admin/comments?status=spam").await;
    let row = format!("#comment-{id}");
    assert_eq!(
        spam.texts(&format!("{row} .spam-reasons summary")),
        ["Spam score 80: marked as spam"]
    );
    assert_eq!(
        spam.texts(&format!("{row} .spam-reasons li")),
        ["It contains “casino”, one of the site’s blocked words. (+80)"]
    );
    let one = site
        .admin_get(&editor, &format!("/admin/comments/{id}"))
        .await;
    assert_eq!(
        one.texts(".spam-reasons li"),
        ["It contains “casino”, one of the site’s blocked words. (+80)"]
    );
    assert_eq!(one.texts(".list td:nth-child(2)"), ["submitted (spam)"]);
}

async fn people_and_settings_are_for_administrators(site: TestSite) {
    let editor = site.staff("edna", Role::Editor).await;
    let someone = site.add_staff("otto", Role::Author).await;
    let before = site.store.settings().await.unwrap().title;
    for path in ["/admin/users", "/admin/settings"] {
        assert_eq!(
            site.admin_get(&editor, path).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let role_path = format!("/admin/users/{someone}/role");
    let disable_path = format!("/admin/users/{someone}/disable");
    let reset_path = format!("/admin/users/{someone}/reset");
    let posts: [(&str, Vec<(&str, &str)>); 5] = [
        (
            "/admin/users",
            vec![
                ("login", "sneaky"),
                ("email", "s@news.example"),
                ("display_name", "Sneaky"),
                ("role", "administrator"),
            ],
        ),
        (&role_path, vec![("role", "administrator")]),
        (&disable_path, vec![]),
        (&reset_path, vec![]),
        ("/admin/settings", vec![("title", "Taken over")]),
    ];
    for (path, fields) in posts {
        let res = site.admin_post(&editor, path, &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!res.body.contains("/admin/password/"));
    }
    assert!(
        site.store
            .account_by_login("sneaky")
            .await
            .unwrap()
            .is_none()
    );
    let otto = site.store.account(someone).await.unwrap().unwrap();
    assert_eq!((otto.role.as_str(), otto.disabled), ("author", false));
    assert_eq!(site.store.settings().await.unwrap().title, before);
    let dash = site.admin_get(&editor, "/admin/").await;
    assert!(dash.texts("nav.side a[href='/admin/users']").is_empty());

    let admin = site.staff("ada", Role::Administrator).await;
    for path in ["/admin/users", "/admin/settings"] {
        assert_eq!(site.admin_get(&admin, path).await.status, StatusCode::OK);
    }
    let dash = site.admin_get(&admin, "/admin/").await;
    assert_eq!(
        dash.texts(".stats a[href='/admin/users']"),
        ["3 People in the newsroom"]
    );
    let people = site.admin_get(&admin, "/admin/users").await;
    assert_eq!(
        people.texts("tbody th[scope=row]"),
        ["ada you", "edna", "otto"]
    );
    assert_eq!(people.texts("tbody .state"), ["active", "active", "active"]);
    assert!(
        !people.body.contains("$argon2"),
        "no password hash is shown"
    );
}

/// The set-password link a page shows, as a path.
fn link_path(page: &Page) -> String {
    let link = page.attrs("#link", "value").remove(0);
    let path = link
        .strip_prefix(ORIGIN)
        .expect("an absolute link to this site");
    assert!(path.starts_with("/admin/password/"), "{path}");
    path.to_owned()
}

async fn set_password(site: &TestSite, path: &str) -> Page {
    let form = site.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    site.post_form_with(
        path,
        &[
            ("_csrf", &token),
            ("password", STAFF_PASSWORD),
            ("repeat", STAFF_PASSWORD),
        ],
        "192.0.2.20",
        &[("origin", ORIGIN)],
    )
    .await
}

async fn invitations_give_a_working_link(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let invite = |login: &'static str, email: &'static str| {
        let admin = admin.clone();
        let site = &site;
        async move {
            site.admin_post(
                &admin,
                "/admin/users",
                &[
                    ("login", login),
                    ("email", email),
                    ("display_name", "Nia Newcomer"),
                    ("role", "author"),
                ],
            )
            .await
        }
    };
    let res = invite("nia", "nia@news.example").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let status = res.texts("[role=status]").remove(0);
    assert!(status.starts_with("Nia Newcomer (login") && status.ends_with("is invited."));
    assert_eq!(res.texts("[role=status] code"), ["nia"]);
    let path = link_path(&res);
    let people = site.admin_get(&admin, "/admin/users").await;
    let nia = site.store.account_by_login("nia").await.unwrap().unwrap();
    assert_eq!(
        people.texts(&format!("#person-{} .state", nia.id)),
        ["invited"]
    );
    assert_eq!(nia.role.as_str(), "author");

    // An existing login and a bad email are refused on the form, with everything kept.
    let res = invite("nia", "other@news.example").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts("#invite-login-error"),
        ["\"nia\" is already taken."]
    );
    assert_eq!(res.attrs("#invite-email", "value"), ["other@news.example"]);
    assert_eq!(res.attrs("#invite-display_name", "value"), ["Nia Newcomer"]);
    assert_eq!(
        res.attrs("#invite-role option[selected]", "value"),
        ["author"]
    );
    let res = invite("nico", "nico-at-news").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts("#invite-email-error"),
        ["Enter an email address such as name@news.example."]
    );
    assert!(site.store.account_by_login("nico").await.unwrap().is_none());

    // The link sets a password once; then the new person signs in.
    let res = set_password(&site, &path).await;
    assert_eq!(res.location(), "/admin/login?m=password-set");
    assert_eq!(site.get(&path).await.status, StatusCode::NOT_FOUND);
    let nia_signed = site.sign_in(nia.id, "nia").await;
    let dash = site.admin_get(&nia_signed, "/admin/").await;
    assert!(dash.body.contains("Welcome, Nia Newcomer."));
    let people = site.admin_get(&admin, "/admin/users").await;
    assert_eq!(
        people.texts(&format!("#person-{} .state", nia.id)),
        ["active"]
    );

    // A reset link works the same way.
    let res = site
        .admin_post(&admin, &format!("/admin/users/{}/reset", nia.id), &[])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.texts("[role=status]")[0].starts_with("A password-reset link for Nia Newcomer"));
    let res = set_password(&site, &link_path(&res)).await;
    assert_eq!(res.location(), "/admin/login?m=password-set");
}

async fn roles_change_but_the_last_administrator_stays(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let otto = site.add_staff("otto", Role::Author).await;
    let res = site
        .admin_post(
            &admin,
            &format!("/admin/users/{otto}/role"),
            &[("role", "editor")],
        )
        .await;
    let page = site.admin_follow(&admin, &res).await;
    assert_eq!(page.texts(".flash"), ["Otto Surname is now Editor."]);
    assert_eq!(
        page.attrs(&format!("#role-{otto} option[selected]"), "value"),
        ["editor"]
    );
    assert_eq!(
        site.store
            .account(otto)
            .await
            .unwrap()
            .unwrap()
            .role
            .as_str(),
        "editor"
    );

    let res = site
        .admin_post(
            &admin,
            &format!("/admin/users/{}/role", admin.id),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let message = "The site needs at least one administrator; make someone else one first.";
    assert_eq!(res.texts(&format!("#role-{}-error", admin.id)), [message]);
    assert_eq!(res.texts(".error-summary li"), [message]);
    assert_eq!(
        res.attrs(&format!("#role-{} option[selected]", admin.id), "value"),
        ["administrator"]
    );
    assert_eq!(
        site.store
            .account(admin.id)
            .await
            .unwrap()
            .unwrap()
            .role
            .as_str(),
        "administrator"
    );
    // Nor can the last administrator disable themselves.
    let res = site
        .admin_post(&admin, &format!("/admin/users/{}/disable", admin.id), &[])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(
        !site
            .store
            .account(admin.id)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}

async fn disabling_ends_every_session(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let editor = site.staff("edna", Role::Editor).await;
    assert_eq!(site.store.session_count(editor.id).await.unwrap(), 1);
    let res = site
        .admin_post(&admin, &format!("/admin/users/{}/disable", editor.id), &[])
        .await;
    let page = site.admin_follow(&admin, &res).await;
    assert_eq!(
        page.texts(".flash"),
        ["Edna Surname is disabled and signed out everywhere."]
    );
    assert_eq!(
        page.texts(&format!("#person-{} .state", editor.id)),
        ["disabled"]
    );
    assert_eq!(site.store.session_count(editor.id).await.unwrap(), 0);
    let gone = site.admin_get(&editor, "/admin/").await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(gone.location().starts_with("/admin/login"));

    let res = site
        .admin_post(&admin, &format!("/admin/users/{}/enable", editor.id), &[])
        .await;
    let page = site.admin_follow(&admin, &res).await;
    assert_eq!(page.texts(".flash"), ["Edna Surname can sign in again."]);
    site.sign_in(editor.id, "edna").await;
}

/// The settings form as the page shows it, with some values replaced.
async fn settings_form(
    site: &TestSite,
    who: &Staff,
    set: &[(&str, &str)],
) -> Vec<(String, String)> {
    let page = site.admin_get(who, "/admin/settings").await;
    let html = page.html();
    let mut fields: Vec<(String, String)> = Vec::new();
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    for input in html.select(&sel(
        "form.settings input, form.settings textarea, form.settings select",
    )) {
        let el = input.value();
        let Some(name) = el.attr("name") else {
            continue;
        };
        if name == "_csrf" {
            continue;
        }
        let value = match el.name() {
            "textarea" => input.text().collect(),
            "select" => input
                .select(&sel("option[selected]"))
                .next()
                .map(|o| o.text().collect())
                .unwrap_or_default(),
            _ => {
                if matches!(el.attr("type"), Some("radio" | "checkbox"))
                    && el.attr("checked").is_none()
                {
                    continue;
                }
                el.attr("value").unwrap_or_default().to_owned()
            }
        };
        fields.push((name.to_owned(), value));
    }
    for (name, value) in set {
        fields.retain(|(n, _)| n != name);
        fields.push(((*name).to_owned(), (*value).to_owned()));
    }
    fields
}

async fn post_settings(site: &TestSite, who: &Staff, fields: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    site.admin_post(who, "/admin/settings", &pairs).await
}

async fn settings_are_checked_and_kept_on_errors(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let page = site.admin_get(&admin, "/admin/settings").await;
    assert_eq!(page.attrs("#title", "value"), ["Newsdesk"]);
    assert_eq!(page.texts("#timezone option[selected]"), ["UTC"]);
    assert!(
        page.texts("#timezone option")
            .contains(&"Europe/Berlin".to_owned())
    );
    let fields = settings_form(
        &site,
        &admin,
        &[
            ("title", "Harbour Times"),
            ("tagline", "Our town, every day"),
            ("timezone", "Europe/Berlin"),
            ("posts_per_page", "0"),
            ("thread_depth", "12"),
            ("comment_block_words", "casino\nviagra"),
            ("comment_moderation", "all"),
        ],
    )
    .await;
    let res = post_settings(&site, &admin, &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts("#posts_per_page-error"),
        ["Enter a number from 1 to 100."]
    );
    assert_eq!(res.attrs("#posts_per_page", "aria-invalid"), ["true"]);
    assert_eq!(
        res.texts("#thread_depth-error"),
        ["Enter a whole number from 1 to 10."]
    );
    assert_eq!(res.texts(".error-summary li").len(), 2);
    assert_eq!(res.attrs("#title", "value"), ["Harbour Times"]);
    assert_eq!(res.attrs("#tagline", "value"), ["Our town, every day"]);
    assert_eq!(res.attrs("#posts_per_page", "value"), ["0"]);
    assert_eq!(res.texts("#timezone option[selected]"), ["Europe/Berlin"]);
    assert_eq!(res.texts("textarea#comment_block_words"), ["casino viagra"]);
    assert_eq!(
        res.attrs("input[name=comment_moderation][checked]", "value"),
        ["all"]
    );
    // Nothing was stored.
    let stored = site.store.settings().await.unwrap();
    assert_eq!(
        (stored.title.as_str(), stored.posts_per_page),
        ("Newsdesk", 10)
    );

    let fields = settings_form(
        &site,
        &admin,
        &[
            ("timezone", "Europe/Berlin"),
            ("posts_per_page", "25"),
            ("comment_moderation", "none"),
            ("api_comments", "on"),
        ],
    )
    .await;
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k != "read_also")
        .collect();
    let page = site
        .admin_follow(&admin, &post_settings(&site, &admin, &fields).await)
        .await;
    assert_eq!(page.texts(".flash"), ["Settings saved."]);
    let stored = site.store.settings().await.unwrap();
    assert_eq!(stored.posts_per_page, 25);
    assert_eq!(stored.timezone, chrono_tz::Europe::Berlin);
    assert!(!stored.read_also, "an unchecked box turns the setting off");
    assert_eq!(stored.comment_moderation.as_str(), "none");
    assert!(page.attrs("#read_also[checked]", "value").is_empty());
    assert!(stored.api_comments, "a checked box turns the setting on");
    assert_eq!(page.attrs("#api_comments[checked]", "value"), ["on"]);
}

async fn a_new_title_shows_on_the_public_site(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    assert!(!site.get("/").await.body.contains("Harbour Times"));
    let fields = settings_form(&site, &admin, &[("title", "Harbour Times")]).await;
    let res = post_settings(&site, &admin, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = site.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.texts("title")[0].contains("Harbour Times"),
        "{:?}",
        home.texts("title")
    );
}
