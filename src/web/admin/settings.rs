//! Site settings: the site's name and language, its time zone, lists and feeds, and the
//! comment policy. Every value is checked before any is stored.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Frame, Signed, session};
use crate::AppState;
use crate::actions::{ActionError, Actor, site};
use crate::domain::user::Capability;
use crate::error::AppError;

/// Every setting the form edits, by its name in `SiteSettings::set`. `read_also` and
/// `api_comments` are checkboxes: absent means off.
const FIELDS: [&str; 21] = [
    "title",
    "tagline",
    "timezone",
    "posts_per_page",
    "language",
    "read_also",
    "comment_moderation",
    "comment_close_days",
    "thread_depth",
    "comment_min_seconds",
    "comment_max_links",
    "comment_moderation_words",
    "comment_block_words",
    "comment_rate_limit",
    "feed_items",
    "feed_content",
    "api_comments",
    "embed_providers",
    "extra_origins",
    "head_snippet",
    "footer_snippet",
];

/// Every IANA time zone, by name.
fn time_zones() -> Vec<&'static str> {
    let mut zones: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    zones.sort_unstable();
    zones
}

async fn render(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<&'static str, String>,
) -> Result<Response, AppError> {
    let frame = Frame::new(state, signed, "Settings", "settings").await?;
    let enabled = values.get("embed_providers").cloned().unwrap_or_default();
    let providers: Vec<minijinja::Value> = crate::domain::embed::PROVIDERS
        .iter()
        .map(|p| {
            minijinja::context! {
                key => p.key,
                name => p.name,
                checked => enabled.split_whitespace().any(|k| k == p.key || k == "all"),
            }
        })
        .collect();
    let html = frame.render(
        state,
        "settings.html",
        minijinja::context! {
            v => values,
            errors,
            zones => time_zones(),
            providers,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /admin/settings`
pub async fn page(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    Actor::Staff(&signed.staff).require(Capability::ManageSettings)?;
    let values = state
        .store()
        .settings()
        .await?
        .to_rows()
        .into_iter()
        .filter(|(name, _)| FIELDS.contains(name))
        .collect();
    render(&state, &signed, StatusCode::OK, values, BTreeMap::new()).await
}

/// `POST /admin/settings`
pub async fn save(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values: BTreeMap<&'static str, String> = FIELDS
        .iter()
        .map(|&name| {
            let sent = form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            let value = match name {
                "read_also" | "api_comments" => {
                    if sent.is_some() { "on" } else { "off" }.to_owned()
                }
                "embed_providers" => {
                    let keys: Vec<&str> = form
                        .iter()
                        .filter(|(k, _)| k == name)
                        .map(|(_, v)| v.as_str())
                        .collect();
                    if keys.is_empty() {
                        "none".to_owned()
                    } else {
                        keys.join(" ")
                    }
                }
                _ => sent.unwrap_or_default(),
            };
            (name, value)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match site::update_settings(state.store(), Actor::Staff(&signed.staff), &pairs).await {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/settings",
            "Settings saved.",
        )),
        Err(ActionError::Fields(errors)) => {
            let errors = errors
                .into_iter()
                .map(|(field, message)| (field, sentence(&message)))
                .collect();
            render(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A rule as the form shows it: "a number from 1 to 100" → "Enter a number from 1 to 100.".
fn sentence(rule: &str) -> String {
    let rule = rule.trim_end_matches('.');
    if rule.starts_with("a ") || rule.starts_with("an ") || rule.starts_with("not ") {
        let verb = if rule.starts_with("not ") {
            "That is"
        } else {
            "Enter"
        };
        return format!("{verb} {rule}.");
    }
    let mut chars = rule.chars();
    match chars.next() {
        Some(c) => format!("{}.", c.to_uppercase().chain(chars).collect::<String>()),
        None => String::new(),
    }
}
