//! People: the newsroom's accounts, invitations, roles, disabling, and password-reset links.
//! Set-password links are shown once, on the page answering the request that made them; they
//! never travel in a redirect or a cookie.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Frame, Signed, app_passwords, session};
use crate::AppState;
use crate::actions::accounts::{self, INVITE_VALID, LinkPurpose, NewAccount, RESET_VALID};
use crate::actions::profiles::{self, ProfileEdit};
use crate::actions::{ActionError, Actor};
use crate::domain::user::{Capability, Role};
use crate::error::AppError;
use crate::web::origin;

#[derive(Debug, serde::Serialize)]
struct RoleOption {
    value: &'static str,
    label: &'static str,
}

fn roles() -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label: r.label(),
        })
        .collect()
}

#[derive(Debug, serde::Serialize)]
struct PersonView {
    id: i64,
    login: String,
    display_name: String,
    email: String,
    role: Role,
    role_label: &'static str,
    /// `active`, `invited` (no password yet) or `disabled`.
    state: &'static str,
    last_sign_in: Option<String>,
    is_me: bool,
}

/// The invitation form as typed.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct InviteForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

/// What went wrong on the page, when something did.
#[derive(Debug, Default)]
struct Problems {
    /// The invitation form's field errors.
    invite: BTreeMap<&'static str, String>,
    /// One person's row: their id and the message.
    row: Option<(i64, String)>,
}

pub(super) fn may_manage(signed: &Signed) -> Result<(), AppError> {
    Ok(Actor::Staff(&signed.staff).require(Capability::ManageUsers)?)
}

async fn render_people(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    invite: InviteForm,
    problems: Problems,
) -> Result<Response, AppError> {
    let store = state.store();
    let tz = store.settings().await?.timezone;
    let people: Vec<PersonView> = store
        .accounts()
        .await?
        .into_iter()
        .map(|a| PersonView {
            id: a.id,
            state: if a.disabled {
                "disabled"
            } else if !a.has_password {
                "invited"
            } else {
                "active"
            },
            login: a.login,
            display_name: a.display_name,
            email: a.email,
            role_label: a.role.label(),
            role: a.role,
            last_sign_in: a.last_login_at.map(|at| {
                at.with_timezone(&tz)
                    .format("%-d %b %Y, %H:%M %Z")
                    .to_string()
            }),
            is_me: a.id == signed.staff.id,
        })
        .collect();
    let (row_id, row_error) = problems.row.unzip();
    let frame = Frame::new(state, signed, "People", "users").await?;
    let html = frame.render(
        state,
        "users.html",
        minijinja::context! {
            people,
            roles => roles(),
            invite,
            errors => problems.invite,
            row_id,
            row_error,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /admin/users`
pub async fn list(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    may_manage(&signed)?;
    let invite = InviteForm {
        role: Role::Author.as_str().to_owned(),
        ..Default::default()
    };
    render_people(&state, &signed, StatusCode::OK, invite, Problems::default()).await
}

/// The page showing a new set-password link once.
async fn render_link(
    state: &AppState,
    signed: &Signed,
    user_id: i64,
    purpose: LinkPurpose,
    token: &str,
) -> Result<Response, AppError> {
    let account = state
        .store()
        .account(user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (title, valid_days) = match purpose {
        LinkPurpose::Invite => ("Invitation link", INVITE_VALID.num_days()),
        LinkPurpose::Reset => ("Password-reset link", RESET_VALID.num_days()),
    };
    let frame = Frame::new(state, signed, title, "users").await?;
    let html = frame.render(
        state,
        "user_link.html",
        minijinja::context! {
            person => account,
            invite => purpose == LinkPurpose::Invite,
            link => origin::absolute(&format!("/admin/password/{token}")),
            valid_days,
        },
    )?;
    Ok(html.into_response())
}

/// `POST /admin/users`: invites a person (an account without a password) and shows the link
/// with which they choose one.
pub async fn invite(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    by.require(Capability::ManageUsers)?;
    let Some(role) = Role::parse(&form.role) else {
        let problems = Problems {
            invite: [("role", "Choose a role.".to_owned())]
                .into_iter()
                .collect(),
            row: None,
        };
        return render_people(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            problems,
        )
        .await;
    };
    let account = NewAccount {
        login: form.login.clone(),
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role,
        password: None,
    };
    let id = match accounts::add_user(state.store(), by, &account, state.now()).await {
        Ok(id) => id,
        Err(ActionError::Invalid { field, message }) => {
            let problems = Problems {
                invite: [(field, sentence(&message))].into_iter().collect(),
                row: None,
            };
            return render_people(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                problems,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let token =
        accounts::password_link(state.store(), by, id, LinkPurpose::Invite, state.now()).await?;
    render_link(&state, &signed, id, LinkPurpose::Invite, &token).await
}

/// An action's message as a sentence ("enter an email…" → "Enter an email….").
pub(super) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut s: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// Shows a refusal about one person next to their row, changing nothing.
async fn row_refused(
    state: &AppState,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    message: String,
) -> Result<Response, AppError> {
    let invite = InviteForm {
        role: Role::Author.as_str().to_owned(),
        ..Default::default()
    };
    let problems = Problems {
        invite: BTreeMap::new(),
        row: Some((id, message)),
    };
    render_people(state, signed, status, invite, problems).await
}

async fn name_of(state: &AppState, id: i64) -> Result<String, AppError> {
    Ok(state
        .store()
        .account(id)
        .await?
        .ok_or(AppError::NotFound)?
        .display_name)
}

#[derive(Debug, serde::Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}/role`
pub async fn change_role(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    by.require(Capability::ManageUsers)?;
    let Some(role) = Role::parse(&form.role) else {
        return row_refused(
            &state,
            &signed,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a role.".into(),
        )
        .await;
    };
    match accounts::set_role(state.store(), by, id, role).await {
        Ok(()) => {
            let name = name_of(&state, id).await?;
            Ok(session::redirect_with_flash(
                &state,
                &headers,
                "/admin/users",
                &format!("{name} is now {}.", role.label()),
            ))
        }
        Err(ActionError::Conflict(m)) => {
            row_refused(&state, &signed, id, StatusCode::CONFLICT, m).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(
    state: AppState,
    signed: Signed,
    headers: HeaderMap,
    id: i64,
    disabled: bool,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    match accounts::set_disabled(state.store(), by, id, disabled).await {
        Ok(()) => {
            let name = name_of(&state, id).await?;
            let message = if disabled {
                format!("{name} is disabled and signed out everywhere.")
            } else {
                format!("{name} can sign in again.")
            };
            Ok(session::redirect_with_flash(
                &state,
                &headers,
                "/admin/users",
                &message,
            ))
        }
        Err(ActionError::Conflict(m)) => {
            row_refused(&state, &signed, id, StatusCode::CONFLICT, m).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/disable`: the person can no longer sign in; their sessions end.
pub async fn disable(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_disabled(state, signed, headers, id, true).await
}

/// `POST /admin/users/{id}/enable`
pub async fn enable(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_disabled(state, signed, headers, id, false).await
}

/// `POST /admin/users/{id}/reset`: a new one-time link to choose a password (any earlier
/// unused link stops working). An invited person gets a fresh invitation link.
pub async fn reset_link(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    by.require(Capability::ManageUsers)?;
    let account = state.store().account(id).await?.ok_or(AppError::NotFound)?;
    let purpose = if account.has_password {
        LinkPurpose::Reset
    } else {
        LinkPurpose::Invite
    };
    let token = accounts::password_link(state.store(), by, id, purpose, state.now()).await?;
    render_link(&state, &signed, id, purpose, &token).await
}

/// The person form an administrator edits.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct PersonForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    bio: String,
}

/// The deletion form: who receives the account's stories.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct DeleteForm {
    #[serde(default)]
    reassign_to: String,
}

#[derive(Debug, serde::Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn render_person(
    state: &AppState,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    form: PersonForm,
    errors: BTreeMap<&'static str, String>,
    apw: app_passwords::Outcome,
) -> Result<Response, AppError> {
    let account = state.store().account(id).await?.ok_or(AppError::NotFound)?;
    let app_passwords = app_passwords::panel(
        state,
        signed,
        id,
        format!("/admin/users/{id}/app-passwords"),
        apw,
    )
    .await?;
    let title = format!("Edit {}", account.display_name);
    let frame = Frame::new(state, signed, &title, "users").await?;
    let html = frame.render(
        state,
        "person.html",
        minijinja::context! {
            person => account,
            form,
            errors,
            app_passwords,
            is_me => id == signed.staff.id,
        },
    )?;
    Ok((status, html).into_response())
}

/// The person's page as saved (`may_manage` already checked), with the application passwords
/// section showing a new password or a refused name.
pub(super) async fn render_person_with_app_passwords(
    state: &AppState,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    apw: app_passwords::Outcome,
) -> Result<Response, AppError> {
    let p = state.store().profile(id).await?.ok_or(AppError::NotFound)?;
    let form = PersonForm {
        display_name: p.display_name,
        email: p.email,
        bio: p.bio,
    };
    render_person(state, signed, id, status, form, BTreeMap::new(), apw).await
}

/// `GET /admin/users/{id}`: an administrator edits someone's name, sign-in email and bio.
pub async fn person(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_manage(&signed)?;
    let p = state.store().profile(id).await?.ok_or(AppError::NotFound)?;
    let form = PersonForm {
        display_name: p.display_name,
        email: p.email,
        bio: p.bio,
    };
    render_person(
        &state,
        &signed,
        id,
        StatusCode::OK,
        form,
        BTreeMap::new(),
        Default::default(),
    )
    .await
}

/// `POST /admin/users/{id}`
pub async fn edit_person(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<PersonForm>,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    by.require(Capability::ManageUsers)?;
    let edit = ProfileEdit {
        display_name: Some(form.display_name.clone()),
        email: Some(form.email.clone()),
        bio: Some(form.bio.clone()),
        ..Default::default()
    };
    match profiles::edit_profile(state.store(), by, id, &edit).await {
        Ok(()) => {
            let name = name_of(&state, id).await?;
            Ok(session::redirect_with_flash(
                &state,
                &headers,
                &format!("/admin/users/{id}"),
                &format!("{name}’s profile is saved."),
            ))
        }
        Err(e) => {
            let errors = super::profile::field_errors(e)?;
            render_person(
                &state,
                &signed,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                Default::default(),
            )
            .await
        }
    }
}

async fn render_delete(
    state: &AppState,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    form: DeleteForm,
    errors: BTreeMap<&'static str, String>,
) -> Result<Response, AppError> {
    let store = state.store();
    let account = store.account(id).await?.ok_or(AppError::NotFound)?;
    let heirs: Vec<Choice> = store
        .accounts()
        .await?
        .into_iter()
        .filter(|a| a.id != id && !a.disabled)
        .map(|a| Choice {
            value: a.id.to_string(),
            label: format!("{} ({})", a.display_name, a.login),
        })
        .collect();
    let title = format!("Delete {}", account.display_name);
    let frame = Frame::new(state, signed, &title, "users").await?;
    let html = frame.render(
        state,
        "person_delete.html",
        minijinja::context! {
            person => account,
            heirs,
            form,
            errors,
            is_me => id == signed.staff.id,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /admin/users/{id}/delete`: the confirmation, with the choice of who receives the
/// account's stories.
pub async fn confirm_delete(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_manage(&signed)?;
    render_delete(
        &state,
        &signed,
        id,
        StatusCode::OK,
        DeleteForm::default(),
        BTreeMap::new(),
    )
    .await
}

/// `POST /admin/users/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    by.require(Capability::ManageUsers)?;
    let refuse = |status, field: &'static str, message: String| {
        let errors: BTreeMap<&'static str, String> = [(field, message)].into_iter().collect();
        (status, errors)
    };
    let Ok(heir) = form.reassign_to.trim().parse::<i64>() else {
        let (status, errors) = refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reassign_to",
            "Choose who receives the stories.".into(),
        );
        return render_delete(&state, &signed, id, status, form, errors).await;
    };
    let account = state.store().account(id).await?.ok_or(AppError::NotFound)?;
    match profiles::delete_account(state.store(), by, id, heir).await {
        Ok(moved) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/users",
            &format!(
                "{} ({}) is deleted; {moved} {} went to the person you chose.",
                account.display_name,
                account.login,
                if moved == 1 { "byline" } else { "bylines" }
            ),
        )),
        Err(ActionError::Conflict(m)) => {
            let (status, errors) = refuse(StatusCode::CONFLICT, "reassign_to", m);
            render_delete(&state, &signed, id, status, form, errors).await
        }
        Err(e) => {
            let errors = super::profile::field_errors(e)?;
            render_delete(
                &state,
                &signed,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
            )
            .await
        }
    }
}
