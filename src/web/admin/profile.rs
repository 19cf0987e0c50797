//! `/admin/profile`: each person's own name, public email, bio, avatar and password.
//! A refused form is shown again with 422, each error beside its field and everything typed
//! kept (except passwords, which are never sent back).

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Frame, Signed, app_passwords, session};
use crate::AppState;
use crate::actions::profiles::{self, ProfileEdit};
use crate::actions::{ActionError, Actor};
use crate::error::AppError;
use crate::web::admin::users::sentence;

/// The profile form as typed.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    public_email: String,
    #[serde(default)]
    bio: String,
    /// A media library id, or empty for no avatar.
    #[serde(default)]
    avatar_id: String,
}

/// The password form (never shown back).
#[derive(Debug, Default, serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// An image of the library the avatar may be chosen from.
#[derive(Debug, serde::Serialize)]
pub(super) struct AvatarChoice {
    value: String,
    label: String,
    url: String,
    alt: String,
    width: i64,
    height: i64,
}

/// How many of the library's newest images the avatar list offers.
const AVATAR_CHOICES: u32 = 200;

/// The newest images of the library, and the one chosen now if it is older.
pub(super) async fn avatar_choices(
    state: &AppState,
    chosen: Option<i64>,
) -> Result<Vec<AvatarChoice>, AppError> {
    let store = state.store();
    let mut items = store.media_library("", AVATAR_CHOICES, 0).await?;
    if let Some(id) = chosen
        && !items.iter().any(|m| m.id == id)
        && let Some(detail) = store.media_item(id).await?
    {
        items.push(detail.item);
    }
    Ok(items
        .into_iter()
        .filter_map(|m| {
            let (width, height) = (m.width?, m.height?);
            let name = if m.alt_text.is_empty() {
                m.file_name.clone()
            } else {
                m.alt_text.clone()
            };
            Some(AvatarChoice {
                value: m.id.to_string(),
                label: format!("{name} ({width}×{height})"),
                url: m.url,
                alt: m.alt_text,
                width,
                height,
            })
        })
        .collect())
}

/// Parses the avatar field: empty is none, anything but an id is a field error.
pub(super) fn parse_avatar(value: &str) -> Result<Option<i64>, ()> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse::<i64>().map(Some).map_err(|_| ())
}

async fn render(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    form: ProfileForm,
    errors: BTreeMap<&'static str, String>,
    password_errors: BTreeMap<&'static str, String>,
    apw: app_passwords::Outcome,
) -> Result<Response, AppError> {
    let profile = state
        .store()
        .profile(signed.staff.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let chosen = parse_avatar(&form.avatar_id).ok().flatten();
    let avatars = avatar_choices(state, chosen).await?;
    let app_passwords = app_passwords::panel(
        state,
        signed,
        signed.staff.id,
        "/admin/profile/app-passwords".into(),
        apw,
    )
    .await?;
    let frame = Frame::new(state, signed, "Your profile", "profile").await?;
    let html = frame.render(
        state,
        "profile.html",
        minijinja::context! {
            profile,
            form,
            avatars,
            errors,
            password_errors,
            app_passwords,
            author_url => format!("/author/{}/", profile.slug),
        },
    )?;
    Ok((status, html).into_response())
}

/// The profile form as saved.
async fn saved_form(state: &AppState, signed: &Signed) -> Result<ProfileForm, AppError> {
    let p = state
        .store()
        .profile(signed.staff.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ProfileForm {
        display_name: p.display_name,
        public_email: p.public_email,
        bio: p.bio,
        avatar_id: p.avatar_id.map(|id| id.to_string()).unwrap_or_default(),
    })
}

/// `GET /admin/profile`
pub async fn page(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    let form = saved_form(&state, &signed).await?;
    render(
        &state,
        &signed,
        StatusCode::OK,
        form,
        BTreeMap::new(),
        BTreeMap::new(),
        Default::default(),
    )
    .await
}

/// The profile page as saved, with the application passwords section showing a new password
/// or a refused name.
pub(super) async fn render_with_app_passwords(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    apw: app_passwords::Outcome,
) -> Result<Response, AppError> {
    let form = saved_form(state, signed).await?;
    render(
        state,
        signed,
        status,
        form,
        BTreeMap::new(),
        BTreeMap::new(),
        apw,
    )
    .await
}

/// Field errors of a refused action, as sentences by field.
pub(super) fn field_errors(e: ActionError) -> Result<BTreeMap<&'static str, String>, AppError> {
    match e {
        ActionError::Fields(f) => Ok(f),
        ActionError::Invalid { field, message } => {
            Ok([(field, sentence(&message))].into_iter().collect())
        }
        e => Err(e.into()),
    }
}

/// `POST /admin/profile`
pub async fn save(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let Ok(avatar_id) = parse_avatar(&form.avatar_id) else {
        let errors = [(
            "avatar_id",
            "Choose an image from the media library.".into(),
        )];
        return render(
            &state,
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            errors.into_iter().collect(),
            BTreeMap::new(),
            Default::default(),
        )
        .await;
    };
    let edit = ProfileEdit {
        display_name: Some(form.display_name.clone()),
        email: None,
        public_email: Some(form.public_email.clone()),
        bio: Some(form.bio.clone()),
        avatar_id: Some(avatar_id),
    };
    let by = Actor::Staff(&signed.staff);
    match profiles::edit_profile(state.store(), by, signed.staff.id, &edit).await {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            "/admin/profile",
            "Your profile is saved.",
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            render(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                BTreeMap::new(),
                Default::default(),
            )
            .await
        }
    }
}

/// `POST /admin/profile/password`: needs the current password; signs out every other session.
pub async fn change_password(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(pw): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let keep = signed.session_hash();
    match profiles::change_own_password(
        state.store(),
        &signed.staff,
        &pw.current_password,
        &pw.new_password,
        &pw.confirm_password,
        Some(&keep),
    )
    .await
    {
        Ok(ended) => {
            let message = match ended {
                0 => "Your password is changed.".to_owned(),
                1 => "Your password is changed; one other session was signed out.".to_owned(),
                n => format!("Your password is changed; {n} other sessions were signed out."),
            };
            Ok(session::redirect_with_flash(
                &state,
                &headers,
                "/admin/profile",
                &message,
            ))
        }
        Err(e) => {
            let errors = field_errors(e)?;
            let form = saved_form(&state, &signed).await?;
            render(
                &state,
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                BTreeMap::new(),
                errors,
                Default::default(),
            )
            .await
        }
    }
}
