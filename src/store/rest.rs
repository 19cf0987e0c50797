//! The reads of the WordPress REST API (`web::api`): filtered, ordered pages of public stories,
//! pages, sections, tags, authors, comments and images with their totals, and the batch reads
//! that fill a page of results (bylines, people, images, replies) in one query each, whatever
//! the page's length.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, like_pattern};
use super::media::MediaItem;
use super::purge;
use super::{Result, Store};
use crate::domain::article::{CommentStatus, Status};

/// Which table a content list reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Story,
    Page,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

impl Order {
    fn sql(self) -> &'static str {
        match self {
            Order::Asc => " ASC",
            Order::Desc => " DESC",
        }
    }
}

/// What a list is sorted by (WordPress's `orderby`), among what the table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderBy {
    #[default]
    Date,
    Modified,
    Id,
    Title,
    Slug,
    /// The order of the `include` list.
    Include,
    MenuOrder,
    Name,
    Count,
    Parent,
    Post,
}

/// The filters every collection shares: ids in or out, slugs, a search, and a page.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub include: Vec<i64>,
    pub exclude: Vec<i64>,
    pub slugs: Vec<String>,
    pub search: Option<String>,
    pub order: Order,
    pub orderby: OrderBy,
    pub limit: u32,
    pub offset: u32,
}

/// Filters of story and page lists, beyond the shared ones.
#[derive(Debug, Clone, Default)]
pub struct ContentFilter {
    pub list: ListFilter,
    pub authors: Vec<i64>,
    pub authors_exclude: Vec<i64>,
    pub categories: Vec<i64>,
    pub categories_exclude: Vec<i64>,
    pub tags: Vec<i64>,
    pub tags_exclude: Vec<i64>,
    /// `tax_relation=OR`: a story in any of `categories` or with any of `tags` matches
    /// (otherwise it must match both lists).
    pub tax_or: bool,
    pub sticky: Option<bool>,
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    /// Pages only: children of these parents (0 for top-level pages).
    pub parents: Vec<i64>,
    pub parents_exclude: Vec<i64>,
    /// A signed-in member of the newsroom's list: items in these states instead of the public's
    /// "published and due".
    pub newsroom: Option<NewsroomView>,
}

/// What a signed-in person's list holds: items in `statuses`, of which those not published
/// only when `sees_all` or they are on the byline (a page's author).
#[derive(Debug, Clone)]
pub struct NewsroomView {
    pub statuses: Vec<Status>,
    pub user_id: i64,
    pub sees_all: bool,
}

/// A published story or page, with what the API shows of it. Stories have no parent, menu
/// order or page author; pages have no credit, source or embargo and are never sticky.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ContentRow {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub body: String,
    pub excerpt: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub password: String,
    #[sqlx(try_from = "String")]
    pub comment_status: CommentStatus,
    pub featured_image_id: Option<i64>,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub sticky: bool,
    pub parent_id: Option<i64>,
    pub menu_order: i64,
    /// A page's author (a story's bylines are read with [`Store::rest_bylines`]).
    pub author_id: Option<i64>,
    pub credit_line: String,
    pub source_agency: String,
    pub source_url: String,
    pub embargo_until: Option<DateTime<Utc>>,
    /// WordPress's status of an item the newsroom reads through the API (`draft`, `pending`,
    /// `future`, `private`, `trash`); `None` for what the public reads: `publish`.
    #[sqlx(default)]
    #[serde(default)]
    pub wp_status: Option<String>,
    /// No publication time yet (a draft): `date_gmt` is null and `date` is its last change.
    #[sqlx(default)]
    #[serde(default, deserialize_with = "super::dialect::flexible_bool")]
    pub undated: bool,
}

const STORY_COLUMNS: &str = "SELECT a.id, a.title, a.slug, a.body, a.excerpt, a.published_at, \
     a.updated_at, a.password, a.comment_status, a.featured_image_id, a.sticky, \
     CAST(NULL AS BIGINT) AS parent_id, CAST(0 AS BIGINT) AS menu_order, \
     CAST(NULL AS BIGINT) AS author_id, a.credit_line, a.source_agency, a.source_url, \
     a.embargo_until";

const PAGE_COLUMNS: &str = "SELECT a.id, a.title, a.slug, a.body, a.excerpt, a.published_at, \
     a.updated_at, a.password, a.comment_status, a.featured_image_id, FALSE AS sticky, \
     a.parent_id, CAST(a.menu_order AS BIGINT) AS menu_order, a.author_id, \
     '' AS credit_line, '' AS source_agency, '' AS source_url, CAST(NULL AS TIMESTAMPTZ) AS embargo_until";

/// A person as the public API shows them: never a login or an email address.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct RestUser {
    pub id: i64,
    pub display_name: String,
    pub slug: String,
    pub bio: String,
    pub avatar_url: Option<String>,
}

/// Whom a list of people shows.
#[derive(Debug, Clone)]
pub enum UserScope {
    /// Those the public may see: with a published story or page.
    Public,
    /// Everyone in the newsroom (for those who manage people), or those with one of `roles`.
    Newsroom {
        roles: Vec<crate::domain::user::Role>,
    },
}

/// A section or tag with its number of published stories.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct RestTerm {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub stories: i64,
}

/// An approved comment, without its author's email or address.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct RestComment {
    pub id: i64,
    pub article_id: Option<i64>,
    pub page_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: String,
    pub author_url: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Read for moderators only (see [`CommentFilter::moderation`]).
    #[sqlx(default)]
    #[serde(default)]
    pub status: Option<String>,
    #[sqlx(default)]
    #[serde(default)]
    pub author_email: Option<String>,
    #[sqlx(default)]
    #[serde(default)]
    pub author_ip: Option<String>,
}

/// Filters of comment lists, beyond the shared ones.
#[derive(Debug, Clone, Default)]
pub struct CommentFilter {
    pub list: ListFilter,
    /// Comments on these stories (WordPress's `post`).
    pub posts: Vec<i64>,
    /// Comments on these pages (`post` with Newsdesk's `post_type=page`).
    pub pages: Vec<i64>,
    pub parents: Vec<i64>,
    pub authors: Vec<i64>,
    /// A moderator's list: comments in these states (`approved`, `pending`, `spam`, `trash`)
    /// on anything, with their authors' email and address, instead of the public's approved
    /// comments on what readers can see.
    pub moderation: Option<Vec<&'static str>>,
}

/// A library item as the API shows it: the newsroom's [`MediaItem`] without the uploader's name.
const MEDIA_COLUMNS: &str = "SELECT m.id, m.url, m.file_name, m.alt_text, m.caption, m.credit, m.mime_type, \
     CAST(m.width AS BIGINT) AS width, CAST(m.height AS BIGINT) AS height, \
     CAST(m.byte_size AS BIGINT) AS byte_size, m.uploaded_by, CAST(NULL AS TEXT) AS uploader, \
     m.created_at";

/// A search hit: a story or a page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    pub slug: String,
    /// `post` or `page`.
    pub kind: String,
    pub published_at: DateTime<Utc>,
}

/// ` AND col IN (…)` / `NOT IN`, when the list is not empty.
fn push_in(sql: &mut Sql, column: &str, ids: &[i64], negate: bool) {
    if ids.is_empty() {
        return;
    }
    sql.push(" AND ")
        .push(column)
        .push(if negate { " NOT IN " } else { " IN " })
        .arg_list(ids);
}

/// ` (…)` true when the person `user` (a column) has a published story or page whose time has
/// come: an indexed lookup per person (`article_authors` by person, then the story), which
/// stops at the first, instead of a scan of every byline.
fn push_has_published_work(sql: &mut Sql, user: &str, now: DateTime<Utc>) {
    sql.push("(EXISTS (SELECT 1 FROM article_authors r JOIN articles x ON x.id = r.article_id WHERE r.user_id = ")
        .push(user)
        .push(" AND x.status = 'published' AND x.published_at <= ")
        .now(now)
        .push(") OR EXISTS (SELECT 1 FROM pages p WHERE p.author_id = ")
        .push(user)
        .push(" AND p.status = 'published' AND p.published_at <= ")
        .now(now)
        .push("))");
}

/// ` (… states …)` of a signed-in person's list: published means published and due (a story
/// published for a future time is `future`), and what is not published shows only to those
/// who see everyone's or whose byline it carries.
fn push_newsroom_view(sql: &mut Sql, kind: ContentKind, view: &NewsroomView, now: DateTime<Utc>) {
    sql.push("(");
    for (i, status) in view.statuses.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        match status {
            Status::Published => {
                sql.push("(a.status = 'published' AND a.published_at <= ")
                    .now(now)
                    .push(")");
            }
            Status::Scheduled => {
                sql.push("a.status = 'scheduled' OR (a.status = 'published' AND a.published_at > ")
                    .now(now)
                    .push(")");
            }
            other => {
                sql.push("a.status = ").arg(other.as_str());
            }
        }
    }
    if view.statuses.is_empty() {
        sql.push("FALSE");
    }
    sql.push(")");
    if !view.sees_all {
        sql.push(" AND (a.status = 'published' OR ");
        match kind {
            ContentKind::Story => sql
                .push("a.id IN (SELECT r.article_id FROM article_authors r WHERE r.user_id = ")
                .arg(view.user_id)
                .push("))"),
            ContentKind::Page => sql.push("a.author_id = ").arg(view.user_id).push(")"),
        };
    }
}

fn push_slugs(sql: &mut Sql, column: &str, slugs: &[String]) {
    if slugs.is_empty() {
        return;
    }
    sql.push(" AND ").push(column).push(" IN (");
    for (i, s) in slugs.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.arg(s.as_str());
    }
    sql.push(")");
}

/// ` CASE col WHEN … END` giving each included id its place in the list.
fn push_include_order(sql: &mut Sql, column: &str, ids: &[i64]) {
    sql.push("CASE ").push(column);
    for (i, id) in ids.iter().enumerate() {
        sql.push(" WHEN ").arg(*id).push(" THEN ");
        sql.push(&i.to_string());
    }
    sql.push(" ELSE ").push(&ids.len().to_string()).push(" END");
}

fn push_page(sql: &mut Sql, list: &ListFilter) {
    sql.push(" LIMIT ")
        .arg(i64::from(list.limit))
        .push(" OFFSET ")
        .arg(i64::from(list.offset));
}

/// What changes the count of a public list of stories: which stories are listed, and (for a
/// search) their text.
const STORY_LISTS: &[&str] = &[purge::LISTS, purge::STORIES];
/// What changes the count of a public list of pages: any edit of a page.
const PAGE_LISTS: &[&str] = &[purge::PAGES];
/// What changes the count of a search of stories and pages.
const SEARCH_LISTS: &[&str] = &[purge::LISTS, purge::STORIES, purge::PAGES];
/// Any content write (comments, people, media, tags).
const ANY_WRITE: &[&str] = &[purge::ANY];

impl Store {
    /// How many rows the clause `filter` (`FROM … WHERE …`) matches, and the query for a page of
    /// them: `columns`, the same clause, and ` ORDER BY ` for the caller to finish. A public
    /// list says which purge keys change its count (`kept`), and the count is then kept until
    /// they do (see [`super::totals`]); `None` counts every time.
    async fn count_then_order(
        &self,
        filter: Sql,
        columns: &str,
        now: DateTime<Utc>,
        kept: Option<&'static [&'static str]>,
    ) -> Result<(i64, Sql)> {
        let mut count = Sql::new("SELECT CAST(COUNT(*) AS BIGINT)");
        count.text.push_str(&filter.text);
        count.args.extend(filter.args.iter().cloned());
        let total = self.total(count, now, kept).await?;
        let mut sql = Sql::new(columns);
        sql.text.push_str(&filter.text);
        sql.args.extend(filter.args);
        sql.push(" ORDER BY ");
        Ok((total, sql))
    }

    /// The value of `count` (a `SELECT COUNT(*)`), kept while nothing naming `kept` is written
    /// and nothing comes due (see [`super::totals`]).
    async fn total(
        &self,
        count: Sql,
        now: DateTime<Utc>,
        kept: Option<&'static [&'static str]>,
    ) -> Result<i64> {
        let Some(keys) = kept else {
            return self.conn().scalar(count).await;
        };
        let key = super::totals::key_of(&count);
        // The generation is read before counting: a write committed meanwhile leaves the
        // count kept under the older generation, which that write then invalidates.
        let generation = self.fresh_generation().await;
        let purged = |from, to| self.purged_between(from, to);
        if let Some(total) = self.totals.get(&key, generation, now, purged) {
            return Ok(total);
        }
        let total: i64 = self.conn().scalar(count).await?;
        let until = self.next_due(now).await?;
        let count = super::totals::Count {
            total,
            generation,
            keys,
            until,
        };
        self.totals.put(key, count, now, purged);
        Ok(total)
    }

    /// The earliest publication time after `now` among published stories and pages: when
    /// they come due, lists change without a write.
    pub(crate) async fn next_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let (story, page) = self.due_after(now, now).await?;
        Ok(story.into_iter().chain(page).min())
    }

    /// One page of published stories or pages matching `f`, and how many match in all.
    pub async fn rest_content(
        &self,
        kind: ContentKind,
        f: &ContentFilter,
        now: DateTime<Utc>,
    ) -> Result<(Vec<ContentRow>, i64)> {
        let (table, columns) = match kind {
            ContentKind::Story => ("articles", STORY_COLUMNS),
            ContentKind::Page => ("pages", PAGE_COLUMNS),
        };
        let mut filter = Sql::new(" FROM ");
        filter.push(table).push(" a WHERE ");
        let newsroom_columns;
        let columns = match &f.newsroom {
            None => {
                filter
                    .push("a.status = 'published' AND a.published_at <= ")
                    .now(now);
                columns
            }
            Some(view) => {
                push_newsroom_view(&mut filter, kind, view, now);
                // Drafts have no publication time: their last change stands in, and says so.
                newsroom_columns = format!(
                    "{}, CASE a.status WHEN 'scheduled' THEN 'future' WHEN 'published' THEN 'publish' \
                     ELSE a.status END AS wp_status, (a.published_at IS NULL) AS undated",
                    columns.replacen(
                        "a.published_at,",
                        "COALESCE(a.published_at, a.updated_at) AS published_at,",
                        1
                    )
                );
                newsroom_columns.as_str()
            }
        };
        let l = &f.list;
        push_in(&mut filter, "a.id", &l.include, false);
        push_in(&mut filter, "a.id", &l.exclude, true);
        push_slugs(&mut filter, "a.slug", &l.slugs);
        if let Some(s) = &l.search {
            let p = like_pattern(&s.to_lowercase());
            filter
                .push(" AND (LOWER(a.title) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR (a.password = '' AND (LOWER(a.excerpt) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR LOWER(a.body) LIKE ")
                .arg(p)
                .push(" ESCAPE '\\')))");
        }
        for (at, op, column) in [
            (f.after, " > ", "a.published_at"),
            (f.before, " < ", "a.published_at"),
            (f.modified_after, " > ", "a.updated_at"),
            (f.modified_before, " < ", "a.updated_at"),
        ] {
            if let Some(at) = at {
                filter.push(" AND ").push(column).push(op).arg(at);
            }
        }
        match kind {
            ContentKind::Story => {
                let either = f.tax_or && !f.categories.is_empty() && !f.tags.is_empty();
                if either {
                    filter
                        .push(
                            " AND (a.id IN (SELECT r.article_id FROM article_categories r \
                             WHERE r.category_id IN ",
                        )
                        .arg_list(&f.categories)
                        .push(
                            ") OR a.id IN (SELECT r.article_id FROM article_tags r WHERE r.tag_id IN ",
                        )
                        .arg_list(&f.tags)
                        .push("))");
                }
                let none: &[i64] = &[];
                for (ids, negate, relation, column) in [
                    (&f.authors[..], false, "article_authors", "user_id"),
                    (&f.authors_exclude, true, "article_authors", "user_id"),
                    (
                        if either { none } else { &f.categories },
                        false,
                        "article_categories",
                        "category_id",
                    ),
                    (
                        &f.categories_exclude,
                        true,
                        "article_categories",
                        "category_id",
                    ),
                    (
                        if either { none } else { &f.tags },
                        false,
                        "article_tags",
                        "tag_id",
                    ),
                    (&f.tags_exclude, true, "article_tags", "tag_id"),
                ] {
                    if ids.is_empty() {
                        continue;
                    }
                    filter
                        .push(if negate {
                            " AND a.id NOT IN "
                        } else {
                            " AND a.id IN "
                        })
                        .push("(SELECT r.article_id FROM ")
                        .push(relation)
                        .push(" r WHERE r.")
                        .push(column)
                        .push(" IN ")
                        .arg_list(ids)
                        .push(")");
                }
                if let Some(sticky) = f.sticky {
                    filter.push(" AND a.sticky = ").arg(sticky);
                }
            }
            ContentKind::Page => {
                push_in(&mut filter, "a.author_id", &f.authors, false);
                if !f.authors_exclude.is_empty() {
                    filter
                        .push(" AND (a.author_id IS NULL OR a.author_id NOT IN ")
                        .arg_list(&f.authors_exclude)
                        .push(")");
                }
                if !f.parents.is_empty() {
                    filter
                        .push(" AND COALESCE(a.parent_id, 0) IN ")
                        .arg_list(&f.parents);
                }
                if !f.parents_exclude.is_empty() {
                    filter
                        .push(" AND COALESCE(a.parent_id, 0) NOT IN ")
                        .arg_list(&f.parents_exclude);
                }
            }
        }
        // A signed-in person's list holds drafts, whose saves name no purge key: counted each time.
        let kept = match (kind, &f.newsroom) {
            (_, Some(_)) => None,
            (ContentKind::Story, None) => Some(STORY_LISTS),
            (ContentKind::Page, None) => Some(PAGE_LISTS),
        };
        let (total, mut sql) = self.count_then_order(filter, columns, now, kept).await?;
        let order = l.order.sql();
        match l.orderby {
            OrderBy::Include if !l.include.is_empty() => {
                push_include_order(&mut sql, "a.id", &l.include);
                sql.push(", a.id");
            }
            OrderBy::Id => {
                sql.push("a.id").push(order);
            }
            OrderBy::Title => {
                sql.push("LOWER(a.title)")
                    .push(order)
                    .push(", a.id")
                    .push(order);
            }
            OrderBy::Slug => {
                sql.push("a.slug").push(order);
            }
            OrderBy::Modified => {
                sql.push("a.updated_at")
                    .push(order)
                    .push(", a.id")
                    .push(order);
            }
            OrderBy::MenuOrder if kind == ContentKind::Page => {
                sql.push("a.menu_order")
                    .push(order)
                    .push(", LOWER(a.title)")
                    .push(order);
            }
            OrderBy::Parent if kind == ContentKind::Page => {
                sql.push("COALESCE(a.parent_id, 0)")
                    .push(order)
                    .push(", a.id")
                    .push(order);
            }
            // The public's lists are by publication time, which its index serves; the
            // newsroom's drafts have none and sort by their last change.
            _ if f.newsroom.is_none() => {
                sql.push("a.published_at")
                    .push(order)
                    .push(", a.id")
                    .push(order);
            }
            _ => {
                sql.push("COALESCE(a.published_at, a.updated_at)")
                    .push(order)
                    .push(", a.id")
                    .push(order);
            }
        }
        push_page(&mut sql, l);
        let rows = self.conn().fetch_all(sql).await?;
        Ok((rows, total))
    }

    /// `(story id, user id)` of every byline of these stories, in byline order.
    pub async fn rest_bylines(&self, article_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            article_id: i64,
            user_id: i64,
        }
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql =
            Sql::new("SELECT article_id, user_id FROM article_authors WHERE article_id IN ");
        sql.arg_list(article_ids)
            .push(" ORDER BY article_id, position, user_id");
        let rows: Vec<Rec> = self.conn().fetch_all(sql).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.article_id, r.user_id))
            .collect())
    }

    /// `(id, name)` of the tags among `ids` that exist.
    pub async fn tag_names_by_ids(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Row {
            id: i64,
            name: String,
        }
        let mut sql = Sql::new("SELECT id, name FROM tags WHERE id IN ");
        sql.arg_list(ids);
        let rows: Vec<Row> = self.conn().fetch_all(sql).await?;
        Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
    }

    /// An active member of the newsroom as the API shows them, published work or not (for
    /// themselves, and for those who manage people).
    pub async fn rest_staff_member(&self, id: i64) -> Result<Option<RestUser>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT u.id, u.display_name, u.slug, u.bio, av.url AS avatar_url \
                     FROM users u LEFT JOIN media av ON av.id = u.avatar_id \
                     WHERE u.id = $1 AND u.disabled = FALSE",
                )
                .bind(id),
            )
            .await
    }

    /// The people among `ids` the public may see: active, with a published story or page.
    pub async fn rest_users_by_ids(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<RestUser>> {
        self.rest_users_in_scope(ids, &UserScope::Public, now).await
    }

    /// The people among `ids` that `scope` shows.
    pub async fn rest_users_in_scope(
        &self,
        ids: &[i64],
        scope: &UserScope,
        now: DateTime<Utc>,
    ) -> Result<Vec<RestUser>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let f = ListFilter {
            include: ids.to_vec(),
            limit: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            ..Default::default()
        };
        Ok(self.rest_users(&f, scope, now).await?.0)
    }

    /// One page of the people `scope` shows (always active accounts), and how many there are.
    pub async fn rest_users(
        &self,
        l: &ListFilter,
        scope: &UserScope,
        now: DateTime<Utc>,
    ) -> Result<(Vec<RestUser>, i64)> {
        let mut filter = Sql::new(
            " FROM users u LEFT JOIN media av ON av.id = u.avatar_id WHERE u.disabled = FALSE",
        );
        match scope {
            UserScope::Public => {
                filter.push(" AND ");
                push_has_published_work(&mut filter, "u.id", now);
            }
            UserScope::Newsroom { roles } => {
                if !roles.is_empty() {
                    filter.push(" AND u.role IN (");
                    for (i, r) in roles.iter().enumerate() {
                        if i > 0 {
                            filter.push(", ");
                        }
                        filter.arg(r.as_str().to_owned());
                    }
                    filter.push(")");
                }
            }
        }
        push_in(&mut filter, "u.id", &l.include, false);
        push_in(&mut filter, "u.id", &l.exclude, true);
        push_slugs(&mut filter, "u.slug", &l.slugs);
        if let Some(s) = &l.search {
            let p = like_pattern(&s.to_lowercase());
            filter
                .push(" AND (LOWER(u.display_name) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR u.slug LIKE ")
                .arg(p)
                .push(" ESCAPE '\\')");
        }
        let (total, mut sql) = self
            .count_then_order(
                filter,
                "SELECT u.id, u.display_name, u.slug, u.bio, av.url AS avatar_url",
                now,
                matches!(scope, UserScope::Public).then_some(ANY_WRITE),
            )
            .await?;
        let order = l.order.sql();
        match l.orderby {
            OrderBy::Include if !l.include.is_empty() => {
                push_include_order(&mut sql, "u.id", &l.include);
                sql.push(", u.id");
            }
            OrderBy::Id => {
                sql.push("u.id").push(order);
            }
            OrderBy::Slug => {
                sql.push("u.slug").push(order);
            }
            _ => {
                sql.push("LOWER(u.display_name)")
                    .push(order)
                    .push(", u.id")
                    .push(order);
            }
        }
        push_page(&mut sql, l);
        let rows = self.conn().fetch_all(sql).await?;
        Ok((rows, total))
    }

    /// Every section with its number of published stories.
    pub async fn rest_categories(&self, now: DateTime<Utc>) -> Result<Vec<RestTerm>> {
        self.conn()
            .fetch_all(
                Sql::new(
                    "SELECT c.id, c.slug, c.name, c.description, c.parent_id, \
                     (SELECT CAST(COUNT(*) AS BIGINT) FROM article_categories r JOIN articles x ON x.id = r.article_id \
                      WHERE r.category_id = c.id AND x.status = 'published' AND x.published_at <= $1) AS stories \
                     FROM categories c ORDER BY c.id",
                )
                .bind(now),
            )
            .await
    }

    /// One page of tags matching the filter (and, with `post`, on that story), and how many
    /// match in all.
    pub async fn rest_tags(
        &self,
        l: &ListFilter,
        post: Option<i64>,
        hide_empty: bool,
        now: DateTime<Utc>,
    ) -> Result<(Vec<RestTerm>, i64)> {
        // Counting a tag's stories takes a look at each of them: the counts are made in the
        // query only when the list is sorted or filtered by them, and otherwise for the page's
        // tags alone, afterwards.
        let counted_first = hide_empty || l.orderby == OrderBy::Count;
        let mut filter = if counted_first {
            let mut f = Sql::new(
                " FROM (SELECT t.id, t.slug, t.name, t.description, CAST(NULL AS BIGINT) AS parent_id, \
                 (SELECT CAST(COUNT(*) AS BIGINT) FROM article_tags r JOIN articles x ON x.id = r.article_id \
                  WHERE r.tag_id = t.id AND x.status = 'published' AND x.published_at <= ",
            );
            f.now(now).push(") AS stories FROM tags t) t WHERE 1 = 1");
            f
        } else {
            Sql::new(
                " FROM (SELECT t.id, t.slug, t.name, t.description, CAST(NULL AS BIGINT) AS parent_id, \
                 CAST(0 AS BIGINT) AS stories FROM tags t) t WHERE 1 = 1",
            )
        };
        push_in(&mut filter, "t.id", &l.include, false);
        push_in(&mut filter, "t.id", &l.exclude, true);
        push_slugs(&mut filter, "t.slug", &l.slugs);
        if let Some(s) = &l.search {
            let p = like_pattern(&s.to_lowercase());
            filter
                .push(" AND (LOWER(t.name) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR t.slug LIKE ")
                .arg(p)
                .push(" ESCAPE '\\')");
        }
        if let Some(post) = post {
            filter
                .push(
                    " AND t.id IN (SELECT r.tag_id FROM article_tags r JOIN articles x ON x.id = r.article_id \
                     WHERE x.status = 'published' AND x.published_at <= ",
                )
                .now(now)
                .push(" AND r.article_id = ")
                .arg(post)
                .push(")");
        }
        if hide_empty {
            filter.push(" AND t.stories > 0");
        }
        let (total, mut sql) = self
            .count_then_order(
                filter,
                "SELECT t.id, t.slug, t.name, t.description, t.parent_id, t.stories",
                now,
                Some(ANY_WRITE),
            )
            .await?;
        let order = l.order.sql();
        match l.orderby {
            OrderBy::Include if !l.include.is_empty() => {
                push_include_order(&mut sql, "t.id", &l.include);
                sql.push(", t.id");
            }
            OrderBy::Id => {
                sql.push("t.id").push(order);
            }
            OrderBy::Slug => {
                sql.push("t.slug").push(order);
            }
            OrderBy::Count => {
                sql.push("t.stories").push(order).push(", t.id").push(order);
            }
            _ => {
                sql.push("LOWER(t.name)")
                    .push(order)
                    .push(", t.id")
                    .push(order);
            }
        }
        push_page(&mut sql, l);
        let mut rows: Vec<RestTerm> = self.conn().fetch_all(sql).await?;
        if !counted_first && !rows.is_empty() {
            let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
            let mut counts = Sql::new(
                "SELECT r.tag_id, CAST(COUNT(*) AS BIGINT) FROM article_tags r \
                 JOIN articles x ON x.id = r.article_id WHERE x.status = 'published' \
                 AND x.published_at <= ",
            );
            counts.now(now);
            push_in(&mut counts, "r.tag_id", &ids, false);
            counts.push(" GROUP BY r.tag_id");
            let counts: std::collections::HashMap<i64, i64> = self
                .conn()
                .fetch_all::<(i64, i64)>(counts)
                .await?
                .into_iter()
                .collect();
            for t in &mut rows {
                t.stories = counts.get(&t.id).copied().unwrap_or(0);
            }
        }
        Ok((rows, total))
    }

    /// ` FROM … WHERE` of public comments: approved, on a published story or page that is
    /// not password-protected (the site shows a protected item's comments only once its
    /// password is given, and the API takes no password).
    fn public_comments(sql: &mut Sql, now: DateTime<Utc>) {
        sql.push(
            " FROM comments c LEFT JOIN articles a ON a.id = c.article_id \
             LEFT JOIN pages pg ON pg.id = c.page_id WHERE c.status = 'approved' AND \
             ((a.status = 'published' AND a.password = '' AND a.published_at <= ",
        )
        .now(now)
        .push(") OR (pg.status = 'published' AND pg.password = '' AND pg.published_at <= ")
        .now(now)
        .push("))");
    }

    /// One page of approved comments on published stories and pages, and how many match.
    pub async fn rest_comments(
        &self,
        f: &CommentFilter,
        now: DateTime<Utc>,
    ) -> Result<(Vec<RestComment>, i64)> {
        let mut filter = Sql::default();
        let mut columns = "SELECT c.id, c.article_id, c.page_id, c.parent_id, c.user_id, \
             c.author_name, c.author_url, c.body, c.created_at"
            .to_owned();
        match &f.moderation {
            None => Self::public_comments(&mut filter, now),
            Some(states) => {
                filter.push(" FROM comments c WHERE c.status IN (");
                for (i, state) in states.iter().enumerate() {
                    if i > 0 {
                        filter.push(", ");
                    }
                    filter.arg(*state);
                }
                if states.is_empty() {
                    filter.push("''");
                }
                filter.push(")");
                columns.push_str(", c.status, c.author_email, c.author_ip");
            }
        }
        let l = &f.list;
        push_in(&mut filter, "c.id", &l.include, false);
        push_in(&mut filter, "c.id", &l.exclude, true);
        push_in(&mut filter, "c.article_id", &f.posts, false);
        push_in(&mut filter, "c.page_id", &f.pages, false);
        push_in(&mut filter, "COALESCE(c.parent_id, 0)", &f.parents, false);
        push_in(&mut filter, "c.user_id", &f.authors, false);
        if let Some(s) = &l.search {
            let p = like_pattern(&s.to_lowercase());
            filter
                .push(" AND (LOWER(c.body) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR LOWER(c.author_name) LIKE ")
                .arg(p)
                .push(" ESCAPE '\\')");
        }
        // Held comments are written without purging anything: moderators' lists are counted
        // each time.
        let kept = f.moderation.is_none().then_some(ANY_WRITE);
        let (total, mut sql) = self.count_then_order(filter, &columns, now, kept).await?;
        let order = l.order.sql();
        match l.orderby {
            OrderBy::Include if !l.include.is_empty() => {
                push_include_order(&mut sql, "c.id", &l.include);
                sql.push(", c.id");
            }
            OrderBy::Id => {
                sql.push("c.id").push(order);
            }
            OrderBy::Post => {
                sql.push("(CASE WHEN c.article_id IS NULL THEN 1 ELSE 0 END)")
                    .push(order)
                    .push(", COALESCE(c.article_id, c.page_id)")
                    .push(order)
                    .push(", c.id")
                    .push(order);
            }
            OrderBy::Parent => {
                sql.push("COALESCE(c.parent_id, 0)")
                    .push(order)
                    .push(", c.id")
                    .push(order);
            }
            _ => {
                sql.push("c.created_at")
                    .push(order)
                    .push(", c.id")
                    .push(order);
            }
        }
        push_page(&mut sql, l);
        let rows = self.conn().fetch_all(sql).await?;
        Ok((rows, total))
    }

    /// The newest `per_story` approved comments of each of these stories, newest first (what
    /// `_embed` shows as their replies), in one query.
    pub async fn rest_replies(
        &self,
        kind: ContentKind,
        ids: &[i64],
        per_item: u32,
    ) -> Result<Vec<RestComment>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (column, table) = match kind {
            ContentKind::Story => ("article_id", "articles"),
            ContentKind::Page => ("page_id", "pages"),
        };
        let mut sql = Sql::new(
            "SELECT id, article_id, page_id, parent_id, user_id, author_name, author_url, body, \
             created_at FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.",
        );
        sql.push(column)
            .push(
                " ORDER BY c.created_at DESC, c.id DESC) AS n FROM comments c \
                 WHERE c.status = 'approved' AND c.",
            )
            .push(column)
            .push(" IN ")
            .arg_list(ids)
            .push(" AND c.")
            .push(column)
            .push(" IN (SELECT o.id FROM ")
            .push(table)
            .push(" o WHERE o.password = '')")
            .push(") r WHERE n <= ")
            .arg(i64::from(per_item))
            .push(" ORDER BY created_at DESC, id DESC");
        self.conn().fetch_all(sql).await
    }

    /// `(id, slug, publication time)` of the published stories among `ids`, for their
    /// addresses, in one query.
    pub async fn rest_story_addresses(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, String, DateTime<Utc>)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            id: i64,
            slug: String,
            published_at: DateTime<Utc>,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT id, slug, published_at FROM articles WHERE status = 'published' AND published_at <= ",
        );
        sql.now(now).push(" AND id IN ").arg_list(ids);
        let rows: Vec<Rec> = self.conn().fetch_all(sql).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.slug, r.published_at))
            .collect())
    }

    /// One page of the media library, and how many items match.
    pub async fn rest_media(
        &self,
        l: &ListFilter,
        now: DateTime<Utc>,
    ) -> Result<(Vec<MediaItem>, i64)> {
        let mut filter = Sql::new(" FROM media m WHERE ");
        Self::public_media(&mut filter, now);
        push_in(&mut filter, "m.id", &l.include, false);
        push_in(&mut filter, "m.id", &l.exclude, true);
        // A file's slug is its name without the extension, in any case.
        if !l.slugs.is_empty() {
            filter.push(" AND (");
            for (i, slug) in l.slugs.iter().enumerate() {
                if i > 0 {
                    filter.push(" OR ");
                }
                let mut prefix = like_pattern(&slug.to_lowercase());
                prefix.pop();
                filter
                    .push("LOWER(m.file_name) LIKE ")
                    .arg(format!("{}.%", &prefix[1..]))
                    .push(" ESCAPE '\\'");
            }
            filter.push(")");
        }
        if let Some(s) = &l.search {
            let p = like_pattern(&s.to_lowercase());
            filter
                .push(" AND (LOWER(m.file_name) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR LOWER(m.alt_text) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR LOWER(m.caption) LIKE ")
                .arg(p)
                .push(" ESCAPE '\\')");
        }
        let (total, mut sql) = self
            .count_then_order(filter, MEDIA_COLUMNS, now, Some(ANY_WRITE))
            .await?;
        let order = l.order.sql();
        match l.orderby {
            OrderBy::Include if !l.include.is_empty() => {
                push_include_order(&mut sql, "m.id", &l.include);
                sql.push(", m.id");
            }
            OrderBy::Id => {
                sql.push("m.id").push(order);
            }
            OrderBy::Slug | OrderBy::Title => {
                sql.push("m.file_name")
                    .push(order)
                    .push(", m.id")
                    .push(order);
            }
            _ => {
                sql.push("m.created_at")
                    .push(order)
                    .push(", m.id")
                    .push(order);
            }
        }
        push_page(&mut sql, l);
        let rows = self.conn().fetch_all(sql).await?;
        Ok((rows, total))
    }

    /// The public library items among `ids`, in one query.
    pub async fn rest_media_by_ids(
        &self,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<MediaItem>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(MEDIA_COLUMNS);
        sql.push(" FROM media m WHERE ");
        Self::public_media(&mut sql, now);
        sql.push(" AND m.id IN ").arg_list(ids);
        self.conn().fetch_all(sql).await
    }

    /// The library items the public may list: the featured images of published stories and
    /// pages that are not password-protected, and the avatars of the people `/wp/v2/users`
    /// lists (active, with published work). An upload meant for a story still in the works
    /// (an embargoed one) is not announced before the story is out.
    fn public_media(sql: &mut Sql, now: DateTime<Utc>) {
        // Each test is an indexed lookup from the item (`EXISTS`), not a scan of every story.
        sql.push(
            "(EXISTS (SELECT 1 FROM articles a WHERE a.featured_image_id = m.id \
             AND a.password = '' AND a.status = 'published' AND a.published_at <= ",
        )
        .now(now)
        .push(
            ") OR EXISTS (SELECT 1 FROM pages p WHERE p.featured_image_id = m.id \
             AND p.password = '' AND p.status = 'published' AND p.published_at <= ",
        )
        .now(now)
        .push(
            ") OR EXISTS (SELECT 1 FROM users u WHERE u.avatar_id = m.id AND u.disabled = FALSE AND ",
        );
        push_has_published_work(sql, "u.id", now);
        sql.push(")) ");
    }

    /// One page of published stories and pages whose title or text contains `search`, newest
    /// first, and how many match.
    pub async fn rest_search(
        &self,
        search: &str,
        kinds: &[ContentKind],
        l: &ListFilter,
        now: DateTime<Utc>,
    ) -> Result<(Vec<SearchHit>, i64)> {
        let p = like_pattern(&search.to_lowercase());
        let mut union = Sql::new("SELECT * FROM (");
        for (i, kind) in kinds.iter().enumerate() {
            let (table, name) = match kind {
                ContentKind::Story => ("articles", "post"),
                ContentKind::Page => ("pages", "page"),
            };
            if i > 0 {
                union.push(" UNION ALL ");
            }
            union
                .push("SELECT a.id, a.title, a.slug, '")
                .push(name)
                .push("' AS kind, a.published_at FROM ")
                .push(table)
                .push(" a WHERE a.status = 'published' AND a.published_at <= ")
                .now(now)
                .push(" AND (LOWER(a.title) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\' OR (a.password = '' AND LOWER(a.body) LIKE ")
                .arg(p.clone())
                .push(" ESCAPE '\\'))");
            push_in(&mut union, "a.id", &l.include, false);
            push_in(&mut union, "a.id", &l.exclude, true);
        }
        union.push(") hits");
        let mut count = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM (");
        count.text.push_str(&union.text);
        count.args.extend(union.args.iter().cloned());
        count.push(") n");
        let total = self.total(count, now, Some(SEARCH_LISTS)).await?;
        union.push(" ORDER BY published_at DESC, id DESC");
        push_page(&mut union, l);
        let rows = self.conn().fetch_all(union).await?;
        Ok((rows, total))
    }
}
