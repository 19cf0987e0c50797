//! Signing in to the newsroom admin: sessions, CSRF, throttling, set-password links.

use axum::http::StatusCode;
use newsdesk::actions::{Actor, accounts};
use newsdesk::domain::user::Role;

use crate::support::{ORIGIN, STAFF_PASSWORD, TestSite};

on_both_backends!(empty:
    signing_in_sets_a_private_session_cookie_and_strict_headers,
    unknown_logins_and_wrong_passwords_get_the_same_answer,
    state_changes_need_the_token_and_the_sites_origin,
    repeated_failures_are_throttled_with_retry_after,
    signing_out_everywhere_ends_every_session,
    idle_and_disabled_sessions_end,
    invitation_links_set_a_password_once,
);

async fn login_attempt(
    site: &TestSite,
    login: &str,
    password: &str,
    ip: &str,
) -> crate::support::Page {
    let form = site.get("/admin/login").await;
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    site.post_form_with(
        "/admin/login",
        &[("_csrf", &token), ("login", login), ("password", password)],
        ip,
        &[("origin", ORIGIN)],
    )
    .await
}

async fn signing_in_sets_a_private_session_cookie_and_strict_headers(site: TestSite) {
    let anonymous = site.get("/admin/").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), "/admin/login?next=/admin/");
    site.add_staff("mira", Role::Editor).await;
    let res = login_attempt(&site, "mira", STAFF_PASSWORD, "192.0.2.1").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/admin/");
    let set_cookie = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    for part in [
        "newsdesk_session=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/admin",
    ] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let dash = site.get_with_cookie("/admin/", Some(&res.cookies())).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("Mira Surname"));
    let h = |name: &str| dash.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(h("content-security-policy").contains("script-src 'self'"));
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert_eq!(h("x-content-type-options"), "nosniff");
    // Served over HTTPS (here: behind a proxy that says so), the cookie is `Secure`.
    let behind_tls = newsdesk::app(newsdesk::AppState::with_options(
        site.store.clone(),
        newsdesk::render::Theme::load(None).unwrap(),
        newsdesk::AppOptions {
            behind_proxy: true,
            ..Default::default()
        },
    ));
    let token = site
        .get("/admin/login")
        .await
        .attrs("input[name=_csrf]", "value")
        .remove(0);
    let res = crate::support::post_form_to(
        behind_tls,
        "/admin/login",
        &[
            ("_csrf", &token),
            ("login", "mira"),
            ("password", STAFF_PASSWORD),
        ],
        "192.0.2.1",
        &[
            ("origin", "https://localhost"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let set_cookie = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    // `next` never leads off the admin.
    let form = site.get("/admin/login?next=https://evil.example/").await;
    assert_eq!(form.attrs("input[name=next]", "value"), ["/admin/"]);
}

async fn unknown_logins_and_wrong_passwords_get_the_same_answer(site: TestSite) {
    site.add_staff("mira", Role::Author).await;
    let wrong = login_attempt(&site, "mira", "not the password", "192.0.2.2").await;
    let unknown = login_attempt(&site, "nobody-here", "not the password", "192.0.2.3").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, wrong.status);
    let message = |p: &crate::support::Page| p.texts(".error-summary");
    assert_eq!(message(&wrong), ["The login or password is not right."]);
    assert_eq!(message(&unknown), message(&wrong));
    assert!(wrong.headers.get("set-cookie").is_none());
    // The login typed is kept; the password is not.
    assert_eq!(wrong.attrs("#login", "value"), ["mira"]);
    assert_eq!(wrong.attrs("#password", "value"), Vec::<String>::new());
    // A disabled account answers the same.
    let id = site.add_staff("gone", Role::Author).await;
    accounts::set_disabled(&site.store, Actor::Operator, id, true)
        .await
        .unwrap();
    let disabled = login_attempt(&site, "gone", STAFF_PASSWORD, "192.0.2.4").await;
    assert_eq!(message(&disabled), message(&wrong));
}

async fn state_changes_need_the_token_and_the_sites_origin(site: TestSite) {
    let mira = site.staff("mira", Role::Editor).await;
    let sessions = || site.store.session_count(mira.id);
    assert_eq!(sessions().await.unwrap(), 1);
    let cookie = mira.cookie.as_str();
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    // (case, form fields, request headers)
    let cases: [(&str, Fields, Fields); 4] = [
        (
            "no token",
            vec![],
            vec![("cookie", cookie), ("origin", ORIGIN)],
        ),
        (
            "wrong token",
            vec![("_csrf", "0000")],
            vec![("cookie", cookie), ("origin", ORIGIN)],
        ),
        (
            "other site",
            vec![("_csrf", &mira.csrf)],
            vec![("cookie", cookie), ("origin", "https://evil.example")],
        ),
        (
            "no origin",
            vec![("_csrf", &mira.csrf)],
            vec![("cookie", cookie)],
        ),
    ];
    for (case, fields, headers) in cases {
        let res = site
            .post_form_with("/admin/logout", &fields, "192.0.2.5", &headers)
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{case}");
        assert!(res.body.contains("nothing was changed"), "{case}");
        assert_eq!(sessions().await.unwrap(), 1, "{case}: the session survives");
    }
    // A browser that sends only `Referer` from the site itself is accepted.
    let res = site
        .post_form_with(
            "/admin/logout",
            &[("_csrf", &mira.csrf)],
            "192.0.2.5",
            &[("cookie", cookie), ("referer", "http://localhost/admin/")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(sessions().await.unwrap(), 0);
}

async fn repeated_failures_are_throttled_with_retry_after(site: TestSite) {
    site.add_staff("mira", Role::Author).await;
    for i in 0..5 {
        let res = login_attempt(&site, "mira", "guess", "198.51.100.1").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
    }
    // Even the right password waits now, from that address (others: see
    // `hardening_throttle`).
    let res = login_attempt(&site, "mira", STAFF_PASSWORD, "198.51.100.1").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(res.texts(".error-summary")[0].starts_with("Too many failed sign-ins. Try again in"));
    // Unknown logins are throttled the same way, so throttling reveals nothing.
    for _ in 0..5 {
        login_attempt(&site, "nobody", "guess", "203.0.113.1").await;
    }
    let res = login_attempt(&site, "nobody", "guess", "203.0.113.1").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // The wait doubles with each failure past the free ones.
    site.raw_execute(
        "UPDATE login_throttle SET locked_until = NULL \
         WHERE throttle_key = 'login-at:198.51.100.1 mira'",
    )
    .await;
    let res = login_attempt(&site, "mira", "guess again", "198.51.100.1").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = login_attempt(&site, "mira", STAFF_PASSWORD, "198.51.100.1").await;
    let retry: u64 = res
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((31..=60).contains(&retry), "{retry}");
    // Guesses sent all at once each count: no more than the free ones are even checked.
    site.add_staff("omar", Role::Author).await;
    let token = site
        .get("/admin/login")
        .await
        .attrs("input[name=_csrf]", "value")
        .remove(0);
    let burst = (0..12).map(|_| {
        let (app, token) = (site.app.clone(), token.clone());
        async move {
            crate::support::post_form_to(
                app,
                "/admin/login",
                &[("_csrf", &token), ("login", "omar"), ("password", "guess")],
                "198.18.0.1",
                &[("origin", ORIGIN)],
            )
            .await
            .status
        }
    });
    let statuses = futures_util::future::join_all(burst).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + throttled, 12, "{statuses:?}");
    assert!(
        checked <= 5,
        "{checked} parallel guesses were checked: {statuses:?}"
    );
    // One address guessing many accounts is throttled too.
    for i in 0..20 {
        login_attempt(&site, &format!("user{i}"), "guess", "192.0.2.200").await;
    }
    let res = login_attempt(&site, "someone-else", "guess", "192.0.2.200").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn signing_out_everywhere_ends_every_session(site: TestSite) {
    let laptop = site.staff("mira", Role::Author).await;
    let phone = site.sign_in(laptop.id, "mira").await;
    assert_eq!(
        site.admin_get(&phone, "/admin/").await.status,
        StatusCode::OK
    );
    let res = site
        .admin_post(&laptop, "/admin/logout-everywhere", &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/admin/login?m=everywhere");
    for who in [&laptop, &phone] {
        let res = site.admin_get(who, "/admin/").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(res.location().starts_with("/admin/login"));
    }
    let page = site.get("/admin/login?m=everywhere").await;
    assert_eq!(
        page.texts(".flash"),
        ["You are signed out on every device."]
    );
}

async fn idle_and_disabled_sessions_end(site: TestSite) {
    let ago = |d: chrono::Duration| (chrono::Utc::now() - d).to_rfc3339();
    let mira = site.staff("mira", Role::Author).await;
    // Idle for longer than 12 hours.
    site.raw_execute(&format!(
        "UPDATE sessions SET last_seen_at = '{}'",
        ago(chrono::Duration::hours(13))
    ))
    .await;
    let res = site.admin_get(&mira, "/admin/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "idle for 13 hours");
    assert_eq!(site.store.session_count(mira.id).await.unwrap(), 0);
    // In use all along, but older than 14 days.
    let again = site.sign_in(mira.id, "mira").await;
    site.raw_execute(&format!(
        "UPDATE sessions SET created_at = '{}', last_seen_at = '{}'",
        ago(chrono::Duration::days(15)),
        ago(chrono::Duration::minutes(5))
    ))
    .await;
    assert_eq!(
        site.admin_get(&again, "/admin/").await.status,
        StatusCode::SEE_OTHER,
        "15 days old"
    );
    // A new password ends every session.
    let before_reset = site.sign_in(mira.id, "mira").await;
    accounts::set_password(&site.store, Actor::Operator, mira.id, STAFF_PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        site.admin_get(&before_reset, "/admin/").await.status,
        StatusCode::SEE_OTHER,
        "signed out by the password change"
    );
    // A disabled account's sessions end at once.
    let third = site.sign_in(mira.id, "mira").await;
    assert_eq!(
        site.admin_get(&third, "/admin/").await.status,
        StatusCode::OK
    );
    accounts::set_disabled(&site.store, Actor::Operator, mira.id, true)
        .await
        .unwrap();
    assert_eq!(
        site.admin_get(&third, "/admin/").await.status,
        StatusCode::SEE_OTHER
    );
}

async fn invitation_links_set_a_password_once(site: TestSite) {
    let account = accounts::NewAccount {
        login: "newbie".into(),
        email: "newbie@news.example".into(),
        display_name: "New Reporter".into(),
        role: Role::Contributor,
        password: None,
    };
    let now = chrono::Utc::now();
    let id = accounts::add_user(&site.store, Actor::Operator, &account, now)
        .await
        .unwrap();
    let token = accounts::password_link(
        &site.store,
        Actor::Operator,
        id,
        accounts::LinkPurpose::Invite,
        now,
    )
    .await
    .unwrap();
    let path = format!("/admin/password/{token}");
    let page = site.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("New Reporter"));
    let csrf = page.attrs("input[name=_csrf]", "value").remove(0);
    let post = |pw: &'static str, repeat: &'static str| {
        let (path, csrf) = (path.clone(), csrf.clone());
        let site = &site;
        async move {
            site.post_form_with(
                &path,
                &[("_csrf", &csrf), ("password", pw), ("repeat", repeat)],
                "192.0.2.9",
                &[("origin", ORIGIN)],
            )
            .await
        }
    };
    let res = post(
        "correct horse battery staple",
        "correct horse battery stapler",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts(".error-summary"),
        ["The two passwords are not the same."]
    );
    let res = post("short", "short").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.texts(".error-summary")[0].contains("at least 10 characters"));
    let res = post(
        "correct horse battery staple",
        "correct horse battery staple",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/admin/login?m=password-set");
    let used = site.get(&path).await;
    assert_eq!(used.status, StatusCode::NOT_FOUND);
    assert!(used.body.contains("This link no longer works"));
    site.sign_in(id, "newbie").await;
}
