//! The 无差别受理 check: every element of the standard that breaks a quality rule and every
//! implementation that departs from the standard, with counts by region.

use std::collections::BTreeMap;

use serde::Serialize;
use zerotrip_core::catalog::{
    Finding, FindingKind, ServiceItem, Severity, check_implementation, check_item,
};
use zerotrip_store::catalog as store;

use super::queries::summarise_implementation;
use super::{item_from_json, quality_context};
use crate::App;
use crate::error::AppResult;

/// The findings of one item of the standard.
#[derive(Debug, Clone, Serialize)]
pub struct ItemFindings {
    pub code: String,
    pub name: String,
    /// Whether the checked content is an unpublished draft.
    pub draft: bool,
    pub findings: Vec<Finding>,
}

/// The findings of one implementation.
#[derive(Debug, Clone, Serialize)]
pub struct ImplementationFindings {
    pub code: String,
    pub item_code: String,
    pub item_name: String,
    pub region_code: String,
    pub region_name: String,
    pub department_name: String,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RegionCheckCount {
    pub region_code: String,
    pub region_name: String,
    pub implementations: usize,
    /// Implementations with at least one deviation from the standard.
    pub deviating: usize,
    pub deviations: usize,
    /// Findings on the region's local facts.
    pub local_quality: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub items_checked: usize,
    pub implementations_checked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub items: Vec<ItemFindings>,
    pub implementations: Vec<ImplementationFindings>,
    pub by_region: Vec<RegionCheckCount>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.errors == 0 && self.warnings == 0
    }

    pub fn deviation_count(&self) -> usize {
        self.by_region.iter().map(|r| r.deviations).sum()
    }
}

impl App {
    /// Checks the whole catalogue: each item's newest content (draft or published) against the
    /// quality rules, and each implementation against the published standard.
    pub async fn check_catalog(&self) -> AppResult<CheckReport> {
        let context = quality_context(&self.db).await?;
        let rows = store::all_items(&self.db).await?;
        let published: BTreeMap<String, ServiceItem> = store::all_published(&self.db)
            .await?
            .iter()
            .map(|row| Ok((row.code.clone(), item_from_json(&row.code, &row.content.0)?)))
            .collect::<AppResult<_>>()?;
        let mut items = Vec::new();
        for row in &rows {
            let (subject, draft) = match &row.draft {
                Some(draft) => (item_from_json(&row.code, &draft.0)?, true),
                None => match published.get(&row.code) {
                    Some(item) => (item.clone(), false),
                    None => continue,
                },
            };
            let findings = check_item(&subject, &context);
            if !findings.is_empty() {
                items.push(ItemFindings {
                    code: row.code.clone(),
                    name: subject.name.clone(),
                    draft,
                    findings,
                });
            }
        }
        let mut by_region: BTreeMap<String, RegionCheckCount> = BTreeMap::new();
        let mut implementations = Vec::new();
        let views = store::all_implementations(&self.db).await?;
        for view in &views {
            let count = by_region
                .entry(view.region_code.clone())
                .or_insert_with(|| RegionCheckCount {
                    region_code: view.region_code.clone(),
                    region_name: view.region_name.clone(),
                    ..Default::default()
                });
            count.implementations += 1;
            let Some(standard) = published.get(&view.item_code) else {
                continue;
            };
            let summary = summarise_implementation(view)?;
            let findings = check_implementation(standard, &summary.local, &summary.overrides);
            if findings.is_empty() {
                continue;
            }
            let deviations = findings
                .iter()
                .filter(|f| f.kind == FindingKind::Deviation)
                .count();
            count.deviations += deviations;
            count.deviating += usize::from(deviations > 0);
            count.local_quality += findings.len() - deviations;
            implementations.push(ImplementationFindings {
                code: view.code.clone(),
                item_code: view.item_code.clone(),
                item_name: standard.name.clone(),
                region_code: view.region_code.clone(),
                region_name: view.region_name.clone(),
                department_name: view.department_name.clone(),
                findings,
            });
        }
        let all_findings = items
            .iter()
            .flat_map(|i| &i.findings)
            .chain(implementations.iter().flat_map(|i| &i.findings));
        let (mut errors, mut warnings) = (0, 0);
        for finding in all_findings {
            match finding.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
        }
        Ok(CheckReport {
            items_checked: rows.len(),
            implementations_checked: views.len(),
            errors,
            warnings,
            items,
            implementations,
            by_region: by_region.into_values().collect(),
        })
    }
}

impl App {
    /// The check as staff see it: catalogue and region administrators and auditors.
    pub async fn check_catalog_for(
        &self,
        principal: &crate::auth::Principal,
    ) -> AppResult<CheckReport> {
        use zerotrip_core::access::Role;
        principal.require_any(&[
            Role::ProvinceAdmin,
            Role::RegionAdmin,
            Role::DepartmentAdmin,
            Role::Auditor,
        ])?;
        self.check_catalog().await
    }
}
