//! Properties of case clocks and workflow definitions over generated inputs.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use std::collections::{HashSet, VecDeque};
use zerotrip_core::access::Role;
use zerotrip_core::calendar::WorkingDayCalendar;
use zerotrip_core::catalog::ItemType;
use zerotrip_core::workflow::{
    Action, ActionDef, Actor, CaseClock, Command, Outcome, Pause, PauseKind, SlaSource,
    SpecialProcedure, StateDef, StateKind, WorkflowDefinition, all_defaults, allowed_actions,
    transition,
};

fn calendar() -> WorkingDayCalendar {
    WorkingDayCalendar::official()
}

fn date_in(first_year: i32, last_year: i32) -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(first_year, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap();
    (0..=(last - first).num_days() as u64).prop_map(move |offset| first + Days::new(offset))
}

fn pause_kind() -> impl Strategy<Value = PauseKind> {
    prop_oneof![
        Just(PauseKind::Supplement),
        proptest::sample::select(SpecialProcedure::ALL.to_vec()).prop_map(PauseKind::Special),
    ]
}

/// A closed pause starting 0..60 days after `base` and lasting 0..30 days.
fn pause_after(base: NaiveDate) -> impl Strategy<Value = Pause> {
    (pause_kind(), 0u64..60, 0u64..30).prop_map(move |(kind, offset, length)| {
        let from = base + Days::new(offset);
        Pause {
            kind,
            from,
            until: Some(from + Days::new(length)),
        }
    })
}

/// An accepted clock with up to four closed pauses (possibly overlapping, possibly before the
/// deadline or after it) and up to two extensions.
fn clock() -> impl Strategy<Value = CaseClock> {
    (date_in(2019, 2026), 0u32..60).prop_flat_map(|(accepted, limit)| {
        let base = accepted - Days::new(5);
        (
            Just(accepted),
            Just(limit),
            proptest::collection::vec(pause_after(base), 0..4),
            proptest::collection::vec(0u32..15, 0..2),
        )
            .prop_map(|(accepted, limit, pauses, extensions)| {
                let mut clock = CaseClock::new(limit);
                clock.start(accepted).unwrap();
                clock.pauses = pauses;
                for (index, days) in extensions.into_iter().enumerate() {
                    clock
                        .extend(days, "延长审批", accepted + Days::new(index as u64))
                        .unwrap();
                }
                clock
            })
    })
}

/// The obvious day-by-day count: the `total_limit()`-th working day after acceptance that no
/// pause `(from, until]` covers.
fn deadline_slowly(clock: &CaseClock, calendar: &WorkingDayCalendar) -> NaiveDate {
    let accepted = clock.accepted_on.unwrap();
    let mut left = clock.total_limit();
    let mut day = accepted;
    while left > 0 {
        day = day.succ_opt().unwrap();
        let paused = clock
            .pauses
            .iter()
            .any(|pause| pause.from < day && pause.until.is_none_or(|until| day <= until));
        if calendar.is_working_day(day) && !paused {
            left -= 1;
        }
    }
    day
}

fn all_actors() -> Vec<Actor> {
    std::iter::once(Actor::Applicant)
        .chain(Role::ALL.into_iter().map(Actor::Staff))
        .collect()
}

/// A command for `action`, with details drawn from `choice` so that walks exercise both the
/// pausing and the extending 特别程序.
fn command_for(action: Action, choice: usize) -> Command {
    match action {
        Action::RequestSupplement => Command::RequestSupplement {
            materials: vec!["身份证明".into()],
        },
        Action::Transfer => Command::Transfer {
            department: "11460000MB0000000X".into(),
        },
        Action::StartSpecialProcedure => {
            let procedure = SpecialProcedure::ALL[choice % SpecialProcedure::ALL.len()];
            Command::StartSpecialProcedure {
                procedure,
                working_days: Some(10),
            }
        }
        other => Command::without_details(other).unwrap(),
    }
}

fn any_command() -> impl Strategy<Value = Command> {
    let action = proptest::sample::select(Action::ALL.to_vec());
    let procedure = proptest::sample::select(SpecialProcedure::ALL.to_vec());
    (
        action,
        procedure,
        proptest::option::of(0u32..20),
        proptest::collection::vec("[a-z ]{0,3}", 0..3),
    )
        .prop_map(
            |(action, procedure, working_days, materials)| match action {
                Action::RequestSupplement => Command::RequestSupplement { materials },
                Action::Transfer => Command::Transfer {
                    department: materials.concat(),
                },
                Action::StartSpecialProcedure => Command::StartSpecialProcedure {
                    procedure,
                    working_days,
                },
                other => Command::without_details(other).unwrap(),
            },
        )
}

fn state_kind() -> impl Strategy<Value = StateKind> {
    prop_oneof![
        Just(StateKind::Draft),
        Just(StateKind::Active),
        Just(StateKind::Paused),
        proptest::sample::select(Outcome::ALL.to_vec())
            .prop_map(|outcome| StateKind::Final { outcome }),
    ]
}

/// A random, usually invalid, definition over the keys `s0..s5`, whose actions may also name
/// keys that do not exist.
fn random_definition() -> impl Strategy<Value = WorkflowDefinition> {
    let key = (0usize..8).prop_map(|index| format!("s{index}"));
    let states = proptest::collection::vec(state_kind(), 1..6).prop_map(|kinds| {
        kinds
            .into_iter()
            .enumerate()
            .map(|(index, kind)| StateDef {
                key: format!("s{index}"),
                label: format!("状态{index}"),
                kind,
                sla_days: None,
            })
            .collect::<Vec<_>>()
    });
    let action = (
        proptest::sample::select(Action::ALL.to_vec()),
        proptest::collection::vec(key.clone(), 0..3),
        key,
        proptest::sample::subsequence(all_actors(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(action, from, to, by, requires_comment)| ActionDef {
            action,
            from,
            to,
            by,
            requires_comment,
        });
    (states, proptest::collection::vec(action, 0..12)).prop_map(|(states, actions)| {
        WorkflowDefinition {
            code: "random".into(),
            version: 1,
            name: "随机流程".into(),
            states,
            actions,
            total_sla: SlaSource::PromisedDays,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_deadline_is_the_day_by_day_count(clock in clock()) {
        let calendar = calendar();
        prop_assert_eq!(clock.deadline(&calendar), Some(deadline_slowly(&clock, &calendar)));
    }

    #[test]
    fn pauses_never_make_the_deadline_earlier(clock in clock()) {
        let calendar = calendar();
        let mut without = clock.clone();
        without.pauses.clear();
        prop_assert!(without.deadline(&calendar) <= clock.deadline(&calendar));
    }

    #[test]
    fn adding_a_pause_never_moves_the_deadline_earlier(
        (clock, extra) in clock().prop_flat_map(|clock| {
            let base = clock.accepted_on.unwrap() - Days::new(5);
            (Just(clock), pause_after(base))
        })
    ) {
        let calendar = calendar();
        let before = clock.deadline(&calendar);
        let mut with = clock.clone();
        with.pauses.push(extra);
        prop_assert!(before <= with.deadline(&calendar));
    }

    #[test]
    fn on_the_deadline_the_whole_limit_is_used(clock in clock()) {
        let calendar = calendar();
        let deadline = clock.deadline(&calendar).unwrap();
        prop_assert_eq!(clock.working_days_used(deadline, &calendar), clock.total_limit());
        prop_assert_eq!(clock.working_days_left(deadline, &calendar), Some(0));
    }

    #[test]
    fn status_follows_the_deadline(clock in clock(), offset in 0u64..200) {
        use zerotrip_core::workflow::DeadlineStatus;
        let calendar = calendar();
        let today = clock.accepted_on.unwrap() + Days::new(offset);
        let deadline = clock.deadline(&calendar).unwrap();
        let expected = if today > deadline {
            DeadlineStatus::Overdue
        } else if calendar.working_days_between(today, deadline) <= 2 {
            DeadlineStatus::DueSoon
        } else {
            DeadlineStatus::Normal
        };
        prop_assert_eq!(clock.status(today, &calendar), expected);
    }

    #[test]
    fn an_open_pause_suspends_and_projects(clock in clock(), from in 0u64..40, today in 0u64..40) {
        let calendar = calendar();
        let mut paused = clock.clone();
        paused.pauses.clear();
        let accepted = clock.accepted_on.unwrap();
        let from = accepted + Days::new(from);
        paused.pause(PauseKind::Supplement, from).unwrap();
        prop_assert!(paused.is_paused());
        prop_assert_eq!(paused.deadline(&calendar), None);
        let today = from + Days::new(today);
        let projected = paused.projected_deadline(today, &calendar);
        // Resuming today gives exactly the projection, and it is never earlier than no pause.
        let mut resumed = paused.clone();
        resumed.resume(today).unwrap();
        prop_assert_eq!(resumed.deadline(&calendar), projected);
        paused.pauses.clear();
        prop_assert!(paused.deadline(&calendar) <= projected);
    }

    #[test]
    fn transition_never_leaves_the_definition(
        definition in random_definition(),
        state in (0usize..8).prop_map(|index| format!("s{index}")),
        command in any_command(),
        actor in proptest::sample::select(all_actors()),
        comment in proptest::option::of("[a-z ]{0,4}"),
    ) {
        if let Ok(step) = transition(&definition, &state, &command, &actor, comment.as_deref()) {
            prop_assert!(definition.state(&step.to).is_some(), "{:?}", step);
            prop_assert_eq!(&step.from, &state);
            prop_assert_eq!(step.action, command.action());
            let to = definition.state(&step.to).unwrap();
            prop_assert_eq!(step.outcome, to.kind.outcome());
            prop_assert!(allowed_actions(&definition, &state, &actor).contains(&step.action));
        }
    }

    #[test]
    fn reading_a_definition_agrees_with_validating_it(definition in random_definition()) {
        let json = serde_json::to_string(&definition).unwrap();
        match WorkflowDefinition::from_json(&json) {
            Ok(read) => {
                prop_assert_eq!(&read, &definition);
                prop_assert!(definition.problems().is_empty());
            }
            Err(error) => prop_assert_eq!(error.problems, definition.problems()),
        }
    }

    /// Random walks through the shipped definitions: every step lands in the definition, the
    /// clock accepts every effect, and a paused state is exactly a paused clock.
    #[test]
    fn walks_through_the_defaults_keep_state_and_clock_together(
        index in 0usize..4,
        choices in proptest::collection::vec((0usize..64, 0u64..4), 1..40),
        start in date_in(2019, 2026),
    ) {
        let definition = all_defaults().swap_remove(index);
        let actors = all_actors();
        let mut state = definition.initial_state().unwrap().key.clone();
        let mut clock = CaseClock::new(10);
        let mut today = start;
        for (choice, days) in choices {
            let options: Vec<(Actor, Action)> = actors
                .iter()
                .flat_map(|actor| {
                    allowed_actions(&definition, &state, actor)
                        .into_iter()
                        .map(move |action| (*actor, action))
                })
                .collect();
            if options.is_empty() {
                break;
            }
            let (actor, action) = options[choice % options.len()];
            let command = command_for(action, choice);
            let step = transition(&definition, &state, &command, &actor, Some("理由"));
            prop_assert!(step.is_ok(), "{:?} {} {:?}", action, state, step);
            let step = step.unwrap();
            today = today + Days::new(days);
            prop_assert!(clock.apply(&step.clock, today).is_ok(), "{:?} at {}", step, state);
            state = step.to;
            let kind = definition.state(&state).unwrap().kind;
            prop_assert_eq!(kind == StateKind::Paused, clock.is_paused(), "{} {:?}", state, clock);
            if kind.is_final() {
                prop_assert!(clock.is_stopped());
                prop_assert!(allowed_actions(&definition, &state, &Actor::Applicant).is_empty());
            }
        }
    }
}

#[test]
fn every_default_validates_and_reaches_every_final_state_from_the_draft() {
    let actors = all_actors();
    let mut codes = HashSet::new();
    for &item_type in ItemType::ALL {
        for instant in [false, true] {
            let definition = WorkflowDefinition::default_for(item_type, instant);
            assert!(definition.validate().is_ok(), "{}", definition.code);
            if !codes.insert(definition.code.clone()) {
                continue;
            }
            // Explore through the public API only: allowed actions and transitions.
            let start = definition.initial_state().unwrap().key.clone();
            let mut reached = HashSet::from([start.clone()]);
            let mut queue = VecDeque::from([start]);
            while let Some(state) = queue.pop_front() {
                for actor in &actors {
                    for action in allowed_actions(&definition, &state, actor) {
                        for choice in 0..SpecialProcedure::ALL.len() {
                            let command = command_for(action, choice);
                            let step =
                                transition(&definition, &state, &command, actor, Some("理由"))
                                    .unwrap();
                            if reached.insert(step.to.clone()) {
                                queue.push_back(step.to);
                            }
                        }
                    }
                }
            }
            for state in &definition.states {
                assert!(
                    reached.contains(&state.key),
                    "{}: {}",
                    definition.code,
                    state.key
                );
            }
            let outcomes: HashSet<Outcome> = definition
                .final_states()
                .filter_map(|state| state.kind.outcome())
                .collect();
            assert!(outcomes.contains(&Outcome::Rejected), "{}", definition.code);
            assert!(
                outcomes.contains(&Outcome::Withdrawn),
                "{}",
                definition.code
            );
            assert!(outcomes.contains(&Outcome::Denied), "{}", definition.code);
        }
    }
    assert_eq!(codes.len(), 4);
}
