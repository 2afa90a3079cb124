//! Search: results, as-you-type suggestions, and for administrators the failed queries and the
//! synonym list.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zerotrip_app::AppError;
use zerotrip_app::search::{
    FailedSearches, SearchChannel, SearchRequest, SynonymChange, SynonymInput, SynonymOverview,
};

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// The consultation log entry of a search, for clients that open a 12345 work order after it.
pub const LOG_ID_HEADER: &str = "x-search-log-id";

/// One result, exactly as the contract has it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResultBody {
    /// item | bundle | faq | article
    pub kind: String,
    pub code: String,
    pub name: String,
    /// HTML: matches in `<mark>`, everything else escaped.
    pub snippet: String,
    pub score: f32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchBody {
    pub results: Vec<SearchResultBody>,
    pub took_ms: f64,
    /// "您是不是要找…": the query with a typo fixed or pinyin turned into words, or the closest name.
    pub did_you_mean: Option<String>,
    /// Nothing matched well: offer suggestions and the 12345 hotline.
    pub weak: bool,
}

/// Searches service items, 一件事 bundles, FAQs and knowledge articles.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "搜索",
    params(
        ("q" = String, Query, description = "要找的事，怎么说都行，如 身份证过期了怎么办、开个小饭馆、shebaoka"),
        ("limit" = Option<u32>, Query, description = "结果条数，1–50，默认 10"),
        ("region" = Option<String>, Query, description = "行政区划代码：只返回为该地区实施的事项"),
    ),
    responses(
        (status = 200, description = "`{results: [{kind, code, name, snippet, score}], took_ms, did_you_mean, weak}`；响应头 `X-Search-Log-Id` 为本次搜索记录编号", body = SearchBody),
        (status = 400, description = "参数有误", body = crate::error::ErrorBody),
    )
)]
pub async fn search(State(state): State<AppState>, query: RawQuery) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let limit: Option<usize> = query.number("limit", &mut errors);
    let request = SearchRequest {
        q: query.text("q").unwrap_or_default(),
        limit,
        region: query.text("region"),
        channel: SearchChannel::Api,
    };
    if !errors.is_empty() {
        errors.extend(state.app.search_request_errors(&SearchRequest {
            limit: None,
            ..request
        }));
        return Err(ApiError(AppError::invalid("搜索参数有误", errors)));
    }
    let outcome = state.app.search(&request).await?;
    let body = SearchBody {
        results: outcome
            .results
            .into_iter()
            .map(|r| SearchResultBody {
                kind: r.kind.as_str().to_owned(),
                code: r.code,
                name: r.name,
                snippet: r.snippet,
                score: r.score,
            })
            .collect(),
        took_ms: outcome.took_ms,
        did_you_mean: outcome.did_you_mean,
        weak: outcome.weak,
    };
    let mut response = Json(body).into_response();
    if let Some(id) = outcome.log_id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        response.headers_mut().insert(LOG_ID_HEADER, value);
    }
    Ok(response)
}

/// As-you-type suggestions (names and aliases; pinyin and initials work too).
#[utoipa::path(
    get, path = "/api/v1/search/suggest", tag = "搜索",
    params(
        ("q" = String, Query, description = "已输入的文字，如 社保、gongji、sbk"),
        ("limit" = Option<u32>, Query, description = "条数，1–20，默认 8"),
    ),
    responses((status = 200, description = "`{suggestions: [名称…]}`", body = Object), (status = 400, description = "参数有误", body = crate::error::ErrorBody))
)]
pub async fn suggest(State(state): State<AppState>, query: RawQuery) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let limit: Option<usize> = query.number("limit", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("参数有误", errors)));
    }
    let q = query.text("q").unwrap_or_default();
    let suggestions = state.app.search_suggestions(&q, limit).await?;
    Ok(Json(json!({"suggestions": suggestions})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ClickRequest {
    /// The search's log entry (`X-Search-Log-Id` of the search response).
    pub log_id: i64,
    /// item | bundle | faq | article
    pub kind: String,
    pub code: String,
    /// 1-based position in the results.
    #[serde(default)]
    pub rank: Option<i64>,
}

/// Records which result was opened from a search (the first one counts).
#[utoipa::path(post, path = "/api/v1/search/clicks", tag = "搜索",
    request_body = ClickRequest,
    responses((status = 204, description = "已记录"), (status = 404, description = "搜索记录不存在", body = crate::error::ErrorBody)))]
pub async fn click(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ClickRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .record_search_click(request.log_id, &request.kind, &request.code, request.rank)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The most frequent searches that found nothing good, with how often and when last.
#[utoipa::path(get, path = "/api/v1/admin/search/failed", tag = "搜索管理",
    params(
        ("days" = Option<u32>, Query, description = "统计最近多少天，默认 30"),
        ("limit" = Option<u32>, Query, description = "条数，默认 50"),
    ),
    responses((status = 200, description = "`{since, days, searches, weak, clicked, queries: [{query, count, empty, last_seen}]}`", body = Object), (status = 403, description = "仅限工作人员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn failed(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<FailedSearches>> {
    let mut errors = Vec::new();
    let days = query.number("days", &mut errors);
    let limit = query.number("limit", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("参数有误", errors)));
    }
    Ok(Json(
        state.app.failed_searches(&principal, days, limit).await?,
    ))
}

/// The synonym and alias list: administrators' rules on top of the shipped list, with history.
#[utoipa::path(get, path = "/api/v1/admin/search/synonyms", tag = "搜索管理",
    responses((status = 200, description = "`{version, rules, disabled, shipped, history}`", body = Object)),
    security(("bearer" = [])))]
pub async fn synonyms(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<SynonymOverview>> {
    Ok(Json(state.app.synonym_overview(&principal).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SynonymRequest {
    /// What people type, e.g. 办身份证.
    pub term: String,
    /// What it means: words or item names, e.g. ["居民身份证申领"].
    pub equivalents: Vec<String>,
    /// Make all the terms equivalent to each other (default: one-way, term → equivalents).
    #[serde(default)]
    pub mutual: bool,
    /// The failed search this answers (it leaves the failed-queries list).
    #[serde(default)]
    pub from_query: Option<String>,
}

/// Adds a synonym or alias (or more equivalents to an existing one); the next search uses it,
/// without a reindex.
#[utoipa::path(post, path = "/api/v1/admin/search/synonyms", tag = "搜索管理",
    request_body = SynonymRequest,
    responses((status = 200, description = "`{version, term, equivalents, mutual, removed}`", body = Object), (status = 400, description = "词语有误", body = crate::error::ErrorBody), (status = 403, description = "需要省级管理员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_synonym(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<SynonymRequest>,
) -> ApiResult<Json<SynonymChange>> {
    let input = SynonymInput {
        term: request.term,
        equivalents: request.equivalents,
        mutual: request.mutual,
        from_query: request.from_query,
    };
    Ok(Json(state.app.add_synonym(&principal, &input).await?))
}

/// Removes an administrator's synonym, or switches off a shipped one.
#[utoipa::path(delete, path = "/api/v1/admin/search/synonyms/{term}", tag = "搜索管理",
    params(("term" = String, Path, description = "词语")),
    responses((status = 200, description = "`{version, term, removed: true}`", body = Object), (status = 404, description = "没有该同义词", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove_synonym(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(term): Path<String>,
) -> ApiResult<Json<SynonymChange>> {
    Ok(Json(state.app.remove_synonym(&principal, &term).await?))
}
