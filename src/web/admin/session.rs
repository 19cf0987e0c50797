//! Signing in and out, and who is asking.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};

use crate::AppState;
use crate::actions::{ActionError, accounts};
use crate::domain::token;
use crate::domain::user::Staff;
use crate::error::{AppError, human_duration};
use crate::web::{cookies, origin};

/// The session cookie; it is only ever sent to `/admin`.
pub const SESSION_COOKIE: &str = "newsdesk_session";
/// A one-time message for the next admin page ("Story saved.").
pub const FLASH_COOKIE: &str = "newsdesk_flash";
/// How long a sign-in form stays valid.
const FORM_MAX_AGE_SECS: i64 = 2 * 3600;

/// The signed-in person making this request, with their session's CSRF token.
#[derive(Debug, Clone)]
pub struct Signed {
    pub staff: Staff,
    pub csrf: String,
    /// A message left by the previous request, shown once.
    pub flash: Option<String>,
    token: String,
}

impl Signed {
    /// The stored hash of this session's token (which session is asking).
    pub fn session_hash(&self) -> String {
        accounts::token_hash(&self.token)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Signed, AppError> {
        parts
            .extensions
            .get::<Signed>()
            .cloned()
            .ok_or_else(|| AppError::Internal("an admin route is missing the session layer".into()))
    }
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    origin::of_request(state, headers).starts_with("https://")
}

/// An admin cookie: sent only to `/admin`, never readable by scripts.
fn admin_cookie(
    name: &str,
    value: &str,
    max_age: cookie::time::Duration,
    secure: bool,
) -> HeaderValue {
    cookies::set_at("/admin", name, value, max_age, true, secure)
}

fn removal(name: &str) -> HeaderValue {
    cookies::remove_at("/admin", name)
}

/// A redirect that leaves a one-time message for the next page.
pub fn redirect_with_flash(
    state: &AppState,
    headers: &HeaderMap,
    to: &str,
    message: &str,
) -> Response {
    let mut res = crate::web::edge::see_other(to);
    res.headers_mut().append(
        header::SET_COOKIE,
        admin_cookie(
            FLASH_COOKIE,
            message,
            cookie::time::Duration::minutes(5),
            secure(state, headers),
        ),
    );
    res
}

/// Resolves the session, or sends the browser to sign in. Requests for data (scripts) get 401.
pub async fn require(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = cookies::get(req.headers(), SESSION_COOKIE);
    let record = match &token {
        Some(t) => match accounts::session(state.store(), t, state.now()).await {
            Ok(r) => r,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    let Some(record) = record else {
        let wants_data = req.headers().contains_key("x-csrf-token")
            || req
                .headers()
                .get(header::ACCEPT)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if wants_data {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"error":"signed_out"}"#,
            )
                .into_response();
        }
        let next_path = if req.method() == Method::GET {
            req.uri()
                .path_and_query()
                .map_or("/admin/", |p| p.as_str())
                .to_owned()
        } else {
            "/admin/".to_owned()
        };
        let to = format!("/admin/login?next={}", percent_encode(&next_path));
        let mut res = crate::web::edge::see_other(&to);
        if token.is_some() {
            res.headers_mut()
                .append(header::SET_COOKIE, removal(SESSION_COOKIE));
        }
        return res;
    };
    let flash = cookies::get(req.headers(), FLASH_COOKIE).filter(|f| !f.is_empty());
    let had_flash = flash.is_some();
    req.extensions_mut().insert(Signed {
        staff: record.staff,
        csrf: record.csrf_token,
        flash,
        token: token.unwrap_or_default(),
    });
    let mut res = next.run(req).await;
    // A shown message is used up, unless this response leaves a new one.
    let sets_flash = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if had_flash && !sets_flash && !res.status().is_redirection() {
        res.headers_mut()
            .append(header::SET_COOKIE, removal(FLASH_COOKIE));
    }
    res
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Only local admin addresses are followed after signing in: no controls, spaces or
/// backslashes, which a browser could read as another host.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with("/admin/")
                && !n.starts_with("//")
                && !n
                    .bytes()
                    .any(|b| b.is_ascii_control() || b == b' ' || b == b'\\') =>
        {
            n
        }
        _ => "/admin/",
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    /// Which notice to show: `signed-out`, `everywhere`, `password-set`, `set-up`.
    m: Option<String>,
}

fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "signed-out" => Some("You are signed out."),
        "everywhere" => Some("You are signed out on every device."),
        "password-set" => Some("Your password is set. Sign in with it now."),
        "set-up" => Some("The newsroom is set up. Sign in as its administrator now."),
        _ => None,
    }
}

pub(super) async fn form_token(state: &AppState) -> Result<String, AppError> {
    Ok(token::admin_form_token(
        state.secret().await?,
        state.now().timestamp(),
    ))
}

/// Whether an anonymous admin form's token is one this site issued recently.
pub async fn anonymous_token_ok(state: &AppState, token: &str) -> Result<bool, AppError> {
    Ok(token::verify_admin_form_token(
        state.secret().await?,
        token,
        state.now().timestamp(),
        FORM_MAX_AGE_SECS,
    ))
}

struct LoginView<'a> {
    login: &'a str,
    next: &'a str,
    error: Option<String>,
    notice: Option<&'static str>,
}

async fn render_login(
    state: &AppState,
    status: StatusCode,
    view: LoginView<'_>,
) -> Result<Response, AppError> {
    let settings = state.store().settings().await?;
    let html = state.admin_ui().render(
        "login.html",
        minijinja::context! {
            site_title => settings.title,
            csrf => form_token(state).await?,
            login => view.login,
            next => view.next,
            error => view.error,
            notice => view.notice,
        },
    )?;
    Ok((status, Html(html)).into_response())
}

pub async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    render_login(
        &state,
        StatusCode::OK,
        LoginView {
            login: "",
            next: safe_next(q.next.as_deref()),
            error: None,
            notice: notice(q.m.as_deref()),
        },
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let ip = crate::web::site::comments::client_ip(
        &state,
        &headers,
        peer.map(|Extension(ConnectInfo(a))| a),
    );
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let next = safe_next(form.next.as_deref()).to_owned();
    let view = |error| LoginView {
        login: &form.login,
        next: &next,
        error: Some(error),
        notice: None,
    };
    match accounts::sign_in(
        state.store(),
        &form.login,
        &form.password,
        &ip,
        ua,
        state.now(),
    )
    .await
    {
        Ok(token) => {
            let mut res = crate::web::edge::see_other(&next);
            res.headers_mut().append(
                header::SET_COOKIE,
                admin_cookie(
                    SESSION_COOKIE,
                    &token,
                    cookie::time::Duration::seconds(accounts::SESSION_LIFETIME.num_seconds()),
                    secure(&state, &headers),
                ),
            );
            Ok(res)
        }
        Err(ActionError::RateLimited { retry_after_secs }) => {
            let tz = state.store().settings().await?.timezone;
            let at = (state.now() + chrono::Duration::seconds(retry_after_secs as i64))
                .with_timezone(&tz);
            let message = format!(
                "Too many failed sign-ins. Try again in {} (at {}).",
                human_duration(retry_after_secs),
                at.format("%H:%M")
            );
            let mut res =
                render_login(&state, StatusCode::TOO_MANY_REQUESTS, view(message)).await?;
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Ok(res)
        }
        // A flood of sign-ins: this one did not get its turn; nothing was checked or counted.
        Err(ActionError::Busy { retry_after_secs }) => {
            let mut res = render_login(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                view(crate::error::BUSY.into()),
            )
            .await?;
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Ok(res)
        }
        Err(ActionError::Invalid { .. }) => {
            render_login(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                view(accounts::WRONG_CREDENTIALS.into()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(State(state): State<AppState>, signed: Signed) -> Result<Response, AppError> {
    accounts::sign_out(state.store(), &signed.token).await?;
    let mut res = crate::web::edge::see_other("/admin/login?m=signed-out");
    res.headers_mut()
        .append(header::SET_COOKIE, removal(SESSION_COOKIE));
    Ok(res)
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, AppError> {
    accounts::sign_out_everywhere(state.store(), signed.staff.id).await?;
    let mut res = crate::web::edge::see_other("/admin/login?m=everywhere");
    res.headers_mut()
        .append(header::SET_COOKIE, removal(SESSION_COOKIE));
    Ok(res)
}

async fn render_password(
    state: &AppState,
    status: StatusCode,
    token: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let account = accounts::link_account(state.store(), token, state.now()).await?;
    let settings = state.store().settings().await?;
    let html = state.admin_ui().render(
        "password.html",
        minijinja::context! {
            site_title => settings.title,
            csrf => form_token(state).await?,
            account => account,
            error => error,
            min_len => crate::domain::password::MIN_LEN,
        },
    )?;
    let status = if account.is_none() {
        StatusCode::NOT_FOUND
    } else {
        status
    };
    Ok((status, Html(html)).into_response())
}

pub async fn password_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    render_password(&state, StatusCode::OK, &token, None).await
}

#[derive(Debug, serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub async fn set_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    if form.password != form.repeat {
        return render_password(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            Some("The two passwords are not the same.".into()),
        )
        .await;
    }
    match accounts::set_password_by_link(state.store(), &token, &form.password, state.now()).await {
        Ok(_) => Ok(crate::web::edge::see_other("/admin/login?m=password-set")),
        Err(ActionError::Invalid { message, .. }) => {
            render_password(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &token,
                Some(message),
            )
            .await
        }
        Err(ActionError::NotFound(_)) => {
            render_password(&state, StatusCode::NOT_FOUND, &token, None).await
        }
        Err(e) => Err(e.into()),
    }
}
