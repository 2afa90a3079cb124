//! Synthetic catalogues for benchmarks: the demo catalogue, many times over.

use super::codes::{CodeAllocator, SequentialAllocator};
use crate::catalog::item::ServiceItem;

/// `copies` variants of every item of `base`, in copy order: fresh codes and basic codes after
/// the highest in `base`, names suffixed `（样本N）`, everything else as in the original, so
/// each variant passes the quality check exactly as its original does. The base items are not
/// included. Generation stops early when a type runs out of its 99,999 basic-code numbers.
pub fn generate_catalog(base: &[ServiceItem], copies: usize) -> Vec<ServiceItem> {
    let mut codes = SequentialAllocator::after(base);
    let mut out = Vec::with_capacity(base.len().saturating_mul(copies));
    for copy in 1..=copies {
        for item in base {
            let Ok((code, basic_code)) = codes.allocate(item.item_type, None) else {
                return out;
            };
            out.push(ServiceItem {
                code,
                basic_code,
                name: format!("{}（样本{copy}）", item.name),
                source_code: None,
                ..item.clone()
            });
        }
    }
    out
}
