//! The media library: upload, browse, describe, see where an image is used, delete; and the
//! editor's image picker and Markdown conversion.

use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::session::redirect_with_flash;
use super::{Frame, Signed};
use crate::AppState;
use crate::actions::{self, ActionError};
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::web::edge;

/// Items per page of the library.
const PAGE_SIZE: u32 = 40;

/// The upload route accepts bodies up to the admin's limit (the image limit plus the form).
pub fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(super::csrf::MAX_BODY)
}

fn require_upload(signed: &Signed) -> Result<(), AppError> {
    if signed.staff.can(Capability::UploadMedia) {
        Ok(())
    } else {
        Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "Your role does not allow using the media library.",
        ))
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LibraryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

async fn library_page(
    state: &AppState,
    signed: &Signed,
    q: &LibraryQuery,
    status: StatusCode,
    upload_error: Option<String>,
    kept: minijinja::Value,
) -> Result<Response, AppError> {
    let page = crate::web::paging::query_page(&q.page);
    let mut items = state
        .store()
        .media_library(q.q.trim(), PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        .await?;
    let has_next = items.len() > PAGE_SIZE as usize;
    items.truncate(PAGE_SIZE as usize);
    let thumbs = state
        .store()
        .image_variants(&items.iter().map(|i| i.id).collect::<Vec<_>>())
        .await?;
    let rows: Vec<_> = items
        .iter()
        .map(|i| {
            let thumb = thumbs
                .iter()
                .filter(|v| v.media_id == i.id && !v.is_webp())
                .min_by_key(|v| v.width)
                .map_or_else(|| i.url.clone(), |v| v.url());
            minijinja::context! { item => i, thumb }
        })
        .collect();
    let frame = Frame::new(state, signed, "Media", "media").await?;
    let html = frame.render(
        state,
        "media.html",
        minijinja::context! { rows, q => q.q, page, has_next, upload_error, kept },
    )?;
    Ok((status, html).into_response())
}

pub async fn library(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, AppError> {
    require_upload(&signed)?;
    library_page(
        &state,
        &signed,
        &q,
        StatusCode::OK,
        None,
        minijinja::context! { alt_text => "", caption => "", credit => "" },
    )
    .await
}

pub async fn upload(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    require_upload(&signed)?;
    let (mut file_name, mut bytes, mut alt, mut caption, mut credit) = (
        String::new(),
        None,
        String::new(),
        String::new(),
        String::new(),
    );
    let unreadable = || {
        AppError::refused(
            StatusCode::BAD_REQUEST,
            "The upload could not be read; please try again.",
        )
    };
    // Not a multipart form, or one without its boundary: axum's own text would name it.
    let mut form = form.map_err(|_| unreadable())?;
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("file") => {
                file_name = edge::clean(field.file_name().unwrap_or("upload")).into_owned();
                bytes = Some(field.bytes().await.map_err(|_| unreadable())?.to_vec());
            }
            // Multipart text passes the edge unread: controls are removed here.
            Some("alt_text") => {
                alt = edge::clean(&field.text().await.map_err(|_| unreadable())?).into_owned()
            }
            Some("caption") => {
                caption = edge::clean(&field.text().await.map_err(|_| unreadable())?).into_owned()
            }
            Some("credit") => {
                credit = edge::clean(&field.text().await.map_err(|_| unreadable())?).into_owned()
            }
            _ => {}
        }
    }
    let kept = minijinja::context! {
        alt_text => alt.clone(), caption => caption.clone(), credit => credit.clone()
    };
    let bytes = match bytes.filter(|b| !b.is_empty()) {
        Some(b) => b,
        None => {
            return library_page(
                &state,
                &signed,
                &LibraryQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("Choose an image file to upload.".into()),
                kept,
            )
            .await;
        }
    };
    let text = actions::media::MediaText {
        alt_text: &alt,
        caption: &caption,
        credit: &credit,
    };
    match actions::media::upload_described(
        state.store(),
        &signed.staff,
        &file_name,
        bytes,
        text,
        state.now(),
    )
    .await
    {
        Ok(item) => Ok(redirect_with_flash(
            &state,
            &headers,
            &format!("/admin/media/{}", item.id),
            "Image uploaded.",
        )),
        Err(ActionError::Invalid { message, .. }) => {
            library_page(
                &state,
                &signed,
                &LibraryQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                kept,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn item_page(
    state: &AppState,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    let detail = state
        .store()
        .media_item(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let usage = state.store().media_usage(id).await?;
    let frame = Frame::new(state, signed, "Image", "media").await?;
    let may_edit = signed.staff.can_edit_media(detail.item.uploaded_by);
    // Deleting an image in use changes those stories: editors only.
    let may_force = signed.staff.can(Capability::EditOthers);
    let html = frame.render(
        state,
        "media_item.html",
        minijinja::context! { detail, usage, error, may_edit, may_force },
    )?;
    Ok((status, html).into_response())
}

pub async fn item(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_upload(&signed)?;
    item_page(&state, &signed, id, StatusCode::OK, None).await
}

#[derive(Debug, serde::Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    alt_text: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    credit: String,
}

pub async fn update(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, AppError> {
    match actions::media::update_text(
        state.store(),
        &signed.staff,
        id,
        &form.alt_text,
        &form.caption,
        Some(&form.credit),
    )
    .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &headers,
            &format!("/admin/media/{id}"),
            "Image details saved.",
        )),
        Err(ActionError::Invalid { message, .. }) => {
            item_page(
                &state,
                &signed,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    force: String,
}

pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    match actions::media::delete(state.store(), &signed.staff, id, !form.force.is_empty()).await {
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &headers,
            "/admin/media",
            "Image deleted.",
        )),
        Err(ActionError::Conflict(message)) => {
            item_page(&state, &signed, id, StatusCode::CONFLICT, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The editor's image picker: recent uploads with what `<img srcset>` needs.
pub async fn picker(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, AppError> {
    require_upload(&signed)?;
    let items = state.store().media_library(q.q.trim(), 60, 0).await?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let variants = state.store().image_variants(&ids).await?;
    let out: Vec<serde_json::Value> = items
        .iter()
        .filter(|i| i.mime_type.starts_with("image/"))
        .map(|i| {
            let mut files: Vec<_> = variants
                .iter()
                .filter(|v| v.media_id == i.id && !v.is_webp())
                .collect();
            files.sort_by_key(|v| v.width);
            let srcset = files
                .iter()
                .map(|v| format!("{} {}w", v.url(), v.width))
                .collect::<Vec<_>>()
                .join(", ");
            let body = files
                .iter()
                .rev()
                .find(|v| v.width <= 1024)
                .or(files.last());
            let thumb = files.first().map_or_else(|| i.url.clone(), |v| v.url());
            serde_json::json!({
                "id": i.id,
                "url": body.map_or_else(|| i.url.clone(), |v| v.url()),
                "srcset": srcset,
                "sizes": "(max-width: 50rem) 100vw, 50rem",
                "alt": i.alt_text,
                "caption": i.caption,
                "thumb": thumb,
                "width": body.map(|v| v.width).or(i.width),
                "height": body.map(|v| v.height).or(i.height),
            })
        })
        .collect();
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::Value::Array(out).to_string(),
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct MarkdownForm {
    #[serde(default)]
    text: String,
}

/// Markdown pasted into the editor, as sanitized HTML.
pub async fn markdown(
    signed: Signed,
    Form(form): Form<MarkdownForm>,
) -> Result<Response, AppError> {
    if !signed.staff.can(Capability::WriteDrafts) {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "Your role does not allow writing stories.",
        ));
    }
    let html = crate::domain::markdown::to_html(&form.text);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "html": html.as_str() }).to_string(),
    )
        .into_response())
}
