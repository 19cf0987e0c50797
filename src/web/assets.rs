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
/// `favicon.ico` (the Newsdesk monogram unless the theme ships its own). The address never
/// changes with the file, so it is cached for 30 days rather than forever, and revalidated by
/// its entity tag.
pub async fn favicon(State(state): State<AppState>) -> Result<Response, AppError> {
    let asset = state
        .theme()
        .asset_named("favicon.ico")
        .ok_or(AppError::NotFound)?;
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
