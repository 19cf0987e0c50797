//! The media library: uploads and their files (stored in the database, so every node of a
//! PostgreSQL site serves them), the library listing, and which stories use an image.

use chrono::{DateTime, Utc};

use super::dialect::{Conn, Sql, Tx, insert_returning_id};
use super::{Result, Store};
use crate::domain::article::Status;
use crate::domain::media::{Details, ProcessedImage, Variant, file_key, file_path, webp_file_name};

/// A library item as the newsroom sees it. Images added before uploads existed (a URL only)
/// have an empty `file_name` and no files.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MediaItem {
    pub id: i64,
    /// The original's public address.
    pub url: String,
    pub file_name: String,
    pub alt_text: String,
    pub caption: String,
    /// The photo credit ("Photo: Jane Doe / Agency"); may be empty.
    pub credit: String,
    pub mime_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Size of the stored original.
    pub byte_size: i64,
    pub uploaded_by: Option<i64>,
    /// The uploader's display name, while their account exists.
    pub uploader: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One stored file of an upload, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MediaFileInfo {
    pub variant: String,
    pub width: i64,
    pub height: i64,
    pub content_type: String,
    pub byte_size: i64,
}

/// What a feed says of an image it attaches: its type and the byte size of the file at its
/// address (the stored original; 0 for an image added by address only, whose size is unknown).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct EnclosureInfo {
    pub media_id: i64,
    pub mime_type: String,
    pub byte_size: i64,
}

/// A library item with its files, the original first, then the widths from narrowest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MediaDetail {
    pub item: MediaItem,
    pub files: Vec<MediaFileInfo>,
}

/// A file as served.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct MediaFile {
    /// The upload's file name (its WebP copies are served under [`webp_file_name`] of it).
    pub file_name: String,
    pub content_type: String,
    #[serde(deserialize_with = "super::dialect::blob")]
    pub bytes: Vec<u8>,
    /// When its upload was made: with the id and variant, it tells this file from any other
    /// that ever had the same address.
    pub created_at: DateTime<Utc>,
}

/// A file of an image shown on a page, for `srcset`, with what is shown around the image.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ImageVariant {
    pub media_id: i64,
    /// The file's key: `original`, `w640`, or a WebP copy's `original.webp`, `w640.webp`.
    pub variant: String,
    pub width: i64,
    pub height: i64,
    pub file_name: String,
    /// The item's caption and photo credit.
    pub caption: String,
    pub credit: String,
}

impl ImageVariant {
    /// A WebP copy of one of the upload's files.
    pub fn is_webp(&self) -> bool {
        self.variant.ends_with(".webp")
    }

    pub fn url(&self) -> String {
        match self.variant.strip_suffix(".webp") {
            Some(v) => file_path(
                self.media_id,
                Variant::parse(v).unwrap_or(Variant::Original),
                &webp_file_name(&self.file_name),
            ),
            None => file_path(
                self.media_id,
                Variant::parse(&self.variant).unwrap_or(Variant::Original),
                &self.file_name,
            ),
        }
    }
}

/// A story that uses an image: as its featured image, in its body, or both.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MediaUse {
    pub article_id: i64,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub featured: bool,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub in_body: bool,
}

const ITEM_COLUMNS: &str = "SELECT m.id, m.url, m.file_name, m.alt_text, m.caption, m.credit, m.mime_type, \
     CAST(m.width AS BIGINT) AS width, CAST(m.height AS BIGINT) AS height, m.byte_size, \
     m.uploaded_by, u.display_name AS uploader, m.created_at \
     FROM media m LEFT JOIN users u ON u.id = m.uploaded_by";

/// `text` as a `LIKE … ESCAPE '\'` pattern matching itself anywhere.
fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

impl Store {
    /// One page of the library, newest first, optionally only items whose file name, alt text,
    /// caption or credit contain `search` (any case). Ask for one more than a page to learn whether a
    /// next page exists.
    pub async fn media_library(
        &self,
        search: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<MediaItem>> {
        let mut sql = Sql::new(ITEM_COLUMNS);
        let search = search.trim();
        if !search.is_empty() {
            let pattern = contains_pattern(&search.to_lowercase());
            sql.push(" WHERE LOWER(m.file_name) LIKE ")
                .arg(pattern.as_str())
                .push(" ESCAPE '\\' OR LOWER(m.alt_text) LIKE ")
                .arg(pattern.as_str())
                .push(" ESCAPE '\\' OR LOWER(m.caption) LIKE ")
                .arg(pattern.as_str())
                .push(" ESCAPE '\\' OR LOWER(m.credit) LIKE ")
                .arg(pattern)
                .push(" ESCAPE '\\'");
        }
        sql.push(" ORDER BY m.created_at DESC, m.id DESC LIMIT ")
            .arg(i64::from(limit))
            .push(" OFFSET ")
            .arg(i64::from(offset));
        self.conn().fetch_all(sql).await
    }

    /// One library item with its files.
    pub async fn media_item(&self, id: i64) -> Result<Option<MediaDetail>> {
        let mut conn = self.conn();
        let Some(item) = Self::item(&mut conn, id).await? else {
            return Ok(None);
        };
        let files = conn
            .fetch_all(
                Sql::new(
                    "SELECT variant, CAST(width AS BIGINT) AS width, CAST(height AS BIGINT) AS height, \
                     content_type, CAST(LENGTH(bytes) AS BIGINT) AS byte_size FROM media_files \
                     WHERE media_id = $1 \
                     ORDER BY CASE WHEN variant = 'original' THEN 0 ELSE 1 END, width",
                )
                .bind(id),
            )
            .await?;
        Ok(Some(MediaDetail { item, files }))
    }

    async fn item(conn: &mut Conn<'_>, id: i64) -> Result<Option<MediaItem>> {
        let mut sql = Sql::new(ITEM_COLUMNS);
        sql.push(" WHERE m.id = ").arg(id);
        conn.fetch_optional(sql).await
    }

    /// A library item, read inside a write transaction.
    pub(crate) async fn media_item_in(tx: &mut Tx, id: i64) -> Result<Option<MediaItem>> {
        let mut sql = Sql::new(ITEM_COLUMNS);
        sql.push(" WHERE m.id = ").arg(id);
        tx.fetch_optional(sql).await
    }

    /// The file served at `/media/{id}/{variant}/{file_name}`: nothing unless all three match.
    /// A WebP copy's address has the upload's file name with `.webp` for its extension.
    pub async fn media_file(
        &self,
        id: i64,
        variant: Variant,
        file_name: &str,
    ) -> Result<Option<MediaFile>> {
        let webp = file_name.ends_with(".webp");
        let file: Option<MediaFile> = self
            .conn()
            .fetch_optional(
                Sql::new(
                    "SELECT m.file_name, f.content_type, f.bytes, m.created_at FROM media_files f \
                     JOIN media m ON m.id = f.media_id \
                     WHERE f.media_id = $1 AND f.variant = $2",
                )
                .bind(id)
                .bind(file_key(variant, webp)),
            )
            .await?;
        Ok(file.filter(|f| {
            if webp {
                webp_file_name(&f.file_name) == file_name
            } else {
                f.file_name == file_name
            }
        }))
    }

    /// Every stored file of the given images (for `srcset`), in one query; images without
    /// files (added by URL) have none.
    pub async fn image_variants(&self, media_ids: &[i64]) -> Result<Vec<ImageVariant>> {
        if media_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT f.media_id, f.variant, CAST(f.width AS BIGINT) AS width, \
             CAST(f.height AS BIGINT) AS height, m.file_name, m.caption, m.credit \
             FROM media_files f JOIN media m ON m.id = f.media_id WHERE f.media_id IN ",
        );
        sql.arg_list(media_ids)
            .push(" ORDER BY f.media_id, f.width, f.variant");
        self.conn().fetch_all(sql).await
    }

    /// The type and size of each image's original, for feed enclosures, in one query.
    pub async fn enclosures(&self, media_ids: &[i64]) -> Result<Vec<EnclosureInfo>> {
        if media_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT m.id AS media_id, m.mime_type, CAST(m.byte_size AS BIGINT) AS byte_size \
             FROM media m WHERE m.id IN ",
        );
        sql.arg_list(media_ids);
        self.conn().fetch_all(sql).await
    }

    /// The stories using an image: as featured image, or with one of its addresses in the body.
    /// Newest first.
    pub async fn media_usage(&self, id: i64) -> Result<Vec<MediaUse>> {
        let mut conn = self.conn();
        let Some(item) = Self::item(&mut conn, id).await? else {
            return Ok(Vec::new());
        };
        conn.fetch_all(Self::usage_sql(&item)).await
    }

    /// [`Store::media_usage`] inside a write transaction.
    pub(crate) async fn media_usage_in(tx: &mut Tx, item: &MediaItem) -> Result<Vec<MediaUse>> {
        tx.fetch_all(Self::usage_sql(item)).await
    }

    /// How many pages (as featured image or in their text) and people (as avatar) use the
    /// item, read in the deleting transaction.
    pub(crate) async fn media_other_uses_in(tx: &mut Tx, item: &MediaItem) -> Result<(i64, i64)> {
        let pages: i64 = tx
            .scalar(
                Sql::new(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM pages \
                     WHERE featured_image_id = $1 OR body LIKE $2 ESCAPE '\\'",
                )
                .bind(item.id)
                .bind(contains_pattern(&Self::reference(item))),
            )
            .await?;
        let people: i64 = tx
            .scalar(
                Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM users WHERE avatar_id = $1")
                    .bind(item.id),
            )
            .await?;
        Ok((pages, people))
    }

    /// How texts refer to an item: uploads by any of their files' addresses (`/media/ID/…`),
    /// images added by URL by that URL.
    fn reference(item: &MediaItem) -> String {
        if item.file_name.is_empty() {
            item.url.clone()
        } else {
            format!("/media/{}/", item.id)
        }
    }

    /// Bodies are scanned: this is for the newsroom, not for public pages.
    fn usage_sql(item: &MediaItem) -> Sql {
        let reference = Self::reference(item);
        Sql::new(
            "SELECT id AS article_id, title, status, \
             CASE WHEN featured_image_id = $1 THEN TRUE ELSE FALSE END AS featured, \
             CASE WHEN body LIKE $2 ESCAPE '\\' THEN TRUE ELSE FALSE END AS in_body \
             FROM articles WHERE featured_image_id = $1 OR body LIKE $2 ESCAPE '\\' \
             ORDER BY id DESC",
        )
        .bind(item.id)
        .bind(contains_pattern(&reference))
    }

    /// Stores an accepted upload: its library row and every file. The row's `url` is the
    /// original's address, so whatever shows `media.url` shows the upload.
    pub(crate) async fn insert_media(
        tx: &mut Tx,
        image: ProcessedImage,
        details: &Details,
        uploaded_by: i64,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let original = image.original();
        let id = insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO media (url, alt_text, caption, credit, mime_type, width, height, \
                 created_at, file_name, byte_size, uploaded_by) \
                 VALUES ('', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(details.alt_text.as_str())
            .bind(details.caption.as_str())
            .bind(details.credit.as_str())
            .bind(original.format.content_type())
            .bind(i64::from(original.width))
            .bind(i64::from(original.height))
            .bind(now)
            .bind(image.file_name.as_str())
            .bind(original.bytes.len() as i64)
            .bind(uploaded_by),
        )
        .await?;
        tx.execute(
            Sql::new("UPDATE media SET url = $1 WHERE id = $2")
                .bind(file_path(id, Variant::Original, &image.file_name))
                .bind(id),
        )
        .await?;
        Store::insert_media_files(tx, id, image).await?;
        Ok(id)
    }

    /// Gives a library entry that pointed at another site (an imported image left on the old
    /// site, whose file a later import found) the files of `image`: the row then describes
    /// them, and its `url` is the copy's, as if it had been uploaded.
    pub(crate) async fn attach_media_files(
        tx: &mut Tx,
        id: i64,
        image: ProcessedImage,
    ) -> Result<()> {
        let original = image.original();
        tx.execute(
            Sql::new(
                "UPDATE media SET url = $1, mime_type = $2, width = $3, height = $4, \
                 file_name = $5, byte_size = $6 WHERE id = $7",
            )
            .bind(file_path(id, Variant::Original, &image.file_name))
            .bind(original.format.content_type())
            .bind(i64::from(original.width))
            .bind(i64::from(original.height))
            .bind(image.file_name.as_str())
            .bind(original.bytes.len() as i64)
            .bind(id),
        )
        .await?;
        tx.execute(Sql::new("DELETE FROM media_files WHERE media_id = $1").bind(id))
            .await?;
        Store::insert_media_files(tx, id, image).await
    }

    async fn insert_media_files(tx: &mut Tx, id: i64, image: ProcessedImage) -> Result<()> {
        for r in image.renditions {
            tx.execute(
                Sql::new(
                    "INSERT INTO media_files (media_id, variant, width, height, content_type, bytes) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(r.key())
                .bind(i64::from(r.width))
                .bind(i64::from(r.height))
                .bind(r.format.content_type())
                .bind(r.bytes),
            )
            .await?;
        }
        Ok(())
    }

    /// Changes an item's alt text, caption and credit. Returns whether it exists.
    pub(crate) async fn update_media_details(
        tx: &mut Tx,
        id: i64,
        details: &Details,
    ) -> Result<bool> {
        Ok(tx
            .execute(
                Sql::new("UPDATE media SET alt_text = $1, caption = $2, credit = $3 WHERE id = $4")
                    .bind(details.alt_text.as_str())
                    .bind(details.caption.as_str())
                    .bind(details.credit.as_str())
                    .bind(id),
            )
            .await?
            == 1)
    }

    /// Deletes an item and its files; stories that featured it lose their featured image.
    /// Returns whether it existed.
    pub(crate) async fn delete_media(tx: &mut Tx, id: i64) -> Result<bool> {
        Ok(tx
            .execute(Sql::new("DELETE FROM media WHERE id = $1").bind(id))
            .await?
            == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_match_literally() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(contains_pattern("/media/4/"), "%/media/4/%");
    }
}
