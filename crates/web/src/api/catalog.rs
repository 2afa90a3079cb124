//! Public catalogue endpoints.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use zerotrip_app::catalog::{ItemDetail, ItemGuide, ItemPage, ItemQuery, ReductionReport};
use zerotrip_app::zero_trip::{PublicationInfo, ZeroTripList};
use zerotrip_app::{AppError, FieldError};

use super::extract::RawQuery;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Published items, filtered and paged.
#[utoipa::path(
    get, path = "/api/v1/items", tag = "事项",
    params(
        ("q" = Option<String>, Query, description = "名称或常用称呼中的文字"),
        ("theme" = Option<String>, Query, description = "主题，如 出生、开办企业"),
        ("department" = Option<String>, Query, description = "部门类别（如 公安机关）或部门统一社会信用代码"),
        ("region" = Option<String>, Query, description = "行政区划代码：在该地区有实施清单的事项"),
        ("item_type" = Option<String>, Query, description = "事项类型，如 行政许可"),
        ("page" = Option<u32>, Query, description = "页码，从 1 开始"),
        ("per_page" = Option<u32>, Query, description = "每页条数，1–100，默认 20"),
    ),
    responses(
        (status = 200, description = "`{total, page, per_page, items}`", body = Object),
        (status = 400, description = "参数有误", body = crate::error::ErrorBody),
    )
)]
pub async fn list_items(
    State(state): State<AppState>,
    query: RawQuery,
) -> ApiResult<Json<ItemPage>> {
    let mut errors = Vec::new();
    let item_query = ItemQuery {
        q: query.text("q"),
        theme: query.text("theme"),
        department: query.text("department"),
        region: query.text("region"),
        item_type: query.text("item_type"),
        page: query.number("page", &mut errors),
        per_page: query.number("per_page", &mut errors),
    };
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    }
    Ok(Json(state.app.list_items(&item_query).await?))
}

/// One published item with every element.
#[utoipa::path(
    get, path = "/api/v1/items/{code}", tag = "事项",
    params(("code" = String, Path, description = "事项编码，如 HN-XK-00001")),
    responses(
        (status = 200, description = "事项全部要素、版本、免提交材料、关联一件事", body = Object),
        (status = 400, description = "编码格式有误", body = crate::error::ErrorBody),
        (status = 404, description = "事项不存在", body = crate::error::ErrorBody),
    )
)]
pub async fn item(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemDetail>> {
    Ok(Json(state.app.item_detail(&code).await?))
}

/// The item guide (办事指南) in a region.
#[utoipa::path(
    get, path = "/api/v1/items/{code}/guide", tag = "事项",
    params(
        ("code" = String, Path, description = "事项编码"),
        ("region" = Option<String>, Query, description = "办理地行政区划代码"),
    ),
    responses((status = 200, description = "办事指南", body = Object), (status = 404, description = "事项不存在", body = crate::error::ErrorBody))
)]
pub async fn guide(
    State(state): State<AppState>,
    Path(code): Path<String>,
    query: RawQuery,
) -> ApiResult<Json<ItemGuide>> {
    Ok(Json(
        state
            .app
            .item_guide(&code, query.text("region").as_deref())
            .await?,
    ))
}

/// The published versions of an item, newest first, each with its readable diff.
#[utoipa::path(
    get, path = "/api/v1/items/{code}/versions", tag = "事项",
    params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "版本列表", body = Object), (status = 404, description = "事项不存在", body = crate::error::ErrorBody))
)]
pub async fn versions(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let versions = state.app.item_versions(&code).await?;
    Ok(Json(json!({"code": code, "versions": versions})))
}

/// One published version's content.
#[utoipa::path(
    get, path = "/api/v1/items/{code}/versions/{version}", tag = "事项",
    params(("code" = String, Path, description = "事项编码"), ("version" = i64, Path, description = "版本号")),
    responses((status = 200, description = "该版本内容", body = Object), (status = 404, description = "版本不存在", body = crate::error::ErrorBody))
)]
pub async fn version(
    State(state): State<AppState>,
    Path((code, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let version: i64 = version.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError(AppError::field(
            "version",
            format!("版本号“{version}”应为正整数"),
        ))
    })?;
    let (info, item) = state.app.item_version(&code, version).await?;
    Ok(Json(json!({"version": info, "item": item})))
}

/// The implementation list of an item: one entry per implementing department.
#[utoipa::path(
    get, path = "/api/v1/items/{code}/implementations", tag = "事项",
    params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "实施清单", body = Object), (status = 404, description = "事项不存在", body = crate::error::ErrorBody))
)]
pub async fn implementations(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let list = state.app.item_implementations(&code).await?;
    Ok(Json(
        json!({"code": code, "total": list.len(), "implementations": list}),
    ))
}

/// 一件事一次办 bundles.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "事项", responses((status = 200, description = "一件事列表", body = Object)))]
pub async fn bundles(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let bundles = state.app.bundles().await?;
    Ok(Json(json!({"total": bundles.len(), "bundles": bundles})))
}

/// The province's 四减两免 figures and each item's before/after record.
#[utoipa::path(get, path = "/api/v1/reductions", tag = "四减两免", responses((status = 200, description = "汇总与逐项对比", body = Object)))]
pub async fn reductions(State(state): State<AppState>) -> ApiResult<Json<ReductionReport>> {
    Ok(Json(state.app.reductions().await?))
}

/// The published 零跑动 list of a region (and everything below it).
#[utoipa::path(
    get, path = "/api/v1/zero-trip", tag = "零跑动",
    params(
        ("region" = Option<String>, Query, description = "行政区划代码；省略时为全省"),
        ("department" = Option<String>, Query, description = "部门名称"),
        ("publication" = Option<i64>, Query, description = "清单期号；省略时为最新一期"),
    ),
    responses(
        (status = 200, description = "`{region, publication, total, entries, by_department}`", body = Object),
        (status = 400, description = "参数有误", body = crate::error::ErrorBody),
        (status = 404, description = "区划不存在或清单尚未发布", body = crate::error::ErrorBody),
    )
)]
pub async fn zero_trip(
    State(state): State<AppState>,
    query: RawQuery,
) -> ApiResult<Json<ZeroTripList>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let publication = query.number("publication", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    }
    let list = state
        .app
        .zero_trip_list(
            query.text("region").as_deref(),
            query.text("department").as_deref(),
            publication,
        )
        .await?;
    Ok(Json(list))
}

/// Every publication of the 零跑动 list, newest first.
#[utoipa::path(get, path = "/api/v1/zero-trip/publications", tag = "零跑动", responses((status = 200, description = "发布历史", body = Object)))]
pub async fn zero_trip_publications(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let history: Vec<PublicationInfo> = state.app.zero_trip_history().await?;
    Ok(Json(
        json!({"total": history.len(), "publications": history}),
    ))
}
