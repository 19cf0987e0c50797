//! Site structure: settings, users, sections, tags, pages, widgets, menus.

use chrono::{DateTime, Utc};

use super::{ActionError, Actor, Result};
use crate::domain::settings::{SettingError, SiteSettings};
use crate::domain::slug::Slug;
use crate::domain::user::{Capability, NewUser};
use crate::domain::widget::WidgetKind;
use crate::store::Store;
use crate::store::comments::NewComment;
use crate::store::dialect::Tx;

/// Validates and stores site settings inside a caller's transaction (the demo); everything
/// else goes through [`update_settings`]. A new `language` re-indexes every story for search in
/// the same transaction when it changes how words are stemmed.
pub(crate) async fn put_settings(
    tx: &mut Tx,
    by: Actor<'_>,
    values: &[(&str, &str)],
) -> Result<()> {
    by.require(Capability::ManageSettings)?;
    let mut check = SiteSettings::default();
    for (name, value) in values {
        check.set(name, value).map_err(|e| match e {
            SettingError::Unknown(n) => {
                ActionError::invalid("setting", format!("unknown setting {n:?}"))
            }
            SettingError::Invalid(field, msg) => ActionError::invalid(field, msg),
        })?;
        Store::put_setting(tx, name, value.trim()).await?;
    }
    if values.iter().any(|(name, _)| *name == "language") {
        Store::refresh_search_index(tx).await?;
    }
    Ok(())
}

/// Changes site settings for someone whose role allows it (the newsroom's settings page).
/// Every value is checked before anything is stored; all the refused ones come back together,
/// by setting name, so each can be shown next to its field.
pub async fn update_settings(store: &Store, by: Actor<'_>, values: &[(&str, &str)]) -> Result<()> {
    by.require(Capability::ManageSettings)?;
    let mut check = SiteSettings::default();
    let mut errors = std::collections::BTreeMap::new();
    for (name, value) in values {
        match check.set(name, value) {
            Ok(()) => {}
            Err(SettingError::Invalid(field, msg)) => {
                errors.insert(field, msg);
            }
            Err(SettingError::Unknown(n)) => {
                return Err(ActionError::invalid(
                    "setting",
                    format!("unknown setting {n:?}"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ActionError::Fields(errors));
    }
    // Only what changed is written: an unchanged language must not re-index every story.
    let current = store.settings().await?.to_rows();
    let changed: Vec<(&str, &str)> = values
        .iter()
        .filter(|(name, value)| {
            !current
                .iter()
                .any(|(n, v)| n == name && v.as_str() == value.trim())
        })
        .copied()
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    put_settings(&mut tx, by, &changed).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates an account. Its public slug comes from the display name and is never the login.
pub async fn create_user(
    tx: &mut Tx,
    by: Actor<'_>,
    user: &NewUser,
    now: DateTime<Utc>,
) -> Result<i64> {
    by.require(Capability::ManageUsers)?;
    let login = user.login.trim();
    if login.is_empty()
        || login.len() > 60
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(ActionError::invalid(
            "login",
            "use 1 to 60 letters, digits, dots, hyphens, underscores or @",
        ));
    }
    if user.display_name.trim().is_empty() {
        return Err(ActionError::invalid(
            "display_name",
            "a display name is required",
        ));
    }
    if Store::user_id_by_login(tx, login).await?.is_some() {
        return Err(ActionError::invalid(
            "login",
            format!("{login:?} is already taken"),
        ));
    }
    let base = match &user.slug {
        Some(s) => Slug::parse(s).map_err(|e| ActionError::invalid("slug", e.to_string()))?,
        None => Slug::from_title(&user.display_name, "author"),
    };
    let taken = Store::user_slugs_like(tx, base.as_str()).await?;
    // The login is treated as taken so the public slug can never reveal it.
    let slug = base.first_free(taken.iter().map(String::as_str).chain([login]));
    let user = NewUser {
        login: login.to_owned(),
        email: crate::domain::user::normalize_email(&user.email),
        ..user.clone()
    };
    Ok(Store::insert_user(tx, &user, slug.as_str(), now).await?)
}

/// Creates a section under an optional parent.
pub async fn create_category(
    tx: &mut Tx,
    by: Actor<'_>,
    slug: &str,
    name: &str,
    description: &str,
    parent_id: Option<i64>,
    position: i32,
) -> Result<i64> {
    by.require(Capability::ManageTaxonomy)?;
    let slug = Slug::parse(slug).map_err(|e| ActionError::invalid("slug", e.to_string()))?;
    if name.trim().is_empty() {
        return Err(ActionError::invalid("name", "a section needs a name"));
    }
    Store::insert_category(
        tx,
        slug.as_str(),
        name.trim(),
        description.trim(),
        parent_id,
        position,
    )
    .await
    .map_err(|e| {
        if e.is_conflict_on("categories_slug_key") {
            ActionError::Conflict(format!("slug: a section {slug} already exists"))
        } else {
            e.into()
        }
    })
}

/// The id of the tag named `name`, created if new.
pub async fn ensure_tag(tx: &mut Tx, by: Actor<'_>, name: &str) -> Result<i64> {
    by.require(Capability::WriteDrafts)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ActionError::invalid("tag", "a tag needs a name"));
    }
    let slug = Slug::from_title(name, "tag");
    Ok(Store::ensure_tag(tx, slug.as_str(), name).await?)
}

/// Adds a widget to an area.
pub async fn add_widget(
    tx: &mut Tx,
    by: Actor<'_>,
    area: &str,
    position: i32,
    title: &str,
    kind: &WidgetKind,
) -> Result<i64> {
    by.require(Capability::ManageAppearance)?;
    if !["sidebar", "footer"].contains(&area) {
        return Err(ActionError::invalid(
            "area",
            format!("unknown widget area {area:?}"),
        ));
    }
    let max = super::structure::MAX_WIDGETS_PER_AREA;
    if Store::widget_ids_in_area(tx, area).await?.len() >= max {
        return Err(ActionError::invalid(
            "area",
            format!("an area holds at most {max} widgets"),
        ));
    }
    Ok(Store::insert_widget(tx, area, position, title.trim(), kind).await?)
}

/// A menu entry to add.
pub struct MenuEntry<'a> {
    pub label: &'a str,
    pub kind: &'a str,
    pub target_id: Option<i64>,
    pub url: &'a str,
}

/// Creates a menu at a theme location with its entries.
pub async fn create_menu(
    tx: &mut Tx,
    by: Actor<'_>,
    location: &str,
    name: &str,
    entries: &[MenuEntry<'_>],
) -> Result<i64> {
    by.require(Capability::ManageAppearance)?;
    let max = super::structure::MAX_MENU_ITEMS;
    if entries.len() > max {
        return Err(ActionError::invalid(
            "entries",
            format!("a menu holds at most {max} entries"),
        ));
    }
    let menu = Store::insert_menu(tx, location, name).await?;
    for (pos, e) in entries.iter().enumerate() {
        if !["category", "page", "article", "link"].contains(&e.kind) {
            return Err(ActionError::invalid(
                "kind",
                format!("unknown menu item kind {:?}", e.kind),
            ));
        }
        Store::insert_menu_item(tx, menu, pos as i32, e.label, e.kind, e.target_id, e.url).await?;
    }
    Ok(menu)
}

/// Stores a comment as given (the comment feature's rules apply before this).
pub async fn insert_comment(tx: &mut Tx, by: Actor<'_>, comment: &NewComment<'_>) -> Result<i64> {
    by.require(Capability::ModerateComments)?;
    Ok(Store::insert_comment(tx, comment).await?)
}
