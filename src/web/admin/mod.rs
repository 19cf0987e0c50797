//! The newsroom admin at `/admin`: server-rendered pages, enhanced by small scripts.
//!
//! Every admin route passes through, outermost first: [`headers`] (strict CSP, no framing, never
//! cached), [`errors`] (the admin's own error page), then for everything but the sign-in pages
//! [`session::require`] (who is asking), and [`csrf::check`] on every state-changing request.
//! Handlers only translate HTTP to `actions::*` calls, which enforce each role's rights.

pub mod app_passwords;
pub mod audit;
pub mod authorize;
pub mod comments;
mod conflict;
pub mod csrf;
pub mod embeds;
pub mod frame;
pub mod import;
pub mod media;
pub mod menus;
pub mod pages;
pub mod profile;
pub mod sections;
pub mod session;
pub mod settings;
pub mod setup;
pub mod stories;
pub mod tools;
pub mod users;
pub mod widgets;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
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
        // The media library, the editor's image picker and Markdown conversion.
        .route(
            "/admin/media",
            get(media::library)
                .post(media::upload)
                .layer(media::upload_limit()),
        )
        .route("/admin/media/picker", get(media::picker))
        .route("/admin/media/{id}", get(media::item).post(media::update))
        .route("/admin/media/{id}/delete", post(media::delete))
        .route("/admin/markdown", post(media::markdown))
        // The editor's Embed button: which provider an address is from.
        .route("/admin/embed", post(embeds::check))
        // Stories: the list, the editor, autosave, preview, revisions.
        .route("/admin/stories", get(stories::list))
        .route("/admin/stories/", get(stories::list_slash))
        .route("/admin/stories/bulk", post(stories::bulk))
        .route(
            "/admin/stories/new",
            get(stories::new_story).post(stories::create),
        )
        .route("/admin/stories/autosave", post(stories::autosave_new))
        .route(
            "/admin/stories/{id}",
            get(stories::edit).post(stories::update),
        )
        .route("/admin/stories/{id}/autosave", post(stories::autosave))
        .route(
            "/admin/stories/{id}/autosave/discard",
            post(stories::discard_autosave),
        )
        .route(
            "/admin/stories/{id}/preview",
            get(stories::preview_saved).post(stories::preview),
        )
        .route("/admin/stories/{id}/theirs", post(stories::take_theirs))
        .route("/admin/stories/{id}/delete", post(stories::delete))
        .route("/admin/stories/{id}/revisions", get(stories::revisions))
        .route(
            "/admin/stories/{id}/revisions/{rev}",
            get(stories::revision),
        )
        .route(
            "/admin/stories/{id}/revisions/{rev}/restore",
            post(stories::restore_revision),
        )
        // Static pages: the list, the same editor as stories, trash, revisions.
        .route("/admin/pages", get(pages::list))
        .route("/admin/pages/", get(pages::list_slash))
        .route("/admin/pages/bulk", post(pages::bulk))
        .route("/admin/pages/new", get(pages::new_page).post(pages::create))
        .route("/admin/pages/{id}", get(pages::edit).post(pages::update))
        .route("/admin/pages/{id}/theirs", post(pages::take_theirs))
        .route("/admin/pages/{id}/delete", post(pages::delete))
        .route("/admin/pages/{id}/revisions", get(pages::revisions))
        .route("/admin/pages/{id}/revisions/{rev}", get(pages::revision))
        .route(
            "/admin/pages/{id}/revisions/{rev}/restore",
            post(pages::restore_revision),
        )
        .route(
            "/admin/logout-everywhere",
            post(session::sign_out_everywhere),
        )
        // Comments, people, settings.
        .route("/admin/comments", get(comments::queue))
        .route("/admin/comments/moderate", post(comments::moderate))
        .route("/admin/comments/{id}", get(comments::show))
        .route("/admin/comments/{id}/edit", post(comments::edit))
        .route("/admin/comments/{id}/reply", post(comments::reply))
        .route("/admin/profile", get(profile::page).post(profile::save))
        .route("/admin/profile/password", post(profile::change_password))
        .route(
            "/admin/profile/app-passwords",
            post(app_passwords::create_own),
        )
        .route(
            "/admin/profile/app-passwords/revoke-all",
            post(app_passwords::revoke_all_own),
        )
        .route(
            "/admin/profile/app-passwords/{uuid}/revoke",
            post(app_passwords::revoke_own),
        )
        .route("/admin/users", get(users::list).post(users::invite))
        .route(
            "/admin/users/{id}",
            get(users::person).post(users::edit_person),
        )
        .route(
            "/admin/users/{id}/delete",
            get(users::confirm_delete).post(users::delete),
        )
        .route("/admin/users/{id}/role", post(users::change_role))
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route("/admin/users/{id}/reset", post(users::reset_link))
        .route(
            "/admin/users/{id}/app-passwords",
            post(app_passwords::create_for),
        )
        .route(
            "/admin/users/{id}/app-passwords/revoke-all",
            post(app_passwords::revoke_all_for),
        )
        .route(
            "/admin/users/{id}/app-passwords/{uuid}/revoke",
            post(app_passwords::revoke_for),
        )
        .route("/admin/settings", get(settings::page).post(settings::save))
        .route(
            authorize::PATH,
            get(authorize::page).post(authorize::decide),
        )
        .route("/admin/audit", get(audit::list))
        .route("/admin/tools", get(tools::page))
        .route("/admin/tools/export", get(tools::export))
        .route(
            import::UPLOAD_PATH,
            get(import::page)
                .post(import::upload)
                .layer(import::upload_limit()),
        )
        .route("/admin/tools/import/{id}", get(import::show))
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
        .route(
            "/admin/setup/{token}",
            get(setup::setup_page).post(setup::set_up),
        )
        .layer(from_fn_with_state(state.clone(), csrf::check))
        .route("/admin/static/{file}", get(asset));
    signed_in
        .merge(signed_out)
        .route("/admin/{*rest}", get(not_found).post(not_found))
        .layer(from_fn(crate::web::edge::guard))
        .layer(from_fn_with_state(state, errors))
        .layer(from_fn(headers))
}

/// Old WordPress admin addresses lead to the admin.
pub async fn wordpress_admin() -> Response {
    crate::web::edge::permanent("/admin/")
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

/// One number on the dashboard, linking to where it can be acted on.
#[derive(Debug, serde::Serialize)]
struct Stat {
    label: &'static str,
    count: i64,
    href: String,
}

async fn dashboard(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Html<String>, AppError> {
    use crate::domain::user::Capability;
    let store = state.store();
    let me = &signed.staff;
    // Each area adds the numbers its people act on, for the roles that may act on them.
    let mut stats = Vec::new();
    let stories = |status, author_id| crate::store::desk::DeskQuery {
        status: Some(status),
        author_id,
        limit: 1,
        visible_to: (!me.can(Capability::EditOthers)).then_some(me.id),
        ..Default::default()
    };
    use crate::domain::article::Status;
    let (_, mine) = store.desk(&stories(Status::Draft, Some(me.id))).await?;
    stats.push(Stat {
        label: "Your drafts",
        count: mine,
        href: format!("/admin/stories?status=draft&author={}", me.id),
    });
    if me.can(Capability::EditOthers) {
        let (_, pending) = store.desk(&stories(Status::Pending, None)).await?;
        stats.push(Stat {
            label: "Stories waiting for review",
            count: pending,
            href: "/admin/stories?status=pending".into(),
        });
    }
    let (_, scheduled) = store.desk(&stories(Status::Scheduled, None)).await?;
    stats.push(Stat {
        label: "Scheduled stories",
        count: scheduled,
        href: "/admin/stories?status=scheduled".into(),
    });
    if me.can(Capability::ModerateComments) {
        let counts = store.comment_counts().await?;
        stats.push(Stat {
            label: "Comments awaiting moderation",
            count: counts
                .iter()
                .find(|c| c.status == crate::domain::comment::CommentState::Pending)
                .map_or(0, |c| c.n),
            href: "/admin/comments?status=pending".into(),
        });
    }
    if me.can(Capability::ManageUsers) {
        stats.push(Stat {
            label: "People in the newsroom",
            count: store.accounts().await?.len() as i64,
            href: "/admin/users".into(),
        });
    }
    let frame = Frame::new(&state, &signed, "Dashboard", "dashboard").await?;
    frame.render(&state, "dashboard.html", minijinja::context! { stats })
}

/// An admin page's own Content-Security-Policy, derived from the admin's (a response
/// extension: [`headers`] replaces any policy header a handler sets).
#[derive(Clone)]
pub struct AdminCsp(pub HeaderValue);

/// Admin pages are private and must never be framed, cached or leak their address.
async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    // Every admin page gets the admin's policy, whatever the handler set: a story preview is
    // rendered by the public page code, which sets the public policy. A page may narrow or
    // widen `form-action` for its own form by handing over a policy of its own (see
    // `authorize`) in [`AdminCsp`].
    let policy = res.extensions_mut().remove::<AdminCsp>().map_or_else(
        || {
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; \
                 connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                 form-action 'self'; frame-ancestors 'none'",
            )
        },
        |own| own.0,
    );
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
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
    let page = match res.extensions().get::<ErrorPage>().cloned() {
        Some(page) => page,
        // An extractor refused the request before the handler ran (a form that cannot be
        // read): axum's own text names Rust types, so the admin's error page is shown instead.
        None if res.status().is_client_error()
            && res.status() != StatusCode::NOT_FOUND
            && res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/plain")) =>
        {
            ErrorPage {
                status: res.status(),
                public_message: Some(
                    "This form could not be understood; nothing was changed.".into(),
                ),
                internal_cause: None,
                retry_after_secs: None,
                kept_text: None,
            }
        }
        None => return res,
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
    // The site's name from the snapshot public pages use; an error page still renders when
    // the database cannot be read.
    let site_title = match state.chrome_cache().get(&state).await {
        Ok(chrome) => chrome.settings.title.clone(),
        Err(_) => "Newsdesk".to_owned(),
    };
    let html = state.admin_ui().render(
        "error.html",
        minijinja::context! {
            site_title => site_title,
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
