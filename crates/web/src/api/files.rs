//! Uploading files for the materials of `POST /api/v1/cases`. The body is the file itself; its
//! type is read from its content, never from `Content-Type` or a name.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zerotrip_app::AppError;
use zerotrip_app::files::MAX_FILE_BYTES;

use crate::error::{ApiError, FieldErrorBody, api_error_response};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// A stored file: give `key` as `materials[].file`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredFileBody {
    /// SM3 of the content, 64 hex digits.
    pub key: String,
    pub size_bytes: u64,
    /// As recognised from the content: `application/pdf`, `application/ofd`, `image/png`, `image/jpeg`.
    pub content_type: String,
}

/// An API error as a response (for handlers that answer other rejections too).
pub(super) fn reject(error: ApiError) -> Response {
    error.into_response()
}

fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.to_string().contains("length limit exceeded") {
            return true;
        }
        current = error.source();
    }
    false
}

fn too_large() -> Response {
    let message = format!("文件过大：最大 {} MB", MAX_FILE_BYTES / 1024 / 1024);
    api_error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        message.clone(),
        vec![FieldErrorBody {
            field: "file".to_owned(),
            message,
        }],
    )
}

/// Reads an upload up to the server's body limit (beyond it: 413); the app checks its own,
/// smaller limit and the type.
pub(super) async fn read_upload(state: &AppState, body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|error| {
            if is_length_limit(&error) {
                too_large()
            } else {
                reject(ApiError(AppError::field(
                    "file",
                    "上传中断，文件未能完整接收，请重试",
                )))
            }
        })
}

/// Stores a file (PDF, OFD, PNG or JPEG, at most 10 MB, recognised by content) for a later
/// `POST /api/v1/cases`. Only for signed-in accounts.
#[utoipa::path(
    post, path = "/api/v1/files", tag = "办件",
    request_body(content = String, content_type = "application/octet-stream", description = "文件内容；`Content-Type` 不作依据"),
    responses(
        (status = 201, description = "已存储（同一内容只存一份）", body = StoredFileBody),
        (status = 400, description = "文件为空、超过 10 MB 或类型不支持（字段 `file`）", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 413, description = "请求体超过服务器上限", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    ApiPrincipal(_principal): ApiPrincipal,
    body: Body,
) -> Result<(StatusCode, Json<StoredFileBody>), Response> {
    let bytes = read_upload(&state, body).await?;
    let stored = state
        .app
        .store_file(bytes)
        .await
        .map_err(|error| reject(ApiError(error)))?;
    Ok((
        StatusCode::CREATED,
        Json(StoredFileBody {
            key: stored.key,
            size_bytes: stored.size_bytes,
            content_type: stored.content_type,
        }),
    ))
}
