//! Newsdesk: a news publishing platform.
//!
//! Layers, each depending only on the ones after it: `web` (HTTP) → `actions` (every write) →
//! `store` (all SQL) → `domain` (pure rules). `render` turns view data into bytes and depends on
//! `domain` only. See `docs/ARCHITECTURE.md`.

pub mod actions;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fetch;
pub mod jobs;
pub mod notify;
pub mod render;
pub mod server;
pub mod store;
pub mod web;
pub mod wordpress;

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};

use crate::config::ServeConfig;
use crate::render::Theme;
use crate::store::Store;

/// Shared state of the web application: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<AppInner>,
}

struct AppInner {
    store: Store,
    theme: Theme,
    admin_ui: Theme,
    chrome: web::site::ChromeCache,
    related: web::site::RelatedCache,
    lists: web::site::kept::KeptLists,
    pages: web::cache::PageCache,
    sitemaps: web::site::sitemaps::SitemapCache,
    section_counts: web::api::terms::SectionCounts,
    metrics: web::metrics::Metrics,
    /// What this node's scheduler did (see [`jobs::spawn_scheduler`]), for `/metrics`.
    scheduler: Arc<jobs::SchedulerStats>,
    secret: tokio::sync::OnceCell<Vec<u8>>,
    imports: web::admin::import::Runs,
    options: AppOptions,
}

/// How a site is served, beyond its data and theme.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Trust `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` from the reverse proxy in front of the
    /// site (for readers' addresses and `Secure` cookies).
    pub behind_proxy: bool,
    /// Where notification emails go, if anywhere.
    pub notifier: notify::Notifier,
    /// Turn off the in-memory page cache (every request renders its page).
    pub no_page_cache: bool,
    /// The site's public origin (`https://news.example`), if fixed; otherwise each request's
    /// host names it.
    pub base_url: Option<String>,
    /// Where one line per request goes (`serve --access-log`), if anywhere.
    pub access_log: Option<web::access_log::AccessLog>,
    /// How long a request may take to be answered before it is refused with 503; `None`:
    /// [`web::deadline::REQUEST_TIMEOUT`].
    pub request_timeout: Option<std::time::Duration>,
    /// `/metrics` is served on an address of its own (`serve --metrics-listen`, through
    /// [`web::metrics::router`]), not on the site's.
    pub metrics_elsewhere: bool,
    /// How much the page cache holds, and for how long (64 MB, five minutes by default).
    pub page_cache_limits: web::cache::PageCacheLimits,
}

impl AppState {
    pub fn new(store: Store, theme: Theme) -> AppState {
        AppState::with_options(store, theme, AppOptions::default())
    }

    pub fn with_options(store: Store, theme: Theme, options: AppOptions) -> AppState {
        AppState {
            inner: Arc::new(AppInner {
                store,
                theme,
                admin_ui: Theme::admin(),
                chrome: web::site::ChromeCache::default(),
                related: web::site::RelatedCache::default(),
                lists: web::site::kept::KeptLists::default(),
                pages: web::cache::PageCache::new(options.page_cache_limits),
                sitemaps: web::site::sitemaps::SitemapCache::default(),
                section_counts: web::api::terms::SectionCounts::default(),
                metrics: web::metrics::Metrics::default(),
                scheduler: Arc::default(),
                secret: tokio::sync::OnceCell::new(),
                imports: web::admin::import::Runs::default(),
                options,
            }),
        }
    }

    /// The WordPress imports started from this node's admin.
    pub fn imports(&self) -> &web::admin::import::Runs {
        &self.inner.imports
    }

    pub fn notifier(&self) -> &notify::Notifier {
        &self.inner.options.notifier
    }

    /// The access log, when one is kept.
    pub fn access_log(&self) -> Option<&web::access_log::AccessLog> {
        self.inner.options.access_log.as_ref()
    }

    /// How long a request may take to be answered (see `web::deadline`).
    pub fn request_timeout(&self) -> std::time::Duration {
        self.inner
            .options
            .request_timeout
            .unwrap_or(web::deadline::REQUEST_TIMEOUT)
    }

    /// This node's request counters (`/metrics`).
    pub(crate) fn metrics(&self) -> &web::metrics::Metrics {
        &self.inner.metrics
    }

    /// The counters of this node's scheduler: give them to [`jobs::spawn_scheduler`] so
    /// `/metrics` shows its runs.
    pub fn scheduler_stats(&self) -> Arc<jobs::SchedulerStats> {
        self.inner.scheduler.clone()
    }

    /// Whether `/metrics` is served on an address of its own.
    pub fn metrics_elsewhere(&self) -> bool {
        self.inner.options.metrics_elsewhere
    }

    pub fn behind_proxy(&self) -> bool {
        self.inner.options.behind_proxy
    }

    /// The configured public origin, without a trailing slash.
    pub fn base_url(&self) -> Option<&str> {
        self.inner.options.base_url.as_deref()
    }

    /// The site's signing secret, shared by every node through the database.
    pub async fn secret(&self) -> Result<&[u8], store::StoreError> {
        let s = self
            .inner
            .secret
            .get_or_try_init(|| async {
                let candidate =
                    actions::comments::random_token() + &actions::comments::random_token();
                Ok::<_, store::StoreError>(
                    self.inner.store.site_secret(&candidate).await?.into_bytes(),
                )
            })
            .await?;
        Ok(s.as_slice())
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn theme(&self) -> &Theme {
        &self.inner.theme
    }

    /// The newsroom admin's templates and assets.
    pub fn admin_ui(&self) -> &Theme {
        &self.inner.admin_ui
    }

    /// The page cache, unless turned off.
    pub(crate) fn page_cache(&self) -> Option<&web::cache::PageCache> {
        (!self.inner.options.no_page_cache).then_some(&self.inner.pages)
    }

    pub(crate) fn sitemap_cache(&self) -> &web::site::sitemaps::SitemapCache {
        &self.inner.sitemaps
    }

    /// Sections with their numbers of published stories, for the REST API.
    pub(crate) fn section_counts(&self) -> &web::api::terms::SectionCounts {
        &self.inner.section_counts
    }

    pub(crate) fn chrome_cache(&self) -> &web::site::ChromeCache {
        &self.inner.chrome
    }

    /// Every story's related block, kept until a content write changes it.
    pub(crate) fn related_cache(&self) -> &web::site::RelatedCache {
        &self.inner.related
    }

    /// The front page's and the archives' lists, kept until a content write changes them.
    pub(crate) fn kept(&self) -> &web::site::kept::KeptLists {
        &self.inner.lists
    }

    /// The current time, to the second (the precision stories are dated with).
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(0)
    }
}

/// The application's router, ready to serve or to be called by tests.
pub fn app(state: AppState) -> axum::Router {
    web::router(state)
}

/// Logs to stderr; `RUST_LOG` (or `NEWSDESK_LOG`) sets the filter, default `info` (the HTML
/// parser's notes on malformed markup, which the sanitizer repairs, are left out).
pub fn init_tracing() {
    let filter = std::env::var("NEWSDESK_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,sqlx=warn,html5ever=error".to_owned());
    // Colour only on a terminal: a log file or a pipe gets plain text.
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(colour)
        // A log that cannot be written (its pipe closed, a full disk) is dropped: the default
        // reports that with `eprintln!` to the same broken stderr, which panics the request
        // that logged.
        .log_internal_errors(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// How whoever runs the site gets into a newsroom nobody can sign in to yet, as one line with
/// a one-time link (on `base`), or `None` when someone can:
/// - the demo's administrator, "admin", has no password: a link to choose it (valid 7 days);
/// - a site with no administrator at all: a link to create the first one (valid 24 hours; a
///   new one at each start, each working once and none once an administrator exists).
pub async fn first_sign_in(store: &store::Store, base: &str) -> anyhow::Result<Option<String>> {
    use actions::{Actor, accounts};
    let base = base.trim_end_matches('/');
    let now = Utc::now();
    if let Some(admin) = store.account_by_login("admin").await?
        && admin.role == domain::user::Role::Administrator
        && !admin.has_password
        && !admin.disabled
        && store
            .accounts()
            .await?
            .iter()
            .all(|a| a.role != domain::user::Role::Administrator || !a.has_password)
    {
        let token = accounts::password_link(
            store,
            Actor::Operator,
            admin.id,
            accounts::LinkPurpose::Invite,
            now,
        )
        .await?;
        return Ok(Some(format!(
            "sign in to the newsroom as \"admin\": choose a password at {base}/admin/password/{token} (valid 7 days, once)"
        )));
    }
    Ok(accounts::setup_link(store, Actor::Operator, now)
        .await?
        .map(|token| {
            format!(
                "the newsroom has no administrator yet: create one at {base}/admin/setup/{token} (valid 24 hours, once), or with `newsdesk user add --role administrator`"
            )
        }))
}

/// Runs `newsdesk serve` until Ctrl-C or SIGTERM.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let theme = Theme::load(config.theme_dir.as_deref())?;
    // Bind before touching the database so a busy port fails fast and clearly.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let metrics_listener = match config.metrics_listen {
        Some(at) => Some(
            tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen for metrics on {at}"))?,
        ),
        None => None,
    };
    let connections =
        (std::thread::available_parallelism().map_or(2, |n| n.get()) * 4).clamp(4, 32) as u32;
    let store = cli::open_store(&config.site, connections).await?;
    if config.demo
        && demo::seed_if_empty(&store, Utc::now())
            .await
            .context("cannot create the demo site")?
    {
        tracing::info!("created the demo news site");
    }
    let base_url = config
        .base_url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_owned());
    let notifier = match &config.smtp_url {
        Some(url) => {
            let base = base_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen));
            notify::Notifier::smtp(url, &config.mail_from, &base)?
        }
        None => notify::Notifier::none(),
    };
    let access_log = match &config.access_log {
        Some(path) => Some(
            web::access_log::AccessLog::open(path)
                .with_context(|| format!("cannot open the access log {}", path.display()))?,
        ),
        None => None,
    };
    let options = AppOptions {
        behind_proxy: config.behind_proxy,
        notifier,
        no_page_cache: config.no_page_cache,
        base_url,
        access_log,
        request_timeout: None,
        metrics_elsewhere: config.metrics_listen.is_some(),
        page_cache_limits: web::cache::PageCacheLimits::default(),
    };
    // Once everything is checked: a way into a newsroom nobody can sign in to yet.
    let base = config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen));
    if let Some(line) = first_sign_in(&store, &base).await? {
        tracing::info!("{line}");
    }
    // Other nodes' content writes reach this node's caches at once (PostgreSQL).
    let content_listener = store.listen_for_content_changes();
    // A CDN in front hears what this node's writes changed.
    let purge_hook = config
        .purge_url
        .clone()
        .map(|url| web::purge_hook::spawn(&store, url));
    let state = AppState::with_options(store.clone(), theme, options);
    let scheduler = jobs::spawn_scheduler(
        store.clone(),
        jobs::SCHEDULER_PERIOD,
        state.scheduler_stats(),
    );
    let metrics = match metrics_listener {
        Some(l) => {
            let at = l
                .local_addr()
                .ok()
                .or(config.metrics_listen)
                .map_or_else(String::new, |a| a.to_string());
            tracing::info!("metrics at http://{at}/metrics");
            let router = web::metrics::router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(l, router).await {
                    tracing::warn!(error = %e, "the metrics address stopped serving");
                }
            }))
        }
        None => None,
    };
    let app = app(state);
    let bound = listener.local_addr().unwrap_or(config.listen);
    tracing::info!("Newsdesk is serving http://{bound}");
    server::serve_connections(listener, app, config.limits, shutdown_signal()).await;
    scheduler.abort();
    if let Some(m) = metrics {
        m.abort();
    }
    if let Some(l) = content_listener {
        l.abort();
    }
    if let Some(h) = purge_hook {
        h.abort();
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
