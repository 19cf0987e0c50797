//! Application passwords: the secrets people give the tools that use the REST API in their
//! name. Only a SHA-256 of each secret is stored; when one was last used, and from where, is
//! bookkeeping no reader sees.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx};
use super::{Result, Store};
use crate::domain::user::{Role, Staff};

/// One application password, as its owner sees it listed (never the secret).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AppPassword {
    pub uuid: String,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_ip: String,
}

const COLUMNS: &str = "uuid, user_id, name, created_at, last_used_at, last_ip";

impl Store {
    /// The application passwords of one person, oldest first.
    pub async fn app_passwords(&self, user_id: i64) -> Result<Vec<AppPassword>> {
        self.conn()
            .fetch_all(
                Sql::new(&format!(
                    "SELECT {COLUMNS} FROM app_passwords WHERE user_id = $1 ORDER BY created_at, uuid"
                ))
                .bind(user_id),
            )
            .await
    }

    /// The application password with this secret hash, if it belongs to the enabled account
    /// whose login or email is `login`, with that account.
    pub async fn app_password_by_secret(
        &self,
        login: &str,
        secret_hash: &str,
    ) -> Result<Option<(AppPassword, Staff)>> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            uuid: String,
            user_id: i64,
            name: String,
            created_at: DateTime<Utc>,
            last_used_at: Option<DateTime<Utc>>,
            last_ip: String,
            login: String,
            display_name: String,
            email: String,
            role: String,
        }
        let rec: Option<Rec> = self
            .conn()
            .fetch_optional(
                Sql::new(
                    "SELECT p.uuid, p.user_id, p.name, p.created_at, p.last_used_at, p.last_ip, \
                     u.login, u.display_name, u.email, u.role \
                     FROM app_passwords p JOIN users u ON u.id = p.user_id \
                     WHERE p.secret_hash = $1 AND u.disabled = FALSE \
                     AND (u.login = $2 OR LOWER(u.email) = LOWER($2))",
                )
                .bind(secret_hash)
                .bind(login),
            )
            .await?;
        Ok(rec.and_then(|r| {
            Some((
                AppPassword {
                    uuid: r.uuid,
                    user_id: r.user_id,
                    name: r.name,
                    created_at: r.created_at,
                    last_used_at: r.last_used_at,
                    last_ip: r.last_ip,
                },
                Staff {
                    id: r.user_id,
                    login: r.login,
                    display_name: r.display_name,
                    email: r.email,
                    role: Role::parse(&r.role)?,
                },
            ))
        }))
    }

    /// The latest time any of these throttle keys stays locked after `now`, if one is.
    pub async fn throttle_locked_until(
        &self,
        keys: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut locked = None;
        for key in keys {
            let until: Option<Option<DateTime<Utc>>> = self
                .conn()
                .scalars(
                    Sql::new("SELECT locked_until FROM login_throttle WHERE throttle_key = $1")
                        .bind(*key),
                )
                .await?
                .into_iter()
                .next();
            if let Some(Some(t)) = until
                && t > now
            {
                locked = locked.max(Some(t));
            }
        }
        Ok(locked)
    }

    pub(crate) async fn insert_app_password(
        tx: &mut Tx,
        uuid: &str,
        user_id: i64,
        name: &str,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        tx.execute(
            Sql::new(
                "INSERT INTO app_passwords (uuid, user_id, name, secret_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(uuid)
            .bind(user_id)
            .bind(name)
            .bind(secret_hash)
            .bind(now),
        )
        .await?;
        Ok(())
    }

    /// Notes a use; returns whether the password still exists.
    pub(crate) async fn touch_app_password(
        tx: &mut Tx,
        uuid: &str,
        now: DateTime<Utc>,
        ip: &str,
    ) -> Result<bool> {
        Ok(tx
            .execute(
                Sql::new(
                    "UPDATE app_passwords SET last_used_at = $1, last_ip = $2 WHERE uuid = $3",
                )
                .bind(now)
                .bind(ip)
                .bind(uuid),
            )
            .await?
            > 0)
    }

    /// Deletes one person's application password (`uuid`), or all of them (`None`); returns
    /// how many went.
    pub(crate) async fn delete_app_passwords(
        tx: &mut Tx,
        user_id: i64,
        uuid: Option<&str>,
    ) -> Result<u64> {
        match uuid {
            Some(uuid) => {
                tx.execute(
                    Sql::new("DELETE FROM app_passwords WHERE user_id = $1 AND uuid = $2")
                        .bind(user_id)
                        .bind(uuid),
                )
                .await
            }
            None => {
                tx.execute(Sql::new("DELETE FROM app_passwords WHERE user_id = $1").bind(user_id))
                    .await
            }
        }
    }
}
