//! Who an API request comes from, as WordPress decides it:
//!
//! - **Application passwords** over HTTP Basic (`Authorization: Basic base64(login:password)`),
//!   only on an HTTPS connection (with `--behind-proxy`, the proxy's `X-Forwarded-Proto`) or
//!   from the machine itself (local tools and tests); a wrong one counts in the sign-in
//!   throttle and gets the same answer whether or not the login exists. No
//!   `WWW-Authenticate: Basic` challenge is ever sent, so browsers never keep these
//!   credentials and send them along with another site's forms.
//! - The admin's **session cookie with `X-WP-Nonce`** (or `_wpnonce`), the session's CSRF
//!   token, for scripts running in the admin. A cookie without a nonce is no one, as in
//!   WordPress: a page elsewhere cannot act with a reader's session.
//! - Otherwise the public.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::errors::ApiError;
use crate::AppState;
use crate::actions::accounts;
use crate::actions::app_passwords::{self, Refusal};
use crate::domain::token::same_secret;
use crate::domain::user::{Capability, Staff};
use crate::store::app_passwords::AppPassword;
use crate::web::admin::session::SESSION_COOKIE;
use crate::web::{cookies, origin};

/// The person an API request acts for.
#[derive(Debug, Clone)]
pub enum Viewer {
    Public,
    Staff {
        staff: Staff,
        /// The application password used (none with the session cookie).
        app_password: Option<AppPassword>,
    },
}

impl Viewer {
    pub fn staff(&self) -> Option<&Staff> {
        match self {
            Viewer::Public => None,
            Viewer::Staff { staff, .. } => Some(staff),
        }
    }

    /// The signed-in person if their role allows `capability`: otherwise `401` (no one signed
    /// in) or `403`, both with WordPress's `code` and `message`.
    pub fn may(
        &self,
        capability: Capability,
        code: &'static str,
        message: &'static str,
    ) -> Result<&Staff, ApiError> {
        let me = self
            .staff()
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, code, message))?;
        if !me.can(capability) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, code, message));
        }
        Ok(me)
    }

    /// The signed-in person, or `401 rest_not_logged_in`.
    pub fn required(&self) -> Result<&Staff, ApiError> {
        self.staff().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "rest_not_logged_in",
                "You are not currently logged in.",
            )
        })
    }
}

/// `login:password` of a Basic `Authorization` header, if it is one.
fn basic_credentials(value: &HeaderValue) -> Option<Result<(String, String), ()>> {
    let v = value.to_str().ok()?;
    let (scheme, rest) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    Some(match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((login, password)) => Ok((login.to_owned(), password.to_owned())),
        None => Err(()),
    })
}

/// Whether credentials may travel on this request: over HTTPS, or from this machine. Behind a
/// proxy the connection is always local, so only the proxy's word counts there.
fn secure_enough(state: &AppState, parts: &Parts, ip: &str) -> bool {
    if origin::is_https(state, &parts.headers) {
        return true;
    }
    if state.behind_proxy() {
        // The proxy must name the reader: without `X-Forwarded-For` the connection is the
        // proxy's own, which says nothing of the reader's.
        return parts.headers.contains_key("x-forwarded-for")
            && ip.parse::<IpAddr>().is_ok_and(|a| a.is_loopback());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(a)| a.ip().is_loopback())
}

fn wrong_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "incorrect_password",
        "The login or application password is not right.",
    )
}

/// The session cookie's person, when the request carries the session's nonce.
async fn cookie_viewer(state: &AppState, parts: &Parts) -> Result<Viewer, ApiError> {
    let nonce = parts
        .headers
        .get("x-wp-nonce")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            parts.uri.query().and_then(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .ok()?
                    .into_iter()
                    .find(|(k, _)| k == "_wpnonce")
                    .map(|(_, v)| v)
            })
        });
    let (Some(nonce), Some(token)) = (nonce, cookies::get(&parts.headers, SESSION_COOKIE)) else {
        return Ok(Viewer::Public);
    };
    let record = accounts::session(state.store(), &token, state.now())
        .await
        .map_err(|e| match e {
            crate::actions::ActionError::Store(e) => ApiError::from(e),
            _ => wrong_credentials(),
        })?;
    match record {
        Some(r) if same_secret(nonce.trim(), &r.csrf_token) => Ok(Viewer::Staff {
            staff: r.staff,
            app_password: None,
        }),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cookie_invalid_nonce",
            "Cookie check failed",
        )),
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        let viewer = match parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(basic_credentials)
        {
            None => cookie_viewer(state, parts)
                .await
                .map_err(IntoResponse::into_response)?,
            Some(Err(())) => return Err(wrong_credentials().into_response()),
            Some(Ok((login, password))) => {
                let peer = parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(a)| *a);
                let ip = crate::web::site::comments::client_ip(state, &parts.headers, peer);
                if !secure_enough(state, parts, &ip) {
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "rest_application_passwords_https_required",
                        "Application passwords are only accepted over HTTPS.",
                    )
                    .into_response());
                }
                match app_passwords::authenticate(
                    state.store(),
                    &login,
                    &password,
                    &ip,
                    state.now(),
                )
                .await
                {
                    Ok(Ok((staff, app_password))) => Viewer::Staff {
                        staff,
                        app_password: Some(app_password),
                    },
                    Ok(Err(Refusal::Wrong)) => return Err(wrong_credentials().into_response()),
                    Ok(Err(Refusal::Throttled { retry_after_secs })) => {
                        let mut res = ApiError::new(
                            StatusCode::TOO_MANY_REQUESTS,
                            "rest_too_many_attempts",
                            "Too many failed sign-ins; try again later.",
                        )
                        .into_response();
                        res.headers_mut()
                            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                        return Err(res);
                    }
                    Err(crate::actions::ActionError::Store(e)) => {
                        return Err(ApiError::from(e).into_response());
                    }
                    Err(_) => return Err(wrong_credentials().into_response()),
                }
            }
        };
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// Whether a request carries credentials of any kind the API takes (an `Authorization` header,
/// `X-WP-Nonce`, or `_wpnonce` however its name is encoded in the query): such a request and
/// its answer are that person's alone.
pub fn carries_credentials(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || headers.contains_key("x-wp-nonce")
        || uri.query().is_some_and(|q| {
            // Undecodable queries are refused by the handlers; here they count as personal.
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .map_or(true, |pairs| pairs.iter().any(|(k, _)| k == "_wpnonce"))
        })
}

/// Around every API route: a request that carries credentials is checked before anything else
/// (wrong ones are refused whatever the route, as in WordPress), and its answer is that
/// person's: no shared cache (the page cache passes such requests by, see `web::cache`) and no
/// proxy may keep it.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !carries_credentials(req.headers(), req.uri()) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    if let Err(refused) = Viewer::from_request_parts(&mut parts, &state).await {
        return private(refused);
    }
    private(next.run(Request::from_parts(parts, body)).await)
}

fn private(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res.headers_mut().remove(header::ETAG);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_read() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        let enc = base64::engine::general_purpose::STANDARD.encode("ana:abcd efgh");
        assert_eq!(
            basic_credentials(&v(&format!("Basic {enc}"))),
            Some(Ok(("ana".into(), "abcd efgh".into())))
        );
        assert_eq!(basic_credentials(&v("Bearer xyz")), None);
        assert_eq!(basic_credentials(&v("Basic !!!")), Some(Err(())));
        let no_colon = base64::engine::general_purpose::STANDARD.encode("ana");
        assert_eq!(
            basic_credentials(&v(&format!("basic {no_colon}"))),
            Some(Err(()))
        );
    }
}
