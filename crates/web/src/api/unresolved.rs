//! The 未办成事 desk over JSON: record, list, read, follow up, reassign and close.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use zerotrip_app::FieldError;
use zerotrip_app::unresolved::{
    AssignInput, OwnerOption, UnresolvedInput, UnresolvedListQuery, UnresolvedPage, UnresolvedView,
};

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// Records a request that could not be done (window clerks) and gives it to a follow-up owner.
#[utoipa::path(post, path = "/api/v1/unresolved", tag = "未办成事",
    request_body(content = Object, description = "`{\"person_name\", \"person_phone\", \"item_code\"?, \"request\", \"reasons\": [\"policy_gap|materials_incomplete|not_eligible|system_failure|cross_department|historical|other\"], \"reason_note\"?, \"owner\": \"责任人用户名\", \"working_days\"?: 1–30（默认 5）}`"),
    responses((status = 201, description = "已登记", body = Object),
        (status = 400, description = "内容有误（逐项列出）", body = crate::error::ErrorBody),
        (status = 403, description = "不是窗口受理人员或区域管理员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn record(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(input): ApiJson<UnresolvedInput>,
) -> ApiResult<(StatusCode, Json<UnresolvedView>)> {
    let view = state.app.record_unresolved(&principal, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Requests the caller may see, open ones first by deadline, with overdue marks.
#[utoipa::path(get, path = "/api/v1/unresolved", tag = "未办成事",
    params(("scope" = Option<String>, Query, description = "mine | region"),
        ("status" = Option<String>, Query, description = "open | closed | overdue | all"),
        ("page" = Option<u32>, Query, description = "页码"), ("per_page" = Option<u32>, Query, description = "每页条数，最多 100")),
    responses((status = 200, description = "`{total, page, per_page, scope, requests}`", body = Object),
        (status = 403, description = "无权查看该范围", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<UnresolvedPage>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let page = query.number::<u32>("page", &mut errors).unwrap_or(1);
    let per_page = query.number::<u32>("per_page", &mut errors).unwrap_or(20);
    if !errors.is_empty() {
        return Err(ApiError(zerotrip_app::AppError::invalid(
            "查询参数有误",
            errors,
        )));
    }
    let list = UnresolvedListQuery {
        scope: query.text("scope"),
        status: query.text("status"),
        page,
        per_page,
    };
    Ok(Json(
        state.app.unresolved_requests(&principal, &list).await?,
    ))
}

/// Staff accounts of the caller's region a request can be given to.
#[utoipa::path(get, path = "/api/v1/unresolved/owners", tag = "未办成事",
    responses((status = 200, description = "可指定的跟进责任人", body = Object),
        (status = 403, description = "不是窗口受理人员或区域管理员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn owners(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<Vec<OwnerOption>>> {
    Ok(Json(state.app.unresolved_owners(&principal).await?))
}

/// One request with its trail.
#[utoipa::path(get, path = "/api/v1/unresolved/{id}", tag = "未办成事",
    params(("id" = i64, Path, description = "记录 id")),
    responses((status = 200, description = "记录及跟进情况", body = Object),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn request(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnresolvedView>> {
    Ok(Json(state.app.unresolved_request(&principal, id).await?))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    pub note: String,
}

/// Adds a progress note (the owner, the recording clerk, the comprehensive window).
#[utoipa::path(post, path = "/api/v1/unresolved/{id}/updates", tag = "未办成事",
    params(("id" = i64, Path, description = "记录 id")),
    request_body = NoteInput,
    responses((status = 201, description = "已记录；返回记录", body = Object),
        (status = 403, description = "无权跟进", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已办结", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn note(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NoteInput>,
) -> ApiResult<(StatusCode, Json<UnresolvedView>)> {
    let view = state
        .app
        .note_unresolved(&principal, id, &input.note)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Gives a request to another owner; the deadline is counted again from today.
#[utoipa::path(post, path = "/api/v1/unresolved/{id}/assign", tag = "未办成事",
    params(("id" = i64, Path, description = "记录 id")),
    request_body(content = Object, description = "`{\"owner\": \"用户名\", \"working_days\"?: 1–30, \"note\"?}`"),
    responses((status = 200, description = "已转交；返回记录", body = Object),
        (status = 400, description = "责任人不是本区域工作人员等", body = crate::error::ErrorBody),
        (status = 403, description = "无权转交", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已办结", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AssignInput>,
) -> ApiResult<Json<UnresolvedView>> {
    Ok(Json(
        state.app.assign_unresolved(&principal, id, &input).await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub resolution: String,
}

/// Closes a request with its resolution (the owner).
#[utoipa::path(post, path = "/api/v1/unresolved/{id}/close", tag = "未办成事",
    params(("id" = i64, Path, description = "记录 id")),
    request_body = CloseRequest,
    responses((status = 200, description = "已办结；返回记录", body = Object),
        (status = 403, description = "不是跟进责任人", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已办结", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CloseRequest>,
) -> ApiResult<Json<UnresolvedView>> {
    Ok(Json(
        state
            .app
            .close_unresolved(&principal, id, &input.resolution)
            .await?,
    ))
}
