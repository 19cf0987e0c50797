//! What every page shows around its content (settings, sections, menus, widgets), kept in
//! memory (`super::kept`): reloaded when a change touches what it shows (see [`Chrome::keys`]
//! and `store::purge`; other nodes' changes arrive as `Store::fresh_generation` learns of
//! them), when a story its widgets could list comes due, and when the year in its footer turns.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use serde::Serialize;

use super::kept::{Kept, Made};
use super::views::{self, Card, LinkView};
use crate::AppState;
use crate::domain::article::article_path;
use crate::domain::settings::SiteSettings;
use crate::domain::widget::{Widget, WidgetKind};
use crate::error::AppError;
use crate::store::articles::ArticleQuery;
use crate::store::menus::MenuItemRow;
use crate::store::purge;
use crate::store::taxonomy::Category;

/// The longest the chrome is kept, as the page cache keeps pages.
const MAX_AGE: Duration = Duration::from_secs(300);

/// A widget ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetView {
    pub id: i64,
    /// `posts_in_category`, `featured_post`, `latest_posts` or `text`.
    pub kind: &'static str,
    pub title: String,
    pub stories: Vec<Card>,
    /// Link to the full list (the section archive of a "posts in category" widget).
    pub more: Option<LinkView>,
    /// Sanitized HTML of a text widget.
    pub html: Option<String>,
}

/// A menu entry with its resolved label and URL, and the entries nested under it.
#[derive(Debug, Clone, Serialize)]
pub struct MenuLink {
    pub label: String,
    pub url: String,
    pub children: Vec<MenuLink>,
}

/// Everything around a page's content.
#[derive(Debug, Serialize)]
pub struct Chrome {
    pub settings: SiteSettings,
    #[serde(skip)]
    pub categories: Vec<Category>,
    pub primary_menu: Vec<MenuLink>,
    pub footer_menu: Vec<MenuLink>,
    pub sidebar: Vec<WidgetView>,
    pub footer: Vec<WidgetView>,
    pub year: i32,
    /// What the menus and widgets show, as purge keys (`lists` when a widget lists stories,
    /// `story-ID` and `page-ID` of each story and page shown or linked by its title); every
    /// page rendered with this chrome declares them. Settings, sections, menus and widgets
    /// themselves change only with writes that purge everything.
    #[serde(skip)]
    pub keys: Vec<String>,
    /// The Content-Security-Policy of public pages under these settings.
    #[serde(skip)]
    pub csp: String,
}

impl Chrome {
    /// A section and all its descendants' ids.
    pub fn category_with_descendants(&self, id: i64) -> Vec<i64> {
        let mut ids = vec![id];
        let mut i = 0;
        while i < ids.len() {
            let parent = ids[i];
            ids.extend(
                self.categories
                    .iter()
                    .filter(|c| c.parent_id == Some(parent))
                    .map(|c| c.id),
            );
            i += 1;
        }
        ids
    }

    pub fn category(&self, id: i64) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The section path from the top: `/category/world/asia/`.
    pub fn category_url(&self, id: i64) -> String {
        let mut parts = Vec::new();
        let mut cur = self.category(id);
        while let Some(c) = cur {
            parts.push(c.slug.as_str());
            // Guard against a cycle in stored data.
            if parts.len() > 16 {
                break;
            }
            cur = c.parent_id.and_then(|p| self.category(p));
        }
        parts.reverse();
        format!("/category/{}/", parts.join("/"))
    }

    /// `(name, address)` of a section and its parents, from the top down (for breadcrumbs).
    pub fn section_trail(&self, id: i64) -> Vec<(String, String)> {
        let mut trail = Vec::new();
        let mut cur = self.category(id);
        while let Some(c) = cur {
            trail.push((c.name.clone(), self.category_url(c.id)));
            if trail.len() > 16 {
                break;
            }
            cur = c.parent_id.and_then(|p| self.category(p));
        }
        trail.reverse();
        trail
    }

    pub fn top_categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| c.parent_id.is_none())
    }
}

pub struct ChromeCache {
    kept: Kept<(), Arc<Chrome>>,
}

impl Default for ChromeCache {
    fn default() -> Self {
        ChromeCache {
            kept: Kept::new(1, MAX_AGE),
        }
    }
}

impl ChromeCache {
    pub async fn get(&self, state: &AppState) -> Result<Arc<Chrome>, AppError> {
        Ok(self.get_since(state).await?.0)
    }

    /// The chrome, and the content generation it is known to hold at: parts of the page
    /// made after it from other reads can be kept as of that generation (see `super::kept`).
    pub async fn get_since(&self, state: &AppState) -> Result<(Arc<Chrome>, u64), AppError> {
        let generation = state.store().fresh_generation().await;
        let kept = self
            .kept
            .get(
                state,
                (),
                generation,
                |_| true,
                |now| async move {
                    let chrome = load(state, now).await?;
                    Ok(Made {
                        keys: chrome.keys.clone(),
                        until: next_year(now, chrome.settings.timezone),
                        value: Arc::new(chrome),
                        keep: true,
                    })
                },
            )
            .await?;
        Ok(((**kept).clone(), generation))
    }
}

/// When the year shown in the footer turns, in the site's time zone.
fn next_year(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let year = chrono::Datelike::year(&now.with_timezone(&tz));
    tz.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

async fn load(state: &AppState, now: DateTime<Utc>) -> Result<Chrome, AppError> {
    let store = state.store();
    let settings = store.settings().await?;
    let categories = store.categories().await?;
    let mut chrome = Chrome {
        year: chrono::Datelike::year(&now.with_timezone(&settings.timezone)),
        csp: crate::web::csp::public_policy(&settings, &[]),
        settings,
        categories,
        primary_menu: Vec::new(),
        footer_menu: Vec::new(),
        sidebar: Vec::new(),
        footer: Vec::new(),
        keys: Vec::new(),
    };
    let items = store.menu_items().await?;
    // Top-level entries first, then each nested entry under its parent (one level deep); an
    // entry whose target is gone or unpublished is left out, with whatever is nested under it.
    // (item id, index in its menu) of each top-level entry shown.
    let mut placed: Vec<(i64, usize)> = Vec::new();
    for top in [true, false] {
        for item in items.iter().filter(|i| i.parent_id.is_none() == top) {
            let Some(link) = menu_link(&chrome, item) else {
                continue;
            };
            let list = match item.location.as_str() {
                "primary" => &mut chrome.primary_menu,
                "footer" => &mut chrome.footer_menu,
                _ => continue,
            };
            match item.parent_id {
                None => {
                    placed.push((item.id, list.len()));
                    list.push(link);
                }
                Some(parent) => {
                    if let Some(&(_, index)) = placed.iter().find(|(id, _)| *id == parent) {
                        list[index].children.push(link);
                    }
                }
            }
        }
    }
    for widget in store.widgets().await? {
        let view = widget_view(state, &chrome, &widget).await?;
        match widget.area.as_str() {
            "sidebar" => chrome.sidebar.push(view),
            "footer" => chrome.footer.push(view),
            _ => {}
        }
    }
    let mut keys = std::collections::BTreeSet::new();
    for w in chrome.sidebar.iter().chain(&chrome.footer) {
        if w.kind != "text" {
            keys.insert(purge::LISTS.to_owned());
        }
        keys.extend(w.stories.iter().map(|c| purge::story(c.id)));
    }
    for item in &items {
        match (item.kind.as_str(), item.target_id) {
            ("article", Some(id)) => keys.insert(purge::story(id)),
            ("page", Some(id)) => keys.insert(purge::page(id)),
            _ => false,
        };
    }
    chrome.keys = keys.into_iter().collect();
    Ok(chrome)
}

/// A menu entry's label and address, if its target still exists and is public.
pub(crate) fn menu_link(chrome: &Chrome, item: &MenuItemRow) -> Option<MenuLink> {
    let (default_label, url) = match item.kind.as_str() {
        "category" => item.target_id.and_then(|id| {
            chrome
                .category(id)
                .map(|c| (c.name.clone(), chrome.category_url(id)))
        })?,
        "page" => match (&item.target_slug, &item.target_title) {
            (Some(slug), Some(title)) => (title.clone(), format!("/{slug}/")),
            _ => return None,
        },
        "article" => match (
            &item.target_slug,
            &item.target_title,
            item.target_published_at,
        ) {
            (Some(slug), Some(title), Some(at)) => (
                title.clone(),
                article_path(at, slug, chrome.settings.timezone),
            ),
            _ => return None,
        },
        "link" => (item.label.clone(), item.url.clone()),
        _ => return None,
    };
    let label = if item.label.is_empty() {
        default_label
    } else {
        item.label.clone()
    };
    Some(MenuLink {
        label,
        url,
        children: Vec::new(),
    })
}

/// A widget as the theme renders it (`widget.html`), its stories read now. The admin's live
/// preview renders unsaved widgets through this too.
pub async fn widget_view(
    state: &AppState,
    chrome: &Chrome,
    widget: &Widget,
) -> Result<WidgetView, AppError> {
    let store = state.store();
    let now = state.now();
    let (stories, more, html) = match &widget.kind {
        WidgetKind::PostsInCategory { category_id, count } => {
            let ids = chrome.category_with_descendants(*category_id);
            let q = ArticleQuery {
                category_ids: Some(ids),
                ..Default::default()
            };
            let rows = store.published_list(&q, now, u32::from(*count), 0).await?;
            let more = chrome.category(*category_id).map(|c| LinkView {
                name: c.name.clone(),
                url: chrome.category_url(c.id),
            });
            (rows, more, None)
        }
        WidgetKind::FeaturedPost { article_id } => {
            let row = match article_id {
                Some(id) => store
                    .published_by_ids(&[*id], now)
                    .await?
                    .into_iter()
                    .next(),
                None => store.latest_sticky(now).await?,
            };
            (row.into_iter().collect(), None, None)
        }
        WidgetKind::LatestPosts { count } => (
            store
                .published_list(&ArticleQuery::default(), now, u32::from(*count), 0)
                .await?,
            None,
            None,
        ),
        WidgetKind::Text { html } => (Vec::new(), None, Some(html.as_str().to_owned())),
    };
    let mut stories = views::cards(store, chrome, stories, false).await?;
    // The chrome is on every page and is not made again for a comment (it does not name its
    // stories' `comments-ID`), so its cards carry no comment count that could go stale.
    for card in &mut stories {
        card.comment_count = 0;
    }
    Ok(WidgetView {
        id: widget.id,
        kind: widget.kind.kind(),
        title: widget.title.clone(),
        stories,
        more,
        html,
    })
}
