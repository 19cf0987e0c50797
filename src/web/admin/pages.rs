//! Static pages in the newsroom: the list, the editor (the stories' editor and script),
//! trash and deletion, revisions. Editors and administrators only (`Capability::ManagePages`);
//! the actions check it again, so a forbidden request changes nothing whichever route it takes.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::session::redirect_with_flash;
use super::stories::{all_ids, copy_key, first, fresh_copy_key, pairs, status_label};
use super::{Frame, Signed};
use crate::AppState;
use crate::actions::pages::{self, PageInput};
use crate::actions::stories::Intent;
use crate::actions::{ActionError, Actor};
use crate::domain::article::Status;
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::store::desk::RevisionOf;
use crate::store::pages::{PageNode, PageQuery, PageRecord, page_path, trail_of};

/// Pages per page of the list.
const PAGE_SIZE: u32 = 30;

/// Refuses, before anything is read, anyone whose role has no rights over pages.
fn require(signed: &Signed) -> Result<(), AppError> {
    if signed.staff.can(Capability::ManagePages) {
        Ok(())
    } else {
        Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "Your role does not allow managing pages.",
        ))
    }
}

fn read_form(pairs: &[(String, String)]) -> (PageInput, Intent, BTreeMap<&'static str, String>) {
    let mut errors = BTreeMap::new();
    let menu_order = match first(pairs, "menu_order").trim() {
        "" => 0,
        v => v.parse().unwrap_or_else(|_| {
            errors.insert(
                "menu_order",
                "Enter a whole number, such as 0 or 10.".into(),
            );
            0
        }),
    };
    let input = PageInput {
        title: first(pairs, "title").to_owned(),
        slug: first(pairs, "slug").to_owned(),
        body: crate::domain::markdown::body_to_html(first(pairs, "body")),
        excerpt: first(pairs, "excerpt").to_owned(),
        parent_id: first(pairs, "parent_id").trim().parse().ok(),
        menu_order,
        featured_image_id: first(pairs, "featured_image_id").trim().parse().ok(),
        password: first(pairs, "post_password").to_owned(),
        comments_open: !first(pairs, "comments_open").is_empty(),
        base_version: first(pairs, "base_version").trim().parse().ok(),
    };
    let intent = Intent::parse(first(pairs, "intent")).unwrap_or(Intent::Save);
    (input, intent, errors)
}

/// What the editor shows in its fields.
#[derive(Debug, serde::Serialize)]
struct Values {
    title: String,
    slug: String,
    body: String,
    excerpt: String,
    parent_id: Option<i64>,
    menu_order: String,
    featured_image_id: Option<i64>,
    password: String,
    comments_open: bool,
}

impl Values {
    fn of(input: &PageInput, raw_order: &str) -> Values {
        Values {
            title: input.title.clone(),
            slug: input.slug.clone(),
            body: input.body.as_str().to_owned(),
            excerpt: input.excerpt.clone(),
            parent_id: input.parent_id,
            menu_order: raw_order.to_owned(),
            featured_image_id: input.featured_image_id,
            password: input.password.clone(),
            comments_open: input.comments_open,
        }
    }
}

/// A choice of parent: every page but this one and its own sub-pages, in tree order.
#[derive(Debug, serde::Serialize)]
struct ParentOption {
    id: i64,
    title: String,
    depth: usize,
}

fn parent_options(nodes: &[PageNode], editing: Option<i64>) -> Vec<ParentOption> {
    let mut out = Vec::new();
    let mut sorted: Vec<&PageNode> = nodes.iter().collect();
    sorted.sort_by_key(|n| {
        trail_of(nodes, n.id)
            .iter()
            .map(|t| (t.menu_order, t.title.to_lowercase(), t.id))
            .collect::<Vec<_>>()
    });
    for n in sorted {
        let trail = trail_of(nodes, n.id);
        if editing.is_some_and(|me| trail.iter().any(|t| t.id == me)) {
            continue;
        }
        out.push(ParentOption {
            id: n.id,
            title: n.title.clone(),
            depth: trail.len().saturating_sub(1),
        });
    }
    out
}

struct EditorPage<'a> {
    page: Option<&'a PageRecord>,
    values: Values,
    errors: BTreeMap<&'static str, String>,
    copy_key: String,
    status: StatusCode,
    /// The page's version the form is based on (sent back as `base_version`).
    base_version: Option<i64>,
    /// Someone else saved first: the conflict box (`conflict::conflict`).
    conflict: Option<minijinja::Value>,
    /// After Take theirs: the person's own text, shown beside the current version.
    mine: Option<minijinja::Value>,
}

async fn render_editor(
    state: &AppState,
    signed: &Signed,
    editor: EditorPage<'_>,
) -> Result<Response, AppError> {
    let store = state.store();
    let tz = store.settings().await?.timezone;
    let page = editor.page;
    let frame = Frame::new(
        state,
        signed,
        if page.is_some() {
            "Edit page"
        } else {
            "New page"
        },
        "pages",
    )
    .await?;
    let nodes = store.page_nodes().await?;
    let images: Vec<_> = store
        .media_library("", 100, 0)
        .await?
        .into_iter()
        .filter(|i| i.mime_type.starts_with("image/") || i.mime_type.is_empty())
        .collect();
    let status = page.map_or("new", |p| p.status.as_str());
    let public_url = match page.filter(|p| p.status == Status::Published) {
        Some(p) => Some(store.page_url(p.id).await?),
        None => None,
    };
    let error_list: Vec<(&str, &String)> = editor.errors.iter().map(|(k, v)| (*k, v)).collect();
    let html = frame.render(
        state,
        "page_edit.html",
        minijinja::context! {
            page => page,
            status => status,
            values => editor.values,
            errors => editor.errors,
            error_list => error_list,
            parents => parent_options(&nodes, page.map(|p| p.id)),
            images => images,
            public_url => public_url,
            saved_at => page.map(|p| p.updated_at.to_rfc3339()),
            published_local => page.and_then(|p| p.published_at).map(|t| t.with_timezone(&tz).format("%-d %B %Y, %H:%M").to_string()),
            timezone => tz.name(),
            copy_key => editor.copy_key,
            base_version => editor.base_version,
            conflict => editor.conflict,
            mine => editor.mine,
            labels => minijinja::context! {
                title => "Title",
                body => "Text",
                excerpt_hint => "Shown to search engines and in link previews; leave empty to use the opening of the page.",
            },
        },
    )?;
    Ok((editor.status, html).into_response())
}

pub async fn new_page(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    require(&signed)?;
    let values = Values::of(&PageInput::default(), "0");
    let editor = EditorPage {
        page: None,
        values,
        errors: BTreeMap::new(),
        copy_key: fresh_copy_key(),
        status: StatusCode::OK,
        base_version: None,
        conflict: None,
        mine: None,
    };
    render_editor(&state, &signed, editor).await
}

pub async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&signed)?;
    let page = pages::editable(state.store(), Actor::Staff(&signed.staff), id).await?;
    let values = Values::of(&PageInput::of(page.clone()), &page.menu_order.to_string());
    let editor = EditorPage {
        page: Some(&page),
        values,
        errors: BTreeMap::new(),
        copy_key: String::new(),
        status: StatusCode::OK,
        base_version: Some(page.version),
        conflict: None,
        mine: None,
    };
    render_editor(&state, &signed, editor).await
}

fn saved_message(before: Option<&str>, status: Status) -> &'static str {
    match status {
        Status::Published if before == Some("published") => "Page updated.",
        Status::Published => "Page published.",
        Status::Pending => "Page submitted for review.",
        Status::Private => "Page saved as private.",
        Status::Trash => "Page moved to the trash.",
        Status::Draft if before.is_some_and(|b| b != "draft") => {
            "Page unpublished: it is a draft again."
        }
        Status::Draft | Status::Scheduled => "Draft saved.",
    }
}

async fn save_form(
    state: &AppState,
    signed: &Signed,
    headers: &HeaderMap,
    id: Option<i64>,
    body: &Bytes,
) -> Result<Response, AppError> {
    require(signed)?;
    let by = Actor::Staff(&signed.staff);
    let pairs = pairs(body)?;
    let (input, intent, parse_errors) = read_form(&pairs);
    let new_copy = id.map_or_else(|| copy_key(first(&pairs, "copy_key")), |_| None);
    let current = match id {
        Some(id) => Some(pages::editable(state.store(), by, id).await?),
        None => None,
    };
    let result = if parse_errors.is_empty() {
        pages::save(state.store(), by, id, &input, intent, state.now()).await
    } else {
        match pages::check(&input) {
            Err(ActionError::Fields(errors)) => Err(ActionError::Fields(errors)),
            _ => Err(ActionError::Fields(BTreeMap::new())),
        }
    };
    match result {
        Ok(saved) => {
            let before = current.as_ref().map(|p| p.status.as_str());
            let to = match (saved.status, new_copy) {
                (Status::Trash, _) => "/admin/pages".to_owned(),
                (_, Some(key)) => format!("/admin/pages/{}?saved_copy={key}", saved.id),
                (_, None) => format!("/admin/pages/{}", saved.id),
            };
            Ok(redirect_with_flash(
                state,
                headers,
                &to,
                saved_message(before, saved.status),
            ))
        }
        Err(e) => {
            let mut errors = parse_errors;
            let mut current = current;
            let mut base_version = input.base_version;
            let mut conflict = None;
            let status = match e {
                // Someone else saved first: the form again as typed, what changed in between,
                // and Keep mine / Take theirs (the form is now based on the current version).
                ActionError::Stale { base_version: base } => {
                    let Some(id) = id else {
                        return Err(ActionError::Stale { base_version: base }.into());
                    };
                    current = Some(pages::editable(state.store(), by, id).await?);
                    let tz = state.store().settings().await?.timezone;
                    let found = super::conflict::conflict(
                        state.store(),
                        RevisionOf::Page(id),
                        base,
                        intent,
                        format!("/admin/pages/{id}/theirs"),
                        tz,
                    )
                    .await?;
                    base_version = Some(found.current_version);
                    conflict = Some(found.view);
                    StatusCode::CONFLICT
                }
                ActionError::Fields(fields) => {
                    errors.extend(fields);
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ActionError::Invalid { field, message } => {
                    errors.insert(field, message);
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ActionError::Conflict(message) => {
                    errors.insert("status", message);
                    StatusCode::CONFLICT
                }
                e => return Err(e.into()),
            };
            let editor = EditorPage {
                page: current.as_ref(),
                values: Values::of(&input, first(&pairs, "menu_order")),
                errors,
                copy_key: new_copy.map_or_else(fresh_copy_key, str::to_owned),
                status,
                base_version: base_version.or(current.as_ref().map(|p| p.version)),
                conflict,
                mine: None,
            };
            render_editor(state, signed, editor).await
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    save_form(&state, &signed, &headers, None, &body).await
}

pub async fn update(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    save_form(&state, &signed, &headers, Some(id), &body).await
}

/// Take theirs, after a refused save: the editor with the page as it is now, and the text the
/// person had sent shown beside it to copy from, so it is not lost. Saves nothing.
pub async fn take_theirs(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    require(&signed)?;
    let pairs = pairs(&body)?;
    let (input, _, _) = read_form(&pairs);
    let page = pages::editable(state.store(), Actor::Staff(&signed.staff), id).await?;
    let editor = EditorPage {
        page: Some(&page),
        values: Values::of(&PageInput::of(page.clone()), &page.menu_order.to_string()),
        errors: BTreeMap::new(),
        copy_key: String::new(),
        status: StatusCode::OK,
        base_version: Some(page.version),
        conflict: None,
        mine: Some(super::conflict::mine(
            &input.title,
            &input.excerpt,
            input.body.as_str(),
        )),
    };
    render_editor(&state, &signed, editor).await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&signed)?;
    let store = state.store();
    let tz = store.settings().await?.timezone;
    let page = crate::web::paging::query_page(&q.page);
    let query = PageQuery {
        status: Status::parse(&q.status),
        words: q.q.split_whitespace().map(str::to_owned).collect(),
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let (rows, total) = store.page_list(&query).await?;
    let nodes = store.page_nodes().await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|r| {
            let trail = trail_of(&nodes, r.id);
            let path = if trail.is_empty() {
                page_path([r.slug.as_str()])
            } else {
                page_path(trail.iter().map(|n| n.slug.as_str()))
            };
            minijinja::context! {
                id => r.id,
                title => r.title,
                status => r.status,
                status_label => status_label(r.status),
                path => path.clone(),
                public_url => (r.status == Status::Published).then_some(path),
                parent => r.parent_id.and_then(|p| nodes.iter().find(|n| n.id == p)).map(|n| n.title.clone()),
                menu_order => r.menu_order,
                protected => r.protected,
                updated => r.updated_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            }
        })
        .collect();
    let counts = store.page_counts().await?;
    let count_of = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let tabs: Vec<_> = [
        ("", "All"),
        ("draft", "Drafts"),
        ("pending", "Pending review"),
        ("published", "Published"),
        ("private", "Private"),
        ("trash", "Trash"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let n: i64 = if key.is_empty() {
            counts
                .iter()
                .filter(|(k, _)| k != "trash")
                .map(|(_, n)| n)
                .sum()
        } else {
            count_of(key)
        };
        minijinja::context! { key, label, count => n }
    })
    .collect();
    let pages = (total as u32).div_ceil(PAGE_SIZE).max(1);
    let base_query = serde_urlencoded::to_string(
        [("status", &q.status), ("q", &q.q)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let frame = Frame::new(&state, &signed, "Pages", "pages").await?;
    let html = frame.render(
        &state,
        "pages.html",
        minijinja::context! {
            rows => rows,
            total => total,
            tabs => tabs,
            q => minijinja::context! { status => q.status, q => q.q },
            page => page,
            pages => pages,
            base_query => base_query,
            in_trash => q.status == "trash",
        },
    )?;
    Ok(html.into_response())
}

pub async fn bulk(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    require(&signed)?;
    let by = Actor::Staff(&signed.staff);
    let pairs = pairs(&body)?;
    let ids = all_ids(&pairs, "id");
    let back = match first(&pairs, "back") {
        b if b.starts_with("/admin/pages") => b.to_owned(),
        _ => "/admin/pages".to_owned(),
    };
    if ids.is_empty() {
        return Ok(redirect_with_flash(
            &state,
            &headers,
            &back,
            "Tick the pages to change first.",
        ));
    }
    let action = first(&pairs, "action");
    let (done, refused) = if action == "delete" {
        let (mut done, mut refused) = (0, 0);
        for id in &ids {
            match pages::delete_forever(state.store(), by, *id).await {
                Ok(()) => done += 1,
                Err(ActionError::Conflict(_) | ActionError::NotFound(_)) => refused += 1,
                Err(e) => return Err(e.into()),
            }
        }
        (done, refused)
    } else {
        let intent = Intent::parse(action).ok_or_else(|| {
            AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose what to do with the pages.",
            )
        })?;
        pages::bulk(state.store(), by, &ids, intent, state.now()).await?
    };
    let mut message = format!(
        "{done} {} changed.",
        if done == 1 { "page" } else { "pages" }
    );
    if refused > 0 {
        message.push_str(&format!(
            " {refused} could not be changed (their state does not allow it)."
        ));
    }
    Ok(redirect_with_flash(&state, &headers, &back, &message))
}

pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&signed)?;
    pages::delete_forever(state.store(), Actor::Staff(&signed.staff), id).await?;
    Ok(redirect_with_flash(
        &state,
        &headers,
        "/admin/pages?status=trash",
        "Page deleted for good.",
    ))
}

fn owner(page: &PageRecord) -> minijinja::Value {
    minijinja::context! {
        version => page.version,
        label => "Page",
        url => format!("/admin/pages/{}", page.id),
        title => page.title.clone(),
        title_label => "Title",
        body_label => "Text",
    }
}

pub async fn revisions(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&signed)?;
    let page = pages::editable(state.store(), Actor::Staff(&signed.staff), id).await?;
    let tz = state.store().settings().await?.timezone;
    let revisions = state.store().revisions_of(RevisionOf::Page(id)).await?;
    let rows: Vec<_> = revisions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            minijinja::context! {
                id => r.id,
                author => r.author_name.clone().unwrap_or_else(|| "Someone no longer here".into()),
                when => r.created_at.with_timezone(&tz).format("%-d %B %Y, %H:%M:%S").to_string(),
                title => r.title.clone(),
                current => i == 0,
            }
        })
        .collect();
    let frame = Frame::new(&state, &signed, "Revisions", "pages").await?;
    Ok(frame
        .render(
            &state,
            "revisions.html",
            minijinja::context! { owner => owner(&page), revisions => rows },
        )?
        .into_response())
}

pub async fn revision(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, rev)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    require(&signed)?;
    let page = pages::editable(state.store(), Actor::Staff(&signed.staff), id).await?;
    let tz = state.store().settings().await?.timezone;
    let revisions = state.store().revisions_of(RevisionOf::Page(id)).await?;
    let compared = super::stories::compare_revision(&revisions, rev, tz)?;
    let frame = Frame::new(&state, &signed, "Compare revisions", "pages").await?;
    Ok(frame
        .render(
            &state,
            "revision.html",
            minijinja::context! { owner => owner(&page), ..compared },
        )?
        .into_response())
}

pub async fn restore_revision(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, rev)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    require(&signed)?;
    let base_version = first(&pairs(&body)?, "base_version").trim().parse().ok();
    let by = Actor::Staff(&signed.staff);
    match pages::restore_revision(state.store(), by, id, rev, base_version, state.now()).await {
        Err(ActionError::Stale { .. }) => return Err(super::stories::stale_restore("page")),
        other => other?,
    };
    Ok(redirect_with_flash(
        &state,
        &headers,
        &format!("/admin/pages/{id}"),
        "The revision was restored.",
    ))
}

/// `/admin/pages/` with a trailing slash leads to the list.
pub async fn list_slash() -> Response {
    crate::web::edge::permanent("/admin/pages")
}
