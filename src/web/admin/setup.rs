//! A new site's first administrator: the one-time set-up link `newsdesk serve` logs while the
//! site has no administrator leads to a form choosing the login, email, name and password.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::actions::{ActionError, accounts};
use crate::domain::user::Role;
use crate::error::AppError;

/// What the set-up form sends (kept and shown again when refused, passwords aside).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SetupForm {
    login: String,
    email: String,
    display_name: String,
    #[serde(skip_serializing)]
    password: String,
    #[serde(skip_serializing)]
    repeat: String,
}

async fn render(
    state: &AppState,
    status: StatusCode,
    token: &str,
    form: &SetupForm,
    errors: &BTreeMap<&'static str, String>,
) -> Result<Response, AppError> {
    let works = accounts::setup_link_works(state.store(), token, state.now()).await?;
    let settings = state.store().settings().await?;
    let html = state.admin_ui().render(
        "setup.html",
        minijinja::context! {
            site_title => settings.title,
            csrf => super::session::form_token(state).await?,
            works,
            form,
            errors,
            min_len => crate::domain::password::MIN_LEN,
        },
    )?;
    let status = if works { status } else { StatusCode::NOT_FOUND };
    Ok((status, Html(html)).into_response())
}

/// `GET /admin/setup/TOKEN`
pub async fn setup_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let form = SetupForm::default();
    render(&state, StatusCode::OK, &token, &form, &BTreeMap::new()).await
}

/// `POST /admin/setup/TOKEN`: creates the administrator, then on to signing in.
pub async fn set_up(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    let mut errors = BTreeMap::new();
    if form.password != form.repeat {
        errors.insert("repeat", "The two passwords are not the same.".to_owned());
        return render(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            &form,
            &errors,
        )
        .await;
    }
    let account = accounts::NewAccount {
        login: form.login.clone(),
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: Role::Administrator,
        password: Some(form.password.clone()),
    };
    match accounts::set_up_first_administrator(state.store(), &token, &account, state.now()).await {
        Ok(_) => Ok(crate::web::edge::see_other("/admin/login?m=set-up")),
        Err(ActionError::Invalid { field, message }) => {
            errors.insert(field, sentence(&message));
            render(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &token,
                &form,
                &errors,
            )
            .await
        }
        Err(ActionError::NotFound(_)) => {
            render(&state, StatusCode::NOT_FOUND, &token, &form, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A rule's message as a sentence: capitalised, with a full stop.
fn sentence(message: &str) -> String {
    let message = message.trim_end_matches('.');
    let mut chars = message.chars();
    match chars.next() {
        Some(c) => format!("{}.", c.to_uppercase().chain(chars).collect::<String>()),
        None => String::new(),
    }
}
