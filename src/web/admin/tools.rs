//! `GET /admin/tools`: tools that work on the whole site, for administrators; for now the
//! WordPress export (`GET /admin/tools/export` downloads it).
//!
//! The download is a GET, as WordPress's `export.php?download=true` is: it changes nothing,
//! so it needs no CSRF token, and another site that makes a signed-in browser fetch it cannot
//! read the answer (no CORS headers are sent; the admin forbids framing). A plain link also
//! lets the browser show its own download progress, and a failed download can simply be
//! started again.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::{Frame, Signed};
use crate::AppState;
use crate::actions::Actor;
use crate::domain::user::Capability;
use crate::error::AppError;
use crate::wordpress::export::Exporter;

/// `GET /admin/tools`
pub async fn page(State(state): State<AppState>, signed: Signed) -> Result<Html<String>, AppError> {
    Actor::Staff(&signed.staff).require(Capability::SiteTools)?;
    let frame = Frame::new(&state, &signed, "Tools", "tools").await?;
    frame.render(&state, "tools.html", minijinja::context! {})
}

/// `GET /admin/tools/export`: the whole site as a WordPress export file, streamed as it is
/// read, named `SITENAME.wordpress.YYYY-MM-DD.xml`.
pub async fn export(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // The file holds every account's email and every commenter's address.
    Actor::Staff(&signed.staff).require(Capability::SiteTools)?;
    let origin = crate::web::origin::of_request(&state, &headers);
    let exporter = Exporter::new(state.store(), &origin, chrono::Utc::now()).await?;
    let disposition = format!("attachment; filename=\"{}\"", exporter.file_name());
    tracing::info!(login = %signed.staff.login, "export: the site is being downloaded");
    let pieces = futures_util::stream::unfold(Some(exporter), |exporter| async move {
        let mut exporter = exporter?;
        match exporter.next_piece().await {
            Ok(Some(piece)) => Some((Ok(Bytes::from(piece)), Some(exporter))),
            Ok(None) => None,
            Err(e) => {
                // The headers are sent: cutting the body short makes the browser report a
                // failed download rather than save a file that looks complete.
                tracing::error!(error = %e, "export: reading the site failed");
                Some((Err(std::io::Error::other("export read failed")), None))
            }
        }
    });
    let mut res = Body::from_stream(pieces).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    // The file name is a slug and a date: always a valid header value.
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
