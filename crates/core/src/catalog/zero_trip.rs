//! 零跑动: the implementations an applicant can complete without going to a service site.

use super::csv_text::{BOM, push_record};
use super::elements::ItemType;
use super::item::{ItemCode, ServiceItem, ZeroTripBasis};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Whether items of this type belong to Hainan's 零跑动 reform at all: the "6+1" types (许可、
/// 确认、裁决、奖励、给付、其他行政权力 and 公共服务), 琼府办函〔2021〕394号. Levies, penalties,
/// enforcement and inspections are not applied for, so they are not listed however they run.
pub fn in_zero_trip_scope(item_type: ItemType) -> bool {
    matches!(
        item_type,
        ItemType::Licensing
            | ItemType::Confirmation
            | ItemType::Adjudication
            | ItemType::Reward
            | ItemType::Benefit
            | ItemType::OtherPower
            | ItemType::PublicService
    )
}

/// Why the item qualifies for the 零跑动 list: no trip to a site (到办事现场次数 = 0) or handled
/// fully online (全程网办), for the types in scope; `None` when it does not qualify.
pub fn zero_trip_basis(item: &ServiceItem) -> Option<ZeroTripBasis> {
    if !in_zero_trip_scope(item.item_type) {
        return None;
    }
    item.zero_trip()
}

/// One line of a 零跑动 list: an item as one region's department implements it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZeroTripEntry {
    pub item_code: ItemCode,
    pub item_name: String,
    pub implementation_code: String,
    pub region_code: String,
    pub region_name: String,
    pub department_name: String,
    pub basis: ZeroTripBasis,
}

impl ZeroTripEntry {
    /// The entry for one implementation, if it qualifies. Pass the item as applicants there
    /// face it ([`effective_item`](super::effective_item)): a local list may require a visit.
    pub fn for_implementation(
        item: &ServiceItem,
        implementation_code: &str,
        region_code: &str,
        region_name: &str,
        department_name: &str,
    ) -> Option<Self> {
        Some(ZeroTripEntry {
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            implementation_code: implementation_code.to_string(),
            region_code: region_code.to_string(),
            region_name: region_name.to_string(),
            department_name: department_name.to_string(),
            basis: zero_trip_basis(item)?,
        })
    }
}

/// How a 零跑动 list changed between two publications, by implementation code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ZeroTripChanges {
    /// Implementations new on the list.
    pub added: Vec<ZeroTripEntry>,
    /// Implementations no longer on it.
    pub removed: Vec<ZeroTripEntry>,
    /// Implementations still on it whose details (name, department, basis …) changed, as now.
    pub changed: Vec<ZeroTripEntry>,
}

impl ZeroTripChanges {
    /// Compares two lists; each keeps the order of the list it comes from.
    pub fn between(before: &[ZeroTripEntry], after: &[ZeroTripEntry]) -> Self {
        let by_code = |list: &[ZeroTripEntry]| -> HashMap<String, ZeroTripEntry> {
            list.iter()
                .map(|e| (e.implementation_code.clone(), e.clone()))
                .collect()
        };
        let (old, new) = (by_code(before), by_code(after));
        ZeroTripChanges {
            added: after
                .iter()
                .filter(|e| !old.contains_key(&e.implementation_code))
                .cloned()
                .collect(),
            removed: before
                .iter()
                .filter(|e| !new.contains_key(&e.implementation_code))
                .cloned()
                .collect(),
            changed: after
                .iter()
                .filter(|e| old.get(&e.implementation_code).is_some_and(|o| o != *e))
                .cloned()
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The list as CSV with a Chinese header row, for publishing and for Excel (UTF-8 with a BOM,
/// so Excel does not mistake it for GBK).
pub fn entries_to_csv(entries: &[ZeroTripEntry]) -> String {
    let mut out = String::new();
    out.push(BOM);
    push_record(
        &mut out,
        &[
            "事项编码",
            "事项名称",
            "实施编码",
            "行政区划代码",
            "行政区划名称",
            "实施部门",
            "零跑动依据",
        ],
    );
    for entry in entries {
        push_record(
            &mut out,
            &[
                entry.item_code.as_str(),
                &entry.item_name,
                &entry.implementation_code,
                &entry.region_code,
                &entry.region_name,
                &entry.department_name,
                entry.basis.label(),
            ],
        );
    }
    out
}
