//! A save refused because someone else saved first (`ActionError::Stale`), as the story and
//! page editors show it: who saved and when, what changed between the version the person
//! started from and the current one (the revisions' word diff), and the choice of keeping their
//! own text (the form, still holding it, now based on the current version) or taking the other
//! (the current version in the form, their own text beside it to copy from). No script needed.

use chrono_tz::Tz;

use crate::actions::stories::Intent;
use crate::domain::diff::{inline_html, readable_text};
use crate::error::AppError;
use crate::store::Store;
use crate::store::desk::{Revision, RevisionOf};

/// The conflict box's values, and the version the form is now based on.
pub(super) struct Conflict {
    pub view: minijinja::Value,
    pub current_version: i64,
}

/// What changed in a story or page since `base_version`, for the editor's conflict box.
/// `intent` is the button the person pressed (Keep mine presses it again); `theirs_url`
/// receives the form for Take theirs.
pub(super) async fn conflict(
    store: &Store,
    of: RevisionOf,
    base_version: i64,
    intent: Intent,
    theirs_url: String,
    tz: Tz,
) -> Result<Conflict, AppError> {
    let info = store.version_info(of).await?.ok_or(AppError::NotFound)?;
    let revisions = store.revisions_of(of).await?;
    // Newest first: the current text, and the text of the version the person started from
    // (the newest revision saved at or before it; a save that changed no text records none).
    let current = revisions.first();
    let base = revisions
        .iter()
        .find(|r| r.version.is_some_and(|v| v <= base_version));
    let changed = |field: fn(&Revision) -> String| match (base, current) {
        (Some(b), Some(c)) => inline_html(&field(b), &field(c)),
        _ => String::new(),
    };
    let text_changed = match (base, current) {
        (Some(b), Some(c)) => b.id != c.id,
        _ => false,
    };
    let view = minijinja::context! {
        who => info.updated_by_name,
        when => info.updated_at.with_timezone(&tz).format("%-d %B %Y, %H:%M:%S").to_string(),
        base_known => base.is_some(),
        text_changed => text_changed,
        title_diff => changed(|r| r.title.clone()),
        excerpt_diff => changed(|r| r.excerpt.clone()),
        body_diff => changed(|r| readable_text(&r.body)),
        intent => intent.as_str(),
        theirs_url => theirs_url,
    };
    Ok(Conflict {
        view,
        current_version: info.version,
    })
}

/// The person's own text, shown beside the current version after Take theirs.
pub(super) fn mine(title: &str, excerpt: &str, body: &str) -> minijinja::Value {
    minijinja::context! { title => title, excerpt => excerpt, body => body }
}
