//! Every page type, public and admin, at a small phone (320 px), a common phone (390 px) and a
//! laptop (1280 px): axe-core's WCAG 2.0–2.2 A and AA rules find nothing, and nothing makes the
//! page scroll sideways (WCAG 1.4.10, reflow). Screenshots of the main pages at 390 × 844 and
//! 1280 × 800 go to `target/screenshots/`.

use super::*;

/// (width, height, screenshots?) of each browser window the pages are checked in.
const SIZES: [(u32, u32, bool); 3] = [(320, 800, false), (390, 844, true), (1280, 800, true)];

/// A session showing the site's pages at `width` × `height` CSS pixels: a phone's below
/// 1024 px, a desktop's (no touch, no phone user agent) above.
async fn connect_sized(
    driver: &Driver,
    chromium: &Path,
    server: &Server,
    width: u32,
    height: u32,
) -> Client {
    let client = if width < 1024 {
        connect_phone(driver, chromium, width, height).await
    } else {
        let desktop = json!({ "deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 1, "mobile": false, "touch": false
        } });
        connect_with(driver, chromium, Some(desktop), &[]).await
    };
    // A page of the site, which asks phones for their own width (`<meta name=viewport>`).
    client
        .goto(&server.url("/"))
        .await
        .or_panic("opening the front page");
    let viewport = js(
        &client,
        "return [window.innerWidth, window.innerHeight];",
        vec![],
    )
    .await;
    assert_eq!(
        viewport,
        json!([width, height]),
        "the browser window is not {width} × {height}"
    );
    client
}

/// Waits until the page at the browser's address has loaded, its web fonts and images are in,
/// no transition or animation is running (axe measures colours as they are at that moment),
/// and `selector` matches. `Err` says what was still missing.
async fn settle(client: &Client, selector: &str) -> Result<(), String> {
    let script = "const [selector] = arguments;
        const running = document.getAnimations()
          .filter(a => a.playState === 'running' && a.effect && a.effect.getComputedTiming().iterations !== Infinity);
        const missing = [];
        if (document.readyState !== 'complete') missing.push('the page is still loading');
        if (document.fonts && document.fonts.status !== 'loaded') missing.push('fonts are loading');
        if ([...document.images].some(i => i.loading !== 'lazy' && !i.complete)) missing.push('images are loading');
        if (running.length) missing.push(running.length + ' animations are running');
        if (!document.querySelector(selector)) missing.push('nothing matches ' + selector);
        return missing;";
    let last = std::sync::Mutex::new(Value::Null);
    let done = eventually(PAGE_TIMEOUT, || async {
        let missing = js(client, script, vec![json!(selector)]).await;
        let empty = missing.as_array().is_some_and(|m| m.is_empty());
        *last.lock().unwrap() = missing;
        empty
    })
    .await;
    if done {
        Ok(())
    } else {
        Err(format!(
            "not settled within {PAGE_TIMEOUT:?}: {}",
            last.into_inner().unwrap()
        ))
    }
}

/// How wide the page is against the window, and when it is wider, the outermost elements that
/// stick out on the right (with their right edge in CSS pixels).
const OVERFLOW: &str = "
    const root = document.documentElement;
    const width = root.clientWidth;
    const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        [...el.classList].map(c => '.' + c).join('');
    const out = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > width + 0.5; };
    const clipped = el => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      }
      return false;
    };
    const culprits = [];
    if (root.scrollWidth > width) {
      for (const el of document.body.querySelectorAll('*')) {
        if (out(el) && !out(el.parentElement) && !clipped(el)) {
          let path = describe(el);
          for (let p = el.parentElement, n = 0; p && p !== document.body && n < 3; p = p.parentElement, n++) {
            path = describe(p) + ' > ' + path;
          }
          culprits.push(path + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ')');
        }
      }
    }
    return { page: root.scrollWidth, window: width, culprits: culprits.slice(0, 8) };";

/// Where the checks of one page type go wrong.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn add(&mut self, what: String) {
        eprintln!("FAIL {what}");
        self.0.push(what);
    }

    #[track_caller]
    fn assert_none(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{} problem(s) with {what}:\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}

/// Opens `path`, waits for it to settle (`selector` present), then checks that it does not
/// scroll sideways and that axe finds nothing; saves `screenshot` when given.
#[allow(clippy::too_many_arguments)]
async fn check_page(
    client: &Client,
    server: &Server,
    axe: &str,
    width: u32,
    label: &str,
    path: &str,
    selector: &str,
    screenshot: Option<String>,
    findings: &mut Findings,
) {
    client
        .goto(&server.url(path))
        .await
        .or_panic(format_args!("opening {path}"));
    let at = format!("{label} {path} at {width} px");
    if let Err(e) = settle(client, selector).await {
        findings.add(format!("{at}: {e}"));
    }
    let overflow = js(client, OVERFLOW, vec![]).await;
    if overflow["page"].as_f64() > overflow["window"].as_f64() {
        findings.add(format!("{at} scrolls sideways: {overflow}"));
    }
    let violations = run_axe(client, axe).await;
    for v in violations.as_array().into_iter().flatten() {
        findings.add(format!(
            "{at}: axe `{}` ({}) on {}",
            v["id"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or("?"),
            v["nodes"]
        ));
    }
    if let Some(name) = screenshot {
        save_screenshot(client, &name).await;
    }
}

/// The address (path and query) of the first link on the page whose path matches `pattern`.
async fn first_link(client: &Client, pattern: &str) -> Option<String> {
    js(
        client,
        "const re = new RegExp(arguments[0]);
         const a = [...document.querySelectorAll('a[href]')]
           .find(a => a.origin === location.origin && re.test(a.pathname));
         return a ? a.pathname + a.search : null;",
        vec![json!(pattern)],
    )
    .await
    .as_str()
    .map(str::to_owned)
}

/// Every public page type, at each width: axe finds nothing and the page does not scroll
/// sideways. The check itself is checked: a planted image without alternative text is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_pass_axe_and_reflow_at_every_width() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&tools.chromedriver);
    let mut findings = Findings::default();
    let mut pages: Option<Vec<(&str, String)>> = None;
    for (width, height, screenshots) in SIZES {
        let client = connect_sized(&driver, &tools.chromium, &server, width, height).await;
        // The addresses of the pages that depend on the demo's content, read once.
        let pages = match &pages {
            Some(pages) => pages.clone(),
            None => {
                let reference = path_of(&open_reference_story(&client, &server).await);
                let month = reference.split('/').take(3).collect::<Vec<_>>().join("/") + "/";
                let day = reference.split('/').take(4).collect::<Vec<_>>().join("/") + "/";
                client
                    .goto(&server.url("/category/science/"))
                    .await
                    .or_panic("opening the science section");
                let illustrated = js(
                    &client,
                    "const a = [...document.querySelectorAll('main article')]
                       .filter(a => a.querySelector('img'))
                       .map(a => a.querySelector('.card__title a[href]'))
                       .find(a => a && /^\\/\\d{4}\\/\\d\\d\\/\\d\\d\\/[^/]+\\/$/.test(a.pathname));
                     return a ? a.pathname : null;",
                    vec![],
                )
                .await
                .as_str()
                .map(str::to_owned)
                .expect("the science section lists an illustrated story");
                let found = vec![
                    ("home", "/".to_owned()),
                    ("story", illustrated),
                    ("story-comments", reference),
                    ("section", "/category/world/".to_owned()),
                    ("subsection", "/category/world/asia/".to_owned()),
                    ("tag", "/tag/space/".to_owned()),
                    ("author", "/author/newsroom-desk/".to_owned()),
                    ("month", month),
                    ("day", day),
                    ("page", "/about/".to_owned()),
                    ("not-found", "/no-such-page/".to_owned()),
                    ("home-page-2", "/page/2/".to_owned()),
                    (
                        "search",
                        "/search?q=space+launch&section=science".to_owned(),
                    ),
                    ("search-empty", "/search?q=".to_owned()),
                ];
                pages = Some(found.clone());
                // The check itself works: a planted image without alternative text is
                // reported.
                client
                    .goto(&server.url("/"))
                    .await
                    .or_panic("opening the front page");
                js(
                    &client,
                    "const img = document.createElement('img'); img.src = '/static/none.png';
                     document.querySelector('main').appendChild(img);",
                    vec![],
                )
                .await;
                let planted = run_axe(&client, &axe).await;
                assert!(
                    planted
                        .as_array()
                        .is_some_and(|v| v.iter().any(|v| v["id"] == "image-alt")),
                    "axe did not report a planted image without alternative text: {planted}"
                );
                found
            }
        };
        for (label, path) in &pages {
            let screenshot = (screenshots
                && matches!(*label, "home" | "story" | "section" | "search"))
            .then(|| format!("public-{label}-{width}.png"));
            let label = format!("public {label}");
            check_page(
                &client,
                &server,
                &axe,
                width,
                &label,
                path,
                "main",
                screenshot,
                &mut findings,
            )
            .await;
        }
        client.close().await.or_panic("closing the browser");
    }
    findings.assert_none("the public pages");
}

/// Every admin page type, and the sign-in page before it, at each width: axe finds nothing and
/// the page does not scroll sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_pass_axe_and_reflow_at_every_width() {
    let Some(tools) = browser_tools() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let server = Server::start();
    server.add_administrator();
    let driver = Driver::start(&tools.chromedriver);
    let mut findings = Findings::default();
    let mut pages: Option<Vec<(&str, String)>> = None;
    for (width, height, screenshots) in SIZES {
        let client = connect_sized(&driver, &tools.chromium, &server, width, height).await;
        // Signed out: the sign-in page, and a password link that is no longer valid.
        for (label, path) in [
            ("sign-in", "/admin/login"),
            ("expired-link", "/admin/password/no-such-token"),
        ] {
            let shot =
                (screenshots && label == "sign-in").then(|| format!("admin-{label}-{width}.png"));
            check_page(
                &client,
                &server,
                &axe,
                width,
                label,
                path,
                "main h1",
                shot,
                &mut findings,
            )
            .await;
        }
        sign_in_as_admin(&client, &server).await;
        let pages = match &pages {
            Some(pages) => pages.clone(),
            None => {
                let pages_found = admin_pages(&client, &server, &mut findings).await;
                pages = Some(pages_found.clone());
                pages_found
            }
        };
        for (label, path) in &pages {
            let shot = (screenshots
                && matches!(*label, "dashboard" | "stories" | "editor" | "comments"))
            .then(|| format!("admin-{label}-{width}.png"));
            check_page(
                &client,
                &server,
                &axe,
                width,
                label,
                path,
                "main h1",
                shot,
                &mut findings,
            )
            .await;
        }
        client.close().await.or_panic("closing the browser");
    }
    findings.assert_none("the admin pages");
}

/// The admin's page types, the addresses of one of each read from the lists that link them.
async fn admin_pages(
    client: &Client,
    server: &Server,
    findings: &mut Findings,
) -> Vec<(&'static str, String)> {
    let mut pages: Vec<(&'static str, String)> = [
        ("dashboard", "/admin/"),
        ("stories", "/admin/stories"),
        ("new-story", "/admin/stories/new"),
        ("pages", "/admin/pages"),
        ("new-page", "/admin/pages/new"),
        ("media", "/admin/media"),
        ("comments", "/admin/comments"),
        ("sections", "/admin/sections"),
        ("tags", "/admin/tags"),
        ("widgets", "/admin/widgets"),
        ("menus", "/admin/menus"),
        ("users", "/admin/users"),
        ("settings", "/admin/settings"),
        ("audit", "/admin/audit"),
        ("tools", "/admin/tools"),
        ("import", "/admin/tools/import"),
        ("profile", "/admin/profile"),
        (
            "authorize-app",
            "/admin/authorize-application?app_name=Desk+Writer&app_id=desk-writer\
             &success_url=https%3A%2F%2Fapp.example%2Fdone",
        ),
        ("not-found", "/admin/no-such-page"),
    ]
    .into_iter()
    .map(|(label, path)| (label, path.to_owned()))
    .collect();
    // (label, list page, pattern of the linked page's path)
    let linked = [
        ("editor", "/admin/stories", r"^/admin/stories/\d+$"),
        (
            "story-revisions",
            "/admin/stories",
            r"^/admin/stories/\d+/revisions$",
        ),
        ("page-editor", "/admin/pages", r"^/admin/pages/\d+$"),
        (
            "page-revisions",
            "/admin/pages",
            r"^/admin/pages/\d+/revisions$",
        ),
        (
            "story-preview",
            "/admin/stories",
            r"^/admin/stories/\d+/preview$",
        ),
        ("media-item", "/admin/media", r"^/admin/media/\d+$"),
        ("comment", "/admin/comments", r"^/admin/comments/\d+$"),
        ("section", "/admin/sections", r"^/admin/sections/\d+$"),
        ("tag", "/admin/tags", r"^/admin/tags/\d+$"),
        ("widget", "/admin/widgets", r"^/admin/widgets/\d+$"),
        ("user", "/admin/users", r"^/admin/users/\d+$"),
    ];
    for (label, list, pattern) in linked {
        client
            .goto(&server.url(list))
            .await
            .or_panic(format_args!("opening {list}"));
        if let Err(e) = settle(client, "main h1").await {
            findings.add(format!("{list}: {e}"));
        }
        match first_link(client, pattern).await {
            Some(path) => pages.push((label, path)),
            None => findings.add(format!("{list} links no page like {pattern} ({label})")),
        }
    }
    // The form that adds a widget, for the first kind of the first area.
    client
        .goto(&server.url("/admin/widgets"))
        .await
        .or_panic("opening /admin/widgets");
    let new_widget = js(
        client,
        "const f = document.querySelector('form[action=\"/admin/widgets/new\"]');
         return f ? '/admin/widgets/new?' + new URLSearchParams(new FormData(f)) : null;",
        vec![],
    )
    .await;
    match new_widget.as_str() {
        Some(path) => pages.push(("new-widget", path.to_owned())),
        None => findings.add("/admin/widgets has no form to add a widget".to_owned()),
    }
    // Pages reached from the ones found above.
    let deeper = [("user", "delete-user", r"^/admin/users/\d+/delete$")];
    for (parent, label, pattern) in deeper {
        let Some(list) = pages
            .iter()
            .find(|(l, _)| *l == parent)
            .map(|(_, p)| p.clone())
        else {
            continue;
        };
        client
            .goto(&server.url(&list))
            .await
            .or_panic(format_args!("opening {list}"));
        if let Err(e) = settle(client, "main h1").await {
            findings.add(format!("{list}: {e}"));
        }
        match first_link(client, pattern).await {
            Some(path) => pages.push((label, path)),
            None => findings.add(format!("{list} links no page like {pattern} ({label})")),
        }
    }
    pages
}
