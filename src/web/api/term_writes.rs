//! Sections (`/wp/v2/categories`) and tags (`/wp/v2/tags`) written through the API by those
//! who manage them, through the admin's own actions: `POST` creates (`name`, `slug`,
//! `description`, and a section's `parent`), `POST`/`PUT`/`PATCH /<id>` changes (a renamed
//! section's old address keeps leading to it), `DELETE /<id>?force=true` deletes (terms have
//! no trash, so without `force` it is `501 rest_trash_not_supported`, as in WordPress; a deleted
//! section's sub-sections move up and its stories stay in their other sections).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::auth::Viewer;
use super::body::Args;
use super::errors::ApiError;
use super::me::action_error;
use super::params::Context;
use super::terms::{Taxonomy, term_json};
use super::{Api, links, path_id};
use crate::AppState;
use crate::actions::structure::{self, SectionInput, TagInput};
use crate::actions::{ActionError, Actor};
use crate::domain::user::{Capability, Staff};
use crate::store::rest::{ListFilter, RestTerm};

fn manager(viewer: &Viewer, code: &'static str) -> Result<Staff, ApiError> {
    viewer
        .may(
            Capability::ManageTaxonomy,
            code,
            "Sorry, you are not allowed to manage terms in this taxonomy.",
        )
        .cloned()
}

fn invalid_term() -> ApiError {
    ApiError::not_found("rest_term_invalid", "Term does not exist.")
}

fn refused(e: ActionError) -> ApiError {
    match e {
        ActionError::NotFound(_) => invalid_term(),
        e => action_error(e, "rest_cannot_update"),
    }
}

/// The term as it is now, read afresh (the write moved the site's content version, so the
/// chrome the answer's links come from is read again too).
async fn term_now(
    state: &AppState,
    q: Option<&str>,
    taxonomy: Taxonomy,
    id: i64,
) -> Result<(Api, RestTerm), ApiError> {
    let api = Api::new(state, q).await?;
    let term = match taxonomy {
        Taxonomy::Category => api
            .store()
            .rest_categories(api.now)
            .await?
            .into_iter()
            .find(|t| t.id == id),
        Taxonomy::Tag => {
            let filter = ListFilter {
                include: vec![id],
                limit: 1,
                ..Default::default()
            };
            api.store()
                .rest_tags(&filter, None, false, api.now)
                .await?
                .0
                .into_iter()
                .next()
        }
    };
    let term = term.ok_or_else(invalid_term)?;
    Ok((api, term))
}

async fn answer(
    state: &AppState,
    q: Option<&str>,
    taxonomy: Taxonomy,
    id: i64,
    created: bool,
) -> Result<Response, ApiError> {
    let (api, term) = term_now(state, q, taxonomy, id).await?;
    let v = term_json(&api.chrome, taxonomy, &term, Context::View);
    Ok(if created {
        let location = links::route(&format!("{}/{id}", taxonomy.route()));
        api.created(v, &location)
    } else {
        api.one(v)
    })
}

fn parent_of(args: &Args, current: Option<i64>) -> Result<Option<i64>, ApiError> {
    Ok(match args.int("parent")? {
        Some(0) => None,
        Some(p) if p > 0 => Some(p),
        Some(_) => return Err(ApiError::invalid_param("parent", "parent must be an id.")),
        None => current,
    })
}

pub async fn create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = manager(&viewer, "rest_cannot_create")?;
    let input = SectionInput {
        name: args
            .string("name")?
            .ok_or_else(|| ApiError::missing_param("name"))?,
        slug: args.string("slug")?.unwrap_or_default(),
        description: args.string("description")?.unwrap_or_default(),
        parent_id: parent_of(&args, None)?,
    };
    let id = structure::create_section(state.store(), Actor::Staff(&me), &input)
        .await
        .map_err(refused)?;
    answer(&state, q.as_deref(), Taxonomy::Category, id, true).await
}

pub async fn update_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = manager(&viewer, "rest_cannot_update")?;
    let (_, current) = term_now(&state, q.as_deref(), Taxonomy::Category, id).await?;
    let input = SectionInput {
        name: args.string("name")?.unwrap_or(current.name),
        slug: args.string("slug")?.unwrap_or(current.slug),
        description: args.string("description")?.unwrap_or(current.description),
        parent_id: parent_of(&args, current.parent_id)?,
    };
    structure::edit_section(state.store(), Actor::Staff(&me), id, &input)
        .await
        .map_err(refused)?;
    answer(&state, q.as_deref(), Taxonomy::Category, id, false).await
}

pub async fn create_tag(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = manager(&viewer, "rest_cannot_create")?;
    if args.has("parent") {
        return Err(ApiError::invalid_param("parent", "Tags have no parent."));
    }
    let input = TagInput {
        name: args
            .string("name")?
            .ok_or_else(|| ApiError::missing_param("name"))?,
        slug: args.string("slug")?.unwrap_or_default(),
        description: args.string("description")?.unwrap_or_default(),
    };
    let id = structure::create_tag(state.store(), Actor::Staff(&me), &input)
        .await
        .map_err(refused)?;
    answer(&state, q.as_deref(), Taxonomy::Tag, id, true).await
}

pub async fn update_tag(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = manager(&viewer, "rest_cannot_update")?;
    let (_, current) = term_now(&state, q.as_deref(), Taxonomy::Tag, id).await?;
    let input = TagInput {
        name: args.string("name")?.unwrap_or(current.name),
        slug: args.string("slug")?.unwrap_or(current.slug),
        description: args.string("description")?.unwrap_or(current.description),
    };
    structure::edit_tag(state.store(), Actor::Staff(&me), id, &input)
        .await
        .map_err(refused)?;
    answer(&state, q.as_deref(), Taxonomy::Tag, id, false).await
}

async fn delete(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    q: Option<&str>,
    args: &Args,
    taxonomy: Taxonomy,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let me = manager(viewer, "rest_cannot_delete")?;
    let (api, current) = term_now(state, q, taxonomy, id).await?;
    if !args.bool("force")?.unwrap_or(false) {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "Terms do not support trashing. Set 'force=true' to delete.",
        ));
    }
    let previous = term_json(&api.chrome, taxonomy, &current, Context::View);
    match taxonomy {
        Taxonomy::Category => {
            structure::delete_section(state.store(), Actor::Staff(&me), id, None).await
        }
        Taxonomy::Tag => structure::delete_tag(state.store(), Actor::Staff(&me), id).await,
    }
    .map_err(refused)?;
    Ok(api.one(json!({ "deleted": true, "previous": previous })))
}

pub async fn delete_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    delete(
        &state,
        &viewer,
        &id,
        q.as_deref(),
        &args,
        Taxonomy::Category,
    )
    .await
}

pub async fn delete_tag(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    delete(&state, &viewer, &id, q.as_deref(), &args, Taxonomy::Tag).await
}
