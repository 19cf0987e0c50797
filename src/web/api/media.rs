//! `/wp/v2/media`: the images the public site shows (featured images of published stories and
//! pages, avatars), each with its responsive widths under `media_details.sizes` (named `full`
//! and `w320`, `w640`…).

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::links::{self, embeddable, href};
use super::params::{self, Context};
use super::{Api, path_id};
use crate::AppState;
use crate::domain::html::escape;
use crate::store::Store;
use crate::store::media::ImageVariant;
use crate::store::media::MediaItem;
use crate::store::rest::{Order, OrderBy};

/// The file name without its extension.
fn stem_of(m: &MediaItem) -> &str {
    m.file_name
        .rsplit_once('.')
        .map_or(m.file_name.as_str(), |(s, _)| s)
}

/// An item's title: its file name without the extension (or its alt text, without a name).
fn title_of(m: &MediaItem) -> String {
    let stem = stem_of(m);
    if stem.is_empty() { &m.alt_text } else { stem }.to_owned()
}

/// Library items with their files, read in two queries.
pub struct Loaded {
    pub items: Vec<MediaItem>,
    variants: HashMap<i64, Vec<ImageVariant>>,
}

impl Loaded {
    pub async fn by_ids(
        store: &Store,
        ids: &[i64],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Loaded, ApiError> {
        let items = store.rest_media_by_ids(ids, now).await?;
        Loaded::with_files(store, items).await
    }

    async fn with_files(store: &Store, items: Vec<MediaItem>) -> Result<Loaded, ApiError> {
        let ids: Vec<i64> = items.iter().map(|m| m.id).collect();
        let mut variants: HashMap<i64, Vec<ImageVariant>> = HashMap::new();
        for v in store.image_variants(&ids).await? {
            variants.entry(v.media_id).or_default().push(v);
        }
        Ok(Loaded { items, variants })
    }

    pub fn get(&self, id: i64) -> Option<&MediaItem> {
        self.items.iter().find(|m| m.id == id)
    }

    /// An item as WordPress shows an attachment.
    pub fn json(&self, m: &MediaItem, api: &Api, context: Context) -> Value {
        let tz = api.tz();
        let stem = stem_of(m);
        let title = title_of(m);
        let source = links::public(&m.url);
        let mut sizes = Map::new();
        // WebP copies are the same sizes again, offered to browsers by the public site.
        for v in self.variants.get(&m.id).into_iter().flatten() {
            if v.is_webp() {
                continue;
            }
            let name = if v.variant == "original" {
                "full".to_owned()
            } else {
                v.variant.clone()
            };
            sizes.insert(
                name,
                json!({
                    "file": v.file_name,
                    "width": v.width,
                    "height": v.height,
                    "mime_type": m.mime_type,
                    "source_url": links::public(&v.url()),
                }),
            );
        }
        let media_type = if m.mime_type.starts_with("image/") {
            "image"
        } else {
            "file"
        };
        let caption = if m.caption.is_empty() {
            String::new()
        } else {
            format!("<p>{}</p>\n", escape(&m.caption))
        };
        let mut v = json!({
            "id": m.id,
            "date": links::wp_date(m.created_at, tz),
        });
        let o = v.as_object_mut().expect("an object");
        if context == Context::View {
            o.insert("date_gmt".into(), json!(links::wp_date_gmt(m.created_at)));
            o.insert("guid".into(), json!({ "rendered": source }));
            o.insert("modified".into(), json!(links::wp_date(m.created_at, tz)));
            o.insert(
                "modified_gmt".into(),
                json!(links::wp_date_gmt(m.created_at)),
            );
        }
        o.insert("slug".into(), json!(stem.to_lowercase()));
        if context == Context::View {
            o.insert("status".into(), json!("inherit"));
        }
        o.insert("type".into(), json!("attachment"));
        o.insert("link".into(), json!(source));
        o.insert("title".into(), json!({ "rendered": escape(&title) }));
        o.insert("author".into(), json!(m.uploaded_by.unwrap_or(0)));
        o.insert("featured_media".into(), json!(0));
        if context == Context::View {
            o.insert("comment_status".into(), json!("closed"));
            o.insert("ping_status".into(), json!("closed"));
            o.insert("template".into(), json!(""));
            o.insert("meta".into(), json!({ "credit": m.credit }));
            o.insert("description".into(), json!({ "rendered": caption }));
        }
        o.insert("caption".into(), json!({ "rendered": caption }));
        o.insert("alt_text".into(), json!(m.alt_text));
        o.insert("media_type".into(), json!(media_type));
        o.insert("mime_type".into(), json!(m.mime_type));
        o.insert(
            "media_details".into(),
            json!({
                "width": m.width.unwrap_or(0),
                "height": m.height.unwrap_or(0),
                "file": m.file_name,
                "filesize": m.byte_size,
                "sizes": sizes,
            }),
        );
        if context == Context::View {
            o.insert("post".into(), Value::Null);
        }
        o.insert("source_url".into(), json!(source));
        let mut l = json!({
            "self": href(links::route(&format!("/wp/v2/media/{}", m.id))),
            "collection": href(links::route("/wp/v2/media")),
            "about": href(links::route("/wp/v2/types/attachment")),
        });
        if let Some(u) = m.uploaded_by {
            l["author"] = embeddable(links::route(&format!("/wp/v2/users/{u}")));
        }
        o.insert("_links".into(), l);
        v
    }
}

pub async fn list(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "posts in this post type")?;
    api.params.one_of("media_type", &["image"])?;
    let (filter, page) = params::list_filter(
        &api.params,
        &[
            ("date", OrderBy::Date),
            ("id", OrderBy::Id),
            ("include", OrderBy::Include),
            ("title", OrderBy::Title),
            ("slug", OrderBy::Slug),
        ],
        Order::Desc,
    )?;
    let (rows, total) = api.store().rest_media(&filter, api.now).await?;
    if page > super::total_pages(total, filter.limit) && total > 0 {
        return Err(ApiError::invalid_page_number());
    }
    let loaded = Loaded::with_files(api.store(), rows).await?;
    let items = loaded
        .items
        .iter()
        .map(|m| loaded.json(m, &api, context))
        .collect();
    Ok(api.page(items, total, page, filter.limit, "/wp/v2/media"))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let context = params::context(&api.params, "posts in this post type")?;
    let loaded = Loaded::by_ids(api.store(), &[id], api.now).await?;
    let item = loaded
        .get(id)
        .ok_or_else(|| ApiError::not_found("rest_post_invalid_id", "Invalid post ID."))?;
    Ok(api.one(loaded.json(item, &api, context)))
}

/// The file name of `Content-Disposition: attachment; filename="photo.jpg"` (or `filename*=`
/// in UTF-8, RFC 6266), without any folder.
fn disposition_file_name(value: &str) -> Option<String> {
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let encoded = v.split_once("''").map_or(v, |(_, rest)| rest);
                if let Ok(decoded) = percent_encoding::percent_decode_str(encoded).decode_utf8() {
                    return Some(base_name(&decoded));
                }
            }
            "filename" => plain = Some(base_name(v.trim_matches('"'))),
            _ => {}
        }
    }
    plain.filter(|n| !n.is_empty())
}

fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// `POST /wp/v2/media`: an image into the media library, through the library's own checks. The
/// file comes as the raw body with `Content-Disposition: attachment; filename=…`, or as the
/// `file` field of a multipart form; `alt_text` and `caption` as parameters or form fields.
pub async fn upload(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    use axum::extract::FromRequest;
    use axum::http::{StatusCode, header};
    let me = viewer.required().map_err(|_| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_create",
            "Sorry, you are not allowed to upload media as this user.",
        )
    })?;
    let query = req.uri().query().map(str::to_owned);
    let api = Api::new(&state, query.as_deref()).await?;
    let mut alt_text = api.params.get("alt_text").unwrap_or("").to_owned();
    let mut caption = api.params.get("caption").unwrap_or("").to_owned();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let unreadable = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_data",
            "No data supplied.",
        )
    };
    let (file_name, bytes) = if content_type.starts_with("multipart/form-data") {
        let mut form = axum::extract::Multipart::from_request(req, &state)
            .await
            .map_err(|_| unreadable())?;
        let mut file = None;
        while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
            match field.name().unwrap_or("") {
                "file" => {
                    let name = field.file_name().map(base_name).unwrap_or_default();
                    let data = field.bytes().await.map_err(|_| unreadable())?;
                    file = Some((name, data.to_vec()));
                }
                "alt_text" => alt_text = field.text().await.map_err(|_| unreadable())?,
                "caption" => caption = field.text().await.map_err(|_| unreadable())?,
                _ => {}
            }
        }
        file.ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "rest_upload_no_data",
                "No data supplied: send the image as the form's `file` field.",
            )
        })?
    } else {
        let name = req
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(disposition_file_name)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_upload_no_content_disposition",
                    "No Content-Disposition supplied.",
                )
            })?;
        let bytes = axum::body::Bytes::from_request(req, &state)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "rest_upload_file_too_big",
                    format!(
                        "The file is larger than the media library takes ({} MB).",
                        crate::domain::media::MAX_UPLOAD_BYTES >> 20
                    ),
                )
            })?;
        (name, bytes.to_vec())
    };
    if bytes.is_empty() {
        return Err(unreadable());
    }
    let item = crate::actions::media::upload(
        api.store(),
        me,
        &file_name,
        bytes,
        &alt_text,
        &caption,
        api.now,
    )
    .await
    .map_err(|e| match e {
        crate::actions::ActionError::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_create",
            "Sorry, you are not allowed to upload media as this user.",
        ),
        e => super::me::action_error(e, "rest_cannot_create"),
    })?;
    let loaded = Loaded::with_files(api.store(), vec![item]).await?;
    let item = &loaded.items[0];
    let location = links::route(&format!("/wp/v2/media/{}", item.id));
    Ok(api.created(loaded.json(item, &api, Context::View), &location))
}

fn refused(e: crate::actions::ActionError, code: &'static str) -> ApiError {
    use crate::actions::ActionError;
    match e {
        ActionError::NotFound(_) => ApiError::not_found("rest_post_invalid_id", "Invalid post ID."),
        ActionError::Conflict(m) => {
            ApiError::new(axum::http::StatusCode::CONFLICT, "rest_media_in_use", m)
        }
        e => super::me::action_error(e, code),
    }
}

/// `POST`, `PUT` or `PATCH /wp/v2/media/<id>`: the alt text, the caption and the photo credit
/// (`meta.credit`), through the
/// library's own checks and rights (authors their own uploads, editors anyone's). The title
/// and slug come from the file's name and are accepted only unchanged, so a client may send
/// back the whole item it read.
pub async fn update(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: super::body::Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    // Rights before any lookup: who may not change images learns nothing of which exist.
    let me = viewer.may(
        crate::domain::user::Capability::UploadMedia,
        "rest_cannot_edit",
        "Sorry, you are not allowed to edit this post.",
    )?;
    let api = Api::new(&state, q.as_deref()).await?;
    let current = api
        .store()
        .media_item(id)
        .await?
        .ok_or_else(|| ApiError::not_found("rest_post_invalid_id", "Invalid post ID."))?
        .item;
    for field in ["title", "slug"] {
        let now = match field {
            "title" => title_of(&current),
            _ => stem_of(&current).to_lowercase(),
        };
        if let Some(asked) = args.text(field)?
            && asked.trim() != now.trim()
        {
            return Err(ApiError::invalid_param(
                field,
                format!(
                    "An image's {field} follows its file name and does not change; change its \
                     alt text or caption, or upload it again under another name."
                ),
            ));
        }
    }
    let alt_text = args.string("alt_text")?.unwrap_or(current.alt_text);
    let caption = match args.text("caption")? {
        Some(c) => c,
        None => current.caption,
    };
    let mut credit = None;
    if let Some(meta) = args.object("meta")? {
        for (key, value) in meta {
            match (key.as_str(), value) {
                ("credit", Value::String(s)) => credit = Some(s.clone()),
                ("credit", Value::Null) => credit = Some(String::new()),
                ("credit", _) => {
                    return Err(ApiError::invalid_param(
                        "meta",
                        "meta.credit is not of type string.",
                    ));
                }
                (other, _) => {
                    return Err(ApiError::invalid_param(
                        "meta",
                        format!("meta.{other} is not a field of media."),
                    ));
                }
            }
        }
    }
    let item = crate::actions::media::update_text(
        api.store(),
        me,
        id,
        &alt_text,
        &caption,
        credit.as_deref(),
    )
    .await
    .map_err(|e| refused(e, "rest_cannot_edit"))?;
    let loaded = Loaded::with_files(api.store(), vec![item]).await?;
    Ok(api.editable(loaded.json(&loaded.items[0], &api, Context::View)))
}

/// `DELETE /wp/v2/media/<id>?force=true`: the image and its files, for good (attachments have
/// no trash, so without `force` it is `501 rest_trash_not_supported`, as in WordPress). An
/// image that stories use is refused (`409 rest_media_in_use`, naming how many): the admin's
/// media library deletes it anyway after showing which stories lose it.
pub async fn delete(
    State(state): State<AppState>,
    viewer: super::auth::Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: super::body::Args,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    // Rights before any lookup: who may not change images learns nothing of which exist.
    let me = viewer.may(
        crate::domain::user::Capability::UploadMedia,
        "rest_cannot_delete",
        "Sorry, you are not allowed to delete this post.",
    )?;
    if !args.bool("force")?.unwrap_or(false) {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "The post does not support trashing. Set 'force' to 'true' to delete.",
        ));
    }
    let api = Api::new(&state, q.as_deref()).await?;
    let current = api
        .store()
        .media_item(id)
        .await?
        .ok_or_else(|| ApiError::not_found("rest_post_invalid_id", "Invalid post ID."))?
        .item;
    let loaded = Loaded::with_files(api.store(), vec![current]).await?;
    let previous = loaded.json(&loaded.items[0], &api, Context::View);
    crate::actions::media::delete(api.store(), me, id, false)
        .await
        .map_err(|e| refused(e, "rest_cannot_delete"))?;
    Ok(api.one(json!({ "deleted": true, "previous": previous })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_content_disposition() {
        assert_eq!(
            disposition_file_name(r#"attachment; filename="photo 1.jpg""#).as_deref(),
            Some("photo 1.jpg")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=../../etc/x.png").as_deref(),
            Some("x.png")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=a.jpg; filename*=UTF-8''caf%C3%A9.jpg")
                .as_deref(),
            Some("café.jpg")
        );
        assert_eq!(disposition_file_name("inline"), None);
    }
}
