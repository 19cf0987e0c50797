//! Who may make a story the front page's sticky lead, and the limits on tags and sections per
//! story, widgets per area and entries per menu.

use axum::http::StatusCode;
use newsdesk::actions::{ActionError, Actor, stories, structure};
use newsdesk::domain::user::Role;
use newsdesk::domain::widget::WidgetFields;

use crate::admin_stories::{save, saved_id};
use crate::support::{Staff, TestSite};

on_both_backends!(empty:
    contributors_cannot_make_their_story_sticky,
    authors_cannot_make_their_story_sticky,
    editors_set_and_clear_sticky,
    administrators_set_and_clear_sticky,
    a_story_has_at_most_50_tags_and_20_sections,
    an_area_holds_at_most_30_widgets,
    a_menu_holds_at_most_100_entries,
);

async fn sticky(site: &TestSite, id: i64) -> bool {
    site.store.story(id).await.unwrap().unwrap().sticky
}

async fn has_sticky_box(site: &TestSite, who: &Staff, id: i64) -> bool {
    let page = site.admin_get(who, &format!("/admin/stories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    !page.attrs("input[name=sticky]", "name").is_empty()
}

/// Someone without the right to edit others' stories: posting `sticky` neither sets it on a
/// new story nor on their own, and leaving it out keeps what an editor set.
async fn cannot_make_sticky(site: TestSite, role: Role, intent: &str) {
    let me = site.staff("writer", role).await;
    let editor = site.staff("eve", Role::Editor).await;
    let id = saved_id(
        &save(
            &site,
            &me,
            None,
            &[("title", "My own lead"), ("body", "Text."), ("sticky", "1")],
            intent,
        )
        .await,
    );
    assert!(!sticky(&site, id).await, "a new story is not sticky");
    saved_id(
        &save(
            &site,
            &me,
            Some(id),
            &[("title", "My own lead"), ("sticky", "1")],
            "save",
        )
        .await,
    );
    assert!(!sticky(&site, id).await, "their own story stays not sticky");
    assert!(!has_sticky_box(&site, &me, id).await);
    // An editor makes it sticky; the writer's next save (without the box) keeps it.
    let writer_id = me.id.to_string();
    saved_id(
        &save(
            &site,
            &editor,
            Some(id),
            &[
                ("title", "My own lead"),
                ("author", &writer_id),
                ("sticky", "1"),
            ],
            "save",
        )
        .await,
    );
    assert!(sticky(&site, id).await);
    let page = site.admin_get(&me, &format!("/admin/stories/{id}")).await;
    assert!(
        page.body.contains("only editors change this"),
        "{}",
        page.body
    );
    saved_id(
        &save(
            &site,
            &me,
            Some(id),
            &[("title", "My own lead, updated")],
            "save",
        )
        .await,
    );
    assert!(sticky(&site, id).await, "the writer cannot clear it either");
}

async fn contributors_cannot_make_their_story_sticky(site: TestSite) {
    cannot_make_sticky(site, Role::Contributor, "save").await;
}

async fn authors_cannot_make_their_story_sticky(site: TestSite) {
    cannot_make_sticky(site, Role::Author, "publish").await;
}

async fn can_set_and_clear_sticky(site: TestSite, role: Role) {
    let me = site.staff("chief", role).await;
    let id = saved_id(
        &save(
            &site,
            &me,
            None,
            &[("title", "Lead"), ("body", "Text."), ("sticky", "1")],
            "publish",
        )
        .await,
    );
    assert!(sticky(&site, id).await);
    assert!(has_sticky_box(&site, &me, id).await);
    saved_id(&save(&site, &me, Some(id), &[("title", "Lead")], "save").await);
    assert!(!sticky(&site, id).await, "cleared");
    // And on a colleague's story.
    let ann = site.add_staff("ann", Role::Author).await;
    let ann_id = ann.to_string();
    let theirs = saved_id(
        &save(
            &site,
            &me,
            None,
            &[("title", "Ann's"), ("author", &ann_id), ("sticky", "1")],
            "save",
        )
        .await,
    );
    assert!(sticky(&site, theirs).await);
}

async fn editors_set_and_clear_sticky(site: TestSite) {
    can_set_and_clear_sticky(site, Role::Editor).await;
}

async fn administrators_set_and_clear_sticky(site: TestSite) {
    can_set_and_clear_sticky(site, Role::Administrator).await;
}

async fn a_story_has_at_most_50_tags_and_20_sections(site: TestSite) {
    let me = site.staff("eve", Role::Editor).await;
    let tags = |n: usize| {
        (0..n)
            .map(|i| format!("tag {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let many = tags(51);
    let res = save(
        &site,
        &me,
        None,
        &[("title", "Tagged"), ("tags", &many)],
        "save",
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.texts("#tags-error")[0].contains("at most 50 tags"),
        "{}",
        res.body
    );
    // Repeats count once.
    let fifty = format!("{}, tag 0, Tag 0", tags(50));
    saved_id(
        &save(
            &site,
            &me,
            None,
            &[("title", "Tagged"), ("tags", &fifty)],
            "save",
        )
        .await,
    );
    // Sections.
    let editor = newsdesk::domain::user::Staff {
        id: me.id,
        login: "eve".into(),
        display_name: "Eve".into(),
        email: "eve@news.example".into(),
        role: Role::Editor,
    };
    let input = stories::StoryInput {
        title: "Filed everywhere".into(),
        author_ids: vec![me.id],
        category_ids: (1..=21).collect(),
        ..Default::default()
    };
    match stories::check(&input, &editor) {
        Err(ActionError::Fields(errors)) => {
            assert!(
                errors["sections"].contains("at most 20 sections"),
                "{errors:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    let input = stories::StoryInput {
        category_ids: (1..=20).chain([1, 2]).collect(),
        ..input
    };
    stories::check(&input, &editor).unwrap();
}

async fn an_area_holds_at_most_30_widgets(site: TestSite) {
    let fields = |i: usize| WidgetFields {
        title: format!("Note {i}"),
        html: "<p>Hello</p>".into(),
        ..Default::default()
    };
    let existing = site
        .store
        .widget_records()
        .await
        .unwrap()
        .iter()
        .filter(|w| w.area == "sidebar")
        .count();
    for i in existing..30 {
        structure::add_widget(&site.store, Actor::Operator, "sidebar", "text", &fields(i))
            .await
            .unwrap();
    }
    let err = structure::add_widget(&site.store, Actor::Operator, "sidebar", "text", &fields(31))
        .await
        .unwrap_err();
    match err {
        ActionError::Fields(errors) => {
            assert!(errors["title"].contains("at most 30 widgets"), "{errors:?}")
        }
        other => panic!("{other:?}"),
    }
    // Another area is not affected.
    structure::add_widget(&site.store, Actor::Operator, "footer", "text", &fields(0))
        .await
        .unwrap();
}

async fn a_menu_holds_at_most_100_entries(site: TestSite) {
    let entry = |i: usize| structure::MenuItemInput {
        kind: "link".into(),
        label: format!("Link {i}"),
        url: format!("/link-{i}/"),
        ..Default::default()
    };
    let first = structure::add_menu_item(&site.store, Actor::Operator, "footer", &entry(0))
        .await
        .unwrap();
    for i in 1..100 {
        let nested = structure::MenuItemInput {
            parent_id: (i % 2 == 0).then_some(first),
            ..entry(i)
        };
        structure::add_menu_item(&site.store, Actor::Operator, "footer", &nested)
            .await
            .unwrap();
    }
    let err = structure::add_menu_item(&site.store, Actor::Operator, "footer", &entry(100))
        .await
        .unwrap_err();
    match err {
        ActionError::Fields(errors) => {
            assert!(
                errors["label"].contains("at most 100 entries"),
                "{errors:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    // The other menu is not affected.
    structure::add_menu_item(&site.store, Actor::Operator, "primary", &entry(0))
        .await
        .unwrap();
}
