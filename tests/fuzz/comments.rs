//! The public comment form (read from a urlencoded body, as the site reads it) and the
//! plain-text renderer: no panic; an accepted comment is within its limits; the rendered HTML
//! is only paragraphs, line breaks and web links, and shows exactly the text typed.

use newsdesk::domain::comment::{self, CommentForm};
use newsdesk::web::edge;
use proptest::prelude::*;

use crate::driver::{Target, soup};

const TOKENS: &[&str] = &[
    "<",
    ">",
    "\"",
    "'",
    "&",
    "&amp;",
    "&lt;",
    "<script>alert(1)</script>",
    "<a href=x>",
    "\"><img src=x onerror=alert(1)>",
    "http://",
    "https://",
    "HTTP://",
    "https://example.org",
    "http://x.example/a?b=c&d=\"e\"",
    "https://a.example/<b>",
    "javascript:alert(1)",
    "http://example.org).",
    "(https://example.org/x)",
    "https://'",
    "www.example.org",
    "\n",
    "\n\n",
    "\r\n",
    "\r\n\r\n",
    "\r",
    "  ",
    "\t",
    "\u{0}",
    "\u{7f}",
    "\u{a0}",
    "\u{2028}",
    "\u{202e}",
    "\u{feff}",
    "é",
    "日本",
    "🙂",
    "word",
    ".",
    ",",
    ";",
    ":",
    "!",
    "?",
    ")",
];

const EMAILS: &[&str] = &[
    "a@b.example",
    "A@B.EXAMPLE",
    "@",
    "a@",
    "@b.c",
    "a@b",
    "a@.b",
    "a@b.",
    "a@b..c",
    "a b@c.d",
    "a@b@c.d",
    "ü@ü.de",
    "<a@b.c>",
    "\"a\"@b.c",
    "",
];

const URLS: &[&str] = &[
    "",
    "example.org",
    "http://example.org",
    "HTTPS://EXAMPLE.ORG/a?b#c",
    "javascript:alert(1)",
    "ftp://x.example",
    "http://",
    "http://x",
    "http://x.example:99999",
    "http://x.example:",
    "http://u:p@x.example",
    "http://x.example/\"><script>",
    "//x.example",
    "x.example/ a",
];

const IDS: &[&str] = &[
    "",
    "0",
    "1",
    "42",
    "-1",
    " 7 ",
    "9223372036854775807",
    "9223372036854775808",
    "1e3",
    "0x10",
    "abc",
    "١",
];

/// A comment form as a urlencoded body, with arbitrary fields and values.
fn form() -> BoxedStrategy<Vec<u8>> {
    (
        soup(TOKENS, 40),
        soup(TOKENS, 6),
        prop_oneof![
            prop::sample::select(EMAILS).prop_map(str::to_owned),
            soup(TOKENS, 4)
        ],
        prop_oneof![
            prop::sample::select(URLS).prop_map(str::to_owned),
            soup(TOKENS, 4)
        ],
        prop::sample::select(IDS),
        prop::sample::select(IDS),
        any::<bool>(),
        prop::option::of(soup(TOKENS, 3)),
    )
        .prop_map(
            |(text, author, email, url, post, parent, remember, extra)| {
                let mut pairs: Vec<(String, String)> = vec![
                    ("comment".into(), text),
                    ("author".into(), author),
                    ("email".into(), email),
                    ("url".into(), url),
                    ("comment_post_ID".into(), post.into()),
                    ("comment_parent".into(), parent.into()),
                ];
                if remember {
                    pairs.push(("wp-comment-cookies-consent".into(), "yes".into()));
                }
                if let Some(extra) = extra {
                    pairs.push((extra.clone(), extra));
                }
                serde_urlencoded::to_string(pairs).unwrap().into_bytes()
            },
        )
        .boxed()
}

/// Whitespace collapsed: what a reader sees of a text, however it is laid out.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks the HTML of a comment: `<p>`, `<br>` and links to web addresses only, showing
/// the text as typed.
fn check_rendered(html: &str, text: &str) -> Result<(), String> {
    let doc = scraper::Html::parse_fragment(html);
    for node in doc.root_element().descendants() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        match el.name() {
            "html" | "p" | "br" if el.attrs().next().is_none() => {}
            "a" => {
                for (name, value) in el.attrs() {
                    let ok = match name {
                        "href" => {
                            let lower = value.to_ascii_lowercase();
                            (lower.starts_with("http://") || lower.starts_with("https://"))
                                && !value.contains(char::is_whitespace)
                        }
                        "rel" => value == "nofollow ugc",
                        _ => false,
                    };
                    if !ok {
                        return Err(format!("a link with {name}={value:?}: {html:?}"));
                    }
                }
            }
            other => return Err(format!("a <{other}> element in a comment: {html:?}")),
        }
    }
    let shown: String = doc.root_element().text().collect();
    if words(&shown) != words(text) {
        return Err(format!(
            "the comment shows other text:\n  typed: {text:?}\n  shown: {shown:?}\n  html:  {html:?}"
        ));
    }
    Ok(())
}

#[test]
fn comment_form_and_text() {
    Target {
        name: "comments",
        extra_seeds: Vec::new(),
        tokens: TOKENS,
        generate: prop_oneof![
            4 => form(),
            1 => prop::collection::vec(any::<u8>(), 0..400),
        ],
    }
    .run(|body| {
        let Ok(mut form) = serde_urlencoded::from_bytes::<CommentForm>(body) else {
            return Ok(());
        };
        // The edge removes control characters from every form before a handler reads it.
        for field in [
            &mut form.comment,
            &mut form.author,
            &mut form.email,
            &mut form.url,
            &mut form.post_id,
            &mut form.comment_parent,
        ] {
            *field = edge::clean(field).into_owned();
        }
        // The renderer is safe whatever the text, even one the form would refuse.
        check_rendered(&comment::text_to_html(&form.comment), &form.comment)?;
        let Ok(draft) = form.parse() else {
            return Ok(());
        };
        if draft.text.trim().is_empty() || draft.text.len() > comment::MAX_COMMENT_BYTES {
            return Err(format!("accepted a comment of {} bytes", draft.text.len()));
        }
        if draft.author.is_empty() || draft.author.chars().count() > comment::MAX_AUTHOR_CHARS {
            return Err(format!("accepted the name {:?}", draft.author));
        }
        if !comment::is_valid_email(&draft.email) {
            return Err(format!("accepted the email {:?}", draft.email));
        }
        let url = draft.url.to_ascii_lowercase();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://"))
            || draft.url.contains(['<', '>', '"', '\'', '`'])
        {
            return Err(format!("accepted the website {:?}", draft.url));
        }
        if draft.article_id <= 0 || draft.parent_id.is_some_and(|p| p <= 0) {
            return Err(format!("accepted the ids {draft:?}"));
        }
        // What is stored renders the same way, and stays the same when stored again.
        let again = CommentForm {
            comment: draft.text.clone(),
            ..form.clone()
        }
        .parse()
        .ok()
        .map(|again| again.text);
        if again.as_ref() != Some(&draft.text) {
            return Err(format!(
                "the stored text {:?} changes when sent again",
                draft.text
            ));
        }
        check_rendered(&comment::text_to_html(&draft.text), &draft.text)
    });
}
