//! 12345 work orders over JSON: take a request, list and read orders, dispatch (with
//! suggestions), return and re-dispatch, merge duplicates, reply, assisting opinions, send a
//! reply back, close, call back; the per-type time limits.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use zerotrip_app::FieldError;
use zerotrip_app::hotline::{
    CallbackInput, DepartmentOption, DispatchInput, DispatchSuggestion, MergeInput, TimeLimitView,
    WorkOrderInput, WorkOrderListQuery, WorkOrderPage, WorkOrderView,
};

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// Takes a request: a signed-in person or company (来源 网站), or 12345 staff entering a call
/// (来源 电话, with the caller's name and number).
#[utoipa::path(post, path = "/api/v1/hotline/orders", tag = "12345 工单",
    request_body(content = Object, description = "`{\"kind\": \"consultation|help|complaint|suggestion|unresolved\", \"title\"?, \"content\", \"region\": \"区划代码\", \"item_code\"?, \"contact_phone\"?, \"requester_name\"?（热线登记来电时必填）, \"requester_id_number\"?, \"search_query\"?}`"),
    responses((status = 201, description = "已受理；返回工单（含编号、办理期限）", body = Object),
        (status = 400, description = "内容有误（逐项列出）", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 403, description = "不是 12345 热线的工作人员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(input): ApiJson<WorkOrderInput>,
) -> ApiResult<(StatusCode, Json<WorkOrderView>)> {
    let view = state.app.create_work_order(&principal, &input).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Orders the caller may see: requesters their own; staff what they have to do now
/// (`scope=todo`, default) or everything within their remit (`scope=all`).
#[utoipa::path(get, path = "/api/v1/hotline/orders", tag = "12345 工单",
    params(("scope" = Option<String>, Query, description = "todo | all"),
        ("status" = Option<String>, Query, description = "pending | dispatched | returned | replied | closed | completed | merged"),
        ("kind" = Option<String>, Query, description = "consultation | help | complaint | suggestion | unresolved | rectification"),
        ("q" = Option<String>, Query, description = "工单编号或标题"),
        ("overdue" = Option<bool>, Query, description = "只看已超期"),
        ("page" = Option<u32>, Query, description = "页码"), ("per_page" = Option<u32>, Query, description = "每页条数，最多 100")),
    responses((status = 200, description = "`{total, page, per_page, scope, orders}`", body = Object),
        (status = 400, description = "查询参数有误", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<WorkOrderPage>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let page = query.number::<u32>("page", &mut errors).unwrap_or(1);
    let per_page = query.number::<u32>("per_page", &mut errors).unwrap_or(20);
    let overdue = match query.text("overdue").as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            errors.push(FieldError::new("overdue", "应为 true 或 false"));
            false
        }
    };
    if !errors.is_empty() {
        return Err(ApiError(zerotrip_app::AppError::invalid(
            "查询参数有误",
            errors,
        )));
    }
    let list = WorkOrderListQuery {
        scope: query.text("scope"),
        status: query.text("status"),
        kind: query.text("kind"),
        text: query.text("q"),
        overdue,
        page,
        per_page,
    };
    Ok(Json(state.app.work_orders(&principal, &list).await?))
}

/// One order with its timeline (requesters see the steps meant for them).
#[utoipa::path(get, path = "/api/v1/hotline/orders/{id}", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    responses((status = 200, description = "工单、办理过程和当前可做的操作（actions）", body = Object),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn order(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(state.app.work_order(&principal, id).await?))
}

/// Suggested lead departments, with the reason (12345 staff).
#[utoipa::path(get, path = "/api/v1/hotline/orders/{id}/suggestions", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    responses((status = 200, description = "`[{department: {id, credit_code, name, region_code, region_name}, reason}]`", body = Object),
        (status = 403, description = "不是 12345 热线的工作人员", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn suggestions(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<DispatchSuggestion>>> {
    Ok(Json(
        state.app.work_order_suggestions(&principal, id).await?,
    ))
}

/// Departments the order can be dispatched to: those of its region and the regions above it.
#[utoipa::path(get, path = "/api/v1/hotline/orders/{id}/departments", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    responses((status = 200, description = "可派单的单位", body = Object),
        (status = 403, description = "不是 12345 热线的工作人员", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn departments(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<DepartmentOption>>> {
    Ok(Json(
        state.app.work_order_departments(&principal, id).await?,
    ))
}

/// 派单: a waiting order to a lead department (主办) and assisting ones (协办), by credit code.
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/dispatch", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body(content = Object, description = "`{\"department\": \"统一社会信用代码\", \"assist\"?: [\"…\"], \"note\"?}`"),
    responses((status = 200, description = "已派单；返回工单", body = Object),
        (status = 400, description = "单位不存在等", body = crate::error::ErrorBody),
        (status = 403, description = "无权派单", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能派单", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn dispatch(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DispatchInput>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .dispatch_work_order(&principal, id, &input)
            .await?,
    ))
}

/// 改派: a returned or misdirected order to another department; `note` (the reason) required.
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/redispatch", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body(content = Object, description = "`{\"department\", \"assist\"?, \"note\": \"改派原因\"}`"),
    responses((status = 200, description = "已改派；返回工单", body = Object),
        (status = 400, description = "缺少原因、单位不存在等", body = crate::error::ErrorBody),
        (status = 403, description = "无权改派", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能改派", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn redispatch(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DispatchInput>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .redispatch_work_order(&principal, id, &input)
            .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderReasonRequest {
    pub reason: String,
}

/// 退单: the lead department returns an order that is not theirs, with the reason.
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/return", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body = WorkOrderReasonRequest,
    responses((status = 200, description = "已退单；返回工单", body = Object),
        (status = 400, description = "缺少退单理由", body = crate::error::ErrorBody),
        (status = 403, description = "不是主办单位", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能退单", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn return_order(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<WorkOrderReasonRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .return_work_order(&principal, id, &input.reason)
            .await?,
    ))
}

/// 重复诉求并单: merges this order into the lead order `into` (its number).
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/merge", tag = "12345 工单",
    params(("id" = i64, Path, description = "要并入的工单 id")),
    request_body(content = Object, description = "`{\"into\": \"主工单编号\", \"note\"?}`"),
    responses((status = 200, description = "已并单；返回工单", body = Object),
        (status = 400, description = "主工单不存在或已办结", body = crate::error::ErrorBody),
        (status = 403, description = "无权并单", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能并单", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn merge(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MergeInput>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state.app.merge_work_order(&principal, id, &input).await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderReplyRequest {
    pub reply: String,
}

/// 答复: the lead department's answer (or the hotline's own, on a waiting order).
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/reply", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body = WorkOrderReplyRequest,
    responses((status = 200, description = "已答复；返回工单", body = Object),
        (status = 400, description = "缺少答复内容", body = crate::error::ErrorBody),
        (status = 403, description = "不是主办单位", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能答复", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reply(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<WorkOrderReplyRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .reply_work_order(&principal, id, &input.reply)
            .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderOpinionRequest {
    pub note: String,
}

/// 协办意见: an assisting department's contribution.
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/opinions", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body = WorkOrderOpinionRequest,
    responses((status = 201, description = "已记录；返回工单", body = Object),
        (status = 403, description = "不是协办单位", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能提出意见", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn opinion(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<WorkOrderOpinionRequest>,
) -> ApiResult<(StatusCode, Json<WorkOrderView>)> {
    let view = state
        .app
        .add_work_order_opinion(&principal, id, &input.note)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// 退回重办: the hotline sends an inadequate reply back to the lead department.
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/rework", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body = WorkOrderReasonRequest,
    responses((status = 200, description = "已退回重办；返回工单", body = Object),
        (status = 403, description = "无权退回", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "当前状态不能退回", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rework(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<WorkOrderReasonRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .rework_work_order(&principal, id, &input.reason)
            .await?,
    ))
}

#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderCloseRequest {
    #[serde(default)]
    pub note: Option<String>,
}

/// 办结: the hotline closes an answered order (merged ones with it); the callback is due the
/// next working day.
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/close", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body = WorkOrderCloseRequest,
    responses((status = 200, description = "已办结；返回工单", body = Object),
        (status = 403, description = "无权办结", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "尚未答复", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<WorkOrderCloseRequest>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .close_work_order(&principal, id, input.note.as_deref())
            .await?,
    ))
}

/// 回访: the requester's satisfaction, told to the hotline or given by the requester; 不满意
/// reopens the order (the hotline may send `"reopen": false`).
#[utoipa::path(post, path = "/api/v1/hotline/orders/{id}/callback", tag = "12345 工单",
    params(("id" = i64, Path, description = "工单 id")),
    request_body(content = Object, description = "`{\"satisfaction\": \"satisfied|basically_satisfied|dissatisfied\", \"note\"?, \"reopen\"?: true}`"),
    responses((status = 200, description = "已回访；返回工单（不满意时已重新办理）", body = Object),
        (status = 400, description = "满意度无效", body = crate::error::ErrorBody),
        (status = 403, description = "无权回访", body = crate::error::ErrorBody),
        (status = 404, description = "不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "尚未办结或已回访", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn callback(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CallbackInput>,
) -> ApiResult<Json<WorkOrderView>> {
    Ok(Json(
        state
            .app
            .record_work_order_callback(&principal, id, &input)
            .await?,
    ))
}

/// 办理时限 per type, in working days.
#[utoipa::path(get, path = "/api/v1/hotline/time-limits", tag = "12345 工单",
    responses((status = 200, description = "`[{kind, label, working_days, default_working_days}]`", body = Object)),
    security(("bearer" = [])))]
pub async fn time_limits(
    State(state): State<AppState>,
    ApiPrincipal(_principal): ApiPrincipal,
) -> ApiResult<Json<Vec<TimeLimitView>>> {
    Ok(Json(state.app.hotline_time_limits().await?))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderTimeLimitRequest {
    pub kind: String,
    pub working_days: u32,
}

/// Changes one type's time limit (province administrators; 1–60 working days).
#[utoipa::path(put, path = "/api/v1/hotline/time-limits", tag = "12345 工单",
    request_body = WorkOrderTimeLimitRequest,
    responses((status = 200, description = "全部类型的办理时限", body = Object),
        (status = 400, description = "类型或天数无效", body = crate::error::ErrorBody),
        (status = 403, description = "不是省级管理员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_time_limit(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(input): ApiJson<WorkOrderTimeLimitRequest>,
) -> ApiResult<Json<Vec<TimeLimitView>>> {
    Ok(Json(
        state
            .app
            .set_hotline_time_limit(&principal, &input.kind, input.working_days)
            .await?,
    ))
}

/// The routes of this module, merged into the API router.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/v1/hotline/orders", get(list).post(create))
        .route("/v1/hotline/orders/{id}", get(order))
        .route("/v1/hotline/orders/{id}/suggestions", get(suggestions))
        .route("/v1/hotline/orders/{id}/departments", get(departments))
        .route("/v1/hotline/orders/{id}/dispatch", post(dispatch))
        .route("/v1/hotline/orders/{id}/redispatch", post(redispatch))
        .route("/v1/hotline/orders/{id}/return", post(return_order))
        .route("/v1/hotline/orders/{id}/merge", post(merge))
        .route("/v1/hotline/orders/{id}/reply", post(reply))
        .route("/v1/hotline/orders/{id}/opinions", post(opinion))
        .route("/v1/hotline/orders/{id}/rework", post(rework))
        .route("/v1/hotline/orders/{id}/close", post(close))
        .route("/v1/hotline/orders/{id}/callback", post(callback))
        .route(
            "/v1/hotline/time-limits",
            get(time_limits).put(set_time_limit),
        )
}
