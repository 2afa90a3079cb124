//! The comprehensive window (一窗受理): a clerk looks up a walk-in applicant by ID number (or
//! registers them on the spot, with their consent), picks the item and the region — 全省通办
//! items filed here are routed to the competent department, and the page says where — then
//! fills in the form, scans the materials and files with channel `window` through the same
//! application pages applicants use, and prints the receipt. 统一出件 lists finished cases
//! waiting to be handed over and records 送达.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use rand::RngCore;
use zerotrip_app::auth::Principal;
use zerotrip_app::cases::{CaseApplication, CaseListQuery};
use zerotrip_app::catalog::ItemQuery;
use zerotrip_app::identity::{PersonSignUp, masked_identifier};
use zerotrip_app::{AppError, FieldError};
use zerotrip_core::access::Role;
use zerotrip_core::cases::Channel;
use zerotrip_core::ids::MobileNumber;

use super::account::FieldErrors;
use super::cases::CaseRowView;
use super::context::{
    Layout, OptionGroup, PageCtx, PageForm, PageQuery, render, short_region_name,
};
use super::workbench::{no_store, staff_layout};
use crate::error::{PageError, PageResult};
use crate::security::StaffPage;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workbench/window", get(window))
        .route("/workbench/window/register", post(register))
        .route("/workbench/window/start", get(confirm).post(start))
        .route("/workbench/window/handover", get(handover))
        .layer(axum::middleware::map_response(no_store))
}

fn require_clerk(principal: &Principal) -> PageResult<()> {
    principal
        .require(Role::WindowClerk)
        .map_err(|_| PageError(AppError::forbidden("一窗受理需要“窗口受理人员”权限")))
}

#[derive(Debug, Clone)]
struct WalkIn {
    id_number: String,
    masked_id: String,
    name: String,
    phone: String,
}

#[derive(Debug, Clone)]
struct ItemChoice {
    code: String,
    name: String,
    department: String,
    province_wide: bool,
}

#[derive(Template)]
#[template(path = "window/window.html")]
struct WindowPage {
    layout: Layout,
    id_number: String,
    walk_in: Option<WalkIn>,
    not_found: bool,
    q: String,
    items: Vec<ItemChoice>,
    region: String,
    region_name: String,
    errors: FieldErrors,
    real_name: String,
    phone: String,
}

#[allow(clippy::too_many_arguments)]
async fn window_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    status: StatusCode,
    id_number: String,
    q: String,
    errors: FieldErrors,
    form: Option<&PageForm>,
) -> PageResult<Response> {
    let mut errors = errors;
    let mut walk_in = None;
    let mut not_found = false;
    if !id_number.is_empty() {
        match state.app.person_by_id_number(&id_number).await {
            Ok(Some(person)) => {
                walk_in = Some(WalkIn {
                    masked_id: masked_identifier(&id_number),
                    id_number: person.id_number.clone().unwrap_or_default(),
                    name: person
                        .real_name
                        .clone()
                        .unwrap_or(person.display_name.clone()),
                    phone: person
                        .phone
                        .as_deref()
                        .and_then(|p| MobileNumber::parse(p).ok())
                        .map(|m| m.masked())
                        .unwrap_or_else(|| "未登记".to_owned()),
                })
            }
            Ok(None) => not_found = true,
            Err(AppError::Invalid { fields, message }) => {
                let message = fields.first().map(|f| f.message.clone()).unwrap_or(message);
                errors.0.push(FieldError::new("id_number", message));
            }
            Err(other) => return Err(other.into()),
        }
    }
    let items = if walk_in.is_some() && !q.is_empty() {
        state
            .app
            .list_items(&ItemQuery {
                q: Some(q.clone()),
                per_page: Some(10),
                ..ItemQuery::default()
            })
            .await?
            .items
            .into_iter()
            .map(|item| ItemChoice {
                province_wide: item.cross_region.iter().any(|c| c == "全省通办"),
                code: item.code,
                name: item.name,
                department: item.department,
            })
            .collect()
    } else {
        Vec::new()
    };
    let region = principal.region_code.clone().unwrap_or_default();
    let text = |name: &str| form.map(|f| f.text(name)).unwrap_or_default();
    let page = WindowPage {
        layout: staff_layout(ctx, "一窗受理", principal),
        region_name: short_region_name(&state.app.region_name(&region)),
        id_number,
        walk_in,
        not_found,
        q,
        items,
        region,
        errors,
        real_name: text("real_name"),
        phone: text("phone"),
    };
    Ok(render(status, &page))
}

async fn window(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    require_clerk(&principal)?;
    window_page(
        &state,
        &ctx,
        &principal,
        StatusCode::OK,
        query.value("id_number").to_uppercase(),
        query.value("q"),
        FieldErrors::default(),
        None,
    )
    .await
}

fn random_password() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    // Letters and digits both present: the applicant signs in later with an SMS code.
    format!(
        "Zt9{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Registers a walk-in applicant who has no account yet, with their consent.
async fn register(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    require_clerk(&principal)?;
    let id_number = form.text("id_number").to_uppercase();
    if !form.checked("consent") {
        let errors = FieldErrors(vec![FieldError::new(
            "consent",
            "须经申请人同意才能为其注册账号",
        )]);
        return window_page(
            &state,
            &ctx,
            &principal,
            StatusCode::BAD_REQUEST,
            id_number,
            String::new(),
            errors,
            Some(&form),
        )
        .await;
    }
    let sign_up = PersonSignUp {
        real_name: form.text("real_name"),
        id_number: id_number.clone(),
        phone: form.text("phone"),
        password: random_password(),
    };
    match state.app.register_person(sign_up).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/workbench/window?id_number={}",
            urlencoding::encode(&id_number)
        ))
        .into_response()),
        Err(error @ AppError::Invalid { .. }) => {
            window_page(
                &state,
                &ctx,
                &principal,
                StatusCode::BAD_REQUEST,
                id_number,
                String::new(),
                FieldErrors::of(&error),
                Some(&form),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "window/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    id_number: String,
    applicant: String,
    code: String,
    item_name: String,
    region: String,
    region_groups: Vec<OptionGroup>,
    routed_to: Option<String>,
    filing_region: String,
    province_wide: bool,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn confirm_page(
    state: &AppState,
    ctx: &PageCtx,
    principal: &Principal,
    status: StatusCode,
    id_number: &str,
    code: &str,
    region: &str,
    errors: FieldErrors,
) -> PageResult<Response> {
    let person = state
        .app
        .person_by_id_number(id_number)
        .await?
        .ok_or_else(|| AppError::not_found("没有找到该申请人，请先登记"))?;
    let guide = state
        .app
        .item_guide(code, Some(region).filter(|r| !r.is_empty()))
        .await?;
    let filing = principal.region_code.clone().unwrap_or_default();
    let page = ConfirmPage {
        layout: staff_layout(ctx, "确认受理事项", principal),
        id_number: id_number.to_owned(),
        applicant: format!(
            "{}（{}）",
            person
                .real_name
                .clone()
                .unwrap_or(person.display_name.clone()),
            masked_identifier(id_number)
        ),
        code: guide.effective.code.to_string(),
        item_name: guide.effective.name.clone(),
        region: region.to_owned(),
        region_groups: super::guide::guide_region_groups(
            state.app.regions(),
            &guide.regions,
            region,
        ),
        routed_to: guide.implementation.as_ref().map(|m| {
            format!(
                "{} · {}",
                short_region_name(&m.region_name),
                m.department_name
            )
        }),
        filing_region: short_region_name(&state.app.region_name(&filing)),
        province_wide: guide
            .effective
            .cross_region
            .contains(&zerotrip_core::catalog::CrossRegion::Province),
        errors,
    };
    Ok(render(status, &page))
}

async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    require_clerk(&principal)?;
    let region = query
        .text("region")
        .or_else(|| principal.region_code.clone())
        .unwrap_or_default();
    confirm_page(
        &state,
        &ctx,
        &principal,
        StatusCode::OK,
        &query.value("id_number").to_uppercase(),
        &query.value("item"),
        &region,
        FieldErrors::default(),
    )
    .await
}

async fn start(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    form: PageForm,
) -> PageResult<Response> {
    require_clerk(&principal)?;
    let id_number = form.text("id_number").to_uppercase();
    let code = form.text("item");
    let region = form.text("region");
    let person = state
        .app
        .person_by_id_number(&id_number)
        .await?
        .ok_or_else(|| AppError::not_found("没有找到该申请人，请先登记"))?;
    let application = CaseApplication {
        item_code: code.clone(),
        region: region.clone(),
        form: BTreeMap::new(),
        materials: Vec::new(),
        channel: Some(Channel::Window),
        applicant_account_id: Some(person.account_id),
    };
    match state.app.start_case(&principal, &application).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}/edit")).into_response()),
        Err(
            error @ (AppError::Invalid { .. } | AppError::Forbidden(_) | AppError::Conflict(_)),
        ) => {
            confirm_page(
                &state,
                &ctx,
                &principal,
                crate::error::status_of(&error),
                &id_number,
                &code,
                &region,
                FieldErrors::of(&error),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "window/handover.html")]
struct HandoverPage {
    layout: Layout,
    rows: Vec<CaseRowView>,
    total: i64,
    notice: bool,
}

async fn handover(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    require_clerk(&principal)?;
    let found = state
        .app
        .inbox(
            &principal,
            &CaseListQuery {
                state: Some("delivery".to_owned()),
                page: 1,
                per_page: 100,
                ..Default::default()
            },
        )
        .await?;
    let page = HandoverPage {
        layout: staff_layout(&ctx, "统一出件", &principal),
        rows: found.cases.iter().map(CaseRowView::of).collect(),
        total: found.total,
        notice: query.value("done") == "deliver",
    };
    Ok(render(StatusCode::OK, &page))
}
