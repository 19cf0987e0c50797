//! Newsroom accounts. Public pages only ever see display names and public slugs.

use chrono::{DateTime, Utc};

use super::dialect::{Sql, Tx, insert_returning_id};
use super::{Result, Store};
use crate::domain::user::{NewUser, Role};

/// An author as shown publicly.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct PublicAuthor {
    pub id: i64,
    pub display_name: String,
    pub slug: String,
    pub bio: String,
}

impl Store {
    pub async fn author_by_slug(&self, slug: &str) -> Result<Option<PublicAuthor>> {
        self.conn()
            .fetch_optional(
                Sql::new("SELECT id, display_name, slug, bio FROM users WHERE slug = $1 AND disabled = FALSE").bind(slug),
            )
            .await
    }

    pub(crate) async fn user_id_by_login(tx: &mut Tx, login: &str) -> Result<Option<i64>> {
        let ids: Vec<i64> = tx
            .scalars(Sql::new("SELECT id FROM users WHERE login = $1").bind(login))
            .await?;
        Ok(ids.into_iter().next())
    }

    pub(crate) async fn user_slugs_like(tx: &mut Tx, base: &str) -> Result<Vec<String>> {
        super::dialect::lock_slug_base(tx, "users", base).await?;
        tx.scalars(
            Sql::new("SELECT slug FROM users WHERE slug = $1 OR (slug >= $2 AND slug < $3)")
                .bind(base)
                .bind(format!("{base}-"))
                .bind(format!("{base}.")),
        )
        .await
    }

    pub(crate) async fn insert_user(
        tx: &mut Tx,
        u: &NewUser,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        insert_returning_id(
            tx,
            Sql::new(
                "INSERT INTO users (login, email, display_name, slug, bio, role, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(u.login.as_str())
            .bind(u.email.as_str())
            .bind(u.display_name.as_str())
            .bind(slug)
            .bind(u.bio.as_str())
            .bind(u.role.as_str())
            .bind(now),
        )
        .await
        .map_err(|e| {
            if e.is_conflict_on("users_login_key") {
                e.taken(&u.login)
            } else {
                e.taken(&u.email)
            }
        })
    }
}

impl Store {
    /// Ids of every active account, oldest first.
    pub async fn user_ids(&self) -> Result<Vec<i64>> {
        self.conn()
            .scalars(Sql::new(
                "SELECT id FROM users WHERE disabled = FALSE ORDER BY id",
            ))
            .await
    }
}

/// A staff member acting on comments.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct StaffMember {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

impl Store {
    pub async fn staff_member(&self, id: i64) -> Result<Option<StaffMember>> {
        self.conn()
            .fetch_optional(Sql::new("SELECT id, display_name, email, role FROM users WHERE id = $1 AND disabled = FALSE").bind(id))
            .await
    }
}
