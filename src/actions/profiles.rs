//! Profiles: what each person shows of themselves (name, public email, bio, avatar), their own
//! password, and the administrators' edits and deletions of accounts.
//!
//! Everyone edits their own profile. Changing someone else's, or anyone's sign-in email, takes
//! `ManageUsers` (administrators, or the operator at the command line) and is audited. A
//! changed name re-indexes the person's stories in the same transaction, because bylines are
//! part of the search index.

use std::collections::BTreeMap;

use super::accounts::{
    account_and_administrators, check_email, check_password, hash_blocking, still_administrator,
    verify_blocking,
};
use super::audit::{self, Event};
use super::{ActionError, Actor, Result};
use crate::domain::audit::AuditAction;
use crate::domain::user::{Capability, Role, Staff, normalize_email};
use crate::store::Store;
use crate::store::users::ProfileChange;

/// The longest display name, in characters.
pub const NAME_MAX: usize = 100;
/// The longest bio, in characters.
pub const BIO_MAX: usize = 2000;

/// Changes to a profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileEdit {
    pub display_name: Option<String>,
    /// The sign-in email (administrators only).
    pub email: Option<String>,
    /// Shown on the author page when not empty.
    pub public_email: Option<String>,
    pub bio: Option<String>,
    /// `Some(None)` removes the avatar.
    pub avatar_id: Option<Option<i64>>,
}

/// Whether `by` may edit the profile of `user_id` (theirs, or anyone's with `ManageUsers`).
fn may_edit(by: Actor<'_>, user_id: i64, edit: &ProfileEdit) -> Result<()> {
    match by {
        Actor::Staff(me) if me.id == user_id && edit.email.is_none() => Ok(()),
        _ => by.require(Capability::ManageUsers),
    }
}

/// Edits a profile: every field is checked first and each problem reported beside its field
/// (`ActionError::Fields`), changing nothing. A new display name shows at once wherever the
/// person is named: bylines, author page, feeds, structured data and the search index.
pub async fn edit_profile(
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    edit: &ProfileEdit,
) -> Result<()> {
    may_edit(by, user_id, edit)?;
    let current = store
        .profile(user_id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such person.".into()))?;
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();

    let display_name = match &edit.display_name {
        Some(n) => n.trim().to_owned(),
        None => current.display_name.clone(),
    };
    if display_name.is_empty() {
        errors.insert("display_name", "Enter the name shown on stories.".into());
    } else if display_name.chars().count() > NAME_MAX {
        errors.insert(
            "display_name",
            format!("Use at most {NAME_MAX} characters."),
        );
    }
    let email = edit.email.as_deref().map(normalize_email);
    if let Some(email) = &email
        && check_email(email).is_err()
    {
        errors.insert(
            "email",
            "Enter an email address such as name@news.example.".into(),
        );
    }
    let public_email = match &edit.public_email {
        Some(e) => e.trim().to_owned(),
        None => current.public_email.clone(),
    };
    if !public_email.is_empty() && check_email(&public_email).is_err() {
        errors.insert(
            "public_email",
            "Enter an email address such as name@news.example, or leave it empty.".into(),
        );
    }
    let bio = match &edit.bio {
        Some(b) => b.trim().replace("\r\n", "\n"),
        None => current.bio.clone(),
    };
    if bio.chars().count() > BIO_MAX {
        errors.insert("bio", format!("Use at most {BIO_MAX} characters."));
    }
    let avatar_id = edit.avatar_id.unwrap_or(current.avatar_id);
    if let Some(id) = avatar_id
        && edit.avatar_id.is_some()
    {
        let usable = store
            .media_item(id)
            .await?
            .is_some_and(|m| m.item.width.is_some() && m.item.height.is_some());
        if !usable {
            errors.insert(
                "avatar_id",
                "Choose an image from the media library.".into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ActionError::Fields(errors));
    }

    let mut changed: Vec<&str> = Vec::new();
    if display_name != current.display_name {
        changed.push("name");
    }
    if email.as_deref().is_some_and(|e| e != current.email) {
        changed.push("sign-in email");
    }
    if public_email != current.public_email {
        changed.push("public email");
    }
    if bio != current.bio {
        changed.push("bio");
    }
    if avatar_id != current.avatar_id {
        changed.push("avatar");
    }
    if changed.is_empty() {
        return Ok(());
    }

    let mut tx = store.begin().await?;
    let change = ProfileChange {
        display_name: &display_name,
        public_email: &public_email,
        bio: &bio,
        avatar_id,
    };
    if !Store::update_profile(&mut tx, user_id, &change).await? {
        return Err(ActionError::NotFound("No such person.".into()));
    }
    if let Some(email) = &email
        && *email != current.email
    {
        Store::set_email(&mut tx, user_id, email).await?;
    }
    if display_name != current.display_name {
        Store::reindex_stories_of(&mut tx, user_id).await?;
    }
    // Someone else's edits are audited, and so is any change of a sign-in email.
    let by_someone_else = !matches!(by, Actor::Staff(me) if me.id == user_id);
    if by_someone_else || changed.contains(&"sign-in email") {
        let mut detail = changed.join(", ");
        if display_name != current.display_name {
            detail = format!("{detail} (name: {} → {display_name})", current.display_name);
        }
        let event = Event::new(AuditAction::ProfileChange, &current.login).detail(detail);
        audit::record(&mut tx, by, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A person's change of their own password: the current one must be right and the new one
/// follows the site's rules. Every other session of the account ends (the one asking, named by
/// the hash of its token, stays signed in).
pub async fn change_own_password(
    store: &Store,
    me: &Staff,
    current_password: &str,
    new_password: &str,
    confirm: &str,
    keep_session: Option<&str>,
) -> Result<u64> {
    let mut tx = store.begin().await?;
    let creds = Store::credentials(&mut tx, &me.login).await?;
    drop(tx);
    let hash = creds.and_then(|c| c.password_hash);
    let mut errors: BTreeMap<&'static str, String> = BTreeMap::new();
    if !verify_blocking(store, current_password.to_owned(), hash).await? {
        errors.insert(
            "current_password",
            "That is not your current password.".into(),
        );
    }
    if let Err(e) =
        check_password(store, new_password, &me.login, &me.email, &me.display_name).await
    {
        let message = match e {
            ActionError::Invalid { message, .. } => sentence(&message),
            e => return Err(e),
        };
        errors.insert("new_password", message);
    } else if new_password != confirm {
        errors.insert("confirm_password", "The two new passwords differ.".into());
    }
    if !errors.is_empty() {
        return Err(ActionError::Fields(errors));
    }
    let hash = hash_blocking(store, new_password.to_owned()).await?;
    let mut tx = store.begin().await?;
    Store::set_password_hash(&mut tx, me.id, &hash).await?;
    let ended = Store::delete_other_sessions(&mut tx, me.id, keep_session).await?;
    let event = Event::new(AuditAction::PasswordChange, &me.login).detail(format!(
        "changed with the current password; {ended} other session(s) signed out"
    ));
    audit::record(&mut tx, Actor::Staff(me), event).await?;
    tx.commit().await?;
    Ok(ended)
}

/// An action's message as a sentence ("too short" → "Too short.").
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut s: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// Deletes an account for good, giving its stories (bylines), pages and uploads to `heir`, an
/// active account, in one transaction that also re-indexes those stories under the heir's
/// name. Nobody deletes their own account, and the last active administrator stays (the
/// administrators are locked as [`super::accounts::set_role`] does). Returns how many bylines
/// changed hands.
pub async fn delete_account(
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    heir_id: i64,
) -> Result<u64> {
    by.require(Capability::ManageUsers)?;
    if let Actor::Staff(me) = by
        && me.id == user_id
    {
        return Err(ActionError::Conflict(
            "You cannot delete your own account.".into(),
        ));
    }
    if heir_id == user_id {
        return Err(ActionError::invalid(
            "reassign_to",
            "Choose someone else to receive the stories.",
        ));
    }
    let mut tx = store.begin().await?;
    let (account, admins) = account_and_administrators(&mut tx, user_id).await?;
    if account.role == Role::Administrator
        && !account.disabled
        && admins.iter().all(|&id| id == user_id)
    {
        return Err(ActionError::Conflict(
            "The site needs at least one administrator; make someone else one first.".into(),
        ));
    }
    still_administrator(by, &admins)?;
    let heir = Store::account_in(&mut tx, heir_id)
        .await?
        .filter(|h| !h.disabled)
        .ok_or_else(|| {
            ActionError::invalid(
                "reassign_to",
                "Choose an active person to receive the stories.",
            )
        })?;
    let moved = Store::delete_user(&mut tx, user_id, heir_id).await?;
    Store::reindex_stories_of(&mut tx, heir_id).await?;
    let event = Event::new(AuditAction::AccountDelete, &account.login).detail(format!(
        "{} ({}); {moved} byline(s) given to {}",
        account.display_name, account.role, heir.login
    ));
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(moved)
}
