//! The portal's finding pages: home, the item list with filters, departments, regions and
//! 一件事 bundles.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use zerotrip_app::AppError;
use zerotrip_app::catalog::{ItemQuery, ItemSummary};
use zerotrip_core::catalog::{ItemType, ReductionSummary, ServiceItem, Theme, zero_trip_basis};
use zerotrip_core::ids::DivisionLevel;
use zerotrip_core::regions::{Division, DivisionTree};

use super::context::{
    Layout, OptionGroup, PageCtx, PageQuery, Pager, SelectOption, chinese_date, items_href, render,
    short_region_name, working_days,
};
use crate::error::PageResult;
use crate::state::AppState;

/// One item in a list of results.
#[derive(Debug, Clone)]
pub struct ItemCard {
    pub name: String,
    pub href: String,
    pub item_type: String,
    pub department: String,
    pub promised: String,
    pub visits: String,
    pub zero_trip: Option<String>,
    pub high_frequency: bool,
    pub cross_region: String,
    pub aliases: String,
}

impl ItemCard {
    pub fn of(summary: &ItemSummary) -> Self {
        ItemCard {
            name: summary.name.clone(),
            href: format!("/items/{}", summary.code),
            item_type: summary.item_type.clone(),
            department: summary.department.clone(),
            promised: working_days(summary.promised_days),
            visits: match summary.on_site_visits {
                Some(n) => format!("{n} 次"),
                None => "未规定".to_owned(),
            },
            zero_trip: summary.zero_trip.map(|basis| basis.label().to_owned()),
            high_frequency: summary.high_frequency,
            cross_region: summary.cross_region.join("、"),
            aliases: summary.aliases.join("、"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ThemeLink {
    pub label: String,
    pub count: i64,
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct BundleLink {
    pub name: String,
    pub href: String,
    pub item_count: usize,
    pub promised: String,
}

#[derive(Debug, Clone)]
pub struct RecentLink {
    pub name: String,
    pub href: String,
    pub version: i64,
    pub date: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    themes: Vec<ThemeLink>,
    popular: Vec<ItemCard>,
    bundles: Vec<BundleLink>,
    bundle_total: usize,
    recent: Vec<RecentLink>,
    item_count: usize,
    zero_trip_items: usize,
    exempt_materials: usize,
    visits_after: String,
}

/// Theme labels with their counts, in the fixed order of the theme list.
pub fn theme_links(counts: &[(String, i64)]) -> Vec<ThemeLink> {
    let counts: HashMap<&str, i64> = counts.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    Theme::ALL
        .iter()
        .map(|theme| ThemeLink {
            label: theme.label().to_owned(),
            count: counts.get(theme.label()).copied().unwrap_or(0),
            href: items_href("theme", theme.label()),
        })
        .collect()
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let app = &state.app;
    let themes = theme_links(&app.theme_counts().await?);
    let popular = app
        .list_items(&ItemQuery {
            per_page: Some(8),
            ..ItemQuery::default()
        })
        .await?
        .items
        .iter()
        .map(ItemCard::of)
        .collect();
    let bundles = app.bundles().await?;
    let items = app.published_items().await?;
    let names = name_map(&items);
    let summary = ReductionSummary::of(&items);
    let recent = app
        .recent_publications(5)
        .await?
        .into_iter()
        .map(|(code, info)| RecentLink {
            name: names
                .get(code.as_str())
                .cloned()
                .unwrap_or_else(|| code.clone()),
            href: format!("/items/{code}/versions"),
            version: info.version,
            date: chinese_date((info.published_at + chrono::Duration::hours(8)).date_naive()),
            note: info.note,
        })
        .collect();
    let page = HomePage {
        layout: ctx.layout("首页", "home"),
        themes,
        popular,
        bundle_total: bundles.len(),
        bundles: bundles
            .iter()
            .take(8)
            .map(|bundle| BundleLink {
                name: bundle.name.clone(),
                href: format!("/bundles#{}", bundle.code),
                item_count: bundle.item_codes.len(),
                promised: working_days(Some(bundle.promised_days)),
            })
            .collect(),
        recent,
        item_count: items.len(),
        zero_trip_items: items
            .iter()
            .filter(|item| zero_trip_basis(item).is_some())
            .count(),
        exempt_materials: summary.materials_exempt,
        visits_after: format!("{:.1}", summary.visits.average_after),
    };
    Ok(render(StatusCode::OK, &page))
}

pub fn name_map(items: &[ServiceItem]) -> HashMap<&str, String> {
    items
        .iter()
        .map(|item| (item.code.as_str(), item.name.clone()))
        .collect()
}

/// County-level units grouped by the city they belong to, for region selects. With
/// `with_cities` (lists that include everything below a region), each city with counties can be
/// chosen as a whole and the province is left to the select's empty "whole province" option;
/// without, the province stands for its own (province-level) departments.
pub fn region_groups(tree: &DivisionTree, current: &str, with_cities: bool) -> Vec<OptionGroup> {
    let province = tree.province();
    let mut groups = Vec::new();
    if !with_cities {
        groups.push(OptionGroup {
            label: "省级".to_owned(),
            options: vec![SelectOption::new(
                province.code.to_string(),
                format!("{}（省级部门）", province.name),
                current,
            )],
        });
    }
    for city in tree.children(&province.code) {
        let mut options = Vec::new();
        if tree.is_county_level_unit(city) {
            options.push(SelectOption::new(
                city.code.to_string(),
                city.name.clone(),
                current,
            ));
        } else {
            if with_cities && !city.is_pseudo_prefecture() {
                options.push(SelectOption::new(
                    city.code.to_string(),
                    format!("{}（全市）", city.name),
                    current,
                ));
            }
            for unit in tree.children(&city.code) {
                if tree.is_county_level_unit(unit) {
                    options.push(SelectOption::new(
                        unit.code.to_string(),
                        unit.name.clone(),
                        current,
                    ));
                }
            }
        }
        groups.push(OptionGroup {
            label: city.name.clone(),
            options,
        });
    }
    groups
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage {
    layout: Layout,
    q: String,
    themes: Vec<SelectOption>,
    departments: Vec<SelectOption>,
    region_groups: Vec<OptionGroup>,
    item_types: Vec<SelectOption>,
    results: Vec<ItemCard>,
    total: i64,
    pager: Pager,
    errors: Vec<String>,
    active: Vec<String>,
    filtered: bool,
}

pub async fn items(
    State(state): State<AppState>,
    ctx: PageCtx,
    query: PageQuery,
) -> PageResult<Response> {
    let app = &state.app;
    let mut field_errors = Vec::new();
    let page = query.page(&mut field_errors);
    let q = query.value("q");
    let theme = query.value("theme");
    let department = query.value("department");
    let region = query.value("region");
    let item_type = query.value("item_type");
    let item_query = ItemQuery {
        q: query.text("q"),
        theme: query.text("theme"),
        department: query.text("department"),
        region: query.text("region"),
        item_type: query.text("item_type"),
        page: Some(page),
        per_page: Some(20),
    };
    let (results, total, mut errors) = if field_errors.is_empty() {
        match app.list_items(&item_query).await {
            Ok(found) => (
                found.items.iter().map(ItemCard::of).collect(),
                found.total,
                Vec::new(),
            ),
            Err(AppError::Invalid { fields, message }) => {
                let mut errors: Vec<String> = fields.into_iter().map(|f| f.message).collect();
                if errors.is_empty() {
                    errors.push(message);
                }
                (Vec::new(), 0, errors)
            }
            Err(other) => return Err(other.into()),
        }
    } else {
        (Vec::new(), 0, Vec::new())
    };
    errors.extend(field_errors.into_iter().map(|f| f.message));
    let tree = app.regions();
    let mut active = Vec::new();
    if !q.is_empty() {
        active.push(format!("名称含“{q}”"));
    }
    if !theme.is_empty() {
        active.push(format!("主题：{theme}"));
    }
    if !department.is_empty() {
        active.push(format!("部门：{department}"));
    }
    if let Some(found) = tree.find(&region) {
        active.push(format!(
            "地区：{}",
            short_region_name(&tree.full_name(&found.code))
        ));
    }
    if !item_type.is_empty() {
        active.push(format!("类型：{item_type}"));
    }
    let department_options = std::iter::once(SelectOption::new("", "全部部门", &department))
        .chain(
            app.department_kind_counts()
                .await?
                .into_iter()
                .map(|(kind, count)| {
                    SelectOption::new(kind.clone(), format!("{kind}（{count}）"), &department)
                }),
        )
        .collect();
    let pager = Pager::new(
        "/items",
        &[
            ("q", q.clone()),
            ("theme", theme.clone()),
            ("department", department.clone()),
            ("region", region.clone()),
            ("item_type", item_type.clone()),
        ],
        page,
        20,
        u64::try_from(total).unwrap_or(0),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = if q.is_empty() {
        "办事事项".to_owned()
    } else {
        format!("“{q}”的搜索结果")
    };
    let page_view = ItemsPage {
        layout: ctx.layout(title, "items"),
        themes: std::iter::once(SelectOption::new("", "全部主题", &theme))
            .chain(
                Theme::ALL
                    .iter()
                    .map(|t| SelectOption::new(t.label(), t.label(), &theme)),
            )
            .collect(),
        departments: department_options,
        region_groups: region_groups(tree, &region, false),
        item_types: std::iter::once(SelectOption::new("", "全部类型", &item_type))
            .chain(
                ItemType::ALL
                    .iter()
                    .map(|t| SelectOption::new(t.label(), t.label(), &item_type)),
            )
            .collect(),
        filtered: !active.is_empty(),
        active,
        q,
        results,
        total,
        pager,
        errors,
    };
    Ok(render(status, &page_view))
}

#[derive(Debug, Clone)]
struct DepartmentLink {
    name: String,
    count: i64,
    href: String,
}

#[derive(Template)]
#[template(path = "departments.html")]
struct DepartmentsPage {
    layout: Layout,
    departments: Vec<DepartmentLink>,
}

pub async fn departments(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let departments = state
        .app
        .department_kind_counts()
        .await?
        .into_iter()
        .map(|(name, count)| DepartmentLink {
            href: items_href("department", &name),
            name,
            count,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &DepartmentsPage {
            layout: ctx.layout("按部门查找", "items"),
            departments,
        },
    ))
}

#[derive(Debug, Clone)]
struct TownshipLink {
    name: String,
    href: String,
}

#[derive(Debug, Clone)]
struct UnitView {
    name: String,
    items_href: String,
    zero_trip_href: String,
    townships: Vec<TownshipLink>,
}

#[derive(Debug, Clone)]
struct CityView {
    name: String,
    note: String,
    units: Vec<UnitView>,
}

#[derive(Template)]
#[template(path = "regions.html")]
struct RegionsPage {
    layout: Layout,
    province_items_href: String,
    cities: Vec<CityView>,
}

fn unit_view(tree: &DivisionTree, unit: &Division) -> UnitView {
    let code = unit.code.to_string();
    UnitView {
        items_href: items_href("region", &code),
        zero_trip_href: format!("/zero-trip?region={code}"),
        name: unit.name.clone(),
        townships: tree
            .children(&unit.code)
            .into_iter()
            .filter(|child| child.level == DivisionLevel::Township)
            .map(|township| TownshipLink {
                name: township.name.clone(),
                href: items_href("region", township.code.as_str()),
            })
            .collect(),
    }
}

pub async fn regions(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let tree = state.app.regions();
    let province = tree.province();
    let cities = tree
        .children(&province.code)
        .into_iter()
        .map(|city| {
            let units: Vec<UnitView> = if tree.is_county_level_unit(city) {
                vec![unit_view(tree, city)]
            } else {
                tree.children(&city.code)
                    .into_iter()
                    .filter(|unit| tree.is_county_level_unit(unit))
                    .map(|unit| unit_view(tree, unit))
                    .collect()
            };
            let note = if city.is_pseudo_prefecture() {
                "由省直接管辖的县级市、县和自治县".to_owned()
            } else {
                format!("{} 个县级单位", units.len())
            };
            CityView {
                name: city.name.clone(),
                note,
                units,
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &RegionsPage {
            layout: ctx.layout("按地区查找", "items"),
            province_items_href: items_href("region", province.code.as_str()),
            cities,
        },
    ))
}

#[derive(Debug, Clone)]
struct BundleItem {
    name: String,
    href: String,
}

#[derive(Debug, Clone)]
struct BundleView {
    code: String,
    name: String,
    description: String,
    aliases: String,
    promised: String,
    items: Vec<BundleItem>,
    field_count: usize,
}

#[derive(Template)]
#[template(path = "bundles.html")]
struct BundlesPage {
    layout: Layout,
    bundles: Vec<BundleView>,
}

pub async fn bundles(State(state): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let items = state.app.published_items().await?;
    let names = name_map(&items);
    let bundles = state
        .app
        .bundles()
        .await?
        .into_iter()
        .map(|bundle| BundleView {
            items: bundle
                .item_codes
                .iter()
                .map(|code| BundleItem {
                    name: names
                        .get(code.as_str())
                        .cloned()
                        .unwrap_or_else(|| code.to_string()),
                    href: format!("/items/{code}"),
                })
                .collect(),
            aliases: bundle.aliases.join("、"),
            promised: working_days(Some(bundle.promised_days)),
            field_count: bundle.shared_form_fields.len(),
            code: bundle.code,
            name: bundle.name,
            description: bundle.description,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &BundlesPage {
            layout: ctx.layout("一件事一次办", "bundles"),
            bundles,
        },
    ))
}
