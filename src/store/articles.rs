//! Stories: public reads (single story, lists, related candidates) and writes. Every write that
//! changes what search sees re-indexes the story in the same transaction.

use chrono::{DateTime, Utc};

use super::dialect::{Arg, Conn, Sql, Tx, rows_per_statement};
use super::search::IndexDoc;
use super::{Result, Store};
use crate::domain::article::{CommentStatus, NewArticle, Status};
use crate::domain::slug::Slug;

/// A story row as stored.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ArticleRow {
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
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub sticky: bool,
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
    /// The featured image's library id.
    pub image_id: Option<i64>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub comment_count: i64,
    /// WordPress's post password: when not empty, readers must give it to see the text.
    pub password: String,
}

/// A story in a list: what a teaser needs.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SummaryRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub excerpt: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub sticky: bool,
    pub credit_line: String,
    /// The featured image's library id.
    pub image_id: Option<i64>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub comment_count: i64,
    /// Password-protected: the list shows its title, never its text.
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub protected: bool,
}

/// A byline entry.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AuthorRef {
    pub article_id: i64,
    pub display_name: String,
    pub slug: String,
}

/// A section or tag attached to a story. `kind` is `category` or `tag`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct TermRef {
    pub article_id: i64,
    pub kind: String,
    pub term_id: i64,
    pub name: String,
    pub slug: String,
}

/// What a story page shows besides the story's row (see [`Store::story_parts`]).
#[derive(Debug, Clone, Default)]
pub struct StoryParts {
    pub terms: Vec<TermRef>,
    pub authors: Vec<super::users::AuthorProfile>,
    pub comments: Vec<super::comments::PublicComment>,
    pub images: Vec<super::media::ImageVariant>,
}

/// [`StoryParts`] as the database sends them: a JSON array each.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct PartsRow {
    sections: String,
    tags: String,
    authors: String,
    comments: String,
    images: String,
}

/// An array of one JSON object per row, with `fields` (name, SQL expression), ordered by
/// `order`, as text (`[]` for no rows), in each database's words.
fn json_array(backend: super::Backend, fields: &[(&str, &str)], order: &str) -> String {
    let (aggregate, object, as_text) = match backend {
        super::Backend::Sqlite => ("json_group_array", "json_object", ""),
        super::Backend::Postgres => ("json_agg", "json_build_object", "::text"),
    };
    let fields = fields
        .iter()
        .map(|(name, expr)| format!("'{name}', {expr}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("COALESCE({aggregate}({object}({fields}) ORDER BY {order}){as_text}, '[]')")
}

/// A value the database sent that does not read as expected.
fn decode_error(e: impl std::fmt::Display) -> super::StoreError {
    super::StoreError::Database(sqlx::Error::Decode(e.to_string().into()))
}

/// What a JSON text the database built holds.
fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(decode_error)
}

/// A section or tag id attached to a story. `kind` is `category` or `tag`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct TermId {
    pub article_id: i64,
    pub kind: String,
    pub term_id: i64,
}

/// Filters for public story lists. All lists show only published stories whose time has come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
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

/// A password-protected story's standfirst never leaves the store in a list (WordPress shows
/// no excerpt of it anywhere); `protected` says why it is empty.
const SUMMARY_COLUMNS: &str = "a.id, a.title, a.slug, \
     CASE WHEN a.password = '' THEN a.excerpt ELSE '' END AS excerpt, (a.password <> '') AS protected, a.published_at, a.updated_at, a.sticky, a.credit_line, \
     a.featured_image_id AS image_id, (SELECT m.url FROM media m WHERE m.id = a.featured_image_id) AS image_url, \
     (SELECT m.alt_text FROM media m WHERE m.id = a.featured_image_id) AS image_alt, \
     (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') AS comment_count";

/// Reads an [`ArticleRow`]; the caller appends the condition.
pub(super) const ARTICLE_SELECT: &str = "SELECT a.id, a.title, a.slug, a.body, a.excerpt, a.status, a.published_at, a.created_at, \
     a.updated_at, a.credit_line, a.source_agency, a.source_url, a.embargo_until, a.sticky, \
     a.comment_status, a.featured_image_id AS image_id, m.url AS image_url, m.alt_text AS image_alt, \
     (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') AS comment_count, \
     a.password FROM articles a LEFT JOIN media m ON m.id = a.featured_image_id WHERE ";

impl Store {
    pub(crate) fn conn(&self) -> Conn<'_> {
        Conn {
            db: &self.db,
            reader: self.reader.as_deref(),
        }
    }

    /// A published story by slug, if its publication time has come.
    pub async fn published_article_by_slug(
        &self,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleRow>> {
        self.published_article("a.slug", slug.into(), now).await
    }

    /// A published story by id, if its publication time has come.
    pub async fn published_article_by_id(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleRow>> {
        self.published_article("a.id", id.into(), now).await
    }

    async fn published_article(
        &self,
        key: &str,
        value: Arg,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleRow>> {
        let mut sql = Sql::new(ARTICLE_SELECT);
        sql.push(key)
            .push(" = ")
            .arg(value)
            .push(" AND a.status = 'published' AND a.published_at <= ")
            .arg(now);
        self.conn().fetch_optional(sql).await
    }

    /// Slug and publication time of a published story by id (for `/?p=ID`).
    pub async fn published_slug_by_id(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, DateTime<Utc>)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
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

    /// `FROM … WHERE` of every public list: published stories whose time has come, matching `q`.
    ///
    /// A list filtered by exactly one section set, tag or author is driven by that relation's
    /// listing index (`category_id, published_at DESC`): each branch walks it newest-first and
    /// stops after `depth` stories, so a page costs the same in a 1,000,000-story archive as in a
    /// 100-story one. Other combinations filter without that bound.
    fn where_public(sql: &mut Sql, q: &ArticleQuery, now: DateTime<Utc>, depth: Option<u32>) {
        // No join here: a join makes SQLite give up the front-page index and sort every story.
        sql.push(" FROM articles a WHERE a.status = 'published' AND a.published_at <= ")
            .arg(now);
        let relations = usize::from(q.category_ids.is_some())
            + usize::from(q.tag_id.is_some())
            + usize::from(q.author_id.is_some());
        let bounded = relations == 1 && q.published_between.is_none();
        let depth = depth
            .filter(|_| bounded)
            .map(|d| i64::from(d) + q.exclude_ids.len() as i64);
        if let Some(ids) = &q.category_ids {
            let branches: Vec<(&str, &str, i64)> = ids
                .iter()
                .map(|id| ("article_categories", "category_id", *id))
                .collect();
            Self::push_relation(sql, &branches, now, depth);
        }
        if let Some(tag) = q.tag_id {
            Self::push_relation(sql, &[("article_tags", "tag_id", tag)], now, depth);
        }
        if let Some(author) = q.author_id {
            Self::push_relation(sql, &[("article_authors", "user_id", author)], now, depth);
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

    /// ` AND a.id IN (…)` over relation rows `(table, column, value)`, each branch newest-first
    /// and, with a depth, limited to that many stories.
    ///
    /// `CROSS JOIN` makes SQLite walk the relation's listing index first, whatever its
    /// statistics say about `articles.status` (PostgreSQL plans it as the inner join it is).
    fn push_relation(
        sql: &mut Sql,
        branches: &[(&str, &str, i64)],
        now: DateTime<Utc>,
        depth: Option<i64>,
    ) {
        sql.push(" AND a.id IN (");
        if branches.is_empty() {
            sql.push("NULL");
        }
        for (i, (table, column, value)) in branches.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT article_id FROM (SELECT r.article_id FROM ")
                .push(table)
                .push(" r CROSS JOIN articles x WHERE x.id = r.article_id AND r.")
                .push(column)
                .push(" = ")
                .arg(*value)
                .push(" AND r.published_at <= ")
                .arg(now)
                .push(
                    " AND x.status = 'published' ORDER BY r.published_at DESC, r.article_id DESC",
                );
            if let Some(depth) = depth {
                sql.push(" LIMIT ").arg(depth);
            }
            sql.push(") b").push(&i.to_string());
        }
        sql.push(")");
    }

    /// One page of published stories matching the query, newest first (sticky first if asked).
    /// Ask for one more than a page to learn whether a next page exists.
    pub async fn published_list(
        &self,
        q: &ArticleQuery,
        now: DateTime<Utc>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<SummaryRow>> {
        let mut sql = Sql::default();
        if q.sticky_first {
            // Sticky and other stories each walk the front-page index (status, sticky,
            // published_at) newest-first; merging the two short lists is cheap.
            sql.push("SELECT * FROM (");
            for (i, sticky) in ["TRUE", "FALSE"].into_iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("SELECT * FROM (SELECT ").push(SUMMARY_COLUMNS);
                Self::where_public(&mut sql, q, now, Some(offset + limit));
                sql.push(" AND a.sticky = ")
                    .push(sticky)
                    .push(" ORDER BY a.published_at DESC, a.id DESC LIMIT ")
                    .arg(i64::from(offset + limit))
                    .push(") s")
                    .push(&i.to_string());
            }
            sql.push(") front ORDER BY sticky DESC, published_at DESC, id DESC");
        } else {
            sql.push("SELECT ").push(SUMMARY_COLUMNS);
            Self::where_public(&mut sql, q, now, Some(offset + limit));
            sql.push(" ORDER BY a.published_at DESC, a.id DESC");
        }
        sql.push(" LIMIT ")
            .arg(i64::from(limit))
            .push(" OFFSET ")
            .arg(i64::from(offset));
        self.conn().fetch_all(sql).await
    }

    /// The bodies of stories by id (feeds carry them in full; search cuts snippets from them).
    pub async fn bodies_of(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            id: i64,
            body: String,
        }
        if ids.is_empty() {
            return Ok(Default::default());
        }
        // Password-protected stories' text stays out of feeds and search snippets.
        let mut sql = Sql::new("SELECT id, body FROM articles WHERE password = '' AND id IN ");
        sql.arg_list(ids);
        let rows: Vec<Rec> = self.conn().fetch_all(sql).await?;
        Ok(rows.into_iter().map(|r| (r.id, r.body)).collect())
    }

    /// The newest published stories of each group of sections, `per_group` each, in one round trip,
    /// leaving out `exclude_ids` (stories already shown higher on the page).
    pub async fn published_by_section_groups(
        &self,
        groups: &[Vec<i64>],
        per_group: u32,
        exclude_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<(usize, SummaryRow)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            grp: i64,
            #[sqlx(flatten)]
            #[serde(flatten)]
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
            sql.push("SELECT * FROM (SELECT ")
                .arg(i as i64)
                .push(" AS grp, ")
                .push(SUMMARY_COLUMNS);
            let q = ArticleQuery {
                category_ids: Some(ids.clone()),
                exclude_ids: exclude_ids.to_vec(),
                ..Default::default()
            };
            Self::where_public(&mut sql, &q, now, Some(per_group));
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
        Self::where_public(&mut sql, &ArticleQuery::default(), now, None);
        sql.push(" AND a.id IN ").arg_list(ids);
        self.conn().fetch_all(sql).await
    }

    /// The newest published sticky story.
    pub async fn latest_sticky(&self, now: DateTime<Utc>) -> Result<Option<SummaryRow>> {
        let mut sql = Sql::new("SELECT ");
        sql.push(SUMMARY_COLUMNS);
        Self::where_public(&mut sql, &ArticleQuery::default(), now, None);
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

    /// What a story page shows of a story besides its row, in one query: its sections and tags
    /// (as [`Store::terms_of`] orders them), its bylines in order with what the byline box
    /// shows of each author (bio and avatar), its comments as [`Store::visible_comments`] reads
    /// them (none unless `with_comments`), and the files of `images`
    /// ([`Store::image_variants`]). The database builds each as a JSON array, so the page costs
    /// two round trips (the story, then this) instead of five; on PostgreSQL each is a trip to
    /// another process.
    pub async fn story_parts(
        &self,
        article_id: i64,
        with_comments: bool,
        own: &[(i64, String)],
        images: &[i64],
    ) -> Result<StoryParts> {
        let backend = self.backend();
        let term = |kind: &str, table: &str, alias: &str| {
            json_array(
                backend,
                &[
                    ("article_id", "j.article_id"),
                    ("kind", &format!("CAST('{kind}' AS TEXT)")),
                    ("term_id", &format!("{alias}.id")),
                    ("name", &format!("{alias}.name")),
                    ("slug", &format!("{alias}.slug")),
                ],
                &if kind == "category" {
                    format!("j.position, {alias}.name")
                } else {
                    format!("{alias}.name")
                },
            ) + &format!(" FROM {table} {alias} JOIN ")
        };
        let mut sql = Sql::new("SELECT (SELECT ");
        sql.push(&term("category", "categories", "c"))
            .push("article_categories j ON j.category_id = c.id WHERE j.article_id = ")
            .arg(article_id)
            .push(") AS sections, (SELECT ")
            .push(&term("tag", "tags", "t"))
            .push("article_tags j ON j.tag_id = t.id WHERE j.article_id = ")
            .arg(article_id)
            .push(") AS tags, (SELECT ")
            .push(&json_array(
                backend,
                &[
                    ("id", "u.id"),
                    ("display_name", "u.display_name"),
                    ("slug", "u.slug"),
                    ("bio", "u.bio"),
                    ("public_email", "u.public_email"),
                    ("avatar_id", "av.id"),
                    ("avatar_url", "av.url"),
                    ("avatar_alt", "av.alt_text"),
                    ("avatar_width", "CAST(av.width AS BIGINT)"),
                    ("avatar_height", "CAST(av.height AS BIGINT)"),
                ],
                "aa.position, u.id",
            ))
            .push(
                " FROM article_authors aa JOIN users u ON u.id = aa.user_id \
                 LEFT JOIN media av ON av.id = u.avatar_id WHERE aa.article_id = ",
            )
            .arg(article_id)
            .push(") AS authors, (SELECT ")
            .push(&json_array(
                backend,
                &[
                    ("id", "id"),
                    ("parent_id", "parent_id"),
                    ("author_name", "author_name"),
                    ("author_url", "author_url"),
                    ("body", "body"),
                    ("status", "status"),
                    ("created_at", "created_at"),
                ],
                "created_at, id",
            ))
            .push(" FROM comments WHERE ");
        if with_comments {
            super::comments::visible(&mut sql, super::comments::Thread::Story(article_id), own);
        } else {
            sql.push("1 = 0");
        }
        sql.push(") AS comments, (SELECT ")
            .push(&json_array(
                backend,
                &[
                    ("media_id", "f.media_id"),
                    ("variant", "f.variant"),
                    ("width", "CAST(f.width AS BIGINT)"),
                    ("height", "CAST(f.height AS BIGINT)"),
                    ("file_name", "m.file_name"),
                    ("caption", "m.caption"),
                    ("credit", "m.credit"),
                ],
                "f.media_id, f.width, f.variant",
            ))
            .push(" FROM media_files f JOIN media m ON m.id = f.media_id WHERE f.media_id IN ")
            .arg_list(images)
            .push(") AS images");
        let row: PartsRow = self
            .conn()
            .fetch_optional(sql)
            .await?
            .ok_or_else(|| decode_error("a query without FROM returned no row"))?;
        let mut terms: Vec<TermRef> = from_json(&row.sections)?;
        terms.extend(from_json::<Vec<TermRef>>(&row.tags)?);
        Ok(StoryParts {
            terms,
            authors: from_json(&row.authors)?,
            comments: from_json(&row.comments)?,
            images: from_json(&row.images)?,
        })
    }

    /// Section and tag ids of the given stories (what the related-stories ranking compares).
    pub async fn term_ids_of(&self, article_ids: &[i64]) -> Result<Vec<TermId>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT article_id, 'category' AS kind, category_id AS term_id FROM article_categories WHERE article_id IN ",
        );
        sql.arg_list(article_ids)
            .push(" UNION ALL SELECT article_id, 'tag' AS kind, tag_id AS term_id FROM article_tags WHERE article_id IN ")
            .arg_list(article_ids);
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

    /// The sections of stories, each story's in its order (the first is the one its card
    /// shows): [`Store::terms_of`] without the tags, for lists of cards.
    pub async fn sections_of(&self, article_ids: &[i64]) -> Result<Vec<TermRef>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT ac.article_id, 'category' AS kind, c.id AS term_id, c.name, c.slug \
             FROM article_categories ac JOIN categories c ON c.id = ac.category_id WHERE ac.article_id IN ",
        );
        sql.arg_list(article_ids)
            .push(" ORDER BY ac.article_id, ac.position, c.name");
        self.conn().fetch_all(sql).await
    }

    /// Published stories that share a section or tag (`terms`, from [`Store::terms_of`]) with the
    /// story, published around it: for each of its sections and tags, the `per_term` stories just before it and just after it.
    /// These are the candidates the related-stories ranking scores.
    pub async fn related_candidates(
        &self,
        article_id: i64,
        published_at: DateTime<Utc>,
        now: DateTime<Utc>,
        terms: &[TermRef],
        per_term: u32,
    ) -> Result<Vec<SummaryRow>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT ");
        sql.push(SUMMARY_COLUMNS);
        sql.push(" FROM articles a WHERE a.id IN (");
        let mut branch = 0;
        for t in terms {
            let (table, column) = if t.kind == "category" {
                ("article_categories", "category_id")
            } else {
                ("article_tags", "tag_id")
            };
            for (cmp, order, upper) in [("<=", "DESC", published_at), (">", "ASC", now)] {
                if branch > 0 {
                    sql.push(" UNION ALL ");
                }
                branch += 1;
                sql.push("SELECT article_id FROM (SELECT r.article_id FROM ")
                    .push(table)
                    .push(" r CROSS JOIN articles x WHERE x.id = r.article_id AND r.")
                    .push(column)
                    .push(" = ")
                    .arg(t.term_id)
                    .push(" AND r.published_at ")
                    .push(cmp)
                    .push(" ")
                    .arg(published_at)
                    .push(" AND r.published_at <= ")
                    .arg(upper.min(now))
                    .push(" AND x.status = 'published' AND r.article_id <> ")
                    .arg(article_id)
                    .push(" ORDER BY r.published_at ")
                    .push(order)
                    .push(" LIMIT ")
                    .arg(i64::from(per_term))
                    .push(") c")
                    .push(&branch.to_string());
            }
        }
        sql.push(") ORDER BY a.published_at DESC, a.id DESC");
        self.conn().fetch_all(sql).await
    }

    /// Slugs already taken by `base` or `base-N`, for collision handling.
    /// Makes writers choosing a story slug from `base` take turns until the transaction ends.
    pub(crate) async fn lock_article_slug(tx: &mut Tx, base: &Slug) -> Result<()> {
        super::dialect::lock_slug_base(tx, "articles", base.as_str()).await
    }

    /// Which of `slugs` stories already have, each slug's base locked as
    /// [`Store::lock_article_slug`] does.
    pub(crate) async fn article_slugs_taken(
        tx: &mut Tx,
        slugs: &[&str],
    ) -> Result<std::collections::HashSet<String>> {
        let keys: Vec<String> = slugs.iter().map(|s| format!("articles:{s}")).collect();
        super::dialect::lock_many(tx, &keys).await?;
        let mut taken = std::collections::HashSet::new();
        for chunk in slugs.chunks(rows_per_statement(1)) {
            let mut sql = Sql::new("SELECT slug FROM articles WHERE slug IN (");
            for (i, slug) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.arg(*slug);
            }
            sql.push(")");
            taken.extend(tx.scalars::<String>(sql).await?);
        }
        Ok(taken)
    }

    pub(crate) async fn article_slugs_like(tx: &mut Tx, base: &Slug) -> Result<Vec<String>> {
        Store::lock_article_slug(tx, base).await?;
        tx.scalars(
            // A range rather than LIKE 'base-%', so both backends use the unique index.
            Sql::new("SELECT slug FROM articles WHERE slug = $1 OR (slug >= $2 AND slug < $3)")
                .bind(base.as_str())
                .bind(format!("{}-", base.as_str()))
                .bind(format!("{}.", base.as_str())),
        )
        .await
    }

    /// Inserts stories with their bylines, sections and tags, a few statements for all of them
    /// (an import writes hundreds at a time). Returns their ids in the order given. Slugs must
    /// be free and distinct. The relation rows carry each story's publication time for the
    /// listing indexes; whatever later changes `articles.published_at` must update them in the
    /// same transaction.
    pub(crate) async fn insert_articles(
        tx: &mut Tx,
        stories: &[ArticleInsert<'_>],
    ) -> Result<Vec<i64>> {
        const COLUMNS: usize = 16;
        let mut ids: Vec<i64> = Vec::with_capacity(stories.len());
        for chunk in stories.chunks(rows_per_statement(COLUMNS)) {
            let mut sql = Sql::new(
                "INSERT INTO articles (title, slug, body, excerpt, status, published_at, created_at, updated_at, \
                 credit_line, source_agency, source_url, embargo_until, featured_image_id, sticky, comment_status, \
                 password) VALUES ",
            );
            for (i, s) in chunk.iter().enumerate() {
                let a = s.article;
                sql.row(
                    i == 0,
                    [
                        a.title.trim().into(),
                        s.slug.as_str().into(),
                        a.body.as_str().into(),
                        a.excerpt.trim().into(),
                        a.status.as_str().into(),
                        a.published_at.into(),
                        s.created_at.into(),
                        s.updated_at.into(),
                        a.credit_line.trim().into(),
                        a.source_agency.trim().into(),
                        a.source_url.trim().into(),
                        a.embargo_until.into(),
                        a.featured_image_id.into(),
                        a.sticky.into(),
                        a.comment_status.as_str().into(),
                        s.password.into(),
                    ],
                );
            }
            ids.extend(tx.insert_ids(sql, chunk.len()).await?);
        }
        // Bylines, sections and tags, each row with its story's publication time.
        for (table, columns) in [
            (
                "article_authors",
                "(article_id, user_id, position, published_at)",
            ),
            (
                "article_categories",
                "(article_id, category_id, position, published_at)",
            ),
            ("article_tags", "(article_id, tag_id, published_at)"),
        ] {
            let rows: Vec<Vec<Arg>> = stories
                .iter()
                .zip(&ids)
                .flat_map(|(s, id)| {
                    let a = s.article;
                    let others = match table {
                        "article_authors" => &a.author_ids,
                        "article_categories" => &a.category_ids,
                        _ => &a.tag_ids,
                    };
                    others.iter().enumerate().map(move |(pos, other)| {
                        let mut row = vec![(*id).into(), (*other).into()];
                        if table != "article_tags" {
                            row.push((pos as i64).into());
                        }
                        row.push(a.published_at.into());
                        row
                    })
                })
                .collect();
            for chunk in rows.chunks(rows_per_statement(4)) {
                let mut sql = Sql::new("INSERT INTO ");
                sql.push(table).push(" ").push(columns).push(" VALUES ");
                for (i, row) in chunk.iter().enumerate() {
                    sql.row(i == 0, row.clone());
                }
                tx.execute(sql).await?;
            }
        }
        // The index rows: from terms computed ahead when every published story comes with
        // them, else from the stories as now stored.
        let docs: Option<Vec<IndexDoc>> = stories
            .iter()
            .zip(&ids)
            .filter_map(|(s, id)| {
                let published_at = s.article.published_at?;
                (s.article.status == Status::Published).then(|| {
                    s.terms.map(|terms| IndexDoc {
                        article_id: *id,
                        published_at,
                        terms: terms.clone(),
                    })
                })
            })
            .collect();
        match docs {
            Some(docs) => Store::write_index_rows(tx, &docs).await?,
            None => Store::sync_search_many(tx, &ids).await?,
        }
        Ok(ids)
    }

    /// Moves a story's "last updated" time (e.g. after an edit).
    pub(crate) async fn set_article_updated_at(
        tx: &mut Tx,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE articles SET updated_at = $1, version = version + 1 WHERE id = $2")
                .bind(at)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Starts a write transaction; committing it marks the content as changed if it wrote
    /// content (see [`Tx::commit`]).
    pub async fn begin(&self) -> Result<Tx> {
        Tx::begin(&self.db, self.clock.clone(), self.write_health.clone()).await
    }
}

/// A story for [`Store::insert_articles`], with the times and password it had elsewhere.
pub(crate) struct ArticleInsert<'a> {
    pub article: &'a NewArticle,
    pub slug: &'a Slug,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub password: &'a str,
    /// Its index terms (headline; everything else) as [`crate::domain::search::story_terms`]
    /// computes them from the text as stored, when the caller has them already; `None`: read
    /// back and computed here.
    pub terms: Option<&'a (String, String)>,
}

/// Tables whose rows carry a copy of their story's publication time.
pub(super) const RELATIONS: [&str; 3] = ["article_authors", "article_categories", "article_tags"];

impl Store {
    /// Sets a story's status and publication time, with the copies of that time on its byline,
    /// section and tag rows, and re-indexes it. Returns whether the story exists.
    pub(crate) async fn set_article_status(
        tx: &mut Tx,
        id: i64,
        status: Status,
        published_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let changed = tx
            .execute(
                Sql::new("UPDATE articles SET status = $1, published_at = $2 WHERE id = $3")
                    .bind(status.as_str())
                    .bind(published_at)
                    .bind(id),
            )
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        for table in RELATIONS {
            let mut sql = Sql::new("UPDATE ");
            sql.push(table)
                .push(" SET published_at = ")
                .arg(published_at)
                .push(" WHERE article_id = ")
                .arg(id);
            tx.execute(sql).await?;
        }
        Store::sync_search(tx, id).await?;
        Ok(true)
    }

    /// Deletes a story with its relation rows, comments and index row. Returns whether it
    /// existed.
    pub(crate) async fn delete_article(tx: &mut Tx, id: i64) -> Result<bool> {
        // The index row first, by a direct delete (which keeps SQLite's full-text table in step
        // through its trigger), rather than relying on the foreign key's cascade.
        Store::unindex_article(tx, id).await?;
        let deleted = tx
            .execute(Sql::new("DELETE FROM articles WHERE id = $1").bind(id))
            .await?;
        Ok(deleted == 1)
    }
}
