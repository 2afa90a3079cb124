//! The service catalogue: reading the published standard, editing and publishing it, checking
//! it, its implementation lists, import and export, and the 四减两免 figures.

mod check;
mod editing;
mod exchange;
mod implementations;
mod overview;
mod queries;
mod reductions;

pub use check::{CheckReport, ImplementationFindings, ItemFindings, RegionCheckCount};
pub use editing::{DraftSaved, EditableItem, Published};
pub use exchange::{CatalogFormat, ImportOptions, ImportReport};
pub use implementations::ImplementationUpdate;
pub use overview::{ImplementationRecord, ItemStatus};
pub use queries::{
    BundleRef, ImplementationSummary, ItemDetail, ItemGuide, ItemPage, ItemQuery, ItemSummary,
};
pub use reductions::ReductionReport;

use serde_json::Value;
use zerotrip_core::catalog::{LicenceType, QualityContext, ServiceItem};
use zerotrip_store::catalog::{self as store, ItemListing};
use zerotrip_store::{Db, StoreError, Tx};
use zerotrip_trust::{canonical_json, sm3_hex};

use crate::error::{AppError, AppResult};

/// Reads an item stored as JSON; stored content that no longer parses is corruption, not input.
pub(crate) fn item_from_json(code: &str, value: &Value) -> AppResult<ServiceItem> {
    serde_json::from_value(value.clone())
        .map_err(|error| AppError::Store(StoreError::corrupt(format!("事项 {code}"), error)))
}

pub(crate) fn item_to_json(item: &ServiceItem) -> AppResult<Value> {
    serde_json::to_value(item).map_err(AppError::internal)
}

/// SM3 over the canonical JSON of the item: the fingerprint of a published version.
pub(crate) fn content_hash(content: &Value) -> String {
    sm3_hex(canonical_json(content).as_bytes())
}

/// The columns the public list filters and sorts on.
pub(crate) fn listing_of(item: &ServiceItem) -> ItemListing {
    let mut search_text = item.name.clone();
    for alias in &item.aliases {
        search_text.push(' ');
        search_text.push_str(alias);
    }
    ItemListing {
        name: item.name.clone(),
        item_type: item.item_type.label().to_owned(),
        department_kind: item.department.clone(),
        search_text,
        high_frequency: item.high_frequency,
        yearly_volume: i64::try_from(item.yearly_volume).unwrap_or(i64::MAX),
        themes: item
            .themes
            .iter()
            .map(|theme| theme.label().to_owned())
            .collect(),
    }
}

/// The licence-type registry as stored.
pub(crate) async fn licence_registry(db: &Db) -> AppResult<Vec<LicenceType>> {
    store::licence_types(db)
        .await?
        .into_iter()
        .map(|row| parse_licence_type(&row))
        .collect()
}

pub(crate) async fn licence_registry_tx(tx: &mut Tx) -> AppResult<Vec<LicenceType>> {
    store::licence_types_tx(tx)
        .await?
        .into_iter()
        .map(|row| parse_licence_type(&row))
        .collect()
}

fn parse_licence_type(row: &store::ContentRow) -> AppResult<LicenceType> {
    serde_json::from_value(row.content.0.clone()).map_err(|error| {
        AppError::Store(StoreError::corrupt(format!("证照类型 {}", row.code), error))
    })
}

pub(crate) async fn quality_context(db: &Db) -> AppResult<QualityContext> {
    Ok(QualityContext::with_licence_types(
        &licence_registry(db).await?,
    ))
}
