//! Site settings: stored as name/value rows, read into one typed value with defaults.

use chrono_tz::Tz;

/// The site's settings. Unknown or malformed stored values fall back to the defaults.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteSettings {
    pub title: String,
    pub tagline: String,
    #[serde(serialize_with = "serialize_tz")]
    pub timezone: Tz,
    pub posts_per_page: u32,
    /// BCP 47 language tag used in `<html lang>`.
    pub language: String,
    /// Whether story pages show the "Read also" recommendation.
    pub read_also: bool,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "Newsdesk".into(),
            tagline: "News as it happens".into(),
            timezone: chrono_tz::UTC,
            posts_per_page: 10,
            language: "en".into(),
            read_also: true,
        }
    }
}

/// Why a setting value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("unknown setting {0:?}")]
    Unknown(String),
    #[error("{0}: {1}")]
    Invalid(&'static str, &'static str),
}

impl SiteSettings {
    /// Builds settings from stored rows; malformed values keep their default.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> SiteSettings {
        let mut s = SiteSettings::default();
        for (name, value) in rows {
            // A bad stored value must not take the site down; it is ignored.
            let _ = s.set(name, value);
        }
        s
    }

    /// Sets one setting from its text form, validating it.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), SettingError> {
        let value = value.trim();
        match name {
            "title" if value.is_empty() => {
                return Err(SettingError::Invalid("title", "the site needs a title"));
            }
            "title" => self.title = value.to_owned(),
            "tagline" => self.tagline = value.to_owned(),
            "timezone" => {
                self.timezone = value.parse().map_err(|_| {
                    SettingError::Invalid("timezone", "not an IANA time zone such as Europe/Berlin")
                })?
            }
            "posts_per_page" => {
                self.posts_per_page = value.parse().ok().filter(|n| (1..=100).contains(n)).ok_or(
                    SettingError::Invalid("posts_per_page", "a number from 1 to 100"),
                )?
            }
            "language" => {
                let ok = !value.is_empty()
                    && value.len() <= 35
                    && value
                        .split('-')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
                if !ok {
                    return Err(SettingError::Invalid(
                        "language",
                        "a language tag such as en or pt-BR",
                    ));
                }
                self.language = value.to_owned()
            }
            "read_also" => {
                self.read_also = match value {
                    "on" | "true" | "1" => true,
                    "off" | "false" | "0" => false,
                    _ => return Err(SettingError::Invalid("read_also", "on or off")),
                }
            }
            other => return Err(SettingError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_override_defaults_and_bad_values_are_ignored() {
        let s = SiteSettings::from_rows([
            ("title", "Daily"),
            ("timezone", "Europe/Berlin"),
            ("posts_per_page", "0"),
        ]);
        assert_eq!(s.title, "Daily");
        assert_eq!(s.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(s.posts_per_page, 10);
    }

    #[test]
    fn set_validates() {
        let mut s = SiteSettings::default();
        assert!(s.set("timezone", "Mars/Olympus").is_err());
        assert!(s.set("language", "en GB").is_err());
        assert!(s.set("nope", "1").is_err());
        assert!(s.set("read_also", "off").is_ok());
        assert!(!s.read_also);
    }
}
