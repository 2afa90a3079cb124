//! Staff endpoints: editing and publishing the catalogue, implementation lists, the check,
//! imports, the 零跑动 publication and the audit trail. Every handler requires a principal and
//! the use case checks its role and scope.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zerotrip_app::AppError;
use zerotrip_app::catalog::{
    CatalogFormat, CheckReport, DraftSaved, EditableItem, ImplementationUpdate, ImportOptions,
    ImportReport, Published,
};
use zerotrip_app::zero_trip::PublicationOutcome;
use zerotrip_core::catalog::ServiceItem;
use zerotrip_store::audit::AuditFilter;

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// An item as an editor sees it: published version, draft, pending changes, findings.
#[utoipa::path(get, path = "/api/v1/admin/items/{code}", tag = "管理", params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "可编辑的事项", body = Object), (status = 401, description = "未登录", body = crate::error::ErrorBody), (status = 403, description = "无权限", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn editable_item(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
) -> ApiResult<Json<EditableItem>> {
    Ok(Json(state.app.editable_item(&principal, &code).await?))
}

/// Saves the draft of an item (the body is the item in the exchange format).
#[utoipa::path(put, path = "/api/v1/admin/items/{code}/draft", tag = "管理", params(("code" = String, Path, description = "事项编码")),
    request_body(content = Object, description = "事项（交换格式）"),
    responses((status = 200, description = "草稿已保存，附待发布变更和质量问题", body = Object), (status = 400, description = "内容有误", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_draft(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(item): ApiJson<ServiceItem>,
) -> ApiResult<Json<DraftSaved>> {
    if item.code.as_str() != code {
        return Err(ApiError(AppError::field(
            "code",
            format!("请求体中的事项编码 {} 与地址中的 {code} 不一致", item.code),
        )));
    }
    Ok(Json(state.app.save_item_draft(&principal, item).await?))
}

/// Discards the draft of an item.
#[utoipa::path(delete, path = "/api/v1/admin/items/{code}/draft", tag = "管理", params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "草稿已删除", body = Object), (status = 409, description = "没有草稿", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn discard_draft(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    state.app.discard_item_draft(&principal, &code).await?;
    Ok(Json(json!({"code": code, "discarded": true})))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NoteRequest {
    #[serde(default)]
    pub note: String,
}

/// Publishes the draft as the item's next immutable version.
#[utoipa::path(post, path = "/api/v1/admin/items/{code}/publish", tag = "管理", params(("code" = String, Path, description = "事项编码")),
    request_body = NoteRequest,
    responses((status = 200, description = "`{code, version, changes}`", body = Object), (status = 400, description = "不符合要素质量规则", body = crate::error::ErrorBody), (status = 409, description = "没有草稿或无变化", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> ApiResult<Json<Published>> {
    Ok(Json(
        state
            .app
            .publish_item(&principal, &code, &request.note)
            .await?,
    ))
}

/// Replaces one implementation's local facts and restated elements; answers with its findings.
#[utoipa::path(put, path = "/api/v1/admin/implementations/{code}", tag = "管理", params(("code" = String, Path, description = "31 位实施编码")),
    request_body(content = Object, description = "`{local: {address, consult_phone, complaint_phone, hours, window}, overrides: {…}}`"),
    responses((status = 200, description = "`{code, findings}`", body = Object), (status = 403, description = "不在本区域或本部门", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_implementation(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(update): ApiJson<ImplementationUpdate>,
) -> ApiResult<Json<Value>> {
    let findings = state
        .app
        .update_implementation(&principal, &code, update)
        .await?;
    Ok(Json(json!({"code": code, "findings": findings})))
}

/// The 无差别受理 check of the whole catalogue.
#[utoipa::path(get, path = "/api/v1/admin/catalog/check", tag = "管理",
    responses((status = 200, description = "偏离与质量问题，含分地区统计", body = Object)),
    security(("bearer" = [])))]
pub async fn check(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<CheckReport>> {
    Ok(Json(state.app.check_catalog_for(&principal).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ImportRequest {
    /// `json` or `csv`.
    pub format: String,
    /// The file's content.
    pub content: String,
    #[serde(default)]
    pub publish: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize)]
struct ImportAnswer {
    #[serde(flatten)]
    report: ImportReport,
}

/// Imports a catalogue file in one transaction (nothing is written when any row is bad).
#[utoipa::path(post, path = "/api/v1/admin/catalog/import", tag = "管理", request_body = ImportRequest,
    responses((status = 200, description = "`{items, created, updated, unchanged, published}`", body = Object), (status = 400, description = "文件有误（逐行列出），未写入任何数据", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<ImportRequest>,
) -> ApiResult<Json<Value>> {
    let format = match request.format.as_str() {
        "json" => CatalogFormat::Json,
        "csv" => CatalogFormat::Csv,
        other => {
            return Err(ApiError(AppError::field(
                "format",
                format!("格式“{other}”不支持，应为 json 或 csv"),
            )));
        }
    };
    let options = ImportOptions {
        format,
        publish: request.publish,
        note: request.note,
    };
    let report = state
        .app
        .import_catalog_by(&principal, &request.content, &options)
        .await?;
    Ok(Json(
        serde_json::to_value(ImportAnswer { report })
            .map_err(|e| ApiError(AppError::internal(e)))?,
    ))
}

/// Publishes the current 零跑动 list as a new period.
#[utoipa::path(post, path = "/api/v1/admin/zero-trip/publish", tag = "管理", request_body = NoteRequest,
    responses((status = 200, description = "`{publication, changes}`", body = Object), (status = 409, description = "与上期相同", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish_zero_trip(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<NoteRequest>,
) -> ApiResult<Json<PublicationOutcome>> {
    Ok(Json(
        state
            .app
            .publish_zero_trip(&principal, &request.note)
            .await?,
    ))
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "管理",
    params(("actor" = Option<String>, Query, description = "操作人"), ("action" = Option<String>, Query, description = "操作前缀，如 catalog."), ("target" = Option<String>, Query, description = "对象，如 item:HN-XK-00001"), ("page" = Option<u32>, Query, description = "页码")),
    responses((status = 200, description = "审计记录", body = Object), (status = 403, description = "需要审计或省级管理员权限", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let page: u32 = query.number("page", &mut errors).unwrap_or(1).max(1);
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    }
    let filter = AuditFilter {
        actor: query.text("actor"),
        action_prefix: query.text("action"),
        target: query.text("target"),
    };
    let per_page = 50;
    let rows = state
        .app
        .audit_records(
            &principal,
            &filter,
            per_page,
            i64::from(page - 1) * per_page,
        )
        .await?;
    let records: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            json!({
                "seq": row.seq, "at": row.at, "actor": row.actor, "action": row.action, "target": row.target,
                "before": row.before.and_then(|t| serde_json::from_str::<Value>(&t).ok()),
                "after": row.after.and_then(|t| serde_json::from_str::<Value>(&t).ok()),
                "hash": row.hash,
            })
        })
        .collect();
    Ok(Json(json!({"page": page, "records": records})))
}
