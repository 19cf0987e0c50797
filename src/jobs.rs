//! Background work every node runs: publishing scheduled stories at their time, whether or
//! not anyone visits. Several nodes may run it at once; each story is still published once
//! (see [`crate::actions::stories::publish_due`]).

use std::time::Duration;

use crate::actions::stories::publish_due;
use crate::store::Store;

/// How often the scheduler looks for stories whose time has come.
pub const SCHEDULER_PERIOD: Duration = Duration::from_secs(1);

/// Runs the scheduler until the returned handle is aborted (or the runtime stops).
pub fn spawn_scheduler(store: Store, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = chrono::Utc::now();
            match publish_due(&store, now).await {
                Ok(ids) if !ids.is_empty() => {
                    tracing::info!(stories = ?ids, "published scheduled stories");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the scheduler could not publish due stories"),
            }
        }
    })
}
