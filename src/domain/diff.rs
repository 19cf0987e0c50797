//! Readable differences between two versions of a story, for the revisions page.

use similar::{ChangeTag, TextDiff};

use super::html::escape;

/// The words of `new` compared with `old`, as escaped HTML: removed words in `<del>`, added
/// words in `<ins>`, unchanged text as is. Line breaks are kept as `<br>`.
pub fn inline_html(old: &str, new: &str) -> String {
    let diff = TextDiff::from_words(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let text = escape(change.value()).replace('\n', "<br>\n");
        match change.tag() {
            ChangeTag::Equal => out.push_str(&text),
            ChangeTag::Delete => {
                out.push_str("<del>");
                out.push_str(&text);
                out.push_str("</del>");
            }
            ChangeTag::Insert => {
                out.push_str("<ins>");
                out.push_str(&text);
                out.push_str("</ins>");
            }
        }
    }
    out
}

/// A story body as text a person compares: one line per paragraph, heading, quote or list
/// item, with the markup's meaning noted (`## ` for headings, `> ` for quotes, `• ` for list
/// items, `[image: alt]`, link addresses in brackets).
pub fn readable_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&super::html::decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start + 1..start + end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        match (name.as_str(), closing) {
            (
                "p" | "div" | "figure" | "figcaption" | "ul" | "ol" | "blockquote" | "h1" | "h2"
                | "h3" | "h4" | "h5" | "h6",
                true,
            ) => out.push('\n'),
            ("br", _) => out.push('\n'),
            ("h2" | "h3" | "h4", false) => out.push_str("\n## "),
            ("blockquote", false) => out.push_str("\n> "),
            ("li", false) => out.push_str("\n• "),
            ("img", _) => {
                let alt = attribute(tag, "alt").unwrap_or_default();
                out.push_str(&format!("[image: {alt}]"));
            }
            ("a", false) => {
                if let Some(href) = attribute(tag, "href") {
                    out.push_str(&format!("[{href}] "));
                }
            }
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&super::html::decode_entities(rest));
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')?;
    Some(super::html::decode_entities(&tag[start..start + end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_changes_are_marked_and_escaped() {
        assert_eq!(
            inline_html("Rates rise <again>", "Rates fall <again>"),
            "Rates <del>rise</del><ins>fall</ins> &lt;again&gt;"
        );
    }

    #[test]
    fn bodies_read_as_lines_with_their_structure() {
        let html = "<h2>Why</h2><p>One &amp; <a href=\"https://x.example/\">two</a></p>\
                    <blockquote><p>Said</p></blockquote><ul><li>a</li><li>b</li></ul>\
                    <figure><img src=\"/m.jpg\" alt=\"A cat\"></figure>";
        assert_eq!(
            readable_text(html),
            "## Why\nOne & [https://x.example/] two\n> Said\n• a\n• b\n[image: A cat]"
        );
    }
}
