//! Applying, one thing per page: start from the item guide (for oneself, or for someone whose
//! consent one holds), fill in the form derived from the item, upload each material (免提交
//! materials are shown with their reason and never asked for), check the answers, submit once
//! (an idempotency key generated into the form makes a double click file one case), and print
//! the receipt (受理回执). A draft is saved at every step and resumed from 我的办件. Window
//! clerks use the same pages for walk-in applicants.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use rand::RngCore;
use zerotrip_app::AppError;
use zerotrip_app::FieldError;
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::{CaseApplication, CaseDetail, FormFieldType};
use zerotrip_core::catalog::CrossRegion;

use super::account::{FieldErrors, SignedIn, layout_for};
use super::cases::{CaseView, MaterialRowView};
use super::context::{
    Layout, OptionGroup, PageCtx, PageForm, PageQuery, chinese_date, render, short_region_name,
};
use crate::error::{PageError, PageResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/items/{code}/apply", get(start_form).post(start))
        .route("/cases/{id}/edit", get(edit_form).post(save_form))
        .route("/cases/{id}/materials", get(materials))
        .route(
            "/cases/{id}/materials/{position}",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/cases/{id}/check", get(check))
        .route("/cases/{id}/submit", post(submit))
        .route("/cases/{id}/receipt", get(receipt))
}

// ---- start ----

#[derive(Template)]
#[template(path = "apply/start.html")]
struct StartPage {
    layout: Layout,
    code: String,
    item_name: String,
    region: String,
    region_groups: Vec<OptionGroup>,
    region_count: usize,
    place: Option<String>,
    cross_province: bool,
    for_applicant: String,
    for_name: Option<String>,
    applicant_name: String,
    limit: String,
    promised: Option<String>,
    exempt: Vec<(String, String)>,
    to_upload: Vec<String>,
    errors: FieldErrors,
    charged: bool,
}

#[allow(clippy::too_many_arguments)]
async fn start_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    code: &str,
    region: &str,
    for_applicant: &str,
    status: StatusCode,
    errors: FieldErrors,
) -> PageResult<Response> {
    let guide = state
        .app
        .item_guide(code, Some(region).filter(|r| !r.is_empty()))
        .await?;
    let item = &guide.effective;
    // The applicant's name only to those who may file for them (window clerks, agents with the
    // applicant's consent for this item): others would learn who has an account, and their name.
    let mut for_name = None;
    if !for_applicant.is_empty()
        && let Ok(Some(person)) = state.app.person_by_id_number(for_applicant).await
    {
        let may_file = (principal.is_staff()
            && principal.has_role(zerotrip_core::access::Role::WindowClerk))
            || state
                .app
                .may_act_for(principal, person.account_id, item.code.as_str())
                .await?;
        if may_file {
            for_name = Some(person.display_name);
        }
    }
    let page = StartPage {
        layout: layout_for(ctx, format!("在线申请：{}", item.name), principal),
        code: item.code.to_string(),
        item_name: item.name.clone(),
        region: region.to_owned(),
        region_groups: super::guide::guide_region_groups(
            state.app.regions(),
            &guide.regions,
            region,
        ),
        region_count: guide.regions.len(),
        place: guide.implementation.as_ref().map(|found| {
            format!(
                "{} · {}",
                short_region_name(&found.region_name),
                found.department_name
            )
        }),
        cross_province: item.cross_region.contains(&CrossRegion::Province),
        for_applicant: for_applicant.to_owned(),
        for_name,
        applicant_name: principal.display_name.clone(),
        limit: super::context::working_days(item.promised_days.or(item.legal_days)),
        promised: guide.promised_date.map(chinese_date),
        exempt: guide
            .detail
            .exempt_materials
            .iter()
            .map(|m| (m.name.clone(), m.reason.clone()))
            .collect(),
        to_upload: item
            .materials
            .iter()
            .filter(|m| m.exemption().is_none())
            .map(|m| m.name.clone())
            .collect(),
        errors,
        charged: item.fee.as_ref().is_some_and(|fee| fee.charged),
    };
    Ok(render(status, &page))
}

async fn start_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(code): Path<String>,
    query: PageQuery,
) -> PageResult<Response> {
    start_page(
        &state,
        &ctx,
        &principal,
        &code,
        &query.value("region"),
        &query.value("for"),
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
}

async fn start(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let region = form.text("region");
    let for_applicant = form.text("for").to_uppercase();
    let outcome = start_case(&state, &ctx, &principal, &code, &region, &for_applicant).await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}/edit")).into_response()),
        Err(
            error @ (AppError::Invalid { .. } | AppError::Forbidden(_) | AppError::Conflict(_)),
        ) => {
            start_page(
                &state,
                &ctx,
                &principal,
                &code,
                &region,
                &for_applicant,
                crate::error::status_of(&error),
                FieldErrors::of(&error),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn start_case(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    code: &str,
    region: &str,
    for_applicant: &str,
) -> Result<i64, AppError> {
    if region.is_empty() {
        return Err(AppError::field("region", "请选择办理地区"));
    }
    let applicant_account_id = if for_applicant.is_empty() {
        None
    } else {
        match state.app.person_by_id_number(for_applicant).await {
            Ok(Some(person)) => Some(person.account_id),
            // Applicants are answered as for someone without their consent (the app's answer),
            // so that they cannot find out who has an account.
            Ok(None) if !principal.is_staff() => {
                return Err(AppError::forbidden("没有申请人的有效委托，不能代为申请"));
            }
            Ok(None) => return Err(AppError::field("for", "没有找到该身份证号码的注册用户")),
            Err(AppError::Invalid { fields, message }) => {
                let message = fields.first().map(|f| f.message.clone()).unwrap_or(message);
                return Err(AppError::field("for", message));
            }
            Err(error) => return Err(error),
        }
    };
    let application = CaseApplication {
        item_code: code.to_owned(),
        region: region.to_owned(),
        form: BTreeMap::new(),
        materials: Vec::new(),
        channel: if principal.is_staff() {
            Some(zerotrip_core::cases::Channel::Window)
        } else if ctx.kiosk {
            Some(zerotrip_core::cases::Channel::Kiosk)
        } else {
            None
        },
        applicant_account_id,
    };
    state.app.start_case(principal, &application).await
}

// ---- the form ----

#[derive(Debug, Clone)]
struct FieldView {
    key: String,
    id: String,
    label: String,
    required: bool,
    kind: &'static str,
    value: String,
    options: Vec<(String, String, bool)>,
    hint: &'static str,
    autocomplete: &'static str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "apply/form.html")]
struct FormPage {
    layout: Layout,
    case: CaseView,
    fields: Vec<FieldView>,
    /// The mail address and pickup place next to 结果送达方式.
    choice: super::delivery::ChoiceForm,
    errors: FieldErrors,
    step: u8,
}

fn field_views(
    detail: &CaseDetail,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Vec<FieldView> {
    detail
        .form_fields
        .iter()
        // The mail address is its own group (delivery/_mail_fields.html).
        .filter(|field| !field.key.starts_with("mail_"))
        .map(|field| {
            let value = values.get(&field.key).cloned().unwrap_or_default();
            let (kind, hint, autocomplete) = match field.field_type {
                FormFieldType::Phone => ("tel", "11 位手机号码，办理进度将以短信通知", "tel"),
                FormFieldType::Address => ("text", "便于工作人员与您书面联系", "street-address"),
                FormFieldType::Date => ("date", "格式：年-月-日", ""),
                FormFieldType::Number => ("number", "", ""),
                FormFieldType::IdNumber => ("text", "18 位身份证号码", "off"),
                FormFieldType::CreditCode => ("text", "18 位统一社会信用代码", "off"),
                FormFieldType::Select => ("radio", "", ""),
                FormFieldType::Text if field.key == "description" => {
                    ("textarea", "补充说明您的情况（选填，最多 500 字）", "")
                }
                FormFieldType::Text => ("text", "", ""),
            };
            FieldView {
                id: format!("form-{}", field.key),
                options: field
                    .options
                    .iter()
                    .map(|(v, l)| (v.clone(), l.clone(), *v == value))
                    .collect(),
                error: errors
                    .get(&format!("form.{}", field.key))
                    .map(str::to_owned),
                key: field.key.clone(),
                label: field.label.clone(),
                required: field.required,
                kind,
                value,
                hint,
                autocomplete,
            }
        })
        .collect()
}

/// The draft of a case for editing; a submitted case goes to its own page.
async fn editable(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> PageResult<Result<CaseDetail, Response>> {
    let detail = state.app.case_detail(principal, id).await?;
    if detail.summary.state != "draft" {
        return Ok(Err(
            Redirect::to(&case_href(principal, &detail)).into_response()
        ));
    }
    Ok(Ok(detail))
}

fn case_href(principal: &Principal, detail: &CaseDetail) -> String {
    if principal.is_staff() && !detail.viewer_is_applicant {
        format!("/workbench/cases/{}", detail.summary.id)
    } else {
        format!("/cases/{}", detail.summary.id)
    }
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let detail = match editable(&state, &principal, id).await? {
        Ok(detail) => detail,
        Err(redirect) => return Ok(redirect),
    };
    let errors = FieldErrors::default();
    let page = FormPage {
        layout: layout_for(
            &ctx,
            format!("填写申请表：{}", detail.summary.item_name),
            &principal,
        ),
        fields: field_views(&detail, &detail.form, &errors),
        choice: super::delivery::ChoiceForm::for_application(
            &state.app,
            &detail,
            &detail.form,
            &errors,
        )
        .await,
        case: CaseView::build(&detail, &state.app),
        errors,
        step: 1,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn save_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let detail = match editable(&state, &principal, id).await? {
        Ok(detail) => detail,
        Err(redirect) => return Ok(redirect),
    };
    let values: BTreeMap<String, String> = detail
        .form_fields
        .iter()
        .map(|field| (field.key.clone(), form.text(&field.key)))
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let values = super::delivery::drop_unused_mail_fields(values);
    match state
        .app
        .save_case_form(&principal, id, values.clone())
        .await
    {
        Ok(()) if form.text("then") == "later" => {
            let target = if principal.is_staff() {
                "/workbench/window".to_owned()
            } else {
                "/my/cases".to_owned()
            };
            Ok(Redirect::to(&target).into_response())
        }
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}/materials")).into_response()),
        Err(error @ AppError::Invalid { .. }) => {
            let errors = FieldErrors::of(&error);
            let page = FormPage {
                layout: layout_for(
                    &ctx,
                    format!("填写申请表：{}", detail.summary.item_name),
                    &principal,
                ),
                fields: field_views(&detail, &values, &errors),
                choice: super::delivery::ChoiceForm::for_application(
                    &state.app, &detail, &values, &errors,
                )
                .await,
                case: CaseView::build(&detail, &state.app),
                errors,
                step: 1,
            };
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(other) => Err(other.into()),
    }
}

// ---- materials ----

#[derive(Template)]
#[template(path = "apply/materials.html")]
struct MaterialsPage {
    layout: Layout,
    case: CaseView,
    errors: FieldErrors,
    step: u8,
}

impl MaterialsPage {
    fn to_upload(&self) -> Vec<&MaterialRowView> {
        self.case
            .materials
            .iter()
            .filter(|m| m.status != "exempt")
            .collect()
    }

    fn exempt(&self) -> Vec<&MaterialRowView> {
        self.case
            .materials
            .iter()
            .filter(|m| m.status == "exempt")
            .collect()
    }
}

async fn materials_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    status: StatusCode,
    errors: FieldErrors,
) -> PageResult<Response> {
    let detail = match editable(state, principal, id).await? {
        Ok(detail) => detail,
        Err(redirect) => return Ok(redirect),
    };
    let page = MaterialsPage {
        layout: layout_for(
            ctx,
            format!("上传材料：{}", detail.summary.item_name),
            principal,
        ),
        case: CaseView::build(&detail, &state.app),
        errors,
        step: 2,
    };
    Ok(render(status, &page))
}

async fn materials(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    materials_page(
        &state,
        &ctx,
        &principal,
        id,
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
}

/// One file for one material, as `multipart/form-data` with the field `file`. The CSRF token
/// travels in the action's query (see `security::csrf_guard`).
async fn upload(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path((id, position)): Path<(i64, i64)>,
    query: PageQuery,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let back_to_case = query.value("back") == "case";
    let field = format!("upload-{position}");
    let outcome = match multipart {
        Ok(multipart) => read_file(multipart).await,
        Err(_) => Err(AppError::field("file", "请通过页面上的上传表单提交文件")),
    };
    let outcome = match outcome {
        Ok((name, bytes)) => {
            state
                .app
                .upload_case_material(&principal, id, position, &name, bytes)
                .await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) if back_to_case => {
            let target = if principal.is_staff() {
                format!("/workbench/cases/{id}?done=uploaded")
            } else {
                format!("/cases/{id}?done=uploaded")
            };
            Ok(Redirect::to(&target).into_response())
        }
        Ok(_) => {
            Ok(Redirect::to(&format!("/cases/{id}/materials#material-{position}")).into_response())
        }
        Err(error @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &error {
                AppError::Invalid { fields, message } => fields
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| message.clone()),
                other => other.public_message(),
            };
            let errors = FieldErrors(vec![FieldError::new(field, message)]);
            if back_to_case {
                super::cases::case_response(
                    &state,
                    &ctx,
                    &principal,
                    id,
                    StatusCode::BAD_REQUEST,
                    errors,
                    None,
                )
                .await
            } else {
                materials_page(
                    &state,
                    &ctx,
                    &principal,
                    id,
                    StatusCode::BAD_REQUEST,
                    errors,
                )
                .await
            }
        }
        Err(other) => Err(other.into()),
    }
}

async fn read_file(mut multipart: Multipart) -> Result<(String, axum::body::Bytes), AppError> {
    let unreadable = |_| AppError::field("file", "文件无法读取或超过 10 MB，请重新选择");
    while let Some(part) = multipart.next_field().await.map_err(unreadable)? {
        if part.name() != Some("file") {
            continue;
        }
        let name = part.file_name().unwrap_or("材料").to_owned();
        let bytes = part.bytes().await.map_err(unreadable)?;
        if bytes.is_empty() {
            return Err(AppError::field("file", "请选择要上传的文件"));
        }
        return Ok((name, bytes));
    }
    Err(AppError::field("file", "请选择要上传的文件"))
}

// ---- check and submit ----

#[derive(Template)]
#[template(path = "apply/check.html")]
struct CheckPage {
    layout: Layout,
    case: CaseView,
    errors: FieldErrors,
    idempotency_key: String,
    step: u8,
}

impl CheckPage {
    /// Where each problem is fixed.
    fn fix_href(&self, error: &FieldError) -> String {
        if let Some(key) = error.field.strip_prefix("form.") {
            format!("/cases/{}/edit#form-{key}", self.case.id)
        } else if let Some(position) = error.field.strip_prefix("materials.") {
            format!("/cases/{}/materials#material-{position}", self.case.id)
        } else {
            format!("/cases/{}/edit", self.case.id)
        }
    }
}

fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn check_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    status: StatusCode,
    errors: FieldErrors,
) -> PageResult<Response> {
    let detail = match editable(state, principal, id).await? {
        Ok(detail) => detail,
        Err(redirect) => return Ok(redirect),
    };
    let page = CheckPage {
        layout: layout_for(
            ctx,
            format!("核对并提交：{}", detail.summary.item_name),
            principal,
        ),
        case: CaseView::build(&detail, &state.app),
        errors,
        idempotency_key: new_idempotency_key(),
        step: 3,
    };
    Ok(render(status, &page))
}

async fn check(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    check_page(
        &state,
        &ctx,
        &principal,
        id,
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
}

async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let key = form.text("idempotency_key");
    match state.app.submit_case(&principal, id, &key).await {
        Ok(outcome) => Ok(Redirect::to(&format!("/cases/{}/receipt", outcome.id)).into_response()),
        Err(error @ AppError::Invalid { .. }) => {
            // The key was refused or the application is incomplete: show what to fix.
            let detail = state.app.case_detail(&principal, id).await?;
            if detail.summary.state != "draft" {
                return Ok(Redirect::to(&format!("/cases/{id}/receipt")).into_response());
            }
            check_page(
                &state,
                &ctx,
                &principal,
                id,
                StatusCode::BAD_REQUEST,
                FieldErrors::of(&error),
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            // Submitted meanwhile (e.g. a second tab): the receipt is what the applicant wants.
            let detail = state.app.case_detail(&principal, id).await?;
            if detail.summary.state != "draft" {
                Ok(Redirect::to(&format!("/cases/{id}/receipt")).into_response())
            } else {
                Err(PageError(AppError::Conflict(message)))
            }
        }
        Err(other) => Err(other.into()),
    }
}

// ---- receipt ----

#[derive(Template)]
#[template(path = "apply/receipt.html")]
struct ReceiptPage {
    layout: Layout,
    case: CaseView,
    staff: bool,
    kiosk: bool,
}

async fn receipt(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let detail = state.app.case_detail(&principal, id).await?;
    if detail.summary.state == "draft" {
        return Ok(Redirect::to(&format!("/cases/{id}/check")).into_response());
    }
    let page = ReceiptPage {
        layout: layout_for(
            &ctx,
            format!("受理回执 {}", detail.summary.number),
            &principal,
        ),
        case: CaseView::build(&detail, &state.app),
        staff: principal.is_staff(),
        kiosk: ctx.kiosk,
    };
    Ok(render(StatusCode::OK, &page))
}
