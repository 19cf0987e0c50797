//! Feeds of the site, each section, tag and author, and each story's comments, in RSS 2.0,
//! Atom and JSON Feed at WordPress's addresses: `…/feed/`, `…/feed/atom/`, `…/feed/json/`
//! (`…/feed/rss2/`, `…/feed/rss/` and `…/feed/rdf/` redirect to `…/feed/`).
//!
//! A feed lists only what the public site shows (published stories whose time has come,
//! approved comments), never an email address. Responses carry an `ETag` and `Last-Modified`,
//! so feed readers polling an unchanged feed get `304 Not Modified` (see `web::conditional`).

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Chrome;
use super::archive::{self, Listing};
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::comment::text_to_html;
use crate::domain::postpass;
use crate::domain::settings::FeedContent;
use crate::error::AppError;
use crate::render::feeds::{ChannelImage, Enclosure, Entry, Feed, FeedFormat, Person, absolutize};
use crate::store::articles::ArticleQuery;
use crate::web::{conditional, origin};

/// What a feed address asks for: a format, or a redirect to the canonical `feed/`.
pub(crate) enum Requested {
    Format(FeedFormat),
    Canonical,
}

/// Parses the part after `feed/`: nothing, `atom`, `json`, or a WordPress alias of RSS.
pub(crate) fn parse_format(name: Option<&str>) -> Result<Requested, AppError> {
    match name {
        None => Ok(Requested::Format(FeedFormat::Rss)),
        Some("atom") => Ok(Requested::Format(FeedFormat::Atom)),
        Some("json") => Ok(Requested::Format(FeedFormat::Json)),
        Some("rss2" | "rss" | "rdf") => Ok(Requested::Canonical),
        Some(_) => Err(AppError::NotFound),
    }
}

/// If `path` (below some prefix) ends in a feed address, its subject part and what it asks for.
pub(crate) fn split_feed(path: &str) -> Option<(&str, Option<&str>)> {
    let trimmed = path.strip_suffix('/')?;
    if let Some(subject) = trimmed.strip_suffix("/feed") {
        return Some((subject, None));
    }
    let (rest, format) = trimmed.rsplit_once('/')?;
    let subject = rest.strip_suffix("/feed")?;
    Some((subject, Some(format)))
}

/// A time in the site's time zone, as feeds and sitemaps write it.
pub(crate) fn local(at: DateTime<Utc>, tz: Tz) -> DateTime<chrono::FixedOffset> {
    at.with_timezone(&tz).fixed_offset()
}

fn image_type(url: &str) -> &'static str {
    let ext = url
        .rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("svg") => "image/svg+xml",
        _ => "image/jpeg",
    }
}

/// The RSS channel image: the theme's `feed-logo.png` (its logo scaled to RSS's limits), with
/// its size; none when the theme's image is larger than RSS allows.
fn rss_image(state: &AppState) -> Option<ChannelImage> {
    let theme = state.theme();
    let (width, height) =
        crate::render::icons::dimensions(&theme.asset_named("feed-logo.png")?.bytes)?;
    let (max_w, max_h) = crate::render::RSS_IMAGE_MAX;
    if width > max_w || height > max_h {
        return None;
    }
    Some(ChannelImage {
        url: origin::absolute(theme.asset_url("feed-logo.png")?),
        width,
        height,
    })
}

/// The bytes of a feed with its caching headers.
fn respond(feed: &Feed, format: FeedFormat) -> Response {
    let body = feed.write(format);
    let etag = conditional::etag_of(&body);
    conditional::tagged(format.content_type(), body.into(), &etag)
}

/// A list of stories as a feed.
struct StoryFeed<'a> {
    title: String,
    description: String,
    /// The subject's address (`/`, `/tag/x/`), where its HTML page and feeds live.
    base: String,
    query: ArticleQuery,
    chrome: &'a Chrome,
}

async fn story_feed(
    state: &AppState,
    f: StoryFeed<'_>,
    req: Requested,
) -> Result<Response, AppError> {
    let format = match req {
        Requested::Format(format) => format,
        Requested::Canonical => {
            return Ok(crate::web::edge::permanent(&format!("{}feed/", f.base)));
        }
    };
    let store = state.store();
    let settings = &f.chrome.settings;
    let tz = settings.timezone;
    let now = state.now();
    let rows = store
        .published_list(&f.query, now, settings.feed_items, 0)
        .await?;
    crate::web::cache::shows(crate::store::purge::LISTS);
    for r in &rows {
        crate::web::cache::shows_story(r.id);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let authors = store.authors_of(&ids).await?;
    let terms = store.terms_of(&ids).await?;
    let image_ids: Vec<i64> = rows.iter().filter_map(|r| r.image_id).collect();
    let enclosures: std::collections::HashMap<i64, _> = store
        .enclosures(&image_ids)
        .await?
        .into_iter()
        .map(|e| (e.media_id, e))
        .collect();
    let bodies = match settings.feed_content {
        FeedContent::Full => store.bodies_of(&ids).await?,
        FeedContent::Excerpt => Default::default(),
    };
    let origin = origin::current();
    let mut updated = rows.iter().map(|r| r.updated_at.max(r.published_at)).max();
    if updated.is_none() {
        crate::web::cache::shows(crate::store::purge::STORIES);
        // An empty feed is as new as the site's newest story (or now, for an empty site).
        updated = store
            .published_list(&ArticleQuery::default(), now, 1, 0)
            .await?
            .first()
            .map(|r| r.updated_at);
    }
    let entries = rows
        .into_iter()
        .map(|r| {
            let url = origin::absolute(&article_path(r.published_at, &r.slug, tz));
            Entry {
                id: format!("{origin}/?p={}", r.id),
                comments_url: Some(format!("{url}#comments")),
                title: if r.protected {
                    postpass::protected_title(&r.title)
                } else {
                    r.title
                },
                summary: if r.protected {
                    postpass::NO_EXCERPT.to_owned()
                } else {
                    r.excerpt
                },
                content_html: bodies.get(&r.id).map(|body| absolutize(body, &origin)),
                published: local(r.published_at, tz),
                updated: local(r.updated_at.max(r.published_at), tz),
                authors: authors
                    .iter()
                    .filter(|a| a.article_id == r.id)
                    .map(|a| Person {
                        name: a.display_name.clone(),
                        url: Some(origin::absolute(&format!("/author/{}/", a.slug))),
                    })
                    .collect(),
                categories: terms
                    .iter()
                    .filter(|t| t.article_id == r.id)
                    .map(|t| t.name.clone())
                    .collect(),
                enclosure: r.image_url.map(|u| {
                    let info = r.image_id.and_then(|id| enclosures.get(&id));
                    Enclosure {
                        // The stored type of the upload; for an image added by address, its
                        // name's.
                        mime_type: info
                            .map(|i| i.mime_type.clone())
                            .filter(|t| t.starts_with("image/"))
                            .unwrap_or_else(|| image_type(&u).to_owned()),
                        length: info.map_or(0, |i| i.byte_size.max(0) as u64),
                        url: origin::absolute(&u),
                    }
                }),
                url,
            }
        })
        .collect();
    let feed = Feed {
        title: f.title,
        description: if f.description.is_empty() {
            settings.tagline.clone()
        } else {
            f.description
        },
        home_url: origin::absolute(&f.base),
        language: settings.language.clone(),
        // An empty site's feed keeps one date, so its entity tag stays put too.
        updated: local(updated.unwrap_or(DateTime::UNIX_EPOCH), tz),
        publisher: settings.title.clone(),
        logo: state.theme().asset_url("logo.png").map(origin::absolute),
        rss_image: rss_image(state),
        entries,
    };
    Ok(respond(&feed, format))
}

/// `/feed/`, `/feed/atom/`, `/feed/json/`: the newest stories of the whole site.
pub async fn site(State(state): State<AppState>) -> Result<Response, AppError> {
    site_feed(state, None).await
}

pub async fn site_format(
    State(state): State<AppState>,
    Path(format): Path<String>,
) -> Result<Response, AppError> {
    site_feed(state, Some(format)).await
}

async fn site_feed(state: AppState, format: Option<String>) -> Result<Response, AppError> {
    let req = parse_format(format.as_deref())?;
    let chrome = state.chrome_cache().get(&state).await?;
    let f = StoryFeed {
        title: chrome.settings.title.clone(),
        description: chrome.settings.tagline.clone(),
        base: "/".into(),
        query: ArticleQuery::default(),
        chrome: &chrome,
    };
    story_feed(&state, f, req).await
}

/// The feed of an archive's stories: a section (`/category/world/feed/`, called by the section
/// route, which owns `/category/…`), a tag or an author.
pub(crate) async fn listing(
    state: &AppState,
    chrome: &Chrome,
    l: &Listing,
    format: Option<&str>,
) -> Result<Response, AppError> {
    let req = parse_format(format)?;
    let f = StoryFeed {
        title: format!("{} – {}", l.heading, chrome.settings.title),
        description: l.description.clone(),
        base: l.base_url.clone(),
        query: l.query.clone(),
        chrome,
    };
    story_feed(state, f, req).await
}

async fn tag_feed(
    state: AppState,
    slug: String,
    format: Option<String>,
) -> Result<Response, AppError> {
    let l = archive::tag_subject(&state, &slug).await?;
    let chrome = state.chrome_cache().get(&state).await?;
    listing(&state, &chrome, &l, format.as_deref()).await
}

/// `/tag/SLUG/feed/`.
pub async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    tag_feed(state, slug, None).await
}

pub async fn tag_format(
    State(state): State<AppState>,
    Path((slug, format)): Path<(String, String)>,
) -> Result<Response, AppError> {
    tag_feed(state, slug, Some(format)).await
}

async fn author_feed(
    state: AppState,
    slug: String,
    format: Option<String>,
) -> Result<Response, AppError> {
    let l = archive::author_subject(&state, &slug).await?;
    let chrome = state.chrome_cache().get(&state).await?;
    listing(&state, &chrome, &l, format.as_deref()).await
}

/// `/author/SLUG/feed/`.
pub async fn author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    author_feed(state, slug, None).await
}

pub async fn author_format(
    State(state): State<AppState>,
    Path((slug, format)): Path<(String, String)>,
) -> Result<Response, AppError> {
    author_feed(state, slug, Some(format)).await
}

/// `/YYYY/MM/DD/slug/feed/`: a story's newest approved comments.
pub async fn comments(
    State(state): State<AppState>,
    Path((y, m, d, slug)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    comments_feed(state, [y, m, d], slug, None).await
}

pub async fn comments_format(
    State(state): State<AppState>,
    Path((y, m, d, slug, format)): Path<(String, String, String, String, String)>,
) -> Result<Response, AppError> {
    comments_feed(state, [y, m, d], slug, Some(format)).await
}

async fn comments_feed(
    state: AppState,
    date: [String; 3],
    slug: String,
    format: Option<String>,
) -> Result<Response, AppError> {
    let req = parse_format(format.as_deref())?;
    let now = state.now();
    let row = state
        .store()
        .published_article_by_slug(&slug, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let published_at = row.published_at.ok_or(AppError::NotFound)?;
    crate::web::cache::shows_story(row.id);
    crate::web::cache::shows(crate::store::purge::comments(row.id));
    let chrome = state.chrome_cache().get(&state).await?;
    let tz = chrome.settings.timezone;
    let path = article_path(published_at, &row.slug, tz);
    if path != format!("/{}/{}/{}/{slug}/", date[0], date[1], date[2]) {
        return Err(AppError::NotFound);
    }
    let format = match req {
        Requested::Format(format) => format,
        Requested::Canonical => {
            return Ok(crate::web::edge::permanent(&format!("{path}feed/")));
        }
    };
    // A protected story's comments are hidden until the password is given, and a feed reader
    // gives none (as WordPress): its feed lists no comment and says nothing of the text.
    let protected = !row.password.is_empty();
    let comments = if protected {
        Vec::new()
    } else {
        state
            .store()
            .latest_approved_comments(row.id, chrome.settings.feed_items)
            .await?
    };
    let origin = origin::current();
    let story_url = origin::absolute(&path);
    let updated = comments
        .iter()
        .map(|c| c.created_at)
        .max()
        .unwrap_or(row.updated_at.max(published_at));
    let entries = comments
        .into_iter()
        .map(|c| Entry {
            id: format!("{origin}/?p={}#comment-{}", row.id, c.id),
            url: format!("{story_url}#comment-{}", c.id),
            title: format!("By: {}", c.author_name),
            summary: c.body.split_whitespace().collect::<Vec<_>>().join(" "),
            content_html: Some(text_to_html(&c.body)),
            published: local(c.created_at, tz),
            updated: local(c.created_at, tz),
            authors: vec![Person {
                name: c.author_name,
                url: None,
            }],
            categories: Vec::new(),
            enclosure: None,
            comments_url: None,
        })
        .collect();
    let feed = Feed {
        title: format!(
            "Comments on: {}",
            if protected {
                postpass::protected_title(&row.title)
            } else {
                row.title
            }
        ),
        description: if protected {
            postpass::NO_EXCERPT.to_owned()
        } else {
            row.excerpt
        },
        home_url: story_url,
        language: chrome.settings.language.clone(),
        updated: local(updated, tz),
        publisher: chrome.settings.title.clone(),
        logo: state.theme().asset_url("logo.png").map(origin::absolute),
        rss_image: rss_image(&state),
        entries,
    };
    Ok(respond(&feed, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_paths_split() {
        assert_eq!(split_feed("world/feed/"), Some(("world", None)));
        assert_eq!(
            split_feed("world/asia/feed/atom/"),
            Some(("world/asia", Some("atom")))
        );
        assert_eq!(split_feed("world/"), None);
        assert_eq!(split_feed("world/page/2/"), None);
    }

    #[test]
    fn image_types_follow_the_extension() {
        assert_eq!(image_type("/media/a.PNG"), "image/png");
        assert_eq!(image_type("/media/a"), "image/jpeg");
    }
}
