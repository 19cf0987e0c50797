//! Accounts at the level of the actions every path shares (admin pages, `newsdesk user`):
//! the last administrator under concurrent changes, password strength, unique emails.

use newsdesk::actions::{ActionError, Actor, accounts};
use newsdesk::domain::user::{Role, Staff};

use axum::http::StatusCode;

use crate::support::{ORIGIN, TestSite};

on_both_backends!(empty:
    two_administrators_demoting_each_other_leave_one,
    an_email_address_belongs_to_one_account,
    guessable_passwords_are_refused_on_every_path,
    set_up_links_create_one_first_administrator,
);

/// Adds an invited administrator (no password, so no hashing) and returns them as signed in.
async fn administrator(site: &TestSite, login: &str) -> Staff {
    let account = accounts::NewAccount {
        login: login.to_owned(),
        email: format!("{login}@news.example"),
        display_name: login.to_owned(),
        role: Role::Administrator,
        password: None,
    };
    let id = accounts::add_user(&site.store, Actor::Operator, &account, chrono::Utc::now())
        .await
        .unwrap();
    Staff {
        id,
        login: login.to_owned(),
        display_name: login.to_owned(),
        email: account.email,
        role: Role::Administrator,
    }
}

async fn active_administrators(site: &TestSite) -> Vec<i64> {
    let accounts = site.store.accounts().await.unwrap();
    accounts
        .iter()
        .filter(|a| a.role.as_str() == "administrator" && !a.disabled)
        .map(|a| a.id)
        .collect()
}

/// Each round starts with exactly two active administrators who demote or disable each other
/// at the same instant, each through their own connection; one of them must be refused.
async fn two_administrators_demoting_each_other_leave_one(site: TestSite) {
    for round in 0..20 {
        let a = administrator(&site, &format!("a{round}")).await;
        let b = administrator(&site, &format!("b{round}")).await;
        for id in active_administrators(&site).await {
            if id != a.id && id != b.id {
                accounts::set_role(&site.store, Actor::Operator, id, Role::Editor)
                    .await
                    .unwrap();
            }
        }
        assert_eq!(active_administrators(&site).await.len(), 2);
        let store = &site.store;
        let (ra, rb) = match round % 3 {
            0 => tokio::join!(
                accounts::set_role(store, Actor::Staff(&a), b.id, Role::Editor),
                accounts::set_role(store, Actor::Staff(&b), a.id, Role::Author),
            ),
            1 => tokio::join!(
                accounts::set_disabled(store, Actor::Staff(&a), b.id, true),
                accounts::set_disabled(store, Actor::Staff(&b), a.id, true),
            ),
            _ => tokio::join!(
                accounts::set_role(store, Actor::Staff(&a), b.id, Role::Editor),
                accounts::set_disabled(store, Actor::Staff(&b), a.id, true),
            ),
        };
        let left = active_administrators(&site).await;
        assert_eq!(left.len(), 1, "round {round}: {ra:?} {rb:?}");
        let refused = if ra.is_ok() { rb } else { ra };
        match refused {
            Err(ActionError::Conflict(m)) => {
                assert!(m.starts_with("The site needs at least one"), "{m}")
            }
            other => panic!("round {round}: one change must be refused, got {other:?}"),
        }
    }
}

fn person(login: &str, email: &str) -> accounts::NewAccount {
    accounts::NewAccount {
        login: login.to_owned(),
        email: email.to_owned(),
        display_name: format!("{login} Person"),
        role: Role::Author,
        password: None,
    }
}

/// Emails are kept trimmed and in lower case, and a second account cannot have one already
/// used, however it is spelled: from the admin's invitation form, and when two are added at
/// the same instant (the unique index decides, with the same field error).
async fn an_email_address_belongs_to_one_account(site: TestSite) {
    let now = chrono::Utc::now();
    let id = accounts::add_user(
        &site.store,
        Actor::Operator,
        &person("ann", "  Ann.Reporter@News.Example "),
        now,
    )
    .await
    .unwrap();
    let ann = site.store.account(id).await.unwrap().unwrap();
    assert_eq!(ann.email, "ann.reporter@news.example");
    let refused = accounts::add_user(
        &site.store,
        Actor::Operator,
        &person("bea", "ANN.REPORTER@news.example"),
        now,
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "email: the address ann.reporter@news.example is already used by another account"
    );

    let admin = site.staff("ada", Role::Administrator).await;
    let res = site
        .admin_post(
            &admin,
            "/admin/users",
            &[
                ("login", "bea"),
                ("email", "Ann.Reporter@news.example"),
                ("display_name", "Bea"),
                ("role", "author"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(
        res.texts("#invite-email-error"),
        ["The address ann.reporter@news.example is already used by another account."]
    );
    assert_eq!(
        res.attrs("#invite-email", "value"),
        ["Ann.Reporter@news.example"]
    );
    assert!(site.store.account_by_login("bea").await.unwrap().is_none());

    for round in 0..5 {
        let email = format!("twin{round}@news.example");
        let (a, b) = (
            person(&format!("x{round}"), &email),
            person(&format!("y{round}"), &email),
        );
        let (ra, rb) = tokio::join!(
            accounts::add_user(&site.store, Actor::Operator, &a, now),
            accounts::add_user(&site.store, Actor::Operator, &b, now),
        );
        assert!(ra.is_ok() != rb.is_ok(), "round {round}: {ra:?} {rb:?}");
        let refused = if ra.is_ok() { rb } else { ra };
        match refused {
            Err(ActionError::Invalid {
                field: "email",
                message,
            }) => {
                assert!(message.ends_with("is already used by another account"))
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
}

/// Common and guessable passwords, and ones made of the person's or the site's names, are
/// refused with a reason and what to do instead, wherever a password is chosen.
async fn guessable_passwords_are_refused_on_every_path(site: TestSite) {
    let now = chrono::Utc::now();
    let weak = [
        "password12",
        "passwordpassword",
        "qwertyuiop",
        // The site's title (by default "Newsdesk") and the person's name are guessed first.
        "newsdesk2026",
        "NiaNewcomer1",
        "riversidegazette",
    ];
    for pw in weak {
        if pw == "riversidegazette" {
            site.settings(&[("title", "Riverside Gazette")]).await;
        }
        let account = accounts::NewAccount {
            password: Some(pw.to_owned()),
            display_name: "Nia Newcomer".into(),
            ..person("nia", "nia@news.example")
        };
        let err = accounts::add_user(&site.store, Actor::Operator, &account, now)
            .await
            .expect_err(pw);
        match err {
            ActionError::Invalid {
                field: "password",
                message,
            } => {
                assert!(
                    message.starts_with("This password is too easy to guess."),
                    "{pw}: {message}"
                );
                assert!(message.contains("Add another word or two."), "{message}");
            }
            other => panic!("{pw}: {other:?}"),
        }
    }
    // The set-password page (invitation and reset links) applies the same rule.
    let id = accounts::add_user(
        &site.store,
        Actor::Operator,
        &accounts::NewAccount {
            display_name: "Nia Newcomer".into(),
            ..person("nia", "nia@news.example")
        },
        now,
    )
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
    for pw in [
        "qwertyuiop",
        "passwordpassword",
        "correct horse battery staple",
    ] {
        let form = site.get(&path).await;
        let csrf = form.attrs("input[name=_csrf]", "value").remove(0);
        let res = site
            .post_form_with(
                &path,
                &[("_csrf", &csrf), ("password", pw), ("repeat", pw)],
                "192.0.2.30",
                &[("origin", ORIGIN)],
            )
            .await;
        if pw.contains(' ') {
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        } else {
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
            assert!(
                res.body.contains("This password is too easy to guess."),
                "{pw}"
            );
        }
    }
    // And so does the operator's reset.
    let err = accounts::set_password(&site.store, Actor::Operator, id, "gazette2026")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("password: This password is too easy"),
        "{err}"
    );
}

/// Set-up links exist only while the site has no administrator; each works once, before it
/// expires; two used at the same instant create one administrator; none works once any
/// administrator exists.
async fn set_up_links_create_one_first_administrator(site: TestSite) {
    let now = chrono::Utc::now();
    let first = accounts::setup_link(&site.store, Actor::Operator, now)
        .await
        .unwrap()
        .unwrap();
    let second = accounts::setup_link(&site.store, Actor::Operator, now)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(first.len(), 64);
    let account = |login: &str| accounts::NewAccount {
        login: login.to_owned(),
        email: format!("{login}@news.example"),
        display_name: format!("{login} Chief"),
        role: Role::Contributor,
        password: Some("correct horse battery staple".into()),
    };
    // Expired, a link does nothing.
    let later = now + accounts::SETUP_VALID + chrono::Duration::seconds(1);
    let err = accounts::set_up_first_administrator(&site.store, &first, &account("late"), later)
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::NotFound(_)), "{err:?}");
    assert!(
        !accounts::setup_link_works(&site.store, "0".repeat(64).as_str(), now)
            .await
            .unwrap()
    );
    // Two links used at once: one administrator.
    let (a, b) = (account("ana"), account("ben"));
    let (ra, rb) = tokio::join!(
        accounts::set_up_first_administrator(&site.store, &first, &a, now),
        accounts::set_up_first_administrator(&site.store, &second, &b, now),
    );
    assert!(ra.is_ok() != rb.is_ok(), "{ra:?} {rb:?}");
    let id = ra.or(rb).unwrap();
    let admin = site.store.account(id).await.unwrap().unwrap();
    assert_eq!(
        admin.role.as_str(),
        "administrator",
        "whatever role the form asked for"
    );
    assert!(admin.has_password);
    assert_eq!(active_administrators(&site).await, [id]);
    for token in [&first, &second] {
        assert!(
            !accounts::setup_link_works(&site.store, token, now)
                .await
                .unwrap()
        );
    }
    assert!(
        accounts::setup_link(&site.store, Actor::Operator, now)
            .await
            .unwrap()
            .is_none()
    );
}
