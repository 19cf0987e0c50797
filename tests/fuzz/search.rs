//! The reader's search query and the highlighted results: no panic, a bounded query of
//! letters and digits only, and highlighted text that shows exactly the text, escaped.

use std::collections::HashSet;

use newsdesk::domain::search::{self, Analyzer, MAX_TERMS, SearchQuery};
use proptest::prelude::*;

use crate::driver::{Target, soup_bytes};

const TOKENS: &[&str] = &[
    "\"",
    "“",
    "”",
    "„",
    "«",
    "»",
    "＂",
    "'",
    "AND",
    "OR",
    "NOT",
    "-",
    "+",
    "*",
    "(",
    ")",
    ":",
    "title:",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "<mark>",
    "</mark>",
    "<b>",
    "&amp;",
    "&",
    "<",
    ">",
    "running",
    "runs",
    "Zürich",
    "Straße",
    "ﬁne",
    "İstanbul",
    "東京都",
    "北京大学",
    "日本語の文",
    "한국어",
    "Путин",
    "العربية",
    "ελληνικά",
    "தமிழ்",
    "e\u{301}",
    "\u{200b}",
    "\u{0}",
    "\u{7}",
    "🙂",
    "x",
    "1",
    "2026",
    " ",
    "  ",
    "\t",
    "\n",
];

/// Analyzers of a few languages (stemmers of different kinds, and none).
const LANGUAGES: &[&str] = &["en", "de", "fr", "ru", "ar", "el", "ta", "ja", "zh", "xx"];

/// What a reader sees of `text` in a highlighted result: runs of white space as one space
/// (as the highlighter writes them), and NUL dropped by the HTML parser (the site removes it
/// at its edge anyway).
fn as_shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            space = false;
            if c != '\0' {
                out.push(c);
            }
        }
    }
    out
}

fn check_highlight(html: &str, text: &str) -> Result<(), String> {
    let doc = scraper::Html::parse_fragment(html);
    for node in doc.root_element().descendants() {
        if let Some(el) = node.value().as_element()
            && el.name() != "html"
            && (el.name() != "mark" || el.attrs().next().is_some())
        {
            return Err(format!(
                "highlighting made a <{}> element: {html:?}",
                el.name()
            ));
        }
    }
    let shown: String = doc.root_element().text().collect();
    if shown != as_shown(text) {
        return Err(format!(
            "the highlighted text is not the text:\n  text:  {text:?}\n  shown: {shown:?}"
        ));
    }
    Ok(())
}

#[test]
fn search_query() {
    let analyzers: Vec<Analyzer> = LANGUAGES
        .iter()
        .map(|l| Analyzer::for_language(l))
        .collect();
    Target {
        name: "search",
        extra_seeds: vec![
            "\"".repeat(10_000).into_bytes(),
            "a ".repeat(5_000).into_bytes(),
        ],
        tokens: TOKENS,
        generate: prop_oneof![
            4 => soup_bytes(TOKENS, 40),
            1 => prop::collection::vec(any::<u8>(), 0..600),
        ],
    }
    .run(|input| {
        let raw = String::from_utf8_lossy(input);
        let analyzer = &analyzers[input.len() % analyzers.len()];
        let query = SearchQuery::parse(analyzer, &raw);
        let count: usize = query.phrases().iter().map(Vec::len).sum();
        if count > MAX_TERMS {
            return Err(format!("{count} terms from {raw:?}"));
        }
        for term in query.phrases().iter().flatten() {
            let chars = term.chars().count();
            if chars == 0 || chars > 64 {
                return Err(format!("a term of {chars} characters: {term:?}"));
            }
            if term
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c.is_ascii_punctuation())
            {
                return Err(format!("a term that is not a word: {term:?}"));
            }
        }
        if query.phrases().iter().any(Vec::is_empty) {
            return Err(format!("an empty phrase from {raw:?}"));
        }
        let terms: HashSet<&str> = query.terms();
        if let Some(html) = search::highlight(analyzer, &raw, &terms, None) {
            check_highlight(&html, &raw)?;
        }
        if let Some(html) = search::highlight(analyzer, &raw, &terms, Some(30)) {
            // A passage: only <mark> elements, whatever it shows.
            let doc = scraper::Html::parse_fragment(&html);
            if doc.root_element().descendants().any(|n| {
                n.value()
                    .as_element()
                    .is_some_and(|e| e.name() != "html" && e.name() != "mark")
            }) {
                return Err(format!("a passage with markup other than <mark>: {html:?}"));
            }
        }
        Ok(())
    });
}
