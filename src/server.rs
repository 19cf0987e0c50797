//! The HTTP server loop: accepts connections and serves the router on each, with the limits of
//! [`ServerLimits`] (header, body and keep-alive timeouts, and a bound on connections), which
//! `axum::serve` does not offer.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use futures_util::StreamExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::config::ServerLimits;

/// How long connections still open at shutdown are given to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        // At most `max_connections` at once: the next is accepted when one closes.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, a connection reset before it was accepted…:
                    // wait a moment rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(|body| timed_body(body, limits));
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that went away or was too slow: nothing to report.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open at shutdown");
    }
}

/// A request body whose parts must keep arriving: each within `body_idle` of the previous one,
/// and all within `body_total`. A late body reads as an error, which the handler refuses.
fn timed_body(body: Incoming, limits: ServerLimits) -> Body {
    if body.is_end_stream() {
        return Body::empty();
    }
    let end = tokio::time::Instant::now() + limits.body_total;
    let stream = futures_util::stream::unfold(
        Some(Body::new(body).into_data_stream()),
        move |stream| async move {
            let mut stream = stream?;
            let deadline = end.min(tokio::time::Instant::now() + limits.body_idle);
            match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(Some(Ok(chunk))) => Some((Ok::<Bytes, axum::BoxError>(chunk), Some(stream))),
                Ok(Some(Err(e))) => Some((Err(e.into()), None)),
                Ok(None) => None,
                Err(_) => Some((Err("the request body was not sent in time".into()), None)),
            }
        },
    );
    Body::from_stream(stream)
}
