//! The staff workbench for cases: the inbox of the signed-in staff member's roles, department
//! and region (search, filters, pages; deadline state in colour *and* words), and the case page
//! with the form, materials, timeline, the clock and one form per action the workflow allows the
//! viewer now. Who may see and do what is decided by the app layer; its refusals are shown as
//! they are.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::CaseListQuery;
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::cases::Channel;
use zerotrip_core::workflow::{Action, ActionRequest, Command, SpecialProcedure};

use super::account::FieldErrors;
use super::cases::{CaseRowView, CaseView};
use super::context::{Layout, PageCtx, PageForm, PageQuery, Pager, SelectOption, render};
use crate::error::PageResult;
use crate::security::StaffPage;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench", get(inbox))
        .route("/workbench/cases/{id}", get(case_page))
        .route("/workbench/cases/{id}/actions", post(act))
        .layer(axum::middleware::map_response(no_store))
}

/// Staff pages are never kept by the browser's cache (a shared computer at a service hall).
pub async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

pub fn staff_layout(ctx: &PageCtx, title: impl Into<String>, principal: &Principal) -> Layout {
    ctx.staff_layout(title, "workbench", principal)
}

#[derive(Template)]
#[template(path = "workbench/inbox.html")]
struct InboxPage {
    layout: Layout,
    name: String,
    roles: String,
    rows: Vec<CaseRowView>,
    total: i64,
    q: String,
    states: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    scopes: Vec<SelectOption>,
    pager: Pager,
    all: bool,
}

const PER_PAGE: u32 = 20;

async fn inbox(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid("查询参数有误", errors).into());
    }
    let q = query.value("q");
    let state_filter = query.value("state");
    let channel = query.value("channel");
    let scope = query.value("scope");
    let all = scope == "all";
    let list = CaseListQuery {
        state: query.text("state"),
        text: query.text("q"),
        channel: query.text("channel"),
        actionable_only: !all,
        page,
        per_page: PER_PAGE,
    };
    let found = state.app.inbox(&principal, &list).await?;
    let states = [
        ("", "全部状态"),
        ("acceptance", "待受理"),
        ("acceptance_supplement", "待补正（受理前）"),
        ("review", "待审核"),
        ("review_supplement", "待补正（审核中）"),
        ("review_special", "特别程序（审核中）"),
        ("approval", "待审批"),
        ("approval_special", "特别程序（审批中）"),
        ("completion", "待办结"),
        ("delivery", "待送达"),
        ("delivered", "已送达"),
        ("denied", "不予批准"),
        ("rejected", "不予受理"),
        ("withdrawn", "已撤回"),
    ]
    .iter()
    .map(|(v, l)| SelectOption::new(*v, *l, &state_filter))
    .collect();
    let mut channels = vec![SelectOption::new("", "全部渠道", &channel)];
    channels.extend(
        Channel::ALL
            .iter()
            .map(|c| SelectOption::new(c.as_str(), c.label(), &channel)),
    );
    let scopes = vec![
        SelectOption::new("", "待我处理", &scope),
        SelectOption::new("all", "全部办件", &scope),
    ];
    let pager = Pager::new(
        "/workbench",
        &[
            ("q", q.clone()),
            ("state", state_filter.clone()),
            ("channel", channel.clone()),
            ("scope", scope.clone()),
        ],
        page,
        PER_PAGE,
        found.total.max(0) as u64,
    );
    let page = InboxPage {
        layout: staff_layout(&ctx, "办件工作台", &principal),
        name: principal.display_name.clone(),
        roles: principal
            .roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、"),
        rows: found.cases.iter().map(CaseRowView::of).collect(),
        total: found.total,
        q,
        states,
        channels,
        scopes,
        pager,
        all,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Clone)]
struct DepartmentOption {
    credit_code: String,
    label: String,
}

#[derive(Template)]
#[template(path = "workbench/case.html")]
struct WorkbenchCasePage {
    layout: Layout,
    case: CaseView,
    errors: FieldErrors,
    notice: Option<String>,
    /// The action whose form failed, to show its errors next to it.
    failed_action: String,
    comment: String,
    departments: Vec<DepartmentOption>,
    procedures: Vec<(String, String)>,
    payments: super::payments::CasePayments,
    delivery: super::delivery::CaseDelivery,
}

impl WorkbenchCasePage {
    fn can(&self, action: &str) -> bool {
        Action::parse(action).is_some_and(|a| self.case.can(a))
    }

    /// Materials that can be asked for again (not 免提交).
    fn requestable(&self) -> Vec<&super::cases::MaterialRowView> {
        self.case
            .materials
            .iter()
            .filter(|m| m.status != "exempt")
            .collect()
    }

    fn error_for(&self, action: &str) -> Option<String> {
        if self.failed_action != action || self.errors.is_empty() {
            return None;
        }
        Some(
            self.errors
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
        )
    }

    fn comment_for(&self, action: &str) -> &str {
        if self.failed_action == action {
            &self.comment
        } else {
            ""
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn case_response(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    status: StatusCode,
    errors: FieldErrors,
    notice: Option<String>,
    failed: (String, String),
) -> PageResult<Response> {
    let detail = state.app.case_detail(principal, id).await?;
    let case = CaseView::build(&detail, &state.app);
    let departments = if case.can(Action::Transfer) {
        state
            .app
            .item_implementations(&case.item_code)
            .await?
            .into_iter()
            .filter(|m| m.department_name != detail.handling_department)
            .map(|m| DepartmentOption {
                label: format!(
                    "{} · {}",
                    super::context::short_region_name(&m.region_name),
                    m.department_name
                ),
                credit_code: m.department_credit_code,
            })
            .collect()
    } else {
        Vec::new()
    };
    let payments = super::payments::CasePayments::load(state, principal, id).await?;
    let delivery = super::delivery::CaseDelivery::load(state, principal, &detail).await?;
    let page = WorkbenchCasePage {
        layout: staff_layout(ctx, format!("办件 {}", case.number), principal),
        case,
        errors,
        notice,
        failed_action: failed.0,
        comment: failed.1,
        departments,
        procedures: SpecialProcedure::ALL
            .iter()
            .map(|p| (p.as_str().to_owned(), p.label().to_owned()))
            .collect(),
        payments,
        delivery,
    };
    Ok(render(status, &page))
}

async fn case_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    let notice = query.text("done").map(|done| match done.as_str() {
        "uploaded" => "材料已上传。".to_owned(),
        "supplement" => "已代申请人提交补正。".to_owned(),
        "refund" => "退款已申请，支付渠道确认后订单变为“已退款”。".to_owned(),
        "pickup" => "已登记领取，办理结果已送达申请人。".to_owned(),
        other => match Action::parse(other) {
            Some(action) => format!("已{}。", action.label()),
            None => "操作已完成。".to_owned(),
        },
    });
    case_response(
        &state,
        &ctx,
        &principal,
        id,
        StatusCode::OK,
        FieldErrors::default(),
        notice,
        (String::new(), String::new()),
    )
    .await
}

/// The command a workbench form asks for.
fn command_of(form: &PageForm) -> Result<Command, AppError> {
    let action = Action::parse(&form.text("action"))
        .ok_or_else(|| AppError::field("action", "未知的操作"))?;
    Ok(match action {
        Action::Accept => Command::Accept,
        Action::Reject => Command::Reject,
        Action::RequestSupplement => {
            let materials = form.all("materials");
            if materials.is_empty() {
                return Err(AppError::field("materials", "请勾选需要补正的材料"));
            }
            Command::RequestSupplement { materials }
        }
        Action::Supplement => Command::Supplement,
        Action::ReturnToApplicant => Command::ReturnToApplicant,
        Action::ReturnToPrevious => Command::ReturnToPrevious,
        Action::Transfer => {
            let department = form.text("department");
            if department.is_empty() {
                return Err(AppError::field("department", "请选择转办的部门"));
            }
            Command::Transfer { department }
        }
        Action::Review => Command::Review,
        Action::Approve => Command::Approve,
        Action::Deny => Command::Deny,
        Action::Complete => Command::Complete,
        Action::Deliver => Command::Deliver,
        Action::StartSpecialProcedure => {
            let procedure = SpecialProcedure::parse(&form.text("procedure"))
                .ok_or_else(|| AppError::field("procedure", "请选择特别程序的种类"))?;
            let days = form.text("working_days");
            let working_days = if days.is_empty() {
                None
            } else {
                Some(
                    days.parse::<u32>()
                        .map_err(|_| AppError::field("working_days", "工作日数应为正整数"))?,
                )
            };
            Command::StartSpecialProcedure {
                procedure,
                working_days,
            }
        }
        Action::EndSpecialProcedure => Command::EndSpecialProcedure,
        Action::Submit | Action::Withdraw => {
            return Err(AppError::field(
                "action",
                format!("工作台不能执行“{}”", action.label()),
            ));
        }
    })
}

async fn act(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let action = form.text("action");
    let comment = form.text("comment");
    let outcome = match command_of(&form) {
        Ok(command) => {
            let request = ActionRequest {
                command,
                comment: Some(comment.clone()).filter(|c| !c.is_empty()),
            };
            state
                .app
                .act_on_case(&principal, id, request)
                .await
                .map(|_| ())
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) if form.text("back") == "handover" => {
            Ok(Redirect::to("/workbench/window/handover?done=deliver").into_response())
        }
        Ok(()) => Ok(Redirect::to(&format!(
            "/workbench/cases/{id}?done={}",
            urlencoding::encode(&action)
        ))
        .into_response()),
        Err(AppError::NotFound(message)) => Err(AppError::NotFound(message).into()),
        Err(
            error @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_)),
        ) => {
            let status = crate::error::status_of(&error);
            let mut errors = FieldErrors::of(&error);
            if errors.0.iter().all(|e| e.message != error.public_message()) {
                errors
                    .0
                    .insert(0, FieldError::new("", error.public_message()));
            }
            case_response(
                &state,
                &ctx,
                &principal,
                id,
                status,
                errors,
                None,
                (action, comment),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
