//! Stories ("articles") and static pages: states, validated input, canonical URLs.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use super::html::SafeHtml;
use super::slug::Slug;

/// Editorial state of a story or page (WordPress: draft, pending, future, publish, private, trash).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Pending,
    Scheduled,
    Published,
    Private,
    Trash,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Pending,
        Status::Scheduled,
        Status::Published,
        Status::Private,
        Status::Trash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Pending => "pending",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Private => "private",
            Status::Trash => "trash",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Whether readers may comment on a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Open,
    Closed,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Open => "open",
            CommentStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CommentStatus> {
        match s {
            "open" => Some(CommentStatus::Open),
            "closed" => Some(CommentStatus::Closed),
            _ => None,
        }
    }
}

/// Longest headline accepted; longer titles are refused rather than cut.
pub const MAX_TITLE_LEN: usize = 300;

/// A story ready to be inserted: every field already validated.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub title: String,
    /// Requested slug; derived from the title when absent. Collisions get a numeric suffix.
    pub slug: Option<Slug>,
    pub body: SafeHtml,
    pub excerpt: String,
    pub status: Status,
    pub published_at: Option<DateTime<Utc>>,
    /// Author ids in byline order; at least one.
    pub author_ids: Vec<i64>,
    /// Category ids; the first is the primary section.
    pub category_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
    pub credit_line: String,
    pub source_agency: String,
    pub source_url: String,
    pub embargo_until: Option<DateTime<Utc>>,
    pub featured_image_id: Option<i64>,
    pub sticky: bool,
    pub comment_status: CommentStatus,
}

/// Why a story could not be saved, per field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    #[error("title: a story needs a headline")]
    EmptyTitle,
    #[error("title: a headline may have at most {MAX_TITLE_LEN} characters")]
    TitleTooLong,
    #[error("authors: a story needs at least one author")]
    NoAuthor,
    #[error("source_url: must be an http:// or https:// address")]
    BadSourceUrl,
    #[error("published_at: a published story cannot appear before its embargo ends")]
    BeforeEmbargo,
}

impl NewArticle {
    /// Checks the rules that do not need the database.
    pub fn validate(&self) -> Result<(), ArticleError> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(ArticleError::EmptyTitle);
        }
        if title.chars().count() > MAX_TITLE_LEN {
            return Err(ArticleError::TitleTooLong);
        }
        if self.author_ids.is_empty() {
            return Err(ArticleError::NoAuthor);
        }
        let url = self.source_url.trim();
        if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(ArticleError::BadSourceUrl);
        }
        if let (Some(embargo), Some(published), Status::Published) =
            (self.embargo_until, self.published_at, self.status)
            && published < embargo
        {
            return Err(ArticleError::BeforeEmbargo);
        }
        Ok(())
    }
}

/// The canonical path of a published story: `/YYYY/MM/DD/slug/`, dated in the site's time zone
/// (so the date in the URL is the date printed on the page).
pub fn article_path(published_at: DateTime<Utc>, slug: &str, tz: Tz) -> String {
    let local = published_at.with_timezone(&tz);
    format!(
        "/{:04}/{:02}/{:02}/{}/",
        local.year(),
        local.month(),
        local.day(),
        slug
    )
}

/// Plain-text excerpt of at most `max_chars` characters, cut at a word boundary, from HTML.
pub fn excerpt_from_html(html: &str, max_chars: usize) -> String {
    let html = super::embed::without_embeds(html);
    let mut text = String::with_capacity(html.len().min(max_chars * 4));
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = super::html::decode_entities(&text);
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        if out.chars().count() + w.chars().count() + 1 > max_chars {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

stored_name!(Status, "story status");
stored_name!(CommentStatus, "comment setting");

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn article_paths_use_the_site_time_zone() {
        let t = Utc.with_ymd_and_hms(2026, 11, 27, 23, 30, 0).unwrap();
        assert_eq!(article_path(t, "a", chrono_tz::UTC), "/2026/11/27/a/");
        assert_eq!(
            article_path(t, "a", chrono_tz::Europe::Berlin),
            "/2026/11/28/a/"
        );
    }

    #[test]
    fn excerpts_are_plain_text_cut_at_words() {
        assert_eq!(
            excerpt_from_html("<p>Hello <b>big</b> world</p><p>again &amp; again</p>", 100),
            "Hello big world again & again"
        );
        assert_eq!(
            excerpt_from_html("<p>one two three four</p>", 10),
            "one two…"
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("publish"), None);
    }
}
