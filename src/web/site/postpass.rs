//! Password-protected stories and pages: the form in place of the text, and
//! `POST /postpass`, where it is sent (WordPress: `wp-login.php?action=postpass`).
//!
//! A right password sets `newsdesk-postpass` (an HMAC of the password keyed with the site's
//! secret, never the password; HttpOnly, `SameSite=Lax`, `Secure` over HTTPS, ten days, as
//! WordPress's `wp-postpass_HASH`) and redirects back with 303. Like WordPress, one password is
//! remembered at a time, and it opens every story and page that has that password.
//!
//! A wrong password gets the form again at once, with the reason and 403, where WordPress
//! redirects back to the form and says nothing: a redirect could only carry the reason in a
//! cookie or the address, and the reader should know at once that the password was wrong.
//!
//! The form needs no session token: the only thing it can change is a cookie in the browser
//! that sends it. A forged cross-site post could at most replace a reader's remembered password
//! with one the forger already knows; browsers that say where a form came from (`Origin`) are
//! refused when it came from another site, as the comment form does, and `SameSite=Lax` keeps
//! the cookie out of other sites' requests.
//!
//! Pages that vary with the cookie: a reader sending it never gets the shared page cache's
//! copy (`web::cache`), an unlocked page is `Cache-Control: private, no-store`, and the locked
//! page, the same for everyone, says `Vary: Cookie` for caches in front of the site.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::article::{FormState, story_page};
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::postpass::{self, REMEMBER_DAYS, password_matches, proof, unlocked};
use crate::error::AppError;
use crate::web::cookies;

/// The cookie holding the proof of the last password the reader gave.
pub(crate) const COOKIE: &str = "newsdesk-postpass";

/// Whether a reader may see the text of a story or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// No password.
    Open,
    /// Protected, and the reader's cookie proves the password.
    Unlocked,
    /// Protected: the form is shown.
    Locked,
    /// Protected, and the password just given was wrong.
    WrongPassword,
}

impl Access {
    pub(crate) fn shows_text(self) -> bool {
        matches!(self, Access::Open | Access::Unlocked)
    }

    /// What the template gets in place of the text, when the text is not shown.
    pub(crate) fn form(self, kind: &'static str, id: i64) -> Option<ProtectionView> {
        (!self.shows_text()).then(|| ProtectionView {
            kind,
            id,
            prompt: postpass::FORM_PROMPT,
            error: (self == Access::WrongPassword).then_some(postpass::WRONG_PASSWORD),
        })
    }

    /// `Cache-Control` (and whether to add `Vary: Cookie`) for a page with this access.
    pub(crate) fn cache_control(self) -> Option<(&'static str, bool)> {
        match self {
            Access::Open => None,
            Access::Locked => Some((crate::web::conditional::PUBLIC_PAGE, true)),
            Access::Unlocked | Access::WrongPassword => Some(("private, no-store", true)),
        }
    }

    /// Sets the headers of [`Access::cache_control`] on a response.
    pub(crate) fn apply(self, res: &mut Response) {
        if let Some((cache, vary)) = self.cache_control() {
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            if vary {
                h.append(header::VARY, HeaderValue::from_static("Cookie"));
            }
        }
    }
}

/// The password form as the templates show it.
#[derive(Debug, Serialize)]
pub(crate) struct ProtectionView {
    kind: &'static str,
    id: i64,
    prompt: &'static str,
    error: Option<&'static str>,
}

/// What the reader may see of something with this password, by their cookie.
pub(crate) async fn access(
    state: &AppState,
    password: &str,
    headers: &HeaderMap,
) -> Result<Access, AppError> {
    if password.is_empty() {
        return Ok(Access::Open);
    }
    let cookie = cookies::get(headers, COOKIE);
    Ok(
        if unlocked(state.secret().await?, password, cookie.as_deref()) {
            Access::Unlocked
        } else {
            Access::Locked
        },
    )
}

/// The password form's fields, named as WordPress names them.
#[derive(Debug, Default, Deserialize)]
pub struct PostpassForm {
    #[serde(default)]
    post_password: String,
    /// `story` or `page`.
    #[serde(default)]
    post_kind: String,
    #[serde(default, rename = "post_ID")]
    post_id: String,
}

/// `POST /postpass`: checks the password of one story or page.
pub async fn unlock(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<PostpassForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Ok(Form(form)) = form else {
        return Err(AppError::refused(
            StatusCode::BAD_REQUEST,
            "The password form could not be read. Please go back and try again.",
        ));
    };
    if super::comments::cross_site(&state, &headers) {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "This password was sent from another website, so it was not accepted.",
        ));
    }
    let id: i64 = form
        .post_id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let secret = state.secret().await?.to_vec();
    // Over HTTPS (an `https` base URL, or a trusted proxy saying so), as for HSTS.
    let secure = state.base_url().is_some_and(|u| u.starts_with("https://"))
        || crate::web::origin::is_https(&state, &headers);
    let accepted = |url: &str| {
        let mut res = crate::web::edge::see_other(url);
        let h = res.headers_mut();
        h.insert(
            header::SET_COOKIE,
            cookies::set(
                COOKIE,
                &proof(&secret, &form.post_password),
                REMEMBER_DAYS,
                true,
                secure,
            ),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    };
    if form.post_kind == "page" {
        let page = state
            .store()
            .published_page_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let trail = state.store().page_trail(page.id).await?;
        let url = crate::store::pages::page_path(trail.iter().map(|n| n.slug.as_str()));
        if page.password.is_empty() {
            return Ok(crate::web::edge::see_other(&url));
        }
        if password_matches(&secret, &page.password, &form.post_password) {
            return Ok(accepted(&url));
        }
        return super::page::render_page(
            &state,
            page,
            trail,
            url,
            Access::WrongPassword,
            super::page_comments::Talk::fresh(&headers, None),
        )
        .await;
    }
    let row = state
        .store()
        .published_article_by_id(id, state.now())
        .await?
        .ok_or(AppError::NotFound)?;
    let published_at = row.published_at.ok_or(AppError::NotFound)?;
    let chrome = state.chrome_cache().get(&state).await?;
    let url = article_path(published_at, &row.slug, chrome.settings.timezone);
    if row.password.is_empty() {
        return Ok(crate::web::edge::see_other(&url));
    }
    if password_matches(&secret, &row.password, &form.post_password) {
        return Ok(accepted(&url));
    }
    story_page(
        &state,
        row,
        FormState::default(),
        &[],
        StatusCode::FORBIDDEN,
        true,
        Access::WrongPassword,
    )
    .await
}
