//! Archives: sections (with sub-sections), tags, authors, years, months and days; paginated.

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;

use super::kept::{Made, list_keys};
use super::views::{self, Card, LinkView, Pagination};
use super::{Chrome, PageMeta, html, meta, render};
use crate::AppState;
use crate::error::AppError;
use crate::store::articles::ArticleQuery;
use crate::store::users::AuthorProfile;
use crate::web::paging::path_page;

/// A list of stories to show.
pub(crate) struct Listing {
    pub heading: String,
    pub description: String,
    /// URL of the first page, ending in `/`.
    pub base_url: String,
    pub query: ArticleQuery,
    /// "Section", "Tag", "Author", "Archive" or empty.
    pub kind_label: &'static str,
    pub sub_sections: Vec<LinkView>,
    /// Breadcrumbs below the home page, ending with this listing.
    pub trail: Vec<(String, String)>,
    /// Whether the listing has its own feeds (sections, tags, authors).
    pub has_feeds: bool,
    /// Whether a listing without stories is not found (a date with no stories) rather than an
    /// empty page (a section or tag that exists but has no stories yet).
    pub missing_when_empty: bool,
    /// An author's page: their public email and avatar.
    pub author: Option<AuthorProfile>,
}

/// Renders page `n` of a listing; pages past the end are 404s (and an empty first page, when
/// the listing says so).
/// `since`: the content generation read before the chrome (see `ChromeCache::get_since`).
pub(crate) async fn render_listing(
    state: &AppState,
    chrome: &Chrome,
    since: u64,
    l: Listing,
    n: u32,
) -> Result<Response, AppError> {
    crate::web::cache::shows(crate::store::purge::LISTS);
    let per_page = chrome.settings.posts_per_page;
    let key = PageKey {
        query: l.query.clone(),
        per_page,
        page: n,
    };
    let page = state
        .kept()
        .archives
        .get(
            state,
            key,
            since,
            |_| true,
            |now| list_page(state, chrome, &l.query, per_page, n, now),
        )
        .await?;
    let ArchivePage { stories, has_next } = &**page;
    if stories.is_empty() && (n > 1 || l.missing_when_empty) {
        return Err(AppError::NotFound);
    }
    let thin = n == 1 && stories.len() < 2;
    let pagination = Pagination::new(&l.base_url, n, *has_next);
    let title = if n > 1 {
        format!("{} – Page {n}", l.heading)
    } else {
        l.heading.clone()
    };
    let meta = PageMeta {
        title: format!("{title} – {}", chrome.settings.title),
        description: if l.description.is_empty() {
            format!("{} – {}", l.heading, chrome.settings.title)
        } else {
            l.description.clone()
        },
        canonical: if n > 1 {
            format!("{}page/{n}/", l.base_url)
        } else {
            l.base_url.clone()
        },
        prev: pagination.prev.clone(),
        next: pagination.next.clone(),
        // Thin archives (fewer than two stories) are kept out of search engines.
        robots: thin.then_some("noindex, follow"),
        kind: "archive",
        og_type: (l.kind_label == "Author").then_some("profile"),
        feeds: if l.has_feeds {
            meta::feeds_of(
                &l.base_url,
                &format!("{} – {}", l.heading, chrome.settings.title),
            )
        } else {
            Vec::new()
        },
        json_ld: if l.trail.is_empty() {
            Vec::new()
        } else {
            let mut trail = vec![("Home".to_owned(), "/".to_owned())];
            trail.extend(l.trail.iter().cloned());
            vec![meta::breadcrumbs(&trail)]
        },
        ..Default::default()
    };
    let body = render(
        state,
        chrome,
        "archive.html",
        &meta,
        minijinja::context! {
            heading => l.heading, description => l.description, kind_label => l.kind_label,
            sub_sections => l.sub_sections, stories, pagination, author => l.author,
        },
    )?;
    Ok(html(body))
}

/// Which page of which list.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    query: ArticleQuery,
    per_page: u32,
    page: u32,
}

/// One page of a list's stories.
pub struct ArchivePage {
    stories: Vec<Card>,
    /// Whether a later page has stories.
    has_next: bool,
}

async fn list_page(
    state: &AppState,
    chrome: &Chrome,
    query: &ArticleQuery,
    per_page: u32,
    n: u32,
    now: DateTime<Utc>,
) -> Result<Made<ArchivePage>, AppError> {
    let store = state.store();
    // One story more than a page tells whether there is a next page, without counting them all.
    let mut rows = store
        .published_list(query, now, per_page + 1, (n - 1) * per_page)
        .await?;
    let has_next = rows.len() > per_page as usize;
    rows.truncate(per_page as usize);
    let keys = list_keys(rows.iter().map(|r| &r.id));
    let stories = views::cards(store, chrome, rows, true).await?;
    Ok(Made {
        // The first page of a section, tag or author without stories yet is a page like any.
        keep: !stories.is_empty() || n == 1,
        until: None,
        value: ArchivePage { stories, has_next },
        keys,
    })
}

/// Splits `a/b/page/3/` into (`["a", "b"]`, 3). `None` if malformed.
fn split_paged(path: &str) -> Option<(Vec<&str>, u32)> {
    let segments: Vec<&str> = path.strip_suffix('/')?.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    match segments.as_slice() {
        [rest @ .., "page", n] if !rest.is_empty() => {
            Some((rest.to_vec(), n.parse().ok().filter(|n| *n >= 1)?))
        }
        _ => Some((segments, 1)),
    }
}

fn paged_url(base: &str, n: u32) -> String {
    if n > 1 {
        format!("{base}page/{n}/")
    } else {
        base.to_owned()
    }
}

/// `/category/SLUG/`, `/category/PARENT/CHILD/`, with `page/N/`. A section reached by a path
/// other than its canonical one (e.g. without its parent) is redirected there.
pub async fn category(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    if !path.ends_with('/') {
        return Ok(crate::web::edge::permanent(&format!("/category/{path}/")));
    }
    let (chrome, since) = state.chrome_cache().get_since(&state).await?;
    if let Some((subject, format)) = super::feeds::split_feed(&path) {
        let slug = subject.rsplit('/').next().unwrap_or(subject);
        let Some(cat) = chrome.categories.iter().find(|c| c.slug == slug) else {
            let base = moved_section(&state, &chrome, slug).await?;
            let feed = match format {
                Some(f) => format!("{base}feed/{f}/"),
                None => format!("{base}feed/"),
            };
            return Ok(crate::web::edge::permanent(&feed));
        };
        if format!("/category/{subject}/") != chrome.category_url(cat.id) {
            return Err(AppError::NotFound);
        }
        let listing = section_subject(&chrome, cat.id);
        return super::feeds::listing(&state, &chrome, &listing, format).await;
    }
    let (segments, n) = split_paged(&path).ok_or(AppError::NotFound)?;
    let slug = segments.last().ok_or(AppError::NotFound)?;
    let Some(cat) = chrome.categories.iter().find(|c| c.slug == *slug) else {
        let base = moved_section(&state, &chrome, slug).await?;
        return Ok(crate::web::edge::permanent(&paged_url(&base, n)));
    };
    let base = chrome.category_url(cat.id);
    if format!(
        "/category/{}",
        paged_url(&format!("{}/", segments.join("/")), n)
    ) != paged_url(&base, n)
    {
        return Ok(crate::web::edge::permanent(&paged_url(&base, n)));
    }
    let listing = section_subject(&chrome, cat.id);
    render_listing(&state, &chrome, since, listing, n).await
}

/// The address of the section an old slug now leads to (after a rename, merge or deletion into
/// another section), or not found.
async fn moved_section(state: &AppState, chrome: &Chrome, slug: &str) -> Result<String, AppError> {
    let id = state
        .store()
        .category_redirect(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    chrome
        .category(id)
        .map(|c| chrome.category_url(c.id))
        .ok_or(AppError::NotFound)
}

/// A section's stories, its sub-sections' included (its archive pages and its feeds).
fn section_subject(chrome: &Chrome, id: i64) -> Listing {
    let (name, description) = chrome
        .category(id)
        .map(|c| (c.name.clone(), c.description.clone()))
        .unwrap_or_default();
    let sub_sections = chrome
        .categories
        .iter()
        .filter(|c| c.parent_id == Some(id))
        .map(|c| LinkView {
            name: c.name.clone(),
            url: chrome.category_url(c.id),
        })
        .collect();
    Listing {
        heading: name,
        description,
        base_url: chrome.category_url(id),
        query: ArticleQuery {
            category_ids: Some(chrome.category_with_descendants(id)),
            ..Default::default()
        },
        kind_label: "Section",
        sub_sections,
        author: None,
        trail: chrome.section_trail(id),
        has_feeds: true,
        missing_when_empty: false,
    }
}

/// A tag's stories (its archive pages and its feeds).
pub(crate) async fn tag_subject(state: &AppState, slug: &str) -> Result<Listing, AppError> {
    let tag = state
        .store()
        .tag_by_slug(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Listing {
        trail: vec![(tag.name.clone(), format!("/tag/{}/", tag.slug))],
        has_feeds: true,
        missing_when_empty: false,
        heading: tag.name,
        description: tag.description,
        base_url: format!("/tag/{}/", tag.slug),
        query: ArticleQuery {
            tag_id: Some(tag.id),
            ..Default::default()
        },
        kind_label: "Tag",
        sub_sections: Vec::new(),
        author: None,
    })
}

async fn tag_listing(state: AppState, slug: String, n: u32) -> Result<Response, AppError> {
    let listing = tag_subject(&state, &slug).await?;
    let (chrome, since) = state.chrome_cache().get_since(&state).await?;
    render_listing(&state, &chrome, since, listing, n).await
}

pub async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    tag_listing(state, slug, 1).await
}

pub async fn tag_paged(
    State(state): State<AppState>,
    Path((slug, n)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let n = path_page(&n)?;
    tag_listing(state, slug, n).await
}

/// An author's stories (their archive pages and their feeds).
pub(crate) async fn author_subject(state: &AppState, slug: &str) -> Result<Listing, AppError> {
    let author = state
        .store()
        .author_profile(slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Listing {
        trail: vec![(
            author.display_name.clone(),
            format!("/author/{}/", author.slug),
        )],
        has_feeds: true,
        missing_when_empty: false,
        heading: author.display_name.clone(),
        description: author.bio.clone(),
        base_url: format!("/author/{}/", author.slug),
        query: ArticleQuery {
            author_id: Some(author.id),
            ..Default::default()
        },
        kind_label: "Author",
        sub_sections: Vec::new(),
        author: Some(author),
    })
}

async fn author_listing(state: AppState, slug: String, n: u32) -> Result<Response, AppError> {
    let listing = author_subject(&state, &slug).await?;
    let (chrome, since) = state.chrome_cache().get_since(&state).await?;
    render_listing(&state, &chrome, since, listing, n).await
}

pub async fn author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    author_listing(state, slug, 1).await
}

pub async fn author_paged(
    State(state): State<AppState>,
    Path((slug, n)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let n = path_page(&n)?;
    author_listing(state, slug, n).await
}

/// Two ASCII digits (`03`), as dates in addresses are written.
fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses a 4-digit year, an optional 2-digit month and (with a month) an optional 2-digit
/// day into a UTC range in the site's time zone, with the archive's heading. Dates that do
/// not exist (`2026/02/30`) are `None`.
pub(crate) fn date_range(
    year: &str,
    month: Option<&str>,
    day: Option<&str>,
    tz: Tz,
) -> Option<(DateTime<Utc>, DateTime<Utc>, String)> {
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = year.parse().ok().filter(|y| (1000..=9999).contains(y))?;
    // The first moment of a local day (midnight, or later when a clock change skips it).
    let start_of = |d: chrono::NaiveDate| {
        (0..3).find_map(|h| {
            tz.with_ymd_and_hms(d.year(), d.month(), d.day(), h, 0, 0)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt;
    match (month, day) {
        (None, None) => Some((
            start_of(date(y, 1, 1)?)?,
            start_of(date(y + 1, 1, 1)?)?,
            y.to_string(),
        )),
        (Some(m), None) => {
            let m = two_digits(m).filter(|m| (1..=12).contains(m))?;
            let first = date(y, m, 1)?;
            let next = if m == 12 {
                date(y + 1, 1, 1)?
            } else {
                date(y, m + 1, 1)?
            };
            Some((
                start_of(first)?,
                start_of(next)?,
                first.format("%B %Y").to_string(),
            ))
        }
        (Some(m), Some(d)) => {
            let day = date(y, two_digits(m)?, two_digits(d)?)?;
            Some((
                start_of(day)?,
                start_of(day.succ_opt()?)?,
                day.format("%B %-d, %Y").to_string(),
            ))
        }
        (None, Some(_)) => None,
    }
}

/// A year, month or day archive: the stories published then, newest first. A date without
/// stories is not found, like one that does not exist.
pub(crate) async fn date_listing(
    state: &AppState,
    year: &str,
    month: Option<&str>,
    day: Option<&str>,
    n: u32,
) -> Result<Response, AppError> {
    let (chrome, since) = state.chrome_cache().get_since(state).await?;
    let tz = chrome.settings.timezone;
    let (from, to, label) = date_range(year, month, day, tz).ok_or(AppError::NotFound)?;
    let mut trail = vec![(year.to_owned(), format!("/{year}/"))];
    let mut base_url = format!("/{year}/");
    if let Some(m) = month {
        base_url = format!("/{year}/{m}/");
        let (_, _, month_label) = date_range(year, month, None, tz).ok_or(AppError::NotFound)?;
        trail.push((month_label, base_url.clone()));
    }
    if let (Some(m), Some(d)) = (month, day) {
        base_url = format!("/{year}/{m}/{d}/");
        trail.push((label.clone(), base_url.clone()));
    }
    let listing = Listing {
        trail,
        has_feeds: false,
        missing_when_empty: true,
        heading: label,
        description: String::new(),
        base_url,
        query: ArticleQuery {
            published_between: Some((from, to)),
            ..Default::default()
        },
        kind_label: "Archive",
        sub_sections: Vec::new(),
        author: None,
    };
    render_listing(state, &chrome, since, listing, n).await
}

pub async fn year_paged(
    State(state): State<AppState>,
    Path((year, n)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let n = path_page(&n)?;
    date_listing(&state, &year, None, None, n).await
}

pub async fn month_paged(
    State(state): State<AppState>,
    Path((year, month, n)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let n = path_page(&n)?;
    date_listing(&state, &year, Some(&month), None, n).await
}

/// `/2026/03/05/`: the stories of one day (a story lives one segment further down).
pub async fn day(
    State(state): State<AppState>,
    Path((year, month, day)): Path<(String, String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    if !super::page::is_year(&year) {
        // `/about/team/people/`: a page two levels down.
        return super::page::show_page(&state, &[&year, &month, &day], &headers).await;
    }
    date_listing(&state, &year, Some(&month), Some(&day), 1).await
}

pub async fn day_paged(
    State(state): State<AppState>,
    Path((year, month, day, n)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let n = path_page(&n)?;
    date_listing(&state, &year, Some(&month), Some(&day), n).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_paths_split() {
        assert_eq!(split_paged("world/asia/"), Some((vec!["world", "asia"], 1)));
        assert_eq!(split_paged("asia/page/3/"), Some((vec!["asia"], 3)));
        assert_eq!(split_paged("asia/page/0/"), None);
        assert_eq!(split_paged("page/"), Some((vec!["page"], 1)));
        assert_eq!(split_paged("a//b/"), None);
    }

    #[test]
    fn date_ranges_follow_the_time_zone() {
        let (from, to, label) =
            date_range("2026", Some("11"), None, chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-10-31T23:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-30T23:00:00+00:00");
        assert_eq!(label, "November 2026");
        let (from, to, label) =
            date_range("2026", Some("03"), Some("29"), chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-03-28T23:00:00+00:00");
        // The clocks go forward that night: the day is 23 hours long.
        assert_eq!(to.to_rfc3339(), "2026-03-29T22:00:00+00:00");
        assert_eq!(label, "March 29, 2026");
        assert!(date_range("2026", Some("13"), None, chrono_tz::UTC).is_none());
        assert!(date_range("26", None, None, chrono_tz::UTC).is_none());
        assert!(date_range("2026", Some("1"), None, chrono_tz::UTC).is_none());
        assert!(date_range("2026", Some("02"), Some("30"), chrono_tz::UTC).is_none());
        assert!(date_range("2026", Some("02"), Some("5"), chrono_tz::UTC).is_none());
        assert!(date_range("2026", Some("02"), Some("+5"), chrono_tz::UTC).is_none());
        assert!(date_range("2028", Some("02"), Some("29"), chrono_tz::UTC).is_some());
    }
}
