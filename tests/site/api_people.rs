//! The WordPress REST API for people, images, readers' comments from apps, and the
//! "Authorize Application" flow apps sign in with: each under the admin's own rules, per role.

use axum::body::Body;
use axum::http::StatusCode;
use newsdesk::domain::user::Role;
use serde_json::{Value, json};

use crate::api_write::{LOCAL, REMOTE, Tool, basic, png, send, with_tool};
use crate::support::{ORIGIN, TestSite};

on_both_backends!(demo:
    people_are_listed_as_each_viewer_may_see_them,
    administrators_add_change_and_delete_people,
    people_change_only_what_is_theirs,
    images_change_and_are_deleted_through_the_api,
    readers_comment_from_apps_only_when_the_site_allows,
    apps_are_authorized_in_the_admin,
);

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

async fn anonymous(
    site: &TestSite,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> crate::api_write::Answer {
    let (headers, body) = match body {
        Some(b) => (
            vec![("content-type", "application/json")],
            Body::from(b.to_string()),
        ),
        None => (Vec::new(), Body::empty()),
    };
    send(site.app.clone(), method, path, &headers, body, REMOTE).await
}

async fn people_are_listed_as_each_viewer_may_see_them(site: TestSite) {
    let (admin, admin_id, _) = with_tool(&site, "boss", Role::Administrator).await;
    let (editor, editor_id, _) = with_tool(&site, "eddie", Role::Editor).await;
    let newbie = site.add_staff("newbie", Role::Contributor).await;

    // The public: people with published work only, never a login or an address.
    let public = anonymous(&site, "GET", "/wp-json/wp/v2/users?per_page=100", None).await;
    assert_eq!(public.status, StatusCode::OK);
    let shown = ids(&public.json);
    assert!(!shown.is_empty(), "the demo's authors");
    assert!(!shown.contains(&newbie) && !shown.contains(&admin_id));
    assert!(public.json[0].get("email").is_none() && public.json[0].get("username").is_none());
    anonymous(
        &site,
        "GET",
        &format!("/wp-json/wp/v2/users/{newbie}"),
        None,
    )
    .await
    .refused(StatusCode::NOT_FOUND, "rest_user_invalid_id");
    anonymous(&site, "GET", "/wp-json/wp/v2/users?context=edit", None)
        .await
        .refused(StatusCode::UNAUTHORIZED, "rest_forbidden_context");
    anonymous(&site, "GET", "/wp-json/wp/v2/users?roles=editor", None)
        .await
        .refused(StatusCode::UNAUTHORIZED, "rest_user_cannot_view");

    // An editor does not manage people: the public's list, their own details only.
    let list = editor.get("/wp-json/wp/v2/users?per_page=100").await;
    assert!(!ids(&list.json).contains(&newbie));
    editor
        .get("/wp-json/wp/v2/users?context=edit")
        .await
        .refused(StatusCode::FORBIDDEN, "rest_forbidden_context");
    // Whether or not the person exists: the same answer.
    for id in [admin_id, 999_999] {
        editor
            .get(&format!("/wp-json/wp/v2/users/{id}?context=edit"))
            .await
            .refused(StatusCode::FORBIDDEN, "rest_forbidden_context");
    }
    let own = editor
        .get(&format!("/wp-json/wp/v2/users/{editor_id}?context=edit"))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.json);
    assert_eq!(own.json["email"], "eddie@news.example");
    assert_eq!(own.json["roles"], json!(["editor"]));
    let me = editor.get("/wp-json/wp/v2/users/me?context=edit").await;
    assert_eq!(me.json["username"], "eddie");
    assert_eq!(me.json["capabilities"]["edit_others_posts"], true);
    assert!(me.json["capabilities"].get("list_users").is_none());

    // An administrator sees the whole newsroom, in any context, by role.
    let all = admin
        .get("/wp-json/wp/v2/users?per_page=100&context=edit")
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.json);
    let everyone = ids(&all.json);
    assert!(everyone.contains(&newbie) && everyone.contains(&admin_id));
    let row = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == newbie)
        .unwrap();
    assert_eq!(row["username"], "newbie");
    assert_eq!(row["email"], "newbie@news.example");
    assert_eq!(row["roles"], json!(["contributor"]));
    assert_eq!(row["capabilities"]["edit_posts"], true);
    assert!(row["capabilities"].get("publish_posts").is_none());
    let contributors = admin
        .get("/wp-json/wp/v2/users?roles=contributor&context=edit&per_page=100")
        .await;
    assert!(ids(&contributors.json).contains(&newbie));
    assert!(
        contributors
            .json
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["roles"] == json!(["contributor"])),
        "{}",
        contributors.json
    );
    assert_eq!(
        contributors.header("x-wp-total"),
        contributors.json.as_array().unwrap().len().to_string()
    );
    admin
        .get("/wp-json/wp/v2/users?roles=subscriber")
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    let one = admin.get(&format!("/wp-json/wp/v2/users/{newbie}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.header("allow").contains("DELETE"));
}

async fn administrators_add_change_and_delete_people(site: TestSite) {
    let (admin, admin_id, _) = with_tool(&site, "boss", Role::Administrator).await;
    let (editor, editor_id, _) = with_tool(&site, "eddie", Role::Editor).await;

    // Adding: only administrators.
    let person = json!({
        "username": "rita",
        "email": "Rita@News.example",
        "name": "Rita Reporter",
        "roles": ["author"],
        "password": "a long and unusual passphrase 42",
        "description": "Covers the harbour.",
    });
    editor
        .post("/wp-json/wp/v2/users", person.clone())
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_create_user");
    anonymous(&site, "POST", "/wp-json/wp/v2/users", Some(person.clone()))
        .await
        .refused(StatusCode::UNAUTHORIZED, "rest_cannot_create_user");
    // A tool's application password cannot make sign-in credentials that would outlive it.
    admin
        .post("/wp-json/wp/v2/users", person.clone())
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    // The admin's own session (cookie and nonce) can.
    let session = site.sign_in(admin_id, "boss").await;
    let in_session = |method: &'static str, path: String, body: Value| {
        let app = site.app.clone();
        let cookie = session.cookie.clone();
        let nonce = session.csrf.clone();
        async move {
            send(
                app,
                method,
                &path,
                &[
                    ("cookie", cookie.as_str()),
                    ("x-wp-nonce", nonce.as_str()),
                    ("content-type", "application/json"),
                ],
                Body::from(body.to_string()),
                REMOTE,
            )
            .await
        }
    };
    let made = in_session("POST", "/wp-json/wp/v2/users".into(), person.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let rita = made.json["id"].as_i64().unwrap();
    assert!(
        made.header("location")
            .ends_with(&format!("/wp-json/wp/v2/users/{rita}"))
    );
    assert_eq!(made.json["username"], "rita");
    assert_eq!(made.json["email"], "rita@news.example");
    assert_eq!(made.json["name"], "Rita Reporter");
    assert_eq!(made.json["description"], "Covers the harbour.");
    assert_eq!(made.json["roles"], json!(["author"]));
    assert_ne!(
        made.json["slug"], "rita",
        "the public slug never shows the login"
    );
    // The password works for signing in (hashed as every other).
    let signed = newsdesk::actions::accounts::sign_in(
        &site.store,
        "rita",
        "a long and unusual passphrase 42",
        "192.0.2.1",
        "test",
        chrono::Utc::now(),
    )
    .await;
    assert!(signed.is_ok(), "{signed:?}");

    // The same login or address again, an unknown role, two roles: clear refusals.
    // Without a password, a tool may add people (they are invited from the admin).
    let mut person = person;
    person.as_object_mut().unwrap().remove("password");
    let again = admin.post("/wp-json/wp/v2/users", person.clone()).await;
    again.refused(StatusCode::BAD_REQUEST, "existing_user_login");
    let mut other = person.clone();
    other["username"] = json!("rita2");
    admin
        .post("/wp-json/wp/v2/users", other.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "existing_user_email");
    other["email"] = json!("rita2@news.example");
    other["roles"] = json!(["subscriber"]);
    let bad_role = admin.post("/wp-json/wp/v2/users", other.clone()).await;
    bad_role.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(bad_role.json["data"]["params"]["roles"].is_string());
    other["roles"] = json!(["author", "editor"]);
    admin
        .post("/wp-json/wp/v2/users", other.clone())
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    admin
        .post("/wp-json/wp/v2/users", json!({ "email": "x@news.example" }))
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_missing_callback_param");
    let count = site
        .raw_pairs("SELECT login, CAST(0 AS BIGINT) FROM users WHERE login LIKE 'rita%'")
        .await;
    assert_eq!(count.len(), 1, "nothing refused was added");

    // Changing: name and role; the login stays (sent back unchanged, it is accepted).
    let changed = admin
        .post(
            &format!("/wp-json/wp/v2/users/{rita}"),
            json!({ "name": "Rita R. Reporter", "roles": ["editor"], "username": "rita" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.json);
    assert_eq!(changed.json["name"], "Rita R. Reporter");
    assert_eq!(changed.json["roles"], json!(["editor"]));
    admin
        .post(
            &format!("/wp-json/wp/v2/users/{rita}"),
            json!({ "username": "rita-new" }),
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_user_invalid_argument");
    // A new password from an administrator (in the admin's session, not with a tool's
    // password); a weak one is refused before anything else in the request is written.
    let path = format!("/wp-json/wp/v2/users/{rita}");
    admin
        .call(
            "PUT",
            &path,
            Some(json!({ "password": "another long passphrase 77" })),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    let weak = in_session(
        "PUT",
        path.clone(),
        json!({ "name": "Half Written", "password": "rita" }),
    )
    .await;
    weak.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    let now = admin.get(&format!("{path}?context=edit")).await;
    assert_eq!(now.json["name"], "Rita R. Reporter", "nothing was written");
    let reset = in_session(
        "PUT",
        path.clone(),
        json!({ "password": "another long passphrase 77" }),
    )
    .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.json);

    // Deleting: for good only, and what the person wrote goes to someone.
    let (rita_tool_story, _) = {
        let story = admin
            .post(
                "/wp-json/wp/v2/posts",
                json!({ "title": "Harbour report", "author": rita, "status": "draft" }),
            )
            .await;
        assert_eq!(story.status, StatusCode::CREATED, "{}", story.json);
        (story.json["id"].as_i64().unwrap(), ())
    };
    let path = format!("/wp-json/wp/v2/users/{rita}");
    admin
        .call("DELETE", &path, None)
        .await
        .refused(StatusCode::NOT_IMPLEMENTED, "rest_trash_not_supported");
    admin
        .call("DELETE", &format!("{path}?force=true"), None)
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_missing_callback_param");
    admin
        .call("DELETE", &format!("{path}?force=true&reassign=false"), None)
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_user_invalid_reassign");
    admin
        .call(
            "DELETE",
            &format!("{path}?force=true&reassign={rita}"),
            None,
        )
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_user_invalid_reassign");
    editor
        .call(
            "DELETE",
            &format!("{path}?force=true&reassign={admin_id}"),
            None,
        )
        .await
        .refused(StatusCode::FORBIDDEN, "rest_user_cannot_delete");
    let gone = admin
        .call(
            "DELETE",
            &format!("{path}?force=true&reassign={admin_id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.json);
    assert_eq!(gone.json["deleted"], true);
    assert_eq!(gone.json["previous"]["username"], "rita");
    admin
        .get(&path)
        .await
        .refused(StatusCode::NOT_FOUND, "rest_user_invalid_id");
    let story = admin
        .get(&format!(
            "/wp-json/wp/v2/posts/{rita_tool_story}?context=edit"
        ))
        .await;
    assert_eq!(story.json["author"], admin_id, "{}", story.json);
    // Nobody deletes their own account.
    let own = admin
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/users/me?force=true&reassign={editor_id}"),
            None,
        )
        .await;
    own.refused(StatusCode::CONFLICT, "rest_conflict");
    assert!(
        own.json["message"]
            .as_str()
            .unwrap()
            .contains("your own account")
    );
}

async fn people_change_only_what_is_theirs(site: TestSite) {
    let (author, author_id, _) = with_tool(&site, "abe", Role::Author).await;
    let other = site.add_staff("other", Role::Author).await;

    let bio = author
        .post(
            "/wp-json/wp/v2/users/me",
            json!({ "name": "Abe Writer", "description": "Writes about boats." }),
        )
        .await;
    assert_eq!(bio.status, StatusCode::OK, "{}", bio.json);
    assert_eq!(bio.json["name"], "Abe Writer");
    assert_eq!(bio.json["description"], "Writes about boats.");
    // The whole object sent back, as many clients do, changes nothing else.
    let mut whole = bio.json.clone();
    whole.as_object_mut().unwrap().remove("_links");
    let back = author
        .post(&format!("/wp-json/wp/v2/users/{author_id}"), whole)
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.json);
    assert_eq!(back.json["name"], "Abe Writer");

    // What only administrators change.
    author
        .post("/wp-json/wp/v2/users/me", json!({ "roles": ["editor"] }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit_roles");
    author
        .post(
            "/wp-json/wp/v2/users/me",
            json!({ "email": "new@news.example" }),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    author
        .post(
            "/wp-json/wp/v2/users/me",
            json!({ "password": "a brand new long passphrase" }),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    author
        .post(
            &format!("/wp-json/wp/v2/users/{other}"),
            json!({ "name": "Hijacked" }),
        )
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    let too_long = author
        .post(
            "/wp-json/wp/v2/users/me",
            json!({ "name": "", "description": "x".repeat(3000) }),
        )
        .await;
    too_long.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(
        too_long.json["data"]["params"]["name"].is_string(),
        "{}",
        too_long.json
    );
    assert!(too_long.json["data"]["params"]["description"].is_string());
    let now = author.get("/wp-json/wp/v2/users/me?context=edit").await;
    assert_eq!(now.json["name"], "Abe Writer", "a refusal changes nothing");
    assert_eq!(now.json["roles"], json!(["author"]));
    assert_eq!(now.json["email"], "abe@news.example");
    anonymous(
        &site,
        "POST",
        "/wp-json/wp/v2/users/me",
        Some(json!({ "name": "x" })),
    )
    .await
    .refused(StatusCode::UNAUTHORIZED, "rest_not_logged_in");
}

/// Uploads a PNG as `tool` and returns its id.
async fn upload(tool: &Tool<'_>, name: &str) -> i64 {
    let disposition = format!("attachment; filename=\"{name}\"");
    let up = send(
        tool.site.app.clone(),
        "POST",
        "/wp-json/wp/v2/media",
        &[
            ("authorization", tool.auth.as_str()),
            ("content-type", "image/png"),
            ("content-disposition", disposition.as_str()),
        ],
        Body::from(png(400, 300)),
        LOCAL,
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.json);
    up.json["id"].as_i64().unwrap()
}

async fn images_change_and_are_deleted_through_the_api(site: TestSite) {
    let (author, _, _) = with_tool(&site, "abe", Role::Author).await;
    let (other, _, _) = with_tool(&site, "ann", Role::Author).await;
    let (editor, _, _) = with_tool(&site, "eddie", Role::Editor).await;
    let image = upload(&author, "harbour.png").await;
    let path = format!("/wp-json/wp/v2/media/{image}");

    let changed = author
        .post(
            &path,
            json!({ "alt_text": "Fishing boats at dawn", "caption": { "raw": "The harbour, 6 a.m." } }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.json);
    assert_eq!(changed.json["alt_text"], "Fishing boats at dawn");
    assert_eq!(
        changed.json["caption"]["rendered"],
        "<p>The harbour, 6 a.m.</p>\n"
    );
    // The title follows the file name: sent back unchanged it is accepted, changed it is not.
    let same = author
        .post(
            &path,
            json!({ "title": "harbour", "alt_text": "Fishing boats at dawn" }),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.json);
    author
        .post(&path, json!({ "title": "Another title" }))
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    // Another author's upload is not theirs to change; an editor's it is.
    other
        .post(&path, json!({ "alt_text": "Mine now" }))
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_edit");
    let by_editor = editor.post(&path, json!({ "alt_text": "Boats" })).await;
    assert_eq!(by_editor.json["alt_text"], "Boats");
    anonymous(&site, "POST", &path, Some(json!({ "alt_text": "x" })))
        .await
        .refused(StatusCode::UNAUTHORIZED, "rest_cannot_edit");
    author
        .post(&path, json!({ "alt_text": "x".repeat(2000) }))
        .await
        .refused(StatusCode::BAD_REQUEST, "rest_invalid_param");

    // Deleting: no trash, so `force` is needed; an image stories use stays.
    author
        .call("DELETE", &path, None)
        .await
        .refused(StatusCode::NOT_IMPLEMENTED, "rest_trash_not_supported");
    let used = upload(&author, "used.png").await;
    let story = author
        .post(
            "/wp-json/wp/v2/posts",
            json!({ "title": "Boats", "featured_media": used, "status": "publish" }),
        )
        .await;
    assert_eq!(story.status, StatusCode::CREATED, "{}", story.json);
    let in_use = author
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/media/{used}?force=true"),
            None,
        )
        .await;
    in_use.refused(StatusCode::CONFLICT, "rest_media_in_use");
    assert!(in_use.json["message"].as_str().unwrap().contains("1 story"));
    other
        .call("DELETE", &format!("{path}?force=true"), None)
        .await
        .refused(StatusCode::FORBIDDEN, "rest_cannot_delete");
    let gone = author
        .call("DELETE", &format!("{path}?force=true"), None)
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.json);
    assert_eq!(gone.json["deleted"], true);
    assert_eq!(gone.json["previous"]["alt_text"], "Boats");
    author
        .post(&path, json!({ "alt_text": "x" }))
        .await
        .refused(StatusCode::NOT_FOUND, "rest_post_invalid_id");
    // Pages and avatars keep theirs too.
    let on_page = upload(&author, "masthead.png").await;
    site.raw_execute(&format!(
        "UPDATE pages SET featured_image_id = {on_page} WHERE id = (SELECT MIN(id) FROM pages)"
    ))
    .await;
    let page_use = author
        .call(
            "DELETE",
            &format!("/wp-json/wp/v2/media/{on_page}?force=true"),
            None,
        )
        .await;
    page_use.refused(StatusCode::CONFLICT, "rest_media_in_use");
    assert!(
        page_use.json["message"]
            .as_str()
            .unwrap()
            .contains("1 page"),
        "{}",
        page_use.json
    );
    let left = site
        .raw_pairs(&format!(
            "SELECT file_name, id FROM media WHERE id IN ({image}, {used})"
        ))
        .await;
    assert_eq!(left.len(), 1, "only the image in use is left: {left:?}");
}

async fn readers_comment_from_apps_only_when_the_site_allows(site: TestSite) {
    let stories = anonymous(&site, "GET", "/wp-json/wp/v2/posts?per_page=1", None).await;
    let story = stories.json[0]["id"].as_i64().unwrap();
    let comment = json!({
        "post": story,
        "content": "Thanks for this report from the harbour.",
        "author_name": "Rhea Reader",
        "author_email": "rhea@example.org",
    });
    // Off by default, as in WordPress.
    anonymous(
        &site,
        "POST",
        "/wp-json/wp/v2/comments",
        Some(comment.clone()),
    )
    .await
    .refused(StatusCode::UNAUTHORIZED, "rest_comment_login_required");

    site.settings(&[("api_comments", "on")]).await;
    let posted = anonymous(
        &site,
        "POST",
        "/wp-json/wp/v2/comments",
        Some(comment.clone()),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.json);
    // A first-time commenter waits for a moderator, as on the form; the answer never shows
    // the address.
    assert_eq!(posted.json["status"], "hold");
    assert_eq!(posted.json["author_name"], "Rhea Reader");
    assert!(posted.json.get("author_email").is_none() && posted.json.get("author_ip").is_none());
    let id = posted.json["id"].as_i64().unwrap();
    let stored = site
        .raw_pairs(&format!(
            "SELECT author_ip || ' ' || status, id FROM comments WHERE id = {id}"
        ))
        .await;
    assert_eq!(stored[0].0, format!("{REMOTE} pending"));
    // Not public until approved.
    anonymous(&site, "GET", &format!("/wp-json/wp/v2/comments/{id}"), None)
        .await
        .refused(StatusCode::NOT_FOUND, "rest_comment_invalid_id");

    // The form's rules: the same comment twice, required fields, what only the site sets.
    anonymous(
        &site,
        "POST",
        "/wp-json/wp/v2/comments",
        Some(comment.clone()),
    )
    .await
    .refused(StatusCode::CONFLICT, "comment_duplicate");
    let mut nameless = comment.clone();
    nameless["author_email"] = json!("");
    nameless["content"] = json!("Another thought.");
    let refused = anonymous(&site, "POST", "/wp-json/wp/v2/comments", Some(nameless)).await;
    refused.refused(StatusCode::BAD_REQUEST, "rest_invalid_param");
    assert!(
        refused.json["data"]["params"]["author_email"].is_string(),
        "{}",
        refused.json
    );
    let mut approved = comment.clone();
    approved["status"] = json!("approved");
    anonymous(&site, "POST", "/wp-json/wp/v2/comments", Some(approved))
        .await
        .refused(StatusCode::UNAUTHORIZED, "rest_comment_invalid_author");
    let mut nowhere = comment.clone();
    nowhere["post"] = json!(999_999);
    anonymous(&site, "POST", "/wp-json/wp/v2/comments", Some(nowhere))
        .await
        .refused(StatusCode::NOT_FOUND, "rest_comment_invalid_post_id");
    let count = site
        .raw_pairs("SELECT author_name, CAST(COUNT(*) AS BIGINT) FROM comments WHERE author_email = 'rhea@example.org' GROUP BY author_name")
        .await;
    assert_eq!(count, vec![("Rhea Reader".to_owned(), 1)]);

    // A password-protected story takes comments only on the site, after its password.
    let protected = site
        .raw_execute(&format!(
            "UPDATE articles SET password = 'secret' WHERE id = {story}"
        ))
        .await;
    assert_eq!(protected, 1);
    let mut locked = comment.clone();
    locked["content"] = json!("Let me in.");
    anonymous(
        &site,
        "POST",
        "/wp-json/wp/v2/comments",
        Some(locked.clone()),
    )
    .await
    .refused(StatusCode::FORBIDDEN, "rest_cannot_read_post");
    site.raw_execute(&format!(
        "UPDATE articles SET password = '' WHERE id = {story}"
    ))
    .await;
    // A page of another site cannot post through its readers' browsers.
    let cross = send(
        site.app.clone(),
        "POST",
        "/wp-json/wp/v2/comments",
        &[
            ("content-type", "application/json"),
            ("origin", "https://elsewhere.example"),
        ],
        Body::from(locked.to_string()),
        REMOTE,
    )
    .await;
    cross.refused(StatusCode::FORBIDDEN, "rest_comment_cross_site");

    // A moderator finds it in the queue.
    let (moderator, _, _) = with_tool(&site, "mod", Role::Editor).await;
    let held = moderator.get("/wp-json/wp/v2/comments?status=hold").await;
    assert!(ids(&held.json).contains(&id), "{}", held.json);
}

async fn apps_are_authorized_in_the_admin(site: TestSite) {
    let index = anonymous(&site, "GET", "/wp-json/", None).await;
    assert_eq!(
        index.json["authentication"]["application-passwords"]["endpoints"]["authorization"],
        format!("{ORIGIN}/wp-admin/authorize-application.php")
    );
    let ask = "app_name=Phone%20app&app_id=0b5d9d3e-8f9a-4c1e-9a51-3f4c2a1b7e60\
               &success_url=https%3A%2F%2Fapp.example%2Fdone%3Fstate%3D7&reject_url=wordpress%3A%2F%2Fno";
    // WordPress's address leads to the admin's page; a signed-out browser signs in first and
    // comes back to the same request.
    let start = site
        .get(&format!("/wp-admin/authorize-application.php?{ask}"))
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    assert_eq!(
        start.location(),
        format!("/admin/authorize-application?{ask}")
    );
    let signed_out = site.get(start.location()).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert!(
        signed_out
            .location()
            .starts_with("/admin/login?next=/admin/authorize-application%3Fapp_name")
    );

    let ed = site.staff("eddie", Role::Editor).await;
    let page = site.admin_get(&ed, start.location()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.texts("main").join(" ");
    assert!(
        text.contains("Phone app") && text.contains("eddie") && text.contains("editor"),
        "{text}"
    );
    assert!(
        text.contains("https://app.example"),
        "where the browser goes: {text}"
    );
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("form-action 'self' https://app.example wordpress:"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));

    // Approved: the password goes to the app's address, and works.
    let fields = [
        ("app_name", "Phone app"),
        ("app_id", "0b5d9d3e-8f9a-4c1e-9a51-3f4c2a1b7e60"),
        ("success_url", "https://app.example/done?state=7"),
        ("reject_url", "wordpress://no"),
    ];
    let mut approve = fields.to_vec();
    approve.push(("decision", "approve"));
    let done = site
        .admin_post(&ed, "/admin/authorize-application", &approve)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let to = url::Url::parse(done.location()).unwrap();
    assert_eq!((to.host_str(), to.path()), (Some("app.example"), "/done"));
    let q: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "7", "the app's own parameters are kept");
    assert_eq!(q["user_login"], "eddie");
    assert_eq!(q["site_url"], ORIGIN);
    let tool = Tool {
        site: &site,
        auth: basic("eddie", &q["password"]),
    };
    let me = tool.get("/wp-json/wp/v2/users/me").await;
    assert_eq!(
        (me.status, me.json["id"].as_i64()),
        (StatusCode::OK, Some(ed.id))
    );
    let listed = tool
        .get("/wp-json/wp/v2/users/me/application-passwords")
        .await;
    assert_eq!(listed.json[0]["name"], "Phone app");

    // Declined: back to the app, no password made.
    let mut decline = fields.to_vec();
    decline[0] = ("app_name", "Another app");
    decline.push(("decision", "reject"));
    let no = site
        .admin_post(&ed, "/admin/authorize-application", &decline)
        .await;
    assert_eq!(no.status, StatusCode::SEE_OTHER);
    assert_eq!(no.location(), "wordpress://no?success=false");
    let listed = tool
        .get("/wp-json/wp/v2/users/me/application-passwords")
        .await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);

    // Without a success_url, the password is shown once on the page.
    let shown = site
        .admin_post(
            &ed,
            "/admin/authorize-application",
            &[("app_name", "Desktop editor"), ("decision", "approve")],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let secret = shown.texts("#new-app-password").join("");
    assert_eq!(secret.trim().len(), 29, "{secret}");

    // Addresses that could run script or send the password in the clear are refused.
    for bad in [
        "javascript:alert(1)",
        "http://app.example/done",
        "data:text/html,x",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(bad.as_bytes()).collect();
        let page = site
            .admin_get(
                &ed,
                &format!("/admin/authorize-application?app_name=X&success_url={encoded}"),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.texts("[role=alert]")
                .join(" ")
                .contains("cannot be approved"),
            "{bad}"
        );
        assert!(
            page.attrs("button[value=approve]", "value").is_empty(),
            "{bad}: no approve button"
        );
        let refused = site
            .admin_post(
                &ed,
                "/admin/authorize-application",
                &[
                    ("app_name", "X"),
                    ("success_url", bad),
                    ("decision", "approve"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let listed = tool
        .get("/wp-json/wp/v2/users/me/application-passwords")
        .await;
    assert_eq!(listed.json.as_array().unwrap().len(), 2, "{}", listed.json);
}
