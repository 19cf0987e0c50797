//! The HTML sanitizer (story bodies, pages, text widgets): no panic, its output is a fixed
//! point, and holds no script, handler, style or script/data address.

use newsdesk::domain::html::SafeHtml;
use proptest::prelude::*;

use crate::driver::{Target, soup_bytes};
use crate::safe_html::{check_fixed_point, check_safe};

/// Pieces of hostile and broken HTML the generator and the mutator put together.
pub const TOKENS: &[&str] = &[
    "<script>", "</script>", "<SCRIPT SRC=//x.example/x.js>", "<scr<script>ipt>", "<img", "<img ",
    " src=x", " onerror=alert(1)", " onload=\"alert(1)\"", " OnClIcK='x()'", "<a", "<a ", "</a>",
    " href=\"javascript:alert(1)\"", " href=javascript:alert(1)", " href=\"jav&#x09;ascript:x\"",
    " href=\"&#106;avascript:x\"", " href=\" JaVaScRiPt:x\"", " href=\"vbscript:x\"",
    " href=\"data:text/html,<script>x</script>\"", " href=\"https://example.org/\"",
    " href=\"/relative\"", " href=\"mailto:a@b.example\"", " src=\"data:image/png;base64,AAAA\"",
    " srcset=\"javascript:x 1x, https://x.example/a.png 2x\"", " style=\"background:url(x)\"",
    " cite=\"javascript:x\"", " xlink:href=\"javascript:x\"", " formaction=\"javascript:x\"",
    "<svg>", "<svg/onload=alert(1)>", "</svg>", "<math>", "<mi>", "<mglyph>", "<style>",
    "</style>", "<iframe src=x>", "<iframe srcdoc=\"<script>x</script>\">", "<object data=x>",
    "<embed src=x>", "<form action=javascript:x>", "<input autofocus onfocus=x>", "<template>",
    "</template>", "<noscript>", "</noscript>", "<textarea>", "</textarea>", "<title>",
    "<xmp>", "<plaintext>", "<base href=javascript:x>", "<meta http-equiv=refresh content=0>",
    "<link rel=import href=x>", "<!--", "-->", "--!>", "<![CDATA[", "]]>", "<?xml x?>",
    "<!DOCTYPE html>", "<p>", "</p>", "<div>", "</div>", "<table>", "<tr>", "<td>", "<select>",
    "<option>", "<b>", "</b>", "<i>", "<em>", "<strong>", "<blockquote cite=x>", "</blockquote>",
    "<figure>", "<figcaption>", "<time datetime=x>", "<ul>", "<li>", "<ol>", "<h2>", "<pre>",
    "<code>", "<br>", "<br/>", "<hr>", ">", "<", "/>", "\"", "'", "`", "=", "&", "&lt;", "&gt;",
    "&amp;", "&quot;", "&#0;", "&#x0;", "&#60;", "&#x3C;", "&colon;", "&Tab;", "&NewLine;",
    "\u{0}", "\u{feff}", "\u{202e}", "\u{fffd}", "é", "日本語", "🙂", "x", " ", "\n",
];

#[test]
fn sanitizer() {
    Target {
        name: "html",
        extra_seeds: Vec::new(),
        tokens: TOKENS,
        generate: prop_oneof![
            4 => soup_bytes(TOKENS, 48),
            1 => prop::collection::vec(any::<u8>(), 0..512),
        ],
    }
    .run(|input| {
        let text = String::from_utf8_lossy(input);
        let clean = SafeHtml::sanitize(&text);
        check_safe(clean.as_str())?;
        check_fixed_point(clean.as_str())
    });
}
