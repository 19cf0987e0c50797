//! Embeds: a post, video, map or chart from another site, stored as provider + id + original
//! address, never as the provider's HTML.
//!
//! The stored form is one element the sanitizer allows:
//! `<figure class="embed" data-embed="youtube" data-embed-id="ID"><a href="URL">TITLE</a></figure>`.
//! [`canonical`] (run by the sanitizer on every story body) writes it from any embed figure or
//! paragraph holding nothing but an embeddable address, always from the address itself, so a
//! stored provider and id are ones this module parsed. The public page turns it into a
//! click-to-load card ([`facades`]); feeds and other readers get the link.

use std::fmt::Write as _;

use url::Url;

use super::html::{decode_entities, escape};

/// How the provider's player is shaped on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 16:9 video and maps.
    Wide,
    /// Social posts, a portrait box.
    Post,
    /// Audio players, a short strip.
    Audio,
    /// Charts: a tall box.
    Chart,
}

/// One provider: the addresses it accepts and the player its ids open.
pub struct Provider {
    /// Stored in `data-embed` and named in the `embed_providers` setting.
    pub key: &'static str,
    /// Shown to readers: "Load content from NAME".
    pub name: &'static str,
    /// Hosts its addresses may have (exact match, lower case); empty for any host (Mastodon).
    hosts: &'static [&'static str],
    /// The id in an address of an accepted host, if the address is one of its posts.
    id: fn(&Url) -> Option<String>,
    /// The address of its player for an id this provider parsed.
    player: fn(&str) -> String,
    /// An address of the post an id stands for, to check an id from outside by parsing it.
    address: fn(&str) -> String,
    /// The origins its player loads in a frame (`frame-src`); none for Mastodon, whose origin is
    /// the post's own server.
    pub frame_origins: &'static [&'static str],
    pub shape: Shape,
}

/// Every provider, by key. One table: adding a provider is adding a row.
pub static PROVIDERS: &[Provider] = &[
    Provider {
        key: "youtube",
        name: "YouTube",
        hosts: &[
            "youtube.com",
            "www.youtube.com",
            "m.youtube.com",
            "youtu.be",
            "www.youtube-nocookie.com",
        ],
        id: youtube_id,
        player: |id| format!("https://www.youtube-nocookie.com/embed/{id}"),
        address: |id| format!("https://youtu.be/{id}"),
        frame_origins: &["https://www.youtube-nocookie.com"],
        shape: Shape::Wide,
    },
    Provider {
        key: "vimeo",
        name: "Vimeo",
        hosts: &["vimeo.com", "www.vimeo.com", "player.vimeo.com"],
        id: vimeo_id,
        player: |id| format!("https://player.vimeo.com/video/{id}?dnt=1"),
        address: |id| format!("https://vimeo.com/{id}"),
        frame_origins: &["https://player.vimeo.com"],
        shape: Shape::Wide,
    },
    Provider {
        key: "x",
        name: "X (Twitter)",
        hosts: &[
            "x.com",
            "www.x.com",
            "twitter.com",
            "www.twitter.com",
            "mobile.twitter.com",
        ],
        id: x_id,
        player: |id| format!("https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true"),
        address: |id| format!("https://x.com/i/status/{id}"),
        frame_origins: &["https://platform.twitter.com"],
        shape: Shape::Post,
    },
    Provider {
        key: "instagram",
        name: "Instagram",
        hosts: &["instagram.com", "www.instagram.com"],
        id: instagram_id,
        player: |id| format!("https://www.instagram.com/{id}/embed/"),
        address: |id| format!("https://www.instagram.com/{id}/"),
        frame_origins: &["https://www.instagram.com"],
        shape: Shape::Post,
    },
    Provider {
        key: "tiktok",
        name: "TikTok",
        hosts: &["tiktok.com", "www.tiktok.com", "m.tiktok.com"],
        id: tiktok_id,
        player: |id| format!("https://www.tiktok.com/embed/v2/{id}"),
        address: |id| format!("https://www.tiktok.com/@_/video/{id}"),
        frame_origins: &["https://www.tiktok.com"],
        shape: Shape::Post,
    },
    Provider {
        key: "facebook",
        name: "Facebook",
        hosts: &["facebook.com", "www.facebook.com", "m.facebook.com"],
        id: facebook_id,
        player: |id| {
            let plugin = if id.contains("/videos/") {
                "video"
            } else {
                "post"
            };
            format!(
                "https://www.facebook.com/plugins/{plugin}.php?href=https%3A%2F%2Fwww.facebook.com%2F{}",
                id.replace('/', "%2F")
            )
        },
        address: |id| format!("https://www.facebook.com/{id}"),
        frame_origins: &["https://www.facebook.com"],
        shape: Shape::Post,
    },
    Provider {
        key: "bluesky",
        name: "Bluesky",
        hosts: &["bsky.app"],
        id: bluesky_id,
        player: |id| {
            let (actor, post) = id.split_once('/').unwrap_or((id, ""));
            format!("https://embed.bsky.app/embed/{actor}/app.bsky.feed.post/{post}")
        },
        address: |id| {
            let (actor, post) = id.split_once('/').unwrap_or((id, ""));
            format!("https://bsky.app/profile/{actor}/post/{post}")
        },
        frame_origins: &["https://embed.bsky.app"],
        shape: Shape::Post,
    },
    Provider {
        key: "mastodon",
        name: "Mastodon",
        hosts: &[],
        id: mastodon_id,
        player: |id| {
            // HOST/USER/NUMBER, as `mastodon_id` wrote it.
            let mut parts = id.splitn(3, '/');
            let (host, user, number) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            format!("https://{host}/@{user}/{number}/embed")
        },
        address: |id| {
            let mut parts = id.splitn(3, '/');
            let (host, user, number) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            format!("https://{host}/@{user}/{number}")
        },
        frame_origins: &[],
        shape: Shape::Post,
    },
    Provider {
        key: "soundcloud",
        name: "SoundCloud",
        hosts: &["soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"],
        id: soundcloud_id,
        player: |id| {
            format!(
                "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2F{}",
                id.replace('/', "%2F")
            )
        },
        address: |id| format!("https://soundcloud.com/{id}"),
        frame_origins: &["https://w.soundcloud.com"],
        shape: Shape::Audio,
    },
    Provider {
        key: "spotify",
        name: "Spotify",
        hosts: &["open.spotify.com"],
        id: spotify_id,
        player: |id| format!("https://open.spotify.com/embed/{id}"),
        address: |id| format!("https://open.spotify.com/{id}"),
        frame_origins: &["https://open.spotify.com"],
        shape: Shape::Audio,
    },
    Provider {
        key: "googlemaps",
        name: "Google Maps",
        hosts: &["www.google.com", "google.com", "maps.google.com"],
        id: google_maps_id,
        player: |id| match id.strip_prefix("pb:") {
            Some(pb) => format!("https://www.google.com/maps/embed?pb={pb}"),
            None => {
                let mut parts = id.split(',');
                let (lat, lng, zoom) = (
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                );
                format!("https://maps.google.com/maps?ll={lat},{lng}&z={zoom}&output=embed")
            }
        },
        address: |id| match id.strip_prefix("pb:") {
            Some(pb) => format!("https://www.google.com/maps/embed?pb={pb}"),
            None => format!("https://www.google.com/maps/@{id}z"),
        },
        frame_origins: &["https://www.google.com", "https://maps.google.com"],
        shape: Shape::Wide,
    },
    Provider {
        key: "datawrapper",
        name: "Datawrapper",
        hosts: &[
            "datawrapper.dwcdn.net",
            "www.datawrapper.de",
            "datawrapper.de",
        ],
        id: datawrapper_id,
        player: |id| format!("https://datawrapper.dwcdn.net/{id}/"),
        address: |id| format!("https://datawrapper.dwcdn.net/{id}/"),
        frame_origins: &["https://datawrapper.dwcdn.net"],
        shape: Shape::Chart,
    },
    Provider {
        key: "flourish",
        name: "Flourish",
        hosts: &["public.flourish.studio", "flo.uri.sh"],
        id: flourish_id,
        player: |id| format!("https://flo.uri.sh/{id}/embed"),
        address: |id| format!("https://public.flourish.studio/{id}/"),
        frame_origins: &["https://flo.uri.sh"],
        shape: Shape::Chart,
    },
];

/// The provider with this key.
pub fn provider(key: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.key == key)
}

/// The player for an id that came from outside (a reader's request): only an id the
/// provider's parser gives for the post it stands for.
///
/// A Mastodon post on `own_host` (the site's own host) has none: the site is not a server
/// whose posts its pages frame.
pub fn player_for(provider: &'static Provider, id: &str, own_host: Option<&str>) -> Option<String> {
    if id.is_empty() || id.len() > 1600 {
        return None;
    }
    let embed = Embed::parse(&(provider.address)(id))?;
    (embed.provider.key == provider.key && embed.id == id && !embed.is_on(own_host))
        .then(|| embed.player())
}

/// An embeddable address: its provider, the id in it, and the address as written (normalized).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub provider: &'static Provider,
    pub id: String,
    pub url: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)
    }
}

impl PartialEq for Provider {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Provider {}

impl Embed {
    /// Parses an address into an embed, or `None` when it is not a post, video, map or chart of
    /// a known provider. Only `https` (and `http`, stored as `https`) addresses on the
    /// provider's own hosts, without user names or unusual ports, are accepted, and every id
    /// is checked against the characters its provider uses.
    pub fn parse(address: &str) -> Option<Embed> {
        let address = address.trim();
        if address.len() > 2000 || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let mut url = Url::parse(address).ok()?;
        match url.scheme() {
            "https" => {}
            "http" => url.set_scheme("https").ok()?,
            _ => return None,
        }
        if !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
            return None;
        }
        let host = match url.host()? {
            url::Host::Domain(d) => d.to_ascii_lowercase(),
            _ => return None,
        };
        // Mastodon (no hosts of its own: any server) is tried when no other provider has the host.
        let provider = PROVIDERS.iter().find(|p| p.hosts.contains(&host.as_str()));
        let provider = provider.or_else(|| PROVIDERS.iter().find(|p| p.hosts.is_empty()))?;
        let id = (provider.id)(&url)?;
        Some(Embed {
            provider,
            id,
            url: url.to_string(),
        })
    }

    /// The server a post of a provider without hosts of its own (Mastodon) is on; `None` for
    /// the others.
    pub fn server(&self) -> Option<&str> {
        self.provider
            .hosts
            .is_empty()
            .then(|| self.id.split('/').next().unwrap_or(""))
    }

    /// Whether this is a post on the server `host` (the site's own host, so never framed).
    pub fn is_on(&self, host: Option<&str>) -> bool {
        match (self.server(), host) {
            (Some(server), Some(host)) => server.eq_ignore_ascii_case(host),
            _ => false,
        }
    }

    /// Who readers are told the content comes from: the provider's name, or the server of a
    /// Mastodon post (any server can be one).
    pub fn source(&self) -> &str {
        self.server().unwrap_or(self.provider.name)
    }

    /// The provider's player, for this id.
    pub fn player(&self) -> String {
        (self.provider.player)(&self.id)
    }

    /// The origins the player is framed from: the provider's, or a Mastodon post's server.
    pub fn frame_origins(&self) -> Vec<String> {
        if self.provider.frame_origins.is_empty() {
            let host = self.id.split('/').next().unwrap_or("");
            vec![format!("https://{host}")]
        } else {
            self.provider
                .frame_origins
                .iter()
                .map(|o| (*o).to_owned())
                .collect()
        }
    }

    /// The stored form, with `title` (plain text) as the link's text, or the address when empty.
    pub fn stored_html(&self, title: &str) -> String {
        let title = title.trim();
        let text = if title.is_empty() {
            self.url.as_str()
        } else {
            title
        };
        format!(
            "<figure class=\"embed\" data-embed=\"{}\" data-embed-id=\"{}\"><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></figure>",
            self.provider.key,
            escape(&self.id),
            escape(&self.url),
            escape(text)
        )
    }
}

// Ids ------------------------------------------------------------------------------------------

fn all(s: &str, allowed: impl Fn(char) -> bool, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.chars().all(allowed)
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn digits(s: &str, max: usize) -> bool {
    all(s, |c| c.is_ascii_digit(), max)
}

/// The path's segments, without empty ones (a trailing slash).
fn segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn youtube_id(url: &Url) -> Option<String> {
    let seg = segments(url);
    let id = if url.host_str() == Some("youtu.be") {
        seg.first().map(|s| (*s).to_owned())
    } else {
        match seg.as_slice() {
            ["watch"] => query(url, "v"),
            ["embed" | "shorts" | "live" | "v", id] => Some((*id).to_owned()),
            _ => None,
        }
    }?;
    (id.len() == 11 && all(&id, word, 11)).then_some(id)
}

fn vimeo_id(url: &Url) -> Option<String> {
    let seg = segments(url);
    let id = match seg.as_slice() {
        [id] | ["video", id] | ["channels", _, id] | [id, _] => *id,
        _ => return None,
    };
    digits(id, 12).then(|| id.to_owned())
}

fn x_id(url: &Url) -> Option<String> {
    match segments(url).as_slice() {
        [user, "status", id, ..] if all(user, word, 50) && digits(id, 20) => Some((*id).to_owned()),
        _ => None,
    }
}

fn instagram_id(url: &Url) -> Option<String> {
    match segments(url).as_slice() {
        [kind @ ("p" | "reel" | "tv"), id, ..] if all(id, word, 40) => Some(format!("{kind}/{id}")),
        _ => None,
    }
}

fn tiktok_id(url: &Url) -> Option<String> {
    match segments(url).as_slice() {
        [user, "video", id]
            if user.starts_with('@')
                && all(&user[1..], |c| word(c) || c == '.', 50)
                && digits(id, 25) =>
        {
            Some((*id).to_owned())
        }
        _ => None,
    }
}

fn facebook_id(url: &Url) -> Option<String> {
    let name = |s: &str| all(s, |c| c.is_ascii_alphanumeric() || c == '.' || c == '-', 80);
    match segments(url).as_slice() {
        [page, kind @ ("posts" | "videos"), id]
            if name(page) && all(id, |c| c.is_ascii_alphanumeric(), 60) =>
        {
            Some(format!("{page}/{kind}/{id}"))
        }
        _ => None,
    }
}

fn bluesky_id(url: &Url) -> Option<String> {
    match segments(url).as_slice() {
        ["profile", actor, "post", post]
            if all(
                actor,
                |c| c.is_ascii_alphanumeric() || ".-:".contains(c),
                253,
            ) && all(post, |c| c.is_ascii_alphanumeric(), 20) =>
        {
            Some(format!("{}/{post}", actor.to_ascii_lowercase()))
        }
        _ => None,
    }
}

fn mastodon_id(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let labels_ok = host.contains('.')
        && host.split('.').all(|l| {
            all(l, |c| c.is_ascii_alphanumeric() || c == '-', 63)
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if !labels_ok {
        return None;
    }
    match segments(url).as_slice() {
        [user, id]
            if user.starts_with('@')
                && all(&user[1..], |c| c.is_ascii_alphanumeric() || c == '_', 30)
                && digits(id, 20) =>
        {
            Some(format!("{host}/{}/{id}", &user[1..]))
        }
        _ => None,
    }
}

fn soundcloud_id(url: &Url) -> Option<String> {
    let name = |s: &str| all(s, word, 100);
    match segments(url).as_slice() {
        [user, track]
            if name(user)
                && name(track)
                && !["sets", "likes", "tracks", "albums"].contains(track) =>
        {
            Some(format!("{user}/{track}"))
        }
        [user, "sets", set] if name(user) && name(set) => Some(format!("{user}/sets/{set}")),
        _ => None,
    }
}

fn spotify_id(url: &Url) -> Option<String> {
    let seg = segments(url);
    let seg = match seg.as_slice() {
        [locale, rest @ ..] if locale.starts_with("intl-") => rest.to_vec(),
        _ => seg,
    };
    match seg.as_slice() {
        [
            kind @ ("track" | "album" | "playlist" | "episode" | "show" | "artist"),
            id,
        ] if id.len() == 22 && all(id, |c| c.is_ascii_alphanumeric(), 22) => {
            Some(format!("{kind}/{id}"))
        }
        _ => None,
    }
}

fn google_maps_id(url: &Url) -> Option<String> {
    let seg = segments(url);
    if seg.first() != Some(&"maps") {
        return None;
    }
    if seg.as_slice() == ["maps", "embed"] {
        let pb = query(url, "pb")?;
        return all(
            &pb,
            |c| c.is_ascii_alphanumeric() || "!.-_".contains(c),
            1500,
        )
        .then(|| format!("pb:{pb}"));
    }
    // `/maps/@LAT,LNG,ZOOMz` or `/maps/place/NAME/@LAT,LNG,ZOOMz/…`: the view's centre and zoom.
    let at = seg.iter().find_map(|s| s.strip_prefix('@'))?;
    let mut parts = at.split(',');
    let lat: f64 = parts.next()?.parse().ok()?;
    let lng: f64 = parts.next()?.parse().ok()?;
    let zoom: f64 = parts.next()?.strip_suffix('z')?.parse().ok()?;
    let ok = (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lng)
        && (1.0..=21.0).contains(&zoom);
    ok.then(|| format!("{lat},{lng},{}", zoom.round()))
}

fn datawrapper_id(url: &Url) -> Option<String> {
    let chart = |s: &str| s.len() == 5 && all(s, |c| c.is_ascii_alphanumeric(), 5);
    let seg = segments(url);
    if url.host_str() == Some("datawrapper.dwcdn.net") {
        match seg.as_slice() {
            [id] if chart(id) => Some((*id).to_owned()),
            [id, version] if chart(id) && digits(version, 4) => Some(format!("{id}/{version}")),
            _ => None,
        }
    } else {
        match seg.as_slice() {
            ["_", id] if chart(id) => Some((*id).to_owned()),
            _ => None,
        }
    }
}

fn flourish_id(url: &Url) -> Option<String> {
    match segments(url).as_slice() {
        [kind @ ("visualisation" | "story"), id, ..] if digits(id, 12) => {
            Some(format!("{kind}/{id}"))
        }
        _ => None,
    }
}

// Stored form ------------------------------------------------------------------------------------

/// A start tag in sanitized HTML: its attributes, decoded.
fn attributes(tag: &str) -> Vec<(String, String)> {
    // Sanitizer output quotes every value with `"` and escapes `"` inside it.
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq]
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or("")
            .to_owned();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        out.push((name, decode_entities(&after[..end])));
        rest = &after[end + 1..];
    }
    out
}

/// The text of sanitized inline HTML, tags removed and entities decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode_entities(&out)
}

/// The end of the element whose start tag ends at `from`: the index after its `</figure>`, with
/// nested figures counted.
fn figure_end(html: &str, from: usize) -> Option<(usize, usize)> {
    let mut depth = 1;
    let mut i = from;
    loop {
        let open = html[i..].find("<figure").map(|j| i + j);
        let close = html[i..].find("</figure>").map(|j| i + j)?;
        match open {
            Some(o) if o < close => {
                depth += 1;
                i = o + 7;
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some((close, close + "</figure>".len()));
                }
                i = close + 9;
            }
        }
    }
}

/// The first link in sanitized HTML: its address and text.
fn first_link(html: &str) -> Option<(String, String)> {
    let start = html.find("<a ")?;
    let tag_end = start + html[start..].find('>')?;
    let href = attributes(&html[start..tag_end])
        .into_iter()
        .find(|(n, _)| n == "href")?
        .1;
    let close = tag_end + html[tag_end..].find("</a>")?;
    Some((href, text_of(&html[tag_end + 1..close])))
}

/// The embed a paragraph stands for, when it holds only an embeddable address (as text, or
/// as a link whose text is the address).
fn paragraph_embed(inner: &str) -> Option<Embed> {
    let inner = inner.trim();
    if inner.is_empty() || inner.len() > 2100 {
        return None;
    }
    let address = if inner.starts_with("<a ") && inner.ends_with("</a>") {
        let (href, text) = first_link(inner)?;
        if inner.matches("<a ").count() != 1 || text.trim() != href {
            return None;
        }
        href
    } else if inner.contains('<') {
        return None;
    } else {
        decode_entities(inner)
    };
    if !address.starts_with("https://") && !address.starts_with("http://") {
        return None;
    }
    Embed::parse(&address)
}

/// Rewrites sanitized HTML so that every embed is in its stored form: a paragraph holding
/// only an embeddable address becomes an embed, an embed figure is written again from its
/// link's address (its title kept), and a figure claiming to be an embed whose link is not an
/// embeddable address loses the claim and keeps its content.
///
/// Nothing inside a link is converted: an embed's card holds a link of its own, and a link
/// inside a link is rebuilt differently by the next parse.
pub fn canonical(html: &str) -> String {
    canonical_in(html, false)
}

/// How many `<a>` elements are open at a point of sanitized HTML, read tag by tag from the
/// start (a `>` or `<a ` inside a quoted attribute value is not a tag).
struct LinkDepth {
    pos: usize,
    depth: usize,
}

impl LinkDepth {
    fn at(&mut self, html: &str, to: usize) -> usize {
        let b = html.as_bytes();
        while self.pos < to {
            let Some(lt) = html[self.pos..to].find('<').map(|j| self.pos + j) else {
                self.pos = to;
                break;
            };
            let end = start_tag_end(html, lt).map_or(html.len(), |e| e + 1);
            let name_end = b[lt + 1..]
                .iter()
                .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
                .map_or(b.len(), |j| lt + 1 + j);
            if &html[lt + 1..name_end] == "a" {
                self.depth += 1;
            } else if html[lt..].starts_with("</a>") {
                self.depth = self.depth.saturating_sub(1);
            }
            self.pos = end;
        }
        self.depth
    }
}

/// The index of the `>` ending the tag that starts at `lt`, past quoted attribute values.
fn start_tag_end(html: &str, lt: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html[lt..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(lt + i),
            _ => {}
        }
    }
    None
}

fn canonical_in(html: &str, in_link: bool) -> String {
    if !html.contains("<p>") && !html.contains("<figure ") {
        return html.to_owned();
    }
    let mut links = LinkDepth {
        pos: 0,
        depth: usize::from(in_link),
    };
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let p = rest.find("<p>");
        let f = rest.find("<figure ");
        let (at, is_p) = match (p, f) {
            (Some(p), Some(f)) => (p.min(f), p < f),
            (Some(p), None) => (p, true),
            (None, Some(f)) => (f, false),
            (None, None) => break,
        };
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        let linked = links.at(html, html.len() - here.len()) > 0;
        if is_p {
            let Some(end) = here.find("</p>") else {
                out.push_str(here);
                rest = "";
                break;
            };
            let inner = &here[3..end];
            match paragraph_embed(inner).filter(|_| !linked) {
                Some(embed) => out.push_str(&embed.stored_html("")),
                None => out.push_str(&here[..end + 4]),
            }
            rest = &here[end + 4..];
            continue;
        }
        let Some(tag_end) = start_tag_end(here, 0) else {
            out.push_str(here);
            rest = "";
            break;
        };
        let attrs = attributes(&here[..tag_end]);
        let is_embed = attrs
            .iter()
            .any(|(n, v)| n == "class" && v.split_whitespace().any(|c| c == "embed"))
            || attrs.iter().any(|(n, _)| n.starts_with("data-embed"));
        if !is_embed {
            out.push_str(&here[..tag_end + 1]);
            rest = &here[tag_end + 1..];
            continue;
        }
        let Some((close, after)) = figure_end(here, tag_end + 1) else {
            out.push_str(here);
            rest = "";
            break;
        };
        let inner = &here[tag_end + 1..close];
        let claim = if linked { None } else { first_link(inner) };
        match claim.and_then(|(href, text)| {
            Embed::parse(&href).map(|e| {
                (
                    e,
                    if text.trim() == href {
                        String::new()
                    } else {
                        text
                    },
                )
            })
        }) {
            Some((embed, title)) => out.push_str(&embed.stored_html(&title)),
            None => {
                out.push_str("<figure>");
                let inner_linked = links.at(html, html.len() - here.len() + tag_end + 1) > 0;
                out.push_str(&canonical_in(inner, inner_linked));
                out.push_str("</figure>");
            }
        }
        rest = &here[after..];
    }
    out.push_str(rest);
    out
}

/// Stored HTML without its embeds, for text made from a body (excerpts, descriptions): an
/// embed's link is not part of what the story says.
pub fn without_embeds(html: &str) -> std::borrow::Cow<'_, str> {
    const START: &str = "<figure class=\"embed\"";
    if !html.contains(START) {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(START) {
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        match here
            .find('>')
            .and_then(|tag_end| figure_end(here, tag_end + 1))
        {
            Some((_, after)) => rest = &here[after..],
            None => {
                rest = here;
                break;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

// The public page ---------------------------------------------------------------------------

/// Which providers play on the page; the others show as links.
pub trait Enabled {
    fn plays(&self, key: &str) -> bool;

    /// The site's own host: a Mastodon post on it shows as a link, never a frame.
    fn own_host(&self) -> Option<&str> {
        None
    }
}

/// The enabled providers and the site's own host.
pub struct Players<'a> {
    pub providers: &'a [String],
    pub own_host: Option<&'a str>,
}

impl Enabled for Players<'_> {
    fn plays(&self, key: &str) -> bool {
        self.providers.plays(key)
    }

    fn own_host(&self) -> Option<&str> {
        self.own_host
    }
}

impl Enabled for [String] {
    fn plays(&self, key: &str) -> bool {
        self.iter().any(|k| k == key)
    }
}

/// A stored body with its embeds as click-to-load cards, and the frame origins of the
/// per-post servers (Mastodon) it shows, for the page's `frame-src`.
pub struct Facades {
    pub html: String,
    pub frame_origins: Vec<String>,
}

/// Turns the stored embeds of a body into click-to-load cards: the provider's name, the
/// title or address as a link, and a button (shown by the theme's script) that loads the
/// player through `/embed/player`. Nothing in the card comes from the provider, so the page
/// makes no request to it before the reader asks. Embeds of disabled providers stay links.
pub fn facades(body: &str, enabled: &(impl Enabled + ?Sized)) -> Facades {
    let mut frame_origins = Vec::new();
    if !body.contains("<figure class=\"embed\"") {
        return Facades {
            html: body.to_owned(),
            frame_origins,
        };
    }
    let mut out = String::with_capacity(body.len() + 512);
    let mut rest = body;
    while let Some(at) = rest.find("<figure class=\"embed\"") {
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        let tag_end = here.find('>').unwrap_or(here.len() - 1);
        let Some((close, after)) = figure_end(here, tag_end + 1) else {
            // Never closed: the rest is kept as it is, once.
            rest = here;
            break;
        };
        let stored = attributes(&here[..tag_end]);
        let key = stored
            .iter()
            .find(|(n, _)| n == "data-embed")
            .map(|(_, v)| v.as_str());
        let card = first_link(&here[tag_end + 1..close]).and_then(|(href, text)| {
            Embed::parse(&href)
                .filter(|e| {
                    Some(e.provider.key) == key
                        && enabled.plays(e.provider.key)
                        && !e.is_on(enabled.own_host())
                })
                .map(|e| (e, text))
        });
        match card {
            Some((embed, text)) => {
                for origin in embed.frame_origins() {
                    if embed.provider.frame_origins.is_empty() && !frame_origins.contains(&origin) {
                        frame_origins.push(origin);
                    }
                }
                card_html(&mut out, &embed, &text);
            }
            None => out.push_str(&here[..after]),
        }
        rest = &here[after..];
    }
    out.push_str(rest);
    Facades {
        html: out,
        frame_origins,
    }
}

/// What is encoded in a query value: ids hold only letters, digits and `_.,:!@/-`, which stay.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?');

fn card_html(out: &mut String, embed: &Embed, text: &str) {
    let p = embed.provider;
    let shape = match p.shape {
        Shape::Wide => "wide",
        Shape::Post => "post",
        Shape::Audio => "audio",
        Shape::Chart => "chart",
    };
    let titled = !text.trim().is_empty() && text.trim() != embed.url;
    let title = if titled {
        text.trim()
    } else {
        embed.url.as_str()
    };
    // Who the content comes from: the provider, or for Mastodon (any server) the server too.
    let name = match embed.server() {
        Some(server) => format!("{} ({server})", p.name),
        None => p.name.to_owned(),
    };
    let source = embed.source();
    // The frame's accessible name: the title, never the provider's address.
    let frame_title = if titled {
        format!("{name}: {title}")
    } else {
        format!("Content from {source}")
    };
    let player = format!(
        "/embed/player?provider={}&id={}",
        p.key,
        percent_encoding::utf8_percent_encode(&embed.id, QUERY_VALUE)
    );
    let _ = write!(
        out,
        "<figure class=\"embed embed--{shape}\" data-embed=\"{key}\" data-embed-player=\"{player}\" data-embed-title=\"{frame_title}\">\
<p class=\"embed__provider\">{name}</p>\
<p class=\"embed__title\"><a href=\"{url}\" rel=\"noopener noreferrer\">{title}</a></p>\
<p class=\"embed__note\">Loading it lets {source} see your visit and set cookies.</p>\
<button type=\"button\" class=\"embed__load\" hidden>Load content from {source}</button>\
</figure>",
        key = p.key,
        player = escape(&player),
        name = escape(&name),
        source = escape(source),
        frame_title = escape(&frame_title),
        url = escape(&embed.url),
        title = escape(title),
    );
}

#[cfg(test)]
mod tests;
