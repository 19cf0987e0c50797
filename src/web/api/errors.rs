//! Errors in WordPress's shape: `{"code": "rest_…", "message": "…", "data": {"status": N}}`,
//! with its codes, so clients that branch on `code` keep working. Internal causes are logged
//! here, once, and never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::store::StoreError;

/// An API error: WordPress's code, a message safe to show, and the status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// `data.params` of `rest_invalid_param`: each bad parameter and what is wrong with it.
    pub params: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            params: Map::new(),
        }
    }

    /// `rest_no_route`: no route matches the address and method.
    pub fn no_route() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
    }

    /// `rest_invalid_param` for one parameter.
    pub fn invalid_param(name: &str, why: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_param",
            format!("Invalid parameter(s): {name}"),
        );
        e.params.insert(name.to_owned(), Value::String(why.into()));
        e
    }

    /// `rest_missing_callback_param`: a required argument is missing.
    pub fn missing_param(name: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_missing_callback_param",
            format!("Missing parameter(s): {name}"),
        );
        e.params.insert(
            "missing".into(),
            Value::Array(vec![Value::String(name.to_owned())]),
        );
        e
    }

    /// `rest_forbidden_context`: `context=edit` needs a signed-in editor.
    pub fn forbidden_context(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_context",
            format!("Sorry, you are not allowed to edit {what}."),
        )
    }

    /// `rest_post_invalid_page_number`: a page past the last.
    pub fn invalid_page_number() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        )
    }

    /// A 404 with the resource's own code (`rest_post_invalid_id`, `rest_term_invalid`…).
    pub fn not_found(code: &'static str, message: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// The body, as WordPress writes it.
    pub fn body(&self) -> Value {
        let mut data = json!({ "status": self.status.as_u16() });
        if !self.params.is_empty() {
            data["params"] = Value::Object(self.params.clone());
        }
        json!({ "code": self.code, "message": self.message, "data": data })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %format!("{e:#}"), "REST API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "rest_internal_error",
            "The site cannot answer right now; please try again in a moment.",
        )
    }
}

impl From<crate::error::AppError> for ApiError {
    fn from(e: crate::error::AppError) -> ApiError {
        tracing::error!(error = %e, "REST API request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "rest_internal_error",
            "The site cannot answer right now; please try again in a moment.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        (
            self.status,
            [
                (header::CONTENT_TYPE, "application/json; charset=UTF-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response()
    }
}
