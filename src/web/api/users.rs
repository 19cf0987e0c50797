//! `/wp/v2/users`: people.
//!
//! The public sees those with a published story or page, never a login, an email address or a
//! role. Those who manage people (administrators: WordPress's `list_users`) see everyone in
//! the newsroom, may ask for `context=edit` (login, email, role, capabilities, registration
//! date) and filter by `roles`; everyone may read their own `context=edit`.
//!
//! Writes go through the admin's actions with the same rules: administrators add people
//! (`POST /users`), change anyone's name, bio, email, role and password, and delete accounts
//! (`DELETE /users/<id>?force=true&reassign=<id>`: accounts have no trash, and their stories,
//! pages and uploads go to the person named, never deleted); everyone changes their own name
//! and bio (`POST /users/me`). What cannot change (the login, the public slug) is accepted
//! unchanged, so a client may send back the whole object it read.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Viewer;
use super::body::Args;
use super::errors::ApiError;
use super::links::{self, href};
use super::me::action_error;
use super::params::{self, Context};
use super::{Api, path_id};
use crate::AppState;
use crate::actions::accounts::{self, NewAccount};
use crate::actions::profiles::{self, ProfileEdit};
use crate::actions::{ActionError, Actor};
use crate::domain::user::{Capability, Role, Staff};
use crate::store::accounts::Account;
use crate::store::rest::{Order, OrderBy, RestUser, UserScope};

/// A person as WordPress shows them (`view` and `embed` are the same for users).
pub fn user_json(u: &RestUser) -> Value {
    let avatar = u.avatar_url.as_deref().map(links::public);
    let avatar_urls = match avatar {
        Some(url) => json!({ "24": url, "48": url, "96": url }),
        None => json!({}),
    };
    json!({
        "id": u.id,
        "name": u.display_name,
        "url": "",
        "description": u.bio,
        "link": links::public(&format!("/author/{}/", u.slug)),
        "slug": u.slug,
        "avatar_urls": avatar_urls,
        "_links": {
            "self": href(links::route(&format!("/wp/v2/users/{}", u.id))),
            "collection": href(links::route("/wp/v2/users")),
        },
    })
}

/// WordPress's capabilities of a role, as `context=edit` lists them (the ones tools check).
fn capabilities(role: Role) -> Value {
    let mut caps = serde_json::Map::new();
    let mut set = |names: &[&str]| {
        for n in names {
            caps.insert((*n).to_owned(), Value::Bool(true));
        }
    };
    set(&["read", "level_0"]);
    let staff = Staff {
        id: 0,
        login: String::new(),
        display_name: String::new(),
        email: String::new(),
        role,
    };
    let granted: [(Capability, &[&str]); 10] = [
        (Capability::WriteDrafts, &["edit_posts", "delete_posts"]),
        (Capability::UploadMedia, &["upload_files"]),
        (
            Capability::PublishOwn,
            &[
                "publish_posts",
                "edit_published_posts",
                "delete_published_posts",
            ],
        ),
        (
            Capability::EditOthers,
            &[
                "edit_others_posts",
                "delete_others_posts",
                "edit_private_posts",
                "read_private_posts",
            ],
        ),
        (
            Capability::ManagePages,
            &[
                "edit_pages",
                "publish_pages",
                "edit_others_pages",
                "delete_pages",
            ],
        ),
        (Capability::ManageTaxonomy, &["manage_categories"]),
        (Capability::ModerateComments, &["moderate_comments"]),
        (Capability::ManageAppearance, &["edit_theme_options"]),
        (
            Capability::ManageUsers,
            &[
                "list_users",
                "create_users",
                "edit_users",
                "promote_users",
                "delete_users",
            ],
        ),
        (Capability::ManageSettings, &["manage_options"]),
    ];
    for (capability, names) in granted {
        if staff.can(capability) {
            set(names);
        }
    }
    caps.insert(role.as_str().to_owned(), Value::Bool(true));
    Value::Object(caps)
}

/// A person in `context`: `edit` adds what only they and those who manage people see.
pub fn shaped(u: &RestUser, account: Option<&Account>, context: Context) -> Value {
    let mut v = user_json(u);
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    if context != Context::Embed {
        o.insert("meta".into(), json!([]));
    }
    if context == Context::Edit
        && let Some(a) = account
    {
        o.insert("username".into(), json!(a.login));
        o.insert("email".into(), json!(a.email));
        o.insert("nickname".into(), json!(a.login));
        o.insert("first_name".into(), json!(""));
        o.insert("last_name".into(), json!(""));
        o.insert("locale".into(), json!("en_US"));
        o.insert("roles".into(), json!([a.role.as_str()]));
        o.insert(
            "registered_date".into(),
            json!(
                a.created_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        );
        o.insert("capabilities".into(), capabilities(a.role));
        o.insert(
            "extra_capabilities".into(),
            json!({ a.role.as_str(): true }),
        );
    }
    v
}

/// The signed-in person if they manage people.
fn manager(viewer: &Viewer) -> Option<&Staff> {
    viewer.staff().filter(|s| s.can(Capability::ManageUsers))
}

/// The person a `<id|me>` path names (`me` needs someone signed in).
fn user_of(raw: &str, viewer: &Viewer) -> Result<i64, ApiError> {
    if raw == "me" {
        Ok(viewer.required()?.id)
    } else {
        path_id(raw)
    }
}

/// The `context` asked for: `edit` only for those who manage people, or on oneself.
fn context_for(api: &Api, viewer: &Viewer, own: bool) -> Result<Context, ApiError> {
    match api.params.one_of("context", &["view", "embed", "edit"])? {
        Some("edit") if own || manager(viewer).is_some() => Ok(Context::Edit),
        Some("edit") => Err(match viewer.staff() {
            None => ApiError::forbidden_context("this user"),
            Some(_) => ApiError::new(
                StatusCode::FORBIDDEN,
                "rest_forbidden_context",
                "Sorry, you are not allowed to edit this user.",
            ),
        }),
        Some("embed") => Ok(Context::Embed),
        _ => Ok(Context::View),
    }
}

/// The accounts behind `rows`, when `context=edit` shows them (one query).
async fn accounts_for(api: &Api, context: Context) -> Result<HashMap<i64, Account>, ApiError> {
    if context != Context::Edit {
        return Ok(HashMap::new());
    }
    Ok(api
        .store()
        .accounts()
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let api = Api::new(&state, q.as_deref()).await?;
    let context = context_for(&api, &viewer, false)?;
    let scope = if manager(&viewer).is_some() {
        let roles = api
            .params
            .list("roles")
            .into_iter()
            .map(|r| {
                Role::parse(r).ok_or_else(|| {
                    ApiError::invalid_param(
                        "roles",
                        "roles takes administrator, editor, author or contributor.",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        UserScope::Newsroom { roles }
    } else {
        if api.params.has("roles") || api.params.has("capabilities") {
            return Err(ApiError::new(
                if viewer.staff().is_some() {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::UNAUTHORIZED
                },
                "rest_user_cannot_view",
                "Sorry, you are not allowed to filter users by role.",
            ));
        }
        UserScope::Public
    };
    api.params.one_of("who", &["authors"])?;
    let (filter, page) = params::list_filter(
        &api.params,
        &[
            ("name", OrderBy::Name),
            ("id", OrderBy::Id),
            ("include", OrderBy::Include),
            ("slug", OrderBy::Slug),
        ],
        Order::Asc,
    )?;
    let (rows, total) = api.store().rest_users(&filter, &scope, api.now).await?;
    let accounts = accounts_for(&api, context).await?;
    let items = rows
        .iter()
        .map(|u| shaped(u, accounts.get(&u.id), context))
        .collect();
    Ok(api.page(items, total, page, filter.limit, "/wp/v2/users"))
}

/// One person as `viewer` may see them: anyone for those who manage people, oneself, or
/// someone with published work.
async fn visible(api: &Api, viewer: &Viewer, id: i64) -> Result<Option<RestUser>, ApiError> {
    let own = viewer.staff().is_some_and(|s| s.id == id);
    if own || manager(viewer).is_some() {
        return Ok(api.store().rest_staff_member(id).await?);
    }
    Ok(api
        .store()
        .rest_users_in_scope(&[id], &UserScope::Public, api.now)
        .await?
        .into_iter()
        .next())
}

fn invalid_id() -> ApiError {
    ApiError::not_found("rest_user_invalid_id", "Invalid user ID.")
}

/// The answer about person `id`, read afresh, in `context`.
async fn answer(api: &Api, viewer: &Viewer, id: i64, context: Context) -> Result<Value, ApiError> {
    let user = visible(api, viewer, id).await?.ok_or_else(invalid_id)?;
    let account = if context == Context::Edit {
        api.store().account(id).await?
    } else {
        None
    };
    Ok(shaped(&user, account.as_ref(), context))
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = user_of(&id, &viewer)?;
    let api = Api::new(&state, q.as_deref()).await?;
    let own = viewer.staff().is_some_and(|s| s.id == id);
    let context = context_for(&api, &viewer, own)?;
    let v = answer(&api, &viewer, id, context).await?;
    Ok(if own || manager(&viewer).is_some() {
        api.editable(v)
    } else {
        api.one(v)
    })
}

/// `/wp/v2/users/me`: the signed-in person.
pub async fn me(state: State<AppState>, viewer: Viewer, q: RawQuery) -> Result<Response, ApiError> {
    viewer.required()?;
    show(state, viewer, Path("me".to_owned()), q).await
}

/// Passwords to sign in with are set only by someone signed in with their own password (the
/// admin's session): a tool's application password must not make credentials that outlive its
/// own revocation.
fn signed_in_with_a_password_of_their_own(viewer: &Viewer) -> Result<(), ApiError> {
    match viewer {
        Viewer::Staff {
            app_password: Some(_),
            ..
        } => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Passwords are set in the admin, or with the admin's session: not with an \
             application password, which must not make credentials that outlive it.",
        )),
        _ => Ok(()),
    }
}

/// The one role in `roles` (WordPress sends a list; Newsdesk gives each person one role).
fn role_of(args: &Args) -> Result<Option<Role>, ApiError> {
    let names: Vec<String> = match args.get("roles") {
        None => return Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::invalid_param("roles", "roles[0] is not of type string."))?,
        Some(Value::String(s)) => s
            .split(',')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
        Some(_) => {
            return Err(ApiError::invalid_param(
                "roles",
                "roles is not of type array.",
            ));
        }
    };
    match names.as_slice() {
        [] => Ok(None),
        [one] => Role::parse(one).map(Some).ok_or_else(|| {
            ApiError::invalid_param(
                "roles",
                format!(
                    "{one} is not a role here: administrator, editor, author or contributor \
                     (Newsdesk has no subscribers; readers comment without an account)."
                ),
            )
        }),
        _ => Err(ApiError::invalid_param(
            "roles",
            "Give one role: each person has exactly one.",
        )),
    }
}

/// The display name a request gives: `name`, or `first_name last_name`.
fn name_of(args: &Args) -> Result<Option<String>, ApiError> {
    if let Some(n) = args.string("name")? {
        return Ok(Some(n));
    }
    let first = args.string("first_name")?.unwrap_or_default();
    let last = args.string("last_name")?.unwrap_or_default();
    let joined = format!("{} {}", first.trim(), last.trim());
    Ok(Some(joined.trim().to_owned()).filter(|n| !n.is_empty()))
}

/// WordPress's name of a field the actions name their own way.
fn wp_field(field: &'static str) -> &'static str {
    match field {
        "login" => "username",
        "display_name" => "name",
        "bio" => "description",
        other => other,
    }
}

fn refused(e: ActionError, code: &'static str) -> ApiError {
    match e {
        ActionError::NotFound(_) => invalid_id(),
        // Both refusals of a login or an address in use ("already taken", "already used by
        // another account") say "already".
        ActionError::Invalid { field, message } if message.contains("already") => {
            let code = match field {
                "email" => "existing_user_email",
                _ => "existing_user_login",
            };
            ApiError::new(StatusCode::BAD_REQUEST, code, message)
        }
        ActionError::Invalid { field, message } => {
            ApiError::invalid_param(wp_field(field), message)
        }
        ActionError::Fields(fields) => action_error(
            ActionError::Fields(fields.into_iter().map(|(f, m)| (wp_field(f), m)).collect()),
            code,
        ),
        e => action_error(e, code),
    }
}

/// `POST /wp/v2/users`: adds a person (administrators). `username` and `email` are required;
/// without `password` the person has none until an administrator sends them a link from the
/// admin's page of people. The role defaults to contributor, the least one.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = viewer
        .may(
            Capability::ManageUsers,
            "rest_cannot_create_user",
            "Sorry, you are not allowed to create new users.",
        )?
        .clone();
    let api = Api::new(&state, q.as_deref()).await?;
    if args.string("password")?.is_some_and(|p| !p.is_empty()) {
        signed_in_with_a_password_of_their_own(&viewer)?;
    }
    let login = args
        .string("username")?
        .ok_or_else(|| ApiError::missing_param("username"))?;
    let email = args
        .string("email")?
        .ok_or_else(|| ApiError::missing_param("email"))?;
    let bio = args.string("description")?;
    if bio
        .as_ref()
        .is_some_and(|b| b.trim().chars().count() > profiles::BIO_MAX)
    {
        return Err(ApiError::invalid_param(
            "description",
            format!("Use at most {} characters.", profiles::BIO_MAX),
        ));
    }
    let account = NewAccount {
        display_name: name_of(&args)?.unwrap_or_else(|| login.clone()),
        login,
        email,
        role: role_of(&args)?.unwrap_or(Role::Contributor),
        password: args.string("password")?.filter(|p| !p.is_empty()),
    };
    let by = Actor::Staff(&me);
    let id = accounts::add_user(api.store(), by, &account, api.now)
        .await
        .map_err(|e| refused(e, "rest_cannot_create_user"))?;
    if let Some(bio) = bio.filter(|b| !b.trim().is_empty()) {
        let edit = ProfileEdit {
            bio: Some(bio),
            ..ProfileEdit::default()
        };
        profiles::edit_profile(api.store(), by, id, &edit)
            .await
            .map_err(|e| refused(e, "rest_cannot_create_user"))?;
    }
    let v = answer(&api, &viewer, id, Context::Edit).await?;
    let location = links::route(&format!("/wp/v2/users/{id}"));
    Ok(api.created(v, &location))
}

/// `POST`, `PUT` or `PATCH /wp/v2/users/<id|me>`: name, bio, and for administrators email,
/// role and password. Every argument is checked before the first write.
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = viewer.required()?.clone();
    let id = user_of(&id, &viewer)?;
    let own = me.id == id;
    let manages = me.can(Capability::ManageUsers);
    if !own && !manages {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this user.",
        ));
    }
    let api = Api::new(&state, q.as_deref()).await?;
    let account = api.store().account(id).await?.ok_or_else(invalid_id)?;
    let current = api
        .store()
        .rest_staff_member(id)
        .await?
        .ok_or_else(invalid_id)?;
    if let Some(login) = args.string("username")?
        && login != account.login
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_user_invalid_argument",
            "Username isn't editable.",
        ));
    }
    if let Some(slug) = args.string("slug")?
        && slug != current.slug
    {
        return Err(ApiError::invalid_param(
            "slug",
            "An author's public address follows their name and does not change on its own.",
        ));
    }
    let email = args
        .string("email")?
        .filter(|e| crate::domain::user::normalize_email(e) != account.email);
    if email.is_some() && !manages {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Only an administrator changes the email address people sign in with.",
        ));
    }
    let role = role_of(&args)?.filter(|r| *r != account.role);
    if role.is_some() && !manages {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit_roles",
            "Sorry, you are not allowed to edit roles of this user.",
        ));
    }
    let password = args.string("password")?.filter(|p| !p.is_empty());
    if password.is_some() {
        signed_in_with_a_password_of_their_own(&viewer)?;
    }
    if password.is_some() && (own || !manages) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Change your own password on your profile page in the admin, which asks for the \
             current one first.",
        ));
    }
    let edit = ProfileEdit {
        display_name: name_of(&args)?,
        email,
        bio: args.string("description")?,
        ..ProfileEdit::default()
    };
    let by = Actor::Staff(&me);
    let code = "rest_cannot_edit";
    // The role and the password are checked before the profile is written, so a refusal of
    // either leaves the person as they were. (The actions check again as they write.)
    if let Some(pw) = &password {
        let email = edit.email.as_deref().unwrap_or(&account.email);
        let name = edit
            .display_name
            .as_deref()
            .unwrap_or(&account.display_name);
        accounts::check_password(api.store(), pw, &account.login, email, name)
            .await
            .map_err(|e| refused(e, code))?;
    }
    if role.is_some() && account.role == Role::Administrator && !account.disabled {
        let others = api
            .store()
            .accounts()
            .await?
            .iter()
            .filter(|a| a.id != id && a.role == Role::Administrator && !a.disabled)
            .count();
        if others == 0 {
            return Err(refused(
                ActionError::Conflict(
                    "The site needs at least one administrator; make someone else one first."
                        .into(),
                ),
                code,
            ));
        }
    }
    if edit.display_name.is_some() || edit.email.is_some() || edit.bio.is_some() {
        profiles::edit_profile(api.store(), by, id, &edit)
            .await
            .map_err(|e| refused(e, code))?;
    }
    if let Some(role) = role {
        accounts::set_role(api.store(), by, id, role)
            .await
            .map_err(|e| refused(e, code))?;
    }
    if let Some(pw) = password {
        accounts::set_password(api.store(), by, id, &pw)
            .await
            .map_err(|e| refused(e, code))?;
    }
    let v = answer(&api, &viewer, id, Context::Edit).await?;
    Ok(api.editable(v))
}

/// `POST`, `PUT` or `PATCH /wp/v2/users/me`.
pub async fn update_me(
    state: State<AppState>,
    viewer: Viewer,
    q: RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    update(state, viewer, Path("me".to_owned()), q, args).await
}

/// `DELETE /wp/v2/users/<id>?force=true&reassign=<id>`: deletes an account for good, giving
/// its stories, pages and uploads to `reassign`. Accounts have no trash (`force` is required,
/// as in WordPress) and nothing a person wrote is deleted with them (`reassign` is required;
/// WordPress's `reassign=false`, which deletes their posts, is refused).
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    let me = viewer
        .may(
            Capability::ManageUsers,
            "rest_user_cannot_delete",
            "Sorry, you are not allowed to delete this user.",
        )?
        .clone();
    let id = user_of(&id, &viewer)?;
    if !args.bool("force")?.unwrap_or(false) {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "Users do not support trashing. Set 'force' to 'true' to delete.",
        ));
    }
    let heir = match args.get("reassign") {
        None => return Err(ApiError::missing_param("reassign")),
        Some(_) => args
            .int("reassign")
            .ok()
            .flatten()
            .filter(|h| *h > 0)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_user_invalid_reassign",
                    "Give the id of the person who receives this person's stories, pages and \
                 images as reassign; Newsdesk never deletes them with an account.",
                )
            })?,
    };
    let api = Api::new(&state, q.as_deref()).await?;
    let previous = answer(&api, &viewer, id, Context::Edit).await?;
    profiles::delete_account(api.store(), Actor::Staff(&me), id, heir)
        .await
        .map_err(|e| match e {
            ActionError::Invalid { message, .. } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "rest_user_invalid_reassign",
                message,
            ),
            e => refused(e, "rest_user_cannot_delete"),
        })?;
    Ok(api.one(json!({ "deleted": true, "previous": previous })))
}

/// `DELETE /wp/v2/users/me`: nobody deletes their own account (the action says so).
pub async fn delete_me(
    state: State<AppState>,
    viewer: Viewer,
    q: RawQuery,
    args: Args,
) -> Result<Response, ApiError> {
    delete(state, viewer, Path("me".to_owned()), q, args).await
}
