//! 12345 hotline work orders (工单): the closed loop of 国办发〔2020〕53号 — 受理 → 派单 → 办理 →
//! 回复 → 督办 → 办结 → 回访 → 评价 — with what 国办函〔2025〕66号 adds: one lead department
//! (主办) and optional assisting ones (协办), 派单异议 as a return (退单) with a reason that the
//! hotline answers by re-dispatching (改派), and merging duplicate requests (重复诉求并单).
//!
//! **Types** ([`WorkOrderKind`]): 咨询, 求助, 投诉, 建议, 未办成事 — taken from the web by a
//! signed-in person or company (after a failed search, with the query kept, or directly) and from
//! callers by the staff of the 12345 body — and 差评整改, made by [`BadReviewSubscriber`] from every
//! `evaluation.bad` event (one order per event, however often it is delivered).
//!
//! **Time limits** are working days on the official calendar, counted from the day of intake
//! (that day not counted) — or from the day a not-satisfied callback reopened the order. The
//! defaults follow the local example in DOMAIN.md §7: 咨询 and 求助 3, 投诉 and 建议 13; 未办成事 5
//! (the 未办成事 desk's own default) and 差评整改 5 (the rectification deadline of 好差评). A
//! province administrator can store another number per type (1–60, table
//! `work_order_time_limits`); orders already taken keep theirs.
//!
//! **Reminders and escalation** ([`HotlineJobs`], on `app.clock`): an order still being handled
//! (待派单, 办理中 or 已退单) is reminded (催办) on the first working day after its deadline, and
//! escalated (通报) five working days after that if it is still not answered.
//!
//! **Callback** (回访) is due on the working day after closure: 12345 staff record what the
//! requester said on the phone, or the requester answers on their order page. 满意 and 基本满意
//! finish the order; 不满意 reopens it (unless staff decide not to) to the same lead department
//! with a fresh deadline. The requesters of merged orders get the lead's reply and closure and are
//! called back on their own orders.
//!
//! **Who sees what.** A requester their own orders; the staff of the 12345 body (a department of
//! kind [`HOTLINE_DEPARTMENT_KIND`]) every order, and they take, dispatch, merge, close and call
//! back; the staff of a department the orders it leads (reply, return) or assists (协办意见);
//! region administrators the orders of their region and province administrators and auditors
//! all, read only. Anyone else gets "not found", in every use case and every list query. The
//! contact number is shown in full only to the 12345 body and the lead department. Every staff
//! action is in the audit trail and every change on the outbox (`hotline.*`).

mod demo;
mod handling;
mod intake;
mod jobs;
mod subscriber;

pub use demo::{HOTLINE_DEPARTMENT_CREDIT_CODE, HOTLINE_DEPARTMENT_NAME, ensure_hotline_body};
pub use jobs::{HotlineJobs, HotlineJobsReport};
pub use subscriber::{BadReviewPayload, BadReviewSubscriber};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zerotrip_core::access::{AccountKind, Role};
use zerotrip_core::ids::MobileNumber;
use zerotrip_core::privacy::{mask_middle, mask_name};
use zerotrip_core::workflow::DUE_SOON_WORKING_DAYS;
use zerotrip_store::work_orders::{
    self as store, NewOrderEvent, Visibility, WorkOrderFilter, WorkOrderRow,
};
use zerotrip_store::{Tx, departments};

use crate::App;
use crate::audit::SYSTEM_ACTOR;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// The department kind of the 12345 body.
pub const HOTLINE_DEPARTMENT_KIND: &str = "12345";
/// The topic of bad ratings this module turns into 差评整改 orders.
pub const EVALUATION_BAD_TOPIC: &str = "evaluation.bad";
/// Working days after the reminder when an order still not answered is escalated (通报).
pub const ESCALATION_WORKING_DAYS: u32 = 5;
/// Longest time limit an administrator can store.
pub const MAX_TIME_LIMIT: u32 = 60;
pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_TITLE_CHARS: usize = 60;
pub const MAX_NOTE_CHARS: usize = 1000;
/// Most assisting departments of one order.
pub const MAX_ASSISTS: usize = 5;

/// Topics of the events of this module. Payload: [`WorkOrderEventPayload`].
pub mod topics {
    pub const CREATED: &str = "hotline.created";
    pub const DISPATCHED: &str = "hotline.dispatched";
    pub const RETURNED: &str = "hotline.returned";
    pub const REDISPATCHED: &str = "hotline.redispatched";
    pub const MERGED: &str = "hotline.merged";
    pub const REPLIED: &str = "hotline.replied";
    pub const OPINION: &str = "hotline.opinion";
    pub const REWORK: &str = "hotline.rework";
    pub const CLOSED: &str = "hotline.closed";
    pub const CALLBACK: &str = "hotline.callback";
    pub const REOPENED: &str = "hotline.reopened";
    pub const REMINDED: &str = "hotline.reminded";
    pub const ESCALATED: &str = "hotline.escalated";
}

/// The payload of `hotline.*` events: enough for notifications and statistics without reading
/// the order again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrderEventPayload {
    pub order_id: i64,
    pub number: String,
    pub kind: String,
    /// The timeline action, e.g. `dispatch`.
    pub action: String,
    pub status: String,
    pub lead_department_id: Option<i64>,
    pub region_code: String,
    pub requester_account_id: Option<i64>,
    /// Where to send an SMS about the order.
    pub contact_phone: String,
    pub deadline: NaiveDate,
    pub note: Option<String>,
    pub satisfaction: Option<String>,
}

/// 诉求类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkOrderKind {
    Consultation,
    Help,
    Complaint,
    Suggestion,
    Unresolved,
    Rectification,
}

impl WorkOrderKind {
    pub const ALL: [WorkOrderKind; 6] = [
        WorkOrderKind::Consultation,
        WorkOrderKind::Help,
        WorkOrderKind::Complaint,
        WorkOrderKind::Suggestion,
        WorkOrderKind::Unresolved,
        WorkOrderKind::Rectification,
    ];
    /// What people and hotline staff can file (差评整改 comes from bad reviews only).
    pub const INTAKE: [WorkOrderKind; 5] = [
        WorkOrderKind::Consultation,
        WorkOrderKind::Help,
        WorkOrderKind::Complaint,
        WorkOrderKind::Suggestion,
        WorkOrderKind::Unresolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkOrderKind::Consultation => "consultation",
            WorkOrderKind::Help => "help",
            WorkOrderKind::Complaint => "complaint",
            WorkOrderKind::Suggestion => "suggestion",
            WorkOrderKind::Unresolved => "unresolved",
            WorkOrderKind::Rectification => "rectification",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkOrderKind::Consultation => "咨询",
            WorkOrderKind::Help => "求助",
            WorkOrderKind::Complaint => "投诉",
            WorkOrderKind::Suggestion => "建议",
            WorkOrderKind::Unresolved => "未办成事",
            WorkOrderKind::Rectification => "差评整改",
        }
    }

    /// What the type is for, on intake forms.
    pub fn hint(self) -> &'static str {
        match self {
            WorkOrderKind::Consultation => "问政策、问办事流程和要求",
            WorkOrderKind::Help => "遇到困难需要帮助",
            WorkOrderKind::Complaint => "对政务服务或工作人员不满意",
            WorkOrderKind::Suggestion => "对政府工作和服务提出意见建议",
            WorkOrderKind::Unresolved => "到窗口或网上办事没有办成",
            WorkOrderKind::Rectification => "差评整改",
        }
    }

    /// The default time limit in working days (see the module documentation).
    pub fn default_working_days(self) -> u32 {
        match self {
            WorkOrderKind::Consultation | WorkOrderKind::Help => 3,
            WorkOrderKind::Complaint | WorkOrderKind::Suggestion => 13,
            WorkOrderKind::Unresolved | WorkOrderKind::Rectification => 5,
        }
    }

    /// The code (`complaint`) or the label (`投诉`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        WorkOrderKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text || k.label() == text)
    }
}

/// Where an order is in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkOrderStatus {
    Pending,
    Dispatched,
    Returned,
    Replied,
    Closed,
    Completed,
    Merged,
}

impl WorkOrderStatus {
    pub const ALL: [WorkOrderStatus; 7] = [
        WorkOrderStatus::Pending,
        WorkOrderStatus::Dispatched,
        WorkOrderStatus::Returned,
        WorkOrderStatus::Replied,
        WorkOrderStatus::Closed,
        WorkOrderStatus::Completed,
        WorkOrderStatus::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkOrderStatus::Pending => "pending",
            WorkOrderStatus::Dispatched => "dispatched",
            WorkOrderStatus::Returned => "returned",
            WorkOrderStatus::Replied => "replied",
            WorkOrderStatus::Closed => "closed",
            WorkOrderStatus::Completed => "completed",
            WorkOrderStatus::Merged => "merged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkOrderStatus::Pending => "待派单",
            WorkOrderStatus::Dispatched => "办理中",
            WorkOrderStatus::Returned => "已退单（待改派）",
            WorkOrderStatus::Replied => "已答复（待办结）",
            WorkOrderStatus::Closed => "已办结（待回访）",
            WorkOrderStatus::Completed => "已回访",
            WorkOrderStatus::Merged => "已并单",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        WorkOrderStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text || s.label() == text)
    }

    /// Being handled: the time limit runs and reminders apply.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            WorkOrderStatus::Pending | WorkOrderStatus::Dispatched | WorkOrderStatus::Returned
        )
    }
}

/// 回访满意度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackSatisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

impl CallbackSatisfaction {
    pub const ALL: [CallbackSatisfaction; 3] = [
        CallbackSatisfaction::Satisfied,
        CallbackSatisfaction::BasicallySatisfied,
        CallbackSatisfaction::Dissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallbackSatisfaction::Satisfied => "satisfied",
            CallbackSatisfaction::BasicallySatisfied => "basically_satisfied",
            CallbackSatisfaction::Dissatisfied => "dissatisfied",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallbackSatisfaction::Satisfied => "满意",
            CallbackSatisfaction::BasicallySatisfied => "基本满意",
            CallbackSatisfaction::Dissatisfied => "不满意",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        CallbackSatisfaction::ALL
            .into_iter()
            .find(|s| s.as_str() == text || s.label() == text)
    }
}

/// 来源.
pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "web" => "网站",
        "phone" => "电话",
        "evaluation" => "好差评",
        _ => "其他",
    }
}

fn action_label(action: &str) -> &'static str {
    match action {
        "create" => "受理诉求",
        "dispatch" => "派单",
        "return" => "退单",
        "redispatch" => "改派",
        "merge" => "并单",
        "merge_in" => "并入重复诉求",
        "reply" => "答复",
        "opinion" => "协办意见",
        "rework" => "退回重办",
        "close" => "办结",
        "callback" => "回访",
        "reopen" => "重新办理",
        "remind" => "催办",
        "escalate" => "通报",
        _ => "记录",
    }
}

fn role_label(role: &str) -> &'static str {
    match role {
        "hotline" => "12345热线",
        "department" => "承办单位",
        "requester" => "诉求人",
        "system" => "系统",
        _ => "工作人员",
    }
}

// ---- inputs ----

/// A new order, as `POST /api/v1/hotline/orders` takes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkOrderInput {
    /// consultation | help | complaint | suggestion | unresolved (or 咨询 …).
    pub kind: String,
    /// A short title; the start of the content when absent.
    #[serde(default)]
    pub title: Option<String>,
    pub content: String,
    /// The division code the request is about.
    pub region: String,
    /// The item it is about, when there is one.
    #[serde(default)]
    pub item_code: Option<String>,
    /// A mobile or landline number to answer on; web requesters default to their account's.
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// Hotline staff: the caller's name.
    #[serde(default)]
    pub requester_name: Option<String>,
    /// Hotline staff: the caller's resident ID number, to link the order to their account.
    #[serde(default)]
    pub requester_id_number: Option<String>,
    /// The search that found nothing.
    #[serde(default)]
    pub search_query: Option<String>,
}

/// 派单 / 改派: the lead department and the assisting ones by unified social credit code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchInput {
    pub department: String,
    #[serde(default)]
    pub assist: Vec<String>,
    /// 派单意见; the reason is required when re-dispatching.
    #[serde(default)]
    pub note: Option<String>,
}

/// 并单: merge this order into the lead order with this number.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    pub into: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// 回访.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackInput {
    /// satisfied | basically_satisfied | dissatisfied (or 满意 / 基本满意 / 不满意).
    pub satisfaction: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Whether 不满意 reopens the order (default yes; only hotline staff may say no).
    #[serde(default)]
    pub reopen: Option<bool>,
}

/// Parameters of order lists.
#[derive(Debug, Clone, Default)]
pub struct WorkOrderListQuery {
    /// todo (what the viewer has to do now) | all (everything the viewer may see). Requesters
    /// always get their own orders.
    pub scope: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    /// The number, or part of the title.
    pub text: Option<String>,
    pub overdue: bool,
    pub page: u32,
    /// Up to 100; 20 when 0.
    pub per_page: u32,
}

// ---- views ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRef {
    pub id: i64,
    pub number: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderEventView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub role_label: String,
    pub action: String,
    pub action_label: String,
    pub department: Option<String>,
    pub note: Option<String>,
    pub details: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkOrderView {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub kind_label: String,
    pub channel: String,
    pub channel_label: String,
    pub title: String,
    pub content: String,
    pub requester_name_masked: String,
    /// In full for the 12345 body, the lead department and the requester.
    pub requester_name: Option<String>,
    pub contact_phone_masked: String,
    /// In full for the 12345 body and the lead department only.
    pub contact_phone: Option<String>,
    pub region_code: String,
    pub region_name: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub search_query: Option<String>,
    pub source_case_number: Option<String>,
    pub status: String,
    pub status_label: String,
    pub lead_department: Option<DepartmentRef>,
    pub assist_departments: Vec<DepartmentRef>,
    /// Staff only: the lead order this one was merged into.
    pub merged_into: Option<OrderRef>,
    /// Staff only: the orders merged into this one.
    pub merged_orders: Vec<OrderRef>,
    pub working_days: i64,
    pub accepted_on: NaiveDate,
    pub deadline: NaiveDate,
    /// normal | due_soon | overdue | none (not being handled)
    pub deadline_status: String,
    pub deadline_status_label: String,
    /// Working days left (negative when overdue), while being handled.
    pub days_left: Option<i64>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_note: Option<String>,
    pub callback_due: Option<NaiveDate>,
    /// The latest callback.
    pub satisfaction: Option<String>,
    pub satisfaction_label: Option<String>,
    pub callback_note: Option<String>,
    pub callback_at: Option<DateTime<Utc>>,
    pub reopen_count: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// requester | hotline | lead | assist | overseer
    pub viewer: String,
    /// What the viewer may do now: dispatch, redispatch, merge, return, reply, opinion, rework,
    /// close, callback.
    pub actions: Vec<String>,
    /// In the detail only; requesters see the steps meant for them.
    pub timeline: Vec<OrderEventView>,
}

impl WorkOrderView {
    pub fn can(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkOrderPage {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub scope: String,
    pub orders: Vec<WorkOrderView>,
}

/// A department the hotline may dispatch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentOption {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub region_code: String,
    pub region_name: String,
}

/// A suggested lead department, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispatchSuggestion {
    pub department: DepartmentOption,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeLimitView {
    pub kind: String,
    pub label: String,
    pub working_days: u32,
    pub default_working_days: u32,
}

// ---- who is asking ----

/// How a principal stands towards the hotline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HotlineActor {
    pub account_id: i64,
    pub staff: bool,
    /// Staff of the 12345 body.
    pub hotline: bool,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    /// Region administrators: the region they oversee.
    pub region_overseer: Option<String>,
    /// Province administrators and auditors.
    pub province_overseer: bool,
}

/// How a principal relates to one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Viewer {
    Requester,
    Hotline,
    Lead,
    Assist,
    Overseer,
}

impl Viewer {
    fn as_str(self) -> &'static str {
        match self {
            Viewer::Requester => "requester",
            Viewer::Hotline => "hotline",
            Viewer::Lead => "lead",
            Viewer::Assist => "assist",
            Viewer::Overseer => "overseer",
        }
    }

    /// The timeline role of someone acting as this viewer.
    fn role(self) -> &'static str {
        match self {
            Viewer::Requester => "requester",
            Viewer::Hotline => "hotline",
            Viewer::Lead | Viewer::Assist => "department",
            Viewer::Overseer => "staff",
        }
    }

    /// Sees the contact number and the full name.
    fn sees_contact(self) -> bool {
        matches!(self, Viewer::Hotline | Viewer::Lead)
    }
}

pub(crate) fn not_found() -> AppError {
    AppError::not_found("工单不存在")
}

/// Number prefix: 工单 (GD) and the day in China.
fn number_prefix(now: DateTime<Utc>) -> String {
    format!("GD{}", (now + chrono::Duration::hours(8)).format("%Y%m%d"))
}

/// Trimmed text within a length, without control characters; `None` when empty and optional.
pub(crate) fn clean_text(
    field: &str,
    label: &str,
    value: Option<&str>,
    max_chars: usize,
    required: bool,
) -> AppResult<Option<String>> {
    let text = value.map(str::trim).unwrap_or("");
    if text.is_empty() {
        return if required {
            Err(AppError::field(field, format!("请填写{label}")))
        } else {
            Ok(None)
        };
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::field(
            field,
            format!("{label}含有不可见的控制字符"),
        ));
    }
    let count = text.chars().count();
    if count > max_chars {
        return Err(AppError::field(
            field,
            format!("{label}最多 {max_chars} 个字，现有 {count} 个字"),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// A mainland mobile number, or a landline with its area code (`0898-66668888`).
pub(crate) fn parse_phone(field: &str, text: &str) -> AppResult<String> {
    let text = text.trim();
    if let Ok(mobile) = MobileNumber::parse(text) {
        return Ok(mobile.as_str().to_owned());
    }
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '－'))
        .collect();
    let landline = digits.starts_with('0')
        && (10..=12).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit());
    if landline {
        let area = if digits.starts_with("01") || digits.starts_with("02") {
            3
        } else {
            4
        };
        return Ok(format!("{}-{}", &digits[..area], &digits[area..]));
    }
    Err(AppError::field(
        field,
        "请填写正确的联系电话：11 位手机号码，或带区号的固定电话（如 0898-66668888）",
    ))
}

/// `138****8000`, `0898-****8888`.
pub fn mask_phone(phone: &str) -> String {
    match phone.split_once('-') {
        Some((area, number)) => format!("{area}-{}", mask_middle(number, 0, 4)),
        None => mask_middle(phone, 3, 4),
    }
}

fn summary(row: &WorkOrderRow) -> Value {
    json!({
        "status": row.status,
        "lead_department_id": row.lead_department_id,
        "merged_into_id": row.merged_into_id,
        "deadline": row.deadline,
        "satisfaction": row.satisfaction,
        "reopen_count": row.reopen_count,
    })
}

/// One step of an order, as [`App::hotline_commit`] records it.
pub(crate) struct Step {
    pub action: &'static str,
    pub topic: &'static str,
    pub note: Option<String>,
    pub department_id: Option<i64>,
    /// Shown to the requester.
    pub public: bool,
    pub details: Value,
}

/// Who takes a step: a principal in a role, or the platform.
pub(crate) struct StepActor<'a> {
    pub principal: Option<&'a Principal>,
    pub role: &'static str,
}

impl StepActor<'_> {
    pub(crate) fn system() -> StepActor<'static> {
        StepActor {
            principal: None,
            role: "system",
        }
    }
}

impl App {
    /// How the principal stands towards the hotline.
    pub(crate) async fn hotline_actor(&self, principal: &Principal) -> AppResult<HotlineActor> {
        let staff = principal.kind == AccountKind::Staff;
        let mut actor = HotlineActor {
            account_id: principal.account_id,
            staff,
            hotline: false,
            department_id: None,
            department_name: None,
            region_overseer: None,
            province_overseer: false,
        };
        if !staff {
            return Ok(actor);
        }
        if let Some(id) = principal.department_id
            && let Some(department) = departments::department(&self.db, id).await?
        {
            actor.hotline = department.kind == HOTLINE_DEPARTMENT_KIND;
            actor.department_id = Some(department.id);
            actor.department_name = Some(department.name);
        }
        if principal.has_role(Role::RegionAdmin) {
            actor.region_overseer = principal.region_code.clone();
        }
        actor.province_overseer =
            principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor);
        Ok(actor)
    }

    /// Whether the principal is staff of the 12345 body (takes calls, dispatches, calls back).
    pub async fn is_hotline_staff(&self, principal: &Principal) -> AppResult<bool> {
        Ok(self.hotline_actor(principal).await?.hotline)
    }

    /// The viewer's relation to an order, or `None` (answered as "not found").
    pub(crate) fn hotline_viewer(
        &self,
        actor: &HotlineActor,
        row: &WorkOrderRow,
        assist_ids: &[i64],
    ) -> Option<Viewer> {
        if !actor.staff {
            return (row.requester_account_id == Some(actor.account_id))
                .then_some(Viewer::Requester);
        }
        if actor.hotline {
            return Some(Viewer::Hotline);
        }
        if let Some(department) = actor.department_id {
            if row.lead_department_id == Some(department) {
                return Some(Viewer::Lead);
            }
            if assist_ids.contains(&department) {
                return Some(Viewer::Assist);
            }
        }
        if actor.province_overseer {
            return Some(Viewer::Overseer);
        }
        if let Some(region) = &actor.region_overseer
            && (region == &row.region_code || self.region_contains(region, &row.region_code))
        {
            return Some(Viewer::Overseer);
        }
        None
    }

    /// What the viewer may do with the order now.
    pub(crate) fn hotline_actions(viewer: Viewer, row: &WorkOrderRow) -> Vec<String> {
        let Some(status) = WorkOrderStatus::parse(&row.status) else {
            return Vec::new();
        };
        use WorkOrderStatus as S;
        let mut actions: Vec<&str> = Vec::new();
        match viewer {
            Viewer::Hotline => match status {
                S::Pending => actions.extend(["dispatch", "merge", "reply"]),
                S::Returned => actions.extend(["redispatch", "merge"]),
                S::Dispatched => actions.extend(["redispatch", "merge"]),
                S::Replied => actions.extend(["close", "rework"]),
                S::Closed => actions.push("callback"),
                S::Completed | S::Merged => {}
            },
            Viewer::Lead if status == S::Dispatched => actions.extend(["reply", "return"]),
            Viewer::Assist if status == S::Dispatched => actions.push("opinion"),
            Viewer::Requester if status == S::Closed => actions.push("callback"),
            _ => {}
        }
        actions.into_iter().map(str::to_owned).collect()
    }

    /// 正常 / 即将到期 / 已超期 of an order being handled, and the working days left.
    fn hotline_deadline_state(
        &self,
        row: &WorkOrderRow,
    ) -> (&'static str, &'static str, Option<i64>) {
        let running = WorkOrderStatus::parse(&row.status).is_some_and(WorkOrderStatus::is_running);
        if !running {
            return ("none", "—", None);
        }
        let today = self.clock.today_in_china();
        let left = self.calendar().working_days_between(today, row.deadline);
        if today > row.deadline {
            ("overdue", "已超期", Some(left))
        } else if left <= DUE_SOON_WORKING_DAYS {
            ("due_soon", "即将到期", Some(left))
        } else {
            ("normal", "正常", Some(left))
        }
    }

    /// The view of an order for a viewer (no timeline; see [`App::work_order`]).
    pub(crate) async fn hotline_view(
        &self,
        row: &WorkOrderRow,
        viewer: Viewer,
        assists: Vec<DepartmentRef>,
        detail: bool,
    ) -> AppResult<WorkOrderView> {
        let kind = WorkOrderKind::parse(&row.kind);
        let status = WorkOrderStatus::parse(&row.status);
        let satisfaction = row
            .satisfaction
            .as_deref()
            .and_then(CallbackSatisfaction::parse);
        let (deadline_status, deadline_label, days_left) = self.hotline_deadline_state(row);
        let staff = viewer != Viewer::Requester;
        let (merged_into, merged_orders) = if staff && detail {
            let into = match row.merged_into_id {
                Some(id) => store::order(&self.db, id).await?.map(|lead| OrderRef {
                    id: lead.id,
                    number: lead.number,
                }),
                None => None,
            };
            let merged = store::merged_numbers(&self.db, row.id)
                .await?
                .into_iter()
                .map(|(id, number)| OrderRef { id, number })
                .collect();
            (into, merged)
        } else {
            (None, Vec::new())
        };
        let full = viewer.sees_contact() || viewer == Viewer::Requester;
        Ok(WorkOrderView {
            id: row.id,
            number: row.number.clone(),
            kind: row.kind.clone(),
            kind_label: kind.map(|k| k.label()).unwrap_or("其他").to_owned(),
            channel: row.channel.clone(),
            channel_label: channel_label(&row.channel).to_owned(),
            title: row.title.clone(),
            content: row.content.clone(),
            requester_name_masked: mask_name(&row.requester_name),
            requester_name: full.then(|| row.requester_name.clone()),
            contact_phone_masked: mask_phone(&row.contact_phone),
            contact_phone: viewer.sees_contact().then(|| row.contact_phone.clone()),
            region_code: row.region_code.clone(),
            region_name: self.region_name(&row.region_code),
            item_code: row.item_code.clone(),
            item_name: row.item_name.clone(),
            search_query: row.search_query.clone(),
            source_case_number: row.source_case_number.clone(),
            status: row.status.clone(),
            status_label: status.map(|s| s.label()).unwrap_or("未知").to_owned(),
            lead_department: match (row.lead_department_id, &row.lead_department_name) {
                (Some(id), Some(name)) => Some(DepartmentRef {
                    id,
                    name: name.clone(),
                }),
                _ => None,
            },
            assist_departments: assists,
            merged_into,
            merged_orders,
            working_days: row.working_days,
            accepted_on: row.accepted_on,
            deadline: row.deadline,
            deadline_status: deadline_status.to_owned(),
            deadline_status_label: deadline_label.to_owned(),
            days_left,
            reminded_at: row.reminded_at,
            escalated_at: row.escalated_at,
            reply: row.reply.clone(),
            replied_at: row.replied_at,
            replied_by: row.replied_by_name.clone(),
            closed_at: row.closed_at,
            close_note: row.close_note.clone(),
            callback_due: row.callback_due,
            satisfaction: row.satisfaction.clone(),
            satisfaction_label: satisfaction.map(|s| s.label().to_owned()),
            callback_note: row.callback_note.clone(),
            callback_at: row.callback_at,
            reopen_count: row.reopen_count,
            created_at: row.created_at,
            created_by: if staff {
                row.created_by_name.clone()
            } else {
                role_label(if row.channel == "web" {
                    "requester"
                } else {
                    "hotline"
                })
                .to_owned()
            },
            viewer: viewer.as_str().to_owned(),
            actions: Self::hotline_actions(viewer, row),
            timeline: Vec::new(),
        })
    }

    /// Loads an order and the principal's relation to it; others get "not found".
    pub(crate) async fn hotline_load(
        &self,
        principal: &Principal,
        id: i64,
    ) -> AppResult<(WorkOrderRow, HotlineActor, Viewer, Vec<DepartmentRef>)> {
        let row = store::order(&self.db, id).await?.ok_or_else(not_found)?;
        let actor = self.hotline_actor(principal).await?;
        let assists: Vec<DepartmentRef> = store::assists(&self.db, id)
            .await?
            .into_iter()
            .map(|a| DepartmentRef {
                id: a.department_id,
                name: a.department_name,
            })
            .collect();
        let ids: Vec<i64> = assists.iter().map(|a| a.id).collect();
        let viewer = self
            .hotline_viewer(&actor, &row, &ids)
            .ok_or_else(not_found)?;
        Ok((row, actor, viewer, assists))
    }

    /// One order with its timeline.
    pub async fn work_order(&self, principal: &Principal, id: i64) -> AppResult<WorkOrderView> {
        let (row, _, viewer, assists) = self.hotline_load(principal, id).await?;
        let mut view = self.hotline_view(&row, viewer, assists, true).await?;
        let staff = viewer != Viewer::Requester;
        view.timeline = store::events(&self.db, id)
            .await?
            .into_iter()
            .filter(|e| staff || e.public)
            .map(|e| OrderEventView {
                at: e.at,
                actor: if staff || e.actor_role == "requester" {
                    e.actor_name
                } else {
                    role_label(&e.actor_role).to_owned()
                },
                role_label: role_label(&e.actor_role).to_owned(),
                role: e.actor_role,
                action_label: action_label(&e.action).to_owned(),
                action: e.action,
                department: e.department_name,
                note: e.note,
                details: if staff { e.details.0 } else { json!({}) },
            })
            .collect();
        Ok(view)
    }

    /// The orders the principal may see: their own for requesters; for staff what they have to
    /// do now (`scope = todo`, the default) or everything within their remit (`all`).
    pub async fn work_orders(
        &self,
        principal: &Principal,
        query: &WorkOrderListQuery,
    ) -> AppResult<WorkOrderPage> {
        let actor = self.hotline_actor(principal).await?;
        let per_page = match query.per_page {
            0 => 20,
            n => n.min(100),
        };
        let page = query.page.max(1);
        let visibility = if !actor.staff {
            Visibility::Requester(actor.account_id)
        } else if actor.hotline || actor.province_overseer {
            Visibility::All
        } else {
            Visibility::Scoped {
                department_id: actor.department_id,
                region_prefix: actor.region_overseer.as_deref().map(region_prefix),
            }
        };
        let mut filter = WorkOrderFilter::new(visibility);
        let scope = match query.scope.as_deref().map(str::trim) {
            None | Some("") => {
                if actor.staff && (actor.hotline || actor.department_id.is_some()) {
                    "todo"
                } else {
                    "all"
                }
            }
            Some("todo") => "todo",
            Some("all") => "all",
            Some(other) => {
                return Err(AppError::field(
                    "scope",
                    format!(
                        "范围“{}”无效：应为 todo 或 all",
                        other.chars().take(20).collect::<String>()
                    ),
                ));
            }
        };
        if scope == "todo" && actor.staff {
            if actor.hotline {
                filter.statuses = vec!["pending", "returned", "replied", "closed"];
            } else if let Some(department) = actor.department_id {
                filter.handled_by = Some(department);
            } else {
                filter.statuses = vec!["pending", "dispatched", "returned"];
                filter.overdue_on = Some(self.clock.today_in_china());
            }
        }
        if let Some(text) = query.status.as_deref().filter(|s| !s.trim().is_empty()) {
            let status = WorkOrderStatus::parse(text).ok_or_else(|| {
                AppError::field(
                    "status",
                    "状态无效：应为 pending、dispatched、returned、replied、closed、completed 或 merged",
                )
            })?;
            // Within the to-do statuses when there are any; a state outside them lists nothing.
            filter.statuses =
                if filter.statuses.is_empty() || filter.statuses.contains(&status.as_str()) {
                    vec![status.as_str()]
                } else {
                    vec!["none"]
                };
        }
        if let Some(text) = query.kind.as_deref().filter(|s| !s.trim().is_empty()) {
            let kind = WorkOrderKind::parse(text).ok_or_else(|| {
                AppError::field(
                    "kind",
                    "诉求类型无效：应为咨询、求助、投诉、建议、未办成事或差评整改",
                )
            })?;
            filter.kind = Some(kind.as_str().to_owned());
        }
        if let Some(text) = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            filter.text = Some(text.chars().take(50).collect());
        }
        if query.overdue {
            filter.overdue_on = Some(self.clock.today_in_china());
        }
        let (total, rows) = store::list_orders(
            &self.db,
            &filter,
            i64::from(per_page),
            i64::from((page - 1) * per_page),
        )
        .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in rows {
            // The list query already decided the row is visible: a department's staff who do not
            // lead it and do not oversee its region are assisting.
            let viewer = match self.hotline_viewer(&actor, &row, &[]) {
                Some(viewer) => viewer,
                None if actor.department_id.is_some() => Viewer::Assist,
                None => Viewer::Overseer,
            };
            let mut view = self.hotline_view(&row, viewer, Vec::new(), false).await?;
            // Lists never carry the full contact.
            view.contact_phone = None;
            orders.push(view);
        }
        Ok(WorkOrderPage {
            total,
            page,
            per_page,
            scope: scope.to_owned(),
            orders,
        })
    }

    /// The time limit of a type in working days (stored, else the default).
    pub async fn hotline_working_days(&self, kind: WorkOrderKind) -> AppResult<u32> {
        let stored = store::time_limits(&self.db).await?;
        Ok(stored
            .iter()
            .find(|row| row.kind == kind.as_str())
            .and_then(|row| u32::try_from(row.working_days).ok())
            .filter(|days| (1..=MAX_TIME_LIMIT).contains(days))
            .unwrap_or(kind.default_working_days()))
    }

    /// Every type's time limit.
    pub async fn hotline_time_limits(&self) -> AppResult<Vec<TimeLimitView>> {
        let mut limits = Vec::new();
        for kind in WorkOrderKind::ALL {
            limits.push(TimeLimitView {
                kind: kind.as_str().to_owned(),
                label: kind.label().to_owned(),
                working_days: self.hotline_working_days(kind).await?,
                default_working_days: kind.default_working_days(),
            });
        }
        Ok(limits)
    }

    /// Stores a type's time limit (province administrators; 1–60 working days). Orders already
    /// taken keep theirs.
    pub async fn set_hotline_time_limit(
        &self,
        principal: &Principal,
        kind: &str,
        days: u32,
    ) -> AppResult<Vec<TimeLimitView>> {
        principal.require(Role::ProvinceAdmin)?;
        let kind =
            WorkOrderKind::parse(kind).ok_or_else(|| AppError::field("kind", "诉求类型无效"))?;
        if !(1..=MAX_TIME_LIMIT).contains(&days) {
            return Err(AppError::field(
                "working_days",
                format!("办理时限应为 1–{MAX_TIME_LIMIT} 个工作日，实际为 {days}"),
            ));
        }
        let before = self.hotline_working_days(kind).await?;
        let mut tx = self.db.begin().await?;
        store::set_time_limit(
            &mut tx,
            kind.as_str(),
            i64::from(days),
            self.clock.now(),
            &principal.username,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "hotline.time_limit",
            &format!("work_order_time_limit:{}", kind.as_str()),
            Some(&json!({"working_days": before})),
            Some(&json!({"working_days": days})),
        )
        .await?;
        tx.commit().await?;
        self.hotline_time_limits().await
    }

    /// Records a step in the caller's transaction: writes `after` (if nobody changed the order
    /// meanwhile), the timeline entry, the audit record for staff and the system, and the event.
    pub(crate) async fn hotline_commit(
        &self,
        tx: &mut Tx,
        actor: &StepActor<'_>,
        before: &WorkOrderRow,
        after: &mut WorkOrderRow,
        step: Step,
    ) -> AppResult<()> {
        let now = self.clock.now();
        after.updated_at = now;
        if !store::update_order(tx, after).await? {
            return Err(AppError::conflict("工单已被他人更新，请刷新后重试"));
        }
        after.revision += 1;
        let actor_name = actor
            .principal
            .map(|p| p.display_name.clone())
            .unwrap_or_else(|| "系统".to_owned());
        store::insert_event(
            tx,
            NewOrderEvent {
                order_id: after.id,
                at: now,
                actor_account_id: actor.principal.map(|p| p.account_id),
                actor_name,
                actor_role: actor.role.to_owned(),
                action: step.action.to_owned(),
                department_id: step.department_id,
                note: step.note.clone(),
                public: step.public,
                details: step.details,
            },
        )
        .await?;
        let staff = actor.principal.is_none_or(Principal::is_staff);
        if staff {
            let username = actor
                .principal
                .map(|p| p.username.as_str())
                .unwrap_or(SYSTEM_ACTOR);
            self.audit(
                tx,
                username,
                &format!("hotline.{}", step.action),
                &format!("work_order:{}", after.number),
                Some(&summary(before)),
                Some(&summary(after)),
            )
            .await?;
        }
        self.hotline_emit(tx, step.topic, step.action, after, step.note)
            .await
    }

    pub(crate) async fn hotline_emit(
        &self,
        tx: &mut Tx,
        topic: &str,
        action: &str,
        row: &WorkOrderRow,
        note: Option<String>,
    ) -> AppResult<()> {
        let payload = WorkOrderEventPayload {
            order_id: row.id,
            number: row.number.clone(),
            kind: row.kind.clone(),
            action: action.to_owned(),
            status: row.status.clone(),
            lead_department_id: row.lead_department_id,
            region_code: row.region_code.clone(),
            requester_account_id: row.requester_account_id,
            contact_phone: row.contact_phone.clone(),
            deadline: row.deadline,
            note,
            satisfaction: row.satisfaction.clone(),
        };
        let payload = serde_json::to_value(&payload).map_err(AppError::internal)?;
        self.emit(tx, topic, &row.number, payload).await?;
        Ok(())
    }
}

/// The code prefix of a region and everything below it (460000 → 46, 460100 → 4601).
pub(crate) fn region_prefix(code: &str) -> String {
    if code.len() == 6 && code.ends_with("0000") {
        code[..2].to_owned()
    } else if code.len() == 6 && code.ends_with("00") {
        code[..4].to_owned()
    } else {
        code.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_parse_codes_and_labels() {
        for kind in WorkOrderKind::ALL {
            assert_eq!(WorkOrderKind::parse(kind.as_str()), Some(kind));
            assert_eq!(WorkOrderKind::parse(kind.label()), Some(kind));
        }
        for status in WorkOrderStatus::ALL {
            assert_eq!(WorkOrderStatus::parse(status.as_str()), Some(status));
        }
        for level in CallbackSatisfaction::ALL {
            assert_eq!(CallbackSatisfaction::parse(level.label()), Some(level));
        }
        assert_eq!(WorkOrderKind::parse("举报"), None);
        assert_eq!(WorkOrderKind::Consultation.default_working_days(), 3);
        assert_eq!(WorkOrderKind::Complaint.default_working_days(), 13);
    }

    #[test]
    fn phones_are_normalised_and_masked() {
        assert_eq!(
            parse_phone("p", "138 0013 8000").ok().as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            parse_phone("p", "0898-66668888").ok().as_deref(),
            Some("0898-66668888")
        );
        assert_eq!(
            parse_phone("p", "01012345678").ok().as_deref(),
            Some("010-12345678")
        );
        assert!(parse_phone("p", "12345").is_err());
        assert!(parse_phone("p", "<script>").is_err());
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("0898-66668888"), "0898-****8888");
    }
}
