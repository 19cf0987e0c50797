//! What a page of stories or pages links to, read for the whole page at once: bylines and
//! sections/tags always (the `author`, `categories` and `tags` fields need them), and with
//! `_embed` the people, images and replies it embeds. One query each, whatever the page's
//! length.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::errors::ApiError;
use super::params::Context;
use super::terms::{Taxonomy, term_embed};
use super::{Api, comments, media, users};
use crate::store::articles::TermRef;
use crate::store::rest::{ContentKind, ContentRow, RestComment, RestUser};

/// Replies `_embed` shows per story or page (WordPress's default page of comments).
const REPLIES: u32 = 10;

/// The related rows of a page of stories or pages.
pub struct Related {
    /// Each story's bylines, in order (a page's author is on its row).
    bylines: HashMap<i64, Vec<i64>>,
    terms: HashMap<i64, Vec<TermRef>>,
    users: Vec<RestUser>,
    media: Option<media::Loaded>,
    replies: HashMap<i64, Vec<RestComment>>,
}

impl Related {
    pub async fn load(
        api: &Api,
        kind: ContentKind,
        rows: &[ContentRow],
    ) -> Result<Related, ApiError> {
        let store = api.store();
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut bylines: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut terms: HashMap<i64, Vec<TermRef>> = HashMap::new();
        if kind == ContentKind::Story {
            for (story, user) in store.rest_bylines(&ids).await? {
                bylines.entry(story).or_default().push(user);
            }
            for t in store.terms_of(&ids).await? {
                terms.entry(t.article_id).or_default().push(t);
            }
        }
        let g = &api.globals;
        let users = if g.embeds("author") {
            let mut people: Vec<i64> = bylines.values().flatten().copied().collect();
            people.extend(rows.iter().filter_map(|r| r.author_id));
            people.sort_unstable();
            people.dedup();
            store.rest_users_by_ids(&people, api.now).await?
        } else {
            Vec::new()
        };
        let media = if g.embeds("wp:featuredmedia") {
            let images: Vec<i64> = rows
                .iter()
                .filter_map(super::posts::featured_image)
                .collect();
            Some(media::Loaded::by_ids(store, &images, api.now).await?)
        } else {
            None
        };
        let mut replies: HashMap<i64, Vec<RestComment>> = HashMap::new();
        if g.embeds("replies") {
            for c in store.rest_replies(kind, &ids, REPLIES).await? {
                if let Some(of) = c.article_id.or(c.page_id) {
                    replies.entry(of).or_default().push(c);
                }
            }
        }
        Ok(Related {
            bylines,
            terms,
            users,
            media,
            replies,
        })
    }

    /// A story's or page's author ids: its bylines, or the page's author.
    pub fn authors(&self, row: &ContentRow) -> Vec<i64> {
        match self.bylines.get(&row.id) {
            Some(ids) => ids.clone(),
            None => row.author_id.into_iter().collect(),
        }
    }

    /// A story's section or tag ids.
    pub fn term_ids(&self, id: i64, taxonomy: Taxonomy) -> Vec<i64> {
        let kind = match taxonomy {
            Taxonomy::Category => "category",
            Taxonomy::Tag => "tag",
        };
        self.terms
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|t| t.kind == kind)
            .map(|t| t.term_id)
            .collect()
    }

    /// `_embedded` of an item, when `_embed` asked for anything it links to.
    pub fn embedded(
        &self,
        api: &Api,
        kind: ContentKind,
        row: &ContentRow,
        link: &str,
    ) -> Option<Value> {
        let g = &api.globals;
        g.embed.as_ref()?;
        let mut out = serde_json::Map::new();
        if g.embeds("author") {
            let people: Vec<Value> = self
                .authors(row)
                .iter()
                .filter_map(|id| self.users.iter().find(|u| u.id == *id))
                .map(users::user_json)
                .collect();
            if !people.is_empty() {
                out.insert("author".into(), Value::Array(people));
            }
        }
        if let (Some(loaded), Some(image)) = (&self.media, super::posts::featured_image(row))
            && let Some(m) = loaded.get(image)
        {
            out.insert(
                "wp:featuredmedia".into(),
                json!([loaded.json(m, api, Context::Embed)]),
            );
        }
        if kind == ContentKind::Story && g.embeds("wp:term") {
            let of = |taxonomy: Taxonomy, name: &str| -> Vec<Value> {
                self.terms
                    .get(&row.id)
                    .into_iter()
                    .flatten()
                    .filter(|t| t.kind == name)
                    .map(|t| term_embed(&api.chrome, taxonomy, t.term_id, &t.name, &t.slug))
                    .collect()
            };
            out.insert(
                "wp:term".into(),
                json!([of(Taxonomy::Category, "category"), of(Taxonomy::Tag, "tag")]),
            );
        }
        if g.embeds("replies")
            && let Some(list) = self.replies.get(&row.id)
        {
            let items: Vec<Value> = list
                .iter()
                .map(|c| {
                    let at = format!("{link}#comment-{}", c.id);
                    comments::comment_json(c, api, at, Context::Embed)
                })
                .collect();
            out.insert("replies".into(), json!([items]));
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }
}
