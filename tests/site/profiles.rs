//! Profiles: `/admin/profile` (name, public email, bio, avatar, password), the administrators'
//! edits of other people at `/admin/users/ID`, and deleting an account with its stories given
//! to someone else. Bylines are in the search index, so renames and reassignments must show
//! in search at once, as on author pages, feeds and structured data.

use std::io::Cursor;

use axum::http::StatusCode;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use newsdesk::actions::profiles::{self, ProfileEdit};
use newsdesk::actions::{ActionError, Actor, accounts, comments, media};
use newsdesk::domain::user::{Role, Staff as StaffUser};
use newsdesk::notify::Notifier;

use crate::support::{STAFF_PASSWORD, Staff, TestSite};

on_both_backends!(demo:
    a_profile_edit_shows_on_the_author_page_and_the_byline_box,
    refused_profile_input_is_shown_beside_its_fields_and_kept,
    an_administrator_renames_someone_and_search_finds_the_new_name,
    deleting_an_account_gives_its_stories_to_another_person,
);
on_both_backends!(empty:
    changing_the_password_needs_the_current_one_and_ends_other_sessions,
    an_author_cannot_edit_another_persons_profile,
    nobody_deletes_themselves_or_the_last_administrator,
);

/// The demo account with this login, given the test password and signed in.
async fn demo_person(site: &TestSite, login: &str) -> (Staff, StaffUser) {
    let account = site.store.account_by_login(login).await.unwrap().unwrap();
    accounts::set_password(&site.store, Actor::Operator, account.id, STAFF_PASSWORD)
        .await
        .unwrap();
    let signed = site.sign_in(account.id, login).await;
    let user = StaffUser {
        id: account.id,
        login: account.login,
        display_name: account.display_name,
        email: account.email,
        role: account.role,
    };
    (signed, user)
}

fn portrait_png() -> Vec<u8> {
    let image = DynamicImage::ImageRgb8(RgbImage::from_fn(120, 90, |x, y| {
        Rgb([(x * 2) as u8, (y * 2) as u8, 90])
    }));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Stories on the search page for this query.
async fn found(site: &TestSite, query: &str) -> Vec<String> {
    let page = site.get(&format!("/search?q={query}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.texts(".search-result .card__title")
}

async fn audit_count(site: &TestSite, action: &str) -> i64 {
    site.raw_pairs(&format!(
        "SELECT action, CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = '{action}' GROUP BY action"
    ))
    .await
    .first()
    .map_or(0, |(_, n)| *n)
}

async fn a_profile_edit_shows_on_the_author_page_and_the_byline_box(site: TestSite) {
    let (priya, user) = demo_person(&site, "praman").await;
    let avatar = media::upload(
        &site.store,
        &user,
        "priya.png",
        portrait_png(),
        "Priya Raman in the newsroom",
        "",
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    // The top bar links to the profile page.
    let dash = site.admin_get(&priya, "/admin/").await;
    assert!(
        dash.attrs(".topbar a", "href")
            .contains(&"/admin/profile".to_owned())
    );
    let page = site.admin_get(&priya, "/admin/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.attrs("#display_name", "value"),
        vec!["Priya Raman".to_owned()]
    );

    let avatar_id = avatar.id.to_string();
    let res = site
        .admin_post(
            &priya,
            "/admin/profile",
            &[
                ("display_name", "Priya R. Raman"),
                ("public_email", "tips.priya@news.example"),
                ("bio", "Priya writes about science & health."),
                ("avatar_id", &avatar_id),
            ],
        )
        .await;
    let after = site.admin_follow(&priya, &res).await;
    assert_eq!(after.texts(".flash"), vec!["Your profile is saved."]);

    let author = site.get("/author/priya-raman/").await;
    assert_eq!(author.status, StatusCode::OK);
    assert_eq!(author.texts("h1.archive-title"), vec!["Priya R. Raman"]);
    assert_eq!(
        author.texts(".archive-description"),
        vec!["Priya writes about science & health."]
    );
    assert_eq!(
        author.attrs(".author-email a", "href"),
        vec!["mailto:tips.priya@news.example"]
    );
    // The sign-in email is never shown.
    assert!(!author.body.contains("praman@"), "sign-in email leaked");
    for (attr, want) in [
        ("src", avatar.url.as_str()),
        ("alt", "Priya Raman in the newsroom"),
        ("width", "120"),
        ("height", "90"),
    ] {
        assert_eq!(
            author.attrs("img.author-avatar", attr),
            vec![want],
            "{attr}"
        );
    }

    // One of her stories: the byline box under the headline carries the new name and avatar.
    let story = found(&site, "satellite").await;
    assert!(!story.is_empty());
    let url = site
        .url_of("Weather satellite reaches orbit after overnight launch")
        .await;
    let page = site.get(&url).await;
    assert_eq!(page.texts(".byline__author"), vec!["Priya R. Raman"]);
    assert_eq!(
        page.attrs(".byline__avatar", "alt"),
        vec!["Priya Raman in the newsroom"]
    );
    assert_eq!(page.attrs(".byline__avatar", "width"), vec!["120"]);
    assert!(page.body.contains("\"name\":\"Priya R. Raman\""), "JSON-LD");

    // Without a public email or avatar, neither is shown.
    let res = site
        .admin_post(
            &priya,
            "/admin/profile",
            &[
                ("display_name", "Priya R. Raman"),
                ("public_email", ""),
                ("bio", "Priya writes about science & health."),
                ("avatar_id", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let author = site.get("/author/priya-raman/").await;
    assert!(author.texts(".author-email").is_empty());
    assert!(author.attrs("img.author-avatar", "src").is_empty());
    // Her own edits are not in the audit log; administrators' are.
    assert_eq!(audit_count(&site, "profile_change").await, 0);
}

async fn refused_profile_input_is_shown_beside_its_fields_and_kept(site: TestSite) {
    let (dan, _) = demo_person(&site, "dosei").await;
    let res = site
        .admin_post(
            &dan,
            "/admin/profile",
            &[
                ("display_name", "   "),
                ("public_email", "not an address"),
                ("bio", "Kept <b>as typed</b>"),
                ("avatar_id", "999999"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["display_name", "public_email", "avatar_id"] {
        assert_eq!(
            res.texts(&format!("#{field}-error")).len(),
            1,
            "no error beside {field}"
        );
        assert_eq!(
            res.attrs(&format!("#{field}"), "aria-invalid"),
            vec!["true"]
        );
    }
    assert_eq!(res.attrs("#public_email", "value"), vec!["not an address"]);
    assert_eq!(res.texts("#bio"), vec!["Kept <b>as typed</b>"]);
    assert_eq!(res.texts(".error-summary li").len(), 3);
    let page = site.get("/author/daniel-osei/").await;
    assert_eq!(page.texts("h1.archive-title"), vec!["Daniel Osei"]);
}

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(site: TestSite) {
    let id = site.add_staff("ann", Role::Author).await;
    let here = site.sign_in(id, "ann").await;
    let elsewhere = site.sign_in(id, "ann").await;
    let new = "plum harbour lantern 42";

    let res = site
        .admin_post(
            &here,
            "/admin/profile/password",
            &[
                ("current_password", "not my password"),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.texts("#current_password-error"),
        vec!["That is not your current password."]
    );
    // Passwords are never sent back.
    assert!(!res.body.contains(new));

    let res = site
        .admin_post(
            &here,
            "/admin/profile/password",
            &[
                ("current_password", STAFF_PASSWORD),
                ("new_password", "ann"),
                ("confirm_password", "ann"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.texts("#new_password-error").len(), 1);
    assert_eq!(
        site.admin_get(&elsewhere, "/admin/").await.status,
        StatusCode::OK
    );

    let res = site
        .admin_post(
            &here,
            "/admin/profile/password",
            &[
                ("current_password", STAFF_PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    let after = site.admin_follow(&here, &res).await;
    assert_eq!(
        after.texts(".flash"),
        vec!["Your password is changed; one other session was signed out."]
    );
    // This browser stays; the other one is signed out.
    assert_eq!(
        site.admin_get(&here, "/admin/").await.status,
        StatusCode::OK
    );
    let gone = site.admin_get(&elsewhere, "/admin/").await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(gone.location().starts_with("/admin/login"));
    // The new password signs in; the old one no longer does.
    let now = chrono::Utc::now();
    assert!(
        accounts::sign_in(&site.store, "ann", new, "192.0.2.20", "test", now)
            .await
            .is_ok()
    );
    assert!(
        accounts::sign_in(
            &site.store,
            "ann",
            STAFF_PASSWORD,
            "192.0.2.20",
            "test",
            now
        )
        .await
        .is_err()
    );
    assert_eq!(audit_count(&site, "password_change").await, 1);
}

async fn an_author_cannot_edit_another_persons_profile(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let bob = site.add_staff("bob", Role::Editor).await;
    for path in [
        format!("/admin/users/{bob}"),
        format!("/admin/users/{bob}/delete"),
    ] {
        assert_eq!(
            site.admin_get(&ann, &path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let res = site
        .admin_post(
            &ann,
            &format!("/admin/users/{bob}"),
            &[
                ("display_name", "Hijacked"),
                ("email", "ann2@news.example"),
                ("bio", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = site
        .admin_post(
            &ann,
            &format!("/admin/users/{bob}/delete"),
            &[("reassign_to", &ann.id.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Whichever way it comes, the action refuses: nobody edits another's profile without
    // managing people, and nobody changes their own sign-in email that way.
    let me = StaffUser {
        id: ann.id,
        login: "ann".into(),
        display_name: "Ann Surname".into(),
        email: "ann@news.example".into(),
        role: Role::Author,
    };
    let edit = ProfileEdit {
        display_name: Some("Hijacked".into()),
        ..Default::default()
    };
    assert!(matches!(
        profiles::edit_profile(&site.store, Actor::Staff(&me), bob, &edit).await,
        Err(ActionError::Forbidden(_))
    ));
    let own_email = ProfileEdit {
        email: Some("else@news.example".into()),
        ..Default::default()
    };
    assert!(matches!(
        profiles::edit_profile(&site.store, Actor::Staff(&me), ann.id, &own_email).await,
        Err(ActionError::Forbidden(_))
    ));
    let bob_now = site.store.account(bob).await.unwrap().unwrap();
    assert_eq!(bob_now.display_name, "Bob Surname");
}

async fn an_administrator_renames_someone_and_search_finds_the_new_name(site: TestSite) {
    let chief = site.staff("chief", Role::Administrator).await;
    let priya = site
        .store
        .account_by_login("praman")
        .await
        .unwrap()
        .unwrap();
    assert!(found(&site, "Quillfeather").await.is_empty());
    let before_raman = found(&site, "Raman").await;
    assert!(!before_raman.is_empty());

    let page = site
        .admin_get(&chief, &format!("/admin/users/{}", priya.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // The People page links to each person.
    let people = site.admin_get(&chief, "/admin/users").await;
    assert!(
        people
            .attrs("td.name a", "href")
            .contains(&format!("/admin/users/{}", priya.id))
    );

    // A sign-in email already used by another account is refused beside the field.
    let res = site
        .admin_post(
            &chief,
            &format!("/admin/users/{}", priya.id),
            &[
                ("display_name", "Priya Quillfeather"),
                ("email", "chief@news.example"),
                ("bio", "Renamed."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.texts("#email-error").len(), 1);
    assert_eq!(
        res.attrs("#display_name", "value"),
        vec!["Priya Quillfeather"]
    );
    assert!(found(&site, "Quillfeather").await.is_empty());

    let res = site
        .admin_post(
            &chief,
            &format!("/admin/users/{}", priya.id),
            &[
                ("display_name", "Priya Quillfeather"),
                ("email", " Priya@News.Example "),
                ("bio", "Science and health correspondent."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let account = site.store.account(priya.id).await.unwrap().unwrap();
    assert_eq!(account.email, "priya@news.example");

    // Search follows without a reindex: every story found under the old name is found under
    // the new one, and the old name finds none of them.
    let after = found(&site, "Quillfeather").await;
    assert_eq!(after.len(), before_raman.len(), "{after:?}");
    assert!(found(&site, "Raman").await.is_empty());
    // The author page, the author's feed and a story's structured data show it at once.
    let author = site.get("/author/priya-raman/").await;
    assert_eq!(author.texts("h1.archive-title"), vec!["Priya Quillfeather"]);
    let feed = site.get("/author/priya-raman/feed/").await;
    assert!(
        feed.body
            .contains("<dc:creator>Priya Quillfeather</dc:creator>"),
        "{}",
        feed.body
    );
    let url = site
        .url_of("Weather satellite reaches orbit after overnight launch")
        .await;
    let story = site.get(&url).await;
    assert!(story.body.contains("\"name\":\"Priya Quillfeather\""));
    assert_eq!(audit_count(&site, "profile_change").await, 1);
}

async fn deleting_an_account_gives_its_stories_to_another_person(site: TestSite) {
    let chief = site.staff("chief", Role::Administrator).await;
    let helena = site
        .store
        .account_by_login("hvarga")
        .await
        .unwrap()
        .unwrap();
    let daniel = site.store.account_by_login("dosei").await.unwrap().unwrap();
    let (helena_signed, helena_user) = demo_person(&site, "hvarga").await;

    // One of Helena's stories is bylined by Daniel too.
    site.raw_execute(&format!(
        "INSERT INTO article_authors (article_id, user_id, position, published_at) \
         SELECT article_id, {}, 1, published_at FROM article_authors WHERE user_id = {} \
         AND article_id = (SELECT MIN(article_id) FROM article_authors WHERE user_id = {})",
        daniel.id, helena.id, helena.id
    ))
    .await;
    let bylines = |id: i64| {
        format!("SELECT 'n', CAST(COUNT(*) AS BIGINT) FROM article_authors WHERE user_id = {id}")
    };
    let hers = site.raw_pairs(&bylines(helena.id)).await[0].1;
    let his = site.raw_pairs(&bylines(daniel.id)).await[0].1;
    assert!(hers > 2);

    // Helena moderates a comment; the record and the comment survive her account.
    let held = site
        .raw_pairs("SELECT author_name, id FROM comments WHERE status = 'pending' ORDER BY id")
        .await;
    let (_, comment_id) = held.first().cloned().expect("the demo holds a comment");
    comments::moderate_as(
        &site.store,
        &Notifier::none(),
        Actor::Staff(&helena_user),
        comment_id,
        comments::Moderation::Approve,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(!found(&site, "Varga").await.is_empty());

    // The confirmation offers only other active people.
    let confirm = site
        .admin_get(&chief, &format!("/admin/users/{}/delete", helena.id))
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    let offered = confirm.attrs("#reassign_to option", "value");
    assert!(offered.contains(&daniel.id.to_string()));
    assert!(!offered.contains(&helena.id.to_string()));
    // Choosing nobody changes nothing.
    let res = site
        .admin_post(
            &chief,
            &format!("/admin/users/{}/delete", helena.id),
            &[("reassign_to", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.texts("#reassign_to-error").len(), 1);

    let res = site
        .admin_post(
            &chief,
            &format!("/admin/users/{}/delete", helena.id),
            &[("reassign_to", &daniel.id.to_string())],
        )
        .await;
    let after = site.admin_follow(&chief, &res).await;
    assert_eq!(
        after.texts(".flash"),
        vec![format!(
            "Helena Varga (hvarga) is deleted; {} bylines went to the person you chose.",
            hers
        )]
    );
    assert!(site.store.account(helena.id).await.unwrap().is_none());
    // Her bylines are Daniel's; the story bylined by both keeps one.
    assert_eq!(
        site.raw_pairs(&bylines(daniel.id)).await[0].1,
        his + hers - 1
    );
    assert_eq!(site.raw_pairs(&bylines(helena.id)).await[0].1, 0);
    // Search follows: her name finds nothing, his finds her former stories.
    assert!(found(&site, "Varga").await.is_empty());
    let url = site
        .url_of("Foreign ministry summons ambassador over airspace violation")
        .await;
    assert_eq!(
        site.get(&url).await.texts(".byline__author"),
        vec!["Daniel Osei"]
    );
    assert_eq!(
        site.get("/author/helena-varga/").await.status,
        StatusCode::NOT_FOUND
    );
    // Her session ended; the comment she approved and its record stay.
    assert_eq!(
        site.admin_get(&helena_signed, "/admin/").await.status,
        StatusCode::SEE_OTHER
    );
    let status = site
        .raw_pairs(&format!(
            "SELECT status, id FROM comments WHERE id = {comment_id}"
        ))
        .await;
    assert_eq!(status[0].0, "approved");
    let logged = site
        .raw_pairs(&format!(
            "SELECT actor, CAST(COUNT(*) AS BIGINT) FROM comment_log WHERE comment_id = {comment_id} \
             AND action = 'approve' GROUP BY actor"
        ))
        .await;
    assert_eq!(logged, vec![("Helena Varga".to_owned(), 1)]);
    assert_eq!(
        site.admin_get(&chief, &format!("/admin/comments/{comment_id}"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(audit_count(&site, "account_delete").await, 1);
}

async fn nobody_deletes_themselves_or_the_last_administrator(site: TestSite) {
    let chief = site.staff("chief", Role::Administrator).await;
    let bob = site.add_staff("bob", Role::Author).await;
    let off = site.add_staff("off", Role::Author).await;
    accounts::set_disabled(&site.store, Actor::Operator, off, true)
        .await
        .unwrap();

    let res = site
        .admin_post(
            &chief,
            &format!("/admin/users/{}/delete", chief.id),
            &[("reassign_to", &bob.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(
        res.texts("#reassign_to-error"),
        vec!["You cannot delete your own account."]
    );
    // Stories go only to an active person.
    let res = site
        .admin_post(
            &chief,
            &format!("/admin/users/{bob}/delete"),
            &[("reassign_to", &off.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(site.store.account(bob).await.unwrap().is_some());
    // The operator cannot delete the last active administrator either.
    assert!(matches!(
        profiles::delete_account(&site.store, Actor::Operator, chief.id, bob).await,
        Err(ActionError::Conflict(m)) if m.starts_with("The site needs at least one administrator")
    ));
    assert!(site.store.account(chief.id).await.unwrap().is_some());
    assert_eq!(audit_count(&site, "account_delete").await, 0);
}
