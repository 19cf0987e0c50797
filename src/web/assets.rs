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
