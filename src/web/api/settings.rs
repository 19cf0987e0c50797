//! `/wp/v2/settings`: the site's settings in WordPress's names, for administrators (those who
//! manage settings): `GET` reads them, `POST`/`PUT`/`PATCH` changes them through the admin's
//! settings action (every value checked before anything is stored).
//!
//! | WordPress | Newsdesk |
//! |---|---|
//! | `title` | `title` |
//! | `description` | `tagline` |
//! | `timezone` | `timezone` (an IANA name) |
//! | `posts_per_page` | `posts_per_page` |
//! | `language` | `language` (WordPress's `en_US` or a BCP 47 tag) |
//! | `default_comment_status` | read only: `open` |
//! | `posts_per_rss` | `feed_items` |
//! | `rss_use_excerpt` | `feed_content` (`true`: excerpts) |
//! | `thread_comments_depth` | `thread_depth` |

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Api;
use super::auth::Viewer;
use super::body::Args;
use super::errors::ApiError;
use super::me::action_error;
use crate::AppState;
use crate::actions::{ActionError, Actor, site};
use crate::domain::settings::{FeedContent, SiteSettings};
use crate::domain::user::{Capability, Staff};

fn administrator(viewer: &Viewer) -> Result<&Staff, ApiError> {
    viewer.may(
        Capability::ManageSettings,
        "rest_forbidden",
        "Sorry, you are not allowed to do that.",
    )
}

fn settings_json(s: &SiteSettings) -> Value {
    json!({
        "title": s.title,
        "description": s.tagline,
        "url": super::links::public("/").trim_end_matches('/'),
        "timezone": s.timezone.name(),
        "language": s.language.replace('-', "_"),
        "posts_per_page": s.posts_per_page,
        "posts_per_rss": s.feed_items,
        "rss_use_excerpt": s.feed_content == FeedContent::Excerpt,
        "thread_comments_depth": s.thread_depth,
        "default_comment_status": "open",
        "default_ping_status": "closed",
        "use_smilies": false,
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    administrator(&viewer)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let settings = api.store().settings().await?;
    Ok(api.one(settings_json(&settings)))
}

/// WordPress's argument as Newsdesk's setting and value.
fn setting_of(name: &str, value: &Value) -> Result<Option<(&'static str, String)>, ApiError> {
    let text = || match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(ApiError::invalid_param(
            name,
            format!("{name} is not a single value."),
        )),
    };
    Ok(Some(match name {
        "title" => ("title", text()?),
        "description" => ("tagline", text()?),
        "timezone" => ("timezone", text()?),
        "posts_per_page" => ("posts_per_page", text()?),
        "language" => ("language", text()?.replace('_', "-")),
        "posts_per_rss" => ("feed_items", text()?),
        "thread_comments_depth" => ("thread_depth", text()?),
        "rss_use_excerpt" => (
            "feed_content",
            match value {
                Value::Bool(true) => "excerpt".to_owned(),
                Value::Bool(false) => "full".to_owned(),
                _ => match text()?.as_str() {
                    "1" | "true" => "excerpt".to_owned(),
                    "0" | "false" => "full".to_owned(),
                    _ => {
                        return Err(ApiError::invalid_param(
                            name,
                            "rss_use_excerpt is not of type boolean.",
                        ));
                    }
                },
            },
        ),
        // Read-only in Newsdesk, answered as they are.
        "url" | "default_comment_status" | "default_ping_status" | "use_smilies" => {
            return Ok(None);
        }
        _ => {
            return Err(ApiError::invalid_param(
                name,
                format!("{name} is not a setting Newsdesk has."),
            ));
        }
    }))
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = administrator(&viewer)?;
    let mut values = Vec::new();
    for (name, value) in &args.0 {
        // Global parameters (`context`, `_fields`, `_envelope`…) are not settings.
        if name.starts_with('_') || name == "context" || name == "rest_route" || value.is_null() {
            continue;
        }
        if let Some(v) = setting_of(name, value)? {
            values.push(v);
        }
    }
    let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    site::update_settings(state.store(), Actor::Staff(me), &pairs)
        .await
        .map_err(|e| match e {
            ActionError::Fields(fields) => {
                // Named back in WordPress's terms.
                let mut err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_invalid_param",
                    "Invalid parameter(s): settings",
                );
                for (field, message) in fields {
                    err.params
                        .insert(wp_name(field).to_owned(), Value::String(message));
                }
                err
            }
            e => action_error(e, "rest_forbidden"),
        })?;
    let api = Api::new(&state, q.as_deref()).await?;
    let settings = api.store().settings().await?;
    Ok(api.one(settings_json(&settings)))
}

fn wp_name(setting: &str) -> &str {
    match setting {
        "tagline" => "description",
        "feed_items" => "posts_per_rss",
        "feed_content" => "rss_use_excerpt",
        "thread_depth" => "thread_comments_depth",
        other => other,
    }
}
