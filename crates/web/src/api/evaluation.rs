//! 好差评 over JSON: the applicant's rating of a case, the department's rectification tasks
//! (callbacks and closing), the statistics and the rectification deadline setting.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use zerotrip_app::FieldError;
use zerotrip_app::evaluation::{
    CallbackInput, CaseEvaluation, CloseInput, EvaluationInput, EvaluationStats, EvaluationView,
    RectificationListQuery, RectificationPage, RectificationView, StatsGrouping,
};

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// Rates a case once it has ended (the applicant or their agent, once per case). 不满意 and
/// 非常不满意 open a rectification task for the handling department.
#[utoipa::path(post, path = "/api/v1/cases/{id}/evaluation", tag = "好差评",
    params(("id" = i64, Path, description = "办件 id")),
    request_body(content = Object, description = "`{\"level\": 1–5 或 非常满意/满意/基本满意/不满意/非常不满意, \"comment\": \"≤500 字\", \"channel\": \"pc|mobile|qr_code|hall_tablet|hall_terminal|phone|sms 或中文名（可省略）\"}`"),
    responses((status = 201, description = "评价已记录（差评附整改任务）", body = Object),
        (status = 400, description = "满意度、评价内容或渠道有误", body = crate::error::ErrorBody),
        (status = 403, description = "不是申请人本人或其代理人", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "尚未办结或已评价", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rate(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EvaluationInput>,
) -> ApiResult<(StatusCode, Json<EvaluationView>)> {
    let view = state.app.rate_case(&principal, id, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Whether the case can be rated, and its rating.
#[utoipa::path(get, path = "/api/v1/cases/{id}/evaluation", tag = "好差评",
    params(("id" = i64, Path, description = "办件 id")),
    responses((status = 200, description = "`{viewer_may_rate, open_for_rating, reason, default_channel, evaluation}`", body = Object),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn case_evaluation(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseEvaluation>> {
    Ok(Json(state.app.case_evaluation(&principal, id).await?))
}

/// Province-wide figures by department, item or channel (staff).
#[utoipa::path(get, path = "/api/v1/evaluations/stats", tag = "好差评",
    params(("by" = String, Query, description = "department | item | channel（默认 department）"),
        ("region" = Option<String>, Query, description = "只统计该区划及下级办理的办件")),
    responses((status = 200, description = "各级评价数、满意率、差评数、整改按时办结率", body = Object),
        (status = 400, description = "统计维度或区划有误", body = crate::error::ErrorBody),
        (status = 403, description = "不是工作人员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn stats(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<EvaluationStats>> {
    let by = match query.text("by") {
        Some(text) => StatsGrouping::parse(&text)?,
        None => StatsGrouping::Department,
    };
    let region = query.text("region");
    Ok(Json(
        state
            .app
            .evaluation_stats(&principal, by, region.as_deref())
            .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSettings {
    /// Working days a department has to handle a bad rating (1–30).
    pub rectification_working_days: u32,
}

/// The rectification deadline in working days.
#[utoipa::path(get, path = "/api/v1/evaluations/settings", tag = "好差评",
    responses((status = 200, description = "整改时限", body = EvaluationSettings)),
    security(("bearer" = [])))]
pub async fn settings(
    State(state): State<AppState>,
    ApiPrincipal(_principal): ApiPrincipal,
) -> ApiResult<Json<EvaluationSettings>> {
    Ok(Json(EvaluationSettings {
        rectification_working_days: state.app.rectification_working_days().await?,
    }))
}

/// Sets the rectification deadline (province administrators); open tasks keep theirs.
#[utoipa::path(put, path = "/api/v1/evaluations/settings", tag = "好差评",
    request_body = EvaluationSettings,
    responses((status = 200, description = "已保存", body = EvaluationSettings),
        (status = 400, description = "超出 1–30 个工作日", body = crate::error::ErrorBody),
        (status = 403, description = "需要省级管理员权限", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_settings(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(input): ApiJson<EvaluationSettings>,
) -> ApiResult<Json<EvaluationSettings>> {
    let days = state
        .app
        .set_rectification_working_days(&principal, input.rectification_working_days)
        .await?;
    Ok(Json(EvaluationSettings {
        rectification_working_days: days,
    }))
}

/// The rectification tasks the caller may see: their department's; their region's (region
/// administrators); all (province administrators, auditors). Open ones first by deadline.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "好差评",
    params(("status" = Option<String>, Query, description = "open | closed | overdue | all"),
        ("page" = Option<u32>, Query, description = "页码"), ("per_page" = Option<u32>, Query, description = "每页条数，最多 100")),
    responses((status = 200, description = "`{total, page, per_page, tasks}`", body = Object),
        (status = 403, description = "没有可查看的整改任务", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rectifications(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<RectificationPage>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let page = query.number::<u32>("page", &mut errors).unwrap_or(1);
    let per_page = query.number::<u32>("per_page", &mut errors).unwrap_or(20);
    if !errors.is_empty() {
        return Err(ApiError(zerotrip_app::AppError::invalid(
            "查询参数有误",
            errors,
        )));
    }
    let list = RectificationListQuery {
        status: query.text("status"),
        page,
        per_page,
    };
    Ok(Json(state.app.rectifications(&principal, &list).await?))
}

/// One task with its callbacks.
#[utoipa::path(get, path = "/api/v1/rectifications/{id}", tag = "好差评",
    params(("id" = i64, Path, description = "整改任务 id")),
    responses((status = 200, description = "整改任务", body = Object),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rectification(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<RectificationView>> {
    Ok(Json(state.app.rectification(&principal, id).await?))
}

/// Records a callback (回访) to the applicant (staff of the handling department).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/callbacks", tag = "好差评",
    params(("id" = i64, Path, description = "整改任务 id")),
    request_body(content = Object, description = "`{\"called_on\": \"YYYY-MM-DD（默认今天）\", \"method\": \"phone|sms|visit|video|other 或 电话/短信/上门/视频/其他\", \"caller\"?, \"feedback\": \"申请人的意见\", \"satisfaction\"?: 1–5}`"),
    responses((status = 201, description = "回访已记录；返回整改任务", body = Object),
        (status = 400, description = "内容有误", body = crate::error::ErrorBody),
        (status = 403, description = "只读（不是办理部门）", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_callback(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CallbackInput>,
) -> ApiResult<(StatusCode, Json<RectificationView>)> {
    let view = state.app.record_callback(&principal, id, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Closes a task with its outcome (staff of the handling department; a real-name rating must
/// have been called back first).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/close", tag = "好差评",
    params(("id" = i64, Path, description = "整改任务 id")),
    request_body(content = Object, description = "`{\"outcome\": \"immediate|deadline|explanation|appeal 或 立行立改/限期整改/解释说明/申诉复核(误评)\", \"note\": \"处理情况\", \"promised_by\": \"YYYY-MM-DD（限期整改必填）\"}`"),
    responses((status = 200, description = "已办结；返回整改任务", body = Object),
        (status = 400, description = "内容有误", body = crate::error::ErrorBody),
        (status = 403, description = "只读（不是办理部门）", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已办结，或实名差评尚未回访", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn close_rectification(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CloseInput>,
) -> ApiResult<Json<RectificationView>> {
    Ok(Json(
        state
            .app
            .close_rectification(&principal, id, &input)
            .await?,
    ))
}
