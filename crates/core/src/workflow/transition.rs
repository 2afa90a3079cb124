//! Taking an action: whether it is allowed here and to this actor, where the case goes and what
//! happens to its clock.

use super::clock::PauseKind;
use super::definition::{ActionDef, WorkflowDefinition};
use super::vocabulary::{Action, Actor, Outcome, SpecialProcedure};
use serde::{Deserialize, Serialize};

/// The longest comment (意见、理由) accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// An action with the details it needs: what an applicant or officer asks to do. Stored flat,
/// the details beside the action, and only the details that action takes:
///
/// ```json
/// {"action": "accept"}
/// {"action": "request_supplement", "materials": ["营业执照", "法定代表人身份证明"]}
/// {"action": "transfer", "department": "91460000MA5T0000XX"}
/// {"action": "start_special_procedure", "procedure": "hearing"}
/// {"action": "start_special_procedure", "procedure": "extension", "working_days": 10}
/// ```
///
/// The comment (理由、意见、特别程序结果) travels beside the command: the `comment` of
/// [`transition`], or of an [`ActionRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CommandShape", into = "CommandShape")]
pub enum Command {
    Submit,
    Accept,
    Reject,
    /// 补正告知: the missing materials, by name, at least one.
    RequestSupplement {
        materials: Vec<String>,
    },
    Supplement,
    ReturnToApplicant,
    ReturnToPrevious,
    Withdraw,
    /// 转办: the receiving department, as the caller identifies departments (its credit code).
    Transfer {
        department: String,
    },
    Review,
    Approve,
    Deny,
    Complete,
    Deliver,
    /// 特别程序开始. `working_days`: for 延长审批 the extension (required, more than 0); for the
    /// other kinds the planned duration (recorded, does not change the clock).
    StartSpecialProcedure {
        procedure: SpecialProcedure,
        working_days: Option<u32>,
    },
    /// 特别程序结束; the result is the comment.
    EndSpecialProcedure,
}

/// The body of an action request as a channel sends it (`POST /api/v1/cases/{id}/actions`):
/// the command's fields and the comment, flat, nothing else.
///
/// ```json
/// {"action": "reject", "comment": "不属于本部门职权范围"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RequestShape", into = "RequestShape")]
pub struct ActionRequest {
    pub command: Command,
    pub comment: Option<String>,
}

/// A command whose fields do not fit its action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("“{action}”不接受字段“{field}”")]
    UnexpectedField { action: Action, field: &'static str },
    #[error("“{action}”缺少字段“{field}”")]
    MissingField { action: Action, field: &'static str },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandShape {
    action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    materials: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    procedure: Option<SpecialProcedure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    working_days: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestShape {
    action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    materials: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    procedure: Option<SpecialProcedure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    working_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

impl TryFrom<CommandShape> for Command {
    type Error = CommandError;
    fn try_from(shape: CommandShape) -> Result<Self, Self::Error> {
        let CommandShape {
            action,
            materials,
            department,
            procedure,
            working_days,
        } = shape;
        let unexpected = |field| CommandError::UnexpectedField { action, field };
        let missing = |field| CommandError::MissingField { action, field };
        let takes = |field: &str| match action {
            Action::RequestSupplement => field == "materials",
            Action::Transfer => field == "department",
            Action::StartSpecialProcedure => field == "procedure" || field == "working_days",
            _ => false,
        };
        for (field, present) in [
            ("materials", materials.is_some()),
            ("department", department.is_some()),
            ("procedure", procedure.is_some()),
            ("working_days", working_days.is_some()),
        ] {
            if present && !takes(field) {
                return Err(unexpected(field));
            }
        }
        Ok(match action {
            Action::RequestSupplement => Command::RequestSupplement {
                materials: materials.ok_or_else(|| missing("materials"))?,
            },
            Action::Transfer => Command::Transfer {
                department: department.ok_or_else(|| missing("department"))?,
            },
            Action::StartSpecialProcedure => Command::StartSpecialProcedure {
                procedure: procedure.ok_or_else(|| missing("procedure"))?,
                working_days,
            },
            other => Command::without_details(other).ok_or_else(|| missing("action"))?,
        })
    }
}

impl From<Command> for CommandShape {
    fn from(command: Command) -> Self {
        let mut shape = CommandShape {
            action: command.action(),
            materials: None,
            department: None,
            procedure: None,
            working_days: None,
        };
        match command {
            Command::RequestSupplement { materials } => shape.materials = Some(materials),
            Command::Transfer { department } => shape.department = Some(department),
            Command::StartSpecialProcedure {
                procedure,
                working_days,
            } => {
                shape.procedure = Some(procedure);
                shape.working_days = working_days;
            }
            _ => {}
        }
        shape
    }
}

impl TryFrom<RequestShape> for ActionRequest {
    type Error = CommandError;
    fn try_from(shape: RequestShape) -> Result<Self, Self::Error> {
        let command = Command::try_from(CommandShape {
            action: shape.action,
            materials: shape.materials,
            department: shape.department,
            procedure: shape.procedure,
            working_days: shape.working_days,
        })?;
        Ok(ActionRequest {
            command,
            comment: shape.comment,
        })
    }
}

impl From<ActionRequest> for RequestShape {
    fn from(request: ActionRequest) -> Self {
        let CommandShape {
            materials,
            department,
            procedure,
            working_days,
            ..
        } = CommandShape::from(request.command.clone());
        RequestShape {
            action: request.command.action(),
            materials,
            department,
            procedure,
            working_days,
            comment: request.comment,
        }
    }
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Submit => Action::Submit,
            Command::Accept => Action::Accept,
            Command::Reject => Action::Reject,
            Command::RequestSupplement { .. } => Action::RequestSupplement,
            Command::Supplement => Action::Supplement,
            Command::ReturnToApplicant => Action::ReturnToApplicant,
            Command::ReturnToPrevious => Action::ReturnToPrevious,
            Command::Withdraw => Action::Withdraw,
            Command::Transfer { .. } => Action::Transfer,
            Command::Review => Action::Review,
            Command::Approve => Action::Approve,
            Command::Deny => Action::Deny,
            Command::Complete => Action::Complete,
            Command::Deliver => Action::Deliver,
            Command::StartSpecialProcedure { .. } => Action::StartSpecialProcedure,
            Command::EndSpecialProcedure => Action::EndSpecialProcedure,
        }
    }

    /// The command for an action that needs no details; `None` for 补正告知, 转办 and
    /// 特别程序开始.
    pub fn without_details(action: Action) -> Option<Command> {
        Some(match action {
            Action::Submit => Command::Submit,
            Action::Accept => Command::Accept,
            Action::Reject => Command::Reject,
            Action::Supplement => Command::Supplement,
            Action::ReturnToApplicant => Command::ReturnToApplicant,
            Action::ReturnToPrevious => Command::ReturnToPrevious,
            Action::Withdraw => Command::Withdraw,
            Action::Review => Command::Review,
            Action::Approve => Command::Approve,
            Action::Deny => Command::Deny,
            Action::Complete => Command::Complete,
            Action::Deliver => Command::Deliver,
            Action::EndSpecialProcedure => Command::EndSpecialProcedure,
            Action::RequestSupplement | Action::Transfer | Action::StartSpecialProcedure => {
                return None;
            }
        })
    }
}

/// What an action does to the case's clock. Apply it with [`super::CaseClock::apply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum ClockEffect {
    /// The clock goes on as it was.
    Unchanged,
    /// 受理: the limit starts counting from the next day (a later 受理, after 转办, does not
    /// restart it).
    Start,
    /// 补正告知 or 特别程序开始: the clock stops.
    Pause { kind: PauseKind },
    /// 补正 or 特别程序结束: the open pause ends and the clock runs again.
    Resume,
    /// 延长审批: the limit grows by `working_days`.
    Extend { working_days: u32, reason: String },
    /// 办结, or any end of the case: the time used is final.
    Stop,
}

/// The result of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub action: Action,
    pub from: String,
    /// The new state; the same as `from` for 转办 within a step and for 延长审批.
    pub to: String,
    /// How the case ended, when `to` is final.
    pub outcome: Option<Outcome>,
    pub clock: ClockEffect,
}

impl Transition {
    pub fn is_final(&self) -> bool {
        self.outcome.is_some()
    }
}

/// Why an action cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("流程“{workflow}”中没有状态“{state}”")]
    UnknownState { workflow: String, state: String },
    #[error("办件已结束（{label}），不能再{action}")]
    Finished { label: String, action: Action },
    #[error("当前状态“{label}”不能{action}；{}", allowed_message(allowed))]
    NotAllowed {
        state: String,
        label: String,
        action: Action,
        /// What the same actor may do in this state.
        allowed: Vec<Action>,
    },
    #[error(
        "{actor}不能在“{label}”状态下{action}，只有{}可以",
        join_actors(permitted)
    )]
    ActorNotPermitted {
        label: String,
        action: Action,
        actor: Actor,
        permitted: Vec<Actor>,
    },
    #[error("{}", missing_comment_message(*action))]
    MissingComment { action: Action },
    #[error("意见过长：最多 {max} 个字，实际 {found} 个")]
    CommentTooLong { max: usize, found: usize },
    #[error("补正告知必须列明需要补正的材料")]
    MissingMaterials,
    #[error("转办必须指定接收部门")]
    MissingDepartment,
    #[error("延长审批必须写明延长的工作日数（大于 0）")]
    MissingExtensionDays,
    #[error("流程定义有误：第 {number} 个动作“{action}”的目标状态“{to}”不存在")]
    BrokenDefinition {
        number: usize,
        action: Action,
        to: String,
    },
}

fn allowed_message(allowed: &[Action]) -> String {
    if allowed.is_empty() {
        "此状态下您没有可执行的操作".to_owned()
    } else {
        let names: Vec<&str> = allowed.iter().map(|action| action.label()).collect();
        format!("可执行的操作：{}", names.join("、"))
    }
}

fn join_actors(actors: &[Actor]) -> String {
    let names: Vec<&str> = actors.iter().map(|actor| actor.label()).collect();
    names.join("、")
}

fn missing_comment_message(action: Action) -> String {
    match action {
        Action::EndSpecialProcedure => "特别程序结束必须填写特别程序的结果".to_owned(),
        action if action.requires_reason() => format!("{action}必须说明理由"),
        action => format!("{action}必须填写意见"),
    }
}

/// Takes `command` on a case in `state`: checks that the action is defined here, that `actor`
/// may take it, and that its details and comment are there; returns where the case goes and
/// what happens to the clock. Pure: the caller stores the new state, applies the clock effect
/// and records the event.
pub fn transition(
    definition: &WorkflowDefinition,
    state: &str,
    command: &Command,
    actor: &Actor,
    comment: Option<&str>,
) -> Result<Transition, WorkflowError> {
    let action = command.action();
    let current = definition
        .state(state)
        .ok_or_else(|| WorkflowError::UnknownState {
            workflow: definition.code.clone(),
            state: state.to_owned(),
        })?;
    if current.is_final() {
        return Err(WorkflowError::Finished {
            label: current.label.clone(),
            action,
        });
    }
    let candidates: Vec<(usize, &ActionDef)> = definition
        .actions
        .iter()
        .enumerate()
        .filter(|(_, def)| def.action == action && def.from.iter().any(|from| from == state))
        .collect();
    if candidates.is_empty() {
        return Err(WorkflowError::NotAllowed {
            state: state.to_owned(),
            label: current.label.clone(),
            action,
            allowed: allowed_actions(definition, state, actor),
        });
    }
    let Some(&(index, def)) = candidates.iter().find(|(_, def)| def.by.contains(actor)) else {
        let mut permitted: Vec<Actor> = Vec::new();
        for actor in candidates.iter().flat_map(|(_, def)| def.by.iter()) {
            if !permitted.contains(actor) {
                permitted.push(*actor);
            }
        }
        return Err(WorkflowError::ActorNotPermitted {
            label: current.label.clone(),
            action,
            actor: *actor,
            permitted,
        });
    };

    let comment = comment.map(str::trim).filter(|text| !text.is_empty());
    if let Some(text) = comment {
        let found = text.chars().count();
        if found > MAX_COMMENT_CHARS {
            return Err(WorkflowError::CommentTooLong {
                max: MAX_COMMENT_CHARS,
                found,
            });
        }
    }
    let clock_details = check_details(command)?;
    if comment.is_none() && (def.requires_comment || action.requires_reason()) {
        return Err(WorkflowError::MissingComment { action });
    }

    // 延长审批 extends the limit where the case stands; nothing waits.
    let to = if matches!(clock_details, Details::Extension(_)) {
        current
    } else {
        definition
            .state(&def.to)
            .ok_or_else(|| WorkflowError::BrokenDefinition {
                number: index + 1,
                action,
                to: def.to.clone(),
            })?
    };
    let outcome = to.kind.outcome();
    let clock = if outcome.is_some() {
        ClockEffect::Stop
    } else {
        match (action, clock_details) {
            (_, Details::Extension(working_days)) => ClockEffect::Extend {
                working_days,
                reason: comment.unwrap_or_default().to_owned(),
            },
            (_, Details::Pause(kind)) => ClockEffect::Pause { kind },
            (Action::Accept, _) => ClockEffect::Start,
            (Action::Supplement | Action::EndSpecialProcedure, _) => ClockEffect::Resume,
            (Action::Complete, _) => ClockEffect::Stop,
            _ => ClockEffect::Unchanged,
        }
    };
    Ok(Transition {
        action,
        from: state.to_owned(),
        to: to.key.clone(),
        outcome,
        clock,
    })
}

/// What a command's details mean for the clock.
enum Details {
    Plain,
    Pause(PauseKind),
    Extension(u32),
}

fn check_details(command: &Command) -> Result<Details, WorkflowError> {
    Ok(match command {
        Command::RequestSupplement { materials } => {
            if materials.is_empty() || materials.iter().any(|name| name.trim().is_empty()) {
                return Err(WorkflowError::MissingMaterials);
            }
            Details::Pause(PauseKind::Supplement)
        }
        Command::Transfer { department } => {
            if department.trim().is_empty() {
                return Err(WorkflowError::MissingDepartment);
            }
            Details::Plain
        }
        Command::StartSpecialProcedure {
            procedure: SpecialProcedure::Extension,
            working_days,
        } => match working_days {
            Some(days) if *days > 0 => Details::Extension(*days),
            _ => return Err(WorkflowError::MissingExtensionDays),
        },
        Command::StartSpecialProcedure { procedure, .. } => {
            Details::Pause(PauseKind::Special(*procedure))
        }
        _ => Details::Plain,
    })
}

/// The actions `actor` may take in `state`, in definition order, each once: what the page
/// offers. Empty for a final or unknown state.
pub fn allowed_actions(definition: &WorkflowDefinition, state: &str, actor: &Actor) -> Vec<Action> {
    if definition
        .state(state)
        .is_none_or(|current| current.is_final())
    {
        return Vec::new();
    }
    let mut allowed = Vec::new();
    for def in definition.actions_from(state) {
        if def.by.contains(actor) && !allowed.contains(&def.action) {
            allowed.push(def.action);
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::catalog::ItemType;

    const CLERK: Actor = Actor::Staff(Role::WindowClerk);
    const REVIEWER: Actor = Actor::Staff(Role::Reviewer);
    const APPROVER: Actor = Actor::Staff(Role::Approver);

    fn licensing() -> WorkflowDefinition {
        WorkflowDefinition::default_for(ItemType::Licensing, false)
    }

    fn simple(action: Action) -> Command {
        Command::without_details(action).unwrap()
    }

    #[test]
    fn commands_are_tagged_by_action() {
        let command: Command =
            serde_json::from_str(r#"{"action":"request_supplement","materials":["营业执照"]}"#)
                .unwrap();
        assert_eq!(
            command,
            Command::RequestSupplement {
                materials: vec!["营业执照".into()]
            }
        );
        assert_eq!(
            serde_json::to_string(&Command::Accept).unwrap(),
            r#"{"action":"accept"}"#
        );
        let command: Command = serde_json::from_str(
            r#"{"action":"start_special_procedure","procedure":"extension","working_days":10}"#,
        )
        .unwrap();
        assert_eq!(command.action(), Action::StartSpecialProcedure);
        let error =
            serde_json::from_str::<Command>(r#"{"action":"accept","materials":[]}"#).unwrap_err();
        assert!(
            error.to_string().starts_with("“受理”不接受字段“materials”"),
            "{error}"
        );
        let error = serde_json::from_str::<Command>(r#"{"action":"transfer"}"#).unwrap_err();
        assert!(
            error.to_string().starts_with("“转办”缺少字段“department”"),
            "{error}"
        );
        assert!(serde_json::from_str::<Command>(r#"{"materials":["x"]}"#).is_err());
        assert!(serde_json::from_str::<Command>(r#"{"action":"accept","x":1}"#).is_err());

        let request: ActionRequest =
            serde_json::from_str(r#"{"action":"reject","comment":"不属于本部门职权范围"}"#)
                .unwrap();
        assert_eq!(request.command, Command::Reject);
        assert_eq!(request.comment.as_deref(), Some("不属于本部门职权范围"));
        let text = r#"{"action":"request_supplement","materials":["营业执照"],"comment":"请补充"}"#;
        let request: ActionRequest = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&request).unwrap(), text);
        assert!(
            serde_json::from_str::<ActionRequest>(r#"{"action":"accept","note":"x"}"#).is_err()
        );
        for action in Action::ALL {
            if let Some(command) = Command::without_details(action) {
                assert_eq!(command.action(), action);
            }
        }
    }

    #[test]
    fn acceptance_starts_the_clock() {
        let step = transition(&licensing(), "acceptance", &Command::Accept, &CLERK, None).unwrap();
        assert_eq!(step.to, "review");
        assert_eq!(step.clock, ClockEffect::Start);
        assert_eq!(step.outcome, None);
    }

    #[test]
    fn not_allowed_lists_what_the_actor_may_do() {
        let error =
            transition(&licensing(), "review", &Command::Approve, &REVIEWER, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "当前状态“待审核”不能批准；可执行的操作：补正告知、特别程序开始、转办、审核"
        );
        let error = transition(&licensing(), "review", &Command::Review, &CLERK, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "窗口受理人员不能在“待审核”状态下审核，只有审核人员可以"
        );
        let error =
            transition(&licensing(), "delivered", &Command::Accept, &CLERK, None).unwrap_err();
        assert_eq!(error.to_string(), "办件已结束（已送达），不能再受理");
        let error =
            transition(&licensing(), "nowhere", &Command::Accept, &CLERK, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "流程“default-licensing”中没有状态“nowhere”"
        );
    }

    #[test]
    fn refusals_need_reasons() {
        let error = transition(
            &licensing(),
            "acceptance",
            &Command::Reject,
            &CLERK,
            Some("  "),
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "不予受理必须说明理由");
        let step = transition(
            &licensing(),
            "acceptance",
            &Command::Reject,
            &CLERK,
            Some("不属于本部门职权范围"),
        )
        .unwrap();
        assert_eq!(step.outcome, Some(Outcome::Rejected));
        assert_eq!(step.clock, ClockEffect::Stop);
        let error = transition(
            &licensing(),
            "review_special",
            &Command::EndSpecialProcedure,
            &REVIEWER,
            None,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "特别程序结束必须填写特别程序的结果");
        let long = "理".repeat(MAX_COMMENT_CHARS + 1);
        let error = transition(
            &licensing(),
            "approval",
            &Command::Deny,
            &APPROVER,
            Some(&long),
        )
        .unwrap_err();
        assert!(matches!(error, WorkflowError::CommentTooLong { .. }));
    }

    #[test]
    fn supplement_requests_list_materials_and_pause() {
        let error = transition(
            &licensing(),
            "review",
            &Command::RequestSupplement { materials: vec![] },
            &REVIEWER,
            None,
        )
        .unwrap_err();
        assert_eq!(error, WorkflowError::MissingMaterials);
        let step = transition(
            &licensing(),
            "review",
            &Command::RequestSupplement {
                materials: vec!["场地使用证明".into()],
            },
            &REVIEWER,
            None,
        )
        .unwrap();
        assert_eq!(step.to, "review_supplement");
        assert_eq!(
            step.clock,
            ClockEffect::Pause {
                kind: PauseKind::Supplement
            }
        );
        let step = transition(
            &licensing(),
            "review_supplement",
            &simple(Action::Supplement),
            &Actor::Applicant,
            None,
        )
        .unwrap();
        assert_eq!(
            (step.to.as_str(), step.clock),
            ("review", ClockEffect::Resume)
        );
    }

    #[test]
    fn an_extension_stays_in_place_and_extends() {
        let extension = Command::StartSpecialProcedure {
            procedure: SpecialProcedure::Extension,
            working_days: Some(10),
        };
        let step = transition(
            &licensing(),
            "approval",
            &extension,
            &APPROVER,
            Some("经负责人批准"),
        )
        .unwrap();
        assert_eq!(step.to, "approval");
        assert_eq!(
            step.clock,
            ClockEffect::Extend {
                working_days: 10,
                reason: "经负责人批准".into()
            }
        );
        let without_days = Command::StartSpecialProcedure {
            procedure: SpecialProcedure::Extension,
            working_days: None,
        };
        assert_eq!(
            transition(
                &licensing(),
                "approval",
                &without_days,
                &APPROVER,
                Some("x")
            ),
            Err(WorkflowError::MissingExtensionDays)
        );
        let hearing = Command::StartSpecialProcedure {
            procedure: SpecialProcedure::Hearing,
            working_days: Some(20),
        };
        let step = transition(
            &licensing(),
            "approval",
            &hearing,
            &APPROVER,
            Some("依申请听证"),
        )
        .unwrap();
        assert_eq!(step.to, "approval_special");
        assert_eq!(
            step.clock,
            ClockEffect::Pause {
                kind: PauseKind::Special(SpecialProcedure::Hearing)
            }
        );
    }

    #[test]
    fn completing_stops_the_clock_before_delivery() {
        let step =
            transition(&licensing(), "completion", &Command::Complete, &CLERK, None).unwrap();
        assert_eq!(step.to, "delivery");
        assert_eq!(step.clock, ClockEffect::Stop);
        assert_eq!(step.outcome, None);
    }

    #[test]
    fn transfer_needs_a_department() {
        let error = transition(
            &licensing(),
            "acceptance",
            &Command::Transfer {
                department: " ".into(),
            },
            &CLERK,
            Some("属地管辖"),
        )
        .unwrap_err();
        assert_eq!(error, WorkflowError::MissingDepartment);
    }

    #[test]
    fn the_applicant_may_withdraw_until_the_decision() {
        let definition = licensing();
        for state in ["acceptance", "review", "review_supplement", "approval"] {
            assert!(
                allowed_actions(&definition, state, &Actor::Applicant).contains(&Action::Withdraw),
                "{state}"
            );
        }
        for state in ["completion", "delivery", "delivered"] {
            assert!(
                !allowed_actions(&definition, state, &Actor::Applicant).contains(&Action::Withdraw),
                "{state}"
            );
        }
        assert_eq!(
            allowed_actions(&definition, "approval", &APPROVER),
            vec![
                Action::StartSpecialProcedure,
                Action::ReturnToPrevious,
                Action::Approve,
                Action::Deny
            ]
        );
    }
}
