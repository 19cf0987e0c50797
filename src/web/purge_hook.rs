//! The purge hook (`serve --purge-url URL`): after each content write this node commits, a
//! `POST` to the URL with what changed, for a CDN (or a small relay in front of one) to drop
//! exactly the pages that show it, by the keys the pages carry in `Surrogate-Key` and
//! `Cache-Tag` (see `web::cache` and `store::purge`).
//!
//! The body is JSON: `{"keys":["any","lists","story-42"]}`, or `{"all":true}` when everything
//! changed. `any` is always among the keys: it names the pages that did not say what they show,
//! which every change may touch. Requests go out in the background, one at a time; writes that
//! commit meanwhile are merged into the next request. Each gets a short timeout and is tried
//! [`ATTEMPTS`] times; a failure is logged and never delays or fails a write. Other nodes' writes
//! are sent by those nodes (each with its own `--purge-url`); writes of commands run outside a
//! server (imports, `settings --set`) are not sent.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::store::Store;
use crate::store::purge::Purge;

/// Tries per request, with [`RETRY_AFTER`] doubled between them.
pub const ATTEMPTS: u32 = 3;
const RETRY_AFTER: Duration = Duration::from_millis(500);
/// Time for one request, from connecting to the end of the answer.
const TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether `url` can be a purge hook: `http` or `https` with a host.
pub fn valid_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The request body for a purge.
pub fn body(purge: &Purge) -> String {
    match purge.keys_for_cdn() {
        None => serde_json::json!({ "all": true }).to_string(),
        Some(keys) => serde_json::json!({ "keys": keys }).to_string(),
    }
}

/// Sends what every content write of `store` changes to `url`, until the returned task is
/// aborted.
pub fn spawn(store: &Store, url: String) -> tokio::task::JoinHandle<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    store.tell_purges_to(tx);
    tokio::spawn(run(url, rx))
}

async fn run(url: String, mut rx: mpsc::UnboundedReceiver<Purge>) {
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the purge hook");
            return;
        }
    };
    while let Some(mut purge) = rx.recv().await {
        // Writes that committed while the last request was out go in one request.
        while let Ok(more) = rx.try_recv() {
            purge.merge(&more);
        }
        if purge.is_empty() {
            continue;
        }
        send(&client, &url, &body(&purge)).await;
    }
}

async fn send(client: &reqwest::Client, url: &str, body: &str) {
    let mut wait = RETRY_AFTER;
    for attempt in 1..=ATTEMPTS {
        let sent = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send()
            .await;
        let failure = match sent {
            Ok(res) if res.status().is_success() => return,
            Ok(res) => format!("HTTP {}", res.status().as_u16()),
            Err(e) => e.to_string(),
        };
        if attempt == ATTEMPTS {
            tracing::warn!(url, error = %failure, attempts = ATTEMPTS, "the purge hook failed; a CDN in front may serve changed pages until they expire");
        } else {
            tracing::debug!(url, error = %failure, attempt, "the purge hook failed; trying again");
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
}
