//! The editor's Embed button: is this address an embed, and of which provider?

use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Signed;
use crate::AppState;
use crate::domain::embed::{Embed, PROVIDERS};
use crate::domain::user::Capability;
use crate::error::AppError;

#[derive(serde::Deserialize)]
pub struct EmbedForm {
    #[serde(default)]
    url: String,
}

/// `POST /admin/embed`: the stored form of an embeddable address (`html`, with `provider` and
/// `name`), or 422 and a sentence naming the providers.
pub async fn check(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<EmbedForm>,
) -> Result<Response, AppError> {
    if !signed.staff.can(Capability::WriteDrafts) {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "Your role does not allow writing stories.",
        ));
    }
    let json = [(header::CONTENT_TYPE, "application/json")];
    let own_host = state
        .base_url()
        .and_then(|b| url::Url::parse(b).ok())
        .and_then(|b| b.host_str().map(str::to_ascii_lowercase));
    let embed = Embed::parse(&form.url);
    if embed.as_ref().is_some_and(|e| e.is_on(own_host.as_deref())) {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            json,
            serde_json::json!({
                "error": "That address is on this site: link to it instead of embedding it.",
            })
            .to_string(),
        )
            .into_response());
    }
    Ok(match embed {
        Some(embed) => (
            json,
            serde_json::json!({
                "provider": embed.provider.key,
                "name": embed.provider.name,
                "id": embed.id,
                "url": embed.url,
                "html": embed.stored_html(""),
            })
            .to_string(),
        )
            .into_response(),
        None => {
            let names: Vec<&str> = PROVIDERS.iter().map(|p| p.name).collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json,
                serde_json::json!({
                    "error": format!(
                        "That is not the address of a post, video, map or chart Newsdesk can embed. \
                         Use the address of one from {}.",
                        names.join(", ")
                    ),
                })
                .to_string(),
            )
                .into_response()
        }
    })
}
