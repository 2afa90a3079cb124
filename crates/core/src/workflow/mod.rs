//! Case handling as data (办件流程): a workflow definition per item, versioned, whose states,
//! actions and roles administrators edit as JSON; the transitions it allows; and the case's
//! time limit in working days on the official calendar.
//!
//! The pieces fit together like this, all pure:
//!
//! ```
//! use zerotrip_core::access::Role;
//! use zerotrip_core::calendar::WorkingDayCalendar;
//! use zerotrip_core::catalog::ItemType;
//! use zerotrip_core::workflow::{Actor, CaseClock, Command, WorkflowDefinition, transition};
//!
//! let definition = WorkflowDefinition::default_for(ItemType::Licensing, false);
//! let calendar = WorkingDayCalendar::official();
//! let mut clock = CaseClock::new(20);
//! let clerk = Actor::Staff(Role::WindowClerk);
//! let today = chrono::NaiveDate::from_ymd_opt(2024, 2, 5).unwrap();
//!
//! let step = transition(&definition, "acceptance", &Command::Accept, &clerk, None).unwrap();
//! clock.apply(&step.clock, today).unwrap();
//! assert_eq!(step.to, "review");
//! // 20 working days after Mon 2024-02-05, across the Spring Festival.
//! assert_eq!(clock.deadline(&calendar), chrono::NaiveDate::from_ymd_opt(2024, 3, 8));
//! ```
//!
//! The caller stores the new state key and the clock with the case, and records the action as
//! an event of the case's timeline (who, when, the command, the comment).

mod clock;
mod defaults;
mod definition;
mod transition;
mod validate;
mod vocabulary;

pub use clock::{
    CaseClock, ClockError, DUE_SOON_WORKING_DAYS, DeadlineStatus, Extension, Pause, PauseKind,
};
pub use defaults::all_defaults;
pub use definition::{ActionDef, SlaSource, StateDef, StateShapeError, WorkflowDefinition};
pub use transition::{
    ActionRequest, ClockEffect, Command, CommandError, MAX_COMMENT_CHARS, Transition,
    WorkflowError, allowed_actions, transition,
};
pub use validate::{DefinitionProblem, InvalidDefinition};
pub use vocabulary::{Action, Actor, Outcome, SpecialProcedure, StateKind, UnknownActor};
