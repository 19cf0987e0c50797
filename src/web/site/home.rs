//! The front page, its later pages, and WordPress query links.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use super::kept::{Made, list_keys};
use super::views::{self, Card};
use super::{Chrome, PageMeta, html, meta, render};
use crate::AppState;
use crate::error::AppError;
use crate::store::articles::ArticleQuery;
use crate::web::paging::path_page;

/// Stories shown per section block on the front page.
const PER_SECTION: u32 = 4;
/// Stories in the "Latest" column after the lead story.
const LATEST: u32 = 8;

/// WordPress's query-string links: `/?p=ID`, `/?page_id=ID`, `/?cat=ID`, `/?tag=slug`,
/// `/?author=ID`, `/?attachment_id=ID` (each with `&feed=…` for its feed), `/?feed=…`, and its
/// search `/?s=…`. Unknown keys are ignored (the front page is shown).
#[derive(Debug, Deserialize)]
pub struct WpQuery {
    p: Option<String>,
    page_id: Option<String>,
    cat: Option<String>,
    tag: Option<String>,
    author: Option<String>,
    attachment_id: Option<String>,
    feed: Option<String>,
    s: Option<String>,
}

#[derive(Serialize)]
struct SectionBlock {
    name: String,
    url: String,
    stories: Vec<Card>,
}

pub async fn show(
    State(state): State<AppState>,
    Query(q): Query<WpQuery>,
) -> Result<Response, AppError> {
    if let Some(target) = wordpress_redirect(&state, &q).await? {
        return Ok(target);
    }
    let (chrome, since) = state.chrome_cache().get_since(&state).await?;
    crate::web::cache::shows(crate::store::purge::LISTS);
    let lists = state
        .kept()
        .front
        .get(
            &state,
            (),
            since,
            |_| true,
            |now| front_lists(&state, &chrome, now),
        )
        .await?;
    let FrontLists {
        lead,
        latest,
        sections,
        has_page_2,
    } = &**lists;
    let meta = PageMeta {
        title: format!("{} – {}", chrome.settings.title, chrome.settings.tagline),
        description: chrome.settings.tagline.clone(),
        canonical: "/".into(),
        next: has_page_2.then(|| "/page/2/".to_owned()),
        kind: "home",
        lists_latest: !latest.is_empty(),
        json_ld: vec![
            meta::website(&chrome),
            meta::publisher(&chrome, state.theme().asset_url("logo.png")),
        ],
        ..Default::default()
    };
    let body = render(
        &state,
        &chrome,
        "home.html",
        &meta,
        minijinja::context! { lead, latest, sections, more => meta.next },
    )?;
    Ok(html(body))
}

/// What the front page lists: the lead story, the latest, each top section's newest, and
/// whether there is a second page.
pub struct FrontLists {
    lead: Option<Card>,
    latest: Vec<Card>,
    sections: Vec<SectionBlock>,
    has_page_2: bool,
}

async fn front_lists(
    state: &AppState,
    chrome: &Chrome,
    now: DateTime<Utc>,
) -> Result<Made<FrontLists>, AppError> {
    let store = state.store();
    let top = store
        .published_list(
            &ArticleQuery {
                sticky_first: true,
                ..Default::default()
            },
            now,
            LATEST + 1,
            0,
        )
        .await?;
    let shown: Vec<i64> = top.iter().map(|r| r.id).collect();
    let sections: Vec<_> = chrome.top_categories().collect();
    let groups: Vec<Vec<i64>> = sections
        .iter()
        .map(|c| chrome.category_with_descendants(c.id))
        .collect();
    let by_section = store
        .published_by_section_groups(&groups, PER_SECTION, &shown, now)
        .await?;

    // One batch of section and byline lookups for every story on the page.
    let mut ids = shown;
    ids.extend(by_section.iter().map(|(_, r)| r.id));
    let terms = store.sections_of(&ids).await?;
    let authors = store.authors_of(&ids).await?;
    let images = views::ImageFiles::load(
        store,
        top.iter()
            .chain(by_section.iter().map(|(_, r)| r))
            .map(|r| r.image_id),
    )
    .await?;

    let mut top_cards = views::cards_with(chrome, top, &terms, &authors, &images).into_iter();
    let lead = top_cards.next();
    let latest: Vec<Card> = top_cards.collect();
    let mut blocks: Vec<SectionBlock> = sections
        .iter()
        .map(|c| SectionBlock {
            name: c.name.clone(),
            url: chrome.category_url(c.id),
            stories: Vec::new(),
        })
        .collect();
    let (groups_idx, rows): (Vec<usize>, Vec<_>) = by_section.into_iter().unzip();
    for (g, card) in groups_idx
        .into_iter()
        .zip(views::cards_with(chrome, rows, &terms, &authors, &images))
    {
        if let Some(block) = blocks.get_mut(g) {
            block.stories.push(card);
        }
    }
    blocks.retain(|b| !b.stories.is_empty());

    let per_page = chrome.settings.posts_per_page;
    let has_page_2 = !store
        .published_list(&ArticleQuery::default(), now, 1, per_page)
        .await?
        .is_empty();
    Ok(Made {
        keep: true,
        until: None,
        keys: list_keys(&ids),
        value: FrontLists {
            lead,
            latest,
            sections: blocks,
            has_page_2,
        },
    })
}

/// `/page/N/`: every story, newest first.
pub async fn paged(
    State(state): State<AppState>,
    Path(n): Path<String>,
) -> Result<Response, AppError> {
    let n = path_page(&n)?;
    if n == 1 {
        return Ok(crate::web::edge::permanent("/"));
    }
    let (chrome, since) = state.chrome_cache().get_since(&state).await?;
    let listing = super::archive::Listing {
        heading: "Latest news".into(),
        description: String::new(),
        base_url: "/".into(),
        query: ArticleQuery::default(),
        kind_label: "",
        sub_sections: Vec::new(),
        author: None,
        trail: Vec::new(),
        has_feeds: false,
        missing_when_empty: false,
    };
    super::archive::render_listing(&state, &chrome, since, listing, n).await
}

/// Where a WordPress query link leads. Ids are first looked up among the imported WordPress
/// ids (`?p=` names any kind of post there: a story, a page or an attachment); without a
/// recorded id, `?p=`, `?page_id=` and `?cat=` name Newsdesk's own rows, as the site's feeds
/// write them. `?author=` only takes imported ids. A link to nothing readers can see is a 404.
/// Links to content answer 301, as every old WordPress address does (`web::site::legacy`);
/// the site feed and search keep their 308.
async fn wordpress_redirect(state: &AppState, q: &WpQuery) -> Result<Option<Response>, AppError> {
    use crate::domain::legacy::{LegacyTarget as T, OldFeed, WordpressKind as K};
    let id = |v: &Option<String>| {
        v.as_deref()
            .map(|s| s.trim().parse::<i64>().map_err(|_| AppError::NotFound))
            .transpose()
    };
    let feed = q
        .feed
        .as_deref()
        .map(|f| OldFeed::parse(f).unwrap_or(OldFeed::Rss));
    let store = state.store();
    let found = |target: Option<(T, i64)>| async move {
        let Some((kind, local)) = target else {
            return Err(AppError::NotFound);
        };
        super::legacy::target_url(state, kind, local, feed)
            .await?
            .ok_or(AppError::NotFound)
            .map(|url| Some(crate::web::edge::moved(&url)))
    };
    if let Some(id) = id(&q.p)? {
        let mut target = None;
        for (wp, kind) in [
            (K::Post, T::Story),
            (K::Page, T::Page),
            (K::Attachment, T::Media),
        ] {
            if let Some(local) = store.wordpress_local_id(wp, id).await? {
                target = Some((kind, local));
                break;
            }
        }
        return found(target.or(Some((T::Story, id)))).await;
    }
    if let Some(id) = id(&q.page_id)? {
        let local = store.wordpress_local_id(K::Page, id).await?.unwrap_or(id);
        return found(Some((T::Page, local))).await;
    }
    if let Some(id) = id(&q.cat)? {
        let local = store
            .wordpress_local_id(K::Category, id)
            .await?
            .unwrap_or(id);
        return found(Some((T::Section, local))).await;
    }
    if let Some(slug) = q.tag.as_deref() {
        let tag = store.tag_by_slug(&slug.trim().to_lowercase()).await?;
        return found(tag.map(|t| (T::Tag, t.id))).await;
    }
    if let Some(id) = id(&q.author)? {
        let local = store.wordpress_local_id(K::User, id).await?;
        return found(local.map(|l| (T::Author, l))).await;
    }
    if let Some(id) = id(&q.attachment_id)? {
        let local = store.wordpress_local_id(K::Attachment, id).await?;
        return found(local.map(|l| (T::Media, l))).await;
    }
    if let Some(feed) = q.feed.as_deref() {
        return Ok(Some(crate::web::edge::permanent(match feed {
            "atom" => "/feed/atom/",
            "json" => "/feed/json/",
            _ => "/feed/",
        })));
    }
    if let Some(s) = &q.s {
        return Ok(Some(crate::web::edge::permanent(
            &super::search::wordpress_search_url(s),
        )));
    }
    Ok(None)
}
