//! 主动办 / 免申即享 rules: who qualifies for an item without applying, as a CEL expression over
//! a resident profile (evaluated by the rules crate, not here).

use super::elements::ResultType;
use super::item::ItemCode;
use serde::{Deserialize, Serialize};

/// What a person who matches a rule receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benefit {
    /// Equals the item's result type (资金发放 or 证照).
    #[serde(rename = "type")]
    pub kind: ResultType,
    /// 元 per month; `None` for one-off or per-household amounts.
    pub amount_monthly: Option<u32>,
    /// For 证照 benefits, the licence type issued (the item's result licence type).
    pub licence_type: Option<String>,
}

/// One proactive rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProactiveRule {
    /// Rule code, e.g. `HN-ZDB-001`.
    pub code: String,
    pub name: String,
    /// The catalogue item the rule grants; the item offers 主动办.
    pub item_code: ItemCode,
    pub description: String,
    /// CEL expression over the variable `person`.
    pub rule: String,
    pub benefit: Benefit,
}
