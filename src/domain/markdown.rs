//! Markdown written or pasted as plain text, turned into story HTML.
//!
//! The output always goes through [`SafeHtml::sanitize`], the same allow-list as every other
//! story body. Headings are folded onto the two levels a story body uses (the page title is the
//! `<h1>`): `#` and `##` become `<h2>`, `###` and deeper become `<h3>`. Links whose address is
//! not web, mail or telephone keep their text and lose the link.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::html::SafeHtml;

/// Converts Markdown to sanitized story HTML.
pub fn to_html(text: &str) -> SafeHtml {
    let options = Options::ENABLE_STRIKETHROUGH;
    let mut link_stack: Vec<bool> = Vec::new();
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Start(Tag::Heading { level, .. }) => Some(Event::Start(Tag::Heading {
            level: story_heading(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => {
            Some(Event::End(TagEnd::Heading(story_heading(level))))
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = is_safe_address(&dest_url);
            link_stack.push(keep);
            if keep {
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                None
            }
        }
        Event::End(TagEnd::Link) => match link_stack.pop() {
            Some(false) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !is_safe_address(&dest_url) => Some(Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        })),
        other => Some(other),
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SafeHtml::sanitize(&html)
}

/// Whether plain text is probably Markdown: it has no HTML tags, and at least one line is a
/// Markdown heading, list item or quote, or the text has Markdown emphasis or a Markdown link.
pub fn looks_like_markdown(text: &str) -> bool {
    if has_html_tag(text) {
        return false;
    }
    text.lines().any(is_block_marker) || has_inline_markup(text)
}

/// The body of a story form as sanitized HTML, whichever way it was written: HTML (from the
/// editor) is sanitized, Markdown is converted, and other plain text becomes paragraphs split on
/// blank lines.
pub fn body_to_html(text: &str) -> SafeHtml {
    if has_html_tag(text) {
        SafeHtml::sanitize(text)
    } else if looks_like_markdown(text) {
        to_html(text)
    } else {
        let text = text.replace("\r\n", "\n");
        SafeHtml::from_paragraphs(text.split("\n\n"))
    }
}

fn story_heading(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 => HeadingLevel::H2,
        _ => HeadingLevel::H3,
    }
}

/// Web, mail and telephone addresses, and addresses relative to the site.
fn is_safe_address(address: &str) -> bool {
    let address = address.trim();
    let scheme_end = address.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if address[i..].starts_with(':') => {
            let scheme = address[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

/// A `<` followed by a tag name, a closing slash, `!` (comment or doctype) or `?`.
fn has_html_tag(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
        && text.contains('>')
}

fn is_block_marker(line: &str) -> bool {
    let line = line.trim_start_matches(' ');
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
        return true;
    }
    if ["- ", "* ", "+ ", "> "].iter().any(|m| line.starts_with(m)) {
        return true;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (1..=3).contains(&digits)
        && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

/// `**strong**`, `__strong__`, `*em*`, `_em_` around a word, or `[text](address)`.
fn has_inline_markup(text: &str) -> bool {
    for mark in ["**", "__", "*", "_"] {
        let mut rest = text;
        while let Some(start) = rest.find(mark) {
            let after = &rest[start + mark.len()..];
            let opens = after.chars().next().is_some_and(|c| !c.is_whitespace())
                && rest[..start]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric());
            if opens && let Some(end) = after.find(mark) {
                let inner = &after[..end];
                let closes = !inner.is_empty()
                    && !inner.contains('\n')
                    && !inner.ends_with(char::is_whitespace)
                    && after[end + mark.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric());
                if closes {
                    return true;
                }
            }
            rest = after;
        }
    }
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find("](") {
            let label = &rest[..close];
            let target = &rest[close + 2..];
            if !label.is_empty()
                && !label.contains(['\n', '['])
                && target.find(')').is_some_and(|end| {
                    let inner = &target[..end];
                    !inner.contains('\n') && inner.split(' ').next().is_some_and(|a| !a.is_empty())
                })
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(md: &str) -> String {
        to_html(md).into_string()
    }

    #[test]
    fn headings_fold_onto_story_levels() {
        assert_eq!(
            html("# Council votes\n\n## Budget\n\n### Schools\n\n#### Roads {#roads .x}\n"),
            "<h2>Council votes</h2>\n<h2>Budget</h2>\n<h3>Schools</h3>\n<h3>Roads {#roads .x}</h3>\n"
        );
    }

    #[test]
    fn paragraphs_and_emphasis() {
        assert_eq!(
            html("The **mayor** said it was _final_.\nIt was not.\n\nNext  \nline"),
            "<p>The <strong>mayor</strong> said it was <em>final</em>.\nIt was not.</p>\n\
             <p>Next<br>\nline</p>\n"
        );
    }

    #[test]
    fn nested_lists() {
        let out = html("- Roads\n  1. Potholes\n  2. Bridges\n- Schools\n\n3. third\n4. fourth\n");
        assert_eq!(
            out,
            "<ul>\n<li>Roads\n<ol>\n<li>Potholes</li>\n<li>Bridges</li>\n</ol>\n</li>\n\
             <li>Schools</li>\n</ul>\n<ol start=\"3\">\n<li>third</li>\n<li>fourth</li>\n</ol>\n"
        );
    }

    #[test]
    fn links_keep_title_and_get_rel() {
        assert_eq!(
            html(r#"See [the report](https://example.org/r?a=1&b=2 "Full report")."#),
            "<p>See <a href=\"https://example.org/r?a=1&amp;b=2\" title=\"Full report\" \
             rel=\"noopener noreferrer\">the report</a>.</p>\n"
        );
        assert_eq!(
            html("[Contact](mailto:desk@example.org) or [archive](/archive/2026)"),
            "<p><a href=\"mailto:desk@example.org\" rel=\"noopener noreferrer\">Contact</a> or \
             <a href=\"/archive/2026\" rel=\"noopener noreferrer\">archive</a></p>\n"
        );
    }

    #[test]
    fn javascript_links_are_dropped_and_their_text_kept() {
        let out = html(
            "[click](javascript:alert(1)) and [x](JavaScript:alert(2)) and <javascript:alert(3)>\n\n[d](data:text/html,hi)",
        );
        assert_eq!(
            out,
            "<p>click and x and javascript:alert(3)</p>\n<p>d</p>\n"
        );
    }

    #[test]
    fn raw_html_is_sanitized() {
        let out = html(
            "Hello <script>alert(1)</script> world\n\n<script>\nalert(2)\n</script>\n\n<p onclick=\"x()\" style=\"color:red\">para</p>\n\n<iframe src=\"https://evil.example/\"></iframe>",
        );
        assert!(!out.contains("script") && !out.contains("alert"), "{out}");
        assert!(
            !out.contains("onclick") && !out.contains("style") && !out.contains("iframe"),
            "{out}"
        );
        assert!(out.contains("<p>para</p>"), "{out}");
    }

    #[test]
    fn quotes_images_and_strikethrough() {
        assert_eq!(
            html(
                "> We will *not* close.\n>\n> — Mayor\n\n![Town hall](https://img.example/h.jpg \"Hall\")\n\n~~old~~"
            ),
            "<blockquote>\n<p>We will <em>not</em> close.</p>\n<p>— Mayor</p>\n</blockquote>\n\
             <p><img src=\"https://img.example/h.jpg\" alt=\"Town hall\" title=\"Hall\"></p>\n<p><del>old</del></p>\n"
        );
        let out = html("![x](javascript:alert(1))");
        assert!(!out.contains("javascript"), "{out}");
    }

    #[test]
    fn detects_markdown() {
        for md in [
            "## Budget\n\nText",
            "Intro\n\n- one\n- two",
            "1. first\n2. second",
            "> quoted",
            "It was **final**.",
            "It was _final_.",
            "Read [the report](https://example.org/r).",
            "Read [the report](https://example.org/r \"Title\").",
        ] {
            assert!(looks_like_markdown(md), "{md:?}");
        }
        for text in [
            "The council met on Tuesday.\n\nIt voted 5-4.",
            "snake_case_name and 2 * 3 * 4",
            "<p>## not markdown</p>",
            "Prices rose 3.5% in 2026. #news",
            "[sic] (see below)",
            "",
        ] {
            assert!(!looks_like_markdown(text), "{text:?}");
        }
    }

    #[test]
    fn form_body_in_any_form() {
        assert_eq!(
            body_to_html("<p>Hi <b onclick=x>there</b></p>").as_str(),
            "<p>Hi <b>there</b></p>"
        );
        assert_eq!(
            body_to_html("## Head\n\nText").as_str(),
            "<h2>Head</h2>\n<p>Text</p>\n"
        );
        assert_eq!(
            body_to_html("One & two\r\n\r\nThree").as_str(),
            "<p>One &amp; two</p>\n<p>Three</p>\n"
        );
    }
}
