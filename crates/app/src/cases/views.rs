//! Cases as pages and the API show them. Personal data is masked: the full ID number and phone
//! are never needed to follow a case.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use zerotrip_core::cases::{Channel, DeliveryMethod};
use zerotrip_core::ids::MobileNumber;
use zerotrip_core::workflow::{Action, DeadlineStatus, WorkflowDefinition};
use zerotrip_store::cases::{CaseRow, EventRow, MaterialRow};

use super::forms::FormField;
use crate::identity::masked_identifier;

#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub state: String,
    pub state_label: String,
    pub outcome: Option<String>,
    pub channel: String,
    pub channel_label: String,
    pub applicant_name: String,
    pub handling_region_code: String,
    pub filing_region_code: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The promised completion date (承诺办结日期), once the clock runs.
    pub deadline: Option<NaiveDate>,
    pub deadline_status: DeadlineStatus,
    pub deadline_status_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicantView {
    pub kind: String,
    pub name: String,
    /// GB/T 39046 证件类型: 111 公民身份号码, 001 统一社会信用代码.
    pub id_type: String,
    pub id_number_masked: String,
    pub contact_phone_masked: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MaterialView {
    pub position: i64,
    pub name: String,
    pub required: bool,
    /// pending | uploaded | exempt | supplement_requested
    pub status: String,
    pub status_label: String,
    /// Why the applicant does not hand it in (免提交).
    pub exemption: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub file_key: Option<String>,
    pub uploaded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub action_label: String,
    pub from_state: String,
    pub to_state: String,
    pub comment: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClockView {
    pub limit_working_days: u32,
    pub accepted_on: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    /// While paused: the deadline if the pause ended today.
    pub projected_deadline: Option<NaiveDate>,
    pub working_days_used: u32,
    pub working_days_left: Option<i64>,
    pub paused: bool,
    pub supplements: usize,
    pub status: DeadlineStatus,
    pub status_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionOption {
    pub action: Action,
    pub label: String,
    pub requires_comment: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub item_version: i64,
    pub implementation_code: String,
    pub handling_department: String,
    pub handling_region_name: String,
    pub filing_region_name: String,
    pub applicant: ApplicantView,
    pub delivery_method: Option<String>,
    pub delivery_method_label: Option<String>,
    pub workflow: (String, i64),
    pub form_fields: Vec<FormField>,
    pub form: BTreeMap<String, String>,
    pub materials: Vec<MaterialView>,
    pub timeline: Vec<TimelineEntry>,
    pub clock: ClockView,
    /// What the viewer may do now.
    pub allowed_actions: Vec<ActionOption>,
    /// Whether the viewer is the applicant (or their agent).
    pub viewer_is_applicant: bool,
}

pub(crate) fn state_label(definition: &WorkflowDefinition, state: &str) -> String {
    definition
        .state(state)
        .map(|s| s.label.clone())
        .unwrap_or_else(|| state.to_owned())
}

pub(crate) fn summary_of(
    row: &CaseRow,
    state_label: String,
    deadline_status: DeadlineStatus,
) -> CaseSummary {
    let channel_label = Channel::parse(&row.channel)
        .map(|c| c.label().to_owned())
        .unwrap_or_else(|| row.channel.clone());
    CaseSummary {
        id: row.id,
        number: row.number.clone(),
        item_code: row.item_code.clone(),
        item_name: row.item_name.clone(),
        state: row.state.clone(),
        state_label,
        outcome: row.outcome.clone(),
        channel: row.channel.clone(),
        channel_label,
        applicant_name: row.applicant_name.clone(),
        handling_region_code: row.handling_region_code.clone(),
        filing_region_code: row.filing_region_code.clone(),
        created_at: row.created_at,
        submitted_at: row.submitted_at,
        completed_at: row.completed_at,
        deadline: row.deadline,
        deadline_status,
        deadline_status_label: deadline_status.label().to_owned(),
    }
}

pub(crate) fn applicant_of(row: &CaseRow) -> ApplicantView {
    ApplicantView {
        kind: row.applicant_kind.clone(),
        name: row.applicant_name.clone(),
        id_type: row.applicant_id_type.clone(),
        id_number_masked: masked_identifier(&row.applicant_id_number),
        contact_phone_masked: MobileNumber::parse(&row.contact_phone)
            .map(|m| m.masked())
            .unwrap_or_else(|_| "***".to_owned()),
    }
}

pub(crate) fn material_of(row: &MaterialRow) -> MaterialView {
    let status_label = match row.status.as_str() {
        "pending" => "待上传",
        "uploaded" => "已上传",
        "exempt" => "免提交",
        "supplement_requested" => "需补正",
        other => other,
    }
    .to_owned();
    MaterialView {
        position: row.position,
        name: row.name.clone(),
        required: row.required,
        status: row.status.clone(),
        status_label,
        exemption: row.exemption.clone(),
        file_name: row.file_name.clone(),
        content_type: row.content_type.clone(),
        size_bytes: row.size_bytes,
        file_key: row.object_key.clone(),
        uploaded_at: row.uploaded_at,
    }
}

pub(crate) fn timeline_of(row: &EventRow) -> TimelineEntry {
    let action_label = Action::parse(&row.action)
        .map(|a| a.label().to_owned())
        .unwrap_or_else(|| row.action.clone());
    TimelineEntry {
        at: row.at,
        actor: row.actor_name.clone(),
        actor_role: row.actor_role.clone(),
        action: row.action.clone(),
        action_label,
        from_state: row.from_state.clone(),
        to_state: row.to_state.clone(),
        comment: row.comment.clone(),
        details: row.details.0.clone(),
    }
}

pub(crate) fn delivery_label(method: Option<&str>) -> Option<String> {
    method
        .and_then(DeliveryMethod::parse)
        .map(|m| m.label().to_owned())
}
