//! The story page: headline, byline, dates, provenance, body, sections and tags, related
//! stories, the "Read also" recommendation, comments and the comment form.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::views::{self, Card, CommentNode, DateView, ImageView, LinkView};
use super::{PageMeta, html, render};
use crate::AppState;
use crate::domain::article::{CommentStatus, article_path};
use crate::domain::related::{self, RelatedInput};
use crate::error::AppError;
use crate::store::articles::{SummaryRow, TermId, TermRef};

/// Stories scored for "Related Posts": this many before and after the story, per section and tag.
const PER_TERM: u32 = 8;
/// Stories shown under "Related Posts" (the best match goes to "Read also").
const RELATED: usize = 4;
/// Edits within this many seconds of publication do not count as an update.
const UPDATE_GRACE_SECONDS: i64 = 300;

#[derive(Serialize)]
struct StoryView {
    id: i64,
    title: String,
    url: String,
    body: String,
    excerpt: String,
    published: DateView,
    updated: Option<DateView>,
    authors: Vec<LinkView>,
    sections: Vec<LinkView>,
    tags: Vec<LinkView>,
    credit_line: String,
    source_agency: String,
    source_url: Option<String>,
    image: Option<ImageView>,
    comments_open: bool,
    comment_count: i64,
}

pub async fn show(
    State(state): State<AppState>,
    Path((year, month, day, slug)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let store = state.store();
    let now = state.now();
    let row = store
        .published_article_by_slug(&slug, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let published_at = row.published_at.ok_or(AppError::NotFound)?;
    let chrome = state.chrome_cache().get(&state).await?;
    let tz = chrome.settings.timezone;
    let url = article_path(published_at, &row.slug, tz);
    if url != format!("/{year}/{month}/{day}/{slug}/") {
        // Right slug, wrong date: send readers and crawlers to the one canonical address.
        return Ok(Redirect::permanent(&url).into_response());
    }

    let mut terms = store.terms_of(&[row.id]).await?;
    let candidates = store
        .related_candidates(row.id, published_at, now, &terms, PER_TERM)
        .await?;
    let mut term_ids: Vec<TermId> = terms
        .iter()
        .map(|t| TermId {
            article_id: t.article_id,
            kind: t.kind.clone(),
            term_id: t.term_id,
        })
        .collect();
    term_ids.extend(
        store
            .term_ids_of(&candidates.iter().map(|c| c.id).collect::<Vec<_>>())
            .await?,
    );
    let ranked = rank_related(
        row.id,
        &row.title,
        &row.excerpt,
        published_at,
        &candidates,
        &term_ids,
    );
    let picked: Vec<SummaryRow> = ranked
        .iter()
        .filter_map(|id| candidates.iter().find(|c| c.id == *id).cloned())
        .collect();
    // Names of sections and tags only for the stories shown.
    terms.extend(store.terms_of(&ranked).await?);
    let authors = store.authors_of(&[row.id]).await?;
    let comments = store.visible_comments(row.id, &[]).await?;

    let mut cards = views::cards_with(&chrome, picked, &terms, &[]).into_iter();
    let read_also: Option<Card> = if chrome.settings.read_also {
        cards.next()
    } else {
        None
    };
    let related: Vec<Card> = cards.take(RELATED).collect();

    let article_id = row.id;
    let mine = |kind: &'static str| {
        terms
            .iter()
            .filter(move |t: &&TermRef| t.article_id == article_id && t.kind == kind)
    };
    let story = StoryView {
        id: row.id,
        url: url.clone(),
        published: DateView::with_time(published_at, tz),
        updated: ((row.updated_at - published_at).num_seconds() > UPDATE_GRACE_SECONDS)
            .then(|| DateView::with_time(row.updated_at, tz)),
        authors: authors.iter().map(views::author_link).collect(),
        sections: mine("category")
            .map(|t| views::category_link(&chrome, t))
            .collect(),
        tags: mine("tag").map(views::tag_link).collect(),
        source_url: Some(row.source_url.clone())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        image: row.image_url.clone().map(|url| ImageView {
            url,
            alt: row.image_alt.clone().unwrap_or_default(),
        }),
        comments_open: CommentStatus::parse(&row.comment_status) == Some(CommentStatus::Open),
        comment_count: row.comment_count,
        title: row.title,
        body: row.body,
        excerpt: row.excerpt,
        credit_line: row.credit_line,
        source_agency: row.source_agency,
    };
    let comments: Vec<CommentNode> = views::thread_comments(comments, tz);
    let meta = PageMeta {
        title: format!("{} – {}", story.title, chrome.settings.title),
        description: story.excerpt.clone(),
        canonical: url,
        kind: "single",
        ..Default::default()
    };
    let body = render(
        &state,
        &chrome,
        "article.html",
        &meta,
        minijinja::context! { story, related, read_also, comments },
    )?;
    Ok(html(body))
}

/// Ranks candidates with the domain's scoring; returns ids, best first.
fn rank_related(
    id: i64,
    title: &str,
    excerpt: &str,
    published_at: chrono::DateTime<chrono::Utc>,
    candidates: &[SummaryRow],
    terms: &[TermId],
) -> Vec<i64> {
    let ids_of = |article: i64, kind: &str| -> Vec<i64> {
        terms
            .iter()
            .filter(|t| t.article_id == article && t.kind == kind)
            .map(|t| t.term_id)
            .collect()
    };
    let term_ids: Vec<(Vec<i64>, Vec<i64>)> = std::iter::once(id)
        .chain(candidates.iter().map(|c| c.id))
        .map(|a| (ids_of(a, "category"), ids_of(a, "tag")))
        .collect();
    let story = RelatedInput {
        id,
        title,
        excerpt,
        published_at,
        category_ids: &term_ids[0].0,
        tag_ids: &term_ids[0].1,
    };
    let inputs: Vec<RelatedInput<'_>> = candidates
        .iter()
        .zip(&term_ids[1..])
        .map(|(c, (cats, tags))| RelatedInput {
            id: c.id,
            title: &c.title,
            excerpt: &c.excerpt,
            published_at: c.published_at,
            category_ids: cats,
            tag_ids: tags,
        })
        .collect();
    related::rank(&story, &inputs, RELATED + 1)
}
