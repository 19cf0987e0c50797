//! The story list, the editor, autosave, preview and revisions.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::session::redirect_with_flash;
use super::{Frame, Signed};
use crate::AppState;
use crate::actions::ActionError;
use crate::actions::stories::{self, Intent, StoryInput};
use crate::domain::article::{CommentStatus, Status, article_path};
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::store::desk::{DeskQuery, DeskSort, RevisionOf, StoryRecord};

/// Stories per page of the list.
const PAGE_SIZE: u32 = 30;

/// The form's fields, in order, as `(name, value)` pairs (repeated names for lists).
pub(super) fn pairs(body: &Bytes) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::refused(StatusCode::BAD_REQUEST, "The form could not be read."))
}

pub(super) fn first<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub(super) fn all_ids(pairs: &[(String, String)], name: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

/// `2026-11-28T10:30` (what `<input type=datetime-local>` sends) in the site's time zone.
pub fn parse_local(value: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"))
        .map_err(|_| "Enter a date and time such as 2026-11-28 14:30.".to_owned())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| {
            "This time does not exist in the site's time zone (a clock change).".to_owned()
        })
}

fn local_input(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The key under which the editor keeps a new story's text in the browser (`localStorage`):
/// `new-` and up to 40 lowercase letters and digits, one per New story form, so one story's
/// copy is never offered for another. A form sent back carries it in the field `copy_key`.
pub(super) fn copy_key(raw: &str) -> Option<&str> {
    let rest = raw.strip_prefix("new-")?;
    (!rest.is_empty()
        && rest.len() <= 40
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    .then_some(raw)
}

/// A fresh browser-copy key for a New story form: 80 random bits.
pub(super) fn fresh_copy_key() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("the operating system's random number generator");
    let tail: String = buf
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    format!("new-{tail}")
}

/// The editor form as sent: the parsed input plus what could not be parsed.
struct Submitted {
    input: StoryInput,
    intent: Intent,
    errors: BTreeMap<&'static str, String>,
    /// The raw date fields, shown back as typed.
    raw_publish_at: String,
    raw_embargo: String,
    raw_tags: String,
    /// The featured image's alt text as edited, and which image it was shown for.
    featured_alt: Option<(i64, String)>,
}

fn read_form(pairs: &[(String, String)], tz: Tz) -> Submitted {
    let mut errors = BTreeMap::new();
    let mut date = |name: &'static str| match parse_local(first(pairs, name), tz) {
        Ok(t) => t,
        Err(m) => {
            errors.insert(name, m);
            None
        }
    };
    let publish_at = date("publish_at");
    let embargo_until = date("embargo_until");
    let raw_tags = first(pairs, "tags").to_owned();
    let input = StoryInput {
        title: first(pairs, "title").to_owned(),
        slug: first(pairs, "slug").to_owned(),
        body: crate::domain::markdown::body_to_html(first(pairs, "body")),
        excerpt: first(pairs, "excerpt").to_owned(),
        author_ids: all_ids(pairs, "author"),
        category_ids: all_ids(pairs, "category"),
        tag_names: raw_tags
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        credit_line: first(pairs, "credit_line").to_owned(),
        source_agency: first(pairs, "source_agency").to_owned(),
        source_url: first(pairs, "source_url").to_owned(),
        embargo_until,
        publish_at,
        featured_image_id: first(pairs, "featured_image_id").trim().parse().ok(),
        sticky: !first(pairs, "sticky").is_empty(),
        comments_open: !first(pairs, "comments_open").is_empty(),
        // Only the form of someone who may publish has the field; without it the password
        // stays as it is.
        password: pairs
            .iter()
            .any(|(k, _)| k == "post_password")
            .then(|| first(pairs, "post_password").to_owned()),
        base_version: first(pairs, "base_version").trim().parse().ok(),
    };
    Submitted {
        input,
        intent: Intent::parse(first(pairs, "intent")).unwrap_or(Intent::Save),
        errors,
        raw_publish_at: first(pairs, "publish_at").to_owned(),
        raw_embargo: first(pairs, "embargo_until").to_owned(),
        raw_tags,
        featured_alt: first(pairs, "featured_image_alt_for")
            .trim()
            .parse()
            .ok()
            .filter(|_| pairs.iter().any(|(k, _)| k == "featured_image_alt"))
            .map(|id| (id, first(pairs, "featured_image_alt").to_owned())),
    }
}

/// What the editor template shows in its fields.
#[derive(Debug, serde::Serialize)]
struct EditorValues {
    title: String,
    slug: String,
    body: String,
    excerpt: String,
    author_ids: Vec<i64>,
    category_ids: Vec<i64>,
    tags: String,
    credit_line: String,
    source_agency: String,
    source_url: String,
    embargo_until: String,
    publish_at: String,
    featured_image_id: Option<i64>,
    featured_image_alt: Option<String>,
    sticky: bool,
    comments_open: bool,
    password: String,
}

impl EditorValues {
    fn from_submitted(s: &Submitted) -> EditorValues {
        let i = &s.input;
        EditorValues {
            title: i.title.clone(),
            slug: i.slug.clone(),
            body: i.body.as_str().to_owned(),
            excerpt: i.excerpt.clone(),
            author_ids: i.author_ids.clone(),
            category_ids: i.category_ids.clone(),
            tags: s.raw_tags.clone(),
            credit_line: i.credit_line.clone(),
            source_agency: i.source_agency.clone(),
            source_url: i.source_url.clone(),
            embargo_until: s.raw_embargo.clone(),
            publish_at: s.raw_publish_at.clone(),
            featured_image_id: i.featured_image_id,
            featured_image_alt: s
                .featured_alt
                .as_ref()
                .filter(|(id, _)| Some(*id) == i.featured_image_id)
                .map(|(_, alt)| alt.clone()),
            sticky: i.sticky,
            comments_open: i.comments_open,
            password: i.password.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, serde::Serialize)]
struct SectionOption {
    id: i64,
    name: String,
    depth: usize,
}

/// Sections in tree order, each with its depth.
fn section_tree(all: &[crate::store::taxonomy::Category]) -> Vec<SectionOption> {
    fn walk(
        all: &[crate::store::taxonomy::Category],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<SectionOption>,
    ) {
        for c in all.iter().filter(|c| c.parent_id == parent) {
            if out.iter().any(|o| o.id == c.id) || depth > 8 {
                continue;
            }
            out.push(SectionOption {
                id: c.id,
                name: c.name.clone(),
                depth,
            });
            walk(all, Some(c.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(all, None, 0, &mut out);
    out
}

struct EditorPage<'a> {
    story: Option<&'a StoryRecord>,
    values: EditorValues,
    errors: BTreeMap<&'static str, String>,
    lock_holder: Option<String>,
    autosave: Option<crate::store::desk::Autosave>,
    /// A new story's browser-copy key (see [`copy_key`]); unused for a saved story.
    copy_key: String,
    status: StatusCode,
    /// The story's version the form is based on (sent back as `base_version`).
    base_version: Option<i64>,
    /// Someone else saved first: the conflict box (`conflict::conflict`).
    conflict: Option<minijinja::Value>,
    /// After Take theirs: the person's own text, shown beside the current version.
    mine: Option<minijinja::Value>,
}

async fn render_editor(
    state: &AppState,
    signed: &Signed,
    page: EditorPage<'_>,
) -> Result<Response, AppError> {
    let store = state.store();
    let settings = store.settings().await?;
    let tz = settings.timezone;
    let title = if page.story.is_some() {
        "Edit story"
    } else {
        "New story"
    };
    let frame = Frame::new(
        state,
        signed,
        title,
        if page.story.is_some() {
            "stories"
        } else {
            "new-story"
        },
    )
    .await?;
    let me = &signed.staff;
    let people: Vec<_> = store
        .accounts()
        .await?
        .into_iter()
        .filter(|a| {
            !a.disabled
                && (me.can(Capability::EditOthers)
                    || a.id == me.id
                    || page.values.author_ids.contains(&a.id))
        })
        .collect();
    let sections = section_tree(&store.categories().await?);
    let tag_names: Vec<String> = store.tag_names(500).await?;
    // The featured-image menu: the library's newest images.
    let images: Vec<_> = store
        .media_library("", 100, 0)
        .await?
        .into_iter()
        .filter(|i| i.mime_type.starts_with("image/") || i.mime_type.is_empty())
        .collect();
    let featured = match page.values.featured_image_id {
        Some(id) => store.media_item(id).await?.map(|d| d.item),
        None => None,
    };
    let may_describe = featured
        .as_ref()
        .is_some_and(|f| me.can_edit_media(f.uploaded_by));
    let story = page.story;
    let status = story.map(|s| s.status.as_str()).unwrap_or("new");
    let authors_now = match story {
        Some(s) => store.story_links(s.id).await?.author_ids,
        None => vec![me.id],
    };
    let may_publish = me.can_publish_story(&authors_now);
    let public_url = story
        .filter(|s| s.status == Status::Published)
        .and_then(|s| s.published_at.map(|t| article_path(t, &s.slug, tz)));
    let error_list: Vec<(&str, &String)> = page.errors.iter().map(|(k, v)| (*k, v)).collect();
    let html = frame.render(
        state,
        "story_edit.html",
        minijinja::context! {
            story => story,
            status => status,
            values => page.values,
            errors => page.errors,
            error_list => error_list,
            people => people,
            sections => sections,
            tag_names => tag_names,
            images => images,
            featured => featured.as_ref().map(|f| minijinja::context! {
                id => f.id,
                alt => page.values.featured_image_alt.clone().unwrap_or_else(|| f.alt_text.clone()),
            }),
            may_describe => may_describe,
            may_publish => may_publish,
            may_set_sticky => me.can(Capability::EditOthers),
            public_url => public_url,
            lock_holder => page.lock_holder,
            autosave => page.autosave.map(|a| minijinja::context! {
                saved_at => a.saved_at.with_timezone(&tz).format("%-d %B %Y, %H:%M").to_string(),
                title => a.title, excerpt => a.excerpt, body => a.body,
            }),
            saved_at => story.map(|s| s.updated_at.to_rfc3339()),
            published_local => story.and_then(|s| s.published_at).map(|t| t.with_timezone(&tz).format("%-d %B %Y, %H:%M").to_string()),
            timezone => tz.name(),
            copy_key => page.copy_key,
            base_version => page.base_version,
            conflict => page.conflict,
            mine => page.mine,
            labels => minijinja::context! {
                title => "Headline",
                body => "Story",
                excerpt_hint => "Shown in lists, feeds and search results; leave empty to use the opening of the story.",
            },
        },
    )?;
    Ok((page.status, html).into_response())
}

fn values_of(story: &StoryRecord, links: crate::store::desk::StoryLinks, tz: Tz) -> EditorValues {
    EditorValues {
        title: story.title.clone(),
        slug: story.slug.clone(),
        body: story.body.clone(),
        excerpt: story.excerpt.clone(),
        author_ids: links.author_ids,
        category_ids: links.category_ids,
        tags: links.tag_names.join(", "),
        credit_line: story.credit_line.clone(),
        source_agency: story.source_agency.clone(),
        source_url: story.source_url.clone(),
        embargo_until: local_input(story.embargo_until, tz),
        publish_at: local_input(story.published_at, tz),
        featured_image_id: story.featured_image_id,
        featured_image_alt: None,
        sticky: story.sticky,
        comments_open: story.comment_status == CommentStatus::Open,
        password: story.password.clone(),
    }
}

pub async fn new_story(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Response, AppError> {
    if !signed.staff.can(Capability::WriteDrafts) {
        return Err(AppError::refused(
            StatusCode::FORBIDDEN,
            "Your role does not allow writing stories.",
        ));
    }
    let values = EditorValues {
        title: String::new(),
        slug: String::new(),
        body: String::new(),
        excerpt: String::new(),
        author_ids: vec![signed.staff.id],
        category_ids: Vec::new(),
        tags: String::new(),
        credit_line: String::new(),
        source_agency: String::new(),
        source_url: String::new(),
        embargo_until: String::new(),
        publish_at: String::new(),
        featured_image_id: None,
        featured_image_alt: None,
        sticky: false,
        comments_open: true,
        password: String::new(),
    };
    render_editor(
        &state,
        &signed,
        EditorPage {
            story: None,
            values,
            errors: BTreeMap::new(),
            lock_holder: None,
            autosave: None,
            copy_key: fresh_copy_key(),
            status: StatusCode::OK,
            base_version: None,
            conflict: None,
            mine: None,
        },
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EditQuery {
    /// `1`: fill the form from this person's autosave.
    restore: Option<String>,
}

pub async fn edit(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Result<Response, AppError> {
    let (story, links, holder) =
        stories::open(state.store(), &signed.staff, id, state.now()).await?;
    let tz = state.store().settings().await?.timezone;
    let mut values = values_of(&story, links, tz);
    let autosave = state
        .store()
        .autosave(id, signed.staff.id)
        .await?
        .filter(|a| a.saved_at >= story.updated_at)
        .filter(|a| a.title != story.title || a.body != story.body || a.excerpt != story.excerpt);
    // Restoring an autosave is a save from the version it was typed on, not the current one.
    let mut base_version = story.version;
    let autosave = match (q.restore.as_deref(), autosave) {
        (Some("1"), Some(a)) => {
            values.title = a.title;
            values.excerpt = a.excerpt;
            values.body = a.body;
            base_version = a.base_version.unwrap_or(base_version);
            None
        }
        (_, a) => a,
    };
    render_editor(
        &state,
        &signed,
        EditorPage {
            story: Some(&story),
            values,
            errors: BTreeMap::new(),
            lock_holder: holder,
            autosave,
            copy_key: String::new(),
            status: StatusCode::OK,
            base_version: Some(base_version),
            conflict: None,
            mine: None,
        },
    )
    .await
}

/// What the person is told after a save: `before` is the story's state before it (None for a
/// new story), so saving a story that was already public says it was updated.
fn saved_message(
    before: Option<&str>,
    status: Status,
    published_at: Option<DateTime<Utc>>,
    tz: Tz,
) -> String {
    match status {
        Status::Published if before == Some("published") => "Story updated.".into(),
        Status::Published => "Story published.".into(),
        Status::Scheduled => format!(
            "Story scheduled for {}.",
            published_at
                .map(|t| t.with_timezone(&tz).format("%-d %B %Y, %H:%M").to_string())
                .unwrap_or_default()
        ),
        Status::Pending => "Story submitted for review.".into(),
        Status::Private => "Story saved as private.".into(),
        Status::Trash => "Story moved to the trash.".into(),
        Status::Draft => "Draft saved.".into(),
    }
}

async fn save_form(
    state: &AppState,
    signed: &Signed,
    headers: &HeaderMap,
    id: Option<i64>,
    body: &Bytes,
) -> Result<Response, AppError> {
    let pairs = pairs(body)?;
    let tz = state.store().settings().await?.timezone;
    let submitted = read_form(&pairs, tz);
    let new_copy = match id {
        None => copy_key(first(&pairs, "copy_key")),
        Some(_) => None,
    };
    // Only someone who may edit the story sees it again, whatever went wrong with the form.
    let current = match id {
        Some(id) => match stories::editable(state.store(), &signed.staff, id).await {
            Ok((story, _)) => Some(story),
            Err(e) => return Err(keeping_typed_text(&submitted, e)),
        },
        None => None,
    };
    let result = if submitted.errors.is_empty() {
        stories::save(
            state.store(),
            &signed.staff,
            id,
            &submitted.input,
            submitted.intent,
            state.now(),
        )
        .await
    } else {
        // Dates that could not be read stop the save; the other fields are checked too, so
        // every problem shows at once.
        match stories::check(&submitted.input, &signed.staff) {
            Err(ActionError::Fields(errors)) => Err(ActionError::Fields(errors)),
            _ => Err(ActionError::Fields(BTreeMap::new())),
        }
    };
    match result {
        Ok(saved) => {
            let before = current.as_ref().map(|s| s.status.as_str());
            let mut message = saved_message(before, saved.status, saved.published_at, tz);
            if let Err(problem) = describe_featured_image(state, signed, &submitted).await? {
                message.push_str(&format!(" The image's alt text was not changed: {problem}"));
            }
            let to = match (saved.status, new_copy) {
                (Status::Trash, _) => "/admin/stories".to_owned(),
                // The editor page drops this browser's copy of the new story: the server has it.
                (_, Some(key)) => format!("/admin/stories/{}?saved_copy={key}", saved.id),
                (_, None) => format!("/admin/stories/{}", saved.id),
            };
            Ok(redirect_with_flash(state, headers, &to, &message))
        }
        Err(e) => {
            // The form again, every problem beside its field and everything typed kept.
            let mut errors = submitted.errors.clone();
            let mut current = current;
            let mut base_version = submitted.input.base_version;
            let mut conflict = None;
            let status = match e {
                // Someone else saved first: the form again with everything typed, what changed
                // in between, and Keep mine / Take theirs; the form is now based on the
                // current version, so saving it again is keeping mine.
                ActionError::Stale { base_version: base } => {
                    let Some(id) = id else {
                        return Err(ActionError::Stale { base_version: base }.into());
                    };
                    current = match stories::editable(state.store(), &signed.staff, id).await {
                        Ok((story, _)) => Some(story),
                        Err(e) => return Err(keeping_typed_text(&submitted, e)),
                    };
                    let found = super::conflict::conflict(
                        state.store(),
                        RevisionOf::Story(id),
                        base,
                        submitted.intent,
                        format!("/admin/stories/{id}/theirs"),
                        tz,
                    )
                    .await?;
                    base_version = Some(found.current_version);
                    conflict = Some(found.view);
                    StatusCode::CONFLICT
                }
                ActionError::Fields(fields) => {
                    errors.extend(fields);
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ActionError::Invalid { field, message } => {
                    errors.insert(field, message);
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ActionError::Conflict(message) => {
                    errors.insert("status", message);
                    StatusCode::CONFLICT
                }
                // The disk is full or another process holds the lock: the form again, as typed,
                // with a 503 and when to try again.
                ActionError::Store(s) if s.cannot_save().is_some() => {
                    errors.insert("status", crate::error::CANNOT_SAVE.to_owned());
                    StatusCode::SERVICE_UNAVAILABLE
                }
                e => return Err(keeping_typed_text(&submitted, e)),
            };
            let mut res = render_editor(
                state,
                signed,
                EditorPage {
                    story: current.as_ref(),
                    values: EditorValues::from_submitted(&submitted),
                    errors,
                    lock_holder: None,
                    autosave: None,
                    copy_key: new_copy.map_or_else(fresh_copy_key, str::to_owned),
                    status,
                    base_version: base_version.or(current.as_ref().map(|s| s.version)),
                    conflict,
                    mine: None,
                },
            )
            .await?;
            if status == StatusCode::SERVICE_UNAVAILABLE {
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(crate::error::CANNOT_SAVE_RETRY_SECS),
                );
            }
            Ok(res)
        }
    }
}

/// A refusal after which the editor cannot be shown again (the story is not this person's, or
/// is gone): the error page hands back the headline and text they typed.
fn keeping_typed_text(submitted: &Submitted, e: ActionError) -> AppError {
    let (status, message, retry_after_secs) = match e.into() {
        AppError::Refused {
            status,
            message,
            retry_after_secs,
            ..
        } => (status, message, retry_after_secs),
        other => return other,
    };
    AppError::Refused {
        status,
        message,
        retry_after_secs,
        kept_text: Some(format!(
            "{}\n\n{}",
            submitted.input.title.trim(),
            crate::domain::diff::readable_text(submitted.input.body.as_str())
        )),
    }
}

/// Saves the featured image's alt text typed in the editor, when it was shown for the image
/// now chosen and changed. A refusal (the role, or the text) is returned for the message.
async fn describe_featured_image(
    state: &AppState,
    signed: &Signed,
    submitted: &Submitted,
) -> Result<Result<(), String>, AppError> {
    let (Some((shown_for, alt)), Some(chosen)) =
        (&submitted.featured_alt, submitted.input.featured_image_id)
    else {
        return Ok(Ok(()));
    };
    if *shown_for != chosen {
        return Ok(Ok(()));
    }
    let Some(item) = state.store().media_item(chosen).await? else {
        return Ok(Ok(()));
    };
    if item.item.alt_text == alt.trim() {
        return Ok(Ok(()));
    }
    match crate::actions::media::update_details(
        state.store(),
        &signed.staff,
        chosen,
        alt,
        &item.item.caption,
    )
    .await
    {
        Ok(_) => Ok(Ok(())),
        Err(ActionError::Invalid { message, .. } | ActionError::Forbidden(message)) => {
            Ok(Err(message))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    save_form(&state, &signed, &headers, None, &body).await
}

pub async fn update(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    save_form(&state, &signed, &headers, Some(id), &body).await
}

/// Take theirs, after a refused save: the editor with the story as it is now, and the text the
/// person had sent shown beside it to copy from, so it is not lost. Saves nothing.
pub async fn take_theirs(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let pairs = pairs(&body)?;
    let tz = state.store().settings().await?.timezone;
    let submitted = read_form(&pairs, tz);
    let (story, links) = match stories::editable(state.store(), &signed.staff, id).await {
        Ok(found) => found,
        Err(e) => return Err(keeping_typed_text(&submitted, e)),
    };
    let mine = super::conflict::mine(
        &submitted.input.title,
        &submitted.input.excerpt,
        submitted.input.body.as_str(),
    );
    render_editor(
        &state,
        &signed,
        EditorPage {
            story: Some(&story),
            values: values_of(&story, links, tz),
            errors: BTreeMap::new(),
            lock_holder: None,
            autosave: None,
            copy_key: String::new(),
            status: StatusCode::OK,
            base_version: Some(story.version),
            conflict: None,
            mine: Some(mine),
        },
    )
    .await
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn autosave_form(
    state: &AppState,
    signed: &Signed,
    id: Option<i64>,
    body: &Bytes,
) -> Result<Response, AppError> {
    let pairs = pairs(body)?;
    let tz = state.store().settings().await?.timezone;
    let mut submitted = read_form(&pairs, tz);
    if submitted.input.author_ids.is_empty() {
        submitted.input.author_ids = vec![signed.staff.id];
    }
    match stories::autosave(
        state.store(),
        &signed.staff,
        id,
        &submitted.input,
        state.now(),
    )
    .await
    {
        Ok(out) => Ok(json(
            StatusCode::OK,
            serde_json::json!({
                "id": out.id,
                "saved_at": out.saved_at.to_rfc3339(),
                "edit_url": format!("/admin/stories/{}", out.id),
                "autosave_url": format!("/admin/stories/{}/autosave", out.id),
                // A story the autosave created: the form's version to save from.
                "version": out.created_version,
                "lock": out.lock_holder.map(|name| serde_json::json!({ "held_by": name })),
            }),
        )),
        Err(ActionError::Fields(errors)) => Ok(json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({ "error": "invalid", "fields": errors }),
        )),
        Err(ActionError::Forbidden(m)) => Ok(json(
            StatusCode::FORBIDDEN,
            serde_json::json!({ "error": m }),
        )),
        Err(ActionError::NotFound(m)) => Ok(json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": m }),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn autosave_new(
    State(state): State<AppState>,
    signed: Signed,
    body: Bytes,
) -> Result<Response, AppError> {
    autosave_form(&state, &signed, None, &body).await
}

pub async fn autosave(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    autosave_form(&state, &signed, Some(id), &body).await
}

pub async fn discard_autosave(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    stories::discard_autosave(state.store(), &signed.staff, id).await?;
    Ok(redirect_with_flash(
        &state,
        &headers,
        &format!("/admin/stories/{id}"),
        "The autosaved text was discarded.",
    ))
}

/// The editor's text rendered as the public story page, without saving anything.
pub async fn preview(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let (story, _) = stories::editable(state.store(), &signed.staff, id).await?;
    let pairs = pairs(&body)?;
    let tz = state.store().settings().await?.timezone;
    let submitted = read_form(&pairs, tz);
    preview_page(&state, &story, Some(&submitted.input)).await
}

/// The saved story rendered as the public story page (drafts included).
pub async fn preview_saved(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (story, _) = stories::editable(state.store(), &signed.staff, id).await?;
    preview_page(&state, &story, None).await
}

async fn preview_page(
    state: &AppState,
    story: &StoryRecord,
    input: Option<&StoryInput>,
) -> Result<Response, AppError> {
    let row = state
        .store()
        .story_as_article_row(story.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut row = row;
    row.published_at = Some(row.published_at.unwrap_or_else(|| state.now()));
    if let Some(input) = input {
        row.title = input.title.trim().to_owned();
        row.body = input.body.as_str().to_owned();
        row.excerpt = input.excerpt.trim().to_owned();
        row.credit_line = input.credit_line.trim().to_owned();
        row.source_agency = input.source_agency.trim().to_owned();
        row.source_url = input.source_url.trim().to_owned();
    }
    // The newsroom previews a protected story's text, under the title readers will see.
    let access = if row.password.is_empty() {
        crate::web::site::postpass::Access::Open
    } else {
        crate::web::site::postpass::Access::Unlocked
    };
    let mut res = crate::web::site::article::story_page(
        state,
        row,
        crate::web::site::article::FormState::default(),
        &[],
        StatusCode::OK,
        true,
        access,
    )
    .await?;
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("a valid header value"),
    );
    h.insert(
        "x-robots-tag",
        "noindex, nofollow".parse().expect("a valid header value"),
    );
    Ok(res)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: String,
}

#[derive(Debug, serde::Serialize)]
struct ListRow {
    id: i64,
    title: String,
    status: Status,
    status_label: &'static str,
    when: String,
    updated: String,
    authors: String,
    comment_count: i64,
    public_url: Option<String>,
    editable: bool,
    /// Shown as "Password protected" beside the state.
    protected: bool,
}

pub(super) fn status_label(s: Status) -> &'static str {
    match s {
        Status::Draft => "Draft",
        Status::Pending => "Pending review",
        Status::Scheduled => "Scheduled",
        Status::Published => "Published",
        Status::Private => "Private",
        Status::Trash => "Trash",
    }
}

fn parse_day(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let store = state.store();
    let tz = store.settings().await?.timezone;
    let page = crate::web::paging::query_page(&q.page);
    let tag = if q.tag.trim().is_empty() {
        None
    } else {
        store.tag_by_slug(q.tag.trim()).await?
    };
    let query = DeskQuery {
        status: Status::parse(&q.status),
        category_id: q.section.parse().ok(),
        tag_id: tag.as_ref().map(|t| t.id),
        author_id: q.author.parse().ok(),
        changed_between: (
            parse_day(&q.from, tz),
            parse_day(&q.to, tz).map(|t| t + chrono::Duration::days(1)),
        ),
        words: q.q.split_whitespace().map(str::to_owned).collect(),
        sort: match q.sort.as_str() {
            "published" => DeskSort::Published,
            "title" => DeskSort::Title,
            _ => DeskSort::Changed,
        },
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        visible_to: (!signed.staff.can(Capability::EditOthers)).then_some(signed.staff.id),
    };
    let (rows, total) = store.desk(&query).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let authors = store.authors_of(&ids).await?;
    let author_ids = store.author_ids_of(&ids).await?;
    let me = &signed.staff;
    let list: Vec<ListRow> = rows
        .into_iter()
        .map(|r| {
            let mine: Vec<i64> = author_ids
                .iter()
                .filter(|(a, _)| *a == r.id)
                .map(|(_, u)| *u)
                .collect();
            let status = r.status;
            ListRow {
                editable: me.can_edit_story(&mine, status),
                public_url: (r.status == Status::Published)
                    .then(|| r.published_at.map(|t| article_path(t, &r.slug, tz)))
                    .flatten(),
                authors: authors
                    .iter()
                    .filter(|a| a.article_id == r.id)
                    .map(|a| a.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                when: r
                    .published_at
                    .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                updated: r
                    .updated_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                status_label: status_label(r.status),
                protected: r.protected,
                id: r.id,
                title: r.title,
                status: r.status,
                comment_count: r.comment_count,
            }
        })
        .collect();
    let counts = store.desk_counts(query.visible_to).await?;
    let count_of = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let tabs: Vec<_> = [
        ("", "All"),
        ("draft", "Drafts"),
        ("pending", "Pending review"),
        ("scheduled", "Scheduled"),
        ("published", "Published"),
        ("private", "Private"),
        ("trash", "Trash"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let n = if key.is_empty() {
            counts
                .iter()
                .filter(|(k, _)| k != "trash")
                .map(|(_, n)| n)
                .sum()
        } else {
            count_of(key)
        };
        minijinja::context! { key, label, count => n }
    })
    .collect();
    let pages = (total as u32).div_ceil(PAGE_SIZE).max(1);
    let query_without_page = serde_urlencoded::to_string(
        [
            ("status", &q.status),
            ("section", &q.section),
            ("tag", &q.tag),
            ("author", &q.author),
            ("from", &q.from),
            ("to", &q.to),
            ("q", &q.q),
            ("sort", &q.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let frame = Frame::new(&state, &signed, "Stories", "stories").await?;
    let html = frame.render(
        &state,
        "stories.html",
        minijinja::context! {
            rows => list,
            total => total,
            tabs => tabs,
            q => minijinja::context! { status => q.status, section => q.section, tag => q.tag, author => q.author, from => q.from, to => q.to, q => q.q, sort => q.sort },
            sections => section_tree(&store.categories().await?),
            people => store.accounts().await?,
            page => page,
            pages => pages,
            base_query => query_without_page,
            in_trash => q.status == "trash",
        },
    )?;
    Ok(html.into_response())
}

pub async fn bulk(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let pairs = pairs(&body)?;
    let ids = all_ids(&pairs, "id");
    let back = match first(&pairs, "back") {
        b if b.starts_with("/admin/stories")
            && !b.bytes().any(|c| c.is_ascii_control() || c == b'\\') =>
        {
            b.to_owned()
        }
        _ => "/admin/stories".to_owned(),
    };
    if ids.is_empty() {
        return Ok(redirect_with_flash(
            &state,
            &headers,
            &back,
            "Tick the stories to change first.",
        ));
    }
    let action = first(&pairs, "action");
    let (done, refused) = if action == "delete" {
        let (mut done, mut refused) = (0, 0);
        for id in &ids {
            match stories::delete_forever(state.store(), &signed.staff, *id).await {
                Ok(()) => done += 1,
                Err(
                    ActionError::Forbidden(_) | ActionError::Conflict(_) | ActionError::NotFound(_),
                ) => refused += 1,
                Err(e) => return Err(e.into()),
            }
        }
        (done, refused)
    } else {
        let intent = Intent::parse(action).ok_or_else(|| {
            AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose what to do with the stories.",
            )
        })?;
        stories::bulk(state.store(), &signed.staff, &ids, intent, state.now()).await?
    };
    let mut message = format!(
        "{done} {} changed.",
        if done == 1 { "story" } else { "stories" }
    );
    if refused > 0 {
        message.push_str(&format!(
            " {refused} could not be changed (your role, or their state, does not allow it)."
        ));
    }
    Ok(redirect_with_flash(&state, &headers, &back, &message))
}

pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    stories::delete_forever(state.store(), &signed.staff, id).await?;
    Ok(redirect_with_flash(
        &state,
        &headers,
        "/admin/stories?status=trash",
        "Story deleted for good.",
    ))
}

pub async fn revisions(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (story, _) = stories::editable(state.store(), &signed.staff, id).await?;
    let tz = state.store().settings().await?.timezone;
    let revisions = state.store().revisions(id).await?;
    let rows: Vec<_> = revisions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            minijinja::context! {
                id => r.id,
                author => r.author_name.clone().unwrap_or_else(|| "Someone no longer here".into()),
                when => r.created_at.with_timezone(&tz).format("%-d %B %Y, %H:%M:%S").to_string(),
                title => r.title.clone(),
                current => i == 0,
            }
        })
        .collect();
    let frame = Frame::new(&state, &signed, "Revisions", "stories").await?;
    Ok(frame
        .render(
            &state,
            "revisions.html",
            minijinja::context! { owner => story_owner(&story), revisions => rows },
        )?
        .into_response())
}

pub async fn revision(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, rev)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (story, _) = stories::editable(state.store(), &signed.staff, id).await?;
    let tz = state.store().settings().await?.timezone;
    let revisions = state.store().revisions(id).await?;
    let compared = compare_revision(&revisions, rev, tz)?;
    let frame = Frame::new(&state, &signed, "Compare revisions", "stories").await?;
    Ok(frame
        .render(
            &state,
            "revision.html",
            minijinja::context! { owner => story_owner(&story), ..compared },
        )?
        .into_response())
}

/// The comparison page's values for revision `rev` of a story's or page's `revisions` (newest
/// first): who saved it and when, and word diffs of its title, excerpt and text against the
/// version before it (the oldest is compared with nothing).
pub(super) fn compare_revision(
    revisions: &[crate::store::desk::Revision],
    rev: i64,
    tz: Tz,
) -> Result<minijinja::Value, AppError> {
    use crate::domain::diff::{inline_html, readable_text};
    let pos = revisions
        .iter()
        .position(|r| r.id == rev)
        .ok_or(AppError::NotFound)?;
    let this = &revisions[pos];
    let before = revisions.get(pos + 1);
    let old =
        |field: fn(&crate::store::desk::Revision) -> String| before.map(field).unwrap_or_default();
    Ok(minijinja::context! {
        revision => minijinja::context! {
            id => this.id,
            author => this.author_name.clone().unwrap_or_else(|| "Someone no longer here".into()),
            when => this.created_at.with_timezone(&tz).format("%-d %B %Y, %H:%M:%S").to_string(),
            latest => pos == 0,
        },
        title_diff => inline_html(&old(|b| b.title.clone()), &this.title),
        excerpt_diff => inline_html(&old(|b| b.excerpt.clone()), &this.excerpt),
        body_diff => inline_html(&old(|b| readable_text(&b.body)), &readable_text(&this.body)),
    })
}

pub async fn restore_revision(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path((id, rev)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let base_version = first(&pairs(&body)?, "base_version").trim().parse().ok();
    let now = state.now();
    match stories::restore_revision(state.store(), &signed.staff, id, rev, base_version, now).await
    {
        Err(ActionError::Stale { .. }) => return Err(stale_restore("story")),
        other => other?,
    };
    Ok(redirect_with_flash(
        &state,
        &headers,
        &format!("/admin/stories/{id}"),
        "The revision was restored.",
    ))
}

/// A revision restore refused because the story or page was saved after the revision page was
/// opened (the restore is a save from that version).
pub(super) fn stale_restore(noun: &str) -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        format!(
            "Someone else saved this {noun} after you opened this revision, so nothing was \
             restored. Look at the revisions again: the newest is their version."
        ),
    )
}

/// What the revision pages say of a story.
fn story_owner(story: &StoryRecord) -> minijinja::Value {
    minijinja::context! {
        version => story.version,
        label => "Story",
        url => format!("/admin/stories/{}", story.id),
        title => story.title.clone(),
        title_label => "Headline",
        body_label => "Story",
    }
}

/// `/admin/stories/` with a trailing slash leads to the list.
pub async fn list_slash() -> Response {
    crate::web::edge::permanent("/admin/stories")
}
