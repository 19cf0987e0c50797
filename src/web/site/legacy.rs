//! Old WordPress addresses answering `301` with the new home of what they named.
//!
//! A request the site would answer with 404 is looked up in `legacy_urls` (one primary-key
//! read, by [`legacy_key`]), so a live address always wins over an old one; the query forms on
//! `/` (`?p=ID`, `?page_id=ID`, `?cat=ID`, `?tag=slug`, `?author=ID`, `?attachment_id=ID`) go
//! through `wordpress_ids`. The target is a row: its current public address is worked out on
//! every request, and a target that readers cannot see (deleted, draft, in the trash, a
//! disabled author) is a 404, never a redirect to one. Logins are never looked up: an old
//! `/author/LOGIN/` address redirects only when the import recorded it.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::legacy::{LegacyTarget, OldFeed, legacy_key, split_feed};
use crate::error::AppError;

/// Marks a 404 whose address was already looked up (by the fallback), so it is not read twice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LookedUp;

/// The current public address of a target, or of its feed where it has one; `None` when
/// readers cannot see the target.
pub(crate) async fn target_url(
    state: &AppState,
    kind: LegacyTarget,
    id: i64,
    feed: Option<OldFeed>,
) -> Result<Option<String>, AppError> {
    let store = state.store();
    let with_feed = |url: String| match feed {
        Some(f) => format!("{url}{}", f.suffix()),
        None => url,
    };
    Ok(match kind {
        LegacyTarget::Story => {
            let Some((slug, at)) = store.published_slug_by_id(id, state.now()).await? else {
                return Ok(None);
            };
            let chrome = state.chrome_cache().get(state).await?;
            // Every published story has its comments feed.
            Some(with_feed(article_path(at, &slug, chrome.settings.timezone)))
        }
        // Pages and images have no feeds: their old feeds lead to them.
        LegacyTarget::Page => match store.published_page_exists_by_id(id).await? {
            true => Some(store.page_url(id).await?),
            false => None,
        },
        LegacyTarget::Media => store.media_item(id).await?.map(|m| m.item.url),
        LegacyTarget::Section => {
            let chrome = state.chrome_cache().get(state).await?;
            chrome
                .category(id)
                .is_some()
                .then(|| with_feed(chrome.category_url(id)))
        }
        LegacyTarget::Tag => store
            .tag_by_id(id)
            .await?
            .map(|t| with_feed(format!("/tag/{}/", t.slug))),
        LegacyTarget::Author => store
            .active_author_slug(id)
            .await?
            .map(|slug| with_feed(format!("/author/{slug}/"))),
    })
}

/// The redirect for an old address (path and query as requested), if the import recorded it
/// and its target can be shown. The address with its query is tried first, then without.
pub(crate) async fn redirect_for(
    state: &AppState,
    path: &str,
    query: Option<&str>,
) -> Result<Option<Response>, AppError> {
    let address = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let Some(key) = legacy_key(&address) else {
        return Ok(None);
    };
    let (bare, feed) = split_feed(&key);
    // As recorded; then a feed of a recorded address; then without the query.
    let mut tries = vec![(key.clone(), None)];
    if feed.is_some() {
        tries.push((bare, feed));
    } else if let Some((path_only, _)) = key.split_once('?') {
        tries.push((path_only.to_owned(), None));
    }
    for (candidate, feed) in tries {
        if let Some((kind, id)) = state.store().legacy_target(&candidate).await? {
            let Some(url) = target_url(state, kind, id, feed).await? else {
                // Recorded, but gone: the 404 page, never a redirect to it.
                return Ok(None);
            };
            // A target at the very address asked for would redirect to itself.
            if legacy_key(&url).as_deref() == Some(key.as_str()) {
                return Ok(None);
            }
            return Ok(Some(crate::web::edge::moved(&url)));
        }
    }
    Ok(None)
}

/// Around the public routes: a `GET` or `HEAD` answered 404 is looked up among the old
/// addresses, and answered with a 301 to the new home when one is recorded.
pub async fn redirect_missing(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let uri = req.uri().clone();
    let res = next.run(req).await;
    if res.status() != StatusCode::NOT_FOUND || res.extensions().get::<LookedUp>().is_some() {
        return res;
    }
    match redirect_for(&state, uri.path(), uri.query()).await {
        Ok(Some(redirect)) => redirect,
        Ok(None) => res,
        Err(e) => {
            tracing::error!(error = %e, "cannot look up an old address");
            res
        }
    }
}
