//! Content changes of other nodes, pushed by PostgreSQL: every committed content write sends the
//! new `content_version` and what it changed on [`CONTENT_CHANNEL`] (`42:lists story-7`; just
//! `42` when everything changed or the keys would not fit in a notification; see `Tx::commit`
//! and `store::purge`), and each serving node
//! listens on a connection of its own, so its caches drop what another node (or a command)
//! changed as soon as the write commits, instead of at the next read of `content_version`
//! (which stays, once a [`super::CONTENT_POLL`], as the fallback).
//!
//! Notifications sent while the listening connection is down are lost, so after a lost
//! connection the node treats everything as changed: once listening again it drops all its
//! cached pages and reads `content_version` at the next request.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};

use super::dialect::CONTENT_CHANNEL;
use super::purge::Purge;
use super::{ContentClock, Db, Store};

/// The first wait before connecting again after the listening connection failed; it doubles
/// up to [`MAX_BACKOFF`] while connecting keeps failing.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How the listening connection names itself in `pg_stat_activity`.
pub const LISTENER_APPLICATION_NAME: &str = "newsdesk-listener";

impl Store {
    /// Starts listening for other nodes' content writes (PostgreSQL only; `None` on SQLite,
    /// where every process polls the one file's `content_version`). The task runs until
    /// aborted, reconnecting with backoff whenever its connection is lost.
    pub fn listen_for_content_changes(&self) -> Option<tokio::task::JoinHandle<()>> {
        let Db::Postgres(pool) = &self.db else {
            return None;
        };
        // A pool of one, separate from the store's: a LISTEN holds its connection for good,
        // and the pool reopens it after a loss.
        let options = (*pool.connect_options())
            .clone()
            .application_name(LISTENER_APPLICATION_NAME);
        let listen_pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options);
        Some(tokio::spawn(listen(listen_pool, self.clock.clone())))
    }

    /// Whether this node is listening for other nodes' content writes right now.
    pub fn listening_for_content_changes(&self) -> bool {
        self.clock.listening.load(Ordering::Acquire)
    }
}

/// Marks the clock not listening however the task ends (aborted at shutdown included).
struct Listening<'a>(&'a ContentClock);

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        self.0.listening.store(false, Ordering::Release);
    }
}

async fn listen(pool: sqlx::PgPool, clock: Arc<ContentClock>) {
    let flag = Listening(&clock);
    let mut backoff = FIRST_BACKOFF;
    let mut lost = false;
    loop {
        let mut listener = match connect(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot listen for content changes");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        flag.0.listening.store(true, Ordering::Release);
        if lost {
            tracing::info!("listening for content changes again");
            clock.resync();
        }
        backoff = FIRST_BACKOFF;
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    let (version, keys) = n.payload().split_once(':').unwrap_or((n.payload(), ""));
                    match version.parse::<i64>() {
                        // Without keys (too many to send): everything changed.
                        Ok(version) => clock.announced(version, Purge::from_payload(keys)),
                        // Not ours to read: take it as a change all the same.
                        Err(_) => clock.resync(),
                    }
                }
                // The connection was lost and opened again (listening anew): what was sent
                // meanwhile is gone.
                Ok(None) => {
                    tracing::warn!("the connection listening for content changes was lost");
                    clock.resync();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the connection listening for content changes failed");
                    break;
                }
            }
        }
        flag.0.listening.store(false, Ordering::Release);
        lost = true;
        clock.resync();
        drop(listener);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn connect(pool: &sqlx::PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // The store closes its own pool at shutdown; this one lives as long as the task.
    listener.ignore_pool_close_event(true);
    listener.listen(CONTENT_CHANNEL).await?;
    Ok(listener)
}
