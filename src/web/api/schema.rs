//! `/wp/v2/types`, `/wp/v2/taxonomies` and `/wp/v2/statuses`: what kinds of content the site
//! has, as clients discover them. The public sees only the `publish` status.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::Api;
use super::errors::ApiError;
use super::links::{self, href};
use super::params;
use crate::AppState;

/// A post type the API serves.
struct PostType {
    slug: &'static str,
    name: &'static str,
    hierarchical: bool,
    rest_base: &'static str,
    taxonomies: &'static [&'static str],
}

const TYPES: &[PostType] = &[
    PostType {
        slug: "post",
        name: "Posts",
        hierarchical: false,
        rest_base: "posts",
        taxonomies: &["category", "post_tag"],
    },
    PostType {
        slug: "page",
        name: "Pages",
        hierarchical: true,
        rest_base: "pages",
        taxonomies: &[],
    },
    PostType {
        slug: "attachment",
        name: "Media",
        hierarchical: false,
        rest_base: "media",
        taxonomies: &[],
    },
];

/// `(slug, name, hierarchical, rest_base)`.
const TAXONOMIES: &[(&str, &str, bool, &str)] = &[
    ("category", "Categories", true, "categories"),
    ("post_tag", "Tags", false, "tags"),
];

fn type_json(t: &PostType) -> Value {
    json!({
        "description": "",
        "hierarchical": t.hierarchical,
        "has_archive": false,
        "name": t.name,
        "slug": t.slug,
        "icon": Value::Null,
        "taxonomies": t.taxonomies,
        "rest_base": t.rest_base,
        "rest_namespace": "wp/v2",
        "_links": {
            "collection": href(links::route("/wp/v2/types")),
            "wp:items": href(links::route(&format!("/wp/v2/{}", t.rest_base))),
            "curies": links::curies(),
        },
    })
}

fn taxonomy_json(t: &(&str, &str, bool, &str)) -> Value {
    let (slug, name, hierarchical, rest_base) = *t;
    json!({
        "name": name,
        "slug": slug,
        "description": "",
        "types": ["post"],
        "hierarchical": hierarchical,
        "rest_base": rest_base,
        "rest_namespace": "wp/v2",
        "_links": {
            "collection": href(links::route("/wp/v2/taxonomies")),
            "wp:items": href(links::route(&format!("/wp/v2/{rest_base}"))),
            "curies": links::curies(),
        },
    })
}

fn status_json() -> Value {
    json!({
        "name": "Published",
        "public": true,
        "queryable": true,
        "slug": "publish",
        "date_floating": false,
        "_links": { "archives": href(links::route("/wp/v2/posts")) },
    })
}

async fn api(state: &AppState, q: Option<&str>, what: &str) -> Result<Api, ApiError> {
    let api = Api::new(state, q).await?;
    params::context(&api.params, what)?;
    Ok(api)
}

pub async fn types(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = api(&state, q.as_deref(), "posts in this post type").await?;
    let all: Map<String, Value> = TYPES
        .iter()
        .map(|t| (t.slug.to_owned(), type_json(t)))
        .collect();
    Ok(api.one(Value::Object(all)))
}

pub async fn type_one(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = api(&state, q.as_deref(), "posts in this post type").await?;
    let t = TYPES
        .iter()
        .find(|t| t.slug == name)
        .ok_or_else(|| ApiError::not_found("rest_type_invalid", "Invalid post type."))?;
    Ok(api.one(type_json(t)))
}

pub async fn taxonomies(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = api(&state, q.as_deref(), "terms in this taxonomy").await?;
    let wanted = api.params.get("type").map(str::to_owned);
    let all: Map<String, Value> = TAXONOMIES
        .iter()
        .filter(|_| wanted.as_deref().is_none_or(|t| t == "post"))
        .map(|t| (t.0.to_owned(), taxonomy_json(t)))
        .collect();
    Ok(api.one(Value::Object(all)))
}

pub async fn taxonomy_one(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = api(&state, q.as_deref(), "terms in this taxonomy").await?;
    let t = TAXONOMIES
        .iter()
        .find(|t| t.0 == name)
        .ok_or_else(|| ApiError::not_found("rest_taxonomy_invalid", "Invalid taxonomy."))?;
    Ok(api.one(taxonomy_json(t)))
}

pub async fn statuses(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = api(&state, q.as_deref(), "posts in this post type").await?;
    Ok(api.one(json!({ "publish": status_json() })))
}

pub async fn status_one(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = api(&state, q.as_deref(), "posts in this post type").await?;
    if name != "publish" {
        return Err(ApiError::not_found(
            "rest_status_invalid",
            "Invalid status.",
        ));
    }
    Ok(api.one(status_json()))
}
