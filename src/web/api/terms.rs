//! `/wp/v2/categories` (Newsdesk's sections, with their parents) and `/wp/v2/tags`, with the
//! number of published stories in each.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::links::{self, embeddable, href};
use super::params::{self, Context};
use super::{Api, path_id};
use crate::AppState;
use crate::store::rest::{ListFilter, Order, OrderBy, RestTerm};
use crate::web::site::Chrome;
use crate::web::site::kept::{Entry, Kept, Made};

/// How long section counts are reused while no write touches the lists of stories.
const COUNTS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Every section with its number of published stories, kept (`web::site::kept`) until a write
/// touches the lists of stories (`lists`: publishing, unpublishing, a story's sections,
/// scheduled publishing), a story dated ahead comes due, or for [`COUNTS_MAX_AGE`]. Counting
/// takes a pass over every story's sections (about 0.2 s at 100,000 stories), too much for
/// each reading of `/wp/v2/categories`; readers arriving together wait for one count.
pub struct SectionCounts {
    counts: Kept<(), Vec<RestTerm>>,
}

impl Default for SectionCounts {
    fn default() -> Self {
        SectionCounts {
            counts: Kept::new(1, COUNTS_MAX_AGE),
        }
    }
}

impl SectionCounts {
    pub async fn get(&self, api: &Api) -> Result<Arc<Entry<Vec<RestTerm>>>, ApiError> {
        let store = api.store();
        let counts = self
            .counts
            .get(
                &api.state,
                (),
                api.since,
                |_| true,
                |now| async move {
                    Ok(Made {
                        value: store.rest_categories(now).await?,
                        keys: vec![crate::store::purge::LISTS.to_owned()],
                        keep: true,
                        until: None,
                    })
                },
            )
            .await?;
        Ok(counts)
    }
}

/// Sections or tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    Category,
    Tag,
}

impl Taxonomy {
    /// WordPress's taxonomy name.
    pub fn name(self) -> &'static str {
        match self {
            Taxonomy::Category => "category",
            Taxonomy::Tag => "post_tag",
        }
    }

    /// The collection's route.
    pub fn route(self) -> &'static str {
        match self {
            Taxonomy::Category => "/wp/v2/categories",
            Taxonomy::Tag => "/wp/v2/tags",
        }
    }

    /// The parameter of `/wp/v2/posts` that filters by this taxonomy.
    fn posts_param(self) -> &'static str {
        match self {
            Taxonomy::Category => "categories",
            Taxonomy::Tag => "tags",
        }
    }
}

/// The public address of a section or tag.
pub fn term_link(chrome: &Chrome, taxonomy: Taxonomy, id: i64, slug: &str) -> String {
    links::public(&match taxonomy {
        Taxonomy::Category => chrome.category_url(id),
        Taxonomy::Tag => format!("/tag/{slug}/"),
    })
}

fn term_links(taxonomy: Taxonomy, id: i64, parent: Option<i64>) -> Value {
    let mut l = json!({
        "self": href(links::route(&format!("{}/{id}", taxonomy.route()))),
        "collection": href(links::route(taxonomy.route())),
        "about": href(links::route(&format!("/wp/v2/taxonomies/{}", taxonomy.name()))),
    });
    if let Some(p) = parent {
        l["up"] = embeddable(links::route(&format!("{}/{p}", taxonomy.route())));
    }
    l["wp:post_type"] = href(links::route(&format!(
        "/wp/v2/posts?{}={id}",
        taxonomy.posts_param()
    )));
    l["curies"] = links::curies();
    l
}

/// A section or tag in the embed context (what `_embed` puts under `wp:term`).
pub fn term_embed(chrome: &Chrome, taxonomy: Taxonomy, id: i64, name: &str, slug: &str) -> Value {
    json!({
        "id": id,
        "link": term_link(chrome, taxonomy, id, slug),
        "name": name,
        "slug": slug,
        "taxonomy": taxonomy.name(),
        "_links": term_links(taxonomy, id, None),
    })
}

pub(super) fn term_json(
    chrome: &Chrome,
    taxonomy: Taxonomy,
    t: &RestTerm,
    context: Context,
) -> Value {
    if context == Context::Embed {
        let mut v = term_embed(chrome, taxonomy, t.id, &t.name, &t.slug);
        v["_links"] = term_links(taxonomy, t.id, t.parent_id);
        return v;
    }
    let mut v = json!({
        "id": t.id,
        "count": t.stories,
        "description": t.description,
        "link": term_link(chrome, taxonomy, t.id, &t.slug),
        "name": t.name,
        "slug": t.slug,
        "taxonomy": taxonomy.name(),
    });
    if taxonomy == Taxonomy::Category {
        v["parent"] = json!(t.parent_id.unwrap_or(0));
    }
    v["meta"] = json!([]);
    v["_links"] = term_links(taxonomy, t.id, t.parent_id);
    v
}

const ORDERBY: &[(&str, OrderBy)] = &[
    ("name", OrderBy::Name),
    ("id", OrderBy::Id),
    ("include", OrderBy::Include),
    ("slug", OrderBy::Slug),
    ("count", OrderBy::Count),
];

/// Sections are few and all kept in memory: filtered and ordered here.
fn filter_categories(
    mut all: Vec<RestTerm>,
    f: &ListFilter,
    parents: Option<&[i64]>,
    on_post: Option<&[i64]>,
    hide_empty: bool,
) -> Vec<RestTerm> {
    let search = f.search.as_ref().map(|s| s.to_lowercase());
    all.retain(|t| {
        (f.include.is_empty() || f.include.contains(&t.id))
            && !f.exclude.contains(&t.id)
            && (f.slugs.is_empty() || f.slugs.contains(&t.slug))
            && search
                .as_ref()
                .is_none_or(|s| t.name.to_lowercase().contains(s) || t.slug.contains(s.as_str()))
            && parents.is_none_or(|p| p.contains(&t.parent_id.unwrap_or(0)))
            && on_post.is_none_or(|ids| ids.contains(&t.id))
            && (!hide_empty || t.stories > 0)
    });
    match f.orderby {
        OrderBy::Include => all.sort_by_key(|t| f.include.iter().position(|i| *i == t.id)),
        OrderBy::Id => all.sort_by_key(|t| t.id),
        OrderBy::Slug => all.sort_by(|a, b| a.slug.cmp(&b.slug)),
        OrderBy::Count => all.sort_by_key(|t| (t.stories, t.id)),
        _ => all.sort_by_key(|t| (t.name.to_lowercase(), t.id)),
    }
    if f.order == Order::Desc && f.orderby != OrderBy::Include {
        all.reverse();
    }
    all
}

/// `post=ID` names a story readers can see (published, its time come); any other id is
/// WordPress's `rest_post_invalid_id`, whether or not a draft has it.
async fn readable_story(api: &Api, id: i64) -> Result<(), ApiError> {
    if api
        .store()
        .rest_story_addresses(&[id], api.now)
        .await?
        .is_empty()
    {
        return Err(ApiError::not_found(
            "rest_post_invalid_id",
            "Invalid post ID.",
        ));
    }
    Ok(())
}

pub async fn list_categories(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "terms in this taxonomy")?;
    let (filter, page) = params::list_filter(&api.params, ORDERBY, Order::Asc)?;
    let parent = api.params.int("parent", 0, i64::MAX)?;
    let post = api.params.int("post", 0, i64::MAX)?;
    let hide_empty = api.params.bool("hide_empty")?.unwrap_or(false);
    let store = api.store();
    if let Some(p) = post {
        readable_story(&api, p).await?;
    }
    let on_post = match post {
        Some(p) => Some(
            store
                .term_ids_of(&[p])
                .await?
                .into_iter()
                .filter(|t| t.kind == "category")
                .map(|t| t.term_id)
                .collect::<Vec<_>>(),
        ),
        None => None,
    };
    let parents = parent.map(|p| vec![p]);
    let all = state.section_counts().get(&api).await?.to_vec();
    let matching = filter_categories(
        all,
        &filter,
        parents.as_deref(),
        on_post.as_deref(),
        hide_empty,
    );
    let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let items = matching
        .iter()
        .skip(filter.offset as usize)
        .take(filter.limit as usize)
        .map(|t| term_json(&api.chrome, Taxonomy::Category, t, context))
        .collect();
    Ok(api.page(items, total, page, filter.limit, Taxonomy::Category.route()))
}

pub async fn show_category(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "terms in this taxonomy")?;
    let all = state.section_counts().get(&api).await?;
    let term = all
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("rest_term_invalid", "Term does not exist."))?;
    Ok(api.one(term_json(&api.chrome, Taxonomy::Category, term, context)))
}

pub async fn list_tags(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "terms in this taxonomy")?;
    let (filter, page) = params::list_filter(&api.params, ORDERBY, Order::Asc)?;
    let post = api.params.int("post", 0, i64::MAX)?;
    let hide_empty = api.params.bool("hide_empty")?.unwrap_or(false);
    if let Some(p) = post {
        readable_story(&api, p).await?;
    }
    let (rows, total) = api
        .store()
        .rest_tags(&filter, post, hide_empty, api.now)
        .await?;
    let items = rows
        .iter()
        .map(|t| term_json(&api.chrome, Taxonomy::Tag, t, context))
        .collect();
    Ok(api.page(items, total, page, filter.limit, Taxonomy::Tag.route()))
}

pub async fn show_tag(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "terms in this taxonomy")?;
    let filter = ListFilter {
        include: vec![id],
        limit: 1,
        ..Default::default()
    };
    let (rows, _) = api.store().rest_tags(&filter, None, false, api.now).await?;
    let term = rows
        .first()
        .ok_or_else(|| ApiError::not_found("rest_term_invalid", "Term does not exist."))?;
    Ok(api.one(term_json(&api.chrome, Taxonomy::Tag, term, context)))
}
