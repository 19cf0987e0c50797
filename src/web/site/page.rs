//! Static pages at `/slug/` and, under a parent, `/parent/slug/`; the one- and two-segment
//! paths they share with date archives.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::page_comments::{Talk, page_talk};
use super::postpass::Access;
use super::{PageMeta, html, meta, render, views};
use crate::AppState;
use crate::domain::article::excerpt_from_html;
use crate::domain::postpass;
use crate::error::AppError;
use crate::store::pages::{PageNode, PageRow, page_path};
use crate::web::origin;

pub(crate) fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `?replytocom=ID`: WordPress's no-JavaScript reply link, on a page too.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReplyQuery {
    replytocom: Option<String>,
}

impl ReplyQuery {
    fn talk(&self, headers: &HeaderMap) -> Talk {
        let reply_to = self
            .replytocom
            .as_deref()
            .and_then(|p| p.trim().parse::<i64>().ok());
        Talk::fresh(headers, reply_to)
    }
}

/// `/2026/` (year archive) or `/about/` (page).
pub async fn one_segment(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Query(q): Query<ReplyQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if is_year(&segment) {
        return super::archive::date_listing(&state, &segment, None, None, 1).await;
    }
    show_page_with(&state, &[&segment], &headers, q.talk(&headers)).await
}

/// `/2026/11/` (month archive) or `/about/team/` (a page under its parent).
pub async fn two_segments(
    State(state): State<AppState>,
    Path((first, second)): Path<(String, String)>,
    Query(q): Query<ReplyQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !is_year(&first) {
        return show_page_with(&state, &[&first, &second], &headers, q.talk(&headers)).await;
    }
    super::archive::date_listing(&state, &first, Some(&second), None, 1).await
}

/// A published page at the path made of `segments`. The page is found by its own (unique)
/// slug, the last segment; any other path to it (a parent renamed or changed, `/team/` for
/// `/about/team/`) redirects to its address.
pub async fn show_page(
    state: &AppState,
    segments: &[&str],
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    show_page_with(state, segments, headers, Talk::fresh(headers, None)).await
}

/// [`show_page`] with the comment form as `talk` has it.
pub(crate) async fn show_page_with(
    state: &AppState,
    segments: &[&str],
    headers: &HeaderMap,
    talk: Talk,
) -> Result<Response, AppError> {
    let slug = segments.last().ok_or(AppError::NotFound)?;
    let page = state
        .store()
        .published_page_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let trail = match page.parent_id {
        Some(_) => state.store().page_trail(page.id).await?,
        None => Vec::new(),
    };
    let url = if trail.is_empty() {
        page_path([page.slug.as_str()])
    } else {
        page_path(trail.iter().map(|n| n.slug.as_str()))
    };
    if url != page_path(segments.iter().copied()) {
        return Ok(crate::web::edge::permanent(&url));
    }
    let access = super::postpass::access(state, &page.password, headers).await?;
    render_page(state, page, trail, url, access, talk).await
}

/// Renders a published page at its address `url`; a protected page the reader has not
/// unlocked shows its title and the password form only.
pub(crate) async fn render_page(
    state: &AppState,
    page: PageRow,
    trail: Vec<PageNode>,
    url: String,
    access: Access,
    talk: Talk,
) -> Result<Response, AppError> {
    let shows_text = access.shows_text();
    let protected = !page.password.is_empty();
    crate::web::cache::shows(crate::store::purge::page(page.id));
    for node in &trail {
        crate::web::cache::shows(crate::store::purge::page(node.id));
    }
    let chrome = state.chrome_cache().get(state).await?;
    let tz = chrome.settings.timezone;
    let description = if protected {
        postpass::NO_EXCERPT.to_owned()
    } else if page.excerpt.is_empty() {
        excerpt_from_html(&page.body, 160)
    } else {
        page.excerpt.clone()
    };
    // Ancestors for the visible trail and the JSON-LD breadcrumb: home, parents, the page.
    let mut crumbs = vec![(chrome.settings.title.clone(), "/".to_owned())];
    for (i, node) in trail.iter().enumerate() {
        crumbs.push((
            node.title.clone(),
            page_path(trail[..=i].iter().map(|n| n.slug.as_str())),
        ));
    }
    let image = match page.featured_image_id.filter(|_| shows_text) {
        Some(id) => state.store().media_item(id).await?.map(|m| m.item),
        None => None,
    };
    // The featured image's files and those of the images in the text, in one query.
    let in_text = if shows_text {
        super::figures::upload_ids(&page.body)
    } else {
        Vec::new()
    };
    let files = views::ImageFiles::load(
        state.store(),
        image
            .as_ref()
            .map(|i| i.id)
            .into_iter()
            .chain(in_text)
            .map(Some),
    )
    .await?;
    let image =
        image.and_then(|item| files.view(Some(item.id), Some(item.url), Some(item.alt_text)));
    let published = page.published_at.unwrap_or(page.updated_at);
    let title = if protected {
        postpass::protected_title(&page.title)
    } else {
        page.title.clone()
    };
    let mut web_page = json!({
        "@type": "WebPage",
        "@id": origin::absolute(&url),
        "url": origin::absolute(&url),
        "name": page.title,
        "description": description,
        "datePublished": published.to_rfc3339(),
        "dateModified": page.updated_at.max(published).to_rfc3339(),
        "inLanguage": chrome.settings.language,
        "isPartOf": { "@id": origin::absolute("/#website") },
    });
    if let Some(image) = &image {
        web_page["primaryImageOfPage"] = meta::image_object(image);
    }
    if crumbs.len() > 2 {
        web_page["breadcrumb"] = meta::breadcrumbs(&crumbs);
    }
    let meta = PageMeta {
        title: format!("{title} – {}", chrome.settings.title),
        description,
        canonical: url.clone(),
        kind: "page",
        image: image.clone(),
        json_ld: vec![web_page],
        ..Default::default()
    };
    let updated = views::DateView::new(page.updated_at, tz);
    // A protected page's comments stay hidden and closed until it is unlocked.
    let status = talk.status;
    let discussion = if access.form("page", page.id).is_none() {
        Some(page_talk(state, &chrome, &page, &url, talk, shows_text).await?)
    } else {
        None
    };
    let private = discussion.as_ref().is_some_and(|d| d.private);
    let page_id = page.id;
    let parents: Vec<_> = crumbs[1..crumbs.len().saturating_sub(1).max(1)]
        .iter()
        .map(|(name, url)| views::LinkView {
            name: name.clone(),
            url: url.clone(),
        })
        .collect();
    let (shown_body, embed_csp) = if shows_text {
        super::embeds::body(state, &chrome, page.body)
    } else {
        (String::new(), None)
    };
    let body = render(
        state,
        &chrome,
        "page.html",
        &meta,
        minijinja::context! {
            page => minijinja::context! {
                title, body => super::figures::render(&shown_body, &files), updated, image,
                parents,
            },
            protection => access.form("page", page_id),
            discussion,
            mail_enabled => state.notifier().enabled(),
        },
    )?;
    let mut res = html(body);
    if let Some(csp) = embed_csp {
        res.headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    let status = if access == Access::WrongPassword {
        axum::http::StatusCode::FORBIDDEN
    } else {
        status
    };
    *res.status_mut() = status;
    if private {
        res.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        );
    }
    access.apply(&mut res);
    Ok(res)
}
