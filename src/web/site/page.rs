//! Static pages at `/slug/`, and the one- and two-segment paths they share with date archives.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{PageMeta, html, render};
use crate::AppState;
use crate::domain::article::excerpt_from_html;
use crate::error::AppError;

fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `/2026/` (year archive) or `/about/` (page).
pub async fn one_segment(
    State(state): State<AppState>,
    Path(segment): Path<String>,
) -> Result<Response, AppError> {
    if is_year(&segment) {
        return super::archive::date_listing(&state, &segment, None, None, 1).await;
    }
    show_page(&state, &segment).await
}

/// `/2026/11/` (month archive); nothing else lives two segments deep.
pub async fn two_segments(
    State(state): State<AppState>,
    Path((first, second)): Path<(String, String)>,
) -> Result<Response, AppError> {
    if !is_year(&first) {
        return Err(AppError::NotFound);
    }
    super::archive::date_listing(&state, &first, Some(&second), None, 1).await
}

async fn show_page(state: &AppState, slug: &str) -> Result<Response, AppError> {
    let page = state
        .store()
        .published_page_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let chrome = state.chrome_cache().get(state).await?;
    let description = if page.excerpt.is_empty() {
        excerpt_from_html(&page.body, 160)
    } else {
        page.excerpt.clone()
    };
    let meta = PageMeta {
        title: format!("{} – {}", page.title, chrome.settings.title),
        description,
        canonical: format!("/{}/", page.slug),
        kind: "page",
        ..Default::default()
    };
    let updated = super::views::DateView::new(page.updated_at, chrome.settings.timezone);
    let body = render(
        state,
        &chrome,
        "page.html",
        &meta,
        minijinja::context! { page => minijinja::context! { title => page.title, body => page.body, updated } },
    )?;
    Ok(html(body))
}
