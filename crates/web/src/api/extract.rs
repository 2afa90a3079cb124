//! Request parsing for the API that answers bad input with structured JSON errors.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use zerotrip_app::{AppError, FieldError};

use crate::error::ApiError;

/// The query string as name → value, parsed field by field by the handler so each bad field
/// gets its own error.
pub struct RawQuery(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for RawQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| ApiError(AppError::field("query", "查询字符串格式有误")))?;
        Ok(RawQuery(pairs.into_iter().collect()))
    }
}

impl RawQuery {
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// Parses an optional number, recording a field error when it is malformed.
    pub fn number<T: FromStr>(&self, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
        let text = self.text(name)?;
        match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                errors.push(FieldError::new(name, format!("“{text}”不是有效的非负整数")));
                None
            }
        }
    }
}

/// A JSON body whose deserialisation errors name the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError(AppError::field(
                "body",
                "请求体应为 JSON（Content-Type: application/json）",
            )));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError(AppError::field("body", "请求体无法读取或过大")))?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(deserializer)
            .map(ApiJson)
            .map_err(|error| {
                let path = error.path().to_string();
                let field = if path == "." { "body".to_owned() } else { path };
                let message = format!("JSON 内容有误：{}", error.inner());
                ApiError(AppError::invalid(
                    message.clone(),
                    vec![FieldError::new(field, message)],
                ))
            })
    }
}
