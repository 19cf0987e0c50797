//! Application passwords
//! (`/wp/v2/users/<id|me>/application-passwords[/<uuid>|/introspect]`), as WordPress has them.
//! A person manages their own; administrators (who manage people) anyone's.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Viewer;
use super::body::Args;
use super::errors::ApiError;
use super::links::{self, href};
use super::{Api, path_id};
use crate::AppState;
use crate::actions::app_passwords::{self, Created};
use crate::actions::{ActionError, Actor};
use crate::domain::user::Staff;
use crate::store::app_passwords::AppPassword;

/// The person a `<id|me>` path names.
fn user_of(raw: &str, viewer: &Staff) -> Result<i64, ApiError> {
    if raw == "me" {
        Ok(viewer.id)
    } else {
        path_id(raw)
    }
}

fn password_json(p: &AppPassword, secret: Option<&str>) -> Value {
    let mut v = json!({
        "uuid": p.uuid,
        "app_id": "",
        "name": p.name,
        "created": links::wp_date_gmt(p.created_at),
        "last_used": p.last_used_at.map(links::wp_date_gmt),
        "last_ip": if p.last_ip.is_empty() { Value::Null } else { json!(p.last_ip) },
        "_links": {
            "self": href(links::route(&format!(
                "/wp/v2/users/{}/application-passwords/{}",
                p.user_id, p.uuid
            ))),
        },
    });
    if let Some(s) = secret {
        v["password"] = json!(s);
    }
    v
}

/// An action's refusal in WordPress's terms.
pub fn action_error(e: ActionError, forbidden_code: &'static str) -> ApiError {
    match e {
        ActionError::Forbidden(m) => ApiError::new(
            StatusCode::FORBIDDEN,
            forbidden_code,
            format!("Sorry, you are not allowed to do that. {m}"),
        ),
        ActionError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "rest_not_found", m),
        ActionError::Invalid { field, message } => ApiError::invalid_param(field, message),
        ActionError::Fields(fields) => {
            let mut err = ApiError::new(
                StatusCode::BAD_REQUEST,
                "rest_invalid_param",
                format!(
                    "Invalid parameter(s): {}",
                    fields.keys().copied().collect::<Vec<_>>().join(", ")
                ),
            );
            for (f, m) in fields {
                err.params.insert(f.to_owned(), Value::String(m));
            }
            err
        }
        ActionError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "rest_conflict", m),
        ActionError::Stale { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "rest_post_conflict",
            "Someone else saved this in the meantime, so nothing was saved. Read it again and retry.",
        ),
        ActionError::RateLimited { retry_after_secs } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rest_too_many_requests",
            format!("Too many requests; try again in {retry_after_secs} seconds."),
        ),
        ActionError::Busy { retry_after_secs } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "rest_busy",
            format!("The site is busy; try again in {retry_after_secs} seconds."),
        ),
        ActionError::Store(e) => ApiError::from(e),
    }
}

fn password_error(e: ActionError) -> ApiError {
    match e {
        ActionError::NotFound(m) if m.contains("application password") => ApiError::new(
            StatusCode::NOT_FOUND,
            "rest_application_password_not_found",
            "The requested application password could not be found.",
        ),
        ActionError::NotFound(_) => ApiError::not_found("rest_user_invalid_id", "Invalid user ID."),
        ActionError::Conflict(m) => ApiError::new(
            StatusCode::CONFLICT,
            "application_password_duplicate_name",
            m,
        ),
        e => action_error(e, "rest_cannot_manage_application_passwords"),
    }
}

pub async fn list_passwords(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let me = viewer.required()?;
    let user_id = user_of(&user, me)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let rows = app_passwords::list(api.store(), Actor::Staff(me), user_id)
        .await
        .map_err(password_error)?;
    let items = rows.iter().map(|p| password_json(p, None)).collect();
    Ok(api.one(Value::Array(items)))
}

pub async fn create_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(user): Path<String>,
    args: Args,
) -> Result<Response, ApiError> {
    let me = viewer.required()?;
    // A tool's password does not make more: a leaked one must not outlive its own revocation.
    if matches!(
        viewer,
        Viewer::Staff {
            app_password: Some(_),
            ..
        }
    ) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_manage_application_passwords",
            "Application passwords are made in the admin (your profile page), from the command \
             line, or with the admin's session; not with another application password.",
        ));
    }
    let user_id = user_of(&user, me)?;
    let api = Api::new(&state, None).await?;
    let name = args
        .string("name")?
        .ok_or_else(|| ApiError::missing_param("name"))?;
    let Created { record, secret } =
        app_passwords::create(api.store(), Actor::Staff(me), user_id, &name, api.now)
            .await
            .map_err(password_error)?;
    let location = links::route(&format!(
        "/wp/v2/users/{user_id}/application-passwords/{}",
        record.uuid
    ));
    Ok(api.created(password_json(&record, Some(&secret)), &location))
}

pub async fn show_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((user, uuid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let me = viewer.required()?;
    let user_id = user_of(&user, me)?;
    let api = Api::new(&state, None).await?;
    if uuid == "introspect" {
        return introspect(&api, &viewer, user_id);
    }
    let rows = app_passwords::list(api.store(), Actor::Staff(me), user_id)
        .await
        .map_err(password_error)?;
    let found = rows.iter().find(|p| p.uuid == uuid).ok_or_else(|| {
        password_error(ActionError::NotFound(
            "No such application password.".into(),
        ))
    })?;
    Ok(api.one(password_json(found, None)))
}

/// The application password this very request was authenticated with.
fn introspect(api: &Api, viewer: &Viewer, user_id: i64) -> Result<Response, ApiError> {
    match viewer {
        Viewer::Staff {
            staff,
            app_password: Some(p),
        } if staff.id == user_id => Ok(api.one(password_json(p, None))),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_no_authenticated_app_password",
            "Cannot introspect application password.",
        )),
    }
}

pub async fn delete_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((user, uuid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let me = viewer.required()?;
    let user_id = user_of(&user, me)?;
    let api = Api::new(&state, None).await?;
    let rows = app_passwords::list(api.store(), Actor::Staff(me), user_id)
        .await
        .map_err(password_error)?;
    let previous = rows.iter().find(|p| p.uuid == uuid).cloned();
    app_passwords::revoke(api.store(), Actor::Staff(me), user_id, Some(&uuid))
        .await
        .map_err(password_error)?;
    Ok(api.one(json!({
        "deleted": true,
        "previous": previous.as_ref().map(|p| password_json(p, None)),
    })))
}

pub async fn delete_passwords(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(user): Path<String>,
) -> Result<Response, ApiError> {
    let me = viewer.required()?;
    let user_id = user_of(&user, me)?;
    let api = Api::new(&state, None).await?;
    let n = app_passwords::revoke(api.store(), Actor::Staff(me), user_id, None)
        .await
        .map_err(password_error)?;
    Ok(api.one(json!({ "deleted": true, "count": n })))
}
