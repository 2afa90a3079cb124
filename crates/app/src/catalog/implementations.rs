//! Implementation lists: binding each item of the standard to the competent department of every
//! region at the item's levels, with the local facts each unit adds.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::{
    ElementOverrides, Finding, LocalFacts, ServiceItem, ServiceLevel, check_implementation,
};
use zerotrip_core::departments::department_for;
use zerotrip_core::ids::{CreditCode, DivisionLevel, ExerciseLevel, ImplementationCode};
use zerotrip_core::regions::Division;
use zerotrip_store::catalog::{self as store, ImplementationRow};
use zerotrip_store::departments::{self, DepartmentRow, NewDepartment};
use zerotrip_store::{Json, Tx};
use zerotrip_trust::sm3_hex;

use super::item_from_json;
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::events::topics;

/// The department kind that implements every township-level item: the township government.
pub const TOWNSHIP_BODY: &str = "乡镇人民政府（街道办事处）";

/// Departments by unified social credit code, loaded once per transaction and extended as
/// needed. Several regions can share one body (三沙's statistical units are served by 三沙市's
/// departments), so the body's code, not the region, identifies it.
pub(crate) struct DepartmentDirectory {
    by_credit_code: HashMap<String, DepartmentRow>,
    /// Memo of (kind, region) → credit code, to skip re-deriving the body.
    serving: HashMap<(String, String), String>,
}

impl DepartmentDirectory {
    pub(crate) async fn load(tx: &mut Tx) -> AppResult<Self> {
        let rows = departments::all_departments_tx(tx).await?;
        let by_credit_code = rows
            .into_iter()
            .map(|row| (row.credit_code.clone(), row))
            .collect();
        Ok(DepartmentDirectory {
            by_credit_code,
            serving: HashMap::new(),
        })
    }

    /// The department of `kind` serving `region`, created on first use.
    async fn get_or_create(
        &mut self,
        tx: &mut Tx,
        app: &App,
        kind: &str,
        region: &Division,
    ) -> AppResult<DepartmentRow> {
        let key = (kind.to_owned(), region.code.to_string());
        if let Some(row) = self
            .serving
            .get(&key)
            .and_then(|code| self.by_credit_code.get(code))
        {
            return Ok(row.clone());
        }
        let spec = department_for(kind, region, app.regions());
        let credit_code = spec.credit_code.to_string();
        let row = match self.by_credit_code.get(&credit_code) {
            Some(row) => row.clone(),
            None => {
                let new = NewDepartment {
                    credit_code: credit_code.clone(),
                    name: spec.name,
                    short_name: spec.short_name,
                    kind: kind.to_owned(),
                    region_code: spec.region.to_string(),
                };
                let id = departments::insert_department(tx, &new).await?;
                let row = DepartmentRow {
                    id,
                    credit_code: new.credit_code,
                    name: new.name,
                    short_name: new.short_name,
                    kind: new.kind,
                    region_code: new.region_code,
                };
                self.by_credit_code.insert(credit_code.clone(), row.clone());
                row
            }
        };
        self.serving.insert(key, credit_code);
        Ok(row)
    }
}

/// A region's edit of one implementation: its local facts and any restated elements.
#[derive(Debug, Clone, Deserialize)]
pub struct ImplementationUpdate {
    pub local: LocalFacts,
    #[serde(default)]
    pub overrides: ElementOverrides,
}

impl App {
    /// Makes the item's implementation list match its levels: every implementing region gets
    /// one implementation (new ones with generated local facts), regions of dropped levels lose
    /// theirs. Existing implementations keep their local facts.
    pub(crate) async fn sync_implementations_with(
        &self,
        tx: &mut Tx,
        item: &ServiceItem,
        directory: &mut DepartmentDirectory,
    ) -> AppResult<()> {
        let code = item.code.to_string();
        let existing = store::implementation_regions_tx(tx, &code).await?;
        // One implementation per implementing body: a body serving several regions (三沙市 for
        // its statistical units) implements the item once, in its own region.
        let mut bodies: Vec<DepartmentRow> = Vec::new();
        let mut seen = HashSet::new();
        for (region, kind) in self.implementing_units(item) {
            let department = directory.get_or_create(tx, self, kind, region).await?;
            if seen.insert(department.credit_code.clone()) {
                bodies.push(department);
            }
        }
        let wanted_regions: HashSet<&str> = bodies.iter().map(|d| d.region_code.as_str()).collect();
        for (implementation, region) in &existing {
            if !wanted_regions.contains(region.as_str()) {
                store::delete_implementation(tx, implementation).await?;
            }
        }
        let present: HashSet<&str> = existing.iter().map(|(_, region)| region.as_str()).collect();
        let now = self.clock.now();
        let mut rows = Vec::new();
        for department in &bodies {
            if present.contains(department.region_code.as_str()) {
                continue;
            }
            let region = self
                .regions()
                .find(&department.region_code)
                .ok_or_else(|| {
                    AppError::internal(format!(
                        "部门 {} 所在区划 {} 不存在",
                        department.name, department.region_code
                    ))
                })?;
            let level = exercise_level(region.level);
            let credit_code = CreditCode::parse(&department.credit_code).map_err(|error| {
                AppError::internal(format!(
                    "部门 {} 的统一社会信用代码无效：{error}",
                    department.name
                ))
            })?;
            let implementation_code =
                ImplementationCode::new(&credit_code, level, &item.basic_code);
            let local = generated_local_facts(region, department, level);
            rows.push(ImplementationRow {
                code: implementation_code.to_string(),
                item_code: code.clone(),
                region_code: department.region_code.clone(),
                department_id: department.id,
                level: level.code().to_string(),
                local_facts: Json(serde_json::to_value(&local).map_err(AppError::internal)?),
                overrides: Json(json!({})),
                updated_at: now,
            });
        }
        store::insert_implementations(tx, rows).await?;
        Ok(())
    }

    /// (region, department kind) of every unit that implements the item at its levels.
    fn implementing_units<'a>(&self, item: &'a ServiceItem) -> Vec<(&'static Division, &'a str)> {
        let tree = self.regions();
        let mut units = Vec::new();
        for level in &item.levels {
            match level {
                ServiceLevel::Province => units.push((tree.province(), item.department.as_str())),
                ServiceLevel::CityCounty => {
                    units.extend(
                        tree.county_level_units()
                            .into_iter()
                            .map(|unit| (unit, item.department.as_str())),
                    );
                }
                ServiceLevel::Township => {
                    units.extend(
                        tree.townships()
                            .into_iter()
                            .map(|township| (township, TOWNSHIP_BODY)),
                    );
                }
            }
        }
        units
    }

    /// Replaces one implementation's local facts and restated elements. Province admins may edit
    /// any; region admins those in their region; department admins their department's.
    pub async fn update_implementation(
        &self,
        principal: &Principal,
        code: &str,
        update: ImplementationUpdate,
    ) -> AppResult<Vec<Finding>> {
        let code = ImplementationCode::parse(code)
            .map_err(|error| AppError::field("code", error))?
            .to_string();
        let mut tx = self.db.begin().await?;
        let current = store::implementation_tx(&mut tx, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("实施编码 {code} 不存在")))?;
        self.authorise_implementation_edit(principal, &current.region_code, current.department_id)?;
        let standard = store::latest_version_tx(&mut tx, &current.item_code)
            .await?
            .ok_or_else(|| AppError::conflict("事项尚未发布，不能维护实施清单"))?;
        let standard = item_from_json(&current.item_code, &standard.content.0)?;
        let local = serde_json::to_value(&update.local).map_err(AppError::internal)?;
        let overrides = serde_json::to_value(&update.overrides).map_err(AppError::internal)?;
        store::update_implementation(
            &mut tx,
            &code,
            local.clone(),
            overrides.clone(),
            self.clock.now(),
        )
        .await?;
        let before = json!({"local": current.local_facts.0, "overrides": current.overrides.0});
        let after = json!({"local": local, "overrides": overrides});
        self.audit(
            &mut tx,
            &principal.username,
            "catalog.implementation.update",
            &format!("implementation:{code}"),
            Some(&before),
            Some(&after),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::IMPLEMENTATION_UPDATED,
            &code,
            json!({"code": code, "item_code": current.item_code}),
        )
        .await?;
        tx.commit().await?;
        Ok(check_implementation(
            &standard,
            &update.local,
            &update.overrides,
        ))
    }

    fn authorise_implementation_edit(
        &self,
        principal: &Principal,
        region: &str,
        department_id: i64,
    ) -> AppResult<()> {
        if principal.has_role(Role::ProvinceAdmin) {
            return Ok(());
        }
        if principal.has_role(Role::RegionAdmin)
            && let Some(own) = principal.region_code.as_deref()
            && (own == region || self.region_contains(own, region))
        {
            return Ok(());
        }
        if principal.has_role(Role::DepartmentAdmin)
            && principal.department_id == Some(department_id)
        {
            return Ok(());
        }
        Err(AppError::forbidden("只能维护本区域、本部门的实施清单"))
    }

    /// Whether `outer` contains `inner` in the division tree.
    pub(crate) fn region_contains(&self, outer: &str, inner: &str) -> bool {
        let tree = self.regions();
        let (Some(outer), Some(inner)) = (tree.find(outer), tree.find(inner)) else {
            return false;
        };
        tree.ancestors(&inner.code)
            .iter()
            .any(|ancestor| ancestor.code == outer.code)
    }
}

/// 行使层级 of a body from the level of the region it belongs to.
fn exercise_level(level: DivisionLevel) -> ExerciseLevel {
    match level {
        DivisionLevel::Province => ExerciseLevel::Provincial,
        DivisionLevel::City => ExerciseLevel::Municipal,
        DivisionLevel::County => ExerciseLevel::County,
        DivisionLevel::Township => ExerciseLevel::Township,
        DivisionLevel::Village => ExerciseLevel::Village,
    }
}

/// Plausible local facts for a generated implementation: where the unit's hall is, a phone
/// number derived from the department (stable across runs), the hotline for complaints and the
/// usual office hours.
fn generated_local_facts(
    region: &Division,
    department: &DepartmentRow,
    level: ExerciseLevel,
) -> LocalFacts {
    let digits: String = sm3_hex(format!("{}{}", department.credit_code, region.code).as_bytes())
        .chars()
        .filter(char::is_ascii_digit)
        .take(7)
        .collect();
    let consult_phone = format!("0898-6{digits:0<7}");
    let (address, window) = match level {
        ExerciseLevel::Township => (format!("{}便民服务中心", region.name), "便民服务窗口"),
        ExerciseLevel::Provincial => (
            format!("海南省政务服务中心 {}窗口", department.short_name),
            "综合受理窗口",
        ),
        _ => (
            format!("{}政务服务中心 {}窗口", region.name, department.short_name),
            "综合受理窗口",
        ),
    };
    LocalFacts {
        address,
        consult_phone,
        complaint_phone: "12345".to_owned(),
        hours: "周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）".to_owned(),
        window: Some(window.to_owned()),
    }
}
