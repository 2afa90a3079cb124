//! The knowledge base: published articles and FAQs for everyone; drafts, publishing, versions,
//! review dates and each item's names, aliases and questions for staff.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use zerotrip_app::AppError;
use zerotrip_app::knowledge::{
    ArticleCategory, EditableKnowledge, ItemKnowledge, KnowledgeContent, KnowledgeKind,
    KnowledgePublished, KnowledgeQuery, KnowledgeSaved, PublicKnowledge,
};

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// The content of an article or FAQ as it is sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBody {
    /// Title of an article, or the question of an FAQ.
    pub title: String,
    /// Text of an article, or the answer of an FAQ; paragraphs separated by line breaks.
    pub body: String,
    /// Articles: policy (政策解读) or guide (办事指引).
    #[serde(default)]
    pub category: Option<String>,
    /// Other ways people ask the same thing.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The items it is about (an FAQ: exactly one).
    #[serde(default)]
    pub item_codes: Vec<String>,
}

impl KnowledgeBody {
    fn content(self) -> ApiResult<KnowledgeContent> {
        let category = match self
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(text) => Some(ArticleCategory::parse(text).ok_or_else(|| {
                ApiError(AppError::field(
                    "category",
                    "文章分类应为 policy（政策解读）或 guide（办事指引）",
                ))
            })?),
            None => None,
        };
        Ok(KnowledgeContent {
            title: self.title,
            body: self.body,
            category,
            aliases: self.aliases,
            keywords: self.keywords,
            item_codes: self.item_codes,
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKnowledgeBody {
    /// article | faq
    pub kind: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub item_codes: Vec<String>,
    /// The failed search this answers (it leaves the failed-queries list).
    #[serde(default)]
    pub from_query: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishKnowledgeBody {
    #[serde(default)]
    pub note: String,
    /// YYYY-MM-DD; default one year from today.
    #[serde(default)]
    pub review_due: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// YYYY-MM-DD; default one year from today.
    #[serde(default)]
    pub next_review: Option<NaiveDate>,
}

/// Published articles (newest first), or everything published about one item.
#[utoipa::path(get, path = "/api/v1/knowledge", tag = "知识库",
    params(("item" = Option<String>, Query, description = "事项编码：该事项的常见问题和相关文章")),
    responses((status = 200, description = "`{total, entries}`", body = Object)))]
pub async fn list(State(state): State<AppState>, query: RawQuery) -> ApiResult<Json<Value>> {
    let entries: Vec<PublicKnowledge> = match query.text("item") {
        Some(item) => state.app.published_knowledge_of_item(&item).await?,
        None => state.app.published_articles(100).await?,
    };
    Ok(Json(json!({"total": entries.len(), "entries": entries})))
}

/// A published article or FAQ.
#[utoipa::path(get, path = "/api/v1/knowledge/{code}", tag = "知识库",
    params(("code" = String, Path, description = "知识编号，如 KB-00001、FAQ-00001")),
    responses((status = 200, description = "内容、版本、发布日期、复核日期、关联事项", body = Object), (status = 404, description = "不存在或未发布", body = crate::error::ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicKnowledge>> {
    Ok(Json(state.app.knowledge_entry(&code).await?))
}

/// The staff list: drafts, published, withdrawn; `overdue=true` for entries past their review date.
#[utoipa::path(get, path = "/api/v1/admin/knowledge", tag = "知识库管理",
    params(
        ("kind" = Option<String>, Query, description = "article | faq"),
        ("status" = Option<String>, Query, description = "draft | published | pending | withdrawn"),
        ("item" = Option<String>, Query, description = "事项编码"),
        ("q" = Option<String>, Query, description = "标题中的文字"),
        ("overdue" = Option<bool>, Query, description = "只看已过复核日期的"),
    ),
    responses((status = 200, description = "`{total, entries}`", body = Object)),
    security(("bearer" = [])))]
pub async fn admin_list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    let overdue = match query.text("overdue").as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            return Err(ApiError(AppError::field(
                "overdue",
                "overdue 应为 true 或 false",
            )));
        }
    };
    let entries = state
        .app
        .knowledge_list(
            &principal,
            &KnowledgeQuery {
                kind: query.text("kind"),
                status: query.text("status"),
                item: query.text("item"),
                q: query.text("q"),
                overdue,
            },
        )
        .await?;
    Ok(Json(json!({"total": entries.len(), "entries": entries})))
}

/// Creates an article or FAQ as a draft.
#[utoipa::path(post, path = "/api/v1/admin/knowledge", tag = "知识库管理",
    request_body = NewKnowledgeBody,
    responses((status = 201, description = "`{code, kind, status}`", body = Object), (status = 400, description = "内容有误", body = crate::error::ErrorBody), (status = 403, description = "需要省级管理员", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<NewKnowledgeBody>,
) -> ApiResult<(StatusCode, Json<KnowledgeSaved>)> {
    let kind = KnowledgeKind::parse(&request.kind)?;
    let from_query = request.from_query.clone();
    let content = KnowledgeBody {
        title: request.title,
        body: request.body,
        category: request.category,
        aliases: request.aliases,
        keywords: request.keywords,
        item_codes: request.item_codes,
    }
    .content()?;
    let saved = state
        .app
        .create_knowledge(&principal, kind, content, from_query.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// An entry as an editor sees it: published version, draft, status, review date.
#[utoipa::path(get, path = "/api/v1/admin/knowledge/{code}", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    responses((status = 200, description = "可编辑的知识", body = Object), (status = 404, description = "不存在", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn editable(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
) -> ApiResult<Json<EditableKnowledge>> {
    Ok(Json(state.app.editable_knowledge(&principal, &code).await?))
}

/// Saves the draft; the public keeps the published version until it is published.
#[utoipa::path(put, path = "/api/v1/admin/knowledge/{code}/draft", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    request_body = KnowledgeBody,
    responses((status = 200, description = "`{code, kind, status}`", body = Object), (status = 400, description = "内容有误", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_draft(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<KnowledgeBody>,
) -> ApiResult<Json<KnowledgeSaved>> {
    let content = body.content()?;
    Ok(Json(
        state
            .app
            .save_knowledge_draft(&principal, &code, content)
            .await?,
    ))
}

/// Throws the draft of a published entry away.
#[utoipa::path(delete, path = "/api/v1/admin/knowledge/{code}/draft", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    responses((status = 200, description = "草稿已删除", body = Object), (status = 409, description = "没有草稿", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn discard_draft(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    state.app.discard_knowledge_draft(&principal, &code).await?;
    Ok(Json(json!({"code": code, "discarded": true})))
}

/// Publishes the draft as the next immutable version, with its review date.
#[utoipa::path(post, path = "/api/v1/admin/knowledge/{code}/publish", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    request_body = PublishKnowledgeBody,
    responses((status = 200, description = "`{code, version, review_due}`", body = Object), (status = 409, description = "没有草稿或无变化", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PublishKnowledgeBody>,
) -> ApiResult<Json<KnowledgePublished>> {
    Ok(Json(
        state
            .app
            .publish_knowledge(&principal, &code, &body.note, body.review_due)
            .await?,
    ))
}

/// Takes a published entry off the site and out of search.
#[utoipa::path(post, path = "/api/v1/admin/knowledge/{code}/withdraw", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    request_body = WithdrawBody,
    responses((status = 200, description = "已撤下", body = Object), (status = 409, description = "未发布或已撤下", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> ApiResult<Json<Value>> {
    state
        .app
        .withdraw_knowledge(&principal, &code, &body.reason)
        .await?;
    Ok(Json(json!({"code": code, "withdrawn": true})))
}

/// Confirms a published entry is still right and sets its next review date.
#[utoipa::path(post, path = "/api/v1/admin/knowledge/{code}/review", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    request_body = ReviewBody,
    responses((status = 200, description = "`{code, review_due}`", body = Object)),
    security(("bearer" = [])))]
pub async fn review(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<Value>> {
    let next = state
        .app
        .mark_knowledge_reviewed(&principal, &code, body.next_review)
        .await?;
    Ok(Json(json!({"code": code, "review_due": next})))
}

/// The published versions of an entry, newest first.
#[utoipa::path(get, path = "/api/v1/admin/knowledge/{code}/versions", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号")),
    responses((status = 200, description = "`{code, versions}`", body = Object)),
    security(("bearer" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let versions = state.app.knowledge_versions(&principal, &code).await?;
    Ok(Json(json!({"code": code, "versions": versions})))
}

/// One published version, exactly as it was published.
#[utoipa::path(get, path = "/api/v1/admin/knowledge/{code}/versions/{version}", tag = "知识库管理",
    params(("code" = String, Path, description = "知识编号"), ("version" = i64, Path, description = "版本号")),
    responses((status = 200, description = "`{version, content}`", body = Object), (status = 404, description = "版本不存在", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn version(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path((code, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let version: i64 = version.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError(AppError::field(
            "version",
            format!("版本号“{version}”应为正整数"),
        ))
    })?;
    let (info, content) = state
        .app
        .knowledge_version(&principal, &code, version)
        .await?;
    Ok(Json(json!({"version": info, "content": content})))
}

/// Everything people call an item and ask about it: canonical name, catalogue aliases, search
/// aliases, catalogue FAQs, knowledge FAQs and articles.
#[utoipa::path(get, path = "/api/v1/admin/items/{code}/knowledge", tag = "知识库管理",
    params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "`{code, name, catalogue_aliases, search_aliases, catalogue_faqs, faqs, articles}`", body = Object), (status = 404, description = "事项不存在", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn item_knowledge(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemKnowledge>> {
    Ok(Json(state.app.item_knowledge(&principal, &code).await?))
}
