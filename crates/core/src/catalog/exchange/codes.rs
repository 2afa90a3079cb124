//! Who decides the codes of imported items. The catalogue store does (it knows which codes are
//! taken and which source items were imported before); the import only asks.

use crate::catalog::elements::ItemType;
use crate::catalog::item::{ItemCode, ServiceItem};
use crate::ids::BasicCode;
use std::collections::HashMap;

/// Hands out the province code and 基本编码 of an item being imported.
pub trait CodeAllocator {
    /// Codes for a new item of `item_type`; an allocator may return the codes of an item
    /// imported earlier from the same `source_code`, so re-importing a list updates it. An
    /// error (in Chinese) is reported on the row being imported.
    fn allocate(
        &mut self,
        item_type: ItemType,
        source_code: Option<&str>,
    ) -> Result<(ItemCode, BasicCode), String>;
}

impl<F> CodeAllocator for F
where
    F: FnMut(ItemType, Option<&str>) -> Result<(ItemCode, BasicCode), String>,
{
    fn allocate(
        &mut self,
        item_type: ItemType,
        source_code: Option<&str>,
    ) -> Result<(ItemCode, BasicCode), String> {
        self(item_type, source_code)
    }
}

/// Numbers items per type from a starting number: `HN-XK-00062` with basic code
/// `460100062000`. Remembers the codes it gave each source code. For tests and benchmarks; the
/// store has its own allocator.
#[derive(Debug, Clone)]
pub struct SequentialAllocator {
    prefix: String,
    province: String,
    next: HashMap<ItemType, u32>,
    by_source: HashMap<String, (ItemCode, BasicCode)>,
}

impl Default for SequentialAllocator {
    fn default() -> Self {
        SequentialAllocator::new()
    }
}

impl SequentialAllocator {
    /// Hainan codes (`HN-…`, basic codes starting `46`), every type numbered from 1.
    pub fn new() -> Self {
        SequentialAllocator {
            prefix: "HN".to_string(),
            province: "46".to_string(),
            next: HashMap::new(),
            by_source: HashMap::new(),
        }
    }

    /// Continues after the highest number each type has in `items`, and reuses the codes of
    /// items that carry a source code.
    pub fn after(items: &[ServiceItem]) -> Self {
        let mut allocator = SequentialAllocator::new();
        for item in items {
            let main = item.basic_code.main_item().parse::<u32>().unwrap_or(0);
            let highest = item.code.sequence().unwrap_or(0).max(main);
            let next = allocator.next.entry(item.item_type).or_insert(1);
            *next = (*next).max(highest.saturating_add(1));
            if let Some(source) = &item.source_code {
                allocator
                    .by_source
                    .insert(source.clone(), (item.code.clone(), item.basic_code.clone()));
            }
        }
        allocator
    }

    /// Starts numbering `item_type` at `next`.
    pub fn starting_at(mut self, item_type: ItemType, next: u32) -> Self {
        self.next.insert(item_type, next);
        self
    }
}

impl CodeAllocator for SequentialAllocator {
    fn allocate(
        &mut self,
        item_type: ItemType,
        source_code: Option<&str>,
    ) -> Result<(ItemCode, BasicCode), String> {
        if let Some(codes) = source_code.and_then(|source| self.by_source.get(source)) {
            return Ok(codes.clone());
        }
        let number = self.next.get(&item_type).copied().unwrap_or(1);
        let basic_code = BasicCode::new(&self.province, item_type.code(), number, 0)
            .map_err(|_| format!("{item_type}事项的编号已用尽（主项编号最大为 99999）"))?;
        let code = ItemCode::parse(&format!("{}-{}-{number:05}", self.prefix, item_type.tag()))
            .map_err(|error| error.to_string())?;
        self.next.insert(item_type, number + 1);
        if let Some(source) = source_code {
            self.by_source
                .insert(source.to_string(), (code.clone(), basic_code.clone()));
        }
        Ok((code, basic_code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_per_type_and_reuses_source_codes() {
        let mut codes = SequentialAllocator::new().starting_at(ItemType::Licensing, 62);
        let (code, basic) = codes.allocate(ItemType::Licensing, Some("511A01")).unwrap();
        assert_eq!(code.as_str(), "HN-XK-00062");
        assert_eq!(basic.as_str(), "460100062000");
        let (code, _) = codes.allocate(ItemType::PublicService, None).unwrap();
        assert_eq!(code.as_str(), "HN-GG-00001");
        let (again, _) = codes.allocate(ItemType::Licensing, Some("511A01")).unwrap();
        assert_eq!(again.as_str(), "HN-XK-00062");
        let (next, _) = codes.allocate(ItemType::Licensing, None).unwrap();
        assert_eq!(next.as_str(), "HN-XK-00063");
    }

    #[test]
    fn runs_out_with_a_message() {
        let mut codes = SequentialAllocator::new().starting_at(ItemType::Reward, 100_000);
        assert_eq!(
            codes.allocate(ItemType::Reward, None).unwrap_err(),
            "行政奖励事项的编号已用尽（主项编号最大为 99999）"
        );
    }
}
