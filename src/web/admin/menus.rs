//! Navigation menus: `/admin/menus` (the header and footer menus).

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};

use super::sections::{MoveForm, Opt, field_errors, optional_id, unprocessable};
use super::{Frame, Signed, session};
use crate::AppState;
use crate::actions::structure::{self, MENU_LOCATIONS, MenuItemInput};
use crate::actions::{ActionError, Actor};
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::web::site::chrome::menu_link;

/// How many stories the story picker lists.
const STORY_CHOICES: u32 = 20;

fn allowed(signed: &Signed) -> Result<(), AppError> {
    Ok(Actor::Staff(&signed.staff).require(Capability::ManageAppearance)?)
}

#[derive(Debug, serde::Serialize)]
struct ItemRow {
    id: i64,
    /// The stored label (empty: the target's own title is shown).
    label: String,
    /// What readers see, and where it leads; none when the target is gone or unpublished.
    shown: Option<(String, String)>,
    kind: &'static str,
    nested: bool,
    first: bool,
    last: bool,
}

#[derive(Debug, serde::Serialize)]
struct MenuView {
    location: &'static str,
    name: &'static str,
    items: Vec<ItemRow>,
    /// Top-level entries, as parents to choose for a new entry.
    parents: Vec<Opt>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "category" => "Section",
        "page" => "Page",
        "article" => "Story",
        _ => "Link",
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MenusQuery {
    /// Words of a story's headline, or its number, for the story picker.
    story_q: String,
}

/// A refused "add" form, shown again in place.
#[derive(Debug, Default, serde::Serialize)]
struct Failed {
    location: String,
    kind: String,
    form: ItemForm,
    errors: BTreeMap<&'static str, String>,
}

async fn render(
    state: &AppState,
    signed: &Signed,
    story_q: &str,
    failed: Option<Failed>,
) -> Result<Html<String>, AppError> {
    let store = state.store();
    let chrome = state.chrome_cache().get(state).await?;
    let rows = store.menu_items().await?;
    let mut menus = Vec::new();
    for (location, name) in MENU_LOCATIONS {
        let mine: Vec<_> = rows.iter().filter(|r| r.location == location).collect();
        let tops: Vec<_> = mine.iter().filter(|r| r.parent_id.is_none()).collect();
        let mut items = Vec::new();
        let row = |r: &crate::store::menus::MenuItemRow, first: bool, last: bool| ItemRow {
            id: r.id,
            label: r.label.clone(),
            shown: menu_link(&chrome, r).map(|l| (l.label, l.url)),
            kind: kind_label(&r.kind),
            nested: r.parent_id.is_some(),
            first,
            last,
        };
        for (i, top) in tops.iter().enumerate() {
            items.push(row(top, i == 0, i + 1 == tops.len()));
            let children: Vec<_> = mine
                .iter()
                .filter(|r| r.parent_id == Some(top.id))
                .collect();
            for (j, child) in children.iter().enumerate() {
                items.push(row(child, j == 0, j + 1 == children.len()));
            }
        }
        let parents = items
            .iter()
            .filter(|i| !i.nested)
            .map(|i| Opt {
                value: i.id.to_string(),
                label: i
                    .shown
                    .as_ref()
                    .map_or_else(|| i.label.clone(), |(label, _)| label.clone()),
            })
            .collect();
        menus.push(MenuView {
            location,
            name,
            items,
            parents,
        });
    }
    let sections: Vec<Opt> = chrome
        .categories
        .iter()
        .map(|c| Opt {
            value: c.id.to_string(),
            label: chrome
                .section_trail(c.id)
                .into_iter()
                .map(|(name, _)| name)
                .collect::<Vec<_>>()
                .join(" › "),
        })
        .collect();
    let pages: Vec<Opt> = store
        .published_pages()
        .await?
        .into_iter()
        .map(|p| Opt {
            value: p.id.to_string(),
            label: p.title,
        })
        .collect();
    let stories: Vec<Opt> = store
        .stories_to_link(story_q, STORY_CHOICES)
        .await?
        .into_iter()
        .map(|s| Opt {
            value: s.id.to_string(),
            label: format!("{} (no. {})", s.title, s.id),
        })
        .collect();
    let frame = Frame::new(state, signed, "Menus", "menus").await?;
    frame.render(
        state,
        "menus.html",
        minijinja::context! {
            menus, sections, pages, stories, story_q => story_q.trim(),
            failed => failed.unwrap_or_default(),
        },
    )
}

pub async fn menus(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<MenusQuery>,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    render(&state, &signed, &q.story_q, None).await
}

#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ItemForm {
    kind: String,
    target_id: String,
    label: String,
    url: String,
    parent_id: String,
    /// The story picker's search, kept when the form is shown again.
    story_q: String,
}

pub async fn add_item(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(location): Path<String>,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let input = MenuItemInput {
        kind: form.kind.clone(),
        target_id: optional_id(&form.target_id),
        label: form.label.clone(),
        url: form.url.clone(),
        parent_id: optional_id(&form.parent_id),
    };
    match structure::add_menu_item(
        state.store(),
        Actor::Staff(&signed.staff),
        &location,
        &input,
    )
    .await
    {
        Ok(id) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            &format!("/admin/menus#item-{id}"),
            "Menu entry added. The public pages show it now.",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let story_q = form.story_q.clone();
            let failed = Failed {
                location,
                kind: form.kind.clone(),
                form,
                errors,
            };
            Ok(unprocessable(
                render(&state, &signed, &story_q, Some(failed)).await?,
            ))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LabelForm {
    label: String,
}

pub async fn relabel_item(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<LabelForm>,
) -> Result<Response, AppError> {
    match structure::relabel_menu_item(state.store(), Actor::Staff(&signed.staff), id, &form.label)
        .await
    {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            &format!("/admin/menus#item-{id}"),
            "Menu entry renamed.",
        )),
        Err(ActionError::Fields(f)) => Err(AppError::refused(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            f.into_values().collect::<Vec<_>>().join(" "),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn move_item(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    structure::move_menu_item(
        state.store(),
        Actor::Staff(&signed.staff),
        id,
        form.direction()?,
    )
    .await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        &format!("/admin/menus#item-{id}"),
        "Menu entry moved.",
    ))
}

pub async fn remove_item(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    structure::remove_menu_item(state.store(), Actor::Staff(&signed.staff), id).await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        "/admin/menus",
        "Menu entry removed.",
    ))
}
