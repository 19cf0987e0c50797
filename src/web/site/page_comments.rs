//! The comments under a static page: the same list and form as under a story (the theme's
//! `_comments.html`), shown when the page takes comments or already has approved ones.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::Chrome;
use super::article::{AUTHOR_COOKIE, EMAIL_COOKIE, FormState, ReplyTo, URL_COOKIE, held_comments};
use super::views::{self, CommentNode};
use crate::AppState;
use crate::actions::comments::{comments_open, submit};
use crate::domain::comment::{CommentForm, CommentState};
use crate::domain::token::comment_form_token;
use crate::error::AppError;
use crate::store::comments::Thread;
use crate::store::pages::PageRow;
use crate::web::cookies;

/// Where a page's comment section starts from: the form as this reader left it (fresh, or sent
/// back refused with their text and the reasons), their held comments, and the answer's status.
pub(crate) struct Talk {
    pub form: FormState,
    pub held: Vec<(i64, String)>,
    pub status: StatusCode,
    /// The reader has remembered details or a form of their own: the page is theirs alone.
    pub personal: bool,
}

impl Talk {
    /// A fresh form, filled with the details this browser asked to remember, replying to
    /// `?replytocom=ID` when given.
    pub(crate) fn fresh(headers: &HeaderMap, reply_to: Option<i64>) -> Talk {
        let remembered = [AUTHOR_COOKIE, EMAIL_COOKIE, URL_COOKIE]
            .iter()
            .any(|c| cookies::get(headers, c).is_some());
        let mut form = FormState {
            values: CommentForm {
                author: cookies::get(headers, AUTHOR_COOKIE).unwrap_or_default(),
                email: cookies::get(headers, EMAIL_COOKIE).unwrap_or_default(),
                url: cookies::get(headers, URL_COOKIE).unwrap_or_default(),
                ..Default::default()
            },
            remember: remembered,
            ..Default::default()
        };
        form.values.comment_parent = reply_to.map(|id| id.to_string()).unwrap_or_default();
        Talk {
            form,
            held: held_comments(headers),
            status: StatusCode::OK,
            personal: remembered,
        }
    }
}

/// What `page.html` gets for the comment section.
#[derive(Serialize)]
pub(crate) struct PageTalk {
    /// `None`: the page shows no comment section (closed and without approved comments).
    pub thread: Option<minijinja::Value>,
    pub comments: Vec<CommentNode>,
    pub form: FormState,
    /// Something on the page is this reader's own (a held comment), so it is never shared.
    #[serde(skip)]
    pub private: bool,
}

/// The comment section of a published page at `url`, for a reader who may see its text.
pub(crate) async fn page_talk(
    state: &AppState,
    chrome: &Chrome,
    page: &PageRow,
    url: &str,
    mut talk: Talk,
    shows_text: bool,
) -> Result<PageTalk, AppError> {
    let store = state.store();
    let thread = Thread::Page(page.id);
    let now = state.now();
    let published = page.published_at.unwrap_or(page.updated_at);
    let open = shows_text && comments_open(page.comment_status, published, &chrome.settings, now);
    let count = if shows_text {
        store.approved_comment_count(thread).await?
    } else {
        0
    };
    if !open && count == 0 {
        return Ok(PageTalk {
            thread: None,
            comments: Vec::new(),
            form: FormState::default(),
            private: false,
        });
    }
    let comments = store.visible_comments(thread, &talk.held).await?;
    let private = comments.iter().any(|c| c.status != CommentState::Approved);
    // The reply target must be an approved comment of this page.
    if talk.form.reply_to.is_none()
        && let Ok(parent) = talk.form.values.comment_parent.trim().parse::<i64>()
        && let Some(c) = comments
            .iter()
            .find(|c| c.id == parent && c.status == CommentState::Approved)
    {
        talk.form.reply_to = Some(ReplyTo {
            id: c.id,
            author: c.author_name.clone(),
        });
    }
    if talk.form.reply_to.is_none() {
        talk.form.values.comment_parent.clear();
    }
    talk.form.values.post_id.clear();
    talk.form.values.page_id = page.id.to_string();
    talk.form.values.nd_form_token =
        comment_form_token(state.secret().await?, page.id, now.timestamp());
    talk.form.values.nd_website_confirm.clear();
    let tz = chrome.settings.timezone;
    Ok(PageTalk {
        thread: Some(minijinja::context! {
            id => page.id, url => url, open, count, field => "comment_page_ID",
        }),
        comments: views::thread_comments(comments, tz, chrome.settings.thread_depth as usize, open),
        form: talk.form,
        private: private || talk.personal || talk.status != StatusCode::OK,
    })
}

/// A comment sent from a static page's form (`comment_page_ID`): the same rules as on a
/// story; a protected page takes comments only once unlocked; a refusal shows the page again.
pub(super) async fn create(
    state: &AppState,
    chrome: &super::Chrome,
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    form: CommentForm,
) -> Result<Response, AppError> {
    let store = state.store();
    let page = match form.page_id.trim().parse::<i64>() {
        Ok(id) => store.published_page_by_id(id).await?,
        Err(_) => None,
    };
    let Some(page) = page else {
        return Err(super::comments::keep_text(
            AppError::refused(
                StatusCode::NOT_FOUND,
                "This page does not exist or is not published, so it cannot take comments.",
            ),
            &form,
        ));
    };
    let access = super::postpass::access(state, &page.password, headers).await?;
    if !access.shows_text() {
        return Err(super::comments::keep_text(
            AppError::refused(
                StatusCode::FORBIDDEN,
                "This page is password protected: enter its password on the page before commenting.",
            ),
            &form,
        ));
    }
    let trail = store.page_trail(page.id).await?;
    let url = crate::store::pages::page_path(trail.iter().map(|n| n.slug.as_str()));
    let origin = super::comments::origin_of(state, headers, peer);
    let secret = state.secret().await?.to_vec();
    let result = submit(
        store,
        &chrome.settings,
        &secret,
        &form,
        &origin,
        state.notifier(),
        state.now(),
    )
    .await;
    let (status, mut state_form) = match result {
        Ok(posted) => return Ok(super::comments::accepted(state, headers, &url, &posted)),
        Err(refused) => match super::comments::refusal(refused, &form) {
            super::comments::Refusal::Form(status, state_form) => (status, *state_form),
            super::comments::Refusal::Final(e) => return Err(e),
        },
    };
    // Keep the reply the reader chose, if it is still an approved comment of this page.
    if let Ok(parent) = form.comment_parent.trim().parse::<i64>()
        && let Some(c) = store.comment(parent).await?
        && c.page_id == Some(page.id)
        && c.status == CommentState::Approved
    {
        state_form.reply_to = Some(super::article::ReplyTo {
            id: c.id,
            author: c.author_name,
        });
    }
    let talk = Talk {
        form: state_form,
        held: held_comments(headers),
        status,
        personal: true,
    };
    super::page::render_page(state, page, trail, url, access, talk).await
}
