//! The fixed words every workflow definition is written in: actions, who takes them, the kinds
//! of state and the outcomes a case can end with.
//!
//! Definitions are data, but their vocabulary is not: the meaning of each action (does it start
//! the clock, stop it, end the case) is fixed here, so an administrator can rearrange the steps
//! of a workflow without being able to invent an action the rest of the system does not know.

use crate::access::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What someone does to a case. The snake_case names are the stored and wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 提交: the applicant (or a window clerk for a walk-in applicant) files the application.
    Submit,
    /// 受理: the time limit starts; the day of acceptance is not counted.
    Accept,
    /// 不予受理, with the reason.
    Reject,
    /// 补正告知: lists the missing materials; stops the clock.
    RequestSupplement,
    /// 补正: the applicant hands in what was missing; the clock runs again.
    Supplement,
    /// 退回申请人: the application goes back to the applicant as a draft.
    ReturnToApplicant,
    /// 退回上一步.
    ReturnToPrevious,
    /// 撤回: the applicant withdraws, only before a decision.
    Withdraw,
    /// 转办: to another department, with the reason.
    Transfer,
    /// 审核 (通过).
    Review,
    /// 批准.
    Approve,
    /// 不予批准, with the reason.
    Deny,
    /// 办结: the time limit ends here.
    Complete,
    /// 送达: the result reaches the applicant.
    Deliver,
    /// 特别程序开始 (听证、检验、检测、检疫、鉴定、专家评审、实地核查 … stop the clock;
    /// 延长审批 extends the limit instead).
    StartSpecialProcedure,
    /// 特别程序结束, with the result.
    EndSpecialProcedure,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::Submit,
        Action::Accept,
        Action::Reject,
        Action::RequestSupplement,
        Action::Supplement,
        Action::ReturnToApplicant,
        Action::ReturnToPrevious,
        Action::Withdraw,
        Action::Transfer,
        Action::Review,
        Action::Approve,
        Action::Deny,
        Action::Complete,
        Action::Deliver,
        Action::StartSpecialProcedure,
        Action::EndSpecialProcedure,
    ];

    /// The stored name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::RequestSupplement => "request_supplement",
            Action::Supplement => "supplement",
            Action::ReturnToApplicant => "return_to_applicant",
            Action::ReturnToPrevious => "return_to_previous",
            Action::Withdraw => "withdraw",
            Action::Transfer => "transfer",
            Action::Review => "review",
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::Complete => "complete",
            Action::Deliver => "deliver",
            Action::StartSpecialProcedure => "start_special_procedure",
            Action::EndSpecialProcedure => "end_special_procedure",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Submit => "提交",
            Action::Accept => "受理",
            Action::Reject => "不予受理",
            Action::RequestSupplement => "补正告知",
            Action::Supplement => "补正",
            Action::ReturnToApplicant => "退回申请人",
            Action::ReturnToPrevious => "退回上一步",
            Action::Withdraw => "撤回",
            Action::Transfer => "转办",
            Action::Review => "审核",
            Action::Approve => "批准",
            Action::Deny => "不予批准",
            Action::Complete => "办结",
            Action::Deliver => "送达",
            Action::StartSpecialProcedure => "特别程序开始",
            Action::EndSpecialProcedure => "特别程序结束",
        }
    }

    /// Parses the stored name (`request_supplement`).
    pub fn parse(text: &str) -> Option<Self> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
    }

    /// Actions only staff take. The others are the applicant's: 提交 and 补正 (which a window
    /// clerk may also do for a walk-in applicant) and 撤回 (the applicant alone).
    pub fn is_staff_only(self) -> bool {
        !matches!(self, Action::Submit | Action::Supplement | Action::Withdraw)
    }

    /// Actions only the applicant takes: nobody withdraws an application for its applicant.
    pub fn is_applicant_only(self) -> bool {
        self == Action::Withdraw
    }

    /// Actions that must always say why (or, for 特别程序结束, what came of it), whatever a
    /// definition's `requires_comment` says: a refusal without reasons is unlawful
    /// (《行政许可法》第三十二条、第三十八条), and a return or transfer without one leaves the
    /// applicant guessing.
    pub fn requires_reason(self) -> bool {
        matches!(
            self,
            Action::Reject
                | Action::Deny
                | Action::Transfer
                | Action::ReturnToApplicant
                | Action::ReturnToPrevious
                | Action::StartSpecialProcedure
                | Action::EndSpecialProcedure
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Who takes an action: the applicant of the case, or staff in a role. Scope (department and
/// region) is the caller's business: a staff actor here already acts within its scope.
///
/// Stored as one word: `"applicant"` or the role's name (`"window_clerk"`, `"reviewer"` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Actor {
    /// 申请人, or an agent acting for the applicant with recorded consent.
    Applicant,
    Staff(Role),
}

/// An actor name that is neither `applicant` nor a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "未知执行人“{found}”，应为 applicant 或工作人员角色（{}）",
    role_names()
)]
pub struct UnknownActor {
    pub found: String,
}

fn role_names() -> String {
    Role::ALL.map(Role::as_str).join("、")
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Applicant => "applicant",
            Actor::Staff(role) => role.as_str(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Actor::Applicant => "申请人",
            Actor::Staff(role) => role.label(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, UnknownActor> {
        match text.trim() {
            "applicant" => Ok(Actor::Applicant),
            other => Role::parse(other)
                .map(Actor::Staff)
                .ok_or_else(|| UnknownActor {
                    found: text.to_owned(),
                }),
        }
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Actor::Staff(_))
    }
}

impl TryFrom<String> for Actor {
    type Error = UnknownActor;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Actor::parse(&value)
    }
}

impl From<Actor> for String {
    fn from(value: Actor) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 准予 (许可).
    Approved,
    /// 不予批准 (不予许可、不予办理).
    Denied,
    /// 不予受理.
    Rejected,
    /// 撤回.
    Withdrawn,
    /// 办结: a public service, confirmation or benefit that was handled.
    Completed,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Approved,
        Outcome::Denied,
        Outcome::Rejected,
        Outcome::Withdrawn,
        Outcome::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Denied => "denied",
            Outcome::Rejected => "rejected",
            Outcome::Withdrawn => "withdrawn",
            Outcome::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Approved => "准予",
            Outcome::Denied => "不予批准",
            Outcome::Rejected => "不予受理",
            Outcome::Withdrawn => "撤回",
            Outcome::Completed => "办结",
        }
    }

    /// Whether the applicant got what was applied for.
    pub fn is_granted(self) -> bool {
        matches!(self, Outcome::Approved | Outcome::Completed)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What kind of state a case is in. Serialised as in a state definition:
/// `{"kind":"active"}`, `{"kind":"final","outcome":"approved"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StateKind {
    /// The application being written; every workflow has exactly one, and starts there.
    Draft,
    /// Someone is to act and, once accepted, the clock runs.
    Active,
    /// Waiting for the applicant (补正) or for a special procedure: the clock stands still.
    Paused,
    /// The case is over.
    Final { outcome: Outcome },
}

impl StateKind {
    pub fn is_final(self) -> bool {
        matches!(self, StateKind::Final { .. })
    }

    pub fn outcome(self) -> Option<Outcome> {
        match self {
            StateKind::Final { outcome } => Some(outcome),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StateKind::Draft => "草稿",
            StateKind::Active => "办理中",
            StateKind::Paused => "暂停计时",
            StateKind::Final { .. } => "已结束",
        }
    }

    /// The name used in the stored shape of a state (`"kind": "final"`).
    pub fn tag(self) -> &'static str {
        match self {
            StateKind::Draft => "draft",
            StateKind::Active => "active",
            StateKind::Paused => "paused",
            StateKind::Final { .. } => "final",
        }
    }
}

/// The kind of a special procedure (特别程序种类). The legacy national exchange knows two:
/// A 延长审批 and B 其他; [`SpecialProcedure::legacy_code`] maps onto them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialProcedure {
    /// 听证.
    Hearing,
    /// 招标.
    Tendering,
    /// 拍卖.
    Auction,
    /// 检验.
    Inspection,
    /// 检测.
    Testing,
    /// 检疫.
    Quarantine,
    /// 鉴定.
    Appraisal,
    /// 专家评审.
    ExpertReview,
    /// 实地核查.
    SiteVerification,
    /// 延长审批: extends the limit by a number of working days instead of stopping the clock.
    Extension,
    /// 其他 (the legacy "等待补齐材料挂起" and the like).
    Other,
}

impl SpecialProcedure {
    pub const ALL: [SpecialProcedure; 11] = [
        SpecialProcedure::Hearing,
        SpecialProcedure::Tendering,
        SpecialProcedure::Auction,
        SpecialProcedure::Inspection,
        SpecialProcedure::Testing,
        SpecialProcedure::Quarantine,
        SpecialProcedure::Appraisal,
        SpecialProcedure::ExpertReview,
        SpecialProcedure::SiteVerification,
        SpecialProcedure::Extension,
        SpecialProcedure::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SpecialProcedure::Hearing => "hearing",
            SpecialProcedure::Tendering => "tendering",
            SpecialProcedure::Auction => "auction",
            SpecialProcedure::Inspection => "inspection",
            SpecialProcedure::Testing => "testing",
            SpecialProcedure::Quarantine => "quarantine",
            SpecialProcedure::Appraisal => "appraisal",
            SpecialProcedure::ExpertReview => "expert_review",
            SpecialProcedure::SiteVerification => "site_verification",
            SpecialProcedure::Extension => "extension",
            SpecialProcedure::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SpecialProcedure::Hearing => "听证",
            SpecialProcedure::Tendering => "招标",
            SpecialProcedure::Auction => "拍卖",
            SpecialProcedure::Inspection => "检验",
            SpecialProcedure::Testing => "检测",
            SpecialProcedure::Quarantine => "检疫",
            SpecialProcedure::Appraisal => "鉴定",
            SpecialProcedure::ExpertReview => "专家评审",
            SpecialProcedure::SiteVerification => "实地核查",
            SpecialProcedure::Extension => "延长审批",
            SpecialProcedure::Other => "其他",
        }
    }

    /// Parses the stored name or the Chinese label.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        SpecialProcedure::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text || kind.label() == text)
    }

    /// Whether the time it takes is left out of the limit (every kind but 延长审批).
    pub fn stops_clock(self) -> bool {
        self != SpecialProcedure::Extension
    }

    /// The legacy national exchange code: `A` 延长审批, `B` everything else.
    pub fn legacy_code(self) -> &'static str {
        match self {
            SpecialProcedure::Extension => "A",
            _ => "B",
        }
    }
}

impl fmt::Display for SpecialProcedure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_serialise_as_their_stored_names() {
        for action in Action::ALL {
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
            assert_eq!(Action::parse(action.as_str()), Some(action));
            assert_eq!(
                serde_json::from_str::<Action>(&json).unwrap(),
                action,
                "{json}"
            );
        }
        assert_eq!(Action::RequestSupplement.label(), "补正告知");
        assert_eq!(Action::parse("补正"), None);
    }

    #[test]
    fn actors_are_one_word() {
        assert_eq!(
            serde_json::to_string(&Actor::Staff(Role::WindowClerk)).unwrap(),
            "\"window_clerk\""
        );
        assert_eq!(
            serde_json::from_str::<Actor>("\"applicant\"").unwrap(),
            Actor::Applicant
        );
        let error = serde_json::from_str::<Actor>("\"boss\"").unwrap_err();
        assert!(error.to_string().starts_with("未知执行人“boss”"), "{error}");
        assert_eq!(Actor::Staff(Role::Approver).to_string(), "审批人员");
        assert_eq!(Actor::Applicant.to_string(), "申请人");
    }

    #[test]
    fn only_three_actions_belong_to_the_applicant() {
        let applicant: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|action| !action.is_staff_only())
            .collect();
        assert_eq!(
            applicant,
            vec![Action::Submit, Action::Supplement, Action::Withdraw]
        );
        assert!(Action::Withdraw.is_applicant_only());
        assert!(Action::Reject.requires_reason());
        assert!(!Action::Accept.requires_reason());
    }

    #[test]
    fn special_procedures_parse_labels_and_map_to_legacy_codes() {
        assert_eq!(
            SpecialProcedure::parse("专家评审"),
            Some(SpecialProcedure::ExpertReview)
        );
        assert_eq!(
            SpecialProcedure::parse("extension"),
            Some(SpecialProcedure::Extension)
        );
        assert!(!SpecialProcedure::Extension.stops_clock());
        assert!(SpecialProcedure::Hearing.stops_clock());
        assert_eq!(SpecialProcedure::Extension.legacy_code(), "A");
        assert_eq!(SpecialProcedure::Testing.legacy_code(), "B");
        assert_eq!(
            serde_json::to_string(&SpecialProcedure::SiteVerification).unwrap(),
            "\"site_verification\""
        );
    }

    #[test]
    fn outcomes_have_labels() {
        assert_eq!(Outcome::Rejected.label(), "不予受理");
        assert!(Outcome::Completed.is_granted());
        assert!(!Outcome::Withdrawn.is_granted());
        assert_eq!(
            StateKind::Final {
                outcome: Outcome::Denied
            }
            .outcome(),
            Some(Outcome::Denied)
        );
    }
}
