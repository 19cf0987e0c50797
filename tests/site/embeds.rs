//! Embeds: stored as provider + id + address, shown as click-to-load cards that make no
//! request to the provider before the reader asks, links in feeds; and the public pages'
//! Content-Security-Policy, with the providers, extra origins and snippet hashes the settings
//! name.

use axum::http::StatusCode;
use newsdesk::domain::user::Role;

use crate::admin_stories::{save, saved_id};
use crate::support::{Staff, TestSite};

on_both_backends!(empty:
    an_address_on_its_own_line_is_stored_as_an_embed_and_shown_as_a_card,
    feeds_carry_the_embeds_link,
    the_policy_allows_exactly_the_enabled_providers_and_extra_origins,
    snippets_appear_on_public_pages_and_their_scripts_are_allowed_by_hash,
    only_administrators_change_embed_settings_and_the_editor_checks_addresses,
    a_mastodon_post_adds_its_server_to_its_page_only,
    a_preview_with_a_mastodon_post_keeps_the_admin_policy,
);

const YOUTUBE: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";

/// Every absolute address in a page that is not the site's own or a vocabulary's name
/// (schema.org in JSON-LD, the REST API's link relation).
fn foreign_addresses(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in html.match_indices("//") {
        let start = html[..i]
            .rfind(['"', ' ', '>', '(', '\''])
            .map_or(0, |j| j + 1);
        let end = html[i..]
            .find(['"', ' ', '<', ')', '\''])
            .map_or(html.len(), |j| i + j);
        let address = &html[start..end];
        let ours = [
            "http://localhost",
            "https://schema.org",
            "https://api.w.org",
        ]
        .iter()
        .any(|p| address.starts_with(p));
        if !ours && (address.starts_with("http") || address.starts_with("//")) {
            found.push(address.to_owned());
        }
    }
    found
}

async fn publish(site: &TestSite, who: &Staff, title: &str, body: &str) -> String {
    let id = saved_id(
        &save(
            site,
            who,
            None,
            &[("title", title), ("body", body)],
            "publish",
        )
        .await,
    );
    let s = site.store.story(id).await.unwrap().unwrap();
    newsdesk::domain::article::article_path(s.published_at.unwrap(), &s.slug, chrono_tz::UTC)
}

/// The page with the embed cards' title links (the one place the provider's address may be)
/// taken out.
fn without_embed_links(page: &crate::support::Page) -> String {
    let mut body = page.body.clone();
    let html = page.html();
    let links = scraper::Selector::parse(".embed__title a, figure.embed a").unwrap();
    for a in html.select(&links) {
        body = body.replace(&a.html(), "");
    }
    body
}

async fn an_address_on_its_own_line_is_stored_as_an_embed_and_shown_as_a_card(site: TestSite) {
    let ed = site.staff("eddie", Role::Editor).await;
    // From the editor's HTML, with a forged id the server replaces; and from plain text.
    let url = publish(
        &site,
        &ed,
        "Video of the day",
        &format!(
            "<p>Watch this.</p><p><a href=\"{YOUTUBE}\">{YOUTUBE}</a></p>\
             <figure class=\"embed\" data-embed=\"vimeo\" data-embed-id=\"1&quot; onload=&quot;x\">\
             <a href=\"https://vimeo.com/76979871\">The “river” film</a></figure>\
             <p>https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ</p>"
        ),
    )
    .await;
    let stored = site.store.story(1).await.unwrap().unwrap().body;
    assert!(
        stored.contains(&format!(
            "<figure class=\"embed\" data-embed=\"youtube\" data-embed-id=\"dQw4w9WgXcQ\"><a href=\"{YOUTUBE}\" rel=\"noopener noreferrer\">{YOUTUBE}</a></figure>"
        )),
        "{stored}"
    );
    assert!(
        stored.contains("<figure class=\"embed\" data-embed=\"vimeo\" data-embed-id=\"76979871\"><a href=\"https://vimeo.com/76979871\" rel=\"noopener noreferrer\">The “river” film</a></figure>"),
        "{stored}"
    );
    assert!(!stored.contains("onload"), "{stored}");
    assert!(
        stored.contains("<p>https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ</p>"),
        "{stored}"
    );

    let page = site.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts("figure.embed .embed__load"),
        ["Load content from YouTube", "Load content from Vimeo"]
    );
    assert_eq!(
        page.attrs("figure.embed .embed__load", "type"),
        ["button", "button"]
    );
    assert_eq!(
        page.texts("figure.embed .embed__title a"),
        [YOUTUBE, "The “river” film"]
    );
    assert_eq!(
        page.attrs("figure.embed", "data-embed-player"),
        [
            "/embed/player?provider=youtube&id=dQw4w9WgXcQ",
            "/embed/player?provider=vimeo&id=76979871"
        ]
    );
    // No address of a provider in the page but the links to the posts; nothing loads from
    // them (no iframe, no script, no image).
    // (The paragraph with an address of another host is the story's text.)
    let rest = without_embed_links(&page)
        .replace("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", "");
    assert_eq!(foreign_addresses(&rest), Vec::<String>::new());
    for host in [
        "youtube.com",
        "youtube-nocookie",
        "ytimg",
        "vimeo.com",
        "vimeocdn",
    ] {
        assert!(!rest.contains(host), "{host} in the page: {rest}");
    }
    assert!(page.attrs("iframe", "src").is_empty());
    // The player is reached through the site, in a frame only.
    let player = site
        .get_with_headers(
            "/embed/player?provider=youtube&id=dQw4w9WgXcQ",
            &[("sec-fetch-dest", "iframe")],
        )
        .await;
    assert_eq!(player.status, StatusCode::SEE_OTHER);
    assert_eq!(
        player.location(),
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    );
    assert!(
        player
            .headers
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Sec-Fetch-Dest")),
        "{:?}",
        player.headers
    );
    for refused in [
        site.get("/embed/player?provider=youtube&id=dQw4w9WgXcQ")
            .await,
        site.get_with_headers(
            "/embed/player?provider=youtube&id=..%2F..%2Fx",
            &[("sec-fetch-dest", "iframe")],
        )
        .await,
        site.get_with_headers(
            "/embed/player?provider=myspace&id=1",
            &[("sec-fetch-dest", "iframe")],
        )
        .await,
    ] {
        // Plain text in a sandbox, never cached: the answer depends on `Sec-Fetch-Dest`.
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert!(
            refused.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain"),
            "{:?}",
            refused.headers
        );
        assert_eq!(csp(&refused), "sandbox");
        assert_eq!(refused.headers["cache-control"], "no-store");
        assert!(
            refused
                .headers
                .get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap().contains("Sec-Fetch-Dest")),
            "{:?}",
            refused.headers
        );
        assert!(!refused.body.contains('<'), "{}", refused.body);
    }

    // Plain text, as typed without the toolbar: the address alone on its line.
    let url = publish(
        &site,
        &ed,
        "Chart",
        "The numbers:\n\nhttps://datawrapper.dwcdn.net/AbC12/2/\n\nMore soon.",
    )
    .await;
    let page = site.get(&url).await;
    assert_eq!(page.texts(".embed__provider"), ["Datawrapper"]);
}

async fn feeds_carry_the_embeds_link(site: TestSite) {
    let ed = site.staff("eddie", Role::Editor).await;
    publish(&site, &ed, "Video", &format!("<p>{YOUTUBE}</p>")).await;
    for feed in ["/feed/", "/feed/atom/", "/feed/json/"] {
        let page = site.get(feed).await;
        assert_eq!(page.status, StatusCode::OK, "{feed}");
        assert!(
            page.body.contains("dQw4w9WgXcQ") && page.body.contains("youtube.com/watch"),
            "{feed}: {}",
            page.body
        );
        assert!(!page.body.contains("button"), "{feed}");
        assert!(!page.body.contains("youtube-nocookie"), "{feed}");
        assert!(!page.body.contains("iframe"), "{feed}");
    }
}

fn csp(page: &crate::support::Page) -> String {
    page.headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

fn directive(policy: &str, name: &str) -> String {
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
        .to_owned()
}

async fn the_policy_allows_exactly_the_enabled_providers_and_extra_origins(site: TestSite) {
    let ed = site.staff("eddie", Role::Editor).await;
    let url = publish(&site, &ed, "Video", &format!("<p>{YOUTUBE}</p>")).await;
    // By default every provider is enabled, each with its player's origin, and nothing else.
    let policy = csp(&site.get("/").await);
    let frames = directive(&policy, "frame-src");
    for origin in [
        "'self'",
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://platform.twitter.com",
        "https://www.instagram.com",
        "https://www.tiktok.com",
        "https://www.facebook.com",
        "https://embed.bsky.app",
        "https://w.soundcloud.com",
        "https://open.spotify.com",
        "https://www.google.com",
        "https://maps.google.com",
        "https://datawrapper.dwcdn.net",
        "https://flo.uri.sh",
    ] {
        assert!(frames.split(' ').any(|o| o == origin), "{origin}: {frames}");
    }
    assert_eq!(directive(&policy, "script-src"), "script-src 'self'");
    assert_eq!(directive(&policy, "connect-src"), "connect-src 'self'");
    assert!(!policy.contains("unsafe"), "{policy}");

    // Only Vimeo: the YouTube embed is a plain link, and only Vimeo's player may be framed.
    site.settings(&[
        ("embed_providers", "vimeo"),
        (
            "extra_origins",
            "https://stats.example.com script connect\nhttps://ads.example.net",
        ),
    ])
    .await;
    let page = site.get(&url).await;
    assert!(page.texts(".embed__load").is_empty(), "{}", page.body);
    assert_eq!(page.attrs("figure.embed a", "href"), [YOUTUBE]);
    let policy = csp(&page);
    // An origin named without kinds is for images only.
    assert_eq!(
        directive(&policy, "frame-src"),
        "frame-src 'self' https://player.vimeo.com"
    );
    assert_eq!(
        directive(&policy, "script-src"),
        "script-src 'self' https://stats.example.com"
    );
    assert_eq!(
        directive(&policy, "connect-src"),
        "connect-src 'self' https://stats.example.com"
    );
    assert_eq!(
        directive(&policy, "img-src"),
        "img-src 'self' https: data: https://ads.example.net"
    );
    // The embed's player is refused while its provider is off.
    let player = site
        .get_with_headers(
            "/embed/player?provider=youtube&id=dQw4w9WgXcQ",
            &[("sec-fetch-dest", "iframe")],
        )
        .await;
    assert_eq!(player.status, StatusCode::NOT_FOUND);

    // None: no frame but the site's.
    site.settings(&[("embed_providers", "none"), ("extra_origins", "")])
        .await;
    let policy = csp(&site.get("/").await);
    assert_eq!(directive(&policy, "frame-src"), "frame-src 'self'");

    // A bad origin is refused with a sentence saying which line and why.
    let err = newsdesk::actions::site::update_settings(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &[(
            "extra_origins",
            "https://ok.example\nhttp://stats.example.com",
        )],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    // Scripts come from a named host, never from every host under a domain.
    let err = newsdesk::actions::site::update_settings(
        &site.store,
        newsdesk::actions::Actor::Operator,
        &[("extra_origins", "https://*.ads.example.net script")],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
    assert!(
        site.store
            .settings()
            .await
            .unwrap()
            .extra_origins
            .is_empty(),
        "the refused line is not stored"
    );
}

async fn snippets_appear_on_public_pages_and_their_scripts_are_allowed_by_hash(site: TestSite) {
    use base64::Engine as _;
    use sha2::Digest as _;
    let head = "<script>window.dataLayer = window.dataLayer || [];</script>";
    let footer = "<script async src=\"https://stats.example.com/s.js\"></script>\n<script>track('page');</script>";
    site.settings(&[
        ("head_snippet", head),
        ("footer_snippet", footer),
        ("extra_origins", "https://stats.example.com script"),
    ])
    .await;
    let page = site.get("/").await;
    assert!(
        page.body.contains(&format!("{head}\n</head>")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("{footer}\n</body>")),
        "{}",
        page.body
    );
    let hash = |text: &str| {
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text))
        )
    };
    let policy = csp(&page);
    assert_eq!(
        directive(&policy, "script-src"),
        format!(
            "script-src 'self' https://stats.example.com {} {}",
            hash("window.dataLayer = window.dataLayer || [];"),
            hash("track('page');")
        )
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // Error pages are public pages too; the admin keeps its own strict policy.
    let missing = site.get("/no-such-page/").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains(head));
    assert_eq!(csp(&missing), policy);
    let admin = site.staff("ada", Role::Administrator).await;
    let dash = site.admin_get(&admin, "/admin/").await;
    let admin_policy = csp(&dash);
    assert_eq!(directive(&admin_policy, "script-src"), "script-src 'self'");
    assert!(!dash.body.contains("dataLayer"));
}

async fn only_administrators_change_embed_settings_and_the_editor_checks_addresses(site: TestSite) {
    let admin = site.staff("ada", Role::Administrator).await;
    let form = site.admin_get(&admin, "/admin/settings").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.attrs("input[name=embed_providers]", "value").len(),
        newsdesk::domain::embed::PROVIDERS.len()
    );
    assert_eq!(
        form.attrs("input[name=embed_providers][checked]", "value")
            .len(),
        13
    );
    let mut fields: Vec<(String, String)> = Vec::new();
    for name in [
        "title",
        "tagline",
        "timezone",
        "posts_per_page",
        "language",
        "comment_moderation",
        "comment_close_days",
        "thread_depth",
        "comment_min_seconds",
        "comment_max_links",
        "comment_rate_limit",
        "feed_items",
        "feed_content",
    ] {
        let value = form
            .attrs(&format!("[name={name}][value]"), "value")
            .into_iter()
            .next()
            .unwrap_or_default();
        let value = match name {
            "timezone" => "UTC".to_owned(),
            "comment_moderation" => "first_time".to_owned(),
            "feed_content" => "full".to_owned(),
            _ => value,
        };
        fields.push((name.to_owned(), value));
    }
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
        let mut all = fields.clone();
        all.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        all
    };
    let bad = with(&[("extra_origins", "http://stats.example.com")]);
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = site.admin_post(&admin, "/admin/settings", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.texts("#extra_origins-error")[0].contains("is not an https origin"),
        "{:?}",
        res.texts("#extra_origins-error")
    );
    let good = with(&[
        ("embed_providers", "youtube"),
        ("embed_providers", "spotify"),
        ("extra_origins", "https://stats.example.com"),
        ("footer_snippet", "<p>Hello</p>"),
    ]);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = site.admin_post(&admin, "/admin/settings", &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let s = site.store.settings().await.unwrap();
    assert_eq!(s.embed_providers, ["youtube", "spotify"]);
    assert_eq!(s.footer_snippet, "<p>Hello</p>");

    // An editor may not: the settings are an administrator's.
    let ed = site.staff("eddie", Role::Editor).await;
    let res = site
        .admin_post(
            &ed,
            "/admin/settings",
            &[("head_snippet", "<script>x()</script>")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(site.store.settings().await.unwrap().head_snippet, "");

    // The editor's Embed button asks the server which provider an address is from.
    let res = site
        .admin_post(&ed, "/admin/embed", &[("url", YOUTUBE)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(json["provider"], "youtube");
    assert_eq!(json["name"], "YouTube");
    assert_eq!(json["id"], "dQw4w9WgXcQ");
    let res = site
        .admin_post(
            &ed,
            "/admin/embed",
            &[(
                "url",
                "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            )],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert!(json["error"].as_str().unwrap().contains("YouTube, Vimeo"));
    // Without the CSRF token, nothing.
    let res = site
        .post_form_with(
            "/admin/embed",
            &[("url", YOUTUBE)],
            "192.0.2.10",
            &[("cookie", &ed.cookie), ("origin", crate::support::ORIGIN)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn a_mastodon_post_adds_its_server_to_its_page_only(site: TestSite) {
    let ed = site.staff("eddie", Role::Editor).await;
    let url = publish(
        &site,
        &ed,
        "Toot",
        "<p>https://mastodon.social/@Gargron/109300000000000000</p>",
    )
    .await;
    let page = site.get(&url).await;
    assert_eq!(
        page.texts(".embed__load"),
        ["Load content from mastodon.social"]
    );
    assert!(
        directive(&csp(&page), "frame-src").ends_with(" https://mastodon.social"),
        "{}",
        csp(&page)
    );
    assert!(!csp(&site.get("/").await).contains("mastodon.social"));
    // Served again from the page cache, with the same policy.
    let again = site.get(&url).await;
    assert_eq!(
        again
            .headers
            .get("x-newsdesk-cache")
            .and_then(|v| v.to_str().ok()),
        Some("hit")
    );
    assert_eq!(csp(&again), csp(&page));
    assert_eq!(
        foreign_addresses(&without_embed_links(&page)),
        Vec::<String>::new()
    );
}

async fn a_preview_with_a_mastodon_post_keeps_the_admin_policy(site: TestSite) {
    site.settings(&[
        ("head_snippet", "<script>window.dataLayer = [];</script>"),
        ("extra_origins", "https://stats.example.com script"),
    ])
    .await;
    let ed = site.staff("eddie", Role::Editor).await;
    let id = saved_id(
        &save(
            &site,
            &ed,
            None,
            &[
                ("title", "Toot draft"),
                (
                    "body",
                    "<p>https://mastodon.social/@Gargron/109300000000000000</p>",
                ),
            ],
            "save",
        )
        .await,
    );
    let preview = site
        .admin_get(&ed, &format!("/admin/stories/{id}/preview"))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        !preview.texts(".embed__load").is_empty(),
        "{}",
        preview.body
    );
    let policy = csp(&preview);
    assert_eq!(
        directive(&policy, "frame-ancestors"),
        "frame-ancestors 'none'"
    );
    assert_eq!(directive(&policy, "script-src"), "script-src 'self'");
    assert!(!policy.contains("sha256-"), "{policy}");
    assert!(!policy.contains("mastodon.social"), "{policy}");
    assert_eq!(
        preview
            .headers
            .get_all("content-security-policy")
            .iter()
            .count(),
        1
    );
}
