//! Accounts of applicants over the API: signing up as a natural person or a legal person, the
//! caller's own account, and the consents that let an agent act for a person (帮办代办).
//! Answers carry masked personal data only; a password is never echoed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::identity::{CompanySignUp, ConsentView, PersonSignUp, masked_identifier};
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::MobileNumber;

use super::extract::ApiJson;
use crate::error::{ApiError, ApiResult};
use crate::security::{ApiPrincipal, ClientAddress};
use crate::state::AppState;

/// A natural person signing up; the resident ID number becomes the username.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    #[serde(default)]
    pub real_name: String,
    /// 18 位公民身份号码 (the check digit is verified).
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
}

/// A legal person signing up; the unified social credit code becomes the username.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRequest {
    #[serde(default)]
    pub company_name: String,
    /// 18 位统一社会信用代码 (the check character is verified).
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub legal_representative: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub password: String,
}

/// An account as its holder sees it over the API, masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountSummary {
    pub id: i64,
    /// `person`, `company` or `staff`.
    pub kind: String,
    /// The name to greet with (a person's name is masked: 王**).
    pub display_name: String,
    /// What to sign in with; a person's ID number is masked.
    pub username: String,
    /// Persons: `4601**********1239`.
    pub id_number_masked: Option<String>,
    /// Companies: the public unified social credit code.
    pub credit_code: Option<String>,
    /// `138****8000`.
    pub phone_masked: Option<String>,
    /// Staff roles, e.g. `window_clerk`.
    pub roles: Vec<String>,
    pub department_id: Option<i64>,
    pub region_code: Option<String>,
}

impl From<&Principal> for AccountSummary {
    fn from(principal: &Principal) -> Self {
        let username = match principal.kind {
            AccountKind::Person => masked_identifier(&principal.username),
            _ => principal.username.clone(),
        };
        AccountSummary {
            id: principal.account_id,
            kind: principal.kind.as_str().to_owned(),
            display_name: principal.display_name.clone(),
            username,
            id_number_masked: principal.id_number.as_deref().map(masked_identifier),
            credit_code: principal.credit_code.clone(),
            phone_masked: principal.phone.as_deref().map(|phone| {
                MobileNumber::parse(phone)
                    .map(|m| m.masked())
                    .unwrap_or_else(|_| "***".to_owned())
            }),
            roles: principal
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            department_id: principal.department_id,
            region_code: principal.region_code.clone(),
        }
    }
}

fn throttled(state: &AppState, address: std::net::IpAddr) -> ApiResult<()> {
    // Signing up hashes a password like a login does: the same per-address budget.
    if state.login_throttle.allow(address) {
        Ok(())
    } else {
        Err(ApiError(AppError::TooManyRequests(
            "操作过于频繁，请稍后再试".to_owned(),
        )))
    }
}

/// Signs up a natural person (real name + resident ID number).
#[utoipa::path(
    post, path = "/api/v1/accounts/persons", tag = "账号",
    request_body = PersonRequest,
    responses(
        (status = 201, description = "已注册（脱敏）", body = AccountSummary),
        (status = 400, description = "字段有误（身份证号码校验位、手机号、密码强度），或身份证号码已注册", body = crate::error::ErrorBody),
        (status = 429, description = "操作过于频繁", body = crate::error::ErrorBody),
    ))]
pub async fn register_person(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<PersonRequest>,
) -> ApiResult<(StatusCode, Json<AccountSummary>)> {
    throttled(&state, address)?;
    let principal = state
        .app
        .register_person(PersonSignUp {
            real_name: request.real_name,
            id_number: request.id_number,
            phone: request.phone,
            password: request.password,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(AccountSummary::from(&principal))))
}

/// Signs up a legal person (name + unified social credit code + legal representative).
#[utoipa::path(
    post, path = "/api/v1/accounts/companies", tag = "账号",
    request_body = CompanyRequest,
    responses(
        (status = 201, description = "已注册", body = AccountSummary),
        (status = 400, description = "字段有误（统一社会信用代码校验位、手机号、密码强度），或代码已注册", body = crate::error::ErrorBody),
        (status = 429, description = "操作过于频繁", body = crate::error::ErrorBody),
    ))]
pub async fn register_company(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<CompanyRequest>,
) -> ApiResult<(StatusCode, Json<AccountSummary>)> {
    throttled(&state, address)?;
    let principal = state
        .app
        .register_company(CompanySignUp {
            company_name: request.company_name,
            credit_code: request.credit_code,
            legal_representative: request.legal_representative,
            phone: request.phone,
            password: request.password,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(AccountSummary::from(&principal))))
}

/// The caller's account.
#[utoipa::path(
    get, path = "/api/v1/accounts/me", tag = "账号",
    responses(
        (status = 200, description = "本人账号（脱敏）", body = AccountSummary),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn me(ApiPrincipal(principal): ApiPrincipal) -> Json<AccountSummary> {
    Json(AccountSummary::from(&principal))
}

/// A consent to record: `agent` (the agent's username) may act for the caller on `scope`
/// (`all` or one item code) for `days` days.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    #[serde(default)]
    pub agent: String,
    /// `all`, or one item code such as `HN-XK-00001`.
    #[serde(default)]
    pub scope: String,
    /// 委托依据, e.g. the number of the signed power of attorney.
    #[serde(default)]
    pub evidence: String,
    /// 1–365.
    #[serde(default)]
    pub days: Option<i64>,
}

/// The consents the caller has given, newest first.
#[utoipa::path(
    get, path = "/api/v1/accounts/me/consents", tag = "账号",
    responses(
        (status = 200, description = "`{consents: [{id, agent, scope, granted_at, expires_at, revoked}]}`", body = Object),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn consents(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
) -> ApiResult<Json<serde_json::Value>> {
    let consents = state.app.consents(&principal).await?;
    Ok(Json(serde_json::json!({"consents": consents})))
}

/// Records a consent (帮办代办) of the caller, a natural person.
#[utoipa::path(
    post, path = "/api/v1/accounts/me/consents", tag = "账号",
    request_body = ConsentRequest,
    responses(
        (status = 201, description = "委托已记录", body = Object),
        (status = 400, description = "代办人不存在、范围或期限有误、缺少委托依据", body = crate::error::ErrorBody),
        (status = 403, description = "只有自然人可以委托他人代办", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn grant_consent(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<ConsentRequest>,
) -> ApiResult<(StatusCode, Json<ConsentView>)> {
    let days = request
        .days
        .ok_or_else(|| ApiError(AppError::field("days", "请填写委托期限（天）")))?;
    let scope = request.scope.trim();
    if scope != "all" && !scope.is_empty() {
        // A consent for an item that does not exist would never be used: name the field.
        state
            .app
            .item_detail(scope)
            .await
            .map_err(|error| match error {
                AppError::NotFound(message) | AppError::Invalid { message, .. } => {
                    ApiError(AppError::field("scope", message))
                }
                other => ApiError(other),
            })?;
    }
    let id = state
        .app
        .grant_consent(&principal, &request.agent, scope, &request.evidence, days)
        .await?;
    let view = state
        .app
        .consents(&principal)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError(AppError::internal("刚记录的委托不存在")))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Revokes one of the caller's consents.
#[utoipa::path(
    delete, path = "/api/v1/accounts/me/consents/{id}", tag = "账号",
    params(("id" = i64, Path, description = "委托 id")),
    responses(
        (status = 200, description = "`{id, revoked: true}`", body = Object),
        (status = 404, description = "委托不存在或已撤销", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn revoke_consent(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = id
        .parse::<i64>()
        .map_err(|_| ApiError(AppError::not_found("委托不存在或已撤销")))?;
    state.app.revoke_consent(&principal, id).await?;
    Ok(Json(serde_json::json!({"id": id, "revoked": true})))
}
