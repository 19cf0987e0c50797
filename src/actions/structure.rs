//! The site's structure as the newsroom edits it: sections, tags, widgets and menus. Each action
//! checks the actor's role first and changes nothing when refused; each runs in one transaction,
//! whose commit refreshes the public pages.

use std::collections::BTreeMap;

use super::audit::{self, Event};
use super::{ActionError, Actor, Result};
use crate::domain::audit::AuditAction;
use crate::domain::slug::Slug;
use crate::domain::user::Capability;
use crate::domain::widget::{WidgetFields, WidgetKind};
use crate::store::Store;
use crate::store::dialect::Tx;
use crate::store::taxonomy::Category;

/// Section slugs that would clash with the archive's own addresses (`…/page/2/`, `…/feed/`).
const RESERVED_SECTION_SLUGS: &[&str] = &["page", "feed"];

/// Which way to move something in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            _ => None,
        }
    }
}

/// Moves `id` one place in `ids` and returns the new order, or `None` when it cannot move.
fn moved(mut ids: Vec<i64>, id: i64, direction: Direction) -> Option<Vec<i64>> {
    let i = ids.iter().position(|x| *x == id)?;
    let j = match direction {
        Direction::Up => i.checked_sub(1)?,
        Direction::Down => Some(i + 1).filter(|j| *j < ids.len())?,
    };
    ids.swap(i, j);
    Some(ids)
}

fn fields(pairs: impl IntoIterator<Item = (&'static str, String)>) -> ActionError {
    ActionError::Fields(pairs.into_iter().collect())
}

// ----- Sections -----

/// A section as typed into the admin's form. An empty slug is made from the name.
#[derive(Debug, Clone, Default)]
pub struct SectionInput {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub parent_id: Option<i64>,
}

/// Checks a section's fields and chooses its slug; `id` is the section being edited.
async fn checked_section(
    tx: &mut Tx,
    input: &SectionInput,
    id: Option<i64>,
    all: &[Category],
) -> Result<(String, String, String)> {
    let mut errors = BTreeMap::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.insert("name", "a section needs a name".to_owned());
    } else if name.chars().count() > 200 {
        errors.insert("name", "keep the name under 200 characters".to_owned());
    }
    if input.description.chars().count() > 2000 {
        errors.insert(
            "description",
            "keep the description under 2,000 characters".to_owned(),
        );
    }
    if let Some(parent) = input.parent_id {
        if !all.iter().any(|c| c.id == parent) {
            errors.insert("parent_id", "that section no longer exists".to_owned());
        } else if let Some(id) = id
            && is_within(all, parent, id)
        {
            errors.insert(
                "parent_id",
                "a section cannot go under itself or one of its own sub-sections".to_owned(),
            );
        }
    }
    let typed = input.slug.trim();
    let slug = if typed.is_empty() {
        if name.is_empty() {
            String::new()
        } else {
            let base = Slug::from_title(name, "section");
            let taken = Store::category_slugs_like(tx, base.as_str()).await?;
            let own = id.and_then(|id| all.iter().find(|c| c.id == id).map(|c| c.slug.clone()));
            let taken = taken
                .iter()
                .map(String::as_str)
                .filter(|s| Some(*s) != own.as_deref())
                .chain(RESERVED_SECTION_SLUGS.iter().copied());
            base.first_free(taken).as_str().to_owned()
        }
    } else {
        match Slug::parse(typed) {
            Err(e) => {
                errors.insert("slug", e.to_string());
                String::new()
            }
            Ok(s) if RESERVED_SECTION_SLUGS.contains(&s.as_str()) => {
                errors.insert(
                    "slug",
                    format!("“{s}” is part of the archive's own addresses; choose another"),
                );
                String::new()
            }
            Ok(s) => {
                if all.iter().any(|c| c.slug == s.as_str() && Some(c.id) != id) {
                    errors.insert(
                        "slug",
                        format!("another section already uses the address “{s}”"),
                    );
                }
                s.as_str().to_owned()
            }
        }
    };
    if !errors.is_empty() {
        return Err(ActionError::Fields(errors));
    }
    Ok((slug, name.to_owned(), input.description.trim().to_owned()))
}

/// Whether section `id` is `ancestor` or lies below it.
fn is_within(all: &[Category], id: i64, ancestor: i64) -> bool {
    let mut cur = Some(id);
    let mut steps = 0;
    while let Some(c) = cur {
        if c == ancestor {
            return true;
        }
        steps += 1;
        if steps > all.len() {
            return false;
        }
        cur = all.iter().find(|x| x.id == c).and_then(|x| x.parent_id);
    }
    false
}

fn next_position(all: &[Category], parent: Option<i64>, except: Option<i64>) -> i32 {
    all.iter()
        .filter(|c| c.parent_id == parent && Some(c.id) != except)
        .map(|c| c.position + 1)
        .max()
        .unwrap_or(0)
}

fn slug_conflict(e: crate::store::StoreError) -> ActionError {
    if e.is_conflict_on("categories_slug_key") {
        fields([(
            "slug",
            "another section already uses this address".to_owned(),
        )])
    } else {
        e.into()
    }
}

/// Creates a section, last among its siblings.
pub async fn create_section(store: &Store, by: Actor<'_>, input: &SectionInput) -> Result<i64> {
    by.require(Capability::ManageTaxonomy)?;
    let mut tx = store.begin().await?;
    let all = Store::categories_in_tx(&mut tx).await?;
    let (slug, name, description) = checked_section(&mut tx, input, None, &all).await?;
    let position = next_position(&all, input.parent_id, None);
    let id = Store::insert_category(
        &mut tx,
        &slug,
        &name,
        &description,
        input.parent_id,
        position,
    )
    .await
    .map_err(slug_conflict)?;
    Store::drop_category_redirect(&mut tx, &slug).await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames a section, changes its slug or description, or moves it under another parent. Its
/// old address keeps leading to it.
pub async fn edit_section(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    input: &SectionInput,
) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    let mut tx = store.begin().await?;
    let all = Store::categories_in_tx(&mut tx).await?;
    let old = all
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| ActionError::NotFound("There is no such section.".into()))?;
    let (slug, name, description) = checked_section(&mut tx, input, Some(id), &all).await?;
    let position = if old.parent_id == input.parent_id {
        old.position
    } else {
        next_position(&all, input.parent_id, Some(id))
    };
    Store::update_category(
        &mut tx,
        id,
        &slug,
        &name,
        &description,
        input.parent_id,
        position,
    )
    .await
    .map_err(slug_conflict)?;
    if slug != old.slug {
        Store::drop_category_redirect(&mut tx, &slug).await?;
        Store::put_category_redirect(&mut tx, &old.slug, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Moves a section one place up or down among its siblings.
pub async fn move_section(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    direction: Direction,
) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    let mut tx = store.begin().await?;
    let all = Store::categories_in_tx(&mut tx).await?;
    let me = all
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ActionError::NotFound("There is no such section.".into()))?;
    // `all` is already in display order.
    let siblings: Vec<i64> = all
        .iter()
        .filter(|c| c.parent_id == me.parent_id)
        .map(|c| c.id)
        .collect();
    if let Some(order) = moved(siblings, id, direction) {
        for (pos, sid) in order.iter().enumerate() {
            Store::set_category_position(&mut tx, *sid, pos as i32).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Merges section `from` into `into`: its stories, sub-sections, menu entries, widgets and old
/// addresses all go to `into`, and `from` is deleted (its address then leads to `into`).
pub async fn merge_section(store: &Store, by: Actor<'_>, from: i64, into: i64) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    if from == into {
        return Err(fields([(
            "into",
            "choose another section to merge into".to_owned(),
        )]));
    }
    let mut tx = store.begin().await?;
    let all = Store::categories_in_tx(&mut tx).await?;
    let find = |id| all.iter().find(|c| c.id == id).cloned();
    let source =
        find(from).ok_or_else(|| ActionError::NotFound("There is no such section.".into()))?;
    let target =
        find(into).ok_or_else(|| fields([("into", "that section no longer exists".to_owned())]))?;
    // A target inside the merged section first steps out of it, so no section ends up
    // under its own sub-section.
    if is_within(&all, into, from) {
        Store::update_category(
            &mut tx,
            into,
            &target.slug,
            &target.name,
            &target.description,
            source.parent_id,
            next_position(&all, source.parent_id, Some(into)),
        )
        .await?;
    }
    Store::move_category_contents(&mut tx, from, into).await?;
    follow_section_in_widgets(&mut tx, from, into).await?;
    Store::delete_category(&mut tx, from, Some(into)).await?;
    Store::put_category_redirect(&mut tx, &source.slug, into).await?;
    let event = Event::new(
        AuditAction::SectionDelete,
        format!("section {}", source.slug),
    )
    .detail(format!("merged into {}", target.slug));
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a section. Its stories join `stories_to` (or are left without this section); its
/// sub-sections move up to its parent.
pub async fn delete_section(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    stories_to: Option<i64>,
) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    if stories_to == Some(id) {
        return Err(fields([(
            "stories_to",
            "the stories cannot stay in the section being deleted".to_owned(),
        )]));
    }
    let mut tx = store.begin().await?;
    let section = Store::category_in_tx(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("There is no such section.".into()))?;
    if let Some(to) = stories_to {
        if Store::category_in_tx(&mut tx, to).await?.is_none() {
            return Err(fields([(
                "stories_to",
                "that section no longer exists".to_owned(),
            )]));
        }
        Store::move_category_contents(&mut tx, id, to).await?;
        follow_section_in_widgets(&mut tx, id, to).await?;
    }
    Store::delete_category(&mut tx, id, section.parent_id).await?;
    if let Some(to) = stories_to {
        Store::put_category_redirect(&mut tx, &section.slug, to).await?;
    }
    let event = Event::new(
        AuditAction::SectionDelete,
        format!("section {}", section.slug),
    );
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(())
}

/// "Posts in section" widgets showing `from` show `to` instead.
async fn follow_section_in_widgets(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
    for w in Store::widget_records_of_kind(tx, "posts_in_category").await? {
        if let Ok(WidgetKind::PostsInCategory { category_id, count }) =
            WidgetKind::parse(&w.kind, &w.settings)
            && category_id == from
        {
            let kind = WidgetKind::PostsInCategory {
                category_id: to,
                count,
            };
            Store::update_widget(tx, w.id, &w.title, &kind).await?;
        }
    }
    Ok(())
}

// ----- Tags -----

/// A tag as typed into the admin's form. An empty slug is made from the name.
#[derive(Debug, Clone, Default)]
pub struct TagInput {
    pub name: String,
    pub slug: String,
    pub description: String,
}

async fn checked_tag(tx: &mut Tx, input: &TagInput, id: Option<i64>) -> Result<(String, String)> {
    let mut errors = BTreeMap::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.insert("name", "a tag needs a name".to_owned());
    } else if name.chars().count() > 200 {
        errors.insert("name", "keep the name under 200 characters".to_owned());
    }
    let typed = input.slug.trim();
    let slug = if typed.is_empty() {
        if name.is_empty() {
            String::new()
        } else {
            let base = Slug::from_title(name, "tag");
            let own = match id {
                Some(id) => Store::tag_in_tx(tx, id).await?.map(|t| t.slug),
                None => None,
            };
            let taken = Store::tag_slugs_like(tx, base.as_str()).await?;
            base.first_free(
                taken
                    .iter()
                    .map(String::as_str)
                    .filter(|s| Some(*s) != own.as_deref()),
            )
            .as_str()
            .to_owned()
        }
    } else {
        match Slug::parse(typed) {
            Ok(s) => s.as_str().to_owned(),
            Err(e) => {
                errors.insert("slug", e.to_string());
                String::new()
            }
        }
    };
    if !errors.is_empty() {
        return Err(ActionError::Fields(errors));
    }
    Ok((slug, name.to_owned()))
}

fn tag_conflict(e: crate::store::StoreError) -> ActionError {
    if e.is_conflict_on("tags_slug_key") {
        fields([("slug", "another tag already uses this address".to_owned())])
    } else {
        e.into()
    }
}

pub async fn create_tag(store: &Store, by: Actor<'_>, input: &TagInput) -> Result<i64> {
    by.require(Capability::ManageTaxonomy)?;
    let mut tx = store.begin().await?;
    let (slug, name) = checked_tag(&mut tx, input, None).await?;
    let id = Store::insert_tag(&mut tx, &slug, &name, input.description.trim())
        .await
        .map_err(tag_conflict)?;
    tx.commit().await?;
    Ok(id)
}

pub async fn edit_tag(store: &Store, by: Actor<'_>, id: i64, input: &TagInput) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    let mut tx = store.begin().await?;
    if Store::tag_in_tx(&mut tx, id).await?.is_none() {
        return Err(ActionError::NotFound("There is no such tag.".into()));
    }
    let (slug, name) = checked_tag(&mut tx, input, Some(id)).await?;
    Store::update_tag(&mut tx, id, &slug, &name, input.description.trim())
        .await
        .map_err(tag_conflict)?;
    tx.commit().await?;
    Ok(())
}

/// Gives every story of tag `from` the tag `into`, then deletes `from`.
pub async fn merge_tag(store: &Store, by: Actor<'_>, from: i64, into: i64) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    if from == into {
        return Err(fields([(
            "into",
            "choose another tag to merge into".to_owned(),
        )]));
    }
    let mut tx = store.begin().await?;
    let Some(source) = Store::tag_in_tx(&mut tx, from).await? else {
        return Err(ActionError::NotFound("There is no such tag.".into()));
    };
    let Some(target) = Store::tag_in_tx(&mut tx, into).await? else {
        return Err(fields([("into", "that tag no longer exists".to_owned())]));
    };
    Store::merge_tag(&mut tx, from, into).await?;
    let event = Event::new(AuditAction::TagDelete, format!("tag {}", source.slug))
        .detail(format!("merged into {}", target.slug));
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a tag; its stories simply lose it.
pub async fn delete_tag(store: &Store, by: Actor<'_>, id: i64) -> Result<()> {
    by.require(Capability::ManageTaxonomy)?;
    let mut tx = store.begin().await?;
    let Some(tag) = Store::tag_in_tx(&mut tx, id).await? else {
        return Err(ActionError::NotFound("There is no such tag.".into()));
    };
    Store::delete_tag(&mut tx, id).await?;
    audit::record(
        &mut tx,
        by,
        Event::new(AuditAction::TagDelete, format!("tag {}", tag.slug)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ----- Widgets -----

/// The most widgets one area holds.
pub const MAX_WIDGETS_PER_AREA: usize = 30;
/// The most entries one menu holds, nested ones included.
pub const MAX_MENU_ITEMS: usize = 100;

/// Checks widget fields, including that the section or story they name exists (read outside
/// any write transaction, so the live preview never waits for writers).
async fn checked_widget(store: &Store, kind: &str, fields_in: &WidgetFields) -> Result<WidgetKind> {
    let mut parsed = fields_in.parse(kind);
    let (category, article) = match &parsed {
        Ok(WidgetKind::PostsInCategory { category_id, .. }) => (Some(*category_id), None),
        Ok(WidgetKind::FeaturedPost {
            article_id: Some(id),
        }) => (None, Some(*id)),
        _ => (None, None),
    };
    if let Some(id) = category
        && !store.categories().await?.iter().any(|c| c.id == id)
    {
        parsed = Err(BTreeMap::from([(
            "category_id",
            "that section no longer exists".to_owned(),
        )]));
    }
    if let Some(id) = article
        && store.stories_to_link(&id.to_string(), 1).await?.is_empty()
    {
        parsed = Err(BTreeMap::from([(
            "article_id",
            format!("there is no published story number {id}"),
        )]));
    }
    parsed.map_err(ActionError::Fields)
}

/// Checks a widget's settings without saving them (for the live preview).
pub async fn preview_widget(
    store: &Store,
    by: Actor<'_>,
    kind: &str,
    fields_in: &WidgetFields,
) -> Result<WidgetKind> {
    by.require(Capability::ManageAppearance)?;
    checked_widget(store, kind, fields_in).await
}

/// Adds a widget at the end of an area.
pub async fn add_widget(
    store: &Store,
    by: Actor<'_>,
    area: &str,
    kind: &str,
    fields_in: &WidgetFields,
) -> Result<i64> {
    by.require(Capability::ManageAppearance)?;
    let widget = checked_widget(store, kind, fields_in).await?;
    let mut tx = store.begin().await?;
    if !Store::widget_area_exists(&mut tx, area).await? {
        return Err(ActionError::NotFound(
            "There is no such widget area.".into(),
        ));
    }
    let count = Store::widget_ids_in_area(&mut tx, area).await?.len();
    if count >= MAX_WIDGETS_PER_AREA {
        return Err(fields([(
            "title",
            format!(
                "An area holds at most {MAX_WIDGETS_PER_AREA} widgets; remove one before adding another."
            ),
        )]));
    }
    let position = count as i32;
    let id = Store::insert_widget(&mut tx, area, position, fields_in.title.trim(), &widget).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a widget's title and settings (its kind stays).
pub async fn configure_widget(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    fields_in: &WidgetFields,
) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let record = store
        .widget_record(id)
        .await?
        .ok_or_else(|| ActionError::NotFound("There is no such widget.".into()))?;
    let widget = checked_widget(store, &record.kind, fields_in).await?;
    let mut tx = store.begin().await?;
    Store::update_widget(&mut tx, id, fields_in.title.trim(), &widget).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a widget one place up or down in its area.
pub async fn move_widget(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    direction: Direction,
) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let mut tx = store.begin().await?;
    let record = Store::widget_record_in_tx(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("There is no such widget.".into()))?;
    let ids = Store::widget_ids_in_area(&mut tx, &record.area).await?;
    if let Some(order) = moved(ids, id, direction) {
        for (pos, wid) in order.iter().enumerate() {
            Store::set_widget_position(&mut tx, *wid, pos as i32).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

pub async fn remove_widget(store: &Store, by: Actor<'_>, id: i64) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let mut tx = store.begin().await?;
    if !Store::delete_widget(&mut tx, id).await? {
        return Err(ActionError::NotFound("There is no such widget.".into()));
    }
    tx.commit().await?;
    Ok(())
}

/// Turns the "Read also" box under stories on or off.
pub async fn set_read_also(store: &Store, by: Actor<'_>, on: bool) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let mut tx = store.begin().await?;
    // An appearance choice editors make, not a site setting: stored directly (the value is
    // one the settings accept).
    Store::put_setting(&mut tx, "read_also", if on { "on" } else { "off" }).await?;
    tx.commit().await?;
    Ok(())
}

// ----- Menus -----

/// The theme's menu locations and their names.
pub const MENU_LOCATIONS: [(&str, &str); 2] = [("primary", "Header"), ("footer", "Footer")];

/// A menu entry as typed into the admin's form.
#[derive(Debug, Clone, Default)]
pub struct MenuItemInput {
    /// `category`, `page`, `article` or `link`.
    pub kind: String,
    pub target_id: Option<i64>,
    pub label: String,
    pub url: String,
    pub parent_id: Option<i64>,
}

/// Whether `url` is a web address a reader's browser may follow: `http(s)://host…` or a path
/// on this site.
pub fn is_safe_link(url: &str) -> bool {
    if url.is_empty()
        || url.len() > 2000
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    if url.starts_with('/') {
        return !url.starts_with("//") && !url.contains('\\');
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.starts_with('@') && !host.contains('\\')
    })
}

/// Adds an entry at the end of a menu (or of a top-level entry's sub-menu).
pub async fn add_menu_item(
    store: &Store,
    by: Actor<'_>,
    location: &str,
    input: &MenuItemInput,
) -> Result<i64> {
    by.require(Capability::ManageAppearance)?;
    let Some((_, menu_name)) = MENU_LOCATIONS.iter().find(|(l, _)| *l == location) else {
        return Err(ActionError::NotFound("There is no such menu.".into()));
    };
    let mut tx = store.begin().await?;
    let mut errors = BTreeMap::new();
    let label = input.label.trim();
    if label.chars().count() > 200 {
        errors.insert("label", "keep the label under 200 characters".to_owned());
    }
    let url = input.url.trim();
    match input.kind.as_str() {
        "link" => {
            if label.is_empty() {
                errors.insert("label", "a link needs a label".to_owned());
            }
            if !is_safe_link(url) {
                errors.insert(
                    "url",
                    "enter a web address starting with https:// or http://, or a path on this site starting with /"
                        .to_owned(),
                );
            }
        }
        kind @ ("category" | "page" | "article") => {
            let ok = match input.target_id {
                None => false,
                Some(id) => match kind {
                    "category" => Store::category_exists(&mut tx, id).await?,
                    "page" => Store::published_page_exists(&mut tx, id).await?,
                    _ => Store::published_story_exists(&mut tx, id).await?,
                },
            };
            if !ok {
                errors.insert(
                    "target_id",
                    match kind {
                        "category" => "choose a section",
                        "page" => "choose a published page",
                        _ => "choose a published story",
                    }
                    .to_owned(),
                );
            }
        }
        _ => {
            errors.insert("kind", "choose what the entry links to".to_owned());
        }
    }
    let menu = match Store::menu_at(&mut tx, location).await? {
        Some(id) => id,
        None => Store::insert_menu(&mut tx, location, menu_name).await?,
    };
    if Store::menu_item_count(&mut tx, menu).await? >= MAX_MENU_ITEMS as i64 {
        errors.insert(
            "label",
            format!(
                "A menu holds at most {MAX_MENU_ITEMS} entries; remove one before adding another."
            ),
        );
    }
    if let Some(parent) = input.parent_id {
        match Store::menu_item_place(&mut tx, parent).await? {
            Some((m, None)) if m == menu => {}
            _ => {
                errors.insert(
                    "parent_id",
                    "entries nest one level, under a top-level entry of the same menu".to_owned(),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(ActionError::Fields(errors));
    }
    let position = Store::menu_sibling_ids(&mut tx, menu, input.parent_id)
        .await?
        .len() as i32;
    let stored_url = if input.kind == "link" { url } else { "" };
    let target = if input.kind == "link" {
        None
    } else {
        input.target_id
    };
    let id = Store::insert_menu_item(
        &mut tx,
        menu,
        position,
        label,
        &input.kind,
        target,
        stored_url,
    )
    .await?;
    if input.parent_id.is_some() {
        Store::set_menu_item_parent(&mut tx, id, input.parent_id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Changes an entry's label (empty: the section's, page's or story's own title).
pub async fn relabel_menu_item(store: &Store, by: Actor<'_>, id: i64, label: &str) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let label = label.trim();
    if label.chars().count() > 200 {
        return Err(fields([(
            "label",
            "keep the label under 200 characters".to_owned(),
        )]));
    }
    let mut tx = store.begin().await?;
    if Store::menu_item_place(&mut tx, id).await?.is_none() {
        return Err(ActionError::NotFound("There is no such menu entry.".into()));
    }
    Store::set_menu_item_label(&mut tx, id, label).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an entry one place up or down among the entries at its level.
pub async fn move_menu_item(
    store: &Store,
    by: Actor<'_>,
    id: i64,
    direction: Direction,
) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let mut tx = store.begin().await?;
    let (menu, parent) = Store::menu_item_place(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("There is no such menu entry.".into()))?;
    let ids = Store::menu_sibling_ids(&mut tx, menu, parent).await?;
    if let Some(order) = moved(ids, id, direction) {
        for (pos, iid) in order.iter().enumerate() {
            Store::set_menu_item_position(&mut tx, *iid, pos as i32).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Removes an entry. Entries nested under it move up to the top level, after it.
pub async fn remove_menu_item(store: &Store, by: Actor<'_>, id: i64) -> Result<()> {
    by.require(Capability::ManageAppearance)?;
    let mut tx = store.begin().await?;
    let (menu, parent) = Store::menu_item_place(&mut tx, id)
        .await?
        .ok_or_else(|| ActionError::NotFound("There is no such menu entry.".into()))?;
    let children = Store::menu_sibling_ids(&mut tx, menu, Some(id)).await?;
    let siblings = Store::menu_sibling_ids(&mut tx, menu, parent).await?;
    Store::set_menu_item_parent_of_children(&mut tx, id, parent).await?;
    Store::delete_menu_item(&mut tx, id).await?;
    // The former children take the removed entry's place, in their order.
    let mut order = Vec::with_capacity(siblings.len() + children.len());
    for s in siblings {
        if s == id {
            order.extend(children.iter().copied());
        } else {
            order.push(s);
        }
    }
    for (pos, iid) in order.iter().enumerate() {
        Store::set_menu_item_position(&mut tx, *iid, pos as i32).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_safe() {
        for ok in [
            "https://example.org/",
            "http://example.org/a?b=c#d",
            "HTTPS://EXAMPLE.ORG",
            "/about/",
        ] {
            assert!(is_safe_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example/",
            "https://",
            "https:///path",
            "vbscript:x",
            "mailto:x@example.org",
            "https://exa mple.org",
            "",
            "/\\evil.example",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }

    #[test]
    fn moving_stops_at_the_ends() {
        assert_eq!(moved(vec![1, 2, 3], 2, Direction::Up), Some(vec![2, 1, 3]));
        assert_eq!(
            moved(vec![1, 2, 3], 2, Direction::Down),
            Some(vec![1, 3, 2])
        );
        assert_eq!(moved(vec![1, 2, 3], 1, Direction::Up), None);
        assert_eq!(moved(vec![1, 2, 3], 3, Direction::Down), None);
        assert_eq!(moved(vec![1, 2, 3], 9, Direction::Up), None);
    }
}
