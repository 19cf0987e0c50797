//! Command-line interface: `serve`, `migrate`, `seed`, `settings`, `reindex`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{ServeConfig, SiteConfig};
use crate::store::Store;

/// Newsdesk: a news publishing platform in one binary.
///
/// Runs the public news site on an embedded SQLite database by default, or on PostgreSQL so that
/// several identical nodes can serve one site. Every option can also be set with the
/// NEWSDESK_* environment variable named in its help.
#[derive(Debug, Parser)]
#[command(
    name = "newsdesk",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (creates or upgrades the database schema first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(SiteArgs),
    /// Fill the database with the demo site or with synthetic stories (for benchmarks).
    Seed(SeedArgs),
    /// Show the site settings, or change them with --set NAME=VALUE.
    Settings(SettingsArgs),
    /// Rebuild the full-text search index from the stories (the index is otherwise kept up to
    /// date by every change, and rebuilt by itself when the language setting changes).
    Reindex(SiteArgs),
}

/// Where the site's data lives; shared by every command that touches the site.
#[derive(Debug, Args, Clone)]
pub struct SiteArgs {
    /// Data folder: holds the SQLite database (with uploaded images). Created if missing.
    #[arg(
        long = "data",
        env = "NEWSDESK_DATA",
        value_name = "DIR",
        default_value = "./newsdesk-data"
    )]
    pub data: PathBuf,

    /// Database URL: sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
    /// [default: sqlite://DIR/newsdesk.db in the data folder]
    #[arg(long = "database", env = "NEWSDESK_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "NEWSDESK_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// Theme folder whose templates/ and static/ files override the built-in theme's, by name.
    #[arg(long, env = "NEWSDESK_THEME", value_name = "DIR")]
    pub theme: Option<PathBuf>,

    /// If the database has no stories yet, fill it with the demo news site first.
    #[arg(long, env = "NEWSDESK_DEMO")]
    pub demo: bool,

    /// The site runs behind a reverse proxy: take readers' addresses from X-Forwarded-For, HTTPS
    /// from X-Forwarded-Proto and the public host from X-Forwarded-Host (only set this when the
    /// proxy sets all three).
    #[arg(long, env = "NEWSDESK_BEHIND_PROXY")]
    pub behind_proxy: bool,

    /// SMTP server for notifications (new comments to moderators, replies to subscribers), e.g.
    /// smtps://USER:PASS@mail.example.org or smtp://HOST:587?tls=required. Without it no email is sent.
    #[arg(long, env = "NEWSDESK_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,

    /// Sender of notification emails.
    #[arg(
        long,
        env = "NEWSDESK_MAIL_FROM",
        value_name = "ADDRESS",
        default_value = "Newsdesk <newsdesk@localhost>"
    )]
    pub mail_from: String,

    /// The site's public origin (https://news.example), used in canonical links, feeds,
    /// sitemaps and emails [default: the address each request was sent to].
    #[arg(long, env = "NEWSDESK_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Render every request instead of keeping public pages in memory for up to a second
    /// (for measuring, or behind a cache of your own).
    #[arg(long, env = "NEWSDESK_NO_PAGE_CACHE")]
    pub no_page_cache: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// Add N synthetic stories (with sections, tags and authors) for benchmarking.
    #[arg(long, value_name = "N", conflicts_with = "demo", required_unless_present = "demo",
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub articles: Option<u32>,

    /// Fill an empty database with the demo news site.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// Change a setting, e.g. --set comment_moderation=all (repeatable). Settings: title, tagline,
    /// timezone, posts_per_page, language, read_also (on/off), comment_moderation
    /// (all/first_time/none), comment_close_days, thread_depth, comment_min_seconds,
    /// comment_max_links, comment_moderation_words, comment_block_words (one word per line),
    /// comment_rate_limit (comments per address in ten minutes).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}

impl SiteArgs {
    pub fn config(&self) -> anyhow::Result<SiteConfig> {
        Ok(SiteConfig::new(self.data.clone(), self.database.clone())?)
    }
}

/// Opens the database and brings its schema up to date.
pub async fn open_store(site: &SiteConfig, max_connections: u32) -> anyhow::Result<Store> {
    let store = Store::connect(&site.database_url, max_connections).await?;
    store.migrate().await?;
    Ok(store)
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = ServeConfig {
                site: args.site.config()?,
                listen: args.listen,
                theme_dir: args.theme,
                demo: args.demo,
                behind_proxy: args.behind_proxy,
                smtp_url: args.smtp_url,
                mail_from: args.mail_from,
                base_url: args.base_url,
                no_page_cache: args.no_page_cache,
            };
            config.check()?;
            crate::serve(config).await
        }
        Command::Migrate(args) => {
            let site = args.config()?;
            let store = open_store(&site, 2).await?;
            store.close().await;
            println!(
                "The database schema is up to date ({}).",
                crate::store::redact_url(&site.database_url)
            );
            Ok(())
        }
        Command::Settings(args) => {
            let site = args.site.config()?;
            let store = open_store(&site, 2).await?;
            if !args.set.is_empty() {
                let mut pairs = Vec::new();
                for item in &args.set {
                    let (name, value) = item
                        .split_once('=')
                        .ok_or_else(|| anyhow::anyhow!("--set takes NAME=VALUE, not {item:?}"))?;
                    // "\n" in a value stands for a line break (word lists).
                    pairs.push((name.trim().to_owned(), value.replace("\\n", "\n")));
                }
                let mut tx = store.begin().await?;
                let refs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                crate::actions::site::put_settings(&mut tx, &refs).await?;
                tx.commit().await?;
            }
            for (name, value) in store.settings().await?.to_rows() {
                println!("{name} = {}", value.replace('\n', "\\n"));
            }
            store.close().await;
            Ok(())
        }
        Command::Reindex(args) => {
            let site = args.config()?;
            let store = open_store(&site, 2).await?;
            let started = std::time::Instant::now();
            let n = store
                .rebuild_search_index()
                .await
                .context("cannot rebuild the search index")?;
            store.close().await;
            println!(
                "Indexed {n} published stories for search in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Seed(args) => {
            let site = args.site.config()?;
            let store = open_store(&site, 4).await?;
            let now = chrono::Utc::now();
            if args.demo {
                if crate::demo::seed_if_empty(&store, now)
                    .await
                    .context("cannot create the demo site")?
                {
                    println!("Created the demo news site.");
                } else {
                    println!("The database already has stories; the demo site was not added.");
                }
            } else if let Some(n) = args.articles {
                let started = std::time::Instant::now();
                crate::demo::seed_synthetic(&store, n, now)
                    .await
                    .context("cannot add synthetic stories")?;
                println!(
                    "Added {n} synthetic stories in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
            }
            store.close().await;
            Ok(())
        }
    }
}
