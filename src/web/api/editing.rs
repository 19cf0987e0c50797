//! Stories written through the API: `POST /wp/v2/posts` creates one, `POST`/`PUT`/`PATCH
//! /wp/v2/posts/<id>` changes one, `DELETE` moves one to the trash (`force=true` deletes it for
//! good), and `GET /wp/v2/posts/<id>` reads one in any state for those who may edit it.
//!
//! Every write is the editor's own save (`actions::stories::save`) with the same role rules,
//! checks, scheduling, embargo, versions and revisions: the API cannot do what the person could
//! not do in the admin. WordPress's `status` maps onto the editor's buttons: `draft` saves,
//! `pending` submits for review, `publish` and `future` publish (scheduled when `date` is
//! ahead), `private` makes it private.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::auth::Viewer;
use super::body::Args;
use super::errors::ApiError;
use super::me::action_error;
use super::params::{Context, parse_date};
use super::posts::{Editor, PAGES, STORIES, shaper};
use super::{Api, links, path_id};
use crate::AppState;
use crate::actions::pages::{self, PageInput};
use crate::actions::stories::{self, Intent, StoryInput};
use crate::actions::{ActionError, Actor};
use crate::domain::article::Status;
use crate::domain::html::SafeHtml;
use crate::domain::user::{Capability, Staff};
use crate::store::desk::{StoryLinks, StoryRecord};
use crate::store::pages::PageRecord;
use crate::store::rest::ContentRow;

/// WordPress's name of a story's state.
fn wp_status(s: Status) -> &'static str {
    match s {
        Status::Draft => "draft",
        Status::Pending => "pending",
        Status::Scheduled => "future",
        Status::Published => "publish",
        Status::Private => "private",
        Status::Trash => "trash",
    }
}

/// A story in any state, as the list rows are.
fn row_of(story: &StoryRecord) -> ContentRow {
    ContentRow {
        id: story.id,
        title: story.title.clone(),
        slug: story.slug.clone(),
        body: story.body.clone(),
        excerpt: story.excerpt.clone(),
        published_at: story.published_at.unwrap_or(story.updated_at),
        updated_at: story.updated_at,
        password: story.password.clone(),
        comment_status: story.comment_status,
        featured_image_id: story.featured_image_id,
        sticky: story.sticky,
        parent_id: None,
        menu_order: 0,
        author_id: None,
        credit_line: story.credit_line.clone(),
        source_agency: story.source_agency.clone(),
        source_url: story.source_url.clone(),
        embargo_until: story.embargo_until,
        wp_status: Some(wp_status(story.status).to_owned()),
        undated: story.published_at.is_none(),
    }
}

/// A story or page as someone who may edit it reads it (`context=edit` unless asked
/// otherwise). `editable` let them in: they may edit it, whoever else is on the byline.
async fn item_json(
    api: &Api,
    me: &Staff,
    kind: &super::posts::Kind,
    row: ContentRow,
) -> Result<Value, ApiError> {
    let context = match api.params.one_of("context", &["view", "embed", "edit"])? {
        Some("view") => Context::View,
        Some("embed") => Context::Embed,
        _ => Context::Edit,
    };
    let rows = [row];
    let editor = Editor {
        id: me.id,
        sees_all: true,
    };
    let shaper = shaper(api, kind, &rows, context, Some(editor)).await?;
    Ok(shaper.json(&rows[0]))
}

async fn story_json(api: &Api, me: &Staff, story: &StoryRecord) -> Result<Value, ApiError> {
    item_json(api, me, &STORIES, row_of(story)).await
}

fn invalid_id() -> ApiError {
    ApiError::not_found("rest_post_invalid_id", "Invalid post ID.")
}

/// The story `id` if `me` may edit it; a story they may not see is as good as missing.
async fn editable(api: &Api, me: &Staff, id: i64) -> Result<(StoryRecord, StoryLinks), ApiError> {
    match stories::editable(api.store(), me, id).await {
        Ok(found) => Ok(found),
        Err(ActionError::NotFound(_)) => Err(invalid_id()),
        Err(ActionError::Forbidden(_)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        )),
        Err(e) => Err(action_error(e, "rest_cannot_edit")),
    }
}

/// `GET /wp/v2/posts/<id>` by someone signed in: any state they may edit; otherwise what the
/// public reads.
pub async fn show_own(api: &Api, viewer: &Viewer, id: i64) -> Result<Option<Response>, ApiError> {
    let Some(me) = viewer.staff() else {
        return Ok(None);
    };
    match editable(api, me, id).await {
        Ok((story, _)) => Ok(Some(api.editable(story_json(api, me, &story).await?))),
        Err(_) => Ok(None),
    }
}

/// What stories and pages both take, as sent (`None`: not sent, kept as it is).
struct Shared {
    title: Option<String>,
    body: Option<SafeHtml>,
    excerpt: Option<String>,
    slug: Option<String>,
    featured_image_id: Option<Option<i64>>,
    comments_open: Option<bool>,
}

/// Where [`Shared`] goes in a story's or a page's input.
struct Fields<'a> {
    title: &'a mut String,
    body: &'a mut SafeHtml,
    excerpt: &'a mut String,
    slug: &'a mut String,
    featured_image_id: &'a mut Option<i64>,
    comments_open: &'a mut bool,
}

impl Shared {
    fn read(args: &Args) -> Result<Shared, ApiError> {
        let comments_open = match args.string("comment_status")?.as_deref() {
            None => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(_) => {
                return Err(ApiError::invalid_param(
                    "comment_status",
                    "comment_status is not one of open, closed.",
                ));
            }
        };
        Ok(Shared {
            title: args.text("title")?,
            // Through the same sanitizer as the editor's text.
            body: args.text("content")?.map(|c| SafeHtml::sanitize(&c)),
            excerpt: args.text("excerpt")?,
            slug: args.string("slug")?,
            featured_image_id: args.int("featured_media")?.map(|m| (m > 0).then_some(m)),
            comments_open,
        })
    }

    fn onto(self, f: Fields<'_>) {
        if let Some(v) = self.title {
            *f.title = v;
        }
        if let Some(v) = self.body {
            *f.body = v;
        }
        if let Some(v) = self.excerpt {
            *f.excerpt = v;
        }
        if let Some(v) = self.slug {
            *f.slug = v;
        }
        if let Some(v) = self.featured_image_id {
            *f.featured_image_id = v;
        }
        if let Some(v) = self.comments_open {
            *f.comments_open = v;
        }
    }
}

/// The story a write changes, as it was: what a client sends back unchanged is no change.
struct Before {
    /// The time shown as `date` (a draft's last change when it has no publication time).
    shown_date: DateTime<Utc>,
    dated: bool,
}

/// Applies the arguments WordPress's post schema names onto the editor's input. What the
/// person may not change is refused, never dropped: the front-page lead (`sticky`) is for
/// editors, a post password for those who may publish the story.
async fn apply(
    api: &Api,
    me: &Staff,
    args: &Args,
    input: &mut StoryInput,
    before: Option<&Before>,
) -> Result<(), ApiError> {
    Shared::read(args)?.onto(Fields {
        title: &mut input.title,
        body: &mut input.body,
        excerpt: &mut input.excerpt,
        slug: &mut input.slug,
        featured_image_id: &mut input.featured_image_id,
        comments_open: &mut input.comments_open,
    });
    if let Some(a) = args.int("author")? {
        // WordPress's one author is the first byline; the co-authors after it stay.
        let rest: Vec<i64> = input
            .author_ids
            .iter()
            .skip(1)
            .copied()
            .filter(|x| *x != a)
            .collect();
        input.author_ids = std::iter::once(a).chain(rest).collect();
    }
    if let Some(ids) = args.ids("categories")? {
        input.category_ids = ids;
    }
    if let Some(mut ids) = args.ids("tags")? {
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > crate::actions::stories::MAX_TAGS {
            return Err(ApiError::invalid_param(
                "tags",
                format!(
                    "A story may have at most {} tags.",
                    crate::actions::stories::MAX_TAGS
                ),
            ));
        }
        let found = api.store().tag_names_by_ids(&ids).await?;
        if let Some(missing) = ids.iter().find(|id| !found.iter().any(|(t, _)| t == *id)) {
            return Err(ApiError::invalid_param(
                "tags",
                format!("There is no tag with the id {missing}."),
            ));
        }
        input.tag_names = ids
            .iter()
            .filter_map(|id| found.iter().find(|(t, _)| t == id).map(|(_, n)| n.clone()))
            .collect();
    }
    if let Some(s) = args.bool("sticky")? {
        if s != input.sticky && !me.can(Capability::EditOthers) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_cannot_assign_sticky",
                "Sorry, you are not allowed to make posts sticky.",
            ));
        }
        input.sticky = s;
    }
    if let Some(p) = args.string("password")? {
        let unchanged = input.password.as_deref().unwrap_or("") == p.trim();
        if !unchanged && !me.can_publish_story(&input.author_ids) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_cannot_publish",
                "Sorry, you are not allowed to protect this post with a password.",
            ));
        }
        input.password = Some(p);
    }
    let tz = api.tz();
    let date: Option<DateTime<Utc>> = match (args.string("date_gmt")?, args.string("date")?) {
        (Some(g), _) if !g.trim().is_empty() => Some(parse_date("date_gmt", &g, chrono_tz::UTC)?),
        (_, Some(d)) if !d.trim().is_empty() => Some(parse_date("date", &d, tz)?),
        _ => None,
    };
    // A draft's `date` is its last change: sent back unchanged (a client saving the whole
    // object it read), it does not become a publication time.
    let echoed = |d: DateTime<Utc>| {
        before.is_some_and(|b| !b.dated && b.shown_date.timestamp() == d.timestamp())
    };
    if let Some(d) = date.filter(|d| !echoed(*d)) {
        input.publish_at = Some(d);
    }
    if let Some(meta) = args.object("meta")? {
        for (key, value) in meta {
            let text = match value {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                _ => {
                    return Err(ApiError::invalid_param(
                        "meta",
                        format!("meta.{key} is not of type string."),
                    ));
                }
            };
            match key.as_str() {
                "credit_line" => input.credit_line = text.unwrap_or_default(),
                "source_agency" => input.source_agency = text.unwrap_or_default(),
                "source_url" => input.source_url = text.unwrap_or_default(),
                "embargo_until" => {
                    input.embargo_until = match text.filter(|t| !t.trim().is_empty()) {
                        Some(t) => Some(parse_date("meta", &t, chrono_tz::UTC)?),
                        None => None,
                    }
                }
                other => {
                    return Err(ApiError::invalid_param(
                        "meta",
                        format!("meta.{other} is not a field of posts."),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The editor's button a WordPress `status` presses, for a story now in `current` (`None`:
/// new).
fn intent(args: &Args, current: Option<Status>) -> Result<Intent, ApiError> {
    let Some(s) = args.string("status")? else {
        return Ok(Intent::Save);
    };
    let same = current.map(wp_status) == Some(s.as_str());
    Ok(match s.as_str() {
        _ if same => Intent::Save,
        "draft" if current.is_none() => Intent::Save,
        "draft" if current == Some(Status::Trash) => Intent::Restore,
        "draft" => Intent::Unpublish,
        "pending" => Intent::Submit,
        "publish" | "future" => Intent::Publish,
        "private" => Intent::MakePrivate,
        _ => {
            return Err(ApiError::invalid_param(
                "status",
                "status is not one of publish, future, draft, pending, private.",
            ));
        }
    })
}

/// A refused save in WordPress's terms: publishing without the right is `rest_cannot_publish`,
/// anything else the role does not allow `rest_cannot_create` (new) or `rest_cannot_edit`.
fn save_error(e: ActionError, creating: bool, intent: Intent) -> ApiError {
    match e {
        ActionError::Forbidden(_)
            if matches!(
                intent,
                Intent::Publish | Intent::MakePrivate | Intent::Unpublish
            ) =>
        {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_cannot_publish",
                "Sorry, you are not allowed to publish posts as this user.",
            )
        }
        ActionError::Forbidden(_) if creating => ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
        ),
        ActionError::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        ),
        ActionError::NotFound(_) => invalid_id(),
        e => action_error(e, "rest_cannot_edit"),
    }
}

/// `POST /wp/v2/posts`.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
        )
    })?;
    let api = Api::new(&state, q.as_deref()).await?;
    if args.has("id") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_post_exists",
            "Cannot create existing post.",
        ));
    }
    let mut input = StoryInput {
        author_ids: vec![me.id],
        comments_open: true,
        ..Default::default()
    };
    apply(&api, me, &args, &mut input, None).await?;
    let intent = intent(&args, None)?;
    let saved = stories::save(api.store(), me, None, &input, intent, api.now)
        .await
        .map_err(|e| save_error(e, true, intent))?;
    let story = api.store().story(saved.id).await?.ok_or_else(invalid_id)?;
    let location = links::route(&format!("/wp/v2/posts/{}", saved.id));
    Ok(api.created(story_json(&api, me, &story).await?, &location))
}

/// `POST`, `PUT` or `PATCH /wp/v2/posts/<id>`.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        )
    })?;
    let api = Api::new(&state, q.as_deref()).await?;
    let (story, links) = editable(&api, me, id).await?;
    let current = story.status;
    let before = Before {
        shown_date: story.published_at.unwrap_or(story.updated_at),
        dated: story.published_at.is_some(),
    };
    let mut input = StoryInput::of(story, links);
    apply(&api, me, &args, &mut input, Some(&before)).await?;
    let intent = intent(&args, Some(current))?;
    stories::save(api.store(), me, Some(id), &input, intent, api.now)
        .await
        .map_err(|e| save_error(e, false, intent))?;
    let story = api.store().story(id).await?.ok_or_else(invalid_id)?;
    Ok(api.editable(story_json(&api, me, &story).await?))
}

/// `DELETE /wp/v2/posts/<id>`: to the trash, or with `force=true` gone for good.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_delete",
            "Sorry, you are not allowed to delete this post.",
        )
    })?;
    // `force` as a parameter or in the body, as clients send it.
    let force = args.bool("force")?.unwrap_or(false);
    let api = Api::new(&state, q.as_deref()).await?;
    let (story, links) = editable(&api, me, id).await?;
    let previous = story_json(&api, me, &story).await?;
    let cannot = |e: ActionError| match e {
        ActionError::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_delete",
            "Sorry, you are not allowed to delete this post.",
        ),
        e => save_error(e, false, Intent::Trash),
    };
    // Every right is checked before anything is written: deleting for good needs the right to
    // handle the story once it is in the trash (a contributor may trash a draft of theirs, not
    // delete it), so a refusal never leaves it half done.
    let may_delete = me.can_edit_story(&links.author_ids, Status::Trash)
        && (me.can(Capability::EditOthers) || links.author_ids.contains(&me.id));
    if force && !may_delete {
        return Err(cannot(ActionError::Forbidden(String::new())));
    }
    if story.status != Status::Trash {
        let input = StoryInput::of(story, links);
        stories::save(api.store(), me, Some(id), &input, Intent::Trash, api.now)
            .await
            .map_err(cannot)?;
    } else if !force {
        return Err(ApiError::new(
            StatusCode::GONE,
            "rest_already_trashed",
            "The post has already been deleted.",
        ));
    }
    if force {
        stories::delete_forever(api.store(), me, id)
            .await
            .map_err(cannot)?;
        return Ok(api.one(json!({ "deleted": true, "previous": previous })));
    }
    let story = api.store().story(id).await?.ok_or_else(invalid_id)?;
    Ok(api.editable(story_json(&api, me, &story).await?))
}

// Pages: the same writes under the page editor's rules (only those who manage pages; pages are
// published at once and have no schedule, embargo, sections or tags).

fn page_row_of(page: &PageRecord) -> ContentRow {
    ContentRow {
        id: page.id,
        title: page.title.clone(),
        slug: page.slug.clone(),
        body: page.body.clone(),
        excerpt: page.excerpt.clone(),
        published_at: page.published_at.unwrap_or(page.updated_at),
        updated_at: page.updated_at,
        password: page.password.clone(),
        comment_status: page.comment_status,
        featured_image_id: page.featured_image_id,
        sticky: false,
        parent_id: page.parent_id,
        menu_order: i64::from(page.menu_order),
        author_id: page.author_id,
        credit_line: String::new(),
        source_agency: String::new(),
        source_url: String::new(),
        embargo_until: None,
        wp_status: Some(wp_status(page.status).to_owned()),
        undated: page.published_at.is_none(),
    }
}

async fn page_json(api: &Api, me: &Staff, page: &PageRecord) -> Result<Value, ApiError> {
    item_json(api, me, &PAGES, page_row_of(page)).await
}

/// The page `id` for someone who manages pages.
async fn editable_page(api: &Api, me: &Staff, id: i64) -> Result<PageRecord, ApiError> {
    match pages::editable(api.store(), Actor::Staff(me), id).await {
        Ok(p) => Ok(p),
        Err(ActionError::NotFound(_)) => Err(invalid_id()),
        Err(ActionError::Forbidden(_)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        )),
        Err(e) => Err(action_error(e, "rest_cannot_edit")),
    }
}

/// `GET /wp/v2/pages/<id>` by someone who manages pages: any state.
pub async fn show_own_page(
    api: &Api,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<Response>, ApiError> {
    let Some(me) = viewer.staff() else {
        return Ok(None);
    };
    match editable_page(api, me, id).await {
        Ok(page) => Ok(Some(api.editable(page_json(api, me, &page).await?))),
        Err(_) => Ok(None),
    }
}

fn apply_page(args: &Args, input: &mut PageInput) -> Result<(), ApiError> {
    for refused in ["categories", "tags", "sticky"] {
        if args.has(refused) {
            return Err(ApiError::invalid_param(
                refused,
                format!("Pages have no {refused}."),
            ));
        }
    }
    if args.object("meta")?.is_some_and(|m| !m.is_empty()) {
        return Err(ApiError::invalid_param(
            "meta",
            "Pages have no meta fields.",
        ));
    }
    Shared::read(args)?.onto(Fields {
        title: &mut input.title,
        body: &mut input.body,
        excerpt: &mut input.excerpt,
        slug: &mut input.slug,
        featured_image_id: &mut input.featured_image_id,
        comments_open: &mut input.comments_open,
    });
    if let Some(p) = args.int("parent")? {
        input.parent_id = (p > 0).then_some(p);
    }
    if let Some(o) = args.int("menu_order")? {
        input.menu_order = i32::try_from(o)
            .map_err(|_| ApiError::invalid_param("menu_order", "menu_order is out of range."))?;
    }
    if let Some(p) = args.string("password")? {
        input.password = p;
    }
    if args.string("status")?.as_deref() == Some("future") {
        return Err(ApiError::invalid_param(
            "status",
            "Pages are published at once; they cannot be scheduled.",
        ));
    }
    Ok(())
}

fn page_refused(e: ActionError, creating: bool) -> ApiError {
    match e {
        ActionError::Forbidden(_) if creating => ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_create",
            "Sorry, you are not allowed to create pages as this user.",
        ),
        ActionError::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        ),
        ActionError::NotFound(_) => invalid_id(),
        e => action_error(e, "rest_cannot_edit"),
    }
}

/// `POST /wp/v2/pages`.
pub async fn create_page(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_create",
            "Sorry, you are not allowed to create pages as this user.",
        )
    })?;
    let api = Api::new(&state, q.as_deref()).await?;
    let mut input = PageInput::default();
    apply_page(&args, &mut input)?;
    let intent = intent(&args, None)?;
    let saved = pages::save(api.store(), Actor::Staff(me), None, &input, intent, api.now)
        .await
        .map_err(|e| page_refused(e, true))?;
    let page = api.store().page(saved.id).await?.ok_or_else(invalid_id)?;
    let location = links::route(&format!("/wp/v2/pages/{}", saved.id));
    Ok(api.created(page_json(&api, me, &page).await?, &location))
}

/// `POST`, `PUT` or `PATCH /wp/v2/pages/<id>`.
pub async fn update_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        )
    })?;
    let api = Api::new(&state, q.as_deref()).await?;
    let page = editable_page(&api, me, id).await?;
    let current = page.status;
    let mut input = PageInput::of(page);
    apply_page(&args, &mut input)?;
    let intent = intent(&args, Some(current))?;
    pages::save(
        api.store(),
        Actor::Staff(me),
        Some(id),
        &input,
        intent,
        api.now,
    )
    .await
    .map_err(|e| page_refused(e, false))?;
    let page = api.store().page(id).await?.ok_or_else(invalid_id)?;
    Ok(api.editable(page_json(&api, me, &page).await?))
}

/// `DELETE /wp/v2/pages/<id>`: to the trash, or with `force=true` gone for good (its sub-pages
/// move up a level).
pub async fn delete_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_delete",
            "Sorry, you are not allowed to delete this post.",
        )
    })?;
    let force = args.bool("force")?.unwrap_or(false);
    let api = Api::new(&state, q.as_deref()).await?;
    let page = editable_page(&api, me, id).await?;
    let previous = page_json(&api, me, &page).await?;
    if page.status != Status::Trash {
        let input = PageInput::of(page);
        pages::save(
            api.store(),
            Actor::Staff(me),
            Some(id),
            &input,
            Intent::Trash,
            api.now,
        )
        .await
        .map_err(|e| page_refused(e, false))?;
    } else if !force {
        return Err(ApiError::new(
            StatusCode::GONE,
            "rest_already_trashed",
            "The post has already been deleted.",
        ));
    }
    if force {
        pages::delete_forever(api.store(), Actor::Staff(me), id)
            .await
            .map_err(|e| page_refused(e, false))?;
        return Ok(api.one(json!({ "deleted": true, "previous": previous })));
    }
    let page = api.store().page(id).await?.ok_or_else(invalid_id)?;
    Ok(api.editable(page_json(&api, me, &page).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Args {
        Args(serde_json::from_str(s).unwrap())
    }

    #[test]
    fn statuses_press_the_editor_buttons() {
        assert_eq!(intent(&args("{}"), None).unwrap(), Intent::Save);
        assert_eq!(
            intent(&args(r#"{"status":"draft"}"#), None).unwrap(),
            Intent::Save
        );
        assert_eq!(
            intent(&args(r#"{"status":"publish"}"#), Some(Status::Draft)).unwrap(),
            Intent::Publish
        );
        assert_eq!(
            intent(&args(r#"{"status":"publish"}"#), Some(Status::Published)).unwrap(),
            Intent::Save
        );
        assert_eq!(
            intent(&args(r#"{"status":"draft"}"#), Some(Status::Published)).unwrap(),
            Intent::Unpublish
        );
        assert_eq!(
            intent(&args(r#"{"status":"draft"}"#), Some(Status::Trash)).unwrap(),
            Intent::Restore
        );
        assert!(intent(&args(r#"{"status":"limbo"}"#), None).is_err());
    }
}
