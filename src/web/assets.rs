//! Theme assets under fingerprinted names, cached by browsers for a year.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::AppError;

pub async fn show(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let asset = state.theme().asset(&file).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            // The name changes whenever the content does, so the file never needs revalidating.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.bytes.clone(),
    )
        .into_response())
}

/// `/favicon.ico`, where browsers and feed readers look without being told: the theme's
/// `favicon.ico` (the Newsdesk monogram unless the theme ships its own).
pub async fn favicon(State(state): State<AppState>) -> Result<Response, AppError> {
    at_fixed_address(&state, "favicon.ico")
}

/// `/apple-touch-icon.png`, where iOS looks for a home-screen icon: the theme's
/// `apple-touch-icon.png` (180 × 180, the monogram to its corners unless the theme ships one).
pub async fn apple_touch_icon(State(state): State<AppState>) -> Result<Response, AppError> {
    at_fixed_address(&state, "apple-touch-icon.png")
}

/// A theme asset at an address that never changes with the file: cached for 30 days rather
/// than forever, and revalidated by its entity tag.
fn at_fixed_address(state: &AppState, name: &str) -> Result<Response, AppError> {
    let asset = state.theme().asset_named(name).ok_or(AppError::NotFound)?;
    let etag = crate::web::conditional::etag_of(&asset.bytes);
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type.to_owned()),
            (header::CACHE_CONTROL, "public, max-age=2592000".to_owned()),
            (header::ETAG, etag),
        ],
        asset.bytes.clone(),
    )
        .into_response())
}

/// The page background of the default theme, for the browser's own surfaces (the manifest's
/// splash screen and toolbar; pages say the same in `<meta name="theme-color">`).
const BACKGROUND: &str = "#ffffff";

/// `/manifest.webmanifest`: the web app manifest, so that "Add to home screen" names the site
/// by its title and shows its icon. The site stays a web page (`minimal-ui`) that opens on
/// the front page.
pub async fn manifest(State(state): State<AppState>) -> Result<Response, AppError> {
    let chrome = state.chrome_cache().get(&state).await?;
    let settings = &chrome.settings;
    let theme = state.theme();
    let icons: Vec<_> = [("icon-192.png", "192x192"), ("icon-512.png", "512x512")]
        .into_iter()
        .filter_map(|(name, sizes)| {
            Some(serde_json::json!({
                "src": theme.asset_url(name)?,
                "sizes": sizes,
                "type": "image/png",
                "purpose": "any",
            }))
        })
        .collect();
    let body = serde_json::json!({
        "name": settings.title,
        "short_name": short_name(&settings.title),
        "description": settings.tagline,
        "lang": settings.language,
        "start_url": "/",
        "scope": "/",
        "display": "minimal-ui",
        "theme_color": BACKGROUND,
        "background_color": BACKGROUND,
        "icons": icons,
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response())
}

/// The name under a home-screen icon, where about 12 characters fit: the site title when it
/// is that short, else its first word, else the title cut at 12 characters.
fn short_name(title: &str) -> String {
    const FITS: usize = 12;
    let title = title.trim();
    if title.chars().count() <= FITS {
        return title.to_owned();
    }
    match title.split_whitespace().next() {
        Some(word) if word.chars().count() <= FITS => word.to_owned(),
        _ => title.chars().take(FITS).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn short_names_fit_under_an_icon() {
        assert_eq!(short_name("Newsdesk"), "Newsdesk");
        assert_eq!(short_name("Newsdesk Daily Herald"), "Newsdesk");
        assert_eq!(short_name("Internationalisation"), "Internationa");
    }
}
