//! The item guide (办事指南) in a chosen region, and an item's published versions.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use zerotrip_app::AppError;
use zerotrip_core::catalog::{Exemption, Figures, ServiceItem, zero_trip_basis};
use zerotrip_core::regions::DivisionTree;

use super::context::{
    Layout, OptionGroup, PageCtx, PageQuery, SelectOption, china_time, chinese_date, items_href,
    render, short_region_name, working_days,
};
use crate::error::{PageError, PageResult};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct MaterialView {
    pub name: String,
    pub source: String,
    pub counts: String,
    pub required: bool,
    pub form: String,
    pub note: String,
    /// Why the applicant need not hand it in (免提交), if so.
    pub exempt: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FaqView {
    pub q: String,
    pub a: String,
}

#[derive(Debug, Clone)]
pub struct ReductionRow {
    pub label: &'static str,
    pub before: String,
    pub after: String,
    pub saved: String,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub label: String,
    pub href: String,
}

/// Every element of an item, as text ready to show.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub department: String,
    pub aliases: String,
    pub levels: String,
    pub targets: String,
    pub basis: String,
    pub conditions: Vec<String>,
    pub materials: Vec<MaterialView>,
    pub exempt_count: usize,
    pub submit_count: usize,
    pub legal_days: String,
    pub promised_days: String,
    pub result: String,
    pub fee_charged: String,
    /// The fee in a few words for the key facts: the amount, or 不收费.
    pub fee_short: String,
    pub fee_amount: String,
    pub fee_basis: String,
    pub fee_online: bool,
    pub visits: String,
    pub visit_reason: String,
    pub modes: Vec<String>,
    pub online_depth: String,
    pub cross_region: String,
    pub process: Vec<String>,
    pub faqs: Vec<FaqView>,
    pub zero_trip: Option<String>,
    pub reductions: Vec<ReductionRow>,
    pub themes: Vec<Link>,
    pub high_frequency: bool,
    pub auto_approvable: bool,
}

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "—".to_owned()
    } else {
        text.to_owned()
    }
}

fn reduction_rows(before: &Figures, after: &Figures) -> Vec<ReductionRow> {
    let row = |label: &'static str, unit: &str, b: u32, a: u32| ReductionRow {
        label,
        before: format!("{b} {unit}"),
        after: format!("{a} {unit}"),
        saved: if b > a {
            format!("减少 {} {unit}（{}%）", b - a, (b - a) * 100 / b.max(1))
        } else {
            "—".to_owned()
        },
    };
    vec![
        row("申请材料", "份", before.materials, after.materials),
        row("办理时限", "个工作日", before.days, after.days),
        row("办理环节", "个", before.steps, after.steps),
        row("跑动次数", "次", before.visits, after.visits),
    ]
}

impl ItemView {
    pub fn of(item: &ServiceItem) -> Self {
        let materials: Vec<MaterialView> = item
            .materials
            .iter()
            .map(|material| {
                let mut counts = Vec::new();
                if material.original_count > 0 {
                    counts.push(format!("原件 {} 份", material.original_count));
                }
                if material.copy_count > 0 {
                    counts.push(format!("复印件 {} 份", material.copy_count));
                }
                let exempt = material.exemption().map(|why| match why {
                    Exemption::ELicence => format!(
                        "{}：通过电子证照库调取“{}”",
                        why.label(),
                        material.licence_type.as_deref().unwrap_or(&material.name)
                    ),
                    Exemption::GovernmentIssued => {
                        format!("{}：由部门通过数据共享获取", why.label())
                    }
                });
                MaterialView {
                    name: material.name.clone(),
                    source: material.source.label().to_owned(),
                    counts: if counts.is_empty() {
                        "—".to_owned()
                    } else {
                        counts.join("，")
                    },
                    required: material.required,
                    form: material.form.label().to_owned(),
                    note: material.note.clone().unwrap_or_default(),
                    exempt,
                }
            })
            .collect();
        let exempt_count = materials.iter().filter(|m| m.exempt.is_some()).count();
        let submit_count = item
            .materials
            .iter()
            .filter(|m| m.applicant_supplies())
            .count();
        let (fee_charged, fee_amount, fee_basis, fee_online) = match &item.fee {
            None => ("未公布".to_owned(), String::new(), String::new(), false),
            Some(fee) if !fee.charged => ("不收费".to_owned(), String::new(), String::new(), false),
            Some(fee) => (
                "收费".to_owned(),
                fee.amount_note.clone().unwrap_or_default(),
                fee.basis.clone().unwrap_or_default(),
                fee.online_payment,
            ),
        };
        let fee_short = if fee_charged == "收费" && !fee_amount.is_empty() {
            fee_amount.clone()
        } else {
            fee_charged.clone()
        };
        ItemView {
            code: item.code.to_string(),
            name: item.name.clone(),
            item_type: item.item_type.label().to_owned(),
            department: item.department.clone(),
            aliases: item.aliases.join("、"),
            levels: item
                .levels
                .iter()
                .map(|l| l.label())
                .collect::<Vec<_>>()
                .join("、"),
            targets: item
                .targets
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join("、"),
            basis: or_dash(&item.basis),
            conditions: item.conditions.clone(),
            materials,
            exempt_count,
            submit_count,
            legal_days: working_days(item.legal_days),
            promised_days: working_days(item.promised_days),
            result: match &item.result {
                Some(result) => format!("{}（{}）", result.name, result.kind.label()),
                None => "—".to_owned(),
            },
            fee_charged,
            fee_short,
            fee_amount,
            fee_basis,
            fee_online,
            visits: match item.on_site_visits {
                Some(0) => "0 次（无需到现场）".to_owned(),
                Some(n) => format!("{n} 次"),
                None => "未规定".to_owned(),
            },
            visit_reason: item.on_site_reason.clone().unwrap_or_default(),
            modes: item.modes.iter().map(|m| m.label().to_owned()).collect(),
            online_depth: item
                .online_depth
                .map(|d| d.label().to_owned())
                .unwrap_or_else(|| "未公布".to_owned()),
            cross_region: if item.cross_region.is_empty() {
                "—".to_owned()
            } else {
                item.cross_region
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join("、")
            },
            process: item.effective_process(),
            faqs: item
                .faqs
                .iter()
                .map(|faq| FaqView {
                    q: faq.q.clone(),
                    a: faq.a.clone(),
                })
                .collect(),
            zero_trip: zero_trip_basis(item).map(|b| b.label().to_owned()),
            reductions: item
                .optimization
                .map(|o| reduction_rows(&o.before, &o.after))
                .unwrap_or_default(),
            themes: item
                .themes
                .iter()
                .map(|t| Link {
                    label: t.label().to_owned(),
                    href: items_href("theme", t.label()),
                })
                .collect(),
            high_frequency: item.high_frequency,
            auto_approvable: item.auto_approvable,
        }
    }
}

#[derive(Debug, Clone)]
struct PlaceView {
    region_name: String,
    department: String,
    address: String,
    consult_phone: String,
    complaint_phone: String,
    hours: String,
    window: String,
    deviates: bool,
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    layout: Layout,
    item: ItemView,
    version: i64,
    published: String,
    region_groups: Vec<OptionGroup>,
    region_count: usize,
    region_chosen: bool,
    place: Option<PlaceView>,
    promised_date: Option<String>,
    bundles: Vec<Link>,
    /// 在线申请 for the chosen region.
    apply_href: Option<String>,
}

/// The regions an item is implemented in, grouped by county-level unit.
pub(super) fn guide_region_groups(
    tree: &DivisionTree,
    regions: &[(String, String)],
    current: &str,
) -> Vec<OptionGroup> {
    let mut groups: Vec<(String, OptionGroup)> = Vec::new();
    for (code, full_name) in regions {
        let key: String = code.chars().take(6).collect();
        let group_name = tree
            .find(&key)
            .map(|d| short_region_name(&tree.full_name(&d.code)))
            .unwrap_or_else(|| short_region_name(full_name));
        let label = if code.len() == 6 {
            if key == tree.province().code.as_str() {
                "海南省（省级部门）".to_owned()
            } else {
                group_name.clone()
            }
        } else {
            tree.find(code)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| short_region_name(full_name))
        };
        let option = SelectOption::new(code.clone(), label, current);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.options.push(option),
            None => groups.push((
                key,
                OptionGroup {
                    label: group_name,
                    options: vec![option],
                },
            )),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

pub async fn guide(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
    query: PageQuery,
) -> PageResult<Response> {
    let region = query.value("region");
    let guide = state
        .app
        .item_guide(&code, Some(region.as_str()).filter(|r| !r.is_empty()))
        .await?;
    let tree = state.app.regions();
    let place = guide.implementation.as_ref().map(|found| PlaceView {
        region_name: short_region_name(&found.region_name),
        department: found.department_name.clone(),
        address: found.local.address.clone(),
        consult_phone: found.local.consult_phone.clone(),
        complaint_phone: found.local.complaint_phone.clone(),
        hours: found.local.hours.clone(),
        window: found.local.window.clone().unwrap_or_default(),
        deviates: !found.overrides.is_empty(),
    });
    let item = ItemView::of(&guide.effective);
    let page = GuidePage {
        layout: ctx.layout(guide.effective.name.clone(), "items"),
        version: guide.detail.version,
        published: china_time(guide.detail.published_at),
        region_groups: guide_region_groups(tree, &guide.regions, &region),
        region_count: guide.regions.len(),
        region_chosen: !region.is_empty(),
        place,
        promised_date: guide.promised_date.map(chinese_date),
        apply_href: guide.implementation.as_ref().map(|_| {
            format!(
                "/items/{}/apply?region={}",
                guide.effective.code,
                urlencoding::encode(&region)
            )
        }),
        bundles: guide
            .detail
            .bundles
            .iter()
            .map(|b| Link {
                label: b.name.clone(),
                href: format!("/bundles#{}", b.code),
            })
            .collect(),
        item,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Clone)]
struct VersionView {
    number: i64,
    href: String,
    date: String,
    by: String,
    note: String,
    changes: Vec<String>,
    hash: String,
}

#[derive(Template)]
#[template(path = "versions.html")]
struct VersionsPage {
    layout: Layout,
    code: String,
    name: String,
    versions: Vec<VersionView>,
}

pub async fn versions(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let history = state.app.item_versions(&code).await?;
    let detail = state.app.item_detail(&code).await?;
    let code = detail.item.code.to_string();
    let versions = history
        .into_iter()
        .map(|info| VersionView {
            href: format!("/items/{code}/versions/{}", info.version),
            number: info.version,
            date: china_time(info.published_at),
            by: info.published_by,
            note: info.note,
            changes: info.changes.iter().map(|c| c.describe()).collect(),
            hash: info.content_hash.chars().take(16).collect(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &VersionsPage {
            layout: ctx.layout(format!("{} 的版本记录", detail.item.name), "items"),
            name: detail.item.name.clone(),
            code,
            versions,
        },
    ))
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionPage {
    layout: Layout,
    item: ItemView,
    number: i64,
    current: i64,
    date: String,
    by: String,
    note: String,
    changes: Vec<String>,
    hash: String,
}

pub async fn version(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((code, number)): Path<(String, String)>,
) -> PageResult<Response> {
    let number: i64 = number.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        PageError(AppError::field(
            "version",
            format!("版本号“{number}”应为正整数"),
        ))
    })?;
    let (info, item) = state.app.item_version(&code, number).await?;
    let current = state
        .app
        .item_versions(&code)
        .await?
        .first()
        .map(|v| v.version)
        .unwrap_or(number);
    Ok(render(
        StatusCode::OK,
        &VersionPage {
            layout: ctx.layout(format!("{} 第 {number} 版", item.name), "items"),
            item: ItemView::of(&item),
            number,
            current,
            date: china_time(info.published_at),
            by: info.published_by,
            note: info.note,
            changes: info.changes.iter().map(|c| c.describe()).collect(),
            hash: info.content_hash,
        },
    ))
}
