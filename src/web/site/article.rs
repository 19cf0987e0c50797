//! The story page: headline, byline, dates, provenance, body, sections and tags, related
//! stories, the "Read also" recommendation, comments and the comment form.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::meta::{self, ArticleMeta};
use super::postpass::Access;
use super::views::{self, Card, CommentNode, DateView, ImageView, LinkView};
use super::{Chrome, PageMeta, render};
use crate::AppState;
use crate::actions::comments::comments_open;
use crate::domain::article::{CommentStatus, article_path};
use crate::domain::comment::{CommentForm, CommentState, FieldErrors, ordered};
use crate::domain::postpass;
use crate::domain::token::comment_form_token;
use crate::error::AppError;
use crate::store::articles::{ArticleRow, TermRef};
use crate::store::users::AuthorProfile;

/// An author's avatar as the byline shows it.
#[derive(Debug, Serialize)]
struct AvatarView {
    url: String,
    alt: String,
    width: Option<i64>,
    height: Option<i64>,
}

impl AvatarView {
    fn of(a: &AuthorProfile) -> Option<AvatarView> {
        Some(AvatarView {
            url: a.avatar_url.clone()?,
            alt: a.avatar_alt.clone().unwrap_or_default(),
            width: a.avatar_width,
            height: a.avatar_height,
        })
    }
}
use crate::web::cookies;
use crate::web::origin;
use serde_json::json;

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
    /// Each author's avatar in the byline, in byline order (`None` without one).
    avatars: Vec<Option<AvatarView>>,
    sections: Vec<LinkView>,
    tags: Vec<LinkView>,
    credit_line: String,
    source_agency: String,
    source_url: Option<String>,
    image: Option<ImageView>,
    comments_open: bool,
    comment_count: i64,
    /// Password-protected (its title says so; its text shows once the password is given).
    protected: bool,
}

/// Cookie holding `id.token` pairs of this browser's comments awaiting moderation.
pub(crate) const HELD_COOKIE: &str = "newsdesk_held";
/// Cookies remembering the commenter (only when they tick the box, as WordPress does).
pub(crate) const AUTHOR_COOKIE: &str = "comment_author";
pub(crate) const EMAIL_COOKIE: &str = "comment_author_email";
pub(crate) const URL_COOKIE: &str = "comment_author_url";

/// The comment form as shown: what the reader typed (kept after a refusal), what was wrong,
/// and which comment they are replying to.
#[derive(Debug, Default, Serialize)]
pub(crate) struct FormState {
    pub values: CommentForm,
    pub errors: FieldErrors,
    /// The errors in form order, for the summary at the top of the form.
    pub error_list: Vec<(&'static str, String)>,
    /// A refusal that concerns the whole comment (comments closed, too many, duplicate).
    pub notice: Option<String>,
    pub reply_to: Option<ReplyTo>,
    pub remember: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct ReplyTo {
    pub id: i64,
    pub author: String,
}

impl FormState {
    pub(crate) fn with_errors(values: CommentForm, errors: FieldErrors) -> FormState {
        let error_list = ordered(&errors)
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect();
        let remember = values.remember.is_some();
        FormState {
            values,
            errors,
            error_list,
            remember,
            ..Default::default()
        }
    }
}

/// `?replytocom=ID`: WordPress's no-JavaScript reply link.
#[derive(Debug, Deserialize)]
pub struct StoryQuery {
    replytocom: Option<String>,
}

/// This browser's held comments, from its cookie.
pub(crate) fn held_comments(headers: &HeaderMap) -> Vec<(i64, String)> {
    cookies::get(headers, HELD_COOKIE)
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once('.'))
        .filter_map(|(id, token)| Some((id.parse().ok()?, token.to_owned())))
        .take(20)
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    Path((year, month, day, slug)): Path<(String, String, String, String)>,
    Query(q): Query<StoryQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !super::page::is_year(&year) {
        // `/about/team/people/board/`: a page three levels down.
        return super::page::show_page(&state, &[&year, &month, &day, &slug], &headers).await;
    }
    let now = state.now();
    let row = state
        .store()
        .published_article_by_slug(&slug, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let published_at = row.published_at.ok_or(AppError::NotFound)?;
    let chrome = state.chrome_cache().get(&state).await?;
    let url = article_path(published_at, &row.slug, chrome.settings.timezone);
    if url != format!("/{year}/{month}/{day}/{slug}/") {
        // Right slug, wrong date: send readers and crawlers to the one canonical address.
        return Ok(crate::web::edge::permanent(&url));
    }
    // Any remembered detail makes the page this reader's own (never shared, never cached).
    let remembered = [AUTHOR_COOKIE, EMAIL_COOKIE, URL_COOKIE]
        .iter()
        .any(|c| cookies::get(&headers, c).is_some());
    let mut form = FormState {
        values: CommentForm {
            author: cookies::get(&headers, AUTHOR_COOKIE).unwrap_or_default(),
            email: cookies::get(&headers, EMAIL_COOKIE).unwrap_or_default(),
            url: cookies::get(&headers, URL_COOKIE).unwrap_or_default(),
            ..Default::default()
        },
        remember: remembered,
        ..Default::default()
    };
    if let Some(parent) = q.replytocom.as_deref().and_then(|p| p.parse::<i64>().ok())
        && let Some(c) = state.store().comment(parent).await?
        && c.article_id == Some(row.id)
        && c.status == CommentState::Approved
    {
        form.values.comment_parent = c.id.to_string();
        form.reply_to = Some(ReplyTo {
            id: c.id,
            author: c.author_name,
        });
    }
    let personal = remembered || form.reply_to.is_some();
    let access = super::postpass::access(&state, &row.password, &headers).await?;
    story_page(
        &state,
        row,
        form,
        &held_comments(&headers),
        StatusCode::OK,
        personal,
        access,
    )
    .await
}

/// Renders a story with its comment form in the given state. `personal` pages (remembered
/// details, held comments, form errors) are never stored by shared caches. A protected story
/// the reader has not unlocked (`access`) shows its title, byline and date and the password
/// form: no text, standfirst, image or comments.
pub(crate) async fn story_page(
    state: &AppState,
    row: ArticleRow,
    mut form: FormState,
    held: &[(i64, String)],
    status: StatusCode,
    personal: bool,
    access: Access,
) -> Result<Response, AppError> {
    let shows_text = access.shows_text();
    let store = state.store();
    let now = state.now();
    // The story, and the related block: its members may change, and the stories it ranks.
    crate::web::cache::shows_story(row.id);
    crate::web::cache::shows(crate::store::purge::comments(row.id));
    crate::web::cache::shows(crate::store::purge::LISTS);
    let published_at = row.published_at.ok_or(AppError::NotFound)?;
    // Before the chrome and the story's sections are read: a related block made from them is
    // checked against every change from here on.
    let since = store.fresh_generation().await;
    let chrome = state.chrome_cache().get(state).await?;
    let tz = chrome.settings.timezone;
    let url = article_path(published_at, &row.slug, tz);

    // The story's own image and those in its text, with its sections, tags, bylines and
    // comments, in one query.
    let in_text = if shows_text {
        super::figures::upload_ids(&row.body)
    } else {
        Vec::new()
    };
    let mut image_ids: Vec<i64> = row.image_id.into_iter().chain(in_text).collect();
    image_ids.sort_unstable();
    image_ids.dedup();
    let crate::store::articles::StoryParts {
        terms,
        authors,
        comments,
        images,
    } = store
        .story_parts(row.id, shows_text, held, &image_ids)
        .await?;
    let images = views::ImageFiles::from_variants(images);
    let block = state
        .related_cache()
        .get(
            state,
            &chrome,
            &super::related::Story {
                id: row.id,
                title: &row.title,
                excerpt: &row.excerpt,
                published_at,
                terms: &terms,
                since,
            },
        )
        .await?;
    let has_held = comments.iter().any(|c| c.status != CommentState::Approved);
    let read_also: Option<&Card> = block.read_also.as_ref();
    let related: &[Card] = &block.related;

    let article_id = row.id;
    let mine = |kind: &'static str| {
        terms
            .iter()
            .filter(move |t: &&TermRef| t.article_id == article_id && t.kind == kind)
    };
    let open = shows_text
        && row.comment_status == CommentStatus::Open
        && comments_open(row.comment_status, published_at, &chrome.settings, now);
    form.values.post_id = row.id.to_string();
    form.values.nd_form_token = comment_form_token(state.secret().await?, row.id, now.timestamp());
    form.values.nd_website_confirm.clear();
    let (shown_body, embed_csp) = if shows_text {
        super::embeds::body(state, &chrome, row.body)
    } else {
        (String::new(), None)
    };
    let story = StoryView {
        id: row.id,
        url: url.clone(),
        published: DateView::with_time(published_at, tz),
        updated: ((row.updated_at - published_at).num_seconds() > UPDATE_GRACE_SECONDS)
            .then(|| DateView::with_time(row.updated_at, tz)),
        authors: authors
            .iter()
            .map(|a| LinkView {
                name: a.display_name.clone(),
                url: format!("/author/{}/", a.slug),
            })
            .collect(),
        avatars: authors.iter().map(AvatarView::of).collect(),
        sections: mine("category")
            .map(|t| views::category_link(&chrome, t))
            .collect(),
        tags: mine("tag").map(views::tag_link).collect(),
        source_url: Some(row.source_url.clone())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        image: images
            .view(row.image_id, row.image_url.clone(), row.image_alt.clone())
            .filter(|_| shows_text),
        comments_open: open,
        comment_count: if shows_text { row.comment_count } else { 0 },
        protected: !row.password.is_empty(),
        title: if row.password.is_empty() {
            row.title
        } else {
            postpass::protected_title(&row.title)
        },
        body: super::figures::render(&shown_body, &images),
        excerpt: if shows_text {
            row.excerpt
        } else {
            String::new()
        },
        credit_line: row.credit_line,
        source_agency: row.source_agency,
    };
    let comments: Vec<CommentNode> =
        views::thread_comments(comments, tz, chrome.settings.thread_depth as usize, open);
    let meta = story_meta(
        state,
        &chrome,
        &story,
        &mine("category").collect::<Vec<_>>(),
        status,
    );
    let body = render(
        state,
        &chrome,
        "article.html",
        &meta,
        minijinja::context! {
            thread => minijinja::context! {
                id => story.id, url => story.url.clone(), open => story.comments_open,
                count => story.comment_count, field => "comment_post_ID",
            },
            story, related, read_also, comments, form, mail_enabled => state.notifier().enabled(),
            protection => access.form("story", article_id),
        },
    )?;
    let private = personal
        || has_held
        || status != StatusCode::OK
        || matches!(access, Access::Unlocked | Access::WrongPassword);
    let cache = if private {
        "private, no-store"
    } else {
        crate::web::conditional::PUBLIC_PAGE
    };
    let mut res = (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static(cache))],
        Html(body),
    )
        .into_response();
    if let Some(csp) = embed_csp {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if access != Access::Open {
        // The same address shows the form or the text, by the reader's cookie.
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    Ok(res)
}

/// The story's `<head>`: OpenGraph article tags, its comments feed, and JSON-LD `NewsArticle`
/// (with wire provenance) and `BreadcrumbList`.
fn story_meta(
    state: &AppState,
    chrome: &Chrome,
    story: &StoryView,
    sections: &[&TermRef],
    status: StatusCode,
) -> PageMeta {
    let published = story.published.iso.clone();
    let modified = story
        .updated
        .as_ref()
        .map_or_else(|| published.clone(), |d| d.iso.clone());
    let names = |links: &[LinkView]| links.iter().map(|l| l.name.clone()).collect::<Vec<_>>();
    // Nothing of a protected story's text reaches the head, unlocked or not: the page's meta
    // may be read by anything that fetches it with the reader's cookie.
    let description = if story.protected {
        postpass::NO_EXCERPT.to_owned()
    } else {
        story.excerpt.clone()
    };
    // The story's own image with its credit, else the theme's share image.
    let image: Vec<serde_json::Value> = match &story.image {
        Some(i) => vec![meta::image_object(i)],
        None => state
            .theme()
            .asset_url("share.png")
            .map(|u| json!(origin::absolute(u)))
            .into_iter()
            .collect(),
    };
    let mut article = json!({
        "@type": "NewsArticle",
        "@id": origin::absolute(&format!("{}#article", story.url)),
        "mainEntityOfPage": origin::absolute(&story.url),
        "url": origin::absolute(&story.url),
        "headline": headline(&story.title),
        "description": description,
        "image": image,
        "datePublished": published,
        "dateModified": modified,
        "author": story.authors.iter().map(|a| json!({
            "@type": "Person", "name": a.name, "url": origin::absolute(&a.url),
        })).collect::<Vec<_>>(),
        "publisher": meta::publisher(chrome, state.theme().asset_url("logo.png")),
        "articleSection": names(&story.sections),
        "keywords": names(&story.tags),
        "inLanguage": chrome.settings.language,
        "isAccessibleForFree": true,
        "commentCount": story.comment_count,
    });
    // Wire copy names the agency it came from; the credit line is shown as the credit text.
    if !story.credit_line.is_empty() {
        article["creditText"] = json!(story.credit_line);
    }
    let agency = [&story.source_agency, &story.credit_line]
        .into_iter()
        .find(|s| !s.is_empty());
    if let Some(agency) = agency {
        article["sourceOrganization"] = json!({ "@type": "Organization", "name": agency });
    }
    if let Some(source) = &story.source_url {
        article["isBasedOn"] = json!(source);
    }
    let mut trail = vec![("Home".to_owned(), "/".to_owned())];
    if let Some(first) = sections.first() {
        trail.extend(chrome.section_trail(first.term_id));
    }
    trail.push((story.title.clone(), story.url.clone()));
    PageMeta {
        title: format!("{} – {}", story.title, chrome.settings.title),
        description,
        canonical: story.url.clone(),
        kind: "single",
        robots: (status != StatusCode::OK).then_some("noindex"),
        og_type: Some("article"),
        image: story.image.clone(),
        article: Some(ArticleMeta {
            published: story.published.iso.clone(),
            modified: article["dateModified"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            authors: names(&story.authors),
            sections: names(&story.sections),
            tags: names(&story.tags),
        }),
        feeds: meta::feeds_of(&story.url, &format!("Comments on {}", story.title)),
        json_ld: vec![article, meta::breadcrumbs(&trail)],
        ..Default::default()
    }
}

/// Search engines show headlines up to 110 characters.
fn headline(title: &str) -> String {
    if title.chars().count() <= 110 {
        return title.to_owned();
    }
    let cut: String = title.chars().take(109).collect();
    format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(h, _)| h))
}
