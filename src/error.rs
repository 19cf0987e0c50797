//! The one error type at the HTTP edge and its mapping to responses.
//!
//! Handlers return `Result<_, AppError>`. Turning an error into a response has no side effects:
//! it records the status, a message safe to show and, for internal errors, the cause in a
//! response extension; the `themed_errors` middleware logs the cause once and renders the
//! theme's error page. Internal text never reaches the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::actions::ActionError;
use crate::render::RenderError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// A request refused for a reason the user can read (bad input, closed, duplicate, too many).
    #[error("{status}: {message}")]
    Refused {
        status: StatusCode,
        message: String,
        retry_after_secs: Option<u64>,
        /// Text the reader typed, shown back so it is not lost.
        kept_text: Option<String>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn refused(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError::Refused {
            status,
            message: message.into(),
            retry_after_secs: None,
            kept_text: None,
        }
    }
}

/// Marks a response as an error page for the middleware to render in the theme.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// Safe to show: says what was wrong with the request.
    pub public_message: Option<String>,
    /// Logged, never shown.
    pub internal_cause: Option<String>,
    pub retry_after_secs: Option<u64>,
    /// Text the reader typed, shown back on the error page.
    pub kept_text: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let blank = |status| ErrorPage {
            status,
            public_message: None,
            internal_cause: None,
            retry_after_secs: None,
            kept_text: None,
        };
        let page = match self {
            AppError::NotFound => blank(StatusCode::NOT_FOUND),
            AppError::Refused {
                status,
                message,
                retry_after_secs,
                kept_text,
            } => ErrorPage {
                public_message: Some(message),
                retry_after_secs,
                kept_text,
                ..blank(status)
            },
            AppError::Internal(cause) => ErrorPage {
                internal_cause: Some(cause),
                ..blank(StatusCode::INTERNAL_SERVER_ERROR)
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

/// What a writer reads when the database cannot take writes for now (full disk, write lock held
/// by another process); the answer is 503 with `Retry-After`, and what they typed is kept.
pub const CANNOT_SAVE: &str = "The site cannot save right now; please try again in a moment.";
/// The `Retry-After` of that answer, in seconds.
pub const CANNOT_SAVE_RETRY_SECS: u64 = 10;

/// What someone reads when this node is too busy checking other people's passwords to check
/// theirs (a flood of sign-ins); the answer is 503 with `Retry-After`.
pub const BUSY: &str = "The site is busy right now; please try again in a few seconds.";

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        if let Some(why) = e.cannot_save() {
            tracing::warn!(reason = %why, "a write was refused by the database");
            return AppError::Refused {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: CANNOT_SAVE.to_owned(),
                retry_after_secs: Some(CANNOT_SAVE_RETRY_SECS),
                kept_text: None,
            };
        }
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
            ActionError::Invalid { .. } => {
                AppError::refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            ActionError::Fields(fields) => AppError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                fields.values().cloned().collect::<Vec<_>>().join(" "),
            ),
            ActionError::Conflict(m) => AppError::refused(StatusCode::CONFLICT, m),
            e @ ActionError::Stale { .. } => AppError::refused(StatusCode::CONFLICT, e.to_string()),
            ActionError::NotFound(m) => AppError::refused(StatusCode::NOT_FOUND, m),
            ActionError::Forbidden(m) => AppError::refused(StatusCode::FORBIDDEN, m),
            ActionError::RateLimited { retry_after_secs } => AppError::Refused {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "You are doing that too often. Please try again in {}.",
                    human_duration(retry_after_secs)
                ),
                retry_after_secs: Some(retry_after_secs),
                kept_text: None,
            },
            ActionError::Busy { retry_after_secs } => AppError::Refused {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: BUSY.to_owned(),
                retry_after_secs: Some(retry_after_secs),
                kept_text: None,
            },
            ActionError::Store(s) => s.into(),
        }
    }
}

/// "42 seconds", "1 minute", "10 minutes".
pub fn human_duration(secs: u64) -> String {
    if secs < 60 {
        return format!("{secs} second{}", if secs == 1 { "" } else { "s" });
    }
    let mins = secs.div_ceil(60);
    format!("{mins} minute{}", if mins == 1 { "" } else { "s" })
}
