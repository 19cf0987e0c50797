//! Widgets: typed blocks placed in the theme's widget areas, with validated settings.

use super::html::SafeHtml;

/// Most stories a list widget may show.
pub const MAX_COUNT: u8 = 20;

/// A widget's kind and settings. Stored as `kind` plus a JSON `settings` object.
#[derive(Debug, Clone, PartialEq)]
pub enum WidgetKind {
    /// The newest stories of one section (and its sub-sections): the reference page's "Health Tips" list.
    PostsInCategory { category_id: i64, count: u8 },
    /// One chosen story, or the newest sticky story when none is chosen.
    FeaturedPost { article_id: Option<i64> },
    /// The newest stories of the whole site.
    LatestPosts { count: u8 },
    /// Free text or HTML, sanitized on save.
    Text { html: SafeHtml },
}

/// Why widget settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WidgetError {
    #[error("unknown widget type {0:?}")]
    UnknownKind(String),
    #[error("settings: {0}")]
    Settings(String),
    #[error("count: show between 1 and {MAX_COUNT} stories")]
    Count,
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct PostsInCategorySettings {
    category_id: i64,
    #[serde(default = "default_count")]
    count: u8,
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct FeaturedPostSettings {
    #[serde(default)]
    article_id: Option<i64>,
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct LatestPostsSettings {
    #[serde(default = "default_count")]
    count: u8,
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct TextSettings {
    html: String,
}

fn default_count() -> u8 {
    5
}

fn check_count(count: u8) -> Result<u8, WidgetError> {
    if (1..=MAX_COUNT).contains(&count) {
        Ok(count)
    } else {
        Err(WidgetError::Count)
    }
}

impl WidgetKind {
    /// Parses a stored or submitted `kind` and JSON settings, validating them. Text is sanitized here.
    pub fn parse(kind: &str, settings: &str) -> Result<WidgetKind, WidgetError> {
        fn de<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, WidgetError> {
            serde_json::from_str(if s.trim().is_empty() { "{}" } else { s })
                .map_err(|e| WidgetError::Settings(e.to_string()))
        }
        Ok(match kind {
            "posts_in_category" => {
                let s: PostsInCategorySettings = de(settings)?;
                WidgetKind::PostsInCategory {
                    category_id: s.category_id,
                    count: check_count(s.count)?,
                }
            }
            "featured_post" => WidgetKind::FeaturedPost {
                article_id: de::<FeaturedPostSettings>(settings)?.article_id,
            },
            "latest_posts" => WidgetKind::LatestPosts {
                count: check_count(de::<LatestPostsSettings>(settings)?.count)?,
            },
            "text" => WidgetKind::Text {
                html: SafeHtml::sanitize(&de::<TextSettings>(settings)?.html),
            },
            other => return Err(WidgetError::UnknownKind(other.to_owned())),
        })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            WidgetKind::PostsInCategory { .. } => "posts_in_category",
            WidgetKind::FeaturedPost { .. } => "featured_post",
            WidgetKind::LatestPosts { .. } => "latest_posts",
            WidgetKind::Text { .. } => "text",
        }
    }

    /// The JSON settings to store.
    pub fn settings_json(&self) -> String {
        let v = match self {
            WidgetKind::PostsInCategory { category_id, count } => {
                serde_json::to_value(PostsInCategorySettings {
                    category_id: *category_id,
                    count: *count,
                })
            }
            WidgetKind::FeaturedPost { article_id } => serde_json::to_value(FeaturedPostSettings {
                article_id: *article_id,
            }),
            WidgetKind::LatestPosts { count } => {
                serde_json::to_value(LatestPostsSettings { count: *count })
            }
            WidgetKind::Text { html } => serde_json::to_value(TextSettings {
                html: html.as_str().to_owned(),
            }),
        };
        v.expect("widget settings always serialize").to_string()
    }
}

/// Every kind of widget, with the name the newsroom sees.
pub const KINDS: [(&str, &str); 4] = [
    ("posts_in_category", "Posts in a section"),
    ("featured_post", "Featured story"),
    ("latest_posts", "Latest stories"),
    ("text", "Text or HTML"),
];

/// Longest text widget accepted, in bytes.
pub const MAX_TEXT_LEN: usize = 20_000;

/// A widget's settings as typed into the admin's form: every field as text, so that what was
/// typed can be shown again next to its error.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct WidgetFields {
    pub title: String,
    pub category_id: String,
    pub count: String,
    pub article_id: String,
    pub html: String,
}

impl WidgetFields {
    /// The fields showing a stored widget.
    pub fn of(title: &str, kind: &WidgetKind) -> WidgetFields {
        let mut f = WidgetFields {
            title: title.to_owned(),
            count: default_count().to_string(),
            ..WidgetFields::default()
        };
        match kind {
            WidgetKind::PostsInCategory { category_id, count } => {
                f.category_id = category_id.to_string();
                f.count = count.to_string();
            }
            WidgetKind::FeaturedPost { article_id } => {
                f.article_id = article_id.map(|id| id.to_string()).unwrap_or_default();
            }
            WidgetKind::LatestPosts { count } => f.count = count.to_string(),
            WidgetKind::Text { html } => f.html = html.as_str().to_owned(),
        }
        f
    }

    /// The widget these fields describe, or each wrong field's message by field name.
    pub fn parse(
        &self,
        kind: &str,
    ) -> Result<WidgetKind, std::collections::BTreeMap<&'static str, String>> {
        let mut errors = std::collections::BTreeMap::new();
        if self.title.trim().chars().count() > 200 {
            errors.insert("title", "keep the title under 200 characters".to_owned());
        }
        let count = |errors: &mut std::collections::BTreeMap<&'static str, String>| match self
            .count
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=MAX_COUNT).contains(n))
        {
            Some(n) => n,
            None => {
                errors.insert("count", format!("enter a number from 1 to {MAX_COUNT}"));
                0
            }
        };
        let kind = match kind {
            "posts_in_category" => {
                let category_id = match self.category_id.trim().parse::<i64>() {
                    Ok(id) => id,
                    Err(_) => {
                        errors.insert("category_id", "choose a section".to_owned());
                        0
                    }
                };
                WidgetKind::PostsInCategory {
                    category_id,
                    count: count(&mut errors),
                }
            }
            "featured_post" => {
                let article_id = match self.article_id.trim() {
                    "" => None,
                    id => match id.parse::<i64>() {
                        Ok(id) if id > 0 => Some(id),
                        _ => {
                            errors.insert(
                                "article_id",
                                "enter a story's number, or leave it empty for the newest sticky story"
                                    .to_owned(),
                            );
                            None
                        }
                    },
                };
                WidgetKind::FeaturedPost { article_id }
            }
            "latest_posts" => WidgetKind::LatestPosts {
                count: count(&mut errors),
            },
            "text" => {
                if self.html.trim().is_empty() {
                    errors.insert("html", "write the text to show".to_owned());
                } else if self.html.len() > MAX_TEXT_LEN {
                    errors.insert(
                        "html",
                        format!("keep the text under {MAX_TEXT_LEN} characters"),
                    );
                }
                WidgetKind::Text {
                    html: SafeHtml::sanitize(&self.html),
                }
            }
            other => {
                errors.insert("kind", format!("there is no widget type {other:?}"));
                return Err(errors);
            }
        };
        if errors.is_empty() {
            Ok(kind)
        } else {
            Err(errors)
        }
    }
}

/// A widget as configured in a widget area.
#[derive(Debug, Clone)]
pub struct Widget {
    pub id: i64,
    pub area: String,
    pub position: i32,
    pub title: String,
    pub kind: WidgetKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_validated_and_round_trip() {
        let w =
            WidgetKind::parse("posts_in_category", r#"{"category_id": 3, "count": 4}"#).unwrap();
        assert_eq!(
            w,
            WidgetKind::PostsInCategory {
                category_id: 3,
                count: 4
            }
        );
        assert_eq!(WidgetKind::parse(w.kind(), &w.settings_json()).unwrap(), w);
        assert_eq!(
            WidgetKind::parse("latest_posts", "").unwrap(),
            WidgetKind::LatestPosts { count: 5 }
        );
        assert_eq!(
            WidgetKind::parse("latest_posts", r#"{"count": 0}"#),
            Err(WidgetError::Count)
        );
        assert_eq!(
            WidgetKind::parse("latest_posts", r#"{"count": 21}"#),
            Err(WidgetError::Count)
        );
        assert!(matches!(
            WidgetKind::parse("posts_in_category", "{}"),
            Err(WidgetError::Settings(_))
        ));
        assert!(matches!(
            WidgetKind::parse("latest_posts", r#"{"cnt": 2}"#),
            Err(WidgetError::Settings(_))
        ));
        assert!(matches!(
            WidgetKind::parse("calendar", "{}"),
            Err(WidgetError::UnknownKind(_))
        ));
    }

    #[test]
    fn text_widgets_are_sanitized() {
        let w = WidgetKind::parse("text", r#"{"html": "<b>hi</b><script>x</script>"}"#).unwrap();
        assert_eq!(
            w,
            WidgetKind::Text {
                html: SafeHtml::from_trusted_storage("<b>hi</b>".into())
            }
        );
    }

    #[test]
    fn form_fields_are_checked_one_by_one() {
        let f = WidgetFields {
            title: "Sport".into(),
            category_id: "4".into(),
            count: "3".into(),
            ..Default::default()
        };
        assert_eq!(
            f.parse("posts_in_category").unwrap(),
            WidgetKind::PostsInCategory {
                category_id: 4,
                count: 3
            }
        );
        let bad = WidgetFields {
            count: "99".into(),
            ..Default::default()
        };
        let errors = bad.parse("posts_in_category").unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["category_id", "count"]
        );
        assert!(
            WidgetFields::default()
                .parse("text")
                .unwrap_err()
                .contains_key("html")
        );
        assert_eq!(
            WidgetFields::default().parse("featured_post").unwrap(),
            WidgetKind::FeaturedPost { article_id: None }
        );
        let w = WidgetKind::LatestPosts { count: 7 };
        assert_eq!(WidgetFields::of("", &w).parse("latest_posts").unwrap(), w);
    }
}
