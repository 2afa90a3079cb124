//! 四减两免: what the reform saved applicants, per item and over the province.
//!
//! 四减 are the four figures every item's reform record compares before and after: 减材料
//! (materials to hand in), 减时限 (working days), 减环节 (process steps) and 减跑动 (trips to a
//! service site). 两免 are the two things applicants are spared altogether; we present them as
//! 免提交 (a material issued by a government department is fetched by e-licence or data sharing
//! instead of being handed in) and 免跑动 (the item needs no trip to a service site at all).

use super::item::{Exemption, Figures, ItemCode, ServiceItem};
use serde::{Deserialize, Serialize};

/// The before/after record of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemReduction {
    pub code: ItemCode,
    pub name: String,
    pub before: Figures,
    pub after: Figures,
}

impl ItemReduction {
    /// The item's record; `None` when it has none yet.
    pub fn of(item: &ServiceItem) -> Option<Self> {
        let record = item.optimization?;
        Some(ItemReduction {
            code: item.code.clone(),
            name: item.name.clone(),
            before: record.before,
            after: record.after,
        })
    }
}

/// The records of every item that has one, in the given order.
pub fn item_reductions(items: &[ServiceItem]) -> Vec<ItemReduction> {
    items.iter().filter_map(ItemReduction::of).collect()
}

/// One of the four figures over many items.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FigureSummary {
    pub average_before: f64,
    pub average_after: f64,
    /// Mean of each item's own reduction in percent, over items whose "before" is not zero
    /// (nothing can be reduced from zero).
    pub average_reduction_percent: f64,
}

impl FigureSummary {
    fn of(pairs: &[(u32, u32)]) -> Self {
        let mean = |values: &mut dyn Iterator<Item = f64>| {
            let (sum, count) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            if count == 0 { 0.0 } else { sum / count as f64 }
        };
        FigureSummary {
            average_before: mean(&mut pairs.iter().map(|(b, _)| f64::from(*b))),
            average_after: mean(&mut pairs.iter().map(|(_, a)| f64::from(*a))),
            average_reduction_percent: mean(
                &mut pairs
                    .iter()
                    .filter(|(b, _)| *b > 0)
                    .map(|(b, a)| (f64::from(*b) - f64::from(*a)) / f64::from(*b) * 100.0),
            ),
        }
    }
}

/// The province's 四减两免 figures over a set of items.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReductionSummary {
    pub item_count: usize,
    /// Items with a before/after record; the four figure summaries cover only these.
    pub items_with_record: usize,
    /// 减材料.
    pub materials: FigureSummary,
    /// 减时限.
    pub days: FigureSummary,
    /// 减环节.
    pub steps: FigureSummary,
    /// 减跑动.
    pub visits: FigureSummary,
    /// Materials listed over all items.
    pub materials_listed: usize,
    /// 免提交: listed materials the applicant does not hand in.
    pub materials_exempt: usize,
    /// Of those, covered by an electronic licence.
    pub exempt_by_licence: usize,
    /// Of those, issued by a government department without an e-licence (fetched by sharing).
    pub exempt_by_sharing: usize,
    /// 免跑动: items needing no trip to a service site.
    pub zero_visit_items: usize,
    /// Items that charge no fee.
    pub free_items: usize,
}

impl ReductionSummary {
    pub fn of(items: &[ServiceItem]) -> Self {
        let records = item_reductions(items);
        let pairs = |pick: fn(&Figures) -> u32| -> Vec<(u32, u32)> {
            records
                .iter()
                .map(|r| (pick(&r.before), pick(&r.after)))
                .collect()
        };
        let exemptions: Vec<Exemption> = items
            .iter()
            .flat_map(|item| item.exempt_materials().map(|(_, why)| why))
            .collect();
        let count = |why: Exemption| exemptions.iter().filter(|e| **e == why).count();
        ReductionSummary {
            item_count: items.len(),
            items_with_record: records.len(),
            materials: FigureSummary::of(&pairs(|f| f.materials)),
            days: FigureSummary::of(&pairs(|f| f.days)),
            steps: FigureSummary::of(&pairs(|f| f.steps)),
            visits: FigureSummary::of(&pairs(|f| f.visits)),
            materials_listed: items.iter().map(|item| item.materials.len()).sum(),
            materials_exempt: exemptions.len(),
            exempt_by_licence: count(Exemption::ELicence),
            exempt_by_sharing: count(Exemption::GovernmentIssued),
            zero_visit_items: items
                .iter()
                .filter(|item| item.on_site_visits == Some(0))
                .count(),
            free_items: items
                .iter()
                .filter(|item| item.fee.as_ref().is_some_and(|fee| !fee.charged))
                .count(),
        }
    }
}

/// Shorthand for [`ReductionSummary::of`].
pub fn summarize_reductions(items: &[ServiceItem]) -> ReductionSummary {
    ReductionSummary::of(items)
}
