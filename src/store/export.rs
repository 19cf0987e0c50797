//! Reads for the WordPress export (`wordpress::export`): the whole site, in batches.
//!
//! Every list is read by key ranges (`id > after ORDER BY id LIMIT n`), never whole, so an
//! export of a large archive holds one batch at a time. No query here reads a password hash,
//! a session or a token: the export is handed to whoever downloads it.

use chrono::{DateTime, Utc};

use super::dialect::Sql;
use super::{Result, Store};
use crate::domain::article::{CommentStatus, Status};
use crate::domain::comment::CommentState;

/// A person, as WordPress's `wp:author` lists them (the sign-in email included: the export is
/// for the site's administrators, as WordPress's is).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportUser {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub display_name: String,
}

/// A section with its parent's slug.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportSection {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_slug: Option<String>,
}

/// A tag.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportTag {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A navigation menu.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportMenu {
    pub id: i64,
    pub location: String,
    pub name: String,
}

/// One entry of a menu, with its menu's location and name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportMenuItem {
    pub id: i64,
    pub location: String,
    pub menu_name: String,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub label: String,
    /// `category`, `page`, `article` or `link`.
    pub kind: String,
    pub target_id: Option<i64>,
    pub url: String,
}

/// An image of the media library.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportMedia {
    pub id: i64,
    pub url: String,
    pub alt_text: String,
    pub caption: String,
    pub mime_type: String,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
    pub uploader: Option<String>,
}

/// A story in any state, with every field the export writes.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportStory {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub credit_line: String,
    pub source_agency: String,
    pub source_url: String,
    pub embargo_until: Option<DateTime<Utc>>,
    pub featured_image_id: Option<i64>,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub sticky: bool,
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
    pub password: String,
}

/// A section or tag of a story: `taxonomy` is `category` or `post_tag`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportStoryTerm {
    pub article_id: i64,
    pub taxonomy: String,
    pub slug: String,
    pub name: String,
}

/// A byline of a story, in byline order.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportByline {
    pub article_id: i64,
    pub login: String,
}

/// A static page in any state.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportPage {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub parent_id: Option<i64>,
    pub menu_order: i64,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub featured_image_id: Option<i64>,
    pub password: String,
    /// `open` or `closed`.
    pub comment_status: String,
}

/// A page's place in the tree, for its address.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportPageNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
}

/// A reader's (or staff member's) comment in any state.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ExportComment {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    pub author_ip: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: CommentState,
    pub created_at: DateTime<Utc>,
}

/// The highest ids, from which the export's id offsets are chosen.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, serde::Deserialize)]
pub struct ExportCeilings {
    /// Highest id of stories, pages, images and menu entries.
    pub posts: i64,
    /// Highest id of sections, tags and menus.
    pub terms: i64,
}

impl Store {
    /// The highest ids the export has to keep apart (0 for an empty site).
    pub async fn export_ceilings(&self) -> Result<ExportCeilings> {
        let max =
            |table: &str| format!("(SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table})");
        let greatest = |tables: &[&str]| {
            // MAX over a UNION ALL: GREATEST does not exist on SQLite, MAX(a, b) not on PostgreSQL.
            let parts: Vec<String> = tables
                .iter()
                .map(|t| format!("SELECT {} AS m", max(t)))
                .collect();
            format!("(SELECT MAX(m) FROM ({}) x)", parts.join(" UNION ALL "))
        };
        let text = format!(
            "SELECT CAST({} AS BIGINT) AS posts, CAST({} AS BIGINT) AS terms",
            greatest(&["articles", "pages", "media", "menu_items"]),
            greatest(&["categories", "tags", "menus"]),
        );
        Ok(self
            .conn()
            .fetch_optional(Sql::new(&text))
            .await?
            .unwrap_or_default())
    }

    /// People with ids above `after`, by id.
    pub async fn export_users(&self, after: i64, limit: i64) -> Result<Vec<ExportUser>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, login, email, display_name FROM users \
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// Sections with ids above `after`, by id.
    pub async fn export_sections(&self, after: i64, limit: i64) -> Result<Vec<ExportSection>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT c.id, c.slug, c.name, c.description, p.slug AS parent_slug \
                     FROM categories c LEFT JOIN categories p ON p.id = c.parent_id \
                     WHERE c.id > $1 ORDER BY c.id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// Tags with ids above `after`, by id.
    pub async fn export_tags(&self, after: i64, limit: i64) -> Result<Vec<ExportTag>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, slug, name, description FROM tags \
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// Menus with ids above `after`, by id.
    pub async fn export_menus(&self, after: i64, limit: i64) -> Result<Vec<ExportMenu>> {
        self.conn()
            .fetch_all(
                Sql::new("SELECT id, location, name FROM menus WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(limit),
            )
            .await
    }

    /// Menu entries with ids above `after`, by id.
    pub async fn export_menu_items(&self, after: i64, limit: i64) -> Result<Vec<ExportMenuItem>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT i.id, m.location, m.name AS menu_name, i.parent_id, \
                     CAST(i.position AS BIGINT) AS position, i.label, i.kind, i.target_id, i.url \
                     FROM menu_items i JOIN menus m ON m.id = i.menu_id \
                     WHERE i.id > $1 ORDER BY i.id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// Images with ids above `after`, by id, with the login of who uploaded them.
    pub async fn export_media(&self, after: i64, limit: i64) -> Result<Vec<ExportMedia>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT m.id, m.url, m.alt_text, m.caption, m.mime_type, m.file_name, \
                     m.created_at, u.login AS uploader \
                     FROM media m LEFT JOIN users u ON u.id = m.uploaded_by \
                     WHERE m.id > $1 ORDER BY m.id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// Stories in every state with ids above `after`, by id.
    pub async fn export_stories(&self, after: i64, limit: i64) -> Result<Vec<ExportStory>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, title, slug, body, excerpt, status, published_at, created_at, \
                     updated_at, credit_line, source_agency, source_url, embargo_until, \
                     featured_image_id, sticky, comment_status, password \
                     FROM articles WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// The sections (in their order) and tags of these stories.
    pub async fn export_story_terms(&self, ids: &[i64]) -> Result<Vec<ExportStoryTerm>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT ac.article_id, 'category' AS taxonomy, c.slug, c.name, \
             CAST(ac.position AS BIGINT) AS ord \
             FROM article_categories ac JOIN categories c ON c.id = ac.category_id \
             WHERE ac.article_id IN ",
        );
        sql.arg_list(ids).push(
            " UNION ALL SELECT at.article_id, 'post_tag' AS taxonomy, t.slug, t.name, \
             CAST(0 AS BIGINT) AS ord \
             FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id IN ",
        );
        sql.arg_list(ids)
            .push(" ORDER BY article_id, taxonomy, ord, slug");
        self.conn().fetch_all(sql).await
    }

    /// The bylines of these stories, in byline order.
    pub async fn export_bylines(&self, ids: &[i64]) -> Result<Vec<ExportByline>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT aa.article_id, u.login FROM article_authors aa \
             JOIN users u ON u.id = aa.user_id WHERE aa.article_id IN ",
        );
        sql.arg_list(ids)
            .push(" ORDER BY aa.article_id, aa.position, u.id");
        self.conn().fetch_all(sql).await
    }

    /// Up to `limit` comments of these stories after the comment `after` (story id, comment
    /// id), by story and then by id, so that a story's discussion is read in pieces too.
    pub async fn export_comments(
        &self,
        ids: &[i64],
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<ExportComment>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT id, article_id, parent_id, user_id, author_name, author_email, author_url, \
             author_ip, body, status, created_at FROM comments WHERE article_id IN ",
        );
        sql.arg_list(ids)
            .push(" AND (article_id > ")
            .arg(after.0)
            .push(" OR (article_id = ")
            .arg(after.0)
            .push(" AND id > ")
            .arg(after.1)
            .push(")) ORDER BY article_id, id LIMIT ")
            .arg(limit);
        self.conn().fetch_all(sql).await
    }

    /// Every comment on a page, by id (`article_id` holds the page's id). A page's discussion
    /// is read whole: pages are few and so are their comments.
    pub async fn export_page_comments(&self, page_id: i64) -> Result<Vec<ExportComment>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT id, page_id AS article_id, parent_id, user_id, author_name, author_email, \
                     author_url, author_ip, body, status, created_at FROM comments \
                     WHERE page_id = $1 ORDER BY id",
                )
                .bind(page_id),
            )
            .await
    }

    /// Static pages in every state with ids above `after`, by id.
    pub async fn export_pages(&self, after: i64, limit: i64) -> Result<Vec<ExportPage>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT p.id, p.title, p.slug, p.body, p.excerpt, p.status, p.parent_id, \
                     CAST(p.menu_order AS BIGINT) AS menu_order, u.login AS author, \
                     p.published_at, p.created_at, p.updated_at, p.featured_image_id, p.password, \
                     p.comment_status FROM pages p LEFT JOIN users u ON u.id = p.author_id \
                     WHERE p.id > $1 ORDER BY p.id LIMIT $2",
                )
                .bind(after)
                .bind(limit),
            )
            .await
    }

    /// Every page's place in the tree (three short columns a page; sites have few pages),
    /// to write each page's address under its parents.
    pub async fn export_page_nodes(&self) -> Result<Vec<ExportPageNode>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT id, parent_id, slug FROM pages ORDER BY id",
            ))
            .await
    }
}
