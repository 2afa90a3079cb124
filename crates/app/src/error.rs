//! Errors of the use cases. Each kind maps to one HTTP status and carries a message for people
//! (Simplified Chinese) and, for bad input, the fields at fault.

use serde::Serialize;
use zerotrip_store::StoreError;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl ToString) -> Self {
        FieldError {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that cannot be accepted as it is.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    #[error("{0}")]
    NotFound(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The action conflicts with the current state (e.g. nothing to publish).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    TooManyRequests(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("内部错误：{0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        AppError::Invalid {
            message: message.into(),
            fields,
        }
    }

    /// A single bad field.
    pub fn field(field: &str, message: impl ToString) -> Self {
        let message = message.to_string();
        AppError::Invalid {
            message: message.clone(),
            fields: vec![FieldError::new(field, message)],
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    pub fn internal(message: impl ToString) -> Self {
        AppError::Internal(message.to_string())
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid_input",
            AppError::NotFound(_) => "not_found",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Store(StoreError::NotFound) => "not_found",
            AppError::Store(StoreError::Conflict(_)) => "conflict",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Invalid { fields, .. } => fields,
            _ => &[],
        }
    }

    /// What to tell people; internal details stay in the logs.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Store(StoreError::NotFound) => "记录不存在".to_owned(),
            AppError::Store(StoreError::Conflict(_)) => "数据冲突，请刷新后重试".to_owned(),
            AppError::Store(_) | AppError::Internal(_) => "系统繁忙，请稍后重试".to_owned(),
            other => other.to_string(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
