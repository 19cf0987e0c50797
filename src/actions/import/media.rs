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

/// What an earlier import made of an attachment: its library entry and that entry's address
/// (the old one while the file is still on the old site).
async fn earlier(tx: &mut Tx, item: &Item, index: &Index) -> Result<Option<(i64, String)>> {
    let Some(id) = index
        .earlier(tx, WordpressKind::Attachment, item.id)
        .await?
    else {
        return Ok(None);
    };
    let url = Store::media_item_in(tx, id)
        .await?
        .map(|m| m.url)
        .unwrap_or_default();
    Ok(Some((id, url)))
}

/// Whether an attachment's file is to be downloaded: `--fetch-media` is on, its address does
/// not name a kind of file the library does not take (a PDF, a song), the `--uploads` copy
/// (which wins) does not have it, and no earlier import copied it already.
pub(super) async fn wants_download(
    tx: &mut Tx,
    item: &Item,
    options: &ImportOptions,
    index: &Index,
) -> Result<bool> {
    let url = file_url(item);
    let mime = mime_of(&url);
    if !options.fetch_media
        || !(mime.starts_with("image/") || mime == "application/octet-stream")
        || local_file(item, &url, options).is_some_and(|p| p.is_file())
    {
        return Ok(false);
    }
    Ok(match earlier(tx, item, index).await? {
        None => true,
        Some((_, now)) => now == url,
    })
}

/// An attachment: the file copied into the media library from `--uploads` or from
/// `download` (fetched beforehand, outside any transaction), or a library entry pointing at
/// the old site. A download that failed is a warning with its reason. An image an earlier
/// import left on the old site is copied when its file is found this time.
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
    let before = earlier(tx, item, index).await?;
    // Only an image without a copy here looks for its file.
    let wanted = before.as_ref().is_none_or(|(_, was)| *was == url);
    let file = match (
        download,
        wanted.then(|| local_file(item, &url, options)).flatten(),
    ) {
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
            match tokio::task::spawn_blocking(move || crate::domain::media::process(&name, &bytes))
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
    let id = match (before, processed, uploader) {
        (Some((id, _)), processed, _) => {
            if let Some(image) = processed {
                Store::attach_media_files(tx, id, image).await?;
            }
            summary.count("images").updated += 1;
            id
        }
        (None, Some(image), Some(by)) => {
            summary.count("images").created += 1;
            let details = crate::domain::media::Details {
                alt_text: alt.clone(),
                caption: caption.clone(),
                credit: String::new(),
            };
            Store::insert_media(tx, image, &details, by, now).await?
        }
        (None, _, _) => {
            summary.count("images").created += 1;
            Store::insert_remote_media(tx, &url, &alt, &caption, mime_of(&url), uploader, now)
                .await?
        }
    };
    let new_url = Store::media_item_in(tx, id)
        .await?
        .map(|m| m.url)
        .unwrap_or_default();
    Store::put_wordpress_id(tx, WordpressKind::Attachment, item.id, id).await?;
    let remote = new_url == url;
    if remote {
        summary.remote_media.push(url.clone());
    }
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
