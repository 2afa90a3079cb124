//! Cases (办件) over the API: filing in one request or as a resumable draft, reading one case
//! or a list, taking workflow actions, materials up and down. Every handler requires a
//! principal; the use cases decide what the principal may see, and others' cases are answered
//! as "not found" so that case ids cannot be probed.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zerotrip_app::cases::{
    CaseApplication, CaseDetail, CaseListQuery, CasePage, MaterialFile, MaterialView, SubmitOutcome,
};
use zerotrip_app::files::display_file_name;
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::access::AccountKind;
use zerotrip_core::cases::Channel;
use zerotrip_core::catalog::ItemCode;
use zerotrip_core::workflow::{Action, ActionRequest, MAX_COMMENT_CHARS, SpecialProcedure};

use super::extract::{ApiJson, RawQuery};
use super::files::{read_upload, reject};
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

/// The request header that makes a submission safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on the answer to a retried submission (`true`): the case was filed by the first request.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The name of an uploaded file, percent-encoded UTF-8.
pub const FILE_NAME_HEADER: &str = "x-file-name";

/// A complete application (`POST /api/v1/cases`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    /// 事项编码, e.g. `HN-XK-00001`.
    #[serde(default)]
    pub item_code: String,
    /// The region (行政区划代码) whose competent department handles the case.
    #[serde(default)]
    pub region: String,
    /// Form values by field key (see `form_fields` of a draft); every value is text.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<MaterialRequest>,
    /// `web` (default for applicants), `mobile`, `kiosk`; staff file with `window` or `assisted`.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "web")]
    pub channel: Option<Channel>,
    /// Filing for someone else (window clerk, agent with consent): the applicant's account id.
    #[serde(default)]
    pub applicant_account_id: Option<i64>,
}

/// A stored file given as one of the item's materials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialRequest {
    /// The material's name as the item lists it.
    #[serde(default)]
    pub material: String,
    /// The `key` answered by `POST /api/v1/files` (SM3, 64 hex digits).
    #[serde(default)]
    pub file: String,
    /// The file's name, only ever displayed (no path separators).
    #[serde(default)]
    pub file_name: Option<String>,
}

/// A draft to start (`POST /api/v1/cases/drafts`): the form and materials follow.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    #[serde(default)]
    pub item_code: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "web")]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub applicant_account_id: Option<i64>,
}

/// What a submission answers: the case, its number, its state and the promised date.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseCreated {
    pub id: i64,
    /// 办件编号, e.g. `HN20261204000001`.
    pub number: String,
    pub state: String,
    /// The promised completion date (承诺办结日期) counted from today; the clock starts at 受理.
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<chrono::NaiveDate>,
}

impl From<&SubmitOutcome> for CaseCreated {
    fn from(outcome: &SubmitOutcome) -> Self {
        CaseCreated {
            id: outcome.id,
            number: outcome.number.clone(),
            state: outcome.state.clone(),
            deadline: outcome.deadline,
        }
    }
}

/// One action on a case, flat: the action, its details and the comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// `accept`, `reject`, `request_supplement`, `supplement`, `return_to_applicant`,
    /// `return_to_previous`, `withdraw`, `transfer`, `review`, `approve`, `deny`, `complete`,
    /// `deliver`, `start_special_procedure`, `end_special_procedure`.
    #[serde(default)]
    #[schema(value_type = String, required = true, example = "accept")]
    pub action: Option<Action>,
    /// 意见或理由, at most 2000 characters; required by 不予受理, 不予批准, 退回, 转办, 撤回 ….
    #[serde(default)]
    pub comment: Option<String>,
    /// `request_supplement`: the names of the missing materials.
    #[serde(default)]
    pub materials: Option<Vec<String>>,
    /// `transfer`: the receiving department's unified social credit code.
    #[serde(default)]
    pub department: Option<String>,
    /// `start_special_procedure`: `hearing`, `inspection`, `expert_review`, `extension` ….
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub procedure: Option<SpecialProcedure>,
    /// `start_special_procedure`: for `extension` the extra working days.
    #[serde(default)]
    pub working_days: Option<u32>,
}

impl ActionBody {
    /// The workflow request; details that do not fit the action are named.
    fn into_request(self) -> ApiResult<ActionRequest> {
        if let Some(comment) = &self.comment
            && comment.trim().chars().count() > MAX_COMMENT_CHARS
        {
            return Err(ApiError(AppError::field(
                "comment",
                format!(
                    "意见最多 {MAX_COMMENT_CHARS} 个字，现有 {} 个字",
                    comment.trim().chars().count()
                ),
            )));
        }
        let action = self
            .action
            .ok_or_else(|| ApiError(AppError::field("action", "请指明要执行的动作（action）")))?;
        let mut shape = json!({"action": action});
        let details = [
            ("comment", self.comment.map(Value::from)),
            ("materials", self.materials.map(Value::from)),
            ("department", self.department.map(Value::from)),
            ("procedure", self.procedure.map(|p| json!(p))),
            ("working_days", self.working_days.map(Value::from)),
        ];
        for (name, value) in details {
            if let Some(value) = value {
                shape[name] = value;
            }
        }
        serde_json::from_value(shape).map_err(|error| {
            let message = error.to_string();
            let field = ["materials", "department", "procedure", "working_days"]
                .into_iter()
                .find(|name| message.contains(&format!("“{name}”")))
                .unwrap_or("action");
            ApiError(AppError::field(field, message))
        })
    }
}

fn parse_id(text: &str, field: &str, label: &str) -> ApiResult<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError(AppError::field(field, format!("{label}“{text}”无效"))))
}

fn idempotency_key(headers: &HeaderMap) -> &str {
    headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Answers a submission: 201 for `POST /cases`, 200 for the submit of a draft; a replay carries
/// `Idempotent-Replayed: true` and the same body.
fn submission(status: StatusCode, outcome: &SubmitOutcome) -> Response {
    let mut response = (status, Json(CaseCreated::from(outcome))).into_response();
    if outcome.replayed {
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    let location = format!("/api/v1/cases/{}", outcome.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A file name as given by the client: it must be what would be displayed (one name, no path,
/// no control characters, at most 100 characters).
pub(super) fn checked_file_name(name: &str, field: &str) -> ApiResult<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ApiError(AppError::field(field, "文件名为空")));
    }
    if display_file_name(trimmed) != trimmed {
        return Err(ApiError(AppError::field(
            field,
            "文件名无效：不能包含路径（/ 或 \\）、控制字符或以“.”开头，最多 100 个字",
        )));
    }
    Ok(trimmed.to_owned())
}

/// The item code of a request, checked before anything is looked up.
fn checked_item_code(code: &str) -> ApiResult<()> {
    ItemCode::parse(code.trim())
        .map(|_| ())
        .map_err(|error| ApiError(AppError::field("item_code", error)))
}

/// Errors of filing named after the request's fields (the catalogue calls the item `code`).
fn filing_error(error: AppError, item_code: &str) -> ApiError {
    match error {
        AppError::Invalid { message, fields } => ApiError(AppError::Invalid {
            message,
            fields: fields
                .into_iter()
                .map(|f| {
                    if f.field == "code" {
                        FieldError::new("item_code", f.message)
                    } else {
                        f
                    }
                })
                .collect(),
        }),
        AppError::NotFound(message) if message.contains(item_code.trim()) => {
            ApiError(AppError::field("item_code", message))
        }
        AppError::NotFound(message) if message.contains("账号") => {
            ApiError(AppError::field("applicant_account_id", message))
        }
        other => ApiError(other),
    }
}

/// Files a complete application in one transaction (draft, form, materials, submission).
#[utoipa::path(
    post, path = "/api/v1/cases", tag = "办件",
    params(("Idempotency-Key" = String, Header, description = "必填：8–128 位字母、数字、- 或 _；同一键、同一请求体的重试得到同一办件")),
    request_body = NewCaseRequest,
    responses(
        (status = 201, description = "已提交：`{id, number, state, deadline}`；重试时响应相同并带 `Idempotent-Replayed: true`", body = CaseCreated),
        (status = 400, description = "缺少 Idempotency-Key、事项编码或区划有误、表单或材料不全（逐项列出字段）", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 403, description = "无权代为申请", body = crate::error::ErrorBody),
        (status = 409, description = "Idempotency-Key 已用于另一个请求", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn file_case(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    headers: HeaderMap,
    ApiJson(request): ApiJson<NewCaseRequest>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers).to_owned();
    checked_item_code(&request.item_code)?;
    let mut materials = Vec::with_capacity(request.materials.len());
    for (index, material) in request.materials.into_iter().enumerate() {
        let file_name = match material.file_name {
            Some(name) => Some(checked_file_name(
                &name,
                &format!("materials[{index}].file_name"),
            )?),
            None => None,
        };
        materials.push(MaterialFile {
            material: material.material,
            file: material.file,
            file_name,
        });
    }
    let application = CaseApplication {
        item_code: request.item_code,
        region: request.region,
        form: request.form,
        materials,
        channel: request.channel,
        applicant_account_id: request.applicant_account_id,
    };
    let outcome = state
        .app
        .file_case(&principal, &application, &key)
        .await
        .map_err(|error| filing_error(error, &application.item_code))?;
    Ok(submission(StatusCode::CREATED, &outcome))
}

/// Starts a draft: the form and materials can then be saved and uploaded one by one.
#[utoipa::path(
    post, path = "/api/v1/cases/drafts", tag = "办件",
    request_body = DraftRequest,
    responses(
        (status = 201, description = "草稿（办件详情，含 `form_fields` 与各项材料的 `position`）", body = Object),
        (status = 400, description = "事项编码或区划有误", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn start_draft(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    ApiJson(request): ApiJson<DraftRequest>,
) -> ApiResult<(StatusCode, Json<CaseDetail>)> {
    checked_item_code(&request.item_code)?;
    let application = CaseApplication {
        item_code: request.item_code,
        region: request.region,
        form: BTreeMap::new(),
        materials: Vec::new(),
        channel: request.channel,
        applicant_account_id: request.applicant_account_id,
    };
    let id = state
        .app
        .start_case(&principal, &application)
        .await
        .map_err(|error| filing_error(error, &application.item_code))?;
    let detail = state.app.case_detail(&principal, id).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// One case: form, materials, timeline, clock and the actions the caller may take now.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "办件",
    params(("id" = String, Path, description = "办件 id，或办件编号（HN…）")),
    responses(
        (status = 200, description = "办件详情（个人信息已脱敏）", body = Object),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn case(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetail>> {
    let detail = match id.parse::<i64>() {
        Ok(id) => state.app.case_detail(&principal, id).await?,
        Err(_) if id.starts_with("HN") && id.len() <= 32 => {
            state.app.case_detail_by_number(&principal, &id).await?
        }
        Err(_) => return Err(ApiError(AppError::not_found("办件不存在"))),
    };
    Ok(Json(detail))
}

/// Takes one workflow action; answers with the case as the caller now sees it.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/actions", tag = "办件",
    params(("id" = i64, Path, description = "办件 id")),
    request_body = ActionBody,
    responses(
        (status = 200, description = "更新后的办件详情", body = Object),
        (status = 400, description = "动作不存在、字段不符合该动作、意见过长或补正材料未上传", body = crate::error::ErrorBody),
        (status = 403, description = "只能查看、不能处理", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "流程不允许（当前状态或角色不能执行该动作；缺少理由）", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<CaseDetail>> {
    let id = parse_id(&id, "id", "办件 id")?;
    let request = body.into_request()?;
    Ok(Json(state.app.act_on_case(&principal, id, request).await?))
}

fn flag(query: &RawQuery, name: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
    match query.text(name)?.as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        other => {
            errors.push(FieldError::new(
                name,
                format!("“{other}”应为 true 或 false"),
            ));
            None
        }
    }
}

/// The caller's own cases (`mine=true`, the default for applicants) or the staff inbox
/// (`inbox=true`, the default for staff).
#[utoipa::path(
    get, path = "/api/v1/cases", tag = "办件",
    params(
        ("mine" = Option<bool>, Query, description = "本人的办件（申请人默认）"),
        ("inbox" = Option<bool>, Query, description = "工作台待办（工作人员默认）：本部门、本区域"),
        ("all" = Option<bool>, Query, description = "工作台：列出范围内全部办件，而不只是当前可处理的"),
        ("state" = Option<String>, Query, description = "状态，如 acceptance、review"),
        ("q" = Option<String>, Query, description = "办件编号、事项名称或申请人姓名中的文字"),
        ("channel" = Option<String>, Query, description = "渠道：web、mobile、kiosk、window、assisted"),
        ("page" = Option<u32>, Query, description = "页码，从 1 开始"),
        ("per_page" = Option<u32>, Query, description = "每页条数，1–100，默认 20"),
    ),
    responses(
        (status = 200, description = "`{total, page, per_page, cases}`", body = Object),
        (status = 400, description = "参数有误", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 403, description = "工作人员查看“本人办件”，或申请人查看工作台", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<CasePage>> {
    let mut errors = Vec::new();
    let mine = flag(&query, "mine", &mut errors);
    let inbox = flag(&query, "inbox", &mut errors);
    let all = flag(&query, "all", &mut errors).unwrap_or(false);
    let page: u32 = query.number("page", &mut errors).unwrap_or(1);
    let per_page: u32 = query.number("per_page", &mut errors).unwrap_or(20);
    if page == 0 {
        errors.push(FieldError::new("page", "页码从 1 开始"));
    }
    if !(1..=100).contains(&per_page) {
        errors.push(FieldError::new("per_page", "每页条数应在 1–100 之间"));
    }
    let channel = query.text("channel");
    if let Some(text) = &channel
        && Channel::parse(text).is_none()
    {
        errors.push(FieldError::new("channel", format!("渠道“{text}”不存在")));
    }
    let use_inbox = match (mine, inbox) {
        (Some(true), Some(true)) => {
            errors.push(FieldError::new("inbox", "mine 与 inbox 只能选一个"));
            false
        }
        (Some(true), _) => false,
        (_, Some(true)) => true,
        _ => principal.kind == AccountKind::Staff,
    };
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    }
    let list_query = CaseListQuery {
        state: query.text("state"),
        text: query.text("q"),
        channel: channel
            .as_deref()
            .and_then(Channel::parse)
            .map(|c| c.as_str().to_owned()),
        actionable_only: !all,
        page,
        per_page,
    };
    let page = if use_inbox {
        state.app.inbox(&principal, &list_query).await?
    } else {
        state.app.my_cases(&principal, &list_query).await?
    };
    Ok(Json(page))
}

/// Replaces the form of a draft (values by field key; incomplete is fine until submission).
#[utoipa::path(
    put, path = "/api/v1/cases/{id}/form", tag = "办件",
    params(("id" = i64, Path, description = "办件 id")),
    request_body(content = Object, description = "`{\"contact_phone\": \"138…\", \"delivery_method\": \"mail\", \"mail_recipient_name\": \"…\", \"mail_phone\": \"138…\", \"mail_region_code\": \"460106…\", \"mail_detail\": \"…\", \"mail_postal_code\": \"570100\", \"description\": \"…\"}`"),
    responses(
        (status = 200, description = "草稿（办件详情）", body = Object),
        (status = 400, description = "表单有误（字段名为 `form.<key>`）", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已提交，不能再修改", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn save_form(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<BTreeMap<String, Value>>,
) -> ApiResult<Json<CaseDetail>> {
    let id = parse_id(&id, "id", "办件 id")?;
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in form {
        match value {
            Value::String(text) => {
                values.insert(key, text);
            }
            Value::Null => {}
            _ => errors.push(FieldError::new(
                format!("form.{key}"),
                "表单的每一项都应为文字",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("申请表填写有误", errors)));
    }
    state.app.save_case_form(&principal, id, values).await?;
    Ok(Json(state.app.case_detail(&principal, id).await?))
}

/// The `X-File-Name` header, percent-decoded and checked.
fn header_file_name(headers: &HeaderMap) -> ApiResult<String> {
    let Some(value) = headers.get(FILE_NAME_HEADER) else {
        return Ok(String::new());
    };
    let text = value.to_str().map_err(|_| {
        ApiError(AppError::field(
            "X-File-Name",
            "X-File-Name 应为百分号编码的 UTF-8 文件名",
        ))
    })?;
    let decoded = urlencoding::decode(text).map_err(|_| {
        ApiError(AppError::field(
            "X-File-Name",
            "X-File-Name 应为百分号编码的 UTF-8 文件名",
        ))
    })?;
    checked_file_name(&decoded, "X-File-Name")
}

/// Uploads one material of a draft, or a material whose supplement (补正) was asked for. The
/// body is the file; its type is read from its content (`Content-Type` is ignored).
#[utoipa::path(
    put, path = "/api/v1/cases/{id}/materials/{position}", tag = "办件",
    params(
        ("id" = i64, Path, description = "办件 id"),
        ("position" = i64, Path, description = "材料序号（办件详情 `materials[].position`）"),
        ("X-File-Name" = Option<String>, Header, description = "文件名，百分号编码的 UTF-8，如 `%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf`；不能含路径"),
    ),
    request_body(content = String, content_type = "application/octet-stream", description = "文件内容：PDF、OFD、PNG 或 JPEG，最大 10 MB"),
    responses(
        (status = 200, description = "该项材料", body = Object),
        (status = 400, description = "文件为空、过大、类型不支持（字段 `file`），文件名无效（`X-File-Name`），序号有误（`position`）", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已提交且该材料未被要求补正", body = crate::error::ErrorBody),
        (status = 413, description = "请求体超过服务器上限", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn upload_material(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path((id, position)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<MaterialView>, Response> {
    let id = parse_id(&id, "id", "办件 id").map_err(reject)?;
    let position = parse_id(&position, "position", "材料序号").map_err(reject)?;
    let file_name = header_file_name(&headers).map_err(reject)?;
    let bytes = read_upload(&state, body).await?;
    let material = state
        .app
        .upload_case_material(&principal, id, position, &file_name, bytes)
        .await
        .map_err(|error| reject(ApiError(error)))?;
    Ok(Json(material))
}

/// Submits a draft. A retry with the same `Idempotency-Key` answers the same case.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/submit", tag = "办件",
    params(
        ("id" = i64, Path, description = "办件 id"),
        ("Idempotency-Key" = String, Header, description = "必填：8–128 位字母、数字、- 或 _"),
    ),
    responses(
        (status = 200, description = "已提交：`{id, number, state, deadline}`；重试时响应相同并带 `Idempotent-Replayed: true`", body = CaseCreated),
        (status = 400, description = "缺少 Idempotency-Key，或申请不完整（逐项列出 `form.*`、`materials.*`）", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody),
        (status = 409, description = "已提交，或 Idempotency-Key 已用于另一个请求", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = parse_id(&id, "id", "办件 id")?;
    let outcome = state
        .app
        .submit_case(&principal, id, idempotency_key(&headers))
        .await?;
    Ok(submission(StatusCode::OK, &outcome))
}

/// `Content-Disposition` for a download: an ASCII fallback and the RFC 5987 UTF-8 name.
pub(super) fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';')) || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        urlencoding::encode(name)
    )
}

/// Downloads the file of one material, for whoever may see the case.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}/materials/{position}/file", tag = "办件",
    params(("id" = i64, Path, description = "办件 id"), ("position" = i64, Path, description = "材料序号")),
    responses(
        (status = 200, description = "文件内容（`Content-Disposition: attachment`）", content_type = "application/octet-stream", body = String),
        (status = 404, description = "办件或材料不存在、尚未上传或无权查看", body = crate::error::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn material_file(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path((id, position)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "id", "办件 id")?;
    let position = parse_id(&position, "position", "材料序号")?;
    let (bytes, content_type, file_name) = state
        .app
        .case_material_file(&principal, id, position)
        .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(value) = HeaderValue::from_str(&attachment(&file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_the_file_twice() {
        assert_eq!(
            attachment("申请表 1.pdf"),
            "attachment; filename=\"___ 1.pdf\"; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8%201.pdf"
        );
        assert_eq!(
            attachment("a\"b;c.pdf"),
            "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
        );
    }

    #[test]
    fn file_names_must_be_plain_names() {
        assert_eq!(
            checked_file_name(" 身份证.pdf ", "f").unwrap(),
            "身份证.pdf"
        );
        for bad in ["../../etc/passwd", "C:\\x\\a.pdf", ".env", "a\u{0}.pdf", ""] {
            assert!(checked_file_name(bad, "f").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn action_details_that_do_not_fit_are_named() {
        let body: ActionBody =
            serde_json::from_str(r#"{"action":"accept","materials":["x"]}"#).unwrap();
        let error = body.into_request().unwrap_err();
        assert_eq!(error.0.fields()[0].field, "materials");
        let body: ActionBody = serde_json::from_str(r#"{"action":"transfer"}"#).unwrap();
        assert_eq!(
            body.into_request().unwrap_err().0.fields()[0].field,
            "department"
        );
        let body: ActionBody = serde_json::from_value(
            json!({"action": "reject", "comment": "长".repeat(MAX_COMMENT_CHARS + 1)}),
        )
        .unwrap();
        assert_eq!(
            body.into_request().unwrap_err().0.fields()[0].field,
            "comment"
        );
        let body: ActionBody = serde_json::from_str(
            r#"{"action":"request_supplement","materials":["申请表"],"comment":"未签字"}"#,
        )
        .unwrap();
        let request = body.into_request().unwrap();
        assert_eq!(request.comment.as_deref(), Some("未签字"));
    }
}
