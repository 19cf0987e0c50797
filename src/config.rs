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
    /// How SQLite makes commits durable (`--sqlite-synchronous`; full unless the operator
    /// accepts losing the last writes on a power cut).
    pub sqlite_durability: crate::store::Durability,
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
    /// Where the access log goes: a file to append to, or `-` for standard output.
    pub access_log: Option<PathBuf>,
    /// How long slow clients are waited for, and how many connections are served at once.
    pub limits: ServerLimits,
    /// Serve `/metrics` on this address instead of the site's.
    pub metrics_listen: Option<SocketAddr>,
    /// Where to `POST` what each content write changed (see `web::purge_hook`).
    pub purge_url: Option<String>,
}

/// What the server allows a connection, so that slow or numerous clients cannot hold it
/// (slowloris).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request line and headers must arrive within this time, counted from the first wait
    /// for them; a kept-alive connection waiting for its next request is closed after it too.
    pub header_read: std::time::Duration,
    /// The longest wait for the next part of a request body.
    pub body_idle: std::time::Duration,
    /// A whole request body must arrive within this time.
    pub body_total: std::time::Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            header_read: std::time::Duration::from_secs(30),
            body_idle: std::time::Duration::from_secs(30),
            body_total: std::time::Duration::from_secs(300),
            max_connections: 1024,
        }
    }
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
    #[error(
        "the database URL (--database or NEWSDESK_DATABASE_URL) is empty: give sqlite://PATH or \
         postgres://USER@HOST/DB, or leave it unset for the SQLite file in the data folder"
    )]
    EmptyDatabaseUrl,
    #[error("cannot listen on {0:?}: {1}")]
    Listen(String, String),
    #[error("base URL {0:?} is not an origin such as https://news.example")]
    BaseUrl(String),
    #[error("purge URL {0:?} is not an http or https address such as http://127.0.0.1:9000/purge")]
    PurgeUrl(String),
}

impl SiteConfig {
    /// Resolves the database URL (default: `newsdesk.db` in the data folder, which is then
    /// created and checked for writing). A URL that is given but empty is refused rather than
    /// taken as the default: a site must never silently start on a new, empty database.
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> Result<SiteConfig, ConfigError> {
        let database_url = match database_url {
            Some(url) if url.trim().is_empty() => return Err(ConfigError::EmptyDatabaseUrl),
            Some(url) => {
                let url = url.trim().to_owned();
                if crate::store::Backend::of_url(&url).is_none() {
                    return Err(ConfigError::DatabaseUrl(crate::store::redact_url(&url)));
                }
                url
            }
            None => {
                prepare_data_dir(&data_dir)?;
                format!("sqlite://{}", data_dir.join("newsdesk.db").display())
            }
        };
        Ok(SiteConfig {
            data_dir,
            database_url,
            sqlite_durability: crate::store::Durability::Full,
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
        if let Some(url) = &self.purge_url
            && !crate::web::purge_hook::valid_url(url)
        {
            return Err(ConfigError::PurgeUrl(url.clone()));
        }
        Ok(())
    }
}

/// The address to listen on: `IP:PORT`, or a host name with a port (`localhost:8080`),
/// resolved once at start-up (the first address it names).
pub fn listen_address(text: &str) -> Result<SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs;
    let fail = |reason: String| ConfigError::Listen(text.to_owned(), reason);
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if !text.contains(':') {
        return Err(fail(
            "give a port too, e.g. 127.0.0.1:8080 or localhost:8080".into(),
        ));
    }
    text.to_socket_addrs()
        .map_err(|e| fail(format!("the name does not resolve ({e})")))?
        .next()
        .ok_or_else(|| fail("the name resolves to no address".into()))
}

/// Refuses a `--base-url` that is not an origin (the commands that write absolute links).
pub fn check_base_url(url: &str) -> Result<(), ConfigError> {
    if is_origin(url) {
        Ok(())
    } else {
        Err(ConfigError::BaseUrl(url.to_owned()))
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
    fn listen_addresses_take_names_and_need_a_port() {
        assert_eq!(
            super::listen_address("127.0.0.1:8080").unwrap().to_string(),
            "127.0.0.1:8080"
        );
        assert!(
            super::listen_address("localhost:8080")
                .unwrap()
                .ip()
                .is_loopback()
        );
        assert!(super::listen_address("localhost").is_err());
        assert!(super::listen_address("no-such-host.invalid:80").is_err());
    }

    #[test]
    fn an_empty_database_url_is_refused_and_creates_nothing() {
        let dir = std::env::temp_dir().join(format!("newsdesk-config-{}", std::process::id()));
        let e = super::SiteConfig::new(dir.clone(), Some("  ".into())).unwrap_err();
        assert!(e.to_string().contains("is empty"), "{e}");
        let pg = super::SiteConfig::new(dir.clone(), Some("postgres://u@h/db".into())).unwrap();
        assert_eq!(pg.database_url, "postgres://u@h/db");
        assert!(!dir.exists(), "a PostgreSQL site made a data folder");
    }

    #[test]
    fn base_urls_are_origins() {
        assert!(super::is_origin("https://news.example"));
        assert!(super::is_origin("http://127.0.0.1:8080/"));
        assert!(!super::is_origin("news.example"));
        assert!(!super::is_origin("https://news.example/blog/"));
        assert!(!super::is_origin("https://"));
    }
}
