//! The comment moderation queue: readers' comments by state, one at a time or in bulk, with
//! why the spam rules held each one; and one comment's page to correct it or reply.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Frame, Signed, session};
use crate::AppState;
use crate::actions::comments::{self, Bulk, CommentEdit, Moderation};
use crate::actions::{ActionError, Actor};
use crate::domain::article::article_path;
use crate::domain::comment::{CommentState, Explained, explain_reasons, text_to_html};
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::store::comments::QueueComment;

/// Comments on one page of the queue.
pub const PER_PAGE: u32 = 50;

/// The queue's tabs, in order: state, label.
const TABS: [(&str, &str); 4] = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("spam", "Spam"),
    ("trash", "Trash"),
];

#[derive(Debug, serde::Serialize)]
struct Tab {
    status: &'static str,
    label: &'static str,
    count: i64,
}

#[derive(Debug, serde::Serialize)]
struct When {
    iso: String,
    human: String,
}

fn when(at: DateTime<Utc>, tz: Tz) -> When {
    let local = at.with_timezone(&tz);
    When {
        iso: local.to_rfc3339(),
        human: local.format("%-d %b %Y, %H:%M %Z").to_string(),
    }
}

/// A comment as a moderator sees it.
#[derive(Debug, serde::Serialize)]
struct CommentView {
    id: i64,
    status: CommentState,
    author_name: String,
    author_email: String,
    /// Only web addresses become links.
    author_url: String,
    author_url_is_link: bool,
    author_ip: String,
    by_staff: bool,
    story_title: String,
    /// The comment is on a static page rather than a story.
    on_page: bool,
    /// The story's or page's public address, while it is published.
    story_url: Option<String>,
    parent_id: Option<i64>,
    parent_author: Option<String>,
    created: When,
    edited: Option<When>,
    /// Plain text escaped, paragraphs and links kept.
    body_html: String,
    body: String,
    spam_score: i32,
    reasons: Vec<Explained>,
}

impl CommentView {
    fn new(c: QueueComment, tz: Tz) -> CommentView {
        let published = c.article_status == "published";
        let story_url = match c.page_id {
            // A page's address depends on its parents: the short link redirects to it.
            Some(page) => published.then(|| format!("/?page_id={page}#comment-{}", c.id)),
            None => published
                .then_some(c.article_published_at)
                .flatten()
                .map(|at| format!("{}#comment-{}", article_path(at, &c.article_slug, tz), c.id)),
        };
        CommentView {
            id: c.id,
            author_url_is_link: c.author_url.starts_with("https://")
                || c.author_url.starts_with("http://"),
            author_url: c.author_url,
            status: c.status,
            author_name: c.author_name,
            author_email: c.author_email,
            author_ip: c.author_ip,
            by_staff: c.user_id.is_some(),
            story_title: c.article_title,
            on_page: c.page_id.is_some(),
            story_url,
            parent_id: c.parent_id,
            parent_author: c.parent_author,
            created: when(c.created_at, tz),
            edited: c.updated_at.map(|at| when(at, tz)),
            body_html: text_to_html(&c.body),
            body: c.body,
            spam_score: c.spam_score,
            reasons: explain_reasons(&c.spam_reasons),
        }
    }
}

fn may_moderate(signed: &Signed) -> Result<(), AppError> {
    Ok(Actor::Staff(&signed.staff).require(Capability::ModerateComments)?)
}

fn tab_status(s: Option<&str>) -> &'static str {
    TABS.iter()
        .map(|(status, _)| *status)
        .find(|t| Some(*t) == s)
        .unwrap_or("pending")
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    #[serde(default)]
    page: String,
}

/// `GET /admin/comments?status=pending&page=1`
pub async fn queue(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    may_moderate(&signed)?;
    let status = tab_status(q.status.as_deref());
    let page = u64::from(crate::web::paging::query_page(&q.page));
    let store = state.store();
    let counts = store.comment_counts().await?;
    let count_of = |s: &str| {
        counts
            .iter()
            .find(|c| c.status.as_str() == s)
            .map_or(0, |c| c.n)
    };
    let tabs: Vec<Tab> = TABS
        .iter()
        .map(|&(status, label)| Tab {
            status,
            label,
            count: count_of(status),
        })
        .collect();
    let total = count_of(status).max(0) as u64;
    let pages = total.div_ceil(u64::from(PER_PAGE)).max(1);
    let tz = store.settings().await?.timezone;
    let rows = store
        .moderation_queue(status, PER_PAGE, (page - 1) * u64::from(PER_PAGE))
        .await?;
    let list: Vec<CommentView> = rows.into_iter().map(|c| CommentView::new(c, tz)).collect();
    let frame = Frame::new(&state, &signed, "Comments", "comments").await?;
    Ok(frame
        .render(
            &state,
            "comments.html",
            minijinja::context! {
                tabs,
                status,
                comments => list,
                page,
                pages,
                bulk_actions => bulk_actions(status),
            },
        )?
        .into_response())
}

/// What each tab's bulk menu offers: value, label.
fn bulk_actions(status: &str) -> Vec<(&'static str, &'static str)> {
    match status {
        "pending" => vec![
            ("approve", "Approve"),
            ("spam", "Mark as spam"),
            ("trash", "Move to trash"),
        ],
        "approved" => vec![
            ("unapprove", "Unapprove"),
            ("spam", "Mark as spam"),
            ("trash", "Move to trash"),
        ],
        "spam" => vec![("not_spam", "Not spam"), ("delete", "Delete permanently")],
        _ => vec![("restore", "Restore"), ("delete", "Delete permanently")],
    }
}

fn bulk_action(s: &str) -> Option<Bulk> {
    match s {
        "delete" => Some(Bulk::Delete),
        other => Moderation::parse(other).map(Bulk::Moderate),
    }
}

/// "Comment approved." / "3 comments moved to the trash."
fn done_message(action: Bulk, n: usize) -> String {
    let what = if n == 1 {
        "Comment".to_owned()
    } else {
        format!("{n} comments")
    };
    let verb = match action {
        Bulk::Delete => "deleted permanently",
        Bulk::Moderate(Moderation::Approve) => "approved",
        Bulk::Moderate(Moderation::Unapprove) => "sent back to pending",
        Bulk::Moderate(Moderation::Spam) => "marked as spam",
        Bulk::Moderate(Moderation::NotSpam) => "restored from spam",
        Bulk::Moderate(Moderation::Trash) => "moved to the trash",
        Bulk::Moderate(Moderation::Restore) => "restored",
    };
    format!("{what} {verb}.")
}

/// `POST /admin/comments/moderate`: one comment (a row's button sends `one=ACTION:ID`) or the
/// checked ones (`action` and repeated `ids`). Returns to the page it came from.
pub async fn moderate(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let by = Actor::Staff(&signed.staff);
    by.require(Capability::ModerateComments)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (action, ids) = match field("one").and_then(|one| one.split_once(':')) {
        Some((action, id)) => (action, vec![id.parse::<i64>().unwrap_or(0)]),
        None => (
            field("action").unwrap_or(""),
            fields
                .iter()
                .filter(|(k, _)| k == "ids")
                .filter_map(|(_, v)| v.parse::<i64>().ok())
                .collect(),
        ),
    };
    let status = tab_status(field("status"));
    let page = crate::web::paging::query_page(field("page").unwrap_or(""));
    let back = match field("from").and_then(|f| f.parse::<i64>().ok()) {
        // From one comment's own page: back there, unless it is gone.
        Some(id) if action != "delete" => format!("/admin/comments/{id}"),
        _ if page > 1 => format!("/admin/comments?status={status}&page={page}"),
        _ => format!("/admin/comments?status={status}"),
    };
    let Some(action) = bulk_action(action) else {
        return Ok(session::redirect_with_flash(
            &state,
            &headers,
            &back,
            "Choose what to do with the selected comments.",
        ));
    };
    if ids.is_empty() {
        return Ok(session::redirect_with_flash(
            &state,
            &headers,
            &back,
            "Select at least one comment first.",
        ));
    }
    let single = ids.len() == 1;
    let result = if single {
        match action {
            Bulk::Delete => comments::delete_as(state.store(), by, ids[0], state.now()).await,
            Bulk::Moderate(m) => {
                comments::moderate_as(state.store(), state.notifier(), by, ids[0], m, state.now())
                    .await
                    .map(drop)
            }
        }
        .map(|()| 1)
    } else {
        comments::moderate_many_as(
            state.store(),
            state.notifier(),
            by,
            &ids,
            action,
            state.now(),
        )
        .await
    };
    let message = match result {
        Ok(0) => "None of the selected comments could be changed that way.".to_owned(),
        Ok(n) => done_message(action, n),
        // A comment that changed in the meantime: say so on the page it came from.
        Err(ActionError::Conflict(m) | ActionError::NotFound(m)) if single => m,
        Err(e) => return Err(e.into()),
    };
    Ok(session::redirect_with_flash(
        &state, &headers, &back, &message,
    ))
}

/// What a moderator typed on one comment's page, kept when it is refused.
#[derive(Debug, Default, serde::Serialize)]
struct Typed {
    author: String,
    email: String,
    url: String,
    comment: String,
    reply: String,
}

async fn render_comment(
    state: &AppState,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    typed: Option<Typed>,
    errors: BTreeMap<&'static str, String>,
) -> Result<Response, AppError> {
    let store = state.store();
    let c = store.queue_comment(id).await?.ok_or(AppError::NotFound)?;
    let settings = store.settings().await?;
    let tz = settings.timezone;
    let depth = store.comment_depth(id).await?;
    let log = store.comment_log(id).await?;
    #[derive(serde::Serialize)]
    struct LogLine {
        action: String,
        actor: String,
        at: When,
    }
    let log: Vec<LogLine> = log
        .into_iter()
        .map(|e| LogLine {
            action: match e.action.as_str() {
                "submitted" => format!("submitted ({})", e.detail),
                "not_spam" => "not spam".to_owned(),
                "reply" => format!("replied to comment {}", e.detail),
                other => other.to_owned(),
            },
            actor: e.actor,
            at: when(e.created_at, tz),
        })
        .collect();
    let typed = typed.unwrap_or_else(|| Typed {
        author: c.author_name.clone(),
        email: c.author_email.clone(),
        url: c.author_url.clone(),
        comment: c.body.clone(),
        reply: String::new(),
    });
    let view = CommentView::new(c, tz);
    let can_reply = matches!(view.status, CommentState::Pending | CommentState::Approved)
        && depth < i64::from(settings.thread_depth);
    let frame = Frame::new(
        state,
        signed,
        &format!("Comment by {}", view.author_name),
        "comments",
    )
    .await?;
    let html = frame.render(
        state,
        "comment.html",
        minijinja::context! {
            c => view,
            typed,
            errors,
            log,
            can_reply,
            thread_depth => settings.thread_depth,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /admin/comments/{id}`: one comment in full, its history, and forms to correct it or reply.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    may_moderate(&signed)?;
    render_comment(&state, &signed, id, StatusCode::OK, None, BTreeMap::new()).await
}

#[derive(Debug, serde::Deserialize)]
pub struct EditForm {
    #[serde(default)]
    author: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    comment: String,
}

/// `POST /admin/comments/{id}/edit`
pub async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    let edit = CommentEdit {
        author: form.author,
        email: form.email,
        url: form.url,
        text: form.comment,
    };
    let by = Actor::Staff(&signed.staff);
    match comments::edit_as(state.store(), by, id, &edit, state.now()).await {
        Ok(()) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            &format!("/admin/comments/{id}"),
            "Comment saved.",
        )),
        Err(ActionError::Fields(errors)) => {
            let typed = Typed {
                author: edit.author,
                email: edit.email,
                url: edit.url,
                comment: edit.text,
                reply: String::new(),
            };
            render_comment(
                &state,
                &signed,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(typed),
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    reply: String,
}

/// `POST /admin/comments/{id}/reply`
pub async fn reply(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, AppError> {
    let settings = state.store().settings().await?;
    match comments::reply_as(
        state.store(),
        state.notifier(),
        &settings,
        &signed.staff,
        id,
        &form.reply,
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(session::redirect_with_flash(
            &state,
            &headers,
            &format!("/admin/comments/{id}"),
            "Your reply is published.",
        )),
        Err(ActionError::Fields(mut errors)) => {
            let message = errors
                .remove("comment")
                .unwrap_or_else(|| errors.into_values().collect::<Vec<_>>().join(" "));
            render_comment(
                &state,
                &signed,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Typed {
                    reply: form.reply,
                    ..current_typed(&state, id).await?
                }),
                [("reply", message)].into_iter().collect(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The edit form's values as stored (when only the reply was refused).
async fn current_typed(state: &AppState, id: i64) -> Result<Typed, AppError> {
    let c = state.store().comment(id).await?.ok_or(AppError::NotFound)?;
    Ok(Typed {
        author: c.author_name,
        email: c.author_email,
        url: c.author_url,
        comment: c.body,
        reply: String::new(),
    })
}
