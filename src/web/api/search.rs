//! `/wp/v2/search`: published stories and pages (`type=post`), or sections and tags
//! (`type=term`), whose words contain the search.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::Api;
use super::errors::ApiError;
use super::links::{self, href};
use super::params;
use super::terms::{Taxonomy, term_link};
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::html::escape;
use crate::store::pages::{page_path, trail_of};
use crate::store::rest::{ContentKind, ListFilter, Order, OrderBy};

fn hit(id: i64, title: &str, url: String, kind: &str, subtype: &str, route: &str) -> Value {
    json!({
        "id": id,
        "title": escape(title),
        "url": url,
        "type": kind,
        "subtype": subtype,
        "_links": {
            "self": [{ "embeddable": true, "href": links::route(&format!("{route}/{id}")) }],
            "about": href(links::route(&format!("/wp/v2/{}/{subtype}", if kind == "term" { "taxonomies" } else { "types" }))),
        },
    })
}

pub async fn list(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    params::context(&api.params, "posts in this post type")?;
    let (filter, page) = params::list_filter(&api.params, &[("date", OrderBy::Date)], Order::Desc)?;
    let kind = api
        .params
        .one_of("type", &["post", "term"])?
        .unwrap_or("post");
    let search = filter.search.clone().unwrap_or_default();
    let (items, total) = match kind {
        "term" => terms(&api, &filter, &search).await?,
        _ => posts(&api, &filter, &search).await?,
    };
    Ok(api.page(items, total, page, filter.limit, "/wp/v2/search"))
}

async fn posts(
    api: &Api,
    filter: &ListFilter,
    search: &str,
) -> Result<(Vec<Value>, i64), ApiError> {
    let kinds: Vec<ContentKind> = match api
        .params
        .one_of("subtype", &["any", "post", "page"])?
        .unwrap_or("any")
    {
        "post" => vec![ContentKind::Story],
        "page" => vec![ContentKind::Page],
        _ => vec![ContentKind::Story, ContentKind::Page],
    };
    let store = api.store();
    let (rows, total) = store.rest_search(search, &kinds, filter, api.now).await?;
    let nodes = if rows.iter().any(|r| r.kind == "page") {
        store.page_nodes().await?
    } else {
        Vec::new()
    };
    let items = rows
        .iter()
        .map(|r| {
            if r.kind == "page" {
                let path = page_path(trail_of(&nodes, r.id).iter().map(|n| n.slug.as_str()));
                hit(
                    r.id,
                    &r.title,
                    links::public(&path),
                    "post",
                    "page",
                    "/wp/v2/pages",
                )
            } else {
                let path = article_path(r.published_at, &r.slug, api.tz());
                hit(
                    r.id,
                    &r.title,
                    links::public(&path),
                    "post",
                    "post",
                    "/wp/v2/posts",
                )
            }
        })
        .collect();
    Ok((items, total))
}

/// Sections first, then tags; sections are all in memory, tags are read up to the page's end.
async fn terms(
    api: &Api,
    filter: &ListFilter,
    search: &str,
) -> Result<(Vec<Value>, i64), ApiError> {
    let subtype = api
        .params
        .one_of("subtype", &["any", "category", "post_tag"])?
        .unwrap_or("any");
    let needle = search.to_lowercase();
    let store = api.store();
    let mut hits: Vec<Value> = Vec::new();
    let mut total = 0;
    if subtype != "post_tag" {
        let sections = api.state.section_counts().get(api).await?;
        for c in sections
            .iter()
            .filter(|c| c.name.to_lowercase().contains(&needle) || c.slug.contains(&needle))
        {
            total += 1;
            let url = term_link(&api.chrome, Taxonomy::Category, c.id, &c.slug);
            hits.push(hit(
                c.id,
                &c.name,
                url,
                "term",
                "category",
                "/wp/v2/categories",
            ));
        }
    }
    if subtype != "category" {
        let tags_filter = ListFilter {
            search: Some(search.to_owned()).filter(|s| !s.is_empty()),
            limit: filter.limit.saturating_add(filter.offset),
            ..Default::default()
        };
        let (tags, count) = store.rest_tags(&tags_filter, None, false, api.now).await?;
        total += count;
        for t in &tags {
            let url = term_link(&api.chrome, Taxonomy::Tag, t.id, &t.slug);
            hits.push(hit(t.id, &t.name, url, "term", "post_tag", "/wp/v2/tags"));
        }
    }
    let items = hits
        .into_iter()
        .skip(filter.offset as usize)
        .take(filter.limit as usize)
        .collect();
    Ok((items, total))
}
