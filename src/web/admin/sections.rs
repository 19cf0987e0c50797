//! Sections and tags: `/admin/sections`, `/admin/tags`.

use std::collections::{BTreeMap, HashMap};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::{Frame, Signed, session};
use crate::AppState;
use crate::actions::structure::{self, Direction, SectionInput, TagInput};
use crate::actions::{ActionError, Actor};
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::store::taxonomy::Category;
use crate::web::site::Chrome;

/// Each wrong field's message, by field name, from a refused action; other refusals are errors.
pub(super) fn field_errors(e: ActionError) -> Result<BTreeMap<&'static str, String>, AppError> {
    match e {
        ActionError::Fields(f) => Ok(f),
        ActionError::Invalid { field, message } => Ok(BTreeMap::from([(field, message)])),
        other => Err(other.into()),
    }
}

/// A page re-rendered because its form was refused.
pub(super) fn unprocessable(html: Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

/// `""` → none, a number → that id.
pub(super) fn optional_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// One choice of a `<select>`.
#[derive(Debug, serde::Serialize)]
pub(super) struct Opt {
    pub value: String,
    pub label: String,
}

/// Sections as choices, indented to show the tree.
fn section_options<'a>(rows: impl IntoIterator<Item = &'a SectionRow>) -> Vec<Opt> {
    rows.into_iter()
        .map(|r| Opt {
            value: r.id.to_string(),
            label: format!("{}{}", "— ".repeat(r.depth), r.name),
        })
        .collect()
}

fn allowed(signed: &Signed) -> Result<(), AppError> {
    Ok(Actor::Staff(&signed.staff).require(Capability::ManageTaxonomy)?)
}

/// A section in the indented list.
#[derive(Debug, serde::Serialize)]
struct SectionRow {
    id: i64,
    name: String,
    slug: String,
    description: String,
    parent_id: Option<i64>,
    depth: usize,
    stories: i64,
    url: String,
    first: bool,
    last: bool,
}

/// Sections in tree order (each followed by its sub-sections), with depth and counts.
fn tree(categories: &[Category], counts: &HashMap<i64, i64>) -> Vec<SectionRow> {
    fn walk(
        all: &[Category],
        parent: Option<i64>,
        depth: usize,
        counts: &HashMap<i64, i64>,
        out: &mut Vec<SectionRow>,
    ) {
        // A parent that is missing or cyclic cannot recurse forever: each section is placed once.
        let children: Vec<&Category> = all
            .iter()
            .filter(|c| c.parent_id == parent && !out.iter().any(|r| r.id == c.id))
            .collect();
        let n = children.len();
        for (i, c) in children.into_iter().enumerate() {
            out.push(SectionRow {
                id: c.id,
                name: c.name.clone(),
                slug: c.slug.clone(),
                description: c.description.clone(),
                parent_id: c.parent_id,
                depth,
                stories: counts.get(&c.id).copied().unwrap_or(0),
                url: String::new(),
                first: i == 0,
                last: i + 1 == n,
            });
            walk(all, Some(c.id), depth + 1, counts, out);
        }
    }
    let mut out = Vec::new();
    walk(categories, None, 0, counts, &mut out);
    // Sections whose parent no longer exists still show, at the top level.
    for c in categories {
        if !out.iter().any(|r| r.id == c.id) {
            walk(categories, c.parent_id, 0, counts, &mut out);
        }
    }
    out
}

async fn section_rows(
    state: &AppState,
) -> Result<(Vec<SectionRow>, std::sync::Arc<Chrome>), AppError> {
    let chrome = state.chrome_cache().get(state).await?;
    let categories = state.store().categories().await?;
    let counts: HashMap<i64, i64> = state
        .store()
        .category_story_counts()
        .await?
        .into_iter()
        .map(|c| (c.id, c.stories))
        .collect();
    let mut rows = tree(&categories, &counts);
    for r in &mut rows {
        r.url = chrome.category_url(r.id);
    }
    Ok((rows, chrome))
}

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SectionForm {
    name: String,
    slug: String,
    description: String,
    parent_id: String,
}

impl SectionForm {
    fn input(&self) -> SectionInput {
        SectionInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            parent_id: optional_id(&self.parent_id),
        }
    }
}

async fn render_sections(
    state: &AppState,
    signed: &Signed,
    form: &SectionForm,
    errors: &BTreeMap<&'static str, String>,
) -> Result<Html<String>, AppError> {
    let (sections, _) = section_rows(state).await?;
    let parents = section_options(&sections);
    let frame = Frame::new(state, signed, "Sections", "sections").await?;
    frame.render(
        state,
        "sections.html",
        minijinja::context! { sections, parents, form, errors },
    )
}

pub async fn sections(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    render_sections(&state, &signed, &SectionForm::default(), &BTreeMap::new()).await
}

pub async fn create_section(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    match structure::create_section(state.store(), Actor::Staff(&signed.staff), &form.input()).await
    {
        Ok(_) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/sections",
            &format!("Section “{}” created.", form.name.trim()),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(unprocessable(
                render_sections(&state, &signed, &form, &errors).await?,
            ))
        }
    }
}

/// What the edit page shows besides the edit form.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SectionChoice {
    into: String,
    stories_to: String,
}

async fn render_section(
    state: &AppState,
    signed: &Signed,
    id: i64,
    form: Option<&SectionForm>,
    choice: &SectionChoice,
    errors: &BTreeMap<&'static str, String>,
) -> Result<Html<String>, AppError> {
    let (rows, chrome) = section_rows(state).await?;
    let Some(section) = rows.iter().find(|r| r.id == id) else {
        return Err(AppError::NotFound);
    };
    let form = match form {
        Some(f) => SectionForm {
            name: f.name.clone(),
            slug: f.slug.clone(),
            description: f.description.clone(),
            parent_id: f.parent_id.clone(),
        },
        None => SectionForm {
            name: section.name.clone(),
            slug: section.slug.clone(),
            description: section.description.clone(),
            parent_id: section.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        },
    };
    // A section cannot go under itself or its own sub-sections.
    let inside = chrome.category_with_descendants(id);
    let parents = section_options(rows.iter().filter(|r| !inside.contains(&r.id)));
    let others = section_options(rows.iter().filter(|r| r.id != id));
    let children: Vec<&SectionRow> = rows.iter().filter(|r| r.parent_id == Some(id)).collect();
    let frame = Frame::new(
        state,
        signed,
        &format!("Section: {}", section.name),
        "sections",
    )
    .await?;
    frame.render(
        state,
        "section.html",
        minijinja::context! { section, form, parents, others, children, choice, errors },
    )
}

pub async fn section(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    render_section(
        &state,
        &signed,
        id,
        None,
        &SectionChoice::default(),
        &BTreeMap::new(),
    )
    .await
}

pub async fn edit_section(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<SectionForm>,
) -> Result<Response, AppError> {
    match structure::edit_section(
        state.store(),
        Actor::Staff(&signed.staff),
        id,
        &form.input(),
    )
    .await
    {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/sections",
            &format!("Section “{}” saved.", form.name.trim()),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let html = render_section(
                &state,
                &signed,
                id,
                Some(&form),
                &SectionChoice::default(),
                &errors,
            )
            .await?;
            Ok(unprocessable(html))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveForm {
    pub direction: String,
}

impl MoveForm {
    pub fn direction(&self) -> Result<Direction, AppError> {
        Direction::parse(&self.direction)
            .ok_or_else(|| AppError::refused(StatusCode::UNPROCESSABLE_ENTITY, "Move up or down."))
    }
}

pub async fn move_section(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    structure::move_section(
        state.store(),
        Actor::Staff(&signed.staff),
        id,
        form.direction()?,
    )
    .await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        &format!("/admin/sections#section-{id}"),
        "Section moved.",
    ))
}

pub async fn merge_section(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(choice): Form<SectionChoice>,
) -> Result<Response, AppError> {
    let into = optional_id(&choice.into).unwrap_or(0);
    match structure::merge_section(state.store(), Actor::Staff(&signed.staff), id, into).await {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/sections",
            "Sections merged.",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let html = render_section(&state, &signed, id, None, &choice, &errors).await?;
            Ok(unprocessable(html))
        }
    }
}

pub async fn delete_section(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(choice): Form<SectionChoice>,
) -> Result<Response, AppError> {
    let to = optional_id(&choice.stories_to);
    match structure::delete_section(state.store(), Actor::Staff(&signed.staff), id, to).await {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/sections",
            "Section deleted.",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let html = render_section(&state, &signed, id, None, &choice, &errors).await?;
            Ok(unprocessable(html))
        }
    }
}

// ----- Tags -----

const TAGS_PER_PAGE: u32 = 50;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TagQuery {
    q: String,
    page: String,
}

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TagForm {
    name: String,
    slug: String,
    description: String,
}

impl TagForm {
    fn input(&self) -> TagInput {
        TagInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
        }
    }
}

async fn render_tags(
    state: &AppState,
    signed: &Signed,
    query: &TagQuery,
    form: &TagForm,
    errors: &BTreeMap<&'static str, String>,
) -> Result<Html<String>, AppError> {
    let page = crate::web::paging::query_page(&query.page);
    let mut tags = state
        .store()
        .tags_with_counts(
            query.q.trim(),
            TAGS_PER_PAGE + 1,
            (page - 1) * TAGS_PER_PAGE,
        )
        .await?;
    let has_next = tags.len() > TAGS_PER_PAGE as usize;
    tags.truncate(TAGS_PER_PAGE as usize);
    let frame = Frame::new(state, signed, "Tags", "sections").await?;
    frame.render(
        state,
        "tags.html",
        minijinja::context! {
            tags, q => query.q.trim(), page, has_next, form, errors,
        },
    )
}

pub async fn tags(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<TagQuery>,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    render_tags(
        &state,
        &signed,
        &query,
        &TagForm::default(),
        &BTreeMap::new(),
    )
    .await
}

pub async fn create_tag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<TagForm>,
) -> Result<Response, AppError> {
    match structure::create_tag(state.store(), Actor::Staff(&signed.staff), &form.input()).await {
        Ok(_) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/tags",
            &format!("Tag “{}” created.", form.name.trim()),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let html = render_tags(&state, &signed, &TagQuery::default(), &form, &errors).await?;
            Ok(unprocessable(html))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TagMerge {
    into: String,
}

async fn render_tag(
    state: &AppState,
    signed: &Signed,
    id: i64,
    form: Option<&TagForm>,
    merge: &TagMerge,
    errors: &BTreeMap<&'static str, String>,
) -> Result<Html<String>, AppError> {
    let tag = state
        .store()
        .tag_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = match form {
        Some(f) => TagForm {
            name: f.name.clone(),
            slug: f.slug.clone(),
            description: f.description.clone(),
        },
        None => TagForm {
            name: tag.name.clone(),
            slug: tag.slug.clone(),
            description: tag.description.clone(),
        },
    };
    let frame = Frame::new(state, signed, &format!("Tag: {}", tag.name), "sections").await?;
    frame.render(
        state,
        "tag.html",
        minijinja::context! { tag, form, merge, errors },
    )
}

pub async fn tag(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    allowed(&signed)?;
    render_tag(
        &state,
        &signed,
        id,
        None,
        &TagMerge::default(),
        &BTreeMap::new(),
    )
    .await
}

pub async fn edit_tag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<TagForm>,
) -> Result<Response, AppError> {
    match structure::edit_tag(
        state.store(),
        Actor::Staff(&signed.staff),
        id,
        &form.input(),
    )
    .await
    {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/tags",
            &format!("Tag “{}” saved.", form.name.trim()),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let html = render_tag(
                &state,
                &signed,
                id,
                Some(&form),
                &TagMerge::default(),
                &errors,
            )
            .await?;
            Ok(unprocessable(html))
        }
    }
}

pub async fn merge_tag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(merge): Form<TagMerge>,
) -> Result<Response, AppError> {
    // The target is typed as a tag's address (slug). Only a slug: an address of digits
    // ("2026") is a slug too, never an id.
    let into = state
        .store()
        .tag_by_slug(merge.into.trim())
        .await?
        .map(|t| t.id);
    let result = match into {
        Some(into) => {
            structure::merge_tag(state.store(), Actor::Staff(&signed.staff), id, into).await
        }
        None => {
            Actor::Staff(&signed.staff).require(Capability::ManageTaxonomy)?;
            Err(ActionError::Fields(BTreeMap::from([(
                "into",
                "enter the address (slug) of an existing tag".to_owned(),
            )])))
        }
    };
    match result {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/tags",
            "Tags merged.",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let html = render_tag(&state, &signed, id, None, &merge, &errors).await?;
            Ok(unprocessable(html))
        }
    }
}

pub async fn delete_tag(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    structure::delete_tag(state.store(), Actor::Staff(&signed.staff), id).await?;
    Ok(session::redirect_with_flash(
        &state,
        &headers,
        "/admin/tags",
        "Tag deleted.",
    ))
}
