//! Cross-site request forgery defence for every state-changing admin request: the browser must
//! say the request comes from this site (`Origin`, or `Referer` when a browser sends no
//! `Origin`), and it must carry the session's token (form field `_csrf` or header
//! `X-CSRF-Token`; forms shown before sign-in carry a signed, short-lived token instead).
//! A refused request changes nothing.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Signed;
use crate::AppState;
use crate::domain::token::same_secret;
use crate::error::AppError;
use crate::web::origin;

/// The largest request body the admin reads (an image upload and its form).
pub const MAX_BODY: usize = 26 * 1024 * 1024;
/// The largest body read before sign-in.
const MAX_ANONYMOUS_BODY: usize = 64 * 1024;

fn refused(message: &str) -> Response {
    AppError::refused(StatusCode::FORBIDDEN, message).into_response()
}

fn same_origin(headers: &HeaderMap) -> bool {
    let site = origin::current();
    let header_str = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match header_str(header::ORIGIN) {
        Some(o) => o.eq_ignore_ascii_case(&site),
        None => header_str(header::REFERER).is_some_and(|r| {
            r.len() > site.len()
                && r[..site.len()].eq_ignore_ascii_case(&site)
                && r.as_bytes()[site.len()] == b'/'
        }),
    }
}

/// The `_csrf` field of a urlencoded or multipart body.
async fn token_in_body(headers: &HeaderMap, body: &Bytes) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
        return pairs
            .into_iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v);
    }
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once({
        let body = body.clone();
        async move { Ok::<Bytes, std::io::Error>(body) }
    });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some("_csrf") {
            return field.text().await.ok();
        }
    }
    None
}

pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !same_origin(req.headers()) {
        return refused(
            "This form was sent from another site, or your browser did not say where from, so nothing was changed.",
        );
    }
    // An export upload is too large to read before the check: its token comes in the address.
    if req.uri().path() == super::import::UPLOAD_PATH && *req.method() == Method::POST {
        let sent = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v)
        });
        let ok = match (req.extensions().get::<Signed>(), sent) {
            (Some(signed), Some(sent)) => same_secret(&sent, &signed.csrf),
            _ => false,
        };
        if !ok {
            return refused(
                "This form has expired. Reload the page and send it again; nothing was changed.",
            );
        }
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // Before sign-in only small forms are read (sign-in, set password).
    let limit = if parts.extensions.get::<Signed>().is_some() {
        MAX_BODY
    } else {
        MAX_ANONYMOUS_BODY
    };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) => return crate::web::edge::unread_body(&e),
    };
    let sent = match parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        Some(t) => Some(t.to_owned()),
        None => token_in_body(&parts.headers, &bytes).await,
    };
    let Some(sent) = sent else {
        return refused(
            "This form has expired. Reload the page and send it again; nothing was changed.",
        );
    };
    let ok = match parts.extensions.get::<Signed>() {
        Some(signed) => same_secret(&sent, &signed.csrf),
        None => match super::session::anonymous_token_ok(&state, &sent).await {
            Ok(ok) => ok,
            Err(e) => return e.into_response(),
        },
    };
    if !ok {
        return refused(
            "This form has expired. Reload the page and send it again; nothing was changed.",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
