//! Widget areas: `/admin/widgets`. The configure form previews the widget exactly as the
//! public theme renders it (`widget.html`), live through `widgets.js` or with a Preview button.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::sections::{MoveForm, Opt, field_errors, unprocessable};
use super::{Frame, Signed, session};
use crate::AppState;
use crate::actions::structure;
use crate::actions::{ActionError, Actor};
use crate::domain::user::Capability;
use crate::domain::widget::{KINDS, Widget, WidgetFields, WidgetKind};
use crate::error::AppError;
use crate::web::site::chrome::widget_view;

fn allowed(signed: &Signed) -> Result<(), AppError> {
    Ok(Actor::Staff(&signed.staff).require(Capability::ManageAppearance)?)
}

fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Unknown", |(_, label)| label)
}

/// A widget in its area's list.
#[derive(Debug, serde::Serialize)]
struct WidgetRow {
    id: i64,
    title: String,
    kind: String,
    kind_label: &'static str,
    /// What it shows, in a few words ("5 stories from Sport").
    summary: String,
    first: bool,
    last: bool,
}

#[derive(Debug, serde::Serialize)]
struct AreaView {
    slug: String,
    name: String,
    description: String,
    widgets: Vec<WidgetRow>,
}

pub async fn widgets(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    let store = state.store();
    let chrome = state.chrome_cache().get(&state).await?;
    let records = store.widget_records().await?;
    let mut areas = Vec::new();
    for area in store.widget_areas().await? {
        let mine: Vec<_> = records.iter().filter(|r| r.area == area.slug).collect();
        let n = mine.len();
        let widgets = mine
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let summary = match WidgetKind::parse(&r.kind, &r.settings) {
                    Ok(WidgetKind::PostsInCategory { category_id, count }) => {
                        match chrome.category(category_id) {
                            Some(c) => format!("{count} newest from {}", c.name),
                            None => "Its section no longer exists".to_owned(),
                        }
                    }
                    Ok(WidgetKind::FeaturedPost { article_id: Some(id) }) => {
                        format!("Story number {id}")
                    }
                    Ok(WidgetKind::FeaturedPost { article_id: None }) => {
                        "The newest sticky story".to_owned()
                    }
                    Ok(WidgetKind::LatestPosts { count }) => format!("{count} newest stories"),
                    Ok(WidgetKind::Text { .. }) => "Text".to_owned(),
                    Err(_) => "Its settings are damaged and it is not shown; configure it again or remove it".to_owned(),
                };
                WidgetRow {
                    id: r.id,
                    title: r.title.clone(),
                    kind: r.kind.clone(),
                    kind_label: kind_label(&r.kind),
                    summary,
                    first: i == 0,
                    last: i + 1 == n,
                }
            })
            .collect();
        areas.push(AreaView {
            slug: area.slug,
            name: area.name,
            description: area.description,
            widgets,
        });
    }
    let kinds: Vec<Opt> = KINDS
        .iter()
        .map(|(value, label)| Opt {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
        })
        .collect();
    let frame = Frame::new(&state, &signed, "Widgets", "widgets").await?;
    frame.render(
        &state,
        "widgets.html",
        minijinja::context! { areas, kinds, read_also => chrome.settings.read_also },
    )
}

/// What the configure page is about: a widget being added to an area, or an existing one.
struct Target {
    id: Option<i64>,
    area: String,
    kind: String,
}

/// The public theme's HTML for a widget with these (unsaved) settings.
async fn preview_html(
    state: &AppState,
    id: i64,
    title: &str,
    kind: WidgetKind,
) -> Result<String, AppError> {
    let chrome = state.chrome_cache().get(state).await?;
    let widget = Widget {
        id,
        area: String::new(),
        position: 0,
        title: title.trim().to_owned(),
        kind,
    };
    let view = widget_view(state, &chrome, &widget).await?;
    Ok(state.theme().render(
        "widget.html",
        minijinja::context! { widget => view, site => &chrome.settings, chrome => &*chrome },
    )?)
}

async fn render_form(
    state: &AppState,
    signed: &Signed,
    target: &Target,
    fields: &WidgetFields,
    errors: &BTreeMap<&'static str, String>,
    preview: Option<String>,
) -> Result<Html<String>, AppError> {
    let area = state
        .store()
        .widget_areas()
        .await?
        .into_iter()
        .find(|a| a.slug == target.area)
        .ok_or(AppError::NotFound)?;
    let label = kind_label(&target.kind);
    if !KINDS.iter().any(|(k, _)| *k == target.kind) {
        return Err(AppError::NotFound);
    }
    let chrome = state.chrome_cache().get(state).await?;
    let sections: Vec<Opt> = {
        // Tree order, indented.
        let mut out = Vec::new();
        fn walk(
            chrome: &crate::web::site::Chrome,
            parent: Option<i64>,
            depth: usize,
            out: &mut Vec<Opt>,
        ) {
            for c in chrome.categories.iter().filter(|c| c.parent_id == parent) {
                if out.len() > chrome.categories.len() {
                    return;
                }
                out.push(Opt {
                    value: c.id.to_string(),
                    label: format!("{}{}", "— ".repeat(depth), c.name),
                });
                walk(chrome, Some(c.id), depth + 1, out);
            }
        }
        walk(&chrome, None, 0, &mut out);
        out
    };
    // The featured story is chosen by headline among the latest published ones (and the one
    // already chosen, however old).
    let stories: Vec<Opt> = if target.kind == "featured_post" {
        let (latest, _) = state
            .store()
            .desk(&crate::store::desk::DeskQuery {
                status: Some(crate::domain::article::Status::Published),
                sort: crate::store::desk::DeskSort::Published,
                limit: 100,
                ..Default::default()
            })
            .await?;
        let mut out: Vec<Opt> = latest
            .into_iter()
            .map(|r| Opt {
                value: r.id.to_string(),
                label: r.title,
            })
            .collect();
        let chosen = fields.article_id.trim();
        if !chosen.is_empty() && !out.iter().any(|o| o.value == chosen) {
            let label = match chosen.parse::<i64>() {
                Ok(id) => state.store().story(id).await?.map(|s| s.title),
                Err(_) => None,
            };
            out.insert(
                0,
                Opt {
                    value: chosen.to_owned(),
                    label: label.unwrap_or_else(|| format!("Story {chosen} (no longer exists)")),
                },
            );
        }
        out
    } else {
        Vec::new()
    };
    let title = match target.id {
        Some(_) => format!("Configure widget: {label}"),
        None => format!("New widget: {label}"),
    };
    let action = match target.id {
        Some(id) => format!("/admin/widgets/{id}"),
        None => "/admin/widgets".to_owned(),
    };
    let frame = Frame::new(state, signed, &title, "widgets").await?;
    frame.render(
        state,
        "widget_form.html",
        minijinja::context! {
            id => target.id, area, kind => &target.kind, kind_label => label, action,
            fields, errors, sections, stories, preview, max_count => crate::domain::widget::MAX_COUNT,
        },
    )
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewQuery {
    area: String,
    kind: String,
}

pub async fn new_widget(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<NewQuery>,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    let fields = WidgetFields {
        count: "5".into(),
        ..WidgetFields::default()
    };
    let target = Target {
        id: None,
        area: q.area,
        kind: q.kind,
    };
    render_form(&state, &signed, &target, &fields, &BTreeMap::new(), None).await
}

pub async fn widget(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    let record = state
        .store()
        .widget_record(id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Damaged settings open as an empty form of the same kind, to be filled in again.
    let fields = match WidgetKind::parse(&record.kind, &record.settings) {
        Ok(kind) => WidgetFields::of(&record.title, &kind),
        Err(_) => WidgetFields {
            title: record.title.clone(),
            count: "5".into(),
            ..WidgetFields::default()
        },
    };
    let target = Target {
        id: Some(id),
        area: record.area,
        kind: record.kind,
    };
    render_form(&state, &signed, &target, &fields, &BTreeMap::new(), None).await
}

/// The configure form as posted: which widget, which button, and the settings.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WidgetPost {
    area: String,
    kind: String,
    /// `preview` for the Preview button; anything else saves.
    action: String,
    #[serde(flatten)]
    fields: WidgetFields,
}

/// Saves (or, with the Preview button, only shows) a widget; `id` is none for a new one.
async fn save(
    state: AppState,
    signed: Signed,
    headers: HeaderMap,
    id: Option<i64>,
    form: WidgetPost,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    let target = match id {
        Some(id) => {
            let record = state
                .store()
                .widget_record(id)
                .await?
                .ok_or(AppError::NotFound)?;
            Target {
                id: Some(id),
                area: record.area,
                kind: record.kind,
            }
        }
        None => Target {
            id: None,
            area: form.area.clone(),
            kind: form.kind.clone(),
        },
    };
    if form.action == "preview" {
        let html = match structure::preview_widget(state.store(), by, &target.kind, &form.fields)
            .await
        {
            Ok(kind) => {
                let preview =
                    preview_html(&state, target.id.unwrap_or(0), &form.fields.title, kind).await?;
                render_form(
                    &state,
                    &signed,
                    &target,
                    &form.fields,
                    &BTreeMap::new(),
                    Some(preview),
                )
                .await?
            }
            Err(e) => {
                let errors = field_errors(e)?;
                return Ok(unprocessable(
                    render_form(&state, &signed, &target, &form.fields, &errors, None).await?,
                ));
            }
        };
        return Ok(html.into_response());
    }
    let result = match id {
        Some(id) => structure::configure_widget(state.store(), by, id, &form.fields).await,
        None => structure::add_widget(state.store(), by, &target.area, &target.kind, &form.fields)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/widgets",
            if id.is_some() {
                "Widget saved. The public pages show it now."
            } else {
                "Widget added. The public pages show it now."
            },
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(unprocessable(
                render_form(&state, &signed, &target, &form.fields, &errors, None).await?,
            ))
        }
    }
}

pub async fn add_widget(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<WidgetPost>,
) -> Result<Response, AppError> {
    save(state, signed, headers, None, form).await
}

pub async fn configure_widget(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<WidgetPost>,
) -> Result<Response, AppError> {
    save(state, signed, headers, Some(id), form).await
}

/// The live preview's fragment: the widget as the public sidebar renders it, or (422) the
/// settings' errors as a list.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PreviewPost {
    id: String,
    kind: String,
    #[serde(flatten)]
    fields: WidgetFields,
}

pub async fn preview(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<PreviewPost>,
) -> Result<Response, AppError> {
    let id: Option<i64> = form.id.trim().parse().ok();
    // An existing widget keeps its kind whatever the form says.
    let kind = match id {
        Some(id) => state
            .store()
            .widget_record(id)
            .await?
            .map_or(form.kind.clone(), |r| r.kind),
        None => form.kind.clone(),
    };
    let fragment_headers = [(header::CACHE_CONTROL, "no-store")];
    match structure::preview_widget(
        state.store(),
        Actor::Staff(&signed.staff),
        &kind,
        &form.fields,
    )
    .await
    {
        Ok(widget) => {
            let html = preview_html(&state, id.unwrap_or(0), &form.fields.title, widget).await?;
            Ok((fragment_headers, Html(html)).into_response())
        }
        Err(ActionError::Fields(errors)) => {
            let items: String = errors
                .values()
                .map(|m| format!("<li>{}</li>", crate::domain::html::escape(m)))
                .collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                fragment_headers,
                Html(format!(
                    "<div class=\"preview-errors\"><p>The preview waits for:</p><ul>{items}</ul></div>"
                )),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn move_widget(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    structure::move_widget(
        state.store(),
        Actor::Staff(&signed.staff),
        id,
        form.direction()?,
    )
    .await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        &format!("/admin/widgets#widget-{id}"),
        "Widget moved.",
    ))
}

pub async fn remove_widget(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    structure::remove_widget(state.store(), Actor::Staff(&signed.staff), id).await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        "/admin/widgets",
        "Widget removed.",
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReadAlsoForm {
    read_also: String,
}

pub async fn read_also(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ReadAlsoForm>,
) -> Result<Response, AppError> {
    let on = form.read_also == "on";
    structure::set_read_also(state.store(), Actor::Staff(&signed.staff), on).await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        "/admin/widgets",
        if on {
            "The “Read also” box is on."
        } else {
            "The “Read also” box is off."
        },
    ))
}
