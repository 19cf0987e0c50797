//! `GET /wp-json/`: the API's index (site name, address, time zone, namespaces,
//! authentication, and every route with its methods and arguments), and `GET /wp-json/wp/v2`,
//! one namespace's part of it. Clients such as `wpapi`'s `discover` build themselves from it.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::Offset;
use serde_json::{Map, Value, json};

use super::Api;
use super::errors::ApiError;
use super::links::{self, href};
use crate::AppState;

/// An argument: name, JSON type, description.
type Arg = (&'static str, &'static str, &'static str);

const CONTEXT: Arg = (
    "context",
    "string",
    "Scope under which the request is made; determines fields present in response.",
);
const COLLECTION: &[Arg] = &[
    CONTEXT,
    ("page", "integer", "Current page of the collection."),
    (
        "per_page",
        "integer",
        "Maximum number of items to be returned in result set.",
    ),
    (
        "search",
        "string",
        "Limit results to those matching a string.",
    ),
    (
        "offset",
        "integer",
        "Offset the result set by a specific number of items.",
    ),
    (
        "order",
        "string",
        "Order sort attribute ascending or descending.",
    ),
    ("orderby", "string", "Sort collection by object attribute."),
    ("include", "array", "Limit result set to specific IDs."),
    (
        "exclude",
        "array",
        "Ensure result set excludes specific IDs.",
    ),
    (
        "slug",
        "array",
        "Limit result set to items with one or more specific slugs.",
    ),
];
const POSTS: &[Arg] = &[
    (
        "author",
        "array",
        "Limit result set to posts assigned to specific authors.",
    ),
    (
        "author_exclude",
        "array",
        "Ensure result set excludes posts assigned to specific authors.",
    ),
    (
        "after",
        "string",
        "Limit response to posts published after a given ISO8601 compliant date.",
    ),
    (
        "before",
        "string",
        "Limit response to posts published before a given ISO8601 compliant date.",
    ),
    (
        "modified_after",
        "string",
        "Limit response to posts modified after a given ISO8601 compliant date.",
    ),
    (
        "modified_before",
        "string",
        "Limit response to posts modified before a given ISO8601 compliant date.",
    ),
    (
        "status",
        "array",
        "Limit result set to posts assigned one or more statuses.",
    ),
    (
        "categories",
        "array",
        "Limit result set to items with specific terms assigned in the categories taxonomy.",
    ),
    (
        "categories_exclude",
        "array",
        "Limit result set to items except those with specific terms assigned in the categories taxonomy.",
    ),
    (
        "tags",
        "array",
        "Limit result set to items with specific terms assigned in the tags taxonomy.",
    ),
    (
        "tags_exclude",
        "array",
        "Limit result set to items except those with specific terms assigned in the tags taxonomy.",
    ),
    (
        "sticky",
        "boolean",
        "Limit result set to items that are sticky.",
    ),
];
const PAGES: &[Arg] = &[
    (
        "author",
        "array",
        "Limit result set to posts assigned to specific authors.",
    ),
    (
        "author_exclude",
        "array",
        "Ensure result set excludes posts assigned to specific authors.",
    ),
    (
        "after",
        "string",
        "Limit response to posts published after a given ISO8601 compliant date.",
    ),
    (
        "before",
        "string",
        "Limit response to posts published before a given ISO8601 compliant date.",
    ),
    (
        "modified_after",
        "string",
        "Limit response to posts modified after a given ISO8601 compliant date.",
    ),
    (
        "modified_before",
        "string",
        "Limit response to posts modified before a given ISO8601 compliant date.",
    ),
    (
        "parent",
        "array",
        "Limit result set to items with particular parent IDs.",
    ),
    (
        "parent_exclude",
        "array",
        "Limit result set to all items except those of a particular parent ID.",
    ),
    (
        "status",
        "array",
        "Limit result set to posts assigned one or more statuses.",
    ),
];
const CATEGORIES: &[Arg] = &[
    (
        "hide_empty",
        "boolean",
        "Whether to hide terms not assigned to any posts.",
    ),
    (
        "parent",
        "integer",
        "Limit result set to terms assigned to a specific parent.",
    ),
    (
        "post",
        "integer",
        "Limit result set to terms assigned to a specific post.",
    ),
];
const TAGS: &[Arg] = &[
    (
        "hide_empty",
        "boolean",
        "Whether to hide terms not assigned to any posts.",
    ),
    (
        "post",
        "integer",
        "Limit result set to terms assigned to a specific post.",
    ),
];
const COMMENTS: &[Arg] = &[
    (
        "author",
        "array",
        "Limit result set to comments assigned to specific user IDs.",
    ),
    (
        "parent",
        "array",
        "Limit result set to comments of specific parent IDs.",
    ),
    (
        "post",
        "array",
        "Limit result set to comments assigned to specific post IDs.",
    ),
    (
        "post_type",
        "string",
        "Newsdesk: what post names, post (stories, the default) or page.",
    ),
];
const SEARCH: &[Arg] = &[
    (
        "type",
        "string",
        "Limit results to items of an object type.",
    ),
    (
        "subtype",
        "array",
        "Limit results to items of one or more object subtypes.",
    ),
];
const ONE: &[Arg] = &[
    CONTEXT,
    ("id", "integer", "Unique identifier for the object."),
];
const OEMBED: &[Arg] = &[
    (
        "url",
        "string",
        "The URL of the resource for which to fetch oEmbed data.",
    ),
    ("format", "string", "The oEmbed format to use."),
    (
        "maxwidth",
        "integer",
        "The maximum width of the embed frame in pixels.",
    ),
];

/// Every route: its pattern, namespace, and arguments (shared ones, then its own).
const ROUTES: &[(&str, &str, &[Arg], &[Arg])] = &[
    ("/", "", &[CONTEXT], &[]),
    ("/oembed/1.0/embed", "oembed/1.0", OEMBED, &[]),
    ("/wp/v2", "wp/v2", &[CONTEXT], &[]),
    ("/wp/v2/posts", "wp/v2", COLLECTION, POSTS),
    ("/wp/v2/posts/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    (
        "/wp/v2/posts/(?P<parent>[\\d]+)/revisions",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    (
        "/wp/v2/posts/(?P<parent>[\\d]+)/revisions/(?P<id>[\\d]+)",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    (
        "/wp/v2/posts/(?P<id>[\\d]+)/autosaves",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    ("/wp/v2/pages", "wp/v2", COLLECTION, PAGES),
    ("/wp/v2/pages/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    (
        "/wp/v2/pages/(?P<parent>[\\d]+)/revisions",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    (
        "/wp/v2/pages/(?P<parent>[\\d]+)/revisions/(?P<id>[\\d]+)",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    ("/wp/v2/media", "wp/v2", COLLECTION, &[]),
    ("/wp/v2/media/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    ("/wp/v2/categories", "wp/v2", COLLECTION, CATEGORIES),
    ("/wp/v2/categories/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    ("/wp/v2/tags", "wp/v2", COLLECTION, TAGS),
    ("/wp/v2/tags/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    ("/wp/v2/users", "wp/v2", COLLECTION, &[]),
    ("/wp/v2/users/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    ("/wp/v2/users/me", "wp/v2", &[CONTEXT], &[]),
    (
        "/wp/v2/users/(?P<user_id>(?:[\\d]+|me))/application-passwords",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    (
        "/wp/v2/users/(?P<user_id>(?:[\\d]+|me))/application-passwords/introspect",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    (
        "/wp/v2/users/(?P<user_id>(?:[\\d]+|me))/application-passwords/(?P<uuid>[\\w\\-]+)",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    ("/wp/v2/comments", "wp/v2", COLLECTION, COMMENTS),
    ("/wp/v2/comments/(?P<id>[\\d]+)", "wp/v2", ONE, &[]),
    ("/wp/v2/search", "wp/v2", COLLECTION, SEARCH),
    ("/wp/v2/settings", "wp/v2", &[], &[]),
    ("/wp/v2/types", "wp/v2", &[CONTEXT], &[]),
    ("/wp/v2/types/(?P<type>[\\w-]+)", "wp/v2", &[CONTEXT], &[]),
    (
        "/wp/v2/taxonomies",
        "wp/v2",
        &[
            CONTEXT,
            (
                "type",
                "string",
                "Limit results to taxonomies associated with a specific post type.",
            ),
        ],
        &[],
    ),
    (
        "/wp/v2/taxonomies/(?P<taxonomy>[\\w-]+)",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
    ("/wp/v2/statuses", "wp/v2", &[CONTEXT], &[]),
    (
        "/wp/v2/statuses/(?P<status>[\\w-]+)",
        "wp/v2",
        &[CONTEXT],
        &[],
    ),
];

fn arg_json((_, kind, description): &Arg, name: &str) -> Value {
    let mut a = json!({ "description": description, "type": kind, "required": name == "url" });
    match name {
        "context" => {
            a["enum"] = json!(["view", "embed", "edit"]);
            a["default"] = json!("view");
        }
        "page" => {
            a["default"] = json!(1);
            a["minimum"] = json!(1);
        }
        "per_page" => {
            a["default"] = json!(10);
            a["minimum"] = json!(1);
            a["maximum"] = json!(super::params::MAX_PER_PAGE);
        }
        "order" => {
            a["enum"] = json!(["asc", "desc"]);
        }
        _ => {}
    }
    if *kind == "array" {
        a["items"] = json!({ "type": if name == "slug" || name == "status" || name == "subtype" { "string" } else { "integer" } });
    }
    a
}

/// The methods a route takes beyond `GET` (the writes), as WordPress lists them.
fn methods(path: &str) -> &'static [&'static str] {
    match path {
        "/wp/v2/posts" | "/wp/v2/pages" | "/wp/v2/media" | "/wp/v2/comments"
        | "/wp/v2/categories" | "/wp/v2/tags" | "/wp/v2/users" => &["GET", "POST"],
        "/wp/v2/posts/(?P<id>[\\d]+)"
        | "/wp/v2/pages/(?P<id>[\\d]+)"
        | "/wp/v2/comments/(?P<id>[\\d]+)"
        | "/wp/v2/categories/(?P<id>[\\d]+)"
        | "/wp/v2/tags/(?P<id>[\\d]+)"
        | "/wp/v2/media/(?P<id>[\\d]+)"
        | "/wp/v2/users/(?P<id>[\\d]+)"
        | "/wp/v2/users/me" => &["GET", "POST", "PUT", "PATCH", "DELETE"],
        "/wp/v2/settings" => &["GET", "POST", "PUT", "PATCH"],
        p if p.ends_with("/autosaves") => &["GET", "POST"],
        p if p.ends_with("/application-passwords") => &["GET", "POST", "DELETE"],
        p if p.ends_with("(?P<uuid>[\\w\\-]+)") => &["GET", "DELETE"],
        _ => &["GET"],
    }
}

fn routes(namespace: Option<&str>) -> Map<String, Value> {
    ROUTES
        .iter()
        .filter(|(_, ns, _, _)| namespace.is_none_or(|n| *ns == n))
        .map(|(path, ns, shared, own)| {
            let args: Map<String, Value> = shared
                .iter()
                .chain(own.iter())
                .map(|a| (a.0.to_owned(), arg_json(a, a.0)))
                .collect();
            let methods = methods(path);
            let mut r = json!({
                "namespace": ns,
                "methods": methods,
                "endpoints": [{ "methods": methods, "args": args }],
            });
            if !path.contains('(') {
                r["_links"] = json!({ "self": href(links::route(path)) });
            }
            ((*path).to_owned(), r)
        })
        .collect()
}

/// The site's offset from UTC now, in hours, as WordPress's `gmt_offset`.
fn gmt_offset(api: &Api) -> Value {
    let secs = api
        .now
        .with_timezone(&api.tz())
        .offset()
        .fix()
        .local_minus_utc();
    if secs % 3600 == 0 {
        json!(secs / 3600)
    } else {
        json!(f64::from(secs) / 3600.0)
    }
}

pub async fn show(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let settings = &api.chrome.settings;
    let home = links::public("/");
    let home = home.trim_end_matches('/');
    Ok(api.one(json!({
        "name": settings.title,
        "description": settings.tagline,
        "url": home,
        "home": home,
        "gmt_offset": gmt_offset(&api),
        "timezone_string": settings.timezone.name(),
        "page_for_posts": 0,
        "page_on_front": 0,
        "show_on_front": "posts",
        "namespaces": ["oembed/1.0", "wp/v2"],
        // People create application passwords on their profile page in the admin (WordPress
        // names its own authorisation screen here).
        "authentication": {
            "application-passwords": {
                "endpoints": { "authorization": links::public("/wp-admin/authorize-application.php") },
            },
        },
        "routes": routes(None),
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": {
            "help": [{ "href": "https://developer.wordpress.org/rest-api/" }],
        },
    })))
}

pub async fn namespace(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    Ok(api.one(json!({
        "namespace": "wp/v2",
        "routes": routes(Some("wp/v2")),
        "_links": { "up": href(links::api_root()) },
    })))
}
