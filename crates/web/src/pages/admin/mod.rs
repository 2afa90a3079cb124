//! The staff workbench: sign-in, the dashboard, the 无差别受理 check, 零跑动 publication and the
//! audit trail. Item and implementation editing live in their own modules. Every page needs a
//! signed-in staff member ([`StaffPage`]); what each may do is decided by the use cases.

mod editor;
mod implementations;

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use zerotrip_app::AppError;
use zerotrip_app::auth::{Principal, SessionKind};
use zerotrip_app::catalog::CheckReport;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::{Finding, Severity};
use zerotrip_core::privacy::mask_personal_data;
use zerotrip_store::audit::AuditFilter;

use super::chart::{BarChart, Scale, Series};
use super::context::{Layout, PageCtx, PageForm, PageQuery, china_time, render, safe_path};
use super::lists::PublicationView;
use crate::error::{PageError, PageResult};
use crate::security::{ClientAddress, MaybeStaff, SESSION_COOKIE, StaffPage, session_cookie};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin", get(dashboard))
        .route("/admin/items", get(editor::list))
        .route("/admin/items/{code}", get(editor::edit).post(editor::save))
        .route("/admin/items/{code}/json", post(editor::save_json))
        .route("/admin/items/{code}/publish", post(editor::publish))
        .route("/admin/items/{code}/discard", post(editor::discard))
        .route(
            "/admin/items/{code}/implementations",
            get(implementations::list),
        )
        .route(
            "/admin/implementations/{code}",
            get(implementations::edit).post(implementations::save),
        )
        .route("/admin/check", get(check))
        .route("/admin/zero-trip", get(zero_trip))
        .route("/admin/zero-trip/publish", post(publish_zero_trip))
        .route("/admin/audit", get(audit))
        .route("/admin/audit/verify", post(verify_audit))
        .layer(axum::middleware::map_response(no_store))
}

/// Staff pages are never kept by the browser's cache (a shared computer at a service hall).
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Where to go after signing in: a local path, `/admin` otherwise.
fn after_login(next: &str) -> String {
    let next = next.trim();
    if next.is_empty() || safe_path(next) != next || next.starts_with("/admin/login") {
        "/admin".to_owned()
    } else {
        next.to_owned()
    }
}

fn roles_text(principal: &Principal) -> String {
    principal
        .roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    error: Option<String>,
    error_field: &'static str,
}

fn login_page(
    ctx: &PageCtx,
    status: StatusCode,
    username: String,
    next: String,
    error: Option<(String, &'static str)>,
) -> Response {
    let (error, error_field) = match error {
        Some((message, field)) => (Some(message), field),
        None => (None, ""),
    };
    render(
        status,
        &LoginPage {
            layout: ctx.layout("工作人员登录", "admin"),
            username,
            next,
            error,
            error_field,
        },
    )
}

async fn login_form(ctx: PageCtx, MaybeStaff(staff): MaybeStaff, query: PageQuery) -> Response {
    let next = after_login(&query.value("next"));
    if staff.is_some() {
        return Redirect::to(&next).into_response();
    }
    login_page(&ctx, StatusCode::OK, String::new(), next, None)
}

async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult<Response> {
    let username = form.text("username");
    let password = form.raw("password").unwrap_or("").to_owned();
    let next = after_login(&form.text("next"));
    if username.is_empty() {
        return Ok(login_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            username,
            next,
            Some(("请输入用户名".to_owned(), "username")),
        ));
    }
    if password.is_empty() {
        return Ok(login_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            username,
            next,
            Some(("请输入密码".to_owned(), "password")),
        ));
    }
    if !state.login_throttle.allow(address) {
        return Ok(login_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            next,
            Some((
                "登录尝试过于频繁，请稍等 30 秒后再试".to_owned(),
                "username",
            )),
        ));
    }
    let principal = match state.app.authenticate(&username, &password).await {
        Ok(principal) if principal.is_staff() => principal,
        Ok(_) => {
            return Ok(login_page(
                &ctx,
                StatusCode::FORBIDDEN,
                username,
                next,
                Some((
                    "该账号不是工作人员账号，不能登录工作台".to_owned(),
                    "username",
                )),
            ));
        }
        Err(AppError::Unauthenticated(message)) => {
            return Ok(login_page(
                &ctx,
                StatusCode::UNAUTHORIZED,
                username,
                next,
                Some((message, "password")),
            ));
        }
        Err(AppError::TooManyRequests(message)) => {
            return Ok(login_page(
                &ctx,
                StatusCode::TOO_MANY_REQUESTS,
                username,
                next,
                Some((message, "username")),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let session = state
        .app
        .open_session(&principal, SessionKind::Cookie)
        .await?;
    let cookie = session_cookie(session.token, state.config.secure_cookies);
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.app.close_session(cookie.value()).await?;
    }
    let mut removal = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build();
    removal.make_removal();
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&removal.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    name: String,
    roles: String,
    scope: String,
    item_total: usize,
    published: usize,
    drafts: usize,
    implementations: i64,
    errors: usize,
    warnings: usize,
    latest: Option<PublicationView>,
    can_edit: bool,
    can_audit: bool,
}

async fn dashboard(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
) -> PageResult<Response> {
    let app = &state.app;
    let statuses = app.item_statuses(&principal).await?;
    let report = app.check_catalog().await?;
    let latest = app
        .zero_trip_history()
        .await?
        .into_iter()
        .next()
        .map(PublicationView::from);
    let tree = app.regions();
    let scope = principal
        .region_code
        .as_deref()
        .and_then(|code| tree.find(code))
        .map(|d| tree.full_name(&d.code))
        .unwrap_or_else(|| "—".to_owned());
    let page = DashboardPage {
        layout: ctx.staff_layout("工作台", "dashboard", &principal),
        name: principal.display_name.clone(),
        roles: roles_text(&principal),
        scope,
        item_total: statuses.len(),
        published: statuses
            .iter()
            .filter(|s| s.published_version.is_some())
            .count(),
        drafts: statuses.iter().filter(|s| s.has_draft).count(),
        implementations: app.implementation_count().await?,
        errors: report.errors,
        warnings: report.warnings,
        latest,
        can_edit: principal.has_role(Role::ProvinceAdmin),
        can_audit: principal.has_role(Role::Auditor) || principal.has_role(Role::ProvinceAdmin),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Clone)]
pub struct FindingView {
    pub severity: &'static str,
    pub is_error: bool,
    pub kind: &'static str,
    pub element: String,
    pub message: String,
}

impl FindingView {
    pub fn of(finding: &Finding) -> Self {
        FindingView {
            severity: finding.severity.label(),
            is_error: finding.severity == Severity::Error,
            kind: finding.kind.label(),
            element: finding.element.clone(),
            message: finding.message.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct RegionRow {
    name: String,
    implementations: usize,
    deviating: usize,
    deviations: usize,
    local_quality: usize,
}

#[derive(Debug, Clone)]
struct ItemFindingView {
    name: String,
    href: String,
    code: String,
    draft: bool,
    findings: Vec<FindingView>,
}

#[derive(Debug, Clone)]
struct ImplementationFindingView {
    href: String,
    item_name: String,
    region: String,
    department: String,
    findings: Vec<FindingView>,
}

#[derive(Template)]
#[template(path = "admin/check.html")]
struct CheckPage {
    layout: Layout,
    items_checked: usize,
    implementations_checked: usize,
    errors: usize,
    warnings: usize,
    deviations: usize,
    chart: BarChart,
    regions: Vec<RegionRow>,
    items: Vec<ItemFindingView>,
    implementations: Vec<ImplementationFindingView>,
}

/// Counts by county-level unit: each township's implementations count towards its unit.
fn regions_rolled_up(state: &AppState, report: &CheckReport) -> Vec<RegionRow> {
    let tree = state.app.regions();
    let mut rows: BTreeMap<String, RegionRow> = BTreeMap::new();
    for count in &report.by_region {
        let unit = tree
            .find(&count.region_code)
            .and_then(|division| tree.county_level_unit_of(&division.code).or(Some(division)));
        let (code, name) = match unit {
            Some(unit) => (
                unit.code.to_string(),
                super::context::short_region_name(&tree.full_name(&unit.code)),
            ),
            None => (count.region_code.clone(), count.region_name.clone()),
        };
        let row = rows.entry(code).or_insert_with(|| RegionRow {
            name,
            ..RegionRow::default()
        });
        row.implementations += count.implementations;
        row.deviating += count.deviating;
        row.deviations += count.deviations;
        row.local_quality += count.local_quality;
    }
    rows.into_values().collect()
}

async fn check(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
) -> PageResult<Response> {
    let report = state.app.check_catalog_for(&principal).await?;
    let regions = regions_rolled_up(&state, &report);
    let series = [Series {
        class: "bar-deviation",
        label: "偏离省级标准的要素数",
    }];
    let chart = BarChart::horizontal(
        "deviation-chart",
        "各地区实施清单偏离省级标准的要素数",
        regions
            .iter()
            .map(|r| format!("{} {} 处", r.name, r.deviations))
            .collect::<Vec<_>>()
            .join("；"),
        &series,
        regions
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    vec![(r.deviations as f64, format!("{} 处", r.deviations))],
                )
            })
            .collect(),
        Scale::Shared,
    );
    let items = report
        .items
        .iter()
        .map(|found| ItemFindingView {
            name: found.name.clone(),
            href: format!("/admin/items/{}", found.code),
            code: found.code.clone(),
            draft: found.draft,
            findings: found.findings.iter().map(FindingView::of).collect(),
        })
        .collect();
    let implementations = report
        .implementations
        .iter()
        .map(|found| ImplementationFindingView {
            href: format!("/admin/implementations/{}", found.code),
            item_name: found.item_name.clone(),
            region: super::context::short_region_name(&found.region_name),
            department: found.department_name.clone(),
            findings: found.findings.iter().map(FindingView::of).collect(),
        })
        .collect();
    let page = CheckPage {
        layout: ctx.staff_layout("无差别受理检查", "check", &principal),
        items_checked: report.items_checked,
        implementations_checked: report.implementations_checked,
        errors: report.errors,
        warnings: report.warnings,
        deviations: report.deviation_count(),
        chart,
        regions,
        items,
        implementations,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "admin/zero_trip.html")]
struct ZeroTripAdminPage {
    layout: Layout,
    publications: Vec<PublicationView>,
    published: Option<PublicationView>,
    error: Option<String>,
    note: String,
    can_publish: bool,
}

async fn zero_trip_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    status: StatusCode,
    published_id: Option<i64>,
    error: Option<String>,
    note: String,
) -> PageResult<Response> {
    let publications: Vec<PublicationView> = state
        .app
        .zero_trip_history()
        .await?
        .into_iter()
        .map(PublicationView::from)
        .collect();
    let published = published_id.and_then(|id| publications.iter().find(|p| p.id == id).cloned());
    Ok(render(
        status,
        &ZeroTripAdminPage {
            layout: ctx.staff_layout("发布零跑动清单", "zero-trip", principal),
            publications,
            published,
            error,
            note,
            can_publish: principal.has_role(Role::ProvinceAdmin),
        },
    ))
}

async fn zero_trip(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let published = query.text("published").and_then(|id| id.parse().ok());
    zero_trip_page(
        &state,
        &ctx,
        &principal,
        StatusCode::OK,
        published,
        None,
        String::new(),
    )
    .await
}

async fn publish_zero_trip(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    let note = form.text("note");
    match state.app.publish_zero_trip(&principal, &note).await {
        Ok(outcome) => Ok(Redirect::to(&format!(
            "/admin/zero-trip?published={}",
            outcome.publication.id
        ))
        .into_response()),
        Err(AppError::Conflict(message)) => {
            zero_trip_page(
                &state,
                &ctx,
                &principal,
                StatusCode::CONFLICT,
                None,
                Some(message),
                note,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Clone)]
struct AuditView {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    action_label: String,
    target: String,
}

#[derive(Debug, Clone)]
struct VerifyView {
    ok: bool,
    message: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditView>,
    actor: String,
    action: String,
    page: u32,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
    verify: Option<VerifyView>,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "catalog.item.draft.save" => "保存事项草稿",
        "catalog.item.draft.discard" => "删除事项草稿",
        "catalog.item.publish" => "发布事项",
        "catalog.import" => "导入事项目录",
        "catalog.implementation.update" => "更新实施清单",
        "zero_trip.publish" => "发布零跑动清单",
        _ => "其他操作",
    }
}

const AUDIT_PER_PAGE: i64 = 50;

async fn audit_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    query: &PageQuery,
    verify: Option<VerifyView>,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    if !errors.is_empty() {
        return Err(PageError(AppError::invalid("查询参数有误", errors)));
    }
    let actor = query.value("actor");
    let action = query.value("action");
    let filter = AuditFilter {
        actor: query.text("actor"),
        action_prefix: query.text("action"),
        target: query.text("target"),
    };
    let offset = i64::from(page - 1) * AUDIT_PER_PAGE;
    let mut rows = state
        .app
        .audit_records(principal, &filter, AUDIT_PER_PAGE + 1, offset)
        .await?;
    let has_next = rows.len() as i64 > AUDIT_PER_PAGE;
    rows.truncate(AUDIT_PER_PAGE as usize);
    let link = |n: u32| {
        let mut pairs: Vec<(&str, String)> =
            vec![("actor", actor.clone()), ("action", action.clone())];
        pairs.retain(|(_, v)| !v.is_empty());
        if n > 1 {
            pairs.push(("page", n.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{query}")
        }
    };
    let view = AuditPage {
        layout: ctx.staff_layout("审计记录", "audit", principal),
        rows: rows
            .into_iter()
            .map(|row| AuditView {
                seq: row.seq,
                at: china_time(row.at),
                action_label: action_label(&row.action).to_owned(),
                actor: mask_personal_data(&row.actor),
                action: row.action,
                target: mask_personal_data(&row.target),
            })
            .collect(),
        prev: (page > 1).then(|| link(page - 1)),
        next: has_next.then(|| link(page + 1)),
        total: state.app.audit_count().await?,
        page,
        actor,
        action,
        verify,
    };
    Ok(render(StatusCode::OK, &view))
}

async fn audit(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    audit_page(&state, &ctx, &principal, &query, None).await
}

async fn verify_audit(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
) -> PageResult<Response> {
    let report = state.app.verify_audit_chain_for(&principal).await?;
    let verify = match report.broken {
        None => VerifyView {
            ok: true,
            message: format!(
                "哈希链完整：已逐条校验 {} 条审计记录，未发现删除、插入或篡改。",
                report.verified
            ),
        },
        Some(broken) => VerifyView {
            ok: false,
            message: format!(
                "哈希链校验失败：{broken}（此前 {} 条记录校验通过）",
                report.verified
            ),
        },
    };
    audit_page(
        &state,
        &ctx,
        &principal,
        &PageQuery::default(),
        Some(verify),
    )
    .await
}
