//! A fresh site per test, on SQLite or PostgreSQL, called through the real router.

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use newsdesk::render::Theme;
use newsdesk::store::Store;
use newsdesk::{AppState, app};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL tests create their throwaway databases: an admin URL such as
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_ENV: &str = "NEWSDESK_TEST_POSTGRES_URL";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (or test run) uses: `PREFIX_newsdesk_PID_N_NANOS`, within
/// PostgreSQL's 63-byte limit for names.
fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let suffix = format!(
        "newsdesk_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let room = 63 - suffix.len() - 1;
    let prefix: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(room)
        .collect();
    if prefix.is_empty() {
        suffix
    } else {
        format!("{prefix}_{suffix}")
    }
}

/// A site on a fresh database; the database is removed when the site is dropped.
pub struct TestSite {
    pub store: Store,
    pub app: Router,
    pub backend: Backend,
    /// The database URL, for tests that must reach past the store.
    pub url: String,
    _cleanup: Cleanup,
}

/// What to remove when a throwaway database is done with (on drop).
pub enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop may run inside a test's runtime; use a separate thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        use sqlx::Executor;
                        if let Ok(mut conn) =
                            <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await
                        {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            let _ = conn.execute(sqlx::AssertSqlSafe(sql)).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The URL of a new, empty database on `backend`, or `None` (with a notice) when PostgreSQL is
/// not configured. In CI (`CI=true`) PostgreSQL must be configured. The database is removed
/// when the [`Cleanup`] is dropped.
pub async fn fresh_database(backend: Backend) -> Option<(String, Cleanup)> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique_name("test"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}", dir.join("newsdesk.db").display());
            Some((url, Cleanup::File(dir)))
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!(
                        "{POSTGRES_ENV} must be set in CI: the store tests must run on PostgreSQL too"
                    );
                }
                skipped(&format!(
                    "{POSTGRES_ENV} is not set (e.g. {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test)"
                ));
                return None;
            };
            // Throwaway databases are named after the one the URL names, so any database the
            // tests are given works, and what they leave behind after a crash is easy to find.
            let database = admin_url
                .rsplit_once('/')
                .map_or("", |(_, db)| db.split('?').next().unwrap_or(""));
            let name = unique_name(database);
            use sqlx::Executor;
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}: {e}"));
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .await
                .unwrap();
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            let url = format!("{base}/{name}");
            Some((url, Cleanup::Database { admin_url, name }))
        }
    }
}

/// Says that the calling test is skipped and why, past the test harness's output capture, so
/// a test that did not run never reads as a plain "ok"; the number of skipped tests is printed
/// again when the test binary exits, after libtest's own summary.
pub fn skipped(reason: &str) {
    use std::io::Write;
    use std::sync::atomic::AtomicUsize;
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    static SUMMARY: std::sync::Once = std::sync::Once::new();
    extern "C" fn summary() {
        let n = COUNT.load(Ordering::Relaxed);
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {n} {} did not run (see the SKIPPED lines above for why)",
            if n == 1 { "test" } else { "tests" }
        );
    }
    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    SUMMARY.call_once(|| {
        // SAFETY: registers a plain function with the C runtime; it only reads an atomic and
        // writes to stderr, both valid during exit.
        unsafe { atexit(summary) };
    });
    COUNT.fetch_add(1, Ordering::Relaxed);
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

impl TestSite {
    /// An empty, migrated site.
    pub async fn empty(backend: Backend) -> Option<TestSite> {
        TestSite::with_theme(backend, None).await
    }

    /// An empty, migrated site whose theme folder overrides the built-in theme.
    pub async fn with_theme(backend: Backend, theme: Option<&std::path::Path>) -> Option<TestSite> {
        TestSite::build(backend, theme, newsdesk::notify::Notifier::none()).await
    }

    /// The demo site, sending email through `notifier`.
    pub async fn demo_with_notifier(
        backend: Backend,
        notifier: newsdesk::notify::Notifier,
    ) -> Option<TestSite> {
        let site = TestSite::build(backend, None, notifier).await?;
        assert!(
            newsdesk::demo::seed_if_empty(&site.store, chrono::Utc::now())
                .await
                .expect("demo")
        );
        Some(site)
    }

    /// The demo site on a store opened with these options (a short busy timeout, one
    /// connection).
    pub async fn demo_with_store_options(
        backend: Backend,
        options: newsdesk::store::StoreOptions,
    ) -> Option<TestSite> {
        let site = TestSite::build_with(backend, None, newsdesk::notify::Notifier::none(), options)
            .await?;
        assert!(
            newsdesk::demo::seed_if_empty(&site.store, chrono::Utc::now())
                .await
                .expect("demo")
        );
        Some(site)
    }

    async fn build(
        backend: Backend,
        theme: Option<&std::path::Path>,
        notifier: newsdesk::notify::Notifier,
    ) -> Option<TestSite> {
        TestSite::build_with(
            backend,
            theme,
            notifier,
            newsdesk::store::StoreOptions::new(4),
        )
        .await
    }

    async fn build_with(
        backend: Backend,
        theme: Option<&std::path::Path>,
        notifier: newsdesk::notify::Notifier,
        options: newsdesk::store::StoreOptions,
    ) -> Option<TestSite> {
        let (url, cleanup) = fresh_database(backend).await?;
        let store = Store::connect_with(&url, options).await.expect("connect");
        store.migrate().await.expect("migrate");
        let options = newsdesk::AppOptions {
            notifier,
            ..Default::default()
        };
        let app = app(AppState::with_options(
            store.clone(),
            Theme::load(theme).expect("theme"),
            options,
        ));
        Some(TestSite {
            store,
            app,
            backend,
            url,
            _cleanup: cleanup,
        })
    }

    /// The demo site, created now.
    pub async fn demo(backend: Backend) -> Option<TestSite> {
        TestSite::demo_at(backend, chrono::Utc::now()).await
    }

    /// The demo site as if created at `at` (its stories are dated relative to that moment).
    pub async fn demo_at(backend: Backend, at: chrono::DateTime<chrono::Utc>) -> Option<TestSite> {
        let site = TestSite::empty(backend).await?;
        assert!(
            newsdesk::demo::seed_if_empty(&site.store, at)
                .await
                .expect("demo")
        );
        Some(site)
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_with_cookie(path, None).await
    }

    /// Changes site settings through the same action as `newsdesk settings --set`.
    pub async fn settings(&self, values: &[(&str, &str)]) {
        newsdesk::actions::site::update_settings(
            &self.store,
            newsdesk::actions::Actor::Operator,
            values,
        )
        .await
        .unwrap();
        self.store.touch();
    }

    /// A GET with extra request headers.
    pub async fn get_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = Request::get(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Runs SQL behind the application's back (as another program or an old import would);
    /// returns the rows affected.
    pub async fn raw_execute(&self, sql: &str) -> u64 {
        use sqlx::{Connection, Executor};
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                c.execute(sql).await.unwrap().rows_affected()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                c.execute(sql).await.unwrap().rows_affected()
            }
        }
    }

    /// `(text, number)` rows of a query run behind the application's back.
    pub async fn raw_pairs(&self, sql: &str) -> Vec<(String, i64)> {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
            }
        }
    }

    /// The id of the demo's "admin" byline (public slug `newsroom-desk`).
    pub async fn desk(&self) -> i64 {
        self.store
            .author_by_slug("newsroom-desk")
            .await
            .unwrap()
            .expect("the demo's desk author")
            .id
    }

    /// Adds a tag behind the application's back (no action creates tags yet); returns its id.
    pub async fn add_tag(&self, slug: &str, name: &str) -> i64 {
        self.raw_execute(&format!(
            "INSERT INTO tags (slug, name) VALUES ('{slug}', '{name}')"
        ))
        .await;
        self.raw_pairs(&format!("SELECT slug, id FROM tags WHERE slug = '{slug}'"))
            .await[0]
            .1
    }

    /// Changes a story's headline behind the application's back (as an editor's edit would),
    /// then marks the content as changed.
    pub async fn retitle(&self, old: &str, new: &str) {
        let q = |s: &str| s.replace('\'', "''");
        let done = self
            .raw_execute(&format!(
                "UPDATE articles SET title = '{}' WHERE title = '{}'",
                q(new),
                q(old)
            ))
            .await;
        assert_eq!(done, 1, "no story titled {old:?}");
        self.store.touch();
    }

    /// Makes the next story id `next` (as after a large import).
    pub async fn skip_article_ids_to(&self, next: i64) {
        match self.backend {
            // SQLite gives the next row the highest id plus one: leave a draft at `next - 1`.
            Backend::Sqlite => {
                self.raw_execute(&format!(
                    "INSERT INTO articles (id, title, slug, created_at, updated_at) \
                     VALUES ({}, 'Placeholder', 'placeholder-{next}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                    next - 1
                ))
                .await;
            }
            Backend::Postgres => {
                self.raw_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('articles', 'id'), {})",
                    next - 1
                ))
                .await;
            }
        }
    }

    /// A GET sending the given `Cookie` header.
    pub async fn get_with_cookie(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A form POST as a browser at `ip` sends it, with an optional `Cookie` header.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        ip: &str,
        cookie: Option<&str>,
    ) -> Page {
        let cookie_header = cookie.map(|c| ("cookie", c));
        self.post_form_with(path, fields, ip, cookie_header.as_slice())
            .await
    }

    /// A form POST with extra request headers.
    pub async fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        ip: &str,
        headers: &[(&str, &str)],
    ) -> Page {
        post_form_to(self.app.clone(), path, fields, ip, headers).await
    }

    async fn send(&self, req: Request<Body>) -> Page {
        send_to(self.app.clone(), req).await
    }
}

/// A form POST to a router, as a browser at `ip` sends it (usable from spawned tasks).
pub async fn post_form_to(
    app: Router,
    path: &str,
    fields: &[(&str, &str)],
    ip: &str,
    headers: &[(&str, &str)],
) -> Page {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let mut req =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    send_to(app, req).await
}

pub async fn send_to(app: Router, req: Request<Body>) -> Page {
    {
        let res = app.oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).expect("utf-8 body"),
        }
    }
}

impl TestSite {
    /// The published story whose address ends in this slug (or is this address).
    pub async fn story_at(&self, slug_or_path: &str) -> newsdesk::store::articles::ArticleRow {
        let slug = slug_or_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap();
        self.store
            .published_article_by_slug(slug, chrono::Utc::now())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no published story at {slug_or_path}"))
    }

    /// The id of the demo story with this title.
    pub async fn story_id(&self, title: &str) -> i64 {
        let slug = newsdesk::domain::slug::Slug::from_title(title, "story");
        self.story_at(slug.as_str()).await.id
    }

    /// The canonical URL of the demo story with this title, as linked from its section archive.
    pub async fn url_of(&self, title: &str) -> String {
        let slug = newsdesk::domain::slug::Slug::from_title(title, "story");
        let row = self.story_at(slug.as_str()).await;
        newsdesk::domain::article::article_path(
            row.published_at.unwrap(),
            &row.slug,
            chrono_tz::UTC,
        )
    }
}

/// A response whose body is bytes (an image), read whole.
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A header's value, or `""`.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestSite {
    /// A GET with extra request headers whose answer is not text.
    pub async fn get_raw(&self, path: &str, headers: &[(&str, &str)]) -> RawResponse {
        let mut req = Request::get(path);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        RawResponse {
            status,
            headers,
            body,
        }
    }
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The `name=value` parts of every `Set-Cookie` header, joined as a `Cookie` header.
    pub fn cookies(&self) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter(|kv| !kv.ends_with('='))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Texts of every element matching a CSS selector, whitespace collapsed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// An attribute of every element matching a CSS selector.
    pub fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    /// Every named or nameable landmark as `(role, accessible name)`: `nav`, `aside`,
    /// `form[role=search]`, and `section`s named by `aria-label` or `aria-labelledby` (the
    /// heading's text). An unnamed `nav` or `aside` has the name `""`.
    pub fn landmarks(&self) -> Vec<(String, String)> {
        let doc = self.html();
        let sel = scraper::Selector::parse("nav, aside, section, form[role=search]").unwrap();
        let text_of = |id: &str| {
            let sel = scraper::Selector::parse(&format!("[id='{id}']")).unwrap();
            doc.select(&sel)
                .next()
                .map(|e| {
                    e.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        };
        doc.select(&sel)
            .filter_map(|e| {
                let el = e.value();
                let name = match (el.attr("aria-label"), el.attr("aria-labelledby")) {
                    (Some(label), _) => Some(label.to_owned()),
                    (None, Some(ids)) => Some(
                        ids.split_whitespace()
                            .map(text_of)
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    (None, None) => None,
                };
                let role = match el.name() {
                    "nav" => "navigation",
                    "aside" => "complementary",
                    "form" => "search",
                    // A section is a landmark (region) only when it has a name.
                    _ => {
                        name.as_ref()?;
                        "region"
                    }
                };
                Some((role.to_owned(), name.unwrap_or_default()))
            })
            .collect()
    }

    /// The outer HTML of the first element matching a CSS selector.
    pub fn fragment(&self, selector: &str) -> String {
        let sel = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .next()
            .map(|e| e.html())
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }
}

/// Runs each listed `async fn NAME(site: TestSite)` on a fresh `$setup` site on SQLite and on
/// PostgreSQL, as tests `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($setup:ident: $($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let site = $crate::support::TestSite::$setup($crate::support::Backend::Sqlite).await.unwrap();
                super::$name(site).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(site) = $crate::support::TestSite::$setup($crate::support::Backend::Postgres).await {
                    super::$name(site).await
                }
            }
        }
    )* };
}

/// A signed-in member of the newsroom, as a browser holds them: the session cookie and the
/// page's CSRF token.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub cookie: String,
    pub csrf: String,
}

/// The password every test account gets.
pub const STAFF_PASSWORD: &str = "correct horse battery staple";
/// The origin test requests are sent to.
pub const ORIGIN: &str = "http://localhost";

impl TestSite {
    /// Adds an account with this login and role (display name "Login Surname").
    pub async fn add_staff(&self, login: &str, role: newsdesk::domain::user::Role) -> i64 {
        use newsdesk::actions::{Actor, accounts};
        let account = accounts::NewAccount {
            login: login.to_owned(),
            email: format!("{login}@news.example"),
            display_name: format!("{} Surname", login[..1].to_uppercase() + &login[1..]),
            role,
            password: Some(STAFF_PASSWORD.to_owned()),
        };
        accounts::add_user(&self.store, Actor::Operator, &account, chrono::Utc::now())
            .await
            .unwrap()
    }

    /// Adds an account (through the same action as `newsdesk user add`, without a password)
    /// and returns it as the actions see the person signed in.
    pub async fn staff_member(
        &self,
        login: &str,
        display_name: &str,
        role: newsdesk::domain::user::Role,
    ) -> newsdesk::domain::user::Staff {
        use newsdesk::actions::{Actor, accounts};
        let account = accounts::NewAccount {
            login: login.to_owned(),
            email: format!("{login}@news.example"),
            display_name: display_name.to_owned(),
            role,
            password: None,
        };
        let id = accounts::add_user(&self.store, Actor::Operator, &account, chrono::Utc::now())
            .await
            .unwrap();
        newsdesk::domain::user::Staff {
            id,
            login: login.to_owned(),
            display_name: display_name.to_owned(),
            email: account.email,
            role,
        }
    }

    /// Adds an account and signs it in through `/admin/login`.
    pub async fn staff(&self, login: &str, role: newsdesk::domain::user::Role) -> Staff {
        let id = self.add_staff(login, role).await;
        self.sign_in(id, login).await
    }

    /// Signs an existing account in through the login form, as a browser does.
    pub async fn sign_in(&self, id: i64, login: &str) -> Staff {
        let form = self.get("/admin/login").await;
        let token = form.attrs("input[name=_csrf]", "value").remove(0);
        let res = self
            .post_form_with(
                "/admin/login",
                &[
                    ("_csrf", &token),
                    ("login", login),
                    ("password", STAFF_PASSWORD),
                ],
                "192.0.2.10",
                &[("origin", ORIGIN)],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            res.body
        );
        let cookie = res.cookies();
        let dash = self.get_with_cookie("/admin/", Some(&cookie)).await;
        assert_eq!(dash.status, StatusCode::OK);
        let csrf = dash.attrs("meta[name=csrf-token]", "content").remove(0);
        Staff { id, cookie, csrf }
    }

    /// A signed-in GET.
    pub async fn admin_get(&self, who: &Staff, path: &str) -> Page {
        self.get_with_cookie(path, Some(&who.cookie)).await
    }

    /// A signed-in form POST from the admin's own pages (with the CSRF token and `Origin`).
    pub async fn admin_post(&self, who: &Staff, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("_csrf", who.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form_with(
            path,
            &all,
            "192.0.2.10",
            &[("cookie", &who.cookie), ("origin", ORIGIN)],
        )
        .await
    }
}

impl TestSite {
    /// Follows a redirect answered to `who`, carrying the one-time message cookie it set, as
    /// a browser does.
    pub async fn admin_follow(&self, who: &Staff, res: &Page) -> Page {
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "not a redirect: {}",
            res.body
        );
        let flash = res.cookies();
        let cookie = if flash.is_empty() {
            who.cookie.clone()
        } else {
            format!("{}; {flash}", who.cookie)
        };
        self.get_with_cookie(res.location(), Some(&cookie)).await
    }
}
