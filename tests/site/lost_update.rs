//! No lost updates: two people saving the same story or page from one version. The later,
//! stale save is refused with 409, the person's text kept in the form beside what changed,
//! with Keep mine and Take theirs; many saves at once from one version let exactly one through;
//! revision and autosave restores are saves from a version too.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::admin_stories::{save, saved_id};
use crate::support::{ORIGIN, Page, Staff, TestSite, post_form_to};

on_both_backends!(empty:
    a_stale_story_save_is_refused_and_keep_mine_then_saves_it,
    take_theirs_shows_their_story_and_keeps_mine_beside_it,
    many_saves_of_one_story_version_let_exactly_one_through,
    a_stale_page_save_is_refused_and_either_side_can_be_kept,
    many_saves_of_one_page_version_let_exactly_one_through,
    a_revision_restore_from_a_stale_version_is_refused,
    an_autosave_restore_saves_from_the_version_it_was_typed_on,
    a_bulk_action_keeps_the_text_saved_after_the_list_was_shown,
    a_story_published_on_schedule_meanwhile_is_a_newer_version,
);

/// The `base_version` the editor form at `path` carries.
async fn base_of(site: &TestSite, who: &Staff, path: &str) -> String {
    let page = site.admin_get(who, path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.attrs("form#story-form input[name=base_version]", "value")
        .pop()
        .unwrap_or_else(|| panic!("no base_version in {path}"))
}

fn field(page: &Page, selector: &str) -> String {
    page.texts(selector).join(" ")
}

fn input_value(page: &Page, selector: &str) -> String {
    page.attrs(selector, "value").join(" ")
}

async fn stored_body(site: &TestSite, id: i64) -> String {
    site.store.story(id).await.unwrap().unwrap().body
}

/// Ann and Bob open the story; Ann saves a correction; returns (story id, Bob's stale base).
async fn story_opened_by_two(site: &TestSite, ann: &Staff, bob: &Staff) -> (i64, String) {
    let id = saved_id(
        &save(
            site,
            ann,
            None,
            &[
                ("title", "Council approves budget"),
                ("body", "Spending rises by four percent."),
            ],
            "save",
        )
        .await,
    );
    let path = format!("/admin/stories/{id}");
    let ann_base = base_of(site, ann, &path).await;
    let bob_base = base_of(site, bob, &path).await;
    assert_eq!(ann_base, bob_base);
    let res = save(
        site,
        ann,
        Some(id),
        &[
            ("title", "Council approves budget"),
            ("body", "Spending rises by three percent, not four."),
            ("base_version", &ann_base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    (id, bob_base)
}

async fn a_stale_story_save_is_refused_and_keep_mine_then_saves_it(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let bob = site.staff("bob", Role::Editor).await;
    let (id, bob_base) = story_opened_by_two(&site, &ann, &bob).await;

    // Bob's form was filled before Ann's save: refused, his text kept, what changed shown.
    let bob_fields = [
        ("title", "Council approves budget after long debate"),
        ("body", "Spending rises by four percent, the mayor said."),
        ("excerpt", "Bob's summary"),
        ("author", &*bob.id.to_string()),
    ];
    let mut fields = bob_fields.to_vec();
    fields.push(("base_version", &bob_base));
    let res = save(&site, &bob, Some(id), &fields, "save").await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let message = field(&res, "#conflict");
    assert!(
        message
            .contains("Someone else saved this story while you were editing it, by Ann Surname at"),
        "{message}"
    );
    assert!(message.contains("Nothing of yours was saved"), "{message}");
    assert_eq!(
        input_value(&res, "input#title"),
        "Council approves budget after long debate"
    );
    assert!(field(&res, "textarea#body").contains("the mayor said"));
    assert_eq!(field(&res, "textarea#excerpt"), "Bob's summary");
    // The diff is Ann's change: from the version Bob started from to the current one.
    let body_diff = res.fragment("#conflict-body");
    assert!(body_diff.contains("<ins>"), "{body_diff}");
    assert!(body_diff.contains("three"), "{body_diff}");
    assert!(body_diff.contains("<del>"), "{body_diff}");
    // Ann's acknowledged edit is still what is stored.
    assert!(
        stored_body(&site, id)
            .await
            .contains("three percent, not four")
    );

    // Keep mine: the form now carries the current version, so pressing it saves Bob's text.
    let keep = res.attrs("#conflict button[form=story-form][name=intent]", "value");
    assert_eq!(keep, ["save"]);
    let new_base = input_value(&res, "form#story-form input[name=base_version]");
    assert_ne!(new_base, bob_base);
    let mut fields = bob_fields.to_vec();
    fields.push(("base_version", &new_base));
    let res = save(&site, &bob, Some(id), &fields, "save").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = site.admin_follow(&bob, &res).await;
    assert!(field(&page, "textarea#body").contains("the mayor said"));
    assert!(stored_body(&site, id).await.contains("the mayor said"));

    // Ann's tab is now stale in turn: her next save is refused, naming Bob.
    let res = save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Ann again"),
            ("body", "Late."),
            ("base_version", &new_base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(field(&res, "#conflict").contains("by Bob Surname at"));
    assert!(stored_body(&site, id).await.contains("the mayor said"));
}

async fn take_theirs_shows_their_story_and_keeps_mine_beside_it(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let bob = site.staff("bob", Role::Editor).await;
    let (id, bob_base) = story_opened_by_two(&site, &ann, &bob).await;
    let fields = [
        ("title", "Bob's headline"),
        ("body", "Paragraph by Bob about the budget."),
        ("base_version", &*bob_base),
    ];
    let res = save(&site, &bob, Some(id), &fields, "publish").await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // Keep mine presses the button Bob pressed.
    assert_eq!(
        res.attrs("#conflict button[name=intent]", "value"),
        ["publish"]
    );
    let theirs = res.attrs("#conflict button[formaction]", "formaction");
    assert_eq!(theirs, [format!("/admin/stories/{id}/theirs")]);

    // Take theirs: the form sent there holds Bob's text; the editor shows Ann's, Bob's beside it.
    let author = bob.id.to_string();
    let mut all = fields.to_vec();
    all.push(("author", &author));
    let page = site.admin_post(&bob, &theirs[0], &all).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(input_value(&page, "input#title"), "Council approves budget");
    assert!(field(&page, "textarea#body").contains("three percent, not four"));
    assert_eq!(input_value(&page, "input#mine-title"), "Bob's headline");
    assert!(field(&page, "textarea#mine-body").contains("Paragraph by Bob about the budget."));
    assert!(field(&page, "#your-text").contains("Your text, not saved"));
    // Nothing was saved, and the form is based on the current version: saving it works.
    assert!(
        stored_body(&site, id)
            .await
            .contains("three percent, not four")
    );
    let current = site
        .store
        .story(id)
        .await
        .unwrap()
        .unwrap()
        .version
        .to_string();
    assert_eq!(
        input_value(&page, "form#story-form input[name=base_version]"),
        current
    );
}

/// `n` saves of `path` at once, each from `base`, each with its own body; returns the statuses
/// with the bodies sent.
async fn saves_at_once(
    site: &TestSite,
    who: &Staff,
    path: &str,
    base: &str,
    n: usize,
) -> Vec<(StatusCode, String)> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let (app, path, base, who) = (
            site.app.clone(),
            path.to_owned(),
            base.to_owned(),
            who.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = format!("Version number {i} of the text.");
            let author = who.id.to_string();
            let fields = [
                ("_csrf", who.csrf.as_str()),
                ("intent", "save"),
                ("title", "Everyone saves at once"),
                ("body", &body),
                ("author", &author),
                ("base_version", &base),
            ];
            let headers = [("cookie", who.cookie.as_str()), ("origin", ORIGIN)];
            let res = post_form_to(app, &path, &fields, "192.0.2.10", &headers).await;
            (res.status, body)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Exactly one of the saves went through, the rest were told; returns the winner's body.
fn exactly_one(outcomes: &[(StatusCode, String)]) -> String {
    let won: Vec<_> = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::SEE_OTHER)
        .collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    let refused = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .count();
    assert_eq!(refused, outcomes.len() - 1, "{outcomes:?}");
    won[0].1.clone()
}

async fn many_saves_of_one_story_version_let_exactly_one_through(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let id = saved_id(
        &save(
            &site,
            &ann,
            None,
            &[("title", "Everyone saves at once"), ("body", "First.")],
            "save",
        )
        .await,
    );
    let path = format!("/admin/stories/{id}");
    let base = base_of(&site, &ann, &path).await;
    let before = site.store.revisions(id).await.unwrap().len();
    let winner = exactly_one(&saves_at_once(&site, &ann, &path, &base, 12).await);
    assert!(stored_body(&site, id).await.contains(&winner));
    assert_eq!(site.store.revisions(id).await.unwrap().len(), before + 1);
}

async fn a_stale_page_save_is_refused_and_either_side_can_be_kept(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let bob = site.staff("bob", Role::Editor).await;
    let res = site
        .admin_post(
            &ann,
            "/admin/pages/new",
            &[
                ("title", "Corrections policy"),
                ("body", "We correct errors within a day."),
                ("intent", "save"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id: i64 = res
        .location()
        .trim_start_matches("/admin/pages/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let path = format!("/admin/pages/{id}");
    let base = base_of(&site, &bob, &path).await;
    let ann_base = base_of(&site, &ann, &path).await;
    let res = site
        .admin_post(
            &ann,
            &path,
            &[
                ("title", "Corrections policy"),
                ("body", "We correct errors within an hour."),
                ("intent", "save"),
                ("base_version", &ann_base),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let bob_fields = [
        ("title", "Our corrections policy"),
        ("body", "Rules by Bob for corrections."),
        ("intent", "save"),
    ];
    let mut fields = bob_fields.to_vec();
    fields.push(("base_version", &base));
    let res = site.admin_post(&bob, &path, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let message = field(&res, "#conflict");
    assert!(
        message
            .contains("Someone else saved this page while you were editing it, by Ann Surname at"),
        "{message}"
    );
    assert_eq!(input_value(&res, "input#title"), "Our corrections policy");
    assert!(field(&res, "textarea#body").contains("Rules by Bob for corrections."));
    assert!(res.fragment("#conflict-body").contains("hour"));
    let page = site.store.page(id).await.unwrap().unwrap();
    assert!(page.body.contains("within an hour"));

    // Take theirs shows Ann's page with Bob's text beside it.
    let theirs = site
        .admin_post(&bob, &format!("/admin/pages/{id}/theirs"), &fields)
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    assert_eq!(input_value(&theirs, "input#title"), "Corrections policy");
    assert!(field(&theirs, "textarea#mine-body").contains("Rules by Bob for corrections."));

    // Keep mine from the refused form saves Bob's text.
    let new_base = input_value(&res, "form#story-form input[name=base_version]");
    let mut fields = bob_fields.to_vec();
    fields.push(("base_version", &new_base));
    let res = site.admin_post(&bob, &path, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = site.store.page(id).await.unwrap().unwrap();
    assert_eq!(page.title, "Our corrections policy");
}

async fn many_saves_of_one_page_version_let_exactly_one_through(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let res = site
        .admin_post(
            &ann,
            "/admin/pages/new",
            &[
                ("title", "About us"),
                ("body", "First."),
                ("intent", "save"),
            ],
        )
        .await;
    let id: i64 = res
        .location()
        .trim_start_matches("/admin/pages/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let path = format!("/admin/pages/{id}");
    let base = base_of(&site, &ann, &path).await;
    let winner = exactly_one(&saves_at_once(&site, &ann, &path, &base, 12).await);
    assert!(
        site.store
            .page(id)
            .await
            .unwrap()
            .unwrap()
            .body
            .contains(&winner)
    );
}

async fn a_revision_restore_from_a_stale_version_is_refused(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let bob = site.staff("bob", Role::Editor).await;
    let (id, _) = story_opened_by_two(&site, &ann, &bob).await;
    let revs = site.store.revisions(id).await.unwrap();
    let oldest = revs.last().unwrap().id;
    let rev_path = format!("/admin/stories/{id}/revisions/{oldest}");
    let page = site.admin_get(&ann, &rev_path).await;
    let base = page.attrs("input[name=base_version]", "value").remove(0);

    // Bob saves after Ann opened the comparison: her restore would silently undo his save.
    let bob_base = base_of(&site, &bob, &format!("/admin/stories/{id}")).await;
    let res = save(
        &site,
        &bob,
        Some(id),
        &[
            ("title", "Council approves budget"),
            ("body", "A later fix by Bob."),
            ("base_version", &bob_base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = site
        .admin_post(
            &ann,
            &format!("{rev_path}/restore"),
            &[("base_version", &base)],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        res.body
            .contains("Someone else saved this story after you opened this revision"),
        "{}",
        res.body
    );
    assert!(stored_body(&site, id).await.contains("A later fix by Bob."));

    // From the current version, the restore goes through.
    let page = site.admin_get(&ann, &rev_path).await;
    let base = page.attrs("input[name=base_version]", "value").remove(0);
    let res = site
        .admin_post(
            &ann,
            &format!("{rev_path}/restore"),
            &[("base_version", &base)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(stored_body(&site, id).await.contains("four percent."));
}

async fn an_autosave_restore_saves_from_the_version_it_was_typed_on(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let bob = site.staff("bob", Role::Editor).await;
    // Ann's editor was opened before Bob's save, and autosaves after it.
    let (id, ann_old_base) = story_opened_by_two(&site, &bob, &ann).await;
    let author = ann.id.to_string();
    let res = site
        .admin_post(
            &ann,
            &format!("/admin/stories/{id}/autosave"),
            &[
                ("title", "Council approves budget"),
                ("body", "An unsaved paragraph by Ann."),
                ("author", &author),
                ("base_version", &ann_old_base),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Restoring it fills the form from the autosave, based on the version it was typed on.
    let page = site
        .admin_get(&ann, &format!("/admin/stories/{id}?restore=1"))
        .await;
    assert!(field(&page, "textarea#body").contains("An unsaved paragraph by Ann."));
    let base = input_value(&page, "form#story-form input[name=base_version]");
    assert_eq!(base, ann_old_base);
    let res = save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Council approves budget"),
            ("body", "An unsaved paragraph by Ann."),
            ("base_version", &base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(!field(&res, "#conflict").contains("by Ann Surname at"));
    assert!(field(&res, "#conflict").contains("by Bob Surname at"));
    assert!(
        stored_body(&site, id)
            .await
            .contains("three percent, not four")
    );
}

async fn a_bulk_action_keeps_the_text_saved_after_the_list_was_shown(site: TestSite) {
    let ann = site.staff("ann", Role::Editor).await;
    let bob = site.staff("bob", Role::Editor).await;
    let (id, _) = story_opened_by_two(&site, &ann, &bob).await;
    let list = site.admin_get(&bob, "/admin/stories").await;
    assert_eq!(list.status, StatusCode::OK);
    // Ann saves again after Bob's list was drawn; Bob publishes from the list.
    let base = base_of(&site, &ann, &format!("/admin/stories/{id}")).await;
    let res = save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Council approves budget"),
            ("body", "The final text by Ann."),
            ("base_version", &base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let id_text = id.to_string();
    let res = site
        .admin_post(
            &bob,
            "/admin/stories/bulk",
            &[("action", "publish"), ("id", &id_text)],
        )
        .await;
    let page = site.admin_follow(&bob, &res).await;
    assert!(page.body.contains("1 story changed."), "{}", page.body);
    let story = site.store.story(id).await.unwrap().unwrap();
    assert_eq!(story.status.to_string(), "published");
    assert!(story.body.contains("The final text by Ann."));
}

async fn a_story_published_on_schedule_meanwhile_is_a_newer_version(site: TestSite) {
    use chrono::{Duration, Utc};
    use newsdesk::actions::stories;
    let ann = site.staff("ann", Role::Editor).await;
    let at = (Utc::now() + Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let res = save(
        &site,
        &ann,
        None,
        &[
            ("title", "Polls open"),
            ("body", "Voting starts."),
            ("publish_at", &at),
        ],
        "publish",
    )
    .await;
    let id = saved_id(&res);
    assert_eq!(
        site.store
            .story(id)
            .await
            .unwrap()
            .unwrap()
            .status
            .to_string(),
        "scheduled"
    );
    let base = base_of(&site, &ann, &format!("/admin/stories/{id}")).await;
    // The scheduler publishes it while Ann's editor is open: her form's state is out of date.
    let published = stories::publish_due(&site.store, Utc::now() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(published, [id]);
    let res = save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Polls open"),
            ("body", "Voting starts at seven."),
            ("base_version", &base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let message = field(&res, "#conflict");
    assert!(
        message.contains("Someone else saved this story while you were editing it at"),
        "{message}"
    );
    assert!(
        message.contains("the change was to its other details"),
        "{message}"
    );
    assert!(field(&res, "textarea#body").contains("Voting starts at seven."));
    // The box's Keep mine saves it. (Its state follows the clock: the scheduler above was run
    // an hour ahead of it, so the save finds the story's time still to come.)
    let new_base = input_value(&res, "form#story-form input[name=base_version]");
    let res = save(
        &site,
        &ann,
        Some(id),
        &[
            ("title", "Polls open"),
            ("body", "Voting starts at seven."),
            ("base_version", &new_base),
        ],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(stored_body(&site, id).await.contains("at seven"));
}
