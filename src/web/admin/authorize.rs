//! WordPress's "Authorize Application" flow, with which apps (the WordPress mobile app, desktop
//! editors) obtain an application password without the person copying it by hand:
//!
//! 1. The app opens `/wp-admin/authorize-application.php?app_name=…&app_id=…&success_url=…
//!    &reject_url=…` in a browser; it leads here, through the sign-in page when needed.
//! 2. The signed-in person sees which app asks, what it will be able to do (all their role
//!    allows), and where they will be sent; they approve or decline.
//! 3. Approved: an application password named after the app is made, and the browser goes to
//!    `success_url?site_url=…&user_login=…&password=…` (the protocol's one way of handing it
//!    over, so the app's own address receives it); without a `success_url`, the password is
//!    shown once on the page instead. Declined: `reject_url?success=false` (or `success_url`
//!    with it), or back to the dashboard.
//!
//! As in WordPress, the addresses must be `https`, an app's own scheme (`wordpress://`), or
//! `http` on this machine (for local tools); `javascript:`, `data:` and the like are refused.
//! The page's `form-action` allows exactly those addresses, so the browser follows the
//! redirect and nothing else.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use url::Url;

use super::{Frame, Signed, session};
use crate::AppState;
use crate::actions::app_passwords::{self, Created};
use crate::actions::{ActionError, Actor};
use crate::error::AppError;
use crate::web::origin;

/// Where the app sends people (the admin's address of the flow).
pub const PATH: &str = "/admin/authorize-application";

/// What the app asks, as it sent it (kept through the sign-in page in `next`).
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
pub struct Request {
    #[serde(default)]
    pub app_name: String,
    #[serde(default)]
    pub app_id: String,
    #[serde(default)]
    pub success_url: String,
    #[serde(default)]
    pub reject_url: String,
}

/// The form's answer: the request again, and which button was pressed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Decision {
    #[serde(flatten)]
    request: Request,
    #[serde(default)]
    decision: String,
}

/// An address the app gave, checked.
fn checked_url(raw: &str, field: &str) -> Result<Option<Url>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let url = Url::parse(raw).map_err(|_| format!("The app's {field} is not an address."))?;
    let local = matches!(
        url.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    );
    // A host goes into the page's Content-Security-Policy: only plain names and addresses.
    let plain_host = match url.host() {
        Some(url::Host::Domain(d)) => d
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
        Some(_) => true,
        None => false,
    };
    match url.scheme() {
        "https" if plain_host => Ok(Some(url)),
        "http" if local => Ok(Some(url)),
        "http" => Err(format!(
            "The app's {field} uses plain http, which would send the password unprotected; \
             it must be https."
        )),
        // An app's own scheme (`wordpress://…`), which the system hands to the app; not the
        // schemes browsers handle themselves, which would show, run or send the password.
        scheme
            if !url.is_special()
                && !matches!(
                    scheme,
                    "javascript" | "data" | "vbscript" | "blob" | "about" | "filesystem"
                )
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            Ok(Some(url))
        }
        _ => Err(format!("The app's {field} is not allowed.")),
    }
}

/// `8-4-4-4-12` hexadecimal digits, as WordPress's `wp_is_uuid` takes.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The request's addresses, or why it cannot go on.
struct Checked {
    success: Option<Url>,
    reject: Option<Url>,
}

fn check(req: &Request) -> Result<Checked, String> {
    if req.app_name.trim().chars().count() > app_passwords::MAX_NAME_LEN {
        return Err(format!(
            "The app's name is longer than {} characters.",
            app_passwords::MAX_NAME_LEN
        ));
    }
    if !req.app_id.is_empty() && !is_uuid(&req.app_id) {
        return Err("The app's id (app_id) is not a UUID.".into());
    }
    Ok(Checked {
        success: checked_url(&req.success_url, "success_url")?,
        reject: checked_url(&req.reject_url, "reject_url")?,
    })
}

/// The `form-action` sources that let the form's redirect reach the app's addresses.
fn form_action(checked: &Checked) -> String {
    let mut sources = vec!["'self'".to_owned()];
    for url in [&checked.success, &checked.reject].into_iter().flatten() {
        let source = match url.scheme() {
            "https" | "http" => url.origin().ascii_serialization(),
            scheme => format!("{scheme}:"),
        };
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    sources.join(" ")
}

async fn render(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    req: &Request,
    problem: Option<String>,
    created: Option<Created>,
) -> Result<Response, AppError> {
    let checked = check(req);
    let (problem, action) = match (&checked, problem) {
        (Err(e), _) => (Some(e.clone()), "'self'".to_owned()),
        (Ok(c), p) => (p, form_action(c)),
    };
    let goes_to = checked
        .as_ref()
        .ok()
        .and_then(|c| c.success.as_ref())
        .map(|u| match u.host_str() {
            Some(host) => format!("{}://{host}", u.scheme()),
            None => format!("{}:", u.scheme()),
        });
    let frame = Frame::new(state, signed, "Authorize application", "profile").await?;
    let html = frame.render(
        state,
        "authorize.html",
        minijinja::context! {
            req,
            problem,
            goes_to,
            role => signed.staff.role.as_str(),
            login => signed.staff.login,
            created => created.map(|c| minijinja::context! { name => c.record.name, secret => c.secret }),
            max_len => app_passwords::MAX_NAME_LEN,
        },
    )?;
    let mut res = (status, html).into_response();
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action {action}; \
         frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.extensions_mut().insert(super::AdminCsp(v));
    }
    Ok(res)
}

/// `GET /wp-admin/authorize-application.php?…`: the same request, in the admin.
pub async fn wordpress_address(uri: axum::http::Uri) -> Response {
    let to = match uri.query() {
        Some(q) => format!("{PATH}?{q}"),
        None => PATH.to_owned(),
    };
    crate::web::edge::see_other(&to)
}

/// `GET /admin/authorize-application?…`
pub async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(req): Query<Request>,
) -> Result<Response, AppError> {
    render(&state, &signed, StatusCode::OK, &req, None, None).await
}

/// `url` with `pairs` added to its query.
fn with_query(mut url: Url, pairs: &[(&str, &str)]) -> String {
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    url.into()
}

/// `POST /admin/authorize-application`: approve or decline.
pub async fn decide(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<Decision>,
) -> Result<Response, AppError> {
    let req = form.request;
    let checked = match check(&req) {
        Ok(c) => c,
        Err(e) => {
            return render(
                &state,
                &signed,
                StatusCode::BAD_REQUEST,
                &req,
                Some(e),
                None,
            )
            .await;
        }
    };
    if form.decision != "approve" {
        let back = checked.reject.or(checked.success);
        return Ok(match back {
            Some(url) => crate::web::edge::see_other(&with_query(url, &[("success", "false")])),
            None => session::redirect_with_flash(
                &state,
                &headers,
                "/admin/",
                "The application was not given access.",
            ),
        });
    }
    let name = match req.app_name.trim() {
        "" => "Application",
        n => n,
    };
    let by = Actor::Staff(&signed.staff);
    let created =
        match app_passwords::create(state.store(), by, signed.staff.id, name, state.now()).await {
            Ok(c) => c,
            Err(ActionError::Conflict(m)) | Err(ActionError::Invalid { message: m, .. }) => {
                return render(
                    &state,
                    &signed,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &req,
                    Some(m),
                    None,
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        };
    match checked.success {
        Some(url) => {
            let site = origin::of_request(&state, &headers);
            let to = with_query(
                url,
                &[
                    ("site_url", site.as_str()),
                    ("user_login", signed.staff.login.as_str()),
                    ("password", created.secret.as_str()),
                ],
            );
            // The admin's `Referrer-Policy: same-origin` keeps this page's address from the
            // app's; the password travels only in the address the app gave.
            Ok(crate::web::edge::see_other(&to))
        }
        None => render(&state, &signed, StatusCode::OK, &req, None, Some(created)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_safe() {
        assert!(
            checked_url("https://app.example/cb", "success_url")
                .unwrap()
                .is_some()
        );
        assert!(
            checked_url("wordpress://authorize", "success_url")
                .unwrap()
                .is_some()
        );
        assert!(
            checked_url("http://127.0.0.1:9/cb", "success_url")
                .unwrap()
                .is_some()
        );
        assert!(checked_url("http://app.example/cb", "success_url").is_err());
        assert!(checked_url("javascript:alert(1)", "success_url").is_err());
        assert!(checked_url("data:text/html,x", "success_url").is_err());
        assert!(checked_url("", "success_url").unwrap().is_none());
        assert!(checked_url("ftp://app.example/cb", "success_url").is_err());
        assert!(checked_url("wss://app.example/cb", "success_url").is_err());
        assert!(checked_url("https://a;sandbox/cb", "success_url").is_err());
    }

    #[test]
    fn form_action_allows_the_app_addresses() {
        let c = Checked {
            success: Some(Url::parse("https://app.example:8443/cb?x=1").unwrap()),
            reject: Some(Url::parse("wordpress://no").unwrap()),
        };
        assert_eq!(
            form_action(&c),
            "'self' https://app.example:8443 wordpress:"
        );
    }
}
