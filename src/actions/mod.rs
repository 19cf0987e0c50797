//! Every write use case, one function each, shared by the CLI, the demo, and later the admin,
//! the API and the importer, so they all apply the same rules.

pub mod articles;
pub mod site;

use crate::store::StoreError;

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Input that breaks a rule; the message names the field and is safe to show.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Something that must be unique already exists.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
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
