//! Every write use case, one function each, shared by the CLI, the demo, and later the admin,
//! the API and the importer, so they all apply the same rules.

pub mod accounts;
pub mod app_passwords;
pub mod articles;
pub mod audit;
pub mod comments;
pub mod import;
pub mod media;
pub mod pages;
pub mod profiles;
pub mod site;
pub mod stories;
pub mod structure;

use crate::domain::user::{Capability, Staff};
use crate::store::StoreError;

/// Who asks for an action: a signed-in member of the newsroom, whose role decides, or the
/// operator at the command line, who already controls the server and its database.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Operator,
    Staff(&'a Staff),
}

/// "field: message; other: message", for messages outside a form (the command line).
fn fields_text(fields: &std::collections::BTreeMap<&'static str, String>) -> String {
    fields
        .iter()
        .map(|(field, message)| format!("{field}: {message}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Actor<'_> {
    /// Refuses, changing nothing, unless the actor's role allows `capability`.
    pub fn require(self, capability: Capability) -> Result<()> {
        match self {
            Actor::Operator => Ok(()),
            Actor::Staff(s) if s.can(capability) => Ok(()),
            Actor::Staff(_) => Err(ActionError::Forbidden(
                "Your role does not allow this.".into(),
            )),
        }
    }
}

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Input that breaks a rule; the message names the field and is safe to show.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Several fields broke rules; by form field name.
    #[error("{}", fields_text(.0))]
    Fields(std::collections::BTreeMap<&'static str, String>),
    /// Something that must be unique already exists, or the action does not fit the state.
    #[error("{0}")]
    Conflict(String),
    /// What the action needs does not exist; the message is safe to show.
    #[error("{0}")]
    NotFound(String),
    /// The action is not allowed; the message is safe to show.
    #[error("{0}")]
    Forbidden(String),
    /// The save was based on `base_version` of the story or page, but someone else has saved it
    /// since: nothing was written (no silent overwrite). The editor shows what changed and lets
    /// the person keep their text or take the other.
    #[error(
        "Someone else saved this while you were working on it, so nothing was saved. Open it again to see their version."
    )]
    Stale { base_version: i64 },
    /// Too many attempts; try again after this many seconds.
    #[error("too many requests; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The node is busy hashing other people's passwords and this one waited its turn in
    /// vain (see `accounts::HASHING_WAIT`); nothing was done, try again after this many
    /// seconds.
    #[error("busy; retry after {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ActionError {
    fn from(e: StoreError) -> ActionError {
        match e {
            StoreError::Taken { field, message } => ActionError::Invalid { field, message },
            e => ActionError::Store(e),
        }
    }
}

impl ActionError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ActionError {
        ActionError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub type Result<T, E = ActionError> = std::result::Result<T, E>;
