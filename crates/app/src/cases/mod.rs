//! Case handling (办件): applying through any channel, the workflow the competent department
//! follows within its time limit, the timeline, and who may see and do what.

mod access;
mod actions;
mod filing;
mod forms;
mod queries;
mod views;
mod workflows;

pub use access::CaseAccess;
pub use filing::{CaseApplication, MaterialFile, SubmitOutcome};
pub use forms::{FormField, FormFieldType, form_for_item};
pub use queries::{CaseListQuery, CasePage};
pub use views::{
    ActionOption, ApplicantView, CaseDetail, CaseSummary, ClockView, MaterialView, TimelineEntry,
};

use chrono::{DateTime, Duration, Utc};
use zerotrip_core::workflow::{CaseClock, WorkflowDefinition};
use zerotrip_store::StoreError;
use zerotrip_store::cases::CaseRow;

use crate::error::{AppError, AppResult};

/// The prefix of case numbers: the platform, then the filing date in China (HN20261204…).
pub(crate) fn number_prefix(now: DateTime<Utc>) -> String {
    format!("HN{}", (now + Duration::hours(8)).format("%Y%m%d"))
}

pub(crate) fn clock_of(row: &CaseRow) -> AppResult<CaseClock> {
    serde_json::from_value(row.clock.0.clone()).map_err(|error| {
        AppError::Store(StoreError::corrupt(
            format!("办件 {} 的时限记录", row.number),
            error,
        ))
    })
}

pub(crate) fn clock_json(clock: &CaseClock) -> AppResult<serde_json::Value> {
    serde_json::to_value(clock).map_err(AppError::internal)
}

pub(crate) fn definition_of(
    row: &zerotrip_store::cases::WorkflowRow,
) -> AppResult<WorkflowDefinition> {
    serde_json::from_value(row.content.0.clone()).map_err(|error| {
        AppError::Store(StoreError::corrupt(
            format!("流程 {} 第 {} 版", row.code, row.version),
            error,
        ))
    })
}
