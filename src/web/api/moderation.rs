//! Comments written through the API, by the newsroom: moderators change a comment's state
//! (`status`: `approved`, `hold`, `spam`, `trash`) and correct its author and text
//! (`POST`/`PUT`/`PATCH /wp/v2/comments/<id>`), trash or delete it (`DELETE`, `force=true`),
//! read it in any state with its author's email and address (`context=edit`), and reply
//! (`POST /wp/v2/comments` with `parent`), all through the admin's moderation actions.
//!
//! Readers comment through the site's form, with its spam rules; as in WordPress, the API
//! takes no anonymous comments.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Viewer;
use super::body::Args;
use super::comments::{addresses, comment_json};
use super::errors::ApiError;
use super::me::action_error;
use super::params::Context;
use super::{Api, links, path_id};
use crate::AppState;
use crate::actions::comments::{self, CommentEdit, Moderation};
use crate::actions::{ActionError, Actor};
use crate::domain::comment::CommentState;
use crate::domain::user::{Capability, Staff};
use crate::store::comments::ModerationComment;
use crate::store::rest::RestComment;

/// WordPress's name of a comment's state.
pub(super) fn wp_state(s: CommentState) -> &'static str {
    match s {
        CommentState::Approved => "approved",
        CommentState::Pending => "hold",
        CommentState::Spam => "spam",
        CommentState::Trash => "trash",
    }
}

/// The moderation a WordPress `status` asks for.
fn moderation(status: &str) -> Result<Moderation, ApiError> {
    Ok(match status {
        "approved" | "approve" | "1" => Moderation::Approve,
        "hold" | "unapproved" | "0" => Moderation::Unapprove,
        "spam" => Moderation::Spam,
        "trash" => Moderation::Trash,
        _ => {
            return Err(ApiError::invalid_param(
                "status",
                "status is not one of approved, hold, spam, trash.",
            ));
        }
    })
}

fn invalid_id() -> ApiError {
    ApiError::not_found("rest_comment_invalid_id", "Invalid comment ID.")
}

/// The signed-in moderator, or the refusal `code` for anyone else.
pub(super) fn moderator<'a>(viewer: &'a Viewer, code: &'static str) -> Result<&'a Staff, ApiError> {
    viewer.may(
        Capability::ModerateComments,
        code,
        "Sorry, you are not allowed to moderate comments.",
    )
}

/// A comment as moderators read it: any state, with the author's email and address.
async fn moderated_json(api: &Api, c: &ModerationComment) -> Result<Value, ApiError> {
    let row = RestComment {
        id: c.id,
        article_id: c.article_id,
        page_id: c.page_id,
        parent_id: c.parent_id,
        user_id: c.user_id,
        author_name: c.author_name.clone(),
        author_url: c.author_url.clone(),
        body: c.body.clone(),
        created_at: c.created_at,
        status: None,
        author_email: None,
        author_ip: None,
    };
    let link = addresses(api, std::slice::from_ref(&row))
        .await?
        .pop()
        .unwrap_or_default();
    let mut v = comment_json(&row, api, link, Context::View);
    v["status"] = json!(wp_state(c.status));
    v["author_email"] = json!(c.author_email);
    v["author_ip"] = json!(c.author_ip);
    v["content"]["raw"] = json!(c.body);
    Ok(v)
}

async fn load(api: &Api, id: i64) -> Result<ModerationComment, ApiError> {
    api.store().comment(id).await?.ok_or_else(invalid_id)
}

fn refused(e: ActionError) -> ApiError {
    match e {
        ActionError::NotFound(_) => invalid_id(),
        e => action_error(e, "rest_cannot_edit"),
    }
}

/// `GET /wp/v2/comments/<id>` by a moderator: any state.
pub async fn show_moderated(
    api: &Api,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<Response>, ApiError> {
    if moderator(viewer, "rest_forbidden").is_err() {
        return Ok(None);
    }
    match api.store().comment(id).await? {
        Some(c) => Ok(Some(api.editable(moderated_json(api, &c).await?))),
        None => Ok(None),
    }
}

/// `POST`, `PUT` or `PATCH /wp/v2/comments/<id>`: a new state, or corrected author and text.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = moderator(&viewer, "rest_cannot_edit")?;
    let api = Api::new(&state, q.as_deref()).await?;
    let current = load(&api, id).await?;
    let by = Actor::Staff(me);
    // Every argument is checked before the first write, so a refusal changes nothing.
    let moderation = match args.string("status")? {
        Some(status) => Some((moderation(&status)?, status)),
        None => None,
    };
    let fields = ["author_name", "author_email", "author_url", "content"];
    if fields.iter().any(|f| args.has(f)) {
        let edit = CommentEdit {
            author: args
                .string("author_name")?
                .unwrap_or(current.author_name.clone()),
            email: args
                .string("author_email")?
                .unwrap_or(current.author_email.clone()),
            url: args
                .string("author_url")?
                .unwrap_or(current.author_url.clone()),
            text: args.text("content")?.unwrap_or(current.body.clone()),
        };
        comments::edit_as(api.store(), by, id, &edit, api.now)
            .await
            .map_err(refused)?;
    }
    if let Some((m, status)) = moderation
        && wp_state(current.status) != status
    {
        comments::moderate_as(api.store(), state.notifier(), by, id, m, api.now)
            .await
            .map_err(refused)?;
    }
    let now = load(&api, id).await?;
    Ok(api.editable(moderated_json(&api, &now).await?))
}

/// `DELETE /wp/v2/comments/<id>`: to the trash, or with `force=true` gone for good (its
/// replies move up a level).
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = moderator(&viewer, "rest_cannot_delete")?;
    let force = args.bool("force")?.unwrap_or(false);
    let api = Api::new(&state, q.as_deref()).await?;
    let current = load(&api, id).await?;
    let previous = moderated_json(&api, &current).await?;
    let by = Actor::Staff(me);
    // As in WordPress, a spam comment goes to the trash too; only a trashed one is "already
    // deleted".
    if current.status != CommentState::Trash && !(force && current.status == CommentState::Spam) {
        comments::moderate_as(
            api.store(),
            state.notifier(),
            by,
            id,
            Moderation::Trash,
            api.now,
        )
        .await
        .map_err(refused)?;
    } else if !force {
        return Err(ApiError::new(
            StatusCode::GONE,
            "rest_already_trashed",
            "The comment has already been trashed.",
        ));
    }
    if force {
        comments::delete_as(api.store(), by, id, api.now)
            .await
            .map_err(refused)?;
        return Ok(api.one(json!({ "deleted": true, "previous": previous })));
    }
    let now = load(&api, id).await?;
    Ok(api.editable(moderated_json(&api, &now).await?))
}

/// `POST /wp/v2/comments`: a moderator's reply (`parent`, `content`), published at once under
/// their name. Anonymous comments come through the site's form only.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    if viewer.staff().is_none() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_comment_login_required",
            "Sorry, you must be logged in to comment.",
        ));
    }
    let me = moderator(&viewer, "rest_cannot_create")?;
    let api = Api::new(&state, q.as_deref()).await?;
    let Some(parent) = args.int("parent")?.filter(|p| *p > 0) else {
        return Err(ApiError::invalid_param(
            "parent",
            "The newsroom comments by replying to a reader's comment: give its id as parent.",
        ));
    };
    let text = args.text("content")?.unwrap_or_default();
    let settings = api.store().settings().await?;
    let id = comments::reply_as(
        api.store(),
        state.notifier(),
        &settings,
        me,
        parent,
        &text,
        api.now,
    )
    .await
    .map_err(|e| match e {
        ActionError::NotFound(_) => ApiError::invalid_param("parent", "There is no such comment."),
        e => action_error(e, "rest_cannot_create"),
    })?;
    let made = load(&api, id).await?;
    let location = links::route(&format!("/wp/v2/comments/{id}"));
    Ok(api.created(moderated_json(&api, &made).await?, &location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_wordpress_names() {
        assert_eq!(moderation("approved").unwrap(), Moderation::Approve);
        assert_eq!(moderation("hold").unwrap(), Moderation::Unapprove);
        assert_eq!(moderation("spam").unwrap(), Moderation::Spam);
        assert_eq!(
            moderation(wp_state(CommentState::Trash)).unwrap(),
            Moderation::Trash
        );
        assert!(moderation("deleted").is_err());
    }
}
