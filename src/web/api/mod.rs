//! The WordPress REST API, read side: `/wp-json/` and its `wp/v2` and `oembed/1.0` routes, in
//! the field names, shapes, parameters, headers and error codes of WordPress 6.x, so the tools
//! newsrooms point at WordPress sites read a Newsdesk site unchanged.
//!
//! The public reads only what the public may read: published stories and pages whose time
//! has come, approved comments, people with a published story or page (never a login or an
//! email). The newsroom signs in with application passwords or the admin's session and
//! `X-WP-Nonce` (`auth`), reads its own stories in any state, and writes stories through the
//! admin's own actions (`editing`); see docs/REST-API.md for what is written so far.
//!
//! Every list is a fixed number of queries whatever its length: the page of rows and its
//! total, then one query each for the bylines, people, sections and tags, images and replies
//! of the whole page. Answers are public and cacheable: they go through the page cache like
//! the site's pages (dropped when content changes), with an `ETag`.

pub mod auth;
pub mod body;
pub mod comments;
pub mod editing;
pub mod embed;
pub mod errors;
pub mod index;
pub mod links;
pub mod me;
pub mod media;
pub mod moderation;
pub mod oembed;
pub mod params;
pub mod posts;
pub mod revisions;
pub mod schema;
pub mod search;
pub mod settings;
pub mod term_writes;
pub mod terms;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use self::errors::ApiError;
use self::params::{Globals, Params};
use crate::AppState;
use crate::web::site::Chrome;
use crate::web::{cache, conditional};

/// A read route: `GET` (and `HEAD`), and `OPTIONS` (a CORS preflight, answered with the
/// methods the route takes); any other method is `rest_no_route`, as in WordPress.
fn read<H, T>(handler: H) -> MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    get(handler).options(options).fallback(no_route)
}

/// `OPTIONS` on a known route: `200`, `Allow: GET`, and an empty description.
async fn options() -> Response {
    let mut res = (
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        "{}",
    )
        .into_response();
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    res
}

/// WordPress's `rest_send_cors_headers`, on every API answer: any page may read the API from
/// a browser. The request's `Origin` is echoed (without `Allow-Credentials`: the API reads
/// only what is public and takes no cookie), so the answer varies by `Origin`. This runs
/// outside the page cache, which therefore never hands one origin's header to another.
pub async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    } else {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("X-WP-Total, X-WP-TotalPages, Link"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type",
        ),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("OPTIONS, GET, POST, PUT, PATCH, DELETE"),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    res
}

/// The method a `POST` stands for under WordPress's method override, for clients that can only
/// send `GET` and `POST`: `X-HTTP-Method-Override: DELETE` or `?_method=DELETE`.
fn overridden(req: &Request) -> Option<axum::http::Method> {
    let asked = req
        .headers()
        .get("x-http-method-override")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            let q = req.uri().query()?;
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "_method")
                .map(|(_, v)| v)
        })?;
    match asked.trim().to_ascii_uppercase().as_str() {
        "DELETE" => Some(axum::http::Method::DELETE),
        _ => None,
    }
}

/// A route's writes: `POST`, `PUT` and `PATCH` change (or create), `DELETE` deletes, and a
/// `POST` overridden to `DELETE` deletes too.
fn writes<U, TU, D, TD>(update: U, delete: D) -> MethodRouter<AppState>
where
    U: axum::handler::Handler<TU, AppState>,
    D: axum::handler::Handler<TD, AppState>,
    TU: 'static,
    TD: 'static,
{
    let (on_post, on_delete) = (update.clone(), delete.clone());
    axum::routing::post(
        move |axum::extract::State(state): axum::extract::State<AppState>, mut req: Request| async move {
            match overridden(&req) {
                Some(method) => {
                    *req.method_mut() = method;
                    axum::handler::Handler::call(on_delete, req, state).await
                }
                None => axum::handler::Handler::call(on_post, req, state).await,
            }
        },
    )
    .put(update.clone())
    .patch(update)
    .delete(delete)
}

/// With `_envelope`, an error too comes as a `200` whose body holds the error, its status and
/// headers, as WordPress sends it.
pub async fn envelope_errors(req: Request, next: Next) -> Response {
    let asked = req
        .uri()
        .query()
        .is_some_and(|q| Params::parse(Some(q)).is_ok_and(|p| p.has("_envelope")));
    let res = next.run(req).await;
    let status = res.status();
    if !asked || status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(error) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let wrapped = json!({ "body": error, "status": status.as_u16(), "headers": {} });
    let mut out = Response::new(Body::from(wrapped.to_string()));
    *out.headers_mut() = parts.headers;
    out.headers_mut().remove(header::CONTENT_LENGTH);
    out
}

/// The API's routes, below `/wp-json`.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/wp-json", read(index::show))
        .route("/wp-json/", read(index::show))
        .route("/wp-json/wp/v2", read(index::namespace))
        .route("/wp-json/wp/v2/", read(index::namespace))
        .route(
            "/wp-json/wp/v2/posts",
            read(posts::list_stories).post(editing::create),
        )
        .route(
            "/wp-json/wp/v2/posts/{id}",
            read(posts::show_story).merge(writes(editing::update, editing::delete)),
        )
        .route(
            "/wp-json/wp/v2/posts/{id}/revisions",
            read(revisions::story_revisions),
        )
        .route(
            "/wp-json/wp/v2/posts/{id}/revisions/{revision}",
            read(revisions::story_revision),
        )
        .route(
            "/wp-json/wp/v2/posts/{id}/autosaves",
            read(revisions::autosaves).post(revisions::autosave),
        )
        .route(
            "/wp-json/wp/v2/pages/{id}/revisions",
            read(revisions::page_revisions),
        )
        .route(
            "/wp-json/wp/v2/pages/{id}/revisions/{revision}",
            read(revisions::page_revision),
        )
        .route(
            "/wp-json/wp/v2/pages",
            read(posts::list_pages).post(editing::create_page),
        )
        .route(
            "/wp-json/wp/v2/pages/{id}",
            read(posts::show_page).merge(writes(editing::update_page, editing::delete_page)),
        )
        .route(
            "/wp-json/wp/v2/categories",
            read(terms::list_categories).post(term_writes::create_category),
        )
        .route(
            "/wp-json/wp/v2/categories/{id}",
            read(terms::show_category).merge(writes(
                term_writes::update_category,
                term_writes::delete_category,
            )),
        )
        .route(
            "/wp-json/wp/v2/tags",
            read(terms::list_tags).post(term_writes::create_tag),
        )
        .route(
            "/wp-json/wp/v2/tags/{id}",
            read(terms::show_tag).merge(writes(term_writes::update_tag, term_writes::delete_tag)),
        )
        .route(
            "/wp-json/wp/v2/users",
            read(users::list).post(users::create),
        )
        .route(
            "/wp-json/wp/v2/users/me",
            read(users::me).merge(writes(users::update_me, users::delete_me)),
        )
        .route(
            "/wp-json/wp/v2/users/{user}/application-passwords",
            read(me::list_passwords)
                .post(me::create_password)
                .delete(me::delete_passwords),
        )
        .route(
            "/wp-json/wp/v2/users/{user}/application-passwords/{uuid}",
            read(me::show_password).delete(me::delete_password),
        )
        .route(
            "/wp-json/wp/v2/users/{id}",
            read(users::show).merge(writes(users::update, users::delete)),
        )
        .route(
            "/wp-json/wp/v2/comments",
            read(comments::list).post(moderation::create),
        )
        .route(
            "/wp-json/wp/v2/comments/{id}",
            read(comments::show).merge(writes(moderation::update, moderation::delete)),
        )
        .route(
            "/wp-json/wp/v2/media",
            read(media::list).post(media::upload),
        )
        .route(
            "/wp-json/wp/v2/media/{id}",
            read(media::show).merge(writes(media::update, media::delete)),
        )
        .route("/wp-json/wp/v2/search", read(search::list))
        .route(
            "/wp-json/wp/v2/settings",
            read(settings::show)
                .post(settings::update)
                .put(settings::update)
                .patch(settings::update),
        )
        .route("/wp-json/wp/v2/types", read(schema::types))
        .route("/wp-json/wp/v2/types/{name}", read(schema::type_one))
        .route("/wp-json/wp/v2/taxonomies", read(schema::taxonomies))
        .route(
            "/wp-json/wp/v2/taxonomies/{name}",
            read(schema::taxonomy_one),
        )
        .route("/wp-json/wp/v2/statuses", read(schema::statuses))
        .route("/wp-json/wp/v2/statuses/{name}", read(schema::status_one))
        .route("/wp-json/oembed/1.0/embed", read(oembed::show))
        .route("/wp-json/{*rest}", axum::routing::any(no_route))
        // Answers are public pages: kept by the page cache, `304` when the client has them.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::page_cache,
        ))
        .layer(axum::middleware::from_fn(conditional::not_modified))
        .layer(axum::middleware::from_fn_with_state(
            state,
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn(envelope_errors))
        .layer(axum::middleware::from_fn(cors))
        // Bodies: JSON and forms up to `body::MAX_BODY`, uploads up to the media library's limit.
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::domain::media::MAX_UPLOAD_BYTES + (1 << 20),
        ))
}

async fn no_route() -> ApiError {
    ApiError::no_route()
}

/// `/?rest_route=/wp/v2/posts&…`, WordPress's address of the API on sites without pretty
/// permalinks: served as `/wp-json/wp/v2/posts?…` by `api` before the front page could see it.
pub async fn rest_route(api: Router, req: Request, next: Next) -> Response {
    if req.uri().path() != "/" {
        return next.run(req).await;
    }
    let Some(query) = req.uri().query() else {
        return next.run(req).await;
    };
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return next.run(req).await;
    };
    let Some(route) = pairs
        .iter()
        .find(|(k, _)| k == "rest_route")
        .map(|(_, v)| v.clone())
    else {
        return next.run(req).await;
    };
    let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "rest_route").collect();
    let route = if route.starts_with('/') {
        route
    } else {
        format!("/{route}")
    };
    let mut target = format!("/wp-json{route}");
    if !rest.is_empty() {
        target.push('?');
        target.push_str(&serde_urlencoded::to_string(rest).unwrap_or_default());
    }
    let Ok(uri) = target.parse::<Uri>() else {
        return ApiError::no_route().into_response();
    };
    let (mut parts, body) = req.into_parts();
    parts.uri = uri;
    let req = Request::from_parts(parts, body);
    match tower::ServiceExt::oneshot(api, req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// Around the public site: every HTML page announces the API (`Link: <…/wp-json/>;
/// rel="https://api.w.org/"`), as WordPress does, so clients find it with a `HEAD /`.
pub async fn announce(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        links::add_api_link(res.headers_mut());
    }
    res
}

/// What every API handler starts from: the checked global parameters, the site's settings
/// and sections, and the time the request is answered at.
pub struct Api {
    pub state: AppState,
    pub params: Params,
    pub globals: Globals,
    pub chrome: Arc<Chrome>,
    /// The content generation read with the chrome (see `web::site::kept`).
    pub since: u64,
    pub now: DateTime<Utc>,
}

impl Api {
    pub async fn new(state: &AppState, query: Option<&str>) -> Result<Api, ApiError> {
        let params = Params::parse(query)?;
        let globals = Globals::parse(&params);
        let (chrome, since) = state.chrome_cache().get_since(state).await?;
        Ok(Api {
            state: state.clone(),
            params,
            globals,
            chrome,
            since,
            now: state.now(),
        })
    }

    pub fn tz(&self) -> Tz {
        self.chrome.settings.timezone
    }

    pub fn store(&self) -> &crate::store::Store {
        self.state.store()
    }

    /// One item as the answer.
    pub fn one(&self, item: Value) -> Response {
        respond(&self.globals, self.shape(item), HeaderMap::new())
    }

    /// One item the person may change: `Allow` names the write methods, which editors (the
    /// block editor's `canUser`) read to offer editing.
    pub fn editable(&self, item: Value) -> Response {
        let mut res = self.one(item);
        res.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        res
    }

    /// A new item as the answer: `201 Created` with its address in `Location`.
    pub fn created(&self, item: Value, location: &str) -> Response {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(location) {
            headers.insert(header::LOCATION, v);
        }
        respond_with(
            &self.globals,
            self.shape(item),
            headers,
            axum::http::StatusCode::CREATED,
        )
    }

    /// A page of a collection as the answer: `X-WP-Total`, `X-WP-TotalPages` and the `Link`s to
    /// the previous and next pages of `route`.
    pub fn page(
        &self,
        items: Vec<Value>,
        total: i64,
        page: i64,
        per_page: u32,
        route: &str,
    ) -> Response {
        let pages = total_pages(total, per_page);
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-wp-total"),
            HeaderValue::from(total),
        );
        headers.insert(
            HeaderName::from_static("x-wp-totalpages"),
            HeaderValue::from(pages),
        );
        let link = |page: i64, rel: &str| {
            let query = self.params.with_page(page);
            format!("<{}?{query}>; rel=\"{rel}\"", links::route(route))
        };
        if page > 1 {
            let prev = (page - 1).min(pages.max(1));
            if let Ok(v) = HeaderValue::from_str(&link(prev, "prev")) {
                headers.append(header::LINK, v);
            }
        }
        if page < pages
            && let Ok(v) = HeaderValue::from_str(&link(page + 1, "next"))
        {
            headers.append(header::LINK, v);
        }
        let items = items.into_iter().map(|i| self.shape(i)).collect();
        respond(&self.globals, Value::Array(items), headers)
    }

    /// `_fields` applied to one item.
    fn shape(&self, item: Value) -> Value {
        match &self.globals.fields {
            Some(fields) => only_fields(item, fields),
            None => item,
        }
    }
}

/// Pages a collection of `total` items has at `per_page` items a page.
pub fn total_pages(total: i64, per_page: u32) -> i64 {
    let per = i64::from(per_page.max(1));
    (total + per - 1) / per
}

/// Keeps only the named fields (`title`, `title.rendered`, `_links`…) of an item.
fn only_fields(item: Value, fields: &[String]) -> Value {
    let paths: Vec<Vec<&str>> = fields.iter().map(|f| f.split('.').collect()).collect();
    keep(item, &paths)
}

fn keep(value: Value, paths: &[Vec<&str>]) -> Value {
    let Value::Object(map) = value else {
        return value;
    };
    let mut out = Map::new();
    for (key, v) in map {
        let below: Vec<Vec<&str>> = paths
            .iter()
            .filter(|p| p.first() == Some(&key.as_str()))
            .map(|p| p[1..].to_vec())
            .collect();
        if below.is_empty() {
            continue;
        }
        if below.iter().any(Vec::is_empty) {
            out.insert(key, v);
        } else if v.is_object() {
            out.insert(key, keep(v, &below));
        }
    }
    Value::Object(out)
}

/// The JSON answer, or with `_envelope` the body, status and headers in one `200`.
fn respond(globals: &Globals, body: Value, headers: HeaderMap) -> Response {
    respond_with(globals, body, headers, axum::http::StatusCode::OK)
}

/// [`respond`] with another status (`201` for what a write created).
fn respond_with(
    globals: &Globals,
    body: Value,
    mut headers: HeaderMap,
    status: axum::http::StatusCode,
) -> Response {
    let body = if globals.envelope {
        let mut h = Map::new();
        for (name, value) in &headers {
            if let Ok(v) = value.to_str() {
                let key = match name.as_str() {
                    "x-wp-total" => "X-WP-Total".to_owned(),
                    "x-wp-totalpages" => "X-WP-TotalPages".to_owned(),
                    "link" => "Link".to_owned(),
                    other => other.to_owned(),
                };
                // A header given twice (the `prev` and `next` Links) is one value, joined by
                // commas, as WordPress keeps it.
                match h.get_mut(&key) {
                    Some(Value::String(earlier)) => {
                        earlier.push_str(", ");
                        earlier.push_str(v);
                    }
                    _ => {
                        h.insert(key, Value::String(v.to_owned()));
                    }
                }
            }
        }
        headers.clear();
        json!({ "body": body, "status": status.as_u16(), "headers": h })
    } else {
        body
    };
    let bytes = body.to_string().into_bytes();
    let etag = conditional::etag_of(&bytes);
    let mut res = Response::new(Body::from(bytes));
    if !globals.envelope {
        *res.status_mut() = status;
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(conditional::PUBLIC_PAGE),
    );
    h.insert(header::ALLOW, HeaderValue::from_static("GET"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    // A header given twice (two `Link`s) comes back with its name only the first time.
    let mut last: Option<HeaderName> = None;
    for (name, value) in headers {
        if let Some(name) = name {
            last = Some(name);
        }
        if let Some(name) = &last {
            h.append(name.clone(), value);
        }
    }
    res
}

/// An id from the path: digits only, as WordPress's route patterns (`(?P<id>[\d]+)`) take;
/// anything else matches no route.
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::no_route());
    }
    raw.parse().map_err(|_| ApiError::no_route())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_nested_parts() {
        let item = json!({"id": 1, "title": {"rendered": "A", "raw": "a"}, "slug": "a"});
        let kept = only_fields(item, &["id".into(), "title.rendered".into()]);
        assert_eq!(kept, json!({"id": 1, "title": {"rendered": "A"}}));
    }

    #[test]
    fn pages_round_up() {
        assert_eq!(total_pages(0, 10), 0);
        assert_eq!(total_pages(10, 10), 1);
        assert_eq!(total_pages(11, 10), 2);
    }
}
