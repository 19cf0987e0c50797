//! The one error type at the HTTP edge and its mapping to responses.
//!
//! Handlers return `Result<_, AppError>`. Turning an error into a response has no side effects:
//! it records the status (and, for internal errors, the cause) in a response extension; the
//! `themed_errors` middleware logs the cause once and renders the theme's error page. Internal
//! text never reaches the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::actions::ActionError;
use crate::render::RenderError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Marks a response as an error page for the middleware to render in the theme.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// Safe to show: says what was wrong with the request.
    pub public_message: Option<String>,
    /// Logged, never shown.
    pub internal_cause: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = match self {
            AppError::NotFound => ErrorPage {
                status: StatusCode::NOT_FOUND,
                public_message: None,
                internal_cause: None,
            },
            AppError::BadRequest(m) => ErrorPage {
                status: StatusCode::BAD_REQUEST,
                public_message: Some(m),
                internal_cause: None,
            },
            AppError::Internal(cause) => ErrorPage {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                public_message: None,
                internal_cause: Some(cause),
            },
        };
        let mut res = (
            page.status,
            page.status.canonical_reason().unwrap_or("Error"),
        )
            .into_response();
        res.extensions_mut().insert(page);
        res
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::Internal(format!("{e:#}"))
    }
}

impl From<RenderError> for AppError {
    fn from(e: RenderError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<ActionError> for AppError {
    fn from(e: ActionError) -> AppError {
        match e {
            ActionError::Invalid { .. } | ActionError::Conflict(_) => {
                AppError::BadRequest(e.to_string())
            }
            ActionError::Store(s) => s.into(),
        }
    }
}
