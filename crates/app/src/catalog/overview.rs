//! What the staff pages list: every item with its publication status, and one implementation
//! looked up by its code.

use chrono::{DateTime, Utc};
use serde::Serialize;
use zerotrip_core::access::Role;
use zerotrip_core::ids::ImplementationCode;
use zerotrip_store::catalog as store;

use super::queries::{ImplementationSummary, summarise_implementation};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// One item of the catalogue as the staff list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemStatus {
    pub code: String,
    pub name: String,
    pub item_type: String,
    pub department: String,
    /// The current published version; `None` for an item that was never published.
    pub published_version: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub has_draft: bool,
    pub draft_updated_at: Option<DateTime<Utc>>,
    pub draft_updated_by: Option<String>,
}

/// One implementation with the item it implements.
#[derive(Debug, Clone, Serialize)]
pub struct ImplementationRecord {
    pub item_code: String,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub summary: ImplementationSummary,
}

impl App {
    /// Every item of the catalogue, published or not, in code order.
    pub async fn item_statuses(&self, principal: &Principal) -> AppResult<Vec<ItemStatus>> {
        principal.require_any(&[
            Role::ProvinceAdmin,
            Role::RegionAdmin,
            Role::DepartmentAdmin,
            Role::Auditor,
        ])?;
        let mut rows = store::all_items(&self.db).await?;
        rows.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(rows
            .into_iter()
            .map(|row| ItemStatus {
                code: row.code,
                name: row.name,
                item_type: row.item_type,
                department: row.department_kind,
                published_version: row.published_version,
                published_at: row.published_at,
                has_draft: row.draft.is_some(),
                draft_updated_at: row.draft_updated_at,
                draft_updated_by: row.draft_updated_by,
            })
            .collect())
    }

    /// One implementation by its 31-character code.
    pub async fn implementation(&self, code: &str) -> AppResult<ImplementationRecord> {
        let code = ImplementationCode::parse(code)
            .map_err(|error| AppError::field("code", error))?
            .to_string();
        let view = store::implementation(&self.db, &code)
            .await?
            .ok_or_else(|| AppError::not_found(format!("实施编码 {code} 不存在")))?;
        Ok(ImplementationRecord {
            item_code: view.item_code.clone(),
            updated_at: view.updated_at,
            summary: summarise_implementation(&view)?,
        })
    }

    /// How many implementations the catalogue has.
    pub async fn implementation_count(&self) -> AppResult<i64> {
        Ok(store::count_implementations(&self.db).await?)
    }
}
