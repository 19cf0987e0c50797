//! Attachments: images copied into the media library, or kept at their old address.

use super::text::*;
use super::*;

/// An attachment: the file copied into the media library from `--uploads`, or a library entry
/// pointing at the old site.
pub(super) async fn attachment(
    tx: &mut Tx,
    item: &Item,
    options: &ImportOptions,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let alt = item
        .meta("_wp_attachment_image_alt")
        .unwrap_or("")
        .trim()
        .to_owned();
    let caption = crate::domain::html::decode_entities(&strip_tags(&item.excerpt))
        .trim()
        .to_owned();
    let url = if item.attachment_url.is_empty() {
        item.guid.clone()
    } else {
        item.attachment_url.clone()
    };
    let uploader = index.user(&item.creator);
    let (id, new_url) = match index
        .earlier(tx, WordpressKind::Attachment, item.id)
        .await?
    {
        Some(id) => {
            summary.count("images").updated += 1;
            let url = Store::media_item_in(tx, id)
                .await?
                .map(|m| m.url)
                .unwrap_or_default();
            (id, url)
        }
        None => {
            let local = options.uploads.as_ref().and_then(|dir| {
                let rel = item
                    .meta("_wp_attached_file")
                    .map(str::to_owned)
                    .or_else(|| url.split("/wp-content/uploads/").nth(1).map(str::to_owned))?;
                let p = dir.join(percent_decode(&rel));
                p.starts_with(dir).then_some(p)
            });
            let file = match &local {
                Some(p) => match std::fs::read(p) {
                    Ok(bytes) => Some((p.clone(), bytes)),
                    Err(_) => {
                        summary.warn(
                            "image",
                            item.id,
                            format!("{} is not in the uploads copy", p.display()),
                        );
                        None
                    }
                },
                None => None,
            };
            let processed = match file {
                Some((p, bytes)) => {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    match tokio::task::spawn_blocking(move || {
                        crate::domain::media::process(&name, &bytes)
                    })
                    .await
                    {
                        Ok(Ok(image)) => Some(image),
                        Ok(Err(e)) => {
                            summary.warn(
                                "image",
                                item.id,
                                format!("{url}: {e} Kept on the old site."),
                            );
                            None
                        }
                        Err(_) => {
                            summary.warn(
                                "image",
                                item.id,
                                format!("{url}: could not be read. Kept on the old site."),
                            );
                            None
                        }
                    }
                }
                None => None,
            };
            let id = match (processed, uploader) {
                (Some(image), Some(by)) => {
                    Store::insert_media(tx, image, &alt, &caption, by, now).await?
                }
                _ => {
                    let mime = mime_of(&url);
                    summary.remote_media.push(url.clone());
                    Store::insert_remote_media(tx, &url, &alt, &caption, mime, uploader, now)
                        .await?
                }
            };
            summary.count("images").created += 1;
            let new_url = Store::media_item_in(tx, id)
                .await?
                .map(|m| m.url)
                .unwrap_or_default();
            (id, new_url)
        }
    };
    Store::put_wordpress_id(tx, WordpressKind::Attachment, item.id, id).await?;
    let remote = new_url == url;
    // The old file address redirects to the copy here; an image left on the old site keeps
    // only its attachment page's address (its file's would redirect to itself).
    let olds: &[&String] = if remote {
        &[&item.link]
    } else {
        &[&item.link, &url]
    };
    for old in olds {
        if let Some(path) = index.old_path(old)
            && path != "/"
        {
            Store::put_legacy_url(tx, &path, LegacyTarget::Media, id).await?;
        }
    }
    index
        .media_urls
        .insert(without_scheme(&url).to_owned(), new_url.clone());
    index.media.insert(
        item.id,
        Media {
            id,
            url: new_url,
            alt,
            caption,
            parent: item.parent,
        },
    );
    Ok(())
}

pub(super) fn mime_of(url: &str) -> &'static str {
    let ext = url.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}
