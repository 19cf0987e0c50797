//! `/wp/v2/users`: the people the public may see, those with a published story or page. Never
//! a login, an email address, a role or anything only `context=edit` shows.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::links::{self, href};
use super::params::{self, Context};
use super::{Api, path_id};
use crate::AppState;
use crate::store::rest::{Order, OrderBy, RestUser};

/// A person as WordPress shows them (`view` and `embed` are the same for users).
pub fn user_json(u: &RestUser) -> Value {
    let avatar = u.avatar_url.as_deref().map(links::public);
    let avatar_urls = match avatar {
        Some(url) => json!({ "24": url, "48": url, "96": url }),
        None => json!({}),
    };
    json!({
        "id": u.id,
        "name": u.display_name,
        "url": "",
        "description": u.bio,
        "link": links::public(&format!("/author/{}/", u.slug)),
        "slug": u.slug,
        "avatar_urls": avatar_urls,
        "_links": {
            "self": href(links::route(&format!("/wp/v2/users/{}", u.id))),
            "collection": href(links::route("/wp/v2/users")),
        },
    })
}

/// Drops the fields the embed context leaves out (none for users, but `meta`).
fn shaped(u: &RestUser, context: Context) -> Value {
    let mut v = user_json(u);
    if context == Context::View
        && let Some(o) = v.as_object_mut()
    {
        o.insert("meta".into(), json!([]));
    }
    v
}

pub async fn list(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "users")?;
    if api.params.has("roles") || api.params.has("capabilities") {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "rest_user_cannot_view",
            "Sorry, you are not allowed to filter users by role.",
        ));
    }
    api.params.one_of("who", &["authors"])?;
    let (filter, page) = params::list_filter(
        &api.params,
        &[
            ("name", OrderBy::Name),
            ("id", OrderBy::Id),
            ("include", OrderBy::Include),
            ("slug", OrderBy::Slug),
        ],
        Order::Asc,
    )?;
    let (rows, total) = api.store().rest_users(&filter, api.now).await?;
    let items = rows.iter().map(|u| shaped(u, context)).collect();
    Ok(api.page(items, total, page, filter.limit, "/wp/v2/users"))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "users")?;
    let found = api.store().rest_users_by_ids(&[id], api.now).await?;
    let user = found
        .first()
        .ok_or_else(|| ApiError::not_found("rest_user_invalid_id", "Invalid user ID."))?;
    Ok(api.one(shaped(user, context)))
}
