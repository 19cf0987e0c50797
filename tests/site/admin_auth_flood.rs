//! A flood of sign-ins: password hashing (argon2id) runs at most one per core at a time, off the
//! async workers, so readers keep being served; a sign-in that cannot get a turn in time is
//! told to try again (503, `Retry-After`), without being counted as a failed attempt.

use std::time::Instant;

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::support::{ORIGIN, STAFF_PASSWORD, TestSite, post_form_to};

on_both_backends!(demo:
    queued_sign_ins_all_complete_while_readers_are_served,
    a_sign_in_without_a_hashing_turn_is_told_to_try_again,
);

/// The login form's fields for `login`, with a fresh form token.
async fn login_form(site: &TestSite, login: &str) -> Vec<(String, String)> {
    let form = site.get("/admin/login").await;
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    vec![
        ("_csrf".to_owned(), token),
        ("login".to_owned(), login.to_owned()),
        ("password".to_owned(), STAFF_PASSWORD.to_owned()),
    ]
}

async fn queued_sign_ins_all_complete_while_readers_are_served(site: TestSite) {
    let slots = newsdesk::store::hashing_slots();
    let n = (slots * 2).min(8);
    let mut forms = Vec::new();
    for i in 0..n {
        let login = format!("reporter{i}");
        site.add_staff(&login, Role::Author).await;
        forms.push(login_form(&site, &login).await);
    }
    // A flood has taken every hashing turn: the sign-ins queue for them...
    let held = site.store.hold_every_hashing_turn().await;
    let started = Instant::now();
    let mut sign_ins = tokio::task::JoinSet::new();
    for (i, form) in forms.into_iter().enumerate() {
        let app = site.app.clone();
        sign_ins.spawn(async move {
            let fields: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            // Each from an address of its own, as many people signing in at once are.
            let ip = format!("192.0.2.{}", 20 + i);
            post_form_to(app, "/admin/login", &fields, &ip, &[("origin", ORIGIN)]).await
        });
    }
    // ...while readers are served, pages rendered and kept alike.
    let story = site.url_of(crate::comments::REFERENCE).await;
    for path in ["/", "/", story.as_str(), story.as_str()] {
        assert_eq!(site.get(path).await.status, StatusCode::OK, "{path}");
    }
    let readers = started.elapsed();
    assert!(
        sign_ins.try_join_next().is_none(),
        "no sign-in was checked without a turn"
    );
    // As turns come free, every sign-in is checked, a core at a time.
    drop(held);
    while let Some(done) = sign_ins.join_next().await {
        let res = done.unwrap();
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "a sign-in failed: {}",
            res.body
        );
        assert!(
            res.cookies().contains("newsdesk_session="),
            "{}",
            res.cookies()
        );
    }
    println!(
        "{:?}: 4 reader pages in {readers:?} while {n} sign-ins waited; the {n} sign-ins \
         ({slots} at a time) done {:?} after they were sent",
        site.backend,
        started.elapsed()
    );
}

async fn a_sign_in_without_a_hashing_turn_is_told_to_try_again(site: TestSite) {
    site.add_staff("mira", Role::Editor).await;
    let form = login_form(&site, "mira").await;
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Every turn is taken, as by a flood of sign-ins.
    let held = site.store.hold_every_hashing_turn().await;
    let asked = Instant::now();
    let res = site
        .post_form_with("/admin/login", &fields, "192.0.2.50", &[("origin", ORIGIN)])
        .await;
    assert!(asked.elapsed() >= newsdesk::actions::accounts::HASHING_WAIT);
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.headers["retry-after"],
        newsdesk::actions::accounts::HASHING_RETRY_SECS
            .to_string()
            .as_str()
    );
    // The sign-in form again, with what to do, and nothing internal.
    assert!(res.body.contains(newsdesk::error::BUSY), "{}", res.body);
    assert_eq!(res.attrs("input[name=login]", "value"), ["mira"]);
    assert!(!res.body.contains("retry after"), "{}", res.body);
    assert!(!res.cookies().contains("newsdesk_session="));
    // Readers are served all the while.
    assert_eq!(site.get("/").await.status, StatusCode::OK);
    // The attempt was never checked, so it does not count towards the sign-in limits.
    let counted = site
        .raw_pairs("SELECT throttle_key, failures FROM login_throttle")
        .await;
    assert!(counted.iter().all(|(_, n)| *n == 0), "{counted:?}");
    // Once a turn is free, the same form signs in.
    drop(held);
    let form = login_form(&site, "mira").await;
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = site
        .post_form_with("/admin/login", &fields, "192.0.2.50", &[("origin", ORIGIN)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}
