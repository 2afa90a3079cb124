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
    pub username: String,
    pub display_name: String,
    /// What the account is for: a staff role, 自然人 or 法人.
    pub role_label: String,
    pub scope: String,
}

/// Who the demo accounts are.
enum DemoIdentity {
    Staff {
        role: Role,
        region: &'static str,
        department_kind: Option<&'static str>,
    },
    Person {
        real_name: &'static str,
        id_number: &'static str,
        phone: &'static str,
    },
    Company {
        name: &'static str,
        credit_code: &'static str,
        representative: &'static str,
        phone: &'static str,
    },
}

struct DemoSpec {
    username: &'static str,
    display_name: &'static str,
    identity: DemoIdentity,
}

/// The demo's people: administrators, the staff of one county-level unit (海口市龙华区) who
/// handle cases of its public security and market regulation departments, its comprehensive
/// window, and applicants. ID numbers and credit codes are made up but pass their checksums.
fn demo_specs() -> Vec<DemoSpec> {
    use DemoIdentity::*;
    let staff = |username, display_name, role, region, department_kind| DemoSpec {
        username,
        display_name,
        identity: Staff {
            role,
            region,
            department_kind,
        },
    };
    vec![
        staff(
            "admin",
            "省级事项管理员",
            Role::ProvinceAdmin,
            "460000",
            None,
        ),
        staff("auditor", "审计员", Role::Auditor, "460000", None),
        staff(
            "longhua",
            "龙华区事项管理员",
            Role::RegionAdmin,
            "460106",
            None,
        ),
        staff(
            "lh_window",
            "龙华区综合窗口",
            Role::WindowClerk,
            "460106",
            None,
        ),
        staff(
            "lh_clerk",
            "龙华公安受理员",
            Role::WindowClerk,
            "460106",
            Some("公安机关"),
        ),
        staff(
            "lh_reviewer",
            "龙华公安审核员",
            Role::Reviewer,
            "460106",
            Some("公安机关"),
        ),
        staff(
            "lh_approver",
            "龙华公安审批员",
            Role::Approver,
            "460106",
            Some("公安机关"),
        ),
        staff(
            "lh_dept_admin",
            "龙华公安部门管理员",
            Role::DepartmentAdmin,
            "460106",
            Some("公安机关"),
        ),
        staff(
            "sj_clerk",
            "龙华市场监管受理员",
            Role::WindowClerk,
            "460106",
            Some("市场监督管理部门"),
        ),
        staff(
            "sj_reviewer",
            "龙华市场监管审核员",
            Role::Reviewer,
            "460106",
            Some("市场监督管理部门"),
        ),
        staff(
            "sj_approver",
            "龙华市场监管审批员",
            Role::Approver,
            "460106",
            Some("市场监督管理部门"),
        ),
        staff(
            "xy_clerk",
            "秀英公安受理员",
            Role::WindowClerk,
            "460105",
            Some("公安机关"),
        ),
        // The 12345 body (crate::hotline): takes calls, dispatches and calls back.
        staff(
            "hotline_agent",
            "12345热线接线员",
            Role::WindowClerk,
            "460000",
            Some("12345"),
        ),
        staff(
            "hotline_dispatcher",
            "12345热线派单员",
            Role::Reviewer,
            "460000",
            Some("12345"),
        ),
        DemoSpec {
            username: "460106199001011239",
            display_name: "王*",
            identity: Person {
                real_name: "王小明",
                id_number: "460106199001011239",
                phone: "13800138000",
            },
        },
        DemoSpec {
            username: "460105198512120022",
            display_name: "李*",
            identity: Person {
                real_name: "李红",
                id_number: "460105198512120022",
                phone: "13900139000",
            },
        },
        DemoSpec {
            username: "91460100MA5TQ7B2X8",
            display_name: "海南椰风餐饮有限公司",
            identity: Company {
                name: "海南椰风餐饮有限公司",
                credit_code: "91460100MA5TQ7B2X8",
                representative: "陈海",
                phone: "13700137000",
            },
        },
    ]
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
        // Older demo databases gain the accounts added since.
        create_demo_accounts(app).await?;
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
    create_demo_accounts(app).await?;

    let mut tx = app.db.begin().await?;
    settings::set(&mut tx, DEMO_KEY, DEMO_VERSION).await?;
    tx.commit().await?;
    Ok(accounts)
}

fn demo_accounts(app: &App) -> Vec<DemoAccount> {
    demo_specs()
        .into_iter()
        .map(|spec| {
            let (role_label, scope) = match &spec.identity {
                DemoIdentity::Staff {
                    role,
                    region,
                    department_kind,
                } => {
                    let place = app.region_name(region);
                    let scope = match department_kind {
                        Some(kind) => format!("{place}·{kind}"),
                        None => place,
                    };
                    (role.label().to_owned(), scope)
                }
                DemoIdentity::Person { .. } => {
                    ("自然人（申请人）".to_owned(), "以身份证号码登录".to_owned())
                }
                DemoIdentity::Company { .. } => (
                    "法人（申请人）".to_owned(),
                    "以统一社会信用代码登录".to_owned(),
                ),
            };
            DemoAccount {
                username: spec.username.to_owned(),
                display_name: spec.display_name.to_owned(),
                role_label,
                scope,
            }
        })
        .collect()
}

/// Creates every demo account that does not exist yet (so older demo databases gain new ones).
async fn create_demo_accounts(app: &App) -> AppResult<()> {
    crate::hotline::ensure_hotline_body(app).await?;
    let departments = zerotrip_store::departments::all_departments(&app.db).await?;
    for spec in demo_specs() {
        if zerotrip_store::accounts::account_by_username(&app.db, spec.username)
            .await?
            .is_some()
        {
            continue;
        }
        match spec.identity {
            DemoIdentity::Staff {
                role,
                region,
                department_kind,
            } => {
                let department_id = match department_kind {
                    Some(kind) => Some(
                        departments
                            .iter()
                            .find(|d| d.kind == kind && d.region_code == region)
                            .map(|d| d.id)
                            .ok_or_else(|| {
                                AppError::internal(format!("演示数据缺少 {region} 的{kind}"))
                            })?,
                    ),
                    None => None,
                };
                app.create_staff(NewStaff {
                    username: spec.username.to_owned(),
                    display_name: spec.display_name.to_owned(),
                    password: DEMO_PASSWORD.to_owned(),
                    department_id,
                    region_code: Some(region.to_owned()),
                    roles: vec![role],
                })
                .await?;
            }
            DemoIdentity::Person {
                real_name,
                id_number,
                phone,
            } => {
                app.register_person(crate::identity::PersonSignUp {
                    real_name: real_name.to_owned(),
                    id_number: id_number.to_owned(),
                    phone: phone.to_owned(),
                    password: DEMO_PASSWORD.to_owned(),
                })
                .await?;
            }
            DemoIdentity::Company {
                name,
                credit_code,
                representative,
                phone,
            } => {
                app.register_company(crate::identity::CompanySignUp {
                    company_name: name.to_owned(),
                    credit_code: credit_code.to_owned(),
                    legal_representative: representative.to_owned(),
                    phone: phone.to_owned(),
                    password: DEMO_PASSWORD.to_owned(),
                })
                .await?;
            }
        }
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
