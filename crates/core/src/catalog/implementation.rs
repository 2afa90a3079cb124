//! Implementation lists (实施清单): an item of the province standard bound to one region's
//! competent department.
//!
//! The standard fixes what is required; a region adds only local facts (where, when, whom to
//! call). Anything it restates differently is a deviation from 无差别受理、同标准办理 and is
//! reported as an error, so the list can be brought back to the standard.

use super::diff::{ChangeKind, KeyedChange, keyed_diff};
use super::elements::{Mode, OnlineDepth};
use super::item::{Fee, Material, ServiceItem};
use super::labels::element_label;
use super::phone::{ACCEPTED_FORMS, PhoneError, ServicePhone};
use super::quality::{Finding, refresh_after};
use serde::{Deserialize, Serialize};

/// The facts only the implementing unit can supply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalFacts {
    /// 办理地点.
    pub address: String,
    /// 咨询电话.
    pub consult_phone: String,
    /// 监督投诉电话.
    pub complaint_phone: String,
    /// 办理时间.
    pub hours: String,
    /// 办理窗口, where the hall has numbered windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

/// Standard elements a region's list restates differently; any Some that differs from the
/// standard is a deviation from 无差别受理、同标准办理.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materials: Option<Vec<Material>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_site_visits: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Fee>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_depth: Option<OnlineDepth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Vec<Mode>>,
}

impl ElementOverrides {
    /// Whether the list restates nothing (the normal case).
    pub fn is_empty(&self) -> bool {
        *self == ElementOverrides::default()
    }
}

/// The standard with the region's restated elements applied, as literally written.
fn apply_overrides(standard: &ServiceItem, overrides: &ElementOverrides) -> ServiceItem {
    let mut item = standard.clone();
    let ElementOverrides {
        conditions,
        materials,
        legal_days,
        promised_days,
        on_site_visits,
        fee,
        online_depth,
        modes,
    } = overrides.clone();
    if let Some(conditions) = conditions {
        item.conditions = conditions;
    }
    if let Some(materials) = materials {
        item.materials = materials;
    }
    if legal_days.is_some() {
        item.legal_days = legal_days;
    }
    if promised_days.is_some() {
        item.promised_days = promised_days;
    }
    if on_site_visits.is_some() {
        item.on_site_visits = on_site_visits;
    }
    if fee.is_some() {
        item.fee = fee;
    }
    if online_depth.is_some() {
        item.online_depth = online_depth;
    }
    if let Some(modes) = modes {
        item.modes = modes;
    }
    item
}

/// What applicants at that unit actually face: the standard with the local restatements, and
/// the 四减 "after" figures recomputed from them.
pub fn effective_item(standard: &ServiceItem, overrides: &ElementOverrides) -> ServiceItem {
    let mut item = apply_overrides(standard, overrides);
    if let (Some(after), Some(record)) = (refresh_after(&item), item.optimization.as_mut()) {
        record.after = after;
    }
    item
}

/// Checks one implementation: every restated element that differs from the standard
/// (kind Deviation, severity Error) and the quality of the local facts (kind Quality).
pub fn check_implementation(
    standard: &ServiceItem,
    local: &LocalFacts,
    overrides: &ElementOverrides,
) -> Vec<Finding> {
    let restated = apply_overrides(standard, overrides);
    let mut findings: Vec<Finding> = keyed_diff(standard, &restated)
        .into_iter()
        .map(deviation_finding)
        .collect();
    check_local_facts(local, &mut findings);
    findings
}

/// Elements whose changes are entries added to or removed from a list.
const LIST_ELEMENTS: [&str; 3] = ["conditions", "materials", "modes"];

fn deviation_finding(keyed: KeyedChange) -> Finding {
    let KeyedChange { key, change } = keyed;
    let label = element_label(key).unwrap_or(key);
    let is_entry = LIST_ELEMENTS.contains(&key) && change.element == label;
    let before = change.before.unwrap_or_default();
    let after = change.after.unwrap_or_default();
    let detail = &change.element;
    let message = match (change.change, is_entry) {
        (ChangeKind::Added, true) => format!("{detail}：本地清单增加“{after}”"),
        (ChangeKind::Removed, true) => format!("{detail}：本地清单删去“{before}”"),
        (ChangeKind::Added, false) => format!("{detail}：省级标准未规定，本地清单 {after}"),
        (ChangeKind::Removed, false) => format!("{detail}：省级标准 {before}，本地清单未列"),
        (ChangeKind::Changed, _) => format!("{detail}：省级标准 {before}，本地清单 {after}"),
    };
    Finding::error(
        &format!("deviation-{}", key.replace('_', "-")),
        label,
        message,
    )
    .deviation()
}

fn check_local_facts(local: &LocalFacts, out: &mut Vec<Finding>) {
    if local.address.trim().is_empty() {
        out.push(Finding::error(
            "address-required",
            "办理地点",
            "办理地点未填写",
        ));
    }
    if local.hours.trim().is_empty() {
        out.push(Finding::error(
            "hours-required",
            "办理时间",
            "办理时间未填写",
        ));
    }
    if local.window.as_deref().is_some_and(|w| w.trim().is_empty()) {
        out.push(Finding::warning(
            "window-empty",
            "办理窗口",
            "办理窗口为空，没有固定窗口时请不填",
        ));
    }
    let consult = check_phone(&local.consult_phone, "consult-phone", "咨询电话", out);
    let complaint = check_phone(
        &local.complaint_phone,
        "complaint-phone",
        "监督投诉电话",
        out,
    );
    if let (Some(consult), Some(complaint)) = (consult, complaint)
        && consult.same_line(&complaint)
    {
        out.push(Finding::error(
            "phones-differ",
            "监督投诉电话",
            format!("监督投诉电话与咨询电话相同（{complaint}），投诉须有独立于咨询的渠道"),
        ));
    }
}

fn check_phone(
    text: &str,
    rule: &str,
    label: &str,
    out: &mut Vec<Finding>,
) -> Option<ServicePhone> {
    match ServicePhone::parse(text) {
        Ok(phone) => Some(phone),
        Err(PhoneError::Empty) => {
            out.push(Finding::error(
                &format!("{rule}-required"),
                label,
                format!("{label}未填写"),
            ));
            None
        }
        Err(PhoneError::Malformed(text)) => {
            out.push(Finding::error(
                &format!("{rule}-format"),
                label,
                format!("{label}“{text}”格式不正确，应为{ACCEPTED_FORMS}"),
            ));
            None
        }
    }
}
