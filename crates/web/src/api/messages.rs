//! Notifications over JSON: the signed-in account's in-site messages (list with the unread
//! count, mark one or all read — only the owner ever sees a message), and the endpoint where an
//! SMS gateway pushes delivery reports (回执), authenticated by an HMAC-SM3 signature.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use zerotrip_app::notify::{Inbox, InboxMessage};
use zerotrip_app::payments::SIGNATURE_HEADER;
use zerotrip_app::payments::signing::verify_fields;
use zerotrip_app::{AppError, FieldError};

use super::extract::RawQuery;
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/v1/messages", get(list))
        .route("/v1/messages/read-all", post(read_all))
        .route("/v1/messages/{id}/read", post(read))
        .route("/v1/sms/delivery-reports", post(delivery_report))
}

/// The signed-in account's messages, newest first, and how many are unread.
#[utoipa::path(get, path = "/api/v1/messages", tag = "站内消息",
    params(("unread" = Option<bool>, Query, description = "只列未读消息"),
        ("limit" = Option<i64>, Query, description = "条数，1–200，默认 50"),
        ("offset" = Option<i64>, Query, description = "跳过的条数，默认 0")),
    responses((status = 200, description = "`{messages: [{id, title, body, case_id, created_at, read_at}], unread}`", body = Object),
        (status = 400, description = "查询参数有误", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<Inbox>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let unread = match query.text("unread").as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            errors.push(FieldError::new("unread", "应为 true 或 false"));
            false
        }
    };
    let limit = query.number::<i64>("limit", &mut errors).unwrap_or(50);
    let offset = query.number::<i64>("offset", &mut errors).unwrap_or(0);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "条数应在 1–200 之间"));
    }
    if offset < 0 {
        errors.push(FieldError::new("offset", "不能为负数"));
    }
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    }
    Ok(Json(
        state
            .app
            .message_inbox_page(&principal, unread, limit, offset)
            .await?,
    ))
}

/// Marks one of the caller's messages read (the first time is kept); another account's message
/// is "not found".
#[utoipa::path(post, path = "/api/v1/messages/{id}/read", tag = "站内消息",
    params(("id" = i64, Path, description = "消息 id")),
    responses((status = 200, description = "已读的消息", body = Object),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "消息不存在", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<InboxMessage>> {
    Ok(Json(state.app.mark_read(&principal, id).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadAll {
    /// How many were unread.
    pub marked: u64,
    pub unread: i64,
}

/// Marks all of the caller's messages read.
#[utoipa::path(post, path = "/api/v1/messages/read-all", tag = "站内消息",
    responses((status = 200, description = "`marked`：原未读条数", body = ReadAll),
        (status = 401, description = "未登录", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn read_all(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<ReadAll>> {
    let marked = state.app.mark_all_read(&principal).await?;
    Ok(Json(ReadAll { marked, unread: 0 }))
}

/// How far a delivery report's timestamp may be from the platform clock.
const REPORT_MAX_AGE_SECONDS: i64 = 300;
const MAX_REPORT_BYTES: usize = 4 * 1024;

/// The fields of a report body: a JSON object of strings and integers, or a form.
fn report_fields(headers: &HeaderMap, body: &[u8]) -> Result<BTreeMap<String, String>, AppError> {
    let malformed = |detail: &str| AppError::field("body", format!("短信回执格式错误：{detail}"));
    if body.len() > MAX_REPORT_BYTES {
        return Err(malformed("内容过长"));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut fields = BTreeMap::new();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| malformed("表单无法解析"))?;
        for (key, value) in pairs {
            if fields.insert(key.clone(), value).is_some() {
                return Err(malformed(&format!("字段 {key} 重复")));
            }
        }
    } else {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| malformed("不是 JSON 对象"))?;
        let serde_json::Value::Object(object) = value else {
            return Err(malformed("不是 JSON 对象"));
        };
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                _ => return Err(malformed(&format!("字段 {key} 应为字符串或整数"))),
            };
            fields.insert(key, text);
        }
    }
    Ok(fields)
}

fn required<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, AppError> {
    fields
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AppError::field(name, format!("短信回执缺少字段 {name}")))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportAck {
    /// Always `SUCCESS`.
    pub code: &'static str,
    pub message: &'static str,
}

/// A delivery report pushed by the SMS gateway: fields `provider`, `message_id` (the gateway's
/// id of the message), `status` (`delivered` or `failed`), `report` (e.g. `DELIVRD`, `空号`) and
/// `timestamp` (Unix seconds, at most five minutes off), as JSON or a form, signed with HMAC-SM3
/// under the installation secret `sms` over the fields sorted by name in the
/// `X-Zerotrip-Signature` header. The first report of a message counts; a repeat changes
/// nothing and is acknowledged.
#[utoipa::path(post, path = "/api/v1/sms/delivery-reports", tag = "站内消息",
    params(("X-Zerotrip-Signature" = String, Header, description = "HMAC-SM3 签名（64 位十六进制）")),
    request_body(content = Object, description = "`{\"provider\", \"message_id\", \"status\": \"delivered|failed\", \"report\", \"timestamp\"}`（JSON 或表单）"),
    responses((status = 200, description = "已记录", body = ReportAck),
        (status = 400, description = "格式错误或时间戳过期", body = crate::error::ErrorBody),
        (status = 401, description = "缺少签名或签名无效", body = crate::error::ErrorBody),
        (status = 404, description = "未知的短信", body = crate::error::ErrorBody)))]
pub async fn delivery_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ReportAck>)> {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated(format!("短信回执缺少签名（{SIGNATURE_HEADER}）"))
        })?
        .to_owned();
    let fields = report_fields(&headers, &body)?;
    let key = state.app.installation_secret("sms").await?;
    if !verify_fields(&key, &fields, &signature) {
        metrics::counter!("zerotrip_sms_reports_rejected_total", "reason" => "bad_signature")
            .increment(1);
        return Err(AppError::Unauthenticated("短信回执签名无效".to_owned()).into());
    }
    let timestamp = required(&fields, "timestamp")?
        .parse::<i64>()
        .map_err(|_| AppError::field("timestamp", "字段 timestamp 应为 Unix 秒数"))?;
    if (state.app.clock.now().timestamp() - timestamp).abs() > REPORT_MAX_AGE_SECONDS {
        metrics::counter!("zerotrip_sms_reports_rejected_total", "reason" => "stale").increment(1);
        return Err(AppError::field(
            "timestamp",
            "短信回执已过期：时间戳与平台时间相差超过 5 分钟",
        )
        .into());
    }
    let delivered = match required(&fields, "status")? {
        "delivered" => true,
        "failed" => false,
        other => {
            return Err(AppError::field("status", format!("未知的回执状态“{other}”")).into());
        }
    };
    let report = fields
        .get("report")
        .map(|r| r.trim().chars().take(200).collect::<String>())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| if delivered { "DELIVRD" } else { "UNDELIV" }.to_owned());
    state
        .app
        .record_sms_delivery_report(
            required(&fields, "provider")?,
            required(&fields, "message_id")?,
            delivered,
            &report,
        )
        .await?;
    Ok((
        StatusCode::OK,
        Json(ReportAck {
            code: "SUCCESS",
            message: "成功",
        }),
    ))
}
