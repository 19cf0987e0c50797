//! Uploaded images at addresses that never change: `/media/{id}/{variant}/{file_name}`, where
//! the variant is `original` or a width (`w320`, `w640`, `w1024`, `w1600`), and the file name
//! is the upload's, or the same with `.webp` for a WebP copy. A file's bytes never
//! change either, so browsers and CDNs keep it for a year without asking again.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::AppState;
use crate::domain::media::Variant;
use crate::error::AppError;
use crate::web::conditional::etag_of;

pub async fn show(
    State(state): State<AppState>,
    Path((id, variant, file_name)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    // Only the canonical spelling of an address names a file (`/media/07/…` does not).
    let id: i64 = id
        .parse()
        .ok()
        .filter(|n: &i64| *n > 0 && n.to_string() == id)
        .ok_or(AppError::NotFound)?;
    let variant = Variant::parse(&variant).ok_or(AppError::NotFound)?;
    let file = state
        .store()
        .media_file(id, variant, &file_name)
        .await?
        .ok_or(AppError::NotFound)?;
    // Strong, and cheap: the bytes at an address are fixed when the upload is made, so the
    // upload's time tells them apart from any other file the address ever served.
    let etag = etag_of(
        format!(
            "{id}/{variant}/{file_name}/{}",
            file.created_at.timestamp_micros()
        )
        .as_bytes(),
    );
    let mut res = Response::new(Body::from(file.bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(res)
}
