//! Site settings rows.

use super::dialect::{Sql, Tx};
use super::{Result, Store};
use crate::domain::settings::SiteSettings;

impl Store {
    /// The site settings, defaults filled in.
    pub async fn settings(&self) -> Result<SiteSettings> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Rec {
            name: String,
            value: String,
        }
        let rows: Vec<Rec> = self
            .conn()
            .fetch_all(Sql::new("SELECT name, value FROM settings"))
            .await?;
        Ok(SiteSettings::from_rows(
            rows.iter().map(|r| (r.name.as_str(), r.value.as_str())),
        ))
    }

    /// Inserts a setting only if it does not exist yet; `false` if it did. Concurrent callers
    /// on PostgreSQL wait for each other, so exactly one wins (used to claim one-time jobs).
    pub(crate) async fn claim_setting(tx: &mut Tx, name: &str, value: &str) -> Result<bool> {
        let n = tx
            .execute(
                Sql::new("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(value),
            )
            .await?;
        Ok(n == 1)
    }

    /// Stores one setting (already validated by the caller).
    pub(crate) async fn put_setting(tx: &mut Tx, name: &str, value: &str) -> Result<()> {
        tx.execute(
            Sql::new("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2")
                .bind(name)
                .bind(value),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// The site's signing secret, stored on first use so every node shares it. `candidate` (fresh
    /// random text) is stored if there is none yet; concurrent callers all get the winner's.
    pub async fn site_secret(&self, candidate: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        // The secret shows on no page: claiming it is bookkeeping, so a node's first request
        // does not empty every other node's cache.
        tx.execute(
            Sql::new(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind("site_secret")
            .bind(candidate)
            .bookkeeping(),
        )
        .await?;
        tx.commit().await?;
        self.conn()
            .scalar(Sql::new(
                "SELECT value FROM settings WHERE name = 'site_secret'",
            ))
            .await
    }
}
