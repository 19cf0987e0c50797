//! Posts and pages, with their comments.

use super::text::*;
use super::*;

/// Resolves shortcodes' attachments and old addresses during the content conversion.
pub(super) struct Resolver<'a>(&'a Index);

impl Resolve for Resolver<'_> {
    fn attachment(&self, wp_id: i64) -> Option<MediaRef> {
        self.0.media.get(&wp_id).map(|m| MediaRef {
            url: m.url.clone(),
            alt: m.alt.clone(),
            caption: m.caption.clone(),
        })
    }
    fn attached_to(&self, parent: i64) -> Vec<MediaRef> {
        let mut found: Vec<(&i64, &Media)> = self
            .0
            .media
            .iter()
            .filter(|(_, m)| m.parent == parent)
            .collect();
        found.sort_by_key(|(id, _)| **id);
        found
            .into_iter()
            .map(|(_, m)| MediaRef {
                url: m.url.clone(),
                alt: m.alt.clone(),
                caption: m.caption.clone(),
            })
            .collect()
    }
    fn rewrite_url(&self, url: &str) -> Option<String> {
        let bare = without_scheme(url);
        if bare.len() != url.len() {
            if let Some(new) = self.0.media_urls.get(bare) {
                return Some(new.clone());
            }
            // A resized copy (`photo-300x200.jpg`) is the same image.
            if let Some((stem, ext)) = bare.rsplit_once('.')
                && let Some((base, size)) = stem.rsplit_once('-')
                && size.split_once('x').is_some_and(|(w, h)| {
                    w.bytes().all(|b| b.is_ascii_digit()) && h.bytes().all(|b| b.is_ascii_digit())
                })
                && let Some(new) = self.0.media_urls.get(&format!("{base}.{ext}"))
            {
                return Some(new.clone());
            }
            // A file left on the old site stays where it is.
            if bare.contains("/wp-content/uploads/") {
                return None;
            }
            // Another address on the old site: the same path here, which redirects (and
            // leads straight to the new address once `relink.rs` has run), its fragment kept.
            return self.0.old_path(url).map(|path| match url.split_once('#') {
                Some((_, fragment)) => format!("{path}#{fragment}"),
                None => path,
            });
        }
        None
    }
}

/// Whether converted content links to an address on this site (an old one, as converted):
/// those links are pointed at their new addresses once everything is in (`relink.rs`).
fn links_within_site(html: &str) -> bool {
    html.contains("href=\"/")
}

/// An item's text as it will be stored, with the shortcodes it kept as text.
pub(super) struct Body {
    pub html: SafeHtml,
    pub unknown_shortcodes: std::collections::BTreeSet<String>,
    /// A published post's index terms, computed here from the text as it will be stored so the
    /// writing half does not read it back (see [`crate::store::articles::ArticleInsert`]).
    pub terms: Option<(String, String)>,
    /// A post's comments as [`comment_of`] converts them, one per comment of the item.
    pub comments: Vec<Option<ImportedComment>>,
}

/// The HTML of an item's content, converted and sanitized, with a published post's terms.
pub(super) fn body_of(item: &Item, index: &Index) -> Body {
    let converted = content::convert(&item.content, item.id, &Resolver(index));
    // A shortcode that stood alone in a paragraph leaves it empty.
    let html = SafeHtml::sanitize(&converted.html).into_string();
    let html = SafeHtml::from_trusted_storage(html.replace("<p></p>", "").replace("<p> </p>", ""));
    let terms = (item.post_type == "post" && status_of(&item.status) == Some(Status::Published))
        .then(|| index_terms(item, &html, index))
        .flatten();
    let comments = if item.post_type == "post" {
        item.comments.iter().map(|c| comment_of(c, index)).collect()
    } else {
        Vec::new()
    };
    Body {
        html,
        unknown_shortcodes: converted.unknown_shortcodes,
        terms,
        comments,
    }
}

/// A published post's index terms from what [`story`] will store: the same headline, standfirst,
/// byline, credit and agency (a protected story's text is not indexed). `None` when the
/// analyzer or the byline's name is not known here.
fn index_terms(item: &Item, body: &SafeHtml, index: &Index) -> Option<(String, String)> {
    let analyzer = index.analyzer.as_deref()?;
    let author = index.names.get(&index.user(&item.creator)?)?;
    let open = item.password.is_empty();
    let excerpt = if open {
        excerpt_of(item)
    } else {
        String::new()
    };
    let meta = |k: &str| meta_of(item, k);
    Some(crate::domain::search::story_terms(
        analyzer,
        &crate::domain::search::StoryText {
            title: clean_title(item).0.trim(),
            excerpt: excerpt.trim(),
            body_html: if open { body.as_str() } else { "" },
            authors: std::slice::from_ref(author),
            credit_line: &meta("_newsdesk_credit_line"),
            source_agency: &meta("_newsdesk_source_agency"),
        },
    ))
}

/// An item's custom field `key`, trimmed (empty when it has none).
fn meta_of(item: &Item, key: &str) -> String {
    item.meta(key).unwrap_or("").trim().to_owned()
}

/// An item's headline as it will be stored, and whether it had to be cut.
fn clean_title(item: &Item) -> (String, bool) {
    let title = crate::domain::html::decode_entities(item.title.trim());
    let title = title.trim();
    if title.is_empty() {
        return ("(no title)".to_owned(), false);
    }
    if title.chars().count() > MAX_TITLE_LEN {
        return (title.chars().take(MAX_TITLE_LEN).collect(), true);
    }
    (title.to_owned(), false)
}

pub(super) fn title_of(item: &Item, summary: &mut Summary, kind: &'static str) -> String {
    let (title, cut) = clean_title(item);
    if cut {
        summary.warn(
            kind,
            item.id,
            format!("the title was cut to {MAX_TITLE_LEN} characters"),
        );
    }
    title
}

pub(super) fn excerpt_of(item: &Item) -> String {
    crate::domain::html::decode_entities(&strip_tags(&item.excerpt))
        .trim()
        .to_owned()
}

/// A post: updated in place with its comments if an earlier import brought it; otherwise
/// returned, ready to be written with the rest of its batch (see `batch.rs`).
pub(super) async fn story(
    tx: &mut Tx,
    item: &Item,
    body: Body,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<Option<NewStory>> {
    let Some(status) = status_of(&item.status) else {
        summary.count("stories").skipped += 1;
        return Ok(None);
    };
    let Some(author) = index.user(&item.creator) else {
        summary.count("stories").failed += 1;
        summary.warn(
            "story",
            item.id,
            "it has no author and the export lists none",
        );
        return Ok(None);
    };
    if !index.users.contains_key(&item.creator) {
        summary.warn(
            "story",
            item.id,
            format!(
                "its author {:?} is not in the export; credited to the first author",
                item.creator
            ),
        );
    }
    let Body {
        html: body,
        terms,
        comments: converted,
        ..
    } = body;
    let title = title_of(item, summary, "story");
    let relink = links_within_site(body.as_str());
    let excerpt = excerpt_of(item);
    let mut category_ids = Vec::new();
    let mut tag_ids = Vec::new();
    for t in &item.terms {
        match t.domain.as_str() {
            "category" | "" => {
                let id = match index.categories.get(&t.slug) {
                    Some(id) => *id,
                    None => {
                        // A section only the item names (WordPress.com leaves some out).
                        let slug = term_slug(&t.slug, &t.name, "section");
                        let existing = Store::categories_in_tx(tx).await?;
                        let id = match existing.iter().find(|c| c.slug == slug.as_str()) {
                            Some(c) => c.id,
                            None => {
                                summary.count("sections").created += 1;
                                let name = if t.name.is_empty() {
                                    slug.as_str()
                                } else {
                                    &t.name
                                };
                                Store::insert_category(
                                    tx,
                                    slug.as_str(),
                                    name,
                                    "",
                                    None,
                                    existing.len() as i32 + 1,
                                )
                                .await?
                            }
                        };
                        index.categories.insert(t.slug.clone(), id);
                        id
                    }
                };
                if !category_ids.contains(&id) {
                    category_ids.push(id);
                }
            }
            "post_tag" | "tag" => {
                let slug = term_slug(&t.slug, &t.name, "tag");
                let name = if t.name.is_empty() {
                    slug.as_str()
                } else {
                    &t.name
                };
                let id = match index.tags.get(slug.as_str()) {
                    Some(id) => *id,
                    None => {
                        let id = Store::ensure_tag(tx, slug.as_str(), name).await?;
                        index.tags.insert(slug.as_str().to_owned(), id);
                        id
                    }
                };
                if !tag_ids.contains(&id) {
                    tag_ids.push(id);
                }
            }
            _ => {}
        }
    }
    if category_ids.len() > crate::actions::stories::MAX_SECTIONS {
        summary.warn(
            "story",
            item.id,
            format!(
                "filed in more than {} sections; the first are kept",
                crate::actions::stories::MAX_SECTIONS
            ),
        );
        category_ids.truncate(crate::actions::stories::MAX_SECTIONS);
    }
    if tag_ids.len() > crate::actions::stories::MAX_TAGS {
        summary.warn(
            "story",
            item.id,
            format!(
                "more than {} tags; the first are kept",
                crate::actions::stories::MAX_TAGS
            ),
        );
        tag_ids.truncate(crate::actions::stories::MAX_TAGS);
    }
    let featured = item
        .meta("_thumbnail_id")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|wp| index.media.get(&wp))
        .map(|m| m.id);
    let published_at = index.time(&item.post_date_gmt, &item.post_date);
    let created_at = published_at.unwrap_or(now);
    let modified = index
        .time(&item.modified_gmt, &item.modified)
        .unwrap_or(created_at);
    let published_at = match status {
        Status::Draft | Status::Pending | Status::Trash
            if item.post_date_gmt.starts_with("0000") =>
        {
            None
        }
        _ => published_at.or(Some(now)),
    };
    let meta = |k: &str| meta_of(item, k);
    let source_url = meta("_newsdesk_source_url");
    let source_url = if source_url.starts_with("http://") || source_url.starts_with("https://") {
        source_url
    } else {
        String::new()
    };
    let embargo_until = DateTime::parse_from_rfc3339(&meta("_newsdesk_embargo_until"))
        .ok()
        .map(|t| t.with_timezone(&Utc));
    let comments_open = item.comment_status != "closed";
    let existing = index.earlier(tx, WordpressKind::Post, item.id).await?;
    // WordPress renames a trashed post's slug `NAME__trashed`.
    let post_name = item.post_name.trim_end_matches("__trashed");
    let base = if post_name.is_empty() {
        Slug::from_title(&title, "story")
    } else {
        term_slug(post_name, &title, "story")
    };
    let id = match existing {
        Some(id) if Store::story_exists_in(tx, id).await? => {
            let slug = if Store::slug_taken(tx, base.as_str(), Some(id)).await? {
                let taken = Store::article_slugs_like(tx, &base).await?;
                base.first_free(taken.iter().map(String::as_str))
            } else {
                base
            };
            let author_ids = [author];
            let columns = StoryColumns {
                title: &title,
                slug: slug.as_str(),
                body: body.as_str(),
                excerpt: &excerpt,
                credit_line: &meta("_newsdesk_credit_line"),
                source_agency: &meta("_newsdesk_source_agency"),
                source_url: &source_url,
                embargo_until,
                featured_image_id: featured,
                sticky: item.sticky,
                comment_status: if comments_open { "open" } else { "closed" },
                author_ids: &author_ids,
                category_ids: &category_ids,
                tag_ids: &tag_ids,
                password: &item.password,
            };
            Store::write_story(tx, id, &columns, now).await?;
            Store::set_article_status(tx, id, status, published_at).await?;
            summary.count("stories").updated += 1;
            id
        }
        _ => {
            let article = NewArticle {
                title: title.clone(),
                slug: None,
                body,
                excerpt,
                status,
                published_at,
                author_ids: vec![author],
                category_ids,
                tag_ids,
                credit_line: meta("_newsdesk_credit_line"),
                source_agency: meta("_newsdesk_source_agency"),
                source_url,
                embargo_until,
                featured_image_id: featured,
                sticky: item.sticky,
                comment_status: if comments_open {
                    CommentStatus::Open
                } else {
                    CommentStatus::Closed
                },
            };
            return Ok(Some(NewStory {
                wp_id: item.id,
                article,
                base,
                created_at,
                modified,
                password: item.password.clone(),
                old_path: index.old_path(&item.link).filter(|p| p != "/"),
                relink,
                terms,
                comments: new_comments(tx, converted, index, summary).await?,
            }));
        }
    };
    Store::set_imported_story_details(tx, id, created_at, modified, &item.password).await?;
    Store::put_wordpress_id(tx, WordpressKind::Post, item.id, id).await?;
    if relink {
        index.relink.push((LegacyTarget::Story, id));
    }
    if let Some(path) = index.old_path(&item.link).filter(|p| p != "/") {
        Store::put_legacy_url(tx, &path, LegacyTarget::Story, id).await?;
    }
    comments(tx, item, Thread::Story(id), index, summary).await?;
    Ok(None)
}

/// An item's comments as they will be written, all new (its story is), from the conversions
/// the reading half made (`converted`, one per comment of the item): those with no text are
/// counted as skipped.
async fn new_comments(
    tx: &mut Tx,
    converted: Vec<Option<ImportedComment>>,
    index: &mut Index,
    summary: &mut Summary,
) -> Result<Vec<ImportedComment>> {
    let mut out = Vec::with_capacity(converted.len());
    for comment in converted {
        match comment {
            Some(mut comment) => {
                comment.user_id = account_of(tx, comment.wp_user_id, index).await?;
                out.push(comment);
            }
            None => summary.count("comments").skipped += 1,
        }
    }
    Ok(out)
}

/// A WordPress comment as Newsdesk keeps it, but for its account (see [`account_of`]); `None`
/// when it has no text. Needs no database, so the reading half of pass 3 does it.
pub(super) fn comment_of(
    c: &crate::wordpress::reader::Comment,
    index: &Index,
) -> Option<ImportedComment> {
    let body = comment_text(&c.content);
    if body.trim().is_empty() {
        return None;
    }
    let status = match c.approved.trim() {
        "1" | "approve" | "approved" => "approved",
        "spam" => "spam",
        "trash" | "post-trashed" => "trash",
        _ => "pending",
    };
    Some(ImportedComment {
        wp_id: c.id,
        wp_parent: c.parent,
        status,
        body,
        wp_user_id: c.user_id,
        user_id: None,
        author: if c.author.trim().is_empty() {
            "Anonymous".to_owned()
        } else {
            c.author.trim().to_owned()
        },
        email: crate::domain::user::normalize_email(&c.email),
        url: crate::domain::comment::normalize_url(&c.url).unwrap_or_default(),
        ip: c.ip.trim().to_owned(),
        created_at: index.time(&c.date_gmt, &c.date).unwrap_or_else(Utc::now),
        token: crate::actions::comments::random_token(),
    })
}

/// The local account of a comment's WordPress user (`0`: none), if it was imported.
async fn account_of(tx: &mut Tx, wp_user_id: i64, index: &mut Index) -> Result<Option<i64>> {
    Ok(match wp_user_id {
        0 => None,
        wp => match index.user_ids.get(&wp) {
            Some(id) => *id,
            None => {
                let id = Store::wordpress_id(tx, WordpressKind::User, wp).await?;
                index.user_ids.insert(wp, id);
                id
            }
        },
    })
}

impl ImportedComment {
    pub(super) fn row(&self, thread: Thread) -> NewComment<'_> {
        NewComment {
            thread,
            parent_id: None,
            user_id: self.user_id,
            author_name: &self.author,
            author_email: &self.email,
            author_url: &self.url,
            author_ip: &self.ip,
            user_agent: "",
            body: &self.body,
            status: self.status,
            spam_score: 0,
            spam_reasons: "",
            moderation_token: &self.token,
            notify_replies: "no",
            notify_token: "",
            created_at: self.created_at,
        }
    }
}

/// A post's or page's comments, threaded as they were: those an earlier import brought are
/// updated in place.
pub(super) async fn comments(
    tx: &mut Tx,
    item: &Item,
    thread: Thread,
    index: &mut Index,
    summary: &mut Summary,
) -> Result<()> {
    let mut local: HashMap<i64, i64> = HashMap::new();
    for c in &item.comments {
        let Some(mut comment) = comment_of(c, index) else {
            summary.count("comments").skipped += 1;
            continue;
        };
        comment.user_id = account_of(tx, comment.wp_user_id, index).await?;
        let id = match index.earlier(tx, WordpressKind::Comment, c.id).await? {
            Some(id) if c.id != 0 && Store::comment_exists_in(tx, id).await? => {
                Store::set_imported_comment(tx, id, comment.status, &comment.body, None).await?;
                summary.count("comments").updated += 1;
                id
            }
            _ => {
                summary.count("comments").created += 1;
                Store::insert_comment(tx, &comment.row(thread)).await?
            }
        };
        if c.id != 0 {
            Store::put_wordpress_id(tx, WordpressKind::Comment, c.id, id).await?;
            local.insert(c.id, id);
        }
    }
    for c in item.comments.iter().filter(|c| c.parent != 0) {
        let (Some(id), Some(parent)) = (local.get(&c.id), local.get(&c.parent)) else {
            if local.contains_key(&c.id) {
                summary.warn(
                    "comment",
                    c.id,
                    "its parent is not in the export; shown at the top",
                );
            }
            continue;
        };
        Store::set_comment_parent(tx, *id, Some(*parent)).await?;
    }
    Ok(())
}

/// A page: created or updated in place; its parent is set once every page is in.
pub(super) async fn page(
    tx: &mut Tx,
    by: Actor<'_>,
    item: &Item,
    body: SafeHtml,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(status) = status_of(&item.status) else {
        summary.count("pages").skipped += 1;
        return Ok(());
    };
    let title = title_of(item, summary, "page");
    let relink = links_within_site(body.as_str());
    let existing = match index.earlier(tx, WordpressKind::Page, item.id).await? {
        Some(id) if Store::page_in(tx, id).await?.is_some() => Some(id),
        _ => None,
    };
    let post_name = item.post_name.trim_end_matches("__trashed");
    let slug = if post_name.is_empty() {
        String::new()
    } else {
        term_slug(post_name, &title, "page").as_str().to_owned()
    };
    let featured = item
        .meta("_thumbnail_id")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|wp| index.media.get(&wp))
        .map(|m| m.id);
    let input = crate::actions::pages::PageInput {
        title,
        slug: slug.clone(),
        body,
        excerpt: excerpt_of(item),
        parent_id: None,
        menu_order: i32::try_from(item.menu_order).unwrap_or(0),
        featured_image_id: featured,
        password: item.password.clone(),
        // WordPress's own setting for the page; without one it stays closed, as WordPress
        // creates pages.
        comments_open: item.comment_status == "open",
        // The page as it is now: an import replaces it, as a new version.
        base_version: None,
    };
    let saved = match crate::actions::pages::save_in(
        tx,
        by,
        existing,
        &input,
        crate::actions::stories::Intent::Save,
        now,
    )
    .await
    {
        Ok(saved) => saved,
        // An address the site keeps for itself (`feed`, `search` …): one made from the title.
        Err(ActionError::Fields(f)) if f.contains_key("slug") => {
            let input = crate::actions::pages::PageInput {
                slug: String::new(),
                ..input
            };
            crate::actions::pages::save_in(
                tx,
                by,
                existing,
                &input,
                crate::actions::stories::Intent::Save,
                now,
            )
            .await?
        }
        Err(e) => return Err(e),
    };
    let published_at = match status {
        Status::Draft | Status::Pending | Status::Trash
            if item.post_date_gmt.starts_with("0000") =>
        {
            None
        }
        _ => index
            .time(&item.post_date_gmt, &item.post_date)
            .or(Some(now)),
    };
    Store::set_page_status(tx, saved.id, status, published_at).await?;
    let created_at = published_at.unwrap_or(now);
    let modified = index
        .time(&item.modified_gmt, &item.modified)
        .unwrap_or(created_at);
    let author = index.user(&item.creator);
    Store::set_imported_page_details(tx, saved.id, created_at, modified, &item.password, author)
        .await?;
    Store::put_wordpress_id(tx, WordpressKind::Page, item.id, saved.id).await?;
    if relink {
        index.relink.push((LegacyTarget::Page, saved.id));
    }
    if let Some(path) = index.old_path(&item.link).filter(|p| p != "/") {
        Store::put_legacy_url(tx, &path, LegacyTarget::Page, saved.id).await?;
    }
    let c = summary.count("pages");
    if existing.is_some() {
        c.updated += 1
    } else {
        c.created += 1
    }
    index.pages.insert(item.id, saved.id);
    if item.parent != 0 {
        index.page_parents.push((item.id, saved.id, item.parent));
    }
    comments(tx, item, Thread::Page(saved.id), index, summary).await
}
