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
pub(crate) fn body(chrome: &Chrome, stored: String) -> (String, Option<HeaderValue>) {
    let f = embed::facades(&stored, chrome.settings.embed_providers.as_slice());
    let csp = (!f.frame_origins.is_empty())
        .then(|| crate::web::csp::public_policy(&chrome.settings, &f.frame_origins))
        .and_then(|p| HeaderValue::from_str(&p).ok());
    (f.html, csp)
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
    let not_found = || Err(crate::error::AppError::NotFound);
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
    let Some(player) = embed::player_for(provider, &q.id) else {
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
        ],
    )
        .into_response())
}
