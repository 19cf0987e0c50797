//! Command-line interface: `serve`, `migrate`, `seed`, `settings`, `reindex`, `user`, `backup`,
//! `import`, `export`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::actions::accounts::{self, LinkPurpose, NewAccount};
use crate::actions::profiles::{self, ProfileEdit};
use crate::actions::{ActionError, Actor};
use crate::config::{ServeConfig, SiteConfig};
use crate::domain::user::{Role, normalize_email};
use crate::store::{Durability, Store, StoreOptions};

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
    /// Manage the newsroom's accounts: add, list, change roles, reset passwords, disable.
    User(UserArgs),
    /// Copy a SQLite site's database (stories, accounts, settings and uploaded images) into a
    /// new file, consistently, while the site keeps serving. PostgreSQL sites use pg_dump.
    Backup(BackupArgs),
    /// Bring a site over from another platform: `newsdesk import wordpress EXPORT.xml`.
    Import(ImportArgs),
    /// Write the whole site to a file another platform reads, so a newsroom can always leave.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// The site's public origin (https://news.example): links and image addresses in the file
    /// are absolute, under it.
    #[arg(
        long,
        env = "NEWSDESK_BASE_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub base_url: String,

    #[command(subcommand)]
    pub format: ExportFormat,
}

#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// A WordPress eXtended RSS file (WXR 1.2), as WordPress's Tools > Export writes it: every
    /// person (login, email and name; no password), section, tag and menu, every story and
    /// page in every state, every image (as an attachment at its public address), every
    /// comment with its thread, every menu entry. Stories keep their ids; pages, images and
    /// menu entries get ids moved past them (see the README). An existing FILE is never
    /// overwritten; the file appears only once it is complete.
    Wordpress {
        /// The file to write (FILE.xml), or - for standard output.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// The site's public origin, for the invitation links of imported authors.
    #[arg(
        long,
        env = "NEWSDESK_BASE_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub base_url: String,

    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Import a WordPress export (Tools → Export → All content in WordPress; WXR 1.0 to 1.2,
    /// self-hosted or WordPress.com): people, sections, tags, images, stories, pages, comments
    /// and menus, with every old address redirecting to its new home. Importing the same file
    /// again updates in place and duplicates nothing; an import that stopped resumes the same
    /// way. Authors become accounts without a password: each gets a one-time link to choose
    /// one, printed at the end.
    Wordpress {
        /// The export file (.xml).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Give an old author's stories to an existing account: OLD_LOGIN=NEW_LOGIN. Repeatable.
        #[arg(long = "author-map", value_name = "OLD=NEW")]
        author_map: Vec<String>,
        /// A copy of the old site's wp-content/uploads folder: images found there are copied
        /// into the media library; others stay at their old address and are listed.
        #[arg(long, value_name = "DIR")]
        uploads: Option<PathBuf>,
        /// Download the images --uploads does not have from the old site into the media
        /// library: public addresses only (never loopback, private or link-local ones), at most
        /// 5 redirects, 60 s and 20 MB each, JPEG, PNG, GIF or WebP checked like an upload. An
        /// image that cannot be downloaded stays at its old address, with the reason among the
        /// warnings.
        #[arg(long)]
        fetch_media: bool,
        /// For testing against a server on this machine or network: let --fetch-media download
        /// from loopback, private and link-local addresses too. Never use it for an export you
        /// did not write yourself. Needs --fetch-media.
        #[arg(long, requires = "fetch_media")]
        fetch_media_allow_local: bool,
    },
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// The backup file to create; an existing file is never overwritten.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// The site's public origin, for set-password links (https://news.example).
    #[arg(
        long,
        env = "NEWSDESK_BASE_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub base_url: String,

    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person. The password is read from standard input (typed twice without echo on a
    /// terminal, or one line piped in); with --invite, a one-time link to set it is printed
    /// instead. Passwords need 10 characters and must be hard to guess; an email address
    /// belongs to one account only.
    Add {
        /// Sign-in name: letters, digits, dots, hyphens, underscores or @. Never shown publicly.
        #[arg(long)]
        login: String,
        #[arg(long)]
        email: String,
        /// The name bylines show.
        #[arg(long = "display-name", value_name = "NAME")]
        display_name: String,
        /// administrator, editor, author or contributor.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Print a link (valid 7 days) with which the person sets their own password.
        #[arg(long)]
        invite: bool,
    },
    /// List every account.
    List,
    /// Change a person's role.
    SetRole {
        login: String,
        /// administrator, editor, author or contributor.
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Set a new password (read from standard input, typed twice on a terminal), or with --link
    /// print a one-time link (valid 24 hours) for the person to set it. Signs the person out
    /// everywhere.
    ResetPassword {
        login: String,
        #[arg(long)]
        link: bool,
    },
    /// Disable an account: it cannot sign in, is signed out everywhere and leaves the public
    /// site; its stories stay.
    Disable { login: String },
    /// Enable a disabled account again.
    Enable { login: String },
    /// Change the name bylines show; the person's stories are re-indexed for search at once.
    SetName {
        login: String,
        /// The new display name.
        name: String,
    },
    /// Change the sign-in email (never shown publicly; one account per address).
    SetEmail { login: String, email: String },
    /// Delete an account for good; its stories, pages and uploads go to another active person.
    Delete {
        login: String,
        /// The login of the person who receives the stories.
        #[arg(long = "reassign-to", value_name = "LOGIN")]
        reassign_to: String,
    },
    /// Application passwords for the REST API (HTTP Basic `login:password` from the tools a
    /// person uses): add one (printed once), list them, revoke one or all.
    #[command(subcommand, name = "app-password")]
    AppPassword(AppPasswordCommand),
}

#[derive(Debug, Subcommand)]
pub enum AppPasswordCommand {
    /// Create an application password named NAME for LOGIN; it is printed once on standard
    /// output (the spaces in it are optional when it is used).
    Add { login: String, name: String },
    /// List LOGIN's application passwords: uuid, name, created, last used and from where.
    List { login: String },
    /// Revoke one of LOGIN's application passwords by its uuid, or all with --all.
    Revoke {
        login: String,
        /// The uuid `list` shows.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        uuid: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    crate::config::listen_address(s).map_err(|e| match e {
        crate::config::ConfigError::Listen(_, reason) => reason,
        e => e.to_string(),
    })
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(&s.trim().to_lowercase()).ok_or_else(|| {
        format!("unknown role {s:?}: choose administrator, editor, author or contributor")
    })
}

/// Where the site's data lives; shared by every command that touches the site.
#[derive(Debug, Args, Clone)]
pub struct SiteArgs {
    /// Data folder: holds the SQLite database (with uploaded images). Created if missing;
    /// not used when --database names the database.
    #[arg(
        long = "data",
        env = "NEWSDESK_DATA",
        value_name = "DIR",
        default_value = "./newsdesk-data",
        global = true
    )]
    pub data: PathBuf,

    /// Database URL: sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
    /// [default: sqlite://DIR/newsdesk.db in the data folder]
    #[arg(
        long = "database",
        env = "NEWSDESK_DATABASE_URL",
        value_name = "URL",
        global = true
    )]
    pub database: Option<String>,

    /// How SQLite makes a save durable: full syncs the write-ahead log at every commit, so a
    /// save that was acknowledged survives a power cut; normal syncs only at checkpoints,
    /// which is faster but can lose the last acknowledged saves on a power cut or OS crash
    /// (the database stays consistent). Not used with PostgreSQL.
    #[arg(
        long = "sqlite-synchronous",
        env = "NEWSDESK_SQLITE_SYNCHRONOUS",
        value_name = "full|normal",
        default_value = "full",
        value_parser = parse_durability,
        global = true
    )]
    pub sqlite_synchronous: Durability,
}

fn parse_durability(s: &str) -> Result<Durability, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "full" => Ok(Durability::Full),
        "normal" => Ok(Durability::Normal),
        _ => Err(format!("unknown value {s:?}: choose full or normal")),
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// Address and port to listen on: an IP address or a host name, with the port
    /// (127.0.0.1:8080, [::]:80, localhost:8080).
    #[arg(
        long,
        env = "NEWSDESK_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        value_parser = parse_listen
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

    /// Render every request instead of keeping public pages in memory until what they show
    /// changes (for measuring, or behind a cache of your own).
    #[arg(long, env = "NEWSDESK_NO_PAGE_CACHE")]
    pub no_page_cache: bool,

    /// Write one line per request (combined log format without query strings, plus the time
    /// taken) to this file, appending, or to standard output with -.
    #[arg(long, env = "NEWSDESK_ACCESS_LOG", value_name = "PATH|-")]
    pub access_log: Option<PathBuf>,

    /// Serve Prometheus metrics at /metrics on this address (127.0.0.1:9100) instead of on
    /// the site's own [default: /metrics on the site's address].
    #[arg(long, env = "NEWSDESK_METRICS_LISTEN", value_name = "ADDR", value_parser = parse_listen)]
    pub metrics_listen: Option<SocketAddr>,

    /// After each content write this node commits, POST the purge keys of the pages it changed
    /// to this address, as JSON ({"keys":["story-42","lists",...]}, or {"all":true}), for a CDN
    /// in front that purges by the pages' Surrogate-Key or Cache-Tag headers. Sent in the
    /// background with a short timeout and two retries; failures are logged.
    #[arg(long, env = "NEWSDESK_PURGE_URL", value_name = "URL")]
    pub purge_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// Add N synthetic stories (with sections, tags and authors) for benchmarking.
    #[arg(long, value_name = "N", conflicts_with = "demo", required_unless_present = "demo",
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub articles: Option<u32>,

    /// Fill an empty database with the demo news site, and print a one-time link (valid 7
    /// days) where the demo's administrator, "admin", chooses a password.
    #[arg(long)]
    pub demo: bool,

    /// The site's public origin, for that link (https://news.example).
    #[arg(
        long,
        env = "NEWSDESK_BASE_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub base_url: String,
}

#[derive(Debug, Args)]
#[command(after_help = crate::domain::settings::SETTINGS_HELP)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub site: SiteArgs,

    /// Change a setting, e.g. --set comment_moderation=all (repeatable; every setting and its
    /// values are listed below).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
}

impl SiteArgs {
    pub fn config(&self) -> anyhow::Result<SiteConfig> {
        let mut site = SiteConfig::new(self.data.clone(), self.database.clone())?;
        site.sqlite_durability = self.sqlite_synchronous;
        Ok(site)
    }
}

/// Opens the database and brings its schema up to date.
pub async fn open_store(site: &SiteConfig, max_connections: u32) -> anyhow::Result<Store> {
    open_store_with(site, StoreOptions::new(max_connections)).await
}

/// [`open_store`] with other options (the site's durability setting still applies).
async fn open_store_with(site: &SiteConfig, options: StoreOptions) -> anyhow::Result<Store> {
    let options = StoreOptions {
        durability: site.sqlite_durability,
        ..options
    };
    let store = Store::connect_with(&site.database_url, options).await?;
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
                access_log: args.access_log,
                limits: crate::config::ServerLimits::default(),
                metrics_listen: args.metrics_listen,
                purge_url: args.purge_url,
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
                let refs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                crate::actions::site::update_settings(&store, Actor::Operator, &refs).await?;
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
        Command::User(args) => {
            let site = args.site.config()?;
            let store = open_store(&site, 2).await?;
            let result = run_user(&store, &args).await;
            store.close().await;
            result
        }
        Command::Backup(args) => backup(&args).await,
        Command::Import(args) => import(&args).await,
        Command::Export(args) => export(&args).await,
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
                    if let Some(line) = crate::first_sign_in(&store, &args.base_url).await? {
                        let mut chars = line.chars();
                        let first = chars.next().map(|c| c.to_uppercase().to_string());
                        println!("{}{}.", first.unwrap_or_default(), chars.as_str());
                    }
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

/// `newsdesk backup FILE`: an online copy of a SQLite site; PostgreSQL sites are told how to
/// use pg_dump.
async fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    use crate::store::backup;
    let site = args.site.config()?;
    if crate::store::Backend::of_url(&site.database_url) == Some(crate::store::Backend::Postgres) {
        return Err(backup::postgres_backup_error(&site.database_url, &args.file).into());
    }
    // Never create an empty database just to copy it.
    if let Some(db) = backup::sqlite_file(&site.database_url)
        && !db.exists()
    {
        anyhow::bail!(
            "there is no site database at {} (check --data or --database)",
            db.display()
        );
    }
    let started = std::time::Instant::now();
    let store = Store::connect(&site.database_url, 1).await?;
    let result = store.backup_to(&args.file).await;
    store.close().await;
    result?;
    let size = std::fs::metadata(&args.file).map_or(0, |m| m.len());
    println!(
        "Backed up the site to {} ({:.1} MB) in {:.1} s.",
        args.file.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Reads a new password: on a terminal typed twice without echo (a typo would otherwise lock
/// the person out), else the first line of standard input.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    let line = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        let again = rpassword::prompt_password("The same password again: ")?;
        anyhow::ensure!(
            first == again,
            "the two passwords typed differ; nothing was changed, try again"
        );
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(
        !password.is_empty(),
        "no password given on standard input (or use --invite / --link)"
    );
    Ok(password)
}

async fn account_id(store: &Store, login: &str) -> anyhow::Result<i64> {
    Ok(store
        .account_by_login(login)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("no account has the login {login:?} (see `newsdesk user list`)")
        })?
        .id)
}

async fn run_user(store: &Store, args: &UserArgs) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let link = |token: String| {
        format!(
            "{}/admin/password/{token}",
            args.base_url.trim_end_matches('/')
        )
    };
    match &args.command {
        UserCommand::Add {
            login,
            email,
            display_name,
            role,
            invite,
        } => {
            let password = if *invite {
                None
            } else {
                Some(read_password("Password: ")?)
            };
            let account = NewAccount {
                login: login.clone(),
                email: email.clone(),
                display_name: display_name.clone(),
                role: *role,
                password,
            };
            let id = accounts::add_user(store, Actor::Operator, &account, now).await?;
            println!(
                "Added {} ({login}) as {}.",
                display_name.trim(),
                role.label().to_lowercase()
            );
            if *invite {
                let token =
                    accounts::password_link(store, Actor::Operator, id, LinkPurpose::Invite, now)
                        .await?;
                println!(
                    "They set their password at this link (valid 7 days, once):\n{}",
                    link(token)
                );
            }
        }
        UserCommand::List => {
            let rows = store.accounts().await?;
            println!(
                "{:<20} {:<14} {:<28} {:<10} NAME",
                "LOGIN", "ROLE", "EMAIL", "STATE"
            );
            for a in rows {
                let state = if a.disabled {
                    "disabled"
                } else if !a.has_password {
                    "invited"
                } else {
                    "active"
                };
                println!(
                    "{:<20} {:<14} {:<28} {:<10} {}",
                    a.login,
                    a.role.as_str(),
                    a.email,
                    state,
                    a.display_name
                );
            }
        }
        UserCommand::SetRole { login, role } => {
            let id = account_id(store, login).await?;
            accounts::set_role(store, Actor::Operator, id, *role).await?;
            println!("{login} is now {}.", role.label().to_lowercase());
        }
        UserCommand::ResetPassword {
            login,
            link: as_link,
        } => {
            let id = account_id(store, login).await?;
            if *as_link {
                let token =
                    accounts::password_link(store, Actor::Operator, id, LinkPurpose::Reset, now)
                        .await?;
                println!(
                    "{login} sets a new password at this link (valid 24 hours, once):\n{}",
                    link(token)
                );
            } else {
                let password = read_password("New password: ")?;
                accounts::set_password(store, Actor::Operator, id, &password).await?;
                println!("The password of {login} was changed; they were signed out everywhere.");
            }
        }
        UserCommand::Disable { login } => {
            let id = account_id(store, login).await?;
            accounts::set_disabled(store, Actor::Operator, id, true).await?;
            println!("{login} is disabled and signed out everywhere.");
        }
        UserCommand::Enable { login } => {
            let id = account_id(store, login).await?;
            accounts::set_disabled(store, Actor::Operator, id, false).await?;
            println!("{login} can sign in again.");
        }
        UserCommand::SetName { login, name } => {
            let id = account_id(store, login).await?;
            let edit = ProfileEdit {
                display_name: Some(name.clone()),
                ..Default::default()
            };
            profiles::edit_profile(store, Actor::Operator, id, &edit)
                .await
                .map_err(one_line)?;
            println!("{login} is now shown as {}.", name.trim());
        }
        UserCommand::SetEmail { login, email } => {
            let id = account_id(store, login).await?;
            let edit = ProfileEdit {
                email: Some(email.clone()),
                ..Default::default()
            };
            profiles::edit_profile(store, Actor::Operator, id, &edit)
                .await
                .map_err(one_line)?;
            println!("{login} now signs in with {}.", normalize_email(email));
        }
        UserCommand::Delete { login, reassign_to } => {
            let id = account_id(store, login).await?;
            let heir = account_id(store, reassign_to).await?;
            let moved = profiles::delete_account(store, Actor::Operator, id, heir)
                .await
                .map_err(one_line)?;
            println!(
                "{login} is deleted; {moved} {} went to {reassign_to}.",
                if moved == 1 { "byline" } else { "bylines" }
            );
        }
        UserCommand::AppPassword(command) => run_app_password(store, command, now).await?,
    }
    Ok(())
}

async fn run_app_password(
    store: &Store,
    command: &AppPasswordCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use crate::actions::app_passwords;
    match command {
        AppPasswordCommand::Add { login, name } => {
            let id = account_id(store, login).await?;
            let created = app_passwords::create(store, Actor::Operator, id, name, now)
                .await
                .map_err(one_line)?;
            eprintln!(
                "Created the application password {:?} for {login} (uuid {}). It is shown \
                 only now; use it as the password of HTTP Basic authentication:",
                created.record.name, created.record.uuid
            );
            println!("{}", created.secret);
        }
        AppPasswordCommand::List { login } => {
            let id = account_id(store, login).await?;
            let rows = app_passwords::list(store, Actor::Operator, id).await?;
            println!(
                "{:<36}  {:<20}  {:<20}  {:<20}  NAME",
                "UUID", "CREATED (UTC)", "LAST USED (UTC)", "LAST ADDRESS"
            );
            for p in rows {
                let when =
                    |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
                println!(
                    "{:<36}  {:<20}  {:<20}  {:<20}  {}",
                    p.uuid,
                    when(p.created_at),
                    p.last_used_at.map_or_else(|| "never".to_owned(), when),
                    if p.last_ip.is_empty() {
                        "-"
                    } else {
                        &p.last_ip
                    },
                    p.name
                );
            }
        }
        AppPasswordCommand::Revoke { login, uuid, all } => {
            let id = account_id(store, login).await?;
            let uuid = if *all { None } else { uuid.as_deref() };
            let n = app_passwords::revoke(store, Actor::Operator, id, uuid)
                .await
                .map_err(one_line)?;
            println!(
                "Revoked {n} application {} of {login}.",
                if n == 1 { "password" } else { "passwords" }
            );
        }
    }
    Ok(())
}

/// An action's refusal as one readable line ("display_name: Enter the name…").
fn one_line(e: ActionError) -> anyhow::Error {
    match e {
        ActionError::Fields(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        e => e.into(),
    }
}

/// SQLite's page cache for each connection of `newsdesk import` (KiB).
const IMPORT_CACHE_KIB: u32 = 64 * 1024;

/// SQLite's memory in all for `newsdesk import` (KiB): the writer's cache with 16 MiB to spare.
const IMPORT_SQLITE_MEMORY_KIB: u32 = IMPORT_CACHE_KIB + 16 * 1024;

/// Pages of `newsdesk import`'s write-ahead log between checkpoints (256 MiB): the pages of
/// the indexes that every batch writes again reach the database file once per checkpoint.
const IMPORT_CHECKPOINT_PAGES: u32 = 65_536;

/// `newsdesk import wordpress`: a progress bar on a terminal, a log line a second otherwise,
/// then the summary.
async fn import(args: &ImportArgs) -> anyhow::Result<()> {
    use crate::actions::import::{ImportOptions, Progress, import_wordpress};
    use std::io::IsTerminal;
    let ImportSource::Wordpress {
        file,
        author_map,
        uploads,
        fetch_media,
        fetch_media_allow_local,
    } = &args.source;
    let mut options = ImportOptions {
        uploads: uploads.clone(),
        fetch_media: *fetch_media,
        fetch_media_allow_local: *fetch_media_allow_local,
        ..ImportOptions::default()
    };
    for pair in author_map {
        let (old, new) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--author-map takes OLD=NEW, not {pair:?}"))?;
        options
            .author_map
            .push((old.trim().to_owned(), new.trim().to_owned()));
    }
    if let Some(dir) = &options.uploads {
        anyhow::ensure!(dir.is_dir(), "--uploads {} is not a folder", dir.display());
    }
    std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let site = args.site.config()?;
    // A large export inserts into every index of stories and comments at scattered places: a
    // bounded cache larger than a serving node's keeps their pages in memory between batches.
    let store = open_store_with(
        &site,
        StoreOptions {
            write_cache_kib: IMPORT_CACHE_KIB,
            checkpoint_pages: IMPORT_CHECKPOINT_PAGES,
            // All of SQLite's memory in the process, every connection's cache together (the
            // readers' caches otherwise fill as the archive grows); the writer's fits in it.
            sqlite_memory_kib: IMPORT_SQLITE_MEMORY_KIB,
            // On a SQLite file every batch runs on the one write connection, so the pages its
            // cache holds are those the next batch writes again: with two, batches alternated
            // between two caches, each half as useful and together twice the memory. Reads
            // outside a batch go to the read connections, which an in-memory database does
            // not have; there, and on PostgreSQL, such reads (the new addresses of links
            // between old posts) take a second connection.
            ..StoreOptions::new(if crate::store::is_sqlite_file(&site.database_url) {
                1
            } else {
                2
            })
        },
    )
    .await?;
    let started = std::time::Instant::now();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg:28} [{bar:30}] {bytes}/{total_bytes} {per_sec:>10} ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let mut last_log = std::time::Instant::now();
    let mut report = |p: Progress| {
        let what = match p.pass {
            1 => "reading the export",
            2 => "images",
            _ => "stories, pages and comments",
        };
        match &bar {
            Some(bar) => {
                bar.set_length(p.total_bytes);
                bar.set_position(p.bytes);
                bar.set_message(format!("{}/3 {what}", p.pass));
            }
            None if last_log.elapsed().as_secs() >= 1 => {
                last_log = std::time::Instant::now();
                let rate = p.items as f64 / started.elapsed().as_secs_f64().max(0.001);
                eprintln!(
                    "pass {}/3 ({what}): {} items read, {:.0}% of the file, {rate:.0} items/s",
                    p.pass,
                    p.items,
                    100.0 * p.bytes as f64 / p.total_bytes.max(1) as f64
                );
            }
            None => {}
        }
    };
    let result = import_wordpress(
        &store,
        Actor::Operator,
        file,
        &options,
        chrono::Utc::now(),
        &mut report,
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // The import's long write-ahead log is emptied into the database file here, rather than
    // by the first commit of a node serving the same file.
    if let Err(e) = store.checkpoint().await {
        tracing::warn!(error = %e, "the write-ahead log was not emptied; the next checkpoint does it");
    }
    store.close().await;
    let summary = result?;
    print!("{}", summary.to_text(&args.base_url, started.elapsed()));
    Ok(())
}

/// `newsdesk export wordpress FILE`: the site as WXR, into a file or onto standard output.
async fn export(args: &ExportArgs) -> anyhow::Result<()> {
    use crate::wordpress::export::Exporter;
    let ExportFormat::Wordpress { file } = &args.format;
    let site = args.site.config()?;
    crate::config::check_base_url(&args.base_url)?;
    // Never create an empty database just to export it.
    let sqlite =
        crate::store::Backend::of_url(&site.database_url) == Some(crate::store::Backend::Sqlite);
    if sqlite
        && let Some(db) = crate::store::backup::sqlite_file(&site.database_url)
        && !db.exists()
    {
        anyhow::bail!(
            "there is no site database at {} (check --data or --database)",
            db.display()
        );
    }
    let to_stdout = file.as_os_str() == "-";
    if !to_stdout && file.exists() {
        anyhow::bail!(
            "{} already exists; choose another file name (an export never overwrites a file)",
            file.display()
        );
    }
    let store = open_store(&site, 2).await?;
    let result = async {
        let mut exporter = Exporter::new(&store, &args.base_url, chrono::Utc::now()).await?;
        if to_stdout {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            exporter.write_to(out).await?;
            return Ok(exporter);
        }
        // Written beside the file and renamed when complete, so a failed export leaves no
        // half file behind.
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let partial = file.with_file_name(format!(
            ".{}.partial-{}",
            name.as_deref().unwrap_or("export"),
            std::process::id()
        ));
        let written = async {
            let out = std::fs::File::create_new(&partial)
                .with_context(|| format!("cannot create {}", partial.display()))?;
            let out = exporter.write_to(std::io::BufWriter::new(out)).await?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&partial, file)
                .with_context(|| format!("cannot write {}", file.display()))
        }
        .await;
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written.map(|()| exporter)
    }
    .await;
    store.close().await;
    let exporter: crate::wordpress::export::Exporter = result?;
    if !to_stdout {
        let c = exporter.counts();
        println!(
            "Exported {} stories, {} pages, {} images, {} comments, {} people and {} menu entries to {}.",
            c.stories,
            c.pages,
            c.images,
            c.comments,
            c.people,
            c.menu_items,
            file.display()
        );
    }
    Ok(())
}
