//! The media library: uploading images, changing their alt text and caption, deleting them.
//!
//! Authors and up upload; authors change and delete their own uploads, editors and
//! administrators anyone's. An image that stories use is deleted only when asked to be anyway.

use chrono::{DateTime, Utc};

use super::audit::{self, Event};
use super::{ActionError, Actor, Result};
use crate::domain::audit::AuditAction;
use crate::domain::media::{self, Details, DetailsError, UploadError};
use crate::domain::user::{Capability, Staff};
use crate::store::Store;
use crate::store::dialect::Tx;
use crate::store::media::{MediaItem, MediaUse};

impl From<UploadError> for ActionError {
    fn from(e: UploadError) -> ActionError {
        ActionError::invalid("file", e.to_string())
    }
}

impl From<DetailsError> for ActionError {
    fn from(e: DetailsError) -> ActionError {
        let field = match e {
            DetailsError::AltTextTooLong => "alt_text",
            DetailsError::CaptionTooLong => "caption",
            DetailsError::CreditTooLong => "credit",
        };
        ActionError::invalid(field, e.to_string())
    }
}

/// What the newsroom writes about an image: its alt text, caption and photo credit.
#[derive(Debug, Clone, Copy, Default)]
pub struct MediaText<'a> {
    pub alt_text: &'a str,
    pub caption: &'a str,
    pub credit: &'a str,
}

/// Adds an image to the library, with alt text and caption and no credit; see
/// [`upload_described`].
pub async fn upload(
    store: &Store,
    actor: &Staff,
    file_name: &str,
    bytes: Vec<u8>,
    alt_text: &str,
    caption: &str,
    now: DateTime<Utc>,
) -> Result<MediaItem> {
    let text = MediaText {
        alt_text,
        caption,
        credit: "",
    };
    upload_described(store, actor, file_name, bytes, text, now).await
}

/// Adds an image to the library. The file is judged by its content (JPEG, PNG, GIF or WebP;
/// see [`media::process`]), stored without its metadata, with its responsive widths, under a
/// clean file name. Nothing is stored when anything is refused.
pub async fn upload_described(
    store: &Store,
    actor: &Staff,
    file_name: &str,
    bytes: Vec<u8>,
    text: MediaText<'_>,
    now: DateTime<Utc>,
) -> Result<MediaItem> {
    if !actor.can(Capability::UploadMedia) {
        return Err(ActionError::Forbidden(
            "Your role cannot upload images; ask an editor to add it.".into(),
        ));
    }
    let details = Details::with_credit(text.alt_text, text.caption, text.credit)?;
    // Decoding and scaling take a while for large photos: off the async workers, and before
    // the transaction, so writers do not wait for it.
    let name = file_name.to_owned();
    let image = tokio::task::spawn_blocking(move || media::process(&name, &bytes))
        .await
        .unwrap_or_else(|e| {
            // A decoder that panics on a hostile file has not read it.
            tracing::error!(error = %e, "processing an upload failed");
            Err(UploadError::Unreadable)
        })?;
    let mut tx = store.begin().await?;
    let id = Store::insert_media(&mut tx, image, &details, actor.id, now).await?;
    let item = Store::media_item_in(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("The image vanished while it was saved.".into()))?;
    tx.commit().await?;
    Ok(item)
}

/// Adds an image Newsdesk made itself (the demo's illustrations), already processed, inside
/// the caller's transaction, as uploaded by `uploaded_by`.
pub async fn add_processed_in(
    tx: &mut Tx,
    by: Actor<'_>,
    image: media::ProcessedImage,
    text: MediaText<'_>,
    uploaded_by: i64,
    now: DateTime<Utc>,
) -> Result<MediaItem> {
    by.require(Capability::UploadMedia)?;
    let details = Details::with_credit(text.alt_text, text.caption, text.credit)?;
    let id = Store::insert_media(tx, image, &details, uploaded_by, now).await?;
    Store::media_item_in(tx, id).await?.ok_or_else(not_found)
}

/// Changes an item's alt text and caption; its credit stays.
pub async fn update_details(
    store: &Store,
    actor: &Staff,
    id: i64,
    alt_text: &str,
    caption: &str,
) -> Result<MediaItem> {
    update_text(store, actor, id, alt_text, caption, None).await
}

/// Changes an item's alt text, caption and, unless `None`, its credit.
pub async fn update_text(
    store: &Store,
    actor: &Staff,
    id: i64,
    alt_text: &str,
    caption: &str,
    credit: Option<&str>,
) -> Result<MediaItem> {
    let mut tx = store.begin().await?;
    let current = editable(&mut tx, actor, id).await?;
    let details =
        Details::with_credit(alt_text, caption, credit.unwrap_or(current.credit.as_str()))?;
    Store::update_media_details(&mut tx, id, &details).await?;
    let item = Store::media_item_in(&mut tx, id)
        .await?
        .ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(item)
}

/// Deletes an item and its files. While stories use it (as featured image or in their text),
/// it is refused with their number, unless `force`: then the stories lose their featured image
/// and their text keeps an address that no longer answers.
pub async fn delete(store: &Store, actor: &Staff, id: i64, force: bool) -> Result<()> {
    let mut tx = store.begin().await?;
    let item = editable(&mut tx, actor, id).await?;
    // Usage is read now, in the deleting transaction, not when the page was shown.
    let uses: Vec<MediaUse> = Store::media_usage_in(&mut tx, &item).await?;
    if force && !uses.is_empty() && !actor.can(Capability::EditOthers) {
        // Deleting it would change those stories: only someone who may edit any story may.
        return Err(ActionError::Forbidden(
            "Only an editor can delete an image that stories use.".into(),
        ));
    }
    if !force && !uses.is_empty() {
        let n = uses.len();
        return Err(ActionError::Conflict(format!(
            "This image is used by {n} {}; remove it from {} first, or delete it anyway.",
            if n == 1 { "story" } else { "stories" },
            if n == 1 { "that story" } else { "them" },
        )));
    }
    // Pages and avatars use images too: unless asked to, they do not lose one either.
    let (pages, people) = Store::media_other_uses_in(&mut tx, &item).await?;
    if force && (pages > 0 || people > 0) && !actor.can(Capability::EditOthers) {
        return Err(ActionError::Forbidden(
            "Only an editor can delete an image that pages or people use.".into(),
        ));
    }
    if !force && (pages > 0 || people > 0) {
        let mut users = Vec::new();
        if pages > 0 {
            users.push(format!(
                "{pages} {}",
                if pages == 1 { "page" } else { "pages" }
            ));
        }
        if people > 0 {
            users.push(format!(
                "{people} {} as avatar",
                if people == 1 { "person" } else { "people" }
            ));
        }
        return Err(ActionError::Conflict(format!(
            "This image is used by {}; remove it there first.",
            users.join(" and ")
        )));
    }
    Store::delete_media(&mut tx, id).await?;
    let target = format!("image {id} {:?}", item.file_name);
    let detail = if uses.is_empty() {
        String::new()
    } else {
        format!("used by {} stories", uses.len())
    };
    let event = Event::new(AuditAction::MediaDelete, target).detail(detail);
    audit::record(&mut tx, Actor::Staff(actor), event).await?;
    tx.commit().await?;
    Ok(())
}

fn not_found() -> ActionError {
    ActionError::NotFound("There is no such image in the library.".into())
}

/// The item, if it exists and `actor` may change it.
async fn editable(tx: &mut Tx, actor: &Staff, id: i64) -> Result<MediaItem> {
    if !actor.can(Capability::UploadMedia) {
        return Err(ActionError::Forbidden(
            "Your role cannot change images in the library.".into(),
        ));
    }
    let item = Store::media_item_in(tx, id).await?.ok_or_else(not_found)?;
    if !actor.can_edit_media(item.uploaded_by) {
        return Err(ActionError::Forbidden(
            "You can change only the images you uploaded.".into(),
        ));
    }
    Ok(item)
}
