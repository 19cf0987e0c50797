//! Signing in: sessions, failed-attempt counters, one-time set-password links, and the
//! account list the admin and `newsdesk user` show.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx};
use super::{Result, Store};
use crate::domain::user::{Role, Staff};

/// An account as the sign-in check sees it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Credentials {
    pub id: i64,
    pub password_hash: Option<String>,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub disabled: bool,
}

/// An account as the user list shows it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub slug: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub disabled: bool,
    /// Whether a password is set (an invited person has none until they follow the link).
    #[serde(deserialize_with = "super::dialect::flexible_bool")]
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A session found by its token.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub staff: Staff,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A failed-attempt counter.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Throttle {
    pub locked_until: Option<DateTime<Utc>>,
}

const ACCOUNT_COLUMNS: &str = "id, login, email, display_name, slug, role, disabled, \
     (password_hash IS NOT NULL) AS has_password, created_at, last_login_at";

impl Store {
    pub(crate) async fn credentials(tx: &mut Tx, login: &str) -> Result<Option<Credentials>> {
        tx.fetch_optional(
            Sql::new("SELECT id, password_hash, disabled FROM users WHERE login = $1").bind(login),
        )
        .await
    }

    /// Sets the password; every outstanding set-password link of the account stops working
    /// (whoever holds an old reset link must not undo the change).
    pub(crate) async fn set_password_hash(tx: &mut Tx, user_id: i64, hash: &str) -> Result<bool> {
        let changed = tx
            .execute(
                // A password shows on no page.
                Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(user_id)
                    .bookkeeping(),
            )
            .await?
            == 1;
        Self::end_user_tokens(tx, user_id).await?;
        Ok(changed)
    }

    /// Changes the role; a changed role ends every outstanding set-password link of the account.
    pub(crate) async fn set_role(tx: &mut Tx, user_id: i64, role: Role) -> Result<bool> {
        let changed = tx
            .execute(
                Sql::new("UPDATE users SET role = $1 WHERE id = $2 AND role <> $1")
                    .bind(role.as_str())
                    .bind(user_id),
            )
            .await?
            == 1;
        if changed {
            Self::end_user_tokens(tx, user_id).await?;
        }
        Ok(changed)
    }

    /// Disables or enables the account; disabling ends every outstanding set-password link
    /// (enabling it again does not bring them back).
    pub(crate) async fn set_disabled(tx: &mut Tx, user_id: i64, disabled: bool) -> Result<bool> {
        let changed = tx
            .execute(
                Sql::new("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(user_id),
            )
            .await?
            == 1;
        if disabled {
            Self::end_user_tokens(tx, user_id).await?;
        }
        Ok(changed)
    }

    /// Ends every unused set-password link (invitation or reset) of an account.
    pub(crate) async fn end_user_tokens(tx: &mut Tx, user_id: i64) -> Result<u64> {
        tx.execute(
            Sql::new("DELETE FROM user_tokens WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id),
        )
        .await
    }

    /// Ids of the active administrators, locked until the transaction ends, so that two
    /// people demoting or disabling each other at once cannot both see another administrator
    /// left: on PostgreSQL the second waits for the first and then reads the rows as changed
    /// (locked in id order, so two such transactions never deadlock).
    pub(crate) async fn lock_active_administrators(tx: &mut Tx) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT id FROM users WHERE role = 'administrator' AND disabled = FALSE ORDER BY id{}",
            super::dialect::for_update(tx)
        );
        tx.scalars(Sql::new(&sql)).await
    }

    /// An account read inside a transaction (after its locks are taken).
    pub(crate) async fn account_in(tx: &mut Tx, id: i64) -> Result<Option<Account>> {
        tx.fetch_optional(
            Sql::new(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1"
            ))
            .bind(id),
        )
        .await
    }

    /// Every account, by login.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        self.conn()
            .fetch_all(Sql::new(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM users ORDER BY login"
            )))
            .await
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1"
                ))
                .bind(id),
            )
            .await
    }

    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM users WHERE login = $1"
                ))
                .bind(login),
            )
            .await
    }
}

impl Store {
    pub(crate) async fn insert_session(
        tx: &mut Tx,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        ip: &str,
        user_agent: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .bind(ip)
            .bind(user_agent),
        )
        .await?;
        tx.execute(
            // When someone last signed in shows on no public page.
            Sql::new("UPDATE users SET last_login_at = $1 WHERE id = $2")
                .bind(now)
                .bind(user_id)
                .bookkeeping(),
        )
        .await?;
        Ok(())
    }

    /// The session with this token hash and its (enabled) account.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            id: i64,
            login: String,
            display_name: String,
            email: String,
            role: String,
            csrf_token: String,
            created_at: DateTime<Utc>,
            last_seen_at: DateTime<Utc>,
        }
        let rec: Option<Rec> = self
            .conn()
            .fetch_optional(
                Sql::new(
                    "SELECT u.id, u.login, u.display_name, u.email, u.role, s.csrf_token, s.created_at, s.last_seen_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND u.disabled = FALSE",
                )
                .bind(token_hash),
            )
            .await?;
        Ok(rec.and_then(|r| {
            Some(SessionRecord {
                staff: Staff {
                    id: r.id,
                    login: r.login,
                    display_name: r.display_name,
                    email: r.email,
                    role: Role::parse(&r.role)?,
                },
                csrf_token: r.csrf_token,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
            })
        }))
    }

    pub(crate) async fn touch_session(
        tx: &mut Tx,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn delete_session(tx: &mut Tx, token_hash: &str) -> Result<u64> {
        tx.execute(Sql::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash))
            .await
    }

    pub(crate) async fn delete_sessions_of(tx: &mut Tx, user_id: i64) -> Result<u64> {
        tx.execute(Sql::new("DELETE FROM sessions WHERE user_id = $1").bind(user_id))
            .await
    }

    /// Ends every session of an account but the one with this token hash (if given).
    pub(crate) async fn delete_other_sessions(
        tx: &mut Tx,
        user_id: i64,
        keep_token_hash: Option<&str>,
    ) -> Result<u64> {
        tx.execute(
            Sql::new("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_token_hash.unwrap_or("")),
        )
        .await
    }

    /// Removes sessions idle since `idle_before` or created before `created_before`.
    pub(crate) async fn delete_expired_sessions(
        tx: &mut Tx,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> Result<u64> {
        tx.execute(
            Sql::new("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(idle_before)
                .bind(created_before),
        )
        .await
    }

    /// How many browsers are signed in to this account.
    pub async fn session_count(&self, user_id: i64) -> Result<i64> {
        self.conn()
            .scalar(Sql::new("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user_id))
            .await
    }
}

impl Store {
    pub(crate) async fn throttle(tx: &mut Tx, key: &str) -> Result<Option<Throttle>> {
        tx.fetch_optional(
            Sql::new("SELECT locked_until FROM login_throttle WHERE throttle_key = $1").bind(key),
        )
        .await
    }

    /// Counts a sign-in attempt against `key` in one statement, unless the key is locked at
    /// `now`; failures from before `forget_before` no longer count. Returns the attempts
    /// counted, this one included, or `None` when the key is locked. Concurrent attempts each
    /// get their own number (the row is updated in place, never read and written back).
    pub(crate) async fn count_attempt(
        tx: &mut Tx,
        key: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let n: Vec<i64> = tx
            .scalars(
                Sql::new(
                    "INSERT INTO login_throttle (throttle_key, failures, last_failure_at, locked_until) \
                     VALUES ($1, 1, $2, NULL) ON CONFLICT (throttle_key) DO UPDATE SET \
                     failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 \
                                     ELSE login_throttle.failures + 1 END, \
                     last_failure_at = $2 \
                     WHERE login_throttle.locked_until IS NULL OR login_throttle.locked_until <= $2 \
                     RETURNING failures",
                )
                .bind(key)
                .bind(now)
                .bind(forget_before),
            )
            .await?;
        Ok(n.into_iter().next())
    }

    pub(crate) async fn lock_throttle(tx: &mut Tx, key: &str, until: DateTime<Utc>) -> Result<()> {
        tx.execute(
            Sql::new("UPDATE login_throttle SET locked_until = $1 WHERE throttle_key = $2")
                .bind(until)
                .bind(key),
        )
        .await?;
        Ok(())
    }

    /// Takes back one counted attempt (it succeeded), unlocking the key when it falls below
    /// `free` attempts.
    pub(crate) async fn forgive_attempt(tx: &mut Tx, key: &str, free: i64) -> Result<()> {
        tx.execute(
            Sql::new(
                "UPDATE login_throttle SET failures = failures - 1, \
                 locked_until = CASE WHEN failures - 1 < $1 THEN NULL ELSE locked_until END \
                 WHERE throttle_key = $2 AND failures > 0",
            )
            .bind(free)
            .bind(key),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn clear_throttle(tx: &mut Tx, key: &str) -> Result<()> {
        tx.execute(Sql::new("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key))
            .await?;
        Ok(())
    }
}

impl Store {
    pub(crate) async fn insert_user_token(
        tx: &mut Tx,
        token_hash: &str,
        user_id: i64,
        purpose: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        // A new link replaces any earlier unused one.
        Self::end_user_tokens(tx, user_id).await?;
        tx.execute(
            Sql::new(
                "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(purpose)
            .bind(now)
            .bind(expires_at),
        )
        .await?;
        Ok(())
    }

    /// The account a set-password link is for, if the link is unused and unexpired.
    pub(crate) async fn user_token(
        tx: &mut Tx,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let ids: Vec<i64> = tx
            .scalars(
                Sql::new(
                    "SELECT t.user_id FROM user_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND u.disabled = FALSE",
                )
                .bind(token_hash)
                .bind(now),
            )
            .await?;
        Ok(ids.into_iter().next())
    }

    pub(crate) async fn use_user_token(
        tx: &mut Tx,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(tx
            .execute(
                Sql::new(
                    "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                )
                .bind(now)
                .bind(token_hash),
            )
            .await?
            == 1)
    }
}

impl Store {
    /// How many administrator accounts exist, in any state. While there are none, set-up links
    /// may create the first; taken after [`Store::lock_first_administrator`].
    pub(crate) async fn count_administrators(tx: &mut Tx) -> Result<i64> {
        tx.scalar(Sql::new(
            "SELECT COUNT(*) FROM users WHERE role = 'administrator'",
        ))
        .await
    }

    /// Makes set-up links used at the same instant (on several nodes) take turns, so only the
    /// first creates an administrator.
    pub(crate) async fn lock_first_administrator(tx: &mut Tx) -> Result<()> {
        super::dialect::lock(tx, "first-administrator").await
    }

    pub(crate) async fn insert_setup_token(
        tx: &mut Tx,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(now)
            .bind(expires_at),
        )
        .await?;
        Ok(())
    }

    /// Whether a set-up link is unused and unexpired, and no administrator exists yet.
    pub async fn setup_token_works(&self, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n: i64 = self
            .conn()
            .scalar(
                Sql::new(
                    "SELECT COUNT(*) FROM setup_tokens \
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                     AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'administrator')",
                )
                .bind(token_hash)
                .bind(now),
            )
            .await?;
        Ok(n > 0)
    }

    /// Marks a set-up link used; false when it was already used or has expired.
    pub(crate) async fn use_setup_token(
        tx: &mut Tx,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(tx
            .execute(
                Sql::new(
                    "UPDATE setup_tokens SET used_at = $1 \
                     WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(now)
                .bind(token_hash),
            )
            .await?
            == 1)
    }
}
