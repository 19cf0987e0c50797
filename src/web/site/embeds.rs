//! Embeds on public pages: the click-to-load cards in story and page bodies, and the address
//! their frames open once the reader asks.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Chrome;
use crate::AppState;
use crate::domain::embed;

/// A stored body as the page shows it, and the page's Content-Security-Policy when its embeds
/// need origins beyond the site's policy (a Mastodon post's server).
pub(crate) fn body(
    state: &AppState,
    chrome: &Chrome,
    stored: String,
) -> (String, Option<HeaderValue>) {
    // The site's own host is no Mastodon server to frame.
    let host = own_host(state);
    let players = embed::Players {
        providers: chrome.settings.embed_providers.as_slice(),
        own_host: host.as_deref(),
    };
    let f = embed::facades(&stored, &players);
    let csp = (!f.frame_origins.is_empty())
        .then(|| crate::web::csp::public_policy(&chrome.settings, &f.frame_origins))
        .and_then(|p| HeaderValue::from_str(&p).ok());
    (f.html, csp)
}

/// The host of the site's base URL, when it has one.
fn own_host(state: &AppState) -> Option<String> {
    let base = url::Url::parse(state.base_url()?).ok()?;
    base.host_str().map(str::to_ascii_lowercase)
}

#[derive(serde::Deserialize)]
pub struct PlayerQuery {
    provider: String,
    id: String,
}

/// `GET /embed/player?provider=KEY&id=ID`: a redirect to the provider's player, for the frame
/// the theme's script inserts when the reader clicks "Load content from …". Only frames get
/// it (`Sec-Fetch-Dest: iframe`), so the address cannot send a reader elsewhere; the provider
/// must be enabled, and the id one its parser accepts.
pub async fn player(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PlayerQuery>,
) -> Result<Response, crate::error::AppError> {
    // Refusals are plain text in a sandbox, never cached, and (like the redirect) depend on
    // the request's `Sec-Fetch-Dest`.
    let not_found = || {
        Ok((
            StatusCode::NOT_FOUND,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("sandbox"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::VARY, HeaderValue::from_static("Sec-Fetch-Dest")),
            ],
            "Not found\n",
        )
            .into_response())
    };
    let in_frame = headers
        .get("sec-fetch-dest")
        .is_some_and(|v| v.as_bytes() == b"iframe");
    if !in_frame {
        return not_found();
    }
    let chrome = state.chrome_cache().get(&state).await?;
    let Some(provider) = embed::provider(&q.provider)
        .filter(|p| chrome.settings.embed_providers.iter().any(|k| k == p.key))
    else {
        return not_found();
    };
    let Some(player) = embed::player_for(provider, &q.id, own_host(&state).as_deref()) else {
        return not_found();
    };
    let Ok(location) = HeaderValue::from_str(&player) else {
        return not_found();
    };
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::VARY, HeaderValue::from_static("Sec-Fetch-Dest")),
        ],
    )
        .into_response())
}
