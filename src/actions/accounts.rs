//! Accounts and signing in: creating people, their passwords and roles, sessions, and the
//! failed-attempt counters that slow down password guessing.
//!
//! Secrets handed out (session cookies, set-password links) are random tokens; only their
//! SHA-256 is stored.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::audit::{self, Event, Who};
use super::{ActionError, Actor, Result};
use crate::domain::audit::AuditAction;
use crate::domain::password;
use crate::domain::user::{Capability, NewUser, Role, normalize_email};
use crate::store::Store;
use crate::store::accounts::SessionRecord;

/// A session ends after this long without a request…
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// …and after this long whatever happens.
pub const SESSION_LIFETIME: Duration = Duration::days(14);
/// How long an invitation link works.
pub const INVITE_VALID: Duration = Duration::days(7);
/// How long a password-reset link works.
pub const RESET_VALID: Duration = Duration::days(1);
/// How long a link creating the first administrator works (`newsdesk serve` logs a new one at
/// each start while the site has none).
pub const SETUP_VALID: Duration = Duration::days(1);

/// Failed sign-ins allowed for one login from one address before each further attempt
/// doubles the wait: a stranger guessing from elsewhere does not lock the person out.
const FREE_FAILURES_LOGIN_AT_ADDRESS: i64 = 5;
/// The same per address, whatever the login, which many people may share (a newsroom's office
/// network).
const FREE_FAILURES_IP: i64 = 20;
/// The first wait of those two, and the longest.
const FIRST_WAIT_SECS: i64 = 30;
const LONGEST_WAIT_SECS: i64 = 3600;
/// Failed sign-ins allowed for one login from all addresses together (a guesser spreading
/// guesses over many addresses), before each further attempt doubles its own wait.
const FREE_FAILURES_LOGIN: i64 = 50;
const LOGIN_FIRST_WAIT_SECS: i64 = 60;
const LOGIN_LONGEST_WAIT_SECS: i64 = 3600;
/// Failures older than this are forgotten.
const FAILURE_MEMORY: Duration = Duration::hours(24);

/// The one answer for an unknown login, a wrong password and a disabled account.
pub const WRONG_CREDENTIALS: &str = "The login or password is not right.";

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 256 random bits as hex.
pub(super) fn new_token() -> String {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).expect("the operating system's random number generator");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A person to add to the newsroom.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// None: the person sets it through an invitation link.
    pub password: Option<String>,
}

pub(super) fn check_email(email: &str) -> Result<()> {
    let email = email.trim();
    let ok = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(ActionError::invalid(
            "email",
            "enter an email address such as name@news.example",
        ))
    }
}

/// Adds a person. Only administrators (or the operator at the command line) may.
pub async fn add_user(
    store: &Store,
    by: Actor<'_>,
    account: &NewAccount,
    now: DateTime<Utc>,
) -> Result<i64> {
    by.require(Capability::ManageUsers)?;
    let (new, hash) = checked_account(store, account).await?;
    let mut tx = store.begin().await?;
    let id = insert_account(&mut tx, by, &new, hash.as_deref(), now).await?;
    let event = Event::new(AuditAction::AccountAdd, &new.login).detail(new.role.as_str());
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Checks a new account's fields and hashes its password, before any transaction opens.
async fn checked_account(store: &Store, account: &NewAccount) -> Result<(NewUser, Option<String>)> {
    let email = normalize_email(&account.email);
    check_email(&email)?;
    if let Some(pw) = &account.password {
        check_password(
            store,
            pw,
            account.login.trim(),
            &email,
            &account.display_name,
        )
        .await?;
    }
    let hash = match &account.password {
        Some(pw) => Some(hash_blocking(store, pw.clone()).await?),
        None => None,
    };
    let new = NewUser {
        login: account.login.trim().to_owned(),
        email,
        display_name: account.display_name.trim().to_owned(),
        slug: None,
        bio: String::new(),
        role: account.role,
    };
    Ok((new, hash))
}

async fn insert_account(
    tx: &mut crate::store::Tx,
    by: Actor<'_>,
    new: &NewUser,
    hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id = super::site::create_user(tx, by, new, now).await?;
    if let Some(hash) = hash {
        Store::set_password_hash(tx, id, hash).await?;
    }
    Ok(id)
}

/// Issues a one-time link token with which whoever runs a new site creates its first
/// administrator (the caller turns it into `/admin/setup/TOKEN`). `None` once any administrator
/// exists: from then on people are added by administrators or `newsdesk user add`.
pub async fn setup_link(
    store: &Store,
    by: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    by.require(Capability::ManageUsers)?;
    let mut tx = store.begin().await?;
    Store::lock_first_administrator(&mut tx).await?;
    if Store::count_administrators(&mut tx).await? > 0 {
        return Ok(None);
    }
    let token = new_token();
    Store::insert_setup_token(&mut tx, &token_hash(&token), now, now + SETUP_VALID).await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Whether a set-up link still works: unused, unexpired, and no administrator exists yet.
pub async fn setup_link_works(store: &Store, token: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(store.setup_token_works(&token_hash(token), now).await?)
}

/// The refusal of a set-up link that no longer works.
fn setup_link_gone() -> ActionError {
    ActionError::NotFound(
        "This set-up link has expired or was already used, or the newsroom already has an \
         administrator. Sign in, or ask an administrator to invite you."
            .into(),
    )
}

/// Creates the site's first administrator through a set-up link, which then stops working,
/// as every other set-up link does. The account's fields follow the same rules as any other;
/// its role is always administrator and it needs a password.
pub async fn set_up_first_administrator(
    store: &Store,
    token: &str,
    account: &NewAccount,
    now: DateTime<Utc>,
) -> Result<i64> {
    if !setup_link_works(store, token, now).await? {
        return Err(setup_link_gone());
    }
    if account.password.is_none() {
        return Err(ActionError::invalid("password", "choose a password"));
    }
    let account = NewAccount {
        role: Role::Administrator,
        ..account.clone()
    };
    let (new, hash) = checked_account(store, &account).await?;
    let mut tx = store.begin().await?;
    Store::lock_first_administrator(&mut tx).await?;
    if Store::count_administrators(&mut tx).await? > 0
        || !Store::use_setup_token(&mut tx, &token_hash(token), now).await?
    {
        return Err(setup_link_gone());
    }
    let id = insert_account(&mut tx, Actor::Operator, &new, hash.as_deref(), now).await?;
    // Nobody is signed in yet: the link's holder acts as the operator who ran the site.
    let event =
        Event::new(AuditAction::AccountAdd, &new.login).detail("administrator (set-up link)");
    audit::record(&mut tx, Actor::Operator, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Refuses a password too easy to guess for this person on this site.
pub(crate) async fn check_password(
    store: &Store,
    new_password: &str,
    login: &str,
    email: &str,
    display_name: &str,
) -> Result<()> {
    let site_title = store.settings().await?.title;
    let about = password::Context {
        login,
        email,
        display_name: display_name.trim(),
        site_title: &site_title,
    };
    password::check_strength(new_password, about).map_err(|m| ActionError::invalid("password", m))
}

/// How long a password waits for a hashing turn before the request is answered "busy".
pub const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// The `Retry-After` of that answer, in seconds.
pub const HASHING_RETRY_SECS: u64 = 5;

/// Runs password work (argon2id: tens of milliseconds of one core and 19 MiB each) on the
/// blocking pool, at most one per core at a time on this node (`Store::hashing`), so a flood
/// of sign-ins queues here instead of taking every core from the readers. A request that does
/// not get a turn within [`HASHING_WAIT`] is refused with [`ActionError::Busy`]. The turn goes
/// with the work, so a request abandoned mid-way still holds it until the hash is done.
async fn with_hashing_turn<T: Send + 'static>(
    store: &Store,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let turn = match tokio::time::timeout(HASHING_WAIT, store.hashing.clone().acquire_owned()).await
    {
        Ok(Ok(turn)) => turn,
        _ => {
            tracing::warn!("password hashing is busy: a request was turned away");
            return Err(ActionError::Busy {
                retry_after_secs: HASHING_RETRY_SECS,
            });
        }
    };
    Ok(tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .expect("password work does not panic"))
}

pub(super) async fn hash_blocking(store: &Store, password: String) -> Result<String> {
    with_hashing_turn(store, move || password::hash(&password)).await
}

pub(super) async fn verify_blocking(
    store: &Store,
    password: String,
    hash: Option<String>,
) -> Result<bool> {
    with_hashing_turn(store, move || match hash {
        Some(h) => password::verify(&password, &h),
        None => {
            password::verify_nothing(&password);
            false
        }
    })
    .await
}

/// What a set-password link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invite,
    Reset,
}

/// Issues a one-time link token to set the password (replacing any earlier unused one).
/// The caller turns it into `/admin/password/TOKEN`.
pub async fn password_link(
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    purpose: LinkPurpose,
    now: DateTime<Utc>,
) -> Result<String> {
    by.require(Capability::ManageUsers)?;
    let token = new_token();
    let (name, valid) = match purpose {
        LinkPurpose::Invite => ("invite", INVITE_VALID),
        LinkPurpose::Reset => ("reset", RESET_VALID),
    };
    let mut tx = store.begin().await?;
    if store.account(user_id).await?.is_none() {
        return Err(ActionError::NotFound("No such person.".into()));
    }
    Store::insert_user_token(
        &mut tx,
        &token_hash(&token),
        user_id,
        name,
        now,
        now + valid,
    )
    .await?;
    if purpose == LinkPurpose::Reset {
        audit_account(
            &mut tx,
            store,
            by,
            user_id,
            AuditAction::PasswordReset,
            "a one-time link to set a new password",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(token)
}

/// The account a set-password link is for, if it still works.
pub async fn link_account(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<crate::store::accounts::Account>> {
    let mut tx = store.begin().await?;
    let id = Store::user_token(&mut tx, &token_hash(token), now).await?;
    drop(tx);
    match id {
        Some(id) => Ok(store.account(id).await?),
        None => Ok(None),
    }
}

/// Sets the password through a one-time link, which then stops working. Every existing
/// session of the account ends.
pub async fn set_password_by_link(
    store: &Store,
    token: &str,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let account = link_account(store, token, now).await?.ok_or_else(|| {
        ActionError::NotFound(
            "This link has expired or was already used. Ask an administrator for a new one.".into(),
        )
    })?;
    check_password(
        store,
        new_password,
        &account.login,
        &account.email,
        &account.display_name,
    )
    .await?;
    let hash = hash_blocking(store, new_password.to_owned()).await?;
    let mut tx = store.begin().await?;
    if !Store::use_user_token(&mut tx, &token_hash(token), now).await? {
        return Err(ActionError::NotFound("This link was already used.".into()));
    }
    Store::set_password_hash(&mut tx, account.id, &hash).await?;
    Store::delete_sessions_of(&mut tx, account.id).await?;
    let who = Who {
        id: Some(account.id),
        login: &account.login,
    };
    let event = Event::new(AuditAction::PasswordReset, &account.login)
        .detail("password chosen with a one-time link");
    audit::record(&mut tx, who, event).await?;
    tx.commit().await?;
    Ok(account.id)
}

/// Sets a password directly (the operator at the command line). Every session of the account ends.
pub async fn set_password(
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    new_password: &str,
) -> Result<()> {
    by.require(Capability::ManageUsers)?;
    let account = store
        .account(user_id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such person.".into()))?;
    check_password(
        store,
        new_password,
        &account.login,
        &account.email,
        &account.display_name,
    )
    .await?;
    let hash = hash_blocking(store, new_password.to_owned()).await?;
    let mut tx = store.begin().await?;
    Store::set_password_hash(&mut tx, user_id, &hash).await?;
    Store::delete_sessions_of(&mut tx, user_id).await?;
    audit_account(
        &mut tx,
        store,
        by,
        user_id,
        AuditAction::PasswordReset,
        "new password set directly",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a person's role. The last active administrator keeps theirs.
pub async fn set_role(store: &Store, by: Actor<'_>, user_id: i64, role: Role) -> Result<()> {
    by.require(Capability::ManageUsers)?;
    let mut tx = store.begin().await?;
    let (account, admins) = account_and_administrators(&mut tx, user_id).await?;
    if account.role == Role::Administrator
        && role != Role::Administrator
        && !account.disabled
        && admins.iter().all(|&id| id == user_id)
    {
        return Err(ActionError::Conflict(
            "The site needs at least one administrator; make someone else one first.".into(),
        ));
    }
    still_administrator(by, &admins)?;
    Store::set_role(&mut tx, user_id, role).await?;
    let event = Event::new(AuditAction::RoleChange, &account.login).detail(format!(
        "{} → {}",
        account.role,
        role.as_str()
    ));
    audit::record(&mut tx, by, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The account, read after locking the active administrators (see
/// [`Store::lock_active_administrators`]), so a check that another administrator remains
/// holds until the transaction commits.
pub(super) async fn account_and_administrators(
    tx: &mut crate::store::Tx,
    user_id: i64,
) -> Result<(crate::store::accounts::Account, Vec<i64>)> {
    let admins = Store::lock_active_administrators(tx).await?;
    let account = Store::account_in(tx, user_id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such person.".into()))?;
    Ok((account, admins))
}

/// Refuses a signed-in person who stopped being an active administrator since their session
/// was read (demoted or disabled by a colleague a moment ago).
pub(super) fn still_administrator(by: Actor<'_>, admins: &[i64]) -> Result<()> {
    match by {
        Actor::Staff(me) if !admins.contains(&me.id) => Err(ActionError::Forbidden(
            "Your role does not allow this.".into(),
        )),
        _ => Ok(()),
    }
}

/// Disables (or enables again) an account. A disabled account cannot sign in, is signed out
/// everywhere at once, and disappears from the public site; its stories stay. The last active
/// administrator stays enabled.
pub async fn set_disabled(
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    disabled: bool,
) -> Result<()> {
    by.require(Capability::ManageUsers)?;
    if let Actor::Staff(me) = by
        && me.id == user_id
        && disabled
    {
        return Err(ActionError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    let mut tx = store.begin().await?;
    let (account, admins) = account_and_administrators(&mut tx, user_id).await?;
    if disabled
        && account.role == Role::Administrator
        && !account.disabled
        && admins.iter().all(|&id| id == user_id)
    {
        return Err(ActionError::Conflict(
            "The site needs at least one active administrator.".into(),
        ));
    }
    still_administrator(by, &admins)?;
    Store::set_disabled(&mut tx, user_id, disabled).await?;
    if disabled {
        Store::delete_sessions_of(&mut tx, user_id).await?;
    }
    let action = if disabled {
        AuditAction::AccountDisable
    } else {
        AuditAction::AccountEnable
    };
    audit::record(&mut tx, by, Event::new(action, &account.login)).await?;
    tx.commit().await?;
    Ok(())
}

/// One failed-attempt counter: its key, the attempts it allows, its first and longest wait.
pub(super) struct ThrottleRule {
    pub(super) key: String,
    free: i64,
    first_wait: i64,
    longest_wait: i64,
}

/// Counts an attempt against each of `keys`, locking a key that has used up its free attempts
/// (each further failure doubles its wait); returns how many seconds the attempt must wait
/// because a key was already locked (0: it may be checked).
pub(super) async fn count_attempts(
    tx: &mut crate::store::Tx,
    keys: &[ThrottleRule],
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut wait = 0;
    for rule in keys {
        let key = &rule.key;
        match Store::count_attempt(tx, key, now, now - FAILURE_MEMORY).await? {
            Some(n) if n >= rule.free => {
                // From the last free attempt on, each attempt locks the key before it is
                // checked (a success unlocks it); each further failure doubles the wait.
                let doublings = (n - rule.free).min(16) as u32;
                let secs = (rule.first_wait << doublings).min(rule.longest_wait);
                Store::lock_throttle(tx, key, now + Duration::seconds(secs)).await?;
            }
            Some(_) => {}
            None => {
                let until = Store::throttle(tx, key)
                    .await?
                    .and_then(|t| t.locked_until)
                    .unwrap_or(now);
                wait = wait.max((until - now).num_seconds().max(1));
            }
        }
    }
    Ok(wait)
}

/// The counters a sign-in attempt counts against: the login from this address, the address,
/// and the login from everywhere (in this order).
pub(super) fn throttle_keys(login: &str, ip: &str) -> [ThrottleRule; 3] {
    let login = login.trim().to_lowercase();
    [
        ThrottleRule {
            // The address first: it has no spaces, so the key names one pair.
            key: format!("login-at:{ip} {login}"),
            free: FREE_FAILURES_LOGIN_AT_ADDRESS,
            first_wait: FIRST_WAIT_SECS,
            longest_wait: LONGEST_WAIT_SECS,
        },
        ThrottleRule {
            key: format!("ip:{ip}"),
            free: FREE_FAILURES_IP,
            first_wait: FIRST_WAIT_SECS,
            longest_wait: LONGEST_WAIT_SECS,
        },
        ThrottleRule {
            key: format!("login:{login}"),
            free: FREE_FAILURES_LOGIN,
            first_wait: LOGIN_FIRST_WAIT_SECS,
            longest_wait: LOGIN_LONGEST_WAIT_SECS,
        },
    ]
}

/// Checks a login and password and opens a session; returns its token for the cookie.
///
/// Unknown logins, wrong passwords and disabled accounts get the same answer, after the same
/// work. After a few failures for one login from one address (or many from one address, or very
/// many for one login from everywhere) each further failure doubles the wait before the next
/// attempt is even checked. Failures from another address do not hold the real person back
/// until they reach the much higher overall limit.
pub async fn sign_in(
    store: &Store,
    login: &str,
    password: &str,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let keys = throttle_keys(login, ip);
    // Count the attempt before checking the password, each key in one statement, so that
    // guesses sent in parallel each count and each see the lock the ones before them set.
    let mut tx = store.begin().await?;
    let wait = count_attempts(&mut tx, &keys, now).await?;
    if wait > 0 {
        // Logged, not stored: a flood of refused guesses must not become a flood of writes.
        tracing::info!(target: "audit", action = "sign_in_throttled", actor = %login.trim(), ip, wait, "audit");
        // Refused unchecked; the attempt is not counted (the transaction is dropped).
        return Err(ActionError::RateLimited {
            retry_after_secs: wait as u64,
        });
    }
    let creds = Store::credentials(&mut tx, login.trim()).await?;
    tx.commit().await?;
    let known_id = creds.as_ref().map(|c| c.id);
    let failure = match &creds {
        None => "unknown login",
        Some(c) if c.disabled => "account disabled",
        Some(c) if c.password_hash.is_none() => "no password set yet",
        Some(_) => "wrong password",
    };
    let (user_id, hash) = match creds {
        Some(c) if !c.disabled => (Some(c.id), c.password_hash),
        _ => (None, None),
    };
    let checked = match verify_blocking(store, password.to_owned(), hash).await {
        Ok(matches) => matches,
        Err(busy) => {
            // Never checked: the attempt is taken back, as a throttled one is never counted.
            let mut tx = store.begin().await?;
            for rule in &keys {
                Store::forgive_attempt(&mut tx, &rule.key, rule.free).await?;
            }
            tx.commit().await?;
            return Err(busy);
        }
    };
    let ok = checked && user_id.is_some();
    let Some(user_id) = user_id.filter(|_| ok) else {
        let who = Who {
            id: known_id,
            login,
        };
        let event = Event::new(AuditAction::SignInFailed, login.trim())
            .detail(failure)
            .ip(ip);
        audit::record_alone(store, who, event).await?;
        return Err(ActionError::invalid("login", WRONG_CREDENTIALS));
    };
    let mut tx = store.begin().await?;
    // A success clears the count of the login from this address and takes back its attempt
    // from the address's and the login's overall counts (a lock a stranger earned there stays).
    let [at_address, address, everywhere] = &keys;
    Store::clear_throttle(&mut tx, &at_address.key).await?;
    Store::forgive_attempt(&mut tx, &address.key, address.free).await?;
    Store::forgive_attempt(&mut tx, &everywhere.key, everywhere.free).await?;
    let token = new_token();
    let csrf = new_token();
    let ua: String = user_agent.chars().take(300).collect();
    Store::insert_session(&mut tx, &token_hash(&token), user_id, &csrf, ip, &ua, now).await?;
    Store::delete_expired_sessions(&mut tx, now - SESSION_IDLE, now - SESSION_LIFETIME).await?;
    let who = Who {
        id: Some(user_id),
        login,
    };
    audit::record(
        &mut tx,
        who,
        Event::new(AuditAction::SignIn, login.trim()).ip(ip),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The live session a cookie token names, renewing its idle timer; expired sessions end here.
pub async fn session(
    store: &Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRecord>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let Some(record) = store.session(&hash).await? else {
        return Ok(None);
    };
    if now - record.last_seen_at > SESSION_IDLE || now - record.created_at > SESSION_LIFETIME {
        let mut tx = store.begin().await?;
        Store::delete_session(&mut tx, &hash).await?;
        tx.commit().await?;
        return Ok(None);
    }
    // Renewing at most once a minute keeps reads from writing on every request.
    if now - record.last_seen_at > Duration::seconds(60) {
        let mut tx = store.begin().await?;
        Store::touch_session(&mut tx, &hash, now).await?;
        tx.commit().await?;
    }
    Ok(Some(record))
}

/// Ends one session.
pub async fn sign_out(store: &Store, token: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    Store::delete_session(&mut tx, &token_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of an account, on every device and node.
pub async fn sign_out_everywhere(store: &Store, user_id: i64) -> Result<u64> {
    let mut tx = store.begin().await?;
    let n = Store::delete_sessions_of(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(n)
}

/// Records `action` on the account `user_id`, named by its login.
async fn audit_account(
    tx: &mut crate::store::Tx,
    store: &Store,
    by: Actor<'_>,
    user_id: i64,
    action: AuditAction,
    detail: &str,
) -> Result<()> {
    let login = store
        .account(user_id)
        .await?
        .map(|a| a.login)
        .unwrap_or_default();
    audit::record(tx, by, Event::new(action, login).detail(detail)).await
}
