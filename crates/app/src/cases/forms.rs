//! The application form of an item: a few fields every case needs, plus the fields the item's
//! 一件事 bundles collect for it. Values arrive as text and are checked by their type.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use zerotrip_core::cases::DeliveryMethod;
use zerotrip_core::catalog::{Bundle, FieldType, ServiceItem};
use zerotrip_core::ids::{CreditCode, MobileNumber, ResidentId};

use crate::error::FieldError;

pub use zerotrip_core::catalog::FieldType as FormFieldType;

/// The longest text any field accepts.
const MAX_FIELD_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormField {
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    /// For select fields: (value, label).
    pub options: Vec<(String, String)>,
}

impl FormField {
    fn new(key: &str, label: &str, field_type: FieldType, required: bool) -> Self {
        FormField {
            key: key.to_owned(),
            label: label.to_owned(),
            field_type,
            required,
            options: Vec::new(),
        }
    }
}

/// The form of `item`: contact phone, postal address, delivery method, the address to mail the
/// result to (the `mail_*` fields, needed when the result is mailed; see
/// [`crate::delivery::MailAddress`]) and a free description, then every bundle field the item
/// uses (deduplicated by key).
pub fn form_for_item(item: &ServiceItem, bundles: &[Bundle]) -> Vec<FormField> {
    let mut fields = vec![
        FormField::new("contact_phone", "联系电话（手机）", FieldType::Phone, true),
        FormField::new("address", "通讯地址", FieldType::Address, false),
        FormField {
            options: DeliveryMethod::ALL
                .iter()
                .map(|m| (m.as_str().to_owned(), m.label().to_owned()))
                .collect(),
            ..FormField::new("delivery_method", "结果送达方式", FieldType::Select, true)
        },
        FormField::new("mail_recipient_name", "收件人姓名", FieldType::Text, false),
        FormField::new("mail_phone", "收件人手机号码", FieldType::Phone, false),
        FormField::new("mail_region_code", "收件地区", FieldType::Text, false),
        FormField::new("mail_detail", "详细地址", FieldType::Address, false),
        FormField::new("mail_postal_code", "邮政编码", FieldType::Text, false),
        FormField::new("description", "申请说明", FieldType::Text, false),
    ];
    for bundle in bundles {
        for field in bundle.fields_for(&item.code) {
            if fields.iter().all(|existing| existing.key != field.key) {
                fields.push(FormField::new(
                    &field.key,
                    &field.label,
                    field.field_type,
                    field.required,
                ));
            }
        }
    }
    fields
}

/// Checks submitted values against the form; returns the normalised values or every problem.
/// Keys the form does not know are refused rather than stored.
pub fn validate_form(
    fields: &[FormField],
    values: &BTreeMap<String, String>,
    complete: bool,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut clean = BTreeMap::new();
    for key in values.keys() {
        if fields.iter().all(|f| &f.key != key) {
            errors.push(FieldError::new(
                format!("form.{key}"),
                format!("表单没有“{key}”这一项"),
            ));
        }
    }
    for field in fields {
        let name = format!("form.{}", field.key);
        let value = values.get(&field.key).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if complete && field.required {
                errors.push(FieldError::new(name, format!("请填写“{}”", field.label)));
            }
            continue;
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            errors.push(FieldError::new(
                name,
                format!("“{}”最多 {MAX_FIELD_CHARS} 个字", field.label),
            ));
            continue;
        }
        if value.chars().any(|c| c.is_control() && c != '\n') {
            errors.push(FieldError::new(
                name,
                format!("“{}”含有不允许的控制字符", field.label),
            ));
            continue;
        }
        match normalise(field, value) {
            Ok(normalised) => {
                clean.insert(field.key.clone(), normalised);
            }
            Err(message) => {
                errors.push(FieldError::new(name, format!("“{}”{message}", field.label)))
            }
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn normalise(field: &FormField, value: &str) -> Result<String, String> {
    match field.field_type {
        FieldType::Text | FieldType::Address => Ok(value.to_owned()),
        FieldType::Phone => MobileNumber::parse(value)
            .map(|m| m.as_str().to_owned())
            .map_err(|e| format!("有误：{e}")),
        FieldType::IdNumber => ResidentId::parse(value)
            .map(|id| id.as_str().to_owned())
            .map_err(|e| format!("有误：{e}")),
        FieldType::CreditCode => CreditCode::parse(value)
            .map(|c| c.as_str().to_owned())
            .map_err(|e| format!("有误：{e}")),
        FieldType::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|d| d.format("%Y-%m-%d").to_string())
            .map_err(|_| "应为日期，格式 YYYY-MM-DD".to_owned()),
        FieldType::Number => value
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|_| value.to_owned())
            .ok_or_else(|| "应为数字".to_owned()),
        FieldType::Select => {
            if field.options.is_empty() || field.options.iter().any(|(v, _)| v == value) {
                Ok(value.to_owned())
            } else {
                let allowed: Vec<&str> = field
                    .options
                    .iter()
                    .map(|(_, label)| label.as_str())
                    .collect();
                Err(format!("只能选择：{}", allowed.join("、")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<FormField> {
        vec![
            FormField::new("contact_phone", "联系电话", FieldType::Phone, true),
            FormField {
                options: vec![("mail".into(), "邮寄送达".into())],
                ..FormField::new("delivery_method", "送达方式", FieldType::Select, true)
            },
            FormField::new("birth", "出生日期", FieldType::Date, false),
        ]
    }

    #[test]
    fn values_are_checked_by_type() {
        let mut values = BTreeMap::new();
        values.insert("contact_phone".to_owned(), "+86 138 1234 5678".to_owned());
        values.insert("delivery_method".to_owned(), "mail".to_owned());
        let clean = validate_form(&fields(), &values, true).unwrap();
        assert_eq!(clean["contact_phone"], "13812345678");

        values.insert("birth".to_owned(), "2024-02-30".to_owned());
        values.insert("delivery_method".to_owned(), "fax".to_owned());
        values.insert("unknown".to_owned(), "x".to_owned());
        let errors = validate_form(&fields(), &values, true).unwrap_err();
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            vec!["form.unknown", "form.delivery_method", "form.birth"]
        );
    }

    #[test]
    fn drafts_may_be_incomplete() {
        assert!(validate_form(&fields(), &BTreeMap::new(), false).is_ok());
        let errors = validate_form(&fields(), &BTreeMap::new(), true).unwrap_err();
        assert_eq!(errors.len(), 2);
    }
}
