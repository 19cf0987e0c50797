//! Themes: the example theme in `themes/example/` renders every page type of the demo site, and
//! the theme author guide (`docs/THEMES.md`) names every template and every variable the code
//! passes to it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use axum::http::StatusCode;

use crate::support::{Backend, Page, TestSite};

const REFERENCE: &str = "Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome";
/// The demo site's title.
const TITLE: &str = "Newsdesk Daily";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The demo site, dressed in the theme folder `theme`.
async fn demo_with_theme(theme: &Path) -> TestSite {
    let site = TestSite::with_theme(Backend::Sqlite, Some(theme))
        .await
        .unwrap();
    assert!(
        newsdesk::demo::seed_if_empty(&site.store, chrono::Utc::now())
            .await
            .unwrap()
    );
    site
}

/// What every page in the example theme carries: its masthead and stylesheet, and what the
/// built-in layout promises (the skip link, the REST API link, the landmarks).
fn assert_example_layout(page: &Page, path: &str) {
    let body_class = page.attrs("body", "class").join(" ");
    assert!(
        body_class.split(' ').any(|c| c == "theme-example"),
        "{path}: body class {body_class:?}"
    );
    assert_eq!(
        page.texts(".masthead .masthead__band .site-title"),
        vec![TITLE],
        "{path}"
    );
    let sheets = page.attrs("link[rel=stylesheet]", "href");
    assert_eq!(sheets.len(), 2, "{path}: {sheets:?}");
    assert!(
        sheets[0].starts_with("/static/style."),
        "{path}: {sheets:?}"
    );
    assert!(
        sheets[1].starts_with("/static/example."),
        "{path}: {sheets:?}"
    );
    assert_eq!(
        page.attrs("a.skip-link", "href"),
        vec!["#main"],
        "{path}: the skip link"
    );
    assert_eq!(page.attrs("main#main", "tabindex"), vec!["-1"], "{path}");
    let api = page.attrs("link[rel=\"https://api.w.org/\"]", "href");
    assert_eq!(api.len(), 1, "{path}: the REST API link");
    assert!(api[0].ends_with("/wp-json/"), "{path}: {api:?}");
    assert_eq!(page.attrs("html", "lang"), vec!["en"], "{path}");
    assert!(!page.texts(".primary-nav a").is_empty(), "{path}: sections");
    assert_eq!(
        page.texts(".copyright").len(),
        1,
        "{path}: the footer of the example base.html"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn example_theme_renders_every_page_type() {
    let site = demo_with_theme(&repo_path("themes/example")).await;

    // Home: the built-in home.html inside the example layout.
    let home = site.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_example_layout(&home, "/");
    assert_eq!(home.texts("h1.site-title"), vec![TITLE]);
    assert_eq!(home.texts(".lead .card__title").len(), 1);
    assert!(
        home.texts(".latest .card__title")
            .contains(&REFERENCE.to_owned())
    );

    // A story: the built-in article.html, its headline, comments and JSON-LD kept.
    let url = site.url_of(REFERENCE).await;
    let story = site.get(&url).await;
    assert_eq!(story.status, StatusCode::OK);
    assert_example_layout(&story, &url);
    assert_eq!(story.texts("h1.story-title"), vec![REFERENCE]);
    assert_eq!(story.texts("p.site-title"), vec![TITLE]);
    assert!(!story.texts(".comment-list .comment__author").is_empty());
    assert_eq!(story.attrs("form#commentform", "action").len(), 1);
    assert_eq!(
        story
            .attrs("script[type=\"application/ld+json\"]", "type")
            .len(),
        1
    );
    assert_eq!(
        story.attrs("link[rel=canonical]", "href"),
        vec![format!("http://localhost{url}")]
    );

    // A section archive: the example's headline list instead of cards.
    let section = site.get("/category/world/").await;
    assert_eq!(section.status, StatusCode::OK);
    assert_example_layout(&section, "/category/world/");
    assert_eq!(section.texts("h1.archive-title"), vec!["World"]);
    let headlines = section.texts("ol.headline-list h2.headline-list__title");
    assert!(!headlines.is_empty());
    assert!(section.texts("main .card").is_empty());
    // Each headline with an illustration has its thumbnail from the built-in `picture` macro:
    // alt text, a size, lazy.
    let thumbs = section.attrs("ol.headline-list img.headline-list__image", "alt");
    assert_eq!(
        thumbs.len(),
        headlines.len(),
        "every demo story has an image"
    );
    assert!(thumbs.iter().all(|alt| !alt.is_empty()));
    assert!(
        section
            .attrs("ol.headline-list img.headline-list__image", "loading")
            .iter()
            .all(|l| l == "lazy")
    );
    // Tag, author and date archives share the template.
    for path in ["/tag/space/", "/author/newsroom-desk/", "/page/2/"] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_example_layout(&page, path);
        assert!(!page.texts(".headline-list__title").is_empty(), "{path}");
    }

    // Search: the built-in search.html, results marked.
    let search = site.get("/search?q=cosmodrome").await;
    assert_eq!(search.status, StatusCode::OK);
    assert_example_layout(&search, "/search");
    assert!(
        search
            .texts(".search-result .card__title")
            .contains(&REFERENCE.to_owned())
    );
    // The search page has its own form, so the header leaves its form out.
    assert!(search.texts(".site-bar .site-search").is_empty());

    // A static page.
    let about = site.get("/about/").await;
    assert_eq!(about.status, StatusCode::OK);
    assert_example_layout(&about, "/about/");
    assert_eq!(about.texts("h1.page-title"), vec!["About us"]);

    // The 404 page.
    let missing = site.get("/no-such-page/").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_example_layout(&missing, "/no-such-page/");
    assert_eq!(missing.texts("main h1"), vec!["Page not found"]);
    assert!(!missing.texts(".error-page .card__title").is_empty());

    // The theme's stylesheet is served under its fingerprinted name; the built-in one is
    // still served too, since the example extends it.
    let sheets = home.attrs("link[rel=stylesheet]", "href");
    let example = site.get(&sheets[1]).await;
    assert_eq!(example.status, StatusCode::OK);
    assert_eq!(
        example.headers.get("content-type").unwrap(),
        "text/css; charset=utf-8"
    );
    assert!(example.body.contains(".headline-list"));
    let builtin = site.get(&sheets[0]).await;
    assert_eq!(builtin.status, StatusCode::OK);
    assert!(builtin.body.contains(".site-header"));
}

/// `{{ debug() }}` prints the template's state; its `ctx` map lists every variable the handler
/// passed, one per line at this indentation.
fn context_names(dump: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut inside = false;
    for line in dump.lines() {
        if line == "    ctx: {" {
            inside = true;
        } else if inside && (line == "    }," || line == "    }") {
            break;
        } else if inside
            && let Some(rest) = line.strip_prefix("        \"")
            && let Some((name, _)) = rest.split_once("\": ")
        {
            names.insert(name.to_owned());
        }
    }
    names
}

/// The guide's sections, by heading text (`### \`home.html\`` → `` `home.html` ``).
fn guide_sections(guide: &str) -> BTreeMap<String, String> {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in guide.lines() {
        if let Some(heading) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            if let Some((h, text)) = current.take() {
                sections.insert(h, text);
            }
            current = Some((heading.trim().to_owned(), String::new()));
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    if let Some((h, text)) = current {
        sections.insert(h, text);
    }
    sections
}

/// The names in the first column of a section's tables (`` | `lead` | … ``).
fn table_names(section: &str) -> BTreeSet<String> {
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Variables every page template receives (documented once, under this heading).
const COMMON_HEADING: &str = "Variables every page receives";
const COMMON: [&str; 4] = ["site", "chrome", "sidebar", "meta"];

/// Templates no handler renders by name: they are included or imported, and the guide lists
/// what they use.
const PARTIALS: [(&str, &[&str]); 3] = [
    (
        "_comments.html",
        &["thread", "comments", "form", "mail_enabled"],
    ),
    (
        "macros.html",
        &["card", "picture", "figcaption", "password_form"],
    ),
    ("widget.html", &["widget"]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_theme_guide_names_every_template_and_what_it_receives() {
    let guide = std::fs::read_to_string(repo_path("docs/THEMES.md")).unwrap();
    let sections = guide_sections(&guide);
    let section = |template: &str| {
        sections
            .get(&format!("`{template}`"))
            .unwrap_or_else(|| panic!("docs/THEMES.md has no heading `{template}`"))
    };

    // Every built-in template has its own heading.
    let mut templates: Vec<String> = std::fs::read_dir(repo_path("themes/default/templates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    templates.sort();
    assert!(templates.len() >= 11, "{templates:?}");
    for t in &templates {
        section(t);
    }
    for (partial, names) in PARTIALS {
        let text = section(partial);
        for name in names {
            assert!(
                text.contains(&format!("`{name}`")),
                "docs/THEMES.md: `{partial}` does not mention `{name}`"
            );
        }
    }

    // A theme whose page templates print their whole context, so that the test reads what each
    // handler really passes.
    let dir = std::env::temp_dir().join(format!("newsdesk-theme-dump-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    let rendered = [
        "home.html",
        "article.html",
        "archive.html",
        "page.html",
        "search.html",
        "error.html",
        "subscription.html",
    ];
    for t in rendered {
        std::fs::write(
            dir.join("templates").join(t),
            format!("<!-- {t} -->{{{{ debug()|safe }}}}"),
        )
        .unwrap();
    }
    let site = demo_with_theme(&dir).await;
    site.raw_execute(
        "UPDATE comments SET notify_token = 'theme-guide' WHERE id = (SELECT MIN(id) FROM comments)",
    )
    .await;
    let story = site.url_of(REFERENCE).await;
    let pages = [
        ("home.html", "/".to_owned()),
        ("article.html", story),
        ("archive.html", "/category/world/".to_owned()),
        ("archive.html", "/author/newsroom-desk/".to_owned()),
        ("page.html", "/about/".to_owned()),
        ("search.html", "/search?q=space".to_owned()),
        ("error.html", "/no-such-page/".to_owned()),
        (
            "subscription.html",
            "/comments/subscription?action=confirm&token=theme-guide".to_owned(),
        ),
    ];
    let common = sections
        .get(COMMON_HEADING)
        .unwrap_or_else(|| panic!("docs/THEMES.md has no heading {COMMON_HEADING}"));
    let mut seen = BTreeSet::new();
    for (template, path) in pages {
        let page = site.get(&path).await;
        assert!(
            page.body.starts_with(&format!("<!-- {template} -->")),
            "{path} did not render {template}: {}",
            page.status
        );
        seen.insert(template);
        let names = context_names(&page.body);
        for name in COMMON {
            assert!(names.contains(name), "{template} lacks `{name}`: {names:?}");
        }
        assert!(names.len() > COMMON.len(), "{template}: {names:?}");
        let own = section(template);
        assert!(
            !table_names(own).is_empty(),
            "{template} has no table of variables"
        );
        for name in &names {
            let (where_, text) = if COMMON.contains(&name.as_str()) {
                (COMMON_HEADING, common)
            } else {
                (template, own)
            };
            assert!(
                text.contains(&format!("`{name}`")),
                "docs/THEMES.md: {template} receives `{name}`, which `{where_}` does not mention"
            );
        }
        // And the guide lists nothing the handler does not pass.
        for name in table_names(own) {
            assert!(
                names.contains(&name),
                "docs/THEMES.md lists `{name}` for {template}, which it does not receive: {names:?}"
            );
        }
    }
    assert_eq!(seen.len(), rendered.len());
    for name in table_names(common) {
        assert!(COMMON.contains(&name.as_str()), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
