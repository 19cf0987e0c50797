//! New stories written a batch at a time: a few multi-row statements for a few hundred
//! stories with their bylines, sections, tags, search rows, comments, WordPress ids and old
//! addresses, through the same store functions that insert one story or one comment.

use super::*;

/// A post no earlier import brought, read and converted, waiting for its batch.
pub(super) struct NewStory {
    pub wp_id: i64,
    /// Its slug is chosen when the batch is written.
    pub article: NewArticle,
    pub base: Slug,
    pub created_at: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub password: String,
    pub old_path: Option<String>,
    /// Its text links to other addresses of the old site.
    pub relink: bool,
    /// Its index terms when published, computed on the reading thread.
    pub terms: Option<(String, String)>,
    pub comments: Vec<ImportedComment>,
}

/// A comment as it will be written.
pub(super) struct ImportedComment {
    pub wp_id: i64,
    pub wp_parent: i64,
    pub status: &'static str,
    pub body: String,
    /// The WordPress account that wrote it (`0`: none) and the local account it became.
    pub wp_user_id: i64,
    pub user_id: Option<i64>,
    pub author: String,
    pub email: String,
    pub url: String,
    pub ip: String,
    pub created_at: DateTime<Utc>,
    pub token: String,
}

/// Writes `stories` (emptied) inside `tx`.
pub(super) async fn write_stories(
    tx: &mut Tx,
    stories: &mut Vec<NewStory>,
    index: &mut Index,
    summary: &mut Summary,
) -> Result<()> {
    if stories.is_empty() {
        return Ok(());
    }
    let stories = std::mem::take(stories);
    let bases: Vec<&Slug> = stories.iter().map(|s| &s.base).collect();
    let slugs = crate::actions::articles::free_slugs(tx, &bases).await?;
    let rows: Vec<ArticleInsert<'_>> = stories
        .iter()
        .zip(&slugs)
        .map(|(s, slug)| ArticleInsert {
            article: &s.article,
            slug,
            created_at: s.created_at,
            updated_at: s.modified,
            password: &s.password,
            terms: s.terms.as_ref(),
        })
        .collect();
    let ids = Store::insert_articles(tx, &rows).await?;
    summary.count("stories").created += ids.len() as u64;

    let pairs: Vec<(i64, i64)> = stories
        .iter()
        .zip(&ids)
        .map(|(s, id)| (s.wp_id, *id))
        .collect();
    Store::put_wordpress_ids(tx, WordpressKind::Post, &pairs).await?;
    let olds: Vec<(&str, LegacyTarget, i64)> = stories
        .iter()
        .zip(&ids)
        .filter_map(|(s, id)| Some((s.old_path.as_deref()?, LegacyTarget::Story, *id)))
        .collect();
    Store::put_legacy_urls(tx, &olds).await?;
    index.relink.extend(
        stories
            .iter()
            .zip(&ids)
            .filter(|(s, _)| s.relink)
            .map(|(_, id)| (LegacyTarget::Story, *id)),
    );

    // Comments: all inserted at once, then threaded within their story.
    let rows: Vec<NewComment<'_>> = stories
        .iter()
        .zip(&ids)
        .flat_map(|(s, id)| s.comments.iter().map(|c| c.row(Thread::Story(*id))))
        .collect();
    let comment_ids = Store::insert_comments(tx, &rows).await?;
    summary.count("comments").created += comment_ids.len() as u64;
    let mut next = comment_ids.iter();
    let mut known = Vec::new();
    let mut parents = Vec::new();
    for story in &stories {
        let local: HashMap<i64, i64> = story
            .comments
            .iter()
            .zip(next.by_ref())
            .map(|(c, id)| (c.wp_id, *id))
            .collect();
        for c in story.comments.iter().filter(|c| c.wp_id != 0) {
            let id = local[&c.wp_id];
            known.push((c.wp_id, id));
            if c.wp_parent == 0 {
                continue;
            }
            match local.get(&c.wp_parent) {
                Some(parent) => parents.push((id, *parent)),
                None => summary.warn(
                    "comment",
                    c.wp_id,
                    "its parent is not in the export; shown at the top",
                ),
            }
        }
    }
    Store::put_wordpress_ids(tx, WordpressKind::Comment, &known).await?;
    Store::set_comment_parents(tx, &parents).await?;
    Ok(())
}
