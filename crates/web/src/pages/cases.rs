//! A case as its applicant follows it: the list of my cases, the case page (timeline,
//! materials, what to do now — 补正, 撤回 — and the link to rate it when it is done), material
//! downloads, and the progress query by case number + phone + one-time code. The view model of a
//! case here is shared with the application and workbench pages.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::{CaseDetail, CaseListQuery, CaseSummary, FormFieldType, MaterialView};
use zerotrip_core::access::Role;
use zerotrip_core::workflow::{Action, ActionRequest, Command, DeadlineStatus};

use super::account::{Applicant, FieldErrors, SignedIn, layout_for};
use super::context::{
    Layout, PageCtx, PageForm, PageQuery, Pager, SelectOption, china_time, chinese_date, render,
};
use crate::error::{PageError, PageResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/cases", get(my_cases))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/withdraw", get(withdraw_form).post(withdraw))
        .route("/cases/{id}/supplement", post(supplement))
        .route("/cases/{id}/materials/{position}/file", get(material_file))
        .route("/progress", get(progress_form).post(progress))
        .route("/progress/code", post(progress_code))
}

/// A deadline state as a badge: colour and text (and a symbol), never colour alone.
#[derive(Debug, Clone)]
pub struct DeadlineBadge {
    pub class: &'static str,
    pub symbol: &'static str,
    pub label: &'static str,
}

impl DeadlineBadge {
    pub fn of(status: DeadlineStatus) -> Self {
        let (class, symbol) = match status {
            DeadlineStatus::Normal => ("deadline-normal", "✓"),
            DeadlineStatus::DueSoon => ("deadline-due-soon", "!"),
            DeadlineStatus::Overdue => ("deadline-overdue", "✕"),
            DeadlineStatus::Paused => ("deadline-paused", "Ⅱ"),
        };
        DeadlineBadge {
            class,
            symbol,
            label: status.label(),
        }
    }
}

/// One line of a case list.
#[derive(Debug, Clone)]
pub struct CaseRowView {
    pub id: i64,
    pub number: String,
    pub item_name: String,
    pub state_label: String,
    pub state_class: &'static str,
    pub channel_label: String,
    pub applicant_name: String,
    pub submitted: String,
    pub deadline: String,
    pub badge: Option<DeadlineBadge>,
}

/// The colour family of a state, for its badge.
pub fn state_class(state: &str, outcome: Option<&str>) -> &'static str {
    match (state, outcome) {
        ("draft", _) => "state-draft",
        (_, Some("approved" | "completed")) => "state-done",
        (_, Some(_)) => "state-closed",
        (state, None) if state.contains("supplement") => "state-action",
        _ => "state-active",
    }
}

impl CaseRowView {
    pub fn of(summary: &CaseSummary) -> Self {
        let running = summary.submitted_at.is_some() && summary.outcome.is_none();
        CaseRowView {
            id: summary.id,
            number: summary.number.clone(),
            item_name: summary.item_name.clone(),
            state_label: summary.state_label.clone(),
            state_class: state_class(&summary.state, summary.outcome.as_deref()),
            channel_label: summary.channel_label.clone(),
            applicant_name: summary.applicant_name.clone(),
            submitted: summary
                .submitted_at
                .map(china_time)
                .unwrap_or_else(|| "未提交".to_owned()),
            deadline: summary
                .deadline
                .map(chinese_date)
                .unwrap_or_else(|| "—".to_owned()),
            badge: running.then(|| DeadlineBadge::of(summary.deadline_status)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FormRow {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct MaterialRowView {
    pub position: i64,
    pub name: String,
    pub required: bool,
    pub status: String,
    pub status_label: String,
    pub exemption: Option<String>,
    pub file_name: Option<String>,
    pub size: String,
    pub uploaded: String,
    pub supplement: bool,
    pub href: Option<String>,
}

impl MaterialRowView {
    fn of(case_id: i64, material: &MaterialView) -> Self {
        MaterialRowView {
            position: material.position,
            name: material.name.clone(),
            required: material.required,
            status: material.status.clone(),
            status_label: material.status_label.clone(),
            exemption: material.exemption.clone(),
            file_name: material.file_name.clone(),
            size: material.size_bytes.map(size_text).unwrap_or_default(),
            uploaded: material.uploaded_at.map(china_time).unwrap_or_default(),
            supplement: material.status == "supplement_requested",
            href: material
                .file_key
                .as_ref()
                .map(|_| format!("/cases/{case_id}/materials/{}/file", material.position)),
        }
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (bytes as f64 / 1024.0).ceil() as i64)
    }
}

#[derive(Debug, Clone)]
pub struct TimelineView {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub comment: Option<String>,
    pub materials: Vec<String>,
}

/// A case as pages show it; personal data masked.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub state_label: String,
    pub state_class: &'static str,
    pub channel: String,
    pub channel_label: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub applicant_phone: String,
    pub applicant_kind: String,
    /// Who filed for the applicant (an agent or a window clerk), from the timeline.
    pub filed_by: Option<String>,
    pub department: String,
    pub handling_region: String,
    pub filing_region: String,
    pub submitted: String,
    pub deadline: String,
    /// The deadline is the expected one (not yet accepted).
    pub deadline_expected: bool,
    pub limit: String,
    pub days_used: u32,
    pub days_left: Option<i64>,
    pub paused: bool,
    pub badge: Option<DeadlineBadge>,
    pub delivery_label: String,
    pub form: Vec<FormRow>,
    pub materials: Vec<MaterialRowView>,
    pub timeline: Vec<TimelineView>,
    pub is_draft: bool,
    pub finished: bool,
    pub outcome: Option<String>,
    pub viewer_is_applicant: bool,
    /// What the viewer may do now.
    pub actions: Vec<Action>,
}

fn role_label(role: &str) -> String {
    match role {
        "applicant" => "申请人".to_owned(),
        "agent" => "代办人".to_owned(),
        other => Role::parse(other)
            .map(|r| r.label().to_owned())
            .unwrap_or_else(|| other.to_owned()),
    }
}

/// The value of a form field as people read it (the label of a choice).
fn display_value(detail: &CaseDetail, key: &str, value: &str) -> String {
    detail
        .form_fields
        .iter()
        .find(|f| f.key == key)
        .filter(|f| f.field_type == FormFieldType::Select)
        .and_then(|f| f.options.iter().find(|(v, _)| v == value))
        .map(|(_, label)| label.clone())
        .unwrap_or_else(|| value.to_owned())
}

fn mask_form_value(key: &str, value: &str) -> String {
    match key {
        "contact_phone" => zerotrip_core::ids::MobileNumber::parse(value)
            .map(|m| m.masked())
            .unwrap_or_else(|_| value.to_owned()),
        _ => zerotrip_core::privacy::mask_personal_data(value),
    }
}

impl CaseView {
    /// The case with, before 受理, the completion date expected if it were accepted on the day
    /// it was submitted (the clock itself starts at 受理).
    pub fn build(detail: &CaseDetail, app: &zerotrip_app::App) -> Self {
        let mut view = CaseView::of(detail);
        super::delivery::refine_form_rows(&mut view.form, detail, app);
        let waiting = detail.clock.deadline.is_none()
            && detail.clock.accepted_on.is_none()
            && detail.summary.outcome.is_none();
        if let (true, Some(submitted)) = (waiting, detail.summary.submitted_at) {
            let day = (submitted + chrono::Duration::hours(8)).date_naive();
            let expected = app
                .calendar()
                .add_working_days(day, detail.clock.limit_working_days);
            view.deadline = chinese_date(expected);
            view.deadline_expected = true;
        }
        view
    }

    fn of(detail: &CaseDetail) -> Self {
        let s = &detail.summary;
        let running = s.submitted_at.is_some() && s.outcome.is_none();
        let timeline: Vec<TimelineView> = detail
            .timeline
            .iter()
            .map(|entry| TimelineView {
                at: china_time(entry.at),
                actor: entry.actor.clone(),
                role: role_label(&entry.actor_role),
                action: entry.action_label.clone(),
                comment: entry.comment.clone(),
                materials: entry
                    .details
                    .get("materials")
                    .and_then(|m| m.as_array())
                    .map(|list| {
                        list.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        let filed_by = detail
            .timeline
            .iter()
            .find(|e| e.action == "submit" && e.actor_role != "applicant")
            .map(|e| format!("{}（{}）", e.actor, role_label(&e.actor_role)));
        let form = detail
            .form_fields
            .iter()
            .map(|field| {
                let value = detail.form.get(&field.key).cloned().unwrap_or_default();
                FormRow {
                    key: field.key.clone(),
                    label: field.label.clone(),
                    value: if value.is_empty() {
                        "未填写".to_owned()
                    } else {
                        mask_form_value(&field.key, &display_value(detail, &field.key, &value))
                    },
                }
            })
            .collect();
        CaseView {
            id: s.id,
            number: s.number.clone(),
            item_code: s.item_code.clone(),
            item_name: s.item_name.clone(),
            state_label: s.state_label.clone(),
            state_class: state_class(&s.state, s.outcome.as_deref()),
            channel: s.channel.clone(),
            channel_label: s.channel_label.clone(),
            applicant_name: detail.applicant.name.clone(),
            applicant_id: detail.applicant.id_number_masked.clone(),
            applicant_phone: detail.applicant.contact_phone_masked.clone(),
            applicant_kind: if detail.applicant.kind == "company" {
                "法人".to_owned()
            } else {
                "个人".to_owned()
            },
            filed_by,
            department: detail.handling_department.clone(),
            handling_region: super::context::short_region_name(&detail.handling_region_name),
            filing_region: super::context::short_region_name(&detail.filing_region_name),
            submitted: s
                .submitted_at
                .map(china_time)
                .unwrap_or_else(|| "未提交".to_owned()),
            deadline: detail
                .clock
                .deadline
                .or(detail.clock.projected_deadline)
                .or(s.deadline)
                .map(chinese_date)
                .unwrap_or_else(|| "受理后计算".to_owned()),
            deadline_expected: false,
            limit: super::context::working_days(Some(detail.clock.limit_working_days)),
            days_used: detail.clock.working_days_used,
            days_left: detail.clock.working_days_left,
            paused: detail.clock.paused,
            badge: running.then(|| DeadlineBadge::of(detail.clock.status)),
            delivery_label: detail
                .delivery_method_label
                .clone()
                .unwrap_or_else(|| "未选择".to_owned()),
            form,
            materials: detail
                .materials
                .iter()
                .map(|m| MaterialRowView::of(s.id, m))
                .collect(),
            timeline,
            is_draft: s.state == "draft",
            finished: s.outcome.is_some(),
            outcome: s.outcome.clone(),
            viewer_is_applicant: detail.viewer_is_applicant,
            actions: detail.allowed_actions.iter().map(|a| a.action).collect(),
        }
    }

    pub fn can(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// What the latest 补正告知 said.
    pub fn supplement_comment(&self) -> Option<&str> {
        self.timeline
            .iter()
            .rev()
            .find(|e| e.action == Action::RequestSupplement.label())
            .and_then(|e| e.comment.as_deref())
    }

    /// Materials the applicant is asked to hand in again.
    pub fn supplements(&self) -> Vec<&MaterialRowView> {
        self.materials.iter().filter(|m| m.supplement).collect()
    }

    /// The applicant may rate the service once it is done (not for a withdrawn case).
    pub fn can_rate(&self) -> bool {
        self.viewer_is_applicant
            && self.finished
            && self.outcome.as_deref() != Some("withdrawn")
            && self.outcome.as_deref() != Some("rejected")
    }
}

// ---- my cases ----

#[derive(Template)]
#[template(path = "cases/list.html")]
struct MyCasesPage {
    layout: Layout,
    rows: Vec<CaseRowView>,
    total: i64,
    q: String,
    states: Vec<SelectOption>,
    pager: Pager,
    name: String,
}

const PER_PAGE: u32 = 20;

async fn my_cases(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    query: PageQuery,
) -> PageResult<Response> {
    if principal.is_staff() {
        return Ok(Redirect::to("/workbench").into_response());
    }
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    let q = query.value("q");
    let filter = query.value("state");
    let list = CaseListQuery {
        state: query.text("state"),
        text: query.text("q"),
        page,
        per_page: PER_PAGE,
        ..Default::default()
    };
    let found = state.app.my_cases(&principal, &list).await?;
    let states = [
        ("", "全部状态"),
        ("draft", "填写申请（草稿）"),
        ("acceptance", "待受理"),
        ("acceptance_supplement", "待补正（受理前）"),
        ("review", "待审核"),
        ("review_supplement", "待补正（审核中）"),
        ("approval", "待审批"),
        ("completion", "待办结"),
        ("delivery", "待送达"),
        ("delivered", "已送达"),
    ]
    .iter()
    .map(|(v, l)| SelectOption::new(*v, *l, &filter))
    .collect();
    let pager = Pager::new(
        "/my/cases",
        &[("q", q.clone()), ("state", filter.clone())],
        page,
        PER_PAGE,
        found.total.max(0) as u64,
    );
    let page = MyCasesPage {
        layout: layout_for(&ctx, "我的办件", &principal),
        rows: found.cases.iter().map(CaseRowView::of).collect(),
        total: found.total,
        q,
        states,
        pager,
        name: principal.display_name.clone(),
    };
    Ok(render(StatusCode::OK, &page))
}

// ---- one case ----

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    layout: Layout,
    case: CaseView,
    errors: FieldErrors,
    notice: Option<String>,
    payments: super::payments::CasePayments,
    delivery: super::delivery::CaseDelivery,
}

pub async fn case_response(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    status: StatusCode,
    errors: FieldErrors,
    notice: Option<String>,
) -> PageResult<Response> {
    let detail = state.app.case_detail(principal, id).await?;
    if principal.is_staff() && !detail.viewer_is_applicant && status == StatusCode::OK {
        return Ok(Redirect::to(&format!("/workbench/cases/{id}")).into_response());
    }
    let case = CaseView::build(&detail, &state.app);
    let payments = super::payments::CasePayments::load(state, principal, id).await?;
    let delivery = super::delivery::CaseDelivery::load(state, principal, &detail).await?;
    let page = CasePage {
        layout: layout_for(ctx, format!("办件 {}", case.number), principal),
        case,
        errors,
        notice,
        payments,
        delivery,
    };
    Ok(render(status, &page))
}

async fn case_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    let notice = match query.value("done").as_str() {
        "uploaded" => Some("材料已上传。全部补齐后请点击“提交补正”。".to_owned()),
        "supplemented" => Some("已提交补正材料，办理时限继续计算。".to_owned()),
        "withdrawn" => Some("申请已撤回。".to_owned()),
        "delivery" => Some("结果送达方式已保存。".to_owned()),
        _ => None,
    };
    let detail = state.app.case_detail(&principal, id).await?;
    if detail.summary.state == "draft" && detail.viewer_is_applicant && notice.is_none() {
        // A draft is continued where it was left.
        return Ok(Redirect::to(&format!("/cases/{id}/edit")).into_response());
    }
    case_response(
        &state,
        &ctx,
        &principal,
        id,
        StatusCode::OK,
        FieldErrors::default(),
        notice,
    )
    .await
}

#[derive(Template)]
#[template(path = "cases/withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    case: CaseView,
    errors: FieldErrors,
    reason: String,
}

async fn withdraw_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Applicant(principal): Applicant,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let detail = state.app.case_detail(&principal, id).await?;
    let case = CaseView::build(&detail, &state.app);
    if !case.can(Action::Withdraw) {
        return Err(PageError(AppError::conflict(
            "该办件当前不能撤回（已作出决定或已办结）",
        )));
    }
    Ok(render(
        StatusCode::OK,
        &WithdrawPage {
            layout: layout_for(&ctx, "撤回申请", &principal),
            case,
            errors: FieldErrors::default(),
            reason: String::new(),
        },
    ))
}

async fn withdraw(
    State(state): State<AppState>,
    ctx: PageCtx,
    Applicant(principal): Applicant,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let reason = form.text("reason");
    let request = ActionRequest {
        command: Command::Withdraw,
        comment: Some(reason.clone()).filter(|r| !r.is_empty()),
    };
    if !form.checked("confirm") {
        let detail = state.app.case_detail(&principal, id).await?;
        return Ok(render(
            StatusCode::BAD_REQUEST,
            &WithdrawPage {
                layout: layout_for(&ctx, "撤回申请", &principal),
                case: CaseView::build(&detail, &state.app),
                errors: FieldErrors(vec![zerotrip_app::FieldError::new(
                    "confirm",
                    "请勾选确认撤回",
                )]),
                reason,
            },
        ));
    }
    match state.app.act_on_case(&principal, id, request).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=withdrawn")).into_response()),
        Err(error @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            case_response(
                &state,
                &ctx,
                &principal,
                id,
                StatusCode::CONFLICT,
                FieldErrors::of(&error),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn supplement(
    State(state): State<AppState>,
    ctx: PageCtx,
    SignedIn(principal): SignedIn,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let request = ActionRequest {
        command: Command::Supplement,
        comment: None,
    };
    match state.app.act_on_case(&principal, id, request).await {
        Ok(_) if principal.is_staff() => {
            Ok(Redirect::to(&format!("/workbench/cases/{id}?done=supplement")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=supplemented")).into_response()),
        Err(error @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            case_response(
                &state,
                &ctx,
                &principal,
                id,
                StatusCode::BAD_REQUEST,
                FieldErrors::of(&error),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// A material's file, for whoever may see the case; always as a download, never inline.
async fn material_file(
    State(state): State<AppState>,
    SignedIn(principal): SignedIn,
    Path((id, position)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let (bytes, content_type, file_name) = state
        .app
        .case_material_file(&principal, id, position)
        .await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencoding::encode(&file_name)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

// ---- progress query ----

#[derive(Debug, Clone)]
struct StepView {
    at: String,
    what: String,
}

#[derive(Debug, Clone)]
struct ProgressResult {
    number: String,
    item_name: String,
    state_label: String,
    submitted: String,
    deadline: String,
    completed: String,
    steps: Vec<StepView>,
}

#[derive(Template)]
#[template(path = "cases/progress.html")]
struct ProgressPage {
    layout: Layout,
    number: String,
    phone: String,
    code_sent: bool,
    errors: FieldErrors,
    result: Option<ProgressResult>,
}

fn progress_page(
    ctx: &PageCtx,
    status: StatusCode,
    form: &PageForm,
    code_sent: bool,
    errors: FieldErrors,
    result: Option<ProgressResult>,
) -> Response {
    render(
        status,
        &ProgressPage {
            layout: ctx.layout("办件进度查询", ""),
            number: form.text("number"),
            phone: form.text("phone"),
            code_sent,
            errors,
            result,
        },
    )
}

async fn progress_form(ctx: PageCtx) -> Response {
    progress_page(
        &ctx,
        StatusCode::OK,
        &PageForm::default(),
        false,
        FieldErrors::default(),
        None,
    )
}

async fn progress_code(
    State(state): State<AppState>,
    ctx: PageCtx,
    crate::security::ClientAddress(address): crate::security::ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    if !state.login_throttle.allow(address) {
        return Ok(progress_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &form,
            false,
            FieldErrors(vec![zerotrip_app::FieldError::new(
                "number",
                "查询过于频繁，请稍等 30 秒后再试",
            )]),
            None,
        ));
    }
    match state
        .app
        .send_progress_code(&form.text("number"), &form.text("phone"))
        .await
    {
        Ok(()) => Ok(progress_page(
            &ctx,
            StatusCode::OK,
            &form,
            true,
            FieldErrors::default(),
            None,
        )),
        Err(error @ (AppError::Invalid { .. } | AppError::TooManyRequests(_))) => {
            let status = crate::error::status_of(&error);
            let errors = match &error {
                AppError::TooManyRequests(message) => {
                    FieldErrors(vec![zerotrip_app::FieldError::new("phone", message)])
                }
                _ => FieldErrors::of(&error),
            };
            Ok(progress_page(&ctx, status, &form, false, errors, None))
        }
        Err(other) => Err(other.into()),
    }
}

async fn progress(
    State(state): State<AppState>,
    ctx: PageCtx,
    crate::security::ClientAddress(address): crate::security::ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    if !state.login_throttle.allow(address) {
        return Ok(progress_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &form,
            true,
            FieldErrors(vec![zerotrip_app::FieldError::new(
                "code",
                "查询过于频繁，请稍等 30 秒后再试",
            )]),
            None,
        ));
    }
    match state
        .app
        .progress_with_code(
            &form.text("number"),
            &form.text("phone"),
            &form.text("code"),
        )
        .await
    {
        Ok(found) => {
            let result = ProgressResult {
                number: found.number,
                item_name: found.item_name,
                state_label: found.state_label,
                submitted: found.submitted_at.map(china_time).unwrap_or_default(),
                deadline: found
                    .deadline
                    .map(chinese_date)
                    .unwrap_or_else(|| "受理后计算".to_owned()),
                completed: found.completed_at.map(china_time).unwrap_or_default(),
                steps: found
                    .steps
                    .into_iter()
                    .map(|(at, what)| StepView {
                        at: china_time(at),
                        what,
                    })
                    .collect(),
            };
            Ok(progress_page(
                &ctx,
                StatusCode::OK,
                &form,
                false,
                FieldErrors::default(),
                Some(result),
            ))
        }
        Err(error @ AppError::Invalid { .. }) => Ok(progress_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            &form,
            true,
            FieldErrors::of(&error),
            None,
        )),
        Err(other) => Err(other.into()),
    }
}
