//! The 四减两免 figures of the published catalogue.

use serde::Serialize;
use zerotrip_core::catalog::{ItemReduction, ReductionSummary, ServiceItem, item_reductions};
use zerotrip_store::catalog as store;

use super::item_from_json;
use crate::App;
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize)]
pub struct ReductionReport {
    pub summary: ReductionSummary,
    pub items: Vec<ItemReduction>,
}

impl App {
    /// Every published item as it stands now.
    pub async fn published_items(&self) -> AppResult<Vec<ServiceItem>> {
        store::all_published(&self.db)
            .await?
            .iter()
            .map(|row| item_from_json(&row.code, &row.content.0))
            .collect()
    }

    pub async fn reductions(&self) -> AppResult<ReductionReport> {
        let items = self.published_items().await?;
        Ok(ReductionReport {
            summary: ReductionSummary::of(&items),
            items: item_reductions(&items),
        })
    }
}
