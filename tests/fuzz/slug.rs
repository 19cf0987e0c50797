//! Slugs from titles and typed slugs: no panic; a derived slug is always valid, stable and
//! within the length limit; a slug that parses is its own title's slug.

use newsdesk::domain::slug::{MAX_LEN, Slug};
use proptest::prelude::*;

use crate::driver::{Target, soup_bytes};

const TOKENS: &[&str] = &[
    "Zürich",
    "Путин",
    "北京",
    "東京",
    "Korea's",
    "l'été",
    "ß",
    "Æ",
    "ﬁ",
    "İ",
    "ǅ",
    "🙂",
    "👩‍👩‍👧",
    "\u{301}",
    "\u{200d}",
    "\u{feff}",
    "\u{0}",
    "-",
    "--",
    "—",
    "'",
    "’",
    " ",
    "\t",
    "\n",
    ".",
    "/",
    "?",
    "#",
    "%",
    "&",
    "a",
    "Z",
    "9",
    "0",
    "story",
    "word-",
    "-word",
    "١٢٣",
    "ⅻ",
    "①",
];

#[test]
fn slugs() {
    Target {
        name: "slug",
        extra_seeds: vec![
            "a".repeat(MAX_LEN + 1).into_bytes(),
            "word ".repeat(60).into_bytes(),
        ],
        tokens: TOKENS,
        generate: prop_oneof![
            4 => soup_bytes(TOKENS, 80),
            1 => "[a-z0-9-]{0,210}".prop_map(String::into_bytes),
            1 => prop::collection::vec(any::<u8>(), 0..300),
        ],
    }
    .run(|input| {
        let title = String::from_utf8_lossy(input);
        let slug = Slug::from_title(&title, "story");
        let s = slug.as_str();
        if s.is_empty() || s.len() > MAX_LEN {
            return Err(format!("slug of length {}: {s:?}", s.len()));
        }
        match Slug::parse(s) {
            Ok(again) if again == slug => {}
            other => return Err(format!("{s:?} does not parse as itself: {other:?}")),
        }
        if Slug::from_title(s, "story") != slug {
            return Err(format!("the slug of {s:?} is not itself"));
        }
        for n in [2, 10, u32::MAX] {
            let suffixed = slug.with_suffix(n);
            if Slug::parse(suffixed.as_str()).as_ref() != Ok(&suffixed) {
                return Err(format!("{s:?} with suffix {n} is invalid: {suffixed}"));
            }
        }
        if let Ok(typed) = Slug::parse(&title)
            && Slug::from_title(typed.as_str(), "story") != typed
        {
            return Err(format!("the typed slug {typed} is not its own slug"));
        }
        Ok(())
    });
}
