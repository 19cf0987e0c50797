//! Attachments: images copied into the media library from a local copy of the old site's
//! uploads or downloaded from it, or kept at their old address.

use super::text::*;
use super::*;

use crate::fetch::{Download, FetchError};

/// Where an attachment's file is on the old site.
pub(super) fn file_url(item: &Item) -> String {
    if item.attachment_url.is_empty() {
        item.guid.clone()
    } else {
        item.attachment_url.clone()
    }
}

/// Where an attachment's file would be in the `--uploads` copy (inside it, whatever the export
/// says), when one is given.
fn local_file(item: &Item, url: &str, options: &ImportOptions) -> Option<PathBuf> {
    let dir = options.uploads.as_ref()?;
    let rel = item
        .meta("_wp_attached_file")
        .map(str::to_owned)
        .or_else(|| url.split("/wp-content/uploads/").nth(1).map(str::to_owned))?;
    let p = dir.join(percent_decode(&rel));
    p.starts_with(dir).then_some(p)
}

/// Whether an attachment's file is to be downloaded: `--fetch-media` is on, no earlier import
/// brought the attachment, and the `--uploads` copy (which wins) does not have the file.
pub(super) async fn wants_download(
    tx: &mut Tx,
    item: &Item,
    options: &ImportOptions,
    index: &Index,
) -> Result<bool> {
    if !options.fetch_media
        || local_file(item, &file_url(item), options).is_some_and(|p| p.is_file())
    {
        return Ok(false);
    }
    Ok(index
        .earlier(tx, WordpressKind::Attachment, item.id)
        .await?
        .is_none())
}

/// An attachment: the file copied into the media library from `--uploads` or from
/// `download` (fetched beforehand, outside any transaction), or a library entry pointing at
/// the old site. A download that failed is a warning with its reason.
pub(super) async fn attachment(
    tx: &mut Tx,
    item: &Item,
    options: &ImportOptions,
    download: Option<Result<Download, FetchError>>,
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
    let url = file_url(item);
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
            let file = match (download, local_file(item, &url, options)) {
                (Some(Ok(download)), _) => {
                    let path = url.split(['?', '#']).next().unwrap_or("");
                    let name = percent_decode(path.rsplit('/').next().unwrap_or(""));
                    Some((name, download.bytes))
                }
                (Some(Err(e)), _) => {
                    summary.warn(
                        "image",
                        item.id,
                        format!("{url}: {e}. Kept on the old site."),
                    );
                    None
                }
                (None, Some(p)) => match std::fs::read(&p) {
                    Ok(bytes) => {
                        let name = p
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        Some((name, bytes))
                    }
                    Err(_) => {
                        summary.warn(
                            "image",
                            item.id,
                            format!("{} is not in the uploads copy", p.display()),
                        );
                        None
                    }
                },
                (None, None) => None,
            };
            let processed = match file {
                Some((name, bytes)) => {
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
