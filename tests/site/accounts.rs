//! Accounts at the level of the actions every path shares (admin pages, `newsdesk user`):
//! the last administrator under concurrent changes, password strength, unique emails.

use newsdesk::actions::{ActionError, Actor, accounts};
use newsdesk::domain::user::{Role, Staff};

use crate::support::TestSite;

on_both_backends!(empty:
    two_administrators_demoting_each_other_leave_one,
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
        .filter(|a| a.role == "administrator" && !a.disabled)
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
