//! Recording audited events. Each audited action calls [`record`] once, inside its own write
//! transaction where it has one, so the event is stored exactly when the change is; every
//! event also goes to the log under the `audit` target (`NEWSDESK_LOG=audit=info`).

use chrono::{SubsecRound, Utc};

use super::{Actor, Result};
use crate::domain::audit::AuditAction;
use crate::store::Store;
use crate::store::Tx;
use crate::store::audit::NewAuditEntry;

/// Who the event is about doing it: an account (by id and login) or the operator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who<'a> {
    pub id: Option<i64>,
    pub login: &'a str,
}

impl<'a> From<Actor<'a>> for Who<'a> {
    fn from(actor: Actor<'a>) -> Who<'a> {
        match actor {
            Actor::Operator => Who {
                id: None,
                login: "operator",
            },
            Actor::Staff(s) => Who {
                id: Some(s.id),
                login: &s.login,
            },
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub(crate) struct Event<'a> {
    pub action: AuditAction,
    /// What was acted on: a login, `story 12 "Headline"`, `section world`…
    pub target: String,
    /// Anything else worth knowing (`editor → administrator`).
    pub detail: String,
    /// The request's address, where the action knows it.
    pub ip: Option<&'a str>,
}

impl Event<'_> {
    pub fn new(action: AuditAction, target: impl Into<String>) -> Event<'static> {
        Event {
            action,
            target: target.into(),
            detail: String::new(),
            ip: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

impl<'a> Event<'a> {
    pub fn ip(self, ip: &'a str) -> Event<'a> {
        Event {
            ip: Some(ip),
            ..self
        }
    }
}

/// Records `event` by `who` in the transaction that makes the change.
pub(crate) async fn record(tx: &mut Tx, who: impl Into<Who<'_>>, event: Event<'_>) -> Result<()> {
    let who = who.into();
    let login: String = who.login.trim().chars().take(100).collect();
    let ip = event.ip.unwrap_or("");
    tracing::info!(
        target: "audit",
        action = event.action.as_str(),
        actor = %login,
        actor_id = who.id,
        target = %event.target,
        detail = %event.detail,
        ip,
        "audit"
    );
    Store::insert_audit(
        tx,
        &NewAuditEntry {
            at: Utc::now().trunc_subsecs(0),
            actor_id: who.id,
            actor: &login,
            action: event.action.as_str(),
            target: &event.target,
            detail: &event.detail,
            ip,
        },
    )
    .await?;
    Ok(())
}

/// Records `event` in a transaction of its own, for events that change nothing else (a failed
/// sign-in).
pub(crate) async fn record_alone(
    store: &Store,
    who: impl Into<Who<'_>>,
    event: Event<'_>,
) -> Result<()> {
    let mut tx = store.begin().await?;
    record(&mut tx, who, event).await?;
    tx.commit().await?;
    Ok(())
}
