//! A workflow definition: the states of a case, the actions between them and who may take each.
//!
//! The serde shape is what administrators edit and what is stored for each version; a running
//! case keeps the version it was filed under. Reading checks the shape (unknown fields, actions,
//! actors and outcomes are rejected where they are read); [`WorkflowDefinition::validate`]
//! checks the meaning and reports every problem at once.

use super::validate::{DefinitionProblem, InvalidDefinition};
use super::vocabulary::{Action, Actor, Outcome, StateKind};
use crate::calendar::WorkingDayCalendar;
use crate::catalog::ServiceItem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One workflow, one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDefinition {
    /// ASCII letters, digits, `-` and `_`, at most 40 characters (`default-licensing`).
    pub code: String,
    /// From 1; publishing a change creates the next version.
    pub version: u32,
    pub name: String,
    /// Exactly one state is the draft; a case starts there.
    pub states: Vec<StateDef>,
    pub actions: Vec<ActionDef>,
    /// Where the case's time limit comes from.
    pub total_sla: SlaSource,
}

/// One state. Stored flat: `{"key":"delivered","label":"已送达","kind":"final","outcome":"approved"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StateShape", into = "StateShape")]
pub struct StateDef {
    /// Lower-case ASCII letters, digits and `_`, starting with a letter: stored on each case.
    pub key: String,
    /// What applicants and staff see (`待审核`).
    pub label: String,
    pub kind: StateKind,
    /// How many working days the case may stay in this state (0 = the same day); `None` when
    /// only the whole-case limit applies.
    pub sla_days: Option<u32>,
}

/// One action: `action` may be taken in any state of `from`, by any of `by`, and leads to `to`.
/// An action may appear in several entries with different `from` states (转办 before and after
/// acceptance); the same action from the same state twice is ambiguous and rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    pub action: Action,
    /// State keys.
    pub from: Vec<String>,
    /// A state key. For 特别程序开始 of kind 延长审批 the case stays where it is: the limit is
    /// extended and nothing waits.
    pub to: String,
    pub by: Vec<Actor>,
    /// Whether a comment is required. Actions whose reason the law requires
    /// ([`Action::requires_reason`]) need one whatever this says, and validation insists it is
    /// `true` for them so the definition says what happens.
    #[serde(default)]
    pub requires_comment: bool,
}

/// Where the whole-case limit comes from. Stored as `"promised_days"`, `"legal_days"` or
/// `{"fixed": 20}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaSource {
    /// The item's 承诺办结时限.
    PromisedDays,
    /// The item's 法定办结时限.
    LegalDays,
    /// A fixed number of working days (0 = 即办).
    Fixed(u32),
}

impl SlaSource {
    /// The limit in working days for a case of this item; `None` when the item does not give
    /// the figure this source names (the catalogue's quality check reports such items).
    pub fn limit_for(self, item: &ServiceItem) -> Option<u32> {
        match self {
            SlaSource::PromisedDays => item.promised_days,
            SlaSource::LegalDays => item.legal_days,
            SlaSource::Fixed(days) => Some(days),
        }
    }

    pub fn label(self) -> String {
        match self {
            SlaSource::PromisedDays => "事项承诺办结时限".to_owned(),
            SlaSource::LegalDays => "事项法定办结时限".to_owned(),
            SlaSource::Fixed(0) => "即办".to_owned(),
            SlaSource::Fixed(days) => format!("{days} 个工作日"),
        }
    }
}

impl StateDef {
    pub fn is_final(&self) -> bool {
        self.kind.is_final()
    }

    /// The last day the case may stay here when it entered on `entered_on`: the `sla_days`-th
    /// working day after it (the day of entering is not counted), or that day itself for 0.
    pub fn deadline(
        &self,
        entered_on: NaiveDate,
        calendar: &WorkingDayCalendar,
    ) -> Option<NaiveDate> {
        self.sla_days
            .map(|days| calendar.add_working_days(entered_on, days))
    }
}

impl WorkflowDefinition {
    /// The state with this key.
    pub fn state(&self, key: &str) -> Option<&StateDef> {
        self.states.iter().find(|state| state.key == key)
    }

    /// The draft state a case starts in (the first, if a broken definition has several).
    pub fn initial_state(&self) -> Option<&StateDef> {
        self.states
            .iter()
            .find(|state| state.kind == StateKind::Draft)
    }

    /// The final states, in definition order.
    pub fn final_states(&self) -> impl Iterator<Item = &StateDef> {
        self.states.iter().filter(|state| state.is_final())
    }

    /// The actions that may be taken in a state, by anyone.
    pub fn actions_from<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a ActionDef> + 'a {
        self.actions
            .iter()
            .filter(move |def| def.from.iter().any(|from| from == key))
    }

    /// Every problem of the definition, in Chinese; empty when it is usable.
    pub fn problems(&self) -> Vec<DefinitionProblem> {
        super::validate::problems(self)
    }

    /// Checks the definition; the error lists every problem.
    pub fn validate(&self) -> Result<(), InvalidDefinition> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvalidDefinition { problems })
        }
    }

    /// Reads a definition as administrators write it and validates it: a shape error (with its
    /// line, column and path) or every problem of the meaning.
    pub fn from_json(text: &str) -> Result<Self, InvalidDefinition> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let definition: WorkflowDefinition = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|error| InvalidDefinition {
                problems: vec![json_problem(&error)],
            })?;
        deserializer.end().map_err(|error| InvalidDefinition {
            problems: vec![DefinitionProblem::Json {
                line: error.line(),
                column: error.column(),
                path: String::new(),
                message: "定义之后还有多余的内容".to_owned(),
            }],
        })?;
        definition.validate()?;
        Ok(definition)
    }

    /// The shipped definition for items of this type; see [`super::defaults`].
    pub fn default_for(item_type: crate::catalog::ItemType, instant: bool) -> Self {
        super::defaults::default_for(item_type, instant)
    }

    /// The shipped definition for this item: by its type, and 即办件 when its promised limit
    /// is 0 working days.
    pub fn default_for_item(item: &ServiceItem) -> Self {
        Self::default_for(item.item_type, item.is_instant())
    }
}

/// The stored shape of a state: the kind flattened, the outcome beside it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateShape {
    key: String,
    label: String,
    kind: KindTag,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sla_days: Option<u32>,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindTag {
    Draft,
    Active,
    Paused,
    Final,
}

/// A state whose kind and outcome do not go together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateShapeError {
    #[error(
        "终态（final）必须给出结果 outcome（approved、denied、rejected、withdrawn 或 completed）"
    )]
    FinalWithoutOutcome,
    #[error("只有终态（final）可以给出结果 outcome")]
    OutcomeOnOpenState,
}

impl TryFrom<StateShape> for StateDef {
    type Error = StateShapeError;
    fn try_from(shape: StateShape) -> Result<Self, Self::Error> {
        let kind = match (shape.kind, shape.outcome) {
            (KindTag::Final, Some(outcome)) => StateKind::Final { outcome },
            (KindTag::Final, None) => return Err(StateShapeError::FinalWithoutOutcome),
            (_, Some(_)) => return Err(StateShapeError::OutcomeOnOpenState),
            (KindTag::Draft, None) => StateKind::Draft,
            (KindTag::Active, None) => StateKind::Active,
            (KindTag::Paused, None) => StateKind::Paused,
        };
        Ok(StateDef {
            key: shape.key,
            label: shape.label,
            kind,
            sla_days: shape.sla_days,
        })
    }
}

impl From<StateDef> for StateShape {
    fn from(state: StateDef) -> Self {
        let (kind, outcome) = match state.kind {
            StateKind::Draft => (KindTag::Draft, None),
            StateKind::Active => (KindTag::Active, None),
            StateKind::Paused => (KindTag::Paused, None),
            StateKind::Final { outcome } => (KindTag::Final, Some(outcome)),
        };
        StateShape {
            key: state.key,
            label: state.label,
            kind,
            outcome,
            sla_days: state.sla_days,
        }
    }
}

/// A shape error with its position and a Chinese message.
fn json_problem(error: &serde_path_to_error::Error<serde_json::Error>) -> DefinitionProblem {
    let inner = error.inner();
    let path = error.path().to_string();
    let path = if path == "." { String::new() } else { path };
    DefinitionProblem::Json {
        line: inner.line(),
        column: inner.column(),
        path,
        message: chinese_serde_message(inner),
    }
}

/// serde_json reports in English; the usual messages in Chinese, our own (already Chinese)
/// unchanged.
fn chinese_serde_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let bare = text.strip_suffix(&suffix).unwrap_or(&text);
    let quoted: Vec<&str> = bare.split('`').skip(1).step_by(2).collect();
    let first = quoted.first().copied().unwrap_or_default();
    let rest = quoted.get(1..).unwrap_or_default().join("、");
    if error.is_syntax() || error.is_eof() {
        return format!("JSON 语法错误（{bare}）");
    }
    if bare.starts_with("unknown variant") {
        format!("未知取值“{first}”，应为 {rest}")
    } else if bare.starts_with("unknown field") {
        format!("未知字段“{first}”，应为 {rest}")
    } else if bare.starts_with("missing field") {
        format!("缺少必填字段“{first}”")
    } else if bare.starts_with("duplicate field") {
        format!("字段“{first}”重复出现")
    } else if let Some(detail) = bare.strip_prefix("invalid type: ") {
        format!("类型不符（{detail}）")
    } else if let Some(detail) = bare.strip_prefix("invalid value: ") {
        format!("取值无效（{detail}）")
    } else {
        bare.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    #[test]
    fn states_are_stored_flat() {
        let state = StateDef {
            key: "delivered".into(),
            label: "已送达".into(),
            kind: StateKind::Final {
                outcome: Outcome::Approved,
            },
            sla_days: None,
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            r#"{"key":"delivered","label":"已送达","kind":"final","outcome":"approved"}"#
        );
        assert_eq!(serde_json::from_str::<StateDef>(&json).unwrap(), state);

        let error = serde_json::from_str::<StateDef>(r#"{"key":"x","label":"x","kind":"final"}"#)
            .unwrap_err();
        assert!(
            error.to_string().starts_with("终态（final）必须给出结果"),
            "{error}"
        );
        let error = serde_json::from_str::<StateDef>(
            r#"{"key":"x","label":"x","kind":"active","outcome":"approved"}"#,
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("只有终态"), "{error}");
    }

    #[test]
    fn sla_sources_read_the_item() {
        assert_eq!(
            serde_json::to_string(&SlaSource::Fixed(20)).unwrap(),
            r#"{"fixed":20}"#
        );
        assert_eq!(
            serde_json::to_string(&SlaSource::PromisedDays).unwrap(),
            r#""promised_days""#
        );
        assert_eq!(SlaSource::Fixed(0).label(), "即办");
    }

    #[test]
    fn action_defs_default_requires_comment_to_false() {
        let def: ActionDef = serde_json::from_str(
            r#"{"action":"accept","from":["acceptance"],"to":"review","by":["window_clerk"]}"#,
        )
        .unwrap();
        assert!(!def.requires_comment);
        assert_eq!(def.by, vec![Actor::Staff(Role::WindowClerk)]);
    }

    #[test]
    fn shape_errors_name_the_place_in_chinese() {
        let error = WorkflowDefinition::from_json(
            r#"{"code":"x","version":1,"name":"x","states":[],"actions":[
                {"action":"approve_all","from":[],"to":"x","by":[]}],"total_sla":"promised_days"}"#,
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("actions[0].action"), "{message}");
        assert!(message.contains("未知取值“approve_all”"), "{message}");

        let error = WorkflowDefinition::from_json(r#"{"code":"x","version":1,"name":"x","states":[],"actions":[],"total_sla":"promised_days","owner":"me"}"#).unwrap_err();
        assert!(error.to_string().contains("未知字段“owner”"), "{error}");

        let error = WorkflowDefinition::from_json("{").unwrap_err();
        assert!(error.to_string().contains("JSON 语法错误"), "{error}");
    }
}
