//! `/wp-json/oembed/1.0/embed?url=…`: the oEmbed answer for a story's address, so pasting a
//! story link into another WordPress site, a chat or a CMS shows a card. Story pages announce
//! it with `<link rel="alternate" type="application/json+oembed">`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::Api;
use super::errors::ApiError;
use super::links;
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::html::escape;
use crate::web::origin;

/// The widths an embed may take, and its default.
const MIN_WIDTH: i64 = 200;
const MAX_WIDTH: i64 = 600;

/// The oEmbed address that describes a page at `url` (absolute).
pub fn discovery_url(url: &str) -> String {
    let query = serde_urlencoded::to_string([("url", url)]).unwrap_or_default();
    links::route(&format!("/oembed/1.0/embed?{query}"))
}

/// The slug of a story address on this site: `…/2026/03/05/slug/`.
fn story_slug(url: &str) -> Option<&str> {
    let origin = origin::current();
    let path = url.strip_prefix(origin.as_str())?;
    let path = path.split(['?', '#']).next()?;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [y, m, d, slug]
            if [y, m, d]
                .iter()
                .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
                && !slug.is_empty() =>
        {
            Some(slug)
        }
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let Some(url) = api
        .params
        .get("url")
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_missing_callback_param",
            "Missing parameter(s): url",
        );
        e.params
            .insert("url".into(), Value::String("url is required.".into()));
        return Err(e);
    };
    api.params.one_of("format", &["json"])?;
    let width = api
        .params
        .int("maxwidth", 0, i64::MAX)?
        .unwrap_or(MAX_WIDTH)
        .clamp(MIN_WIDTH, MAX_WIDTH);
    let not_found = || ApiError::not_found("oembed_invalid_url", "Not Found");
    let slug = story_slug(url).ok_or_else(not_found)?;
    let store = api.store();
    let story = store
        .published_article_by_slug(slug, api.now)
        .await?
        .ok_or_else(not_found)?;
    let Some(published) = story.published_at else {
        return Err(not_found());
    };
    let link = links::public(&article_path(published, &story.slug, api.tz()));
    let authors = store.authors_of(&[story.id]).await?;
    // A protected story is shown by the title the site gives it, without its image.
    let protected = !story.password.is_empty();
    let shown_title = if protected {
        crate::domain::postpass::protected_title(&story.title)
    } else {
        story.title.clone()
    };
    let title = escape(&shown_title);
    let mut body = json!({
        "version": "1.0",
        "provider_name": api.chrome.settings.title,
        "provider_url": links::public("/"),
        "title": shown_title,
        "type": "rich",
        "width": width,
        "height": (width * 9 + 15) / 16,
        "html": format!(
            "<blockquote class=\"wp-embedded-content\"><a href=\"{}\">{title}</a></blockquote>",
            escape(&link)
        ),
    });
    if let Some(a) = authors.first() {
        body["author_name"] = json!(a.display_name);
        body["author_url"] = json!(links::public(&format!("/author/{}/", a.slug)));
    }
    if let Some(image) = story.image_url.as_deref().filter(|_| !protected) {
        body["thumbnail_url"] = json!(links::public(image));
    }
    Ok(api.one(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_story_addresses_on_this_site_are_embedded() {
        // Outside a request the origin is `http://localhost`.
        assert_eq!(
            story_slug("http://localhost/2026/03/05/a-story/"),
            Some("a-story")
        );
        assert_eq!(
            story_slug("http://localhost/2026/03/05/a-story/?x=1"),
            Some("a-story")
        );
        assert_eq!(story_slug("http://elsewhere/2026/03/05/a-story/"), None);
        assert_eq!(story_slug("http://localhost/about/"), None);
    }
}
