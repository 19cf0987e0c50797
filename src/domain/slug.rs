//! URL slugs: readable, ASCII, unique per noun.

use std::fmt;

/// Longest slug we generate or accept (WordPress allows 200 characters in `post_name`).
pub const MAX_LEN: usize = 200;

/// A validated URL slug: lowercase ASCII letters, digits and single hyphens, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

/// Why a typed slug was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("the slug is empty")]
    Empty,
    #[error("the slug is longer than {MAX_LEN} characters")]
    TooLong,
    #[error(
        "a slug may contain only lowercase letters a-z, digits and single hyphens between them"
    )]
    BadCharacters,
}

impl Slug {
    /// Parses a slug typed by a user, refusing anything that is not already in canonical form.
    pub fn parse(input: &str) -> Result<Slug, SlugError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > MAX_LEN {
            return Err(SlugError::TooLong);
        }
        let valid = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !valid {
            return Err(SlugError::BadCharacters);
        }
        Ok(Slug(s.to_owned()))
    }

    /// Derives a slug from a title in any script: transliterated to ASCII ("Zürich" → "zurich",
    /// "Путин" → "putin"), lowercased, punctuation turned into hyphens. `fallback` is used when
    /// nothing readable remains (a title of emoji or punctuation only).
    pub fn from_title(title: &str, fallback: &str) -> Slug {
        let ascii = deunicode::deunicode_with_tofu(title, "-");
        let mut out = String::with_capacity(ascii.len());
        for ch in ascii.chars() {
            // Apostrophes join words ("Korea's" → "koreas") as WordPress does.
            if ch == '\'' {
                continue;
            }
            if ch.is_ascii_alphanumeric() {
                out.push(ch.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut trimmed = out.trim_end_matches('-').to_owned();
        if trimmed.len() > MAX_LEN {
            trimmed.truncate(MAX_LEN);
            // Cut at the last whole word so a slug never ends mid-word or with a hyphen.
            if let Some(pos) = trimmed.rfind('-') {
                trimmed.truncate(pos);
            }
        }
        if trimmed.is_empty() {
            return Slug(fallback.to_owned());
        }
        Slug(trimmed)
    }

    /// The slug with a numeric suffix, for resolving collisions: `story`, `story-2`, `story-3`…
    /// The result stays within [`MAX_LEN`].
    pub fn with_suffix(&self, n: u32) -> Slug {
        if n <= 1 {
            return self.clone();
        }
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        if base.len() + suffix.len() > MAX_LEN {
            base.truncate(MAX_LEN - suffix.len());
            base = base.trim_end_matches('-').to_owned();
        }
        Slug(base + &suffix)
    }

    /// Picks the first free slug among `self`, `self-2`, `self-3`… given the slugs already taken.
    pub fn first_free<'a>(&self, taken: impl IntoIterator<Item = &'a str>) -> Slug {
        let taken: std::collections::HashSet<&str> = taken.into_iter().collect();
        (1..)
            .map(|n| self.with_suffix(n))
            .find(|s| !taken.contains(s.as_str()))
            .expect("an unbounded range always yields a free slug")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_in_any_script_become_readable_ascii() {
        let s = |t| Slug::from_title(t, "story").to_string();
        assert_eq!(
            s("Putin meets N Korea's Jong Un at Russia Vostochny Cosmodrome"),
            "putin-meets-n-koreas-jong-un-at-russia-vostochny-cosmodrome"
        );
        assert_eq!(
            s("Zürich café owners fight rent rises"),
            "zurich-cafe-owners-fight-rent-rises"
        );
        assert_eq!(s("Путин в Амурской области"), "putin-v-amurskoi-oblasti");
        assert_eq!(s("São Paulo: 10% more buses!"), "sao-paulo-10-more-buses");
        assert_eq!(s("  --Hello,   World--  "), "hello-world");
        assert_eq!(s("🎉"), "tada");
        assert_eq!(s("???"), "story");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let title = "word ".repeat(100);
        let slug = Slug::from_title(&title, "story");
        assert!(slug.as_str().len() <= MAX_LEN);
        assert!(slug.as_str().ends_with("word"));
        assert!(Slug::parse(slug.as_str()).is_ok());
    }

    #[test]
    fn suffixes_resolve_collisions() {
        let base = Slug::parse("budget-vote").unwrap();
        assert_eq!(base.first_free([]).as_str(), "budget-vote");
        assert_eq!(base.first_free(["budget-vote"]).as_str(), "budget-vote-2");
        assert_eq!(
            base.first_free(["budget-vote", "budget-vote-2", "budget-vote-4"])
                .as_str(),
            "budget-vote-3"
        );
        let long = Slug::parse(&"a".repeat(MAX_LEN)).unwrap();
        assert_eq!(long.with_suffix(12).as_str().len(), MAX_LEN);
    }

    #[test]
    fn typed_slugs_must_be_canonical() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse("Hello"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse("a--b"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse("-a"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse("caf\u{e9}"), Err(SlugError::BadCharacters));
        assert_eq!(Slug::parse(&"a".repeat(201)), Err(SlugError::TooLong));
        assert_eq!(Slug::parse(" ok-2 ").unwrap().as_str(), "ok-2");
    }
}
