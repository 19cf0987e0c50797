//! Set-password links (invitations and resets) end when the account changes under them: a new
//! password on any path, disabling, a role change or deletion ends every outstanding link.

use newsdesk::actions::{ActionError, Actor, accounts, profiles};
use newsdesk::domain::user::{Role, Staff};

use crate::support::{STAFF_PASSWORD, TestSite};

on_both_backends!(empty:
    an_operator_password_change_ends_reset_links,
    an_own_password_change_ends_reset_links,
    a_password_chosen_by_link_ends_the_other_links,
    disabling_ends_reset_links_for_good,
    a_role_change_ends_reset_links,
    deleting_an_account_ends_its_links,
);

const NEW_PASSWORD: &str = "lantern orchard velvet quarry";

/// Adds a reporter with the test password and returns them as the actions see them.
async fn reporter(site: &TestSite, login: &str) -> Staff {
    let id = site.add_staff(login, Role::Author).await;
    let a = site.store.account(id).await.unwrap().unwrap();
    Staff {
        id,
        login: a.login,
        display_name: a.display_name,
        email: a.email,
        role: Role::Author,
    }
}

async fn reset_link(site: &TestSite, id: i64, purpose: accounts::LinkPurpose) -> String {
    accounts::password_link(
        &site.store,
        Actor::Operator,
        id,
        purpose,
        chrono::Utc::now(),
    )
    .await
    .unwrap()
}

/// The link no longer opens and no longer sets a password.
async fn assert_link_ended(site: &TestSite, token: &str) {
    let now = chrono::Utc::now();
    assert!(
        accounts::link_account(&site.store, token, now)
            .await
            .unwrap()
            .is_none()
    );
    let err =
        accounts::set_password_by_link(&site.store, token, "another long passphrase here", now)
            .await
            .unwrap_err();
    assert!(matches!(err, ActionError::NotFound(_)), "{err:?}");
    let page = site.get(&format!("/admin/password/{token}")).await;
    assert_eq!(
        page.status,
        axum::http::StatusCode::NOT_FOUND,
        "{}",
        page.body
    );
}

async fn assert_link_works(site: &TestSite, token: &str) {
    assert!(
        accounts::link_account(&site.store, token, chrono::Utc::now())
            .await
            .unwrap()
            .is_some()
    );
}

async fn an_operator_password_change_ends_reset_links(site: TestSite) {
    let me = reporter(&site, "rhea").await;
    let token = reset_link(&site, me.id, accounts::LinkPurpose::Reset).await;
    assert_link_works(&site, &token).await;
    accounts::set_password(&site.store, Actor::Operator, me.id, NEW_PASSWORD)
        .await
        .unwrap();
    assert_link_ended(&site, &token).await;
}

async fn an_own_password_change_ends_reset_links(site: TestSite) {
    let me = reporter(&site, "rhea").await;
    let token = reset_link(&site, me.id, accounts::LinkPurpose::Reset).await;
    profiles::change_own_password(
        &site.store,
        &me,
        STAFF_PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
        None,
    )
    .await
    .unwrap();
    assert_link_ended(&site, &token).await;
}

async fn a_password_chosen_by_link_ends_the_other_links(site: TestSite) {
    let me = reporter(&site, "rhea").await;
    let token = reset_link(&site, me.id, accounts::LinkPurpose::Reset).await;
    // A second, older link left behind (issued before the rule that a new link replaces the
    // old one, or by another node at the same instant).
    let other = "ab".repeat(32);
    site.raw_execute(&format!(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) \
         SELECT '{}', user_id, 'invite', created_at, expires_at FROM user_tokens WHERE user_id = {}",
        accounts::token_hash(&other),
        me.id
    ))
    .await;
    assert_link_works(&site, &other).await;
    accounts::set_password_by_link(&site.store, &token, NEW_PASSWORD, chrono::Utc::now())
        .await
        .unwrap();
    assert_link_ended(&site, &token).await;
    assert_link_ended(&site, &other).await;
}

async fn disabling_ends_reset_links_for_good(site: TestSite) {
    let me = reporter(&site, "rhea").await;
    let token = reset_link(&site, me.id, accounts::LinkPurpose::Reset).await;
    accounts::set_disabled(&site.store, Actor::Operator, me.id, true)
        .await
        .unwrap();
    accounts::set_disabled(&site.store, Actor::Operator, me.id, false)
        .await
        .unwrap();
    assert_link_ended(&site, &token).await;
    // An invitation ends the same way.
    let invite = reset_link(&site, me.id, accounts::LinkPurpose::Invite).await;
    accounts::set_disabled(&site.store, Actor::Operator, me.id, true)
        .await
        .unwrap();
    accounts::set_disabled(&site.store, Actor::Operator, me.id, false)
        .await
        .unwrap();
    assert_link_ended(&site, &invite).await;
}

async fn a_role_change_ends_reset_links(site: TestSite) {
    let me = reporter(&site, "rhea").await;
    let token = reset_link(&site, me.id, accounts::LinkPurpose::Reset).await;
    // Setting the role it already has changes nothing.
    accounts::set_role(&site.store, Actor::Operator, me.id, Role::Author)
        .await
        .unwrap();
    assert_link_works(&site, &token).await;
    accounts::set_role(&site.store, Actor::Operator, me.id, Role::Editor)
        .await
        .unwrap();
    assert_link_ended(&site, &token).await;
}

async fn deleting_an_account_ends_its_links(site: TestSite) {
    let me = reporter(&site, "rhea").await;
    let heir = site.add_staff("hana", Role::Editor).await;
    let token = reset_link(&site, me.id, accounts::LinkPurpose::Reset).await;
    profiles::delete_account(&site.store, Actor::Operator, me.id, heir)
        .await
        .unwrap();
    assert_link_ended(&site, &token).await;
    let left: Vec<(String, i64)> = site
        .raw_pairs(&format!(
            "SELECT purpose, user_id FROM user_tokens WHERE user_id = {}",
            me.id
        ))
        .await;
    assert!(left.is_empty(), "{left:?}");
}
