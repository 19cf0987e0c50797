//! Application passwords in the admin: a person's own on `/admin/profile`, and anyone's on an
//! administrator's page of that person (`/admin/users/{id}`). A new password is shown once, on
//! the page answering the request that made it; it never travels in a redirect, a cookie or a
//! log. Who may see and change whose is decided by `actions::app_passwords`.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{Signed, profile, session, users};
use crate::AppState;
use crate::actions::app_passwords;
use crate::actions::{ActionError, Actor};
use crate::error::AppError;

/// One application password as listed (never its secret).
#[derive(Debug, serde::Serialize)]
pub(super) struct Row {
    uuid: String,
    name: String,
    created: String,
    /// `None` when it was never used.
    last_used: Option<String>,
    last_ip: String,
}

/// A password just made: its name and the secret, shown only on this one answer.
#[derive(Debug, serde::Serialize)]
pub(super) struct Fresh {
    name: String,
    secret: String,
}

/// The application passwords section of a page, as the templates see it.
#[derive(Debug, Default, serde::Serialize)]
pub(super) struct Panel {
    /// Where the section's forms post: `/admin/profile/app-passwords` or
    /// `/admin/users/{id}/app-passwords`.
    action: String,
    /// The owner's login, which tools send with the password.
    login: String,
    rows: Vec<Row>,
    /// The name field as typed (kept when refused).
    name: String,
    errors: BTreeMap<&'static str, String>,
    created: Option<Fresh>,
    /// The name field's longest length.
    max_len: usize,
}

/// What a request asks of the section, beyond listing it.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub name: String,
    pub errors: BTreeMap<&'static str, String>,
    pub created: Option<app_passwords::Created>,
}

/// The section for `user_id`'s passwords as `signed` may see them, times in the site's zone.
pub(super) async fn panel(
    state: &AppState,
    signed: &Signed,
    user_id: i64,
    action: String,
    outcome: Outcome,
) -> Result<Panel, AppError> {
    let store = state.store();
    let tz = store.settings().await?.timezone;
    let when = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&tz)
            .format("%-d %b %Y, %H:%M %Z")
            .to_string()
    };
    let login = store
        .account(user_id)
        .await?
        .ok_or(AppError::NotFound)?
        .login;
    let rows = app_passwords::list(store, Actor::Staff(&signed.staff), user_id)
        .await?
        .into_iter()
        .map(|p| Row {
            created: when(p.created_at),
            last_used: p.last_used_at.map(when),
            uuid: p.uuid,
            name: p.name,
            last_ip: p.last_ip,
        })
        .collect();
    Ok(Panel {
        action,
        login,
        rows,
        name: outcome.name,
        errors: outcome.errors,
        created: outcome.created.map(|c| Fresh {
            name: c.record.name,
            secret: c.secret,
        }),
        max_len: app_passwords::MAX_NAME_LEN,
    })
}

/// The creation form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
}

/// Creates a password for `user_id`: the secret on success, or the refusal beside the field.
async fn create(
    state: &AppState,
    signed: &Signed,
    user_id: i64,
    name: String,
) -> Result<Outcome, AppError> {
    let by = Actor::Staff(&signed.staff);
    match app_passwords::create(state.store(), by, user_id, &name, state.now()).await {
        Ok(created) => Ok(Outcome {
            created: Some(created),
            ..Default::default()
        }),
        Err(ActionError::Conflict(m)) => Ok(Outcome {
            name,
            errors: [("name", m)].into_iter().collect(),
            created: None,
        }),
        Err(e) => Ok(Outcome {
            name,
            errors: profile::field_errors(e)?,
            created: None,
        }),
    }
}

/// Revokes one of `user_id`'s passwords (or all) and goes back to `to` with a message.
async fn revoke(
    state: &AppState,
    signed: &Signed,
    headers: &HeaderMap,
    user_id: i64,
    uuid: Option<&str>,
    to: &str,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    let name = match uuid {
        Some(u) => app_passwords::list(state.store(), by, user_id)
            .await?
            .into_iter()
            .find(|p| p.uuid == u)
            .map(|p| p.name),
        None => None,
    };
    let n = app_passwords::revoke(state.store(), by, user_id, uuid).await?;
    let message = match (name, n) {
        (Some(name), _) => {
            format!(
                "The application password “{name}” is revoked; tools using it can no longer sign in."
            )
        }
        (None, 1) => "The application password is revoked.".to_owned(),
        (None, n) => format!("All {n} application passwords are revoked."),
    };
    Ok(session::redirect_with_flash(state, headers, to, &message))
}

fn status_of(outcome: &Outcome) -> StatusCode {
    if outcome.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// `POST /admin/profile/app-passwords`: answers with the profile page showing the new password.
pub async fn create_own(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    let outcome = create(&state, &signed, signed.staff.id, form.name).await?;
    profile::render_with_app_passwords(&state, &signed, status_of(&outcome), outcome).await
}

/// `POST /admin/profile/app-passwords/{uuid}/revoke`
pub async fn revoke_own(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Result<Response, AppError> {
    let id = signed.staff.id;
    revoke(&state, &signed, &headers, id, Some(&uuid), "/admin/profile").await
}

/// `POST /admin/profile/app-passwords/revoke-all`
pub async fn revoke_all_own(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = signed.staff.id;
    revoke(&state, &signed, &headers, id, None, "/admin/profile").await
}

/// `POST /admin/users/{id}/app-passwords`: an administrator makes one for someone, shown once
/// on the person's page.
pub async fn create_for(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    users::may_manage(&signed)?;
    let outcome = create(&state, &signed, id, form.name).await?;
    users::render_person_with_app_passwords(&state, &signed, id, status_of(&outcome), outcome).await
}

/// `POST /admin/users/{id}/app-passwords/{uuid}/revoke`
pub async fn revoke_for(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, uuid)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    users::may_manage(&signed)?;
    let to = format!("/admin/users/{id}");
    revoke(&state, &signed, &headers, id, Some(&uuid), &to).await
}

/// `POST /admin/users/{id}/app-passwords/revoke-all`
pub async fn revoke_all_for(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    users::may_manage(&signed)?;
    let to = format!("/admin/users/{id}");
    revoke(&state, &signed, &headers, id, None, &to).await
}
