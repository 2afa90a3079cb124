//! Electronic licence types (电子证照类型): the registry that catalogue materials and results
//! refer to by exact name.

use super::elements::Target;
use super::field_type::FieldType;
use serde::{Deserialize, Serialize};

/// One field printed on a licence of the type (照面信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
}

/// One electronic licence type, e.g. 居民户口簿 or 食品经营许可证.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceType {
    /// Registry code, e.g. `LT-001`.
    pub code: String,
    /// The exact name catalogue materials and results use to refer to the type.
    pub name: String,
    /// The kind of department that issues it.
    pub issuer: String,
    /// Whom licences of this type are issued to.
    pub holder: Target,
    /// `None` when the validity varies or is indefinite.
    pub validity_years: Option<u32>,
    pub fields: Vec<LicenceField>,
}
