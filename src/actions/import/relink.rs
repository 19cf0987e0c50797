//! The import's last step: links from one old post to another point at the new address.
//!
//! While a post is converted, a link to another address on the old site becomes that path on
//! this site, which answers with a redirect (`web::site::legacy`); the post it names may not be
//! imported yet. Once every story and page is in, the stories and pages holding such links are
//! read again and each link to a story or page readers can see is replaced by its address
//! here, so readers follow no redirect. Links to anything else (sections, tags, people, images,
//! items not published) keep the old path, which still redirects, or shows the 404 page. Each
//! batch is its own transaction: a stop part-way leaves working redirects, and the same import
//! run again finishes the job.

use std::collections::HashMap;

use super::*;
use crate::domain::article::article_path;
use crate::domain::legacy::legacy_key;

/// Rewrites the links in `index.relink`'s stories and pages.
pub(super) async fn relink(
    store: &Store,
    index: &Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<(), ImportError> {
    let tz = index.tz.unwrap_or(chrono_tz::UTC);
    let mut found: HashMap<String, Option<String>> = HashMap::new();
    let mut changed = 0u64;
    for kind in [LegacyTarget::Story, LegacyTarget::Page] {
        let ids: Vec<i64> = index
            .relink
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        for chunk in ids.chunks(BATCH) {
            let mut tx = store.begin().await.map_err(ActionError::from)?;
            for (id, body) in Store::imported_bodies(&mut tx, kind, chunk)
                .await
                .map_err(ActionError::from)?
            {
                for href in site_links(&body) {
                    if !found.contains_key(href) {
                        let url = new_address(store, href, tz, now)
                            .await
                            .map_err(ActionError::from)?;
                        found.insert(href.to_owned(), url);
                    }
                }
                let rewritten = rewrite(&body, &found);
                if rewritten != body {
                    Store::set_imported_body(&mut tx, kind, id, &rewritten)
                        .await
                        .map_err(ActionError::from)?;
                    changed += 1;
                }
            }
            tx.commit().await.map_err(ActionError::from)?;
        }
    }
    summary.links_rewritten = changed;
    Ok(())
}

/// The values of the `href="/…"` attributes in sanitized HTML (always double-quoted), as
/// written (entities escaped).
fn site_links(html: &str) -> impl Iterator<Item = &str> {
    html.split("href=\"").skip(1).filter_map(|rest| {
        let value = &rest[..rest.find('"')?];
        (value.starts_with('/') && !value.starts_with("//")).then_some(value)
    })
}

/// `html` with each `href` value that `found` gives a new address for replaced.
fn rewrite(html: &str, found: &HashMap<String, Option<String>>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut parts = html.split("href=\"");
    out.push_str(parts.next().unwrap_or(""));
    for rest in parts {
        out.push_str("href=\"");
        let new = rest
            .find('"')
            .and_then(|end| Some((found.get(&rest[..end])?.as_deref()?, end)));
        match new {
            Some((url, end)) => {
                out.push_str(&crate::domain::html::escape(url));
                out.push_str(&rest[end..]);
            }
            None => out.push_str(rest),
        }
    }
    out
}

/// Where an old path (as escaped in HTML) of a story or page readers can see now is.
async fn new_address(
    store: &Store,
    href: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> crate::store::Result<Option<String>> {
    let href = crate::domain::html::decode_entities(href);
    let (address, fragment) = match href.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (href.as_str(), None),
    };
    let Some(key) = legacy_key(address) else {
        return Ok(None);
    };
    let target = match query_link(&key) {
        Some((wp_kind, kind, wp_id)) => store
            .wordpress_local_id(wp_kind, wp_id)
            .await?
            .map(|id| (kind, id)),
        None => store.legacy_target(&key).await?,
    };
    let url = match target {
        Some((LegacyTarget::Story, id)) => store
            .published_slug_by_id(id, now)
            .await?
            .map(|(slug, at)| article_path(at, &slug, tz)),
        Some((LegacyTarget::Page, id)) if store.published_page_exists_by_id(id).await? => {
            Some(store.page_url(id).await?)
        }
        _ => None,
    };
    Ok(url.map(|url| match fragment {
        Some(f) => format!("{url}#{f}"),
        None => url,
    }))
}

/// `/?p=ID` and `/?page_id=ID`, the old site's links by id.
fn query_link(key: &str) -> Option<(WordpressKind, LegacyTarget, i64)> {
    let query = key.strip_prefix("/?")?;
    let (name, value) = query.split_once('=')?;
    let id = value.parse().ok()?;
    match name {
        "p" => Some((WordpressKind::Post, LegacyTarget::Story, id)),
        "page_id" => Some((WordpressKind::Page, LegacyTarget::Page, id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_links_within_the_site_are_rewritten() {
        let html = r#"<p><a href="/2001/01/a/">a</a> <a href="https://elsewhere.example/x">b</a> <a href="//cdn.example/y">c</a> <a href="/?p=7&amp;x=1">d</a> <a href="/gone/">e</a></p>"#;
        assert_eq!(
            site_links(html).collect::<Vec<_>>(),
            ["/2001/01/a/", "/?p=7&amp;x=1", "/gone/"]
        );
        let found = HashMap::from([
            ("/2001/01/a/".to_owned(), Some("/2024/05/06/a/".to_owned())),
            ("/gone/".to_owned(), None),
        ]);
        assert_eq!(
            rewrite(html, &found),
            html.replace("/2001/01/a/", "/2024/05/06/a/")
        );
    }

    #[test]
    fn links_by_id_are_read_from_the_query() {
        assert_eq!(
            query_link("/?p=12"),
            Some((WordpressKind::Post, LegacyTarget::Story, 12))
        );
        assert_eq!(
            query_link("/?page_id=3"),
            Some((WordpressKind::Page, LegacyTarget::Page, 3))
        );
        assert_eq!(query_link("/?cat=3"), None);
        assert_eq!(query_link("/2001/01/a"), None);
    }
}
