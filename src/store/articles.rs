//! Stories: public reads (single story, lists, related candidates) and inserts.

use chrono::{DateTime, Utc};

use super::dialect::{Conn, Sql, Tx, insert_returning_id};
use super::{Result, Store};
use crate::domain::article::NewArticle;
use crate::domain::slug::Slug;

/// A story row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    pub status: String,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub credit_line: String,
    pub source_agency: String,
    pub source_url: String,
    pub embargo_until: Option<DateTime<Utc>>,
    pub sticky: bool,
    pub comment_status: String,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub comment_count: i64,
}

/// A story in a list: what a teaser needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SummaryRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sticky: bool,
    pub credit_line: String,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub comment_count: i64,
}

/// A byline entry.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuthorRef {
    pub article_id: i64,
    pub display_name: String,
    pub slug: String,
}

/// A section or tag attached to a story. `kind` is `category` or `tag`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TermRef {
    pub article_id: i64,
    pub kind: String,
    pub term_id: i64,
    pub name: String,
    pub slug: String,
}

/// Filters for public story lists. All lists show only published stories whose time has come.
#[derive(Debug, Clone, Default)]
pub struct ArticleQuery {
    /// Stories in any of these sections.
    pub category_ids: Option<Vec<i64>>,
    pub tag_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Published within `[from, to)`.
    pub published_between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Sticky stories first (home page); otherwise newest first.
    pub sticky_first: bool,
    pub exclude_ids: Vec<i64>,
}

const SUMMARY_COLUMNS: &str = "a.id, a.title, a.slug, a.excerpt, a.published_at, a.updated_at, a.sticky, a.credit_line, \
     m.url AS image_url, m.alt_text AS image_alt, \
     (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') AS comment_count";

impl Store {
    pub(crate) fn conn(&self) -> Conn<'_> {
        Conn(&self.db)
    }

    /// A published story by slug, if its publication time has come.
    pub async fn published_article_by_slug(
        &self,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleRow>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT a.id, a.title, a.slug, a.body, a.excerpt, a.status, a.published_at, a.created_at, \
                     a.updated_at, a.credit_line, a.source_agency, a.source_url, a.embargo_until, a.sticky, \
                     a.comment_status, m.url AS image_url, m.alt_text AS image_alt, \
                     (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') AS comment_count \
                     FROM articles a LEFT JOIN media m ON m.id = a.featured_image_id \
                     WHERE a.slug = $1 AND a.status = 'published' AND a.published_at <= $2",
                )
                .bind(slug)
                .bind(now),
            )
            .await
    }

    /// Slug and publication time of a published story by id (for `/?p=ID`).
    pub async fn published_slug_by_id(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, DateTime<Utc>)>> {
        #[derive(sqlx::FromRow)]
        struct Rec {
            slug: String,
            published_at: DateTime<Utc>,
        }
        let r: Option<Rec> = self
            .conn()
            .fetch_optional(
                Sql::new(
                    "SELECT slug, published_at FROM articles \
                     WHERE id = $1 AND status = 'published' AND published_at <= $2",
                )
                .bind(id)
                .bind(now),
            )
            .await?;
        Ok(r.map(|r| (r.slug, r.published_at)))
    }

    fn where_public(sql: &mut Sql, q: &ArticleQuery, now: DateTime<Utc>) {
        sql.push(" FROM articles a LEFT JOIN media m ON m.id = a.featured_image_id WHERE a.status = 'published' AND a.published_at <= ")
            .arg(now);
        if let Some(ids) = &q.category_ids {
            sql.push(" AND a.id IN (SELECT ac.article_id FROM article_categories ac WHERE ac.category_id IN ")
                .arg_list(ids)
                .push(")");
        }
        if let Some(tag) = q.tag_id {
            sql.push(" AND a.id IN (SELECT at.article_id FROM article_tags at WHERE at.tag_id = ")
                .arg(tag)
                .push(")");
        }
        if let Some(author) = q.author_id {
            sql.push(
                " AND a.id IN (SELECT aa.article_id FROM article_authors aa WHERE aa.user_id = ",
            )
            .arg(author)
            .push(")");
        }
        if let Some((from, to)) = q.published_between {
            sql.push(" AND a.published_at >= ")
                .arg(from)
                .push(" AND a.published_at < ")
                .arg(to);
        }
        if !q.exclude_ids.is_empty() {
            sql.push(" AND a.id NOT IN ").arg_list(&q.exclude_ids);
        }
    }

    /// One page of published stories matching the query.
    pub async fn published_list(
        &self,
        q: &ArticleQuery,
        now: DateTime<Utc>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<SummaryRow>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(SUMMARY_COLUMNS);
        Self::where_public(&mut sql, q, now);
        sql.push(if q.sticky_first {
            " ORDER BY a.sticky DESC, a.published_at DESC, a.id DESC"
        } else {
            " ORDER BY a.published_at DESC, a.id DESC"
        });
        sql.push(" LIMIT ")
            .arg(i64::from(limit))
            .push(" OFFSET ")
            .arg(i64::from(offset));
        self.conn().fetch_all(sql).await
    }

    /// How many published stories match the query.
    pub async fn published_count(&self, q: &ArticleQuery, now: DateTime<Utc>) -> Result<i64> {
        let mut sql = Sql::new("SELECT COUNT(*)");
        Self::where_public(&mut sql, q, now);
        self.conn().scalar(sql).await
    }

    /// The newest published stories of each group of sections, `per_group` each, in one round trip,
    /// leaving out `exclude_ids` (stories already shown higher on the page).
    /// Returns `(group index, story)` pairs.
    pub async fn published_by_section_groups(
        &self,
        groups: &[Vec<i64>],
        per_group: u32,
        exclude_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<(usize, SummaryRow)>> {
        #[derive(sqlx::FromRow)]
        struct Rec {
            grp: i64,
            #[sqlx(flatten)]
            row: SummaryRow,
        }
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::default();
        for (i, ids) in groups.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            // Each branch walks the publication index newest-first and stops after `per_group` hits.
            sql.push("SELECT * FROM (SELECT ")
                .arg(i as i64)
                .push(" AS grp, ")
                .push(SUMMARY_COLUMNS);
            let q = ArticleQuery {
                category_ids: Some(ids.clone()),
                exclude_ids: exclude_ids.to_vec(),
                ..Default::default()
            };
            Self::where_public(&mut sql, &q, now);
            sql.push(" ORDER BY a.published_at DESC, a.id DESC LIMIT ")
                .arg(i64::from(per_group))
                .push(") g");
            sql.push(&i.to_string());
        }
        let rows: Vec<Rec> = self.conn().fetch_all(sql).await?;
        Ok(rows.into_iter().map(|r| (r.grp as usize, r.row)).collect())
    }

    /// Published stories by id, in no particular order.
    pub async fn published_by_ids(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<SummaryRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT ");
        sql.push(SUMMARY_COLUMNS);
        Self::where_public(&mut sql, &ArticleQuery::default(), now);
        sql.push(" AND a.id IN ").arg_list(ids);
        self.conn().fetch_all(sql).await
    }

    /// The newest published sticky story.
    pub async fn latest_sticky(&self, now: DateTime<Utc>) -> Result<Option<SummaryRow>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(SUMMARY_COLUMNS);
        Self::where_public(&mut sql, &ArticleQuery::default(), now);
        sql.push(" AND a.sticky = TRUE ORDER BY a.published_at DESC, a.id DESC LIMIT 1");
        self.conn().fetch_optional(sql).await
    }

    /// Bylines of the given stories, in byline order.
    pub async fn authors_of(&self, article_ids: &[i64]) -> Result<Vec<AuthorRef>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT aa.article_id, u.display_name, u.slug FROM article_authors aa \
             JOIN users u ON u.id = aa.user_id WHERE aa.article_id IN ",
        );
        sql.arg_list(article_ids)
            .push(" ORDER BY aa.article_id, aa.position, u.id");
        self.conn().fetch_all(sql).await
    }

    /// Sections (primary first) and tags (by name) of the given stories.
    pub async fn terms_of(&self, article_ids: &[i64]) -> Result<Vec<TermRef>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT * FROM (SELECT ac.article_id, 'category' AS kind, c.id AS term_id, c.name, c.slug, ac.position AS pos \
             FROM article_categories ac JOIN categories c ON c.id = ac.category_id WHERE ac.article_id IN ",
        );
        sql.arg_list(article_ids).push(
            " UNION ALL SELECT at.article_id, 'tag' AS kind, t.id AS term_id, t.name, t.slug, 0 AS pos \
             FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id IN ",
        );
        sql.arg_list(article_ids)
            .push(") terms ORDER BY article_id, kind, pos, name");
        self.conn().fetch_all(sql).await
    }

    /// Published stories that share a section or tag with the story, newest first, plus the
    /// newest stories overall: the candidates the related-stories ranking scores.
    pub async fn related_candidates(
        &self,
        article_id: i64,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<SummaryRow>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(SUMMARY_COLUMNS);
        Self::where_public(
            &mut sql,
            &ArticleQuery {
                exclude_ids: vec![article_id],
                ..Default::default()
            },
            now,
        );
        sql.push(
            " AND (a.id IN (SELECT ac.article_id FROM article_categories ac WHERE ac.category_id IN \
               (SELECT category_id FROM article_categories WHERE article_id = ",
        )
        .arg(article_id)
        .push(")) OR a.id IN (SELECT at.article_id FROM article_tags at WHERE at.tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = ")
        .arg(article_id)
        .push("))) ORDER BY a.published_at DESC, a.id DESC LIMIT ")
        .arg(i64::from(limit));
        self.conn().fetch_all(sql).await
    }

    /// Slugs already taken by `base` or `base-N`, for collision handling.
    pub(crate) async fn article_slugs_like(tx: &mut Tx, base: &Slug) -> Result<Vec<String>> {
        tx.scalars(
            // A range rather than LIKE 'base-%', so both backends use the unique index.
            Sql::new("SELECT slug FROM articles WHERE slug = $1 OR (slug >= $2 AND slug < $3)")
                .bind(base.as_str())
                .bind(format!("{}-", base.as_str()))
                .bind(format!("{}.", base.as_str())),
        )
        .await
    }

    /// Inserts a story with its bylines, sections and tags. The slug must already be free.
    pub(crate) async fn insert_article(
        tx: &mut Tx,
        a: &NewArticle,
        slug: &Slug,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id = insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO articles (title, slug, body, excerpt, status, published_at, created_at, updated_at, \
                 credit_line, source_agency, source_url, embargo_until, featured_image_id, sticky, comment_status) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(a.title.trim())
            .bind(slug.as_str())
            .bind(a.body.as_str())
            .bind(a.excerpt.trim())
            .bind(a.status.as_str())
            .bind(a.published_at)
            .bind(now)
            .bind(a.credit_line.trim())
            .bind(a.source_agency.trim())
            .bind(a.source_url.trim())
            .bind(a.embargo_until)
            .bind(a.featured_image_id)
            .bind(a.sticky)
            .bind(a.comment_status.as_str()),
        )
        .await?;
        for (pos, user_id) in a.author_ids.iter().enumerate() {
            tx.execute(
                Sql::new("INSERT INTO article_authors (article_id, user_id, position) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(*user_id)
                    .bind(pos as i64),
            )
            .await?;
        }
        for (pos, cat) in a.category_ids.iter().enumerate() {
            tx.execute(
                Sql::new("INSERT INTO article_categories (article_id, category_id, position) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(*cat)
                    .bind(pos as i64),
            )
            .await?;
        }
        for tag in &a.tag_ids {
            tx.execute(
                Sql::new("INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(*tag),
            )
            .await?;
        }
        Ok(id)
    }

    /// Moves a story's "last updated" time (e.g. after an edit).
    pub(crate) async fn set_article_updated_at(
        tx: &mut Tx,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE articles SET updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Starts a write transaction; call [`Store::touch`] after committing content changes.
    pub async fn begin(&self) -> Result<Tx> {
        Tx::begin(&self.db).await
    }
}
