//! `GET /admin/audit`: the audit log, newest first, for administrators.

use axum::extract::{Query, State};
use axum::response::Html;

use super::{Frame, Signed};
use crate::AppState;
use crate::actions::Actor;
use crate::domain::audit::AuditAction;
use crate::domain::user::Capability;
use crate::error::AppError;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    page: String,
}

#[derive(Debug, serde::Serialize)]
struct ActionOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Debug, serde::Serialize)]
struct Row {
    at: String,
    /// Machine-readable time for `<time datetime>`.
    at_iso: String,
    actor: String,
    action: String,
    action_label: &'static str,
    target: String,
    detail: String,
    ip: String,
}

/// `GET /admin/audit?action=NAME&page=N`
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, AppError> {
    // Who did what to whom is for the people who manage the newsroom's accounts.
    Actor::Staff(&signed.staff).require(Capability::ManageUsers)?;
    let store = state.store();
    let action = AuditAction::parse(q.action.trim());
    let page: i64 = q.page.parse().unwrap_or(1).clamp(1, 1_000_000);
    let (entries, total) = store
        .audit_page(
            action.map(AuditAction::as_str),
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await?;
    let tz = store.settings().await?.timezone;
    let rows: Vec<Row> = entries
        .into_iter()
        .map(|e| Row {
            at: e
                .at
                .with_timezone(&tz)
                .format("%-d %b %Y, %H:%M:%S %Z")
                .to_string(),
            at_iso: e.at.to_rfc3339(),
            action_label: AuditAction::parse(&e.action).map_or("Other", AuditAction::label),
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
            ip: e.ip,
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let actions: Vec<ActionOption> = AuditAction::ALL
        .into_iter()
        .map(|a| ActionOption {
            value: a.as_str(),
            label: a.label(),
        })
        .collect();
    let frame = Frame::new(&state, &signed, "Audit log", "audit").await?;
    frame.render(
        &state,
        "audit.html",
        minijinja::context! {
            rows,
            actions,
            action => action.map_or("", AuditAction::as_str),
            total,
            page,
            pages,
        },
    )
}
