//! 差评整改: the handling department's task for a bad rating. 谁办理谁负责: only the staff of
//! that department (in its region) act on it; region administrators read those of their region,
//! province administrators and auditors read all. Every real-name bad rating is called back
//! (实名差评回访 100%): a task cannot be closed before a callback is recorded. Closing records
//! the outcome — 立行立改, 限期整改 (with the date promised), 解释说明 or 申诉复核(误评).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::ids::MobileNumber;
use zerotrip_core::privacy::{mask_name, mask_personal_data};
use zerotrip_core::workflow::DUE_SOON_WORKING_DAYS;
use zerotrip_store::evaluations::{
    self as store, CallbackRow, NewCallback, RectificationClosure, RectificationFilter,
    RectificationRow,
};

use super::{LevelInput, channel_label, clean_text, level_label, region_prefix, topics};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// How a department answers a bad rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RectificationOutcome {
    /// 立行立改: clear and reasonable, fixed at once.
    Immediate,
    /// 限期整改: complex; reasons, a ledger entry and a promised date.
    Deadline,
    /// 解释说明: the request has no legal basis; explained to the applicant.
    Explanation,
    /// 申诉复核(误评): a mistaken or malicious rating, appealed for review.
    Appeal,
}

impl RectificationOutcome {
    pub const ALL: [RectificationOutcome; 4] = [
        RectificationOutcome::Immediate,
        RectificationOutcome::Deadline,
        RectificationOutcome::Explanation,
        RectificationOutcome::Appeal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RectificationOutcome::Immediate => "immediate",
            RectificationOutcome::Deadline => "deadline",
            RectificationOutcome::Explanation => "explanation",
            RectificationOutcome::Appeal => "appeal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RectificationOutcome::Immediate => "立行立改",
            RectificationOutcome::Deadline => "限期整改",
            RectificationOutcome::Explanation => "解释说明",
            RectificationOutcome::Appeal => "申诉复核(误评)",
        }
    }

    /// The code, the label, or 申诉复核 / 误评 / the label with full-width brackets.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        match text {
            "申诉复核" | "误评" | "申诉复核（误评）" => {
                Some(RectificationOutcome::Appeal)
            }
            _ => RectificationOutcome::ALL
                .into_iter()
                .find(|o| o.as_str() == text || o.label() == text),
        }
    }
}

/// How the applicant was called back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackMethod {
    Phone,
    Sms,
    Visit,
    Video,
    Other,
}

impl CallbackMethod {
    pub const ALL: [CallbackMethod; 5] = [
        CallbackMethod::Phone,
        CallbackMethod::Sms,
        CallbackMethod::Visit,
        CallbackMethod::Video,
        CallbackMethod::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallbackMethod::Phone => "phone",
            CallbackMethod::Sms => "sms",
            CallbackMethod::Visit => "visit",
            CallbackMethod::Video => "video",
            CallbackMethod::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallbackMethod::Phone => "电话",
            CallbackMethod::Sms => "短信",
            CallbackMethod::Visit => "上门",
            CallbackMethod::Video => "视频",
            CallbackMethod::Other => "其他",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        CallbackMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == text || m.label() == text)
    }
}

pub(crate) fn status_label(status: &str) -> &'static str {
    match status {
        "open" => "整改中",
        "closed" => "已办结",
        _ => "未知",
    }
}

/// 回访, as `POST /api/v1/rectifications/{id}/callbacks` takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackInput {
    /// The day of the call (China time); today when absent.
    #[serde(default)]
    pub called_on: Option<NaiveDate>,
    /// phone | sms | visit | video | other, or 电话 / 短信 / 上门 / 视频 / 其他.
    pub method: String,
    /// Who called; the signed-in staff member when absent.
    #[serde(default)]
    pub caller: Option<String>,
    /// What the applicant said.
    pub feedback: String,
    /// The applicant's satisfaction with the handling now, when they gave one (1–5 or label).
    #[serde(default)]
    pub satisfaction: Option<LevelInput>,
}

/// Closing a task, as `POST /api/v1/rectifications/{id}/close` takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// immediate | deadline | explanation | appeal, or the Chinese label.
    pub outcome: String,
    /// What was done or explained (整改措施 / 说明 / 申诉理由).
    pub note: String,
    /// 限期整改: the date the fix is promised by.
    #[serde(default)]
    pub promised_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallbackView {
    pub id: i64,
    pub called_on: NaiveDate,
    pub method: String,
    pub method_label: String,
    pub caller: String,
    pub feedback: String,
    pub satisfaction: Option<i64>,
    pub satisfaction_label: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RectificationView {
    pub id: i64,
    pub evaluation_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub department_name: String,
    pub region_code: String,
    pub region_name: String,
    pub level: i64,
    pub level_label: String,
    /// The applicant's words, with ID and mobile numbers masked.
    pub comment: Option<String>,
    pub channel: String,
    pub channel_label: String,
    pub rated_at: DateTime<Utc>,
    pub real_name: bool,
    pub applicant_name_masked: String,
    pub contact_phone_masked: String,
    /// The full number, only for the department's staff who call back.
    pub contact_phone: Option<String>,
    /// open | closed
    pub status: String,
    pub status_label: String,
    pub working_days: i64,
    pub opened_on: NaiveDate,
    pub deadline: NaiveDate,
    /// normal | due_soon | overdue | closed_on_time | closed_late
    pub deadline_status: String,
    pub deadline_status_label: String,
    pub overdue: bool,
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    pub outcome_note: Option<String>,
    pub promised_by: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_on: Option<NaiveDate>,
    pub closed_by: Option<String>,
    pub callback_count: i64,
    /// In the detail only.
    pub callbacks: Vec<CallbackView>,
    /// The viewer may record callbacks and close the task.
    pub may_act: bool,
}

/// Parameters of task lists.
#[derive(Debug, Clone, Default)]
pub struct RectificationListQuery {
    /// open | closed | overdue; all when absent.
    pub status: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RectificationPage {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub tasks: Vec<RectificationView>,
}

/// What a principal may do with one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskAccess {
    Act,
    Read,
}

impl App {
    fn within(&self, principal: &Principal, region: &str) -> bool {
        principal
            .region_code
            .as_deref()
            .is_some_and(|own| own == region || self.region_contains(own, region))
    }

    fn task_access(&self, principal: &Principal, row: &RectificationRow) -> Option<TaskAccess> {
        if !principal.is_staff() {
            return None;
        }
        if principal.department_id == Some(row.department_id)
            && self.within(principal, &row.region_code)
        {
            return Some(TaskAccess::Act);
        }
        if principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor) {
            return Some(TaskAccess::Read);
        }
        if principal.has_role(Role::RegionAdmin) && self.within(principal, &row.region_code) {
            return Some(TaskAccess::Read);
        }
        None
    }

    /// The tasks a principal may see: their department's, their region's (region
    /// administrators), or all (province administrators and auditors).
    pub async fn rectifications(
        &self,
        principal: &Principal,
        query: &RectificationListQuery,
    ) -> AppResult<RectificationPage> {
        if !principal.is_staff() {
            return Err(AppError::forbidden("仅工作人员可以查看差评整改任务"));
        }
        let mut filter = RectificationFilter::default();
        let region = principal.region_code.as_deref().map(region_prefix);
        match principal.department_id {
            Some(department) => {
                filter.department_id = Some(department);
                filter.region_prefix = region;
            }
            None if principal.has_role(Role::ProvinceAdmin)
                || principal.has_role(Role::Auditor) => {}
            None if principal.has_role(Role::RegionAdmin) => filter.region_prefix = region,
            None => {
                return Err(AppError::forbidden(
                    "您的账号不属于办理部门，没有可查看的差评整改任务",
                ));
            }
        }
        if filter.department_id.is_none()
            && filter.region_prefix.is_none()
            && !(principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor))
        {
            return Err(AppError::forbidden("您的账号未设置所在区域"));
        }
        let today = self.clock.today_in_china();
        match query.status.as_deref().map(str::trim) {
            None | Some("") | Some("all") => {}
            Some("open") => filter.status = Some("open".to_owned()),
            Some("closed") => filter.status = Some("closed".to_owned()),
            Some("overdue") => filter.overdue_on = Some(today),
            Some(other) => {
                return Err(AppError::field(
                    "status",
                    format!(
                        "状态“{}”无效：应为 open、closed、overdue 或 all",
                        other.chars().take(20).collect::<String>()
                    ),
                ));
            }
        }
        let page = query.page.max(1);
        let per_page = if query.per_page == 0 {
            20
        } else {
            query.per_page.clamp(1, 100)
        };
        let (total, rows) = store::list_rectifications(
            &self.db,
            &filter,
            i64::from(per_page),
            i64::from(page - 1) * i64::from(per_page),
        )
        .await?;
        let tasks = rows
            .into_iter()
            .map(|row| {
                let access = self.task_access(principal, &row);
                self.rectification_view(row, access == Some(TaskAccess::Act), Vec::new())
            })
            .collect();
        Ok(RectificationPage {
            total,
            page,
            per_page,
            tasks,
        })
    }

    /// One task with its callbacks; others' tasks are "not found".
    pub async fn rectification(
        &self,
        principal: &Principal,
        id: i64,
    ) -> AppResult<RectificationView> {
        let row = store::rectification(&self.db, id)
            .await?
            .ok_or_else(task_not_found)?;
        let access = self
            .task_access(principal, &row)
            .ok_or_else(task_not_found)?;
        let callbacks = store::callbacks(&self.db, id)
            .await?
            .iter()
            .map(callback_view)
            .collect();
        Ok(self.rectification_view(row, access == TaskAccess::Act, callbacks))
    }

    /// Records a callback (回访) to the applicant.
    pub async fn record_callback(
        &self,
        principal: &Principal,
        id: i64,
        input: &CallbackInput,
    ) -> AppResult<RectificationView> {
        let today = self.clock.today_in_china();
        let mut tx = self.db.begin().await?;
        let row = store::rectification_for_update(&mut tx, id)
            .await?
            .ok_or_else(task_not_found)?;
        match self.task_access(principal, &row) {
            Some(TaskAccess::Act) => {}
            Some(TaskAccess::Read) => {
                return Err(AppError::forbidden(
                    "只有办理部门的工作人员可以回访（谁办理谁负责）",
                ));
            }
            None => return Err(task_not_found()),
        }
        let method = CallbackMethod::parse(&input.method).ok_or_else(|| {
            let names: Vec<&str> = CallbackMethod::ALL.iter().map(|m| m.label()).collect();
            AppError::field(
                "method",
                format!("回访方式应为以下之一：{}", names.join("、")),
            )
        })?;
        let called_on = input.called_on.unwrap_or(today);
        if called_on > today {
            return Err(AppError::field("called_on", "回访日期不能晚于今天"));
        }
        if called_on < row.opened_on {
            return Err(AppError::field(
                "called_on",
                "回访日期不能早于收到差评的日期",
            ));
        }
        let caller = clean_text("caller", "回访人", input.caller.as_deref(), 50, false)?
            .unwrap_or_else(|| principal.display_name.clone());
        let feedback = clean_text("feedback", "申请人反馈", Some(&input.feedback), 1000, true)?
            .unwrap_or_default();
        let satisfaction = match &input.satisfaction {
            Some(level) => Some(level.resolve("satisfaction")?.code()),
            None => None,
        };
        let now = self.clock.now();
        let callback_id = store::insert_callback(
            &mut tx,
            NewCallback {
                rectification_id: id,
                called_on,
                method: method.as_str().to_owned(),
                caller: caller.clone(),
                feedback: feedback.clone(),
                satisfaction,
                recorded_by_account_id: principal.account_id,
                recorded_at: now,
            },
        )
        .await?;
        store::touch_rectification(&mut tx, id, now).await?;
        let after = json!({
            "callback_id": callback_id,
            "called_on": called_on,
            "method": method.as_str(),
            "caller": caller,
            "feedback": mask_personal_data(&feedback),
            "satisfaction": satisfaction,
        });
        self.audit(
            &mut tx,
            &principal.username,
            "rectification.callback",
            &format!("rectification:{id}"),
            None,
            Some(&after),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::RECTIFICATION_CALLBACK,
            &row.case_number,
            json!({
                "rectification_id": id,
                "callback_id": callback_id,
                "case_number": row.case_number,
                "department_id": row.department_id,
                "called_on": called_on,
                "method": method.as_str(),
                "satisfaction": satisfaction,
            }),
        )
        .await?;
        tx.commit().await?;
        self.rectification(principal, id).await
    }

    /// Closes a task with its outcome; a real-name rating must have been called back first.
    pub async fn close_rectification(
        &self,
        principal: &Principal,
        id: i64,
        input: &CloseInput,
    ) -> AppResult<RectificationView> {
        let today = self.clock.today_in_china();
        let mut tx = self.db.begin().await?;
        let row = store::rectification_for_update(&mut tx, id)
            .await?
            .ok_or_else(task_not_found)?;
        match self.task_access(principal, &row) {
            Some(TaskAccess::Act) => {}
            Some(TaskAccess::Read) => {
                return Err(AppError::forbidden(
                    "只有办理部门的工作人员可以办结整改（谁办理谁负责）",
                ));
            }
            None => return Err(task_not_found()),
        }
        if row.status != "open" {
            return Err(AppError::conflict("该整改任务已办结"));
        }
        let outcome = RectificationOutcome::parse(&input.outcome).ok_or_else(|| {
            let names: Vec<&str> = RectificationOutcome::ALL
                .iter()
                .map(|o| o.label())
                .collect();
            AppError::field(
                "outcome",
                format!("处理结果应为以下之一：{}", names.join("、")),
            )
        })?;
        let note =
            clean_text("note", "处理情况", Some(&input.note), 1000, true)?.unwrap_or_default();
        let promised_by = match (outcome, input.promised_by) {
            (RectificationOutcome::Deadline, None) => {
                return Err(AppError::field("promised_by", "限期整改须填写整改完成期限"));
            }
            (RectificationOutcome::Deadline, Some(date)) if date < today => {
                return Err(AppError::field("promised_by", "整改完成期限不能早于今天"));
            }
            (RectificationOutcome::Deadline, Some(date)) => Some(date),
            _ => None,
        };
        if row.real_name && store::callback_count_tx(&mut tx, id).await? == 0 {
            return Err(AppError::conflict(
                "实名差评须先回访申请人并记录回访情况，才能办结",
            ));
        }
        let now = self.clock.now();
        let closed = store::close_rectification(
            &mut tx,
            id,
            RectificationClosure {
                outcome: outcome.as_str().to_owned(),
                outcome_note: note.clone(),
                promised_by,
                closed_at: now,
                closed_on: today,
                closed_by_account_id: principal.account_id,
                closed_by_name: principal.display_name.clone(),
            },
        )
        .await?;
        if !closed {
            return Err(AppError::conflict("该整改任务已办结"));
        }
        let on_time = today <= row.deadline;
        let before = json!({"status": row.status});
        let after = json!({
            "status": "closed",
            "outcome": outcome.as_str(),
            "note": mask_personal_data(&note),
            "promised_by": promised_by,
            "closed_on": today,
            "on_time": on_time,
        });
        self.audit(
            &mut tx,
            &principal.username,
            "rectification.close",
            &format!("rectification:{id}"),
            Some(&before),
            Some(&after),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::RECTIFICATION_CLOSED,
            &row.case_number,
            json!({
                "rectification_id": id,
                "case_id": row.case_id,
                "case_number": row.case_number,
                "department_id": row.department_id,
                "outcome": outcome.as_str(),
                "outcome_label": outcome.label(),
                "deadline": row.deadline,
                "closed_on": today,
                "on_time": on_time,
            }),
        )
        .await?;
        tx.commit().await?;
        self.rectification(principal, id).await
    }

    fn rectification_view(
        &self,
        row: RectificationRow,
        may_act: bool,
        callbacks: Vec<CallbackView>,
    ) -> RectificationView {
        let today = self.clock.today_in_china();
        let calendar = self.calendar();
        let (deadline_status, label) = match (row.status.as_str(), row.closed_on) {
            ("closed", Some(on)) if on <= row.deadline => ("closed_on_time", "按时办结"),
            ("closed", _) => ("closed_late", "逾期办结"),
            _ if today > row.deadline => ("overdue", "已逾期"),
            _ if calendar.working_days_between(today, row.deadline) <= DUE_SOON_WORKING_DAYS => {
                ("due_soon", "即将到期")
            }
            _ => ("normal", "正常"),
        };
        let phone_masked = MobileNumber::parse(&row.contact_phone)
            .map(|m| m.masked())
            .unwrap_or_else(|_| "***".to_owned());
        RectificationView {
            id: row.id,
            evaluation_id: row.evaluation_id,
            case_id: row.case_id,
            case_number: row.case_number,
            item_code: row.item_code,
            item_name: row.item_name,
            department_id: row.department_id,
            department_name: row.department_name,
            region_name: self.region_name(&row.region_code),
            region_code: row.region_code,
            level: row.level,
            level_label: level_label(row.level),
            comment: row.comment.as_deref().map(mask_personal_data),
            channel_label: channel_label(&row.channel),
            channel: row.channel,
            rated_at: row.rated_at,
            real_name: row.real_name,
            applicant_name_masked: mask_name(&row.applicant_name),
            contact_phone_masked: phone_masked,
            contact_phone: may_act.then_some(row.contact_phone),
            status_label: status_label(&row.status).to_owned(),
            overdue: deadline_status == "overdue" || deadline_status == "closed_late",
            status: row.status,
            working_days: row.working_days,
            opened_on: row.opened_on,
            deadline: row.deadline,
            deadline_status: deadline_status.to_owned(),
            deadline_status_label: label.to_owned(),
            outcome_label: row
                .outcome
                .as_deref()
                .and_then(RectificationOutcome::parse)
                .map(|o| o.label().to_owned()),
            outcome: row.outcome,
            outcome_note: row.outcome_note.as_deref().map(mask_personal_data),
            promised_by: row.promised_by,
            closed_at: row.closed_at,
            closed_on: row.closed_on,
            closed_by: row.closed_by_name,
            callback_count: row.callbacks,
            callbacks,
            may_act,
        }
    }
}

fn callback_view(row: &CallbackRow) -> CallbackView {
    CallbackView {
        id: row.id,
        called_on: row.called_on,
        method_label: CallbackMethod::parse(&row.method)
            .map(|m| m.label().to_owned())
            .unwrap_or_else(|| row.method.clone()),
        method: row.method.clone(),
        caller: row.caller.clone(),
        feedback: mask_personal_data(&row.feedback),
        satisfaction: row.satisfaction,
        satisfaction_label: row.satisfaction.map(level_label),
        recorded_at: row.recorded_at,
    }
}

fn task_not_found() -> AppError {
    AppError::not_found("整改任务不存在")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_methods_parse() {
        for outcome in RectificationOutcome::ALL {
            assert_eq!(RectificationOutcome::parse(outcome.as_str()), Some(outcome));
            assert_eq!(RectificationOutcome::parse(outcome.label()), Some(outcome));
        }
        assert_eq!(
            RectificationOutcome::parse("误评"),
            Some(RectificationOutcome::Appeal)
        );
        for method in CallbackMethod::ALL {
            assert_eq!(CallbackMethod::parse(method.label()), Some(method));
        }
        assert_eq!(CallbackMethod::parse("fax"), None);
    }
}
