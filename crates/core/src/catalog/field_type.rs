//! The value types of form and licence fields, shared by bundles and licence types.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of value a form or licence field holds; decides the input control and its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Date,
    /// 公民身份号码 (GB 11643).
    IdNumber,
    /// 统一社会信用代码 (GB 32100).
    CreditCode,
    Phone,
    Select,
    Number,
    Address,
}

impl FieldType {
    pub const ALL: &'static [FieldType] = &[
        FieldType::Text,
        FieldType::Date,
        FieldType::IdNumber,
        FieldType::CreditCode,
        FieldType::Phone,
        FieldType::Select,
        FieldType::Number,
        FieldType::Address,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FieldType::Text => "文本",
            FieldType::Date => "日期",
            FieldType::IdNumber => "身份证件号码",
            FieldType::CreditCode => "统一社会信用代码",
            FieldType::Phone => "电话",
            FieldType::Select => "选项",
            FieldType::Number => "数字",
            FieldType::Address => "地址",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
