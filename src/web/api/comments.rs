//! `/wp/v2/comments`: approved comments on published stories and pages, without their authors'
//! email or network addresses.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::links::{self, embeddable, href};
use super::params::{self, Context};
use super::{Api, path_id};
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::comment::{CommentState, text_to_html};
use crate::store::pages::{page_path, trail_of};
use crate::store::rest::{CommentFilter, ListFilter, Order, OrderBy, RestComment};

/// A comment as WordPress shows it; `link` is its address on the story or page.
pub fn comment_json(c: &RestComment, api: &Api, link: String, context: Context) -> Value {
    let tz = api.tz();
    let (post, post_type, route) = match (c.article_id, c.page_id) {
        (Some(a), _) => (a, "post", "posts"),
        (None, Some(p)) => (p, "page", "pages"),
        (None, None) => (0, "post", "posts"),
    };
    let mut v = json!({ "id": c.id });
    let o = v.as_object_mut().expect("an object");
    if context != Context::Embed {
        o.insert("post".into(), json!(post));
    }
    o.insert("parent".into(), json!(c.parent_id.unwrap_or(0)));
    o.insert("author".into(), json!(c.user_id.unwrap_or(0)));
    o.insert("author_name".into(), json!(c.author_name));
    o.insert("author_url".into(), json!(c.author_url));
    o.insert("date".into(), json!(links::wp_date(c.created_at, tz)));
    if context != Context::Embed {
        o.insert("date_gmt".into(), json!(links::wp_date_gmt(c.created_at)));
    }
    o.insert(
        "content".into(),
        json!({ "rendered": text_to_html(&c.body) }),
    );
    o.insert("link".into(), json!(link));
    if context != Context::Embed {
        o.insert("status".into(), json!("approved"));
    }
    o.insert("type".into(), json!("comment"));
    o.insert("author_avatar_urls".into(), json!({}));
    if context != Context::Embed {
        o.insert("meta".into(), json!([]));
    }
    let mut l = json!({
        "self": href(links::route(&format!("/wp/v2/comments/{}", c.id))),
        "collection": href(links::route("/wp/v2/comments")),
        "up": [{
            "embeddable": true,
            "post_type": post_type,
            "href": links::route(&format!("/wp/v2/{route}/{post}")),
        }],
    });
    if let Some(parent) = c.parent_id {
        l["in-reply-to"] = embeddable(links::route(&format!("/wp/v2/comments/{parent}")));
    }
    if let Some(user) = c.user_id {
        l["author"] = embeddable(links::route(&format!("/wp/v2/users/{user}")));
    }
    o.insert("_links".into(), l);
    v
}

/// The addresses of the comments' stories and pages, read in two queries.
pub(super) async fn addresses(api: &Api, rows: &[RestComment]) -> Result<Vec<String>, ApiError> {
    let store = api.store();
    let stories: Vec<i64> = rows.iter().filter_map(|c| c.article_id).collect();
    let story_paths: HashMap<i64, String> = store
        .rest_story_addresses(&stories, api.now)
        .await?
        .into_iter()
        .map(|(id, slug, at)| (id, article_path(at, &slug, api.tz())))
        .collect();
    let nodes = if rows.iter().any(|c| c.page_id.is_some()) {
        store.page_nodes().await?
    } else {
        Vec::new()
    };
    Ok(rows
        .iter()
        .map(|c| {
            let path = match (c.article_id, c.page_id) {
                (Some(a), _) => story_paths.get(&a).cloned().unwrap_or_default(),
                (None, Some(p)) => page_path(trail_of(&nodes, p).iter().map(|n| n.slug.as_str())),
                (None, None) => String::new(),
            };
            format!("{}#comment-{}", links::public(&path), c.id)
        })
        .collect())
}

/// The states a moderator's list asks for (`status=hold`, `spam`, `trash`, `approve`, `all`
/// for approved and held), as stored.
fn moderation_states(status: &str) -> Result<Vec<&'static str>, ApiError> {
    let mut out = Vec::new();
    for s in status.split(',').map(str::trim) {
        match s {
            "approve" | "approved" => out.push("approved"),
            "hold" => out.push("pending"),
            "spam" => out.push("spam"),
            "trash" => out.push("trash"),
            "all" => out.extend(["approved", "pending"]),
            _ => {
                return Err(ApiError::invalid_param(
                    "status",
                    "status is not one of approve, hold, spam, trash, all.",
                ));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

pub async fn list(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let moderator = super::moderation::moderator(&viewer, "rest_forbidden_param").is_ok();
    let context = if moderator && api.params.get("context") == Some("edit") {
        Context::Edit
    } else {
        params::context(&api.params, "comments")?
    };
    // Held, spam and trashed comments are for moderators, who sign in; their lists hold any
    // state they ask for, with what only they may see.
    let asked = api
        .params
        .get("status")
        .filter(|s| *s != "approve" && *s != "approved");
    let moderation = match (asked, moderator) {
        (Some(status), true) => Some(moderation_states(status)?),
        (None, true) if context == Context::Edit => Some(vec!["approved"]),
        (Some(_), false) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "rest_forbidden_param",
                "Query parameter not permitted: status",
            ));
        }
        _ => None,
    };
    api.params.one_of("type", &["comment"])?;
    let (list, page) = params::list_filter(
        &api.params,
        &[
            ("date_gmt", OrderBy::Date),
            ("date", OrderBy::Date),
            ("id", OrderBy::Id),
            ("include", OrderBy::Include),
            ("post", OrderBy::Post),
            ("parent", OrderBy::Parent),
        ],
        Order::Desc,
    )?;
    // `post` names stories, as in WordPress; with Newsdesk's `post_type=page` it names pages
    // (whose ids are counted apart from the stories').
    let on_pages = api.params.one_of("post_type", &["post", "page"])? == Some("page");
    let posts = api.params.ids("post")?;
    let (posts, pages) = if on_pages {
        (Vec::new(), posts)
    } else {
        (posts, Vec::new())
    };
    let filter = CommentFilter {
        posts,
        pages,
        parents: api.params.ids("parent")?,
        authors: api.params.ids("author")?,
        list,
        moderation,
    };
    let (rows, total) = api.store().rest_comments(&filter, api.now).await?;
    let links = addresses(&api, &rows).await?;
    let items = rows
        .iter()
        .zip(links)
        .map(|(c, link)| {
            let mut v = comment_json(c, &api, link, context);
            // A moderator's list: each comment's own state and what only moderators see.
            if let Some(state) = c.status.as_deref().and_then(CommentState::parse) {
                v["status"] = json!(super::moderation::wp_state(state));
                v["author_email"] = json!(c.author_email);
                v["author_ip"] = json!(c.author_ip);
                v["content"]["raw"] = json!(c.body);
            }
            v
        })
        .collect();
    Ok(api.page(items, total, page, filter.list.limit, "/wp/v2/comments"))
}

/// One comment: a moderator reads any (see `moderation`), the public approved ones.
pub async fn show(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    if let Some(res) = super::moderation::show_moderated(&api, &viewer, id).await? {
        return Ok(res);
    }
    let context = params::context(&api.params, "comments")?;
    let filter = CommentFilter {
        list: ListFilter {
            include: vec![id],
            limit: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let (rows, _) = api.store().rest_comments(&filter, api.now).await?;
    let comment = rows
        .first()
        .ok_or_else(|| ApiError::not_found("rest_comment_invalid_id", "Invalid comment ID."))?;
    let link = addresses(&api, &rows).await?.pop().unwrap_or_default();
    Ok(api.one(comment_json(comment, &api, link, context)))
}
