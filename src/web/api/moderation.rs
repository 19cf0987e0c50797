//! Comments written through the API, by the newsroom: moderators change a comment's state
//! (`status`: `approved`, `hold`, `spam`, `trash`) and correct its author and text
//! (`POST`/`PUT`/`PATCH /wp/v2/comments/<id>`), trash or delete it (`DELETE`, `force=true`),
//! read it in any state with its author's email and address (`context=edit`), and reply
//! (`POST /wp/v2/comments` with `parent`), all through the admin's moderation actions.
//!
//! Readers comment through the site's form, with its spam rules; as in WordPress, the API
//! takes no anonymous comments unless the site allows them (the `api_comments` setting), and
//! then under the same rules as the form.

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
/// their name; or, when the site allows it (the `api_comments` setting, off by default as in
/// WordPress), a reader's comment from an app, without signing in (see [`create_anonymous`]).
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    headers: axum::http::HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    args: Args,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    if viewer.staff().is_none() {
        if !api.chrome.settings.api_comments {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "rest_comment_login_required",
                "Sorry, you must be logged in to comment.",
            ));
        }
        // Like the site's form, refused when a page of another site sends it from a reader's
        // browser (apps send no `Origin`).
        if crate::web::site::comments::cross_site(&state, &headers) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_comment_cross_site",
                "Comments are taken from this site's pages and from apps, not from other sites.",
            ));
        }
        let origin = crate::web::site::comments::origin_of(&state, &headers, peer);
        return create_anonymous(&state, &api, &args, origin).await;
    }
    let me = moderator(&viewer, "rest_cannot_create")?;
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

/// A reader's comment from an app: `post` (a story, or a page with `post_type=page`),
/// `content`, `author_name`, `author_email`, optional `author_url` and `parent`, through the
/// comment form's own action and rules (required name and email, closed threads, reply depth,
/// limits per address, duplicates, links, moderation and blocked words, the moderation
/// policy). There is no form, so no form token; WordPress's `status`, `author`, `author_ip`
/// and `date` are the site's to set and are refused. The answer shows the comment in the
/// state it got (`approved` or `hold`; spam is answered as `hold`, telling a spammer nothing),
/// without its email or address.
async fn create_anonymous(
    state: &AppState,
    api: &Api,
    args: &Args,
    mut origin: comments::Origin,
) -> Result<Response, ApiError> {
    for field in [
        "status",
        "author",
        "author_ip",
        "author_user_agent",
        "date",
        "date_gmt",
        "karma",
    ] {
        if args.has(field) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "rest_comment_invalid_author",
                format!("Sorry, you are not allowed to set {field} for comments."),
            ));
        }
    }
    let post = args
        .int("post")?
        .filter(|p| *p > 0)
        .ok_or_else(|| ApiError::missing_param("post"))?;
    let on_page = args.string("post_type")?.as_deref() == Some("page");
    // A protected story or page takes comments only from readers who gave its password on the
    // site, as the form does; the API takes no password.
    let protected = if on_page {
        api.store()
            .published_page_by_id(post)
            .await?
            .is_some_and(|p| !p.password.is_empty())
    } else {
        api.store()
            .published_article_by_id(post, api.now)
            .await?
            .is_some_and(|a| !a.password.is_empty())
    };
    if protected {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_read_post",
            "This story is password protected: comment on the site's page after entering its password.",
        ));
    }
    let form = crate::domain::comment::CommentForm {
        comment: args.text("content")?.unwrap_or_default(),
        author: args.string("author_name")?.unwrap_or_default(),
        email: args.string("author_email")?.unwrap_or_default(),
        url: args.string("author_url")?.unwrap_or_default(),
        post_id: if on_page {
            String::new()
        } else {
            post.to_string()
        },
        page_id: if on_page {
            post.to_string()
        } else {
            String::new()
        },
        comment_parent: args.int("parent")?.unwrap_or(0).to_string(),
        ..Default::default()
    };
    origin.through_api = true;
    let secret = state.secret().await?.to_vec();
    let posted = comments::submit(
        api.store(),
        &api.chrome.settings,
        &secret,
        &form,
        &origin,
        state.notifier(),
        api.now,
    )
    .await
    .map_err(|e| match e {
        ActionError::NotFound(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "rest_comment_invalid_post_id",
            "Sorry, you are not allowed to create this comment without a post.",
        ),
        ActionError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "rest_comment_closed", m),
        ActionError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "comment_duplicate", m),
        ActionError::Fields(fields) => {
            let mut renamed = std::collections::BTreeMap::new();
            for (field, message) in fields {
                let name = match field {
                    "comment" => "content",
                    "author" => "author_name",
                    "email" => "author_email",
                    "url" => "author_url",
                    "comment_parent" => "parent",
                    other => other,
                };
                renamed.insert(name, message);
            }
            action_error(ActionError::Fields(renamed), "rest_comment_invalid")
        }
        e => action_error(e, "rest_comment_invalid"),
    })?;
    let made = load(api, posted.id).await?;
    let mut v = moderated_json(api, &made).await?;
    let o = v.as_object_mut().expect("an object");
    o.remove("author_email");
    o.remove("author_ip");
    if let Some(content) = o.get_mut("content").and_then(Value::as_object_mut) {
        content.remove("raw");
    }
    let shown = match posted.state {
        CommentState::Approved => "approved",
        _ => "hold",
    };
    o.insert("status".into(), json!(shown));
    let location = links::route(&format!("/wp/v2/comments/{}", posted.id));
    Ok(api.created(v, &location))
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
