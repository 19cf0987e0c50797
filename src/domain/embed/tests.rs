use super::*;

fn id(address: &str) -> Option<(&'static str, String)> {
    Embed::parse(address).map(|e| (e.provider.key, e.id))
}

fn some(key: &'static str, id_: &str) -> Option<(&'static str, String)> {
    Some((key, id_.to_owned()))
}

#[test]
fn every_provider_recognises_its_addresses() {
    let cases = [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
            some("youtube", "dQw4w9WgXcQ"),
        ),
        (
            "https://youtu.be/dQw4w9WgXcQ",
            some("youtube", "dQw4w9WgXcQ"),
        ),
        (
            "http://m.youtube.com/shorts/dQw4w9WgXcQ",
            some("youtube", "dQw4w9WgXcQ"),
        ),
        ("https://vimeo.com/76979871", some("vimeo", "76979871")),
        (
            "https://player.vimeo.com/video/76979871",
            some("vimeo", "76979871"),
        ),
        (
            "https://x.com/newsdesk/status/1234567890123",
            some("x", "1234567890123"),
        ),
        ("https://twitter.com/jack/status/20", some("x", "20")),
        (
            "https://www.instagram.com/p/C0aBc-d_E/",
            some("instagram", "p/C0aBc-d_E"),
        ),
        (
            "https://www.instagram.com/reel/Abc123/",
            some("instagram", "reel/Abc123"),
        ),
        (
            "https://www.tiktok.com/@scout.news/video/7234567890123456789",
            some("tiktok", "7234567890123456789"),
        ),
        (
            "https://www.facebook.com/NewsPage/posts/pfbid0abc",
            some("facebook", "NewsPage/posts/pfbid0abc"),
        ),
        (
            "https://www.facebook.com/NewsPage/videos/123456",
            some("facebook", "NewsPage/videos/123456"),
        ),
        (
            "https://bsky.app/profile/news.example.com/post/3kabcdef2",
            some("bluesky", "news.example.com/3kabcdef2"),
        ),
        (
            "https://mastodon.social/@Gargron/109300000000000000",
            some("mastodon", "mastodon.social/Gargron/109300000000000000"),
        ),
        (
            "https://soundcloud.com/artist-name/track_name",
            some("soundcloud", "artist-name/track_name"),
        ),
        (
            "https://soundcloud.com/artist/sets/album",
            some("soundcloud", "artist/sets/album"),
        ),
        (
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            some("spotify", "track/4uLU6hMCjMI75M1A2tKUQC"),
        ),
        (
            "https://open.spotify.com/intl-de/album/4uLU6hMCjMI75M1A2tKUQC",
            some("spotify", "album/4uLU6hMCjMI75M1A2tKUQC"),
        ),
        (
            "https://www.google.com/maps/@52.52,13.405,12z",
            some("googlemaps", "52.52,13.405,12"),
        ),
        (
            "https://www.google.com/maps/place/Berlin/@52.52,13.405,11z/data=x",
            some("googlemaps", "52.52,13.405,11"),
        ),
        (
            "https://www.google.com/maps/embed?pb=!1m18!1m12",
            some("googlemaps", "pb:!1m18!1m12"),
        ),
        (
            "https://datawrapper.dwcdn.net/AbC12/3/",
            some("datawrapper", "AbC12/3"),
        ),
        (
            "https://www.datawrapper.de/_/AbC12/",
            some("datawrapper", "AbC12"),
        ),
        (
            "https://public.flourish.studio/visualisation/1234567/",
            some("flourish", "visualisation/1234567"),
        ),
        (
            "https://public.flourish.studio/story/42/",
            some("flourish", "story/42"),
        ),
    ];
    for (address, want) in &cases {
        assert_eq!(&id(address), want, "{address}");
    }
    // Every provider has at least one address above.
    for p in PROVIDERS {
        assert!(
            cases
                .iter()
                .any(|(_, w)| w.as_ref().is_some_and(|(k, _)| *k == p.key)),
            "{}",
            p.key
        );
    }
}

#[test]
fn hostile_and_foreign_addresses_are_refused() {
    for address in [
        "javascript:alert(1)//https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "JavaScript://www.youtube.com/%0aalert(1)",
        "data:text/html,https://youtu.be/dQw4w9WgXcQ",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://evil.example/youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
        "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgX\"Q",
        "https://www.youtube.com/watch?v=dQw4'9WgXcQ",
        "https://www.youtube.com/watch?v=%22onload%3D",
        "https://youtu.be/dQw4w9WgXcQ<script>",
        "https://youtu.be/short",
        "https://vimeo.com/12ab",
        "https://x.com/user/status/12\"3",
        "https://x.com/user/likes",
        "https://www.instagram.com/p/a\"b/",
        "https://open.spotify.com/track/tooshort",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQ\"",
        "https://bsky.app/profile/a\"b/post/x",
        "https://evil/@user/123",
        "https://127.0.0.1/@user/123",
        "https://mastodon.social/@us\"er/123",
        "https://mastodon.social/@user/12a",
        "https://www.google.com/search?q=maps",
        "https://www.google.com/maps/@91,13,12z",
        "https://www.google.com/maps/embed?pb=\"><script>",
        "https://datawrapper.dwcdn.net/AbC1/",
        "https://public.flourish.studio/visualisation/12a/",
        "ftp://youtu.be/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ with words",
        "",
    ] {
        assert_eq!(id(address), None, "{address}");
    }
}

#[test]
fn ids_only_hold_their_providers_characters() {
    // Whatever is accepted, what goes into attributes and players is plain.
    for p in PROVIDERS {
        assert!(p.key.chars().all(|c| c.is_ascii_lowercase()));
    }
    let e = Embed::parse("https://youtu.be/dQw4w9WgXcQ?x=\"a'b<c>").unwrap();
    assert_eq!(e.id, "dQw4w9WgXcQ");
    assert!(!e.url.contains(['"', '\'', '<', '>']), "{}", e.url);
    assert_eq!(
        e.player(),
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    );
}

#[test]
fn players_use_their_providers_origins() {
    for address in [
        "https://youtu.be/dQw4w9WgXcQ",
        "https://vimeo.com/76979871",
        "https://x.com/a/status/1",
        "https://www.instagram.com/p/abc/",
        "https://www.tiktok.com/@a/video/1",
        "https://www.facebook.com/a/posts/1",
        "https://bsky.app/profile/a.b/post/x1",
        "https://mastodon.social/@a/1",
        "https://soundcloud.com/a/b",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://www.google.com/maps/@1,2,3z",
        "https://www.google.com/maps/embed?pb=!1m2",
        "https://datawrapper.dwcdn.net/AbC12/",
        "https://flo.uri.sh/visualisation/1/embed",
    ] {
        let e = Embed::parse(address).unwrap_or_else(|| panic!("{address}"));
        let player = e.player();
        assert!(
            e.frame_origins()
                .iter()
                .any(|o| player.starts_with(&format!("{o}/"))),
            "{address}: {player}"
        );
    }
}

#[test]
fn paragraphs_of_one_address_become_embeds_and_the_result_is_stable() {
    let html = "<p>Intro</p><p>https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1</p>\
        <p><a href=\"https://vimeo.com/76979871\" rel=\"noopener noreferrer\">https://vimeo.com/76979871</a></p>\
        <p>See https://vimeo.com/76979871 here</p><p>https://example.org/</p>";
    let out = canonical(html);
    assert_eq!(
        out,
        "<p>Intro</p><figure class=\"embed\" data-embed=\"youtube\" data-embed-id=\"dQw4w9WgXcQ\">\
<a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1\" rel=\"noopener noreferrer\">https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1</a></figure>\
<figure class=\"embed\" data-embed=\"vimeo\" data-embed-id=\"76979871\"><a href=\"https://vimeo.com/76979871\" rel=\"noopener noreferrer\">https://vimeo.com/76979871</a></figure>\
<p>See https://vimeo.com/76979871 here</p><p>https://example.org/</p>"
    );
    assert_eq!(canonical(&out), out);
}

#[test]
fn an_embed_figure_is_written_again_from_its_address() {
    // A forged provider or id is replaced by what the address says; the title is kept.
    let forged = "<figure class=\"embed\" data-embed=\"vimeo\" data-embed-id=\"x&quot; onload\">\
        <a href=\"https://youtu.be/dQw4w9WgXcQ\">A &amp; B</a><figcaption>dropped</figcaption></figure>";
    assert_eq!(
        canonical(forged),
        "<figure class=\"embed\" data-embed=\"youtube\" data-embed-id=\"dQw4w9WgXcQ\">\
<a href=\"https://youtu.be/dQw4w9WgXcQ\" rel=\"noopener noreferrer\">A &amp; B</a></figure>"
    );
    // Not an embeddable address: the figure keeps its content and loses the claim.
    assert_eq!(
        canonical(
            "<figure class=\"embed\" data-embed=\"youtube\"><a href=\"https://evil.example/\">x</a></figure>"
        ),
        "<figure><a href=\"https://evil.example/\">x</a></figure>"
    );
}

#[test]
fn facades_carry_no_third_party_address_but_the_link() {
    let stored =
        canonical("<p>https://youtu.be/dQw4w9WgXcQ</p><p>https://mastodon.social/@a/1</p>");
    let all: Vec<String> = PROVIDERS.iter().map(|p| p.key.to_owned()).collect();
    let f = facades(&stored, all.as_slice());
    assert!(f.html.contains("<button type=\"button\" class=\"embed__load\" hidden>Load content from YouTube</button>"), "{}", f.html);
    assert!(
        f.html
            .contains("data-embed-player=\"/embed/player?provider=youtube&amp;id=dQw4w9WgXcQ\""),
        "{}",
        f.html
    );
    assert!(!f.html.contains("youtube-nocookie"), "{}", f.html);
    assert_eq!(f.frame_origins, ["https://mastodon.social"]);
    // A disabled provider stays a link.
    let only_vimeo = vec!["vimeo".to_owned()];
    let f = facades(&stored, only_vimeo.as_slice());
    assert_eq!(f.html, stored);
    assert!(f.frame_origins.is_empty());
}

#[test]
fn the_themes_script_loads_players_through_the_site() {
    let script = include_str!("../../../themes/default/static/site.js");
    assert!(
        script.contains("data-embed-player"),
        "site.js must load embeds"
    );
}

#[test]
fn an_id_from_outside_gets_a_player_only_when_its_provider_would_parse_it() {
    for p in PROVIDERS {
        let sample = [
            "https://youtu.be/dQw4w9WgXcQ",
            "https://vimeo.com/76979871",
            "https://x.com/a/status/1",
            "https://www.instagram.com/p/abc/",
            "https://www.tiktok.com/@a/video/1",
            "https://www.facebook.com/a/posts/1",
            "https://bsky.app/profile/a.b/post/x1",
            "https://mastodon.social/@a/1",
            "https://soundcloud.com/a/b",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://www.google.com/maps/@1.5,2,3z",
            "https://datawrapper.dwcdn.net/AbC12/",
            "https://flo.uri.sh/visualisation/1/embed",
        ]
        .into_iter()
        .filter_map(Embed::parse)
        .find(|e| e.provider.key == p.key)
        .unwrap_or_else(|| panic!("{}", p.key));
        assert_eq!(
            player_for(p, &sample.id, None),
            Some(sample.player()),
            "{}",
            p.key
        );
    }
    let youtube = provider("youtube").unwrap();
    let mastodon = provider("mastodon").unwrap();
    assert_eq!(player_for(youtube, "../../x", None), None);
    assert_eq!(player_for(youtube, "dQw4w9WgXcQ?x", None), None);
    assert_eq!(player_for(mastodon, "www.youtube.com/a/1", None), None);
    assert_eq!(player_for(mastodon, "evil.example/a/1/../../x", None), None);
}

#[test]
fn text_made_from_a_body_leaves_embeds_out() {
    let stored = canonical("<p>Before</p><p>https://youtu.be/dQw4w9WgXcQ</p><p>After</p>");
    assert_eq!(without_embeds(&stored), "<p>Before</p><p>After</p>");
}

#[test]
fn a_figure_never_closed_is_kept_once() {
    let all: Vec<String> = PROVIDERS.iter().map(|p| p.key.to_owned()).collect();
    let body = "<p>Before</p><figure class=\"embed\" data-embed=\"youtube\"><a href=\"https://youtu.be/dQw4w9WgXcQ\">x</a>";
    assert_eq!(facades(body, all.as_slice()).html, body);
    let closed = canonical("<p>https://youtu.be/dQw4w9WgXcQ</p>");
    let body = format!("<p>Before</p>{closed}<p>Between</p>{}", &body[12..]);
    let html = facades(&body, all.as_slice()).html;
    assert_eq!(html.matches("Before").count(), 1, "{html}");
    assert_eq!(html.matches("Between").count(), 1, "{html}");
    assert!(html.ends_with(&body[body.len() - 60..]), "{html}");
}

#[test]
fn a_mastodon_card_names_its_server_and_the_sites_own_host_is_no_server() {
    let all: Vec<String> = PROVIDERS.iter().map(|p| p.key.to_owned()).collect();
    let stored = canonical("<p>https://mastodon.social/@Gargron/109300000000000000</p>");
    let f = facades(&stored, all.as_slice());
    assert!(
        f.html
            .contains(">Load content from mastodon.social</button>"),
        "{}",
        f.html
    );
    assert!(
        f.html.contains(">Mastodon (mastodon.social)</p>"),
        "{}",
        f.html
    );
    assert!(
        f.html
            .contains("data-embed-title=\"Content from mastodon.social\""),
        "{}",
        f.html
    );
    // On the site's own host: a link, no frame origin, no player.
    let ours = Players {
        providers: &all,
        own_host: Some("news.example"),
    };
    let stored = canonical("<p>https://news.example/@staff/109300000000000000</p>");
    let f = facades(&stored, &ours);
    assert_eq!(f.html, stored);
    assert!(f.frame_origins.is_empty());
    let mastodon = provider("mastodon").unwrap();
    assert_eq!(
        player_for(
            mastodon,
            "news.example/staff/109300000000000000",
            Some("news.example")
        ),
        None
    );
    assert!(player_for(mastodon, "news.example/staff/109300000000000000", None).is_some());
    // A host without a dot is no server.
    assert_eq!(
        Embed::parse("https://localhost/@a/109300000000000000"),
        None
    );
    assert_eq!(Embed::parse("https://intranet/@a/109300000000000000"), None);
}
