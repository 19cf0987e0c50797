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

/// An author's public page: the name, bio, public email (empty unless they chose to show
/// one) and avatar from the media library.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct AuthorProfile {
    pub id: i64,
    pub display_name: String,
    pub slug: String,
    pub bio: String,
    pub public_email: String,
    /// The avatar: its address, alt text and size (all absent without one).
    pub avatar_id: Option<i64>,
    pub avatar_url: Option<String>,
    pub avatar_alt: Option<String>,
    pub avatar_width: Option<i64>,
    pub avatar_height: Option<i64>,
}

/// The avatar's columns, from `users u LEFT JOIN media av ON av.id = u.avatar_id`.
pub(super) const AVATAR_COLUMNS: &str = "av.id AS avatar_id, av.url AS avatar_url, \
     av.alt_text AS avatar_alt, CAST(av.width AS BIGINT) AS avatar_width, \
     CAST(av.height AS BIGINT) AS avatar_height";

/// A person's own profile, as the profile form edits it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Profile {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub display_name: String,
    pub slug: String,
    pub public_email: String,
    pub bio: String,
    pub avatar_id: Option<i64>,
}

/// A profile's new values, already checked.
#[derive(Debug, Clone)]
pub struct ProfileChange<'a> {
    pub display_name: &'a str,
    pub public_email: &'a str,
    pub bio: &'a str,
    pub avatar_id: Option<i64>,
}

impl Store {
    pub async fn author_by_slug(&self, slug: &str) -> Result<Option<PublicAuthor>> {
        self.conn()
            .fetch_optional(
                Sql::new("SELECT id, display_name, slug, bio FROM users WHERE slug = $1 AND disabled = FALSE").bind(slug),
            )
            .await
    }

    /// What an author's public page shows of them, by their public slug.
    pub async fn author_profile(&self, slug: &str) -> Result<Option<AuthorProfile>> {
        self.conn()
            .fetch_optional(
                Sql::new(&format!(
                    "SELECT u.id, u.display_name, u.slug, u.bio, u.public_email, {AVATAR_COLUMNS} \
                     FROM users u LEFT JOIN media av ON av.id = u.avatar_id \
                     WHERE u.slug = $1 AND u.disabled = FALSE"
                ))
                .bind(slug),
            )
            .await
    }

    /// A person's profile, for the profile form.
    pub async fn profile(&self, id: i64) -> Result<Option<Profile>> {
        self.conn()
            .fetch_optional(
                Sql::new(
                    "SELECT id, login, email, display_name, slug, public_email, bio, avatar_id \
                     FROM users WHERE id = $1",
                )
                .bind(id),
            )
            .await
    }

    /// Writes a profile; the caller re-indexes the person's stories when the name changed.
    pub(crate) async fn update_profile(
        tx: &mut Tx,
        user_id: i64,
        change: &ProfileChange<'_>,
    ) -> Result<bool> {
        Ok(tx
            .execute(
                Sql::new(
                    "UPDATE users SET display_name = $1, public_email = $2, bio = $3, avatar_id = $4 \
                     WHERE id = $5",
                )
                .bind(change.display_name)
                .bind(change.public_email)
                .bind(change.bio)
                .bind(change.avatar_id)
                .bind(user_id),
            )
            .await?
            == 1)
    }

    /// Changes the sign-in email (already normalized); another account's email is "taken".
    pub(crate) async fn set_email(tx: &mut Tx, user_id: i64, email: &str) -> Result<bool> {
        Ok(tx
            .execute(
                Sql::new("UPDATE users SET email = $1 WHERE id = $2")
                    .bind(email)
                    .bind(user_id),
            )
            .await
            .map_err(|e| e.taken(email))?
            == 1)
    }

    /// Re-indexes every published story bylined by this person (their name is in the index),
    /// inside the transaction that changed the name or the bylines.
    pub(crate) async fn reindex_stories_of(tx: &mut Tx, user_id: i64) -> Result<u64> {
        let ids: Vec<i64> = tx
            .scalars(
                Sql::new(
                    "SELECT aa.article_id FROM article_authors aa JOIN articles a ON a.id = aa.article_id \
                     WHERE aa.user_id = $1 AND a.status = 'published' ORDER BY aa.article_id",
                )
                .bind(user_id),
            )
            .await?;
        for &id in &ids {
            Self::sync_search(tx, id).await?;
        }
        Ok(ids.len() as u64)
    }

    /// Deletes an account, giving what it owned to `heir`: its bylines (a story bylined by
    /// both keeps the heir's one), its pages and its uploads. Its sessions, set-password
    /// links, autosaves and edit locks go with it; comments it wrote or moderated stay (their
    /// link to the account is cleared). Returns how many stories changed hands; their index
    /// rows are rewritten by [`Store::reindex_stories_of`] for the heir.
    pub(crate) async fn delete_user(tx: &mut Tx, user_id: i64, heir: i64) -> Result<u64> {
        // The bylines change: an editor open on one of these stories must not put them back.
        tx.execute(
            Sql::new(
                "UPDATE articles SET version = version + 1 WHERE id IN \
                 (SELECT article_id FROM article_authors WHERE user_id = $1)",
            )
            .bind(user_id),
        )
        .await?;
        let moved = tx
            .execute(
                Sql::new(
                    "DELETE FROM article_authors WHERE user_id = $1 AND article_id IN \
                     (SELECT article_id FROM article_authors WHERE user_id = $2)",
                )
                .bind(user_id)
                .bind(heir),
            )
            .await?;
        let reassigned = tx
            .execute(
                Sql::new("UPDATE article_authors SET user_id = $1 WHERE user_id = $2")
                    .bind(heir)
                    .bind(user_id),
            )
            .await?;
        for (table, column) in [("pages", "author_id"), ("media", "uploaded_by")] {
            tx.execute(
                Sql::new(&format!(
                    "UPDATE {table} SET {column} = $1 WHERE {column} = $2"
                ))
                .bind(heir)
                .bind(user_id),
            )
            .await?;
        }
        for table in ["sessions", "user_tokens", "autosaves", "edit_locks"] {
            tx.execute(Sql::new(&format!("DELETE FROM {table} WHERE user_id = $1")).bind(user_id))
                .await?;
        }
        tx.execute(Sql::new("DELETE FROM users WHERE id = $1").bind(user_id))
            .await?;
        Ok(moved + reassigned)
    }

    pub(crate) async fn user_id_by_login(tx: &mut Tx, login: &str) -> Result<Option<i64>> {
        let ids: Vec<i64> = tx
            .scalars(Sql::new("SELECT id FROM users WHERE login = $1").bind(login))
            .await?;
        Ok(ids.into_iter().next())
    }

    /// The display names of these accounts (as bylines show them), seen from inside `tx`.
    pub(crate) async fn display_names(tx: &mut Tx, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT id, display_name FROM users WHERE id IN ");
        sql.arg_list(ids);
        tx.fetch_all(sql).await
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
