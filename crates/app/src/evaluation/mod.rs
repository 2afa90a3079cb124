//! 好差评: the applicant rates the service once a case has ended; a 不满意 or 非常不满意 opens a
//! rectification task (差评整改) for the handling department; province-wide statistics.
//!
//! **When a case can be rated.** Once its handling has ended: 办结 was recorded (the case may
//! still be 待送达) or the case reached a final state (已送达, 不予受理, 不予批准, 已撤回). Both
//! set the case's `completed_at`, which is what the rule reads. A rejected or withdrawn case is
//! rated like any other: 国办发〔2019〕51号 asks for every service to be open to evaluation, and a
//! refusal is exactly what people may want to complain about.
//!
//! **Who.** The applicant, or the agent (帮办代办) who filed the case with the applicant's live
//! consent. Anyone else who cannot see the case gets "not found"; staff who can see it get 403.
//! One rating per case (a unique index makes this hold under concurrent requests too).
//!
//! **Levels** are GB/T 39046 A.8 codes 1 非常满意 … 5 非常不满意; **channels** the 评价渠道 of
//! 表9. Without a channel the rating takes the one that matches the case's channel (web → PC端,
//! mobile → 移动服务端, kiosk → 政务大厅其他终端, window → 政务大厅平板电脑 (现场"一次一评" on the
//! window's rating pad), assisted and proactive → PC端 and 移动服务端).
//!
//! **Rectification deadline.** A number of working days on the official calendar, counted from
//! the day of the rating (that day not counted). The number is local policy (DOMAIN.md §3 lists
//! 5, 15 and "1-2-3" working days in different places); the platform uses 5, the Dezhou rule,
//! unless a province administrator stores another (setting `evaluation.rectification_working_days`,
//! 1–30).

mod rectification;
mod stats;

pub use rectification::{
    CallbackInput, CallbackMethod, CallbackView, CloseInput, RectificationListQuery,
    RectificationOutcome, RectificationPage, RectificationView,
};
pub use stats::{EvaluationStats, LevelFigure, StatsGrouping, StatsRow};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zerotrip_core::access::{AccountKind, Role};
use zerotrip_core::cases::Channel;
use zerotrip_store::cases as case_store;
use zerotrip_store::evaluations::{self as store, EvaluationRow, NewEvaluation, NewRectification};
use zerotrip_store::{StoreError, departments, settings};

use crate::App;
use crate::audit::SYSTEM_ACTOR;
use crate::auth::Principal;
use crate::cases::CaseAccess;
use crate::error::{AppError, AppResult};

/// Topics of the events of this module.
pub mod topics {
    /// Every rating. Payload: the rating (see [`super::EvaluationView`] fields).
    pub const EVALUATION_RECORDED: &str = "evaluation.recorded";
    /// A 不满意 / 非常不满意 rating and the rectification task it opened; 12345 work orders
    /// consume it.
    pub const EVALUATION_BAD: &str = "evaluation.bad";
    pub const RECTIFICATION_CALLBACK: &str = "rectification.callback_recorded";
    pub const RECTIFICATION_CLOSED: &str = "rectification.closed";
}

/// The setting that holds the rectification deadline in working days.
pub const RECTIFICATION_DAYS_SETTING: &str = "evaluation.rectification_working_days";
/// Working days a department has to handle a bad rating unless configured otherwise.
pub const DEFAULT_RECTIFICATION_WORKING_DAYS: u32 = 5;
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// 满意度 (GB/T 39046 A.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    VeryDissatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 5] = [
        Satisfaction::VerySatisfied,
        Satisfaction::Satisfied,
        Satisfaction::BasicallySatisfied,
        Satisfaction::Dissatisfied,
        Satisfaction::VeryDissatisfied,
    ];

    /// The A.8 code, 1–5.
    pub fn code(self) -> i64 {
        match self {
            Satisfaction::VerySatisfied => 1,
            Satisfaction::Satisfied => 2,
            Satisfaction::BasicallySatisfied => 3,
            Satisfaction::Dissatisfied => 4,
            Satisfaction::VeryDissatisfied => 5,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "非常满意",
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
            Satisfaction::VeryDissatisfied => "非常不满意",
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        Satisfaction::ALL.into_iter().find(|s| s.code() == code)
    }

    /// A code (`"1"`…`"5"`) or a label (`"非常满意"`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        match text.parse::<i64>() {
            Ok(code) => Satisfaction::from_code(code),
            Err(_) => Satisfaction::ALL.into_iter().find(|s| s.label() == text),
        }
    }

    /// 差评: 不满意 and 非常不满意.
    pub fn is_bad(self) -> bool {
        self.code() >= 4
    }
}

/// A level as clients send it: the code or the label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LevelInput {
    Code(i64),
    Text(String),
}

impl LevelInput {
    pub fn resolve(&self, field: &str) -> AppResult<Satisfaction> {
        let found = match self {
            LevelInput::Code(code) => Satisfaction::from_code(*code),
            LevelInput::Text(text) => Satisfaction::parse(text),
        };
        found.ok_or_else(|| {
            let given = match self {
                LevelInput::Code(code) => code.to_string(),
                LevelInput::Text(text) => text.chars().take(20).collect(),
            };
            AppError::field(
                field,
                format!(
                    "满意度“{given}”无效：应为 1–5 或 非常满意、满意、基本满意、不满意、非常不满意"
                ),
            )
        })
    }
}

/// 评价渠道 (GB/T 39046 表9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvaluationChannel {
    Pc,
    Mobile,
    QrCode,
    HallTablet,
    HallTerminal,
    Phone,
    Sms,
}

impl EvaluationChannel {
    pub const ALL: [EvaluationChannel; 7] = [
        EvaluationChannel::Pc,
        EvaluationChannel::Mobile,
        EvaluationChannel::QrCode,
        EvaluationChannel::HallTablet,
        EvaluationChannel::HallTerminal,
        EvaluationChannel::Phone,
        EvaluationChannel::Sms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationChannel::Pc => "pc",
            EvaluationChannel::Mobile => "mobile",
            EvaluationChannel::QrCode => "qr_code",
            EvaluationChannel::HallTablet => "hall_tablet",
            EvaluationChannel::HallTerminal => "hall_terminal",
            EvaluationChannel::Phone => "phone",
            EvaluationChannel::Sms => "sms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EvaluationChannel::Pc => "PC端",
            EvaluationChannel::Mobile => "移动服务端",
            EvaluationChannel::QrCode => "二维码",
            EvaluationChannel::HallTablet => "政务大厅平板电脑",
            EvaluationChannel::HallTerminal => "政务大厅其他终端",
            EvaluationChannel::Phone => "电话",
            EvaluationChannel::Sms => "短信",
        }
    }

    /// The code or the label.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        EvaluationChannel::ALL
            .into_iter()
            .find(|c| c.as_str() == text || c.label() == text)
    }

    /// The channel a rating of a case filed through `channel` most likely came through.
    pub fn for_case_channel(channel: Option<Channel>) -> Self {
        match channel {
            Some(Channel::Mobile | Channel::Proactive) => EvaluationChannel::Mobile,
            Some(Channel::Kiosk) => EvaluationChannel::HallTerminal,
            Some(Channel::Window) => EvaluationChannel::HallTablet,
            Some(Channel::Web | Channel::Assisted) | None => EvaluationChannel::Pc,
        }
    }
}

/// The label of a stored channel code (the code itself when unknown).
pub fn channel_label(code: &str) -> String {
    EvaluationChannel::parse(code)
        .map(|c| c.label().to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// The label of a stored level.
pub fn level_label(level: i64) -> String {
    Satisfaction::from_code(level)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|| level.to_string())
}

/// A rating as `POST /api/v1/cases/{id}/evaluation` takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    /// 1–5 or the label.
    pub level: LevelInput,
    #[serde(default)]
    pub comment: Option<String>,
    /// 评价渠道 code or label; defaults to the one matching the case's channel.
    #[serde(default)]
    pub channel: Option<String>,
}

/// The rectification task as the applicant sees it next to their rating.
#[derive(Debug, Clone, Serialize)]
pub struct RectificationBrief {
    pub id: i64,
    pub status: String,
    pub status_label: String,
    pub deadline: NaiveDate,
    pub outcome_label: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationView {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub department_id: i64,
    pub department_name: String,
    pub region_code: String,
    pub level: i64,
    pub level_label: String,
    pub bad: bool,
    pub comment: Option<String>,
    pub channel: String,
    pub channel_label: String,
    /// applicant | agent
    pub evaluator_role: String,
    pub created_at: DateTime<Utc>,
    pub rectification: Option<RectificationBrief>,
}

/// Whether a case can be rated, and its rating once there is one.
#[derive(Debug, Clone, Serialize)]
pub struct CaseEvaluation {
    pub case_id: i64,
    pub case_number: String,
    pub item_name: String,
    /// The viewer is the applicant or their agent.
    pub viewer_may_rate: bool,
    /// The case has ended and has no rating yet.
    pub open_for_rating: bool,
    /// Why it cannot be rated (now), for people.
    pub reason: Option<String>,
    /// The channel a rating would default to.
    pub default_channel: String,
    pub evaluation: Option<EvaluationView>,
}

/// Trims `value`, refuses control characters other than line breaks and tabs, and checks the
/// length in characters. `None` or blank is `None` unless `required`.
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

fn not_found() -> AppError {
    AppError::not_found("办件不存在")
}

impl App {
    /// Working days a department has to handle a bad rating (see the module documentation).
    pub async fn rectification_working_days(&self) -> AppResult<u32> {
        let stored = settings::get(&self.db, RECTIFICATION_DAYS_SETTING).await?;
        Ok(stored
            .and_then(|value| value.trim().parse::<u32>().ok())
            .filter(|days| (1..=30).contains(days))
            .unwrap_or(DEFAULT_RECTIFICATION_WORKING_DAYS))
    }

    /// Stores the rectification deadline (province administrators; 1–30 working days). Tasks
    /// already open keep theirs.
    pub async fn set_rectification_working_days(
        &self,
        principal: &Principal,
        days: u32,
    ) -> AppResult<u32> {
        principal.require(Role::ProvinceAdmin)?;
        if !(1..=30).contains(&days) {
            return Err(AppError::field(
                "rectification_working_days",
                format!("整改时限应为 1–30 个工作日，实际为 {days}"),
            ));
        }
        let before = self.rectification_working_days().await?;
        let mut tx = self.db.begin().await?;
        settings::set(&mut tx, RECTIFICATION_DAYS_SETTING, &days.to_string()).await?;
        self.audit(
            &mut tx,
            &principal.username,
            "evaluation.settings",
            "setting:evaluation.rectification_working_days",
            Some(&json!({"rectification_working_days": before})),
            Some(&json!({"rectification_working_days": days})),
        )
        .await?;
        tx.commit().await?;
        Ok(days)
    }

    /// Whether the principal may rate the case and its rating, for whoever may see the case.
    pub async fn case_evaluation(
        &self,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<CaseEvaluation> {
        let row = case_store::case(&self.db, case_id)
            .await?
            .ok_or_else(not_found)?;
        let access = self
            .case_access(principal, &row)
            .await?
            .ok_or_else(not_found)?;
        let viewer_may_rate = matches!(access, CaseAccess::Applicant | CaseAccess::Agent);
        let evaluation = match store::evaluation_of_case(&self.db, case_id).await? {
            Some(found) => Some(self.evaluation_view(found).await?),
            None => None,
        };
        let reason = if evaluation.is_some() {
            Some("该办件已评价，每件只能评价一次".to_owned())
        } else if row.completed_at.is_none() {
            Some("办件办结后才能评价".to_owned())
        } else if !viewer_may_rate {
            Some("只有申请人本人或其代理人可以评价".to_owned())
        } else {
            None
        };
        Ok(CaseEvaluation {
            case_id: row.id,
            case_number: row.number.clone(),
            item_name: row.item_name.clone(),
            viewer_may_rate,
            open_for_rating: evaluation.is_none() && row.completed_at.is_some(),
            reason,
            default_channel: EvaluationChannel::for_case_channel(Channel::parse(&row.channel))
                .as_str()
                .to_owned(),
            evaluation,
        })
    }

    /// Records the applicant's rating of a case; a bad one opens a rectification task for the
    /// handling department, in the same transaction as its audit record and outbox events.
    pub async fn rate_case(
        &self,
        principal: &Principal,
        case_id: i64,
        input: &EvaluationInput,
    ) -> AppResult<EvaluationView> {
        let row = case_store::case(&self.db, case_id)
            .await?
            .ok_or_else(not_found)?;
        let access = self
            .case_access(principal, &row)
            .await?
            .ok_or_else(not_found)?;
        let evaluator_role = match access {
            CaseAccess::Applicant => "applicant",
            CaseAccess::Agent => "agent",
            _ => {
                return Err(AppError::forbidden("只有申请人本人或其代理人可以评价办件"));
            }
        };
        let level = input.level.resolve("level")?;
        let comment = clean_text(
            "comment",
            "评价内容",
            input.comment.as_deref(),
            MAX_COMMENT_CHARS,
            false,
        )?;
        let channel = match input.channel.as_deref().map(str::trim) {
            None | Some("") => EvaluationChannel::for_case_channel(Channel::parse(&row.channel)),
            Some(text) => EvaluationChannel::parse(text).ok_or_else(|| {
                let names: Vec<&str> = EvaluationChannel::ALL.iter().map(|c| c.label()).collect();
                AppError::field(
                    "channel",
                    format!("评价渠道应为以下之一：{}", names.join("、")),
                )
            })?,
        };

        let mut tx = self.db.begin().await?;
        // Lock the case so the rating and the case's state are read together.
        let row = case_store::case_for_update(&mut tx, case_id)
            .await?
            .ok_or_else(not_found)?;
        if row.completed_at.is_none() {
            return Err(AppError::conflict("办件办结后才能评价"));
        }
        if store::evaluation_of_case_tx(&mut tx, case_id)
            .await?
            .is_some()
        {
            return Err(already_rated());
        }
        let now = self.clock.now();
        let real_name = principal.kind != AccountKind::Staff;
        let evaluation_id = store::insert_evaluation(
            &mut tx,
            NewEvaluation {
                case_id: row.id,
                case_number: row.number.clone(),
                item_code: row.item_code.clone(),
                item_name: row.item_name.clone(),
                department_id: row.handling_department_id,
                region_code: row.handling_region_code.clone(),
                case_channel: row.channel.clone(),
                applicant_account_id: row.applicant_account_id,
                evaluator_account_id: principal.account_id,
                evaluator_role: evaluator_role.to_owned(),
                level: level.code(),
                comment: comment.clone(),
                channel: channel.as_str().to_owned(),
                real_name,
                created_at: now,
            },
        )
        .await
        .map_err(|error| match error {
            StoreError::Conflict(_) => already_rated(),
            other => other.into(),
        })?;
        let payload = json!({
            "evaluation_id": evaluation_id,
            "case_id": row.id,
            "case_number": row.number,
            "item_code": row.item_code,
            "item_name": row.item_name,
            "department_id": row.handling_department_id,
            "region_code": row.handling_region_code,
            "level": level.code(),
            "level_label": level.label(),
            "channel": channel.as_str(),
            "evaluator_role": evaluator_role,
            "real_name": real_name,
        });
        self.emit(
            &mut tx,
            topics::EVALUATION_RECORDED,
            &row.number,
            payload.clone(),
        )
        .await?;
        if level.is_bad() {
            let days = self.rectification_working_days().await?;
            let opened_on = self.clock.today_in_china();
            let deadline = self.add_working_days(opened_on, days)?;
            let rectification_id = store::insert_rectification(
                &mut tx,
                NewRectification {
                    evaluation_id,
                    case_id: row.id,
                    department_id: row.handling_department_id,
                    region_code: row.handling_region_code.clone(),
                    working_days: i64::from(days),
                    opened_on,
                    deadline,
                    created_at: now,
                },
            )
            .await?;
            let after = json!({
                "case": row.number,
                "evaluation_id": evaluation_id,
                "level": level.code(),
                "department_id": row.handling_department_id,
                "region_code": row.handling_region_code,
                "working_days": days,
                "deadline": deadline,
            });
            self.audit(
                &mut tx,
                SYSTEM_ACTOR,
                "rectification.open",
                &format!("rectification:{rectification_id}"),
                None,
                Some(&after),
            )
            .await?;
            let mut bad = payload;
            bad["rectification_id"] = json!(rectification_id);
            bad["deadline"] = json!(deadline);
            bad["working_days"] = json!(days);
            bad["comment"] = json!(comment);
            bad["applicant_account_id"] = json!(row.applicant_account_id);
            self.emit(&mut tx, topics::EVALUATION_BAD, &row.number, bad)
                .await?;
        }
        tx.commit().await?;
        let stored = store::evaluation_of_case(&self.db, case_id)
            .await?
            .ok_or_else(|| AppError::internal("评价保存后无法读取"))?;
        self.evaluation_view(stored).await
    }

    async fn evaluation_view(&self, row: EvaluationRow) -> AppResult<EvaluationView> {
        let department_name = departments::department(&self.db, row.department_id)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        let rectification = store::rectification_of_evaluation(&self.db, row.id)
            .await?
            .map(|task| RectificationBrief {
                id: task.id,
                status_label: rectification::status_label(&task.status).to_owned(),
                status: task.status,
                deadline: task.deadline,
                outcome_label: task
                    .outcome
                    .as_deref()
                    .and_then(RectificationOutcome::parse)
                    .map(|o| o.label().to_owned()),
            });
        Ok(EvaluationView {
            id: row.id,
            case_id: row.case_id,
            case_number: row.case_number,
            item_code: row.item_code,
            item_name: row.item_name,
            department_id: row.department_id,
            department_name,
            region_code: row.region_code,
            level: row.level,
            level_label: level_label(row.level),
            bad: row.level >= 4,
            comment: row.comment,
            channel_label: channel_label(&row.channel),
            channel: row.channel,
            evaluator_role: row.evaluator_role,
            created_at: row.created_at,
            rectification,
        })
    }
}

fn already_rated() -> AppError {
    AppError::conflict("该办件已评价，每件只能评价一次")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_codes_and_labels() {
        for level in Satisfaction::ALL {
            assert_eq!(Satisfaction::from_code(level.code()), Some(level));
            assert_eq!(Satisfaction::parse(level.label()), Some(level));
            assert_eq!(Satisfaction::parse(&level.code().to_string()), Some(level));
        }
        assert_eq!(Satisfaction::parse("7"), None);
        assert_eq!(Satisfaction::parse("很好"), None);
        assert!(Satisfaction::Dissatisfied.is_bad());
        assert!(!Satisfaction::BasicallySatisfied.is_bad());
        assert!(LevelInput::Code(7).resolve("level").is_err());
        assert_eq!(
            LevelInput::Text("不满意".into()).resolve("level").ok(),
            Some(Satisfaction::Dissatisfied)
        );
    }

    #[test]
    fn channels_follow_the_case() {
        for channel in EvaluationChannel::ALL {
            assert_eq!(EvaluationChannel::parse(channel.as_str()), Some(channel));
            assert_eq!(EvaluationChannel::parse(channel.label()), Some(channel));
        }
        assert_eq!(
            EvaluationChannel::for_case_channel(Some(Channel::Window)),
            EvaluationChannel::HallTablet
        );
        assert_eq!(
            EvaluationChannel::for_case_channel(Some(Channel::Web)),
            EvaluationChannel::Pc
        );
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            clean_text("c", "评价", Some("  好  "), 5, false).ok(),
            Some(Some("好".to_owned()))
        );
        assert!(clean_text("c", "评价", Some(&"好".repeat(6)), 5, false).is_err());
        assert!(clean_text("c", "评价", Some("a\u{0}b"), 5, false).is_err());
        assert!(clean_text("c", "评价", Some("  "), 5, true).is_err());
        assert_eq!(region_prefix("460000"), "46");
        assert_eq!(region_prefix("460100"), "4601");
        assert_eq!(region_prefix("460106"), "460106");
    }
}
