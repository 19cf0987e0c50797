//! The audit log at `/admin/audit`: what is recorded, who may read it.

use axum::http::StatusCode;
use newsdesk::actions::{Actor, accounts, structure};
use newsdesk::domain::user::Role;

use crate::support::{ORIGIN, TestSite};

on_both_backends!(empty:
    sign_ins_and_role_changes_are_recorded_newest_first,
    only_administrators_see_the_audit_log,
    deletions_and_operator_actions_are_recorded,
);

/// The events on an audit page, newest first: (action, who, target, detail, address).
fn events(page: &crate::support::Page) -> Vec<(String, String, String, String, String)> {
    let actions = page.attrs("table.audit td.event", "data-action");
    let who = page.texts("table.audit td.who");
    let target = page.texts("table.audit td.target");
    let detail = page.texts("table.audit td.detail");
    let ip = page.texts("table.audit td.ip");
    (0..actions.len())
        .map(|i| {
            (
                actions[i].clone(),
                who[i].clone(),
                target[i].clone(),
                detail[i].clone(),
                ip[i].clone(),
            )
        })
        .collect()
}

async fn sign_ins_and_role_changes_are_recorded_newest_first(site: TestSite) {
    let author = site.add_staff("rita", Role::Author).await;
    // A wrong password, from a known address.
    let form = site.get("/admin/login").await;
    let token = form.attrs("input[name=_csrf]", "value").remove(0);
    let failed = site
        .post_form_with(
            "/admin/login",
            &[
                ("_csrf", &token),
                ("login", "rita"),
                ("password", "not the password"),
            ],
            "198.51.100.7",
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let admin = site.staff("ada", Role::Administrator).await;
    let res = site
        .admin_post(
            &admin,
            &format!("/admin/users/{author}/role"),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let page = site.admin_get(&admin, "/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let got = events(&page);
    let summary: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|e| (e.0.as_str(), e.1.as_str(), e.2.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("role_change", "ada", "rita"),
            ("sign_in", "ada", "ada"),
            ("account_add", "operator", "ada"),
            ("sign_in_failed", "rita", "rita"),
            ("account_add", "operator", "rita"),
        ],
        "{got:?}"
    );
    assert_eq!(got[0].3, "author → editor");
    assert_eq!(got[1].4, "192.0.2.10", "the sign-in's address");
    assert_eq!(got[3].3, "wrong password");
    assert_eq!(got[3].4, "198.51.100.7");
    assert!(!page.body.contains("not the password"));

    // Filtered by event.
    let only = site
        .admin_get(&admin, "/admin/audit?action=sign_in_failed")
        .await;
    let got = events(&only);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "sign_in_failed");
    assert_eq!(
        only.attrs("#f-action option[selected]", "value"),
        ["sign_in_failed"]
    );
    // An unknown login is recorded as typed, with no account.
    let token = site
        .get("/admin/login")
        .await
        .attrs("input[name=_csrf]", "value")
        .remove(0);
    site.post_form_with(
        "/admin/login",
        &[("_csrf", &token), ("login", "nobody"), ("password", "x")],
        "198.51.100.8",
        &[("origin", ORIGIN)],
    )
    .await;
    let got = events(
        &site
            .admin_get(&admin, "/admin/audit?action=sign_in_failed")
            .await,
    );
    assert_eq!(got[0].1, "nobody");
    assert_eq!(got[0].3, "unknown login");
}

async fn only_administrators_see_the_audit_log(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let editor = site.staff("ed", Role::Editor).await;
    let page = site.admin_get(&admin, "/admin/").await;
    assert!(
        page.attrs("nav.side a", "href")
            .contains(&"/admin/audit".to_owned())
    );
    let page = site.admin_get(&editor, "/admin/").await;
    assert!(
        !page
            .attrs("nav.side a", "href")
            .contains(&"/admin/audit".to_owned())
    );
    let refused = site.admin_get(&editor, "/admin/audit").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("sign_in"));
    let author = site.staff("al", Role::Author).await;
    assert_eq!(
        site.admin_get(&author, "/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let anonymous = site.get("/admin/audit").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

async fn deletions_and_operator_actions_are_recorded(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let rita = site.add_staff("rita", Role::Author).await;
    accounts::set_disabled(&site.store, Actor::Operator, rita, true)
        .await
        .unwrap();
    accounts::set_disabled(&site.store, Actor::Operator, rita, false)
        .await
        .unwrap();
    accounts::password_link(
        &site.store,
        Actor::Operator,
        rita,
        accounts::LinkPurpose::Reset,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let tag = structure::create_tag(
        &site.store,
        Actor::Operator,
        &structure::TagInput {
            name: "Elections".into(),
            slug: String::new(),
            description: String::new(),
        },
    )
    .await
    .unwrap();
    let res = site
        .admin_post(&admin, &format!("/admin/tags/{tag}/delete"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let got = events(&site.admin_get(&admin, "/admin/audit").await);
    let summary: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|e| (e.0.as_str(), e.1.as_str(), e.2.as_str()))
        .collect();
    assert_eq!(
        summary[..4],
        [
            ("tag_delete", "ada", "tag elections"),
            ("password_reset", "operator", "rita"),
            ("account_enable", "operator", "rita"),
            ("account_disable", "operator", "rita"),
        ],
        "{got:?}"
    );
}
