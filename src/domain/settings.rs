//! Site settings: stored as name/value rows, read into one typed value with defaults.

use chrono_tz::Tz;

use super::comment::{CommentRules, ModerationPolicy};

/// The site's settings. Unknown or malformed stored values fall back to the defaults.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteSettings {
    pub title: String,
    pub tagline: String,
    #[serde(serialize_with = "serialize_tz")]
    pub timezone: Tz,
    pub posts_per_page: u32,
    /// BCP 47 language tag used in `<html lang>`.
    pub language: String,
    /// Whether story pages show the "Read also" recommendation.
    pub read_also: bool,
    /// Who skips the comment moderation queue.
    pub comment_moderation: ModerationPolicy,
    /// Comments close this many days after publication; 0 keeps them open.
    pub comment_close_days: u32,
    /// Deepest level of threaded replies.
    pub thread_depth: u32,
    /// Seconds a person needs at least between seeing the comment form and sending it.
    pub comment_min_seconds: u32,
    /// Comments with more links than this wait for moderation.
    pub comment_max_links: u32,
    /// Words (one per line) that hold a comment for moderation.
    pub comment_moderation_words: String,
    /// Words (one per line) that mark a comment as spam.
    pub comment_block_words: String,
    /// Comments accepted per IP address, and per email address, in ten minutes.
    pub comment_rate_limit: u32,
    /// Stories (or comments) in each feed.
    pub feed_items: u32,
    /// Whether feeds carry each story's full text or only its excerpt.
    pub feed_content: FeedContent,
    /// Whether readers' apps may post comments through the REST API without signing in
    /// (WordPress's `rest_allow_anonymous_comments`), under the same rules as the form.
    pub api_comments: bool,
    /// The embed providers whose players readers may load (keys of
    /// [`crate::domain::embed::PROVIDERS`]); embeds of the others show as links.
    pub embed_providers: Vec<String>,
    /// Origins pages may load from besides the site and the embed players (analytics, ads),
    /// one per line, each for the kinds of loads it names.
    pub extra_origins: Vec<ExtraOrigin>,
    /// HTML written into every public page's `<head>` and before `</body>`, as it is
    /// (administrators only: it may hold scripts). Its inline scripts are allowed by their
    /// hashes in the page's Content-Security-Policy.
    pub head_snippet: String,
    pub footer_snippet: String,
}

/// What an extra origin may be used for on public pages (the Content-Security-Policy
/// directives it is added to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadKind {
    Script,
    Img,
    Connect,
    Frame,
}

impl LoadKind {
    pub const ALL: [LoadKind; 4] = [
        LoadKind::Script,
        LoadKind::Img,
        LoadKind::Connect,
        LoadKind::Frame,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LoadKind::Script => "script",
            LoadKind::Img => "img",
            LoadKind::Connect => "connect",
            LoadKind::Frame => "frame",
        }
    }
}

/// An `https` origin (`https://stats.example.com`, `https://*.ads.example`) and what it may be
/// used for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExtraOrigin {
    pub origin: String,
    pub kinds: Vec<LoadKind>,
}

/// The longest head or footer snippet.
const MAX_SNIPPET: usize = 20_000;

/// What a feed entry carries (WordPress's "For each post in a feed, include").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    Full,
    Excerpt,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "Newsdesk".into(),
            tagline: "News as it happens".into(),
            timezone: chrono_tz::UTC,
            posts_per_page: 10,
            language: "en".into(),
            read_also: true,
            comment_moderation: ModerationPolicy::HoldFirstTime,
            comment_close_days: 0,
            thread_depth: 5,
            comment_min_seconds: 3,
            comment_max_links: 2,
            comment_moderation_words: String::new(),
            comment_block_words: String::new(),
            comment_rate_limit: 5,
            feed_items: 20,
            feed_content: FeedContent::Full,
            api_comments: false,
            embed_providers: crate::domain::embed::PROVIDERS
                .iter()
                .map(|p| p.key.to_owned())
                .collect(),
            extra_origins: Vec::new(),
            head_snippet: String::new(),
            footer_snippet: String::new(),
        }
    }
}

/// Why a setting value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("unknown setting {0:?}")]
    Unknown(String),
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
}

impl SiteSettings {
    /// Builds settings from stored rows; malformed values keep their default.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> SiteSettings {
        let mut s = SiteSettings::default();
        for (name, value) in rows {
            // A bad stored value must not take the site down; it is ignored.
            let _ = s.set(name, value);
        }
        s
    }

    /// Sets one setting from its text form, validating it.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), SettingError> {
        let value = value.trim();
        match name {
            "title" if value.is_empty() => {
                return Err(SettingError::Invalid(
                    "title",
                    "the site needs a title".into(),
                ));
            }
            "title" => self.title = value.to_owned(),
            "tagline" => self.tagline = value.to_owned(),
            "timezone" => {
                self.timezone = value.parse().map_err(|_| {
                    SettingError::Invalid(
                        "timezone",
                        "not an IANA time zone such as Europe/Berlin".into(),
                    )
                })?
            }
            "posts_per_page" => {
                self.posts_per_page = value.parse().ok().filter(|n| (1..=100).contains(n)).ok_or(
                    SettingError::Invalid("posts_per_page", "a number from 1 to 100".into()),
                )?
            }
            "language" => self.language = language_tag(value)?,
            "read_also" => self.read_also = on_off(value, "read_also")?,
            "api_comments" => self.api_comments = on_off(value, "api_comments")?,
            "comment_moderation" => {
                self.comment_moderation = ModerationPolicy::parse(value).ok_or(
                    SettingError::Invalid("comment_moderation", "all, first_time or none".into()),
                )?
            }
            "comment_close_days" => {
                self.comment_close_days = number(value, 0, 36_500, "comment_close_days")?
            }
            "thread_depth" => self.thread_depth = number(value, 1, 10, "thread_depth")?,
            "comment_min_seconds" => {
                self.comment_min_seconds = number(value, 0, 600, "comment_min_seconds")?
            }
            "comment_max_links" => {
                self.comment_max_links = number(value, 0, 1000, "comment_max_links")?
            }
            "comment_moderation_words" => self.comment_moderation_words = value.to_owned(),
            "comment_block_words" => self.comment_block_words = value.to_owned(),
            "comment_rate_limit" => {
                self.comment_rate_limit = number(value, 1, 10_000, "comment_rate_limit")?
            }
            "feed_items" => self.feed_items = number(value, 1, 100, "feed_items")?,
            "feed_content" => {
                self.feed_content = match value {
                    "full" => FeedContent::Full,
                    "excerpt" => FeedContent::Excerpt,
                    _ => {
                        return Err(SettingError::Invalid(
                            "feed_content",
                            "full or excerpt".into(),
                        ));
                    }
                }
            }
            "embed_providers" => self.embed_providers = embed_providers(value)?,
            "extra_origins" => self.extra_origins = extra_origins(value)?,
            "head_snippet" => self.head_snippet = snippet(value, "head_snippet")?,
            "footer_snippet" => self.footer_snippet = snippet(value, "footer_snippet")?,
            other => return Err(SettingError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

/// A BCP 47 tag whose language is a known ISO 639 language (`en`, `pt-BR`, `fil`), with the
/// language in lower case and a region in upper case, as `<html lang>` and feeds expect.
fn language_tag(value: &str) -> Result<String, SettingError> {
    let refuse = || {
        SettingError::Invalid(
            "language",
            "an ISO 639 language code with an optional region, such as en, de or pt-BR".into(),
        )
    };
    let mut parts = value.split(['-', '_']);
    let primary = parts.next().unwrap_or("").to_ascii_lowercase();
    let known = match primary.len() {
        2 => isolang::Language::from_639_1(&primary).is_some(),
        3 => isolang::Language::from_639_3(&primary).is_some(),
        _ => false,
    };
    if !known || !primary.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(refuse());
    }
    let mut tag = primary;
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(refuse());
        }
        tag.push('-');
        tag.push_str(&if part.len() == 2 {
            part.to_ascii_uppercase()
        } else {
            part.to_owned()
        });
    }
    Ok(tag)
}

/// Provider keys separated by spaces or commas; `none` or nothing for none, `all` for all.
fn embed_providers(value: &str) -> Result<Vec<String>, SettingError> {
    let providers = crate::domain::embed::PROVIDERS;
    let mut keys = Vec::new();
    for word in value
        .split([' ', ',', '\n', '\t'])
        .filter(|w| !w.is_empty())
    {
        match word.to_ascii_lowercase().as_str() {
            "none" => {}
            "all" => keys.extend(providers.iter().map(|p| p.key.to_owned())),
            w if providers.iter().any(|p| p.key == w) => keys.push(w.to_owned()),
            _ => {
                return Err(SettingError::Invalid(
                    "embed_providers",
                    format!(
                        "{word:?} is not a provider; use all, none or some of: {}",
                        providers
                            .iter()
                            .map(|p| p.key)
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                ));
            }
        }
    }
    // In the table's order, each once.
    Ok(providers
        .iter()
        .filter(|p| keys.iter().any(|k| k == p.key))
        .map(|p| p.key.to_owned())
        .collect())
}

/// One origin per line, each optionally followed by the kinds of loads it is for (`script`,
/// `img`, `connect`, `frame`; images only when none is named). Scripts run with the site's
/// rights, so they come from named hosts only, never `https://*.host`.
fn extra_origins(value: &str) -> Result<Vec<ExtraOrigin>, SettingError> {
    let mut out: Vec<ExtraOrigin> = Vec::new();
    for (n, line) in value.lines().enumerate() {
        let mut words = line.split_whitespace();
        let Some(origin) = words.next() else { continue };
        let refuse =
            |why: String| SettingError::Invalid("extra_origins", format!("line {}: {why}", n + 1));
        let origin = https_origin(origin).ok_or_else(|| {
            refuse(format!(
                "{origin:?} is not an https origin such as https://stats.example.com (no path, no http)"
            ))
        })?;
        let mut kinds = Vec::new();
        for word in words {
            let kind = LoadKind::ALL
                .into_iter()
                .find(|k| k.as_str() == word.to_ascii_lowercase())
                .ok_or_else(|| {
                    refuse(format!(
                        "{word:?} is not one of script, img, connect, frame"
                    ))
                })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if kinds.is_empty() {
            kinds = vec![LoadKind::Img];
        }
        if kinds.contains(&LoadKind::Script) && origin.starts_with("https://*.") {
            return Err(refuse(format!(
                "{origin} may not load scripts: name the host scripts come from, not every host under a domain"
            )));
        }
        if out.len() >= 100 {
            return Err(refuse("at most 100 origins".into()));
        }
        out.push(ExtraOrigin { origin, kinds });
    }
    Ok(out)
}

/// `https://host` or `https://host:port`, or `https://*.host`, in lower case; a trailing slash
/// is dropped. Anything else (a path, a query, `http:`, quotes, a bare `*`) is refused, since it
/// goes into a header as it is.
fn https_origin(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://")?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            (h, Some(p))
        }
        Some(_) => return None,
        None => (rest, None),
    };
    let name = host.strip_prefix("*.").unwrap_or(host);
    let labels_ok = name.contains('.')
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    labels_ok.then(|| match port {
        Some(p) => format!("https://{host}:{p}"),
        None => format!("https://{host}"),
    })
}

fn snippet(value: &str, field: &'static str) -> Result<String, SettingError> {
    if value.len() > MAX_SNIPPET {
        return Err(SettingError::Invalid(
            field,
            format!("at most {MAX_SNIPPET} characters"),
        ));
    }
    // Browsers read `\r\n` and `\r` as `\n` (a textarea sends `\r\n`); the scripts' hashes in the
    // Content-Security-Policy are of the text as browsers read it.
    Ok(value.replace("\r\n", "\n").replace('\r', "\n"))
}

impl ExtraOrigin {
    /// The line of the `extra_origins` setting this origin is stored as.
    fn line(&self) -> String {
        if self.kinds == [LoadKind::Img] {
            self.origin.clone()
        } else {
            let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
            format!("{} {}", self.origin, kinds.join(" "))
        }
    }
}

/// Every setting `newsdesk settings --set` takes, with the values it accepts.
pub const SETTINGS_HELP: &str = "\
Settings (NAME = accepted values):
  title                     the site's name (not empty)
  tagline                   one line under the title
  timezone                  an IANA time zone, e.g. Europe/Berlin
  posts_per_page            1 to 100
  language                  ISO 639 code with optional region: en, de, pt-BR; search stems
                            ar da de el en es fi fr hu it nl no pt ro ru sv ta tr, and matches
                            whole words in any other language
  read_also                 on or off (the dismissible \"Read also\" box on stories)
  comment_moderation        all, first_time or none
  comment_close_days        0 to 36500 (0: comments never close by age)
  thread_depth              1 to 10
  comment_min_seconds       0 to 600 (the least time between opening a story and commenting)
  comment_max_links         0 to 1000 (more links than this holds a comment)
  comment_moderation_words  words that hold a comment, one per line (\\n on the command line)
  comment_block_words       words that refuse a comment, one per line
  comment_rate_limit        1 to 10000 comments per address in ten minutes
  feed_items                1 to 100
  feed_content              full or excerpt
  api_comments              on or off (readers' apps may comment through the REST API
                            without signing in, under the comment form's rules; off by default)
  embed_providers           the embed providers whose players readers may load, separated by
                            spaces: all (the default), none, or some of youtube vimeo x
                            instagram tiktok facebook bluesky mastodon soundcloud spotify
                            googlemaps datawrapper flourish; the others show as links
  extra_origins             https origins public pages may load from (analytics, ads), one per
                            line, each optionally followed by what for: script img connect
                            frame (img only when none is named; no script from
                            https://*.host), e.g. \"https://stats.example.com script connect\"
  head_snippet              HTML added to every public page's <head>, as it is (inline
                            scripts are allowed by their hash); at most 20000 characters
  footer_snippet            HTML added before </body> of every public page, the same way";

fn on_off(value: &str, field: &'static str) -> Result<bool, SettingError> {
    match value {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" => Ok(false),
        _ => Err(SettingError::Invalid(field, "on or off".into())),
    }
}

fn number(value: &str, min: u32, max: u32, field: &'static str) -> Result<u32, SettingError> {
    value
        .parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| SettingError::Invalid(field, format!("a whole number from {min} to {max}")))
}

fn word_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
}

impl SiteSettings {
    /// Every setting as its stored text, in a stable order (the names `set` accepts).
    pub fn to_rows(&self) -> Vec<(&'static str, String)> {
        vec![
            ("title", self.title.clone()),
            ("tagline", self.tagline.clone()),
            ("timezone", self.timezone.name().to_owned()),
            ("posts_per_page", self.posts_per_page.to_string()),
            ("language", self.language.clone()),
            (
                "read_also",
                if self.read_also { "on" } else { "off" }.to_owned(),
            ),
            (
                "comment_moderation",
                self.comment_moderation.as_str().to_owned(),
            ),
            ("comment_close_days", self.comment_close_days.to_string()),
            ("thread_depth", self.thread_depth.to_string()),
            ("comment_min_seconds", self.comment_min_seconds.to_string()),
            ("comment_max_links", self.comment_max_links.to_string()),
            (
                "comment_moderation_words",
                self.comment_moderation_words.clone(),
            ),
            ("comment_block_words", self.comment_block_words.clone()),
            ("comment_rate_limit", self.comment_rate_limit.to_string()),
            ("feed_items", self.feed_items.to_string()),
            (
                "feed_content",
                match self.feed_content {
                    FeedContent::Full => "full",
                    FeedContent::Excerpt => "excerpt",
                }
                .to_owned(),
            ),
            (
                "api_comments",
                if self.api_comments { "on" } else { "off" }.to_owned(),
            ),
            ("embed_providers", self.embed_providers_text()),
            (
                "extra_origins",
                self.extra_origins
                    .iter()
                    .map(ExtraOrigin::line)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("head_snippet", self.head_snippet.clone()),
            ("footer_snippet", self.footer_snippet.clone()),
        ]
    }

    /// The `embed_providers` setting as text: the keys, or `none`.
    fn embed_providers_text(&self) -> String {
        if self.embed_providers.is_empty() {
            "none".to_owned()
        } else {
            self.embed_providers.join(" ")
        }
    }

    /// The comment rules these settings define.
    pub fn comment_rules(&self) -> CommentRules {
        CommentRules {
            policy: self.comment_moderation,
            min_seconds: self.comment_min_seconds,
            max_links: self.comment_max_links,
            moderation_words: word_list(&self.comment_moderation_words),
            block_words: word_list(&self.comment_block_words),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_stored_with_lf_line_breaks() {
        let mut s = SiteSettings::default();
        s.set(
            "head_snippet",
            "<script data-x=\"a>b\">\r\na();\rb();\r\n</script>",
        )
        .unwrap();
        assert_eq!(
            s.head_snippet,
            "<script data-x=\"a>b\">\na();\nb();\n</script>"
        );
        let policy = crate::web::csp::public_policy(&s, &[]);
        let want = crate::web::csp::inline_script_hashes("<script>\na();\nb();\n</script>");
        assert!(policy.contains(&want[0]), "{policy}");
    }

    #[test]
    fn rows_override_defaults_and_bad_values_are_ignored() {
        let s = SiteSettings::from_rows([
            ("title", "Daily"),
            ("timezone", "Europe/Berlin"),
            ("posts_per_page", "0"),
        ]);
        assert_eq!(s.title, "Daily");
        assert_eq!(s.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(s.posts_per_page, 10);
    }

    #[test]
    fn every_setting_round_trips_through_its_text() {
        let mut s = SiteSettings::default();
        s.set("comment_moderation", "all").unwrap();
        s.set("timezone", "Asia/Tokyo").unwrap();
        let rows = s.to_rows();
        let back = SiteSettings::from_rows(rows.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back.to_rows(), rows);
        let mut fresh = SiteSettings::default();
        for (k, v) in &rows {
            fresh.set(k, v).unwrap();
        }
    }

    #[test]
    fn set_validates() {
        let mut s = SiteSettings::default();
        assert!(s.set("timezone", "Mars/Olympus").is_err());
        assert!(s.set("language", "en GB").is_err());
        assert!(s.set("language", "xx").is_err());
        assert!(s.set("language", "english").is_err());
        s.set("language", "pt_br").unwrap();
        assert_eq!(s.language, "pt-BR");
        s.set("language", "fil").unwrap();
        assert_eq!(s.language, "fil");
        assert!(s.set("nope", "1").is_err());
        assert!(s.set("read_also", "off").is_ok());
        assert!(s.set("thread_depth", "11").is_err());
        assert!(s.set("comment_moderation", "sometimes").is_err());
        assert!(s.set("comment_block_words", "Viagra\n\n casino ").is_ok());
        assert_eq!(s.comment_rules().block_words, ["viagra", "casino"]);
        assert!(!s.read_also);
    }

    #[test]
    fn embed_providers_and_extra_origins_are_validated() {
        let mut s = SiteSettings::default();
        assert_eq!(
            s.embed_providers.len(),
            crate::domain::embed::PROVIDERS.len()
        );
        s.set("embed_providers", "vimeo, youtube").unwrap();
        assert_eq!(s.embed_providers, ["youtube", "vimeo"]);
        s.set("embed_providers", "none").unwrap();
        assert!(s.embed_providers.is_empty());
        assert_eq!(
            SiteSettings::from_rows(s.to_rows().iter().map(|(k, v)| (*k, v.as_str())))
                .embed_providers,
            Vec::<String>::new()
        );
        assert!(s.set("embed_providers", "youtube myspace").is_err());

        s.set(
            "extra_origins",
            "https://Stats.Example.com/ script connect\n\nhttps://*.ads.example:8443\nhttps://*.cdn.example img frame",
        )
        .unwrap();
        assert_eq!(
            s.extra_origins,
            [
                ExtraOrigin {
                    origin: "https://stats.example.com".into(),
                    kinds: vec![LoadKind::Script, LoadKind::Connect]
                },
                ExtraOrigin {
                    origin: "https://*.ads.example:8443".into(),
                    kinds: vec![LoadKind::Img]
                },
                ExtraOrigin {
                    origin: "https://*.cdn.example".into(),
                    kinds: vec![LoadKind::Img, LoadKind::Frame]
                },
            ]
        );
        assert_eq!(
            SiteSettings::from_rows(s.to_rows().iter().map(|(k, v)| (*k, v.as_str())))
                .extra_origins,
            s.extra_origins
        );
        for bad in [
            "http://stats.example.com",
            "https://stats.example.com/path",
            "https://stats.example.com script eval",
            "*",
            "https://*",
            "https://a.example'; script-src *",
            "https://a.example;",
            "'unsafe-inline'",
            "https://*.ads.example script",
            "https://*.ads.example img script connect",
        ] {
            let e = s.set("extra_origins", bad).unwrap_err();
            assert!(e.to_string().contains("line 1"), "{bad}: {e}");
        }
        assert!(s.set("head_snippet", &"x".repeat(20_001)).is_err());
        s.set("head_snippet", "<script>ga()</script>").unwrap();
    }
}
