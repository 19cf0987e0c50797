//! The public pages' Content-Security-Policy: the site itself, the players of the enabled
//! embed providers, the extra origins the settings name (analytics, ads), and the hashes of
//! the inline scripts in the head and footer snippets. Never `'unsafe-inline'`. The admin has
//! a stricter policy of its own (`web::admin`).

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::domain::embed::PROVIDERS;
use crate::domain::settings::{LoadKind, SiteSettings};

/// The policy when the settings cannot be read: the site's own resources only.
pub const FALLBACK: &str = "default-src 'self'; img-src 'self' https: data:; script-src 'self'; \
    style-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'self'";

/// The policy of a public page; `page_frames` are the origins of the players its own embeds
/// need beyond the providers' fixed ones (a Mastodon post's server).
pub fn public_policy(settings: &SiteSettings, page_frames: &[String]) -> String {
    let extra = |kind: LoadKind| -> Vec<&str> {
        settings
            .extra_origins
            .iter()
            .filter(|o| o.kinds.contains(&kind))
            .map(|o| o.origin.as_str())
            .collect()
    };
    let mut script = vec!["'self'".to_owned()];
    script.extend(extra(LoadKind::Script).into_iter().map(str::to_owned));
    for snippet in [&settings.head_snippet, &settings.footer_snippet] {
        script.extend(inline_script_hashes(snippet));
    }
    let mut frame = vec!["'self'".to_owned()];
    for p in PROVIDERS
        .iter()
        .filter(|p| settings.embed_providers.iter().any(|k| k == p.key))
    {
        frame.extend(p.frame_origins.iter().map(|o| (*o).to_owned()));
    }
    frame.extend(extra(LoadKind::Frame).into_iter().map(str::to_owned));
    frame.extend(page_frames.iter().cloned());
    let mut img = vec!["'self'", "https:", "data:"];
    img.extend(extra(LoadKind::Img));
    let mut connect = vec!["'self'"];
    connect.extend(extra(LoadKind::Connect));
    format!(
        "default-src 'self'; img-src {}; script-src {}; style-src 'self'; frame-src {}; \
         connect-src {}; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'self'",
        dedup(img.into_iter().map(str::to_owned)),
        dedup(script.into_iter()),
        dedup(frame.into_iter()),
        dedup(connect.into_iter().map(str::to_owned)),
    )
}

fn dedup(items: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen.join(" ")
}

/// `'sha256-…'` of each inline `<script>` (one without `src`) in an HTML snippet: the hash of
/// its text as browsers see it, with line breaks normalised to `\n` as the HTML parser does.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let html = normalise_newlines(html);
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let after_name = start + "<script".len();
        // `<scripts>` or `<script-x>` is another element.
        if !matches!(
            bytes.get(after_name),
            Some(b'>' | b'/') | Some(b' ' | b'\t' | b'\n' | b'\x0c')
        ) {
            at = after_name;
            continue;
        }
        let Some((tag_end, names)) = start_tag_end(bytes, after_name) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        if !names.iter().any(|n| n == "src") {
            let text = &html[tag_end + 1..close];
            let digest = Sha256::digest(text.as_bytes());
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        at = close + "</script".len();
    }
    hashes
}

/// `\r\n` and a lone `\r` become `\n`, as an HTML parser reads them.
fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The position of the `>` that ends a start tag whose attributes begin at `from`, and the
/// attributes' names: a `>` inside a quoted value does not end it.
fn start_tag_end(b: &[u8], from: usize) -> Option<(usize, Vec<String>)> {
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0c');
    let mut names = Vec::new();
    let mut i = from;
    loop {
        while i < b.len() && (space(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if *b.get(i)? == b'>' {
            return Some((i, names));
        }
        let name_start = i;
        i += 1;
        while i < b.len() && !space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        names.push(String::from_utf8_lossy(&b[name_start..i]).into_owned());
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        match *b.get(i)? {
            q @ (b'"' | b'\'') => {
                let len = b[i + 1..].iter().position(|&c| c == q)?;
                i += len + 2;
            }
            _ => {
                while i < b.len() && !space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<script async src=\"https://stats.example.com/s.js\"></script>\n\
            <SCRIPT>window.dataLayer = [];</SCRIPT><script type=\"module\">x()</script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let want = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"window.dataLayer = [];"));
        assert_eq!(hashes[0], format!("'sha256-{want}'"));
    }

    #[test]
    fn hashes_are_of_the_text_with_lf_line_breaks_after_the_whole_start_tag() {
        let sha = |t: &str| {
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(t.as_bytes()))
            )
        };
        let html = "<script data-x=\"a>b\">\r\nvar a = 1;\r\nvar b = 2;\rx();\r\n</script>\r\n\
            <script data-src='s>rc' src=\"https://stats.example.com/s.js\"></script>\
            <scripts>no</scripts><script>y()</script>";
        assert_eq!(
            inline_script_hashes(html),
            [sha("\nvar a = 1;\nvar b = 2;\nx();\n"), sha("y()")]
        );
    }

    #[test]
    fn the_policy_names_enabled_providers_and_extra_origins_only() {
        let mut s = SiteSettings::default();
        s.set("embed_providers", "youtube").unwrap();
        s.set("extra_origins", "https://stats.example.com script connect")
            .unwrap();
        let p = public_policy(&s, &["https://mastodon.social".to_owned()]);
        assert!(
            p.contains(
                "frame-src 'self' https://www.youtube-nocookie.com https://mastodon.social;"
            ),
            "{p}"
        );
        assert!(
            p.contains("script-src 'self' https://stats.example.com;"),
            "{p}"
        );
        assert!(
            p.contains("connect-src 'self' https://stats.example.com;"),
            "{p}"
        );
        assert!(!p.contains("unsafe"), "{p}");
        s.set("embed_providers", "none").unwrap();
        assert!(public_policy(&s, &[]).contains("frame-src 'self';"));
    }
}
