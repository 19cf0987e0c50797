//! Headless Chromium tests of the public site's JavaScript enhancements, run against the real
//! `newsdesk serve --demo` binary through chromedriver (WebDriver, via fantoccini).
//!
//! Needs `chromium` and `chromedriver` (`apt install chromium chromium-driver`); their paths can
//! be overridden with the `CHROMIUM` and `CHROMEDRIVER` environment variables. Without them the
//! tests are skipped, except when `CI=true`, where a missing browser is a failure.
//!
//! Screenshots are written to `target/screenshots/`.

use std::fmt::Display;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::actions::InputSource;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// The demo's reference story (see `src/demo/stories.rs`).
const REFERENCE_SLUG: &str = "putin-meets-n-koreas-jong-un";
/// Where `site.js` remembers that the reader dismissed the Read also box.
const DISMISSED_KEY: &str = "newsdesk:read-also-dismissed";
const ENTER: &str = "\u{E007}";

/// What the comment test types: several lines, markup, quotes, ampersands and a web address.
const COMMENT_TEXT: &str = "Is this <b>bold?</b> It should not be: \"double\" and 'single' quotes stay as typed.\n\
                            The source is https://example.org/report?id=7&lang=en for details.\n\
                            \n\
                            A second paragraph: R&D &amp; co.";
const COMMENT_URL: &str = "https://example.org/report?id=7&lang=en";
const COMMENT_AUTHOR: &str = "Ada \"Ace\" O'Neill";
const INVALID_EMAIL: &str = "not-an-email";
const VALID_EMAIL: &str = "ada.oneill@example.com";
const EMAIL_MESSAGE: &str = "Please enter a valid email address";
const AWAITING_MODERATION: &str = "Your comment is awaiting moderation.";
/// More than the site's minimum time on the form (`comment_min_seconds`, 3 s by default).
const TIME_ON_FORM: Duration = Duration::from_millis(3500);

const SERVER_START_TIMEOUT: Duration = Duration::from_secs(90);
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
const UI_TIMEOUT: Duration = Duration::from_secs(5);
const PAGE_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

// ---------------------------------------------------------------------------------------------
// Tools: locating the browser, temporary folders, child processes.
// ---------------------------------------------------------------------------------------------

struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// Finds chromium and chromedriver. `None` means "skip this test" (outside CI only).
fn browser_tools() -> Option<BrowserTools> {
    let find = |var: &str, default: &str| -> Result<PathBuf, String> {
        let path = std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default));
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{} not found (set {var} to override)",
                path.display()
            ))
        }
    };
    let chromium = find("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = find("CHROMEDRIVER", "/usr/bin/chromedriver");
    match (chromium, chromedriver) {
        (Ok(chromium), Ok(chromedriver)) => Some(BrowserTools {
            chromium,
            chromedriver,
        }),
        (chromium, chromedriver) => {
            let missing: Vec<String> = [chromium.err(), chromedriver.err()]
                .into_iter()
                .flatten()
                .collect();
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "CI=true, so the headless Chromium tests must run, but: {}. \
                     Install them with `apt install chromium chromium-driver`.",
                    missing.join("; ")
                );
            }
            crate::support::skipped(&format!(
                "the headless Chromium tests need chromium and chromedriver \
                 (apt install chromium chromium-driver): {}",
                missing.join("; ")
            ));
            None
        }
    }
}

/// A fresh folder under the system temp dir, removed (best effort) on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "newsdesk-{label}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create temp dir {}: {e}", path.display()));
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .expect("cannot bind 127.0.0.1:0 to find a free port");
    listener
        .local_addr()
        .expect("local_addr of a bound listener")
        .port()
}

/// A minimal blocking HTTP GET (one request per connection): the status code and body.
/// Reads `Content-Length` bytes of body when given (chromedriver keeps the connection open
/// despite `Connection: close`), else up to the end of the stream.
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(bad(
                "connection closed before the end of the response headers",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("not an HTTP response"))?;
    let content_length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    let mut body = buf.split_off(header_end);
    match content_length {
        Some(len) => {
            while body.len() < len {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    return Err(bad("connection closed before the end of the response body"));
                }
                body.extend_from_slice(&chunk[..n]);
            }
            body.truncate(len);
        }
        None => {
            stream.read_to_end(&mut body)?;
        }
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The last lines of a log file, for failure messages.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn log_file(path: &Path) -> std::fs::File {
    std::fs::File::create(path)
        .unwrap_or_else(|e| panic!("cannot create log file {}: {e}", path.display()))
}

/// Polls `ready` until it answers true or `timeout` passes; panics with the last reason if not.
/// `ready` returns `Ok(())` when ready, `Err(reason)` otherwise.
fn wait_blocking(
    what: &str,
    timeout: Duration,
    child: &mut Child,
    log: &Path,
    mut ready: impl FnMut() -> Result<(), String>,
) {
    let started = Instant::now();
    loop {
        let reason = match ready() {
            Ok(()) => return,
            Err(reason) => reason,
        };
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}) before it was ready; last log lines:\n{}",
                log_tail(log)
            );
        }
        if started.elapsed() > timeout {
            panic!(
                "{what} was not ready after {timeout:?} (last attempt: {reason}); last log lines:\n{}",
                log_tail(log)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `newsdesk serve --demo` on a fresh data folder; killed (and the folder removed) on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    // Dropped after the child is killed (fields drop after `Drop::drop`).
    _root: TempDir,
}

impl Server {
    fn start() -> Server {
        Server::start_with_theme(None)
    }

    /// The demo site served with `--theme DIR`.
    fn start_with_theme(theme: Option<&Path>) -> Server {
        let root = TempDir::new("browser-site");
        let data = root.path().join("data");
        let log = root.path().join("server.log");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .arg("serve")
            .arg("--demo")
            .arg("--data")
            .arg(&data)
            .arg("--listen")
            .arg(addr.to_string())
            .env("NEWSDESK_LOG", "warn")
            .env_remove("NEWSDESK_DATABASE_URL")
            .env_remove("NEWSDESK_THEME")
            .args(
                theme
                    .map(|dir| [std::ffi::OsStr::new("--theme"), dir.as_os_str()])
                    .into_iter()
                    .flatten(),
            )
            .stdin(Stdio::null())
            .stdout(log_file(&log))
            .stderr(log_file(&root.path().join("server.stderr.log")))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", env!("CARGO_BIN_EXE_newsdesk")));
        let mut server = Server {
            child,
            addr,
            _root: root,
        };
        let stderr_log = server._root.path().join("server.stderr.log");
        wait_blocking(
            "the newsdesk server",
            SERVER_START_TIMEOUT,
            &mut server.child,
            &stderr_log,
            || match http_get(addr, "/healthz") {
                Ok((200, _)) => Ok(()),
                Ok((status, body)) => Err(format!("/healthz answered {status}: {body}")),
                Err(e) => Err(format!("/healthz: {e}")),
            },
        );
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver on a free port; on drop it is asked to shut down (which also quits the
/// browsers it started), then killed if it does not, and the Chromium profile is removed.
struct Driver {
    child: Child,
    addr: SocketAddr,
    _root: TempDir,
}

impl Driver {
    fn start(chromedriver: &Path) -> Driver {
        let root = TempDir::new("browser-driver");
        let log = root.path().join("chromedriver.log");
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
        let child = Command::new(chromedriver)
            .arg(format!("--port={}", addr.port()))
            .stdin(Stdio::null())
            .stdout(log_file(&log))
            .stderr(log_file(&root.path().join("chromedriver.stderr.log")))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Driver {
            child,
            addr,
            _root: root,
        };
        wait_blocking(
            "chromedriver",
            DRIVER_START_TIMEOUT,
            &mut driver.child,
            &log,
            || match http_get(addr, "/status") {
                Ok((200, body)) if body.contains("\"ready\":true") => Ok(()),
                Ok((status, body)) => Err(format!("/status answered {status}: {body}")),
                Err(e) => Err(format!("/status: {e}")),
            },
        );
        driver
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A fresh, empty Chromium user-data-dir (fresh cookies and localStorage), one per session:
    /// two sessions of this driver are two different browsers.
    fn new_profile_dir(&self) -> PathBuf {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = self._root.path().join(format!(
            "profile-{}",
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create the profile dir {}: {e}", dir.display()));
        dir
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // A graceful shutdown quits any browser still open (e.g. after a panic); a plain kill
        // would leave Chromium running.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = http_get(self.addr, "/shutdown");
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// WebDriver helpers: every fantoccini error becomes a panic that says what was being done.
// ---------------------------------------------------------------------------------------------

trait OrPanic<T> {
    fn or_panic(self, doing: impl Display) -> T;
}

impl<T, E: Display> OrPanic<T> for Result<T, E> {
    #[track_caller]
    fn or_panic(self, doing: impl Display) -> T {
        match self {
            Ok(v) => v,
            Err(e) => panic!("WebDriver error while {doing}: {e}"),
        }
    }
}

/// A new browser session on a fresh profile (its own cookies and storage).
async fn connect(driver: &Driver, chromium: &Path) -> Client {
    connect_with(driver, chromium, None, &[]).await
}

/// A session that shows pages as a phone with a `width` × `height` screen (CSS pixels) would.
async fn connect_phone(driver: &Driver, chromium: &Path, width: u32, height: u32) -> Client {
    let metrics = json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1 } });
    connect_with(driver, chromium, Some(metrics), &[]).await
}

/// `mobile`: Chromium's phone emulation; `extra_args`: more command-line switches.
async fn connect_with(
    driver: &Driver,
    chromium: &Path,
    mobile: Option<Value>,
    extra_args: &[&str],
) -> Client {
    let profile = driver.new_profile_dir();
    let mut caps = serde_json::Map::new();
    let mut options = json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
    });
    if let Some(mobile) = mobile {
        options["mobileEmulation"] = mobile;
    }
    if let Some(args) = options["args"].as_array_mut() {
        args.extend(extra_args.iter().map(|a| json!(a)));
    }
    caps.insert("goog:chromeOptions".to_owned(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot start a headless Chromium session through chromedriver at {}: {e}",
                driver.url()
            )
        })
}

/// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
async fn js(client: &Client, script: &str, args: Vec<Value>) -> Value {
    client
        .execute(script, args)
        .await
        .or_panic(format_args!("running the script `{script}`"))
}

fn el(element: &Element) -> Value {
    serde_json::to_value(element).expect("a WebDriver element reference serializes")
}

/// Polls an async condition every `POLL_INTERVAL` until it is true or `timeout` passes.
async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The Read also box's state, as the page's scripts see it.
async fn box_state(client: &Client) -> Value {
    js(
        client,
        r#"
        const box = document.querySelector("aside.read-also[data-read-also]");
        if (!box) return null;
        const button = box.querySelector("button.read-also__close");
        const active = document.activeElement;
        return {
            classes: Array.from(box.classList),
            hidden: box.hidden,
            hiddenAttr: box.hasAttribute("hidden"),
            display: getComputedStyle(box).display,
            visibility: getComputedStyle(box).visibility,
            position: getComputedStyle(box).position,
            animations: box.getAnimations().length,
            buttonHidden: button ? button.hidden : null,
            active: active ? { tag: active.tagName.toLowerCase(), id: active.id, text: active.textContent.trim().slice(0, 60) } : null,
            stored: localStorage.getItem(arguments[0]),
            status: (document.getElementById("read-also-status") || {}).textContent || null,
            scrollY: Math.round(window.scrollY),
            viewportHeight: window.innerHeight,
            pageHeight: document.documentElement.scrollHeight,
            // Where the story footer (the IntersectionObserver's target) is, relative to the viewport.
            footerRect: (() => {
                const f = document.querySelector(".story-footer");
                if (!f) return null;
                const r = f.getBoundingClientRect();
                return { top: Math.round(r.top), bottom: Math.round(r.bottom) };
            })(),
        };
        "#,
        vec![json!(DISMISSED_KEY)],
    )
    .await
}

/// The comment form and its feedback, as the page's scripts see them.
async fn comment_form_state(client: &Client) -> Value {
    js(
        client,
        r#"
        const byId = (id) => document.getElementById(id);
        const value = (id) => { const e = byId(id); return e ? e.value : null; };
        const text = (id) => { const e = byId(id); return e ? e.textContent.replace(/\s+/g, " ").trim() : null; };
        const attr = (id, name) => { const e = byId(id); return e ? e.getAttribute(name) : null; };
        const active = document.activeElement;
        const form = byId("commentform");
        const summary = byId("comment-errors");
        return {
            url: location.href,
            title: document.title,
            readyState: document.readyState,
            active: active ? { tag: active.tagName.toLowerCase(), id: active.id } : null,
            comment: value("comment"),
            author: value("author"),
            email: value("email"),
            summary: text("comment-errors"),
            summaryItems: summary ? Array.from(summary.querySelectorAll("li a")).map(a => ({ href: a.getAttribute("href"), text: a.textContent.trim() })) : null,
            emailError: text("email-error"),
            emailErrorBesideField: !!(byId("email-error") && byId("email") && byId("email-error").parentElement === byId("email").parentElement),
            commentInvalid: attr("comment", "aria-invalid"),
            authorInvalid: attr("author", "aria-invalid"),
            emailInvalid: attr("email", "aria-invalid"),
            emailDescribedBy: attr("email", "aria-describedby"),
            noValidate: form ? form.noValidate : null,
            // What the browser's own validation would say about each field.
            browserValidation: form ? Array.from(form.elements).filter(e => e.willValidate && !e.validity.valid).map(e => ({ id: e.id, message: e.validationMessage })) : null,
        };
        "#,
        vec![],
    )
    .await
}

/// Clicks a control that should load a new page (a form submission) and waits until the new
/// document has loaded; panics with the form's state if it does not.
async fn click_and_wait_for_new_page(client: &Client, control: &Element, what: &str) {
    js(client, "window.__newsdeskOldPage = true;", vec![]).await;
    control
        .click()
        .await
        .or_panic(format_args!("clicking {what}"));
    let loaded = eventually(PAGE_TIMEOUT, || async {
        // Errors while the page is being replaced just mean "not yet".
        client
            .execute(
                "return window.__newsdeskOldPage !== true && document.readyState === 'complete';",
                vec![],
            )
            .await
            .is_ok_and(|v| v == json!(true))
    })
    .await;
    if !loaded {
        let state = comment_form_state(client).await;
        panic!(
            "clicking {what} did not load a new page within {PAGE_TIMEOUT:?} (did the browser's \
             own form validation stop it?); state: {state}"
        );
    }
}

async fn find(client: &Client, selector: &str, doing: &str) -> Element {
    client
        .find(Locator::Css(selector))
        .await
        .or_panic(format_args!("finding `{selector}` ({doing})"))
}

/// `find` for what a script puts on the page after it loaded (a list fetched from the server,
/// a notice): waits until `selector` matches.
async fn find_when_loaded(client: &Client, selector: &str, doing: &str) -> Element {
    let found = eventually(UI_TIMEOUT, || async {
        client.find(Locator::Css(selector)).await.is_ok()
    })
    .await;
    assert!(
        found,
        "`{selector}` did not appear within {UI_TIMEOUT:?} ({doing})"
    );
    find(client, selector, doing).await
}

/// Runs `script` until it returns `expected` (within `UI_TIMEOUT`); panics with what it last
/// returned.
async fn wait_for_js(client: &Client, script: &str, expected: Value, what: &str) {
    let last = std::sync::Mutex::new(Value::Null);
    let reached = eventually(UI_TIMEOUT, || async {
        let now = js(client, script, vec![]).await;
        let done = now == expected;
        *last.lock().unwrap() = now;
        done
    })
    .await;
    let last = last.into_inner().unwrap();
    assert!(reached, "{what}: expected {expected}, last saw {last}");
}

/// Front page → the reference story, by following its link as a reader would. Returns the
/// story's address as the browser shows it.
async fn open_reference_story(client: &Client, server: &Server) -> String {
    let home = server.url("/");
    client
        .goto(&home)
        .await
        .or_panic(format_args!("opening {home}"));
    let selector = format!("a[href*=\"{REFERENCE_SLUG}\"]");
    let link = client
        .find(Locator::Css(&selector))
        .await
        .or_panic(format_args!(
            "finding the reference story link `{selector}` on {home}"
        ));
    let story_url = link
        .prop("href")
        .await
        .or_panic("reading the reference story link's href")
        .expect("the reference story link has an href");
    client
        .goto(&story_url)
        .await
        .or_panic(format_args!("opening the reference story {story_url}"));
    let here = client
        .current_url()
        .await
        .or_panic("reading the current URL");
    assert!(
        here.path().contains(REFERENCE_SLUG),
        "expected to be on the reference story, but the browser is at {here}"
    );
    here.to_string()
}

async fn save_screenshot(client: &Client, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let png = client
        .screenshot()
        .await
        .or_panic(format_args!("taking the screenshot {name}"));
    assert!(
        png.starts_with(b"\x89PNG"),
        "the screenshot {name} is not a PNG ({} bytes)",
        png.len()
    );
    let path = dir.join(name);
    std::fs::write(&path, &png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    eprintln!("screenshot: {}", path.display());
    path
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

/// The "Read also" box on a story page: accessible markup, slides in at the end of the story,
/// dismissible from the keyboard, and stays dismissed on the next page load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_also_box_slides_in_and_stays_dismissed() {
    let Some(tools) = browser_tools() else {
        return;
    };
    // Locals drop in reverse order, also on panic: the client first, then chromedriver (which
    // quits Chromium), then the server.
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;

    // --- Front page → the reference story.
    let here = open_reference_story(&client, &server).await;

    // --- The box and its markup.
    let aside = client
        .find(Locator::Css("aside.read-also[data-read-also]"))
        .await
        .or_panic(format_args!(
            "finding aside.read-also[data-read-also] on {here}"
        ));

    let other = aside
        .find(Locator::Css(".read-also__story a[href]"))
        .await
        .or_panic("finding the story link inside the Read also box");
    let other_href = other
        .prop("href")
        .await
        .or_panic("reading the Read also link's href")
        .expect("the Read also link has an href");
    let other_text = other
        .prop("textContent")
        .await
        .or_panic("reading the Read also link's text")
        .unwrap_or_default();
    let strip_fragment = |u: &str| u.split('#').next().unwrap_or(u).to_owned();
    assert_ne!(
        strip_fragment(&other_href),
        strip_fragment(here.as_str()),
        "the Read also box must link to another story, not the current one"
    );
    assert!(
        other_href.starts_with(&server.url("/")) && other_href != server.url("/"),
        "the Read also link should point to a story on this site, got {other_href:?}"
    );
    assert!(
        !other_text.trim().is_empty(),
        "the Read also link ({other_href}) has no text"
    );

    let labelledby = aside
        .attr("aria-labelledby")
        .await
        .or_panic("reading aria-labelledby of the Read also box")
        .filter(|v| !v.trim().is_empty())
        .expect("the Read also box must have aria-labelledby");
    let heading = client
        .find(Locator::Id(&labelledby))
        .await
        .or_panic(format_args!(
            "finding #{labelledby}, which the Read also box's aria-labelledby points to"
        ));
    let heading_tag = heading
        .tag_name()
        .await
        .or_panic("reading the heading's tag")
        .to_lowercase();
    assert!(
        matches!(
            heading_tag.as_str(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
        ),
        "aria-labelledby of the Read also box points to <{heading_tag} id={labelledby}>, not a heading"
    );
    // textContent, not WebDriver's rendered text: the CSS upper-cases the title.
    let heading_text = heading
        .prop("textContent")
        .await
        .or_panic("reading the heading's text")
        .unwrap_or_default();
    assert_eq!(
        heading_text.trim(),
        "Read also",
        "the heading that labels the Read also box"
    );

    let close = aside
        .find(Locator::Css("button.read-also__close"))
        .await
        .or_panic("finding button.read-also__close in the Read also box");
    let close_tag = close
        .tag_name()
        .await
        .or_panic("reading the close button's tag")
        .to_lowercase();
    assert_eq!(
        close_tag, "button",
        "the close control must be a real <button>"
    );
    let close_type = close
        .attr("type")
        .await
        .or_panic("reading the close button's type");
    assert_eq!(
        close_type.as_deref(),
        Some("button"),
        "the close button should be type=button (it is not a submit button)"
    );
    let close_label = close
        .attr("aria-label")
        .await
        .or_panic("reading the close button's aria-label")
        .unwrap_or_default();
    assert!(
        !close_label.trim().is_empty(),
        "the close button (×) needs an accessible name (aria-label)"
    );

    // Wait until site.js has enhanced the box.
    let enhanced = eventually(UI_TIMEOUT, || async {
        let s = box_state(&client).await;
        s["buttonHidden"] == json!(false)
    })
    .await;
    let state = box_state(&client).await;
    assert!(
        enhanced,
        "site.js did not enhance the Read also box (close button un-hidden) \
         within {UI_TIMEOUT:?}; state: {state}"
    );
    assert_eq!(
        state["hidden"],
        json!(false),
        "on a fresh profile the Read also box must not be hidden; state: {state}"
    );
    assert!(
        !state["classes"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("is-shown"))),
        "the Read also box should wait for the end of the story before it shows; state: {state}"
    );

    // --- Reaching the end of the page slides the box in.
    js(
        &client,
        "window.scrollTo(0, document.body.scrollHeight);",
        vec![],
    )
    .await;
    let shown = eventually(UI_TIMEOUT, || async {
        box_state(&client).await["classes"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("is-shown")))
    })
    .await;
    let state = box_state(&client).await;
    let hint = if state["footerRect"]["bottom"]
        .as_i64()
        .is_some_and(|b| b < 0)
    {
        " (.story-footer is above the viewport: jumping past it means it never intersects, \
         so an IntersectionObserver on it alone never fires)"
    } else {
        ""
    };
    assert!(
        shown,
        "the Read also box did not get class is-shown within {UI_TIMEOUT:?} of scrolling to \
         the end of the page{hint}; state: {state}"
    );
    // Let the slide-in transition finish so the screenshot and the visibility checks are stable.
    let settled = eventually(UI_TIMEOUT, || async {
        let s = box_state(&client).await;
        s["animations"] == json!(0) && s["visibility"] == json!("visible")
    })
    .await;
    let state = box_state(&client).await;
    assert!(
        settled,
        "the shown Read also box did not become visible (or kept animating) within \
         {UI_TIMEOUT:?}; state: {state}"
    );
    assert_eq!(
        state["position"],
        json!("fixed"),
        "the shown box floats; state: {state}"
    );
    assert!(
        aside
            .is_displayed()
            .await
            .or_panic("checking the box is displayed"),
        "WebDriver does not consider the shown Read also box displayed; state: {state}"
    );
    assert!(
        close
            .is_displayed()
            .await
            .or_panic("checking the close button is displayed"),
        "the close button must be visible once site.js has run and the box is shown"
    );
    let (_, _, w, h) = close
        .rectangle()
        .await
        .or_panic("measuring the close button");
    assert!(
        w >= 24.0 && h >= 24.0,
        "the close button target is too small: {w}×{h} CSS px (WCAG 2.5.8 asks for 24×24)"
    );
    save_screenshot(&client, "read-also.png").await;

    // --- Dismiss it from the keyboard: Enter on the focused close button.
    js(&client, "arguments[0].focus();", vec![el(&close)]).await;
    close
        .send_keys(ENTER)
        .await
        .or_panic("pressing Enter on the Read also close button");
    let dismissed = eventually(UI_TIMEOUT, || async {
        box_state(&client).await["hidden"] == json!(true)
    })
    .await;
    let state = box_state(&client).await;
    assert!(
        dismissed,
        "pressing Enter on the focused close button did not hide the Read also box within \
         {UI_TIMEOUT:?}; state: {state}"
    );
    assert!(
        !aside
            .is_displayed()
            .await
            .or_panic("checking the dismissed box is not displayed"),
        "the dismissed Read also box is still displayed; state: {state}"
    );
    assert_eq!(
        state["display"],
        json!("none"),
        "the dismissed box takes no space; state: {state}"
    );
    assert!(
        state["stored"]
            .as_str()
            .is_some_and(|s| s.parse::<f64>().is_ok_and(|t| t > 0.0)),
        "the dismissal was not remembered in localStorage[{DISMISSED_KEY:?}]; state: {state}"
    );
    let active = &state["active"];
    assert!(
        active.is_object() && active["tag"] != json!("body"),
        "after dismissal keyboard focus fell back to <body> instead of staying near the box; \
         state: {state}"
    );
    let related_exists = js(
        &client,
        "return document.getElementById('related-title') !== null;",
        vec![],
    )
    .await;
    if related_exists == json!(true) {
        assert_eq!(
            active["id"],
            json!("related-title"),
            "after dismissal focus should move to the Related Posts heading; state: {state}"
        );
    }

    // --- The dismissal sticks on the next page load.
    client.refresh().await.or_panic("reloading the story page");
    let aside = client
        .find(Locator::Css("aside.read-also[data-read-also]"))
        .await
        .or_panic("finding the Read also box after reload");
    let stays_hidden = eventually(UI_TIMEOUT, || async {
        let s = box_state(&client).await;
        s["hiddenAttr"] == json!(true) && s["display"] == json!("none")
    })
    .await;
    let state = box_state(&client).await;
    assert!(
        stays_hidden,
        "after reload the dismissed Read also box should get the hidden attribute; state: {state}"
    );
    // Scrolling to the end must not bring it back.
    js(
        &client,
        "window.scrollTo(0, document.body.scrollHeight);",
        vec![],
    )
    .await;
    // Nothing is expected to change; give an observer a brief chance to (wrongly) fire.
    let reappeared = eventually(Duration::from_millis(500), || async {
        box_state(&client).await["hidden"] != json!(true)
    })
    .await;
    let state = box_state(&client).await;
    assert!(
        !reappeared,
        "the dismissed Read also box came back after scrolling; state: {state}"
    );
    assert!(
        !aside
            .is_displayed()
            .await
            .or_panic("checking the box stays hidden after reload"),
        "the dismissed Read also box is displayed after reload; state: {state}"
    );
    save_screenshot(&client, "read-also-dismissed.png").await;

    client
        .close()
        .await
        .or_panic("closing the WebDriver session");
    drop(driver);
    drop(server);
}

/// Where the header, the first headline and the menu are, and what the menu shows.
const PHONE_LAYOUT: &str = "
    const rect = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: r.height }; };
    // Content of a closed <details> has boxes, but is not rendered (content-visibility).
    const shown = (el) => el.checkVisibility({ visibilityProperty: true });
    const menu = document.querySelector('details.site-menu');
    return {
        width: window.innerWidth,
        height: window.innerHeight,
        overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        header: rect(document.querySelector('header.site-header')),
        headline: rect(document.querySelector('main .card__title')),
        button: shown(menu.querySelector('summary')),
        open: menu.open,
        menuLinks: [...menu.querySelectorAll('nav > ul > li > a')].filter(shown).map(a => a.textContent.trim()),
        sections: [...document.querySelectorAll('.primary-nav > ul > li > a')].map(a => a.textContent.trim()),
        sectionTops: [...document.querySelectorAll('.primary-nav > ul > li > a')].filter(shown).map(a => a.getBoundingClientRect().top),
    };";

/// On a 390 × 844 phone the header is one compact row, so the first headline is in the first
/// screen; its Menu button (a `<details>`, which needs no script) opens from the keyboard or a
/// tap and lists the sections. At 1280 px the sections stay a horizontal bar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_header_is_one_row_with_a_menu_button() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect_phone(&driver, &tools.chromium, 390, 844).await;
    client
        .goto(&server.url("/"))
        .await
        .or_panic("opening the front page");
    let layout = js(&client, PHONE_LAYOUT, vec![]).await;
    assert_eq!(
        [&layout["width"], &layout["height"]],
        [390, 844],
        "a phone's screen: {layout}"
    );
    let height = layout["height"].as_f64().unwrap();
    assert_eq!(layout["overflow"], false, "no sideways scrolling: {layout}");
    assert!(
        layout["header"]["height"].as_f64().unwrap() <= 80.0,
        "the header is one compact row: {layout}"
    );
    let headline = &layout["headline"];
    assert!(
        headline["top"].as_f64().unwrap() >= 0.0 && headline["bottom"].as_f64().unwrap() <= height,
        "the first headline is in the first screen: {layout}"
    );
    assert_eq!(layout["button"], true, "the Menu button shows: {layout}");
    assert_eq!(layout["open"], false, "{layout}");
    assert_eq!(
        layout["menuLinks"],
        json!([]),
        "the menu starts closed: {layout}"
    );
    assert_eq!(
        layout["sectionTops"],
        json!([]),
        "no section bar on a phone: {layout}"
    );
    let sections: Vec<String> = serde_json::from_value(layout["sections"].clone()).unwrap();
    assert!(!sections.is_empty(), "the demo has a header menu");
    let mut expected = sections.clone();
    expected.push("Search".to_owned());
    save_screenshot(&client, "phone-home-390.png").await;

    // From the keyboard: Tab reaches the button (a summary is focusable), Enter opens it.
    let button = find(&client, "details.site-menu > summary", "the Menu button").await;
    let focused = js(
        &client,
        "arguments[0].focus(); return document.activeElement === arguments[0];",
        vec![el(&button)],
    )
    .await;
    assert_eq!(focused, true, "the Menu button takes keyboard focus");
    button
        .send_keys(ENTER)
        .await
        .or_panic("pressing Enter on the Menu button");
    let menu_links = format!(
        "{} return all.menuLinks;",
        PHONE_LAYOUT.replace("return {", "const all = {")
    );
    wait_for_js(
        &client,
        &menu_links,
        json!(expected),
        "the open menu lists the sections, then Search",
    )
    .await;
    save_screenshot(&client, "phone-home-390-menu.png").await;
    // A tap closes it again.
    button.click().await.or_panic("tapping the Menu button");
    wait_for_js(
        &client,
        "return document.querySelector('details.site-menu').open;",
        json!(false),
        "the menu closes",
    )
    .await;

    // A desktop keeps the full horizontal bar of sections, without the button.
    client.close().await.or_panic("closing the phone's browser");
    let client = connect(&driver, &tools.chromium).await;
    client
        .set_window_size(1280, 800)
        .await
        .or_panic("resizing the window to a desktop's");
    client
        .goto(&server.url("/"))
        .await
        .or_panic("opening the front page");
    let layout = js(&client, PHONE_LAYOUT, vec![]).await;
    assert_eq!(
        layout["button"], false,
        "no Menu button at 1280 px: {layout}"
    );
    let tops = layout["sectionTops"].as_array().unwrap();
    assert_eq!(tops.len(), sections.len(), "every section shows: {layout}");
    assert!(
        tops.iter().all(|t| t == &tops[0]),
        "the sections are one row: {layout}"
    );
    save_screenshot(&client, "desktop-home-1280.png").await;
    client.close().await.or_panic("closing the browser");
    drop(driver);
    drop(server);
}

/// The Read also box takes no focus as it slides in, and never covers the control that has
/// keyboard focus (WCAG 2.4.11, Focus Not Obscured): tabbing to a control under it moves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_also_box_never_covers_the_focused_control() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;
    open_reference_story(&client, &server).await;

    // Focus is on a link in the story when the reader reaches its end and the box slides in.
    let focused = js(
        &client,
        "const a = document.querySelector('.story-body a[href], .story-footer a[href]'); a.focus(); return a.outerHTML;",
        vec![],
    )
    .await;
    js(
        &client,
        "window.scrollTo(0, document.body.scrollHeight);",
        vec![],
    )
    .await;
    let settled = eventually(UI_TIMEOUT, || async {
        let s = box_state(&client).await;
        s["classes"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("is-shown")))
            && s["animations"] == json!(0)
            && s["visibility"] == json!("visible")
    })
    .await;
    let state = box_state(&client).await;
    assert!(settled, "the box did not slide in; state: {state}");
    let still = js(&client, "return document.activeElement.outerHTML;", vec![]).await;
    assert_eq!(still, focused, "the box took focus as it slid in");

    // Find a control the box covers, bring it under the box, and tab to it from the one before.
    let target = js(
        &client,
        r#"
        const box = document.querySelector('aside.read-also');
        const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        const tabbable = [...document.querySelectorAll('a[href], button, input, textarea, select')]
            .filter(e => !box.contains(e) && e.tabIndex >= 0 && !e.disabled && e.getClientRects().length
                && getComputedStyle(e).visibility === 'visible');
        for (let i = 1; i < tabbable.length; i++) {
            const b = box.getBoundingClientRect();
            const r = tabbable[i].getBoundingClientRect();
            if (r.left >= b.right || r.right <= b.left || r.height > b.height) continue;
            window.scrollBy(0, (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2);
            if (!overlap(tabbable[i].getBoundingClientRect(), box.getBoundingClientRect())) continue;
            window.__target = tabbable[i];
            tabbable[i - 1].focus({ preventScroll: true });
            return tabbable[i].outerHTML.slice(0, 200);
        }
        return null;
        "#,
        vec![],
    )
    .await;
    assert!(
        target.is_string(),
        "no control on the page can be brought under the box; state: {}",
        box_state(&client).await
    );
    let tab = fantoccini::actions::KeyActions::new("keyboard".into())
        .then(fantoccini::actions::KeyAction::Down { value: '\u{E004}' })
        .then(fantoccini::actions::KeyAction::Up { value: '\u{E004}' });
    client.perform_actions(tab).await.or_panic("pressing Tab");
    let geometry = r#"
        const box = document.querySelector('aside.read-also');
        const b = box.getBoundingClientRect();
        const r = document.activeElement.getBoundingClientRect();
        const visible = getComputedStyle(box).visibility === 'visible' && getComputedStyle(box).display !== 'none';
        const inView = b.bottom > 0 && b.top < innerHeight;
        return {
            onTarget: document.activeElement === window.__target,
            covered: visible && inView && r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom,
            animations: box.getAnimations().length,
            classes: [...box.classList],
            box: [b.left, b.top, b.right, b.bottom].map(Math.round),
            focused: [r.left, r.top, r.right, r.bottom].map(Math.round),
        };
    "#;
    let clear = eventually(UI_TIMEOUT, || async {
        let g = js(&client, geometry, vec![]).await;
        g["onTarget"] == json!(true) && g["covered"] == json!(false) && g["animations"] == json!(0)
    })
    .await;
    let g = js(&client, geometry, vec![]).await;
    assert_eq!(
        g["onTarget"],
        json!(true),
        "Tab did not reach {target}: {g}"
    );
    assert!(
        clear,
        "the Read also box covers the focused control {target}: {g}"
    );
    save_screenshot(&client, "read-also-focus.png").await;

    // Focus elsewhere: the box is back in its corner.
    js(&client, "document.activeElement.blur();", vec![]).await;
    let back = eventually(UI_TIMEOUT, || async {
        let s = box_state(&client).await;
        s["classes"] == json!(["read-also", "is-shown"])
            && s["visibility"] == json!("visible")
            && s["animations"] == json!(0)
    })
    .await;
    let state = box_state(&client).await;
    assert!(back, "the box did not come back; state: {state}");
    client.close().await.or_panic("closing the browser");
}

/// The comment form without JavaScript help: a refused comment comes back with the reader's
/// text intact and the reason beside the field, focus on the error summary; once fixed, the
/// comment is held for moderation and shown (escaped, links marked ugc) to this browser only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_with_a_validation_error_keeps_the_text_then_awaits_moderation() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;

    let story_url = open_reference_story(&client, &server).await;
    let story = client
        .current_url()
        .await
        .or_panic("reading the story's URL");

    // --- 1. Type a comment with an invalid email, as a person would, and send it.
    let comment = find(&client, "#comment", "the comment textarea").await;
    comment
        .send_keys(COMMENT_TEXT)
        .await
        .or_panic("typing the comment into #comment");
    find(&client, "#author", "the name field")
        .await
        .send_keys(COMMENT_AUTHOR)
        .await
        .or_panic("typing the name into #author");
    find(&client, "#email", "the email field")
        .await
        .send_keys(INVALID_EMAIL)
        .await
        .or_panic("typing the email into #email");
    let typed = comment_form_state(&client).await;
    assert_eq!(
        (&typed["comment"], &typed["author"], &typed["email"]),
        (
            &json!(COMMENT_TEXT),
            &json!(COMMENT_AUTHOR),
            &json!(INVALID_EMAIL)
        ),
        "the keyboard input did not arrive in the form as typed (a browser/driver problem, \
         not the site's); state: {typed}"
    );
    assert!(
        typed["browserValidation"]
            .as_array()
            .is_some_and(|v| v.iter().any(|e| e["id"] == json!("email"))),
        "the browser itself should consider {INVALID_EMAIL:?} invalid for type=email; state: {typed}"
    );
    // The browser's own validation would stop this submission; the site must cope without it
    // (older browsers, scripts, or a reader who disabled it), so switch it off and send the
    // real form with its real submit button.
    js(
        &client,
        "document.getElementById('commentform').noValidate = true;",
        vec![],
    )
    .await;
    let submit = find(&client, "#submit", "the Post Comment button").await;
    click_and_wait_for_new_page(&client, &submit, "Post Comment (with an invalid email)").await;
    // The page was rendered (and its form token issued) before this moment.
    let error_page_loaded = Instant::now();

    // --- 2. The refusal: reasons shown, everything typed kept, focus on the summary.
    let state = comment_form_state(&client).await;
    let summary = client
        .find(Locator::Id("comment-errors"))
        .await
        .or_panic(format_args!(
            "finding the error summary #comment-errors on the refusal page; state: {state}"
        ));
    assert!(
        summary
            .is_displayed()
            .await
            .or_panic("checking #comment-errors is displayed"),
        "the error summary #comment-errors is not displayed; state: {state}"
    );
    assert!(
        state["summary"]
            .as_str()
            .is_some_and(|t| t.contains(EMAIL_MESSAGE)),
        "the error summary should say {EMAIL_MESSAGE:?}; state: {state}"
    );
    assert!(
        state["summaryItems"]
            .as_array()
            .is_some_and(|items| items.len() == 1 && items[0]["href"] == json!("#email")),
        "the error summary should list exactly one error, linking to #email; state: {state}"
    );
    let email_error = client
        .find(Locator::Id("email-error"))
        .await
        .or_panic(format_args!(
            "finding the field message #email-error; state: {state}"
        ));
    assert!(
        email_error
            .is_displayed()
            .await
            .or_panic("checking #email-error is displayed"),
        "the field message #email-error is not displayed; state: {state}"
    );
    assert!(
        state["emailError"]
            .as_str()
            .is_some_and(|t| t.contains(EMAIL_MESSAGE)),
        "#email-error should say {EMAIL_MESSAGE:?}; state: {state}"
    );
    assert_eq!(
        state["emailErrorBesideField"],
        json!(true),
        "#email-error should be next to the email field (same paragraph); state: {state}"
    );
    assert_eq!(
        state["emailInvalid"],
        json!("true"),
        "#email should have aria-invalid=\"true\"; state: {state}"
    );
    assert!(
        state["emailDescribedBy"]
            .as_str()
            .is_some_and(|d| d.split_whitespace().any(|id| id == "email-error")),
        "#email's aria-describedby should include email-error; state: {state}"
    );
    assert_eq!(
        (&state["commentInvalid"], &state["authorInvalid"]),
        (&Value::Null, &Value::Null),
        "only the email is wrong: #comment and #author must not be marked invalid; state: {state}"
    );
    assert_eq!(
        state["comment"],
        json!(COMMENT_TEXT),
        "the comment text must come back exactly as typed; state: {state}"
    );
    assert_eq!(
        state["author"],
        json!(COMMENT_AUTHOR),
        "the name must come back as typed; state: {state}"
    );
    assert_eq!(
        state["email"],
        json!(INVALID_EMAIL),
        "the email must come back as typed, for the reader to correct; state: {state}"
    );
    let focused = eventually(UI_TIMEOUT, || async {
        js(
            &client,
            "return document.activeElement ? document.activeElement.id : null;",
            vec![],
        )
        .await
            == json!("comment-errors")
    })
    .await;
    let state = comment_form_state(&client).await;
    assert!(
        focused,
        "site.js should move focus to the error summary #comment-errors; state: {state}"
    );
    js(
        &client,
        "document.getElementById('respond').scrollIntoView({ block: 'start' });",
        vec![],
    )
    .await;
    save_screenshot(&client, "comment-error.png").await;

    // --- 3. Fix the email and send again, after the time a person needs.
    let email = find(&client, "#email", "the email field on the refusal page").await;
    email.clear().await.or_panic("clearing #email");
    email
        .send_keys(VALID_EMAIL)
        .await
        .or_panic("typing a valid email into #email");
    let state = comment_form_state(&client).await;
    assert_eq!(
        state["email"],
        json!(VALID_EMAIL),
        "the corrected email did not arrive in the field; state: {state}"
    );
    let waited = error_page_loaded.elapsed();
    if waited < TIME_ON_FORM {
        tokio::time::sleep(TIME_ON_FORM - waited).await;
    }
    let submit = find(
        &client,
        "#submit",
        "the Post Comment button on the refusal page",
    )
    .await;
    click_and_wait_for_new_page(&client, &submit, "Post Comment (with the corrected email)").await;

    // --- 4. Back on the story, at the comment, which awaits moderation.
    let landed = client
        .current_url()
        .await
        .or_panic("reading the URL after posting");
    let state = comment_form_state(&client).await;
    assert_eq!(
        landed.path(),
        story.path(),
        "after posting, the browser should be back on the story; state: {state}"
    );
    let anchor = landed.fragment().unwrap_or_default().to_owned();
    let comment_id = anchor
        .strip_prefix("comment-")
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or_else(|| {
            panic!("after posting, the URL should end in #comment-N, but it is {landed}; state: {state}")
        });
    let item = client
        .find(Locator::Id(&anchor))
        .await
        .or_panic(format_args!(
            "finding the new comment #{anchor} on {landed}; state: {state}"
        ));
    assert!(
        item.is_displayed()
            .await
            .or_panic(format_args!("checking #{anchor} is displayed")),
        "the new comment #{anchor} is not displayed"
    );
    let shown = js(
        &client,
        r#"
        const li = document.getElementById(arguments[0]);
        const content = li.querySelector(":scope > .comment__body > .comment__content");
        const awaiting = li.querySelector(":scope > .comment__body > .comment-awaiting-moderation");
        const author = document.getElementById(arguments[0] + "-author");
        return {
            classes: Array.from(li.classList),
            text: li.textContent.replace(/\s+/g, " ").trim(),
            awaiting: awaiting ? awaiting.textContent.trim() : null,
            author: author ? author.textContent.trim() : null,
            contentText: content ? content.textContent : null,
            contentHtml: content ? content.innerHTML : null,
            bold: content ? content.querySelectorAll("b, strong").length : null,
            paragraphs: content ? content.querySelectorAll("p").length : null,
            lineBreaks: content ? content.querySelectorAll("br").length : null,
            links: content ? Array.from(content.querySelectorAll("a")).map(a => ({
                href: a.getAttribute("href"), rel: a.getAttribute("rel"), text: a.textContent,
            })) : null,
        };
        "#,
        vec![json!(anchor)],
    )
    .await;
    assert!(
        shown["text"]
            .as_str()
            .is_some_and(|t| t.contains(AWAITING_MODERATION)),
        "#{anchor} should say {AWAITING_MODERATION:?}; shown: {shown}"
    );
    assert_eq!(
        shown["awaiting"],
        json!(AWAITING_MODERATION),
        "the moderation notice of #{anchor}; shown: {shown}"
    );
    assert_eq!(
        shown["author"],
        json!(COMMENT_AUTHOR),
        "the name shown on #{anchor}; shown: {shown}"
    );
    assert_eq!(
        shown["bold"],
        json!(0),
        "the typed <b> must be shown as text, not made bold; shown: {shown}"
    );
    let content_text = shown["contentText"].as_str().unwrap_or_default();
    for expected in [
        "<b>bold?</b>",
        "\"double\" and 'single' quotes",
        "R&D &amp; co.",
    ] {
        assert!(
            content_text.contains(expected),
            "the comment text should show {expected:?} literally; shown: {shown}"
        );
    }
    assert_eq!(
        (&shown["paragraphs"], &shown["lineBreaks"]),
        (&json!(2), &json!(1)),
        "the typed line break and blank line should become a <br> and two paragraphs; shown: {shown}"
    );
    assert_eq!(
        shown["links"],
        json!([{ "href": COMMENT_URL, "rel": "nofollow ugc", "text": COMMENT_URL }]),
        "the web address should be linked with rel=\"nofollow ugc\"; shown: {shown}"
    );
    js(
        &client,
        "document.getElementById(arguments[0]).scrollIntoView({ block: 'center' });",
        vec![json!(anchor)],
    )
    .await;
    save_screenshot(&client, "comment-awaiting.png").await;

    // --- 5. Another browser (fresh profile) does not see the held comment; this one still does.
    let other = connect(&driver, &tools.chromium).await;
    other
        .goto(&story_url)
        .await
        .or_panic(format_args!("opening {story_url} in a second browser"));
    let seen = js(
        &other,
        r#"
        return {
            url: location.href,
            comments: !!document.getElementById("comments"),
            form: !!document.getElementById("commentform"),
            held: !!document.getElementById(arguments[0]),
            awaiting: document.body.textContent.includes(arguments[1]),
            text: document.body.textContent.includes("bold?"),
        };
        "#,
        vec![json!(anchor), json!(AWAITING_MODERATION)],
    )
    .await;
    assert_eq!(
        (&seen["comments"], &seen["form"]),
        (&json!(true), &json!(true)),
        "the second browser should see the story with its comments section; seen: {seen}"
    );
    assert_eq!(
        (&seen["held"], &seen["awaiting"], &seen["text"]),
        (&json!(false), &json!(false), &json!(false)),
        "the held comment {comment_id} must be visible only to the browser that sent it; \
         a second browser sees it: {seen}"
    );
    client
        .goto(&story_url)
        .await
        .or_panic(format_args!("reopening {story_url} in the first browser"));
    let still = js(
        &client,
        "return !!document.getElementById(arguments[0]);",
        vec![json!(anchor)],
    )
    .await;
    assert_eq!(
        still,
        json!(true),
        "the browser that sent comment {comment_id} should still see it when it comes back"
    );

    other
        .close()
        .await
        .or_panic("closing the second WebDriver session");
    client
        .close()
        .await
        .or_panic("closing the WebDriver session");
    drop(driver);
    drop(server);
}

/// axe-core's script, from `NEWSDESK_AXE_JS` (`.ci/run` installs the npm package `axe-core`).
fn axe_source() -> Option<String> {
    match std::env::var("NEWSDESK_AXE_JS") {
        Ok(path) => Some(
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read NEWSDESK_AXE_JS={path}: {e}")),
        ),
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "CI=true, so the accessibility checks must run: set NEWSDESK_AXE_JS to axe-core's axe.min.js"
            )
        }
        Err(_) => {
            crate::support::skipped(
                "the axe accessibility checks need NEWSDESK_AXE_JS=path/to/axe.min.js (npm package axe-core)",
            );
            None
        }
    }
}

/// The path of an absolute address on the test server (`http://127.0.0.1:PORT/a/b/` → `/a/b/`).
fn path_of(url: &str) -> String {
    url.split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| url.to_owned())
}

/// Opens `path`, reads what `look` returns, opens the phone's menu when `menu`, and runs axe:
/// `(looked, violations)`.
async fn visit_and_run_axe(
    client: &Client,
    server: &Server,
    axe: &str,
    path: &str,
    look: &str,
    menu: bool,
) -> (Value, Value) {
    client
        .goto(&server.url(path))
        .await
        .or_panic(format_args!("opening {path}"));
    let looked = js(client, look, vec![]).await;
    if menu {
        js(
            client,
            "document.querySelector('details.site-menu').open = true;",
            vec![],
        )
        .await;
    }
    (looked, run_axe(client, axe).await)
}
/// In dark mode (the reader's system setting) public pages keep WCAG AA, text contrast
/// included, on a phone with the menu open and on a desktop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dark_mode_pages_pass_axe_wcag_aa() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let mut failures = Vec::new();
    for phone in [true, false] {
        let mobile = phone
            .then(|| json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1 } }));
        let client = connect_with(&driver, &tools.chromium, mobile, &["--force-dark-mode"]).await;
        let story = open_reference_story(&client, &server).await;
        let story_path = path_of(&story);
        for path in [
            "/",
            &story_path,
            "/category/world/",
            "/search?q=space+launch",
            "/no-such-page/",
        ] {
            let look = "return getComputedStyle(document.body).backgroundColor;";
            let (background, found) =
                visit_and_run_axe(&client, &server, &axe, path, look, phone).await;
            assert_eq!(background, "rgb(18, 18, 18)", "{path} is dark");
            if found.as_array().is_some_and(|v| !v.is_empty()) {
                failures.push(format!("{path} (phone: {phone}): {found}"));
            }
        }
        let name = if phone {
            "dark-phone-menu-390.png"
        } else {
            "dark-desktop-404-1280.png"
        };
        save_screenshot(&client, name).await;
        client.close().await.or_panic("closing the browser");
    }
    assert!(
        failures.is_empty(),
        "accessibility violations in dark mode:\n{}",
        failures.join("\n")
    );
}

/// The example theme (`themes/example/`) keeps WCAG AA on every page type it changes or
/// wraps, in light mode on a desktop and in dark mode on a phone with the menu open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_theme_passes_axe_wcag_aa() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/example");
    let server = Server::start_with_theme(Some(&theme));
    let driver = Driver::start(&tools.chromedriver);
    let mut failures = Vec::new();
    for dark_phone in [false, true] {
        let client = if dark_phone {
            let mobile =
                json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1 } });
            connect_with(
                &driver,
                &tools.chromium,
                Some(mobile),
                &["--force-dark-mode"],
            )
            .await
        } else {
            connect(&driver, &tools.chromium).await
        };
        let story = open_reference_story(&client, &server).await;
        let story_path = path_of(&story);
        for path in [
            "/",
            &story_path,
            "/category/world/",
            "/tag/space/",
            "/author/newsroom-desk/",
            "/page/2/",
            "/about/",
            "/search?q=space+launch",
            "/no-such-page/",
        ] {
            let look = "return document.querySelectorAll('.masthead__band .site-title').length;";
            let (masthead, found) =
                visit_and_run_axe(&client, &server, &axe, path, look, dark_phone).await;
            assert_eq!(masthead, json!(1), "{path} has the example masthead");
            if found.as_array().is_some_and(|v| !v.is_empty()) {
                failures.push(format!("{path} (dark phone: {dark_phone}): {found}"));
            }
        }
        let name = if dark_phone {
            "example-theme-dark-phone-menu-390.png"
        } else {
            "example-theme-desktop-404-1280.png"
        };
        save_screenshot(&client, name).await;
        client.close().await.or_panic("closing the browser");
    }
    assert!(
        failures.is_empty(),
        "accessibility violations in the example theme:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The newsroom admin.
// ---------------------------------------------------------------------------------------------

const ADMIN_LOGIN: &str = "desk-editor";
const ADMIN_PASSWORD: &str = "correct horse battery staple";

impl Server {
    /// Adds an administrator with `newsdesk user add`, as an operator would.
    fn add_administrator(&self) {
        let data = self._root.path().join("data");
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["user", "--data"])
            .arg(&data)
            .args([
                "add",
                "--login",
                ADMIN_LOGIN,
                "--email",
                "desk@news.example",
                "--display-name",
                "Desk Editor",
                "--role",
                "administrator",
            ])
            .env_remove("NEWSDESK_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsdesk user add starts");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "user add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn data_dir(&self) -> PathBuf {
        self._root.path().join("data")
    }
}

/// A small photograph-like PNG for the upload.
fn test_photo(dir: &Path) -> PathBuf {
    let img = image::RgbImage::from_fn(800, 500, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let path = dir.join("harbour.png");
    img.save(&path).expect("the test photo is written");
    path
}

async fn sign_in_as_admin(client: &Client, server: &Server) {
    client
        .goto(&server.url("/admin/"))
        .await
        .or_panic("opening the admin");
    fill_sign_in_form(client).await;
    let h1 = find(client, "h1", "reading the dashboard heading")
        .await
        .text()
        .await
        .or_panic("reading h1");
    assert_eq!(h1, "Dashboard");
}

/// Signs in on the sign-in form the browser shows.
async fn fill_sign_in_form(client: &Client) {
    find(client, "#login", "finding the login field")
        .await
        .send_keys(ADMIN_LOGIN)
        .await
        .or_panic("typing the login");
    find(client, "#password", "finding the password field")
        .await
        .send_keys(ADMIN_PASSWORD)
        .await
        .or_panic("typing the password");
    let button = find(client, "form button.primary", "finding the sign-in button").await;
    click_and_wait_for_new_page(client, &button, "signing in").await;
}

async fn run_axe(client: &Client, axe: &str) -> Value {
    client
        .execute(axe, vec![])
        .await
        .or_panic("loading axe-core");
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
               .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help, nodes: v.nodes.map(n =>
                 n.target.join(' ') + ' ' + n.html.slice(0, 160) + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)) }))))
               .catch(e => done([{ id: 'axe-error', help: String(e), nodes: [] }]));",
            vec![],
        )
        .await
        .or_panic("running axe-core")
}

/// A journalist signs in, uploads a photo, writes a story with the toolbar (bold, a link, a
/// quote, the photo), schedules it a few seconds ahead and sees the scheduler publish it with
/// nobody visiting; an editor moderates a comment and retitles a widget. (Every admin page
/// type is checked with axe in `widths`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newsroom_writes_schedules_moderates_and_configures() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    server.add_administrator();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;
    sign_in_as_admin(&client, &server).await;

    // Upload a photo to the media library.
    client
        .goto(&server.url("/admin/media"))
        .await
        .or_panic("opening the media library");
    let photo = test_photo(&server.data_dir());
    find(&client, "#file", "finding the file input")
        .await
        .send_keys(&photo.display().to_string())
        .await
        .or_panic("choosing the photo");
    find(&client, "#alt_text", "finding the alt text")
        .await
        .send_keys("Boats in the harbour")
        .await
        .or_panic("typing alt text");
    let upload = find(
        &client,
        "form[enctype] button.primary",
        "finding the upload button",
    )
    .await;
    click_and_wait_for_new_page(&client, &upload, "uploading").await;
    assert_eq!(
        find(&client, ".flash", "reading the upload message")
            .await
            .text()
            .await
            .unwrap(),
        "Image uploaded."
    );

    // Write a story with the toolbar.
    client
        .goto(&server.url("/admin/stories/new"))
        .await
        .or_panic("opening the editor");
    find(&client, "#title", "finding the headline")
        .await
        .send_keys("Harbour reopens after the storm")
        .await
        .or_panic("typing the headline");
    let surface = find_when_loaded(&client, ".editor-surface", "finding the editing surface").await;
    surface.click().await.or_panic("focusing the story");
    surface
        .send_keys("The harbour reopened ")
        .await
        .or_panic("typing");
    let command = |name: &'static str| {
        let client = client.clone();
        async move {
            find(
                &client,
                &format!(".editor-toolbar button[data-command={name}]"),
                name,
            )
            .await
        }
    };
    command("bold")
        .await
        .click()
        .await
        .or_panic("pressing bold");
    surface
        .send_keys("on Monday")
        .await
        .or_panic("typing bold text");
    command("bold")
        .await
        .click()
        .await
        .or_panic("releasing bold");
    surface
        .send_keys(", said the port ")
        .await
        .or_panic("typing");
    command("link")
        .await
        .click()
        .await
        .or_panic("pressing link");
    let url = find(&client, "#editor-link-url", "finding the link address").await;
    url.send_keys("https://port.example/notice")
        .await
        .or_panic("typing the address");
    url.send_keys(ENTER).await.or_panic("confirming the link");
    surface.send_keys(ENTER).await.or_panic("new paragraph");
    command("quote")
        .await
        .click()
        .await
        .or_panic("pressing quote");
    surface
        .send_keys("We are open for business.")
        .await
        .or_panic("typing the quote");
    surface.send_keys(ENTER).await.or_panic("leaving the quote");
    surface.send_keys(ENTER).await.or_panic("leaving the quote");
    command("image")
        .await
        .click()
        .await
        .or_panic("pressing image");
    // The picker fetches the library after it opens.
    let choice = find_when_loaded(
        &client,
        ".editor-media__choice",
        "finding the uploaded photo in the picker",
    )
    .await;
    choice.click().await.or_panic("choosing the photo");
    wait_for_js(
        &client,
        "return document.querySelector('#body').value.includes('<figure>');",
        json!(true),
        "the chosen photo in the story",
    )
    .await;
    let body = js(
        &client,
        "return document.querySelector('#body').value;",
        vec![],
    )
    .await;
    let body = body.as_str().unwrap_or_default().to_owned();
    for part in [
        "<strong>on Monday</strong>",
        "href=\"https://port.example/notice\"",
        "<blockquote>",
        "alt=\"Boats in the harbour\"",
    ] {
        assert!(
            body.contains(part),
            "the editor's HTML lacks {part}: {body}"
        );
    }
    save_screenshot(&client, "admin-editor.png").await;

    // Schedule it a little ahead, more than a page load may take on a busy machine (the demo
    // site's clock is UTC).
    let when = (chrono::Utc::now() + chrono::Duration::seconds(15))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    js(
        &client,
        "document.querySelector('#publish_at').value = arguments[0];",
        vec![json!(when)],
    )
    .await;
    let publish = find(&client, "button[value=publish]", "finding Publish").await;
    click_and_wait_for_new_page(&client, &publish, "scheduling").await;
    let flash = find(&client, ".flash", "reading the scheduling message")
        .await
        .text()
        .await
        .unwrap();
    assert!(flash.starts_with("Story scheduled for"), "{flash}");
    let edit_url = client.current_url().await.unwrap().to_string();
    let id: i64 = edit_url.rsplit('/').next().unwrap().parse().unwrap();
    // Nobody visits the site while the time passes.
    let store = newsdesk::store::Store::connect(
        &format!(
            "sqlite://{}",
            server.data_dir().join("newsdesk.db").display()
        ),
        1,
    )
    .await
    .unwrap();
    let published = eventually(Duration::from_secs(45), || async {
        store.story(id).await.unwrap().unwrap().status.as_str() == "published"
    })
    .await;
    let story = store.story(id).await.unwrap().unwrap();
    assert!(
        published,
        "the scheduler did not publish the story by itself: it is {}",
        story.status
    );
    let path = newsdesk::domain::article::article_path(
        story.published_at.unwrap(),
        &story.slug,
        chrono_tz::UTC,
    );
    store.close().await;
    client
        .goto(&server.url(&path))
        .await
        .or_panic("opening the published story");
    let article = find(&client, "article", "reading the story")
        .await
        .html(false)
        .await
        .unwrap();
    for part in [
        "<strong>on Monday</strong>",
        "https://port.example/notice",
        "<blockquote>",
        "Boats in the harbour",
    ] {
        assert!(article.contains(part), "the public story lacks {part}");
    }
    client
        .goto(&server.url("/admin/stories?q=harbour"))
        .await
        .or_panic("opening the story list");
    let listed = js(
        &client,
        "return [...document.querySelectorAll('td.title > a')].map(a => a.textContent);",
        vec![],
    )
    .await;
    assert_eq!(
        listed,
        json!(["Harbour reopens after the storm"]),
        "the story was saved once"
    );
    save_screenshot(&client, "admin-stories.png").await;

    // Moderate a comment: approve the demo's pending one.
    client
        .goto(&server.url("/admin/comments?status=pending"))
        .await
        .or_panic("opening the queue");
    save_screenshot(&client, "admin-comments.png").await;
    let approve = find(
        &client,
        "button[name=one][value^='approve:']",
        "finding Approve",
    )
    .await;
    click_and_wait_for_new_page(&client, &approve, "approving").await;
    let flash = find(&client, ".flash", "reading the moderation message")
        .await
        .text()
        .await
        .unwrap();
    assert!(flash.to_lowercase().contains("approved"), "{flash}");

    // Retitle a sidebar widget and see it on the site.
    client
        .goto(&server.url("/admin/widgets"))
        .await
        .or_panic("opening the widgets");
    let configure = find(
        &client,
        "td.title a[href^='/admin/widgets/']",
        "finding a widget to configure",
    )
    .await;
    click_and_wait_for_new_page(&client, &configure, "opening the widget").await;
    let title = find(&client, "#title", "finding the widget title").await;
    title.clear().await.or_panic("clearing the title");
    title
        .send_keys("Health Tips of the Week")
        .await
        .or_panic("typing the title");
    // The preview beside the form follows the typing, in the public theme's own HTML.
    let previewed = eventually(UI_TIMEOUT, || async {
        js(
            &client,
            "return document.querySelector('#widget-preview .widget__title')?.textContent.trim();",
            vec![],
        )
        .await
            == json!("Health Tips of the Week")
    })
    .await;
    assert!(previewed, "the live preview did not show the new title");
    save_screenshot(&client, "admin-widget.png").await;
    let save = find(&client, "button.primary[value=save]", "finding Save").await;
    click_and_wait_for_new_page(&client, &save, "saving the widget").await;
    client
        .goto(&server.url("/"))
        .await
        .or_panic("opening the home page");
    let titles = js(
        &client,
        "return [...document.querySelectorAll('.widget__title')].map(h => h.textContent.trim());",
        vec![],
    )
    .await;
    assert!(
        titles
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "Health Tips of the Week"),
        "{titles}"
    );

    client.close().await.or_panic("closing the browser");
}

/// The admin on a 390 × 844 phone: the newsroom's sections are one row under the top bar with
/// the current one in view, so each page's heading is in the first screen. (That no page
/// scrolls sideways and that axe finds nothing, at 320, 390 and 1280 px, is checked in
/// `widths`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_fits_a_phone() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    server.add_administrator();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect_phone(&driver, &tools.chromium, 390, 844).await;
    sign_in_as_admin(&client, &server).await;
    let mut failures = Vec::new();
    for page in [
        "/admin/",
        "/admin/stories",
        "/admin/stories/new",
        "/admin/pages",
        "/admin/media",
        "/admin/comments",
        "/admin/sections",
        "/admin/tags",
        "/admin/widgets",
        "/admin/menus",
        "/admin/users",
        "/admin/users/2",
        "/admin/settings",
        "/admin/audit",
        "/admin/tools",
        "/admin/profile",
    ] {
        client
            .goto(&server.url(page))
            .await
            .or_panic("opening an admin page");
        find_when_loaded(&client, "main h1", "finding the page heading").await;
        let layout = js(
            &client,
            "const h1 = document.querySelector('main h1').getBoundingClientRect();
             const nav = document.querySelector('nav.side').getBoundingClientRect();
             const cur = document.querySelector('nav.side a[aria-current=page]');
             const c = cur ? cur.getBoundingClientRect() : null;
             return {
               heading: h1.bottom,
               current: c ? (c.left >= nav.left - 1 && c.right <= nav.right + 1) : true,
               items: [...document.querySelectorAll('nav.side li')].map(l => [l.textContent.trim(), Math.round(l.getBoundingClientRect().top)]),
             };",
            vec![],
        )
        .await;
        if layout["heading"].as_f64().unwrap_or(f64::MAX) > 400.0 {
            failures.push(format!("{page}: the heading is not near the top: {layout}"));
        }
        let rows: std::collections::BTreeSet<i64> = layout["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[1].as_i64().unwrap())
            .collect();
        if rows.len() != 1 {
            failures.push(format!(
                "{page}: the sections take more than one row: {layout}"
            ));
        }
        if layout["current"] != json!(true) {
            failures.push(format!(
                "{page}: the current section is out of view: {layout}"
            ));
        }
        if page == "/admin/users" {
            save_screenshot(&client, "admin-phone-users.png").await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    client.close().await.or_panic("closing the browser");
}

/// A journalist's session ends while they type: the editor says so and keeps the text in the
/// browser; after signing in again the editor puts the text back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_survives_a_session_that_ends() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    server.add_administrator();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;
    sign_in_as_admin(&client, &server).await;
    client
        .goto(&server.url("/admin/stories/new"))
        .await
        .or_panic("opening the editor");
    // The session ends (expired, or signed out elsewhere) before anything was saved.
    client
        .delete_cookie("newsdesk_session")
        .await
        .or_panic("ending the session");
    find(&client, "#title", "finding the headline")
        .await
        .send_keys("Night shift: council papers leaked")
        .await
        .or_panic("typing the headline");
    let surface = find_when_loaded(&client, ".editor-surface", "finding the editing surface").await;
    surface.click().await.or_panic("focusing the story");
    surface
        .send_keys("Three pages of the draft budget reached the newsroom at midnight.")
        .await
        .or_panic("typing the story");
    let told = eventually(Duration::from_secs(10), || async {
        js(
            &client,
            "return document.querySelector('#autosave-status').textContent;",
            vec![],
        )
        .await
        .as_str()
        .is_some_and(|t| t.starts_with("Signed out — your work is kept in this browser."))
    })
    .await;
    assert!(told, "the editor did not say the session ended");
    // The browser is closed, and later the journalist comes back and signs in.
    client
        .goto(&server.url("/admin/stories/new"))
        .await
        .or_panic("coming back to the editor");
    fill_sign_in_form(&client).await;
    // The text is offered, not merged into the new story's empty form.
    let notice = find_when_loaded(
        &client,
        ".editor-notice",
        "finding the offer of the unsaved text",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        notice.starts_with("Text you wrote in this browser at ")
            && notice.contains(" was not saved: “Night shift: council papers leaked”"),
        "{notice}"
    );
    assert_eq!(
        editor_fields(&client).await,
        json!(["", "", ""]),
        "the unsaved text was put into the form before it was asked for"
    );
    let restore = find(
        &client,
        ".editor-notice button.editor-notice__button",
        "finding Restore it into the editor",
    )
    .await;
    assert_eq!(restore.text().await.unwrap(), "Restore it into the editor");
    restore.click().await.or_panic("restoring the text");
    assert_eq!(
        editor_fields(&client).await,
        json!([
            "Night shift: council papers leaked",
            "",
            "Three pages of the draft budget reached the newsroom at midnight."
        ]),
        "the typed text was not put back after signing in again"
    );
    // Signed in again, the restored text is saved as a draft of its own.
    wait_for_js(
        &client,
        "return /^\\/admin\\/stories\\/\\d+$/.test(location.pathname) && !Object.keys(localStorage).some(k => k.startsWith('newsdesk:story:new'));",
        json!(true),
        "the restored text saved to the server",
    )
    .await;
    client.close().await.or_panic("closing the browser");
}

/// The headline, excerpt and story text of the editor form, as the person sees them.
async fn editor_fields(client: &Client) -> Value {
    js(
        client,
        "return [document.querySelector('#title').value, document.querySelector('#excerpt').value, document.querySelector('.editor-surface').textContent.trim()];",
        vec![],
    )
    .await
}

/// Types a headline, a story and an excerpt into the open editor.
async fn write_story(client: &Client, title: &str, body: &str, excerpt: &str) {
    find(client, "#title", "finding the headline")
        .await
        .send_keys(title)
        .await
        .or_panic("typing the headline");
    let surface = find_when_loaded(client, ".editor-surface", "finding the editing surface").await;
    surface.click().await.or_panic("focusing the story");
    surface.send_keys(body).await.or_panic("typing the story");
    find(client, "#excerpt", "finding the excerpt")
        .await
        .send_keys(excerpt)
        .await
        .or_panic("typing the excerpt");
    assert_eq!(editor_fields(client).await, json!([title, excerpt, body]));
}

/// Saving a new story ends its copy in this browser: the next New story starts empty, with
/// nothing offered, and publishing it stores only its own text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_story_stays_out_of_the_next_new_story() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let server = Server::start();
    server.add_administrator();
    let driver = Driver::start(&tools.chromedriver);
    let client = connect(&driver, &tools.chromium).await;
    sign_in_as_admin(&client, &server).await;
    let no_copies_left = "return location.search === '' && !Object.keys(localStorage).some(k => k.startsWith('newsdesk:story:new'));";

    // Story A, saved as a draft.
    client
        .goto(&server.url("/admin/stories/new"))
        .await
        .or_panic("opening the editor");
    write_story(
        &client,
        "Bridge closes for repairs",
        "Engineers found cracks in two pillars.",
        "Traffic goes round by the ring road.",
    )
    .await;
    let save = find(
        &client,
        "button[name=intent][value=save]",
        "finding Save draft",
    )
    .await;
    click_and_wait_for_new_page(&client, &save, "saving story A as a draft").await;
    assert_eq!(
        find(&client, ".flash", "reading the message")
            .await
            .text()
            .await
            .unwrap(),
        "Draft saved."
    );
    wait_for_js(
        &client,
        no_copies_left,
        json!(true),
        "story A's copy dropped",
    )
    .await;

    // New story: an empty form, nothing offered, the no-toolbar hint hidden.
    client
        .goto(&server.url("/admin/stories/new"))
        .await
        .or_panic("opening the editor again");
    find_when_loaded(&client, ".editor-surface", "finding the editing surface").await;
    assert_eq!(editor_fields(&client).await, json!(["", "", ""]));
    let shown = js(
        &client,
        "return [document.querySelectorAll('.editor-notice').length, document.querySelector('#body-hint').hidden, document.querySelector('main').textContent.includes('Bridge closes')];",
        vec![],
    )
    .await;
    assert_eq!(
        shown,
        json!([0, true, false]),
        "[notices, hint hidden, A shown]"
    );

    // Story B, published.
    write_story(
        &client,
        "Library opens on Sundays",
        "From next week the central library opens seven days a week.",
        "Longer hours from next week.",
    )
    .await;
    let publish = find(
        &client,
        "button[name=intent][value=publish]",
        "finding Publish",
    )
    .await;
    click_and_wait_for_new_page(&client, &publish, "publishing story B").await;
    assert_eq!(
        find(&client, ".flash", "reading the message")
            .await
            .text()
            .await
            .unwrap(),
        "Story published."
    );
    wait_for_js(
        &client,
        no_copies_left,
        json!(true),
        "story B's copy dropped",
    )
    .await;
    let path = js(&client, "return location.pathname;", vec![]).await;
    let id: i64 = path
        .as_str()
        .and_then(|p| p.strip_prefix("/admin/stories/"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not on a story's editor: {path}"));

    // The stored story B holds only B's text; A is a draft of its own.
    let store = newsdesk::store::Store::connect(
        &format!(
            "sqlite://{}",
            server.data_dir().join("newsdesk.db").display()
        ),
        1,
    )
    .await
    .unwrap();
    let b = store.story(id).await.unwrap().unwrap();
    assert_eq!(
        (
            b.title.as_str(),
            b.excerpt.as_str(),
            b.body.as_str(),
            b.status.as_str()
        ),
        (
            "Library opens on Sundays",
            "Longer hours from next week.",
            "<p>From next week the central library opens seven days a week.</p>",
            "published"
        )
    );
    let (rows, total) = store
        .desk(&newsdesk::store::desk::DeskQuery {
            words: vec!["Bridge".into()],
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let a: Vec<_> = rows
        .iter()
        .filter(|r| r.title == "Bridge closes for repairs")
        .map(|r| r.status.as_str())
        .collect();
    assert_eq!(a, ["draft"], "story A: {total} stories");
    let public =
        newsdesk::domain::article::article_path(b.published_at.unwrap(), &b.slug, chrono_tz::UTC);
    store.close().await;
    client
        .goto(&server.url(&public))
        .await
        .or_panic("opening story B on the site");
    let article = find(&client, "article", "reading story B")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        article.contains("seven days a week")
            && !article.contains("Bridge")
            && !article.contains("cracks"),
        "{article}"
    );
    client.close().await.or_panic("closing the browser");
}

mod embeds;
mod widths;
