//! Implementation lists: an item's implementations, and editing one implementation's local facts
//! (and, under 高级, the elements it restates).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::catalog::{ImplementationRecord, ImplementationUpdate};
use zerotrip_core::catalog::{ElementOverrides, LocalFacts};

use super::FindingView;
use crate::error::{PageError, PageResult};
use crate::pages::context::{
    Layout, OptionGroup, PageCtx, PageForm, PageQuery, china_time, render, short_region_name,
};
use crate::pages::public::region_groups;
use crate::security::StaffPage;
use crate::state::AppState;

#[derive(Debug, Clone)]
struct Row {
    region: String,
    department: String,
    address: String,
    href: String,
    deviates: bool,
}

#[derive(Template)]
#[template(path = "admin/implementations.html")]
struct ListPage {
    layout: Layout,
    code: String,
    name: String,
    region_groups: Vec<OptionGroup>,
    rows: Vec<Row>,
    total: usize,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    query: PageQuery,
) -> PageResult<Response> {
    let detail = state.app.item_detail(&code).await?;
    let all = state.app.item_implementations(&code).await?;
    let tree = state.app.regions();
    let region = query.value("region");
    let total = all.len();
    let rows = all
        .into_iter()
        .filter(|m| {
            region.is_empty()
                || m.region_code == region
                || tree
                    .find(&m.region_code)
                    .and_then(|d| tree.county_level_unit_of(&d.code))
                    .is_some_and(|unit| unit.code.as_str() == region)
        })
        .map(|m| Row {
            region: short_region_name(&m.region_name),
            department: m.department_name,
            address: m.local.address,
            href: format!("/admin/implementations/{}", m.code),
            deviates: !m.overrides.is_empty(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            layout: ctx.staff_layout(
                format!("{} 的实施清单", detail.item.name),
                "items",
                &principal,
            ),
            code: detail.item.code.to_string(),
            name: detail.item.name.clone(),
            region_groups: region_groups(tree, &region, false),
            rows,
            total,
        },
    ))
}

#[derive(Template)]
#[template(path = "admin/implementation.html")]
struct EditPage {
    layout: Layout,
    code: String,
    item_code: String,
    item_name: String,
    region: String,
    department: String,
    updated: String,
    address: String,
    consult_phone: String,
    complaint_phone: String,
    hours: String,
    window: String,
    overrides: String,
    saved: bool,
    problem: Option<String>,
    overrides_error: Option<String>,
    findings: Vec<FindingView>,
    guide_href: String,
}

struct Submitted {
    local: LocalFacts,
    overrides: String,
}

fn page(
    ctx: &PageCtx,
    principal: &Principal,
    record: &ImplementationRecord,
    item_name: String,
    submitted: Option<Submitted>,
) -> PageResult<EditPage> {
    let summary = &record.summary;
    let (local, overrides) = match submitted {
        Some(submitted) => (submitted.local, submitted.overrides),
        None => (
            summary.local.clone(),
            serde_json::to_string_pretty(&summary.overrides)
                .map_err(|e| PageError(AppError::internal(e)))?,
        ),
    };
    Ok(EditPage {
        layout: ctx.staff_layout(format!("实施清单 · {item_name}"), "items", principal),
        code: summary.code.clone(),
        item_code: record.item_code.clone(),
        item_name,
        region: short_region_name(&summary.region_name),
        department: summary.department_name.clone(),
        updated: china_time(record.updated_at),
        address: local.address,
        consult_phone: local.consult_phone,
        complaint_phone: local.complaint_phone,
        hours: local.hours,
        window: local.window.unwrap_or_default(),
        overrides,
        saved: false,
        problem: None,
        overrides_error: None,
        findings: Vec::new(),
        guide_href: format!("/items/{}?region={}", record.item_code, summary.region_code),
    })
}

async fn item_name(state: &AppState, code: &str) -> PageResult<String> {
    Ok(state.app.item_detail(code).await?.item.name)
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let record = state.app.implementation(&code).await?;
    let name = item_name(&state, &record.item_code).await?;
    let view = page(&ctx, &principal, &record, name, None)?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(code): Path<String>,
    form: PageForm,
) -> PageResult<Response> {
    let record = state.app.implementation(&code).await?;
    let name = item_name(&state, &record.item_code).await?;
    let window = form.text("window");
    let local = LocalFacts {
        address: form.text("address"),
        consult_phone: form.text("consult_phone"),
        complaint_phone: form.text("complaint_phone"),
        hours: form.text("hours"),
        window: if window.is_empty() {
            None
        } else {
            Some(window)
        },
    };
    let overrides_text = form.raw("overrides").unwrap_or("").trim().to_owned();
    let parsed: Result<ElementOverrides, String> = if overrides_text.is_empty() {
        Ok(ElementOverrides::default())
    } else {
        let deserializer = &mut serde_json::Deserializer::from_str(&overrides_text);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            let at = if path == "." {
                String::new()
            } else {
                format!("（位置：{path}）")
            };
            format!("重述要素的 JSON 有误{at}：{}", error.inner())
        })
    };
    let submitted = Submitted {
        local: local.clone(),
        overrides: overrides_text,
    };
    let overrides = match parsed {
        Ok(overrides) => overrides,
        Err(message) => {
            let mut view = page(&ctx, &principal, &record, name, Some(submitted))?;
            view.problem = Some("内容有误，没有保存".to_owned());
            view.overrides_error = Some(message);
            return Ok(render(StatusCode::BAD_REQUEST, &view));
        }
    };
    match state
        .app
        .update_implementation(&principal, &code, ImplementationUpdate { local, overrides })
        .await
    {
        Ok(findings) => {
            let record = state.app.implementation(&code).await?;
            let mut view = page(&ctx, &principal, &record, name, None)?;
            view.saved = true;
            view.findings = findings.iter().map(FindingView::of).collect();
            Ok(render(StatusCode::OK, &view))
        }
        Err(AppError::Invalid { message, fields }) => {
            let mut view = page(&ctx, &principal, &record, name, Some(submitted))?;
            let details: Vec<String> = fields.into_iter().map(|f| f.message).collect();
            view.problem = Some(if details.is_empty() {
                message
            } else {
                format!("{message}：{}", details.join("；"))
            });
            Ok(render(StatusCode::BAD_REQUEST, &view))
        }
        Err(other) => Err(other.into()),
    }
}
