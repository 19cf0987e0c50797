//! Posting a comment: `POST /wp-comments-post.php`, the address WordPress themes and apps use.
//!
//! Without JavaScript this is the whole flow: the form posts here; a refused comment comes back
//! on the story page with every field as typed and the reason beside the field; an accepted one
//! redirects to the story at `#comment-ID` (303), where a held comment shows "Your comment is
//! awaiting moderation." to this browser only.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::article::{
    AUTHOR_COOKIE, EMAIL_COOKIE, FormState, HELD_COOKIE, URL_COOKIE, held_comments, story_page,
};
use crate::AppState;
use crate::actions::ActionError;
use crate::actions::comments::{Origin, Posted, submit};
use crate::domain::article::article_path;
use crate::domain::comment::{CommentForm, CommentState};
use crate::error::{AppError, human_duration};
use crate::web::cookies;

/// How long remembered details and held-comment tokens stay in the browser.
const REMEMBER_DAYS: i64 = 365;
const HELD_DAYS: i64 = 30;

/// The reader's address: the peer, or with `--behind-proxy` the proxy's `X-Forwarded-For`.
pub(crate) fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    // The proxy appends the address it saw, to its own header line or to the last one: the
    // right-most value of all lines is the one no client can have written.
    if state.behind_proxy()
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|ip| !ip.is_empty())
    {
        return ip.chars().take(64).collect();
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether a browser says the form was sent from another site: its `Origin` names a host other
/// than the one it sent the form to. Clients that send no `Origin` pass (the form token, honeypot
/// and limits still apply to them).
pub(crate) fn cross_site(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = crate::web::origin::request_host(state, headers);
    let origin_host = origin
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .trim_end_matches('/');
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

pub async fn create(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Form<CommentForm>, FormRejection>,
) -> Result<Response, AppError> {
    let Ok(Form(form)) = form else {
        return Err(AppError::refused(
            StatusCode::BAD_REQUEST,
            "The comment form could not be read. Please go back and try again.",
        ));
    };
    if cross_site(&state, &headers) {
        return Err(keep_text(
            AppError::refused(
                StatusCode::FORBIDDEN,
                "This comment was sent from another website, so it was not accepted.",
            ),
            &form,
        ));
    }
    let chrome = state.chrome_cache().get(&state).await?;
    let now = state.now();
    if !form.page_id.trim().is_empty() {
        return super::page_comments::create(&state, &chrome, &headers, peer, form).await;
    }
    // A protected story takes comments only from readers who gave its password, as in
    // WordPress (its comments are hidden and closed until then).
    if let Ok(id) = form.post_id.trim().parse::<i64>()
        && let Some(row) = state.store().published_article_by_id(id, now).await?
        && !super::postpass::access(&state, &row.password, &headers)
            .await?
            .shows_text()
    {
        return Err(keep_text(
            AppError::refused(
                StatusCode::FORBIDDEN,
                "This story is password protected: enter its password on the story's page before commenting.",
            ),
            &form,
        ));
    }
    let origin = origin_of(&state, &headers, peer);
    let secret = state.secret().await?.to_vec();
    let refused = match submit(
        state.store(),
        &chrome.settings,
        &secret,
        &form,
        &origin,
        state.notifier(),
        now,
    )
    .await
    {
        Ok(posted) => {
            let url = article_path(
                posted.target.published_at,
                &posted.target.slug,
                chrome.settings.timezone,
            );
            return Ok(accepted(&state, &headers, &url, &posted));
        }
        Err(e) => e,
    };
    // Refused: show the story again with everything the reader typed, and why.
    let (status, mut state_form) = match refusal(refused, &form) {
        Refusal::Form(status, state_form) => (status, *state_form),
        Refusal::Final(e) => return Err(e),
    };
    let article_id = form.post_id.trim().parse::<i64>().unwrap_or(0);

    let Some(row) = state
        .store()
        .published_article_by_id(article_id, now)
        .await?
    else {
        return Err(keep_text(
            AppError::refused(
                StatusCode::NOT_FOUND,
                "This story does not exist or is not published, so it cannot take comments.",
            ),
            &form,
        ));
    };
    if let Some(parent) = form
        .comment_parent
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|p| *p > 0)
        && let Some(c) = state.store().comment(parent).await?
        && c.article_id == Some(row.id)
        && c.status == CommentState::Approved
    {
        state_form.reply_to = Some(super::article::ReplyTo {
            id: c.id,
            author: c.author_name,
        });
    }
    let access = super::postpass::access(&state, &row.password, &headers).await?;
    story_page(
        &state,
        row,
        state_form,
        &held_comments(&headers),
        status,
        true,
        access,
    )
    .await
}

/// Where the reader came from, for the limits and the spam check.
pub(crate) fn origin_of(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Origin {
    Origin {
        ip: client_ip(
            state,
            headers,
            peer.map(|Extension(ConnectInfo(addr))| addr),
        ),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(255)
            .collect(),
        through_api: false,
    }
}

/// The answer to an accepted comment: back to the story or page at the comment (303), with
/// the held comment's token and the remembered details in cookies.
pub(super) fn accepted(
    state: &AppState,
    headers: &HeaderMap,
    url: &str,
    posted: &Posted,
) -> Response {
    let secure = crate::web::origin::is_https(state, headers);
    let mut res = crate::web::edge::see_other(&format!("{url}#comment-{}", posted.id));
    let h = res.headers_mut();
    if posted.state != CommentState::Approved {
        let mut held = held_comments(headers);
        held.retain(|(id, _)| *id != posted.id);
        held.insert(0, (posted.id, posted.moderation_token.clone()));
        held.truncate(10);
        let value: Vec<String> = held.iter().map(|(id, t)| format!("{id}.{t}")).collect();
        h.append(
            header::SET_COOKIE,
            cookies::set(HELD_COOKIE, &value.join(","), HELD_DAYS, true, secure),
        );
    }
    if posted.remember {
        h.append(
            header::SET_COOKIE,
            cookies::set(AUTHOR_COOKIE, &posted.author, REMEMBER_DAYS, true, secure),
        );
        h.append(
            header::SET_COOKIE,
            cookies::set(EMAIL_COOKIE, &posted.email, REMEMBER_DAYS, true, secure),
        );
        h.append(
            header::SET_COOKIE,
            cookies::set(URL_COOKIE, &posted.url, REMEMBER_DAYS, true, secure),
        );
    } else {
        for name in [AUTHOR_COOKIE, EMAIL_COOKIE, URL_COOKIE] {
            h.append(header::SET_COOKIE, cookies::remove(name));
        }
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// How a refused comment is answered.
pub(super) enum Refusal {
    /// The story or page again, with the form as typed and why (its status).
    Form(StatusCode, Box<FormState>),
    /// A page of its own that shows the text back.
    Final(AppError),
}

pub(super) fn refusal(refused: ActionError, form: &CommentForm) -> Refusal {
    match refused {
        ActionError::Fields(errors) => Refusal::Form(
            StatusCode::UNPROCESSABLE_ENTITY,
            Box::new(FormState::with_errors(form.clone(), errors)),
        ),
        // Closed while the reader was typing: the story no longer has a form, so the text is
        // shown back on its own page.
        ActionError::Forbidden(m) => {
            Refusal::Final(keep_text(AppError::refused(StatusCode::FORBIDDEN, m), form))
        }
        ActionError::Conflict(m) => {
            Refusal::Form(StatusCode::CONFLICT, Box::new(notice(form.clone(), m)))
        }
        // Over the limit: a light page (no story to render) that keeps the text, so a flood
        // costs the site little.
        ActionError::RateLimited { retry_after_secs } => Refusal::Final(AppError::Refused {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "You have sent several comments in a short time. Please wait {} and send this one again.",
                human_duration(retry_after_secs)
            ),
            retry_after_secs: Some(retry_after_secs),
            kept_text: Some(form.comment.clone()),
        }),
        other => Refusal::Final(keep_text(other.into(), form)),
    }
}

fn notice(values: CommentForm, message: String) -> FormState {
    let remember = values.remember.is_some();
    FormState {
        values,
        notice: Some(message),
        remember,
        ..Default::default()
    }
}

/// A refusal shown on the error page, with the reader's text so nothing typed is lost.
pub(super) fn keep_text(err: AppError, form: &CommentForm) -> AppError {
    match err {
        AppError::Refused {
            status,
            message,
            retry_after_secs,
            ..
        } => AppError::Refused {
            status,
            message,
            retry_after_secs,
            kept_text: Some(form.comment.clone()),
        },
        other => other,
    }
}

/// `?action=confirm|unsubscribe&token=…` from a notification email.
#[derive(Debug, serde::Deserialize)]
pub struct SubscriptionQuery {
    action: Option<String>,
    token: Option<String>,
}

fn subscription_action(q: &SubscriptionQuery) -> Result<(bool, String), AppError> {
    let subscribe = match q.action.as_deref() {
        Some("confirm") => true,
        Some("unsubscribe") => false,
        _ => {
            return Err(AppError::refused(
                StatusCode::NOT_FOUND,
                "This link is not complete. Please use the link from the email as it is.",
            ));
        }
    };
    let token = q.token.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
        AppError::refused(
            StatusCode::NOT_FOUND,
            "This link is not complete. Please use the link from the email as it is.",
        )
    })?;
    Ok((subscribe, token))
}

/// `GET /comments/subscription`: a page with one button, so that link scanners in mail systems
/// cannot confirm or cancel anything by merely fetching the link.
pub async fn subscription_page(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<SubscriptionQuery>,
) -> Result<Response, AppError> {
    let (subscribe, token) = subscription_action(&q)?;
    let comment = state
        .store()
        .comment_by_notify_token(&token)
        .await?
        .ok_or_else(|| {
            AppError::refused(StatusCode::NOT_FOUND, "This link is not valid any more.")
        })?;
    subscription_response(&state, subscribe, false, comment.thread().short_link()).await
}

/// `POST /comments/subscription`: confirms or ends reply notifications. Mail programs' one-click
/// unsubscribe (RFC 8058) posts here directly.
pub async fn subscription_update(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<SubscriptionQuery>,
) -> Result<Response, AppError> {
    let (subscribe, token) = subscription_action(&q)?;
    let id = crate::actions::comments::set_reply_subscription(
        state.store(),
        &token,
        subscribe,
        state.now(),
    )
    .await?;
    let link = state
        .store()
        .comment(id)
        .await?
        .map_or_else(|| "/".to_owned(), |c| c.thread().short_link());
    subscription_response(&state, subscribe, true, link).await
}

async fn subscription_response(
    state: &AppState,
    subscribe: bool,
    done: bool,
    story_url: String,
) -> Result<Response, AppError> {
    let chrome = state.chrome_cache().get(state).await?;
    let title = if subscribe {
        "Reply notifications"
    } else {
        "Stop reply notifications"
    };
    let meta = super::PageMeta {
        title: format!("{title} – {}", chrome.settings.title),
        robots: Some("noindex"),
        kind: "page",
        ..Default::default()
    };
    let body = super::render(
        state,
        &chrome,
        "subscription.html",
        &meta,
        minijinja::context! { subscribe, done, heading => title, story_url },
    )?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::response::Html(body),
    )
        .into_response())
}
