//! Turning use-case errors into responses: structured JSON on the API, a Chinese page on pages.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zerotrip_app::{AppError, FieldError};

use crate::pages::error_page;

/// An error answered as `{"error": {"code", "message", "fields"}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_input`, `not_found`.
    pub code: String,
    /// What went wrong, in Chinese.
    pub message: String,
    pub fields: Vec<FieldErrorBody>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl From<&FieldError> for FieldErrorBody {
    fn from(error: &FieldError) -> Self {
        FieldErrorBody {
            field: error.field.clone(),
            message: error.message.clone(),
        }
    }
}

pub fn status_of(error: &AppError) -> StatusCode {
    match error.code() {
        "invalid_input" => StatusCode::BAD_REQUEST,
        "not_found" => StatusCode::NOT_FOUND,
        "unauthenticated" => StatusCode::UNAUTHORIZED,
        "forbidden" => StatusCode::FORBIDDEN,
        "conflict" => StatusCode::CONFLICT,
        "too_many_requests" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log_if_internal(error: &AppError) {
    if status_of(error).is_server_error() {
        tracing::error!(error = %zerotrip_core::privacy::mask_personal_data(&error.to_string()), "request failed");
    }
}

/// The JSON body of an error.
pub fn api_error_response(
    status: StatusCode,
    code: &str,
    message: String,
    fields: Vec<FieldErrorBody>,
) -> Response {
    (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                fields,
            },
        }),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_if_internal(&self.0);
        let fields = self.0.fields().iter().map(FieldErrorBody::from).collect();
        api_error_response(
            status_of(&self.0),
            self.0.code(),
            self.0.public_message(),
            fields,
        )
    }
}

/// An error answered as a Chinese HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log_if_internal(&self.0);
        let status = status_of(&self.0);
        let details = self.0.fields().iter().map(|f| f.message.clone()).collect();
        error_page(status, self.0.public_message(), details)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T> = Result<T, PageError>;
