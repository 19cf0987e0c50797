//! Markdown (and a story form's body, whichever way it was written) to HTML: no panic, and
//! the output passes the sanitizer's checks.

use newsdesk::domain::markdown;
use proptest::prelude::*;

use crate::driver::{Target, soup_bytes};
use crate::safe_html::{check_fixed_point, check_safe};

const TOKENS: &[&str] = &[
    "# ",
    "## ",
    "### ",
    "###### ",
    "\n",
    "\n\n",
    "    ",
    "> ",
    "- ",
    "* ",
    "1. ",
    "```",
    "~~~",
    "`",
    "**",
    "*",
    "_",
    "__",
    "~~",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "[x]: ",
    "<",
    ">",
    "\"",
    "'",
    "\\",
    "|",
    "---",
    "===",
    "javascript:alert(1)",
    "JAVASCRIPT:x",
    " javascript:x",
    "java\tscript:x",
    "jav%61script:x",
    "vbscript:x",
    "data:text/html,x",
    "data:image/png;base64,AA",
    "https://example.org/",
    "http://x.example",
    "mailto:a@b.example",
    "tel:+1",
    "/relative",
    "#frag",
    "?q",
    "//evil.example",
    "<javascript:alert(1)>",
    "<https://example.org>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:x\">",
    "</a>",
    "<div>",
    "</div>",
    "<!--",
    "-->",
    "&#106;",
    "&lt;",
    "&amp;",
    "&colon;",
    "\u{0}",
    "\u{feff}",
    "é",
    "日本",
    "🙂",
    "word",
    " ",
];

#[test]
fn markdown_to_html() {
    Target {
        name: "markdown",
        extra_seeds: Vec::new(),
        tokens: TOKENS,
        generate: prop_oneof![
            4 => soup_bytes(TOKENS, 64),
            1 => prop::collection::vec(any::<u8>(), 0..512),
        ],
    }
    .run(|input| {
        let text = String::from_utf8_lossy(input);
        let html = markdown::to_html(&text);
        check_safe(html.as_str())?;
        check_fixed_point(html.as_str())?;
        let _ = markdown::looks_like_markdown(&text);
        let body = markdown::body_to_html(&text);
        check_safe(body.as_str())
    });
}
