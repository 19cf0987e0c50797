//! The newsroom admin at `/admin`: server-rendered pages, enhanced by small scripts.
//!
//! Every admin route passes through, outermost first: [`headers`] (strict CSP, no framing, never
//! cached), [`errors`] (the admin's own error page), then for everything but the sign-in pages
//! [`session::require`] (who is asking), and [`csrf::check`] on every state-changing request.
//! Handlers only translate HTTP to `actions::*` calls, which enforce each role's rights.

pub mod csrf;
pub mod frame;
pub mod menus;
pub mod sections;
pub mod session;
pub mod widgets;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::error::{AppError, ErrorPage};

pub use frame::Frame;
pub use session::Signed;

/// The admin's routes, all under `/admin/`.
pub fn router(state: AppState) -> Router<AppState> {
    let signed_in = Router::new()
        .route("/admin/", get(dashboard))
        .route("/admin/logout", post(session::sign_out))
        .route(
            "/admin/logout-everywhere",
            post(session::sign_out_everywhere),
        )
        // Site structure: sections, tags, widgets, menus.
        .route(
            "/admin/sections",
            get(sections::sections).post(sections::create_section),
        )
        .route(
            "/admin/sections/{id}",
            get(sections::section).post(sections::edit_section),
        )
        .route("/admin/sections/{id}/move", post(sections::move_section))
        .route("/admin/sections/{id}/merge", post(sections::merge_section))
        .route(
            "/admin/sections/{id}/delete",
            post(sections::delete_section),
        )
        .route(
            "/admin/tags",
            get(sections::tags).post(sections::create_tag),
        )
        .route(
            "/admin/tags/{id}",
            get(sections::tag).post(sections::edit_tag),
        )
        .route("/admin/tags/{id}/merge", post(sections::merge_tag))
        .route("/admin/tags/{id}/delete", post(sections::delete_tag))
        .route(
            "/admin/widgets",
            get(widgets::widgets).post(widgets::add_widget),
        )
        .route("/admin/widgets/new", get(widgets::new_widget))
        .route("/admin/widgets/preview", post(widgets::preview))
        .route("/admin/widgets/read-also", post(widgets::read_also))
        .route(
            "/admin/widgets/{id}",
            get(widgets::widget).post(widgets::configure_widget),
        )
        .route("/admin/widgets/{id}/move", post(widgets::move_widget))
        .route("/admin/widgets/{id}/delete", post(widgets::remove_widget))
        .route("/admin/menus", get(menus::menus))
        .route("/admin/menus/{location}/items", post(menus::add_item))
        .route("/admin/menus/items/{id}", post(menus::relabel_item))
        .route("/admin/menus/items/{id}/move", post(menus::move_item))
        .route("/admin/menus/items/{id}/delete", post(menus::remove_item))
        .layer(from_fn_with_state(state.clone(), csrf::check))
        .layer(from_fn_with_state(state.clone(), session::require));
    let signed_out = Router::new()
        .route(
            "/admin/login",
            get(session::login_page).post(session::sign_in),
        )
        .route(
            "/admin/password/{token}",
            get(session::password_page).post(session::set_password),
        )
        .layer(from_fn_with_state(state.clone(), csrf::check))
        .route("/admin/static/{file}", get(asset));
    signed_in
        .merge(signed_out)
        .route("/admin/{*rest}", get(not_found).post(not_found))
        .layer(from_fn_with_state(state, errors))
        .layer(from_fn(headers))
}

/// Old WordPress admin addresses lead to the admin.
pub async fn wordpress_admin() -> Redirect {
    Redirect::permanent("/admin/")
}

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn asset(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let asset = state.admin_ui().asset(&file).ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.bytes.clone(),
    )
        .into_response())
}

async fn dashboard(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, AppError> {
    let frame = Frame::new(&state, &signed, "Dashboard", "dashboard").await?;
    frame.render(&state, "dashboard.html", minijinja::context! {})
}

/// Admin pages are private and must never be framed, cached or leak their address.
async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; \
             connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Renders error responses as the admin's error page; internal causes are logged, never shown.
async fn errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let Some(page) = res.extensions().get::<ErrorPage>().cloned() else {
        return res;
    };
    if let Some(cause) = &page.internal_cause {
        tracing::error!(%path, status = page.status.as_u16(), %cause, "admin request failed");
    }
    let message = page
        .public_message
        .clone()
        .unwrap_or_else(|| match page.status {
            StatusCode::NOT_FOUND => "There is nothing at this address.".into(),
            StatusCode::FORBIDDEN => "Your role does not allow this.".into(),
            _ => "Something went wrong on our side. Nothing was changed; please try again.".into(),
        });
    let html = state.admin_ui().render(
        "error.html",
        minijinja::context! {
            status => page.status.as_u16(),
            reason => page.status.canonical_reason().unwrap_or("Error"),
            message => message,
            kept_text => page.kept_text,
        },
    );
    let mut out = match html {
        Ok(html) => (page.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(%path, error = %e, "cannot render the admin error page");
            (
                page.status,
                page.status.canonical_reason().unwrap_or("Error"),
            )
                .into_response()
        }
    };
    if let Some(secs) = page.retry_after_secs {
        out.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    out
}
