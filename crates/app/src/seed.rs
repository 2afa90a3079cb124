//! Reference data every installation needs, and the demo data set.
//!
//! Both are embedded in the binary (public data, shipped with the project) and loaded once:
//! re-running on the same database keeps what is there.

use serde::Serialize;
use zerotrip_core::access::Role;
use zerotrip_core::calendar::WorkingDayCalendar;
use zerotrip_core::catalog::{Bundle, LicenceType, ProactiveRule};
use zerotrip_core::regions::hainan_villages;
use zerotrip_store::catalog::{self as store_catalog, ContentRow};
use zerotrip_store::reference::{self, DivisionRow, HolidayRow, VillageRow};
use zerotrip_store::{Json, settings};

use crate::App;
use crate::audit::SYSTEM_ACTOR;
use crate::auth::NewStaff;
use crate::catalog::{CatalogFormat, ImportOptions};
use crate::error::{AppError, AppResult};

pub const DEMO_CATALOG: &str = include_str!("../../../data/demo/catalog.json");
pub const DEMO_BUNDLES: &str = include_str!("../../../data/demo/bundles.json");
pub const DEMO_LICENCE_TYPES: &str = include_str!("../../../data/demo/licence-types.json");
pub const DEMO_PROACTIVE_RULES: &str = include_str!("../../../data/demo/proactive-rules.json");

const REFERENCE_KEY: &str = "seed.reference";
const DEMO_KEY: &str = "seed.demo";
/// Bump when the embedded reference data changes shape.
const REFERENCE_VERSION: &str = "1";
const DEMO_VERSION: &str = "1";

/// The password of every demo account (printed by `zerotrip demo`).
pub const DEMO_PASSWORD: &str = "zerotrip2026";

/// A demo account as `zerotrip demo` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub scope: String,
}

/// Loads divisions, villages and the holiday calendar if this database has none yet.
pub async fn ensure_reference_data(app: &App) -> AppResult<()> {
    if settings::get(&app.db, REFERENCE_KEY).await?.is_some() {
        return Ok(());
    }
    let tree = app.regions();
    let divisions = tree
        .iter()
        .map(|division| DivisionRow {
            code: division.code.to_string(),
            name: division.name.clone(),
            level: division.level.as_str().to_owned(),
            parent_code: division.parent.as_ref().map(ToString::to_string),
            full_name: tree.full_name(&division.code),
        })
        .collect();
    let villages = hainan_villages()
        .iter()
        .map(|village| VillageRow {
            code: village.code.to_string(),
            name: village.name.clone(),
            parent_code: village.parent.to_string(),
        })
        .collect();
    let holidays = WorkingDayCalendar::official()
        .entries()
        .map(|entry| HolidayRow {
            date: entry.date,
            name: entry.name.clone(),
            is_off_day: entry.is_off_day,
        })
        .collect();
    let mut tx = app.db.begin().await?;
    reference::insert_divisions(&mut tx, divisions).await?;
    reference::insert_villages(&mut tx, villages).await?;
    reference::upsert_holidays(&mut tx, holidays).await?;
    settings::set(&mut tx, REFERENCE_KEY, REFERENCE_VERSION).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the demo data set is loaded.
pub async fn demo_loaded(app: &App) -> AppResult<bool> {
    Ok(settings::get(&app.db, DEMO_KEY).await?.is_some())
}

/// Loads the demo data set once: licence types, the catalogue (published as version 1 with its
/// implementation lists), bundles, proactive rules, the first 零跑动 list and demo accounts.
pub async fn load_demo(app: &App) -> AppResult<Vec<DemoAccount>> {
    let accounts = demo_accounts(app);
    if demo_loaded(app).await? {
        return Ok(accounts);
    }
    let licence_types: Vec<LicenceType> = parse_embedded("licence-types.json", DEMO_LICENCE_TYPES)?;
    let bundles: Vec<Bundle> = parse_embedded("bundles.json", DEMO_BUNDLES)?;
    let rules: Vec<ProactiveRule> = parse_embedded("proactive-rules.json", DEMO_PROACTIVE_RULES)?;

    let mut tx = app.db.begin().await?;
    let rows = licence_types
        .iter()
        .map(|t| {
            Ok(ContentRow {
                code: t.code.clone(),
                name: t.name.clone(),
                content: Json(to_json(t)?),
            })
        })
        .collect::<AppResult<_>>()?;
    store_catalog::upsert_licence_types(&mut tx, rows).await?;
    tx.commit().await?;

    let options = ImportOptions {
        format: CatalogFormat::Json,
        publish: true,
        note: "初始发布（演示数据）".to_owned(),
    };
    app.import_catalog(SYSTEM_ACTOR, DEMO_CATALOG, &options, &|_, _| {})
        .await?;

    let mut tx = app.db.begin().await?;
    let bundle_rows = bundles
        .iter()
        .map(|b| {
            let content = ContentRow {
                code: b.code.to_string(),
                name: b.name.clone(),
                content: Json(to_json(b)?),
            };
            Ok((
                content,
                b.item_codes.iter().map(ToString::to_string).collect(),
            ))
        })
        .collect::<AppResult<_>>()?;
    store_catalog::upsert_bundles(&mut tx, bundle_rows).await?;
    let rule_rows = rules
        .iter()
        .map(|r| Ok((r.code.clone(), r.item_code.to_string(), to_json(r)?)))
        .collect::<AppResult<_>>()?;
    store_catalog::upsert_proactive_rules(&mut tx, rule_rows).await?;
    tx.commit().await?;

    app.publish_zero_trip_as(SYSTEM_ACTOR, "首期零跑动清单（演示数据）")
        .await?;
    create_demo_accounts(app, &accounts).await?;

    let mut tx = app.db.begin().await?;
    settings::set(&mut tx, DEMO_KEY, DEMO_VERSION).await?;
    tx.commit().await?;
    Ok(accounts)
}

fn demo_accounts(app: &App) -> Vec<DemoAccount> {
    let tree = app.regions();
    let province = tree.full_name(&tree.province().code);
    let longhua = tree
        .find("460106")
        .map(|d| tree.full_name(&d.code))
        .unwrap_or_default();
    vec![
        DemoAccount {
            username: "admin",
            display_name: "省级事项管理员",
            role: Role::ProvinceAdmin,
            scope: province.clone(),
        },
        DemoAccount {
            username: "auditor",
            display_name: "审计员",
            role: Role::Auditor,
            scope: province,
        },
        DemoAccount {
            username: "longhua",
            display_name: "龙华区事项管理员",
            role: Role::RegionAdmin,
            scope: longhua,
        },
    ]
}

async fn create_demo_accounts(app: &App, accounts: &[DemoAccount]) -> AppResult<()> {
    for account in accounts {
        let region_code = match account.role {
            Role::RegionAdmin => Some("460106".to_owned()),
            _ => Some(app.regions().province().code.to_string()),
        };
        app.create_staff(NewStaff {
            username: account.username.to_owned(),
            display_name: account.display_name.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            department_id: None,
            region_code,
            roles: vec![account.role],
        })
        .await?;
    }
    Ok(())
}

fn parse_embedded<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> AppResult<T> {
    serde_json::from_str(text)
        .map_err(|error| AppError::internal(format!("内置演示数据 {name} 无法解析：{error}")))
}

fn to_json<T: Serialize>(value: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(AppError::internal)
}

/// Loads only the demo licence-type registry (for platforms that import their own catalogue).
pub async fn load_demo_licence_types(app: &App) -> AppResult<()> {
    let licence_types: Vec<LicenceType> = parse_embedded("licence-types.json", DEMO_LICENCE_TYPES)?;
    let rows = licence_types
        .iter()
        .map(|t| {
            Ok(ContentRow {
                code: t.code.clone(),
                name: t.name.clone(),
                content: Json(to_json(t)?),
            })
        })
        .collect::<AppResult<_>>()?;
    let mut tx = app.db.begin().await?;
    store_catalog::upsert_licence_types(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(())
}
