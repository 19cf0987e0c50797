//! The query parameters of API requests, checked as WordPress checks them: each bad value is a
//! `rest_invalid_param` naming the parameter, never a 500. Lists come as WordPress clients send
//! them: `include=1,2`, `include[]=1&include[]=2` or `include[0]=1`.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::errors::ApiError;
use crate::store::rest::{ListFilter, Order, OrderBy};

/// The most items one page of a collection holds.
pub const MAX_PER_PAGE: i64 = 100;

/// The most items a list parameter (`include`, `exclude`, `slug`, `author`, `categories`…)
/// takes.
pub const MAX_LIST: usize = 100;

/// The query string as name/value pairs, names without their `[…]` suffix.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// The pairs as sent, for the links to other pages of a collection.
    raw: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "rest_invalid_param",
                    "The query string could not be understood.",
                )
            })?;
        let raw = pairs.clone();
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| {
                let name = k.split_once('[').map_or(k.as_str(), |(n, _)| n).to_owned();
                (name, v)
            })
            .collect();
        Ok(Params { pairs, raw })
    }

    /// The query string as sent, with `page` set to `page` (and `rest_route` left out).
    pub fn with_page(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .raw
            .iter()
            .filter(|(k, _)| k != "page" && k != "rest_route")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("page", page.to_string()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The last value given for a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// Every value given for a list parameter, comma-separated values split.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A whole number within `[min, max]`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let n: i64 = v.trim().parse().map_err(|_| {
            ApiError::invalid_param(name, format!("{name} is not of type integer."))
        })?;
        if n < min || n > max {
            let why = if max == i64::MAX {
                format!("{name} must be greater than or equal to {min}")
            } else {
                format!("{name} must be between {min} (inclusive) and {max} (inclusive)")
            };
            return Err(ApiError::invalid_param(name, why));
        }
        Ok(Some(n))
    }

    /// A list of ids (whole numbers from 0), at most [`MAX_LIST`] of them.
    pub fn ids(&self, name: &str) -> Result<Vec<i64>, ApiError> {
        self.capped_list(name)?
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    ApiError::invalid_param(name, format!("{name}[{i}] is not of type integer."))
                })
            })
            .collect()
    }

    /// A list parameter of at most [`MAX_LIST`] items: a longer one is refused rather than
    /// sent to the database.
    pub fn capped_list(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        let items = self.list(name);
        if items.len() > MAX_LIST {
            return Err(ApiError::invalid_param(
                name,
                format!("{name} must contain at most {MAX_LIST} items."),
            ));
        }
        Ok(items)
    }

    /// `true`/`false` (or `1`/`0`).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(str::trim) {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_param(
                name,
                format!("{name} is not of type boolean."),
            )),
        }
    }

    /// One of the allowed words.
    pub fn one_of<'a>(&self, name: &str, allowed: &[&'a str]) -> Result<Option<&'a str>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        allowed
            .iter()
            .find(|a| **a == v)
            .copied()
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid_param(
                    name,
                    format!("{name} is not one of {}.", allowed.join(", ")),
                )
            })
    }

    /// A date as WordPress takes it: RFC 3339 with an offset, or a plain
    /// `YYYY-MM-DDTHH:MM:SS` in the site's time zone.
    pub fn date(&self, name: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, ApiError> {
        match self.get(name) {
            Some(v) => parse_date(name, v, tz).map(Some),
            None => Ok(None),
        }
    }
}

/// A date as WordPress takes it: RFC 3339 with an offset, or a plain `YYYY-MM-DDTHH:MM:SS` in
/// `tz` (the site's time zone, or UTC for the `*_gmt` fields).
pub fn parse_date(name: &str, v: &str, tz: Tz) -> Result<DateTime<Utc>, ApiError> {
    let v = v.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(v) {
        return Ok(d.to_utc());
    }
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S"))
        .ok()
        .and_then(|n| tz.from_local_datetime(&n).earliest())
        .map(|d| d.to_utc())
        .ok_or_else(|| ApiError::invalid_param(name, "Invalid date."))
}

/// `context`: what shape each item takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    View,
    Embed,
    /// What the newsroom edits: raw text, every status (signed-in people only).
    Edit,
}

/// The global parameters every API answer takes.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `_fields`: the only fields to send (dotted for nested ones), when given.
    pub fields: Option<Vec<String>>,
    /// `_embed`: which linked resources to embed (empty: all embeddable ones).
    pub embed: Option<Vec<String>>,
    /// `_envelope`: status and headers go in the body.
    pub envelope: bool,
}

impl Globals {
    pub fn parse(p: &Params) -> Globals {
        let fields = p
            .has("_fields")
            .then(|| p.list("_fields").into_iter().map(str::to_owned).collect());
        let embed = p.has("_embed").then(|| {
            p.list("_embed")
                .into_iter()
                .filter(|r| !matches!(*r, "1" | "true"))
                .map(str::to_owned)
                .collect()
        });
        Globals {
            fields,
            embed,
            envelope: p.has("_envelope"),
        }
    }

    /// Whether `_embed` asks for this link relation.
    pub fn embeds(&self, rel: &str) -> bool {
        self.embed
            .as_ref()
            .is_some_and(|rels| rels.is_empty() || rels.iter().any(|r| r == rel))
    }
}

/// `context`, refusing `edit` (it needs a signed-in editor) with WordPress's 401.
pub fn context(p: &Params, what: &str) -> Result<Context, ApiError> {
    match p.one_of("context", &["view", "embed", "edit"])? {
        Some("edit") => Err(ApiError::forbidden_context(what)),
        Some("embed") => Ok(Context::Embed),
        _ => Ok(Context::View),
    }
}

/// The shared collection parameters, with the `orderby` values this collection allows (the
/// first is its default) and its default order.
pub fn list_filter(
    p: &Params,
    orderby: &[(&'static str, OrderBy)],
    default_order: Order,
) -> Result<(ListFilter, i64), ApiError> {
    let page = p.int("page", 1, i64::MAX)?.unwrap_or(1);
    let per_page = p.int("per_page", 1, MAX_PER_PAGE)?.unwrap_or(10);
    let offset = p.int("offset", 0, i64::MAX)?;
    let names: Vec<&str> = orderby.iter().map(|(n, _)| *n).collect();
    let by = match p.one_of("orderby", &names)? {
        Some(name) => orderby
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(OrderBy::Date, |(_, o)| *o),
        None => orderby.first().map_or(OrderBy::Date, |(_, o)| *o),
    };
    let order = match p.one_of("order", &["asc", "desc"])? {
        Some("asc") => Order::Asc,
        Some(_) => Order::Desc,
        None => default_order,
    };
    let include = p.ids("include")?;
    if by == OrderBy::Include && include.is_empty() {
        return Err(ApiError::invalid_param(
            "orderby",
            "You need to define an include parameter to order by include.",
        ));
    }
    let skip = offset.unwrap_or((page - 1).saturating_mul(per_page));
    let filter = ListFilter {
        include,
        exclude: p.ids("exclude")?,
        slugs: p
            .capped_list("slug")?
            .into_iter()
            .map(str::to_owned)
            .collect(),
        search: p
            .get("search")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        order,
        orderby: by,
        limit: u32::try_from(per_page).unwrap_or(10),
        offset: u32::try_from(skip).map_err(|_| {
            let name = if offset.is_some() { "offset" } else { "page" };
            ApiError::invalid_param(name, format!("{name} is larger than the site can list."))
        })?,
    };
    Ok((filter, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_in_every_form_clients_send() {
        let p = Params::parse(Some("include=1,2&include[]=3&exclude%5B0%5D=4")).unwrap();
        assert_eq!(p.ids("include").unwrap(), vec![1, 2, 3]);
        assert_eq!(p.ids("exclude").unwrap(), vec![4]);
        let bad = Params::parse(Some("include=1,x")).unwrap();
        let e = bad.ids("include").unwrap_err();
        assert_eq!(e.code, "rest_invalid_param");
        assert_eq!(e.params["include"], "include[1] is not of type integer.");
    }

    #[test]
    fn numbers_are_checked_against_their_range() {
        let p = Params::parse(Some("per_page=101&page=abc")).unwrap();
        assert_eq!(
            p.int("per_page", 1, 100).unwrap_err().params["per_page"],
            "per_page must be between 1 (inclusive) and 100 (inclusive)"
        );
        assert_eq!(
            p.int("page", 1, i64::MAX).unwrap_err().params["page"],
            "page is not of type integer."
        );
    }

    #[test]
    fn dates_without_an_offset_are_in_the_site_time_zone() {
        let p = Params::parse(Some(
            "after=2026-07-01T12:00:00&before=2026-07-01T12:00:00Z",
        ))
        .unwrap();
        let tz: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            p.date("after", tz).unwrap().unwrap().to_rfc3339(),
            "2026-07-01T10:00:00+00:00"
        );
        assert_eq!(
            p.date("before", tz).unwrap().unwrap().to_rfc3339(),
            "2026-07-01T12:00:00+00:00"
        );
        let bad = Params::parse(Some("after=yesterday")).unwrap();
        assert!(bad.date("after", tz).is_err());
    }
}
