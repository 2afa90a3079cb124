//! 一件事一次办 bundles: several items filed at once through one shared form.

use super::field_type::FieldType;
use super::item::ItemCode;
use serde::{Deserialize, Serialize};

/// One field of a bundle's shared form, filled in once and passed to every item that uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    /// The items that take this field, in the bundle's item order.
    pub used_by: Vec<ItemCode>,
}

/// One 一件事 bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Bundle code, e.g. `HN-YJS-001`.
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub description: String,
    pub item_codes: Vec<ItemCode>,
    pub shared_form_fields: Vec<FormField>,
    /// 承诺办结时限 of the whole bundle, working days.
    pub promised_days: u32,
}

impl Bundle {
    /// Whether the bundle files the item.
    pub fn includes(&self, code: &ItemCode) -> bool {
        self.item_codes.contains(code)
    }

    /// The shared-form fields an item of the bundle takes.
    pub fn fields_for<'a>(&'a self, code: &'a ItemCode) -> impl Iterator<Item = &'a FormField> {
        self.shared_form_fields
            .iter()
            .filter(move |field| field.used_by.contains(code))
    }
}
