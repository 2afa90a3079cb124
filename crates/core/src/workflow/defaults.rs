//! The workflows shipped with the product, one per kind of item, which an item may override.
//!
//! - 行政许可 (承诺件), `default-licensing`: 申请 → 受理 → 审核 → 审批 (批准 / 不予批准) → 办结
//!   → 送达. 补正 before acceptance and during 审核; 特别程序 during 审核 and 审批; 审批 may
//!   send the case back to 审核; 转办 until 审核 ends; the applicant may withdraw until the
//!   decision. An applicant who never supplements after acceptance gets a 不予批准 decision.
//! - every other type (公共服务、行政确认、行政给付 …), `default-general`: 受理 → 审核 → 办结 →
//!   送达, with the same 补正, 特别程序 (during 审核) and 转办, and 撤回 until 审核 passes.
//! - 即办件 of either, `default-licensing-instant` / `default-general-instant`: 受理 and the
//!   decision on the spot (当场办理 → 办结 or 不予批准), then 送达.
//!
//! Pauses resume into the state they paused, so each pausing state has its own paused state
//! (`review_supplement`, `review_special` …): the definition says where a case goes without
//! looking at its history.
//!
//! States' `sla_days`: 待受理 5 working days (《行政许可法》第三十二条: 补正 is notified on the
//! spot or within five days, or the application counts as accepted on receipt); 待送达 10
//! (第四十四条); 当场办理 0. The whole-case limit is the item's 承诺办结时限, or 0 for 即办件.

use super::definition::{ActionDef, SlaSource, StateDef, WorkflowDefinition};
use super::vocabulary::{Action, Actor, Outcome, StateKind};
use crate::access::Role;
use crate::catalog::ItemType;

const APPLICANT: Actor = Actor::Applicant;
const CLERK: Actor = Actor::Staff(Role::WindowClerk);
const REVIEWER: Actor = Actor::Staff(Role::Reviewer);
const APPROVER: Actor = Actor::Staff(Role::Approver);

/// The shipped definition for items of `item_type`; `instant` for 即办件.
pub fn default_for(item_type: ItemType, instant: bool) -> WorkflowDefinition {
    let licensing = item_type == ItemType::Licensing;
    match (licensing, instant) {
        (true, false) => licensing_promised(),
        (false, false) => general_promised(),
        (_, true) => instant_flow(licensing),
    }
}

/// Every shipped definition, for listing and for tests.
pub fn all_defaults() -> Vec<WorkflowDefinition> {
    vec![
        licensing_promised(),
        default_for(ItemType::Licensing, true),
        general_promised(),
        default_for(ItemType::PublicService, true),
    ]
}

fn state(key: &str, label: &str, kind: StateKind, sla_days: Option<u32>) -> StateDef {
    StateDef {
        key: key.to_owned(),
        label: label.to_owned(),
        kind,
        sla_days,
    }
}

fn final_state(key: &str, label: &str, outcome: Outcome) -> StateDef {
    state(key, label, StateKind::Final { outcome }, None)
}

fn act(action: Action, from: &[&str], to: &str, by: &[Actor]) -> ActionDef {
    ActionDef {
        action,
        from: from.iter().map(|key| (*key).to_owned()).collect(),
        to: to.to_owned(),
        by: by.to_vec(),
        requires_comment: action.requires_reason(),
    }
}

/// The states and actions around acceptance that every default shares: filing, 补正 before
/// acceptance, 不予受理, 退回, 转办 at the window.
fn acceptance_stage(accepted_into: &str) -> (Vec<StateDef>, Vec<ActionDef>) {
    let states = vec![
        state("draft", "填写申请", StateKind::Draft, None),
        state("acceptance", "待受理", StateKind::Active, Some(5)),
        state(
            "acceptance_supplement",
            "待补正（受理前）",
            StateKind::Paused,
            None,
        ),
    ];
    let actions = vec![
        act(
            Action::Submit,
            &["draft"],
            "acceptance",
            &[APPLICANT, CLERK],
        ),
        act(Action::Accept, &["acceptance"], accepted_into, &[CLERK]),
        act(
            Action::Reject,
            &["acceptance", "acceptance_supplement"],
            "rejected",
            &[CLERK],
        ),
        act(
            Action::RequestSupplement,
            &["acceptance"],
            "acceptance_supplement",
            &[CLERK],
        ),
        act(
            Action::Supplement,
            &["acceptance_supplement"],
            "acceptance",
            &[APPLICANT, CLERK],
        ),
        act(
            Action::ReturnToApplicant,
            &["acceptance"],
            "draft",
            &[CLERK],
        ),
        act(Action::Transfer, &["acceptance"], "acceptance", &[CLERK]),
    ];
    (states, actions)
}

/// 审核 with its 补正, 特别程序 and 转办, shared by the two promised flows.
fn review_stage(passed_into: &str) -> (Vec<StateDef>, Vec<ActionDef>) {
    let states = vec![
        state("review", "待审核", StateKind::Active, None),
        state(
            "review_supplement",
            "待补正（审核中）",
            StateKind::Paused,
            None,
        ),
        state(
            "review_special",
            "特别程序（审核中）",
            StateKind::Paused,
            None,
        ),
    ];
    let actions = vec![
        act(
            Action::RequestSupplement,
            &["review"],
            "review_supplement",
            &[REVIEWER],
        ),
        act(
            Action::Supplement,
            &["review_supplement"],
            "review",
            &[APPLICANT, CLERK],
        ),
        act(
            Action::StartSpecialProcedure,
            &["review"],
            "review_special",
            &[REVIEWER],
        ),
        act(
            Action::EndSpecialProcedure,
            &["review_special"],
            "review",
            &[REVIEWER],
        ),
        act(Action::Transfer, &["review"], "review", &[REVIEWER]),
        act(Action::Review, &["review"], passed_into, &[REVIEWER]),
    ];
    (states, actions)
}

/// 办结 and 送达, ending in `delivered` with `outcome`.
fn closing_stage(outcome: Outcome, completed_by: &[Actor]) -> (Vec<StateDef>, Vec<ActionDef>) {
    let states = vec![
        state("completion", "待办结", StateKind::Active, None),
        state("delivery", "待送达", StateKind::Active, Some(10)),
        final_state("delivered", "已送达", outcome),
    ];
    let actions = vec![
        act(Action::Complete, &["completion"], "delivery", completed_by),
        act(Action::Deliver, &["delivery"], "delivered", &[CLERK]),
    ];
    (states, actions)
}

fn ends(denied_label: &str) -> Vec<StateDef> {
    vec![
        final_state("denied", denied_label, Outcome::Denied),
        final_state("rejected", "不予受理", Outcome::Rejected),
        final_state("withdrawn", "已撤回", Outcome::Withdrawn),
    ]
}

fn licensing_promised() -> WorkflowDefinition {
    let (mut states, mut actions) = acceptance_stage("review");
    let (review_states, review_actions) = review_stage("approval");
    states.extend(review_states);
    actions.extend(review_actions);
    states.push(state("approval", "待审批", StateKind::Active, None));
    states.push(state(
        "approval_special",
        "特别程序（审批中）",
        StateKind::Paused,
        None,
    ));
    actions.extend([
        act(
            Action::StartSpecialProcedure,
            &["approval"],
            "approval_special",
            &[APPROVER],
        ),
        act(
            Action::EndSpecialProcedure,
            &["approval_special"],
            "approval",
            &[APPROVER],
        ),
        act(
            Action::ReturnToPrevious,
            &["approval"],
            "review",
            &[APPROVER],
        ),
        act(Action::Approve, &["approval"], "completion", &[APPROVER]),
        act(
            Action::Deny,
            &["approval", "review_supplement"],
            "denied",
            &[APPROVER],
        ),
        act(
            Action::Withdraw,
            &[
                "acceptance",
                "acceptance_supplement",
                "review",
                "review_supplement",
                "review_special",
                "approval",
                "approval_special",
            ],
            "withdrawn",
            &[APPLICANT],
        ),
    ]);
    let (closing_states, closing_actions) = closing_stage(Outcome::Approved, &[CLERK, APPROVER]);
    states.extend(closing_states);
    actions.extend(closing_actions);
    states.extend(ends("不予批准"));
    WorkflowDefinition {
        code: "default-licensing".to_owned(),
        version: 1,
        name: "行政许可（承诺件）默认流程".to_owned(),
        states,
        actions,
        total_sla: SlaSource::PromisedDays,
    }
}

fn general_promised() -> WorkflowDefinition {
    let (mut states, mut actions) = acceptance_stage("review");
    let (review_states, review_actions) = review_stage("completion");
    states.extend(review_states);
    actions.extend(review_actions);
    actions.extend([
        act(
            Action::Deny,
            &["review", "review_supplement"],
            "denied",
            &[REVIEWER],
        ),
        act(
            Action::ReturnToPrevious,
            &["completion"],
            "review",
            &[CLERK, REVIEWER],
        ),
        act(
            Action::Withdraw,
            &[
                "acceptance",
                "acceptance_supplement",
                "review",
                "review_supplement",
                "review_special",
            ],
            "withdrawn",
            &[APPLICANT],
        ),
    ]);
    let (closing_states, closing_actions) = closing_stage(Outcome::Completed, &[CLERK, REVIEWER]);
    states.extend(closing_states);
    actions.extend(closing_actions);
    states.extend(ends("不予办理"));
    WorkflowDefinition {
        code: "default-general".to_owned(),
        version: 1,
        name: "公共服务、行政确认、行政给付等默认流程".to_owned(),
        states,
        actions,
        total_sla: SlaSource::PromisedDays,
    }
}

fn instant_flow(licensing: bool) -> WorkflowDefinition {
    let (mut states, mut actions) = acceptance_stage("handling");
    let outcome = if licensing {
        Outcome::Approved
    } else {
        Outcome::Completed
    };
    states.extend([
        state("handling", "当场办理", StateKind::Active, Some(0)),
        state("delivery", "待送达", StateKind::Active, Some(10)),
        final_state("delivered", "已送达", outcome),
    ]);
    actions.extend([
        act(Action::Complete, &["handling"], "delivery", &[CLERK]),
        act(Action::Deny, &["handling"], "denied", &[CLERK]),
        act(
            Action::Withdraw,
            &["acceptance", "acceptance_supplement"],
            "withdrawn",
            &[APPLICANT],
        ),
        act(Action::Deliver, &["delivery"], "delivered", &[CLERK]),
    ]);
    states.extend(ends(if licensing {
        "不予批准"
    } else {
        "不予办理"
    }));
    let (code, name) = if licensing {
        ("default-licensing-instant", "行政许可即办件默认流程")
    } else {
        ("default-general-instant", "即办件默认流程")
    };
    WorkflowDefinition {
        code: code.to_owned(),
        version: 1,
        name: name.to_owned(),
        states,
        actions,
        total_sla: SlaSource::Fixed(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_validates() {
        for definition in all_defaults() {
            assert_eq!(definition.problems(), vec![], "{}", definition.code);
        }
        for &item_type in ItemType::ALL {
            for instant in [false, true] {
                let definition = default_for(item_type, instant);
                assert!(definition.validate().is_ok(), "{item_type} {instant}");
            }
        }
    }

    #[test]
    fn types_map_to_the_four_defaults() {
        assert_eq!(
            default_for(ItemType::Licensing, false).code,
            "default-licensing"
        );
        assert_eq!(
            default_for(ItemType::Licensing, true).code,
            "default-licensing-instant"
        );
        assert_eq!(
            default_for(ItemType::Benefit, false).code,
            "default-general"
        );
        assert_eq!(
            default_for(ItemType::Confirmation, true).code,
            "default-general-instant"
        );
        let outcome = |definition: &WorkflowDefinition| {
            definition
                .state("delivered")
                .and_then(|state| state.kind.outcome())
        };
        assert_eq!(
            outcome(&default_for(ItemType::PublicService, false)),
            Some(Outcome::Completed)
        );
        assert_eq!(
            outcome(&default_for(ItemType::Licensing, true)),
            Some(Outcome::Approved)
        );
    }

    #[test]
    fn the_licensing_steps_follow_the_standard_process() {
        let definition = default_for(ItemType::Licensing, false);
        let happy = [
            ("draft", Action::Submit, "acceptance"),
            ("acceptance", Action::Accept, "review"),
            ("review", Action::Review, "approval"),
            ("approval", Action::Approve, "completion"),
            ("completion", Action::Complete, "delivery"),
            ("delivery", Action::Deliver, "delivered"),
        ];
        for (from, action, to) in happy {
            let def = definition
                .actions_from(from)
                .find(|def| def.action == action)
                .unwrap();
            assert_eq!(def.to, to, "{from} {action}");
        }
    }
}
