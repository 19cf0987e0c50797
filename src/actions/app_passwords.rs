//! Application passwords, as WordPress has them: a person (or an administrator for them)
//! creates one per tool that uses the REST API in their name, sees it once, and revokes it when
//! the tool goes. The tool sends `login:password` with HTTP Basic; the password is 24 random
//! letters and digits, shown in groups of four (the spaces are ignored when it is used).
//!
//! A wrong one counts in the same failed sign-in counters as the sign-in form, so guessing
//! through the API is slowed down exactly as guessing there is.

use chrono::{DateTime, Duration, Utc};

use super::accounts::{count_attempts, new_token, throttle_keys, token_hash};
use super::audit::{self, Event};
use super::{ActionError, Actor, Result};
use crate::domain::audit::AuditAction;
use crate::domain::user::{Capability, Staff};
use crate::store::Store;
use crate::store::app_passwords::AppPassword;

/// Letters and digits of a new password.
const SECRET_LEN: usize = 24;
/// The longest name of an application password.
pub const MAX_NAME_LEN: usize = 200;
/// A use is noted at most this often per password (when and where it was last used is shown
/// to its owner; noting every request would be a write per request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A new application password: its record, and the secret, shown once.
#[derive(Debug, Clone)]
pub struct Created {
    pub record: AppPassword,
    /// `abcd efgh …`: as WordPress shows it; usable with or without the spaces.
    pub secret: String,
}

/// 24 characters from `[A-Za-z0-9]`, uniformly (bytes past the last whole multiple of 62 are
/// drawn again), grouped by four with spaces.
fn new_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(SECRET_LEN + SECRET_LEN / 4);
    let mut n = 0;
    while n < SECRET_LEN {
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf).expect("the operating system's random number generator");
        for b in buf {
            if n == SECRET_LEN {
                break;
            }
            if usize::from(b) >= 62 * 4 {
                continue;
            }
            if n > 0 && n % 4 == 0 {
                out.push(' ');
            }
            out.push(char::from(ALPHABET[usize::from(b) % 62]));
            n += 1;
        }
    }
    out
}

/// A password as sent, without the spaces and dashes people copy along.
fn normalized(secret: &str) -> String {
    secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// The hash a secret is stored under.
fn secret_hash(secret: &str) -> String {
    token_hash(&normalized(secret))
}

/// A random UUID (version 4), WordPress's id of an application password.
fn new_uuid() -> String {
    let t = new_token();
    let mut b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&t[i * 2..i * 2 + 2], 16).expect("hex"))
        .collect();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Whether `by` may see and change the application passwords of `user_id`: their own, or
/// anyone's for those who manage people.
fn may_manage(by: Actor<'_>, user_id: i64) -> Result<()> {
    match by {
        Actor::Staff(s) if s.id == user_id => Ok(()),
        other => other.require(Capability::ManageUsers),
    }
}

async fn known_user(store: &Store, user_id: i64) -> Result<String> {
    store
        .account(user_id)
        .await?
        .map(|a| a.login)
        .ok_or_else(|| ActionError::NotFound("No such person.".into()))
}

/// Creates an application password named `name` for `user_id`.
pub async fn create(
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Created> {
    may_manage(by, user_id)?;
    let login = known_user(store, user_id).await?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ActionError::invalid(
            "name",
            "Give the application password a name (the tool that will use it).",
        ));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(ActionError::invalid(
            "name",
            format!("A name may have at most {MAX_NAME_LEN} characters."),
        ));
    }
    if store
        .app_passwords(user_id)
        .await?
        .iter()
        .any(|p| p.name == name)
    {
        return Err(ActionError::Conflict(
            "Each application password needs a name of its own; this one is taken.".into(),
        ));
    }
    let secret = new_secret();
    let record = AppPassword {
        uuid: new_uuid(),
        user_id,
        name: name.to_owned(),
        created_at: now,
        last_used_at: None,
        last_ip: String::new(),
    };
    let mut tx = store.begin().await?;
    Store::insert_app_password(
        &mut tx,
        &record.uuid,
        user_id,
        name,
        &secret_hash(&secret),
        now,
    )
    .await?;
    let event = Event::new(AuditAction::AppPasswordAdd, &login).detail(name);
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(Created { record, secret })
}

/// The application passwords of `user_id`.
pub async fn list(store: &Store, by: Actor<'_>, user_id: i64) -> Result<Vec<AppPassword>> {
    may_manage(by, user_id)?;
    known_user(store, user_id).await?;
    Ok(store.app_passwords(user_id).await?)
}

/// Revokes one application password of `user_id` (by its uuid), or all of them; returns how
/// many were revoked. An unknown uuid is `NotFound`.
pub async fn revoke(store: &Store, by: Actor<'_>, user_id: i64, uuid: Option<&str>) -> Result<u64> {
    may_manage(by, user_id)?;
    let login = known_user(store, user_id).await?;
    let mut tx = store.begin().await?;
    let n = Store::delete_app_passwords(&mut tx, user_id, uuid).await?;
    if n == 0 && uuid.is_some() {
        return Err(ActionError::NotFound(
            "No such application password.".into(),
        ));
    }
    if n > 0 {
        let what = uuid.map_or_else(|| format!("all ({n})"), str::to_owned);
        let event = Event::new(AuditAction::AppPasswordRevoke, &login).detail(&what);
        audit::record(&mut tx, by, event).await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Why a Basic authentication was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The login and application password do not match (or the account is disabled); the
    /// same answer for an unknown login.
    Wrong,
    /// Too many failures: retry after this many seconds.
    Throttled { retry_after_secs: u64 },
}

/// The person and application password a Basic `login:secret` names, noting the use.
pub async fn authenticate(
    store: &Store,
    login: &str,
    secret: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<(Staff, AppPassword), Refusal>> {
    let keys = throttle_keys(login, ip);
    let normalized = normalized(secret);
    let found = if normalized.len() == SECRET_LEN
        && normalized.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        store
            .app_password_by_secret(login.trim(), &token_hash(&normalized))
            .await?
    } else {
        None
    };
    let Some((record, staff)) = found else {
        // Counted only when wrong, and refused unchecked while the counters are locked. A
        // right one is let through whatever the counters say: 24 random characters cannot be
        // guessed, so a lock earned by strangers must not stop the person's own tools (it
        // costs no write either, beyond the occasional note of its use).
        let key_names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        if let Some(until) = store.throttle_locked_until(&key_names, now).await? {
            return Ok(Err(Refusal::Throttled {
                retry_after_secs: (until - now).num_seconds().max(1) as u64,
            }));
        }
        let mut tx = store.begin().await?;
        let wait = count_attempts(&mut tx, &keys, now).await?;
        if wait > 0 {
            return Ok(Err(Refusal::Throttled {
                retry_after_secs: wait as u64,
            }));
        }
        tx.commit().await?;
        tracing::info!(target: "audit", action = "app_password_failed", actor = %login.trim(), ip, "audit");
        return Ok(Err(Refusal::Wrong));
    };
    if record
        .last_used_at
        .is_none_or(|t| now - t >= TOUCH_EVERY || record.last_ip != ip)
    {
        let mut tx = store.begin().await?;
        Store::touch_app_password(&mut tx, &record.uuid, now, ip).await?;
        tx.commit().await?;
    }
    Ok(Ok((staff, record)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_24_letters_and_digits_in_groups_of_four() {
        let s = new_secret();
        let groups: Vec<&str> = s.split(' ').collect();
        assert_eq!(groups.len(), 6, "{s}");
        assert!(groups.iter().all(|g| g.len() == 4));
        assert!(normalized(&s).bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(new_secret(), s);
        assert_eq!(secret_hash(&s), secret_hash(&normalized(&s)));
        assert_eq!(secret_hash(&s), secret_hash(&s.replace(' ', "-")));
    }

    #[test]
    fn uuids_are_version_4() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
