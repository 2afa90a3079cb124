//! Rules across items of one import: codes and basic codes identify an item, so each may occur
//! once.

use super::errors::ImportError;
use crate::catalog::item::ServiceItem;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// An item with where it was read from.
pub(crate) struct Located {
    pub item: ServiceItem,
    pub line: usize,
    /// Position in a JSON list, counted from 1; CSV rows are known by their line.
    pub record: Option<usize>,
}

impl Located {
    fn describe(&self) -> String {
        match self.record {
            Some(record) => format!(
                "第 {record} 条事项（{}，第 {} 行）",
                self.item.code, self.line
            ),
            None => format!("第 {} 行的事项（{}）", self.line, self.item.code),
        }
    }

    fn error(&self, field: &str, message: String) -> ImportError {
        ImportError {
            line: Some(self.line),
            record: self.record,
            code: Some(self.item.code.to_string()),
            field: field.to_string(),
            message,
        }
    }
}

/// One error for every item whose code or basic code an earlier item already has, naming both.
pub(crate) fn check_unique(items: &[Located]) -> Vec<ImportError> {
    let mut errors = Vec::new();
    let mut codes: HashMap<&str, usize> = HashMap::new();
    let mut basic_codes: HashMap<&str, usize> = HashMap::new();
    for (index, located) in items.iter().enumerate() {
        match codes.entry(located.item.code.as_str()) {
            Entry::Occupied(first) => errors.push(located.error(
                "事项编码",
                format!("与{}的事项编码重复", items[*first.get()].describe()),
            )),
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
        match basic_codes.entry(located.item.basic_code.as_str()) {
            Entry::Occupied(first) => errors.push(located.error(
                "基本编码",
                format!(
                    "“{}”与{}的基本编码重复",
                    located.item.basic_code,
                    items[*first.get()].describe()
                ),
            )),
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
    }
    errors
}
