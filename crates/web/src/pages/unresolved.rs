//! The 未办成事 desk pages under `/workbench/unresolved`: the list (mine / my region, with
//! overdue marks), the form a window clerk records a request with, and the request page where
//! its owner notes progress and closes it (the clerk or the comprehensive window may reassign).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::unresolved::{
    AssignInput, DEFAULT_WORKING_DAYS, OwnerOption, UnresolvedInput, UnresolvedListQuery,
    UnresolvedReason, UnresolvedView,
};
use zerotrip_core::access::Role;

use super::context::{
    Layout, PageCtx, PageForm, PageQuery, Pager, china_time, chinese_date, render,
};
use super::evaluation::{DeadlineMark, FormErrors, no_store};
use crate::error::{PageError, PageResult};
use crate::security::StaffPage;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/unresolved", get(list).post(record))
        .route("/workbench/unresolved/new", get(new_form))
        .route("/workbench/unresolved/{id}", get(detail))
        .route("/workbench/unresolved/{id}/updates", post(note))
        .route("/workbench/unresolved/{id}/assign", post(assign))
        .route("/workbench/unresolved/{id}/close", post(close))
        .layer(axum::middleware::map_response(no_store))
}

fn shown_in_form(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_)
    )
}

fn may_record(principal: &Principal) -> bool {
    principal.has_role(Role::WindowClerk) || principal.has_role(Role::RegionAdmin)
}

#[derive(Debug, Clone)]
struct Link {
    href: String,
    label: &'static str,
    current: bool,
}

#[derive(Debug, Clone)]
struct RequestRow {
    id: i64,
    number: String,
    person: String,
    item: String,
    request: String,
    owner: String,
    recorded_on: String,
    deadline: String,
    status_label: String,
    mark: DeadlineMark,
}

fn request_row(view: &UnresolvedView) -> RequestRow {
    let mut request: String = view.request.chars().take(40).collect();
    if view.request.chars().count() > 40 {
        request.push('…');
    }
    RequestRow {
        id: view.id,
        number: view.number.clone(),
        person: format!("{} {}", view.person_name_masked, view.person_phone_masked),
        item: view.item_name.clone().unwrap_or_else(|| "—".to_owned()),
        request,
        owner: view.owner_name.clone(),
        recorded_on: chinese_date(view.recorded_on),
        deadline: chinese_date(view.deadline),
        status_label: view.status_label.clone(),
        mark: DeadlineMark::of(&view.deadline_status, &view.deadline_status_label),
    }
}

#[derive(Template)]
#[template(path = "unresolved/list.html")]
struct ListPage {
    layout: Layout,
    scopes: Vec<Link>,
    statuses: Vec<Link>,
    total: i64,
    rows: Vec<RequestRow>,
    pager: Pager,
    can_record: bool,
}

async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    if !errors.is_empty() {
        return Err(PageError(AppError::invalid("网址中的参数有误", errors)));
    }
    let status = query.value("status");
    let requested_scope = query.value("scope");
    let result = state
        .app
        .unresolved_requests(
            &principal,
            &UnresolvedListQuery {
                scope: Some(requested_scope.clone()).filter(|s| !s.is_empty()),
                status: Some(status.clone()).filter(|s| !s.is_empty()),
                page,
                per_page: 20,
            },
        )
        .await?;
    let scope = result.scope.clone();
    let href = |scope: &str, status: &str| {
        let pairs: Vec<(&str, &str)> = [("scope", scope), ("status", status)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        match serde_urlencoded::to_string(&pairs) {
            Ok(q) if !q.is_empty() => format!("/workbench/unresolved?{q}"),
            _ => "/workbench/unresolved".to_owned(),
        }
    };
    let scopes = [("mine", "我登记或负责的"), ("region", "本区域全部")]
        .into_iter()
        .map(|(value, label)| Link {
            href: href(value, &status),
            label,
            current: value == scope,
        })
        .collect();
    let statuses = [
        ("", "全部"),
        ("open", "跟进中"),
        ("overdue", "已逾期"),
        ("closed", "已办结"),
    ]
    .into_iter()
    .map(|(value, label)| Link {
        href: href(&scope, value),
        label,
        current: value == status,
    })
    .collect();
    let pager = Pager::new(
        "/workbench/unresolved",
        &[("scope", scope.clone()), ("status", status.clone())],
        result.page,
        result.per_page,
        u64::try_from(result.total).unwrap_or(0),
    );
    let page = ListPage {
        layout: ctx.staff_layout("未办成事", "workbench", &principal),
        scopes,
        statuses,
        total: result.total,
        rows: result.requests.iter().map(request_row).collect(),
        pager,
        can_record: may_record(&principal),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Clone)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn owner_choices(owners: &[OwnerOption], current: &str, me: &str) -> Vec<Choice> {
    owners
        .iter()
        .map(|o| {
            let mut label = o.display_name.clone();
            if let Some(department) = &o.department {
                label.push('（');
                label.push_str(department);
                label.push('）');
            }
            if o.username == me {
                label.push_str(" · 本人");
            }
            Choice {
                selected: o.username == current,
                value: o.username.clone(),
                label,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
struct NewValues {
    person_name: String,
    person_phone: String,
    item_code: String,
    request: String,
    reasons: Vec<String>,
    reason_note: String,
    owner: String,
    working_days: String,
}

#[derive(Template)]
#[template(path = "unresolved/new.html")]
struct NewPage {
    layout: Layout,
    values: NewValues,
    reasons: Vec<Choice>,
    owners: Vec<Choice>,
    errors: FormErrors,
    error_title: &'static str,
}

async fn new_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    values: NewValues,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult<Response> {
    let owners = state.app.unresolved_owners(principal).await?;
    let reasons = UnresolvedReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: r.label().to_owned(),
            selected: values.reasons.iter().any(|v| v == r.as_str()),
        })
        .collect();
    let page = NewPage {
        layout: ctx.staff_layout("登记未办成事", "workbench", principal),
        owners: owner_choices(&owners, &values.owner, &principal.username),
        reasons,
        values,
        errors,
        error_title: "登记未完成",
    };
    Ok(render(status, &page))
}

async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
) -> PageResult<Response> {
    let values = NewValues {
        working_days: DEFAULT_WORKING_DAYS.to_string(),
        ..Default::default()
    };
    new_page(
        &state,
        &ctx,
        &principal,
        values,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn record(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    let values = NewValues {
        person_name: form.text("person_name"),
        person_phone: form.text("person_phone"),
        item_code: form.text("item_code"),
        request: form.raw("request").unwrap_or("").to_owned(),
        reasons: form.all("reasons"),
        reason_note: form.raw("reason_note").unwrap_or("").to_owned(),
        owner: form.text("owner"),
        working_days: form.text("working_days"),
    };
    let working_days =
        if values.working_days.is_empty() {
            Ok(None)
        } else {
            values.working_days.parse::<u32>().map(Some).map_err(|_| {
                AppError::field("working_days", "办理期限应为 1–30 之间的整数（工作日）")
            })
        };
    let result = match working_days {
        Ok(working_days) => {
            let input = UnresolvedInput {
                person_name: values.person_name.clone(),
                person_phone: values.person_phone.clone(),
                item_code: Some(values.item_code.clone()),
                request: values.request.clone(),
                reasons: values.reasons.clone(),
                reason_note: Some(values.reason_note.clone()),
                owner: values.owner.clone(),
                working_days,
            };
            state.app.record_unresolved(&principal, &input).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(view) => Ok(
            Redirect::to(&format!("/workbench/unresolved/{}?saved=recorded", view.id))
                .into_response(),
        ),
        Err(error) if matches!(error, AppError::Invalid { .. }) => {
            let status = crate::error::status_of(&error);
            new_page(
                &state,
                &ctx,
                &principal,
                values,
                FormErrors::of(&error),
                status,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Clone)]
struct UpdateRow {
    at: String,
    actor: String,
    kind_label: String,
    note: String,
}

#[derive(Template)]
#[template(path = "unresolved/detail.html")]
struct DetailPage {
    layout: Layout,
    view: UnresolvedView,
    mark: DeadlineMark,
    recorded_on: String,
    deadline: String,
    closed_on: Option<String>,
    updates: Vec<UpdateRow>,
    owners: Vec<Choice>,
    saved: Option<&'static str>,
    note: String,
    resolution: String,
    errors: FormErrors,
    error_title: &'static str,
    /// Which form the errors belong to: note | assign | close.
    error_form: &'static str,
}

#[allow(clippy::too_many_arguments)]
async fn detail_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    saved: Option<&'static str>,
    note: String,
    resolution: String,
    errors: FormErrors,
    error_form: &'static str,
    status: StatusCode,
) -> PageResult<Response> {
    let view = state.app.unresolved_request(principal, id).await?;
    let owners = if view.may_assign {
        // Overseers without a desk region may still reassign through the API.
        state
            .app
            .unresolved_owners(principal)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let updates = view
        .updates
        .iter()
        .map(|u| UpdateRow {
            at: china_time(u.at),
            actor: u.actor.clone(),
            kind_label: u.kind_label.clone(),
            note: u.note.clone(),
        })
        .collect();
    let page = DetailPage {
        layout: ctx.staff_layout(format!("未办成事 {}", view.number), "workbench", principal),
        mark: DeadlineMark::of(&view.deadline_status, &view.deadline_status_label),
        recorded_on: chinese_date(view.recorded_on),
        deadline: chinese_date(view.deadline),
        closed_on: view.closed_on.map(chinese_date),
        updates,
        owners: owner_choices(&owners, "", &principal.username),
        saved,
        note,
        resolution,
        errors,
        error_title: "没有保存",
        error_form,
        view,
    };
    Ok(render(status, &page))
}

async fn detail(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    query: PageQuery,
) -> PageResult<Response> {
    let saved = match query.value("saved").as_str() {
        "recorded" => Some("已登记，并已交跟进责任人办理。"),
        "note" => Some("跟进情况已保存。"),
        "assigned" => Some("已转交新的跟进责任人。"),
        "closed" => Some("已办结。"),
        _ => None,
    };
    detail_page(
        &state,
        &ctx,
        &principal,
        id,
        saved,
        String::new(),
        String::new(),
        FormErrors::default(),
        "",
        StatusCode::OK,
    )
    .await
}

/// Redirects to the request after a change, or shows the form's errors on the request page.
#[allow(clippy::too_many_arguments)]
async fn after_change(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    id: i64,
    result: Result<UnresolvedView, AppError>,
    saved: &'static str,
    form: &'static str,
    (note, resolution): (String, String),
) -> PageResult<Response> {
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/workbench/unresolved/{id}?saved={saved}")).into_response())
        }
        Err(error) if shown_in_form(&error) => {
            let status = crate::error::status_of(&error);
            detail_page(
                state,
                ctx,
                principal,
                id,
                None,
                note,
                resolution,
                FormErrors::of(&error),
                form,
                status,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

async fn note(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let text = form.raw("note").unwrap_or("").to_owned();
    let result = state.app.note_unresolved(&principal, id, &text).await;
    after_change(
        &state,
        &ctx,
        &principal,
        id,
        result,
        "note",
        "note",
        (text, String::new()),
    )
    .await
}

async fn assign(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let days = form.text("working_days");
    let result = match days.parse::<u32>() {
        Ok(days) => {
            let input = AssignInput {
                owner: form.text("owner"),
                working_days: Some(days),
                note: Some(form.text("assign_note")).filter(|n| !n.is_empty()),
            };
            state.app.assign_unresolved(&principal, id, &input).await
        }
        Err(_) => Err(AppError::field(
            "working_days",
            "办理期限应为 1–30 之间的整数（工作日）",
        )),
    };
    after_change(
        &state,
        &ctx,
        &principal,
        id,
        result,
        "assigned",
        "assign",
        (String::new(), String::new()),
    )
    .await
}

async fn close(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
    form: PageForm,
) -> PageResult<Response> {
    let resolution = form.raw("resolution").unwrap_or("").to_owned();
    let result = state
        .app
        .close_unresolved(&principal, id, &resolution)
        .await;
    after_change(
        &state,
        &ctx,
        &principal,
        id,
        result,
        "closed",
        "close",
        (String::new(), resolution),
    )
    .await
}
