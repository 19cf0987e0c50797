//! Background work every node runs: publishing scheduled stories at their time, whether or
//! not anyone visits. Several nodes may run it at once; each story is still published once
//! (see [`crate::actions::stories::publish_due`]). Each run also keeps the node's caches
//! current ([`Store::fresh_generation`]), so a published story dated ahead that comes due is
//! announced to the `--purge-url` hook even while a CDN in front answers every reader.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::actions::stories::publish_due;
use crate::store::Store;

/// How often the scheduler looks for stories whose time has come.
pub const SCHEDULER_PERIOD: Duration = Duration::from_secs(1);

/// What one node's scheduler has done since it started (for `/metrics`).
#[derive(Debug, Default)]
pub struct SchedulerStats {
    runs: AtomicU64,
    published: AtomicU64,
    failures: AtomicU64,
    /// When the last run ended, in milliseconds since the Unix epoch (0: never).
    last_run_millis: AtomicI64,
}

/// A reading of [`SchedulerStats`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchedulerSnapshot {
    /// Looks for due stories, successful or not.
    pub runs: u64,
    /// Stories this node published at their time (another node may have published others).
    pub published: u64,
    /// Runs that could not publish what was due (the database refused or was unreachable).
    pub failures: u64,
    /// When the last run ended, in seconds since the Unix epoch; `None` before the first.
    pub last_run: Option<f64>,
}

impl SchedulerStats {
    /// Records one run that published this many stories (`None`: it failed).
    fn record(&self, published: Option<usize>, at: chrono::DateTime<chrono::Utc>) {
        match published {
            Some(n) => {
                self.published.fetch_add(n as u64, Ordering::Relaxed);
            }
            None => {
                self.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.last_run_millis
            .store(at.timestamp_millis(), Ordering::Relaxed);
        // Counted last, so a reader that sees the run sees what it did.
        self.runs.fetch_add(1, Ordering::Release);
    }

    pub fn snapshot(&self) -> SchedulerSnapshot {
        let runs = self.runs.load(Ordering::Acquire);
        let last = self.last_run_millis.load(Ordering::Relaxed);
        SchedulerSnapshot {
            runs,
            published: self.published.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            last_run: (last > 0).then(|| last as f64 / 1000.0),
        }
    }
}

/// Runs the scheduler until the returned handle is aborted (or the runtime stops), counting
/// its runs in `stats`.
pub fn spawn_scheduler(
    store: Store,
    period: Duration,
    stats: Arc<SchedulerStats>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = chrono::Utc::now();
            let outcome = match publish_due(&store, now).await {
                Ok(ids) => {
                    if !ids.is_empty() {
                        tracing::info!(stories = ?ids, "published scheduled stories");
                    }
                    Some(ids.len())
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the scheduler could not publish due stories");
                    None
                }
            };
            stats.record(outcome, chrono::Utc::now());
            store.fresh_generation().await;
        }
    })
}
