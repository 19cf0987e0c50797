//! The export's header: people, sections and tags.

use super::text::*;
use super::*;

/// People, sections, tags and menus: everything the export lists before its items.
#[expect(
    clippy::too_many_arguments,
    reason = "the import's state, passed down once"
)]
pub(super) async fn header(
    store: &Store,
    by: Actor<'_>,
    channel: &crate::wordpress::reader::Channel,
    index: &mut Index,
    summary: &mut Summary,
    authors: &[Author],
    terms: &[Term],
    now: DateTime<Utc>,
) -> Result<()> {
    for base in [
        &channel.base_blog_url,
        &channel.link,
        &channel.base_site_url,
    ] {
        let host = without_scheme(base).trim_end_matches('/').to_owned();
        if !host.is_empty() && !index.hosts.contains(&host) && host != "wordpress.com" {
            let bare = host.strip_prefix("www.").unwrap_or(&host).to_owned();
            index.hosts.push(format!("www.{bare}"));
            index.hosts.push(bare);
        }
    }
    let mut tx = store.begin().await?;
    for a in authors {
        person(&mut tx, by, a, index, summary, now).await?;
    }
    categories(&mut tx, terms, index, summary).await?;
    for t in terms.iter().filter(|t| t.taxonomy == "post_tag") {
        let slug = term_slug(&t.slug, &t.name, "tag");
        let existed = match t.id {
            Some(wp) => Store::wordpress_id(&mut tx, WordpressKind::Tag, wp)
                .await?
                .is_some(),
            None => false,
        };
        let name = if t.name.is_empty() {
            slug.as_str()
        } else {
            &t.name
        };
        let id = Store::ensure_tag(&mut tx, slug.as_str(), name).await?;
        if let Some(wp) = t.id {
            Store::put_wordpress_id(&mut tx, WordpressKind::Tag, wp, id).await?;
        }
        let old = legacy_path(&format!("/tag/{}/", t.slug));
        if old != format!("/tag/{slug}/") {
            Store::put_legacy_url(&mut tx, &old, LegacyTarget::Tag, id).await?;
        }
        let c = summary.count("tags");
        if existed {
            c.updated += 1
        } else {
            c.created += 1
        }
    }
    index.menus = terms
        .iter()
        .filter(|t| t.taxonomy == "nav_menu")
        .cloned()
        .collect();
    tx.commit().await?;
    Ok(())
}

/// An old author: an existing account with the same login (or the one `--author-map` names),
/// or a new account without a password, whose person gets an invitation link.
pub(super) async fn person(
    tx: &mut Tx,
    by: Actor<'_>,
    a: &Author,
    index: &mut Index,
    summary: &mut Summary,
    now: DateTime<Utc>,
) -> Result<()> {
    let wp_id = a.id.unwrap_or(0);
    let valid = !a.login.is_empty()
        && a.login.len() <= 60
        && a.login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !valid {
        summary.count("people").failed += 1;
        summary.warn(
            "person",
            wp_id,
            format!("{:?} is not a login Newsdesk accepts; their items are credited to the first author", a.login),
        );
        return Ok(());
    }
    let existing = match index.users.get(&a.login) {
        Some(id) => Some(*id),
        None => Store::user_id_by_login(tx, &a.login).await?,
    };
    let id = match existing {
        Some(id) => {
            summary.count("people").updated += 1;
            id
        }
        None => {
            let email = crate::domain::user::normalize_email(&a.email);
            let email = if !email.is_empty() && Store::email_in_use(tx, &email).await? {
                summary.warn(
                    "person",
                    wp_id,
                    format!(
                        "{}: the email is another account's, so it was left empty",
                        a.login
                    ),
                );
                String::new()
            } else {
                email
            };
            let display_name = [
                a.display_name.as_str(),
                &format!("{} {}", a.first_name, a.last_name),
            ]
            .into_iter()
            .map(str::trim)
            .find(|n| !n.is_empty())
            .unwrap_or(&a.login)
            .to_owned();
            let user = NewUser {
                login: a.login.clone(),
                email,
                display_name: display_name.clone(),
                slug: None,
                bio: String::new(),
                role: Role::Author,
            };
            let id = crate::actions::site::create_user(tx, by, &user, now).await?;
            summary.count("people").created += 1;
            summary.invites.push(Invite {
                login: a.login.clone(),
                display_name,
                token: String::new(),
            });
            id
        }
    };
    if let Some(wp) = a.id {
        Store::put_wordpress_id(tx, WordpressKind::User, wp, id).await?;
    }
    // The old author archive by login: only an imported login is ever redirected, so the
    // live site never tells whether a login exists.
    Store::put_legacy_url(
        tx,
        &format!("/author/{}/", a.login.to_lowercase()),
        LegacyTarget::Author,
        id,
    )
    .await?;
    index.users.insert(a.login.clone(), id);
    index.fallback_author.get_or_insert(id);
    Ok(())
}

/// Sections, parents before children whatever order the export lists them in. A parent that is
/// missing, or a loop of parents, leaves the section at the top, with a warning.
pub(super) async fn categories(
    tx: &mut Tx,
    terms: &[Term],
    index: &mut Index,
    summary: &mut Summary,
) -> Result<()> {
    let cats: Vec<&Term> = terms.iter().filter(|t| t.taxonomy == "category").collect();
    let listed = |slug: &str| cats.iter().any(|c| c.slug == slug);
    // (term, whether its parent is kept) in an order where parents come first.
    let mut ordered: Vec<(&Term, bool)> = Vec::with_capacity(cats.len());
    let mut placed: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut rest = cats.clone();
    while !rest.is_empty() {
        let (ready, waiting): (Vec<&Term>, Vec<&Term>) = rest.into_iter().partition(|t| {
            t.parent.is_empty() || placed.contains(t.parent.as_str()) || !listed(&t.parent)
        });
        if ready.is_empty() {
            for t in &waiting {
                summary.warn(
                    "section",
                    t.id.unwrap_or(0),
                    format!("{}: its parents form a loop; placed at the top", t.slug),
                );
                ordered.push((t, false));
            }
            break;
        }
        for t in ready {
            let keep = !t.parent.is_empty() && listed(&t.parent);
            if !t.parent.is_empty() && !keep {
                summary.warn(
                    "section",
                    t.id.unwrap_or(0),
                    format!(
                        "{}: its parent {:?} is not in the export; placed at the top",
                        t.slug, t.parent
                    ),
                );
            }
            placed.insert(t.slug.as_str());
            ordered.push((t, keep));
        }
        rest = waiting;
    }
    let existing = Store::categories_in_tx(tx).await?;
    let mut by_slug: HashMap<String, i64> =
        existing.iter().map(|c| (c.slug.clone(), c.id)).collect();
    let mut position = existing.iter().map(|c| c.position).max().unwrap_or(0);
    let mut paths: HashMap<String, String> = HashMap::new();
    for (t, keep_parent) in ordered {
        let parent_id = if keep_parent {
            index.categories.get(&t.parent).copied()
        } else {
            None
        };
        let slug = term_slug(&t.slug, &t.name, "section");
        let name = if t.name.is_empty() {
            slug.as_str()
        } else {
            &t.name
        };
        let mapped = match t.id {
            Some(wp) => Store::wordpress_id(tx, WordpressKind::Category, wp).await?,
            None => None,
        };
        let current = match mapped.or_else(|| by_slug.get(slug.as_str()).copied()) {
            Some(id) => Store::category_in_tx(tx, id).await?,
            None => None,
        };
        let id = match current {
            Some(c) => {
                Store::update_category(
                    tx,
                    c.id,
                    &c.slug,
                    name,
                    &t.description,
                    parent_id,
                    c.position,
                )
                .await?;
                summary.count("sections").updated += 1;
                c.id
            }
            None => {
                position += 1;
                let id = Store::insert_category(
                    tx,
                    slug.as_str(),
                    name,
                    &t.description,
                    parent_id,
                    position,
                )
                .await?;
                by_slug.insert(slug.as_str().to_owned(), id);
                summary.count("sections").created += 1;
                id
            }
        };
        if let Some(wp) = t.id {
            Store::put_wordpress_id(tx, WordpressKind::Category, wp, id).await?;
        }
        let path = match paths.get(&t.parent).filter(|_| keep_parent) {
            Some(p) => format!("{p}{}/", t.slug),
            None => format!("/category/{}/", t.slug),
        };
        Store::put_legacy_url(tx, &path, LegacyTarget::Section, id).await?;
        paths.insert(t.slug.clone(), path);
        index.categories.insert(t.slug.clone(), id);
    }
    Ok(())
}
