//! Reading the published catalogue: the public list, an item with all elements, and the item
//! guide (办事指南) as it applies in one region.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use zerotrip_core::catalog::{
    Bundle, ElementOverrides, LocalFacts, ServiceItem, Theme, ZeroTripBasis, effective_item,
    zero_trip_basis,
};
use zerotrip_core::ids::{CreditCode, DivisionCode};
use zerotrip_store::catalog::{self as store, ImplementationView, ItemFilter, ItemOrder};
use zerotrip_store::departments;

use super::item_from_json;
use crate::App;
use crate::error::{AppError, AppResult, FieldError};

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
const MAX_QUERY_CHARS: usize = 50;

/// The public list's parameters as they arrive (`GET /api/v1/items?…`).
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub q: Option<String>,
    pub theme: Option<String>,
    /// A department kind (公安机关) or one department's unified social credit code.
    pub department: Option<String>,
    pub region: Option<String>,
    pub item_type: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// One item in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSummary {
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub department: String,
    pub aliases: Vec<String>,
    pub themes: Vec<String>,
    pub targets: Vec<String>,
    pub levels: Vec<String>,
    pub promised_days: Option<u32>,
    pub on_site_visits: Option<u32>,
    pub online_depth: Option<u8>,
    pub cross_region: Vec<String>,
    pub high_frequency: bool,
    /// Why the item is on the 零跑动 list, if it is.
    pub zero_trip: Option<ZeroTripBasis>,
    pub version: i64,
}

impl ItemSummary {
    pub(crate) fn of(item: &ServiceItem, version: i64) -> Self {
        ItemSummary {
            code: item.code.to_string(),
            name: item.name.clone(),
            item_type: item.item_type.label().to_owned(),
            department: item.department.clone(),
            aliases: item.aliases.clone(),
            themes: item.themes.iter().map(|t| t.label().to_owned()).collect(),
            targets: item.targets.iter().map(|t| t.label().to_owned()).collect(),
            levels: item.levels.iter().map(|l| l.label().to_owned()).collect(),
            promised_days: item.promised_days,
            on_site_visits: item.on_site_visits,
            online_depth: item.online_depth.map(|d| d.level()),
            cross_region: item
                .cross_region
                .iter()
                .map(|c| c.label().to_owned())
                .collect(),
            high_frequency: item.high_frequency,
            zero_trip: zero_trip_basis(item),
            version,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemPage {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<ItemSummary>,
}

/// A bundle an item belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct BundleRef {
    pub code: String,
    pub name: String,
}

/// An item with every element, its version and what surrounds it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub item: ServiceItem,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub zero_trip: Option<ZeroTripBasis>,
    /// Materials the applicant does not hand in (免提交), with the reason.
    pub exempt_materials: Vec<ExemptMaterial>,
    pub bundles: Vec<BundleRef>,
    pub implementation_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExemptMaterial {
    pub name: String,
    pub reason: String,
}

/// One region's implementation as the guide shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ImplementationSummary {
    pub code: String,
    pub region_code: String,
    pub region_name: String,
    pub department_name: String,
    pub department_credit_code: String,
    pub level: String,
    pub local: LocalFacts,
    /// Elements this unit restates differently from the standard (should be empty).
    pub overrides: ElementOverrides,
}

/// The 办事指南 of an item in a chosen region.
#[derive(Debug, Clone, Serialize)]
pub struct ItemGuide {
    pub detail: ItemDetail,
    /// The item as applicants in the chosen region face it.
    pub effective: ServiceItem,
    pub implementation: Option<ImplementationSummary>,
    /// Regions where the item is implemented, for the region picker: (code, name).
    pub regions: Vec<(String, String)>,
    /// If accepted today, the promised completion date on the official calendar.
    pub promised_date: Option<NaiveDate>,
}

impl App {
    /// One page of the published catalogue.
    pub async fn list_items(&self, query: &ItemQuery) -> AppResult<ItemPage> {
        let mut fields = Vec::new();
        let mut filter = ItemFilter::default();
        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            if q.chars().count() > MAX_QUERY_CHARS {
                fields.push(FieldError::new(
                    "q",
                    format!("搜索词最多 {MAX_QUERY_CHARS} 个字"),
                ));
            }
            filter.text = Some(q.to_owned());
        }
        if let Some(theme) = query
            .theme
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match Theme::from_label(theme) {
                Some(theme) => filter.theme = Some(theme.label().to_owned()),
                None => fields.push(FieldError::new(
                    "theme",
                    format!("主题“{theme}”不存在，可选：{}", Theme::expected()),
                )),
            }
        }
        if let Some(department) = query
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            if department.len() == 18 && department.is_ascii() {
                match CreditCode::parse(department) {
                    Ok(code) => {
                        match departments::department_by_credit_code(&self.db, code.as_str())
                            .await?
                        {
                            Some(row) => filter.department_id = Some(row.id),
                            None => fields.push(FieldError::new(
                                "department",
                                format!("统一社会信用代码为 {code} 的部门不存在"),
                            )),
                        }
                    }
                    Err(error) => fields.push(FieldError::new("department", error)),
                }
            } else {
                filter.department_kind = Some(department.to_owned());
            }
        }
        if let Some(region) = query
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            match DivisionCode::parse(region) {
                Ok(code) if self.regions().get(&code).is_some() => {
                    filter.region_code = Some(code.to_string())
                }
                Ok(code) => fields.push(FieldError::new(
                    "region",
                    format!("行政区划 {code} 不在本省区划中"),
                )),
                Err(error) => fields.push(FieldError::new("region", error)),
            }
        }
        if let Some(item_type) = query
            .item_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match zerotrip_core::catalog::ItemType::from_label(item_type) {
                Some(item_type) => filter.item_type = Some(item_type.label().to_owned()),
                None => fields.push(FieldError::new(
                    "item_type",
                    format!("事项类型“{item_type}”不存在"),
                )),
            }
        }
        let page = query.page.unwrap_or(1);
        if page == 0 {
            fields.push(FieldError::new("page", "页码从 1 开始"));
        }
        let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if per_page == 0 || per_page > MAX_PER_PAGE {
            fields.push(FieldError::new(
                "per_page",
                format!("每页条数应在 1–{MAX_PER_PAGE} 之间"),
            ));
        }
        if !fields.is_empty() {
            return Err(AppError::invalid("查询参数有误", fields));
        }
        let offset = i64::from(page - 1) * i64::from(per_page);
        let (total, rows) = store::list_published(
            &self.db,
            &filter,
            ItemOrder::Popular,
            i64::from(per_page),
            offset,
        )
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(ItemSummary::of(
                    &item_from_json(&row.code, &row.content.0)?,
                    row.version,
                ))
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(ItemPage {
            total,
            page,
            per_page,
            items,
        })
    }

    /// The current published version of an item with everything around it.
    pub async fn item_detail(&self, code: &str) -> AppResult<ItemDetail> {
        let code = parse_item_code(code)?;
        let row = store::published_item(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("事项 {code} 不存在或尚未发布")))?;
        let item = item_from_json(&row.code, &row.content.0)?;
        let bundles = store::bundles_with_item(&self.db, &code)
            .await?
            .into_iter()
            .map(|bundle| BundleRef {
                code: bundle.code,
                name: bundle.name,
            })
            .collect();
        let implementation_count =
            usize::try_from(store::count_implementations_of_item(&self.db, &code).await?)
                .unwrap_or(0);
        let exempt_materials = item
            .exempt_materials()
            .map(|(material, why)| ExemptMaterial {
                name: material.name.clone(),
                reason: why.label().to_owned(),
            })
            .collect();
        Ok(ItemDetail {
            zero_trip: zero_trip_basis(&item),
            item,
            version: row.version,
            published_at: row.published_at,
            exempt_materials,
            bundles,
            implementation_count,
        })
    }

    /// The item guide in `region` (a county-level unit or township); without a region, or where
    /// the item is not implemented, the guide shows the standard and the region picker.
    pub async fn item_guide(&self, code: &str, region: Option<&str>) -> AppResult<ItemGuide> {
        let detail = self.item_detail(code).await?;
        let item_code = detail.item.code.as_str();
        let regions = store::implementing_regions(&self.db, item_code).await?;
        let chosen = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(region) => {
                let code = DivisionCode::parse(region)
                    .map_err(|error| AppError::field("region", error))?;
                self.implementation_serving(item_code, &regions, &code)
                    .await?
            }
            None => None,
        };
        let implementation = chosen.as_ref().map(summarise_implementation).transpose()?;
        let effective = match &implementation {
            Some(found) => effective_item(&detail.item, &found.overrides),
            None => detail.item.clone(),
        };
        let promised_date = effective.promised_days.map(|days| {
            self.calendar()
                .add_working_days(self.clock.today_in_china(), days)
        });
        Ok(ItemGuide {
            detail,
            effective,
            implementation,
            regions,
            promised_date,
        })
    }

    /// The implementation that serves someone in `region`: the region's own, else the nearest
    /// enclosing region's (county-level unit, city, province).
    pub(crate) async fn implementation_serving(
        &self,
        item_code: &str,
        regions: &[(String, String)],
        region: &DivisionCode,
    ) -> AppResult<Option<ImplementationView>> {
        let tree = self.regions();
        let mut candidates = vec![region.to_string()];
        candidates.extend(
            tree.ancestors(region)
                .into_iter()
                .map(|ancestor| ancestor.code.to_string()),
        );
        let Some(serving) = candidates
            .iter()
            .find(|code| regions.iter().any(|(r, _)| r == *code))
        else {
            return Ok(None);
        };
        Ok(store::implementation_for(&self.db, item_code, serving).await?)
    }

    /// Bundles (一件事) as stored.
    pub async fn bundles(&self) -> AppResult<Vec<Bundle>> {
        store::bundles(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                serde_json::from_value(row.content.0).map_err(|error| {
                    AppError::Store(zerotrip_store::StoreError::corrupt(
                        format!("一件事 {}", row.code),
                        error,
                    ))
                })
            })
            .collect()
    }

    /// How many published items each theme has.
    pub async fn theme_counts(&self) -> AppResult<Vec<(String, i64)>> {
        Ok(store::theme_counts(&self.db)
            .await?
            .into_iter()
            .map(|f| (f.value, f.count))
            .collect())
    }

    /// How many published items each department kind has.
    pub async fn department_kind_counts(&self) -> AppResult<Vec<(String, i64)>> {
        Ok(store::department_kind_counts(&self.db)
            .await?
            .into_iter()
            .map(|f| (f.value, f.count))
            .collect())
    }
}

pub(crate) fn summarise_implementation(
    view: &ImplementationView,
) -> AppResult<ImplementationSummary> {
    let local: LocalFacts =
        serde_json::from_value(view.local_facts.0.clone()).map_err(|error| {
            AppError::Store(zerotrip_store::StoreError::corrupt(
                format!("实施清单 {}", view.code),
                error,
            ))
        })?;
    let overrides: ElementOverrides =
        serde_json::from_value(view.overrides.0.clone()).map_err(|error| {
            AppError::Store(zerotrip_store::StoreError::corrupt(
                format!("实施清单 {}", view.code),
                error,
            ))
        })?;
    Ok(ImplementationSummary {
        code: view.code.clone(),
        region_code: view.region_code.clone(),
        region_name: view.region_name.clone(),
        department_name: view.department_name.clone(),
        department_credit_code: view.department_credit_code.clone(),
        level: view.level.clone(),
        local,
        overrides,
    })
}

/// Parses an item code from a URL or form, as a 400 with the field named.
pub(crate) fn parse_item_code(code: &str) -> AppResult<String> {
    zerotrip_core::catalog::ItemCode::parse(code)
        .map(|code| code.to_string())
        .map_err(|error| AppError::field("code", error))
}

impl App {
    /// The implementation list of a published item.
    pub async fn item_implementations(&self, code: &str) -> AppResult<Vec<ImplementationSummary>> {
        let code = parse_item_code(code)?;
        if store::published_item(&self.db, &code).await?.is_none() {
            return Err(AppError::not_found(format!("事项 {code} 不存在或尚未发布")));
        }
        store::implementations_of_item(&self.db, &code)
            .await?
            .iter()
            .map(summarise_implementation)
            .collect()
    }
}
