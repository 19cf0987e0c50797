//! Static pages ("About us", "Corrections policy"): the public read by address, and the
//! newsroom's view (every state, the list's filters, the tree of parents).

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};
use crate::domain::article::{CommentStatus, Status};

/// A published static page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PageRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    pub parent_id: Option<i64>,
    pub featured_image_id: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// WordPress's post password: when not empty, readers must give it to see the text.
    pub password: String,
    /// Whether readers may comment on the page (as on a story).
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
}

/// What the public reads of a published page; the caller appends the condition.
const PAGE_ROW_SELECT: &str = "SELECT id, title, slug, body, excerpt, parent_id, featured_image_id, \
     published_at, updated_at, password, comment_status FROM pages WHERE status = 'published' AND ";

/// Everything the editor shows about a page, in any state.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PageRecord {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub parent_id: Option<i64>,
    pub menu_order: i32,
    pub featured_image_id: Option<i64>,
    pub author_id: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// WordPress's post password (empty: not protected).
    pub password: String,
    /// Which write of the page this is (see `store::versions`).
    pub version: i64,
    /// Whether readers may comment on the page.
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
}

/// A page's place in the tree: enough to build addresses and check parents.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PageNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub title: String,
    pub slug: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub menu_order: i32,
}

/// The editable columns of a page, already checked.
#[derive(Debug, Clone)]
pub struct PageColumns<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub body: &'a str,
    pub excerpt: &'a str,
    pub parent_id: Option<i64>,
    pub menu_order: i32,
    pub featured_image_id: Option<i64>,
    /// Readers must give it to see the text; empty: not protected.
    pub password: &'a str,
}

/// Filters of the newsroom's page list.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    /// `None`: every state but the trash.
    pub status: Option<Status>,
    /// Words that must all appear in the title.
    pub words: Vec<String>,
    pub offset: u32,
    pub limit: u32,
}

/// A row of the page list.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PageListRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub parent_id: Option<i64>,
    pub menu_order: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Password-protected ("Password protected" in the list).
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub protected: bool,
}

const RECORD_COLUMNS: &str = "id, title, slug, body, excerpt, status, parent_id, menu_order, \
     featured_image_id, author_id, published_at, created_at, updated_at, password, version, comment_status";

/// The address of a page from its trail of ancestors (root first): `/about/team/`.
pub fn page_path<'a>(slugs: impl IntoIterator<Item = &'a str>) -> String {
    let mut path = String::from("/");
    for slug in slugs {
        path.push_str(slug);
        path.push('/');
    }
    path
}

/// The trail from the root down to `id` in a list of nodes (cut at 20 levels, and at any
/// loop, though the actions never let one be made).
pub fn trail_of(nodes: &[PageNode], id: i64) -> Vec<&PageNode> {
    let mut trail = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next {
        let Some(node) = nodes.iter().find(|n| n.id == id) else {
            break;
        };
        if trail.len() >= 20 || trail.iter().any(|n: &&PageNode| n.id == id) {
            break;
        }
        trail.push(node);
        next = node.parent_id;
    }
    trail.reverse();
    trail
}

impl Store {
    /// A published page by its own slug (the last segment of its address).
    pub async fn published_page_by_slug(&self, slug: &str) -> Result<Option<PageRow>> {
        let mut sql = Sql::new(PAGE_ROW_SELECT);
        sql.push("slug = ").arg(slug);
        self.conn().fetch_optional(sql).await
    }

    /// A published page by id (the password form names the page it unlocks by id).
    pub async fn published_page_by_id(&self, id: i64) -> Result<Option<PageRow>> {
        let mut sql = Sql::new(PAGE_ROW_SELECT);
        sql.push("id = ").arg(id);
        self.conn().fetch_optional(sql).await
    }

    /// A published page's id by id (for `/?page_id=ID`).
    pub async fn published_page_exists_by_id(&self, id: i64) -> Result<bool> {
        let v: Vec<i64> = self
            .conn()
            .scalars(
                Sql::new("SELECT id FROM pages WHERE id = $1 AND status = 'published'").bind(id),
            )
            .await?;
        Ok(!v.is_empty())
    }

    /// The page and its ancestors, root first: titles and slugs for its address and
    /// breadcrumbs.
    pub async fn page_trail(&self, id: i64) -> Result<Vec<PageNode>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "WITH RECURSIVE up (id, parent_id, title, slug, status, menu_order, depth) AS ( \
                       SELECT id, parent_id, title, slug, status, menu_order, 0 FROM pages WHERE id = $1 \
                       UNION ALL \
                       SELECT p.id, p.parent_id, p.title, p.slug, p.status, p.menu_order, up.depth + 1 \
                       FROM pages p JOIN up ON p.id = up.parent_id WHERE up.depth < 20) \
                     SELECT id, parent_id, title, slug, status, menu_order FROM up ORDER BY depth DESC",
                )
                .bind(id),
            )
            .await
    }

    /// The address of a page, with its parents: `/about/team/`.
    pub async fn page_url(&self, id: i64) -> Result<String> {
        let trail = self.page_trail(id).await?;
        Ok(page_path(trail.iter().map(|n| n.slug.as_str())))
    }

    /// Every page but those in the trash, for the parent menu and addresses.
    pub async fn page_nodes(&self) -> Result<Vec<PageNode>> {
        self.conn()
            .fetch_all(Sql::new(
                "SELECT id, parent_id, title, slug, status, menu_order FROM pages \
                 WHERE status <> 'trash' ORDER BY menu_order, LOWER(title), id",
            ))
            .await
    }

    /// Every page's place in the tree, read in the writer's transaction.
    pub(crate) async fn page_nodes_in(tx: &mut Tx) -> Result<Vec<PageNode>> {
        tx.fetch_all(Sql::new(
            "SELECT id, parent_id, title, slug, status, menu_order FROM pages",
        ))
        .await
    }

    /// A page in any state.
    pub async fn page(&self, id: i64) -> Result<Option<PageRecord>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!("SELECT {RECORD_COLUMNS} FROM pages WHERE id = $1")).bind(id),
            )
            .await
    }

    /// A page in any state, read in the writer's transaction (locked on PostgreSQL).
    pub(crate) async fn page_in(tx: &mut Tx, id: i64) -> Result<Option<PageRecord>> {
        let lock = super::dialect::for_update(tx);
        tx.fetch_optional(
            Sql::new(&format!(
                "SELECT {RECORD_COLUMNS} FROM pages WHERE id = $1{lock}"
            ))
            .bind(id),
        )
        .await
    }

    /// Inserts a draft page; its state is set afterwards by [`Store::set_page_status`].
    pub(crate) async fn insert_page(
        tx: &mut Tx,
        c: &PageColumns<'_>,
        author_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id = insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO pages (title, slug, status, author_id, created_at, updated_at) \
                 VALUES ($1, $2, 'draft', $3, $4, $4) RETURNING id",
            )
            .bind(c.title)
            .bind(c.slug)
            .bind(author_id)
            .bind(now),
        )
        .await?;
        Store::write_page(tx, id, c, now).await?;
        Ok(id)
    }

    /// Writes every editable column of a page.
    pub(crate) async fn write_page(
        tx: &mut Tx,
        id: i64,
        c: &PageColumns<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "UPDATE pages SET title = $1, slug = $2, body = $3, excerpt = $4, parent_id = $5, \
                 menu_order = $6, featured_image_id = $7, updated_at = $8, password = $9 WHERE id = $10",
            )
            .bind(c.title)
            .bind(c.slug)
            .bind(c.body)
            .bind(c.excerpt)
            .bind(c.parent_id)
            .bind(i64::from(c.menu_order))
            .bind(c.featured_image_id)
            .bind(now)
            .bind(c.password)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn set_page_status(
        tx: &mut Tx,
        id: i64,
        status: Status,
        published_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE pages SET status = $1, published_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(published_at)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Opens or closes a page's comments.
    pub(crate) async fn set_page_comment_status(
        tx: &mut Tx,
        id: i64,
        status: CommentStatus,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE pages SET comment_status = $1 WHERE id = $2")
                .bind(status.as_str())
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Deletes a page for good; its children move up to its parent, its revisions go with it.
    pub(crate) async fn delete_page(tx: &mut Tx, id: i64) -> Result<bool> {
        tx.execute(
            Sql::new(
                "UPDATE pages SET parent_id = (SELECT p.parent_id FROM pages p WHERE p.id = $1) \
                 WHERE parent_id = $1",
            )
            .bind(id),
        )
        .await?;
        Ok(tx
            .execute(Sql::new("DELETE FROM pages WHERE id = $1").bind(id))
            .await?
            > 0)
    }

    /// The page list's page of rows and the total matching.
    pub async fn page_list(&self, q: &PageQuery) -> Result<(Vec<PageListRow>, i64)> {
        let mut filter = Sql::new(" FROM pages p WHERE 1 = 1");
        match q.status {
            Some(s) => {
                filter.push(" AND p.status = ").arg(s.as_str());
            }
            None => {
                filter.push(" AND p.status <> 'trash'");
            }
        }
        for w in q.words.iter().take(8) {
            filter
                .push(" AND LOWER(p.title) LIKE ")
                .arg(super::dialect::like_pattern(&w.to_lowercase()))
                .push(" ESCAPE '\\'");
        }
        let mut count = Sql::new("SELECT COUNT(*)");
        count.text.push_str(&filter.text);
        count.args = filter.args.clone();
        let total: i64 = self.conn().scalar(count).await?;
        let mut sql = Sql::new(
            "SELECT p.id, p.title, p.slug, p.status, p.parent_id, p.menu_order, p.published_at, p.updated_at, \
             (p.password <> '') AS protected",
        );
        sql.text.push_str(&filter.text);
        sql.args = filter.args;
        sql.push(" ORDER BY p.menu_order, LOWER(p.title), p.id LIMIT ")
            .arg(i64::from(q.limit))
            .push(" OFFSET ")
            .arg(i64::from(q.offset));
        Ok((self.conn().fetch_all(sql).await?, total))
    }

    /// How many pages are in each state.
    pub async fn page_counts(&self) -> Result<Vec<(String, i64)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            status: String,
            n: i64,
        }
        let rows: Vec<Rec> = self
            .conn()
            .fetch_all(Sql::new(
                "SELECT status, COUNT(*) AS n FROM pages GROUP BY status",
            ))
            .await?;
        Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
    }
}
