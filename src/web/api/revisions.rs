//! `/wp/v2/posts/<id>/revisions` and `/wp/v2/pages/<id>/revisions` (each saved text of a
//! story or page, newest first, for those who may edit it), and `/wp/v2/posts/<id>/autosaves`
//! (the signed-in person's unsaved text of a story: `GET` reads it, `POST` keeps new text there
//! without touching the story, as the editor's autosave does).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::auth::Viewer;
use super::body::Args;
use super::errors::ApiError;
use super::links::{self, href};
use super::me::action_error;
use super::{Api, path_id};
use crate::AppState;
use crate::actions::pages;
use crate::actions::stories::{self, StoryInput};
use crate::actions::{ActionError, Actor};
use crate::domain::html::{SafeHtml, escape};
use crate::domain::user::Staff;
use crate::store::desk::{Revision, RevisionOf};

/// What a revision belongs to.
#[derive(Clone, Copy)]
enum Parent {
    Story(i64),
    Page(i64),
}

impl Parent {
    fn route(self) -> String {
        match self {
            Parent::Story(id) => format!("/wp/v2/posts/{id}"),
            Parent::Page(id) => format!("/wp/v2/pages/{id}"),
        }
    }

    fn id(self) -> i64 {
        match self {
            Parent::Story(id) | Parent::Page(id) => id,
        }
    }
}

/// Text as WordPress shows a revision's or autosave's fields.
struct Text<'a> {
    id: i64,
    author: Option<i64>,
    at: DateTime<Utc>,
    title: &'a str,
    excerpt: &'a str,
    body: &'a str,
}

fn text_json(api: &Api, parent: Parent, t: &Text<'_>, kind: &str) -> Value {
    let tz = api.tz();
    json!({
        "author": t.author.unwrap_or(0),
        "date": links::wp_date(t.at, tz),
        "date_gmt": links::wp_date_gmt(t.at),
        "id": t.id,
        "modified": links::wp_date(t.at, tz),
        "modified_gmt": links::wp_date_gmt(t.at),
        "parent": parent.id(),
        "slug": format!("{}-{kind}-v1", parent.id()),
        "guid": { "rendered": links::public(&format!("/?p={}", parent.id())) },
        "title": { "rendered": escape(t.title), "raw": t.title },
        "content": { "rendered": t.body, "raw": t.body, "protected": false },
        "excerpt": { "rendered": escape(t.excerpt), "raw": t.excerpt, "protected": false },
        "_links": {
            "parent": href(links::route(&parent.route())),
        },
    })
}

fn revision_json(api: &Api, parent: Parent, r: &Revision) -> Value {
    text_json(
        api,
        parent,
        &Text {
            id: r.id,
            author: r.user_id,
            at: r.created_at,
            title: &r.title,
            excerpt: &r.excerpt,
            body: &r.body,
        },
        "revision",
    )
}

fn invalid_parent() -> ApiError {
    ApiError::not_found("rest_post_invalid_parent", "Invalid post parent ID.")
}

/// The revisions of `parent` for someone who may edit it.
async fn revisions(api: &Api, me: &Staff, parent: Parent) -> Result<Vec<Revision>, ApiError> {
    let check = match parent {
        Parent::Story(id) => stories::editable(api.store(), me, id).await.map(drop),
        Parent::Page(id) => pages::editable(api.store(), Actor::Staff(me), id)
            .await
            .map(drop),
    };
    match check {
        Ok(()) => {}
        Err(ActionError::NotFound(_)) => return Err(invalid_parent()),
        Err(ActionError::Forbidden(_)) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_cannot_read",
                "Sorry, you are not allowed to view revisions of this post.",
            ));
        }
        Err(e) => return Err(action_error(e, "rest_cannot_read")),
    }
    let of = match parent {
        Parent::Story(id) => RevisionOf::Story(id),
        Parent::Page(id) => RevisionOf::Page(id),
    };
    Ok(api.store().revisions_of(of).await?)
}

fn signed_in(viewer: &Viewer) -> Result<&Staff, ApiError> {
    viewer.staff().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_read",
            "Sorry, you are not allowed to view revisions of this post.",
        )
    })
}

async fn list(
    state: &AppState,
    viewer: &Viewer,
    q: Option<&str>,
    parent: Parent,
) -> Result<Response, ApiError> {
    let me = signed_in(viewer)?;
    let api = Api::new(state, q).await?;
    let all = revisions(&api, me, parent).await?;
    let items = all.iter().map(|r| revision_json(&api, parent, r)).collect();
    Ok(api.one(Value::Array(items)))
}

async fn one(
    state: &AppState,
    viewer: &Viewer,
    q: Option<&str>,
    parent: Parent,
    id: &str,
) -> Result<Response, ApiError> {
    let me = signed_in(viewer)?;
    let id = path_id(id)?;
    let api = Api::new(state, q).await?;
    let all = revisions(&api, me, parent).await?;
    let r = all
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found("rest_post_invalid_id", "Invalid revision ID."))?;
    Ok(api.one(revision_json(&api, parent, r)))
}

pub async fn story_revisions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    list(&state, &viewer, q.as_deref(), Parent::Story(path_id(&id)?)).await
}

pub async fn story_revision(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    one(
        &state,
        &viewer,
        q.as_deref(),
        Parent::Story(path_id(&id)?),
        &rid,
    )
    .await
}

pub async fn page_revisions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    list(&state, &viewer, q.as_deref(), Parent::Page(path_id(&id)?)).await
}

pub async fn page_revision(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    one(
        &state,
        &viewer,
        q.as_deref(),
        Parent::Page(path_id(&id)?),
        &rid,
    )
    .await
}

/// `GET /wp/v2/posts/<id>/autosaves`: the signed-in person's autosaved text of the story
/// (an empty list when there is none).
pub async fn autosaves(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let me = signed_in(&viewer)?;
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    revisions(&api, me, Parent::Story(id)).await?;
    let items = match api.store().autosave(id, me.id).await? {
        Some(a) => vec![text_json(
            &api,
            Parent::Story(id),
            &Text {
                id,
                author: Some(me.id),
                at: a.saved_at,
                title: &a.title,
                excerpt: &a.excerpt,
                body: &a.body,
            },
            "autosave",
        )],
        None => Vec::new(),
    };
    Ok(api.one(Value::Array(items)))
}

/// `POST /wp/v2/posts/<id>/autosaves`: keeps `title`, `content` and `excerpt` as the person's
/// autosave of the story; the story itself is unchanged until it is saved.
pub async fn autosave(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = signed_in(&viewer)?;
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let (story, links) = match stories::editable(api.store(), me, id).await {
        Ok(found) => found,
        Err(ActionError::NotFound(_)) => return Err(invalid_parent()),
        Err(e) => return Err(action_error(e, "rest_cannot_edit")),
    };
    let mut input = StoryInput::of(story, links);
    if let Some(t) = args.text("title")? {
        input.title = t;
    }
    if let Some(c) = args.text("content")? {
        input.body = SafeHtml::sanitize(&c);
    }
    if let Some(e) = args.text("excerpt")? {
        input.excerpt = e;
    }
    let saved = stories::autosave(api.store(), me, Some(id), &input, api.now)
        .await
        .map_err(|e| action_error(e, "rest_cannot_edit"))?;
    let v = text_json(
        &api,
        Parent::Story(id),
        &Text {
            id,
            author: Some(me.id),
            at: saved.saved_at,
            title: input.title.trim(),
            excerpt: input.excerpt.trim(),
            body: input.body.as_str(),
        },
        "autosave",
    );
    let location = links::route(&format!("/wp/v2/posts/{id}/autosaves"));
    Ok(api.created(v, &location))
}
