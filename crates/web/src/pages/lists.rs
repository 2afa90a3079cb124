//! The published 零跑动 list (with downloads and history) and the 四减两免 summary.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use zerotrip_app::AppError;
use zerotrip_app::zero_trip::ZeroTripList;
use zerotrip_core::catalog::{FigureSummary, entries_to_csv};

use super::chart::{BarChart, Scale, Series};
use super::context::{
    Layout, OptionGroup, PageCtx, PageQuery, Pager, china_time, render, short_region_name,
};
use super::public::region_groups;
use super::with_header;
use crate::error::{PageError, PageResult};
use crate::state::AppState;

const ENTRIES_PER_PAGE: u32 = 50;
const TOP_DEPARTMENTS: usize = 12;
const MAX_LISTED_DEPARTMENTS: usize = 80;

#[derive(Debug, Clone)]
struct DepartmentCount {
    name: String,
    count: usize,
    href: String,
    current: bool,
}

#[derive(Debug, Clone)]
struct EntryView {
    item_name: String,
    item_href: String,
    department: String,
    region: String,
    basis: String,
    implementation_code: String,
}

#[derive(Template)]
#[template(path = "zero_trip.html")]
struct ZeroTripPage {
    layout: Layout,
    region_groups: Vec<OptionGroup>,
    region_name: String,
    department: String,
    publication_id: i64,
    publication_date: String,
    publication_note: String,
    total: usize,
    top_departments: Vec<DepartmentCount>,
    more_departments: Vec<DepartmentCount>,
    department_total: usize,
    entries: Vec<EntryView>,
    pager: Pager,
    csv_href: String,
    json_href: String,
    clear_department_href: String,
}

async fn load_list(state: &AppState, query: &PageQuery) -> PageResult<ZeroTripList> {
    Ok(state
        .app
        .zero_trip_list(
            query.text("region").as_deref(),
            query.text("department").as_deref(),
            None,
        )
        .await?)
}

fn region_query(region: &str, department: &str) -> String {
    let pairs: Vec<(&str, &str)> = [("region", region), ("department", department)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub async fn zero_trip(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: PageQuery,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let page = query.page(&mut errors);
    if !errors.is_empty() {
        return Err(PageError(AppError::invalid("查询参数有误", errors)));
    }
    let list = load_list(&state, &query).await?;
    let region = query.value("region");
    let department = query.value("department");
    let tree = state.app.regions();
    let counts: Vec<DepartmentCount> = list
        .by_department
        .iter()
        .map(|(name, count)| DepartmentCount {
            href: format!("/zero-trip?{}", region_query(&region, name)),
            current: *name == department,
            name: name.clone(),
            count: *count,
        })
        .collect();
    let department_total = counts.len();
    let (top, more) = if counts.len() > TOP_DEPARTMENTS {
        let (top, more) = counts.split_at(TOP_DEPARTMENTS);
        // A whole province or city has hundreds of bodies; past a point the list stops helping.
        let more = if more.len() <= MAX_LISTED_DEPARTMENTS {
            more.to_vec()
        } else {
            Vec::new()
        };
        (top.to_vec(), more)
    } else {
        (counts, Vec::new())
    };
    let start = usize::try_from((page - 1) * ENTRIES_PER_PAGE).unwrap_or(usize::MAX);
    let entries = list
        .entries
        .iter()
        .skip(start)
        .take(ENTRIES_PER_PAGE as usize)
        .map(|entry| EntryView {
            item_name: entry.item_name.clone(),
            item_href: format!("/items/{}?region={}", entry.item_code, entry.region_code),
            department: entry.department_name.clone(),
            region: short_region_name(&entry.region_name),
            basis: entry.basis.label().to_owned(),
            implementation_code: entry.implementation_code.clone(),
        })
        .collect();
    let pager = Pager::new(
        "/zero-trip",
        &[
            ("region", region.clone()),
            ("department", department.clone()),
        ],
        page,
        ENTRIES_PER_PAGE,
        u64::try_from(list.total).unwrap_or(0),
    );
    let export_query = region_query(&region, &department);
    let suffix = if export_query.is_empty() {
        String::new()
    } else {
        format!("?{export_query}")
    };
    let region_name = short_region_name(&list.region.name);
    let view = ZeroTripPage {
        layout: ctx.layout(format!("零跑动清单 · {region_name}"), "zero-trip"),
        region_groups: region_groups(tree, &region, true),
        region_name,
        department: department.clone(),
        publication_id: list.publication.id,
        publication_date: china_time(list.publication.published_at),
        publication_note: list.publication.note.clone(),
        total: list.total,
        top_departments: top,
        more_departments: more,
        department_total,
        entries,
        pager,
        csv_href: format!("/zero-trip/export.csv{suffix}"),
        json_href: format!("/zero-trip/export.json{suffix}"),
        clear_department_href: format!("/zero-trip?{}", region_query(&region, "")),
    };
    Ok(render(StatusCode::OK, &view))
}

fn attachment(response: Response, name: &str) -> Response {
    with_header(
        response,
        header::CONTENT_DISPOSITION,
        &format!("attachment; filename=\"{name}\""),
    )
}

/// The file name of a download: ASCII only, from the region code and the period.
fn export_name(list: &ZeroTripList, extension: &str) -> String {
    format!(
        "zero-trip-{}-{}.{extension}",
        list.region.code, list.publication.id
    )
}

pub async fn export_csv(State(state): State<AppState>, query: PageQuery) -> PageResult<Response> {
    let list = load_list(&state, &query).await?;
    let body = entries_to_csv(&list.entries);
    let response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    Ok(attachment(response, &export_name(&list, "csv")))
}

pub async fn export_json(State(state): State<AppState>, query: PageQuery) -> PageResult<Response> {
    let list = load_list(&state, &query).await?;
    let body = serde_json::to_string_pretty(&list).map_err(|e| PageError(AppError::internal(e)))?;
    let response = (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    Ok(attachment(response, &export_name(&list, "json")))
}

#[derive(Debug, Clone)]
pub struct PublicationView {
    pub id: i64,
    pub date: String,
    pub by: String,
    pub note: String,
    pub entries: i64,
    pub added: i64,
    pub removed: i64,
}

impl From<zerotrip_app::zero_trip::PublicationInfo> for PublicationView {
    fn from(info: zerotrip_app::zero_trip::PublicationInfo) -> Self {
        PublicationView {
            id: info.id,
            date: china_time(info.published_at),
            by: info.published_by,
            note: info.note,
            entries: info.entry_count,
            added: info.added,
            removed: info.removed,
        }
    }
}

#[derive(Template)]
#[template(path = "zero_trip_history.html")]
struct HistoryPage {
    layout: Layout,
    publications: Vec<PublicationView>,
}

pub async fn history(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let publications = state
        .app
        .zero_trip_history()
        .await?
        .into_iter()
        .map(PublicationView::from)
        .collect();
    Ok(render(
        StatusCode::OK,
        &HistoryPage {
            layout: ctx.layout("零跑动清单发布历史", "zero-trip"),
            publications,
        },
    ))
}

#[derive(Debug, Clone)]
struct FigureRow {
    label: &'static str,
    unit: &'static str,
    before: String,
    after: String,
    percent: String,
}

#[derive(Debug, Clone)]
struct ItemRow {
    name: String,
    href: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "reductions.html")]
struct ReductionsPage {
    layout: Layout,
    chart: BarChart,
    figures: Vec<FigureRow>,
    item_count: usize,
    items_with_record: usize,
    materials_listed: usize,
    materials_exempt: usize,
    exempt_by_licence: usize,
    exempt_by_sharing: usize,
    zero_visit_items: usize,
    free_items: usize,
    exempt_percent: String,
    items: Vec<ItemRow>,
}

pub async fn reductions(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let report = state.app.reductions().await?;
    let summary = &report.summary;
    let metrics: [(&'static str, &'static str, &FigureSummary); 4] = [
        ("申请材料", "份", &summary.materials),
        ("办理时限", "个工作日", &summary.days),
        ("办理环节", "个", &summary.steps),
        ("跑动次数", "次", &summary.visits),
    ];
    let figures: Vec<FigureRow> = metrics
        .iter()
        .map(|(label, unit, figure)| FigureRow {
            label,
            unit,
            before: format!("{:.1}", figure.average_before),
            after: format!("{:.1}", figure.average_after),
            percent: format!("{:.0}%", figure.average_reduction_percent),
        })
        .collect();
    let series = [
        Series {
            class: "bar-before",
            label: "改革前",
        },
        Series {
            class: "bar-after",
            label: "改革后",
        },
    ];
    let rows = metrics
        .iter()
        .map(|(label, unit, figure)| {
            (
                (*label).to_owned(),
                vec![
                    (
                        figure.average_before,
                        format!("{:.1} {unit}", figure.average_before),
                    ),
                    (
                        figure.average_after,
                        format!("{:.1} {unit}", figure.average_after),
                    ),
                ],
            )
        })
        .collect();
    let desc = figures
        .iter()
        .map(|f| {
            format!(
                "{}：改革前平均 {} {}，改革后平均 {} {}，平均减少 {}",
                f.label, f.before, f.unit, f.after, f.unit, f.percent
            )
        })
        .collect::<Vec<_>>()
        .join("；");
    let chart = BarChart::horizontal(
        "reduction-chart",
        "四减：改革前后每个事项的平均值",
        desc,
        &series,
        rows,
        Scale::PerRow,
    );
    let items = report
        .items
        .iter()
        .map(|r| ItemRow {
            name: r.name.clone(),
            href: format!("/items/{}", r.code),
            cells: vec![
                format!("{} → {}", r.before.materials, r.after.materials),
                format!("{} → {}", r.before.days, r.after.days),
                format!("{} → {}", r.before.steps, r.after.steps),
                format!("{} → {}", r.before.visits, r.after.visits),
            ],
        })
        .collect();
    let exempt_percent = if summary.materials_listed > 0 {
        format!(
            "{:.0}%",
            summary.materials_exempt as f64 * 100.0 / summary.materials_listed as f64
        )
    } else {
        "0%".to_owned()
    };
    let page = ReductionsPage {
        layout: ctx.layout("四减两免", "reductions"),
        chart,
        figures,
        item_count: summary.item_count,
        items_with_record: summary.items_with_record,
        materials_listed: summary.materials_listed,
        materials_exempt: summary.materials_exempt,
        exempt_by_licence: summary.exempt_by_licence,
        exempt_by_sharing: summary.exempt_by_sharing,
        zero_visit_items: summary.zero_visit_items,
        free_items: summary.free_items,
        exempt_percent,
        items,
    };
    Ok(render(StatusCode::OK, &page))
}
