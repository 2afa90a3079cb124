//! Case workflows through the public API: the shipped definitions, transitions, and time limits
//! across the 2024 Spring Festival and National Day on the official calendar.
//!
//! The expected dates are worked out by hand from the State Council notices for 2024 (the data
//! shipped as `data/reference/cn-holidays.csv`):
//! - 春节: 02-10 (Sat) .. 02-17 (Sat) off; Sun 02-04 and Sun 02-18 are working days.
//! - 清明: 04-04 .. 04-06 off; Sun 04-07 worked.
//! - 国庆: 10-01 .. 10-07 off; Sun 09-29 and Sat 10-12 are working days.
//! - nothing else between 02-19 and 04-03, or between 10-08 and 12-31.

use chrono::NaiveDate;
use zerotrip_core::access::Role;
use zerotrip_core::calendar::WorkingDayCalendar;
use zerotrip_core::catalog::ItemType;
use zerotrip_core::workflow::{
    Action, ActionDef, Actor, CaseClock, ClockEffect, Command, DeadlineStatus, DefinitionProblem,
    Outcome, Pause, PauseKind, SlaSource, SpecialProcedure, StateDef, StateKind, Transition,
    WorkflowDefinition, WorkflowError, all_defaults, allowed_actions, transition,
};

const CLERK: Actor = Actor::Staff(Role::WindowClerk);
const REVIEWER: Actor = Actor::Staff(Role::Reviewer);
const APPROVER: Actor = Actor::Staff(Role::Approver);

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn calendar() -> WorkingDayCalendar {
    WorkingDayCalendar::official()
}

fn accepted(on: &str, limit: u32) -> CaseClock {
    let mut clock = CaseClock::new(limit);
    clock.apply(&ClockEffect::Start, d(on)).unwrap();
    clock
}

fn closed(kind: PauseKind, from: &str, until: &str) -> Pause {
    Pause {
        kind,
        from: d(from),
        until: Some(d(until)),
    }
}

// ---------------------------------------------------------------------------------------------
// Time limits

#[test]
fn twenty_working_days_across_the_2024_spring_festival() {
    // Accepted Mon 02-05 (not counted). 02-06 Tue 1, 07 2, 08 3, 09 Fri 4; 02-10..17 off;
    // Sun 02-18 (adjusted) 5, 19–23 6–10, 26–29 11–14, Fri 03-01 15, 03-04..08 16–20.
    let clock = accepted("2024-02-05", 20);
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-08")));
    // Naive weekdays would have said Mon 03-04.
    assert_eq!(clock.working_days_used(d("2024-02-17"), &calendar()), 4);
    assert_eq!(clock.working_days_used(d("2024-02-18"), &calendar()), 5);
    assert_eq!(clock.working_days_used(d("2024-03-08"), &calendar()), 20);
    assert_eq!(
        clock.working_days_left(d("2024-02-18"), &calendar()),
        Some(15)
    );
}

#[test]
fn the_adjusted_sunday_before_the_festival_counts_only_after_acceptance() {
    // Accepted Fri 02-02: Sun 02-04 (adjusted) is day 1, 02-05..09 days 2–6, 02-18 day 7,
    // 19–23 8–12, 26–29 13–16, 03-01 17, 03-04 18, 03-05 19, Wed 03-06 20.
    let clock = accepted("2024-02-02", 20);
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-06")));
    assert_eq!(clock.working_days_used(d("2024-02-04"), &calendar()), 1);
}

#[test]
fn ten_working_days_across_national_day_2024() {
    // Accepted Fri 09-27. Sun 09-29 (adjusted) 1, Mon 09-30 2; 10-01..07 off; 10-08 Tue 3,
    // 09 4, 10 5, 11 Fri 6, Sat 10-12 (adjusted) 7, 14 Mon 8, 15 9, Wed 10-16 10.
    let clock = accepted("2024-09-27", 10);
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-10-16")));
    assert_eq!(clock.working_days_used(d("2024-10-07"), &calendar()), 2);
    assert_eq!(clock.working_days_used(d("2024-10-12"), &calendar()), 7);
    assert_eq!(clock.working_days_used(d("2024-10-13"), &calendar()), 7);
}

#[test]
fn a_supplement_pause_in_the_middle_of_national_day_week_two() {
    // As above; 补正告知 on Wed 10-09 (day 4, counted), materials in on Mon 10-14.
    // Not counted: (10-09, 10-14] = Thu 10, Fri 11, Sat 12 (adjusted), Mon 14: 4 working days.
    // Day 5 is Tue 10-15, 6 Wed 16, 7 Thu 17, 8 Fri 18, 9 Mon 21, 10 Tue 10-22.
    let mut clock = accepted("2024-09-27", 10);
    clock
        .apply(
            &ClockEffect::Pause {
                kind: PauseKind::Supplement,
            },
            d("2024-10-09"),
        )
        .unwrap();
    assert!(clock.is_paused());
    assert_eq!(clock.deadline(&calendar()), None);
    assert_eq!(
        clock.status(d("2024-10-10"), &calendar()),
        DeadlineStatus::Paused
    );
    assert_eq!(clock.working_days_used(d("2024-10-11"), &calendar()), 4);
    assert_eq!(
        clock.working_days_left(d("2024-10-11"), &calendar()),
        Some(6)
    );
    // Supplementing on 10-14 would give 10-22: the projection says so while still paused.
    assert_eq!(
        clock.projected_deadline(d("2024-10-14"), &calendar()),
        Some(d("2024-10-22"))
    );

    clock.apply(&ClockEffect::Resume, d("2024-10-14")).unwrap();
    assert!(!clock.is_paused());
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-10-22")));
    assert_eq!(clock.working_days_used(d("2024-10-14"), &calendar()), 4);
    assert_eq!(clock.working_days_used(d("2024-10-15"), &calendar()), 5);
}

#[test]
fn a_pause_over_the_holiday_itself_only_costs_its_working_days() {
    // Notice on Mon 09-30 (day 2), materials in on Wed 10-09: (09-30, 10-09] holds only the
    // working days 10-08 and 10-09; the holiday was never counted. Day 3 is Thu 10-10, then
    // 11 4, 12 (Sat, adjusted) 5, 14 6, 15 7, 16 8, 17 9, Fri 10-18 10.
    let mut clock = accepted("2024-09-27", 10);
    clock
        .pauses
        .push(closed(PauseKind::Supplement, "2024-09-30", "2024-10-09"));
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-10-18")));
}

#[test]
fn special_procedures_stop_the_clock_like_a_supplement() {
    // 专家评审 from Wed 10-09 to Mon 10-14: the same four working days as the 补正 above.
    let mut clock = accepted("2024-09-27", 10);
    clock.pauses.push(closed(
        PauseKind::Special(SpecialProcedure::ExpertReview),
        "2024-10-09",
        "2024-10-14",
    ));
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-10-22")));
}

#[test]
fn an_extension_of_ten_working_days() {
    // Spring Festival case: 03-08 + 10 working days = 03-11..15 (21–25), 03-18..22 (26–30).
    let mut clock = accepted("2024-02-05", 20);
    clock
        .apply(
            &ClockEffect::Extend {
                working_days: 10,
                reason: "经本机关负责人批准延长十日".into(),
            },
            d("2024-02-29"),
        )
        .unwrap();
    assert_eq!(clock.total_limit(), 30);
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-03-22")));
    assert_eq!(clock.extensions[0].granted_on, d("2024-02-29"));

    // National Day case with the 补正 pause (deadline 10-22) and the same extension:
    // 10-23 1, 24 2, 25 3, 28 4, 29 5, 30 6, 31 7, 11-01 8, 11-04 9, Tue 11-05 10.
    let mut clock = accepted("2024-09-27", 10);
    clock
        .pauses
        .push(closed(PauseKind::Supplement, "2024-10-09", "2024-10-14"));
    clock
        .extend(10, "经本机关负责人批准延长十日", d("2024-10-16"))
        .unwrap();
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-11-05")));
}

#[test]
fn status_around_a_wednesday_deadline() {
    // National Day case, deadline Wed 10-16.
    let clock = accepted("2024-09-27", 10);
    let status = |day: &str| clock.status(d(day), &calendar());
    // Fri 10-11: (10-11, 10-16] holds 12 (Sat, adjusted), 14, 15, 16: four left.
    assert_eq!(status("2024-10-11"), DeadlineStatus::Normal);
    // Sun 10-13: 14, 15, 16 left.
    assert_eq!(status("2024-10-13"), DeadlineStatus::Normal);
    // Mon 10-14: 15 and 16 left.
    assert_eq!(status("2024-10-14"), DeadlineStatus::DueSoon);
    // The day before, the day of and the day after the deadline.
    assert_eq!(status("2024-10-15"), DeadlineStatus::DueSoon);
    assert_eq!(status("2024-10-16"), DeadlineStatus::DueSoon);
    assert_eq!(status("2024-10-17"), DeadlineStatus::Overdue);
    assert_eq!(
        clock.working_days_left(d("2024-10-17"), &calendar()),
        Some(-1)
    );
    assert_eq!(DeadlineStatus::Overdue.label(), "已超期");
}

#[test]
fn status_around_a_friday_deadline() {
    // Spring Festival case, deadline Fri 03-08.
    let clock = accepted("2024-02-05", 20);
    let status = |day: &str| clock.status(d(day), &calendar());
    assert_eq!(status("2024-03-05"), DeadlineStatus::Normal);
    assert_eq!(status("2024-03-06"), DeadlineStatus::DueSoon);
    assert_eq!(status("2024-03-07"), DeadlineStatus::DueSoon);
    assert_eq!(status("2024-03-08"), DeadlineStatus::DueSoon);
    // The Saturday after is not a working day, but the deadline has passed.
    assert_eq!(status("2024-03-09"), DeadlineStatus::Overdue);
    assert_eq!(
        clock.working_days_left(d("2024-03-09"), &calendar()),
        Some(0)
    );
    assert_eq!(status("2024-03-11"), DeadlineStatus::Overdue);
}

#[test]
fn before_acceptance_there_is_no_deadline() {
    let clock = CaseClock::new(20);
    assert_eq!(clock.deadline(&calendar()), None);
    assert_eq!(clock.working_days_left(d("2024-03-01"), &calendar()), None);
    assert_eq!(
        clock.status(d("2024-03-01"), &calendar()),
        DeadlineStatus::Normal
    );
}

// ---------------------------------------------------------------------------------------------
// A case from application to delivery

/// Takes `command` and applies its clock effect, as a use case would.
fn act(
    definition: &WorkflowDefinition,
    state: &mut String,
    clock: &mut CaseClock,
    command: Command,
    actor: Actor,
    comment: Option<&str>,
    on: &str,
) -> Transition {
    let step = transition(definition, state, &command, &actor, comment).unwrap();
    clock.apply(&step.clock, d(on)).unwrap();
    *state = step.to.clone();
    step
}

#[test]
fn a_licence_from_application_to_delivery() {
    let definition = WorkflowDefinition::default_for(ItemType::Licensing, false);
    assert_eq!(definition.total_sla, SlaSource::PromisedDays);
    let mut state = definition.initial_state().unwrap().key.clone();
    let mut clock = CaseClock::new(10);
    let cal = calendar();

    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Submit,
        Actor::Applicant,
        None,
        "2024-09-26",
    );
    assert_eq!(state, "acceptance");
    assert_eq!(clock.deadline(&cal), None);

    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Accept,
        CLERK,
        None,
        "2024-09-27",
    );
    assert_eq!(clock.deadline(&cal), Some(d("2024-10-16")));

    let supplement = Command::RequestSupplement {
        materials: vec!["经营场所使用证明".into()],
    };
    act(
        &definition,
        &mut state,
        &mut clock,
        supplement,
        REVIEWER,
        None,
        "2024-10-09",
    );
    assert_eq!(state, "review_supplement");
    assert_eq!(clock.status(d("2024-10-11"), &cal), DeadlineStatus::Paused);
    // Nobody but the applicant (or the window, for a walk-in) can supplement.
    assert!(matches!(
        transition(&definition, &state, &Command::Supplement, &REVIEWER, None),
        Err(WorkflowError::ActorNotPermitted { .. })
    ));

    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Supplement,
        Actor::Applicant,
        None,
        "2024-10-14",
    );
    assert_eq!(state, "review");
    assert_eq!(clock.deadline(&cal), Some(d("2024-10-22")));

    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Review,
        REVIEWER,
        Some("材料齐全，符合条件"),
        "2024-10-15",
    );
    assert_eq!(state, "approval");

    let extension = Command::StartSpecialProcedure {
        procedure: SpecialProcedure::Extension,
        working_days: Some(10),
    };
    let step = act(
        &definition,
        &mut state,
        &mut clock,
        extension,
        APPROVER,
        Some("经本机关负责人批准延长十日"),
        "2024-10-16",
    );
    assert_eq!(step.to, "approval");
    assert_eq!(clock.deadline(&cal), Some(d("2024-11-05")));

    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Approve,
        APPROVER,
        None,
        "2024-10-18",
    );
    assert_eq!(state, "completion");
    assert!(allowed_actions(&definition, &state, &Actor::Applicant).is_empty());

    let step = act(
        &definition,
        &mut state,
        &mut clock,
        Command::Complete,
        CLERK,
        None,
        "2024-10-21",
    );
    assert_eq!(step.clock, ClockEffect::Stop);
    assert!(clock.is_stopped());
    // 09-29, 09-30, 10-08, 10-09, then 10-15, 16, 17, 18, 21: nine working days used.
    assert_eq!(clock.working_days_used(d("2024-12-31"), &cal), 9);
    assert_eq!(clock.status(d("2024-12-31"), &cal), DeadlineStatus::Normal);

    let step = act(
        &definition,
        &mut state,
        &mut clock,
        Command::Deliver,
        CLERK,
        None,
        "2024-10-22",
    );
    assert_eq!(state, "delivered");
    assert_eq!(step.outcome, Some(Outcome::Approved));
    assert!(allowed_actions(&definition, &state, &CLERK).is_empty());
    assert!(matches!(
        transition(
            &definition,
            &state,
            &Command::Withdraw,
            &Actor::Applicant,
            None
        ),
        Err(WorkflowError::Finished { .. })
    ));
}

#[test]
fn withdrawing_during_a_supplement_closes_the_pause() {
    let definition = WorkflowDefinition::default_for(ItemType::PublicService, false);
    let mut state = "review".to_owned();
    let mut clock = accepted("2024-09-27", 10);
    let supplement = Command::RequestSupplement {
        materials: vec!["户口簿".into()],
    };
    act(
        &definition,
        &mut state,
        &mut clock,
        supplement,
        REVIEWER,
        None,
        "2024-10-09",
    );
    let step = act(
        &definition,
        &mut state,
        &mut clock,
        Command::Withdraw,
        Actor::Applicant,
        None,
        "2024-10-10",
    );
    assert_eq!(step.outcome, Some(Outcome::Withdrawn));
    assert_eq!(clock.pauses[0].until, Some(d("2024-10-10")));
    assert!(!clock.is_paused());
}

#[test]
fn an_instant_case_is_decided_the_day_it_is_accepted() {
    let definition = WorkflowDefinition::default_for(ItemType::PublicService, true);
    assert_eq!(definition.total_sla, SlaSource::Fixed(0));
    let mut state = "draft".to_owned();
    let mut clock = CaseClock::new(0);
    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Submit,
        CLERK,
        None,
        "2024-02-08",
    );
    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Accept,
        CLERK,
        None,
        "2024-02-08",
    );
    assert_eq!(state, "handling");
    assert_eq!(clock.deadline(&calendar()), Some(d("2024-02-08")));
    assert_eq!(
        definition
            .state("handling")
            .unwrap()
            .deadline(d("2024-02-08"), &calendar()),
        Some(d("2024-02-08"))
    );
    act(
        &definition,
        &mut state,
        &mut clock,
        Command::Complete,
        CLERK,
        None,
        "2024-02-08",
    );
    let step = act(
        &definition,
        &mut state,
        &mut clock,
        Command::Deliver,
        CLERK,
        None,
        "2024-02-08",
    );
    assert_eq!(step.outcome, Some(Outcome::Completed));
    assert_eq!(
        clock.status(d("2024-02-09"), &calendar()),
        DeadlineStatus::Normal
    );
}

#[test]
fn per_state_limits_count_working_days() {
    // 待送达 allows 10 working days: entered Fri 09-27, due Wed 10-16, as for the case limit
    // (09-29, 09-30, 10-08, 09, 10, 11, 12, 14, 15, 16).
    let definition = WorkflowDefinition::default_for(ItemType::Licensing, false);
    let delivery = definition.state("delivery").unwrap();
    assert_eq!(delivery.sla_days, Some(10));
    assert_eq!(
        delivery.deadline(d("2024-09-27"), &calendar()),
        Some(d("2024-10-16"))
    );
    assert_eq!(
        definition
            .state("review")
            .unwrap()
            .deadline(d("2024-09-27"), &calendar()),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// Definitions

#[test]
fn every_default_validates_and_round_trips_through_json() {
    for definition in all_defaults() {
        assert_eq!(
            definition.problems(),
            Vec::<DefinitionProblem>::new(),
            "{}",
            definition.code
        );
        let json = serde_json::to_string_pretty(&definition).unwrap();
        let read = WorkflowDefinition::from_json(&json).unwrap();
        assert_eq!(read, definition);
    }
}

#[test]
fn allowed_actions_are_what_each_role_sees() {
    let definition = WorkflowDefinition::default_for(ItemType::Licensing, false);
    assert_eq!(
        allowed_actions(&definition, "acceptance", &CLERK),
        vec![
            Action::Accept,
            Action::Reject,
            Action::RequestSupplement,
            Action::ReturnToApplicant,
            Action::Transfer
        ]
    );
    assert_eq!(
        allowed_actions(&definition, "acceptance", &Actor::Applicant),
        vec![Action::Withdraw]
    );
    assert_eq!(
        allowed_actions(&definition, "acceptance", &REVIEWER),
        vec![]
    );
    assert_eq!(
        allowed_actions(&definition, "review_special", &REVIEWER),
        vec![Action::EndSpecialProcedure]
    );
    assert_eq!(
        allowed_actions(&definition, "no_such_state", &CLERK),
        vec![]
    );
    assert_eq!(
        allowed_actions(&definition, "draft", &Actor::Staff(Role::Auditor)),
        vec![]
    );
}

fn state(key: &str, kind: StateKind) -> StateDef {
    StateDef {
        key: key.into(),
        label: key.into(),
        kind,
        sla_days: None,
    }
}

fn action(action: Action, from: &[&str], to: &str, by: &[Actor]) -> ActionDef {
    ActionDef {
        action,
        from: from.iter().map(|s| (*s).to_owned()).collect(),
        to: to.into(),
        by: by.to_vec(),
        requires_comment: false,
    }
}

#[test]
fn validation_reports_every_problem() {
    let definition = WorkflowDefinition {
        code: "bad code".into(),
        version: 0,
        name: " ".into(),
        states: vec![
            state("draft", StateKind::Draft),
            state("open", StateKind::Active),
            state("open", StateKind::Active),
            state("waiting", StateKind::Paused),
            state("Lost", StateKind::Active),
            state(
                "done",
                StateKind::Final {
                    outcome: Outcome::Approved,
                },
            ),
            state(
                "never",
                StateKind::Final {
                    outcome: Outcome::Rejected,
                },
            ),
        ],
        actions: vec![
            action(Action::Submit, &["draft"], "open", &[Actor::Applicant]),
            action(Action::Review, &["open"], "nowhere", &[REVIEWER]),
            action(Action::Reject, &["open"], "done", &[Actor::Applicant]),
            action(Action::Withdraw, &["open"], "never", &[CLERK]),
            action(Action::Approve, &["open"], "done", &[]),
            action(Action::Approve, &["open", "done"], "done", &[APPROVER]),
            action(Action::RequestSupplement, &["open"], "waiting", &[REVIEWER]),
            action(
                Action::EndSpecialProcedure,
                &["waiting"],
                "open",
                &[REVIEWER],
            ),
        ],
        total_sla: SlaSource::PromisedDays,
    };
    let messages: Vec<String> = definition
        .validate()
        .unwrap_err()
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "流程编码“bad code”无效：应为 1–40 个英文字母、数字、连字符或下划线",
        "版本号应从 1 开始",
        "流程名称不能为空",
        "状态标识“open”重复出现",
        "状态标识“Lost”无效：应为小写英文字母开头、由小写字母、数字和下划线组成，最多 40 个字符",
        "第 2 个动作“审核”的目标状态“nowhere”不存在",
        "第 3 个动作“不予受理”应进入“不予受理”终态，“done”不是",
        "第 3 个动作：申请人不能执行“不予受理”",
        "第 3 个动作“不予受理”必须说明理由，requires_comment 应为 true",
        "第 4 个动作“撤回”应进入“撤回”终态，“never”不是",
        "第 4 个动作：“撤回”只能由申请人提出，窗口受理人员不能执行",
        "第 5 个动作“批准”没有指定执行人，没有人可以执行",
        "第 6 个动作“批准”从终态“done”出发：办件结束后不能再办理",
        "第 8 个动作“特别程序结束”必须说明理由，requires_comment 应为 true",
        "状态“open”下的“批准”定义了不止一次，去向不明确",
        "流程中没有“受理”动作，办理时限无法起算",
        "第 8 个动作：暂停状态“waiting”由补正告知进入，应由“补正”恢复，而不是“特别程序结束”",
        // “never” is reachable (if wrongly, by 撤回); “Lost” is not, and leads nowhere.
        "状态“Lost”（Lost）无法从草稿状态到达",
        "状态“Lost”（Lost）不是终态，却没有任何可执行的动作",
    ];
    assert_eq!(messages, expected);
}

#[test]
fn a_definition_without_a_draft_or_an_end() {
    let definition = WorkflowDefinition {
        code: "loop".into(),
        version: 1,
        name: "循环".into(),
        states: vec![state("a", StateKind::Active), state("b", StateKind::Active)],
        actions: vec![
            action(Action::Accept, &["a"], "b", &[CLERK]),
            action(Action::ReturnToPrevious, &["b"], "a", &[CLERK]),
        ],
        total_sla: SlaSource::Fixed(5),
    };
    let problems = definition.problems();
    assert_eq!(
        problems,
        vec![
            DefinitionProblem::NoDraft,
            DefinitionProblem::NoFinal,
            DefinitionProblem::ReasonRequired {
                number: 2,
                action: Action::ReturnToPrevious
            },
            DefinitionProblem::NoWayOut {
                key: "a".into(),
                label: "a".into()
            },
            DefinitionProblem::NoWayOut {
                key: "b".into(),
                label: "b".into()
            },
        ]
    );
    let message = definition.validate().unwrap_err().to_string();
    assert!(
        message.starts_with("流程定义有 5 处问题：1. 缺少初始状态"),
        "{message}"
    );
}

#[test]
fn an_edited_definition_is_read_with_its_problems() {
    let json = r#"{
      "code": "custom",
      "version": 2,
      "name": "自定义流程",
      "states": [
        {"key": "draft", "label": "填写申请", "kind": "draft"},
        {"key": "acceptance", "label": "待受理", "kind": "active", "sla_days": 5},
        {"key": "handling", "label": "办理", "kind": "active"},
        {"key": "done", "label": "办结", "kind": "final", "outcome": "completed"}
      ],
      "actions": [
        {"action": "submit", "from": ["draft"], "to": "acceptance", "by": ["applicant"]},
        {"action": "accept", "from": ["acceptance"], "to": "handling", "by": ["window_clerk"]},
        {"action": "complete", "from": ["handling"], "to": "done", "by": ["reviewer"]}
      ],
      "total_sla": {"fixed": 3}
    }"#;
    let definition = WorkflowDefinition::from_json(json).unwrap();
    assert_eq!(definition.version, 2);
    assert_eq!(definition.total_sla, SlaSource::Fixed(3));

    // Accepting straight into the final state skips the clock's whole life.
    let broken = json.replace(r#""to": "handling""#, r#""to": "done""#);
    let error = WorkflowDefinition::from_json(&broken).unwrap_err();
    assert_eq!(
        error.messages(),
        vec![
            "第 2 个动作“受理”应进入办理中状态，“done”不是".to_owned(),
            "状态“办理”（handling）无法从草稿状态到达".to_owned(),
        ]
    );

    let error =
        WorkflowDefinition::from_json(&json.replace("window_clerk", "janitor")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("第 13 行"), "{message}");
    assert!(message.contains("actions[1].by[0]"), "{message}");
    assert!(message.contains("未知执行人“janitor”"), "{message}");
}

#[test]
fn a_broken_target_is_an_error_not_a_state() {
    let mut definition = WorkflowDefinition::default_for(ItemType::Licensing, false);
    for def in &mut definition.actions {
        if def.action == Action::Accept {
            def.to = "gone".into();
        }
    }
    assert_eq!(
        transition(&definition, "acceptance", &Command::Accept, &CLERK, None),
        Err(WorkflowError::BrokenDefinition {
            number: 2,
            action: Action::Accept,
            to: "gone".into()
        })
    );
}
