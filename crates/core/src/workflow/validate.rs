//! What makes a workflow definition usable, and every way one can fail to be.
//!
//! Beyond the references (every state named exists, keys are unique), the rules keep the fixed
//! meaning of each action intact, because the clock and the case's outcome follow from it:
//! 补正告知 and 特别程序开始 lead into a paused state and only 补正 / 特别程序结束 (or an end of
//! the case) lead out of it; 不予受理, 不予批准 and 撤回 end the case with their own outcome;
//! the draft is left only by 提交. And the graph must work: every state reachable from the
//! draft, a final state reachable from every state.

use super::definition::WorkflowDefinition;
use super::vocabulary::{Action, Actor, Outcome, StateKind};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;

/// One problem of a definition. Action entries are numbered from 1 in the order written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionProblem {
    #[error("第 {line} 行第 {column} 列{}：{message}", at_path(path))]
    Json {
        line: usize,
        column: usize,
        path: String,
        message: String,
    },
    #[error("流程编码“{code}”无效：应为 1–40 个英文字母、数字、连字符或下划线")]
    BadCode { code: String },
    #[error("版本号应从 1 开始")]
    ZeroVersion,
    #[error("流程名称不能为空")]
    EmptyName,
    #[error("流程没有任何状态")]
    NoStates,
    #[error(
        "状态标识“{key}”无效：应为小写英文字母开头、由小写字母、数字和下划线组成，最多 40 个字符"
    )]
    BadStateKey { key: String },
    #[error("状态标识“{key}”重复出现")]
    DuplicateState { key: String },
    #[error("状态“{key}”缺少名称")]
    EmptyLabel { key: String },
    #[error("终态“{label}”（{key}）不应设置停留时限")]
    FinalWithSla { key: String, label: String },
    #[error("缺少初始状态：应有一个草稿（draft）状态")]
    NoDraft,
    #[error("只能有一个草稿（draft）状态，现有 {}", keys.join("、"))]
    SeveralDrafts { keys: Vec<String> },
    #[error("缺少终态（final）：办件无法结束")]
    NoFinal,
    #[error("第 {number} 个动作“{action}”没有起始状态")]
    EmptyFrom { number: usize, action: Action },
    #[error("第 {number} 个动作“{action}”的{}状态“{key}”不存在", if *is_target { "目标" } else { "起始" })]
    UnknownState {
        number: usize,
        action: Action,
        key: String,
        is_target: bool,
    },
    #[error("第 {number} 个动作“{action}”从终态“{key}”出发：办件结束后不能再办理")]
    FromFinal {
        number: usize,
        action: Action,
        key: String,
    },
    #[error("第 {number} 个动作“{action}”没有指定执行人，没有人可以执行")]
    NobodyMay { number: usize, action: Action },
    #[error("第 {number} 个动作：申请人不能执行“{action}”")]
    ApplicantMayNot { number: usize, action: Action },
    #[error("第 {number} 个动作：“{action}”只能由申请人提出，{actor}不能执行")]
    StaffMayNot {
        number: usize,
        action: Action,
        actor: Actor,
    },
    #[error("第 {number} 个动作“{action}”必须说明理由，requires_comment 应为 true")]
    ReasonRequired { number: usize, action: Action },
    #[error("第 {number} 个动作“{action}”只能从{expected}出发，“{key}”不是")]
    WrongSource {
        number: usize,
        action: Action,
        key: String,
        expected: &'static str,
    },
    #[error("第 {number} 个动作“{action}”应进入{expected}，“{key}”不是")]
    WrongTarget {
        number: usize,
        action: Action,
        key: String,
        expected: &'static str,
    },
    #[error("状态“{key}”下的“{action}”定义了不止一次，去向不明确")]
    Ambiguous { action: Action, key: String },
    #[error("暂停状态“{key}”既由补正告知又由特别程序进入，恢复时无法确定结束哪一种暂停")]
    MixedPause { key: String },
    #[error(
        "第 {number} 个动作：暂停状态“{key}”由{entered_by}进入，应由“{expected}”恢复，而不是“{action}”"
    )]
    PauseMismatch {
        number: usize,
        action: Action,
        key: String,
        entered_by: Action,
        expected: Action,
    },
    #[error("草稿状态没有“提交”动作，申请无法提交")]
    DraftWithoutSubmit,
    #[error("流程中没有“受理”动作，办理时限无法起算")]
    NoAccept,
    #[error("状态“{label}”（{key}）无法从草稿状态到达")]
    Unreachable { key: String, label: String },
    #[error("状态“{label}”（{key}）不是终态，却没有任何可执行的动作")]
    DeadEnd { key: String, label: String },
    #[error("从状态“{label}”（{key}）无法到达任何终态")]
    NoWayOut { key: String, label: String },
}

fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("（{path}）")
    }
}

/// A definition that cannot be used, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDefinition {
    pub problems: Vec<DefinitionProblem>,
}

impl fmt::Display for InvalidDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "流程定义有 {} 处问题：", self.problems.len())?;
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("；")?;
            }
            write!(f, "{}. {problem}", index + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidDefinition {}

impl InvalidDefinition {
    /// The messages, one per problem, for a list on a page.
    pub fn messages(&self) -> Vec<String> {
        self.problems.iter().map(ToString::to_string).collect()
    }
}

/// Every problem of `definition`, in the order: header, states, actions, pauses, graph.
pub(super) fn problems(definition: &WorkflowDefinition) -> Vec<DefinitionProblem> {
    let mut found = Vec::new();
    check_header(definition, &mut found);
    let kinds = check_states(definition, &mut found);
    check_actions(definition, &kinds, &mut found);
    check_pauses(definition, &kinds, &mut found);
    check_graph(definition, &kinds, &mut found);
    found
}

fn check_header(definition: &WorkflowDefinition, found: &mut Vec<DefinitionProblem>) {
    let code = &definition.code;
    let code_ok = (1..=40).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if !code_ok {
        found.push(DefinitionProblem::BadCode { code: code.clone() });
    }
    if definition.version == 0 {
        found.push(DefinitionProblem::ZeroVersion);
    }
    if definition.name.trim().is_empty() {
        found.push(DefinitionProblem::EmptyName);
    }
}

/// Checks the states; returns the kind of each key (the first, for a duplicated key).
fn check_states<'a>(
    definition: &'a WorkflowDefinition,
    found: &mut Vec<DefinitionProblem>,
) -> HashMap<&'a str, StateKind> {
    let mut kinds = HashMap::new();
    if definition.states.is_empty() {
        found.push(DefinitionProblem::NoStates);
    }
    let mut duplicates = BTreeSet::new();
    for state in &definition.states {
        if !is_state_key(&state.key) {
            found.push(DefinitionProblem::BadStateKey {
                key: state.key.clone(),
            });
        }
        if kinds.contains_key(state.key.as_str()) {
            if duplicates.insert(state.key.as_str()) {
                found.push(DefinitionProblem::DuplicateState {
                    key: state.key.clone(),
                });
            }
        } else {
            kinds.insert(state.key.as_str(), state.kind);
        }
        if state.label.trim().is_empty() {
            found.push(DefinitionProblem::EmptyLabel {
                key: state.key.clone(),
            });
        }
        if state.is_final() && state.sla_days.is_some() {
            found.push(DefinitionProblem::FinalWithSla {
                key: state.key.clone(),
                label: state.label.clone(),
            });
        }
    }
    let drafts: Vec<String> = definition
        .states
        .iter()
        .filter(|state| state.kind == StateKind::Draft)
        .map(|state| state.key.clone())
        .collect();
    match drafts.len() {
        0 if !definition.states.is_empty() => found.push(DefinitionProblem::NoDraft),
        0 | 1 => {}
        _ => found.push(DefinitionProblem::SeveralDrafts { keys: drafts }),
    }
    if !definition.states.is_empty() && definition.final_states().next().is_none() {
        found.push(DefinitionProblem::NoFinal);
    }
    kinds
}

/// `[a-z][a-z0-9_]{0,39}`.
fn is_state_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() <= 40
        && bytes.next().is_some_and(|first| first.is_ascii_lowercase())
        && bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// The kinds of state an action may start from, and how to say so.
fn source_rule(action: Action) -> (fn(StateKind) -> bool, &'static str) {
    match action {
        Action::Submit => (|kind| kind == StateKind::Draft, "草稿状态"),
        Action::Supplement | Action::EndSpecialProcedure => {
            (|kind| kind == StateKind::Paused, "暂停状态")
        }
        Action::Reject | Action::Deny | Action::Withdraw => (
            |kind| matches!(kind, StateKind::Active | StateKind::Paused),
            "办理中或暂停状态",
        ),
        _ => (|kind| kind == StateKind::Active, "办理中状态"),
    }
}

/// The kinds of state an action may lead to, and how to say so.
fn target_rule(action: Action) -> (fn(StateKind) -> bool, &'static str) {
    fn ends_with(kind: StateKind, outcome: Outcome) -> bool {
        kind == StateKind::Final { outcome }
    }
    match action {
        Action::Reject => (|kind| ends_with(kind, Outcome::Rejected), "“不予受理”终态"),
        Action::Deny => (|kind| ends_with(kind, Outcome::Denied), "“不予批准”终态"),
        Action::Withdraw => (|kind| ends_with(kind, Outcome::Withdrawn), "“撤回”终态"),
        Action::RequestSupplement | Action::StartSpecialProcedure => {
            (|kind| kind == StateKind::Paused, "暂停状态")
        }
        Action::ReturnToApplicant => (|kind| kind == StateKind::Draft, "草稿状态"),
        Action::Review | Action::Approve | Action::Complete | Action::Deliver => (
            |kind| {
                kind == StateKind::Active
                    || kind.outcome().is_some_and(|outcome| outcome.is_granted())
            },
            "办理中状态或“准予”“办结”终态",
        ),
        Action::Submit
        | Action::Accept
        | Action::ReturnToPrevious
        | Action::Transfer
        | Action::Supplement
        | Action::EndSpecialProcedure => (|kind| kind == StateKind::Active, "办理中状态"),
    }
}

fn check_actions(
    definition: &WorkflowDefinition,
    kinds: &HashMap<&str, StateKind>,
    found: &mut Vec<DefinitionProblem>,
) {
    let mut seen: HashSet<(Action, &str)> = HashSet::new();
    let mut ambiguous: BTreeSet<(Action, &str)> = BTreeSet::new();
    for (index, def) in definition.actions.iter().enumerate() {
        let number = index + 1;
        let action = def.action;
        if def.from.is_empty() {
            found.push(DefinitionProblem::EmptyFrom { number, action });
        }
        let (source_ok, source_expected) = source_rule(action);
        for key in &def.from {
            if !seen.insert((action, key.as_str())) {
                ambiguous.insert((action, key.as_str()));
            }
            match kinds.get(key.as_str()) {
                None => found.push(DefinitionProblem::UnknownState {
                    number,
                    action,
                    key: key.clone(),
                    is_target: false,
                }),
                Some(kind) if kind.is_final() => found.push(DefinitionProblem::FromFinal {
                    number,
                    action,
                    key: key.clone(),
                }),
                Some(&kind) if !source_ok(kind) => found.push(DefinitionProblem::WrongSource {
                    number,
                    action,
                    key: key.clone(),
                    expected: source_expected,
                }),
                Some(_) => {}
            }
        }
        let (target_ok, target_expected) = target_rule(action);
        match kinds.get(def.to.as_str()) {
            None => found.push(DefinitionProblem::UnknownState {
                number,
                action,
                key: def.to.clone(),
                is_target: true,
            }),
            Some(&kind) if !target_ok(kind) => found.push(DefinitionProblem::WrongTarget {
                number,
                action,
                key: def.to.clone(),
                expected: target_expected,
            }),
            Some(_) => {}
        }
        if def.by.is_empty() {
            found.push(DefinitionProblem::NobodyMay { number, action });
        }
        if action.is_staff_only() && def.by.contains(&Actor::Applicant) {
            found.push(DefinitionProblem::ApplicantMayNot { number, action });
        }
        if action.is_applicant_only()
            && let Some(&actor) = def.by.iter().find(|actor| actor.is_staff())
        {
            found.push(DefinitionProblem::StaffMayNot {
                number,
                action,
                actor,
            });
        }
        if action.requires_reason() && !def.requires_comment {
            found.push(DefinitionProblem::ReasonRequired { number, action });
        }
    }
    for (action, key) in ambiguous {
        found.push(DefinitionProblem::Ambiguous {
            action,
            key: key.to_owned(),
        });
    }
    let draft = definition.initial_state().map(|state| state.key.as_str());
    if let Some(draft) = draft
        && !definition
            .actions_from(draft)
            .any(|def| def.action == Action::Submit)
    {
        found.push(DefinitionProblem::DraftWithoutSubmit);
    }
    if !definition.states.is_empty()
        && !definition
            .actions
            .iter()
            .any(|def| def.action == Action::Accept)
    {
        found.push(DefinitionProblem::NoAccept);
    }
}

/// A paused state must be entered one way (补正告知 or 特别程序开始) and left by the matching
/// resumption, so the clock knows which pause ends.
fn check_pauses(
    definition: &WorkflowDefinition,
    kinds: &HashMap<&str, StateKind>,
    found: &mut Vec<DefinitionProblem>,
) {
    let mut entered: HashMap<&str, BTreeSet<Action>> = HashMap::new();
    for def in &definition.actions {
        if matches!(
            def.action,
            Action::RequestSupplement | Action::StartSpecialProcedure
        ) && kinds.get(def.to.as_str()) == Some(&StateKind::Paused)
        {
            entered
                .entry(def.to.as_str())
                .or_default()
                .insert(def.action);
        }
    }
    for state in &definition.states {
        if entered
            .get(state.key.as_str())
            .is_some_and(|by| by.len() > 1)
        {
            found.push(DefinitionProblem::MixedPause {
                key: state.key.clone(),
            });
        }
    }
    for (index, def) in definition.actions.iter().enumerate() {
        let (expected_entry, resumption) = match def.action {
            Action::Supplement => (Action::RequestSupplement, Action::Supplement),
            Action::EndSpecialProcedure => {
                (Action::StartSpecialProcedure, Action::EndSpecialProcedure)
            }
            _ => continue,
        };
        for key in &def.from {
            let Some(by) = entered.get(key.as_str()) else {
                continue;
            };
            if by.len() == 1
                && let Some(&entered_by) = by.first()
                && entered_by != expected_entry
            {
                found.push(DefinitionProblem::PauseMismatch {
                    number: index + 1,
                    action: resumption,
                    key: key.clone(),
                    entered_by,
                    expected: match entered_by {
                        Action::RequestSupplement => Action::Supplement,
                        _ => Action::EndSpecialProcedure,
                    },
                });
            }
        }
    }
}

/// Reachability from the draft, and a way to a final state from everywhere.
fn check_graph(
    definition: &WorkflowDefinition,
    kinds: &HashMap<&str, StateKind>,
    found: &mut Vec<DefinitionProblem>,
) {
    let mut forward: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut backward: HashMap<&str, Vec<&str>> = HashMap::new();
    for def in &definition.actions {
        if !kinds.contains_key(def.to.as_str()) {
            continue;
        }
        for from in &def.from {
            if kinds.contains_key(from.as_str()) {
                forward.entry(from).or_default().push(&def.to);
                backward.entry(&def.to).or_default().push(from);
            }
        }
    }
    let states = unique_states(definition);
    if let Some(draft) = definition.initial_state() {
        let reached = closure([draft.key.as_str()], &forward);
        for (key, label) in &states {
            if !reached.contains(key) {
                found.push(DefinitionProblem::Unreachable {
                    key: (*key).to_owned(),
                    label: (*label).to_owned(),
                });
            }
        }
    }
    let finals = definition.final_states().map(|state| state.key.as_str());
    let escapes = closure(finals, &backward);
    for (key, label) in &states {
        if kinds.get(key).is_some_and(|kind| kind.is_final()) {
            continue;
        }
        let problem = if forward.get(key).is_none_or(Vec::is_empty) {
            DefinitionProblem::DeadEnd {
                key: (*key).to_owned(),
                label: (*label).to_owned(),
            }
        } else if !escapes.contains(key) {
            DefinitionProblem::NoWayOut {
                key: (*key).to_owned(),
                label: (*label).to_owned(),
            }
        } else {
            continue;
        };
        found.push(problem);
    }
}

/// Each key once, with the label of its first definition, in definition order.
fn unique_states(definition: &WorkflowDefinition) -> Vec<(&str, &str)> {
    let mut seen = HashSet::new();
    definition
        .states
        .iter()
        .filter(|state| seen.insert(state.key.as_str()))
        .map(|state| (state.key.as_str(), state.label.as_str()))
        .collect()
}

/// The states reachable from `start` along `edges`, `start` included.
fn closure<'a>(
    start: impl IntoIterator<Item = &'a str>,
    edges: &HashMap<&'a str, Vec<&'a str>>,
) -> HashSet<&'a str> {
    let mut reached: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = VecDeque::new();
    for key in start {
        if reached.insert(key) {
            queue.push_back(key);
        }
    }
    while let Some(key) = queue.pop_front() {
        for &next in edges.get(key).into_iter().flatten() {
            if reached.insert(next) {
                queue.push_back(next);
            }
        }
    }
    reached
}
