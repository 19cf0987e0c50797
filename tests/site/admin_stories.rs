//! The story editor and list: every role at each boundary, validation, scheduling, embargo,
//! autosave, revisions, the edit lock and preview.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use newsdesk::actions::stories;
use newsdesk::domain::user::Role;

use crate::support::{Staff, TestSite};

on_both_backends!(empty:
    contributors_write_drafts_and_submit_but_cannot_publish,
    authors_publish_their_own_stories_only,
    editors_edit_publish_and_unpublish_anyones_story,
    invalid_input_is_shown_next_to_the_fields_and_kept,
    scheduled_stories_publish_at_their_time_exactly_once,
    embargoed_stories_cannot_be_published_early,
    autosave_keeps_work_without_touching_the_story,
    revisions_show_what_changed_and_can_be_restored,
    a_second_editor_is_warned_and_preview_shows_unsaved_text,
    the_list_filters_searches_and_changes_stories_in_bulk,
    the_featured_images_alt_text_is_edited_beside_it,
    people_without_editing_rights_see_only_what_they_may,
    saving_says_what_happened_and_names_the_browser_copy,
    editors_saving_one_headline_at_once_get_distinct_addresses,
    every_admin_list_takes_any_page_number,
);

/// Saves the editor form of story `id` (or a new story) with these fields and `intent`.
pub(crate) async fn save(
    site: &TestSite,
    who: &Staff,
    id: Option<i64>,
    fields: &[(&str, &str)],
    intent: &str,
) -> crate::support::Page {
    let path = match id {
        Some(id) => format!("/admin/stories/{id}"),
        None => "/admin/stories/new".to_owned(),
    };
    let author = who.id.to_string();
    let mut all: Vec<(&str, &str)> = vec![("intent", intent)];
    if !fields.iter().any(|(k, _)| *k == "author") {
        all.push(("author", &author));
    }
    all.extend_from_slice(fields);
    site.admin_post(who, &path, &all).await
}

/// The id of the story a redirect after saving points at.
pub(crate) fn saved_id(res: &crate::support::Page) -> i64 {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "not saved: {}", res.body);
    res.location()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|_| panic!("unexpected redirect {}", res.location()))
}

async fn status_of(site: &TestSite, id: i64) -> String {
    site.store
        .story(id)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

async fn public_url(site: &TestSite, id: i64) -> String {
    let s = site.store.story(id).await.unwrap().unwrap();
    newsdesk::domain::article::article_path(s.published_at.unwrap(), &s.slug, chrono_tz::UTC)
}

async fn contributors_write_drafts_and_submit_but_cannot_publish(site: TestSite) {
    let carl = site.staff("carl", Role::Contributor).await;
    let id = saved_id(
        &save(
            &site,
            &carl,
            None,
            &[
                ("title", "Council votes on budget"),
                ("body", "First paragraph.\n\nSecond."),
            ],
            "save",
        )
        .await,
    );
    assert_eq!(status_of(&site, id).await, "draft");
    let story = site.store.story(id).await.unwrap().unwrap();
    assert_eq!(story.body, "<p>First paragraph.</p>\n<p>Second.</p>\n");
    // Publishing is refused and changes nothing.
    let res = save(
        &site,
        &carl,
        Some(id),
        &[("title", "Council votes on budget, changed")],
        "publish",
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        site.store.story(id).await.unwrap().unwrap().title,
        "Council votes on budget"
    );
    let res = save(
        &site,
        &carl,
        Some(id),
        &[("title", "Council votes on budget")],
        "submit",
    )
    .await;
    assert_eq!(saved_id(&res), id);
    assert_eq!(status_of(&site, id).await, "pending");
    // Someone else's draft is out of reach, to read and to change.
    let dana = site.staff("dana", Role::Contributor).await;
    assert_eq!(
        site.admin_get(&dana, &format!("/admin/stories/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let res = save(&site, &dana, Some(id), &[("title", "Hijacked")], "save").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Once an editor publishes it, the contributor can no longer change it.
    let eve = site.staff("eve", Role::Editor).await;
    let carl_id = carl.id.to_string();
    saved_id(
        &save(
            &site,
            &eve,
            Some(id),
            &[("title", "Council votes on budget"), ("author", &carl_id)],
            "publish",
        )
        .await,
    );
    assert_eq!(status_of(&site, id).await, "published");
    let res = save(
        &site,
        &carl,
        Some(id),
        &[("title", "Quietly changed")],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Contributors cannot upload either (the media library requires authors).
    assert!(
        !newsdesk::domain::user::Role::Contributor
            .can(newsdesk::domain::user::Capability::UploadMedia)
    );
}

async fn authors_publish_their_own_stories_only(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let id = saved_id(
        &save(
            &site,
            &ann,
            None,
            &[
                ("title", "Harbour reopens"),
                ("body", "<p>Ships are back.</p>"),
            ],
            "publish",
        )
        .await,
    );
    assert_eq!(status_of(&site, id).await, "published");
    let page = site.get(&public_url(&site, id).await).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ships are back."));
    // A colleague's story: neither editing nor publishing it by joining its byline.
    let bob = site.staff("bob", Role::Author).await;
    let bobs = saved_id(&save(&site, &bob, None, &[("title", "Bob's draft")], "save").await);
    assert_eq!(
        site.admin_get(&ann, &format!("/admin/stories/{bobs}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let both = format!("{}", ann.id);
    let res = site
        .admin_post(
            &ann,
            &format!("/admin/stories/{bobs}"),
            &[
                ("intent", "publish"),
                ("title", "Bob's draft"),
                ("author", &both),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&site, bobs).await, "draft");
    // Authors may not put only someone else on their byline.
    let bob_id = bob.id.to_string();
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Ghost-written"), ("author", &bob_id)],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("You must stay on the byline"));
}

async fn editors_edit_publish_and_unpublish_anyones_story(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let id = saved_id(&save(&site, &ann, None, &[("title", "Storm warning")], "save").await);
    let eve = site.staff("eve", Role::Editor).await;
    let ann_id = ann.id.to_string();
    saved_id(
        &save(
            &site,
            &eve,
            Some(id),
            &[
                ("title", "Storm warning for the coast"),
                ("author", &ann_id),
            ],
            "publish",
        )
        .await,
    );
    let url = public_url(&site, id).await;
    assert!(
        site.get(&url)
            .await
            .body
            .contains("Storm warning for the coast")
    );
    saved_id(
        &save(
            &site,
            &eve,
            Some(id),
            &[
                ("title", "Storm warning for the coast"),
                ("author", &ann_id),
            ],
            "unpublish",
        )
        .await,
    );
    assert_eq!(status_of(&site, id).await, "draft");
    assert_eq!(site.get(&url).await.status, StatusCode::NOT_FOUND);
    // Trash, restore, delete for good.
    let res = save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Storm warning for the coast"),
            ("author", &ann_id),
        ],
        "trash",
    )
    .await;
    assert_eq!(res.location(), "/admin/stories");
    assert_eq!(status_of(&site, id).await, "trash");
    saved_id(
        &save(
            &site,
            &eve,
            Some(id),
            &[
                ("title", "Storm warning for the coast"),
                ("author", &ann_id),
            ],
            "restore",
        )
        .await,
    );
    assert_eq!(status_of(&site, id).await, "draft");
    let res = site
        .admin_post(&eve, &format!("/admin/stories/{id}/delete"), &[])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "only from the trash");
    save(
        &site,
        &eve,
        Some(id),
        &[
            ("title", "Storm warning for the coast"),
            ("author", &ann_id),
        ],
        "trash",
    )
    .await;
    let res = site
        .admin_post(&eve, &format!("/admin/stories/{id}/delete"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(site.store.story(id).await.unwrap().is_none());
}

async fn invalid_input_is_shown_next_to_the_fields_and_kept(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let body = "<p>Every <strong>word</strong> I typed.</p>";
    let res = save(
        &site,
        &ann,
        None,
        &[
            ("title", "  "),
            ("body", body),
            ("excerpt", "My standfirst"),
            ("source_url", "ftp://x"),
            ("publish_at", "tomorrow"),
            ("tags", "Budget, Council"),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.texts("#title-error"), ["A story needs a headline."]);
    assert_eq!(
        res.texts("#source_url-error"),
        ["Enter an address starting with http:// or https://."]
    );
    assert!(res.texts("#publish_at-error")[0].starts_with("Enter a date and time"));
    assert_eq!(res.attrs("#title", "aria-invalid"), ["true"]);
    assert!(res.texts(".error-summary li").len() >= 3);
    // Nothing typed is lost.
    // The textarea holds the story's HTML as text, so the editor shows it as it was.
    assert_eq!(res.texts("#body"), [body]);
    assert_eq!(res.texts("#excerpt"), ["My standfirst"]);
    assert_eq!(res.attrs("#source_url", "value"), ["ftp://x"]);
    assert_eq!(res.attrs("#publish_at", "value"), ["tomorrow"]);
    assert_eq!(res.attrs("#tags", "value"), ["Budget, Council"]);
    let (_, total) = site.store.desk(&Default::default()).await.unwrap();
    assert_eq!(total, 0, "nothing was saved");
    // A slug another story uses is refused when asked for explicitly.
    saved_id(
        &save(
            &site,
            &ann,
            None,
            &[("title", "First"), ("slug", "taken")],
            "save",
        )
        .await,
    );
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Second"), ("slug", "taken")],
        "save",
    )
    .await;
    assert_eq!(
        res.texts("#slug-error"),
        ["Another story already uses this address."]
    );
    // Made from the headline, a slug gets a free suffix instead.
    let a = saved_id(&save(&site, &ann, None, &[("title", "Same headline")], "save").await);
    let b = saved_id(&save(&site, &ann, None, &[("title", "Same headline")], "save").await);
    assert_eq!(
        site.store.story(a).await.unwrap().unwrap().slug,
        "same-headline"
    );
    assert_eq!(
        site.store.story(b).await.unwrap().unwrap().slug,
        "same-headline-2"
    );
}

async fn scheduled_stories_publish_at_their_time_exactly_once(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let when = (Utc::now() + Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Polls close"), ("publish_at", &when)],
        "publish",
    )
    .await;
    let id = saved_id(&res);
    assert_eq!(status_of(&site, id).await, "scheduled");
    let page = site.admin_follow(&ann, &res).await;
    assert!(page.texts(".flash")[0].starts_with("Story scheduled for"));
    let url = public_url(&site, id).await;
    assert_eq!(site.get(&url).await.status, StatusCode::NOT_FOUND);
    // The scheduler's clock, moved by hand.
    let now = Utc::now();
    assert_eq!(
        stories::publish_due(&site.store, now).await.unwrap(),
        Vec::<i64>::new()
    );
    let later = now + Duration::hours(3);
    // Two nodes sweeping at the same moment: the story is published by exactly one.
    let other_node = newsdesk::store::Store::connect(&site.url, 2).await.unwrap();
    let (a, b) = tokio::join!(
        stories::publish_due(&site.store, later),
        stories::publish_due(&other_node, later)
    );
    let mut published: Vec<i64> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    published.sort();
    assert_eq!(published, vec![id]);
    assert_eq!(status_of(&site, id).await, "published");
    assert_eq!(
        stories::publish_due(&site.store, later).await.unwrap(),
        Vec::<i64>::new()
    );
    other_node.close().await;
}

async fn embargoed_stories_cannot_be_published_early(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let embargo = (Utc::now() + Duration::hours(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let res = save(
        &site,
        &eve,
        None,
        &[
            ("title", "Results under embargo"),
            ("embargo_until", &embargo),
        ],
        "publish",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.texts("#publish_at-error")[0].contains("under embargo"));
    assert_eq!(res.attrs("#embargo_until", "value"), [embargo.as_str()]);
    // Scheduled for the end of the embargo, it is accepted.
    let id = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[
                ("title", "Results under embargo"),
                ("embargo_until", &embargo),
                ("publish_at", &embargo),
            ],
            "publish",
        )
        .await,
    );
    assert_eq!(status_of(&site, id).await, "scheduled");
}

async fn autosave_keeps_work_without_touching_the_story(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    // A story never saved: the first autosave makes it a draft.
    let res = site
        .admin_post(
            &ann,
            "/admin/stories/autosave",
            &[
                ("title", "Breaking: bridge closed"),
                ("body", "<p>First lines</p>"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let id = json["id"].as_i64().unwrap();
    assert_eq!(json["edit_url"], format!("/admin/stories/{id}"));
    assert_eq!(status_of(&site, id).await, "draft");
    // Later autosaves keep the text apart from the story.
    let res = site
        .admin_post(
            &ann,
            &format!("/admin/stories/{id}/autosave"),
            &[
                ("title", "Breaking: bridge closed"),
                ("body", "<p>First lines and more typed later</p>"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        site.store.story(id).await.unwrap().unwrap().body,
        "<p>First lines</p>"
    );
    // After signing in again, the editor offers the text back.
    let again = site.sign_in(ann.id, "ann").await;
    let page = site
        .admin_get(&again, &format!("/admin/stories/{id}"))
        .await;
    assert!(
        page.body
            .contains("saved automatically but never saved for real")
    );
    let restored = site
        .admin_get(&again, &format!("/admin/stories/{id}?restore=1"))
        .await;
    assert!(restored.texts("#body")[0].contains("more typed later"));
    // Signed out, the script is told so (and keeps its copy).
    let res = site
        .post_form_with(
            &format!("/admin/stories/{id}/autosave"),
            &[("title", "x")],
            "192.0.2.10",
            &[
                ("origin", crate::support::ORIGIN),
                ("x-csrf-token", "stale"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.body, r#"{"error":"signed_out"}"#);
    // Someone else's story cannot be autosaved into.
    let bob = site.staff("bob", Role::Author).await;
    let res = site
        .admin_post(
            &bob,
            &format!("/admin/stories/{id}/autosave"),
            &[("title", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn revisions_show_what_changed_and_can_be_restored(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let id = saved_id(
        &save(
            &site,
            &ann,
            None,
            &[
                ("title", "Rates rise"),
                ("body", "<p>The bank raised rates.</p>"),
            ],
            "save",
        )
        .await,
    );
    save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Rates fall"),
            ("body", "<p>The bank cut rates.</p>"),
        ],
        "save",
    )
    .await;
    let list = site
        .admin_get(&ann, &format!("/admin/stories/{id}/revisions"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let rows = list.texts("tbody tr");
    assert_eq!(rows.len(), 2);
    assert!(rows[0].contains("Ann Surname") && rows[0].contains("Rates fall"));
    let revs = site.store.revisions(id).await.unwrap();
    let diff = site
        .admin_get(
            &ann,
            &format!("/admin/stories/{id}/revisions/{}", revs[0].id),
        )
        .await;
    assert_eq!(diff.texts(".diff del"), ["rise", "raised"]);
    assert_eq!(diff.texts(".diff ins"), ["fall", "cut"]);
    let res = site
        .admin_post(
            &ann,
            &format!("/admin/stories/{id}/revisions/{}/restore", revs[1].id),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let story = site.store.story(id).await.unwrap().unwrap();
    assert_eq!(
        (story.title.as_str(), story.body.as_str()),
        ("Rates rise", "<p>The bank raised rates.</p>")
    );
    assert_eq!(site.store.revisions(id).await.unwrap().len(), 3);
}

async fn a_second_editor_is_warned_and_preview_shows_unsaved_text(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let id = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Draft headline"), ("body", "<p>Saved text.</p>")],
            "save",
        )
        .await,
    );
    let first = site.admin_get(&eve, &format!("/admin/stories/{id}")).await;
    assert!(first.texts("p.warning").is_empty());
    let fay = site.staff("fay", Role::Editor).await;
    let second = site.admin_get(&fay, &format!("/admin/stories/{id}")).await;
    assert_eq!(
        second.texts("p.warning"),
        [
            "Eve Surname is also editing this story. If they save first, you will see what they changed before anything of yours is saved."
        ]
    );
    let eve_id = eve.id.to_string();
    let res = site
        .admin_post(
            &fay,
            &format!("/admin/stories/{id}/preview"),
            &[
                ("title", "Unsaved headline"),
                ("body", "<p>Unsaved text.</p>"),
                ("author", &eve_id),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.texts("h1"), ["Unsaved headline"]);
    assert!(res.body.contains("Unsaved text."));
    assert_eq!(res.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(
        site.store.story(id).await.unwrap().unwrap().title,
        "Draft headline"
    );
}

async fn the_list_filters_searches_and_changes_stories_in_bulk(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let a = saved_id(&save(&site, &eve, None, &[("title", "Budget passes")], "publish").await);
    let b = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Budget row deepens")],
            "save",
        )
        .await,
    );
    let c = saved_id(&save(&site, &eve, None, &[("title", "Weather turns")], "save").await);
    let list = site.admin_get(&eve, "/admin/stories?q=budget").await;
    assert_eq!(
        list.texts("td.title > a"),
        ["Budget row deepens", "Budget passes"]
    );
    let drafts = site
        .admin_get(&eve, "/admin/stories?status=draft&sort=title")
        .await;
    assert_eq!(
        drafts.texts("td.title > a"),
        ["Budget row deepens", "Weather turns"]
    );
    let (b_s, c_s) = (b.to_string(), c.to_string());
    let res = site
        .admin_post(
            &eve,
            "/admin/stories/bulk",
            &[("action", "trash"), ("id", &b_s), ("id", &c_s)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let after = site.admin_follow(&eve, &res).await;
    assert_eq!(after.texts(".flash"), ["2 stories changed."]);
    assert_eq!(after.texts("td.title > a"), ["Budget passes"]);
    let trash = site.admin_get(&eve, "/admin/stories?status=trash").await;
    assert_eq!(trash.texts("td.title > a").len(), 2);
    assert_eq!(status_of(&site, a).await, "published");
    // A contributor's bulk request skips what they may not touch.
    let carl = site.staff("carl", Role::Contributor).await;
    let a_s = a.to_string();
    let res = site
        .admin_post(
            &carl,
            "/admin/stories/bulk",
            &[("action", "unpublish"), ("id", &a_s)],
        )
        .await;
    let after = site.admin_follow(&carl, &res).await;
    assert!(after.texts(".flash")[0].starts_with("0 stories changed. 1 could not be changed"));
    assert_eq!(status_of(&site, a).await, "published");
}

async fn the_featured_images_alt_text_is_edited_beside_it(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let me = newsdesk::domain::user::Staff {
        id: ann.id,
        login: "ann".into(),
        display_name: "Ann Surname".into(),
        email: "ann@news.example".into(),
        role: Role::Author,
    };
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(400, 300, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .write_to(&mut png, image::ImageFormat::Png)
    .unwrap();
    let item = newsdesk::actions::media::upload(
        &site.store,
        &me,
        "quay.png",
        png.into_inner(),
        "",
        "The quay",
        Utc::now(),
    )
    .await
    .unwrap();
    let image = item.id.to_string();
    let id = saved_id(
        &save(
            &site,
            &ann,
            None,
            &[("title", "Quay repaired"), ("featured_image_id", &image)],
            "save",
        )
        .await,
    );
    let editor = site.admin_get(&ann, &format!("/admin/stories/{id}")).await;
    assert_eq!(editor.attrs("#featured_image_alt", "value"), [""]);
    let res = save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Quay repaired"),
            ("featured_image_id", &image),
            ("featured_image_alt_for", &image),
            ("featured_image_alt", "Workers resurfacing the quay"),
        ],
        "save",
    )
    .await;
    assert_eq!(
        site.admin_follow(&ann, &res).await.texts(".flash"),
        ["Draft saved."]
    );
    let stored = site.store.media_item(item.id).await.unwrap().unwrap().item;
    assert_eq!(
        (stored.alt_text.as_str(), stored.caption.as_str()),
        ("Workers resurfacing the quay", "The quay")
    );
    // A contributor is shown the alt text but cannot change it (and is told so if they try).
    let eve = site.staff("eve", Role::Editor).await;
    let carl = site.staff("carl", Role::Contributor).await;
    let carl_id = carl.id.to_string();
    let theirs = saved_id(&save(&site, &carl, None, &[("title", "Carl's piece")], "save").await);
    save(
        &site,
        &eve,
        Some(theirs),
        &[
            ("title", "Carl's piece"),
            ("author", &carl_id),
            ("featured_image_id", &image),
        ],
        "save",
    )
    .await;
    let page = site
        .admin_get(&carl, &format!("/admin/stories/{theirs}"))
        .await;
    assert!(page.attrs("#featured_image_alt", "value").is_empty());
    assert!(page.body.contains("Alt text: Workers resurfacing the quay"));
    let res = save(
        &site,
        &carl,
        Some(theirs),
        &[
            ("title", "Carl's piece"),
            ("featured_image_id", &image),
            ("featured_image_alt_for", &image),
            ("featured_image_alt", "Vandalised"),
        ],
        "save",
    )
    .await;
    let flash = site
        .admin_follow(&carl, &res)
        .await
        .texts(".flash")
        .remove(0);
    assert!(
        flash.starts_with("Draft saved. The image's alt text was not changed:"),
        "{flash}"
    );
    assert_eq!(
        site.store
            .media_item(item.id)
            .await
            .unwrap()
            .unwrap()
            .item
            .alt_text,
        "Workers resurfacing the quay"
    );
}

async fn people_without_editing_rights_see_only_what_they_may(site: TestSite) {
    let eve = site.staff("eve", Role::Editor).await;
    let carl = site.staff("carl", Role::Contributor).await;
    saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Editor's secret draft")],
            "save",
        )
        .await,
    );
    let private = saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Editor's private note")],
            "save",
        )
        .await,
    );
    save(
        &site,
        &eve,
        Some(private),
        &[("title", "Editor's private note")],
        "private",
    )
    .await;
    saved_id(
        &save(
            &site,
            &eve,
            None,
            &[("title", "Editor's published story")],
            "publish",
        )
        .await,
    );
    let mine = saved_id(&save(&site, &carl, None, &[("title", "Carl's own draft")], "save").await);
    // The list: what is on the site, and their own stories; never others' drafts or private ones.
    let list = site.admin_get(&carl, "/admin/stories").await;
    let mut titles = list.texts("td.title");
    titles.sort();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(
        titles[0].starts_with("Carl's own draft")
            && titles[1].starts_with("Editor's published story")
    );
    assert_eq!(list.texts(".tabs a[aria-current=page]"), ["All (2)"]);
    assert_eq!(
        site.admin_get(&carl, "/admin/stories?q=secret")
            .await
            .texts("td.title"),
        Vec::<String>::new()
    );
    // A form with a bad date, sent for someone else's story, reveals nothing of it.
    let res = save(
        &site,
        &carl,
        Some(private),
        &[("title", "x"), ("publish_at", "soon")],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!res.body.contains("private note"));
    // A save refused outright hands back what was typed.
    let eve_id = eve.id.to_string();
    save(
        &site,
        &eve,
        Some(mine),
        &[
            ("title", "Carl's own draft"),
            ("author", &carl.id.to_string()),
            ("author", &eve_id),
        ],
        "publish",
    )
    .await;
    let res = save(
        &site,
        &carl,
        Some(mine),
        &[
            ("title", "Carl's late correction"),
            ("body", "<p>One more fact.</p>"),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let kept = res.texts("textarea").join("\n");
    assert!(
        kept.contains("Carl's late correction") && kept.contains("One more fact."),
        "{kept}"
    );
    // Previews and revisions do not take the edit lock; only the editor does.
    site.admin_get(&eve, &format!("/admin/stories/{mine}/preview"))
        .await;
    site.admin_get(&eve, &format!("/admin/stories/{mine}/revisions"))
        .await;
    let fay = site.staff("fay", Role::Editor).await;
    assert!(
        site.admin_get(&fay, &format!("/admin/stories/{mine}"))
            .await
            .texts("p.warning")
            .is_empty()
    );
}

/// The message after a save says what happened (an already public story is updated, not
/// published again), and a new story's form names its browser copy: kept when the form comes
/// back refused, handed back in the redirect once the story is saved, never someone else's.
async fn saving_says_what_happened_and_names_the_browser_copy(site: TestSite) {
    let ann = site.staff("ann", Role::Author).await;
    let flash = |res: crate::support::Page| {
        let site = &site;
        let ann = &ann;
        async move { site.admin_follow(ann, &res).await.texts(".flash") }
    };
    // Each New story form gets its own key, in the form and in a field that carries it back.
    let keys: Vec<String> = {
        let mut keys = Vec::new();
        for _ in 0..2 {
            let page = site.admin_get(&ann, "/admin/stories/new").await;
            let key = page.attrs("#story-form", "data-story-key").remove(0);
            assert_eq!(page.attrs("input[name=copy_key]", "value"), [key.as_str()]);
            keys.push(key);
        }
        keys
    };
    for key in &keys {
        let tail = key.strip_prefix("new-").expect("a new-… key");
        assert!(
            (1..=40).contains(&tail.len())
                && tail
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{key}"
        );
    }
    assert_ne!(keys[0], keys[1]);
    // Refused: the form comes back with the same key.
    let res = save(
        &site,
        &ann,
        None,
        &[("title", " "), ("copy_key", "new-draft7")],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.attrs("#story-form", "data-story-key"), ["new-draft7"]);
    assert_eq!(res.attrs("input[name=copy_key]", "value"), ["new-draft7"]);
    // A key that is not one of ours is replaced, never echoed.
    for bad in [
        "new-Draft",
        "../admin",
        "new-",
        &format!("new-{}", "a".repeat(41)),
    ] {
        let res = save(
            &site,
            &ann,
            None,
            &[("title", ""), ("copy_key", bad)],
            "save",
        )
        .await;
        let key = res.attrs("#story-form", "data-story-key").remove(0);
        assert!(key.starts_with("new-") && key != bad, "{bad} → {key}");
        let res = save(
            &site,
            &ann,
            None,
            &[("title", "Odd key"), ("copy_key", bad)],
            "save",
        )
        .await;
        assert!(!res.location().contains('?'), "{bad} → {}", res.location());
    }
    // Saved: the redirect names the copy the browser may now drop.
    let res = save(
        &site,
        &ann,
        None,
        &[("title", "Ferry timetable"), ("copy_key", "new-draft7")],
        "save",
    )
    .await;
    let id = saved_id(&res);
    assert_eq!(
        res.location(),
        format!("/admin/stories/{id}?saved_copy=new-draft7")
    );
    assert_eq!(flash(res).await, ["Draft saved."]);
    // The saved story's page has no copy key field; saving it never names one.
    let page = site.admin_get(&ann, &format!("/admin/stories/{id}")).await;
    assert_eq!(
        page.attrs("#story-form", "data-story-key"),
        [id.to_string()]
    );
    assert!(page.attrs("input[name=copy_key]", "value").is_empty());
    let fields = [("title", "Ferry timetable"), ("copy_key", "new-draft7")];
    let res = save(&site, &ann, Some(id), &fields, "publish").await;
    assert_eq!(res.location(), format!("/admin/stories/{id}"));
    assert_eq!(flash(res).await, ["Story published."]);
    let res = save(&site, &ann, Some(id), &fields, "save").await;
    assert_eq!(flash(res).await, ["Story updated."]);
    assert_eq!(status_of(&site, id).await, "published");
    // Private, then public again: published, not updated.
    let res = save(&site, &ann, Some(id), &fields, "private").await;
    assert_eq!(flash(res).await, ["Story saved as private."]);
    let res = save(&site, &ann, Some(id), &fields, "publish").await;
    assert_eq!(flash(res).await, ["Story published."]);
}

/// Two editors save new stories with the same headline (and the same new tag) at the same
/// instant, each through their own connection: both are saved, at `x` and `x-2`. The same for
/// sections and tags created from one name.
async fn editors_saving_one_headline_at_once_get_distinct_addresses(site: TestSite) {
    use newsdesk::actions::{Actor, structure};
    let editor = |id: i64, login: &str| newsdesk::domain::user::Staff {
        id,
        login: login.to_owned(),
        display_name: login.to_owned(),
        email: format!("{login}@news.example"),
        role: Role::Editor,
    };
    let ed = editor(site.add_staff("ed", Role::Editor).await, "ed");
    let flo = editor(site.add_staff("flo", Role::Editor).await, "flo");
    let now = Utc::now();
    for round in 0..10 {
        let input = |who: &newsdesk::domain::user::Staff| stories::StoryInput {
            title: format!("Floods close the bridge {round}"),
            author_ids: vec![who.id],
            tag_names: vec![format!("Floods {round}")],
            ..Default::default()
        };
        let (a, b) = (input(&ed), input(&flo));
        let (ra, rb) = tokio::join!(
            stories::save(&site.store, &ed, None, &a, stories::Intent::Save, now),
            stories::save(&site.store, &flo, None, &b, stories::Intent::Save, now),
        );
        let mut slugs = Vec::new();
        for saved in [ra, rb] {
            let id = saved.unwrap_or_else(|e| panic!("round {round}: {e:?}")).id;
            slugs.push(site.store.story(id).await.unwrap().unwrap().slug);
        }
        slugs.sort();
        let x = format!("floods-close-the-bridge-{round}");
        assert_eq!(slugs, [x.clone(), format!("{x}-2")], "round {round}");

        let section = structure::SectionInput {
            name: format!("Weather {round}"),
            ..Default::default()
        };
        let (ra, rb) = tokio::join!(
            structure::create_section(&site.store, Actor::Operator, &section),
            structure::create_section(&site.store, Actor::Operator, &section),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_ne!(ra, rb);
        let tag = structure::TagInput {
            name: format!("Storms {round}"),
            ..Default::default()
        };
        let (ra, rb) = tokio::join!(
            structure::create_tag(&site.store, Actor::Operator, &tag),
            structure::create_tag(&site.store, Actor::Operator, &tag),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_ne!(ra, rb);
    }
}

/// A page number typed into an admin list's address is read like the public search's: junk,
/// zero and negatives mean the first page, numbers past any list (however long) the last one;
/// never an overflow.
async fn every_admin_list_takes_any_page_number(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let lists = [
        "/admin/stories?",
        "/admin/stories?status=draft&sort=title&",
        "/admin/media?",
        "/admin/media?q=x&",
        "/admin/tags?",
        "/admin/comments?status=pending&",
        "/admin/comments?status=spam&",
        "/admin/users?",
    ];
    let values = [
        "99999999999999999999",
        "9223372036854775807",
        "18446744073709551615",
        "4294967295",
        "4294967296",
        "100001",
        "-1",
        "-9223372036854775808",
        "0",
        "abc",
        "%00",
        "1e9",
        "",
    ];
    for list in lists {
        for value in values {
            let path = format!("{list}page={value}");
            let res = site.admin_get(&admin, &path).await;
            // A NUL is refused at the edge, like any forbidden control character.
            let expected = if value == "%00" {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            assert_eq!(res.status, expected, "{path}: {}", res.body);
        }
    }
    // The moderation queue's bulk form returns to the page it came from, clamped.
    let res = site
        .admin_post(
            &admin,
            "/admin/comments/moderate",
            &[
                ("action", "approve"),
                ("status", "pending"),
                ("page", "9223372036854775807"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/comments?status=pending&page=100000");
}
