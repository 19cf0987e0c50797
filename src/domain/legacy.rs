//! Old WordPress addresses and ids: how an old address is written down, so that the address a
//! reader follows and the one the export recorded meet whatever their spelling (with or without
//! the trailing slash, percent-encoded or not, upper or lower case), and what it may point at.

/// What an old address leads to (`legacy_urls.target_kind`): a row, not a URL, so a later
/// change of slug or parent is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LegacyTarget {
    Story,
    Page,
    Media,
    Section,
    Tag,
    Author,
}

impl LegacyTarget {
    pub fn parse(s: &str) -> Option<LegacyTarget> {
        Some(match s {
            "story" => LegacyTarget::Story,
            "page" => LegacyTarget::Page,
            "media" => LegacyTarget::Media,
            "section" => LegacyTarget::Section,
            "tag" => LegacyTarget::Tag,
            "author" => LegacyTarget::Author,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LegacyTarget::Story => "story",
            LegacyTarget::Page => "page",
            LegacyTarget::Media => "media",
            LegacyTarget::Section => "section",
            LegacyTarget::Tag => "tag",
            LegacyTarget::Author => "author",
        }
    }
}

stored_name!(LegacyTarget, "legacy address target");

/// What a recorded WordPress id names (`wordpress_ids.kind`), as WordPress calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordpressKind {
    User,
    Category,
    Tag,
    Post,
    Page,
    Attachment,
    Comment,
    Menu,
    MenuItem,
}

impl WordpressKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WordpressKind::User => "user",
            WordpressKind::Category => "category",
            WordpressKind::Tag => "tag",
            WordpressKind::Post => "post",
            WordpressKind::Page => "page",
            WordpressKind::Attachment => "attachment",
            WordpressKind::Comment => "comment",
            WordpressKind::Menu => "menu",
            WordpressKind::MenuItem => "menu_item",
        }
    }
}

/// Which feed of an old address was asked for (`OLD/feed/`, `OLD/feed/atom/`, `?feed=rss2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldFeed {
    /// RSS 2.0, and WordPress's RSS 0.92 and RDF feeds, which Newsdesk answers with RSS 2.0.
    Rss,
    Atom,
}

impl OldFeed {
    /// WordPress's feed names (`rss2`, `rss`, `rdf`, `atom`, `feed`).
    pub fn parse(name: &str) -> Option<OldFeed> {
        match name {
            "" | "feed" | "rss2" | "rss" | "rdf" => Some(OldFeed::Rss),
            "atom" => Some(OldFeed::Atom),
            _ => None,
        }
    }

    /// The suffix of Newsdesk's feed of the same format under an address ending in `/`.
    pub fn suffix(self) -> &'static str {
        match self {
            OldFeed::Rss => "feed/",
            OldFeed::Atom => "feed/atom/",
        }
    }
}

/// Query parameters that never tell two old addresses apart (campaign tracking).
fn tracking(key: &str) -> bool {
    key.starts_with("utm_") || matches!(key, "fbclid" | "gclid" | "msclkid")
}

/// `%XX` sequences decoded (`+` is kept: it is a plus in a path); invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|&h| (h as char).to_digit(16));
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The key an old address is stored and looked up by: the path only (an absolute URL loses its
/// scheme and host, as the export names the old host), percent-decoded, lower case (WordPress
/// slugs are lower case, its percent-encoding of other scripts too), without a trailing slash
/// (`/` itself stays `/`), then `?` and the query's parameters as given, decoded, tracking
/// parameters left out. `None` for what cannot be an address of the site.
pub fn legacy_key(address: &str) -> Option<String> {
    let mut rest = address.trim();
    if let Some((scheme, after)) = rest.split_once("://")
        && (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
    {
        rest = after.find('/').map_or("/", |i| &after[i..]);
    } else if let Some(after) = rest.strip_prefix("//") {
        rest = after.find('/').map_or("/", |i| &after[i..]);
    }
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !path.starts_with('/') {
        return None;
    }
    let mut key = percent_decode(path).to_lowercase();
    while key.len() > 1 && key.ends_with('/') {
        key.pop();
    }
    if key.contains("//") || key.contains('\\') {
        return None;
    }
    let pairs: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| percent_decode(&kv.replace('+', " ")))
        .filter(|kv| !tracking(kv.split('=').next().unwrap_or("")))
        .collect();
    if !pairs.is_empty() {
        key.push('?');
        key.push_str(&pairs.join("&"));
    }
    // Control characters (`%00`…) are in no address of a site, and no database takes NUL.
    if key.chars().any(char::is_control) {
        return None;
    }
    Some(key)
}

/// A key without its query, and which feed it asks for: `/old/feed/atom` is the Atom feed of
/// `/old`, as is `/old?feed=atom`. `None` for the feed when the address is no feed's.
pub fn split_feed(key: &str) -> (String, Option<OldFeed>) {
    let (path, query) = key.split_once('?').unwrap_or((key, ""));
    let by_query = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("feed="))
        .and_then(OldFeed::parse);
    if let Some(feed) = by_query {
        return (path.to_owned(), Some(feed));
    }
    if let Some(base) = path.strip_suffix("/feed") {
        return (or_root(base), Some(OldFeed::Rss));
    }
    if let Some((front, name)) = path.rsplit_once('/')
        && let Some(base) = front.strip_suffix("/feed")
        && let Some(feed) = OldFeed::parse(name)
    {
        return (or_root(base), Some(feed));
    }
    (path.to_owned(), None)
}

fn or_root(base: &str) -> String {
    if base.is_empty() {
        "/".to_owned()
    } else {
        base.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_address_share_a_key() {
        let k = Some("/2019/05/héllo-world".to_owned());
        assert_eq!(
            legacy_key("https://old.example/2019/05/h%C3%A9llo-world/"),
            k
        );
        assert_eq!(legacy_key("/2019/05/H%c3%a9llo-World"), k);
        assert_eq!(legacy_key("//old.example/2019/05/héllo-world/#comments"), k);
        assert_eq!(legacy_key("http://old.example"), Some("/".to_owned()));
        assert_eq!(
            legacy_key("/index.php?p=12&utm_source=x"),
            Some("/index.php?p=12".to_owned())
        );
        assert_eq!(legacy_key("relative/path"), None);
        assert_eq!(legacy_key("/a//b"), None);
    }

    #[test]
    fn feeds_of_old_addresses() {
        assert_eq!(split_feed("/old/post"), ("/old/post".into(), None));
        assert_eq!(
            split_feed("/old/post/feed"),
            ("/old/post".into(), Some(OldFeed::Rss))
        );
        assert_eq!(
            split_feed("/old/post/feed/atom"),
            ("/old/post".into(), Some(OldFeed::Atom))
        );
        assert_eq!(
            split_feed("/old/post/feed/rss2"),
            ("/old/post".into(), Some(OldFeed::Rss))
        );
        assert_eq!(
            split_feed("/old/post?feed=rss2"),
            ("/old/post".into(), Some(OldFeed::Rss))
        );
        assert_eq!(split_feed("/feed"), ("/".into(), Some(OldFeed::Rss)));
    }
}
