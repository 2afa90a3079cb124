//! 12345 work orders on the pages. For people: asking 12345 (`/hotline/new`, reached from a
//! failed search with the query filled in), their orders and the online callback. For staff:
//! the inbox `/workbench/hotline` with deadline states and reminder marks, taking a call, and
//! the order page with its timeline and one form per action the viewer may take now. Who may see
//! and do what is decided by the app layer; its refusals are shown as they are.

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};
use zerotrip_app::auth::{Principal, SessionKind};
use zerotrip_app::hotline::{
    CallbackInput, CallbackSatisfaction, DepartmentOption, DispatchInput, DispatchSuggestion,
    MergeInput, WorkOrderInput, WorkOrderKind, WorkOrderListQuery, WorkOrderStatus, WorkOrderView,
};
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::DivisionLevel;

use super::context::{
    Layout, PageCtx, PageForm, PageQuery, Pager, SelectOption, china_time, chinese_date, render,
    short_region_name,
};
use crate::error::{PageError, PageResult};
use crate::security::{SESSION_COOKIE, StaffPage};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    let staff = Router::new()
        .route("/workbench/hotline", get(inbox).post(intake))
        .route("/workbench/hotline/new", get(intake_form))
        .route("/workbench/hotline/{id}", get(staff_order))
        .route("/workbench/hotline/{id}/{action}", post(staff_act))
        .layer(axum::middleware::map_response(no_store));
    Router::new()
        .route("/hotline/new", get(new_form))
        .route("/hotline/orders", get(my_orders).post(create))
        .route("/hotline/orders/{id}", get(my_order))
        .route("/hotline/orders/{id}/callback", post(my_callback))
        .merge(staff)
}

/// Staff pages are never kept by the browser's cache (a shared computer at a service hall).
async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// Whoever is signed in through the page session; visitors go to `/login` and come back.
struct Visitor(Principal);

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let found = match jar.get(SESSION_COOKIE) {
            Some(cookie) => state
                .app
                .session(cookie.value(), SessionKind::Cookie)
                .await
                .map_err(|error| PageError(error).into_response())?
                .map(|(principal, _)| principal),
            None => None,
        };
        match found {
            Some(principal) => Ok(Visitor(principal)),
            None => {
                let next = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_else(|| "/hotline/orders".to_owned())
                } else {
                    parts.uri.path().to_owned()
                };
                let target = format!("/login?next={}", urlencoding::encode(&next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// Field errors, shown next to their fields and in a summary.
#[derive(Debug, Clone, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn of(error: &AppError) -> Self {
        let mut fields = error.fields().to_vec();
        if fields.is_empty() {
            fields.push(FieldError::new("", error.public_message()));
        }
        Errors(fields)
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn anchor(&self, error: &FieldError) -> String {
        if error.field.is_empty() {
            "#main".to_owned()
        } else {
            format!("#{}", error.field)
        }
    }
}

fn status_for(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// An error a form can show in place; the rest become error pages.
fn shown_in_form(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. } | AppError::Forbidden(_) | AppError::Conflict(_)
    )
}

// ---- what the templates show ----

#[derive(Debug, Clone)]
struct Badge {
    class: &'static str,
    symbol: &'static str,
    label: String,
}

#[derive(Debug, Clone)]
struct TimelineRow {
    at: String,
    actor: String,
    role: String,
    action: String,
    department: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct OrderDisplay {
    id: i64,
    number: String,
    kind_label: String,
    channel_label: String,
    title: String,
    content: String,
    requester: String,
    phone: String,
    /// The number to dial, for those who may see it.
    phone_link: Option<String>,
    region: String,
    item: Option<String>,
    search_query: Option<String>,
    source_case: Option<String>,
    status_label: String,
    status_class: &'static str,
    lead: Option<String>,
    assists: String,
    merged_into: Option<(i64, String)>,
    merged: Vec<(i64, String)>,
    working_days: i64,
    accepted_on: String,
    deadline: String,
    badge: Option<Badge>,
    reminded: Option<String>,
    escalated: Option<String>,
    reply: Option<String>,
    replied: String,
    closed: Option<String>,
    close_note: Option<String>,
    callback_due: Option<String>,
    satisfaction: Option<String>,
    callback_note: Option<String>,
    callback_at: Option<String>,
    reopen_count: i64,
    created: String,
    timeline: Vec<TimelineRow>,
    actions: Vec<String>,
}

fn status_class(status: &str) -> &'static str {
    match status {
        "pending" | "returned" => "state-action",
        "replied" | "closed" => "state-active",
        "completed" => "state-done",
        "merged" => "state-closed",
        _ => "state-active",
    }
}

fn deadline_badge(view: &WorkOrderView) -> Option<Badge> {
    let (class, symbol) = match view.deadline_status.as_str() {
        "normal" => ("deadline-normal", "✓"),
        "due_soon" => ("deadline-due-soon", "!"),
        "overdue" => ("deadline-overdue", "✕"),
        _ => return None,
    };
    let label = match view.days_left {
        Some(left) if left < 0 => {
            format!("{}（超 {} 个工作日）", view.deadline_status_label, -left)
        }
        Some(left) if view.deadline_status != "overdue" => {
            format!("{}（剩 {left} 个工作日）", view.deadline_status_label)
        }
        _ => view.deadline_status_label.clone(),
    };
    Some(Badge {
        class,
        symbol,
        label,
    })
}

fn date(value: NaiveDate) -> String {
    chinese_date(value)
}

fn time(value: DateTime<Utc>) -> String {
    china_time(value)
}

impl OrderDisplay {
    fn of(view: &WorkOrderView) -> Self {
        OrderDisplay {
            id: view.id,
            number: view.number.clone(),
            kind_label: view.kind_label.clone(),
            channel_label: view.channel_label.clone(),
            title: view.title.clone(),
            content: view.content.clone(),
            requester: view
                .requester_name
                .clone()
                .unwrap_or_else(|| view.requester_name_masked.clone()),
            phone: view
                .contact_phone
                .clone()
                .unwrap_or_else(|| view.contact_phone_masked.clone()),
            phone_link: view.contact_phone.clone(),
            region: short_region_name(&view.region_name),
            item: match (&view.item_name, &view.item_code) {
                (Some(name), Some(code)) => Some(format!("{name}（{code}）")),
                _ => None,
            },
            search_query: view.search_query.clone(),
            source_case: view.source_case_number.clone(),
            status_label: view.status_label.clone(),
            status_class: status_class(&view.status),
            lead: view.lead_department.as_ref().map(|d| d.name.clone()),
            assists: view
                .assist_departments
                .iter()
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
                .join("、"),
            merged_into: view.merged_into.as_ref().map(|o| (o.id, o.number.clone())),
            merged: view
                .merged_orders
                .iter()
                .map(|o| (o.id, o.number.clone()))
                .collect(),
            working_days: view.working_days,
            accepted_on: date(view.accepted_on),
            deadline: date(view.deadline),
            badge: deadline_badge(view),
            reminded: view.reminded_at.map(time),
            escalated: view.escalated_at.map(time),
            reply: view.reply.clone(),
            replied: match (&view.replied_by, view.replied_at) {
                (Some(by), Some(at)) => format!("{by} · {}", time(at)),
                (Some(by), None) => by.clone(),
                _ => String::new(),
            },
            closed: view.closed_at.map(time),
            close_note: view.close_note.clone(),
            callback_due: view.callback_due.map(date),
            satisfaction: view.satisfaction_label.clone(),
            callback_note: view.callback_note.clone(),
            callback_at: view.callback_at.map(time),
            reopen_count: view.reopen_count,
            created: time(view.created_at),
            timeline: view
                .timeline
                .iter()
                .map(|e| TimelineRow {
                    at: time(e.at),
                    actor: e.actor.clone(),
                    role: e.role_label.clone(),
                    action: e.action_label.clone(),
                    department: e.department.clone(),
                    note: e.note.clone(),
                })
                .collect(),
            actions: view.actions.clone(),
        }
    }

    fn can(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }
}

/// Regions a request can be about: the province, its cities and county-level units.
fn region_options(state: &AppState, current: &str) -> Vec<SelectOption> {
    let tree = state.app.regions();
    let mut options = vec![SelectOption::new(
        tree.province().code.to_string(),
        format!("{}（全省）", tree.province().name),
        current,
    )];
    options.extend(
        tree.iter()
            .filter(|d| {
                matches!(d.level, DivisionLevel::City | DivisionLevel::County)
                    && !d.is_pseudo_prefecture()
            })
            .map(|d| {
                SelectOption::new(
                    d.code.to_string(),
                    short_region_name(&tree.full_name(&d.code)),
                    current,
                )
            }),
    );
    options
}

#[derive(Debug, Clone)]
struct KindOption {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    selected: bool,
}

fn kind_options(current: &str) -> Vec<KindOption> {
    WorkOrderKind::INTAKE
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: k.label(),
            hint: k.hint(),
            selected: k.as_str() == current,
        })
        .collect()
}

#[derive(Debug, Clone)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

fn satisfaction_choices() -> Vec<Choice> {
    CallbackSatisfaction::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: s.label(),
        })
        .collect()
}

// ---- people: asking 12345 ----

#[derive(Debug, Clone, Default)]
struct RequestForm {
    kind: String,
    title: String,
    content: String,
    region: String,
    item_code: String,
    contact_phone: String,
    requester_name: String,
    requester_id_number: String,
    search_query: String,
}

impl RequestForm {
    fn from_form(form: &PageForm) -> Self {
        RequestForm {
            kind: form.text("kind"),
            title: form.text("title"),
            content: form.raw("content").unwrap_or("").trim().to_owned(),
            region: form.text("region"),
            item_code: form.text("item_code"),
            contact_phone: form.text("contact_phone"),
            requester_name: form.text("requester_name"),
            requester_id_number: form.text("requester_id_number"),
            search_query: form.text("search_query"),
        }
    }

    fn input(&self) -> WorkOrderInput {
        let some = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        WorkOrderInput {
            kind: self.kind.clone(),
            title: some(&self.title),
            content: self.content.clone(),
            region: self.region.clone(),
            item_code: some(&self.item_code),
            contact_phone: some(&self.contact_phone),
            requester_name: some(&self.requester_name),
            requester_id_number: some(&self.requester_id_number),
            search_query: some(&self.search_query),
        }
    }
}

#[derive(Template)]
#[template(path = "hotline/new.html")]
struct NewPage {
    layout: Layout,
    values: RequestForm,
    kinds: Vec<KindOption>,
    regions: Vec<SelectOption>,
    account_phone: String,
    errors: Errors,
}

fn new_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    values: RequestForm,
    errors: Errors,
) -> NewPage {
    NewPage {
        layout: ctx.layout("向 12345 反映诉求", ""),
        kinds: kind_options(&values.kind),
        regions: region_options(state, &values.region),
        account_phone: principal
            .phone
            .as_deref()
            .map(zerotrip_app::hotline::mask_phone)
            .unwrap_or_default(),
        values,
        errors,
    }
}

/// Staff of the 12345 body take calls on the workbench; other staff have no business here.
fn refuse_staff(principal: &Principal, q: &str) -> Option<Response> {
    if principal.kind != AccountKind::Staff {
        return None;
    }
    let target = if q.is_empty() {
        "/workbench/hotline/new".to_owned()
    } else {
        format!("/workbench/hotline/new?q={}", urlencoding::encode(q))
    };
    Some(Redirect::to(&target).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    query: PageQuery,
) -> PageResult<Response> {
    let q: String = query.value("q").chars().take(100).collect();
    if let Some(redirect) = refuse_staff(&principal, &q) {
        return Ok(redirect);
    }
    // The region of the ID number when it is a county-level unit of the province.
    let region = principal
        .id_number
        .as_deref()
        .and_then(|id| id.get(..6))
        .filter(|code| state.app.regions().find(code).is_some())
        .unwrap_or("")
        .to_owned();
    let values = RequestForm {
        kind: if q.is_empty() {
            String::new()
        } else {
            "consultation".to_owned()
        },
        content: if q.is_empty() {
            String::new()
        } else {
            format!("我在网站上搜索“{q}”，没有找到想要的结果。我想咨询：")
        },
        region,
        search_query: q,
        ..Default::default()
    };
    Ok(render(
        StatusCode::OK,
        &new_page(&state, &ctx, &principal, values, Errors::default()),
    ))
}

async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    form: PageForm,
) -> PageResult<Response> {
    if let Some(redirect) = refuse_staff(&principal, "") {
        return Ok(redirect);
    }
    let values = RequestForm::from_form(&form);
    match state
        .app
        .create_work_order(&principal, &values.input())
        .await
    {
        Ok(order) => {
            Ok(Redirect::to(&format!("/hotline/orders/{}?created=1", order.id)).into_response())
        }
        Err(error) if shown_in_form(&error) => Ok(render(
            status_for(&error),
            &new_page(&state, &ctx, &principal, values, Errors::of(&error)),
        )),
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "hotline/list.html")]
struct MyOrdersPage {
    layout: Layout,
    orders: Vec<OrderDisplay>,
    total: i64,
    pager: Pager,
}

async fn my_orders(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    query: PageQuery,
) -> PageResult<Response> {
    if principal.is_staff() {
        return Ok(Redirect::to("/workbench/hotline").into_response());
    }
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    if !errors.is_empty() {
        return Err(AppError::invalid("查询参数有误", errors).into());
    }
    let found = state
        .app
        .work_orders(
            &principal,
            &WorkOrderListQuery {
                page,
                per_page: PER_PAGE,
                ..Default::default()
            },
        )
        .await?;
    let page_view = MyOrdersPage {
        layout: ctx.layout("我的 12345 诉求", ""),
        orders: found.orders.iter().map(OrderDisplay::of).collect(),
        total: found.total,
        pager: Pager::new(
            "/hotline/orders",
            &[],
            page,
            PER_PAGE,
            found.total.max(0) as u64,
        ),
    };
    Ok(render(StatusCode::OK, &page_view))
}

#[derive(Template)]
#[template(path = "hotline/order.html")]
struct MyOrderPage {
    layout: Layout,
    order: OrderDisplay,
    notice: Option<String>,
    errors: Errors,
    satisfactions: Vec<Choice>,
}

async fn my_order_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
    errors: Errors,
) -> PageResult<Response> {
    let view = state.app.work_order(principal, id).await?;
    let page = MyOrderPage {
        layout: ctx.layout(format!("诉求 {}", view.number), ""),
        order: OrderDisplay::of(&view),
        notice,
        errors,
        satisfactions: satisfaction_choices(),
    };
    Ok(render(status, &page))
}

async fn my_order(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    if principal.is_staff() {
        return Ok(Redirect::to(&format!("/workbench/hotline/{id}")).into_response());
    }
    let notice = if query.text("created").is_some() {
        Some("您的诉求已受理，我们会在办理期限内答复您。".to_owned())
    } else if query.text("rated").is_some() {
        Some("感谢您的评价，回访结果已记录。".to_owned())
    } else {
        None
    };
    my_order_page(
        &state,
        &ctx,
        &principal,
        id,
        StatusCode::OK,
        notice,
        Errors::default(),
    )
    .await
}

async fn my_callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    Visitor(principal): Visitor,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let input = CallbackInput {
        satisfaction: form.text("satisfaction"),
        note: Some(form.text("note")).filter(|n| !n.is_empty()),
        reopen: None,
    };
    match state
        .app
        .record_work_order_callback(&principal, id, &input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/hotline/orders/{id}?rated=1")).into_response()),
        Err(error) if shown_in_form(&error) => {
            my_order_page(
                &state,
                &ctx,
                &principal,
                id,
                status_for(&error),
                None,
                Errors::of(&error),
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

// ---- staff ----

const PER_PAGE: u32 = 20;

fn staff_layout(ctx: &PageCtx, title: impl Into<String>, principal: &Principal) -> Layout {
    ctx.staff_layout(title, "hotline", principal)
}

#[derive(Template)]
#[template(path = "hotline/inbox.html")]
struct InboxPage {
    layout: Layout,
    orders: Vec<OrderDisplay>,
    total: i64,
    all: bool,
    q: String,
    overdue: bool,
    scopes: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    pager: Pager,
    hotline: bool,
    notice: Option<String>,
}

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
    let scope = query.value("scope");
    let status = query.value("status");
    let kind = query.value("kind");
    let q = query.value("q");
    let overdue = query.text("overdue").is_some();
    let found = state
        .app
        .work_orders(
            &principal,
            &WorkOrderListQuery {
                scope: query.text("scope"),
                status: query.text("status"),
                kind: query.text("kind"),
                text: query.text("q"),
                overdue,
                page,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let hotline = state.app.is_hotline_staff(&principal).await?;
    let mut statuses = vec![SelectOption::new("", "全部状态", &status)];
    statuses.extend(
        WorkOrderStatus::ALL
            .iter()
            .map(|s| SelectOption::new(s.as_str(), s.label(), &status)),
    );
    let mut kinds = vec![SelectOption::new("", "全部类型", &kind)];
    kinds.extend(
        WorkOrderKind::ALL
            .iter()
            .map(|k| SelectOption::new(k.as_str(), k.label(), &kind)),
    );
    let pager = Pager::new(
        "/workbench/hotline",
        &[
            ("scope", scope.clone()),
            ("status", status.clone()),
            ("kind", kind.clone()),
            ("q", q.clone()),
            (
                "overdue",
                if overdue {
                    "1".to_owned()
                } else {
                    String::new()
                },
            ),
        ],
        page,
        PER_PAGE,
        found.total.max(0) as u64,
    );
    let notice = match query.value("done").as_str() {
        "return" => Some("已退单，工单已退回 12345 热线改派。".to_owned()),
        _ => None,
    };
    let page_view = InboxPage {
        layout: staff_layout(&ctx, "12345 工单", &principal),
        orders: found.orders.iter().map(OrderDisplay::of).collect(),
        total: found.total,
        all: found.scope == "all",
        q,
        overdue,
        scopes: vec![
            SelectOption::new("", "待我处理", &scope),
            SelectOption::new("all", "全部工单", &scope),
        ],
        statuses,
        kinds,
        pager,
        hotline,
        notice,
    };
    Ok(render(StatusCode::OK, &page_view))
}

#[derive(Template)]
#[template(path = "hotline/intake.html")]
struct IntakePage {
    layout: Layout,
    values: RequestForm,
    kinds: Vec<KindOption>,
    regions: Vec<SelectOption>,
    errors: Errors,
}

fn intake_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    values: RequestForm,
    errors: Errors,
) -> IntakePage {
    IntakePage {
        layout: staff_layout(ctx, "登记来电诉求", principal),
        kinds: kind_options(&values.kind),
        regions: region_options(state, &values.region),
        values,
        errors,
    }
}

async fn intake_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let q: String = query.value("q").chars().take(100).collect();
    let values = RequestForm {
        content: q.clone(),
        search_query: q,
        ..Default::default()
    };
    Ok(render(
        StatusCode::OK,
        &intake_page(&state, &ctx, &principal, values, Errors::default()),
    ))
}

async fn intake(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    let values = RequestForm::from_form(&form);
    match state
        .app
        .create_work_order(&principal, &values.input())
        .await
    {
        Ok(order) => Ok(
            Redirect::to(&format!("/workbench/hotline/{}?done=create", order.id)).into_response(),
        ),
        Err(error) if shown_in_form(&error) => Ok(render(
            status_for(&error),
            &intake_page(&state, &ctx, &principal, values, Errors::of(&error)),
        )),
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "hotline/staff_order.html")]
struct StaffOrderPage {
    layout: Layout,
    order: OrderDisplay,
    notice: Option<String>,
    errors: Errors,
    /// The action whose form failed, and what was entered.
    failed: String,
    entered: PageForm,
    suggestions: Vec<DispatchSuggestion>,
    departments: Vec<DepartmentOption>,
    satisfactions: Vec<Choice>,
}

impl StaffOrderPage {
    fn error_for(&self, action: &str) -> Option<String> {
        (self.failed == action && !self.errors.is_empty()).then(|| {
            self.errors
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；")
        })
    }

    /// What was typed into a field of the failed form (empty for other forms).
    fn entered(&self, action: &str, field: &str) -> String {
        if self.failed == action {
            self.entered.text(field)
        } else {
            String::new()
        }
    }

    /// The department preselected in a dispatch form: what was chosen, else the first
    /// suggestion.
    fn chosen(&self, action: &str) -> String {
        let entered = self.entered(action, "department");
        if !entered.is_empty() {
            return entered;
        }
        self.suggestions
            .first()
            .map(|s| s.department.credit_code.clone())
            .unwrap_or_default()
    }

    /// Departments grouped by region, for the dispatch selects.
    fn department_groups(&self) -> Vec<(String, Vec<&DepartmentOption>)> {
        let mut groups: Vec<(String, Vec<&DepartmentOption>)> = Vec::new();
        for department in &self.departments {
            let label = short_region_name(&department.region_name);
            match groups.iter_mut().find(|(name, _)| *name == label) {
                Some((_, list)) => list.push(department),
                None => groups.push((label, vec![department])),
            }
        }
        groups
    }
}

fn done_message(action: &str) -> Option<String> {
    let text = match action {
        "create" => "来电诉求已登记。",
        "dispatch" => "已派单。",
        "redispatch" => "已改派。",
        "merge" => "已并单，本工单随主工单办理。",
        "reply" => "已答复。",
        "opinion" => "协办意见已提交。",
        "rework" => "已退回承办单位重新办理。",
        "close" => "工单已办结，请在回访日回访诉求人。",
        "callback" => "回访结果已记录。",
        _ => return None,
    };
    Some(text.to_owned())
}

#[allow(clippy::too_many_arguments)]
async fn staff_order_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
    errors: Errors,
    failed: (String, PageForm),
) -> PageResult<Response> {
    let view = state.app.work_order(principal, id).await?;
    let dispatching = view.can("dispatch") || view.can("redispatch");
    let (suggestions, departments) = if dispatching {
        (
            state.app.work_order_suggestions(principal, id).await?,
            state.app.work_order_departments(principal, id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = StaffOrderPage {
        layout: staff_layout(ctx, format!("工单 {}", view.number), principal),
        order: OrderDisplay::of(&view),
        notice,
        errors,
        failed: failed.0,
        entered: failed.1,
        suggestions,
        departments,
        satisfactions: satisfaction_choices(),
    };
    Ok(render(status, &page))
}

async fn staff_order(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    let notice = done_message(&query.value("done"));
    staff_order_page(
        &state,
        &ctx,
        &principal,
        id,
        StatusCode::OK,
        notice,
        Errors::default(),
        (String::new(), PageForm::default()),
    )
    .await
}

async fn staff_act(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path((id, action)): Path<(i64, String)>,
    form: PageForm,
) -> PageResult<Response> {
    let app = &state.app;
    let optional = |name: &str| Some(form.text(name)).filter(|t| !t.is_empty());
    let dispatch = || DispatchInput {
        department: form.text("department"),
        assist: form
            .all("assist")
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect(),
        note: optional("note"),
    };
    let outcome = match action.as_str() {
        "dispatch" => app.dispatch_work_order(&principal, id, &dispatch()).await,
        "redispatch" => app.redispatch_work_order(&principal, id, &dispatch()).await,
        "return" => {
            app.return_work_order(&principal, id, &form.text("reason"))
                .await
        }
        "merge" => {
            app.merge_work_order(
                &principal,
                id,
                &MergeInput {
                    into: form.text("into"),
                    note: optional("note"),
                },
            )
            .await
        }
        "reply" => {
            app.reply_work_order(&principal, id, &form.text("reply"))
                .await
        }
        "opinion" => {
            app.add_work_order_opinion(&principal, id, &form.text("note"))
                .await
        }
        "rework" => {
            app.rework_work_order(&principal, id, &form.text("reason"))
                .await
        }
        "close" => {
            app.close_work_order(&principal, id, optional("note").as_deref())
                .await
        }
        "callback" => {
            app.record_work_order_callback(
                &principal,
                id,
                &CallbackInput {
                    satisfaction: form.text("satisfaction"),
                    note: optional("note"),
                    // The box is ticked by default; unticking keeps a 不满意 order finished.
                    reopen: Some(form.checked("reopen")),
                },
            )
            .await
        }
        _ => return Err(AppError::not_found("没有这项操作").into()),
    };
    match outcome {
        // A department that returned the order no longer sees it.
        Ok(_) if action == "return" => {
            Ok(Redirect::to("/workbench/hotline?done=return").into_response())
        }
        Ok(_) => {
            Ok(Redirect::to(&format!("/workbench/hotline/{id}?done={action}")).into_response())
        }
        Err(error) if shown_in_form(&error) => {
            staff_order_page(
                &state,
                &ctx,
                &principal,
                id,
                status_for(&error),
                None,
                Errors::of(&error),
                (action, form),
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}
