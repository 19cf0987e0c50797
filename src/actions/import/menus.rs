//! The page hierarchy and the menus, once everything they point at is in.

use super::*;

pub(super) fn menu_item(item: &Item) -> MenuItem {
    let meta = |k: &str| item.meta(k).unwrap_or("").trim().to_owned();
    MenuItem {
        wp_id: item.id,
        menu_slug: item
            .terms
            .iter()
            .find(|t| t.domain == "nav_menu")
            .map(|t| t.slug.clone())
            .unwrap_or_default(),
        title: item.title.trim().to_owned(),
        order: item.menu_order,
        kind: meta("_menu_item_type"),
        object: meta("_menu_item_object"),
        object_id: meta("_menu_item_object_id").parse().unwrap_or(0),
        url: meta("_menu_item_url"),
        parent: meta("_menu_item_menu_item_parent").parse().unwrap_or(0),
    }
}

/// Every page under its old parent (the export may list a child first).
pub(super) async fn page_parents(tx: &mut Tx, index: &Index, summary: &mut Summary) -> Result<()> {
    for (wp_id, id, parent_wp) in &index.page_parents {
        let Some(parent) = index.pages.get(parent_wp) else {
            summary.warn(
                "page",
                *wp_id,
                "its parent page is not in the export; placed at the top",
            );
            continue;
        };
        // A parent chain that leads back to the page would be a loop.
        let mut at = *parent_wp;
        let mut looped = false;
        for _ in 0..64 {
            if at == *wp_id {
                looped = true;
                break;
            }
            match index.page_parents.iter().find(|(w, _, _)| *w == at) {
                Some((_, _, p)) => at = *p,
                None => break,
            }
        }
        if looped {
            summary.warn("page", *wp_id, "its parents form a loop; placed at the top");
            continue;
        }
        Store::set_page_parent(tx, *id, Some(*parent)).await?;
    }
    Ok(())
}

/// The export's menus at the header and footer: Newsdesk has those two places, so the menu
/// whose name says header (primary, main, top) goes there, one that says footer (or social)
/// in the footer, and the largest other menu takes the header if none says so. The rest are
/// listed as left out. Entries nest one level here; deeper ones join their top entry.
pub(super) async fn menus(tx: &mut Tx, index: &Index, summary: &mut Summary) -> Result<()> {
    let size = |slug: &str| {
        index
            .menu_items
            .iter()
            .filter(|m| m.menu_slug == slug)
            .count()
    };
    let named = |words: &[&str]| {
        index.menus.iter().find(|m| {
            let n = format!("{} {}", m.name, m.slug).to_lowercase();
            words.iter().any(|w| n.contains(w)) && size(&m.slug) > 0
        })
    };
    let footer = named(&["footer", "social"]);
    let header = named(&["header", "primary", "main", "top"]).or_else(|| {
        index
            .menus
            .iter()
            .filter(|m| {
                Some(m.slug.as_str()) != footer.map(|f| f.slug.as_str()) && size(&m.slug) > 0
            })
            .max_by_key(|m| size(&m.slug))
    });
    for m in &index.menus {
        // The header's location (`actions::structure::MENU_LOCATIONS`).
        let location = if Some(&m.slug) == header.map(|h| &h.slug) {
            "primary"
        } else if Some(&m.slug) == footer.map(|f| &f.slug) {
            "footer"
        } else {
            summary.count("menus").skipped += 1;
            summary.warn(
                "menu",
                m.id.unwrap_or(0),
                format!(
                    "{:?} ({} entries) was left out: this site has a header and a footer menu",
                    m.name,
                    size(&m.slug)
                ),
            );
            continue;
        };
        let menu_id = match Store::menu_at(tx, location).await? {
            Some(id) => {
                Store::clear_menu(tx, id).await?;
                summary.count("menus").updated += 1;
                id
            }
            None => {
                summary.count("menus").created += 1;
                Store::insert_menu(tx, location, &m.name).await?
            }
        };
        if let Some(wp) = m.id {
            Store::put_wordpress_id(tx, WordpressKind::Menu, wp, menu_id).await?;
        }
        let mut entries: Vec<&MenuItem> = index
            .menu_items
            .iter()
            .filter(|i| i.menu_slug == m.slug)
            .collect();
        entries.sort_by_key(|i| (i.order, i.wp_id));
        let top_of = |start: &MenuItem| -> i64 {
            let (mut top, mut parent) = (start.wp_id, start.parent);
            for _ in 0..16 {
                match entries.iter().find(|e| e.wp_id == parent) {
                    Some(p) => (top, parent) = (p.wp_id, p.parent),
                    None => break,
                }
            }
            top
        };
        let mut placed: HashMap<i64, i64> = HashMap::new();
        let mut positions: HashMap<Option<i64>, i32> = HashMap::new();
        for (n, e) in entries.iter().enumerate() {
            if n >= crate::actions::structure::MAX_MENU_ITEMS {
                summary.count("menu entries").skipped += 1;
                summary.warn(
                    "menu entry",
                    e.wp_id,
                    format!(
                        "a menu holds at most {} entries",
                        crate::actions::structure::MAX_MENU_ITEMS
                    ),
                );
                continue;
            }
            let (kind, target, url) = match (e.kind.as_str(), e.object.as_str()) {
                ("post_type", "page") => (
                    "page",
                    index.pages.get(&e.object_id).copied(),
                    String::new(),
                ),
                ("post_type", "post") => {
                    // A story this or an earlier import brought, unless deleted since.
                    let id = match Store::wordpress_id(tx, WordpressKind::Post, e.object_id).await?
                    {
                        Some(id) if Store::story_exists_in(tx, id).await? => Some(id),
                        _ => None,
                    };
                    ("article", id, String::new())
                }
                ("taxonomy", "category") => {
                    let id = Store::wordpress_id(tx, WordpressKind::Category, e.object_id).await?;
                    ("category", id, String::new())
                }
                ("taxonomy", "post_tag") => {
                    match Store::wordpress_id(tx, WordpressKind::Tag, e.object_id).await? {
                        Some(id) => match Store::tag_slug_in(tx, id).await? {
                            Some(slug) => ("link", Some(0), format!("/tag/{slug}/")),
                            None => ("link", None, String::new()),
                        },
                        None => ("link", None, String::new()),
                    }
                }
                _ => {
                    let url = index.old_path(&e.url).unwrap_or_else(|| e.url.clone());
                    let ok = crate::actions::structure::is_safe_link(&url);
                    ("link", ok.then_some(0), url)
                }
            };
            let Some(target) = target else {
                summary.count("menu entries").skipped += 1;
                summary.warn(
                    "menu entry",
                    e.wp_id,
                    format!("{:?} points at something not imported", e.title),
                );
                continue;
            };
            let label = if kind == "link" && e.title.is_empty() {
                url.clone()
            } else {
                e.title.clone()
            };
            let parent = if e.parent == 0 {
                None
            } else {
                placed.get(&top_of(e)).copied()
            };
            let pos = positions.entry(parent).or_default();
            let target = (kind != "link").then_some(target);
            let id = Store::insert_menu_item(tx, menu_id, *pos, &label, kind, target, &url).await?;
            *pos += 1;
            if parent.is_some() {
                Store::set_menu_item_parent(tx, id, parent).await?;
            } else {
                placed.insert(e.wp_id, id);
            }
            Store::put_wordpress_id(tx, WordpressKind::MenuItem, e.wp_id, id).await?;
            summary.count("menu entries").created += 1;
        }
    }
    Ok(())
}
