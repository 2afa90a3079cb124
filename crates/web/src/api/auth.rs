//! API tokens.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use zerotrip_app::AppError;
use zerotrip_app::auth::SessionKind;

use super::extract::ApiJson;
use crate::error::{ApiError, ApiResult};
use crate::security::ClientAddress;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

/// Exchanges a username and password for a bearer token.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "认证",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "`{access_token, token_type, expires_at}`", body = Object),
        (status = 401, description = "用户名或密码错误", body = crate::error::ErrorBody),
        (status = 429, description = "尝试过于频繁或账号已锁定", body = crate::error::ErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<TokenRequest>,
) -> ApiResult<Json<Value>> {
    if !state.login_throttle.allow(address) {
        return Err(ApiError(AppError::TooManyRequests(
            "登录尝试过于频繁，请稍后再试".to_owned(),
        )));
    }
    let principal = state
        .app
        .authenticate(&request.username, &request.password)
        .await?;
    let session = state
        .app
        .open_session(&principal, SessionKind::Bearer)
        .await?;
    Ok(Json(json!({
        "access_token": session.token,
        "token_type": "Bearer",
        "expires_at": session.expires_at,
    })))
}
