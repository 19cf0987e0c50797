//! One `Config` value, built from defaults, `NEWSDESK_*` environment variables and flags (clap
//! reads both), checked once, and passed down; never global.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where the site's data lives.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// Folder for the SQLite file (uploaded images live in the database).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
}

/// Settings of `newsdesk serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub site: SiteConfig,
    pub listen: SocketAddr,
    pub theme_dir: Option<PathBuf>,
    pub demo: bool,
    /// Trust `X-Forwarded-For`/`X-Forwarded-Proto` from a reverse proxy.
    pub behind_proxy: bool,
    /// Where email notifications go out; none are sent without it.
    pub smtp_url: Option<String>,
    /// The sender of notifications.
    pub mail_from: String,
    /// The site's public origin, for absolute links in pages, feeds, sitemaps and emails
    /// (default: the address each request was sent to).
    pub base_url: Option<String>,
    /// Render every request (no in-memory page cache).
    pub no_page_cache: bool,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("data directory {path} cannot be used: {reason}")]
    DataDir { path: PathBuf, reason: String },
    #[error("theme directory {0} is not a readable folder")]
    ThemeDir(PathBuf),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    DatabaseUrl(String),
    #[error("base URL {0:?} is not an origin such as https://news.example")]
    BaseUrl(String),
}

impl SiteConfig {
    /// Resolves the database URL (default: `newsdesk.db` in the data folder) and makes sure the
    /// data folder exists and is writable.
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> Result<SiteConfig, ConfigError> {
        prepare_data_dir(&data_dir)?;
        let database_url = match database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => {
                if crate::store::Backend::of_url(&url).is_none() {
                    return Err(ConfigError::DatabaseUrl(crate::store::redact_url(&url)));
                }
                url
            }
            None => format!("sqlite://{}", data_dir.join("newsdesk.db").display()),
        };
        Ok(SiteConfig {
            data_dir,
            database_url,
        })
    }
}

fn prepare_data_dir(dir: &Path) -> Result<(), ConfigError> {
    let fail = |reason: String| ConfigError::DataDir {
        path: dir.to_owned(),
        reason,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(fail("it is not a directory".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    // Prove we can write before the database or an upload finds out the hard way.
    let probe = dir.join(".newsdesk-write-check");
    std::fs::write(&probe, b"ok").map_err(|e| fail(format!("not writable ({e})")))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

impl ServeConfig {
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(dir) = &self.theme_dir
            && std::fs::read_dir(dir).is_err()
        {
            return Err(ConfigError::ThemeDir(dir.clone()));
        }
        if let Some(url) = &self.base_url
            && !is_origin(url)
        {
            return Err(ConfigError::BaseUrl(url.clone()));
        }
        Ok(())
    }
}

/// `http(s)://host[:port]` with nothing after it but an optional `/`: the site is served from
/// the root of its host.
fn is_origin(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base_urls_are_origins() {
        assert!(super::is_origin("https://news.example"));
        assert!(super::is_origin("http://127.0.0.1:8080/"));
        assert!(!super::is_origin("news.example"));
        assert!(!super::is_origin("https://news.example/blog/"));
        assert!(!super::is_origin("https://"));
    }
}
