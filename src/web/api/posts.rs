//! `/wp/v2/posts` (Newsdesk's stories) and `/wp/v2/pages`: published ones whose time has come,
//! each with its bylines, sections, tags, image and Newsdesk's own fields under `meta`.
//! A password-protected one shows its title, never its text (`content.protected: true`).
//!
//! Stories and pages keep their own ids: `/wp/v2/posts/5` and `/wp/v2/pages/5` are two
//! different things, as `type` and `guid` (`/?p=5`, `/?page_id=5`) say.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Viewer;
use super::embed::Related;
use super::errors::ApiError;
use super::links::{self, embeddable, href};
use super::params::{self, Context};
use super::terms::Taxonomy;
use super::{Api, path_id};
use crate::AppState;
use crate::domain::article::Status;
use crate::domain::article::{article_path, excerpt_from_html};
use crate::domain::html::escape;
use crate::domain::user::Capability;
use crate::render::feeds::absolutize;
use crate::store::pages::{PageNode, page_path, trail_of};
use crate::store::rest::{
    ContentFilter, ContentKind, ContentRow, ListFilter, NewsroomView, Order, OrderBy,
};
use crate::web::origin;

/// Characters of a generated excerpt (WordPress cuts 55 words).
const EXCERPT_CHARS: usize = 300;

pub(super) struct Kind {
    kind: ContentKind,
    /// WordPress's post type and its collection's route.
    post_type: &'static str,
    route: &'static str,
}

pub(super) const STORIES: Kind = Kind {
    kind: ContentKind::Story,
    post_type: "post",
    route: "/wp/v2/posts",
};
pub(super) const PAGES: Kind = Kind {
    kind: ContentKind::Page,
    post_type: "page",
    route: "/wp/v2/pages",
};

/// Everything a page of items needs beyond its rows.
pub(super) struct Shaper<'a> {
    api: &'a Api,
    kind: &'a Kind,
    related: Related,
    /// The page tree, for pages' addresses.
    nodes: Vec<PageNode>,
    context: Context,
    /// The signed-in person reading, if any: what they may edit shows its raw text and
    /// password in `context=edit`.
    editor: Option<Editor>,
}

/// A signed-in reader of the newsroom's items.
#[derive(Debug, Clone, Copy)]
pub(super) struct Editor {
    pub id: i64,
    /// Edits everyone's (stories: editors and administrators; pages: who manages pages).
    pub sees_all: bool,
}

impl Shaper<'_> {
    fn link(&self, row: &ContentRow) -> String {
        if row
            .wp_status
            .as_deref()
            .is_some_and(|s| s != "publish" && s != "future")
        {
            // Not on the site yet (or no more): WordPress's plain address.
            return links::public(&match self.kind.kind {
                ContentKind::Story => format!("/?p={}", row.id),
                ContentKind::Page => format!("/?page_id={}", row.id),
            });
        }
        links::public(&match self.kind.kind {
            ContentKind::Story => article_path(row.published_at, &row.slug, self.api.tz()),
            ContentKind::Page => page_path(
                trail_of(&self.nodes, row.id)
                    .iter()
                    .map(|n| n.slug.as_str()),
            ),
        })
    }

    pub(super) fn json(&self, row: &ContentRow) -> Value {
        let api = self.api;
        let tz = api.tz();
        let story = self.kind.kind == ContentKind::Story;
        let protected = !row.password.is_empty();
        let link = self.link(row);
        let authors = self.related.authors(row);
        let excerpt = if protected {
            String::new()
        } else if row.excerpt.trim().is_empty() {
            format!(
                "<p>{}</p>\n",
                escape(&excerpt_from_html(&row.body, EXCERPT_CHARS))
            )
        } else {
            format!("<p>{}</p>\n", escape(&row.excerpt))
        };
        let view = self.context != Context::Embed;
        // Raw text and the password only for what this person may edit.
        let edit = self.context == Context::Edit
            && self
                .editor
                .is_some_and(|e| e.sees_all || authors.contains(&e.id));
        let mut v = json!({ "id": row.id, "date": links::wp_date(row.published_at, tz) });
        let o = v.as_object_mut().expect("an object");
        if view {
            o.insert(
                "date_gmt".into(),
                if row.undated {
                    Value::Null
                } else {
                    json!(links::wp_date_gmt(row.published_at))
                },
            );
            let guid = match self.kind.kind {
                ContentKind::Story => format!("/?p={}", row.id),
                ContentKind::Page => format!("/?page_id={}", row.id),
            };
            o.insert("guid".into(), json!({ "rendered": links::public(&guid) }));
            o.insert("modified".into(), json!(links::wp_date(row.updated_at, tz)));
            o.insert(
                "modified_gmt".into(),
                json!(links::wp_date_gmt(row.updated_at)),
            );
        }
        o.insert("slug".into(), json!(row.slug));
        if view {
            o.insert(
                "status".into(),
                json!(row.wp_status.as_deref().unwrap_or("publish")),
            );
        }
        o.insert("type".into(), json!(self.kind.post_type));
        o.insert("link".into(), json!(link));
        o.insert("title".into(), json!({ "rendered": escape(&row.title) }));
        if edit {
            o["title"]["raw"] = json!(row.title);
        }
        if view {
            o.insert(
                "content".into(),
                json!({
                    // Absolute, as WordPress renders it: apps show it away from the site.
                    "rendered": if protected && !edit {
                        String::new()
                    } else {
                        absolutize(&row.body, &origin::current())
                    },
                    "protected": protected,
                }),
            );
            if edit {
                o["content"]["raw"] = json!(row.body);
            }
        }
        o.insert(
            "excerpt".into(),
            json!({ "rendered": excerpt, "protected": protected }),
        );
        if edit {
            o["excerpt"]["raw"] = json!(row.excerpt);
            o.insert("password".into(), json!(row.password));
        }
        o.insert(
            "author".into(),
            json!(authors.first().copied().unwrap_or(0)),
        );
        o.insert(
            "featured_media".into(),
            json!(featured_image(row).unwrap_or(0)),
        );
        if !story {
            o.insert("parent".into(), json!(row.parent_id.unwrap_or(0)));
            o.insert("menu_order".into(), json!(row.menu_order));
        }
        if view {
            o.insert("comment_status".into(), json!(row.comment_status.as_str()));
            o.insert("ping_status".into(), json!("closed"));
            if story {
                o.insert("sticky".into(), json!(row.sticky));
            }
            o.insert("template".into(), json!(""));
            if story {
                o.insert("format".into(), json!("standard"));
                o.insert(
                    "meta".into(),
                    json!({
                        "credit_line": row.credit_line,
                        "source_agency": row.source_agency,
                        "source_url": row.source_url,
                        "embargo_until": row.embargo_until.map(links::wp_date_gmt),
                    }),
                );
                o.insert(
                    "categories".into(),
                    json!(self.related.term_ids(row.id, Taxonomy::Category)),
                );
                o.insert(
                    "tags".into(),
                    json!(self.related.term_ids(row.id, Taxonomy::Tag)),
                );
            } else {
                o.insert("meta".into(), json!({}));
            }
        }
        o.insert("_links".into(), self.links(row, &authors));
        if let Some(e) = self.related.embedded(api, self.kind.kind, row, &link) {
            o.insert("_embedded".into(), e);
        }
        v
    }

    fn links(&self, row: &ContentRow, authors: &[i64]) -> Value {
        let id = row.id;
        let route = self.kind.route;
        let mut l = json!({
            "self": href(links::route(&format!("{route}/{id}"))),
            "collection": href(links::route(route)),
            "about": href(links::route(&format!("/wp/v2/types/{}", self.kind.post_type))),
        });
        if !authors.is_empty() {
            l["author"] = authors
                .iter()
                .map(|a| json!({ "embeddable": true, "href": links::route(&format!("/wp/v2/users/{a}")) }))
                .collect();
        }
        l["replies"] = embeddable(links::route(&if self.kind.kind == ContentKind::Story {
            format!("/wp/v2/comments?post={id}")
        } else {
            format!("/wp/v2/comments?post={id}&post_type=page")
        }));
        if let Some(parent) = row.parent_id {
            l["up"] = embeddable(links::route(&format!("{route}/{parent}")));
        }
        if let Some(image) = featured_image(row) {
            l["wp:featuredmedia"] = embeddable(links::route(&format!("/wp/v2/media/{image}")));
        }
        if self.kind.kind == ContentKind::Story {
            l["wp:term"] = json!([
                {
                    "taxonomy": "category",
                    "embeddable": true,
                    "href": links::route(&format!("/wp/v2/categories?post={id}")),
                },
                {
                    "taxonomy": "post_tag",
                    "embeddable": true,
                    "href": links::route(&format!("/wp/v2/tags?post={id}")),
                },
            ]);
        }
        l["curies"] = links::curies();
        l
    }
}

/// The featured image the public may see: none for a password-protected story or page, as
/// the site shows no image before its password is given.
pub fn featured_image(row: &ContentRow) -> Option<i64> {
    row.featured_image_id.filter(|_| row.password.is_empty())
}

/// WordPress's names of the states a list may ask for, and Newsdesk's.
const STATUSES: &[(&str, Status)] = &[
    ("publish", Status::Published),
    ("future", Status::Scheduled),
    ("draft", Status::Draft),
    ("pending", Status::Pending),
    ("private", Status::Private),
    ("trash", Status::Trash),
];

/// The states a list asks for: only `publish` for the public; for the newsroom any of
/// [`STATUSES`], or `any` (all but the trash).
fn newsroom_view(
    api: &Api,
    kind: &Kind,
    editor: Option<Editor>,
) -> Result<Option<NewsroomView>, ApiError> {
    let asked = api.params.list("status");
    if asked.iter().all(|s| *s == "publish") {
        return Ok(None);
    }
    let Some(editor) = editor else {
        // Drafts, scheduled and private ones are for the newsroom, who sign in.
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_status",
            "Status is forbidden.",
        ));
    };
    let mut statuses = Vec::new();
    for name in asked {
        if name == "any" {
            statuses.extend(
                STATUSES
                    .iter()
                    .map(|(_, s)| *s)
                    .filter(|s| *s != Status::Trash),
            );
            continue;
        }
        let Some((_, status)) = STATUSES.iter().find(|(n, _)| *n == name) else {
            return Err(ApiError::invalid_param(
                "status",
                "status is not one of publish, future, draft, pending, private, trash, any.",
            ));
        };
        statuses.push(*status);
    }
    statuses.sort_by_key(|s| s.as_str());
    statuses.dedup();
    if kind.kind == ContentKind::Page && !editor.sees_all {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_forbidden_status",
            "Status is forbidden.",
        ));
    }
    Ok(Some(NewsroomView {
        statuses,
        user_id: editor.id,
        sees_all: editor.sees_all,
    }))
}

/// The signed-in person as a reader of `kind`.
pub(super) fn editor_of(viewer: &Viewer, kind: ContentKind) -> Option<Editor> {
    viewer.staff().map(|s| Editor {
        id: s.id,
        sees_all: match kind {
            ContentKind::Story => s.can(Capability::EditOthers),
            ContentKind::Page => s.can(Capability::ManagePages),
        },
    })
}

/// `context`, where `edit` is for the newsroom.
pub(super) fn content_context(api: &Api, editor: Option<Editor>) -> Result<Context, ApiError> {
    if editor.is_some() && api.params.get("context") == Some("edit") {
        return Ok(Context::Edit);
    }
    params::context(&api.params, "posts in this post type")
}

/// The filters of a story or page list, from the query.
fn content_filter(
    api: &Api,
    kind: &Kind,
    editor: Option<Editor>,
) -> Result<(ContentFilter, i64), ApiError> {
    let p = &api.params;
    let newsroom = newsroom_view(api, kind, editor)?;
    let mut orderby = vec![
        ("date", OrderBy::Date),
        ("id", OrderBy::Id),
        ("include", OrderBy::Include),
        ("title", OrderBy::Title),
        ("slug", OrderBy::Slug),
        ("modified", OrderBy::Modified),
        ("relevance", OrderBy::Date),
    ];
    if kind.kind == ContentKind::Page {
        orderby.push(("menu_order", OrderBy::MenuOrder));
        orderby.push(("parent", OrderBy::Parent));
    }
    let (list, page) = params::list_filter(p, &orderby, Order::Desc)?;
    if p.get("orderby") == Some("relevance") && list.search.is_none() {
        return Err(ApiError::invalid_param(
            "orderby",
            "You need to define a search term to order by relevance.",
        ));
    }
    let tz = api.tz();
    let mut f = ContentFilter {
        list,
        authors: p.ids("author")?,
        authors_exclude: p.ids("author_exclude")?,
        after: p.date("after", tz)?,
        before: p.date("before", tz)?,
        modified_after: p.date("modified_after", tz)?,
        modified_before: p.date("modified_before", tz)?,
        newsroom,
        ..Default::default()
    };
    match kind.kind {
        ContentKind::Story => {
            f.tax_or = p.one_of("tax_relation", &["AND", "OR"])? == Some("OR");
            f.categories = p.ids("categories")?;
            f.categories_exclude = p.ids("categories_exclude")?;
            f.tags = p.ids("tags")?;
            f.tags_exclude = p.ids("tags_exclude")?;
            f.sticky = p.bool("sticky")?;
        }
        ContentKind::Page => {
            f.parents = p.ids("parent")?;
            f.parents_exclude = p.ids("parent_exclude")?;
        }
    }
    Ok((f, page))
}

async fn list(
    state: &AppState,
    viewer: &Viewer,
    q: Option<&str>,
    kind: &Kind,
) -> Result<Response, ApiError> {
    let api = Api::new(state, q).await?;
    let editor = editor_of(viewer, kind.kind);
    let context = content_context(&api, editor)?;
    let (filter, page) = content_filter(&api, kind, editor)?;
    let (rows, total) = api
        .store()
        .rest_content(kind.kind, &filter, api.now)
        .await?;
    if page > super::total_pages(total, filter.list.limit) && total > 0 {
        return Err(ApiError::invalid_page_number());
    }
    let shaper = shaper(&api, kind, &rows, context, editor).await?;
    let items = rows.iter().map(|r| shaper.json(r)).collect();
    Ok(api.page(items, total, page, filter.list.limit, kind.route))
}

pub(super) async fn shaper<'a>(
    api: &'a Api,
    kind: &'a Kind,
    rows: &[ContentRow],
    context: Context,
    editor: Option<Editor>,
) -> Result<Shaper<'a>, ApiError> {
    let related = Related::load(api, kind.kind, rows).await?;
    let nodes = if kind.kind == ContentKind::Page && !rows.is_empty() {
        api.store().page_nodes().await?
    } else {
        Vec::new()
    };
    Ok(Shaper {
        api,
        kind,
        related,
        nodes,
        context,
        editor,
    })
}

async fn show(
    state: &AppState,
    id: &str,
    q: Option<&str>,
    kind: &Kind,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let api = Api::new(state, q).await?;
    let context = params::context(&api.params, "posts in this post type")?;
    let filter = ContentFilter {
        list: ListFilter {
            include: vec![id],
            limit: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let (rows, _) = api
        .store()
        .rest_content(kind.kind, &filter, api.now)
        .await?;
    let Some(row) = rows.first() else {
        return Err(ApiError::not_found(
            "rest_post_invalid_id",
            "Invalid post ID.",
        ));
    };
    let shaper = shaper(&api, kind, &rows, context, None).await?;
    Ok(api.one(shaper.json(row)))
}

pub async fn list_stories(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    list(&state, &viewer, q.as_deref(), &STORIES).await
}

/// One story: with credentials, any state its reader may edit (see `editing`); otherwise
/// what the public reads.
pub async fn show_story(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    if viewer.staff().is_some() {
        let n = path_id(&id)?;
        let api = Api::new(&state, q.as_deref()).await?;
        if let Some(res) = super::editing::show_own(&api, &viewer, n).await? {
            return Ok(res);
        }
    }
    show(&state, &id, q.as_deref(), &STORIES).await
}

pub async fn list_pages(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    list(&state, &viewer, q.as_deref(), &PAGES).await
}

/// One page: with credentials of someone who manages pages, in any state; otherwise what
/// the public reads.
pub async fn show_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    if viewer.staff().is_some() {
        let n = path_id(&id)?;
        let api = Api::new(&state, q.as_deref()).await?;
        if let Some(res) = super::editing::show_own_page(&api, &viewer, n).await? {
            return Ok(res);
        }
    }
    show(&state, &id, q.as_deref(), &PAGES).await
}
