//! The access log (`serve --access-log PATH|-`): one line per request, in the combined log
//! format with the referrer cut to its host and the time taken appended:
//!
//! ```text
//! 203.0.113.7 - - [05/Mar/2026:14:02:11 +0000] "GET /2026/03/05/story/ HTTP/1.1" 200 18234 "news.example" "Mozilla/5.0 …" 3ms
//! ```
//!
//! Query strings are never written: set-password links, subscription links and searches carry
//! tokens and personal words there. Lines are handed to a writer thread through a bounded
//! channel, so a slow disk never holds up the async workers; when the channel is full the line
//! is dropped and counted rather than waited for.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use axum::body::HttpBody;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Lines waiting for the writer before new ones are dropped.
const QUEUE: usize = 16_384;

/// Where access-log lines go; cheap to clone.
#[derive(Clone)]
pub struct AccessLog {
    lines: mpsc::SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog").finish_non_exhaustive()
    }
}

impl AccessLog {
    /// Opens `target` for appending (created if missing), or standard output for `-`, and
    /// starts the writer thread.
    pub fn open(target: &Path) -> std::io::Result<AccessLog> {
        let out: Box<dyn Write + Send> = if target == Path::new("-") {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(target)?,
            )
        };
        Ok(AccessLog::to_writer(out))
    }

    /// Starts a writer thread that writes lines to `out`, flushing whenever it has caught up.
    pub fn to_writer(out: Box<dyn Write + Send>) -> AccessLog {
        let (lines, rx) = mpsc::sync_channel::<String>(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = dropped.clone();
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_lines(rx, out, &counted))
            .expect("start the access log thread");
        AccessLog { lines, dropped }
    }

    fn send(&self, line: String) {
        if self.lines.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn write_lines(rx: mpsc::Receiver<String>, out: Box<dyn Write + Send>, dropped: &AtomicU64) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut failed = false;
    while let Ok(first) = rx.recv() {
        let mut result = out.write_all(first.as_bytes());
        while result.is_ok()
            && let Ok(line) = rx.try_recv()
        {
            result = out.write_all(line.as_bytes());
        }
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 && result.is_ok() {
            result = writeln!(
                out,
                "# {lost} access log lines dropped: the writer fell behind"
            );
        }
        result = result.and_then(|()| out.flush());
        match result {
            Err(e) if !failed => {
                tracing::error!(error = %e, "cannot write the access log");
                failed = true;
            }
            Err(_) => {}
            Ok(()) => failed = false,
        }
    }
}

/// Logs each request once its response head is ready.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(log) = state.access_log() else {
        return next.run(req).await;
    };
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| *a);
    let remote = crate::web::site::comments::client_ip(&state, req.headers(), peer);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let version = req.version();
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .map(referer_host)
        .unwrap_or_default();
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let res = next.run(req).await;
    let bytes = res
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| res.body().size_hint().exact());
    let line = format!(
        "{} - - [{}] \"{} {} {:?}\" {} {} \"{}\" \"{}\" {}ms\n",
        field(&remote),
        chrono::Utc::now().format("%d/%b/%Y:%H:%M:%S %z"),
        method,
        field(&path),
        version,
        res.status().as_u16(),
        bytes.map_or_else(|| "-".to_owned(), |b| b.to_string()),
        field(&referer),
        field(&agent),
        started.elapsed().as_millis(),
    );
    log.send(line);
    res
}

/// The host a `Referer` names (`https://news.example/x?y` → `news.example`); nothing else of it
/// is kept, since paths and queries of other sites can carry tokens too.
fn referer_host(referer: &str) -> String {
    let rest = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    host.chars().take(255).collect()
}

/// A value made safe for one quoted field of one line: quotes, backslashes and control
/// characters are escaped, and it is cut to a sane length.
fn field(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(512));
    for c in value.chars().take(512) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32 & 0xff)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referers_keep_only_their_host() {
        assert_eq!(
            referer_host("https://search.example/q?token=abc"),
            "search.example"
        );
        assert_eq!(
            referer_host("http://user:pw@news.example:8080/x"),
            "news.example:8080"
        );
        assert_eq!(referer_host(""), "");
    }

    #[test]
    fn fields_cannot_break_the_line() {
        assert_eq!(field("a\"b\\c\nd"), "a\\\"b\\\\c\\x0ad");
    }
}
