//! The WordPress REST API, write side: application passwords, who a request is (HTTP Basic
//! with an application password, or the admin's session with `X-WP-Nonce`), and stories and
//! images written through it under the admin's own rules, on the demo site.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use newsdesk::domain::user::Role;
use serde_json::{Value, json};

use crate::support::{ORIGIN, TestSite};

on_both_backends!(demo:
    application_passwords_are_shown_once_listed_used_and_revoked,
    the_session_cookie_needs_its_nonce,
    basic_auth_needs_https_or_this_machine_and_is_throttled,
    stories_are_written_under_the_editors_rules,
    contributors_and_authors_keep_their_limits,
    stories_are_trashed_then_deleted,
    bad_writes_get_clear_errors,
    images_are_uploaded_raw_or_as_a_form,
    answers_with_credentials_are_private,
    newsroom_lists_show_what_each_person_may_see,
    pages_are_written_by_those_who_manage_pages,
    moderators_moderate_and_reply_through_the_api,
    sections_tags_and_settings_for_those_who_manage_them,
    revisions_and_autosaves_of_what_one_may_edit,
    refusals_change_nothing,
    clients_round_trip_what_they_read,
    moderators_list_comments_in_any_state,
);

/// This machine: local tools may send application passwords over plain HTTP.
pub(crate) const LOCAL: &str = "127.0.0.1";
/// Somewhere else on the internet.
pub(crate) const REMOTE: &str = "203.0.113.5";

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) json: Value,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a WordPress error with this status and code.
    #[track_caller]
    pub(crate) fn refused(&self, status: StatusCode, code: &str) {
        assert_eq!(
            (self.status, self.json["code"].as_str()),
            (status, Some(code)),
            "{}",
            self.json
        );
        assert_eq!(self.json["data"]["status"], status.as_u16());
    }
}

/// Sends a request from `ip` and reads the JSON answer.
pub(crate) async fn send(
    app: Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Body,
    ip: &str,
) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(body).unwrap();
    let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    let page = crate::support::send_to(app, req).await;
    let json = if page.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&page.body)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {}", page.body))
    };
    Answer {
        status: page.status,
        headers: page.headers,
        json,
    }
}

pub(crate) fn basic(login: &str, password: &str) -> String {
    let raw = format!("{login}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A tool using the API with an application password, from this machine.
pub(crate) struct Tool<'a> {
    pub(crate) site: &'a TestSite,
    pub(crate) auth: String,
}

impl Tool<'_> {
    pub(crate) async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let (headers, body) = match body {
            Some(b) => (
                vec![
                    ("authorization", self.auth.as_str()),
                    ("content-type", "application/json"),
                ],
                Body::from(b.to_string()),
            ),
            None => (vec![("authorization", self.auth.as_str())], Body::empty()),
        };
        send(self.site.app.clone(), method, path, &headers, body, LOCAL).await
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }
}

/// An account with this role and an application password for it (made as `newsdesk user
/// app-password add` makes it).
pub(crate) async fn with_tool<'a>(
    site: &'a TestSite,
    login: &str,
    role: Role,
) -> (Tool<'a>, i64, String) {
    let id = site.add_staff(login, role).await;
    let created = newsdesk::actions::app_passwords::create(
        &site.store,
        newsdesk::actions::Actor::Operator,
        id,
        "Test tool",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let auth = basic(login, &created.secret);
    (Tool { site, auth }, id, created.secret)
}

async fn application_passwords_are_shown_once_listed_used_and_revoked(site: TestSite) {
    // Created in the admin's session (cookie and nonce), as the admin's own scripts do.
    let ed = site.staff("ed", Role::Editor).await;
    let cookie_headers = [
        ("cookie", ed.cookie.as_str()),
        ("x-wp-nonce", ed.csrf.as_str()),
        ("content-type", "application/json"),
    ];
    let created = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/users/me/application-passwords",
        &cookie_headers,
        Body::from(json!({ "name": "Phone app" }).to_string()),
        REMOTE,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let secret = created.json["password"].as_str().unwrap().to_owned();
    let uuid = created.json["uuid"].as_str().unwrap().to_owned();
    assert_eq!(
        secret.len(),
        29,
        "24 characters in groups of four: {secret}"
    );
    assert!(created.header("location").ends_with(&format!(
        "/wp-json/wp/v2/users/{}/application-passwords/{uuid}",
        ed.id
    )));
    assert_eq!(created.json["last_used"], Value::Null);
    // The same name twice is refused; the secret is stored only as a hash.
    let again = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/users/me/application-passwords",
        &cookie_headers,
        Body::from(json!({ "name": "Phone app" }).to_string()),
        REMOTE,
    )
    .await;
    again.refused(StatusCode::CONFLICT, "application_password_duplicate_name");
    let stored = site
        .raw_pairs("SELECT secret_hash, CAST(0 AS BIGINT) FROM app_passwords")
        .await;
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].0.contains(&secret.replace(' ', "")));

    // Used with HTTP Basic, with or without its spaces.
    for password in [secret.clone(), secret.replace(' ', "")] {
        let tool = Tool {
            site: &site,
            auth: basic("ed", &password),
        };
        let me = tool.get("/wp-json/wp/v2/users/me?context=edit").await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.json);
        assert_eq!(me.json["id"], ed.id);
        assert_eq!(me.json["username"], "ed");
        assert_eq!(me.json["email"], "ed@news.example");
        assert_eq!(me.json["roles"], json!(["editor"]));
        assert_eq!(me.json["capabilities"]["edit_others_posts"], true);
        assert!(me.json["capabilities"].get("manage_options").is_none());
    }
    // Signing in with the email address works too, as in WordPress.
    let by_email = Tool {
        site: &site,
        auth: basic("ed@news.example", &secret),
    };
    let tool = Tool {
        site: &site,
        auth: basic("ed", &secret),
    };
    assert_eq!(
        by_email.get("/wp-json/wp/v2/users/me").await.status,
        StatusCode::OK
    );
    let mine = tool
        .get("/wp-json/wp/v2/users/me/application-passwords/introspect")
        .await;
    assert_eq!(mine.json["uuid"], uuid.as_str());
    let listed = tool
        .get("/wp-json/wp/v2/users/me/application-passwords")
        .await;
    let items = listed.json.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0].get("password").is_none(), "never shown again");
    assert_eq!(items[0]["last_ip"], LOCAL);
    assert!(items[0]["last_used"].is_string());

    // Somebody else's passwords are not theirs to see, unless they manage people.
    let (other, other_id, _) = with_tool(&site, "au", Role::Author).await;
    other
        .get(&format!(
            "/wp-json/wp/v2/users/{}/application-passwords",
            ed.id
        ))
        .await
        .refused(
            StatusCode::FORBIDDEN,
            "rest_cannot_manage_application_passwords",
        );
    let (admin, _, _) = with_tool(&site, "boss", Role::Administrator).await;
    let theirs = admin
        .get(&format!(
            "/wp-json/wp/v2/users/{other_id}/application-passwords"
        ))
        .await;
    assert_eq!(theirs.json.as_array().unwrap().len(), 1);

    // Revoked, it stops working at once.
    let gone = tool
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/users/me/application-passwords/{uuid}"),
            None,
        )
        .await;
    assert_eq!(gone.json["deleted"], true, "{}", gone.json);
    assert_eq!(gone.json["previous"]["uuid"], uuid.as_str());
    tool.get("/wp-json/wp/v2/users/me")
        .await
        .refused(StatusCode::UNAUTHORIZED, "incorrect_password");
    // Both events are in the audit log.
    let audit = site
        .raw_pairs("SELECT action, COUNT(*) FROM audit_log WHERE action LIKE 'app_password%' GROUP BY action ORDER BY action")
        .await;
    assert_eq!(
        audit,
        vec![
            ("app_password_add".to_owned(), 3),
            ("app_password_revoke".to_owned(), 1)
        ]
    );
}

async fn the_session_cookie_needs_its_nonce(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    // A page elsewhere can make a browser send the cookie, never the nonce: no one, then.
    let without = send(
        site.app.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[("cookie", ed.cookie.as_str())],
        Body::empty(),
        REMOTE,
    )
    .await;
    without.refused(StatusCode::UNAUTHORIZED, "rest_not_logged_in");
    let create = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/posts",
        &[
            ("cookie", ed.cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Body::from("title=Forged"),
        REMOTE,
    )
    .await;
    create.refused(StatusCode::UNAUTHORIZED, "rest_cannot_create");
    let wrong = send(
        site.app.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[("cookie", ed.cookie.as_str()), ("x-wp-nonce", "0123abcd")],
        Body::empty(),
        REMOTE,
    )
    .await;
    wrong.refused(StatusCode::FORBIDDEN, "rest_cookie_invalid_nonce");
    let right = send(
        site.app.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[
            ("cookie", ed.cookie.as_str()),
            ("x-wp-nonce", ed.csrf.as_str()),
        ],
        Body::empty(),
        REMOTE,
    )
    .await;
    assert_eq!(right.json["id"], ed.id);
    // A form body works as well as JSON, with the nonce.
    let drafted = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/posts",
        &[
            ("cookie", ed.cookie.as_str()),
            ("x-wp-nonce", ed.csrf.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Body::from("title=From+a+form&categories[]=1"),
        REMOTE,
    )
    .await;
    assert_eq!(drafted.status, StatusCode::CREATED, "{}", drafted.json);
    assert_eq!(drafted.json["title"]["raw"], "From a form");
    assert_eq!(drafted.json["categories"], json!([1]));
}

async fn basic_auth_needs_https_or_this_machine_and_is_throttled(site: TestSite) {
    let (_, _, secret) = with_tool(&site, "ed", Role::Editor).await;
    let auth = basic("ed", &secret);
    // Over plain HTTP from elsewhere: refused, whatever a client claims in headers.
    let plain = send(
        site.app.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[
            ("authorization", auth.as_str()),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", LOCAL),
        ],
        Body::empty(),
        REMOTE,
    )
    .await;
    plain.refused(
        StatusCode::UNAUTHORIZED,
        "rest_application_passwords_https_required",
    );
    // Behind a proxy that says the reader's connection was HTTPS: accepted.
    let behind_tls = newsdesk::app(newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions {
            behind_proxy: true,
            ..Default::default()
        },
    ));
    let proxied = |proto: &'static str| {
        let app = behind_tls.clone();
        let auth = auth.clone();
        async move {
            send(
                app,
                "GET",
                "/wp-json/wp/v2/users/me",
                &[
                    ("authorization", auth.as_str()),
                    ("x-forwarded-proto", proto),
                    ("x-forwarded-for", REMOTE),
                ],
                Body::empty(),
                LOCAL,
            )
            .await
        }
    };
    assert_eq!(proxied("https").await.status, StatusCode::OK);
    // The proxy runs on this machine, but the reader does not: its word is what counts.
    proxied("http").await.refused(
        StatusCode::UNAUTHORIZED,
        "rest_application_passwords_https_required",
    );

    // A wrong password and an unknown login get the same answer.
    let wrong = |login: &'static str, password: &'static str| {
        let app = site.app.clone();
        async move {
            send(
                app,
                "GET",
                "/wp-json/wp/v2/posts",
                &[("authorization", basic(login, password).as_str())],
                Body::empty(),
                LOCAL,
            )
            .await
        }
    };
    let a = wrong("ed", "abcd efgh ijkl mnop qrst uvwx").await;
    let b = wrong("nobody", "abcd efgh ijkl mnop qrst uvwx").await;
    a.refused(StatusCode::UNAUTHORIZED, "incorrect_password");
    assert_eq!(a.json, b.json);
    assert!(a.header("www-authenticate").is_empty(), "no browser prompt");
    // Failures count in the sign-in throttle: after a few, wrong ones are refused unchecked.
    let mut throttled = None;
    for _ in 0..10 {
        let r = wrong("ed", "wrong").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(r);
            break;
        }
        r.refused(StatusCode::UNAUTHORIZED, "incorrect_password");
    }
    let throttled = throttled.expect("failures are throttled");
    throttled.refused(StatusCode::TOO_MANY_REQUESTS, "rest_too_many_attempts");
    assert!(throttled.header("retry-after").parse::<u64>().unwrap() > 0);
    let right = send(
        site.app.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[("authorization", auth.as_str())],
        Body::empty(),
        LOCAL,
    )
    .await;
    // The right one still works: 24 random characters cannot be guessed, so a lock strangers
    // earned must not stop the person's own tools.
    assert_eq!(right.status, StatusCode::OK, "{}", right.json);
    wrong("ed", "abcd efgh ijkl mnop qrst uvwx")
        .await
        .refused(StatusCode::TOO_MANY_REQUESTS, "rest_too_many_attempts");
    // Behind a proxy that does not name the reader, the connection is the proxy's: no
    // exemption for this machine.
    let unnamed = send(
        behind_tls.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[
            ("authorization", auth.as_str()),
            ("x-forwarded-proto", "http"),
        ],
        Body::empty(),
        LOCAL,
    )
    .await;
    unnamed.refused(
        StatusCode::UNAUTHORIZED,
        "rest_application_passwords_https_required",
    );
    // A client's own `X-Forwarded-For` line before the proxy's does not make it local.
    let spoofed = send(
        behind_tls.clone(),
        "GET",
        "/wp-json/wp/v2/users/me",
        &[
            ("authorization", auth.as_str()),
            ("x-forwarded-proto", "http"),
            ("x-forwarded-for", LOCAL),
            ("x-forwarded-for", REMOTE),
        ],
        Body::empty(),
        LOCAL,
    )
    .await;
    spoofed.refused(
        StatusCode::UNAUTHORIZED,
        "rest_application_passwords_https_required",
    );
}

async fn stories_are_written_under_the_editors_rules(site: TestSite) {
    let (ed, ed_id, _) = with_tool(&site, "ed", Role::Editor).await;
    let public_before = site.get("/wp-json/wp/v2/posts?per_page=1").await;
    let total_before: i64 = public_before.headers["x-wp-total"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();

    let draft = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({
                "title": "Harbour reopens after the storm",
                "content": "<p>Boats are back.<script>alert(1)</script></p><p onclick=\"x()\">Second</p>",
                "excerpt": "Boats are back",
                "categories": [1],
                "meta": {
                    "credit_line": "RHM/PR",
                    "source_agency": "Reuters",
                    "source_url": "https://wire.example/1",
                },
            }),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.json);
    let id = draft.json["id"].as_i64().unwrap();
    assert!(
        draft
            .header("location")
            .ends_with(&format!("/wp-json/wp/v2/posts/{id}"))
    );
    assert_eq!(draft.json["status"], "draft");
    assert_eq!(draft.json["date_gmt"], Value::Null);
    assert_eq!(draft.json["author"], ed_id);
    assert_eq!(
        draft.json["title"]["raw"],
        "Harbour reopens after the storm"
    );
    let content = draft.json["content"]["raw"].as_str().unwrap();
    assert!(content.contains("Boats are back.") && content.contains("Second"));
    assert!(
        !content.contains("script") && !content.contains("onclick"),
        "{content}"
    );
    assert_eq!(draft.json["link"], format!("{ORIGIN}/?p={id}"));
    assert_eq!(draft.json["meta"]["credit_line"], "RHM/PR");
    assert_eq!(draft.json["meta"]["source_agency"], "Reuters");
    assert_eq!(
        draft.header("cache-control"),
        "private, no-store",
        "a draft is nobody else's"
    );
    // The public does not see the draft; the newsroom does.
    assert_eq!(
        site.get(&format!("/wp-json/wp/v2/posts/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let read = ed.get(&format!("/wp-json/wp/v2/posts/{id}")).await;
    assert_eq!(read.json["status"], "draft");

    // Published through the API: on the site at once, with everything round-tripped.
    let tag = site.add_tag("harbour", "Harbour").await;
    let published = ed
        .call(
            "PATCH",
            &format!("/wp-json/wp/v2/posts/{id}"),
            Some(json!({ "status": "publish", "tags": [tag], "sticky": true })),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.json);
    assert_eq!(published.json["status"], "publish");
    assert_eq!(published.json["tags"], json!([tag]));
    assert_eq!(published.json["sticky"], true);
    assert_eq!(published.json["meta"]["credit_line"], "RHM/PR", "kept");
    let link = published.json["link"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("{ORIGIN}/"))
            && link.ends_with("/harbour-reopens-after-the-storm/")
    );
    let page = site.get(link.trim_start_matches(ORIGIN)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Harbour reopens after the storm"));
    assert!(page.body.contains("RHM/PR"));
    let public = site.get(&format!("/wp-json/wp/v2/posts/{id}")).await;
    assert_eq!(public.status, StatusCode::OK);
    let public_after = site.get("/wp-json/wp/v2/posts?per_page=1").await;
    assert_eq!(
        public_after.headers["x-wp-total"].to_str().unwrap(),
        (total_before + 1).to_string()
    );
    // Edits go through the editor's save: a revision each time the text changes.
    let revisions = || async {
        site.raw_pairs(&format!(
            "SELECT 'n', COUNT(*) FROM revisions WHERE article_id = {id}"
        ))
        .await[0]
            .1
    };
    assert_eq!(revisions().await, 1, "publishing changed no text");
    let retitled = ed
        .call(
            "PUT",
            &format!("/wp-json/wp/v2/posts/{id}"),
            Some(json!({ "title": "Harbour reopens after the storm, boats return" })),
        )
        .await;
    assert_eq!(retitled.json["status"], "publish", "{}", retitled.json);
    assert_eq!(revisions().await, 2);

    // Scheduled: `date` in the site's time zone, ahead of now.
    let ahead = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let scheduled = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Budget vote", "status": "future", "date_gmt": ahead }),
        )
        .await;
    assert_eq!(scheduled.json["status"], "future", "{}", scheduled.json);
    assert_eq!(scheduled.json["date_gmt"], ahead.as_str());
    let sid = scheduled.json["id"].as_i64().unwrap();
    assert_eq!(
        site.get(&format!("/wp-json/wp/v2/posts/{sid}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "not before its time"
    );
    // Under embargo, a story cannot be published before the embargo ends.
    let embargoed = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({
                "title": "Embargoed report",
                "status": "publish",
                "meta": { "embargo_until": ahead },
            }),
        )
        .await;
    embargoed.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(embargoed.json["data"]["params"]["publish_at"].is_string());
}

async fn contributors_and_authors_keep_their_limits(site: TestSite) {
    let (contributor, c_id, _) = with_tool(&site, "cora", Role::Contributor).await;
    let (author, _, _) = with_tool(&site, "abe", Role::Author).await;
    // A contributor drafts and submits, never publishes.
    let draft = contributor
        .post("/wp-json/wp/v2/posts", json!({ "title": "Cora's first" }))
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.json);
    let id = draft.json["id"].as_i64().unwrap();
    contributor
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Straight to print", "status": "publish" }),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_publish");
    let path = format!("/wp-json/wp/v2/posts/{id}");
    contributor
        .post(&path, json!({ "status": "publish" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_publish");
    let pending = contributor
        .post(&path, json!({ "status": "pending" }))
        .await;
    assert_eq!(pending.json["status"], "pending", "{}", pending.json);
    // Nor can they write under someone else's name.
    contributor
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Ghost", "author": 1 }),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    // An author cannot touch a colleague's story, nor see it.
    author
        .post(&path, json!({ "title": "Mine now" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    assert_eq!(author.get(&path).await.status, StatusCode::NOT_FOUND);
    // … and publishes their own.
    let own = author
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Abe files", "status": "publish" }),
        )
        .await;
    assert_eq!(own.json["status"], "publish", "{}", own.json);
    // The story stayed as the contributor left it.
    let kept = contributor.get(&path).await;
    assert_eq!(kept.json["title"]["raw"], "Cora's first");
    assert_eq!(kept.json["author"], c_id);
    // Contributors upload nothing.
    let upload = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/media",
        &[
            ("authorization", contributor.auth.as_str()),
            ("content-disposition", "attachment; filename=a.png"),
        ],
        Body::from(png(40, 30)),
        LOCAL,
    )
    .await;
    upload.refused(StatusCode::FORBIDDEN, "rest_cannot_create");
}

async fn stories_are_trashed_then_deleted(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let made = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Short-lived", "status": "publish" }),
        )
        .await;
    let id = made.json["id"].as_i64().unwrap();
    let path = format!("/wp-json/wp/v2/posts/{id}");
    let trashed = ed.call("DELETE", &path, None).await;
    assert_eq!(trashed.status, StatusCode::OK, "{}", trashed.json);
    assert_eq!(trashed.json["status"], "trash");
    assert_eq!(site.get(&path).await.status, StatusCode::NOT_FOUND);
    ed.call("DELETE", &path, None)
        .await
        .refused(StatusCode::GONE, "rest_already_trashed");
    // Back from the trash as a draft, then gone for good in one call.
    let restored = ed.post(&path, json!({ "status": "draft" })).await;
    assert_eq!(restored.json["status"], "draft", "{}", restored.json);
    let deleted = ed.call("DELETE", &format!("{path}?force=true"), None).await;
    assert_eq!(deleted.json["deleted"], true, "{}", deleted.json);
    assert_eq!(deleted.json["previous"]["title"]["raw"], "Short-lived");
    ed.get(&path)
        .await
        .refused(StatusCode::NOT_FOUND, "rest_post_invalid_id");
    let audit = site
        .raw_pairs(
            "SELECT action, COUNT(*) FROM audit_log WHERE action = 'story_delete' GROUP BY action",
        )
        .await;
    assert_eq!(audit, vec![("story_delete".to_owned(), 1)]);
}

async fn bad_writes_get_clear_errors(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let raw = |body: &'static str, content_type: &'static str| {
        let app = site.app.clone();
        let auth = ed.auth.clone();
        async move {
            send(
                app,
                "POST",
                "/wp-json/wp/v2/posts",
                &[
                    ("authorization", auth.as_str()),
                    ("content-type", content_type),
                ],
                Body::from(body),
                LOCAL,
            )
            .await
        }
    };
    raw("{\"title\": ", "application/json")
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_json");
    raw("[1, 2]", "application/json")
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_json");
    raw("<post/>", "application/xml").await.refused(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "rest_invalid_content_type",
    );
    let wrong_type = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "T", "sticky": "maybe" }),
        )
        .await;
    wrong_type.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(wrong_type.json["data"]["params"]["sticky"].is_string());
    let no_title = ed
        .post("/wp-json/wp/v2/posts", json!({ "title": "  " }))
        .await;
    no_title.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert_eq!(
        no_title.json["data"]["params"]["title"],
        "A story needs a headline."
    );
    ed.post(
        "/wp-json/wp/v2/posts",
        json!({ "title": "T", "status": "limbo" }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    ed.post(
        "/wp-json/wp/v2/posts",
        json!({ "title": "T", "tags": [999999] }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    ed.post(
        "/wp-json/wp/v2/posts",
        json!({ "title": "T", "meta": { "colour": "red" } }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    ed.post("/wp-json/wp/v2/posts/999999", json!({ "title": "T" }))
        .await
        .refused(StatusCode::NOT_FOUND, "rest_post_invalid_id");
    let huge = format!(
        "{{\"title\": \"T\", \"content\": \"{}\"}}",
        "x".repeat(9 << 20)
    );
    let too_big = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/posts",
        &[
            ("authorization", ed.auth.as_str()),
            ("content-type", "application/json"),
        ],
        Body::from(huge),
        LOCAL,
    )
    .await;
    too_big.refused(StatusCode::PAYLOAD_TOO_LARGE, "rest_request_too_large");
    // Without credentials nothing is written, and the answer says why.
    let anonymous = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/posts",
        &[("content-type", "application/json")],
        Body::from(json!({ "title": "Anonymous" }).to_string()),
        REMOTE,
    )
    .await;
    anonymous.refused(StatusCode::UNAUTHORIZED, "rest_cannot_create");
    let drafts = site
        .raw_pairs("SELECT 'n', COUNT(*) FROM articles WHERE title IN ('T', 'Anonymous')")
        .await;
    assert_eq!(drafts[0].1, 0, "nothing half-written");
}

/// A small PNG.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 7) as u8, ((x + y) * 3) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn images_are_uploaded_raw_or_as_a_form(site: TestSite) {
    let (author, author_id, _) = with_tool(&site, "abe", Role::Author).await;
    let raw = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/media?alt_text=Boats%20in%20the%20harbour",
        &[
            ("authorization", author.auth.as_str()),
            ("content-type", "image/png"),
            (
                "content-disposition",
                "attachment; filename=\"harbour boats.png\"",
            ),
        ],
        Body::from(png(800, 500)),
        LOCAL,
    )
    .await;
    assert_eq!(raw.status, StatusCode::CREATED, "{}", raw.json);
    assert_eq!(raw.json["alt_text"], "Boats in the harbour");
    assert_eq!(raw.json["media_type"], "image");
    assert_eq!(raw.json["author"], author_id);
    assert_eq!(raw.json["media_details"]["width"], 800);
    let sizes = raw.json["media_details"]["sizes"].as_object().unwrap();
    assert!(
        sizes.contains_key("full") && sizes.contains_key("w320"),
        "{sizes:?}"
    );
    let source = raw.json["source_url"].as_str().unwrap();
    let served = site.get_raw(source.trim_start_matches(ORIGIN), &[]).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "image/png");

    // As a multipart form, the way browsers and most libraries send files.
    let boundary = "newsdeskboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"alt_text\"\r\n\r\nA chart\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chart.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&png(300, 200));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let form = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/media",
        &[
            ("authorization", author.auth.as_str()),
            ("content-type", content_type.as_str()),
        ],
        Body::from(body),
        LOCAL,
    )
    .await;
    assert_eq!(form.status, StatusCode::CREATED, "{}", form.json);
    assert_eq!(form.json["alt_text"], "A chart");

    // Set as a story's featured image through the API.
    let image = raw.json["id"].as_i64().unwrap();
    let story = author
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Boats return", "featured_media": image, "status": "publish" }),
        )
        .await;
    assert_eq!(story.json["featured_media"], image, "{}", story.json);

    // What is not an image, or has no name, is refused with the library's reasons.
    let not_image = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/media",
        &[
            ("authorization", author.auth.as_str()),
            ("content-disposition", "attachment; filename=notes.png"),
        ],
        Body::from("just text"),
        LOCAL,
    )
    .await;
    not_image.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(
        not_image.json["data"]["params"]["file"]
            .as_str()
            .unwrap()
            .contains("not an image")
    );
    let nameless = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/media",
        &[("authorization", author.auth.as_str())],
        Body::from(png(10, 10)),
        LOCAL,
    )
    .await;
    nameless.refused(
        StatusCode::BAD_REQUEST,
        "rest_upload_no_content_disposition",
    );
    let uploads = site
        .raw_pairs(&format!(
            "SELECT 'n', COUNT(*) FROM media WHERE uploaded_by = {author_id}"
        ))
        .await;
    assert_eq!(
        uploads[0].1, 2,
        "two uploads kept, nothing of the refused ones"
    );
}

async fn answers_with_credentials_are_private(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    // A public answer, cached for everyone.
    let public = site.get("/wp-json/wp/v2/posts?per_page=2").await;
    assert!(
        public.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("public")
    );
    // The same address with credentials: the person's own answer, kept by no cache.
    let mine = ed.get("/wp-json/wp/v2/posts?per_page=2").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.header("cache-control"), "private, no-store");
    assert!(mine.header("etag").is_empty());
    // A draft read with credentials never reaches a reader through the cache.
    let draft = ed
        .post("/wp-json/wp/v2/posts", json!({ "title": "Secret plans" }))
        .await;
    let path = format!("/wp-json/wp/v2/posts/{}", draft.json["id"]);
    assert_eq!(ed.get(&path).await.status, StatusCode::OK);
    let reader = site.get(&path).await;
    assert_eq!(reader.status, StatusCode::NOT_FOUND);
    assert!(!reader.body.contains("Secret plans"));
}

async fn newsroom_lists_show_what_each_person_may_see(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let (cora, _, _) = with_tool(&site, "cora", Role::Contributor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let ids = |a: &Answer| -> Vec<i64> {
        a.json
            .as_array()
            .unwrap_or_else(|| panic!("a list: {}", a.json))
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    let eds = ed
        .post("/wp-json/wp/v2/posts", json!({ "title": "Editor's draft" }))
        .await;
    let coras = cora
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Contributor's draft" }),
        )
        .await;
    let (eds, coras) = (
        eds.json["id"].as_i64().unwrap(),
        coras.json["id"].as_i64().unwrap(),
    );
    let protected = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Locked", "content": "<p>Members only</p>", "password": "secret", "status": "publish" }),
        )
        .await;
    let locked = protected.json["id"].as_i64().unwrap();

    let drafts = ed
        .get("/wp-json/wp/v2/posts?status=draft&orderby=id&order=asc")
        .await;
    assert_eq!(ids(&drafts), vec![eds, coras]);
    assert_eq!(drafts.header("x-wp-total"), "2");
    assert!(drafts.json[0]["date_gmt"].is_null());
    assert_eq!(drafts.json[0]["status"], "draft");
    // Contributors and authors see their own drafts only.
    assert_eq!(
        ids(&cora.get("/wp-json/wp/v2/posts?status=draft").await),
        vec![coras]
    );
    assert!(ids(&abe.get("/wp-json/wp/v2/posts?status=draft").await).is_empty());
    // `any` is every state but the trash.
    let any = ed
        .get(&format!(
            "/wp-json/wp/v2/posts?status=any&include={eds},{locked}&orderby=id&order=asc"
        ))
        .await;
    assert_eq!(ids(&any), vec![eds, locked]);
    // The public may not ask.
    let public = site.get("/wp-json/wp/v2/posts?status=draft").await;
    assert_eq!(public.status, StatusCode::UNAUTHORIZED);
    assert!(public.body.contains("rest_forbidden_status"));
    ed.get("/wp-json/wp/v2/posts?status=limbo")
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    abe.get("/wp-json/wp/v2/pages?status=draft")
        .await
        .refused(StatusCode::FORBIDDEN, "rest_forbidden_status");

    // `context=edit`: raw text and passwords only of what the reader may edit.
    let path = format!("/wp-json/wp/v2/posts?include={locked}&context=edit");
    let as_editor = ed.get(&path).await;
    assert_eq!(as_editor.json[0]["password"], "secret");
    assert_eq!(as_editor.json[0]["content"]["raw"], "<p>Members only</p>");
    let as_contributor = cora.get(&path).await;
    assert_eq!(as_contributor.status, StatusCode::OK);
    assert!(as_contributor.json[0].get("password").is_none());
    assert!(as_contributor.json[0]["content"].get("raw").is_none());
    assert_eq!(as_contributor.json[0]["content"]["rendered"], "");
    assert_eq!(as_contributor.json[0]["content"]["protected"], true);
    // Without credentials `context=edit` stays refused.
    let anonymous = site.get(&path).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

async fn pages_are_written_by_those_who_manage_pages(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let parent = ed
        .post(
            "/wp-json/wp/v2/pages",
            json!({ "title": "Reader standards", "content": "<p>Our policy.</p>", "status": "publish" }),
        )
        .await;
    assert_eq!(parent.status, StatusCode::CREATED, "{}", parent.json);
    assert_eq!(parent.json["type"], "page");
    let parent_id = parent.json["id"].as_i64().unwrap();
    let child = ed
        .post(
            "/wp-json/wp/v2/pages",
            json!({ "title": "How to ask", "parent": parent_id, "menu_order": 3, "status": "publish" }),
        )
        .await;
    assert_eq!(child.json["parent"], parent_id, "{}", child.json);
    assert_eq!(child.json["menu_order"], 3);
    assert_eq!(
        child.json["link"],
        format!("{ORIGIN}/reader-standards/how-to-ask/")
    );
    let page = site.get("/reader-standards/how-to-ask/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("How to ask"));
    let child_id = child.json["id"].as_i64().unwrap();

    // A draft page is the newsroom's.
    let draft = ed
        .post("/wp-json/wp/v2/pages", json!({ "title": "Masthead" }))
        .await;
    let draft_path = format!("/wp-json/wp/v2/pages/{}", draft.json["id"]);
    assert_eq!(draft.json["status"], "draft");
    assert_eq!(ed.get(&draft_path).await.json["status"], "draft");
    assert_eq!(site.get(&draft_path).await.status, StatusCode::NOT_FOUND);

    // Authors have no rights over pages, as in WordPress.
    abe.post("/wp-json/wp/v2/pages", json!({ "title": "Mine" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_create");
    abe.post(
        &format!("/wp-json/wp/v2/pages/{child_id}"),
        json!({ "title": "Mine" }),
    )
    .await
    .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    // What pages do not have is refused, not dropped.
    ed.post(
        "/wp-json/wp/v2/pages",
        json!({ "title": "Filed", "categories": [1] }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    ed.post(
        "/wp-json/wp/v2/pages",
        json!({ "title": "Later", "status": "future" }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    // A page cannot sit under itself.
    ed.post(
        &format!("/wp-json/wp/v2/pages/{parent_id}"),
        json!({ "parent": child_id }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");

    // Deleted for good, the sub-page moves up a level.
    let gone = ed
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/pages/{parent_id}?force=true"),
            None,
        )
        .await;
    assert_eq!(gone.json["deleted"], true, "{}", gone.json);
    let moved = site.get(&format!("/wp-json/wp/v2/pages/{child_id}")).await;
    let moved: Value = serde_json::from_str(&moved.body).unwrap();
    assert_eq!(moved["parent"], 0);
    assert_eq!(moved["link"], format!("{ORIGIN}/how-to-ask/"));
}

async fn moderators_moderate_and_reply_through_the_api(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let held = site
        .raw_pairs("SELECT status, id FROM comments WHERE status = 'pending' ORDER BY id LIMIT 1")
        .await;
    let held = held.first().expect("the demo holds a comment").1;
    let path = format!("/wp-json/wp/v2/comments/{held}");
    // The public does not see a held comment; a moderator does, with what only they may see.
    assert_eq!(site.get(&path).await.status, StatusCode::NOT_FOUND);
    let seen = ed.get(&path).await;
    assert_eq!(seen.json["status"], "hold", "{}", seen.json);
    assert!(seen.json["author_email"].is_string());
    assert!(seen.json["author_ip"].is_string());
    // Authors do not moderate.
    assert_eq!(abe.get(&path).await.status, StatusCode::NOT_FOUND);
    abe.post(&path, json!({ "status": "approved" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");

    let approved = ed.post(&path, json!({ "status": "approved" })).await;
    assert_eq!(approved.json["status"], "approved", "{}", approved.json);
    let public: Value = serde_json::from_str(&site.get(&path).await.body).unwrap();
    assert_eq!(public["status"], "approved");
    assert!(public.get("author_email").is_none(), "never to the public");

    // Corrected text and author, through the comment form's rules (plain text).
    let corrected = ed
        .call(
            "PUT",
            &path,
            Some(json!({ "content": "Fixed <b>typo</b>", "author_name": "A. Reader" })),
        )
        .await;
    assert_eq!(
        corrected.json["author_name"], "A. Reader",
        "{}",
        corrected.json
    );
    assert_eq!(corrected.json["content"]["raw"], "Fixed <b>typo</b>");
    assert!(
        corrected.json["content"]["rendered"]
            .as_str()
            .unwrap()
            .contains("Fixed &lt;b&gt;typo&lt;/b&gt;")
    );

    // A reply from the newsroom, published at once under the moderator's name.
    let reply = ed
        .post(
            "/wp-json/wp/v2/comments",
            json!({ "parent": held, "content": "Thanks, corrected." }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
    assert_eq!(reply.json["parent"], held);
    assert_eq!(reply.json["status"], "approved");
    assert_eq!(reply.json["author_name"], "Ed Surname");
    // Readers comment through the form; the API takes no anonymous comments.
    let anonymous = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/comments",
        &[("content-type", "application/json")],
        Body::from(json!({ "post": 1, "content": "Hi", "author_name": "X" }).to_string()),
        REMOTE,
    )
    .await;
    anonymous.refused(StatusCode::UNAUTHORIZED, "rest_comment_login_required");
    ed.post(&path, json!({ "status": "published" }))
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");

    // Spam, then gone for good.
    let spam = ed.post(&path, json!({ "status": "spam" })).await;
    assert_eq!(spam.json["status"], "spam");
    assert_eq!(site.get(&path).await.status, StatusCode::NOT_FOUND);
    let gone = ed.call("DELETE", &format!("{path}?force=true"), None).await;
    assert_eq!(gone.json["deleted"], true, "{}", gone.json);
    ed.get(&path)
        .await
        .refused(StatusCode::NOT_FOUND, "rest_comment_invalid_id");
    // The reply stays, a level up.
    let kept = ed
        .get(&format!("/wp-json/wp/v2/comments/{}", reply.json["id"]))
        .await;
    assert_eq!(kept.json["parent"], 0, "{}", kept.json);
}

async fn sections_tags_and_settings_for_those_who_manage_them(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let (boss, _, _) = with_tool(&site, "boss", Role::Administrator).await;
    // Sections: created under a parent, renamed (the old address keeps working), deleted.
    let made = ed
        .post(
            "/wp-json/wp/v2/categories",
            json!({ "name": "Harbour news", "description": "Boats and docks", "parent": 1 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let id = made.json["id"].as_i64().unwrap();
    assert_eq!(made.json["slug"], "harbour-news");
    assert_eq!(made.json["parent"], 1);
    assert_eq!(made.json["count"], 0);
    let old_link = made.json["link"].as_str().unwrap().to_owned();
    assert_eq!(
        site.get(old_link.trim_start_matches(ORIGIN)).await.status,
        StatusCode::OK
    );
    let renamed = ed
        .post(
            &format!("/wp-json/wp/v2/categories/{id}"),
            json!({ "name": "Port news", "slug": "port-news" }),
        )
        .await;
    assert_eq!(renamed.json["name"], "Port news", "{}", renamed.json);
    assert_eq!(renamed.json["description"], "Boats and docks", "kept");
    let moved = site.get(old_link.trim_start_matches(ORIGIN)).await;
    assert_eq!(moved.status, StatusCode::PERMANENT_REDIRECT);
    assert!(
        moved.location().contains("/port-news/"),
        "{}",
        moved.location()
    );
    ed.post("/wp-json/wp/v2/categories", json!({ "name": "" }))
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    ed.post(
        "/wp-json/wp/v2/categories",
        json!({ "description": "no name" }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_missing_callback_param");
    abe.post("/wp-json/wp/v2/categories", json!({ "name": "Mine" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_create");
    ed.call("DELETE", &format!("/wp-json/wp/v2/categories/{id}"), None)
        .await
        .refused(StatusCode::NOT_IMPLEMENTED, "rest_trash_not_supported");
    let deleted = ed
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/categories/{id}?force=true"),
            None,
        )
        .await;
    assert_eq!(deleted.json["deleted"], true, "{}", deleted.json);
    assert_eq!(deleted.json["previous"]["name"], "Port news");
    assert_eq!(
        site.get(&format!("/wp-json/wp/v2/categories/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Tags.
    let tag = ed
        .post("/wp-json/wp/v2/tags", json!({ "name": "Ferries" }))
        .await;
    assert_eq!(tag.status, StatusCode::CREATED, "{}", tag.json);
    let tag_id = tag.json["id"].as_i64().unwrap();
    let taken = ed
        .post(
            "/wp-json/wp/v2/tags",
            json!({ "name": "Other", "slug": "ferries" }),
        )
        .await;
    taken.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(taken.json["data"]["params"]["slug"].is_string());
    let story = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Ferry timetable", "tags": [tag_id], "status": "publish" }),
        )
        .await;
    assert_eq!(story.json["tags"], json!([tag_id]), "{}", story.json);
    let counted = site.get(&format!("/wp-json/wp/v2/tags/{tag_id}")).await;
    assert!(counted.body.contains("\"count\":1"), "{}", counted.body);
    let gone = ed
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/tags/{tag_id}?force=true"),
            None,
        )
        .await;
    assert_eq!(gone.json["deleted"], true, "{}", gone.json);

    // Settings: administrators only, in WordPress's names, checked before anything is stored.
    ed.get("/wp-json/wp/v2/settings")
        .await
        .refused(StatusCode::FORBIDDEN, "rest_forbidden");
    let settings = boss.get("/wp-json/wp/v2/settings").await;
    assert_eq!(
        settings.json["title"], "Newsdesk Daily",
        "{}",
        settings.json
    );
    let changed = boss
        .post(
            "/wp-json/wp/v2/settings",
            json!({ "title": "Harbour Times", "description": "News from the docks", "timezone": "Europe/Paris", "posts_per_page": 12 }),
        )
        .await;
    assert_eq!(changed.json["title"], "Harbour Times", "{}", changed.json);
    assert_eq!(changed.json["description"], "News from the docks");
    assert_eq!(changed.json["timezone"], "Europe/Paris");
    assert_eq!(changed.json["posts_per_page"], 12);
    assert!(site.get("/").await.body.contains("Harbour Times"));
    let bad = boss
        .post(
            "/wp-json/wp/v2/settings",
            json!({ "title": "Not kept", "timezone": "Mars/Olympus" }),
        )
        .await;
    bad.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(bad.json["data"]["params"]["timezone"].is_string());
    assert_eq!(
        boss.get("/wp-json/wp/v2/settings").await.json["title"],
        "Harbour Times",
        "nothing stored from a refused change"
    );
    boss.post("/wp-json/wp/v2/settings", json!({ "blogname": "x" }))
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
}

async fn revisions_and_autosaves_of_what_one_may_edit(site: TestSite) {
    let (ed, ed_id, _) = with_tool(&site, "ed", Role::Editor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let made = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "First take", "content": "<p>One</p>" }),
        )
        .await;
    let id = made.json["id"].as_i64().unwrap();
    let path = format!("/wp-json/wp/v2/posts/{id}");
    ed.post(
        &path,
        json!({ "title": "Second take", "content": "<p>Two</p>" }),
    )
    .await;
    let revisions = ed.get(&format!("{path}/revisions")).await;
    let list = revisions
        .json
        .as_array()
        .unwrap_or_else(|| panic!("{}", revisions.json));
    let titles: Vec<&str> = list
        .iter()
        .map(|r| r["title"]["raw"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Second take", "First take"], "newest first");
    assert_eq!(list[0]["parent"], id);
    assert_eq!(list[0]["author"], ed_id);
    let rid = list[1]["id"].as_i64().unwrap();
    let older = ed.get(&format!("{path}/revisions/{rid}")).await;
    assert_eq!(older.json["content"]["raw"], "<p>One</p>");
    // Not for someone who may not edit the story, nor for the public.
    abe.get(&format!("{path}/revisions"))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_read");
    assert_eq!(
        site.get(&format!("{path}/revisions")).await.status,
        StatusCode::UNAUTHORIZED
    );
    ed.get("/wp-json/wp/v2/posts/999999/revisions")
        .await
        .refused(StatusCode::NOT_FOUND, "rest_post_invalid_parent");

    // An autosave keeps the person's text apart: the story is unchanged until saved.
    assert_eq!(ed.get(&format!("{path}/autosaves")).await.json, json!([]));
    let kept = ed
        .post(
            &format!("{path}/autosaves"),
            json!({ "title": "Third take (typing)", "content": "<p>Three</p>" }),
        )
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.json);
    let autosaves = ed.get(&format!("{path}/autosaves")).await;
    assert_eq!(autosaves.json[0]["title"]["raw"], "Third take (typing)");
    assert_eq!(ed.get(&path).await.json["title"]["raw"], "Second take");
    // Saving the story takes the autosave's place.
    ed.post(&path, json!({ "title": "Third take" })).await;
    assert_eq!(ed.get(&format!("{path}/autosaves")).await.json, json!([]));
}

async fn refusals_change_nothing(site: TestSite) {
    let (cora, _, _) = with_tool(&site, "cora", Role::Contributor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    // A contributor may trash a draft of theirs, not delete it for good: refused before
    // anything is written, so the draft stays theirs.
    let draft = cora
        .post("/wp-json/wp/v2/posts", json!({ "title": "Keep me" }))
        .await;
    let path = format!("/wp-json/wp/v2/posts/{}", draft.json["id"]);
    cora.call("DELETE", &format!("{path}?force=true"), None)
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_delete");
    assert_eq!(cora.get(&path).await.json["status"], "draft");
    // What the role may not set is refused, not silently dropped.
    let own = abe
        .post("/wp-json/wp/v2/posts", json!({ "title": "Abe's" }))
        .await;
    let own_path = format!("/wp-json/wp/v2/posts/{}", own.json["id"]);
    abe.post(&own_path, json!({ "sticky": true }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_assign_sticky");
    cora.post(&path, json!({ "password": "secret" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_publish");
    // Too many tags is a clear refusal, not a database error.
    let many: Vec<i64> = (1..=5000).collect();
    ed.post(
        "/wp-json/wp/v2/posts",
        json!({ "title": "Tagged", "tags": many }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    // A comment change with a bad state changes nothing at all.
    let approved = site
        .raw_pairs("SELECT body, id FROM comments WHERE status = 'approved' ORDER BY id LIMIT 1")
        .await
        .remove(0);
    let comment = format!("/wp-json/wp/v2/comments/{}", approved.1);
    ed.post(
        &comment,
        json!({ "content": "Rewritten", "status": "approve d" }),
    )
    .await
    .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert_eq!(ed.get(&comment).await.json["content"]["raw"], approved.0);
    // A tool's application password makes no more of them.
    ed.post(
        "/wp-json/wp/v2/users/me/application-passwords",
        json!({ "name": "Another" }),
    )
    .await
    .refused(
        StatusCode::FORBIDDEN,
        "rest_cannot_manage_application_passwords",
    );
    // A session nonce however encoded makes the answer private: never kept for the public.
    let staff = site.staff("mira", Role::Editor).await;
    let encoded = format!(
        "/wp-json/wp/v2/users/me?context=edit&%5Fwpnonce={}",
        staff.csrf
    );
    let mine = send(
        site.app.clone(),
        "GET",
        &encoded,
        &[("cookie", staff.cookie.as_str())],
        Body::empty(),
        REMOTE,
    )
    .await;
    assert_eq!(mine.json["username"], "mira", "{}", mine.json);
    assert_eq!(mine.header("cache-control"), "private, no-store");
    let stranger = send(
        site.app.clone(),
        "GET",
        &encoded,
        &[],
        Body::empty(),
        REMOTE,
    )
    .await;
    assert!(stranger.json.get("username").is_none(), "{}", stranger.json);
}

async fn clients_round_trip_what_they_read(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    // A tag renamed after it was made keeps its slug; saving a story carrying it keeps it.
    let tag = ed
        .post("/wp-json/wp/v2/tags", json!({ "name": "Covid" }))
        .await;
    let tag_id = tag.json["id"].as_i64().unwrap();
    let made = ed
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Vaccines", "tags": [tag_id] }),
        )
        .await;
    let path = format!("/wp-json/wp/v2/posts/{}", made.json["id"]);
    ed.post(
        &format!("/wp-json/wp/v2/tags/{tag_id}"),
        json!({ "name": "COVID-19" }),
    )
    .await;
    let saved = ed.post(&path, json!({ "title": "Vaccines arrive" })).await;
    assert_eq!(saved.json["tags"], json!([tag_id]), "{}", saved.json);
    // A tag whose slug is not made from its name is found by its name.
    let cpp = ed
        .post("/wp-json/wp/v2/tags", json!({ "name": "C++" }))
        .await;
    let c = ed.post("/wp-json/wp/v2/tags", json!({ "name": "C" })).await;
    assert_ne!(cpp.json["slug"], c.json["slug"]);
    let tagged = ed.post(&path, json!({ "tags": [c.json["id"]] })).await;
    assert_eq!(
        tagged.json["tags"],
        json!([c.json["id"]]),
        "{}",
        tagged.json
    );

    // A draft read and written back whole stays a draft without a publication time.
    let read = ed.get(&path).await;
    assert_eq!(read.json["date_gmt"], Value::Null);
    assert_eq!(
        read.header("allow"),
        "GET, POST, PUT, PATCH, DELETE",
        "the person may edit it"
    );
    let mut whole = read.json.clone();
    whole["title"] = json!("Vaccines arrive today");
    let written = ed.call("PUT", &path, Some(whole)).await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.json);
    assert_eq!(written.json["status"], "draft");
    assert_eq!(written.json["date_gmt"], Value::Null, "{}", written.json);

    // WordPress's method override, for clients that only send GET and POST.
    let trashed = ed
        .call("POST", &format!("{path}?_method=DELETE"), None)
        .await;
    assert_eq!(trashed.json["status"], "trash", "{}", trashed.json);
    // `_envelope` reports what a write really answered.
    let enveloped = ed
        .post(
            "/wp-json/wp/v2/posts?_envelope",
            json!({ "title": "Wrapped" }),
        )
        .await;
    assert_eq!(enveloped.status, StatusCode::OK);
    assert_eq!(enveloped.json["status"], 201, "{}", enveloped.json);
    assert_eq!(enveloped.json["body"]["title"]["raw"], "Wrapped");
}

async fn moderators_list_comments_in_any_state(site: TestSite) {
    let (ed, _, _) = with_tool(&site, "ed", Role::Editor).await;
    let (abe, _, _) = with_tool(&site, "abe", Role::Author).await;
    let held = site
        .raw_pairs("SELECT 'n', COUNT(*) FROM comments WHERE status = 'pending'")
        .await[0]
        .1;
    assert!(held > 0, "the demo holds comments");
    let list = ed
        .get("/wp-json/wp/v2/comments?status=hold&per_page=100")
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.json);
    assert_eq!(list.header("x-wp-total"), held.to_string());
    let items = list.json.as_array().unwrap();
    assert!(items.iter().all(|c| c["status"] == "hold"));
    assert!(items.iter().all(|c| c["author_email"].is_string()));
    // Approved ones with `context=edit`: the same list as the public's, with the details.
    let public = site.get("/wp-json/wp/v2/comments?per_page=1").await;
    let edit = ed
        .get("/wp-json/wp/v2/comments?per_page=1&context=edit")
        .await;
    assert_eq!(
        edit.header("x-wp-total"),
        public.headers["x-wp-total"].to_str().unwrap()
    );
    assert!(edit.json[0]["author_ip"].is_string(), "{}", edit.json);
    // Not for authors, nor the public.
    abe.get("/wp-json/wp/v2/comments?status=hold")
        .await
        .refused(StatusCode::UNAUTHORIZED, "rest_forbidden_param");
    let anonymous = site.get("/wp-json/wp/v2/comments?status=spam").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    ed.get("/wp-json/wp/v2/comments?status=deleted")
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
}
