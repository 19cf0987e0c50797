//! Sign-in throttling counts failures per login *and* address, per address, and per login from
//! everywhere (a slower limit): a stranger guessing from elsewhere does not lock the real
//! person out, but guesses spread over many addresses are still held back.

use chrono::{Duration, Utc};
use newsdesk::actions::{ActionError, accounts};
use newsdesk::domain::user::Role;

use crate::support::{STAFF_PASSWORD, TestSite};

on_both_backends!(empty:
    failures_from_one_address_do_not_stop_the_person_elsewhere,
    failures_from_many_addresses_throttle_the_login_everywhere,
    the_per_address_limits_still_hold,
);

async fn attempt(
    site: &TestSite,
    login: &str,
    password: &str,
    ip: &str,
    at: chrono::DateTime<Utc>,
) -> Result<String, ActionError> {
    accounts::sign_in(&site.store, login, password, ip, "test", at).await
}

fn wait_of(r: Result<String, ActionError>) -> u64 {
    match r {
        Err(ActionError::RateLimited { retry_after_secs }) => retry_after_secs,
        other => panic!("not throttled: {other:?}"),
    }
}

fn refused(r: &Result<String, ActionError>) -> bool {
    matches!(r, Err(ActionError::Invalid { field: "login", .. }))
}

async fn failures_from_one_address_do_not_stop_the_person_elsewhere(site: TestSite) {
    site.add_staff("mira", Role::Author).await;
    let now = Utc::now();
    for i in 0..5 {
        let r = attempt(&site, "mira", "guess", "203.0.113.9", now).await;
        assert!(refused(&r), "attempt {i}: {r:?}");
    }
    // The stranger's address is held back…
    let wait = wait_of(attempt(&site, "mira", "guess", "203.0.113.9", now).await);
    assert!((1..=30).contains(&wait), "{wait}");
    // …the real person, elsewhere, is not.
    attempt(&site, "mira", STAFF_PASSWORD, "198.51.100.7", now)
        .await
        .expect("the right password from another address signs in");
    // Through the login form as well.
    let form = site.get("/admin/login").await;
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    let res = site
        .post_form_with(
            "/admin/login",
            &[
                ("_csrf", &token),
                ("login", "mira"),
                ("password", STAFF_PASSWORD),
            ],
            "198.51.100.8",
            &[("origin", crate::support::ORIGIN)],
        )
        .await;
    assert_eq!(
        res.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        res.body
    );
    // The stranger's address stays held back, even with the right password.
    wait_of(attempt(&site, "mira", STAFF_PASSWORD, "203.0.113.9", now).await);
}

async fn failures_from_many_addresses_throttle_the_login_everywhere(site: TestSite) {
    site.add_staff("mira", Role::Author).await;
    let now = Utc::now();
    // One guess from each of 50 addresses: each is checked.
    for i in 0..50 {
        let r = attempt(&site, "mira", "guess", &format!("10.0.0.{i}"), now).await;
        assert!(refused(&r), "guess {i}: {r:?}");
    }
    // From the 50th failure the login waits everywhere, with its own (longer) wait.
    let wait = wait_of(attempt(&site, "mira", STAFF_PASSWORD, "198.51.100.7", now).await);
    assert!((31..=60).contains(&wait), "{wait}");
    // Each further failure doubles it.
    let later = now + Duration::seconds(61);
    let r = attempt(&site, "mira", "guess", "10.0.1.1", later).await;
    assert!(refused(&r), "{r:?}");
    let wait = wait_of(attempt(&site, "mira", STAFF_PASSWORD, "198.51.100.7", later).await);
    assert!((61..=120).contains(&wait), "{wait}");
    // Failures are forgotten after a day.
    attempt(
        &site,
        "mira",
        STAFF_PASSWORD,
        "198.51.100.7",
        now + Duration::hours(25),
    )
    .await
    .expect("signs in a day later");
}

async fn the_per_address_limits_still_hold(site: TestSite) {
    site.add_staff("mira", Role::Author).await;
    let now = Utc::now();
    // One login from one address: from the 5th failure each attempt waits, doubling.
    for _ in 0..5 {
        attempt(&site, "mira", "guess", "192.0.2.50", now)
            .await
            .unwrap_err();
    }
    let wait = wait_of(attempt(&site, "mira", STAFF_PASSWORD, "192.0.2.50", now).await);
    assert!((1..=30).contains(&wait), "{wait}");
    let later = now + Duration::seconds(31);
    let r = attempt(&site, "mira", "guess", "192.0.2.50", later).await;
    assert!(refused(&r), "{r:?}");
    let wait = wait_of(attempt(&site, "mira", STAFF_PASSWORD, "192.0.2.50", later).await);
    assert!((31..=60).contains(&wait), "{wait}");
    // One address guessing many logins: from the 20th failure it waits, whatever the login.
    for i in 0..20 {
        attempt(&site, &format!("user{i}"), "guess", "192.0.2.200", now)
            .await
            .unwrap_err();
    }
    wait_of(attempt(&site, "someone-else", "guess", "192.0.2.200", now).await);
    wait_of(attempt(&site, "mira", STAFF_PASSWORD, "192.0.2.200", now).await);
    // A success from a fresh address clears nothing it should not, and signs in.
    attempt(&site, "mira", STAFF_PASSWORD, "192.0.2.201", now)
        .await
        .expect("signs in from another address");
}
