//! Application passwords in the admin: made on one's own profile page and shown once, used by
//! a tool with HTTP Basic, listed with their last use, revoked; an administrator manages
//! anyone's from the person's page, and nobody else reaches them.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use newsdesk::domain::user::Role;

use crate::support::{ORIGIN, Page, Staff, TestSite};

on_both_backends!(empty:
    a_new_password_is_shown_once_works_and_stops_when_revoked,
    refused_names_are_shown_beside_the_field_and_kept,
    without_the_forms_token_nothing_is_created_or_revoked,
    an_author_cannot_reach_an_editors_application_passwords,
    an_administrator_lists_creates_and_revokes_someones_passwords,
);

/// What a tool on this machine gets from `/wp-json/wp/v2/users/me` with `login:secret`.
async fn tool_sees(site: &TestSite, login: &str, secret: &str) -> (StatusCode, String) {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{login}:{secret}"));
    let mut req = Request::get("/wp-json/wp/v2/users/me")
        .header("authorization", format!("Basic {auth}"))
        .body(Body::empty())
        .unwrap();
    let addr: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    let page = crate::support::send_to(site.app.clone(), req).await;
    (page.status, page.body)
}

/// The password a page shows as just created.
#[track_caller]
fn shown_secret(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let shown = page.texts("output#new-app-password");
    assert_eq!(shown.len(), 1, "no new password on the page: {}", page.body);
    assert!(
        page.texts(".new-secret")[0].contains("it will not be shown again"),
        "{}",
        page.body
    );
    shown[0].clone()
}

/// The names listed in the application passwords table, sorted (those made in the same second
/// may be listed in either order).
fn listed(page: &Page) -> Vec<String> {
    let mut names = page.texts("table.app-passwords tbody th[scope=row]");
    names.sort();
    names
}

/// The revoke form of the password named `name`.
#[track_caller]
fn revoke_action(page: &Page, name: &str) -> String {
    let actions = page.attrs("table.app-passwords form", "action");
    let labels = page.attrs("table.app-passwords form button", "aria-label");
    let i = labels
        .iter()
        .position(|l| *l == format!("Revoke {name}"))
        .unwrap_or_else(|| panic!("no “Revoke {name}” button in {labels:?}"));
    actions[i].clone()
}

fn row_of(page: &Page, name: &str) -> String {
    page.texts("table.app-passwords tbody tr")
        .into_iter()
        .find(|r| r.starts_with(name))
        .unwrap_or_default()
}

async fn create_own(site: &TestSite, who: &Staff, name: &str) -> Page {
    site.admin_post(who, "/admin/profile/app-passwords", &[("name", name)])
        .await
}

async fn a_new_password_is_shown_once_works_and_stops_when_revoked(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    let profile = site.admin_get(&ed, "/admin/profile").await;
    assert!(profile.body.contains("Application passwords"));
    assert!(profile.body.contains("You have no application passwords."));
    assert!(profile.texts("label[for=app-password-name]")[0].contains("Name"));

    let created = create_own(&site, &ed, "Phone app").await;
    let secret = shown_secret(&created);
    assert_eq!(secret.len(), 29, "24 letters and digits by four: {secret}");
    assert_eq!(listed(&created), ["Phone app"]);
    assert!(row_of(&created, "Phone app").contains("Never"));

    // Shown once: the page again, without it (with or without its spaces).
    let again = site.admin_get(&ed, "/admin/profile").await;
    assert!(!again.body.contains(&secret));
    assert!(!again.body.contains(&secret.replace(' ', "")));
    assert!(again.texts("output#new-app-password").is_empty());
    assert_eq!(listed(&again), ["Phone app"]);

    // A tool uses it; the list shows when and from where.
    let (status, me) = tool_sees(&site, "ed", &secret).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert!(me.contains("\"name\":\"Ed Surname\""), "{me}");
    let used = site.admin_get(&ed, "/admin/profile").await;
    let row = row_of(&used, "Phone app");
    assert!(!row.contains("Never"), "{row}");
    assert!(row.contains("127.0.0.1"), "{row}");

    // With two, both can be revoked at once; one alone first.
    let second = create_own(&site, &ed, "Sync script").await;
    let other = shown_secret(&second);
    assert_eq!(listed(&second), ["Phone app", "Sync script"]);
    assert!(
        second
            .texts("button")
            .contains(&"Revoke all application passwords".to_owned())
    );
    let revoked = site
        .admin_post(&ed, &revoke_action(&second, "Phone app"), &[])
        .await;
    let after = site.admin_follow(&ed, &revoked).await;
    assert!(
        after.texts(".flash")[0].contains("“Phone app” is revoked"),
        "{}",
        after.body
    );
    assert_eq!(listed(&after), ["Sync script"]);
    assert!(
        !after
            .texts("button")
            .contains(&"Revoke all application passwords".to_owned())
    );
    assert_eq!(
        tool_sees(&site, "ed", &secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(tool_sees(&site, "ed", &other).await.0, StatusCode::OK);

    create_own(&site, &ed, "Newsletter").await;
    let all = site
        .admin_post(&ed, "/admin/profile/app-passwords/revoke-all", &[])
        .await;
    let after = site.admin_follow(&ed, &all).await;
    assert!(after.texts(".flash")[0].contains("All 2 application passwords are revoked"));
    assert!(listed(&after).is_empty());
    assert!(after.body.contains("You have no application passwords."));
    assert_eq!(
        tool_sees(&site, "ed", &other).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn refused_names_are_shown_beside_the_field_and_kept(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    let empty = create_own(&site, &ed, "   ").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.texts("#app-password-name-error")[0].contains("Give the application password a name")
    );
    assert!(empty.texts("output#new-app-password").is_empty());

    shown_secret(&create_own(&site, &ed, "Phone app").await);
    let twice = create_own(&site, &ed, "Phone app").await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.texts("#app-password-name-error")[0].contains("this one is taken"));
    assert_eq!(twice.attrs("#app-password-name", "value"), ["Phone app"]);
    assert!(twice.texts("output#new-app-password").is_empty());

    let long = "x".repeat(201);
    let too_long = create_own(&site, &ed, &long).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.texts("#app-password-name-error")[0].contains("at most 200 characters"));
    assert_eq!(too_long.attrs("#app-password-name", "value"), [long]);
    assert_eq!(listed(&too_long), ["Phone app"]);
}

async fn without_the_forms_token_nothing_is_created_or_revoked(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    let cookie = [("cookie", ed.cookie.as_str()), ("origin", ORIGIN)];
    let forged = site
        .post_form_with(
            "/admin/profile/app-passwords",
            &[("name", "Forged")],
            "192.0.2.10",
            &cookie,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!forged.body.contains("will not be shown again"));
    // From another site, even with the token.
    let elsewhere = site
        .post_form_with(
            "/admin/profile/app-passwords",
            &[("_csrf", &ed.csrf), ("name", "Forged")],
            "192.0.2.10",
            &[
                ("cookie", ed.cookie.as_str()),
                ("origin", "https://attacker.example"),
            ],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let page = site.admin_get(&ed, "/admin/profile").await;
    assert!(listed(&page).is_empty());

    let secret = shown_secret(&create_own(&site, &ed, "Phone app").await);
    let page = site.admin_get(&ed, "/admin/profile").await;
    for path in [
        revoke_action(&page, "Phone app"),
        "/admin/profile/app-passwords/revoke-all".to_owned(),
    ] {
        let res = site.post_form_with(&path, &[], "192.0.2.10", &cookie).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
    }
    let page = site.admin_get(&ed, "/admin/profile").await;
    assert_eq!(listed(&page), ["Phone app"]);
    assert_eq!(tool_sees(&site, "ed", &secret).await.0, StatusCode::OK);
}

async fn an_author_cannot_reach_an_editors_application_passwords(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    let secret = shown_secret(&create_own(&site, &ed, "Phone app").await);
    let uuid_path = revoke_action(&site.admin_get(&ed, "/admin/profile").await, "Phone app");
    let uuid = uuid_path
        .trim_end_matches("/revoke")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    let al = site.staff("al", Role::Author).await;
    let person = format!("/admin/users/{}", ed.id);
    let seen = site.admin_get(&al, &person).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN);
    assert!(!seen.body.contains("Phone app"));
    for (path, fields) in [
        (format!("{person}/app-passwords/{uuid}/revoke"), vec![]),
        (format!("{person}/app-passwords/revoke-all"), vec![]),
        (
            format!("{person}/app-passwords"),
            vec![("name", "Author's key")],
        ),
    ] {
        let res = site.admin_post(&al, &path, &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
        assert!(!res.body.contains("will not be shown again"));
    }
    // The author's own profile lists only their own (none).
    assert!(listed(&site.admin_get(&al, "/admin/profile").await).is_empty());
    assert_eq!(tool_sees(&site, "ed", &secret).await.0, StatusCode::OK);
    let page = site.admin_get(&ed, "/admin/profile").await;
    assert_eq!(listed(&page), ["Phone app"]);
}

async fn an_administrator_lists_creates_and_revokes_someones_passwords(site: TestSite) {
    let ed = site.staff("ed", Role::Editor).await;
    let own = shown_secret(&create_own(&site, &ed, "Phone app").await);
    assert_eq!(tool_sees(&site, "ed", &own).await.0, StatusCode::OK);

    let ada = site.staff("ada", Role::Administrator).await;
    let person = format!("/admin/users/{}", ed.id);
    let page = site.admin_get(&ada, &person).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(listed(&page), ["Phone app"]);
    assert!(row_of(&page, "Phone app").contains("127.0.0.1"));
    assert!(!page.body.contains(&own));

    // Made for Ed by the administrator: shown once, used with Ed's login.
    let made = site
        .admin_post(
            &ada,
            &format!("{person}/app-passwords"),
            &[("name", "Newsletter")],
        )
        .await;
    let theirs = shown_secret(&made);
    assert!(made.body.contains("<code>ed</code>"), "{}", made.body);
    assert_eq!(listed(&made), ["Newsletter", "Phone app"]);
    assert_eq!(tool_sees(&site, "ed", &theirs).await.0, StatusCode::OK);
    assert_eq!(
        tool_sees(&site, "ada", &theirs).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Ed sees it on their own profile, without the secret.
    let eds = site.admin_get(&ed, "/admin/profile").await;
    assert_eq!(listed(&eds), ["Newsletter", "Phone app"]);
    assert!(!eds.body.contains(&theirs));

    let revoked = site
        .admin_post(&ada, &revoke_action(&made, "Phone app"), &[])
        .await;
    let after = site.admin_follow(&ada, &revoked).await;
    assert!(after.texts(".flash")[0].contains("“Phone app” is revoked"));
    assert_eq!(listed(&after), ["Newsletter"]);
    assert_eq!(
        tool_sees(&site, "ed", &own).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(tool_sees(&site, "ed", &theirs).await.0, StatusCode::OK);
    // The administrator's own profile does not list Ed's.
    assert!(listed(&site.admin_get(&ada, "/admin/profile").await).is_empty());
}
